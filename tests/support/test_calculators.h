/* test_calculators.h — small calculators with declared contracts for the
 * graph-config, validation and pipe-run tests. They never run: only their
 * contracts matter. Names end in "TestCalculator" so they cannot clash
 * with the built-in ones. */
#ifndef EDGEPIPE_TEST_CALCULATORS_H
#define EDGEPIPE_TEST_CALCULATORS_H

#include "edgepipe/registry.h"

/* The descriptors, NULL-terminated. */
extern const ep_calculator_def *const ep_test_calculators[];

/* Registers them all; returns 0 or the first error. Inline so that the
 * plugin build, which only exports the list, needs no registry symbols. */
static inline int ep_test_calculators_register(void) {
  for (size_t i = 0; ep_test_calculators[i]; i++) {
    int rc = ep_calculator_register(ep_test_calculators[i]);
    if (rc < 0)
      return rc;
  }
  return 0;
}

#endif
