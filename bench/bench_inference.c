/* bench-inference — median single-inference latency of a TFLite model on
 * one of edgepipe's inference backends.
 *
 *   bench-inference MODEL.tflite BACKEND THREADS WARMUP ITERS
 *
 * BACKEND is "xnnpack" or "reference". The input is a fixed ramp in [-1, 1]
 * (the same one the ONNX Runtime peer feeds); runs are 1 ms apart. Prints one
 * JSON line:
 * {"backend":..., "threads":N, "iters":K, "median_ms":x, "min_ms":y,
 *  "cpu_ms":c, "mflop":f, "gflops":g}: median and fastest wall time, the
 * median of the process CPU time per run (steadier than wall time on a
 * loaded machine, where a run may wait for a core), and model FLOPs over
 * the median wall time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "edgepipe/error.h"

static double clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A 1 ms pause between inferences (not timed), as between frames; the
 * peer's loop pauses the same way. Without it a busy loop is the one the
 * kernel's scheduler preempts on a loaded machine, not the peer whose
 * binding sleeps between runs. */
static void idle_gap(void) {
  struct timespec ts = {0, 1000000};
  nanosleep(&ts, NULL);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorts v and returns its median. */
static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const ep__backend *find_backend(const char *name) {
  if (strcmp(name, ep__backend_reference.name) == 0)
    return &ep__backend_reference;
#ifdef EP_HAVE_XNNPACK
  if (strcmp(name, ep__backend_xnnpack.name) == 0)
    return &ep__backend_xnnpack;
#endif
  return NULL;
}

/* Input and output buffers for every model input/output; inputs filled
 * with the ramp. */
static float **alloc_io(const ep__model *m, const int *idx, size_t n,
                        bool ramp) {
  float **v = calloc(n ? n : 1, sizeof *v);
  for (size_t i = 0; v && i < n; i++) {
    size_t count = m->tensors[idx[i]].count;
    size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
    v[i] = aligned_alloc(64, bytes ? bytes : 64);
    if (!v[i])
      return NULL;
    for (size_t k = 0; ramp && k < count; k++)
      v[i][k] = (float)(k % 255) / 127.0f - 1.0f;
  }
  return v;
}

static void free_io(float **v, size_t n) {
  for (size_t i = 0; v && i < n; i++)
    free(v[i]);
  free(v);
}

/* times[i]: wall time of run i; cpu[i]: the process's CPU time in it. */
static int time_runs(const ep__backend *be, void *st, const ep__model *m,
                     int warmup, int iters, double *times, double *cpu) {
  float **in = alloc_io(m, m->inputs, m->n_inputs, true);
  float **out = alloc_io(m, m->outputs, m->n_outputs, false);
  int rc = in && out ? 0 : EP_ENOMEM;
  char *msg = NULL;
  for (int i = 0; rc == 0 && i < warmup + iters; i++) {
    double t0 = clock_ms(CLOCK_MONOTONIC);
    double c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    rc = be->run(st, (const float *const *)in, out, &msg);
    if (i >= warmup) {
      times[i - warmup] = clock_ms(CLOCK_MONOTONIC) - t0;
      cpu[i - warmup] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    idle_gap();
  }
  if (rc < 0)
    fprintf(stderr, "bench-inference: run: %s\n", msg ? msg : ep_strerror(rc));
  free(msg);
  free_io(in, m->n_inputs);
  free_io(out, m->n_outputs);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: bench-inference MODEL.tflite xnnpack|reference "
                    "THREADS WARMUP ITERS\n");
    return 2;
  }
  const ep__backend *be = find_backend(argv[2]);
  int threads = atoi(argv[3]), warmup = atoi(argv[4]), iters = atoi(argv[5]);
  if (!be || threads < 1 || warmup < 0 || iters < 1) {
    fprintf(stderr,
            "bench-inference: bad backend or counts (backend '%s' "
            "built: %s)\n",
            argv[2], be ? "yes" : "no");
    return 2;
  }
  ep__model *m = NULL;
  void *st = NULL;
  char *msg = NULL;
  int rc = ep__model_load(argv[1], &m, &msg);
  if (rc == 0)
    rc = be->prepare(m, threads, &st, &msg);
  if (rc < 0) {
    fprintf(stderr, "bench-inference: %s\n", msg ? msg : ep_strerror(rc));
    free(msg);
    ep__model_free(m);
    return 1;
  }
  double *times = calloc((size_t)iters, sizeof *times);
  double *cpu = calloc((size_t)iters, sizeof *cpu);
  rc = times && cpu ? time_runs(be, st, m, warmup, iters, times, cpu)
                    : EP_ENOMEM;
  if (rc == 0) {
    double med = median(times, iters), flops = ep__model_flops(m);
    printf("{\"backend\":\"%s\",\"threads\":%d,\"iters\":%d,"
           "\"median_ms\":%.4f,\"min_ms\":%.4f,\"cpu_ms\":%.4f,"
           "\"mflop\":%.3f,\"gflops\":%.3f}\n",
           be->name, threads, iters, med, times[0], median(cpu, iters),
           flops / 1e6, flops / (med * 1e6));
  }
  free(times);
  free(cpu);
  be->free(st);
  ep__model_free(m);
  return rc < 0 ? 1 : 0;
}
