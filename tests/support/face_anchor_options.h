/* face_anchor_options.h — SsdAnchorsCalculator's options for the
 * short-range face model (as MediaPipe's face detection graph sets them),
 * for the tests that build its 896 anchors directly. */
#ifndef EDGEPIPE_TEST_FACE_ANCHOR_OPTIONS_H
#define EDGEPIPE_TEST_FACE_ANCHOR_OPTIONS_H

#include "tensor/ssd_anchors.h"

static const int face_strides[4] = {8, 16, 16, 16};
static const float face_aspect_ratio[1] = {1.0f};

static inline ep_ssd_anchor_options face_anchor_options(void) {
  return (ep_ssd_anchor_options){.input_size_width = 128,
                                 .input_size_height = 128,
                                 .min_scale = 0.1484375f,
                                 .max_scale = 0.75f,
                                 .anchor_offset_x = 0.5f,
                                 .anchor_offset_y = 0.5f,
                                 .num_layers = 4,
                                 .n_strides = 4,
                                 .strides = face_strides,
                                 .n_aspect_ratios = 1,
                                 .aspect_ratios = face_aspect_ratio,
                                 .interpolated_scale_aspect_ratio = 1.0f,
                                 .fixed_anchor_size = true};
}

#endif
