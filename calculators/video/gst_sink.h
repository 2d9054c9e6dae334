/* gst_sink.h — a GStreamer pipeline that encodes frames to a file, a
 * window or nowhere (internal; VideoEncoderCalculator's engine).
 *
 * Lifecycle: ep__gst_sink_new() checks the output and that its encoder is
 * installed; the pipeline is built on the first frame, whose size and
 * format fix the caps; ep__gst_sink_push() hands frames over without
 * copying; ep__gst_sink_finish() sends end-of-stream and waits (bounded)
 * until the muxer has written the file's index, so the file plays;
 * ep__gst_sink_free() tears down (finishing first if that was not done).
 *
 * Outputs, by name: "null" (fakesink), "display" (autovideosink), or a
 * path whose extension picks the format: .mp4 (H.264 via x264enc,
 * fragmented so that an interrupted file still plays), .mkv (H.264, or VP8
 * without x264enc), .webm (VP8), .avi (MJPEG), .png / .jpg / .jpeg (the
 * first frame only; a path with a printf "%d" writes every frame). */
#ifndef EDGEPIPE_GST_SINK_H
#define EDGEPIPE_GST_SINK_H

#include <stdint.h>

#include "edgepipe/image_frame.h"

typedef struct ep__gst_sink ep__gst_sink;

typedef struct ep__gst_sink_opts {
  const char *output;
  double frame_rate; /* declared in the caps; <= 0: from the first two
                        frames' timestamps (30 with one frame) */
  int timeout_ms;    /* longest wait for queue room or finalising; <= 0:
                        30000 */
} ep__gst_sink_opts;

/* A frame to encode: pixels stay owned by the caller's object until
 * release(user) is called, once, when GStreamer is done with them (also
 * when a push fails). */
typedef struct ep__gst_image {
  ep_image_format format;
  int width, height, stride;
  const uint8_t *pixels;
  int64_t pts_us;
  void (*release)(void *user);
  void *user;
} ep__gst_image;

/* 0 and *out (transfer full), or a negative code with *errmsg (free() it)
 * naming the output and the problem. */
int ep__gst_sink_new(const ep__gst_sink_opts *o, ep__gst_sink **out,
                     char **errmsg);

/* Queues one frame, waiting while the queue is full. 0, or a negative code
 * with *errmsg. */
int ep__gst_sink_push(ep__gst_sink *s, const ep__gst_image *img, char **errmsg);

/* Ends the stream and waits until it is written. 0, or a negative code with
 * *errmsg. Further pushes fail with EP_ESTATE. */
int ep__gst_sink_finish(ep__gst_sink *s, char **errmsg);

/* Frames pushed so far (those written: a still image output keeps one). */
int64_t ep__gst_sink_frames(const ep__gst_sink *s);

/* Finishes if needed (ignoring errors) and frees s. NULL is ignored. */
void ep__gst_sink_free(ep__gst_sink *s);

#endif
