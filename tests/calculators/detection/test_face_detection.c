/* End to end: graphs/face_detect.pbtxt with the real short-range model on
 * real photos, against an independent NumPy post-processing
 * (tests/tools/face_reference.py) of the same model's outputs for the
 * same input tensor. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgepipe/detection.h"
#include "edgepipe/error.h"
#include "edgepipe/graph.h"
#include "edgepipe/image_frame.h"
#include "edgepipe/registry.h"
#include "edgepipe/tensor.h"
#include "face_reference.h"
#include "image/image_to_tensor_calculator.h"
#include "inference/inference_session.h"
#include "test_image.h"

#define MODEL "models/face_detection_short_range.tflite"

/* The graph and the model path are relative to the source tree. */
static void to_source_root(void) {
  const char *root = getenv("EP_SOURCE_ROOT");
  ck_assert_ptr_nonnull(root);
  ck_assert_int_eq(chdir(root), 0);
}

/* --- the reference: same tensor, same model, NumPy post-processing ------- */

static int reference(const ep_image_frame *img, ref_face *faces) {
  int dims[4] = {1, 128, 128, 3};
  ep_tensor *t = ep_tensor_new(EP_DTYPE_FLOAT32, 4, dims);
  ep_tensors *in = ep_tensors_new();
  ep_tensors_push(in, t);
  ep_image_to_tensor_params p = {128, 128, true, -1.0f, 1.0f, true};
  float pad[4];
  ck_assert_int_eq(ep__image_to_tensor(img, &p, ep_tensor_data(t), pad), 0);
  ep__infer_session *s = NULL;
  ep_tensors *out = NULL;
  char *msg = NULL;
  ck_assert_int_eq(ep__infer_session_open(MODEL, "xnnpack", 1, &s, &msg), 0);
  ck_assert_int_eq(ep__infer_session_run(s, in, &out, &msg), 0);
  const float *boxes = NULL, *scores = NULL;
  for (size_t i = 0; i < out->n; i++) {
    int last = ep_tensor_dim(out->v[i], ep_tensor_ndims(out->v[i]) - 1);
    if (last == 16)
      boxes = ep_tensor_cdata(out->v[i]);
    else if (last == 1)
      scores = ep_tensor_cdata(out->v[i]);
  }
  ck_assert(boxes && scores);
  int n = ref_faces(boxes, scores, pad, ep_image_frame_width(img),
                    ep_image_frame_height(img), faces);
  ck_assert_int_ge(n, 0);
  ep_tensors_free(out);
  ep_tensors_free(in);
  ep__infer_session_free(s);
  return n;
}

/* --- the graph ------------------------------------------------------------ */

typedef struct run {
  ep_detections faces;
  ep_image_frame *annotated;
} run;

static int on_faces(void *user, ep_packet *p) {
  run *r = user;
  const ep_detections *d = ep_packet_data(p);
  for (size_t i = 0; i < d->n; i++)
    if (ep_detections_push(&r->faces, &d->v[i]))
      return EP_ENOMEM;
  return 0;
}

static int on_video(void *user, ep_packet *p) {
  run *r = user;
  ep_image_frame_unref(r->annotated);
  r->annotated = ep_image_frame_ref((ep_image_frame *)ep_packet_data(p));
  return 0;
}

