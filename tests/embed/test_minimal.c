/* test_minimal.c — examples/minimal runs and prints the squares it pushed,
 * at their timestamps, in order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_util.h"

START_TEST(minimal_prints_each_pushed_value) {
  const char *argv[] = {build_path("examples/minimal"), NULL};
  run_result r;
  run_program(&r, argv, NULL, NULL, 0, 0);
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  /* The example pushes i*i at timestamp 10*i for i = 0..4. */
  char want[256] = "";
  for (int i = 0; i < 5; i++) {
    char line[64];
    snprintf(line, sizeof line, "t=%d value=%d\n", 10 * i, i * i);
    strcat(want, line);
  }
  ck_assert_str_eq(r.out, want);
  ck_assert_str_eq(r.err, "");
  run_result_free(&r);
}
END_TEST

int main(void) {
  Suite *s = suite_create("embed_minimal");
  TCase *tc = tcase_create("minimal");
  tcase_add_test(tc, minimal_prints_each_pushed_value);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
