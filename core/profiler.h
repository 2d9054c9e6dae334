/* profiler.h — tracing and stream latency while a graph runs (internal).
 *
 * Settings come from the graph's profiler_config (MediaPipe's ProfilerConfig
 * field names: trace_enabled, trace_log_path, enable_stream_latency) or from
 * the application (ep_graph_set_trace, ep_graph_enable_latency).
 *
 * The trace is Chrome's trace-event JSON, which chrome://tracing and
 * Perfetto open: each node is a track ("thread") of its own, since a node
 * never runs two calls at once; a process() call is a complete event ("X")
 * with its packet timestamp in args; open() and close() are spans too; each
 * input queue's depth is a counter ("C"); a drop a calculator reports is an
 * instant event ("i").
 *
 * Lifecycle: ep__trace_open at start (the file is created then, so a bad
 * path fails the start), events from any thread, ep__trace_finish once the
 * graph has finished (idempotent), ep__trace_free with the graph. Events go
 * to a buffer of the recording thread (no lock), which is written out under
 * the trace's mutex when it fills: memory stays bounded in a long run.
 *
 * Latency: the wall time at which timestamp T first enters the graph (a
 * graph input stream, or a source node's output) is remembered; when a
 * graph output stream sends T, the difference goes to that stream's
 * histogram. Guarded by the graph lock (the hooks run in ep__sched_push). */
#ifndef EDGEPIPE_PROFILER_H
#define EDGEPIPE_PROFILER_H

#include "config_tree.h"
#include "diag.h"
#include "edgepipe/timestamp.h"
#include "histogram.h"

typedef struct ep_graph ep_graph;
typedef struct ep__stream ep__stream;

/* What profiler_config asks for. trace_path: borrowed from the tree. */
typedef struct ep__profiler_settings {
  bool trace;
  const char *trace_path; /* NULL: the default, see ep__trace_open */
  bool latency;
} ep__profiler_settings;

/* Reads a profiler_config message (NULL: all off). Unknown fields and
 * wrong kinds are added to d (which may be NULL). */
void ep__profiler_settings_read(const ep_cfg_node *pc, ep__profiler_settings *s,
                                ep_diag *d);

/* The monotonic clock the trace and the latency use, in ns. */
uint64_t ep__prof_now(void);

/* --- trace ---------------------------------------------------------------- */

typedef struct ep__trace ep__trace;

enum { EP__SPAN_PROCESS, EP__SPAN_OPEN, EP__SPAN_CLOSE };

/* Creates the trace file at path (NULL: $TMPDIR or /tmp, file
 * edgepipe_trace.json). g supplies node and stream names, and must outlive
 * the trace. EP_EIO with *err (caller frees) when the file cannot be
 * created. */
int ep__trace_open(ep_graph *g, const char *path, ep__trace **out, char **err);

/* A call of node `node` (kind EP__SPAN_*) from t0 to t1 (ep__prof_now), at
 * packet timestamp ts (EP_TS_UNSET: none). */
void ep__trace_span(ep__trace *t, int node, int kind, ep_timestamp ts,
                    uint64_t t0, uint64_t t1);
/* Input `slot` of node `node` now holds `depth` packets. */
void ep__trace_queue(ep__trace *t, int node, int slot, size_t depth);
/* Node `node` dropped the packet at ts. */
void ep__trace_drop(ep__trace *t, int node, ep_timestamp ts);

/* Writes what is buffered, the track names and the closing bracket, and
 * closes the file. Nothing may record any more. Returns 0 or EP_EIO (a
 * write failed: disk full) with *err set (caller frees). Idempotent. */
int ep__trace_finish(ep__trace *t, char **err);
void ep__trace_free(ep__trace *t);

/* --- latency -------------------------------------------------------------- */

typedef struct ep__latency ep__latency;

/* Marks g's entry streams and output streams; NULL on out-of-memory. */
ep__latency *ep__latency_new(ep_graph *g);
/* A packet at ts was sent on s (graph lock held). */
void ep__latency_sent(ep__latency *l, const ep__stream *s, ep_timestamp ts);
/* The histogram of graph output stream i (graph lock held). */
const ep__histogram *ep__latency_hist(const ep__latency *l, size_t i);
void ep__latency_free(ep__latency *l);

/* --- the graph's side (called by graph.c) --------------------------------- */

/* Reads the config's profiler_config into g's settings (after build). */
int ep__profile_configure(ep_graph *g);
/* At start, before any node opens: opens the trace, makes the latency
 * table. On failure sets g->errmsg and returns the code. */
int ep__profile_start(ep_graph *g);
/* Once the graph has finished and its threads are joined: completes the
 * trace file. A failed write becomes the graph's error if it has none
 * (graph lock not held). */
void ep__profile_finish(ep_graph *g);
/* Frees what profiling holds (with the graph). */
void ep__profile_free(ep_graph *g);

#endif
