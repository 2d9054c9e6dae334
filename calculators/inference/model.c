/* model.c — loads a TFLite file into an execution plan.
 *
 * Three passes over the operators: first every op is looked up, so all
 * unsupported ones are reported together; then, in file order, each op is
 * checked and turned into a plan op (model_ops.c), DEQUANTIZE ops on
 * float16 constants are folded into float32 constants, and a tensor must be
 * defined before an op reads it; last, the tensors the plan uses are
 * renumbered into its table. */
#include "model.h"

#include "diag.h"
#include "edgepipe/error.h"
#include "model_build.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
  int code;
  ep__op_kind kind;
} supported[] = {
    {EP__TFL_CONV_2D, EP__OP_CONV_2D},
    {EP__TFL_DEPTHWISE_CONV_2D, EP__OP_DEPTHWISE_CONV_2D},
    {EP__TFL_ADD, EP__OP_ADD},
    {EP__TFL_MUL, EP__OP_MUL},
    {EP__TFL_RELU, EP__OP_RELU},
    {EP__TFL_RELU6, EP__OP_RELU6},
    {EP__TFL_MAX_POOL_2D, EP__OP_MAX_POOL_2D},
    {EP__TFL_AVERAGE_POOL_2D, EP__OP_AVERAGE_POOL_2D},
    {EP__TFL_PAD, EP__OP_PAD},
    {EP__TFL_RESHAPE, EP__OP_RESHAPE},
    {EP__TFL_CONCATENATION, EP__OP_CONCATENATION},
    {EP__TFL_RESIZE_BILINEAR, EP__OP_RESIZE_BILINEAR},
    {EP__TFL_LOGISTIC, EP__OP_LOGISTIC},
    {EP__TFL_SOFTMAX, EP__OP_SOFTMAX},
    {EP__TFL_FULLY_CONNECTED, EP__OP_FULLY_CONNECTED},
};
#define N_SUPPORTED (sizeof supported / sizeof *supported)

const char *ep__op_kind_name(ep__op_kind k) {
  for (size_t i = 0; i < N_SUPPORTED; i++)
    if (supported[i].kind == k)
      return ep__tfl_op_name(supported[i].code);
  return "UNKNOWN";
}

/* The plan kind of a file op; -1 when unsupported, -2 for DEQUANTIZE. */
static int kind_of(int code) {
  if (code == EP__TFL_DEQUANTIZE)
    return -2;
  for (size_t i = 0; i < N_SUPPORTED; i++)
    if (supported[i].code == code)
      return (int)supported[i].kind;
  return -1;
}

static float *alloc_floats(size_t n) {
  size_t bytes = (n * sizeof(float) + EP_TENSOR_ALIGN - 1) / EP_TENSOR_ALIGN *
                 EP_TENSOR_ALIGN;
  return aligned_alloc(EP_TENSOR_ALIGN, bytes ? bytes : EP_TENSOR_ALIGN);
}

static float half_to_float(uint16_t h) {
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  float v = e == 0    ? ldexpf((float)m, -24)
            : e == 31 ? (m ? NAN : INFINITY)
                      : ldexpf((float)(m | 0x400), e - 25);
  return (h & 0x8000) ? -v : v;
}

/* --- pass 1: every unsupported op, one line each ------------------------- */

static int check_supported(const ep__tfl_model *t, char **msg) {
  ep_diag d = {0, NULL, 0, 0};
  for (size_t i = 0; i < t->n_ops; i++) {
    const ep__tfl_op *op = &t->ops[i];
    if (kind_of(op->opcode) != -1)
      continue;
    if (op->opcode == EP__TFL_CUSTOM)
      ep__diag_add(&d, NULL, "%s: op %zu (CUSTOM %s) is not supported", t->name,
                   i, op->custom_code ? op->custom_code : "");
    else if (strcmp(ep__tfl_op_name(op->opcode), "UNKNOWN") == 0)
      ep__diag_add(&d, NULL, "%s: op %zu (builtin code %d) is not supported",
                   t->name, i, op->opcode);
    else
      ep__diag_add(&d, NULL, "%s: op %zu (%s) is not supported", t->name, i,
                   ep__tfl_op_name(op->opcode));
  }
  if (!d.count)
    return 0;
  char *text = ep__diag_take(&d);
  if (text && *text)
    text[strlen(text) - 1] = '\0'; /* no trailing newline */
  if (msg)
    *msg = text;
  else
    free(text);
  return EP_EUNSUPPORTED;
}

