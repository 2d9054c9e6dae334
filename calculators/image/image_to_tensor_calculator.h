/* image_to_tensor_calculator.h — the sampling core of
 * ImageToTensorCalculator. Internal (ep__ prefix). */
#ifndef EDGEPIPE_CALC_IMAGE_TO_TENSOR_H
#define EDGEPIPE_CALC_IMAGE_TO_TENSOR_H

#include "edgepipe/image_frame.h"

typedef struct ep_image_to_tensor_params {
  int width, height;          /* of the tensor */
  bool keep_aspect_ratio;     /* letterbox instead of stretching */
  float range_min, range_max; /* pixel 0 -> min, 255 -> max */
  bool border_zero; /* outside the image: pixel 0 (else the nearest edge) */
} ep_image_to_tensor_params;

/* Channels of the tensor for an image format: 3 for SRGB/SRGBA (alpha is
 * dropped), 1 for GRAY8. */
int ep__image_to_tensor_channels(ep_image_format f);

/* The letterbox padding (left, top, right, bottom, fractions of the
 * tensor) that keeps the image's aspect ratio in a w x h tensor. */
void ep__letterbox_padding(int img_w, int img_h, int w, int h, float pad[4]);

/* Samples img bilinearly into dst, height x width x channels floats
 * (row-major, HWC); writes the padding used (zeros when stretching). Pixel
 * centers map to pixel centers: tensor column i samples the image at
 * x = x0 + (i + 0.5) * roi_width / width - 0.5. 0 or EP_ENOMEM. */
int ep__image_to_tensor(const ep_image_frame *img,
                        const ep_image_to_tensor_params *p, float *dst,
                        float pad[4]);

#endif
