/* test_cmd_run.c — `pipe-run GRAPH`, the real binary: exit codes, --print,
 * --stats, --side, and stopping on SIGINT/SIGTERM. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char pipe_run[4096];

static void setup(void) {
  const char *b = getenv("EP_BUILD_ROOT");
  ck_assert_ptr_nonnull(b);
  snprintf(pipe_run, sizeof pipe_run, "%s/tools/pipe-run", b);
}

/* Writes text to a new .pbtxt file; returns its malloc'd path. */
static char *graph_file(const char *text) {
  char *path = strdup("/tmp/ep_run_XXXXXX.pbtxt");
  int fd = mkstemps(path, 6);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  return path;
}

typedef struct result {
  int status; /* exit code, or 128 + signal if killed */
  char out[8192], err[8192];
} result;

static void slurp(int fd, char *buf, size_t n) {
  size_t k = 0;
  ssize_t r;
  while (k + 1 < n && (r = read(fd, buf + k, n - 1 - k)) > 0)
    k += (size_t)r;
  buf[k] = '\0';
}

/* Runs pipe-run with args; sends sig after delay_ms if sig != 0. */
static void run(result *res, const char *const *args, int sig, int delay_ms) {
  int out[2], err[2];
  ck_assert_int_eq(pipe(out), 0);
  ck_assert_int_eq(pipe(err), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    const char *argv[16] = {pipe_run};
    for (int i = 0; args[i] && i < 14; i++)
      argv[i + 1] = args[i];
    execv(pipe_run, (char *const *)argv);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  if (sig) {
    usleep((useconds_t)delay_ms * 1000);
    kill(pid, sig);
  }
  slurp(out[0], res->out, sizeof res->out);
  slurp(err[0], res->err, sizeof res->err);
  close(out[0]);
  close(err[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char counting[] =
    "output_stream: 'out'\n"
    "input_side_packet: 'n'\n"
    "node { calculator: 'CountingSourceCalculator'\n"
    "  output_stream: 's' options { count: %s } }\n"
    "node { name: 'pass' calculator: 'PassThroughCalculator'\n"
    "  input_stream: 's' output_stream: 'out' }\n"
    "node { calculator: 'SidePacketToStreamCalculator'\n"
    "  input_side_packet: 'n' output_stream: 'AT_ZERO:side' }\n";

static char *counting_graph(const char *count) {
  char text[1024];
  snprintf(text, sizeof text, counting, count);
  return graph_file(text);
}

START_TEST(runs_prints_and_counts) {
  char *g = counting_graph("3");
  result r;
  const char *args[] = {g,           "--print", "out",  "--print",
                        "side",      "--side",  "n=41", "--stats",
                        "--threads", "2",       NULL};
  run(&r, args, 0, 0);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.out, "{\"stream\":\"out\",\"timestamp_us\":2,"
                                      "\"type\":\"Int\",\"value\":2}\n"));
  ck_assert_ptr_nonnull(strstr(r.out,
                               "{\"stream\":\"side\",\"timestamp_us\":0"
                               ",\"type\":\"String\",\"value\":\"41\"}\n"));
  ck_assert_ptr_nonnull(strstr(r.err, "PassThroughCalculator"));
  ck_assert_ptr_nonnull(strstr(r.err, "p99"));
  unlink(g);
  free(g);
}
END_TEST

START_TEST(usage_errors_exit_2) {
  char *g = counting_graph("3");
  result r;
  const char *bad_side[] = {g, "--side", "nope=1", NULL};
  run(&r, bad_side, 0, 0);
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "nope"));
  const char *bad_print[] = {g, "--side", "n=1", "--print", "zz", NULL};
  run(&r, bad_print, 0, 0);
  ck_assert_int_eq(r.status, 2);
  unlink(g);
  free(g);
}
END_TEST

