/* test_install.c — `meson install` into a temporary root, then an app and
 * a plugin built against it with nothing but pkg-config, and both run:
 * examples/minimal.c, built with `pkg-config --cflags --libs edgepipe`,
 * links the installed libedgepipe.so and prints its results;
 * examples/custom_calculator.c, built with `pkg-config --cflags edgepipe`
 * (a plugin binds to its host's library), becomes a plugin the installed
 * pipe-run loads. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_util.h"

static char root[4096];  /* the DESTDIR */
static char pcdir[4096]; /* where edgepipe.pc went */
static char env_pc[8400], env_sysroot[8400];
static char cflags[256]; /* the library's sanitizers, which an app needs too */

static void chomp(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
    s[--n] = '\0';
}

static void install_once(void) {
  char *d = temp_dir();
  snprintf(root, sizeof root, "%s", d);
  free(d);
  char cmd[8400];
  snprintf(cmd, sizeof cmd,
           "meson install -C %s --no-rebuild --quiet --destdir %s",
           build_path(""), root);
  run_result r;
  run_shell(&r, cmd, NULL);
  ck_assert_msg(r.status == 0, "meson install failed:\n%s%s", r.out, r.err);
  run_result_free(&r);

  snprintf(cmd, sizeof cmd, "find %s -name edgepipe.pc", root);
  run_shell(&r, cmd, NULL);
  chomp(r.out);
  ck_assert_msg(strstr(r.out, "/pkgconfig/edgepipe.pc"),
                "no edgepipe.pc "
                "installed under %s",
                root);
  snprintf(pcdir, sizeof pcdir, "%s", r.out);
  *strrchr(pcdir, '/') = '\0';
  run_result_free(&r);
  /* The .pc says the real prefix; the sysroot maps it into DESTDIR. */
  snprintf(env_pc, sizeof env_pc, "PKG_CONFIG_PATH=%s", pcdir);
  snprintf(env_sysroot, sizeof env_sysroot, "PKG_CONFIG_SYSROOT_DIR=%s", root);
  const char *san = getenv("EP_SANITIZE");
  if (san && *san && strcmp(san, "none") != 0)
    snprintf(cflags, sizeof cflags, "-fsanitize=%s", san);
}

static void teardown(void) {
  if (*root) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    run_result r;
    run_shell(&r, cmd, NULL);
    run_result_free(&r);
  }
}

static void shell(run_result *r, const char *cmd) {
  const char *env[] = {env_pc, env_sysroot, NULL};
  run_shell(r, cmd, env);
}

START_TEST(installs_library_headers_tool_and_pc) {
  static const char *const files[] = {
      "include/edgepipe/edgepipe.h", "include/edgepipe/graph.h",
      "include/edgepipe/image_packet.h", "bin/pipe-run", NULL};
  char cmd[8400];
  for (size_t i = 0; files[i]; i++) {
    snprintf(cmd, sizeof cmd,
             "test -f %s/usr/local/%s || "
             "find %s -path '*/%s' | grep -q .",
             root, files[i], root, files[i]);
    run_result r;
    run_shell(&r, cmd, NULL);
    ck_assert_msg(r.status == 0, "%s is not installed under %s", files[i],
                  root);
    run_result_free(&r);
  }
  run_result r;
  shell(&r, "pkg-config --modversion edgepipe && "
            "pkg-config --print-requires-private edgepipe && "
            "pkg-config --libs edgepipe");
  ck_assert_msg(r.status == 0, "%s", r.err);
  ck_assert_msg(strstr(r.out, "yaml-0.1") && strstr(r.out, "libuv") &&
                    strstr(r.out, "-ledgepipe"),
                "%s", r.out);
  run_result_free(&r);
  /* The GStreamer plugin, when this build makes one. */
  snprintf(cmd, sizeof cmd,
           "test ! -e %s || find %s -name libgstedgepipe.so | grep -q .",
           build_path("gst/libgstedgepipe.so"), root);
  run_shell(&r, cmd, NULL);
  ck_assert_msg(r.status == 0, "the GStreamer plugin is not installed");
  run_result_free(&r);
  /* The shared library's file is there, under the .pc's libdir. */
  snprintf(cmd, sizeof cmd, "ls %s/../libedgepipe.so.*", pcdir);
  run_shell(&r, cmd, NULL);
  ck_assert_msg(r.status == 0, "no libedgepipe.so.* in %s/..", pcdir);
  run_result_free(&r);
}
END_TEST

