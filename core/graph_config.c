/* graph_config.c — the config tree read into an ep_graph_config.
 *
 * Both parsers build the same tree, so this one reader serves pbtxt and
 * YAML alike. Each message kind has a fixed list of field names; a name
 * outside it is an error with a "did you mean" hint, a value of the wrong
 * kind is an error at the value, and a singular field given twice is an
 * error at the second. Reading goes on after an error so that one pass
 * reports every problem. */
#include "graph_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subgraph.h"
#include "suggest.h"

#define MAX_INDEX 9999

/* --- small helpers ------------------------------------------------------- */

/* Reads one message: fields are matched against `names`; each known one
 * goes to `fn` with its index in `names`. */
typedef struct reader {
  ep_diag *d;
  const char *where; /* "graph", "node", ... for messages */
} reader;

static int field_index(reader *r, const ep_cfg_node *f,
                       const char *const *names, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(f->name, names[i]) == 0)
      return (int)i;
  ep_suggest s;
  ep__suggest_init(&s, f->name);
  for (size_t i = 0; i < n; i++)
    ep__suggest_add(&s, names[i]);
  const char *hint = ep__suggest_best(&s);
  if (hint)
    ep__diag_add(r->d, &f->name_loc,
                 "unknown field '%s' in %s; did you mean '%s'?", f->name,
                 r->where, hint);
  else
    ep__diag_add(r->d, &f->name_loc, "unknown field '%s' in %s", f->name,
                 r->where);
  return -1;
}

static bool want_kind(reader *r, const ep_cfg_node *f, bool ok,
                      const char *what) {
  if (!ok)
    ep__diag_add(r->d, &f->loc, "field '%s' in %s must be %s, not %s", f->name,
                 r->where, what, ep__cfg_kind_desc(f->kind));
  return ok;
}

static bool is_string(const ep_cfg_node *f) {
  return f->kind == EP_CFG_STRING || f->kind == EP_CFG_IDENT;
}

/* The string value of f, copied, or NULL after reporting why not. */
static char *get_string(reader *r, const ep_cfg_node *f) {
  if (!want_kind(r, f, is_string(f), "a string"))
    return NULL;
  if (strlen(f->str) != f->len) {
    ep__diag_add(r->d, &f->loc, "field '%s' in %s contains a NUL character",
                 f->name, r->where);
    return NULL;
  }
  return strdup(f->str);
}

static bool get_int(reader *r, const ep_cfg_node *f, int min, int *out) {
  if (!want_kind(r, f, f->kind == EP_CFG_INT, "an integer"))
    return false;
  if (f->i < min || f->i > 1000000000) {
    ep__diag_add(r->d, &f->loc,
                 "field '%s' in %s is %s, outside [%d, 1000000000]", f->name,
                 r->where, f->str, min);
    return false;
  }
  *out = (int)f->i;
  return true;
}

static bool get_bool(reader *r, const ep_cfg_node *f, bool *out) {
  if (!want_kind(r, f, f->kind == EP_CFG_BOOL, "true or false"))
    return false;
  *out = f->i != 0;
  return true;
}

static bool is_message(reader *r, const ep_cfg_node *f) {
  return want_kind(r, f, f->kind == EP_CFG_MESSAGE, "a message");
}

/* A singular field seen before: report it at the second place. */
static bool once(reader *r, const ep_cfg_node *f, const ep_cfg_node **seen) {
  if (*seen) {
    ep__diag_add(r->d, &f->name_loc,
                 "field '%s' in %s is given twice (first at line %d)", f->name,
                 r->where, (*seen)->name_loc.line);
    return false;
  }
  *seen = f;
  return true;
}

/* --- stream references --------------------------------------------------- */

static bool valid_tag(const char *s, size_t n) {
  if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '_'))
      return false;
  return true;
}

static bool valid_name(const char *s) {
  if (!*s || (*s >= '0' && *s <= '9'))
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  return true;
}

