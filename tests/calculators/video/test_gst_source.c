/* Tests for the decoding pipeline behind VideoDecoderCalculator: every
 * container the issue names, stills, the test source, and bad inputs. The
 * inputs are made here with plain GStreamer pipelines. */
#include <check.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clip_util.h"
#include "edgepipe/error.h"
#include "video/gst_source.h"

#define CLIP_FRAMES 30
#define TEST_CAPS "video/x-raw,width=320,height=240,framerate=30/1"
#define I420 "video/x-raw,format=I420"

typedef struct decoded {
  int frames, width, height, stride;
  bool aligned; /* every frame's pixels 64-byte aligned */
  int64_t pts[256];
  uint8_t rgb[3]; /* the centre pixel of the first frame */
} decoded;

/* Decodes all of input; returns the last status (EP_STOP when it ended
 * cleanly) and fills d. */
static int decode_all(const ep__gst_source_opts *o, decoded *d, char **err) {
  memset(d, 0, sizeof *d);
  ep__gst_source *s;
  int rc = ep__gst_source_open(o, &s, err);
  if (rc < 0)
    return rc;
  ep__gst_frame f;
  d->aligned = true;
  while ((rc = ep__gst_source_next(s, &f, err)) == 0) {
    d->aligned = d->aligned && (uintptr_t)f.pixels % 64 == 0;
    if (d->frames == 0) {
      d->width = f.width;
      d->height = f.height;
      d->stride = f.stride;
      memcpy(d->rgb, f.pixels + (f.height / 2) * f.stride + (f.width / 2) * 3,
             3);
    }
    if (d->frames < 256)
      d->pts[d->frames] = f.pts_us;
    d->frames++;
    ep__gst_frame_release(f.hold);
  }
  ep__gst_source_free(s);
  return rc;
}

static int decode_path(const char *path, decoded *d, char **err) {
  ep__gst_source_opts o = {.input = path};
  return decode_all(&o, d, err);
}

/* Makes name in the temp folder from videotestsrc through encoder ! mux. */
static const char *make_clip(const char *name, const char *pattern,
                             const char *enc_mux) {
  const char *path = tmp_path(name);
  if (file_size(path) > 0)
    return path;
  char desc[512];
  snprintf(desc, sizeof desc,
           "videotestsrc num-buffers=%d pattern=%s ! " TEST_CAPS
           " ! videoconvert ! %s ! filesink location=%%s",
           CLIP_FRAMES, pattern, enc_mux);
  ck_assert_msg(run_pipeline(desc, path), "cannot make %s", name);
  return path;
}

static void assert_red(const uint8_t *p) {
  ck_assert_msg(p[0] > 200 && p[1] < 50 && p[2] < 50, "not red: %d,%d,%d", p[0],
                p[1], p[2]);
}

/* Frame i of a 30 fps clip is at i/30 s; containers with millisecond
 * timestamps (Matroska/WebM) round it. */
static void assert_clip(const decoded *d, int64_t tolerance_us) {
  ck_assert_int_eq(d->frames, CLIP_FRAMES);
  ck_assert_int_eq(d->width, 320);
  ck_assert_int_eq(d->height, 240);
  ck_assert_int_ge(d->stride, 320 * 3);
  for (int i = 0; i < d->frames; i++) {
    int64_t want = (int64_t)i * 1000000 / 30;
    ck_assert_msg(llabs(d->pts[i] - want) <= tolerance_us,
                  "frame %d at %lld us, want %lld", i, (long long)d->pts[i],
                  (long long)want);
  }
}

static void decode_container(const char *name, const char *enc_mux,
                             int64_t tolerance_us) {
  decoded d;
  char *err = NULL;
  int rc = decode_path(make_clip(name, "red", enc_mux), &d, &err);
  ck_assert_msg(rc == EP_STOP, "%s: %s", name, err ? err : "?");
  assert_clip(&d, tolerance_us);
  assert_red(d.rgb);
  ck_assert_msg(d.aligned, "%s: frames not 64-byte aligned", name);
}

