/* annotation_overlay_calculator.c — AnnotationOverlayCalculator: draws
 * RenderData onto a copy of each frame.
 *
 * Inputs: IMAGE (ImageFrame) and any number of untagged RenderData
 * streams; output IMAGE. Rectangles are outlined `thickness` pixels wide,
 * centered on their edges (or filled); points are filled discs of radius
 * `thickness`; lines use a square brush; text uses the built-in 5x7 font
 * scaled to its font height. CPU only: MediaPipe's canvas and GPU options
 * are not supported. */
#include "annotation_overlay_calculator.h"

#include <math.h>
#include <stdlib.h>

#include "bitmap_font.h"
#include "edgepipe/calculator.h"
#include "edgepipe/error.h"

typedef struct canvas {
  uint8_t *px;
  int w, h, stride, ch;
  uint8_t color[4];
} canvas;

static void fill(const canvas *c, int x0, int y0, int x1, int y1) {
  x0 = x0 < 0 ? 0 : x0;
  y0 = y0 < 0 ? 0 : y0;
  x1 = x1 >= c->w ? c->w - 1 : x1;
  y1 = y1 >= c->h ? c->h - 1 : y1;
  for (int y = y0; y <= y1; y++) {
    uint8_t *p =
        c->px + (size_t)y * (size_t)c->stride + (size_t)x0 * (size_t)c->ch;
    for (int x = x0; x <= x1; x++, p += c->ch)
      for (int k = 0; k < c->ch; k++)
        p[k] = c->color[k];
  }
}

/* A coordinate in pixels: relative ones as MediaPipe's
 * NormalizedtoPixelCoordinates, pixel ones rounded. */
static int to_px(float v, bool normalized, int size) {
  if (!normalized)
    return (int)lrintf(v);
  int p = (int)floorf(v * (float)size);
  return p > size - 1 ? size - 1 : p;
}

static int brush(float thickness) {
  int t = (int)lrintf(thickness);
  return t < 1 ? 1 : t;
}

static void draw_rect(const canvas *c, const ep_render_annotation *a) {
  int l = to_px(a->u.rect.left, a->normalized, c->w);
  int t = to_px(a->u.rect.top, a->normalized, c->h);
  int r = to_px(a->u.rect.right, a->normalized, c->w);
  int b = to_px(a->u.rect.bottom, a->normalized, c->h);
  if (a->u.rect.filled) {
    fill(c, l, t, r, b);
    return;
  }
  /* Each edge is a band `th` wide centered on it (as OpenCV's). */
  int th = brush(a->thickness), lo = th / 2, hi = th - 1 - lo;
  fill(c, l - lo, t - lo, r + hi, t + hi);
  fill(c, l - lo, b - lo, r + hi, b + hi);
  fill(c, l - lo, t - lo, l + hi, b + hi);
  fill(c, r - lo, t - lo, r + hi, b + hi);
}

static void draw_point(const canvas *c, const ep_render_annotation *a) {
  int x = to_px(a->u.point.x, a->normalized, c->w);
  int y = to_px(a->u.point.y, a->normalized, c->h);
  int r = brush(a->thickness);
  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++)
      if (dx * dx + dy * dy <= r * r)
        fill(c, x + dx, y + dy, x + dx, y + dy);
}

static void draw_line(const canvas *c, const ep_render_annotation *a) {
  int x0 = to_px(a->u.line.x_start, a->normalized, c->w);
  int y0 = to_px(a->u.line.y_start, a->normalized, c->h);
  int x1 = to_px(a->u.line.x_end, a->normalized, c->w);
  int y1 = to_px(a->u.line.y_end, a->normalized, c->h);
  int th = brush(a->thickness), lo = th / 2, hi = th - 1 - lo;
  int dx = abs(x1 - x0), dy = -abs(y1 - y0);
  int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
  for (;;) { /* Bresenham, stamping a th x th square at each step */
    fill(c, x0 - lo, y0 - lo, x0 + hi, y0 + hi);
    if (x0 == x1 && y0 == y1)
      break;
    int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

static void draw_text(const canvas *c, const ep_render_annotation *a) {
  float fh = a->u.text.font_height * (a->normalized ? (float)c->h : 1.0f);
  int scale = (int)lrintf(fh / (float)EP_FONT_H);
  scale = scale < 1 ? 1 : scale;
  int x = to_px(a->u.text.left, a->normalized, c->w);
  int top = to_px(a->u.text.baseline, a->normalized, c->h) - EP_FONT_H * scale;
  for (const char *s = a->u.text.display_text; *s && x < c->w; s++) {
    const uint8_t *g = ep__font_glyph(*s);
    for (int row = 0; g && row < EP_FONT_H; row++)
      for (int col = 0; col < EP_FONT_W; col++)
        if (g[row] & (0x10 >> col))
          fill(c, x + col * scale, top + row * scale, x + (col + 1) * scale - 1,
               top + (row + 1) * scale - 1);
    x += EP_FONT_ADVANCE * scale;
  }
}

static void set_color(canvas *c, ep_color col) {
  if (c->ch == 1) { /* BT.601 luma for grey images */
    c->color[0] = (uint8_t)((77 * col.r + 150 * col.g + 29 * col.b) >> 8);
    return;
  }
  c->color[0] = col.r;
  c->color[1] = col.g;
  c->color[2] = col.b;
  c->color[3] = 255;
}

void ep__render_annotations(ep_image_frame *img, const ep_render_data *rd) {
  canvas c = {ep_image_frame_pixels(img),   ep_image_frame_width(img),
              ep_image_frame_height(img),   ep_image_frame_stride(img),
              ep_image_frame_channels(img), {0, 0, 0, 255}};
  for (size_t i = 0; rd && i < rd->n; i++) {
    const ep_render_annotation *a = &rd->v[i];
    set_color(&c, a->color);
    switch (a->kind) {
    case EP_RENDER_RECTANGLE:
      draw_rect(&c, a);
      break;
    case EP_RENDER_POINT:
      draw_point(&c, a);
      break;
    case EP_RENDER_LINE:
      draw_line(&c, a);
      break;
    case EP_RENDER_TEXT:
      draw_text(&c, a);
      break;
    }
  }
}

/* --- the calculator ------------------------------------------------------ */

static int overlay_process(ep_calc_ctx *ctx) {
  ep_packet *in = ep_ctx_input(ctx, "IMAGE", 0);
  if (!in)
    return 0;
  ep_image_frame *copy = ep_image_frame_copy(ep_packet_data(in));
  if (!copy)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory copying the frame");
  int n = ep_ctx_input_count(ctx, "");
  for (int i = 0; i < n; i++) {
    ep_packet *p = ep_ctx_input(ctx, "", i);
    if (p)
      ep__render_annotations(copy, ep_packet_data(p));
  }
  ep_packet *out =
      ep_packet_new(&ep_type_image_frame, copy, ep_ctx_timestamp(ctx));
  if (!out)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  return ep_ctx_output_add(ctx, "IMAGE", 0, out);
}

static const ep_port_spec inputs[] = {
    {"IMAGE", "ImageFrame", 1, 1, NULL},
    {"", "RenderData", 0, -1, NULL},
    {NULL, NULL, 0, 0, NULL},
};
static const ep_port_spec outputs[] = {
    {"IMAGE", "ImageFrame", 1, 1, NULL},
    {NULL, NULL, 0, 0, NULL},
};

const ep_calculator_def ep_calc_AnnotationOverlayCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "AnnotationOverlayCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .process = overlay_process,
};
