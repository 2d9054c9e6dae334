/* cmd_describe.c — the modes that read the calculator registry rather
 * than a graph: --list-calculators, --describe NAME and
 * --calculator-table. Everything is printed from the descriptors
 * themselves (ports, types, options), so docs/calculators.md, which
 * --calculator-table writes, cannot drift from the code. Plugins loaded
 * with --plugin or EDGEPIPE_PLUGIN_PATH are listed too. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/registry.h"
#include "pipe_run.h"

/* --- one port or option as text ------------------------------------------ */

/* "" (exactly one), "[0..1]", "[2]", "[1..]": how many indexes a tag
 * takes. */
static void port_count(const ep_port_spec *p, char *buf, size_t n) {
  if (p->min_count == 1 && p->max_count == 1)
    snprintf(buf, n, "%s", "");
  else if (p->max_count < 0)
    snprintf(buf, n, "[%d..]", p->min_count);
  else if (p->min_count == p->max_count)
    snprintf(buf, n, "[%d]", p->min_count);
  else
    snprintf(buf, n, "[%d..%d]", p->min_count, p->max_count);
}

static void port_text(const ep_port_spec *p, char *buf, size_t n) {
  char count[32];
  port_count(p, count, sizeof count);
  const char *tag = !*p->tag                   ? "(untagged)"
                    : strcmp(p->tag, "*") == 0 ? "(any tag)"
                                               : p->tag;
  if (p->same_as)
    snprintf(buf, n, "%s%s: same type as input %s", tag, count,
             !*p->same_as                   ? "(untagged)"
             : strcmp(p->same_as, "*") == 0 ? "of the same tag"
                                            : p->same_as);
  else
    snprintf(buf, n, "%s%s: %s", tag, count, p->type ? p->type : "?");
}

