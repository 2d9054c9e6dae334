/* FaultInjectionCalculator — passes its input through and fails on purpose,
 * to show how a graph behaves when a node goes wrong.
 *
 * fail_in picks the fault:
 *   NONE             never fails (a plain pass-through);
 *   OPEN             open() fails;
 *   PROCESS          process() fails;
 *   CLOSE            close() fails;
 *   WRONG_TIMESTAMP  process() sends the packet twice at its timestamp, so
 *                    the second is out of order (the runtime's error).
 * PROCESS and WRONG_TIMESTAMP strike on process call at_call (from 1), or,
 * when probability > 0, on each call with that probability from a
 * generator seeded with seed (the same seed gives the same calls). */
#include <inttypes.h>
#include <string.h>

#include "edgepipe/calculator.h"

static const ep_port_spec inputs[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_port_spec outputs[] = {
    {.tag = "", .type = "Any", .min_count = 0, .max_count = 1, .same_as = ""},
    {.tag = NULL},
};

static const char *const kinds[] = {
    "NONE", "OPEN", "PROCESS", "CLOSE", "WRONG_TIMESTAMP", NULL};
enum { NONE, OPEN, PROCESS, CLOSE, WRONG_TIMESTAMP };

static const ep_option_spec options[] = {
    {.name = "fail_in",
     .kind = EP_OPT_ENUM,
     .defval = "PROCESS",
     .enum_values = kinds},
    {.name = "at_call",
     .kind = EP_OPT_INT,
     .defval = "1",
     .min = 1,
     .max = 9e18},
    {.name = "probability",
     .kind = EP_OPT_FLOAT,
     .defval = "0",
     .min = 0,
     .max = 1},
    {.name = "seed", .kind = EP_OPT_INT, .defval = "1", .min = 0, .max = 9e18},
    {.name = NULL},
};

typedef struct fault_state {
  int kind;
  int64_t at_call, calls;
  double probability;
  uint64_t rng;
} fault_state;

static int kind_of(const char *name) {
  for (int i = 0; kinds[i]; i++)
    if (strcmp(kinds[i], name) == 0)
      return i;
  return NONE;
}

/* splitmix64: small, and the same sequence everywhere for a seed. */
static double next_uniform(fault_state *s) {
  uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) / 9007199254740992.0;
}

static int fault_open(ep_calc_ctx *ctx) {
  fault_state *s = ep_ctx_state(ctx);
  const ep_options *o = ep_ctx_options(ctx);
  s->kind = kind_of(ep_options_string(o, "fail_in"));
  s->at_call = ep_options_int(o, "at_call");
  s->probability = ep_options_float(o, "probability");
  s->rng = (uint64_t)ep_options_int(o, "seed");
  if (s->kind == OPEN)
    return ep_ctx_fail(ctx, EP_ECALC, "injected fault in open()");
  return 0;
}

/* Whether this process call is the one to fail. */
static bool strikes(fault_state *s) {
  s->calls++;
  if (s->kind != PROCESS && s->kind != WRONG_TIMESTAMP)
    return false;
  if (s->probability > 0)
    return next_uniform(s) < s->probability;
  return s->calls == s->at_call;
}

static int fault_process(ep_calc_ctx *ctx) {
  fault_state *s = ep_ctx_state(ctx);
  ep_packet *p = ep_ctx_input(ctx, "", 0);
  bool hit = strikes(s);
  if (hit && s->kind == PROCESS)
    return ep_ctx_fail(ctx, EP_ECALC,
                       "injected fault in process() at call %" PRId64
                       ", timestamp %" PRId64,
                       s->calls, ep_ctx_timestamp(ctx));
  if (!p || ep_ctx_output_count(ctx, "") == 0)
    return 0;
  int rc = ep_ctx_output_add(ctx, "", 0, ep_packet_ref(p));
  if (rc == 0 && hit)
    rc = ep_ctx_output_add(ctx, "", 0, ep_packet_ref(p));
  return rc;
}

static int fault_close(ep_calc_ctx *ctx) {
  fault_state *s = ep_ctx_state(ctx);
  if (s->kind == CLOSE)
    return ep_ctx_fail(ctx, EP_ECALC, "injected fault in close()");
  return 0;
}

const ep_calculator_def ep_calc_FaultInjectionCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "FaultInjectionCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .options = options,
    .state_size = sizeof(fault_state),
    .open = fault_open,
    .process = fault_process,
    .close = fault_close,
};
