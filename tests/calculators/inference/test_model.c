/* Building execution plans: the two face models, the unsupported-op list,
 * and per-op checks on small models put together in memory. */
#include <check.h>
#include <math.h>

#include "edgepipe/error.h"
#include "infer_test.h"
#include "model_build.h"

static ep__model *load_ok(const char *rel) {
  ep__model *m;
  char *msg = NULL;
  int rc = ep__model_load(src_path(rel), &m, &msg);
  ck_assert_msg(rc == 0, "%s", msg ? msg : "?");
  return m;
}

static void assert_dims(const ep__mtensor *t, int nd, const int *d) {
  ck_assert_int_eq(t->ndims, nd);
  for (int i = 0; i < nd; i++)
    ck_assert_int_eq(t->dims[i], d[i]);
}

/* Runs m on the gradient input; every output value must be finite. */
static void runs_finite(const ep__model *m) {
  const ep__mtensor *it = &m->tensors[m->inputs[0]];
  float *x = aligned_alloc(64, (it->count * 4 + 63) / 64 * 64);
  make_input("gradient", it->dims, x);
  const float *in[1] = {x};
  float *out[2];
  ck_assert_int_eq(run_reference(m, in, out), 0);
  for (int k = 0; k < 2; k++) {
    for (size_t i = 0; i < m->tensors[m->outputs[k]].count; i++)
      ck_assert(isfinite(out[k][i]));
    free(out[k]);
  }
  free(x);
}

START_TEST(short_range_plan) {
  ep__model *m = load_ok("models/face_detection_short_range.tflite");
  ck_assert_uint_eq(m->n_inputs, 1);
  ck_assert_uint_eq(m->n_outputs, 2);
  assert_dims(&m->tensors[m->inputs[0]], 4, (int[]){1, 128, 128, 3});
  assert_dims(&m->tensors[m->outputs[0]], 3, (int[]){1, 896, 16});
  assert_dims(&m->tensors[m->outputs[1]], 3, (int[]){1, 896, 1});
  /* The first conv is 5x5 stride 2 SAME on 128: out 64, padding
   * (64-1)*2+5-128 = 3 split 1 before, 2 after. */
  const ep__op *c = &m->ops[0];
  ck_assert_int_eq(c->kind, EP__OP_CONV_2D);
  ck_assert_int_eq(c->p.conv.pad.top, 1);
  ck_assert_int_eq(c->p.conv.pad.bottom, 2);
  ck_assert_int_eq(c->p.conv.pad.left, 1);
  ck_assert_int_eq(c->p.conv.pad.right, 2);
  /* Weights are folded float32 constants; every tensor is defined. */
  for (size_t i = 0; i < m->n_ops; i++) {
    const ep__op *op = &m->ops[i];
    if (op->kind == EP__OP_CONV_2D || op->kind == EP__OP_DEPTHWISE_CONV_2D)
      ck_assert_ptr_nonnull(m->tensors[op->inputs[1]].data);
    ck_assert_int_eq(m->tensors[op->output].producer, (int)i);
  }
  for (size_t i = 0; i < m->n_tensors; i++)
    ck_assert(m->tensors[i].data || m->tensors[i].producer >= 0 ||
              (int)i == m->inputs[0]);
  ck_assert(ep__model_flops(m) > 1e7);
  runs_finite(m);
  ep__model_free(m);
}
END_TEST

START_TEST(full_range_plan) {
  ep__model *m = load_ok("models/face_detection_full_range.tflite");
  assert_dims(&m->tensors[m->inputs[0]], 4, (int[]){1, 192, 192, 3});
  assert_dims(&m->tensors[m->outputs[0]], 3, (int[]){1, 2304, 16});
  assert_dims(&m->tensors[m->outputs[1]], 3, (int[]){1, 2304, 1});
  int resizes = 0;
  for (size_t i = 0; i < m->n_ops; i++)
    if (m->ops[i].kind == EP__OP_RESIZE_BILINEAR) {
      resizes++;
      ck_assert(m->ops[i].p.resize.half_pixel_centers);
    }
  ck_assert_int_gt(resizes, 0);
  runs_finite(m);
  ep__model_free(m);
}
END_TEST

