/* CountingSinkCalculator — consumes any streams, counts their packets and
 * drops them. With `expect` set, close() fails unless exactly that many
 * packets arrived, so a test or demo graph can check itself. The count also
 * shows as the node's packets-in in the graph's stats. */
#include <inttypes.h>

#include "edgepipe/calculator.h"

static const ep_port_spec inputs[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = -1},
    {.tag = NULL},
};

static const ep_option_spec options[] = {
    /* -1: any number. */
    {.name = "expect",
     .kind = EP_OPT_INT,
     .defval = "-1",
     .min = -1,
     .max = 1e15},
    {.name = NULL},
};

typedef struct sink_state {
  int64_t count;
} sink_state;

static int sink_process(ep_calc_ctx *ctx) {
  sink_state *s = ep_ctx_state(ctx);
  int n = ep_ctx_input_count(ctx, "");
  for (int i = 0; i < n; i++)
    s->count += ep_ctx_input(ctx, "", i) != NULL;
  return 0;
}

static int sink_close(ep_calc_ctx *ctx) {
  sink_state *s = ep_ctx_state(ctx);
  int64_t want = ep_options_int(ep_ctx_options(ctx), "expect");
  if (want >= 0 && s->count != want)
    return ep_ctx_fail(ctx, EP_ECALC,
                       "expected %" PRId64 " packets, got %" PRId64, want,
                       s->count);
  return 0;
}

const ep_calculator_def ep_calc_CountingSinkCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "CountingSinkCalculator",
    .inputs = inputs,
    .options = options,
    .state_size = sizeof(sink_state),
    .process = sink_process,
    .close = sink_close,
};
