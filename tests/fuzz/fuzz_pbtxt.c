/* fuzz_pbtxt.c — the pbtxt parser on arbitrary bytes. */
#include <stdint.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ep_cfg_doc *doc = NULL;
  char *err = NULL;
  const char *text = (const char *)data;
  int rc = ep__cfg_parse_pbtxt(text, size, "fuzz.pbtxt", &doc, &err);
  check_result(rc, doc, err, "fuzz.pbtxt", text, size);
  return 0;
}
