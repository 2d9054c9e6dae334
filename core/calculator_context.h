/* calculator_context.h — what the runtime adds to ep_calc_ctx for the
 * built-in calculators (internal).
 *
 * Generic calculators (PassThrough) mirror whatever tags a node wires, so
 * they need to list them. */
#ifndef EDGEPIPE_CALCULATOR_CONTEXT_H
#define EDGEPIPE_CALCULATOR_CONTEXT_H

#include "edgepipe/calculator.h"

/* The distinct input stream tags wired on this node, in the order of the
 * node's config ("" for untagged). The string lives as long as the graph. */
int ep__ctx_input_tag_count(ep_calc_ctx *ctx);
const char *ep__ctx_input_tag(ep_calc_ctx *ctx, int i);

#endif
