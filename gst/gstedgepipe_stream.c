/* gstedgepipe_stream.c — the edgepipe element's data flow: chain(), the
 * sink events, the graph's result callback and the src pad task. See
 * gstedgepipe.h for the locking rules. */
#include "gstedgepipe.h"

#include "edgepipe/graph.h"
#include "gstedgepipe_frame.h"
#include "gstedgepipe_meta.h"

GST_DEBUG_CATEGORY_EXTERN(ep__gst_debug);
#define GST_CAT_DEFAULT ep__gst_debug

/* Buffers queued for the src task before chain() waits for it. */
#define MAX_OUT 8
/* How long chain() sleeps between tries when the graph's queues are full
 * (each result also wakes it). */
#define FEED_RETRY_US 2000

#define CAPS GST_VIDEO_CAPS_MAKE("{ RGB, RGBA, GRAY8 }")
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(CAPS));

/* A frame in the graph, or a serialized event waiting behind frames. */
typedef struct item {
  GstBuffer *buf;    /* frame: the input buffer */
  ep_packet *packet; /* frame: the packet sent (holds the wrapped frame) */
  GstEvent *event;   /* event: the event */
  gint64 ts;         /* frame: the packet timestamp */
  gboolean stale;    /* frame sent before a flush: drop its result */
} item;

static void item_free(item *it) {
  if (it->buf)
    gst_buffer_unref(it->buf);
  ep_packet_unref(it->packet);
  if (it->event)
    gst_event_unref(it->event);
  g_free(it);
}

/* --- the out queue (lock held) ------------------------------------------- */

static void out_push_event(GstEdgepipe *self, GstEvent *ev) {
  if (GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps(ev, &caps);
    self->have_out_info = gst_video_info_from_caps(&self->out_info, caps);
  }
  g_queue_push_tail(&self->out, ev);
}

/* Moves the events at the head of pending to out. */
static void move_events(GstEdgepipe *self) {
  item *it;
  while ((it = g_queue_peek_head(&self->pending)) && it->event) {
    g_queue_pop_head(&self->pending);
    out_push_event(self, it->event);
    it->event = NULL;
    item_free(it);
  }
}

/* A caps event before a frame whose format or size differs from the caps
 * queued last (a graph that resizes or converts). */
static void follow_frame_caps(GstEdgepipe *self, const ep_image_frame *f) {
  if (!self->have_out_info || ep__gst_frame_matches(f, &self->out_info))
    return;
  GstVideoInfo info = self->out_info;
  gst_video_info_set_format(
      &info, ep__gst_format_from_ep(ep_image_frame_format(f)),
      (guint)ep_image_frame_width(f), (guint)ep_image_frame_height(f));
  info.fps_n = self->out_info.fps_n;
  info.fps_d = self->out_info.fps_d;
  info.par_n = self->out_info.par_n;
  info.par_d = self->out_info.par_d;
  GstCaps *caps = gst_video_info_to_caps(&info);
  out_push_event(self, gst_event_new_caps(caps));
  gst_caps_unref(caps);
}

static void emit_dropped(GstEdgepipe *self, item *it) {
  self->dropped++;
  GST_LOG_OBJECT(self, "the graph dropped the frame at %" G_GINT64_FORMAT " µs",
                 it->ts);
  if (g_atomic_int_get(&self->on_drop) == GST_EDGEPIPE_ON_DROP_PASSTHROUGH)
    g_queue_push_tail(&self->out, gst_buffer_ref(it->buf));
}

/* The output frame as a buffer: the input buffer itself when the graph
 * passed the input frame through, else a buffer around the frame. */
static GstBuffer *image_buffer(GstEdgepipe *self, item *it,
                               ep_image_frame *img) {
  const ep_image_frame *in = ep_packet_data(it->packet);
  if (ep_image_frame_cpixels(img) == ep_image_frame_cpixels(in) &&
      ep_image_frame_stride(img) == ep_image_frame_stride(in) &&
      ep_image_frame_height(img) == ep_image_frame_height(in))
    return gst_buffer_ref(it->buf);
  follow_frame_caps(self, img);
  GstBuffer *out = ep__gst_frame_to_buffer(img);
  if (out)
    gst_buffer_copy_into(out, it->buf,
                         GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0,
                         (gsize)-1);
  return out;
}