START_TEST(unsupported_ops_listed_together) {
  ep__model *m;
  char *msg = NULL, want[5 * 4096], path[4096];
  memcpy(path, src_path("tests/data/inference/unsupported.tflite"), 4096);
  ck_assert_int_eq(ep__model_load(path, &m, &msg), EP_EUNSUPPORTED);
  ck_assert_ptr_null(m);
  snprintf(want, sizeof want,
           "%s: op 0 (TANH) is not supported\n"
           "%s: op 1 (CUSTOM MyOp) is not supported\n"
           "%s: op 3 (SUB) is not supported\n"
           "%s: op 4 (GELU) is not supported",
           path, path, path, path);
  ck_assert_str_eq(msg, want);
  free(msg);
}
END_TEST

START_TEST(missing_file) {
  ep__model *m;
  char *msg = NULL;
  ck_assert_int_eq(ep__model_load("/nonexistent/model.tflite", &m, &msg),
                   EP_ENOENT);
  ck_assert_ptr_nonnull(strstr(msg, "/nonexistent/model.tflite: cannot open"));
  free(msg);
  ck_assert_int_eq(ep__model_load("/", &m, &msg), EP_EIO);
  ck_assert_str_eq(msg, "/: not a regular file");
  free(msg);
}
END_TEST

/* --- small models assembled in memory ------------------------------------ */

typedef struct mini {
  ep__tfl_model t;
  ep__tfl_tensor tensors[8];
  ep__tfl_op ops[3];
  int ins[1], outs[1], op_in[3][3], op_out[3][1];
  float w[4 * 3 * 3 * 3], bias[4];
} mini;

static void set_tensor(mini *m, int i, int nd, const int *d, const void *data,
                       size_t size) {
  ep__tfl_tensor *t = &m->tensors[i];
  t->name = "t";
  t->type = EP__TFL_FLOAT32;
  t->ndims = nd;
  memcpy(t->dims, d, (size_t)nd * sizeof *d);
  t->data = data;
  t->size = size;
}

/* input [1,6,5,3] -> CONV_2D 3x3 stride 2 SAME (4 out channels) -> [1,3,3,4]
 * unless a test changes it. */
static void conv_model(mini *m) {
  memset(m, 0, sizeof *m);
  m->t.name = "model.tflite";
  m->t.tensors = m->tensors;
  m->t.n_tensors = 4;
  m->t.ops = m->ops;
  m->t.n_ops = 1;
  m->t.inputs = m->ins;
  m->t.outputs = m->outs;
  m->t.n_inputs = m->t.n_outputs = 1;
  m->ins[0] = 0;
  m->outs[0] = 3;
  set_tensor(m, 0, 4, (int[]){1, 6, 5, 3}, NULL, 0);
  set_tensor(m, 1, 4, (int[]){4, 3, 3, 3}, m->w, sizeof m->w);
  set_tensor(m, 2, 1, (int[]){4}, m->bias, sizeof m->bias);
  set_tensor(m, 3, 4, (int[]){1, 3, 3, 4}, NULL, 0);
  ep__tfl_op *op = &m->ops[0];
  op->opcode = EP__TFL_CONV_2D;
  op->inputs = m->op_in[0];
  op->outputs = m->op_out[0];
  op->n_inputs = 3;
  op->n_outputs = 1;
  op->offset = 1234;
  m->op_in[0][0] = 0, m->op_in[0][1] = 1, m->op_in[0][2] = 2;
  m->op_out[0][0] = 3;
  op->opt.conv =
      (ep__tfl_conv_opts){EP__TFL_PAD_SAME, 2, 2, 1, EP__TFL_ACT_RELU, 1, 1};
}

/* Makes op 1 a RELU (at offset 99) from tensor in to tensor out. */
static void second_relu(mini *m, int in, int out) {
  m->ops[1] = (ep__tfl_op){.opcode = EP__TFL_RELU,
                           .inputs = m->op_in[1],
                           .outputs = m->op_out[1],
                           .n_inputs = 1,
                           .n_outputs = 1,
                           .offset = 99};
  m->op_in[1][0] = in;
  m->op_out[1][0] = out;
}

