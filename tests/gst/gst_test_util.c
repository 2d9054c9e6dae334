/* gst_test_util.c — helpers of the edgepipe element tests. */
#include "gst_test_util.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <stdlib.h>
#include <unistd.h>

void gt_to_source_root(void) {
  const char *root = getenv("EP_SOURCE_ROOT");
  ck_assert(root != NULL);
  ck_assert_int_eq(chdir(root), 0);
}

GstSample *gt_decode_png(const char *name, const char *format) {
  gt_to_source_root();
  gchar *line = g_strdup_printf(
      "filesrc location=tests/data/%s ! pngdec ! videoconvert ! "
      "video/x-raw,format=%s ! appsink name=out",
      name, format);
  GError *e = NULL;
  GstElement *p = gst_parse_launch(line, &e);
  ck_assert_msg(p && !e, "%s: %s", line, e ? e->message : "?");
  g_free(line);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "out");
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstSample *s =
      gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 60 * GST_SECOND);
  ck_assert_msg(s != NULL, "cannot decode tests/data/%s", name);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(p);
  return s;
}

GstBuffer *gt_frame(GstSample *s, GstClockTime pts, GstClockTime duration) {
  GstBuffer *b = gst_buffer_copy_deep(gst_sample_get_buffer(s));
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DTS(b) = pts;
  GST_BUFFER_DURATION(b) = duration;
  return b;
}

gchar *gt_caps_string(GstSample *s) {
  return gst_caps_to_string(gst_sample_get_caps(s));
}

static gchar *bus_error(GstBus *bus, GstClockTime timeout) {
  GstMessage *m = gst_bus_timed_pop_filtered(
      bus, timeout, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  gchar *text = NULL;
  if (!m)
    return g_strdup("timed out");
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    gst_message_parse_error(m, &e, NULL);
    text = g_strdup(e->message);
    g_error_free(e);
  }
  gst_message_unref(m);
  return text;
}

gchar *gt_run_pipeline(const char *line) {
  GError *e = NULL;
  GstElement *p = gst_parse_launch(line, &e);
  if (!p || e) {
    gchar *msg = g_strdup(e ? e->message : "cannot parse");
    g_clear_error(&e);
    if (p)
      gst_object_unref(p);
    return msg;
  }
  GstBus *bus = gst_element_get_bus(p);
  gchar *err = NULL;
  if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    err = bus_error(bus, 0);
    if (!err)
      err = g_strdup("the pipeline did not start");
  } else
    err = bus_error(bus, 120 * GST_SECOND); /* NULL: EOS came */
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(p);
  return err;
}

gchar *gt_pause_error(const char *line, gboolean *change_failed) {
  GError *e = NULL;
  GstElement *p = gst_parse_launch(line, &e);
  ck_assert_msg(p && !e, "%s: %s", line, e ? e->message : "?");
  GstBus *bus = gst_element_get_bus(p);
  GstStateChangeReturn r = gst_element_set_state(p, GST_STATE_PAUSED);
  if (r == GST_STATE_CHANGE_ASYNC)
    r = gst_element_get_state(p, NULL, NULL, 30 * GST_SECOND);
  *change_failed = r == GST_STATE_CHANGE_FAILURE;
  GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  gchar *text = NULL;
  if (m) {
    GError *err = NULL;
    gst_message_parse_error(m, &err, NULL);
    text = g_strdup(err->message);
    g_error_free(err);
    gst_message_unref(m);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(p);
  return text;
}

gchar *gt_make_clip(int frames) {
  gchar *path = g_strdup_printf("/tmp/edgepipe-gst-test-%d-%d.mp4",
                                (int)getpid(), frames);
  gchar *line = g_strdup_printf(
      "filesrc location=tests/data/astronaut.png ! pngdec ! imagefreeze "
      "num-buffers=%d ! video/x-raw,framerate=30/1 ! videoconvert ! "
      "video/x-raw,format=I420 ! x264enc speed-preset=ultrafast ! mp4mux ! "
      "filesink location=%s",
      frames, path);
  gchar *err = gt_run_pipeline(line);
  ck_assert_msg(err == NULL, "%s: %s", line, err);
  g_free(line);
  return path;
}

static GstPadProbeReturn count_buffer(GstPad *pad, GstPadProbeInfo *info,
                                      gpointer user) {
  (void)pad;
  (void)info;
  g_atomic_int_inc((gint *)user);
  return GST_PAD_PROBE_OK;
}

int gt_count_frames(const char *path) {
  gchar *line = g_strdup_printf(
      "filesrc location=%s ! decodebin ! fakesink name=sink sync=false", path);
  GstElement *p = gst_parse_launch(line, NULL);
  ck_assert(p != NULL);
  g_free(line);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gint count = 0;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, &count, NULL);
  GstBus *bus = gst_element_get_bus(p);
  gst_element_set_state(p, GST_STATE_PLAYING);
  gchar *err = bus_error(bus, 120 * GST_SECOND);
  ck_assert_msg(err == NULL, "decoding %s: %s", path, err);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(pad);
  gst_object_unref(sink);
  gst_object_unref(bus);
  gst_object_unref(p);
  return g_atomic_int_get(&count);
}

int gt_count_graph_starts(GstBus *bus) {
  int n = 0;
  GstMessage *m;
  while ((m = gst_bus_pop(bus))) {
    const GstStructure *s = gst_message_get_structure(m);
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT && s &&
        gst_structure_has_name(s, "edgepipe-graph-started"))
      n++;
    gst_message_unref(m);
  }
  return n;
}

int gt_run_suite(Suite *s, int argc, char **argv) {
  gst_check_init(&argc, &argv);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
