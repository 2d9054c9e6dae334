/* FlowLimiterCalculator — lets at most max_in_flight frames into the
 * downstream part of a graph and drops the rest (MediaPipe's
 * FlowLimiterCalculator).
 *
 * The FINISHED input is a back edge from the end of the throttled part: each
 * packet on it says one frame came out. Frames that arrive while the limit is
 * reached wait in a queue of up to max_in_queue (the newest kept); older ones
 * are dropped. A dropped frame still advances the output's bound, so nodes
 * downstream that sync with other streams never wait for it, and ALLOW (if
 * wired) says true or false for every frame at its timestamp.
 *
 * The handler is Immediate: FINISHED packets carry old timestamps and must
 * not wait for new frames. Bounds are set here, not by the framework. */
#include <stdlib.h>

#include "edgepipe/calculator.h"

static const ep_port_spec inputs[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = 1},
    {.tag = "FINISHED", .type = "Any", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_port_spec outputs[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = 1, .same_as = ""},
    {.tag = "ALLOW", .type = "Bool", .min_count = 0, .max_count = 1},
    {.tag = NULL},
};

static const ep_option_spec options[] = {
    {.name = "max_in_flight",
     .kind = EP_OPT_INT,
     .defval = "1",
     .min = 1,
     .max = 1e9},
    {.name = "max_in_queue",
     .kind = EP_OPT_INT,
     .defval = "0",
     .min = 0,
     .max = 1e9},
    /* µs of timestamp; a frame in flight longer than this is taken as lost
     * (0: never). */
    {.name = "in_flight_timeout",
     .kind = EP_OPT_INT,
     .defval = "0",
     .min = 0,
     .max = 9e18},
    {.name = NULL},
};

/* A ring of timestamps (frames in flight) or packets (frames waiting). */
typedef struct flow_state {
  int64_t max_in_flight, max_in_queue, timeout;
  ep_timestamp *flight; /* oldest first */
  int64_t n_flight;
  ep_packet **queue; /* oldest first */
  int64_t n_queue;
} flow_state;

static int flow_open(ep_calc_ctx *ctx) {
  flow_state *s = ep_ctx_state(ctx);
  const ep_options *o = ep_ctx_options(ctx);
  s->max_in_flight = ep_options_int(o, "max_in_flight");
  s->max_in_queue = ep_options_int(o, "max_in_queue");
  s->timeout = ep_options_int(o, "in_flight_timeout");
  if (s->max_in_flight < 1)
    s->max_in_flight = 1;
  if (s->max_in_queue < 0)
    s->max_in_queue = 0;
  s->flight = calloc((size_t)s->max_in_flight, sizeof *s->flight);
  s->queue = calloc((size_t)s->max_in_queue + 1, sizeof *s->queue);
  if (!s->flight || !s->queue)
    return ep_ctx_fail(ctx, EP_ENOMEM, "cannot allocate the frame queues");
  return 0;
}

static void flight_remove(flow_state *s, int64_t i) {
  for (; i + 1 < s->n_flight; i++)
    s->flight[i] = s->flight[i + 1];
  s->n_flight--;
}

/* FINISHED at ts: forget that frame, or the oldest if ts is unknown. */
static void on_finished(flow_state *s, ep_timestamp ts) {
  if (s->n_flight == 0)
    return;
  int64_t hit = 0;
  for (int64_t i = 0; i < s->n_flight; i++)
    if (s->flight[i] == ts)
      hit = i;
  flight_remove(s, hit);
}

static void expire(flow_state *s, ep_timestamp now) {
  while (s->timeout > 0 && s->n_flight > 0 && now - s->flight[0] > s->timeout)
    flight_remove(s, 0);
}

static int send_allow(ep_calc_ctx *ctx, bool allow, ep_timestamp ts) {
  if (ep_ctx_output_count(ctx, "ALLOW") == 0)
    return 0;
  ep_packet *p = ep_packet_new_bool(allow, ts);
  return p ? ep_ctx_output_add(ctx, "ALLOW", 0, p) : EP_ENOMEM;
}

static ep_packet *queue_pop(flow_state *s) {
  ep_packet *p = s->queue[0];
  for (int64_t i = 0; i + 1 < s->n_queue; i++)
    s->queue[i] = s->queue[i + 1];
  s->n_queue--;
  return p;
}

static int emit(ep_calc_ctx *ctx, flow_state *s) {
  ep_packet *p = queue_pop(s);
  ep_timestamp ts = ep_packet_timestamp(p);
  s->flight[s->n_flight++] = ts;
  int rc = ep_ctx_output_add(ctx, "", 0, p);
  return rc < 0 ? rc : send_allow(ctx, true, ts);
}

static int drop(ep_calc_ctx *ctx, flow_state *s) {
  ep_packet *p = queue_pop(s);
  ep_timestamp ts = ep_packet_timestamp(p);
  ep_packet_unref(p);
  ep_ctx_report_drop(ctx, ts);
  int rc = ep_ctx_output_set_bound(ctx, "", 0, ep_timestamp_next_allowed(ts));
  return rc < 0 ? rc : send_allow(ctx, false, ts);
}

static int flow_process(ep_calc_ctx *ctx) {
  flow_state *s = ep_ctx_state(ctx);
  ep_packet *fin = ep_ctx_input(ctx, "FINISHED", 0);
  if (fin)
    on_finished(s, ep_packet_timestamp(fin));
  ep_packet *frame = ep_ctx_input(ctx, "", 0);
  if (frame) {
    expire(s, ep_packet_timestamp(frame));
    s->queue[s->n_queue++] = ep_packet_ref(frame);
  }
  int rc = 0;
  while (rc == 0 && s->n_queue > 0 && s->n_flight < s->max_in_flight)
    rc = emit(ctx, s);
  while (rc == 0 && s->n_queue > s->max_in_queue)
    rc = drop(ctx, s);
  /* A waiting frame holds the bound at its timestamp. */
  if (rc == 0 && s->n_queue > 0)
    rc = ep_ctx_output_set_bound(ctx, "", 0, ep_packet_timestamp(s->queue[0]));
  return rc;
}

static int flow_close(ep_calc_ctx *ctx) {
  flow_state *s = ep_ctx_state(ctx);
  while (s->queue && s->n_queue > 0) {
    ep_packet *p = queue_pop(s);
    ep_ctx_report_drop(ctx, ep_packet_timestamp(p));
    ep_packet_unref(p);
  }
  free(s->queue);
  free(s->flight);
  return 0;
}

const ep_calculator_def ep_calc_FlowLimiterCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "FlowLimiterCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .options = options,
    .input_stream_handler = "Immediate",
    .state_size = sizeof(flow_state),
    .open = flow_open,
    .process = flow_process,
    .close = flow_close,
};
