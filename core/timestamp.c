/* timestamp.c — special timestamp values and their successors. */
#include "edgepipe/timestamp.h"

#include <inttypes.h>
#include <stdio.h>

bool ep_timestamp_is_range_value(ep_timestamp ts) {
  return ts >= EP_TS_MIN && ts <= EP_TS_MAX;
}

bool ep_timestamp_is_allowed_in_stream(ep_timestamp ts) {
  return ep_timestamp_is_range_value(ts) || ts == EP_TS_PRESTREAM ||
         ts == EP_TS_POSTSTREAM;
}

ep_timestamp ep_timestamp_next_allowed(ep_timestamp ts) {
  /* A PreStream packet is alone on its stream until real data; Max and
   * PostStream are the last a stream can carry. */
  if (ts == EP_TS_PRESTREAM)
    return EP_TS_MIN;
  if (ts >= EP_TS_MAX)
    return EP_TS_DONE;
  if (ts < EP_TS_MIN)
    return EP_TS_MIN;
  return ts + 1;
}

const char *ep_timestamp_str(ep_timestamp ts, char *buf, size_t n) {
  const char *name = NULL;
  switch (ts) {
  case EP_TS_UNSET:
    name = "Unset";
    break;
  case EP_TS_UNSTARTED:
    name = "Unstarted";
    break;
  case EP_TS_PRESTREAM:
    name = "PreStream";
    break;
  case EP_TS_MIN:
    name = "Min";
    break;
  case EP_TS_MAX:
    name = "Max";
    break;
  case EP_TS_POSTSTREAM:
    name = "PostStream";
    break;
  case EP_TS_DONE:
    name = "Done";
    break;
  default:
    break;
  }
  if (name)
    snprintf(buf, n, "%s", name);
  else
    snprintf(buf, n, "%" PRId64, ts);
  return buf;
}
