/* pipe-run, the built binary: --validate, --print-config, --dot, plugins
 * and the command line's exit codes (0 ok, 1 graph error, 2 usage). */
#include <check.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tool[4096], plugin[4096], data[4096];

typedef struct result {
  int status;
  char *out; /* stdout and stderr together */
} result;

/* Runs `pipe-run ARGS` through the shell (env may prefix "VAR=x "). */
static result run(const char *env, const char *args) {
  char cmd[16384];
  snprintf(cmd, sizeof cmd, "%s '%s' %s 2>&1", env ? env : "", tool, args);
  FILE *p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  result r = {0, NULL};
  size_t len = 0, cap = 0;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    if (len + n + 1 > cap) {
      cap = (len + n + 1) * 2;
      r.out = realloc(r.out, cap);
    }
    memcpy(r.out + len, buf, n);
    len += n;
  }
  if (!r.out)
    r.out = calloc(1, 1);
  r.out[len] = '\0';
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
  static char bufs[4][8192];
  static int k;
  char *b = bufs[k++ % 4];
  va_list ap;
  va_start(ap, f);
  vsnprintf(b, sizeof bufs[0], f, ap);
  va_end(ap);
  return b;
}

START_TEST(validate_ok) {
  result r = run(NULL, fmt("--plugin '%s' --validate '%s/uses_subgraph.pbtxt' "
                           "'%s/options_twin.yaml'",
                           plugin, data, data));
  ck_assert_str_eq(r.out, fmt("%s/uses_subgraph.pbtxt: ok\n"
                              "%s/options_twin.yaml: ok\n",
                              data, data));
  ck_assert_int_eq(r.status, 0);
  free(r.out);
}
END_TEST

/* Every graph shipped in graphs/ (and its subgraphs) validates against the
 * built-in calculators, without plugins. */
START_TEST(validate_repo_graphs) {
  const char *src = getenv("EP_SOURCE_ROOT");
  glob_t g;
  ck_assert_int_eq(glob(fmt("%s/graphs/*.pbtxt", src), 0, NULL, &g), 0);
  glob(fmt("%s/graphs/*.y*ml", src), GLOB_APPEND, NULL, &g);
  glob(fmt("%s/graphs/subgraphs/*", src), GLOB_APPEND, NULL, &g);
  ck_assert_uint_ge(g.gl_pathc, 4);
  char args[16384] = "--validate", want[16384] = "";
  for (size_t i = 0; i < g.gl_pathc; i++) {
    strcat(strcat(strcat(args, " '"), g.gl_pathv[i]), "'");
    strcat(strcat(want, g.gl_pathv[i]), ": ok\n");
  }
  globfree(&g);
  result r = run(NULL, args);
  ck_assert_str_eq(r.out, want);
  ck_assert_int_eq(r.status, 0);
  free(r.out);
}
END_TEST

START_TEST(validate_malformed) {
  result r =
      run(NULL, fmt("--plugin '%s' --validate '%s/bad.pbtxt'", plugin, data));
  ck_assert_str_eq(r.out, fmt("%s/bad.pbtxt:6:3: unknown field "
                              "'inptu_stream' in node; did you mean "
                              "'input_stream'?\n",
                              data));
  ck_assert_int_eq(r.status, 1);
  free(r.out);
}
END_TEST

START_TEST(validate_syntax_error) {
  result r = run(NULL, fmt("--validate '%s/unclosed.pbtxt'", data));
  ck_assert_str_eq(r.out, fmt("%s/unclosed.pbtxt:7:1: expected '}' to close "
                              "'node' opened at 3:1\n",
                              data));
  ck_assert_int_eq(r.status, 1);
  free(r.out);
  r = run(NULL, "--validate /nonexistent/g.yaml");
  ck_assert_str_eq(r.out, "/nonexistent/g.yaml: No such file or directory\n");
  ck_assert_int_eq(r.status, 1);
  free(r.out);
}
END_TEST

START_TEST(validate_reports_every_error) {
  result r = run(NULL, fmt("--validate --plugin='%s' '%s/invalid.yaml' "
                           "'%s/uses_subgraph.pbtxt'",
                           plugin, data, data));
  ck_assert_str_eq(
      r.out,
      fmt("%s/invalid.yaml:11:17: node 'other' (PassTestCalculater): "
          "unknown calculator 'PassTestCalculater'; did you mean "
          "'PassTestCalculator'?\n"
          "%s/invalid.yaml:9:19: node 'sink' (IntSinkTestCalculator): "
          "input_stream ':0' takes Int, but stream 'text' carries String "
          "from node 'src' (StringSourceTestCalculator)\n"
          "%s/uses_subgraph.pbtxt: ok\n",
          data, data, data));
  ck_assert_int_eq(r.status, 1);
  free(r.out);
}
END_TEST

START_TEST(plugins) {
  /* Without the plugin the test calculators are unknown. */
  result r = run(NULL, fmt("--validate '%s/uses_subgraph.pbtxt'", data));
  ck_assert_int_eq(r.status, 1);
  ck_assert_ptr_nonnull(strstr(r.out, "unknown calculator "
                                      "'SourceTestCalculator'"));
  free(r.out);
  r = run(fmt("EDGEPIPE_PLUGIN_PATH='%s'", plugin),
          fmt("--validate '%s/uses_subgraph.pbtxt'", data));
  ck_assert_int_eq(r.status, 0);
  free(r.out);
  r = run(NULL, fmt("--plugin /nonexistent/libx.so --validate "
                    "'%s/uses_subgraph.pbtxt'",
                    data));
  ck_assert_int_eq(r.status, 1);
  ck_assert_int_eq(strncmp(r.out, "pipe-run: /nonexistent/libx.so: ", 32), 0);
  free(r.out);
}
END_TEST

