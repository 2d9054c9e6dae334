/* gemm_avx2.c — the AVX2+FMA pointwise-conv GEMM (see gemm_avx2.h).
 *
 * Packed weights: for each panel of 16 output channels, 16 biases then k
 * rows of 16 weights (one row per input channel), so the kernel reads B
 * strictly forward. The microkernel computes 6 rows x 16 columns in 12
 * ymm accumulators + 2 for B + 1 for the broadcast A value (15 of 16).
 * A last panel of at most 8 channels is packed 8 wide and runs on a 6x8
 * kernel: channel counts such as 24, 56 or 88 would otherwise spend a
 * third or more of that panel's work on zero padding. */
#include "gemm_avx2.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/tensor.h"

enum { MR = 6, NR = 16, NR_TAIL = 8 };

/* Width of panel pn of n channels as packed: 16, or 8 for a short last. */
static size_t panel_width(size_t n, size_t pn) {
  return n - pn * NR <= NR_TAIL ? NR_TAIL : NR;
}

bool ep__gemm_avx2_available(void) {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool ep__gemm_pointwise_eligible(const ep__model *m, const ep__op *op) {
  if (op->kind != EP__OP_CONV_2D || op->n_inputs < 2)
    return false;
  const ep__conv_params *c = &op->p.conv;
  if (c->kernel_h != 1 || c->kernel_w != 1 || c->stride_h != 1 ||
      c->stride_w != 1 || c->pad.top || c->pad.bottom || c->pad.left ||
      c->pad.right)
    return false;
  const ep__mtensor *in = &m->tensors[op->inputs[0]];
  const ep__mtensor *f = &m->tensors[op->inputs[1]];
  const ep__mtensor *out = &m->tensors[op->output];
  if (in->ndims != 4 || f->ndims != 4 || out->ndims != 4 || !f->data)
    return false;
  /* Same pixels in and out, no groups, filter [O,1,1,I]. */
  for (int d = 0; d < 3; d++)
    if (in->dims[d] != out->dims[d])
      return false;
  if (f->dims[1] != 1 || f->dims[2] != 1 || f->dims[3] != in->dims[3] ||
      f->dims[0] != out->dims[3] || in->dims[3] < 1 || out->dims[3] < 1)
    return false;
  if (op->n_inputs > 2 && op->inputs[2] >= 0 &&
      (!m->tensors[op->inputs[2]].data ||
       m->tensors[op->inputs[2]].count != (size_t)out->dims[3]))
    return false;
  return ep__gemm_avx2_available();
}

float *ep__gemm_pack(const float *w, const float *bias, size_t n, size_t k) {
  size_t panels = (n + NR - 1) / NR;
  size_t bytes = panels * (k + 1) * NR * sizeof(float);
  bytes = (bytes + EP_TENSOR_ALIGN - 1) / EP_TENSOR_ALIGN * EP_TENSOR_ALIGN;
  float *p = aligned_alloc(EP_TENSOR_ALIGN, bytes);
  if (!p)
    return NULL;
  memset(p, 0, bytes);
  for (size_t pn = 0; pn < panels; pn++) {
    float *dst = p + pn * (k + 1) * NR;
    size_t pw = panel_width(n, pn);
    for (size_t j = 0; j < pw && pn * NR + j < n; j++) {
      size_t o = pn * NR + j;
      dst[j] = bias ? bias[o] : 0.0f;
      for (size_t i = 0; i < k; i++)
        dst[pw + i * pw + j] = w[o * k + i];
    }
  }
  return p;
}

/* Clamps two accumulators of one row and stores its nc (<= 16) columns. */
__attribute__((target("avx2,fma"))) static inline void
store_row(__m256 v0, __m256 v1, __m256 lo, __m256 hi, float *c, size_t nc) {
  v0 = _mm256_min_ps(_mm256_max_ps(v0, lo), hi);
  v1 = _mm256_min_ps(_mm256_max_ps(v1, lo), hi);
  if (nc == NR) {
    _mm256_storeu_ps(c, v0);
    _mm256_storeu_ps(c + 8, v1);
  } else { /* N tail: through a scratch row, only nc columns written */
    float tmp[NR];
    _mm256_storeu_ps(tmp, v0);
    _mm256_storeu_ps(tmp + 8, v1);
    memcpy(c, tmp, nc * sizeof(float));
  }
}

/* 6 rows (a[r] each k long) x one 16-column panel, clamped, stored to
 * c[r] (nc <= 16 columns valid; rows past mr are read but not stored).
 * The accumulators are named variables, not an array: GCC keeps an array
 * indexed in the epilogue in memory and stores it back every k step. */
__attribute__((target("avx2,fma"))) static void
kernel_6x16(const float *const a[MR], size_t k, const float *panel, float lo,
            float hi, float *const c[MR], size_t mr, size_t nc) {
  const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4],
              *a5 = a[5];
  __m256 c00 = _mm256_load_ps(panel), c01 = _mm256_load_ps(panel + 8);
  __m256 c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01,
         c40 = c00, c41 = c01, c50 = c00, c51 = c01;
  const float *b = panel + NR;
  for (size_t i = 0; i < k; i++, b += NR) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8), av;
    av = _mm256_broadcast_ss(a0 + i);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a1 + i);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a2 + i);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a3 + i);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a4 + i);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a5 + i);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
  }
  __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  store_row(c00, c01, vlo, vhi, c[0], nc);
  if (mr > 1)
    store_row(c10, c11, vlo, vhi, c[1], nc);
  if (mr > 2)
    store_row(c20, c21, vlo, vhi, c[2], nc);
  if (mr > 3)
    store_row(c30, c31, vlo, vhi, c[3], nc);
  if (mr > 4)
    store_row(c40, c41, vlo, vhi, c[4], nc);
  if (mr > 5)
    store_row(c50, c51, vlo, vhi, c[5], nc);
}

