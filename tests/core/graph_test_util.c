/* graph_test_util.c — see graph_test_util.h. */
#include "graph_test_util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edgepipe/registry.h"

atomic_int tu_opened, tu_closed, tu_concurrent;

/* --- TestSyncCalculator: which of A and B had a packet at T -----------------
 */

static const ep_port_spec sync_in[] = {
    {.tag = "A", .type = "Any", .min_count = 0, .max_count = 1},
    {.tag = "B", .type = "Any", .min_count = 0, .max_count = 1},
    {.tag = NULL},
};
static const ep_port_spec int_out[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static int sync_process(ep_calc_ctx *ctx) {
  int64_t mask = (ep_ctx_input(ctx, "A", 0) != NULL) |
                 (ep_ctx_input(ctx, "B", 0) != NULL) << 1;
  ep_packet *p = ep_packet_new_int(mask, ep_ctx_timestamp(ctx));
  return ep_ctx_output_add(ctx, "", 0, p);
}

static const ep_calculator_def sync_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestSyncCalculator",
    .inputs = sync_in,
    .outputs = int_out,
    .process = sync_process,
};

/* --- TestDropOddCalculator: passes even values -------------------------------
 */

static const ep_port_spec int_in[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static int drop_odd_process(ep_calc_ctx *ctx) {
  ep_packet *p = ep_ctx_input(ctx, "", 0);
  if (ep_packet_get_int(p) % 2)
    return 0;
  return ep_ctx_output_add(ctx, "", 0, ep_packet_ref(p));
}

static const ep_calculator_def drop_odd_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestDropOddCalculator",
    .inputs = int_in,
    .outputs = int_out,
    .process = drop_odd_process,
};

/* --- TestSlowCalculator: passes packets after sleep_us
 * ------------------------ */

static const ep_port_spec any_in[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};
static const ep_port_spec any_out[] = {
    {.tag = "", .type = "Any", .min_count = 0, .max_count = 1, .same_as = ""},
    {.tag = NULL},
};
static const ep_option_spec slow_opts[] = {
    {.name = "sleep_us", .kind = EP_OPT_INT, .defval = "1000"},
    {.name = "spin", .kind = EP_OPT_BOOL, .defval = "false"},
    {.name = NULL},
};

static void spin_us(int64_t us) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do
    clock_gettime(CLOCK_MONOTONIC, &b);
  while ((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

static int slow_process(ep_calc_ctx *ctx) {
  const ep_options *o = ep_ctx_options(ctx);
  int64_t us = ep_options_int(o, "sleep_us");
  if (ep_options_bool(o, "spin"))
    spin_us(us);
  else
    usleep((useconds_t)us);
  ep_packet *p = ep_ctx_input(ctx, "", 0);
  if (!p || ep_ctx_output_count(ctx, "") == 0)
    return 0;
  return ep_ctx_output_add(ctx, "", 0, ep_packet_ref(p));
}

static const ep_calculator_def slow_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestSlowCalculator",
    .inputs = any_in,
    .outputs = any_out,
    .options = slow_opts,
    .process = slow_process,
};

/* --- TestFailCalculator: fails at value fail_at ----------------------------
 */

static const ep_option_spec fail_opts[] = {
    {.name = "fail_at", .kind = EP_OPT_INT, .defval = "0"},
    {.name = "in_open", .kind = EP_OPT_BOOL, .defval = "false"},
    {.name = NULL},
};

static int fail_open(ep_calc_ctx *ctx) {
  atomic_fetch_add(&tu_opened, 1);
  if (ep_options_bool(ep_ctx_options(ctx), "in_open"))
    return ep_ctx_fail(ctx, EP_EIO, "cannot open the thing");
  return 0;
}

static int fail_process(ep_calc_ctx *ctx) {
  ep_packet *p = ep_ctx_input(ctx, "", 0);
  int64_t at = ep_options_int(ep_ctx_options(ctx), "fail_at");
  if (ep_packet_get_int(p) == at)
    return ep_ctx_fail(ctx, EP_ECALC, "boom at %lld", (long long)at);
  return ep_ctx_output_add(ctx, "", 0, ep_packet_ref(p));
}

static int count_close(ep_calc_ctx *ctx) {
  (void)ctx;
  atomic_fetch_add(&tu_closed, 1);
  return 0;
}

static const ep_calculator_def fail_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestFailCalculator",
    .inputs = int_in,
    .outputs = int_out,
    .options = fail_opts,
    .open = fail_open,
    .process = fail_process,
    .close = count_close,
};

/* --- TestLifecycleCalculator: counts opens/closes, catches overlap -------- */

typedef struct life_state {
  atomic_int inside;
} life_state;

static int life_open(ep_calc_ctx *ctx) {
  (void)ctx;
  atomic_fetch_add(&tu_opened, 1);
  return 0;
}

