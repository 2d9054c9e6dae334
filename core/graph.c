/* graph.c — the graph object: built from a validated config, started with
 * side packets, fed and observed through the API in graph.h, and torn
 * down. The scheduling itself is in scheduler.c.
 *
 * Building: one ep__stream per stream name (graph input streams and node
 * outputs), one ep__input per consumer. Each node's ports are grouped by
 * tag (see ep__ports) so the context finds tag:index in one step.
 *
 * Locking: see graph_internal.h. Before start nothing runs and the API
 * thread owns everything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calculator_context.h"
#include "diag.h"
#include "edgepipe/registry.h"
#include "graph_internal.h"
#include "options.h"

#define DEFAULT_MAX_QUEUE 100
#define MAX_BATCH 64

/* --- building ----------------------------------------------------------------
 */

static ep__stream *stream_find(const ep_graph *g, const char *name) {
  for (size_t i = 0; i < g->n_streams; i++)
    if (strcmp(g->streams[i]->name, name) == 0)
      return g->streams[i];
  return NULL;
}

/* Arrays built one item at a time: capacity 4, then doubling. */
static int grow(void **v, size_t n, size_t size) {
  if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
    return 0;
  void *p = realloc(*v, (n ? n * 2 : 4) * size);
  if (!p)
    return EP_ENOMEM;
  *v = p;
  return 0;
}

static ep__stream *stream_add(ep_graph *g, const char *name, ep__node *prod,
                              int slot) {
  ep__stream *s = calloc(1, sizeof *s);
  if (!s || grow((void **)&g->streams, g->n_streams, sizeof *g->streams)) {
    free(s);
    return NULL;
  }
  s->name = name;
  s->producer = prod;
  s->slot = slot;
  s->prod_next = EP_TS_PRESTREAM;
  s->next = EP_TS_PRESTREAM;
  g->streams[g->n_streams++] = s;
  return s;
}

static ep__input *input_add(ep__stream *s, ep__node *n, int slot) {
  ep__input *in = calloc(1, sizeof *in);
  if (!in ||
      grow((void **)&s->consumers, s->n_consumers, sizeof *s->consumers)) {
    free(in);
    return NULL;
  }
  in->src = s;
  in->node = n;
  in->slot = slot;
  s->consumers[s->n_consumers++] = in;
  return in;
}

/* Groups refs by tag, in order of first appearance; slots follow. */
static int ports_build(ep__ports *p, const ep_ref_list *refs) {
  p->groups = calloc(refs->n ? refs->n : 1, sizeof *p->groups);
  if (!p->groups)
    return EP_ENOMEM;
  for (size_t i = 0; i < refs->n; i++) {
    const ep_stream_ref *r = &refs->v[i];
    int k = 0;
    while (k < p->n_groups && strcmp(p->groups[k].tag, r->tag) != 0)
      k++;
    if (k == p->n_groups)
      p->groups[p->n_groups++].tag = r->tag;
    if (r->index + 1 > p->groups[k].count)
      p->groups[k].count = r->index + 1;
  }
  for (int k = 0; k < p->n_groups; k++) {
    p->groups[k].first = p->n;
    p->n += p->groups[k].count;
  }
  return 0;
}

static int ref_slot(const ep__ports *p, const ep_stream_ref *r) {
  return ep__ports_slot(p, r->tag, r->index);
}

static int node_outputs(ep_graph *g, ep__node *n) {
  const ep_ref_list *refs = &n->cfg->output_stream;
  if (ports_build(&n->out_ports, refs) < 0)
    return EP_ENOMEM;
  n->out = calloc((size_t)n->out_ports.n + 1, sizeof *n->out);
  if (!n->out)
    return EP_ENOMEM;
  for (size_t i = 0; i < refs->n; i++) {
    int slot = ref_slot(&n->out_ports, &refs->v[i]);
    n->out[slot] = stream_add(g, refs->v[i].name, n, slot);
    if (!n->out[slot])
      return EP_ENOMEM;
  }
  return 0;
}

static int node_sides(ep__node *n) {
  const ep_node_config *c = n->cfg;
  if (ports_build(&n->side_in_ports, &c->input_side_packet) < 0 ||
      ports_build(&n->side_out_ports, &c->output_side_packet) < 0)
    return EP_ENOMEM;
  n->side_in = calloc((size_t)n->side_in_ports.n + 1, sizeof *n->side_in);
  n->side_in_names =
      calloc((size_t)n->side_in_ports.n + 1, sizeof *n->side_in_names);
  n->side_out_names =
      calloc((size_t)n->side_out_ports.n + 1, sizeof *n->side_out_names);
  if (!n->side_in || !n->side_in_names || !n->side_out_names)
    return EP_ENOMEM;
  for (size_t i = 0; i < c->input_side_packet.n; i++) {
    const ep_stream_ref *r = &c->input_side_packet.v[i];
    n->side_in_names[ref_slot(&n->side_in_ports, r)] = r->name;
  }
  for (size_t i = 0; i < c->output_side_packet.n; i++) {
    const ep_stream_ref *r = &c->output_side_packet.v[i];
    n->side_out_names[ref_slot(&n->side_out_ports, r)] = r->name;
  }
  return 0;
}

