/* packet.h — immutable, refcounted, timestamped payloads.
 *
 * A packet pairs a payload with a timestamp. The payload is shared: every
 * consumer of a stream gets a reference to the same packet, and
 * ep_packet_at() makes a packet with another timestamp around the same
 * payload, so nothing is copied. The count is atomic; packets may cross
 * threads freely. The payload is freed (by its type's free function, or by
 * the release callback it was wrapped with) when the last packet that holds
 * it goes.
 *
 * Ownership follows GStreamer's mini objects: a function that returns a new
 * packet gives the caller one reference (transfer full); ep_packet_unref()
 * gives one up. */
#ifndef EDGEPIPE_PACKET_H
#define EDGEPIPE_PACKET_H

#include "edgepipe/common.h"
#include "edgepipe/timestamp.h"
#include "edgepipe/type.h"

typedef struct ep_packet ep_packet;

/* Makes a packet of type `type` around `data` at `ts`. Takes ownership of
 * data: it is freed with type->free when the last reference goes, and also
 * at once when this fails. Returns a new packet (transfer full) or NULL on
 * out-of-memory or a NULL type. */
EP_API ep_packet *ep_packet_new(const ep_type *type, void *data,
                                ep_timestamp ts);

/* Wraps a buffer the caller owns, without copying. release(data, user) is
 * called once when the last reference goes (or at once if this fails);
 * release may be NULL. type->free is not called. Returns transfer full. */
EP_API ep_packet *ep_packet_wrap(const ep_type *type, void *data,
                                 void (*release)(void *data, void *user),
                                 void *user, ep_timestamp ts);

/* Packets of the built-in types; the value is stored inline (String copies
 * s). Return transfer full, or NULL on out-of-memory. */
EP_API ep_packet *ep_packet_new_int(int64_t v, ep_timestamp ts);
EP_API ep_packet *ep_packet_new_float(double v, ep_timestamp ts);
EP_API ep_packet *ep_packet_new_bool(bool v, ep_timestamp ts);
EP_API ep_packet *ep_packet_new_string(const char *s, ep_timestamp ts);

/* A new packet sharing p's payload, at ts (MediaPipe's Packet::At).
 * p: transfer none. Returns transfer full, or NULL on out-of-memory. */
EP_API ep_packet *ep_packet_at(const ep_packet *p, ep_timestamp ts);

/* Adds a reference and returns p. */
EP_API ep_packet *ep_packet_ref(ep_packet *p);

/* Drops a reference; frees the packet (and its payload, when no other
 * packet shares it) at zero. NULL is ignored. */
EP_API void ep_packet_unref(ep_packet *p);

/* Accessors; p: transfer none. */
EP_API ep_timestamp ep_packet_timestamp(const ep_packet *p);
EP_API const ep_type *ep_packet_type(const ep_packet *p);
EP_API const void *ep_packet_data(const ep_packet *p);

/* Typed reads of the built-ins. They return the value, or 0 / false / NULL
 * when the packet holds another type. */
EP_API int64_t ep_packet_get_int(const ep_packet *p);
EP_API double ep_packet_get_float(const ep_packet *p);
EP_API bool ep_packet_get_bool(const ep_packet *p);
EP_API const char *ep_packet_get_string(const ep_packet *p);

/* The number of packets alive in this process, for leak checks in tests. */
EP_API long ep_packet_live_count(void);

#endif