static const char *kind_name(ep_option_kind k) {
  static const char *const names[] = {"int",    "float", "bool",
                                      "string", "enum",  "message"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* Appends printf output to a growing string. */
EP_PRINTF(3, 4)
static void cat(char **s, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *piece = NULL;
  int n = vasprintf(&piece, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  char *t = realloc(*s, *len + (size_t)n + 1);
  if (t) {
    memcpy(t + *len, piece, (size_t)n + 1);
    *s = t;
    *len += (size_t)n;
  }
  free(piece);
}

static void option_text(const ep_option_spec *o, char **s, size_t *len);

/* Whole numbers print in full (ranges are mostly integer bounds). */
static void number(double v, char *buf, size_t n) {
  if (v == (double)(long long)v && v > -1e18 && v < 1e18)
    snprintf(buf, n, "%lld", (long long)v);
  else
    snprintf(buf, n, "%g", v);
}

static void fields_text(const ep_option_spec *f, char **s, size_t *len) {
  cat(s, len, " {");
  for (size_t i = 0; f && f[i].name; i++) {
    cat(s, len, i ? ", " : "");
    option_text(&f[i], s, len);
  }
  cat(s, len, "}");
}

/* "name: kind = default (min..max)", with flags and enum values. */
static void option_text(const ep_option_spec *o, char **s, size_t *len) {
  cat(s, len, "%s: %s%s", o->name,
      o->flags & EP_OPT_REPEATED ? "repeated " : "", kind_name(o->kind));
  if (o->kind == EP_OPT_MESSAGE) {
    fields_text(o->fields, s, len);
    return;
  }
  if (o->kind == EP_OPT_ENUM && o->enum_values) {
    cat(s, len, " (");
    for (size_t i = 0; o->enum_values[i]; i++)
      cat(s, len, "%s%s", i ? " " : "", o->enum_values[i]);
    cat(s, len, ")");
  }
  if (o->flags & EP_OPT_REQUIRED)
    cat(s, len, ", required");
  else if (o->defval)
    cat(s, len, " = %s", o->defval);
  if (o->min < o->max && (o->kind == EP_OPT_INT || o->kind == EP_OPT_FLOAT)) {
    char lo[32], hi[32];
    number(o->min, lo, sizeof lo);
    number(o->max, hi, sizeof hi);
    cat(s, len, ", %s..%s", lo, hi);
  }
}

/* --- whole calculators -----------------------------------------------------
 */

static void list_one(const ep_calculator_def *d, void *user) {
  (void)user;
  printf("%s\n", d->name);
}

static void describe_ports(const char *title, const ep_port_spec *p) {
  if (!p || !p->tag)
    return;
  printf("  %s:\n", title);
  for (; p->tag; p++) {
    char buf[256];
    port_text(p, buf, sizeof buf);
    printf("    %s\n", buf);
  }
}

static void describe_one(const ep_calculator_def *d, void *user) {
  (void)user;
  printf("%s\n", d->name);
  describe_ports("input streams", d->inputs);
  describe_ports("output streams", d->outputs);
  describe_ports("input side packets", d->input_side);
  describe_ports("output side packets", d->output_side);
  if (d->options && d->options->name) {
    printf("  options:\n");
    for (const ep_option_spec *o = d->options; o->name; o++) {
      char *s = NULL;
      size_t len = 0;
      option_text(o, &s, &len);
      printf("    %s\n", s ? s : o->name);
      free(s);
    }
  }
  printf("  input stream handler: %s\n",
         d->input_stream_handler ? d->input_stream_handler : "Default");
}

int ep__cmd_list_calculators(const struct pipe_run_args *a) {
  (void)a;
  ep_calculator_foreach(list_one, NULL);
  return PIPE_RUN_OK;
}

int ep__cmd_describe(const struct pipe_run_args *a) {
  if (strcmp(a->describe, "all") == 0) {
    ep_calculator_foreach(describe_one, NULL);
    return PIPE_RUN_OK;
  }
  const ep_calculator_def *d = ep_calculator_find(a->describe);
  if (!d) {
    fprintf(stderr,
            "pipe-run: no calculator named '%s' (pipe-run "
            "--list-calculators lists them)\n",
            a->describe);
    return PIPE_RUN_GRAPH_ERROR;
  }
  describe_one(d, NULL);
  return PIPE_RUN_OK;
}

/* --- the Markdown table of docs/calculators.md ------------------------------
 */

static void md_ports(const ep_port_spec *p, const char *prefix) {
  for (bool first = true; p && p->tag; p++, first = false) {
    char buf[256];
    port_text(p, buf, sizeof buf);
    printf("%s%s`%s`", first ? "" : "<br>", prefix, buf);
  }
}

static void md_row(const ep_calculator_def *d, void *user) {
  (void)user;
  printf("| `%s` | ", d->name);
  md_ports(d->inputs, "");
  printf(" | ");
  md_ports(d->outputs, "");
  printf(" | ");
  md_ports(d->input_side, "in ");
  if (d->input_side && d->input_side->tag && d->output_side &&
      d->output_side->tag)
    printf("<br>");
  md_ports(d->output_side, "out ");
  printf(" | ");
  for (const ep_option_spec *o = d->options; o && o->name; o++) {
    char *s = NULL;
    size_t len = 0;
    option_text(o, &s, &len);
    printf("%s`%s`", o == d->options ? "" : "<br>", s ? s : o->name);
    free(s);
  }
  printf(" | %s |\n",
         d->input_stream_handler ? d->input_stream_handler : "Default");
}

int ep__cmd_calculator_table(const struct pipe_run_args *a) {
  (void)a;
  printf("# Built-in calculators\n\n"
         "<!-- Generated by scripts/gen-calculator-docs from the calculator\n"
         "     descriptors (pipe-run --calculator-table); do not edit. -->\n\n"
         "Every calculator the library registers, with its ports and "
         "options as its\ndescriptor declares them; `pipe-run --describe "
         "NAME` prints the same for one\ncalculator, plugins included. "
         "A port reads `TAG[count]: Type`: no count\nmeans exactly one "
         "stream, `[0..1]` an optional one, `[1..]` one or more.\n"
         "An option reads `name: kind = default, min..max`; see\n"
         "[graph-format.md](graph-format.md) for how to write options "
         "and\n[writing-calculators.md](writing-calculators.md) for what "
         "the columns mean.\n\n"
         "| calculator | input streams | output streams | side packets | "
         "options | input handler |\n"
         "|---|---|---|---|---|---|\n");
  ep_calculator_foreach(md_row, NULL);
  return PIPE_RUN_OK;
}