START_TEST(print_config_twins) {
  result a = run(NULL, fmt("--plugin '%s' --print-config "
                           "'%s/options_twin.pbtxt'",
                           plugin, data));
  result b = run(NULL, fmt("--plugin '%s' --print-config "
                           "'%s/options_twin.yaml'",
                           plugin, data));
  ck_assert_int_eq(a.status, 0);
  ck_assert_int_eq(b.status, 0);
  ck_assert_str_eq(a.out, b.out);
  ck_assert_ptr_nonnull(strstr(a.out, "    activation: TANH\n"));
  free(a.out);
  free(b.out);
}
END_TEST

START_TEST(dot_file) {
  char path[] = "/tmp/ep_dot_XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  result r = run(NULL, fmt("--plugin '%s' --dot '%s' '%s/uses_subgraph.pbtxt'",
                           plugin, path, data));
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "");
  FILE *f = fopen(path, "r");
  char text[8192] = "";
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = '\0';
  fclose(f);
  unlink(path);
  ck_assert_int_eq(strncmp(text, "digraph \"graph\" {\n", 18), 0);
  ck_assert_ptr_nonnull(strstr(text, "\"src\" -> \"outer_sub__inner__first\" "
                                     "[label=\"numbers : Int\"];\n"));
  free(r.out);
  /* An invalid graph writes nothing and fails. */
  r = run(NULL, fmt("--dot - '%s/bad.pbtxt'", data));
  ck_assert_int_eq(r.status, 1);
  free(r.out);
}
END_TEST

START_TEST(usage_errors) {
  static const struct {
    const char *args, *msg;
  } cases[] = {
      {"", "pipe-run: no graph file given\n"},
      {"--bogus g.pbtxt", "pipe-run: unknown option '--bogus'\n"},
      {"--threads zero g.pbtxt",
       "pipe-run: --threads needs a number from 1 to 4096, not 'zero'\n"},
      {"--side novalue g.pbtxt",
       "pipe-run: --side needs NAME=VALUE, not 'novalue'\n"},
      {"g.pbtxt --dot", "pipe-run: option '--dot' needs a value\n"},
      {"--stats=1 g.pbtxt", "pipe-run: option '--stats' takes no value\n"},
      {"a.pbtxt b.pbtxt",
       "pipe-run: one graph file at a time, but 'b.pbtxt' follows the "
       "first\n"},
      {"--validate --print-config g.pbtxt",
       "pipe-run: --print-config cannot be combined with another mode\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    result r = run(NULL, cases[i].args);
    char want[512];
    snprintf(want, sizeof want, "%sTry 'pipe-run --help'.\n", cases[i].msg);
    ck_assert_msg(strcmp(r.out, want) == 0, "case %zu: got '%s'", i, r.out);
    ck_assert_int_eq(r.status, 2);
    free(r.out);
  }
}
END_TEST

/* Errors inside a subgraph found under graphs/ name its file relative to
 * the working folder. */
START_TEST(subgraph_paths_are_relative) {
  char cmd[16384];
  snprintf(cmd, sizeof cmd,
           "cd '%s/..' && '%s' --validate graphs/uses_loop.pbtxt 2>&1", data,
           tool);
  FILE *p = popen(cmd, "r");
  char out[4096] = "";
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  ck_assert_int_eq(WEXITSTATUS(pclose(p)), 1);
  ck_assert_str_eq(out, "graphs/subgraphs/loop_b.pbtxt:6:15: node 'a' "
                        "(LoopATestSubgraph): subgraph recursion: "
                        "LoopATestSubgraph -> LoopBTestSubgraph -> "
                        "LoopATestSubgraph\n");
}
END_TEST

START_TEST(help_and_version) {
  result r = run(NULL, "--help");
  ck_assert_int_eq(r.status, 0);
  ck_assert_int_eq(strncmp(r.out, "usage: pipe-run GRAPH [options]", 31), 0);
  free(r.out);
  r = run(NULL, "--version");
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "pipe-run (edgepipe) 0.1.0\n");
  free(r.out);
}
END_TEST

int main(void) {
  const char *build = getenv("EP_BUILD_ROOT");
  const char *src = getenv("EP_SOURCE_ROOT");
  if (!build || !src) {
    fprintf(stderr, "EP_BUILD_ROOT and EP_SOURCE_ROOT must be set\n");
    return EXIT_FAILURE;
  }
  snprintf(tool, sizeof tool, "%s/tools/pipe-run", build);
  snprintf(plugin, sizeof plugin, "%s/tests/libep_test_plugin.so", build);
  snprintf(data, sizeof data, "%s/tests/data/graphs", src);
  Suite *s = suite_create("pipe_run");
  TCase *tc = tcase_create("tools");
  tcase_add_test(tc, validate_ok);
  tcase_add_test(tc, validate_repo_graphs);
  tcase_add_test(tc, validate_malformed);
  tcase_add_test(tc, validate_syntax_error);
  tcase_add_test(tc, validate_reports_every_error);
  tcase_add_test(tc, plugins);
  tcase_add_test(tc, print_config_twins);
  tcase_add_test(tc, dot_file);
  tcase_add_test(tc, usage_errors);
  tcase_add_test(tc, subgraph_paths_are_relative);
  tcase_add_test(tc, help_and_version);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