static int node_inputs(ep_graph *g, ep__node *n, char **err) {
  const ep_ref_list *refs = &n->cfg->input_stream;
  if (ports_build(&n->in_ports, refs) < 0)
    return EP_ENOMEM;
  n->in = calloc((size_t)n->in_ports.n + 1, sizeof *n->in);
  if (!n->in)
    return EP_ENOMEM;
  for (size_t i = 0; i < refs->n; i++) {
    const ep_stream_ref *r = &refs->v[i];
    ep__stream *s = stream_find(g, r->name);
    if (!s) {
      *err = ep__strdup_printf("node '%s' (%s): no stream '%s'", n->name,
                               n->def->name, r->name);
      return EP_EVALIDATE;
    }
    int slot = ref_slot(&n->in_ports, r);
    n->in[slot] = input_add(s, n, slot);
    if (!n->in[slot])
      return EP_ENOMEM;
    n->in[slot]->back_edge = r->back_edge;
  }
  n->is_source = n->in_ports.n == 0;
  return 0;
}

static ep__executor *executor_find(ep_graph *g, const char *name) {
  for (size_t i = 0; i < g->n_ex; i++)
    if (strcmp(g->ex[i].name, name ? name : "") == 0)
      return &g->ex[i];
  return NULL;
}

static int node_new(ep_graph *g, size_t i, char **err) {
  const ep_node_config *c = &g->cfg->nodes[i];
  ep__node *n = calloc(1, sizeof *n);
  if (!n)
    return EP_ENOMEM;
  g->nodes[i] = n;
  n->g = g;
  n->id = (int)i;
  n->cfg = c;
  n->name = c->canonical_name ? c->canonical_name
            : c->name         ? c->name
                              : c->calculator;
  n->def = ep_calculator_find(c->calculator);
  if (!n->def) {
    *err = ep__strdup_printf("node '%s': unknown calculator '%s'", n->name,
                             c->calculator);
    return EP_ENOTFOUND;
  }
  const char *h = c->input_stream_handler ? c->input_stream_handler
                                          : n->def->input_stream_handler;
  n->immediate = h && strncmp(h, "Immediate", 9) == 0;
  n->ex = executor_find(g, c->executor);
  if (!n->ex) {
    *err = ep__strdup_printf("node '%s' (%s): no executor '%s'", n->name,
                             n->def->name, c->executor);
    return EP_ENOTFOUND;
  }
  n->opts = ep__options_new(c->options, n->def->options);
  n->state = calloc(1, n->def->state_size ? n->def->state_size : 1);
  if (!n->opts || !n->state || node_outputs(g, n) < 0 || node_sides(n) < 0)
    return EP_ENOMEM;
  return 0;
}

static int cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (int)n;
}

static int executors_build(ep_graph *g) {
  const ep_graph_config *c = g->cfg;
  g->ex = calloc(c->n_executors + 1, sizeof *g->ex);
  if (!g->ex)
    return EP_ENOMEM;
  g->ex[0].name = strdup("");
  g->ex[0].n_threads = c->num_threads;
  g->n_ex = 1;
  for (size_t i = 0; i < c->n_executors; i++) {
    const ep_executor_config *e = &c->executors[i];
    ep__executor *x = e->name && *e->name ? &g->ex[g->n_ex++] : &g->ex[0];
    if (x != &g->ex[0])
      x->name = strdup(e->name);
    if (e->num_threads > 0)
      x->n_threads = e->num_threads;
  }
  for (size_t i = 0; i < g->n_ex; i++) {
    if (!g->ex[i].name || uv_cond_init(&g->ex[i].cond) != 0)
      return EP_ENOMEM;
    g->ex[i].cond_ready = true;
    if (g->ex[i].n_threads < 1)
      g->ex[i].n_threads = cores();
  }
  return 0;
}

static long max_queue_of(const ep_graph_config *c) {
  if (!c->has_max_queue_size || c->max_queue_size == 0)
    return DEFAULT_MAX_QUEUE;
  return c->max_queue_size < 0 ? 0 : c->max_queue_size;
}

static int build(ep_graph *g, char **err) {
  const ep_graph_config *c = g->cfg;
  g->max_queue = max_queue_of(c);
  g->report_deadlock = c->report_deadlock;
  if (uv_mutex_init(&g->lock) != 0)
    return EP_ENOMEM;
  if (uv_cond_init(&g->changed) != 0) {
    uv_mutex_destroy(&g->lock);
    return EP_ENOMEM;
  }
  g->sync_ready = true;
  int rc = executors_build(g);
  g->inputs = calloc(c->input_stream.n + 1, sizeof *g->inputs);
  g->nodes = calloc(c->n_nodes + 1, sizeof *g->nodes);
  if (rc < 0 || !g->inputs || !g->nodes)
    return EP_ENOMEM;
  for (size_t i = 0; i < c->input_stream.n; i++) {
    g->inputs[i] = stream_add(g, c->input_stream.v[i].name, NULL, 0);
    if (!g->inputs[i])
      return EP_ENOMEM;
    g->n_inputs++;
  }
  for (size_t i = 0; i < c->n_nodes; i++, g->n_nodes++)
    if ((rc = node_new(g, i, err)) < 0) {
      g->n_nodes++;
      return rc;
    }
  g->n_cfg_nodes = g->n_nodes;
  for (size_t i = 0; i < g->n_nodes; i++)
    if ((rc = node_inputs(g, g->nodes[i], err)) < 0)
      return rc;
  return 0;
}

