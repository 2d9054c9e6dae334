/* Validation of expanded graphs against the calculator contracts: every
 * error class, its exact message and place, and many errors at once. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_util.h"

/* The FlowLimiter pattern: a back edge closes the loop. */
static const char good_loop[] =
    "input_stream: \"in\"\n"
    "output_stream: \"out\"\n"
    "node {\n"
    "  name: \"lim\"\n"
    "  calculator: \"LimiterTestCalculator\"\n"
    "  input_stream: \"in\"\n"
    "  input_stream: \"FINISHED:out\"\n"
    "  input_stream_info { tag_index: \"FINISHED\" back_edge: true }\n"
    "  output_stream: \"limited\"\n"
    "}\n"
    "node {\n"
    "  name: \"pass\"\n"
    "  calculator: \"PassTestCalculator\"\n"
    "  input_stream: \"limited\"\n"
    "  output_stream: \"out\"\n"
    "}\n";

START_TEST(valid_graphs_pass) {
  gt_assert_check("pbtxt", good_loop, "");
  gt_assert_check("yaml",
                  "nodes:\n"
                  "  - {name: src, calculator: SourceTestCalculator,"
                  " output_stream: n}\n"
                  "  - {name: p, calculator: PassTestCalculator,"
                  " input_stream: [n, \"X:n\"], output_stream: [m, \"X:k\"]}\n"
                  "  - {name: sink, calculator: IntSinkTestCalculator,"
                  " input_stream: [m, k]}\n"
                  "  - {name: side, calculator: SideSourceTestCalculator,"
                  " output_side_packet: model}\n"
                  "  - name: t\n"
                  "    calculator: TaggedTestCalculator\n"
                  "    input_stream: [\"IMAGE:n\", \"AUX:0:m\", \"AUX:1:k\"]\n"
                  "    input_side_packet: MODEL:model\n",
                  "");
}
END_TEST

START_TEST(unknown_calculator) {
  gt_assert_check("pbtxt",
                  "node {\n"
                  "  name: \"p\"\n"
                  "  calculator: \"PassTestCalculater\"\n"
                  "}\n"
                  "node {\n"
                  "  calculator: \"Zebra\"\n"
                  "}\n",
                  "t.pbtxt:3:15: node 'p' (PassTestCalculater): unknown "
                  "calculator 'PassTestCalculater'; did you mean "
                  "'PassTestCalculator'?\n"
                  "t.pbtxt:6:15: node #1 (Zebra): unknown calculator "
                  "'Zebra'\n");
}
END_TEST

START_TEST(stream_not_produced) {
  gt_assert_check("pbtxt",
                  "output_stream: \"nowhere\"\n"
                  "node {\n"
                  "  name: \"sink\"\n"
                  "  calculator: \"IntSinkTestCalculator\"\n"
                  "  input_stream: \"missing\"\n"
                  "}\n",
                  "t.pbtxt:5:17: node 'sink' (IntSinkTestCalculator): input "
                  "stream 'missing' is produced by no node and is not a graph "
                  "input_stream\n"
                  "t.pbtxt:1:16: graph output_stream 'nowhere' is produced by "
                  "no node\n");
}
END_TEST

START_TEST(stream_produced_twice) {
  gt_assert_check("pbtxt",
                  "input_stream: \"a\"\n"
                  "node {\n"
                  "  name: \"s1\"\n"
                  "  calculator: \"SourceTestCalculator\"\n"
                  "  output_stream: \"a\"\n"
                  "}\n"
                  "node {\n"
                  "  name: \"s2\"\n"
                  "  calculator: \"SourceTestCalculator\"\n"
                  "  output_stream: \"b\"\n"
                  "}\n"
                  "node {\n"
                  "  name: \"s3\"\n"
                  "  calculator: \"SourceTestCalculator\"\n"
                  "  output_stream: \"b\"\n"
                  "}\n",
                  "t.pbtxt:5:18: node 's1' (SourceTestCalculator): stream 'a' "
                  "is also produced by graph input_stream (line 1)\n"
                  "t.pbtxt:15:18: node 's3' (SourceTestCalculator): stream "
                  "'b' is also produced by node 's2' (SourceTestCalculator) "
                  "(line 10)\n");
}
END_TEST