/* Builds the plan; returns its status and leaves the message in *msg. */
static int plan(mini *m, ep__model **out, char **msg) {
  *msg = NULL;
  return ep__model_from_tfl(&m->t, out, msg);
}

static void expect_error(mini *m, const char *text) {
  ep__model *p;
  char *msg;
  ck_assert_int_eq(plan(m, &p, &msg), EP_EMODEL);
  ck_assert_ptr_null(p);
  ck_assert_msg(strcmp(msg, text) == 0, "got \"%s\"\nwant \"%s\"", msg, text);
  free(msg);
}

START_TEST(conv_uneven_same_padding) {
  mini m;
  conv_model(&m);
  ep__model *p;
  char *msg;
  ck_assert_int_eq(plan(&m, &p, &msg), 0);
  /* H: 6 -> 3, total (3-1)*2+3-6 = 1: 0 before, 1 after.
   * W: 5 -> 3, total (3-1)*2+3-5 = 2: 1 before, 1 after. */
  const ep__conv_params *c = &p->ops[0].p.conv;
  ck_assert_int_eq(c->pad.top, 0);
  ck_assert_int_eq(c->pad.bottom, 1);
  ck_assert_int_eq(c->pad.left, 1);
  ck_assert_int_eq(c->pad.right, 1);
  ck_assert(p->ops[0].act_min == 0.0f && isinf(p->ops[0].act_max));
  ep__model_free(p);
  /* VALID: (6-3)/2+1 = 2 rows, (5-3)/2+1 = 2 columns, no padding. */
  m.ops[0].opt.conv.padding = EP__TFL_PAD_VALID;
  m.tensors[3].dims[1] = m.tensors[3].dims[2] = 2;
  ck_assert_int_eq(plan(&m, &p, &msg), 0);
  ck_assert_int_eq(p->ops[0].p.conv.pad.bottom, 0);
  ep__model_free(p);
}
END_TEST

START_TEST(conv_errors) {
  mini m;
  conv_model(&m);
  m.tensors[3].dims[3] = 5;
  expect_error(&m, "model.tflite: op 0 (CONV_2D): output tensor 3 has shape "
                   "[1,3,3,5], expected [1,3,3,4] at offset 1234");
  conv_model(&m);
  m.ops[0].opt.conv.padding = EP__TFL_PAD_VALID;
  m.ops[0].opt.conv.dilation_h = 3; /* window 7 rows on a 6-row input */
  expect_error(&m, "model.tflite: op 0 (CONV_2D): height window 7 is larger "
                   "than the input 6 at offset 1234");
  conv_model(&m);
  m.tensors[1].data = NULL;
  expect_error(&m, "model.tflite: op 0 (CONV_2D): filter tensor 1 is used "
                   "before it is computed at offset 1234");
  conv_model(&m);
  m.ops[0].opt.conv.activation = EP__TFL_ACT_TANH;
  expect_error(&m, "model.tflite: op 0 (CONV_2D): fused activation TANH is "
                   "not supported at offset 1234");
  conv_model(&m);
  m.ops[0].opt.conv.stride_h = 0;
  expect_error(&m, "model.tflite: op 0 (CONV_2D): bad height window (size 3, "
                   "stride 0, dilation 1) at offset 1234");
  conv_model(&m);
  m.tensors[2].dims[0] = 3;
  m.tensors[2].size = 12;
  expect_error(&m, "model.tflite: op 0 (CONV_2D): bias has 3 values, "
                   "expected 4 at offset 1234");
  conv_model(&m);
  m.tensors[1].dims[3] = 2; /* 2 filter channels for 3 input channels */
  m.tensors[1].size = 4 * 3 * 3 * 2 * 4;
  expect_error(&m, "model.tflite: op 0 (CONV_2D): filter [4,3,3,2] does not "
                   "fit 3 input channels at offset 1234");
  conv_model(&m);
  m.tensors[0].type = EP__TFL_INT8;
  expect_error(&m, "model.tflite: model input 0 (tensor 0, t) must be a "
                   "float32 tensor of a sane size, not INT8 at offset 0");
}
END_TEST

