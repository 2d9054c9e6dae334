/* float_array.c — the "FloatArray" type. */
#include "edgepipe/float_array.h"

#include <stdio.h>
#include <stdlib.h>

ep_float_array *ep_float_array_new(size_t n) {
  if (n > (1u << 20))
    return NULL;
  ep_float_array *a = calloc(1, sizeof *a + n * sizeof(float));
  if (a)
    a->n = n;
  return a;
}

/* Appends with snprintf semantics, counting past the end of buf. */
static void put(char *buf, size_t n, size_t *len, const char *s, double v) {
  size_t room = *len < n ? n - *len : 0;
  int k = s ? snprintf(room ? buf + *len : NULL, room, "%s", s)
            : snprintf(room ? buf + *len : NULL, room, "%.9g", v);
  *len += k > 0 ? (size_t)k : 0;
}

static int float_array_describe(const void *data, char *buf, size_t n) {
  const ep_float_array *a = data;
  size_t len = 0;
  put(buf, n, &len, "[", 0);
  for (size_t i = 0; i < a->n; i++) {
    if (i)
      put(buf, n, &len, ",", 0);
    put(buf, n, &len, NULL, (double)a->v[i]);
  }
  put(buf, n, &len, "]", 0);
  return (int)len;
}

const ep_type ep_type_float_array = {"FloatArray", free, float_array_describe};
