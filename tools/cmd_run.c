/* cmd_run.c — `pipe-run GRAPH`: runs a graph until its sources finish.
 *
 * The main thread runs a libuv loop: SIGINT/SIGTERM handlers stop the
 * sources so the graph drains and closes its nodes (a second signal
 * cancels), a one-second timer prints progress when stderr is a terminal,
 * and an async handle ends the loop when a helper thread's ep_graph_wait
 * returns. Exit: 0, 1 on a graph error, 2 on a usage error, 128+signal
 * after a signal. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "edgepipe/detection.h"
#include "edgepipe/graph.h"
#include "graph_internal.h"
#include "media_io.h"
#include "packet_json.h"
#include "pipe_run.h"

typedef struct run_state {
  ep_graph *g;
  uv_loop_t loop;
  uv_signal_t sigint, sigterm;
  uv_timer_t progress;
  uv_async_t done;
  uv_thread_t waiter;
  int wait_rc;
  int signal; /* the first signal received, or 0 */
  bool tty;
  uint64_t last_ns;
  int64_t *last_counts;   /* per graph output stream */
  media_io io;            /* the decoder and encoder pipe-run added */
  struct counter *counts; /* per graph output stream */
} run_state;

/* --- --print and the summary's counts ------------------------------------- */

/* The first write error on stdout (errno), for the message at the end. */
static atomic_int stdout_errno;

typedef struct printer {
  const char *stream;
} printer;

static int print_packet(void *user, ep_packet *p) {
  const printer *pr = user;
  int rc = ep__packet_json_write(stdout, pr->stream, p);
  /* A full disk: stop the graph rather than print into the void. */
  if (rc == EP_EIO)
    atomic_store(&stdout_errno, errno);
  return rc;
}

/* Detections seen on one graph output stream, for the summary. */
typedef struct counter {
  const char *stream;
  int64_t packets, detections;
  bool is_detections;
} counter;

static int count_packet(void *user, ep_packet *p) {
  counter *c = user;
  c->packets++;
  if (strcmp(ep_packet_type(p)->name, "Detections") == 0) {
    const ep_detections *d = ep_packet_data(p);
    c->is_detections = true;
    c->detections += (int64_t)d->n;
  }
  return 0;
}

/* Counts on every graph output stream but the encoded one. */
static int attach_counters(ep_graph *g, const media_io *io, counter *c) {
  for (size_t i = 0; i < ep_graph_output_count(g); i++) {
    c[i].stream = ep_graph_output_name(g, i);
    if (io->output_stream && strcmp(c[i].stream, io->output_stream) == 0)
      continue;
    if (ep_graph_observe(g, c[i].stream, count_packet, &c[i]) < 0)
      return PIPE_RUN_GRAPH_ERROR;
  }
  return PIPE_RUN_OK;
}

static void report_counts(ep_graph *g, const counter *c) {
  for (size_t i = 0; i < ep_graph_output_count(g); i++)
    if (c[i].is_detections)
      fprintf(stderr,
              "pipe-run: %s: %" PRId64 " detections in %" PRId64 " frames\n",
              c[i].stream, c[i].detections, c[i].packets);
}

/* --- the event loop
 * ----------------------------------------------------------- */

static void on_signal(uv_signal_t *h, int signum) {
  run_state *st = h->data;
  if (st->signal) {
    ep_graph_cancel(st->g); /* a second signal: do not wait for a drain */
    return;
  }
  st->signal = signum;
  if (st->tty)
    fputc('\n', stderr);
  fprintf(stderr, "pipe-run: %s, stopping the sources\n",
          signum == SIGINT ? "interrupted" : "terminated");
  ep_graph_stop_sources(st->g);
}

static void on_progress(uv_timer_t *h) {
  run_state *st = h->data;
  uint64_t now = uv_hrtime();
  double secs = (double)(now - st->last_ns) / 1e9;
  st->last_ns = now;
  fputs("\r\033[K", stderr);
  size_t n = ep_graph_output_count(st->g);
  for (size_t i = 0; i < n; i++) {
    const char *name = ep_graph_output_name(st->g, i);
    int64_t c = ep_graph_stream_packets(st->g, name);
    fprintf(stderr, "%s%s %.0f/s", i ? "  " : "", name,
            secs > 0 ? (double)(c - st->last_counts[i]) / secs : 0.0);
    st->last_counts[i] = c;
  }
  if (n == 0)
    fputs("running", stderr);
  fflush(stderr);
}

static void on_done(uv_async_t *h) {
  run_state *st = h->data;
  uv_close((uv_handle_t *)&st->sigint, NULL);
  uv_close((uv_handle_t *)&st->sigterm, NULL);
  uv_close((uv_handle_t *)&st->done, NULL);
  if (st->tty) {
    uv_close((uv_handle_t *)&st->progress, NULL);
    fputs("\r\033[K", stderr);
  }
}

