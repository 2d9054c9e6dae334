/* graph.h — running a graph: the application's side.
 *
 * Lifecycle:
 *
 *   ep_graph_create_from_file / _from_string   load, expand, validate
 *   ep_graph_observe / ep_graph_poller          attach to output streams
 *   ep_graph_start                              open every node
 *   ep_graph_add_packet ... ep_graph_close_input feed graph input streams
 *   ep_graph_wait                               until every node closed
 *   ep_graph_destroy
 *
 * ep_graph_cancel stops a running graph from any thread. The first error a
 * node reports stops the graph too: no more process() calls; close() is
 * called on every node that was opened; packets still queued are released;
 * ep_graph_wait returns the code and ep_graph_error the message, which
 * reads "node 'name' (Calculator): message".
 *
 * Threads: nodes run on the graph's executors (a default pool of
 * num_threads workers plus the named executors of the config). Observer
 * callbacks run on those threads, one call at a time per observed stream.
 * Every function here may be called from any thread unless it says
 * otherwise. */
#ifndef EDGEPIPE_GRAPH_H
#define EDGEPIPE_GRAPH_H

#include "edgepipe/common.h"
#include "edgepipe/error.h"
#include "edgepipe/packet.h"

typedef struct ep_graph ep_graph;
typedef struct ep_poller ep_poller;

/* --- creating ------------------------------------------------------------ */

/* Loads a graph file (.pbtxt or .yaml/.yml), expands its subgraphs and
 * validates it. On success *out is a new graph (caller owns it: free with
 * ep_graph_destroy). On failure returns a negative code and, if err is not
 * NULL, sets *err to every problem found, one "file:line:col: message" per
 * line (caller frees; NULL when there is no detail). */
EP_API int ep_graph_create_from_file(const char *path, ep_graph **out,
                                     char **err);

/* The same from text. format: "pbtxt" or "yaml". name labels messages
 * (NULL: "<string>"). text: transfer none. */
EP_API int ep_graph_create_from_string(const char *text, size_t len,
                                       const char *format, const char *name,
                                       ep_graph **out, char **err);

/* Overrides the default pool's size (the config's num_threads, else the
 * number of cores). Before start; EP_ESTATE after, EP_EINVAL if n < 1. */
EP_API int ep_graph_set_num_threads(ep_graph *g, int n);

/* --- output streams ------------------------------------------------------ */

/* Called with each packet of an observed stream, in timestamp order
 * (p: transfer none; take a reference to keep it). A negative return
 * fails the graph with that code. */
typedef int (*ep_observer_fn)(void *user, ep_packet *p);

/* Calls fn for every packet on stream `name` (any node output, usually a
 * graph output stream). Before start; EP_ENOTFOUND for an unknown
 * stream, EP_ESTATE after start. */
EP_API int ep_graph_observe(ep_graph *g, const char *name, ep_observer_fn fn,
                            void *user);

/* Makes a poller that queues stream `name`'s packets for
 * ep_poller_next. Before start. *out is owned by the graph (transfer
 * none): it is freed with the graph. A poller's queue has no limit and
 * does not throttle the graph: poll it. */
EP_API int ep_graph_poller(ep_graph *g, const char *name, ep_poller **out);

/* Waits for the next packet of the polled stream up to timeout_us (< 0:
 * no limit). Returns 0 with *out set (transfer full), EP_STOP when the
 * stream is done and drained (or the graph stopped), EP_EAGAIN on
 * timeout, EP_ESTATE before start. */
EP_API int ep_poller_next(ep_poller *p, ep_packet **out, int64_t timeout_us);

/* --- running ------------------------------------------------------------- */

/* An input side packet given at start: name as written in the graph's
 * input_side_packet list (or a node's), and the packet (transfer none). */
typedef struct ep_side_packet {
  const char *name;
  ep_packet *packet;
} ep_side_packet;

/* Opens every node (producers of side packets first) and starts the
 * executors. side: n entries (transfer none; the graph takes its own
 * references). Fails with EP_EINVAL when a node needs a side packet that
 * is neither given nor produced, EP_ETYPE when a given one has the wrong
 * type, or the code of a failing open() — then every node already opened
 * is closed, and ep_graph_error says which. Only once per graph. */
EP_API int ep_graph_start(ep_graph *g, const ep_side_packet *side, size_t n);

/* Parses "name=value" into a side packet of the type the nodes that use
 * `name` declare: Int, Float, Bool (true/false/1/0), String or Path (kept
 * as text). On success *name_out (caller frees) and *out (transfer full)
 * are set. EP_ENOTFOUND when no node uses the name, EP_EPARSE when the
 * value does not read as the type; *err (caller frees) says why. */
EP_API int ep_graph_parse_side_packet(const ep_graph *g, const char *text,
                                      char **name_out, ep_packet **out,
                                      char **err);

