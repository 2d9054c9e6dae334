/* float_array.h — a small fixed vector of floats, the "FloatArray" type.
 *
 * Carries values such as ImageToTensorCalculator's LETTERBOX_PADDING
 * (left, top, right, bottom, as fractions of the tensor), which MediaPipe
 * sends as a std::array<float, 4>. */
#ifndef EDGEPIPE_FLOAT_ARRAY_H
#define EDGEPIPE_FLOAT_ARRAY_H

#include "edgepipe/common.h"
#include "edgepipe/type.h"

typedef struct ep_float_array {
  size_t n;
  float v[]; /* n values */
} ep_float_array;

/* A new array of n zeros (transfer full), freed with free(); NULL on
 * out-of-memory or n > 2^20. */
EP_API ep_float_array *ep_float_array_new(size_t n);

/* The "FloatArray" packet type; its payload is an ep_float_array*. Its
 * describe() writes a JSON array of numbers. */
EP_API extern const ep_type ep_type_float_array;

#endif
