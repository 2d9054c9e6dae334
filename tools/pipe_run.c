/* pipe_run.c — pipe-run's entry point: the command line, plugins, and the
 * choice of mode. Exit codes: 0 ok, 1 graph error, 2 usage error. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edgepipe/registry.h"
#include "pipe_run.h"

static const char usage_text[] =
    "usage: pipe-run GRAPH [options]        run a graph\n"
    "       pipe-run --validate GRAPH...    check graphs, print every error\n"
    "       pipe-run --print-config GRAPH   print the expanded graph (pbtxt)\n"
    "       pipe-run --dot FILE GRAPH       write a Graphviz DOT of the graph\n"
    "       pipe-run --list-calculators     list every known calculator\n"
    "       pipe-run --describe NAME|all    print a calculator's ports and "
    "options\n"
    "       pipe-run --calculator-table     the same for all, as Markdown\n"
    "\n"
    "GRAPH is a .pbtxt or .yaml/.yml graph file.\n"
    "\n"
    "options:\n"
    "  --threads N          worker threads (default: the graph's, or cores)\n"
    "  --side NAME=VALUE    an input side packet (repeatable)\n"
    "  --input SRC          feeds the graph's image input stream: a video\n"
    "                       or image file, a URI, 'test' or 'camera'\n"
    "                       (default: the bundled sample out/sample.mp4)\n"
    "  --output DST         takes its image output stream: a .mp4, .mkv,\n"
    "                       .webm, .png or .jpg file, 'null' or 'display'\n"
    "                       (default: out/GRAPH.mp4)\n"
    "  --input-option NAME=VALUE\n"
    "                       a VideoDecoderCalculator option for --input\n"
    "                       (e.g. num_frames=30, decoder=openh264dec)\n"
    "  --output-option NAME=VALUE\n"
    "                       a VideoEncoderCalculator option for --output\n"
    "  --print STREAM       print the packets of an output stream "
    "(repeatable)\n"
    "  --stats              print per-node statistics at the end\n"
    "  --latency            print each output stream's latency at the end\n"
    "  --trace FILE         write a Chrome/Perfetto trace\n"
    "  --plugin LIB         load calculators from a shared object "
    "(repeatable)\n"
    "  --help, --version\n"
    "\n"
    "environment:\n"
    "  EDGEPIPE_PLUGIN_PATH  ':'-separated plugin files or folders of .so\n"
    "  EDGEPIPE_GRAPH_PATH   ':'-separated folders searched for subgraphs\n"
    "\n"
    "exit status: 0 ok, 1 graph error, 2 usage error\n";

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "pipe-run: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'pipe-run --help'.\n");
  return PIPE_RUN_USAGE;
}

static bool push_str(const char ***v, size_t *n, const char *s) {
  const char **t = realloc(*v, (*n + 1) * sizeof *t);
  if (!t)
    return false;
  *v = t;
  t[(*n)++] = s;
  return true;
}

static bool push_pair(pipe_run_side **v, size_t *n, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    return false;
  pipe_run_side *t = realloc(*v, (*n + 1) * sizeof *t);
  if (!t)
    return false;
  *v = t;
  /* The name ends at '=': cut it there in argv's own storage. */
  *(char *)eq = '\0';
  t[(*n)++] = (pipe_run_side){arg, eq + 1};
  return true;
}

static void args_free(struct pipe_run_args *a) {
  free(a->graphs);
  free(a->sides);
  free(a->input_opts);
  free(a->output_opts);
  free(a->prints);
  free(a->plugins);
}

/* Options that take a value; the value is argv[i+1] or after '='. */
static const char *const valued[] = {
    "--threads",      "--side",          "--input",    "--output",
    "--input-option", "--output-option", "--print",    "--trace",
    "--plugin",       "--dot",           "--describe", NULL};

static bool takes_value(const char *opt) {
  for (size_t i = 0; valued[i]; i++)
    if (strcmp(valued[i], opt) == 0)
      return true;
  return false;
}

