/* scheduler.c — runs a graph's nodes on its executors.
 *
 * Each executor is a pool of threads with its own ready queue: one FIFO per
 * priority, where a node's priority is its distance to the farthest sink,
 * so work near the sinks drains before the sources make more. A node is in
 * at most one ready queue or running on at most one thread (the queued and
 * running flags), so its hooks never run concurrently.
 *
 * One run of a node takes a batch of ready input sets under the lock, runs
 * process() on each without it, then commits the packets sent and the new
 * bounds under the lock and looks again at every node they reach. The batch
 * size adapts to the cost of the calls (about BUDGET_NS of work), so cheap
 * nodes amortise the lock and slow ones hand on each packet at once.
 *
 * Throttling: an input queue holding max_queue packets is full, and bumps
 * the throttle count of every source (and graph input stream) upstream of
 * it; a throttled source does not run. When nothing runs, nothing is ready
 * and something is throttled, the graph would hang: with report_deadlock
 * that is an error, otherwise the full queues' limits are doubled (said
 * once on stderr).
 *
 * Locking: everything here runs with the graph lock held except the hooks;
 * see graph_internal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "graph_internal.h"

#define BUDGET_NS 20000

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* --- ready queues ------------------------------------------------------- */

static void ready_push(ep_graph *g, ep__node *n) {
  ep__executor *ex = n->ex;
  n->queued = true;
  n->next_ready = NULL;
  if (ex->tail[n->prio])
    ex->tail[n->prio]->next_ready = n;
  else
    ex->head[n->prio] = n;
  ex->tail[n->prio] = n;
  ex->n_ready++;
  g->ready++;
  if (ex->idle > 0)
    uv_cond_signal(&ex->cond);
}

static ep__node *ready_pop(ep_graph *g, ep__executor *ex) {
  if (ex->n_ready == 0)
    return NULL;
  for (int p = 0; p < ex->n_prio; p++) {
    ep__node *n = ex->head[p];
    if (!n)
      continue;
    ex->head[p] = n->next_ready;
    if (!ex->head[p])
      ex->tail[p] = NULL;
    ex->n_ready--;
    g->ready--;
    n->queued = false;
    return n;
  }
  return NULL;
}

static void wake_all(ep_graph *g) {
  for (size_t i = 0; i < g->n_ex; i++)
    uv_cond_broadcast(&g->ex[i].cond);
  uv_cond_broadcast(&g->changed);
}

/* --- streams and throttling ---------------------------------------------- */

void ep__sched_update_full(ep_graph *g, ep__input *in) {
  bool full = in->max && in->len >= in->max;
  if (full == in->full)
    return;
  in->full = full;
  int d = full ? 1 : -1;
  for (size_t i = 0; i < in->n_sources; i++) {
    ep__node *s = in->sources[i];
    s->throttle += d;
    if (s->throttle == 0)
      ep__sched_check(g, s);
  }
  for (size_t i = 0; i < in->n_gsources; i++) {
    in->gsources[i]->throttle += d;
    if (in->gsources[i]->throttle == 0)
      uv_cond_broadcast(&g->changed);
  }
}

static void notify_consumers(ep_graph *g, ep__stream *s) {
  for (size_t i = 0; i < s->n_consumers; i++)
    if (s->consumers[i]->node)
      ep__sched_check(g, s->consumers[i]->node);
  if (s->has_poller)
    uv_cond_broadcast(&g->changed);
}

/* A queue's depth changed: a counter in the trace. */
static void trace_queue(ep_graph *g, const ep__input *in) {
  if (g->trace && in->node)
    ep__trace_queue(g->trace, in->node->id, in->slot, in->len);
}

int ep__sched_push(ep_graph *g, ep__stream *s, ep_packet *p) {
  int rc = 0;
  s->packets++;
  if (g->lat)
    ep__latency_sent(g->lat, s, ep_packet_timestamp(p));
  for (size_t i = 0; i < s->n_consumers; i++) {
    ep__input *c = s->consumers[i];
    ep_packet *q = i + 1 == s->n_consumers ? p : ep_packet_ref(p);
    if (c->node && c->node->closed) {
      c->node->drops++;
      ep_packet_unref(q);
      continue;
    }
    if (ep__input_push(c, q) < 0)
      rc = EP_ENOMEM;
    trace_queue(g, c);
    ep__sched_update_full(g, c);
  }
  if (s->n_consumers == 0)
    ep_packet_unref(p);
  notify_consumers(g, s);
  return rc;
}