static void emit(GstEdgepipe *self, item *it, const ep_gst_result *r) {
  if (!r->image && ep__gst_session_output(self->session)) {
    emit_dropped(self, it);
    return;
  }
  ep_image_frame *img =
      r->image ? (ep_image_frame *)ep_packet_data(r->image) : NULL;
  GstBuffer *out = img ? image_buffer(self, it, img) : gst_buffer_ref(it->buf);
  if (!out) {
    GST_WARNING_OBJECT(
        self, "out of memory: frame at %" G_GINT64_FORMAT " µs lost", it->ts);
    return;
  }
  if (r->detections) {
    const ep_image_frame *f = img ? img : ep_packet_data(it->packet);
    out = gst_buffer_make_writable(out);
    ep__gst_meta_add_detections(out, ep_packet_data(r->detections),
                                ep_image_frame_width(f),
                                ep_image_frame_height(f), self->default_label);
  }
  g_queue_push_tail(&self->out, out);
}

int ep__gst_edgepipe_on_result(void *user, int64_t ts, const ep_gst_result *r) {
  GstEdgepipe *self = user;
  g_mutex_lock(&self->lock);
  move_events(self);
  item *it;
  /* Frames before ts that got no result never entered the graph (a flush
   * interrupted chain()): nothing will come for them. */
  while ((it = g_queue_peek_head(&self->pending)) && !it->event &&
         it->ts < ts) {
    g_queue_pop_head(&self->pending);
    if (!it->stale)
      emit_dropped(self, it);
    item_free(it);
    move_events(self);
  }
  if (it && !it->event && it->ts == ts) {
    g_queue_pop_head(&self->pending);
    if (!it->stale)
      emit(self, it, r);
    item_free(it);
    move_events(self);
  }
  g_cond_broadcast(&self->cond);
  g_mutex_unlock(&self->lock);
  return 0;
}

/* Sticky events that outlive a flush (FLUSH_STOP drops only SEGMENT and
 * EOS): kept, the latest of each type, in their order. */
static void keep_sticky(GQueue *kept, GstEvent *ev) {
  GstEventType t = GST_EVENT_TYPE(ev);
  if (!GST_EVENT_IS_STICKY(ev) || t == GST_EVENT_SEGMENT || t == GST_EVENT_EOS)
    return;
  for (GList *l = kept->head; l; l = l->next)
    if (GST_EVENT_TYPE(l->data) == t) {
      gst_event_unref(l->data);
      g_queue_delete_link(kept, l);
      break;
    }
  g_queue_push_tail(kept, gst_event_ref(ev));
}

void ep__gst_edgepipe_flush_queues(GstEdgepipe *self,
                                   gboolean keep_sticky_events) {
  GQueue kept = G_QUEUE_INIT, frames = G_QUEUE_INIT;
  g_mutex_lock(&self->lock);
  GstMiniObject *obj;
  while ((obj = g_queue_pop_head(&self->out))) {
    if (GST_IS_EVENT(obj))
      keep_sticky(&kept, GST_EVENT(obj));
    gst_mini_object_unref(obj);
  }
  item *it;
  while ((it = g_queue_pop_head(&self->pending))) {
    if (it->event) {
      keep_sticky(&kept, it->event);
      item_free(it);
      continue;
    }
    it->stale = TRUE; /* still in the graph: its result is thrown away */
    g_queue_push_tail(&frames, it);
  }
  self->pending = frames;
  self->have_out_info = FALSE;
  GstEvent *ev;
  while ((ev = g_queue_pop_head(&kept))) {
    if (keep_sticky_events)
      out_push_event(self, ev);
    else
      gst_event_unref(ev);
  }
  g_cond_broadcast(&self->cond);
  g_mutex_unlock(&self->lock);
}

void ep__gst_edgepipe_clear_pending(GstEdgepipe *self) {
  g_mutex_lock(&self->lock);
  g_queue_clear_full(&self->pending, (GDestroyNotify)item_free);
  g_mutex_unlock(&self->lock);
}