static void run_graph(ep_image_frame *img, run *r) {
  memset(r, 0, sizeof *r);
  ep_graph *g = NULL;
  char *err = NULL;
  int rc = ep_graph_create_from_file("graphs/face_detect.pbtxt", &g, &err);
  ck_assert_msg(rc == 0, "graph: %s", err ? err : ep_strerror(rc));
  ck_assert_int_eq(ep_graph_observe(g, "face_detections", on_faces, r), 0);
  ck_assert_int_eq(ep_graph_observe(g, "output_video", on_video, r), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  ep_packet *p = ep_packet_new(&ep_type_image_frame, img, 0);
  ck_assert_int_eq(ep_graph_add_packet(g, "input_video", p, 0), 0);
  ck_assert_int_eq(ep_graph_close_all_inputs(g), 0);
  rc = ep_graph_wait(g);
  ck_assert_msg(rc == 0, "run: %s", ep_graph_error(g));
  ep_graph_destroy(g);
}

static double compare(const ep_detection *d, const ref_face *f, int w, int h) {
  double got[4] = {d->xmin * w, d->ymin * h, d->width * w, d->height * h};
  double worst = 0;
  for (int k = 0; k < 4; k++)
    worst = fmax(worst, fabs(got[k] - f->box[k]));
  ck_assert_int_eq(d->n_keypoints, 6);
  for (int k = 0; k < 6; k++) {
    worst = fmax(worst, fabs(d->keypoints[k].x * w - f->kp[k][0]));
    worst = fmax(worst, fabs(d->keypoints[k].y * h - f->kp[k][1]));
  }
  return worst;
}

static bool is_red(const ep_image_frame *f, int x, int y) {
  const uint8_t *p = ep_image_frame_cpixels(f) +
                     (size_t)y * (size_t)ep_image_frame_stride(f) + 3 * x;
  return p[0] == 255 && p[1] == 0 && p[2] == 0;
}

START_TEST(astronaut_has_one_face_matching_the_reference) {
  to_source_root();
  ep_image_frame *img = test_load_png("astronaut.png");
  ck_assert_ptr_nonnull(img);
  ref_face ref[REF_MAX_FACES];
  ck_assert_int_eq(reference(img, ref), 1);
  run r;
  run_graph(ep_image_frame_ref(img), &r);
  ck_assert_uint_eq(r.faces.n, 1);
  const ep_detection *d = &r.faces.v[0];
  int w = ep_image_frame_width(img), h = ep_image_frame_height(img);
  double err = compare(d, &ref[0], w, h);
  printf("astronaut %dx%d: box [%.1f %.1f %.1f %.1f] px, score %.3f; largest "
         "difference from the reference %.5f px\n",
         w, h, d->xmin * w, d->ymin * h, d->width * w, d->height * h, d->score,
         err);
  ck_assert(err <= 1.0);
  ck_assert_float_eq_tol(d->score, ref[0].score, 1e-3);
  /* The face is in the upper middle of the photo. */
  ck_assert(d->xmin > 0.25f && d->xmin + d->width < 0.75f);
  ck_assert(d->ymin > 0.02f && d->ymin + d->height < 0.5f);
  /* The overlay: red on the box's left edge, the photo elsewhere. */
  ck_assert_ptr_nonnull(r.annotated);
  int x = (int)floorf(d->xmin * w), y = (int)((d->ymin + d->height / 2) * h);
  ck_assert(is_red(r.annotated, x, y));
  ck_assert(!is_red(r.annotated, x + 10, y));
  ck_assert(!is_red(img, x, y));
  free(r.faces.v);
  ep_image_frame_unref(r.annotated);
  ep_image_frame_unref(img);
}
END_TEST

START_TEST(coffee_has_no_face) {
  to_source_root();
  ep_image_frame *img = test_load_png("coffee.png");
  ck_assert_ptr_nonnull(img);
  ref_face ref[REF_MAX_FACES];
  ck_assert_int_eq(reference(img, ref), 0);
  run r;
  run_graph(ep_image_frame_ref(img), &r);
  ck_assert_uint_eq(r.faces.n, 0);
  ck_assert_ptr_nonnull(r.annotated); /* the frame still comes out */
  free(r.faces.v);
  ep_image_frame_unref(r.annotated);
  ep_image_frame_unref(img);
}
END_TEST

/* The photo on a grey canvas of w x h at (x0, y0). */
static ep_image_frame *on_canvas(const ep_image_frame *src, int w, int h,
                                 int x0, int y0) {
  ep_image_frame *f = ep_image_frame_new(EP_IMAGE_SRGB, w, h);
  for (int y = 0; y < h; y++)
    memset(ep_image_frame_pixels(f) + (size_t)y * ep_image_frame_stride(f), 128,
           (size_t)w * 3);
  for (int y = 0; y < ep_image_frame_height(src); y++)
    memcpy(ep_image_frame_pixels(f) +
               (size_t)(y + y0) * ep_image_frame_stride(f) + 3 * x0,
           ep_image_frame_cpixels(src) + (size_t)y * ep_image_frame_stride(src),
           (size_t)ep_image_frame_width(src) * 3);
  return f;
}

/* The face's box in the photo's own pixels. */
static void face_in_photo(ep_image_frame *canvas, int x0, int y0, double b[4]) {
  int w = ep_image_frame_width(canvas), h = ep_image_frame_height(canvas);
  run r;
  run_graph(canvas, &r);
  ck_assert_uint_eq(r.faces.n, 1);
  const ep_detection *d = &r.faces.v[0];
  b[0] = d->xmin * w - x0, b[1] = d->ymin * h - y0;
  b[2] = d->width * w, b[3] = d->height * h;
  free(r.faces.v);
  ep_image_frame_unref(r.annotated);
}

START_TEST(portrait_and_landscape_find_the_same_box) {
  to_source_root();
  ep_image_frame *img = test_load_png("astronaut.png");
  ck_assert_ptr_nonnull(img);
  /* The photo with bands of half its size: above and below, or left and
   * right. Either way the model sees it at the same scale. */
  int s = ep_image_frame_width(img), b = s / 4;
  double portrait[4], landscape[4];
  face_in_photo(on_canvas(img, s, s + 2 * b, 0, b), 0, b, portrait);
  face_in_photo(on_canvas(img, s + 2 * b, s, b, 0), b, 0, landscape);
  double worst = 0;
  for (int k = 0; k < 4; k++)
    worst = fmax(worst, fabs(portrait[k] - landscape[k]));
  printf("portrait vs landscape: box [%.1f %.1f %.1f %.1f] vs "
         "[%.1f %.1f %.1f %.1f] px, largest difference %.3f px (%.2f%% of "
         "the photo)\n",
         portrait[0], portrait[1], portrait[2], portrait[3], landscape[0],
         landscape[1], landscape[2], landscape[3], worst, 100 * worst / s);
  fflush(stdout);
  /* The model sees the same photo at the same scale; only what lies
   * around it differs (bands here, zero border there), so its outputs
   * differ a little: the boxes must agree within 1% of the photo. */
  ck_assert(worst <= 0.01 * s);
  ep_image_frame_unref(img);
}
END_TEST

/* The same graph fed by the real decoder: the photo through GStreamer's
 * pngdec (VideoDecoderCalculator), three frames of it. */
static const char *decoded_graph =
    "node { calculator: \"VideoDecoderCalculator\"\n"
    "  output_stream: \"VIDEO:input_video\"\n"
    "  options { input: \"%s\" loop_image_frames: 3 } }\n"
    "node { calculator: \"FlowLimiterCalculator\"\n"
    "  input_stream: \"input_video\" input_stream: \"FINISHED:output_video\"\n"
    "  input_stream_info { tag_index: \"FINISHED\" back_edge: true }\n"
    "  output_stream: \"throttled\" }\n"
    "node { calculator: \"FaceDetectionShortRangeCpu\"\n"
    "  input_stream: \"IMAGE:throttled\"\n"
    "  output_stream: \"DETECTIONS:face_detections\" }\n"
    "node { calculator: \"DetectionsToRenderDataCalculator\"\n"
    "  input_stream: \"DETECTIONS:face_detections\"\n"
    "  output_stream: \"RENDER_DATA:rd\"\n"
    "  options { thickness: 4 color { r: 255 } } }\n"
    "node { calculator: \"AnnotationOverlayCalculator\"\n"
    "  input_stream: \"IMAGE:throttled\" input_stream: \"rd\"\n"
    "  output_stream: \"IMAGE:output_video\" }\n";

/* What came out; each observer writes only its own fields (observers of
 * different streams may run on different threads). */
typedef struct counts {
  int n_faces, n_frames;
  ep_detection faces[8];
  ep_image_frame *frames[8];
} counts;

static int count_faces(void *user, ep_packet *p) {
  counts *c = user;
  const ep_detections *d = ep_packet_data(p);
  if (d->n != 1 || c->n_faces == 8)
    return EP_ECALC;
  c->faces[c->n_faces++] = d->v[0];
  return 0;
}

static int count_frames(void *user, ep_packet *p) {
  counts *c = user;
  if (c->n_frames == 8)
    return EP_ECALC;
  c->frames[c->n_frames++] = ep_image_frame_ref((void *)ep_packet_data(p));
  return 0;
}

START_TEST(decoded_photo_gives_the_same_face_on_every_frame) {
  to_source_root();
  /* A graph from text finds FaceDetectionShortRangeCpu on the path. */
  ck_assert_int_eq(setenv("EDGEPIPE_GRAPH_PATH", "graphs", 1), 0);
  char text[4096];
  snprintf(text, sizeof text, decoded_graph, test_data_path("astronaut.png"));
  ep_graph *g = NULL;
  char *err = NULL;
  int rc = ep_graph_create_from_string(text, strlen(text), "pbtxt",
                                       "decoded.pbtxt", &g, &err);
  ck_assert_msg(rc == 0, "graph: %s", err ? err : ep_strerror(rc));
  counts c = {0};
  ck_assert_int_eq(ep_graph_observe(g, "face_detections", count_faces, &c), 0);
  ck_assert_int_eq(ep_graph_observe(g, "output_video", count_frames, &c), 0);
  ck_assert_int_eq(ep_graph_start(g, NULL, 0), 0);
  rc = ep_graph_wait(g);
  ck_assert_msg(rc == 0, "run: %s", ep_graph_error(g));
  ep_graph_destroy(g);
  /* The flow limiter may drop frames while one is in flight; every frame
   * that came through has its face, the same box, and its red edge. */
  printf("decoded photo: %d of 3 frames through the flow limiter\n",
         c.n_frames);
  fflush(stdout);
  ck_assert_int_ge(c.n_frames, 1);
  ck_assert_int_eq(c.n_faces, c.n_frames);
  ep_image_frame *img = test_load_png("astronaut.png");
  run r;
  run_graph(img, &r);
  ck_assert_uint_eq(r.faces.n, 1);
  const ep_detection *want = &r.faces.v[0];
  for (int i = 0; i < c.n_frames; i++) {
    /* Same pixels as the test's own PNG loader: the same box. */
    ck_assert_float_eq_tol(c.faces[i].xmin, want->xmin, 1e-6);
    ck_assert_float_eq_tol(c.faces[i].width, want->width, 1e-6);
    const ep_image_frame *f = c.frames[i];
    int x = (int)floorf(want->xmin * ep_image_frame_width(f));
    int y = (int)((want->ymin + want->height / 2) * ep_image_frame_height(f));
    ck_assert(is_red(f, x, y));
    ep_image_frame_unref(c.frames[i]);
  }
  free(r.faces.v);
  ep_image_frame_unref(r.annotated);
}
END_TEST

int main(void) {
  Suite *s = suite_create("face_detection");
  TCase *tc = tcase_create("end_to_end");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, astronaut_has_one_face_matching_the_reference);
  tcase_add_test(tc, coffee_has_no_face);
  tcase_add_test(tc, portrait_and_landscape_find_the_same_box);
  /* Built without GStreamer, there is no decoder to test with. */
  if (ep_calculator_find("VideoDecoderCalculator"))
    tcase_add_test(tc, decoded_photo_gives_the_same_face_on_every_frame);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
