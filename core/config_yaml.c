/* config_yaml.c — a YAML graph file to the config tree, through libyaml's
 * event parser.
 *
 * The mapping from YAML to the tree, with the same schema as pbtxt:
 * - the document is one mapping (an empty document is an empty graph);
 * - a mapping is a message; a key is a field name; a key may appear once
 *   per mapping (to repeat a field, give it a sequence);
 * - a sequence is a repeated field: each item (a scalar or a mapping)
 *   becomes one field with the key's name; sequences inside sequences are
 *   rejected, as protobuf has no repeated-of-repeated;
 * - quoted and block scalars are STRING; plain scalars are typed by their
 *   look (YAML 1.2 core schema): true/false (also True, TRUE, ...) BOOL,
 *   decimal, 0x hex and 0o octal INT (optionally signed), decimal with a
 *   fraction or exponent and .inf/.nan FLOAT, an identifier IDENT, anything
 *   else STRING. A plain scalar that means null (empty, ~, null) is an
 *   error: a field is either written with a value or left out;
 * - anchors and aliases are rejected (a graph file has no use for them);
 *   the only tags accepted are !!str, !!map and !!seq.
 * Positions are 1-based; columns count bytes, as in pbtxt. */
#include "config_tree.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "edgepipe/error.h"

#define MAX_DEPTH 100
#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_MAP "tag:yaml.org,2002:map"
#define TAG_SEQ "tag:yaml.org,2002:seq"

typedef struct yparser {
  yaml_parser_t y;
  const char *text;
  size_t len;
  const char *file;
  char *err;
  bool oom;
  int depth;
  /* libyaml's marks count characters; this cursor turns them into byte
   * columns. Events come in order, so it mostly moves forward. */
  size_t ci, bi;
  int line, col;
} yparser;

static int fail(yparser *yp, ep_loc at, const char *fmt, ...) EP_PRINTF(3, 4);

static int fail(yparser *yp, ep_loc at, const char *fmt, ...) {
  if (yp->err || yp->oom)
    return -1;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int n = snprintf(NULL, 0, "%s:%d:%d: %s", yp->file, at.line, at.col, msg);
  yp->err = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (yp->err)
    snprintf(yp->err, (size_t)n + 1, "%s:%d:%d: %s", yp->file, at.line, at.col,
             msg);
  else
    yp->oom = true;
  return -1;
}

static int fail_oom(yparser *yp) {
  yp->oom = true;
  return -1;
}

static size_t utf8_len(unsigned char b) {
  if (b < 0x80)
    return 1;
  if ((b & 0xE0) == 0xC0)
    return 2;
  if ((b & 0xF0) == 0xE0)
    return 3;
  if ((b & 0xF8) == 0xF0)
    return 4;
  return 1;
}

static void cursor_step(yparser *yp) {
  unsigned char b = (unsigned char)yp->text[yp->bi];
  size_t n = utf8_len(b);
  if (n > yp->len - yp->bi)
    n = yp->len - yp->bi;
  if (b == '\n') {
    yp->line += yp->line < INT_MAX;
    yp->col = 1;
  } else {
    yp->col = yp->col > INT_MAX - 4 ? INT_MAX : yp->col + (int)n;
  }
  yp->bi += n;
  yp->ci++;
}

static void cursor_reset(yparser *yp) {
  yp->ci = yp->bi = 0;
  yp->line = yp->col = 1;
}

/* The place of a character index (a libyaml mark). */
static ep_loc char_loc(yparser *yp, size_t index) {
  if (index < yp->ci)
    cursor_reset(yp);
  while (yp->ci < index && yp->bi < yp->len)
    cursor_step(yp);
  return (ep_loc){yp->file, yp->line, yp->col};
}

/* The place of a byte offset (libyaml's reader errors). */
static ep_loc byte_loc(yparser *yp, size_t offset) {
  cursor_reset(yp);
  while (yp->bi < offset && yp->bi < yp->len)
    cursor_step(yp);
  return (ep_loc){yp->file, yp->line, yp->col};
}

static ep_loc mark_loc(yparser *yp, yaml_mark_t m) {
  return char_loc(yp, m.index);
}

static int libyaml_error(yparser *yp) {
  yaml_parser_t *y = &yp->y;
  const char *problem = y->problem ? y->problem : "invalid YAML";
  if (y->error == YAML_MEMORY_ERROR)
    return fail_oom(yp);
  if (y->error == YAML_READER_ERROR) {
    ep_loc at = byte_loc(yp, y->problem_offset);
    if (y->problem_value >= 0)
      return fail(yp, at, "%s (0x%02x)", problem, y->problem_value);
    return fail(yp, at, "%s", problem);
  }
  ep_loc at = mark_loc(yp, y->problem_mark);
  if (!y->context)
    return fail(yp, at, "%s", problem);
  ep_loc ctx = mark_loc(yp, y->context_mark);
  return fail(yp, at, "%s (%s at %d:%d)", problem, y->context, ctx.line,
              ctx.col);
}

