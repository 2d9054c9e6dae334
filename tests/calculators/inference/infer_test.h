/* infer_test.h — helpers shared by the inference tests: files under
 * EP_SOURCE_ROOT, the fixed input patterns, seeded random data, a
 * one-conv model for eligibility checks, and running a plan on the
 * reference backend. */
#ifndef EDGEPIPE_TESTS_INFER_TEST_H
#define EDGEPIPE_TESTS_INFER_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "model.h"

/* EP_SOURCE_ROOT/rel in a static buffer. */
static inline const char *src_path(const char *rel) {
  static char buf[4096];
  const char *root = getenv("EP_SOURCE_ROOT");
  snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
  return buf;
}

/* The whole file (caller frees), or NULL. */
static inline unsigned char *read_all(const char *path, size_t *n) {
  *n = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
  *n = b ? fread(b, 1, (size_t)len, f) : 0;
  fclose(f);
  return b;
}

/* Meson's "skipped" exit status, when the models were not fetched. */
static inline int models_missing(void) {
  FILE *f = fopen(src_path("models/face_detection_short_range.tflite"), "rb");
  if (f) {
    fclose(f);
    return 0;
  }
  fprintf(stderr, "models/ is empty: run scripts/fetch-models\n");
  return 77;
}

/* The input patterns of tests/tools/tflite_numpy.py (make_input): dyadic
 * values, exact in float32, so both sides start from the same bits. */
static inline void make_input(const char *pattern, const int d[4], float *x) {
  for (int y = 0; y < d[1]; y++)
    for (int xx = 0; xx < d[2]; xx++)
      for (int c = 0; c < d[3]; c++) {
        long i = ((long)y * d[2] + xx) * d[3] + c;
        x[i] = strcmp(pattern, "gradient") == 0
                   ? (float)((y * 3 + xx * 5 + c * 67) % 256 - 128) / 128.0f
                   : (float)((i * 7919 + 13) % 2049 - 1024) / 1024.0f;
      }
}

/* Uniform in [-1, 1), from a linear congruential seed. */
static inline float test_rnd(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / (float)(1u << 23) - 1.0f;
}

/* n values of test_rnd (caller frees; aborts when out of memory). */
static inline float *test_rand_floats(size_t n, uint32_t *seed) {
  float *v = malloc((n ? n : 1) * sizeof *v);
  if (!v)
    abort();
  for (size_t i = 0; i < n; i++)
    v[i] = test_rnd(seed);
  return v;
}

/* A model of one conv op for eligibility checks: tensors 0 input, 1
 * filter (constant), 2 output, 3 bias (constant), of the given shapes;
 * the constants read zeros. Use in place (the model points into it). */
typedef struct conv_fixture {
  ep__mtensor t[4];
  int ins[3];
  ep__model m;
  ep__op op;
} conv_fixture;

static inline void conv_fixture_init(conv_fixture *f, ep__op_kind kind,
                                     const int in[4], const int filter[4],
                                     const int out[4]) {
  static const float zeros[4096];
  const int *dims[4] = {in, filter, out, NULL};
  memset(f, 0, sizeof *f);
  for (int i = 0; i < 4; i++) {
    ep__mtensor *t = &f->t[i];
    t->ndims = i == 3 ? 1 : 4;
    t->count = 1;
    for (int d = 0; d < t->ndims; d++) {
      t->dims[d] = i == 3 ? out[3] : dims[i][d];
      t->count *= (size_t)t->dims[d];
    }
    t->producer = -1;
  }
  f->t[1].data = zeros;
  f->t[3].data = zeros;
  f->ins[0] = 0, f->ins[1] = 1, f->ins[2] = 3;
  f->m = (ep__model){.n_tensors = 4, .tensors = f->t};
  f->op = (ep__op){.kind = kind, .n_inputs = 3, .inputs = f->ins, .output = 2};
}

/* Runs m once on the reference backend: out[k] gets output k (malloc'd,
 * caller frees). Returns the backend's status. */
static inline int run_reference(const ep__model *m, const float *const *in,
                                float **out) {
  void *st;
  char *msg = NULL;
  int rc = ep__backend_reference.prepare(m, 1, &st, &msg);
  for (size_t k = 0; k < m->n_outputs; k++)
    out[k] = aligned_alloc(
        64, (m->tensors[m->outputs[k]].count * 4 + 63) / 64 * 64 + 64);
  if (!rc)
    rc = ep__backend_reference.run(st, in, out, &msg);
  ep__backend_reference.free(st);
  free(msg);
  return rc;
}

#endif
