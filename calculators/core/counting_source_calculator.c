/* CountingSourceCalculator — a source of Int packets for tests, demos and
 * benchmarks: `count` packets whose values are start, start+1, ... at
 * timestamps start*step ... (so 0..count-1 by default), then it stops. */
#include "edgepipe/calculator.h"

static const ep_port_spec outputs[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_option_spec options[] = {
    {.name = "count",
     .kind = EP_OPT_INT,
     .defval = "10",
     .min = 0,
     .max = 1e15},
    {.name = "start", .kind = EP_OPT_INT, .defval = "0", .min = 0, .max = 1e15},
    /* µs between consecutive timestamps. */
    {.name = "step", .kind = EP_OPT_INT, .defval = "1", .min = 1, .max = 1e12},
    {.name = NULL},
};

typedef struct source_state {
  int64_t next, end, step;
} source_state;

static int source_open(ep_calc_ctx *ctx) {
  source_state *s = ep_ctx_state(ctx);
  const ep_options *o = ep_ctx_options(ctx);
  s->next = ep_options_int(o, "start");
  s->end = s->next + ep_options_int(o, "count");
  s->step = ep_options_int(o, "step");
  if (s->step < 1)
    s->step = 1;
  return 0;
}

static int source_process(ep_calc_ctx *ctx) {
  source_state *s = ep_ctx_state(ctx);
  if (s->next >= s->end)
    return EP_STOP;
  ep_packet *p = ep_packet_new_int(s->next, s->next * s->step);
  if (!p)
    return EP_ENOMEM;
  s->next++;
  int rc = ep_ctx_output_add(ctx, "", 0, p);
  if (rc < 0)
    return rc;
  return s->next >= s->end ? EP_STOP : 0;
}

const ep_calculator_def ep_calc_CountingSourceCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "CountingSourceCalculator",
    .outputs = outputs,
    .options = options,
    .state_size = sizeof(source_state),
    .open = source_open,
    .process = source_process,
};
