/* graph_util.h — helpers for the graph-config tests: load graph text
 * through the real parsers, and collect what load + validate say. */
#ifndef EDGEPIPE_TEST_GRAPH_UTIL_H
#define EDGEPIPE_TEST_GRAPH_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_config.h"
#include "test_calculators.h"

/* Loads text as "t.pbtxt" or "t.yaml" (format "pbtxt"/"yaml"). */
static inline ep_graph_config *gt_load(const char *format, const char *text,
                                       char **err) {
  ep_graph_config *cfg = NULL;
  const char *name = strcmp(format, "yaml") == 0 ? "t.yaml" : "t.pbtxt";
  *err = NULL;
  ep__graph_config_load_string(text, strlen(text), format, name, &cfg, err);
  return cfg;
}

/* gt_load that must succeed: a failure fails the test with the loader's
 * message. */
static inline ep_graph_config *gt_load_ok(const char *format,
                                          const char *text) {
  char *err = NULL;
  ep_graph_config *cfg = gt_load(format, text, &err);
  ck_assert_msg(cfg, "%s", err ? err : "(no message)");
  free(err);
  return cfg;
}

/* Everything load and then validate report, as one string ("" when the
 * graph is fine). Caller frees. */
static inline char *gt_check(const char *format, const char *text) {
  char *err = NULL;
  ep_graph_config *cfg = gt_load(format, text, &err);
  if (cfg) {
    free(err);
    err = NULL;
    ep__graph_config_validate(cfg, &err);
    ep__graph_config_free(cfg);
  }
  return err ? err : strdup("");
}

/* EP_SOURCE_ROOT/rel. Caller frees. */
static inline char *gt_source_path(const char *rel) {
  const char *root = getenv("EP_SOURCE_ROOT");
  size_t n = strlen(root ? root : ".") + strlen(rel) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", root ? root : ".", rel);
  return p;
}

#define gt_assert_check(format, text, expected)                                \
  do {                                                                         \
    char *got_ = gt_check(format, text);                                       \
    ck_assert_str_eq(got_, expected);                                          \
    free(got_);                                                                \
  } while (0)

#endif
