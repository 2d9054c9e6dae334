/* Subgraphs: registering them, finding them next to graph files and on
 * EDGEPIPE_GRAPH_PATH, and expanding the nodes that use them. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph_util.h"
#include "subgraph.h"

static const char limiter_sub[] = "type: \"LimitedTestSubgraph\"\n"
                                  "input_stream: \"IN:in\"\n"
                                  "input_stream: \"FINISHED:done\"\n"
                                  "output_stream: \"OUT:out\"\n"
                                  "input_side_packet: \"MODEL:model\"\n"
                                  "node {\n"
                                  "  name: \"lim\"\n"
                                  "  calculator: \"LimiterTestCalculator\"\n"
                                  "  input_stream: \"in\"\n"
                                  "  input_stream: \"FINISHED:done\"\n"
                                  "  output_stream: \"limited\"\n"
                                  "}\n"
                                  "node {\n"
                                  "  calculator: \"PassTestCalculator\"\n"
                                  "  input_stream: \"limited\"\n"
                                  "  output_stream: \"out\"\n"
                                  "}\n"
                                  "node {\n"
                                  "  name: \"t\"\n"
                                  "  calculator: \"TaggedTestCalculator\"\n"
                                  "  input_stream: \"IMAGE:limited\"\n"
                                  "  input_side_packet: \"MODEL:model\"\n"
                                  "}\n";

static void register_limiter_sub(void) {
  char *err = NULL;
  ck_assert_int_eq(ep__subgraph_register_string(limiter_sub,
                                                strlen(limiter_sub), "pbtxt",
                                                "limited.pbtxt", &err),
                   0);
}

START_TEST(expands_registered_subgraph) {
  register_limiter_sub();
  char *err = NULL;
  ep_graph_config *g = gt_load_ok(
      "pbtxt",
      "input_stream: \"video\"\n"
      "input_side_packet: \"m\"\n"
      "node {\n"
      "  calculator: \"LimitedTestSubgraph\"\n"
      "  input_stream: \"IN:video\"\n"
      "  input_stream: \"FINISHED:shown\"\n"
      "  input_stream_info { tag_index: \"FINISHED\" back_edge: true }\n"
      "  output_stream: \"OUT:shown\"\n"
      "  input_side_packet: \"MODEL:m\"\n"
      "  options { ignored: 1 }\n"
      "}\n");
  ck_assert_uint_eq(g->n_nodes, 3);
  /* Unnamed subgraph node: prefix from the calculator and its index. */
  const ep_node_config *lim = &g->nodes[0], *pass = &g->nodes[1];
  ck_assert_str_eq(lim->name, "limitedtestsubgraph_0__lim");
  ck_assert_str_eq(pass->name, "limitedtestsubgraph_0__passtestcalculator_1");
  ck_assert_str_eq(lim->input_stream.v[0].name, "video");
  ck_assert_str_eq(lim->input_stream.v[1].name, "shown");
  ck_assert(lim->input_stream.v[1].back_edge); /* carried inside */
  ck_assert(!lim->input_stream.v[0].back_edge);
  ck_assert_str_eq(lim->output_stream.v[0].name,
                   "limitedtestsubgraph_0__limited");
  ck_assert_str_eq(pass->output_stream.v[0].name, "shown");
  ck_assert_str_eq(g->nodes[2].input_side_packet.v[0].name, "m");
  /* Locations point into the subgraph's text. */
  ck_assert_str_eq(lim->calculator_loc.file, "limited.pbtxt");
  ck_assert_int_eq(lim->calculator_loc.line, 8);
  ck_assert_ptr_null(lim->options);
  ck_assert_int_eq(ep__graph_config_validate(g, &err), 0);
  ep__graph_config_free(g);
  ep__subgraph_clear();
}
END_TEST

