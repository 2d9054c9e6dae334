/* xnn_plan.c — splitting a plan into XNNPACK runs and C-kernel ops, and
 * laying concat inputs out in place (see xnn_plan.h). */
#include "xnn_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xnnpack.h>

#include "dwconv_avx2.h"
#include "edgepipe/error.h"
#include "gemm_avx2.h"

static bool ranks_fit(const ep__model *m, const ep__op *op) {
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i] >= 0 &&
        m->tensors[op->inputs[i]].ndims > XNN_MAX_TENSOR_DIMS)
      return false;
  return m->tensors[op->output].ndims <= XNN_MAX_TENSOR_DIMS;
}

static bool is4d(const ep__model *m, int t) {
  return t >= 0 && m->tensors[t].ndims == 4;
}

/* XNNPACK works out an op's output size itself and writes that much; it
 * does not check it against the output value's shape. So an op goes to
 * XNNPACK only when its size, from the plan's explicit padding, is the
 * plan's (ep__window_fits): a mismatch must not turn into a write past a
 * buffer. */
static bool spatial_fits(const ep__model *m, const ep__op *op,
                         const ep__pad2d *pad, int kh, int kw, int sh, int sw,
                         int dh, int dw) {
  const int *in = m->tensors[op->inputs[0]].dims;
  const int *out = m->tensors[op->output].dims;
  return in[0] == out[0] &&
         ep__window_fits(in[1], pad->top, pad->bottom, kh, sh, dh, out[1]) &&
         ep__window_fits(in[2], pad->left, pad->right, kw, sw, dw, out[2]);
}

static bool conv_supported(const ep__model *m, const ep__op *op) {
  const ep__conv_params *c = &op->p.conv;
  if (!is4d(m, op->inputs[0]) || !is4d(m, op->inputs[1]) ||
      !is4d(m, op->output))
    return false;
  const int *in = m->tensors[op->inputs[0]].dims;
  const int *f = m->tensors[op->inputs[1]].dims;
  const int *out = m->tensors[op->output].dims;
  if (f[1] != c->kernel_h || f[2] != c->kernel_w ||
      !spatial_fits(m, op, &c->pad, c->kernel_h, c->kernel_w, c->stride_h,
                    c->stride_w, c->dilation_h, c->dilation_w))
    return false;
  if (op->kind == EP__OP_DEPTHWISE_CONV_2D)
    return c->depth_multiplier >= 1 && f[0] == 1 &&
           f[3] == in[3] * c->depth_multiplier && out[3] == f[3];
  /* Grouped convolution: the filter's input depth divides the input's. */
  if (f[3] <= 0 || in[3] % f[3] != 0 || out[3] != f[0])
    return false;
  return f[0] % (in[3] / f[3]) == 0;
}

static bool pool_supported(const ep__model *m, const ep__op *op) {
  const ep__pool_params *p = &op->p.pool;
  if (!is4d(m, op->inputs[0]) || !is4d(m, op->output))
    return false;
  /* XNNPACK refuses 1x1 pooling ("meaningless"); TFLite allows it as a
   * strided subsample, so the C kernel takes it. */
  if (p->filter_h * p->filter_w <= 1)
    return false;
  return m->tensors[op->inputs[0]].dims[3] == m->tensors[op->output].dims[3] &&
         spatial_fits(m, op, &p->pad, p->filter_h, p->filter_w, p->stride_h,
                      p->stride_w, 1, 1);
}

static bool pad_supported(const ep__model *m, const ep__op *op) {
  const ep__mtensor *in = &m->tensors[op->inputs[0]];
  const ep__mtensor *out = &m->tensors[op->output];
  if (in->ndims != out->ndims)
    return false;
  for (int d = 0; d < in->ndims; d++)
    if (op->p.pad.before[d] < 0 || op->p.pad.after[d] < 0 ||
        in->dims[d] + op->p.pad.before[d] + op->p.pad.after[d] != out->dims[d])
      return false;
  return true;
}

/* XNNPACK keeps the input's leading dims, or flattens them to rows with
 * XNN_FLAG_TENSORFLOW_RESHAPE_2D; other output shapes do not map. */
