/* tflite_reader.c — a small, checked flatbuffer reader for TFLite models.
 *
 * A flatbuffer is a tree of tables reached through 32-bit offsets. A table
 * starts with a signed offset back to its vtable; the vtable lists where
 * each field sits in the table (0: absent, read the default). Vectors and
 * strings start with a 32-bit length. Nothing here trusts the file: every
 * read goes through a bounds check against its size, and the first problem
 * is kept as the message with the offset where it was found. Reads after
 * that return zeros, so the walkers need not test after every step. */
#include "tflite_reader.h"

#include "diag.h"
#include "edgepipe/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field ids in schema.fbs order (a union takes two: its tag, then it). */
enum {
  MODEL_VERSION = 0,
  MODEL_OPCODES = 1,
  MODEL_SUBGRAPHS = 2,
  MODEL_BUFFERS = 4
};
enum {
  OPCODE_DEPRECATED = 0,
  OPCODE_CUSTOM = 1,
  OPCODE_VERSION = 2,
  OPCODE_BUILTIN = 3
};
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum {
  T_SHAPE = 0,
  T_TYPE = 1,
  T_BUFFER = 2,
  T_NAME = 3,
  T_QUANT = 4,
  T_SPARSITY = 6
};
enum { Q_SCALE = 2, Q_ZERO_POINT = 3, Q_DIM = 6 };
enum { BUF_DATA = 0, BUF_OFFSET = 1, BUF_SIZE = 2 };
enum {
  OP_OPCODE = 0,
  OP_INPUTS = 1,
  OP_OUTPUTS = 2,
  OP_OPTS_TYPE = 3,
  OP_OPTS = 4
};

/* BuiltinOptions union tags of the ops whose options we read. */
enum {
  UT_CONV = 1,
  UT_DWCONV = 2,
  UT_POOL = 5,
  UT_FC = 8,
  UT_SOFTMAX = 9,
  UT_CONCAT = 10,
  UT_ADD = 11,
  UT_RESIZE = 15,
  UT_RESHAPE = 17,
  UT_MUL = 21
};

struct ep__tfl_block {
  struct ep__tfl_block *next;
  max_align_t data[];
};

typedef struct rd {
  const uint8_t *b;
  size_t n;
  const char *name;
  char *err;     /* the first problem; sticky */
  int code;      /* its EP_E* code */
  size_t budget; /* bytes we may still allocate for copies */
  ep__tfl_model *m;
} rd;

typedef struct tbl {
  size_t pos; /* 0 when absent or broken */
  size_t vt;  /* vtable position */
  unsigned vt_size, size;
} tbl;

typedef struct vec {
  size_t pos; /* first element */
  size_t n;
} vec;

static bool fail(rd *r, size_t at, const char *fmt, ...) EP_PRINTF(3, 4);
static bool fail(rd *r, size_t at, const char *fmt, ...) {
  if (r->err || r->code)
    return false;
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  r->code = EP_EMODEL;
  r->err = ep__strdup_printf("%s: %s at offset %zu", r->name, what, at);
  return false;
}

static bool ok(const rd *r) { return r->code == 0; }

/* An allocation that lives as long as the model. The budget keeps a small
 * hostile file (vectors shared by many tables) from asking for gigabytes. */
static void *rd_alloc(rd *r, size_t count, size_t elem, size_t at) {
  if (!ok(r))
    return NULL;
  if (count && elem > (r->budget / count)) {
    fail(r, at, "model needs more memory than its size allows");
    return NULL;
  }
  size_t bytes = count * elem;
  struct ep__tfl_block *blk = calloc(1, sizeof *blk + (bytes ? bytes : 1));
  if (!blk) {
    r->code = EP_ENOMEM;
    return NULL;
  }
  r->budget -= bytes;
  blk->next = r->m->blocks;
  r->m->blocks = blk;
  return blk->data;
}

/* --- raw little-endian reads, checked ------------------------------------ */

