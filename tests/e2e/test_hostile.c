/* test_hostile.c — every row of the README's "What happens when" table, against
 * the real pipe-run binary: the exit code, a message that says what and where,
 * and no hang (each run is killed after a timeout, which fails the test).
 * Inputs are made here, at test time: truncated and garbage files, video
 * clips by plain gst-launch-1.0, /dev/full for a full disk. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_TIMEOUT_S 60

static char pipe_run[4096], root[4096], dir[64];

static void setup(void) {
  const char *b = getenv("EP_BUILD_ROOT"), *s = getenv("EP_SOURCE_ROOT");
  ck_assert_ptr_nonnull(b);
  ck_assert_ptr_nonnull(s);
  snprintf(pipe_run, sizeof pipe_run, "%s/tools/pipe-run", b);
  snprintf(root, sizeof root, "%s", s);
  strcpy(dir, "/tmp/ep_hostile_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* dir/name in one of a few rotating buffers. */
static const char *in_dir(const char *name) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static const char *write_file(const char *name, const char *fmt, ...) {
  const char *path = in_dir(name);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  fclose(f);
  return path;
}

/* The first n bytes of `from` (n < 0: random bytes, -n of them). */
static const char *make_file(const char *name, const char *from, long n) {
  const char *path = in_dir(name);
  FILE *out = fopen(path, "wb"), *in = from ? fopen(from, "rb") : NULL;
  ck_assert_ptr_nonnull(out);
  srand(7);
  for (long i = 0; i < (n < 0 ? -n : n); i++) {
    int c = in ? fgetc(in) : rand() & 0xff;
    if (c == EOF)
      break;
    fputc(c, out);
  }
  if (in)
    fclose(in);
  fclose(out);
  return path;
}

static bool shell(const char *fmt, ...) {
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  return system(cmd) == 0;
}

typedef struct result {
  int status; /* exit code, 128 + signal, or -1 after the timeout */
  char err[16384];
} result;

/* Waits up to 60 s for path to hold data: the run is past its start-up
 * (a slow one under sanitizers), with its signal handlers in place. */
static void wait_for_output(const char *path) {
  struct stat st;
  for (int i = 0; path && i < 600; i++) {
    if (stat(path, &st) == 0 && st.st_size > 0)
      return;
    usleep(100000);
  }
}

/* Runs pipe-run with args (NULL-terminated), stdout to out_path (NULL:
 * /dev/null); when sig != 0, sends it delay_ms after ready_file (if not
 * NULL) has data. */
static void run_signal(result *r, const char *out_path, int sig, int delay_ms,
                       const char *ready_file, const char *const *args) {
  int err[2];
  ck_assert_int_eq(pipe(err), 0);
  pid_t pid = fork();
  if (pid == 0) {
    FILE *o = freopen(out_path ? out_path : "/dev/null", "w", stdout);
    (void)o;
    dup2(err[1], 2);
    close(err[0]);
    const char *argv[32] = {pipe_run};
    for (int i = 0; args[i] && i < 30; i++)
      argv[i + 1] = args[i];
    execv(pipe_run, (char *const *)argv);
    _exit(127);
  }
  close(err[1]);
  if (sig) {
    wait_for_output(ready_file);
    usleep((useconds_t)delay_ms * 1000);
    kill(pid, sig);
  }
  /* Read stderr until EOF or the timeout, then reap. */
  size_t k = 0;
  time_t t0 = time(NULL);
  int st = 0;
  bool timed_out = false;
  for (;;) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(err[0], &fds);
    struct timeval tv = {1, 0};
    if (select(err[0] + 1, &fds, NULL, NULL, &tv) > 0) {
      ssize_t n = read(err[0], r->err + k, sizeof r->err - 1 - k);
      if (n <= 0)
        break;
      k += (size_t)n;
    }
    if (time(NULL) - t0 > RUN_TIMEOUT_S) {
      kill(pid, SIGKILL);
      timed_out = true;
      break;
    }
  }
  r->err[k] = '\0';
  close(err[0]);
  waitpid(pid, &st, 0);
  r->status = timed_out       ? -1
              : WIFEXITED(st) ? WEXITSTATUS(st)
                              : 128 + WTERMSIG(st);
}

