#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/error.h"
#include "render/annotation_overlay_calculator.h"
#include "render/bitmap_font.h"

static ep_image_frame *grey_rgb(int w, int h) {
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_SRGB, w, h);
  for (int y = 0; y < h; y++)
    memset(ep_image_frame_pixels(f) + y * ep_image_frame_stride(f), 128,
           (size_t)w * 3);
  return f;
}

static const uint8_t *px(const ep_image_frame *f, int x, int y) {
  return ep_image_frame_cpixels(f) + y * ep_image_frame_stride(f) + 3 * x;
}

static bool red(const ep_image_frame *f, int x, int y) {
  const uint8_t *p = px(f, x, y);
  return p[0] == 255 && p[1] == 0 && p[2] == 0;
}

static bool untouched(const ep_image_frame *f, int x, int y) {
  const uint8_t *p = px(f, x, y);
  return p[0] == 128 && p[1] == 128 && p[2] == 128;
}

static ep_render_annotation ann(ep_render_kind k, float thickness) {
  ep_render_annotation a;
  memset(&a, 0, sizeof a);
  a.kind = k;
  a.color = (ep_color){255, 0, 0};
  a.thickness = thickness;
  a.normalized = true;
  return a;
}

START_TEST(rectangle_edges_are_thickness_wide) {
  ep_image_frame *f = grey_rgb(100, 50);
  ep_render_data *rd = ep_render_data_new();
  ep_render_annotation a = ann(EP_RENDER_RECTANGLE, 4);
  a.u.rect.left = 0.2f, a.u.rect.top = 0.2f;
  a.u.rect.right = 0.6f, a.u.rect.bottom = 0.8f;
  ep_render_data_push(rd, &a);
  ep__render_annotations(f, rd);
  /* Left edge at x = floor(0.2 * 100) = 20: columns 18..21. */
  ck_assert(untouched(f, 17, 25));
  for (int x = 18; x <= 21; x++)
    ck_assert(red(f, x, 25));
  ck_assert(untouched(f, 22, 25));
  /* Top edge at y = 10: rows 8..11; right edge at 60, bottom at 40. */
  ck_assert(untouched(f, 40, 7));
  ck_assert(red(f, 40, 8) && red(f, 40, 11));
  ck_assert(untouched(f, 40, 12));
  ck_assert(red(f, 61, 30) && untouched(f, 62, 30));
  ck_assert(red(f, 30, 41) && untouched(f, 30, 42));
  ck_assert(untouched(f, 40, 25)); /* inside stays */
  ep_render_data_free(rd);
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(points_are_discs_and_lines_connect) {
  ep_image_frame *f = grey_rgb(100, 50);
  ep_render_data *rd = ep_render_data_new();
  ep_render_annotation p = ann(EP_RENDER_POINT, 2);
  p.u.point.x = 0.5f, p.u.point.y = 0.5f; /* (50, 25) */
  ep_render_data_push(rd, &p);
  ep_render_annotation l = ann(EP_RENDER_LINE, 1);
  l.normalized = false;
  l.u.line.x_end = 9, l.u.line.y_end = 9;
  ep_render_data_push(rd, &l);
  ep__render_annotations(f, rd);
  ck_assert(red(f, 50, 25) && red(f, 52, 25) && red(f, 51, 26));
  ck_assert(untouched(f, 53, 25) && untouched(f, 52, 27));
  ck_assert(red(f, 0, 0) && red(f, 5, 5) && red(f, 9, 9));
  ck_assert(untouched(f, 5, 6) && untouched(f, 10, 10));
  ep_render_data_free(rd);
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(text_uses_the_bitmap_font) {
  ep_image_frame *f = grey_rgb(100, 50);
  ep_render_data *rd = ep_render_data_new();
  ep_render_annotation t = ann(EP_RENDER_TEXT, 1);
  t.normalized = false;
  strcpy(t.u.text.display_text, "1");
  t.u.text.left = 5, t.u.text.baseline = 45, t.u.text.font_height = 14;
  ep_render_data_push(rd, &t);
  ep__render_annotations(f, rd);
  /* Scale 2: glyph rows 31..44. Compare every cell with the glyph. */
  const uint8_t *g = ep__font_glyph('1');
  for (int row = 0; row < EP_FONT_H; row++)
    for (int col = 0; col < EP_FONT_W; col++) {
      bool on = g[row] & (0x10 >> col);
      for (int k = 0; k < 4; k++) {
        int x = 5 + 2 * col + k % 2, y = 31 + 2 * row + k / 2;
        ck_assert(on ? red(f, x, y) : untouched(f, x, y));
      }
    }
  ck_assert(untouched(f, 7, 30));
  ck_assert_ptr_eq(ep__font_glyph('a'), ep__font_glyph('A'));
  ck_assert_ptr_eq(ep__font_glyph('~'), ep__font_glyph('?'));
  ep_render_data_free(rd);
  ep_image_frame_unref(f);
}
END_TEST

START_TEST(clips_at_the_image_and_handles_formats) {
  ep_image_frame *g = ep_image_frame_new(EP_IMAGE_GRAY8, 10, 10);
  ep_image_frame *a = ep_image_frame_new(EP_IMAGE_SRGBA, 10, 10);
  ep_render_data *rd = ep_render_data_new();
  ep_render_annotation r = ann(EP_RENDER_RECTANGLE, 6);
  r.u.rect.right = 1.0f, r.u.rect.bottom = 1.0f; /* the whole frame */
  ep_render_data_push(rd, &r);
  ep__render_annotations(g, rd);
  ep__render_annotations(a, rd);
  /* Red's luma for grey; RGBA gets opaque red. */
  ck_assert_int_eq(ep_image_frame_cpixels(g)[0], (77 * 255) >> 8);
  const uint8_t *p = ep_image_frame_cpixels(a);
  ck_assert(p[0] == 255 && p[1] == 0 && p[2] == 0 && p[3] == 255);
  ck_assert_int_eq(ep_image_frame_cpixels(g)[5 * ep_image_frame_stride(g) + 5],
                   0);
  ep_render_data_free(rd);
  ep_image_frame_unref(g);
  ep_image_frame_unref(a);
}
END_TEST

START_TEST(type_is_registered) {
  ck_assert_ptr_eq(ep_type_find("RenderData"), &ep_type_render_data);
  ep_render_data *rd = ep_render_data_new();
  ep_render_annotation r = ann(EP_RENDER_POINT, 1);
  ep_render_data_push(rd, &r);
  char buf[128];
  ep_type_render_data.describe(rd, buf, sizeof buf);
  ck_assert_str_eq(buf,
                   "{\"rectangles\":0,\"points\":1,\"lines\":0,\"texts\":0}");
  ep_render_data_free(rd);
}
END_TEST

int main(void) {
  Suite *s = suite_create("annotation_overlay");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, rectangle_edges_are_thickness_wide);
  tcase_add_test(tc, points_are_discs_and_lines_connect);
  tcase_add_test(tc, text_uses_the_bitmap_font);
  tcase_add_test(tc, clips_at_the_image_and_handles_formats);
  tcase_add_test(tc, type_is_registered);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
