/* subgraph.c — registering subgraphs and expanding the nodes that use them.
 *
 * A registered subgraph is kept as its text; each expansion parses it
 * afresh, so the expanded config owns every tree it borrows from and a
 * subgraph can be used many times, each with its own renamed streams.
 *
 * Locking: reg_lock guards the process-wide list. */
#include "subgraph.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edgepipe/registry.h"

#define MAX_DEPTH 32
/* Subgraphs that each use the next several times grow exponentially; a
 * load may create at most this many nodes (real graphs have dozens). */
#define MAX_NODES 10000

typedef struct entry {
  char *type;
  char *text;
  size_t len;
  bool yaml;
  char *file;
} entry;

typedef struct set {
  entry *v;
  size_t n;
} set;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static set registered;

/* --- the lists ----------------------------------------------------------- */

static void entry_free(entry *e) {
  free(e->type);
  free(e->text);
  free(e->file);
}

static void set_free(set *s) {
  for (size_t i = 0; i < s->n; i++)
    entry_free(&s->v[i]);
  free(s->v);
  s->v = NULL;
  s->n = 0;
}

static const entry *set_find(const set *s, const char *type) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->v[i].type, type) == 0)
      return &s->v[i];
  return NULL;
}

static int parse(const char *text, size_t len, bool yaml, const char *file,
                 ep_cfg_doc **doc, char **err) {
  return yaml ? ep__cfg_parse_yaml(text, len, file, doc, err)
              : ep__cfg_parse_pbtxt(text, len, file, doc, err);
}

/* The `type:` of a parsed graph, or NULL. */
static const char *doc_type(const ep_cfg_doc *doc) {
  const ep_cfg_node *t = doc->root ? ep__cfg_find(doc->root, "type") : NULL;
  if (!t || (t->kind != EP_CFG_STRING && t->kind != EP_CFG_IDENT) || !*t->str ||
      strlen(t->str) != t->len)
    return NULL;
  return t->str;
}

/* Parses text to learn its type and builds an entry owning copies. */
static int make_entry(const char *text, size_t len, bool yaml, const char *file,
                      entry *e, char **err) {
  ep_cfg_doc *doc = NULL;
  char *why = NULL; /* the parsers want somewhere to put it */
  int rc = parse(text, len, yaml, file, &doc, &why);
  if (rc < 0) {
    if (err)
      *err = why;
    else
      free(why);
    return rc;
  }
  const char *type = doc_type(doc);
  if (!type) {
    ep_cfg_doc_free(doc);
    if (err)
      *err =
          ep__strdup_printf("%s: not a subgraph (it has no type: field)", file);
    return EP_EINVAL;
  }
  e->type = strdup(type);
  e->text = malloc(len + 1);
  e->file = strdup(file);
  e->len = len;
  e->yaml = yaml;
  ep_cfg_doc_free(doc);
  if (!e->type || !e->text || !e->file) {
    entry_free(e);
    return EP_ENOMEM;
  }
  memcpy(e->text, text, len);
  e->text[len] = '\0';
  return 0;
}

static bool set_add(set *s, entry e) {
  entry *v = realloc(s->v, (s->n + 1) * sizeof *v);
  if (!v)
    return false;
  s->v = v;
  s->v[s->n++] = e;
  return true;
}

static bool is_yaml_name(const char *path) {
  const char *dot = strrchr(path, '.');
  return dot && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0);
}

int ep__subgraph_register_string(const char *text, size_t len,
                                 const char *format, const char *name,
                                 char **err) {
  if (err)
    *err = NULL;
  if (!text)
    return EP_EINVAL;
  entry e = {0};
  bool yaml = format && strcmp(format, "yaml") == 0;
  int rc = make_entry(text, len, yaml, name ? name : "<string>", &e, err);
  if (rc < 0)
    return rc;
  pthread_mutex_lock(&reg_lock);
  if (set_find(&registered, e.type))
    rc = EP_EEXIST;
  else if (!set_add(&registered, e))
    rc = EP_ENOMEM;
  pthread_mutex_unlock(&reg_lock);
  if (rc < 0) {
    if (err && rc == EP_EEXIST)
      *err = ep__strdup_printf("%s: a subgraph named '%s' is already "
                               "registered",
                               e.file, e.type);
    entry_free(&e);
  }
  return rc;
}

/* Reads a whole file; NULL with errno set on failure. */
static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 8192;
      char *t = realloc(buf, cap);
      if (!t) {
        free(buf);
        fclose(f);
        errno = ENOMEM;
        return NULL;
      }
      buf = t;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0)
      break;
  }
  bool bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    errno = EIO;
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

