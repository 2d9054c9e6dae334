/* dwconv_avx2.c — the AVX2+FMA 3x3 depthwise conv (see dwconv_avx2.h). */
#include "dwconv_avx2.h"

#include <immintrin.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/tensor.h"
#include "gemm_avx2.h"
#include "simd_avx2.h"

enum { LANES = 8, TAPS = 9, QUAD = 4 };

static size_t round8(size_t c) { return (c + LANES - 1) / LANES * LANES; }

bool ep__dwconv_eligible(const ep__model *m, const ep__op *op) {
  if (op->kind != EP__OP_DEPTHWISE_CONV_2D || op->n_inputs < 2 ||
      op->inputs[1] < 0)
    return false;
  const ep__conv_params *p = &op->p.conv;
  const ep__mtensor *in = &m->tensors[op->inputs[0]];
  const ep__mtensor *f = &m->tensors[op->inputs[1]];
  const ep__mtensor *out = &m->tensors[op->output];
  if (in->ndims != 4 || f->ndims != 4 || out->ndims != 4 || !f->data ||
      p->kernel_h != 3 || p->kernel_w != 3 || p->dilation_h != 1 ||
      p->dilation_w != 1 || p->depth_multiplier != 1)
    return false;
  if (f->dims[0] != 1 || f->dims[1] != 3 || f->dims[2] != 3 ||
      f->dims[3] != in->dims[3] || out->dims[3] != in->dims[3] ||
      out->dims[0] != in->dims[0] || in->dims[3] < 1)
    return false;
  if (!ep__window_fits(in->dims[1], p->pad.top, p->pad.bottom, 3, p->stride_h,
                       1, out->dims[1]) ||
      !ep__window_fits(in->dims[2], p->pad.left, p->pad.right, 3, p->stride_w,
                       1, out->dims[2]))
    return false;
  return ep__bias_fits(m, op, out->dims[3]) && ep__gemm_avx2_available();
}

ep__dwconv ep__dwconv_of(const ep__model *m, const ep__op *op) {
  const int *in = m->tensors[op->inputs[0]].dims;
  const int *out = m->tensors[op->output].dims;
  const ep__conv_params *p = &op->p.conv;
  return (ep__dwconv){in[1],       in[2],       in[3],       out[1],
                      out[2],      p->stride_h, p->stride_w, p->pad.top,
                      p->pad.left, op->act_min, op->act_max};
}

float *ep__dwconv_pack(const float *filter, const float *bias, size_t c) {
  size_t cp = round8(c);
  size_t bytes = (TAPS + 1) * cp * sizeof(float);
  bytes = (bytes + EP_TENSOR_ALIGN - 1) / EP_TENSOR_ALIGN * EP_TENSOR_ALIGN;
  float *p = aligned_alloc(EP_TENSOR_ALIGN, bytes);
  if (!p)
    return NULL;
  memset(p, 0, bytes);
  if (bias)
    memcpy(p, bias, c * sizeof(float));
  for (size_t t = 0; t < TAPS; t++)
    memcpy(p + (t + 1) * cp, filter + t * c, c * sizeof(float));
  return p;
}

/* The channels of a last, partial block: as a load mask, and a count. */
typedef struct lanes {
  __m256i mask;
  long n;
} lanes;

/* 8 channels at p: all of them (full), or the lanes of mask. Inlined into
 * both variants of the row loop, so the test folds away. */
__attribute__((target("avx2,fma"), always_inline)) static inline __m256
load8(const float *p, bool full, lanes mask) {
  return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask.mask);
}

__attribute__((target("avx2,fma"), always_inline)) static inline void
store8(float *p, __m256 v, bool full, lanes mask) {
  if (full)
    _mm256_storeu_ps(p, v);
  else
    ep__store_first(p, v, mask.n);
}

/* What one output row reads: the three input rows under the window. A
 * row over the padding points at a real row and has its taps zeroed
 * (zero), so the inner loop never tests rows. */
typedef struct row_src {
  const float *row[3];
  bool zero[3];
  const ep__dwconv *g;
} row_src;

/* Output pixel ox of the row, channels at c0, taps whose column falls
 * outside the image skipped. */
__attribute__((target("avx2,fma"), always_inline)) static inline __m256
edge_pixel(const row_src *s, int ox, size_t c0, const __m256 w[TAPS],
           __m256 acc, bool full, lanes mask) {
  const ep__dwconv *g = s->g;
  int x0 = ox * g->stride_w - g->pad_left;
  for (int ky = 0; ky < 3; ky++)
    for (int kx = 0; kx < 3; kx++) {
      int x = x0 + kx;
      if (x >= 0 && x < g->w)
        acc = _mm256_fmadd_ps(
            load8(s->row[ky] + (size_t)x * (size_t)g->c + c0, full, mask),
            w[ky * 3 + kx], acc);
    }
  return acc;
}

/* Four neighbouring interior pixels whose windows start at column offset
 * x of the rows r, stride sw (a constant where inlined): each input
 * vector is loaded once and feeds every pixel whose window covers it, in
 * four independent chains (one chain alone would wait on FMA latency). */
