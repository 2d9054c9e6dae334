/* calculator.h — what a calculator is, and what it sees while it runs.
 *
 * A calculator is a static descriptor (ep_calculator_def), in the style of
 * nginx's modules: an ABI version, a name, a contract, and four hooks. The
 * lifecycle, per node of a running graph, is:
 *
 *   contract (static; checked when the graph is validated)
 *   open()     once, before any process(); may set output side packets
 *   process()  once for each ready set of input timestamps; never two at
 *              once on the same node
 *   close()    once, if open() was called — also after an error elsewhere
 *
 * The contract declares each port by TAG (""= untagged) with a count range
 * of indexes, the type it carries, and the options the calculator reads with
 * their types, defaults and ranges. Validation holds a graph to it, so
 * open/process can trust every port they look up and every option value.
 *
 * Hooks return 0, EP_STOP (process only: this node will produce no more;
 * its outputs close) or a negative EP_E* code; use ep_ctx_fail() to attach a
 * message. With the Default input handler, a process() that neither sends
 * nor sets a bound on an output at timestamp T lets the framework advance
 * that output's bound past T, so consumers never wait for it; Immediate
 * calculators (whose timestamps are not in order) set their own bounds. */
#ifndef EDGEPIPE_CALCULATOR_H
#define EDGEPIPE_CALCULATOR_H

#include "edgepipe/common.h"
#include "edgepipe/error.h"
#include "edgepipe/packet.h"

#define EP_CALCULATOR_ABI 1

/* --- contract: ports ---------------------------------------------------- */

typedef struct ep_port_spec {
  /* "TAG", "" for untagged streams, or "*" for any tag not listed (generic
   * calculators such as PassThrough); NULL ends a list. */
  const char *tag;
  const char *type; /* a registered type name, or "Any" */
  int min_count;    /* indexes 0..n-1 must satisfy min <= n <= max */
  int max_count;    /* -1: no limit */
  /* Outputs only: the type is that of the input with this tag and the same
   * index (PassThrough's outputs mirror its inputs); "*" on a "*" port:
   * the input with the output's own tag. NULL: use `type`. */
  const char *same_as;
} ep_port_spec;

/* --- contract: options -------------------------------------------------- */

typedef enum ep_option_kind {
  EP_OPT_INT,
  EP_OPT_FLOAT,
  EP_OPT_BOOL,
  EP_OPT_STRING,
  EP_OPT_ENUM,
  EP_OPT_MESSAGE
} ep_option_kind;

#define EP_OPT_REPEATED 1u /* the field may appear many times (a list) */
#define EP_OPT_REQUIRED 2u /* validation fails if it is absent */

typedef struct ep_option_spec {
  const char *name; /* NULL ends a list */
  ep_option_kind kind;
  unsigned flags;
  const char *defval;                  /* default, as text ("1", "0.5", "true",
                                          "SIGMOID", "x"); NULL: 0/""/false */
  double min, max;                     /* checked when min < max (INT, FLOAT) */
  const char *const *enum_values;      /* ENUM: NULL-terminated names */
  const struct ep_option_spec *fields; /* MESSAGE: its fields */
} ep_option_spec;

/* --- the descriptor ------------------------------------------------------ */

typedef struct ep_calc_ctx ep_calc_ctx;

typedef struct ep_calculator_def {
  int abi_version; /* EP_CALCULATOR_ABI */
  const char *name;
  const ep_port_spec *inputs;  /* each list ends with tag == NULL; */
  const ep_port_spec *outputs; /* a NULL list has no ports         */
  const ep_port_spec *input_side;
  const ep_port_spec *output_side;
  const ep_option_spec *options;    /* ends with name == NULL */
  const char *input_stream_handler; /* default handler; NULL: "Default" */
  size_t state_size; /* zeroed per node; ep_ctx_state() points at it */
  int (*open)(ep_calc_ctx *ctx); /* each hook may be NULL */
  int (*process)(ep_calc_ctx *ctx);
  int (*close)(ep_calc_ctx *ctx);
  /* Optional: called by ep_graph_flush (see graph.h) while nothing else
   * of the graph runs. Forget per-stream state (packets held, timestamps,
   * counts) so the next process() may see any timestamp; keep what open()
   * loaded (models). Packets it sends are discarded; a negative return
   * fails the graph. */
  int (*reset)(ep_calc_ctx *ctx);
  void *reserved[3]; /* zero; room for later hooks without an ABI bump */
} ep_calculator_def;

/* --- options ------------------------------------------------------------- */

