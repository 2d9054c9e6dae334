/* stream.c — input queues: a growable ring of packet references per
 * consumer. All calls are made with the graph lock held. */
#include "stream.h"

#include <stdlib.h>

#include "edgepipe/error.h"

static int grow(ep__input *in) {
  size_t cap = in->cap ? in->cap * 2 : 16;
  ep_packet **ring = malloc(cap * sizeof *ring);
  if (!ring)
    return EP_ENOMEM;
  /* Unwrap the old ring into the start of the new one. */
  for (size_t i = 0; i < in->len; i++)
    ring[i] = in->ring[(in->head + i) & (in->cap - 1)];
  free(in->ring);
  in->ring = ring;
  in->cap = cap;
  in->head = 0;
  return 0;
}

int ep__input_push(ep__input *in, ep_packet *p) {
  if (in->len == in->cap && grow(in) < 0) {
    ep_packet_unref(p);
    return EP_ENOMEM;
  }
  in->ring[(in->head + in->len) & (in->cap - 1)] = p;
  in->len++;
  if (in->len > in->peak)
    in->peak = in->len;
  return 0;
}

ep_packet *ep__input_pop(ep__input *in) {
  if (!in->len)
    return NULL;
  ep_packet *p = in->ring[in->head];
  in->head = (in->head + 1) & (in->cap - 1);
  in->len--;
  return p;
}

size_t ep__input_clear(ep__input *in) {
  size_t n = in->len;
  while (in->len)
    ep_packet_unref(ep__input_pop(in));
  return n;
}

ep_timestamp ep__input_next(const ep__input *in) {
  return in->len ? ep_packet_timestamp(in->ring[in->head]) : in->src->next;
}

void ep__input_free(ep__input *in) {
  if (!in)
    return;
  ep__input_clear(in);
  free(in->ring);
  free(in->sources);
  free(in->gsources);
  free(in);
}
