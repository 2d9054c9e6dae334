/* Node options: the typed getters with defaults, and schema checking. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_util.h"
#include "options.h"

/* Binds the options of the only node of a graph to its calculator's
 * schema. */
typedef struct bound {
  ep_graph_config *cfg;
  ep_options *o;
} bound;

static bound bind_text(const char *format, const char *text) {
  char *err = NULL;
  bound b = {gt_load(format, text, &err), NULL};
  ck_assert_msg(b.cfg, "%s", err);
  const ep_calculator_def *def = ep_calculator_find(b.cfg->nodes[0].calculator);
  ck_assert_ptr_nonnull(def);
  b.o = ep__options_new(b.cfg->nodes[0].options, def->options);
  ck_assert_ptr_nonnull(b.o);
  return b;
}

static void unbind(bound *b) {
  ep__options_free(b->o);
  ep__graph_config_free(b->cfg);
}

START_TEST(getters_read_values) {
  bound b = bind_text("pbtxt", "node {\n"
                               "  calculator: \"OptionsTestCalculator\"\n"
                               "  options {\n"
                               "    model_path: \"m.tflite\"\n"
                               "    threshold: 0.25\n"
                               "    max_results: 7\n"
                               "    flip: false\n"
                               "    activation: TANH\n"
                               "    scale: [2, 0.5]\n"
                               "    label: [\"x\", \"y\", \"z\"]\n"
                               "    anchor { num_layers: 2 strides: [8, 16] }\n"
                               "  }\n"
                               "}\n");
  ck_assert_str_eq(ep_options_string(b.o, "model_path"), "m.tflite");
  ck_assert_double_eq(ep_options_float(b.o, "threshold"), 0.25);
  ck_assert_int_eq(ep_options_int(b.o, "max_results"), 7);
  ck_assert(!ep_options_bool(b.o, "flip"));
  ck_assert_str_eq(ep_options_string(b.o, "activation"), "TANH");
  ck_assert_uint_eq(ep_options_count(b.o, "scale"), 2);
  ck_assert_double_eq(ep_options_float_at(b.o, "scale", 0), 2.0);
  ck_assert_double_eq(ep_options_float_at(b.o, "scale", 1), 0.5);
  ck_assert_uint_eq(ep_options_count(b.o, "label"), 3);
  ck_assert_str_eq(ep_options_string_at(b.o, "label", 2), "z");
  const ep_options *a = ep_options_message(b.o, "anchor", 0);
  ck_assert_ptr_nonnull(a);
  ck_assert_int_eq(ep_options_int(a, "num_layers"), 2);
  ck_assert_uint_eq(ep_options_count(a, "strides"), 2);
  ck_assert_int_eq(ep_options_int_at(a, "strides", 1), 16);
  ck_assert(ep_options_has(b.o, "flip"));
  unbind(&b);
}
END_TEST

START_TEST(getters_fill_defaults) {
  bound b = bind_text("yaml", "nodes:\n"
                              "  - calculator: OptionsTestCalculator\n"
                              "    options: {model_path: m}\n");
  ck_assert_double_eq(ep_options_float(b.o, "threshold"), 0.5);
  ck_assert_int_eq(ep_options_int(b.o, "max_results"), -1);
  ck_assert(ep_options_bool(b.o, "flip"));
  ck_assert_str_eq(ep_options_string(b.o, "activation"), "SIGMOID");
  ck_assert(!ep_options_has(b.o, "flip"));
  ck_assert_uint_eq(ep_options_count(b.o, "scale"), 0);
  /* An absent message reads as all defaults. */
  const ep_options *a = ep_options_message(b.o, "anchor", 0);
  ck_assert_ptr_nonnull(a);
  ck_assert_int_eq(ep_options_int(a, "num_layers"), 4);
  /* Undeclared names read as zero values. */
  ck_assert_int_eq(ep_options_int(b.o, "nope"), 0);
  ck_assert_str_eq(ep_options_string(b.o, "nope"), "");
  ck_assert_ptr_null(ep_options_message(b.o, "nope", 0));
  unbind(&b);
}
END_TEST

START_TEST(no_options_message) {
  const ep_calculator_def *def = ep_calculator_find("OptionsTestCalculator");
  ep_options *o = ep__options_new(NULL, def->options);
  ck_assert_ptr_nonnull(o);
  ck_assert_int_eq(
      ep_options_int(ep_options_message(o, "anchor", 3), "num_layers"), 4);
  ck_assert(ep_options_bool(o, "flip"));
  ep__options_free(o);
  /* A calculator without options. */
  o = ep__options_new(NULL, NULL);
  ck_assert_ptr_nonnull(o);
  ck_assert_int_eq(ep_options_int(o, "x"), 0);
  ep__options_free(o);
}
END_TEST

/* One node of OptionsTestCalculator with the given options lines; the
 * validation errors. */
static char *check_opts(const char *opts) {
  char text[1024];
  snprintf(text, sizeof text,
           "node {\n  name: \"o\"\n  calculator: \"OptionsTestCalculator\"\n"
           "  options {\n%s  }\n}\n",
           opts);
  return gt_check("pbtxt", text);
}

