/* xnn_plan.h — how the XNNPACK backend splits a model's plan (internal).
 *
 * XNNPACK (the 2022 Debian build) lacks some ops, CONCATENATION above all,
 * so a plan runs as a sequence of segments: a run of ops XNNPACK executes
 * as one subgraph runtime, or one op on a plain C kernel. Ops are reordered
 * (keeping dependencies) so XNNPACK runs are as long as possible.
 *
 * Tensors that cross a segment boundary, or are model inputs/outputs, are
 * "materialized": the backend gives them a buffer. A CONCATENATION whose
 * inputs are contiguous slabs of its output (the axis is the outermost
 * dimension larger than one) lets those inputs alias a slice of the output
 * buffer, so their producers write in place and the concat copies nothing.
 *
 * A 3x3 depthwise conv the AVX2 kernel of dwconv_avx2.h can run is a C
 * op. An ungrouped CONV_2D the AVX2 GEMM can run (gemm_avx2.h) is a C op,
 * and takes over the ops that only finish its result: an ADD of its
 * output and another tensor (that tensor becomes the GEMM's residual; a
 * PAD that only appends zero channels to it is absorbed too), then a RELU
 * or RELU6. The absorbed ops never run; the conv writes the last one's
 * output. A pointwise conv also absorbs the depthwise conv computing its
 * input: it then computes that input an output row at a time into a
 * scratch row and multiplies it at once, while it is in L1. Each
 * absorbed intermediate must have that one reader and not be a model
 * output.
 *
 * Lifecycle: ep__xnn_plan_build (needs only the model, no XNNPACK) ->
 * read by the backend -> ep__xnn_plan_free. */
#ifndef EDGEPIPE_INFERENCE_XNN_PLAN_H
#define EDGEPIPE_INFERENCE_XNN_PLAN_H

#include "model.h"

typedef enum ep__xnn_seg_kind {
  EP__XNN_SEG_XNNPACK, /* ops order[first .. first+count) on XNNPACK */
  EP__XNN_SEG_C        /* the one op order[first] on a C kernel */
} ep__xnn_seg_kind;

typedef struct ep__xnn_seg {
  ep__xnn_seg_kind kind;
  size_t first, count; /* a range of ep__xnn_plan.order */
} ep__xnn_seg;

/* Per op, what it does as (or for) a GEMM conv. */
typedef struct ep__xnn_fusion {
  int owner;    /* -1, or the GEMM conv that does this op's work */
  bool gemm;    /* the op runs on the AVX2 GEMM */
  bool dw;      /* the op runs on the AVX2 depthwise kernel */
  int out;      /* a GEMM conv: the tensor it writes */
  int res;      /* a GEMM conv: its residual tensor, or -1 */
  int pre;      /* a GEMM conv: the depthwise conv computing its input
                   row by row, just before it, or -1 */
  float lo, hi; /* a GEMM conv: its clamp */
} ep__xnn_fusion;

typedef struct ep__xnn_plan {
  size_t n_ops;
  int *order;   /* op indexes in run order (owned) */
  bool *on_xnn; /* per op: runs on XNNPACK (owned) */
  int *seg_of;  /* per op: index of its segment (owned) */
  size_t n_segs;
  ep__xnn_seg *segs; /* owned */
  size_t n_tensors;
  bool *materialized; /* per tensor: needs a buffer of its own (owned) */
  /* per tensor: the tensor whose buffer holds it (a concat output), or -1;
   * alias_off is its offset there in floats (owned). */
  int *alias_of;
  size_t *alias_off;
  ep__xnn_fusion *fuse; /* per op (owned) */
  /* The arena (xnn_arena.c): per tensor, the segments [first, last] in
   * which its buffer is written or read (-1 when it has no buffer of its
   * own: constants, aliases, unmaterialized), and its byte offset in one
   * arena of arena_bytes (SIZE_MAX: none). Buffers whose segment ranges
   * are disjoint may share bytes. (owned) */
  int *first_seg, *last_seg;
  size_t *arena_off;
  size_t arena_bytes;
} ep__xnn_plan;

/* Whether the XNNPACK build can run op (pure check of its parameters and
 * shapes; CONCATENATION never). */
bool ep__xnn_op_supported(const ep__model *m, const ep__op *op);

/* Builds the plan for m: ops go to XNNPACK when ep__xnn_op_supported,
 * except that with own_kernels the convs our AVX2 kernels take
 * (ep__gemm_conv_eligible, ep__dwconv_eligible) run there as C ops, the
 * GEMM ones with their fusions. Returns 0 and sets *out (transfer full),
 * or EP_ENOMEM. */
int ep__xnn_plan_build(const ep__model *m, bool own_kernels,
                       ep__xnn_plan **out);

void ep__xnn_plan_free(ep__xnn_plan *p); /* NULL is ignored */

/* Lays out the materialized tensors of a built plan (segments, fusions
 * and aliases decided) in one arena, reusing the bytes of buffers no
 * longer needed; part of ep__xnn_plan_build. Returns 0 or EP_ENOMEM. */
int ep__xnn_plan_arena(const ep__model *m, ep__xnn_plan *p);

/* Whether the concat op has every input aliased into its output, so it
 * has nothing to copy. */
bool ep__xnn_plan_concat_elided(const ep__xnn_plan *p, const ep__op *op);

#endif
