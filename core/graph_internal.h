/* graph_internal.h — the running graph's objects (internal): nodes, their
 * calculator contexts, executors and the graph itself.
 *
 * Locking: one mutex per graph (ep_graph.lock) guards the streams' shared
 * side, every input queue, the ready queues and each node's scheduling
 * flags and stats. A node's calculator state, its context and its
 * streams' producer side belong to the one thread running the node (a node
 * never runs on two threads at once); the lock hands them over. */
#ifndef EDGEPIPE_GRAPH_INTERNAL_H
#define EDGEPIPE_GRAPH_INTERNAL_H

#include <stdatomic.h>
#include <uv.h>

#include "edgepipe/graph.h"
#include "graph_config.h"
#include "histogram.h"
#include "profiler.h"
#include "stream.h"

/* A node's ports of one kind, grouped by tag: the slots of a tag are
 * contiguous and in index order, so tag:index is slot first + index. */
typedef struct ep__port_group {
  const char *tag;
  int first, count;
} ep__port_group;

typedef struct ep__ports {
  ep__port_group *groups;
  int n_groups;
  int n; /* slots */
} ep__ports;

/* Returns the slot of tag:index, or -1. */
int ep__ports_slot(const ep__ports *p, const char *tag, int index);
/* The number of indexes of tag (0 if absent). */
int ep__ports_count(const ep__ports *p, const char *tag);

typedef struct ep__executor ep__executor;

enum { EP__PHASE_OPEN, EP__PHASE_PROCESS, EP__PHASE_CLOSE };

/* One packet a hook sent, waiting to be committed. */
typedef struct ep__out_packet {
  int slot;
  ep_packet *p;
} ep__out_packet;

struct ep_calc_ctx {
  ep__node *node;
  int phase;
  ep_timestamp ts;
  ep_packet **inputs; /* this call's input set, one per input slot */
  ep__out_packet *outq;
  size_t n_outq, cap_outq;
  uint64_t call_no;
  uint64_t *touched; /* per output: the call that last sent or bounded it */
  int err;           /* the first failure, recorded by ep_ctx_fail */
  char *msg;
  long drops;
};

struct ep__node {
  ep_graph *g;
  int id;
  const char *name;
  const ep_calculator_def *def;
  const ep_node_config *cfg; /* NULL for an observer */
  ep_options *opts;
  bool immediate; /* Immediate input handler */
  bool is_source; /* no input streams */
  ep__ports in_ports, out_ports, side_in_ports, side_out_ports;
  ep__input **in;      /* by slot; NULL for an unwired index */
  ep__stream **out;    /* by slot; NULL for an unwired index */
  ep_packet **side_in; /* by slot (owned references, set at open) */
  const char **side_in_names, **side_out_names; /* by slot */
  void *state;
  ep_calc_ctx ctx;
  ep__executor *ex;
  int prio; /* distance to the farthest sink; 0 runs first */

  /* Scheduling (graph lock). */
  ep__node *next_ready, *next_check;
  bool queued, running, checking;
  bool opened, closed, stopped, close_pending;
  int throttle; /* sources: how many queues downstream are full */

  /* The batch of input sets taken for one run. */
  ep_packet **sets;
  ep_timestamp *set_ts;
  int batch_cap;
  int batch; /* sets to take next time, from the calls' recent cost */

  /* Stats (graph lock). */
  uint64_t calls, packets_in, packets_out, drops;
  ep__histogram hist;

  /* Observers: the application's callback. */
  ep_observer_fn obs_fn;
  void *obs_user;
};

struct ep__executor {
  char *name; /* "" for the default pool */
  int n_threads;
  uv_thread_t *threads;
  int started;
  uv_cond_t cond;
  bool cond_ready;
  ep__node **head, **tail; /* ready FIFOs, one per priority */
  int n_prio;
  int n_ready, idle;
};

struct ep_poller {
  ep_graph *g;
  ep__input *in;
  ep_poller *next;
};

typedef struct ep__side {
  char *name;
  ep_packet *p;
} ep__side;

enum { EP__CREATED, EP__STARTED, EP__FINISHED };

struct ep_graph {
  ep_graph_config *cfg;
  ep__node **nodes; /* the config's nodes, then observers */
  size_t n_nodes, n_cfg_nodes;
  ep__stream **streams;
  size_t n_streams;
  ep__stream **inputs; /* graph input streams */
  size_t n_inputs;
  ep__executor *ex;
  size_t n_ex;
  ep_poller *pollers;

