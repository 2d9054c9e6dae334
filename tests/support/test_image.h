/* test_image.h — test data for the vision tests: PNG files decoded by
 * real GStreamer (gst-launch-1.0 ... pngdec ... RGB), found under
 * $EP_SOURCE_ROOT/tests/data. */
#ifndef EDGEPIPE_TEST_IMAGE_H
#define EDGEPIPE_TEST_IMAGE_H

#include "edgepipe/image_frame.h"

/* The absolute path of tests/data/<name> in a static buffer. */
const char *test_data_path(const char *name);

/* Decodes tests/data/<name> (a PNG) to an SRGB frame (transfer full), or
 * NULL with a message on stderr. */
ep_image_frame *test_load_png(const char *name);

#endif
