/* gstedgepipe_session.c — loading, starting, feeding and draining the
 * element's graph. */
#include "gstedgepipe_session.h"

#include <stdlib.h>
#include <string.h>

#include "edgepipe/graph.h"
#include "graph_config.h"

struct ep_gst_session {
  char *path;
  char *text; /* the file's expanded graph plus the join node (pbtxt) */
  char *input, *output, *detections;
  char *side;
  int threads;
  ep_gst_result_fn fn;
  void *user;
  ep_graph *g; /* the running graph, or NULL */
};

/* --- picking the streams ------------------------------------------------- */

/* The type of node output stream `name` ("Any" when unresolved), or NULL
 * when no node produces it. */
static const char *stream_type(const ep_graph_config *cfg, const char **types,
                               const char *name) {
  size_t k = 0;
  for (size_t i = 0; i < cfg->n_nodes; i++)
    for (size_t j = 0; j < cfg->nodes[i].output_stream.n; j++, k++)
      if (types && strcmp(cfg->nodes[i].output_stream.v[j].name, name) == 0)
        return types[k];
  return NULL;
}

static char *names_of(const ep_ref_list *l) {
  GString *s = g_string_new(NULL);
  for (size_t i = 0; i < l->n; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", l->v[i].name);
  return g_string_free(s, FALSE);
}

static int pick_input(const ep_graph_config *cfg, const char *want, char **out,
                      char **err) {
  const ep_ref_list *l = &cfg->input_stream;
  for (size_t i = 0; want && *want && i < l->n; i++)
    if (strcmp(l->v[i].name, want) == 0) {
      *out = g_strdup(want);
      return 0;
    }
  if ((!want || !*want) && l->n == 1) {
    *out = g_strdup(l->v[0].name);
    return 0;
  }
  char *names = names_of(l);
  if (want && *want)
    *err = g_strdup_printf("input-stream \"%s\" is not an input stream of "
                           "the graph (it has: %s)",
                           want, names);
  else
    *err = g_strdup_printf("the graph has %zu input streams (%s): set "
                           "input-stream",
                           l->n, names);
  g_free(names);
  return EP_EINVAL;
}

/* A named stream must exist and carry `type` (or Any). */
static int check_named(const ep_graph_config *cfg, const char **types,
                       const char *prop, const char *want, const char *type,
                       char **err) {
  const char *t = stream_type(cfg, types, want);
  if (!t)
    *err = g_strdup_printf("%s \"%s\": no node of the graph outputs this "
                           "stream",
                           prop, want);
  else if (strcmp(t, type) != 0 && strcmp(t, "Any") != 0)
    *err = g_strdup_printf("%s \"%s\" carries %s, not %s", prop, want, t, type);
  return *err ? EP_EINVAL : 0;
}

/* How many graph output streams carry `type`; *first gets the first. */
static int count_outputs(const ep_graph_config *cfg, const char **types,
                         const char *type, const char **first) {
  const ep_ref_list *l = &cfg->output_stream;
  int found = 0;
  for (size_t i = 0; i < l->n; i++) {
    const char *t = stream_type(cfg, types, l->v[i].name);
    if (t && strcmp(t, type) == 0 && found++ == 0)
      *first = l->v[i].name;
  }
  return found;
}

/* The named stream, or the graph's only output stream of `type` (or, for
 * images, its only output of type Any, as after a PassThrough); none:
 * NULL. */
static int pick_output(const ep_graph_config *cfg, const char **types,
                       const char *prop, const char *want, const char *type,
                       char **out, char **err) {
  *out = NULL;
  if (want && *want) {
    int rc = check_named(cfg, types, prop, want, type, err);
    *out = rc ? NULL : g_strdup(want);
    return rc;
  }
  const char *first = NULL;
  int found = count_outputs(cfg, types, type, &first);
  if (found == 0 && strcmp(type, "ImageFrame") == 0 &&
      count_outputs(cfg, types, "Any", &first) == 1)
    found = 1;
  if (found > 1) {
    *err = g_strdup_printf("the graph has %d output streams of type %s: "
                           "set %s",
                           found, type, prop);
    return EP_EINVAL;
  }
  *out = found ? g_strdup(first) : NULL;
  return 0;
}

static int pick_streams(ep_gst_session *s, const ep_graph_config *cfg,
                        const ep_gst_session_params *p, char **err) {
  const char **types = ep__graph_config_output_types(cfg);
  int rc = pick_input(cfg, p->input_stream, &s->input, err);
  if (!rc)
    rc = pick_output(cfg, types, "output-stream", p->output_stream,
                     "ImageFrame", &s->output, err);
  if (!rc)
    rc = pick_output(cfg, types, "detections-stream", p->detections_stream,
                     "Detections", &s->detections, err);
  free((void *)types);
  return rc;
}

/* --- the graph text --------------------------------------------------------
 */

static char *graph_text(const ep_gst_session *s, const ep_graph_config *cfg) {
  char *base = ep__graph_config_to_pbtxt(cfg);
  if (!base)
    return NULL;
  GString *t = g_string_new(base);
  free(base);
  g_string_append_printf(t,
                         "node {\n  name: \"%s\"\n  calculator: \"%s\"\n"
                         "  input_stream: \"INPUT:%s\"\n",
                         EP_GST_JOIN_NODE, EP_GST_JOIN_CALCULATOR, s->input);
  if (s->output)
    g_string_append_printf(t, "  input_stream: \"IMAGE:%s\"\n", s->output);
  if (s->detections)
    g_string_append_printf(t, "  input_stream: \"DETECTIONS:%s\"\n",
                           s->detections);
  g_string_append_printf(t, "  output_stream: \"%s\"\n}\n", EP_GST_JOIN_STREAM);
  return g_string_free(t, FALSE);
}

/* Takes over a malloc'd message (or uses the code's text). */
static char *take_msg(char *msg, int rc) {
  char *m = g_strdup(msg ? msg : ep_strerror(rc));
  free(msg);
  if (m && *m && m[strlen(m) - 1] == '\n')
    m[strlen(m) - 1] = '\0';
  return m;
}

int ep__gst_session_load(const ep_gst_session_params *p, ep_gst_result_fn fn,
                         void *user, ep_gst_session **out, char **err) {
  *out = NULL;
  *err = NULL;
  if (!p->graph || !*p->graph) {
    *err = g_strdup("no graph: set the graph property to a .pbtxt or .yaml "
                    "file");
    return EP_EINVAL;
  }
  ep_graph_config *cfg = NULL;
  char *msg = NULL;
  int rc = ep__graph_config_load_file(p->graph, &cfg, &msg);
  if (!rc)
    rc = ep__graph_config_validate(cfg, &msg);
  if (rc < 0) {
    *err = take_msg(msg, rc);
    ep__graph_config_free(cfg);
    return rc;
  }
  ep_gst_session *s = g_new0(ep_gst_session, 1);
  s->path = g_strdup(p->graph);
  s->side = g_strdup(p->side);
  s->threads = p->threads;
  s->fn = fn;
  s->user = user;
  rc = pick_streams(s, cfg, p, err);
  if (!rc && !(s->text = graph_text(s, cfg)))
    rc = EP_ENOMEM;
  ep__graph_config_free(cfg);
  if (rc < 0) {
    if (!*err)
      *err = g_strdup(ep_strerror(rc));
    ep__gst_session_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

/* --- running ----------------------------------------------------------------
 */

static int on_result(void *user, ep_packet *p) {
  ep_gst_session *s = user;
  return s->fn(s->user, ep_packet_timestamp(p), ep_packet_data(p));
}

/* Parses "name=value;..." into sides (at most cap entries). */
static int parse_sides(ep_gst_session *s, ep_side_packet *sides, size_t cap,
                       size_t *n, char **err) {
  gchar **parts = g_strsplit(s->side ? s->side : "", ";", -1);
  int rc = 0;
  *n = 0;
  for (gchar **q = parts; !rc && *q && *n < cap; q++) {
    gchar *item = g_strstrip(*q);
    if (!*item)
      continue;
    char *name = NULL, *msg = NULL;
    rc = ep_graph_parse_side_packet(s->g, item, &name, &sides[*n].packet, &msg);
    if (rc < 0) {
      char *why = take_msg(msg, rc);
      *err = g_strdup_printf("side \"%s\": %s", item, why);
      g_free(why);
      continue;
    }
    sides[(*n)++].name = name;
  }
  g_strfreev(parts);
  return rc;
}

static void free_sides(ep_side_packet *sides, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free((char *)sides[i].name);
    ep_packet_unref(sides[i].packet);
  }
  g_free(sides);
}

static int start_graph(ep_gst_session *s, char **err) {
  size_t cap = s->side ? strlen(s->side) / 2 + 1 : 1, n = 0;
  ep_side_packet *sides = g_new0(ep_side_packet, cap);
  int rc = s->threads > 0 ? ep_graph_set_num_threads(s->g, s->threads) : 0;
  if (!rc)
    rc = ep_graph_observe(s->g, EP_GST_JOIN_STREAM, on_result, s);
  if (!rc)
    rc = parse_sides(s, sides, cap, &n, err);
  if (!rc) {
    rc = ep_graph_start(s->g, sides, n);
    if (rc < 0)
      *err = g_strdup(ep_graph_error(s->g) ? ep_graph_error(s->g)
                                           : ep_strerror(rc));
  }
  free_sides(sides, n);
  return rc;
}

int ep__gst_session_start(ep_gst_session *s, char **err) {
  *err = NULL;
  if (s->g)
    return 0;
  char *msg = NULL;
  int rc = ep_graph_create_from_string(s->text, strlen(s->text), "pbtxt",
                                       s->path, &s->g, &msg);
  if (rc < 0) {
    *err = take_msg(msg, rc);
    return rc;
  }
  rc = start_graph(s, err);
  if (rc < 0) {
    if (!*err)
      *err = g_strdup(ep_strerror(rc));
    ep__gst_session_stop(s);
  }
  return rc;
}

gboolean ep__gst_session_running(const ep_gst_session *s) { return s && s->g; }

int ep__gst_session_add(ep_gst_session *s, ep_packet *p) {
  if (!s->g)
    return EP_ESTATE;
  return ep_graph_add_packet(s->g, s->input, ep_packet_ref(p), EP_ADD_NONBLOCK);
}

int ep__gst_session_drain(ep_gst_session *s, char **err) {
  *err = NULL;
  if (!s->g)
    return 0;
  ep_graph_close_all_inputs(s->g);
  int rc = ep_graph_wait(s->g);
  if (rc < 0)
    *err =
        g_strdup(ep_graph_error(s->g) ? ep_graph_error(s->g) : ep_strerror(rc));
  ep__gst_session_stop(s);
  return rc;
}

void ep__gst_session_stop(ep_gst_session *s) {
  if (s && s->g) {
    ep_graph_destroy(s->g);
    s->g = NULL;
  }
}

const char *ep__gst_session_input(const ep_gst_session *s) { return s->input; }
const char *ep__gst_session_output(const ep_gst_session *s) {
  return s->output;
}
const char *ep__gst_session_detections(const ep_gst_session *s) {
  return s->detections;
}

void ep__gst_session_free(ep_gst_session *s) {
  if (!s)
    return;
  ep__gst_session_stop(s);
  g_free(s->path);
  g_free(s->text);
  g_free(s->input);
  g_free(s->output);
  g_free(s->detections);
  g_free(s->side);
  g_free(s);
}
