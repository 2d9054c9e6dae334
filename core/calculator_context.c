/* calculator_context.c — the ep_ctx_* functions a calculator's hooks call.
 *
 * A context belongs to its node and is used only by the thread running the
 * node, so nothing here takes the graph lock: sent packets are kept in the
 * context's queue and committed by the scheduler after the hooks return.
 * Timestamps are checked here, at the call, against the stream's producer
 * side, so the error names the call that went wrong. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calculator_context.h"
#include "diag.h"
#include "graph_internal.h"

/* Tags are compared on every port lookup, so the common cases (the same
 * string, the untagged "") skip strcmp. */
static inline bool tag_eq(const char *a, const char *b) {
  return a == b || (a[0] == b[0] && (a[0] == '\0' || strcmp(a, b) == 0));
}

int ep__ports_slot(const ep__ports *p, const char *tag, int index) {
  for (int i = 0; i < p->n_groups; i++) {
    const ep__port_group *gr = &p->groups[i];
    if (tag_eq(gr->tag, tag))
      return index >= 0 && index < gr->count ? gr->first + index : -1;
  }
  return -1;
}

int ep__ports_count(const ep__ports *p, const char *tag) {
  for (int i = 0; i < p->n_groups; i++)
    if (tag_eq(p->groups[i].tag, tag))
      return p->groups[i].count;
  return 0;
}

int ep__ctx_init(ep__node *n) {
  n->ctx.node = n;
  n->ctx.ts = EP_TS_UNSTARTED;
  if (n->out_ports.n) {
    n->ctx.touched = calloc((size_t)n->out_ports.n, sizeof *n->ctx.touched);
    if (!n->ctx.touched)
      return EP_ENOMEM;
  }
  return 0;
}

void ep__ctx_free(ep__node *n) {
  ep_calc_ctx *c = &n->ctx;
  for (size_t i = 0; i < c->n_outq; i++)
    ep_packet_unref(c->outq[i].p);
  free(c->outq);
  free(c->touched);
  free(c->msg);
  memset(c, 0, sizeof *c);
}

void ep__ctx_begin(ep__node *n, int phase, ep_timestamp ts,
                   ep_packet **inputs) {
  ep_calc_ctx *c = &n->ctx;
  c->phase = phase;
  c->ts = ts;
  c->inputs = inputs;
  c->call_no++;
}

void ep__ctx_auto_bounds(ep__node *n, ep_timestamp ts) {
  ep_timestamp next = ep_timestamp_next_allowed(ts);
  for (int i = 0; i < n->out_ports.n; i++) {
    ep__stream *s = n->out[i];
    if (s && n->ctx.touched[i] != n->ctx.call_no && s->prod_next < next)
      s->prod_next = next;
  }
}

char *ep__ctx_error_text(ep__node *n, int err) {
  const char *msg = n->ctx.msg ? n->ctx.msg : ep_strerror(err);
  return ep__strdup_printf("node '%s' (%s): %s", n->name, n->def->name, msg);
}

/* --- the hooks' API --------------------------------------------------------
 */

void *ep_ctx_state(ep_calc_ctx *ctx) { return ctx->node->state; }
const char *ep_ctx_node_name(ep_calc_ctx *ctx) { return ctx->node->name; }
const ep_options *ep_ctx_options(ep_calc_ctx *ctx) { return ctx->node->opts; }
ep_timestamp ep_ctx_timestamp(ep_calc_ctx *ctx) { return ctx->ts; }

int ep_ctx_input_count(ep_calc_ctx *ctx, const char *tag) {
  return tag ? ep__ports_count(&ctx->node->in_ports, tag) : 0;
}

int ep_ctx_output_count(ep_calc_ctx *ctx, const char *tag) {
  return tag ? ep__ports_count(&ctx->node->out_ports, tag) : 0;
}

int ep__ctx_input_tag_count(ep_calc_ctx *ctx) {
  return ctx->node->in_ports.n_groups;
}

const char *ep__ctx_input_tag(ep_calc_ctx *ctx, int i) {
  const ep__ports *p = &ctx->node->in_ports;
  return i >= 0 && i < p->n_groups ? p->groups[i].tag : NULL;
}

void ep_ctx_report_drop(ep_calc_ctx *ctx, ep_timestamp ts) {
  ctx->drops++;
  ep__trace *t = ctx->node->g->trace;
  if (t)
    ep__trace_drop(t, ctx->node->id, ts);
}

ep_packet *ep_ctx_input(ep_calc_ctx *ctx, const char *tag, int index) {
  if (!ctx->inputs || !tag)
    return NULL;
  int slot = ep__ports_slot(&ctx->node->in_ports, tag, index);
  return slot < 0 ? NULL : ctx->inputs[slot];
}

bool ep_ctx_input_done(ep_calc_ctx *ctx, const char *tag, int index) {
  int slot = tag ? ep__ports_slot(&ctx->node->in_ports, tag, index) : -1;
  if (slot < 0 || !ctx->node->in[slot])
    return true;
  ep__input *in = ctx->node->in[slot];
  /* Read under the lock: the producer may be closing it right now. */
  uv_mutex_lock(&ctx->node->g->lock);
  bool done = ep__input_done(in);
  uv_mutex_unlock(&ctx->node->g->lock);
  return done;
}

