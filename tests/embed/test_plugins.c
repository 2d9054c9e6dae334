/* test_plugins.c — calculator plugins: examples/custom_calculator.c built
 * as a .so, loaded by pipe-run (--plugin, EDGEPIPE_PLUGIN_PATH) and by an
 * app (ep_plugin_load); a plugin with another ABI version is refused with
 * a message naming the file and both versions.
 *
 * This test links the shared libedgepipe, as an app does, so the plugin
 * binds to the same registry as the test. */
#include <check.h>
#include <edgepipe/edgepipe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_util.h"

#define PLUGIN "examples/libcustom_calculator.so"
#define BAD_PLUGIN "tests/embed/bad_abi/libbad_abi_plugin.so"

/* The graph file prints 3*i + 1 for i = 0..4 on "scaled". */
static void assert_scaled_output(const run_result *r) {
  ck_assert_msg(r->status == 0, "exit %d: %s", r->status, r->err);
  ck_assert_int_eq(count_lines_with(r->out, "\"stream\":\"scaled\""), 5);
  for (int i = 0; i < 5; i++) {
    char want[96];
    snprintf(want, sizeof want,
             "\"timestamp_us\":%d,\"type\":\"Int\","
             "\"value\":%d}",
             i, 3 * i + 1);
    ck_assert_msg(strstr(r->out, want), "no '%s' in:\n%s", want, r->out);
  }
}

static void pipe_run(run_result *r, const char *plugin,
                     const char *const *env) {
  const char *argv[8];
  int n = 0;
  argv[n++] = build_path("tools/pipe-run");
  if (plugin) {
    argv[n++] = "--plugin";
    argv[n++] = plugin;
  }
  argv[n++] = "--print";
  argv[n++] = "scaled";
  argv[n++] = source_path("examples/custom_calculator.pbtxt");
  argv[n] = NULL;
  run_program(r, argv, NULL, env, 0, 0);
}

START_TEST(pipe_run_loads_the_plugin_given_with_plugin) {
  run_result r;
  pipe_run(&r, build_path(PLUGIN), NULL);
  assert_scaled_output(&r);
  run_result_free(&r);
}
END_TEST

START_TEST(pipe_run_loads_plugins_from_a_path_folder) {
  char env[4200];
  snprintf(env, sizeof env, "EDGEPIPE_PLUGIN_PATH=%s", build_path("examples"));
  const char *envv[] = {env, NULL};
  run_result r;
  pipe_run(&r, NULL, envv);
  assert_scaled_output(&r);
  run_result_free(&r);
}
END_TEST

START_TEST(pipe_run_loads_a_path_list_of_files) {
  /* The same plugin twice: loading it again is harmless. */
  char env[8400];
  snprintf(env, sizeof env, "EDGEPIPE_PLUGIN_PATH=%s:%s", build_path(PLUGIN),
           build_path(PLUGIN));
  const char *envv[] = {env, NULL};
  run_result r;
  pipe_run(&r, NULL, envv);
  assert_scaled_output(&r);
  run_result_free(&r);
}
END_TEST

START_TEST(without_the_plugin_the_graph_names_the_unknown_calculator) {
  const char *envv[] = {"EDGEPIPE_PLUGIN_PATH=", NULL};
  run_result r;
  pipe_run(&r, NULL, envv);
  ck_assert_int_eq(r.status, 1);
  ck_assert_msg(strstr(r.err, "ScaleIntCalculator"), "%s", r.err);
  ck_assert_msg(strstr(r.err, "custom_calculator.pbtxt:"), "%s", r.err);
  run_result_free(&r);
}
END_TEST

static void assert_abi_refused(const run_result *r) {
  ck_assert_int_eq(r->status, 1);
  char want[256];
  snprintf(want, sizeof want,
           "libbad_abi_plugin.so: plugin ABI version %d, but this edgepipe "
           "needs %d",
           EP_CALCULATOR_ABI + 1, EP_CALCULATOR_ABI);
  ck_assert_msg(strstr(r->err, want), "no '%s' in:\n%s", want, r->err);
  ck_assert_str_eq(r->out, "");
}

START_TEST(pipe_run_refuses_a_plugin_of_another_abi) {
  run_result r;
  pipe_run(&r, build_path(BAD_PLUGIN), NULL);
  assert_abi_refused(&r);
  run_result_free(&r);
}
END_TEST

