/* test_face_pipe_run.c — `pipe-run graphs/face_detect.pbtxt`, the real
 * binary with the real model, on the three kinds of source: the sample
 * clip, a photo and videotestsrc. What it wrote is read back with plain
 * GStreamer (video_probe.c), its --print lines with Python's json module
 * (json_lines.py), and the face is compared with the graph API's own run
 * of the same graph on the same photo.
 *
 * Frames: the graph's FlowLimiter drops a frame that arrives while the
 * previous one is still in the detector (MediaPipe's semantics; a file is
 * decoded as fast as it can be), and a dropped frame never reaches
 * output_video. So the output must hold exactly the frames pipe-run
 * reports as written, and written + dropped must be every input frame. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edgepipe/detection.h"
#include "edgepipe/graph.h"
#include "edgepipe/image_frame.h"
#include "embed_util.h"
#include "test_image.h"
#include "video_probe.h"

#define SAMPLE "out/sample.mp4"
#define SAMPLE_FRAMES 120 /* scripts/make-sample: 4 s at 30 fps */

static char pipe_run[4096], root[4096], tmp[64];

/* Runs from the source tree, with the sample clip made if missing. */
static void setup(void) {
  const char *b = getenv("EP_BUILD_ROOT"), *s = getenv("EP_SOURCE_ROOT");
  ck_assert_ptr_nonnull(b);
  ck_assert_ptr_nonnull(s);
  snprintf(pipe_run, sizeof pipe_run, "%s/tools/pipe-run", b);
  snprintf(root, sizeof root, "%s", s);
  ck_assert_int_eq(chdir(root), 0);
  if (access(SAMPLE, R_OK) != 0)
    ck_assert_int_eq(system("scripts/make-sample " SAMPLE " 4"), 0);
  snprintf(tmp, sizeof tmp, "/tmp/ep_e2e_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  ck_assert_int_eq(system(cmd), 0);
}

static const char *tmp_file(const char *name) {
  static char buf[4][256];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", tmp, name);
  return p;
}

typedef struct result {
  int status;
  char err[16384];               /* stderr; stdout stays in tmp/stdout */
  int written, decoded, dropped; /* from "wrote ..." (-1 if absent) */
} result;

static void read_file(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "r");
  size_t k = f ? fread(buf, 1, n - 1, f) : 0;
  buf[k] = '\0';
  if (f)
    fclose(f);
}

/* The frame counts of pipe-run's summary line. */
static void parse_summary(result *r) {
  r->written = r->decoded = r->dropped = -1;
  const char *s = strstr(r->err, "(output_video, ");
  if (s)
    sscanf(s, "(output_video, %d frames) from %d decoded, %d dropped",
           &r->written, &r->decoded, &r->dropped);
}

/* pipe-run args... in folder cwd (NULL: the source tree), through the
 * embedding tests' process runner; stdout is kept in tmp/stdout. */
static void run_in(result *r, const char *cwd, const char *const *args) {
  const char *argv[24] = {pipe_run};
  for (int i = 0; args[i] && i < 22; i++)
    argv[i + 1] = args[i];
  run_result rr;
  run_program(&rr, argv, cwd, NULL, 0, 0);
  r->status = rr.status;
  snprintf(r->err, sizeof r->err, "%s", rr.err);
  FILE *f = fopen(tmp_file("stdout"), "w");
  ck_assert_ptr_nonnull(f);
  fputs(rr.out, f);
  fclose(f);
  run_result_free(&rr);
  parse_summary(r);
}

static void run(result *r, const char *const *args) { run_in(r, NULL, args); }

/* json_lines.py's verdict on what pipe-run printed. */
typedef struct lines {
  int n, detections, with_faces;
  double box[5]; /* first detection: xmin ymin width height score */
} lines;

static void check_json(lines *l) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "python3 tests/e2e/json_lines.py < %s",
           tmp_file("stdout"));
  FILE *p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  int got = fscanf(p,
                   "lines %d detections %d with_faces %d first_box %lf %lf %lf "
                   "%lf %lf",
                   &l->n, &l->detections, &l->with_faces, &l->box[0],
                   &l->box[1], &l->box[2], &l->box[3], &l->box[4]);
  int st = pclose(p);
  ck_assert_msg(got == 8 && st == 0, "the --print lines are not as specified");
}

/* --- the graph API on the same photo: the expected face ----------------- */

static int on_faces(void *user, ep_packet *p) {
  ep_detections *all = user;
  const ep_detections *d = ep_packet_data(p);
  for (size_t i = 0; i < d->n; i++)
    ck_assert_int_eq(ep_detections_push(all, &d->v[i]), 0);
  return 0;
}