static bool set_mode(struct pipe_run_args *a, pipe_run_mode m) {
  if (a->mode != PIPE_RUN_RUN && a->mode != m)
    return false;
  a->mode = m;
  return true;
}

static int parse_valued(struct pipe_run_args *a, const char *opt,
                        const char *val) {
  if (strcmp(opt, "--threads") == 0) {
    char *end;
    errno = 0;
    long n = strtol(val, &end, 10);
    if (errno || *end || end == val || n < 1 || n > 4096)
      return usage_error("--threads needs a number from 1 to 4096, not '%s'",
                         val);
    a->threads = (int)n;
  } else if (strcmp(opt, "--side") == 0) {
    if (!push_pair(&a->sides, &a->n_sides, val))
      return usage_error("--side needs NAME=VALUE, not '%s'", val);
  } else if (strcmp(opt, "--input-option") == 0) {
    if (!push_pair(&a->input_opts, &a->n_input_opts, val))
      return usage_error("--input-option needs NAME=VALUE, not '%s'", val);
  } else if (strcmp(opt, "--output-option") == 0) {
    if (!push_pair(&a->output_opts, &a->n_output_opts, val))
      return usage_error("--output-option needs NAME=VALUE, not '%s'", val);
  } else if (strcmp(opt, "--input") == 0) {
    a->input = val;
  } else if (strcmp(opt, "--output") == 0) {
    a->output = val;
  } else if (strcmp(opt, "--print") == 0) {
    push_str(&a->prints, &a->n_prints, val);
  } else if (strcmp(opt, "--trace") == 0) {
    a->trace = val;
  } else if (strcmp(opt, "--plugin") == 0) {
    push_str(&a->plugins, &a->n_plugins, val);
  } else if (strcmp(opt, "--describe") == 0) {
    if (!set_mode(a, PIPE_RUN_DESCRIBE))
      return usage_error("%s cannot be combined with another mode", opt);
    a->describe = val;
  } else if (strcmp(opt, "--dot") == 0) {
    if (!set_mode(a, PIPE_RUN_DOT))
      return usage_error("%s cannot be combined with another mode", opt);
    a->dot_file = val;
  }
  return PIPE_RUN_OK;
}

/* Flags without a value; returns -1 for --help/--version (handled). */
static int parse_flag(struct pipe_run_args *a, const char *opt) {
  if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
    fputs(usage_text, stdout);
    return -1;
  }
  if (strcmp(opt, "--version") == 0) {
    printf("pipe-run (edgepipe) %s\n", ep_version());
    return -1;
  }
  if (strcmp(opt, "--stats") == 0) {
    a->stats = true;
    return PIPE_RUN_OK;
  }
  if (strcmp(opt, "--latency") == 0) {
    a->latency = true;
    return PIPE_RUN_OK;
  }
  pipe_run_mode m;
  if (strcmp(opt, "--validate") == 0)
    m = PIPE_RUN_VALIDATE;
  else if (strcmp(opt, "--print-config") == 0)
    m = PIPE_RUN_PRINT_CONFIG;
  else if (strcmp(opt, "--list-calculators") == 0)
    m = PIPE_RUN_LIST;
  else if (strcmp(opt, "--calculator-table") == 0)
    m = PIPE_RUN_TABLE;
  else
    return usage_error("unknown option '%s'", opt);
  if (!set_mode(a, m))
    return usage_error("%s cannot be combined with another mode", opt);
  return PIPE_RUN_OK;
}

static int parse_one(struct pipe_run_args *a, int argc, char **argv, int *i) {
  char *arg = argv[*i];
  if (arg[0] != '-' || strcmp(arg, "-") == 0)
    return push_str(&a->graphs, &a->n_graphs, arg) ? 0 : PIPE_RUN_USAGE;
  char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
  if (eq)
    *eq = '\0';
  if (!takes_value(arg)) {
    if (eq)
      return usage_error("option '%s' takes no value", arg);
    return parse_flag(a, arg);
  }
  const char *val = eq ? eq + 1 : NULL;
  if (!val && *i + 1 < argc)
    val = argv[++*i];
  if (!val)
    return usage_error("option '%s' needs a value", arg);
  return parse_valued(a, arg, val);
}

