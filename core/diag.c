/* diag.c — growing a list of error lines. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vprintf_new(const char *fmt, va_list ap) {
  va_list cp;
  va_copy(cp, ap);
  int n = vsnprintf(NULL, 0, fmt, cp);
  va_end(cp);
  if (n < 0)
    return NULL;
  char *s = malloc((size_t)n + 1);
  if (s)
    vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

char *ep__strdup_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = vprintf_new(fmt, ap);
  va_end(ap);
  return s;
}

static void append(ep_diag *d, const char *s) {
  size_t n = strlen(s);
  if (d->len + n + 1 > d->cap) {
    size_t cap = d->cap ? d->cap : 256;
    while (cap < d->len + n + 1)
      cap *= 2;
    char *t = realloc(d->text, cap);
    if (!t)
      return; /* keep what we have; the count still says one was lost */
    d->text = t;
    d->cap = cap;
  }
  memcpy(d->text + d->len, s, n + 1);
  d->len += n;
}

/* Control characters (a newline inside a quoted value) would break the
 * one-line-per-problem contract: show them as C escapes. */
static void append_escaped(ep_diag *d, const char *s) {
  char buf[256];
  size_t k = 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (k + 5 >= sizeof buf) {
      buf[k] = '\0';
      append(d, buf);
      k = 0;
    }
    if (c == '\n' || c == '\t' || c == '\r') {
      buf[k++] = '\\';
      buf[k++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
    } else if (c < 0x20 || c == 0x7f) {
      k += (size_t)snprintf(buf + k, sizeof buf - k, "\\x%02x", c);
    } else {
      buf[k++] = (char)c;
    }
  }
  buf[k] = '\0';
  append(d, buf);
}

void ep__diag_add(ep_diag *d, const ep_loc *loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = vprintf_new(fmt, ap);
  va_end(ap);
  char prefix[512] = "";
  if (loc && loc->file && loc->line > 0)
    snprintf(prefix, sizeof prefix, "%s:%d:%d: ", loc->file, loc->line,
             loc->col);
  else if (loc && loc->file)
    snprintf(prefix, sizeof prefix, "%s: ", loc->file);
  d->count++;
  append(d, prefix);
  append_escaped(d, msg ? msg : "(out of memory)");
  append(d, "\n");
  free(msg);
}

char *ep__diag_take(ep_diag *d) {
  char *t = d->text;
  d->text = NULL;
  d->len = d->cap = d->count = 0;
  return t;
}

void ep__diag_clear(ep_diag *d) { free(ep__diag_take(d)); }
