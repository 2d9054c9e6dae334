/* custom_calculator.c — a calculator written outside the edgepipe tree,
 * built as a plugin, and used from a graph file.
 *
 *   cc -shared -fPIC custom_calculator.c $(pkg-config --cflags edgepipe) \
 *      -o libcustom_calculator.so
 *   pipe-run --plugin ./libcustom_calculator.so --print scaled \
 *      custom_calculator.pbtxt
 *
 * ScaleIntCalculator multiplies each Int by its `factor` option and adds
 * `offset`. It fails the graph, naming the packet, when the result does
 * not fit in an Int. See docs/writing-calculators.md.
 *
 * The plugin does not link libedgepipe: its ep_* calls bind to the
 * library its host has loaded, so host and plugin share one registry. */
#include <edgepipe/edgepipe.h>

static const ep_port_spec inputs[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_port_spec outputs[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_option_spec options[] = {
    {.name = "factor",
     .kind = EP_OPT_INT,
     .defval = "2",
     .min = -1e6,
     .max = 1e6},
    {.name = "offset",
     .kind = EP_OPT_INT,
     .defval = "0",
     .min = -1e9,
     .max = 1e9},
    {.name = NULL},
};

typedef struct scale_state {
  int64_t factor, offset;
} scale_state;

static int scale_open(ep_calc_ctx *ctx) {
  scale_state *s = ep_ctx_state(ctx);
  /* Validation has checked the values against the ranges above. */
  s->factor = ep_options_int(ep_ctx_options(ctx), "factor");
  s->offset = ep_options_int(ep_ctx_options(ctx), "offset");
  return 0;
}

static int scale_process(ep_calc_ctx *ctx) {
  const scale_state *s = ep_ctx_state(ctx);
  ep_packet *in = ep_ctx_input(ctx, "", 0); /* transfer none */
  if (!in)
    return 0; /* nothing at this timestamp: the framework moves the bound */
  int64_t v = ep_packet_get_int(in), out;
  if (__builtin_mul_overflow(v, s->factor, &out) ||
      __builtin_add_overflow(out, s->offset, &out))
    return ep_ctx_fail(ctx, EP_ERANGE, "%lld * %lld + %lld overflows",
                       (long long)v, (long long)s->factor,
                       (long long)s->offset);
  ep_packet *p = ep_packet_new_int(out, ep_packet_timestamp(in));
  if (!p)
    return EP_ENOMEM;
  return ep_ctx_output_add(ctx, "", 0, p); /* p: transfer full */
}

static const ep_calculator_def scale_int_calculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "ScaleIntCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .options = options,
    .state_size = sizeof(scale_state),
    .open = scale_open,
    .process = scale_process,
};

static const ep_calculator_def *const calculators[] = {
    &scale_int_calculator,
    NULL,
};

/* The one symbol edgepipe looks for when it loads the plugin. */
EP_PLUGIN_EXPORT const ep_plugin_desc edgepipe_plugin = {
    .abi_version = EP_CALCULATOR_ABI,
    .calculators = calculators,
};
