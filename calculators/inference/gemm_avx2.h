/* gemm_avx2.h — pointwise (1x1, stride 1, unpadded) CONV_2D as a GEMM on
 * an AVX2+FMA microkernel (internal).
 *
 * In NHWC such a convolution is C[M,N] = A[M,K] x W^T with M = N*H*W
 * pixels, K input and N output channels. The Debian XNNPACK build's f32
 * GEMM kernels spill an accumulator every k step; this 6x16 kernel keeps
 * all twelve in registers. The XNNPACK backend runs eligible convs here,
 * as C-kernel ops between its subgraphs.
 *
 * Lifecycle: ep__gemm_pack (at prepare) -> ep__gemm_run any number of
 * times -> free() the packed buffer. */
#ifndef EDGEPIPE_INFERENCE_GEMM_AVX2_H
#define EDGEPIPE_INFERENCE_GEMM_AVX2_H

#include <stddef.h>

#include "model.h"

/* Whether this CPU has AVX2 and FMA (else nothing here may run). */
bool ep__gemm_avx2_available(void);

/* Whether op is a pointwise CONV_2D this kernel computes exactly as the
 * plan says (shapes checked), and the CPU can run it. */
bool ep__gemm_pointwise_eligible(const ep__model *m, const ep__op *op);

/* Packs w [n][k] (row per output channel, as TFLite's OHWI filter of a 1x1
 * conv) and bias [n] (NULL: zeros) into panels of 16 output channels, the
 * last one zero-padded. Returns the buffer (transfer full: free()) or NULL
 * when out of memory. */
float *ep__gemm_pack(const float *w, const float *bias, size_t n, size_t k);

/* c[m][n] = clamp(bias + a[m][k] x w^T, lo, hi) with packed from
 * ep__gemm_pack(w, bias, n, k). a and c must not overlap. */
void ep__gemm_run(const float *a, size_t m, size_t k, const float *packed,
                  size_t n, float lo, float hi, float *c);

#endif
