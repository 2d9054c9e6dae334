/* gemm_avx2.c — the AVX2+FMA conv GEMM (see gemm_avx2.h).
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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/tensor.h"
#include "simd_avx2.h"

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
  return ep__bias_fits(m, op, out->dims[3]) && ep__gemm_avx2_available();
}

bool ep__gemm_conv_eligible(const ep__model *m, const ep__op *op) {
  if (ep__gemm_pointwise_eligible(m, op))
    return true;
  if (op->kind != EP__OP_CONV_2D || op->n_inputs < 2 || op->inputs[1] < 0)
    return false;
  const ep__conv_params *c = &op->p.conv;
  const ep__mtensor *in = &m->tensors[op->inputs[0]];
  const ep__mtensor *f = &m->tensors[op->inputs[1]];
  const ep__mtensor *out = &m->tensors[op->output];
  if (in->ndims != 4 || f->ndims != 4 || out->ndims != 4 || !f->data)
    return false;
  if (f->dims[1] != c->kernel_h || f->dims[2] != c->kernel_w ||
      f->dims[3] != in->dims[3] || f->dims[0] != out->dims[3] ||
      in->dims[0] != out->dims[0] || out->dims[3] < 1 ||
      (long)c->kernel_h * c->kernel_w * in->dims[3] > EP__GEMM_MAX_K)
    return false;
  if (!ep__window_fits(in->dims[1], c->pad.top, c->pad.bottom, c->kernel_h,
                       c->stride_h, c->dilation_h, out->dims[1]) ||
      !ep__window_fits(in->dims[2], c->pad.left, c->pad.right, c->kernel_w,
                       c->stride_w, c->dilation_w, out->dims[2]))
    return false;
  return ep__bias_fits(m, op, out->dims[3]) && ep__gemm_avx2_available();
}

ep__gemm_conv ep__gemm_conv_of(const ep__model *m, const ep__op *op) {
  const int *in = m->tensors[op->inputs[0]].dims;
  const int *out = m->tensors[op->output].dims;
  const ep__conv_params *c = &op->p.conv;
  return (ep__gemm_conv){in[1],       in[2],       in[3],         out[1],
                         out[2],      out[3],      c->kernel_h,   c->kernel_w,
                         c->stride_h, c->stride_w, c->dilation_h, c->dilation_w,
                         c->pad.top,  c->pad.left};
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

/* 8 residual values from column col of row r, zero from column rc on
 * (masked: no read past the row). */
__attribute__((target("avx2,fma"))) static inline __m256
load_res(const float *r, size_t col, size_t rc) {
  if (col + 8 <= rc)
    return _mm256_loadu_ps(r + col);
  return _mm256_maskload_ps(r + col, ep__first_lanes((long)rc - (long)col));
}

/* One row's epilogue: adds the residual row r (if any; rc of its columns
 * are real), clamps, and stores nc (<= 16) columns (no write past
 * them). */
__attribute__((target("avx2,fma"))) static inline void
store_row(__m256 v0, __m256 v1, __m256 lo, __m256 hi, const float *r, size_t rc,
          float *c, size_t nc) {
  if (r) {
    v0 = _mm256_add_ps(v0, load_res(r, 0, rc));
    v1 = _mm256_add_ps(v1, load_res(r, 8, rc));
  }
  v0 = _mm256_min_ps(_mm256_max_ps(v0, lo), hi);
  v1 = _mm256_min_ps(_mm256_max_ps(v1, lo), hi);
  if (nc == NR) {
    _mm256_storeu_ps(c, v0);
    _mm256_storeu_ps(c + 8, v1);
  } else {
    ep__store_first(c, v0, (long)nc);
    ep__store_first(c + 8, v1, (long)nc - 8);
  }
}

/* What a microkernel writes: row r (< mr) at c + r * ldc, nc valid
 * columns; the epilogue's residual row r at res + r * res_ld (res NULL:
 * none) with rc real columns; all already offset to the panel's first
 * column. */
typedef struct tile_out {
  float *c;
  const float *res;
  size_t ldc, res_ld, mr, nc, rc;
  float lo, hi;
} tile_out;

/* Row r of the tile's output and residual. */
static inline float *out_row(const tile_out *o, size_t r) {
  return o->c + r * o->ldc;
}

