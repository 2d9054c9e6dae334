/* diag.h — collecting error messages (internal).
 *
 * Validation reports every problem it finds, not just the first; each is a
 * line "file:line:col: message" (or just "message" without a place). */
#ifndef EDGEPIPE_DIAG_H
#define EDGEPIPE_DIAG_H

#include "edgepipe/common.h"

typedef struct ep_diag {
  size_t count; /* messages added */
  char *text;   /* the lines, each ending in '\n'; NULL while empty */
  size_t len, cap;
} ep_diag;

/* Appends one line; loc may be NULL or have no file. Control characters
 * in the message (from quoted values) are written as C escapes, so a
 * message is always one line. */
void ep__diag_add(ep_diag *d, const ep_loc *loc, const char *fmt, ...)
    EP_PRINTF(3, 4);
/* Hands the text over (caller frees; NULL if empty) and resets d. */
char *ep__diag_take(ep_diag *d);
void ep__diag_clear(ep_diag *d);

/* printf into a new malloc'd string; NULL on out-of-memory. */
char *ep__strdup_printf(const char *fmt, ...) EP_PRINTF(1, 2);

#endif
