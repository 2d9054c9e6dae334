/* tensors_to_detections_calculator.h — the decoding core of
 * TensorsToDetectionsCalculator, apart from tensors and the graph, so
 * tests can drive it with plain arrays. Internal (ep__ prefix). */
#ifndef EDGEPIPE_CALC_TENSORS_TO_DETECTIONS_H
#define EDGEPIPE_CALC_TENSORS_TO_DETECTIONS_H

#include "edgepipe/detection.h"

#include "ssd_anchors.h"

/* How the model lays out a box (MediaPipe's BoxFormat; UNSPECIFIED reads
 * as YXHW). Keypoints are (y, x) for YXHW, (x, y) otherwise. */
typedef enum ep_box_format {
  EP_BOX_YXHW, /* y_center, x_center, h, w */
  EP_BOX_XYWH, /* x_center, y_center, w, h */
  EP_BOX_XYXY  /* distances to the left, top, right, bottom edges */
} ep_box_format;

typedef struct ep_t2d_options {
  int num_classes, num_boxes, num_coords;
  int box_coord_offset, keypoint_coord_offset;
  int num_keypoints, num_values_per_keypoint;
  float x_scale, y_scale, w_scale, h_scale;
  bool apply_exponential_on_box_size;
  ep_box_format box_format;
  bool sigmoid_score;
  bool has_score_clipping_thresh;
  float score_clipping_thresh;
  bool flip_vertically;
  bool has_min_score_thresh;
  float min_score_thresh;
  int max_results; /* <= 0 (MediaPipe: -1): all */
  /* Class filter: allow-list when classes_allow, else ignore-list. */
  const int *classes;
  size_t n_classes;
  bool classes_allow;
  /* Where ymin, xmin, ymax, xmax sit in a post-processed box. */
  int box_indices[4];
} ep_t2d_options;

/* Checks the options' consistency (as MediaPipe's LoadOptions); writes the
 * reason into err. 0 or EP_EINVAL. */
int ep__t2d_check(const ep_t2d_options *o, char *err, size_t errn);

/* Decodes raw SSD outputs: raw_boxes [num_boxes x num_coords] and
 * raw_scores [num_boxes x num_classes] against anchors (num_boxes of
 * them), appending to out. 0, EP_ENOMEM, or EP_EINVAL on a short anchor
 * list. */
int ep__t2d_decode(const ep_t2d_options *o, const float *raw_boxes,
                   const float *raw_scores, const ep_anchors *anchors,
                   ep_detections *out);

/* Converts the outputs of a model with built-in post-processing: `num`
 * detections, `max_detections` rows of boxes [num_coords each], scores and
 * (float) class ids. Appends to out. */
int ep__t2d_postprocessed(const ep_t2d_options *o, const float *boxes,
                          const float *scores, const float *classes,
                          int max_detections, int num, ep_detections *out);

#endif
