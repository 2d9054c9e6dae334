/* validate.c — holding an expanded graph config to the calculator
 * contracts before anything runs.
 *
 * Every check runs and adds to one list, so a user sees all the problems
 * of a graph at once. Each message names the place (file:line:col), the
 * node and the stream. A node whose calculator is unknown is reported once
 * and then left out of the contract checks (its outputs still count as
 * produced, so one typo does not cascade). */
#include "graph_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/registry.h"
#include "options.h"
#include "profiler.h"
#include "suggest.h"

#define GRAPH ((size_t)-1) /* "node" index of the graph's own inputs */

enum { IN, OUT, IN_SIDE, OUT_SIDE };
static const char *const list_names[] = {
    "input_stream", "output_stream", "input_side_packet", "output_side_packet"};

typedef struct producer {
  const char *name;
  size_t node; /* GRAPH for a graph input */
  size_t port; /* index in that node's (or the graph's) list */
} producer;

typedef struct ptable {
  producer *v;
  size_t n;
} ptable;

typedef struct vctx {
  const ep_graph_config *cfg;
  ep_diag d;
  const ep_calculator_def **defs; /* per node; NULL when unknown */
  char **labels;                  /* per node */
  ptable streams, sides;
  const char **types; /* resolved output stream types, flat */
  size_t *type_base;  /* per node: its first entry in types */
  size_t *preds;      /* per input stream: producer node for cycles */
  size_t *pred_base;  /* per node: its first entry in preds */
} vctx;

static const ep_ref_list *node_list(const ep_node_config *n, int which) {
  switch (which) {
  case IN:
    return &n->input_stream;
  case OUT:
    return &n->output_stream;
  case IN_SIDE:
    return &n->input_side_packet;
  default:
    return &n->output_side_packet;
  }
}

static const ep_port_spec *def_list(const ep_calculator_def *d, int which) {
  switch (which) {
  case IN:
    return d->inputs;
  case OUT:
    return d->outputs;
  case IN_SIDE:
    return d->input_side;
  default:
    return d->output_side;
  }
}

#define ANY_TAG "*" /* a port spec for every tag the list does not name */

/* The spec for tag: its own, else the list's "*" spec, else NULL. */
static const ep_port_spec *spec_find(const ep_port_spec *l, const char *tag) {
  const ep_port_spec *wild = NULL;
  for (size_t i = 0; l && l[i].tag; i++) {
    if (strcmp(l[i].tag, tag) == 0)
      return &l[i];
    if (strcmp(l[i].tag, ANY_TAG) == 0)
      wild = &l[i];
  }
  return wild;
}

static const char *type_or_any(const char *t) {
  return t ? t : EP_TYPE_ANY_NAME;
}

/* --- calculators and names ----------------------------------------------- */

static void suggest_calc(const ep_calculator_def *def, void *user) {
  ep__suggest_add(user, def->name);
}

static void check_calculators(vctx *v) {
  for (size_t i = 0; i < v->cfg->n_nodes; i++) {
    const ep_node_config *n = &v->cfg->nodes[i];
    v->defs[i] = ep_calculator_find(n->calculator);
    if (v->defs[i])
      continue;
    ep_suggest s;
    ep__suggest_init(&s, n->calculator);
    ep_calculator_foreach(suggest_calc, &s);
    const char *hint = ep__suggest_best(&s);
    if (hint)
      ep__diag_add(&v->d, &n->calculator_loc,
                   "%s: unknown calculator '%s'; did you mean '%s'?",
                   v->labels[i], n->calculator, hint);
    else
      ep__diag_add(&v->d, &n->calculator_loc, "%s: unknown calculator '%s'",
                   v->labels[i], n->calculator);
  }
}

static void check_names(vctx *v) {
  for (size_t i = 0; i < v->cfg->n_nodes; i++) {
    const ep_node_config *n = &v->cfg->nodes[i];
    for (size_t j = 0; n->name && j < i; j++) {
      const ep_node_config *m = &v->cfg->nodes[j];
      if (m->name && strcmp(m->name, n->name) == 0) {
        ep__diag_add(&v->d, &n->loc,
                     "duplicate node name '%s' (first at line %d)", n->name,
                     m->loc.line);
        break;
      }
    }
  }
}

