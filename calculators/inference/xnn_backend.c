/* xnn_backend.c — the XNNPACK backend (ep__backend_xnnpack).
 *
 * prepare splits the plan into segments (xnn_plan.h): each run of ops
 * XNNPACK supports becomes one subgraph, made into a runtime and set up
 * once against buffers this backend owns; each other op runs on a C
 * kernel between them. On a CPU with AVX2+FMA the convolutions are such
 * C ops too, on our own kernels (gemm_avx2.h, dwconv_avx2.h), with the
 * ops that finish a block fused into them: the Debian XNNPACK build's
 * f32 GEMMs spill an accumulator, and ours halve the face models' time.
 * EDGEPIPE_NO_GEMM=1 leaves them to XNNPACK.
 *
 * run copies the inputs in (or reads them in place when only C ops
 * read them), invokes the segments in order and copies the outputs out.
 * Owning every external buffer lets the runtimes be set up once
 * (xnn_setup_runtime is per-operator work, dearer than the copies) and
 * gives XNNPACK the XNN_EXTRA_BYTES of slack it may read past an input's
 * end, which a caller's tensor need not have. */
#include <math.h>
#include <pthreadpool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xnnpack.h>

#include "backend.h"
#include "dwconv_avx2.h"
#include "edgepipe/error.h"
#include "gemm_avx2.h"
#include "ref_kernels.h"
#include "xnn_nodes.h"
#include "xnn_plan.h"

typedef struct xnn_state {
  const ep__model *m;
  ep__xnn_plan *plan;
  pthreadpool_t pool; /* NULL: run on the caller's thread */
  float **loc;        /* per tensor: where its values live, or NULL */
  float **owned;      /* per constant: a padded copy made here, or NULL */
  float *arena;       /* every activation buffer (xnn_arena.c) */
  float **zero_bias;  /* per op: zeros standing for an absent bias */
  float **packed;     /* per op: weights packed for our AVX2 kernels */
  float *scratch;     /* per thread: rows a GEMM conv gathers (im2col) */
  size_t scratch_per; /* floats of scratch per thread */
  size_t n_threads;   /* the pool's, or 1 */
  xnn_runtime_t *rts; /* per segment; NULL for C segments */
  bool *in_place;     /* per model input: read from the caller's buffer */
} xnn_state;

static void set_msgf(char **msg, const char *fmt, ...) {
  if (!msg)
    return;
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *str = len >= 0 ? malloc((size_t)len + 1) : NULL;
  if (str) {
    va_start(ap, fmt);
    vsnprintf(str, (size_t)len + 1, fmt, ap);
    va_end(ap);
  }
  free(*msg);
  *msg = str;
}

static const char *status_name(enum xnn_status s) {
  switch (s) {
  case xnn_status_uninitialized:
    return "XNNPACK is not initialized";
  case xnn_status_invalid_parameter:
    return "invalid parameter";
  case xnn_status_invalid_state:
    return "invalid state";
  case xnn_status_unsupported_parameter:
    return "unsupported parameter";
  case xnn_status_unsupported_hardware:
    return "unsupported hardware";
  case xnn_status_out_of_memory:
    return "out of memory";
  default:
    return "unknown status";
  }
}

static int status_err(enum xnn_status s) {
  return s == xnn_status_out_of_memory ? EP_ENOMEM : EP_EUNSUPPORTED;
}

static void state_free(void *p) {
  xnn_state *s = p;
  if (!s)
    return;
  if (s->rts)
    for (size_t i = 0; i < s->plan->n_segs; i++)
      if (s->rts[i])
        xnn_delete_runtime(s->rts[i]);
  if (s->owned)
    for (size_t t = 0; t < s->m->n_tensors; t++)
      free(s->owned[t]);
  if (s->zero_bias)
    for (size_t i = 0; i < s->m->n_ops; i++)
      free(s->zero_bias[i]);
  if (s->packed)
    for (size_t i = 0; i < s->m->n_ops; i++)
      free(s->packed[i]);
  if (s->pool)
    pthreadpool_destroy(s->pool);
  free(s->rts);
  free(s->owned);
  free(s->zero_bias);
  free(s->packed);
  free(s->scratch);
  free(s->arena);
  free(s->in_place);
  free(s->loc);
  ep__xnn_plan_free(s->plan);
  free(s);
}

