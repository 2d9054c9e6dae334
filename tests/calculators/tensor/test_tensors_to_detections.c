#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/error.h"
#include "tensor/tensors_to_detections_calculator.h"

/* Options as the face model's (XYWH via reverse_output_order), with
 * room for 1 keypoint and 2 classes so filters can be exercised. */
static ep_t2d_options base(void) {
  return (ep_t2d_options){.num_classes = 2,
                          .num_boxes = 2,
                          .num_coords = 6,
                          .keypoint_coord_offset = 4,
                          .num_keypoints = 1,
                          .num_values_per_keypoint = 2,
                          .x_scale = 128,
                          .y_scale = 128,
                          .w_scale = 128,
                          .h_scale = 128,
                          .box_format = EP_BOX_XYWH,
                          .max_results = -1,
                          .box_indices = {0, 1, 2, 3}};
}

static ep_anchors *two_anchors(void) {
  ep_anchors *a = ep__anchors_new(2);
  a->v[0] = (ep_anchor){0.5f, 0.5f, 1.0f, 1.0f};
  a->v[1] = (ep_anchor){0.25f, 0.75f, 0.5f, 0.5f};
  return a;
}

/* Box 0: center moved by (+12.8, -12.8) px of 128, 64 x 32 px, keypoint
 * at (+25.6, 0). Box 1: tiny offsets around its anchor. */
static const float raw[12] = {12.8f, -12.8f, 64,    32,    25.6f, 0,
                              0,     0,      12.8f, 12.8f, 0,     0};

/* Box values r with these scores over the two anchors, decoded under o
 * (which must succeed). Free with ep_detections_free. */
static ep_detections *decode(const ep_t2d_options *o, const float r[12],
                             const float scores[4]) {
  ep_anchors *a = two_anchors();
  ep_detections *out = ep_detections_new();
  ck_assert_int_eq(ep__t2d_decode(o, r, scores, a, out), 0);
  ep__anchors_free(a);
  return out;
}

START_TEST(decodes_xywh_against_anchors) {
  ep_t2d_options o = base();
  const float scores[4] = {0.9f, 0.1f, 0.3f, 0.7f};
  ep_detections *out = decode(&o, raw, scores);
  ck_assert_uint_eq(out->n, 2);
  ep_detection *d = &out->v[0];
  /* center (0.6, 0.4), size 0.5 x 0.25 */
  ck_assert_float_eq_tol(d->xmin, 0.35f, 1e-6);
  ck_assert_float_eq_tol(d->ymin, 0.275f, 1e-6);
  ck_assert_float_eq_tol(d->width, 0.5f, 1e-6);
  ck_assert_float_eq_tol(d->height, 0.25f, 1e-6);
  ck_assert_int_eq(d->n_keypoints, 1);
  ck_assert_float_eq_tol(d->keypoints[0].x, 0.7f, 1e-6);
  ck_assert_float_eq_tol(d->keypoints[0].y, 0.5f, 1e-6);
  ck_assert_float_eq_tol(d->score, 0.9f, 1e-7); /* no sigmoid */
  ck_assert_int_eq(d->label_id, 0);
  /* Box 1: anchor 0.5 wide, so 12.8/128 * 0.5 = 0.05 of size. */
  d = &out->v[1];
  ck_assert_float_eq_tol(d->width, 0.05f, 1e-6);
  ck_assert_float_eq_tol(d->xmin, 0.25f - 0.025f, 1e-6);
  ck_assert_float_eq_tol(d->ymin, 0.75f - 0.025f, 1e-6);
  ck_assert_int_eq(d->label_id, 1);
  ck_assert_float_eq_tol(d->score, 0.7f, 1e-7);
  ep_detections_free(out);
}
END_TEST