static int create(ep_graph_config *cfg, ep_graph **out, char **err) {
  int rc = ep__graph_config_validate(cfg, err);
  if (rc < 0) {
    ep__graph_config_free(cfg);
    return rc;
  }
  ep_graph *g = calloc(1, sizeof *g);
  if (!g) {
    ep__graph_config_free(cfg);
    return EP_ENOMEM;
  }
  g->cfg = cfg;
  atomic_init(&g->stop_sources, false);
  char *msg = NULL;
  rc = build(g, &msg);
  if (rc == 0)
    rc = ep__profile_configure(g);
  if (rc < 0) {
    if (err)
      *err = msg ? msg : strdup(ep_strerror(rc));
    else
      free(msg);
    ep_graph_destroy(g);
    return rc;
  }
  *out = g;
  return 0;
}

/* Hands msg to the caller when it asked for messages, else frees it. */
static void give_message(char *msg, char **err) {
  if (err)
    *err = msg;
  else
    free(msg);
}

int ep__graph_create_from_config(ep_graph_config *cfg, ep_graph **out,
                                 char **err) {
  if (err)
    *err = NULL;
  if (!cfg || !out) {
    ep__graph_config_free(cfg);
    return EP_EINVAL;
  }
  *out = NULL;
  char *msg = NULL;
  int rc = create(cfg, out, &msg);
  give_message(msg, err);
  return rc;
}

int ep_graph_create_from_file(const char *path, ep_graph **out, char **err) {
  if (err)
    *err = NULL;
  if (!path || !out)
    return EP_EINVAL;
  *out = NULL;
  /* The loaders always write a message; callers may not want one. */
  char *msg = NULL;
  ep_graph_config *cfg = NULL;
  int rc = ep__graph_config_load_file(path, &cfg, &msg);
  if (rc >= 0)
    rc = create(cfg, out, &msg);
  give_message(msg, err);
  return rc;
}

int ep_graph_create_from_string(const char *text, size_t len,
                                const char *format, const char *name,
                                ep_graph **out, char **err) {
  if (err)
    *err = NULL;
  if (!text || !format || !out)
    return EP_EINVAL;
  *out = NULL;
  char *msg = NULL;
  ep_graph_config *cfg = NULL;
  int rc = ep__graph_config_load_string(text, len, format, name, &cfg, &msg);
  if (rc >= 0)
    rc = create(cfg, out, &msg);
  give_message(msg, err);
  return rc;
}

/* The state, read under the lock: workers change it. */
static int get_state(ep_graph *g) {
  uv_mutex_lock(&g->lock);
  int st = g->state;
  uv_mutex_unlock(&g->lock);
  return st;
}

int ep_graph_set_num_threads(ep_graph *g, int n) {
  if (!g || n < 1)
    return EP_EINVAL;
  if (get_state(g) != EP__CREATED || g->start_claimed)
    return EP_ESTATE;
  g->threads_override = n;
  return 0;
}

/* --- observers and pollers
 * ----------------------------------------------------- */

static int observer_process(ep_calc_ctx *ctx) {
  ep__node *n = ctx->node;
  ep_packet *p = ctx->inputs[0];
  int rc = p ? n->obs_fn(n->obs_user, p) : 0;
  return rc < 0 ? ep_ctx_fail(ctx, rc, "observer callback failed: %s",
                              ep_strerror(rc))
                : 0;
}

static const ep_calculator_def observer_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "GraphObserver",
    .input_stream_handler = "Immediate",
    .process = observer_process,
};

int ep_graph_observe(ep_graph *g, const char *name, ep_observer_fn fn,
                     void *user) {
  if (!g || !name || !fn)
    return EP_EINVAL;
  if (get_state(g) != EP__CREATED || g->start_claimed)
    return EP_ESTATE;
  ep__stream *s = stream_find(g, name);
  if (!s)
    return EP_ENOTFOUND;
  ep__node *n = calloc(1, sizeof *n);
  ep__node **v = n ? realloc(g->nodes, (g->n_nodes + 1) * sizeof *v) : NULL;
  if (!v) {
    free(n);
    return EP_ENOMEM;
  }
  g->nodes = v;
  g->nodes[g->n_nodes++] = n;
  n->g = g;
  n->id = (int)g->n_nodes - 1;
  n->def = &observer_def;
  n->name = s->name;
  n->immediate = true;
  n->ex = &g->ex[0];
  n->obs_fn = fn;
  n->obs_user = user;
  n->in_ports.groups = calloc(1, sizeof *n->in_ports.groups);
  n->in = calloc(1, sizeof *n->in);
  if (!n->in_ports.groups || !n->in)
    return EP_ENOMEM;
  n->in_ports.groups[0].tag = "";
  n->in_ports.groups[0].count = 1;
  n->in_ports.n_groups = 1;
  n->in_ports.n = 1;
  n->in[0] = input_add(s, n, 0);
  return n->in[0] ? 0 : EP_ENOMEM;
}

int ep_graph_poller(ep_graph *g, const char *name, ep_poller **out) {
  if (!g || !name || !out)
    return EP_EINVAL;
  if (get_state(g) != EP__CREATED || g->start_claimed)
    return EP_ESTATE;
  ep__stream *s = stream_find(g, name);
  if (!s)
    return EP_ENOTFOUND;
  ep_poller *p = calloc(1, sizeof *p);
  if (!p)
    return EP_ENOMEM;
  p->g = g;
  p->in = input_add(s, NULL, 0);
  if (!p->in) {
    free(p);
    return EP_ENOMEM;
  }
  s->has_poller = true;
  p->next = g->pollers;
  g->pollers = p;
  *out = p;
  return 0;
}

