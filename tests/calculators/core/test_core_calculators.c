/* test_core_calculators.c — the calculators in calculators/core/, run in
 * real graphs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/graph_test_util.h"
#include "edgepipe/graph.h"

static void add_bool(ep_graph *g, const char *stream, bool v, ep_timestamp ts) {
  ck_assert_int_eq(ep_graph_add_packet(g, stream, ep_packet_new_bool(v, ts), 0),
                   0);
}

/* --- FlowLimiter ------------------------------------------------------------
 */

/* Frames come every 200 us; the consumer takes 2 ms. */
static const char flow_graph[] =
    "node { calculator: 'CountingSourceCalculator'\n"
    "  output_stream: 'raw' options { count: %d } }\n"
    "node { calculator: 'TestSlowCalculator'\n"
    "  input_stream: 'raw' output_stream: 'frames'\n"
    "  options { sleep_us: 200 } }\n"
    "node { name: 'limiter' calculator: 'FlowLimiterCalculator'\n"
    "  input_stream: 'frames' input_stream: 'FINISHED:done'\n"
    "  input_stream_info { tag_index: 'FINISHED' back_edge: true }\n"
    "  output_stream: 'limited' output_stream: 'ALLOW:allow'\n"
    "  options { max_in_flight: %d } }\n"
    "node { name: 'slow' calculator: 'TestSlowCalculator'\n"
    "  input_stream: 'limited' output_stream: 'done'\n"
    "  options { sleep_us: 2000 } }\n";

typedef struct allow_count {
  int yes, no;
} allow_count;

static int count_allow(void *user, ep_packet *p) {
  allow_count *a = user;
  if (ep_packet_get_bool(p))
    a->yes++;
  else
    a->no++;
  return 0;
}

