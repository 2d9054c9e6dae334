/* test_image.c — loads test PNGs through gst-launch-1.0 into ImageFrames.
 * The size comes from the PNG's IHDR chunk; GStreamer writes packed RGB
 * rows with a 4-byte-aligned stride, which the reader honours. */
#include "test_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *test_data_path(const char *name) {
  static char path[4096];
  const char *root = getenv("EP_SOURCE_ROOT");
  snprintf(path, sizeof path, "%s/tests/data/%s", root ? root : ".", name);
  return path;
}

static int png_size(const char *path, int *w, int *h) {
  unsigned char hdr[24];
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  size_t n = fread(hdr, 1, sizeof hdr, f);
  fclose(f);
  if (n != sizeof hdr || memcmp(hdr + 12, "IHDR", 4) != 0)
    return -1;
  *w = hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19];
  *h = hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23];
  return 0;
}

ep_image_frame *test_load_png(const char *name) {
  char path[4096], raw[] = "/tmp/ep-test-rgb-XXXXXX", cmd[9000];
  snprintf(path, sizeof path, "%s", test_data_path(name));
  int w, h, fd = mkstemp(raw);
  if (fd < 0 || png_size(path, &w, &h)) {
    fprintf(stderr, "test_load_png: cannot read %s\n", path);
    if (fd >= 0)
      close(fd), unlink(raw);
    return NULL;
  }
  close(fd);
  snprintf(cmd, sizeof cmd,
           "gst-launch-1.0 -q filesrc location='%s' ! pngdec ! videoconvert "
           "! video/x-raw,format=RGB ! filesink location='%s'",
           path, raw);
  ep_image_frame *fr = NULL;
  if (system(cmd) == 0)
    fr = ep_image_frame_new(EP_IMAGE_SRGB, w, h);
  FILE *f = fr ? fopen(raw, "rb") : NULL;
  size_t row = (size_t)w * 3, src_stride = (row + 3) & ~(size_t)3;
  unsigned char *buf = f ? malloc(src_stride) : NULL;
  for (int y = 0; buf && y < h; y++) {
    if (fread(buf, 1, y == h - 1 ? row : src_stride, f) < row) {
      ep_image_frame_unref(fr);
      fr = NULL;
      break;
    }
    memcpy(ep_image_frame_pixels(fr) + (size_t)y * ep_image_frame_stride(fr),
           buf, row);
  }
  free(buf);
  if (f)
    fclose(f);
  unlink(raw);
  if (!fr)
    fprintf(stderr, "test_load_png: gst-launch could not decode %s\n", path);
  return fr;
}
