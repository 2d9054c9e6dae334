/* The edgepipe element in whole pipelines: a clip encoded end to end, a
 * flushing seek in the middle of a file, NULL<->PLAYING cycles, and the
 * errors of bad graphs. */
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <string.h>

#include "gst_test_util.h"

#define FACE "edgepipe graph=graphs/face_detect.pbtxt"

/* --- end to end
 * ---------------------------------------------------------------------- */

GST_START_TEST(encoded_clip_keeps_every_frame) {
  gt_to_source_root();
  gchar *clip = gt_make_clip(45);
  gchar *out = g_strdup_printf("%s.out.mp4", clip);
  gchar *line = g_strdup_printf(
      "filesrc location=%s ! decodebin ! videoconvert ! " FACE
      " on-drop=passthrough ! videoconvert ! x264enc speed-preset=ultrafast "
      "! mp4mux ! filesink location=%s",
      clip, out);
  gchar *err = gt_run_pipeline(line);
  ck_assert_msg(err == NULL, "%s", err);
  int in_frames = gt_count_frames(clip), out_frames = gt_count_frames(out);
  printf("clip: %d frames in, %d frames out\n", in_frames, out_frames);
  ck_assert_int_eq(in_frames, 45);
  ck_assert_int_eq(out_frames, in_frames);
  g_unlink(out);
  g_unlink(clip);
  g_free(line);
  g_free(out);
  g_free(clip);
}
GST_END_TEST;

/* --- a flushing seek
 * ------------------------------------------------------------------ */

/* The appsink holds few buffers, so the file cannot reach EOS (which ends
 * the graph) before the test seeks. */
static GstElement *seek_pipeline(const char *clip, GstElement **sink) {
  gchar *line = g_strdup_printf(
      "filesrc location=%s ! decodebin ! videoconvert ! " FACE
      " on-drop=passthrough ! appsink name=out sync=false max-buffers=2",
      clip);
  GstElement *p = gst_parse_launch(line, NULL);
  ck_assert(p != NULL);
  g_free(line);
  *sink = gst_bin_get_by_name(GST_BIN(p), "out");
  return p;
}

GST_START_TEST(flushing_seek_in_the_middle_of_a_file) {
  gt_to_source_root();
  gchar *clip = gt_make_clip(60);
  GstElement *sink = NULL, *p = seek_pipeline(clip, &sink);
  GstBus *bus = gst_element_get_bus(p);
  ck_assert_int_ne(gst_element_set_state(p, GST_STATE_PLAYING),
                   GST_STATE_CHANGE_FAILURE);
  for (int i = 0; i < 10; i++) {
    GstSample *s = gst_app_sink_pull_sample(GST_APP_SINK(sink));
    ck_assert(s != NULL);
    gst_sample_unref(s);
  }
  ck_assert(gst_element_seek_simple(
      p, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
      GST_SECOND));
  /* The flush happened inside the seek call: from here on, frames 30..59
   * (1 s to 2 s) come, each once, in order, and none from before. */
  int after = 0;
  GstClockTime last = GST_CLOCK_TIME_NONE;
  GstSample *s;
  while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
    GstClockTime pts = GST_BUFFER_PTS(gst_sample_get_buffer(s));
    gst_sample_unref(s);
    ck_assert_msg(pts >= GST_SECOND - GST_MSECOND,
                  "frame at %" GST_TIME_FORMAT " after the seek",
                  GST_TIME_ARGS(pts));
    ck_assert(last == GST_CLOCK_TIME_NONE || pts > last);
    last = pts;
    after++;
  }
  ck_assert_int_eq(after, 30);
  ck_assert_int_eq(gt_count_graph_starts(bus), 1); /* the model stayed */
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_object_unref(p);
  g_unlink(clip);
  g_free(clip);
}
GST_END_TEST;

/* --- state changes
 * ---------------------------------------------------------------------- */

