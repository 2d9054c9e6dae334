/* The session behind InferenceCalculator: loading errors name the file,
 * inputs are checked against the model, outputs come back as Tensors. */
#include <check.h>
#include <math.h>
#include <unistd.h>

#include "edgepipe/error.h"
#include "infer_test.h"
#include "inference_session.h"

#define SHORT "models/face_detection_short_range.tflite"

static ep__infer_session *open_ok(const char *delegate) {
  ep__infer_session *s;
  char *msg = NULL;
  int rc = ep__infer_session_open(src_path(SHORT), delegate, 1, &s, &msg);
  ck_assert_msg(rc == 0, "%s", msg ? msg : "?");
  return s;
}

static ep_tensors *input(int nd, const int *dims, ep_dtype dtype) {
  ep_tensors *ts = ep_tensors_new();
  ep_tensor *t = ep_tensor_new(dtype, nd, dims);
  if (dtype == EP_DTYPE_FLOAT32 && nd >= 3)
    make_input("gradient", (int[]){1, dims[nd - 3], dims[nd - 2], dims[nd - 1]},
               ep_tensor_data(t));
  ep_tensors_push(ts, t);
  return ts;
}

START_TEST(runs_and_matches_numpy) {
  ep__infer_session *s = open_ok("reference");
  ck_assert_str_eq(ep__infer_session_backend(s), "reference");
  ep_tensors *in = input(4, (int[]){1, 128, 128, 3}, EP_DTYPE_FLOAT32), *out;
  char *msg;
  ck_assert_int_eq(ep__infer_session_run(s, in, &out, &msg), 0);
  ck_assert_uint_eq(out->n, 2);
  ck_assert_int_eq(ep_tensor_dim(out->v[0], 1), 896);
  ck_assert_int_eq(ep_tensor_dim(out->v[0], 2), 16);
  ck_assert_int_eq(ep_tensor_dim(out->v[1], 2), 1);
  size_t n;
  float *want = (float *)read_all(
      src_path("tests/data/inference/face_detection_short_range_gradient.f32"),
      &n);
  ck_assert_uint_eq(n, (896 * 16 + 896) * 4);
  const float *r = ep_tensor_cdata(out->v[0]), *c = ep_tensor_cdata(out->v[1]);
  for (size_t i = 0; i < 896 * 16; i++)
    ck_assert(fabsf(r[i] - want[i]) < 0.01f);
  for (size_t i = 0; i < 896; i++)
    ck_assert(fabsf(c[i] - want[896 * 16 + i]) < 0.01f);
  free(want);
  ep_tensors_free(out);
  /* A shape without the batch dim is the same input. */
  ep_tensors_free(in);
  in = input(3, (int[]){128, 128, 3}, EP_DTYPE_FLOAT32);
  ck_assert_int_eq(ep__infer_session_run(s, in, &out, &msg), 0);
  ep_tensors_free(out);
  ep_tensors_free(in);
  ep__infer_session_free(s);
}
END_TEST

static void expect_run_error(ep__infer_session *s, ep_tensors *in,
                             const char *tail) {
  ep_tensors *out;
  char *msg, want[4200];
  ck_assert_int_eq(ep__infer_session_run(s, in, &out, &msg), EP_EINVAL);
  ck_assert_ptr_null(out);
  snprintf(want, sizeof want, "%s: %s", src_path(SHORT), tail);
  ck_assert_str_eq(msg, want);
  free(msg);
  ep_tensors_free(in);
}

START_TEST(wrong_inputs) {
  ep__infer_session *s = open_ok("reference");
  expect_run_error(s, input(4, (int[]){1, 192, 192, 3}, EP_DTYPE_FLOAT32),
                   "input tensor 0: expected float32 [1,128,128,3], got "
                   "float32 [1,192,192,3]");
  expect_run_error(s, input(4, (int[]){1, 128, 128, 3}, EP_DTYPE_UINT8),
                   "input tensor 0: expected float32 [1,128,128,3], got "
                   "uint8 [1,128,128,3]");
  ep_tensors *two = input(4, (int[]){1, 128, 128, 3}, EP_DTYPE_FLOAT32);
  ep_tensors_push(two, ep_tensor_new(EP_DTYPE_FLOAT32, 1, (int[]){3}));
  expect_run_error(s, two, "expected 1 input tensor(s), got 2");
  expect_run_error(s, ep_tensors_new(), "expected 1 input tensor(s), got 0");
  ep__infer_session_free(s);
}
END_TEST

START_TEST(open_errors_name_the_file) {
  ep__infer_session *s;
  char *msg;
  ck_assert_int_eq(
      ep__infer_session_open("/no/such.tflite", "reference", 1, &s, &msg),
      EP_ENOENT);
  ck_assert_ptr_nonnull(strstr(msg, "/no/such.tflite: cannot open"));
  free(msg);
  /* A truncated copy: the message names the copy and an offset. */
  size_t n;
  unsigned char *b = read_all(src_path(SHORT), &n);
  char path[] = "/tmp/ep_truncated_XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, b, n / 2), (ssize_t)(n / 2));
  close(fd);
  free(b);
  ck_assert_int_eq(ep__infer_session_open(path, "reference", 1, &s, &msg),
                   EP_EMODEL);
  ck_assert_msg(strncmp(msg, path, strlen(path)) == 0 &&
                    strstr(msg, " at offset "),
                "%s", msg);
  free(msg);
  unlink(path);
  ck_assert_int_eq(ep__infer_session_open(src_path(SHORT), "gpu", 1, &s, &msg),
                   EP_EINVAL);
  ck_assert_str_eq(msg, "unknown delegate \"gpu\" (xnnpack or reference)");
  free(msg);
}
END_TEST

START_TEST(default_delegate) {
  ep__infer_session *s = open_ok("xnnpack");
#if defined(EP_HAVE_XNNPACK) && defined(EP_INFER_XNN_BACKEND)
  ck_assert_str_eq(ep__infer_session_backend(s), "xnnpack");
#else
  ck_assert_str_eq(ep__infer_session_backend(s), "reference");
#endif
  ep__infer_session_free(s);
}
END_TEST

int main(void) {
  int skip = models_missing();
  if (skip)
    return skip;
  Suite *s = suite_create("inference_session");
  TCase *tc = tcase_create("session");
  tcase_add_test(tc, runs_and_matches_numpy);
  tcase_add_test(tc, wrong_inputs);
  tcase_add_test(tc, open_errors_name_the_file);
  tcase_add_test(tc, default_delegate);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
