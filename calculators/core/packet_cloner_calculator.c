/* PacketClonerCalculator — on every TICK, sends the latest packet seen on
 * each input again, at the tick's timestamp (MediaPipe's
 * PacketClonerCalculator). The payload is shared, not copied.
 *
 * Inputs and ticks are not synchronised (Immediate handler): a tick uses
 * whatever arrived before it. An output with nothing to clone gets its bound
 * advanced past the tick instead. */
#include <stdlib.h>

#include "edgepipe/calculator.h"

static const ep_port_spec inputs[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = -1},
    {.tag = "TICK", .type = "Any", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_port_spec outputs[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = -1, .same_as = ""},
    {.tag = NULL},
};

static const ep_option_spec options[] = {
    {.name = "output_only_when_all_inputs_received",
     .kind = EP_OPT_BOOL,
     .defval = "false"},
    {.name = NULL},
};

typedef struct cloner_state {
  int n;
  bool all_required;
  ep_packet **last; /* n entries, owned references or NULL */
} cloner_state;

static int cloner_open(ep_calc_ctx *ctx) {
  cloner_state *s = ep_ctx_state(ctx);
  s->n = ep_ctx_input_count(ctx, "");
  s->all_required = ep_options_bool(ep_ctx_options(ctx),
                                    "output_only_when_all_inputs_received");
  s->last = calloc((size_t)s->n, sizeof *s->last);
  return s->last ? 0 : EP_ENOMEM;
}

static int on_tick(ep_calc_ctx *ctx, cloner_state *s, ep_timestamp ts) {
  bool all = true;
  for (int i = 0; i < s->n; i++)
    all = all && s->last[i];
  ep_timestamp next = ep_timestamp_next_allowed(ts);
  for (int i = 0; i < s->n; i++) {
    int rc;
    if (s->last[i] && (all || !s->all_required)) {
      ep_packet *p = ep_packet_at(s->last[i], ts);
      rc = p ? ep_ctx_output_add(ctx, "", i, p) : EP_ENOMEM;
    } else {
      rc = ep_ctx_output_set_bound(ctx, "", i, next);
    }
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int cloner_process(ep_calc_ctx *ctx) {
  cloner_state *s = ep_ctx_state(ctx);
  for (int i = 0; i < s->n; i++) {
    ep_packet *p = ep_ctx_input(ctx, "", i);
    if (p) {
      ep_packet_unref(s->last[i]);
      s->last[i] = ep_packet_ref(p);
    }
  }
  ep_packet *tick = ep_ctx_input(ctx, "TICK", 0);
  return tick ? on_tick(ctx, s, ep_packet_timestamp(tick)) : 0;
}

/* A flush: packets from before a seek are not cloned after it. */
static int cloner_reset(ep_calc_ctx *ctx) {
  cloner_state *s = ep_ctx_state(ctx);
  for (int i = 0; i < s->n; i++) {
    ep_packet_unref(s->last[i]);
    s->last[i] = NULL;
  }
  return 0;
}

static int cloner_close(ep_calc_ctx *ctx) {
  cloner_state *s = ep_ctx_state(ctx);
  for (int i = 0; s->last && i < s->n; i++)
    ep_packet_unref(s->last[i]);
  free(s->last);
  return 0;
}

const ep_calculator_def ep_calc_PacketClonerCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "PacketClonerCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .options = options,
    .input_stream_handler = "Immediate",
    .state_size = sizeof(cloner_state),
    .open = cloner_open,
    .process = cloner_process,
    .close = cloner_close,
    .reset = cloner_reset,
};