/* The output stream of tag:index, or NULL after recording a failure. */
static ep__stream *out_stream(ep_calc_ctx *ctx, const char *tag, int index,
                              int *slot) {
  *slot = tag ? ep__ports_slot(&ctx->node->out_ports, tag, index) : -1;
  ep__stream *s = *slot < 0 ? NULL : ctx->node->out[*slot];
  if (!s)
    ep_ctx_fail(ctx, EP_EINVAL, "no output stream %s:%d", tag ? tag : "(null)",
                index);
  return s;
}

static int queue_packet(ep_calc_ctx *ctx, int slot, ep_packet *p) {
  if (ctx->n_outq == ctx->cap_outq) {
    size_t cap = ctx->cap_outq ? ctx->cap_outq * 2 : 16;
    ep__out_packet *q = realloc(ctx->outq, cap * sizeof *q);
    if (!q) {
      ep_packet_unref(p);
      return ep_ctx_fail(ctx, EP_ENOMEM, "cannot queue an output packet");
    }
    ctx->outq = q;
    ctx->cap_outq = cap;
  }
  ctx->outq[ctx->n_outq].slot = slot;
  ctx->outq[ctx->n_outq].p = p;
  ctx->n_outq++;
  return 0;
}

static int bad_timestamp(ep_calc_ctx *ctx, ep__stream *s, ep_timestamp ts) {
  char a[32], b[32];
  ep_timestamp_str(ts, a, sizeof a);
  if (s->prod_next == EP_TS_DONE)
    return ep_ctx_fail(ctx, EP_ETIMESTAMP,
                       "packet at timestamp %s on output stream '%s', "
                       "which is closed",
                       a, s->name);
  if (!ep_timestamp_is_allowed_in_stream(ts))
    return ep_ctx_fail(ctx, EP_ETIMESTAMP,
                       "timestamp %s is not allowed on output stream '%s'", a,
                       s->name);
  ep_timestamp_str(s->prod_next, b, sizeof b);
  return ep_ctx_fail(ctx, EP_ETIMESTAMP,
                     "packet at timestamp %s on output stream '%s' is out of "
                     "order: the next allowed timestamp is %s",
                     a, s->name, b);
}

int ep_ctx_output_add(ep_calc_ctx *ctx, const char *tag, int index,
                      ep_packet *p) {
  int slot;
  ep__stream *s = p ? out_stream(ctx, tag, index, &slot) : NULL;
  if (!s) {
    ep_packet_unref(p);
    return p ? EP_EINVAL : ep_ctx_fail(ctx, EP_EINVAL, "NULL packet");
  }
  ep_timestamp ts = ep_packet_timestamp(p);
  if (ts < s->prod_next || !ep_timestamp_is_allowed_in_stream(ts)) {
    ep_packet_unref(p);
    return bad_timestamp(ctx, s, ts);
  }
  s->prod_next = ep_timestamp_next_allowed(ts);
  ctx->touched[slot] = ctx->call_no;
  return queue_packet(ctx, slot, p);
}

int ep_ctx_output_set_bound(ep_calc_ctx *ctx, const char *tag, int index,
                            ep_timestamp bound) {
  int slot;
  ep__stream *s = out_stream(ctx, tag, index, &slot);
  if (!s)
    return EP_EINVAL;
  ctx->touched[slot] = ctx->call_no;
  if (bound > s->prod_next)
    s->prod_next = bound;
  return 0;
}

int ep_ctx_output_close(ep_calc_ctx *ctx, const char *tag, int index) {
  int slot;
  ep__stream *s = out_stream(ctx, tag, index, &slot);
  if (!s)
    return EP_EINVAL;
  ctx->touched[slot] = ctx->call_no;
  s->prod_next = EP_TS_DONE;
  return 0;
}

ep_packet *ep_ctx_side_input(ep_calc_ctx *ctx, const char *tag, int index) {
  int slot = tag ? ep__ports_slot(&ctx->node->side_in_ports, tag, index) : -1;
  return slot < 0 ? NULL : ctx->node->side_in[slot];
}

int ep_ctx_side_output_set(ep_calc_ctx *ctx, const char *tag, int index,
                           ep_packet *p) {
  ep__node *n = ctx->node;
  int slot = tag ? ep__ports_slot(&n->side_out_ports, tag, index) : -1;
  if (ctx->phase != EP__PHASE_OPEN) {
    ep_packet_unref(p);
    return ep_ctx_fail(ctx, EP_ESTATE,
                       "output side packets can only be set in open()");
  }
  if (slot < 0 || !p || !n->side_out_names[slot]) {
    ep_packet_unref(p);
    return ep_ctx_fail(ctx, EP_EINVAL, "no output side packet %s:%d",
                       tag ? tag : "(null)", index);
  }
  return ep__graph_set_side(n->g, n->side_out_names[slot], p);
}

int ep_ctx_fail(ep_calc_ctx *ctx, int err, const char *fmt, ...) {
  if (ctx->err)
    return err; /* the first failure is the one reported */
  ctx->err = err;
  va_list ap;
  va_start(ap, fmt);
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(ctx->msg);
  ctx->msg = strdup(buf);
  return err;
}
