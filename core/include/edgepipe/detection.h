/* detection.h — object detections, the "Detections" type.
 *
 * As MediaPipe's Detection with a RELATIVE_BOUNDING_BOX location: a score
 * and label, a box in [0,1] image-relative units (xmin, ymin, width,
 * height) and relative keypoints. A "Detections" packet carries an
 * ep_detections (a vector, possibly empty). */
#ifndef EDGEPIPE_DETECTION_H
#define EDGEPIPE_DETECTION_H

#include "edgepipe/common.h"
#include "edgepipe/type.h"

#define EP_DETECTION_MAX_KEYPOINTS 16

typedef struct ep_keypoint {
  float x, y;
} ep_keypoint;

typedef struct ep_detection {
  float score;
  int label_id;
  char label[32];                  /* "" when none */
  float xmin, ymin, width, height; /* relative to the image */
  int n_keypoints;
  ep_keypoint keypoints[EP_DETECTION_MAX_KEYPOINTS];
} ep_detection;

typedef struct ep_detections {
  size_t n, cap;
  ep_detection *v;
} ep_detections;

/* A new empty vector (transfer full), freed with ep_detections_free. */
EP_API ep_detections *ep_detections_new(void);
/* Appends a copy of *d. 0 or EP_ENOMEM. */
EP_API int ep_detections_push(ep_detections *ds, const ep_detection *d);
EP_API void ep_detections_free(ep_detections *ds); /* NULL is ignored */

/* The "Detections" packet type; its payload is an ep_detections*. Its
 * describe() writes a JSON array of {score, label, box, keypoints}. */
EP_API extern const ep_type ep_type_detections;

#endif
