/* detection.c — vectors of relative-box detections ("Detections"), and
 * their JSON form for logs and `pipe-run --print`. */
#include "edgepipe/detection.h"

#include "edgepipe/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ep_detections *ep_detections_new(void) {
  return calloc(1, sizeof(ep_detections));
}

int ep_detections_push(ep_detections *ds, const ep_detection *d) {
  if (!ds || !d)
    return EP_EINVAL;
  if (ds->n == ds->cap) {
    size_t cap = ds->cap ? ds->cap * 2 : 8;
    ep_detection *v = realloc(ds->v, cap * sizeof *v);
    if (!v)
      return EP_ENOMEM;
    ds->v = v;
    ds->cap = cap;
  }
  ds->v[ds->n++] = *d;
  return 0;
}

void ep_detections_free(ep_detections *ds) {
  if (!ds)
    return;
  free(ds->v);
  free(ds);
}

/* snprintf-style appender: counts what it would need past the buffer. */
typedef struct out {
  char *buf;
  size_t n, len;
} out;

static void put(out *o, const char *fmt, ...) EP_PRINTF(2, 3);
static void put(out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t room = o->len < o->n ? o->n - o->len : 0;
  int k = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
  va_end(ap);
  if (k > 0)
    o->len += (size_t)k;
}

static void put_label(out *o, const char *s) {
  put(o, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      put(o, "\\%c", c);
    else if (c < 0x20)
      put(o, "\\u%04x", c);
    else
      put(o, "%c", c);
  }
  put(o, "\"");
}

static void put_detection(out *o, const ep_detection *d) {
  put(o, "{\"score\":%.6g,\"label\":", d->score);
  put_label(o, d->label);
  put(o,
      ",\"label_id\":%d,\"box\":{\"xmin\":%.6g,\"ymin\":%.6g,"
      "\"width\":%.6g,\"height\":%.6g},\"keypoints\":[",
      d->label_id, d->xmin, d->ymin, d->width, d->height);
  for (int k = 0; k < d->n_keypoints && k < EP_DETECTION_MAX_KEYPOINTS; k++)
    put(o, "%s[%.6g,%.6g]", k ? "," : "", d->keypoints[k].x, d->keypoints[k].y);
  put(o, "]}");
}

static int detections_describe(const void *data, char *buf, size_t n) {
  const ep_detections *ds = data;
  out o = {buf, n, 0};
  if (n)
    buf[0] = '\0';
  put(&o, "[");
  for (size_t i = 0; i < ds->n; i++) {
    if (i)
      put(&o, ",");
    put_detection(&o, &ds->v[i]);
  }
  put(&o, "]");
  return (int)o.len;
}

static void detections_free(void *data) { ep_detections_free(data); }

const ep_type ep_type_detections = {"Detections", detections_free,
                                    detections_describe};
