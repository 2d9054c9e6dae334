/* libFuzzer target: the TFLite reader and the plan builder on arbitrary
 * bytes, and, when a plan comes out small enough, one run of the reference
 * kernels on it (so a shape the builder let through that a kernel cannot
 * handle shows up as an ASan report). With the XNNPACK backend built, the
 * backend's split of every plan too (fusions, aliases, the arena), with
 * and without our own kernels, checked for two live buffers sharing
 * bytes. Seeds: tests/fuzz/corpus/tflite, written by
 * tests/tools/make_test_models.py. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#ifdef EP_INFER_XNN_BACKEND
#include "xnn_plan.h"
#endif

/* Keeps each run fast: skip running plans bigger than this. */
#define MAX_RUN_ELEMS (1u << 18)
#define MAX_RUN_FLOPS 2e7

static bool small_enough(const ep__model *m) {
  size_t total = 0;
  for (size_t i = 0; i < m->n_tensors; i++)
    total += m->tensors[i].count;
  return total <= MAX_RUN_ELEMS && ep__model_flops(m) <= MAX_RUN_FLOPS &&
         m->n_inputs <= 8 && m->n_outputs <= 8;
}

static void run_once(const ep__model *m) {
  const float *in[8];
  float *out[8];
  for (size_t i = 0; i < m->n_inputs; i++) {
    size_t n = m->tensors[m->inputs[i]].count;
    float *x = calloc(n ? n : 1, sizeof *x);
    for (size_t k = 0; k < n; k++)
      x[k] = (float)(k % 7) - 3.0f;
    in[i] = x;
  }
  for (size_t i = 0; i < m->n_outputs; i++)
    out[i] = malloc((m->tensors[m->outputs[i]].count + 1) * sizeof(float));
  void *st;
  char *msg = NULL;
  if (ep__backend_reference.prepare(m, 1, &st, &msg) == 0) {
    ep__backend_reference.run(st, in, out, &msg);
    ep__backend_reference.free(st);
  }
  free(msg);
  for (size_t i = 0; i < m->n_inputs; i++)
    free((void *)in[i]);
  for (size_t i = 0; i < m->n_outputs; i++)
    free(out[i]);
}

#ifdef EP_INFER_XNN_BACKEND
static void check_arena(const ep__model *m, const ep__xnn_plan *p) {
  for (size_t t = 0; t < m->n_tensors; t++) {
    if (p->arena_off[t] == SIZE_MAX)
      continue;
    size_t a0 = p->arena_off[t], a1 = a0 + m->tensors[t].count * 4;
    if (a1 > p->arena_bytes || p->first_seg[t] > p->last_seg[t])
      abort();
    for (size_t u = 0; u < t; u++) {
      if (p->arena_off[u] == SIZE_MAX)
        continue;
      size_t b0 = p->arena_off[u], b1 = b0 + m->tensors[u].count * 4;
      if (a0 < b1 && b0 < a1 && p->first_seg[t] <= p->last_seg[u] &&
          p->first_seg[u] <= p->last_seg[t])
        abort();
    }
  }
}

static void split(const ep__model *m) {
  for (int own = 0; own < 2; own++) {
    ep__xnn_plan *p = NULL;
    if (ep__xnn_plan_build(m, own, &p) == 0) {
      check_arena(m, p);
      ep__xnn_plan_free(p);
    }
  }
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ep__model *m;
  char *msg = NULL;
  int rc = ep__model_load_memory(data, size, "fuzz.tflite", &m, &msg);
  if (rc) {
    /* Every failure explains itself and names the file. */
    if (!msg || strncmp(msg, "fuzz.tflite: ", 13) != 0)
      abort();
    free(msg);
    return 0;
  }
  if (small_enough(m))
    run_once(m);
#ifdef EP_INFER_XNN_BACKEND
  if (m->n_tensors <= 4096)
    split(m);
#endif
  ep__model_free(m);
  return 0;
}
