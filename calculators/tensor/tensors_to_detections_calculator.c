/* tensors_to_detections_calculator.c — TensorsToDetectionsCalculator:
 * decodes an SSD model's output tensors into relative-box detections.
 *
 * As MediaPipe's: with 2 tensors (boxes, scores) the boxes are decoded
 * against the ANCHORS side packet; with 3 the third tensor holds the
 * anchors; with 4 the model did its own post-processing (boxes, classes,
 * scores, count). Options and their defaults are MediaPipe's
 * TensorsToDetectionsCalculatorOptions; the IGNORE_CLASSES side packet is
 * not supported (use ignore_classes / allow_classes). */
#include "tensors_to_detections_calculator.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/calculator.h"
#include "edgepipe/error.h"
#include "edgepipe/tensor.h"

static int fail(char *err, size_t n, const char *fmt, ...) EP_PRINTF(3, 4);
static int fail(char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (err && n)
    vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return EP_EINVAL;
}

int ep__t2d_check(const ep_t2d_options *o, char *err, size_t errn) {
  if (o->num_classes <= 0 || o->num_coords <= 0)
    return fail(err, errn,
                "num_classes and num_coords must be set and "
                "positive");
  if (o->num_values_per_keypoint != 2)
    return fail(err, errn, "num_values_per_keypoint must be 2 (got %d)",
                o->num_values_per_keypoint);
  if (o->num_keypoints < 0 || o->num_keypoints > EP_DETECTION_MAX_KEYPOINTS)
    return fail(err, errn, "num_keypoints must be 0..%d (got %d)",
                EP_DETECTION_MAX_KEYPOINTS, o->num_keypoints);
  if (o->num_keypoints * o->num_values_per_keypoint + 4 != o->num_coords)
    return fail(err, errn,
                "num_coords (%d) must be 4 + num_keypoints (%d) * "
                "num_values_per_keypoint (%d)",
                o->num_coords, o->num_keypoints, o->num_values_per_keypoint);
  if (o->box_coord_offset < 0 || o->box_coord_offset + 4 > o->num_coords ||
      o->keypoint_coord_offset < 0 ||
      o->keypoint_coord_offset + o->num_keypoints * 2 > o->num_coords)
    return fail(err, errn,
                "box_coord_offset / keypoint_coord_offset point "
                "outside the num_coords values of a box");
  if (o->max_results == 0)
    return fail(err, errn, "max_results must be non-zero (-1: all)");
  int seen = 0;
  for (int i = 0; i < 4; i++)
    if (o->box_indices[i] >= 0 && o->box_indices[i] < 4)
      seen |= 1 << o->box_indices[i];
  if (seen != 15)
    return fail(err, errn, "box_boundaries_indices must cover 0, 1, 2 and 3");
  return 0;
}

static bool class_allowed(const ep_t2d_options *o, int c) {
  for (size_t i = 0; i < o->n_classes; i++)
    if (o->classes[i] == c)
      return o->classes_allow;
  return !o->classes_allow;
}

/* The best allowed class of one box, with the sigmoid (and clipping). */
static int best_class(const ep_t2d_options *o, const float *scores,
                      float *best) {
  int id = -1;
  *best = -INFINITY;
  for (int c = 0; c < o->num_classes; c++) {
    if (!class_allowed(o, c))
      continue;
    float s = scores[c];
    if (o->sigmoid_score) {
      if (o->has_score_clipping_thresh) {
        float t = o->score_clipping_thresh;
        s = s < -t ? -t : s > t ? t : s;
      }
      s = 1.0f / (1.0f + expf(-s));
    }
    if (*best < s) {
      *best = s;
      id = c;
    }
  }
  return id;
}

