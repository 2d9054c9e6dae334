/* non_max_suppression_calculator.h — the suppression core of
 * NonMaxSuppressionCalculator, apart from the graph so tests can call it.
 * Internal (ep__ prefix). */
#ifndef EDGEPIPE_CALC_NON_MAX_SUPPRESSION_H
#define EDGEPIPE_CALC_NON_MAX_SUPPRESSION_H

#include "edgepipe/detection.h"

typedef enum ep_overlap_type {
  EP_OVERLAP_JACCARD,          /* intersection / area of the bounding union */
  EP_OVERLAP_MODIFIED_JACCARD, /* intersection / area of the other box */
  EP_OVERLAP_IOU               /* intersection / (a + b - intersection) */
} ep_overlap_type;

typedef struct ep_nms_options {
  float min_suppression_threshold;
  ep_overlap_type overlap_type;
  bool weighted;             /* algorithm: WEIGHTED, else DEFAULT */
  int max_num_detections;    /* < 0: all */
  float min_score_threshold; /* applies when > 0 */
  bool multiclass;           /* suppress within each label_id separately */
} ep_nms_options;

/* The overlap of two relative boxes; `b` is the one tested for
 * suppression (MODIFIED_JACCARD divides by its area). */
float ep__nms_overlap(ep_overlap_type t, const ep_detection *a,
                      const ep_detection *b);

/* Suppresses `in` into `out` (appends). 0 or EP_ENOMEM. */
int ep__nms(const ep_nms_options *o, const ep_detections *in,
            ep_detections *out);

#endif
