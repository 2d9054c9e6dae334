/* gst_sink.c — the encoding pipeline behind VideoEncoderCalculator:
 *
 *   appsrc ! [videoconvert ! encoder ! muxer] ! filesink
 *
 * with the stages picked from the output's name (see gst_sink.h). Frames
 * go in as GstBuffers wrapping the caller's pixels, with a GstVideoMeta
 * carrying the row stride. The queue in appsrc is bounded by waiting for
 * room here rather than by appsrc's block=true, whose push would never
 * return once the pipeline has failed; waiting here reads the bus instead. */
#include "gst_sink.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "diag.h"
#include "edgepipe/error.h"
#include "gst_util.h"

#define MAX_QUEUED 4 /* frames waiting in appsrc */

typedef enum {
  OUT_NULL,
  OUT_DISPLAY,
  OUT_MP4,
  OUT_MKV,
  OUT_WEBM,
  OUT_AVI,
  OUT_PNG,
  OUT_JPEG
} out_kind;

/* A stage: element factory and its properties as "name=value" pairs
 * separated by spaces. */
typedef struct stage {
  const char *factory, *props;
} stage;

#define MAX_STAGES 6

struct ep__gst_sink {
  char *output;
  out_kind kind;
  bool every_frame;            /* png/jpeg with a "%d" in the path */
  stage chain[MAX_STAGES + 1]; /* ends with factory == NULL */
  double fps;
  bool infer_fps;     /* fps from the first two frames' timestamps */
  ep__gst_image held; /* the first frame, while inferring */
  bool holding;
  GstClockTime timeout;
  GstElement *pipeline, *src;
  GstBus *bus;
  ep_image_format format;
  int width, height;
  int64_t first_pts, last_pts, frames;
  bool finished;
  bool broken; /* an error was reported; nothing more will be written */
};

/* --- choosing the stages ------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && g_ascii_strcasecmp(s + n - k, suffix) == 0;
}

static bool have(const char *factory) {
  GstElementFactory *f = gst_element_factory_find(factory);
  if (f)
    gst_object_unref(f);
  return f != NULL;
}

static int kind_of(const char *out, out_kind *k) {
  static const struct {
    const char *suffix;
    out_kind kind;
  } ext[] = {{".mp4", OUT_MP4},  {".mkv", OUT_MKV}, {".webm", OUT_WEBM},
             {".avi", OUT_AVI},  {".png", OUT_PNG}, {".jpg", OUT_JPEG},
             {".jpeg", OUT_JPEG}};
  if (strcmp(out, "null") == 0 || strcmp(out, "fakesink") == 0)
    return *k = OUT_NULL, 0;
  if (strcmp(out, "display") == 0 || strcmp(out, "autovideosink") == 0)
    return *k = OUT_DISPLAY, 0;
  for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
    if (ends_with(out, ext[i].suffix))
      return *k = ext[i].kind, 0;
  return EP_EINVAL;
}

static void plan(ep__gst_sink *s) {
  static const char x264[] =
      "speed-preset=ultrafast tune=zerolatency key-int-max=30";
  /* 4:2:0 keeps x264 at a profile every player decodes (given RGB it
   * would pick 4:4:4); vp8enc only takes I420 anyway. */
  static const stage i420 = {"capsfilter", "caps=video/x-raw,format=I420"};
  static const char vp8[] = "deadline=1 cpu-used=8 target-bitrate=2000000";
  stage *c = s->chain;
  int n = 0;
  if (s->kind != OUT_NULL)
    c[n++] = (stage){"videoconvert", ""};
  bool h264 = have("x264enc");
  switch (s->kind) {
  case OUT_NULL:
    c[n++] = (stage){"fakesink", "sync=false"};
    break;
  case OUT_DISPLAY:
    c[n++] = (stage){"autovideosink", ""};
    break;
  case OUT_MP4:
    c[n++] = i420;
    c[n++] = (stage){"x264enc", x264};
    /* Fragments every second: a file cut short (killed) still plays up to
     * its last fragment, and EOS only has to write the last one. */
    c[n++] = (stage){"mp4mux", "fragment-duration=1000"};
    break;
  case OUT_MKV:
    c[n++] = i420;
    c[n++] = h264 ? (stage){"x264enc", x264} : (stage){"vp8enc", vp8};
    c[n++] = (stage){"matroskamux", ""};
    break;
  case OUT_WEBM:
    c[n++] = (stage){"vp8enc", vp8};
    c[n++] = (stage){"webmmux", ""};
    break;
  case OUT_AVI:
    c[n++] = (stage){"jpegenc", ""};
    c[n++] = (stage){"avimux", ""};
    break;
  case OUT_PNG:
    c[n++] = (stage){"pngenc", s->every_frame ? "" : "snapshot=true"};
    break;
  case OUT_JPEG:
    c[n++] = (stage){"jpegenc", s->every_frame ? "" : "snapshot=true"};
    break;
  }
  if (s->kind != OUT_NULL && s->kind != OUT_DISPLAY)
    /* Unbuffered: what the muxer has written is on disk if the process
     * dies, and it writes in large blocks anyway. */
    c[n++] = s->every_frame ? (stage){"multifilesink", ""}
                            : (stage){"filesink", "buffer-mode=unbuffered"};
  c[n] = (stage){NULL, NULL};
}

