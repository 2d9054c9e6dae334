/* backend.h — an engine that runs a model's plan (internal).
 *
 * InferenceCalculator picks a backend by its delegate option; each backend
 * is a static table of three functions:
 *   prepare  once, at open: build whatever the engine needs from the plan
 *            (the plan outlives the state and stays read-only)
 *   run      per packet: inputs[i] holds model->inputs[i]'s count floats,
 *            outputs[i] receives model->outputs[i]'s count floats; both are
 *            64-byte aligned and owned by the caller
 *   free     at close (NULL state is ignored)
 * A run never overlaps another run on the same state. On failure prepare and
 * run return a negative EP_E* code and may set *msg (caller frees). */
#ifndef EDGEPIPE_INFERENCE_BACKEND_H
#define EDGEPIPE_INFERENCE_BACKEND_H

#include "model.h"

typedef struct ep__backend {
  const char *name; /* the delegate option's value: "reference", "xnnpack" */
  int (*prepare)(const ep__model *m, int num_threads, void **state, char **msg);
  int (*run)(void *state, const float *const *inputs, float *const *outputs,
             char **msg);
  void (*free)(void *state);
} ep__backend;

/* The pure C reference kernels (ref_runtime.c); always built. */
extern const ep__backend ep__backend_reference;

#ifdef EP_HAVE_XNNPACK
/* XNNPACK, with plain C kernels for the ops it lacks (xnn_backend.c; the
 * inference meson.build defines EP_INFER_XNN_BACKEND when it is built). */
extern const ep__backend ep__backend_xnnpack;
#endif

#endif
