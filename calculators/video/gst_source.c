/* gst_source.c — the decoding pipeline behind VideoDecoderCalculator:
 *
 *   front ! videoconvert ! appsink caps=video/x-raw,format=RGB
 *
 * where front is videotestsrc ! capsfilter, or filesrc/v4l2src ! decodebin,
 * or uridecodebin, or (input "gst:DESCRIPTION") a bin parsed from a
 * gst-launch description whose one unlinked src pad gives raw video;
 * decodebin's video pad is linked when it appears and any other stream goes to
 * a fakesink. appsink keeps a few frames (max-buffers, drop=false), so a slow
 * graph holds the decoder back rather than piling up frames. Errors are read
 * from the bus whenever a pull comes back empty, so a failing pipeline is
 * reported, not waited on. */
#include "gst_source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "diag.h"
#include "edgepipe/error.h"
#include "gst_util.h"

typedef enum { SRC_FILE, SRC_URI, SRC_TEST, SRC_CAMERA, SRC_LAUNCH } src_kind;

struct ep__gst_source {
  GstElement *pipeline, *convert, *sink;
  GstBus *bus;
  char *input; /* as given, for messages */
  src_kind kind;
  GstClockTime timeout;
  double fps;         /* declared by the stream; 0 if none */
  GstSample *pending; /* the first frame, pulled by open() */
  GstSample *still;   /* a still image being repeated */
  int still_left;     /* repeats to go; < 0: endless */
  double still_period_us;
  GstElementFactory *prefer; /* decoder to pick when it fits, or NULL */
  int64_t count, last_pts;
  int64_t first_pts; /* the stream's first PTS in us; -1 before it */
  gint video_linked; /* atomic: set from decodebin's streaming thread */
};

struct hold {
  GstSample *sample;
  GstVideoFrame vf;
};

/* --- building ------------------------------------------------------------ */

static src_kind kind_of(const char *in, const char **device) {
  *device = NULL;
  if (strncmp(in, "gst:", 4) == 0)
    return SRC_LAUNCH;
  if (strcmp(in, "test") == 0 || strcmp(in, "videotestsrc") == 0)
    return SRC_TEST;
  if (strcmp(in, "camera") == 0) {
    *device = "/dev/video0";
    return SRC_CAMERA;
  }
  if (strncmp(in, "v4l2:", 5) == 0) {
    *device = in[5] ? in + 5 : "/dev/video0";
    return SRC_CAMERA;
  }
  if (strncmp(in, "/dev/video", 10) == 0) {
    *device = in;
    return SRC_CAMERA;
  }
  return strstr(in, "://") ? SRC_URI : SRC_FILE;
}