/* Parses a decimal index of n characters; -1 if it is not one. */
static int parse_index(const char *s, size_t n) {
  if (n == 0 || n > 4)
    return -1;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static int ref_fail(char **err, char *msg) {
  if (err)
    *err = msg;
  else
    free(msg);
  return EP_EPARSE;
}

int ep__stream_ref_parse(const char *s, ep_loc loc, ep_stream_ref *r,
                         char **err) {
  memset(r, 0, sizeof *r);
  if (err)
    *err = NULL;
  const char *c1 = strchr(s, ':');
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (c2 && strchr(c2 + 1, ':'))
    return ref_fail(err, strdup("expected TAG:index:name, TAG:name or name"));
  const char *name = c2 ? c2 + 1 : c1 ? c1 + 1 : s;
  size_t tag_len = c1 ? (size_t)(c1 - s) : 0;
  if (c1 && !valid_tag(s, tag_len))
    return ref_fail(err, ep__strdup_printf("tag '%.*s' must match "
                                           "[A-Z_][A-Z0-9_]*",
                                           (int)tag_len, s));
  int index = 0;
  if (c2) {
    index = parse_index(c1 + 1, (size_t)(c2 - c1 - 1));
    if (index < 0)
      return ref_fail(
          err, ep__strdup_printf("index '%.*s' must be a number from 0 to %d",
                                 (int)(c2 - c1 - 1), c1 + 1, MAX_INDEX));
  }
  if (!valid_name(name))
    return ref_fail(err, ep__strdup_printf("name '%s' must match "
                                           "[a-z_][a-z0-9_]*",
                                           name));
  r->tag = strndup(s, tag_len);
  r->name = strdup(name);
  r->index = index;
  r->loc = loc;
  if (!r->tag || !r->name) {
    free(r->tag);
    free(r->name);
    memset(r, 0, sizeof *r);
    return EP_ENOMEM;
  }
  return 0;
}

static void ref_list_free(ep_ref_list *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->v[i].tag);
    free(l->v[i].name);
  }
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

static bool ref_list_push(ep_ref_list *l, ep_stream_ref r) {
  ep_stream_ref *v = realloc(l->v, (l->n + 1) * sizeof *v);
  if (!v)
    return false;
  l->v = v;
  l->v[l->n++] = r;
  return true;
}

/* Appends the reference f holds to l, reporting a bad one at its place. */
static void read_ref(reader *r, const ep_cfg_node *f, ep_ref_list *l) {
  char *s = get_string(r, f);
  if (!s)
    return;
  ep_stream_ref ref;
  char *why = NULL;
  int rc = ep__stream_ref_parse(s, f->loc, &ref, &why);
  if (rc == 0 && !ref_list_push(l, ref)) {
    free(ref.tag);
    free(ref.name);
    rc = EP_ENOMEM;
  }
  if (rc == EP_ENOMEM)
    ep__diag_add(r->d, &f->loc, "out of memory");
  else if (rc < 0)
    ep__diag_add(r->d, &f->loc, "invalid %s '%s' in %s: %s", f->name, s,
                 r->where, why ? why : "out of memory");
  free(why);
  free(s);
}

/* Numbers untagged references in order and rejects a TAG:index twice. */
static void number_refs(reader *r, ep_ref_list *l, const char *what) {
  int untagged = 0;
  for (size_t i = 0; i < l->n; i++) {
    ep_stream_ref *a = &l->v[i];
    if (!*a->tag)
      a->index = untagged++;
    for (size_t j = 0; j < i; j++) {
      ep_stream_ref *b = &l->v[j];
      if (*a->tag && strcmp(a->tag, b->tag) == 0 && a->index == b->index) {
        ep__diag_add(r->d, &a->loc,
                     "%s '%s:%d' appears twice in %s (first at line %d)", what,
                     a->tag, a->index, r->where, b->loc.line);
        break;
      }
    }
  }
}

/* --- options wrappers ---------------------------------------------------- */

/* "[type.googleapis.com/mediapipe.X]" or "[mediapipe.X.ext]" -> "mediapipe.X"
 */
static char *extension_type(const char *bracketed) {
  const char *s = bracketed + 1;
  size_t n = strlen(s);
  if (n && s[n - 1] == ']')
    n--;
  const char *slash = memchr(s, '/', n);
  while (slash) {
    n -= (size_t)(slash + 1 - s);
    s = slash + 1;
    slash = memchr(s, '/', n);
  }
  if (n > 4 && memcmp(s + n - 4, ".ext", 4) == 0)
    n -= 4;
  return strndup(s, n);
}

/* The message inside an options-like field: the extension's message when
 * the field holds one `[ext] { ... }`, else the field itself. */