START_TEST(port_errors) {
  register_limiter_sub();
  char *got = gt_check("pbtxt", "input_stream: \"video\"\n"
                                "node {\n"
                                "  name: \"Sub 1\"\n"
                                "  calculator: \"LimitedTestSubgraph\"\n"
                                "  input_stream: \"IN:video\"\n"
                                "  input_stream: \"BAD:video\"\n"
                                "  output_stream: \"OUT:shown\"\n"
                                "}\n");
  ck_assert_str_eq(got,
                   "t.pbtxt:2:6: node 'Sub 1' (LimitedTestSubgraph): subgraph "
                   "'LimitedTestSubgraph' needs input_stream 'FINISHED:0' (its "
                   "'done'), which the node does not give\n"
                   "t.pbtxt:6:17: node 'Sub 1' (LimitedTestSubgraph): "
                   "subgraph 'LimitedTestSubgraph' has no input_stream "
                   "'BAD:0' (for 'video')\n"
                   "t.pbtxt:2:6: node 'Sub 1' (LimitedTestSubgraph): subgraph "
                   "'LimitedTestSubgraph' needs input_side_packet 'MODEL:0' "
                   "(its 'model'), which the node does not give\n");
  free(got);
  got = gt_check("pbtxt", "input_stream: \"video\"\n"
                          "input_stream: \"f\"\n"
                          "input_side_packet: \"m\"\n"
                          "node {\n"
                          "  calculator: \"LimitedTestSubgraph\"\n"
                          "  input_stream: \"IN:video\"\n"
                          "  input_stream: \"FINISHED:f\"\n"
                          "  input_stream: \"BAD:video\"\n"
                          "  input_side_packet: \"MODEL:m\"\n"
                          "  output_stream: \"OUT:shown\"\n"
                          "  output_stream: \"ALSO:x\"\n"
                          "}\n");
  ck_assert_str_eq(got,
                   "t.pbtxt:8:17: node #0 (LimitedTestSubgraph): subgraph "
                   "'LimitedTestSubgraph' has no input_stream 'BAD:0' (for "
                   "'video')\n"
                   "t.pbtxt:11:18: node #0 (LimitedTestSubgraph): subgraph "
                   "'LimitedTestSubgraph' has no output_stream 'ALSO:0' (for "
                   "'x')\n");
  free(got);
  ep__subgraph_clear();
}
END_TEST

/* Validation errors inside an expanded subgraph name its file. */
START_TEST(errors_inside_name_the_subgraph_file) {
  static const char sub[] = "type: \"BrokenTestSubgraph\"\n"
                            "input_stream: \"IN:in\"\n"
                            "node {\n"
                            "  name: \"sink\"\n"
                            "  calculator: \"IntSinkTestCalculator\"\n"
                            "  input_stream: \"nothing\"\n"
                            "}\n";
  char *err = NULL;
  ck_assert_int_eq(ep__subgraph_register_string(sub, strlen(sub), "pbtxt",
                                                "broken.pbtxt", &err),
                   0);
  char *got = gt_check("yaml", "input_stream: a\n"
                               "nodes:\n"
                               "  - name: b\n"
                               "    calculator: BrokenTestSubgraph\n"
                               "    input_stream: \"IN:a\"\n");
  ck_assert_str_eq(got, "broken.pbtxt:6:17: node 'b__sink' "
                        "(IntSinkTestCalculator): input stream 'b__nothing' "
                        "is produced by no node and is not a graph "
                        "input_stream\n");
  free(got);
  ep__subgraph_clear();
}
END_TEST

START_TEST(register_errors) {
  char *err = NULL;
  register_limiter_sub();
  ck_assert_int_eq(ep__subgraph_register_string(limiter_sub,
                                                strlen(limiter_sub), "pbtxt",
                                                "again.pbtxt", &err),
                   EP_EEXIST);
  ck_assert_str_eq(err, "again.pbtxt: a subgraph named 'LimitedTestSubgraph' "
                        "is already registered");
  free(err);
  ck_assert_int_eq(
      ep__subgraph_register_string("node {}", 7, "pbtxt", "plain.pbtxt", &err),
      EP_EINVAL);
  ck_assert_str_eq(err, "plain.pbtxt: not a subgraph (it has no type: field)");
  free(err);
  ck_assert_int_lt(ep__subgraph_register_file("/nonexistent/s.pbtxt", &err), 0);
  ck_assert_str_eq(err, "/nonexistent/s.pbtxt: No such file or directory");
  free(err);
  ep__subgraph_clear();
}
END_TEST