static int check_graph_count(const struct pipe_run_args *a) {
  bool registry_mode = a->mode == PIPE_RUN_LIST ||
                       a->mode == PIPE_RUN_DESCRIBE ||
                       a->mode == PIPE_RUN_TABLE;
  if (registry_mode)
    return a->n_graphs == 0 ? PIPE_RUN_OK
                            : usage_error("this mode takes no graph, but "
                                          "'%s' was given",
                                          a->graphs[0]);
  if (a->n_graphs == 0)
    return usage_error("%s", "no graph file given");
  if (a->mode != PIPE_RUN_VALIDATE && a->n_graphs > 1)
    return usage_error("one graph file at a time, but '%s' follows the first",
                       a->graphs[1]);
  return PIPE_RUN_OK;
}

static int parse_args(struct pipe_run_args *a, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    int rc = parse_one(a, argc, argv, &i);
    if (rc != 0)
      return rc;
  }
  return check_graph_count(a);
}

/* --- plugins ------------------------------------------------------------- */

static int load_plugin(const char *path) {
  char *msg = NULL;
  if (ep_plugin_load(path, &msg) == 0)
    return PIPE_RUN_OK;
  fprintf(stderr, "pipe-run: %s\n", msg ? msg : path);
  free(msg);
  return PIPE_RUN_GRAPH_ERROR;
}

static bool ends_with_so(const char *name) {
  size_t n = strlen(name);
  return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

static int load_plugin_dir(const char *dir) {
  struct dirent **names = NULL;
  int n = scandir(dir, &names, NULL, alphasort);
  int rc = PIPE_RUN_OK;
  for (int i = 0; i < n; i++) {
    if (rc == PIPE_RUN_OK && ends_with_so(names[i]->d_name)) {
      size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;
      char *path = malloc(len);
      if (path) {
        snprintf(path, len, "%s/%s", dir, names[i]->d_name);
        rc = load_plugin(path);
      }
      free(path);
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

static int load_plugins(const struct pipe_run_args *a) {
  const char *env = getenv("EDGEPIPE_PLUGIN_PATH");
  char *copy = env ? strdup(env) : NULL;
  char *save = NULL;
  int rc = PIPE_RUN_OK;
  for (char *p = copy ? strtok_r(copy, ":", &save) : NULL;
       p && rc == PIPE_RUN_OK; p = strtok_r(NULL, ":", &save)) {
    struct stat st;
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
      rc = load_plugin_dir(p);
    else
      rc = load_plugin(p);
  }
  free(copy);
  for (size_t i = 0; i < a->n_plugins && rc == PIPE_RUN_OK; i++)
    rc = load_plugin(a->plugins[i]);
  return rc;
}

static int dispatch(const struct pipe_run_args *a) {
  switch (a->mode) {
  case PIPE_RUN_VALIDATE:
    return ep__cmd_validate(a);
  case PIPE_RUN_PRINT_CONFIG:
    return ep__cmd_print_config(a);
  case PIPE_RUN_DOT:
    return ep__cmd_dot(a);
  case PIPE_RUN_LIST:
    return ep__cmd_list_calculators(a);
  case PIPE_RUN_DESCRIBE:
    return ep__cmd_describe(a);
  case PIPE_RUN_TABLE:
    return ep__cmd_calculator_table(a);
  case PIPE_RUN_RUN:
    break;
  }
  return ep__cmd_run(a);
}

int main(int argc, char **argv) {
  struct pipe_run_args a = {0};
  int rc = parse_args(&a, argc, argv);
  if (rc < 0)
    rc = PIPE_RUN_OK; /* --help or --version did their job */
  else if (rc == PIPE_RUN_OK && (rc = load_plugins(&a)) == PIPE_RUN_OK)
    rc = dispatch(&a);
  args_free(&a);
  return rc;
}
