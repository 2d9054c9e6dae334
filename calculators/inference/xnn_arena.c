/* xnn_arena.c — one arena for a plan's activation buffers (see
 * xnn_plan.h).
 *
 * Each buffer-owning tensor lives from the first segment that writes it
 * (or one of the tensors aliased into it) to the last that reads it;
 * model inputs from the start, model outputs to the end. Lifetimes are
 * counted in whole segments, so a C op's output never shares bytes with
 * what it reads, nor two buffers used by one XNNPACK runtime. Placement
 * is greedy, largest first, each at the lowest 64-byte aligned offset
 * clear of every placed buffer whose lifetime overlaps its own (as
 * TFLite's arena planner does). On the face models this turns ~8 MB of
 * separate buffers into about a fifth of that. */
#include <stdint.h>
#include <stdlib.h>

#include "edgepipe/error.h"
#include "edgepipe/tensor.h"
#include "xnn_plan.h"

/* The tensor whose buffer holds t (t itself unless aliased). */
static int root_of(const ep__xnn_plan *p, int t) {
  while (p->alias_of[t] >= 0)
    t = p->alias_of[t];
  return t;
}

static void touch(ep__xnn_plan *p, int t, int seg) {
  if (t < 0 || !p->materialized[t])
    return;
  int r = root_of(p, t);
  if (p->first_seg[r] < 0 || seg < p->first_seg[r])
    p->first_seg[r] = seg;
  if (seg > p->last_seg[r])
    p->last_seg[r] = seg;
}

/* Every tensor an op (not an absorbed one) reads or writes, at its
 * segment. */
static void touch_op(const ep__model *m, ep__xnn_plan *p, size_t i) {
  const ep__op *op = &m->ops[i];
  const ep__xnn_fusion *f = &p->fuse[i];
  int seg = p->seg_of[i];
  for (int k = 0; k < op->n_inputs; k++)
    if (op->inputs[k] >= 0 && !m->tensors[op->inputs[k]].data)
      touch(p, op->inputs[k], seg);
  if (f->pre >= 0)
    touch(p, m->ops[f->pre].inputs[0], seg);
  touch(p, f->res, seg);
  touch(p, f->gemm ? f->out : op->output, seg);
}

static void lifetimes(const ep__model *m, ep__xnn_plan *p) {
  for (size_t t = 0; t < m->n_tensors; t++)
    p->first_seg[t] = p->last_seg[t] = -1;
  int end = (int)p->n_segs;
  for (size_t i = 0; i < m->n_inputs; i++)
    touch(p, m->inputs[i], 0);
  for (size_t i = 0; i < m->n_ops; i++)
    if (p->fuse[i].owner < 0)
      touch_op(m, p, i);
  for (size_t i = 0; i < m->n_outputs; i++)
    touch(p, m->outputs[i], end);
  /* A buffer nothing writes or reads (none in a sound plan) is kept whole
   * run long rather than guessed at. */
  for (size_t t = 0; t < m->n_tensors; t++)
    if (p->materialized[t] && !m->tensors[t].data && p->alias_of[t] < 0 &&
        p->first_seg[t] < 0) {
      p->first_seg[t] = 0;
      p->last_seg[t] = end;
    }
}

static size_t slot_bytes(const ep__model *m, int t) {
  size_t b = m->tensors[t].count * sizeof(float);
  return (b + EP_TENSOR_ALIGN - 1) / EP_TENSOR_ALIGN * EP_TENSOR_ALIGN;
}

/* What placement sorts by: largest first; ties by first use, then
 * index, so layouts are stable. */
typedef struct slot {
  size_t bytes;
  int first, t;
} slot;

static int by_size(const void *a, const void *b) {
  const slot *x = a, *y = b;
  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  if (x->first != y->first)
    return x->first - y->first;
  return x->t - y->t;
}

static bool lives_overlap(const ep__xnn_plan *p, int a, int b) {
  return p->first_seg[a] <= p->last_seg[b] && p->first_seg[b] <= p->last_seg[a];
}

/* The lowest offset for t clear of the placed slots (placed[0..n))
 * whose lifetimes overlap t's. */
static size_t lowest_fit(const ep__xnn_plan *p, const slot *placed, size_t n,
                         int t, size_t size) {
  size_t off = 0;
  for (bool moved = true; moved;) {
    moved = false;
    for (size_t k = 0; k < n; k++) {
      int u = placed[k].t;
      size_t lo = p->arena_off[u], hi = lo + placed[k].bytes;
      if (lives_overlap(p, t, u) && off < hi && lo < off + size) {
        off = hi;
        moved = true;
      }
    }
  }
  return off;
}

int ep__xnn_plan_arena(const ep__model *m, ep__xnn_plan *p) {
  size_t nt = m->n_tensors ? m->n_tensors : 1;
  p->first_seg = malloc(nt * sizeof *p->first_seg);
  p->last_seg = malloc(nt * sizeof *p->last_seg);
  p->arena_off = malloc(nt * sizeof *p->arena_off);
  slot *order = malloc(nt * sizeof *order);
  if (!p->first_seg || !p->last_seg || !p->arena_off || !order) {
    free(order);
    return EP_ENOMEM;
  }
  lifetimes(m, p);
  size_t n = 0;
  for (size_t t = 0; t < m->n_tensors; t++) {
    p->arena_off[t] = SIZE_MAX;
    if (p->first_seg[t] >= 0 && p->alias_of[t] < 0 && !m->tensors[t].data)
      order[n++] = (slot){slot_bytes(m, (int)t), p->first_seg[t], (int)t};
  }
  qsort(order, n, sizeof *order, by_size);
  p->arena_bytes = 0;
  for (size_t k = 0; k < n; k++) {
    int t = order[k].t;
    p->arena_off[t] = lowest_fit(p, order, k, t, order[k].bytes);
    size_t end = p->arena_off[t] + order[k].bytes;
    p->arena_bytes = end > p->arena_bytes ? end : p->arena_bytes;
  }
  free(order);
  return 0;
}
