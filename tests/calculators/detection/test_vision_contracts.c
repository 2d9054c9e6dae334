/* The contracts of the vision calculators (ports, types, option schemas)
 * as graph validation sees them: the face chain validates; bad options
 * and mismatched streams are errors that name the place. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/error.h"
#include "graph_config.h"

static const char *chain =
    "input_stream: \"image\"\n"
    "input_stream: \"tensors\"\n"
    "node { calculator: \"ImageToTensorCalculator\"\n"
    "  input_stream: \"IMAGE:image\"\n"
    "  output_stream: \"TENSORS:unused\"\n"
    "  output_stream: \"LETTERBOX_PADDING:pad\"\n"
    "  options { output_tensor_width: 128 output_tensor_height: 128\n"
    "    keep_aspect_ratio: true border_mode: %s\n"
    "    output_tensor_float_range { min: -1 max: 1 } } }\n"
    "node { calculator: \"SsdAnchorsCalculator\"\n"
    "  output_side_packet: \"anchors\"\n"
    "  options { num_layers: 1 strides: 8 aspect_ratios: 1.0\n"
    "    input_size_width: 16 input_size_height: 16 } }\n"
    "node { calculator: \"TensorsToDetectionsCalculator\"\n"
    "  input_stream: \"TENSORS:tensors\"\n"
    "  input_side_packet: \"ANCHORS:anchors\"\n"
    "  output_stream: \"DETECTIONS:raw\"\n"
    "  options { %s num_coords: 4 num_boxes: 8 } }\n"
    "node { calculator: \"NonMaxSuppressionCalculator\"\n"
    "  input_stream: \"raw\" output_stream: \"kept\"\n"
    "  options { overlap_type: INTERSECTION_OVER_UNION algorithm: WEIGHTED }"
    " }\n"
    "node { calculator: \"DetectionLetterboxRemovalCalculator\"\n"
    "  input_stream: \"DETECTIONS:kept\"\n"
    "  input_stream: \"LETTERBOX_PADDING:pad\"\n"
    "  output_stream: \"DETECTIONS:faces\" }\n"
    "node { calculator: \"DetectionsToRenderDataCalculator\"\n"
    "  input_stream: \"DETECTIONS:%s\"\n"
    "  output_stream: \"RENDER_DATA:rd\"\n"
    "  options { thickness: 4 color { r: %s } } }\n"
    "node { calculator: \"AnnotationOverlayCalculator\"\n"
    "  input_stream: \"IMAGE:image\" input_stream: \"rd\"\n"
    "  output_stream: \"IMAGE:out\" }\n";

/* Loads and validates the chain with the given pieces; returns the code
 * and the message (caller frees). */
static int check_chain(const char *border, const char *classes,
                       const char *render_input, const char *red, char **err) {
  char text[4096];
  snprintf(text, sizeof text, chain, border, classes, render_input, red);
  ep_graph_config *cfg = NULL;
  *err = NULL;
  int rc = ep__graph_config_load_string(text, strlen(text), "pbtxt",
                                        "chain.pbtxt", &cfg, err);
  if (rc == 0)
    rc = ep__graph_config_validate(cfg, err);
  ep__graph_config_free(cfg);
  return rc;
}

START_TEST(face_chain_validates) {
  char *err;
  int rc = check_chain("BORDER_ZERO", "num_classes: 1", "faces", "255", &err);
  ck_assert_msg(rc == 0, "%s", err ? err : "");
  free(err);
}
END_TEST

START_TEST(bad_enum_is_named) {
  char *err;
  ck_assert_int_ne(
      check_chain("BORDER_WRAP", "num_classes: 1", "faces", "255", &err), 0);
  ck_assert_ptr_nonnull(err);
  ck_assert_ptr_nonnull(strstr(err, "chain.pbtxt:"));
  ck_assert_ptr_nonnull(strstr(err, "border_mode"));
  free(err);
}
END_TEST

START_TEST(missing_required_option_is_named) {
  char *err;
  ck_assert_int_ne(check_chain("BORDER_ZERO", "", "faces", "255", &err), 0);
  ck_assert_ptr_nonnull(strstr(err, "num_classes"));
  free(err);
}
END_TEST

START_TEST(out_of_range_colour_is_named) {
  char *err;
  ck_assert_int_ne(
      check_chain("BORDER_ZERO", "num_classes: 1", "faces", "300", &err), 0);
  ck_assert_ptr_nonnull(strstr(err, "chain.pbtxt:"));
  ck_assert_ptr_nonnull(strstr(err, "300"));
  free(err);
}
END_TEST

START_TEST(wrong_stream_type_names_both_types) {
  char *err;
  /* Detections wanted, an ImageFrame given. */
  ck_assert_int_ne(
      check_chain("BORDER_ZERO", "num_classes: 1", "out", "255", &err), 0);
  ck_assert_ptr_nonnull(strstr(err, "ImageFrame"));
  ck_assert_ptr_nonnull(strstr(err, "Detections"));
  free(err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("vision_contracts");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, face_chain_validates);
  tcase_add_test(tc, bad_enum_is_named);
  tcase_add_test(tc, missing_required_option_is_named);
  tcase_add_test(tc, out_of_range_colour_is_named);
  tcase_add_test(tc, wrong_stream_type_names_both_types);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
