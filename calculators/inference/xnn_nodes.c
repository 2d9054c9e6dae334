/* xnn_nodes.c — one plan op as an XNNPACK subgraph node (see xnn_nodes.h).
 *
 * Layouts need no repacking: TFLite stores conv filters OHWI and depthwise
 * filters 1HW(C*M), which are exactly XNNPACK's [O, KH, KW, I] and
 * [1, KH, KW, C*M]; FULLY_CONNECTED weights are (O, I), XNNPACK's default
 * (no XNN_FLAG_TRANSPOSE_WEIGHTS). Padding arrives explicit from the plan
 * (TF's uneven SAME already split top/bottom, left/right), so no node uses
 * XNN_FLAG_TENSORFLOW_SAME_PADDING. */
#include "xnn_nodes.h"

#include <math.h>

static const int *dims_of(const ep__model *m, int t) {
  return m->tensors[t].dims;
}

static enum xnn_status define_conv(xnn_subgraph_t sg, const ep__model *m,
                                   const ep__op *op, const uint32_t *ids,
                                   uint32_t bias) {
  const ep__conv_params *c = &op->p.conv;
  const int *in = dims_of(m, op->inputs[0]), *f = dims_of(m, op->inputs[1]);
  uint32_t groups = (uint32_t)(in[3] / f[3]);
  return xnn_define_convolution_2d(
      sg, (uint32_t)c->pad.top, (uint32_t)c->pad.right, (uint32_t)c->pad.bottom,
      (uint32_t)c->pad.left, (uint32_t)c->kernel_h, (uint32_t)c->kernel_w,
      (uint32_t)c->stride_h, (uint32_t)c->stride_w, (uint32_t)c->dilation_h,
      (uint32_t)c->dilation_w, groups, (size_t)f[3], (size_t)f[0] / groups,
      op->act_min, op->act_max, ids[op->inputs[0]], ids[op->inputs[1]], bias,
      ids[op->output], 0);
}

static enum xnn_status define_dwconv(xnn_subgraph_t sg, const ep__model *m,
                                     const ep__op *op, const uint32_t *ids,
                                     uint32_t bias) {
  const ep__conv_params *c = &op->p.conv;
  const int *in = dims_of(m, op->inputs[0]);
  return xnn_define_depthwise_convolution_2d(
      sg, (uint32_t)c->pad.top, (uint32_t)c->pad.right, (uint32_t)c->pad.bottom,
      (uint32_t)c->pad.left, (uint32_t)c->kernel_h, (uint32_t)c->kernel_w,
      (uint32_t)c->stride_h, (uint32_t)c->stride_w, (uint32_t)c->dilation_h,
      (uint32_t)c->dilation_w, (uint32_t)c->depth_multiplier, (size_t)in[3],
      op->act_min, op->act_max, ids[op->inputs[0]], ids[op->inputs[1]], bias,
      ids[op->output], 0);
}

static enum xnn_status define_fc(xnn_subgraph_t sg, const ep__model *m,
                                 const ep__op *op, const uint32_t *ids,
                                 uint32_t bias) {
  const ep__mtensor *in = &m->tensors[op->inputs[0]];
  const ep__mtensor *out = &m->tensors[op->output];
  /* Same rank and leading dims: XNNPACK keeps them. Otherwise the plan's
   * output is (rows, O) and XNNPACK must flatten the input the TF way. */
  uint32_t flags = XNN_FLAG_TENSORFLOW_RESHAPE_2D;
  if (in->ndims == out->ndims) {
    flags = 0;
    for (int d = 0; d + 1 < in->ndims; d++)
      if (in->dims[d] != out->dims[d])
        flags = XNN_FLAG_TENSORFLOW_RESHAPE_2D;
  }
  return xnn_define_fully_connected(sg, op->act_min, op->act_max,
                                    ids[op->inputs[0]], ids[op->inputs[1]],
                                    bias, ids[op->output], flags);
}