static void link_other(ep__gst_source *s, GstPad *pad) {
  /* Streams we do not decode (audio, subtitles) must still flow somewhere,
   * or a demuxer may stop on not-linked. */
  GstElement *fs = gst_element_factory_make("fakesink", NULL);
  if (!fs)
    return;
  g_object_set(fs, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add(GST_BIN(s->pipeline), fs);
  gst_element_sync_state_with_parent(fs);
  GstPad *sp = gst_element_get_static_pad(fs, "sink");
  gst_pad_link(pad, sp);
  gst_object_unref(sp);
}

/* The preferred decoder (the `decoder` option) is not chosen by rank:
 * decodebin is told to stop at the media types it takes, which pad-added
 * then links through a parser (which also converts, e.g. H.264 avc to the
 * byte-stream openh264dec wants) and the decoder. */
static void stop_before_decoding(ep__gst_source *s, GstElement *dec) {
  GstCaps *stop = gst_caps_from_string("video/x-raw(ANY)");
  for (const GList *t = gst_element_factory_get_static_pad_templates(s->prefer);
       t; t = t->next) {
    GstStaticPadTemplate *pt = t->data;
    if (pt->direction != GST_PAD_SINK)
      continue;
    GstCaps *tc = gst_static_caps_get(&pt->static_caps);
    for (guint i = 0; i < gst_caps_get_size(tc); i++)
      stop =
          gst_caps_merge(stop, gst_caps_new_empty_simple(gst_structure_get_name(
                                   gst_caps_get_structure(tc, i))));
    gst_caps_unref(tc);
  }
  g_object_set(dec, "caps", stop, NULL);
  gst_caps_unref(stop);
}

/* A parser element for caps, or NULL if none is installed. */
static GstElement *parser_for(GstCaps *caps) {
  GList *all = gst_element_factory_list_get_elements(
      GST_ELEMENT_FACTORY_TYPE_PARSER, GST_RANK_MARGINAL);
  GList *fit = gst_element_factory_list_filter(all, caps, GST_PAD_SINK, FALSE);
  fit = g_list_sort(fit, gst_plugin_feature_rank_compare_func);
  GstElement *e = fit ? gst_element_factory_create(fit->data, NULL) : NULL;
  gst_plugin_feature_list_free(fit);
  gst_plugin_feature_list_free(all);
  return e;
}

static void link_preferred(ep__gst_source *s, GstPad *pad, GstCaps *caps) {
  GstElement *parse = parser_for(caps);
  GstElement *d = gst_element_factory_create(s->prefer, NULL);
  if (!d || !parse) {
    if (d)
      gst_object_unref(d);
    if (parse)
      gst_object_unref(parse);
    return; /* nothing linked: no-more-pads reports it */
  }
  gst_bin_add_many(GST_BIN(s->pipeline), parse, d, NULL);
  GstPad *sp = gst_element_get_static_pad(parse, "sink");
  bool ok = gst_element_link_many(parse, d, s->convert, NULL) &&
            gst_pad_link(pad, sp) == GST_PAD_LINK_OK;
  gst_object_unref(sp);
  gst_element_sync_state_with_parent(d);
  gst_element_sync_state_with_parent(parse);
  if (ok)
    g_atomic_int_set(&s->video_linked, 1);
}

static void on_pad_added(GstElement *dec, GstPad *pad, gpointer user) {
  (void)dec;
  ep__gst_source *s = user;
  GstCaps *caps = gst_pad_get_current_caps(pad);
  if (!caps)
    caps = gst_pad_query_caps(pad, NULL);
  const char *media =
      gst_caps_get_size(caps) > 0
          ? gst_structure_get_name(gst_caps_get_structure(caps, 0))
          : "";
  bool video = g_str_has_prefix(media, "video/");
  bool encoded = video && s->prefer && strcmp(media, "video/x-raw") != 0;
  if (encoded && !g_atomic_int_get(&s->video_linked)) {
    link_preferred(s, pad, caps);
    gst_caps_unref(caps);
    return;
  }
  gst_caps_unref(caps);
  if (video && !g_atomic_int_get(&s->video_linked)) {
    GstPad *sp = gst_element_get_static_pad(s->convert, "sink");
    if (gst_pad_link(pad, sp) == GST_PAD_LINK_OK)
      g_atomic_int_set(&s->video_linked, 1);
    gst_object_unref(sp);
    return;
  }
  link_other(s, pad);
}

static void on_no_more_pads(GstElement *dec, gpointer user) {
  ep__gst_source *s = user;
  if (g_atomic_int_get(&s->video_linked))
    return;
  GError *e = g_error_new_literal(GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE,
                                  "the input has no video stream");
  gst_element_post_message(dec,
                           gst_message_new_error(GST_OBJECT(dec), e, NULL));
  g_error_free(e);
}

/* Adds e to the pipeline (which takes it over) and returns it. */
static GstElement *add(ep__gst_source *s, const char *factory, char **errmsg) {
  GstElement *e = ep__gst_make(factory, errmsg);
  if (e)
    gst_bin_add(GST_BIN(s->pipeline), e);
  return e;
}

static int build_test(ep__gst_source *s, const ep__gst_source_opts *o,
                      char **errmsg) {
  GstElement *src = add(s, "videotestsrc", errmsg);
  GstElement *cf = src ? add(s, "capsfilter", errmsg) : NULL;
  if (!cf)
    return EP_EUNSUPPORTED;
  g_object_set(src, "is-live", FALSE, NULL);
  if (o->num_frames > 0)
    g_object_set(src, "num-buffers", o->num_frames, NULL);
  if (o->pattern && *o->pattern &&
      ep__gst_set(src, "pattern", o->pattern, errmsg) < 0)
    return EP_EINVAL;
  int n, d;
  gst_util_double_to_fraction(s->fps, &n, &d);
  GstCaps *caps = gst_caps_new_simple(
      "video/x-raw", "width", G_TYPE_INT, o->width > 0 ? o->width : 640,
      "height", G_TYPE_INT, o->height > 0 ? o->height : 480, "framerate",
      GST_TYPE_FRACTION, n, d, NULL);
  g_object_set(cf, "caps", caps, NULL);
  gst_caps_unref(caps);
  if (!gst_element_link_many(src, cf, s->convert, NULL)) {
    *errmsg = ep__strdup_printf("cannot link the test source");
    return EP_EUNSUPPORTED;
  }
  return 0;
}

static int check_file(const char *path, char **errmsg) {
  if (access(path, R_OK) != 0) {
    *errmsg = ep__strdup_printf("cannot open '%s': %s", path, strerror(errno));
    return errno == ENOENT ? EP_ENOENT : EP_EIO;
  }
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    *errmsg = ep__strdup_printf("cannot open '%s': it is a directory", path);
    return EP_EIO;
  }
  return 0;
}

