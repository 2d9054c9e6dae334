/* fuzz_check.h — what every parse of arbitrary bytes must satisfy: a tree
 * whose every node has a name and a place inside the text, or an error that
 * names the file and a place inside the text. A breach aborts, which
 * libFuzzer reports as a crash. */
#ifndef EDGEPIPE_FUZZ_CHECK_H
#define EDGEPIPE_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_tree.h"
#include "edgepipe/error.h"

static int lines_in(const char *text, size_t len) {
  int n = 1;
  for (size_t i = 0; i < len; i++)
    n += text[i] == '\n';
  return n;
}

static void check_loc(ep_loc loc, const ep_cfg_doc *doc, int lines) {
  if (loc.file != doc->file || loc.line < 1 || loc.line > lines || loc.col < 1)
    abort();
}

static void check_tree(const ep_cfg_node *msg, const ep_cfg_doc *doc,
                       int lines) {
  for (const ep_cfg_node *c = msg->first; c; c = c->next) {
    if (!c->name || (c->kind != EP_CFG_MESSAGE && !c->str))
      abort();
    check_loc(c->loc, doc, lines);
    check_loc(c->name_loc, doc, lines);
    if (c->kind == EP_CFG_MESSAGE)
      check_tree(c, doc, lines);
  }
}

static void check_result(int rc, ep_cfg_doc *doc, char *err, const char *file,
                         const char *text, size_t len) {
  int lines = lines_in(text, len);
  if (rc == 0) {
    if (!doc || err)
      abort();
    check_tree(doc->root, doc, lines);
  } else if (rc == EP_EPARSE) {
    size_t n = strlen(file);
    int line = 0, col = 0;
    if (doc || !err || strncmp(err, file, n) != 0 || err[n] != ':' ||
        sscanf(err + n + 1, "%d:%d:", &line, &col) != 2 || line < 1 ||
        line > lines || col < 1)
      abort();
  } else if (rc != EP_ENOMEM) {
    abort();
  }
  free(err);
  ep_cfg_doc_free(doc);
}

#endif
