#include <check.h>
#include <stdlib.h>

#include "detection/non_max_suppression_calculator.h"
#include "edgepipe/error.h"

static ep_detection box(float x, float y, float w, float h, float score) {
  ep_detection d = {.score = score,
                    .xmin = x,
                    .ymin = y,
                    .width = w,
                    .height = h,
                    .n_keypoints = 1};
  d.keypoints[0].x = x + w / 2;
  d.keypoints[0].y = y + h / 2;
  return d;
}

/* A and B overlap (IoU 0.62); C is apart. Given out of score order. */
static ep_detections *abc(void) {
  ep_detections *in = ep_detections_new();
  ep_detection c = box(0.6f, 0.6f, 0.3f, 0.3f, 0.7f);
  ep_detection b = box(0.05f, 0.05f, 0.4f, 0.4f, 0.8f);
  ep_detection a = box(0.0f, 0.0f, 0.4f, 0.4f, 0.9f);
  ep_detections_push(in, &c);
  ep_detections_push(in, &b);
  ep_detections_push(in, &a);
  return in;
}

static ep_nms_options iou(float thr, bool weighted) {
  return (ep_nms_options){.min_suppression_threshold = thr,
                          .overlap_type = EP_OVERLAP_IOU,
                          .weighted = weighted,
                          .max_num_detections = -1,
                          .min_score_threshold = -1};
}

START_TEST(overlap_measures) {
  ep_detection a = box(0, 0, 0.4f, 0.4f, 1),
               b = box(0.05f, 0.05f, 0.4f, 0.4f, 1);
  float inter = 0.35f * 0.35f;
  ck_assert_float_eq_tol(ep__nms_overlap(EP_OVERLAP_IOU, &a, &b),
                         inter / (0.16f + 0.16f - inter), 1e-6);
  /* MediaPipe's JACCARD divides by the box around both. */
  ck_assert_float_eq_tol(ep__nms_overlap(EP_OVERLAP_JACCARD, &a, &b),
                         inter / (0.45f * 0.45f), 1e-6);
  ep_detection e = box(0.1f, 0.1f, 0.1f, 0.1f, 1);
  ck_assert_float_eq_tol(ep__nms_overlap(EP_OVERLAP_MODIFIED_JACCARD, &a, &e),
                         1.0f, 1e-6);
  ep_detection far = box(0.5f, 0.5f, 0.1f, 0.1f, 1);
  ck_assert(ep__nms_overlap(EP_OVERLAP_IOU, &a, &far) == 0.0f);
}
END_TEST

START_TEST(default_keeps_best_of_each_cluster) {
  ep_detections *in = abc(), *out = ep_detections_new();
  ep_nms_options o = iou(0.3f, false);
  ck_assert_int_eq(ep__nms(&o, in, out), 0);
  ck_assert_uint_eq(out->n, 2);
  ck_assert_float_eq(out->v[0].score, 0.9f);
  ck_assert_float_eq(out->v[0].xmin, 0.0f); /* A untouched */
  ck_assert_float_eq(out->v[1].score, 0.7f);
  ep_detections_free(in);
  ep_detections_free(out);
}
END_TEST

START_TEST(weighted_averages_each_cluster) {
  ep_detections *in = abc(), *out = ep_detections_new();
  ep_nms_options o = iou(0.3f, true);
  ck_assert_int_eq(ep__nms(&o, in, out), 0);
  ck_assert_uint_eq(out->n, 2);
  const ep_detection *w = &out->v[0];
  float total = 0.9f + 0.8f;
  ck_assert_float_eq_tol(w->xmin, (0.0f * 0.9f + 0.05f * 0.8f) / total, 1e-6);
  ck_assert_float_eq_tol(w->ymin, (0.0f * 0.9f + 0.05f * 0.8f) / total, 1e-6);
  float xmax = (0.4f * 0.9f + 0.45f * 0.8f) / total;
  ck_assert_float_eq_tol(w->width, xmax - w->xmin, 1e-6);
  ck_assert_float_eq_tol(w->keypoints[0].x,
                         (0.2f * 0.9f + 0.25f * 0.8f) / total, 1e-6);
  ck_assert_float_eq(w->score, 0.9f);                 /* the best one's score */
  ck_assert_float_eq_tol(out->v[1].xmin, 0.6f, 1e-7); /* C alone: as is */
  ep_detections_free(in);
  ep_detections_free(out);
}
END_TEST

