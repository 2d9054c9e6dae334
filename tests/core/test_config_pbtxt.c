/* Tests for the pbtxt parser (config_pbtxt.c), the tree helpers and the
 * file reader (config_tree.c). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    {"# only a comment\n\n", "", false},
    {"a: 1", "a=int(1)", false},
    {"a: 1, b: 2; c: 3", "a=int(1) b=int(2) c=int(3)", false},
    {"a: 1 # trailing\n# whole line\nb: 2", "a=int(1) b=int(2)", false},
    {"node { calculator: \"X\" }", "node={calculator=str(\"X\")}", false},
    {"node: { a: 1 }", "node={a=int(1)}", false},
    {"node < a: 1 >", "node={a=int(1)}", false},
    {"node: < a: 1 >", "node={a=int(1)}", false},
    {"node {}", "node={}", false},
    {"a { b { c { d: 1 } } }", "a={b={c={d=int(1)}}}", false},
    {"a { b: 1; c: 2, }", "a={b=int(1) c=int(2)}", false},
    {"s: \"a\" t: 1 s: \"b\" s: \"c\"",
     "s=str(\"a\") t=int(1) s=str(\"b\") s=str(\"c\")", false},
    {"s: [a, b, c]", "s=id(a) s=id(b) s=id(c)", false},
    {"s: [\"x\", 'y', 3, -4.5]",
     "s=str(\"x\") s=str(\"y\") s=int(3) "
     "s=float(-4.5)",
     false},
    {"n: [{a: 1}, <b: 2>]", "n={a=int(1)} n={b=int(2)}", false},
    {"n [{a: 1}, {}]", "n={a=int(1)} n={}", false},
    {"s: []", "", false},
    {"s: \"\\n\\t\\r\\\\\\'\\\"\\a\\b\\f\\v\\?\"",
     "s=str(\"\\x0a\\x09\\x0d\\x5c'\\x22\\x07\\x08\\x0c\\x0b?\")", false},
    {"s: '\"x\"' t: \"'y'\"", "s=str(\"\\x22x\\x22\") t=str(\"'y'\")", false},
    {"s: \"\\101\\0\\7\\12\\1234\"", "s=str(\"A\\x00\\x07\\x0aS4\")", false},
    {"s: \"\\x41\\x4a\\xa\\X7e\"", "s=str(\"AJ\\x0a~\")", false},
    {"s: \"\\u00e9\\u20AC\"", "s=str(\"\\xc3\\xa9\\xe2\\x82\\xac\")", false},
    {"s: \"\\U0001F600\\ud83d\\ude00\"",
     "s=str(\"\\xf0\\x9f\\x98\\x80\\xf0\\x9f\\x98\\x80\")", false},
    {"s: \"caf\xc3\xa9\"", "s=str(\"caf\\xc3\\xa9\")", false},
    {"s: \"a\" 'b'\n  \"c\"", "s=str(\"abc\")", false},
    {"s: \"\"", "s=str(\"\")", false},
    {"a: 0x1F b: 0XfF c: 017 d: 0 e: 00 f: 123",
     "a=int(31) b=int(255) c=int(15) d=int(0) e=int(0) f=int(123)", false},
    {"a: -5 b: - 7 c: -0x10 d: -010 e: -0",
     "a=int(-5) b=int(-7) c=int(-16) d=int(-8) e=int(0)", false},
    {"a: 1.5 b: .5 c: 1e-3 d: 1.5f e: 2F f: 1. g: 2E+2 h: 0.25",
     "a=float(1.5) b=float(0.5) c=float(0.001) d=float(1.5) e=float(2) "
     "f=float(1) g=float(200) h=float(0.25)",
     false},
    {"a: inf b: -inf c: infinity d: nan e: -Infinity f: NaN g: INF",
     "a=float(inf) b=float(-inf) c=float(inf) d=float(nan) e=float(-inf) "
     "f=float(nan) g=float(inf)",
     false},
    {"a: true b: false c: True d: False e: t f: f",
     "a=bool(1) b=bool(0) c=bool(1) d=bool(0) e=id(t) f=id(f)", false},
    {"mode: FAST_MODE x: _under9", "mode=id(FAST_MODE) x=id(_under9)", false},
    {"options { [mediapipe.FlowLimiterCalculatorOptions.ext] "
     "{ max_in_flight: 1 } }",
     "options={[mediapipe.FlowLimiterCalculatorOptions.ext]={max_in_flight="
     "int(1)}}",
     false},
    {"node_options: { "
     "[type.googleapis.com/mediapipe.FlowLimiterCalculatorOptions] "
     "{ max_in_flight: 2 } }",
     "node_options={[type.googleapis.com/"
     "mediapipe.FlowLimiterCalculatorOptions]={max_in_flight=int(2)}}",
     false},
    {"[ a . b / c.D ] < >", "[a.b/c.D]={}", false},
    {"[x.y]: 3", "[x.y]=int(3)", false},
    /* Locations: names, values, list elements, separated minus, tabs. */
    {"node {\n  calculator: \"X\"\n  s: [a, \"b\"]\n}\n",
     "node@1:1={@1:6 calculator@2:3=str(\"X\")@2:15 s@3:3=id(a)@3:7 "
     "s@3:3=str(\"b\")@3:10}",
     true},
    {"a: - 5\ns: \"a\"\n  \"b\"", "a@1:1=int(-5)@1:4 s@2:1=str(\"ab\")@2:4",
     true},
    {"[x.Y] {\n}", "[x.Y]@1:1={@1:7}", true},
    {"\ta:\t1", "a@1:2=int(1)@1:5", true},
    {"a: 1\r\nb: 2\r\n", "a@1:1=int(1)@1:4 b@2:1=int(2)@2:4", true},
    {"n: [{a: 1},\n {b: 2}]",
     "n@1:1={@1:5 a@1:6=int(1)@1:9} n@1:1={@2:2 b@2:3=int(2)@2:6}", true},
    {"s: \"\xc3\xa9\" t: 1", "s@1:1=str(\"\\xc3\\xa9\")@1:4 t@1:9=int(1)@1:12",
     true},
};

