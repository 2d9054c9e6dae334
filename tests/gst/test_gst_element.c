/* The edgepipe element driven by GstHarness: caps, timestamps, zero-copy,
 * ROI metas against the graph API's own detections, on-drop, EOS draining,
 * flushing. The plugin comes from the build folder (GST_PLUGIN_PATH). */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/detection.h"
#include "edgepipe/graph.h"
#include "edgepipe/image_frame.h"
#include "gst_test_util.h"

#define FACE_GRAPH "graphs/face_detect.pbtxt"
#define PASS_GRAPH "tests/gst/graphs/passthrough.pbtxt"
#define STUCK_GRAPH "tests/gst/graphs/limiter_stuck.pbtxt"
#define FRAME_NS (GST_SECOND / 30)

/* A harness around an edgepipe configured by `props` (a gst_parse_launch
 * property list), playing; the element posts to *bus when bus != NULL. */
static GstHarness *harness(const char *props, GstBus **bus) {
  gt_to_source_root();
  gchar *line = g_strdup_printf("edgepipe %s", props);
  GstElement *el = gst_parse_launch(line, NULL);
  ck_assert_msg(el != NULL, "%s", line);
  g_free(line);
  if (bus) {
    *bus = gst_bus_new();
    gst_element_set_bus(el, *bus);
  }
  GstHarness *h = gst_harness_new_with_element(el, "sink", "src");
  gst_object_unref(el);
  return h;
}

static void push_frames(GstHarness *h, GstSample *s, int n) {
  for (int i = 0; i < n; i++)
    ck_assert_int_eq(
        gst_harness_push(h, gt_frame(s, (GstClockTime)i * FRAME_NS, FRAME_NS)),
        GST_FLOW_OK);
}

/* Pushes EOS and waits for it downstream; returns how many buffers had
 * arrived by then. */
static guint push_eos_and_wait(GstHarness *h) {
  ck_assert(gst_harness_push_event(h, gst_event_new_eos()));
  for (;;) {
    GstEvent *ev = gst_harness_pull_event(h);
    ck_assert(ev != NULL);
    gboolean eos = GST_EVENT_TYPE(ev) == GST_EVENT_EOS;
    gst_event_unref(ev);
    if (eos)
      return gst_harness_buffers_in_queue(h);
  }
}

