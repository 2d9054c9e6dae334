/* stream.h — streams and input queues while a graph runs (internal).
 *
 * A stream has one producer (a node, or the application for a graph input
 * stream) and any number of consumers, each with its own input queue. The
 * producer side (prod_next) is touched only by the thread running the
 * producer; everything else is guarded by the graph lock. A stream's bound
 * `next` is the smallest timestamp a packet it has not yet delivered may
 * carry: Done once it is closed.
 *
 * An input queue is full at `max` packets (0: never); a full queue throttles
 * the sources upstream of it (see scheduler.c). */
#ifndef EDGEPIPE_STREAM_H
#define EDGEPIPE_STREAM_H

#include "edgepipe/packet.h"

typedef struct ep__node ep__node;
typedef struct ep__input ep__input;

typedef struct ep__stream {
  const char *name;   /* borrowed from the config */
  ep__node *producer; /* NULL: a graph input stream */
  int slot;           /* index among the producer's outputs */
  ep__input **consumers;
  size_t n_consumers;
  ep_timestamp prod_next; /* producer side: next timestamp allowed */
  ep_timestamp next;      /* shared (graph lock): the bound consumers see */
  uint64_t packets;       /* packets sent (graph lock) */
  int throttle;           /* graph input streams: full queues downstream */
  int blocked_adders;     /* ep_graph_add_packet calls waiting for room */
  bool has_poller;        /* a consumer is a poller: wake the pollers */
  bool lat_entry;         /* latency: where timestamps enter the graph */
  int lat_out;            /* latency: graph output stream index + 1, or 0 */
} ep__stream;

struct ep__input {
  ep__stream *src;
  ep__node *node; /* consumer; NULL for a poller */
  int slot;       /* index among the node's inputs */
  bool back_edge;
  /* ring of packets (graph lock) */
  ep_packet **ring;
  size_t cap, head, len;
  size_t max;  /* full at this many; 0: unbounded */
  size_t peak; /* the most it ever held */
  bool full;
  ep__node **sources; /* source nodes this queue throttles when full */
  size_t n_sources;
  ep__stream **gsources; /* graph input streams it throttles */
  size_t n_gsources;
};

/* Appends p (transfer full). EP_ENOMEM if the ring cannot grow (p is then
 * released). */
int ep__input_push(ep__input *in, ep_packet *p);

/* The oldest packet (transfer none), or NULL. */
static inline ep_packet *ep__input_front(const ep__input *in) {
  return in->len ? in->ring[in->head] : NULL;
}

/* Removes and returns the oldest packet (transfer full). */
ep_packet *ep__input_pop(ep__input *in);

/* Releases every queued packet; returns how many there were. */
size_t ep__input_clear(ep__input *in);

/* The timestamp of the front packet, or else the stream's bound: the
 * smallest timestamp this input can still deliver. */
ep_timestamp ep__input_next(const ep__input *in);

/* True once the stream is closed and the queue drained. */
static inline bool ep__input_done(const ep__input *in) {
  return in->len == 0 && in->src->next == EP_TS_DONE;
}

void ep__input_free(ep__input *in);

#endif
