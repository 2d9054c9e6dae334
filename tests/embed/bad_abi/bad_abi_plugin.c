/* bad_abi_plugin.c — a plugin built for a calculator ABI this edgepipe
 * does not speak: loading it must fail with a message, not register its
 * calculator. */
#include <edgepipe/edgepipe.h>

static const ep_port_spec outputs[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_calculator_def future_calculator = {
    .abi_version = EP_CALCULATOR_ABI + 1,
    .name = "FutureCalculator",
    .outputs = outputs,
};

static const ep_calculator_def *const calculators[] = {
    &future_calculator,
    NULL,
};

EP_PLUGIN_EXPORT const ep_plugin_desc edgepipe_plugin = {
    .abi_version = EP_CALCULATOR_ABI + 1,
    .calculators = calculators,
};
