/* The TFLite reader on the real model and on corrupted copies of it: every
 * corruption gives "NAME: <what> at offset N" and none crashes (this suite
 * runs under ASan+UBSan). The test finds the places to corrupt by walking
 * the flatbuffer itself. */
#include <check.h>
#include <stdint.h>

#include "edgepipe/error.h"
#include "infer_test.h"
#include "model.h"
#include "tflite_reader.h"

static unsigned char *model;
static size_t model_size;

static uint32_t rd32(const unsigned char *b, size_t p) {
  return (uint32_t)b[p] | (uint32_t)b[p + 1] << 8 | (uint32_t)b[p + 2] << 16 |
         (uint32_t)b[p + 3] << 24;
}
static void wr32(unsigned char *b, size_t p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    b[p + i] = (unsigned char)(v >> (8 * i));
}

/* Where field id of the table at t is stored (0: absent). */
static size_t field_pos(const unsigned char *b, size_t t, int id) {
  size_t vt = t - (size_t)(int32_t)rd32(b, t);
  unsigned vs = b[vt] | b[vt + 1] << 8;
  if (4 + 2 * (unsigned)id >= vs)
    return 0;
  unsigned off = b[vt + 4 + 2 * id] | b[vt + 5 + 2 * id] << 8;
  return off ? t + off : 0;
}
static size_t deref(const unsigned char *b, size_t p) { return p + rd32(b, p); }

static ep__tfl_model *parse_ok(const unsigned char *b, size_t n) {
  ep__tfl_model *m;
  char *msg = NULL;
  int rc = ep__tfl_parse(b, n, "model.tflite", &m, &msg);
  ck_assert_msg(rc == 0, "%s", msg ? msg : "?");
  return m;
}

/* Parses b and expects failure with exactly `want`. */
static void expect_msg(const unsigned char *b, size_t n, const char *want) {
  ep__tfl_model *m;
  char *msg = NULL;
  ck_assert_int_eq(ep__tfl_parse(b, n, "model.tflite", &m, &msg), EP_EMODEL);
  ck_assert_ptr_null(m);
  ck_assert_msg(strcmp(msg, want) == 0, "got \"%s\"\nwant \"%s\"", msg, want);
  free(msg);
}

/* A model-level failure must name the file and an offset inside it. */
static void expect_clean_failure(const unsigned char *b, size_t n) {
  ep__model *m;
  char *msg = NULL;
  int rc = ep__model_load_memory(b, n, "model.tflite", &m, &msg);
  if (rc == 0) {
    ep__model_free(m);
    return;
  }
  ck_assert_msg(rc == EP_EMODEL || rc == EP_EUNSUPPORTED, "rc %d", rc);
  ck_assert_msg(strncmp(msg, "model.tflite: ", 14) == 0, "%s", msg);
  if (rc == EP_EMODEL) {
    const char *at = strstr(msg, " at offset ");
    ck_assert_msg(at != NULL, "%s", msg);
    ck_assert_uint_le(strtoull(at + 11, NULL, 10), n);
  }
  free(msg);
}

START_TEST(reads_short_range) {
  ep__tfl_model *m = parse_ok(model, model_size);
  ck_assert_uint_eq(m->version, 3);
  ck_assert_uint_eq(m->n_inputs, 1);
  ck_assert_uint_eq(m->n_outputs, 2);
  const ep__tfl_tensor *in = &m->tensors[m->inputs[0]];
  ck_assert_str_eq(in->name, "input");
  ck_assert_int_eq(in->type, EP__TFL_FLOAT32);
  ck_assert_int_eq(in->dims[1], 128);
  ck_assert_str_eq(m->tensors[m->outputs[0]].name, "regressors");
  ck_assert_str_eq(m->tensors[m->outputs[1]].name, "classificators");
  /* The weights are float16 constants, widened by DEQUANTIZE ops. */
  int dequant = 0, conv = 0;
  for (size_t i = 0; i < m->n_ops; i++) {
    const ep__tfl_op *op = &m->ops[i];
    if (op->opcode == EP__TFL_DEQUANTIZE) {
      const ep__tfl_tensor *t = &m->tensors[op->inputs[0]];
      ck_assert_int_eq(t->type, EP__TFL_FLOAT16);
      ck_assert_ptr_nonnull(t->data);
      ck_assert_uint_le(t->data_offset + t->size, model_size);
      dequant++;
    }
    if (op->opcode == EP__TFL_CONV_2D) {
      ck_assert_int_ge(op->opt.conv.stride_h, 1);
      ck_assert_int_eq(op->opt.conv.dilation_h, 1);
      conv++;
    }
  }
  ck_assert_int_gt(dequant, 10);
  ck_assert_int_gt(conv, 10);
  ck_assert_str_eq(ep__tfl_op_name(EP__TFL_RESIZE_BILINEAR), "RESIZE_BILINEAR");
  ck_assert_str_eq(ep__tfl_op_name(999), "UNKNOWN");
  ep__tfl_free(m);
}
END_TEST

