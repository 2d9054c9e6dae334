/* ssd_anchors.h — SSD anchor boxes ("Anchors") and their generator.
 *
 * SsdAnchorsCalculator turns MediaPipe's SsdAnchorsCalculatorOptions into
 * a list of anchors in open() and sends it as an output side packet;
 * TensorsToDetectionsCalculator reads it (input side packet ANCHORS) to
 * decode box offsets. Anchors are relative to the model input: centers and
 * sizes in [0,1] (or 1.0 sizes with fixed_anchor_size). Internal to the
 * built-in calculators (ep__ prefix); the type is registered by name. */
#ifndef EDGEPIPE_CALC_SSD_ANCHORS_H
#define EDGEPIPE_CALC_SSD_ANCHORS_H

#include "edgepipe/type.h"

typedef struct ep_anchor {
  float x_center, y_center, h, w;
} ep_anchor;

typedef struct ep_anchors {
  size_t n;
  ep_anchor *v;
} ep_anchors;

/* The generator's inputs, as SsdAnchorsCalculatorOptions (arrays
 * borrowed). */
typedef struct ep_ssd_anchor_options {
  int input_size_width, input_size_height;
  float min_scale, max_scale;
  float anchor_offset_x, anchor_offset_y;
  int num_layers;
  size_t n_feature_map_width, n_feature_map_height;
  const int *feature_map_width, *feature_map_height;
  size_t n_strides;
  const int *strides;
  size_t n_aspect_ratios;
  const float *aspect_ratios;
  bool reduce_boxes_in_lowest_layer;
  float interpolated_scale_aspect_ratio;
  bool fixed_anchor_size;
  /* RetinaNet-style grid anchors (multiscale_anchor_generation). */
  bool multiscale_anchor_generation;
  int min_level, max_level;
  float anchor_scale;
  int scales_per_octave;
  bool normalize_coordinates;
} ep_ssd_anchor_options;

/* Generates the anchors into *out (transfer full; free with
 * ep__anchors_free). On bad options returns EP_EINVAL and writes why into
 * err (size errn). */
int ep__ssd_anchors_generate(const ep_ssd_anchor_options *o, ep_anchors **out,
                             char *err, size_t errn);

ep_anchors *ep__anchors_new(size_t n); /* n zeroed anchors, or NULL */
void ep__anchors_free(ep_anchors *a);  /* NULL is ignored */

/* The "Anchors" side-packet type; its payload is an ep_anchors*. */
extern const ep_type ep_type_anchors;

#endif
