/* gst_util.c — GStreamer start-up, bus errors and element making for the
 * video calculators. */
#include "gst_util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "edgepipe/error.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static char *init_error; /* set once by do_init, then read-only */

static void do_init(void) {
  GError *err = NULL;
  if (!gst_init_check(NULL, NULL, &err)) {
    init_error = ep__strdup_printf("cannot initialise GStreamer: %s",
                                   err ? err->message : "unknown reason");
    g_clear_error(&err);
  }
}

int ep__gst_init(char **errmsg) {
  pthread_once(&init_once, do_init);
  if (!init_error)
    return 0;
  if (errmsg)
    *errmsg = strdup(init_error);
  return EP_EUNSUPPORTED;
}

char *ep__gst_error_text(GstMessage *msg) {
  GError *err = NULL;
  gchar *dbg = NULL;
  gst_message_parse_error(msg, &err, &dbg);
  /* The debug text starts with a source location and may span lines; keep
   * its last line, which is the part a person can act on. */
  const char *detail = NULL;
  if (dbg) {
    char *nl;
    while ((nl = strrchr(dbg, '\n')) && nl[1] == '\0')
      *nl = '\0';
    detail = strrchr(dbg, '\n');
    detail = detail ? detail + 1 : dbg;
    const char *colon = strstr(detail, "): ");
    if (colon)
      detail = colon + 3;
  }
  char *text;
  if (detail && *detail && (!err || !strstr(err->message, detail)))
    text = ep__strdup_printf("%s (%s)", err ? err->message : "error", detail);
  else
    text = ep__strdup_printf("%s", err ? err->message : "error");
  g_clear_error(&err);
  g_free(dbg);
  return text;
}

char *ep__gst_bus_error(GstBus *bus, GstClockTime wait_ns) {
  GstMessage *m = gst_bus_timed_pop_filtered(bus, wait_ns, GST_MESSAGE_ERROR);
  if (!m)
    return NULL;
  char *text = ep__gst_error_text(m);
  gst_message_unref(m);
  return text;
}

static const char *package_of(const char *factory) {
  static const struct {
    const char *prefix, *package;
  } map[] = {
      {"x264", "gstreamer1.0-plugins-ugly"},
      {"av", "gstreamer1.0-libav"},
      {"vp8", "gstreamer1.0-plugins-good"},
      {"matroska", "gstreamer1.0-plugins-good"},
      {"webm", "gstreamer1.0-plugins-good"},
      {"mp4", "gstreamer1.0-plugins-good"},
      {"qt", "gstreamer1.0-plugins-good"},
      {"png", "gstreamer1.0-plugins-good"},
      {"jpeg", "gstreamer1.0-plugins-good"},
      {"v4l2", "gstreamer1.0-plugins-good"},
      {"autovideo", "gstreamer1.0-plugins-good"},
      {"h264parse", "gstreamer1.0-plugins-bad"},
  };
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    if (strncmp(factory, map[i].prefix, strlen(map[i].prefix)) == 0)
      return map[i].package;
  return "gstreamer1.0-plugins-base";
}

GstElement *ep__gst_make(const char *factory, char **errmsg) {
  GstElement *e = gst_element_factory_make(factory, NULL);
  if (!e && errmsg)
    *errmsg = ep__strdup_printf("GStreamer element '%s' is not installed "
                                "(Debian package %s)",
                                factory, package_of(factory));
  return e;
}

/* "a, b, c" for an enum property's value names (free() it); NULL for
 * other kinds. */
static char *enum_nicks(GParamSpec *ps) {
  if (!G_IS_PARAM_SPEC_ENUM(ps))
    return NULL;
  GEnumClass *ec = G_PARAM_SPEC_ENUM(ps)->enum_class;
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < ec->n_values; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", ec->values[i].value_nick);
  char *out = strdup(s->str);
  g_string_free(s, TRUE);
  return out;
}

int ep__gst_set(GstElement *e, const char *prop, const char *value,
                char **errmsg) {
  GParamSpec *ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop);
  if (!ps) {
    *errmsg = ep__strdup_printf("element '%s' has no property '%s'",
                                GST_OBJECT_NAME(e), prop);
    return EP_EINVAL;
  }
  GValue v = G_VALUE_INIT;
  g_value_init(&v, ps->value_type);
  if (!gst_value_deserialize(&v, value)) {
    g_value_unset(&v);
    char *choices = enum_nicks(ps);
    *errmsg = ep__strdup_printf(
        "bad value '%s' for %s's '%s'%s%s", value, GST_OBJECT_NAME(e), prop,
        choices ? "; one of: " : "", choices ? choices : "");
    free(choices);
    return EP_EINVAL;
  }
  g_object_set_property(G_OBJECT(e), prop, &v);
  g_value_unset(&v);
  return 0;
}