static void wait_thread(void *arg) {
  run_state *st = arg;
  st->wait_rc = ep_graph_wait(st->g);
  uv_async_send(&st->done);
}

static int loop_run(run_state *st) {
  if (uv_loop_init(&st->loop) != 0)
    return -1;
  uv_signal_init(&st->loop, &st->sigint);
  uv_signal_init(&st->loop, &st->sigterm);
  uv_async_init(&st->loop, &st->done, on_done);
  st->sigint.data = st->sigterm.data = st->done.data = st;
  uv_signal_start(&st->sigint, on_signal, SIGINT);
  uv_signal_start(&st->sigterm, on_signal, SIGTERM);
  if (st->tty) {
    uv_timer_init(&st->loop, &st->progress);
    st->progress.data = st;
    st->last_ns = uv_hrtime();
    uv_timer_start(&st->progress, on_progress, 1000, 1000);
  }
  if (uv_thread_create(&st->waiter, wait_thread, st) != 0)
    return -1;
  uv_run(&st->loop, UV_RUN_DEFAULT);
  uv_thread_join(&st->waiter);
  uv_loop_close(&st->loop);
  return 0;
}

/* --- setup and the end
 * -------------------------------------------------------- */

/* The widest of a column's entries, at least `min`. */
static int column_width(const ep_node_stats *s, size_t n, bool calc, int min) {
  int w = min;
  for (size_t i = 0; i < n; i++) {
    int k = (int)strlen(calc ? s[i].calculator : s[i].name);
    w = k > w ? k : w;
  }
  return w;
}

static void print_stats(ep_graph *g) {
  ep_node_stats *s = NULL;
  size_t n = 0;
  if (ep_graph_stats(g, &s, &n) < 0)
    return;
  int wn = column_width(s, n, false, 4), wc = column_width(s, n, true, 10);
  fprintf(stderr, "%-*s %-*s %10s %10s %10s %8s %10s %10s %10s %6s\n", wn,
          "node", wc, "calculator", "calls", "in", "out", "drops", "p50 us",
          "p99 us", "max us", "maxq");
  for (size_t i = 0; i < n; i++)
    fprintf(stderr,
            "%-*s %-*s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %8" PRIu64
            " %10.1f %10.1f %10.1f %6" PRIu64 "\n",
            wn, s[i].name, wc, s[i].calculator, s[i].process_calls,
            s[i].packets_in, s[i].packets_out, s[i].drops,
            (double)s[i].time_p50_ns / 1e3, (double)s[i].time_p99_ns / 1e3,
            (double)s[i].time_max_ns / 1e3, s[i].max_queue);
  free(s);
}

/* Graph input (or source) to each output stream, per frame. */
static void print_latency(ep_graph *g) {
  ep_stream_latency *l = NULL;
  size_t n = 0;
  if (ep_graph_latency(g, &l, &n) < 0)
    return;
  fprintf(stderr, "%-24s %10s %10s %10s %10s\n", "output stream", "frames",
          "p50 ms", "p99 ms", "max ms");
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, "%-24s %10" PRIu64 " %10.3f %10.3f %10.3f\n", l[i].stream,
            l[i].frames, (double)l[i].p50_ns / 1e6, (double)l[i].p99_ns / 1e6,
            (double)l[i].max_ns / 1e6);
  free(l);
}

/* Parses the --side values; usage errors name the option. */
static int make_sides(const struct pipe_run_args *a, ep_graph *g,
                      ep_side_packet *side) {
  for (size_t i = 0; i < a->n_sides; i++) {
    char text[1024], *name = NULL, *err = NULL;
    snprintf(text, sizeof text, "%s=%s", a->sides[i].name, a->sides[i].value);
    if (ep_graph_parse_side_packet(g, text, &name, &side[i].packet, &err) < 0) {
      fprintf(stderr, "pipe-run: --side %s: %s\n", text, err ? err : "bad");
      free(err);
      return PIPE_RUN_USAGE;
    }
    free(name);
    side[i].name = a->sides[i].name;
  }
  return PIPE_RUN_OK;
}

static int attach_printers(const struct pipe_run_args *a, ep_graph *g,
                           printer *pr) {
  for (size_t i = 0; i < a->n_prints; i++) {
    pr[i].stream = a->prints[i];
    if (ep_graph_observe(g, a->prints[i], print_packet, &pr[i]) < 0) {
      fprintf(stderr, "pipe-run: --print %s: the graph has no such stream\n",
              a->prints[i]);
      return PIPE_RUN_USAGE;
    }
  }
  return PIPE_RUN_OK;
}

/* Whether everything --print wrote reached stdout (a full disk, a closed
 * pipe); says why not. */
