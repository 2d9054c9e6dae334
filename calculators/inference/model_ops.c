/* model_ops.c — checks one TFLite operator and turns it into a plan op:
 * its inputs exist and are defined before use, types are float32, weights
 * are constant, options are in range, and the output shape it computes is
 * the one the file declares. Anything else is a clear error, because the
 * kernels index memory with these numbers. */
#include "model_build.h"

#include "diag.h"
#include "edgepipe/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest tensor the plan accepts, in elements (1 GiB of float32). */
#define MAX_ELEMS ((size_t)1 << 28)
/* Largest window, stride or dilation; far above any real model. */
#define MAX_WINDOW 4096

bool ep__build_fail(ep__build *b, const ep__tfl_op *op, size_t index,
                    const char *fmt, ...) {
  if (b->code)
    return false;
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  b->code = EP_EMODEL;
  b->err =
      ep__strdup_printf("%s: op %zu (%s): %s at offset %zu", b->t->name, index,
                        ep__tfl_op_name(op->opcode), what, op->offset);
  return false;
}

size_t ep__dims_count(int ndims, const int *dims) {
  size_t n = 1;
  for (int i = 0; i < ndims; i++) {
    if (dims[i] < 0)
      return SIZE_MAX;
    if (dims[i] && n > MAX_ELEMS / (size_t)dims[i])
      return SIZE_MAX;
    n *= (size_t)dims[i];
  }
  return n;
}

/* Everything a per-op check needs, to keep argument lists short. */
typedef struct opctx {
  ep__build *b;
  const ep__tfl_op *op;
  size_t index;
  ep__op *out;
} opctx;

#define FAIL(c, ...) ep__build_fail((c)->b, (c)->op, (c)->index, __VA_ARGS__)

static const ep__tfl_tensor *tensor(const opctx *c, int i) {
  return &c->b->t->tensors[i];
}

/* Input k's file index, or -1 when absent. */
static int in_index(const opctx *c, size_t k) {
  return k < c->op->n_inputs ? c->op->inputs[k] : -1;
}

static void dims_str(char *buf, size_t n, int nd, const int *d) {
  size_t k = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < nd && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%d", i ? "," : "", d[i]);
  if (k < n)
    snprintf(buf + k, n - k, "]");
}

/* A float32 input the op reads: defined (constant, model input or an
 * earlier op's output) and of a size the plan accepts. */
static bool data_input(opctx *c, size_t k, const char *role) {
  int i = in_index(c, k);
  if (i < 0)
    return FAIL(c, "%s input is missing", role);
  const ep__tfl_tensor *t = tensor(c, i);
  if (!c->b->ready[i] && !c->b->val[i])
    return FAIL(c, "%s tensor %d is used before it is computed", role, i);
  if (t->type != EP__TFL_FLOAT32)
    return FAIL(c, "%s tensor %d has type %s, expected FLOAT32", role, i,
                ep__tfl_type_name(t->type));
  if (ep__dims_count(t->ndims, t->dims) == SIZE_MAX)
    return FAIL(c, "%s tensor %d is too large", role, i);
  return true;
}

static bool const_input(opctx *c, size_t k, const char *role) {
  if (!data_input(c, k, role))
    return false;
  if (!c->b->val[in_index(c, k)])
    return FAIL(c, "%s tensor %d must be constant", role, in_index(c, k));
  return true;
}

/* Reads an int32 constant input (PAD paddings, RESIZE size) into v. */
static bool int_const(opctx *c, size_t k, const char *role, size_t n, int *v) {
  int i = in_index(c, k);
  if (i < 0)
    return FAIL(c, "%s input is missing", role);
  const ep__tfl_tensor *t = tensor(c, i);
  if (t->type != EP__TFL_INT32 || !t->data)
    return FAIL(c, "%s tensor %d must be a constant INT32 tensor", role, i);
  if (ep__dims_count(t->ndims, t->dims) != n || t->size != n * 4)
    return FAIL(c, "%s tensor %d must hold %zu values", role, i, n);
  for (size_t j = 0; j < n; j++) {
    int32_t x;
    memcpy(&x, t->data + 4 * j, 4);
    v[j] = x;
  }
  return true;
}