/* --- pass 2: constants, folding and plan ops ----------------------------- */

static bool load_constant(ep__build *b, int i) {
  const ep__tfl_tensor *t = &b->t->tensors[i];
  if (!t->data || t->type != EP__TFL_FLOAT32)
    return true; /* float16 data waits for its DEQUANTIZE */
  size_t n = ep__dims_count(t->ndims, t->dims);
  if (n == SIZE_MAX || t->size != n * 4) {
    b->code = EP_EMODEL;
    b->err = ep__strdup_printf(
        "%s: tensor %d (%s) has %zu bytes of data, expected %zu at offset %zu",
        b->t->name, i, t->name, t->size, n == SIZE_MAX ? 0 : n * 4,
        t->data_offset);
    return false;
  }
  if (!(b->val[i] = alloc_floats(n))) {
    b->code = EP_ENOMEM;
    return false;
  }
  memcpy(b->val[i], t->data, n * 4);
  return true;
}

static bool fold_dequantize(ep__build *b, size_t index) {
  const ep__tfl_op *op = &b->t->ops[index];
  if (op->n_inputs != 1 || op->n_outputs != 1 || op->inputs[0] < 0)
    return ep__build_fail(b, op, index, "needs one input and one output");
  int in = op->inputs[0], out = op->outputs[0];
  const ep__tfl_tensor *ti = &b->t->tensors[in], *to = &b->t->tensors[out];
  size_t n = ep__dims_count(ti->ndims, ti->dims);
  if (ti->type != EP__TFL_FLOAT16 || !ti->data)
    return ep__build_fail(b, op, index,
                          "only float16 constants can be dequantized "
                          "(input tensor %d is %s%s)",
                          in, ep__tfl_type_name(ti->type),
                          ti->data ? "" : ", not constant");
  if (n == SIZE_MAX || ti->size != n * 2)
    return ep__build_fail(b, op, index, "tensor %d has %zu bytes, expected %zu",
                          in, ti->size, n == SIZE_MAX ? 0 : n * 2);
  if (to->type != EP__TFL_FLOAT32 || ep__dims_count(to->ndims, to->dims) != n)
    return ep__build_fail(b, op, index, "output tensor %d does not match", out);
  if (b->ready[out] || b->val[out])
    return ep__build_fail(b, op, index, "output tensor %d is already defined",
                          out);
  if (!(b->val[out] = alloc_floats(n))) {
    b->code = EP_ENOMEM;
    return false;
  }
  for (size_t k = 0; k < n; k++)
    b->val[out][k] =
        half_to_float((uint16_t)(ti->data[2 * k] | ti->data[2 * k + 1] << 8));
  return true;
}

static bool mark_inputs(ep__build *b) {
  for (size_t k = 0; k < b->t->n_inputs; k++) {
    int i = b->t->inputs[k];
    const ep__tfl_tensor *t = &b->t->tensors[i];
    if (t->type != EP__TFL_FLOAT32 || t->data ||
        ep__dims_count(t->ndims, t->dims) == SIZE_MAX) {
      b->code = EP_EMODEL;
      b->err = ep__strdup_printf("%s: model input %zu (tensor %d, %s) must "
                                 "be a float32 tensor of a sane size, not "
                                 "%s%s at offset %zu",
                                 b->t->name, k, i, t->name,
                                 ep__tfl_type_name(t->type),
                                 t->data ? " constant" : "", t->offset);
      return false;
    }
    b->ready[i] = true;
  }
  return true;
}

static bool build_ops(ep__build *b) {
  for (size_t i = 0; i < b->t->n_tensors; i++)
    if (!load_constant(b, (int)i))
      return false;
  if (!mark_inputs(b))
    return false;
  for (size_t i = 0; i < b->t->n_ops; i++) {
    int kind = kind_of(b->t->ops[i].opcode);
    if (kind == -2) {
      if (!fold_dequantize(b, i))
        return false;
      continue;
    }
    ep__op *op = &b->ops[b->n_ops];
    if (!ep__build_op(b, i, (ep__op_kind)kind, op)) {
      free(op->inputs);
      return false;
    }
    b->n_ops++;
    b->ready[op->output] = true;
  }
  return true;
}