/* Tags and indexes against TaggedTestCalculator's contract: IMAGE Int
 * (exactly 1), AUX Any (0..3), side MODEL String (1), OUT, side META. */
START_TEST(tags_and_indexes) {
  gt_assert_check("pbtxt",
                  "input_stream: \"a\"\n"
                  "input_side_packet: \"m\"\n"
                  "node {\n"
                  "  name: \"t\"\n"
                  "  calculator: \"TaggedTestCalculator\"\n"
                  "  input_stream: \"IMAGES:a\"\n"
                  "  input_stream: \"a\"\n"
                  "  input_stream: \"AUX:0:a\"\n"
                  "  input_stream: \"AUX:2:a\"\n"
                  "  input_side_packet: \"MODEL:m\"\n"
                  "}\n",
                  "t.pbtxt:6:17: node 't' (TaggedTestCalculator): "
                  "input_stream 'IMAGES:a' has tag 'IMAGES', which "
                  "TaggedTestCalculator does not declare; did you mean "
                  "'IMAGE'?\n"
                  "t.pbtxt:7:17: node 't' (TaggedTestCalculator): "
                  "input_stream 'a' is untagged, but TaggedTestCalculator "
                  "declares no untagged input_stream\n"
                  "t.pbtxt:3:6: node 't' (TaggedTestCalculator): required "
                  "'IMAGE' input_stream is missing\n"
                  "t.pbtxt:9:17: node 't' (TaggedTestCalculator): 'AUX' "
                  "input_stream has index 2 but no index 1\n");
}
END_TEST

START_TEST(counts) {
  gt_assert_check("pbtxt",
                  "input_stream: \"a\"\n"
                  "node {\n"
                  "  name: \"t\"\n"
                  "  calculator: \"TaggedTestCalculator\"\n"
                  "  input_stream: \"IMAGE:a\"\n"
                  "  input_stream: \"AUX:0:a\"\n"
                  "  input_stream: \"AUX:1:a\"\n"
                  "  input_stream: \"AUX:2:a\"\n"
                  "  input_stream: \"AUX:3:a\"\n"
                  "}\n"
                  "node {\n"
                  "  name: \"lim\"\n"
                  "  calculator: \"LimiterTestCalculator\"\n"
                  "  output_stream: \"x\"\n"
                  "}\n",
                  "t.pbtxt:9:17: node 't' (TaggedTestCalculator): "
                  "TaggedTestCalculator takes at most 3 'AUX' input_stream, "
                  "got 4\n"
                  "t.pbtxt:2:6: node 't' (TaggedTestCalculator): required "
                  "'MODEL' input_side_packet is missing\n"
                  "t.pbtxt:11:6: node 'lim' (LimiterTestCalculator): required "
                  "untagged input_stream is missing\n");
}
END_TEST

START_TEST(type_mismatch) {
  gt_assert_check("pbtxt",
                  "node {\n"
                  "  name: \"src\"\n"
                  "  calculator: \"StringSourceTestCalculator\"\n"
                  "  output_stream: \"s\"\n"
                  "}\n"
                  "node {\n"
                  "  name: \"sink\"\n"
                  "  calculator: \"IntSinkTestCalculator\"\n"
                  "  input_stream: \"s\"\n"
                  "}\n",
                  "t.pbtxt:9:17: node 'sink' (IntSinkTestCalculator): "
                  "input_stream ':0' takes Int, but stream 's' carries String "
                  "from node 'src' (StringSourceTestCalculator)\n");
}
END_TEST

/* same_as types resolve through pass-through nodes, also on "*" tags and
 * through a node listed before its producer. */
