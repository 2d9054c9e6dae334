/* The XNNPACK backend against the reference kernels: both face models on
 * fixed inputs (a ramp, noise, a synthetic face and a real photo), and single
 * ops (or small chains) built by hand on seeded random data, covering uneven
 * SAME padding, strides, depth multipliers, concat axes (in place and copied)
 * and the resize modes. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "edgepipe/error.h"
#include "gemm_avx2.h"
#include "infer_test.h"
#include "xnn_plan.h"

/* Single ops: absolute. Whole models: two float32 evaluations summing in
 * different orders drift apart in proportion to the values the network
 * carries (outputs reach ~230 on some inputs, where 1e-4 is 14 ulp); so
 * 1e-4 plus 1e-6 of the output's peak, and the figure is printed. */
#define TOL 1e-4
#define MODEL_REL 1e-6

/* ---- deterministic data ------------------------------------------------ */

static float rnd(uint32_t *s) { /* uniform in [-1, 1) */
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / (float)(1u << 23) - 1.0f;
}

static float *falloc(size_t n) {
  size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
  float *p = aligned_alloc(64, bytes ? bytes : 64);
  ck_assert_ptr_nonnull(p);
  return p;
}

/* ---- building small plans by hand ------------------------------------- */

enum { MAXT = 32, MAXO = 16 };

static ep__model *mb_new(void) {
  ep__model *m = calloc(1, sizeof *m);
  m->name = strdup("handmade.tflite");
  m->tensors = calloc(MAXT, sizeof *m->tensors);
  m->ops = calloc(MAXO, sizeof *m->ops);
  m->inputs = calloc(8, sizeof *m->inputs);
  m->outputs = calloc(8, sizeof *m->outputs);
  return m;
}

static int mb_tensor(ep__model *m, int nd, const int *dims) {
  ck_assert_uint_lt(m->n_tensors, MAXT);
  ep__mtensor *t = &m->tensors[m->n_tensors];
  t->name = strdup("");
  t->ndims = nd;
  t->count = 1;
  for (int d = 0; d < nd; d++) {
    t->dims[d] = dims[d];
    t->count *= (size_t)dims[d];
  }
  t->producer = -1;
  return (int)m->n_tensors++;
}

static int mb_input(ep__model *m, int nd, const int *dims) {
  int t = mb_tensor(m, nd, dims);
  m->inputs[m->n_inputs++] = t;
  return t;
}

static void mb_output(ep__model *m, int t) { m->outputs[m->n_outputs++] = t; }

/* A constant of random values (scale times uniform [-1, 1)). */
static int mb_const(ep__model *m, int nd, const int *dims, uint32_t *seed,
                    float scale) {
  int t = mb_tensor(m, nd, dims);
  float *v = falloc(m->tensors[t].count);
  for (size_t i = 0; i < m->tensors[t].count; i++)
    v[i] = scale * rnd(seed);
  m->tensors[t].data = v;
  return t;
}

/* Adds an op reading ins[0..n) and writing a new tensor of the given
 * shape; returns the op (its output is op->output). */
static ep__op *mb_op(ep__model *m, ep__op_kind kind, int n, const int *ins,
                     int nd, const int *out_dims) {
  ck_assert_uint_lt(m->n_ops, MAXO);
  ep__op *op = &m->ops[m->n_ops];
  op->kind = kind;
  op->tflite_index = (int)m->n_ops;
  op->n_inputs = n;
  op->inputs = malloc((size_t)(n ? n : 1) * sizeof *op->inputs);
  memcpy(op->inputs, ins, (size_t)n * sizeof *ins);
  op->output = mb_tensor(m, nd, out_dims);
  m->tensors[op->output].producer = (int)m->n_ops++;
  op->act = EP__ACT_NONE;
  op->act_min = -INFINITY;
  op->act_max = INFINITY;
  return op;
}

static void set_act(ep__op *op, ep__act act) {
  op->act = act;
  op->act_min = act == EP__ACT_NONE           ? -INFINITY
                : act == EP__ACT_RELU_N1_TO_1 ? -1.0f
                                              : 0.0f;
  op->act_max = act == EP__ACT_RELU6          ? 6.0f
                : act == EP__ACT_RELU_N1_TO_1 ? 1.0f
                                              : INFINITY;
}

/* TensorFlow's SAME padding for one axis, worked out here independently
 * of the model loader: the odd pixel goes after. */
static int same_out(int in, int k, int s, int d, int *before, int *after) {
  int out = (in + s - 1) / s;
  int need = (out - 1) * s + (k - 1) * d + 1 - in;
  if (need < 0)
    need = 0;
  *before = need / 2;
  *after = need - need / 2;
  return out;
}

/* ---- running both backends -------------------------------------------- */

typedef struct run_result {
  double max_err;
  double max_score; /* largest value of a one-channel output (face logit) */
  double max_abs;   /* largest |reference output|, to see outputs are alive */
  size_t n_out;
} run_result;

static float **io_alloc(const ep__model *m, const int *idx, size_t n) {
  float **v = calloc(n, sizeof *v);
  for (size_t i = 0; i < n; i++)
    v[i] = falloc(m->tensors[idx[i]].count);
  return v;
}

