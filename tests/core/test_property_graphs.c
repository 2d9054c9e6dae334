/* test_property_graphs.c — random graphs against the runtime's invariants.
 *
 * Each case builds a random DAG of 2 to 30 nodes as pbtxt text (so it goes
 * through the real parser and validator): pass-through, dropping,
 * delaying, fan-out and fan-in nodes, FlowLimiters with FINISHED back
 * edges, Default or Immediate handlers, up to three executors and a random
 * max_queue_size. It pushes random packet streams into one or two graph
 * inputs, waits under a watchdog, and checks:
 *   - every consumer received exactly the timestamps its stream carried,
 *     and each node sent exactly what its rule says (a PASS sends all, a
 *     DROP all but its rule's, a FANIN the union of its inputs ...), so a
 *     packet only disappears where a dropping node or a FlowLimiter says
 *     (the FlowLimiter's ALLOW output accounts for each frame);
 *   - timestamps increase on every input and every observed stream;
 *   - no node runs two process() calls at once;
 *   - the graph finishes (the watchdog cancels it and fails the case);
 *   - no packet leaks.
 *
 * make check runs it for EP_PROPERTY_SECONDS (default 15) from seed
 * EP_PROPERTY_SEED (default 20261128); case i uses seed + i. A failure
 * prints the case's seed and graph. For a longer run:
 *   EP_PROPERTY_SECONDS=600 EP_PROPERTY_SEED=$RANDOM \
 *     build/tests/test_sched_property_graphs
 * and to replay one case: EP_PROPERTY_SEED=<its seed> EP_PROPERTY_SECONDS=0. */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edgepipe/graph.h"
#include "edgepipe/registry.h"

#define MAX_NODES 32
#define MAX_IN 3
#define MAX_TS 4096 /* timestamps are below this */
#define WORDS (MAX_TS / 64)
#define WATCHDOG_S 60

typedef uint64_t bits[WORDS];

static void bit_set(uint64_t *b, int64_t ts) {
  b[ts / 64] |= 1ull << (ts % 64);
}
static long bit_count(const uint64_t *b) {
  long n = 0;
  for (int i = 0; i < WORDS; i++)
    n += __builtin_popcountll(b[i]);
  return n;
}

/* --- the test calculator: one per node, its kind an option -----------------
 */

enum { K_PASS, K_DROP, K_DELAY, K_FANOUT, K_FANIN, K_ALLOW, K_COUNT };
static const char *const kind_names[] = {"PASS",  "DROP",  "DELAY", "FANOUT",
                                         "FANIN", "ALLOW", NULL};

/* What node `id` saw and did. Written by its own process() calls (one at
 * a time); read by the test after ep_graph_wait. */
typedef struct record {
  atomic_int inflight;
  int kind, n_in;
  bits in[MAX_IN]; /* timestamps received, per input */
  bits out;        /* timestamps sent (on every output) */
  bits merged;     /* FANIN with Immediate: a late timestamp not re-sent */
  int64_t last_in[MAX_IN], last_out;
  long allow_true, allow_false;
} record;

static record recs[MAX_NODES];
static atomic_int overlaps, order_errors;

static bool drops(int id, int64_t ts) {
  return ((uint64_t)ts * 2654435761u + (uint64_t)id * 97u) % 4 == 0;
}

static const ep_port_spec prop_in[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = MAX_IN},
    {.tag = NULL},
};
static const ep_port_spec prop_out[] = {
    {.tag = "", .type = "Int", .min_count = 0, .max_count = 2},
    {.tag = NULL},
};
static const ep_option_spec prop_opts[] = {
    {.name = "id", .kind = EP_OPT_INT, .defval = "0", .min = 0, .max = 31},
    {.name = "kind",
     .kind = EP_OPT_ENUM,
     .defval = "PASS",
     .enum_values = kind_names},
    {.name = NULL},
};

