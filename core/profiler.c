/* profiler.c — the Chrome trace-event writer and the stream latency
 * histograms (see profiler.h).
 *
 * Each recording thread owns one buffer per trace, found through a
 * thread-local cache keyed by the trace's id (ids are never reused, so a
 * cache entry of a freed trace is never followed). Buffers are linked into
 * their trace under its mutex when made, and written out under it when
 * full and at the end. Events keep numbers only; names are looked up in
 * the graph when the text is written. */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph_internal.h"
#include "profiler.h"
#include "suggest.h"

#define CHUNK 2048      /* events per thread buffer */
#define LAT_SLOTS 4096u /* timestamps remembered for latency */

uint64_t ep__prof_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* --- settings ------------------------------------------------------------- */

/* ProfilerConfig fields edgepipe acts on, then those it accepts and
 * ignores (MediaPipe's, so its graphs load). */
static const char *const used_fields[] = {"trace_enabled", "trace_log_path",
                                          "enable_stream_latency"};
static const char *const ignored_fields[] = {
    "enable_profiler",
    "histogram_interval_size_usec",
    "num_histogram_intervals",
    "use_packet_timestamp_for_added_packet",
    "trace_log_capacity",
    "trace_event_types_disabled",
    "trace_log_count",
    "trace_log_interval_usec",
    "trace_log_margin_usec",
    "trace_log_duration_events",
    "trace_log_interval_count",
    "trace_log_disabled",
    "trace_log_instant_events",
    "calculator_filter",
    "enable_input_output_latency"};
#define N_USED (sizeof used_fields / sizeof *used_fields)
#define N_IGNORED (sizeof ignored_fields / sizeof *ignored_fields)

static int field_of(const ep_cfg_node *f, ep_diag *d) {
  for (size_t i = 0; i < N_USED; i++)
    if (strcmp(f->name, used_fields[i]) == 0)
      return (int)i;
  for (size_t i = 0; i < N_IGNORED; i++)
    if (strcmp(f->name, ignored_fields[i]) == 0)
      return -1;
  if (d) {
    ep_suggest s;
    ep__suggest_init(&s, f->name);
    for (size_t i = 0; i < N_USED; i++)
      ep__suggest_add(&s, used_fields[i]);
    const char *hint = ep__suggest_best(&s);
    ep__diag_add(d, &f->name_loc, "unknown field '%s' in profiler_config%s%s%s",
                 f->name, hint ? "; did you mean '" : "", hint ? hint : "",
                 hint ? "'?" : "");
  }
  return -1;
}

static void want(ep_diag *d, const ep_cfg_node *f, bool ok, const char *what) {
  if (!ok && d)
    ep__diag_add(d, &f->loc, "field '%s' in profiler_config must be %s",
                 f->name, what);
}

void ep__profiler_settings_read(const ep_cfg_node *pc, ep__profiler_settings *s,
                                ep_diag *d) {
  memset(s, 0, sizeof *s);
  if (!pc || pc->kind != EP_CFG_MESSAGE)
    return;
  for (const ep_cfg_node *f = pc->first; f; f = f->next) {
    int k = field_of(f, d);
    bool is_bool = f->kind == EP_CFG_BOOL;
    bool is_str = f->kind == EP_CFG_STRING || f->kind == EP_CFG_IDENT;
    if (k == 0 || k == 2) {
      want(d, f, is_bool, "true or false");
      if (is_bool)
        *(k == 0 ? &s->trace : &s->latency) = f->i != 0;
    } else if (k == 1) {
      want(d, f, is_str && f->len > 0 && strlen(f->str) == f->len,
           "a file path");
      if (is_str && f->len > 0)
        s->trace_path = f->str;
    }
  }
}

/* --- trace events --------------------------------------------------------- */

enum { EV_SPAN, EV_QUEUE, EV_DROP };

typedef struct event {
  uint64_t t0, dur;
  int64_t ts; /* packet timestamp, or the queue depth */
  int32_t node;
  int16_t slot; /* EV_QUEUE: the input; EV_SPAN: the span kind */
  int16_t what;
} event;

typedef struct tbuf {
  struct tbuf *next;
  size_t n;
  event ev[CHUNK];
} tbuf;