static void io_free(float **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

static void *prepare_or_fail(const ep__backend *be, const ep__model *m,
                             int threads) {
  void *st = NULL;
  char *msg = NULL;
  int rc = be->prepare(m, threads, &st, &msg);
  ck_assert_msg(rc == 0, "%s prepare: %s", be->name, msg ? msg : "?");
  free(msg);
  return st;
}

static void run_or_fail(const ep__backend *be, void *st, float **in,
                        float **out) {
  char *msg = NULL;
  int rc = be->run(st, (const float *const *)in, out, &msg);
  ck_assert_msg(rc == 0, "%s run: %s", be->name, msg ? msg : "?");
  free(msg);
}

/* A real photo (tests/data/inference/astronaut_128.rgb, see SOURCES.md)
 * scaled to [-1, 1] and sampled (nearest) to the input's h x w x 3. */
static void fill_photo(float *v, int h, int w, int c) {
  size_t n = 0;
  unsigned char *rgb =
      read_all(src_path("tests/data/inference/astronaut_128.rgb"), &n);
  ck_assert_msg(rgb && n == 128 * 128 * 3, "astronaut_128.rgb: %zu bytes", n);
  ck_assert_int_eq(c, 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < 3; k++) {
        size_t src = ((size_t)(y * 128 / h) * 128 + (size_t)(x * 128 / w)) * 3;
        v[((size_t)y * w + x) * 3 + k] = rgb[src + k] / 127.5f - 1.0f;
      }
  free(rgb);
}

/* Fills the inputs (fill: 0 ramp, 1 random, 2 synthetic face, 3 photo). */
static void fill_input(float *v, const ep__mtensor *t, int fill,
                       uint32_t seed) {
  int h = t->ndims == 4 ? t->dims[1] : 1, w = t->ndims == 4 ? t->dims[2] : 1;
  size_t c = t->count / (size_t)(h * w);
  if (fill == 3) {
    fill_photo(v, h, w, (int)c);
    return;
  }
  for (size_t i = 0; i < t->count; i++) {
    if (fill == 0) {
      v[i] = (float)(i % 255) / 127.0f - 1.0f;
    } else if (fill == 1) {
      v[i] = rnd(&seed);
    } else { /* a bright ellipse on a shaded background, per channel */
      size_t p = i / c, ch = i % c;
      double y = (double)(p / (size_t)w) / h - 0.5;
      double x = (double)(p % (size_t)w) / w - 0.5;
      double in_face = (x * x) / 0.08 + (y * y) / 0.12 < 1.0 ? 0.9 : 0.0;
      v[i] = (float)(in_face - 0.6 + 0.4 * x + 0.1 * (double)ch +
                     0.05 * sin(40 * x * y));
    }
  }
}

static run_result compare(const ep__model *m, int threads, int fill,
                          uint32_t seed) {
  void *ref = prepare_or_fail(&ep__backend_reference, m, 1);
  void *xnn = prepare_or_fail(&ep__backend_xnnpack, m, threads);
  float **in = io_alloc(m, m->inputs, m->n_inputs);
  float **out_r = io_alloc(m, m->outputs, m->n_outputs);
  float **out_x = io_alloc(m, m->outputs, m->n_outputs);
  for (size_t i = 0; i < m->n_inputs; i++)
    fill_input(in[i], &m->tensors[m->inputs[i]], fill, seed + (uint32_t)i);
  run_or_fail(&ep__backend_reference, ref, in, out_r);
  run_or_fail(&ep__backend_xnnpack, xnn, in, out_x);
  /* A second run on the same state must give the same answer. */
  run_or_fail(&ep__backend_xnnpack, xnn, in, out_x);
  run_result r = {0, -INFINITY, 0, 0};
  for (size_t o = 0; o < m->n_outputs; o++) {
    const ep__mtensor *t = &m->tensors[m->outputs[o]];
    for (size_t i = 0; i < t->count; i++) {
      ck_assert_msg(isfinite(out_x[o][i]), "output %zu[%zu] not finite", o, i);
      double e = fabs((double)out_x[o][i] - (double)out_r[o][i]);
      r.max_err = e > r.max_err ? e : r.max_err;
      if (t->dims[t->ndims - 1] == 1 && out_x[o][i] > r.max_score)
        r.max_score = out_x[o][i];
      double a = fabs((double)out_r[o][i]);
      r.max_abs = a > r.max_abs ? a : r.max_abs;
    }
    r.n_out += t->count;
  }
  io_free(in, m->n_inputs);
  io_free(out_r, m->n_outputs);
  io_free(out_x, m->n_outputs);
  ep__backend_reference.free(ref);
  ep__backend_xnnpack.free(xnn);
  return r;
}

/* Both thread counts, random inputs; outputs must be alive and match.
 * Then once more with EDGEPIPE_NO_GEMM=1, so XNNPACK's own convs are
 * checked too. */
static void check_matches(ep__model *m) {
  for (int run = 0; run < 3; run++) {
    int threads = run == 1 ? 2 : 1;
    if (run == 2)
      setenv("EDGEPIPE_NO_GEMM", "1", 1);
    run_result r = compare(m, threads, 1, 1234u);
    unsetenv("EDGEPIPE_NO_GEMM");
    ck_assert_uint_gt(r.n_out, 0);
    ck_assert_msg(r.max_abs > 1e-3, "outputs are all ~0 (%g)", r.max_abs);
    ck_assert_msg(r.max_err <= TOL, "max abs error %g (threads %d%s)",
                  r.max_err, threads, run == 2 ? ", no GEMM" : "");
  }
}

/* Whether plan op i runs on XNNPACK in the backend's plan (with the GEMM
 * in use, as by default, or not). */
static bool runs_on_xnn_if(const ep__model *m, size_t i, bool own) {
  ep__xnn_plan *p = NULL;
  ck_assert_int_eq(ep__xnn_plan_build(m, own, &p), 0);
  bool x = p->on_xnn[i];
  ep__xnn_plan_free(p);
  return x;
}

static ep__xnn_plan *plan_of(const ep__model *m) {
  ep__xnn_plan *p = NULL;
  ck_assert_int_eq(ep__xnn_plan_build(m, true, &p), 0);
  return p;
}

static bool runs_on_xnn(const ep__model *m, size_t i) {
  return runs_on_xnn_if(m, i, true);
}

/* ---- per-op cases ------------------------------------------------------ */

/* CONV_2D over [1,h,w,ci] -> co channels with SAME padding worked out for
 * the given kernel, stride and dilation; bias optional. */
static ep__op *add_conv(ep__model *m, int in, int co, int kh, int kw, int s,
                        int d, bool bias, uint32_t *seed) {
  const int *id = m->tensors[in].dims;
  int fd[4] = {co, kh, kw, id[3]}, bd[1] = {co};
  int ins[3] = {in, mb_const(m, 4, fd, seed, 0.5f),
                bias ? mb_const(m, 1, bd, seed, 0.5f) : -1};
  ep__conv_params c = {{0, 0, 0, 0}, s, s, d, d, kh, kw, 1};
  int oh = same_out(id[1], kh, s, d, &c.pad.top, &c.pad.bottom);
  int ow = same_out(id[2], kw, s, d, &c.pad.left, &c.pad.right);
  int od[4] = {id[0], oh, ow, co};
  ep__op *op = mb_op(m, EP__OP_CONV_2D, 3, ins, 4, od);
  op->p.conv = c;
  return op;
}

static ep__op *add_dwconv(ep__model *m, int in, int mult, int k, int s,
                          uint32_t *seed) {
  const int *id = m->tensors[in].dims;
  int co = id[3] * mult;
  int fd[4] = {1, k, k, co}, bd[1] = {co};
  int ins[3] = {in, mb_const(m, 4, fd, seed, 0.5f),
                mb_const(m, 1, bd, seed, 0.5f)};
  ep__conv_params c = {{0, 0, 0, 0}, s, s, 1, 1, k, k, mult};
  int oh = same_out(id[1], k, s, 1, &c.pad.top, &c.pad.bottom);
  int ow = same_out(id[2], k, s, 1, &c.pad.left, &c.pad.right);
  int od[4] = {id[0], oh, ow, co};
  ep__op *op = mb_op(m, EP__OP_DEPTHWISE_CONV_2D, 3, ins, 4, od);
  op->p.conv = c;
  return op;
}

static ep__op *add_pool(ep__model *m, ep__op_kind kind, int in, int k, int s,
                        bool same) {
  const int *id = m->tensors[in].dims;
  ep__pool_params p = {{0, 0, 0, 0}, s, s, k, k};
  int oh, ow;
  if (same) {
    oh = same_out(id[1], k, s, 1, &p.pad.top, &p.pad.bottom);
    ow = same_out(id[2], k, s, 1, &p.pad.left, &p.pad.right);
  } else {
    oh = (id[1] - k) / s + 1;
    ow = (id[2] - k) / s + 1;
  }
  int od[4] = {id[0], oh, ow, id[3]};
  ep__op *op = mb_op(m, kind, 1, &in, 4, od);
  op->p.pool = p;
  return op;
}

static ep__op *add_unary(ep__model *m, ep__op_kind kind, int in) {
  return mb_op(m, kind, 1, &in, m->tensors[in].ndims, m->tensors[in].dims);
}

static ep__op *add_reshape(ep__model *m, int in, int nd, const int *dims) {
  return mb_op(m, EP__OP_RESHAPE, 1, &in, nd, dims);
}

START_TEST(conv_same_uneven_stride2) {
  uint32_t seed = 1;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 8, 10, 5});
  ep__op *op = add_conv(m, in, 6, 3, 3, 2, 1, true, &seed);
  /* 8 -> 4 rows needs 1 pad row (after), 10 -> 5 cols needs 1 (after). */
  ck_assert_int_eq(op->p.conv.pad.top, 0);
  ck_assert_int_eq(op->p.conv.pad.bottom, 1);
  ck_assert_int_eq(op->p.conv.pad.right, 1);
  set_act(op, EP__ACT_RELU6);
  mb_output(m, op->output);
  ck_assert(runs_on_xnn(m, 0) != ep__gemm_avx2_available());
  ck_assert(runs_on_xnn_if(m, 0, false));
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(conv_even_kernel_dilation_no_bias) {
  uint32_t seed = 2;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 9, 7, 4});
  /* 2x4 kernel, dilation 2: pads 1/1 rows and 3/3 cols; then a 4x4
   * stride-1 kernel (pads 1 before, 2 after). */
  ep__op *a = add_conv(m, in, 3, 2, 4, 1, 2, false, &seed);
  set_act(a, EP__ACT_RELU_N1_TO_1);
  ep__op *b = add_conv(m, a->output, 4, 4, 4, 1, 1, true, &seed);
  ck_assert_int_eq(b->p.conv.pad.top, 1);
  ck_assert_int_eq(b->p.conv.pad.bottom, 2);
  mb_output(m, b->output);
  check_matches(m);
  ep__model_free(m);
}
END_TEST

