/* video_probe.c — see video_probe.h. */
#include "video_probe.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void keep_first(video_probe *out, GstSample *s) {
  GstVideoInfo info;
  GstMapInfo map;
  GstBuffer *b = gst_sample_get_buffer(s);
  if (!gst_video_info_from_caps(&info, gst_sample_get_caps(s)) ||
      !gst_buffer_map(b, &map, GST_MAP_READ))
    return;
  out->width = GST_VIDEO_INFO_WIDTH(&info);
  out->height = GST_VIDEO_INFO_HEIGHT(&info);
  out->stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  out->first = malloc(map.size);
  if (out->first)
    memcpy(out->first, map.data, map.size);
  gst_buffer_unmap(b, &map);
}

/* A red box of thickness 4 around even a small face is well over this
 * many pixels of (255, 0, 0) give or take coding noise; the sample clip
 * itself has at most a couple. */
#define BOX_PIXELS 500

static bool has_box(GstSample *s) {
  GstVideoInfo info;
  GstMapInfo map;
  GstBuffer *b = gst_sample_get_buffer(s);
  if (!gst_video_info_from_caps(&info, gst_sample_get_caps(s)) ||
      !gst_buffer_map(b, &map, GST_MAP_READ))
    return false;
  int n = 0, stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  for (int y = 0; y < GST_VIDEO_INFO_HEIGHT(&info); y++)
    for (int x = 0; x < GST_VIDEO_INFO_WIDTH(&info); x++) {
      const uint8_t *p = map.data + (size_t)y * (size_t)stride + 3 * x;
      n += p[0] > 200 && p[1] < 60 && p[2] < 60;
    }
  gst_buffer_unmap(b, &map);
  return n >= BOX_PIXELS;
}

static bool pull_all(GstElement *pipe, GstAppSink *sink, video_probe *out) {
  GstSample *s;
  while ((s = gst_app_sink_pull_sample(sink))) {
    if (out->frames++ == 0)
      keep_first(out, s);
    out->boxed += has_box(s);
    gst_sample_unref(s);
  }
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  bool ok = m == NULL;
  if (m) {
    GError *e = NULL;
    gst_message_parse_error(m, &e, NULL);
    fprintf(stderr, "video_probe: %s\n", e ? e->message : "error");
    g_clear_error(&e);
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  return ok;
}

bool video_probe_file(const char *path, video_probe *out) {
  memset(out, 0, sizeof *out);
  gst_init(NULL, NULL);
  gchar *desc =
      g_strdup_printf("filesrc location=\"%s\" ! decodebin ! videoconvert ! "
                      "video/x-raw,format=RGB ! appsink name=sink sync=false",
                      path);
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch(desc, &err);
  g_free(desc);
  if (!pipe) {
    fprintf(stderr, "video_probe: %s\n", err ? err->message : "no pipeline");
    g_clear_error(&err);
    return false;
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  bool ok = pull_all(pipe, GST_APP_SINK(sink), out);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipe);
  return ok && out->frames > 0 && out->first;
}

void video_probe_clear(video_probe *p) {
  free(p->first);
  memset(p, 0, sizeof *p);
}

const uint8_t *video_probe_pixel(const video_probe *p, int x, int y) {
  return p->first + (size_t)y * (size_t)p->stride + 3 * (size_t)x;
}
