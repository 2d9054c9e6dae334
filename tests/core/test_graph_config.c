/* Reading graph files (pbtxt and YAML) into ep_graph_config, and printing
 * them back in canonical form. */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_util.h"
#include "subgraph.h"

static const char full_pbtxt[] =
    "# every graph field\n"
    "input_stream: \"IMAGE:in\"\n"
    "output_stream: \"out\"\n"
    "input_side_packet: \"MODEL:model\"\n"
    "output_side_packet: \"meta\"\n"
    "num_threads: 3\n"
    "max_queue_size: 5\n"
    "report_deadlock: true\n"
    "executor {\n"
    "  name: \"pool\"\n"
    "  type: \"ThreadPoolExecutor\"\n"
    "  options {\n"
    "    [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 2 }\n"
    "  }\n"
    "}\n"
    "profiler_config { trace_enabled: true trace_log_path: \"/tmp/t\" }\n"
    "node {\n"
    "  name: \"lim\"\n"
    "  calculator: \"LimiterTestCalculator\"\n"
    "  input_stream: \"in\"\n"
    "  input_stream: \"FINISHED:out\"\n"
    "  output_stream: \"limited\"\n"
    "  input_stream_info { tag_index: \"FINISHED\" back_edge: true }\n"
    "  input_stream_handler {\n"
    "    input_stream_handler: \"ImmediateInputStreamHandler\"\n"
    "  }\n"
    "  executor: \"pool\"\n"
    "  max_in_flight: 2\n"
    "  node_options: {\n"
    "    [type.googleapis.com/mediapipe.LimiterOptions] { max_in_flight: 1 }\n"
    "  }\n"
    "}\n"
    "node {\n"
    "  calculator: \"PassTestCalculator\"\n"
    "  input_stream: \"A:1:limited\"\n"
    "  output_stream: \"A:1:out\"\n"
    "  output_side_packet: \"meta\"\n"
    "}\n";

static const char full_yaml[] =
    "# every graph field, in YAML\n"
    "input_stream: IMAGE:in\n"
    "output_stream: out\n"
    "input_side_packet: MODEL:model\n"
    "output_side_packet: meta\n"
    "num_threads: 3\n"
    "max_queue_size: 5\n"
    "report_deadlock: true\n"
    "executor:\n"
    "  - name: pool\n"
    "    type: ThreadPoolExecutor\n"
    "    options: {num_threads: 2}\n"
    "profiler_config: {trace_enabled: true, trace_log_path: \"/tmp/t\"}\n"
    "nodes:\n"
    "  - name: lim\n"
    "    calculator: LimiterTestCalculator\n"
    "    input_stream: [in, \"FINISHED:out\"]\n"
    "    output_stream: limited\n"
    "    input_stream_info: {tag_index: FINISHED, back_edge: true}\n"
    "    input_stream_handler: Immediate\n"
    "    executor: pool\n"
    "    max_in_flight: 2\n"
    "    node_options:\n"
    "      \"[type.googleapis.com/mediapipe.LimiterOptions]\":\n"
    "        max_in_flight: 1\n"
    "  - calculator: PassTestCalculator\n"
    "    input_stream: \"A:1:limited\"\n"
    "    output_stream: \"A:1:out\"\n"
    "    output_side_packet: meta\n";

