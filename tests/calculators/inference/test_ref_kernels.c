/* The reference kernels on small cases worked out by hand (the expected
 * numbers in the comments are the arithmetic). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "ref_kernels.h"

#define INF INFINITY

static void expect(const float *got, const float *want, int n) {
  for (int i = 0; i < n; i++)
    ck_assert_msg(fabsf(got[i] - want[i]) <= 1e-5f * fmaxf(1, fabsf(want[i])),
                  "[%d]: got %g, want %g", i, (double)got[i], (double)want[i]);
}

static void iota(float *x, int n, float start) {
  for (int i = 0; i < n; i++)
    x[i] = start + (float)i;
}

/* 4x4 input 1..16, 3x3 ones, stride 2, SAME: out 2x2 and TensorFlow puts
 * the single padded row/column at the bottom/right (pad 0 before, 1 after).
 * [0,0] = 1+2+3+5+6+7+9+10+11 = 54, [0,1] = 3+4+7+8+11+12 = 45,
 * [1,0] = 9+10+11+13+14+15 = 72, [1,1] = 11+12+15+16 = 54. */
START_TEST(conv_same_uneven_stride2) {
  float in[16], f[9], out[4];
  iota(in, 16, 1);
  for (int i = 0; i < 9; i++)
    f[i] = 1;
  ep__conv_params p = {{0, 1, 0, 1}, 2, 2, 1, 1, 3, 3, 1};
  int id[4] = {1, 4, 4, 1}, od[4] = {1, 2, 2, 1};
  ep__ref_conv2d(in, id, f, NULL, &p, -INF, INF, out, od);
  expect(out, (float[]){54, 45, 72, 54}, 4);
}
END_TEST

/* Stride 1, VALID, 2 in / 2 out channels, bias and a RELU clamp.
 * in (2x2x2): pixel k = (k+1, -(k+1)). Filter 1x1: o0 = c0 + c1 (= 0),
 * o1 = 2*c0 - c1 (= 3(k+1)); bias (1, -4) then clamp at 0. */
START_TEST(conv_channels_bias_relu) {
  float in[8] = {1, -1, 2, -2, 3, -3, 4, -4};
  float f[4] = {1, 1, 2, -1}; /* [O=2][1][1][C=2] */
  float bias[2] = {1, -4}, out[8];
  ep__conv_params p = {{0, 0, 0, 0}, 1, 1, 1, 1, 1, 1, 1};
  int id[4] = {1, 2, 2, 2}, od[4] = {1, 2, 2, 2};
  ep__ref_conv2d(in, id, f, bias, &p, 0, INF, out, od);
  expect(out, (float[]){1, 0, 1, 2, 1, 5, 1, 8}, 8);
}
END_TEST

/* 5x5 input 1..25, 3x3 ones with dilation 2, VALID: one output reading
 * rows/cols 0,2,4: 1+3+5+11+13+15+21+23+25 = 117. */
START_TEST(conv_dilation) {
  float in[25], f[9], out[1];
  iota(in, 25, 1);
  for (int i = 0; i < 9; i++)
    f[i] = 1;
  ep__conv_params p = {{0, 0, 0, 0}, 1, 1, 2, 2, 3, 3, 1};
  int id[4] = {1, 5, 5, 1}, od[4] = {1, 1, 1, 1};
  ep__ref_conv2d(in, id, f, NULL, &p, -INF, INF, out, od);
  expect(out, (float[]){117}, 1);
}
END_TEST

/* SAME with stride 1 and a 2x2 kernel: the extra pad is after, so output
 * (y,x) reads (y..y+1, x..x+1). in 2x2 = 1,2,3,4, kernel ones:
 * [1+2+3+4, 2+4, 3+4, 4] = [10, 6, 7, 4]. */