static const ep_cfg_node *unwrap_options(reader *r, const ep_cfg_node *f,
                                         char **type) {
  *type = NULL;
  if (!is_message(r, f))
    return NULL;
  const ep_cfg_node *ext = NULL;
  bool plain = false;
  for (const ep_cfg_node *c = f->first; c; c = c->next) {
    if (c->name[0] != '[') {
      plain = true;
      continue;
    }
    if (ext) {
      ep__diag_add(r->d, &c->name_loc, "%s in %s holds more than one extension",
                   f->name, r->where);
      return NULL;
    }
    ext = c;
  }
  if (!ext)
    return f;
  if (plain) {
    ep__diag_add(r->d, &ext->name_loc,
                 "%s in %s mixes an extension with plain fields", f->name,
                 r->where);
    return NULL;
  }
  if (!want_kind(r, ext, ext->kind == EP_CFG_MESSAGE, "a message"))
    return NULL;
  *type = extension_type(ext->name);
  return ext;
}

/* --- nodes --------------------------------------------------------------- */

static const char *const node_fields[] = {"name",
                                          "calculator",
                                          "input_stream",
                                          "output_stream",
                                          "input_side_packet",
                                          "output_side_packet",
                                          "options",
                                          "node_options",
                                          "input_stream_handler",
                                          "input_stream_info",
                                          "executor",
                                          "max_in_flight"};
enum {
  NF_NAME,
  NF_CALCULATOR,
  NF_INPUT_STREAM,
  NF_OUTPUT_STREAM,
  NF_INPUT_SIDE,
  NF_OUTPUT_SIDE,
  NF_OPTIONS,
  NF_NODE_OPTIONS,
  NF_HANDLER,
  NF_INFO,
  NF_EXECUTOR,
  NF_MAX_IN_FLIGHT,
  NF_COUNT
};

/* MediaPipe's class names and edgepipe's short ones. */
static char *handler_name(const char *s) {
  if (strcmp(s, "DefaultInputStreamHandler") == 0 || strcmp(s, "Default") == 0)
    return strdup("Default");
  if (strcmp(s, "ImmediateInputStreamHandler") == 0 ||
      strcmp(s, "Immediate") == 0)
    return strdup("Immediate");
  return strdup(s);
}

static void read_handler(reader *r, const ep_cfg_node *f, ep_node_config *n) {
  const ep_cfg_node *v = f;
  if (f->kind == EP_CFG_MESSAGE) {
    reader sub = {r->d, "input_stream_handler"};
    static const char *const names[] = {"input_stream_handler"};
    v = NULL;
    for (const ep_cfg_node *c = f->first; c; c = c->next)
      if (field_index(&sub, c, names, 1) == 0 && once(&sub, c, &v) &&
          !want_kind(&sub, c, is_string(c), "a string"))
        return;
    if (!v) {
      ep__diag_add(r->d, &f->loc, "input_stream_handler in %s names no handler",
                   r->where);
      return;
    }
  }
  char *s = get_string(r, v);
  if (!s)
    return;
  n->input_stream_handler = handler_name(s);
  n->input_stream_handler_loc = v->loc;
  free(s);
}

static bool push_info(ep_node_config *n, ep_stream_info info) {
  ep_stream_info *v =
      realloc(n->stream_info, (n->n_stream_info + 1) * sizeof *v);
  if (!v)
    return false;
  n->stream_info = v;
  n->stream_info[n->n_stream_info++] = info;
  return true;
}

/* tag_index: "TAG", "TAG:1", ":1" or "" (the first untagged input). */
static bool parse_tag_index(const char *s, char **tag, int *index) {
  const char *colon = strchr(s, ':');
  size_t tag_len = colon ? (size_t)(colon - s) : strlen(s);
  if (tag_len && !valid_tag(s, tag_len))
    return false;
  *index = 0;
  if (colon && (*index = parse_index(colon + 1, strlen(colon + 1))) < 0)
    return false;
  *tag = strndup(s, tag_len);
  return *tag != NULL;
}

