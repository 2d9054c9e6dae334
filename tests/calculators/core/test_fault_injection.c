/* test_fault_injection.c — FaultInjectionCalculator, and what the runtime
 * does with each kind of fault: the graph stops, every opened node is
 * closed exactly once, the error names the node, no packet leaks, and the
 * next graph in the process runs normally. */
#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/graph_test_util.h"
#include "edgepipe/graph.h"
#include "edgepipe/registry.h"

/* --- TestOnceCalculator: a pass-through that checks its own lifecycle ---- */

static atomic_int opens, closes, bad_closes;

typedef struct once_state {
  int opened, closed;
} once_state;

static int once_open(ep_calc_ctx *ctx) {
  once_state *s = ep_ctx_state(ctx);
  s->opened++;
  atomic_fetch_add(&opens, 1);
  return 0;
}

static int once_process(ep_calc_ctx *ctx) {
  ep_packet *p = ep_ctx_input(ctx, "", 0);
  if (!p || ep_ctx_output_count(ctx, "") == 0)
    return 0;
  return ep_ctx_output_add(ctx, "", 0, ep_packet_ref(p));
}

/* A close without an open, or a second close, is counted as bad. */
static int once_close(ep_calc_ctx *ctx) {
  once_state *s = ep_ctx_state(ctx);
  if (s->opened != 1 || s->closed++ != 0)
    atomic_fetch_add(&bad_closes, 1);
  atomic_fetch_add(&closes, 1);
  return 0;
}

static const ep_port_spec any_in[] = {
    {.tag = "", .type = "Any", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};
static const ep_port_spec any_out[] = {
    {.tag = "", .type = "Any", .min_count = 0, .max_count = 1, .same_as = ""},
    {.tag = NULL},
};

static const ep_calculator_def once_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestOnceCalculator",
    .inputs = any_in,
    .outputs = any_out,
    .state_size = sizeof(once_state),
    .open = once_open,
    .process = once_process,
    .close = once_close,
};

/* --- fixture ----------------------------------------------------------------
 */

static long live_before;

static void setup(void) {
  tu_register();
  if (!ep_calculator_find("TestOnceCalculator"))
    ck_assert_int_eq(ep_calculator_register(&once_def), 0);
  live_before = ep_packet_live_count();
  atomic_store(&opens, 0);
  atomic_store(&closes, 0);
  atomic_store(&bad_closes, 0);
}

static void teardown(void) {
  ck_assert_int_eq(ep_packet_live_count(), live_before);
}

/* A long source, TestOnce nodes before and after the fault and on a branch
 * beside it, and a sink. `fault` is the fault node's options. */
static ep_graph *faulty_graph(const char *fault) {
  char text[2048];
  snprintf(text, sizeof text,
           "node { name: 'src' calculator: 'CountingSourceCalculator'\n"
           "  output_stream: 's' options { count: 1000000 } }\n"
           "node { name: 'before' calculator: 'TestOnceCalculator'\n"
           "  input_stream: 's' output_stream: 'a' }\n"
           "node { name: 'fault' calculator: 'FaultInjectionCalculator'\n"
           "  input_stream: 'a' output_stream: 'f' options { %s } }\n"
           "node { name: 'after' calculator: 'TestOnceCalculator'\n"
           "  input_stream: 'f' output_stream: 'b' }\n"
           "node { name: 'beside' calculator: 'TestOnceCalculator'\n"
           "  input_stream: 'a' output_stream: 'c' }\n"
           "node { name: 'sink' calculator: 'CountingSinkCalculator'\n"
           "  input_stream: 'b' input_stream: 'c' }\n",
           fault);
  return tu_graph(text);
}

/* The three TestOnce nodes were opened and each closed exactly once. */
static void assert_closed_once(void) {
  ck_assert_int_eq(atomic_load(&opens), 3);
  ck_assert_int_eq(atomic_load(&closes), 3);
  ck_assert_int_eq(atomic_load(&bad_closes), 0);
}

/* A plain graph afterwards: every packet arrives. */
static void assert_next_graph_runs(void) {
  ep_graph *g =
      tu_graph("node { calculator: 'CountingSourceCalculator'\n"
               "  output_stream: 's' options { count: 500 } }\n"
               "node { name: 'fault' calculator: 'FaultInjectionCalculator'\n"
               "  input_stream: 's' output_stream: 'f'\n"
               "  options { fail_in: NONE } }\n"
               "node { calculator: 'CountingSinkCalculator'\n"
               "  input_stream: 'f' options { expect: 500 } }\n");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  int rc = ep_graph_wait(g);
  ck_assert_msg(rc == 0, "next graph: %s", ep_graph_error(g));
  ep_graph_destroy(g);
}

static void assert_error(ep_graph *g, const char *want) {
  const char *e = ep_graph_error(g);
  ck_assert_msg(e && strstr(e, want), "error '%s' lacks '%s'", e ? e : "(none)",
                want);
}

