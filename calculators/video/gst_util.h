/* gst_util.h — what the GStreamer-backed calculators share (internal).
 *
 * GStreamer is initialised once per process, on first use, from whichever
 * thread gets there first; the library never deinitialises it (only a
 * process that knows it is done with GStreamer may call gst_deinit()). */
#ifndef EDGEPIPE_GST_UTIL_H
#define EDGEPIPE_GST_UTIL_H

#include <gst/gst.h>

/* Initialises GStreamer once (thread-safe). 0, or EP_EUNSUPPORTED with
 * *errmsg set (free() it) when GStreamer cannot start. */
int ep__gst_init(char **errmsg);

/* Pops the first ERROR message on bus, if any, and returns it as one line
 * "message (details)" (free() it); NULL when there is none. Waits up to
 * wait_ns for one (0: do not wait). */
char *ep__gst_bus_error(GstBus *bus, GstClockTime wait_ns);

/* The text of an ERROR message as one line (free() it). */
char *ep__gst_error_text(GstMessage *msg);

/* Makes an element from factory, or NULL with *errmsg naming the factory
 * and the Debian package that usually provides it. */
GstElement *ep__gst_make(const char *factory, char **errmsg);

/* Sets a property from text, as gst-launch does ("speed-preset",
 * "ultrafast"); 0, or EP_EINVAL with *errmsg when the property does not
 * exist or the value does not parse. */
int ep__gst_set(GstElement *e, const char *prop, const char *value,
                char **errmsg);

#endif