START_TEST(yxhw_swaps_axes) {
  ep_t2d_options o = base();
  o.box_format = EP_BOX_YXHW;
  const float scores[4] = {1, 0, 1, 0};
  ep_detections *out = decode(&o, raw, scores);
  ep_detection *d = &out->v[0];
  /* y_center 0.6, x_center 0.4, h 0.5, w 0.25; keypoint (y 0.7, x 0.5) */
  ck_assert_float_eq_tol(d->ymin, 0.35f, 1e-6);
  ck_assert_float_eq_tol(d->xmin, 0.275f, 1e-6);
  ck_assert_float_eq_tol(d->height, 0.5f, 1e-6);
  ck_assert_float_eq_tol(d->keypoints[0].y, 0.7f, 1e-6);
  ck_assert_float_eq_tol(d->keypoints[0].x, 0.5f, 1e-6);
  ep_detections_free(out);
}
END_TEST

START_TEST(sigmoid_clipping_and_threshold) {
  ep_t2d_options o = base();
  o.sigmoid_score = true;
  o.has_score_clipping_thresh = true;
  o.score_clipping_thresh = 2.0f;
  o.has_min_score_thresh = true;
  o.min_score_thresh = 0.6f;
  /* Box 0: logit 50 clipped to 2 -> sigmoid(2); box 1: best logit 0 -> 0.5
   * which is under the threshold. */
  const float scores[4] = {50.0f, -3.0f, 0.0f, -1.0f};
  ep_detections *out = decode(&o, raw, scores);
  ck_assert_uint_eq(out->n, 1);
  ck_assert_float_eq_tol(out->v[0].score, 1.0f / (1.0f + expf(-2.0f)), 1e-6);
  ep_detections_free(out);
}
END_TEST

START_TEST(class_filters_and_max_results) {
  ep_t2d_options o = base();
  const float scores[4] = {0.9f, 0.1f, 0.3f, 0.7f};
  int ignore[1] = {0};
  o.classes = ignore;
  o.n_classes = 1;
  ep_detections *out = decode(&o, raw, scores);
  /* Class 0 ignored: both boxes report class 1. */
  ck_assert_uint_eq(out->n, 2);
  ck_assert_int_eq(out->v[0].label_id, 1);
  ck_assert_float_eq_tol(out->v[0].score, 0.1f, 1e-7);
  ep_detections_free(out);
  o.classes_allow = true; /* allow only class 0 */
  o.max_results = 1;
  out = decode(&o, raw, scores);
  ck_assert_uint_eq(out->n, 1);
  ck_assert_int_eq(out->v[0].label_id, 0);
  ep_detections_free(out);
}
END_TEST

START_TEST(flip_and_exponential_sizes) {
  ep_t2d_options o = base();
  o.flip_vertically = true;
  o.apply_exponential_on_box_size = true;
  const float scores[4] = {1, 0, 1, 0};
  ep_detections *out = decode(&o, raw, scores);
  ep_detection *d = &out->v[0];
  float w = expf(64.0f / 128), h = expf(32.0f / 128);
  ck_assert_float_eq_tol(d->width, w, 1e-5);
  ck_assert_float_eq_tol(d->height, h, 1e-5);
  /* ymin = 1 - ymax with ymax = 0.4 + h/2 */
  ck_assert_float_eq_tol(d->ymin, 1.0f - (0.4f + h / 2), 1e-5);
  ck_assert_float_eq_tol(d->keypoints[0].y, 0.5f, 1e-6);
  ep_detections_free(out);
}
END_TEST

START_TEST(negative_sizes_are_dropped) {
  ep_t2d_options o = base();
  float r[12];
  memcpy(r, raw, sizeof r);
  r[2] = -10; /* negative width */
  const float scores[4] = {1, 0, 1, 0};
  ep_detections *out = decode(&o, r, scores);
  ck_assert_uint_eq(out->n, 1);
  ck_assert_float_eq_tol(out->v[0].width, 0.05f, 1e-6);
  ep_detections_free(out);
}
END_TEST