static int next_event(yparser *yp, yaml_event_t *ev) {
  if (!yaml_parser_parse(&yp->y, ev)) {
    memset(ev, 0, sizeof *ev);
    return libyaml_error(yp);
  }
  return 0;
}

static ep_loc event_loc(yparser *yp, const yaml_event_t *ev) {
  return mark_loc(yp, ev->start_mark);
}

/* Rejects anchors, aliases and tags this reader gives no meaning to. */
static int check_event(yparser *yp, const yaml_event_t *ev) {
  const yaml_char_t *anchor = NULL, *tag = NULL;
  const char *ok_tag = NULL;
  switch (ev->type) {
  case YAML_ALIAS_EVENT:
    return fail(yp, event_loc(yp, ev), "aliases are not supported ('*%.64s')",
                (const char *)ev->data.alias.anchor);
  case YAML_SCALAR_EVENT:
    anchor = ev->data.scalar.anchor;
    tag = ev->data.scalar.tag;
    ok_tag = TAG_STR;
    break;
  case YAML_MAPPING_START_EVENT:
    anchor = ev->data.mapping_start.anchor;
    tag = ev->data.mapping_start.tag;
    ok_tag = TAG_MAP;
    break;
  case YAML_SEQUENCE_START_EVENT:
    anchor = ev->data.sequence_start.anchor;
    tag = ev->data.sequence_start.tag;
    ok_tag = TAG_SEQ;
    break;
  default:
    return 0;
  }
  if (anchor)
    return fail(yp, event_loc(yp, ev), "anchors are not supported ('&%.64s')",
                (const char *)anchor);
  if (tag && strcmp((const char *)tag, ok_tag) != 0)
    return fail(yp, event_loc(yp, ev), "unsupported tag '%.64s'",
                (const char *)tag);
  return 0;
}

/* ---- typing plain scalars ---- */

static bool is_null(const char *s) {
  return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
         strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static int bool_value(const char *s) {
  if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
    return 1;
  if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
    return 0;
  return -1;
}

static bool all_digits(const char *s, int (*ok)(int)) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (!ok((unsigned char)*s))
      return false;
  return true;
}

static int is_odigit(int c) { return c >= '0' && c <= '7'; }

/* Radix of an integer body (after the sign): 10, 16, 8, or 0 if none. */
static int int_radix(const char *s) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    return all_digits(s + 2, isxdigit) ? 16 : 0;
  if (s[0] == '0' && s[1] == 'o')
    return all_digits(s + 2, is_odigit) ? 8 : 0;
  return all_digits(s, isdigit) ? 10 : 0;
}

static bool digits_then(const char **s) {
  const char *b = *s;
  while (isdigit((unsigned char)**s))
    (*s)++;
  return *s > b;
}

static bool is_float_body(const char *s) {
  bool whole = digits_then(&s), frac = false;
  if (*s == '.') {
    s++;
    frac = digits_then(&s);
  } else if (*s != 'e' && *s != 'E') {
    return false; /* an integer */
  }
  if (!whole && !frac)
    return false;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-')
      s++;
    if (!digits_then(&s))
      return false;
  }
  return *s == '\0';
}

static bool is_special_float(const char *s, double *f) {
  if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF")) {
    *f = HUGE_VAL;
    return true;
  }
  if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
    *f = strtod("nan", NULL);
    return true;
  }
  return false;
}

static bool is_ident(const char *s) {
  if (!isalpha((unsigned char)*s) && *s != '_')
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_')
      return false;
  return true;
}