/* What both print: written by hand from the graph above. */
static const char full_canonical[] =
    "input_stream: \"IMAGE:in\"\n"
    "output_stream: \"out\"\n"
    "input_side_packet: \"MODEL:model\"\n"
    "output_side_packet: \"meta\"\n"
    "num_threads: 3\n"
    "max_queue_size: 5\n"
    "report_deadlock: true\n"
    "executor {\n"
    "  name: \"pool\"\n"
    "  type: \"ThreadPoolExecutor\"\n"
    "  options {\n"
    "    [mediapipe.ThreadPoolExecutorOptions.ext] {\n"
    "      num_threads: 2\n"
    "    }\n"
    "  }\n"
    "}\n"
    "profiler_config {\n"
    "  trace_enabled: true\n"
    "  trace_log_path: \"/tmp/t\"\n"
    "}\n"
    "node {\n"
    "  name: \"lim\"\n"
    "  calculator: \"LimiterTestCalculator\"\n"
    "  input_stream: \"in\"\n"
    "  input_stream: \"FINISHED:out\"\n"
    "  output_stream: \"limited\"\n"
    "  input_stream_info {\n"
    "    tag_index: \"FINISHED\"\n"
    "    back_edge: true\n"
    "  }\n"
    "  input_stream_handler {\n"
    "    input_stream_handler: \"ImmediateInputStreamHandler\"\n"
    "  }\n"
    "  executor: \"pool\"\n"
    "  max_in_flight: 2\n"
    "  node_options {\n"
    "    [type.googleapis.com/mediapipe.LimiterOptions] {\n"
    "      max_in_flight: 1\n"
    "    }\n"
    "  }\n"
    "}\n"
    "node {\n"
    "  calculator: \"PassTestCalculator\"\n"
    "  input_stream: \"A:1:limited\"\n"
    "  output_stream: \"A:1:out\"\n"
    "  output_side_packet: \"meta\"\n"
    "}\n";

static void check_full(const ep_graph_config *g) {
  ck_assert_uint_eq(g->input_stream.n, 1);
  ck_assert_str_eq(g->input_stream.v[0].tag, "IMAGE");
  ck_assert_str_eq(g->input_stream.v[0].name, "in");
  ck_assert_str_eq(g->output_stream.v[0].tag, "");
  ck_assert_str_eq(g->input_side_packet.v[0].name, "model");
  ck_assert_str_eq(g->output_side_packet.v[0].name, "meta");
  ck_assert_int_eq(g->num_threads, 3);
  ck_assert(g->has_max_queue_size);
  ck_assert_int_eq(g->max_queue_size, 5);
  ck_assert(g->report_deadlock);
  ck_assert_uint_eq(g->n_executors, 1);
  ck_assert_str_eq(g->executors[0].name, "pool");
  ck_assert_str_eq(g->executors[0].type, "ThreadPoolExecutor");
  ck_assert_int_eq(g->executors[0].num_threads, 2);
  ck_assert(g->has_profiler);
  ck_assert_ptr_nonnull(ep__cfg_find(g->profiler_config, "trace_enabled"));
  ck_assert_uint_eq(g->n_nodes, 2);
  const ep_node_config *n = &g->nodes[0];
  ck_assert_str_eq(n->name, "lim");
  ck_assert_str_eq(n->calculator, "LimiterTestCalculator");
  ck_assert_uint_eq(n->input_stream.n, 2);
  ck_assert(!n->input_stream.v[0].back_edge);
  ck_assert(n->input_stream.v[1].back_edge);
  ck_assert_str_eq(n->input_stream.v[1].tag, "FINISHED");
  ck_assert_str_eq(n->input_stream_handler, "Immediate");
  ck_assert_str_eq(n->executor, "pool");
  ck_assert_int_eq(n->max_in_flight, 2);
  ck_assert_str_eq(n->options_type, "mediapipe.LimiterOptions");
  ck_assert_int_eq(ep__cfg_find(n->options, "max_in_flight")->i, 1);
  ck_assert_str_eq(g->nodes[1].input_stream.v[0].tag, "A");
  ck_assert_int_eq(g->nodes[1].input_stream.v[0].index, 1);
  ck_assert_str_eq(g->nodes[1].canonical_name, "PassTestCalculator");
}

START_TEST(reads_every_field_pbtxt) {
  ep_graph_config *g = gt_load_ok("pbtxt", full_pbtxt);
  check_full(g);
  ep__graph_config_free(g);
}
END_TEST

START_TEST(reads_every_field_yaml) {
  ep_graph_config *g = gt_load_ok("yaml", full_yaml);
  check_full(g);
  ep__graph_config_free(g);
}
END_TEST

START_TEST(twins_print_identically) {
  ep_graph_config *a = gt_load_ok("pbtxt", full_pbtxt);
  ep_graph_config *b = gt_load_ok("yaml", full_yaml);
  char *pa = ep__graph_config_to_pbtxt(a), *pb = ep__graph_config_to_pbtxt(b);
  ck_assert_str_eq(pa, full_canonical);
  ck_assert_str_eq(pb, full_canonical);
  /* The canonical text reads back to itself. */
  ep_graph_config *c = gt_load_ok("pbtxt", pa);
  char *pc = ep__graph_config_to_pbtxt(c);
  ck_assert_str_eq(pc, full_canonical);
  free(pa);
  free(pb);
  free(pc);
  ep__graph_config_free(a);
  ep__graph_config_free(b);
  ep__graph_config_free(c);
}
END_TEST

