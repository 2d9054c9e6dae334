/* bench_vision.c — the face graph as pipe-run runs it: its image input
 * and output wired to a decoder and an encoder by the same code
 * (tools/media_io.c), on a clip, timed from outside the graph.
 *
 *   bench-vision GRAPH INPUT OUTPUT [DECODER]
 *
 * OUTPUT: a file, or "null". DECODER: a GStreamer H.264 decoder for the
 * VideoDecoderCalculator's `decoder` option (default: decodebin's pick).
 * Prints "key value" lines on stdout:
 *
 *   decoded / written   frames out of the decoder / out of the graph
 *   seconds             wall time from start to the end of the run
 *   fps_in / fps_out    decoded / written frames per second
 *   latency_p50_ms, latency_p99_ms   per written frame: from the decoder's
 *                       output to the annotated frame leaving the graph
 *   peak_rss_kb         this process's peak resident set
 *
 * The latency is measured with two observers on the graph's streams; a
 * frame dropped by the FlowLimiter has no latency. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "edgepipe/graph.h"
#include "graph_internal.h"
#include "media_io.h"

#define MAX_FRAMES 100000

typedef struct clock_book {
  uv_mutex_t lock;
  int64_t ts[MAX_FRAMES]; /* timestamp of decoded frame i */
  uint64_t t0[MAX_FRAMES];
  int n_in;
  int next; /* search start for the output side (timestamps increase) */
  double lat_ms[MAX_FRAMES];
  int n_lat;
} clock_book;

static int on_decoded(void *user, ep_packet *p) {
  clock_book *b = user;
  uv_mutex_lock(&b->lock);
  if (b->n_in < MAX_FRAMES) {
    b->ts[b->n_in] = ep_packet_timestamp(p);
    b->t0[b->n_in++] = uv_hrtime();
  }
  uv_mutex_unlock(&b->lock);
  return 0;
}

static int on_output(void *user, ep_packet *p) {
  clock_book *b = user;
  uint64_t now = uv_hrtime();
  int64_t ts = ep_packet_timestamp(p);
  uv_mutex_lock(&b->lock);
  while (b->next < b->n_in && b->ts[b->next] < ts)
    b->next++;
  if (b->next < b->n_in && b->ts[b->next] == ts && b->n_lat < MAX_FRAMES)
    b->lat_ms[b->n_lat++] = (double)(now - b->t0[b->next]) / 1e6;
  uv_mutex_unlock(&b->lock);
  return 0;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double percentile(double *v, int n, double q) {
  if (n == 0)
    return 0;
  qsort(v, (size_t)n, sizeof *v, by_value);
  int k = (int)(q * (n - 1) + 0.5);
  return v[k];
}

static ep_graph *load(const struct pipe_run_args *a, media_io *io) {
  ep_graph_config *cfg = NULL;
  char *err = NULL;
  ep_graph *g = NULL;
  int rc = ep__graph_config_load_file(a->graphs[0], &cfg, &err);
  if (rc == 0 && ep__media_io_wire(cfg, a, io) != PIPE_RUN_OK) {
    ep__graph_config_free(cfg);
    return NULL;
  }
  if (rc == 0)
    rc = ep__graph_create_from_config(cfg, &g, &err);
  if (rc < 0)
    fprintf(stderr, "bench-vision: %s", err ? err : ep_strerror(rc));
  free(err);
  return g;
}

static int run(ep_graph *g, const media_io *io, clock_book *b) {
  if (ep_graph_observe(g, io->input_stream, on_decoded, b) < 0 ||
      ep_graph_observe(g, io->output_stream, on_output, b) < 0)
    return EP_ENOTFOUND;
  uint64_t start = uv_hrtime();
  int rc = ep_graph_start(g, NULL, 0);
  if (rc == 0) {
    ep_graph_close_all_inputs(g);
    rc = ep_graph_wait(g);
  }
  if (rc < 0) {
    const char *msg = ep_graph_error(g);
    fprintf(stderr, "bench-vision: %s\n", msg ? msg : ep_strerror(rc));
    return rc;
  }
  double secs = (double)(uv_hrtime() - start) / 1e9;
  int64_t dec = ep_graph_stream_packets(g, io->input_stream);
  int64_t out = ep_graph_stream_packets(g, io->output_stream);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("decoded %lld\nwritten %lld\nseconds %.3f\n", (long long)dec,
         (long long)out, secs);
  printf("fps_in %.2f\nfps_out %.2f\n", (double)dec / secs, (double)out / secs);
  printf("latency_p50_ms %.3f\nlatency_p99_ms %.3f\n",
         percentile(b->lat_ms, b->n_lat, 0.50),
         percentile(b->lat_ms, b->n_lat, 0.99));
  printf("peak_rss_kb %ld\n", ru.ru_maxrss);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: bench-vision GRAPH INPUT OUTPUT [DECODER]\n");
    return 2;
  }
  const char *graphs[] = {argv[1]};
  pipe_run_side dec_opt = {"decoder", argc > 4 ? argv[4] : ""};
  struct pipe_run_args a = {.graphs = graphs,
                            .n_graphs = 1,
                            .input = argv[2],
                            .output = argv[3],
                            .input_opts = &dec_opt,
                            .n_input_opts = argc > 4 ? 1 : 0};
  media_io io;
  ep__media_io_tune_memory(); /* as pipe-run does */
  ep_graph *g = load(&a, &io);
  clock_book *b = calloc(1, sizeof *b);
  int rc = 1;
  if (g && b && uv_mutex_init(&b->lock) == 0) {
    rc = run(g, &io, b) < 0;
    uv_mutex_destroy(&b->lock);
  }
  ep_graph_destroy(g);
  ep__media_io_clear(&io);
  free(b);
  return rc;
}