START_TEST(bad_identifier) {
  unsigned char *b = malloc(model_size);
  memcpy(b, model, model_size);
  memcpy(b + 4, "TFL2", 4);
  expect_msg(b, model_size,
             "model.tflite: not a TFLite model (file "
             "identifier is not \"TFL3\") at offset 4");
  expect_msg(b, 5,
             "model.tflite: file is too short for a TFLite model (5 "
             "bytes) at offset 5");
  expect_msg((const unsigned char *)"", 0,
             "model.tflite: file is too short for a TFLite model (0 bytes) "
             "at offset 0");
  free(b);
}
END_TEST

START_TEST(truncated_everywhere) {
  /* Every length up to 2 KiB, then every 61st: all fail cleanly. The data
   * at the end is weights, so cutting anywhere must be noticed. */
  int failures = 0, tries = 0;
  for (size_t n = 0; n < model_size; n += n < 2048 ? 1 : 61) {
    unsigned char *b = malloc(n ? n : 1); /* exact size: ASan sees overreads */
    memcpy(b, model, n);
    ep__tfl_model *m;
    char *msg = NULL;
    int rc = ep__tfl_parse(b, n, "model.tflite", &m, &msg);
    tries++;
    if (rc) {
      failures++;
      ck_assert_int_eq(rc, EP_EMODEL);
      ck_assert_msg(strncmp(msg, "model.tflite: ", 14) == 0 &&
                        strstr(msg, " at offset "),
                    "%s", msg);
      free(msg);
    } else {
      ep__tfl_free(m);
    }
    free(b);
  }
  ck_assert_int_eq(failures, tries);
}
END_TEST

START_TEST(offsets_out_of_range) {
  unsigned char *b = malloc(model_size);
  char want[256];
  /* The root offset. */
  memcpy(b, model, model_size);
  wr32(b, 0, 0x7ffffff0u);
  snprintf(want, sizeof want,
           "model.tflite: offset %u points outside the file at offset 0",
           0x7ffffff0u);
  expect_msg(b, model_size, want);
  /* The root table's vtable offset. */
  memcpy(b, model, model_size);
  size_t root = rd32(b, 0);
  wr32(b, root, (uint32_t)-0x100000);
  snprintf(want, sizeof want,
           "model.tflite: vtable offset %d points outside the file at "
           "offset %zu",
           -0x100000, root);
  expect_msg(b, model_size, want);
  /* The subgraphs field's offset. */
  memcpy(b, model, model_size);
  size_t sgf = field_pos(b, root, 2);
  ck_assert_uint_ne(sgf, 0);
  wr32(b, sgf, (uint32_t)(model_size - sgf));
  snprintf(want, sizeof want,
           "model.tflite: unexpected end of file (need 4 bytes, file has "
           "%zu) at offset %zu",
           model_size, model_size);
  expect_msg(b, model_size, want);
  free(b);
}
END_TEST

START_TEST(vector_past_end) {
  unsigned char *b = malloc(model_size);
  memcpy(b, model, model_size);
  size_t root = rd32(b, 0);
  size_t sgs = deref(b, field_pos(b, root, 2));
  size_t sg = deref(b, sgs + 4);
  size_t tensors = deref(b, field_pos(b, sg, 0));
  wr32(b, tensors, 0x01000000u);
  char want[256];
  snprintf(want, sizeof want,
           "model.tflite: vector of %u elements runs past the end of the "
           "file at offset %zu",
           0x01000000u, tensors);
  expect_msg(b, model_size, want);
  /* A buffer's byte vector too long by one. */
  memcpy(b, model, model_size);
  size_t bufs = deref(b, field_pos(b, root, 4));
  size_t data = 0, k;
  for (k = 1; k < rd32(b, bufs) && !data; k++) {
    size_t f = field_pos(b, deref(b, bufs + 4 + 4 * k), 0);
    data = f ? deref(b, f) : 0;
  }
  ck_assert_uint_ne(data, 0);
  uint32_t len = (uint32_t)(model_size - data - 4 + 1);
  wr32(b, data, len);
  snprintf(want, sizeof want,
           "model.tflite: vector of %u elements runs past the end of the "
           "file at offset %zu",
           len, data);
  expect_msg(b, model_size, want);
  free(b);
}
END_TEST

