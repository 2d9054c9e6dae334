/* InferenceCalculator inside a running graph: outputs at the input's
 * timestamps, the model path from an option or a side packet, and the
 * errors a user sees for a missing model, a wrong input shape and
 * unsupported ops. */
#include <check.h>
#include <math.h>

#include "edgepipe/error.h"
#include "edgepipe/graph.h"
#include "edgepipe/tensor.h"
#include "infer_test.h"

#define SHORT "models/face_detection_short_range.tflite"

/* A one-node graph; model_path (absolute) unless NULL, delegate text as
 * written inside `delegate { ... }` unless NULL. */
static ep_graph *make_graph(const char *model, const char *delegate,
                            bool side_packet) {
  char text[8192], opts[6000] = "";
  size_t k = 0;
  if (model)
    k += (size_t)snprintf(opts + k, sizeof opts - k, "model_path: \"%s\" ",
                          model);
  if (delegate)
    snprintf(opts + k, sizeof opts - k, "delegate { %s }", delegate);
  snprintf(text, sizeof text,
           "input_stream: \"in\"\n"
           "output_stream: \"out\"\n"
           "%s"
           "node {\n"
           "  calculator: \"InferenceCalculator\"\n"
           "  name: \"detector\"\n"
           "  input_stream: \"TENSORS:in\"\n"
           "  output_stream: \"TENSORS:out\"\n"
           "%s"
           "  options: { [mediapipe.InferenceCalculatorOptions.ext] { %s } }\n"
           "}\n",
           side_packet ? "input_side_packet: \"model\"\n" : "",
           side_packet ? "  input_side_packet: \"MODEL_PATH:model\"\n" : "",
           opts);
  ep_graph *g;
  char *err = NULL;
  int rc =
      ep_graph_create_from_string(text, strlen(text), "pbtxt", NULL, &g, &err);
  ck_assert_msg(rc == 0, "%s", err ? err : "?");
  return g;
}

typedef struct seen {
  int n;
  ep_timestamp ts[4];
  ep_packet *last;
} seen;

static int observe(void *user, ep_packet *p) {
  seen *s = user;
  if (s->n < 4)
    s->ts[s->n] = ep_packet_timestamp(p);
  s->n++;
  ep_packet_unref(s->last);
  s->last = ep_packet_ref(p);
  return 0;
}

static ep_packet *tensors_packet(int h, int w, ep_timestamp ts) {
  ep_tensors *v = ep_tensors_new();
  int dims[4] = {1, h, w, 3};
  ep_tensor *t = ep_tensor_new(EP_DTYPE_FLOAT32, 4, dims);
  make_input("gradient", dims, ep_tensor_data(t));
  ep_tensors_push(v, t);
  return ep_packet_new(&ep_type_tensors, v, ts);
}

/* Runs g on `frames` gradient inputs of h x w; returns wait's status. */
static int run(ep_graph *g, seen *s, int frames, int h, int w,
               const ep_side_packet *side, size_t n_side) {
  ck_assert_int_eq(ep_graph_observe(g, "out", observe, s), 0);
  int rc = ep_graph_start(g, side, n_side);
  if (rc)
    return rc;
  for (int i = 0; i < frames; i++)
    if (ep_graph_add_packet(g, "in", tensors_packet(h, w, 1000 * (i + 1)), 0))
      break;
  ep_graph_close_all_inputs(g);
  return ep_graph_wait(g);
}

