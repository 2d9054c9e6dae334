/* test_flush.c — ep_graph_flush: queued packets released, streams back to
 * Unstarted, calculators reset (FlowLimiter, PacketCloner), and flushes
 * racing with ep_graph_add_packet. A "sched" suite: runs under TSan too. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "edgepipe/graph.h"
#include "graph_test_util.h"

static void expect_poll_bool(ep_poller *p, ep_timestamp ts, bool v) {
  ep_packet *pk = NULL;
  ck_assert_int_eq(ep_poller_next(p, &pk, 10 * 1000 * 1000), 0);
  ck_assert_int_eq(ep_packet_timestamp(pk), ts);
  ck_assert(ep_packet_get_bool(pk) == v);
  ep_packet_unref(pk);
}

/* Packets on 'a' wait for 'b''s bound; the flush releases them while the
 * graph runs, and the same timestamps are accepted again after it. */
START_TEST(flush_releases_queued_packets_and_restarts_timestamps) {
  ep_graph *g = tu_graph("input_stream: 'a'\ninput_stream: 'b'\n"
                         "node { name: 'sync' calculator: "
                         "'TestSyncCalculator'\n"
                         "  input_stream: 'A:a' input_stream: 'B:b'\n"
                         "  output_stream: 'mask' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "mask", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  for (int i = 0; i < 10; i++)
    tu_add_int(g, "a", i, 100 + i);
  ck_assert_int_eq(ep_packet_live_count(), tu_live_before + 10);
  ck_assert_int_eq(ep_graph_flush(g), 0);
  ck_assert_int_eq(ep_packet_live_count(), tu_live_before);
  ck_assert_uint_eq(tu_stats(g, "sync").drops, 10);
  /* Earlier than anything sent before: allowed after the flush. */
  tu_add_int(g, "a", 0, 0);
  tu_add_int(g, "b", 0, 0);
  tu_expect_poll(p, 0, 3);
  ck_assert_uint_eq(tu_stats(g, "sync").process_calls, 1);
  /* Without a flush the stream keeps its order. */
  ep_packet *old = ep_packet_new_int(0, 0);
  ck_assert_int_eq(ep_graph_add_packet(g, "a", old, 0), EP_ETIMESTAMP);
  tu_finish(g);
}
END_TEST

START_TEST(flush_restarts_a_chain) {
  ep_graph *g = tu_graph("input_stream: 'in'\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'in' output_stream: 'mid' }\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'mid' output_stream: 'out' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "out", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 5; i++)
      tu_add_int(g, "in", round * 10 + i, i);
    for (int i = 0; i < 5; i++)
      tu_expect_poll(p, i, round * 10 + i);
    ck_assert_int_eq(ep_graph_flush(g), 0);
  }
  tu_finish(g);
}
END_TEST

START_TEST(flush_needs_a_running_graph) {
  ep_graph *g = tu_graph("input_stream: 'in'\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'in' output_stream: 'out' }\n");
  ck_assert_int_eq(ep_graph_flush(g), EP_ESTATE);
  ck_assert(!ep_graph_stopped(g));
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert(!ep_graph_stopped(g));
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert(ep_graph_stopped(g));
  ck_assert_int_eq(ep_graph_flush(g), EP_ESTATE);
  ep_graph_destroy(g);
  ck_assert_int_eq(ep_graph_flush(NULL), EP_EINVAL);
}
END_TEST

/* The frame in flight never finishes (TestHold sends nothing back on
 * FINISHED): without the reset the limiter would drop every later frame. */
START_TEST(flush_resets_flow_limiter_in_flight) {
  ep_graph *g =
      tu_graph("input_stream: 'in'\n"
               "node { name: 'limiter' calculator: 'FlowLimiterCalculator'\n"
               "  input_stream: 'in' input_stream: 'FINISHED:done'\n"
               "  input_stream_info { tag_index: 'FINISHED' back_edge: true "
               "}\n"
               "  output_stream: 'limited' output_stream: 'ALLOW:allow'\n"
               "  options { max_in_flight: 1 max_in_queue: 0 } }\n"
               "node { calculator: 'TestHoldCalculator'\n"
               "  input_stream: 'limited' output_stream: 'done' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "allow", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "in", 0, 0);
  expect_poll_bool(p, 0, true);
  tu_add_int(g, "in", 0, 1);
  expect_poll_bool(p, 1, false);
  ck_assert_int_eq(ep_graph_flush(g), 0);
  tu_add_int(g, "in", 0, 0);
  expect_poll_bool(p, 0, true);
  tu_add_int(g, "in", 0, 1);
  expect_poll_bool(p, 1, false);
  tu_finish(g);
}
END_TEST

/* A value seen before the flush is not cloned after it. */
START_TEST(flush_resets_packet_cloner) {
  ep_graph *g = tu_graph("input_stream: 'v'\ninput_stream: 'tick'\n"
                         "node { calculator: 'PacketClonerCalculator'\n"
                         "  input_stream: 'v' input_stream: 'TICK:tick'\n"
                         "  output_stream: 'out' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "out", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "v", 7, 0);
  tu_add_int(g, "tick", 0, 1);
  tu_expect_poll(p, 1, 7);
  ck_assert_int_eq(ep_graph_flush(g), 0);
  tu_add_int(g, "tick", 0, 0); /* nothing to clone: only a bound */
  tu_add_int(g, "v", 8, 1);
  tu_add_int(g, "tick", 0, 2);
  tu_expect_poll(p, 2, 8);
  tu_finish(g);
}
END_TEST

/* --- flushing while another thread adds packets -------------------------- */

typedef struct adder {
  ep_graph *g;
  int n;
  int bad; /* calls that did not return 0 */
} adder;

static void *add_loop(void *arg) {
  adder *a = arg;
  for (int i = 0; i < a->n; i++)
    if (ep_graph_add_packet(a->g, "in", ep_packet_new_int(i, i), 0) != 0)
      a->bad++;
  return NULL;
}

typedef struct order {
  pthread_mutex_t mu;
  ep_timestamp last;
  long n, out_of_order;
} order;

static int check_order(void *user, ep_packet *p) {
  order *o = user;
  pthread_mutex_lock(&o->mu);
  if (ep_packet_timestamp(p) <= o->last)
    o->out_of_order++;
  o->last = ep_packet_timestamp(p);
  o->n++;
  pthread_mutex_unlock(&o->mu);
  return 0;
}

START_TEST(flush_while_adding_from_another_thread) {
  ep_graph *g = tu_graph("input_stream: 'in'\nmax_queue_size: 4\n"
                         "num_threads: 3\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'in' output_stream: 'mid' }\n"
                         "node { calculator: 'TestSlowCalculator'\n"
                         "  input_stream: 'mid' output_stream: 'out'\n"
                         "  options { sleep_us: 20 } }\n");
  order o = {.mu = PTHREAD_MUTEX_INITIALIZER, .last = EP_TS_UNSTARTED};
  ck_assert_int_eq(ep_graph_observe(g, "out", check_order, &o), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  adder a = {.g = g, .n = (int)tu_scaled(20000, 2000)};
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, add_loop, &a), 0);
  int flushes = 0;
  for (; flushes < 200; flushes++) {
    ck_assert_int_eq(ep_graph_flush(g), 0);
    usleep(200);
  }
  pthread_join(t, NULL);
  ck_assert_int_eq(a.bad, 0);
  tu_finish(g);
  /* The adder's timestamps only grow, so whatever came out is in order. */
  ck_assert_int_eq(o.out_of_order, 0);
  ck_assert_int_le(o.n, a.n);
  ck_assert_int_gt(o.n, 0);
  pthread_mutex_destroy(&o.mu);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sched_flush");
  TCase *tc = tcase_create("flush");
  tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
  tcase_add_test(tc, flush_releases_queued_packets_and_restarts_timestamps);
  tcase_add_test(tc, flush_restarts_a_chain);
  tcase_add_test(tc, flush_needs_a_running_graph);
  tcase_add_test(tc, flush_resets_flow_limiter_in_flight);
  tcase_add_test(tc, flush_resets_packet_cloner);
  tcase_add_test(tc, flush_while_adding_from_another_thread);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