static void run_flow(int frames, int max_in_flight) {
  char text[2048];
  snprintf(text, sizeof text, flow_graph, frames, max_in_flight);
  ep_graph *g = tu_graph(text);
  allow_count a = {0, 0};
  tu_collector c;
  tu_collector_init(&c);
  ck_assert_int_eq(ep_graph_observe(g, "allow", count_allow, &a), 0);
  ck_assert_int_eq(ep_graph_observe(g, "done", tu_collect, &c), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ep_node_stats lim = tu_stats(g, "limiter"), slow = tu_stats(g, "slow");
  ck_assert_int_eq(a.yes + a.no, frames);
  ck_assert_int_gt(a.no, 0);
  ck_assert_int_gt(a.yes, 1);
  /* Its drops, plus FINISHED packets that came back after it closed. */
  ck_assert_uint_ge(lim.drops, (uint64_t)a.no);
  ck_assert_uint_le(lim.drops, (uint64_t)(a.no + max_in_flight));
  ck_assert_uint_eq(slow.packets_in, (uint64_t)a.yes);
  ck_assert_uint_eq(c.n, (size_t)a.yes);
  /* In flight = queued for the slow node or in it: its queue never holds
   * more than the limit. */
  ck_assert_uint_le(slow.max_queue, (uint64_t)max_in_flight);
  ck_assert_int_eq(c.ts[0], 0); /* the first frame never waits */
  for (size_t i = 1; i < c.n; i++)
    ck_assert_int_gt(c.ts[i], c.ts[i - 1]);
  ep_graph_destroy(g);
  tu_collector_free(&c);
}

START_TEST(flow_limiter_drops_under_a_slow_consumer) { run_flow(200, 1); }
END_TEST

START_TEST(flow_limiter_allows_max_in_flight) { run_flow(200, 3); }
END_TEST

/* Dropped frames advance the limiter's output bound: a node joining the
 * limited stream with the frames answers every frame at once. */
START_TEST(flow_limiter_drops_advance_the_bound) {
  ep_graph *g =
      tu_graph("input_stream: 'in'\n"
               "input_stream: 'finished'\n"
               "node { calculator: 'FlowLimiterCalculator'\n"
               "  input_stream: 'in' input_stream: 'FINISHED:finished'\n"
               "  input_stream_info { tag_index: 'FINISHED' back_edge: true "
               "}\n"
               "  output_stream: 'limited' }\n"
               "node { calculator: 'TestSyncCalculator'\n"
               "  input_stream: 'A:limited' input_stream: 'B:in'\n"
               "  output_stream: 'mask' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "mask", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "in", 0, 1);
  tu_expect_poll(p, 1, 3); /* passes: nothing in flight */
  tu_add_int(g, "in", 0, 2);
  tu_expect_poll(p, 2, 2); /* dropped: frame 1 is still in flight */
  tu_add_int(g, "finished", 0, 1);
  tu_add_int(g, "in", 0, 3);
  tu_expect_poll(p, 3, 3); /* passes again */
  tu_finish(g);
}
END_TEST

/* With max_in_queue 1 the newest waiting frame is kept and sent when a
 * frame finishes. */
START_TEST(flow_limiter_queues_the_newest) {
  ep_graph *g =
      tu_graph("input_stream: 'in'\n"
               "input_stream: 'finished'\n"
               "node { calculator: 'FlowLimiterCalculator'\n"
               "  input_stream: 'in' input_stream: 'FINISHED:finished'\n"
               "  input_stream_info { tag_index: 'FINISHED' back_edge: true "
               "}\n"
               "  output_stream: 'limited' name: 'limiter'\n"
               "  options { max_in_queue: 1 } }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "limited", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "in", 10, 1);
  tu_expect_poll(p, 1, 10);
  tu_add_int(g, "in", 20, 2);
  tu_add_int(g, "in", 30, 3); /* 2 is dropped, 3 waits */
  /* Let the limiter see both frames before frame 1 finishes. */
  while (tu_stats(g, "limiter").process_calls < 3)
    usleep(1000);
  tu_add_int(g, "finished", 0, 1);
  tu_expect_poll(p, 3, 30);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ep_packet *pk = NULL;
  ck_assert_int_eq(ep_poller_next(p, &pk, -1), EP_STOP);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ep_graph_destroy(g);
}
END_TEST

/* --- PacketCloner ------------------------------------------------------------
 */

START_TEST(packet_cloner_repeats_the_latest) {
  ep_graph *g = tu_graph("input_stream: 'v'\n"
                         "input_stream: 'tick'\n"
                         "node { calculator: 'PacketClonerCalculator'\n"
                         "  input_stream: 'v' input_stream: 'TICK:tick'\n"
                         "  output_stream: 'out' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "out", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "tick", 0, 1); /* nothing to clone yet */
  tu_add_int(g, "v", 5, 2);
  tu_add_int(g, "tick", 0, 3);
  tu_expect_poll(p, 3, 5);
  tu_add_int(g, "tick", 0, 4);
  tu_expect_poll(p, 4, 5);
  tu_add_int(g, "v", 6, 5);
  tu_add_int(g, "tick", 0, 6);
  tu_expect_poll(p, 6, 6);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_eq(ep_graph_stream_packets(g, "out"), 3);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(packet_cloner_can_wait_for_all_inputs) {
  ep_graph *g = tu_graph("input_stream: 'a'\n"
                         "input_stream: 'b'\n"
                         "input_stream: 'tick'\n"
                         "node { calculator: 'PacketClonerCalculator'\n"
                         "  input_stream: 'a' input_stream: 'b'\n"
                         "  input_stream: 'TICK:tick'\n"
                         "  output_stream: 'oa' output_stream: 'ob'\n"
                         "  options { output_only_when_all_inputs_received: "
                         "true } }\n");
  ep_poller *pa = NULL, *pb = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "oa", &pa), 0);
  ck_assert_int_eq(ep_graph_poller(g, "ob", &pb), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "a", 1, 1);
  tu_add_int(g, "tick", 0, 2); /* b missing: nothing */
  tu_add_int(g, "b", 2, 3);
  tu_add_int(g, "tick", 0, 4);
  tu_expect_poll(pa, 4, 1);
  tu_expect_poll(pb, 4, 2);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_eq(ep_graph_stream_packets(g, "oa"), 1);
  ep_graph_destroy(g);
}
END_TEST

/* --- SidePacketToStream
 * ---------------------------------------------------------- */

START_TEST(side_packet_to_stream_at_tick_and_poststream) {
  ep_graph *g = tu_graph("input_side_packet: 'k'\n"
                         "input_stream: 'tick'\n"
                         "node { calculator: 'SidePacketToStreamCalculator'\n"
                         "  input_stream: 'TICK:tick' input_side_packet: 'k'\n"
                         "  output_stream: 'AT_TICK:ticked' }\n"
                         "node { calculator: 'SidePacketToStreamCalculator'\n"
                         "  input_side_packet: 'k'\n"
                         "  output_stream: 'AT_POSTSTREAM:post' }\n");
  tu_collector t, post;
  tu_collector_init(&t);
  tu_collector_init(&post);
  ck_assert_int_eq(ep_graph_observe(g, "ticked", tu_collect, &t), 0);
  ck_assert_int_eq(ep_graph_observe(g, "post", tu_collect, &post), 0);
  ep_packet *k = ep_packet_new_int(9, EP_TS_UNSET);
  ep_side_packet side = {"k", k};
  ck_assert_int_eq(ep_graph_start(g, &side, 1), 0);
  ep_packet_unref(k);
  tu_add_int(g, "tick", 0, 100);
  tu_add_int(g, "tick", 0, 200);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(t.n, 2);
  ck_assert_int_eq(t.ts[0], 100);
  ck_assert_int_eq(t.ts[1], 200);
  ck_assert_int_eq(t.v[1], 9);
  ck_assert_uint_eq(post.n, 1);
  ck_assert_int_eq(post.ts[0], EP_TS_POSTSTREAM);
  ep_graph_destroy(g);
  tu_collector_free(&t);
  tu_collector_free(&post);
}
END_TEST

START_TEST(side_packet_to_stream_at_timestamp) {
  ep_graph *g = tu_graph("input_side_packet: 'v'\n"
                         "input_side_packet: 't'\n"
                         "node { calculator: 'SidePacketToStreamCalculator'\n"
                         "  input_side_packet: 'v'\n"
                         "  input_side_packet: 'TIMESTAMP:t'\n"
                         "  output_stream: 'AT_TIMESTAMP:out' }\n");
  tu_collector c;
  tu_collector_init(&c);
  ck_assert_int_eq(ep_graph_observe(g, "out", tu_collect, &c), 0);
  ep_packet *v = ep_packet_new_int(3, EP_TS_UNSET);
  ep_packet *t = ep_packet_new_int(1234, EP_TS_UNSET);
  ep_side_packet side[] = {{"v", v}, {"t", t}};
  ck_assert_int_eq(ep_graph_start(g, side, 2), 0);
  ep_packet_unref(v);
  ep_packet_unref(t);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(c.n, 1);
  ck_assert_int_eq(c.ts[0], 1234);
  ck_assert_int_eq(c.v[0], 3);
  ep_graph_destroy(g);
  tu_collector_free(&c);
}
END_TEST

/* --- Gate
 * ----------------------------------------------------------------------------
 */

START_TEST(gate_follows_the_allow_stream) {
  ep_graph *g = tu_graph("input_stream: 'v'\n"
                         "input_stream: 'ok'\n"
                         "node { calculator: 'GateCalculator'\n"
                         "  input_stream: 'v' input_stream: 'ALLOW:ok'\n"
                         "  output_stream: 'out' }\n"
                         "node { calculator: 'TestSyncCalculator'\n"
                         "  input_stream: 'A:out' input_stream: 'B:v'\n"
                         "  output_stream: 'mask' }\n");
  ep_poller *p = NULL;
  ck_assert_int_eq(ep_graph_poller(g, "mask", &p), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  for (int i = 0; i < 4; i++) {
    tu_add_int(g, "v", i, i);
    add_bool(g, "ok", i % 2 == 0, i);
    tu_expect_poll(p, i, i % 2 == 0 ? 3 : 2); /* 3: passed, 2: held back */
  }
  tu_add_int(g, "v", 4, 4);
  add_bool(g, "ok", true, 5); /* no ALLOW packet at 4: disallowed */
  tu_expect_poll(p, 4, 2);
  tu_add_int(g, "v", 5, 5);
  tu_expect_poll(p, 5, 3);
  tu_finish(g);
}
END_TEST

START_TEST(gate_side_packet_and_option) {
  ep_graph *g = tu_graph("input_side_packet: 'off'\n"
                         "node { calculator: 'CountingSourceCalculator'\n"
                         "  output_stream: 'n' options { count: 50 } }\n"
                         "node { calculator: 'GateCalculator'\n"
                         "  input_stream: 'n' input_side_packet: "
                         "'DISALLOW:off'\n"
                         "  output_stream: 'a' }\n"
                         "node { calculator: 'GateCalculator'\n"
                         "  input_stream: 'n' output_stream: 'b'\n"
                         "  options { allow: true } }\n"
                         "node { calculator: 'GateCalculator'\n"
                         "  input_stream: 'n' output_stream: 'c' }\n");
  ep_packet *off = ep_packet_new_bool(false, EP_TS_UNSET);
  ep_side_packet side = {"off", off};
  ck_assert_int_eq(ep_graph_start(g, &side, 1), 0);
  ep_packet_unref(off);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_eq(ep_graph_stream_packets(g, "a"), 50);
  ck_assert_int_eq(ep_graph_stream_packets(g, "b"), 50);
  ck_assert_int_eq(ep_graph_stream_packets(g, "c"), 0);
  ep_graph_destroy(g);
}
END_TEST

/* --- PassThrough, CountingSource
 * ----------------------------------------------------- */

START_TEST(pass_through_mirrors_every_port) {
  ep_graph *g = tu_graph("input_stream: 'x'\n"
                         "input_stream: 'y'\n"
                         "input_stream: 'z'\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'x' input_stream: 'y'\n"
                         "  input_stream: 'VIDEO:z'\n"
                         "  output_stream: 'x2' output_stream: 'y2'\n"
                         "  output_stream: 'VIDEO:z2' }\n");
  tu_collector cx, cy, cz;
  tu_collector_init(&cx);
  tu_collector_init(&cy);
  tu_collector_init(&cz);
  ck_assert_int_eq(ep_graph_observe(g, "x2", tu_collect, &cx), 0);
  ck_assert_int_eq(ep_graph_observe(g, "y2", tu_collect, &cy), 0);
  ck_assert_int_eq(ep_graph_observe(g, "z2", tu_collect, &cz), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  tu_add_int(g, "x", 1, 1);
  tu_add_int(g, "y", 2, 1);
  tu_add_int(g, "z", 3, 2);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(cx.n, 1);
  ck_assert_int_eq(cx.v[0], 1);
  ck_assert_uint_eq(cy.n, 1);
  ck_assert_int_eq(cy.v[0], 2);
  ck_assert_uint_eq(cz.n, 1);
  ck_assert_int_eq(cz.v[0], 3);
  ck_assert_int_eq(cz.ts[0], 2);
  ep_graph_destroy(g);
  tu_collector_free(&cx);
  tu_collector_free(&cy);
  tu_collector_free(&cz);
}
END_TEST

START_TEST(counting_source_start_and_step) {
  ep_graph *g = tu_graph("node { calculator: 'CountingSourceCalculator'\n"
                         "  output_stream: 'n'\n"
                         "  options { count: 4 start: 2 step: 100 } }\n");
  tu_collector c;
  tu_collector_init(&c);
  ck_assert_int_eq(ep_graph_observe(g, "n", tu_collect, &c), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_uint_eq(c.n, 4);
  for (size_t i = 0; i < 4; i++) {
    ck_assert_int_eq(c.v[i], (int64_t)i + 2);
    ck_assert_int_eq(c.ts[i], ((int64_t)i + 2) * 100);
  }
  ep_graph_destroy(g);
  tu_collector_free(&c);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sched_core_calculators");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, flow_limiter_drops_under_a_slow_consumer);
  tcase_add_test(tc, flow_limiter_allows_max_in_flight);
  tcase_add_test(tc, flow_limiter_drops_advance_the_bound);
  tcase_add_test(tc, flow_limiter_queues_the_newest);
  tcase_add_test(tc, packet_cloner_repeats_the_latest);
  tcase_add_test(tc, packet_cloner_can_wait_for_all_inputs);
  tcase_add_test(tc, side_packet_to_stream_at_tick_and_poststream);
  tcase_add_test(tc, side_packet_to_stream_at_timestamp);
  tcase_add_test(tc, gate_follows_the_allow_stream);
  tcase_add_test(tc, gate_side_packet_and_option);
  tcase_add_test(tc, pass_through_mirrors_every_port);
  tcase_add_test(tc, counting_source_start_and_step);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
