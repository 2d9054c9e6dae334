/* test_graph.c — the graph API: lifecycle, errors, side packets, feeding,
 * polling, cancel, stats. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgepipe/graph.h"
#include "graph_test_util.h"

static long live_before;

static void setup(void) {
  tu_register();
  live_before = ep_packet_live_count();
  atomic_store(&tu_opened, 0);
  atomic_store(&tu_closed, 0);
}

static void teardown(void) {
  ck_assert_int_eq(ep_packet_live_count(), live_before);
}

START_TEST(runs_a_source_to_a_sink) {
  ep_graph *g =
      tu_graph("node { calculator: 'CountingSourceCalculator'\n"
               "  output_stream: 'n' options { count: 1000 } }\n"
               "node { name: 'sink' calculator: 'CountingSinkCalculator'\n"
               "  input_stream: 'n' options { expect: 1000 } }\n");
  ck_assert_int_eq(ep_graph_wait(g), EP_ESTATE);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), EP_ESTATE);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_ptr_null(ep_graph_error(g));
  ep_node_stats s = tu_stats(g, "sink");
  ck_assert_uint_eq(s.packets_in, 1000);
  ck_assert_uint_eq(s.process_calls, 1000);
  ck_assert_str_eq(s.calculator, "CountingSinkCalculator");
  ck_assert_uint_le(s.time_p50_ns, s.time_p99_ns);
  ck_assert_uint_le(s.time_p99_ns, s.time_max_ns);
  ck_assert_uint_gt(s.time_max_ns, 0);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(a_failing_close_is_the_graph_error) {
  ep_graph *g =
      tu_graph("node { calculator: 'CountingSourceCalculator'\n"
               "  output_stream: 'n' options { count: 10 } }\n"
               "node { name: 'sink' calculator: 'CountingSinkCalculator'\n"
               "  input_stream: 'n' options { expect: 11 } }\n");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_ECALC);
  ck_assert_str_eq(ep_graph_error(g), "node 'sink' (CountingSinkCalculator): "
                                      "expected 11 packets, got 10");
  ep_graph_destroy(g);
}
END_TEST

static const char fail_graph[] =
    "num_threads: 3\n"
    "node { calculator: 'CountingSourceCalculator'\n"
    "  output_stream: 'n' options { count: 100000 } }\n"
    "node { name: 'a' calculator: 'TestLifecycleCalculator'\n"
    "  input_stream: 'n' output_stream: 'a' }\n"
    "node { name: 'bad' calculator: 'TestFailCalculator'\n"
    "  input_stream: 'a' output_stream: 'b' options { fail_at: 500 } }\n"
    "node { name: 'c' calculator: 'TestLifecycleCalculator'\n"
    "  input_stream: 'b' output_stream: 'c' }\n"
    "node { name: 'd' calculator: 'TestLifecycleCalculator'\n"
    "  input_stream: 'n' output_stream: 'd' }\n";

START_TEST(an_error_closes_every_node_and_leaks_nothing) {
  ep_graph *g = tu_graph(fail_graph);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_ECALC);
  ck_assert_str_eq(ep_graph_error(g),
                   "node 'bad' (TestFailCalculator): boom at 500");
  ck_assert_int_eq(atomic_load(&tu_opened), 4);
  ck_assert_int_eq(atomic_load(&tu_closed), 4);
  ck_assert_uint_le(tu_stats(g, "c").packets_in, 500); /* 0..499 passed */
  ep_graph_destroy(g);
  ck_assert_int_eq(ep_packet_live_count(), live_before);
}
END_TEST

START_TEST(a_failing_open_closes_the_opened) {
  ep_graph *g = tu_graph(
      "node { calculator: 'CountingSourceCalculator' output_stream: 'n' }\n"
      "node { name: 'a' calculator: 'TestLifecycleCalculator'\n"
      "  input_stream: 'n' output_stream: 'a' }\n"
      "node { name: 'bad' calculator: 'TestFailCalculator'\n"
      "  input_stream: 'a' output_stream: 'b' options { in_open: true } }\n"
      "node { name: 'c' calculator: 'TestLifecycleCalculator'\n"
      "  input_stream: 'b' output_stream: 'c' }\n");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), EP_EIO);
  ck_assert_str_eq(ep_graph_error(g),
                   "node 'bad' (TestFailCalculator): cannot open the thing");
  ck_assert_int_eq(atomic_load(&tu_opened), atomic_load(&tu_closed));
  ck_assert_int_ge(atomic_load(&tu_opened), 1);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(out_of_order_output_names_node_and_stream) {
  ep_graph *g =
      tu_graph("node { calculator: 'CountingSourceCalculator'\n"
               "  output_stream: 'n' options { count: 10 } }\n"
               "node { name: 'ooo' calculator: 'TestOutOfOrderCalculator'\n"
               "  input_stream: 'n' output_stream: 'late' }\n");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_ETIMESTAMP);
  const char *msg = ep_graph_error(g);
  ck_assert_ptr_nonnull(strstr(msg, "node 'ooo' (TestOutOfOrderCalculator)"));
  ck_assert_ptr_nonnull(strstr(msg, "'late'"));
  ck_assert_ptr_nonnull(strstr(msg, "timestamp 2"));
  ep_graph_destroy(g);
}
END_TEST

