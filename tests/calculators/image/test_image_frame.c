#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/error.h"
#include "edgepipe/image_frame.h"
#include "edgepipe/packet.h"
#include "test_image.h"

START_TEST(new_is_aligned_padded_and_zeroed) {
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_SRGB, 21, 5);
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(ep_image_frame_width(f), 21);
  ck_assert_int_eq(ep_image_frame_height(f), 5);
  ck_assert_int_eq(ep_image_frame_channels(f), 3);
  /* 21 * 3 = 63 bytes a row, padded to 64. */
  ck_assert_int_eq(ep_image_frame_stride(f), 64);
  ck_assert_int_eq((uintptr_t)ep_image_frame_pixels(f) % 64, 0);
  for (int i = 0; i < 64 * 5; i++)
    ck_assert_int_eq(ep_image_frame_cpixels(f)[i], 0);
  ep_image_frame *g = ep_image_frame_new(EP_IMAGE_SRGBA, 17, 2);
  ck_assert_int_eq(ep_image_frame_stride(g), 128); /* 68 -> 128 */
  ep_image_frame_unref(g);
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(bad_sizes_give_null) {
  ck_assert_ptr_null(ep_image_frame_new(EP_IMAGE_GRAY8, 0, 4));
  ck_assert_ptr_null(ep_image_frame_new(EP_IMAGE_GRAY8, 4, -1));
  ck_assert_ptr_null(ep_image_frame_new((ep_image_format)99, 4, 4));
}
END_TEST

static int released;
static void on_release(void *user) { released += *(int *)user; }

START_TEST(wrap_releases_once_at_last_unref) {
  uint8_t px[4 * 8] = {0};
  int weight = 1;
  released = 0;
  ep_image_frame *f =
      ep_image_frame_wrap(EP_IMAGE_GRAY8, 3, 4, 8, px, on_release, &weight);
  ck_assert_ptr_nonnull(f);
  ck_assert_ptr_eq(ep_image_frame_pixels(f), px); /* no copy */
  ck_assert_int_eq(ep_image_frame_stride(f), 8);
  ep_packet *p = ep_packet_new(&ep_type_image_frame, ep_image_frame_ref(f), 5);
  ep_image_frame_unref(f);
  ck_assert_int_eq(released, 0);
  ep_packet_unref(p);
  ck_assert_int_eq(released, 1);
}
END_TEST

START_TEST(wrap_failure_releases_at_once) {
  uint8_t px[16];
  int weight = 10;
  released = 0;
  /* stride below width * channels */
  ck_assert_ptr_null(
      ep_image_frame_wrap(EP_IMAGE_SRGB, 4, 1, 11, px, on_release, &weight));
  ck_assert_int_eq(released, 10);
}
END_TEST

START_TEST(copy_is_deep_and_repacks_stride) {
  uint8_t px[2 * 10];
  for (int i = 0; i < 20; i++)
    px[i] = (uint8_t)i;
  ep_image_frame *f =
      ep_image_frame_wrap(EP_IMAGE_SRGB, 3, 2, 10, px, NULL, NULL);
  ep_image_frame *c = ep_image_frame_copy(f);
  ck_assert_ptr_nonnull(c);
  ck_assert_int_eq(ep_image_frame_stride(c), 64);
  const uint8_t *q = ep_image_frame_cpixels(c);
  for (int x = 0; x < 9; x++) {
    ck_assert_int_eq(q[x], x);
    ck_assert_int_eq(q[64 + x], 10 + x);
  }
  ep_image_frame_pixels(c)[0] = 200;
  ck_assert_int_eq(px[0], 0);
  ep_image_frame_unref(f);
  ep_image_frame_unref(c);
}
END_TEST

START_TEST(type_describes_frame) {
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_GRAY8, 7, 3);
  char buf[128];
  ep_type_image_frame.describe(f, buf, sizeof buf);
  ck_assert_str_eq(buf, "{\"format\":\"GRAY8\",\"width\":7,\"height\":3}");
  ck_assert_ptr_eq(ep_type_find("ImageFrame"), &ep_type_image_frame);
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(loads_test_photo_through_gstreamer) {
  ep_image_frame *f = test_load_png("astronaut.png");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(ep_image_frame_width(f), 512);
  ck_assert_int_eq(ep_image_frame_height(f), 512);
  /* The suit is orange: red well above blue at the chest. */
  const uint8_t *p =
      ep_image_frame_cpixels(f) + 400 * ep_image_frame_stride(f) + 120 * 3;
  ck_assert_int_gt(p[0], p[2] + 60);
  ep_image_frame_unref(f);
}
END_TEST

int main(void) {
  Suite *s = suite_create("image_frame");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, new_is_aligned_padded_and_zeroed);
  tcase_add_test(tc, bad_sizes_give_null);
  tcase_add_test(tc, wrap_releases_once_at_last_unref);
  tcase_add_test(tc, wrap_failure_releases_at_once);
  tcase_add_test(tc, copy_is_deep_and_repacks_stride);
  tcase_add_test(tc, type_describes_frame);
  tcase_add_test(tc, loads_test_photo_through_gstreamer);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
