/* inference_session.c — a model plus a backend, and the input checks
 * between a Tensors packet and the model. */
#include "inference_session.h"

#include "diag.h"
#include "edgepipe/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ep__infer_session {
  ep__model *model;
  const ep__backend *backend;
  void *state;
};

static const ep__backend *pick_backend(const char *delegate) {
#if defined(EP_HAVE_XNNPACK) && defined(EP_INFER_XNN_BACKEND)
  if (!delegate || strcmp(delegate, "reference") != 0)
    return &ep__backend_xnnpack;
#else
  (void)delegate; /* without XNNPACK every delegate runs the reference */
#endif
  return &ep__backend_reference;
}

int ep__infer_session_open(const char *model_path, const char *delegate,
                           int num_threads, ep__infer_session **out,
                           char **msg) {
  *out = NULL;
  if (msg)
    *msg = NULL;
  if (delegate && strcmp(delegate, "xnnpack") != 0 &&
      strcmp(delegate, "reference") != 0) {
    if (msg)
      *msg = ep__strdup_printf("unknown delegate \"%s\" (xnnpack or "
                               "reference)",
                               delegate);
    return EP_EINVAL;
  }
  ep__infer_session *s = calloc(1, sizeof *s);
  if (!s)
    return EP_ENOMEM;
  int rc = ep__model_load(model_path, &s->model, msg);
  if (!rc) {
    s->backend = pick_backend(delegate);
    rc = s->backend->prepare(s->model, num_threads, &s->state, msg);
    if (rc && msg && !*msg)
      *msg = ep__strdup_printf("%s: the %s backend failed: %s", model_path,
                               s->backend->name, ep_strerror(rc));
  }
  if (rc) {
    ep__infer_session_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

const char *ep__infer_session_backend(const ep__infer_session *s) {
  return s->backend->name;
}

const ep__model *ep__infer_session_model(const ep__infer_session *s) {
  return s->model;
}

/* "float32 [1,128,128,3]" */
static void describe(char *buf, size_t n, const char *dtype, int nd,
                     const int *d) {
  size_t k = (size_t)snprintf(buf, n, "%s [", dtype);
  for (int i = 0; i < nd && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%d", i ? "," : "", d[i]);
  if (k < n)
    snprintf(buf + k, n - k, "]");
}

/* Same shape once leading 1s are dropped ([128,128,3] fits [1,128,128,3]). */
static bool same_shape(int na, const int *a, int nb, const int *b) {
  while (na > 0 && a[0] == 1)
    a++, na--;
  while (nb > 0 && b[0] == 1)
    b++, nb--;
  return ep__dims_equal(na, a, nb, b);
}

static int check_inputs(const ep__infer_session *s, const ep_tensors *in,
                        char **msg) {
  const ep__model *m = s->model;
  if (!in || in->n != m->n_inputs) {
    *msg = ep__strdup_printf("%s: expected %zu input tensor(s), got %zu",
                             m->name, m->n_inputs, in ? in->n : 0);
    return EP_EINVAL;
  }
  for (size_t i = 0; i < in->n; i++) {
    const ep__mtensor *want = &m->tensors[m->inputs[i]];
    const ep_tensor *t = in->v[i];
    int nd = ep_tensor_ndims(t), dims[EP_TENSOR_MAX_DIMS];
    for (int k = 0; k < nd; k++)
      dims[k] = ep_tensor_dim(t, k);
    if (ep_tensor_dtype(t) == EP_DTYPE_FLOAT32 &&
        same_shape(nd, dims, want->ndims, want->dims))
      continue;
    char e[160], g[160];
    describe(e, sizeof e, "float32", want->ndims, want->dims);
    describe(g, sizeof g, ep_dtype_name(ep_tensor_dtype(t)), nd, dims);
    *msg = ep__strdup_printf("%s: input tensor %zu: expected %s, got %s",
                             m->name, i, e, g);
    return EP_EINVAL;
  }
  return 0;
}

static int new_outputs(const ep__model *m, ep_tensors **out) {
  ep_tensors *ts = ep_tensors_new();
  if (!ts)
    return EP_ENOMEM;
  for (size_t i = 0; i < m->n_outputs; i++) {
    const ep__mtensor *t = &m->tensors[m->outputs[i]];
    if (ep_tensors_push(
            ts, ep_tensor_new(EP_DTYPE_FLOAT32, t->ndims, t->dims)) != 0) {
      ep_tensors_free(ts);
      return EP_ENOMEM;
    }
  }
  *out = ts;
  return 0;
}

int ep__infer_session_run(ep__infer_session *s, const ep_tensors *in,
                          ep_tensors **out, char **msg) {
  enum { MAX_IO = 16 };
  *out = NULL;
  *msg = NULL;
  const ep__model *m = s->model;
  if (m->n_inputs > MAX_IO || m->n_outputs > MAX_IO) {
    *msg = ep__strdup_printf("%s: more than %d inputs or outputs", m->name,
                             MAX_IO);
    return EP_EUNSUPPORTED;
  }
  int rc = check_inputs(s, in, msg);
  ep_tensors *res = NULL;
  if (rc || (rc = new_outputs(m, &res)))
    return rc;
  const float *ip[MAX_IO];
  float *op[MAX_IO];
  for (size_t i = 0; i < m->n_inputs; i++)
    ip[i] = ep_tensor_cdata(in->v[i]);
  for (size_t i = 0; i < m->n_outputs; i++)
    op[i] = ep_tensor_data(res->v[i]);
  rc = s->backend->run(s->state, ip, op, msg);
  if (rc) {
    ep_tensors_free(res);
    if (!*msg)
      *msg = ep__strdup_printf("%s: %s backend: %s", m->name, s->backend->name,
                               ep_strerror(rc));
    return rc;
  }
  *out = res;
  return 0;
}

void ep__infer_session_free(ep__infer_session *s) {
  if (!s)
    return;
  if (s->backend)
    s->backend->free(s->state);
  ep__model_free(s->model);
  free(s);
}
