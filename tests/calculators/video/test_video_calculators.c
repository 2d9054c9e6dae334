/* Tests for VideoDecoderCalculator and VideoEncoderCalculator in real
 * graphs: decode -> encode, side packets, bad inputs named by node, stills,
 * and a cancelled graph still leaving a playable file. */
#include <check.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clip_util.h"
#include "edgepipe/graph.h"
#include "edgepipe/image_frame.h"
#include "video/gst_source.h"

static ep_graph *load(const char *text) {
  ep_graph *g = NULL;
  char *err = NULL;
  int rc = ep_graph_create_from_string(text, strlen(text), "pbtxt", "test", &g,
                                       &err);
  ck_assert_msg(rc == 0, "%s", err ? err : "?");
  return g;
}

/* What an observer saw on an ImageFrame stream. */
typedef struct seen {
  int frames, width, height;
  ep_timestamp ts[64];
  uint8_t first_rgb[3];
} seen;

static int observe(void *user, ep_packet *p) {
  seen *s = user;
  const ep_image_frame *f = ep_packet_data(p);
  if (s->frames == 0) {
    s->width = ep_image_frame_width(f);
    s->height = ep_image_frame_height(f);
    memcpy(s->first_rgb, ep_image_frame_cpixels(f), 3);
  }
  if (s->frames < 64)
    s->ts[s->frames] = ep_packet_timestamp(p);
  s->frames++;
  return 0;
}

/* Frames and the centre colour of a file, read with plain decoding. */
static int count_frames(const char *path, uint8_t rgb[3]) {
  ep__gst_source_opts o = {.input = path};
  ep__gst_source *s;
  char *err = NULL;
  int rc = ep__gst_source_open(&o, &s, &err);
  ck_assert_msg(rc == 0, "%s", err ? err : "?");
  ep__gst_frame f;
  int n = 0;
  while ((rc = ep__gst_source_next(s, &f, &err)) == 0) {
    if (n++ == 0 && rgb)
      memcpy(rgb, f.pixels + (f.height / 2) * f.stride + (f.width / 2) * 3, 3);
    ep__gst_frame_release(f.hold);
  }
  ep__gst_source_free(s);
  ck_assert_msg(rc == EP_STOP, "%s: %s", path, err ? err : "?");
  return n;
}

