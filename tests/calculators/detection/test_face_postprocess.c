/* The face model's post-processing chain (anchors -> decode -> weighted
 * NMS -> letterbox removal), as the face graph configures it, against the
 * independent NumPy reference, on synthetic model outputs with planted
 * faces. (The real model's outputs are compared in test_face_detection.) */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "detection/detection_letterbox_removal_calculator.h"
#include "detection/non_max_suppression_calculator.h"
#include "edgepipe/error.h"
#include "face_anchor_options.h"
#include "face_reference.h"
#include "image/image_to_tensor_calculator.h"
#include "tensor/tensors_to_detections_calculator.h"

static ep_anchors *face_anchors(void) {
  ep_ssd_anchor_options o = face_anchor_options();
  ep_anchors *a = NULL;
  ck_assert_int_eq(ep__ssd_anchors_generate(&o, &a, NULL, 0), 0);
  return a;
}

static ep_t2d_options face_decoder(void) {
  return (ep_t2d_options){.num_classes = 1,
                          .num_boxes = 896,
                          .num_coords = 16,
                          .keypoint_coord_offset = 4,
                          .num_keypoints = 6,
                          .num_values_per_keypoint = 2,
                          .x_scale = 128,
                          .y_scale = 128,
                          .w_scale = 128,
                          .h_scale = 128,
                          .box_format = EP_BOX_XYWH,
                          .sigmoid_score = true,
                          .has_score_clipping_thresh = true,
                          .score_clipping_thresh = 100,
                          .has_min_score_thresh = true,
                          .min_score_thresh = 0.5f,
                          .max_results = -1,
                          .box_indices = {0, 1, 2, 3}};
}

static unsigned rng = 12345;
static float noise(float amp) {
  rng = rng * 1103515245u + 12345u;
  return amp * ((float)((rng >> 8) & 0xffff) / 65535.0f - 0.5f);
}

/* Plants a face centred at (cx, cy) (tensor px), size s, on the anchors
 * within `reach` px of it: each predicts the face with some jitter. */
static void plant(const ep_anchors *a, float *boxes, float *logits, float cx,
                  float cy, float s, float reach) {
  for (size_t i = 0; i < a->n; i++) {
    float ax = a->v[i].x_center * 128, ay = a->v[i].y_center * 128;
    if (fabsf(ax - cx) > reach || fabsf(ay - cy) > reach)
      continue;
    float *b = boxes + 16 * i;
    b[0] = cx - ax + noise(3), b[1] = cy - ay + noise(3);
    b[2] = s + noise(4), b[3] = s + noise(4);
    for (int k = 0; k < 6; k++) {
      b[4 + 2 * k] = cx - ax + (float)(k - 3) * s / 8 + noise(2);
      b[5 + 2 * k] = cy - ay + (float)(k % 2) * s / 6 + noise(2);
    }
    logits[i] = 2.0f + noise(4); /* some fall under 0.5 */
  }
}

static void check_against_reference(int img_w, int img_h) {
  ep_anchors *a = face_anchors();
  float *boxes = calloc(896 * 16, sizeof *boxes), logits[896];
  for (int i = 0; i < 896; i++) {
    logits[i] = -8.0f + noise(6);
    for (int k = 0; k < 16; k++)
      boxes[16 * i + k] = noise(10);
  }
  plant(a, boxes, logits, 40, 60, 30, 12);
  plant(a, boxes, logits, 90, 70, 50, 20);
  /* A lone, sure (clipped at 100), small candidate near the top left. */
  logits[3] = 200.0f;
  boxes[16 * 3 + 2] = boxes[16 * 3 + 3] = 8.0f;

  ep_t2d_options o = face_decoder();
  ep_detections *cand = ep_detections_new(), *faces = ep_detections_new();
  ck_assert_int_eq(ep__t2d_decode(&o, boxes, logits, a, cand), 0);
  ep_nms_options nms = {.min_suppression_threshold = 0.3f,
                        .overlap_type = EP_OVERLAP_IOU,
                        .weighted = true,
                        .max_num_detections = -1,
                        .min_score_threshold = -1};
  ck_assert_int_eq(ep__nms(&nms, cand, faces), 0);
  float pad[4];
  ep__letterbox_padding(img_w, img_h, 128, 128, pad);
  for (size_t i = 0; i < faces->n; i++)
    ck_assert(ep__detection_remove_letterbox(&faces->v[i], pad));

  ref_face ref[REF_MAX_FACES];
  int n = ref_faces(boxes, logits, pad, img_w, img_h, ref);
  ck_assert_int_ge(n, 3);
  ck_assert_int_eq(n, (int)faces->n);
  double worst = 0;
  for (int f = 0; f < n; f++) {
    const ep_detection *d = &faces->v[f];
    double got[4] = {d->xmin * img_w, d->ymin * img_h, d->width * img_w,
                     d->height * img_h};
    ck_assert_float_eq_tol(d->score, ref[f].score, 1e-4);
    for (int k = 0; k < 4; k++)
      worst = fmax(worst, fabs(got[k] - ref[f].box[k]));
    for (int k = 0; k < 6; k++) {
      worst = fmax(worst, fabs(d->keypoints[k].x * img_w - ref[f].kp[k][0]));
      worst = fmax(worst, fabs(d->keypoints[k].y * img_h - ref[f].kp[k][1]));
    }
  }
  printf("synthetic %dx%d: %d faces, worst difference %.6f px\n", img_w, img_h,
         n, worst);
  ck_assert(worst <= 1.0);
  ep_detections_free(cand);
  ep_detections_free(faces);
  ep__anchors_free(a);
  free(boxes);
}

START_TEST(matches_reference_landscape) { check_against_reference(640, 480); }
END_TEST

START_TEST(matches_reference_portrait) { check_against_reference(480, 640); }
END_TEST

int main(void) {
  Suite *s = suite_create("face_postprocess");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, matches_reference_landscape);
  tcase_add_test(tc, matches_reference_portrait);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