START_TEST(decodes_mp4_h264) {
  decode_container("red.mp4", I420 " ! x264enc ! mp4mux", 1);
}
END_TEST

START_TEST(decodes_webm_vp8) {
  decode_container("red.webm", "vp8enc ! webmmux", 1000);
}
END_TEST

START_TEST(decodes_mkv_h264) {
  decode_container("red.mkv", I420 " ! x264enc ! matroskamux", 1000);
}
END_TEST

START_TEST(decodes_avi_mjpeg) {
  decode_container("red.avi", "jpegenc ! avimux", 1);
}
END_TEST

/* True if a library whose name contains lib is loaded in this process. */
static bool mapped(const char *lib) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[1024];
  bool yes = false;
  while (f && !yes && fgets(line, sizeof line, f))
    yes = strstr(line, lib) != NULL;
  if (f)
    fclose(f);
  return yes;
}

START_TEST(preferred_decoder_is_used) {
  /* openh264dec ranks below avdec_h264; asked for, it decodes the clip.
   * An element that is not installed is named in the error. */
  const char *clip = make_clip("red.mp4", "red", I420 " ! x264enc ! mp4mux");
  ep__gst_source_opts o = {.input = clip, .decoder = "openh264dec"};
  decoded d;
  char *err = NULL;
  ck_assert_int_eq(decode_all(&o, &d, &err), EP_STOP);
  assert_clip(&d, 1);
  assert_red(d.rgb);
  ck_assert_msg(mapped("libopenh264"), "openh264dec was not used");
  /* Streams it does not take decode as usual. */
  o.input = make_clip("red.webm", "red", "vp8enc ! webmmux");
  ck_assert_int_eq(decode_all(&o, &d, &err), EP_STOP);
  assert_clip(&d, 1000);
  o.decoder = "nosuchdec";
  ck_assert_int_eq(decode_all(&o, &d, &err), EP_EUNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(err, "nosuchdec"));
  free(err);
}
END_TEST

START_TEST(decodes_uri) {
  char uri[600];
  snprintf(uri, sizeof uri, "file://%s",
           make_clip("red.mp4", "red", I420 " ! x264enc ! mp4mux"));
  ep__gst_source_opts o = {.input = uri};
  decoded d;
  char *err = NULL;
  ck_assert_int_eq(decode_all(&o, &d, &err), EP_STOP);
  assert_clip(&d, 1);
}
END_TEST

START_TEST(png_is_one_frame) {
  decoded d;
  char *err = NULL;
  int rc = decode_path(data_path("astronaut.png"), &d, &err);
  ck_assert_msg(rc == EP_STOP, "%s", err ? err : "?");
  ck_assert_int_eq(d.frames, 1);
  ck_assert_int_eq(d.width, 512);
  ck_assert_int_eq(d.height, 512);
  ck_assert_int_eq(d.pts[0], 0);
  ck_assert(d.aligned);
}
END_TEST

START_TEST(jpeg_repeats_at_rate) {
  const char *path = tmp_path("green.jpg");
  ck_assert(run_pipeline("videotestsrc num-buffers=1 pattern=green ! "
                         "video/x-raw,width=96,height=64 ! videoconvert ! "
                         "jpegenc ! filesink location=%s",
                         path));
  ep__gst_source_opts o = {
      .input = path, .loop_image_frames = 5, .frame_rate = 10};
  ep__gst_source *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_source_open(&o, &s, &err), 0);
  ck_assert(ep__gst_source_frame_rate(s) == 0);
  ep__gst_frame f[6];
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(ep__gst_source_next(s, &f[i], &err), 0);
    ck_assert_int_eq(f[i].pts_us, i * 100000);
    ck_assert_int_eq(f[i].width, 96);
    /* The repeats share one decoded buffer: nothing is copied. */
    ck_assert_ptr_eq(f[i].pixels, f[0].pixels);
  }
  ck_assert_int_eq(ep__gst_source_next(s, &f[5], &err), EP_STOP);
  const uint8_t *c = f[4].pixels + 32 * f[4].stride + 48 * 3;
  ck_assert_msg(c[1] > 200 && c[0] < 50 && c[2] < 50, "not green");
  ep__gst_source_free(s);
  for (int i = 0; i < 5; i++)
    ep__gst_frame_release(f[i].hold);
}
END_TEST

