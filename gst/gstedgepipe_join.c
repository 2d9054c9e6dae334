/* gstedgepipe_join.c — EdgepipeGstJoin: one result per input frame. */
#include "gstedgepipe_join.h"

#include <stdlib.h>

#include "edgepipe/registry.h"

static void result_free(void *data) {
  ep_gst_result *r = data;
  ep_packet_unref(r->image);
  ep_packet_unref(r->detections);
  free(r);
}

const ep_type ep__gst_type_result = {
    .name = "EdgepipeGstResult",
    .free = result_free,
};

static const ep_port_spec inputs[] = {
    {.tag = "INPUT", .type = "Any", .min_count = 1, .max_count = 1},
    {.tag = "IMAGE", .type = "ImageFrame", .min_count = 0, .max_count = 1},
    {.tag = "DETECTIONS", .type = "Detections", .min_count = 0, .max_count = 1},
    {.tag = NULL},
};

static const ep_port_spec outputs[] = {
    {.tag = "", .type = "EdgepipeGstResult", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static ep_packet *input_ref(ep_calc_ctx *ctx, const char *tag) {
  if (ep_ctx_input_count(ctx, tag) == 0)
    return NULL;
  ep_packet *p = ep_ctx_input(ctx, tag, 0);
  return p ? ep_packet_ref(p) : NULL;
}

static int join_process(ep_calc_ctx *ctx) {
  ep_gst_result *r = calloc(1, sizeof *r);
  if (!r)
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  r->image = input_ref(ctx, "IMAGE");
  r->detections = input_ref(ctx, "DETECTIONS");
  ep_packet *p = ep_packet_new(&ep__gst_type_result, r, ep_ctx_timestamp(ctx));
  if (!p) /* ep_packet_new freed r */
    return ep_ctx_fail(ctx, EP_ENOMEM, "out of memory");
  return ep_ctx_output_add(ctx, "", 0, p);
}

const ep_calculator_def ep__gst_calc_join = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = EP_GST_JOIN_CALCULATOR,
    .inputs = inputs,
    .outputs = outputs,
    .process = join_process,
};

int ep__gst_join_register(void) {
  int rc = ep_type_register(&ep__gst_type_result);
  return rc < 0 ? rc : ep_calculator_register(&ep__gst_calc_join);
}