int ep__subgraph_register_file(const char *path, char **err) {
  if (err)
    *err = NULL;
  size_t len = 0;
  char *text = path ? read_all(path, &len) : NULL;
  if (!text) {
    if (err && path)
      *err = ep__strdup_printf("%s: %s", path, strerror(errno));
    return path ? EP_ENOENT : EP_EINVAL;
  }
  int rc = ep__subgraph_register_string(
      text, len, is_yaml_name(path) ? "yaml" : "pbtxt", path, err);
  free(text);
  return rc;
}

void ep__subgraph_clear(void) {
  pthread_mutex_lock(&reg_lock);
  set_free(&registered);
  pthread_mutex_unlock(&reg_lock);
}

/* --- finding subgraph files ---------------------------------------------- */

static bool is_graph_file(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot && (strcmp(dot, ".pbtxt") == 0 || is_yaml_name(name));
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Adds every subgraph file of dir to s. Files that do not parse or have no
 * type are skipped: graphs/ also holds ordinary graphs, and a broken one
 * must not stop an unrelated graph from loading. */
/* path shortened to be relative to the working folder when it lies
 * inside it: messages then read "graphs/subgraphs/x.pbtxt:3:4". */
static const char *display_path(const char *path, const char *cwd) {
  size_t n = cwd ? strlen(cwd) : 0;
  if (n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/')
    return path + n + 1;
  return path;
}

static void scan_dir(set *s, const char *dir) {
  char cwd[PATH_MAX];
  bool have_cwd = getcwd(cwd, sizeof cwd) != NULL;
  struct dirent **names = NULL;
  int n = scandir(dir, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    char *path = NULL;
    if (is_graph_file(names[i]->d_name))
      path = ep__strdup_printf("%s/%s", dir, names[i]->d_name);
    size_t len = 0;
    char *text = path ? read_all(path, &len) : NULL;
    entry e = {0};
    char *err = NULL;
    if (text &&
        make_entry(text, len, is_yaml_name(path),
                   display_path(path, have_cwd ? cwd : NULL), &e, &err) == 0) {
      if (set_find(s, e.type) || !set_add(s, e))
        entry_free(&e);
    }
    free(err);
    free(text);
    free(path);
    free(names[i]);
  }
  free(names);
}

static void scan_with_subgraphs(set *s, const char *dir) {
  scan_dir(s, dir);
  char *sub = ep__strdup_printf("%s/subgraphs", dir);
  if (sub && is_dir(sub))
    scan_dir(s, sub);
  free(sub);
}

/* The graph file's folder, then the first graphs/ folder from there
 * upward. */
static void scan_upward(set *s, const char *graph_path) {
  char *copy = strdup(graph_path);
  if (!copy)
    return;
  char *slash = strrchr(copy, '/');
  const char *folder = ".";
  if (slash == copy)
    folder = "/";
  else if (slash) {
    *slash = '\0';
    folder = copy;
  }
  char dir[PATH_MAX], own[PATH_MAX];
  bool ok = realpath(folder, dir) != NULL;
  free(copy);
  if (!ok)
    return;
  /* The graph's own folder first: a graph and its subgraphs may sit
   * together anywhere. */
  scan_with_subgraphs(s, dir);
  memcpy(own, dir, sizeof own);
  for (;;) {
    char *g = ep__strdup_printf("%s/graphs", strcmp(dir, "/") ? dir : "");
    bool found = g && is_dir(g);
    char real[PATH_MAX];
    if (found && !(realpath(g, real) && strcmp(real, own) == 0))
      scan_with_subgraphs(s, g);
    free(g);
    char *up = strrchr(dir, '/');
    if (found || !up || strcmp(dir, "/") == 0)
      return;
    if (up == dir)
      up[1] = '\0';
    else
      *up = '\0';
  }
}

static void scan_env(set *s) {
  const char *env = getenv("EDGEPIPE_GRAPH_PATH");
  char *copy = env ? strdup(env) : NULL;
  char *save = NULL;
  for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d;
       d = strtok_r(NULL, ":", &save))
    if (is_dir(d))
      scan_with_subgraphs(s, d);
  free(copy);
}

/* --- expansion ----------------------------------------------------------- */

typedef struct expander {
  ep_diag *d;
  const char *graph_path;
  set found; /* discovered files, scanned on first need */
  bool scanned;
  size_t made; /* nodes taken from subgraphs so far */
} expander;

/* Parses the subgraph named type into *doc; false if there is none. */
static bool find_doc(expander *x, const char *type, ep_cfg_doc **doc, int *rc) {
  char *err = NULL;
  *rc = 0;
  pthread_mutex_lock(&reg_lock);
  const entry *e = set_find(&registered, type);
  if (e)
    *rc = parse(e->text, e->len, e->yaml, e->file, doc, &err);
  pthread_mutex_unlock(&reg_lock);
  if (!e) {
    if (!x->scanned) {
      x->scanned = true;
      if (x->graph_path)
        scan_upward(&x->found, x->graph_path);
      scan_env(&x->found);
    }
    e = set_find(&x->found, type);
    if (!e)
      return false;
    *rc = parse(e->text, e->len, e->yaml, e->file, doc, &err);
  }
  if (*rc < 0)
    ep__diag_add(x->d, NULL, "%s", err ? err : ep_strerror(*rc));
  free(err);
  return true;
}

/* "a-b C" -> "a_b_c": a prefix that keeps renamed streams valid names. */
static char *sanitize(const char *s) {
  size_t n = strlen(s);
  char *out = malloc(n + 2), *o = out;
  if (!out)
    return NULL;
  if (!*s || (*s >= '0' && *s <= '9'))
    *o++ = '_';
  for (; *s; s++) {
    char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
    *o++ = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_';
  }
  *o = '\0';
  return out;
}

static char *node_prefix(const ep_node_config *n, size_t i) {
  if (n->name)
    return sanitize(n->name);
  char *calc = sanitize(n->calculator);
  char *p = calc ? ep__strdup_printf("%s_%zu", calc, i) : NULL;
  free(calc);
  return p;
}

/* One inner name mapped to the outer stream it stands for. */
typedef struct mapping {
  const char *inner, *outer;
  bool back_edge;
} mapping;

typedef struct port_map {
  mapping *v;
  size_t n;
} port_map;

static bool map_add(port_map *m, mapping e) {
  mapping *v = realloc(m->v, (m->n + 1) * sizeof *v);
  if (!v)
    return false;
  m->v = v;
  m->v[m->n++] = e;
  return true;
}

static const mapping *map_find(const port_map *m, const char *inner) {
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->v[i].inner, inner) == 0)
      return &m->v[i];
  return NULL;
}

