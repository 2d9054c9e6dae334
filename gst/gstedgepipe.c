/* gstedgepipe.c — the edgepipe element: properties, the graph's lifetime
 * across state changes, registration. The data flow is in
 * gstedgepipe_stream.c. */
#include "gstedgepipe.h"

#include "gstedgepipe_meta.h"

GST_DEBUG_CATEGORY(ep__gst_debug);
#define GST_CAT_DEFAULT ep__gst_debug

enum {
  PROP_0,
  PROP_GRAPH,
  PROP_INPUT_STREAM,
  PROP_OUTPUT_STREAM,
  PROP_DETECTIONS_STREAM,
  PROP_SIDE,
  PROP_THREADS,
  PROP_ON_DROP,
};

G_DEFINE_TYPE(GstEdgepipe, gst_edgepipe, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE(edgepipe, "edgepipe", GST_RANK_NONE,
                            GST_TYPE_EDGEPIPE);

GType gst_edgepipe_on_drop_get_type(void) {
  static GType type;
  static const GEnumValue values[] = {
      {GST_EDGEPIPE_ON_DROP_DROP, "Drop the buffer: nothing goes downstream",
       "drop"},
      {GST_EDGEPIPE_ON_DROP_PASSTHROUGH,
       "Push the original frame downstream, unannotated and without metas",
       "passthrough"},
      {0, NULL, NULL},
  };
  if (g_once_init_enter(&type))
    g_once_init_leave(&type,
                      g_enum_register_static("GstEdgepipeOnDrop", values));
  return type;
}

/* --- properties
 * --------------------------------------------------------------- */

static gchar **string_prop(GstEdgepipe *self, guint id) {
  switch (id) {
  case PROP_GRAPH:
    return &self->graph;
  case PROP_INPUT_STREAM:
    return &self->input_stream;
  case PROP_OUTPUT_STREAM:
    return &self->output_stream;
  case PROP_DETECTIONS_STREAM:
    return &self->detections_stream;
  case PROP_SIDE:
    return &self->side;
  default:
    return NULL;
  }
}

static void set_property(GObject *obj, guint id, const GValue *v,
                         GParamSpec *pspec) {
  GstEdgepipe *self = GST_EDGEPIPE(obj);
  gchar **s = string_prop(self, id);
  GST_OBJECT_LOCK(self);
  if (s) {
    g_free(*s);
    *s = g_value_dup_string(v);
  } else if (id == PROP_THREADS) {
    self->threads = g_value_get_int(v);
  } else if (id == PROP_ON_DROP) {
    g_atomic_int_set(&self->on_drop, g_value_get_enum(v));
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void get_property(GObject *obj, guint id, GValue *v, GParamSpec *pspec) {
  GstEdgepipe *self = GST_EDGEPIPE(obj);
  gchar **s = string_prop(self, id);
  GST_OBJECT_LOCK(self);
  if (s)
    g_value_set_string(v, *s);
  else if (id == PROP_THREADS)
    g_value_set_int(v, self->threads);
  else if (id == PROP_ON_DROP)
    g_value_set_enum(v, g_atomic_int_get(&self->on_drop));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
  GST_OBJECT_UNLOCK(self);
}

#define READY_PARAM                                                            \
  (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

static void install_string(GObjectClass *oc, guint id, const char *name,
                           const char *nick, const char *blurb) {
  g_object_class_install_property(
      oc, id, g_param_spec_string(name, nick, blurb, NULL, READY_PARAM));
}

static void install_properties(GObjectClass *oc) {
  install_string(oc, PROP_GRAPH, "graph", "Graph file",
                 "Path of the graph to run, a .pbtxt or .yaml/.yml file "
                 "(relative paths, and the model paths inside the graph, are "
                 "taken from the current directory). Loaded, validated and "
                 "started (models loaded) when the element goes from NULL to "
                 "READY; a change takes effect at the next NULL->READY");
  install_string(oc, PROP_INPUT_STREAM, "input-stream", "Input stream",
                 "Graph input stream that receives the video frames "
                 "(ImageFrame). Default (unset): the graph's only input "
                 "stream");
  install_string(oc, PROP_OUTPUT_STREAM, "output-stream", "Output stream",
                 "Graph stream (ImageFrame) whose frames go out on the src "
                 "pad. Default (unset): the graph's only ImageFrame output "
                 "stream; if it has none, the input frames go out (with the "
                 "detections metadata)");
  install_string(oc, PROP_DETECTIONS_STREAM, "detections-stream",
                 "Detections stream",
                 "Graph stream of Detections attached to the outgoing "
                 "buffers as GstVideoRegionOfInterestMeta: roi_type is the "
                 "detection's label (or, for unlabelled detections, the "
                 "stream name without '_detections': face_detections -> "
                 "face), the box is in pixels, and a \"detection\" "
                 "structure holds confidence (double), label-id (int) and "
                 "keypoints (array of doubles x0,y0,x1,y1,... in pixels). "
                 "Default (unset): the graph's only Detections output "
                 "stream, if any");
  install_string(oc, PROP_SIDE, "side", "Side packets",
                 "Input side packets for the graph, as name=value pairs "
                 "separated by ';' (e.g. \"min_score=0.6;label=face\"); each "
                 "value is read as the type the graph's nodes declare (Int, "
                 "Float, Bool, String)");
  g_object_class_install_property(
      oc, PROP_THREADS,
      g_param_spec_int("threads", "Threads",
                       "Worker threads of the graph's default executor (0: "
                       "the graph's num_threads, else one per core)",
                       0, 256, 0, READY_PARAM));
  g_object_class_install_property(
      oc, PROP_ON_DROP,
      g_param_spec_enum(
          "on-drop", "On drop",
          "What to do with a frame the graph drops (its FlowLimiter lets "
          "one frame at a time into the model): drop the buffer, or push "
          "the original frame on, unannotated (keeps every frame, e.g. for "
          "encoding to a file)",
          GST_TYPE_EDGEPIPE_ON_DROP, GST_EDGEPIPE_ON_DROP_DROP,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
}

/* --- the graph's lifetime
 * ------------------------------------------------------ */

void ep__gst_edgepipe_post_started(GstEdgepipe *self) {
  GstStructure *st = gst_structure_new_empty("edgepipe-graph-started");
  gst_element_post_message(GST_ELEMENT(self),
                           gst_message_new_element(GST_OBJECT(self), st));
}

/* NULL->READY: load, validate and start the graph. */
static gboolean load_graph(GstEdgepipe *self) {
  GST_OBJECT_LOCK(self);
  ep_gst_session_params p = {
      .graph = g_strdup(self->graph),
      .input_stream = g_strdup(self->input_stream),
      .output_stream = g_strdup(self->output_stream),
      .detections_stream = g_strdup(self->detections_stream),
      .side = g_strdup(self->side),
      .threads = self->threads,
  };
  GST_OBJECT_UNLOCK(self);
  ep_gst_session *s = NULL;
  char *err = NULL;
  int rc = ep__gst_session_load(&p, ep__gst_edgepipe_on_result, self, &s, &err);
  g_mutex_lock(&self->graph_lock);
  self->session = s;
  g_free(self->default_label);
  self->default_label =
      s ? ep__gst_meta_label_for_stream(ep__gst_session_detections(s)) : NULL;
  if (!rc)
    rc = ep__gst_session_start(s, &err);
  g_mutex_unlock(&self->graph_lock);
  if (rc < 0)
    GST_ELEMENT_ERROR(self, LIBRARY, INIT, ("edgepipe: %s", err),
                      ("graph \"%s\"", p.graph ? p.graph : ""));
  else
    ep__gst_edgepipe_post_started(self);
  g_free(err);
  g_free((gchar *)p.graph);
  g_free((gchar *)p.input_stream);
  g_free((gchar *)p.output_stream);
  g_free((gchar *)p.detections_stream);
  g_free((gchar *)p.side);
  return rc == 0;
}

static void unload_graph(GstEdgepipe *self) {
  g_mutex_lock(&self->graph_lock);
  ep__gst_session_free(self->session); /* no callback runs after this */
  self->session = NULL;
  g_mutex_unlock(&self->graph_lock);
  ep__gst_edgepipe_clear_pending(self);
  ep__gst_edgepipe_flush_queues(self, FALSE);
}

static GstStateChangeReturn change_state(GstElement *el, GstStateChange t) {
  GstEdgepipe *self = GST_EDGEPIPE(el);
  if (t == GST_STATE_CHANGE_NULL_TO_READY && !load_graph(self)) {
    unload_graph(self);
    return GST_STATE_CHANGE_FAILURE;
  }
  if (t == GST_STATE_CHANGE_PAUSED_TO_READY) {
    g_mutex_lock(&self->lock); /* wakes chain() before the pads go down */
    self->flushing = TRUE;
    g_cond_broadcast(&self->cond);
    g_mutex_unlock(&self->lock);
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_edgepipe_parent_class)->change_state(el, t);
  if (t == GST_STATE_CHANGE_PAUSED_TO_READY) {
    /* The graph keeps running with its model: frames still in it are
     * dropped as they come out, and timestamps go on from the last. */
    ep__gst_edgepipe_flush_queues(self, FALSE);
    self->have_in_info = FALSE;
    self->rebase = TRUE;
  }
  if (t == GST_STATE_CHANGE_READY_TO_NULL)
    unload_graph(self);
  return ret;
}

/* --- the object
 * ---------------------------------------------------------------- */

static void gst_edgepipe_init(GstEdgepipe *self) {
  g_mutex_init(&self->graph_lock);
  g_mutex_init(&self->lock);
  g_cond_init(&self->cond);
  g_queue_init(&self->pending);
  g_queue_init(&self->out);
  self->last_ts = G_MININT64;
  self->on_drop = GST_EDGEPIPE_ON_DROP_DROP;
  ep__gst_edgepipe_init_pads(self);
}

static void finalize(GObject *obj) {
  GstEdgepipe *self = GST_EDGEPIPE(obj);
  unload_graph(self);
  g_free(self->graph);
  g_free(self->input_stream);
  g_free(self->output_stream);
  g_free(self->detections_stream);
  g_free(self->side);
  g_free(self->default_label);
  g_mutex_clear(&self->graph_lock);
  g_mutex_clear(&self->lock);
  g_cond_clear(&self->cond);
  G_OBJECT_CLASS(gst_edgepipe_parent_class)->finalize(obj);
}

static void gst_edgepipe_class_init(GstEdgepipeClass *klass) {
  GObjectClass *oc = G_OBJECT_CLASS(klass);
  GstElementClass *ec = GST_ELEMENT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(ep__gst_debug, "edgepipe", 0,
                          "edgepipe graph element");
  oc->set_property = set_property;
  oc->get_property = get_property;
  oc->finalize = finalize;
  install_properties(oc);
  ec->change_state = GST_DEBUG_FUNCPTR(change_state);
  ep__gst_edgepipe_add_templates(ec);
  gst_element_class_set_static_metadata(
      ec, "edgepipe graph", "Filter/Analyzer/Video",
      "Runs an edgepipe graph (MediaPipe-style .pbtxt/.yaml) on video "
      "frames: the graph's output frames go downstream, its detections as "
      "GstVideoRegionOfInterestMeta",
      "edgepipe developers");
  gst_type_mark_as_plugin_api(GST_TYPE_EDGEPIPE_ON_DROP, 0);
}
