/* PassThroughCalculator — forwards every input packet unchanged to the
 * output with the same tag and index (MediaPipe's PassThroughCalculator).
 *
 * Useful to rename streams, to join subgraph boundaries and to measure the
 * framework's own overhead: it does nothing but move references. */
#include "calculator_context.h"

static const ep_port_spec inputs[] = {
    {.tag = "", .type = "Any", .min_count = 0, .max_count = -1},
    {.tag = "*", .type = "Any", .min_count = 0, .max_count = -1},
    {.tag = NULL},
};

static const ep_port_spec outputs[] = {
    {.tag = "", .type = "Any", .min_count = 0, .max_count = -1, .same_as = ""},
    {.tag = "*",
     .type = "Any",
     .min_count = 0,
     .max_count = -1,
     .same_as = "*"},
    {.tag = NULL},
};

static int pass_process(ep_calc_ctx *ctx) {
  int ntags = ep__ctx_input_tag_count(ctx);
  for (int t = 0; t < ntags; t++) {
    const char *tag = ep__ctx_input_tag(ctx, t);
    int n = ep_ctx_input_count(ctx, tag);
    for (int i = 0; i < n; i++) {
      ep_packet *p = ep_ctx_input(ctx, tag, i);
      if (!p)
        continue;
      int rc = ep_ctx_output_add(ctx, tag, i, ep_packet_ref(p));
      if (rc < 0)
        return rc;
    }
  }
  return 0;
}

const ep_calculator_def ep_calc_PassThroughCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "PassThroughCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .process = pass_process,
};