/* The single output: float32, not constant, not written before; its
 * declared shape must be the computed one. */
static bool output(opctx *c, int nd, const int *dims) {
  if (c->op->n_outputs != 1)
    return FAIL(c, "has %zu outputs, expected 1", c->op->n_outputs);
  int o = c->op->outputs[0];
  const ep__tfl_tensor *t = tensor(c, o);
  if (t->type != EP__TFL_FLOAT32)
    return FAIL(c, "output tensor %d has type %s, expected FLOAT32", o,
                ep__tfl_type_name(t->type));
  if (c->b->ready[o] || c->b->val[o])
    return FAIL(c, "output tensor %d is already defined", o);
  if (dims && !ep__dims_equal(t->ndims, t->dims, nd, dims)) {
    char want[96], got[96];
    dims_str(want, sizeof want, nd, dims);
    dims_str(got, sizeof got, t->ndims, t->dims);
    return FAIL(c, "output tensor %d has shape %s, expected %s", o, got, want);
  }
  if (ep__dims_count(t->ndims, t->dims) == SIZE_MAX)
    return FAIL(c, "output tensor %d is too large", o);
  c->out->output = o;
  return true;
}

static bool set_inputs(opctx *c, size_t n) {
  c->out->inputs = malloc((n ? n : 1) * sizeof(int));
  if (!c->out->inputs) {
    c->b->code = EP_ENOMEM;
    return false;
  }
  for (size_t k = 0; k < n; k++)
    c->out->inputs[k] = in_index(c, k);
  c->out->n_inputs = (int)n;
  return true;
}

static bool activation(opctx *c, int act) {
  static const float inf = INFINITY;
  ep__op *o = c->out;
  switch (act) {
  case EP__TFL_ACT_NONE:
    o->act = EP__ACT_NONE, o->act_min = -inf, o->act_max = inf;
    return true;
  case EP__TFL_ACT_RELU:
    o->act = EP__ACT_RELU, o->act_min = 0, o->act_max = inf;
    return true;
  case EP__TFL_ACT_RELU_N1_TO_1:
    o->act = EP__ACT_RELU_N1_TO_1, o->act_min = -1, o->act_max = 1;
    return true;
  case EP__TFL_ACT_RELU6:
    o->act = EP__ACT_RELU6, o->act_min = 0, o->act_max = 6;
    return true;
  }
  return FAIL(c, "fused activation %s is not supported",
              act == EP__TFL_ACT_TANH       ? "TANH"
              : act == EP__TFL_ACT_SIGN_BIT ? "SIGN_BIT"
                                            : "(unknown)");
}

/* One spatial axis of a window op: output size and padding, TensorFlow
 * style (SAME puts the odd pixel after). */
static bool window(opctx *c, const char *axis, int in, int k, int stride,
                   int dil, int padding, int *out, int *before, int *after) {
  if (k < 1 || k > MAX_WINDOW || stride < 1 || stride > MAX_WINDOW || dil < 1 ||
      dil > MAX_WINDOW)
    return FAIL(c, "bad %s window (size %d, stride %d, dilation %d)", axis, k,
                stride, dil);
  int64_t eff = (int64_t)(k - 1) * dil + 1, o;
  if (padding == EP__TFL_PAD_SAME) {
    o = ((int64_t)in + stride - 1) / stride;
    int64_t total = (o - 1) * stride + eff - in;
    total = total > 0 ? total : 0;
    *before = (int)(total / 2);
    *after = (int)(total - total / 2);
  } else if (padding == EP__TFL_PAD_VALID) {
    if (in < eff)
      return FAIL(c, "%s window %lld is larger than the input %d", axis,
                  (long long)eff, in);
    o = (in - eff) / stride + 1;
    *before = *after = 0;
  } else {
    return FAIL(c, "unknown padding %d", padding);
  }
  *out = (int)o;
  return true;
}