static int build_decoding(ep__gst_source *s, src_kind k, const char *device,
                          char **errmsg) {
  GstElement *dec;
  if (k == SRC_URI) {
    dec = add(s, "uridecodebin", errmsg);
    if (!dec)
      return EP_EUNSUPPORTED;
    g_object_set(dec, "uri", s->input, NULL);
  } else {
    GstElement *src = add(s, k == SRC_CAMERA ? "v4l2src" : "filesrc", errmsg);
    dec = src ? add(s, "decodebin", errmsg) : NULL;
    if (!dec)
      return EP_EUNSUPPORTED;
    g_object_set(src, k == SRC_CAMERA ? "device" : "location",
                 k == SRC_CAMERA ? device : s->input, NULL);
    if (!gst_element_link(src, dec)) {
      *errmsg = ep__strdup_printf("cannot link the source of '%s'", s->input);
      return EP_EUNSUPPORTED;
    }
  }
  g_signal_connect(dec, "pad-added", G_CALLBACK(on_pad_added), s);
  if (s->prefer)
    stop_before_decoding(s, dec);
  g_signal_connect(dec, "no-more-pads", G_CALLBACK(on_no_more_pads), s);
  return 0;
}

/* "gst:DESCRIPTION": the user's own source, as gst-launch-1.0 would build
 * it (a camera with its caps, an RTSP stream, a test pattern that fails
 * on purpose); its unlinked src pad feeds videoconvert. */
static int build_launch(ep__gst_source *s, char **errmsg) {
  GError *err = NULL;
  const char *desc = s->input + 4;
  GstElement *bin = gst_parse_bin_from_description(desc, TRUE, &err);
  if (!bin || err) {
    *errmsg = ep__strdup_printf("cannot build '%s': %s", s->input,
                                err ? err->message : "no elements");
    g_clear_error(&err);
    if (bin)
      gst_object_unref(bin);
    return EP_EINVAL;
  }
  gst_bin_add(GST_BIN(s->pipeline), bin);
  if (!gst_element_link(bin, s->convert)) {
    *errmsg = ep__strdup_printf("cannot build '%s': it has no src pad giving "
                                "raw video (end it with an element whose src "
                                "pad always exists, e.g. '! videoconvert')",
                                s->input);
    return EP_EINVAL;
  }
  return 0;
}

/* Answers appsink's allocation query: 64-byte aligned memory, as
 * edgepipe's own ImageFrames have, and GstVideoMeta allowed (we honour
 * its strides), so upstream never copies to fit us. */
