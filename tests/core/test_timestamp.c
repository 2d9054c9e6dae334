#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/timestamp.h"

START_TEST(specials_are_ordered) {
  ck_assert(EP_TS_UNSET < EP_TS_UNSTARTED);
  ck_assert(EP_TS_UNSTARTED < EP_TS_PRESTREAM);
  ck_assert(EP_TS_PRESTREAM < EP_TS_MIN);
  ck_assert(EP_TS_MIN < 0 && 0 < EP_TS_MAX);
  ck_assert(EP_TS_MAX < EP_TS_POSTSTREAM);
  ck_assert(EP_TS_POSTSTREAM < EP_TS_DONE);
}
END_TEST

START_TEST(allowed_in_stream) {
  ck_assert(ep_timestamp_is_allowed_in_stream(0));
  ck_assert(ep_timestamp_is_allowed_in_stream(EP_TS_PRESTREAM));
  ck_assert(ep_timestamp_is_allowed_in_stream(EP_TS_POSTSTREAM));
  ck_assert(!ep_timestamp_is_allowed_in_stream(EP_TS_DONE));
  ck_assert(!ep_timestamp_is_allowed_in_stream(EP_TS_UNSET));
  ck_assert(!ep_timestamp_is_allowed_in_stream(EP_TS_UNSTARTED));
  ck_assert(ep_timestamp_is_range_value(EP_TS_MIN));
  ck_assert(!ep_timestamp_is_range_value(EP_TS_POSTSTREAM));
}
END_TEST

START_TEST(next_allowed) {
  ck_assert_int_eq(ep_timestamp_next_allowed(41), 42);
  ck_assert_int_eq(ep_timestamp_next_allowed(-5), -4);
  ck_assert_int_eq(ep_timestamp_next_allowed(EP_TS_PRESTREAM), EP_TS_MIN);
  ck_assert_int_eq(ep_timestamp_next_allowed(EP_TS_MAX), EP_TS_DONE);
  ck_assert_int_eq(ep_timestamp_next_allowed(EP_TS_POSTSTREAM), EP_TS_DONE);
  ck_assert_int_eq(ep_timestamp_next_allowed(EP_TS_UNSTARTED), EP_TS_MIN);
}
END_TEST

START_TEST(names) {
  char buf[32];
  ck_assert_str_eq(ep_timestamp_str(EP_TS_DONE, buf, sizeof buf), "Done");
  ck_assert_str_eq(ep_timestamp_str(EP_TS_PRESTREAM, buf, sizeof buf),
                   "PreStream");
  ck_assert_str_eq(ep_timestamp_str(-17, buf, sizeof buf), "-17");
  ck_assert_str_eq(ep_timestamp_str(1234567, buf, sizeof buf), "1234567");
}
END_TEST

int main(void) {
  Suite *s = suite_create("timestamp");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, specials_are_ordered);
  tcase_add_test(tc, allowed_in_stream);
  tcase_add_test(tc, next_allowed);
  tcase_add_test(tc, names);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
