/* render_data.h — things to draw on an image, the "RenderData" type.
 *
 * As MediaPipe's RenderData: a list of annotations, each a rectangle,
 * point, line or text with a colour and a thickness. Coordinates are
 * relative to the image ([0,1]) when `normalized`, pixels otherwise.
 * AnnotationOverlayCalculator draws them; DetectionsToRenderData makes
 * them. */
#ifndef EDGEPIPE_RENDER_DATA_H
#define EDGEPIPE_RENDER_DATA_H

#include "edgepipe/common.h"
#include "edgepipe/type.h"

#define EP_RENDER_TEXT_MAX 64

typedef struct ep_color {
  uint8_t r, g, b;
} ep_color;

typedef enum ep_render_kind {
  EP_RENDER_RECTANGLE, /* outline `thickness` wide, or filled */
  EP_RENDER_POINT,     /* a filled disc of radius `thickness` */
  EP_RENDER_LINE,      /* `thickness` wide */
  EP_RENDER_TEXT       /* built-in bitmap font, `font_height` tall */
} ep_render_kind;

typedef struct ep_render_annotation {
  ep_render_kind kind;
  ep_color color;
  float thickness; /* pixels */
  bool normalized; /* coordinates relative to the image */
  union {
    struct {
      float left, top, right, bottom;
      bool filled;
    } rect;
    struct {
      float x, y;
    } point;
    struct {
      float x_start, y_start, x_end, y_end;
    } line;
    struct {
      char display_text[EP_RENDER_TEXT_MAX]; /* NUL-terminated */
      float left, baseline;                  /* the bottom-left of the text */
      float font_height; /* relative to image height when normalized */
    } text;
  } u;
} ep_render_annotation;

typedef struct ep_render_data {
  char scene_class[32];
  size_t n, cap;
  ep_render_annotation *v;
} ep_render_data;

/* A new empty list (transfer full), freed with ep_render_data_free. */
EP_API ep_render_data *ep_render_data_new(void);
/* Appends a copy of *a. 0 or EP_ENOMEM / EP_EINVAL. */
EP_API int ep_render_data_push(ep_render_data *rd,
                               const ep_render_annotation *a);
EP_API void ep_render_data_free(ep_render_data *rd); /* NULL is ignored */

/* The "RenderData" packet type; its payload is an ep_render_data*. */
EP_API extern const ep_type ep_type_render_data;

#endif
