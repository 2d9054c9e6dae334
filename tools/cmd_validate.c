/* cmd_validate.c — the modes that read a graph without running it:
 * --validate, --print-config and --dot. Errors go to stderr as
 * "file:line:col: message" lines; results go to stdout (or the DOT file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_config.h"
#include "pipe_run.h"

/* Loads and validates one graph; prints every problem. On success *out
 * holds the config (if out is not NULL). */
static int load_valid(const char *path, ep_graph_config **out) {
  ep_graph_config *cfg = NULL;
  char *err = NULL;
  int rc = ep__graph_config_load_file(path, &cfg, &err);
  if (rc == 0)
    rc = ep__graph_config_validate(cfg, &err);
  if (rc < 0) {
    fputs(err ? err : ep_strerror(rc), stderr);
    if (!err)
      fputc('\n', stderr);
    free(err);
    ep__graph_config_free(cfg);
    return PIPE_RUN_GRAPH_ERROR;
  }
  free(err);
  if (out)
    *out = cfg;
  else
    ep__graph_config_free(cfg);
  return PIPE_RUN_OK;
}

int ep__cmd_validate(const struct pipe_run_args *a) {
  int rc = PIPE_RUN_OK;
  for (size_t i = 0; i < a->n_graphs; i++) {
    if (load_valid(a->graphs[i], NULL) == PIPE_RUN_OK)
      printf("%s: ok\n", a->graphs[i]);
    else
      rc = PIPE_RUN_GRAPH_ERROR;
  }
  return rc;
}

/* Prints the expanded config even when it does not validate: seeing what
 * the subgraphs expanded to is how one finds out why. */
int ep__cmd_print_config(const struct pipe_run_args *a) {
  ep_graph_config *cfg = NULL;
  char *err = NULL;
  if (ep__graph_config_load_file(a->graphs[0], &cfg, &err) < 0) {
    fputs(err ? err : "cannot load the graph\n", stderr);
    free(err);
    return PIPE_RUN_GRAPH_ERROR;
  }
  char *text = ep__graph_config_to_pbtxt(cfg);
  if (text)
    fputs(text, stdout);
  free(text);
  int rc = ep__graph_config_validate(cfg, &err);
  if (err)
    fputs(err, stderr);
  free(err);
  ep__graph_config_free(cfg);
  return text && rc == 0 ? PIPE_RUN_OK : PIPE_RUN_GRAPH_ERROR;
}

int ep__cmd_dot(const struct pipe_run_args *a) {
  ep_graph_config *cfg = NULL;
  if (load_valid(a->graphs[0], &cfg) != PIPE_RUN_OK)
    return PIPE_RUN_GRAPH_ERROR;
  char *dot = ep__graph_config_to_dot(cfg);
  ep__graph_config_free(cfg);
  if (!dot) {
    fprintf(stderr, "pipe-run: out of memory\n");
    return PIPE_RUN_GRAPH_ERROR;
  }
  bool to_stdout = strcmp(a->dot_file, "-") == 0;
  FILE *f = to_stdout ? stdout : fopen(a->dot_file, "w");
  bool ok = f && fputs(dot, f) >= 0;
  if (f && !to_stdout)
    ok = fclose(f) == 0 && ok;
  if (!ok)
    fprintf(stderr, "pipe-run: cannot write %s\n", a->dot_file);
  free(dot);
  return ok ? PIPE_RUN_OK : PIPE_RUN_GRAPH_ERROR;
}