START_TEST(parses_good_input) {
  const good_case *c = &good[_i];
  check_parses(ep__cfg_parse_pbtxt, "t.pbtxt", _i, c->text, c->tree, c->locs);
}
END_TEST

typedef struct bad_case {
  const char *text;
  const char *err; /* after "t.pbtxt:" */
} bad_case;

static const bad_case bad[] = {
    {"node", "1:5: expected ':' or '{' after field name 'node', found end of "
             "file"},
    {"node calculator: \"X\"",
     "1:6: expected ':' or '{' after field name 'node', found 'calculator'"},
    {"a 5", "1:3: expected ':' or '{' after field name 'a', found number '5'"},
    {"s: \"abc", "1:4: unterminated string"},
    {"s: \"ab\nc\"", "1:4: unterminated string"},
    {"s: 'abc\"", "1:4: unterminated string"},
    {"s: \"abc\\", "1:4: unterminated string"},
    {"s: \"a\\qb\"", "1:6: invalid escape '\\q' in string"},
    {"s: \"\\x\"", "1:5: invalid escape '\\x' in string"},
    {"s: \"\\xg\"", "1:5: invalid escape '\\x' in string"},
    {"s: \"\\u12\"", "1:5: invalid escape '\\u12' in string"},
    {"s: \"\\U00110000\"", "1:5: invalid escape '\\U00110000' in string"},
    {"s: \"\\ud83d\"", "1:5: unpaired surrogate '\\ud83d' in string"},
    {"s: \"\\ude00\"", "1:5: unpaired surrogate '\\ude00' in string"},
    {"s: \"\\ud83d\\u0041\"", "1:5: unpaired surrogate '\\ud83d' in string"},
    {"s: \"\\400\"", "1:5: octal escape '\\400' out of range"},
    {"s: \"\\\x01\"", "1:5: invalid escape: '\\' followed by byte 0x01"},
    {"}", "1:1: unexpected '}'"},
    {"a: 1 }", "1:6: unexpected '}'"},
    {"a: 1\nb { c: 2 }\n>", "3:1: unexpected '>'"},
    {"\n\nnode {\n  a: 1\n", "5:1: expected '}' to close 'node' opened at 3:1"},
    {"a: 1 node {\n  b {\n    c: 1\n  }\n",
     "5:1: expected '}' to close 'node' opened at 1:6"},
    {"node < a: 1", "1:12: expected '>' to close 'node' opened at 1:1"},
    {"node { a: 1 >",
     "1:13: unexpected '>'; expected '}' to close 'node' opened at 1:1"},
    {"node < a: 1 }",
     "1:13: unexpected '}'; expected '>' to close 'node' opened at 1:1"},
    {"n: [{a: 1}, {b: 2", "1:18: expected '}' to close 'n' opened at 1:13"},
    {"i: 18446744073709551616", "1:4: integer out of range"},
    {"i: 0x10000000000000000", "1:4: integer out of range"},
    {"i: -9223372036854775809", "1:4: integer out of range"},
    {"i: - 0xFFFFFFFFFFFFFFFF", "1:4: integer out of range"},
    {"i: 0x", "1:4: invalid number '0x'"},
    {"i: 09", "1:4: invalid number '09'"},
    {"i: 12abc", "1:4: invalid number '12abc'"},
    {"f: 1.2.3", "1:4: invalid number '1.2.3'"},
    {"f: 1e", "1:4: invalid number '1e'"},
    {"f: 1e+", "1:4: invalid number '1e+'"},
    {"f: 1.5x", "1:4: invalid number '1.5x'"},
    {"a: @", "1:4: unexpected character '@'"},
    {"\ta: @", "1:5: unexpected character '@'"},
    {"a: \x01", "1:4: unexpected byte 0x01"},
    {"a: \xc3\xa9", "1:4: unexpected byte 0xc3 (non-ASCII text belongs in "
                    "quotes)"},
    {"a: ", "1:4: expected value for field 'a', found end of file"},
    {"a: }", "1:4: expected value for field 'a', found '}'"},
    {"a: :", "1:4: expected value for field 'a', found ':'"},
    {"a: .", "1:4: expected value for field 'a', found '.'"},
    {"a: -", "1:5: expected number after '-', found end of file"},
    {"a: -foo", "1:5: expected number after '-', found 'foo'"},
    {"a: -\"x\"", "1:5: expected number after '-', found a string"},
    {": 1", "1:1: expected field name, found ':'"},
    {"5: 1", "1:1: expected field name, found number '5'"},
    {"\"a\": 1", "1:1: expected field name, found a string"},
    {"a: 1,, b: 2", "1:6: expected field name, found ','"},
    {"a { b: 1 ]", "1:10: expected field name, found ']'"},
    {"s: [1, 2", "1:9: expected ']' to close the list of 's' opened at 1:4"},
    {"s: [1 2]",
     "1:7: expected ',' or ']' in the list of 's', found number '2'"},
    {"s: [1,]", "1:7: expected value for field 's', found ']'"},
    {"s: [[1]]", "1:5: expected value for field 's', found '['"},
    {"[ext { }", "1:6: expected ']' after extension name '[ext', found '{'"},
    {"[] { }", "1:2: expected extension name after '[', found ']'"},
    {"[a.] {}", "1:4: expected name after '.' in extension name, found ']'"},
    {"[a/5] {}", "1:4: expected name after '/' in extension name, found "
                 "number '5'"},
    {"a: 1 # comment\nb", "2:2: expected ':' or '{' after field name 'b', "
                          "found end of file"},
};

