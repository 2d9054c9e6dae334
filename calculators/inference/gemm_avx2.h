/* gemm_avx2.h — CONV_2D as a GEMM on an AVX2+FMA microkernel (internal).
 *
 * In NHWC a pointwise (1x1, stride 1, unpadded) convolution is
 * C[M,N] = A[M,K] x W^T with M = N*H*W pixels, K input and N output
 * channels. Any other ungrouped convolution is the same GEMM once each
 * output pixel's receptive field (kh x kw x Cin) is gathered into a row of
 * A; that is done a chunk of pixels at a time into a small scratch buffer
 * (im2col), so A never exists whole. The Debian XNNPACK build's f32
 * GEMM/IGEMM kernels spill an accumulator every k step; this 6x16 kernel
 * keeps all twelve in registers. The XNNPACK backend runs eligible convs
 * here, as C-kernel ops between its subgraphs.
 *
 * The epilogue clamps, and can first add a residual: the plan fuses a
 * following ADD (and a PAD that only appends zero channels to the ADD's
 * other operand) into the conv, so a ResNet-style block costs one pass.
 *
 * Lifecycle: ep__gemm_pack (at prepare) -> ep__gemm_run or
 * ep__gemm_conv_rows any number of times -> free() the packed buffer. */
#ifndef EDGEPIPE_INFERENCE_GEMM_AVX2_H
#define EDGEPIPE_INFERENCE_GEMM_AVX2_H

#include <stddef.h>

#include "model.h"

/* Whether this CPU has AVX2 and FMA (else nothing here may run). */
bool ep__gemm_avx2_available(void);

/* Whether op is a pointwise CONV_2D this kernel computes exactly as the
 * plan says (shapes checked), and the CPU can run it. */
bool ep__gemm_pointwise_eligible(const ep__model *m, const ep__op *op);

/* Receptive fields longer than this stay off the GEMM (the scratch of a
 * chunk of gathered rows stays within L2). */
enum { EP__GEMM_MAX_K = 2048, EP__GEMM_CHUNK = 48 };

/* Whether op is an ungrouped CONV_2D (any kernel, stride, dilation and
 * padding; constant filter) the GEMM computes exactly as the plan says,
 * and the CPU can run it. Pointwise convs are a special case. */
bool ep__gemm_conv_eligible(const ep__model *m, const ep__op *op);

/* What the GEMM does to each result before storing it: add res (when not
 * NULL: one row of res_c floats per output row, columns from res_c on add
 * nothing, as after a zero channel PAD), then clamp to [lo, hi]. */
typedef struct ep__gemm_epilogue {
  float lo, hi;
  const float *res;
  size_t res_c;
} ep__gemm_epilogue;

/* The geometry of a conv run through ep__gemm_conv_rows: NHWC input
 * [batch, h, w, c], output [batch, oh, ow, n], TFLite semantics. */
typedef struct ep__gemm_conv {
  int h, w, c, oh, ow, n;
  int kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
} ep__gemm_conv;

/* The geometry of an eligible conv op. */
ep__gemm_conv ep__gemm_conv_of(const ep__model *m, const ep__op *op);

/* Packs w [n][k] (row per output channel, as TFLite's OHWI filter of a 1x1
 * conv) and bias [n] (NULL: zeros) into panels of 16 output channels, the
 * last one zero-padded. Returns the buffer (transfer full: free()) or NULL
 * when out of memory. */
float *ep__gemm_pack(const float *w, const float *bias, size_t n, size_t k);

/* c[m][n] = epilogue(bias + a[m][k] x w^T) with packed from
 * ep__gemm_pack(w, bias, n, k). c overlaps neither a nor e->res. */
void ep__gemm_run(const float *a, size_t m, size_t k, const float *packed,
                  size_t n, const ep__gemm_epilogue *e, float *c);

/* Output pixels [p0, p1) (counted over batch x oh x ow) of the conv g of
 * in, with packed from ep__gemm_pack(filter, bias, g->n, kh*kw*c): gathers
 * EP__GEMM_CHUNK pixels at a time into scratch (EP__GEMM_CHUNK * kh*kw*c
 * floats; unused for a pointwise conv), then ep__gemm_run. e->res, if any,
 * is indexed by the same pixel numbers. */
void ep__gemm_conv_rows(const ep__gemm_conv *g, const float *in,
                        const float *packed, const ep__gemm_epilogue *e,
                        float *out, size_t p0, size_t p1, float *scratch);

#endif
