/* packet_json.c — --print's JSON lines (see packet_json.h). */
#include "packet_json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/error.h"

/* The type's describe() text in buf, or a malloc'd one when it needs more
 * room; "null" without a describe(). Returns what to print (free it when
 * it is not buf), or NULL when out of memory. */
static char *describe(ep_packet *p, char *buf, size_t n) {
  const ep_type *t = ep_packet_type(p);
  if (!t->describe) {
    snprintf(buf, n, "null");
    return buf;
  }
  int need = t->describe(ep_packet_data(p), buf, n);
  if (need < 0)
    return strcpy(buf, "null");
  if ((size_t)need < n)
    return buf;
  char *big = malloc((size_t)need + 1);
  if (big)
    t->describe(ep_packet_data(p), big, (size_t)need + 1);
  return big;
}

int ep__packet_json_write(FILE *f, const char *stream, ep_packet *p) {
  char buf[1024];
  char *val = describe(p, buf, sizeof buf);
  if (!val)
    return EP_ENOMEM;
  const ep_type *t = ep_packet_type(p);
  ep_timestamp ts = ep_packet_timestamp(p);
  char tsbuf[32];
  flockfile(f);
  fprintf(f, "{\"stream\":\"%s\",", stream);
  if (ep_timestamp_is_range_value(ts))
    fprintf(f, "\"timestamp_us\":%" PRId64, (int64_t)ts);
  else
    fprintf(f, "\"timestamp_us\":\"%s\"",
            ep_timestamp_str(ts, tsbuf, sizeof tsbuf));
  if (strcmp(t->name, "Detections") == 0)
    fprintf(f, ",\"detections\":%s}\n", val);
  else
    fprintf(f, ",\"type\":\"%s\",\"value\":%s}\n", t->name, val);
  int rc = fflush(f) != 0 || ferror(f) ? EP_EIO : 0;
  funlockfile(f);
  if (val != buf)
    free(val);
  return rc;
}