static inline const float *res_row(const tile_out *o, size_t r) {
  return o->res ? o->res + r * o->res_ld : NULL;
}

/* The A side of a tile: for each of nseg segments, MR row pointers
 * (p[s * MR + r]) to seglen floats; row r of A is its segments end to end
 * (k = nseg * seglen). A pointwise conv has one segment per row, in
 * place; another conv one per kernel row, pointing into the image where
 * the window row lies inside it (no copy). */
typedef struct tile_in {
  const float *const *p;
  size_t nseg, seglen;
} tile_in;

/* 6 rows of A x one 16-column panel, through the epilogue to o (rows
 * past o->mr are read but not stored).
 * The accumulators are named variables, not an array: GCC keeps an array
 * indexed in the epilogue in memory and stores it back every k step. */
__attribute__((target("avx2,fma"))) static void
kernel_6x16(const tile_in *a, const float *panel, const tile_out *o) {
  __m256 c00 = _mm256_load_ps(panel), c01 = _mm256_load_ps(panel + 8);
  __m256 c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01,
         c40 = c00, c41 = c01, c50 = c00, c51 = c01;
  const float *b = panel + NR;
  for (size_t s = 0; s < a->nseg; s++) {
    const float *const *p = a->p + s * MR;
    const float *a0 = p[0], *a1 = p[1], *a2 = p[2], *a3 = p[3], *a4 = p[4],
                *a5 = p[5];
    for (size_t i = 0; i < a->seglen; i++, b += NR) {
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
  }
  __m256 lo = _mm256_set1_ps(o->lo), hi = _mm256_set1_ps(o->hi);
  __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                       {c30, c31}, {c40, c41}, {c50, c51}};
  for (size_t r = 0; r < o->mr; r++)
    store_row(acc[r][0], acc[r][1], lo, hi, res_row(o, r), o->rc, out_row(o, r),
              o->nc);
}

/* store_row for one 8-column accumulator (nc <= 8). */
__attribute__((target("avx2,fma"))) static inline void
store_row8(__m256 v, __m256 lo, __m256 hi, const float *r, size_t rc, float *c,
           size_t nc) {
  if (r)
    v = _mm256_add_ps(v, load_res(r, 0, rc));
  v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
  if (nc == NR_TAIL)
    _mm256_storeu_ps(c, v);
  else
    ep__store_first(c, v, (long)nc);
}

/* kernel_6x16 for a last panel packed 8 wide. */
__attribute__((target("avx2,fma"))) static void
kernel_6x8(const tile_in *a, const float *panel, const tile_out *o) {
  __m256 c0 = _mm256_load_ps(panel);
  __m256 c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  const float *b = panel + NR_TAIL;
  for (size_t s = 0; s < a->nseg; s++) {
    const float *const *p = a->p + s * MR;
    const float *a0 = p[0], *a1 = p[1], *a2 = p[2], *a3 = p[3], *a4 = p[4],
                *a5 = p[5];
    for (size_t i = 0; i < a->seglen; i++, b += NR_TAIL) {
      __m256 b0 = _mm256_load_ps(b);
      c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + i), b0, c0);
      c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a1 + i), b0, c1);
      c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a2 + i), b0, c2);
      c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a3 + i), b0, c3);
      c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(a4 + i), b0, c4);
      c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(a5 + i), b0, c5);
    }
  }
  __m256 lo = _mm256_set1_ps(o->lo), hi = _mm256_set1_ps(o->hi);
  __m256 acc[MR] = {c0, c1, c2, c3, c4, c5};
  for (size_t r = 0; r < o->mr; r++)
    store_row8(acc[r], lo, hi, res_row(o, r), o->rc, out_row(o, r), o->nc);
}

/* Every panel of one 6-row block whose rows are output rows r0.. (mr of
 * them valid). */