START_TEST(limits_and_score_floor) {
  ep_detections *in = abc(), *out = ep_detections_new();
  ep_nms_options o = iou(0.3f, false);
  o.max_num_detections = 1;
  ep__nms(&o, in, out);
  ck_assert_uint_eq(out->n, 1);
  out->n = 0;
  o = iou(0.3f, true);
  o.min_score_threshold = 0.75f;
  ep__nms(&o, in, out);
  ck_assert_uint_eq(out->n, 1);
  ck_assert_float_eq(out->v[0].score, 0.9f);
  ep_detections_free(in);
  ep_detections_free(out);
}
END_TEST

START_TEST(overlap_type_changes_the_outcome) {
  ep_detections *in = abc(), *out = ep_detections_new();
  /* IoU 0.620 > 0.61 suppresses B; the bounding-union 0.605 does not. */
  ep_nms_options o = iou(0.61f, false);
  ep__nms(&o, in, out);
  ck_assert_uint_eq(out->n, 2);
  out->n = 0;
  o.overlap_type = EP_OVERLAP_JACCARD;
  ep__nms(&o, in, out);
  ck_assert_uint_eq(out->n, 3);
  /* A small box inside A: IoU keeps it, MODIFIED_JACCARD does not. */
  ep_detections *in2 = ep_detections_new();
  ep_detection a = box(0, 0, 0.4f, 0.4f, 0.9f),
               e = box(0.1f, 0.1f, 0.1f, 0.1f, 0.5f);
  ep_detections_push(in2, &a);
  ep_detections_push(in2, &e);
  out->n = 0;
  o = iou(0.5f, false);
  ep__nms(&o, in2, out);
  ck_assert_uint_eq(out->n, 2);
  out->n = 0;
  o.overlap_type = EP_OVERLAP_MODIFIED_JACCARD;
  ep__nms(&o, in2, out);
  ck_assert_uint_eq(out->n, 1);
  ep_detections_free(in);
  ep_detections_free(in2);
  ep_detections_free(out);
}
END_TEST

START_TEST(multiclass_suppresses_within_labels) {
  ep_detections *in = abc(), *out = ep_detections_new();
  in->v[1].label_id = 3; /* B is another class */
  ep_nms_options o = iou(0.3f, false);
  ep__nms(&o, in, out);
  ck_assert_uint_eq(out->n, 2);
  out->n = 0;
  o.multiclass = true;
  ep__nms(&o, in, out);
  ck_assert_uint_eq(out->n, 3);
  ck_assert_float_eq(out->v[0].score, 0.9f); /* sorted by score */
  ck_assert_float_eq(out->v[1].score, 0.8f);
  ep_detections_free(in);
  ep_detections_free(out);
}
END_TEST

START_TEST(empty_input_gives_empty_output) {
  ep_detections *in = ep_detections_new(), *out = ep_detections_new();
  ep_nms_options o = iou(0.3f, true);
  ck_assert_int_eq(ep__nms(&o, in, out), 0);
  ck_assert_uint_eq(out->n, 0);
  ep_detections_free(in);
  ep_detections_free(out);
}
END_TEST

int main(void) {
  Suite *s = suite_create("non_max_suppression");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, overlap_measures);
  tcase_add_test(tc, default_keeps_best_of_each_cluster);
  tcase_add_test(tc, weighted_averages_each_cluster);
  tcase_add_test(tc, limits_and_score_floor);
  tcase_add_test(tc, overlap_type_changes_the_outcome);
  tcase_add_test(tc, multiclass_suppresses_within_labels);
  tcase_add_test(tc, empty_input_gives_empty_output);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