/* --- pass 3: the plan's own tensor table --------------------------------- */

static int keep(ep__model *m, const ep__build *b, int *map, int i) {
  if (map[i] >= 0)
    return map[i];
  const ep__tfl_tensor *t = &b->t->tensors[i];
  ep__mtensor *mt = &m->tensors[m->n_tensors];
  mt->name = strdup(t->name);
  if (!mt->name)
    return -1;
  mt->ndims = t->ndims;
  memcpy(mt->dims, t->dims, sizeof mt->dims);
  mt->count = ep__dims_count(t->ndims, t->dims);
  mt->data = b->val[i];
  b->val[i] = NULL; /* the plan owns it now */
  mt->producer = -1;
  map[i] = (int)m->n_tensors++;
  return map[i];
}

static int renumber(ep__model *m, ep__build *b) {
  size_t n = b->t->n_tensors;
  int *map = malloc((n ? n : 1) * sizeof *map);
  m->tensors = calloc(n ? n : 1, sizeof *m->tensors);
  m->inputs = malloc((b->t->n_inputs + 1) * sizeof(int));
  m->outputs = malloc((b->t->n_outputs + 1) * sizeof(int));
  if (!map || !m->tensors || !m->inputs || !m->outputs) {
    free(map);
    return EP_ENOMEM;
  }
  memset(map, 0xff, n * sizeof *map);
  int rc = 0;
  for (size_t k = 0; k < b->t->n_inputs && !rc; k++)
    rc = (m->inputs[m->n_inputs++] = keep(m, b, map, b->t->inputs[k])) < 0;
  for (size_t o = 0; o < m->n_ops && !rc; o++) {
    ep__op *op = &m->ops[o];
    for (int k = 0; k < op->n_inputs && !rc; k++)
      if (op->inputs[k] >= 0)
        rc = (op->inputs[k] = keep(m, b, map, op->inputs[k])) < 0;
    if (!rc && (op->output = keep(m, b, map, op->output)) >= 0)
      m->tensors[op->output].producer = (int)o;
    else
      rc = 1;
  }
  for (size_t k = 0; k < b->t->n_outputs && !rc; k++)
    rc = (m->outputs[m->n_outputs++] = keep(m, b, map, b->t->outputs[k])) < 0;
  free(map);
  return rc ? EP_ENOMEM : 0;
}

/* Every model output must be computed by some op (or be an input). */
static bool check_outputs(ep__build *b) {
  for (size_t k = 0; k < b->t->n_outputs; k++) {
    int i = b->t->outputs[k];
    if (!b->ready[i]) {
      b->code = EP_EMODEL;
      b->err = ep__strdup_printf("%s: model output %zu (tensor %d, %s) is "
                                 "never computed at offset %zu",
                                 b->t->name, k, i, b->t->tensors[i].name,
                                 b->t->tensors[i].offset);
      return false;
    }
  }
  return true;
}

static void build_free(ep__build *b) {
  if (b->val)
    for (size_t i = 0; i < b->t->n_tensors; i++)
      free(b->val[i]);
  free(b->val);
  free(b->ready);
}

static int build(const ep__tfl_model *t, ep__model *m, char **msg) {
  ep__build b = {t, 0, NULL, NULL, NULL, NULL, 0};
  size_t nt = t->n_tensors ? t->n_tensors : 1;
  b.val = calloc(nt, sizeof *b.val);
  b.ready = calloc(nt, sizeof *b.ready);
  b.ops = m->ops = calloc(t->n_ops ? t->n_ops : 1, sizeof *m->ops);
  int rc = EP_ENOMEM;
  if (b.val && b.ready && b.ops) {
    bool good = build_ops(&b);
    m->n_ops = b.n_ops;
    rc = good && check_outputs(&b) ? renumber(m, &b) : b.code;
  }
  if (rc && msg)
    *msg = b.err
               ? b.err
               : ep__strdup_printf("%s: out of memory while loading", t->name);
  else
    free(b.err);
  build_free(&b);
  return rc;
}

