/* options.c — reading node options through their schema, and checking
 * them when a graph is validated. */
#include "options.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

/* Absent nested messages read as defaults; a schema that contains itself
 * would nest defaults forever, so default children stop at this depth. */
#define MAX_DEFAULT_DEPTH 8

typedef struct kids {
  ep_options **v; /* one per written message, then one of defaults */
  size_t n;
} kids;

struct ep_options {
  const ep_cfg_node *msg;
  const ep_option_spec *schema;
  size_t n_specs;
  kids *kids; /* parallel to schema */
};

const ep_option_spec *ep__option_spec_find(const ep_option_spec *schema,
                                           const char *name) {
  for (size_t i = 0; schema && name && schema[i].name; i++)
    if (strcmp(schema[i].name, name) == 0)
      return &schema[i];
  return NULL;
}

/* The i-th field named name, or NULL. */
static const ep_cfg_node *field_at(const ep_cfg_node *msg, const char *name,
                                   size_t i) {
  for (const ep_cfg_node *f = msg ? msg->first : NULL; f; f = f->next)
    if (strcmp(f->name, name) == 0 && i-- == 0)
      return f;
  return NULL;
}

/* --- binding ------------------------------------------------------------- */

static ep_options *bind(const ep_cfg_node *msg, const ep_option_spec *schema,
                        int depth);

static bool bind_kids(ep_options *o, size_t k, int depth) {
  const ep_option_spec *s = &o->schema[k];
  size_t written = o->msg ? ep__cfg_count(o->msg, s->name) : 0;
  if (!o->msg && depth >= MAX_DEFAULT_DEPTH)
    return true;
  kids *c = &o->kids[k];
  c->v = calloc(written + 1, sizeof *c->v);
  if (!c->v)
    return false;
  c->n = written + 1;
  for (size_t i = 0; i <= written; i++) {
    const ep_cfg_node *f = i < written ? field_at(o->msg, s->name, i) : NULL;
    if (f && f->kind != EP_CFG_MESSAGE)
      f = NULL; /* validation reported it; read as defaults */
    c->v[i] = bind(f, s->fields, depth + 1);
    if (!c->v[i])
      return false;
  }
  return true;
}

static ep_options *bind(const ep_cfg_node *msg, const ep_option_spec *schema,
                        int depth) {
  ep_options *o = calloc(1, sizeof *o);
  if (!o)
    return NULL;
  o->msg = msg;
  o->schema = schema;
  while (schema && schema[o->n_specs].name)
    o->n_specs++;
  o->kids = o->n_specs ? calloc(o->n_specs, sizeof *o->kids) : NULL;
  if (o->n_specs && !o->kids) {
    free(o);
    return NULL;
  }
  for (size_t k = 0; k < o->n_specs; k++) {
    if (schema[k].kind == EP_OPT_MESSAGE && !bind_kids(o, k, depth)) {
      ep__options_free(o);
      return NULL;
    }
  }
  return o;
}

ep_options *ep__options_new(const ep_cfg_node *msg,
                            const ep_option_spec *schema) {
  return bind(msg, schema, 0);
}

void ep__options_free(ep_options *o) {
  if (!o)
    return;
  for (size_t k = 0; k < o->n_specs; k++) {
    for (size_t i = 0; i < o->kids[k].n; i++)
      ep__options_free(o->kids[k].v[i]);
    free(o->kids[k].v);
  }
  free(o->kids);
  free(o);
}

/* --- getters ------------------------------------------------------------- */

static const ep_option_spec *spec_of(const ep_options *o, const char *name) {
  return o ? ep__option_spec_find(o->schema, name) : NULL;
}

static const ep_cfg_node *value_of(const ep_options *o, const char *name,
                                   size_t i) {
  return spec_of(o, name) ? field_at(o->msg, name, i) : NULL;
}

static bool text_is_true(const char *s) {
  return s && (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
               strcmp(s, "t") == 0 || strcmp(s, "1") == 0);
}

static int64_t node_int(const ep_cfg_node *f) {
  if (f->kind == EP_CFG_FLOAT)
    return (int64_t)f->f;
  if (f->kind == EP_CFG_INT || f->kind == EP_CFG_BOOL)
    return f->i;
  return 0;
}

static double node_float(const ep_cfg_node *f) {
  if (f->kind == EP_CFG_INT || f->kind == EP_CFG_FLOAT)
    return f->f;
  return f->kind == EP_CFG_BOOL ? (double)f->i : 0.0;
}