START_TEST(rejects_bad_input) {
  const bad_case *c = &bad[_i];
  check_rejects(ep__cfg_parse_pbtxt, "t.pbtxt", _i, c->text, strlen(c->text),
                c->err);
}
END_TEST

static ep_cfg_doc *parse(const char *text) {
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  int rc = ep__cfg_parse_pbtxt(text, strlen(text), "t.pbtxt", &doc, &err);
  ck_assert_msg(rc == 0, "%s", err ? err : "(no message)");
  return doc;
}

START_TEST(numbers_keep_text_and_full_range) {
  ep_cfg_doc *doc = parse("a: 18446744073709551615 b: -9223372036854775808 "
                          "c: 0x8000000000000000 d: 1.5f e: - 0x10 f: 42");
  const ep_cfg_node *a = ep__cfg_find(doc->root, "a");
  ck_assert_int_eq(a->kind, EP_CFG_INT);
  ck_assert(a->u == UINT64_MAX);
  ck_assert(a->i == INT64_MAX);
  const ep_cfg_node *b = ep__cfg_find(doc->root, "b");
  ck_assert(b->i == INT64_MIN);
  ck_assert(b->u == 0);
  ck_assert(b->f == -9223372036854775808.0);
  const ep_cfg_node *c = ep__cfg_find(doc->root, "c");
  ck_assert(c->u == (uint64_t)1 << 63);
  ck_assert_str_eq(c->str, "0x8000000000000000");
  const ep_cfg_node *d = ep__cfg_find(doc->root, "d");
  ck_assert_int_eq(d->kind, EP_CFG_FLOAT);
  ck_assert_str_eq(d->str, "1.5f");
  ck_assert_str_eq(ep__cfg_find(doc->root, "e")->str, "-0x10");
  const ep_cfg_node *f = ep__cfg_find(doc->root, "f");
  ck_assert(f->f == 42.0 && f->u == 42 && f->i == 42);
  ck_assert_uint_eq(f->len, 2);
  ep_cfg_doc_free(doc);
}
END_TEST

