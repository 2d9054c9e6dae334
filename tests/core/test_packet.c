#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/error.h"
#include "edgepipe/packet.h"

static int freed;
static void count_free(void *d) {
  freed++;
  free(d);
}
static const ep_type counted = {"TestCounted", count_free, NULL};

START_TEST(int_roundtrip) {
  long before = ep_packet_live_count();
  ep_packet *p = ep_packet_new_int(-42, 7);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(ep_packet_get_int(p), -42);
  ck_assert_int_eq(ep_packet_timestamp(p), 7);
  ck_assert_ptr_eq(ep_packet_type(p), &ep_type_int);
  ck_assert_int_eq(ep_packet_live_count(), before + 1);
  /* A read of the wrong type gives the zero value, not garbage. */
  ck_assert_ptr_null(ep_packet_get_string(p));
  ck_assert(ep_packet_get_float(p) == 0.0);
  ep_packet_unref(p);
  ck_assert_int_eq(ep_packet_live_count(), before);
}
END_TEST

START_TEST(builtin_values) {
  ep_packet *f = ep_packet_new_float(2.5, 0);
  ep_packet *b = ep_packet_new_bool(true, 0);
  ep_packet *s = ep_packet_new_string("h\"i", 0);
  ck_assert(ep_packet_get_float(f) == 2.5);
  ck_assert(ep_packet_get_bool(b));
  ck_assert_str_eq(ep_packet_get_string(s), "h\"i");
  char buf[32];
  ep_type_string.describe(ep_packet_data(s), buf, sizeof buf);
  ck_assert_str_eq(buf, "\"h\\\"i\"");
  ep_packet_unref(f);
  ep_packet_unref(b);
  ep_packet_unref(s);
}
END_TEST

START_TEST(payload_shared_until_last) {
  freed = 0;
  int *d = malloc(sizeof *d);
  *d = 5;
  ep_packet *p = ep_packet_new(&counted, d, 10);
  ep_packet *q = ep_packet_at(p, 20);
  ck_assert_ptr_eq(ep_packet_data(q), d);
  ck_assert_int_eq(ep_packet_timestamp(q), 20);
  ck_assert_int_eq(ep_packet_timestamp(p), 10);
  ep_packet_ref(p);
  ep_packet_unref(p);
  ep_packet_unref(p); /* the original goes first ... */
  ck_assert_int_eq(freed, 0);
  ck_assert_int_eq(*(const int *)ep_packet_data(q), 5);
  ep_packet_unref(q); /* ... and the payload with the last holder */
  ck_assert_int_eq(freed, 1);
}
END_TEST

static int released;
static void on_release(void *data, void *user) {
  released += *(int *)user;
  ck_assert_ptr_nonnull(data);
}

START_TEST(wrap_calls_release_once) {
  static char buf[64];
  int weight = 3;
  released = 0;
  ep_packet *p = ep_packet_wrap(&counted, buf, on_release, &weight, 1);
  ep_packet *q = ep_packet_at(p, 2);
  ep_packet_unref(p);
  ck_assert_int_eq(released, 0);
  ep_packet_unref(q);
  ck_assert_int_eq(released, 3);
}
END_TEST

START_TEST(null_type_frees_data) {
  ck_assert_ptr_null(ep_packet_new(NULL, NULL, 0));
  ep_packet_unref(NULL); /* ignored */
}
END_TEST

static void *hammer(void *arg) {
  ep_packet *p = arg;
  for (int i = 0; i < 100000; i++) {
    ep_packet_ref(p);
    ep_packet_unref(p);
  }
  return NULL;
}

START_TEST(refcount_is_atomic) {
  freed = 0;
  ep_packet *p = ep_packet_new(&counted, malloc(4), 0);
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, hammer, p);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  ck_assert_int_eq(freed, 0);
  ep_packet_unref(p);
  ck_assert_int_eq(freed, 1);
}
END_TEST

START_TEST(type_registry) {
  ck_assert_ptr_eq(ep_type_find("Int"), &ep_type_int);
  ck_assert_ptr_eq(ep_type_find("Any"), &ep_type_any);
  ck_assert_ptr_null(ep_type_find("NoSuchType"));
  ck_assert_int_eq(ep_type_register(&counted), 0);
  ck_assert_int_eq(ep_type_register(&counted), 0);
  static const ep_type clash = {"TestCounted", NULL, NULL};
  ck_assert_int_eq(ep_type_register(&clash), EP_EEXIST);
  ck_assert_ptr_eq(ep_type_find("TestCounted"), &counted);
  ck_assert(ep_type_compatible(&ep_type_int, &ep_type_any));
  ck_assert(ep_type_compatible(&ep_type_any, &counted));
  ck_assert(!ep_type_compatible(&ep_type_int, &ep_type_float));
}
END_TEST

int main(void) {
  Suite *s = suite_create("packet");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, int_roundtrip);
  tcase_add_test(tc, builtin_values);
  tcase_add_test(tc, payload_shared_until_last);
  tcase_add_test(tc, wrap_calls_release_once);
  tcase_add_test(tc, null_type_frees_data);
  tcase_add_test(tc, refcount_is_atomic);
  tcase_add_test(tc, type_registry);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
