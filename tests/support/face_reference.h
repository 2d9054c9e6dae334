/* face_reference.h — runs tests/tools/face_reference.py (an independent
 * NumPy post-processing of the face model) on raw model outputs and reads
 * its faces back, for comparison with edgepipe's calculators. */
#ifndef EDGEPIPE_TEST_FACE_REFERENCE_H
#define EDGEPIPE_TEST_FACE_REFERENCE_H

#include <stddef.h>

#define REF_MAX_FACES 16

typedef struct ref_face {
  double score;
  double box[4]; /* xmin, ymin, width, height in pixels */
  double kp[6][2];
} ref_face;

/* boxes: 896 x 16 floats, logits: 896; pad: the letterbox padding; w, h:
 * the image size. Returns the number of faces (<= REF_MAX_FACES) or -1
 * when the script could not run. */
int ref_faces(const float *boxes, const float *logits, const float pad[4],
              int w, int h, ref_face *out);

#endif