START_TEST(type_through_pass_nodes) {
  gt_assert_check("yaml",
                  "nodes:\n"
                  "  - {name: p2, calculator: PassTestCalculator,"
                  " input_stream: \"X:t1\", output_stream: \"X:t2\"}\n"
                  "  - {name: p1, calculator: PassTestCalculator,"
                  " input_stream: \"X:s\", output_stream: \"X:t1\"}\n"
                  "  - {name: src, calculator: StringSourceTestCalculator,"
                  " output_stream: s}\n"
                  "  - {name: p3, calculator: PassTestCalculator,"
                  " input_stream: \"X:t2\", output_stream: \"X:u\"}\n"
                  "  - {name: sink, calculator: IntSinkTestCalculator,"
                  " input_stream: u}\n",
                  "t.yaml:6:67: node 'sink' (IntSinkTestCalculator): "
                  "input_stream ':0' takes Int, but stream 'u' carries String "
                  "from node 'p3' (PassTestCalculator)\n");
}
END_TEST

START_TEST(output_types_resolved) {
  char *err = NULL;
  ep_graph_config *g = gt_load("pbtxt", good_loop, &err);
  ck_assert_msg(g, "%s", err);
  const char **t = ep__graph_config_output_types(g);
  /* Both same_as outputs end on the graph input: Any. */
  ck_assert_str_eq(t[0], "Any");
  ck_assert_str_eq(t[1], "Any");
  free(t);
  ep__graph_config_free(g);
  g = gt_load("pbtxt",
              "node { calculator: \"SourceTestCalculator\" output_stream: "
              "\"a\" }\n"
              "node { calculator: \"PassTestCalculator\" input_stream: \"a\" "
              "output_stream: \"b\" input_stream: \"T:b\" output_stream: "
              "\"T:c\" }\n",
              &err);
  ck_assert_msg(g, "%s", err);
  t = ep__graph_config_output_types(g);
  ck_assert_str_eq(t[0], "Int");
  ck_assert_str_eq(t[1], "Int");
  ck_assert_str_eq(t[2], "Int");
  free(t);
  ep__graph_config_free(g);
}
END_TEST

START_TEST(side_packets) {
  gt_assert_check("pbtxt",
                  "input_stream: \"a\"\n"
                  "output_side_packet: \"gone\"\n"
                  "node {\n"
                  "  name: \"t1\"\n"
                  "  calculator: \"TaggedTestCalculator\"\n"
                  "  input_stream: \"IMAGE:a\"\n"
                  "  input_side_packet: \"MODEL:nothing\"\n"
                  "  output_side_packet: \"META:meta\"\n"
                  "}\n"
                  "node {\n"
                  "  name: \"t2\"\n"
                  "  calculator: \"TaggedTestCalculator\"\n"
                  "  input_stream: \"IMAGE:a\"\n"
                  "  input_side_packet: \"MODEL:meta\"\n"
                  "}\n",
                  "t.pbtxt:7:22: node 't1' (TaggedTestCalculator): input side "
                  "packet 'nothing' is provided by no node and is not a graph "
                  "input_side_packet\n"
                  "t.pbtxt:2:21: graph output_side_packet 'gone' is provided "
                  "by no node\n"
                  "t.pbtxt:14:22: node 't2' (TaggedTestCalculator): "
                  "input_side_packet 'MODEL:0' takes String, but side packet "
                  "'meta' carries Int from node 't1' (TaggedTestCalculator)\n");
}
END_TEST

START_TEST(cycles) {
  gt_assert_check("pbtxt",
                  "node {\n"
                  "  name: \"a\"\n"
                  "  calculator: \"PassTestCalculator\"\n"
                  "  input_stream: \"z\"\n"
                  "  output_stream: \"x\"\n"
                  "}\n"
                  "node {\n"
                  "  name: \"b\"\n"
                  "  calculator: \"PassTestCalculator\"\n"
                  "  input_stream: \"x\"\n"
                  "  output_stream: \"y\"\n"
                  "}\n"
                  "node {\n"
                  "  name: \"c\"\n"
                  "  calculator: \"PassTestCalculator\"\n"
                  "  input_stream: \"y\"\n"
                  "  output_stream: \"z\"\n"
                  "}\n"
                  "node {\n"
                  "  name: \"d\"\n"
                  "  calculator: \"PassTestCalculator\"\n"
                  "  input_stream: \"w\"\n"
                  "  output_stream: \"w\"\n"
                  "}\n",
                  "t.pbtxt:1:6: cycle not broken by a back edge: a -> b -> c "
                  "-> a (mark the input that closes it with input_stream_info "
                  "{ back_edge: true })\n"
                  "t.pbtxt:19:6: cycle not broken by a back edge: d -> d (mark "
                  "the input that closes it with input_stream_info { "
                  "back_edge: true })\n");
}
END_TEST

