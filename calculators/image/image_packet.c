/* image_packet.c — ImageFrame packets in one call (see image_packet.h). */
#include "edgepipe/image_packet.h"

#include <stddef.h>

ep_packet *ep_packet_new_image_frame(ep_image_frame *f, ep_timestamp ts) {
  if (!f)
    return NULL;
  /* ep_packet_new frees the payload with the type's free (an unref) when
   * it fails, so the frame's reference is consumed either way. */
  return ep_packet_new(&ep_type_image_frame, f, ts);
}

ep_packet *ep_packet_wrap_image(ep_image_format f, int width, int height,
                                int stride, uint8_t *pixels,
                                void (*release)(void *user), void *user,
                                ep_timestamp ts) {
  /* The wrap calls release itself when it refuses the pixels. */
  ep_image_frame *fr =
      ep_image_frame_wrap(f, width, height, stride, pixels, release, user);
  return fr ? ep_packet_new_image_frame(fr, ts) : NULL;
}

const ep_image_frame *ep_packet_get_image_frame(const ep_packet *p) {
  if (!p || ep_packet_type(p) != &ep_type_image_frame)
    return NULL;
  return ep_packet_data(p);
}
