#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/detection.h"
#include "edgepipe/error.h"
#include "edgepipe/float_array.h"
#include "edgepipe/packet.h"

START_TEST(push_grows_and_copies) {
  ep_detections *ds = ep_detections_new();
  ep_detection d = {.score = 0.5f};
  for (int i = 0; i < 100; i++) {
    d.label_id = i;
    ck_assert_int_eq(ep_detections_push(ds, &d), 0);
  }
  ck_assert_uint_eq(ds->n, 100);
  ck_assert_int_eq(ds->v[99].label_id, 99);
  ck_assert_int_eq(ep_detections_push(NULL, &d), EP_EINVAL);
  ep_detections_free(ds);
}
END_TEST

START_TEST(describe_writes_json) {
  ep_detections *ds = ep_detections_new();
  ep_detection d = {.score = 0.75f,
                    .label_id = 2,
                    .xmin = 0.25f,
                    .ymin = 0.5f,
                    .width = 0.125f,
                    .height = 0.0625f,
                    .n_keypoints = 2};
  strcpy(d.label, "fa\"ce");
  d.keypoints[0] = (ep_keypoint){0.5f, 0.25f};
  d.keypoints[1] = (ep_keypoint){1.0f, 0.0f};
  ep_detections_push(ds, &d);
  char buf[512];
  int n = ep_type_detections.describe(ds, buf, sizeof buf);
  const char *want =
      "[{\"score\":0.75,\"label\":\"fa\\\"ce\",\"label_id\":2,\"box\":{"
      "\"xmin\":0.25,\"ymin\":0.5,\"width\":0.125,\"height\":0.0625},"
      "\"keypoints\":[[0.5,0.25],[1,0]]}]";
  ck_assert_str_eq(buf, want);
  ck_assert_int_eq(n, (int)strlen(want));
  /* A short buffer is cut and terminated; the needed length is returned. */
  char small[10];
  ck_assert_int_eq(ep_type_detections.describe(ds, small, sizeof small), n);
  ck_assert_uint_eq(strlen(small), 9);
  ds->n = 0;
  ep_type_detections.describe(ds, buf, sizeof buf);
  ck_assert_str_eq(buf, "[]");
  ep_detections_free(ds);
}
END_TEST

START_TEST(types_are_registered_by_name) {
  ck_assert_ptr_eq(ep_type_find("Detections"), &ep_type_detections);
  ck_assert_ptr_eq(ep_type_find("FloatArray"), &ep_type_float_array);
}
END_TEST

START_TEST(float_array_describes_values) {
  ep_float_array *a = ep_float_array_new(3);
  a->v[0] = 0.25f, a->v[1] = -1, a->v[2] = 0;
  char buf[64];
  ep_type_float_array.describe(a, buf, sizeof buf);
  ck_assert_str_eq(buf, "[0.25,-1,0]");
  ep_packet *p = ep_packet_new(&ep_type_float_array, a, 0);
  ep_packet_unref(p); /* frees a */
  ep_float_array *e = ep_float_array_new(0);
  ep_type_float_array.describe(e, buf, sizeof buf);
  ck_assert_str_eq(buf, "[]");
  free(e);
}
END_TEST

int main(void) {
  Suite *s = suite_create("detection");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, push_grows_and_copies);
  tcase_add_test(tc, describe_writes_json);
  tcase_add_test(tc, types_are_registered_by_name);
  tcase_add_test(tc, float_array_describes_values);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