GST_START_TEST(hundred_null_playing_cycles) {
  gt_to_source_root();
  GstElement *p = gst_parse_launch(
      "videotestsrc is-live=true ! video/x-raw,format=RGB,width=64,height=48,"
      "framerate=100/1 ! " FACE " ! fakesink name=sink",
      NULL);
  ck_assert(p != NULL);
  GstBus *bus = gst_element_get_bus(p);
  for (int i = 0; i < 100; i++) {
    ck_assert_int_ne(gst_element_set_state(p, GST_STATE_PLAYING),
                     GST_STATE_CHANGE_FAILURE);
    ck_assert_int_eq(gst_element_get_state(p, NULL, NULL, 30 * GST_SECOND),
                     GST_STATE_CHANGE_SUCCESS);
    /* One graph per NULL->READY: the model loads once per cycle. (Count
     * before NULL: the pipeline flushes its bus there.) */
    ck_assert_int_eq(gt_count_graph_starts(bus), 1);
    ck_assert_int_eq(gst_element_set_state(p, GST_STATE_NULL),
                     GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref(bus);
  gst_object_unref(p);
}
GST_END_TEST;

/* READY<->PLAYING keeps the graph that NULL->READY started. */
GST_START_TEST(ready_playing_cycles_keep_the_graph) {
  gt_to_source_root();
  GstElement *p = gst_parse_launch(
      "videotestsrc ! video/x-raw,format=RGB,width=64,height=48 ! " FACE
      " ! fakesink",
      NULL);
  GstBus *bus = gst_element_get_bus(p);
  for (int i = 0; i < 5; i++) {
    gst_element_set_state(p, GST_STATE_PLAYING);
    ck_assert_int_eq(gst_element_get_state(p, NULL, NULL, 30 * GST_SECOND),
                     GST_STATE_CHANGE_SUCCESS);
    gst_element_set_state(p, GST_STATE_READY);
  }
  ck_assert_int_eq(gt_count_graph_starts(bus), 1); /* READY keeps the bus */
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(p);
}
GST_END_TEST;

/* --- errors
 * -------------------------------------------------------------------------------
 */

static void check_fails_to_pause(const char *props, const char *want1,
                                 const char *want2) {
  gt_to_source_root();
  gchar *line = g_strdup_printf(
      "videotestsrc ! video/x-raw,format=RGB,width=64,height=48 ! edgepipe %s "
      "! fakesink",
      props);
  gboolean failed = FALSE;
  gchar *msg = gt_pause_error(line, &failed);
  ck_assert_msg(failed, "%s: reached PAUSED", line);
  ck_assert_msg(msg != NULL, "%s: no error message", line);
  ck_assert_msg(g_str_has_prefix(msg, "edgepipe: "), "%s", msg);
  ck_assert_msg(strstr(msg, want1) && (!want2 || strstr(msg, want2)),
                "%s: message \"%s\" lacks \"%s\"", line, msg, want1);
  g_free(msg);
  g_free(line);
}

GST_START_TEST(missing_graph_file) {
  check_fails_to_pause("graph=graphs/no_such_graph.pbtxt",
                       "graphs/no_such_graph.pbtxt", NULL);
}
GST_END_TEST;

GST_START_TEST(no_graph_property) {
  check_fails_to_pause("", "set the graph property", NULL);
}
GST_END_TEST;

GST_START_TEST(graph_that_fails_validation) {
  check_fails_to_pause(
      "graph=tests/gst/graphs/invalid.pbtxt",
      "invalid.pbtxt:6:15:", "unknown calculator 'PassThruCalculator'");
}
GST_END_TEST;

GST_START_TEST(graph_whose_model_is_missing) {
  check_fails_to_pause("graph=tests/gst/graphs/missing_model.pbtxt",
                       "InferenceCalculator", "no_such_model.tflite");
}
GST_END_TEST;

GST_START_TEST(unknown_streams_and_bad_side_packets) {
  check_fails_to_pause("graph=graphs/face_detect.pbtxt input-stream=nope",
                       "input-stream \"nope\"", "input_video");
  check_fails_to_pause("graph=graphs/face_detect.pbtxt output-stream="
                       "face_detections",
                       "carries Detections, not ImageFrame", NULL);
  check_fails_to_pause("graph=tests/gst/graphs/limiter_stuck.pbtxt "
                       "side=allow_finish=maybe",
                       "allow_finish=maybe", NULL);
  check_fails_to_pause("graph=tests/gst/graphs/limiter_stuck.pbtxt",
                       "allow_finish", NULL);
}
GST_END_TEST;

/* A graph error while playing: the face model gets 1-channel tensors. */
GST_START_TEST(graph_error_while_playing) {
  gt_to_source_root();
  gchar *err = gt_run_pipeline(
      "videotestsrc num-buffers=5 ! video/x-raw,format=GRAY8,width=64,"
      "height=48 ! " FACE " ! fakesink");
  ck_assert(err != NULL);
  printf("gray frames into the face graph: %s\n", err);
  ck_assert_msg(g_str_has_prefix(err, "edgepipe: node '"), "%s", err);
  g_free(err);
}
GST_END_TEST;

static Suite *pipeline_suite(void) {
  Suite *s = suite_create("gst_pipeline");
  TCase *tc = tcase_create("pipeline");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, encoded_clip_keeps_every_frame);
  tcase_add_test(tc, flushing_seek_in_the_middle_of_a_file);
  tcase_add_test(tc, hundred_null_playing_cycles);
  tcase_add_test(tc, ready_playing_cycles_keep_the_graph);
  tcase_add_test(tc, missing_graph_file);
  tcase_add_test(tc, no_graph_property);
  tcase_add_test(tc, graph_that_fails_validation);
  tcase_add_test(tc, graph_whose_model_is_missing);
  tcase_add_test(tc, unknown_streams_and_bad_side_packets);
  tcase_add_test(tc, graph_error_while_playing);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) {
  return gt_run_suite(pipeline_suite(), argc, argv);
}
