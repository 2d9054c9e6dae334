/* camera_app.c — a camera app that embeds edgepipe: GStreamer captures
 * frames, the app wraps them (no copy) as ImageFrame packets and feeds them
 * to graphs/face_detect.pbtxt, prints every annotated frame's detections,
 * and shows the annotated video when there is a display.
 *
 *   camera_app [--source SRC] [--frames N] [--graph FILE] [--size WxH]
 *              [--display auto|yes|no] [--sink DESC] [--fast]
 *
 * SRC: auto (the camera if /dev/video0 exists, else the test source),
 * camera[:DEVICE] (v4l2src), test (videotestsrc), a video or image file,
 * or a GStreamer pipeline fragment ending in a video source ("a ! b").
 * Files and test sources play at their frame rate, as a camera would;
 * --fast feeds them as fast as they decode (the graph's FlowLimiter then
 * drops the frames that arrive while the detector is busy). --sink
 * replaces autovideosink, the element (or "a ! b" chain) that shows the
 * annotated frames.
 * Run it from the repository root (the graph reads models/...), or give
 * --graph. Ctrl-C stops the source and lets the graph drain; a second
 * Ctrl-C cancels it. Exit status: 0 ok, 1 error, 2 usage. */
#include <edgepipe/edgepipe.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct options {
  const char *source, *graph, *display, *sink;
  long frames; /* 0: until the source ends */
  int width, height;
  bool fast;
} options;

typedef struct app {
  options opt;
  ep_graph *g;
  ep_poller *video, *faces; /* owned by the graph */
  GstElement *in, *sink;    /* capture pipeline and its appsink */
  GstElement *out, *src;    /* display pipeline and its appsrc, or NULL */
  long fed, shown;
  int64_t faces_seen;     /* face_detections packets taken so far */
  ep_packet *pending[16]; /* taken, not yet matched to a frame */
  int n_pending;
  bool input_failed;
} app;

static volatile sig_atomic_t interrupts;

static void on_sigint(int sig) {
  (void)sig;
  interrupts++;
}

/* --- the capture side --------------------------------------------------- */

static char *source_desc(const options *o) {
  const char *s = o->source;
  bool image = g_str_has_suffix(s, ".png") || g_str_has_suffix(s, ".jpg");
  if (strcmp(s, "auto") == 0)
    s = access("/dev/video0", R_OK) == 0 ? "camera" : "test";
  if (strcmp(s, "test") == 0)
    return g_strdup("videotestsrc pattern=ball");
  if (strncmp(s, "camera", 6) == 0 && (s[6] == '\0' || s[6] == ':'))
    return g_strdup_printf("v4l2src device=%s", s[6] ? s + 7 : "/dev/video0");
  if (strchr(s, '!') || access(s, R_OK) != 0)
    return g_strdup(s); /* a pipeline fragment; gst_parse_launch judges */
  /* A file: its location is set as a property, so no quoting issues. */
  return g_strdup(image ? "filesrc name=ep_file ! decodebin ! imagefreeze"
                        : "filesrc name=ep_file ! decodebin");
}

static int open_input(app *a) {
  char *src = source_desc(&a->opt);
  char size[64] = "";
  if (a->opt.width > 0)
    snprintf(size, sizeof size, ",width=%d,height=%d", a->opt.width,
             a->opt.height);
  /* A live camera drops old frames instead of queueing them; other
   * sources are paced by the clock unless --fast. */
  bool live = strstr(src, "v4l2src") != NULL;
  char *desc = g_strdup_printf(
      "%s ! videoconvert ! videoscale ! video/x-raw,format=RGB%s ! "
      "appsink name=ep_sink sync=%s max-buffers=2 drop=%s",
      src, size, live || a->opt.fast ? "false" : "true",
      live ? "true" : "false");
  GError *err = NULL;
  a->in = gst_parse_launch(desc, &err);
  g_free(desc);
  g_free(src);
  if (!a->in || err) {
    fprintf(stderr, "camera_app: source '%s': %s\n", a->opt.source,
            err ? err->message : "cannot build the pipeline");
    g_clear_error(&err);
    return -1;
  }
  GstElement *file = gst_bin_get_by_name(GST_BIN(a->in), "ep_file");
  if (file) {
    g_object_set(file, "location", a->opt.source, NULL);
    gst_object_unref(file);
  }
  a->sink = gst_bin_get_by_name(GST_BIN(a->in), "ep_sink");
  return 0;
}