START_TEST(back_edge_names_no_input) {
  gt_assert_check(
      "pbtxt",
      "input_stream: \"in\"\n"
      "node {\n"
      "  name: \"lim\"\n"
      "  calculator: \"LimiterTestCalculator\"\n"
      "  input_stream: \"in\"\n"
      "  input_stream: \"FINISHED:out\"\n"
      "  input_stream_info { tag_index: \"FINISH\" back_edge: true }\n"
      "  output_stream: \"out\"\n"
      "}\n",
      "t.pbtxt:7:34: node 'lim' (LimiterTestCalculator): "
      "input_stream_info tag_index 'FINISH:0' names no input "
      "stream of this node\n"
      "t.pbtxt:2:6: cycle not broken by a back edge: lim -> lim "
      "(mark the input that closes it with input_stream_info { "
      "back_edge: true })\n");
}
END_TEST

START_TEST(duplicate_names) {
  gt_assert_check("yaml",
                  "nodes:\n"
                  "  - {name: s, calculator: SourceTestCalculator,"
                  " output_stream: a}\n"
                  "  - {name: s, calculator: SourceTestCalculator,"
                  " output_stream: b}\n",
                  "t.yaml:3:5: duplicate node name 's' (first at line 2)\n");
}
END_TEST

START_TEST(executors) {
  gt_assert_check("pbtxt",
                  "executor { name: \"cpu\" }\n"
                  "executor { name: \"cpu\" }\n"
                  "executor { name: \"gpu\" type: \"GpuExecutor\" }\n"
                  "node {\n"
                  "  name: \"s\"\n"
                  "  calculator: \"SourceTestCalculator\"\n"
                  "  output_stream: \"a\"\n"
                  "  executor: \"cpv\"\n"
                  "}\n",
                  "t.pbtxt:8:13: node 's' (SourceTestCalculator): executor "
                  "'cpv' is not declared by the graph; did you mean 'cpu'?\n"
                  "t.pbtxt:2:10: executor 'cpu' is declared twice (first at "
                  "line 1)\n"
                  "t.pbtxt:3:10: executor 'gpu' has unknown type "
                  "'GpuExecutor' (the only type is ThreadPoolExecutor)\n");
}
END_TEST

START_TEST(handler_and_options) {
  gt_assert_check("pbtxt",
                  "node {\n"
                  "  name: \"s\"\n"
                  "  calculator: \"SourceTestCalculator\"\n"
                  "  output_stream: \"a\"\n"
                  "  input_stream_handler: \"SyncSetInputStreamHandler\"\n"
                  "  options { count: -1 }\n"
                  "}\n",
                  "t.pbtxt:5:25: node 's' (SourceTestCalculator): unknown "
                  "input_stream_handler 'SyncSetInputStreamHandler' (known: "
                  "DefaultInputStreamHandler, ImmediateInputStreamHandler)\n"
                  "t.pbtxt:6:20: node 's' (SourceTestCalculator): option "
                  "'count' is -1, outside [0, 1000]\n");
}
END_TEST

