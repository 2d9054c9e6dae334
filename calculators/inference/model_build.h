/* model_build.h — state shared by model.c and model_ops.c while a plan is
 * built from a parsed TFLite model (internal to the inference family).
 *
 * Indexes here are the file's tensor indexes; model.c renumbers the tensors
 * the plan keeps once every op has been checked. */
#ifndef EDGEPIPE_INFERENCE_MODEL_BUILD_H
#define EDGEPIPE_INFERENCE_MODEL_BUILD_H

#include "model.h"
#include "tflite_reader.h"

typedef struct ep__build {
  const ep__tfl_model *t;
  size_t n_ops;
  ep__op *ops; /* the plan's ops so far; inputs/output use file indexes */
  float **val; /* per file tensor: float32 constant values (64-aligned) */
  bool *ready; /* per file tensor: defined before the current op */
  char *err;   /* the first error (file name and offset included) */
  int code;
} ep__build;

/* Records the first error as "NAME: op I (OP): <what> at offset N" and
 * returns false. */
bool ep__build_fail(ep__build *b, const ep__tfl_op *op, size_t index,
                    const char *fmt, ...) EP_PRINTF(4, 5);

/* Checks file operator `index` (a supported, non-folded op), works out its
 * padding and output shape, and fills *out (inputs allocated). False on
 * error (recorded in b). */
bool ep__build_op(ep__build *b, size_t index, ep__op_kind kind, ep__op *out);

/* Builds the plan of an already parsed model (ep__model_load_memory
 * without the parsing; tests feed it hand-made models). Same results and
 * messages as ep__model_load. t: transfer none. */
int ep__model_from_tfl(const ep__tfl_model *t, ep__model **out, char **msg);

/* Product of dims, or SIZE_MAX when it exceeds the element limit. */
size_t ep__dims_count(int ndims, const int *dims);

#endif