static bool fc_supported(const ep__model *m, const ep__op *op) {
  const ep__mtensor *in = &m->tensors[op->inputs[0]];
  const ep__mtensor *w = &m->tensors[op->inputs[1]];
  const ep__mtensor *out = &m->tensors[op->output];
  if (w->ndims != 2 || in->ndims < 1 || out->ndims < 1 ||
      in->dims[in->ndims - 1] != w->dims[1] ||
      out->dims[out->ndims - 1] != w->dims[0] ||
      in->count / (size_t)w->dims[1] != out->count / (size_t)w->dims[0])
    return false;
  if (out->ndims == 2)
    return true;
  if (out->ndims != in->ndims)
    return false;
  for (int d = 0; d + 1 < in->ndims; d++)
    if (in->dims[d] != out->dims[d])
      return false;
  return true;
}

static bool resize_supported(const ep__model *m, const ep__op *op) {
  if (!is4d(m, op->inputs[0]) || !is4d(m, op->output))
    return false;
  const int *in = m->tensors[op->inputs[0]].dims;
  const int *out = m->tensors[op->output].dims;
  /* The two TF modes map to exclusive flags; both at once is not TF. */
  return in[0] == out[0] && in[3] == out[3] &&
         !(op->p.resize.align_corners && op->p.resize.half_pixel_centers);
}

/* The output is the NumPy broadcast of the operands (aligned at the end). */
static bool broadcast_fits(const ep__model *m, const ep__op *op) {
  const ep__mtensor *a = &m->tensors[op->inputs[0]];
  const ep__mtensor *b = &m->tensors[op->inputs[1]];
  const ep__mtensor *out = &m->tensors[op->output];
  if (out->ndims != (a->ndims > b->ndims ? a->ndims : b->ndims))
    return false;
  for (int d = 0; d < out->ndims; d++) {
    int ia = d - (out->ndims - a->ndims), ib = d - (out->ndims - b->ndims);
    int da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if ((da != db && da != 1 && db != 1) || out->dims[d] != (da == 1 ? db : da))
      return false;
  }
  return true;
}

bool ep__xnn_op_supported(const ep__model *m, const ep__op *op) {
  if (!ranks_fit(m, op))
    return false;
  switch (op->kind) {
  case EP__OP_CONV_2D:
  case EP__OP_DEPTHWISE_CONV_2D:
    return conv_supported(m, op);
  case EP__OP_MAX_POOL_2D:
  case EP__OP_AVERAGE_POOL_2D:
    return pool_supported(m, op);
  case EP__OP_PAD:
    return pad_supported(m, op);
  case EP__OP_RESIZE_BILINEAR:
    return resize_supported(m, op);
  case EP__OP_SOFTMAX:
    /* XNNPACK's softmax has no beta. */
    return op->p.softmax.beta == 1.0f && m->tensors[op->output].ndims >= 1;
  case EP__OP_FULLY_CONNECTED:
    return fc_supported(m, op);
  case EP__OP_ADD:
  case EP__OP_MUL:
    return broadcast_fits(m, op);
  case EP__OP_RELU:
  case EP__OP_RELU6:
  case EP__OP_RESHAPE:
  case EP__OP_LOGISTIC:
    return m->tensors[op->inputs[0]].count == m->tensors[op->output].count;
  case EP__OP_CONCATENATION: /* no concatenate node in this XNNPACK */
  default:
    return false;
  }
}

void ep__xnn_plan_free(ep__xnn_plan *p) {
  if (!p)
    return;
  free(p->order);
  free(p->on_xnn);
  free(p->seg_of);
  free(p->segs);
  free(p->materialized);
  free(p->alias_of);
  free(p->alias_off);
  free(p->fuse);
  free(p->first_seg);
  free(p->last_seg);
  free(p->arena_off);
  free(p);
}

static ep__xnn_plan *plan_alloc(const ep__model *m) {
  ep__xnn_plan *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  size_t no = m->n_ops ? m->n_ops : 1, nt = m->n_tensors ? m->n_tensors : 1;
  p->n_ops = m->n_ops;
  p->n_tensors = m->n_tensors;
  p->order = calloc(no, sizeof *p->order);
  p->on_xnn = calloc(no, sizeof *p->on_xnn);
  p->seg_of = calloc(no, sizeof *p->seg_of);
  p->segs = calloc(no, sizeof *p->segs);
  p->materialized = calloc(nt, sizeof *p->materialized);
  p->alias_of = malloc(nt * sizeof *p->alias_of);
  p->alias_off = calloc(nt, sizeof *p->alias_off);
  p->fuse = calloc(no, sizeof *p->fuse);
  if (!p->order || !p->on_xnn || !p->seg_of || !p->segs || !p->materialized ||
      !p->alias_of || !p->alias_off || !p->fuse) {
    ep__xnn_plan_free(p);
    return NULL;
  }
  for (size_t t = 0; t < nt; t++)
    p->alias_of[t] = -1;
  for (size_t i = 0; i < no; i++)
    p->fuse[i] =
        (ep__xnn_fusion){-1, false, false, -1, -1, -1, -INFINITY, INFINITY};
  return p;
}

