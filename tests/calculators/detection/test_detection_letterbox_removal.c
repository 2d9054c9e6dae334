#include <check.h>
#include <stdlib.h>

#include "detection/detection_letterbox_removal_calculator.h"
#include "edgepipe/error.h"
#include "image/image_to_tensor_calculator.h"

/* A face at a fixed place in the picture, as relative coordinates. */
static ep_detection face(void) {
  ep_detection d = {.score = 0.9f,
                    .xmin = 0.3f,
                    .ymin = 0.2f,
                    .width = 0.25f,
                    .height = 0.4f,
                    .n_keypoints = 1};
  d.keypoints[0].x = 0.4f;
  d.keypoints[0].y = 0.35f;
  return d;
}

/* What the model sees in a letterboxed square tensor: the image occupies
 * [pad_l, 1 - pad_r] x [pad_t, 1 - pad_b]. */
static ep_detection in_tensor(ep_detection d, const float p[4]) {
  float sx = 1 - p[0] - p[2], sy = 1 - p[1] - p[3];
  d.xmin = p[0] + d.xmin * sx;
  d.ymin = p[1] + d.ymin * sy;
  d.width *= sx;
  d.height *= sy;
  d.keypoints[0].x = p[0] + d.keypoints[0].x * sx;
  d.keypoints[0].y = p[1] + d.keypoints[0].y * sy;
  return d;
}

static void check_round_trip(int img_w, int img_h) {
  float pad[4];
  ep__letterbox_padding(img_w, img_h, 128, 128, pad);
  ep_detection want = face(), d = in_tensor(face(), pad);
  ck_assert(ep__detection_remove_letterbox(&d, pad));
  ck_assert_float_eq_tol(d.xmin, want.xmin, 1e-6);
  ck_assert_float_eq_tol(d.ymin, want.ymin, 1e-6);
  ck_assert_float_eq_tol(d.width, want.width, 1e-6);
  ck_assert_float_eq_tol(d.height, want.height, 1e-6);
  ck_assert_float_eq_tol(d.keypoints[0].x, want.keypoints[0].x, 1e-6);
  ck_assert_float_eq_tol(d.keypoints[0].y, want.keypoints[0].y, 1e-6);
}

START_TEST(portrait_and_landscape_give_the_same_box) {
  check_round_trip(480, 640); /* portrait: padding left and right */
  check_round_trip(640, 480); /* landscape: padding top and bottom */
  check_round_trip(300, 300); /* square: no padding */
}
END_TEST

START_TEST(padding_values_move_the_box) {
  /* 25% padding each side horizontally: x 0.5 in the tensor is the
   * middle of the image, x 0.25 its left edge. */
  const float pad[4] = {0.25f, 0, 0.25f, 0};
  ep_detection d = {
      .xmin = 0.25f, .ymin = 0.5f, .width = 0.25f, .height = 0.1f};
  ck_assert(ep__detection_remove_letterbox(&d, pad));
  ck_assert_float_eq_tol(d.xmin, 0.0f, 1e-7);
  ck_assert_float_eq_tol(d.width, 0.5f, 1e-7);
  ck_assert_float_eq_tol(d.ymin, 0.5f, 1e-7);
  ck_assert_float_eq_tol(d.height, 0.1f, 1e-7);
}
END_TEST

START_TEST(padding_covering_everything_is_refused) {
  const float pad[4] = {0.5f, 0, 0.5f, 0};
  ep_detection d = face();
  ck_assert(!ep__detection_remove_letterbox(&d, pad));
}
END_TEST

int main(void) {
  Suite *s = suite_create("detection_letterbox_removal");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, portrait_and_landscape_give_the_same_box);
  tcase_add_test(tc, padding_values_move_the_box);
  tcase_add_test(tc, padding_covering_everything_is_refused);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
