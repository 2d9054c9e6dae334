/* inference_calculator.c — InferenceCalculator: runs a TFLite model on each
 * TENSORS packet (MediaPipe's calculator of the same name).
 *
 *   input_stream:  TENSORS  (Tensors: the model's inputs, float32)
 *   output_stream: TENSORS  (Tensors: the model's outputs, float32)
 *   input_side_packet: MODEL_PATH (String, optional: overrides model_path)
 *   options: model_path, delegate { xnnpack {num_threads} | tflite {} |
 *            reference {} }, num_threads
 *
 * open() loads the model and prepares the backend, so a missing or corrupt
 * file stops the graph before any frame with the file's name and the
 * offset of the problem; process() checks each input's shape against the
 * model and sends the outputs at the input's timestamp. */
#include "edgepipe/calculator.h"
#include "edgepipe/tensor.h"
#include "inference_session.h"

#include <stdlib.h>

typedef struct infer_state {
  ep__infer_session *session;
} infer_state;

/* Options follow MediaPipe's InferenceCalculatorOptions where they
 * overlap: `delegate { xnnpack { num_threads: 2 } }` or `delegate { tflite
 * {} }` (TFLite's own CPU kernels: here the reference kernels), plus our
 * `delegate { reference {} }`. No delegate: XNNPACK when built in. */
static const ep_option_spec no_fields[] = {
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL}};

static const ep_option_spec xnnpack_fields[] = {
    {"num_threads", EP_OPT_INT, 0, "-1", -1, 256, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL}};

static const ep_option_spec delegate_fields[] = {
    {"xnnpack", EP_OPT_MESSAGE, 0, NULL, 0, 0, NULL, xnnpack_fields},
    {"tflite", EP_OPT_MESSAGE, 0, NULL, 0, 0, NULL, no_fields},
    {"reference", EP_OPT_MESSAGE, 0, NULL, 0, 0, NULL, no_fields},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL}};

static const ep_option_spec options[] = {
    {"model_path", EP_OPT_STRING, 0, NULL, 0, 0, NULL, NULL},
    {"delegate", EP_OPT_MESSAGE, 0, NULL, 0, 0, NULL, delegate_fields},
    /* Threads for XNNPACK's pool; -1: the backend's default. */
    {"num_threads", EP_OPT_INT, 0, "-1", -1, 256, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL}};

static const ep_port_spec inputs[] = {{"TENSORS", "Tensors", 1, 1, NULL},
                                      {NULL, NULL, 0, 0, NULL}};
static const ep_port_spec outputs[] = {{"TENSORS", "Tensors", 1, 1, NULL},
                                       {NULL, NULL, 0, 0, NULL}};
static const ep_port_spec side_inputs[] = {{"MODEL_PATH", "String", 0, 1, NULL},
                                           {NULL, NULL, 0, 0, NULL}};

static int infer_open(ep_calc_ctx *ctx) {
  infer_state *st = ep_ctx_state(ctx);
  const ep_options *o = ep_ctx_options(ctx);
  const char *path = ep_options_string(o, "model_path");
  ep_packet *side = ep_ctx_side_input(ctx, "MODEL_PATH", 0);
  if (side && ep_packet_get_string(side))
    path = ep_packet_get_string(side);
  if (!path || !*path)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "no model: set the model_path option or the "
                       "MODEL_PATH side packet");
  const char *delegate = "xnnpack";
  int threads = (int)ep_options_int(o, "num_threads");
  const ep_options *d = ep_options_message(o, "delegate", 0);
  int chosen = ep_options_has(d, "xnnpack") + ep_options_has(d, "tflite") +
               ep_options_has(d, "reference");
  if (chosen > 1)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "delegate: set only one of xnnpack, tflite, reference");
  if (ep_options_has(d, "tflite") || ep_options_has(d, "reference"))
    delegate = "reference";
  const ep_options *x = ep_options_message(d, "xnnpack", 0);
  if (ep_options_has(x, "num_threads"))
    threads = (int)ep_options_int(x, "num_threads");
  char *msg = NULL;
  int rc = ep__infer_session_open(path, delegate, threads, &st->session, &msg);
  if (rc) {
    rc = ep_ctx_fail(ctx, rc, "%s", msg ? msg : ep_strerror(rc));
    free(msg);
  }
  return rc;
}

static int infer_process(ep_calc_ctx *ctx) {
  infer_state *st = ep_ctx_state(ctx);
  ep_packet *in = ep_ctx_input(ctx, "TENSORS", 0);
  if (!in)
    return 0; /* nothing at this timestamp: the bound moves on */
  ep_tensors *out = NULL;
  char *msg = NULL;
  int rc = ep__infer_session_run(st->session, ep_packet_data(in), &out, &msg);
  if (rc) {
    rc = ep_ctx_fail(ctx, rc, "%s", msg ? msg : ep_strerror(rc));
    free(msg);
    return rc;
  }
  ep_packet *p = ep_packet_new(&ep_type_tensors, out, ep_ctx_timestamp(ctx));
  if (!p)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  return ep_ctx_output_add(ctx, "TENSORS", 0, p);
}

static int infer_close(ep_calc_ctx *ctx) {
  infer_state *st = ep_ctx_state(ctx);
  ep__infer_session_free(st->session);
  st->session = NULL;
  return 0;
}

const ep_calculator_def ep_calc_InferenceCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "InferenceCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .input_side = side_inputs,
    .options = options,
    .state_size = sizeof(infer_state),
    .open = infer_open,
    .process = infer_process,
    .close = infer_close,
};