/* --- ports against the contract ------------------------------------------ */

static void undeclared_tag(vctx *v, size_t i, int which, const ep_stream_ref *r,
                           const ep_port_spec *l) {
  const char *calc = v->cfg->nodes[i].calculator;
  if (!*r->tag) {
    ep__diag_add(&v->d, &r->loc,
                 "%s: %s '%s' is untagged, but %s declares no untagged %s",
                 v->labels[i], list_names[which], r->name, calc,
                 list_names[which]);
    return;
  }
  ep_suggest s;
  ep__suggest_init(&s, r->tag);
  for (size_t k = 0; l && l[k].tag; k++)
    ep__suggest_add(&s, l[k].tag);
  const char *hint = ep__suggest_best(&s);
  ep__diag_add(&v->d, &r->loc,
               "%s: %s '%s:%s' has tag '%s', which %s does not declare%s%s%s",
               v->labels[i], list_names[which], r->tag, r->name, r->tag, calc,
               hint ? "; did you mean '" : "", hint ? hint : "",
               hint ? "'?" : "");
}

static void tag_desc(char *buf, size_t n, const char *tag) {
  if (*tag)
    snprintf(buf, n, "'%s'", tag);
  else
    snprintf(buf, n, "untagged");
}

static bool has_index(const ep_ref_list *l, const char *tag, int index) {
  for (size_t k = 0; k < l->n; k++)
    if (strcmp(l->v[k].tag, tag) == 0 && l->v[k].index == index)
      return true;
  return false;
}

/* Indexes 0..n-1 present, and min <= n <= max, for one declared tag. */
static void check_tag_count(vctx *v, size_t i, int which, const ep_port_spec *s,
                            const char *want) {
  const ep_node_config *n = &v->cfg->nodes[i];
  const ep_ref_list *l = node_list(n, which);
  int count = 0, top = -1;
  const ep_stream_ref *top_ref = NULL, *extra = NULL;
  for (size_t k = 0; k < l->n; k++) {
    if (strcmp(l->v[k].tag, want) != 0)
      continue;
    if (++count == s->max_count + 1)
      extra = &l->v[k];
    if (l->v[k].index > top) {
      top = l->v[k].index;
      top_ref = &l->v[k];
    }
  }
  char tag[80];
  tag_desc(tag, sizeof tag, want);
  if (count == 0 && s->min_count > 0) {
    ep__diag_add(&v->d, &n->loc, "%s: required %s %s is missing", v->labels[i],
                 tag, list_names[which]);
    return;
  }
  if (count < s->min_count)
    ep__diag_add(&v->d, &n->loc, "%s: %s needs at least %d %s %s, got %d",
                 v->labels[i], n->calculator, s->min_count, tag,
                 list_names[which], count);
  if (extra && s->max_count >= 0)
    ep__diag_add(&v->d, &extra->loc, "%s: %s takes at most %d %s %s, got %d",
                 v->labels[i], n->calculator, s->max_count, tag,
                 list_names[which], count);
  if (top_ref && top + 1 != count) {
    int gap = 0;
    while (gap < top && has_index(l, want, gap))
      gap++;
    ep__diag_add(&v->d, &top_ref->loc, "%s: %s %s has index %d but no index %d",
                 v->labels[i], tag, list_names[which], top, gap);
  }
}

/* Each tag that only the "*" spec covers is held to that spec's counts
 * (checked once, at its first reference). */
static void check_wild_counts(vctx *v, size_t i, int which,
                              const ep_port_spec *l) {
  const ep_ref_list *refs = node_list(&v->cfg->nodes[i], which);
  for (size_t k = 0; k < refs->n; k++) {
    const char *tag = refs->v[k].tag;
    const ep_port_spec *s = spec_find(l, tag);
    bool first = true;
    for (size_t j = 0; j < k && first; j++)
      first = strcmp(refs->v[j].tag, tag) != 0;
    if (s && first && strcmp(s->tag, ANY_TAG) == 0)
      check_tag_count(v, i, which, s, tag);
  }
}