#define EP_ADD_NONBLOCK 1u /* fail with EP_EAGAIN instead of waiting */

/* Sends p on graph input stream `name`. p: transfer full, in all cases.
 * Blocks while a queue downstream is full (max_queue_size), unless
 * EP_ADD_NONBLOCK is given: then EP_EAGAIN. EP_ETIMESTAMP when p is not
 * after the stream's last packet, EP_ENOTFOUND for an unknown stream,
 * EP_ESTATE when the stream is closed or the graph not running. */
EP_API int ep_graph_add_packet(ep_graph *g, const char *name, ep_packet *p,
                               unsigned flags);

/* Closes graph input stream `name` (its consumers see it done). */
EP_API int ep_graph_close_input(ep_graph *g, const char *name);
/* Closes every graph input stream. */
EP_API int ep_graph_close_all_inputs(ep_graph *g);

/* Waits until every node has closed: after the sources stopped and the
 * inputs were closed, after an error, or after a cancel. Returns 0, the
 * first error's code, or EP_ECANCELED. EP_ESTATE if never started. */
EP_API int ep_graph_wait(ep_graph *g);

/* Stops the graph soon: no more process() calls; nodes are closed; wait
 * returns EP_ECANCELED (unless an error came first). Safe from any
 * thread, also from an observer; not from a signal handler. */
EP_API void ep_graph_cancel(ep_graph *g);

/* Stops the sources (as if they had returned EP_STOP) and closes the
 * graph input streams, so the graph drains what it holds and ends
 * normally. */
EP_API void ep_graph_stop_sources(ep_graph *g);

/* The first error's message, or NULL (transfer none: lives until the
 * graph is destroyed). Read it once ep_graph_start or ep_graph_wait has
 * returned the error. */
EP_API const char *ep_graph_error(const ep_graph *g);

/* An output side packet a node set in open(), or an input side packet
 * given at start (transfer full), or NULL. */
EP_API ep_packet *ep_graph_side_packet(ep_graph *g, const char *name);

/* --- introspection and stats --------------------------------------------- */

/* The graph's declared input and output streams (names: transfer none,
 * live as long as the graph). */
EP_API size_t ep_graph_input_count(const ep_graph *g);
EP_API const char *ep_graph_input_name(const ep_graph *g, size_t i);
EP_API size_t ep_graph_output_count(const ep_graph *g);
EP_API const char *ep_graph_output_name(const ep_graph *g, size_t i);

/* Packets sent so far on stream `name`; -1 if there is no such stream. */
EP_API int64_t ep_graph_stream_packets(ep_graph *g, const char *name);

typedef struct ep_node_stats {
  const char *name;       /* transfer none: lives as long as the graph */
  const char *calculator; /* transfer none */
  uint64_t process_calls;
  uint64_t packets_in;  /* input packets given to process() */
  uint64_t packets_out; /* packets sent */
  uint64_t drops;       /* packets dropped (flow control, left in queues) */
  uint64_t time_p50_ns, time_p99_ns, time_max_ns; /* per process() */
  uint64_t max_queue; /* the longest any of its input queues was */
} ep_node_stats;

/* A snapshot of every node's stats, in config order. *out: an array of *n
 * entries (caller frees with free()). */
EP_API int ep_graph_stats(ep_graph *g, ep_node_stats **out, size_t *n);

/* --- tracing and latency ------------------------------------------------ */

/* Writes a Chrome trace-event JSON (chrome://tracing, Perfetto) of the run
 * to path: a span per open/process/close call on one track per node, the
 * input queues' depths as counters, reported drops as instant events. The
 * file is created at start (a bad path fails the start with EP_EIO) and
 * complete when ep_graph_wait returns. Overrides the config's
 * profiler_config; NULL turns tracing off. path: transfer none. Before
 * start; EP_ESTATE after. */
EP_API int ep_graph_set_trace(ep_graph *g, const char *path);

/* Measures, for each graph output stream, the wall time from a timestamp's
 * first appearance in the graph (on a graph input stream or a source
 * node's output) to its packet on that stream (profiler_config's
 * enable_stream_latency does the same). Before start; EP_ESTATE after. */
EP_API int ep_graph_enable_latency(ep_graph *g);

typedef struct ep_stream_latency {
  const char *stream; /* transfer none: lives as long as the graph */
  uint64_t frames;    /* packets measured (0 when latency is off) */
  uint64_t p50_ns, p99_ns, max_ns;
} ep_stream_latency;

/* One entry per graph output stream, in config order. *out: caller frees
 * with free(). */
EP_API int ep_graph_latency(ep_graph *g, ep_stream_latency **out, size_t *n);

/* Cancels if still running, waits, and frees everything, pollers
 * included. NULL is ignored. */
EP_API void ep_graph_destroy(ep_graph *g);

#endif
