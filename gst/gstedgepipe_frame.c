/* gstedgepipe_frame.c — GstBuffer <-> ImageFrame. */
#include "gstedgepipe_frame.h"

#include <string.h>

gboolean ep__gst_format_to_ep(GstVideoFormat f, ep_image_format *out) {
  switch (f) {
  case GST_VIDEO_FORMAT_RGB:
    *out = EP_IMAGE_SRGB;
    return TRUE;
  case GST_VIDEO_FORMAT_RGBA:
    *out = EP_IMAGE_SRGBA;
    return TRUE;
  case GST_VIDEO_FORMAT_GRAY8:
    *out = EP_IMAGE_GRAY8;
    return TRUE;
  default:
    return FALSE;
  }
}

GstVideoFormat ep__gst_format_from_ep(ep_image_format f) {
  switch (f) {
  case EP_IMAGE_SRGB:
    return GST_VIDEO_FORMAT_RGB;
  case EP_IMAGE_SRGBA:
    return GST_VIDEO_FORMAT_RGBA;
  case EP_IMAGE_GRAY8:
    return GST_VIDEO_FORMAT_GRAY8;
  }
  return GST_VIDEO_FORMAT_UNKNOWN;
}

/* --- input ------------------------------------------------------------------
 */

static void unmap(void *user) {
  GstVideoFrame *vf = user;
  gst_video_frame_unmap(vf); /* drops the mapping's buffer reference */
  g_free(vf);
}

ep_image_frame *ep__gst_frame_wrap(GstBuffer *buf, const GstVideoInfo *info) {
  ep_image_format f;
  if (!ep__gst_format_to_ep(GST_VIDEO_INFO_FORMAT(info), &f))
    return NULL;
  GstVideoFrame *vf = g_new0(GstVideoFrame, 1);
  if (!gst_video_frame_map(vf, (GstVideoInfo *)info, buf, GST_MAP_READ)) {
    g_free(vf);
    return NULL;
  }
  /* The frame never writes to wrapped pixels: frames sent on a stream are
   * immutable, and drawing calculators copy first. */
  return ep_image_frame_wrap(f, GST_VIDEO_FRAME_WIDTH(vf),
                             GST_VIDEO_FRAME_HEIGHT(vf),
                             GST_VIDEO_FRAME_PLANE_STRIDE(vf, 0),
                             GST_VIDEO_FRAME_PLANE_DATA(vf, 0), unmap, vf);
}

/* --- output ------------------------------------------------------------------
 */

static GstBuffer *copy_rows(ep_image_frame *frame, const GstVideoInfo *info) {
  GstBuffer *buf =
      gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(info), NULL);
  GstMapInfo m;
  if (!buf || !gst_buffer_map(buf, &m, GST_MAP_WRITE)) {
    if (buf)
      gst_buffer_unref(buf);
    return NULL;
  }
  int h = ep_image_frame_height(frame);
  size_t row = (size_t)ep_image_frame_width(frame) *
               (size_t)ep_image_frame_channels(frame);
  size_t src_stride = (size_t)ep_image_frame_stride(frame);
  size_t dst_stride = (size_t)GST_VIDEO_INFO_PLANE_STRIDE(info, 0);
  const uint8_t *src = ep_image_frame_cpixels(frame);
  for (int y = 0; y < h; y++)
    memcpy(m.data + (size_t)y * dst_stride, src + (size_t)y * src_stride, row);
  gst_buffer_unmap(buf, &m);
  return buf;
}

GstBuffer *ep__gst_frame_to_buffer(ep_image_frame *frame) {
  GstVideoInfo info;
  GstVideoFormat vf = ep__gst_format_from_ep(ep_image_frame_format(frame));
  if (!gst_video_info_set_format(&info, vf, (guint)ep_image_frame_width(frame),
                                 (guint)ep_image_frame_height(frame)))
    return NULL;
  if (GST_VIDEO_INFO_PLANE_STRIDE(&info, 0) != ep_image_frame_stride(frame))
    return copy_rows(frame, &info);
  gsize size = GST_VIDEO_INFO_SIZE(&info);
  return gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, ep_image_frame_pixels(frame), size, 0, size,
      ep_image_frame_ref(frame), (GDestroyNotify)ep_image_frame_unref);
}

gboolean ep__gst_frame_matches(const ep_image_frame *frame,
                               const GstVideoInfo *info) {
  ep_image_format f;
  return ep__gst_format_to_ep(GST_VIDEO_INFO_FORMAT(info), &f) &&
         f == ep_image_frame_format(frame) &&
         ep_image_frame_width(frame) == GST_VIDEO_INFO_WIDTH(info) &&
         ep_image_frame_height(frame) == GST_VIDEO_INFO_HEIGHT(info);
}