START_TEST(register_file) {
  char *err = NULL;
  char *path = gt_source_path("tests/data/graphs/subgraphs/pair.pbtxt");
  ck_assert_int_eq(ep__subgraph_register_file(path, &err), 0);
  ep_graph_config *g =
      gt_load("pbtxt",
              "input_stream: \"a\"\n"
              "node { name: \"p\" calculator: "
              "\"PairTestSubgraph\" input_stream: \"IN:a\" }\n",
              &err);
  ck_assert_msg(g, "%s", err);
  ck_assert_uint_eq(g->n_nodes, 2);
  ck_assert_str_eq(g->nodes[0].name, "p__first");
  ck_assert_str_eq(g->nodes[1].input_stream.v[0].name, "p__mid");
  ck_assert_str_eq(g->nodes[1].output_stream.v[0].name, "p__out");
  ep__graph_config_free(g);
  free(path);
  ep__subgraph_clear();
}
END_TEST

/* Found under tests/data/graphs/subgraphs/, nested two deep. */
START_TEST(finds_nested_subgraphs_next_to_the_graph) {
  char *path = gt_source_path("tests/data/graphs/uses_subgraph.pbtxt");
  ep_graph_config *g = NULL;
  char *err = NULL;
  ck_assert_msg(ep__graph_config_load_file(path, &g, &err) == 0, "%s", err);
  ck_assert_uint_eq(g->n_nodes, 4);
  ck_assert_str_eq(g->nodes[1].name, "outer_sub__inner__first");
  ck_assert_str_eq(g->nodes[2].name, "outer_sub__inner__passtestcalculator_1");
  ck_assert_str_eq(g->nodes[1].input_stream.v[0].name, "numbers");
  ck_assert_str_eq(g->nodes[1].output_stream.v[0].name,
                   "outer_sub__inner__mid");
  ck_assert_str_eq(g->nodes[2].output_stream.v[0].name, "result");
  ck_assert_int_eq(ep__graph_config_validate(g, &err), 0);
  char *text = ep__graph_config_to_pbtxt(g);
  /* The expansion prints as a graph that loads again unchanged. */
  ep_graph_config *again = gt_load_ok("pbtxt", text);
  char *text2 = ep__graph_config_to_pbtxt(again);
  ck_assert_str_eq(text, text2);
  free(text);
  free(text2);
  ep__graph_config_free(again);
  ep__graph_config_free(g);
  free(path);
}
END_TEST

START_TEST(recursion_is_an_error) {
  char *path = gt_source_path("tests/data/graphs/uses_loop.pbtxt");
  ep_graph_config *g = NULL;
  char *err = NULL;
  ck_assert_int_eq(ep__graph_config_load_file(path, &g, &err), EP_EPARSE);
  /* One line, placed in the subgraph file where the loop closes (its path
   * is relative when it lies under the working folder). */
  const char *want = "tests/data/graphs/subgraphs/loop_b.pbtxt:6:15: node "
                     "'a' (LoopATestSubgraph): subgraph recursion: "
                     "LoopATestSubgraph -> LoopBTestSubgraph -> "
                     "LoopATestSubgraph\n";
  const char *at = strstr(err, want);
  ck_assert_ptr_nonnull(at);
  ck_assert_str_eq(at, want);
  ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
  free(err);
  free(path);
}
END_TEST

START_TEST(graph_path_env) {
  char dir[] = "/tmp/ep_subgraph_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char file[sizeof dir + 32];
  snprintf(file, sizeof file, "%s/env_sub.yaml", dir);
  FILE *f = fopen(file, "w");
  ck_assert_ptr_nonnull(f);
  fputs("type: EnvTestSubgraph\n"
        "input_stream: \"IN:i\"\n"
        "output_stream: \"OUT:o\"\n"
        "nodes:\n"
        "  - {name: p, calculator: PassTestCalculator, input_stream: i,"
        " output_stream: o}\n",
        f);
  fclose(f);
  const char *text = "input_stream: \"a\"\n"
                     "node { name: \"e\" calculator: \"EnvTestSubgraph\" "
                     "input_stream: \"IN:a\" output_stream: \"OUT:b\" }\n";
  char *err = NULL;
  /* Without the path, the name is just an unknown calculator. */
  ep_graph_config *g = gt_load_ok("pbtxt", text);
  ck_assert_str_eq(g->nodes[0].calculator, "EnvTestSubgraph");
  ep__graph_config_free(g);
  setenv("EDGEPIPE_GRAPH_PATH", dir, 1);
  g = gt_load("pbtxt", text, &err);
  unsetenv("EDGEPIPE_GRAPH_PATH");
  ck_assert_msg(g, "%s", err);
  ck_assert_uint_eq(g->n_nodes, 1);
  ck_assert_str_eq(g->nodes[0].name, "e__p");
  ck_assert_str_eq(g->nodes[0].output_stream.v[0].name, "b");
  ep__graph_config_free(g);
  unlink(file);
  rmdir(dir);
}
END_TEST