START_TEST(strings_may_hold_nul) {
  ep_cfg_doc *doc = parse("s: \"a\\0b\" 'c'");
  const ep_cfg_node *s = ep__cfg_find(doc->root, "s");
  ck_assert_uint_eq(s->len, 4);
  ck_assert(memcmp(s->str, "a\0bc", 5) == 0);
  ep_cfg_doc_free(doc);
}
END_TEST

START_TEST(find_and_count) {
  ep_cfg_doc *doc = parse("a: 1 b: 2 a: 3 c {} a: [4, 5]");
  ck_assert_uint_eq(ep__cfg_count(doc->root, "a"), 4);
  ck_assert_uint_eq(ep__cfg_count(doc->root, "c"), 1);
  ck_assert_uint_eq(ep__cfg_count(doc->root, "zz"), 0);
  ck_assert_int_eq(ep__cfg_find(doc->root, "a")->i, 1);
  ck_assert_ptr_null(ep__cfg_find(doc->root, "zz"));
  ck_assert_ptr_null(ep__cfg_find(NULL, "a"));
  ck_assert_uint_eq(ep__cfg_count(NULL, "a"), 0);
  ck_assert_str_eq(doc->file, "t.pbtxt");
  ck_assert_ptr_eq(ep__cfg_find(doc->root, "b")->loc.file, doc->file);
  ep_cfg_doc_free(doc);
}
END_TEST

/* A text of n nested `a {` ... `}`. */
static char *nested(int n) {
  char *s = malloc((size_t)n * 4 + 1), *p = s;
  for (int i = 0; i < n; i++)
    p += sprintf(p, "a {");
  for (int i = 0; i < n; i++)
    *p++ = '}';
  *p = '\0';
  return s;
}

