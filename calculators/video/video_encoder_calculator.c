/* video_encoder_calculator.c — VideoEncoderCalculator: a sink node that
 * writes the ImageFrames on VIDEO to a file (mp4, mkv, webm, avi, or
 * png/jpeg for a single image), to a window ("display") or nowhere
 * ("null", for benchmarks).
 *
 * As MediaPipe's OpenCvVideoEncoderCalculator, the destination comes from
 * the OUTPUT_FILE_PATH side packet, else from the `output` option. The
 * encoder is set up on the first frame, whose size fixes the video's.
 * close() ends the stream and waits until the file is finalised (its index
 * written), and close() runs on a normal end, after an error elsewhere and
 * after a cancel (Ctrl-C), so the file plays in all three cases. Frames go
 * to GStreamer without copying; each holds its ImageFrame until encoded. */
#include <stdlib.h>

#include "edgepipe/calculator.h"
#include "edgepipe/image_frame.h"
#include "gst_sink.h"

typedef struct encoder_state {
  ep__gst_sink *sink;
} encoder_state;

static int fail_with(ep_calc_ctx *ctx, int rc, char *msg) {
  rc = ep_ctx_fail(ctx, rc, "%s", msg ? msg : ep_strerror(rc));
  free(msg);
  return rc;
}

static int encoder_open(ep_calc_ctx *ctx) {
  encoder_state *st = ep_ctx_state(ctx);
  const ep_options *o = ep_ctx_options(ctx);
  ep_packet *side = ep_ctx_side_input(ctx, "OUTPUT_FILE_PATH", 0);
  const char *out =
      side ? ep_packet_get_string(side) : ep_options_string(o, "output");
  if (!out || !*out)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "no output: wire the OUTPUT_FILE_PATH side packet or "
                       "set the 'output' option");
  ep__gst_sink_opts so = {
      .output = out,
      .frame_rate = ep_options_float(o, "fps"),
      .timeout_ms = (int)ep_options_int(o, "timeout_ms"),
  };
  char *msg = NULL;
  int rc = ep__gst_sink_new(&so, &st->sink, &msg);
  return rc < 0 ? fail_with(ctx, rc, msg) : 0;
}

static void release_frame(void *user) { ep_image_frame_unref(user); }

static int encoder_process(ep_calc_ctx *ctx) {
  encoder_state *st = ep_ctx_state(ctx);
  ep_packet *p = ep_ctx_input(ctx, "VIDEO", 0);
  if (!p)
    return 0;
  ep_image_frame *f = (ep_image_frame *)ep_packet_data(p);
  ep__gst_image img = {
      .format = ep_image_frame_format(f),
      .width = ep_image_frame_width(f),
      .height = ep_image_frame_height(f),
      .stride = ep_image_frame_stride(f),
      .pixels = ep_image_frame_cpixels(f),
      .pts_us = ep_packet_timestamp(p),
      .release = release_frame,
      .user = ep_image_frame_ref(f),
  };
  char *msg = NULL;
  int rc = ep__gst_sink_push(st->sink, &img, &msg);
  return rc < 0 ? fail_with(ctx, rc, msg) : 0;
}

static int encoder_close(ep_calc_ctx *ctx) {
  encoder_state *st = ep_ctx_state(ctx);
  if (!st->sink)
    return 0;
  char *msg = NULL;
  int rc = ep__gst_sink_finish(st->sink, &msg);
  ep__gst_sink_free(st->sink);
  st->sink = NULL;
  return rc < 0 ? fail_with(ctx, rc, msg) : 0;
}

static const ep_port_spec encoder_inputs[] = {
    {.tag = "VIDEO", .type = "ImageFrame", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_port_spec encoder_side_inputs[] = {
    {.tag = "OUTPUT_FILE_PATH",
     .type = "String",
     .min_count = 0,
     .max_count = 1},
    {.tag = NULL},
};

static const ep_option_spec encoder_options[] = {
    /* A path (.mp4 .mkv .webm .avi .png .jpg), "null" or "display". */
    {.name = "output", .kind = EP_OPT_STRING},
    /* The frame rate written in the stream header (frames keep their own
     * timestamps); 0: from the first two frames' timestamps. */
    {.name = "fps", .kind = EP_OPT_FLOAT, .defval = "0", .min = 0, .max = 1000},
    /* Longest wait for the encoder to take a frame or finish the file. */
    {.name = "timeout_ms",
     .kind = EP_OPT_INT,
     .defval = "30000",
     .min = 1,
     .max = 3600000},
    {.name = NULL},
};

const ep_calculator_def ep_calc_VideoEncoderCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "VideoEncoderCalculator",
    .inputs = encoder_inputs,
    .input_side = encoder_side_inputs,
    .options = encoder_options,
    .state_size = sizeof(encoder_state),
    .open = encoder_open,
    .process = encoder_process,
    .close = encoder_close,
};
