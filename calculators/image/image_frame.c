/* image_frame.c — refcounted 8-bit interleaved images ("ImageFrame").
 *
 * A frame either owns 64-byte-aligned, stride-padded pixels it allocated,
 * or wraps pixels owned elsewhere and calls their release callback once,
 * when the last reference goes. */
#include "edgepipe/image_frame.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 64

struct ep_image_frame {
  atomic_int refs;
  ep_image_format format;
  int width, height, stride;
  uint8_t *pixels;
  void (*release)(void *user); /* NULL for owned pixels */
  void *user;
  bool owned;
};

int ep_image_format_channels(ep_image_format f) {
  switch (f) {
  case EP_IMAGE_SRGB:
    return 3;
  case EP_IMAGE_SRGBA:
    return 4;
  case EP_IMAGE_GRAY8:
    return 1;
  }
  return 0;
}

const char *ep_image_format_name(ep_image_format f) {
  switch (f) {
  case EP_IMAGE_SRGB:
    return "SRGB";
  case EP_IMAGE_SRGBA:
    return "SRGBA";
  case EP_IMAGE_GRAY8:
    return "GRAY8";
  }
  return "unknown";
}

/* Sizes up to 2^15 per side keep stride * height far from overflowing. */
static bool size_ok(ep_image_format f, int width, int height) {
  return ep_image_format_channels(f) > 0 && width > 0 && height > 0 &&
         width <= 32768 && height <= 32768;
}

ep_image_frame *ep_image_frame_new(ep_image_format f, int width, int height) {
  if (!size_ok(f, width, height))
    return NULL;
  ep_image_frame *fr = calloc(1, sizeof *fr);
  if (!fr)
    return NULL;
  size_t row = (size_t)width * (size_t)ep_image_format_channels(f);
  size_t stride = (row + ALIGN - 1) / ALIGN * ALIGN;
  fr->pixels = aligned_alloc(ALIGN, stride * (size_t)height);
  if (!fr->pixels) {
    free(fr);
    return NULL;
  }
  memset(fr->pixels, 0, stride * (size_t)height);
  atomic_init(&fr->refs, 1);
  fr->format = f;
  fr->width = width;
  fr->height = height;
  fr->stride = (int)stride;
  fr->owned = true;
  return fr;
}

ep_image_frame *ep_image_frame_wrap(ep_image_format f, int width, int height,
                                    int stride, uint8_t *pixels,
                                    void (*release)(void *user), void *user) {
  ep_image_frame *fr = NULL;
  if (size_ok(f, width, height) && pixels &&
      stride >= width * ep_image_format_channels(f))
    fr = calloc(1, sizeof *fr);
  if (!fr) {
    if (release)
      release(user);
    return NULL;
  }
  atomic_init(&fr->refs, 1);
  fr->format = f;
  fr->width = width;
  fr->height = height;
  fr->stride = stride;
  fr->pixels = pixels;
  fr->release = release;
  fr->user = user;
  return fr;
}

ep_image_frame *ep_image_frame_copy(const ep_image_frame *src) {
  if (!src)
    return NULL;
  ep_image_frame *fr = ep_image_frame_new(src->format, src->width, src->height);
  if (!fr)
    return NULL;
  size_t row =
      (size_t)src->width * (size_t)ep_image_format_channels(src->format);
  for (int y = 0; y < src->height; y++)
    memcpy(fr->pixels + (size_t)y * (size_t)fr->stride,
           src->pixels + (size_t)y * (size_t)src->stride, row);
  return fr;
}

ep_image_frame *ep_image_frame_ref(ep_image_frame *f) {
  if (f)
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
  return f;
}

void ep_image_frame_unref(ep_image_frame *f) {
  if (!f || atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
    return;
  if (f->owned)
    free(f->pixels);
  else if (f->release)
    f->release(f->user);
  free(f);
}

ep_image_format ep_image_frame_format(const ep_image_frame *f) {
  return f->format;
}
int ep_image_frame_width(const ep_image_frame *f) { return f->width; }
int ep_image_frame_height(const ep_image_frame *f) { return f->height; }
int ep_image_frame_stride(const ep_image_frame *f) { return f->stride; }
int ep_image_frame_channels(const ep_image_frame *f) {
  return ep_image_format_channels(f->format);
}
uint8_t *ep_image_frame_pixels(ep_image_frame *f) { return f->pixels; }
const uint8_t *ep_image_frame_cpixels(const ep_image_frame *f) {
  return f->pixels;
}

static void frame_free(void *data) { ep_image_frame_unref(data); }

static int frame_describe(const void *data, char *buf, size_t n) {
  const ep_image_frame *f = data;
  return snprintf(buf, n, "{\"format\":\"%s\",\"width\":%d,\"height\":%d}",
                  ep_image_format_name(f->format), f->width, f->height);
}

const ep_type ep_type_image_frame = {"ImageFrame", frame_free, frame_describe};
