/* non_max_suppression_calculator.c — NonMaxSuppressionCalculator: keeps
 * the best of overlapping detections.
 *
 * As MediaPipe's: detections are taken by decreasing score; DEFAULT drops
 * one that overlaps a kept one by more than min_suppression_threshold;
 * WEIGHTED replaces each cluster by the score-weighted mean of its boxes
 * and keypoints (keeping the best one's score). Input: num_detection_streams
 * untagged Detections streams (an optional IMAGE is accepted and unused:
 * boxes are relative). Unlike MediaPipe, WEIGHTED also honours
 * max_num_detections. */
#include "non_max_suppression_calculator.h"

#include <stdlib.h>
#include <string.h>

#include "edgepipe/calculator.h"
#include "edgepipe/error.h"

float ep__nms_overlap(ep_overlap_type t, const ep_detection *a,
                      const ep_detection *b) {
  float ax1 = a->xmin + a->width, ay1 = a->ymin + a->height;
  float bx1 = b->xmin + b->width, by1 = b->ymin + b->height;
  float ix0 = a->xmin > b->xmin ? a->xmin : b->xmin;
  float iy0 = a->ymin > b->ymin ? a->ymin : b->ymin;
  float ix1 = ax1 < bx1 ? ax1 : bx1, iy1 = ay1 < by1 ? ay1 : by1;
  if (ix1 < ix0 || iy1 < iy0)
    return 0.0f;
  float inter = (ix1 - ix0) * (iy1 - iy0), norm;
  float area_a = a->width * a->height, area_b = b->width * b->height;
  switch (t) {
  case EP_OVERLAP_JACCARD: {
    float ux0 = a->xmin < b->xmin ? a->xmin : b->xmin;
    float uy0 = a->ymin < b->ymin ? a->ymin : b->ymin;
    float ux1 = ax1 > bx1 ? ax1 : bx1, uy1 = ay1 > by1 ? ay1 : by1;
    norm = (ux1 - ux0) * (uy1 - uy0);
    break;
  }
  case EP_OVERLAP_MODIFIED_JACCARD:
    norm = area_b;
    break;
  default:
    norm = area_a + area_b - inter;
  }
  return norm > 0.0f ? inter / norm : 0.0f;
}

