/* fuzz_validate.c — load (parse, read, expand subgraphs), validate and
 * print arbitrary graph text. The first byte picks the format; the rest is
 * the graph. The input is also registered as a subgraph when it declares a
 * type, so that self-use and recursion get exercised, next to a fixed
 * subgraph the input may use. Nothing may crash, hang or leak; every
 * error line must name its file; and a pbtxt graph that validates must
 * print a canonical form that loads again and prints the same. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graph_config.h"
#include "subgraph.h"
#include "test_calculators.h"

static const char fixed_sub[] = "type: \"PairTestSubgraph\"\n"
                                "input_stream: \"IN:in\"\n"
                                "output_stream: \"OUT:out\"\n"
                                "node { name: \"a\" calculator: "
                                "\"PassTestCalculator\" input_stream: \"in\" "
                                "output_stream: \"mid\" }\n"
                                "node { calculator: \"PassTestCalculator\" "
                                "input_stream: \"mid\" output_stream: "
                                "\"out\" }\n";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each line starts with one of the names the inputs were given. */
static void check_places(const char *err) {
  static const char *const files[] = {"fuzz:", "self:", "pair.pbtxt:"};
  for (const char *line = err; line && *line;) {
    bool ok = strncmp(line, "out of memory", 13) == 0;
    for (size_t i = 0; i < 3 && !ok; i++)
      ok = strncmp(line, files[i], strlen(files[i])) == 0;
    if (!ok)
      abort();
    line = strchr(line, '\n');
    line = line ? line + 1 : NULL;
  }
}

/* The canonical text of a valid pbtxt graph is a fixed point. */
static void check_round_trip(const ep_graph_config *cfg) {
  char *text = ep__graph_config_to_pbtxt(cfg), *err = NULL;
  ep_graph_config *again = NULL;
  if (!text || ep__graph_config_load_string(text, strlen(text), "pbtxt", "fuzz",
                                            &again, &err) < 0)
    abort();
  char *text2 = ep__graph_config_to_pbtxt(again);
  if (!text2 || strcmp(text, text2) != 0)
    abort();
  free(text);
  free(text2);
  free(err);
  ep__graph_config_free(again);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  ep_test_calculators_register();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 16384)
    return 0;
  const char *format = data[0] & 1 ? "yaml" : "pbtxt";
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  char *err = NULL;
  ep__subgraph_clear();
  ep__subgraph_register_string(fixed_sub, strlen(fixed_sub), "pbtxt",
                               "pair.pbtxt", &err);
  free(err);
  err = NULL;
  ep__subgraph_register_string(text, len, format, "self", &err);
  free(err);
  err = NULL;
  ep_graph_config *cfg = NULL;
  if (ep__graph_config_load_string(text, len, format, "fuzz", &cfg, &err) ==
      0) {
    free(err);
    err = NULL;
    int rc = ep__graph_config_validate(cfg, &err);
    check_places(err);
    if (rc == 0 && !(data[0] & 1))
      check_round_trip(cfg);
    free(ep__graph_config_to_pbtxt(cfg));
    free(ep__graph_config_to_dot(cfg));
    ep__graph_config_free(cfg);
  } else {
    check_places(err);
  }
  free(err);
  return 0;
}