static const ep_stream_ref *ref_find(const ep_ref_list *l, const char *tag,
                                     int index) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i].tag, tag) == 0 && l->v[i].index == index)
      return &l->v[i];
  return NULL;
}

typedef struct port_ctx {
  expander *x;
  const char *label; /* the outer node, for messages */
  const ep_node_config *node;
  const char *type;
} port_ctx;

/* Matches the node's references to the subgraph's declared ports. */
static bool map_ports(port_ctx *p, const ep_ref_list *declared,
                      const ep_ref_list *given, bool required, const char *what,
                      port_map *m) {
  bool ok = true;
  for (size_t i = 0; i < declared->n; i++) {
    const ep_stream_ref *dr = &declared->v[i];
    const ep_stream_ref *g = ref_find(given, dr->tag, dr->index);
    if (g) {
      ok &= map_add(m, (mapping){dr->name, g->name, g->back_edge});
    } else if (required) {
      ep__diag_add(p->x->d, &p->node->loc,
                   "%s: subgraph '%s' needs %s '%s:%d' (its '%s'), which "
                   "the node does not give",
                   p->label, p->type, what, dr->tag, dr->index, dr->name);
      ok = false;
    }
  }
  for (size_t i = 0; i < given->n; i++) {
    const ep_stream_ref *g = &given->v[i];
    if (!ref_find(declared, g->tag, g->index)) {
      ep__diag_add(p->x->d, &g->loc,
                   "%s: subgraph '%s' has no %s '%s:%d' (for '%s')", p->label,
                   p->type, what, g->tag, g->index, g->name);
      ok = false;
    }
  }
  return ok;
}

static bool rename_ref(ep_stream_ref *r, const port_map *m,
                       const char *prefix) {
  const mapping *e = map_find(m, r->name);
  char *name =
      e ? strdup(e->outer) : ep__strdup_printf("%s__%s", prefix, r->name);
  if (!name)
    return false;
  free(r->name);
  r->name = name;
  return true;
}

static bool rename_list(ep_ref_list *l, const port_map *m, const char *prefix) {
  for (size_t i = 0; i < l->n; i++)
    if (!rename_ref(&l->v[i], m, prefix))
      return false;
  return true;
}