START_TEST(conv_same_even_kernel) {
  float in[4] = {1, 2, 3, 4}, f[4] = {1, 1, 1, 1}, out[4];
  ep__conv_params p = {{0, 1, 0, 1}, 1, 1, 1, 1, 2, 2, 1};
  int d[4] = {1, 2, 2, 1};
  ep__ref_conv2d(in, d, f, NULL, &p, -INF, INF, out, d);
  expect(out, (float[]){10, 6, 7, 4}, 4);
}
END_TEST

/* Depth multiplier 2: channel c feeds outputs 2c and 2c+1. 1x1 filter
 * (1,2,3,4), in pixel (5,7): out (5, 10, 21, 28) + bias (0,0,0,-30)
 * clamped to RELU6: (5, 6, 6, 0). */
START_TEST(depthwise_multiplier) {
  float in[2] = {5, 7}, f[4] = {1, 2, 3, 4}, bias[4] = {0, 0, 0, -30};
  float out[4];
  ep__conv_params p = {{0, 0, 0, 0}, 1, 1, 1, 1, 1, 1, 2};
  int id[4] = {1, 1, 1, 2}, od[4] = {1, 1, 1, 4};
  ep__ref_depthwise_conv2d(in, id, f, bias, &p, 0, 6, out, od);
  expect(out, (float[]){5, 6, 6, 0}, 4);
}
END_TEST

/* Depthwise 3x3, stride 2, SAME on 3x3 (pad 1 on each side), 2 channels:
 * channel 0 = 1..9 with ones; channel 1 = 1 everywhere with weight 2.
 * out (2x2): ch0 [1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9] = [12,16,24,28];
 * ch1 = 2 * taps inside = 2*4 = 8 each. */
START_TEST(depthwise_same_stride2) {
  float in[18], f[18], out[8];
  for (int i = 0; i < 9; i++) {
    in[2 * i] = (float)(i + 1), in[2 * i + 1] = 1;
    f[2 * i] = 1, f[2 * i + 1] = 2;
  }
  ep__conv_params p = {{1, 1, 1, 1}, 2, 2, 1, 1, 3, 3, 1};
  int id[4] = {1, 3, 3, 2}, od[4] = {1, 2, 2, 2};
  ep__ref_depthwise_conv2d(in, id, f, NULL, &p, -INF, INF, out, od);
  expect(out, (float[]){12, 8, 16, 8, 24, 8, 28, 8}, 8);
}
END_TEST

/* Max pooling ignores padding: all inputs negative (-1..-9), 2x2 stride 2
 * SAME on 3x3 pads one row/col after: [-1, -3, -7, -9]. */
START_TEST(max_pool_padding) {
  float in[9], out[4];
  for (int i = 0; i < 9; i++)
    in[i] = -(float)(i + 1);
  ep__pool_params p = {{0, 1, 0, 1}, 2, 2, 2, 2};
  int id[4] = {1, 3, 3, 1}, od[4] = {1, 2, 2, 1};
  ep__ref_max_pool2d(in, id, &p, -INF, INF, out, od);
  expect(out, (float[]){-1, -3, -7, -9}, 4);
}
END_TEST

/* Average pooling divides by the cells inside the input: 3x3 stride 2
 * SAME on 1..9 (pad 1 all round): [(1+2+4+5)/4, (2+3+5+6)/4, ...]. */
START_TEST(average_pool_counts_inside) {
  float in[9], out[4];
  iota(in, 9, 1);
  ep__pool_params p = {{1, 1, 1, 1}, 2, 2, 3, 3};
  int id[4] = {1, 3, 3, 1}, od[4] = {1, 2, 2, 1};
  ep__ref_average_pool2d(in, id, &p, -INF, INF, out, od);
  expect(out, (float[]){3, 4, 6, 7}, 4);
  /* VALID 2x2 stride 1 with RELU6 clamp: means 3,4,6,7 -> 3,4,6,6. */
  ep__pool_params v = {{0, 0, 0, 0}, 1, 1, 2, 2};
  ep__ref_average_pool2d(in, id, &v, 0, 6, out, od);
  expect(out, (float[]){3, 4, 6, 6}, 4);
}
END_TEST