START_TEST(order_and_outputs) {
  mini m;
  conv_model(&m);
  /* op 0 reads tensor 4, which op 1 computes only later. */
  m.t.n_tensors = 5;
  m.t.n_ops = 2;
  set_tensor(&m, 4, 4, (int[]){1, 6, 5, 3}, NULL, 0);
  m.op_in[0][0] = 4;
  second_relu(&m, 0, 4);
  expect_error(&m, "model.tflite: op 0 (CONV_2D): input tensor 4 is used "
                   "before it is computed at offset 1234");
  /* An output nothing computes. */
  conv_model(&m);
  m.t.n_tensors = 5;
  set_tensor(&m, 4, 1, (int[]){4}, NULL, 0);
  m.outs[0] = 4;
  expect_error(&m, "model.tflite: model output 0 (tensor 4, t) is never "
                   "computed at offset 0");
  /* Two ops writing one tensor. */
  conv_model(&m);
  m.t.n_ops = 2;
  second_relu(&m, 3, 3);
  expect_error(&m, "model.tflite: op 1 (RELU): output tensor 3 is already "
                   "defined at offset 99");
}
END_TEST

START_TEST(dequantize_folding) {
  mini m;
  conv_model(&m);
  /* The filter comes from a float16 constant through DEQUANTIZE. */
  uint16_t half[108];
  for (int i = 0; i < 108; i++)
    half[i] = (uint16_t)(i % 2 ? 0xC100 : 0x3C00); /* -2.5 and 1.0 */
  m.t.n_tensors = 5;
  set_tensor(&m, 4, 4, (int[]){4, 3, 3, 3}, half, sizeof half);
  m.tensors[4].type = EP__TFL_FLOAT16;
  m.tensors[1].data = NULL;
  m.t.n_ops = 2;
  m.ops[1] = m.ops[0];
  m.ops[0] = (ep__tfl_op){.opcode = EP__TFL_DEQUANTIZE,
                          .inputs = m.op_in[1],
                          .outputs = m.op_out[1],
                          .n_inputs = 1,
                          .n_outputs = 1,
                          .offset = 77};
  m.op_in[1][0] = 4;
  m.op_out[1][0] = 1;
  ep__model *p;
  char *msg;
  ck_assert_int_eq(plan(&m, &p, &msg), 0);
  ck_assert_uint_eq(p->n_ops, 1); /* no DEQUANTIZE left to run */
  ck_assert_int_eq(p->ops[0].tflite_index, 1);
  const float *w = p->tensors[p->ops[0].inputs[1]].data;
  ck_assert_ptr_nonnull(w);
  ck_assert(w[0] == 1.0f && w[1] == -2.5f && w[107] == -2.5f);
  /* The float16 tensor itself is not part of the plan. */
  ck_assert_uint_eq(p->n_tensors, 4);
  ep__model_free(p);
  /* Dequantizing a computed tensor is not something we fold. */
  m.tensors[4].data = NULL;
  m.ins[0] = 4;
  m.op_in[0][0] = 0;
  expect_error(&m, "model.tflite: model input 0 (tensor 4, t) must be a "
                   "float32 tensor of a sane size, not FLOAT16 at offset 0");
}
END_TEST

int main(void) {
  int skip = models_missing();
  if (skip)
    return skip;
  Suite *s = suite_create("inference_model");
  TCase *tc = tcase_create("plan");
  tcase_add_test(tc, short_range_plan);
  tcase_add_test(tc, full_range_plan);
  tcase_add_test(tc, unsupported_ops_listed_together);
  tcase_add_test(tc, missing_file);
  tcase_add_test(tc, conv_uneven_same_padding);
  tcase_add_test(tc, conv_errors);
  tcase_add_test(tc, order_and_outputs);
  tcase_add_test(tc, dequantize_folding);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
