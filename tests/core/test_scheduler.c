/* test_scheduler.c — the runtime's semantics: timestamp sync, bounds,
 * throttling, deadlock handling, executors, priorities, big runs. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgepipe/graph.h"
#include "edgepipe/registry.h"
#include "graph_test_util.h"

START_TEST(two_inputs_sync_across_gaps) {
  ep_graph *g = tu_graph("input_stream: 'a'\n"
                         "input_stream: 'b'\n"
                         "output_stream: 'mask'\n"
                         "node { calculator: 'TestSyncCalculator'\n"
                         "  input_stream: 'A:a' input_stream: 'B:b'\n"
                         "  output_stream: 'mask' }\n");
  tu_collector c;
  tu_collector_init(&c);
  ck_assert_int_eq(ep_graph_observe(g, "mask", tu_collect, &c), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "a", 0, 1);
  tu_add_int(g, "a", 0, 2);
  tu_add_int(g, "a", 0, 3);
  tu_add_int(g, "a", 0, 5);
  tu_add_int(g, "b", 0, 2);
  tu_add_int(g, "b", 0, 4);
  tu_add_int(g, "b", 0, 5);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  static const ep_timestamp want_ts[] = {1, 2, 3, 4, 5};
  static const int64_t want_mask[] = {1, 3, 1, 2, 3};
  ck_assert_uint_eq(c.n, 5);
  for (size_t i = 0; i < 5; i++) {
    ck_assert_int_eq(c.ts[i], want_ts[i]);
    ck_assert_int_eq(c.v[i], want_mask[i]);
  }
  ep_graph_destroy(g);
  tu_collector_free(&c);
}
END_TEST

/* A node that sends nothing at T lets its consumers pass T at once, and
 * a node downstream that gets no packet at T passes the bound on without
 * running: the sync node answers each timestamp before the next is fed. */
