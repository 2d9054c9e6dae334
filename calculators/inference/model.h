/* model.h — a TFLite model loaded into an execution plan (internal).
 *
 * ep__model_load() reads a .tflite file (with tflite_reader), checks every
 * operator it uses, works out each op's shapes and padding, and turns the
 * model's first subgraph into a flat list of ops over a table of float32
 * tensors, in TFLite's NHWC layout. float16 constants and the DEQUANTIZE
 * ops that widen them are folded at load: the plan holds only float32 data
 * and never runs a DEQUANTIZE. A backend (the reference kernels, XNNPACK)
 * consumes the plan read-only; it owns its own activation buffers.
 *
 * Lifecycle: load (or load_memory) -> any number of backends prepare and
 * run against it -> ep__model_free. The plan is immutable after load, so
 * several backends may share it across threads. */
#ifndef EDGEPIPE_INFERENCE_MODEL_H
#define EDGEPIPE_INFERENCE_MODEL_H

#include "edgepipe/common.h"
#include "edgepipe/tensor.h"

/* The ops a plan can hold (each a TFLite builtin of the same name). */
typedef enum ep__op_kind {
  EP__OP_CONV_2D,
  EP__OP_DEPTHWISE_CONV_2D,
  EP__OP_ADD,
  EP__OP_MUL,
  EP__OP_RELU,
  EP__OP_RELU6,
  EP__OP_MAX_POOL_2D,
  EP__OP_AVERAGE_POOL_2D,
  EP__OP_PAD,
  EP__OP_RESHAPE,
  EP__OP_CONCATENATION,
  EP__OP_RESIZE_BILINEAR,
  EP__OP_LOGISTIC,
  EP__OP_SOFTMAX,
  EP__OP_FULLY_CONNECTED,
  EP__OP_KIND_COUNT
} ep__op_kind;

/* The op's name as TFLite spells it ("CONV_2D"). */
const char *ep__op_kind_name(ep__op_kind k);

/* A fused activation, applied to the op's output. Backends that only know
 * clamps read it as [act_min, act_max] of the op (see ep__op). */
typedef enum ep__act {
  EP__ACT_NONE,
  EP__ACT_RELU,         /* [0, +inf] */
  EP__ACT_RELU_N1_TO_1, /* [-1, 1] */
  EP__ACT_RELU6         /* [0, 6] */
} ep__act;

/* One tensor of the plan. Constants hold their float32 values; the others
 * (model inputs and intermediate/outputs) are filled by a backend. */
typedef struct ep__mtensor {
  char *name; /* owned; "" when the model gives none */
  int ndims;  /* 0..EP_TENSOR_MAX_DIMS */
  int dims[EP_TENSOR_MAX_DIMS];
  size_t count; /* product of dims (1 for a scalar) */
  /* Constants: count float32 values, owned by the model, 64-byte aligned.
   * NULL for tensors computed at run time. */
  const float *data;
  int producer; /* index of the op writing it, or -1 (input or constant) */
} ep__mtensor;

/* Padding resolved to explicit amounts at load (TensorFlow's SAME padding
 * puts the odd pixel at the bottom/right). */
typedef struct ep__pad2d {
  int top, bottom, left, right;
} ep__pad2d;

typedef struct ep__conv_params { /* CONV_2D and DEPTHWISE_CONV_2D */
  ep__pad2d pad;
  int stride_h, stride_w;
  int dilation_h, dilation_w;
  int kernel_h, kernel_w;
  int depth_multiplier; /* DEPTHWISE only: out channels / in channels */
} ep__conv_params;

typedef struct ep__pool_params { /* MAX_POOL_2D and AVERAGE_POOL_2D */
  ep__pad2d pad;
  int stride_h, stride_w;
  int filter_h, filter_w;
} ep__pool_params;

typedef struct ep__pad_params { /* PAD: zeros before/after each dim */
  int before[EP_TENSOR_MAX_DIMS];
  int after[EP_TENSOR_MAX_DIMS];
} ep__pad_params;

typedef struct ep__concat_params {
  int axis; /* normalised to 0..ndims-1 */
} ep__concat_params;

