#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/error.h"
#include "face_anchor_options.h"
#include "tensor/ssd_anchors.h"

START_TEST(face_model_has_896_anchors) {
  ep_ssd_anchor_options o = face_anchor_options();
  ep_anchors *a = NULL;
  char err[128];
  ck_assert_int_eq(ep__ssd_anchors_generate(&o, &a, err, sizeof err), 0);
  /* Stride 8: a 16x16 grid, 2 anchors a cell (ratio 1 and the
   * interpolated one). Strides 16 x3: an 8x8 grid, 3 x 2 anchors a cell. */
  ck_assert_uint_eq(a->n, 16 * 16 * 2 + 8 * 8 * 6);
  ck_assert_uint_eq(a->n, 896);
  /* First: cell (0,0) of the 16 grid; last: cell (7,7) of the 8 grid. */
  ck_assert_float_eq_tol(a->v[0].x_center, 0.5f / 16, 1e-7);
  ck_assert_float_eq_tol(a->v[0].y_center, 0.5f / 16, 1e-7);
  ck_assert_float_eq_tol(a->v[895].x_center, 7.5f / 8, 1e-7);
  ck_assert_float_eq_tol(a->v[895].y_center, 7.5f / 8, 1e-7);
  for (size_t i = 0; i < a->n; i++) {
    ck_assert(a->v[i].w == 1.0f && a->v[i].h == 1.0f);
  }
  /* Anchor 2*(16*r + c) + k is cell (r, c) of the first grid. */
  size_t i = 2 * (16 * 3 + 5) + 1;
  ck_assert_float_eq_tol(a->v[i].x_center, 5.5f / 16, 1e-7);
  ck_assert_float_eq_tol(a->v[i].y_center, 3.5f / 16, 1e-7);
  /* The second grid starts at 512, 6 anchors per cell. */
  ck_assert_float_eq_tol(a->v[512 + 6 * (8 * 2 + 1)].x_center, 1.5f / 8, 1e-7);
  ck_assert_float_eq_tol(a->v[512 + 6 * (8 * 2 + 1)].y_center, 2.5f / 8, 1e-7);
  ep__anchors_free(a);
}
END_TEST

START_TEST(sizes_follow_scales_and_ratios) {
  static const int strides[2] = {32, 64};
  static const float ratios[2] = {1.0f, 4.0f};
  ep_ssd_anchor_options o = {.input_size_width = 128,
                             .input_size_height = 64,
                             .min_scale = 0.2f,
                             .max_scale = 0.8f,
                             .anchor_offset_x = 0.5f,
                             .anchor_offset_y = 0.5f,
                             .num_layers = 2,
                             .n_strides = 2,
                             .strides = strides,
                             .n_aspect_ratios = 2,
                             .aspect_ratios = ratios,
                             .interpolated_scale_aspect_ratio = 1.0f};
  ep_anchors *a = NULL;
  ck_assert_int_eq(ep__ssd_anchors_generate(&o, &a, NULL, 0), 0);
  /* Layer 0: 4x2 cells x 3 anchors; layer 1: 2x1 cells x 3. */
  ck_assert_uint_eq(a->n, 4 * 2 * 3 + 2 * 1 * 3);
  /* Layer 0 scale 0.2: ratio 1 -> 0.2 x 0.2; ratio 4 -> w 0.4, h 0.1;
   * interpolated sqrt(0.2 * 0.8) = 0.4. */
  ck_assert_float_eq_tol(a->v[0].w, 0.2f, 1e-6);
  ck_assert_float_eq_tol(a->v[1].w, 0.4f, 1e-6);
  ck_assert_float_eq_tol(a->v[1].h, 0.1f, 1e-6);
  ck_assert_float_eq_tol(a->v[2].w, 0.4f, 1e-6);
  /* Layer 1 (last) scale 0.8: interpolated with 1.0 -> sqrt(0.8). */
  ck_assert_float_eq_tol(a->v[24 + 2].h, sqrtf(0.8f), 1e-6);
  /* Cell (0, 1) of layer 1's 2x1 grid. */
  ck_assert_float_eq_tol(a->v[24 + 3].x_center, 0.75f, 1e-6);
  ck_assert_float_eq_tol(a->v[24 + 3].y_center, 0.5f, 1e-6);
  ep__anchors_free(a);
}
END_TEST