static int send(ep_calc_ctx *ctx, record *r, int64_t ts) {
  int n = ep_ctx_output_count(ctx, "");
  for (int i = 0; i < n; i++) {
    int rc = ep_ctx_output_add(ctx, "", i, ep_packet_new_int(ts, ts));
    if (rc < 0)
      return rc;
  }
  bit_set(r->out, ts);
  r->last_out = ts;
  return 0;
}

/* Records the inputs of this call; returns how many there were. */
static int take_inputs(ep_calc_ctx *ctx, record *r, int64_t ts) {
  int got = 0;
  for (int i = 0; i < r->n_in; i++) {
    ep_packet *p = ep_ctx_input(ctx, "", i);
    if (!p)
      continue;
    got++;
    if (ts <= r->last_in[i] || ep_packet_timestamp(p) != ts)
      atomic_fetch_add(&order_errors, 1);
    r->last_in[i] = ts;
    bit_set(r->in[i], ts);
    if (r->kind == K_ALLOW && ep_packet_type(p) == &ep_type_bool)
      *(ep_packet_get_bool(p) ? &r->allow_true : &r->allow_false) += 1;
  }
  return got;
}

static int act(ep_calc_ctx *ctx, record *r, int id, int64_t ts) {
  switch (r->kind) {
  case K_DROP:
    return drops(id, ts) ? 0 : send(ctx, r, ts);
  case K_DELAY:
    if (ts % 7 == 0)
      usleep(50);
    return send(ctx, r, ts);
  case K_FANIN:
    if (ts <= r->last_out) {
      bit_set(r->merged, ts);
      return 0;
    }
    return send(ctx, r, ts);
  case K_ALLOW:
    return 0;
  default:
    return send(ctx, r, ts);
  }
}

static int prop_open(ep_calc_ctx *ctx) {
  const ep_options *o = ep_ctx_options(ctx);
  record *r = &recs[ep_options_int(o, "id")];
  const char *k = ep_options_string(o, "kind");
  for (int i = 0; kind_names[i]; i++)
    if (strcmp(kind_names[i], k) == 0)
      r->kind = i;
  r->n_in = ep_ctx_input_count(ctx, "");
  r->last_out = -1;
  for (int i = 0; i < MAX_IN; i++)
    r->last_in[i] = -1;
  return 0;
}

static int prop_process(ep_calc_ctx *ctx) {
  int id = (int)ep_options_int(ep_ctx_options(ctx), "id");
  record *r = &recs[id];
  if (atomic_fetch_add(&r->inflight, 1) != 0)
    atomic_fetch_add(&overlaps, 1);
  int64_t ts = ep_ctx_timestamp(ctx);
  int rc = 0;
  if (take_inputs(ctx, r, ts) > 0)
    rc = act(ctx, r, id, ts);
  atomic_fetch_sub(&r->inflight, 1);
  return rc;
}

static const ep_calculator_def prop_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "PropNodeCalculator",
    .inputs = prop_in,
    .outputs = prop_out,
    .options = prop_opts,
    .open = prop_open,
    .process = prop_process,
};

/* --- random graphs ----------------------------------------------------------
 */