static void check_ports(vctx *v, size_t i) {
  const ep_calculator_def *def = v->defs[i];
  for (int which = IN; which <= OUT_SIDE; which++) {
    const ep_port_spec *l = def_list(def, which);
    const ep_ref_list *refs = node_list(&v->cfg->nodes[i], which);
    for (size_t k = 0; k < refs->n; k++)
      if (!spec_find(l, refs->v[k].tag))
        undeclared_tag(v, i, which, &refs->v[k], l);
    for (size_t k = 0; l && l[k].tag; k++)
      if (strcmp(l[k].tag, ANY_TAG) != 0)
        check_tag_count(v, i, which, &l[k], l[k].tag);
    check_wild_counts(v, i, which, l);
  }
}

/* --- producers and consumers --------------------------------------------- */

static const producer *find_producer(const ptable *t, const char *name) {
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->v[i].name, name) == 0)
      return &t->v[i];
  return NULL;
}

static const ep_stream_ref *producer_ref(const vctx *v, const producer *p,
                                         bool side) {
  if (p->node == GRAPH)
    return side ? &v->cfg->input_side_packet.v[p->port]
                : &v->cfg->input_stream.v[p->port];
  const ep_node_config *n = &v->cfg->nodes[p->node];
  return side ? &n->output_side_packet.v[p->port]
              : &n->output_stream.v[p->port];
}

static void add_producer(vctx *v, ptable *t, producer p, bool side) {
  const producer *old = find_producer(t, p.name);
  if (old) {
    const char *what = side ? "side packet" : "stream";
    const char *graph_list = side ? "input_side_packet" : "input_stream";
    const ep_stream_ref *r = producer_ref(v, &p, side);
    char *second =
        p.node == GRAPH ? ep__strdup_printf("graph %s", graph_list) : NULL;
    const char *first_label = old->node == GRAPH ? NULL : v->labels[old->node];
    ep__diag_add(
        &v->d, &r->loc, "%s: %s '%s' is also produced by %s%s (line %d)",
        second ? second : v->labels[p.node], what, p.name,
        first_label ? first_label : "graph ", first_label ? "" : graph_list,
        producer_ref(v, old, side)->loc.line);
    free(second);
    return;
  }
  producer *nv = realloc(t->v, (t->n + 1) * sizeof *nv);
  if (!nv) {
    ep__diag_add(&v->d, NULL, "out of memory");
    return;
  }
  t->v = nv;
  t->v[t->n++] = p;
}

static void build_producers(vctx *v, bool side) {
  ptable *t = side ? &v->sides : &v->streams;
  const ep_ref_list *g =
      side ? &v->cfg->input_side_packet : &v->cfg->input_stream;
  for (size_t k = 0; k < g->n; k++)
    add_producer(v, t, (producer){g->v[k].name, GRAPH, k}, side);
  for (size_t i = 0; i < v->cfg->n_nodes; i++) {
    const ep_ref_list *l = node_list(&v->cfg->nodes[i], side ? OUT_SIDE : OUT);
    for (size_t k = 0; k < l->n; k++)
      add_producer(v, t, (producer){l->v[k].name, i, k}, side);
  }
}

