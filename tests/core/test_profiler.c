/* test_profiler.c — the Chrome trace (spans, queue counters, drop events,
 * track names; a file JSON readers accept), profiler_config, trace file
 * errors, and stream latency. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgepipe/graph.h"
#include "graph_test_util.h"

static long live_before;
static char trace_path[64];

static void setup(void) {
  tu_register();
  live_before = ep_packet_live_count();
  snprintf(trace_path, sizeof trace_path, "/tmp/ep_trace_%d.json",
           (int)getpid());
}

static void teardown(void) {
  unlink(trace_path);
  ck_assert_int_eq(ep_packet_live_count(), live_before);
}

/* The trace as one string (one event per line). */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "no trace file %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
  s[n] = '\0';
  fclose(f);
  return s;
}

/* Lines of text containing every one of the NULL-terminated needles. */
static long count_lines(const char *text, const char *const *needles) {
  long n = 0;
  for (const char *l = text; l && *l;) {
    const char *end = strchr(l, '\n');
    size_t len = end ? (size_t)(end - l) : strlen(l);
    char *line = strndup(l, len);
    bool all = true;
    for (size_t i = 0; needles[i] && all; i++)
      all = strstr(line, needles[i]) != NULL;
    n += all;
    free(line);
    l = end ? end + 1 : NULL;
  }
  return n;
}

/* A JSON reader accepts the file: Python's json module. */
static void assert_valid_json(const char *path) {
  char cmd[256];
  snprintf(cmd, sizeof cmd,
           "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s",
           path);
  ck_assert_msg(system(cmd) == 0, "%s is not valid JSON", path);
}

/* The track id ("tid") the trace gave node `name`. */
static int tid_of(const char *text, const char *name) {
  char key[128];
  snprintf(key, sizeof key, "\"args\":{\"name\":\"%s (", name);
  const char *k = strstr(text, key);
  ck_assert_msg(k != NULL, "no track named %s", name);
  const char *line = k;
  while (line > text && line[-1] != '\n')
    line--;
  const char *t = strstr(line, "\"tid\":");
  ck_assert_ptr_nonnull(t);
  return atoi(t + 6);
}

START_TEST(one_span_per_call_with_its_timestamp) {
  ep_graph *g =
      tu_graph("output_stream: 'out'\n"
               "node { calculator: 'CountingSourceCalculator'\n"
               "  output_stream: 's' options { count: 50 } }\n"
               "node { name: 'a' calculator: 'PassThroughCalculator'\n"
               "  input_stream: 's' output_stream: 'm' }\n"
               "node { name: 'b' calculator: 'PassThroughCalculator'\n"
               "  input_stream: 'm' output_stream: 'out' }\n");
  ck_assert_int_eq(ep_graph_set_trace(g, trace_path), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_set_trace(g, trace_path), EP_ESTATE);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  assert_valid_json(trace_path);
  char *t = slurp(trace_path);
  char tid[32], ts[64];
  snprintf(tid, sizeof tid, "\"tid\":%d,", tid_of(t, "a"));
  const char *span[] = {"\"ph\":\"X\"", "\"cat\":\"process\"", tid, NULL};
  ck_assert_int_eq(count_lines(t, span), 50);
  for (int i = 0; i < 50; i++) {
    snprintf(ts, sizeof ts, "\"args\":{\"timestamp\":%d}", i);
    const char *one[] = {"\"ph\":\"X\"", tid, ts, NULL};
    ck_assert_int_eq(count_lines(t, one), 1);
  }
  const char *open_close[] = {"\"ph\":\"X\"", "\"cat\":\"open\"", NULL};
  ck_assert_int_eq(count_lines(t, open_close), 3);
  const char *close[] = {"\"ph\":\"X\"", "\"cat\":\"close\"", NULL};
  ck_assert_int_eq(count_lines(t, close), 3);
  /* b's queue went up and back down to zero. */
  const char *q[] = {"\"ph\":\"C\"", "\"name\":\"queue b/m\"", NULL};
  ck_assert_int_ge(count_lines(t, q), 2);
  const char *q0[] = {"\"name\":\"queue b/m\"", "\"depth\":0}", NULL};
  ck_assert_int_ge(count_lines(t, q0), 1);
  const char *q1[] = {"\"name\":\"queue b/m\"", "\"depth\":1}", NULL};
  ck_assert_int_ge(count_lines(t, q1), 1);
  free(t);
  ep_graph_destroy(g);
}
END_TEST

