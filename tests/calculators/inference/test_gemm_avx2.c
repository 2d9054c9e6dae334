/* The AVX2 conv GEMM against the reference CONV_2D kernel on seeded
 * random data: pointwise, every M from 1 to 13 (row tails of the 6-row
 * block), Cin and Cout over 1..40 (column tails of the 16-wide panel,
 * one and several panels), with and without bias, under each clamp;
 * gathered (im2col) convs over kernel sizes, strides, dilations and
 * uneven padding, with a residual narrower than the output; and which
 * convs count as eligible. Skipped (exit 77) without AVX2+FMA. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "gemm_avx2.h"
#include "infer_test.h"
#include "ref_kernels.h"

/* One shape: the GEMM's [m, n] result vs ep__ref_conv2d on [1, m, 1, k].
 * Writes around c are checked too (a sentinel after the last element). */
static void check_shape(int m, int k, int n, bool bias, float lo, float hi,
                        uint32_t *seed) {
  float *a = test_rand_floats((size_t)m * k, seed);
  float *w = test_rand_floats((size_t)n * k, seed);
  float *b = bias ? test_rand_floats((size_t)n, seed) : NULL;
  float *packed = ep__gemm_pack(w, b, (size_t)n, (size_t)k);
  ck_assert_ptr_nonnull(packed);
  size_t cn = (size_t)m * n;
  float *got = malloc((cn + 1) * sizeof *got);
  float *want = malloc(cn * sizeof *want);
  ck_assert(got && want);
  got[cn] = 12345.0f;
  ep__gemm_epilogue e = {lo, hi, NULL, 0};
  ep__gemm_run(a, (size_t)m, (size_t)k, packed, (size_t)n, &e, got);
  int in_dims[4] = {1, m, 1, k}, out_dims[4] = {1, m, 1, n};
  ep__conv_params p = {{0, 0, 0, 0}, 1, 1, 1, 1, 1, 1, 1};
  ep__ref_conv2d(a, in_dims, w, b, &p, lo, hi, want, out_dims);
  for (size_t i = 0; i < cn; i++)
    ck_assert_msg(fabsf(got[i] - want[i]) <= 1e-5f,
                  "m %d k %d n %d at %zu: %g, want %g", m, k, n, i,
                  (double)got[i], (double)want[i]);
  ck_assert_float_eq(got[cn], 12345.0f);
  free(a), free(w), free(b), free(packed), free(got), free(want);
}

/* A conv geometry through ep__gemm_conv_rows, in two calls split inside
 * a chunk, with a residual of n - 3 channels and a clamp, against the
 * reference conv plus the residual. */
static void check_conv(int batch, int h, int w, int c, int n, int kh, int kw,
                       int s, int d, const int pad[4], uint32_t *seed) {
  int oh = (h + pad[0] + pad[1] - d * (kh - 1) - 1) / s + 1;
  int ow = (w + pad[2] + pad[3] - d * (kw - 1) - 1) / s + 1;
  size_t k = (size_t)kh * kw * c, pixels = (size_t)batch * oh * ow;
  size_t res_c = n > 3 ? (size_t)n - 3 : 1;
  float *in = test_rand_floats((size_t)batch * h * w * c, seed);
  float *f = test_rand_floats((size_t)n * k, seed);
  float *b = test_rand_floats((size_t)n, seed);
  float *res = test_rand_floats(pixels * res_c, seed);
  float *packed = ep__gemm_pack(f, b, (size_t)n, k);
  float *scratch = malloc(EP__GEMM_CHUNK * k * sizeof *scratch);
  float *got = malloc((pixels * n + 1) * sizeof *got);
  float *want = malloc(pixels * n * sizeof *want);
  ck_assert(packed && scratch && got && want);
  got[pixels * n] = 12345.0f;
  ep__gemm_conv g = {h, w, c, oh, ow, n, kh, kw, s, s, d, d, pad[0], pad[2]};
  ep__gemm_epilogue e = {-0.5f, 2.0f, res, res_c};
  size_t split = pixels / 2 + 1 < pixels ? pixels / 2 + 1 : pixels;
  ep__gemm_conv_rows(&g, in, packed, &e, got, 0, split, scratch);
  ep__gemm_conv_rows(&g, in, packed, &e, got, split, pixels, scratch);
  int in_dims[4] = {batch, h, w, c}, out_dims[4] = {batch, oh, ow, n};
  ep__conv_params p = {{pad[0], pad[1], pad[2], pad[3]}, s, s, d, d, kh, kw, 1};
  ep__ref_conv2d(in, in_dims, f, b, &p, -INFINITY, INFINITY, want, out_dims);
  for (size_t i = 0; i < pixels * n; i++) {
    size_t px = i / (size_t)n, ch = i % (size_t)n;
    float v = want[i] + (ch < res_c ? res[px * res_c + ch] : 0.0f);
    v = fminf(fmaxf(v, -0.5f), 2.0f);
    ck_assert_msg(fabsf(got[i] - v) <= 1e-5f,
                  "%dx%dx%d k%dx%d s%d d%d -> %d: %g at %zu, want %g", h, w, c,
                  kh, kw, s, d, n, (double)got[i], i, (double)v);
  }
  ck_assert_float_eq(got[pixels * n], 12345.0f);
  free(in), free(f), free(b), free(res), free(packed), free(scratch);
  free(got), free(want);
}

