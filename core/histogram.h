/* histogram.h — a log-linear histogram of durations (internal).
 *
 * Eight buckets per power of two (relative error under 12.5%), fixed size,
 * no allocation: cheap enough to record every process() call. */
#ifndef EDGEPIPE_HISTOGRAM_H
#define EDGEPIPE_HISTOGRAM_H

#include <stdint.h>

#define EP__HIST_SUB 8
#define EP__HIST_BUCKETS (64 * EP__HIST_SUB)

typedef struct ep__histogram {
  uint64_t count, max;
  uint64_t buckets[EP__HIST_BUCKETS];
} ep__histogram;

void ep__histogram_add(ep__histogram *h, uint64_t v);
/* Adds v n times. */
void ep__histogram_add_n(ep__histogram *h, uint64_t v, uint64_t n);
/* The value at quantile q (0..1): the upper edge of its bucket, capped at
 * the largest value seen; 0 when empty. */
uint64_t ep__histogram_quantile(const ep__histogram *h, double q);

#endif