struct ep__trace {
  uint64_t id;
  ep_graph *g;
  uint64_t origin; /* ep__prof_now at open: trace time 0 */
  uv_mutex_t mu;   /* guards everything below */
  FILE *f;
  char *path;
  bool any;  /* an event was written: the next needs a comma */
  bool done; /* finished: the file is closed */
  bool write_failed;
  tbuf *bufs;
};

static atomic_uint_fast64_t next_trace_id = 1;
static _Thread_local uint64_t tls_id;
static _Thread_local tbuf *tls_buf;

/* A JSON string's body: quotes, backslashes and control bytes escaped. */
static void put_json(FILE *f, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
}

static void sep(ep__trace *t) {
  fputs(t->any ? ",\n" : "\n", t->f);
  t->any = true;
}

static double us_of(const ep__trace *t, uint64_t ns) {
  return ns < t->origin ? 0.0 : (double)(ns - t->origin) / 1e3;
}

static const char *const span_names[] = {"process", "open", "close"};

static void write_event(ep__trace *t, const event *e) {
  const ep__node *n = t->g->nodes[e->node];
  FILE *f = t->f;
  sep(t);
  if (e->what == EV_SPAN) {
    fputs("{\"ph\":\"X\",\"pid\":1,\"name\":\"", f);
    put_json(f, e->slot == EP__SPAN_PROCESS ? n->name : span_names[e->slot]);
    fprintf(f, "\",\"cat\":\"%s\",\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f",
            span_names[e->slot], e->node + 1, us_of(t, e->t0),
            (double)e->dur / 1e3);
    if (e->ts != EP_TS_UNSET)
      fprintf(f, ",\"args\":{\"timestamp\":%" PRId64 "}", e->ts);
    fputc('}', f);
  } else if (e->what == EV_QUEUE) {
    fputs("{\"ph\":\"C\",\"pid\":1,\"name\":\"queue ", f);
    put_json(f, n->name);
    fputc('/', f);
    put_json(f, n->in[e->slot] ? n->in[e->slot]->src->name : "?");
    fprintf(f, "\",\"ts\":%.3f,\"args\":{\"depth\":%" PRId64 "}}",
            us_of(t, e->t0), e->ts);
  } else {
    fprintf(f,
            "{\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%d,\"name\":\"drop\","
            "\"ts\":%.3f,\"args\":{\"timestamp\":%" PRId64 "}}",
            e->node + 1, us_of(t, e->t0), e->ts);
  }
}

/* Writes b's events and empties it (t->mu held). */
static void drain(ep__trace *t, tbuf *b) {
  if (!t->done)
    for (size_t i = 0; i < b->n; i++)
      write_event(t, &b->ev[i]);
  b->n = 0;
}

static tbuf *my_buf(ep__trace *t) {
  if (tls_id == t->id)
    return tls_buf;
  tbuf *b = malloc(sizeof *b);
  if (!b)
    return NULL;
  b->n = 0;
  uv_mutex_lock(&t->mu);
  b->next = t->bufs;
  t->bufs = b;
  uv_mutex_unlock(&t->mu);
  tls_id = t->id;
  tls_buf = b;
  return b;
}

static void record(ep__trace *t, const event *e) {
  tbuf *b = my_buf(t);
  if (!b)
    return; /* out of memory: the trace loses this event, the graph runs */
  if (b->n == CHUNK) {
    uv_mutex_lock(&t->mu);
    drain(t, b);
    uv_mutex_unlock(&t->mu);
  }
  b->ev[b->n++] = *e;
}

void ep__trace_span(ep__trace *t, int node, int kind, ep_timestamp ts,
                    uint64_t t0, uint64_t t1) {
  event e = {.t0 = t0,
             .dur = t1 - t0,
             .ts = ts,
             .node = node,
             .slot = (int16_t)kind,
             .what = EV_SPAN};
  record(t, &e);
}

void ep__trace_queue(ep__trace *t, int node, int slot, size_t depth) {
  event e = {.t0 = ep__prof_now(),
             .ts = (int64_t)depth,
             .node = node,
             .slot = (int16_t)slot,
             .what = EV_QUEUE};
  record(t, &e);
}

void ep__trace_drop(ep__trace *t, int node, ep_timestamp ts) {
  event e = {.t0 = ep__prof_now(), .ts = ts, .node = node, .what = EV_DROP};
  record(t, &e);
}

