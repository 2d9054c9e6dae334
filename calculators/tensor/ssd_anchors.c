/* ssd_anchors.c — SsdAnchorsCalculator: SSD anchors from options.
 *
 * Follows MediaPipe's SsdAnchorsCalculatorOptions: consecutive layers with
 * the same stride share one grid whose cells hold one anchor per aspect
 * ratio (plus an interpolated-scale anchor), scales spread linearly from
 * min_scale to max_scale over the layers. Also the RetinaNet-style grid
 * (multiscale_anchor_generation) and a fixed list (fixed_anchors). */
#include "ssd_anchors.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/calculator.h"
#include "edgepipe/error.h"

ep_anchors *ep__anchors_new(size_t n) {
  ep_anchors *a = calloc(1, sizeof *a);
  if (!a)
    return NULL;
  a->v = calloc(n ? n : 1, sizeof *a->v);
  if (!a->v) {
    free(a);
    return NULL;
  }
  a->n = n;
  return a;
}

void ep__anchors_free(ep_anchors *a) {
  if (!a)
    return;
  free(a->v);
  free(a);
}

/* --- generation ---------------------------------------------------------- */

/* A growable list being filled. */
typedef struct list {
  ep_anchor *v;
  size_t n, cap;
  bool oom;
} list;

static void add(list *l, float xc, float yc, float h, float w) {
  if (l->oom)
    return;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    ep_anchor *v = realloc(l->v, cap * sizeof *v);
    if (!v) {
      l->oom = true;
      return;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = (ep_anchor){xc, yc, h, w};
}

static int fail(char *err, size_t n, const char *fmt, ...) EP_PRINTF(3, 4);
static int fail(char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (err && n)
    vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return EP_EINVAL;
}

/* The scale of layer i of n: linear from min to max (the midpoint when
 * there is one layer). Computed in double like MediaPipe, then rounded. */
static float layer_scale(const ep_ssd_anchor_options *o, int i, int n) {
  if (n == 1)
    return (o->min_scale + o->max_scale) * 0.5f;
  return (float)(o->min_scale +
                 (o->max_scale - o->min_scale) * 1.0 * i / (n - 1.0f));
}

/* Grid size of layer i: given, or the input size over the stride. */
static void grid_size(const ep_ssd_anchor_options *o, int i, int *h, int *w) {
  if (o->n_feature_map_height) {
    *h = o->feature_map_height[i];
    *w = o->feature_map_width[i];
  } else {
    *h = (int)ceilf(1.0f * (float)o->input_size_height / (float)o->strides[i]);
    *w = (int)ceilf(1.0f * (float)o->input_size_width / (float)o->strides[i]);
  }
}

static int check_layers(const ep_ssd_anchor_options *o, int layers, char *err,
                        size_t errn) {
  if (layers <= 0)
    return fail(err, errn, "num_layers must be positive (got %d)", layers);
  if (!o->n_feature_map_height && !o->n_strides)
    return fail(err, errn,
                "both feature_map_height/width and strides are "
                "missing; give one of them");
  if (o->n_feature_map_height) {
    if (o->n_feature_map_height != (size_t)layers ||
        o->n_feature_map_width != o->n_feature_map_height)
      return fail(err, errn,
                  "feature_map_height (%zu) and feature_map_width (%zu) "
                  "must both have one value per layer (%d)",
                  o->n_feature_map_height, o->n_feature_map_width, layers);
    for (int i = 0; i < layers; i++)
      if (o->feature_map_height[i] <= 0 || o->feature_map_width[i] <= 0)
        return fail(err, errn, "feature map %d has a non-positive size", i);
  } else {
    if (o->n_strides != (size_t)layers)
      return fail(err, errn,
                  "strides has %zu values, expected one per "
                  "layer (%d)",
                  o->n_strides, layers);
    if (o->input_size_width <= 0 || o->input_size_height <= 0)
      return fail(err, errn, "input_size_width/height must be positive");
    for (int i = 0; i < layers; i++)
      if (o->strides[i] <= 0)
        return fail(err, errn, "strides[%d] must be positive", i);
  }
  return 0;
}

/* The anchor shapes of one grid: layers [first, last) share it. Writes
 * heights/widths (room for cap entries) and returns how many. */
static size_t grid_shapes(const ep_ssd_anchor_options *o, int first, int last,
                          int n_layers, float *hs, float *ws, size_t cap) {
  size_t k = 0;
  for (int l = first; l < last; l++) {
    float scale = layer_scale(o, l, n_layers);
    if (l == 0 && o->reduce_boxes_in_lowest_layer) {
      /* The predefined lowest-layer boxes: 0.1 at 1:1, then 2:1 and 1:2. */
      const float ar[3] = {1.0f, 2.0f, 0.5f}, sc[3] = {0.1f, scale, scale};
      for (int i = 0; i < 3 && k < cap; i++, k++) {
        hs[k] = sc[i] / sqrtf(ar[i]);
        ws[k] = sc[i] * sqrtf(ar[i]);
      }
      continue;
    }
    for (size_t a = 0; a < o->n_aspect_ratios && k < cap; a++, k++) {
      hs[k] = scale / sqrtf(o->aspect_ratios[a]);
      ws[k] = scale * sqrtf(o->aspect_ratios[a]);
    }
    if (o->interpolated_scale_aspect_ratio > 0.0f && k < cap) {
      float next = l == n_layers - 1 ? 1.0f : layer_scale(o, l + 1, n_layers);
      float s = sqrtf(scale * next),
            r = sqrtf(o->interpolated_scale_aspect_ratio);
      hs[k] = s / r;
      ws[k] = s * r;
      k++;
    }
  }
  return k;
}

static int generate_ssd(const ep_ssd_anchor_options *o, list *out) {
  int n = o->num_layers;
  size_t cap = ((size_t)o->n_aspect_ratios + 3) * (size_t)n;
  float *hs = malloc(cap * sizeof *hs), *ws = malloc(cap * sizeof *ws);
  if (!hs || !ws) {
    free(hs);
    free(ws);
    return EP_ENOMEM;
  }
  for (int layer = 0; layer < n;) {
    /* Consecutive layers with the same stride share a grid. Without
     * strides (feature maps given) every layer is its own grid. */
    int last = layer + 1;
    while (o->n_strides && last < n && o->strides[last] == o->strides[layer])
      last++;
    size_t k = grid_shapes(o, layer, last, n, hs, ws, cap);
    int gh, gw;
    grid_size(o, layer, &gh, &gw);
    for (int y = 0; y < gh; y++)
      for (int x = 0; x < gw; x++)
        for (size_t a = 0; a < k; a++) {
          float xc = ((float)x + o->anchor_offset_x) * 1.0f / (float)gw;
          float yc = ((float)y + o->anchor_offset_y) * 1.0f / (float)gh;
          if (o->fixed_anchor_size)
            add(out, xc, yc, 1.0f, 1.0f);
          else
            add(out, xc, yc, hs[a], ws[a]);
        }
    layer = last;
  }
  free(hs);
  free(ws);
  return out->oom ? EP_ENOMEM : 0;
}

/* RetinaNet grid: per level, strides 2^level, base size stride *
 * anchor_scale, scales_per_octave scales per aspect ratio. */
static int generate_multiscale(const ep_ssd_anchor_options *o, list *out) {
  int levels = o->max_level - o->min_level + 1;
  for (int i = 0; i < levels; i++) {
    int level = o->min_level + i;
    float stride = powf(2.0f, (float)level), base = stride * o->anchor_scale;
    long den = 1L << level;
    float off_y = (o->input_size_height % den == 0 || o->input_size_height == 1)
                      ? stride / 2.0f
                      : 0.0f;
    float off_x = (o->input_size_width % den == 0 || o->input_size_width == 1)
                      ? stride / 2.0f
                      : 0.0f;
    int gh, gw;
    grid_size(o, i, &gh, &gw);
    for (int y = 0; y < gh; y++)
      for (int x = 0; x < gw; x++)
        for (size_t a = 0; a < o->n_aspect_ratios; a++)
          for (int s = 0; s < o->scales_per_octave; s++) {
            float scale = (float)pow(2.0, (double)s / o->scales_per_octave);
            float r = sqrtf(o->aspect_ratios[a]);
            float h = scale * base / r, w = scale * r * base;
            float yc = (float)y * stride + off_y,
                  xc = (float)x * stride + off_x;
            if (o->normalize_coordinates) {
              h /= (float)o->input_size_height;
              w /= (float)o->input_size_width;
              yc /= (float)o->input_size_height;
              xc /= (float)o->input_size_width;
            }
            add(out, xc, yc, h, w);
          }
  }
  return out->oom ? EP_ENOMEM : 0;
}

int ep__ssd_anchors_generate(const ep_ssd_anchor_options *o, ep_anchors **out,
                             char *err, size_t errn) {
  if (!o || !out)
    return EP_EINVAL;
  *out = NULL;
  int layers = o->num_layers;
  if (o->multiscale_anchor_generation) {
    layers = o->max_level - o->min_level + 1;
    if (o->min_level < 0 || o->max_level > 30 || layers <= 0)
      return fail(err, errn, "min_level %d / max_level %d give no levels",
                  o->min_level, o->max_level);
    if (o->scales_per_octave <= 0 || o->input_size_width <= 0 ||
        o->input_size_height <= 0)
      return fail(err, errn,
                  "multiscale anchors need positive "
                  "scales_per_octave and input sizes");
  }
  int rc = check_layers(o, layers, err, errn);
  if (rc)
    return rc;
  for (size_t a = 0; a < o->n_aspect_ratios; a++)
    if (!(o->aspect_ratios[a] > 0.0f))
      return fail(err, errn, "aspect_ratios[%zu] must be positive", a);
  list l = {0};
  rc = o->multiscale_anchor_generation ? generate_multiscale(o, &l)
                                       : generate_ssd(o, &l);
  if (rc == 0 && l.n == 0)
    rc = fail(err, errn, "the options give no anchors (no aspect_ratios?)");
  if (rc) {
    free(l.v);
    return rc;
  }
  ep_anchors *a = calloc(1, sizeof *a);
  if (!a) {
    free(l.v);
    return EP_ENOMEM;
  }
  a->n = l.n;
  a->v = l.v;
  *out = a;
  return 0;
}

/* --- the Anchors type ---------------------------------------------------- */

static void anchors_free(void *data) { ep__anchors_free(data); }

static int anchors_describe(const void *data, char *buf, size_t n) {
  return snprintf(buf, n, "{\"anchors\":%zu}", ((const ep_anchors *)data)->n);
}

const ep_type ep_type_anchors = {"Anchors", anchors_free, anchors_describe};

/* --- the calculator ------------------------------------------------------ */

static const ep_option_spec anchor_fields[] = {
    {"x_center", EP_OPT_FLOAT, 0, "0", 0, 0, NULL, NULL},
    {"y_center", EP_OPT_FLOAT, 0, "0", 0, 0, NULL, NULL},
    {"h", EP_OPT_FLOAT, 0, "0", 0, 0, NULL, NULL},
    {"w", EP_OPT_FLOAT, 0, "0", 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const ep_option_spec options[] = {
    {"input_size_width", EP_OPT_INT, 0, "0", 0, 1 << 16, NULL, NULL},
    {"input_size_height", EP_OPT_INT, 0, "0", 0, 1 << 16, NULL, NULL},
    {"min_scale", EP_OPT_FLOAT, 0, "0", 0, 0, NULL, NULL},
    {"max_scale", EP_OPT_FLOAT, 0, "0", 0, 0, NULL, NULL},
    {"anchor_offset_x", EP_OPT_FLOAT, 0, "0.5", 0, 0, NULL, NULL},
    {"anchor_offset_y", EP_OPT_FLOAT, 0, "0.5", 0, 0, NULL, NULL},
    {"num_layers", EP_OPT_INT, 0, "0", 0, 64, NULL, NULL},
    {"feature_map_width", EP_OPT_INT, EP_OPT_REPEATED, NULL, 1, 1 << 16, NULL,
     NULL},
    {"feature_map_height", EP_OPT_INT, EP_OPT_REPEATED, NULL, 1, 1 << 16, NULL,
     NULL},
    {"strides", EP_OPT_INT, EP_OPT_REPEATED, NULL, 1, 1 << 16, NULL, NULL},
    {"aspect_ratios", EP_OPT_FLOAT, EP_OPT_REPEATED, NULL, 0, 0, NULL, NULL},
    {"reduce_boxes_in_lowest_layer", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {"interpolated_scale_aspect_ratio", EP_OPT_FLOAT, 0, "1.0", 0, 0, NULL,
     NULL},
    {"fixed_anchor_size", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {"multiscale_anchor_generation", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {"min_level", EP_OPT_INT, 0, "3", 0, 30, NULL, NULL},
    {"max_level", EP_OPT_INT, 0, "7", 0, 30, NULL, NULL},
    {"anchor_scale", EP_OPT_FLOAT, 0, "4.0", 0, 0, NULL, NULL},
    {"scales_per_octave", EP_OPT_INT, 0, "2", 1, 64, NULL, NULL},
    {"normalize_coordinates", EP_OPT_BOOL, 0, "true", 0, 0, NULL, NULL},
    {"fixed_anchors", EP_OPT_MESSAGE, EP_OPT_REPEATED, NULL, 0, 0, NULL,
     anchor_fields},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

/* Reads a repeated INT option into a new array (NULL when empty). */
static int *ints(const ep_options *op, const char *name, size_t *n) {
  *n = ep_options_count(op, name);
  int *v = *n ? malloc(*n * sizeof *v) : NULL;
  for (size_t i = 0; v && i < *n; i++)
    v[i] = (int)ep_options_int_at(op, name, i);
  return v;
}

static ep_anchors *fixed_anchors(const ep_options *op) {
  size_t n = ep_options_count(op, "fixed_anchors");
  ep_anchors *a = ep__anchors_new(n);
  for (size_t i = 0; a && i < n; i++) {
    const ep_options *m = ep_options_message(op, "fixed_anchors", i);
    a->v[i] = (ep_anchor){(float)ep_options_float(m, "x_center"),
                          (float)ep_options_float(m, "y_center"),
                          (float)ep_options_float(m, "h"),
                          (float)ep_options_float(m, "w")};
  }
  return a;
}

static int generate_from(const ep_options *op, ep_anchors **out, char *err,
                         size_t errn) {
  ep_ssd_anchor_options o = {
      .input_size_width = (int)ep_options_int(op, "input_size_width"),
      .input_size_height = (int)ep_options_int(op, "input_size_height"),
      .min_scale = (float)ep_options_float(op, "min_scale"),
      .max_scale = (float)ep_options_float(op, "max_scale"),
      .anchor_offset_x = (float)ep_options_float(op, "anchor_offset_x"),
      .anchor_offset_y = (float)ep_options_float(op, "anchor_offset_y"),
      .num_layers = (int)ep_options_int(op, "num_layers"),
      .reduce_boxes_in_lowest_layer =
          ep_options_bool(op, "reduce_boxes_in_lowest_layer"),
      .interpolated_scale_aspect_ratio =
          (float)ep_options_float(op, "interpolated_scale_aspect_ratio"),
      .fixed_anchor_size = ep_options_bool(op, "fixed_anchor_size"),
      .multiscale_anchor_generation =
          ep_options_bool(op, "multiscale_anchor_generation"),
      .min_level = (int)ep_options_int(op, "min_level"),
      .max_level = (int)ep_options_int(op, "max_level"),
      .anchor_scale = (float)ep_options_float(op, "anchor_scale"),
      .scales_per_octave = (int)ep_options_int(op, "scales_per_octave"),
      .normalize_coordinates = ep_options_bool(op, "normalize_coordinates"),
  };
  int *fw = ints(op, "feature_map_width", &o.n_feature_map_width);
  int *fh = ints(op, "feature_map_height", &o.n_feature_map_height);
  int *st = ints(op, "strides", &o.n_strides);
  o.n_aspect_ratios = ep_options_count(op, "aspect_ratios");
  float *ar = o.n_aspect_ratios ? malloc(o.n_aspect_ratios * sizeof *ar) : NULL;
  for (size_t i = 0; ar && i < o.n_aspect_ratios; i++)
    ar[i] = (float)ep_options_float_at(op, "aspect_ratios", i);
  o.feature_map_width = fw;
  o.feature_map_height = fh;
  o.strides = st;
  o.aspect_ratios = ar;
  int rc = EP_ENOMEM;
  if ((fw || !o.n_feature_map_width) && (fh || !o.n_feature_map_height) &&
      (st || !o.n_strides) && (ar || !o.n_aspect_ratios))
    rc = ep__ssd_anchors_generate(&o, out, err, errn);
  free(fw);
  free(fh);
  free(st);
  free(ar);
  return rc;
}

static int anchors_open(ep_calc_ctx *ctx) {
  const ep_options *op = ep_ctx_options(ctx);
  ep_anchors *a = NULL;
  char err[256] = "";
  if (ep_options_count(op, "fixed_anchors")) {
    if (ep_options_has(op, "num_layers") || ep_options_has(op, "min_scale") ||
        ep_options_bool(op, "multiscale_anchor_generation"))
      return ep_ctx_fail(ctx, EP_EINVAL,
                         "fixed_anchors is set together with options that "
                         "generate anchors; use one or the other");
    a = fixed_anchors(op);
  } else {
    int rc = generate_from(op, &a, err, sizeof err);
    if (rc)
      return ep_ctx_fail(ctx, rc, "SsdAnchorsCalculatorOptions: %s",
                         rc == EP_ENOMEM ? "out of memory" : err);
  }
  if (!a)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  ep_packet *p = ep_packet_new(&ep_type_anchors, a, EP_TS_UNSET);
  if (!p)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  return ep_ctx_side_output_set(ctx, "", 0, p);
}

/* Untagged, as MediaPipe's graphs wire it: output_side_packet: "anchors". */
static const ep_port_spec side_out[] = {
    {"", "Anchors", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

const ep_calculator_def ep_calc_SsdAnchorsCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "SsdAnchorsCalculator",
    .output_side = side_out,
    .options = options,
    .open = anchors_open,
};
