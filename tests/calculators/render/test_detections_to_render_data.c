#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/error.h"
#include "render/detections_to_render_data_calculator.h"

START_TEST(box_keypoints_and_label) {
  ep_d2rd_options o = {4.0f, {255, 0, 0}, ","};
  ep_detection d = {.score = 0.5f,
                    .label_id = 0,
                    .xmin = 0.2f,
                    .ymin = 0.1f,
                    .width = 0.5f,
                    .height = 0.4f,
                    .n_keypoints = 2};
  d.keypoints[0] = (ep_keypoint){0.3f, 0.2f};
  d.keypoints[1] = (ep_keypoint){0.6f, 0.25f};
  ep_render_data *rd = ep_render_data_new();
  ck_assert_int_eq(ep__detection_to_render_data(&o, &d, rd), 0);
  ck_assert_uint_eq(rd->n, 4); /* label, box, 2 points */
  const ep_render_annotation *t = &rd->v[0], *r = &rd->v[1], *p = &rd->v[3];
  ck_assert_int_eq(t->kind, EP_RENDER_TEXT);
  ck_assert_str_eq(t->u.text.display_text, "0,0.5,");
  ck_assert_float_eq_tol(t->u.text.baseline, 0.1f + 0.04f, 1e-6);
  ck_assert_int_eq(r->kind, EP_RENDER_RECTANGLE);
  ck_assert(r->normalized);
  ck_assert_float_eq_tol(r->u.rect.left, 0.2f, 1e-7);
  ck_assert_float_eq_tol(r->u.rect.right, 0.7f, 1e-6);
  ck_assert_float_eq_tol(r->u.rect.bottom, 0.5f, 1e-6);
  ck_assert_int_eq(r->color.r, 255);
  ck_assert_float_eq(r->thickness, 4.0f);
  ck_assert_int_eq(p->kind, EP_RENDER_POINT);
  ck_assert_float_eq_tol(p->u.point.x, 0.6f, 1e-7);
  ep_render_data_free(rd);
}
END_TEST

START_TEST(box_is_clipped_or_skipped) {
  ep_d2rd_options o = {1.0f, {0, 255, 0}, ";"};
  ep_detection d = {
      .score = 1, .xmin = -0.1f, .ymin = 0.9f, .width = 0.3f, .height = 0.3f};
  strcpy(d.label, "cat");
  ep_render_data *rd = ep_render_data_new();
  ep__detection_to_render_data(&o, &d, rd);
  ck_assert_str_eq(rd->v[0].u.text.display_text, "cat;1;");
  ck_assert_float_eq(rd->v[1].u.rect.left, 0.0f);
  ck_assert_float_eq(rd->v[1].u.rect.bottom, 1.0f);
  rd->n = 0;
  d.xmin = 1.2f; /* wholly right of the image: label only */
  ep__detection_to_render_data(&o, &d, rd);
  ck_assert_uint_eq(rd->n, 1);
  ep_render_data_free(rd);
}
END_TEST

int main(void) {
  Suite *s = suite_create("detections_to_render_data");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, box_keypoints_and_label);
  tcase_add_test(tc, box_is_clipped_or_skipped);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