/* --- building ------------------------------------------------------------ */

static int set_props(GstElement *e, const char *props, char **errmsg) {
  gchar **kv = g_strsplit(props, " ", -1);
  int rc = 0;
  for (gchar **p = kv; rc == 0 && *p; p++) {
    char *eq = strchr(*p, '=');
    if (!eq)
      continue;
    *eq = '\0';
    rc = ep__gst_set(e, *p, eq + 1, errmsg);
  }
  g_strfreev(kv);
  return rc;
}

static GstCaps *caps_for(const ep__gst_sink *s) {
  static const char *const fmt[] = {"RGB", "RGBA", "GRAY8"};
  int n, d;
  gst_util_double_to_fraction(s->fps, &n, &d);
  return gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING,
                             fmt[s->format], "width", G_TYPE_INT, s->width,
                             "height", G_TYPE_INT, s->height, "framerate",
                             GST_TYPE_FRACTION, n, d, "pixel-aspect-ratio",
                             GST_TYPE_FRACTION, 1, 1, NULL);
}

static int build(ep__gst_sink *s, char **errmsg) {
  s->pipeline = gst_pipeline_new(NULL);
  s->bus = gst_element_get_bus(s->pipeline);
  s->src = ep__gst_make("appsrc", errmsg);
  if (!s->src)
    return EP_EUNSUPPORTED;
  gst_bin_add(GST_BIN(s->pipeline), s->src);
  GstCaps *caps = caps_for(s);
  g_object_set(s->src, "caps", caps, "format", GST_FORMAT_TIME, "is-live",
               FALSE, "block", FALSE, "max-bytes", (guint64)0, NULL);
  gst_caps_unref(caps);
  GstElement *prev = s->src;
  for (const stage *st = s->chain; st->factory; st++) {
    GstElement *e = ep__gst_make(st->factory, errmsg);
    if (!e)
      return EP_EUNSUPPORTED;
    gst_bin_add(GST_BIN(s->pipeline), e);
    if (set_props(e, st->props, errmsg) < 0)
      return EP_EINVAL;
    if (strcmp(st->factory, "filesink") == 0 ||
        strcmp(st->factory, "multifilesink") == 0)
      g_object_set(e, "location", s->output, NULL);
    if (!gst_element_link(prev, e)) {
      *errmsg =
          ep__strdup_printf("output '%s': cannot link %s to %s", s->output,
                            GST_OBJECT_NAME(prev), st->factory);
      return EP_EUNSUPPORTED;
    }
    prev = e;
  }
  if (gst_element_set_state(s->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    char *e = ep__gst_bus_error(s->bus, 0);
    *errmsg = ep__strdup_printf("cannot write '%s': %s", s->output,
                                e ? e : "the pipeline did not start");
    free(e);
    return EP_EIO;
  }
  return 0;
}

/* Creates the output's folder, so "out/x.mp4" works in a fresh tree. */
static int make_dir_of(const ep__gst_sink *s, char **errmsg) {
  gchar *dir = g_path_get_dirname(s->output);
  int rc = 0;
  if (g_mkdir_with_parents(dir, 0777) != 0) {
    *errmsg = ep__strdup_printf("cannot write '%s': cannot create folder "
                                "'%s': %s",
                                s->output, dir, g_strerror(errno));
    rc = EP_EIO;
  }
  g_free(dir);
  return rc;
}

int ep__gst_sink_new(const ep__gst_sink_opts *o, ep__gst_sink **out,
                     char **errmsg) {
  *out = NULL;
  out_kind k;
  if (!o || !o->output || !*o->output) {
    *errmsg = ep__strdup_printf("no output given");
    return EP_EINVAL;
  }
  if (kind_of(o->output, &k) < 0) {
    *errmsg = ep__strdup_printf(
        "output '%s': unknown kind; give a path ending .mp4, .mkv, .webm, "
        ".avi, .png or .jpg, or 'null' or 'display'",
        o->output);
    return EP_EINVAL;
  }
  int rc = ep__gst_init(errmsg);
  if (rc < 0)
    return rc;
  ep__gst_sink *s = calloc(1, sizeof *s);
  if (!s || !(s->output = strdup(o->output))) {
    free(s);
    return EP_ENOMEM;
  }
  s->kind = k;
  s->every_frame = (k == OUT_PNG || k == OUT_JPEG) && strstr(o->output, "%");
  s->infer_fps = o->frame_rate <= 0;
  s->fps = s->infer_fps ? 30 : o->frame_rate;
  s->timeout =
      (GstClockTime)(o->timeout_ms > 0 ? o->timeout_ms : 30000) * GST_MSECOND;
  plan(s);
  if (k != OUT_NULL && k != OUT_DISPLAY && (rc = make_dir_of(s, errmsg)) < 0) {
    ep__gst_sink_free(s);
    return rc;
  }
  for (const stage *st = s->chain; st->factory; st++) {
    if (!have(st->factory)) {
      GstElement *none = ep__gst_make(st->factory, errmsg);
      (void)none; /* NULL: it only fills the message */
      ep__gst_sink_free(s);
      return EP_EUNSUPPORTED;
    }
  }
  *out = s;
  return 0;
}

/* --- pushing ------------------------------------------------------------- */

static int bus_failure(ep__gst_sink *s, GstClockTime wait, char **errmsg) {
  char *e = ep__gst_bus_error(s->bus, wait);
  if (!e)
    return 0;
  *errmsg = ep__strdup_printf("cannot write '%s': %s", s->output, e);
  free(e);
  return EP_EIO;
}

static int wait_room(ep__gst_sink *s, char **errmsg) {
  gint64 deadline = g_get_monotonic_time() + (gint64)(s->timeout / 1000);
  GstAppSrc *src = GST_APP_SRC(s->src);
  int rc = bus_failure(s, 0, errmsg);
  while (rc == 0 && gst_app_src_get_current_level_buffers(src) >= MAX_QUEUED) {
    rc = bus_failure(s, 5 * GST_MSECOND, errmsg);
    if (rc == 0 && g_get_monotonic_time() > deadline) {
      *errmsg = ep__strdup_printf("output '%s': the encoder took no frame "
                                  "for %d ms",
                                  s->output, (int)(s->timeout / GST_MSECOND));
      rc = EP_EIO;
    }
  }
  return rc;
}

static int channels_of(ep_image_format f) {
  return f == EP_IMAGE_SRGBA ? 4 : f == EP_IMAGE_GRAY8 ? 1 : 3;
}

static const char *format_name(ep_image_format f) {
  return f == EP_IMAGE_SRGBA ? "SRGBA" : f == EP_IMAGE_GRAY8 ? "GRAY8" : "SRGB";
}

static int check_frame(ep__gst_sink *s, const ep__gst_image *img,
                       char **errmsg) {
  if (s->finished) {
    *errmsg = ep__strdup_printf("output '%s': already finished", s->output);
    return EP_ESTATE;
  }
  if (!img->pixels || img->width <= 0 || img->height <= 0 ||
      (unsigned)img->format > EP_IMAGE_GRAY8 ||
      img->stride < img->width * channels_of(img->format)) {
    *errmsg =
        ep__strdup_printf("output '%s': bad frame %dx%d stride %d", s->output,
                          img->width, img->height, img->stride);
    return EP_EINVAL;
  }
  if (s->pipeline && (img->width != s->width || img->height != s->height ||
                      img->format != s->format)) {
    *errmsg = ep__strdup_printf(
        "output '%s': frame changed from %dx%d %s to %dx%d %s mid-stream",
        s->output, s->width, s->height, format_name(s->format), img->width,
        img->height, format_name(img->format));
    return EP_EINVAL;
  }
  if (s->pipeline && img->pts_us <= s->last_pts) {
    *errmsg =
        ep__strdup_printf("output '%s': timestamps must increase", s->output);
    return EP_ETIMESTAMP;
  }
  return 0;
}

static GstBuffer *wrap(const ep__gst_sink *s, const ep__gst_image *img) {
  static const GstVideoFormat fmt[] = {
      GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_GRAY8};
  gsize size = (gsize)img->stride * (gsize)img->height;
  GstBuffer *buf = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY,
                                               (gpointer)img->pixels, size, 0,
                                               size, img->user, img->release);
  gsize offset[GST_VIDEO_MAX_PLANES] = {0};
  gint stride[GST_VIDEO_MAX_PLANES] = {img->stride};
  gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE,
                                 fmt[img->format], (guint)img->width,
                                 (guint)img->height, 1, offset, stride);
  GST_BUFFER_PTS(buf) = (GstClockTime)(img->pts_us - s->first_pts) * 1000;
  GST_BUFFER_DURATION(buf) = (GstClockTime)(1e9 / s->fps);
  return buf;
}