static char *default_path(void) {
  const char *dir = getenv("TMPDIR");
  return ep__strdup_printf("%s/edgepipe_trace.json",
                           dir && *dir ? dir : "/tmp");
}

int ep__trace_open(ep_graph *g, const char *path, ep__trace **out, char **err) {
  *out = NULL;
  *err = NULL;
  ep__trace *t = calloc(1, sizeof *t);
  if (!t || uv_mutex_init(&t->mu) != 0) {
    free(t);
    return EP_ENOMEM;
  }
  t->path = path ? strdup(path) : default_path();
  t->f = t->path ? fopen(t->path, "w") : NULL;
  if (!t->f) {
    int e = errno;
    *err = ep__strdup_printf("cannot write the trace file '%s': %s",
                             t->path ? t->path : "?", strerror(e));
    t->done = true;
    ep__trace_free(t);
    return EP_EIO;
  }
  t->id = atomic_fetch_add(&next_trace_id, 1);
  t->g = g;
  t->origin = ep__prof_now();
  fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", t->f);
  *out = t;
  return 0;
}

/* Track names: the graph, and each node with its calculator, in order. */
static void write_names(ep__trace *t) {
  sep(t);
  fputs("{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\","
        "\"args\":{\"name\":\"edgepipe graph\"}}",
        t->f);
  for (size_t i = 0; i < t->g->n_nodes; i++) {
    const ep__node *n = t->g->nodes[i];
    sep(t);
    fprintf(t->f,
            "{\"ph\":\"M\",\"pid\":1,\"tid\":%zu,\"name\":\"thread_name\","
            "\"args\":{\"name\":\"",
            i + 1);
    put_json(t->f, n->name);
    fputs(" (", t->f);
    put_json(t->f, n->def->name);
    fputs(")\"}}", t->f);
    sep(t);
    fprintf(t->f,
            "{\"ph\":\"M\",\"pid\":1,\"tid\":%zu,\"name\":"
            "\"thread_sort_index\",\"args\":{\"sort_index\":%zu}}",
            i + 1, i);
  }
}

int ep__trace_finish(ep__trace *t, char **err) {
  *err = NULL;
  if (!t)
    return 0;
  uv_mutex_lock(&t->mu);
  int rc = 0;
  if (!t->done) {
    for (tbuf *b = t->bufs; b; b = b->next)
      drain(t, b);
    write_names(t);
    fputs("\n]}\n", t->f);
    bool bad = ferror(t->f) != 0;
    bad |= fclose(t->f) != 0;
    int e = errno;
    t->f = NULL;
    t->done = true;
    if (bad) {
      rc = EP_EIO;
      *err = ep__strdup_printf("cannot write the trace file '%s': %s", t->path,
                               strerror(e ? e : EIO));
    }
  }
  uv_mutex_unlock(&t->mu);
  return rc;
}

void ep__trace_free(ep__trace *t) {
  if (!t)
    return;
  if (t->f)
    fclose(t->f);
  while (t->bufs) {
    tbuf *b = t->bufs;
    t->bufs = b->next;
    free(b);
  }
  uv_mutex_destroy(&t->mu);
  free(t->path);
  free(t);
}

/* --- latency -------------------------------------------------------------- */

typedef struct lat_slot {
  ep_timestamp ts;
  uint64_t ns;
} lat_slot;

struct ep__latency {
  lat_slot slots[LAT_SLOTS];
  ep__histogram *hist; /* one per graph output stream */
  size_t n_out;
};

static size_t slot_of(ep_timestamp ts) {
  uint64_t h = (uint64_t)ts * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 52) & (LAT_SLOTS - 1);
}

ep__latency *ep__latency_new(ep_graph *g) {
  ep__latency *l = calloc(1, sizeof *l);
  size_t n_out = g->cfg->output_stream.n;
  if (l)
    l->hist = calloc(n_out + 1, sizeof *l->hist);
  if (!l || !l->hist) {
    ep__latency_free(l);
    return NULL;
  }
  l->n_out = n_out;
  for (size_t i = 0; i < LAT_SLOTS; i++)
    l->slots[i].ts = EP_TS_UNSET;
  for (size_t i = 0; i < g->n_streams; i++) {
    ep__stream *s = g->streams[i];
    s->lat_entry = !s->producer || s->producer->is_source;
    for (size_t k = 0; k < n_out; k++)
      if (strcmp(g->cfg->output_stream.v[k].name, s->name) == 0)
        s->lat_out = (int)k + 1;
  }
  return l;
}