static void check_consumers(vctx *v) {
  for (size_t i = 0; i < v->cfg->n_nodes; i++) {
    const ep_node_config *n = &v->cfg->nodes[i];
    for (size_t k = 0; k < n->input_stream.n; k++) {
      const ep_stream_ref *r = &n->input_stream.v[k];
      if (!find_producer(&v->streams, r->name))
        ep__diag_add(&v->d, &r->loc,
                     "%s: input stream '%s' is produced by no node and is "
                     "not a graph input_stream",
                     v->labels[i], r->name);
    }
    for (size_t k = 0; k < n->input_side_packet.n; k++) {
      const ep_stream_ref *r = &n->input_side_packet.v[k];
      if (!find_producer(&v->sides, r->name))
        ep__diag_add(&v->d, &r->loc,
                     "%s: input side packet '%s' is provided by no node and "
                     "is not a graph input_side_packet",
                     v->labels[i], r->name);
    }
  }
  for (size_t k = 0; k < v->cfg->output_stream.n; k++) {
    const ep_stream_ref *r = &v->cfg->output_stream.v[k];
    if (!find_producer(&v->streams, r->name))
      ep__diag_add(&v->d, &r->loc,
                   "graph output_stream '%s' is produced by no node", r->name);
  }
  for (size_t k = 0; k < v->cfg->output_side_packet.n; k++) {
    const ep_stream_ref *r = &v->cfg->output_side_packet.v[k];
    if (!find_producer(&v->sides, r->name))
      ep__diag_add(&v->d, &r->loc,
                   "graph output_side_packet '%s' is provided by no node",
                   r->name);
  }
}

/* --- types --------------------------------------------------------------- */

/* The output's type when it is fixed by the contract; NULL while a
 * same_as output waits for its input's producer. */
static const char *declared_out_type(const ep_calculator_def *def,
                                     const ep_stream_ref *r) {
  const ep_port_spec *s = def ? spec_find(def->outputs, r->tag) : NULL;
  if (!s)
    return EP_TYPE_ANY_NAME;
  return s->same_as ? NULL : type_or_any(s->type);
}

static const char *producer_type(const vctx *v, const producer *p) {
  if (!p || p->node == GRAPH)
    return EP_TYPE_ANY_NAME;
  return v->types[v->type_base[p->node] + p->port];
}

/* One step for a same_as output: its input's producer's type, or the
 * contract's own type when that input is not wired. */
static const char *same_as_step(const vctx *v, size_t i,
                                const ep_stream_ref *r) {
  const ep_node_config *n = &v->cfg->nodes[i];
  const ep_port_spec *s = spec_find(v->defs[i]->outputs, r->tag);
  const char *tag = strcmp(s->same_as, ANY_TAG) == 0 ? r->tag : s->same_as;
  for (size_t k = 0; k < n->input_stream.n; k++) {
    const ep_stream_ref *in = &n->input_stream.v[k];
    if (strcmp(in->tag, tag) == 0 && in->index == r->index)
      return producer_type(v, find_producer(&v->streams, in->name));
  }
  return type_or_any(s->type);
}

static bool resolve_types(vctx *v) {
  size_t total = 0;
  v->type_base = malloc((v->cfg->n_nodes + 1) * sizeof *v->type_base);
  for (size_t i = 0; v->type_base && i < v->cfg->n_nodes; i++) {
    v->type_base[i] = total;
    total += v->cfg->nodes[i].output_stream.n;
  }
  v->types = malloc((total + 1) * sizeof *v->types);
  if (!v->type_base || !v->types)
    return false;
  for (size_t i = 0; i < v->cfg->n_nodes; i++)
    for (size_t k = 0; k < v->cfg->nodes[i].output_stream.n; k++)
      v->types[v->type_base[i] + k] =
          declared_out_type(v->defs[i], &v->cfg->nodes[i].output_stream.v[k]);
  /* Each round settles at least one more output of any chain, so n+1
   * rounds reach the fixed point; what is left loops on itself. */
  for (size_t round = 0, changed = 1; changed && round <= total; round++) {
    changed = 0;
    for (size_t i = 0; i < v->cfg->n_nodes; i++)
      for (size_t k = 0; k < v->cfg->nodes[i].output_stream.n; k++) {
        const char **t = &v->types[v->type_base[i] + k];
        if (*t)
          continue;
        *t = same_as_step(v, i, &v->cfg->nodes[i].output_stream.v[k]);
        changed |= *t != NULL;
      }
  }
  for (size_t k = 0; k < total; k++)
    if (!v->types[k])
      v->types[k] = EP_TYPE_ANY_NAME;
  return true;
}

