/* cmd_run.c — `pipe-run GRAPH`: running a graph. The scheduler is not in
 * this build yet, so the mode says so and fails. */
#include <stdio.h>

#include "pipe_run.h"

int ep__cmd_run(const struct pipe_run_args *a) {
  (void)a;
  fprintf(stderr, "pipe-run: running graphs is not built yet\n");
  return PIPE_RUN_GRAPH_ERROR;
}