START_TEST(test_source_size_count_pattern) {
  /* 322 px rows of RGB are padded to 968 bytes: the stride must be
   * honoured, or the right edge reads the padding. */
  ep__gst_source_opts o = {.input = "test",
                           .width = 322,
                           .height = 20,
                           .num_frames = 7,
                           .pattern = "red",
                           .frame_rate = 25};
  ep__gst_source *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_source_open(&o, &s, &err), 0);
  ck_assert(ep__gst_source_frame_rate(s) == 25);
  ep__gst_frame f;
  int n = 0;
  while (ep__gst_source_next(s, &f, &err) == 0) {
    ck_assert_int_eq(f.width, 322);
    ck_assert_int_ge(f.stride, 322 * 3);
    ck_assert_int_eq(f.pts_us, n * 40000);
    for (int y = 0; y < f.height; y++)
      assert_red(f.pixels + y * f.stride + 321 * 3);
    ep__gst_frame_release(f.hold);
    n++;
  }
  ck_assert_int_eq(n, 7);
  ep__gst_source_free(s);
}
END_TEST

START_TEST(frames_outlive_source) {
  ep__gst_source_opts o = {.input = "videotestsrc",
                           .num_frames = 3,
                           .width = 64,
                           .height = 48,
                           .pattern = "blue"};
  ep__gst_source *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_source_open(&o, &s, &err), 0);
  ep__gst_frame a, b;
  ck_assert_int_eq(ep__gst_source_next(s, &a, &err), 0);
  ck_assert_int_eq(ep__gst_source_next(s, &b, &err), 0);
  ep__gst_source_free(s);
  /* Still mapped after the pipeline is gone (ASan would see a use after
   * free otherwise). */
  ck_assert_int_gt(a.pixels[2], 200);
  ck_assert_int_gt(b.pixels[47 * b.stride + 63 * 3 + 2], 200);
  ep__gst_frame_release(a.hold);
  ep__gst_frame_release(b.hold);
}
END_TEST

START_TEST(bad_pattern_is_named) {
  ep__gst_source_opts o = {.input = "test", .pattern = "no-such-pattern"};
  ep__gst_source *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_source_open(&o, &s, &err), EP_EINVAL);
  ck_assert_ptr_nonnull(strstr(err, "no-such-pattern"));
  ck_assert_msg(strstr(err, "ball"), "choices not listed: %s", err);
  free(err);
}
END_TEST

static void assert_fails_naming(const char *path, const char *why) {
  ep__gst_source_opts o = {.input = path, .timeout_ms = 10000};
  decoded d;
  char *err = NULL;
  int rc = decode_all(&o, &d, &err);
  ck_assert_msg(rc < 0 && rc != EP_STOP, "%s decoded (%d frames)", path,
                d.frames);
  ck_assert_ptr_nonnull(err);
  ck_assert_msg(strstr(err, path), "message does not name the file: %s", err);
  if (why)
    ck_assert_msg(strstr(err, why), "message lacks '%s': %s", why, err);
  free(err);
}

START_TEST(missing_file) {
  const char *path = tmp_path("no-such-clip.mp4");
  ep__gst_source_opts o = {.input = path};
  ep__gst_source *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_source_open(&o, &s, &err), EP_ENOENT);
  ck_assert_ptr_nonnull(strstr(err, path));
  ck_assert_ptr_nonnull(strstr(err, "No such file"));
  free(err);
}
END_TEST

START_TEST(random_bytes) {
  const char *path = tmp_path("noise.mp4");
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  srand(5);
  for (int i = 0; i < 50000; i++)
    fputc(rand() & 0xff, f);
  fclose(f);
  assert_fails_naming(path, NULL);
}
END_TEST

