/* video_probe.h — reads back what pipe-run wrote, with plain GStreamer
 * (decodebin ! videoconvert ! RGB ! appsink), independent of edgepipe's
 * video calculators. */
#ifndef EDGEPIPE_TEST_VIDEO_PROBE_H
#define EDGEPIPE_TEST_VIDEO_PROBE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct video_probe {
  int frames;        /* decoded frames */
  int width, height; /* of the first frame */
  int stride;        /* bytes per row of first */
  uint8_t *first;    /* the first frame, RGB (malloc'd) */
  int boxed;         /* frames with an overlay box's worth of pure red */
} video_probe;

/* Decodes every frame of the file at path. False (with a message on
 * stderr) when GStreamer cannot. */
bool video_probe_file(const char *path, video_probe *out);
void video_probe_clear(video_probe *p);

/* The RGB pixel at (x, y) of the first frame. */
const uint8_t *video_probe_pixel(const video_probe *p, int x, int y);

#endif