static bool types_match(const char *a, const char *b) {
  return strcmp(a, EP_TYPE_ANY_NAME) == 0 || strcmp(b, EP_TYPE_ANY_NAME) == 0 ||
         strcmp(a, b) == 0;
}

static char *producer_desc(const vctx *v, const producer *p, bool side) {
  if (p->node == GRAPH)
    return ep__strdup_printf("graph %s",
                             side ? "input_side_packet" : "input_stream");
  return strdup(v->labels[p->node]);
}

static void check_input_types(vctx *v, size_t i, bool side) {
  const ep_node_config *n = &v->cfg->nodes[i];
  const ep_ref_list *l = side ? &n->input_side_packet : &n->input_stream;
  const ep_port_spec *specs =
      side ? v->defs[i]->input_side : v->defs[i]->inputs;
  for (size_t k = 0; k < l->n; k++) {
    const ep_stream_ref *r = &l->v[k];
    const ep_port_spec *s = spec_find(specs, r->tag);
    const producer *p = find_producer(side ? &v->sides : &v->streams, r->name);
    if (!s || !p)
      continue;
    const char *want = type_or_any(s->type), *have;
    if (side) {
      const ep_calculator_def *pd = p->node == GRAPH ? NULL : v->defs[p->node];
      const ep_port_spec *ps =
          pd ? spec_find(pd->output_side, producer_ref(v, p, true)->tag) : NULL;
      have = ps && !ps->same_as ? type_or_any(ps->type) : EP_TYPE_ANY_NAME;
    } else {
      have = producer_type(v, p);
    }
    if (types_match(have, want))
      continue;
    char *from = producer_desc(v, p, side);
    ep__diag_add(&v->d, &r->loc,
                 "%s: %s '%s:%d' takes %s, but %s '%s' carries %s from %s",
                 v->labels[i], side ? "input_side_packet" : "input_stream",
                 r->tag, r->index, want, side ? "side packet" : "stream",
                 r->name, have, from ? from : "its producer");
    free(from);
  }
}

/* --- back edges and cycles ----------------------------------------------- */

static void check_stream_info(vctx *v, size_t i) {
  const ep_node_config *n = &v->cfg->nodes[i];
  for (size_t k = 0; k < n->n_stream_info; k++) {
    const ep_stream_info *info = &n->stream_info[k];
    bool found = false;
    for (size_t j = 0; j < n->input_stream.n && !found; j++)
      found = strcmp(n->input_stream.v[j].tag, info->tag) == 0 &&
              n->input_stream.v[j].index == info->index;
    if (!found)
      ep__diag_add(&v->d, &info->loc,
                   "%s: input_stream_info tag_index '%s:%d' names no input "
                   "stream of this node",
                   v->labels[i], info->tag, info->index);
  }
}

/* The producer node of each input that counts for cycles (GRAPH for graph
 * inputs, unknown streams and back edges). */
static bool build_preds(vctx *v) {
  size_t total = 0, n = v->cfg->n_nodes;
  v->pred_base = malloc((n + 1) * sizeof *v->pred_base);
  for (size_t i = 0; v->pred_base && i < n; i++) {
    v->pred_base[i] = total;
    total += v->cfg->nodes[i].input_stream.n;
  }
  v->preds = malloc((total + 1) * sizeof *v->preds);
  if (!v->pred_base || !v->preds)
    return false;
  for (size_t i = 0; i < n; i++) {
    const ep_ref_list *l = &v->cfg->nodes[i].input_stream;
    for (size_t k = 0; k < l->n; k++) {
      const producer *p =
          l->v[k].back_edge ? NULL : find_producer(&v->streams, l->v[k].name);
      v->preds[v->pred_base[i] + k] = p ? p->node : GRAPH;
    }
  }
  return true;
}

static size_t pred(const vctx *v, size_t i, size_t k) {
  return v->preds[v->pred_base[i] + k];
}