START_TEST(gathered_convs_match_reference) {
  uint32_t seed = 99;
  /* The face models' first conv: 5x5 stride 2, pads 1/2. */
  check_conv(1, 16, 14, 3, 24, 5, 5, 2, 1, (int[]){1, 2, 1, 2}, &seed);
  for (int kh = 1; kh <= 4; kh++)
    for (int s = 1; s <= 3; s++)
      for (int d = 1; d <= 2; d++) {
        int pad[4] = {kh / 2, (kh - 1) / 2 + s - 1, (kh + 1) / 2, 0};
        int n = 4 + 5 * kh + s;
        check_conv(1 + (kh + s) % 2, 7 + s, 9, 1 + kh * d, n, kh, kh % 3 + 1, s,
                   d, pad, &seed);
      }
  /* Pointwise through the same entry (no gather), and a window larger
   * than the image with padding all round. */
  check_conv(2, 5, 4, 7, 19, 1, 1, 1, 1, (int[]){0, 0, 0, 0}, &seed);
  check_conv(1, 2, 3, 2, 5, 3, 5, 1, 1, (int[]){1, 1, 2, 2}, &seed);
  /* Taller than the indirect path's 16 kernel rows: gathered whole. */
  check_conv(1, 20, 6, 2, 9, 17, 3, 1, 1, (int[]){8, 8, 1, 1}, &seed);
  check_conv(1, 24, 5, 1, 4, 18, 2, 2, 1, (int[]){0, 0, 0, 1}, &seed);
}
END_TEST

START_TEST(random_shapes_match_reference) {
  uint32_t seed = 42u + (uint32_t)_i;
  static const float clamps[3][2] = {
      {-INFINITY, INFINITY}, {0, INFINITY}, {0, 6}};
  int m = _i + 1; /* 1..13 */
  for (int k = 1; k <= 40; k += (k < 18 ? 1 : 7))
    for (int n = 1; n <= 40; n++) {
      int c = (m + k + n) % 3;
      check_shape(m, k, n, (k + n) % 2 == 0, clamps[c][0], clamps[c][1], &seed);
    }
}
END_TEST

/* A larger block, as in the face models (many row blocks and panels). */
START_TEST(model_sized_shape) {
  uint32_t seed = 7u;
  check_shape(16 * 16 + 5, 96, 96 + 3, true, 0, 6, &seed);
}
END_TEST

/* Eligibility: pointwise means 1x1, stride 1, unpadded, ungrouped; any
 * conv needs to be ungrouped and to have a bias of its channel count. */
START_TEST(eligibility) {
  conv_fixture f;
  conv_fixture_init(&f, EP__OP_CONV_2D, (int[]){1, 5, 5, 4},
                    (int[]){8, 1, 1, 4}, (int[]){1, 5, 5, 8});
  ep__model *m = &f.m;
  ep__op *op = &f.op;
  op->p.conv = (ep__conv_params){{0, 0, 0, 0}, 1, 1, 1, 1, 1, 1, 1};
  ck_assert(ep__gemm_pointwise_eligible(m, op));
  op->p.conv.stride_w = 2;
  ck_assert(!ep__gemm_pointwise_eligible(m, op));
  op->p.conv.stride_w = 1;
  op->p.conv.pad.left = 1;
  ck_assert(!ep__gemm_pointwise_eligible(m, op));
  op->p.conv.pad.left = 0;
  op->kind = EP__OP_DEPTHWISE_CONV_2D;
  ck_assert(!ep__gemm_pointwise_eligible(m, op));
  ck_assert(!ep__gemm_conv_eligible(m, op));
  op->kind = EP__OP_CONV_2D;
  f.t[1].dims[3] = 2; /* grouped: filter depth 2 of 4 input channels */
  ck_assert(!ep__gemm_pointwise_eligible(m, op));
  ck_assert(!ep__gemm_conv_eligible(m, op));
  f.t[1].dims[3] = 4;
  f.t[3].count = 7; /* a bias of the wrong length */
  ck_assert(!ep__gemm_conv_eligible(m, op));
}
END_TEST

int main(void) {
  if (!ep__gemm_avx2_available())
    return 77; /* meson's skip */
  Suite *s = suite_create("inference_gemm_avx2");
  TCase *tc = tcase_create("gemm");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, random_shapes_match_reference, 0, 13);
  tcase_add_test(tc, model_sized_shape);
  tcase_add_test(tc, gathered_convs_match_reference);
  tcase_add_test(tc, eligibility);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : 0;
}