static GstVideoRegionOfInterestMeta *first_roi(GstBuffer *b) {
  gpointer state = NULL;
  return (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered(
      b, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
}

/* --- caps
 * --------------------------------------------------------------------- */

static void check_format_passes(const char *format) {
  GstHarness *h = harness("graph=" PASS_GRAPH, NULL);
  gchar *caps = g_strdup_printf(
      "video/x-raw,format=%s,width=64,height=48,framerate=30/1", format);
  gst_harness_set_src_caps_str(h, caps);
  GstBuffer *in = gst_buffer_new_allocate(NULL, 64 * 48 * 4, NULL);
  gst_buffer_memset(in, 0, 7, 64 * 48 * 4);
  GST_BUFFER_PTS(in) = 0;
  ck_assert_int_eq(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull(h);
  ck_assert(out != NULL);
  GstCaps *got = gst_pad_get_current_caps(h->sinkpad);
  GstCaps *want = gst_caps_from_string(caps);
  ck_assert_msg(gst_caps_is_equal(got, want), "%s: got %" GST_PTR_FORMAT, caps,
                got);
  gst_caps_unref(got);
  gst_caps_unref(want);
  gst_buffer_unref(out);
  g_free(caps);
  gst_harness_teardown(h);
}

GST_START_TEST(caps_rgb_rgba_gray8_negotiate) {
  check_format_passes("RGB");
  check_format_passes("RGBA");
  check_format_passes("GRAY8");
}
GST_END_TEST;

GST_START_TEST(caps_other_formats_refused) {
  GstHarness *h = harness("graph=" PASS_GRAPH, NULL);
  GstCaps *i420 = gst_caps_from_string(
      "video/x-raw,format=I420,width=64,height=48,framerate=30/1");
  GstPad *sink = gst_element_get_static_pad(h->element, "sink");
  ck_assert(!gst_pad_query_accept_caps(sink, i420));
  GstCaps *rgb = gst_caps_from_string(
      "video/x-raw,format=RGB,width=64,height=48,framerate=30/1");
  ck_assert(gst_pad_query_accept_caps(sink, rgb));
  gst_caps_unref(rgb);
  gst_caps_unref(i420);
  gst_object_unref(sink);
  gst_harness_teardown(h);
}
GST_END_TEST;

/* --- timestamps and zero-copy
 * ------------------------------------------------------ */

GST_START_TEST(timestamps_preserved) {
  GstHarness *h = harness("graph=" PASS_GRAPH, NULL);
  gst_harness_set_src_caps_str(
      h, "video/x-raw,format=RGB,width=32,height=16,framerate=25/1");
  /* Irregular PTS, DTS and durations, in nanoseconds below the µs. */
  for (int i = 0; i < 10; i++) {
    GstBuffer *b = gst_buffer_new_allocate(NULL, 32 * 16 * 3, NULL);
    GST_BUFFER_PTS(b) = (GstClockTime)i * 41000123 + 7;
    GST_BUFFER_DTS(b) = (GstClockTime)i * 40000000;
    GST_BUFFER_DURATION(b) = 40000000 + (GstClockTime)i;
    ck_assert_int_eq(gst_harness_push(h, b), GST_FLOW_OK);
  }
  for (int i = 0; i < 10; i++) {
    GstBuffer *b = gst_harness_pull(h);
    ck_assert_uint_eq(GST_BUFFER_PTS(b), (GstClockTime)i * 41000123 + 7);
    ck_assert_uint_eq(GST_BUFFER_DTS(b), (GstClockTime)i * 40000000);
    ck_assert_uint_eq(GST_BUFFER_DURATION(b), 40000000 + (GstClockTime)i);
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(output_frame_wrapping_the_input_is_not_copied) {
  GstHarness *h =
      harness("graph=" PASS_GRAPH " output-stream=output_video", NULL);
  gst_harness_set_src_caps_str(
      h, "video/x-raw,format=RGBA,width=16,height=16,framerate=30/1");
  GstBuffer *in = gst_buffer_new_allocate(NULL, 16 * 16 * 4, NULL);
  GstMapInfo m;
  ck_assert(gst_buffer_map(in, &m, GST_MAP_READ));
  const guint8 *pixels = m.data;
  gst_buffer_unmap(in, &m);
  ck_assert_int_eq(gst_harness_push(h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull(h);
  ck_assert(gst_buffer_map(out, &m, GST_MAP_READ));
  ck_assert_ptr_eq(m.data, pixels);
  gst_buffer_unmap(out, &m);
  gst_buffer_unref(out);
  gst_harness_teardown(h);
}
GST_END_TEST;

/* The annotated frame is edgepipe memory, handed over without a copy. */
GST_START_TEST(annotated_frame_is_a_new_buffer_with_the_input_timestamps) {
  GstSample *s = gt_decode_png("astronaut.png", "RGB");
  GstHarness *h = harness("graph=" FACE_GRAPH, NULL);
  gchar *caps = gt_caps_string(s);
  gst_harness_set_src_caps_str(h, caps);
  push_frames(h, s, 1);
  GstBuffer *out = gst_harness_pull(h);
  GstBuffer *in = gst_sample_get_buffer(s);
  ck_assert_uint_eq(gst_buffer_get_size(out), gst_buffer_get_size(in));
  ck_assert_uint_eq(GST_BUFFER_PTS(out), 0);
  ck_assert_uint_eq(GST_BUFFER_DURATION(out), FRAME_NS);
  /* The box is drawn in red: the pixels differ from the input's. */
  GstMapInfo mi, mo;
  ck_assert(gst_buffer_map(in, &mi, GST_MAP_READ));
  ck_assert(gst_buffer_map(out, &mo, GST_MAP_READ));
  ck_assert_ptr_ne(mi.data, mo.data);
  ck_assert_int_ne(memcmp(mi.data, mo.data, mi.size), 0);
  gst_buffer_unmap(out, &mo);
  gst_buffer_unmap(in, &mi);
  gst_buffer_unref(out);
  g_free(caps);
  gst_sample_unref(s);
  gst_harness_teardown(h);
}
GST_END_TEST;

/* --- ROI metas
 * ------------------------------------------------------------------- */

static int keep_faces(void *user, ep_packet *p) {
  const ep_detections *d = ep_packet_data(p);
  for (size_t i = 0; i < d->n; i++)
    if (ep_detections_push(user, &d->v[i]))
      return EP_ENOMEM;
  return 0;
}

/* The face graph's own detections for the sample, through the graph API. */
static ep_detections *graph_faces(GstSample *s) {
  GstVideoInfo info;
  ck_assert(gst_video_info_from_caps(&info, gst_sample_get_caps(s)));
  GstVideoFrame vf;
  ck_assert(
      gst_video_frame_map(&vf, &info, gst_sample_get_buffer(s), GST_MAP_READ));
  int w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_SRGB, w, h);
  for (int y = 0; y < h; y++)
    memcpy(ep_image_frame_pixels(f) + (size_t)y * ep_image_frame_stride(f),
           (guint8 *)GST_VIDEO_FRAME_PLANE_DATA(&vf, 0) +
               (size_t)y * GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0),
           (size_t)w * 3);
  gst_video_frame_unmap(&vf);
  ep_detections *faces = ep_detections_new();
  ep_graph *g = NULL;
  char *err = NULL;
  ck_assert_int_eq(ep_graph_create_from_file(FACE_GRAPH, &g, &err), 0);
  ck_assert_int_eq(ep_graph_observe(g, "face_detections", keep_faces, faces),
                   0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(
      ep_graph_add_packet(g, "input_video",
                          ep_packet_new(&ep_type_image_frame, f, 0), 0),
      0);
  ep_graph_close_all_inputs(g);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ep_graph_destroy(g);
  free(err);
  return faces;
}

GST_START_TEST(roi_meta_has_the_face_box_of_the_graph) {
  GstSample *s = gt_decode_png("astronaut.png", "RGB");
  ep_detections *want = graph_faces(s);
  ck_assert_uint_eq(want->n, 1);
  GstHarness *h = harness("graph=" FACE_GRAPH, NULL);
  gchar *caps = gt_caps_string(s);
  gst_harness_set_src_caps_str(h, caps);
  push_frames(h, s, 1);
  GstBuffer *out = gst_harness_pull(h);
  ck_assert_uint_eq(
      gst_buffer_get_n_meta(out, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE),
      1);
  GstVideoRegionOfInterestMeta *roi = first_roi(out);
  ck_assert_str_eq(g_quark_to_string(roi->roi_type), "face");
  const ep_detection *d = &want->v[0];
  GstVideoInfo info;
  ck_assert(gst_video_info_from_caps(&info, gst_sample_get_caps(s)));
  double w = GST_VIDEO_INFO_WIDTH(&info), ht = GST_VIDEO_INFO_HEIGHT(&info);
  double box[4] = {d->xmin * w, d->ymin * ht, d->width * w, d->height * ht};
  printf("astronaut: ROI %u %u %u %u; graph %.1f %.1f %.1f %.1f\n", roi->x,
         roi->y, roi->w, roi->h, box[0], box[1], box[2], box[3]);
  ck_assert(fabs(roi->x - box[0]) <= 1.0 && fabs(roi->y - box[1]) <= 1.0);
  ck_assert(fabs(roi->w - box[2]) <= 2.0 && fabs(roi->h - box[3]) <= 2.0);
  GstStructure *p =
      gst_video_region_of_interest_meta_get_param(roi, "detection");
  ck_assert(p != NULL);
  double conf = 0;
  ck_assert(gst_structure_get_double(p, "confidence", &conf));
  ck_assert(fabs(conf - d->score) < 1e-6);
  const GValue *kps = gst_structure_get_value(p, "keypoints");
  ck_assert_uint_eq(gst_value_array_get_size(kps), 12);
  double kx = g_value_get_double(gst_value_array_get_value(kps, 0));
  ck_assert(fabs(kx - d->keypoints[0].x * w) < 1e-3);
  gst_buffer_unref(out);
  g_free(caps);
  ep_detections_free(want);
  gst_sample_unref(s);
  gst_harness_teardown(h);
}
GST_END_TEST;

/* --- on-drop
 * -------------------------------------------------------------------- */

/* limiter_stuck lets exactly the first frame through. */
static GstHarness *stuck_harness(const char *mode) {
  gchar *props = g_strdup_printf(
      "graph=" STUCK_GRAPH " side=allow_finish=false on-drop=%s", mode);
  GstHarness *h = harness(props, NULL);
  g_free(props);
  gst_harness_set_src_caps_str(
      h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1");
  for (int i = 0; i < 10; i++) {
    GstBuffer *b = gst_buffer_new_allocate(NULL, 64, NULL);
    GST_BUFFER_PTS(b) = (GstClockTime)i * FRAME_NS;
    ck_assert_int_eq(gst_harness_push(h, b), GST_FLOW_OK);
  }
  return h;
}

GST_START_TEST(on_drop_drop_pushes_only_processed_frames) {
  GstHarness *h = stuck_harness("drop");
  ck_assert_uint_eq(push_eos_and_wait(h), 1);
  GstBuffer *b = gst_harness_pull(h);
  ck_assert_uint_eq(GST_BUFFER_PTS(b), 0);
  gst_buffer_unref(b);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(on_drop_passthrough_pushes_every_frame_in_order) {
  GstHarness *h = stuck_harness("passthrough");
  ck_assert_uint_eq(push_eos_and_wait(h), 10);
  for (int i = 0; i < 10; i++) {
    GstBuffer *b = gst_harness_pull(h);
    ck_assert_uint_eq(GST_BUFFER_PTS(b), (GstClockTime)i * FRAME_NS);
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

/* The real face graph, frames pushed faster than the model runs: the
 * FlowLimiter drops some. Dropped frames go out unannotated (no meta). */
static void run_face_fast(const char *mode, guint *out, guint *with_meta) {
  GstSample *s = gt_decode_png("astronaut.png", "RGB");
  gchar *props = g_strdup_printf("graph=" FACE_GRAPH " on-drop=%s", mode);
  GstHarness *h = harness(props, NULL);
  gchar *caps = gt_caps_string(s);
  gst_harness_set_src_caps_str(h, caps);
  push_frames(h, s, 30);
  *out = push_eos_and_wait(h);
  *with_meta = 0;
  GstClockTime last = 0;
  for (guint i = 0; i < *out; i++) {
    GstBuffer *b = gst_harness_pull(h);
    ck_assert(i == 0 || GST_BUFFER_PTS(b) > last);
    last = GST_BUFFER_PTS(b);
    *with_meta += first_roi(b) != NULL;
    gst_buffer_unref(b);
  }
  g_free(props);
  g_free(caps);
  gst_sample_unref(s);
  gst_harness_teardown(h);
}

GST_START_TEST(on_drop_with_the_face_graph) {
  guint out, meta;
  run_face_fast("passthrough", &out, &meta);
  printf("face graph, 30 frames, passthrough: %u out, %u annotated\n", out,
         meta);
  ck_assert_uint_eq(out, 30);
  ck_assert(meta >= 1 && meta < 30);
  run_face_fast("drop", &out, &meta);
  printf("face graph, 30 frames, drop: %u out, %u annotated\n", out, meta);
  ck_assert(out >= 1 && out < 30);
  ck_assert_uint_eq(meta, out);
}
GST_END_TEST;

/* --- the packet timestamps of dropped frames ------------------------------
 *
 * The element logs the packet timestamp of each frame the graph dropped
 * (GST_LOG in emit_dropped); these tests read it to see the timestamps the
 * graph got, which the outgoing buffers (the input buffers) do not show. */

#define MAX_STAMPS 64
static GMutex stamp_mu;
static gint64 stamps[MAX_STAMPS];
static int n_stamps;

static void record_drop_log(GstDebugCategory *cat, GstDebugLevel level,
                            const gchar *file, const gchar *function, gint line,
                            GObject *obj, GstDebugMessage *msg, gpointer user) {
  (void)level, (void)file, (void)function, (void)line, (void)obj, (void)user;
  static const char prefix[] = "the graph dropped the frame at ";
  const gchar *text = gst_debug_message_get(msg);
  if (strcmp(gst_debug_category_get_name(cat), "edgepipe") != 0 || !text ||
      !g_str_has_prefix(text, prefix))
    return;
  gint64 ts = g_ascii_strtoll(text + sizeof prefix - 1, NULL, 10);
  g_mutex_lock(&stamp_mu);
  if (n_stamps < MAX_STAMPS)
    stamps[n_stamps++] = ts;
  g_mutex_unlock(&stamp_mu);
}

/* Starts recording (and silences the default log output meanwhile). */
static void stamps_start(void) {
  g_mutex_lock(&stamp_mu);
  n_stamps = 0;
  g_mutex_unlock(&stamp_mu);
  gst_debug_set_active(TRUE);
  gst_debug_set_threshold_for_name("edgepipe", GST_LEVEL_LOG);
  gst_debug_remove_log_function(gst_debug_log_default);
  gst_debug_add_log_function(record_drop_log, NULL, NULL);
}

static void stamps_stop(void) {
  gst_debug_remove_log_function(record_drop_log);
  gst_debug_add_log_function(gst_debug_log_default, NULL, NULL);
  gst_debug_unset_threshold_for_name("edgepipe");
}

/* Checks the dropped frames' packet timestamps: the frame numbers in want
 * (n of them), at FRAME_NS each. */
static void expect_drops(const int *want, int n) {
  g_mutex_lock(&stamp_mu);
  ck_assert_int_eq(n_stamps, n);
  for (int i = 0; i < n; i++)
    ck_assert_int_eq(stamps[i], (gint64)(want[i] * FRAME_NS / GST_USECOND));
  g_mutex_unlock(&stamp_mu);
}

static void push_gray(GstHarness *h, int from, int to) {
  for (int i = from; i < to; i++) {
    GstBuffer *b = gst_buffer_new_allocate(NULL, 64, NULL);
    GST_BUFFER_PTS(b) = (GstClockTime)i * FRAME_NS;
    ck_assert_int_eq(gst_harness_push(h, b), GST_FLOW_OK);
  }
}

static void push_time_segment(GstHarness *h) {
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  ck_assert(gst_harness_push_event(h, gst_event_new_segment(&seg)));
}

/* --- EOS and flushing
 * --------------------------------------------------------------- */

GST_START_TEST(eos_waits_for_every_frame) {
  GstSample *s = gt_decode_png("astronaut.png", "RGB");
  GstHarness *h = harness("graph=" FACE_GRAPH " on-drop=passthrough", NULL);
  gchar *caps = gt_caps_string(s);
  gst_harness_set_src_caps_str(h, caps);
  push_frames(h, s, 12);
  ck_assert_uint_eq(push_eos_and_wait(h), 12);
  g_free(caps);
  gst_sample_unref(s);
  gst_harness_teardown(h);
}
GST_END_TEST;

/* EOS and a flush reset the graph that keeps running: no new graph, and
 * its FlowLimiter (stuck with a frame in flight) lets a first frame pass
 * again. */
GST_START_TEST(frames_after_eos_and_flush_reuse_the_graph) {
  GstBus *bus = NULL;
  GstHarness *h = harness(
      "graph=" STUCK_GRAPH " side=allow_finish=false on-drop=drop", &bus);
  ck_assert_int_eq(gt_count_graph_starts(bus), 1);
  gst_harness_set_src_caps_str(
      h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1");
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 3; i++) {
      GstBuffer *b = gst_buffer_new_allocate(NULL, 64, NULL);
      GST_BUFFER_PTS(b) = (GstClockTime)i * FRAME_NS;
      ck_assert_int_eq(gst_harness_push(h, b), GST_FLOW_OK);
    }
    ck_assert_uint_eq(push_eos_and_wait(h), 1);
    gst_buffer_unref(gst_harness_pull(h));
    ck_assert(gst_harness_push_event(h, gst_event_new_flush_start()));
    ck_assert(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
    GstSegment seg;
    gst_segment_init(&seg, GST_FORMAT_TIME);
    ck_assert(gst_harness_push_event(h, gst_event_new_segment(&seg)));
  }
  ck_assert_int_eq(gt_count_graph_starts(bus), 0);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}
GST_END_TEST;

/* After EOS a new stream (stream-start, segment) runs on the same graph:
 * no new graph, the FlowLimiter reset (its first frame passes again), and
 * packets at the new stream's own PTS, from 0 again, without a flush. */
GST_START_TEST(new_stream_after_eos_reuses_the_graph) {
  GstBus *bus = NULL;
  GstHarness *h = harness(
      "graph=" STUCK_GRAPH " side=allow_finish=false on-drop=drop", &bus);
  gst_harness_set_src_caps_str(
      h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1");
  stamps_start();
  push_gray(h, 0, 4);
  ck_assert_uint_eq(push_eos_and_wait(h), 1);
  ck_assert(gst_harness_push_event(h, gst_event_new_stream_start("second")));
  push_time_segment(h);
  push_gray(h, 0, 3);
  ck_assert_uint_eq(push_eos_and_wait(h), 2);
  stamps_stop();
  expect_drops((const int[]){1, 2, 3, 1, 2}, 5);
  for (int i = 0; i < 2; i++) {
    GstBuffer *b = gst_harness_pull(h);
    ck_assert_uint_eq(GST_BUFFER_PTS(b), 0);
    gst_buffer_unref(b);
  }
  ck_assert_int_eq(gt_count_graph_starts(bus), 1);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}
GST_END_TEST;

/* A flushing seek back into the file: the graph sees the buffers' own PTS
 * (earlier than before the seek), not timestamps shifted to keep growing,
 * and the graph is kept. */
GST_START_TEST(flush_gives_the_graph_the_file_timestamps) {
  GstBus *bus = NULL;
  GstHarness *h = harness(
      "graph=" STUCK_GRAPH " side=allow_finish=false on-drop=drop", &bus);
  gst_harness_set_src_caps_str(
      h, "video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1");
  push_gray(h, 0, 10);
  gst_buffer_unref(gst_harness_pull(h));
  ck_assert(gst_harness_push_event(h, gst_event_new_flush_start()));
  ck_assert(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
  push_time_segment(h);
  stamps_start();
  push_gray(h, 3, 6);
  ck_assert_uint_eq(push_eos_and_wait(h), 1);
  stamps_stop();
  expect_drops((const int[]){4, 5}, 2);
  GstBuffer *b = gst_harness_pull(h);
  ck_assert_uint_eq(GST_BUFFER_PTS(b), 3 * FRAME_NS);
  gst_buffer_unref(b);
  ck_assert_int_eq(gt_count_graph_starts(bus), 1);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}
GST_END_TEST;

/* Frames still in the graph at a flush never come out after it; the graph
 * (and its model) is kept. */
GST_START_TEST(flush_drops_frames_in_flight_and_keeps_the_graph) {
  GstSample *s = gt_decode_png("astronaut.png", "RGB");
  GstBus *bus = NULL;
  GstHarness *h = harness("graph=" FACE_GRAPH " on-drop=passthrough", &bus);
  gchar *caps = gt_caps_string(s);
  gst_harness_set_src_caps_str(h, caps);
  push_frames(h, s, 10);
  ck_assert(gst_harness_push_event(h, gst_event_new_flush_start()));
  ck_assert(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
  /* Whatever came out before the flush is thrown away with it. */
  GstBuffer *b;
  while ((b = gst_harness_try_pull(h)))
    gst_buffer_unref(b);
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  ck_assert(gst_harness_push_event(h, gst_event_new_segment(&seg)));
  /* After the seek the stream starts again at 0 (earlier timestamps). One
   * frame at a time: a frame from before the flush may still hold the
   * FlowLimiter when the first new one comes. */
  int annotated = 0;
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(
        gst_harness_push(h, gt_frame(s, (GstClockTime)i * FRAME_NS, FRAME_NS)),
        GST_FLOW_OK);
    b = gst_harness_pull(h);
    ck_assert_uint_eq(GST_BUFFER_PTS(b), (GstClockTime)i * FRAME_NS);
    annotated += first_roi(b) != NULL;
    gst_buffer_unref(b);
  }
  ck_assert_int_ge(annotated, 4);
  ck_assert_int_eq(gt_count_graph_starts(bus), 1);
  g_free(caps);
  gst_sample_unref(s);
  gst_harness_teardown(h);
  gst_object_unref(bus);
}
GST_END_TEST;

static Suite *element_suite(void) {
  Suite *s = suite_create("gst_element");
  TCase *tc = tcase_create("element");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, caps_rgb_rgba_gray8_negotiate);
  tcase_add_test(tc, caps_other_formats_refused);
  tcase_add_test(tc, timestamps_preserved);
  tcase_add_test(tc, output_frame_wrapping_the_input_is_not_copied);
  tcase_add_test(tc, annotated_frame_is_a_new_buffer_with_the_input_timestamps);
  tcase_add_test(tc, roi_meta_has_the_face_box_of_the_graph);
  tcase_add_test(tc, on_drop_drop_pushes_only_processed_frames);
  tcase_add_test(tc, on_drop_passthrough_pushes_every_frame_in_order);
  tcase_add_test(tc, on_drop_with_the_face_graph);
  tcase_add_test(tc, eos_waits_for_every_frame);
  tcase_add_test(tc, frames_after_eos_and_flush_reuse_the_graph);
  tcase_add_test(tc, new_stream_after_eos_reuses_the_graph);
  tcase_add_test(tc, flush_gives_the_graph_the_file_timestamps);
  tcase_add_test(tc, flush_drops_frames_in_flight_and_keeps_the_graph);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) {
  return gt_run_suite(element_suite(), argc, argv);
}