/* Decodes box i into (ymin, xmin, ymax, xmax) and its keypoints (x, y). */
static void decode_box(const ep_t2d_options *o, const float *raw,
                       const ep_anchor *a, float box[4], ep_keypoint *kps) {
  const float *r = raw + o->box_coord_offset;
  float yc, xc, h, w;
  switch (o->box_format) {
  case EP_BOX_XYWH:
    xc = r[0], yc = r[1], w = r[2], h = r[3];
    break;
  case EP_BOX_XYXY:
    xc = (-r[0] + r[2]) / 2, yc = (-r[1] + r[3]) / 2;
    w = r[2] + r[0], h = r[3] + r[1];
    break;
  default:
    yc = r[0], xc = r[1], h = r[2], w = r[3];
  }
  xc = xc / o->x_scale * a->w + a->x_center;
  yc = yc / o->y_scale * a->h + a->y_center;
  if (o->apply_exponential_on_box_size) {
    h = expf(h / o->h_scale) * a->h;
    w = expf(w / o->w_scale) * a->w;
  } else {
    h = h / o->h_scale * a->h;
    w = w / o->w_scale * a->w;
  }
  box[0] = yc - h / 2.f, box[1] = xc - w / 2.f;
  box[2] = yc + h / 2.f, box[3] = xc + w / 2.f;
  for (int k = 0; k < o->num_keypoints; k++) {
    const float *p = raw + o->keypoint_coord_offset + k * 2;
    float kx = o->box_format == EP_BOX_YXHW ? p[1] : p[0];
    float ky = o->box_format == EP_BOX_YXHW ? p[0] : p[1];
    kps[k].x = kx / o->x_scale * a->w + a->x_center;
    kps[k].y = ky / o->y_scale * a->h + a->y_center;
  }
}

/* Builds and appends one detection unless it is filtered out (a class not
 * allowed, a low score, a negative or NaN size). box: ymin,xmin,ymax,xmax. */
static int emit(const ep_t2d_options *o, const float box[4],
                const ep_keypoint *kps, int n_kps, float score, int class_id,
                ep_detections *out) {
  if (class_id < 0 || !class_allowed(o, class_id))
    return 0;
  if (o->has_min_score_thresh && score < o->min_score_thresh)
    return 0;
  ep_detection d = {.score = score, .label_id = class_id};
  d.xmin = box[1];
  d.ymin = o->flip_vertically ? 1.f - box[2] : box[0];
  d.width = box[3] - box[1];
  d.height = box[2] - box[0];
  if (!(d.width >= 0) || !(d.height >= 0))
    return 0;
  d.n_keypoints = n_kps;
  for (int k = 0; k < n_kps; k++) {
    d.keypoints[k].x = kps[k].x;
    d.keypoints[k].y = o->flip_vertically ? 1.f - kps[k].y : kps[k].y;
  }
  return ep_detections_push(out, &d);
}

static bool full(const ep_t2d_options *o, const ep_detections *out,
                 size_t before) {
  return o->max_results > 0 && out->n - before >= (size_t)o->max_results;
}

int ep__t2d_decode(const ep_t2d_options *o, const float *raw_boxes,
                   const float *raw_scores, const ep_anchors *anchors,
                   ep_detections *out) {
  if (!anchors || anchors->n < (size_t)o->num_boxes)
    return EP_EINVAL;
  size_t before = out->n;
  for (int i = 0; i < o->num_boxes && !full(o, out, before); i++) {
    float box[4], score;
    ep_keypoint kps[EP_DETECTION_MAX_KEYPOINTS];
    const float *raw = raw_boxes + (size_t)i * (size_t)o->num_coords;
    decode_box(o, raw, &anchors->v[i], box, kps);
    int c =
        best_class(o, raw_scores + (size_t)i * (size_t)o->num_classes, &score);
    int rc = emit(o, box, kps, o->num_keypoints, score, c, out);
    if (rc)
      return rc;
  }
  return 0;
}