/* Convs (pointwise or not, with and without bias, between XNNPACK ops)
 * run on the AVX2 GEMM as C ops when the CPU has it, and match the
 * reference. */
START_TEST(convs_on_gemm) {
  uint32_t seed = 11;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){2, 7, 5, 19});
  ep__op *a = add_conv(m, in, 21, 1, 1, 1, 1, true, &seed);
  set_act(a, EP__ACT_RELU);
  ep__op *b = add_conv(m, a->output, 33, 3, 3, 1, 1, false, &seed);
  ep__op *c = add_conv(m, b->output, 17, 1, 1, 1, 1, false, &seed);
  set_act(c, EP__ACT_RELU6);
  mb_output(m, c->output);
  ck_assert(runs_on_xnn(m, 1) != ep__gemm_avx2_available());
  ck_assert(runs_on_xnn(m, 0) != ep__gemm_avx2_available());
  ck_assert(runs_on_xnn(m, 2) != ep__gemm_avx2_available());
  check_matches(m);
  ep__model_free(m);
}
END_TEST

/* A BlazeFace-style block: depthwise conv, pointwise conv, ADD of the
 * block's input zero-padded in channels, RELU: with the GEMM the conv
 * absorbs PAD, ADD and RELU and reads the input as its residual. A
 * second conv's ADD is not absorbed, its result having another reader. */