static uint64_t rng;
static uint64_t next_u64(void) {
  uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static int rnd(int n) { return (int)(next_u64() % (uint64_t)n); }

/* What the checker knows of each stream: who makes it and who reads it. */
typedef struct stream_info {
  char name[16];
  int producer;      /* record id, or -1 (graph input / FlowLimiter) */
  int input;         /* graph input index, or -1 */
  int limiter;       /* made by limiter i, or -1 */
  int limiter_allow; /* the ALLOW stream of limiter i, or -1 */
  int consumers;
} stream_info;

typedef struct limiter_info {
  int in_stream, out_stream, allow_node;
} limiter_info;

typedef struct graph_plan {
  char text[32768];
  size_t len;
  stream_info streams[3 * MAX_NODES];
  int n_streams;
  limiter_info limiters[MAX_NODES];
  int n_limiters;
  int n_records; /* PropNode ids used */
  int n_nodes;   /* all nodes, limiters included */
  int n_inputs;
  /* Per record: its input streams, its handler. */
  int rec_in[MAX_NODES][MAX_IN];
  bool rec_immediate[MAX_NODES];
} graph_plan;

static void put(graph_plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(graph_plan *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(p->text + p->len, sizeof p->text - p->len, fmt, ap);
  va_end(ap);
  ck_assert_int_lt((size_t)n, sizeof p->text - p->len);
  p->len += (size_t)n;
}

static int new_stream(graph_plan *p, int producer) {
  stream_info *s = &p->streams[p->n_streams];
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "s%d", p->n_streams);
  s->producer = producer;
  s->input = s->limiter = s->limiter_allow = -1;
  return p->n_streams++;
}

/* A stream to read, biased to recent ones so graphs get deep. */
static int pick_stream(graph_plan *p) {
  int n = p->n_streams;
  int k = rnd(3) ? n - 1 - rnd(n < 4 ? n : 4) : rnd(n);
  while (p->streams[k].limiter_allow >= 0)
    k = rnd(n);
  return k;
}

static const char *handler(bool immediate) {
  return immediate ? "  input_stream_handler { input_stream_handler: "
                     "'ImmediateInputStreamHandler' }\n"
                   : "";
}

static const char *executor(void) {
  static const char *const ex[] = {"", "  executor: 'ex1'\n",
                                   "  executor: 'ex2'\n"};
  return ex[rnd(3)];
}

/* One PropNode of kind k reading streams in[0..n_in); returns its id. */
static int add_prop(graph_plan *p, int k, const int *in, int n_in, int n_out) {
  int id = p->n_records++;
  p->n_nodes++;
  p->rec_immediate[id] = rnd(2);
  put(p, "node { name: 'n%d' calculator: 'PropNodeCalculator'\n%s%s", id,
      handler(p->rec_immediate[id]), executor());
  for (int i = 0; i < MAX_IN; i++)
    p->rec_in[id][i] = i < n_in ? in[i] : -1;
  for (int i = 0; i < n_in; i++) {
    put(p, "  input_stream: '%s'\n", p->streams[in[i]].name);
    p->streams[in[i]].consumers++;
  }
  for (int i = 0; i < n_out; i++)
    put(p, "  output_stream: '%s'\n", p->streams[new_stream(p, id)].name);
  put(p, "  options { id: %d kind: %s } }\n", id, kind_names[k]);
  return id;
}

/* A FlowLimiter on stream `in`, a chain of 1-3 nodes after it whose end is
 * the FINISHED back edge, and an ALLOW counter. */
static void add_limiter(graph_plan *p, int in) {
  limiter_info *l = &p->limiters[p->n_limiters];
  int out = new_stream(p, -1), allow = new_stream(p, -1);
  p->streams[out].limiter = p->n_limiters;
  p->streams[allow].limiter_allow = p->n_limiters;
  l->in_stream = in;
  l->out_stream = out;
  p->streams[in].consumers++;
  int cur = out, links = 1 + rnd(3);
  char block[512];
  for (int i = 0; i < links; i++) {
    add_prop(p, rnd(2) ? K_DELAY : K_PASS, &cur, 1, 1);
    cur = p->n_streams - 1;
  }
  snprintf(block, sizeof block,
           "node { name: 'limiter%d' calculator: 'FlowLimiterCalculator'\n"
           "  input_stream: '%s' input_stream: 'FINISHED:%s'\n"
           "  input_stream_info { tag_index: 'FINISHED' back_edge: true }\n"
           "  output_stream: '%s' output_stream: 'ALLOW:%s'\n"
           "  options { max_in_flight: %d } }\n",
           p->n_limiters, p->streams[in].name, p->streams[cur].name,
           p->streams[out].name, p->streams[allow].name, 1 + rnd(2));
  put(p, "%s", block);
  p->n_nodes++;
  l->allow_node = add_prop(p, K_ALLOW, &allow, 1, 0);
  p->n_limiters++;
}

static void add_random_node(graph_plan *p) {
  int r = rnd(100);
  int in[MAX_IN];
  if (r < 12 && p->n_nodes + 3 <= 30) {
    add_limiter(p, pick_stream(p));
    return;
  }
  if (r < 30 && p->n_streams >= 2) {
    int n_in = 2 + (p->n_streams >= 3 ? rnd(2) : 0);
    for (int i = 0; i < n_in; i++) {
      bool dup;
      do {
        in[i] = pick_stream(p);
        dup = false;
        for (int k = 0; k < i; k++)
          dup |= in[k] == in[i];
      } while (dup);
    }
    add_prop(p, K_FANIN, in, n_in, 1);
    return;
  }
  in[0] = pick_stream(p);
  int k = r < 50 ? K_DROP : r < 65 ? K_DELAY : r < 80 ? K_FANOUT : K_PASS;
  add_prop(p, k, in, 1, k == K_FANOUT ? 2 : 1);
}

static void plan_graph(graph_plan *p) {
  memset(p, 0, sizeof *p);
  static const char *const queues[] = {"", "max_queue_size: 4\n",
                                       "max_queue_size: 16\n"};
  put(p, "num_threads: %d\n%s", 1 + rnd(4), queues[rnd(3)]);
  put(p,
      "executor { name: 'ex1' options {\n"
      "  [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: %d } } }\n"
      "executor { name: 'ex2' options {\n"
      "  [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 1 } } }\n",
      1 + rnd(2));
  p->n_inputs = 1 + rnd(2);
  for (int i = 0; i < p->n_inputs; i++) {
    int s = new_stream(p, -1);
    p->streams[s].input = i;
    put(p, "input_stream: '%s'\n", p->streams[s].name);
  }
  int target = 2 + rnd(29);
  while (p->n_nodes < target)
    add_random_node(p);
}

/* --- running a case ----------------------------------------------------------
 */

typedef struct observed {
  pthread_mutex_t mu;
  int64_t last;
  long errors;
} observed;

static int observe(void *user, ep_packet *p) {
  observed *o = user;
  pthread_mutex_lock(&o->mu);
  if (ep_packet_timestamp(p) <= o->last)
    o->errors++;
  o->last = ep_packet_timestamp(p);
  pthread_mutex_unlock(&o->mu);
  return 0;
}

typedef struct watchdog {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool done, fired;
  ep_graph *g;
} watchdog;

static void *watch(void *arg) {
  watchdog *w = arg;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += WATCHDOG_S;
  pthread_mutex_lock(&w->mu);
  while (!w->done)
    if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0 && !w->done) {
      w->fired = true;
      ep_graph_cancel(w->g);
      break;
    }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* The timestamps pushed to each graph input, and how. */
static bits pushed[2];

static void push_all(ep_graph *g, const graph_plan *p) {
  int n = 1 + rnd(rnd(4) ? 300 : 1500);
  int64_t ts = rnd(3);
  memset(pushed, 0, sizeof pushed);
  for (int i = 0; i < n && ts < MAX_TS; i++, ts += 1 + rnd(3)) {
    for (int k = 0; k < p->n_inputs; k++) {
      if (p->n_inputs > 1 && rnd(3) == 0)
        continue; /* each input carries its own subset */
      ep_packet *pk = ep_packet_new_int(ts, ts);
      int rc = ep_graph_add_packet(g, p->streams[k].name, pk, 0);
      if (rc < 0)
        return; /* the watchdog canceled the graph */
      bit_set(pushed[k], ts);
    }
  }
}

/* The case being run, printed when it fails (too long for a Check
 * message). */
static const char *current_text;

#define CASE_ASSERT(cond, ...)                                                 \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "failing graph:\n%s\n", current_text);                   \
      ck_abort_msg(__VA_ARGS__);                                               \
    }                                                                          \
  } while (0)