/* Clamps one 8-column accumulator and stores its nc (<= 8) columns. */
__attribute__((target("avx2,fma"))) static inline void
store_row8(__m256 v, __m256 lo, __m256 hi, float *c, size_t nc) {
  v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
  if (nc == NR_TAIL) {
    _mm256_storeu_ps(c, v);
  } else {
    float tmp[NR_TAIL];
    _mm256_storeu_ps(tmp, v);
    memcpy(c, tmp, nc * sizeof(float));
  }
}

/* kernel_6x16 for a last panel packed 8 wide. */
__attribute__((target("avx2,fma"))) static void
kernel_6x8(const float *const a[MR], size_t k, const float *panel, float lo,
           float hi, float *const c[MR], size_t mr, size_t nc) {
  const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4],
              *a5 = a[5];
  __m256 c0 = _mm256_load_ps(panel);
  __m256 c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  const float *b = panel + NR_TAIL;
  for (size_t i = 0; i < k; i++, b += NR_TAIL) {
    __m256 b0 = _mm256_load_ps(b);
    c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + i), b0, c0);
    c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a1 + i), b0, c1);
    c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a2 + i), b0, c2);
    c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a3 + i), b0, c3);
    c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(a4 + i), b0, c4);
    c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(a5 + i), b0, c5);
  }
  __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  store_row8(c0, vlo, vhi, c[0], nc);
  if (mr > 1)
    store_row8(c1, vlo, vhi, c[1], nc);
  if (mr > 2)
    store_row8(c2, vlo, vhi, c[2], nc);
  if (mr > 3)
    store_row8(c3, vlo, vhi, c[3], nc);
  if (mr > 4)
    store_row8(c4, vlo, vhi, c[4], nc);
  if (mr > 5)
    store_row8(c5, vlo, vhi, c[5], nc);
}

void ep__gemm_run(const float *a, size_t m, size_t k, const float *packed,
                  size_t n, float lo, float hi, float *c) {
  size_t panels = (n + NR - 1) / NR;
  for (size_t r0 = 0; r0 < m; r0 += MR) {
    size_t mr = m - r0 < MR ? m - r0 : MR;
    const float *arow[MR];
    float *crow[MR];
    /* M tail: rows past the end repeat the last row (valid memory); their
     * results are dropped. */
    for (size_t r = 0; r < MR; r++) {
      size_t rr = r0 + (r < mr ? r : mr - 1);
      arow[r] = a + rr * k;
      crow[r] = c + rr * n;
    }
    for (size_t pn = 0; pn < panels; pn++) {
      size_t nc = n - pn * NR < NR ? n - pn * NR : NR;
      float *cp[MR];
      for (size_t r = 0; r < MR; r++)
        cp[r] = crow[r] + pn * NR;
      const float *panel = packed + pn * (k + 1) * NR;
      if (panel_width(n, pn) == NR)
        kernel_6x16(arow, k, panel, lo, hi, cp, mr, nc);
      else
        kernel_6x8(arow, k, panel, lo, hi, cp, mr, nc);
    }
  }
}
