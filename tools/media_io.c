/* media_io.c — pipe-run's media wiring (see media_io.h).
 *
 * The decoder and encoder are ordinary nodes: pipe-run writes them as a
 * small pbtxt text, loads it with the same reader as any graph (messages
 * about them name "pipe-run"), and appends them to the user's config, so
 * the user's nodes keep their numbers and file:line:col locations. A graph
 * input stream is "of image type" when a consumer declares ImageFrame,
 * directly or through generic nodes (FlowLimiter, PassThrough) whose
 * output is the same as that input. */
#include "media_io.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edgepipe/registry.h"

#define IMAGE_TYPE "ImageFrame"
#define MAX_HOPS 16 /* generic nodes followed from a graph input */

/* --- which streams carry images ------------------------------------------ */

/* The contract's spec for tag: its own, else the list's "*" one. */
static const ep_port_spec *spec_for(const ep_port_spec *l, const char *tag) {
  const ep_port_spec *wild = NULL;
  for (size_t i = 0; l && l[i].tag; i++) {
    if (strcmp(l[i].tag, tag) == 0)
      return &l[i];
    if (strcmp(l[i].tag, "*") == 0)
      wild = &l[i];
  }
  return wild;
}

static bool feeds_image(const ep_graph_config *cfg, const char *stream,
                        int hops);

/* A generic input (tag:index) of node n: do the outputs that are the same
 * as it reach an image consumer? */
static bool same_as_feeds_image(const ep_graph_config *cfg,
                                const ep_node_config *n,
                                const ep_calculator_def *def,
                                const ep_stream_ref *in, int hops) {
  for (size_t k = 0; k < n->output_stream.n; k++) {
    const ep_stream_ref *out = &n->output_stream.v[k];
    const ep_port_spec *s = spec_for(def->outputs, out->tag);
    if (!s || !s->same_as || out->index != in->index)
      continue;
    const char *tag = strcmp(s->same_as, "*") == 0 ? out->tag : s->same_as;
    if (strcmp(tag, in->tag) == 0 && feeds_image(cfg, out->name, hops + 1))
      return true;
  }
  return false;
}

static bool feeds_image(const ep_graph_config *cfg, const char *stream,
                        int hops) {
  if (hops > MAX_HOPS)
    return false;
  for (size_t i = 0; i < cfg->n_nodes; i++) {
    const ep_node_config *n = &cfg->nodes[i];
    const ep_calculator_def *def =
        n->calculator ? ep_calculator_find(n->calculator) : NULL;
    for (size_t k = 0; def && k < n->input_stream.n; k++) {
      const ep_stream_ref *in = &n->input_stream.v[k];
      if (in->back_edge || strcmp(in->name, stream) != 0)
        continue;
      const ep_port_spec *s = spec_for(def->inputs, in->tag);
      if (!s)
        continue;
      if (s->type && strcmp(s->type, IMAGE_TYPE) == 0)
        return true;
      if ((!s->type || strcmp(s->type, EP_TYPE_ANY_NAME) == 0) &&
          same_as_feeds_image(cfg, n, def, in, hops))
        return true;
    }
  }
  return false;
}

static const char *image_input(const ep_graph_config *cfg) {
  for (size_t i = 0; i < cfg->input_stream.n; i++)
    if (feeds_image(cfg, cfg->input_stream.v[i].name, 0))
      return cfg->input_stream.v[i].name;
  return NULL;
}

/* The type a node gives stream `name`, resolved through generic nodes;
 * NULL when no node produces it. */
static const char *produced_type(const ep_graph_config *cfg, const char **t,
                                 const char *name) {
  size_t at = 0;
  for (size_t i = 0; i < cfg->n_nodes; i++)
    for (size_t k = 0; k < cfg->nodes[i].output_stream.n; k++, at++)
      if (strcmp(cfg->nodes[i].output_stream.v[k].name, name) == 0)
        return t[at];
  return NULL;
}

static const char *image_output(const ep_graph_config *cfg) {
  const char **types = ep__graph_config_output_types(cfg);
  const char *found = NULL;
  for (size_t i = 0; types && !found && i < cfg->output_stream.n; i++) {
    const char *t = produced_type(cfg, types, cfg->output_stream.v[i].name);
    if (t && strcmp(t, IMAGE_TYPE) == 0)
      found = cfg->output_stream.v[i].name;
  }
  free(types);
  return found;
}

/* --- the bundled sample --------------------------------------------------- */