/* --- the src task ------------------------------------------------------------
 */

static void push_failed(GstEdgepipe *self, GstFlowReturn ret) {
  g_mutex_lock(&self->lock);
  self->src_ret = ret;
  g_cond_broadcast(&self->cond);
  g_mutex_unlock(&self->lock);
  GST_DEBUG_OBJECT(self, "pausing the src task: %s", gst_flow_get_name(ret));
  if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS) {
    GST_ELEMENT_FLOW_ERROR(self, ret);
    gst_pad_push_event(self->srcpad, gst_event_new_eos());
  }
  gst_pad_pause_task(self->srcpad);
}

static void src_loop(gpointer data) {
  GstEdgepipe *self = data;
  g_mutex_lock(&self->lock);
  while (!self->flushing && g_queue_is_empty(&self->out))
    g_cond_wait(&self->cond, &self->lock);
  if (self->flushing) {
    g_mutex_unlock(&self->lock);
    gst_pad_pause_task(self->srcpad);
    return;
  }
  GstMiniObject *obj = g_queue_pop_head(&self->out);
  g_cond_broadcast(&self->cond); /* room for chain() */
  g_mutex_unlock(&self->lock);
  if (GST_IS_EVENT(obj)) {
    gst_pad_push_event(self->srcpad, GST_EVENT(obj));
    return;
  }
  GstFlowReturn ret = gst_pad_push(self->srcpad, GST_BUFFER(obj));
  if (ret != GST_FLOW_OK)
    push_failed(self, ret);
}

static gboolean src_activate_mode(GstPad *pad, GstObject *parent,
                                  GstPadMode mode, gboolean active) {
  GstEdgepipe *self = GST_EDGEPIPE(parent);
  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock(&self->lock);
  self->flushing = !active;
  self->src_ret = GST_FLOW_OK;
  g_cond_broadcast(&self->cond);
  g_mutex_unlock(&self->lock);
  if (active)
    return gst_pad_start_task(pad, src_loop, self, NULL);
  return gst_pad_stop_task(pad);
}

/* --- chain
 * ----------------------------------------------------------------------- */

/* Waits while the out queue is full; the flow to return (not OK: stop). */
static GstFlowReturn wait_room(GstEdgepipe *self) {
  g_mutex_lock(&self->lock);
  while (!self->flushing && self->src_ret == GST_FLOW_OK &&
         g_queue_get_length(&self->out) >= MAX_OUT)
    g_cond_wait(&self->cond, &self->lock);
  GstFlowReturn ret = self->flushing ? GST_FLOW_FLUSHING : self->src_ret;
  g_mutex_unlock(&self->lock);
  return ret;
}

/* Packet timestamps: the PTS in µs, kept strictly increasing (a repeated
 * PTS moves up by 1 µs; after a flush the offset moves past the last one,
 * since the graph keeps running). */
static gint64 next_ts(GstEdgepipe *self, GstBuffer *buf) {
  gboolean has_pts = GST_BUFFER_PTS_IS_VALID(buf);
  gint64 none = G_MININT64;
  gint64 t = has_pts
                 ? (gint64)(GST_BUFFER_PTS(buf) / GST_USECOND) + self->ts_offset
                 : (self->last_ts == none ? 0 : self->last_ts + 1);
  if (self->last_ts != none && t <= self->last_ts) {
    if (self->rebase && has_pts)
      self->ts_offset += self->last_ts + 1 - t;
    t = self->last_ts + 1;
  }
  self->rebase = FALSE;
  self->last_ts = t;
  return t;
}

/* Starts a graph if none runs (after EOS); FALSE after posting an error. */
static gboolean ensure_graph(GstEdgepipe *self) {
  g_mutex_lock(&self->graph_lock);
  char *err = NULL;
  int rc = 0;
  gboolean started = !ep__gst_session_running(self->session);
  if (started) {
    rc = ep__gst_session_start(self->session, &err);
    self->last_ts = G_MININT64;
    self->ts_offset = 0;
  }
  g_mutex_unlock(&self->graph_lock);
  if (rc < 0)
    GST_ELEMENT_ERROR(self, LIBRARY, INIT, ("edgepipe: %s", err), (NULL));
  else if (started)
    ep__gst_edgepipe_post_started(self);
  g_free(err);
  return rc == 0;
}

