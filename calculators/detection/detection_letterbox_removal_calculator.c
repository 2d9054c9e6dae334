/* detection_letterbox_removal_calculator.c —
 * DetectionLetterboxRemovalCalculator: undoes ImageToTensor's letterbox so
 * detections are relative to the original image.
 *
 * Inputs DETECTIONS and LETTERBOX_PADDING (a 4-float FloatArray: left, top,
 * right, bottom); output DETECTIONS. No detections at a timestamp: no
 * output (the bound advances), as MediaPipe. */
#include "detection_letterbox_removal_calculator.h"

#include "edgepipe/calculator.h"
#include "edgepipe/error.h"
#include "edgepipe/float_array.h"

bool ep__detection_remove_letterbox(ep_detection *d, const float pad[4]) {
  float sx = 1.0f - pad[0] - pad[2], sy = 1.0f - pad[1] - pad[3];
  if (!(sx > 0.0f) || !(sy > 0.0f))
    return false;
  d->xmin = (d->xmin - pad[0]) / sx;
  d->ymin = (d->ymin - pad[1]) / sy;
  d->width /= sx;
  d->height /= sy;
  for (int k = 0; k < d->n_keypoints && k < EP_DETECTION_MAX_KEYPOINTS; k++) {
    d->keypoints[k].x = (d->keypoints[k].x - pad[0]) / sx;
    d->keypoints[k].y = (d->keypoints[k].y - pad[1]) / sy;
  }
  return true;
}

static int letterbox_process(ep_calc_ctx *ctx) {
  ep_packet *dp = ep_ctx_input(ctx, "DETECTIONS", 0);
  if (!dp)
    return 0;
  ep_packet *pp = ep_ctx_input(ctx, "LETTERBOX_PADDING", 0);
  const ep_float_array *pad = pp ? ep_packet_data(pp) : NULL;
  if (!pad || pad->n != 4)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "LETTERBOX_PADDING must carry 4 "
                       "floats (left, top, right, bottom) at each timestamp "
                       "with detections");
  const ep_detections *in = ep_packet_data(dp);
  ep_detections *out = ep_detections_new();
  if (!out)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  for (size_t i = 0; i < in->n; i++) {
    ep_detection d = in->v[i];
    if (!ep__detection_remove_letterbox(&d, pad->v)) {
      ep_detections_free(out);
      return ep_ctx_fail(ctx, EP_EINVAL,
                         "letterbox padding [%g, %g, %g, %g] "
                         "leaves no image",
                         (double)pad->v[0], (double)pad->v[1],
                         (double)pad->v[2], (double)pad->v[3]);
    }
    if (ep_detections_push(out, &d)) {
      ep_detections_free(out);
      return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
    }
  }
  ep_packet *p = ep_packet_new(&ep_type_detections, out, ep_ctx_timestamp(ctx));
  if (!p)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  return ep_ctx_output_add(ctx, "DETECTIONS", 0, p);
}

static const ep_port_spec inputs[] = {
    {"DETECTIONS", "Detections", 1, 1, NULL},
    {"LETTERBOX_PADDING", "FloatArray", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};
static const ep_port_spec outputs[] = {
    {"DETECTIONS", "Detections", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

const ep_calculator_def ep_calc_DetectionLetterboxRemovalCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "DetectionLetterboxRemovalCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .process = letterbox_process,
};