/* Indexes of `in` by decreasing score; ties keep input order. */
static size_t *sorted_indexes(const ep_detections *in) {
  size_t *idx = malloc((in->n ? in->n : 1) * sizeof *idx);
  if (!idx)
    return NULL;
  for (size_t i = 0; i < in->n; i++)
    idx[i] = i;
  /* A stable insertion sort: C11's qsort has no user pointer and is not
   * stable; the lists here are short (detections above a threshold). */
  for (size_t i = 1; i < in->n; i++) {
    size_t k = idx[i], j = i;
    while (j > 0) {
      const ep_detection *p = &in->v[idx[j - 1]], *q = &in->v[k];
      if (p->score >= q->score)
        break;
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = k;
  }
  return idx;
}

static bool below(const ep_nms_options *o, const ep_detection *d) {
  return o->min_score_threshold > 0 && d->score < o->min_score_threshold;
}

static bool room(const ep_nms_options *o, size_t kept) {
  return o->max_num_detections < 0 || kept < (size_t)o->max_num_detections;
}

static int nms_default(const ep_nms_options *o, const ep_detections *in,
                       const size_t *idx, ep_detections *out) {
  size_t first = out->n;
  for (size_t r = 0; r < in->n && room(o, out->n - first); r++) {
    const ep_detection *d = &in->v[idx[r]];
    if (below(o, d))
      break;
    bool suppressed = false;
    for (size_t k = first; k < out->n && !suppressed; k++)
      suppressed = ep__nms_overlap(o->overlap_type, &out->v[k], d) >
                   o->min_suppression_threshold;
    if (!suppressed && ep_detections_push(out, d))
      return EP_ENOMEM;
  }
  return 0;
}

/* The score-weighted mean of the cluster's boxes and keypoints, with the
 * top detection's score and label. */
static ep_detection weighted_mean(const ep_detections *in, const size_t *c,
                                  size_t n) {
  ep_detection w = in->v[c[0]];
  double total = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double kp[EP_DETECTION_MAX_KEYPOINTS][2] = {{0}};
  int nk = w.n_keypoints;
  for (size_t i = 0; i < n; i++) {
    const ep_detection *d = &in->v[c[i]];
    float s = d->score;
    total += s;
    x0 += d->xmin * s;
    y0 += d->ymin * s;
    x1 += (d->xmin + d->width) * s;
    y1 += (d->ymin + d->height) * s;
    for (int k = 0; k < nk && k < d->n_keypoints; k++) {
      kp[k][0] += d->keypoints[k].x * s;
      kp[k][1] += d->keypoints[k].y * s;
    }
  }
  if (!(total > 0))
    return w;
  w.xmin = (float)(x0 / total);
  w.ymin = (float)(y0 / total);
  w.width = (float)(x1 / total) - w.xmin;
  w.height = (float)(y1 / total) - w.ymin;
  for (int k = 0; k < nk; k++) {
    w.keypoints[k].x = (float)(kp[k][0] / total);
    w.keypoints[k].y = (float)(kp[k][1] / total);
  }
  return w;
}

static int nms_weighted(const ep_nms_options *o, const ep_detections *in,
                        size_t *rest, ep_detections *out) {
  size_t n = in->n, first = out->n;
  size_t *cluster = malloc((n ? n : 1) * sizeof *cluster);
  if (!cluster)
    return EP_ENOMEM;
  int rc = 0;
  while (n > 0 && room(o, out->n - first) && !below(o, &in->v[rest[0]])) {
    const ep_detection *top = &in->v[rest[0]];
    size_t nc = 0, nr = 0;
    /* The top one is in its own cluster (its overlap with itself is 1). */
    for (size_t i = 0; i < n; i++) {
      if (i == 0 || ep__nms_overlap(o->overlap_type, &in->v[rest[i]], top) >
                        o->min_suppression_threshold)
        cluster[nc++] = rest[i];
      else
        rest[nr++] = rest[i];
    }
    ep_detection w = weighted_mean(in, cluster, nc);
    if (ep_detections_push(out, &w)) {
      rc = EP_ENOMEM;
      break;
    }
    n = nr;
  }
  free(cluster);
  return rc;
}

static int nms_one(const ep_nms_options *o, const ep_detections *in,
                   ep_detections *out) {
  size_t *idx = sorted_indexes(in);
  if (!idx)
    return EP_ENOMEM;
  int rc = o->weighted ? nms_weighted(o, in, idx, out)
                       : nms_default(o, in, idx, out);
  free(idx);
  return rc;
}

/* Per label: suppress within each class, then keep the best overall. */
static int nms_multiclass(const ep_nms_options *o, const ep_detections *in,
                          ep_detections *out) {
  ep_detections all = {0}, group = {0};
  ep_nms_options per = *o;
  per.max_num_detections = -1;
  int rc = 0;
  for (size_t i = 0; i < in->n && !rc; i++) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = in->v[j].label_id == in->v[i].label_id;
    if (seen)
      continue;
    group.n = 0;
    for (size_t j = i; j < in->n && !rc; j++)
      if (in->v[j].label_id == in->v[i].label_id)
        rc = ep_detections_push(&group, &in->v[j]);
    if (!rc)
      rc = nms_one(&per, &group, &all);
  }
  size_t *idx = rc ? NULL : sorted_indexes(&all);
  if (!rc && !idx)
    rc = EP_ENOMEM;
  for (size_t r = 0; !rc && r < all.n && room(o, r); r++)
    rc = ep_detections_push(out, &all.v[idx[r]]);
  free(idx);
  free(all.v);
  free(group.v);
  return rc;
}

int ep__nms(const ep_nms_options *o, const ep_detections *in,
            ep_detections *out) {
  if (!o || !in || !out)
    return EP_EINVAL;
  return o->multiclass ? nms_multiclass(o, in, out) : nms_one(o, in, out);
}

/* --- the calculator ------------------------------------------------------ */

static const char *const overlap_types[] = {"UNSPECIFIED_OVERLAP_TYPE",
                                            "JACCARD", "MODIFIED_JACCARD",
                                            "INTERSECTION_OVER_UNION", NULL};
static const char *const algorithms[] = {"DEFAULT", "WEIGHTED", NULL};