/* --- checking ----------------------------------------------------------------
 */

/* The timestamps a stream carried, as far as the checker can know. */
static const uint64_t *sent_on(const graph_plan *p, int s) {
  const stream_info *si = &p->streams[s];
  if (si->input >= 0)
    return pushed[si->input];
  if (si->producer >= 0)
    return recs[si->producer].out;
  if (si->limiter_allow >= 0)
    return sent_on(p, p->limiters[si->limiter_allow].in_stream);
  /* A limiter's output: what its first consumer received (others must
   * match it; the limiter's own accounting is checked apart). */
  for (int id = 0; id < p->n_records; id++)
    for (int i = 0; i < MAX_IN; i++)
      if (p->rec_in[id][i] == s)
        return recs[id].in[i];
  return NULL;
}

static bool same(const uint64_t *a, const uint64_t *b) {
  return memcmp(a, b, sizeof(bits)) == 0;
}

/* What node id should have sent, from what it received. */
static void expected_out(const graph_plan *p, int id, uint64_t *want) {
  const record *r = &recs[id];
  memset(want, 0, sizeof(bits));
  for (int i = 0; i < r->n_in; i++)
    for (int w = 0; w < WORDS; w++)
      want[w] |= r->in[i][w];
  if (r->kind == K_DROP)
    for (int64_t ts = 0; ts < MAX_TS; ts++)
      if (drops(id, ts))
        want[ts / 64] &= ~(1ull << (ts % 64));
  if (r->kind == K_ALLOW)
    memset(want, 0, sizeof(bits));
  (void)p;
}