/* A FlowLimiter before a slow node: each frame it drops is an instant
 * event on its track. (Its stats also count the FINISHED packet that
 * comes back after it closed, which is no frame.) */
START_TEST(flow_limiter_drops_are_instant_events) {
  ep_graph *g =
      tu_graph("input_stream: 'in'\n"
               "output_stream: 'out'\n"
               "node { name: 'limit' calculator: 'FlowLimiterCalculator'\n"
               "  input_stream: 'in' input_stream: 'FINISHED:out'\n"
               "  input_stream_info { tag_index: 'FINISHED' back_edge: true }\n"
               "  output_stream: 'l' }\n"
               "node { name: 'slow' calculator: 'TestSlowCalculator'\n"
               "  input_stream: 'l' output_stream: 'out'\n"
               "  options { sleep_us: 3000 } }\n");
  ck_assert_int_eq(ep_graph_set_trace(g, trace_path), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  for (int i = 0; i < 40; i++)
    ck_assert_int_eq(ep_graph_add_packet(g, "in", ep_packet_new_int(i, i), 0),
                     0);
  ep_graph_close_all_inputs(g);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  /* Every frame the limiter did not pass on, it dropped. */
  long dropped = 40 - (long)ep_graph_stream_packets(g, "l");
  ck_assert_int_gt(dropped, 0);
  ck_assert_uint_ge(tu_stats(g, "limit").drops, (uint64_t)dropped);
  assert_valid_json(trace_path);
  char *t = slurp(trace_path);
  char tid[32];
  snprintf(tid, sizeof tid, "\"tid\":%d,", tid_of(t, "limit"));
  const char *drop[] = {"\"ph\":\"i\"", tid, "\"name\":\"drop\"", NULL};
  ck_assert_int_eq(count_lines(t, drop), dropped);
  const char *any_drop[] = {"\"ph\":\"i\"", NULL};
  ck_assert_int_eq(count_lines(t, any_drop), dropped);
  free(t);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(profiler_config_turns_tracing_on) {
  char text[512];
  snprintf(text, sizeof text,
           "profiler_config { trace_enabled: true trace_log_path: '%s'\n"
           "  enable_profiler: true }\n"
           "node { calculator: 'CountingSourceCalculator'\n"
           "  output_stream: 's' options { count: 5 } }\n"
           "node { name: 'sink' calculator: 'CountingSinkCalculator'\n"
           "  input_stream: 's' }\n",
           trace_path);
  ep_graph *g = tu_graph(text);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  assert_valid_json(trace_path);
  char *t = slurp(trace_path);
  const char *spans[] = {"\"cat\":\"process\"", "\"timestamp\":4}", NULL};
  ck_assert_int_eq(count_lines(t, spans), 2); /* the source's and the sink's */
  free(t);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(tracing_off_writes_nothing) {
  unlink(trace_path);
  char text[512];
  snprintf(text, sizeof text,
           "profiler_config { trace_enabled: false trace_log_path: '%s' }\n"
           "node { calculator: 'CountingSourceCalculator'\n"
           "  output_stream: 's' options { count: 5 } }\n",
           trace_path);
  ep_graph *g = tu_graph(text);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ck_assert_int_ne(access(trace_path, F_OK), 0);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(unknown_profiler_field_is_named) {
  const char text[] = "profiler_config {\n"
                      "  trace_enabled: true\n"
                      "  trace_log_pth: '/tmp/x.json'\n"
                      "}\n"
                      "node { calculator: 'CountingSourceCalculator'\n"
                      "  output_stream: 's' }\n";
  ep_graph *g = NULL;
  char *err = NULL;
  ck_assert_int_eq(ep_graph_create_from_string(text, strlen(text), "pbtxt",
                                               "t.pbtxt", &g, &err),
                   EP_EVALIDATE);
  ck_assert_ptr_nonnull(err);
  ck_assert_msg(strstr(err, "t.pbtxt:3:3: unknown field 'trace_log_pth' in "
                            "profiler_config; did you mean 'trace_log_path'?"),
                "%s", err);
  free(err);
  const char bad_kind[] = "profiler_config { trace_enabled: 3 }\n"
                          "node { calculator: 'CountingSourceCalculator'\n"
                          "  output_stream: 's' }\n";
  ck_assert_int_eq(ep_graph_create_from_string(bad_kind, strlen(bad_kind),
                                               "pbtxt", "t.pbtxt", &g, &err),
                   EP_EVALIDATE);
  ck_assert_msg(strstr(err, "t.pbtxt:1:34: field 'trace_enabled' in "
                            "profiler_config must be true or false"),
                "%s", err);
  free(err);
}
END_TEST

START_TEST(unwritable_trace_path_fails_the_start) {
  ep_graph *g = tu_graph("node { name: 'life' calculator: "
                         "'TestLifecycleCalculator'\n"
                         "  input_stream: 'x' }\n"
                         "input_stream: 'x'\n");
  atomic_store(&tu_opened, 0);
  ck_assert_int_eq(ep_graph_set_trace(g, "/nonexistent-dir/t.json"), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), EP_EIO);
  ck_assert_msg(strstr(ep_graph_error(g), "'/nonexistent-dir/t.json'"), "%s",
                ep_graph_error(g));
  ck_assert_int_eq(atomic_load(&tu_opened), 0); /* before any node opened */
  ep_graph_destroy(g);
}
END_TEST

/* /dev/full takes the file but fails every write, like a full disk. */
START_TEST(a_full_disk_is_the_graph_error) {
  ep_graph *g = tu_graph("node { calculator: 'CountingSourceCalculator'\n"
                         "  output_stream: 's' options { count: 100 } }\n");
  ck_assert_int_eq(ep_graph_set_trace(g, "/dev/full"), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_EIO);
  ck_assert_msg(strstr(ep_graph_error(g), "cannot write the trace file "
                                          "'/dev/full': No space left"),
                "%s", ep_graph_error(g));
  ep_graph_destroy(g);
}
END_TEST

START_TEST(latency_from_input_to_each_output) {
  ep_graph *g = tu_graph("input_stream: 'in'\n"
                         "output_stream: 'fast'\n"
                         "output_stream: 'slow'\n"
                         "node { calculator: 'PassThroughCalculator'\n"
                         "  input_stream: 'in' output_stream: 'fast' }\n"
                         "node { calculator: 'TestSlowCalculator'\n"
                         "  input_stream: 'in' output_stream: 'slow'\n"
                         "  options { sleep_us: 2000 } }\n");
  ck_assert_int_eq(ep_graph_enable_latency(g), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_enable_latency(g), EP_ESTATE);
  for (int i = 0; i < 20; i++)
    ck_assert_int_eq(ep_graph_add_packet(g, "in", ep_packet_new_int(i, i), 0),
                     0);
  ep_graph_close_all_inputs(g);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ep_stream_latency *l = NULL;
  size_t n = 0;
  ck_assert_int_eq(ep_graph_latency(g, &l, &n), 0);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(l[0].stream, "fast");
  ck_assert_str_eq(l[1].stream, "slow");
  ck_assert_uint_eq(l[0].frames, 20);
  ck_assert_uint_eq(l[1].frames, 20);
  /* Each slow packet slept 2 ms after it entered. */
  ck_assert_uint_ge(l[1].p50_ns, 2000000);
  ck_assert_uint_le(l[1].p50_ns, l[1].p99_ns);
  ck_assert_uint_le(l[1].p99_ns, l[1].max_ns);
  free(l);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(latency_off_reports_no_frames) {
  ep_graph *g = tu_graph("output_stream: 's'\n"
                         "node { calculator: 'CountingSourceCalculator'\n"
                         "  output_stream: 's' options { count: 5 } }\n");
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ep_stream_latency *l = NULL;
  size_t n = 0;
  ck_assert_int_eq(ep_graph_latency(g, &l, &n), 0);
  ck_assert_uint_eq(n, 1);
  ck_assert_uint_eq(l[0].frames, 0);
  free(l);
  ep_graph_destroy(g);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("profiler");
  TCase *tc = tcase_create("profiler");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, one_span_per_call_with_its_timestamp);
  tcase_add_test(tc, flow_limiter_drops_are_instant_events);
  tcase_add_test(tc, profiler_config_turns_tracing_on);
  tcase_add_test(tc, tracing_off_writes_nothing);
  tcase_add_test(tc, unknown_profiler_field_is_named);
  tcase_add_test(tc, unwritable_trace_path_fails_the_start);
  tcase_add_test(tc, a_full_disk_is_the_graph_error);
  tcase_add_test(tc, latency_from_input_to_each_output);
  tcase_add_test(tc, latency_off_reports_no_frames);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
