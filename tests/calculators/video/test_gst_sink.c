/* Tests for the encoding pipeline behind VideoEncoderCalculator: round
 * trips through every output format (read back by the decoding pipeline
 * and by plain GStreamer), stills, finalisation and bad outputs. */
#include <check.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clip_util.h"
#include "edgepipe/error.h"
#include "video/gst_sink.h"
#include "video/gst_source.h"

#define W 160
#define H 120

static int released;

static void release_frame(void *user) {
  released++;
  free(user);
}

/* A frame of one colour, rows padded with bytes of another colour that
 * must never reach the output. */
static ep__gst_image make_image(int64_t pts_us, const uint8_t rgb[3]) {
  int stride = W * 3 + 13;
  uint8_t *px = malloc((size_t)stride * H);
  memset(px, 0x77, (size_t)stride * H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      memcpy(px + y * stride + x * 3, rgb, 3);
  return (ep__gst_image){.format = EP_IMAGE_SRGB,
                         .width = W,
                         .height = H,
                         .stride = stride,
                         .pixels = px,
                         .pts_us = pts_us,
                         .release = release_frame,
                         .user = px};
}

static const uint8_t ORANGE[3] = {230, 120, 20};

/* Encodes n frames at 30 fps to output; returns the finish status. */
static int encode(const char *output, int n, char **err) {
  ep__gst_sink_opts o = {.output = output, .frame_rate = 30};
  ep__gst_sink *s;
  int rc = ep__gst_sink_new(&o, &s, err);
  if (rc < 0)
    return rc;
  released = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    ep__gst_image img = make_image((int64_t)i * 1000000 / 30, ORANGE);
    rc = ep__gst_sink_push(s, &img, err);
  }
  if (rc == 0)
    rc = ep__gst_sink_finish(s, err);
  ep__gst_sink_free(s);
  ck_assert_msg(released == n, "%d of %d frames released (%s)", released, n,
                rc < 0 ? *err : "no error");
  return rc;
}

typedef struct readback {
  int frames, width, height;
  int64_t last_pts;
  uint8_t centre[3], edge[3];
} readback;

static int read_back(const char *path, readback *r, char **err) {
  memset(r, 0, sizeof *r);
  ep__gst_source_opts o = {.input = path};
  ep__gst_source *s;
  int rc = ep__gst_source_open(&o, &s, err);
  if (rc < 0)
    return rc;
  ep__gst_frame f;
  while ((rc = ep__gst_source_next(s, &f, err)) == 0) {
    if (r->frames++ == 0) {
      r->width = f.width;
      r->height = f.height;
      memcpy(r->centre, f.pixels + (H / 2) * f.stride + (W / 2) * 3, 3);
      memcpy(r->edge, f.pixels + (H / 2) * f.stride + (W - 1) * 3, 3);
    }
    r->last_pts = f.pts_us;
    ep__gst_frame_release(f.hold);
  }
  ep__gst_source_free(s);
  return rc;
}

static void assert_near(const uint8_t got[3], const uint8_t want[3], int tol,
                        const char *what) {
  for (int c = 0; c < 3; c++)
    ck_assert_msg(abs(got[c] - want[c]) <= tol, "%s: %d,%d,%d vs %d,%d,%d",
                  what, got[0], got[1], got[2], want[0], want[1], want[2]);
}

static void round_trip(const char *name, int tol) {
  const char *path = tmp_path(name);
  char *err = NULL;
  int rc = encode(path, 45, &err);
  ck_assert_msg(rc == 0, "%s", err ? err : "?");
  readback r;
  rc = read_back(path, &r, &err);
  ck_assert_msg(rc == EP_STOP, "%s", err ? err : "?");
  ck_assert_int_eq(r.frames, 45);
  ck_assert_int_eq(r.width, W);
  ck_assert_int_eq(r.height, H);
  ck_assert_msg(llabs(r.last_pts - 44 * 1000000 / 30) <= 1000, "last %lld",
                (long long)r.last_pts);
  assert_near(r.centre, ORANGE, tol, "centre");
  assert_near(r.edge, ORANGE, tol, "right edge");
}

START_TEST(mp4_round_trip) { round_trip("orange.mp4", 12); }
END_TEST

