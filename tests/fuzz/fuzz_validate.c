/* fuzz_validate.c — load (parse, read, expand subgraphs), validate and
 * print arbitrary graph text. The first byte picks the format; the rest is
 * the graph. The input is also registered as a subgraph when it declares a
 * type, so that self-use and recursion get exercised, next to a fixed
 * subgraph the input may use. Nothing may crash, hang or leak. */
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
    ep__graph_config_validate(cfg, &err);
    free(ep__graph_config_to_pbtxt(cfg));
    free(ep__graph_config_to_dot(cfg));
    ep__graph_config_free(cfg);
  }
  free(err);
  return 0;
}