/* Commits what the node's hooks sent, and its outputs' new bounds. */
static int commit(ep_graph *g, ep__node *n) {
  ep_calc_ctx *c = &n->ctx;
  int rc = 0;
  for (size_t i = 0; i < c->n_outq; i++)
    if (ep__sched_push(g, n->out[c->outq[i].slot], c->outq[i].p) < 0)
      rc = EP_ENOMEM;
  n->packets_out += c->n_outq;
  c->n_outq = 0;
  for (int i = 0; i < n->out_ports.n; i++) {
    ep__stream *s = n->out[i];
    if (s && s->next != s->prod_next) {
      s->next = s->prod_next;
      notify_consumers(g, s);
    }
  }
  n->drops += (uint64_t)c->drops;
  c->drops = 0;
  return rc;
}

static void close_outputs(ep__node *n) {
  for (int i = 0; i < n->out_ports.n; i++)
    if (n->out[i])
      n->out[i]->prod_next = EP_TS_DONE;
}

static void clear_inputs(ep_graph *g, ep__node *n) {
  for (int i = 0; i < n->in_ports.n; i++)
    if (n->in[i]) {
      n->drops += ep__input_clear(n->in[i]);
      trace_queue(g, n->in[i]);
      ep__sched_update_full(g, n->in[i]);
    }
}

/* --- errors ----------------------------------------------------------------
 */

void ep__sched_fail(ep_graph *g, int err, char *msg) {
  if (g->stopping) {
    free(msg);
    return;
  }
  g->err = err;
  g->errmsg = msg;
  g->stopping = true;
  wake_all(g);
}

static void fail_node(ep_graph *g, ep__node *n, int err) {
  if (!n->ctx.err)
    n->ctx.err = err;
  ep__sched_fail(g, n->ctx.err, ep__ctx_error_text(n, n->ctx.err));
}

/* --- looking at nodes -------------------------------------------------------
 */

void ep__sched_check(ep_graph *g, ep__node *n) {
  if (n->checking)
    return;
  n->checking = true;
  n->next_check = g->check_head;
  g->check_head = n;
}

/* A Default node with nothing to do at timestamps below `bound` promises
 * its consumers nothing below it either. */
static void propagate(ep_graph *g, ep__node *n, ep_timestamp bound) {
  for (int i = 0; i < n->out_ports.n; i++) {
    ep__stream *s = n->out[i];
    if (s && s->next < bound) {
      s->next = bound;
      if (s->prod_next < bound)
        s->prod_next = bound;
      notify_consumers(g, s);
    }
  }
}

/* A source asked to stop, between runs: it ends as if it said EP_STOP. */
static void stop_source(ep_graph *g, ep__node *n) {
  n->stopped = true;
  n->close_pending = true;
  close_outputs(n);
  commit(g, n);
}

static void check_node(ep_graph *g, ep__node *n) {
  if (n->queued || n->running || n->closed || !n->opened || g->stopping ||
      g->flushing)
    return;
  if (n->is_source && !n->stopped && atomic_load(&g->stop_sources))
    stop_source(g, n);
  if (n->close_pending) {
    ready_push(g, n);
    return;
  }
  if (n->is_source) {
    if (n->throttle == 0)
      ready_push(g, n);
    return;
  }
  ep_timestamp ts, bound;
  ep__readiness r = ep__ih_state(n, &ts, &bound);
  if (r != EP__NOT_READY)
    ready_push(g, n);
  else if (bound != EP_TS_UNSET)
    propagate(g, n, bound);
}

/* --- the idle graph: end, shutdown, deadlock --------------------------------
 */

static bool all_closed(ep_graph *g) {
  for (size_t i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i]->closed)
      return false;
  return true;
}

static void finish(ep_graph *g) {
  g->state = EP__FINISHED;
  wake_all(g);
}

/* True when the graph can only move if a throttle is lifted: a blocked
 * ep_graph_add_packet, or a throttled source while no graph input stream
 * is open (an open one may still get the packet that unblocks the graph,
 * so the graph is merely waiting for the application). */
static bool throttled(ep_graph *g) {
  bool open = false;
  for (size_t i = 0; i < g->n_inputs; i++) {
    const ep__stream *s = g->inputs[i];
    if (s->blocked_adders > 0 && s->throttle > 0)
      return true;
    open |= s->next != EP_TS_DONE;
  }
  if (open)
    return false;
  for (size_t i = 0; i < g->n_nodes; i++) {
    ep__node *n = g->nodes[i];
    if (n->is_source && n->throttle > 0 && !n->stopped && !n->closed)
      return true;
  }
  return false;
}

