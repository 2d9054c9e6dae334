/* SidePacketToStreamCalculator — turns input side packets into stream
 * packets (MediaPipe's SidePacketToStreamCalculator). The output tag says
 * when: AT_PRESTREAM, AT_POSTSTREAM, AT_ZERO (timestamp 0), AT_TIMESTAMP
 * (the Int side packet TIMESTAMP) — once, after which the node stops — or
 * AT_TICK, at the timestamp of every TICK packet. Side packet i goes to
 * output index i of the one output tag the node uses. */
#include <string.h>

#include "edgepipe/calculator.h"

static const ep_port_spec inputs[] = {
    {.tag = "TICK", .type = "Any", .min_count = 0, .max_count = 1},
    {.tag = NULL},
};

static const ep_port_spec outputs[] = {
    {.tag = "AT_PRESTREAM", .type = "Any", .min_count = 0, .max_count = -1},
    {.tag = "AT_POSTSTREAM", .type = "Any", .min_count = 0, .max_count = -1},
    {.tag = "AT_ZERO", .type = "Any", .min_count = 0, .max_count = -1},
    {.tag = "AT_TICK", .type = "Any", .min_count = 0, .max_count = -1},
    {.tag = "AT_TIMESTAMP", .type = "Any", .min_count = 0, .max_count = -1},
    {.tag = NULL},
};

static const ep_port_spec input_side[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = -1},
    {.tag = "TIMESTAMP", .type = "Int", .min_count = 0, .max_count = 1},
    {.tag = NULL},
};

static const char *const out_tags[] = {"AT_PRESTREAM", "AT_POSTSTREAM",
                                       "AT_ZERO", "AT_TICK", "AT_TIMESTAMP"};

typedef struct s2s_state {
  const char *tag; /* the output tag in use */
  int n;
  ep_timestamp ts; /* for the one-shot tags */
} s2s_state;

static int s2s_open(ep_calc_ctx *ctx) {
  s2s_state *s = ep_ctx_state(ctx);
  int used = 0;
  for (size_t i = 0; i < sizeof out_tags / sizeof *out_tags; i++)
    if (ep_ctx_output_count(ctx, out_tags[i]) > 0) {
      s->tag = out_tags[i];
      used++;
    }
  if (used != 1)
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "needs exactly one output tag of AT_PRESTREAM, "
                       "AT_POSTSTREAM, AT_ZERO, AT_TICK, AT_TIMESTAMP");
  s->n = ep_ctx_output_count(ctx, s->tag);
  for (int i = 0; i < s->n; i++)
    if (!ep_ctx_side_input(ctx, "", i))
      return ep_ctx_fail(ctx, EP_EINVAL,
                         "output %s:%d has no input side packet %d", s->tag, i,
                         i);
  bool tick = strcmp(s->tag, "AT_TICK") == 0;
  if (tick != (ep_ctx_input_count(ctx, "TICK") > 0))
    return ep_ctx_fail(ctx, EP_EINVAL,
                       "AT_TICK and the TICK input go "
                       "together");
  s->ts = EP_TS_PRESTREAM;
  if (strcmp(s->tag, "AT_POSTSTREAM") == 0)
    s->ts = EP_TS_POSTSTREAM;
  else if (strcmp(s->tag, "AT_ZERO") == 0)
    s->ts = 0;
  else if (strcmp(s->tag, "AT_TIMESTAMP") == 0) {
    ep_packet *t = ep_ctx_side_input(ctx, "TIMESTAMP", 0);
    if (!t)
      return ep_ctx_fail(ctx, EP_EINVAL,
                         "AT_TIMESTAMP needs the TIMESTAMP side packet");
    s->ts = ep_packet_get_int(t);
  }
  return 0;
}

static int send_all(ep_calc_ctx *ctx, s2s_state *s, ep_timestamp ts) {
  for (int i = 0; i < s->n; i++) {
    ep_packet *side = ep_ctx_side_input(ctx, "", i);
    ep_packet *p = side ? ep_packet_at(side, ts) : NULL;
    int rc = p ? ep_ctx_output_add(ctx, s->tag, i, p) : EP_ENOMEM;
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int s2s_process(ep_calc_ctx *ctx) {
  s2s_state *s = ep_ctx_state(ctx);
  if (strcmp(s->tag, "AT_TICK") == 0)
    return send_all(ctx, s, ep_ctx_timestamp(ctx));
  int rc = send_all(ctx, s, s->ts);
  return rc < 0 ? rc : EP_STOP;
}

const ep_calculator_def ep_calc_SidePacketToStreamCalculator = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "SidePacketToStreamCalculator",
    .inputs = inputs,
    .outputs = outputs,
    .input_side = input_side,
    .state_size = sizeof(s2s_state),
    .open = s2s_open,
    .process = s2s_process,
};