static bool is_4d(opctx *c, int i, const char *role) {
  if (tensor(c, i)->ndims != 4)
    return FAIL(c, "%s tensor %d has %d dims, expected 4", role, i,
                tensor(c, i)->ndims);
  return true;
}

static bool bias(opctx *c, int channels) {
  if (in_index(c, 2) < 0)
    return true;
  if (!const_input(c, 2, "bias"))
    return false;
  const ep__tfl_tensor *t = tensor(c, in_index(c, 2));
  if (ep__dims_count(t->ndims, t->dims) != (size_t)channels)
    return FAIL(c, "bias has %zu values, expected %d",
                ep__dims_count(t->ndims, t->dims), channels);
  return true;
}

static bool conv(opctx *c, bool depthwise) {
  const ep__tfl_conv_opts *o = &c->op->opt.conv;
  ep__conv_params *p = &c->out->p.conv;
  if (!data_input(c, 0, "input") || !const_input(c, 1, "filter") ||
      !is_4d(c, in_index(c, 0), "input") || !is_4d(c, in_index(c, 1), "filter"))
    return false;
  const int *in = tensor(c, in_index(c, 0))->dims;
  const int *f = tensor(c, in_index(c, 1))->dims;
  int oc = depthwise ? f[3] : f[0];
  if (depthwise ? (f[0] != 1 || in[3] == 0 || f[3] % in[3]) : (f[3] != in[3]))
    return FAIL(c, "filter [%d,%d,%d,%d] does not fit %d input channels", f[0],
                f[1], f[2], f[3], in[3]);
  p->kernel_h = f[1], p->kernel_w = f[2];
  p->stride_h = o->stride_h, p->stride_w = o->stride_w;
  p->dilation_h = o->dilation_h, p->dilation_w = o->dilation_w;
  p->depth_multiplier = depthwise ? f[3] / in[3] : 1;
  int dims[4] = {in[0], 0, 0, oc};
  if (!window(c, "height", in[1], f[1], o->stride_h, o->dilation_h, o->padding,
              &dims[1], &p->pad.top, &p->pad.bottom) ||
      !window(c, "width", in[2], f[2], o->stride_w, o->dilation_w, o->padding,
              &dims[2], &p->pad.left, &p->pad.right))
    return false;
  return bias(c, oc) && activation(c, o->activation) && output(c, 4, dims) &&
         set_inputs(c, 3);
}

static bool pool(opctx *c) {
  const ep__tfl_pool_opts *o = &c->op->opt.pool;
  ep__pool_params *p = &c->out->p.pool;
  if (!data_input(c, 0, "input") || !is_4d(c, in_index(c, 0), "input"))
    return false;
  const int *in = tensor(c, in_index(c, 0))->dims;
  p->filter_h = o->filter_h, p->filter_w = o->filter_w;
  p->stride_h = o->stride_h, p->stride_w = o->stride_w;
  int dims[4] = {in[0], 0, 0, in[3]};
  return window(c, "height", in[1], o->filter_h, o->stride_h, 1, o->padding,
                &dims[1], &p->pad.top, &p->pad.bottom) &&
         window(c, "width", in[2], o->filter_w, o->stride_w, 1, o->padding,
                &dims[2], &p->pad.left, &p->pad.right) &&
         activation(c, o->activation) && output(c, 4, dims) && set_inputs(c, 1);
}

/* ADD and MUL: NumPy broadcasting, shapes aligned at the last dim. */
static bool binary(opctx *c) {
  if (c->op->n_inputs != 2)
    return FAIL(c, "has %zu inputs, expected 2", c->op->n_inputs);
  if (!data_input(c, 0, "first") || !data_input(c, 1, "second"))
    return false;
  const ep__tfl_tensor *a = tensor(c, in_index(c, 0));
  const ep__tfl_tensor *b = tensor(c, in_index(c, 1));
  int nd = a->ndims > b->ndims ? a->ndims : b->ndims, dims[EP_TENSOR_MAX_DIMS];
  for (int i = 0; i < nd; i++) {
    int da = i < nd - a->ndims ? 1 : a->dims[i - (nd - a->ndims)];
    int db = i < nd - b->ndims ? 1 : b->dims[i - (nd - b->ndims)];
    if (da != db && da != 1 && db != 1)
      return FAIL(c, "shapes do not broadcast (dim %d: %d vs %d)", i, da, db);
    dims[i] = da == 1 ? db : da;
  }
  return activation(c, c->op->opt.activation) && output(c, nd, dims) &&
         set_inputs(c, 2);
}