static bool stdout_ok(void) {
  errno = 0;
  if (fflush(stdout) == 0 && !ferror(stdout))
    return true;
  int e = atomic_load(&stdout_errno);
  e = e ? e : errno ? errno : EIO;
  fprintf(stderr, "pipe-run: cannot write the printed packets: %s\n",
          strerror(e));
  return false;
}

static int finish(run_state *st, const struct pipe_run_args *a) {
  bool printed = a->n_prints == 0 || stdout_ok();
  if (!printed)
    st->wait_rc = st->wait_rc < 0 ? st->wait_rc : EP_EIO;
  if (a->stats)
    print_stats(st->g);
  if (a->latency)
    print_latency(st->g);
  if (st->wait_rc >= 0 || st->signal) {
    ep__media_io_report(&st->io, st->g);
    report_counts(st->g, st->counts);
  }
  if (st->wait_rc < 0 && st->wait_rc != EP_ECANCELED && printed) {
    const char *msg = ep_graph_error(st->g);
    fprintf(stderr, "pipe-run: %s\n", msg ? msg : ep_strerror(st->wait_rc));
  }
  if (st->signal)
    return 128 + st->signal;
  return st->wait_rc < 0 ? PIPE_RUN_GRAPH_ERROR : PIPE_RUN_OK;
}

static int run_graph(const struct pipe_run_args *a, run_state *st,
                     ep_side_packet *side, printer *pr) {
  if (a->threads > 0)
    ep_graph_set_num_threads(st->g, a->threads);
  if (a->trace)
    ep_graph_set_trace(st->g, a->trace);
  if (a->latency)
    ep_graph_enable_latency(st->g);
  int rc = make_sides(a, st->g, side);
  if (rc == PIPE_RUN_OK)
    rc = attach_printers(a, st->g, pr);
  if (rc == PIPE_RUN_OK)
    rc = attach_counters(st->g, &st->io, st->counts);
  if (rc != PIPE_RUN_OK)
    return rc;
  int err = ep_graph_start(st->g, side, a->n_sides);
  if (err < 0) {
    const char *msg = ep_graph_error(st->g);
    fprintf(stderr, "pipe-run: %s\n", msg ? msg : ep_strerror(err));
    return PIPE_RUN_GRAPH_ERROR;
  }
  /* Nothing feeds the graph's input streams from here: close them so the
   * graph can finish once its sources do. */
  ep_graph_close_all_inputs(st->g);
  if (loop_run(st) < 0) {
    fprintf(stderr, "pipe-run: cannot start the event loop\n");
    ep_graph_cancel(st->g);
    st->wait_rc = ep_graph_wait(st->g);
  }
  return finish(st, a);
}

/* Loads the graph, adds pipe-run's decoder and encoder (media_io.h), then
 * validates it: messages about the user's nodes point into their file. */
static int load_graph(const struct pipe_run_args *a, run_state *st) {
  ep_graph_config *cfg = NULL;
  char *err = NULL;
  int rc = ep__graph_config_load_file(a->graphs[0], &cfg, &err);
  if (rc == 0) {
    int wired = ep__media_io_wire(cfg, a, &st->io);
    if (wired != PIPE_RUN_OK) {
      ep__graph_config_free(cfg);
      return wired;
    }
    rc = ep__graph_create_from_config(cfg, &st->g, &err);
  }
  if (rc < 0) {
    fprintf(stderr, "%s", err ? err : "pipe-run: cannot load the graph\n");
    free(err);
    return PIPE_RUN_GRAPH_ERROR;
  }
  return PIPE_RUN_OK;
}

int ep__cmd_run(const struct pipe_run_args *a) {
  run_state st;
  memset(&st, 0, sizeof st);
  ep__media_io_tune_memory();
  int rc = load_graph(a, &st);
  if (rc != PIPE_RUN_OK) {
    ep__media_io_clear(&st.io);
    return rc;
  }
  st.tty = isatty(STDERR_FILENO);
  ep_side_packet *side = calloc(a->n_sides + 1, sizeof *side);
  printer *pr = calloc(a->n_prints + 1, sizeof *pr);
  size_t n_out = ep_graph_output_count(st.g) + 1;
  st.last_counts = calloc(n_out, sizeof *st.last_counts);
  st.counts = calloc(n_out, sizeof *st.counts);
  rc = PIPE_RUN_GRAPH_ERROR;
  if (side && pr && st.last_counts && st.counts)
    rc = run_graph(a, &st, side, pr);
  ep_graph_destroy(st.g);
  for (size_t i = 0; side && i < a->n_sides; i++)
    ep_packet_unref(side[i].packet);
  free(side);
  free(pr);
  free(st.last_counts);
  free(st.counts);
  ep__media_io_clear(&st.io);
  return rc;
}