/* The last output matches the stored NumPy evaluation of the model. */
static void check_outputs(const seen *s) {
  const ep_tensors *out = ep_packet_data(s->last);
  ck_assert_uint_eq(out->n, 2);
  ck_assert_int_eq(ep_tensor_dim(out->v[0], 1), 896);
  ck_assert_int_eq(ep_tensor_dim(out->v[1], 2), 1);
  size_t n;
  float *want = (float *)read_all(
      src_path("tests/data/inference/face_detection_short_range_gradient.f32"),
      &n);
  const float *r = ep_tensor_cdata(out->v[0]);
  const float *c = ep_tensor_cdata(out->v[1]);
  double err = 0;
  for (size_t i = 0; i < 896 * 16; i++)
    err = fmax(err, fabs(r[i] - want[i]));
  for (size_t i = 0; i < 896; i++)
    err = fmax(err, fabs(c[i] - want[896 * 16 + i]));
  ck_assert_msg(err < 0.03, "max abs error %g", err);
  free(want);
}

static void check_delegate(const char *delegate) {
  ep_graph *g = make_graph(src_path(SHORT), delegate, false);
  seen s = {0};
  int rc = run(g, &s, 3, 128, 128, NULL, 0);
  ck_assert_msg(rc == 0, "%s", ep_graph_error(g));
  ck_assert_int_eq(s.n, 3);
  ck_assert_int_eq(s.ts[0], 1000);
  ck_assert_int_eq(s.ts[2], 3000);
  check_outputs(&s);
  ep_packet_unref(s.last);
  ep_graph_destroy(g);
}

START_TEST(runs_each_delegate) {
  check_delegate("reference {}");
  check_delegate("tflite {}");
  check_delegate("xnnpack { num_threads: 2 }");
  check_delegate(NULL);
}
END_TEST

START_TEST(model_path_side_packet) {
  ep_graph *g = make_graph(NULL, NULL, true);
  ep_packet *path = ep_packet_new_string(src_path(SHORT), 0);
  ep_side_packet side = {"model", path};
  seen s = {0};
  int rc = run(g, &s, 1, 128, 128, &side, 1);
  ck_assert_msg(rc == 0, "%s", ep_graph_error(g));
  ck_assert_int_eq(s.n, 1);
  check_outputs(&s);
  ep_packet_unref(s.last);
  ep_packet_unref(path);
  ep_graph_destroy(g);
}
END_TEST

/* The graph's error message for a run that must fail. */
static void expect_failure(const char *model, const char *delegate, int h,
                           const char *want) {
  ep_graph *g = make_graph(model, delegate, false);
  seen s = {0};
  ck_assert_int_ne(run(g, &s, 1, h, h, NULL, 0), 0);
  const char *e = ep_graph_error(g);
  ck_assert_msg(e && strstr(e, want), "error \"%s\"\nwant \"%s\"",
                e ? e : "(none)", want);
  ck_assert_int_eq(s.n, 0);
  ep_graph_destroy(g);
}

START_TEST(errors_name_file_and_shapes) {
  char want[4200];
  expect_failure("/nonexistent/face.tflite", NULL, 128,
                 "node 'detector' (InferenceCalculator): "
                 "/nonexistent/face.tflite: cannot open");
  snprintf(want, sizeof want,
           "%s: input tensor 0: expected float32 [1,128,128,3], got float32 "
           "[1,192,192,3]",
           src_path(SHORT));
  expect_failure(src_path(SHORT), "reference {}", 192, want);
  expect_failure(NULL, NULL, 128,
                 "no model: set the model_path option or the MODEL_PATH "
                 "side packet");
  expect_failure(src_path(SHORT), "reference {} tflite {}", 128,
                 "delegate: set only one of xnnpack, tflite, reference");
  snprintf(want, sizeof want, "%s: op 1 (CUSTOM MyOp) is not supported",
           src_path("tests/data/inference/unsupported.tflite"));
  expect_failure(src_path("tests/data/inference/unsupported.tflite"), NULL, 128,
                 want);
}
END_TEST

int main(void) {
  int skip = models_missing();
  if (skip)
    return skip;
  Suite *s = suite_create("inference_calculator");
  TCase *tc = tcase_create("graph");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, runs_each_delegate);
  tcase_add_test(tc, model_path_side_packet);
  tcase_add_test(tc, errors_name_file_and_shapes);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
