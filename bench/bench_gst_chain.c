/* bench_gst_chain.c — the GStreamer peer of bench_framework.c: fakesrc
 * ! identity x10 ! fakesink, optionally with a queue before each identity
 * (then each element runs on its own thread).
 *
 *   bench-gst-chain N RUNS [queued]
 *
 * Prints "packets_per_s", "ns_per_hop" and "peak_rss_kb" (median run). */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define HOPS 10

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double one_run(long n, int queued) {
  GString *desc = g_string_new(NULL);
  g_string_append_printf(desc, "fakesrc num-buffers=%ld sizetype=empty", n);
  for (int i = 0; i < HOPS; i++)
    g_string_append_printf(desc, " ! %sidentity", queued ? "queue ! " : "");
  g_string_append(desc, " ! fakesink sync=false");
  GError *err = NULL;
  GstElement *p = gst_parse_launch(desc->str, &err);
  g_string_free(desc, TRUE);
  if (!p) {
    fprintf(stderr, "bench-gst-chain: %s\n", err->message);
    exit(1);
  }
  gst_element_set_state(p, GST_STATE_PAUSED);
  gst_element_get_state(p, NULL, NULL, GST_CLOCK_TIME_NONE);
  gint64 t0 = g_get_monotonic_time();
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(p);
  GstMessage *m = gst_bus_timed_pop_filtered(
      bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gint64 t1 = g_get_monotonic_time();
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    fprintf(stderr, "bench-gst-chain: pipeline error\n");
    exit(1);
  }
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
  return (double)(t1 - t0) / 1e6;
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc < 3) {
    fprintf(stderr, "usage: bench-gst-chain N RUNS [queued]\n");
    return 2;
  }
  long n = atol(argv[1]);
  int runs = atoi(argv[2]);
  int queued = argc > 3 && strcmp(argv[3], "queued") == 0;
  double *t = calloc((size_t)runs, sizeof *t);
  for (int i = 0; i < runs; i++) {
    t[i] = one_run(n, queued);
    fprintf(stderr, "run %d: %.3f s\n", i, t[i]);
  }
  qsort(t, (size_t)runs, sizeof *t, cmp_d);
  double med = t[runs / 2];
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("packets_per_s %.0f\n", (double)n / med);
  printf("ns_per_hop %.1f\n", med * 1e9 / ((double)n * HOPS));
  printf("peak_rss_kb %ld\n", ru.ru_maxrss);
  free(t);
  return 0;
}
