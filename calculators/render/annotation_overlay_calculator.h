/* annotation_overlay_calculator.h — the drawing core of
 * AnnotationOverlayCalculator. Internal (ep__ prefix). */
#ifndef EDGEPIPE_CALC_ANNOTATION_OVERLAY_H
#define EDGEPIPE_CALC_ANNOTATION_OVERLAY_H

#include "edgepipe/image_frame.h"
#include "edgepipe/render_data.h"

/* Draws every annotation of rd onto img (which must be writable: a copy
 * the caller owns), clipped to the image. Relative coordinates map as
 * MediaPipe's renderer: x_px = min(floor(x * width), width - 1). */
void ep__render_annotations(ep_image_frame *img, const ep_render_data *rd);

#endif