void ep__latency_sent(ep__latency *l, const ep__stream *s, ep_timestamp ts) {
  lat_slot *e = &l->slots[slot_of(ts)];
  if (s->lat_entry && e->ts != ts) {
    e->ts = ts;
    e->ns = ep__prof_now();
  }
  if (s->lat_out && e->ts == ts)
    ep__histogram_add(&l->hist[s->lat_out - 1], ep__prof_now() - e->ns);
}

const ep__histogram *ep__latency_hist(const ep__latency *l, size_t i) {
  return i < l->n_out ? &l->hist[i] : NULL;
}

void ep__latency_free(ep__latency *l) {
  if (!l)
    return;
  free(l->hist);
  free(l);
}

/* --- the graph API (graph.h) ---------------------------------------------- */

/* True before ep_graph_start was called. */
static bool not_started(ep_graph *g) {
  uv_mutex_lock(&g->lock);
  bool ok = g->state == EP__CREATED && !g->start_claimed;
  uv_mutex_unlock(&g->lock);
  return ok;
}

int ep_graph_set_trace(ep_graph *g, const char *path) {
  if (!g)
    return EP_EINVAL;
  if (!not_started(g))
    return EP_ESTATE;
  char *copy = path ? strdup(path) : NULL;
  if (path && !copy)
    return EP_ENOMEM;
  free(g->trace_path);
  g->trace_path = copy;
  g->trace_on = path != NULL;
  return 0;
}

int ep_graph_enable_latency(ep_graph *g) {
  if (!g)
    return EP_EINVAL;
  if (!not_started(g))
    return EP_ESTATE;
  g->latency_on = true;
  return 0;
}

int ep_graph_latency(ep_graph *g, ep_stream_latency **out, size_t *n) {
  if (!g || !out || !n)
    return EP_EINVAL;
  size_t k = g->cfg->output_stream.n;
  *out = calloc(k + 1, sizeof **out);
  if (!*out)
    return EP_ENOMEM;
  uv_mutex_lock(&g->lock);
  for (size_t i = 0; i < k; i++) {
    ep_stream_latency *r = &(*out)[i];
    r->stream = g->cfg->output_stream.v[i].name;
    const ep__histogram *h = g->lat ? ep__latency_hist(g->lat, i) : NULL;
    if (h) {
      r->frames = h->count;
      r->p50_ns = ep__histogram_quantile(h, 0.50);
      r->p99_ns = ep__histogram_quantile(h, 0.99);
      r->max_ns = h->max;
    }
  }
  uv_mutex_unlock(&g->lock);
  *n = k;
  return 0;
}

int ep__profile_configure(ep_graph *g) {
  ep__profiler_settings s;
  ep__profiler_settings_read(g->cfg->profiler_config, &s, NULL);
  g->trace_on = s.trace;
  g->latency_on = s.latency;
  if (s.trace_path && !(g->trace_path = strdup(s.trace_path)))
    return EP_ENOMEM;
  return 0;
}

int ep__profile_start(ep_graph *g) {
  if (g->latency_on && !(g->lat = ep__latency_new(g)))
    return EP_ENOMEM;
  if (!g->trace_on)
    return 0;
  char *err = NULL;
  int rc = ep__trace_open(g, g->trace_path, &g->trace, &err);
  if (rc < 0) {
    free(g->errmsg);
    g->errmsg = err;
  }
  return rc;
}

void ep__profile_finish(ep_graph *g) {
  char *err = NULL;
  if (ep__trace_finish(g->trace, &err) == 0)
    return;
  uv_mutex_lock(&g->lock);
  if (g->err == 0) {
    g->err = EP_EIO;
    free(g->errmsg);
    g->errmsg = err;
    err = NULL;
  }
  uv_mutex_unlock(&g->lock);
  free(err);
}

void ep__profile_free(ep_graph *g) {
  char *err = NULL;
  ep__trace_finish(g->trace, &err);
  free(err);
  ep__trace_free(g->trace);
  ep__latency_free(g->lat);
  free(g->trace_path);
  g->trace = NULL;
  g->lat = NULL;
}