START_TEST(truncated_mp4) {
  /* mp4mux writes the index (moov) last; without it nothing can play. */
  const char *full = make_clip("red.mp4", "red", I420 " ! x264enc ! mp4mux");
  const char *cut = tmp_path("cut.mp4");
  ck_assert(copy_head(full, cut, file_size(full) / 2));
  assert_fails_naming(cut, NULL);
}
END_TEST

START_TEST(audio_only_file) {
  const char *path = tmp_path("tone.wav");
  ck_assert(run_pipeline("audiotestsrc num-buffers=10 ! wavenc ! "
                         "filesink location=%s",
                         path));
  assert_fails_naming(path, "no video stream");
}
END_TEST

START_TEST(directory_is_refused) {
  ep__gst_source_opts o = {.input = tmp_dir()};
  ep__gst_source *s;
  char *err = NULL;
  ck_assert_int_lt(ep__gst_source_open(&o, &s, &err), 0);
  ck_assert_ptr_nonnull(strstr(err, "directory"));
  free(err);
}
END_TEST

START_TEST(missing_camera) {
  ep__gst_source_opts o = {.input = "v4l2:/dev/video-none"};
  ep__gst_source *s;
  char *err = NULL;
  ck_assert_int_lt(ep__gst_source_open(&o, &s, &err), 0);
  ck_assert_msg(strstr(err, "/dev/video-none"), "%s", err);
  free(err);
}
END_TEST

START_TEST(sample_clip_has_motion) {
  /* scripts/make-sample: 1 s of pan/zoom over the photo. */
  const char *out = tmp_path("sample.mp4");
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s/scripts/make-sample %s 1 >/dev/null",
           getenv("EP_SOURCE_ROOT"), out);
  ck_assert_int_eq(system(cmd), 0);
  ep__gst_source_opts o = {.input = out};
  ep__gst_source *s;
  char *err = NULL;
  ck_assert_int_eq(ep__gst_source_open(&o, &s, &err), 0);
  ep__gst_frame first, f;
  ck_assert_int_eq(ep__gst_source_next(s, &first, &err), 0);
  ck_assert_int_eq(first.width, 640);
  ck_assert_int_eq(first.height, 480);
  int n = 1;
  long diff = 0;
  while (ep__gst_source_next(s, &f, &err) == 0) {
    if (++n == 16) /* mid-zoom: compare a row with the first frame's */
      for (int x = 0; x < 640 * 3; x++)
        diff += labs((long)f.pixels[240 * f.stride + x] -
                     (long)first.pixels[240 * first.stride + x]);
    ep__gst_frame_release(f.hold);
  }
  ck_assert_int_eq(n, 30);
  ck_assert_msg(diff > 640 * 3 * 8, "little motion: %ld", diff);
  ep__gst_frame_release(first.hold);
  ep__gst_source_free(s);
}
END_TEST

int main(void) {
  gst_init(NULL, NULL);
  Suite *s = suite_create("gst_source");
  TCase *tc = tcase_create("decode");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, decodes_mp4_h264);
  tcase_add_test(tc, decodes_webm_vp8);
  tcase_add_test(tc, decodes_mkv_h264);
  tcase_add_test(tc, decodes_avi_mjpeg);
  tcase_add_test(tc, decodes_uri);
  tcase_add_test(tc, preferred_decoder_is_used);
  tcase_add_test(tc, png_is_one_frame);
  tcase_add_test(tc, jpeg_repeats_at_rate);
  tcase_add_test(tc, test_source_size_count_pattern);
  tcase_add_test(tc, frames_outlive_source);
  tcase_add_test(tc, bad_pattern_is_named);
  tcase_add_test(tc, missing_file);
  tcase_add_test(tc, random_bytes);
  tcase_add_test(tc, truncated_mp4);
  tcase_add_test(tc, audio_only_file);
  tcase_add_test(tc, directory_is_refused);
  tcase_add_test(tc, missing_camera);
  tcase_add_test(tc, sample_clip_has_motion);
  suite_add_tcase(s, tc);
  return run_video_suite(s);
}