static enum xnn_status define_pool(xnn_subgraph_t sg, const ep__op *op,
                                   const uint32_t *ids) {
  const ep__pool_params *p = &op->p.pool;
  uint32_t in = ids[op->inputs[0]], out = ids[op->output];
  if (op->kind == EP__OP_MAX_POOL_2D)
    return xnn_define_max_pooling_2d(
        sg, (uint32_t)p->pad.top, (uint32_t)p->pad.right,
        (uint32_t)p->pad.bottom, (uint32_t)p->pad.left, (uint32_t)p->filter_h,
        (uint32_t)p->filter_w, (uint32_t)p->stride_h, (uint32_t)p->stride_w, 1,
        1, op->act_min, op->act_max, in, out, 0);
  return xnn_define_average_pooling_2d(
      sg, (uint32_t)p->pad.top, (uint32_t)p->pad.right, (uint32_t)p->pad.bottom,
      (uint32_t)p->pad.left, (uint32_t)p->filter_h, (uint32_t)p->filter_w,
      (uint32_t)p->stride_h, (uint32_t)p->stride_w, op->act_min, op->act_max,
      in, out, 0);
}

static enum xnn_status define_pad(xnn_subgraph_t sg, const ep__model *m,
                                  const ep__op *op, const uint32_t *ids) {
  size_t pre[XNN_MAX_TENSOR_DIMS] = {0}, post[XNN_MAX_TENSOR_DIMS] = {0};
  int nd = m->tensors[op->inputs[0]].ndims;
  for (int d = 0; d < nd; d++) {
    pre[d] = (size_t)op->p.pad.before[d];
    post[d] = (size_t)op->p.pad.after[d];
  }
  return xnn_define_static_constant_pad(sg, pre, post, 0.0f, ids[op->inputs[0]],
                                        ids[op->output], 0);
}

static enum xnn_status define_reshape(xnn_subgraph_t sg, const ep__model *m,
                                      const ep__op *op, const uint32_t *ids) {
  size_t shape[XNN_MAX_TENSOR_DIMS];
  const ep__mtensor *out = &m->tensors[op->output];
  for (int d = 0; d < out->ndims; d++)
    shape[d] = (size_t)out->dims[d];
  return xnn_define_static_reshape(sg, (size_t)out->ndims, shape,
                                   ids[op->inputs[0]], ids[op->output], 0);
}

static enum xnn_status define_resize(xnn_subgraph_t sg, const ep__model *m,
                                     const ep__op *op, const uint32_t *ids) {
  /* XNNPACK's default sampling is TF's half_pixel_centers; TF's plain
   * mode (neither flag) is XNNPACK's "legacy" mode. */
  uint32_t flags = 0;
  if (op->p.resize.align_corners)
    flags = XNN_FLAG_ALIGN_CORNERS;
  else if (!op->p.resize.half_pixel_centers)
    flags = XNN_FLAG_TENSORFLOW_LEGACY_MODE;
  const int *out = dims_of(m, op->output);
  return xnn_define_static_resize_bilinear_2d(
      sg, (size_t)out[1], (size_t)out[2], ids[op->inputs[0]], ids[op->output],
      flags);
}

enum xnn_status ep__xnn_define_op(xnn_subgraph_t sg, const ep__model *m,
                                  const ep__op *op, const uint32_t *ids,
                                  uint32_t bias_id) {
  uint32_t in = ids[op->inputs[0]], out = ids[op->output];
  switch (op->kind) {
  case EP__OP_CONV_2D:
    return define_conv(sg, m, op, ids, bias_id);
  case EP__OP_DEPTHWISE_CONV_2D:
    return define_dwconv(sg, m, op, ids, bias_id);
  case EP__OP_FULLY_CONNECTED:
    return define_fc(sg, m, op, ids, bias_id);
  case EP__OP_MAX_POOL_2D:
  case EP__OP_AVERAGE_POOL_2D:
    return define_pool(sg, op, ids);
  case EP__OP_ADD:
    return xnn_define_add2(sg, op->act_min, op->act_max, in, ids[op->inputs[1]],
                           out, 0);
  case EP__OP_MUL:
    return xnn_define_multiply2(sg, op->act_min, op->act_max, in,
                                ids[op->inputs[1]], out, 0);
  case EP__OP_RELU:
    return xnn_define_clamp(sg, 0.0f, INFINITY, in, out, 0);
  case EP__OP_RELU6:
    return xnn_define_clamp(sg, 0.0f, 6.0f, in, out, 0);
  case EP__OP_PAD:
    return define_pad(sg, m, op, ids);
  case EP__OP_RESHAPE:
    return define_reshape(sg, m, op, ids);
  case EP__OP_RESIZE_BILINEAR:
    return define_resize(sg, m, op, ids);
  case EP__OP_LOGISTIC:
    return xnn_define_sigmoid(sg, in, out, 0);
  case EP__OP_SOFTMAX:
    return xnn_define_softmax(sg, in, out, 0);
  default:
    return xnn_status_unsupported_parameter;
  }
}