/* Kahn's algorithm over the nodes not yet `gone`; marks what it removes. */
static void peel(const vctx *v, bool *gone) {
  size_t n = v->cfg->n_nodes;
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < n; i++) {
      if (gone[i])
        continue;
      bool ready = true;
      for (size_t k = 0; k < v->cfg->nodes[i].input_stream.n && ready; k++) {
        size_t p = pred(v, i, k);
        ready = p == GRAPH || gone[p];
      }
      if (ready)
        gone[i] = progress = true;
    }
  }
}

/* Walks predecessors from start (a node left by peel) until a node
 * repeats, and reports the loop it found. */
static void report_cycle(vctx *v, size_t start, bool *gone) {
  size_t n = v->cfg->n_nodes;
  size_t *order = malloc(n * sizeof *order), *pos = malloc(n * sizeof *pos);
  if (!order || !pos) {
    free(order);
    free(pos);
    gone[start] = true;
    return;
  }
  for (size_t i = 0; i < n; i++)
    pos[i] = GRAPH;
  size_t len = 0, cur = start;
  while (pos[cur] == GRAPH) {
    pos[cur] = len;
    order[len++] = cur;
    size_t next = cur;
    for (size_t k = 0; k < v->cfg->nodes[cur].input_stream.n; k++) {
      size_t p = pred(v, cur, k);
      if (p != GRAPH && !gone[p]) {
        next = p;
        break;
      }
    }
    cur = next;
  }
  /* order[pos[cur]..len) walks the loop backwards; print it forwards. */
  size_t first = pos[cur], best = len - 1;
  for (size_t k = first; k < len; k++)
    if (order[k] < order[best])
      best = k;
  size_t cap = 64;
  for (size_t k = first; k < len; k++)
    cap += strlen(v->cfg->nodes[order[k]].canonical_name) + 4;
  char *s = calloc(1, cap + strlen(v->cfg->nodes[order[best]].canonical_name));
  for (size_t j = 0, k = best; s && j <= len - first; j++) {
    strcat(strcat(s, j ? " -> " : ""), v->cfg->nodes[order[k]].canonical_name);
    k = k == first ? len - 1 : k - 1;
  }
  ep__diag_add(&v->d, &v->cfg->nodes[order[best]].loc,
               "cycle not broken by a back edge: %s (mark the input that "
               "closes it with input_stream_info { back_edge: true })",
               s ? s : "out of memory");
  for (size_t k = first; k < len; k++)
    gone[order[k]] = true;
  free(s);
  free(order);
  free(pos);
}

static void check_cycles(vctx *v) {
  size_t n = v->cfg->n_nodes;
  bool *gone = calloc(n + 1, sizeof *gone);
  if (!gone || !build_preds(v)) {
    free(gone);
    ep__diag_add(&v->d, NULL, "out of memory");
    return;
  }
  for (;;) {
    peel(v, gone);
    size_t left = 0;
    while (left < n && gone[left])
      left++;
    if (left == n)
      break;
    report_cycle(v, left, gone);
  }
  free(gone);
}

/* --- executors, handlers, options ---------------------------------------- */

static void check_executors(vctx *v) {
  const ep_graph_config *g = v->cfg;
  for (size_t i = 0; i < g->n_executors; i++) {
    const ep_executor_config *e = &g->executors[i];
    for (size_t j = 0; j < i; j++)
      if (strcmp(g->executors[j].name, e->name) == 0) {
        ep__diag_add(&v->d, &e->loc,
                     "executor '%s' is declared twice (first at line %d)",
                     e->name, g->executors[j].loc.line);
        break;
      }
    if (e->type && strcmp(e->type, "ThreadPoolExecutor") != 0)
      ep__diag_add(&v->d, &e->loc,
                   "executor '%s' has unknown type '%s' (the only type is "
                   "ThreadPoolExecutor)",
                   e->name, e->type);
  }
}

