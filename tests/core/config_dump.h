/* config_dump.h — renders a config tree as one line, so parser tests can
 * compare a whole tree with a hand-written expectation; and the two checks
 * both parsers' table tests make with it.
 *
 * Fields are separated by spaces: `name=value`; messages are `{...}`;
 * scalars are int(N), float(G), bool(N), id(word), str("...") with bytes
 * outside printable ASCII (and " \) as \xNN. With locs, each field name is
 * followed by @line:col and each value by its own @line:col (a message's
 * right after its `{`). */
#ifndef EDGEPIPE_TEST_CONFIG_DUMP_H
#define EDGEPIPE_TEST_CONFIG_DUMP_H

#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "config_tree.h"
#include "edgepipe/error.h"

static void dump_fields(FILE *f, const ep_cfg_node *msg, bool locs);

static void dump_scalar(FILE *f, const ep_cfg_node *n) {
  switch (n->kind) {
  case EP_CFG_STRING:
    fputs("str(\"", f);
    for (size_t i = 0; i < n->len; i++) {
      unsigned char c = (unsigned char)n->str[i];
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
        fputc(c, f);
      else
        fprintf(f, "\\x%02x", c);
    }
    fputs("\")", f);
    break;
  case EP_CFG_IDENT:
    fprintf(f, "id(%s)", n->str);
    break;
  case EP_CFG_INT:
    fprintf(f, "int(%" PRId64 ")", n->i);
    break;
  case EP_CFG_BOOL:
    fprintf(f, "bool(%" PRId64 ")", n->i);
    break;
  case EP_CFG_FLOAT:
    if (isnan(n->f))
      fputs("float(nan)", f);
    else
      fprintf(f, "float(%g)", n->f);
    break;
  default:
    fputs("?", f);
    break;
  }
}

static void dump_node(FILE *f, const ep_cfg_node *n, bool locs) {
  fputs(n->name ? n->name : "(null)", f);
  if (locs)
    fprintf(f, "@%d:%d", n->name_loc.line, n->name_loc.col);
  fputc('=', f);
  if (n->kind == EP_CFG_MESSAGE) {
    fputc('{', f);
    if (locs)
      fprintf(f, "@%d:%d%s", n->loc.line, n->loc.col, n->first ? " " : "");
    dump_fields(f, n, locs);
    fputc('}', f);
    return;
  }
  dump_scalar(f, n);
  if (locs)
    fprintf(f, "@%d:%d", n->loc.line, n->loc.col);
}

static void dump_fields(FILE *f, const ep_cfg_node *msg, bool locs) {
  for (const ep_cfg_node *c = msg->first; c; c = c->next) {
    dump_node(f, c, locs);
    if (c->next)
      fputc(' ', f);
  }
}

/* The fields of root as one line (caller frees). */
static char *cfg_dump(const ep_cfg_node *root, bool locs) {
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len);
  if (!f)
    return NULL;
  dump_fields(f, root, locs);
  fclose(f);
  return s;
}

/* A parser entry point: ep__cfg_parse_pbtxt or ep__cfg_parse_yaml. */
typedef int (*cfg_parse_fn)(const char *text, size_t len, const char *file,
                            ep_cfg_doc **out, char **err);

/* Table case n: text parses, and its tree dumps (with or without
 * locations) to want. */
static void check_parses(cfg_parse_fn parse, const char *file, int n,
                         const char *text, const char *want, bool locs) {
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  int rc = parse(text, strlen(text), file, &doc, &err);
  ck_assert_msg(rc == 0, "case %d: %s", n, err ? err : "(no message)");
  ck_assert_ptr_null(err);
  char *tree = cfg_dump(doc->root, locs);
  ck_assert_msg(strcmp(tree, want) == 0, "case %d:\n got  %s\n want %s", n,
                tree, want);
  free(tree);
  ep_cfg_doc_free(doc);
}

/* Table case n: text (len bytes) is refused with exactly
 * "<file>:<want>". */
static void check_rejects(cfg_parse_fn parse, const char *file, int n,
                          const char *text, size_t len, const char *want) {
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  int rc = parse(text, len, file, &doc, &err);
  ck_assert_msg(rc == EP_EPARSE, "case %d: rc %d", n, rc);
  ck_assert_ptr_null(doc);
  ck_assert_ptr_nonnull(err);
  char full[256];
  snprintf(full, sizeof full, "%s:%s", file, want);
  ck_assert_msg(strcmp(err, full) == 0, "case %d:\n got  %s\n want %s", n, err,
                full);
  free(err);
}

#endif
