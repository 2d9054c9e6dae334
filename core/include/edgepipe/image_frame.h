/* image_frame.h — decoded images, the "ImageFrame" type.
 *
 * Pixels are interleaved 8-bit channels, rows `stride` bytes apart (stride
 * >= width * channels). Data is 64-byte aligned when edgepipe allocates it;
 * a frame can also wrap memory it does not own (a GstBuffer mapping, an
 * app's camera buffer) with a release callback, without copying. A frame is
 * refcounted; once sent on a stream treat it as immutable, and copy it
 * (ep_image_frame_copy) to draw on it. */
#ifndef EDGEPIPE_IMAGE_FRAME_H
#define EDGEPIPE_IMAGE_FRAME_H

#include "edgepipe/common.h"
#include "edgepipe/type.h"

typedef enum ep_image_format {
  EP_IMAGE_SRGB,  /* 3 channels: R, G, B */
  EP_IMAGE_SRGBA, /* 4 channels: R, G, B, A */
  EP_IMAGE_GRAY8  /* 1 channel */
} ep_image_format;

typedef struct ep_image_frame ep_image_frame;

EP_API int ep_image_format_channels(ep_image_format f);
EP_API const char *ep_image_format_name(ep_image_format f);

/* A new frame with zeroed pixels, stride rounded up to 64 bytes (transfer
 * full); NULL on out-of-memory or a non-positive size. */
EP_API ep_image_frame *ep_image_frame_new(ep_image_format f, int width,
                                          int height);
/* Wraps pixels owned elsewhere. release(user) is called once when the last
 * reference goes (or at once on failure); may be NULL. Transfer full. */
EP_API ep_image_frame *
ep_image_frame_wrap(ep_image_format f, int width, int height, int stride,
                    uint8_t *pixels, void (*release)(void *user), void *user);
/* A deep copy with edgepipe-owned pixels (transfer full), or NULL. */
EP_API ep_image_frame *ep_image_frame_copy(const ep_image_frame *src);
EP_API ep_image_frame *ep_image_frame_ref(ep_image_frame *f);
EP_API void ep_image_frame_unref(ep_image_frame *f); /* NULL is ignored */

EP_API ep_image_format ep_image_frame_format(const ep_image_frame *f);
EP_API int ep_image_frame_width(const ep_image_frame *f);
EP_API int ep_image_frame_height(const ep_image_frame *f);
EP_API int ep_image_frame_stride(const ep_image_frame *f);
EP_API int ep_image_frame_channels(const ep_image_frame *f);
EP_API uint8_t *ep_image_frame_pixels(ep_image_frame *f);
EP_API const uint8_t *ep_image_frame_cpixels(const ep_image_frame *f);

/* The "ImageFrame" packet type; its payload is an ep_image_frame* (the
 * packet holds one reference). */
EP_API extern const ep_type ep_type_image_frame;

#endif