START_TEST(residual_block_fused_into_gemm) {
  uint32_t seed = 13;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 6, 5, 7});
  ep__op *x = add_unary(m, EP__OP_RELU, in);
  ep__op *dw = add_dwconv(m, x->output, 1, 3, 1, &seed);
  ep__op *pw = add_conv(m, dw->output, 10, 1, 1, 1, 1, true, &seed);
  ep__op *pad = mb_op(m, EP__OP_PAD, 1, &x->output, 4, (int[]){1, 6, 5, 10});
  pad->p.pad = (ep__pad_params){{0, 0, 0, 0}, {0, 0, 0, 3}};
  ep__op *add = mb_op(m, EP__OP_ADD, 2, (int[]){pad->output, pw->output}, 4,
                      (int[]){1, 6, 5, 10});
  ep__op *relu = add_unary(m, EP__OP_RELU6, add->output);
  ep__op *c2 = add_conv(m, relu->output, 10, 3, 3, 1, 1, false, &seed);
  ep__op *add2 = mb_op(m, EP__OP_ADD, 2, (int[]){relu->output, c2->output}, 4,
                       (int[]){1, 6, 5, 10});
  ep__op *mul = mb_op(m, EP__OP_MUL, 2, (int[]){c2->output, add2->output}, 4,
                      (int[]){1, 6, 5, 10});
  mb_output(m, mul->output);
  if (ep__gemm_avx2_available()) {
    ep__xnn_plan *p = plan_of(m);
    int i_pw = (int)(pw - m->ops), i_c2 = (int)(c2 - m->ops);
    ck_assert(p->fuse[i_pw].gemm && p->fuse[i_c2].gemm);
    ck_assert_int_eq(p->fuse[i_pw].out, relu->output);
    ck_assert_int_eq(p->fuse[i_pw].res, x->output);
    ck_assert_float_eq(p->fuse[i_pw].hi, 6.0f);
    ck_assert_int_eq(p->fuse[pad - m->ops].owner, i_pw);
    ck_assert_int_eq(p->fuse[add - m->ops].owner, i_pw);
    ck_assert_int_eq(p->fuse[relu - m->ops].owner, i_pw);
    ck_assert_int_eq(p->fuse[add2 - m->ops].owner, -1);
    ck_assert_int_eq(p->fuse[i_c2].out, c2->output);
    ck_assert(!p->materialized[add->output]);
    ep__xnn_plan_free(p);
  }
  check_matches(m);
  ep__model_free(m);
}
END_TEST

/* The same blocks read from a real flatbuffer (the fuzz seed written by
 * tests/tools/make_test_models.py): each pointwise conv takes in its
 * depthwise conv, PAD, ADD and RELU; the strided block's shortcut is a
 * max pool XNNPACK runs. */
START_TEST(blaze_blocks_from_a_file) {
  ep__model *m = NULL;
  char *msg = NULL;
  ck_assert_int_eq(
      ep__model_load(src_path("tests/fuzz/corpus/tflite/blaze_blocks.tflite"),
                     &m, &msg),
      0);
  ck_assert_uint_eq(m->n_ops, 11);
  if (ep__gemm_avx2_available()) {
    ep__xnn_plan *p = plan_of(m);
    static const int owner[11] = {-1, 2, -1, 2, 2, 2, 8, -1, -1, 8, 8};
    for (int i = 0; i < 11; i++)
      ck_assert_msg(p->fuse[i].owner == owner[i], "op %d: owner %d", i,
                    p->fuse[i].owner);
    ck_assert_int_eq(p->fuse[2].pre, 1);
    ck_assert_int_eq(p->fuse[8].pre, 6);
    ck_assert(p->on_xnn[7]);                 /* the max pool */
    ck_assert_float_eq(p->fuse[8].lo, 0.0f); /* the ADD's own RELU */
    ep__xnn_plan_free(p);
  }
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(depthwise_multiplier_stride2) {
  uint32_t seed = 3;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 10, 9, 3});
  ep__op *a = add_dwconv(m, in, 2, 3, 2, &seed); /* rows 0/1, cols 1/1 */
  ck_assert_int_eq(a->p.conv.pad.top, 0);
  ck_assert_int_eq(a->p.conv.pad.bottom, 1);
  set_act(a, EP__ACT_RELU);
  ep__op *b = add_dwconv(m, a->output, 1, 5, 1, &seed);
  mb_output(m, b->output);
  ck_assert(runs_on_xnn(m, 0) && runs_on_xnn(m, 1));
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(pools_same_and_valid) {
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 7, 8, 4});
  ep__op *a = add_pool(m, EP__OP_MAX_POOL_2D, in, 2, 2, true);
  ep__op *b = add_pool(m, EP__OP_AVERAGE_POOL_2D, in, 3, 2, true);
  ep__op *c = add_pool(m, EP__OP_MAX_POOL_2D, in, 2, 2, false);
  ep__op *d = add_pool(m, EP__OP_AVERAGE_POOL_2D, in, 3, 1, true);
  set_act(d, EP__ACT_RELU);
  mb_output(m, a->output);
  mb_output(m, b->output);
  mb_output(m, c->output);
  mb_output(m, d->output);
  ck_assert(runs_on_xnn(m, 0) && runs_on_xnn(m, 1));
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(pool_1x1_runs_on_c) {
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 7, 8, 4});
  ep__op *a = add_pool(m, EP__OP_MAX_POOL_2D, in, 1, 2, false);
  ep__op *b = add_unary(m, EP__OP_LOGISTIC, a->output);
  mb_output(m, b->output);
  ck_assert(!runs_on_xnn(m, 0));
  ck_assert(runs_on_xnn(m, 1));
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(add_mul_broadcast) {
  uint32_t seed = 4;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 4, 5, 8});
  int in2 = mb_input(m, 4, (int[]){1, 4, 5, 8});
  int bias = mb_const(m, 1, (int[]){8}, &seed, 1.0f);
  int scale = mb_const(m, 4, (int[]){1, 1, 1, 8}, &seed, 2.0f);
  ep__op *a =
      mb_op(m, EP__OP_ADD, 2, (int[]){in, bias}, 4, m->tensors[in].dims);
  set_act(a, EP__ACT_RELU);
  ep__op *b = mb_op(m, EP__OP_MUL, 2, (int[]){a->output, scale}, 4,
                    m->tensors[in].dims);
  ep__op *c =
      mb_op(m, EP__OP_ADD, 2, (int[]){b->output, in2}, 4, m->tensors[in].dims);
  set_act(c, EP__ACT_RELU6);
  mb_output(m, c->output);
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(activations_and_softmax) {
  ep__model *m = mb_new();
  int in = mb_input(m, 3, (int[]){1, 6, 7});
  ep__op *r = add_unary(m, EP__OP_RELU, in);
  ep__op *r6 = add_unary(m, EP__OP_RELU6, in);
  ep__op *lg = add_unary(m, EP__OP_LOGISTIC, in);
  ep__op *sm = add_unary(m, EP__OP_SOFTMAX, in);
  sm->p.softmax.beta = 1.0f;
  ep__op *sm2 = add_unary(m, EP__OP_SOFTMAX, in);
  sm2->p.softmax.beta = 0.5f; /* no beta in XNNPACK: the C kernel runs it */
  ep__op *outs[5] = {r, r6, lg, sm, sm2};
  for (int i = 0; i < 5; i++)
    mb_output(m, outs[i]->output);
  ck_assert(runs_on_xnn(m, 3));
  ck_assert(!runs_on_xnn(m, 4));
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(pad_channels_and_space) {
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 4, 5, 6});
  ep__op *a = mb_op(m, EP__OP_PAD, 1, &in, 4, (int[]){1, 4, 5, 10});
  a->p.pad = (ep__pad_params){{0, 0, 0, 0}, {0, 0, 0, 4}};
  ep__op *b = mb_op(m, EP__OP_PAD, 1, &in, 4, (int[]){1, 7, 7, 6});
  b->p.pad = (ep__pad_params){{0, 1, 2, 0}, {0, 2, 0, 0}};
  mb_output(m, a->output);
  mb_output(m, b->output);
  ck_assert(runs_on_xnn(m, 0));
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(fully_connected_shapes) {
  uint32_t seed = 5;
  ep__model *m = mb_new();
  int in = mb_input(m, 3, (int[]){2, 3, 12});
  int w = mb_const(m, 2, (int[]){5, 12}, &seed, 0.5f);
  int bias = mb_const(m, 1, (int[]){5}, &seed, 0.5f);
  ep__op *a = mb_op(m, EP__OP_FULLY_CONNECTED, 3, (int[]){in, w, bias}, 2,
                    (int[]){6, 5}); /* rows flattened the TF way */
  ep__op *b = mb_op(m, EP__OP_FULLY_CONNECTED, 3, (int[]){in, w, -1}, 3,
                    (int[]){2, 3, 5}); /* leading dims kept, no bias */
  set_act(b, EP__ACT_RELU);
  mb_output(m, a->output);
  mb_output(m, b->output);
  ck_assert(runs_on_xnn(m, 0) && runs_on_xnn(m, 1));
  check_matches(m);
  ep__model_free(m);
}
END_TEST