/* A node's options bound to its calculator's schema. Absent fields read as
 * their declared default. Names must be declared in the schema; a repeated
 * field is read by index. Validation has checked every value's type and
 * range, so these cannot fail on a validated graph (an undeclared name
 * reads as 0 / "" / NULL). */
typedef struct ep_options ep_options;

EP_API int64_t ep_options_int(const ep_options *o, const char *name);
EP_API double ep_options_float(const ep_options *o, const char *name);
EP_API bool ep_options_bool(const ep_options *o, const char *name);
/* STRING and ENUM; the returned string lives as long as the graph. */
EP_API const char *ep_options_string(const ep_options *o, const char *name);
/* True if the field was written in the graph file (not defaulted). */
EP_API bool ep_options_has(const ep_options *o, const char *name);
/* Repeated fields: how many, and the i-th. */
EP_API size_t ep_options_count(const ep_options *o, const char *name);
EP_API int64_t ep_options_int_at(const ep_options *o, const char *name,
                                 size_t i);
EP_API double ep_options_float_at(const ep_options *o, const char *name,
                                  size_t i);
EP_API const char *ep_options_string_at(const ep_options *o, const char *name,
                                        size_t i);
/* A MESSAGE field (the i-th, for repeated ones), bound to its sub-schema;
 * an absent one reads as all defaults. Lives as long as o. */
EP_API const ep_options *ep_options_message(const ep_options *o,
                                            const char *name, size_t i);

/* --- the context a hook runs in ------------------------------------------ */

/* The node's zeroed state block of def->state_size bytes. */
EP_API void *ep_ctx_state(ep_calc_ctx *ctx);
EP_API const char *ep_ctx_node_name(ep_calc_ctx *ctx);
EP_API const ep_options *ep_ctx_options(ep_calc_ctx *ctx);

/* The input timestamp of this process() call (Unstarted in open/close). */
EP_API ep_timestamp ep_ctx_timestamp(ep_calc_ctx *ctx);

/* How many indexes a tag has on this node (0 if the tag is not wired). */
EP_API int ep_ctx_input_count(ep_calc_ctx *ctx, const char *tag);
EP_API int ep_ctx_output_count(ep_calc_ctx *ctx, const char *tag);

/* The packet on input tag:index at this call's timestamp, or NULL when the
 * stream has none (borrowed: transfer none; valid during this call; take a
 * reference to keep it). */
EP_API ep_packet *ep_ctx_input(ep_calc_ctx *ctx, const char *tag, int index);

/* True once input tag:index is closed (done) and drained. */
EP_API bool ep_ctx_input_done(ep_calc_ctx *ctx, const char *tag, int index);

/* Sends p on output tag:index. p: transfer full, in all cases, success or
 * failure. Its timestamp must be past the stream's last one; otherwise the
 * graph fails with EP_ETIMESTAMP naming the node and the stream. */
EP_API int ep_ctx_output_add(ep_calc_ctx *ctx, const char *tag, int index,
                             ep_packet *p);

/* Promises that output tag:index will carry no packet before `bound`
 * (MediaPipe's SetNextTimestampBound). */
EP_API int ep_ctx_output_set_bound(ep_calc_ctx *ctx, const char *tag, int index,
                                   ep_timestamp bound);

/* Closes output tag:index: no more packets; consumers see it done. */
EP_API int ep_ctx_output_close(ep_calc_ctx *ctx, const char *tag, int index);

/* The input side packet tag:index (transfer none), or NULL if not wired. */
EP_API ep_packet *ep_ctx_side_input(ep_calc_ctx *ctx, const char *tag,
                                    int index);

/* Sets output side packet tag:index (only in open()). p: transfer full. */
EP_API int ep_ctx_side_output_set(ep_calc_ctx *ctx, const char *tag, int index,
                                  ep_packet *p);

/* Says this node dropped the packet at ts on purpose (flow control, a
 * frame skipped): it counts in the node's drops and shows as an instant
 * event in a trace. The packet itself is the caller's business. */
EP_API void ep_ctx_report_drop(ep_calc_ctx *ctx, ep_timestamp ts);

/* Records a message for the failing hook and returns err, so a hook can
 * `return ep_ctx_fail(ctx, EP_EIO, "cannot open %s", path);`. The graph's
 * error then reads "node 'NAME' (Calculator): message". */
EP_API int ep_ctx_fail(ep_calc_ctx *ctx, int err, const char *fmt, ...)
    EP_PRINTF(3, 4);

#endif
