/* xnn_nodes.h — plan ops as XNNPACK subgraph nodes (internal).
 *
 * The XNNPACK backend defines every value an op touches first, then calls
 * ep__xnn_define_op to add the op's node to the subgraph. Only ops that
 * ep__xnn_op_supported accepts may be passed. */
#ifndef EDGEPIPE_INFERENCE_XNN_NODES_H
#define EDGEPIPE_INFERENCE_XNN_NODES_H

#include <xnnpack.h>

#include "model.h"

/* Adds op to sg. ids maps model tensor indexes to the subgraph's value ids
 * (each of op's inputs and its output defined). bias_id is the bias value
 * to use for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (the model's,
 * or zeros when the model has none); ignored for other ops. */
enum xnn_status ep__xnn_define_op(xnn_subgraph_t sg, const ep__model *m,
                                  const ep__op *op, const uint32_t *ids,
                                  uint32_t bias_id);

#endif