static const ep_option_spec options[] = {
    {"num_detection_streams", EP_OPT_INT, 0, "1", 1, 64, NULL, NULL},
    {"max_num_detections", EP_OPT_INT, 0, "-1", -1, 1 << 24, NULL, NULL},
    {"min_score_threshold", EP_OPT_FLOAT, 0, "-1.0", 0, 0, NULL, NULL},
    {"min_suppression_threshold", EP_OPT_FLOAT, 0, "1.0", 0, 0, NULL, NULL},
    {"overlap_type", EP_OPT_ENUM, 0, "JACCARD", 0, 0, overlap_types, NULL},
    {"return_empty_detections", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {"algorithm", EP_OPT_ENUM, 0, "DEFAULT", 0, 0, algorithms, NULL},
    {"multiclass_nms", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

typedef struct state {
  ep_nms_options o;
  int streams;
  bool return_empty;
} state;

static int nms_open(ep_calc_ctx *ctx) {
  state *s = ep_ctx_state(ctx);
  const ep_options *op = ep_ctx_options(ctx);
  const char *ov = ep_options_string(op, "overlap_type");
  s->o = (ep_nms_options){
      .min_suppression_threshold =
          (float)ep_options_float(op, "min_suppression_threshold"),
      .overlap_type =
          strcmp(ov, "MODIFIED_JACCARD") == 0 ? EP_OVERLAP_MODIFIED_JACCARD
          : strcmp(ov, "INTERSECTION_OVER_UNION") == 0 ? EP_OVERLAP_IOU
                                                       : EP_OVERLAP_JACCARD,
      .weighted = strcmp(ep_options_string(op, "algorithm"), "WEIGHTED") == 0,
      .max_num_detections = (int)ep_options_int(op, "max_num_detections"),
      .min_score_threshold = (float)ep_options_float(op, "min_score_threshold"),
      .multiclass = ep_options_bool(op, "multiclass_nms"),
  };
  s->streams = (int)ep_options_int(op, "num_detection_streams");
  s->return_empty = ep_options_bool(op, "return_empty_detections");
  if (s->o.max_num_detections == 0)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "max_num_detections=0 keeps nothing; "
                       "use a positive limit or -1 for none");
  if (ep_ctx_input_count(ctx, "") != s->streams)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "num_detection_streams is %d but %d "
                       "untagged Detections streams are wired",
                       s->streams, ep_ctx_input_count(ctx, ""));
  return 0;
}

/* All input streams' detections at this timestamp, in one list. */
static int gather(ep_calc_ctx *ctx, int streams, ep_detections *all) {
  for (int i = 0; i < streams; i++) {
    ep_packet *p = ep_ctx_input(ctx, "", i);
    const ep_detections *d = p ? ep_packet_data(p) : NULL;
    for (size_t k = 0; d && k < d->n; k++)
      if (ep_detections_push(all, &d->v[k]))
        return EP_ENOMEM;
  }
  return 0;
}

static int nms_process(ep_calc_ctx *ctx) {
  state *s = ep_ctx_state(ctx);
  ep_detections all = {0};
  ep_detections *out = ep_detections_new();
  int rc = out ? gather(ctx, s->streams, &all) : EP_ENOMEM;
  if (!rc && all.n == 0 && !s->return_empty) {
    ep_detections_free(out);
    return 0; /* no packet: the framework advances the bound */
  }
  if (!rc)
    rc = ep__nms(&s->o, &all, out);
  free(all.v);
  if (rc) {
    ep_detections_free(out);
    return ep_ctx_fail(ctx, rc, "out of memory");
  }
  ep_packet *p = ep_packet_new(&ep_type_detections, out, ep_ctx_timestamp(ctx));
  if (!p)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  return ep_ctx_output_add(ctx, "", 0, p);
}

static const ep_port_spec inputs[] = {
    {"", "Detections", 1, 64, NULL},
    {"IMAGE", "ImageFrame", 0, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};
static const ep_port_spec outputs[] = {
    {"", "Detections", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

const ep_calculator_def ep_calc_NonMaxSuppressionCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "NonMaxSuppressionCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .options = options,
    .state_size = sizeof(state),
    .open = nms_open,
    .process = nms_process,
};
