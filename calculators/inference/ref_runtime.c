/* ref_runtime.c — the "reference" backend: runs a plan op by op with the
 * reference kernels. Each computed tensor gets its own buffer (no reuse:
 * this engine is the oracle, so it stays simple); model inputs are read in
 * place from the caller's buffers. */
#include "backend.h"
#include "ref_kernels.h"

#include "edgepipe/error.h"

#include <stdlib.h>
#include <string.h>

typedef struct ref_state {
  const ep__model *m;
  float **buf; /* per tensor: constant data, own buffer, or (inputs) NULL */
  bool *owned;
} ref_state;

static void ref_free(void *state) {
  ref_state *s = state;
  if (!s)
    return;
  for (size_t i = 0; s->buf && i < s->m->n_tensors; i++)
    if (s->owned[i])
      free(s->buf[i]);
  free(s->buf);
  free(s->owned);
  free(s);
}

static int ref_prepare(const ep__model *m, int num_threads, void **state,
                       char **msg) {
  (void)num_threads; /* the reference kernels run on the caller's thread */
  (void)msg;
  *state = NULL;
  ref_state *s = calloc(1, sizeof *s);
  if (!s)
    return EP_ENOMEM;
  s->m = m;
  size_t n = m->n_tensors ? m->n_tensors : 1;
  s->buf = calloc(n, sizeof *s->buf);
  s->owned = calloc(n, sizeof *s->owned);
  if (!s->buf || !s->owned) {
    ref_free(s);
    return EP_ENOMEM;
  }
  for (size_t i = 0; i < m->n_tensors; i++) {
    const ep__mtensor *t = &m->tensors[i];
    if (t->data) {
      s->buf[i] = (float *)t->data; /* read only: kernels never write inputs */
    } else if (t->producer >= 0) {
      size_t bytes = (t->count * sizeof(float) + EP_TENSOR_ALIGN - 1) /
                     EP_TENSOR_ALIGN * EP_TENSOR_ALIGN;
      s->buf[i] = aligned_alloc(EP_TENSOR_ALIGN, bytes ? bytes : 64);
      s->owned[i] = true;
      if (!s->buf[i]) {
        ref_free(s);
        return EP_ENOMEM;
      }
    }
  }
  *state = s;
  return 0;
}

static int ref_run(void *state, const float *const *inputs,
                   float *const *outputs, char **msg) {
  ref_state *s = state;
  const ep__model *m = s->m;
  (void)msg;
  for (size_t i = 0; i < m->n_inputs; i++)
    s->buf[m->inputs[i]] = (float *)inputs[i]; /* read only */
  for (size_t i = 0; i < m->n_ops; i++)
    ep__ref_run_op(m, &m->ops[i], s->buf);
  for (size_t i = 0; i < m->n_outputs; i++) {
    const ep__mtensor *t = &m->tensors[m->outputs[i]];
    memcpy(outputs[i], s->buf[m->outputs[i]], t->count * sizeof(float));
  }
  return 0;
}

const ep__backend ep__backend_reference = {"reference", ref_prepare, ref_run,
                                           ref_free};