START_TEST(graph_input_rejects_old_timestamps) {
  ep_graph *g = tu_graph("input_stream: 'in'\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'in' output_stream: 'out' }\n");
  ck_assert_int_eq(ep_graph_add_packet(g, "in", ep_packet_new_int(1, 1), 0),
                   EP_ESTATE);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_add_packet(g, "in", ep_packet_new_int(1, 5), 0), 0);
  ck_assert_int_eq(ep_graph_add_packet(g, "in", ep_packet_new_int(1, 5), 0),
                   EP_ETIMESTAMP);
  ck_assert_int_eq(ep_graph_add_packet(g, "in", ep_packet_new_int(1, 4), 0),
                   EP_ETIMESTAMP);
  ck_assert_int_eq(ep_graph_add_packet(g, "nope", ep_packet_new_int(1, 9), 0),
                   EP_ENOTFOUND);
  ck_assert_int_eq(ep_graph_close_input(g, "in"), 0);
  ck_assert_int_eq(ep_graph_add_packet(g, "in", ep_packet_new_int(1, 9), 0),
                   EP_ESTATE);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_eq(ep_graph_stream_packets(g, "out"), 1);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(nonblocking_add_says_eagain_when_full) {
  tu_block_reset();
  ep_graph *g = tu_graph("input_stream: 'in'\n"
                         "max_queue_size: 2\n"
                         "node { name: 'block' calculator: "
                         "'TestBlockCalculator'\n"
                         "  input_stream: 'in' output_stream: 'out' }\n");
  tu_collector c;
  tu_collector_init(&c);
  ck_assert_int_eq(ep_graph_observe(g, "out", tu_collect, &c), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  int accepted = 0, rc = 0;
  for (int i = 0; i < 100 && rc == 0; i++) {
    rc = ep_graph_add_packet(g, "in", ep_packet_new_int(i, i), EP_ADD_NONBLOCK);
    accepted += rc == 0;
  }
  ck_assert_int_eq(rc, EP_EAGAIN);
  ck_assert_int_ge(accepted, 2);
  ck_assert_int_le(accepted, 3);
  tu_release();
  /* A blocking add waits for room instead. */
  ck_assert_int_eq(ep_graph_add_packet(g, "in", ep_packet_new_int(0, 1000), 0),
                   0);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(c.n, (size_t)accepted + 1);
  ep_graph_destroy(g);
  tu_collector_free(&c);
}
END_TEST

/* A started graph of an endless source and one lifecycle-counting node;
 * with flowing, once 100 packets went through. */
static ep_graph *endless_started(bool flowing) {
  ep_graph *g =
      tu_graph("node { calculator: 'CountingSourceCalculator'\n"
               "  output_stream: 'n' options { count: 1000000000000 } }\n"
               "node { name: 'a' calculator: 'TestLifecycleCalculator'\n"
               "  input_stream: 'n' output_stream: 'a' }\n");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  while (flowing && ep_graph_stream_packets(g, "a") < 100)
    usleep(1000);
  return g;
}

START_TEST(cancel_stops_a_running_graph) {
  ep_graph *g = endless_started(true);
  ep_graph_cancel(g);
  ck_assert_int_eq(ep_graph_wait(g), EP_ECANCELED);
  ck_assert_int_eq(atomic_load(&tu_closed), 1);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(stop_sources_drains_and_ends_cleanly) {
  ep_graph *g = endless_started(true);
  ep_graph_stop_sources(g);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_eq(ep_graph_stream_packets(g, "a"),
                   ep_graph_stream_packets(g, "n"));
  ep_graph_destroy(g);
}
END_TEST

START_TEST(destroy_without_wait_cancels) {
  ep_graph *g = endless_started(false);
  ep_graph_destroy(g);
  ck_assert_int_eq(atomic_load(&tu_opened), atomic_load(&tu_closed));
}
END_TEST

static const char side_graph[] =
    "input_side_packet: 'n'\n"
    "node { calculator: 'SidePacketToStreamCalculator'\n"
    "  input_side_packet: 'n' output_stream: 'AT_ZERO:out' }\n";

START_TEST(side_packets_given_at_start) {
  ep_graph *g = tu_graph(side_graph);
  tu_collector c;
  tu_collector_init(&c);
  ck_assert_int_eq(ep_graph_observe(g, "out", tu_collect, &c), 0);
  ep_packet *v = ep_packet_new_int(42, EP_TS_UNSET);
  ep_side_packet side = {"n", v};
  ck_assert_int_eq(ep_graph_start(g, &side, 1), 0);
  ep_packet_unref(v);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(c.n, 1);
  ck_assert_int_eq(c.ts[0], 0);
  ck_assert_int_eq(c.v[0], 42);
  ep_packet *back = ep_graph_side_packet(g, "n");
  ck_assert_int_eq(ep_packet_get_int(back), 42);
  ep_packet_unref(back);
  ep_graph_destroy(g);
  tu_collector_free(&c);
}
END_TEST

START_TEST(missing_side_packet_is_named) {
  ep_graph *g = tu_graph(side_graph);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), EP_EINVAL);
  ck_assert_ptr_nonnull(strstr(ep_graph_error(g), "side packet 'n'"));
  ep_graph_destroy(g);
}
END_TEST

