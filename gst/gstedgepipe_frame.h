/* gstedgepipe_frame.h — GstBuffer <-> ImageFrame, without copying where
 * the layout allows.
 *
 * Input: the frame wraps a read mapping of the buffer (gst_video_frame_map
 * holds a reference to the buffer); the mapping is released when the
 * frame's last reference goes, on whatever thread that happens.
 * Output: a buffer around the frame's pixels that holds a frame reference,
 * when its stride is the one GStreamer expects for the caps; otherwise a
 * copy. */
#ifndef EDGEPIPE_GST_FRAME_H
#define EDGEPIPE_GST_FRAME_H

#include <gst/video/video.h>

#include "edgepipe/image_frame.h"

/* The ImageFrame format of a GStreamer video format; FALSE when there is
 * none (only RGB, RGBA and GRAY8 map). */
gboolean ep__gst_format_to_ep(GstVideoFormat f, ep_image_format *out);
GstVideoFormat ep__gst_format_from_ep(ep_image_format f);

/* A frame over buf's pixels (buf: transfer none), or NULL when the buffer
 * cannot be mapped or the format does not map. */
ep_image_frame *ep__gst_frame_wrap(GstBuffer *buf, const GstVideoInfo *info);

/* A buffer holding frame's pixels (frame: transfer none), with no
 * timestamps set. NULL on out-of-memory. */
GstBuffer *ep__gst_frame_to_buffer(ep_image_frame *frame);

/* TRUE when frame's format and size match info. */
gboolean ep__gst_frame_matches(const ep_image_frame *frame,
                               const GstVideoInfo *info);

#endif