/* 64-byte aligned, with XNNPACK's read slack past the end. */
static float *alloc_floats(size_t n) {
  size_t bytes = n * sizeof(float) + XNN_EXTRA_BYTES;
  bytes = (bytes + EP_TENSOR_ALIGN - 1) / EP_TENSOR_ALIGN * EP_TENSOR_ALIGN;
  float *p = aligned_alloc(EP_TENSOR_ALIGN, bytes);
  if (p)
    memset(p, 0, bytes);
  return p;
}

static float *resolve(xnn_state *s, int t) {
  if (s->loc[t])
    return s->loc[t];
  int a = s->plan->alias_of[t];
  if (a >= 0) {
    float *base = resolve(s, a);
    if (base)
      s->loc[t] = base + s->plan->alias_off[t];
  }
  return s->loc[t];
}

/* Weights and biases are packed into XNNPACK's own memory when a runtime
 * is made; any other constant (an ADD or MUL operand) is read in place at
 * run time, so it gets a copy with XNN_EXTRA_BYTES of slack. */
static bool pad_constant(xnn_state *s, const ep__op *op, int k) {
  int t = op->inputs[k];
  bool packed = k > 0 && (op->kind == EP__OP_CONV_2D ||
                          op->kind == EP__OP_DEPTHWISE_CONV_2D ||
                          op->kind == EP__OP_FULLY_CONNECTED);
  if (t < 0 || !s->m->tensors[t].data || packed || s->owned[t])
    return true;
  size_t n = s->m->tensors[t].count;
  if (!(s->owned[t] = alloc_floats(n)))
    return false;
  memcpy(s->owned[t], s->m->tensors[t].data, n * sizeof(float));
  return true;
}

/* The buffer of a materialized tensor that is not an alias: its place
 * in the arena. */
static float *home_of(const xnn_state *s, int t) {
  size_t off = s->plan->arena_off[t];
  return off == SIZE_MAX ? NULL : s->arena + off / sizeof(float);
}

/* Materialized tensors not living inside a concat output get their place
 * in the arena; aliased ones point into their concat's buffer; constants
 * at their data. */
static int place_tensors(xnn_state *s) {
  const ep__model *m = s->m;
  if (!(s->arena = alloc_floats(s->plan->arena_bytes / sizeof(float) + 1)))
    return EP_ENOMEM;
  for (size_t t = 0; t < m->n_tensors; t++) {
    if (m->tensors[t].data)
      s->loc[t] = (float *)m->tensors[t].data; /* read only, never written */
    else if (s->plan->materialized[t] && s->plan->alias_of[t] < 0)
      s->loc[t] = home_of(s, (int)t);
  }
  for (size_t t = 0; t < m->n_tensors; t++)
    if (s->plan->materialized[t])
      resolve(s, (int)t);
  for (size_t i = 0; i < m->n_ops; i++)
    for (int k = 0; k < m->ops[i].n_inputs; k++)
      if (!pad_constant(s, &m->ops[i], k))
        return EP_ENOMEM;
  return 0;
}

static const char *model_name(const ep__model *m) {
  return m->name && m->name[0] ? m->name : "model";
}

/* What one subgraph being built needs: its value ids per tensor and the
 * external values (tensor buffers) its runtime will be set up with. */
typedef struct seg_build {
  xnn_subgraph_t sg;
  int seg;
  uint32_t *ids; /* per tensor, XNN_INVALID_VALUE_ID until defined */
  size_t n_ext;
  struct xnn_external_value *ext;
} seg_build;

static enum xnn_status define_value(xnn_state *s, seg_build *b, int t,
                                    const float *data, uint32_t flags) {
  const ep__mtensor *mt = &s->m->tensors[t];
  size_t dims[EP_TENSOR_MAX_DIMS];
  for (int d = 0; d < mt->ndims; d++)
    dims[d] = (size_t)mt->dims[d];
  enum xnn_status st =
      xnn_define_tensor_value(b->sg, xnn_datatype_fp32, (size_t)mt->ndims, dims,
                              data, (uint32_t)t, flags, &b->ids[t]);
  if (st == xnn_status_success && flags)
    b->ext[b->n_ext++] = (struct xnn_external_value){(uint32_t)t, s->loc[t]};
  return st;
}