static void deadlock(ep_graph *g) {
  ep__input *first = NULL;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i]->in_ports.n; k++) {
      ep__input *in = g->nodes[i]->in[k];
      if (in && in->full && !first)
        first = in;
    }
  if (!first)
    return;
  if (g->report_deadlock) {
    ep__sched_fail(
        g, EP_EDEADLOCK,
        ep__strdup_printf("graph deadlocked: input stream '%s' of node '%s' is "
                          "full (max_queue_size %zu) and no node can run",
                          first->src->name, first->node->name, first->max));
    return;
  }
  if (!g->warned_deadlock) {
    fprintf(stderr,
            "edgepipe: input stream '%s' of node '%s' is full and no node "
            "can run; raising max_queue_size above %zu to avoid a "
            "deadlock\n",
            first->src->name, first->node->name, first->max);
    g->warned_deadlock = true;
  }
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i]->in_ports.n; k++) {
      ep__input *in = g->nodes[i]->in[k];
      if (in && in->full) {
        /* Producers that are not sources push past the limit, so one
         * doubling may leave the queue still full (and the graph stuck). */
        do
          in->max *= 2;
        while (in->max <= in->len);
        ep__sched_update_full(g, in);
      }
    }
}

void ep__sched_flush(ep_graph *g) {
  for (;;) {
    while (g->check_head) {
      ep__node *n = g->check_head;
      g->check_head = n->next_check;
      n->checking = false;
      check_node(g, n);
    }
    if (g->state != EP__STARTED || g->running || g->ready || g->stopping ||
        g->flushing)
      return;
    if (all_closed(g)) {
      finish(g);
      return;
    }
    if (!throttled(g))
      return;
    deadlock(g);
    if (!g->check_head)
      return;
  }
}

/* Releases every packet waiting in an input queue, a node's unsent
 * outputs or a poller (lock held, nothing running). */
static void drop_queued_packets(ep_graph *g) {
  for (size_t i = 0; i < g->n_nodes; i++) {
    ep__node *n = g->nodes[i];
    clear_inputs(g, n);
    for (size_t k = 0; k < n->ctx.n_outq; k++)
      ep_packet_unref(n->ctx.outq[k].p);
    n->ctx.n_outq = 0;
  }
  for (ep_poller *p = g->pollers; p; p = p->next)
    ep__input_clear(p->in);
}

/* Closes every node still open after an error or a cancel, then releases
 * every queued packet. Runs on one thread, with nothing else running. */
static void shutdown_graph(ep_graph *g) {
  g->shutting_down = true;
  for (size_t e = 0; e < g->n_ex; e++)
    while (ready_pop(g, &g->ex[e]))
      ;
  for (size_t i = 0; i < g->n_nodes; i++) {
    ep__node *n = g->nodes[i];
    if (!n->opened || n->closed)
      continue;
    n->running = true;
    uv_mutex_unlock(&g->lock);
    ep__node_lifecycle(g, n, false);
    uv_mutex_lock(&g->lock);
    n->running = false;
    n->closed = true;
  }
  drop_queued_packets(g);
  finish(g);
}

/* --- flushing ------------------------------------------------------------- */

static void reset_stream(ep__stream *s) {
  if (s->next != EP_TS_DONE)
    s->next = s->prod_next = EP_TS_UNSTARTED;
}

void ep__sched_clear_all(ep_graph *g) {
  for (size_t e = 0; e < g->n_ex; e++)
    while (ready_pop(g, &g->ex[e]))
      ;
  drop_queued_packets(g);
  for (size_t i = 0; i < g->n_streams; i++)
    reset_stream(g->streams[i]);
  if (g->lat)
    ep__latency_reset(g->lat);
}

void ep__sched_resume(ep_graph *g) {
  g->flushing = false;
  for (size_t i = 0; i < g->n_nodes; i++)
    ep__sched_check(g, g->nodes[i]);
  ep__sched_flush(g);
  wake_all(g);
}

/* --- running one node -------------------------------------------------------
 */