START_TEST(bounds_pass_a_dropping_chain) {
  ep_graph *g = tu_graph("input_stream: 'in'\n"
                         "node { calculator: 'TestDropOddCalculator'\n"
                         "  input_stream: 'in' output_stream: 'even' }\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'even' output_stream: 'even2' }\n"
                         "node { calculator: 'TestSyncCalculator'\n"
                         "  input_stream: 'A:even2' input_stream: 'B:in'\n"
                         "  output_stream: 'mask' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "mask", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  for (int64_t i = 0; i < 20; i++) {
    tu_add_int(g, "in", i, i);
    tu_expect_poll(p, i, i % 2 ? 2 : 3);
  }
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ep_packet *pk = NULL;
  ck_assert_int_eq(ep_poller_next(p, &pk, -1), EP_STOP);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(tu_stats(g, "PassThroughCalculator").process_calls, 10);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(immediate_handler_does_not_wait) {
  ep_graph *g = tu_graph("input_stream: 'a'\n"
                         "input_stream: 'b'\n"
                         "node { calculator: 'TestSyncCalculator'\n"
                         "  input_stream_handler { input_stream_handler: "
                         "'ImmediateInputStreamHandler' }\n"
                         "  input_stream: 'A:a' input_stream: 'B:b'\n"
                         "  output_stream: 'mask' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "mask", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "a", 0, 1);
  tu_expect_poll(p, 1, 1);
  tu_add_int(g, "a", 0, 2);
  tu_expect_poll(p, 2, 1);
  tu_add_int(g, "b", 0, 3);
  tu_expect_poll(p, 3, 2);
  tu_finish(g);
}
END_TEST

/* The back edge B never holds A up: the first packet runs alone. */
START_TEST(back_edge_is_not_waited_for) {
  ep_graph *g = tu_graph("input_stream: 'in'\n"
                         "node { calculator: 'TestSyncCalculator'\n"
                         "  input_stream: 'A:in' input_stream: 'B:loop'\n"
                         "  input_stream_info { tag_index: 'B' back_edge: "
                         "true }\n"
                         "  output_stream: 'mask' }\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'mask' output_stream: 'loop' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "mask", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "in", 0, 10);
  tu_expect_poll(p, 10, 1);
  for (int i = 11; i < 20; i++) {
    tu_add_int(g, "in", 0, i);
    ep_packet *pk = NULL;
    ck_assert_int_eq(ep_poller_next(p, &pk, 10 * 1000 * 1000), 0);
    ck_assert_int_eq(ep_packet_timestamp(pk), i);
    ck_assert(ep_packet_get_int(pk) & 1);
    ep_packet_unref(pk);
  }
  tu_finish(g);
}
END_TEST

START_TEST(throttling_bounds_the_queue) {
  long n = tu_scaled(1000000, 20000);
  char text[1024];
  snprintf(text, sizeof text,
           "max_queue_size: 10\n"
           "node { calculator: 'CountingSourceCalculator'\n"
           "  output_stream: 'n' options { count: %ld } }\n"
           "node { name: 'slow' calculator: 'TestSlowCalculator'\n"
           "  input_stream: 'n' options { sleep_us: 1 spin: true } }\n",
           n);
  ep_graph *g = tu_graph(text);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ep_node_stats s = tu_stats(g, "slow");
  ck_assert_uint_eq(s.packets_in, (uint64_t)n);
  ck_assert_uint_le(s.max_queue, 10);
  ck_assert_uint_ge(s.max_queue, 1);
  ep_graph_destroy(g);
}
END_TEST

typedef struct order_check {
  int64_t next;
  int64_t bad;
} order_check;

static int check_order(void *user, ep_packet *p) {
  order_check *o = user;
  if (ep_packet_get_int(p) != o->next || ep_packet_timestamp(p) != o->next)
    o->bad++;
  o->next++;
  return 0;
}

START_TEST(million_packets_ten_nodes_four_threads) {
  long n = tu_scaled(1000000, 30000);
  char text[4096];
  int k = snprintf(text, sizeof text,
                   "num_threads: 4\n"
                   "node { calculator: 'CountingSourceCalculator'\n"
                   "  output_stream: 's0' options { count: %ld } }\n",
                   n);
  for (int i = 0; i < 10; i++)
    k += snprintf(text + k, sizeof text - (size_t)k,
                  "node { calculator: 'PassThroughCalculator'\n"
                  "  input_stream: 's%d' output_stream: 's%d' }\n",
                  i, i + 1);
  ep_graph *g = tu_graph(text);
  order_check o = {0, 0};
  ck_assert_int_eq(ep_graph_observe(g, "s10", check_order, &o), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_eq(o.next, n);
  ck_assert_int_eq(o.bad, 0);
  ck_assert_int_eq(ep_graph_stream_packets(g, "s10"), n);
  ep_graph_destroy(g);
}
END_TEST

/* Hooks of one node never overlap, however many threads run the graph. */
START_TEST(a_node_never_runs_twice_at_once) {
  long n = tu_scaled(100000, 5000);
  char text[2048];
  snprintf(text, sizeof text,
           "num_threads: 4\n"
           "node { calculator: 'CountingSourceCalculator'\n"
           "  output_stream: 's' options { count: %ld } }\n"
           "node { name: 'x' calculator: 'TestLifecycleCalculator'\n"
           "  input_stream: 's' output_stream: 'x' }\n"
           "node { name: 'y' calculator: 'TestLifecycleCalculator'\n"
           "  input_stream: 'x' output_stream: 'y' }\n",
           n);
  atomic_store(&tu_concurrent, 0);
  ep_graph *g = tu_graph(text);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_eq(atomic_load(&tu_concurrent), 0);
  ck_assert_uint_eq(tu_stats(g, "y").packets_in, (uint64_t)n);
  ep_graph_destroy(g);
}
END_TEST

/* With one thread and no queue limit, a FIFO scheduler would let the
 * source run ahead; running nodes near the sink first keeps every queue
 * within one batch. */
START_TEST(nodes_near_the_sink_run_first) {
  ep_graph *g =
      tu_graph("num_threads: 1\n"
               "max_queue_size: -1\n"
               "node { calculator: 'CountingSourceCalculator'\n"
               "  output_stream: 'a' options { count: 20000 } }\n"
               "node { name: 'p1' calculator: 'PassThroughCalculator'\n"
               "  input_stream: 'a' output_stream: 'b' }\n"
               "node { name: 'p2' calculator: 'PassThroughCalculator'\n"
               "  input_stream: 'b' output_stream: 'c' }\n"
               "node { name: 'sink' calculator: 'CountingSinkCalculator'\n"
               "  input_stream: 'c' options { expect: 20000 } }\n");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_le(tu_stats(g, "p1").max_queue, 64);
  ck_assert_uint_le(tu_stats(g, "p2").max_queue, 64);
  ck_assert_uint_le(tu_stats(g, "sink").max_queue, 64);
  ep_graph_destroy(g);
}
END_TEST

static const char deadlock_graph[] =
    "max_queue_size: 5\n"
    "%s"
    "node { calculator: 'CountingSourceCalculator'\n"
    "  output_stream: 's' options { count: 100 } }\n"
    "node { name: 'hold' calculator: 'TestHoldCalculator'\n"
    "  input_stream: 's' output_stream: 'h' }\n"
    "node { name: 'join' calculator: 'TestSyncCalculator'\n"
    "  input_stream: 'A:s' input_stream: 'B:h' output_stream: 'mask' }\n";

START_TEST(deadlock_is_reported) {
  char text[1024];
  snprintf(text, sizeof text, deadlock_graph, "report_deadlock: true\n");
  ep_graph *g = tu_graph(text);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_EDEADLOCK);
  const char *msg = ep_graph_error(g);
  ck_assert_ptr_nonnull(msg);
  ck_assert_ptr_nonnull(strstr(msg, "deadlock"));
  ck_assert_ptr_nonnull(strstr(msg, "'join'"));
  ep_graph_destroy(g);
}
END_TEST

START_TEST(deadlock_raises_the_limit_without_report) {
  char text[1024];
  snprintf(text, sizeof text, deadlock_graph, "");
  ep_graph *g = tu_graph(text);
  tu_collector c;
  tu_collector_init(&c);
  ck_assert_int_eq(ep_graph_observe(g, "mask", tu_collect, &c), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(c.n, 100);
  for (size_t i = 0; i < c.n; i++) {
    ck_assert_int_eq(c.ts[i], (ep_timestamp)i);
    ck_assert_int_eq(c.v[i], 1);
  }
  ck_assert_uint_gt(tu_stats(g, "join").max_queue, 5);
  ep_graph_destroy(g);
  tu_collector_free(&c);
}
END_TEST

/* A throttled source while a graph input stream is open is not a
 * deadlock: the application may still send what the graph waits for. */
START_TEST(open_graph_input_is_not_a_deadlock) {
  ep_graph *g = tu_graph("max_queue_size: 5\n"
                         "report_deadlock: true\n"
                         "input_stream: 'a'\n"
                         "node { calculator: 'CountingSourceCalculator'\n"
                         "  output_stream: 's' options { count: 100 } }\n"
                         "node { name: 'join' calculator: "
                         "'TestSyncCalculator'\n"
                         "  input_stream: 'A:a' input_stream: 'B:s'\n"
                         "  output_stream: 'mask' }\n");
  tu_collector c;
  tu_collector_init(&c);
  ck_assert_int_eq(ep_graph_observe(g, "mask", tu_collect, &c), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  while (tu_stats(g, "join").max_queue < 5)
    usleep(1000);
  usleep(20000); /* idle and throttled for a while */
  for (int i = 0; i < 100; i++)
    tu_add_int(g, "a", i, i);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(c.n, 100);
  for (size_t i = 0; i < c.n; i++)
    ck_assert_int_eq(c.v[i], 3);
  ep_graph_destroy(g);
  tu_collector_free(&c);
}
END_TEST

/* The application blocks adding to a full queue whose node waits for the
 * other input: nothing can move. */
static const char two_inputs[] = "max_queue_size: 3\n"
                                 "%s"
                                 "input_stream: 'a'\n"
                                 "input_stream: 'b'\n"
                                 "node { name: 'join' calculator: "
                                 "'TestSyncCalculator'\n"
                                 "  input_stream: 'A:a' input_stream: 'B:b'\n"
                                 "  output_stream: 'mask' }\n";

START_TEST(blocked_add_deadlock_is_reported) {
  char text[512];
  snprintf(text, sizeof text, two_inputs, "report_deadlock: true\n");
  ep_graph *g = tu_graph(text);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  int rc = 0, i = 0;
  for (; i < 10 && rc == 0; i++)
    rc = ep_graph_add_packet(g, "a", ep_packet_new_int(i, i), 0);
  ck_assert_int_eq(rc, EP_ESTATE);
  ck_assert_int_eq(i, 4);
  ck_assert_int_eq(ep_graph_wait(g), EP_EDEADLOCK);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(blocked_add_raises_the_limit) {
  char text[512];
  snprintf(text, sizeof text, two_inputs, "");
  ep_graph *g = tu_graph(text);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  for (int i = 0; i < 10; i++)
    tu_add_int(g, "a", i, i);
  for (int i = 0; i < 10; i++)
    tu_add_int(g, "b", i, i);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_eq(ep_graph_stream_packets(g, "mask"), 10);
  ep_graph_destroy(g);
}
END_TEST

/* TestBurstCalculator: ten packets out for each one in, at 10 * ts + j —
 * a producer that is no source fills a queue past its limit at once. */
static int burst_process(ep_calc_ctx *ctx) {
  ep_timestamp ts = ep_ctx_timestamp(ctx);
  for (int j = 0; j < 10; j++) {
    int rc = ep_ctx_output_add(ctx, "", 0, ep_packet_new_int(j, ts * 10 + j));
    if (rc < 0)
      return rc;
  }
  return 0;
}

static const ep_port_spec burst_in[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};
static const ep_port_spec burst_out[] = {
    {.tag = "", .type = "Int", .min_count = 1, .max_count = 1},
    {.tag = NULL},
};
static const ep_calculator_def burst_def = {
    .abi_version = EP_CALCULATOR_ABI,
    .name = "TestBurstCalculator",
    .inputs = burst_in,
    .outputs = burst_out,
    .process = burst_process,
};

typedef struct burst_feed {
  ep_graph *g;
  atomic_bool done;
} burst_feed;

static void *feed_bursts(void *arg) {
  burst_feed *f = arg;
  for (int i = 0; i < 3; i++)
    ep_graph_add_packet(f->g, "a", ep_packet_new_int(i, i), 0);
  atomic_store(&f->done, true);
  return NULL;
}

/* A queue 5x over its limit: raising the limit once is not enough, and a
 * blocked add would wait forever (found by test_property_graphs). */
START_TEST(raising_the_limit_clears_a_queue_far_over_it) {
  if (!ep_calculator_find("TestBurstCalculator"))
    ck_assert_int_eq(ep_calculator_register(&burst_def), 0);
  ep_graph *g = tu_graph("max_queue_size: 2\n"
                         "input_stream: 'a'\n"
                         "input_stream: 'b'\n"
                         "node { calculator: 'TestBurstCalculator'\n"
                         "  input_stream: 'a' output_stream: 'x' }\n"
                         "node { name: 'join' calculator: "
                         "'TestSyncCalculator'\n"
                         "  input_stream: 'A:x' input_stream: 'B:b'\n"
                         "  output_stream: 'mask' }\n");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  burst_feed f = {.g = g};
  atomic_init(&f.done, false);
  pthread_t t;
  pthread_create(&t, NULL, feed_bursts, &f);
  for (int i = 0; i < 1000 && !atomic_load(&f.done); i++)
    usleep(10000);
  bool stuck = !atomic_load(&f.done);
  if (stuck)
    ep_graph_cancel(g);
  pthread_join(t, NULL);
  ck_assert_msg(!stuck, "ep_graph_add_packet blocked for 10 s");
  for (int i = 0; i < 30; i++)
    tu_add_int(g, "b", i, i);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_eq(ep_graph_stream_packets(g, "x"), 30);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(named_executors_own_their_nodes) {
  tu_threads_reset();
  ep_graph *g = tu_graph(
      "num_threads: 2\n"
      "executor { name: 'solo' options {\n"
      "  [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 1 } } }\n"
      "node { calculator: 'CountingSourceCalculator'\n"
      "  output_stream: 's' options { count: 2000 } }\n"
      "node { name: 'pooled' calculator: 'TestThreadCalculator'\n"
      "  input_stream: 's' output_stream: 'p' }\n"
      "node { name: 'alone' calculator: 'TestThreadCalculator'\n"
      "  executor: 'solo' input_stream: 'p' output_stream: 'q' }\n"
      "node { name: 'pooled2' calculator: 'TestThreadCalculator'\n"
      "  input_stream: 'q' output_stream: 'r' }\n");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  pthread_t solo[8];
  ck_assert_uint_eq(tu_threads_of("alone", solo, 8), 1);
  ck_assert(!tu_thread_seen("pooled", solo[0]));
  ck_assert(!tu_thread_seen("pooled2", solo[0]));
  ck_assert_uint_eq(tu_stats(g, "pooled2").packets_out, 2000);
  ep_graph_destroy(g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sched_scheduler");
  TCase *tc = tcase_create("scheduler");
  tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, two_inputs_sync_across_gaps);
  tcase_add_test(tc, bounds_pass_a_dropping_chain);
  tcase_add_test(tc, immediate_handler_does_not_wait);
  tcase_add_test(tc, back_edge_is_not_waited_for);
  tcase_add_test(tc, throttling_bounds_the_queue);
  tcase_add_test(tc, million_packets_ten_nodes_four_threads);
  tcase_add_test(tc, a_node_never_runs_twice_at_once);
  tcase_add_test(tc, nodes_near_the_sink_run_first);
  tcase_add_test(tc, deadlock_is_reported);
  tcase_add_test(tc, deadlock_raises_the_limit_without_report);
  tcase_add_test(tc, open_graph_input_is_not_a_deadlock);
  tcase_add_test(tc, blocked_add_deadlock_is_reported);
  tcase_add_test(tc, blocked_add_raises_the_limit);
  tcase_add_test(tc, raising_the_limit_clears_a_queue_far_over_it);
  tcase_add_test(tc, named_executors_own_their_nodes);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
