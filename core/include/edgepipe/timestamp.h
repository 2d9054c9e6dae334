/* timestamp.h — packet timestamps.
 *
 * A timestamp is an int64 count of microseconds. As in MediaPipe, a few
 * values at the ends of the range are special: Unset (no timestamp yet),
 * Unstarted (a stream before its first packet), PreStream (a packet before
 * any real data, e.g. a header), Min/Max (the range real data may use),
 * PostStream (a packet after all data) and Done (the stream is closed; no
 * packet can have it). Ordinary timestamps lie in [Min, Max]. */
#ifndef EDGEPIPE_TIMESTAMP_H
#define EDGEPIPE_TIMESTAMP_H

#include "edgepipe/common.h"

typedef int64_t ep_timestamp;

#define EP_TS_UNSET ((ep_timestamp)INT64_MIN)
#define EP_TS_UNSTARTED ((ep_timestamp)INT64_MIN + 1)
#define EP_TS_PRESTREAM ((ep_timestamp)INT64_MIN + 2)
#define EP_TS_MIN ((ep_timestamp)INT64_MIN + 3)
#define EP_TS_MAX ((ep_timestamp)INT64_MAX - 2)
#define EP_TS_POSTSTREAM ((ep_timestamp)INT64_MAX - 1)
#define EP_TS_DONE ((ep_timestamp)INT64_MAX)

/* True for a timestamp a packet may carry: [Min, Max], PreStream or
 * PostStream. */
EP_API bool ep_timestamp_is_allowed_in_stream(ep_timestamp ts);

/* True for ordinary data timestamps: [Min, Max]. */
EP_API bool ep_timestamp_is_range_value(ep_timestamp ts);

/* The smallest timestamp that may follow ts on a stream, as MediaPipe's
 * NextAllowedInStream: ts + 1 for range values, Done after PreStream's
 * successor logic (PreStream -> Min, Max/PostStream -> Done). */
EP_API ep_timestamp ep_timestamp_next_allowed(ep_timestamp ts);

/* Writes a readable form ("123", "PreStream", "Done") into buf (size n) and
 * returns buf. n >= 24 always fits. */
EP_API const char *ep_timestamp_str(ep_timestamp ts, char *buf, size_t n);

#endif