START_TEST(xyxy_distances) {
  ep_t2d_options o = base();
  o.box_format = EP_BOX_XYXY;
  /* Distances (left, top, right, bottom) 12.8, 25.6, 38.4, 51.2 px. */
  float r[12] = {12.8f, 25.6f, 38.4f, 51.2f, 0, 0, 0, 0, 1, 1, 0, 0};
  const float scores[4] = {1, 0, 1, 0};
  ep_detections *out = decode(&o, r, scores);
  ep_detection *d = &out->v[0];
  /* width (l + r) = 0.4, center 0.5 + (r - l) / 2 = 0.6 */
  ck_assert_float_eq_tol(d->width, 0.4f, 1e-6);
  ck_assert_float_eq_tol(d->xmin, 0.4f, 1e-6);
  ck_assert_float_eq_tol(d->height, 0.6f, 1e-6);
  ck_assert_float_eq_tol(d->ymin, 0.6f - 0.3f, 1e-6);
  ep_detections_free(out);
}
END_TEST

START_TEST(postprocessed_outputs) {
  ep_t2d_options o = base();
  o.num_keypoints = 0;
  o.num_coords = 4;
  o.box_indices[0] = 1, o.box_indices[1] = 0; /* xmin, ymin first */
  o.box_indices[2] = 3, o.box_indices[3] = 2;
  const float boxes[8] = {0.1f, 0.2f, 0.5f, 0.6f, 0.0f, 0.0f, 1.0f, 1.0f};
  const float scores[2] = {0.8f, 0.4f};
  const float classes[2] = {1, 0};
  ep_detections *out = ep_detections_new();
  ck_assert_int_eq(ep__t2d_postprocessed(&o, boxes, scores, classes, 2, 2, out),
                   0);
  ck_assert_uint_eq(out->n, 2);
  ck_assert_float_eq_tol(out->v[0].xmin, 0.1f, 1e-6);
  ck_assert_float_eq_tol(out->v[0].ymin, 0.2f, 1e-6);
  ck_assert_float_eq_tol(out->v[0].width, 0.4f, 1e-6);
  ck_assert_float_eq_tol(out->v[0].height, 0.4f, 1e-6);
  ck_assert_int_eq(out->v[0].label_id, 1);
  ck_assert_int_eq(ep__t2d_postprocessed(&o, boxes, scores, classes, 2, 3, out),
                   EP_EINVAL);
  ep_detections_free(out);
}
END_TEST

START_TEST(inconsistent_options_are_explained) {
  ep_t2d_options o = base();
  char err[160];
  ck_assert_int_eq(ep__t2d_check(&o, err, sizeof err), 0);
  o.num_coords = 16;
  ck_assert_int_eq(ep__t2d_check(&o, err, sizeof err), EP_EINVAL);
  ck_assert_ptr_nonnull(strstr(err, "num_coords"));
  o = base();
  o.max_results = 0;
  ck_assert_int_eq(ep__t2d_check(&o, err, sizeof err), EP_EINVAL);
  o = base();
  o.box_indices[3] = 0;
  ck_assert_int_eq(ep__t2d_check(&o, err, sizeof err), EP_EINVAL);
  ck_assert_ptr_nonnull(strstr(err, "box_boundaries_indices"));
}
END_TEST

START_TEST(short_anchor_list_is_an_error) {
  ep_t2d_options o = base();
  ep_anchors *a = ep__anchors_new(1);
  const float scores[4] = {0};
  ep_detections *out = ep_detections_new();
  ck_assert_int_eq(ep__t2d_decode(&o, raw, scores, a, out), EP_EINVAL);
  ep_detections_free(out);
  ep__anchors_free(a);
}
END_TEST

int main(void) {
  Suite *s = suite_create("tensors_to_detections");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, decodes_xywh_against_anchors);
  tcase_add_test(tc, yxhw_swaps_axes);
  tcase_add_test(tc, sigmoid_clipping_and_threshold);
  tcase_add_test(tc, class_filters_and_max_results);
  tcase_add_test(tc, flip_and_exponential_sizes);
  tcase_add_test(tc, negative_sizes_are_dropped);
  tcase_add_test(tc, xyxy_distances);
  tcase_add_test(tc, postprocessed_outputs);
  tcase_add_test(tc, inconsistent_options_are_explained);
  tcase_add_test(tc, short_anchor_list_is_an_error);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
