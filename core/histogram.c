/* histogram.c — log-linear buckets: values below 8 have one bucket each;
 * above, each power of two is split into eight equal parts. */
#include "histogram.h"

static int bucket_of(uint64_t v) {
  if (v < EP__HIST_SUB)
    return (int)v;
  int e = 63 - __builtin_clzll(v); /* v in [2^e, 2^(e+1)), e >= 3 */
  int sub = (int)((v >> (e - 3)) & (EP__HIST_SUB - 1));
  return (e - 2) * EP__HIST_SUB + sub;
}

/* The largest value that falls in bucket b. */
static uint64_t bucket_top(int b) {
  if (b < EP__HIST_SUB)
    return (uint64_t)b;
  int e = b / EP__HIST_SUB + 2;
  uint64_t sub = (uint64_t)(b % EP__HIST_SUB);
  uint64_t lo = (1ull << e) + (sub << (e - 3));
  return lo + (1ull << (e - 3)) - 1;
}

void ep__histogram_add_n(ep__histogram *h, uint64_t v, uint64_t n) {
  h->buckets[bucket_of(v)] += n;
  h->count += n;
  if (n && v > h->max)
    h->max = v;
}

void ep__histogram_add(ep__histogram *h, uint64_t v) {
  ep__histogram_add_n(h, v, 1);
}

uint64_t ep__histogram_quantile(const ep__histogram *h, double q) {
  if (h->count == 0)
    return 0;
  uint64_t rank = (uint64_t)(q * (double)h->count);
  if (rank >= h->count)
    rank = h->count - 1;
  uint64_t seen = 0;
  for (int b = 0; b < EP__HIST_BUCKETS; b++) {
    seen += h->buckets[b];
    if (seen > rank) {
      uint64_t top = bucket_top(b);
      return top < h->max ? top : h->max;
    }
  }
  return h->max;
}