static bool in_file(rd *r, size_t pos, size_t len) {
  if (pos <= r->n && len <= r->n - pos)
    return true;
  return fail(r, pos, "unexpected end of file (need %zu bytes, file has %zu)",
              len, r->n);
}

static uint32_t u32_at(rd *r, size_t pos) {
  if (!ok(r) || !in_file(r, pos, 4))
    return 0;
  const uint8_t *p = r->b + pos;
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint16_t u16_at(rd *r, size_t pos) {
  if (!ok(r) || !in_file(r, pos, 2))
    return 0;
  return (uint16_t)(r->b[pos] | r->b[pos + 1] << 8);
}

static uint64_t u64_at(rd *r, size_t pos) {
  uint64_t lo = u32_at(r, pos), hi = u32_at(r, pos + 4);
  return lo | hi << 32;
}

static float f32_at(rd *r, size_t pos) {
  uint32_t u = u32_at(r, pos);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* The target of a uoffset stored at pos. */
static size_t follow(rd *r, size_t pos) {
  uint32_t off = u32_at(r, pos);
  if (!ok(r))
    return 0;
  if (off == 0 || off > r->n - pos) {
    fail(r, pos, "offset %u points outside the file", off);
    return 0;
  }
  return pos + off;
}

/* --- tables, vectors, strings -------------------------------------------- */

static tbl table_at(rd *r, size_t pos) {
  tbl t = {0, 0, 0, 0};
  uint32_t raw = u32_at(r, pos);
  if (!ok(r))
    return t;
  int64_t vt = (int64_t)pos - (int64_t)(int32_t)raw;
  if (vt < 0 || (uint64_t)vt > r->n - 4) {
    fail(r, pos, "vtable offset %d points outside the file", (int32_t)raw);
    return t;
  }
  unsigned vs = u16_at(r, (size_t)vt), ts = u16_at(r, (size_t)vt + 2);
  if (vs < 4 || vs % 2) {
    fail(r, (size_t)vt, "bad vtable size %u", vs);
    return t;
  }
  if (!in_file(r, (size_t)vt, vs))
    return t;
  if (ts < 4) {
    fail(r, (size_t)vt, "bad table size %u", ts);
    return t;
  }
  if (!in_file(r, pos, ts))
    return t;
  t.pos = pos;
  t.vt = (size_t)vt;
  t.vt_size = vs;
  t.size = ts;
  return t;
}

/* Position of field id (width bytes) in t, or 0 when it is absent. */
static size_t field(rd *r, const tbl *t, int id, size_t width) {
  if (!ok(r) || !t->pos || 4 + 2 * (unsigned)id >= t->vt_size)
    return 0;
  unsigned off = u16_at(r, t->vt + 4 + 2 * (size_t)id);
  if (!off)
    return 0;
  if (off < 4 || off + width > t->size) {
    fail(r, t->vt + 4 + 2 * (size_t)id,
         "field %d lies outside its table (offset %u, table size %u)", id, off,
         t->size);
    return 0;
  }
  return t->pos + off;
}

static int64_t get_int(rd *r, const tbl *t, int id, size_t width,
                       bool is_signed, int64_t def) {
  size_t p = field(r, t, id, width);
  if (!p)
    return def;
  uint64_t v = width == 1   ? r->b[p]
               : width == 2 ? u16_at(r, p)
               : width == 4 ? u32_at(r, p)
                            : u64_at(r, p);
  if (!is_signed)
    return (int64_t)v;
  if (width == 1)
    return (int8_t)v;
  if (width == 2)
    return (int16_t)v;
  if (width == 4)
    return (int32_t)(uint32_t)v;
  return (int64_t)v;
}

#define I8(r, t, id, d) ((int)get_int(r, t, id, 1, true, d))
#define U8(r, t, id, d) ((int)get_int(r, t, id, 1, false, d))
#define I32(r, t, id, d) ((int32_t)get_int(r, t, id, 4, true, d))
#define U32(r, t, id, d) ((uint32_t)get_int(r, t, id, 4, false, d))
#define U64(r, t, id, d) ((uint64_t)get_int(r, t, id, 8, false, d))

static float get_f32(rd *r, const tbl *t, int id, float def) {
  size_t p = field(r, t, id, 4);
  return p ? f32_at(r, p) : def;
}

/* A sub-table; .pos == 0 when absent. */
static tbl get_table(rd *r, const tbl *t, int id) {
  tbl none = {0, 0, 0, 0};
  size_t p = field(r, t, id, 4);
  if (!p)
    return none;
  size_t target = follow(r, p);
  return ok(r) ? table_at(r, target) : none;
}

static vec vec_at(rd *r, size_t pos, size_t elem) {
  vec v = {0, 0};
  uint32_t len = u32_at(r, pos);
  if (!ok(r))
    return v;
  if (len > (r->n - pos - 4) / elem) {
    fail(r, pos, "vector of %u elements runs past the end of the file", len);
    return v;
  }
  v.pos = pos + 4;
  v.n = len;
  return v;
}

/* A vector field; empty when absent. */
static vec get_vec(rd *r, const tbl *t, int id, size_t elem) {
  vec none = {0, 0};
  size_t p = field(r, t, id, 4);
  if (!p)
    return none;
  size_t target = follow(r, p);
  return ok(r) ? vec_at(r, target, elem) : none;
}

/* A string field, borrowed from the file; "" when absent. */
static const char *get_str(rd *r, const tbl *t, int id) {
  size_t p = field(r, t, id, 4);
  if (!p)
    return "";
  size_t target = follow(r, p);
  vec v = ok(r) ? vec_at(r, target, 1) : (vec){0, 0};
  if (!ok(r))
    return "";
  if (!in_file(r, v.pos + v.n, 1))
    return "";
  if (r->b[v.pos + v.n] != 0 || memchr(r->b + v.pos, 0, v.n)) {
    fail(r, target, "string is not NUL-terminated");
    return "";
  }
  return (const char *)r->b + v.pos;
}

/* Element i of a vector of tables. */
static tbl vec_table(rd *r, const vec *v, size_t i) {
  size_t target = follow(r, v->pos + 4 * i);
  tbl none = {0, 0, 0, 0};
  return ok(r) ? table_at(r, target) : none;
}

/* Copies an int vector field; *n gets its length. */
static int *get_ints(rd *r, const tbl *t, int id, size_t *n) {
  vec v = get_vec(r, t, id, 4);
  *n = 0;
  int *out = rd_alloc(r, v.n, sizeof(int), v.pos);
  if (!out)
    return NULL;
  for (size_t i = 0; i < v.n; i++)
    out[i] = (int32_t)u32_at(r, v.pos + 4 * i);
  *n = v.n;
  return out;
}

/* --- the TFLite schema --------------------------------------------------- */

static void read_quant(rd *r, const tbl *t, ep__tfl_quant *q) {
  tbl qt = get_table(r, t, T_QUANT);
  if (!qt.pos)
    return;
  vec sc = get_vec(r, &qt, Q_SCALE, 4);
  vec zp = get_vec(r, &qt, Q_ZERO_POINT, 8);
  q->quantized_dimension = I32(r, &qt, Q_DIM, 0);
  if (!sc.n)
    return;
  q->scale = rd_alloc(r, sc.n, sizeof(float), sc.pos);
  q->zero_point = rd_alloc(r, sc.n, sizeof(int64_t), sc.pos);
  if (!q->scale || !q->zero_point)
    return;
  for (size_t i = 0; i < sc.n; i++) {
    q->scale[i] = f32_at(r, sc.pos + 4 * i);
    q->zero_point[i] = i < zp.n ? (int64_t)u64_at(r, zp.pos + 8 * i) : 0;
  }
  q->n = sc.n;
}

/* The bytes of buffer idx: inline data, or (schema 3c) an offset/size
 * pair pointing elsewhere in the file. */
static void read_buffer(rd *r, const vec *bufs, uint32_t idx,
                        ep__tfl_tensor *t) {
  if (idx >= bufs->n) {
    if (idx != 0)
      fail(r, t->offset, "tensor buffer index %u is out of range (%zu buffers)",
           idx, bufs->n);
    return;
  }
  tbl bt = vec_table(r, bufs, idx);
  vec data = get_vec(r, &bt, BUF_DATA, 1);
  uint64_t off = U64(r, &bt, BUF_OFFSET, 0), size = U64(r, &bt, BUF_SIZE, 0);
  if (!ok(r))
    return;
  if (data.n) {
    t->data = r->b + data.pos;
    t->size = data.n;
    t->data_offset = data.pos;
  } else if (off > 1) {
    if (off > r->n || size > r->n - off) {
      fail(r, bt.pos, "buffer %u (%llu bytes at %llu) runs past the end", idx,
           (unsigned long long)size, (unsigned long long)off);
      return;
    }
    t->data = r->b + off;
    t->size = (size_t)size;
    t->data_offset = (size_t)off;
  }
}

static void read_tensor(rd *r, tbl *tt, const vec *bufs, ep__tfl_tensor *t) {
  t->offset = tt->pos;
  vec shape = get_vec(r, tt, T_SHAPE, 4);
  if (shape.n > EP_TENSOR_MAX_DIMS) {
    fail(r, shape.pos - 4, "tensor has %zu dims (at most %d)", shape.n,
         EP_TENSOR_MAX_DIMS);
    return;
  }
  t->ndims = (int)shape.n;
  for (size_t i = 0; i < shape.n; i++) {
    int32_t d = (int32_t)u32_at(r, shape.pos + 4 * i);
    if (d < 0 && ok(r)) {
      fail(r, shape.pos + 4 * i, "tensor dim %d is negative", (int)d);
      return;
    }
    t->dims[i] = d;
  }
  t->type = I8(r, tt, T_TYPE, EP__TFL_FLOAT32);
  t->name = get_str(r, tt, T_NAME);
  if (field(r, tt, T_SPARSITY, 4)) {
    fail(r, tt->pos, "sparse tensors are not supported");
    return;
  }
  read_quant(r, tt, &t->quant);
  read_buffer(r, bufs, U32(r, tt, T_BUFFER, 0), t);
}

static void read_opcode(rd *r, const vec *codes, uint32_t idx, size_t at,
                        ep__tfl_op *op) {
  if (idx >= codes->n) {
    fail(r, at, "opcode index %u is out of range (%zu operator codes)", idx,
         codes->n);
    return;
  }
  tbl ct = vec_table(r, codes, idx);
  int dep = I8(r, &ct, OPCODE_DEPRECATED, 0);
  int32_t ext = I32(r, &ct, OPCODE_BUILTIN, 0);
  /* Files from before the extended field carry only the byte; newer ones
   * set the byte to 127 (PLACEHOLDER) for codes past it. The larger of the
   * two is the real code either way. */
  op->opcode = ext > dep ? ext : dep;
  op->version = I32(r, &ct, OPCODE_VERSION, 1);
  if (op->opcode == EP__TFL_CUSTOM)
    op->custom_code = get_str(r, &ct, OPCODE_CUSTOM);
}

static int expected_options(int opcode) {
  switch (opcode) {
  case EP__TFL_CONV_2D:
    return UT_CONV;
  case EP__TFL_DEPTHWISE_CONV_2D:
    return UT_DWCONV;
  case EP__TFL_AVERAGE_POOL_2D:
  case EP__TFL_MAX_POOL_2D:
    return UT_POOL;
  case EP__TFL_FULLY_CONNECTED:
    return UT_FC;
  case EP__TFL_SOFTMAX:
    return UT_SOFTMAX;
  case EP__TFL_CONCATENATION:
    return UT_CONCAT;
  case EP__TFL_ADD:
    return UT_ADD;
  case EP__TFL_RESIZE_BILINEAR:
    return UT_RESIZE;
  case EP__TFL_RESHAPE:
    return UT_RESHAPE;
  case EP__TFL_MUL:
    return UT_MUL;
  }
  return 0; /* options we do not read */
}

static void read_conv_opts(rd *r, const tbl *o, bool depthwise,
                           ep__tfl_conv_opts *c) {
  c->padding = I8(r, o, 0, 0);
  c->stride_w = I32(r, o, 1, 0);
  c->stride_h = I32(r, o, 2, 0);
  int k = depthwise ? 4 : 3; /* depthwise has depth_multiplier at 3 */
  c->depth_multiplier = depthwise ? I32(r, o, 3, 0) : 1;
  c->activation = I8(r, o, k, 0);
  c->dilation_w = I32(r, o, k + 1, 1);
  c->dilation_h = I32(r, o, k + 2, 1);
}

static void read_options(rd *r, const tbl *ot, ep__tfl_op *op) {
  int want = expected_options(op->opcode);
  op->options_type = U8(r, ot, OP_OPTS_TYPE, 0);
  tbl o = get_table(r, ot, OP_OPTS);
  if (!want || !ok(r))
    return;
  if (o.pos && op->options_type != want) {
    fail(r, ot->pos, "%s has builtin options of type %d, expected %d",
         ep__tfl_op_name(op->opcode), op->options_type, want);
    return;
  }
  /* An absent table reads as all defaults, as in TFLite. */
  switch (op->opcode) {
  case EP__TFL_CONV_2D:
  case EP__TFL_DEPTHWISE_CONV_2D:
    read_conv_opts(r, &o, op->opcode == EP__TFL_DEPTHWISE_CONV_2D,
                   &op->opt.conv);
    break;
  case EP__TFL_AVERAGE_POOL_2D:
  case EP__TFL_MAX_POOL_2D:
    op->opt.pool.padding = I8(r, &o, 0, 0);
    op->opt.pool.stride_w = I32(r, &o, 1, 0);
    op->opt.pool.stride_h = I32(r, &o, 2, 0);
    op->opt.pool.filter_w = I32(r, &o, 3, 0);
    op->opt.pool.filter_h = I32(r, &o, 4, 0);
    op->opt.pool.activation = I8(r, &o, 5, 0);
    break;
  case EP__TFL_FULLY_CONNECTED:
    op->opt.fc.activation = I8(r, &o, 0, 0);
    op->opt.fc.weights_format = I8(r, &o, 1, 0);
    op->opt.fc.keep_num_dims = U8(r, &o, 2, 0) != 0;
    break;
  case EP__TFL_SOFTMAX:
    op->opt.softmax_beta = get_f32(r, &o, 0, 0.0f);
    break;
  case EP__TFL_CONCATENATION:
    op->opt.concat.axis = I32(r, &o, 0, 0);
    op->opt.concat.activation = I8(r, &o, 1, 0);
    break;
  case EP__TFL_ADD:
  case EP__TFL_MUL:
    op->opt.activation = I8(r, &o, 0, 0);
    break;
  case EP__TFL_RESIZE_BILINEAR:
    op->opt.resize.align_corners = U8(r, &o, 2, 0) != 0;
    op->opt.resize.half_pixel_centers = U8(r, &o, 3, 0) != 0;
    break;
  case EP__TFL_RESHAPE:
    if (o.pos && field(r, &o, 0, 4)) {
      op->opt.reshape.shape = get_ints(r, &o, 0, &op->opt.reshape.n);
      op->opt.reshape.has_shape = true;
    }
    break;
  }
}

static void check_indexes(rd *r, const int *v, size_t n, size_t n_tensors,
                          bool allow_absent, size_t at) {
  for (size_t i = 0; i < n && ok(r); i++)
    if (!(allow_absent && v[i] == -1) &&
        (v[i] < 0 || (size_t)v[i] >= n_tensors))
      fail(r, at, "tensor index %d is out of range (%zu tensors)", v[i],
           n_tensors);
}

static void read_op(rd *r, tbl *ot, const vec *codes, ep__tfl_op *op) {
  op->offset = ot->pos;
  read_opcode(r, codes, U32(r, ot, OP_OPCODE, 0), ot->pos, op);
  op->inputs = get_ints(r, ot, OP_INPUTS, &op->n_inputs);
  op->outputs = get_ints(r, ot, OP_OUTPUTS, &op->n_outputs);
  check_indexes(r, op->inputs, op->n_inputs, r->m->n_tensors, true, ot->pos);
  check_indexes(r, op->outputs, op->n_outputs, r->m->n_tensors, false, ot->pos);
  read_options(r, ot, op);
}

static void read_subgraph(rd *r, const tbl *mt) {
  ep__tfl_model *m = r->m;
  vec sgs = get_vec(r, mt, MODEL_SUBGRAPHS, 4);
  if (ok(r) && sgs.n == 0) {
    fail(r, mt->pos, "model has no subgraph");
    return;
  }
  tbl sg = vec_table(r, &sgs, 0);
  vec bufs = get_vec(r, mt, MODEL_BUFFERS, 4);
  vec codes = get_vec(r, mt, MODEL_OPCODES, 4);
  vec tensors = get_vec(r, &sg, SG_TENSORS, 4);
  vec ops = get_vec(r, &sg, SG_OPERATORS, 4);
  m->tensors = rd_alloc(r, tensors.n, sizeof *m->tensors, tensors.pos);
  m->ops = rd_alloc(r, ops.n, sizeof *m->ops, ops.pos);
  if (!ok(r))
    return;
  m->n_tensors = tensors.n;
  for (size_t i = 0; i < tensors.n && ok(r); i++) {
    tbl tt = vec_table(r, &tensors, i);
    read_tensor(r, &tt, &bufs, &m->tensors[i]);
  }
  m->n_ops = ops.n;
  for (size_t i = 0; i < ops.n && ok(r); i++) {
    tbl ot = vec_table(r, &ops, i);
    read_op(r, &ot, &codes, &m->ops[i]);
  }
  m->inputs = get_ints(r, &sg, SG_INPUTS, &m->n_inputs);
  m->outputs = get_ints(r, &sg, SG_OUTPUTS, &m->n_outputs);
  check_indexes(r, m->inputs, m->n_inputs, m->n_tensors, false, sg.pos);
  check_indexes(r, m->outputs, m->n_outputs, m->n_tensors, false, sg.pos);
}

static void read_model(rd *r) {
  if (r->n < 8) {
    fail(r, r->n, "file is too short for a TFLite model (%zu bytes)", r->n);
    return;
  }
  if (memcmp(r->b + 4, "TFL3", 4) != 0) {
    fail(r, 4, "not a TFLite model (file identifier is not \"TFL3\")");
    return;
  }
  tbl mt = table_at(r, follow(r, 0));
  if (!ok(r))
    return;
  r->m->version = U32(r, &mt, MODEL_VERSION, 0);
  if (ok(r) && r->m->version != 3) {
    fail(r, mt.pos, "unsupported schema version %u (expected 3)",
         r->m->version);
    return;
  }
  read_subgraph(r, &mt);
}

int ep__tfl_parse(const void *buf, size_t size, const char *name,
                  ep__tfl_model **out, char **msg) {
  if (msg)
    *msg = NULL;
  *out = NULL;
  ep__tfl_model *m = calloc(1, sizeof *m);
  if (!m)
    return EP_ENOMEM;
  m->name = name ? name : "model";
  rd r = {buf, buf ? size : 0, m->name, NULL, 0, 0, m};
  /* Copies are bounded by a multiple of the file size, plus slack for the
   * fixed-size structs of a tiny file. */
  r.budget = size < SIZE_MAX / 64 ? size * 64 + (1u << 20) : SIZE_MAX;
  read_model(&r);
  if (r.code) {
    ep__tfl_free(m);
    if (msg)
      *msg = r.err
                 ? r.err
                 : ep__strdup_printf("%s: out of memory while reading", r.name);
    else
      free(r.err);
    return r.code;
  }
  *out = m;
  return 0;
}

void ep__tfl_free(ep__tfl_model *m) {
  if (!m)
    return;
  for (struct ep__tfl_block *b = m->blocks, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  free(m);
}
