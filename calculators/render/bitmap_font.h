/* bitmap_font.h — a small 5x7 bitmap font for text annotations, so the
 * overlay needs no font library. Internal (ep__ prefix). */
#ifndef EDGEPIPE_CALC_BITMAP_FONT_H
#define EDGEPIPE_CALC_BITMAP_FONT_H

#include <stdint.h>

#define EP_FONT_W 5       /* glyph columns */
#define EP_FONT_H 7       /* glyph rows */
#define EP_FONT_ADVANCE 6 /* columns from one glyph to the next */

/* The 7 rows of c's glyph, top first; bit 4 of a row is its left column.
 * Lower case draws as upper case; characters without a glyph draw as '?'.
 * Static storage. */
const uint8_t *ep__font_glyph(char c);

#endif
