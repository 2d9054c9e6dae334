/* packet.c — refcounted packets around shared payloads.
 *
 * A new packet and its payload come from one allocation (the common case:
 * a calculator makes a value and sends it once). ep_packet_at() makes a
 * lone packet that references the payload of another. The block is freed
 * when the payload's count reaches zero, which happens after its own
 * packet has gone, since that packet holds a payload reference. */
#include "edgepipe/packet.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct ep_payload {
  atomic_long refs;
  const ep_type *type;
  void *data;
  void (*release)(void *data, void *user);
  void *user;
  union {
    int64_t i;
    double f;
    bool b;
  } inl;
} ep_payload;

struct ep_packet {
  atomic_long refs;
  ep_timestamp ts;
  ep_payload *pl;
  bool embedded; /* lives inside its payload's block */
};

typedef struct ep_block {
  ep_payload pl;
  ep_packet pk;
} ep_block;

static atomic_long live_packets;

long ep_packet_live_count(void) { return atomic_load(&live_packets); }

static void payload_unref(ep_payload *pl) {
  if (atomic_fetch_sub_explicit(&pl->refs, 1, memory_order_acq_rel) != 1)
    return;
  if (pl->release)
    pl->release(pl->data, pl->user);
  else if (pl->type->free && pl->data != &pl->inl)
    pl->type->free(pl->data);
  free(pl); /* the payload is the first member of its block */
}

static ep_packet *block_new(const ep_type *type, ep_timestamp ts) {
  ep_block *b = malloc(sizeof *b);
  if (!b)
    return NULL;
  atomic_init(&b->pl.refs, 1);
  b->pl.type = type;
  b->pl.data = NULL;
  b->pl.release = NULL;
  b->pl.user = NULL;
  atomic_init(&b->pk.refs, 1);
  b->pk.ts = ts;
  b->pk.pl = &b->pl;
  b->pk.embedded = true;
  atomic_fetch_add(&live_packets, 1);
  return &b->pk;
}

ep_packet *ep_packet_new(const ep_type *type, void *data, ep_timestamp ts) {
  ep_packet *p = type ? block_new(type, ts) : NULL;
  if (!p) {
    if (type && type->free && data)
      type->free(data);
    return NULL;
  }
  p->pl->data = data;
  return p;
}

ep_packet *ep_packet_wrap(const ep_type *type, void *data,
                          void (*release)(void *data, void *user), void *user,
                          ep_timestamp ts) {
  ep_packet *p = type ? block_new(type, ts) : NULL;
  if (!p) {
    if (release)
      release(data, user);
    return NULL;
  }
  p->pl->data = data;
  p->pl->release = release;
  p->pl->user = user;
  return p;
}

static ep_packet *new_inline(const ep_type *type, ep_timestamp ts) {
  ep_packet *p = block_new(type, ts);
  if (p)
    p->pl->data = &p->pl->inl;
  return p;
}

ep_packet *ep_packet_new_int(int64_t v, ep_timestamp ts) {
  ep_packet *p = new_inline(&ep_type_int, ts);
  if (p)
    p->pl->inl.i = v;
  return p;
}

ep_packet *ep_packet_new_float(double v, ep_timestamp ts) {
  ep_packet *p = new_inline(&ep_type_float, ts);
  if (p)
    p->pl->inl.f = v;
  return p;
}

ep_packet *ep_packet_new_bool(bool v, ep_timestamp ts) {
  ep_packet *p = new_inline(&ep_type_bool, ts);
  if (p)
    p->pl->inl.b = v;
  return p;
}

ep_packet *ep_packet_new_string(const char *s, ep_timestamp ts) {
  char *copy = strdup(s ? s : "");
  if (!copy)
    return NULL;
  return ep_packet_new(&ep_type_string, copy, ts);
}

ep_packet *ep_packet_at(const ep_packet *p, ep_timestamp ts) {
  ep_packet *q = malloc(sizeof *q);
  if (!q)
    return NULL;
  atomic_fetch_add_explicit(&p->pl->refs, 1, memory_order_relaxed);
  atomic_init(&q->refs, 1);
  q->ts = ts;
  q->pl = p->pl;
  q->embedded = false;
  atomic_fetch_add(&live_packets, 1);
  return q;
}

ep_packet *ep_packet_ref(ep_packet *p) {
  atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
  return p;
}

void ep_packet_unref(ep_packet *p) {
  if (!p)
    return;
  if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
    return;
  atomic_fetch_sub(&live_packets, 1);
  ep_payload *pl = p->pl;
  if (!p->embedded)
    free(p);
  payload_unref(pl);
}

ep_timestamp ep_packet_timestamp(const ep_packet *p) { return p->ts; }
const ep_type *ep_packet_type(const ep_packet *p) { return p->pl->type; }
const void *ep_packet_data(const ep_packet *p) { return p->pl->data; }

int64_t ep_packet_get_int(const ep_packet *p) {
  return p->pl->type == &ep_type_int ? p->pl->inl.i : 0;
}

double ep_packet_get_float(const ep_packet *p) {
  return p->pl->type == &ep_type_float ? p->pl->inl.f : 0.0;
}

bool ep_packet_get_bool(const ep_packet *p) {
  return p->pl->type == &ep_type_bool ? p->pl->inl.b : false;
}

const char *ep_packet_get_string(const ep_packet *p) {
  return p->pl->type == &ep_type_string ? p->pl->data : NULL;
}