/* An input is a constant, a value an earlier node of this subgraph made,
 * or an external input (a model input or another segment's result). */
static enum xnn_status define_input(xnn_state *s, seg_build *b,
                                    const ep__op *op, int k) {
  int t = op->inputs[k];
  if (t < 0 || b->ids[t] != XNN_INVALID_VALUE_ID)
    return xnn_status_success;
  if (!s->m->tensors[t].data)
    return define_value(s, b, t, NULL, XNN_VALUE_FLAG_EXTERNAL_INPUT);
  const float *data = s->owned[t] ? s->owned[t] : s->m->tensors[t].data;
  return define_value(s, b, t, data, 0);
}

static bool has_bias(const ep__op *op) {
  return op->kind == EP__OP_CONV_2D || op->kind == EP__OP_DEPTHWISE_CONV_2D ||
         op->kind == EP__OP_FULLY_CONNECTED;
}

/* XNNPACK's convolution wants a bias; zeros stand in when the model has
 * none (kept until the state is freed: runtimes may point at them). */
static enum xnn_status bias_value(xnn_state *s, seg_build *b, int op_i,
                                  uint32_t *id) {
  const ep__op *op = &s->m->ops[op_i];
  *id = XNN_INVALID_VALUE_ID;
  if (!has_bias(op))
    return xnn_status_success;
  if (op->n_inputs > 2 && op->inputs[2] >= 0) {
    *id = b->ids[op->inputs[2]];
    return xnn_status_success;
  }
  const ep__mtensor *out = &s->m->tensors[op->output];
  size_t n = (size_t)out->dims[out->ndims - 1];
  if (!s->zero_bias[op_i] && !(s->zero_bias[op_i] = alloc_floats(n)))
    return xnn_status_out_of_memory;
  return xnn_define_tensor_value(b->sg, xnn_datatype_fp32, 1, &n,
                                 s->zero_bias[op_i], XNN_INVALID_VALUE_ID, 0,
                                 id);
}

static int define_node(xnn_state *s, seg_build *b, int op_i, char **msg) {
  const ep__op *op = &s->m->ops[op_i];
  enum xnn_status st = xnn_status_success;
  for (int k = 0; k < op->n_inputs && st == xnn_status_success; k++)
    st = define_input(s, b, op, k);
  uint32_t out_flags =
      s->plan->materialized[op->output] ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : 0;
  if (st == xnn_status_success)
    st = define_value(s, b, op->output, NULL, out_flags);
  uint32_t bias = XNN_INVALID_VALUE_ID;
  if (st == xnn_status_success)
    st = bias_value(s, b, op_i, &bias);
  if (st == xnn_status_success)
    st = ep__xnn_define_op(b->sg, s->m, op, b->ids, bias);
  if (st != xnn_status_success) {
    set_msgf(msg, "%s: op %d (%s): XNNPACK refused it: %s", model_name(s->m),
             op->tflite_index, ep__op_kind_name(op->kind), status_name(st));
    return status_err(st);
  }
  return 0;
}