static int push(ep__gst_sink *s, const ep__gst_image *img, char **errmsg) {
  int rc = check_frame(s, img, errmsg);
  if (rc == 0 && !s->pipeline) {
    s->format = img->format;
    s->width = img->width;
    s->height = img->height;
    s->first_pts = img->pts_us;
    rc = build(s, errmsg);
    s->broken = rc < 0;
  } else if (rc == 0 && (s->kind == OUT_PNG || s->kind == OUT_JPEG) &&
             !s->every_frame) {
    /* A single-image output keeps its first frame; the encoder has sent
     * EOS after it. */
    img->release(img->user);
    return 0;
  }
  if (rc == 0)
    rc = wait_room(s, errmsg);
  if (rc < 0) {
    img->release(img->user);
    return rc;
  }
  s->last_pts = img->pts_us;
  GstFlowReturn fr = gst_app_src_push_buffer(GST_APP_SRC(s->src), wrap(s, img));
  if (fr != GST_FLOW_OK) {
    rc = bus_failure(s, 0, errmsg);
    if (rc == 0) {
      *errmsg = ep__strdup_printf("cannot write '%s': %s", s->output,
                                  gst_flow_get_name(fr));
      rc = EP_EIO;
    }
    return rc;
  }
  s->frames++;
  return 0;
}

