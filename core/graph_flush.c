/* graph_flush.c — ep_graph_flush: a running graph back to a clean state
 * (empty queues, Unstarted streams, calculators reset) with its nodes left
 * open, and ep_graph_stopped.
 *
 * The flush holds the scheduler off with g->flushing: workers take no node
 * from the ready queues, no node is queued, and adders wait. Once the runs
 * in progress have returned it clears everything under the lock, then calls
 * the reset hooks without it; meanwhile it counts as a running node, so an
 * error or a cancel from elsewhere cannot start closing the nodes under
 * it. */
#include "graph_internal.h"

/* Waits for another flush and for the runs in progress (lock held). False
 * when the graph stopped meanwhile; *mine is set once this call holds the
 * scheduler off. */
static bool quiesce(ep_graph *g, bool *mine) {
  while (g->flushing && g->state == EP__STARTED && !g->stopping)
    uv_cond_wait(&g->changed, &g->lock);
  if (g->state != EP__STARTED || g->stopping)
    return false;
  g->flushing = *mine = true;
  while (g->running > 0 && !g->stopping)
    uv_cond_wait(&g->changed, &g->lock);
  return !g->stopping;
}

static int reset_node(ep__node *n) {
  ep__ctx_begin(n, EP__PHASE_PROCESS, EP_TS_UNSTARTED, NULL);
  int rc = n->def->reset(&n->ctx);
  if (rc >= 0 && n->ctx.err)
    rc = n->ctx.err;
  return rc < 0 ? rc : 0;
}

/* Calls every open node's reset hook, lock held on entry and exit. The
 * first failure fails the graph. */
static int reset_nodes(ep_graph *g) {
  int rc = 0;
  for (size_t i = 0; i < g->n_nodes && rc == 0; i++) {
    ep__node *n = g->nodes[i];
    if (!n->def->reset || !n->opened || n->closed)
      continue;
    uv_mutex_unlock(&g->lock);
    rc = reset_node(n);
    uv_mutex_lock(&g->lock);
    /* A reset sends nothing downstream: the streams were just cleared. */
    for (size_t k = 0; k < n->ctx.n_outq; k++)
      ep_packet_unref(n->ctx.outq[k].p);
    n->ctx.n_outq = 0;
    if (rc < 0) {
      if (!n->ctx.err)
        n->ctx.err = rc;
      ep__sched_fail(g, rc, ep__ctx_error_text(n, rc));
    }
  }
  return rc;
}

int ep_graph_flush(ep_graph *g) {
  if (!g)
    return EP_EINVAL;
  uv_mutex_lock(&g->lock);
  int rc = EP_ESTATE;
  bool mine = false;
  if (quiesce(g, &mine)) {
    ep__sched_clear_all(g);
    g->running++;
    rc = reset_nodes(g);
    g->running--;
  }
  if (mine)
    ep__sched_resume(g); /* also wakes a shutdown waiting for running */
  uv_mutex_unlock(&g->lock);
  return rc;
}

bool ep_graph_stopped(ep_graph *g) {
  if (!g)
    return true;
  uv_mutex_lock(&g->lock);
  bool stopped = g->state == EP__FINISHED || g->stopping;
  uv_mutex_unlock(&g->lock);
  return stopped;
}