static void read_info(reader *r, const ep_cfg_node *f, ep_node_config *n) {
  if (!is_message(r, f))
    return;
  reader sub = {r->d, "input_stream_info"};
  static const char *const names[] = {"tag_index", "back_edge"};
  const ep_cfg_node *ti = NULL, *be = NULL;
  ep_stream_info info = {.loc = f->loc};
  for (const ep_cfg_node *c = f->first; c; c = c->next) {
    int k = field_index(&sub, c, names, 2);
    if (k == 0 && once(&sub, c, &ti)) {
      char *s = get_string(&sub, c);
      if (s && !parse_tag_index(s, &info.tag, &info.index))
        ep__diag_add(r->d, &c->loc,
                     "invalid tag_index '%s' in input_stream_info: expected "
                     "TAG, TAG:index, :index or \"\"",
                     s);
      info.loc = c->loc;
      free(s);
    } else if (k == 1 && once(&sub, c, &be)) {
      get_bool(&sub, c, &info.back_edge);
    }
  }
  if (!ti)
    info.tag = strdup(""); /* MediaPipe's default: the first untagged */
  if (!info.tag)
    return; /* a bad tag_index, reported above */
  if (!push_info(n, info)) {
    free(info.tag);
    ep__diag_add(r->d, &f->loc, "out of memory");
  }
}

/* Marks the inputs that input_stream_info calls back edges. */
static void apply_back_edges(ep_node_config *n) {
  for (size_t i = 0; i < n->n_stream_info; i++) {
    ep_stream_info *info = &n->stream_info[i];
    for (size_t j = 0; j < n->input_stream.n; j++) {
      ep_stream_ref *ref = &n->input_stream.v[j];
      if (strcmp(ref->tag, info->tag) == 0 && ref->index == info->index)
        ref->back_edge = info->back_edge;
    }
  }
}

static void read_node_options(reader *r, const ep_cfg_node *f,
                              ep_node_config *n, const ep_cfg_node **seen) {
  if (*seen) {
    ep__diag_add(r->d, &f->name_loc,
                 "node has both %s and %s (first at line %d); give one",
                 (*seen)->name, f->name, (*seen)->name_loc.line);
    return;
  }
  *seen = f;
  n->options = unwrap_options(r, f, &n->options_type);
}

static void read_node_field(reader *r, const ep_cfg_node *f, int k,
                            ep_node_config *n,
                            const ep_cfg_node *seen[NF_COUNT]) {
  switch (k) {
  case NF_NAME:
    if (once(r, f, &seen[k]))
      n->name = get_string(r, f);
    break;
  case NF_CALCULATOR:
    if (once(r, f, &seen[k])) {
      n->calculator = get_string(r, f);
      n->calculator_loc = f->loc;
    }
    break;
  case NF_INPUT_STREAM:
    read_ref(r, f, &n->input_stream);
    break;
  case NF_OUTPUT_STREAM:
    read_ref(r, f, &n->output_stream);
    break;
  case NF_INPUT_SIDE:
    read_ref(r, f, &n->input_side_packet);
    break;
  case NF_OUTPUT_SIDE:
    read_ref(r, f, &n->output_side_packet);
    break;
  case NF_OPTIONS:
  case NF_NODE_OPTIONS:
    read_node_options(r, f, n, &seen[NF_OPTIONS]);
    break;
  case NF_HANDLER:
    if (once(r, f, &seen[k]))
      read_handler(r, f, n);
    break;
  case NF_INFO:
    read_info(r, f, n);
    break;
  case NF_EXECUTOR:
    if (once(r, f, &seen[k])) {
      n->executor = get_string(r, f);
      n->executor_loc = f->loc;
    }
    break;
  case NF_MAX_IN_FLIGHT:
    if (once(r, f, &seen[k]))
      get_int(r, f, 0, &n->max_in_flight);
    break;
  }
}

static void read_node(ep_diag *d, const ep_cfg_node *msg, ep_node_config *n) {
  reader r = {d, "node"};
  const ep_cfg_node *seen[NF_COUNT] = {0};
  n->loc = msg->loc;
  for (const ep_cfg_node *f = msg->first; f; f = f->next) {
    int k = field_index(&r, f, node_fields, NF_COUNT);
    if (k >= 0)
      read_node_field(&r, f, k, n, seen);
  }
  if (!seen[NF_CALCULATOR])
    ep__diag_add(d, &msg->loc, "node has no calculator");
  number_refs(&r, &n->input_stream, "input_stream");
  number_refs(&r, &n->output_stream, "output_stream");
  number_refs(&r, &n->input_side_packet, "input_side_packet");
  number_refs(&r, &n->output_side_packet, "output_side_packet");
  apply_back_edges(n);
}