/* The packet holds the mapped sample until the graph is done with it. */
typedef struct held_frame {
  GstSample *sample;
  GstMapInfo map;
} held_frame;

static void release_frame(void *user) {
  held_frame *h = user;
  gst_buffer_unmap(gst_sample_get_buffer(h->sample), &h->map);
  gst_sample_unref(h->sample);
  g_free(h);
}

/* Wraps a sample as a packet (transfer full) at a timestamp after last. */
static ep_packet *wrap_sample(GstSample *sample, ep_timestamp *last) {
  GstVideoInfo info;
  GstBuffer *buf = gst_sample_get_buffer(sample);
  held_frame *h = g_new0(held_frame, 1);
  h->sample = sample;
  if (!gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) ||
      !gst_buffer_map(buf, &h->map, GST_MAP_READ)) {
    gst_sample_unref(sample);
    g_free(h);
    return NULL;
  }
  ep_timestamp ts = GST_BUFFER_PTS_IS_VALID(buf)
                        ? (ep_timestamp)(GST_BUFFER_PTS(buf) / 1000)
                        : *last + 1;
  if (ts <= *last)
    ts = *last + 1; /* stream timestamps must strictly increase */
  *last = ts;
  return ep_packet_wrap_image(
      EP_IMAGE_SRGB, GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
      GST_VIDEO_INFO_PLANE_STRIDE(&info, 0), h->map.data, release_frame, h, ts);
}

static bool input_error(app *a) {
  GstBus *bus = gst_element_get_bus(a->in);
  GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  gst_object_unref(bus);
  if (!m)
    return false;
  GError *err = NULL;
  gst_message_parse_error(m, &err, NULL);
  fprintf(stderr, "camera_app: source: %s\n", err ? err->message : "error");
  g_clear_error(&err);
  gst_message_unref(m);
  return true;
}

/* The feeding thread: capture → graph, until the source ends, --frames
 * are fed, or Ctrl-C; then closes the graph's input so it drains. */
static void *feed(void *arg) {
  app *a = arg;
  ep_timestamp last = -1; /* the first frame without a PTS gets 0 */
  while (!interrupts && (a->opt.frames == 0 || a->fed < a->opt.frames)) {
    GstSample *s =
        gst_app_sink_try_pull_sample(GST_APP_SINK(a->sink), 100 * GST_MSECOND);
    if (!s) {
      if ((a->input_failed = input_error(a)) ||
          gst_app_sink_is_eos(GST_APP_SINK(a->sink)))
        break;
      continue;
    }
    ep_packet *p = wrap_sample(s, &last);
    /* p: transfer full, also when adding fails (the graph stopped). */
    if (!p || ep_graph_add_packet(a->g, "input_video", p, 0) < 0)
      break;
    a->fed++;
  }
  ep_graph_close_all_inputs(a->g);
  return NULL;
}

/* --- the display side ----------------------------------------------------- */

static bool have_display(const char *mode) {
  if (strcmp(mode, "yes") == 0 || strcmp(mode, "no") == 0)
    return mode[0] == 'y';
  const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
  return (x && *x) || (w && *w);
}

static void open_display(app *a) {
  if (!have_display(a->opt.display))
    return;
  GError *err = NULL;
  char *desc = g_strdup_printf("appsrc name=ep_src format=time ! "
                               "videoconvert ! %s",
                               a->opt.sink);
  a->out = gst_parse_launch(desc, &err);
  g_free(desc);
  if (!a->out || err) {
    fprintf(stderr, "camera_app: no display: %s\n", err ? err->message : "?");
    g_clear_error(&err);
    if (a->out)
      gst_object_unref(a->out);
    a->out = NULL;
    return;
  }
  a->src = gst_bin_get_by_name(GST_BIN(a->out), "ep_src");
  gst_element_set_state(a->out, GST_STATE_PLAYING);
}

static void unref_packet(gpointer p) { ep_packet_unref(p); }

