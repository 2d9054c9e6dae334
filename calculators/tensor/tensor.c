/* tensor.c — refcounted n-dimensional arrays and the Tensors vector.
 *
 * The header and the data live in one allocation: the data starts at the
 * first 64-byte boundary after the header, so SIMD kernels (XNNPACK) can
 * read it with aligned loads. */
#include "edgepipe/tensor.h"

#include "edgepipe/error.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ep_tensor {
  atomic_int refs;
  ep_dtype dtype;
  int ndims;
  int dims[EP_TENSOR_MAX_DIMS];
  size_t count;
  unsigned char *data;
};

size_t ep_dtype_size(ep_dtype t) {
  switch (t) {
  case EP_DTYPE_FLOAT32:
  case EP_DTYPE_INT32:
    return 4;
  case EP_DTYPE_FLOAT16:
    return 2;
  case EP_DTYPE_INT8:
  case EP_DTYPE_UINT8:
    return 1;
  }
  return 0;
}

const char *ep_dtype_name(ep_dtype t) {
  switch (t) {
  case EP_DTYPE_FLOAT32:
    return "float32";
  case EP_DTYPE_FLOAT16:
    return "float16";
  case EP_DTYPE_INT8:
    return "int8";
  case EP_DTYPE_UINT8:
    return "uint8";
  case EP_DTYPE_INT32:
    return "int32";
  }
  return "unknown";
}

/* Element count of a shape, or SIZE_MAX when it overflows a byte size. */
static size_t shape_count(int ndims, const int *dims, size_t elem) {
  size_t n = 1;
  for (int i = 0; i < ndims; i++) {
    size_t d = (size_t)dims[i];
    if (d && n > SIZE_MAX / 2 / elem / d)
      return SIZE_MAX;
    n *= d;
  }
  return n;
}

ep_tensor *ep_tensor_new(ep_dtype dtype, int ndims, const int *dims) {
  size_t elem = ep_dtype_size(dtype);
  if (!elem || ndims < 0 || ndims > EP_TENSOR_MAX_DIMS || (ndims > 0 && !dims))
    return NULL;
  for (int i = 0; i < ndims; i++)
    if (dims[i] < 0)
      return NULL;
  size_t count = shape_count(ndims, dims, elem);
  if (count == SIZE_MAX)
    return NULL;
  size_t head = (sizeof(ep_tensor) + EP_TENSOR_ALIGN - 1) / EP_TENSOR_ALIGN *
                EP_TENSOR_ALIGN;
  size_t bytes = count * elem;
  /* Round up so aligned_alloc's size rule holds and a zero-sized tensor
   * still has a valid data pointer. */
  size_t total =
      (head + bytes + EP_TENSOR_ALIGN - 1) / EP_TENSOR_ALIGN * EP_TENSOR_ALIGN;
  unsigned char *mem = aligned_alloc(EP_TENSOR_ALIGN, total);
  if (!mem)
    return NULL;
  memset(mem, 0, total);
  ep_tensor *t = (ep_tensor *)mem;
  atomic_init(&t->refs, 1);
  t->dtype = dtype;
  t->ndims = ndims;
  for (int i = 0; i < ndims; i++)
    t->dims[i] = dims[i];
  t->count = count;
  t->data = mem + head;
  return t;
}

ep_tensor *ep_tensor_ref(ep_tensor *t) {
  if (t)
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
  return t;
}

void ep_tensor_unref(ep_tensor *t) {
  if (t && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
    free(t);
}

ep_dtype ep_tensor_dtype(const ep_tensor *t) { return t->dtype; }
int ep_tensor_ndims(const ep_tensor *t) { return t->ndims; }
int ep_tensor_dim(const ep_tensor *t, int i) {
  return i >= 0 && i < t->ndims ? t->dims[i] : 0;
}
size_t ep_tensor_count(const ep_tensor *t) { return t->count; }
size_t ep_tensor_bytes(const ep_tensor *t) {
  return t->count * ep_dtype_size(t->dtype);
}
void *ep_tensor_data(ep_tensor *t) { return t->data; }
const void *ep_tensor_cdata(const ep_tensor *t) { return t->data; }

ep_tensors *ep_tensors_new(void) { return calloc(1, sizeof(ep_tensors)); }

int ep_tensors_push(ep_tensors *ts, ep_tensor *t) {
  if (!ts || !t) {
    ep_tensor_unref(t);
    return EP_EINVAL;
  }
  ep_tensor **v = realloc(ts->v, (ts->n + 1) * sizeof *v);
  if (!v) {
    ep_tensor_unref(t);
    return EP_ENOMEM;
  }
  v[ts->n++] = t;
  ts->v = v;
  return 0;
}

void ep_tensors_free(ep_tensors *ts) {
  if (!ts)
    return;
  for (size_t i = 0; i < ts->n; i++)
    ep_tensor_unref(ts->v[i]);
  free(ts->v);
  free(ts);
}

static void tensors_free(void *data) { ep_tensors_free(data); }

/* [{"dtype":"float32","shape":[1,896,16]},...] */
static int tensors_describe(const void *data, char *buf, size_t n) {
  const ep_tensors *ts = data;
  size_t k = 0;
#define OUT(...)                                                               \
  do {                                                                         \
    int w = snprintf(k < n ? buf + k : NULL, k < n ? n - k : 0, __VA_ARGS__);  \
    if (w > 0)                                                                 \
      k += (size_t)w;                                                          \
  } while (0)
  OUT("[");
  for (size_t i = 0; i < ts->n; i++) {
    const ep_tensor *t = ts->v[i];
    OUT("%s{\"dtype\":\"%s\",\"shape\":[", i ? "," : "",
        ep_dtype_name(t->dtype));
    for (int d = 0; d < t->ndims; d++)
      OUT("%s%d", d ? "," : "", t->dims[d]);
    OUT("]}");
  }
  OUT("]");
#undef OUT
  return (int)k;
}

const ep_type ep_type_tensors = {"Tensors", tensors_free, tensors_describe};