static bool is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* root/rel, or rel alone when root is the current folder. */
static char *join(const char *root, const char *rel) {
  if (strcmp(root, ".") == 0)
    return strdup(rel);
  return ep__strdup_printf("%s/%s", root, rel);
}

/* The source tree holding the sample's photo: the current folder, else the
 * graph file's folder or one of its parents. */
static char *find_root(const char *graph) {
  if (is_file("tests/data/astronaut.png"))
    return strdup(".");
  char *dir = realpath(graph, NULL);
  for (int up = 0; dir && up < 4; up++) {
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
      break;
    *slash = '\0';
    char *photo = join(dir, "tests/data/astronaut.png");
    bool found = photo && is_file(photo);
    free(photo);
    if (found)
      return dir;
  }
  free(dir);
  return NULL;
}

/* Runs scripts/make-sample to make root/out/sample.mp4; true if it did. */
static bool make_sample(const char *root, const char *sample) {
  char *script = join(root, "scripts/make-sample");
  bool ok = false;
  if (script && access(script, X_OK) == 0) {
    fprintf(stderr, "pipe-run: making the sample clip %s\n", sample);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
      dup2(STDERR_FILENO, STDOUT_FILENO); /* stdout is for --print */
      execl(script, script, sample, "4", (char *)NULL);
      _exit(127);
    }
    int st = 0;
    ok = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
         WEXITSTATUS(st) == 0 && is_file(sample);
  }
  free(script);
  return ok;
}

/* out/sample.mp4 (made if missing), else the photo itself. */
static char *default_input(const char *graph) {
  char *root = find_root(graph);
  if (!root)
    return NULL;
  char *sample = join(root, "out/sample.mp4");
  if (sample && !is_file(sample) && !make_sample(root, sample)) {
    free(sample);
    sample = join(root, "tests/data/astronaut.png");
    fprintf(stderr, "pipe-run: no sample clip, using the photo %s\n", sample);
  }
  free(root);
  return sample;
}

static bool is_still_image(const char *path) {
  const char *dot = strrchr(path, '.');
  if (!dot)
    return false;
  char ext[8] = {0};
  for (size_t i = 0; dot[i + 1] && i + 1 < sizeof ext; i++)
    ext[i] = (char)tolower((unsigned char)dot[i + 1]);
  return strcmp(ext, "png") == 0 || strcmp(ext, "jpg") == 0 ||
         strcmp(ext, "jpeg") == 0;
}

/* out/<graph file name without extension>.mp4 (.png for a photo). */
static char *default_output(const char *graph, const char *input) {
  const char *base = strrchr(graph, '/');
  base = base ? base + 1 : graph;
  size_t n = strcspn(base, ".");
  if (mkdir("out", 0777) < 0 && errno != EEXIST) {
    fprintf(stderr, "pipe-run: cannot make the folder out/: %s\n",
            strerror(errno));
    return NULL;
  }
  return ep__strdup_printf("out/%.*s.%s", (int)n, n ? base : "graph",
                           is_still_image(input) ? "png" : "mp4");
}

/* --- the nodes ------------------------------------------------------------ */

/* s as a pbtxt string literal body: bytes outside printable ASCII, quotes
 * and backslashes as octal escapes. */
static char *pbtxt_escape(const char *s) {
  char *out = malloc(4 * strlen(s) + 1), *o = out;
  for (; out && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
      o += sprintf(o, "\\%03o", c);
    else
      *o++ = (char)c;
  }
  if (out)
    *o = '\0';
  return out;
}

static bool node_named(const ep_graph_config *cfg, const char *name) {
  for (size_t i = 0; i < cfg->n_nodes; i++)
    if (cfg->nodes[i].canonical_name &&
        strcmp(cfg->nodes[i].canonical_name, name) == 0)
      return true;
  return false;
}

/* base, or base_2, base_3 ... if the graph has a node of that name. */
static char *free_name(const ep_graph_config *cfg, const char *base) {
  char *s = strdup(base);
  for (int k = 2; s && node_named(cfg, s); k++) {
    free(s);
    s = ep__strdup_printf("%s_%d", base, k);
  }
  return s;
}