int ep__t2d_postprocessed(const ep_t2d_options *o, const float *boxes,
                          const float *scores, const float *classes,
                          int max_detections, int num, ep_detections *out) {
  if (num <= 0)
    return 0;
  if (num > max_detections || max_detections % num != 0)
    return EP_EINVAL;
  /* A box may repeat once per class; keep its best allowed class. */
  int per = max_detections / num;
  size_t before = out->n;
  for (int i = 0; i < num * per && !full(o, out, before); i += per) {
    const float *b = boxes + (size_t)i * (size_t)o->num_coords;
    float box[4] = {b[o->box_indices[0]], b[o->box_indices[1]],
                    b[o->box_indices[2]], b[o->box_indices[3]]};
    int best = -1;
    for (int k = i; k < i + per; k++)
      if (class_allowed(o, (int)classes[k]) &&
          (!o->has_min_score_thresh || scores[k] >= o->min_score_thresh) &&
          (best < 0 || scores[k] > scores[best]))
        best = k;
    if (best < 0)
      continue;
    ep_keypoint kps[EP_DETECTION_MAX_KEYPOINTS];
    for (int k = 0; k < o->num_keypoints; k++) {
      kps[k].x = b[o->keypoint_coord_offset + 2 * k];
      kps[k].y = b[o->keypoint_coord_offset + 2 * k + 1];
    }
    int rc = emit(o, box, kps, o->num_keypoints, scores[best],
                  (int)classes[best], out);
    if (rc)
      return rc;
  }
  return 0;
}

/* --- the calculator ------------------------------------------------------ */

static const char *const box_formats[] = {"UNSPECIFIED", "YXHW", "XYWH", "XYXY",
                                          NULL};