typedef struct ep__resize_params { /* output size is the output's dims */
  bool align_corners;
  bool half_pixel_centers;
} ep__resize_params;

typedef struct ep__softmax_params {
  float beta;
} ep__softmax_params;

/* One op of the plan. Inputs, by kind (indexes into ep__model.tensors):
 *   CONV_2D           [input NHWC, filter OHWI, bias O or -1]
 *   DEPTHWISE_CONV_2D [input NHWC, filter 1HW(I*M), bias I*M or -1]
 *   FULLY_CONNECTED   [input (..., I), filter (O, I), bias O or -1];
 *                     output (rows, O) with rows = count(input) / I, or
 *                     the input's leading dims when the model keeps them
 *   ADD, MUL          [a, b] with NumPy broadcasting (either may have the
 *                     lower rank: shapes are aligned at the last dim)
 *   CONCATENATION     n inputs joined along concat.axis
 *   PAD               [input] (the paddings tensor is folded into params)
 *   RESHAPE           [input] (shape is the output's dims)
 *   RESIZE_BILINEAR   [input NHWC] (the size tensor folded into the output)
 *   MAX/AVERAGE_POOL  [input NHWC]; an average counts only the cells
 *                     inside the input (TFLite), not the padding
 *   the rest          [input]
 * Every op has exactly one output; its shape has been checked against the
 * shape the op computes. act applies to CONV_2D, DEPTHWISE_CONV_2D,
 * FULLY_CONNECTED, ADD, MUL, pools and CONCATENATION; act_min/act_max give
 * the same clamp as numbers (-INFINITY/INFINITY when open). */
typedef struct ep__op {
  ep__op_kind kind;
  int tflite_index; /* the operator's index in the model, for messages */
  int n_inputs;
  int *inputs; /* owned; -1 marks an absent optional input (bias) */
  int output;
  ep__act act;
  float act_min, act_max;
  union {
    ep__conv_params conv;
    ep__pool_params pool;
    ep__pad_params pad;
    ep__concat_params concat;
    ep__resize_params resize;
    ep__softmax_params softmax;
  } p;
} ep__op;

typedef struct ep__model {
  char *name; /* the file name given to load, for messages (owned) */
  size_t n_tensors;
  ep__mtensor *tensors;
  size_t n_ops;
  ep__op *ops; /* in execution order */
  size_t n_inputs, n_outputs;
  int *inputs;  /* tensor indexes of the model's inputs (owned) */
  int *outputs; /* tensor indexes of the model's outputs (owned) */
} ep__model;

/* Loads path into a plan. On success returns 0 and sets *out (transfer
 * full; free with ep__model_free). On failure returns EP_ENOENT / EP_EIO
 * (cannot read), EP_EMODEL (corrupt or not TFLite), EP_EUNSUPPORTED (ops or
 * types the plan cannot hold) or EP_ENOMEM, and sets *msg (caller frees)
 * to lines such as "model.tflite: vector runs past the end at offset 1234"
 * or "model.tflite: op 7 (TANH) is not supported" (one line per
 * unsupported op). msg may be NULL. */
int ep__model_load(const char *path, ep__model **out, char **msg);

/* The same, from a buffer (transfer none: the plan copies what it keeps);
 * name stands for the file in messages. */
int ep__model_load_memory(const void *data, size_t size, const char *name,
                          ep__model **out, char **msg);

void ep__model_free(ep__model *m); /* NULL is ignored */

/* Whether a window op's output size along one axis is the one its
 * explicit padding gives, (in + before + after - dilation*(k-1) - 1) /
 * stride + 1, with every term sane. Kernels that size their loops from
 * the plan's shapes (XNNPACK does not even check them) need it. */
bool ep__window_fits(int in, int before, int after, int k, int stride,
                     int dilation, int out);

/* Whether two shapes (rank and dims) are the same. */
bool ep__dims_equal(int na, const int *a, int nb, const int *b);

/* Whether a conv op's optional bias (input 2) is absent or a constant of
 * n values. */
bool ep__bias_fits(const ep__model *m, const ep__op *op, int n);

/* Floating-point operations of one run (a multiply-add counts 2), for
 * benchmarks. */
double ep__model_flops(const ep__model *m);

#endif