static uint64_t mono_ns(void) { return uv_hrtime(); }

int ep_poller_next(ep_poller *p, ep_packet **out, int64_t timeout_us) {
  if (!p || !out)
    return EP_EINVAL;
  *out = NULL;
  ep_graph *g = p->g;
  uint64_t deadline =
      mono_ns() + (uint64_t)(timeout_us > 0 ? timeout_us : 0) * 1000u;
  int rc = 0;
  uv_mutex_lock(&g->lock);
  for (;;) {
    if (g->state == EP__CREATED) {
      rc = EP_ESTATE;
      break;
    }
    if (p->in->len) {
      *out = ep__input_pop(p->in);
      break;
    }
    if (ep__input_done(p->in) || g->state == EP__FINISHED || g->stopping) {
      rc = EP_STOP;
      break;
    }
    if (timeout_us < 0) {
      uv_cond_wait(&g->changed, &g->lock);
      continue;
    }
    uint64_t now = mono_ns();
    if (now >= deadline ||
        uv_cond_timedwait(&g->changed, &g->lock, deadline - now) != 0) {
      rc = p->in->len ? 0 : EP_EAGAIN;
      if (rc == 0)
        *out = ep__input_pop(p->in);
      break;
    }
  }
  uv_mutex_unlock(&g->lock);
  return rc;
}

/* --- preparing to run
 * ---------------------------------------------------------- */

/* Distance to the farthest sink, following non-back-edge consumers. The
 * validated graph has no cycle without a back edge; `mark` guards anyway. */
static int prio_of(ep__node *n, char *mark) {
  if (mark[n->id] == 2)
    return n->prio;
  if (mark[n->id] == 1)
    return 0;
  mark[n->id] = 1;
  int p = 0;
  for (int i = 0; i < n->out_ports.n; i++) {
    ep__stream *s = n->out[i];
    for (size_t k = 0; s && k < s->n_consumers; k++) {
      ep__input *c = s->consumers[k];
      if (c->node && !c->back_edge) {
        int q = prio_of(c->node, mark) + 1;
        if (q > p)
          p = q;
      }
    }
  }
  mark[n->id] = 2;
  n->prio = p;
  return p;
}

static int add_source(ep__input *in, ep__node *src, ep__stream *gsrc) {
  if (src) {
    for (size_t i = 0; i < in->n_sources; i++)
      if (in->sources[i] == src)
        return 0;
    if (grow((void **)&in->sources, in->n_sources, sizeof *in->sources))
      return EP_ENOMEM;
    in->sources[in->n_sources++] = src;
    return 0;
  }
  for (size_t i = 0; i < in->n_gsources; i++)
    if (in->gsources[i] == gsrc)
      return 0;
  if (grow((void **)&in->gsources, in->n_gsources, sizeof *in->gsources))
    return EP_ENOMEM;
  in->gsources[in->n_gsources++] = gsrc;
  return 0;
}

/* Walks upstream of stream s and records the sources in `in`. */
static int collect_sources(ep__input *in, ep__stream *s, char *seen) {
  if (!s->producer)
    return add_source(in, NULL, s);
  ep__node *n = s->producer;
  if (seen[n->id])
    return 0;
  seen[n->id] = 1;
  if (n->is_source)
    return add_source(in, n, NULL);
  for (int i = 0; i < n->in_ports.n; i++)
    if (n->in[i] && !n->in[i]->back_edge &&
        collect_sources(in, n->in[i]->src, seen) < 0)
      return EP_ENOMEM;
  return 0;
}

static int prepare_node(ep_graph *g, ep__node *n, char *seen) {
  int n_in = n->in_ports.n;
  n->batch_cap = MAX_BATCH;
  n->batch = 1;
  n->sets = calloc((size_t)(n_in ? n_in : 1) * MAX_BATCH, sizeof *n->sets);
  n->set_ts = calloc(MAX_BATCH, sizeof *n->set_ts);
  if (!n->sets || !n->set_ts || ep__ctx_init(n) < 0)
    return EP_ENOMEM;
  for (int i = 0; i < n_in; i++) {
    ep__input *in = n->in[i];
    if (!in)
      continue;
    in->max = (size_t)g->max_queue;
    memset(seen, 0, g->n_nodes);
    if (collect_sources(in, in->src, seen) < 0)
      return EP_ENOMEM;
  }
  return 0;
}

static int prepare(ep_graph *g) {
  char *mark = calloc(g->n_nodes + 1, 1);
  if (!mark)
    return EP_ENOMEM;
  if (g->threads_override)
    g->ex[0].n_threads = g->threads_override;
  int top = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    int p = prio_of(g->nodes[i], mark);
    top = p > top ? p : top;
  }
  for (size_t e = 0; e < g->n_ex; e++) {
    g->ex[e].n_prio = top + 1;
    g->ex[e].head = calloc((size_t)top + 1, sizeof *g->ex[e].head);
    g->ex[e].tail = calloc((size_t)top + 1, sizeof *g->ex[e].tail);
    if (!g->ex[e].head || !g->ex[e].tail) {
      free(mark);
      return EP_ENOMEM;
    }
  }
  int rc = 0;
  for (size_t i = 0; i < g->n_nodes && rc == 0; i++)
    rc = prepare_node(g, g->nodes[i], mark);
  free(mark);
  return rc;
}