/* Sends p, retrying while the graph's queues are full. EP_ECANCELED when
 * a flush interrupts. */
static int feed(GstEdgepipe *self, ep_packet *p) {
  for (;;) {
    int rc = ep__gst_session_add(self->session, p);
    if (rc != EP_EAGAIN)
      return rc;
    g_mutex_lock(&self->lock);
    if (!self->flushing)
      g_cond_wait_until(&self->cond, &self->lock,
                        g_get_monotonic_time() + FEED_RETRY_US);
    gboolean flushing = self->flushing;
    g_mutex_unlock(&self->lock);
    if (flushing)
      return EP_ECANCELED;
  }
}

/* The graph stopped on an error: collect its message and post it. */
static GstFlowReturn graph_failed(GstEdgepipe *self, int rc) {
  char *err = NULL;
  g_mutex_lock(&self->graph_lock);
  int wrc = ep__gst_session_drain(self->session, &err);
  g_mutex_unlock(&self->graph_lock);
  GST_ELEMENT_ERROR(self, LIBRARY, FAILED,
                    ("edgepipe: %s", err ? err : ep_strerror(wrc ? wrc : rc)),
                    (NULL));
  g_free(err);
  return GST_FLOW_ERROR;
}

static GstFlowReturn send_frame(GstEdgepipe *self, GstBuffer *buf) {
  ep_image_frame *f = ep__gst_frame_wrap(buf, &self->in_info);
  if (!f) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED,
                      ("edgepipe: cannot map the input buffer"), (NULL));
    gst_buffer_unref(buf);
    return GST_FLOW_ERROR;
  }
  item *it = g_new0(item, 1);
  it->ts = next_ts(self, buf);
  it->buf = buf;
  it->packet = ep_packet_new(&ep_type_image_frame, f, it->ts);
  if (!it->packet) {
    item_free(it);
    return GST_FLOW_ERROR;
  }
  ep_packet *p = ep_packet_ref(it->packet);
  g_mutex_lock(&self->lock);
  g_queue_push_tail(&self->pending, it); /* before the result can come */
  g_mutex_unlock(&self->lock);
  int rc = feed(self, p);
  ep_packet_unref(p);
  if (rc == EP_ECANCELED)
    return GST_FLOW_FLUSHING;
  return rc < 0 ? graph_failed(self, rc) : GST_FLOW_OK;
}

static GstFlowReturn chain(GstPad *pad, GstObject *parent, GstBuffer *buf) {
  GstEdgepipe *self = GST_EDGEPIPE(parent);
  (void)pad;
  GstFlowReturn ret = wait_room(self);
  if (ret == GST_FLOW_OK && !self->have_in_info) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("edgepipe: no caps set"),
                      (NULL));
    ret = GST_FLOW_NOT_NEGOTIATED;
  }
  if (ret == GST_FLOW_OK && !ensure_graph(self))
    ret = GST_FLOW_ERROR;
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref(buf);
    return ret;
  }
  return send_frame(self, buf);
}

/* --- sink events
 * ---------------------------------------------------------------- */

/* Queues a serialized event behind the frames still in the graph. */
static gboolean queue_event(GstEdgepipe *self, GstEvent *ev) {
  g_mutex_lock(&self->lock);
  if (g_queue_is_empty(&self->pending)) {
    out_push_event(self, ev);
  } else {
    item *it = g_new0(item, 1);
    it->event = ev;
    g_queue_push_tail(&self->pending, it);
  }
  g_cond_broadcast(&self->cond);
  g_mutex_unlock(&self->lock);
  return TRUE;
}

static gboolean on_caps(GstEdgepipe *self, GstEvent *ev) {
  GstCaps *caps;
  gst_event_parse_caps(ev, &caps);
  GstVideoInfo info;
  ep_image_format f;
  if (!gst_video_info_from_caps(&info, caps) ||
      !ep__gst_format_to_ep(GST_VIDEO_INFO_FORMAT(&info), &f)) {
    GST_WARNING_OBJECT(self, "caps not handled: %" GST_PTR_FORMAT, caps);
    gst_event_unref(ev);
    return FALSE;
  }
  self->in_info = info;
  self->have_in_info = TRUE;
  return queue_event(self, ev);
}