static ep_detections *faces_by_api(const char *photo) {
  ep_image_frame *img = test_load_png(photo);
  ck_assert_ptr_nonnull(img);
  ep_graph *g = NULL;
  char *err = NULL;
  int rc = ep_graph_create_from_file("graphs/face_detect.pbtxt", &g, &err);
  ck_assert_msg(rc == 0, "graph: %s", err ? err : ep_strerror(rc));
  ep_detections *all = ep_detections_new();
  ck_assert_int_eq(ep_graph_observe(g, "face_detections", on_faces, all), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ep_packet *p = ep_packet_new(&ep_type_image_frame, img, 0);
  ck_assert_int_eq(ep_graph_add_packet(g, "input_video", p, 0), 0);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  ck_assert_int_eq(ep_graph_wait(g), 0);
  ep_graph_destroy(g);
  return all;
}

static bool red(const uint8_t *px) {
  return px[0] > 200 && px[1] < 60 && px[2] < 60;
}

/* --- sources ------------------------------------------------------------- */

START_TEST(photo_one_face_boxed_in_red) {
  const char *out = tmp_file("astronaut.png");
  const char *args[] = {"graphs/face_detect.pbtxt",
                        "--input",
                        "tests/data/astronaut.png",
                        "--output",
                        out,
                        "--print",
                        "face_detections",
                        NULL};
  result r;
  run(&r, args);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  ck_assert_int_eq(r.written, 1);
  lines l;
  check_json(&l);
  ck_assert_int_eq(l.n, 1);
  ck_assert_int_eq(l.detections, 1);
  ep_detections *want = faces_by_api("astronaut.png");
  ck_assert_uint_eq(want->n, 1);
  video_probe v;
  ck_assert(video_probe_file(out, &v));
  ck_assert_int_eq(v.frames, 1);
  /* The same box as the graph API's, within a pixel. */
  const ep_detection *d = &want->v[0];
  double exp[4] = {d->xmin, d->ymin, d->width, d->height};
  double size[4] = {v.width, v.height, v.width, v.height};
  for (int k = 0; k < 4; k++)
    ck_assert_double_le(fabs(l.box[k] - exp[k]) * size[k], 1.0);
  ck_assert_double_eq_tol(l.box[4], d->score, 1e-4);
  /* The overlay: red on the box's left edge, the photo just inside. */
  int x = (int)floor(l.box[0] * v.width);
  int y = (int)((l.box[1] + l.box[3] / 2) * v.height);
  ck_assert(red(video_probe_pixel(&v, x, y)));
  ck_assert(!red(video_probe_pixel(&v, x + 10, y)));
  video_probe_clear(&v);
  ep_detections_free(want);
}
END_TEST

START_TEST(photo_without_face_prints_empty_list) {
  const char *args[] = {"graphs/face_detect.pbtxt",
                        "--input",
                        "tests/data/coffee.png",
                        "--output",
                        "null",
                        "--print",
                        "face_detections",
                        NULL};
  result r;
  run(&r, args);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  lines l;
  check_json(&l);
  ck_assert_int_eq(l.n, 1);
  ck_assert_int_eq(l.detections, 0);
  char out[256];
  read_file(tmp_file("stdout"), out, sizeof out);
  ck_assert_str_eq(out, "{\"stream\":\"face_detections\",\"timestamp_us\":0,"
                        "\"detections\":[]}\n");
}
END_TEST

/* The sample clip: a face on (almost) every frame that went through. */
START_TEST(clip_every_written_frame_in_the_output) {
  const char *out = tmp_file("clip.mp4");
  const char *args[] = {
      "graphs/face_detect.pbtxt", "--input", SAMPLE, "--output", out, "--print",
      "face_detections",          NULL};
  result r;
  run(&r, args);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  ck_assert_int_eq(r.decoded, SAMPLE_FRAMES);
  ck_assert_int_eq(r.written + r.dropped, SAMPLE_FRAMES);
  ck_assert_int_gt(r.written, 0);
  video_probe v;
  ck_assert(video_probe_file(out, &v));
  ck_assert_int_eq(v.frames, r.written);
  ck_assert_int_eq(v.width, 640);
  ck_assert_int_eq(v.height, 480);
  lines l;
  check_json(&l);
  ck_assert_int_eq(l.n, r.written); /* a detections packet per frame */
  ck_assert_int_ge(l.detections, l.n * 9 / 10);
  /* Every frame with a face has its box drawn, and no other frame. */
  ck_assert_int_eq(v.boxed, l.with_faces);
  /* The first frame's box is drawn (H.264: red within a tolerance). */
  int x = (int)floor(l.box[0] * v.width) + 1;
  int y = (int)((l.box[1] + l.box[3] / 2) * v.height);
  ck_assert(red(video_probe_pixel(&v, x, y)));
  video_probe_clear(&v);
}
END_TEST

START_TEST(test_source_runs_to_its_end) {
  const char *out = tmp_file("test.mkv");
  const char *args[] = {"graphs/face_detect.pbtxt",
                        "--input",
                        "test",
                        "--input-option",
                        "num_frames=15",
                        "--output",
                        out,
                        "--print",
                        "face_detections",
                        NULL};
  result r;
  run(&r, args);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  ck_assert_int_eq(r.decoded, 15);
  ck_assert_int_eq(r.written + r.dropped, 15);
  video_probe v;
  ck_assert(video_probe_file(out, &v));
  ck_assert_int_eq(v.frames, r.written);
  lines l;
  check_json(&l);
  ck_assert_int_eq(l.n, r.written);
  ck_assert_int_eq(l.detections, 0); /* colour bars have no face */
  video_probe_clear(&v);
}
END_TEST

/* --- defaults and errors ---------------------------------------------------
 */

/* No options: the bundled sample in, out/face_detect.mp4 (under the
 * current folder) out, and a message saying so. Run from another folder,
 * where only the model (its path in the graph is relative) is linked. */
START_TEST(no_arguments_writes_out_face_detect_mp4) {
  char graph[4200], models[4200];
  snprintf(graph, sizeof graph, "%s/graphs/face_detect.pbtxt", root);
  snprintf(models, sizeof models, "%s/models", root);
  ck_assert_int_eq(symlink(models, tmp_file("models")), 0);
  const char *args[] = {graph, NULL};
  result r;
  run_in(&r, tmp, args);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "wrote out/face_detect.mp4"));
  ck_assert_ptr_nonnull(strstr(r.err, "face_detections: "));
  ck_assert_int_eq(r.decoded, SAMPLE_FRAMES);
  video_probe v;
  ck_assert(video_probe_file(tmp_file("out/face_detect.mp4"), &v));
  ck_assert_int_eq(v.frames, r.written);
  video_probe_clear(&v);
}
END_TEST

