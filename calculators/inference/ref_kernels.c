/* ref_kernels.c — the reference float32 kernels (see ref_kernels.h). */
#include "ref_kernels.h"

#include <math.h>
#include <string.h>

static float clampf(float v, float lo, float hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* --- convolutions --------------------------------------------------------- */

/* The input row/column a window tap reads, or -1 when it falls in the
 * padding. */
static int tap(int o, int stride, int pad, int k, int dil, int size) {
  int i = o * stride - pad + k * dil;
  return i >= 0 && i < size ? i : -1;
}

/* A dot product in eight lanes, so the compiler can use SIMD without
 * -ffast-math (the lanes fix the order of the additions). */
static float dot(const float *a, const float *b, int n) {
  float lane[8] = {0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++)
      lane[l] += a[i + l] * b[i + l];
  float acc = 0.0f;
  for (; i < n; i++)
    acc += a[i] * b[i];
  for (int l = 0; l < 8; l++)
    acc += lane[l];
  return acc;
}

void ep__ref_conv2d(const float *in, const int in_dims[4], const float *filter,
                    const float *bias, const ep__conv_params *p, float lo,
                    float hi, float *out, const int out_dims[4]) {
  int H = in_dims[1], W = in_dims[2], C = in_dims[3];
  int OH = out_dims[1], OW = out_dims[2], O = out_dims[3];
  for (int n = 0; n < in_dims[0]; n++)
    for (int y = 0; y < OH; y++)
      for (int x = 0; x < OW; x++) {
        float *dst = out + (((size_t)n * OH + y) * OW + x) * O;
        for (int o = 0; o < O; o++)
          dst[o] = bias ? bias[o] : 0.0f;
        for (int ky = 0; ky < p->kernel_h; ky++) {
          int iy = tap(y, p->stride_h, p->pad.top, ky, p->dilation_h, H);
          for (int kx = 0; iy >= 0 && kx < p->kernel_w; kx++) {
            int ix = tap(x, p->stride_w, p->pad.left, kx, p->dilation_w, W);
            if (ix < 0)
              continue;
            const float *src = in + (((size_t)n * H + iy) * W + ix) * C;
            for (int o = 0; o < O; o++) {
              const float *f =
                  filter +
                  (((size_t)o * p->kernel_h + ky) * p->kernel_w + kx) * C;
              dst[o] += dot(src, f, C);
            }
          }
        }
        for (int o = 0; o < O; o++)
          dst[o] = clampf(dst[o], lo, hi);
      }
}

void ep__ref_depthwise_conv2d(const float *in, const int in_dims[4],
                              const float *filter, const float *bias,
                              const ep__conv_params *p, float lo, float hi,
                              float *out, const int out_dims[4]) {
  int H = in_dims[1], W = in_dims[2], C = in_dims[3];
  int OH = out_dims[1], OW = out_dims[2], O = out_dims[3];
  int M = C ? O / C : 0;
  for (int n = 0; n < in_dims[0]; n++)
    for (int y = 0; y < OH; y++)
      for (int x = 0; x < OW; x++) {
        float *dst = out + (((size_t)n * OH + y) * OW + x) * O;
        for (int o = 0; o < O; o++)
          dst[o] = bias ? bias[o] : 0.0f;
        for (int ky = 0; ky < p->kernel_h; ky++) {
          int iy = tap(y, p->stride_h, p->pad.top, ky, p->dilation_h, H);
          for (int kx = 0; iy >= 0 && kx < p->kernel_w; kx++) {
            int ix = tap(x, p->stride_w, p->pad.left, kx, p->dilation_w, W);
            if (ix < 0)
              continue;
            const float *src = in + (((size_t)n * H + iy) * W + ix) * C;
            const float *f = filter + ((size_t)ky * p->kernel_w + kx) * O;
            if (M == 1)
              for (int o = 0; o < O; o++)
                dst[o] += src[o] * f[o];
            else
              for (int o = 0; o < O; o++)
                dst[o] += src[o / M] * f[o];
          }
        }
        for (int o = 0; o < O; o++)
          dst[o] = clampf(dst[o], lo, hi);
      }
}

/* --- pooling ------------------------------------------------------------- */

static void pool(const float *in, const int in_dims[4],
                 const ep__pool_params *p, bool average, float lo, float hi,
                 float *out, const int out_dims[4]) {
  int H = in_dims[1], W = in_dims[2], C = in_dims[3];
  int OH = out_dims[1], OW = out_dims[2];
  for (int n = 0; n < in_dims[0]; n++)
    for (int y = 0; y < OH; y++)
      for (int x = 0; x < OW; x++)
        for (int c = 0; c < C; c++) {
          float acc = average ? 0.0f : -INFINITY;
          int cells = 0;
          for (int ky = 0; ky < p->filter_h; ky++) {
            int iy = tap(y, p->stride_h, p->pad.top, ky, 1, H);
            for (int kx = 0; iy >= 0 && kx < p->filter_w; kx++) {
              int ix = tap(x, p->stride_w, p->pad.left, kx, 1, W);
              if (ix < 0)
                continue;
              float v = in[(((size_t)n * H + iy) * W + ix) * C + c];
              acc = average ? acc + v : (v > acc ? v : acc);
              cells++;
            }
          }
          if (average)
            acc = cells ? acc / (float)cells : 0.0f;
          else if (!cells)
            acc = 0.0f;
          out[(((size_t)n * OH + y) * OW + x) * C + c] = clampf(acc, lo, hi);
        }
}

void ep__ref_max_pool2d(const float *in, const int in_dims[4],
                        const ep__pool_params *p, float lo, float hi,
                        float *out, const int out_dims[4]) {
  pool(in, in_dims, p, false, lo, hi, out, out_dims);
}

void ep__ref_average_pool2d(const float *in, const int in_dims[4],
                            const ep__pool_params *p, float lo, float hi,
                            float *out, const int out_dims[4]) {
  pool(in, in_dims, p, true, lo, hi, out, out_dims);
}

/* --- element-wise --------------------------------------------------------- */

/* Strides of a broadcast operand in output coordinates (0 where it is
 * repeated). */
static void bcast_strides(int nd, const int *dims, int out_nd,
                          const int *out_dims, size_t *st) {
  size_t s = 1;
  for (int i = out_nd - 1; i >= 0; i--) {
    int j = i - (out_nd - nd);
    int d = j >= 0 ? dims[j] : 1;
    st[i] = d == 1 && out_dims[i] != 1 ? 0 : s;
    s *= (size_t)d;
  }
}

static void binary(bool mul, const float *a, int a_nd, const int *a_dims,
                   const float *b, int b_nd, const int *b_dims, float lo,
                   float hi, float *out, int out_nd, const int *out_dims) {
  size_t sa[EP_TENSOR_MAX_DIMS], sb[EP_TENSOR_MAX_DIMS];
  int idx[EP_TENSOR_MAX_DIMS] = {0};
  bcast_strides(a_nd, a_dims, out_nd, out_dims, sa);
  bcast_strides(b_nd, b_dims, out_nd, out_dims, sb);
  size_t n = 1, ia = 0, ib = 0;
  for (int i = 0; i < out_nd; i++)
    n *= (size_t)out_dims[i];
  for (size_t k = 0; k < n; k++) {
    float v = mul ? a[ia] * b[ib] : a[ia] + b[ib];
    out[k] = clampf(v, lo, hi);
    /* Step the multi-index like an odometer, keeping both offsets. */
    for (int i = out_nd - 1; i >= 0; i--) {
      ia += sa[i], ib += sb[i];
      if (++idx[i] < out_dims[i])
        break;
      ia -= sa[i] * (size_t)out_dims[i], ib -= sb[i] * (size_t)out_dims[i];
      idx[i] = 0;
    }
  }
}

void ep__ref_add(const float *a, int a_nd, const int *a_dims, const float *b,
                 int b_nd, const int *b_dims, float lo, float hi, float *out,
                 int out_nd, const int *out_dims) {
  binary(false, a, a_nd, a_dims, b, b_nd, b_dims, lo, hi, out, out_nd,
         out_dims);
}

void ep__ref_mul(const float *a, int a_nd, const int *a_dims, const float *b,
                 int b_nd, const int *b_dims, float lo, float hi, float *out,
                 int out_nd, const int *out_dims) {
  binary(true, a, a_nd, a_dims, b, b_nd, b_dims, lo, hi, out, out_nd, out_dims);
}

void ep__ref_clamp(const float *in, size_t n, float lo, float hi, float *out) {
  for (size_t i = 0; i < n; i++)
    out[i] = clampf(in[i], lo, hi);
}

void ep__ref_logistic(const float *in, size_t n, float *out) {
  for (size_t i = 0; i < n; i++)
    out[i] = 1.0f / (1.0f + expf(-in[i]));
}

void ep__ref_softmax(const float *in, size_t rows, size_t cols, float beta,
                     float *out) {
  for (size_t r = 0; r < rows; r++) {
    const float *x = in + r * cols;
    float *y = out + r * cols, mx = -INFINITY, sum = 0.0f;
    for (size_t c = 0; c < cols; c++)
      mx = x[c] > mx ? x[c] : mx;
    for (size_t c = 0; c < cols; c++)
      sum += y[c] = expf((x[c] - mx) * beta);
    for (size_t c = 0; c < cols; c++)
      y[c] /= sum;
  }
}

/* --- data movement -------------------------------------------------------- */

void ep__ref_pad(const float *in, int nd, const int *in_dims,
                 const ep__pad_params *p, float *out) {
  if (nd == 0) {
    out[0] = in[0];
    return;
  }
  size_t out_st[EP_TENSOR_MAX_DIMS], rows = 1, total = 1;
  for (int i = nd - 1; i >= 0; i--) {
    out_st[i] = total;
    total *= (size_t)(in_dims[i] + p->before[i] + p->after[i]);
  }
  memset(out, 0, total * sizeof *out);
  for (int i = 0; i < nd - 1; i++)
    rows *= (size_t)in_dims[i];
  size_t len = (size_t)in_dims[nd - 1];
  int idx[EP_TENSOR_MAX_DIMS] = {0};
  for (size_t r = 0; r < rows && len; r++) {
    size_t o = (size_t)p->before[nd - 1];
    for (int i = 0; i < nd - 1; i++)
      o += (size_t)(idx[i] + p->before[i]) * out_st[i];
    memcpy(out + o, in + r * len, len * sizeof *out);
    for (int i = nd - 2; i >= 0 && ++idx[i] == in_dims[i]; i--)
      idx[i] = 0;
  }
}

void ep__ref_concat(const float *const *in, const int *const *in_dims, int n,
                    int nd, int axis, float lo, float hi, float *out) {
  size_t outer = 1, inner = 1;
  for (int i = 0; i < axis; i++)
    outer *= (size_t)in_dims[0][i];
  for (int i = axis + 1; i < nd; i++)
    inner *= (size_t)in_dims[0][i];
  float *dst = out;
  for (size_t o = 0; o < outer; o++)
    for (int k = 0; k < n; k++) {
      size_t chunk = (size_t)in_dims[k][axis] * inner;
      const float *src = in[k] + o * chunk;
      for (size_t j = 0; j < chunk; j++)
        dst[j] = clampf(src[j], lo, hi);
      dst += chunk;
    }
}

/* TFLite's source coordinate for output index i, and the two neighbours
 * it blends (clamped to the input). */
static float src_coord(int i, float scale, bool half_pixel, int size, int *i0,
                       int *i1) {
  float v = half_pixel ? ((float)i + 0.5f) * scale - 0.5f : (float)i * scale;
  int f = (int)floorf(v), c = (int)ceilf(v);
  *i0 = f > 0 ? f : 0;
  *i1 = c < size - 1 ? c : size - 1;
  if (*i0 > size - 1)
    *i0 = size - 1;
  return v;
}

static float resize_scale(int in, int out, bool align_corners) {
  if (align_corners && out > 1)
    return (float)(in - 1) / (float)(out - 1);
  return (float)in / (float)out;
}

void ep__ref_resize_bilinear(const float *in, const int in_dims[4],
                             const ep__resize_params *p, float *out,
                             const int out_dims[4]) {
  int H = in_dims[1], W = in_dims[2], C = in_dims[3];
  int OH = out_dims[1], OW = out_dims[2];
  float sy = resize_scale(H, OH, p->align_corners);
  float sx = resize_scale(W, OW, p->align_corners);
  for (int n = 0; n < in_dims[0]; n++)
    for (int y = 0; y < OH; y++) {
      int y0, y1, x0, x1;
      float fy = src_coord(y, sy, p->half_pixel_centers, H, &y0, &y1) - y0;
      for (int x = 0; x < OW; x++) {
        float fx = src_coord(x, sx, p->half_pixel_centers, W, &x0, &x1) - x0;
        const float *base = in + (size_t)n * H * W * C;
        const float *a = base + ((size_t)y0 * W + x0) * C;
        const float *b = base + ((size_t)y0 * W + x1) * C;
        const float *c = base + ((size_t)y1 * W + x0) * C;
        const float *d = base + ((size_t)y1 * W + x1) * C;
        float *dst = out + (((size_t)n * OH + y) * OW + x) * C;
        for (int k = 0; k < C; k++)
          dst[k] = a[k] * (1 - fy) * (1 - fx) + b[k] * (1 - fy) * fx +
                   c[k] * fy * (1 - fx) + d[k] * fy * fx;
      }
    }
}

void ep__ref_fully_connected(const float *in, size_t rows, size_t inputs,
                             const float *w, const float *bias, size_t outputs,
                             float lo, float hi, float *out) {
  for (size_t r = 0; r < rows; r++)
    for (size_t o = 0; o < outputs; o++) {
      float acc = dot(in + r * inputs, w + o * inputs, (int)inputs);
      out[r * outputs + o] = clampf(acc + (bias ? bias[o] : 0.0f), lo, hi);
    }
}

/* --- one plan op ---------------------------------------------------------- */

/* CONCATENATION over the plan's tensor table: for each slice before the
 * axis, each input's block in turn (the same walk as ep__ref_concat,
 * without gathering pointer arrays for any number of inputs). */
static void run_concat(const ep__model *m, const ep__op *op,
                       float *const *buf) {
  const ep__mtensor *o = &m->tensors[op->output];
  int axis = op->p.concat.axis;
  size_t outer = 1, inner = 1;
  for (int i = 0; i < axis; i++)
    outer *= (size_t)o->dims[i];
  for (int i = axis + 1; i < o->ndims; i++)
    inner *= (size_t)o->dims[i];
  float *dst = buf[op->output];
  for (size_t r = 0; r < outer; r++)
    for (int k = 0; k < op->n_inputs; k++) {
      size_t chunk = (size_t)m->tensors[op->inputs[k]].dims[axis] * inner;
      ep__ref_clamp(buf[op->inputs[k]] + r * chunk, chunk, op->act_min,
                    op->act_max, dst);
      dst += chunk;
    }
}

void ep__ref_run_op(const ep__model *m, const ep__op *op, float *const *buf) {
  const ep__mtensor *a = &m->tensors[op->inputs[0]];
  const ep__mtensor *o = &m->tensors[op->output];
  const float *x = buf[op->inputs[0]];
  const float *bias =
      op->n_inputs > 2 && op->inputs[2] >= 0 ? buf[op->inputs[2]] : NULL;
  float *y = buf[op->output], lo = op->act_min, hi = op->act_max;
  switch (op->kind) {
  case EP__OP_CONV_2D:
    ep__ref_conv2d(x, a->dims, buf[op->inputs[1]], bias, &op->p.conv, lo, hi, y,
                   o->dims);
    break;
  case EP__OP_DEPTHWISE_CONV_2D:
    ep__ref_depthwise_conv2d(x, a->dims, buf[op->inputs[1]], bias, &op->p.conv,
                             lo, hi, y, o->dims);
    break;
  case EP__OP_MAX_POOL_2D:
    ep__ref_max_pool2d(x, a->dims, &op->p.pool, lo, hi, y, o->dims);
    break;
  case EP__OP_AVERAGE_POOL_2D:
    ep__ref_average_pool2d(x, a->dims, &op->p.pool, lo, hi, y, o->dims);
    break;
  case EP__OP_ADD:
  case EP__OP_MUL: {
    const ep__mtensor *b = &m->tensors[op->inputs[1]];
    (op->kind == EP__OP_ADD ? ep__ref_add : ep__ref_mul)(
        x, a->ndims, a->dims, buf[op->inputs[1]], b->ndims, b->dims, lo, hi, y,
        o->ndims, o->dims);
    break;
  }
  case EP__OP_RELU:
    ep__ref_clamp(x, o->count, 0.0f, INFINITY, y);
    break;
  case EP__OP_RELU6:
    ep__ref_clamp(x, o->count, 0.0f, 6.0f, y);
    break;
  case EP__OP_LOGISTIC:
    ep__ref_logistic(x, o->count, y);
    break;
  case EP__OP_SOFTMAX: {
    size_t cols = (size_t)o->dims[o->ndims - 1];
    ep__ref_softmax(x, cols ? o->count / cols : 0, cols, op->p.softmax.beta, y);
    break;
  }
  case EP__OP_PAD:
    ep__ref_pad(x, a->ndims, a->dims, &op->p.pad, y);
    break;
  case EP__OP_RESHAPE:
    memcpy(y, x, o->count * sizeof *y);
    break;
  case EP__OP_CONCATENATION:
    run_concat(m, op, buf);
    break;
  case EP__OP_RESIZE_BILINEAR:
    ep__ref_resize_bilinear(x, a->dims, &op->p.resize, y, o->dims);
    break;
  case EP__OP_FULLY_CONNECTED: {
    const ep__mtensor *w = &m->tensors[op->inputs[1]];
    size_t in = (size_t)w->dims[1];
    ep__ref_fully_connected(x, a->count / in, in, buf[op->inputs[1]], bias,
                            (size_t)w->dims[0], lo, hi, y);
    break;
  }
  case EP__OP_KIND_COUNT:
    break;
  }
}