/* --- side packets
 * ---------------------------------------------------------------- */

static ep__side *side_find(ep_graph *g, const char *name) {
  for (size_t i = 0; i < g->n_side; i++)
    if (strcmp(g->side[i].name, name) == 0)
      return &g->side[i];
  return NULL;
}

int ep__graph_set_side(ep_graph *g, const char *name, ep_packet *p) {
  int rc = 0;
  uv_mutex_lock(&g->lock);
  if (side_find(g, name))
    rc = EP_EEXIST;
  else if (grow((void **)&g->side, g->n_side, sizeof *g->side))
    rc = EP_ENOMEM;
  else if (!(g->side[g->n_side].name = strdup(name)))
    rc = EP_ENOMEM;
  else
    g->side[g->n_side++].p = p;
  uv_mutex_unlock(&g->lock);
  if (rc < 0)
    ep_packet_unref(p);
  return rc;
}

/* The port spec of tag in a contract list ("*" matches any tag). */
static const ep_port_spec *spec_of(const ep_port_spec *l, const char *tag) {
  const ep_port_spec *any = NULL;
  for (; l && l->tag; l++) {
    if (strcmp(l->tag, tag) == 0)
      return l;
    if (strcmp(l->tag, "*") == 0)
      any = l;
  }
  return any;
}

/* The type the nodes using side packet `name` declare: the first that is
 * not Any; "Any" when all are; NULL when no node uses it. */
static const char *side_type(const ep_graph *g, const char *name,
                             const ep__node **user) {
  const char *type = NULL;
  for (size_t i = 0; i < g->n_cfg_nodes; i++) {
    const ep__node *n = g->nodes[i];
    const ep_ref_list *l = &n->cfg->input_side_packet;
    for (size_t k = 0; k < l->n; k++) {
      if (strcmp(l->v[k].name, name) != 0)
        continue;
      const ep_port_spec *sp = spec_of(n->def->input_side, l->v[k].tag);
      const char *t = sp && sp->type ? sp->type : EP_TYPE_ANY_NAME;
      if (!type || strcmp(type, EP_TYPE_ANY_NAME) == 0) {
        type = t;
        if (user)
          *user = n;
      }
    }
  }
  return type;
}

static int check_side_type(ep_graph *g, const char *name, ep_packet *p) {
  const ep__node *user = NULL;
  const char *want = side_type(g, name, &user);
  const char *have = ep_packet_type(p)->name;
  if (!want || strcmp(want, EP_TYPE_ANY_NAME) == 0 || strcmp(want, have) == 0 ||
      (strcmp(want, "Path") == 0 && strcmp(have, "String") == 0))
    return 0;
  g->errmsg = ep__strdup_printf(
      "node '%s' (%s): input side packet '%s' is %s, but it needs %s",
      user->name, user->def->name, name, have, want);
  return EP_ETYPE;
}

static int store_given(ep_graph *g, const ep_side_packet *side, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!side[i].name || !side[i].packet)
      return EP_EINVAL;
    int rc = check_side_type(g, side[i].name, side[i].packet);
    if (rc == 0)
      rc = ep__graph_set_side(g, side[i].name, ep_packet_ref(side[i].packet));
    if (rc == EP_EEXIST)
      g->errmsg =
          ep__strdup_printf("side packet '%s' is given twice", side[i].name);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* True once every side packet node n reads exists; then binds them. */
static bool sides_ready(ep_graph *g, ep__node *n) {
  for (int i = 0; i < n->side_in_ports.n; i++)
    if (n->side_in_names[i] && !side_find(g, n->side_in_names[i]))
      return false;
  for (int i = 0; i < n->side_in_ports.n; i++)
    if (n->side_in_names[i])
      n->side_in[i] = ep_packet_ref(side_find(g, n->side_in_names[i])->p);
  return true;
}

static int missing_side(ep_graph *g) {
  for (size_t i = 0; i < g->n_nodes; i++) {
    ep__node *n = g->nodes[i];
    for (int k = 0; !n->opened && k < n->side_in_ports.n; k++) {
      const char *name = n->side_in_names[k];
      if (!name || side_find(g, name))
        continue;
      g->errmsg = ep__strdup_printf(
          "node '%s' (%s): input side packet '%s' was not given at start "
          "and no node produces it",
          n->name, n->def->name, name);
      return EP_EINVAL;
    }
  }
  g->errmsg = strdup("the nodes' side packets depend on each other");
  return EP_EINVAL;
}

/* --- starting
 * ---------------------------------------------------------------------- */

int ep__node_lifecycle(ep_graph *g, ep__node *n, bool open) {
  ep__ctx_begin(n, open ? EP__PHASE_OPEN : EP__PHASE_CLOSE, EP_TS_UNSTARTED,
                NULL);
  int (*fn)(ep_calc_ctx *) = open ? n->def->open : n->def->close;
  uint64_t t0 = g->trace ? ep__prof_now() : 0;
  int rc = fn ? fn(&n->ctx) : 0;
  if (g->trace)
    ep__trace_span(g->trace, n->id, open ? EP__SPAN_OPEN : EP__SPAN_CLOSE,
                   EP_TS_UNSET, t0, ep__prof_now());
  return rc >= 0 && n->ctx.err ? n->ctx.err : rc;
}