START_TEST(add_mul_broadcast) {
  float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {10, 20, 30}, out[6];
  int ad[2] = {2, 3}, bd[1] = {3};
  ep__ref_add(a, 2, ad, b, 1, bd, -INF, INF, out, 2, ad);
  expect(out, (float[]){11, 22, 33, 14, 25, 36}, 6);
  /* [2,1] x [1,3]: an outer product, clamped to [-1, 1]... scaled. */
  float c[2] = {0.5f, -1}, d[3] = {1, 0.5f, 3};
  int cd[2] = {2, 1}, dd[2] = {1, 3}, od[2] = {2, 3};
  ep__ref_mul(c, 2, cd, d, 2, dd, -1, 1, out, 2, od);
  expect(out, (float[]){0.5f, 0.25f, 1, -1, -0.5f, -1}, 6);
  /* A scalar on the left, same-shape on the right. */
  float s[1] = {2};
  int sd[1] = {1};
  ep__ref_mul(s, 1, sd, a, 2, ad, -INF, INF, out, 2, ad);
  expect(out, (float[]){2, 4, 6, 8, 10, 12}, 6);
}
END_TEST

START_TEST(elementwise) {
  float in[5] = {-7, -0.5f, 0, 3, 8}, out[5];
  ep__ref_clamp(in, 5, 0, INF, out);
  expect(out, (float[]){0, 0, 0, 3, 8}, 5);
  ep__ref_clamp(in, 5, 0, 6, out);
  expect(out, (float[]){0, 0, 0, 3, 6}, 5);
  float x[3] = {0, 2, -100}, y[3];
  ep__ref_logistic(x, 3, y);
  /* 1 / (1 + e^-2) = 0.880797; e^100 overflows to a clean 0. */
  expect(y, (float[]){0.5f, 0.880797f, 0}, 3);
}
END_TEST

/* softmax([1,2,3]) = e^(x-3) / sum = (0.135335, 0.367879, 1) / 1.503214;
 * with beta 0.5 on [0, 2]: (e^-1, 1) / 1.367879. */
START_TEST(softmax_rows_and_beta) {
  float in[5] = {1, 2, 3, 0, 2}, out[5];
  ep__ref_softmax(in, 1, 3, 1.0f, out);
  expect(out, (float[]){0.0900306f, 0.2447285f, 0.6652410f}, 3);
  ep__ref_softmax(in + 3, 1, 2, 0.5f, out);
  expect(out, (float[]){0.2689414f, 0.7310586f}, 2);
  float big[4] = {1000, 1000, -5, -5}, o2[4];
  ep__ref_softmax(big, 2, 2, 1.0f, o2); /* no overflow: max is subtracted */
  expect(o2, (float[]){0.5f, 0.5f, 0.5f, 0.5f}, 4);
}
END_TEST

/* [[1,2],[3,4]] padded 1 row before and 2 cols after. */
START_TEST(pad_2d_and_channels) {
  float in[4] = {1, 2, 3, 4}, out[12];
  int d[2] = {2, 2};
  ep__pad_params p = {{1, 0}, {0, 2}};
  ep__ref_pad(in, 2, d, &p, out);
  expect(out, (float[]){0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}, 12);
  /* Channel padding as the face model does: 1x1x2x1 -> 1x1x2x3. */
  int d4[4] = {1, 1, 2, 1};
  ep__pad_params c = {{0, 0, 0, 0}, {0, 0, 0, 2}};
  float o4[6];
  ep__ref_pad(in, 4, d4, &c, o4);
  expect(o4, (float[]){1, 0, 0, 2, 0, 0}, 6);
}
END_TEST

