/* gstedgepipe_session.h — the graph the edgepipe element runs.
 *
 * Lifecycle:
 *
 *   ep__gst_session_load     read + validate the file, pick the streams,
 *                            build the text of the graph the element runs
 *                            (the file's graph plus EdgepipeGstJoin)
 *   ep__gst_session_start    create and start a graph (opens every node:
 *                            loads the model); results go to the callback
 *   ep__gst_session_add ...  feed frames (timestamps strictly increasing)
 *   ep__gst_session_drain    close the input and wait: every result is out
 *   ep__gst_session_stop     cancel (if running), wait, free the graph
 *   ep__gst_session_free
 *
 * A drained or stopped session can be started again: that creates a new
 * graph from the same text (the graph API starts a graph only once, so the
 * nodes, the model included, are opened again).
 *
 * Threads: load/start/drain/stop/free from one thread at a time (the
 * element's streaming or state-change thread, under its graph lock); add
 * from the streaming thread; the callback runs on a graph thread, one call
 * at a time, in timestamp order. Messages (char **err) are g_malloc'd. */
#ifndef EDGEPIPE_GST_SESSION_H
#define EDGEPIPE_GST_SESSION_H

#include <glib.h>

#include "edgepipe/image_frame.h"
#include "gstedgepipe_join.h"

typedef struct ep_gst_session ep_gst_session;

/* What the element's properties say (strings: transfer none, NULL or "" =
 * the default). */
typedef struct ep_gst_session_params {
  const char *graph;
  const char *input_stream;
  const char *output_stream;
  const char *detections_stream;
  const char *side;
  int threads; /* 0: the graph's own setting */
} ep_gst_session_params;

/* One frame's result (r: transfer none, valid during the call). Returns 0,
 * or a negative EP_E* code to fail the graph. */
typedef int (*ep_gst_result_fn)(void *user, int64_t ts, const ep_gst_result *r);

/* Loads p->graph. On failure returns a negative code and sets *err to the
 * reason (the file's messages, "file:line:col: ..." lines, or which
 * property names an unknown stream). */
int ep__gst_session_load(const ep_gst_session_params *p, ep_gst_result_fn fn,
                         void *user, ep_gst_session **out, char **err);

/* Creates and starts a new graph, if none is running. Errors: the graph's
 * message ("node 'x' (Calculator): ...") or a side packet's. */
int ep__gst_session_start(ep_gst_session *s, char **err);
gboolean ep__gst_session_running(const ep_gst_session *s);

/* Sends p (an ImageFrame packet; transfer none: the graph takes its own
 * reference, so the caller can retry) on the input stream. EP_EAGAIN when
 * the graph's queues are full (the call does not block), EP_ESTATE when no
 * graph runs or it stopped on an error. */
int ep__gst_session_add(ep_gst_session *s, ep_packet *p);

/* Closes the input and waits for the graph to finish; every result has
 * been delivered when it returns. Then frees the graph. 0, or the graph's
 * error code with *err set. */
int ep__gst_session_drain(ep_gst_session *s, char **err);

/* Cancels, waits and frees the running graph, if any. */
void ep__gst_session_stop(ep_gst_session *s);

/* The streams in use (transfer none; NULL when there is none). */
const char *ep__gst_session_input(const ep_gst_session *s);
const char *ep__gst_session_output(const ep_gst_session *s);
const char *ep__gst_session_detections(const ep_gst_session *s);

/* Stops the graph and frees everything. NULL is ignored. */
void ep__gst_session_free(ep_gst_session *s);

#endif