static void check_case(const graph_plan *p, uint64_t seed) {
  for (int id = 0; id < p->n_records; id++) {
    const record *r = &recs[id];
    for (int i = 0; i < r->n_in; i++) {
      const uint64_t *s = sent_on(p, p->rec_in[id][i]);
      CASE_ASSERT(s && same(r->in[i], s),
                  "seed %" PRIu64 ": n%d input %d received %ld of the %ld "
                  "timestamps on '%s'",
                  seed, id, i, bit_count(r->in[i]), s ? bit_count(s) : -1,
                  p->streams[p->rec_in[id][i]].name);
    }
    bits want;
    expected_out(p, id, want);
    if (r->kind == K_FANIN) {
      /* Immediate: a late timestamp is merged, not re-sent; Default syncs
       * the inputs, so nothing comes late. */
      CASE_ASSERT(p->rec_immediate[id] || bit_count(r->merged) == 0,
                  "seed %" PRIu64 ": Default fan-in n%d saw a timestamp "
                  "after a later one",
                  seed, id);
      bits both;
      for (int w = 0; w < WORDS; w++)
        both[w] = r->out[w] | r->merged[w];
      CASE_ASSERT(same(both, want), "seed %" PRIu64 ": fan-in n%d", seed, id);
    } else {
      CASE_ASSERT(same(r->out, want),
                  "seed %" PRIu64 ": n%d (%s) sent %ld, expected %ld", seed, id,
                  kind_names[r->kind], bit_count(r->out), bit_count(want));
    }
  }
  for (int l = 0; l < p->n_limiters; l++) {
    const limiter_info *li = &p->limiters[l];
    const record *a = &recs[li->allow_node];
    long frames = bit_count(sent_on(p, li->in_stream));
    const uint64_t *passed = sent_on(p, li->out_stream);
    long n_passed = passed ? bit_count(passed) : a->allow_true;
    CASE_ASSERT(a->allow_true + a->allow_false == frames &&
                    a->allow_true == n_passed,
                "seed %" PRIu64 ": limiter%d: %ld frames, ALLOW %ld true "
                "%ld false, %ld passed",
                seed, l, frames, a->allow_true, a->allow_false, n_passed);
  }
}

