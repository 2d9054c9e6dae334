/* input_handler.c — when a node may run, and with which packets
 * (MediaPipe's input stream handlers). Called with the graph lock held.
 *
 * Default: the node runs at timestamp T, the smallest timestamp queued on
 * a synchronised input, once T is settled on every synchronised input:
 * each has a packet at T or later, or its stream's bound is past T (it
 * promised nothing at T). All packets at T come in one set. Back edges are
 * not synchronised, so nothing waits for them: a back edge's oldest packet
 * joins the first set at or after its timestamp (its own timestamp is
 * usually one already processed), which keeps T increasing.
 *
 * Immediate: the node runs as soon as any input has a packet, with the
 * packets at the smallest queued timestamp; inputs are never waited for.
 *
 * Both: the node closes once every synchronised input is done. */
#include "graph_internal.h"

/* The smallest queued timestamp over all inputs (or only the synchronised
 * ones); Done if none. */
static ep_timestamp min_front(const ep__node *n, bool sync_only) {
  ep_timestamp t = EP_TS_DONE;
  for (int i = 0; i < n->in_ports.n; i++) {
    const ep__input *in = n->in[i];
    if (in && in->len && !(sync_only && in->back_edge)) {
      ep_timestamp f = ep_packet_timestamp(ep__input_front(in));
      if (f < t)
        t = f;
    }
  }
  return t;
}

static bool all_sync_done(const ep__node *n) {
  for (int i = 0; i < n->in_ports.n; i++) {
    const ep__input *in = n->in[i];
    if (in && !in->back_edge && !ep__input_done(in))
      return false;
  }
  return true;
}

/* The smallest timestamp any synchronised input can still deliver. */
static ep_timestamp sync_next(const ep__node *n) {
  ep_timestamp t = EP_TS_DONE;
  for (int i = 0; i < n->in_ports.n; i++) {
    const ep__input *in = n->in[i];
    if (in && !in->back_edge) {
      ep_timestamp x = ep__input_next(in);
      if (x < t)
        t = x;
    }
  }
  return t;
}

static bool settled(const ep__node *n, ep_timestamp t) {
  for (int i = 0; i < n->in_ports.n; i++) {
    const ep__input *in = n->in[i];
    if (in && !in->back_edge && in->len == 0 && in->src->next <= t)
      return false;
  }
  return true;
}

ep__readiness ep__ih_state(const ep__node *n, ep_timestamp *ts,
                           ep_timestamp *bound) {
  ep_timestamp t = min_front(n, !n->immediate);
  *bound = EP_TS_UNSET;
  if (t != EP_TS_DONE && (n->immediate || settled(n, t))) {
    *ts = t;
    return EP__READY;
  }
  if (t == EP_TS_DONE && all_sync_done(n))
    return EP__READY_CLOSE;
  if (!n->immediate)
    *bound = sync_next(n);
  return EP__NOT_READY;
}

int ep__ih_fill(ep__node *n, ep_timestamp ts, ep_packet **set) {
  int taken = 0;
  for (int i = 0; i < n->in_ports.n; i++) {
    ep__input *in = n->in[i];
    ep_packet *f = in ? ep__input_front(in) : NULL;
    ep_timestamp t = f ? ep_packet_timestamp(f) : EP_TS_DONE;
    bool late_back_edge = !n->immediate && in && in->back_edge && t <= ts;
    if (f && (t == ts || late_back_edge)) {
      set[i] = ep__input_pop(in);
      taken++;
    } else {
      set[i] = NULL;
    }
  }
  return taken;
}