int ep__model_from_tfl(const ep__tfl_model *t, ep__model **out, char **msg) {
  *out = NULL;
  if (msg)
    *msg = NULL;
  int rc = check_supported(t, msg);
  if (rc)
    return rc;
  ep__model *m = calloc(1, sizeof *m);
  if (!m || !(m->name = strdup(t->name))) {
    free(m);
    return EP_ENOMEM;
  }
  if ((rc = build(t, m, msg))) {
    ep__model_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

int ep__model_load_memory(const void *data, size_t size, const char *name,
                          ep__model **out, char **msg) {
  ep__tfl_model *t;
  *out = NULL;
  int rc = ep__tfl_parse(data, size, name, &t, msg);
  if (rc)
    return rc;
  rc = ep__model_from_tfl(t, out, msg);
  ep__tfl_free(t);
  return rc;
}

static int read_file(const char *path, unsigned char **buf, size_t *size,
                     char **msg) {
  FILE *f = fopen(path, "rb");
  int rc = 0;
  if (!f) {
    rc = errno == ENOENT ? EP_ENOENT : EP_EIO;
    if (msg)
      *msg = ep__strdup_printf("%s: cannot open: %s", path, strerror(errno));
    return rc;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    if (msg)
      *msg = ep__strdup_printf("%s: not a regular file", path);
    return EP_EIO;
  }
  long len = (long)st.st_size;
  *buf = malloc(len ? (size_t)len : 1);
  *size = (size_t)len;
  if (!*buf)
    rc = EP_ENOMEM;
  else if (fread(*buf, 1, *size, f) != *size) {
    rc = EP_EIO;
    if (msg)
      *msg = ep__strdup_printf("%s: read error", path);
  }
  fclose(f);
  if (rc) {
    free(*buf);
    *buf = NULL;
  }
  return rc;
}

int ep__model_load(const char *path, ep__model **out, char **msg) {
  unsigned char *buf = NULL;
  size_t size = 0;
  *out = NULL;
  if (msg)
    *msg = NULL;
  int rc = read_file(path, &buf, &size, msg);
  if (rc)
    return rc;
  rc = ep__model_load_memory(buf, size, path, out, msg);
  free(buf);
  return rc;
}

void ep__model_free(ep__model *m) {
  if (!m)
    return;
  for (size_t i = 0; i < m->n_tensors; i++) {
    free(m->tensors[i].name);
    free((void *)m->tensors[i].data);
  }
  for (size_t i = 0; i < m->n_ops; i++)
    free(m->ops[i].inputs);
  free(m->tensors);
  free(m->ops);
  free(m->inputs);
  free(m->outputs);
  free(m->name);
  free(m);
}

bool ep__window_fits(int in, int before, int after, int k, int stride,
                     int dilation, int out) {
  if (in < 1 || before < 0 || after < 0 || k < 1 || stride < 1 || dilation < 1)
    return false;
  long span = (long)in + before + after - (long)dilation * (k - 1) - 1;
  return span >= 0 && span / stride + 1 == out;
}

bool ep__dims_equal(int na, const int *a, int nb, const int *b) {
  if (na != nb)
    return false;
  for (int i = 0; i < na; i++)
    if (a[i] != b[i])
      return false;
  return true;
}

bool ep__bias_fits(const ep__model *m, const ep__op *op, int n) {
  if (op->n_inputs < 3 || op->inputs[2] < 0)
    return true;
  const ep__mtensor *b = &m->tensors[op->inputs[2]];
  return b->data && n >= 0 && b->count == (size_t)n;
}

double ep__model_flops(const ep__model *m) {
  double total = 0;
  for (size_t i = 0; i < m->n_ops; i++) {
    const ep__op *op = &m->ops[i];
    double out = (double)m->tensors[op->output].count;
    const ep__conv_params *c = &op->p.conv;
    switch (op->kind) {
    case EP__OP_CONV_2D:
      total +=
          2 * out * c->kernel_h * c->kernel_w *
          m->tensors[op->inputs[0]].dims[m->tensors[op->inputs[0]].ndims - 1];
      break;
    case EP__OP_DEPTHWISE_CONV_2D:
      total += 2 * out * c->kernel_h * c->kernel_w;
      break;
    case EP__OP_FULLY_CONNECTED:
      total += 2 * out * m->tensors[op->inputs[1]].dims[1];
      break;
    case EP__OP_MAX_POOL_2D:
    case EP__OP_AVERAGE_POOL_2D:
      total += out * op->p.pool.filter_h * op->p.pool.filter_w;
      break;
    default:
      total += out;
    }
  }
  return total;
}
