/* tensor.h — n-dimensional arrays for inference, and the Tensors type.
 *
 * A tensor has a dtype, a shape (up to EP_TENSOR_MAX_DIMS dims, row-major,
 * last dim fastest) and 64-byte-aligned data. Tensors are refcounted like
 * packets; a TENSORS stream carries an ep_tensors (a vector of tensor
 * references) as its payload, type name "Tensors". A tensor is writable
 * only while its creator holds the sole reference; once sent, treat it as
 * immutable. */
#ifndef EDGEPIPE_TENSOR_H
#define EDGEPIPE_TENSOR_H

#include "edgepipe/common.h"
#include "edgepipe/type.h"

#define EP_TENSOR_MAX_DIMS 8
#define EP_TENSOR_ALIGN 64

typedef enum ep_dtype {
  EP_DTYPE_FLOAT32,
  EP_DTYPE_FLOAT16,
  EP_DTYPE_INT8,
  EP_DTYPE_UINT8,
  EP_DTYPE_INT32
} ep_dtype;

typedef struct ep_tensor ep_tensor;

/* Size in bytes of one element; name such as "float32". */
EP_API size_t ep_dtype_size(ep_dtype t);
EP_API const char *ep_dtype_name(ep_dtype t);

/* A new zeroed tensor (transfer full), or NULL on out-of-memory or a bad
 * shape (ndims > EP_TENSOR_MAX_DIMS, a negative dim). */
EP_API ep_tensor *ep_tensor_new(ep_dtype dtype, int ndims, const int *dims);
EP_API ep_tensor *ep_tensor_ref(ep_tensor *t);
EP_API void ep_tensor_unref(ep_tensor *t); /* NULL is ignored */

/* Accessors (t: transfer none). */
EP_API ep_dtype ep_tensor_dtype(const ep_tensor *t);
EP_API int ep_tensor_ndims(const ep_tensor *t);
EP_API int ep_tensor_dim(const ep_tensor *t, int i);
EP_API size_t ep_tensor_count(const ep_tensor *t); /* elements */
EP_API size_t ep_tensor_bytes(const ep_tensor *t);
EP_API void *ep_tensor_data(ep_tensor *t); /* 64-byte aligned */
EP_API const void *ep_tensor_cdata(const ep_tensor *t);

/* A vector of tensors: the payload of a "Tensors" packet. */
typedef struct ep_tensors {
  size_t n;
  ep_tensor **v; /* each owned by the vector (one reference) */
} ep_tensors;

/* A new empty vector (transfer full), freed with ep_tensors_free. */
EP_API ep_tensors *ep_tensors_new(void);
/* Appends t (transfer full, in all cases). 0 or EP_ENOMEM. */
EP_API int ep_tensors_push(ep_tensors *ts, ep_tensor *t);
/* Unrefs every tensor and frees the vector. NULL is ignored. */
EP_API void ep_tensors_free(ep_tensors *ts);

/* The "Tensors" packet type; its payload is an ep_tensors*. */
EP_API extern const ep_type ep_type_tensors;

#endif
