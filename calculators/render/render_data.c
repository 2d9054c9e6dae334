/* render_data.c — the "RenderData" type: a growable list of annotations. */
#include "edgepipe/render_data.h"

#include "edgepipe/error.h"

#include <stdio.h>
#include <stdlib.h>

ep_render_data *ep_render_data_new(void) {
  return calloc(1, sizeof(ep_render_data));
}

int ep_render_data_push(ep_render_data *rd, const ep_render_annotation *a) {
  if (!rd || !a)
    return EP_EINVAL;
  if (rd->n == rd->cap) {
    size_t cap = rd->cap ? rd->cap * 2 : 16;
    ep_render_annotation *v = realloc(rd->v, cap * sizeof *v);
    if (!v)
      return EP_ENOMEM;
    rd->v = v;
    rd->cap = cap;
  }
  rd->v[rd->n++] = *a;
  return 0;
}

void ep_render_data_free(ep_render_data *rd) {
  if (!rd)
    return;
  free(rd->v);
  free(rd);
}

static int render_data_describe(const void *data, char *buf, size_t n) {
  const ep_render_data *rd = data;
  size_t count[4] = {0};
  for (size_t i = 0; i < rd->n; i++)
    if ((unsigned)rd->v[i].kind < 4)
      count[rd->v[i].kind]++;
  return snprintf(buf, n,
                  "{\"rectangles\":%zu,\"points\":%zu,\"lines\":%zu,"
                  "\"texts\":%zu}",
                  count[0], count[1], count[2], count[3]);
}

static void render_data_free(void *data) { ep_render_data_free(data); }

const ep_type ep_type_render_data = {"RenderData", render_data_free,
                                     render_data_describe};