void ep__node_config_clear(ep_node_config *n) {
  free(n->name);
  free(n->canonical_name);
  free(n->calculator);
  ref_list_free(&n->input_stream);
  ref_list_free(&n->output_stream);
  ref_list_free(&n->input_side_packet);
  ref_list_free(&n->output_side_packet);
  for (size_t i = 0; i < n->n_stream_info; i++)
    free(n->stream_info[i].tag);
  free(n->stream_info);
  free(n->options_type);
  free(n->input_stream_handler);
  free(n->executor);
}

/* --- executors ----------------------------------------------------------- */

static void read_executor_options(reader *r, const ep_cfg_node *f,
                                  ep_executor_config *e) {
  char *type = NULL;
  const ep_cfg_node *m = unwrap_options(r, f, &type);
  free(type);
  if (!m)
    return;
  reader sub = {r->d, "executor options"};
  static const char *const names[] = {"num_threads"};
  const ep_cfg_node *seen = NULL;
  for (const ep_cfg_node *c = m->first; c; c = c->next)
    if (field_index(&sub, c, names, 1) == 0 && once(&sub, c, &seen))
      get_int(&sub, c, 0, &e->num_threads);
}

static void read_executor(ep_diag *d, const ep_cfg_node *msg,
                          ep_executor_config *e) {
  reader r = {d, "executor"};
  static const char *const names[] = {"name", "type", "options"};
  const ep_cfg_node *seen[3] = {0};
  e->loc = msg->loc;
  for (const ep_cfg_node *f = msg->first; f; f = f->next) {
    int k = field_index(&r, f, names, 3);
    if (k < 0 || !once(&r, f, &seen[k]))
      continue;
    if (k == 0)
      e->name = get_string(&r, f);
    else if (k == 1)
      e->type = get_string(&r, f);
    else
      read_executor_options(&r, f, e);
  }
  if (!e->name)
    e->name = strdup("");
}

/* --- the graph ----------------------------------------------------------- */

static const char *const graph_fields[] = {
    "input_stream",       "output_stream",  "input_side_packet",
    "output_side_packet", "node",           "nodes",
    "num_threads",        "max_queue_size", "report_deadlock",
    "executor",           "type",           "profiler_config"};
enum {
  GF_INPUT_STREAM,
  GF_OUTPUT_STREAM,
  GF_INPUT_SIDE,
  GF_OUTPUT_SIDE,
  GF_NODE,
  GF_NODES,
  GF_NUM_THREADS,
  GF_MAX_QUEUE,
  GF_DEADLOCK,
  GF_EXECUTOR,
  GF_TYPE,
  GF_PROFILER,
  GF_COUNT
};

static void *grow(void *v, size_t n, size_t size) {
  return realloc(v, (n + 1) * size);
}

static void add_node(reader *r, ep_graph_config *g, const ep_cfg_node *f) {
  if (!is_message(r, f))
    return;
  ep_node_config *v = grow(g->nodes, g->n_nodes, sizeof *v);
  if (!v) {
    ep__diag_add(r->d, &f->loc, "out of memory");
    return;
  }
  g->nodes = v;
  memset(&v[g->n_nodes], 0, sizeof *v);
  read_node(r->d, f, &v[g->n_nodes++]);
}

static void add_executor(reader *r, ep_graph_config *g, const ep_cfg_node *f) {
  if (!is_message(r, f))
    return;
  ep_executor_config *v = grow(g->executors, g->n_executors, sizeof *v);
  if (!v) {
    ep__diag_add(r->d, &f->loc, "out of memory");
    return;
  }
  g->executors = v;
  memset(&v[g->n_executors], 0, sizeof *v);
  read_executor(r->d, f, &v[g->n_executors++]);
}