/* Frames the graph never reported after a drain are dropped frames. */
static void resolve_rest(GstEdgepipe *self) {
  item *it;
  move_events(self);
  while ((it = g_queue_pop_head(&self->pending))) {
    if (!it->event && !it->stale)
      emit_dropped(self, it);
    else if (it->event)
      out_push_event(self, g_steal_pointer(&it->event));
    item_free(it);
  }
}

static gboolean on_eos(GstEdgepipe *self, GstEvent *ev) {
  char *err = NULL;
  g_mutex_lock(&self->graph_lock);
  int rc = ep__gst_session_drain(self->session, &err);
  g_mutex_unlock(&self->graph_lock);
  /* The error before the EOS, so the application sees it first. */
  if (rc < 0)
    GST_ELEMENT_ERROR(self, LIBRARY, FAILED, ("edgepipe: %s", err), (NULL));
  g_free(err);
  g_mutex_lock(&self->lock);
  resolve_rest(self);
  out_push_event(self, ev);
  g_cond_broadcast(&self->cond);
  g_mutex_unlock(&self->lock);
  return rc == 0;
}

static gboolean on_flush_start(GstEdgepipe *self, GstEvent *ev) {
  g_mutex_lock(&self->lock);
  self->flushing = TRUE;
  g_cond_broadcast(&self->cond);
  g_mutex_unlock(&self->lock);
  gboolean ok = gst_pad_push_event(self->srcpad, ev);
  gst_pad_pause_task(self->srcpad);
  return ok;
}

static gboolean on_flush_stop(GstEdgepipe *self, GstEvent *ev) {
  ep__gst_edgepipe_flush_queues(self, TRUE);
  g_mutex_lock(&self->lock);
  self->flushing = FALSE;
  self->src_ret = GST_FLOW_OK;
  g_mutex_unlock(&self->lock);
  self->rebase = TRUE;
  gboolean ok = gst_pad_push_event(self->srcpad, ev);
  return gst_pad_start_task(self->srcpad, src_loop, self, NULL) && ok;
}

static gboolean sink_event(GstPad *pad, GstObject *parent, GstEvent *ev) {
  GstEdgepipe *self = GST_EDGEPIPE(parent);
  switch (GST_EVENT_TYPE(ev)) {
  case GST_EVENT_CAPS:
    return on_caps(self, ev);
  case GST_EVENT_EOS:
    return on_eos(self, ev);
  case GST_EVENT_FLUSH_START:
    return on_flush_start(self, ev);
  case GST_EVENT_FLUSH_STOP:
    return on_flush_stop(self, ev);
  default:
    if (GST_EVENT_IS_SERIALIZED(ev))
      return queue_event(self, ev);
    return gst_pad_event_default(pad, parent, ev);
  }
}

/* Upstream may hand us buffers with any stride: say we read GstVideoMeta.
 * The allocation query is not passed downstream: frames stay in the graph
 * a while, and a downstream pool with few buffers could run dry. */
static gboolean sink_query(GstPad *pad, GstObject *parent, GstQuery *q) {
  if (GST_QUERY_TYPE(q) == GST_QUERY_ALLOCATION) {
    gst_query_add_allocation_meta(q, GST_VIDEO_META_API_TYPE, NULL);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, q);
}

void ep__gst_edgepipe_init_pads(GstEdgepipe *self) {
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(chain));
  gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(sink_event));
  gst_pad_set_query_function(self->sinkpad, GST_DEBUG_FUNCPTR(sink_query));
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_set_activatemode_function(self->srcpad,
                                    GST_DEBUG_FUNCPTR(src_activate_mode));
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}

void ep__gst_edgepipe_add_templates(GstElementClass *klass) {
  gst_element_class_add_static_pad_template(klass, &sink_template);
  gst_element_class_add_static_pad_template(klass, &src_template);
}
