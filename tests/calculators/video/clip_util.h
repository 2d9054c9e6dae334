/* clip_util.h — test inputs made at test time with plain GStreamer
 * (gst_parse_launch), independent of the code under test. */
#ifndef EDGEPIPE_TEST_CLIP_UTIL_H
#define EDGEPIPE_TEST_CLIP_UTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

/* A fresh temporary folder (static storage; removed by tmp_cleanup). */
const char *tmp_dir(void);
/* tmp_dir()/name in a static rotating buffer. */
const char *tmp_path(const char *name);
void tmp_cleanup(void);

/* Runs a video suite in this process (GStreamer's threads do not survive
 * fork()), then removes the temporary folder and deinitializes GStreamer;
 * returns main's exit status. Takes ownership of s. */
int run_video_suite(Suite *s);

/* Runs a gst-launch style pipeline to EOS; false on error (printed). The
 * description may contain one "%s", replaced by path. */
bool run_pipeline(const char *desc, const char *path);

/* The path of a file under the source tree's tests/data (static buffer). */
const char *data_path(const char *name);

/* Writes n bytes of a file's head to another file (a truncated copy). */
bool copy_head(const char *from, const char *to, long n);
long file_size(const char *path);

#endif