static void check_node_executor(vctx *v, size_t i) {
  const ep_node_config *n = &v->cfg->nodes[i];
  if (!n->executor || !*n->executor)
    return; /* the default pool */
  ep_suggest s;
  ep__suggest_init(&s, n->executor);
  for (size_t k = 0; k < v->cfg->n_executors; k++) {
    if (strcmp(v->cfg->executors[k].name, n->executor) == 0)
      return;
    ep__suggest_add(&s, v->cfg->executors[k].name);
  }
  const char *hint = ep__suggest_best(&s);
  ep__diag_add(&v->d, &n->executor_loc,
               "%s: executor '%s' is not declared by the graph%s%s%s",
               v->labels[i], n->executor, hint ? "; did you mean '" : "",
               hint ? hint : "", hint ? "'?" : "");
}

static void check_handler(vctx *v, size_t i) {
  const ep_node_config *n = &v->cfg->nodes[i];
  const char *h = n->input_stream_handler;
  if (!h || strcmp(h, "Default") == 0 || strcmp(h, "Immediate") == 0)
    return;
  ep__diag_add(&v->d, &n->input_stream_handler_loc,
               "%s: unknown input_stream_handler '%s' (known: "
               "DefaultInputStreamHandler, ImmediateInputStreamHandler)",
               v->labels[i], h);
}

/* --- driver -------------------------------------------------------------- */

static void check_nodes(vctx *v) {
  for (size_t i = 0; i < v->cfg->n_nodes; i++) {
    const ep_node_config *n = &v->cfg->nodes[i];
    check_stream_info(v, i);
    check_node_executor(v, i);
    check_handler(v, i);
    if (!v->defs[i])
      continue;
    check_ports(v, i);
    check_input_types(v, i, false);
    check_input_types(v, i, true);
    ep__options_check(n->options, v->defs[i]->options, v->labels[i], &n->loc,
                      &v->d);
  }
}

static void vctx_free(vctx *v) {
  for (size_t i = 0; v->labels && i < v->cfg->n_nodes; i++)
    free(v->labels[i]);
  free(v->labels);
  free(v->defs);
  free(v->streams.v);
  free(v->sides.v);
  free(v->types);
  free(v->type_base);
  free(v->preds);
  free(v->pred_base);
}

static bool vctx_init(vctx *v, const ep_graph_config *cfg) {
  memset(v, 0, sizeof *v);
  v->cfg = cfg;
  size_t n = cfg->n_nodes + 1;
  v->defs = calloc(n, sizeof *v->defs);
  v->labels = calloc(n, sizeof *v->labels);
  if (!v->defs || !v->labels)
    return false;
  for (size_t i = 0; i < cfg->n_nodes; i++) {
    v->defs[i] = ep_calculator_find(cfg->nodes[i].calculator);
    if (!(v->labels[i] = ep__node_label(cfg, i)))
      return false;
  }
  return true;
}

int ep__graph_config_validate(const ep_graph_config *cfg, char **err) {
  *err = NULL;
  vctx v;
  if (!vctx_init(&v, cfg)) {
    vctx_free(&v);
    *err = strdup("out of memory");
    return EP_ENOMEM;
  }
  check_calculators(&v);
  check_names(&v);
  build_producers(&v, false);
  build_producers(&v, true);
  check_consumers(&v);
  if (!resolve_types(&v))
    ep__diag_add(&v.d, NULL, "out of memory");
  else
    check_nodes(&v);
  check_cycles(&v);
  check_executors(&v);
  ep__profiler_settings ps;
  ep__profiler_settings_read(cfg->profiler_config, &ps, &v.d);
  int rc = v.d.count ? EP_EVALIDATE : 0;
  *err = ep__diag_take(&v.d);
  vctx_free(&v);
  return rc;
}

const char **ep__graph_config_output_types(const ep_graph_config *cfg) {
  vctx v;
  const char **types = NULL;
  if (vctx_init(&v, cfg)) {
    build_producers(&v, false);
    if (resolve_types(&v)) {
      types = v.types;
      v.types = NULL;
    }
  }
  ep__diag_clear(&v.d);
  vctx_free(&v);
  return types;
}