/* Loads text (pbtxt nodes) and moves its nodes to the end of cfg. */
static int append_nodes(ep_graph_config *cfg, const char *text) {
  ep_graph_config *w = NULL;
  char *err = NULL;
  int rc = ep__graph_config_load_string(text, strlen(text), "pbtxt", "pipe-run",
                                        &w, &err);
  if (rc < 0) {
    fprintf(stderr, "%s", err ? err : ep_strerror(rc));
    free(err);
    return rc;
  }
  ep_node_config *nodes =
      realloc(cfg->nodes, (cfg->n_nodes + w->n_nodes) * sizeof *nodes);
  if (nodes)
    cfg->nodes = nodes;
  ep_cfg_doc **docs =
      nodes ? realloc(cfg->docs, (cfg->n_docs + w->n_docs) * sizeof *docs)
            : NULL;
  if (!docs) {
    ep__graph_config_free(w);
    return EP_ENOMEM;
  }
  cfg->docs = docs;
  memcpy(nodes + cfg->n_nodes, w->nodes, w->n_nodes * sizeof *nodes);
  memcpy(docs + cfg->n_docs, w->docs, w->n_docs * sizeof *docs);
  cfg->n_nodes += w->n_nodes;
  cfg->n_docs += w->n_docs;
  w->n_nodes = w->n_docs = 0; /* cfg owns them now */
  ep__graph_config_free(w);
  return ep__graph_config_name_nodes(cfg);
}

/* One pipe-run node: a calculator with one VIDEO stream and options. */
typedef struct media_node {
  const char *name, *calculator;
  const char *port; /* "input_stream" or "output_stream" */
  const char *stream;
  const char *flag; /* the command line option, for messages */
  pipe_run_side main_opt;
  const pipe_run_side *opts; /* from --input-option / --output-option */
  size_t n_opts;
} media_node;

static bool plain_word(const char *s, bool name) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (!(isalnum((unsigned char)*s) || *s == '_' ||
          (!name && strchr("+-.", *s))))
      return false;
  return true;
}

/* "name: value" for the options block: a string option quoted and
 * escaped; other kinds as written, for the options reader to check. */
static char *option_text(const media_node *m, const pipe_run_side *o) {
  const ep_calculator_def *def = ep_calculator_find(m->calculator);
  const ep_option_spec *spec = def ? def->options : NULL;
  while (spec && spec->name && strcmp(spec->name, o->name) != 0)
    spec++;
  bool is_string = !spec || !spec->name || spec->kind == EP_OPT_STRING;
  if (!plain_word(o->name, true) || (!is_string && !plain_word(o->value, 0))) {
    fprintf(stderr, "pipe-run: %s %s=%s: not an option name and value\n",
            m->flag, o->name, o->value);
    return NULL;
  }
  if (!is_string)
    return ep__strdup_printf(" %s: %s", o->name, o->value);
  char *v = pbtxt_escape(o->value);
  char *t = v ? ep__strdup_printf(" %s: \"%s\"", o->name, v) : NULL;
  free(v);
  return t;
}

/* The options block's inside, or NULL (message printed). */
static char *options_text(const media_node *m) {
  char *all = option_text(m, &m->main_opt);
  for (size_t i = 0; all && i < m->n_opts; i++) {
    char *one = option_text(m, &m->opts[i]);
    char *both = one ? ep__strdup_printf("%s%s", all, one) : NULL;
    free(one);
    free(all);
    all = both;
  }
  return all;
}

static int add_media_node(ep_graph_config *cfg, const media_node *m) {
  char *name = free_name(cfg, m->name);
  char *opts = options_text(m);
  char *text =
      name && opts
          ? ep__strdup_printf("node {\n  name: \"%s\"\n"
                              "  calculator: \"%s\"\n"
                              "  %s: \"VIDEO:%s\"\n  options {%s }\n}\n",
                              name, m->calculator, m->port, m->stream, opts)
          : NULL;
  int rc = text ? append_nodes(cfg, text) : EP_EINVAL;
  free(text);
  free(opts);
  free(name);
  return rc;
}

/* The decoder produces the stream now: it is no graph input any more. */
static void drop_graph_input(ep_graph_config *cfg, const char *name) {
  ep_ref_list *l = &cfg->input_stream;
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i].name, name) == 0) {
      free(l->v[i].tag);
      free(l->v[i].name);
      memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
      l->n--;
      return;
    }
}

/* --- wiring --------------------------------------------------------------- */

/* When a stream asked for is missing, a broken graph explains it better:
 * prints the validation errors and returns true, if there are any. */
static bool print_graph_errors(const ep_graph_config *cfg) {
  char *err = NULL;
  if (ep__graph_config_validate(cfg, &err) == 0)
    return false;
  fprintf(stderr, "%s", err ? err : "pipe-run: the graph is not valid\n");
  free(err);
  return true;
}

