#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/registry.h"

static const ep_calculator_def test_calc = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "RegistryTestCalculator",
};

START_TEST(register_and_find) {
  ck_assert_ptr_null(ep_calculator_find("RegistryTestCalculator"));
  ck_assert_int_eq(ep_calculator_register(&test_calc), 0);
  ck_assert_ptr_eq(ep_calculator_find("RegistryTestCalculator"), &test_calc);
  ck_assert_int_eq(ep_calculator_register(&test_calc), 0);
}
END_TEST

START_TEST(rejects_bad_defs) {
  static const ep_calculator_def wrong_abi = {.abi_version = 99,
                                              .name = "WrongAbi"};
  static const ep_calculator_def clash = {.abi_version = EP_CALCULATOR_ABI,
                                          .name = "RegistryTestCalculator"};
  ck_assert_int_eq(ep_calculator_register(NULL), EP_EINVAL);
  ck_assert_int_eq(ep_calculator_register(&wrong_abi), EP_EABI);
  ep_calculator_register(&test_calc);
  ck_assert_int_eq(ep_calculator_register(&clash), EP_EEXIST);
}
END_TEST

START_TEST(plugin_errors_name_the_file) {
  char *msg = NULL;
  ck_assert_int_lt(ep_plugin_load("/nonexistent/libnothing.so", &msg), 0);
  ck_assert_ptr_nonnull(msg);
  ck_assert_ptr_nonnull(strstr(msg, "/nonexistent/libnothing.so"));
  free(msg);
}
END_TEST

static void count(const ep_calculator_def *d, void *user) {
  (void)d;
  (*(int *)user)++;
}

START_TEST(foreach_sees_registered) {
  ep_calculator_register(&test_calc);
  int n = 0;
  ep_calculator_foreach(count, &n);
  ck_assert_int_ge(n, 1);
}
END_TEST

START_TEST(strerror_covers_codes) {
  ck_assert_str_eq(ep_strerror(EP_OK), "success");
  ck_assert_str_eq(ep_strerror(EP_EAGAIN), "resource temporarily unavailable");
  ck_assert_str_eq(ep_err_name(EP_EDEADLOCK), "EP_EDEADLOCK");
  ck_assert_str_eq(ep_strerror(12345), "unknown error");
}
END_TEST

int main(void) {
  Suite *s = suite_create("registry");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, register_and_find);
  tcase_add_test(tc, rejects_bad_defs);
  tcase_add_test(tc, plugin_errors_name_the_file);
  tcase_add_test(tc, foreach_sees_registered);
  tcase_add_test(tc, strerror_covers_codes);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