START_TEST(side_packet_type_is_checked) {
  ep_graph *g = tu_graph("input_side_packet: 'x'\n"
                         "node { name: 'f' calculator: "
                         "'TestFloatSideCalculator'\n"
                         "  input_side_packet: 'x' }\n");
  ep_packet *v = ep_packet_new_int(1, EP_TS_UNSET);
  ep_side_packet side = {"x", v};
  ck_assert_int_eq(ep_graph_start(g, &side, 1), EP_ETYPE);
  ep_packet_unref(v);
  ck_assert_str_eq(ep_graph_error(g),
                   "node 'f' (TestFloatSideCalculator): input side packet "
                   "'x' is Int, but it needs Float");
  ep_graph_destroy(g);
}
END_TEST

START_TEST(side_packet_text_takes_the_consumers_type) {
  ep_graph *g = tu_graph("input_side_packet: 'x'\n"
                         "input_side_packet: 'ok'\n"
                         "node { name: 'f' calculator: "
                         "'TestFloatSideCalculator'\n"
                         "  input_side_packet: 'x' }\n"
                         "node { calculator: 'GateCalculator'\n"
                         "  input_stream: 'in' output_stream: 'out'\n"
                         "  input_side_packet: 'ALLOW:ok' }\n"
                         "input_stream: 'in'\n");
  char *name = NULL, *err = NULL;
  ep_packet *p = NULL;
  ck_assert_int_eq(ep_graph_parse_side_packet(g, "x=2.5", &name, &p, &err), 0);
  ck_assert_str_eq(name, "x");
  ck_assert_str_eq(ep_packet_type(p)->name, "Float");
  ck_assert(ep_packet_get_float(p) == 2.5);
  free(name);
  ep_packet_unref(p);
  ck_assert_int_eq(ep_graph_parse_side_packet(g, "ok=true", &name, &p, &err),
                   0);
  ck_assert(ep_packet_get_bool(p));
  free(name);
  ep_packet_unref(p);
  ck_assert_int_eq(ep_graph_parse_side_packet(g, "x=abc", &name, &p, &err),
                   EP_EPARSE);
  ck_assert_ptr_nonnull(strstr(err, "not a valid Float"));
  free(err);
  ck_assert_int_eq(ep_graph_parse_side_packet(g, "zz=1", &name, &p, &err),
                   EP_ENOTFOUND);
  free(err);
  ck_assert_int_eq(ep_graph_parse_side_packet(g, "novalue", &name, &p, &err),
                   EP_EPARSE);
  free(err);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(output_side_packets_come_from_open) {
  ep_graph *g = tu_graph("node { calculator: 'TestSideOutCalculator'\n"
                         "  output_side_packet: 'made' options { value: 7 } }\n"
                         "node { calculator: 'SidePacketToStreamCalculator'\n"
                         "  input_side_packet: 'made'\n"
                         "  output_stream: 'AT_PRESTREAM:out' }\n");
  tu_collector c;
  tu_collector_init(&c);
  ck_assert_int_eq(ep_graph_observe(g, "out", tu_collect, &c), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(c.n, 1);
  ck_assert_int_eq(c.ts[0], EP_TS_PRESTREAM);
  ck_assert_int_eq(c.v[0], 7);
  ep_packet *made = ep_graph_side_packet(g, "made");
  ck_assert_int_eq(ep_packet_get_int(made), 7);
  ep_packet_unref(made);
  ep_graph_destroy(g);
  tu_collector_free(&c);
}
END_TEST

START_TEST(poller_sees_packets_then_done) {
  ep_graph *g = tu_graph("input_stream: 'in'\n"
                         "output_stream: 'out'\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'in' output_stream: 'out' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "nope", &p), EP_ENOTFOUND);
  ck_assert_int_eq(ep_graph_poller(g, "out", &p), 0);
  ep_packet *pk = NULL;
  ck_assert_int_eq(ep_poller_next(p, &pk, 0), EP_ESTATE);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_poller(g, "out", &p), EP_ESTATE);
  ck_assert_int_eq(ep_poller_next(p, &pk, 1000), EP_EAGAIN);
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(
        ep_graph_add_packet(g, "in", ep_packet_new_int(i * 10, i), 0), 0);
  ck_assert_int_eq(ep_graph_close_input(g, "in"), 0);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(ep_poller_next(p, &pk, -1), 0);
    ck_assert_int_eq(ep_packet_get_int(pk), i * 10);
    ep_packet_unref(pk);
  }
  ck_assert_int_eq(ep_poller_next(p, &pk, -1), EP_STOP);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(ep_graph_input_count(g), 1);
  ck_assert_str_eq(ep_graph_input_name(g, 0), "in");
  ck_assert_str_eq(ep_graph_output_name(g, 0), "out");
  ep_graph_destroy(g);
}
END_TEST

static int refuse(void *user, ep_packet *p) {
  (void)user;
  return ep_packet_get_int(p) == 3 ? EP_EIO : 0;
}

START_TEST(an_observer_error_stops_the_graph) {
  ep_graph *g = tu_graph("node { calculator: 'CountingSourceCalculator'\n"
                         "  output_stream: 'n' options { count: 100 } }\n");
  ck_assert_int_eq(ep_graph_observe(g, "n", refuse, NULL), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_EIO);
  ck_assert_ptr_nonnull(strstr(ep_graph_error(g), "observer"));
  ep_graph_destroy(g);
}
END_TEST

START_TEST(load_errors_are_reported) {
  ep_graph *g = NULL;
  char *err = NULL;
  const char *bad = "node { calculator: 'NoSuchCalculator' }\n";
  ck_assert_int_lt(ep_graph_create_from_string(bad, strlen(bad), "pbtxt",
                                               "bad.pbtxt", &g, &err),
                   0);
  ck_assert_ptr_null(g);
  ck_assert_ptr_nonnull(err);
  ck_assert_ptr_nonnull(strstr(err, "NoSuchCalculator"));
  free(err);
  ck_assert_int_lt(ep_graph_create_from_file("/nonexistent.pbtxt", &g, &err),
                   0);
  free(err);
}
END_TEST

/* err is optional: a caller that wants no message still gets the code. */
START_TEST(load_errors_without_a_message_pointer) {
  ep_graph *g = NULL;
  const char *bad = "node { calculator: 'NoSuchCalculator' }\n";
  ck_assert_int_eq(
      ep_graph_create_from_string(bad, strlen(bad), "pbtxt", NULL, &g, NULL),
      EP_EVALIDATE);
  ck_assert_ptr_null(g);
  ck_assert_int_eq(
      ep_graph_create_from_string("node {", 6, "pbtxt", NULL, &g, NULL),
      EP_EPARSE);
  ck_assert_int_lt(ep_graph_create_from_file("/nonexistent.pbtxt", &g, NULL),
                   0);
  ck_assert_ptr_null(g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sched_graph");
  TCase *tc = tcase_create("graph");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, runs_a_source_to_a_sink);
  tcase_add_test(tc, load_errors_without_a_message_pointer);
  tcase_add_test(tc, a_failing_close_is_the_graph_error);
  tcase_add_test(tc, an_error_closes_every_node_and_leaks_nothing);
  tcase_add_test(tc, a_failing_open_closes_the_opened);
  tcase_add_test(tc, out_of_order_output_names_node_and_stream);
  tcase_add_test(tc, graph_input_rejects_old_timestamps);
  tcase_add_test(tc, nonblocking_add_says_eagain_when_full);
  tcase_add_test(tc, cancel_stops_a_running_graph);
  tcase_add_test(tc, stop_sources_drains_and_ends_cleanly);
  tcase_add_test(tc, destroy_without_wait_cancels);
  tcase_add_test(tc, side_packets_given_at_start);
  tcase_add_test(tc, missing_side_packet_is_named);
  tcase_add_test(tc, side_packet_type_is_checked);
  tcase_add_test(tc, side_packet_text_takes_the_consumers_type);
  tcase_add_test(tc, output_side_packets_come_from_open);
  tcase_add_test(tc, poller_sees_packets_then_done);
  tcase_add_test(tc, an_observer_error_stops_the_graph);
  tcase_add_test(tc, load_errors_are_reported);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