START_TEST(bad_input_and_options_are_named) {
  const char *missing[] = {"graphs/face_detect.pbtxt",
                           "--input",
                           "/nonexistent/clip.mp4",
                           "--output",
                           "null",
                           NULL};
  result r;
  run(&r, missing);
  ck_assert_int_eq(r.status, 1);
  ck_assert_ptr_nonnull(strstr(r.err, "pipe_run_input"));
  ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/clip.mp4"));
  const char *opt[] = {"graphs/face_detect.pbtxt", "--input",     "test",
                       "--input-option",           "num_frame=3", NULL};
  run(&r, opt);
  ck_assert_int_eq(r.status, 1);
  ck_assert_ptr_nonnull(strstr(r.err, "unknown option 'num_frame'"));
  /* A broken graph: its own errors, in its own file, come first. */
  const char *bad = tmp_file("bad.pbtxt");
  FILE *f = fopen(bad, "w");
  ck_assert_ptr_nonnull(f);
  fputs("input_stream: 'in'\noutput_stream: 'out'\n"
        "node { calculator: 'AnnotationOverlayCalculatr'\n"
        "  input_stream: 'IMAGE:in' output_stream: 'IMAGE:out' }\n",
        f);
  fclose(f);
  const char *broken[] = {bad, "--output", "null", NULL};
  run(&r, broken);
  ck_assert_int_eq(r.status, 1);
  char where[300];
  snprintf(where, sizeof where, "%s:3:", bad);
  ck_assert_msg(strstr(r.err, where) &&
                    strstr(r.err, "did you mean 'AnnotationOverlayCalculator'"),
                "%s", r.err);
  /* A graph without an image input stream has nothing to feed. */
  const char *none[] = {"graphs/demo.pbtxt", "--input", SAMPLE, NULL};
  run(&r, none);
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "no input stream of image type"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("face_pipe_run");
  TCase *tc = tcase_create("sources");
  tcase_set_timeout(tc, 600);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, photo_one_face_boxed_in_red);
  tcase_add_test(tc, photo_without_face_prints_empty_list);
  tcase_add_test(tc, clip_every_written_frame_in_the_output);
  tcase_add_test(tc, test_source_runs_to_its_end);
  tcase_add_test(tc, no_arguments_writes_out_face_detect_mp4);
  tcase_add_test(tc, bad_input_and_options_are_named);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