static int open_node(ep_graph *g, ep__node *n) {
  int rc = ep__node_lifecycle(g, n, true);
  n->opened = true;
  if (rc < 0) {
    if (!n->ctx.err)
      n->ctx.err = rc;
    g->errmsg = ep__ctx_error_text(n, rc);
  }
  return rc < 0 ? rc : 0;
}

/* Opens nodes whose side packets are there, until all are open. */
static int open_all(ep_graph *g) {
  size_t left = g->n_nodes;
  while (left) {
    size_t before = left;
    for (size_t i = 0; i < g->n_nodes; i++) {
      ep__node *n = g->nodes[i];
      if (n->opened || !sides_ready(g, n))
        continue;
      left--;
      int rc = open_node(g, n);
      if (rc < 0)
        return rc;
    }
    if (left == before)
      return missing_side(g);
  }
  return 0;
}

/* Closes the nodes opened before start failed. */
static void close_opened(ep_graph *g) {
  for (size_t i = 0; i < g->n_nodes; i++) {
    ep__node *n = g->nodes[i];
    if (!n->opened || n->closed)
      continue;
    ep__node_lifecycle(g, n, false);
    n->closed = true;
    for (size_t k = 0; k < n->ctx.n_outq; k++)
      ep_packet_unref(n->ctx.outq[k].p);
    n->ctx.n_outq = 0;
  }
}

int ep_graph_start(ep_graph *g, const ep_side_packet *side, size_t n) {
  if (!g || (n && !side))
    return EP_EINVAL;
  uv_mutex_lock(&g->lock);
  bool mine = g->state == EP__CREATED && !g->start_claimed;
  g->start_claimed = true;
  uv_mutex_unlock(&g->lock);
  if (!mine)
    return EP_ESTATE;
  int rc = prepare(g);
  if (rc == 0)
    rc = ep__profile_start(g);
  if (rc == 0)
    rc = store_given(g, side, n);
  if (rc == 0)
    rc = open_all(g);
  if (rc < 0) {
    close_opened(g);
    uv_mutex_lock(&g->lock);
    g->err = rc;
    g->state = EP__FINISHED;
    uv_mutex_unlock(&g->lock);
    ep__profile_finish(g);
    return rc;
  }
  uv_mutex_lock(&g->lock);
  g->state = EP__STARTED;
  for (size_t i = 0; i < g->n_nodes; i++) {
    ep__node *nd = g->nodes[i];
    ep__sched_check(g, nd);
    for (size_t k = 0; k < nd->ctx.n_outq; k++)
      ep__sched_push(g, nd->out[nd->ctx.outq[k].slot], nd->ctx.outq[k].p);
    nd->packets_out += nd->ctx.n_outq;
    nd->ctx.n_outq = 0;
    for (int k = 0; k < nd->out_ports.n; k++)
      if (nd->out[k])
        nd->out[k]->next = nd->out[k]->prod_next;
  }
  ep__sched_flush(g);
  uv_mutex_unlock(&g->lock);
  rc = ep__sched_start(g);
  if (rc < 0) {
    uv_mutex_lock(&g->lock);
    ep__sched_fail(g, rc, strdup("cannot start the executor threads"));
    uv_mutex_unlock(&g->lock);
  }
  return rc;
}

/* --- feeding
 * --------------------------------------------------------------------- */

static ep__stream *input_find(const ep_graph *g, const char *name) {
  for (size_t i = 0; i < g->n_inputs; i++)
    if (strcmp(g->inputs[i]->name, name) == 0)
      return g->inputs[i];
  return NULL;
}

/* Waits for room downstream of s (lock held). */
static int wait_room(ep_graph *g, ep__stream *s, unsigned flags) {
  while ((s->throttle > 0 || g->flushing) && !g->stopping &&
         g->state == EP__STARTED) {
    if (flags & EP_ADD_NONBLOCK)
      return EP_EAGAIN;
    s->blocked_adders++;
    ep__sched_flush(g); /* a deadlock is found here */
    if ((s->throttle > 0 || g->flushing) && !g->stopping)
      uv_cond_wait(&g->changed, &g->lock);
    s->blocked_adders--;
  }
  return g->stopping || g->state != EP__STARTED ? EP_ESTATE : 0;
}

/* Sends p (transfer full once *sent is set) on graph input stream name. */
static int add_locked(ep_graph *g, const char *name, ep_packet *p,
                      unsigned flags, bool *sent) {
  if (g->state != EP__STARTED || g->stopping)
    return EP_ESTATE;
  ep__stream *s = input_find(g, name);
  if (!s)
    return EP_ENOTFOUND;
  int rc = wait_room(g, s, flags);
  if (rc < 0)
    return rc;
  ep_timestamp ts = ep_packet_timestamp(p);
  if (s->next == EP_TS_DONE)
    return EP_ESTATE;
  if (ts < s->next || !ep_timestamp_is_allowed_in_stream(ts))
    return EP_ETIMESTAMP;
  s->next = ep_timestamp_next_allowed(ts);
  s->prod_next = s->next;
  *sent = true;
  rc = ep__sched_push(g, s, p);
  ep__sched_flush(g);
  return rc;
}

