/* detection_letterbox_removal_calculator.h — the mapping core of
 * DetectionLetterboxRemovalCalculator. Internal (ep__ prefix). */
#ifndef EDGEPIPE_CALC_DETECTION_LETTERBOX_REMOVAL_H
#define EDGEPIPE_CALC_DETECTION_LETTERBOX_REMOVAL_H

#include "edgepipe/detection.h"

/* Maps d from letterboxed-tensor coordinates back to the image's, given
 * the padding (left, top, right, bottom) as fractions of the tensor, as
 * ImageToTensorCalculator's LETTERBOX_PADDING. Returns false when the
 * padding leaves no image (left + right >= 1 or top + bottom >= 1). */
bool ep__detection_remove_letterbox(ep_detection *d, const float pad[4]);

#endif