START_TEST(bad_vtable_and_fields) {
  unsigned char *b = malloc(model_size);
  memcpy(b, model, model_size);
  size_t root = rd32(b, 0);
  size_t vt = root - (size_t)(int32_t)rd32(b, root);
  b[vt] = 3, b[vt + 1] = 0; /* odd vtable size */
  char want[256];
  snprintf(want, sizeof want, "model.tflite: bad vtable size 3 at offset %zu",
           vt);
  expect_msg(b, model_size, want);
  /* A field offset beyond its table's size. */
  memcpy(b, model, model_size);
  unsigned tsize = b[vt + 2] | b[vt + 3] << 8;
  b[vt + 4 + 2 * 2] = (unsigned char)tsize;
  b[vt + 5 + 2 * 2] = (unsigned char)(tsize >> 8);
  snprintf(want, sizeof want,
           "model.tflite: field 2 lies outside its table (offset %u, table "
           "size %u) at offset %zu",
           tsize, tsize, vt + 8);
  expect_msg(b, model_size, want);
  free(b);
}
END_TEST

START_TEST(bad_indexes) {
  unsigned char *b = malloc(model_size);
  memcpy(b, model, model_size);
  size_t root = rd32(b, 0);
  size_t sg = deref(b, deref(b, field_pos(b, root, 2)) + 4);
  size_t ops = deref(b, field_pos(b, sg, 3));
  size_t op0 = deref(b, ops + 4);
  size_t ins = deref(b, field_pos(b, op0, 1));
  wr32(b, ins + 4, 5000); /* op 0's first input */
  char want[256];
  ep__tfl_model *m = parse_ok(model, model_size);
  snprintf(want, sizeof want,
           "model.tflite: tensor index 5000 is out of range (%zu tensors) at "
           "offset %zu",
           m->n_tensors, op0);
  ep__tfl_free(m);
  expect_msg(b, model_size, want);
  free(b);
}
END_TEST

/* Deterministic random damage: bytes flipped, 32-bit words replaced by
 * small or huge values. Each copy must load or fail cleanly. */
START_TEST(random_damage) {
  uint64_t s = 0x9e3779b97f4a7c15u;
  unsigned char *b = malloc(model_size);
  for (int round = 0; round < 1500; round++) {
    memcpy(b, model, model_size);
    for (int k = 0; k < 1 + round % 4; k++) {
      s = s * 6364136223846793005u + 1442695040888963407u;
      size_t p = (size_t)(s >> 33) % (model_size < 8192 ? model_size : 8192);
      if (round % 3 == 0)
        b[p] ^= (unsigned char)(1u << (s >> 29 & 7));
      else if (p + 4 <= model_size)
        wr32(b, p & ~(size_t)3,
             round % 3 == 1 ? (uint32_t)(s >> 40) % 4096 : (uint32_t)(s >> 20));
    }
    expect_clean_failure(b, model_size);
  }
  free(b);
}
END_TEST

int main(void) {
  int skip = models_missing();
  if (skip)
    return skip;
  model = read_all(src_path("models/face_detection_short_range.tflite"),
                   &model_size);
  Suite *s = suite_create("inference_tflite_reader");
  TCase *tc = tcase_create("reader");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, reads_short_range);
  tcase_add_test(tc, bad_identifier);
  tcase_add_test(tc, truncated_everywhere);
  tcase_add_test(tc, offsets_out_of_range);
  tcase_add_test(tc, vector_past_end);
  tcase_add_test(tc, bad_vtable_and_fields);
  tcase_add_test(tc, bad_indexes);
  tcase_add_test(tc, random_damage);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  free(model);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
