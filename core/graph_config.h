/* graph_config.h — a CalculatorGraphConfig read from the config tree
 * (internal).
 *
 * graph_config.c fills this from an ep_cfg_doc (whichever parser made it),
 * rejecting unknown fields with a "did you mean" hint; subgraph.c expands
 * nodes whose calculator names a registered subgraph; validate.c checks the
 * expanded graph against the calculator contracts. Every element keeps the
 * loc it came from, for messages. Strings are owned by the config. */
#ifndef EDGEPIPE_GRAPH_CONFIG_H
#define EDGEPIPE_GRAPH_CONFIG_H

#include "config_tree.h"
#include "diag.h"
#include "edgepipe/calculator.h"

/* A stream or side-packet reference: "TAG:index:name", "TAG:name", "name".
 * An untagged reference has tag "" ; index defaults to 0. */
typedef struct ep_stream_ref {
  char *tag;
  int index; /* untagged references in one list are numbered in order */
  char *name;
  bool back_edge; /* inputs only: from input_stream_info */
  ep_loc loc;
} ep_stream_ref;

typedef struct ep_ref_list {
  ep_stream_ref *v;
  size_t n;
} ep_ref_list;

/* One input_stream_info entry: which input ("TAG", "TAG:1", ":0" or ""
 * for the first untagged one) and whether it is a back edge. */
typedef struct ep_stream_info {
  char *tag;
  int index;
  bool back_edge;
  ep_loc loc;
} ep_stream_info;

typedef struct ep_node_config {
  char *name; /* as written; NULL if absent */
  /* name, or for an unnamed node the calculator's name, numbered
   * "<Calculator>_<n>" (n from 1) when several unnamed nodes share it.
   * Set by the load functions; unique in the graph. */
  char *canonical_name;
  char *calculator;
  ep_ref_list input_stream, output_stream;
  ep_ref_list input_side_packet, output_side_packet;
  ep_stream_info *stream_info;
  size_t n_stream_info;
  /* The options message: the inner message of `options`/`node_options`
   * (extension wrapper removed), or NULL. Borrowed from one of the
   * config's docs. options_type is the extension's message name
   * ("mediapipe.FlowLimiterCalculatorOptions") or NULL for a plain one. */
  const ep_cfg_node *options;
  char *options_type;
  /* "Default", "Immediate" (MediaPipe's long names and the short ones are
   * both read into these), any other name as written (validation rejects
   * it), or NULL: the calculator's default. */
  char *input_stream_handler;
  ep_loc input_stream_handler_loc;
  char *executor; /* NULL: the default pool */
  ep_loc executor_loc;
  int max_in_flight; /* 0: unset */
  ep_loc loc;        /* the node's opening */
  ep_loc calculator_loc;
} ep_node_config;

typedef struct ep_executor_config {
  char *name;      /* "" configures the default pool */
  char *type;      /* NULL or "ThreadPoolExecutor" (the only kind) */
  int num_threads; /* 0: number of cores */
  ep_loc loc;
} ep_executor_config;

typedef struct ep_graph_config {
  char *type; /* subgraph type name, or NULL */
  ep_ref_list input_stream, output_stream;
  ep_ref_list input_side_packet, output_side_packet;
  ep_node_config *nodes;
  size_t n_nodes;
  ep_executor_config *executors;
  size_t n_executors;
  int num_threads;    /* 0: unset */
  int max_queue_size; /* meaningful when has_max_queue_size; -1: unbounded */
  bool has_max_queue_size;
  bool report_deadlock;
  bool has_profiler; /* profiler_config present */
  const ep_cfg_node *profiler_config;
  ep_cfg_doc **docs; /* the parsed trees this config borrows from */
  size_t n_docs;
} ep_graph_config;

/* Parses "TAG:index:name" / "TAG:name" / "name" into r (strings owned by
 * r). Returns 0 or EP_EPARSE with *err describing the problem. */
int ep__stream_ref_parse(const char *s, ep_loc loc, ep_stream_ref *r,
                         char **err);

/* Reads a graph file (pbtxt or YAML, by extension), expands subgraphs (see
 * subgraph.h: those registered, those under the graphs/ folder found from
 * the file's folder upward, and EDGEPIPE_GRAPH_PATH) and returns the
 * config. Errors: negative code and *err with every problem
 * found as "file:line:col: message" lines. */
int ep__graph_config_load_file(const char *path, ep_graph_config **out,
                               char **err);
/* The same from text; `name` labels messages ("<string>" if NULL); format
 * "pbtxt" or "yaml". */
int ep__graph_config_load_string(const char *text, size_t len,
                                 const char *format, const char *name,
                                 ep_graph_config **out, char **err);

void ep__graph_config_free(ep_graph_config *cfg);

/* Reads a parsed document into a config without expanding subgraphs;
 * takes doc over (transfer full, also on failure). Problems are added to d;
 * returns 0 or EP_EPARSE (then *out is NULL). */
int ep__graph_config_read(ep_cfg_doc *doc, ep_graph_config **out, ep_diag *d);

/* Frees what a node config owns (not the struct itself). */
void ep__node_config_clear(ep_node_config *n);

/* Gives every node its canonical_name (see ep_node_config). Returns 0 or
 * EP_ENOMEM. */
int ep__graph_config_name_nodes(ep_graph_config *cfg);

/* "node 'name' (Calculator)" or, for an unnamed node, "node #i
 * (Calculator)" — how messages point at node i. Returns a malloc'd
 * string. */
char *ep__node_label(const ep_graph_config *cfg, size_t i);

/* Validates against the registered calculators. Returns 0 or EP_EVALIDATE
 * with *err listing every problem, one per line. */
int ep__graph_config_validate(const ep_graph_config *cfg, char **err);

/* Canonical pbtxt of the (expanded) config; pbtxt and YAML twins print the
 * same. Returns a malloc'd string. */
char *ep__graph_config_to_pbtxt(const ep_graph_config *cfg);

/* The type each node output stream carries, with `same_as` outputs
 * resolved through pass-through nodes to a fixed point ("Any" where no
 * concrete type reaches). One entry per output_stream, node by node in
 * order; the strings are static (from contracts). One malloc'd block:
 * free() it. NULL on out-of-memory or when no node has outputs. */
const char **ep__graph_config_output_types(const ep_graph_config *cfg);

/* Graphviz DOT of a validated config: nodes, streams labelled with their
 * types, back edges dashed. Returns a malloc'd string. */
char *ep__graph_config_to_dot(const ep_graph_config *cfg);

#endif
