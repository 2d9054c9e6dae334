/* The reference kernels against an independent runtime: a float64 NumPy
 * evaluation of the same models (tests/tools/tflite_numpy.py) whose outputs
 * on fixed inputs are stored as tests/data/inference/NAME.f32. */
#include <check.h>
#include <math.h>

#include "infer_test.h"

/* Runs model/pattern and compares every output with the stored NumPy
 * values; the tolerance is 1e-4 of each output's largest magnitude. */
static void match(const char *model_rel, const char *data_rel,
                  const char *pattern) {
  ep__model *m;
  char *msg = NULL;
  int rc = ep__model_load(src_path(model_rel), &m, &msg);
  ck_assert_msg(rc == 0, "%s", msg ? msg : "?");
  size_t n;
  float *want = (float *)read_all(src_path(data_rel), &n);
  ck_assert_ptr_nonnull(want);
  const ep__mtensor *it = &m->tensors[m->inputs[0]];
  float *x = aligned_alloc(64, (it->count * 4 + 63) / 64 * 64);
  make_input(pattern, it->dims, x);
  const float *in[1] = {x};
  float *out[8];
  ck_assert_int_le(m->n_outputs, 8);
  ck_assert_int_eq(run_reference(m, in, out), 0);
  size_t off = 0;
  for (size_t k = 0; k < m->n_outputs; k++) {
    size_t cnt = m->tensors[m->outputs[k]].count;
    ck_assert_uint_le((off + cnt) * 4, n);
    double err = 0, scale = 0;
    for (size_t i = 0; i < cnt; i++) {
      err = fmax(err, fabs((double)out[k][i] - want[off + i]));
      scale = fmax(scale, fabs(want[off + i]));
    }
    fprintf(stderr, "%s %s output %zu (%s): max abs error %.3g, scale %.3g\n",
            model_rel, pattern, k, m->tensors[m->outputs[k]].name, err, scale);
    ck_assert_msg(err <= 1e-4 * fmax(scale, 1.0),
                  "%s output %zu: max abs error %g (scale %g)", model_rel, k,
                  err, scale);
    off += cnt;
    free(out[k]);
  }
  ck_assert_uint_eq(off * 4, n); /* the file holds exactly these outputs */
  free(x);
  free(want);
  ep__model_free(m);
}

START_TEST(short_range_gradient) {
  match("models/face_detection_short_range.tflite",
        "tests/data/inference/face_detection_short_range_gradient.f32",
        "gradient");
}
END_TEST

START_TEST(short_range_noise) {
  match("models/face_detection_short_range.tflite",
        "tests/data/inference/face_detection_short_range_noise.f32", "noise");
}
END_TEST

START_TEST(full_range_gradient) {
  match("models/face_detection_full_range.tflite",
        "tests/data/inference/face_detection_full_range_gradient.f32",
        "gradient");
}
END_TEST

START_TEST(all_ops) {
  match("tests/data/inference/all_ops.tflite",
        "tests/data/inference/all_ops_gradient.f32", "gradient");
  match("tests/data/inference/all_ops.tflite",
        "tests/data/inference/all_ops_noise.f32", "noise");
}
END_TEST

int main(void) {
  int skip = models_missing();
  if (skip)
    return skip;
  Suite *s = suite_create("inference_numpy_match");
  TCase *tc = tcase_create("reference_vs_numpy");
  tcase_add_test(tc, short_range_gradient);
  tcase_add_test(tc, short_range_noise);
  tcase_add_test(tc, full_range_gradient);
  tcase_add_test(tc, all_ops);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