static int define_segment(xnn_state *s, seg_build *b, char **msg) {
  const ep__xnn_seg *seg = &s->plan->segs[b->seg];
  for (size_t t = 0; t < s->m->n_tensors; t++)
    b->ids[t] = XNN_INVALID_VALUE_ID;
  b->n_ext = 0;
  for (size_t n = seg->first; n < seg->first + seg->count; n++) {
    int rc = define_node(s, b, s->plan->order[n], msg);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int make_runtime(xnn_state *s, seg_build *b, char **msg) {
  const ep__xnn_seg *seg = &s->plan->segs[b->seg];
  xnn_runtime_t rt = NULL;
  enum xnn_status st =
      xnn_create_subgraph((uint32_t)s->m->n_tensors, 0, &b->sg);
  int rc =
      st == xnn_status_success ? define_segment(s, b, msg) : status_err(st);
  if (rc == 0) {
    /* Workers sleep once a run ends instead of spinning: in a graph, other
     * nodes need the cores between inferences. */
    uint32_t flags = s->pool ? XNN_FLAG_YIELD_WORKERS : 0;
    st = xnn_create_runtime_v2(b->sg, s->pool, flags, &rt);
    if (st == xnn_status_success)
      st = xnn_setup_runtime(rt, b->n_ext, b->ext);
    if (st != xnn_status_success) {
      const ep__op *first = &s->m->ops[s->plan->order[seg->first]];
      set_msgf(msg,
               "%s: XNNPACK could not build the runtime for %zu ops "
               "from op %d (%s): %s",
               model_name(s->m), seg->count, first->tflite_index,
               ep__op_kind_name(first->kind), status_name(st));
      rc = status_err(st);
    }
  } else if (st != xnn_status_success) {
    set_msgf(msg, "%s: XNNPACK: cannot create a subgraph: %s", model_name(s->m),
             status_name(st));
  }
  if (b->sg)
    xnn_delete_subgraph(b->sg);
  b->sg = NULL;
  if (rc < 0 && rt)
    xnn_delete_runtime(rt);
  else
    s->rts[b->seg] = rt;
  return rc;
}

static int make_runtimes(xnn_state *s, char **msg) {
  size_t nt = s->m->n_tensors ? s->m->n_tensors : 1;
  seg_build b = {0};
  b.ids = malloc(nt * sizeof *b.ids);
  b.ext = malloc(nt * sizeof *b.ext);
  int rc = b.ids && b.ext ? 0 : EP_ENOMEM;
  for (size_t i = 0; rc == 0 && i < s->plan->n_segs; i++) {
    if (s->plan->segs[i].kind != EP__XNN_SEG_XNNPACK)
      continue;
    b.seg = (int)i;
    rc = make_runtime(s, &b, msg);
  }
  free(b.ids);
  free(b.ext);
  return rc;
}

/* Concat on the C side: copies the inputs that do not already live in the
 * output (see xnn_plan.h), then applies the fused activation. */
static void run_concat(xnn_state *s, const ep__op *op) {
  const ep__mtensor *out = &s->m->tensors[op->output];
  size_t outer = 1;
  for (int d = 0; d < op->p.concat.axis; d++)
    outer *= (size_t)out->dims[d];
  if (outer == 0 || out->count == 0)
    return;
  float *dst = s->loc[op->output];
  size_t out_inner = out->count / outer, off = 0;
  for (int k = 0; k < op->n_inputs; k++) {
    int t = op->inputs[k];
    size_t inner = s->m->tensors[t].count / outer;
    if (s->plan->alias_of[t] != op->output)
      for (size_t o = 0; o < outer; o++)
        memcpy(dst + o * out_inner + off, s->loc[t] + o * inner,
               inner * sizeof(float));
    off += inner;
  }
  if (op->act != EP__ACT_NONE)
    for (size_t i = 0; i < out->count; i++)
      dst[i] = fminf(fmaxf(dst[i], op->act_min), op->act_max);
}

/* Rows of ow pixels a fused depthwise + pointwise conv does per step: at
 * least one chunk of pixels, so few GEMM row blocks are partial (8-pixel
 * rows one at a time would waste a third of the 6-row kernel). */
static size_t dw_rows_per_step(size_t ow) {
  return ow >= EP__GEMM_CHUNK ? 1 : (EP__GEMM_CHUNK + ow - 1) / ow;
}

/* Packs the weights of every conv the plan puts on the AVX2 GEMM, and
 * sizes the per-thread scratch of those that gather their rows. */
static int pack_gemms(xnn_state *s) {
  const ep__model *m = s->m;
  size_t most = 0;
  for (size_t i = 0; i < m->n_ops; i++) {
    const ep__op *op = &m->ops[i];
    if (!s->plan->fuse[i].gemm && !s->plan->fuse[i].dw)
      continue;
    const ep__mtensor *f = &m->tensors[op->inputs[1]];
    const float *bias = op->n_inputs > 2 && op->inputs[2] >= 0
                            ? m->tensors[op->inputs[2]].data
                            : NULL;
    if (s->plan->fuse[i].dw) {
      if (!(s->packed[i] = ep__dwconv_pack(f->data, bias, (size_t)f->dims[3])))
        return EP_ENOMEM;
      continue;
    }
    size_t k = f->count / (size_t)f->dims[0];
    s->packed[i] = ep__gemm_pack(f->data, bias, (size_t)f->dims[0], k);
    if (!s->packed[i])
      return EP_ENOMEM;
    if (!ep__gemm_pointwise_eligible(m, op) && k > most)
      most = k;
    /* A fused depthwise conv's rows: dw_rows_per_step x ow x c floats. */
    int pre = s->plan->fuse[i].pre;
    if (pre >= 0) {
      const int *d = m->tensors[m->ops[pre].output].dims;
      size_t rows = dw_rows_per_step((size_t)d[2]) * (size_t)d[2] * d[3];
      if (rows > most * EP__GEMM_CHUNK)
        most = (rows + EP__GEMM_CHUNK - 1) / EP__GEMM_CHUNK;
    }
  }
  s->scratch_per = most * EP__GEMM_CHUNK;
  if (most && !(s->scratch = alloc_floats(s->scratch_per * s->n_threads)))
    return EP_ENOMEM;
  return 0;
}

/* One GEMM conv for the thread pool: its output pixels cut into one
 * slice per thread, each with its own scratch. */
typedef struct gemm_job {
  ep__gemm_conv g;
  ep__gemm_epilogue e;
  const float *in, *packed;
  float *out, *scratch;
  size_t scratch_per, pixels, slices;
} gemm_job;

static void gemm_slice(void *ctx, size_t t) {
  const gemm_job *j = ctx;
  /* Slices are whole chunks, so every thread's rows start a 6-row block. */
  size_t chunks = (j->pixels + EP__GEMM_CHUNK - 1) / EP__GEMM_CHUNK;
  size_t c0 = chunks * t / j->slices, c1 = chunks * (t + 1) / j->slices;
  size_t p0 = c0 * EP__GEMM_CHUNK, p1 = c1 * EP__GEMM_CHUNK;
  ep__gemm_conv_rows(&j->g, j->in, j->packed, &j->e, j->out, p0,
                     p1 < j->pixels ? p1 : j->pixels,
                     j->scratch ? j->scratch + t * j->scratch_per : NULL);
}

/* A pointwise conv that absorbed the depthwise conv computing its input:
 * each output row's input row is made into this thread's scratch and
 * multiplied while it is in L1. Rows are cut into one slice per thread. */
typedef struct dw_gemm_job {
  ep__dwconv dw;
  const float *dw_in, *dw_packed;
  gemm_job gemm;
  size_t rows;
} dw_gemm_job;

static void dw_gemm_slice(void *ctx, size_t t) {
  const dw_gemm_job *j = ctx;
  const gemm_job *g = &j->gemm;
  size_t r0 = j->rows * t / g->slices, r1 = j->rows * (t + 1) / g->slices;
  size_t ow = (size_t)j->dw.ow, k = (size_t)j->dw.c, n = (size_t)g->g.n;
  size_t step = dw_rows_per_step(ow);
  float *rows = g->scratch + t * g->scratch_per;
  for (size_t r = r0; r < r1; r += step) {
    size_t nr = r1 - r < step ? r1 - r : step;
    for (size_t i = 0; i < nr; i++)
      ep__dwconv_row(&j->dw, j->dw_in, j->dw_packed, r + i, rows + i * ow * k);
    ep__gemm_epilogue e = g->e;
    if (e.res)
      e.res += r * ow * e.res_c;
    ep__gemm_run(rows, nr * ow, k, g->packed, n, &e, g->out + r * ow * n);
  }
}

static void run_dw_gemm(xnn_state *s, size_t op_i, gemm_job *g) {
  int pre = s->plan->fuse[op_i].pre;
  const ep__op *dw = &s->m->ops[pre];
  dw_gemm_job j = {ep__dwconv_of(s->m, dw), s->loc[dw->inputs[0]],
                   s->packed[pre], *g, 0};
  j.rows = g->pixels / (size_t)j.dw.ow;
  if (s->pool && j.rows > 1) {
    pthreadpool_parallelize_1d(s->pool, dw_gemm_slice, &j, g->slices, 0);
  } else {
    j.gemm.slices = 1;
    dw_gemm_slice(&j, 0);
  }
}

/* A conv on the GEMM, with what the plan fused into it, split over the
 * pool's threads when there is one (as XNNPACK would). */
static void run_gemm(xnn_state *s, size_t op_i) {
  const ep__op *op = &s->m->ops[op_i];
  const ep__xnn_fusion *f = &s->plan->fuse[op_i];
  const ep__mtensor *out = &s->m->tensors[op->output];
  gemm_job j = {ep__gemm_conv_of(s->m, op),
                {f->lo, f->hi, f->res >= 0 ? s->loc[f->res] : NULL, 0},
                s->loc[op->inputs[0]],
                s->packed[op_i],
                s->loc[f->out],
                s->scratch,
                s->scratch_per,
                out->count / (size_t)out->dims[3],
                s->n_threads};
  if (f->res >= 0)
    j.e.res_c = (size_t)s->m->tensors[f->res].dims[3];
  if (f->pre >= 0) {
    run_dw_gemm(s, op_i, &j);
    return;
  }
  if (s->pool && j.pixels > EP__GEMM_CHUNK)
    pthreadpool_parallelize_1d(s->pool, gemm_slice, &j, j.slices, 0);
  else
    ep__gemm_conv_rows(&j.g, j.in, j.packed, &j.e, j.out, 0, j.pixels,
                       j.scratch);
}

/* A depthwise conv on the AVX2 kernel, its output rows split over the
 * pool's threads. */
typedef struct dw_job {
  ep__dwconv g;
  const float *in, *packed;
  float *out;
} dw_job;

static void dw_row(void *ctx, size_t r) {
  const dw_job *j = ctx;
  ep__dwconv_rows(&j->g, j->in, j->packed, j->out, r, r + 1);
}

static void run_dwconv(xnn_state *s, size_t op_i) {
  const ep__op *op = &s->m->ops[op_i];
  dw_job j = {ep__dwconv_of(s->m, op), s->loc[op->inputs[0]], s->packed[op_i],
              s->loc[op->output]};
  size_t rows = (size_t)s->m->tensors[op->output].dims[0] * (size_t)j.g.oh;
  if (s->pool && rows > 1)
    pthreadpool_parallelize_1d(s->pool, dw_row, &j, rows, 0);
  else
    ep__dwconv_rows(&j.g, j.in, j.packed, j.out, 0, rows);
}

/* Ops XNNPACK does not run here go to the reference kernels (or the GEMM),
 * which read and write the same per-tensor buffers (loc). */
static void run_c_op(xnn_state *s, size_t op_i) {
  const ep__op *op = &s->m->ops[op_i];
  if (op->kind == EP__OP_CONCATENATION)
    run_concat(s, op);
  else if (s->plan->fuse[op_i].dw)
    run_dwconv(s, op_i);
  else if (s->packed[op_i])
    run_gemm(s, op_i);
  else
    ep__ref_run_op(s->m, op, s->loc);
}

/* Whether only C ops read tensor t: XNNPACK runtimes were set up with
 * its buffer's address (and may read past its end), C ops look up loc at
 * run time. */
static bool read_by_c_only(const xnn_state *s, int t) {
  const ep__model *m = s->m;
  for (size_t i = 0; i < m->n_ops; i++)
    for (int k = 0; k < m->ops[i].n_inputs; k++)
      if (m->ops[i].inputs[k] == t && s->plan->on_xnn[i])
        return false;
  return true;
}

static int mark_inputs_in_place(xnn_state *s) {
  const ep__model *m = s->m;
  s->in_place = calloc(m->n_inputs ? m->n_inputs : 1, sizeof *s->in_place);
  if (!s->in_place)
    return EP_ENOMEM;
  for (size_t i = 0; i < m->n_inputs; i++)
    s->in_place[i] = read_by_c_only(s, m->inputs[i]);
  return 0;
}

static int xnn_prepare(const ep__model *m, int num_threads, void **state,
                       char **msg) {
  enum xnn_status st = xnn_initialize(NULL);
  if (st != xnn_status_success) {
    set_msgf(msg, "%s: XNNPACK cannot start: %s", model_name(m),
             status_name(st));
    return status_err(st);
  }
  xnn_state *s = calloc(1, sizeof *s);
  if (!s)
    return EP_ENOMEM;
  s->m = m;
  size_t nt = m->n_tensors ? m->n_tensors : 1, no = m->n_ops ? m->n_ops : 1;
  /* EDGEPIPE_NO_GEMM=1 leaves every conv XNNPACK can run to XNNPACK: to
   * compare the two, and so tests can cover XNNPACK's own convs. */
  const char *no_gemm = getenv("EDGEPIPE_NO_GEMM");
  int rc =
      ep__xnn_plan_build(m, !(no_gemm && strcmp(no_gemm, "1") == 0), &s->plan);
  s->loc = calloc(nt, sizeof *s->loc);
  s->owned = calloc(nt, sizeof *s->owned);
  s->zero_bias = calloc(no, sizeof *s->zero_bias);
  s->packed = calloc(no, sizeof *s->packed);
  if (rc == 0 && (!s->loc || !s->owned || !s->zero_bias || !s->packed))
    rc = EP_ENOMEM;
  if (rc == 0 && !(s->rts = calloc(s->plan->n_segs + 1, sizeof *s->rts)))
    rc = EP_ENOMEM;
  /* One thread: no pool, XNNPACK then runs on the caller's thread. */
  if (rc == 0 && num_threads > 1 &&
      !(s->pool = pthreadpool_create((size_t)num_threads)))
    rc = EP_ENOMEM;
  s->n_threads = s->pool ? pthreadpool_get_threads_count(s->pool) : 1;
  if (rc == 0)
    rc = place_tensors(s);
  if (rc == 0)
    rc = pack_gemms(s);
  if (rc == 0)
    rc = make_runtimes(s, msg);
  if (rc == 0)
    rc = mark_inputs_in_place(s);
  if (rc < 0) {
    if (rc == EP_ENOMEM && msg && !*msg)
      set_msgf(msg, "%s: out of memory preparing XNNPACK", model_name(m));
    state_free(s);
    return rc;
  }
  *state = s;
  return 0;
}

/* Every segment in order; the first XNNPACK failure stops the run. */
static int run_segments(xnn_state *s, char **msg) {
  for (size_t i = 0; i < s->plan->n_segs; i++) {
    const ep__xnn_seg *seg = &s->plan->segs[i];
    if (seg->kind != EP__XNN_SEG_XNNPACK) {
      run_c_op(s, (size_t)s->plan->order[seg->first]);
      continue;
    }
    enum xnn_status st = xnn_invoke_runtime(s->rts[i]);
    if (st != xnn_status_success) {
      set_msgf(msg, "%s: XNNPACK run failed: %s", model_name(s->m),
               status_name(st));
      return status_err(st);
    }
  }
  return 0;
}

static int xnn_run(void *state, const float *const *inputs,
                   float *const *outputs, char **msg) {
  xnn_state *s = state;
  const ep__model *m = s->m;
  /* An input only C ops read is read where the caller has it (the C ops
   * never write an input); others are copied into their buffer. */
  for (size_t i = 0; i < m->n_inputs; i++) {
    int t = m->inputs[i];
    if (s->in_place[i])
      s->loc[t] = (float *)inputs[i];
    else
      memcpy(s->loc[t], inputs[i], m->tensors[t].count * sizeof(float));
  }
  int rc = run_segments(s, msg);
  for (size_t i = 0; rc == 0 && i < m->n_outputs; i++) {
    int t = m->outputs[i];
    memcpy(outputs[i], s->loc[t], m->tensors[t].count * sizeof(float));
  }
  for (size_t i = 0; i < m->n_inputs; i++) /* keep no caller pointer */
    s->loc[m->inputs[i]] = home_of(s, m->inputs[i]);
  return rc;
}

const ep__backend ep__backend_xnnpack = {
    "xnnpack",
    xnn_prepare,
    xnn_run,
    state_free,
};