static GstPadProbeReturn on_sink_query(GstPad *pad, GstPadProbeInfo *info,
                                       gpointer user) {
  (void)pad;
  (void)user;
  GstQuery *q = GST_PAD_PROBE_INFO_QUERY(info);
  if (GST_QUERY_TYPE(q) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  GstAllocationParams params;
  gst_allocation_params_init(&params);
  params.align = 63;
  gst_query_add_allocation_param(q, NULL, &params);
  gst_query_add_allocation_meta(q, GST_VIDEO_META_API_TYPE, NULL);
  return GST_PAD_PROBE_HANDLED;
}

static int build(ep__gst_source *s, const ep__gst_source_opts *o,
                 char **errmsg) {
  const char *device;
  src_kind k = s->kind = kind_of(o->input, &device);
  if (o->decoder && *o->decoder &&
      !(s->prefer = gst_element_factory_find(o->decoder))) {
    GstElement *none = ep__gst_make(o->decoder, errmsg);
    (void)none; /* NULL: it only fills the message */
    return EP_EUNSUPPORTED;
  }
  if (k == SRC_FILE) {
    int rc = check_file(o->input, errmsg);
    if (rc < 0)
      return rc;
  }
  s->pipeline = gst_pipeline_new(NULL);
  s->bus = gst_element_get_bus(s->pipeline);
  s->convert = add(s, "videoconvert", errmsg);
  s->sink = s->convert ? add(s, "appsink", errmsg) : NULL;
  if (!s->sink)
    return EP_EUNSUPPORTED;
  GstCaps *rgb = gst_caps_from_string("video/x-raw,format=RGB");
  g_object_set(s->sink, "caps", rgb, "sync", FALSE, "max-buffers",
               o->max_buffers > 0 ? o->max_buffers : 2, "drop", FALSE,
               "enable-last-sample", FALSE, NULL);
  gst_caps_unref(rgb);
  GstPad *pad = gst_element_get_static_pad(s->sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, on_sink_query,
                    NULL, NULL);
  gst_object_unref(pad);
  if (!gst_element_link(s->convert, s->sink)) {
    *errmsg = ep__strdup_printf("cannot link videoconvert to appsink");
    return EP_EUNSUPPORTED;
  }
  if (k == SRC_LAUNCH)
    return build_launch(s, errmsg);
  return k == SRC_TEST ? build_test(s, o, errmsg)
                       : build_decoding(s, k, device, errmsg);
}

/* --- pulling ------------------------------------------------------------- */

static int pull(ep__gst_source *s, GstSample **out, char **errmsg) {
  gint64 deadline = g_get_monotonic_time() + (gint64)(s->timeout / 1000);
  GstAppSink *sink = GST_APP_SINK(s->sink);
  for (;;) {
    *out = gst_app_sink_try_pull_sample(sink, 20 * GST_MSECOND);
    if (*out)
      return 0;
    /* Read EOS before the bus: an element posts its error before it sends
     * EOS, so an EOS seen here cannot hide an error still to come. */
    bool eos = gst_app_sink_is_eos(sink);
    char *e = ep__gst_bus_error(s->bus, 0);
    if (e) {
      *errmsg = ep__strdup_printf("cannot decode '%s': %s", s->input, e);
      free(e);
      return EP_EIO;
    }
    if (eos)
      return EP_STOP;
    if (g_get_monotonic_time() > deadline) {
      *errmsg = ep__strdup_printf("'%s': no frame within %d ms", s->input,
                                  (int)(s->timeout / GST_MSECOND));
      return EP_EIO;
    }
  }
}

static int map_sample(GstSample *smp, ep__gst_frame *f) {
  GstVideoInfo info;
  GstCaps *caps = gst_sample_get_caps(smp);
  GstBuffer *buf = gst_sample_get_buffer(smp);
  if (!caps || !buf || !gst_video_info_from_caps(&info, caps))
    return EP_EIO;
  struct hold *h = malloc(sizeof *h);
  if (!h)
    return EP_ENOMEM;
  /* gst_video_frame_map honours GstVideoMeta strides and keeps its own
   * reference to the buffer until unmapped. */
  if (!gst_video_frame_map(&h->vf, &info, buf, GST_MAP_READ)) {
    free(h);
    return EP_EIO;
  }
  h->sample = gst_sample_ref(smp);
  f->pixels = GST_VIDEO_FRAME_PLANE_DATA(&h->vf, 0);
  f->width = GST_VIDEO_FRAME_WIDTH(&h->vf);
  f->height = GST_VIDEO_FRAME_HEIGHT(&h->vf);
  f->stride = GST_VIDEO_FRAME_PLANE_STRIDE(&h->vf, 0);
  f->hold = h;
  return 0;
}

void ep__gst_frame_release(void *hold) {
  struct hold *h = hold;
  if (!h)
    return;
  gst_video_frame_unmap(&h->vf);
  gst_sample_unref(h->sample);
  free(h);
}

static double caps_rate(GstSample *smp, bool *still) {
  GstCaps *caps = gst_sample_get_caps(smp);
  int n = 0, d = 1;
  bool has = caps && gst_structure_get_fraction(gst_caps_get_structure(caps, 0),
                                                "framerate", &n, &d);
  *still = has && n == 0;
  return has && n > 0 && d > 0 ? (double)n / d : 0;
}

/* --- lifecycle ----------------------------------------------------------- */

static int start(ep__gst_source *s, const ep__gst_source_opts *o,
                 char **errmsg) {
  if (gst_element_set_state(s->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    char *e = ep__gst_bus_error(s->bus, 0);
    *errmsg = ep__strdup_printf("cannot open '%s': %s", s->input,
                                e ? e : "the pipeline did not start");
    free(e);
    return EP_EIO;
  }
  int rc = pull(s, &s->pending, errmsg);
  if (rc == EP_STOP) {
    *errmsg = ep__strdup_printf("'%s' has no video frames", s->input);
    return EP_EIO;
  }
  if (rc < 0)
    return rc;
  bool still;
  double rate = caps_rate(s->pending, &still);
  double repeat_rate = o->frame_rate > 0 ? o->frame_rate : 30;
  if (still && s->kind != SRC_TEST) {
    s->still = s->pending;
    s->pending = NULL;
    s->still_left = o->loop_image_frames == 0 ? 1 : o->loop_image_frames;
    if (s->still_left < 0)
      s->still_left = -1;
    s->still_period_us = 1e6 / repeat_rate;
    /* One decoded image is all we need; stop decoding. */
    gst_element_set_state(s->pipeline, GST_STATE_NULL);
  } else if (rate > 0) {
    s->fps = rate;
  }
  return 0;
}

int ep__gst_source_open(const ep__gst_source_opts *o, ep__gst_source **out,
                        char **errmsg) {
  *out = NULL;
  if (!o || !o->input || !*o->input) {
    *errmsg = ep__strdup_printf("no input given");
    return EP_EINVAL;
  }
  int rc = ep__gst_init(errmsg);
  if (rc < 0)
    return rc;
  ep__gst_source *s = calloc(1, sizeof *s);
  if (!s || !(s->input = strdup(o->input))) {
    free(s);
    return EP_ENOMEM;
  }
  s->timeout =
      (GstClockTime)(o->timeout_ms > 0 ? o->timeout_ms : 10000) * GST_MSECOND;
  s->fps = o->frame_rate > 0 ? o->frame_rate : 30;
  s->last_pts = INT64_MIN;
  s->first_pts = -1;
  rc = build(s, o, errmsg);
  if (rc == 0)
    rc = start(s, o, errmsg);
  if (rc < 0) {
    ep__gst_source_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

static int next_still(ep__gst_source *s, ep__gst_frame *f) {
  if (s->still_left == 0)
    return EP_STOP;
  int rc = map_sample(s->still, f);
  if (rc < 0)
    return rc;
  f->pts_us = (int64_t)((double)s->count * s->still_period_us);
  if (f->pts_us <= s->last_pts)
    f->pts_us = s->last_pts + 1;
  s->last_pts = f->pts_us;
  s->count++;
  if (s->still_left > 0)
    s->still_left--;
  return 0;
}

int ep__gst_source_next(ep__gst_source *s, ep__gst_frame *f, char **errmsg) {
  if (s->still)
    return next_still(s, f);
  GstSample *smp = s->pending;
  s->pending = NULL;
  if (!smp) {
    int rc = pull(s, &smp, errmsg);
    if (rc != 0)
      return rc;
  }
  int rc = map_sample(smp, f);
  GstClockTime pts = GST_BUFFER_PTS(gst_sample_get_buffer(smp));
  gst_sample_unref(smp);
  if (rc < 0) {
    *errmsg = ep__strdup_printf("'%s': cannot map a decoded frame", s->input);
    return rc;
  }
  /* Times count from the first frame: an H.264 mp4 with B-frames starts
   * its PTS at the reorder delay, a camera at its clock's running time.
   * Without a PTS, space frames by the declared rate. Decoders emit frames
   * in presentation order, so a repeat or step back is a rounding artefact;
   * nudge it forward to keep the stream strictly increasing. */
  if (GST_CLOCK_TIME_IS_VALID(pts)) {
    if (s->first_pts < 0)
      s->first_pts = (int64_t)(pts / 1000);
    f->pts_us = (int64_t)(pts / 1000) - s->first_pts;
  } else {
    f->pts_us = (int64_t)((double)s->count * 1e6 / s->fps);
  }
  if (f->pts_us <= s->last_pts)
    f->pts_us = s->last_pts + 1;
  s->last_pts = f->pts_us;
  s->count++;
  return 0;
}

double ep__gst_source_frame_rate(const ep__gst_source *s) {
  return s->still ? 0 : s->fps;
}

void ep__gst_source_free(ep__gst_source *s) {
  if (!s)
    return;
  if (s->pipeline) {
    gst_element_set_state(s->pipeline, GST_STATE_NULL);
    gst_object_unref(s->pipeline);
  }
  if (s->bus)
    gst_object_unref(s->bus);
  if (s->pending)
    gst_sample_unref(s->pending);
  if (s->still)
    gst_sample_unref(s->still);
  if (s->prefer)
    gst_object_unref(s->prefer);
  free(s->input);
  free(s);
}
