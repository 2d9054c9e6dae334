#!/usr/bin/python3
"""face_reference.py - an independent NumPy post-processing of the
short-range face model, the reference the face-detection tests compare
edgepipe's calculators against.

It starts from the same raw model outputs edgepipe computed (so only the
post-processing is under test): SSD anchors, box/keypoint decoding,
clipped sigmoid scores, weighted non-max suppression (IoU) and letterbox
removal, written from the model's published description, not from
edgepipe's C code.

usage: face_reference.py BOXES.f32 SCORES.f32 PAD_L PAD_T PAD_R PAD_B W H
  BOXES.f32   896 x 16 float32 (little endian): x, y, w, h, 6 x (x, y)
  SCORES.f32  896 float32 logits
  PAD_*       letterbox padding, fractions of the 128x128 tensor
  W H         the image size in pixels

Prints one line per face: score, then xmin ymin width height and the
6 keypoints (x y), all in image pixels.
"""
import sys

import numpy as np

SIZE = 128.0
SCORE_THRESHOLD = 0.5
CLIP = 100.0
IOU_THRESHOLD = 0.3


def anchor_centers():
    """Centers of the 896 anchors: a 16x16 grid (stride 8) with 2 anchors
    per cell, then an 8x8 grid (stride 16, three layers merged) with 6."""
    out = []
    for cells, per_cell in ((16, 2), (8, 6)):
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells),
                             indexing="ij")
        centers = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], -1)
        out.append(np.repeat(centers.reshape(-1, 2), per_cell, axis=0))
    return np.concatenate(out).astype(np.float64)


def decode(raw, logits):
    """Relative boxes [xmin, ymin, xmax, ymax], keypoints and scores of
    the candidates above the threshold, in model order."""
    a = anchor_centers()
    cx = raw[:, 0] / SIZE + a[:, 0]
    cy = raw[:, 1] / SIZE + a[:, 1]
    w = raw[:, 2] / SIZE
    h = raw[:, 3] / SIZE
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)
    kp = raw[:, 4:16].reshape(-1, 6, 2) / SIZE + a[:, None, :]
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -CLIP, CLIP)))
    keep = (scores >= SCORE_THRESHOLD) & (w >= 0) & (h >= 0)
    return boxes[keep], kp[keep], scores[keep]


def iou(box, others):
    lo = np.maximum(box[:2], others[:, :2])
    hi = np.minimum(box[2:], others[:, 2:])
    wh = np.clip(hi - lo, 0, None)
    inter = wh[:, 0] * wh[:, 1]
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area(box) + area(others) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0)


def weighted_nms(boxes, kps, scores):
    """Clusters around the best remaining box (IoU above the threshold)
    become their score-weighted mean; the score is the best one's."""
    order = np.argsort(-scores, kind="stable")
    faces = []
    while order.size:
        top = order[0]
        near = iou(boxes[top], boxes[order]) > IOU_THRESHOLD
        near[0] = True
        members = order[near]
        wts = scores[members][:, None]
        box = (boxes[members] * wts).sum(0) / wts.sum()
        kp = (kps[members] * wts[:, :, None]).sum(0) / wts.sum()
        faces.append((scores[top], box, kp))
        order = order[~near]
    return faces


def main(argv):
    raw = np.fromfile(argv[1], dtype="<f4").astype(np.float64).reshape(-1, 16)
    logits = np.fromfile(argv[2], dtype="<f4").astype(np.float64)
    pl, pt, pr, pb = (float(v) for v in argv[3:7])
    width, height = float(argv[7]), float(argv[8])
    if raw.shape[0] != 896 or logits.shape[0] != 896:
        sys.exit("expected 896 boxes and scores")
    sx, sy = 1.0 - pl - pr, 1.0 - pt - pb
    for score, box, kp in weighted_nms(*decode(raw, logits)):
        x0 = (box[0] - pl) / sx * width
        y0 = (box[1] - pt) / sy * height
        x1 = (box[2] - pl) / sx * width
        y1 = (box[3] - pt) / sy * height
        pts = [((k[0] - pl) / sx * width, (k[1] - pt) / sy * height)
               for k in kp]
        vals = [score, x0, y0, x1 - x0, y1 - y0] + [v for p in pts for v in p]
        print(" ".join("%.4f" % v for v in vals))


if __name__ == "__main__":
    main(sys.argv)