static int wire_input(ep_graph_config *cfg, const struct pipe_run_args *a,
                      media_io *io) {
  const char *stream = image_input(cfg);
  if (!stream) {
    if (a->input && print_graph_errors(cfg))
      return PIPE_RUN_GRAPH_ERROR;
    if (a->input) {
      fprintf(stderr,
              "pipe-run: --input %s: the graph has no input stream "
              "of image type (" IMAGE_TYPE ") to feed\n",
              a->input);
      return PIPE_RUN_USAGE;
    }
    return PIPE_RUN_OK;
  }
  io->input = a->input ? strdup(a->input) : default_input(a->graphs[0]);
  if (!io->input) {
    fprintf(stderr, "pipe-run: no --input given and no bundled sample found "
                    "(run it from the source tree, or give --input)\n");
    return PIPE_RUN_USAGE;
  }
  io->input_stream = strdup(stream);
  media_node m = {"pipe_run_input", "VideoDecoderCalculator",
                  "output_stream",  stream,
                  "--input-option", {"input", io->input},
                  a->input_opts,    a->n_input_opts};
  if (!io->input_stream || add_media_node(cfg, &m) < 0)
    return PIPE_RUN_USAGE;
  drop_graph_input(cfg, io->input_stream);
  return PIPE_RUN_OK;
}

static int wire_output(ep_graph_config *cfg, const struct pipe_run_args *a,
                       media_io *io) {
  const char *stream = image_output(cfg);
  if (!stream) {
    if (a->output && print_graph_errors(cfg))
      return PIPE_RUN_GRAPH_ERROR;
    if (a->output) {
      fprintf(stderr,
              "pipe-run: --output %s: the graph has no output "
              "stream of image type (" IMAGE_TYPE ") to write\n",
              a->output);
      return PIPE_RUN_USAGE;
    }
    return PIPE_RUN_OK;
  }
  io->default_output = !a->output;
  io->output = a->output
                   ? strdup(a->output)
                   : default_output(a->graphs[0], io->input ? io->input : "");
  io->output_stream = strdup(stream);
  media_node m = {"pipe_run_output", "VideoEncoderCalculator",
                  "input_stream",    stream,
                  "--output-option", {"output", io->output},
                  a->output_opts,    a->n_output_opts};
  if (!io->output || !io->output_stream || add_media_node(cfg, &m) < 0)
    return PIPE_RUN_USAGE;
  return PIPE_RUN_OK;
}

int ep__media_io_wire(ep_graph_config *cfg, const struct pipe_run_args *a,
                      media_io *io) {
  memset(io, 0, sizeof *io);
  int rc = wire_input(cfg, a, io);
  if (rc == PIPE_RUN_OK)
    rc = wire_output(cfg, a, io);
  if (rc == PIPE_RUN_OK && (io->input || io->output) &&
      !cfg->has_max_queue_size) {
    cfg->has_max_queue_size = true;
    cfg->max_queue_size = MEDIA_IO_MAX_QUEUE;
  }
  return rc;
}

void ep__media_io_report(const media_io *io, ep_graph *g) {
  if (!io->output_stream)
    return;
  int64_t written = ep_graph_stream_packets(g, io->output_stream);
  const char *dst = io->output;
  if (strcmp(dst, "null") == 0)
    fprintf(stderr, "pipe-run: %s: %" PRId64 " frames (discarded)",
            io->output_stream, written);
  else if (strcmp(dst, "display") == 0)
    fprintf(stderr, "pipe-run: %s: %" PRId64 " frames shown", io->output_stream,
            written);
  else
    fprintf(stderr, "pipe-run: wrote %s (%s, %" PRId64 " frames)", dst,
            io->output_stream, written);
  if (io->input_stream) {
    int64_t decoded = ep_graph_stream_packets(g, io->input_stream);
    fprintf(stderr,
            " from %" PRId64 " decoded, %" PRId64 " dropped by flow control",
            decoded, decoded - written);
  }
  fputc('\n', stderr);
}

void ep__media_io_tune_memory(void) {
  /* Setting the threshold turns glibc's dynamic adjustment off; 128 kB is
   * its own starting value, so smaller blocks are unaffected. */
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

void ep__media_io_clear(media_io *io) {
  free(io->input_stream);
  free(io->output_stream);
  free(io->input);
  free(io->output);
  memset(io, 0, sizeof *io);
}
