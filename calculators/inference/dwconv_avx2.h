/* dwconv_avx2.h — 3x3 DEPTHWISE_CONV_2D on AVX2+FMA (internal).
 *
 * The BlazeFace models spend a quarter of their time in 3x3 depthwise
 * convs, which the Debian XNNPACK build runs at about a third of this
 * kernel's speed. For each block of 8 channels the nine filter vectors
 * stay in registers while the kernel walks an output row; channel counts
 * that are not a multiple of 8 (28, 42, ...) use masked loads and stores
 * for the last block. The XNNPACK backend runs eligible convs here, as C
 * ops between its subgraphs.
 *
 * Lifecycle: ep__dwconv_pack (at prepare) -> ep__dwconv_rows any number of
 * times -> free() the packed buffer. */
#ifndef EDGEPIPE_INFERENCE_DWCONV_AVX2_H
#define EDGEPIPE_INFERENCE_DWCONV_AVX2_H

#include <stddef.h>

#include "model.h"

/* Whether op is a 3x3, undilated, depth-multiplier-1 DEPTHWISE_CONV_2D
 * (any stride and padding; constant filter) this kernel computes exactly
 * as the plan says, and the CPU can run it. */
bool ep__dwconv_eligible(const ep__model *m, const ep__op *op);

/* Geometry of an eligible op: NHWC input [batch, h, w, c], output
 * [batch, oh, ow, c]. */
typedef struct ep__dwconv {
  int h, w, c, oh, ow;
  int stride_h, stride_w, pad_top, pad_left;
  float lo, hi; /* the fused activation's clamp */
} ep__dwconv;

ep__dwconv ep__dwconv_of(const ep__model *m, const ep__op *op);

/* Packs the [1,3,3,c] filter and bias (NULL: zeros) as 10 rows (bias,
 * then the nine taps) of c rounded up to 8 floats, zero-padded. Returns
 * the buffer (transfer full: free()) or NULL when out of memory. */
float *ep__dwconv_pack(const float *filter, const float *bias, size_t c);

/* Output row r (counted over batch x oh) of g on in, into row (ow * c
 * floats). */
void ep__dwconv_row(const ep__dwconv *g, const float *in, const float *packed,
                    size_t r, float *row);

/* Output rows [r0, r1) counted over batch x oh, of g on in, into out. */
void ep__dwconv_rows(const ep__dwconv *g, const float *in, const float *packed,
                     float *out, size_t r0, size_t r1);

#endif
