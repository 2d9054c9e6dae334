/* image_packet.h — ImageFrame packets in one call, for apps that feed
 * frames from their own buffers.
 *
 * ep_packet_wrap_image() is the zero-copy path: the packet points at the
 * app's pixels, and release(user) runs once, on whichever thread drops the
 * last reference, when no node holds the frame any more. Until then the
 * pixels must stay valid and unchanged. */
#ifndef EDGEPIPE_IMAGE_PACKET_H
#define EDGEPIPE_IMAGE_PACKET_H

#include "edgepipe/common.h"
#include "edgepipe/image_frame.h"
#include "edgepipe/packet.h"

/* An "ImageFrame" packet holding f at ts. f: transfer full, in all cases
 * (on failure it is unreffed at once). Returns transfer full, or NULL on
 * out-of-memory or a NULL frame. */
EP_API ep_packet *ep_packet_new_image_frame(ep_image_frame *f, ep_timestamp ts);

/* Wraps pixels the caller owns as an "ImageFrame" packet at ts, without
 * copying (ep_image_frame_wrap + ep_packet_new_image_frame). release(user)
 * is called exactly once: when the last reference goes, or at once when
 * this fails (bad size or format, out-of-memory); it may be NULL.
 * Returns transfer full, or NULL. */
EP_API ep_packet *ep_packet_wrap_image(ep_image_format f, int width, int height,
                                       int stride, uint8_t *pixels,
                                       void (*release)(void *user), void *user,
                                       ep_timestamp ts);

/* The frame an "ImageFrame" packet holds (transfer none: valid while p
 * is), or NULL when p is NULL or holds another type. */
EP_API const ep_image_frame *ep_packet_get_image_frame(const ep_packet *p);

#endif