static void adapt_batch(ep__node *n, uint64_t ns, int calls) {
  uint64_t per = calls ? ns / (uint64_t)calls : ns;
  int b = per ? (int)(BUDGET_NS / per) : n->batch_cap;
  n->batch = b < 1 ? 1 : b > n->batch_cap ? n->batch_cap : b;
}

/* One clock read per call costs as much as a cheap node's whole call on
 * some machines, so a batch is timed as a whole and each of its calls is
 * recorded at the batch's mean (exact for the batches of one that slow
 * nodes run). */
static void record_times(ep__node *n, uint64_t ns, int k) {
  n->calls += (uint64_t)k;
  if (k > 0)
    ep__histogram_add_n(&n->hist, ns / (uint64_t)k, (uint64_t)k);
}

static int call_process(ep__node *n) {
  /* A source without process() has nothing to produce. */
  int rc = n->def->process ? n->def->process(&n->ctx)
           : n->is_source  ? EP_STOP
                           : 0;
  if (rc >= 0 && n->ctx.err)
    rc = n->ctx.err;
  return rc;
}

/* A source's call as a span; its timestamp is that of the last packet the
 * call sent, if any. */
static int traced_source_call(ep_graph *g, ep__node *n) {
  size_t before = n->ctx.n_outq;
  uint64_t t0 = ep__prof_now();
  int rc = call_process(n);
  uint64_t t1 = ep__prof_now();
  ep_timestamp ts = n->ctx.n_outq > before
                        ? ep_packet_timestamp(n->ctx.outq[n->ctx.n_outq - 1].p)
                        : EP_TS_UNSET;
  ep__trace_span(g->trace, n->id, EP__SPAN_PROCESS, ts, t0, t1);
  return rc;
}

static void release_set(ep_packet **set, int n_in) {
  for (int i = 0; i < n_in; i++)
    ep_packet_unref(set[i]);
}

/* Called with the lock held; returns with it held. */
static void run_close(ep_graph *g, ep__node *n) {
  uv_mutex_unlock(&g->lock);
  int rc = ep__node_lifecycle(g, n, false);
  close_outputs(n);
  uv_mutex_lock(&g->lock);
  n->closed = true;
  n->close_pending = false;
  commit(g, n);
  clear_inputs(g, n);
  if (rc < 0)
    fail_node(g, n, rc);
}

static int source_room(const ep__node *n) {
  long room = n->batch;
  for (int i = 0; i < n->out_ports.n; i++) {
    const ep__stream *s = n->out[i];
    for (size_t k = 0; s && k < s->n_consumers; k++) {
      const ep__input *c = s->consumers[k];
      if (c->max && (long)c->max - (long)c->len < room)
        room = (long)c->max - (long)c->len;
    }
  }
  return room < 1 ? 1 : (int)room;
}

static void run_source(ep_graph *g, ep__node *n) {
  int room = source_room(n), k = 0, rc = 0;
  uv_mutex_unlock(&g->lock);
  uint64_t start = now_ns(), end = start;
  while (k < room && rc == 0) {
    ep__ctx_begin(n, EP__PHASE_PROCESS, EP_TS_UNSTARTED, NULL);
    if (g->trace)
      rc = traced_source_call(g, n);
    else
      rc = call_process(n);
    k++;
    /* A source whose calls got slower hands its packets on sooner. */
    if ((k & 7) == 0 && (end = now_ns()) - start > BUDGET_NS)
      break;
    if (atomic_load_explicit(&g->stop_sources, memory_order_relaxed))
      break;
  }
  if (k & 7)
    end = now_ns();
  adapt_batch(n, end - start, k);
  bool stop = rc == EP_STOP || (rc == 0 && atomic_load(&g->stop_sources));
  if (stop)
    close_outputs(n);
  uv_mutex_lock(&g->lock);
  record_times(n, end - start, k);
  commit(g, n);
  if (rc < 0) {
    fail_node(g, n, rc);
  } else if (stop) {
    n->stopped = true;
    n->close_pending = true;
  }
}

/* Takes up to n->batch ready input sets; returns how many. */
static int take_sets(ep_graph *g, ep__node *n, bool *close) {
  int k = 0, n_in = n->in_ports.n;
  ep_timestamp ts, bound;
  while (k < n->batch) {
    ep__readiness r = ep__ih_state(n, &ts, &bound);
    if (r == EP__READY_CLOSE && k == 0)
      *close = true;
    if (r != EP__READY)
      break;
    n->packets_in += (uint64_t)ep__ih_fill(n, ts, &n->sets[k * n_in]);
    n->set_ts[k++] = ts;
  }
  for (int i = 0; i < n_in; i++)
    if (n->in[i]) {
      if (k)
        trace_queue(g, n->in[i]);
      ep__sched_update_full(g, n->in[i]);
    }
  return k;
}

