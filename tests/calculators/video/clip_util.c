/* clip_util.c — see clip_util.h. */
#include "clip_util.h"

#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

const char *tmp_dir(void) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "%s", "/tmp/ep-video-test-XXXXXX");
    if (!mkdtemp(dir))
      abort();
  }
  return dir;
}

const char *tmp_path(const char *name) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmp_dir(), name);
  return buf[k];
}

void tmp_cleanup(void) {
  if (!dir[0])
    return;
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name(d))) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, n);
    remove(p);
  }
  if (d)
    g_dir_close(d);
  remove(dir);
  dir[0] = '\0';
}

bool run_pipeline(const char *desc, const char *path) {
  char *full = g_strdup_printf(desc, path ? path : "");
  GError *err = NULL;
  GstElement *p = gst_parse_launch(full, &err);
  if (!p || err) {
    fprintf(stderr, "parse '%s': %s\n", full, err ? err->message : "?");
    g_clear_error(&err);
    if (p)
      gst_object_unref(p);
    g_free(full);
    return false;
  }
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(p);
  GstMessage *m = gst_bus_timed_pop_filtered(
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  bool ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
  if (m && !ok) {
    gst_message_parse_error(m, &err, NULL);
    fprintf(stderr, "'%s': %s\n", full, err->message);
    g_clear_error(&err);
  }
  if (m)
    gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
  g_free(full);
  return ok;
}

const char *data_path(const char *name) {
  static char buf[512];
  const char *root = getenv("EP_SOURCE_ROOT");
  snprintf(buf, sizeof buf, "%s/tests/data/%s", root ? root : ".", name);
  return buf;
}

long file_size(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return n;
}

bool copy_head(const char *from, const char *to, long n) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  bool ok = in && out;
  char buf[4096];
  while (ok && n > 0) {
    size_t want = n < (long)sizeof buf ? (size_t)n : sizeof buf;
    size_t got = fread(buf, 1, want, in);
    if (got == 0)
      break;
    ok = fwrite(buf, 1, got, out) == got;
    n -= (long)got;
  }
  if (in)
    fclose(in);
  if (out)
    fclose(out);
  return ok;
}

int run_video_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  tmp_cleanup();
  gst_deinit();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
