/* gstedgepipe_meta.h — Detections as GstVideoRegionOfInterestMeta.
 *
 * Each detection becomes one ROI meta on the buffer: roi_type is the
 * detection's label (or default_label when it has none), the box is in
 * pixels of a width x height image (clamped to it), id is the detection's
 * index, and a "detection" GstStructure param holds "confidence" (double),
 * "label-id" (int) and "keypoints" (a GstValueArray of doubles, x0, y0, x1,
 * y1, ... in pixels). */
#ifndef EDGEPIPE_GST_META_H
#define EDGEPIPE_GST_META_H

#include <gst/video/video.h>

#include "edgepipe/detection.h"

/* buf must be writable; ds, default_label: transfer none. */
void ep__gst_meta_add_detections(GstBuffer *buf, const ep_detections *ds,
                                 int width, int height,
                                 const char *default_label);

/* The label for detections without one, from the stream's name:
 * "face_detections" -> "face"; "object" when nothing is left. g_free it. */
char *ep__gst_meta_label_for_stream(const char *stream);

#endif