static long env_long(const char *name, long def) {
  const char *v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : def;
}

/* Runs one case; returns false when it failed (after printing why). */
static void run_case(uint64_t seed) {
  rng = seed;
  static graph_plan plan;
  plan_graph(&plan);
  current_text = plan.text;
  memset(recs, 0, sizeof recs);
  atomic_store(&overlaps, 0);
  atomic_store(&order_errors, 0);
  long live = ep_packet_live_count();
  ep_graph *g = NULL;
  char *err = NULL;
  int rc = ep_graph_create_from_string(plan.text, plan.len, "pbtxt", "property",
                                       &g, &err);
  CASE_ASSERT(rc == 0, "seed %" PRIu64 ": does not load:\n%s", seed,
              err ? err : "");
  observed obs[3 * MAX_NODES];
  for (int s = 0; s < plan.n_streams; s++) {
    pthread_mutex_init(&obs[s].mu, NULL);
    obs[s].last = -1;
    obs[s].errors = 0;
    if (plan.streams[s].consumers == 0)
      ck_assert_int_eq(
          ep_graph_observe(g, plan.streams[s].name, observe, &obs[s]), 0);
  }
  watchdog w = {.g = g};
  pthread_mutex_init(&w.mu, NULL);
  pthread_cond_init(&w.cv, NULL);
  pthread_t wt;
  pthread_create(&wt, NULL, watch, &w);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  push_all(g, &plan);
  ep_graph_close_all_inputs(g);
  rc = ep_graph_wait(g);
  pthread_mutex_lock(&w.mu);
  w.done = true;
  pthread_cond_signal(&w.cv);
  pthread_mutex_unlock(&w.mu);
  pthread_join(wt, NULL);
  CASE_ASSERT(!w.fired, "seed %" PRIu64 ": no end after %d s", seed,
              WATCHDOG_S);
  CASE_ASSERT(rc == 0, "seed %" PRIu64 ": %s", seed, ep_graph_error(g));
  CASE_ASSERT(atomic_load(&overlaps) == 0,
              "seed %" PRIu64 ": a node ran twice at once", seed);
  CASE_ASSERT(atomic_load(&order_errors) == 0,
              "seed %" PRIu64 ": timestamps not increasing on an input", seed);
  for (int s = 0; s < plan.n_streams; s++) {
    CASE_ASSERT(obs[s].errors == 0,
                "seed %" PRIu64 ": timestamps not increasing on '%s'", seed,
                plan.streams[s].name);
    pthread_mutex_destroy(&obs[s].mu);
  }
  check_case(&plan, seed);
  ep_graph_destroy(g);
  CASE_ASSERT(ep_packet_live_count() == live, "seed %" PRIu64 ": leak", seed);
  pthread_mutex_destroy(&w.mu);
  pthread_cond_destroy(&w.cv);
}

START_TEST(random_graphs_keep_the_invariants) {
  if (!ep_calculator_find("PropNodeCalculator"))
    ck_assert_int_eq(ep_calculator_register(&prop_def), 0);
  long seconds = env_long("EP_PROPERTY_SECONDS", 15);
  uint64_t seed = (uint64_t)env_long("EP_PROPERTY_SEED", 20261128);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long cases = 0;
  do {
    run_case(seed + (uint64_t)cases);
    cases++;
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while (t.tv_sec - t0.tv_sec < seconds || cases < (seconds ? 5 : 1));
  printf("property: %ld random graphs from seed %" PRIu64 " in %ld s\n", cases,
         seed, (long)(t.tv_sec - t0.tv_sec));
}
END_TEST

int main(void) {
  Suite *s = suite_create("property_graphs");
  TCase *tc = tcase_create("property");
  long seconds = env_long("EP_PROPERTY_SECONDS", 15);
  tcase_set_timeout(tc, (double)seconds + 2 * WATCHDOG_S + 60);
  tcase_add_test(tc, random_graphs_keep_the_invariants);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
