#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgepipe/error.h"
#include "edgepipe/packet.h"
#include "edgepipe/tensor.h"

START_TEST(new_is_zeroed_and_aligned) {
  int dims[3] = {1, 896, 16};
  ep_tensor *t = ep_tensor_new(EP_DTYPE_FLOAT32, 3, dims);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(ep_tensor_ndims(t), 3);
  ck_assert_int_eq(ep_tensor_dim(t, 1), 896);
  ck_assert_int_eq(ep_tensor_dim(t, 5), 0);
  ck_assert_uint_eq(ep_tensor_count(t), 896 * 16);
  ck_assert_uint_eq(ep_tensor_bytes(t), 896 * 16 * 4);
  ck_assert_uint_eq((uintptr_t)ep_tensor_data(t) % EP_TENSOR_ALIGN, 0);
  ck_assert_ptr_eq(ep_tensor_cdata(t), ep_tensor_data(t));
  const float *f = ep_tensor_cdata(t);
  for (size_t i = 0; i < ep_tensor_count(t); i++)
    ck_assert(f[i] == 0.0f);
  /* The whole data area is writable (ASan checks the bound). */
  memset(ep_tensor_data(t), 0xff, ep_tensor_bytes(t));
  ep_tensor_unref(t);
}
END_TEST

START_TEST(dtypes) {
  ck_assert_uint_eq(ep_dtype_size(EP_DTYPE_FLOAT16), 2);
  ck_assert_uint_eq(ep_dtype_size(EP_DTYPE_INT8), 1);
  ck_assert_uint_eq(ep_dtype_size(EP_DTYPE_INT32), 4);
  ck_assert_str_eq(ep_dtype_name(EP_DTYPE_UINT8), "uint8");
  int dims[2] = {3, 5};
  ep_tensor *t = ep_tensor_new(EP_DTYPE_FLOAT16, 2, dims);
  ck_assert_uint_eq(ep_tensor_bytes(t), 30);
  ck_assert_int_eq(ep_tensor_dtype(t), EP_DTYPE_FLOAT16);
  ep_tensor_unref(t);
}
END_TEST

START_TEST(bad_shapes) {
  int neg[2] = {2, -1};
  int many[EP_TENSOR_MAX_DIMS + 1] = {1};
  int huge[4] = {1 << 30, 1 << 30, 1 << 30, 1 << 30};
  ck_assert_ptr_null(ep_tensor_new(EP_DTYPE_FLOAT32, 2, neg));
  ck_assert_ptr_null(ep_tensor_new(EP_DTYPE_FLOAT32, -1, neg));
  ck_assert_ptr_null(
      ep_tensor_new(EP_DTYPE_FLOAT32, EP_TENSOR_MAX_DIMS + 1, many));
  ck_assert_ptr_null(ep_tensor_new(EP_DTYPE_FLOAT32, 4, huge));
  ck_assert_ptr_null(ep_tensor_new((ep_dtype)99, 2, neg + 0));
}
END_TEST

START_TEST(scalar_and_empty) {
  ep_tensor *s = ep_tensor_new(EP_DTYPE_INT32, 0, NULL);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(ep_tensor_count(s), 1);
  *(int32_t *)ep_tensor_data(s) = 7;
  int zero[2] = {0, 4};
  ep_tensor *e = ep_tensor_new(EP_DTYPE_FLOAT32, 2, zero);
  ck_assert_ptr_nonnull(e);
  ck_assert_uint_eq(ep_tensor_bytes(e), 0);
  ck_assert_ptr_nonnull(ep_tensor_data(e));
  ep_tensor_unref(s);
  ep_tensor_unref(e);
  ep_tensor_unref(NULL);
}
END_TEST

START_TEST(vector_owns_references) {
  int d[1] = {4};
  ep_tensors *ts = ep_tensors_new();
  ep_tensor *a = ep_tensor_new(EP_DTYPE_FLOAT32, 1, d);
  ep_tensor_ref(a); /* keep one for ourselves */
  ck_assert_int_eq(ep_tensors_push(ts, a), 0);
  ck_assert_int_eq(ep_tensors_push(ts, ep_tensor_new(EP_DTYPE_INT8, 1, d)), 0);
  ck_assert_int_eq(ep_tensors_push(ts, NULL), EP_EINVAL);
  ck_assert_uint_eq(ts->n, 2);
  ck_assert_ptr_eq(ts->v[0], a);
  ep_tensors_free(ts);
  /* Our reference survives the vector. */
  ((float *)ep_tensor_data(a))[3] = 1.5f;
  ep_tensor_unref(a);
  ep_tensors_free(NULL);
}
END_TEST

START_TEST(packet_type) {
  ck_assert_str_eq(ep_type_tensors.name, "Tensors");
  ep_tensors *ts = ep_tensors_new();
  int d[3] = {1, 896, 1};
  ep_tensors_push(ts, ep_tensor_new(EP_DTYPE_FLOAT32, 3, d));
  ep_tensors_push(ts, ep_tensor_new(EP_DTYPE_UINT8, 0, NULL));
  char buf[128];
  int n = ep_type_tensors.describe(ts, buf, sizeof buf);
  ck_assert_str_eq(buf, "[{\"dtype\":\"float32\",\"shape\":[1,896,1]},"
                        "{\"dtype\":\"uint8\",\"shape\":[]}]");
  ck_assert_int_eq(n, (int)strlen(buf));
  char small[8];
  ck_assert_int_eq(ep_type_tensors.describe(ts, small, sizeof small), n);
  ck_assert_str_eq(small, "[{\"dtyp");
  /* The packet frees the vector and its tensors (ASan checks leaks). */
  ep_packet *p = ep_packet_new(&ep_type_tensors, ts, 5);
  ck_assert_ptr_eq(ep_packet_data(p), ts);
  ep_packet_unref(p);
}
END_TEST

static void *share(void *arg) {
  ep_tensor *t = arg;
  for (int i = 0; i < 10000; i++)
    ep_tensor_unref(ep_tensor_ref(t));
  return NULL;
}

START_TEST(refcount_across_threads) {
  int d[1] = {16};
  ep_tensor *t = ep_tensor_new(EP_DTYPE_FLOAT32, 1, d);
  pthread_t th[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&th[i], NULL, share, t);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  ep_tensor_unref(t); /* the last one: freed exactly once */
}
END_TEST

int main(void) {
  Suite *s = suite_create("tensor");
  TCase *tc = tcase_create("tensor");
  tcase_add_test(tc, new_is_zeroed_and_aligned);
  tcase_add_test(tc, dtypes);
  tcase_add_test(tc, bad_shapes);
  tcase_add_test(tc, scalar_and_empty);
  tcase_add_test(tc, vector_owns_references);
  tcase_add_test(tc, packet_type);
  tcase_add_test(tc, refcount_across_threads);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
