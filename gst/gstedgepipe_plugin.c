/* gstedgepipe_plugin.c — the gstedgepipe plugin: the edgepipe element. */
#include <gst/gst.h>

#include "edgepipe/common.h"
#include "gstedgepipe.h"
#include "gstedgepipe_join.h"

static gboolean plugin_init(GstPlugin *plugin) {
  if (ep__gst_join_register() < 0)
    return FALSE;
  return GST_ELEMENT_REGISTER(edgepipe, plugin);
}

/* GST_PLUGIN_DEFINE leaves the descriptor's reserved fields implicit. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, edgepipe,
                  "Run edgepipe graphs (on-device ML dataflow) in GStreamer "
                  "pipelines",
                  plugin_init, EP_GST_VERSION, "Apache 2.0", "edgepipe",
                  "https://github.com/edgepipe/edgepipe")
#pragma GCC diagnostic pop