static void run(result *r, const char *out_path, int sig, int delay_ms,
                const char *const *args) {
  run_signal(r, out_path, sig, delay_ms, NULL, args);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Exit code `code`, and stderr holds `want`. */
static void expect(const result *r, int code, const char *want) {
  ck_assert_msg(r->status != -1, "pipe-run hung (killed after %d s)",
                RUN_TIMEOUT_S);
  ck_assert_msg(r->status == code, "exit %d, expected %d; stderr:\n%s",
                r->status, code, r->err);
  ck_assert_msg(strstr(r->err, want), "stderr lacks '%s':\n%s", want, r->err);
}

static const char *model(void) {
  static char m[4200];
  snprintf(m, sizeof m, "%s/models/face_detection_short_range.tflite", root);
  ck_assert_msg(access(m, R_OK) == 0, "no %s: run scripts/fetch-models", m);
  return m;
}

static const char *transcode(void) {
  static char t[4200];
  snprintf(t, sizeof t, "%s/graphs/transcode.pbtxt", root);
  return t;
}

/* A two-second 160x120 H.264 mp4, made by plain GStreamer. */
static const char *clip(void) {
  const char *path = in_dir("clip.mp4");
  ck_assert(shell("gst-launch-1.0 -q videotestsrc num-buffers=60 ! "
                  "video/x-raw,width=160,height=120,framerate=30/1 ! "
                  "x264enc ! mp4mux ! filesink location='%s'",
                  path));
  return path;
}

/* --- graph files ------------------------------------------------------------
 */

START_TEST(malformed_pbtxt) {
  const char *g =
      write_file("bad.pbtxt", "node {\n"
                              "  calculator: 'PassThroughCalculator'\n"
                              "  input_stream: 'a'\n");
  result r;
  run(&r, NULL, 0, 0, ARGS(g));
  expect(&r, 1, "bad.pbtxt:4:1: expected '}' to close 'node' opened at 1:1");
}
END_TEST

START_TEST(malformed_yaml) {
  const char *g =
      write_file("bad.yaml", "node:\n"
                             "  - calculator: PassThroughCalculator\n"
                             "\tinput_stream: a\n");
  result r;
  run(&r, NULL, 0, 0, ARGS(g));
  expect(&r, 1, "bad.yaml:3:1: found a tab character");
}
END_TEST

START_TEST(binary_garbage_as_a_graph) {
  const char *g = make_file("garbage.pbtxt", NULL, -4096);
  result r;
  run(&r, NULL, 0, 0, ARGS(g));
  expect(&r, 1, "garbage.pbtxt:1:");
}
END_TEST

START_TEST(missing_graph_file) {
  result r;
  run(&r, NULL, 0, 0, ARGS(in_dir("nothere.pbtxt")));
  expect(&r, 1, "nothere.pbtxt: No such file or directory");
}
END_TEST

START_TEST(unknown_calculator) {
  const char *g =
      write_file("unk.pbtxt", "input_stream: 'a'\n"
                              "node { calculator: 'PassThroughCalculatr'\n"
                              "  input_stream: 'a' output_stream: 'b' }\n");
  result r;
  run(&r, NULL, 0, 0, ARGS(g));
  expect(&r, 1,
         "unk.pbtxt:2:20: node #0 (PassThroughCalculatr): unknown calculator "
         "'PassThroughCalculatr'; did you mean 'PassThroughCalculator'?");
}
END_TEST

START_TEST(type_mismatch) {
  const char *g =
      write_file("mismatch.pbtxt",
                 "node { name: 'decode' calculator: 'VideoDecoderCalculator'\n"
                 "  output_stream: 'VIDEO:frames' }\n"
                 "node { name: 'infer' calculator: 'InferenceCalculator'\n"
                 "  input_stream: 'TENSORS:frames' output_stream: 'TENSORS:o'\n"
                 "  options { model_path: 'm.tflite' } }\n");
  result r;
  run(&r, NULL, 0, 0, ARGS(g));
  expect(&r, 1,
         "mismatch.pbtxt:4:17: node 'infer' (InferenceCalculator): "
         "input_stream 'TENSORS:0' takes Tensors, but stream 'frames' "
         "carries ImageFrame from node 'decode' (VideoDecoderCalculator)");
}
END_TEST

START_TEST(bad_option_value) {
  const char *g = write_file(
      "opt.pbtxt", "input_stream: 'a'\n"
                   "node { calculator: 'FlowLimiterCalculator'\n"
                   "  input_stream: 'a' input_stream: 'FINISHED:b'\n"
                   "  input_stream_info { tag_index: 'FINISHED' back_edge: "
                   "true }\n"
                   "  output_stream: 'b' options { max_in_flight: 0 } }\n");
  result r;
  run(&r, NULL, 0, 0, ARGS(g));
  expect(&r, 1,
         "opt.pbtxt:5:47: node #0 (FlowLimiterCalculator): option "
         "'max_in_flight' is 0, outside [1, 1e+09]");
}
END_TEST

/* --- models ------------------------------------------------------------------
 */

static const char *model_graph(const char *path) {
  return write_file("model.pbtxt",
                    "input_stream: 't'\n"
                    "node { name: 'infer' calculator: 'InferenceCalculator'\n"
                    "  input_stream: 'TENSORS:t' output_stream: 'TENSORS:o'\n"
                    "  options { model_path: '%s' } }\n",
                    path);
}

START_TEST(missing_model) {
  const char *m = in_dir("none.tflite");
  result r;
  run(&r, NULL, 0, 0, ARGS(model_graph(m)));
  expect(&r, 1, "node 'infer' (InferenceCalculator): ");
  expect(&r, 1, "none.tflite: cannot open: No such file or directory");
}
END_TEST

START_TEST(truncated_model) {
  const char *m = make_file("trunc.tflite", model(), 20000);
  result r;
  run(&r, NULL, 0, 0, ARGS(model_graph(m)));
  expect(&r, 1, "trunc.tflite: offset ");
  expect(&r, 1, "points outside the file at offset ");
}
END_TEST

START_TEST(not_a_model) {
  const char *m = make_file("garbage.tflite", NULL, -3000);
  result r;
  run(&r, NULL, 0, 0, ARGS(model_graph(m)));
  expect(&r, 1, "garbage.tflite: not a TFLite model");
}
END_TEST

START_TEST(model_with_unsupported_ops) {
  char m[4300];
  snprintf(m, sizeof m, "%s/tests/fuzz/corpus/tflite/unsupported.tflite", root);
  result r;
  run(&r, NULL, 0, 0, ARGS(model_graph(m)));
  expect(&r, 1, "unsupported.tflite: op 0 (TANH) is not supported");
  expect(&r, 1, "op 1 (CUSTOM MyOp) is not supported");
}
END_TEST

START_TEST(wrong_tensor_shape) {
  const char *g = write_file(
      "shape.pbtxt",
      "node { name: 'decode' calculator: 'VideoDecoderCalculator'\n"
      "  output_stream: 'VIDEO:frames'\n"
      "  options { input: 'test' num_frames: 3 width: 64 height: 48 } }\n"
      "node { calculator: 'ImageToTensorCalculator'\n"
      "  input_stream: 'IMAGE:frames' output_stream: 'TENSORS:t'\n"
      "  options { output_tensor_width: 64 output_tensor_height: 64\n"
      "    output_tensor_float_range { min: -1 max: 1 } } }\n"
      "node { name: 'infer' calculator: 'InferenceCalculator'\n"
      "  input_stream: 'TENSORS:t' output_stream: 'TENSORS:o'\n"
      "  options { model_path: '%s' } }\n",
      model());
  result r;
  run(&r, NULL, 0, 0, ARGS(g));
  expect(&r, 1, "node 'infer' (InferenceCalculator): ");
  expect(&r, 1,
         "input tensor 0: expected float32 [1,128,128,3], got "
         "float32 [1,64,64,3]");
}
END_TEST

/* --- video
 * -------------------------------------------------------------------- */

START_TEST(missing_video) {
  const char *v = in_dir("none.mp4");
  char side[600];
  snprintf(side, sizeof side, "input=%s", v);
  result r;
  run(&r, NULL, 0, 0,
      ARGS(transcode(), "--side", side, "--side", "output=null"));
  expect(&r, 1, "node 'decode' (VideoDecoderCalculator): cannot open ");
  expect(&r, 1, "none.mp4': No such file or directory");
}
END_TEST

START_TEST(corrupt_video) {
  const char *garbage = make_file("garbage.mp4", NULL, -5000);
  const char *cut = make_file("cut.mp4", clip(), 3000);
  char side[600];
  result r;
  snprintf(side, sizeof side, "input=%s", garbage);
  run(&r, NULL, 0, 0,
      ARGS(transcode(), "--side", side, "--side", "output=null"));
  expect(&r, 1, "node 'decode' (VideoDecoderCalculator): cannot decode ");
  expect(&r, 1, "garbage.mp4'");
  /* Cut before its first frame: GStreamer says "no playable streams", or
   * on a loaded machine the decoder's frame timeout comes first. */
  snprintf(side, sizeof side, "input=%s", cut);
  run(&r, NULL, 0, 0,
      ARGS(transcode(), "--side", side, "--side", "output=null"));
  expect(&r, 1, "node 'decode' (VideoDecoderCalculator): ");
  expect(&r, 1, "cut.mp4'");
  ck_assert_msg(strstr(r.err, "no playable streams") ||
                    strstr(r.err, "no frame within"),
                "%s", r.err);
}
END_TEST

START_TEST(no_video_stream) {
  const char *a = in_dir("tone.wav");
  ck_assert(shell("gst-launch-1.0 -q audiotestsrc num-buffers=20 ! wavenc ! "
                  "filesink location='%s'",
                  a));
  char side[600];
  snprintf(side, sizeof side, "input=%s", a);
  result r;
  run(&r, NULL, 0, 0,
      ARGS(transcode(), "--side", side, "--side", "output=null"));
  expect(&r, 1, "tone.wav': the input has no video stream");
}
END_TEST

/* A pixel format the graph does not use (16-bit grayscale PNG) is
 * converted to 8-bit RGB on the way in: the run succeeds and the frame is
 * written as an ordinary RGB PNG. */
START_TEST(other_pixel_format_is_converted) {
  const char *png = in_dir("gray16.png"), *out_png = in_dir("rgb.png");
  ck_assert(shell("gst-launch-1.0 -q videotestsrc num-buffers=1 ! "
                  "video/x-raw,format=GRAY16_BE,width=64,height=48 ! pngenc ! "
                  "filesink location='%s'",
                  png));
  char in[600], out[600];
  snprintf(in, sizeof in, "input=%s", png);
  snprintf(out, sizeof out, "output=%s", out_png);
  result r;
  run(&r, NULL, 0, 0, ARGS(transcode(), "--side", in, "--side", out));
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  /* Bytes 24 and 25 of a PNG: bit depth 8, colour type 2 (RGB). */
  FILE *f = fopen(out_png, "rb");
  ck_assert_ptr_nonnull(f);
  unsigned char head[26];
  ck_assert_uint_eq(fread(head, 1, sizeof head, f), sizeof head);
  fclose(f);
  ck_assert_int_eq(head[24], 8);
  ck_assert_int_eq(head[25], 2);
}
END_TEST

START_TEST(unknown_output_kind) {
  result r;
  char out[600];
  snprintf(out, sizeof out, "output=%s", in_dir("out.xyz"));
  run(&r, NULL, 0, 0, ARGS(transcode(), "--side", "input=test", "--side", out));
  expect(&r, 1, "node 'encode' (VideoEncoderCalculator): output ");
  expect(&r, 1, "out.xyz': unknown kind; give a path ending .mp4");
}
END_TEST

START_TEST(missing_camera) {
  result r;
  run(&r, NULL, 0, 0,
      ARGS(transcode(), "--side", "input=v4l2:/dev/video99", "--side",
           "output=null"));
  expect(&r, 1,
         "node 'decode' (VideoDecoderCalculator): cannot open "
         "'v4l2:/dev/video99': Cannot identify device '/dev/video99'");
}
END_TEST

/* A run cut short left an mp4 that exists and plain GStreamer decodes to
 * the end (it was finished: index written). */
static void expect_playable_mp4(const char *mp4) {
  struct stat st;
  ck_assert_int_eq(stat(mp4, &st), 0);
  ck_assert_int_gt(st.st_size, 1000);
  ck_assert_msg(shell("gst-launch-1.0 -q filesrc location='%s' ! qtdemux ! "
                      "decodebin ! fakesink",
                      mp4),
                "%s does not decode", mp4);
}

/* A camera that disappears mid-run: no loopback V4L2 device here, so a
 * live source of the user's own ("gst:" input) fails after 20 frames as a
 * camera yanked from its port does (GStreamer posts an error from the
 * source). The run stops with the source's message, and the mp4 written
 * so far is finished and decodes. */
START_TEST(camera_disappears_mid_run) {
  const char *mp4 = in_dir("camera_gone.mp4");
  char out[600];
  snprintf(out, sizeof out, "output=%s", mp4);
  result r;
  run(&r, NULL, 0, 0,
      ARGS(transcode(), "--side",
           "input=gst:videotestsrc is-live=true ! identity error-after=20",
           "--side", out));
  expect(&r, 1,
         "node 'decode' (VideoDecoderCalculator): cannot decode "
         "'gst:videotestsrc is-live=true ! identity error-after=20': Failed "
         "after iterations as requested.");
  expect_playable_mp4(mp4);
}
END_TEST

/* A "gst:" input that cannot be built is named with GStreamer's reason. */
START_TEST(bad_gst_input) {
  result r;
  run(&r, NULL, 0, 0,
      ARGS(transcode(), "--side", "input=gst:nosuchelement ! videoconvert",
           "--side", "output=null"));
  expect(&r, 1,
         "node 'decode' (VideoDecoderCalculator): cannot build "
         "'gst:nosuchelement ! videoconvert': no element \"nosuchelement\"");
}
END_TEST

/* Ctrl-C while writing an mp4: the sources stop, the encoder finishes the
 * file, and plain GStreamer decodes it to the end. */
START_TEST(ctrl_c_leaves_a_playable_file) {
  const char *mp4 = in_dir("cut_short.mp4");
  char out[600];
  snprintf(out, sizeof out, "output=%s", mp4);
  result r;
  run_signal(&r, NULL, SIGINT, 500, mp4,
             ARGS(transcode(), "--side", "input=test", "--side", out));
  expect(&r, 130, "pipe-run: interrupted, stopping the sources");
  expect_playable_mp4(mp4);
}
END_TEST

/* --- a full disk (/dev/full takes the file but refuses every byte) ------ */

START_TEST(disk_full_writing_video) {
  const char *full = in_dir("full.mkv");
  ck_assert_int_eq(symlink("/dev/full", full), 0);
  char in[600], out[600];
  snprintf(in, sizeof in, "input=%s", clip());
  snprintf(out, sizeof out, "output=%s", full);
  result r;
  run(&r, NULL, 0, 0, ARGS(transcode(), "--side", in, "--side", out));
  expect(&r, 1, "node 'encode' (VideoEncoderCalculator): cannot write ");
  expect(&r, 1, "No space left");
}
END_TEST

START_TEST(disk_full_writing_the_trace) {
  const char *g = write_file(
      "count.pbtxt", "node { calculator: 'CountingSourceCalculator'\n"
                     "  output_stream: 's' options { count: 1000 } }\n");
  result r;
  run(&r, NULL, 0, 0, ARGS(g, "--trace", "/dev/full"));
  expect(&r, 1, "cannot write the trace file '/dev/full': No space left");
}
END_TEST

START_TEST(trace_file_cannot_be_created) {
  const char *g = write_file("count.pbtxt",
                             "node { calculator: 'CountingSourceCalculator'\n"
                             "  output_stream: 's' options { count: 10 } }\n");
  result r;
  run(&r, NULL, 0, 0, ARGS(g, "--trace", in_dir("no/such/dir/t.json")));
  expect(&r, 1, "pipe-run: cannot write the trace file ");
  expect(&r, 1, "no/such/dir/t.json': No such file or directory");
}
END_TEST

START_TEST(disk_full_writing_printed_packets) {
  const char *g = write_file(
      "count.pbtxt", "output_stream: 's'\n"
                     "node { calculator: 'CountingSourceCalculator'\n"
                     "  output_stream: 's' options { count: 100000 } }\n");
  result r;
  run(&r, "/dev/full", 0, 0, ARGS(g, "--print", "s"));
  expect(&r, 1, "pipe-run: cannot write the printed packets: No space left");
}
END_TEST

int main(void) {
  Suite *s = suite_create("hostile");
  TCase *tc = tcase_create("hostile");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 3 * RUN_TIMEOUT_S);
  tcase_add_test(tc, malformed_pbtxt);
  tcase_add_test(tc, malformed_yaml);
  tcase_add_test(tc, binary_garbage_as_a_graph);
  tcase_add_test(tc, missing_graph_file);
  tcase_add_test(tc, unknown_calculator);
  tcase_add_test(tc, type_mismatch);
  tcase_add_test(tc, bad_option_value);
  tcase_add_test(tc, missing_model);
  tcase_add_test(tc, truncated_model);
  tcase_add_test(tc, not_a_model);
  tcase_add_test(tc, model_with_unsupported_ops);
  tcase_add_test(tc, wrong_tensor_shape);
  tcase_add_test(tc, missing_video);
  tcase_add_test(tc, corrupt_video);
  tcase_add_test(tc, no_video_stream);
  tcase_add_test(tc, other_pixel_format_is_converted);
  tcase_add_test(tc, unknown_output_kind);
  tcase_add_test(tc, missing_camera);
  tcase_add_test(tc, ctrl_c_leaves_a_playable_file);
  tcase_add_test(tc, camera_disappears_mid_run);
  tcase_add_test(tc, bad_gst_input);
  tcase_add_test(tc, disk_full_writing_video);
  tcase_add_test(tc, disk_full_writing_the_trace);
  tcase_add_test(tc, disk_full_writing_printed_packets);
  tcase_add_test(tc, trace_file_cannot_be_created);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