static bool tensor_ready(const ep__model *m, int t, const bool *done) {
  return t < 0 || m->tensors[t].producer < 0 || done[m->tensors[t].producer];
}

/* An op is ready once every op producing one of its inputs (or its
 * residual, or an input of the depthwise conv it absorbed in place of
 * its own first input) is done. */
static bool op_ready(const ep__model *m, const ep__xnn_plan *p, size_t i,
                     const bool *done) {
  const ep__op *op = &m->ops[i];
  int pre = p->fuse[i].pre;
  for (int k = pre >= 0 ? 1 : 0; k < op->n_inputs; k++)
    if (!tensor_ready(m, op->inputs[k], done))
      return false;
  if (pre >= 0)
    for (int k = 0; k < m->ops[pre].n_inputs; k++)
      if (!tensor_ready(m, m->ops[pre].inputs[k], done))
        return false;
  return tensor_ready(m, p->fuse[i].res, done);
}

/* The first ready, unscheduled op that runs (want_xnn) on XNNPACK or not,
 * in the model's order; -1 if none. Absorbed ops are not scheduled on
 * their own. */
static int next_ready(const ep__model *m, const ep__xnn_plan *p,
                      const bool *done, bool want_xnn) {
  for (size_t i = 0; i < m->n_ops; i++)
    if (!done[i] && p->fuse[i].owner < 0 && p->on_xnn[i] == want_xnn &&
        op_ready(m, p, i, done))
      return (int)i;
  return -1;
}

/* List scheduling: drain every ready XNNPACK op before taking one C op, so
 * C ops split the XNNPACK work as rarely as the dependencies allow. */
static int schedule(const ep__model *m, ep__xnn_plan *p) {
  bool *done = calloc(m->n_ops ? m->n_ops : 1, sizeof *done);
  if (!done)
    return EP_ENOMEM;
  for (size_t n = 0; n < m->n_ops;) {
    int i = next_ready(m, p, done, true);
    if (i < 0)
      i = next_ready(m, p, done, false);
    if (i < 0) { /* the loader keeps plans acyclic; fall back to its order */
      for (size_t k = 0; k < m->n_ops; k++)
        p->order[k] = (int)k;
      break;
    }
    p->order[n++] = i;
    done[i] = true;
    /* The ops a GEMM conv absorbed are done with it, right after it. */
    for (size_t j = 0; j < m->n_ops; j++)
      if (p->fuse[j].owner == i) {
        p->order[n++] = (int)j;
        done[j] = true;
      }
  }
  free(done);
  return 0;
}

static void make_segments(const ep__model *m, ep__xnn_plan *p) {
  p->n_segs = 0;
  for (size_t n = 0; n < m->n_ops; n++) {
    int i = p->order[n];
    if (p->fuse[i].owner >= 0) { /* follows its owner, a C op */
      p->seg_of[i] = p->seg_of[p->fuse[i].owner];
      continue;
    }
    bool x = p->on_xnn[i];
    ep__xnn_seg *last = p->n_segs ? &p->segs[p->n_segs - 1] : NULL;
    if (x && last && last->kind == EP__XNN_SEG_XNNPACK) {
      last->count++;
    } else {
      p->segs[p->n_segs++] =
          (ep__xnn_seg){x ? EP__XNN_SEG_XNNPACK : EP__XNN_SEG_C, n, 1};
    }
    p->seg_of[i] = (int)p->n_segs - 1;
  }
}

static bool is_model_io(const int *v, size_t n, int t) {
  for (size_t i = 0; i < n; i++)
    if (v[i] == t)
      return true;
  return false;
}

/* A tensor needs its own buffer when it is a model input or output, or
 * when an op in another segment (or a C op) reads it. Absorbed ops read
 * and write nothing; their owner writes its fused output and reads its
 * residual. */