static void read_graph_field(reader *r, const ep_cfg_node *f, int k,
                             ep_graph_config *g,
                             const ep_cfg_node *seen[GF_COUNT]) {
  switch (k) {
  case GF_INPUT_STREAM:
    read_ref(r, f, &g->input_stream);
    break;
  case GF_OUTPUT_STREAM:
    read_ref(r, f, &g->output_stream);
    break;
  case GF_INPUT_SIDE:
    read_ref(r, f, &g->input_side_packet);
    break;
  case GF_OUTPUT_SIDE:
    read_ref(r, f, &g->output_side_packet);
    break;
  case GF_NODE:
  case GF_NODES:
    add_node(r, g, f);
    break;
  case GF_NUM_THREADS:
    if (once(r, f, &seen[k]))
      get_int(r, f, 0, &g->num_threads);
    break;
  case GF_MAX_QUEUE:
    if (once(r, f, &seen[k]))
      g->has_max_queue_size = get_int(r, f, -1, &g->max_queue_size);
    break;
  case GF_DEADLOCK:
    if (once(r, f, &seen[k]))
      get_bool(r, f, &g->report_deadlock);
    break;
  case GF_EXECUTOR:
    add_executor(r, g, f);
    break;
  case GF_TYPE:
    if (once(r, f, &seen[k]))
      g->type = get_string(r, f);
    break;
  case GF_PROFILER:
    if (once(r, f, &seen[k]) && is_message(r, f)) {
      g->has_profiler = true;
      g->profiler_config = f;
    }
    break;
  }
}

static void read_graph(ep_diag *d, const ep_cfg_node *root,
                       ep_graph_config *g) {
  reader r = {d, "graph"};
  const ep_cfg_node *seen[GF_COUNT] = {0};
  for (const ep_cfg_node *f = root->first; f; f = f->next) {
    int k = field_index(&r, f, graph_fields, GF_COUNT);
    if (k >= 0)
      read_graph_field(&r, f, k, g, seen);
  }
  number_refs(&r, &g->input_stream, "input_stream");
  number_refs(&r, &g->output_stream, "output_stream");
  number_refs(&r, &g->input_side_packet, "input_side_packet");
  number_refs(&r, &g->output_side_packet, "output_side_packet");
}

int ep__graph_config_read(ep_cfg_doc *doc, ep_graph_config **out, ep_diag *d) {
  *out = NULL;
  ep_graph_config *g = calloc(1, sizeof *g);
  ep_cfg_doc **docs = malloc(sizeof *docs);
  if (!g || !docs) {
    free(g);
    free(docs);
    ep_cfg_doc_free(doc);
    ep__diag_add(d, NULL, "out of memory");
    return EP_ENOMEM;
  }
  docs[0] = doc;
  g->docs = docs;
  g->n_docs = 1;
  size_t before = d->count;
  if (doc->root)
    read_graph(d, doc->root, g);
  if (d->count != before) {
    ep__graph_config_free(g);
    return EP_EPARSE;
  }
  *out = g;
  return 0;
}

void ep__graph_config_free(ep_graph_config *cfg) {
  if (!cfg)
    return;
  free(cfg->type);
  ref_list_free(&cfg->input_stream);
  ref_list_free(&cfg->output_stream);
  ref_list_free(&cfg->input_side_packet);
  ref_list_free(&cfg->output_side_packet);
  for (size_t i = 0; i < cfg->n_nodes; i++)
    ep__node_config_clear(&cfg->nodes[i]);
  free(cfg->nodes);
  for (size_t i = 0; i < cfg->n_executors; i++) {
    free(cfg->executors[i].name);
    free(cfg->executors[i].type);
  }
  free(cfg->executors);
  for (size_t i = 0; i < cfg->n_docs; i++)
    ep_cfg_doc_free(cfg->docs[i]);
  free(cfg->docs);
  free(cfg);
}

/* --- names --------------------------------------------------------------- */

static bool name_taken(const ep_graph_config *cfg, const char *name) {
  for (size_t i = 0; i < cfg->n_nodes; i++) {
    const ep_node_config *n = &cfg->nodes[i];
    const char *have = n->canonical_name ? n->canonical_name : n->name;
    if (have && strcmp(have, name) == 0)
      return true;
  }
  return false;
}

static size_t unnamed_with(const ep_graph_config *cfg, const char *calc) {
  size_t k = 0;
  for (size_t i = 0; i < cfg->n_nodes; i++)
    if (!cfg->nodes[i].name && cfg->nodes[i].calculator &&
        strcmp(cfg->nodes[i].calculator, calc) == 0)
      k++;
  return k;
}

/* The calculator's name alone when it is the only unnamed one; otherwise
 * numbered, skipping numbers another node already holds. */
