/* fuzz_yaml.c — the YAML parser on arbitrary bytes. */
#include <stdint.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  const char *text = (const char *)data;
  int rc = ep__cfg_parse_yaml(text, size, "fuzz.yaml", &doc, &err);
  check_result(rc, doc, err, "fuzz.yaml", text, size);
  return 0;
}