/* Files in tests/data/graphs and graphs/ that come as .pbtxt + .yaml. */
static void check_twin_files(const char *stem) {
  char *pp = NULL, *yp = NULL, *err = NULL;
  if (asprintf(&pp, "%s.pbtxt", stem) < 0 || asprintf(&yp, "%s.yaml", stem) < 0)
    ck_abort();
  char *p = gt_source_path(pp), *y = gt_source_path(yp);
  ep_graph_config *a = NULL, *b = NULL;
  ck_assert_msg(ep__graph_config_load_file(p, &a, &err) == 0, "%s", err);
  ck_assert_msg(ep__graph_config_load_file(y, &b, &err) == 0, "%s", err);
  char *ta = ep__graph_config_to_pbtxt(a), *tb = ep__graph_config_to_pbtxt(b);
  ck_assert_str_eq(ta, tb);
  ck_assert_uint_gt(strlen(ta), 20);
  free(ta);
  free(tb);
  ep__graph_config_free(a);
  ep__graph_config_free(b);
  free(p);
  free(y);
  free(pp);
  free(yp);
}

START_TEST(twin_files_print_identically) {
  check_twin_files("tests/data/graphs/options_twin");
  /* Every graph in graphs/ that comes in both formats. */
  char *pattern = gt_source_path("graphs/*.yaml");
  glob_t g;
  ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
  size_t root = strlen(pattern) - strlen("graphs/*.yaml");
  for (size_t i = 0; i < g.gl_pathc; i++) {
    char *stem = strndup(g.gl_pathv[i] + root,
                         strlen(g.gl_pathv[i] + root) - strlen(".yaml"));
    check_twin_files(stem);
    free(stem);
  }
  ck_assert_uint_ge(g.gl_pathc, 1);
  globfree(&g);
  free(pattern);
}
END_TEST

/* Options print by schema: floats shortest, enums bare, schema order. */
START_TEST(options_print_by_schema) {
  char *err = NULL;
  char *path = gt_source_path("tests/data/graphs/options_twin.yaml");
  ep_graph_config *g = NULL;
  ck_assert_msg(ep__graph_config_load_file(path, &g, &err) == 0, "%s", err);
  char *text = ep__graph_config_to_pbtxt(g);
  ck_assert_str_eq(text, "input_stream: \"in\"\n"
                         "node {\n"
                         "  name: \"detect\"\n"
                         "  calculator: \"OptionsTestCalculator\"\n"
                         "  input_stream: \"in\"\n"
                         "  options {\n"
                         "    model_path: \"models/m\\\"q\\\".tflite\"\n"
                         "    threshold: 0.1\n"
                         "    max_results: 5\n"
                         "    flip: false\n"
                         "    activation: TANH\n"
                         "    scale: 1\n"
                         "    scale: 0.333333\n"
                         "    scale: 1e-07\n"
                         "    label: \"a\"\n"
                         "    label: \"b c\"\n"
                         "    anchor {\n"
                         "      num_layers: 4\n"
                         "      strides: 8\n"
                         "      strides: 16\n"
                         "    }\n"
                         "  }\n"
                         "}\n");
  free(text);
  free(path);
  ep__graph_config_free(g);
}
END_TEST