static void check_resize(int oh, int ow, bool align, bool half) {
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 5, 7, 3});
  ep__op *a =
      mb_op(m, EP__OP_RESIZE_BILINEAR, 1, &in, 4, (int[]){1, oh, ow, 3});
  a->p.resize.align_corners = align;
  a->p.resize.half_pixel_centers = half;
  mb_output(m, a->output);
  ck_assert(runs_on_xnn(m, 0));
  check_matches(m);
  ep__model_free(m);
}

START_TEST(resize_bilinear_modes) {
  check_resize(10, 14, false, true); /* 2x, half-pixel centers */
  check_resize(12, 9, false, true);  /* uneven up and non-integer */
  check_resize(9, 13, true, false);  /* align corners */
  check_resize(8, 11, false, false); /* TF's legacy sampling */
  check_resize(3, 4, false, true);   /* down */
}
END_TEST

START_TEST(edge_shapes) {
  uint32_t seed = 10;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 7, 9, 4});
  /* Stride larger than the window, and a window larger than the stride. */
  ep__op *a = add_pool(m, EP__OP_MAX_POOL_2D, in, 2, 3, false);
  ep__op *b = add_pool(m, EP__OP_AVERAGE_POOL_2D, in, 5, 3, true);
  /* Dilated depthwise with a multiplier. */
  ep__op *c = add_dwconv(m, in, 3, 3, 1, &seed);
  c->p.conv.dilation_h = c->p.conv.dilation_w = 2;
  c->p.conv.pad = (ep__pad2d){2, 2, 2, 2};
  /* Both operands broadcast: [1,7,1,4] + [1,1,9,4]. */
  int col = mb_const(m, 4, (int[]){1, 7, 1, 4}, &seed, 1.0f);
  int row = mb_const(m, 4, (int[]){1, 1, 9, 4}, &seed, 1.0f);
  ep__op *d =
      mb_op(m, EP__OP_ADD, 2, (int[]){col, row}, 4, (int[]){1, 7, 9, 4});
  ep__op *e =
      mb_op(m, EP__OP_MUL, 2, (int[]){in, d->output}, 4, (int[]){1, 7, 9, 4});
  /* Down to one pixel with align_corners (TF treats the scale as 0). */
  ep__op *f = mb_op(m, EP__OP_RESIZE_BILINEAR, 1, &in, 4, (int[]){1, 1, 1, 4});
  f->p.resize.align_corners = true;
  ep__op *outs[5] = {a, b, c, e, f};
  for (int i = 0; i < 5; i++)
    mb_output(m, outs[i]->output);
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(refused_op_names_the_op) {
  uint32_t seed = 11;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 4, 4, 2});
  ep__op *a = add_conv(m, in, 4, 3, 3, 1, 1, true, &seed);
  a->act_min = 6.0f; /* an empty clamp: XNNPACK checks its parameters */
  a->act_max = 0.0f;
  a->tflite_index = 17;
  mb_output(m, a->output);
  void *st = NULL;
  char *msg = NULL;
  setenv("EDGEPIPE_NO_GEMM", "1", 1); /* the GEMM would take the conv */
  int rc = ep__backend_xnnpack.prepare(m, 1, &st, &msg);
  unsetenv("EDGEPIPE_NO_GEMM");
  ck_assert_int_lt(rc, 0);
  ck_assert_ptr_null(st);
  ck_assert_ptr_nonnull(msg);
  ck_assert_msg(strstr(msg, "handmade.tflite: op 17 (CONV_2D)") != NULL,
                "message: %s", msg);
  free(msg);
  ep__model_free(m);
}
END_TEST

START_TEST(mismatched_shapes_stay_off_xnnpack) {
  /* XNNPACK sizes outputs itself; a plan whose padding or shapes disagree
   * with that must not reach it (it would write past the buffer). */
  uint32_t seed = 12;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 8, 8, 3});
  ep__op *a = add_conv(m, in, 4, 3, 3, 2, 1, true, &seed);
  ck_assert(ep__xnn_op_supported(m, a));
  a->p.conv.pad.bottom += 2;
  ck_assert(!ep__xnn_op_supported(m, a));
  ep__op *b = add_dwconv(m, in, 2, 3, 1, &seed);
  b->p.conv.depth_multiplier = 3;
  ck_assert(!ep__xnn_op_supported(m, b));
  ep__op *c = add_pool(m, EP__OP_MAX_POOL_2D, in, 2, 2, false);
  c->p.pool.stride_w = 1;
  ck_assert(!ep__xnn_op_supported(m, c));
  ep__op *d = mb_op(m, EP__OP_ADD, 2, (int[]){in, in}, 4, (int[]){1, 8, 8, 4});
  ck_assert(!ep__xnn_op_supported(m, d));
  ep__model_free(m);
}
END_TEST