START_TEST(lowest_layer_reduction_uses_three_boxes) {
  static const int strides[2] = {16, 32};
  ep_ssd_anchor_options o = face_anchor_options();
  o.num_layers = 2;
  o.n_strides = 2;
  o.strides = strides;
  o.fixed_anchor_size = false;
  o.reduce_boxes_in_lowest_layer = true;
  ep_anchors *a = NULL;
  ck_assert_int_eq(ep__ssd_anchors_generate(&o, &a, NULL, 0), 0);
  ck_assert_uint_eq(a->n, 8 * 8 * 3 + 4 * 4 * 2);
  ck_assert_float_eq_tol(a->v[0].w, 0.1f, 1e-6);
  ck_assert_float_eq_tol(a->v[1].w, 0.1484375f * sqrtf(2.0f), 1e-6);
  ck_assert_float_eq_tol(a->v[2].h, 0.1484375f * sqrtf(2.0f), 1e-6);
  ep__anchors_free(a);
}
END_TEST

START_TEST(multiscale_grid) {
  static const int strides[2] = {8, 16};
  static const float ratios[1] = {1.0f};
  ep_ssd_anchor_options o = {.input_size_width = 64,
                             .input_size_height = 64,
                             .n_strides = 2,
                             .strides = strides,
                             .n_aspect_ratios = 1,
                             .aspect_ratios = ratios,
                             .multiscale_anchor_generation = true,
                             .min_level = 3,
                             .max_level = 4,
                             .anchor_scale = 4.0f,
                             .scales_per_octave = 2,
                             .normalize_coordinates = true};
  ep_anchors *a = NULL;
  ck_assert_int_eq(ep__ssd_anchors_generate(&o, &a, NULL, 0), 0);
  ck_assert_uint_eq(a->n, 8 * 8 * 2 + 4 * 4 * 2);
  /* Level 3: stride 8, base 32 px; offsets half a stride. */
  ck_assert_float_eq_tol(a->v[0].x_center, 4.0f / 64, 1e-6);
  ck_assert_float_eq_tol(a->v[0].w, 32.0f / 64, 1e-6);
  ck_assert_float_eq_tol(a->v[1].w, 32.0f * sqrtf(2.0f) / 64, 1e-5);
  ep__anchors_free(a);
}
END_TEST

START_TEST(bad_options_are_explained) {
  ep_ssd_anchor_options o = face_anchor_options();
  ep_anchors *a = NULL;
  char err[160] = "";
  o.n_strides = 3;
  ck_assert_int_eq(ep__ssd_anchors_generate(&o, &a, err, sizeof err),
                   EP_EINVAL);
  ck_assert_ptr_null(a);
  ck_assert_ptr_nonnull(strstr(err, "strides"));
  o = face_anchor_options();
  o.n_strides = 0;
  ck_assert_int_eq(ep__ssd_anchors_generate(&o, &a, err, sizeof err),
                   EP_EINVAL);
  ck_assert_ptr_nonnull(strstr(err, "missing"));
  o = face_anchor_options();
  o.num_layers = 0;
  ck_assert_int_eq(ep__ssd_anchors_generate(&o, &a, err, sizeof err),
                   EP_EINVAL);
  ck_assert_ptr_nonnull(strstr(err, "num_layers"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("ssd_anchors");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, face_model_has_896_anchors);
  tcase_add_test(tc, sizes_follow_scales_and_ratios);
  tcase_add_test(tc, lowest_layer_reduction_uses_three_boxes);
  tcase_add_test(tc, multiscale_grid);
  tcase_add_test(tc, bad_options_are_explained);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
