/* video_decoder_calculator.c — VideoDecoderCalculator: a source node that
 * decodes a video file, a still image, a camera, a URI or GStreamer's test
 * source into ImageFrames (SRGB) on VIDEO, at the decoded timestamps in
 * microseconds counted from the first frame.
 *
 * As MediaPipe's OpenCvVideoDecoderCalculator, the input comes from the
 * INPUT_FILE_PATH side packet; the `input` option is used when the side
 * packet is not wired. The pipeline starts in open(), which waits (bounded
 * by timeout_ms) for the first frame, so a missing or undecodable input
 * fails the graph before it runs. Each process() sends one frame; the end
 * of the input returns EP_STOP, which closes VIDEO. Frames wrap GStreamer's
 * buffers without copying. */
#include <stdlib.h>

#include "edgepipe/calculator.h"
#include "edgepipe/image_frame.h"
#include "gst_source.h"

typedef struct decoder_state {
  ep__gst_source *src;
} decoder_state;

static const char *input_of(ep_calc_ctx *ctx) {
  ep_packet *side = ep_ctx_side_input(ctx, "INPUT_FILE_PATH", 0);
  if (side)
    return ep_packet_get_string(side);
  return ep_options_string(ep_ctx_options(ctx), "input");
}

static int decoder_open(ep_calc_ctx *ctx) {
  decoder_state *st = ep_ctx_state(ctx);
  const ep_options *o = ep_ctx_options(ctx);
  const char *input = input_of(ctx);
  if (!input || !*input)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "no input: wire the INPUT_FILE_PATH side packet or "
                       "set the 'input' option");
  ep__gst_source_opts so = {
      .input = input,
      .width = (int)ep_options_int(o, "width"),
      .height = (int)ep_options_int(o, "height"),
      .num_frames = (int)ep_options_int(o, "num_frames"),
      .pattern = ep_options_string(o, "pattern"),
      .frame_rate = ep_options_float(o, "fps"),
      .loop_image_frames = (int)ep_options_int(o, "loop_image_frames"),
      .max_buffers = (int)ep_options_int(o, "max_queued_frames"),
      .timeout_ms = (int)ep_options_int(o, "timeout_ms"),
      .decoder = ep_options_string(o, "decoder"),
  };
  char *msg = NULL;
  int rc = ep__gst_source_open(&so, &st->src, &msg);
  if (rc < 0) {
    rc = ep_ctx_fail(ctx, rc, "%s", msg ? msg : ep_strerror(rc));
    free(msg);
  }
  return rc;
}

static int decoder_process(ep_calc_ctx *ctx) {
  decoder_state *st = ep_ctx_state(ctx);
  ep__gst_frame f;
  char *msg = NULL;
  int rc = ep__gst_source_next(st->src, &f, &msg);
  if (rc != 0) {
    if (rc < 0)
      rc = ep_ctx_fail(ctx, rc, "%s", msg ? msg : ep_strerror(rc));
    free(msg);
    return rc;
  }
  ep_image_frame *img =
      ep_image_frame_wrap(EP_IMAGE_SRGB, f.width, f.height, f.stride, f.pixels,
                          ep__gst_frame_release, f.hold);
  ep_packet *p =
      img ? ep_packet_new(&ep_type_image_frame, img, f.pts_us) : NULL;
  if (!p)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory for a frame");
  return ep_ctx_output_add(ctx, "VIDEO", 0, p);
}

static int decoder_close(ep_calc_ctx *ctx) {
  decoder_state *st = ep_ctx_state(ctx);
  ep__gst_source_free(st->src);
  st->src = NULL;
  return 0;
}

static const ep_port_spec decoder_outputs[] = {
    {.tag = "VIDEO", .type = "ImageFrame", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_port_spec decoder_side_inputs[] = {
    {.tag = "INPUT_FILE_PATH",
     .type = "String",
     .min_count = 0,
     .max_count = 1},
    {.tag = NULL},
};

static const ep_option_spec decoder_options[] = {
    /* A file path, a URI, "test", "camera", "v4l2:/dev/videoN", or
     * "gst:DESCRIPTION" (a gst-launch source giving raw video). */
    {.name = "input", .kind = EP_OPT_STRING},
    /* Test source frame size and length (0: 640x480, endless). */
    {.name = "width",
     .kind = EP_OPT_INT,
     .defval = "0",
     .min = 0,
     .max = 16384},
    {.name = "height",
     .kind = EP_OPT_INT,
     .defval = "0",
     .min = 0,
     .max = 16384},
    {.name = "num_frames",
     .kind = EP_OPT_INT,
     .defval = "0",
     .min = 0,
     .max = 2e9},
    /* A videotestsrc pattern name ("smpte", "ball", "red", ...). */
    {.name = "pattern", .kind = EP_OPT_STRING, .defval = "smpte"},
    /* Test source rate, and the rate a repeated still image plays at. */
    {.name = "fps",
     .kind = EP_OPT_FLOAT,
     .defval = "30",
     .min = 0.001,
     .max = 1000},
    /* A still image is sent this many times; -1: until cancelled. */
    {.name = "loop_image_frames",
     .kind = EP_OPT_INT,
     .defval = "1",
     .min = -1,
     .max = 2e9},
    /* Decoded frames kept ahead of the graph. */
    {.name = "max_queued_frames",
     .kind = EP_OPT_INT,
     .defval = "2",
     .min = 1,
     .max = 64},
    /* Longest wait for a frame before the input counts as stalled. */
    {.name = "timeout_ms",
     .kind = EP_OPT_INT,
     .defval = "10000",
     .min = 1,
     .max = 3600000},
    /* A GStreamer decoder to prefer where it fits, e.g. "openh264dec"
     * (a third of avdec_h264's memory, at half its speed). */
    {.name = "decoder", .kind = EP_OPT_STRING},
    {.name = NULL},
};

const ep_calculator_def ep_calc_VideoDecoderCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "VideoDecoderCalculator",
    .outputs = decoder_outputs,
    .input_side = decoder_side_inputs,
    .options = decoder_options,
    .state_size = sizeof(decoder_state),
    .open = decoder_open,
    .process = decoder_process,
    .close = decoder_close,
};