START_TEST(nesting_is_limited) {
  char *ok = nested(100), *deep = nested(101), *huge = nested(100000);
  ep_cfg_doc *doc = parse(ok);
  ep_cfg_doc_free(doc);
  char *err = NULL;
  ck_assert_int_eq(
      ep__cfg_parse_pbtxt(deep, strlen(deep), "t.pbtxt", &doc, &err),
      EP_EPARSE);
  ck_assert_str_eq(err, "t.pbtxt:1:303: nesting deeper than 100 levels");
  free(err);
  ck_assert_int_eq(
      ep__cfg_parse_pbtxt(huge, strlen(huge), "t.pbtxt", &doc, &err),
      EP_EPARSE);
  free(err);
  free(ok);
  free(deep);
  free(huge);
}
END_TEST

START_TEST(text_need_not_be_terminated) {
  /* Only the first 4 bytes count: "a: 1" and not the "2" after them. */
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  ck_assert_int_eq(ep__cfg_parse_pbtxt("a: 12", 4, "t.pbtxt", &doc, &err), 0);
  ck_assert_int_eq(ep__cfg_find(doc->root, "a")->i, 1);
  ep_cfg_doc_free(doc);
  ck_assert_int_eq(ep__cfg_parse_pbtxt(NULL, 0, NULL, &doc, &err), 0);
  ck_assert_str_eq(doc->file, "<string>");
  ep_cfg_doc_free(doc);
  ck_assert_int_eq(ep__cfg_parse_pbtxt("a", 1, "t", NULL, &err), EP_EINVAL);
}
END_TEST

/* A fresh folder for files, removed by the test. */
static char tmpdir[64];

