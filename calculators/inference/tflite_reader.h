/* tflite_reader.h — a checked reader for TFLite flatbuffers (internal).
 *
 * ep__tfl_parse() walks a .tflite file held in memory and copies out what
 * the inference plan needs: the first subgraph's tensors, operators (with
 * the builtin options of the ops we run) and its inputs/outputs. Every
 * offset, vtable, vector and string is checked against the file size
 * before it is read, so a truncated, corrupt or non-TFLite file gives a
 * message "NAME: <what is wrong> at offset N" and never a crash. The
 * result borrows from the buffer (tensor data, names): keep the buffer
 * alive and unchanged until ep__tfl_free(). */
#ifndef EDGEPIPE_INFERENCE_TFLITE_READER_H
#define EDGEPIPE_INFERENCE_TFLITE_READER_H

#include "edgepipe/common.h"
#include "edgepipe/tensor.h"

/* TFLite's TensorType values (schema.fbs) that we name in messages. */
enum {
  EP__TFL_FLOAT32 = 0,
  EP__TFL_FLOAT16 = 1,
  EP__TFL_INT32 = 2,
  EP__TFL_UINT8 = 3,
  EP__TFL_INT64 = 4,
  EP__TFL_INT8 = 9
};

/* BuiltinOperator codes used by the plan. */
enum {
  EP__TFL_ADD = 0,
  EP__TFL_AVERAGE_POOL_2D = 1,
  EP__TFL_CONCATENATION = 2,
  EP__TFL_CONV_2D = 3,
  EP__TFL_DEPTHWISE_CONV_2D = 4,
  EP__TFL_DEQUANTIZE = 6,
  EP__TFL_FULLY_CONNECTED = 9,
  EP__TFL_LOGISTIC = 14,
  EP__TFL_MAX_POOL_2D = 17,
  EP__TFL_MUL = 18,
  EP__TFL_RELU = 19,
  EP__TFL_RELU6 = 21,
  EP__TFL_RESHAPE = 22,
  EP__TFL_RESIZE_BILINEAR = 23,
  EP__TFL_SOFTMAX = 25,
  EP__TFL_CUSTOM = 32,
  EP__TFL_PAD = 34
};

/* Padding and fused activation as the schema encodes them. */
enum { EP__TFL_PAD_SAME = 0, EP__TFL_PAD_VALID = 1 };
enum {
  EP__TFL_ACT_NONE = 0,
  EP__TFL_ACT_RELU = 1,
  EP__TFL_ACT_RELU_N1_TO_1 = 2,
  EP__TFL_ACT_RELU6 = 3,
  EP__TFL_ACT_TANH = 4,
  EP__TFL_ACT_SIGN_BIT = 5
};

typedef struct ep__tfl_quant {
  size_t n; /* scale and zero_point entries (0: not quantized) */
  float *scale;
  int64_t *zero_point; /* n entries, 0 where the file gives fewer */
  int quantized_dimension;
} ep__tfl_quant;

typedef struct ep__tfl_tensor {
  const char *name; /* borrowed from the buffer; "" when absent */
  int type;         /* TensorType */
  int ndims;
  int dims[EP_TENSOR_MAX_DIMS];
  const uint8_t *data; /* constant bytes in the file, or NULL */
  size_t size;         /* bytes at data */
  size_t data_offset;  /* where they start in the file, for messages */
  size_t offset;       /* the Tensor table's offset */
  ep__tfl_quant quant;
} ep__tfl_tensor;

/* Builtin options of the ops the plan runs; fields absent from the file
 * read as the schema's defaults. */
typedef struct ep__tfl_conv_opts { /* Conv2D and DepthwiseConv2D */
  int padding, stride_w, stride_h, depth_multiplier, activation;
  int dilation_w, dilation_h;
} ep__tfl_conv_opts;

typedef struct ep__tfl_pool_opts {
  int padding, stride_w, stride_h, filter_w, filter_h, activation;
} ep__tfl_pool_opts;

typedef struct ep__tfl_op {
  int opcode;              /* effective BuiltinOperator */
  const char *custom_code; /* CUSTOM ops: borrowed name, else NULL */
  int version;
  size_t n_inputs, n_outputs;
  int *inputs; /* tensor indexes; -1: optional input left out */
  int *outputs;
  int options_type; /* the BuiltinOptions union tag (0: none) */
  size_t offset;    /* the Operator table's offset */
  union {
    ep__tfl_conv_opts conv;
    ep__tfl_pool_opts pool;
    int activation; /* ADD, MUL */
    struct {
      int axis, activation;
    } concat;
    struct {
      int activation;
      bool keep_num_dims;
      int weights_format;
    } fc;
    struct {
      bool align_corners, half_pixel_centers;
    } resize;
    struct {
      size_t n; /* 0 with has_shape false: no ReshapeOptions */
      int *shape;
      bool has_shape;
    } reshape;
    float softmax_beta;
  } opt;
} ep__tfl_op;

typedef struct ep__tfl_model {
  const char *name; /* the name given to parse (borrowed) */
  uint32_t version;
  size_t n_tensors, n_ops, n_inputs, n_outputs;
  ep__tfl_tensor *tensors;
  ep__tfl_op *ops;
  int *inputs, *outputs;        /* checked to be valid tensor indexes */
  struct ep__tfl_block *blocks; /* everything above, freed together */
} ep__tfl_model;

/* Parses buf (transfer none; borrowed by the result). name stands for the
 * file in messages. Returns 0 and *out (free with ep__tfl_free), or
 * EP_EMODEL / EP_ENOMEM and *msg (caller frees; msg may be NULL). Tensor
 * and op indexes inside ops are checked against n_tensors. */
int ep__tfl_parse(const void *buf, size_t size, const char *name,
                  ep__tfl_model **out, char **msg);
void ep__tfl_free(ep__tfl_model *m);

/* The BuiltinOperator's name ("CONV_2D"), or "UNKNOWN" (static). */
const char *ep__tfl_op_name(int code);
/* The TensorType's name ("FLOAT16"), or "UNKNOWN" (static). */
const char *ep__tfl_type_name(int type);

#endif