static bool int_magnitude(const char *s, int radix, uint64_t *v) {
  *v = 0;
  for (; *s; s++) {
    int c = tolower((unsigned char)*s);
    uint64_t d = (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
    if (*v > (UINT64_MAX - d) / (uint64_t)radix)
      return false;
    *v = *v * (uint64_t)radix + d;
  }
  return true;
}

/* Sets the kind and value of a plain scalar node from n->str. */
static int type_plain(yparser *yp, ep_cfg_node *n) {
  const char *s = n->str;
  const char *body = (*s == '-' || *s == '+') ? s + 1 : s;
  int b = bool_value(s), radix = int_radix(body);
  if (b >= 0) {
    n->kind = EP_CFG_BOOL;
    n->i = b;
  } else if (radix) {
    uint64_t mag;
    n->kind = EP_CFG_INT;
    if (!int_magnitude(radix == 10 ? body : body + 2, radix, &mag) ||
        ep__cfg_node_set_int(n, *s == '-', mag) != 0)
      return fail(yp, n->loc, "integer out of range");
  } else if (is_special_float(body, &n->f)) {
    n->kind = EP_CFG_FLOAT;
    if (*s == '-')
      n->f = -n->f;
  } else if (is_float_body(body)) {
    n->kind = EP_CFG_FLOAT;
    n->f = strtod(s, NULL);
  } else {
    n->kind = is_ident(s) ? EP_CFG_IDENT : EP_CFG_STRING;
  }
  return 0;
}

/* ---- building the tree ---- */

static ep_cfg_node *add_node(yparser *yp, ep_cfg_node *parent, ep_cfg_kind kind,
                             const char *name, ep_loc name_loc, ep_loc loc) {
  ep_cfg_node *n = ep__cfg_node_new(kind, name, loc);
  if (!n) {
    fail_oom(yp);
    return NULL;
  }
  n->name_loc = name_loc;
  ep__cfg_node_append(parent, n);
  return n;
}

static int add_scalar(yparser *yp, ep_cfg_node *parent, const char *name,
                      ep_loc name_loc, const yaml_event_t *ev) {
  ep_loc loc = event_loc(yp, ev);
  const char *v = (const char *)ev->data.scalar.value;
  size_t len = ev->data.scalar.length;
  bool plain =
      ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag;
  if (plain && is_null(v))
    return fail(yp, loc,
                "'%.64s' has no value (null); give a value or "
                "leave the field out",
                name);
  ep_cfg_node *n = add_node(yp, parent, EP_CFG_STRING, name, name_loc, loc);
  if (!n || ep__cfg_node_set_str(n, v, len) != 0)
    return fail_oom(yp);
  return plain ? type_plain(yp, n) : 0;
}

static int parse_mapping(yparser *yp, ep_cfg_node *msg);

static int add_message(yparser *yp, ep_cfg_node *parent, const char *name,
                       ep_loc name_loc, const yaml_event_t *ev) {
  ep_loc loc = event_loc(yp, ev);
  if (yp->depth >= MAX_DEPTH)
    return fail(yp, loc, "nesting deeper than %d levels", MAX_DEPTH);
  ep_cfg_node *n = add_node(yp, parent, EP_CFG_MESSAGE, name, name_loc, loc);
  if (!n)
    return -1;
  yp->depth++;
  int rc = parse_mapping(yp, n);
  yp->depth--;
  return rc;
}

/* The items of a sequence (its start event already read), each a field. */
static int parse_sequence(yparser *yp, ep_cfg_node *msg, const char *name,
                          ep_loc name_loc) {
  for (;;) {
    yaml_event_t ev;
    if (next_event(yp, &ev) < 0)
      return -1;
    int rc = check_event(yp, &ev);
    if (rc == 0 && ev.type == YAML_SEQUENCE_END_EVENT) {
      yaml_event_delete(&ev);
      return 0;
    }
    if (rc == 0 && ev.type == YAML_SCALAR_EVENT)
      rc = add_scalar(yp, msg, name, name_loc, &ev);
    else if (rc == 0 && ev.type == YAML_MAPPING_START_EVENT)
      rc = add_message(yp, msg, name, name_loc, &ev);
    else if (rc == 0)
      rc = fail(yp, event_loc(yp, &ev),
                "a list inside the list of '%.64s' is not supported", name);
    yaml_event_delete(&ev);
    if (rc < 0)
      return -1;
  }
}

static int parse_value(yparser *yp, ep_cfg_node *msg, const char *name,
                       ep_loc name_loc) {
  yaml_event_t ev;
  if (next_event(yp, &ev) < 0)
    return -1;
  int rc = check_event(yp, &ev);
  if (rc == 0 && ev.type == YAML_SCALAR_EVENT)
    rc = add_scalar(yp, msg, name, name_loc, &ev);
  else if (rc == 0 && ev.type == YAML_MAPPING_START_EVENT)
    rc = add_message(yp, msg, name, name_loc, &ev);
  else if (rc == 0 && ev.type == YAML_SEQUENCE_START_EVENT)
    rc = parse_sequence(yp, msg, name, name_loc);
  yaml_event_delete(&ev);
  return rc;
}

typedef struct keyset {
  char **v;
  size_t n, cap;
} keyset;

/* Adds key; 1 if it was already there, -1 on out-of-memory. */
static int keyset_add(keyset *k, const char *key) {
  for (size_t i = 0; i < k->n; i++)
    if (strcmp(k->v[i], key) == 0)
      return 1;
  if (k->n == k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 8;
    char **v = realloc(k->v, cap * sizeof *v);
    if (!v)
      return -1;
    k->v = v;
    k->cap = cap;
  }
  if (!(k->v[k->n] = strdup(key)))
    return -1;
  k->n++;
  return 0;
}

static void keyset_free(keyset *k) {
  for (size_t i = 0; i < k->n; i++)
    free(k->v[i]);
  free(k->v);
}

static int check_key(yparser *yp, keyset *seen, const yaml_event_t *ev,
                     ep_loc at) {
  if (ev->type != YAML_SCALAR_EVENT)
    return fail(yp, at,
                "a key must be a scalar (write an extension name in quotes: "
                "\"[pkg.Ext]\")");
  const char *key = (const char *)ev->data.scalar.value;
  if (strlen(key) != ev->data.scalar.length)
    return fail(yp, at, "a key cannot contain a NUL byte");
  if (!*key)
    return fail(yp, at, "empty key");
  int dup = keyset_add(seen, key);
  if (dup < 0)
    return fail_oom(yp);
  if (dup)
    return fail(yp, at, "duplicate key '%.64s'; use a list", key);
  return 0;
}

/* The pairs of a mapping (its start event already read), up to its end. */
static int parse_mapping(yparser *yp, ep_cfg_node *msg) {
  keyset seen = {0};
  int rc = 0;
  while (rc == 0) {
    yaml_event_t ev;
    if (next_event(yp, &ev) < 0) {
      rc = -1;
      break;
    }
    if (ev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    ep_loc at = event_loc(yp, &ev);
    rc = check_event(yp, &ev);
    if (rc == 0)
      rc = check_key(yp, &seen, &ev, at);
    if (rc == 0)
      rc = parse_value(yp, msg, (const char *)ev.data.scalar.value, at);
    yaml_event_delete(&ev);
  }
  keyset_free(&seen);
  return rc;
}

/* The document's root node: a mapping, or nothing / null (empty graph). */
static int parse_root(yparser *yp, ep_cfg_node *root) {
  yaml_event_t ev;
  if (next_event(yp, &ev) < 0)
    return -1;
  int rc = check_event(yp, &ev);
  if (rc == 0 && ev.type == YAML_MAPPING_START_EVENT) {
    root->loc = event_loc(yp, &ev);
    rc = parse_mapping(yp, root);
  } else if (rc == 0 && !(ev.type == YAML_SCALAR_EVENT &&
                          ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                          is_null((const char *)ev.data.scalar.value))) {
    rc = fail(yp, event_loc(yp, &ev),
              "the top level must be a mapping of fields (name: value)");
  }
  yaml_event_delete(&ev);
  return rc;
}

/* Expects an event of type t (and nothing else) next. */
static int expect(yparser *yp, yaml_event_type_t t, const char *what) {
  yaml_event_t ev;
  if (next_event(yp, &ev) < 0)
    return -1;
  int rc = 0;
  if (ev.type != t)
    rc = fail(yp, event_loc(yp, &ev), "%s", what);
  yaml_event_delete(&ev);
  return rc;
}

static int parse_stream(yparser *yp, ep_cfg_node *root) {
  yaml_event_t ev;
  if (expect(yp, YAML_STREAM_START_EVENT, "expected the start of YAML") < 0)
    return -1;
  if (next_event(yp, &ev) < 0)
    return -1;
  yaml_event_type_t t = ev.type;
  yaml_event_delete(&ev);
  if (t == YAML_STREAM_END_EVENT)
    return 0;
  if (parse_root(yp, root) < 0 ||
      expect(yp, YAML_DOCUMENT_END_EVENT, "expected the end of the document") <
          0)
    return -1;
  return expect(yp, YAML_STREAM_END_EVENT,
                "a graph file holds one YAML document; found a second");
}

int ep__cfg_parse_yaml(const char *text, size_t len, const char *file,
                       ep_cfg_doc **out, char **err) {
  if (!out || !err || (!text && len))
    return EP_EINVAL;
  *out = NULL;
  *err = NULL;
  ep_cfg_doc *doc = ep__cfg_doc_new(file);
  if (!doc)
    return EP_ENOMEM;
  yparser yp = {.text = text ? text : "", .len = len, .file = doc->file};
  cursor_reset(&yp);
  if (!yaml_parser_initialize(&yp.y)) {
    ep_cfg_doc_free(doc);
    return EP_ENOMEM;
  }
  yaml_parser_set_input_string(&yp.y, (const unsigned char *)yp.text, len);
  /* Fixed, so marks index the bytes we were given (no UTF-16 guess). */
  yaml_parser_set_encoding(&yp.y, YAML_UTF8_ENCODING);
  int rc = parse_stream(&yp, doc->root);
  yaml_parser_delete(&yp.y);
  return ep__cfg_parse_end(doc, rc, yp.oom, yp.err, out, err);
}