START_TEST(mkv_round_trip) { round_trip("orange.mkv", 12); }
END_TEST

START_TEST(webm_round_trip) { round_trip("orange.webm", 16); }
END_TEST

START_TEST(avi_round_trip) { round_trip("orange.avi", 12); }
END_TEST

START_TEST(mp4_plays_in_plain_gstreamer) {
  const char *path = tmp_path("plain.mp4");
  char *err = NULL;
  ck_assert_int_eq(encode(path, 10, &err), 0);
  ck_assert(run_pipeline("filesrc location=%s ! qtdemux ! h264parse ! "
                         "avdec_h264 ! fakesink",
                         path));
}
END_TEST

START_TEST(png_keeps_first_frame_exactly) {
  const char *path = tmp_path("still.png");
  char *err = NULL;
  ck_assert_int_eq(encode(path, 3, &err), 0);
  readback r;
  ck_assert_int_eq(read_back(path, &r, &err), EP_STOP);
  ck_assert_int_eq(r.frames, 1);
  assert_near(r.centre, ORANGE, 0, "png centre");
  assert_near(r.edge, ORANGE, 0, "png edge");
}
END_TEST

START_TEST(png_sequence) {
  char *err = NULL;
  ck_assert_int_eq(encode(tmp_path("seq-%02d.png"), 3, &err), 0);
  for (int i = 0; i < 3; i++) {
    char name[32];
    snprintf(name, sizeof name, "seq-%02d.png", i);
    ck_assert_int_gt(file_size(tmp_path(name)), 0);
  }
  ck_assert_int_lt(file_size(tmp_path("seq-03.png")), 0);
}
END_TEST

START_TEST(jpeg_still) {
  const char *path = tmp_path("still.jpg");
  char *err = NULL;
  ck_assert_int_eq(encode(path, 2, &err), 0);
  readback r;
  ck_assert_int_eq(read_back(path, &r, &err), EP_STOP);
  ck_assert_int_eq(r.frames, 1);
  assert_near(r.centre, ORANGE, 12, "jpeg centre");
}
END_TEST

START_TEST(null_output) {
  char *err = NULL;
  ck_assert_int_eq(encode("null", 20, &err), 0);
}
END_TEST

START_TEST(interrupted_mp4_still_plays) {
  /* Without finish(): a killed process. The fragments written so far
   * must play. 3 s at 30 fps gives fragments at 1 s and 2 s. */
  const char *path = tmp_path("cut-short.mp4");
  const char *copy = tmp_path("cut-short-copy.mp4");
  ep__gst_sink_opts o = {.output = path, .frame_rate = 30};
  ep__gst_sink *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_sink_new(&o, &s, &err), 0);
  for (int i = 0; i < 90; i++) {
    ep__gst_image img = make_image((int64_t)i * 1000000 / 30, ORANGE);
    ck_assert_int_eq(ep__gst_sink_push(s, &img, &err), 0);
  }
  /* Give the encoder time to write what it has been given. */
  for (int i = 0; i < 200 && file_size(path) < 4000; i++)
    g_usleep(20000);
  g_usleep(300000);
  ck_assert(copy_head(path, copy, file_size(path)));
  ep__gst_sink_free(s);
  readback r;
  int rc = read_back(copy, &r, &err);
  ck_assert_msg(rc == EP_STOP, "%s", err ? err : "?");
  ck_assert_int_ge(r.frames, 30);
  assert_near(r.centre, ORANGE, 12, "centre");
}
END_TEST

START_TEST(rate_taken_from_timestamps) {
  /* frame_rate 0: the file's rate comes from the frames, 25 fps here. */
  const char *path = tmp_path("rate25.mkv");
  ep__gst_sink_opts o = {.output = path};
  ep__gst_sink *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_sink_new(&o, &s, &err), 0);
  for (int i = 0; i < 10; i++) {
    ep__gst_image img = make_image((int64_t)i * 40000, ORANGE);
    ck_assert_int_eq(ep__gst_sink_push(s, &img, &err), 0);
  }
  ck_assert_int_eq(ep__gst_sink_finish(s, &err), 0);
  ep__gst_sink_free(s);
  ep__gst_source_opts so = {.input = path};
  ep__gst_source *src;
  ck_assert_int_eq(ep__gst_source_open(&so, &src, &err), 0);
  ck_assert_msg(ep__gst_source_frame_rate(src) == 25, "%f",
                ep__gst_source_frame_rate(src));
  ep__gst_source_free(src);
}
END_TEST