static const char *node_string(const ep_cfg_node *f) {
  return f->kind == EP_CFG_STRING || f->kind == EP_CFG_IDENT ? f->str : "";
}

int64_t ep_options_int_at(const ep_options *o, const char *name, size_t i) {
  const ep_cfg_node *f = value_of(o, name, i);
  if (f)
    return node_int(f);
  const ep_option_spec *s = spec_of(o, name);
  return s && s->defval && i == 0 ? strtoll(s->defval, NULL, 0) : 0;
}

double ep_options_float_at(const ep_options *o, const char *name, size_t i) {
  const ep_cfg_node *f = value_of(o, name, i);
  if (f)
    return node_float(f);
  const ep_option_spec *s = spec_of(o, name);
  return s && s->defval && i == 0 ? strtod(s->defval, NULL) : 0.0;
}

const char *ep_options_string_at(const ep_options *o, const char *name,
                                 size_t i) {
  const ep_cfg_node *f = value_of(o, name, i);
  if (f)
    return node_string(f);
  const ep_option_spec *s = spec_of(o, name);
  return s && s->defval && i == 0 ? s->defval : "";
}

int64_t ep_options_int(const ep_options *o, const char *name) {
  return ep_options_int_at(o, name, 0);
}

double ep_options_float(const ep_options *o, const char *name) {
  return ep_options_float_at(o, name, 0);
}

const char *ep_options_string(const ep_options *o, const char *name) {
  return ep_options_string_at(o, name, 0);
}

bool ep_options_bool(const ep_options *o, const char *name) {
  const ep_cfg_node *f = value_of(o, name, 0);
  if (f && (f->kind == EP_CFG_BOOL || f->kind == EP_CFG_INT))
    return f->i != 0;
  if (f)
    return text_is_true(node_string(f));
  const ep_option_spec *s = spec_of(o, name);
  return s && text_is_true(s->defval);
}

bool ep_options_has(const ep_options *o, const char *name) {
  return value_of(o, name, 0) != NULL;
}

size_t ep_options_count(const ep_options *o, const char *name) {
  return spec_of(o, name) && o->msg ? ep__cfg_count(o->msg, name) : 0;
}

const ep_options *ep_options_message(const ep_options *o, const char *name,
                                     size_t i) {
  const ep_option_spec *s = spec_of(o, name);
  if (!s || s->kind != EP_OPT_MESSAGE)
    return NULL;
  const kids *c = &o->kids[s - o->schema];
  if (!c->n)
    return NULL;
  return c->v[i < c->n - 1 ? i : c->n - 1];
}

/* --- checking ------------------------------------------------------------ */

typedef struct checker {
  ep_diag *d;
  const char *label;
  size_t problems;
} checker;

static const char *want_name(ep_option_kind k) {
  switch (k) {
  case EP_OPT_INT:
    return "an integer";
  case EP_OPT_FLOAT:
    return "a number";
  case EP_OPT_BOOL:
    return "true or false";
  case EP_OPT_STRING:
    return "a string";
  case EP_OPT_ENUM:
    return "an enum value";
  case EP_OPT_MESSAGE:
    return "a message";
  }
  return "a value";
}

static bool kind_ok(ep_option_kind want, ep_cfg_kind have) {
  switch (want) {
  case EP_OPT_INT:
    return have == EP_CFG_INT;
  case EP_OPT_FLOAT:
    return have == EP_CFG_INT || have == EP_CFG_FLOAT;
  case EP_OPT_BOOL:
    return have == EP_CFG_BOOL;
  case EP_OPT_STRING:
  case EP_OPT_ENUM:
    return have == EP_CFG_STRING || have == EP_CFG_IDENT;
  case EP_OPT_MESSAGE:
    return have == EP_CFG_MESSAGE;
  }
  return false;
}

static void problem(checker *c, const ep_loc *loc, const char *fmt, ...)
    EP_PRINTF(3, 4);

static void problem(checker *c, const ep_loc *loc, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ep__diag_add(c->d, loc, "%s: %s", c->label, msg);
  c->problems++;
}

