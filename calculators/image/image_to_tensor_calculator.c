/* image_to_tensor_calculator.c — ImageToTensorCalculator: an ImageFrame
 * to a float32 [1, H, W, C] tensor, resized with bilinear sampling,
 * optionally letterboxed to keep the aspect ratio.
 *
 * Options are MediaPipe's ImageToTensorCalculatorOptions with the float
 * range only (no int/uint ranges, no rotated ROI); gpu_origin is accepted
 * and ignored (CPU only). The optional LETTERBOX_PADDING output gives the
 * padding as MediaPipe's older ImageToTensor did. */
#include "image_to_tensor_calculator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/calculator.h"
#include "edgepipe/error.h"
#include "edgepipe/float_array.h"
#include "edgepipe/tensor.h"

int ep__image_to_tensor_channels(ep_image_format f) {
  return f == EP_IMAGE_GRAY8 ? 1 : 3;
}

void ep__letterbox_padding(int img_w, int img_h, int w, int h, float pad[4]) {
  float tensor_aspect = (float)h / (float)w;
  float roi_aspect = (float)img_h / (float)img_w;
  float hpad = 0.0f, vpad = 0.0f;
  if (tensor_aspect > roi_aspect) {
    float new_h = (float)img_w * tensor_aspect;
    vpad = (new_h - (float)img_h) / new_h;
  } else {
    float new_w = (float)img_h / tensor_aspect;
    hpad = (new_w - (float)img_w) / new_w;
  }
  pad[0] = pad[2] = hpad / 2.0f;
  pad[1] = pad[3] = vpad / 2.0f;
}

/* Where one tensor column (or row) samples the image: the two source
 * indexes, the weight of the second, and whether it lies outside. */
typedef struct tap {
  int i0, i1;
  float f;
  bool outside;
} tap;

/* n taps over an image extent of `size` pixels, for a region of length
 * `roi` starting at `start` (continuous coordinates, pixel k = [k, k+1]). */
static void make_taps(tap *t, int n, int size, float start, float roi) {
  for (int i = 0; i < n; i++) {
    float c = start + ((float)i + 0.5f) * roi / (float)n;
    float u = c - 0.5f, fl = floorf(u);
    int i0 = (int)fl;
    t[i].outside = c < 0.0f || c > (float)size;
    t[i].f = u - fl;
    t[i].i1 = i0 + 1 > size - 1 ? size - 1 : i0 + 1 < 0 ? 0 : i0 + 1;
    t[i].i0 = i0 < 0 ? 0 : i0 > size - 1 ? size - 1 : i0;
  }
}

static void sample_row(const ep_image_frame *img, const tap *ty, const tap *tx,
                       int w, int out_c, float lo, float k, bool border_zero,
                       float *dst) {
  int in_c = ep_image_frame_channels(img);
  size_t stride = (size_t)ep_image_frame_stride(img);
  const uint8_t *r0 = ep_image_frame_cpixels(img) + (size_t)ty->i0 * stride;
  const uint8_t *r1 = ep_image_frame_cpixels(img) + (size_t)ty->i1 * stride;
  for (int x = 0; x < w; x++, dst += out_c) {
    const tap *t = &tx[x];
    if (border_zero && (ty->outside || t->outside)) {
      for (int c = 0; c < out_c; c++)
        dst[c] = lo;
      continue;
    }
    const uint8_t *a = r0 + t->i0 * in_c, *b = r0 + t->i1 * in_c;
    const uint8_t *cc = r1 + t->i0 * in_c, *d = r1 + t->i1 * in_c;
    for (int c = 0; c < out_c; c++) {
      float top = a[c] + (b[c] - a[c]) * t->f;
      float bot = cc[c] + (d[c] - cc[c]) * t->f;
      dst[c] = lo + (top + (bot - top) * ty->f) * k;
    }
  }
}

int ep__image_to_tensor(const ep_image_frame *img,
                        const ep_image_to_tensor_params *p, float *dst,
                        float pad[4]) {
  int iw = ep_image_frame_width(img), ih = ep_image_frame_height(img);
  float roi_w = (float)iw, roi_h = (float)ih;
  pad[0] = pad[1] = pad[2] = pad[3] = 0.0f;
  if (p->keep_aspect_ratio) {
    ep__letterbox_padding(iw, ih, p->width, p->height, pad);
    roi_w = (float)iw / (1.0f - pad[0] - pad[2]);
    roi_h = (float)ih / (1.0f - pad[1] - pad[3]);
  }
  tap *tx = malloc(((size_t)p->width + (size_t)p->height) * sizeof *tx);
  if (!tx)
    return EP_ENOMEM;
  tap *ty = tx + p->width;
  make_taps(tx, p->width, iw, ((float)iw - roi_w) / 2.0f, roi_w);
  make_taps(ty, p->height, ih, ((float)ih - roi_h) / 2.0f, roi_h);
  int c = ep__image_to_tensor_channels(ep_image_frame_format(img));
  float k = (p->range_max - p->range_min) / 255.0f;
  for (int y = 0; y < p->height; y++)
    sample_row(img, &ty[y], tx, p->width, c, p->range_min, k, p->border_zero,
               dst + (size_t)y * (size_t)p->width * (size_t)c);
  free(tx);
  return 0;
}