static int push_checked(ep__gst_sink *s, const ep__gst_image *img,
                        char **errmsg) {
  int rc = push(s, img, errmsg);
  /* A bad frame leaves the pipeline usable; anything else does not. */
  if (rc < 0 && rc != EP_EINVAL && rc != EP_ETIMESTAMP && rc != EP_ESTATE)
    s->broken = true;
  return rc;
}

/* Sends the held first frame, at the rate the next one implies (next_us
 * < 0: none came; keep the default). */
static int flush_held(ep__gst_sink *s, int64_t next_us, char **errmsg) {
  s->holding = false;
  if (next_us > s->held.pts_us) {
    double fps = 1e6 / (double)(next_us - s->held.pts_us);
    /* 33333 us is 30 fps, not 30.0003; keep NTSC's 29.97 as it is. */
    s->fps = fabs(fps - round(fps)) < 0.01 ? round(fps) : fps;
  }
  return push_checked(s, &s->held, errmsg);
}

int ep__gst_sink_push(ep__gst_sink *s, const ep__gst_image *img,
                      char **errmsg) {
  int rc = 0;
  if (s->broken) {
    *errmsg = ep__strdup_printf("output '%s': failed earlier", s->output);
    rc = EP_ESTATE;
  } else if (s->infer_fps && !s->pipeline && !s->holding) {
    rc = check_frame(s, img, errmsg);
    if (rc == 0) {
      s->held = *img;
      s->holding = true;
      return 0;
    }
  } else if (s->holding) {
    rc = flush_held(s, img->pts_us, errmsg);
  }
  if (rc < 0) {
    img->release(img->user);
    return rc;
  }
  return push_checked(s, img, errmsg);
}

int64_t ep__gst_sink_frames(const ep__gst_sink *s) { return s->frames; }

/* --- finishing ----------------------------------------------------------- */

int ep__gst_sink_finish(ep__gst_sink *s, char **errmsg) {
  if (s->finished)
    return 0;
  if (s->holding) {
    int rc = flush_held(s, -1, errmsg);
    if (rc < 0)
      return rc;
  }
  s->finished = true;
  if (!s->pipeline || s->broken)
    return 0; /* the error has been reported by the push that failed */
  gst_app_src_end_of_stream(GST_APP_SRC(s->src));
  GstMessage *m = gst_bus_timed_pop_filtered(
      s->bus, s->timeout, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  int rc = 0;
  if (!m) {
    *errmsg = ep__strdup_printf("output '%s': not finalised within %d ms",
                                s->output, (int)(s->timeout / GST_MSECOND));
    rc = EP_EIO;
  } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    char *e = ep__gst_error_text(m);
    *errmsg = ep__strdup_printf("cannot write '%s': %s", s->output, e);
    free(e);
    rc = EP_EIO;
  }
  if (m)
    gst_message_unref(m);
  gst_element_set_state(s->pipeline, GST_STATE_NULL);
  return rc;
}

void ep__gst_sink_free(ep__gst_sink *s) {
  if (!s)
    return;
  if (s->holding || s->pipeline) {
    char *ignored = NULL;
    ep__gst_sink_finish(s, &ignored);
    free(ignored);
  }
  if (s->pipeline) {
    gst_element_set_state(s->pipeline, GST_STATE_NULL);
    gst_object_unref(s->pipeline);
  }
  if (s->bus)
    gst_object_unref(s->bus);
  free(s->output);
  free(s);
}