static void mark_materialized(const ep__model *m, ep__xnn_plan *p) {
  for (size_t i = 0; i < m->n_inputs; i++)
    p->materialized[m->inputs[i]] = true;
  for (size_t i = 0; i < m->n_outputs; i++)
    if (!m->tensors[m->outputs[i]].data)
      p->materialized[m->outputs[i]] = true;
  for (size_t i = 0; i < m->n_ops; i++) {
    const ep__op *op = &m->ops[i];
    const ep__xnn_fusion *f = &p->fuse[i];
    if (f->owner >= 0)
      continue;
    if (f->gemm && f->res >= 0 && !m->tensors[f->res].data)
      p->materialized[f->res] = true;
    if (!p->on_xnn[i])
      p->materialized[f->gemm ? f->out : op->output] = true;
    if (f->pre >= 0) /* what the absorbed depthwise conv reads */
      p->materialized[m->ops[f->pre].inputs[0]] = true;
    for (int k = f->pre >= 0 ? 1 : 0; k < op->n_inputs; k++) {
      int t = op->inputs[k];
      if (t < 0 || m->tensors[t].data)
        continue;
      int prod = m->tensors[t].producer;
      if (!p->on_xnn[i] || prod < 0 || p->seg_of[prod] != p->seg_of[i])
        p->materialized[t] = true;
    }
  }
}

static size_t outer_count(const ep__mtensor *t, int axis) {
  size_t n = 1;
  for (int d = 0; d < axis; d++)
    n *= (size_t)t->dims[d];
  return n;
}

/* Whether input k of a slab concat may live in the output's buffer: an
 * op's result (not a model input/output or constant), used once here, not
 * already placed in another concat. */
static bool can_alias(const ep__model *m, const ep__xnn_plan *p,
                      const ep__op *op, int k) {
  int t = op->inputs[k];
  if (t < 0 || m->tensors[t].producer < 0 || m->tensors[t].data)
    return false;
  if (p->alias_of[t] >= 0 || is_model_io(m->outputs, m->n_outputs, t) ||
      is_model_io(m->inputs, m->n_inputs, t))
    return false;
  for (int j = 0; j < op->n_inputs; j++)
    if (j != k && op->inputs[j] == t)
      return false;
  return true;
}

static void alias_concat(const ep__model *m, ep__xnn_plan *p,
                         const ep__op *op) {
  const ep__mtensor *out = &m->tensors[op->output];
  if (op->act != EP__ACT_NONE || outer_count(out, op->p.concat.axis) != 1)
    return;
  size_t off = 0;
  for (int k = 0; k < op->n_inputs; k++) {
    int t = op->inputs[k];
    if (can_alias(m, p, op, k)) {
      p->alias_of[t] = op->output;
      p->alias_off[t] = off;
    }
    off += m->tensors[t].count;
  }
}

bool ep__xnn_plan_concat_elided(const ep__xnn_plan *p, const ep__op *op) {
  for (int k = 0; k < op->n_inputs; k++)
    if (p->alias_of[op->inputs[k]] != op->output)
      return false;
  return true;
}

/* ---- fusing an ADD, a channel PAD and a RELU into a GEMM conv ---------- */

/* The one op reading t, or -1 if none, several, or t is a model output. */
static int sole_reader(const ep__model *m, int t) {
  if (is_model_io(m->outputs, m->n_outputs, t))
    return -1;
  int reader = -1;
  for (size_t i = 0; i < m->n_ops; i++)
    for (int k = 0; k < m->ops[i].n_inputs; k++)
      if (m->ops[i].inputs[k] == t) {
        if (reader >= 0)
          return -1;
        reader = (int)i;
      }
  return reader;
}

static bool same_shape(const ep__mtensor *a, const ep__mtensor *b) {
  return ep__dims_equal(a->ndims, a->dims, b->ndims, b->dims);
}

/* A PAD (read only by `reader`) that appends zero channels to a computed
 * 4-D tensor and pads nothing else. */
static bool channel_pad(const ep__model *m, int op_i, int reader) {
  if (op_i < 0 || m->ops[op_i].kind != EP__OP_PAD)
    return false;
  const ep__op *op = &m->ops[op_i];
  const ep__mtensor *in = &m->tensors[op->inputs[0]];
  if (in->ndims != 4 || in->data || sole_reader(m, op->output) != reader)
    return false;
  for (int d = 0; d < 4; d++)
    if (op->p.pad.before[d] != 0 || (d < 3 && op->p.pad.after[d] != 0))
      return false;
  return op->p.pad.after[3] >= 0 && m->tensors[op->output].ndims == 4;
}

/* Absorbs into GEMM conv c an ADD reading its result t (no broadcast,
 * other operand computed); returns the ADD's output, or t. */
