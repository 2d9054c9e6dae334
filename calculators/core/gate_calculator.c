/* GateCalculator — passes its inputs through at timestamps where it is
 * allowed to and drops them elsewhere (MediaPipe's GateCalculator).
 *
 * The decision comes from, in order: an ALLOW or DISALLOW side packet (fixed
 * for the run), an ALLOW or DISALLOW Bool stream synchronised with the data
 * (a missing packet at T counts as allow when empty_packets_as_allow is set,
 * else as disallow), or else the `allow` option. A dropped timestamp still
 * advances the outputs' bounds (the framework does it: nothing was sent). */
#include "edgepipe/calculator.h"

static const ep_port_spec inputs[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = -1},
    {.tag = "ALLOW", .type = "Bool", .min_count = 0, .max_count = 1},
    {.tag = "DISALLOW", .type = "Bool", .min_count = 0, .max_count = 1},
    {.tag = NULL},
};

static const ep_port_spec outputs[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = -1, .same_as = ""},
    {.tag = NULL},
};

static const ep_port_spec input_side[] = {
    {.tag = "ALLOW", .type = "Bool", .min_count = 0, .max_count = 1},
    {.tag = "DISALLOW", .type = "Bool", .min_count = 0, .max_count = 1},
    {.tag = NULL},
};

static const ep_option_spec options[] = {
    {.name = "empty_packets_as_allow", .kind = EP_OPT_BOOL, .defval = "false"},
    {.name = "allow", .kind = EP_OPT_BOOL, .defval = "false"},
    {.name = NULL},
};

static int gate_open(ep_calc_ctx *ctx) {
  int ways = (ep_ctx_input_count(ctx, "ALLOW") > 0) +
             (ep_ctx_input_count(ctx, "DISALLOW") > 0) +
             (ep_ctx_side_input(ctx, "ALLOW", 0) != NULL) +
             (ep_ctx_side_input(ctx, "DISALLOW", 0) != NULL);
  if (ways > 1)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "use only one of the ALLOW and DISALLOW streams and "
                       "side packets");
  return 0;
}

/* The gate's state at this call's timestamp. */
static bool allowed(ep_calc_ctx *ctx) {
  ep_packet *side = ep_ctx_side_input(ctx, "ALLOW", 0);
  if (side)
    return ep_packet_get_bool(side);
  side = ep_ctx_side_input(ctx, "DISALLOW", 0);
  if (side)
    return !ep_packet_get_bool(side);
  bool empty_allows =
      ep_options_bool(ep_ctx_options(ctx), "empty_packets_as_allow");
  if (ep_ctx_input_count(ctx, "ALLOW") > 0) {
    ep_packet *p = ep_ctx_input(ctx, "ALLOW", 0);
    return p ? ep_packet_get_bool(p) : empty_allows;
  }
  if (ep_ctx_input_count(ctx, "DISALLOW") > 0) {
    ep_packet *p = ep_ctx_input(ctx, "DISALLOW", 0);
    return p ? !ep_packet_get_bool(p) : empty_allows;
  }
  return ep_options_bool(ep_ctx_options(ctx), "allow");
}

static int gate_process(ep_calc_ctx *ctx) {
  if (!allowed(ctx))
    return 0;
  int n = ep_ctx_input_count(ctx, "");
  for (int i = 0; i < n; i++) {
    ep_packet *p = ep_ctx_input(ctx, "", i);
    if (!p)
      continue;
    int rc = ep_ctx_output_add(ctx, "", i, ep_packet_ref(p));
    if (rc < 0)
      return rc;
  }
  return 0;
}

const ep_calculator_def ep_calc_GateCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "GateCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .input_side = input_side,
    .options = options,
    .open = gate_open,
    .process = gate_process,
};
