/* gst_test_util.h — helpers of the edgepipe element tests: the source
 * tree as working directory, test images as buffers, a sample clip made
 * from tests/data/astronaut.png, running a pipeline to its end, counting
 * decoded frames. */
#ifndef EDGEPIPE_GST_TEST_UTIL_H
#define EDGEPIPE_GST_TEST_UTIL_H

#include <gst/check/gstcheck.h>
#include <gst/gst.h>

/* chdir to $EP_SOURCE_ROOT (graphs and model paths are relative to it). */
void gt_to_source_root(void);

/* tests/data/<name> (a PNG) decoded to `format` (e.g. "RGB"), as a sample
 * (transfer full: buffer and caps). */
GstSample *gt_decode_png(const char *name, const char *format);

/* A deep copy of the sample's buffer with the given timestamps. */
GstBuffer *gt_frame(GstSample *s, GstClockTime pts, GstClockTime duration);

/* The caps of a sample as a string (g_free it). */
gchar *gt_caps_string(GstSample *s);

/* Writes an H.264/MP4 clip of `frames` frames of the astronaut at 30 fps
 * to a new file under /tmp; returns its path (g_free it; unlink when
 * done). */
gchar *gt_make_clip(int frames);

/* Runs a gst_parse_launch line to EOS. Returns NULL on success, else the
 * error message (g_free it). */
gchar *gt_run_pipeline(const char *line);

/* Sets the pipeline to PAUSED; returns the first ERROR message's text on
 * the bus (g_free it) or NULL, and whether the state change failed. */
gchar *gt_pause_error(const char *line, gboolean *change_failed);

/* How many frames decodebin gets out of the file. */
int gt_count_frames(const char *path);

/* How many "edgepipe-graph-started" element messages a bus holds (pops
 * every message). */
int gt_count_graph_starts(GstBus *bus);

/* Runs the suite in this process (no fork per test) and returns main's
 * exit status (GstCheck deinitializes GStreamer at exit). A forked child per
 * test meant one LeakSanitizer pass per test in a process that GStreamer had
 * set up; CI saw one of those passes die with LeakSanitizer's "fatal error"
 * (its tracer could not stop the process), which no local run
 * reproduced. Now there is one pass, at exit. Takes ownership of the suite. */
int gt_run_suite(Suite *s, int argc, char **argv);

#endif
