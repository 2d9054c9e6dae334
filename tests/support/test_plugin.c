/* test_plugin.c — the test calculators as a plugin, so the pipe-run tests
 * can load them with --plugin like a user's own calculators. */
#include "edgepipe/registry.h"
#include "test_calculators.h"

__attribute__((visibility("default"))) const ep_plugin_desc edgepipe_plugin = {
    .abi_version = EP_CALCULATOR_ABI,
    .calculators = ep_test_calculators,
};