static char *default_name(const ep_graph_config *cfg, const char *calc,
                          int *next) {
  if (unnamed_with(cfg, calc) == 1 && !name_taken(cfg, calc))
    return strdup(calc);
  for (;;) {
    char *s = ep__strdup_printf("%s_%d", calc, ++*next);
    if (!s || !name_taken(cfg, s))
      return s;
    free(s);
  }
}

int ep__graph_config_name_nodes(ep_graph_config *cfg) {
  for (size_t i = 0; i < cfg->n_nodes; i++) {
    free(cfg->nodes[i].canonical_name);
    cfg->nodes[i].canonical_name = NULL;
  }
  for (size_t i = 0; i < cfg->n_nodes; i++) {
    ep_node_config *n = &cfg->nodes[i];
    if (n->name) {
      n->canonical_name = strdup(n->name);
      continue;
    }
    const char *calc = n->calculator ? n->calculator : "node";
    int next = 0; /* numbers count the earlier unnamed nodes of calc */
    for (size_t j = 0; j < i; j++)
      if (!cfg->nodes[j].name && cfg->nodes[j].calculator &&
          strcmp(cfg->nodes[j].calculator, calc) == 0)
        next++;
    int seq = next;
    n->canonical_name = default_name(cfg, calc, &seq);
    if (!n->canonical_name)
      return EP_ENOMEM;
  }
  return 0;
}

char *ep__node_label(const ep_graph_config *cfg, size_t i) {
  const ep_node_config *n = &cfg->nodes[i];
  const char *calc = n->calculator ? n->calculator : "no calculator";
  if (n->name)
    return ep__strdup_printf("node '%s' (%s)", n->name, calc);
  return ep__strdup_printf("node #%zu (%s)", i, calc);
}

/* --- loading ------------------------------------------------------------- */

static int finish_load(ep_cfg_doc *doc, const char *path, ep_graph_config **out,
                       char **err) {
  ep_diag d = {0};
  ep_graph_config *cfg = NULL;
  int rc = ep__graph_config_read(doc, &cfg, &d);
  if (rc == 0)
    rc = ep__subgraph_expand(cfg, path, &d);
  if (rc == 0)
    rc = ep__graph_config_name_nodes(cfg);
  if (rc < 0) {
    ep__graph_config_free(cfg);
    *err = ep__diag_take(&d);
    if (!*err)
      *err = strdup(ep_strerror(rc));
    return rc;
  }
  ep__diag_clear(&d);
  *out = cfg;
  return 0;
}

/* A parser's message becomes one line like every other problem: a line
 * end added, and control characters (from a quoted bad token) escaped. */
static int parse_failed(int rc, char **err) {
  ep_diag d = {0};
  if (*err) {
    size_t n = strlen(*err);
    if (n && (*err)[n - 1] == '\n')
      (*err)[n - 1] = '\0';
    ep__diag_add(&d, NULL, "%s", *err);
    free(*err);
  } else {
    ep__diag_add(&d, NULL, "%s", ep_strerror(rc));
  }
  *err = ep__diag_take(&d);
  return rc;
}

int ep__graph_config_load_file(const char *path, ep_graph_config **out,
                               char **err) {
  *out = NULL;
  *err = NULL;
  ep_cfg_doc *doc = NULL;
  int rc = ep__cfg_parse_file(path, &doc, err);
  if (rc < 0)
    return parse_failed(rc, err);
  return finish_load(doc, path, out, err);
}

int ep__graph_config_load_string(const char *text, size_t len,
                                 const char *format, const char *name,
                                 ep_graph_config **out, char **err) {
  *out = NULL;
  *err = NULL;
  if (!name)
    name = "<string>";
  ep_cfg_doc *doc = NULL;
  int rc;
  if (format && strcmp(format, "yaml") == 0)
    rc = ep__cfg_parse_yaml(text, len, name, &doc, err);
  else if (!format || strcmp(format, "pbtxt") == 0)
    rc = ep__cfg_parse_pbtxt(text, len, name, &doc, err);
  else {
    *err = ep__strdup_printf("%s: unknown graph format '%s'\n", name, format);
    return EP_EINVAL;
  }
  if (rc < 0)
    return parse_failed(rc, err);
  return finish_load(doc, NULL, out, err);
}
