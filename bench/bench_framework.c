/* bench_framework.c — edgepipe's own overhead: a chain of PassThrough
 * nodes carrying small packets.
 *
 *   bench-framework throughput N RUNS   N packets through 10 nodes, RUNS
 *                                        times; prints the median
 *   bench-framework latency RATE SECS   packets fed at RATE/s into the
 *                                        chain; prints p50/p99 latency
 *
 * Output: "key value" lines for bench/bench_framework.sh. peak_rss_kb is
 * the process's peak resident set. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "edgepipe/graph.h"

#define HOPS 10

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static ep_graph *chain(const char *head, const char *tail) {
  static char text[8192];
  int k = snprintf(text, sizeof text, "%s", head);
  for (int i = 0; i < HOPS; i++)
    k += snprintf(text + k, sizeof text - (size_t)k,
                  "node { calculator: 'PassThroughCalculator'\n"
                  "  input_stream: 's%d' output_stream: 's%d' }\n",
                  i, i + 1);
  snprintf(text + k, sizeof text - (size_t)k, "%s", tail);
  ep_graph *g = NULL;
  char *err = NULL;
  if (ep_graph_create_from_string(text, strlen(text), "pbtxt", "bench", &g,
                                  &err) < 0) {
    fprintf(stderr, "bench-framework: %s\n", err ? err : "bad graph");
    exit(1);
  }
  return g;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t one_run(long n) {
  char head[256], tail[256];
  snprintf(head, sizeof head,
           "node { calculator: 'CountingSourceCalculator'\n"
           "  output_stream: 's0' options { count: %ld } }\n",
           n);
  snprintf(tail, sizeof tail,
           "node { calculator: 'CountingSinkCalculator'\n"
           "  input_stream: 's%d' options { expect: %ld } }\n",
           HOPS, n);
  ep_graph *g = chain(head, tail);
  uint64_t t0 = now_ns();
  int rc = ep_graph_start(g, NULL, 0);
  if (rc == 0)
    rc = ep_graph_wait(g);
  uint64_t t1 = now_ns();
  if (rc < 0) {
    fprintf(stderr, "bench-framework: %s\n", ep_graph_error(g));
    exit(1);
  }
  ep_graph_destroy(g);
  return t1 - t0;
}

static void throughput(long n, int runs) {
  uint64_t *t = calloc((size_t)runs, sizeof *t);
  for (int i = 0; i < runs; i++)
    t[i] = one_run(n);
  qsort(t, (size_t)runs, sizeof *t, cmp_u64);
  uint64_t med = t[runs / 2];
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("packets_per_s %.0f\n", (double)n / ((double)med / 1e9));
  printf("ns_per_hop %.1f\n", (double)med / ((double)n * HOPS));
  printf("peak_rss_kb %ld\n", ru.ru_maxrss);
  for (int i = 0; i < runs; i++)
    fprintf(stderr, "run %d: %.3f s\n", i, (double)t[i] / 1e9);
  free(t);
}

/* --- latency -----------------------------------------------------------------
 */

typedef struct lat {
  uint64_t *v;
  size_t n, cap;
} lat;

static int on_out(void *user, ep_packet *p) {
  lat *l = user;
  if (l->n < l->cap)
    l->v[l->n++] = now_ns() - (uint64_t)ep_packet_get_int(p);
  return 0;
}

static void latency(long rate, double secs) {
  ep_graph *g = chain("input_stream: 's0'\n", "");
  long n = (long)(rate * secs);
  lat l = {calloc((size_t)n, sizeof(uint64_t)), 0, (size_t)n};
  char out[16];
  snprintf(out, sizeof out, "s%d", HOPS);
  ep_graph_observe(g, out, on_out, &l);
  if (ep_graph_start(g, NULL, 0) < 0)
    exit(1);
  uint64_t start = now_ns(), period = 1000000000u / (uint64_t)rate;
  for (long i = 0; i < n; i++) {
    uint64_t due = start + (uint64_t)i * period;
    while (now_ns() < due) {
      struct timespec ts = {0, 50000};
      nanosleep(&ts, NULL);
    }
    ep_graph_add_packet(g, "s0", ep_packet_new_int((int64_t)now_ns(), i), 0);
  }
  ep_graph_close_all_inputs(g);
  ep_graph_wait(g);
  qsort(l.v, l.n, sizeof *l.v, cmp_u64);
  printf("latency_p50_us %.1f\n", (double)l.v[l.n / 2] / 1e3);
  printf("latency_p99_us %.1f\n", (double)l.v[l.n * 99 / 100] / 1e3);
  ep_graph_destroy(g);
  free(l.v);
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "throughput") == 0) {
    throughput(atol(argv[2]), atoi(argv[3]));
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "latency") == 0) {
    latency(atol(argv[2]), atof(argv[3]));
    return 0;
  }
  fprintf(stderr, "usage: bench-framework throughput N RUNS | latency RATE "
                  "SECS\n");
  return 2;
}