START_TEST(reshape_chain) {
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 4, 4, 6});
  ep__op *a = add_reshape(m, in, 3, (int[]){1, 16, 6});
  ep__op *b = add_unary(m, EP__OP_LOGISTIC, a->output);
  mb_output(m, b->output);
  check_matches(m);
  ep__model_free(m);
}
END_TEST

/* ---- concatenation ------------------------------------------------------ */

static ep__op *add_concat(ep__model *m, int n, const int *ins, int axis) {
  int od[EP_TENSOR_MAX_DIMS];
  const ep__mtensor *t0 = &m->tensors[ins[0]];
  memcpy(od, t0->dims, sizeof od);
  od[axis] = 0;
  for (int k = 0; k < n; k++)
    od[axis] += m->tensors[ins[k]].dims[axis];
  ep__op *op = mb_op(m, EP__OP_CONCATENATION, n, ins, t0->ndims, od);
  op->p.concat.axis = axis;
  return op;
}

START_TEST(concat_outer_axis_in_place) {
  uint32_t seed = 6;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 4, 4, 3});
  /* Depthwise, not full convs: those would be C ops (the AVX2 GEMM). */
  ep__op *a = add_dwconv(m, in, 2, 3, 1, &seed);
  ep__op *ra = add_reshape(m, a->output, 3, (int[]){1, 24, 4});
  ep__op *b = add_dwconv(m, in, 2, 3, 2, &seed);
  ep__op *rb = add_reshape(m, b->output, 3, (int[]){1, 6, 4});
  ep__op *c = add_concat(m, 2, (int[]){ra->output, rb->output}, 1);
  ep__op *s = add_unary(m, EP__OP_LOGISTIC, c->output);
  mb_output(m, c->output);
  mb_output(m, s->output);
  ep__xnn_plan *p = plan_of(m);
  /* Producers write straight into the concat's buffer, at their offsets. */
  ck_assert(ep__xnn_plan_concat_elided(p, c));
  ck_assert_int_eq(p->alias_of[ra->output], c->output);
  ck_assert_uint_eq(p->alias_off[rb->output], 24 * 4);
  ck_assert_uint_eq(p->n_segs, 3); /* XNNPACK | concat | XNNPACK */
  ck_assert_int_eq(p->segs[1].kind, EP__XNN_SEG_C);
  ep__xnn_plan_free(p);
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(concat_channels_copies) {
  uint32_t seed = 7;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 5, 4, 3});
  ep__op *a = add_conv(m, in, 3, 3, 3, 1, 1, true, &seed);
  ep__op *b = add_conv(m, in, 5, 1, 1, 1, 1, true, &seed);
  ep__op *c = add_concat(m, 2, (int[]){a->output, b->output}, 3);
  ep__op *d = add_conv(m, c->output, 4, 3, 3, 2, 1, true, &seed);
  mb_output(m, d->output);
  ep__xnn_plan *p = plan_of(m);
  ck_assert(!ep__xnn_plan_concat_elided(p, c));
  ck_assert_int_eq(p->alias_of[a->output], -1);
  ep__xnn_plan_free(p);
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(concat_mixed_inputs) {
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 2, 3, 4});
  ep__op *r = add_unary(m, EP__OP_RELU, in);
  ep__op *t = add_unary(m, EP__OP_LOGISTIC, in);
  /* A model input cannot live in the output; the op result can. */
  ep__op *c1 = add_concat(m, 2, (int[]){in, r->output}, 1);
  /* The same tensor twice, and a fused activation: everything copied. */
  ep__op *c2 = add_concat(m, 3, (int[]){t->output, in, t->output}, 0);
  set_act(c2, EP__ACT_RELU6);
  /* Axis 2 with outer size 2: rows interleave, so copies again. */
  ep__op *c3 = add_concat(m, 2, (int[]){c1->output, c1->output}, 2);
  mb_output(m, c1->output);
  mb_output(m, c2->output);
  mb_output(m, c3->output);
  ep__xnn_plan *p = plan_of(m);
  ck_assert_int_eq(p->alias_of[r->output], c1->output);
  ck_assert(!ep__xnn_plan_concat_elided(p, c1));
  ck_assert_int_eq(p->alias_of[t->output], -1);
  ep__xnn_plan_free(p);
  check_matches(m);
  ep__model_free(m);
}
END_TEST

START_TEST(concat_nested_in_place) {
  uint32_t seed = 8;
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 4, 4, 2});
  ep__op *a = add_dwconv(m, in, 2, 3, 1, &seed);
  ep__op *b = add_dwconv(m, in, 2, 3, 2, &seed);
  ep__op *ra = add_reshape(m, a->output, 2, (int[]){1, 64});
  ep__op *rb = add_reshape(m, b->output, 2, (int[]){1, 16});
  ep__op *c1 = add_concat(m, 2, (int[]){ra->output, rb->output}, 1);
  ep__op *d = add_unary(m, EP__OP_RELU, in);
  ep__op *rd = add_reshape(m, d->output, 2, (int[]){1, 32});
  ep__op *c2 = add_concat(m, 2, (int[]){rd->output, c1->output}, 1);
  mb_output(m, c2->output);
  ep__xnn_plan *p = plan_of(m);
  ck_assert(ep__xnn_plan_concat_elided(p, c1));
  ck_assert(ep__xnn_plan_concat_elided(p, c2));
  ck_assert_uint_eq(p->alias_off[c1->output], 32);
  /* The XNNPACK ops run first, in one subgraph, then both concats. */
  ck_assert_uint_eq(p->n_segs, 3);
  ck_assert_int_eq(p->segs[0].kind, EP__XNN_SEG_XNNPACK);
  ep__xnn_plan_free(p);
  check_matches(m);
  ep__model_free(m);
}
END_TEST

/* ---- the face models ---------------------------------------------------- */