/* Shows an annotated frame; the GstBuffer borrows its pixels (no copy). */
static void show(app *a, ep_packet *p) {
  const ep_image_frame *f = ep_packet_get_image_frame(p);
  if (!a->src || !f)
    return;
  int w = ep_image_frame_width(f), h = ep_image_frame_height(f);
  gsize stride = (gsize)ep_image_frame_stride(f);
  GstCaps *caps = gst_caps_new_simple(
      "video/x-raw", "format", G_TYPE_STRING, "RGB", "width", G_TYPE_INT, w,
      "height", G_TYPE_INT, h, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
  gst_app_src_set_caps(GST_APP_SRC(a->src), caps);
  gst_caps_unref(caps);
  GstBuffer *buf = gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, (gpointer)ep_image_frame_cpixels(f),
      stride * (gsize)h, 0, stride * (gsize)h, ep_packet_ref(p), unref_packet);
  gsize offset[4] = {0};
  gint strides[4] = {(gint)stride};
  gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE,
                                 GST_VIDEO_FORMAT_RGB, (guint)w, (guint)h, 1,
                                 offset, strides);
  GST_BUFFER_PTS(buf) = (GstClockTime)ep_packet_timestamp(p) * 1000;
  gst_app_src_push_buffer(GST_APP_SRC(a->src), buf); /* takes buf */
}

/* --- matching detections to frames ---------------------------------------- */

/* Takes every face_detections packet sent so far. The detections of frame
 * T are sent before frame T is annotated, so after this the packet at T,
 * if there is one, is among the pending ones. */
static void take_faces(app *a) {
  int64_t sent = ep_graph_stream_packets(a->g, "face_detections");
  ep_packet *d;
  while (a->faces_seen < sent && ep_poller_next(a->faces, &d, -1) == 0) {
    a->faces_seen++;
    if (a->n_pending == (int)(sizeof a->pending / sizeof a->pending[0])) {
      ep_packet_unref(a->pending[0]);
      memmove(a->pending, a->pending + 1,
              sizeof a->pending - sizeof a->pending[0]);
      a->n_pending--;
    }
    a->pending[a->n_pending++] = d;
  }
}

/* The detections at ts (transfer full) or NULL; drops older ones. */
static ep_packet *faces_at(app *a, ep_timestamp ts) {
  ep_packet *found = NULL;
  int keep = 0;
  for (int i = 0; i < a->n_pending; i++) {
    ep_timestamp t = ep_packet_timestamp(a->pending[i]);
    if (t == ts)
      found = a->pending[i];
    else if (t < ts)
      ep_packet_unref(a->pending[i]);
    else
      a->pending[keep++] = a->pending[i];
  }
  a->n_pending = keep;
  return found;
}

static void print_frame(app *a, ep_timestamp ts) {
  take_faces(a);
  ep_packet *d = faces_at(a, ts);
  const ep_detections *ds = d ? ep_packet_data(d) : NULL;
  size_t n = ds ? ds->n : 0;
  printf("frame t=%lldus faces=%zu", (long long)ts, n);
  for (size_t i = 0; i < n; i++) {
    const ep_detection *x = &ds->v[i];
    printf(" [score=%.3f box=%.3f,%.3f,%.3f,%.3f]", x->score, x->xmin, x->ymin,
           x->width, x->height);
  }
  printf("\n");
  fflush(stdout);
  ep_packet_unref(d);
}

/* The main thread: annotated frames out, until the graph is done. */
static void drain(app *a) {
  for (;;) {
    ep_packet *p;
    int rc = ep_poller_next(a->video, &p, 100000);
    if (rc == EP_EAGAIN) {
      if (interrupts > 1)
        ep_graph_cancel(a->g);
      continue;
    }
    if (rc != 0)
      break;
    print_frame(a, ep_packet_timestamp(p));
    show(a, p);
    a->shown++;
    ep_packet_unref(p);
  }
}

/* --- setup ------------------------------------------------------------------
 */

static int usage(void) {
  fprintf(stderr,
          "usage: camera_app [--source auto|camera[:DEV]|test|FILE|PIPELINE]\n"
          "                  [--frames N] [--graph FILE] [--size WxH]\n"
          "                  [--display auto|yes|no] [--sink DESC] [--fast]\n");
  return 2;
}