static void run_block(const tile_in *a, size_t r0, size_t mr,
                      const float *packed, size_t n, const ep__gemm_epilogue *e,
                      float *c) {
  size_t k = a->nseg * a->seglen, panels = (n + NR - 1) / NR;
  tile_out o = {
      .ldc = n, .res_ld = e->res_c, .mr = mr, .lo = e->lo, .hi = e->hi};
  for (size_t pn = 0; pn < panels; pn++) {
    size_t col = pn * NR;
    o.nc = n - col < NR ? n - col : NR;
    o.c = c + r0 * n + col;
    o.rc = e->res && e->res_c > col ? e->res_c - col : 0;
    /* Past the residual's channels (a zero PAD) nothing is added. */
    o.res = o.rc ? e->res + r0 * e->res_c + col : NULL;
    const float *panel = packed + col * (k + 1);
    if (panel_width(n, pn) == NR)
      kernel_6x16(a, panel, &o);
    else
      kernel_6x8(a, panel, &o);
  }
}

void ep__gemm_run(const float *a, size_t m, size_t k, const float *packed,
                  size_t n, const ep__gemm_epilogue *e, float *c) {
  for (size_t r0 = 0; r0 < m; r0 += MR) {
    size_t mr = m - r0 < MR ? m - r0 : MR;
    const float *arow[MR];
    /* M tail: rows past the end repeat the last row (valid memory); their
     * results are dropped. */
    for (size_t r = 0; r < MR; r++)
      arow[r] = a + (r0 + (r < mr ? r : mr - 1)) * k;
    tile_in in = {arow, 1, k};
    run_block(&in, r0, mr, packed, n, e, c);
  }
}

/* n floats, src to dst: a loop the compiler vectorizes, cheaper than a
 * memcpy call for the few dozen bytes of one window row. */
static inline void copy_floats(float *restrict dst, const float *restrict src,
                               size_t n) {
  for (size_t i = 0; i < n; i++)
    dst[i] = src[i];
}

static inline void zero_floats(float *dst, size_t n) {
  for (size_t i = 0; i < n; i++)
    dst[i] = 0.0f;
}

static bool is_pointwise(const ep__gemm_conv *g) {
  return g->kh == 1 && g->kw == 1 && g->stride_h == 1 && g->stride_w == 1 &&
         g->pad_top == 0 && g->pad_left == 0 && g->oh == g->h && g->ow == g->w;
}

/* Kernel rows up to this go through conv_indirect (its row pointers
 * live on the stack); taller kernels are gathered whole. */
enum { MAX_KH = 16 };

/* Stands for a window row over the top or bottom padding. */
static const float zero_row[EP__GEMM_MAX_K];

/* Output pixel (b, oy, ox) of a conv. */
typedef struct pixel {
  size_t b, oy, ox;
} pixel;

static pixel pixel_at(const ep__gemm_conv *g, size_t p) {
  size_t ow = (size_t)g->ow, oh = (size_t)g->oh;
  return (pixel){p / (ow * oh), p / ow % oh, p % ow};
}

static void pixel_next(const ep__gemm_conv *g, pixel *px) {
  if (++px->ox < (size_t)g->ow)
    return;
  px->ox = 0;
  if (++px->oy < (size_t)g->oh)
    return;
  px->oy = 0;
  px->b++;
}

/* Image row y of pixel px's batch item. */
static const float *image_row(const ep__gemm_conv *g, const float *in, pixel px,
                              long y) {
  return in + ((px.b * (size_t)g->h + (size_t)y) * (size_t)g->w) * g->c;
}

/* Copies the window row starting at column x0 of image row src into slot
 * (kw*c floats), zero where it overhangs a side. */
static void copy_window_row(const ep__gemm_conv *g, const float *src, long x0,
                            float *slot) {
  size_t c = (size_t)g->c;
  for (int kx = 0; kx < g->kw; kx++) {
    long x = x0 + (long)kx * g->dil_w;
    if (x < 0 || x >= g->w)
      zero_floats(slot + kx * c, c);
    else
      copy_floats(slot + kx * c, src + (size_t)x * c, c);
  }
}

/* Points rows[ky * stride] (ky < kh) at the window rows of pixel px (kw*c
 * floats each): into the image when a row is one undilated run wholly
 * inside it, at zero_row over the vertical padding, or at a copy in slots
 * (kh rows of kw*c floats) otherwise. */