static ep__model *load_model(const char *file) {
  char path[4096];
  snprintf(path, sizeof path, "%s", src_path("models"));
  snprintf(path + strlen(path), sizeof path - strlen(path), "/%s", file);
  ep__model *m = NULL;
  char *msg = NULL;
  int rc = ep__model_load(path, &m, &msg);
  ck_assert_msg(rc == 0, "%s: %s (run scripts/fetch-models)", path,
                msg ? msg : ep_strerror(rc));
  free(msg);
  return m;
}

/* The arena: every buffer-owning tensor has a slot; two slots share bytes
 * only when their lifetimes (in segments) are disjoint; and the arena is
 * no bigger than separate buffers. Returns the separate buffers' bytes. */
static size_t check_arena(const ep__model *m, const ep__xnn_plan *p) {
  size_t separate = 0;
  for (size_t t = 0; t < m->n_tensors; t++) {
    bool own = p->materialized[t] && p->alias_of[t] < 0 && !m->tensors[t].data;
    ck_assert_msg(own == (p->arena_off[t] != SIZE_MAX), "tensor %zu", t);
    if (!own)
      continue;
    size_t a0 = p->arena_off[t], a1 = a0 + m->tensors[t].count * 4;
    ck_assert_uint_le(a1, p->arena_bytes);
    ck_assert_int_le(p->first_seg[t], p->last_seg[t]);
    separate += m->tensors[t].count * 4;
    for (size_t u = 0; u < t; u++) {
      if (p->arena_off[u] == SIZE_MAX)
        continue;
      size_t b0 = p->arena_off[u], b1 = b0 + m->tensors[u].count * 4;
      bool share = a0 < b1 && b0 < a1;
      bool live = p->first_seg[t] <= p->last_seg[u] &&
                  p->first_seg[u] <= p->last_seg[t];
      ck_assert_msg(!(share && live), "tensors %zu and %zu share bytes", t, u);
    }
  }
  ck_assert_uint_le(p->arena_bytes, separate + 64 * m->n_tensors);
  return separate;
}

/* A chain of C ops (softmax with a beta XNNPACK lacks): the first
 * buffer is free again by the third op, which reuses it. */
START_TEST(arena_reuses_dead_buffers) {
  ep__model *m = mb_new();
  int in = mb_input(m, 4, (int[]){1, 8, 8, 16});
  int t = in;
  ep__op *ops[4];
  for (int i = 0; i < 4; i++) {
    ops[i] = add_unary(m, EP__OP_SOFTMAX, t);
    ops[i]->p.softmax.beta = 0.5f;
    t = ops[i]->output;
  }
  mb_output(m, t);
  ep__xnn_plan *p = plan_of(m);
  size_t separate = check_arena(m, p);
  /* Live at once: at most an op's input and output. */
  ck_assert_uint_lt(p->arena_bytes, separate / 2);
  ck_assert_uint_eq(p->arena_off[ops[0]->output], p->arena_off[ops[2]->output]);
  ep__xnn_plan_free(p);
  check_matches(m);
  ep__model_free(m);
}
END_TEST

/* Every concat of the model is done in place; when the CPU has AVX2 every
 * conv runs on the GEMM, every depthwise conv on our kernel, and each
 * block's ADD (of a conv's result), channel PAD and RELU are absorbed
 * into its pointwise conv; XNNPACK runs all else. */
static void check_model_plan(const ep__model *m) {
  ep__xnn_plan *p = plan_of(m);
  size_t c_ops = 0, gemms = 0, dws = 0, adds = 0, absorbed_adds = 0;
  for (size_t i = 0; i < m->n_ops; i++) {
    const ep__op *op = &m->ops[i];
    if (op->kind == EP__OP_ADD) /* of a conv's result (not the FPN's) */
      for (int k = 0; k < 2; k++) {
        int prod = m->tensors[op->inputs[k]].producer;
        adds += prod >= 0 && m->ops[prod].kind == EP__OP_CONV_2D;
      }
    if (op->kind == EP__OP_CONCATENATION) {
      c_ops++;
      ck_assert(ep__xnn_plan_concat_elided(p, op));
    } else if (p->fuse[i].gemm) {
      gemms++;
      ck_assert(op->kind == EP__OP_CONV_2D && !p->on_xnn[i]);
    } else if (p->fuse[i].dw) {
      dws++;
      ck_assert(op->kind == EP__OP_DEPTHWISE_CONV_2D && !p->on_xnn[i]);
    } else if (p->fuse[i].owner >= 0) {
      ck_assert(p->fuse[p->fuse[i].owner].gemm && !p->on_xnn[i]);
      absorbed_adds += op->kind == EP__OP_ADD;
    } else {
      ck_assert_msg(p->on_xnn[i], "op %d (%s) not on XNNPACK", op->tflite_index,
                    ep__op_kind_name(op->kind));
    }
  }
  /* Without GEMM ops the XNNPACK work is one segment; each C op adds at
   * most itself and one more XNNPACK segment. */
  if (gemms == 0)
    ck_assert_uint_eq(p->n_segs, c_ops + 1);
  else
    ck_assert_uint_le(p->n_segs, 2 * (c_ops + gemms + dws) + 1);
  ck_assert_uint_eq(gemms > 0, ep__gemm_avx2_available());
  ck_assert_uint_eq(dws > 0, ep__gemm_avx2_available());
  if (gemms > 0)
    ck_assert_uint_eq(absorbed_adds, adds);
  ck_assert_uint_gt(adds, 0);
  size_t separate = check_arena(m, p);
  fprintf(stderr, "arena %zu bytes for %zu of separate buffers\n",
          p->arena_bytes, separate);
  ck_assert_uint_lt(p->arena_bytes, separate / 2);
  ep__xnn_plan_free(p);
}