static int fuse_add(const ep__model *m, ep__xnn_plan *p, int c, int t) {
  ep__xnn_fusion *f = &p->fuse[c];
  int a = sole_reader(m, t);
  if (a < 0 || m->ops[a].kind != EP__OP_ADD || m->ops[a].n_inputs != 2 ||
      m->ops[c].act != EP__ACT_NONE)
    return t;
  const ep__op *add = &m->ops[a];
  int r = add->inputs[0] == t ? add->inputs[1] : add->inputs[0];
  if (r == t || r < 0 || m->tensors[r].data ||
      !same_shape(&m->tensors[r], &m->tensors[t]) ||
      !same_shape(&m->tensors[add->output], &m->tensors[t]))
    return t;
  int pad = m->tensors[r].producer;
  if (channel_pad(m, pad, a)) {
    p->fuse[pad].owner = c;
    r = m->ops[pad].inputs[0];
  }
  p->fuse[a].owner = c;
  f->res = r;
  f->lo = add->act_min;
  f->hi = add->act_max;
  return add->output;
}

/* Absorbs a RELU or RELU6 reading t when the conv's clamp is still open;
 * returns its output, or t. */
static int fuse_relu(const ep__model *m, ep__xnn_plan *p, int c, int t) {
  ep__xnn_fusion *f = &p->fuse[c];
  int u = sole_reader(m, t);
  if (u < 0 || f->lo != -INFINITY || f->hi != INFINITY ||
      (m->ops[u].kind != EP__OP_RELU && m->ops[u].kind != EP__OP_RELU6) ||
      !same_shape(&m->tensors[m->ops[u].output], &m->tensors[t]))
    return t;
  p->fuse[u].owner = c;
  f->lo = 0.0f;
  f->hi = m->ops[u].kind == EP__OP_RELU6 ? 6.0f : INFINITY;
  return m->ops[u].output;
}

/* Absorbs the depthwise conv (on our kernel) producing the input of
 * pointwise GEMM conv c, if c is its only reader. */
static void fuse_pre_dw(const ep__model *m, ep__xnn_plan *p, int c) {
  int t = m->ops[c].inputs[0];
  int d = m->tensors[t].producer;
  if (d < 0 || !p->fuse[d].dw || p->fuse[d].owner >= 0 ||
      !ep__gemm_pointwise_eligible(m, &m->ops[c]) || sole_reader(m, t) != c)
    return;
  p->fuse[d].owner = c;
  p->fuse[c].pre = d;
}

/* Every C op the GEMM can run gets its fusions, in model order. */
static void fuse_gemm_convs(const ep__model *m, ep__xnn_plan *p) {
  for (size_t i = 0; i < m->n_ops; i++) {
    ep__xnn_fusion *f = &p->fuse[i];
    if (f->owner >= 0 || !ep__gemm_conv_eligible(m, &m->ops[i]))
      continue;
    f->gemm = true;
    f->lo = m->ops[i].act_min;
    f->hi = m->ops[i].act_max;
    int t = fuse_add(m, p, (int)i, m->ops[i].output);
    f->out = fuse_relu(m, p, (int)i, t);
    fuse_pre_dw(m, p, (int)i);
  }
  for (size_t i = 0; i < m->n_ops; i++)
    if (p->fuse[i].owner >= 0)
      p->on_xnn[i] = false;
}

int ep__xnn_plan_build(const ep__model *m, bool own_kernels,
                       ep__xnn_plan **out) {
  ep__xnn_plan *p = plan_alloc(m);
  if (!p)
    return EP_ENOMEM;
  /* Convs go to our own AVX2 kernels when the CPU has it (faster than this
   * XNNPACK build's: its GEMMs spill an accumulator); everything else
   * XNNPACK can run goes there. */
  for (size_t i = 0; i < m->n_ops; i++) {
    const ep__op *op = &m->ops[i];
    p->fuse[i].dw = own_kernels && ep__dwconv_eligible(m, op);
    p->on_xnn[i] = op->kind != EP__OP_CONCATENATION && !p->fuse[i].dw &&
                   !(own_kernels && ep__gemm_conv_eligible(m, op)) &&
                   ep__xnn_op_supported(m, op);
  }
  if (own_kernels)
    fuse_gemm_convs(m, p);
  int rc = schedule(m, p);
  if (rc < 0) {
    ep__xnn_plan_free(p);
    return rc;
  }
  make_segments(m, p);
  mark_materialized(m, p);
  for (size_t i = 0; i < m->n_ops; i++)
    if (m->ops[i].kind == EP__OP_CONCATENATION)
      alias_concat(m, p, &m->ops[i]);
  if ((rc = ep__xnn_plan_arena(m, p)) < 0) {
    ep__xnn_plan_free(p);
    return rc;
  }
  *out = p;
  return 0;
}
