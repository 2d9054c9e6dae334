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
  int64_t i;  /* INT: the value, saturated to INT64_MAX above it;
                 BOOL: 0/1 */
  uint64_t u; /* INT: the value as unsigned when >= 0 (so values up
                 to UINT64_MAX, e.g. large hex), 0 when negative */
  double f;   /* FLOAT, and INT converted */
  ep_cfg_node *first, *last; /* MESSAGE: its fields in order */
  ep_cfg_node *next;         /* the next field of the parent */
};

/* A parsed document: the root message, plus ownership of the file name every
 * loc points at. */
typedef struct ep_cfg_doc {
  ep_cfg_node *root;
  char *file;
} ep_cfg_doc;

/* Parses pbtxt / YAML text (len bytes, need not be NUL-terminated; the
 * grammar each accepts is described at the top of config_pbtxt.c and
 * config_yaml.c). `file` names the source in messages (copied; NULL means
 * "<string>"). On success returns 0 and *out (transfer full: free with
 * ep_cfg_doc_free). On failure returns EP_EPARSE and sets *err to
 * "file:line:col: what is wrong" (transfer full: free() it); EP_ENOMEM and
 * EP_EINVAL (NULL out/err, or NULL text with len > 0) leave *err NULL. */
int ep__cfg_parse_pbtxt(const char *text, size_t len, const char *file,
                        ep_cfg_doc **out, char **err);
int ep__cfg_parse_yaml(const char *text, size_t len, const char *file,
                       ep_cfg_doc **out, char **err);

/* Reads a file and parses it by its extension (.yaml/.yml: YAML, else
 * pbtxt). Errors as above; a file that cannot be read gives EP_ENOENT or
 * EP_EIO with "file: reason". */
int ep__cfg_parse_file(const char *path, ep_cfg_doc **out, char **err);

/* Frees the doc, its tree and its file name (NULL is allowed). */
void ep_cfg_doc_free(ep_cfg_doc *doc);

/* Tree building and walking, shared by both parsers and the reader. */
/* A new node (transfer full) with a copy of name (NULL for none); loc is
 * also used as name_loc. NULL on out-of-memory. */
ep_cfg_node *ep__cfg_node_new(ep_cfg_kind kind, const char *name, ep_loc loc);
/* Sets n->str to a NUL-terminated copy of len bytes of s and n->len
 * (replacing any earlier value). 0, or EP_ENOMEM. */
int ep__cfg_node_set_str(ep_cfg_node *n, const char *s, size_t len);
/* Sets an INT node's i, u and f from a sign and a magnitude. Returns 0, or
 * EP_ERANGE when the value is below INT64_MIN (nothing is set then). */
int ep__cfg_node_set_int(ep_cfg_node *n, bool negative, uint64_t magnitude);
/* Adds field at the end of msg's fields; msg takes ownership. */
void ep__cfg_node_append(ep_cfg_node *msg, ep_cfg_node *field);
/* Frees n with its name, value and fields (not its `next`). */
void ep__cfg_node_free(ep_cfg_node *n);
/* A doc (transfer full) with a copy of file and an empty root message whose
 * loc is file:1:1. NULL on out-of-memory. */
ep_cfg_doc *ep__cfg_doc_new(const char *file);
/* How a parser ends: on success (rc 0, no out-of-memory) hands doc to
 * *out and returns 0; otherwise frees doc and returns EP_ENOMEM (dropping
 * err) or EP_EPARSE with err moved to *errout. Takes ownership of doc and
 * err. */
int ep__cfg_parse_end(ep_cfg_doc *doc, int rc, bool oom, char *err,
                      ep_cfg_doc **out, char **errout);
/* The first field named `name` in msg, or NULL. */
const ep_cfg_node *ep__cfg_find(const ep_cfg_node *msg, const char *name);
/* How many fields named `name` msg has. */
size_t ep__cfg_count(const ep_cfg_node *msg, const char *name);

/* "a string", "an integer", ... for messages about a value's kind. */
const char *ep__cfg_kind_desc(ep_cfg_kind k);

#endif