START_TEST(one_frame_without_finish_is_written) {
  /* Inferring the rate holds the first frame back; free() still writes
   * it. */
  const char *path = tmp_path("single.png");
  ep__gst_sink_opts o = {.output = path};
  ep__gst_sink *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_sink_new(&o, &s, &err), 0);
  released = 0;
  ep__gst_image img = make_image(0, ORANGE);
  ck_assert_int_eq(ep__gst_sink_push(s, &img, &err), 0);
  ep__gst_sink_free(s);
  ck_assert_int_eq(released, 1);
  readback r;
  ck_assert_int_eq(read_back(path, &r, &err), EP_STOP);
  ck_assert_int_eq(r.frames, 1);
}
END_TEST

START_TEST(unknown_extension) {
  ep__gst_sink_opts o = {.output = tmp_path("out.xyz")};
  ep__gst_sink *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_sink_new(&o, &s, &err), EP_EINVAL);
  ck_assert_ptr_nonnull(strstr(err, "out.xyz"));
  free(err);
}
END_TEST

START_TEST(unwritable_path) {
  const char *path = "/proc/ep-no-such-dir/out.mp4";
  char *err = NULL;
  int rc = encode(path, 0, &err);
  if (rc == 0) { /* the folder check passed: the first frame must fail */
    ep__gst_sink_opts o = {.output = path};
    ep__gst_sink *s;
    ck_assert_int_eq(ep__gst_sink_new(&o, &s, &err), 0);
    ep__gst_image img = make_image(0, ORANGE);
    rc = ep__gst_sink_push(s, &img, &err);
    ep__gst_sink_free(s);
  }
  ck_assert_int_lt(rc, 0);
  ck_assert_msg(strstr(err, path), "%s", err);
  free(err);
}
END_TEST

START_TEST(size_change_is_refused) {
  ep__gst_sink_opts o = {.output = "null"};
  ep__gst_sink *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_sink_new(&o, &s, &err), 0);
  released = 0;
  ep__gst_image a = make_image(0, ORANGE);
  ck_assert_int_eq(ep__gst_sink_push(s, &a, &err), 0);
  ep__gst_image b = make_image(1000, ORANGE);
  b.width = W / 2;
  ck_assert_int_eq(ep__gst_sink_push(s, &b, &err), EP_EINVAL);
  ck_assert_ptr_nonnull(strstr(err, "160x120"));
  free(err);
  err = NULL;
  ep__gst_image c = make_image(0, ORANGE);
  ck_assert_int_eq(ep__gst_sink_push(s, &c, &err), EP_ETIMESTAMP);
  free(err);
  ck_assert_int_eq(ep__gst_sink_finish(s, &err), 0);
  ep__gst_sink_free(s);
  ck_assert_int_eq(released, 3);
}
END_TEST

int main(void) {
  gst_init(NULL, NULL);
  Suite *s = suite_create("gst_sink");
  TCase *tc = tcase_create("encode");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, mp4_round_trip);
  tcase_add_test(tc, mkv_round_trip);
  tcase_add_test(tc, webm_round_trip);
  tcase_add_test(tc, avi_round_trip);
  tcase_add_test(tc, mp4_plays_in_plain_gstreamer);
  tcase_add_test(tc, png_keeps_first_frame_exactly);
  tcase_add_test(tc, png_sequence);
  tcase_add_test(tc, jpeg_still);
  tcase_add_test(tc, null_output);
  tcase_add_test(tc, interrupted_mp4_still_plays);
  tcase_add_test(tc, rate_taken_from_timestamps);
  tcase_add_test(tc, one_frame_without_finish_is_written);
  tcase_add_test(tc, unknown_extension);
  tcase_add_test(tc, unwritable_path);
  tcase_add_test(tc, size_change_is_refused);
  suite_add_tcase(s, tc);
  return run_video_suite(s);
}