START_TEST(fault_in_open_fails_the_start) {
  ep_graph *g = faulty_graph("fail_in: OPEN");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), EP_ECALC);
  assert_error(g, "node 'fault' (FaultInjectionCalculator): injected fault "
                  "in open()");
  ep_graph_destroy(g);
  /* 'after' and 'beside' come after 'fault' in the config: only 'before'
   * was opened, and it was closed once. */
  ck_assert_int_eq(atomic_load(&opens), 1);
  ck_assert_int_eq(atomic_load(&closes), 1);
  ck_assert_int_eq(atomic_load(&bad_closes), 0);
  assert_next_graph_runs();
}
END_TEST

START_TEST(fault_in_process_stops_the_graph) {
  ep_graph *g = faulty_graph("fail_in: PROCESS at_call: 10");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_ECALC);
  assert_error(g, "node 'fault' (FaultInjectionCalculator): injected fault "
                  "in process() at call 10, timestamp 9");
  /* It stopped: the million-packet source did not finish. */
  ck_assert_uint_lt(tu_stats(g, "src").packets_out, 1000000);
  ck_assert_uint_eq(tu_stats(g, "fault").process_calls, 10);
  ep_graph_destroy(g);
  assert_closed_once();
  assert_next_graph_runs();
}
END_TEST

START_TEST(fault_in_close_is_the_graph_error) {
  ep_graph *g = faulty_graph("fail_in: CLOSE");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ep_graph_stop_sources(g);
  ck_assert_int_eq(ep_graph_wait(g), EP_ECALC);
  assert_error(g, "node 'fault' (FaultInjectionCalculator): injected fault "
                  "in close()");
  ep_graph_destroy(g);
  assert_closed_once();
  assert_next_graph_runs();
}
END_TEST

START_TEST(wrong_timestamp_is_named) {
  ep_graph *g = faulty_graph("fail_in: WRONG_TIMESTAMP at_call: 5");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_ETIMESTAMP);
  assert_error(g, "node 'fault' (FaultInjectionCalculator): packet at "
                  "timestamp 4 on output stream 'f' is out of order");
  ep_graph_destroy(g);
  assert_closed_once();
  assert_next_graph_runs();
}
END_TEST

/* Random faults: the seed decides the call, so a run can be repeated. */
static char *random_fault_error(int seed) {
  char opts[128];
  snprintf(opts, sizeof opts, "fail_in: PROCESS probability: 0.01 seed: %d",
           seed);
  ep_graph *g = faulty_graph(opts);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_ECALC);
  assert_error(g, "node 'fault' (FaultInjectionCalculator): injected fault "
                  "in process() at call ");
  char *e = strdup(ep_graph_error(g));
  ep_graph_destroy(g);
  assert_closed_once();
  atomic_store(&opens, 0);
  atomic_store(&closes, 0);
  return e;
}

START_TEST(random_faults_repeat_with_the_seed) {
  char *a = random_fault_error(7), *b = random_fault_error(7);
  ck_assert_str_eq(a, b);
  /* Some seed among a few strikes on another call. */
  bool differs = false;
  for (int seed = 8; seed < 12 && !differs; seed++) {
    char *c = random_fault_error(seed);
    differs = strcmp(a, c) != 0;
    free(c);
  }
  ck_assert(differs);
  free(a);
  free(b);
  assert_next_graph_runs();
}
END_TEST

START_TEST(fail_in_none_passes_everything) {
  assert_next_graph_runs();
  assert_next_graph_runs();
}
END_TEST

START_TEST(bad_options_are_rejected) {
  const char text[] = "input_stream: 'in'\n"
                      "node { calculator: 'FaultInjectionCalculator'\n"
                      "  input_stream: 'in'\n"
                      "  options { fail_in: SOMETIMES probability: 2 } }\n";
  ep_graph *g = NULL;
  char *err = NULL;
  ck_assert_int_eq(ep_graph_create_from_string(text, strlen(text), "pbtxt",
                                               "f.pbtxt", &g, &err),
                   EP_EVALIDATE);
  ck_assert_msg(strstr(err, "f.pbtxt:4:22") && strstr(err, "SOMETIMES"), "%s",
                err);
  ck_assert_msg(strstr(err, "f.pbtxt:4:45") && strstr(err, "probability"), "%s",
                err);
  free(err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("fault_injection");
  TCase *tc = tcase_create("faults");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, fault_in_open_fails_the_start);
  tcase_add_test(tc, fault_in_process_stops_the_graph);
  tcase_add_test(tc, fault_in_close_is_the_graph_error);
  tcase_add_test(tc, wrong_timestamp_is_named);
  tcase_add_test(tc, random_faults_repeat_with_the_seed);
  tcase_add_test(tc, fail_in_none_passes_everything);
  tcase_add_test(tc, bad_options_are_rejected);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
