/* Tests for the YAML parser (config_yaml.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config_dump.h"
#include "config_tree.h"
#include "edgepipe/error.h"

typedef struct good_case {
  const char *text;
  const char *tree; /* cfg_dump of the root */
  bool locs;
} good_case;

static const good_case good[] = {
    {"", "", false},
    {"# only a comment\n", "", false},
    {"---\n", "", false},
    {"---\na: 1\n...\n", "a=int(1)", false},
    {"i: 42\nh: 0x1F\no: 0o17\nn: -5\np: +3\nd: 010\nz: -0x10",
     "i=int(42) h=int(31) o=int(15) n=int(-5) p=int(3) d=int(10) z=int(-16)",
     false},
    {"u: 18446744073709551615\nn: -9223372036854775808",
     "u=int(9223372036854775807) n=int(-9223372036854775808)", false},
    {"a: 1.5\nb: .5\nc: 1e-3\nd: -2.5E+2\ne: .inf\nf: -.inf\ng: .nan\n"
     "h: 5.\ni: +.Inf\nj: 1e5",
     "a=float(1.5) b=float(0.5) c=float(0.001) d=float(-250) e=float(inf) "
     "f=float(-inf) g=float(nan) h=float(5) i=float(inf) j=float(100000)",
     false},
    {"a: true\nb: True\nc: TRUE\nd: false\ne: FALSE\nf: yes\ng: t",
     "a=bool(1) b=bool(1) c=bool(1) d=bool(0) e=bool(0) f=id(yes) g=id(t)",
     false},
    {"a: \"42\"\nb: 'x'\nc: a b\nd: FINISHED:output_video\ne: word_1\n"
     "f: 1_000\ng: \"true\"\nh: 1.2.3\ni: -x",
     "a=str(\"42\") b=str(\"x\") c=str(\"a b\") "
     "d=str(\"FINISHED:output_video\") e=id(word_1) f=str(\"1_000\") "
     "g=str(\"true\") h=str(\"1.2.3\") i=str(\"-x\")",
     false},
    {"a: |\n  x\n  y\nb: >\n  p\n  q\n",
     "a=str(\"x\\x0ay\\x0a\") b=str(\"p q\\x0a\")", false},
    {"a: \"\\u00e9\\n\\t\\x41\"", "a=str(\"\\xc3\\xa9\\x0a\\x09A\")", false},
    {"a: \"x\\0y\"", "a=str(\"x\\x00y\")", false},
    {"a: !!str 42\nb: !!map {c: 1}\nc: !!seq [1]",
     "a=str(\"42\") b={c=int(1)} c=int(1)", false},
    {"s:\n  - a\n  - \"b\"\n  - 3\nt: [x, y]",
     "s=id(a) s=str(\"b\") s=int(3) t=id(x) t=id(y)", false},
    {"node:\n  - calculator: A\n  - calculator: B\n    options: {x: 1}",
     "node={calculator=id(A)} node={calculator=id(B) options={x=int(1)}}",
     false},
    {"a: []\nb: 1", "b=int(1)", false},
    {"a: {}", "a={}", false},
    {"a: {b: {c: {d: 1}}}", "a={b={c={d=int(1)}}}", false},
    {"options:\n  "
     "\"[type.googleapis.com/mediapipe.FlowLimiterCalculatorOptions]\":\n"
     "    max_in_flight: 1",
     "options={[type.googleapis.com/"
     "mediapipe.FlowLimiterCalculatorOptions]={max_in_flight=int(1)}}",
     false},
    {"'[mediapipe.X.ext]': {a: 1}", "[mediapipe.X.ext]={a=int(1)}", false},
    {"\"1\": x\nkey with space: y", "1=id(x) key with space=id(y)", false},
    /* Locations (columns in bytes). */
    {"node:\n  - calculator: A\n    s: [x, \"y\"]\n",
     "node@1:1={@2:5 calculator@2:5=id(A)@2:17 s@3:5=id(x)@3:9 "
     "s@3:5=str(\"y\")@3:12}",
     true},
    {"\xc3\xa9: 1\n\xc3\xa0: {b: 2}",
     "\xc3\xa9@1:1=int(1)@1:5 \xc3\xa0@2:1={@2:5 b@2:6=int(2)@2:9}", true},
    {"a: 1\r\nb: 2\r\n", "a@1:1=int(1)@1:4 b@2:1=int(2)@2:4", true},
    {"a: [1,\n  2]  # two\n", "a@1:1=int(1)@1:5 a@1:1=int(2)@2:3", true},
};

START_TEST(parses_good_input) {
  const good_case *c = &good[_i];
  check_parses(ep__cfg_parse_yaml, "t.yaml", _i, c->text, c->tree, c->locs);
}
END_TEST

