/* gstedgepipe.h — the edgepipe element: runs a graph on a video stream.
 *
 * One always sink pad and one always src pad, video/x-raw RGB, RGBA or
 * GRAY8. chain() wraps each buffer as an ImageFrame (no copy) and sends it
 * into the graph without waiting for it; the graph's result for each frame
 * (the output image and the detections at its timestamp, or nothing when
 * the graph dropped it) comes back on a graph thread, which turns it into a
 * buffer and queues it. A src pad task pushes the queue downstream, so
 * buffers and serialized events leave in the order they came in.
 *
 * The graph lives from NULL->READY (loaded, validated, started: the model
 * is loaded there) to READY->NULL. EOS closes its input and waits for it
 * (every frame is out before EOS); the next buffer after that starts a new
 * graph. A flushing seek keeps the graph: frames from before the flush
 * still in the graph are thrown away when they come out, and packet
 * timestamps are rebased so they keep increasing.
 *
 * Locks: `lock` guards the queues and the flags beside them (the streaming
 * thread, the graph threads, the src task and flush events take it, briefly
 * and never while calling into GStreamer or the graph); `graph_lock` guards
 * `session` between the streaming thread and state changes. Take
 * graph_lock before lock, never the other way. */
#ifndef EDGEPIPE_GST_EDGEPIPE_H
#define EDGEPIPE_GST_EDGEPIPE_H

#include <gst/gst.h>
#include <gst/video/video.h>

#include "gstedgepipe_session.h"

G_BEGIN_DECLS

#define GST_TYPE_EDGEPIPE (gst_edgepipe_get_type())
G_DECLARE_FINAL_TYPE(GstEdgepipe, gst_edgepipe, GST, EDGEPIPE, GstElement)

#define GST_TYPE_EDGEPIPE_ON_DROP (gst_edgepipe_on_drop_get_type())
GType gst_edgepipe_on_drop_get_type(void);

typedef enum {
  GST_EDGEPIPE_ON_DROP_DROP,
  GST_EDGEPIPE_ON_DROP_PASSTHROUGH,
} GstEdgepipeOnDrop;

struct _GstEdgepipe {
  GstElement parent;
  GstPad *sinkpad, *srcpad;

  /* Properties (object lock). */
  gchar *graph, *input_stream, *output_stream, *detections_stream, *side;
  gint threads;
  gint on_drop; /* a GstEdgepipeOnDrop; atomic: read by graph threads */

  /* The graph (graph_lock). */
  GMutex graph_lock;
  ep_gst_session *session;

  /* Streaming thread only. */
  GstVideoInfo in_info;
  gboolean have_in_info;
  gint64 last_ts;   /* the last packet timestamp sent, G_MININT64: none */
  gint64 ts_offset; /* packet timestamp = PTS in µs + ts_offset */
  gboolean rebase;  /* after a flush: move ts_offset past last_ts */

  /* Set when the session loads; read by the result callback. */
  gchar *default_label;

  /* Queues (lock, cond). pending: frames sent into the graph and the
   * serialized events behind them, oldest first; out: buffers and events
   * ready for the src task. */
  GMutex lock;
  GCond cond;
  GQueue pending;
  GQueue out;
  GstVideoInfo out_info; /* what the last queued caps event says */
  gboolean have_out_info;
  gboolean flushing;
  GstFlowReturn src_ret; /* the src task's last push result */
  guint64 dropped;       /* frames the graph dropped (for the log) */
};

/* gstedgepipe_stream.c: pads, data flow, the result callback. */
void ep__gst_edgepipe_add_templates(GstElementClass *klass);
void ep__gst_edgepipe_init_pads(GstEdgepipe *self);
int ep__gst_edgepipe_on_result(void *user, int64_t ts, const ep_gst_result *r);
/* Throws away what is queued; frames still in the graph are marked so their
 * results are dropped. keep_sticky_events (a flush): queue again the sticky
 * events a flush keeps (stream-start, caps, tags: not segment or EOS). */
void ep__gst_edgepipe_flush_queues(GstEdgepipe *self,
                                   gboolean keep_sticky_events);
/* Frees every pending frame (once no graph runs). */
void ep__gst_edgepipe_clear_pending(GstEdgepipe *self);

/* gstedgepipe.c: posts the element message "edgepipe-graph-started" (a
 * graph was created and started: its nodes opened, models loaded). */
void ep__gst_edgepipe_post_started(GstEdgepipe *self);

GST_ELEMENT_REGISTER_DECLARE(edgepipe);

G_END_DECLS

#endif