START_TEST(decode_encode_graph) {
  const char *out = tmp_path("graph.mp4");
  char text[1024];
  snprintf(text, sizeof text,
           "node { name: 'dec' calculator: 'VideoDecoderCalculator'\n"
           "  output_stream: 'VIDEO:frames'\n"
           "  options { input: 'test' num_frames: 20 width: 160 height: 120\n"
           "            pattern: 'red' } }\n"
           "node { name: 'enc' calculator: 'VideoEncoderCalculator'\n"
           "  input_stream: 'VIDEO:frames' options { output: '%s' } }\n",
           out);
  ep_graph *g = load(text);
  seen s = {0};
  ck_assert_int_eq(ep_graph_observe(g, "frames", observe, &s), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_msg(ep_graph_wait(g) == 0, "%s", ep_graph_error(g));
  ep_graph_destroy(g);
  ck_assert_int_eq(s.frames, 20);
  ck_assert_int_eq(s.width, 160);
  for (int i = 0; i < 20; i++)
    ck_assert_int_eq(s.ts[i], (ep_timestamp)i * 1000000 / 30);
  uint8_t rgb[3];
  ck_assert_int_eq(count_frames(out, rgb), 20);
  ck_assert_msg(rgb[0] > 200 && rgb[1] < 50 && rgb[2] < 50, "%d,%d,%d", rgb[0],
                rgb[1], rgb[2]);
}
END_TEST

START_TEST(input_from_side_packet) {
  ep_graph *g = load("input_side_packet: 'path'\n"
                     "node { calculator: 'VideoDecoderCalculator'\n"
                     "  input_side_packet: 'INPUT_FILE_PATH:path'\n"
                     "  output_stream: 'VIDEO:frames'\n"
                     "  options { loop_image_frames: 3 fps: 10 } }\n");
  seen s = {0};
  ck_assert_int_eq(ep_graph_observe(g, "frames", observe, &s), 0);
  ep_packet *path = ep_packet_new_string(data_path("astronaut.png"), 0);
  ep_side_packet side = {"path", path};
  ck_assert_int_eq(ep_graph_start(g, &side, 1), 0);
  ep_packet_unref(path);
  ck_assert_msg(ep_graph_wait(g) == 0, "%s", ep_graph_error(g));
  ep_graph_destroy(g);
  ck_assert_int_eq(s.frames, 3);
  ck_assert_int_eq(s.width, 512);
  ck_assert_int_eq(s.ts[2], 200000);
}
END_TEST

START_TEST(missing_file_names_node_and_file) {
  const char *path = tmp_path("absent.mp4");
  char text[512];
  snprintf(text, sizeof text,
           "node { name: 'dec' calculator: 'VideoDecoderCalculator'\n"
           "  output_stream: 'VIDEO:frames' options { input: '%s' } }\n",
           path);
  ep_graph *g = load(text);
  ck_assert_int_lt(ep_graph_start(g, NULL, 0), 0);
  const char *err = ep_graph_error(g);
  ck_assert_ptr_nonnull(err);
  ck_assert_msg(strstr(err, "node 'dec' (VideoDecoderCalculator)"), "%s", err);
  ck_assert_msg(strstr(err, path), "%s", err);
  ep_graph_destroy(g);
}
END_TEST

START_TEST(no_input_is_an_error) {
  ep_graph *g = load("node { name: 'dec' calculator: 'VideoDecoderCalculator'\n"
                     "  output_stream: 'VIDEO:frames' }\n");
  ck_assert_int_lt(ep_graph_start(g, NULL, 0), 0);
  ck_assert_ptr_nonnull(strstr(ep_graph_error(g), "INPUT_FILE_PATH"));
  ep_graph_destroy(g);
}
END_TEST

/* videotestsrc (160x120) -> the encoder writing `out`: the graph both
 * interruption tests stop part way. */
static ep_graph *load_test_transcode(const char *out) {
  char text[1024];
  snprintf(text, sizeof text,
           "node { calculator: 'VideoDecoderCalculator'\n"
           "  output_stream: 'VIDEO:frames'\n"
           "  options { input: 'test' width: 160 height: 120 } }\n"
           "node { calculator: 'VideoEncoderCalculator'\n"
           "  input_stream: 'VIDEO:frames' options { output: '%s' } }\n",
           out);
  return load(text);
}

static int cancel_after_30(void *user, ep_packet *p) {
  (void)p;
  void **u = user;
  int *n = u[1];
  if (++*n == 30)
    ep_graph_cancel(u[0]);
  return 0;
}

START_TEST(cancelled_graph_leaves_playable_mp4) {
  /* The Ctrl-C path: pipe-run cancels the graph; the encoder's close()
   * must still finalise the file. */
  const char *out = tmp_path("cancelled.mp4");
  ep_graph *g = load_test_transcode(out);
  int n = 0;
  void *u[2] = {g, &n};
  ck_assert_int_eq(ep_graph_observe(g, "frames", cancel_after_30, u), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_int_eq(ep_graph_wait(g), EP_ECANCELED);
  ep_graph_destroy(g);
  /* How many frames the encoder had taken when the cancel came depends on
   * scheduling; that the file reads to its end is the point. */
  ck_assert_int_ge(count_frames(out, NULL), 1);
}
END_TEST

static int stop_after_30(void *user, ep_packet *p) {
  (void)p;
  void **u = user;
  int *n = u[1];
  if (++*n == 30)
    ep_graph_stop_sources(u[0]);
  return 0;
}

START_TEST(stopped_sources_drain_into_a_complete_file) {
  /* pipe-run's first Ctrl-C: the sources stop, the graph drains, every
   * frame the decoder sent is in the file. */
  const char *out = tmp_path("stopped.mkv");
  ep_graph *g = load_test_transcode(out);
  int n = 0;
  void *u[2] = {g, &n};
  ck_assert_int_eq(ep_graph_observe(g, "frames", stop_after_30, u), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ck_assert_msg(ep_graph_wait(g) == 0, "%s", ep_graph_error(g));
  ep_graph_destroy(g);
  ck_assert_int_ge(n, 30);
  ck_assert_int_eq(count_frames(out, NULL), n);
}
END_TEST

START_TEST(bad_output_names_node) {
  ep_graph *g = load("node { calculator: 'VideoDecoderCalculator'\n"
                     "  output_stream: 'VIDEO:frames'\n"
                     "  options { input: 'test' num_frames: 2 } }\n"
                     "node { name: 'enc' calculator: 'VideoEncoderCalculator'\n"
                     "  input_stream: 'VIDEO:frames'\n"
                     "  options { output: 'out.unknown' } }\n");
  ck_assert_int_lt(ep_graph_start(g, NULL, 0), 0);
  const char *err = ep_graph_error(g);
  ck_assert_msg(strstr(err, "node 'enc'") && strstr(err, "out.unknown"), "%s",
                err);
  ep_graph_destroy(g);
}
END_TEST

int main(void) {
  gst_init(NULL, NULL);
  Suite *s = suite_create("video_calculators");
  TCase *tc = tcase_create("graph");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, decode_encode_graph);
  tcase_add_test(tc, input_from_side_packet);
  tcase_add_test(tc, missing_file_names_node_and_file);
  tcase_add_test(tc, no_input_is_an_error);
  tcase_add_test(tc, cancelled_graph_leaves_playable_mp4);
  tcase_add_test(tc, stopped_sources_drain_into_a_complete_file);
  tcase_add_test(tc, bad_output_names_node);
  suite_add_tcase(s, tc);
  return run_video_suite(s);
}
