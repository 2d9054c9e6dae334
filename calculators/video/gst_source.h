/* gst_source.h — a GStreamer pipeline that yields decoded RGB frames
 * (internal; VideoDecoderCalculator's engine).
 *
 * Lifecycle: ep__gst_source_open() builds the pipeline, starts it and waits
 * (bounded) for the first frame, so a missing or undecodable input fails
 * there; ep__gst_source_next() then hands out frames in order until it
 * returns EP_STOP at the end of the stream; ep__gst_source_free() stops
 * the pipeline. Frames wrap GStreamer's mapped buffers without copying and
 * may outlive the source: each holds its own reference to the buffer.
 *
 * Inputs: a file path (any container/codec decodebin can decode, or a
 * still png/jpeg), a URI ("scheme://..."), "test" or "videotestsrc"
 * (videotestsrc), "camera" (/dev/video0) or "v4l2:DEVICE" or a /dev/video*
 * path (v4l2src). */
#ifndef EDGEPIPE_GST_SOURCE_H
#define EDGEPIPE_GST_SOURCE_H

#include <stdint.h>

typedef struct ep__gst_source ep__gst_source;

typedef struct ep__gst_source_opts {
  const char *input;
  int width, height;     /* test source frame size; 0: 640x480 */
  int num_frames;        /* test source: frames to make; <= 0: endless */
  const char *pattern;   /* test source: videotestsrc pattern; NULL: smpte */
  double frame_rate;     /* test source rate and still image repeat rate;
                            <= 0: 30 */
  int loop_image_frames; /* still image: emit it this many times; 0: once;
                            < 0: endlessly */
  int max_buffers;       /* decoded frames queued ahead; <= 0: 2 */
  int timeout_ms;        /* longest wait for a frame; <= 0: 10000 */
  const char *decoder;   /* a decoder element to prefer where it fits
                            ("openh264dec"); NULL: decodebin's choice */
} ep__gst_source_opts;

/* A decoded frame: packed RGB rows `stride` bytes apart. */
typedef struct ep__gst_frame {
  uint8_t *pixels;
  int width, height, stride;
  int64_t pts_us; /* from 0 at the first frame; strictly increasing */
  void *hold;     /* release with ep__gst_frame_release(hold) */
} ep__gst_frame;

/* 0 and *out (transfer full), or a negative EP_E* code and *errmsg (free()
 * it) naming the input and the problem. */
int ep__gst_source_open(const ep__gst_source_opts *o, ep__gst_source **out,
                        char **errmsg);

/* The next frame (its hold: transfer full), EP_STOP at the end, or a
 * negative code with *errmsg set. */
int ep__gst_source_next(ep__gst_source *s, ep__gst_frame *f, char **errmsg);

/* The frame rate the stream declares (the frame_rate option when it
 * declares none; 0 for a still image). */
double ep__gst_source_frame_rate(const ep__gst_source *s);

/* Unmaps and unrefs a frame's buffer. NULL is ignored. */
void ep__gst_frame_release(void *hold);

/* Stops the pipeline and frees s; frames already handed out stay valid. */
void ep__gst_source_free(ep__gst_source *s);

#endif