START_TEST(graph_errors_exit_1) {
  char *g = graph_file("node { name: 'src' calculator: "
                       "'CountingSourceCalculator'\n"
                       "  output_stream: 's' options { count: 5 } }\n"
                       "node { name: 'sink' calculator: "
                       "'CountingSinkCalculator'\n"
                       "  input_stream: 's' options { expect: 6 } }\n");
  result r;
  const char *args[] = {g, NULL};
  run(&r, args, 0, 0);
  ck_assert_int_eq(r.status, 1);
  ck_assert_ptr_nonnull(strstr(r.err, "node 'sink' (CountingSinkCalculator): "
                                      "expected 6 packets, got 5"));
  const char *missing_side[] = {g, NULL};
  char *g2 = counting_graph("3");
  missing_side[0] = g2;
  run(&r, missing_side, 0, 0);
  ck_assert_int_eq(r.status, 1);
  ck_assert_ptr_nonnull(strstr(r.err, "side packet 'n'"));
  unlink(g);
  unlink(g2);
  free(g);
  free(g2);
}
END_TEST

/* --trace writes a trace with the nodes' spans; --latency prints a row per
 * graph output stream; --stats has every column. */
START_TEST(trace_latency_and_stats) {
  char *g = counting_graph("7");
  char trace[64];
  snprintf(trace, sizeof trace, "/tmp/ep_run_trace_%d.json", (int)getpid());
  result r;
  const char *args[] = {g,     "--side",  "n=1",       "--trace",
                        trace, "--stats", "--latency", NULL};
  run(&r, args, 0, 0);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  FILE *f = fopen(trace, "r");
  ck_assert_ptr_nonnull(f);
  char line[1024];
  int pass_spans = 0;
  while (fgets(line, sizeof line, f))
    pass_spans +=
        strstr(line, "\"ph\":\"X\"") && strstr(line, "\"name\":\"pass\"");
  fclose(f);
  ck_assert_int_eq(pass_spans, 7);
  const char *cols[] = {"calls",  "in",     "out",    "drops",
                        "p50 us", "p99 us", "max us", "maxq"};
  for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
    ck_assert_msg(strstr(r.err, cols[i]), "no column %s in\n%s", cols[i],
                  r.err);
  const char *row = strstr(r.err, "\nout ");
  ck_assert_msg(row != NULL, "no latency row for 'out':\n%s", r.err);
  unsigned long frames = 0;
  ck_assert_int_eq(sscanf(row, " out %lu", &frames), 1);
  ck_assert_uint_eq(frames, 7);
  unlink(trace);
  const char *bad[] = {
      g, "--side", "n=1", "--trace", "/nonexistent-dir/t.json", NULL};
  run(&r, bad, 0, 0);
  ck_assert_int_eq(r.status, 1);
  ck_assert_ptr_nonnull(strstr(r.err, "cannot write the trace file "
                                      "'/nonexistent-dir/t.json'"));
  unlink(g);
  free(g);
}
END_TEST

static void stops_on(int sig) {
  char *g = counting_graph("1000000000000");
  result r;
  const char *args[] = {g, "--side", "n=1", "--stats", NULL};
  run(&r, args, sig, 300);
  ck_assert_int_eq(r.status, 128 + sig);
  ck_assert_ptr_nonnull(strstr(r.err, "stopping the sources"));
  /* The sources stopped and the graph drained: every packet the source
   * sent went through pass (calls equal on both lines of the table). */
  const char *row = strstr(r.err, "\npass ");
  ck_assert_ptr_nonnull(row);
  unsigned long calls = 0, in = 0, out = 0;
  ck_assert_int_eq(sscanf(row, " pass %*s %lu %lu %lu", &calls, &in, &out), 3);
  ck_assert_uint_gt(calls, 0);
  ck_assert_uint_eq(in, out);
  unlink(g);
  free(g);
}

START_TEST(sigint_drains_and_exits_130) { stops_on(SIGINT); }
END_TEST

START_TEST(sigterm_drains_and_exits_143) { stops_on(SIGTERM); }
END_TEST

int main(void) {
  Suite *s = suite_create("tools_run");
  TCase *tc = tcase_create("run");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, runs_prints_and_counts);
  tcase_add_test(tc, usage_errors_exit_2);
  tcase_add_test(tc, graph_errors_exit_1);
  tcase_add_test(tc, trace_latency_and_stats);
  tcase_add_test(tc, sigint_drains_and_exits_130);
  tcase_add_test(tc, sigterm_drains_and_exits_143);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
