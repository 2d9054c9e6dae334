/* suggest.c — edit distance and the nearest-name hint. */
#include "suggest.h"

#include <stdlib.h>
#include <string.h>

/* Names longer than this are not compared: no one misspells a 200-letter
 * identifier, and the table stays on the stack. */
#define MAX_LEN 127

static size_t min3(size_t a, size_t b, size_t c) {
  size_t m = a < b ? a : b;
  return m < c ? m : c;
}

size_t ep__edit_distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > MAX_LEN || m > MAX_LEN)
    return (size_t)-1;
  /* Three rows: the swap rule looks two rows back. */
  size_t rows[3][MAX_LEN + 1];
  size_t *pp = rows[0], *p = rows[1], *c = rows[2];
  for (size_t j = 0; j <= m; j++)
    p[j] = j;
  for (size_t i = 1; i <= n; i++) {
    c[0] = i;
    for (size_t j = 1; j <= m; j++) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      c[j] = min3(p[j] + 1, c[j - 1] + 1, p[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          pp[j - 2] + 1 < c[j])
        c[j] = pp[j - 2] + 1;
    }
    size_t *t = pp;
    pp = p;
    p = c;
    c = t;
  }
  return p[m];
}

void ep__suggest_init(ep_suggest *s, const char *word) {
  s->word = word;
  s->best = NULL;
  s->dist = (size_t)-1;
}

void ep__suggest_add(ep_suggest *s, const char *candidate) {
  if (!s->word || !candidate || strcmp(s->word, candidate) == 0)
    return;
  size_t d = ep__edit_distance(s->word, candidate);
  if (d < s->dist) {
    s->dist = d;
    s->best = candidate;
  }
}

const char *ep__suggest_best(const ep_suggest *s) {
  if (!s->best)
    return NULL;
  /* Allow about one typo per four letters, and at least one. */
  size_t len = strlen(s->word);
  size_t limit = len < 4 ? 1 : len / 4 + 1;
  return s->dist <= limit ? s->best : NULL;
}
