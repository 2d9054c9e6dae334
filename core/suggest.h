/* suggest.h — "did you mean" hints for misspelled names (internal).
 *
 * Feed every valid name to a suggester; the closest one by edit distance
 * (insertions, deletions, substitutions and swaps of neighbours) is offered
 * when it is near enough to be a plausible typo. */
#ifndef EDGEPIPE_SUGGEST_H
#define EDGEPIPE_SUGGEST_H

#include "edgepipe/common.h"

typedef struct ep_suggest {
  const char *word; /* the misspelled name (borrowed) */
  const char *best; /* borrowed from a candidate; NULL until one is near */
  size_t dist;
} ep_suggest;

void ep__suggest_init(ep_suggest *s, const char *word);
/* Offers a candidate (borrowed: must outlive the suggester's use). */
void ep__suggest_add(ep_suggest *s, const char *candidate);
/* The nearest candidate close enough to suggest, or NULL. */
const char *ep__suggest_best(const ep_suggest *s);

/* Edit distance (optimal string alignment) between a and b. */
size_t ep__edit_distance(const char *a, const char *b);

#endif