/* A registered calculator of the same name wins over a subgraph. */
START_TEST(calculator_wins_over_subgraph) {
  static const char sub[] = "type: \"PassTestCalculator\"\n";
  char *err = NULL;
  ck_assert_int_eq(ep__subgraph_register_string(sub, strlen(sub), "pbtxt",
                                                "shadow.pbtxt", &err),
                   0);
  ep_graph_config *g =
      gt_load("pbtxt", "node { calculator: \"PassTestCalculator\" }\n", &err);
  ck_assert_msg(g, "%s", err);
  ck_assert_uint_eq(g->n_nodes, 1);
  ck_assert_str_eq(g->nodes[0].calculator, "PassTestCalculator");
  ep__graph_config_free(g);
  ep__subgraph_clear();
}
END_TEST

/* Each level uses the one below twice: 2^20 nodes if nothing stopped it. */
START_TEST(exponential_expansion_is_bounded) {
  char text[512], *err = NULL;
  snprintf(text, sizeof text,
           "type: \"Exp0TestSubgraph\"\n"
           "node { calculator: \"SourceTestCalculator\" }\n");
  ck_assert_int_eq(
      ep__subgraph_register_string(text, strlen(text), "pbtxt", "e0", &err), 0);
  for (int k = 1; k <= 20; k++) {
    snprintf(text, sizeof text,
             "type: \"Exp%dTestSubgraph\"\n"
             "node { calculator: \"Exp%dTestSubgraph\" }\n"
             "node { calculator: \"Exp%dTestSubgraph\" }\n",
             k, k - 1, k - 1);
    char name[8];
    snprintf(name, sizeof name, "e%d", k);
    ck_assert_int_eq(
        ep__subgraph_register_string(text, strlen(text), "pbtxt", name, &err),
        0);
  }
  ep_graph_config *g =
      gt_load("pbtxt", "node { calculator: \"Exp20TestSubgraph\" }\n", &err);
  ck_assert_ptr_null(g);
  ck_assert_ptr_nonnull(strstr(err, "takes the graph past 10000 nodes\n"));
  /* Reported once, as the only line. */
  ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
  free(err);
  ep__subgraph_clear();
}
END_TEST

/* The demo graph in graphs/ finds graphs/subgraphs/pass_through_pair. */
START_TEST(demo_graph_finds_repo_subgraph) {
  char *path = gt_source_path("graphs/demo_subgraph.pbtxt");
  ep_graph_config *g = NULL;
  char *err = NULL;
  ck_assert_msg(ep__graph_config_load_file(path, &g, &err) == 0, "%s", err);
  ck_assert_uint_eq(g->n_nodes, 4);
  ck_assert_str_eq(g->nodes[1].name, "pair__first");
  ck_assert_str_eq(g->nodes[1].input_stream.v[0].name, "count");
  ck_assert_str_eq(g->nodes[2].name, "pair__second");
  ck_assert_str_eq(g->nodes[2].input_stream.v[0].name, "pair__middle");
  ck_assert_str_eq(g->nodes[2].output_stream.v[0].name, "passed");
  ck_assert_str_eq(g->nodes[3].input_stream.v[0].name, "passed");
  ep__graph_config_free(g);
  free(path);
}
END_TEST

int main(void) {
  if (ep_test_calculators_register() != 0)
    return EXIT_FAILURE;
  Suite *s = suite_create("subgraph");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, expands_registered_subgraph);
  tcase_add_test(tc, port_errors);
  tcase_add_test(tc, errors_inside_name_the_subgraph_file);
  tcase_add_test(tc, register_errors);
  tcase_add_test(tc, register_file);
  tcase_add_test(tc, finds_nested_subgraphs_next_to_the_graph);
  tcase_add_test(tc, recursion_is_an_error);
  tcase_add_test(tc, graph_path_env);
  tcase_add_test(tc, calculator_wins_over_subgraph);
  tcase_add_test(tc, exponential_expansion_is_bounded);
  tcase_add_test(tc, demo_graph_finds_repo_subgraph);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