START_TEST(stream_refs) {
  static const struct {
    const char *s, *tag, *name;
    int index;
  } good[] = {
      {"a", "", "a", 0},
      {"IMAGE:img", "IMAGE", "img", 0},
      {"T_2:3:x_1", "T_2", "x_1", 3},
      {"_:_", "_", "_", 0},
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    ep_stream_ref r;
    char *err = NULL;
    ck_assert_int_eq(ep__stream_ref_parse(good[i].s, (ep_loc){0}, &r, &err), 0);
    ck_assert_str_eq(r.tag, good[i].tag);
    ck_assert_str_eq(r.name, good[i].name);
    ck_assert_int_eq(r.index, good[i].index);
    free(r.tag);
    free(r.name);
  }
  static const struct {
    const char *s, *err;
  } bad[] = {
      {"", "name '' must match [a-z_][a-z0-9_]*"},
      {"Image", "name 'Image' must match [a-z_][a-z0-9_]*"},
      {"img:x", "tag 'img' must match [A-Z_][A-Z0-9_]*"},
      {":x", "tag '' must match [A-Z_][A-Z0-9_]*"},
      {"A:b:c", "index 'b' must be a number from 0 to 9999"},
      {"A:-1:c", "index '-1' must be a number from 0 to 9999"},
      {"A:12345:c", "index '12345' must be a number from 0 to 9999"},
      {"A:1:2:c", "expected TAG:index:name, TAG:name or name"},
      {"A:1x", "name '1x' must match [a-z_][a-z0-9_]*"},
      {"A:", "name '' must match [a-z_][a-z0-9_]*"},
      {"9A:x", "tag '9A' must match [A-Z_][A-Z0-9_]*"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ep_stream_ref r;
    char *err = NULL;
    ck_assert_int_eq(ep__stream_ref_parse(bad[i].s, (ep_loc){0}, &r, &err),
                     EP_EPARSE);
    ck_assert_str_eq(err, bad[i].err);
    free(err);
  }
}
END_TEST

/* Reading errors: exact text and place, pbtxt and YAML. */
START_TEST(reading_errors) {
  static const struct {
    const char *format, *text, *err;
  } cases[] = {
      {"pbtxt", "node {\n  calculator: \"X\"\n  inptu_stream: \"a\"\n}\n",
       "t.pbtxt:3:3: unknown field 'inptu_stream' in node; did you mean "
       "'input_stream'?\n"},
      {"pbtxt", "nmu_threads: 2\n",
       "t.pbtxt:1:1: unknown field 'nmu_threads' in graph; did you mean "
       "'num_threads'?\n"},
      {"pbtxt", "frobnicate: 2\n",
       "t.pbtxt:1:1: unknown field 'frobnicate' in graph\n"},
      {"yaml", "nodes:\n  - calculator: X\n    outptu_stream: a\n",
       "t.yaml:3:5: unknown field 'outptu_stream' in node; did you mean "
       "'output_stream'?\n"},
      {"pbtxt", "num_threads: \"four\"\n",
       "t.pbtxt:1:14: field 'num_threads' in graph must be an integer, not "
       "a string\n"},
      {"yaml", "report_deadlock: 1\n",
       "t.yaml:1:18: field 'report_deadlock' in graph must be true or false, "
       "not an integer\n"},
      {"pbtxt", "node { calculator: 5 }\n",
       "t.pbtxt:1:20: field 'calculator' in node must be a string, not an "
       "integer\n"},
      {"pbtxt", "node: \"x\"\n",
       "t.pbtxt:1:7: field 'node' in graph must be a message, not a string\n"},
      {"pbtxt", "num_threads: -2\n",
       "t.pbtxt:1:14: field 'num_threads' in graph is -2, outside [0, "
       "1000000000]\n"},
      {"pbtxt", "node { calculator: \"A\" calculator: \"B\" }\n",
       "t.pbtxt:1:24: field 'calculator' in node is given twice (first at "
       "line 1)\n"},
      {"pbtxt", "node { name: \"x\" }\n",
       "t.pbtxt:1:6: node has no calculator\n"},
      {"pbtxt", "node { calculator: \"A\" input_stream: \"In\" }\n",
       "t.pbtxt:1:38: invalid input_stream 'In' in node: name 'In' must match "
       "[a-z_][a-z0-9_]*\n"},
      {"yaml", "output_stream: \"a:b\"\n",
       "t.yaml:1:16: invalid output_stream 'a:b' in graph: tag 'a' must match "
       "[A-Z_][A-Z0-9_]*\n"},
      {"pbtxt",
       "node { calculator: \"A\" input_stream: \"T:a\" input_stream: \"T:b\" "
       "}\n",
       "t.pbtxt:1:58: input_stream 'T:0' appears twice in node (first at "
       "line 1)\n"},
      {"pbtxt",
       "node { calculator: \"A\" input_stream_info { tag_index: \"a:b\" } }\n",
       "t.pbtxt:1:55: invalid tag_index 'a:b' in input_stream_info: expected "
       "TAG, TAG:index, :index or \"\"\n"},
      /* A control character in a value is escaped: one problem, one line. */
      {"pbtxt", "node { calculator: \"A\\nB\" input_stream: \"x\\ty\" }\n",
       "t.pbtxt:1:41: invalid input_stream 'x\\ty' in node: name 'x\\ty' must "
       "match [a-z_][a-z0-9_]*\n"},
      {"pbtxt", "node { calculator: \"A\" input_stream_info { tag: \"A\" } }\n",
       "t.pbtxt:1:44: unknown field 'tag' in input_stream_info\n"},
      {"pbtxt",
       "node { calculator: \"A\" options { x: 1 } node_options { y: 1 } }\n",
       "t.pbtxt:1:41: node has both options and node_options (first at line "
       "1); give one\n"},
      {"pbtxt", "node { calculator: \"A\" options { [a.B] { x: 1 } y: 2 } }\n",
       "t.pbtxt:1:34: options in node mixes an extension with plain fields\n"},
      {"pbtxt", "executor { name: \"e\" options { num_thread: 2 } }\n",
       "t.pbtxt:1:32: unknown field 'num_thread' in executor options; did you "
       "mean 'num_threads'?\n"},
      {"pbtxt",
       "node { calculator: \"A\" input_stream_handler { handler: \"x\" } }\n",
       "t.pbtxt:1:47: unknown field 'handler' in input_stream_handler\n"
       "t.pbtxt:1:45: input_stream_handler in node names no handler\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *err = NULL;
    ep_graph_config *g = gt_load(cases[i].format, cases[i].text, &err);
    ck_assert_msg(!g, "case %zu loaded", i);
    ck_assert_msg(err && strcmp(err, cases[i].err) == 0,
                  "case %zu:\n got: %s\nwant: %s", i, err, cases[i].err);
    free(err);
  }
}
END_TEST

/* One pass reports every reading problem, not just the first. */
START_TEST(reports_all_reading_errors) {
  char *err = NULL;
  ep_graph_config *g =
      gt_load("pbtxt",
              "num_threds: 1\n"
              "node { calculator: \"A\" input_stream: \"X\" }\n"
              "node { calcuator: \"B\" }\n",
              &err);
  ck_assert_ptr_null(g);
  ck_assert_str_eq(err,
                   "t.pbtxt:1:1: unknown field 'num_threds' in graph; did you "
                   "mean 'num_threads'?\n"
                   "t.pbtxt:2:38: invalid input_stream 'X' in node: name 'X' "
                   "must match [a-z_][a-z0-9_]*\n"
                   "t.pbtxt:3:8: unknown field 'calcuator' in node; did you "
                   "mean 'calculator'?\n"
                   "t.pbtxt:3:6: node has no calculator\n");
  free(err);
}
END_TEST

START_TEST(options_wrappers) {
  static const char *const texts[] = {
      "node { calculator: \"A\" options { [mediapipe.AOptions.ext] { k: 1 } } "
      "}",
      "node { calculator: \"A\" node_options { "
      "[type.googleapis.com/mediapipe.AOptions] { k: 1 } } }",
      "node { calculator: \"A\" options { k: 1 } }",
  };
  for (size_t i = 0; i < 3; i++) {
    ep_graph_config *g = gt_load_ok("pbtxt", texts[i]);
    const ep_node_config *n = &g->nodes[0];
    if (i < 2)
      ck_assert_str_eq(n->options_type, "mediapipe.AOptions");
    else
      ck_assert_ptr_null(n->options_type);
    ck_assert_int_eq(ep__cfg_find(n->options, "k")->i, 1);
    ep__graph_config_free(g);
  }
}
END_TEST

START_TEST(stream_info_forms) {
  ep_graph_config *g = gt_load_ok(
      "pbtxt",
      "node { calculator: \"A\" input_stream: \"a\" input_stream: \"b\"\n"
      "  input_stream: \"T:c\" input_stream: \"T:1:d\"\n"
      "  input_stream_info { tag_index: \":1\" back_edge: true }\n"
      "  input_stream_info { tag_index: \"T:1\" back_edge: true }\n"
      "  input_stream_info { tag_index: \"\" back_edge: false } }\n");
  const ep_ref_list *in = &g->nodes[0].input_stream;
  ck_assert_int_eq(in->v[1].index, 1); /* untagged are numbered in order */
  ck_assert(!in->v[0].back_edge);
  ck_assert(in->v[1].back_edge);
  ck_assert(!in->v[2].back_edge);
  ck_assert(in->v[3].back_edge);
  ck_assert_uint_eq(g->nodes[0].n_stream_info, 3);
  ep__graph_config_free(g);
}
END_TEST

START_TEST(handler_names) {
  static const char *const in[] = {"Default", "DefaultInputStreamHandler",
                                   "Immediate", "ImmediateInputStreamHandler",
                                   "SyncSetInputStreamHandler"};
  static const char *const out[] = {"Default", "Default", "Immediate",
                                    "Immediate", "SyncSetInputStreamHandler"};
  for (size_t i = 0; i < 5; i++) {
    char text[200];
    snprintf(text, sizeof text,
             "node { calculator: \"A\" input_stream_handler: \"%s\" }", in[i]);
    ep_graph_config *g = gt_load_ok("pbtxt", text);
    ck_assert_str_eq(g->nodes[0].input_stream_handler, out[i]);
    ep__graph_config_free(g);
  }
}
END_TEST

START_TEST(default_node_names) {
  ep_graph_config *g = gt_load_ok("yaml", "nodes:\n"
                                          "  - calculator: A\n"
                                          "  - calculator: B\n"
                                          "  - calculator: A\n"
                                          "  - {name: A_2, calculator: C}\n"
                                          "  - calculator: A\n");
  ck_assert_str_eq(g->nodes[0].canonical_name, "A_1");
  ck_assert_str_eq(g->nodes[1].canonical_name, "B");
  ck_assert_str_eq(g->nodes[2].canonical_name, "A_3"); /* A_2 is taken */
  ck_assert_str_eq(g->nodes[3].canonical_name, "A_2");
  ck_assert_str_eq(g->nodes[4].canonical_name, "A_4");
  ck_assert_ptr_null(g->nodes[0].name);
  ep__graph_config_free(g);
}
END_TEST

START_TEST(parse_errors_pass_through) {
  char *err = NULL;
  ep_graph_config *g = gt_load("pbtxt", "node { calculator: \"A\"\n", &err);
  ck_assert_ptr_null(g);
  ck_assert_ptr_nonnull(err);
  ck_assert_str_eq(err, "t.pbtxt:2:1: expected '}' to close 'node' opened "
                        "at 1:1\n");
  free(err);
  /* A parser message quoting a multi-line token stays one line. */
  g = gt_load("yaml", "options: {e passed\n\n  - name: sink\n", &err);
  ck_assert_ptr_null(g);
  ck_assert_str_eq(err, "t.yaml:3:9: 'e passed\\n- name' has no value "
                        "(null); give a value or leave the field out\n");
  free(err);
  ck_assert_int_eq(ep__graph_config_load_file("/nonexistent/g.pbtxt", &g, &err),
                   EP_ENOENT);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/g.pbtxt"));
  free(err);
}
END_TEST

int main(void) {
  if (ep_test_calculators_register() != 0)
    return EXIT_FAILURE;
  Suite *s = suite_create("graph_config");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, reads_every_field_pbtxt);
  tcase_add_test(tc, reads_every_field_yaml);
  tcase_add_test(tc, twins_print_identically);
  tcase_add_test(tc, twin_files_print_identically);
  tcase_add_test(tc, options_print_by_schema);
  tcase_add_test(tc, stream_refs);
  tcase_add_test(tc, reading_errors);
  tcase_add_test(tc, reports_all_reading_errors);
  tcase_add_test(tc, options_wrappers);
  tcase_add_test(tc, stream_info_forms);
  tcase_add_test(tc, handler_names);
  tcase_add_test(tc, default_node_names);
  tcase_add_test(tc, parse_errors_pass_through);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
