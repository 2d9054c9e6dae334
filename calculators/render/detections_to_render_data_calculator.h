/* detections_to_render_data_calculator.h — the core of
 * DetectionsToRenderDataCalculator. Internal (ep__ prefix). */
#ifndef EDGEPIPE_CALC_DETECTIONS_TO_RENDER_DATA_H
#define EDGEPIPE_CALC_DETECTIONS_TO_RENDER_DATA_H

#include "edgepipe/detection.h"
#include "edgepipe/render_data.h"

typedef struct ep_d2rd_options {
  float thickness;
  ep_color color;
  const char *text_delimiter;
} ep_d2rd_options;

/* Appends d's annotations to rd, as MediaPipe: its "label,score," text
 * inside the top of the box, the box (clipped to [0,1]) and its keypoints
 * as points, all relative. 0 or EP_ENOMEM. */
int ep__detection_to_render_data(const ep_d2rd_options *o,
                                 const ep_detection *d, ep_render_data *rd);

#endif