/* An outer input marked back edge stays one on every inner consumer. */
static bool carry_back_edges(ep_node_config *n, const port_map *m) {
  for (size_t i = 0; i < n->input_stream.n; i++) {
    ep_stream_ref *r = &n->input_stream.v[i];
    const mapping *e = map_find(m, r->name);
    if (!e || !e->back_edge || r->back_edge)
      continue;
    r->back_edge = true;
    ep_stream_info *v =
        realloc(n->stream_info, (n->n_stream_info + 1) * sizeof *v);
    if (!v)
      return false;
    n->stream_info = v;
    v[n->n_stream_info] =
        (ep_stream_info){strdup(r->tag), r->index, true, r->loc};
    if (!v[n->n_stream_info++].tag)
      return false;
  }
  return true;
}

static bool rename_node(ep_node_config *n, size_t j, const char *prefix,
                        const port_map *streams, const port_map *sides) {
  /* Inputs are renamed after back edges are carried: both look names up
   * in the inner namespace. */
  if (!carry_back_edges(n, streams))
    return false;
  char *base = n->name ? strdup(n->name) : NULL;
  if (!base) {
    char *calc = sanitize(n->calculator ? n->calculator : "node");
    base = calc ? ep__strdup_printf("%s_%zu", calc, j) : NULL;
    free(calc);
  }
  char *name = base ? ep__strdup_printf("%s__%s", prefix, base) : NULL;
  free(base);
  if (!name)
    return false;
  free(n->name);
  n->name = name;
  return rename_list(&n->input_stream, streams, prefix) &&
         rename_list(&n->output_stream, streams, prefix) &&
         rename_list(&n->input_side_packet, sides, prefix) &&
         rename_list(&n->output_side_packet, sides, prefix);
}

/* Replaces node i of cfg by sub's nodes; sub is consumed. */
static bool splice(ep_graph_config *cfg, size_t i, ep_graph_config *sub) {
  size_t n = cfg->n_nodes - 1 + sub->n_nodes;
  ep_cfg_doc **docs =
      realloc(cfg->docs, (cfg->n_docs + sub->n_docs) * sizeof *docs);
  if (docs)
    cfg->docs = docs;
  ep_node_config *nodes =
      n > cfg->n_nodes ? realloc(cfg->nodes, n * sizeof *nodes) : cfg->nodes;
  if (!docs || !nodes)
    return false;
  cfg->nodes = nodes;
  ep__node_config_clear(&nodes[i]);
  memmove(&nodes[i + sub->n_nodes], &nodes[i + 1],
          (cfg->n_nodes - i - 1) * sizeof *nodes);
  if (sub->n_nodes)
    memcpy(&nodes[i], sub->nodes, sub->n_nodes * sizeof *nodes);
  cfg->n_nodes = n;
  memcpy(cfg->docs + cfg->n_docs, sub->docs, sub->n_docs * sizeof *docs);
  cfg->n_docs += sub->n_docs;
  free(sub->nodes);
  sub->nodes = NULL;
  sub->n_nodes = 0;
  free(sub->docs);
  sub->docs = NULL;
  sub->n_docs = 0;
  ep__graph_config_free(sub);
  return true;
}

/* Maps, renames and splices sub in place of node i. */
static bool inline_subgraph(expander *x, ep_graph_config *cfg, size_t i,
                            ep_graph_config *sub) {
  ep_node_config *node = &cfg->nodes[i];
  char *label = ep__node_label(cfg, i);
  char *prefix = node_prefix(node, i);
  port_ctx p = {x, label ? label : "node", node, node->calculator};
  port_map streams = {0}, sides = {0};
  bool ok = label && prefix;
  /* All four, so that every port problem is reported at once. */
  ok &= map_ports(&p, &sub->input_stream, &node->input_stream, true,
                  "input_stream", &streams);
  ok &= map_ports(&p, &sub->output_stream, &node->output_stream, false,
                  "output_stream", &streams);
  ok &= map_ports(&p, &sub->input_side_packet, &node->input_side_packet, true,
                  "input_side_packet", &sides);
  ok &= map_ports(&p, &sub->output_side_packet, &node->output_side_packet,
                  false, "output_side_packet", &sides);
  for (size_t j = 0; ok && j < sub->n_nodes; j++)
    ok = rename_node(&sub->nodes[j], j, prefix, &streams, &sides);
  free(streams.v);
  free(sides.v);
  free(label);
  free(prefix);
  /* The maps borrow the node's strings: splice only after they are gone. */
  if (ok && splice(cfg, i, sub))
    return true;
  ep__graph_config_free(sub);
  return false;
}

