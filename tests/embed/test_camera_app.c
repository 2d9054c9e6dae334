/* test_camera_app.c — examples/camera_app on GStreamer's test source, on
 * a photo, on a video file, and stopped by Ctrl-C: it feeds the frames to
 * graphs/face_detect.pbtxt with the real model and prints each annotated
 * frame's detections. Needs models/ (scripts/fetch-models). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_util.h"

static const char *const no_display[] = {"DISPLAY=", "WAYLAND_DISPLAY=", NULL};

static void camera_app(run_result *r, const char *source, const char *frames) {
  const char *argv[] = {build_path("examples/camera_app"),
                        "--source",
                        source,
                        "--frames",
                        frames,
                        "--display",
                        "no",
                        NULL};
  /* The graph reads models/ relative to the repository root. */
  run_program(r, argv, source_path(""), no_display, 0, 0);
}

/* Checks every "frame" line has `faces` faces; returns how many there
 * are. Faces must lie where the photo's face is (tests/data/README.md:
 * the astronaut's face is in the upper middle of the picture). */
static int check_frames(const char *out, int faces) {
  int n = 0;
  for (const char *l = strstr(out, "frame t="); l;
       l = strstr(l + 1, "frame t=")) {
    long long t;
    int k;
    ck_assert_msg(sscanf(l, "frame t=%lldus faces=%d", &t, &k) == 2, "%s", l);
    ck_assert_msg(k == faces, "want %d faces: %.200s", faces, l);
    float score, x, y, w, h;
    const char *b = strstr(l, "[score=");
    if (faces > 0) {
      ck_assert(b && sscanf(b, "[score=%f box=%f,%f,%f,%f]", &score, &x, &y, &w,
                            &h) == 5);
      ck_assert_msg(score > 0.5f && x > 0.2f && x + w < 0.8f && y >= 0.0f &&
                        y + h < 0.6f && w > 0.05f,
                    "face outside the photo's face: %.200s", l);
    }
    n++;
  }
  return n;
}

START_TEST(test_source_frames_have_no_faces) {
  run_result r;
  camera_app(&r, "test", "6");
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  ck_assert_int_ge(check_frames(r.out, 0), 1);
  ck_assert_msg(strstr(r.err, "fed 6 frames"), "%s", r.err);
  run_result_free(&r);
}
END_TEST

START_TEST(photo_frames_have_the_astronauts_face) {
  run_result r;
  camera_app(&r, source_path("tests/data/astronaut.png"), "5");
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  ck_assert_int_ge(check_frames(r.out, 1), 1);
  ck_assert_msg(strstr(r.err, "fed 5 frames"), "%s", r.err);
  run_result_free(&r);
}
END_TEST

START_TEST(video_file_frames_have_the_astronauts_face) {
  char *dir = temp_dir();
  char clip[4200], cmd[8800];
  snprintf(clip, sizeof clip, "%s/astronaut.avi", dir);
  snprintf(cmd, sizeof cmd,
           "gst-launch-1.0 -q filesrc location=%s ! pngdec ! imagefreeze "
           "num-buffers=8 ! videoconvert ! jpegenc ! avimux ! "
           "filesink location=%s",
           source_path("tests/data/astronaut.png"), clip);
  run_result mk;
  run_shell(&mk, cmd, NULL);
  ck_assert_msg(mk.status == 0, "%s", mk.err);
  run_result_free(&mk);

  run_result r;
  camera_app(&r, clip, "0"); /* until the file ends */
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  ck_assert_int_ge(check_frames(r.out, 1), 1);
  ck_assert_msg(strstr(r.err, "fed 8 frames"), "%s", r.err);
  run_result_free(&r);
  remove(clip);
  remove(dir);
  free(dir);
}
END_TEST

/* Pure red (255, 0, 0) pixels in a PNG, decoded to RGB by GStreamer. */
static long red_pixels(const char *png, const char *dir) {
  char *raw = str_printf("%s/raw.rgb", dir);
  char *cmd = str_printf("gst-launch-1.0 -q filesrc location=%s ! pngdec ! "
                         "videoconvert ! video/x-raw,format=RGB ! "
                         "filesink location=%s",
                         png, raw);
  run_result r;
  run_shell(&r, cmd, NULL);
  ck_assert_msg(r.status == 0, "%s: %s", png, r.err);
  run_result_free(&r);
  FILE *f = fopen(raw, "rb");
  ck_assert_ptr_nonnull(f);
  long red = 0;
  unsigned char px[3];
  while (fread(px, 1, 3, f) == 3)
    red += px[0] == 255 && px[1] == 0 && px[2] == 0;
  fclose(f);
  remove(raw);
  free(raw);
  free(cmd);
  return red;
}