typedef struct bad_case {
  const char *text;
  size_t len;      /* 0: strlen(text) */
  const char *err; /* after "t.yaml:" */
} bad_case;

static const bad_case bad[] = {
    {"a: 1\na: 2", 0, "2:1: duplicate key 'a'; use a list"},
    {"a:\n  b: 1\n  b: 2", 0, "3:3: duplicate key 'b'; use a list"},
    {"a: []\na: [1]", 0, "2:1: duplicate key 'a'; use a list"},
    {"a: [1, 2", 0,
     "1:9: did not find expected ',' or ']' (while parsing a flow sequence "
     "at 1:4)"},
    {"{a: 1", 0,
     "1:6: did not find expected ',' or '}' (while parsing a flow mapping "
     "at 1:1)"},
    {"a: 1\n b: 2", 0, "2:3: mapping values are not allowed in this context"},
    {"a: {b: 1}}", 0,
     "1:10: did not find expected key (while parsing a block mapping at "
     "1:1)"},
    {"a: \"abc", 0,
     "1:8: found unexpected end of stream (while scanning a quoted scalar "
     "at 1:4)"},
    {"a: 1\n\tb: 2", 0,
     "2:1: found a tab character that violates indentation (while scanning "
     "a plain scalar at 1:4)"},
    {"a: \"\x01\"", 0, "1:5: control characters are not allowed (0x01)"},
    {"a: \xff", 0, "1:4: invalid leading UTF-8 octet (0xff)"},
    {"a: &x 1", 0, "1:4: anchors are not supported ('&x')"},
    {"a: *x", 0, "1:4: aliases are not supported ('*x')"},
    {"a: !!int 5", 0, "1:4: unsupported tag 'tag:yaml.org,2002:int'"},
    {"a: !foo {}", 0, "1:4: unsupported tag '!foo'"},
    {"a:", 0,
     "1:3: 'a' has no value (null); give a value or leave the field out"},
    {"a: ~", 0,
     "1:4: 'a' has no value (null); give a value or leave the field out"},
    {"a: null", 0,
     "1:4: 'a' has no value (null); give a value or leave the field out"},
    {"a: [1, ~]", 0,
     "1:8: 'a' has no value (null); give a value or leave the field out"},
    {"\xc3\xa9: [x, ~]", 0,
     "1:9: '\xc3\xa9' has no value (null); give a value or leave the field "
     "out"},
    {"- 1\n- 2", 0,
     "1:1: the top level must be a mapping of fields (name: value)"},
    {"hello", 0,
     "1:1: the top level must be a mapping of fields (name: value)"},
    {"a: 1\n---\nb: 2", 0,
     "2:1: a graph file holds one YAML document; found a second"},
    {"a: [[1]]", 0, "1:5: a list inside the list of 'a' is not supported"},
    {"[a]: 1", 0,
     "1:1: a key must be a scalar (write an extension name in quotes: "
     "\"[pkg.Ext]\")"},
    {"a: 99999999999999999999", 0, "1:4: integer out of range"},
    {"a: -9223372036854775809", 0, "1:4: integer out of range"},
    {"\"\": 1", 0, "1:1: empty key"},
    {"\"a\\0b\": 1", 0, "1:1: a key cannot contain a NUL byte"},
    {"a: 1\nb: 2\n  c: 3", 0,
     "3:4: mapping values are not allowed in this context"},
    {"a: b\nc", 0,
     "2:2: could not find expected ':' (while scanning a simple key at 2:1)"},
    {"a: 1\0b: 2", 9, "1:5: control characters are not allowed (0x00)"},
};

START_TEST(rejects_bad_input) {
  const bad_case *c = &bad[_i];
  check_rejects(ep__cfg_parse_yaml, "t.yaml", _i, c->text,
                c->len ? c->len : strlen(c->text), c->err);
}
END_TEST

static char *dump_of(cfg_parse_fn parse, const char *text) {
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  int rc = parse(text, strlen(text), "twin", &doc, &err);
  ck_assert_msg(rc == 0, "%s", err ? err : "(no message)");
  char *t = cfg_dump(doc->root, false);
  ep_cfg_doc_free(doc);
  return t;
}