static bool in_chain(const char **chain, size_t depth, const char *type) {
  for (size_t k = 0; k < depth; k++)
    if (chain[k] && strcmp(chain[k], type) == 0)
      return true;
  return false;
}

static void report_recursion(expander *x, const ep_graph_config *cfg, size_t i,
                             const char **chain, size_t depth) {
  size_t len = 1;
  for (size_t k = 0; k < depth; k++)
    len += (chain[k] ? strlen(chain[k]) : 0) + 4;
  const char *calc = cfg->nodes[i].calculator;
  char *s = malloc(len + strlen(calc));
  if (!s)
    return;
  s[0] = '\0';
  for (size_t k = 0; k < depth; k++)
    if (chain[k])
      strcat(strcat(s, chain[k]), " -> ");
  strcat(s, calc);
  char *label = ep__node_label(cfg, i);
  if (in_chain(chain, depth, calc))
    ep__diag_add(x->d, &cfg->nodes[i].calculator_loc,
                 "%s: subgraph recursion: %s", label ? label : "node", s);
  else
    ep__diag_add(x->d, &cfg->nodes[i].calculator_loc,
                 "%s: subgraphs nest deeper than %d: %s",
                 label ? label : "node", MAX_DEPTH, s);
  free(label);
  free(s);
}

static int expand(expander *x, ep_graph_config *cfg, const char **chain,
                  size_t depth);

/* Counts the nodes node i is about to become; reports the first load that
 * goes past MAX_NODES. */
static bool over_budget(expander *x, const ep_graph_config *cfg, size_t i,
                        size_t count) {
  x->made += count;
  if (x->made <= MAX_NODES)
    return false;
  char *label = ep__node_label(cfg, i);
  ep__diag_add(x->d, &cfg->nodes[i].calculator_loc,
               "%s: expanding subgraph '%s' takes the graph past %d nodes",
               label ? label : "node", cfg->nodes[i].calculator, MAX_NODES);
  free(label);
  return true;
}

/* Expands node i, which names a subgraph; returns how many nodes now stand
 * in its place (1 when it was left alone). */
static size_t expand_node(expander *x, ep_graph_config *cfg, size_t i,
                          const char **chain, size_t depth, int *rc) {
  ep_node_config *n = &cfg->nodes[i];
  ep_cfg_doc *doc = NULL;
  int prc;
  if (x->made > MAX_NODES) {
    *rc = EP_EPARSE; /* reported once, where the budget ran out */
    return 1;
  }
  if (!n->calculator || ep_calculator_find(n->calculator) ||
      !find_doc(x, n->calculator, &doc, &prc))
    return 1;
  if (prc < 0) {
    *rc = EP_EPARSE;
    return 1;
  }
  if (in_chain(chain, depth, n->calculator) || depth >= MAX_DEPTH) {
    report_recursion(x, cfg, i, chain, depth);
    ep_cfg_doc_free(doc);
    *rc = EP_EPARSE;
    return 1;
  }
  ep_graph_config *sub = NULL;
  if (ep__graph_config_read(doc, &sub, x->d) < 0) {
    *rc = EP_EPARSE;
    return 1;
  }
  chain[depth] = n->calculator;
  int src = expand(x, sub, chain, depth + 1);
  size_t count = sub->n_nodes;
  if (src < 0) {
    ep__graph_config_free(sub);
    *rc = EP_EPARSE;
    return 1;
  }
  if (over_budget(x, cfg, i, count)) {
    ep__graph_config_free(sub);
    *rc = EP_EPARSE;
    return 1;
  }
  if (!inline_subgraph(x, cfg, i, sub)) { /* sub is consumed either way */
    *rc = EP_EPARSE;
    return 1;
  }
  return count;
}

static int expand(expander *x, ep_graph_config *cfg, const char **chain,
                  size_t depth) {
  int rc = 0;
  for (size_t i = 0; i < cfg->n_nodes;)
    i += expand_node(x, cfg, i, chain, depth, &rc);
  return rc;
}

int ep__subgraph_expand(ep_graph_config *cfg, const char *graph_path,
                        ep_diag *d) {
  expander x = {.d = d, .graph_path = graph_path};
  const char *chain[MAX_DEPTH + 1] = {0};
  size_t depth = 0;
  if (cfg->type)
    chain[depth++] = cfg->type;
  int rc = expand(&x, cfg, chain, depth);
  set_free(&x.found);
  return rc;
}