static void make_tmpdir(void) {
  strcpy(tmpdir, "/tmp/ep_cfg_test_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static char *write_file(const char *name, const char *text) {
  char *path = malloc(strlen(tmpdir) + strlen(name) + 2);
  sprintf(path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  return path;
}

START_TEST(reads_files_by_extension) {
  make_tmpdir();
  char *pb = write_file("g.pbtxt", "a: 1\nb { c: \"x\" }\n");
  char *ya = write_file("g.YML", "a: 1\nb: {c: \"x\"}\n");
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  ck_assert_int_eq(ep__cfg_parse_file(pb, &doc, &err), 0);
  ck_assert_str_eq(doc->file, pb);
  char *t1 = cfg_dump(doc->root, false);
  ep_cfg_doc_free(doc);
  /* The same graph in both syntaxes gives the same tree. */
  ck_assert_int_eq(ep__cfg_parse_file(ya, &doc, &err), 0);
  char *t2 = cfg_dump(doc->root, false);
  ck_assert_str_eq(t1, "a=int(1) b={c=str(\"x\")}");
  ck_assert_str_eq(t2, t1);
  ep_cfg_doc_free(doc);
  free(t1);
  free(t2);
  unlink(pb);
  unlink(ya);
  free(pb);
  free(ya);
  rmdir(tmpdir);
}
END_TEST

START_TEST(file_errors_name_the_file) {
  make_tmpdir();
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  char missing[128];
  snprintf(missing, sizeof missing, "%s/none.pbtxt", tmpdir);
  ck_assert_int_eq(ep__cfg_parse_file(missing, &doc, &err), EP_ENOENT);
  ck_assert_ptr_null(doc);
  char want[256];
  snprintf(want, sizeof want, "%s: No such file or directory", missing);
  ck_assert_str_eq(err, want);
  free(err);

  ck_assert_int_eq(ep__cfg_parse_file(tmpdir, &doc, &err), EP_EIO);
  snprintf(want, sizeof want, "%s: Is a directory", tmpdir);
  ck_assert_str_eq(err, want);
  free(err);

  char *bad = write_file("bad.pbtxt", "node {\n  calculator: @\n}\n");
  ck_assert_int_eq(ep__cfg_parse_file(bad, &doc, &err), EP_EPARSE);
  snprintf(want, sizeof want, "%s:2:15: unexpected character '@'", bad);
  ck_assert_str_eq(err, want);
  free(err);
  /* The same text read as YAML fails there, with YAML's reason. */
  char *bady = write_file("bad.yaml", "node: {\n");
  ck_assert_int_eq(ep__cfg_parse_file(bady, &doc, &err), EP_EPARSE);
  ck_assert_int_eq(strncmp(err, bady, strlen(bady)), 0);
  free(err);
  unlink(bad);
  unlink(bady);
  free(bad);
  free(bady);
  rmdir(tmpdir);
}
END_TEST

/* A real MediaPipe-style graph, checked field by field. */
START_TEST(parses_a_graph) {
  static const char graph[] =
      "# FlowLimiter in front of a model\n"
      "input_stream: \"input_video\"\n"
      "output_stream: \"output_video\"\n"
      "max_queue_size: 10\n"
      "node {\n"
      "  calculator: \"FlowLimiterCalculator\"\n"
      "  input_stream: \"input_video\"\n"
      "  input_stream: \"FINISHED:output_video\"\n"
      "  input_stream_info: {\n"
      "    tag_index: \"FINISHED\"\n"
      "    back_edge: true\n"
      "  }\n"
      "  output_stream: \"throttled_input_video\"\n"
      "  node_options: {\n"
      "    [type.googleapis.com/mediapipe.FlowLimiterCalculatorOptions] {\n"
      "      max_in_flight: 1\n"
      "    }\n"
      "  }\n"
      "}\n";
  ep_cfg_doc *doc = parse(graph);
  const ep_cfg_node *r = doc->root;
  ck_assert_int_eq(ep__cfg_find(r, "max_queue_size")->i, 10);
  const ep_cfg_node *node = ep__cfg_find(r, "node");
  ck_assert_int_eq(node->kind, EP_CFG_MESSAGE);
  ck_assert_int_eq(node->name_loc.line, 5);
  ck_assert_int_eq(ep__cfg_count(node, "input_stream"), 2);
  const ep_cfg_node *in = ep__cfg_find(node, "input_stream");
  ck_assert_str_eq(in->next->str, "FINISHED:output_video");
  ck_assert_int_eq(in->next->loc.line, 8);
  ck_assert_int_eq(in->next->loc.col, 17);
  const ep_cfg_node *info = ep__cfg_find(node, "input_stream_info");
  ck_assert_int_eq(ep__cfg_find(info, "back_edge")->kind, EP_CFG_BOOL);
  ck_assert_int_eq(ep__cfg_find(info, "back_edge")->i, 1);
  const ep_cfg_node *opts = ep__cfg_find(node, "node_options");
  const ep_cfg_node *ext = ep__cfg_find(
      opts, "[type.googleapis.com/mediapipe.FlowLimiterCalculatorOptions]");
  ck_assert_ptr_nonnull(ext);
  ck_assert_int_eq(ext->name_loc.line, 15);
  ck_assert_int_eq(ext->name_loc.col, 5);
  ck_assert_int_eq(ep__cfg_find(ext, "max_in_flight")->i, 1);
  ep_cfg_doc_free(doc);
}
END_TEST

int main(void) {
  Suite *s = suite_create("config_pbtxt");
  TCase *tc = tcase_create("core");
  tcase_add_loop_test(tc, parses_good_input, 0,
                      (int)(sizeof good / sizeof good[0]));
  tcase_add_loop_test(tc, rejects_bad_input, 0,
                      (int)(sizeof bad / sizeof bad[0]));
  tcase_add_test(tc, numbers_keep_text_and_full_range);
  tcase_add_test(tc, strings_may_hold_nul);
  tcase_add_test(tc, find_and_count);
  tcase_add_test(tc, nesting_is_limited);
  tcase_add_test(tc, text_need_not_be_terminated);
  tcase_add_test(tc, reads_files_by_extension);
  tcase_add_test(tc, file_errors_name_the_file);
  tcase_add_test(tc, parses_a_graph);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