static void window_rows(const ep__gemm_conv *g, const float *in, pixel px,
                        float *slots, const float **rows, size_t stride) {
  size_t seglen = (size_t)g->kw * g->c;
  long x0 = (long)px.ox * g->stride_w - g->pad_left;
  bool inside = g->dil_w == 1 && x0 >= 0 && x0 + g->kw <= g->w;
  for (int ky = 0; ky < g->kh; ky++) {
    long y = (long)px.oy * g->stride_h - g->pad_top + (long)ky * g->dil_h;
    if (y < 0 || y >= g->h) {
      rows[ky * stride] = zero_row;
      continue;
    }
    const float *src = image_row(g, in, px, y);
    if (inside) {
      rows[ky * stride] = src + (size_t)x0 * g->c;
      continue;
    }
    float *slot = slots + (size_t)ky * seglen;
    copy_window_row(g, src, x0, slot);
    rows[ky * stride] = slot;
  }
}

/* A conv as an indirect GEMM: A's rows are kh pointers each, mostly into
 * the image itself. */
static void conv_indirect(const ep__gemm_conv *g, const float *in,
                          const float *packed, const ep__gemm_epilogue *e,
                          float *out, size_t p0, size_t p1, float *scratch) {
  size_t seglen = (size_t)g->kw * g->c, kh = (size_t)g->kh;
  const float *ptr[MAX_KH * MR];
  pixel px = pixel_at(g, p0);
  for (size_t p = p0; p < p1; p += MR) {
    size_t mr = p1 - p < MR ? p1 - p : MR;
    for (size_t r = 0; r < mr; r++, pixel_next(g, &px))
      window_rows(g, in, px, scratch + r * kh * seglen, ptr + r, MR);
    /* M tail: the last row again (its results are dropped). */
    for (size_t r = mr; r < MR; r++)
      for (size_t ky = 0; ky < kh; ky++)
        ptr[ky * MR + r] = ptr[ky * MR + mr - 1];
    tile_in a = {ptr, kh, seglen};
    run_block(&a, p, mr, packed, (size_t)g->n, e, out);
  }
}

/* A kernel taller than MAX_KH: each pixel's whole receptive field is
 * copied into one row of scratch (kh*kw*c floats), EP__GEMM_CHUNK pixels
 * at a time. */
static void conv_gathered(const ep__gemm_conv *g, const float *in,
                          const float *packed, const ep__gemm_epilogue *e,
                          float *out, size_t p0, size_t p1, float *scratch) {
  size_t seglen = (size_t)g->kw * g->c, k = (size_t)g->kh * seglen;
  pixel px = pixel_at(g, p0);
  for (size_t p = p0; p < p1; p += EP__GEMM_CHUNK) {
    size_t rows = p1 - p < EP__GEMM_CHUNK ? p1 - p : EP__GEMM_CHUNK;
    for (size_t r = 0; r < rows; r++, pixel_next(g, &px)) {
      long x0 = (long)px.ox * g->stride_w - g->pad_left;
      for (int ky = 0; ky < g->kh; ky++) {
        float *slot = scratch + r * k + (size_t)ky * seglen;
        long y = (long)px.oy * g->stride_h - g->pad_top + (long)ky * g->dil_h;
        if (y < 0 || y >= g->h)
          zero_floats(slot, seglen);
        else
          copy_window_row(g, image_row(g, in, px, y), x0, slot);
      }
    }
    ep__gemm_epilogue ep = *e;
    if (ep.res)
      ep.res += p * ep.res_c;
    ep__gemm_run(scratch, rows, k, packed, (size_t)g->n, &ep, out + p * g->n);
  }
}

void ep__gemm_conv_rows(const ep__gemm_conv *g, const float *in,
                        const float *packed, const ep__gemm_epilogue *e,
                        float *out, size_t p0, size_t p1, float *scratch) {
  if (is_pointwise(g)) {
    size_t k = (size_t)g->c, n = (size_t)g->n;
    ep__gemm_epilogue ep = *e;
    if (ep.res)
      ep.res += p0 * ep.res_c;
    ep__gemm_run(in + p0 * k, p1 - p0, k, packed, n, &ep, out + p0 * n);
  } else if (g->kh <= MAX_KH) {
    conv_indirect(g, in, packed, e, out, p0, p1, scratch);
  } else {
    conv_gathered(g, in, packed, e, out, p0, p1, scratch);
  }
}