START_TEST(annotated_frames_reach_the_display_sink) {
  char *dir = temp_dir();
  char *sink =
      str_printf("pngenc ! multifilesink location=%s/shown%%02d.png", dir);
  const char *argv[] = {build_path("examples/camera_app"),
                        "--source",
                        source_path("tests/data/astronaut.png"),
                        "--frames",
                        "3",
                        "--display",
                        "yes",
                        "--sink",
                        sink,
                        NULL};
  run_result r;
  run_program(&r, argv, source_path(""), no_display, 0, 0);
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  int shown = check_frames(r.out, 1);
  ck_assert_int_ge(shown, 1);
  /* Every annotated frame was shown, with the face's red box drawn on it
   * (the photo itself has no pure red). */
  ck_assert_int_eq(red_pixels(source_path("tests/data/astronaut.png"), dir), 0);
  for (int i = 0; i < shown; i++) {
    char *png = str_printf("%s/shown%02d.png", dir, i);
    ck_assert_int_gt(red_pixels(png, dir), 200);
    remove(png);
    free(png);
  }
  run_result_free(&r);
  free(sink);
  remove(dir);
  free(dir);
}
END_TEST

START_TEST(ctrl_c_stops_cleanly) {
  /* Endless until Ctrl-C, which comes once a frame has been printed. */
  const char *argv[] = {build_path("examples/camera_app"),
                        "--source",
                        "test",
                        "--frames",
                        "0",
                        "--display",
                        "no",
                        NULL};
  run_result r;
  run_program_until(&r, argv, source_path(""), no_display, SIGINT,
                    "frame t=", 60000);
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  ck_assert_msg(strstr(r.err, "(interrupted)"), "%s", r.err);
  ck_assert_int_ge(check_frames(r.out, 0), 1);
  run_result_free(&r);
}
END_TEST

START_TEST(a_bad_source_is_an_error_naming_it) {
  run_result r;
  camera_app(&r, "nosuchelement ! videoconvert", "3");
  ck_assert_int_eq(r.status, 1);
  ck_assert_msg(strstr(r.err, "source 'nosuchelement ! videoconvert'"), "%s",
                r.err);
  run_result_free(&r);
}
END_TEST

START_TEST(a_missing_model_is_an_error_naming_it) {
  /* Run from another folder: the graph's relative model path misses. */
  char *dir = temp_dir();
  const char *argv[] = {build_path("examples/camera_app"),
                        "--graph",
                        source_path("graphs/face_detect.pbtxt"),
                        "--source",
                        "test",
                        "--frames",
                        "2",
                        "--display",
                        "no",
                        NULL};
  run_result r;
  run_program(&r, argv, dir, no_display, 0, 0);
  ck_assert_int_eq(r.status, 1);
  ck_assert_msg(strstr(r.err, "(InferenceCalculator): "
                              "models/face_detection_short_range.tflite"),
                "%s", r.err);
  ck_assert_str_eq(r.out, "");
  run_result_free(&r);
  remove(dir);
  free(dir);
}
END_TEST

int main(void) {
  char model[4200];
  const char *src = getenv("EP_SOURCE_ROOT");
  snprintf(model, sizeof model, "%s/models/face_detection_short_range.tflite",
           src ? src : ".");
  FILE *m = fopen(model, "rb");
  if (!m) {
    fprintf(stderr, "%s is missing: run scripts/fetch-models\n", model);
    return 77; /* skipped */
  }
  fclose(m);
  Suite *s = suite_create("embed_camera_app");
  TCase *tc = tcase_create("camera_app");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_source_frames_have_no_faces);
  tcase_add_test(tc, photo_frames_have_the_astronauts_face);
  tcase_add_test(tc, video_file_frames_have_the_astronauts_face);
  tcase_add_test(tc, annotated_frames_reach_the_display_sink);
  tcase_add_test(tc, ctrl_c_stops_cleanly);
  tcase_add_test(tc, a_bad_source_is_an_error_naming_it);
  tcase_add_test(tc, a_missing_model_is_an_error_naming_it);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