START_TEST(pipe_run_refuses_another_abi_from_the_path) {
  char env[4200];
  snprintf(env, sizeof env, "EDGEPIPE_PLUGIN_PATH=%s",
           build_path("tests/embed/bad_abi"));
  const char *envv[] = {env, NULL};
  run_result r;
  pipe_run(&r, NULL, envv);
  assert_abi_refused(&r);
  run_result_free(&r);
}
END_TEST

START_TEST(pipe_run_names_a_missing_plugin) {
  run_result r;
  pipe_run(&r, "/nonexistent/libnothing.so", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_msg(strstr(r.err, "/nonexistent/libnothing.so"), "%s", r.err);
  run_result_free(&r);
}
END_TEST

/* --- in the app's own process ------------------------------------------- */

static const char scale_graph[] =
    "input_stream: 'in'\n"
    "output_stream: 'out'\n"
    "node { calculator: 'ScaleIntCalculator' input_stream: 'in'\n"
    "  output_stream: 'out' options { factor: -4 } }\n";

START_TEST(an_app_loads_the_plugin_and_runs_its_calculator) {
  char *msg = NULL;
  int rc = ep_plugin_load(build_path(PLUGIN), &msg);
  ck_assert_msg(rc == 0, "%s", msg ? msg : ep_strerror(rc));
  ck_assert_ptr_nonnull(ep_calculator_find("ScaleIntCalculator"));

  ep_graph *g = NULL;
  char *err = NULL;
  rc = ep_graph_create_from_string(scale_graph, strlen(scale_graph), "pbtxt",
                                   NULL, &g, &err);
  ck_assert_msg(rc == 0, "%s", err ? err : "?");
  ep_poller *out;
  ck_assert_int_eq(ep_graph_poller(g, "out", &out), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  for (int i = 1; i <= 3; i++)
    ck_assert_int_eq(ep_graph_add_packet(g, "in", ep_packet_new_int(i, i), 0),
                     0);
  ep_graph_close_all_inputs(g);
  ep_packet *p;
  for (int i = 1; i <= 3; i++) {
    ck_assert_int_eq(ep_poller_next(out, &p, -1), 0);
    ck_assert_int_eq(ep_packet_timestamp(p), i);
    ck_assert_int_eq(ep_packet_get_int(p), -4 * i); /* offset defaults to 0 */
    ep_packet_unref(p);
  }
  ck_assert_int_eq(ep_poller_next(out, &p, -1), EP_STOP);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(an_app_gets_the_abi_error_and_nothing_registered) {
  char *msg = NULL;
  ck_assert_int_eq(ep_plugin_load(build_path(BAD_PLUGIN), &msg), EP_EABI);
  ck_assert_ptr_nonnull(msg);
  ck_assert_msg(strstr(msg, "libbad_abi_plugin.so: plugin ABI version"), "%s",
                msg);
  free(msg);
  ck_assert_ptr_null(ep_calculator_find("FutureCalculator"));
}
END_TEST

START_TEST(a_library_without_the_descriptor_is_not_a_plugin) {
  char *msg = NULL;
  ck_assert_int_eq(ep_plugin_load(build_path("lib/libedgepipe.so"), &msg),
                   EP_ENOTFOUND);
  ck_assert_msg(msg && strstr(msg, "not an edgepipe plugin (no "
                                   "'edgepipe_plugin' symbol)"),
                "%s", msg ? msg : "(no message)");
  free(msg);
}
END_TEST

int main(void) {
  Suite *s = suite_create("embed_plugins");
  TCase *tc = tcase_create("pipe_run");
  tcase_add_test(tc, pipe_run_loads_the_plugin_given_with_plugin);
  tcase_add_test(tc, pipe_run_loads_plugins_from_a_path_folder);
  tcase_add_test(tc, pipe_run_loads_a_path_list_of_files);
  tcase_add_test(tc, without_the_plugin_the_graph_names_the_unknown_calculator);
  tcase_add_test(tc, pipe_run_refuses_a_plugin_of_another_abi);
  tcase_add_test(tc, pipe_run_refuses_another_abi_from_the_path);
  tcase_add_test(tc, pipe_run_names_a_missing_plugin);
  suite_add_tcase(s, tc);
  TCase *app = tcase_create("app");
  tcase_add_test(app, an_app_loads_the_plugin_and_runs_its_calculator);
  tcase_add_test(app, an_app_gets_the_abi_error_and_nothing_registered);
  tcase_add_test(app, a_library_without_the_descriptor_is_not_a_plugin);
  suite_add_tcase(s, app);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
