/* pipe_run.h — the pipe-run command line tool: its parsed arguments and
 * one function per mode.
 *
 * pipe_run.c parses the command line into a pipe_run_args, loads plugins,
 * and calls the mode's function; each returns the process exit code:
 * PIPE_RUN_OK, PIPE_RUN_GRAPH_ERROR (the graph or a run failed) or
 * PIPE_RUN_USAGE (the command line was wrong). */
#ifndef EDGEPIPE_PIPE_RUN_H
#define EDGEPIPE_PIPE_RUN_H

#include <stdbool.h>
#include <stddef.h>

enum { PIPE_RUN_OK = 0, PIPE_RUN_GRAPH_ERROR = 1, PIPE_RUN_USAGE = 2 };

typedef enum pipe_run_mode {
  PIPE_RUN_RUN,          /* pipe-run GRAPH [options] */
  PIPE_RUN_VALIDATE,     /* --validate GRAPH... */
  PIPE_RUN_PRINT_CONFIG, /* --print-config GRAPH */
  PIPE_RUN_DOT,          /* --dot FILE GRAPH */
  PIPE_RUN_LIST,         /* --list-calculators */
  PIPE_RUN_DESCRIBE,     /* --describe NAME */
  PIPE_RUN_TABLE         /* --calculator-table */
} pipe_run_mode;

/* A name=value pair (--side, --input-option, --output-option); both point
 * into argv. */
typedef struct pipe_run_side {
  const char *name;
  const char *value;
} pipe_run_side;

/* Every string points into argv; pipe_run.c owns the arrays and frees
 * them after the mode returns. */
struct pipe_run_args {
  pipe_run_mode mode;
  const char **graphs; /* one, or several for --validate */
  size_t n_graphs;
  const char *dot_file; /* --dot: where to write ("-": stdout) */
  const char *describe; /* --describe NAME ("all": every one) */
  int threads;          /* --threads N; 0: the graph's or the default */
  pipe_run_side *sides; /* --side name=value, repeatable */
  size_t n_sides;
  bool stats;                /* --stats */
  bool latency;              /* --latency */
  const char *input;         /* --input SRC, or NULL */
  const char *output;        /* --output DST, or NULL */
  pipe_run_side *input_opts; /* --input-option NAME=VALUE, repeatable */
  size_t n_input_opts;
  pipe_run_side *output_opts; /* --output-option NAME=VALUE, repeatable */
  size_t n_output_opts;
  const char **prints; /* --print STREAM, repeatable */
  size_t n_prints;
  const char *trace;    /* --trace FILE, or NULL */
  const char **plugins; /* --plugin LIB, repeatable */
  size_t n_plugins;
};

/* The modes. Each prints its own messages and returns an exit code. */
int ep__cmd_validate(const struct pipe_run_args *a);
int ep__cmd_print_config(const struct pipe_run_args *a);
int ep__cmd_dot(const struct pipe_run_args *a);
int ep__cmd_run(const struct pipe_run_args *a);
int ep__cmd_list_calculators(const struct pipe_run_args *a);
int ep__cmd_describe(const struct pipe_run_args *a);
int ep__cmd_calculator_table(const struct pipe_run_args *a);

#endif