static int parse_args(options *o, int argc, char **argv) {
  *o = (options){
      .source = "auto", .graph = "graphs/face_detect.pbtxt", .display = "auto"};
  for (int i = 1; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(k, "--fast") == 0) {
      o->fast = true;
      continue;
    }
    if (!v)
      return -1;
    i++;
    if (strcmp(k, "--source") == 0)
      o->source = v;
    else if (strcmp(k, "--graph") == 0)
      o->graph = v;
    else if (strcmp(k, "--display") == 0)
      o->display = v;
    else if (strcmp(k, "--sink") == 0)
      o->sink = v;
    else if (strcmp(k, "--frames") == 0)
      o->frames = strtol(v, NULL, 10);
    else if (strcmp(k, "--size") != 0 ||
             sscanf(v, "%dx%d", &o->width, &o->height) != 2)
      return -1;
  }
  return o->frames < 0 ? -1 : 0;
}

static int open_graph(app *a) {
  char *err = NULL;
  int rc = ep_graph_create_from_file(a->opt.graph, &a->g, &err);
  if (rc < 0) {
    /* err holds every problem as "file:line:col: message" lines. */
    fprintf(stderr, "camera_app: cannot load %s: %s\n%s", a->opt.graph,
            ep_strerror(rc), err ? err : "");
    free(err);
    return rc;
  }
  if ((rc = ep_graph_poller(a->g, "output_video", &a->video)) < 0 ||
      (rc = ep_graph_poller(a->g, "face_detections", &a->faces)) < 0) {
    fprintf(stderr,
            "camera_app: %s lacks the output streams output_video "
            "and face_detections\n",
            a->opt.graph);
    return rc;
  }
  if ((rc = ep_graph_start(a->g, NULL, 0)) < 0)
    fprintf(stderr, "camera_app: cannot start %s: %s\n", a->opt.graph,
            ep_graph_error(a->g) ? ep_graph_error(a->g) : ep_strerror(rc));
  return rc;
}

static int run(app *a) {
  if (open_input(a) < 0 || open_graph(a) < 0)
    return 1;
  open_display(a);
  if (gst_element_set_state(a->in, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    input_error(a);
  pthread_t feeder;
  if (pthread_create(&feeder, NULL, feed, a) != 0) {
    fprintf(stderr, "camera_app: cannot start the feeding thread\n");
    return 1;
  }
  drain(a);
  pthread_join(feeder, NULL);
  int rc = ep_graph_wait(a->g);
  if (rc < 0 && rc != EP_ECANCELED)
    fprintf(stderr, "camera_app: %s\n", ep_graph_error(a->g));
  fprintf(stderr, "camera_app: fed %ld frames, %ld annotated%s\n", a->fed,
          a->shown, interrupts ? " (interrupted)" : "");
  return (rc < 0 && rc != EP_ECANCELED) || a->input_failed ? 1 : 0;
}

static void cleanup(app *a) {
  for (int i = 0; i < a->n_pending; i++)
    ep_packet_unref(a->pending[i]);
  /* Display buffers hold graph packets, which hold capture samples: free
   * them in that order. */
  if (a->src) {
    /* Let the frames already pushed reach the sink before stopping. */
    gst_app_src_end_of_stream(GST_APP_SRC(a->src));
    GstBus *bus = gst_element_get_bus(a->out);
    GstMessage *m = gst_bus_timed_pop_filtered(
        bus, 2 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (m)
      gst_message_unref(m);
    gst_object_unref(bus);
  }
  if (a->out)
    gst_element_set_state(a->out, GST_STATE_NULL);
  ep_graph_destroy(a->g);
  if (a->in)
    gst_element_set_state(a->in, GST_STATE_NULL);
  if (a->sink)
    gst_object_unref(a->sink);
  if (a->src)
    gst_object_unref(a->src);
  if (a->in)
    gst_object_unref(a->in);
  if (a->out)
    gst_object_unref(a->out);
}

int main(int argc, char **argv) {
  app a = {0};
  if (parse_args(&a.opt, argc, argv) < 0)
    return usage();
  gst_init(NULL, NULL);
  struct sigaction sa = {.sa_handler = on_sigint};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int rc = run(&a);
  cleanup(&a);
  gst_deinit();
  return rc;
}
