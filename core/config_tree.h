/* config_tree.h — the one tree both graph-file parsers build (internal).
 *
 * config_pbtxt.c and config_yaml.c turn text into this tree; graph_config.c
 * reads the tree into an ep_graph_config. Neither reader knows the other's
 * syntax, so the two formats cannot drift. Every node keeps the file:line:col
 * of its value (loc) and of its field name (name_loc).
 *
 * A message is an ordered list of fields. A repeated field is several fields
 * with the same name, in order; pbtxt's `f: [a, b]` and a YAML sequence both
 * become that. An extension field keeps its bracketed name, e.g.
 * "[type.googleapis.com/mediapipe.FlowLimiterCalculatorOptions]".
 *
 * Scalars keep their kind as written: INT, FLOAT, BOOL, STRING (quoted),
 * IDENT (a bare word: an enum value). YAML plain scalars are typed by their
 * look (42 -> INT, 1.5 -> FLOAT, true -> BOOL, a word -> IDENT); readers
 * accept IDENT where a string is wanted and INT where a float is. */
#ifndef EDGEPIPE_CONFIG_TREE_H
#define EDGEPIPE_CONFIG_TREE_H

#include "edgepipe/common.h"

typedef enum ep_cfg_kind {
  EP_CFG_MESSAGE,
  EP_CFG_STRING,
  EP_CFG_IDENT,
  EP_CFG_INT,
  EP_CFG_FLOAT,
  EP_CFG_BOOL
} ep_cfg_kind;

typedef struct ep_cfg_node ep_cfg_node;
struct ep_cfg_node {
  ep_cfg_kind kind;
  char *name;      /* field name; NULL for the root */
  ep_loc name_loc; /* where the field name stands */
  ep_loc loc;      /* where the value starts */
  char *str;       /* STRING/IDENT: the value (unescaped, NUL-terminated;
                      len holds the length, strings may contain NUL);
                      INT/FLOAT/BOOL: the text as written */
  size_t len;
  int64_t i;       /* INT (also BOOL: 0/1) */
  uint64_t u;      /* INT: the value as unsigned, for large hex values */
  double f;        /* FLOAT, and INT converted */
  ep_cfg_node *first, *last; /* MESSAGE: its fields in order */
  ep_cfg_node *next;         /* the next field of the parent */
};

/* A parsed document: the root message, plus ownership of the file name every
 * loc points at. */
typedef struct ep_cfg_doc {
  ep_cfg_node *root;
  char *file;
} ep_cfg_doc;

/* Parses pbtxt / YAML text (len bytes, need not be NUL-terminated). `file`
 * names the source in messages (copied). On success returns 0 and *out
 * (free with ep_cfg_doc_free). On failure returns EP_EPARSE and sets *err
 * to "file:line:col: what is wrong" (free() it). */
int ep__cfg_parse_pbtxt(const char *text, size_t len, const char *file,
                        ep_cfg_doc **out, char **err);
int ep__cfg_parse_yaml(const char *text, size_t len, const char *file,
                       ep_cfg_doc **out, char **err);

/* Reads a file and parses it by its extension (.yaml/.yml: YAML, else
 * pbtxt). Errors as above; a file that cannot be read gives EP_ENOENT or
 * EP_EIO with "file: reason". */
int ep__cfg_parse_file(const char *path, ep_cfg_doc **out, char **err);

void ep_cfg_doc_free(ep_cfg_doc *doc);

/* Tree building and walking, shared by both parsers and the reader. */
ep_cfg_node *ep__cfg_node_new(ep_cfg_kind kind, const char *name, ep_loc loc);
void ep__cfg_node_append(ep_cfg_node *msg, ep_cfg_node *field);
void ep__cfg_node_free(ep_cfg_node *n);
/* The first field named `name` in msg, or NULL. */
const ep_cfg_node *ep__cfg_find(const ep_cfg_node *msg, const char *name);
/* How many fields named `name` msg has. */
size_t ep__cfg_count(const ep_cfg_node *msg, const char *name);

#endif
