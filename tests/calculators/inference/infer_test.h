/* infer_test.h — helpers shared by the inference tests: files under
 * EP_SOURCE_ROOT, the fixed input patterns, and running a plan on the
 * reference backend. */
#ifndef EDGEPIPE_TESTS_INFER_TEST_H
#define EDGEPIPE_TESTS_INFER_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

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
