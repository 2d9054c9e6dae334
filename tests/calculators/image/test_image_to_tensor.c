#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "edgepipe/error.h"
#include "image/image_to_tensor_calculator.h"

static ep_image_frame *gray(int w, int h, const uint8_t *v) {
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_GRAY8, w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      ep_image_frame_pixels(f)[y * ep_image_frame_stride(f) + x] = v[y * w + x];
  return f;
}

static ep_image_frame *solid_rgb(int w, int h, uint8_t r, uint8_t g,
                                 uint8_t b) {
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_SRGB, w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t *p =
          ep_image_frame_pixels(f) + y * ep_image_frame_stride(f) + 3 * x;
      p[0] = r, p[1] = g, p[2] = b;
    }
  return f;
}

START_TEST(same_size_copies_pixels) {
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_SRGB, 3, 2);
  for (int y = 0; y < 2; y++)
    for (int i = 0; i < 9; i++)
      ep_image_frame_pixels(f)[y * ep_image_frame_stride(f) + i] =
          (uint8_t)(y * 9 + i) * 7;
  ep_image_to_tensor_params p = {3, 2, false, 0.0f, 255.0f, true};
  float t[18], pad[4];
  ck_assert_int_eq(ep__image_to_tensor(f, &p, t, pad), 0);
  for (int i = 0; i < 18; i++)
    ck_assert_float_eq_tol(t[i], (float)((i * 7) & 0xff), 1e-4);
  ck_assert(pad[0] == 0 && pad[1] == 0 && pad[2] == 0 && pad[3] == 0);
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(halving_averages_two_by_two_blocks) {
  uint8_t v[16] = {3, 200, 17, 90,  40, 5, 255, 0,
                   9, 81,  64, 128, 33, 1, 250, 7};
  ep_image_frame *f = gray(4, 4, v);
  ep_image_to_tensor_params p = {2, 2, false, 0.0f, 1.0f, true};
  float t[4], pad[4];
  ep__image_to_tensor(f, &p, t, pad);
  for (int by = 0; by < 2; by++)
    for (int bx = 0; bx < 2; bx++) {
      int y = 2 * by, x = 2 * bx;
      float mean = (v[y * 4 + x] + v[y * 4 + x + 1] + v[(y + 1) * 4 + x] +
                    v[(y + 1) * 4 + x + 1]) /
                   4.0f;
      ck_assert_float_eq_tol(t[by * 2 + bx], mean / 255.0f, 1e-5);
    }
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(upsampling_interpolates_between_centers) {
  uint8_t v[2] = {0, 100};
  ep_image_frame *f = gray(2, 1, v);
  ep_image_to_tensor_params p = {4, 1, false, 0.0f, 255.0f, true};
  float t[4], pad[4];
  ep__image_to_tensor(f, &p, t, pad);
  /* Centers at x = -0.25, 0.25, 0.75, 1.25; the ends clamp to the edge
   * pixels (inside the image, so no border). */
  const float want[4] = {0, 25, 75, 100};
  for (int i = 0; i < 4; i++)
    ck_assert_float_eq_tol(t[i], want[i], 1e-4);
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(letterbox_landscape_pads_rows_with_zero_border) {
  ep_image_frame *f = solid_rgb(8, 4, 255, 255, 255);
  ep_image_to_tensor_params p = {4, 4, true, -1.0f, 1.0f, true};
  float t[4 * 4 * 3], pad[4];
  ep__image_to_tensor(f, &p, t, pad);
  ck_assert_float_eq_tol(pad[0], 0.0f, 1e-6);
  ck_assert_float_eq_tol(pad[1], 0.25f, 1e-6);
  ck_assert_float_eq_tol(pad[2], 0.0f, 1e-6);
  ck_assert_float_eq_tol(pad[3], 0.25f, 1e-6);
  for (int y = 0; y < 4; y++)
    for (int i = 0; i < 12; i++)
      ck_assert_float_eq_tol(t[y * 12 + i], (y == 0 || y == 3) ? -1.0f : 1.0f,
                             1e-5);
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(letterbox_replicate_border_repeats_edges) {
  ep_image_frame *f = solid_rgb(8, 4, 255, 0, 51);
  ep_image_to_tensor_params p = {4, 4, true, 0.0f, 1.0f, false};
  float t[4 * 4 * 3], pad[4];
  ep__image_to_tensor(f, &p, t, pad);
  for (int i = 0; i < 16; i++) {
    ck_assert_float_eq_tol(t[3 * i], 1.0f, 1e-5);
    ck_assert_float_eq_tol(t[3 * i + 1], 0.0f, 1e-5);
    ck_assert_float_eq_tol(t[3 * i + 2], 0.2f, 1e-5);
  }
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(portrait_padding_is_left_and_right) {
  float pad[4];
  ep__letterbox_padding(4, 8, 128, 128, pad);
  ck_assert_float_eq_tol(pad[0], 0.25f, 1e-6);
  ck_assert_float_eq_tol(pad[2], 0.25f, 1e-6);
  ck_assert_float_eq_tol(pad[1], 0.0f, 1e-6);
  ep__letterbox_padding(300, 200, 128, 128, pad);
  /* 300 wide: the 200 rows fill 2/3 of the square; 1/6 above and below. */
  ck_assert_float_eq_tol(pad[1], 1.0f / 6.0f, 1e-6);
  ck_assert_float_eq_tol(pad[3], 1.0f / 6.0f, 1e-6);
}
END_TEST

START_TEST(rgba_drops_alpha_and_gray_has_one_channel) {
  ck_assert_int_eq(ep__image_to_tensor_channels(EP_IMAGE_SRGBA), 3);
  ck_assert_int_eq(ep__image_to_tensor_channels(EP_IMAGE_GRAY8), 1);
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_SRGBA, 1, 1);
  uint8_t *px = ep_image_frame_pixels(f);
  px[0] = 10, px[1] = 20, px[2] = 30, px[3] = 255;
  ep_image_to_tensor_params p = {1, 1, false, 0.0f, 255.0f, true};
  float t[3], pad[4];
  ep__image_to_tensor(f, &p, t, pad);
  ck_assert_float_eq_tol(t[0], 10, 1e-4);
  ck_assert_float_eq_tol(t[1], 20, 1e-4);
  ck_assert_float_eq_tol(t[2], 30, 1e-4);
  ep_image_frame_unref(f);
}
END_TEST

int main(void) {
  Suite *s = suite_create("image_to_tensor");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, same_size_copies_pixels);
  tcase_add_test(tc, halving_averages_two_by_two_blocks);
  tcase_add_test(tc, upsampling_interpolates_between_centers);
  tcase_add_test(tc, letterbox_landscape_pads_rows_with_zero_border);
  tcase_add_test(tc, letterbox_replicate_border_repeats_edges);
  tcase_add_test(tc, portrait_padding_is_left_and_right);
  tcase_add_test(tc, rgba_drops_alpha_and_gray_has_one_channel);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
