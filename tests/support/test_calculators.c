/* test_calculators.c — contracts for the graph tests (see the header).
 *
 *   SourceTestCalculator     -> "" Int (one); option count INT [0, 1000]
 *   StringSourceTestCalculator -> "" String (one)
 *   PassTestCalculator       "" and any tag, Any -> mirrored (same_as)
 *   IntSinkTestCalculator    "" Int (one or more) ->
 *   LimiterTestCalculator    "" Any + FINISHED Any -> "" same_as "";
 *                            option max_in_flight INT [1, 100]
 *   TaggedTestCalculator     IMAGE Int (exactly 1), AUX Any (0..3),
 *                            side MODEL String (1) -> OUT Int (0..1),
 *                            side META Int (0..1)
 *   SideSourceTestCalculator -> side "" String (one)
 *   OptionsTestCalculator    "" Any (0..1); options of every kind */
#include "test_calculators.h"

#include <stddef.h>

static const ep_port_spec one_int[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1}, {.tag = NULL}};
static const ep_port_spec one_string[] = {
    {.tag = "", .type = "String", .min_count = 1, .max_count = 1},
    {.tag = NULL}};
static const ep_option_spec source_opts[] = {{.name = "count",
                                              .kind = EP_OPT_INT,
                                              .defval = "10",
                                              .min = 0,
                                              .max = 1000},
                                             {.name = NULL}};

static const ep_calculator_def source = {.abi_version = EP_CALCULATOR_ABI,
                                         .name = "SourceTestCalculator",
                                         .outputs = one_int,
                                         .options = source_opts};

static const ep_calculator_def string_source = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "StringSourceTestCalculator",
    .outputs = one_string};

static const ep_port_spec pass_in[] = {
    {.tag = "", .type = "Any", .min_count = 0, .max_count = -1},
    {.tag = "*", .type = "Any", .min_count = 0, .max_count = -1},
    {.tag = NULL}};
static const ep_port_spec pass_out[] = {
    {.tag = "", .type = "Any", .min_count = 0, .max_count = -1, .same_as = ""},
    {.tag = "*",
     .type = "Any",
     .min_count = 0,
     .max_count = -1,
     .same_as = "*"},
    {.tag = NULL}};

static const ep_calculator_def pass = {.abi_version = EP_CALCULATOR_ABI,
                                       .name = "PassTestCalculator",
                                       .inputs = pass_in,
                                       .outputs = pass_out};

static const ep_port_spec sink_in[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = -1}, {.tag = NULL}};

static const ep_calculator_def int_sink = {.abi_version = EP_CALCULATOR_ABI,
                                           .name = "IntSinkTestCalculator",
                                           .inputs = sink_in};

static const ep_port_spec limiter_in[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = 1},
    {.tag = "FINISHED", .type = "Any", .min_count = 0, .max_count = 1},
    {.tag = NULL}};
static const ep_port_spec limiter_out[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = 1, .same_as = ""},
    {.tag = NULL}};
static const ep_option_spec limiter_opts[] = {{.name = "max_in_flight",
                                               .kind = EP_OPT_INT,
                                               .defval = "1",
                                               .min = 1,
                                               .max = 100},
                                              {.name = NULL}};

static const ep_calculator_def limiter = {.abi_version = EP_CALCULATOR_ABI,
                                          .name = "LimiterTestCalculator",
                                          .inputs = limiter_in,
                                          .outputs = limiter_out,
                                          .options = limiter_opts};

static const ep_port_spec tagged_in[] = {
    {.tag = "IMAGE", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = "AUX", .type = "Any", .min_count = 0, .max_count = 3},
    {.tag = NULL}};
static const ep_port_spec tagged_out[] = {
    {.tag = "OUT", .type = "Int", .min_count = 0, .max_count = 1},
    {.tag = NULL}};
static const ep_port_spec tagged_side_in[] = {
    {.tag = "MODEL", .type = "String", .min_count = 1, .max_count = 1},
    {.tag = NULL}};
static const ep_port_spec tagged_side_out[] = {
    {.tag = "META", .type = "Int", .min_count = 0, .max_count = 1},
    {.tag = NULL}};

static const ep_calculator_def tagged = {.abi_version = EP_CALCULATOR_ABI,
                                         .name = "TaggedTestCalculator",
                                         .inputs = tagged_in,
                                         .outputs = tagged_out,
                                         .input_side = tagged_side_in,
                                         .output_side = tagged_side_out};

static const ep_calculator_def side_source = {.abi_version = EP_CALCULATOR_ABI,
                                              .name =
                                                  "SideSourceTestCalculator",
                                              .output_side = one_string};

static const char *const activations[] = {"NONE", "SIGMOID", "TANH", NULL};
static const ep_option_spec anchor_opts[] = {
    {.name = "num_layers",
     .kind = EP_OPT_INT,
     .defval = "4",
     .min = 1,
     .max = 8},
    {.name = "strides", .kind = EP_OPT_INT, .flags = EP_OPT_REPEATED},
    {.name = NULL}};
static const ep_option_spec all_opts[] = {
    {.name = "model_path", .kind = EP_OPT_STRING, .flags = EP_OPT_REQUIRED},
    {.name = "threshold",
     .kind = EP_OPT_FLOAT,
     .defval = "0.5",
     .min = 0,
     .max = 1},
    {.name = "max_results",
     .kind = EP_OPT_INT,
     .defval = "-1",
     .min = -1,
     .max = 100},
    {.name = "flip", .kind = EP_OPT_BOOL, .defval = "true"},
    {.name = "activation",
     .kind = EP_OPT_ENUM,
     .defval = "SIGMOID",
     .enum_values = activations},
    {.name = "scale", .kind = EP_OPT_FLOAT, .flags = EP_OPT_REPEATED},
    {.name = "label", .kind = EP_OPT_STRING, .flags = EP_OPT_REPEATED},
    {.name = "anchor", .kind = EP_OPT_MESSAGE, .fields = anchor_opts},
    {.name = NULL}};
static const ep_port_spec opt_in[] = {
    {.tag = "", .type = "Any", .min_count = 0, .max_count = 1}, {.tag = NULL}};

static const ep_calculator_def options = {.abi_version = EP_CALCULATOR_ABI,
                                          .name = "OptionsTestCalculator",
                                          .inputs = opt_in,
                                          .options = all_opts};

const ep_calculator_def *const ep_test_calculators[] = {
    &source, &string_source, &pass,    &int_sink, &limiter,
    &tagged, &side_source,   &options, NULL};