START_TEST(minimal_builds_and_runs_against_the_install) {
  char *cmd = str_printf(
      "cc -std=c11 -Wall -Wextra -Werror %s %s -o %s/minimal "
      "$(pkg-config --cflags --libs edgepipe) && "
      "readelf -d %s/minimal | grep NEEDED && "
      "LD_LIBRARY_PATH=%s/.. %s/minimal",
      cflags, source_path("examples/minimal.c"), root, root, pcdir, root);
  run_result r;
  shell(&r, cmd);
  free(cmd);
  ck_assert_msg(r.status == 0, "exit %d:\n%s%s", r.status, r.out, r.err);
  ck_assert_msg(strstr(r.out, "libedgepipe.so.0"),
                "not linked to the "
                "shared library:\n%s",
                r.out);
  ck_assert_msg(strstr(r.out, "t=0 value=0\nt=10 value=1\nt=20 value=4\n"
                              "t=30 value=9\nt=40 value=16\n"),
                "%s", r.out);
  run_result_free(&r);
}
END_TEST

START_TEST(a_plugin_builds_against_the_install_and_loads) {
  char *cmd = str_printf(
      "cc -std=c11 -Wall -Wextra -Werror -shared -fPIC %s %s "
      "-o %s/libcustom.so $(pkg-config --cflags edgepipe) && "
      "! readelf -d %s/libcustom.so | grep -q 'NEEDED.*libedgepipe' && "
      "LD_LIBRARY_PATH=%s/.. $(find %s -name pipe-run -type f) "
      "--plugin %s/libcustom.so --print scaled %s",
      cflags, source_path("examples/custom_calculator.c"), root, root, pcdir,
      root, root, source_path("examples/custom_calculator.pbtxt"));
  run_result r;
  shell(&r, cmd);
  free(cmd);
  ck_assert_msg(r.status == 0, "exit %d:\n%s%s", r.status, r.out, r.err);
  ck_assert_int_eq(count_lines_with(r.out, "\"stream\":\"scaled\""), 5);
  ck_assert_msg(strstr(r.out, "\"timestamp_us\":4,\"type\":\"Int\","
                              "\"value\":13}"),
                "%s", r.out);
  run_result_free(&r);
}
END_TEST

START_TEST(every_header_stands_alone_and_is_in_the_umbrella) {
  /* Each installed header compiles on its own (C11, warnings as errors),
   * and edgepipe.h includes every one of them. (pkg-config applies the
   * sysroot to includedir.) */
  char *cmd = str_printf(
      "set -e; inc=$(pkg-config --variable=includedir edgepipe); "
      "n=0; for h in $inc/edgepipe/*.h; do b=$(basename $h); n=$((n+1)); "
      "echo \"#include <edgepipe/$b>\" | cc -std=c11 -Wall -Wextra -Werror "
      "-Wpedantic -fsyntax-only -x c - $(pkg-config --cflags edgepipe) || "
      "{ echo \"$b does not compile alone\"; exit 1; }; "
      "[ $b = edgepipe.h ] || grep -q \"#include \\\"edgepipe/$b\\\"\" "
      "$inc/edgepipe/edgepipe.h || "
      "{ echo \"edgepipe.h lacks $b\"; exit 1; }; done; echo $n headers");
  run_result r;
  shell(&r, cmd);
  free(cmd);
  ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
  int n = 0;
  ck_assert_int_eq(sscanf(r.out, "%d headers", &n), 1);
  ck_assert_int_ge(n, 14);
  run_result_free(&r);
}
END_TEST

int main(void) {
  Suite *s = suite_create("embed_install");
  TCase *tc = tcase_create("install");
  tcase_set_timeout(tc, 300);
  tcase_add_unchecked_fixture(tc, install_once, teardown);
  tcase_add_test(tc, installs_library_headers_tool_and_pc);
  tcase_add_test(tc, minimal_builds_and_runs_against_the_install);
  tcase_add_test(tc, a_plugin_builds_against_the_install_and_loads);
  tcase_add_test(tc, every_header_stands_alone_and_is_in_the_umbrella);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