static void check_model(const char *file, int side, size_t anchors) {
  ep__model *m = load_model(file);
  ck_assert_uint_eq(m->n_inputs, 1);
  const ep__mtensor *in = &m->tensors[m->inputs[0]];
  ck_assert_int_eq(in->dims[1], side);
  size_t outs = 0;
  for (size_t i = 0; i < m->n_outputs; i++)
    outs += m->tensors[m->outputs[i]].count;
  ck_assert_uint_eq(outs, anchors * 17); /* 16 box values + 1 score each */
  check_model_plan(m);
  static const char *fills[] = {"ramp", "random", "synthetic", "photo"};
  double worst = 0, peak = 0;
  for (int fill = 0; fill < 4; fill++) {
    for (int threads = 1; threads <= 2; threads++) {
      run_result r = compare(m, threads, fill, 42u);
      ck_assert_msg(r.max_abs > 1e-2, "%s outputs all ~0", file);
      ck_assert_msg(r.max_err <= TOL + MODEL_REL * r.max_abs,
                    "%s, %s input, %d threads: max abs error %g (peak %g)",
                    file, fills[fill], threads, r.max_err, r.max_abs);
      /* The photo has a face: some anchor must score it well over 0.5. */
      if (fill == 3)
        ck_assert_msg(r.max_score > 1.0,
                      "%s finds no face in the photo "
                      "(best logit %g)",
                      file, r.max_score);
      if (threads == 1)
        fprintf(stderr,
                "%s, %s input: max abs error %.3g (peak %.3g), "
                "best face logit %.2f\n",
                file, fills[fill], r.max_err, r.max_abs, r.max_score);
      if (r.max_err > worst) {
        worst = r.max_err;
        peak = r.max_abs;
      }
    }
  }
  fprintf(stderr,
          "%s: XNNPACK vs reference, max abs error %.3g (output "
          "peak %.3g)\n",
          file, worst, peak);
  /* XNNPACK's own convs, on the photo. */
  setenv("EDGEPIPE_NO_GEMM", "1", 1);
  run_result r = compare(m, 1, 3, 42u);
  unsetenv("EDGEPIPE_NO_GEMM");
  ck_assert_msg(r.max_err <= TOL + MODEL_REL * r.max_abs,
                "%s without the GEMM: max abs error %g (peak %g)", file,
                r.max_err, r.max_abs);
  ep__model_free(m);
}

/* Against the float64 NumPy evaluation stored by tests/tools/
 * tflite_numpy.py (an evaluator sharing no code with either backend). */
static void check_float64(const char *model, const char *pattern) {
  char file[256], data[512];
  snprintf(file, sizeof file, "%s.tflite", model);
  ep__model *m = load_model(file);
  snprintf(data, sizeof data, "tests/data/inference/%s_%s.f32", model, pattern);
  size_t n = 0;
  unsigned char *want = read_all(src_path(data), &n);
  ck_assert_msg(want != NULL, "cannot read %s", data);
  float **in = io_alloc(m, m->inputs, 1);
  float **out = io_alloc(m, m->outputs, m->n_outputs);
  make_input(pattern, m->tensors[m->inputs[0]].dims, in[0]);
  void *st = prepare_or_fail(&ep__backend_xnnpack, m, 1);
  run_or_fail(&ep__backend_xnnpack, st, in, out);
  size_t off = 0;
  for (size_t o = 0; o < m->n_outputs; o++) {
    size_t count = m->tensors[m->outputs[o]].count;
    ck_assert_uint_le((off + count) * sizeof(float), n);
    double err = 0, peak = 0;
    for (size_t i = 0; i < count; i++) {
      float w;
      memcpy(&w, want + (off + i) * sizeof(float), sizeof w);
      double e = fabs((double)out[o][i] - (double)w);
      err = e > err ? e : err;
      peak = fabs((double)w) > peak ? fabs((double)w) : peak;
    }
    ck_assert_msg(err <= TOL + MODEL_REL * peak,
                  "%s %s output %zu: %g from float64 (peak %g)", model, pattern,
                  o, err, peak);
    off += count;
  }
  ck_assert_uint_eq(off * sizeof(float), n);
  ep__backend_xnnpack.free(st);
  io_free(in, 1);
  io_free(out, m->n_outputs);
  free(want);
  ep__model_free(m);
}

START_TEST(models_match_float64) {
  check_float64("face_detection_short_range", "gradient");
  check_float64("face_detection_short_range", "noise");
  check_float64("face_detection_full_range", "gradient");
}
END_TEST

START_TEST(short_range_matches_reference) {
  check_model("face_detection_short_range.tflite", 128, 896);
}
END_TEST

START_TEST(full_range_matches_reference) {
  check_model("face_detection_full_range.tflite", 192, 2304);
}
END_TEST

int main(void) {
  /* Without models/ the single-op cases still run; the suite then reports
   * "skipped" (77) if they pass, so a missing fetch is visible. */
  int skip = models_missing();
  Suite *s = suite_create("xnn_backend");
  TCase *ops = tcase_create("ops");
  tcase_add_test(ops, conv_same_uneven_stride2);
  tcase_add_test(ops, conv_even_kernel_dilation_no_bias);
  tcase_add_test(ops, depthwise_multiplier_stride2);
  tcase_add_test(ops, convs_on_gemm);
  tcase_add_test(ops, residual_block_fused_into_gemm);
  tcase_add_test(ops, arena_reuses_dead_buffers);
  tcase_add_test(ops, blaze_blocks_from_a_file);
  tcase_add_test(ops, pools_same_and_valid);
  tcase_add_test(ops, pool_1x1_runs_on_c);
  tcase_add_test(ops, add_mul_broadcast);
  tcase_add_test(ops, activations_and_softmax);
  tcase_add_test(ops, pad_channels_and_space);
  tcase_add_test(ops, fully_connected_shapes);
  tcase_add_test(ops, resize_bilinear_modes);
  tcase_add_test(ops, reshape_chain);
  tcase_add_test(ops, edge_shapes);
  tcase_add_test(ops, refused_op_names_the_op);
  tcase_add_test(ops, mismatched_shapes_stay_off_xnnpack);
  tcase_add_test(ops, concat_outer_axis_in_place);
  tcase_add_test(ops, concat_channels_copies);
  tcase_add_test(ops, concat_mixed_inputs);
  tcase_add_test(ops, concat_nested_in_place);
  suite_add_tcase(s, ops);
  if (!skip) {
    TCase *models = tcase_create("models");
    tcase_set_timeout(models, 600);
    tcase_add_test(models, short_range_matches_reference);
    tcase_add_test(models, full_range_matches_reference);
    tcase_add_test(models, models_match_float64);
    suite_add_tcase(s, models);
  }
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : skip;
}
