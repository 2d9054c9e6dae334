/* gstedgepipe_meta.c — Detections -> ROI metas. */
#include "gstedgepipe_meta.h"

#include <math.h>
#include <string.h>

static int to_px(float rel, int size) {
  long v = lroundf(rel * (float)size);
  return (int)CLAMP(v, 0, size);
}

static GstStructure *detection_params(const ep_detection *d, int width,
                                      int height) {
  GValue kps = G_VALUE_INIT, v = G_VALUE_INIT;
  gst_value_array_init(&kps, (guint)d->n_keypoints * 2);
  g_value_init(&v, G_TYPE_DOUBLE);
  for (int k = 0; k < d->n_keypoints; k++) {
    g_value_set_double(&v, d->keypoints[k].x * width);
    gst_value_array_append_value(&kps, &v);
    g_value_set_double(&v, d->keypoints[k].y * height);
    gst_value_array_append_value(&kps, &v);
  }
  g_value_unset(&v);
  GstStructure *s = gst_structure_new("detection", "confidence", G_TYPE_DOUBLE,
                                      (double)d->score, "label-id", G_TYPE_INT,
                                      d->label_id, NULL);
  gst_structure_take_value(s, "keypoints", &kps);
  return s;
}

void ep__gst_meta_add_detections(GstBuffer *buf, const ep_detections *ds,
                                 int width, int height,
                                 const char *default_label) {
  for (size_t i = 0; i < ds->n; i++) {
    const ep_detection *d = &ds->v[i];
    int x0 = to_px(d->xmin, width), y0 = to_px(d->ymin, height);
    int x1 = to_px(d->xmin + d->width, width);
    int y1 = to_px(d->ymin + d->height, height);
    const char *label = d->label[0] ? d->label : default_label;
    GstVideoRegionOfInterestMeta *m =
        gst_buffer_add_video_region_of_interest_meta(
            buf, label, (guint)x0, (guint)y0, (guint)(x1 - x0),
            (guint)(y1 - y0));
    m->id = (gint)i;
    gst_video_region_of_interest_meta_add_param(
        m, detection_params(d, width, height));
  }
}

char *ep__gst_meta_label_for_stream(const char *stream) {
  static const char *const suffixes[] = {"_detections", "detections"};
  size_t n = stream ? strlen(stream) : 0;
  for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    size_t k = strlen(suffixes[i]);
    if (n > k && strcmp(stream + n - k, suffixes[i]) == 0)
      return g_strndup(stream, n - k);
  }
  return g_strdup(n && !g_str_equal(stream, "detections") ? stream : "object");
}