/* One graph, many problems: all are reported, in a stable order. */
START_TEST(reports_every_error) {
  gt_assert_check("yaml",
                  "input_stream: in\n"
                  "output_stream: result\n"
                  "nodes:\n"
                  "  - name: src\n"
                  "    calculator: StringSourceTestCalculator\n"
                  "    output_stream: s\n"
                  "  - name: sink\n"
                  "    calculator: IntSinkTestCalculator\n"
                  "    input_stream: [s, missing]\n"
                  "  - name: sink\n"
                  "    calculator: SourceTestCalculatr\n"
                  "  - name: lim\n"
                  "    calculator: LimiterTestCalculator\n"
                  "    input_stream: in\n"
                  "    output_stream: s\n"
                  "    options: {max_in_flight: 0}\n",
                  "t.yaml:11:17: node 'sink' (SourceTestCalculatr): unknown "
                  "calculator 'SourceTestCalculatr'; did you mean "
                  "'SourceTestCalculator'?\n"
                  "t.yaml:10:5: duplicate node name 'sink' (first at line 7)\n"
                  "t.yaml:15:20: node 'lim' (LimiterTestCalculator): stream "
                  "'s' is also produced by node 'src' "
                  "(StringSourceTestCalculator) (line 6)\n"
                  "t.yaml:9:23: node 'sink' (IntSinkTestCalculator): input "
                  "stream 'missing' is produced by no node and is not a graph "
                  "input_stream\n"
                  "t.yaml:2:16: graph output_stream 'result' is produced by "
                  "no node\n"
                  "t.yaml:9:20: node 'sink' (IntSinkTestCalculator): "
                  "input_stream ':0' takes Int, but stream 's' carries String "
                  "from node 'src' (StringSourceTestCalculator)\n"
                  "t.yaml:16:30: node 'lim' (LimiterTestCalculator): option "
                  "'max_in_flight' is 0, outside [1, 100]\n");
}
END_TEST

START_TEST(dot_output) {
  char *err = NULL;
  ep_graph_config *g = gt_load("pbtxt", good_loop, &err);
  ck_assert_msg(g, "%s", err);
  ck_assert_int_eq(ep__graph_config_validate(g, &err), 0);
  char *dot = ep__graph_config_to_dot(g);
  ck_assert_str_eq(dot, "digraph \"graph\" {\n"
                        "  rankdir=TB;\n"
                        "  node [shape=box];\n"
                        "  \"input:in\" [shape=ellipse, label=\"in\"];\n"
                        "  \"lim\" [label=\"lim\\nLimiterTestCalculator\"];\n"
                        "  \"pass\" [label=\"pass\\nPassTestCalculator\"];\n"
                        "  \"output:out\" [shape=ellipse, label=\"out\"];\n"
                        "  \"pass\" -> \"output:out\" [label=\"out : Any\"];\n"
                        "  \"input:in\" -> \"lim\" [label=\"in : Any\"];\n"
                        "  \"pass\" -> \"lim\" [label=\"out : Any\", "
                        "style=dashed];\n"
                        "  \"lim\" -> \"pass\" [label=\"limited : Any\"];\n"
                        "}\n");
  free(dot);
  ep__graph_config_free(g);
  /* Concrete types show on the edges. */
  g = gt_load("pbtxt",
              "node { name: \"s\" calculator: \"SourceTestCalculator\" "
              "output_stream: \"n\" }\n"
              "node { name: \"k\" calculator: \"IntSinkTestCalculator\" "
              "input_stream: \"n\" }\n",
              &err);
  ck_assert_msg(g, "%s", err);
  dot = ep__graph_config_to_dot(g);
  ck_assert_ptr_nonnull(strstr(dot, "\"s\" -> \"k\" [label=\"n : Int\"];\n"));
  free(dot);
  ep__graph_config_free(g);
}
END_TEST

int main(void) {
  if (ep_test_calculators_register() != 0)
    return EXIT_FAILURE;
  Suite *s = suite_create("validate");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, valid_graphs_pass);
  tcase_add_test(tc, unknown_calculator);
  tcase_add_test(tc, stream_not_produced);
  tcase_add_test(tc, stream_produced_twice);
  tcase_add_test(tc, tags_and_indexes);
  tcase_add_test(tc, counts);
  tcase_add_test(tc, type_mismatch);
  tcase_add_test(tc, type_through_pass_nodes);
  tcase_add_test(tc, output_types_resolved);
  tcase_add_test(tc, side_packets);
  tcase_add_test(tc, cycles);
  tcase_add_test(tc, back_edge_names_no_input);
  tcase_add_test(tc, duplicate_names);
  tcase_add_test(tc, executors);
  tcase_add_test(tc, handler_and_options);
  tcase_add_test(tc, reports_every_error);
  tcase_add_test(tc, dot_output);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
