/* inference_session.h — one loaded model bound to one backend (internal).
 *
 * What InferenceCalculator does, without the graph around it: open loads
 * the model and prepares the chosen backend; run checks a Tensors vector
 * against the model's inputs and returns a new vector with its outputs.
 * A session runs one call at a time (the calculator never overlaps its own
 * process calls). */
#ifndef EDGEPIPE_INFERENCE_SESSION_H
#define EDGEPIPE_INFERENCE_SESSION_H

#include "backend.h"
#include "edgepipe/tensor.h"

typedef struct ep__infer_session ep__infer_session;

/* delegate: "xnnpack" or "reference"; "xnnpack" runs the reference
 * kernels when the build has no XNNPACK. num_threads < 1: the backend's
 * default. On failure returns a negative EP_E* code and sets *msg (caller
 * frees) naming the model file. *out: transfer full. */
int ep__infer_session_open(const char *model_path, const char *delegate,
                           int num_threads, ep__infer_session **out,
                           char **msg);

/* The backend actually in use ("reference", "xnnpack"). */
const char *ep__infer_session_backend(const ep__infer_session *s);
const ep__model *ep__infer_session_model(const ep__infer_session *s);

/* Runs the model on `in` (transfer none). Each input must be float32 with
 * the model's shape (leading 1s aside). On success *out is a new vector of
 * float32 tensors, one per model output (transfer full). On failure
 * returns EP_EINVAL (bad inputs) or the backend's code, with *msg. */
int ep__infer_session_run(ep__infer_session *s, const ep_tensors *in,
                          ep_tensors **out, char **msg);

void ep__infer_session_free(ep__infer_session *s); /* NULL is ignored */

#endif