static const ep_option_spec mapping_fields[] = {
    {"detections_tensor_index", EP_OPT_INT, 0, "0", 0, 3, NULL, NULL},
    {"classes_tensor_index", EP_OPT_INT, 0, "0", 0, 3, NULL, NULL},
    {"scores_tensor_index", EP_OPT_INT, 0, "0", 0, 3, NULL, NULL},
    {"num_detections_tensor_index", EP_OPT_INT, 0, "0", 0, 3, NULL, NULL},
    {"anchors_tensor_index", EP_OPT_INT, 0, "0", 0, 3, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const ep_option_spec box_index_fields[] = {
    {"ymin", EP_OPT_INT, 0, "0", 0, 3, NULL, NULL},
    {"xmin", EP_OPT_INT, 0, "1", 0, 3, NULL, NULL},
    {"ymax", EP_OPT_INT, 0, "2", 0, 3, NULL, NULL},
    {"xmax", EP_OPT_INT, 0, "3", 0, 3, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const ep_option_spec options[] = {
    {"num_classes", EP_OPT_INT, EP_OPT_REQUIRED, NULL, 1, 1 << 20, NULL, NULL},
    {"num_boxes", EP_OPT_INT, 0, "0", 0, 1 << 24, NULL, NULL},
    {"num_coords", EP_OPT_INT, EP_OPT_REQUIRED, NULL, 4, 4096, NULL, NULL},
    {"keypoint_coord_offset", EP_OPT_INT, 0, "0", 0, 4096, NULL, NULL},
    {"num_keypoints", EP_OPT_INT, 0, "0", 0, EP_DETECTION_MAX_KEYPOINTS, NULL,
     NULL},
    {"num_values_per_keypoint", EP_OPT_INT, 0, "2", 2, 2, NULL, NULL},
    {"box_coord_offset", EP_OPT_INT, 0, "0", 0, 4096, NULL, NULL},
    {"x_scale", EP_OPT_FLOAT, 0, "0.0", 0, 0, NULL, NULL},
    {"y_scale", EP_OPT_FLOAT, 0, "0.0", 0, 0, NULL, NULL},
    {"w_scale", EP_OPT_FLOAT, 0, "0.0", 0, 0, NULL, NULL},
    {"h_scale", EP_OPT_FLOAT, 0, "0.0", 0, 0, NULL, NULL},
    {"apply_exponential_on_box_size", EP_OPT_BOOL, 0, "false", 0, 0, NULL,
     NULL},
    {"reverse_output_order", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {"ignore_classes", EP_OPT_INT, EP_OPT_REPEATED, NULL, 0, 0, NULL, NULL},
    {"allow_classes", EP_OPT_INT, EP_OPT_REPEATED, NULL, 0, 0, NULL, NULL},
    {"sigmoid_score", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {"score_clipping_thresh", EP_OPT_FLOAT, 0, "0", 0, 0, NULL, NULL},
    {"flip_vertically", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {"min_score_thresh", EP_OPT_FLOAT, 0, "0", 0, 0, NULL, NULL},
    {"max_results", EP_OPT_INT, 0, "-1", -1, 1 << 24, NULL, NULL},
    {"tensor_mapping", EP_OPT_MESSAGE, 0, NULL, 0, 0, NULL, mapping_fields},
    {"box_boundaries_indices", EP_OPT_MESSAGE, 0, NULL, 0, 0, NULL,
     box_index_fields},
    {"box_format", EP_OPT_ENUM, 0, "UNSPECIFIED", 0, 0, box_formats, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

/* Which input tensor holds what; scores == -1 until the first packet
 * shows how many tensors the model has. */
typedef struct mapping {
  int detections, classes, scores, num_detections, anchors;
  bool custom;
} mapping;

typedef struct state {
  ep_t2d_options o;
  int *classes;
  mapping map;
  bool custom_box_indices;
  ep_anchors *tensor_anchors; /* read once from a 3rd tensor */
} state;

static ep_box_format box_format_of(const ep_options *op) {
  const char *f = ep_options_string(op, "box_format");
  if (ep_options_has(op, "box_format") && strcmp(f, "UNSPECIFIED") != 0)
    return strcmp(f, "XYWH") == 0   ? EP_BOX_XYWH
           : strcmp(f, "XYXY") == 0 ? EP_BOX_XYXY
                                    : EP_BOX_YXHW;
  return ep_options_bool(op, "reverse_output_order") ? EP_BOX_XYWH
                                                     : EP_BOX_YXHW;
}

static int load_classes(ep_calc_ctx *ctx, state *s, const ep_options *op) {
  size_t ni = ep_options_count(op, "ignore_classes");
  size_t na = ep_options_count(op, "allow_classes");
  if (ni && na)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "ignore_classes and allow_classes "
                       "are mutually exclusive");
  const char *name = na ? "allow_classes" : "ignore_classes";
  size_t n = na ? na : ni;
  s->classes = n ? malloc(n * sizeof *s->classes) : NULL;
  if (n && !s->classes)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    s->classes[i] = (int)ep_options_int_at(op, name, i);
  s->o.classes = s->classes;
  s->o.n_classes = n;
  s->o.classes_allow = na > 0;
  return 0;
}

/* MediaPipe's rule: a custom mapping covers exactly indexes 0-1, 0-2
 * (with anchors) or 0-3 (classes and count). */
static int load_mapping(ep_calc_ctx *ctx, state *s, const ep_options *op) {
  if (!ep_options_has(op, "tensor_mapping")) {
    s->map = (mapping){0, 1, -1, 3, 2, false};
    return 0;
  }
  const ep_options *m = ep_options_message(op, "tensor_mapping", 0);
  bool has_cls = ep_options_has(m, "classes_tensor_index");
  bool has_num = ep_options_has(m, "num_detections_tensor_index");
  bool has_anc = ep_options_has(m, "anchors_tensor_index");
  s->map = (mapping){(int)ep_options_int(m, "detections_tensor_index"),
                     (int)ep_options_int(m, "classes_tensor_index"),
                     (int)ep_options_int(m, "scores_tensor_index"),
                     (int)ep_options_int(m, "num_detections_tensor_index"),
                     (int)ep_options_int(m, "anchors_tensor_index"),
                     true};
  int bits = 1 << s->map.detections | 1 << s->map.scores, want = 3;
  if (has_anc && !has_cls && !has_num) {
    bits |= 1 << s->map.anchors;
    want = 7;
  } else if (has_cls && has_num && !has_anc) {
    bits |= 1 << s->map.classes | 1 << s->map.num_detections;
    want = 15;
  } else if (has_cls || has_num || has_anc) {
    bits = -1;
  }
  if (!ep_options_has(m, "detections_tensor_index") ||
      !ep_options_has(m, "scores_tensor_index") || bits != want)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "tensor_mapping must give detections and scores, plus "
                       "either anchors or classes and num_detections, "
                       "covering indexes 0..n-1 once each");
  return 0;
}

static int t2d_open(ep_calc_ctx *ctx) {
  state *s = ep_ctx_state(ctx);
  const ep_options *op = ep_ctx_options(ctx);
  ep_t2d_options *o = &s->o;
  *o = (ep_t2d_options){
      .num_classes = (int)ep_options_int(op, "num_classes"),
      .num_boxes = (int)ep_options_int(op, "num_boxes"),
      .num_coords = (int)ep_options_int(op, "num_coords"),
      .box_coord_offset = (int)ep_options_int(op, "box_coord_offset"),
      .keypoint_coord_offset = (int)ep_options_int(op, "keypoint_coord_offset"),
      .num_keypoints = (int)ep_options_int(op, "num_keypoints"),
      .num_values_per_keypoint =
          (int)ep_options_int(op, "num_values_per_keypoint"),
      .x_scale = (float)ep_options_float(op, "x_scale"),
      .y_scale = (float)ep_options_float(op, "y_scale"),
      .w_scale = (float)ep_options_float(op, "w_scale"),
      .h_scale = (float)ep_options_float(op, "h_scale"),
      .apply_exponential_on_box_size =
          ep_options_bool(op, "apply_exponential_on_box_size"),
      .box_format = box_format_of(op),
      .sigmoid_score = ep_options_bool(op, "sigmoid_score"),
      .has_score_clipping_thresh = ep_options_has(op, "score_clipping_thresh"),
      .score_clipping_thresh =
          (float)ep_options_float(op, "score_clipping_thresh"),
      .flip_vertically = ep_options_bool(op, "flip_vertically"),
      .has_min_score_thresh = ep_options_has(op, "min_score_thresh"),
      .min_score_thresh = (float)ep_options_float(op, "min_score_thresh"),
      .max_results = (int)ep_options_int(op, "max_results"),
      .box_indices = {0, 1, 2, 3},
  };
  if (ep_options_has(op, "box_boundaries_indices")) {
    const ep_options *b = ep_options_message(op, "box_boundaries_indices", 0);
    const char *names[4] = {"ymin", "xmin", "ymax", "xmax"};
    for (int i = 0; i < 4; i++)
      o->box_indices[i] = (int)ep_options_int(b, names[i]);
    s->custom_box_indices = true;
  }
  char err[256];
  if (ep__t2d_check(o, err, sizeof err))
    return ep_ctx_fail(ctx, EP_EINVAL, "%s", err);
  int rc = load_classes(ctx, s, op);
  return rc ? rc : load_mapping(ctx, s, op);
}

/* A float32 tensor shaped [1, rows, cols] or [1, 1, rows, cols]; returns
 * its data or NULL with a message. */
static const float *matrix(ep_calc_ctx *ctx, const ep_tensors *ts, int idx,
                           const char *what, int rows, int cols) {
  if (idx < 0 || (size_t)idx >= ts->n) {
    ep_ctx_fail(ctx, EP_EINVAL,
                "TENSORS has %zu tensors; the %s tensor "
                "(index %d) is missing",
                ts->n, what, idx);
    return NULL;
  }
  const ep_tensor *t = ts->v[idx];
  int nd = ep_tensor_ndims(t), lead = nd - 2;
  bool ok = ep_tensor_dtype(t) == EP_DTYPE_FLOAT32 && (nd == 3 || nd == 4);
  for (int i = 0; ok && i < lead; i++)
    ok = ep_tensor_dim(t, i) == 1;
  ok = ok && ep_tensor_dim(t, lead) == rows &&
       ep_tensor_dim(t, lead + 1) == cols;
  if (!ok) {
    ep_ctx_fail(ctx, EP_EINVAL,
                "the %s tensor (index %d) must be float32 "
                "[1, %d, %d]; got %s with %d dims",
                what, idx, rows, cols, ep_dtype_name(ep_tensor_dtype(t)), nd);
    return NULL;
  }
  return ep_tensor_cdata(t);
}

static const ep_anchors *anchors_for(ep_calc_ctx *ctx, state *s,
                                     const ep_tensors *ts) {
  if (ts->n == 3 && !s->tensor_anchors) {
    const ep_tensor *t = ts->v[s->map.anchors];
    if (ep_tensor_dtype(t) != EP_DTYPE_FLOAT32 || ep_tensor_ndims(t) != 2 ||
        ep_tensor_dim(t, 0) != s->o.num_boxes || ep_tensor_dim(t, 1) != 4) {
      ep_ctx_fail(ctx, EP_EINVAL,
                  "the anchors tensor must be float32 "
                  "[num_boxes=%d, 4]",
                  s->o.num_boxes);
      return NULL;
    }
    const float *r = ep_tensor_cdata(t);
    s->tensor_anchors = ep__anchors_new((size_t)s->o.num_boxes);
    for (int i = 0; s->tensor_anchors && i < s->o.num_boxes; i++)
      s->tensor_anchors->v[i] =
          (ep_anchor){r[4 * i + 1], r[4 * i], r[4 * i + 2], r[4 * i + 3]};
  }
  if (ts->n == 3)
    return s->tensor_anchors;
  ep_packet *p = ep_ctx_side_input(ctx, "ANCHORS", 0);
  const ep_anchors *a = p ? ep_packet_data(p) : NULL;
  if (!a)
    ep_ctx_fail(ctx, EP_EINVAL,
                "no anchors: wire the ANCHORS side packet "
                "(SsdAnchorsCalculator) or give the model's anchors tensor");
  else if (a->n != (size_t)s->o.num_boxes) {
    ep_ctx_fail(ctx, EP_EINVAL, "ANCHORS has %zu anchors, num_boxes is %d",
                a->n, s->o.num_boxes);
    a = NULL;
  }
  return a;
}

static int decode_raw(ep_calc_ctx *ctx, state *s, const ep_tensors *ts,
                      ep_detections *out) {
  const ep_t2d_options *o = &s->o;
  if (o->num_boxes <= 0)
    return ep_ctx_fail(ctx, EP_EINVAL, "set num_boxes in the options");
  if (o->x_scale == 0 || o->y_scale == 0 || o->w_scale == 0 || o->h_scale == 0)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "x_scale, y_scale, w_scale and "
                       "h_scale must be non-zero");
  const float *boxes =
      matrix(ctx, ts, s->map.detections, "boxes", o->num_boxes, o->num_coords);
  const float *scores = boxes ? matrix(ctx, ts, s->map.scores, "scores",
                                       o->num_boxes, o->num_classes)
                              : NULL;
  const ep_anchors *a = scores ? anchors_for(ctx, s, ts) : NULL;
  if (!a)
    return EP_EINVAL;
  return ep__t2d_decode(o, boxes, scores, a, out);
}

/* A float32 tensor of exactly `count` elements, or NULL with a message. */
static const float *vec(ep_calc_ctx *ctx, const ep_tensors *ts, int idx,
                        const char *what, size_t count) {
  const ep_tensor *t = ts->v[idx];
  if (ep_tensor_dtype(t) == EP_DTYPE_FLOAT32 && ep_tensor_count(t) == count)
    return ep_tensor_cdata(t);
  ep_ctx_fail(ctx, EP_EINVAL,
              "the %s tensor (index %d) must be float32 with "
              "%zu values",
              what, idx, count);
  return NULL;
}

static int decode_postprocessed(ep_calc_ctx *ctx, state *s,
                                const ep_tensors *ts, ep_detections *out) {
  const ep_tensor *bt = ts->v[s->map.detections];
  int nd = ep_tensor_ndims(bt);
  if (ep_tensor_dtype(bt) != EP_DTYPE_FLOAT32 || nd != 3 ||
      ep_tensor_dim(bt, 2) != s->o.num_coords)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "the boxes tensor must be float32 "
                       "[1, max_detections, num_coords=%d]",
                       s->o.num_coords);
  int max_det = ep_tensor_dim(bt, 1);
  const float *num = vec(ctx, ts, s->map.num_detections, "count", 1);
  const float *cls =
      num ? vec(ctx, ts, s->map.classes, "classes", (size_t)max_det) : NULL;
  const float *sc =
      cls ? vec(ctx, ts, s->map.scores, "scores", (size_t)max_det) : NULL;
  if (!sc)
    return EP_EINVAL;
  if (!(num[0] >= 0 && num[0] <= (float)max_det))
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "the count tensor says %g detections "
                       "of at most %d",
                       (double)num[0], max_det);
  int rc = ep__t2d_postprocessed(&s->o, ep_tensor_cdata(bt), sc, cls, max_det,
                                 (int)num[0], out);
  return rc ? ep_ctx_fail(ctx, rc, "%d detections do not divide the %d rows",
                          (int)num[0], max_det)
            : 0;
}

static int t2d_process(ep_calc_ctx *ctx) {
  state *s = ep_ctx_state(ctx);
  ep_packet *in = ep_ctx_input(ctx, "TENSORS", 0);
  if (!in)
    return 0;
  const ep_tensors *ts = ep_packet_data(in);
  if (ts->n < 2 || ts->n > 4)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "TENSORS must hold 2, 3 or 4 tensors "
                       "(got %zu)",
                       ts->n);
  if (!s->map.custom)
    s->map.scores = ts->n <= 3 ? 1 : 2;
  if (s->custom_box_indices && ts->n != 4)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "box_boundaries_indices needs a model "
                       "with 4 output tensors");
  ep_detections *out = ep_detections_new();
  if (!out)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  int rc = ts->n == 4 ? decode_postprocessed(ctx, s, ts, out)
                      : decode_raw(ctx, s, ts, out);
  if (rc) {
    ep_detections_free(out);
    return rc == EP_ENOMEM ? ep_ctx_fail(ctx, rc, "out of memory") : rc;
  }
  ep_packet *p = ep_packet_new(&ep_type_detections, out, ep_ctx_timestamp(ctx));
  if (!p)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  return ep_ctx_output_add(ctx, "DETECTIONS", 0, p);
}

static int t2d_close(ep_calc_ctx *ctx) {
  state *s = ep_ctx_state(ctx);
  free(s->classes);
  s->classes = NULL;
  ep__anchors_free(s->tensor_anchors);
  s->tensor_anchors = NULL;
  return 0;
}

static const ep_port_spec inputs[] = {
    {"TENSORS", "Tensors", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};
static const ep_port_spec outputs[] = {
    {"DETECTIONS", "Detections", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};
static const ep_port_spec side_in[] = {
    {"ANCHORS", "Anchors", 0, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

const ep_calculator_def ep_calc_TensorsToDetectionsCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TensorsToDetectionsCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .input_side = side_in,
    .options = options,
    .state_size = sizeof(state),
    .open = t2d_open,
    .process = t2d_process,
    .close = t2d_close,
};
