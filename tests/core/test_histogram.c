/* test_histogram.c — process-time histogram quantiles. */
#include <check.h>
#include <stdlib.h>

#include "histogram.h"

START_TEST(empty_is_zero) {
  ep__histogram h = {0};
  ck_assert_uint_eq(ep__histogram_quantile(&h, 0.5), 0);
}
END_TEST

START_TEST(small_values_are_exact) {
  ep__histogram h = {0};
  for (uint64_t v = 0; v < 8; v++)
    ep__histogram_add(&h, v);
  ck_assert_uint_eq(ep__histogram_quantile(&h, 0.0), 0);
  ck_assert_uint_eq(ep__histogram_quantile(&h, 0.5), 4);
  ck_assert_uint_eq(ep__histogram_quantile(&h, 1.0), 7);
  ck_assert_uint_eq(h.max, 7);
}
END_TEST

/* 1..100000: each quantile is within the 12.5% bucket width. */
START_TEST(quantiles_within_bucket_error) {
  ep__histogram h = {0};
  for (uint64_t v = 1; v <= 100000; v++)
    ep__histogram_add(&h, v);
  double qs[] = {0.1, 0.5, 0.9, 0.99};
  for (size_t i = 0; i < 4; i++) {
    double want = qs[i] * 100000;
    double got = (double)ep__histogram_quantile(&h, qs[i]);
    ck_assert(got >= want * 0.99);
    ck_assert(got <= want * 1.13);
  }
  ck_assert_uint_eq(ep__histogram_quantile(&h, 1.0), 100000);
}
END_TEST

START_TEST(huge_values_fit) {
  ep__histogram h = {0};
  ep__histogram_add(&h, UINT64_MAX);
  ep__histogram_add(&h, 1ull << 40);
  ck_assert_uint_eq(ep__histogram_quantile(&h, 1.0), UINT64_MAX);
  ck_assert_uint_ge(ep__histogram_quantile(&h, 0.0), 1ull << 40);
}
END_TEST

int main(void) {
  Suite *s = suite_create("histogram");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, empty_is_zero);
  tcase_add_test(tc, small_values_are_exact);
  tcase_add_test(tc, quantiles_within_bucket_error);
  tcase_add_test(tc, huge_values_fit);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