static void check_range(checker *c, const ep_option_spec *s,
                        const ep_cfg_node *f, const char *path) {
  if (!(s->min < s->max) || (s->kind != EP_OPT_INT && s->kind != EP_OPT_FLOAT))
    return;
  double v = s->kind == EP_OPT_INT ? (double)f->i : f->f;
  if (!isnan(v) && v >= s->min && v <= s->max)
    return;
  char range[96];
  snprintf(range, sizeof range, "[%g, %g]", s->min, s->max);
  problem(c, &f->loc, "option '%s%s' is %s, outside %s", path, s->name, f->str,
          range);
}

static void check_enum(checker *c, const ep_option_spec *s,
                       const ep_cfg_node *f, const char *path) {
  size_t len = 1;
  for (size_t i = 0; s->enum_values && s->enum_values[i]; i++) {
    if (strcmp(s->enum_values[i], f->str) == 0)
      return;
    len += strlen(s->enum_values[i]) + 2;
  }
  char *list = calloc(1, len);
  for (size_t i = 0; list && s->enum_values && s->enum_values[i]; i++)
    strcat(strcat(list, i ? ", " : ""), s->enum_values[i]);
  problem(c, &f->loc, "option '%s%s' is '%s'; expected one of: %s", path,
          s->name, f->str, list ? list : "");
  free(list);
}

static void check_msg(checker *c, const ep_cfg_node *msg,
                      const ep_option_spec *schema, const char *path,
                      const ep_loc *where, int depth);

static void check_value(checker *c, const ep_option_spec *s,
                        const ep_cfg_node *f, const char *path, int depth) {
  if (!kind_ok(s->kind, f->kind)) {
    problem(c, &f->loc, "option '%s%s' must be %s, not %s", path, s->name,
            want_name(s->kind), ep__cfg_kind_desc(f->kind));
    return;
  }
  if (s->kind == EP_OPT_ENUM)
    check_enum(c, s, f, path);
  else if (s->kind == EP_OPT_MESSAGE) {
    char *sub = ep__strdup_printf("%s%s.", path, s->name);
    if (sub && depth < 64)
      check_msg(c, f, s->fields, sub, &f->loc, depth + 1);
    free(sub);
  } else
    check_range(c, s, f, path);
}

static void check_unknown(checker *c, const ep_cfg_node *f,
                          const ep_option_spec *schema, const char *path) {
  ep_suggest sg;
  ep__suggest_init(&sg, f->name);
  for (size_t i = 0; schema && schema[i].name; i++)
    ep__suggest_add(&sg, schema[i].name);
  const char *hint = ep__suggest_best(&sg);
  if (hint)
    problem(c, &f->name_loc, "unknown option '%s%s'; did you mean '%s'?", path,
            f->name, hint);
  else if (!schema || !schema[0].name)
    problem(c, &f->name_loc, "unknown option '%s%s' (it takes no options)",
            path, f->name);
  else
    problem(c, &f->name_loc, "unknown option '%s%s'", path, f->name);
}

static void check_counts(checker *c, const ep_cfg_node *msg,
                         const ep_option_spec *s, const char *path,
                         const ep_loc *where) {
  size_t n = msg ? ep__cfg_count(msg, s->name) : 0;
  if (n > 1 && !(s->flags & EP_OPT_REPEATED)) {
    const ep_cfg_node *second = field_at(msg, s->name, 1);
    problem(c, &second->name_loc,
            "option '%s%s' is given %zu times but takes one value", path,
            s->name, n);
  }
  if (n == 0 && (s->flags & EP_OPT_REQUIRED))
    problem(c, msg ? &msg->loc : where, "required option '%s%s' is missing",
            path, s->name);
}

static void check_msg(checker *c, const ep_cfg_node *msg,
                      const ep_option_spec *schema, const char *path,
                      const ep_loc *where, int depth) {
  for (const ep_cfg_node *f = msg ? msg->first : NULL; f; f = f->next) {
    const ep_option_spec *s = ep__option_spec_find(schema, f->name);
    if (s)
      check_value(c, s, f, path, depth);
    else
      check_unknown(c, f, schema, path);
  }
  for (size_t i = 0; schema && schema[i].name; i++)
    check_counts(c, msg, &schema[i], path, where);
}

size_t ep__options_check(const ep_cfg_node *msg, const ep_option_spec *schema,
                         const char *label, const ep_loc *where, ep_diag *d) {
  checker c = {d, label, 0};
  check_msg(&c, msg, schema, "", where, 0);
  return c.problems;
}
