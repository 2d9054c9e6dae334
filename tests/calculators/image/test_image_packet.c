/* test_image_packet.c — ImageFrame packets from app-owned pixels: no copy,
 * and the release callback runs exactly once, when the last reference
 * goes or at once when wrapping fails. */
#include <check.h>
#include <stdlib.h>

#include "edgepipe/image_packet.h"

typedef struct owner {
  int released;
} owner;

static void release(void *user) { ((owner *)user)->released++; }

START_TEST(wrapped_pixels_are_shared_until_the_last_reference) {
  uint8_t pixels[4 * 2 * 3 + 8] = {0};
  owner o = {0};
  ep_packet *p =
      ep_packet_wrap_image(EP_IMAGE_SRGB, 4, 2, 16, pixels, release, &o, 42);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(ep_packet_timestamp(p), 42);
  ck_assert_ptr_eq(ep_packet_type(p), &ep_type_image_frame);
  const ep_image_frame *f = ep_packet_get_image_frame(p);
  ck_assert_ptr_nonnull(f);
  ck_assert_ptr_eq(ep_image_frame_cpixels(f), pixels); /* not copied */
  ck_assert_int_eq(ep_image_frame_width(f), 4);
  ck_assert_int_eq(ep_image_frame_height(f), 2);
  ck_assert_int_eq(ep_image_frame_stride(f), 16);

  ep_packet *later = ep_packet_at(p, 43); /* shares the payload */
  ep_packet_unref(p);
  ck_assert_int_eq(o.released, 0);
  ck_assert_ptr_eq(ep_image_frame_cpixels(ep_packet_get_image_frame(later)),
                   pixels);
  ep_packet_unref(later);
  ck_assert_int_eq(o.released, 1);
}
END_TEST

START_TEST(a_refused_wrap_releases_at_once) {
  uint8_t pixels[16];
  owner o = {0};
  /* The stride is shorter than a row of 8 RGB pixels. */
  ck_assert_ptr_null(
      ep_packet_wrap_image(EP_IMAGE_SRGB, 8, 1, 8, pixels, release, &o, 0));
  ck_assert_int_eq(o.released, 1);
  ck_assert_ptr_null(
      ep_packet_wrap_image(EP_IMAGE_SRGB, 1, 1, 3, NULL, release, &o, 0));
  ck_assert_int_eq(o.released, 2);
  ck_assert_ptr_null(
      ep_packet_wrap_image(EP_IMAGE_GRAY8, 0, 1, 1, pixels, release, &o, 0));
  ck_assert_int_eq(o.released, 3);
}
END_TEST

START_TEST(new_image_frame_takes_the_frame_reference) {
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_GRAY8, 3, 3);
  ep_image_frame_ref(f); /* keep one to look at after the packet goes */
  ep_packet *p = ep_packet_new_image_frame(f, 7);
  ck_assert_ptr_eq(ep_packet_get_image_frame(p), f);
  ep_packet_unref(p);
  /* Only our extra reference is left: dropping it must free the frame
   * (ASan reports a leak otherwise). */
  ck_assert_int_eq(ep_image_frame_width(f), 3);
  ep_image_frame_unref(f);
  ck_assert_ptr_null(ep_packet_new_image_frame(NULL, 0));
}
END_TEST

START_TEST(other_packets_hold_no_image) {
  ep_packet *p = ep_packet_new_int(1, 0);
  ck_assert_ptr_null(ep_packet_get_image_frame(p));
  ck_assert_ptr_null(ep_packet_get_image_frame(NULL));
  ep_packet_unref(p);
}
END_TEST

int main(void) {
  Suite *s = suite_create("image_packet");
  TCase *tc = tcase_create("image_packet");
  tcase_add_test(tc, wrapped_pixels_are_shared_until_the_last_reference);
  tcase_add_test(tc, a_refused_wrap_releases_at_once);
  tcase_add_test(tc, new_image_frame_takes_the_frame_reference);
  tcase_add_test(tc, other_packets_hold_no_image);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