  uv_mutex_t lock;
  uv_cond_t changed; /* done, room for adders, packets for pollers */
  bool sync_ready;   /* lock and changed initialised */
  int state;
  bool stopping; /* error or cancel: no more process calls */
  bool shutting_down;
  bool joined;        /* a waiter has claimed the threads */
  bool start_claimed; /* ep_graph_start was called */
  bool flushing;      /* ep_graph_flush: no new runs, adders wait */
  int running;        /* nodes being run now */
  int ready;          /* nodes in ready queues */
  int err;
  char *errmsg;
  int threads_override; /* 0: config or cores */
  long max_queue;       /* 0: unbounded */
  bool report_deadlock, warned_deadlock;
  atomic_bool stop_sources; /* read by running sources between calls */
  ep__node *check_head;

  ep__side *side;
  size_t n_side;

  /* Profiling (profiler.h). The settings are the API thread's before
   * start; trace and lat are made at start and stay until destroy. */
  bool trace_on, latency_on;
  char *trace_path; /* NULL: the default path */
  ep__trace *trace; /* NULL when tracing is off: one branch per hook */
  ep__latency *lat; /* graph lock */
};

/* --- graph.c ---------------------------------------------------------------
 */

/* Stores side packet `name` (p: transfer full); lock not held. EP_EEXIST if
 * it is set already. */
int ep__graph_set_side(ep_graph *g, const char *name, ep_packet *p);

/* Validates an already loaded (and possibly edited) config and builds the
 * graph, as ep_graph_create_from_file does after loading; pipe-run uses it
 * to add its media nodes first. cfg: transfer full, also on failure.
 * Errors: negative code, *err (caller frees) lists the problems. */
int ep__graph_create_from_config(ep_graph_config *cfg, ep_graph **out,
                                 char **err);

/* --- scheduler.c ---------------------------------------------------------- */

/* Starts every executor's threads. EP_ENOMEM or a uv error. Lock not held. */
int ep__sched_start(ep_graph *g);
/* Joins the threads once the graph is finished. Lock not held. */
void ep__sched_join(ep_graph *g);
/* Looks at a node again after its inputs changed (lock held). */
void ep__sched_check(ep_graph *g, ep__node *n);
/* Works through the nodes to look at; runs the deadlock and end checks
 * (lock held). */
void ep__sched_flush(ep_graph *g);
/* Records the graph's first error and stops it (lock held). msg:
 * transfer full, may be NULL. */
void ep__sched_fail(ep_graph *g, int err, char *msg);
/* Updates a queue's full flag and its sources' throttles (lock held). */
void ep__sched_update_full(ep_graph *g, ep__input *in);
/* Runs n's open (open true) or close, if the calculator has one, without
 * the lock, traced as one span. Returns its status, or the error it
 * recorded with ep_ctx_fail when it returned success anyway. */
int ep__node_lifecycle(ep_graph *g, ep__node *n, bool open);

/* Sends p on s (lock held): pushes it to every consumer. p: transfer
 * full. */
int ep__sched_push(ep_graph *g, ep__stream *s, ep_packet *p);

/* Empties every ready queue, input queue and poller, and resets every
 * open stream to Unstarted (lock held, g->flushing set, nothing running). */
void ep__sched_clear_all(ep_graph *g);
/* Ends a flush: looks at every node again and wakes the threads (lock
 * held). */
void ep__sched_resume(ep_graph *g);

/* --- input_handler.c ------------------------------------------------------ */

typedef enum ep__readiness {
  EP__NOT_READY,
  EP__READY,       /* a set of inputs is ready at *ts */
  EP__READY_CLOSE, /* every synchronised input is done */
} ep__readiness;

/* How the node's inputs stand (lock held). When not ready, *bound is the
 * smallest timestamp the node could still process (Default handler), so
 * its outputs may promise nothing before it. */
ep__readiness ep__ih_state(const ep__node *n, ep_timestamp *ts,
                           ep_timestamp *bound);
/* Moves the packets at ts to set (one entry per input slot; NULL where an
 * input has none) and returns how many it took (lock held). */
int ep__ih_fill(ep__node *n, ep_timestamp ts, ep_packet **set);

/* --- calculator_context.c ------------------------------------------------- */

int ep__ctx_init(ep__node *n);
void ep__ctx_free(ep__node *n);
/* Readies the context for a hook call at ts. */
void ep__ctx_begin(ep__node *n, int phase, ep_timestamp ts, ep_packet **inputs);
/* After a process call at ts of a Default handler node: bounds past ts
 * the outputs the call left alone. */
void ep__ctx_auto_bounds(ep__node *n, ep_timestamp ts);
/* Builds the graph's message for a failed hook: "node 'name'
 * (Calculator): message". Returns a malloc'd string. */
char *ep__ctx_error_text(ep__node *n, int err);

#endif
