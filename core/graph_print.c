/* graph_print.c — the canonical pbtxt and the Graphviz DOT of a config.
 *
 * The pbtxt is MediaPipe's text format with a fixed field order and a
 * two-space indent. Options of a known calculator print in schema order,
 * each value by its declared kind (enums bare, floats in the shortest form
 * that reads back to the same double), so a graph written in pbtxt and its
 * YAML twin print byte for byte the same. */
#include "graph_config.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/registry.h"
#include "options.h"

/* --- a growing string ---------------------------------------------------- */

typedef struct sbuf {
  char *s;
  size_t len, cap;
  bool failed;
} sbuf;

static void put_n(sbuf *b, const char *s, size_t n) {
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *t = realloc(b->s, cap);
    if (!t) {
      b->failed = true;
      return;
    }
    b->s = t;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void put(sbuf *b, const char *s) { put_n(b, s, strlen(s)); }

static void putf(sbuf *b, const char *fmt, ...) EP_PRINTF(2, 3);
static void putf(sbuf *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof tmp) {
    put_n(b, tmp, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    b->failed = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  put_n(b, big, (size_t)n);
  free(big);
}

static char *sbuf_take(sbuf *b) {
  if (b->failed || !b->s) {
    free(b->s);
    return b->failed ? NULL : strdup("");
  }
  return b->s;
}

static void indent(sbuf *b, int depth) {
  for (int i = 0; i < depth; i++)
    put(b, "  ");
}

/* --- values -------------------------------------------------------------- */

static void put_quoted(sbuf *b, const char *s, size_t n) {
  put(b, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      putf(b, "\\%c", c);
    else if (c == '\n')
      put(b, "\\n");
    else if (c == '\r')
      put(b, "\\r");
    else if (c == '\t')
      put(b, "\\t");
    else if (c < 0x20 || c == 0x7f)
      putf(b, "\\%03o", c);
    else
      put_n(b, (const char *)&c, 1);
  }
  put(b, "\"");
}

/* The shortest %g form that reads back to exactly v. */
static void put_double(sbuf *b, double v) {
  if (isnan(v)) {
    put(b, "nan");
    return;
  }
  if (isinf(v)) {
    put(b, v < 0 ? "-inf" : "inf");
    return;
  }
  char tmp[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (strtod(tmp, NULL) == v)
      break;
  }
  put(b, tmp);
}

static void put_int(sbuf *b, const ep_cfg_node *f) {
  if (f->i < 0 && f->str && f->str[0] != '-')
    putf(b, "%" PRIu64, f->u); /* a large hex value: keep it unsigned */
  else
    putf(b, "%" PRId64, f->i);
}

static void put_generic(sbuf *b, const ep_cfg_node *f, int depth);

static void put_generic_fields(sbuf *b, const ep_cfg_node *msg, int depth) {
  for (const ep_cfg_node *f = msg->first; f; f = f->next)
    put_generic(b, f, depth);
}

static void put_scalar(sbuf *b, const ep_cfg_node *f) {
  switch (f->kind) {
  case EP_CFG_STRING:
    put_quoted(b, f->str, f->len);
    break;
  case EP_CFG_IDENT:
    put(b, f->str);
    break;
  case EP_CFG_INT:
    put_int(b, f);
    break;
  case EP_CFG_FLOAT:
    put_double(b, f->f);
    break;
  case EP_CFG_BOOL:
    put(b, f->i ? "true" : "false");
    break;
  case EP_CFG_MESSAGE:
    break;
  }
}

static void put_generic(sbuf *b, const ep_cfg_node *f, int depth) {
  indent(b, depth);
  put(b, f->name);
  if (f->kind == EP_CFG_MESSAGE) {
    put(b, " {\n");
    put_generic_fields(b, f, depth + 1);
    indent(b, depth);
    put(b, "}\n");
    return;
  }
  put(b, ": ");
  put_scalar(b, f);
  put(b, "\n");
}

/* --- options by schema --------------------------------------------------- */

static void put_options_fields(sbuf *b, const ep_cfg_node *msg,
                               const ep_option_spec *schema, int depth);

/* One value as its spec declares; a value of another kind (validation
 * rejects those) prints as written. */
static void put_option(sbuf *b, const ep_option_spec *s, const ep_cfg_node *f,
                       int depth) {
  if (s->kind == EP_OPT_MESSAGE && f->kind == EP_CFG_MESSAGE) {
    indent(b, depth);
    putf(b, "%s {\n", f->name);
    put_options_fields(b, f, s->fields, depth + 1);
    indent(b, depth);
    put(b, "}\n");
    return;
  }
  bool text = f->kind == EP_CFG_STRING || f->kind == EP_CFG_IDENT;
  bool num = f->kind == EP_CFG_INT || f->kind == EP_CFG_FLOAT;
  if (s->kind == EP_OPT_ENUM && text && strlen(f->str) == f->len) {
    indent(b, depth);
    putf(b, "%s: %s\n", f->name, f->str);
  } else if (s->kind == EP_OPT_STRING && text) {
    indent(b, depth);
    putf(b, "%s: ", f->name);
    put_quoted(b, f->str, f->len);
    put(b, "\n");
  } else if (s->kind == EP_OPT_FLOAT && num) {
    indent(b, depth);
    putf(b, "%s: ", f->name);
    put_double(b, f->f);
    put(b, "\n");
  } else {
    put_generic(b, f, depth);
  }
}

static void put_options_fields(sbuf *b, const ep_cfg_node *msg,
                               const ep_option_spec *schema, int depth) {
  for (size_t k = 0; schema && schema[k].name; k++)
    for (const ep_cfg_node *f = msg->first; f; f = f->next)
      if (strcmp(f->name, schema[k].name) == 0)
        put_option(b, &schema[k], f, depth);
  for (const ep_cfg_node *f = msg->first; f; f = f->next)
    if (!ep__option_spec_find(schema, f->name))
      put_generic(b, f, depth);
}

static void put_node_options(sbuf *b, const ep_node_config *n) {
  const ep_calculator_def *def = ep_calculator_find(n->calculator);
  const ep_option_spec *schema = def ? def->options : NULL;
  int depth = 2;
  if (n->options_type) {
    put(b, "  node_options {\n");
    putf(b, "    [type.googleapis.com/%s] {\n", n->options_type);
    depth = 3;
  } else {
    put(b, "  options {\n");
  }
  put_options_fields(b, n->options, schema, depth);
  if (n->options_type)
    put(b, "    }\n");
  put(b, "  }\n");
}

/* --- the graph ----------------------------------------------------------- */

static void put_ref(sbuf *b, int depth, const char *field,
                    const ep_stream_ref *r) {
  indent(b, depth);
  putf(b, "%s: \"", field);
  if (*r->tag && r->index)
    putf(b, "%s:%d:", r->tag, r->index);
  else if (*r->tag)
    putf(b, "%s:", r->tag);
  putf(b, "%s\"\n", r->name);
}

static void put_refs(sbuf *b, int depth, const char *field,
                     const ep_ref_list *l) {
  for (size_t i = 0; i < l->n; i++)
    put_ref(b, depth, field, &l->v[i]);
}

static void put_string_field(sbuf *b, int depth, const char *field,
                             const char *v) {
  indent(b, depth);
  putf(b, "%s: ", field);
  put_quoted(b, v, strlen(v));
  put(b, "\n");
}

static void put_stream_info(sbuf *b, const ep_stream_info *info) {
  put(b, "  input_stream_info {\n");
  if (*info->tag && info->index)
    putf(b, "    tag_index: \"%s:%d\"\n", info->tag, info->index);
  else if (*info->tag)
    putf(b, "    tag_index: \"%s\"\n", info->tag);
  else
    putf(b, "    tag_index: \":%d\"\n", info->index);
  putf(b, "    back_edge: %s\n", info->back_edge ? "true" : "false");
  put(b, "  }\n");
}

static void put_handler(sbuf *b, const char *h) {
  bool known = strcmp(h, "Default") == 0 || strcmp(h, "Immediate") == 0;
  put(b, "  input_stream_handler {\n");
  putf(b, "    input_stream_handler: \"%s%s\"\n", h,
       known ? "InputStreamHandler" : "");
  put(b, "  }\n");
}

static void put_node(sbuf *b, const ep_node_config *n) {
  put(b, "node {\n");
  if (n->name)
    put_string_field(b, 1, "name", n->name);
  put_string_field(b, 1, "calculator", n->calculator);
  put_refs(b, 1, "input_stream", &n->input_stream);
  put_refs(b, 1, "output_stream", &n->output_stream);
  put_refs(b, 1, "input_side_packet", &n->input_side_packet);
  put_refs(b, 1, "output_side_packet", &n->output_side_packet);
  for (size_t i = 0; i < n->n_stream_info; i++)
    put_stream_info(b, &n->stream_info[i]);
  if (n->input_stream_handler)
    put_handler(b, n->input_stream_handler);
  if (n->executor)
    put_string_field(b, 1, "executor", n->executor);
  if (n->max_in_flight)
    putf(b, "  max_in_flight: %d\n", n->max_in_flight);
  if (n->options)
    put_node_options(b, n);
  put(b, "}\n");
}

static void put_executor(sbuf *b, const ep_executor_config *e) {
  put(b, "executor {\n");
  put_string_field(b, 1, "name", e->name);
  if (e->type)
    put_string_field(b, 1, "type", e->type);
  if (e->num_threads) {
    put(b, "  options {\n");
    put(b, "    [mediapipe.ThreadPoolExecutorOptions.ext] {\n");
    putf(b, "      num_threads: %d\n", e->num_threads);
    put(b, "    }\n  }\n");
  }
  put(b, "}\n");
}

char *ep__graph_config_to_pbtxt(const ep_graph_config *cfg) {
  sbuf b = {0};
  if (cfg->type)
    put_string_field(&b, 0, "type", cfg->type);
  put_refs(&b, 0, "input_stream", &cfg->input_stream);
  put_refs(&b, 0, "output_stream", &cfg->output_stream);
  put_refs(&b, 0, "input_side_packet", &cfg->input_side_packet);
  put_refs(&b, 0, "output_side_packet", &cfg->output_side_packet);
  if (cfg->num_threads)
    putf(&b, "num_threads: %d\n", cfg->num_threads);
  if (cfg->has_max_queue_size)
    putf(&b, "max_queue_size: %d\n", cfg->max_queue_size);
  if (cfg->report_deadlock)
    put(&b, "report_deadlock: true\n");
  for (size_t i = 0; i < cfg->n_executors; i++)
    put_executor(&b, &cfg->executors[i]);
  if (cfg->profiler_config)
    put_generic(&b, cfg->profiler_config, 0);
  for (size_t i = 0; i < cfg->n_nodes; i++)
    put_node(&b, &cfg->nodes[i]);
  return sbuf_take(&b);
}

/* --- DOT ----------------------------------------------------------------- */

static void put_dot_id(sbuf *b, const char *s) {
  put(b, "\"");
  for (; *s; s++) {
    if (*s == '\n') {
      put(b, "\\n");
      continue;
    }
    if (*s == '"' || *s == '\\')
      put(b, "\\");
    put_n(b, s, 1);
  }
  put(b, "\"");
}

/* The node producing a stream (and its output's flat index), or false. */
static bool dot_producer(const ep_graph_config *cfg, const char *name,
                         size_t *node, size_t *flat) {
  size_t base = 0;
  for (size_t i = 0; i < cfg->n_nodes; i++) {
    const ep_ref_list *l = &cfg->nodes[i].output_stream;
    for (size_t k = 0; k < l->n; k++)
      if (strcmp(l->v[k].name, name) == 0) {
        *node = i;
        *flat = base + k;
        return true;
      }
    base += l->n;
  }
  return false;
}

static void put_edge(sbuf *b, const char *from, const char *to,
                     const char *stream, const char *type, bool dashed) {
  char label[512];
  snprintf(label, sizeof label, "%s : %s", stream, type);
  put(b, "  ");
  put_dot_id(b, from);
  put(b, " -> ");
  put_dot_id(b, to);
  put(b, " [label=");
  put_dot_id(b, label);
  put(b, dashed ? ", style=dashed];\n" : "];\n");
}

static void put_dot_inputs(sbuf *b, const ep_graph_config *cfg,
                           const char **types, size_t i) {
  const ep_node_config *n = &cfg->nodes[i];
  for (size_t k = 0; k < n->input_stream.n; k++) {
    const ep_stream_ref *r = &n->input_stream.v[k];
    size_t p, flat;
    char *from;
    const char *type = EP_TYPE_ANY_NAME;
    if (dot_producer(cfg, r->name, &p, &flat)) {
      from = strdup(cfg->nodes[p].canonical_name);
      type = types ? types[flat] : type;
    } else {
      from = ep__strdup_printf("input:%s", r->name);
    }
    if (from)
      put_edge(b, from, n->canonical_name, r->name, type, r->back_edge);
    free(from);
  }
}

char *ep__graph_config_to_dot(const ep_graph_config *cfg) {
  const char **types = ep__graph_config_output_types(cfg);
  sbuf b = {0};
  put(&b, "digraph ");
  put_dot_id(&b, cfg->type ? cfg->type : "graph");
  put(&b, " {\n  rankdir=TB;\n  node [shape=box];\n");
  for (size_t k = 0; k < cfg->input_stream.n; k++) {
    char *id = ep__strdup_printf("input:%s", cfg->input_stream.v[k].name);
    put(&b, "  ");
    put_dot_id(&b, id ? id : "?");
    put(&b, " [shape=ellipse, label=");
    put_dot_id(&b, cfg->input_stream.v[k].name);
    put(&b, "];\n");
    free(id);
  }
  for (size_t i = 0; i < cfg->n_nodes; i++) {
    const ep_node_config *n = &cfg->nodes[i];
    char *label = ep__strdup_printf("%s\n%s", n->canonical_name, n->calculator);
    put(&b, "  ");
    put_dot_id(&b, n->canonical_name);
    put(&b, " [label=");
    put_dot_id(&b, label ? label : "?");
    put(&b, "];\n");
    free(label);
  }
  for (size_t k = 0; k < cfg->output_stream.n; k++) {
    const char *name = cfg->output_stream.v[k].name;
    char *id = ep__strdup_printf("output:%s", name);
    put(&b, "  ");
    put_dot_id(&b, id ? id : "?");
    put(&b, " [shape=ellipse, label=");
    put_dot_id(&b, name);
    put(&b, "];\n");
    size_t p, flat;
    if (id && dot_producer(cfg, name, &p, &flat))
      put_edge(&b, cfg->nodes[p].canonical_name, id, name,
               types ? types[flat] : EP_TYPE_ANY_NAME, false);
    free(id);
  }
  for (size_t i = 0; i < cfg->n_nodes; i++)
    put_dot_inputs(&b, cfg, types, i);
  put(&b, "}\n");
  free(types);
  return sbuf_take(&b);
}
