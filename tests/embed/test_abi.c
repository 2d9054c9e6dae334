/* test_abi.c — the shared library's exports and version.
 *
 * libedgepipe.so must export exactly the symbols in tests/abi/symbols.txt:
 * a new export (an EP_API put on an internal function, a static
 * dependency leaking through) or a lost one fails here with the
 * difference; scripts/update-abi-symbols rewrites the list when the
 * change is meant. */
#include <check.h>
#include <edgepipe/edgepipe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_util.h"

typedef struct names {
  char **v;
  size_t n;
} names;

static void add(names *s, const char *name) {
  s->v = realloc(s->v, (s->n + 1) * sizeof *s->v);
  s->v[s->n++] = strdup(name);
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Symbols the toolchain or a sanitizer adds (scripts/update-abi-symbols
 * leaves out the same ones). */
static bool ignored(const char *name) {
  static const char *const prefixes[] = {
      "_init",   "_fini",       "_edata",   "_end",   "__bss_start", "__asan",
      "__ubsan", "__sanitizer", "__sancov", "__lsan", "__odr_asan",  NULL};
  for (size_t i = 0; prefixes[i]; i++)
    if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
      return true;
  return false;
}

static names read_lines(const char *text, bool filter) {
  names s = {0};
  char *copy = strdup(text), *save = NULL;
  for (char *l = strtok_r(copy, "\n", &save); l;
       l = strtok_r(NULL, "\n", &save)) {
    char *name = strrchr(l, ' '); /* nm: "ADDR T name" */
    name = name ? name + 1 : l;
    if (*name && !(filter && ignored(name)))
      add(&s, name);
  }
  free(copy);
  qsort(s.v, s.n, sizeof *s.v, cmp);
  return s;
}

static bool has(const names *s, const char *name) {
  return bsearch(&name, s->v, s->n, sizeof *s->v, cmp) != NULL;
}

/* "+name" for each export not in the list, "-name" for each listed one
 * not exported. */
static char *diff(const names *got, const names *want) {
  size_t len = 1;
  char *d = calloc(1, 1);
  for (int side = 0; side < 2; side++) {
    const names *a = side ? want : got, *b = side ? got : want;
    for (size_t i = 0; i < a->n; i++)
      if (!has(b, a->v[i])) {
        len += strlen(a->v[i]) + 2;
        d = realloc(d, len);
        strcat(d, side ? "-" : "+");
        strcat(d, a->v[i]);
        strcat(d, "\n");
      }
  }
  return d;
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strdup(buf);
}

START_TEST(exports_match_the_committed_list) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "nm -D --defined-only %s",
           build_path("lib/libedgepipe.so"));
  run_result r;
  run_shell(&r, cmd, NULL);
  ck_assert_msg(r.status == 0, "nm failed: %s", r.err);
  names got = read_lines(r.out, true);
  char *listed = read_file(source_path("tests/abi/symbols.txt"));
  names want = read_lines(listed, false);
  ck_assert_int_gt(want.n, 50); /* the list is really there */
  char *d = diff(&got, &want);
  ck_assert_msg(*d == '\0',
                "libedgepipe.so exports differ from tests/abi/symbols.txt "
                "(+ exported but not listed, - listed but not exported):\n%s"
                "If this is meant, run scripts/update-abi-symbols BUILD_DIR.",
                d);
  free(d);
  free(listed);
  for (size_t i = 0; i < got.n; i++)
    free(got.v[i]);
  for (size_t i = 0; i < want.n; i++)
    free(want.v[i]);
  free(got.v);
  free(want.v);
  run_result_free(&r);
}
END_TEST

START_TEST(internal_symbols_are_hidden) {
  char cmd[4200];
  /* ep__ is the cross-file internal prefix: never exported. */
  snprintf(cmd, sizeof cmd,
           "nm -D --defined-only %s | awk '{print $NF}' | grep '^ep__' || true",
           build_path("lib/libedgepipe.so"));
  run_result r;
  run_shell(&r, cmd, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_msg(*r.out == '\0', "internal symbols exported:\n%s", r.out);
  run_result_free(&r);
}
END_TEST

START_TEST(version_agrees_with_the_build) {
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", EP_VERSION_MAJOR, EP_VERSION_MINOR,
           EP_VERSION_PATCH);
  ck_assert_str_eq(ep_version(), want);
  ck_assert_str_eq(EP_VERSION_STRING, want);
  ck_assert_int_eq(EP_VERSION_HEX, (EP_VERSION_MAJOR << 16) |
                                       (EP_VERSION_MINOR << 8) |
                                       EP_VERSION_PATCH);
  /* meson's project version, which edgepipe.pc and the .so name carry. */
  const char *project = getenv("EP_PROJECT_VERSION");
  ck_assert_ptr_nonnull(project);
  ck_assert_str_eq(ep_version(), project);
}
END_TEST

int main(void) {
  Suite *s = suite_create("embed_abi");
  TCase *tc = tcase_create("abi");
  tcase_add_test(tc, exports_match_the_committed_list);
  tcase_add_test(tc, internal_symbols_are_hidden);
  tcase_add_test(tc, version_agrees_with_the_build);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