/* The YAML twin of a pbtxt graph builds the same tree. */
START_TEST(twin_of_pbtxt_matches) {
  static const char yaml[] =
      "input_stream: [input_video]\n"
      "output_stream: [output_video]\n"
      "max_queue_size: 10\n"
      "node:\n"
      "  - calculator: FlowLimiterCalculator\n"
      "    input_stream: [input_video, \"FINISHED:output_video\"]\n"
      "    input_stream_info: [{tag_index: FINISHED, back_edge: true}]\n"
      "    output_stream: [throttled_input_video]\n"
      "    options: {max_in_flight: 1}\n"
      "  - calculator: PassThroughCalculator\n"
      "    node_options:\n"
      "      \"[type.googleapis.com/mediapipe.FooOptions]\":\n"
      "        scale: -1.5\n"
      "        mode: FAST\n";
  static const char pbtxt[] =
      "input_stream: input_video\n"
      "output_stream: output_video\n"
      "max_queue_size: 10\n"
      "node {\n"
      "  calculator: FlowLimiterCalculator\n"
      "  input_stream: [input_video, \"FINISHED:output_video\"]\n"
      "  input_stream_info { tag_index: FINISHED back_edge: true }\n"
      "  output_stream: throttled_input_video\n"
      "  options < max_in_flight: 1 >\n"
      "}\n"
      "node {\n"
      "  calculator: PassThroughCalculator\n"
      "  node_options {\n"
      "    [type.googleapis.com/mediapipe.FooOptions] {\n"
      "      scale: -1.5 mode: FAST\n"
      "    }\n"
      "  }\n"
      "}\n";
  char *a = dump_of(ep__cfg_parse_yaml, yaml);
  char *b = dump_of(ep__cfg_parse_pbtxt, pbtxt);
  ck_assert_str_eq(a, b);
  ck_assert_ptr_nonnull(strstr(a, "back_edge=bool(1)"));
  free(a);
  free(b);
}
END_TEST

/* A text of n nested `{a: ` ... `}`. */
static char *nested(int n) {
  char *s = malloc((size_t)n * 5 + 8), *p = s;
  p += sprintf(p, "a: ");
  for (int i = 0; i < n; i++)
    p += sprintf(p, "{a: ");
  *p++ = '1';
  for (int i = 0; i < n; i++)
    *p++ = '}';
  *p = '\0';
  return s;
}

START_TEST(nesting_is_limited) {
  char *ok = nested(100), *deep = nested(101);
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  ck_assert_int_eq(ep__cfg_parse_yaml(ok, strlen(ok), "t.yaml", &doc, &err), 0);
  ep_cfg_doc_free(doc);
  ck_assert_int_eq(ep__cfg_parse_yaml(deep, strlen(deep), "t.yaml", &doc, &err),
                   EP_EPARSE);
  ck_assert_str_eq(err, "t.yaml:1:404: nesting deeper than 100 levels");
  free(err);
  free(ok);
  free(deep);
}
END_TEST

START_TEST(scalars_keep_text) {
  static const char text[] = "a: 0x10\nb: -1.5e3\nc: True\nd: \"q\"";
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  ck_assert_int_eq(ep__cfg_parse_yaml(text, strlen(text), "t.yaml", &doc, &err),
                   0);
  const ep_cfg_node *a = ep__cfg_find(doc->root, "a");
  ck_assert_str_eq(a->str, "0x10");
  ck_assert(a->u == 16 && a->f == 16.0);
  const ep_cfg_node *b = ep__cfg_find(doc->root, "b");
  ck_assert_str_eq(b->str, "-1.5e3");
  ck_assert(b->f == -1500.0);
  ck_assert_str_eq(ep__cfg_find(doc->root, "c")->str, "True");
  ck_assert_uint_eq(ep__cfg_find(doc->root, "d")->len, 1);
  ck_assert_ptr_eq(a->loc.file, doc->file);
  ep_cfg_doc_free(doc);
}
END_TEST

START_TEST(argument_checks) {
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  ck_assert_int_eq(ep__cfg_parse_yaml("a: 1", 4, "t", NULL, &err), EP_EINVAL);
  ck_assert_int_eq(ep__cfg_parse_yaml(NULL, 3, "t", &doc, &err), EP_EINVAL);
  ck_assert_int_eq(ep__cfg_parse_yaml(NULL, 0, NULL, &doc, &err), 0);
  ck_assert_str_eq(doc->file, "<string>");
  ck_assert_ptr_null(doc->root->first);
  ep_cfg_doc_free(doc);
}
END_TEST

int main(void) {
  Suite *s = suite_create("config_yaml");
  TCase *tc = tcase_create("core");
  tcase_add_loop_test(tc, parses_good_input, 0,
                      (int)(sizeof good / sizeof good[0]));
  tcase_add_loop_test(tc, rejects_bad_input, 0,
                      (int)(sizeof bad / sizeof bad[0]));
  tcase_add_test(tc, twin_of_pbtxt_matches);
  tcase_add_test(tc, nesting_is_limited);
  tcase_add_test(tc, scalars_keep_text);
  tcase_add_test(tc, argument_checks);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