static bool unary(opctx *c) {
  if (!data_input(c, 0, "input"))
    return false;
  const ep__tfl_tensor *t = tensor(c, in_index(c, 0));
  return activation(c, EP__TFL_ACT_NONE) && output(c, t->ndims, t->dims) &&
         set_inputs(c, 1);
}

static bool softmax(opctx *c) {
  const ep__tfl_tensor *t;
  if (!data_input(c, 0, "input"))
    return false;
  t = tensor(c, in_index(c, 0));
  if (t->ndims < 1)
    return FAIL(c, "input must have at least one dim");
  float beta = c->op->opt.softmax_beta;
  if (!(beta > 0.0f) || !isfinite(beta))
    return FAIL(c, "beta %g must be positive", (double)beta);
  c->out->p.softmax.beta = beta;
  return unary(c);
}

static bool pad(opctx *c) {
  if (!data_input(c, 0, "input"))
    return false;
  const ep__tfl_tensor *t = tensor(c, in_index(c, 0));
  int v[2 * EP_TENSOR_MAX_DIMS], dims[EP_TENSOR_MAX_DIMS];
  if (!int_const(c, 1, "paddings", 2 * (size_t)t->ndims, v))
    return false;
  for (int i = 0; i < t->ndims; i++) {
    if (v[2 * i] < 0 || v[2 * i + 1] < 0 || v[2 * i] > (1 << 20) ||
        v[2 * i + 1] > (1 << 20))
      return FAIL(c, "bad padding %d,%d on dim %d", v[2 * i], v[2 * i + 1], i);
    c->out->p.pad.before[i] = v[2 * i];
    c->out->p.pad.after[i] = v[2 * i + 1];
    dims[i] = t->dims[i] + v[2 * i] + v[2 * i + 1];
  }
  return activation(c, EP__TFL_ACT_NONE) && output(c, t->ndims, dims) &&
         set_inputs(c, 1);
}

static bool reshape(opctx *c) {
  if (!data_input(c, 0, "input") || !output(c, 0, NULL))
    return false;
  const ep__tfl_tensor *in = tensor(c, in_index(c, 0));
  const ep__tfl_tensor *out = tensor(c, c->out->output);
  size_t a = ep__dims_count(in->ndims, in->dims);
  size_t b = ep__dims_count(out->ndims, out->dims);
  if (a != b)
    return FAIL(c, "reshapes %zu elements into %zu", a, b);
  return activation(c, EP__TFL_ACT_NONE) && set_inputs(c, 1);
}

static bool concat(opctx *c) {
  size_t n = c->op->n_inputs;
  if (n < 1)
    return FAIL(c, "has no inputs");
  for (size_t k = 0; k < n; k++)
    if (!data_input(c, k, "input"))
      return false;
  const ep__tfl_tensor *t0 = tensor(c, in_index(c, 0));
  int nd = t0->ndims, axis = c->op->opt.concat.axis, dims[EP_TENSOR_MAX_DIMS];
  if (axis < 0)
    axis += nd;
  if (axis < 0 || axis >= nd)
    return FAIL(c, "axis %d is out of range for %d dims",
                c->op->opt.concat.axis, nd);
  memcpy(dims, t0->dims, sizeof dims);
  for (size_t k = 1; k < n; k++) {
    const ep__tfl_tensor *t = tensor(c, in_index(c, k));
    bool fits = t->ndims == nd;
    for (int i = 0; fits && i < nd; i++)
      fits = i == axis || t->dims[i] == t0->dims[i];
    if (!fits)
      return FAIL(c, "input %zu does not match the first along the other axes",
                  k);
    if (dims[axis] > (1 << 28) - t->dims[axis])
      return FAIL(c, "output is too large");
    dims[axis] += t->dims[axis];
  }
  c->out->p.concat.axis = axis;
  return activation(c, c->op->opt.concat.activation) && output(c, nd, dims) &&
         set_inputs(c, n);
}

