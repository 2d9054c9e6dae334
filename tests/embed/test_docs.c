/* test_docs.c — the docs that are derived from the code stay in step
 * with it: docs/calculators.md is exactly what pipe-run --calculator-table
 * prints for this build's calculators, and docs/cli.md covers every option
 * pipe-run --help lists. A plugin's calculator is described from its
 * descriptor like a built-in one. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_util.h"

static char *read_file(const char *path) {
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *s = malloc((size_t)n + 1);
  s[fread(s, 1, (size_t)n, f)] = '\0';
  fclose(f);
  return s;
}

static void pipe_run(run_result *r, const char *a, const char *b,
                     const char *c) {
  const char *argv[] = {build_path("tools/pipe-run"), a, b, c, NULL};
  const char *env[] = {"EDGEPIPE_PLUGIN_PATH=", NULL};
  run_program(r, argv, NULL, env, 0, 0);
}

START_TEST(calculator_table_matches_the_descriptors) {
  run_result r;
  pipe_run(&r, "--calculator-table", NULL, NULL);
  ck_assert_msg(r.status == 0, "%s", r.err);
  char *doc = read_file(source_path("docs/calculators.md"));
  ck_assert_msg(strcmp(doc, r.out) == 0,
                "docs/calculators.md is stale: run "
                "scripts/gen-calculator-docs BUILD_DIR");
  /* Every registered calculator has its row. */
  run_result names;
  pipe_run(&names, "--list-calculators", NULL, NULL);
  int n = 0;
  for (char *l = strtok(names.out, "\n"); l; l = strtok(NULL, "\n"), n++) {
    char cell[256];
    snprintf(cell, sizeof cell, "| `%s` |", l);
    ck_assert_msg(strstr(doc, cell), "no row for %s", l);
  }
  ck_assert_int_gt(n, 10);
  free(doc);
  run_result_free(&names);
  run_result_free(&r);
}
END_TEST

START_TEST(cli_reference_covers_every_option) {
  run_result r;
  pipe_run(&r, "--help", NULL, NULL);
  ck_assert_int_eq(r.status, 0);
  char *doc = read_file(source_path("docs/cli.md"));
  int n = 0;
  for (const char *p = strstr(r.out, "--"); p; p = strstr(p + 2, "--")) {
    char opt[64];
    if (sscanf(p, "%63[-a-z]", opt) != 1 || strlen(opt) < 4)
      continue;
    char want[80];
    snprintf(want, sizeof want, "`%s", opt);
    ck_assert_msg(strstr(doc, want), "docs/cli.md does not document %s", opt);
    n++;
  }
  ck_assert_int_gt(n, 10);
  ck_assert_msg(strstr(doc, "EDGEPIPE_PLUGIN_PATH"), "no plugin path");
  free(doc);
  run_result_free(&r);
}
END_TEST

START_TEST(a_plugin_calculator_is_described_from_its_descriptor) {
  run_result r;
  pipe_run(&r, "--plugin", build_path("examples/libcustom_calculator.so"),
           "--describe=ScaleIntCalculator");
  ck_assert_msg(r.status == 0, "%s", r.err);
  ck_assert_str_eq(r.out, "ScaleIntCalculator\n"
                          "  input streams:\n"
                          "    (untagged): Int\n"
                          "  output streams:\n"
                          "    (untagged): Int\n"
                          "  options:\n"
                          "    factor: int = 2, -1000000..1000000\n"
                          "    offset: int = 0, -1000000000..1000000000\n"
                          "  input stream handler: Default\n");
  run_result_free(&r);
}
END_TEST

START_TEST(describing_an_unknown_calculator_is_an_error) {
  run_result r;
  pipe_run(&r, "--describe", "NoSuchCalculator", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_msg(strstr(r.err, "no calculator named 'NoSuchCalculator'"), "%s",
                r.err);
  run_result_free(&r);
}
END_TEST

int main(void) {
  Suite *s = suite_create("embed_docs");
  TCase *tc = tcase_create("docs");
  /* The committed table is of the full build (with GStreamer). */
  if (getenv("EP_HAVE_GST"))
    tcase_add_test(tc, calculator_table_matches_the_descriptors);
  tcase_add_test(tc, cli_reference_covers_every_option);
  tcase_add_test(tc, a_plugin_calculator_is_described_from_its_descriptor);
  tcase_add_test(tc, describing_an_unknown_calculator_is_an_error);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
