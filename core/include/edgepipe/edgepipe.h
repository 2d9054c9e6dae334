/* edgepipe.h — the one header an application includes.
 *
 * It brings in the whole public API:
 *
 *   graph.h         create a graph from a file or a string, start it with
 *                   side packets, feed input streams, observe outputs by
 *                   callback or poller, close, wait, cancel, errors, stats
 *   packet.h        refcounted timestamped packets, zero-copy wrapping
 *   image_packet.h  app-owned pixels as ImageFrame packets, zero-copy
 *   registry.h      register calculators, load plugins
 *   calculator.h    write a calculator (contract, options, hooks)
 *   type.h, timestamp.h, error.h, common.h
 *   image_frame.h, detection.h, render_data.h, tensor.h, float_array.h
 *                   the payload types of the built-in calculators
 *
 * Every object with invariants is opaque (ep_graph, ep_packet, ep_poller,
 * ep_image_frame, ep_tensor); descriptors and plain data are public
 * structs. Each function's comment says who owns what it takes and
 * returns ("transfer full": the reference moves; "transfer none": it is
 * borrowed).
 *
 * Versions: EP_VERSION_MAJOR/MINOR/PATCH and EP_VERSION_STRING say what
 * the app was compiled against; ep_version() says what it runs with. A
 * change of EP_VERSION_MAJOR may break source or binary compatibility;
 * calculator plugins carry their own EP_CALCULATOR_ABI. */
#ifndef EDGEPIPE_EDGEPIPE_H
#define EDGEPIPE_EDGEPIPE_H

#include "edgepipe/calculator.h"
#include "edgepipe/common.h"
#include "edgepipe/detection.h"
#include "edgepipe/error.h"
#include "edgepipe/float_array.h"
#include "edgepipe/graph.h"
#include "edgepipe/image_frame.h"
#include "edgepipe/image_packet.h"
#include "edgepipe/packet.h"
#include "edgepipe/registry.h"
#include "edgepipe/render_data.h"
#include "edgepipe/tensor.h"
#include "edgepipe/timestamp.h"
#include "edgepipe/type.h"

#endif