static bool resize(opctx *c) {
  int size[2] = {0, 0};
  if (!data_input(c, 0, "input") || !is_4d(c, in_index(c, 0), "input") ||
      !int_const(c, 1, "size", 2, size))
    return false;
  const int *in = tensor(c, in_index(c, 0))->dims;
  if (in[1] < 1 || in[2] < 1)
    return FAIL(c, "input is empty");
  if (size[0] < 1 || size[1] < 1 || size[0] > (1 << 16) || size[1] > (1 << 16))
    return FAIL(c, "bad output size %dx%d", size[0], size[1]);
  c->out->p.resize.align_corners = c->op->opt.resize.align_corners;
  c->out->p.resize.half_pixel_centers = c->op->opt.resize.half_pixel_centers;
  if (c->out->p.resize.align_corners && c->out->p.resize.half_pixel_centers)
    return FAIL(c, "align_corners and half_pixel_centers are both set");
  int dims[4] = {in[0], size[0], size[1], in[3]};
  return activation(c, EP__TFL_ACT_NONE) && output(c, 4, dims) &&
         set_inputs(c, 1);
}

static bool fully_connected(opctx *c) {
  if (!data_input(c, 0, "input") || !const_input(c, 1, "weights"))
    return false;
  const ep__tfl_tensor *in = tensor(c, in_index(c, 0));
  const ep__tfl_tensor *w = tensor(c, in_index(c, 1));
  if (c->op->opt.fc.weights_format != 0)
    return FAIL(c, "shuffled weights are not supported");
  if (w->ndims != 2 || w->dims[1] < 1 || in->ndims < 1)
    return FAIL(c, "weights must be [outputs, inputs]");
  size_t count = ep__dims_count(in->ndims, in->dims);
  if (count % (size_t)w->dims[1])
    return FAIL(c, "input of %zu values is not a multiple of %d", count,
                w->dims[1]);
  int dims[EP_TENSOR_MAX_DIMS], nd = 2;
  if (c->op->opt.fc.keep_num_dims) {
    nd = in->ndims;
    memcpy(dims, in->dims, sizeof dims);
    dims[nd - 1] = w->dims[0];
  } else {
    dims[0] = (int)(count / (size_t)w->dims[1]);
    dims[1] = w->dims[0];
  }
  return bias(c, w->dims[0]) && activation(c, c->op->opt.fc.activation) &&
         output(c, nd, dims) && set_inputs(c, 3);
}

bool ep__build_op(ep__build *b, size_t index, ep__op_kind kind, ep__op *out) {
  opctx c = {b, &b->t->ops[index], index, out};
  memset(out, 0, sizeof *out);
  out->kind = kind;
  out->tflite_index = (int)index;
  switch (kind) {
  case EP__OP_CONV_2D:
    return conv(&c, false);
  case EP__OP_DEPTHWISE_CONV_2D:
    return conv(&c, true);
  case EP__OP_MAX_POOL_2D:
  case EP__OP_AVERAGE_POOL_2D:
    return pool(&c);
  case EP__OP_ADD:
  case EP__OP_MUL:
    return binary(&c);
  case EP__OP_RELU:
  case EP__OP_RELU6:
  case EP__OP_LOGISTIC:
    return unary(&c);
  case EP__OP_SOFTMAX:
    return softmax(&c);
  case EP__OP_PAD:
    return pad(&c);
  case EP__OP_RESHAPE:
    return reshape(&c);
  case EP__OP_CONCATENATION:
    return concat(&c);
  case EP__OP_RESIZE_BILINEAR:
    return resize(&c);
  case EP__OP_FULLY_CONNECTED:
    return fully_connected(&c);
  case EP__OP_KIND_COUNT:
    break;
  }
  return FAIL(&c, "unknown plan op");
}