START_TEST(concat_axes) {
  float a[4] = {1, 2, 3, 4}, b[2] = {5, 6}, out[6];
  const float *ins[2] = {a, b};
  int ad[2] = {2, 2}, bd1[2] = {2, 1}, bd0[2] = {1, 2};
  const int *dims1[2] = {ad, bd1}, *dims0[2] = {ad, bd0};
  ep__ref_concat(ins, dims1, 2, 2, 1, -INF, INF, out);
  expect(out, (float[]){1, 2, 5, 3, 4, 6}, 6);
  ep__ref_concat(ins, dims0, 2, 2, 0, -INF, INF, out);
  expect(out, (float[]){1, 2, 3, 4, 5, 6}, 6);
  ep__ref_concat(ins, dims0, 2, 2, 0, 2, 5, out); /* fused clamp */
  expect(out, (float[]){2, 2, 3, 4, 5, 5}, 6);
}
END_TEST

/* in 2x2 = [[0,1],[2,3]]: every output is rowv*2 + colv, where v are the
 * 1-D weights worked out per mode. */
static void resize_case(bool ac, bool hp, int o, const float *v) {
  float in[4] = {0, 1, 2, 3}, out[16], want[16];
  int id[4] = {1, 2, 2, 1}, od[4] = {1, o, o, 1};
  ep__resize_params p = {ac, hp};
  ep__ref_resize_bilinear(in, id, &p, out, od);
  for (int y = 0; y < o; y++)
    for (int x = 0; x < o; x++)
      want[y * o + x] = v[y] * 2 + v[x];
  expect(out, want, o * o);
}

START_TEST(resize_bilinear_modes) {
  /* align_corners, 2->3: scale 1/2, sources 0, 0.5, 1. */
  resize_case(true, false, 3, (float[]){0, 0.5f, 1});
  /* half_pixel_centers, 2->4: scale 1/2, sources (i+0.5)/2-0.5 =
   * -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1). */
  resize_case(false, true, 4, (float[]){0, 0.25f, 0.75f, 1});
  /* legacy, 2->4: sources i/2 = 0, 0.5, 1, 1.5 (clamped). */
  resize_case(false, false, 4, (float[]){0, 0.5f, 1, 1});
  /* align_corners to a single pixel reads the first. */
  resize_case(true, false, 1, (float[]){0});
}
END_TEST

/* rows (1,2,3) and (-1,0,1); w = [[1,0,1],[0.5,0.5,0.5]], bias (1,-1):
 * row 0: 1+1+3 = 5, -1+3 = 2; row 1: 1-1+1 = 1, -1+0 = -1 -> clamp 0. */
START_TEST(fully_connected) {
  float in[6] = {1, 2, 3, -1, 0, 1}, w[6] = {1, 0, 1, 0.5f, 0.5f, 0.5f};
  float bias[2] = {1, -1}, out[4];
  ep__ref_fully_connected(in, 2, 3, w, bias, 2, 0, INF, out);
  expect(out, (float[]){5, 2, 1, 0}, 4);
  ep__ref_fully_connected(in, 2, 3, w, NULL, 2, -INF, INF, out);
  expect(out, (float[]){4, 3, 0, 0}, 4);
}
END_TEST

int main(void) {
  Suite *s = suite_create("inference_ref_kernels");
  TCase *tc = tcase_create("kernels");
  tcase_add_test(tc, conv_same_uneven_stride2);
  tcase_add_test(tc, conv_channels_bias_relu);
  tcase_add_test(tc, conv_dilation);
  tcase_add_test(tc, conv_same_even_kernel);
  tcase_add_test(tc, depthwise_multiplier);
  tcase_add_test(tc, depthwise_same_stride2);
  tcase_add_test(tc, max_pool_padding);
  tcase_add_test(tc, average_pool_counts_inside);
  tcase_add_test(tc, add_mul_broadcast);
  tcase_add_test(tc, elementwise);
  tcase_add_test(tc, softmax_rows_and_beta);
  tcase_add_test(tc, pad_2d_and_channels);
  tcase_add_test(tc, concat_axes);
  tcase_add_test(tc, resize_bilinear_modes);
  tcase_add_test(tc, fully_connected);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