int ep_graph_add_packet(ep_graph *g, const char *name, ep_packet *p,
                        unsigned flags) {
  if (!g || !name || !p) {
    ep_packet_unref(p);
    return EP_EINVAL;
  }
  bool sent = false;
  uv_mutex_lock(&g->lock);
  int rc = add_locked(g, name, p, flags, &sent);
  uv_mutex_unlock(&g->lock);
  if (!sent)
    ep_packet_unref(p);
  return rc;
}

static void close_input_locked(ep_graph *g, ep__stream *s) {
  if (s->next == EP_TS_DONE)
    return;
  s->next = s->prod_next = EP_TS_DONE;
  for (size_t i = 0; i < s->n_consumers; i++)
    if (s->consumers[i]->node)
      ep__sched_check(g, s->consumers[i]->node);
  if (s->has_poller)
    uv_cond_broadcast(&g->changed);
}

int ep_graph_close_input(ep_graph *g, const char *name) {
  if (!g || !name)
    return EP_EINVAL;
  uv_mutex_lock(&g->lock);
  ep__stream *s = input_find(g, name);
  if (s) {
    close_input_locked(g, s);
    ep__sched_flush(g);
  }
  uv_mutex_unlock(&g->lock);
  return s ? 0 : EP_ENOTFOUND;
}

int ep_graph_close_all_inputs(ep_graph *g) {
  if (!g)
    return EP_EINVAL;
  uv_mutex_lock(&g->lock);
  for (size_t i = 0; i < g->n_inputs; i++)
    close_input_locked(g, g->inputs[i]);
  ep__sched_flush(g);
  uv_mutex_unlock(&g->lock);
  return 0;
}

/* --- ending
 * ------------------------------------------------------------------------ */

int ep_graph_wait(ep_graph *g) {
  if (!g)
    return EP_EINVAL;
  uv_mutex_lock(&g->lock);
  if (g->state == EP__CREATED) {
    uv_mutex_unlock(&g->lock);
    return EP_ESTATE;
  }
  while (g->state != EP__FINISHED)
    uv_cond_wait(&g->changed, &g->lock);
  uv_mutex_unlock(&g->lock);
  ep__sched_join(g);
  ep__profile_finish(g);
  uv_mutex_lock(&g->lock);
  int rc = g->err;
  uv_mutex_unlock(&g->lock);
  return rc;
}

void ep_graph_cancel(ep_graph *g) {
  if (!g)
    return;
  uv_mutex_lock(&g->lock);
  if (g->state == EP__STARTED)
    ep__sched_fail(g, EP_ECANCELED, strdup("graph canceled"));
  uv_mutex_unlock(&g->lock);
}

void ep_graph_stop_sources(ep_graph *g) {
  if (!g)
    return;
  uv_mutex_lock(&g->lock);
  atomic_store(&g->stop_sources, true);
  if (g->state == EP__STARTED) {
    for (size_t i = 0; i < g->n_nodes; i++)
      if (g->nodes[i]->is_source)
        ep__sched_check(g, g->nodes[i]);
    for (size_t i = 0; i < g->n_inputs; i++)
      close_input_locked(g, g->inputs[i]);
    ep__sched_flush(g);
  }
  uv_mutex_unlock(&g->lock);
}

const char *ep_graph_error(const ep_graph *g) { return g ? g->errmsg : NULL; }

ep_packet *ep_graph_side_packet(ep_graph *g, const char *name) {
  if (!g || !name)
    return NULL;
  uv_mutex_lock(&g->lock);
  ep__side *s = side_find(g, name);
  ep_packet *p = s ? ep_packet_ref(s->p) : NULL;
  uv_mutex_unlock(&g->lock);
  return p;
}

/* --- introspection and stats
 * --------------------------------------------------------- */

size_t ep_graph_input_count(const ep_graph *g) {
  return g ? g->cfg->input_stream.n : 0;
}

const char *ep_graph_input_name(const ep_graph *g, size_t i) {
  return g && i < g->cfg->input_stream.n ? g->cfg->input_stream.v[i].name
                                         : NULL;
}

size_t ep_graph_output_count(const ep_graph *g) {
  return g ? g->cfg->output_stream.n : 0;
}

const char *ep_graph_output_name(const ep_graph *g, size_t i) {
  return g && i < g->cfg->output_stream.n ? g->cfg->output_stream.v[i].name
                                          : NULL;
}

int64_t ep_graph_stream_packets(ep_graph *g, const char *name) {
  if (!g || !name)
    return -1;
  uv_mutex_lock(&g->lock);
  ep__stream *s = stream_find(g, name);
  int64_t n = s ? (int64_t)s->packets : -1;
  uv_mutex_unlock(&g->lock);
  return n;
}

static void node_stats(const ep__node *n, ep_node_stats *st) {
  st->name = n->name;
  st->calculator = n->def->name;
  st->process_calls = n->calls;
  st->packets_in = n->packets_in;
  st->packets_out = n->packets_out;
  st->drops = n->drops;
  st->time_p50_ns = ep__histogram_quantile(&n->hist, 0.50);
  st->time_p99_ns = ep__histogram_quantile(&n->hist, 0.99);
  st->time_max_ns = n->hist.max;
  st->max_queue = 0;
  for (int i = 0; i < n->in_ports.n; i++)
    if (n->in[i] && n->in[i]->peak > st->max_queue)
      st->max_queue = n->in[i]->peak;
}