static int life_process(ep_calc_ctx *ctx) {
  life_state *s = ep_ctx_state(ctx);
  if (atomic_fetch_add(&s->inside, 1) != 0)
    atomic_fetch_add(&tu_concurrent, 1);
  ep_packet *p = ep_ctx_input(ctx, "", 0);
  int rc = p ? ep_ctx_output_add(ctx, "", 0, ep_packet_ref(p)) : 0;
  atomic_fetch_sub(&s->inside, 1);
  return rc;
}

static const ep_calculator_def life_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestLifecycleCalculator",
    .inputs = any_in,
    .outputs = any_out,
    .state_size = sizeof(life_state),
    .open = life_open,
    .process = life_process,
    .close = count_close,
};

/* --- TestOutOfOrderCalculator: sends ts, then ts - 1 -----------------------
 */

static int ooo_process(ep_calc_ctx *ctx) {
  ep_timestamp ts = ep_ctx_timestamp(ctx);
  int rc = ep_ctx_output_add(ctx, "", 0, ep_packet_new_int(1, ts));
  if (rc == 0 && ts >= 3)
    rc = ep_ctx_output_add(ctx, "", 0, ep_packet_new_int(2, ts - 1));
  return rc;
}

static const ep_calculator_def ooo_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestOutOfOrderCalculator",
    .inputs = any_in,
    .outputs = int_out,
    .process = ooo_process,
};

/* --- TestHoldCalculator: takes everything, sends nothing, never bounds ---- */

static int hold_process(ep_calc_ctx *ctx) {
  (void)ctx;
  return 0;
}

static const ep_calculator_def hold_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestHoldCalculator",
    .inputs = any_in,
    .outputs = any_out,
    .input_stream_handler = "Immediate",
    .process = hold_process,
};

/* --- TestSideOutCalculator: sets an Int side packet in open() ------------- */

static const ep_port_spec int_side[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};
static const ep_option_spec side_opts[] = {
    {.name = "value", .kind = EP_OPT_INT, .defval = "0"},
    {.name = NULL},
};

static int side_open(ep_calc_ctx *ctx) {
  int64_t v = ep_options_int(ep_ctx_options(ctx), "value");
  return ep_ctx_side_output_set(ctx, "", 0, ep_packet_new_int(v, EP_TS_UNSET));
}

static const ep_calculator_def side_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestSideOutCalculator",
    .output_side = int_side,
    .options = side_opts,
    .open = side_open,
};

/* --- TestFloatSideCalculator: needs a Float side packet (type checks) ---- */

static const ep_port_spec float_side[] = {
    {.tag = "", .type = "Float", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};

static const ep_calculator_def float_side_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestFloatSideCalculator",
    .input_side = float_side,
};

/* --- TestBlockCalculator: waits for tu_release() ----------------------------
 */

static pthread_mutex_t block_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t block_cv = PTHREAD_COND_INITIALIZER;
static bool released;

void tu_block_reset(void) {
  pthread_mutex_lock(&block_mu);
  released = false;
  pthread_mutex_unlock(&block_mu);
}

void tu_release(void) {
  pthread_mutex_lock(&block_mu);
  released = true;
  pthread_cond_broadcast(&block_cv);
  pthread_mutex_unlock(&block_mu);
}

static int block_process(ep_calc_ctx *ctx) {
  pthread_mutex_lock(&block_mu);
  while (!released)
    pthread_cond_wait(&block_cv, &block_mu);
  pthread_mutex_unlock(&block_mu);
  ep_packet *p = ep_ctx_input(ctx, "", 0);
  return ep_ctx_output_add(ctx, "", 0, ep_packet_ref(p));
}

static const ep_calculator_def block_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestBlockCalculator",
    .inputs = any_in,
    .outputs = any_out,
    .process = block_process,
};

/* --- TestThreadCalculator: records the threads it runs on ------------------
 */

#define MAX_SEEN 64
static pthread_mutex_t thr_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  char node[32];
  pthread_t t;
} seen[MAX_SEEN];
static size_t n_seen;

void tu_threads_reset(void) {
  pthread_mutex_lock(&thr_mu);
  n_seen = 0;
  pthread_mutex_unlock(&thr_mu);
}

static void thread_note(const char *node) {
  pthread_t me = pthread_self();
  pthread_mutex_lock(&thr_mu);
  bool known = false;
  for (size_t i = 0; i < n_seen; i++)
    known |= strcmp(seen[i].node, node) == 0 && pthread_equal(seen[i].t, me);
  if (!known && n_seen < MAX_SEEN) {
    snprintf(seen[n_seen].node, sizeof seen[n_seen].node, "%s", node);
    seen[n_seen++].t = me;
  }
  pthread_mutex_unlock(&thr_mu);
}