/* --- the calculator ------------------------------------------------------ */

static const ep_option_spec range_fields[] = {
    {"min", EP_OPT_FLOAT, 0, "0.0", 0, 0, NULL, NULL},
    {"max", EP_OPT_FLOAT, 0, "1.0", 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};
static const char *const border_modes[] = {"BORDER_UNSPECIFIED", "BORDER_ZERO",
                                           "BORDER_REPLICATE", NULL};
static const char *const gpu_origins[] = {"DEFAULT", "CONVENTIONAL", "TOP_LEFT",
                                          NULL};

static const ep_option_spec options[] = {
    {"output_tensor_width", EP_OPT_INT, 0, "0", 0, 16384, NULL, NULL},
    {"output_tensor_height", EP_OPT_INT, 0, "0", 0, 16384, NULL, NULL},
    {"keep_aspect_ratio", EP_OPT_BOOL, 0, "false", 0, 0, NULL, NULL},
    {"output_tensor_float_range", EP_OPT_MESSAGE, 0, NULL, 0, 0, NULL,
     range_fields},
    {"border_mode", EP_OPT_ENUM, 0, "BORDER_UNSPECIFIED", 0, 0, border_modes,
     NULL},
    {"gpu_origin", EP_OPT_ENUM, 0, "DEFAULT", 0, 0, gpu_origins, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

typedef struct state {
  ep_image_to_tensor_params p; /* width/height 0: the image's */
} state;

static int i2t_open(ep_calc_ctx *ctx) {
  state *s = ep_ctx_state(ctx);
  const ep_options *op = ep_ctx_options(ctx);
  const ep_options *r = ep_options_message(op, "output_tensor_float_range", 0);
  s->p = (ep_image_to_tensor_params){
      .width = (int)ep_options_int(op, "output_tensor_width"),
      .height = (int)ep_options_int(op, "output_tensor_height"),
      .keep_aspect_ratio = ep_options_bool(op, "keep_aspect_ratio"),
      .range_min = (float)ep_options_float(r, "min"),
      .range_max = (float)ep_options_float(r, "max"),
      /* MediaPipe reads an unspecified border as BORDER_REPLICATE. */
      .border_zero =
          strcmp(ep_options_string(op, "border_mode"), "BORDER_ZERO") == 0,
  };
  if (!(s->p.range_min < s->p.range_max))
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "output_tensor_float_range: min (%g) "
                       "must be less than max (%g)",
                       (double)s->p.range_min, (double)s->p.range_max);
  return 0;
}

static int send_padding(ep_calc_ctx *ctx, const float pad[4]) {
  if (ep_ctx_output_count(ctx, "LETTERBOX_PADDING") == 0)
    return 0;
  ep_float_array *a = ep_float_array_new(4);
  if (!a)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  memcpy(a->v, pad, 4 * sizeof *pad);
  ep_packet *p = ep_packet_new(&ep_type_float_array, a, ep_ctx_timestamp(ctx));
  if (!p)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  return ep_ctx_output_add(ctx, "LETTERBOX_PADDING", 0, p);
}

static int i2t_process(ep_calc_ctx *ctx) {
  state *s = ep_ctx_state(ctx);
  ep_packet *in = ep_ctx_input(ctx, "IMAGE", 0);
  if (!in)
    return 0;
  const ep_image_frame *img = ep_packet_data(in);
  ep_image_to_tensor_params p = s->p;
  if (p.width <= 0 || p.height <= 0) {
    p.width = ep_image_frame_width(img);
    p.height = ep_image_frame_height(img);
  }
  int dims[4] = {1, p.height, p.width,
                 ep__image_to_tensor_channels(ep_image_frame_format(img))};
  ep_tensor *t = ep_tensor_new(EP_DTYPE_FLOAT32, 4, dims);
  ep_tensors *ts = t ? ep_tensors_new() : NULL;
  if (!ts || ep_tensors_push(ts, t)) {
    if (!ts)
      ep_tensor_unref(t);
    ep_tensors_free(ts);
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory for a %dx%d tensor",
                       p.width, p.height);
  }
  float pad[4];
  if (ep__image_to_tensor(img, &p, ep_tensor_data(t), pad)) {
    ep_tensors_free(ts);
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  }
  ep_packet *out = ep_packet_new(&ep_type_tensors, ts, ep_ctx_timestamp(ctx));
  if (!out)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  int rc = ep_ctx_output_add(ctx, "TENSORS", 0, out);
  return rc ? rc : send_padding(ctx, pad);
}

static const ep_port_spec inputs[] = {
    {"IMAGE", "ImageFrame", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};
static const ep_port_spec outputs[] = {
    {"TENSORS", "Tensors", 1, 1, NULL},
    {"LETTERBOX_PADDING", "FloatArray", 0, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

const ep_calculator_def ep_calc_ImageToTensorCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "ImageToTensorCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .options = options,
    .state_size = sizeof(state),
    .open = i2t_open,
    .process = i2t_process,
};