__attribute__((target("avx2,fma"), always_inline)) static inline void
interior4(const float *const r[3], size_t x, size_t c, int sw,
          const __m256 w[TAPS], __m256 bias, __m256 acc[QUAD], bool full,
          lanes mask) {
  for (int q = 0; q < QUAD; q++)
    acc[q] = bias;
  int cols = sw * (QUAD - 1) + 3;
  for (int ky = 0; ky < 3; ky++) {
    const float *p = r[ky] + x;
    for (int j = 0; j < cols; j++, p += c) {
      __m256 v = load8(p, full, mask);
      for (int q = 0; q < QUAD; q++) {
        int kx = j - q * sw;
        if (kx >= 0 && kx < 3)
          acc[q] = _mm256_fmadd_ps(v, w[ky * 3 + kx], acc[q]);
      }
    }
  }
}

/* One output row, channels [c0, c0 + 8) (only the lanes of mask unless
 * full): the bias and nine taps stay in registers across the row, and
 * the pixels whose window lies inside the image run without a test. */
__attribute__((target("avx2,fma"), always_inline)) static inline void
row_block(const row_src *s, const float *packed, size_t cp, size_t c0,
          float *out, bool full, lanes mask) {
  const ep__dwconv *g = s->g;
  size_t c = (size_t)g->c;
  __m256 bias = _mm256_load_ps(packed + c0), w[TAPS];
  for (int t = 0; t < TAPS; t++)
    w[t] = s->zero[t / 3] ? _mm256_setzero_ps()
                          : _mm256_load_ps(packed + (size_t)(t + 1) * cp + c0);
  __m256 lo = _mm256_set1_ps(g->lo), hi = _mm256_set1_ps(g->hi);
  /* Interior: ox from in_lo to in_hi, where 0 <= x0 and x0 + 2 < w. */
  int sw = g->stride_w;
  int in_lo = (g->pad_left + sw - 1) / sw;
  int in_hi =
      g->w - 3 + g->pad_left >= 0 ? (g->w - 3 + g->pad_left) / sw + 1 : 0;
  if (in_hi > g->ow)
    in_hi = g->ow;
  if (in_lo > in_hi)
    in_lo = in_hi;
  const float *r[3] = {s->row[0] + c0, s->row[1] + c0, s->row[2] + c0};
  bool quads = in_hi - in_lo >= QUAD && (sw == 1 || sw == 2);
  for (int ox = 0; ox < g->ow;) {
    if (quads && ox >= in_lo && ox < in_hi) {
      /* The last quad of the interior ends at in_hi, redoing a few pixels
       * rather than sending the rest down the tested edge path. */
      if (ox + QUAD > in_hi)
        ox = in_hi - QUAD;
      size_t x = (size_t)(ox * sw - g->pad_left) * c;
      __m256 acc[QUAD];
      if (sw == 1)
        interior4(r, x, c, 1, w, bias, acc, full, mask);
      else
        interior4(r, x, c, 2, w, bias, acc, full, mask);
      for (int q = 0; q < QUAD; q++)
        store8(out + (size_t)(ox + q) * c + c0,
               _mm256_min_ps(_mm256_max_ps(acc[q], lo), hi), full, mask);
      ox += QUAD;
      continue;
    }
    __m256 acc = edge_pixel(s, ox, c0, w, bias, full, mask);
    store8(out + (size_t)ox * c + c0, _mm256_min_ps(_mm256_max_ps(acc, lo), hi),
           full, mask);
    ox++;
  }
}

__attribute__((target("avx2,fma"))) void ep__dwconv_row(const ep__dwconv *g,
                                                        const float *in,
                                                        const float *packed,
                                                        size_t r, float *o) {
  size_t b = r / (size_t)g->oh, oy = r % (size_t)g->oh, c = (size_t)g->c;
  const float *img = in + b * (size_t)g->h * (size_t)g->w * c;
  row_src s = {{img, img, img}, {true, true, true}, g};
  for (int ky = 0; ky < 3; ky++) {
    long y = (long)oy * g->stride_h - g->pad_top + ky;
    if (y >= 0 && y < g->h) {
      s.row[ky] = img + (size_t)y * (size_t)g->w * c;
      s.zero[ky] = false;
    }
  }
  size_t cp = round8(c), full = c / LANES * LANES;
  lanes all = {_mm256_set1_epi32(-1), LANES};
  for (size_t c0 = 0; c0 < full; c0 += LANES)
    row_block(&s, packed, cp, c0, o, true, all);
  if (full < c) {
    long left = (long)(c - full);
    lanes tail = {ep__first_lanes(left), left};
    row_block(&s, packed, cp, full, o, false, tail);
  }
}

void ep__dwconv_rows(const ep__dwconv *g, const float *in, const float *packed,
                     float *out, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++)
    ep__dwconv_row(g, in, packed, r, out + r * (size_t)g->ow * (size_t)g->c);
}
