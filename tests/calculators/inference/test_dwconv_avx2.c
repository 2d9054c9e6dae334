/* The AVX2 3x3 depthwise conv against the reference kernel on seeded
 * random data: channel counts 1..20 (whole 8-lane blocks and masked
 * tails), strides 1 to 3, TensorFlow's uneven SAME padding and VALID,
 * widths that leave 0..3 pixels after the four-pixel interior runs, a
 * batch of two, a clamp; rows computed in two calls; and which ops count
 * as eligible. Skipped (exit 77) without AVX2+FMA. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "dwconv_avx2.h"
#include "gemm_avx2.h"
#include "infer_test.h"
#include "ref_kernels.h"

/* One case; pad = {top, bottom, left, right}. Output written past its
 * end is caught by a sentinel. */
static void check_case(int batch, int h, int w, int c, int s, const int pad[4],
                       float lo, float hi, uint32_t *seed) {
  int oh = (h + pad[0] + pad[1] - 3) / s + 1;
  int ow = (w + pad[2] + pad[3] - 3) / s + 1;
  size_t n_in = (size_t)batch * h * w * c, n_out = (size_t)batch * oh * ow * c;
  float *in = test_rand_floats(n_in, seed),
        *f = test_rand_floats(9 * (size_t)c, seed);
  float *b = test_rand_floats((size_t)c, seed);
  float *packed = ep__dwconv_pack(f, b, (size_t)c);
  float *got = malloc((n_out + 1) * sizeof *got);
  float *want = malloc(n_out * sizeof *want);
  ck_assert(packed && got && want);
  got[n_out] = 12345.0f;
  ep__dwconv g = {h, w, c, oh, ow, s, s, pad[0], pad[2], lo, hi};
  size_t rows = (size_t)batch * oh, split = rows / 2;
  ep__dwconv_rows(&g, in, packed, got, 0, split);
  ep__dwconv_rows(&g, in, packed, got, split, rows);
  int in_dims[4] = {batch, h, w, c}, out_dims[4] = {batch, oh, ow, c};
  ep__conv_params p = {{pad[0], pad[1], pad[2], pad[3]}, s, s, 1, 1, 3, 3, 1};
  ep__ref_depthwise_conv2d(in, in_dims, f, b, &p, lo, hi, want, out_dims);
  for (size_t i = 0; i < n_out; i++)
    ck_assert_msg(fabsf(got[i] - want[i]) <= 1e-5f,
                  "%dx%dx%dx%d s%d pad %d,%d,%d,%d: %g at %zu, want %g", batch,
                  h, w, c, s, pad[0], pad[1], pad[2], pad[3], (double)got[i], i,
                  (double)want[i]);
  ck_assert_float_eq(got[n_out], 12345.0f);
  free(in), free(f), free(b), free(packed), free(got), free(want);
}

START_TEST(random_shapes_match_reference) {
  uint32_t seed = 5u + (uint32_t)_i;
  int c = _i + 1; /* 1..20 */
  for (int s = 1; s <= 3; s++)
    for (int w = 1; w <= 12; w += (w < 4 ? 1 : 3)) {
      int h = 1 + (w + s) % 5;
      /* SAME: need = (out-1)*s + 3 - in, the odd pixel after; and VALID. */
      int oh = (h + s - 1) / s, ow = (w + s - 1) / s;
      int nh = (oh - 1) * s + 3 - h, nw = (ow - 1) * s + 3 - w;
      nh = nh < 0 ? 0 : nh, nw = nw < 0 ? 0 : nw;
      int same[4] = {nh / 2, nh - nh / 2, nw / 2, nw - nw / 2};
      check_case(1 + w % 2, h, w, c, s, same, -INFINITY, INFINITY, &seed);
      if (h >= 3 && w >= 3)
        check_case(1, h, w, c, s, (int[]){0, 0, 0, 0}, 0.0f, 6.0f, &seed);
    }
}
END_TEST

/* The face model's sizes: 64x64x24 stride 1, 32x32x28 to 16x16 stride 2
 * (pads 0/1). */
START_TEST(model_sized_shapes) {
  uint32_t seed = 77u;
  check_case(1, 64, 64, 24, 1, (int[]){1, 1, 1, 1}, -INFINITY, INFINITY, &seed);
  check_case(1, 32, 32, 42, 2, (int[]){0, 1, 0, 1}, 0.0f, INFINITY, &seed);
}
END_TEST

START_TEST(eligibility) {
  conv_fixture f;
  conv_fixture_init(&f, EP__OP_DEPTHWISE_CONV_2D, (int[]){1, 5, 5, 4},
                    (int[]){1, 3, 3, 4}, (int[]){1, 5, 5, 4});
  ep__model *m = &f.m;
  ep__op *op = &f.op;
  op->p.conv = (ep__conv_params){{1, 1, 1, 1}, 1, 1, 1, 1, 3, 3, 1};
  ck_assert(ep__dwconv_eligible(m, op));
  op->p.conv.pad.bottom = 2; /* 5 + 3 - 3 + 1 = 6 rows, not 5 */
  ck_assert(!ep__dwconv_eligible(m, op));
  op->p.conv.pad.bottom = 1;
  op->p.conv.dilation_h = 2;
  ck_assert(!ep__dwconv_eligible(m, op));
  op->p.conv.dilation_h = 1;
  op->p.conv.depth_multiplier = 2;
  ck_assert(!ep__dwconv_eligible(m, op));
  op->p.conv.depth_multiplier = 1;
  op->kind = EP__OP_CONV_2D;
  ck_assert(!ep__dwconv_eligible(m, op));
}
END_TEST

int main(void) {
  if (!ep__gemm_avx2_available())
    return 77; /* meson's skip */
  Suite *s = suite_create("inference_dwconv_avx2");
  TCase *tc = tcase_create("dwconv");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, random_shapes_match_reference, 0, 20);
  tcase_add_test(tc, model_sized_shapes);
  tcase_add_test(tc, eligibility);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : 0;
}