size_t tu_threads_of(const char *node, pthread_t *out, size_t max) {
  size_t k = 0;
  pthread_mutex_lock(&thr_mu);
  for (size_t i = 0; i < n_seen; i++)
    if (strcmp(seen[i].node, node) == 0 && k < max)
      out[k++] = seen[i].t;
  pthread_mutex_unlock(&thr_mu);
  return k;
}

bool tu_thread_seen(const char *node, pthread_t t) {
  pthread_t v[MAX_SEEN];
  size_t n = tu_threads_of(node, v, MAX_SEEN);
  for (size_t i = 0; i < n; i++)
    if (pthread_equal(v[i], t))
      return true;
  return false;
}

static int thread_process(ep_calc_ctx *ctx) {
  thread_note(ep_ctx_node_name(ctx));
  spin_us(20); /* long enough for the other pool's threads to take part */
  ep_packet *p = ep_ctx_input(ctx, "", 0);
  return ep_ctx_output_add(ctx, "", 0, ep_packet_ref(p));
}

static const ep_calculator_def thread_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestThreadCalculator",
    .inputs = any_in,
    .outputs = any_out,
    .process = thread_process,
};

/* --- helpers
 * ------------------------------------------------------------------ */

void tu_register(void) {
  static const ep_calculator_def *const defs[] = {
      &sync_def,       &drop_odd_def, &slow_def,  &fail_def,
      &life_def,       &ooo_def,      &hold_def,  &side_def,
      &float_side_def, &block_def,    &thread_def};
  for (size_t i = 0; i < sizeof defs / sizeof *defs; i++)
    ck_assert_int_eq(ep_calculator_register(defs[i]), 0);
}

ep_graph *tu_graph(const char *pbtxt) {
  ep_graph *g = NULL;
  char *err = NULL;
  int rc = ep_graph_create_from_string(pbtxt, strlen(pbtxt), "pbtxt", "test",
                                       &g, &err);
  if (rc < 0)
    ck_abort_msg("graph does not load (%s):\n%s", ep_err_name(rc),
                 err ? err : "(no message)");
  free(err);
  return g;
}

void tu_collector_init(tu_collector *c) {
  memset(c, 0, sizeof *c);
  pthread_mutex_init(&c->mu, NULL);
}

void tu_collector_free(tu_collector *c) {
  free(c->ts);
  free(c->v);
  pthread_mutex_destroy(&c->mu);
}

int tu_collect(void *user, ep_packet *p) {
  tu_collector *c = user;
  pthread_mutex_lock(&c->mu);
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 1024;
    c->ts = realloc(c->ts, c->cap * sizeof *c->ts);
    c->v = realloc(c->v, c->cap * sizeof *c->v);
  }
  c->ts[c->n] = ep_packet_timestamp(p);
  c->v[c->n] = ep_packet_get_int(p);
  c->n++;
  pthread_mutex_unlock(&c->mu);
  return 0;
}

size_t tu_collector_count(tu_collector *c) {
  pthread_mutex_lock(&c->mu);
  size_t n = c->n;
  pthread_mutex_unlock(&c->mu);
  return n;
}

ep_node_stats tu_stats(ep_graph *g, const char *name) {
  ep_node_stats *s = NULL, r;
  size_t n = 0;
  ck_assert_int_eq(ep_graph_stats(g, &s, &n), 0);
  for (size_t i = 0; i < n; i++)
    if (strcmp(s[i].name, name) == 0) {
      r = s[i];
      free(s);
      return r;
    }
  free(s);
  ck_abort_msg("no node '%s' in the stats", name);
  return r;
}

long tu_scaled(long normal, long under_tsan) {
#if defined(__SANITIZE_THREAD__)
  return under_tsan;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
  return under_tsan;
#endif
#endif
  (void)under_tsan;
  return normal;
}

long tu_live_before;

void tu_setup(void) {
  tu_register();
  tu_live_before = ep_packet_live_count();
}

void tu_teardown(void) {
  ck_assert_int_eq(ep_packet_live_count(), tu_live_before);
}

void tu_add_int(ep_graph *g, const char *stream, int64_t v, ep_timestamp ts) {
  ck_assert_int_eq(ep_graph_add_packet(g, stream, ep_packet_new_int(v, ts), 0),
                   0);
}

void tu_expect_poll(ep_poller *p, ep_timestamp ts, int64_t v) {
  ep_packet *pk = NULL;
  ck_assert_int_eq(ep_poller_next(p, &pk, 10 * 1000 * 1000), 0);
  ck_assert_int_eq(ep_packet_timestamp(pk), ts);
  ck_assert_int_eq(ep_packet_get_int(pk), v);
  ep_packet_unref(pk);
}

void tu_finish(ep_graph *g) {
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ep_graph_destroy(g);
}