static void run_process(ep_graph *g, ep__node *n) {
  bool close = false;
  int k = take_sets(g, n, &close), n_in = n->in_ports.n, done = 0, rc = 0;
  if (close) {
    run_close(g, n);
    return;
  }
  uv_mutex_unlock(&g->lock);
  uint64_t start = now_ns();
  for (; done < k && rc == 0; done++) {
    ep_packet **set = &n->sets[done * n_in];
    ep__ctx_begin(n, EP__PHASE_PROCESS, n->set_ts[done], set);
    uint64_t t0 = g->trace ? ep__prof_now() : 0;
    rc = call_process(n);
    if (g->trace)
      ep__trace_span(g->trace, n->id, EP__SPAN_PROCESS, n->set_ts[done], t0,
                     ep__prof_now());
    if (!n->immediate && rc == 0)
      ep__ctx_auto_bounds(n, n->set_ts[done]);
    release_set(set, n_in);
  }
  uint64_t ns = now_ns() - start;
  for (int j = done; j < k; j++)
    release_set(&n->sets[j * n_in], n_in);
  adapt_batch(n, ns, done);
  if (rc == EP_STOP)
    close_outputs(n);
  uv_mutex_lock(&g->lock);
  record_times(n, ns, done);
  n->drops += (uint64_t)(k - done);
  commit(g, n);
  if (rc < 0) {
    fail_node(g, n, rc);
  } else if (rc == EP_STOP) {
    n->stopped = true;
    n->close_pending = true;
    clear_inputs(g, n);
  }
}

static void run_node(ep_graph *g, ep__node *n) {
  n->running = true;
  g->running++;
  if (n->close_pending)
    run_close(g, n);
  else if (n->is_source)
    run_source(g, n);
  else
    run_process(g, n);
  n->running = false;
  g->running--;
  ep__sched_check(g, n);
  ep__sched_flush(g);
  if (g->flushing && g->running == 0)
    uv_cond_broadcast(&g->changed); /* the flush waits for this */
}

/* --- worker threads ----------------------------------------------------------
 */

typedef struct worker_arg {
  ep_graph *g;
  ep__executor *ex;
} worker_arg;

static void worker(void *arg) {
  ep_graph *g = ((worker_arg *)arg)->g;
  ep__executor *ex = ((worker_arg *)arg)->ex;
  free(arg);
  uv_mutex_lock(&g->lock);
  while (g->state != EP__FINISHED) {
    if (g->stopping) {
      if (g->running == 0 && !g->shutting_down)
        shutdown_graph(g);
      else
        uv_cond_wait(&ex->cond, &g->lock);
      continue;
    }
    ep__node *n = g->flushing ? NULL : ready_pop(g, ex);
    if (n) {
      run_node(g, n);
      continue;
    }
    ex->idle++;
    uv_cond_wait(&ex->cond, &g->lock);
    ex->idle--;
  }
  uv_mutex_unlock(&g->lock);
}

int ep__sched_start(ep_graph *g) {
  for (size_t e = 0; e < g->n_ex; e++) {
    ep__executor *ex = &g->ex[e];
    ex->threads = calloc((size_t)ex->n_threads, sizeof *ex->threads);
    if (!ex->threads)
      return EP_ENOMEM;
    for (; ex->started < ex->n_threads; ex->started++) {
      worker_arg *a = malloc(sizeof *a);
      if (!a)
        return EP_ENOMEM;
      a->g = g;
      a->ex = ex;
      if (uv_thread_create(&ex->threads[ex->started], worker, a) != 0) {
        free(a);
        return EP_ENOMEM;
      }
    }
  }
  return 0;
}

void ep__sched_join(ep_graph *g) {
  uv_mutex_lock(&g->lock);
  bool mine = !g->joined;
  g->joined = true;
  uv_mutex_unlock(&g->lock);
  if (!mine)
    return; /* another waiter joins them */
  for (size_t e = 0; e < g->n_ex; e++) {
    ep__executor *ex = &g->ex[e];
    for (int i = 0; i < ex->started; i++)
      uv_thread_join(&ex->threads[i]);
    ex->started = 0;
  }
}