int ep_graph_stats(ep_graph *g, ep_node_stats **out, size_t *n) {
  if (!g || !out || !n)
    return EP_EINVAL;
  *out = calloc(g->n_cfg_nodes + 1, sizeof **out);
  if (!*out)
    return EP_ENOMEM;
  uv_mutex_lock(&g->lock);
  for (size_t i = 0; i < g->n_cfg_nodes; i++)
    node_stats(g->nodes[i], &(*out)[i]);
  uv_mutex_unlock(&g->lock);
  *n = g->n_cfg_nodes;
  return 0;
}

/* --- side packets from text
 * ------------------------------------------------------------ */

static int parse_value(const char *type, const char *v, ep_packet **out) {
  char *end = NULL;
  if (strcmp(type, "Int") == 0) {
    long long x = strtoll(v, &end, 0);
    if (!*v || *end)
      return EP_EPARSE;
    *out = ep_packet_new_int(x, EP_TS_UNSET);
  } else if (strcmp(type, "Float") == 0) {
    double x = strtod(v, &end);
    if (!*v || *end)
      return EP_EPARSE;
    *out = ep_packet_new_float(x, EP_TS_UNSET);
  } else if (strcmp(type, "Bool") == 0) {
    bool t = !strcmp(v, "true") || !strcmp(v, "1");
    if (!t && strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
      return EP_EPARSE;
    *out = ep_packet_new_bool(t, EP_TS_UNSET);
  } else if (strcmp(type, "String") == 0 || strcmp(type, "Path") == 0 ||
             strcmp(type, EP_TYPE_ANY_NAME) == 0) {
    *out = ep_packet_new_string(v, EP_TS_UNSET);
  } else {
    return EP_EUNSUPPORTED;
  }
  return *out ? 0 : EP_ENOMEM;
}

int ep_graph_parse_side_packet(const ep_graph *g, const char *text,
                               char **name_out, ep_packet **out, char **err) {
  if (err)
    *err = NULL;
  if (!g || !text || !name_out || !out)
    return EP_EINVAL;
  *name_out = NULL;
  *out = NULL;
  const char *eq = strchr(text, '=');
  char *name = eq ? strndup(text, (size_t)(eq - text)) : NULL;
  char *msg = NULL;
  int rc = 0;
  const char *type = name && *name ? side_type(g, name, NULL) : NULL;
  if (!eq || !name || !*name) {
    rc = EP_EPARSE;
    msg = ep__strdup_printf("'%s': expected name=value", text);
  } else if (!type) {
    rc = EP_ENOTFOUND;
    msg = ep__strdup_printf("no node uses side packet '%s'", name);
  } else if ((rc = parse_value(type, eq + 1, out)) < 0) {
    msg = ep__strdup_printf("side packet '%s': '%s' is not a valid %s", name,
                            eq + 1, type);
  }
  if (rc < 0) {
    free(name);
    if (err)
      *err = msg;
    else
      free(msg);
    return rc;
  }
  *name_out = name;
  return 0;
}

/* --- destroying
 * ---------------------------------------------------------------------- */

static void ports_free(ep__ports *p) { free(p->groups); }

static void node_free(ep__node *n) {
  if (!n)
    return;
  for (int i = 0; i < n->in_ports.n; i++)
    ep__input_free(n->in[i]);
  for (int i = 0; i < n->side_in_ports.n; i++)
    ep_packet_unref(n->side_in[i]);
  ep__ctx_free(n);
  if (n->opts)
    ep__options_free(n->opts);
  ports_free(&n->in_ports);
  ports_free(&n->out_ports);
  ports_free(&n->side_in_ports);
  ports_free(&n->side_out_ports);
  free(n->in);
  free(n->out);
  free(n->side_in);
  free(n->side_in_names);
  free(n->side_out_names);
  free(n->state);
  free(n->sets);
  free(n->set_ts);
  free(n);
}

void ep_graph_destroy(ep_graph *g) {
  if (!g)
    return;
  int st = g->sync_ready ? get_state(g) : EP__CREATED;
  if (st != EP__CREATED) {
    ep_graph_cancel(g);
    ep_graph_wait(g);
  }
  ep__profile_free(g);
  for (size_t i = 0; i < g->n_nodes; i++)
    node_free(g->nodes[i]);
  while (g->pollers) {
    ep_poller *p = g->pollers;
    g->pollers = p->next;
    ep__input_free(p->in);
    free(p);
  }
  for (size_t i = 0; i < g->n_streams; i++) {
    free(g->streams[i]->consumers);
    free(g->streams[i]);
  }
  for (size_t i = 0; i < g->n_ex; i++) {
    free(g->ex[i].name);
    free(g->ex[i].threads);
    free(g->ex[i].head);
    free(g->ex[i].tail);
    if (g->ex[i].cond_ready)
      uv_cond_destroy(&g->ex[i].cond);
  }
  for (size_t i = 0; i < g->n_side; i++) {
    free(g->side[i].name);
    ep_packet_unref(g->side[i].p);
  }
  if (g->sync_ready) {
    uv_cond_destroy(&g->changed);
    uv_mutex_destroy(&g->lock);
  }
  free(g->side);
  free(g->ex);
  free(g->nodes);
  free(g->inputs);
  free(g->streams);
  free(g->errmsg);
  ep__graph_config_free(g->cfg);
  free(g);
}