START_TEST(check_errors) {
  static const struct {
    const char *opts, *err;
  } cases[] = {
      {"    model_path: \"m\"\n", ""},
      {"    model_path: \"m\"\n    treshold: 0.2\n",
       "t.pbtxt:6:5: node 'o' (OptionsTestCalculator): unknown option "
       "'treshold'; did you mean 'threshold'?\n"},
      {"    model_path: \"m\"\n    zzz: 1\n",
       "t.pbtxt:6:5: node 'o' (OptionsTestCalculator): unknown option 'zzz'\n"},
      {"    model_path: \"m\"\n    max_results: \"five\"\n",
       "t.pbtxt:6:18: node 'o' (OptionsTestCalculator): option 'max_results' "
       "must be an integer, not a string\n"},
      {"    model_path: \"m\"\n    max_results: 2.5\n",
       "t.pbtxt:6:18: node 'o' (OptionsTestCalculator): option 'max_results' "
       "must be an integer, not a float\n"},
      {"    model_path: 3\n",
       "t.pbtxt:5:17: node 'o' (OptionsTestCalculator): option 'model_path' "
       "must be a string, not an integer\n"},
      {"    model_path: \"m\"\n    flip: 1\n",
       "t.pbtxt:6:11: node 'o' (OptionsTestCalculator): option 'flip' must be "
       "true or false, not an integer\n"},
      {"    model_path: \"m\"\n    threshold: 1.5\n",
       "t.pbtxt:6:16: node 'o' (OptionsTestCalculator): option 'threshold' is "
       "1.5, outside [0, 1]\n"},
      {"    model_path: \"m\"\n    max_results: 101\n",
       "t.pbtxt:6:18: node 'o' (OptionsTestCalculator): option 'max_results' "
       "is 101, outside [-1, 100]\n"},
      {"    model_path: \"m\"\n    threshold: nan\n",
       "t.pbtxt:6:16: node 'o' (OptionsTestCalculator): option 'threshold' is "
       "nan, outside [0, 1]\n"},
      {"    model_path: \"m\"\n    activation: RELU\n",
       "t.pbtxt:6:17: node 'o' (OptionsTestCalculator): option 'activation' is "
       "'RELU'; expected one of: NONE, SIGMOID, TANH\n"},
      {"    model_path: \"m\"\n    model_path: \"n\"\n",
       "t.pbtxt:6:5: node 'o' (OptionsTestCalculator): option 'model_path' is "
       "given 2 times but takes one value\n"},
      {"    threshold: 0.2\n",
       "t.pbtxt:4:11: node 'o' (OptionsTestCalculator): required option "
       "'model_path' is missing\n"},
      {"    model_path: \"m\"\n    anchor { num_layers: 9 strides: \"x\" }\n",
       "t.pbtxt:6:26: node 'o' (OptionsTestCalculator): option "
       "'anchor.num_layers' is 9, outside [1, 8]\n"
       "t.pbtxt:6:37: node 'o' (OptionsTestCalculator): option "
       "'anchor.strides' must be an integer, not a string\n"},
      {"    model_path: \"m\"\n    anchor { num_layer: 2 }\n",
       "t.pbtxt:6:14: node 'o' (OptionsTestCalculator): unknown option "
       "'anchor.num_layer'; did you mean 'num_layers'?\n"},
      {"    model_path: \"m\"\n    anchor: 3\n",
       "t.pbtxt:6:13: node 'o' (OptionsTestCalculator): option 'anchor' must "
       "be a message, not an integer\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = check_opts(cases[i].opts);
    ck_assert_msg(strcmp(got, cases[i].err) == 0,
                  "case %zu:\n got: %s\nwant: %s", i, got, cases[i].err);
    free(got);
  }
}
END_TEST

/* A calculator that declares no options rejects any. */
START_TEST(no_options_declared) {
  gt_assert_check("pbtxt",
                  "node { calculator: \"IntSinkTestCalculator\" "
                  "input_stream: \"a\" options { x: 1 } }\n"
                  "node { calculator: \"SourceTestCalculator\" "
                  "output_stream: \"a\" }\n",
                  "t.pbtxt:1:72: node #0 (IntSinkTestCalculator): unknown "
                  "option 'x' (it takes no options)\n");
}
END_TEST

/* YAML plain scalars: IDENT for strings, INT for floats. */
START_TEST(yaml_kinds_accepted) {
  gt_assert_check("yaml",
                  "nodes:\n"
                  "  - calculator: OptionsTestCalculator\n"
                  "    options:\n"
                  "      model_path: model\n"
                  "      threshold: 1\n"
                  "      activation: NONE\n"
                  "      label: [a, 'b']\n",
                  "");
}
END_TEST

int main(void) {
  if (ep_test_calculators_register() != 0)
    return EXIT_FAILURE;
  Suite *s = suite_create("options");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, getters_read_values);
  tcase_add_test(tc, getters_fill_defaults);
  tcase_add_test(tc, no_options_message);
  tcase_add_test(tc, check_errors);
  tcase_add_test(tc, no_options_declared);
  tcase_add_test(tc, yaml_kinds_accepted);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
