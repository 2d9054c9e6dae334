/* type.c — built-in types and the registry of named types.
 *
 * The registry is a small array behind a mutex: types are registered at
 * start-up and looked up when graphs are validated, never per packet. */
#include "edgepipe/type.h"

#include "edgepipe/error.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int describe_int(const void *d, char *buf, size_t n) {
  return snprintf(buf, n, "%" PRId64, *(const int64_t *)d);
}
static int describe_float(const void *d, char *buf, size_t n) {
  return snprintf(buf, n, "%.17g", *(const double *)d);
}
static int describe_bool(const void *d, char *buf, size_t n) {
  return snprintf(buf, n, "%s", *(const bool *)d ? "true" : "false");
}
static int describe_string(const void *d, char *buf, size_t n) {
  /* JSON string with the escapes JSON requires. */
  size_t k = 0;
  const unsigned char *s = d;
#define PUT(c)                                                                 \
  do {                                                                         \
    if (k + 1 < n)                                                             \
      buf[k] = (char)(c);                                                      \
    k++;                                                                       \
  } while (0)
  PUT('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') {
      PUT('\\');
      PUT(*s);
    } else if (*s < 0x20) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", *s);
      for (char *e = esc; *e; e++)
        PUT(*e);
    } else {
      PUT(*s);
    }
  }
  PUT('"');
#undef PUT
  if (n)
    buf[k < n ? k : n - 1] = '\0';
  return (int)k;
}

const ep_type ep_type_any = {EP_TYPE_ANY_NAME, NULL, NULL};
const ep_type ep_type_int = {"Int", NULL, describe_int};
const ep_type ep_type_float = {"Float", NULL, describe_float};
const ep_type ep_type_bool = {"Bool", NULL, describe_bool};
const ep_type ep_type_string = {"String", free, describe_string};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static const ep_type **reg;
static size_t reg_len, reg_cap;

static const ep_type *const builtins[] = {
    &ep_type_any, &ep_type_int, &ep_type_float, &ep_type_bool, &ep_type_string};

/* The payload types of the built-in calculators (generated table). */
extern const ep_type *const ep__builtin_types[];

static const ep_type *find_locked(const char *name) {
  for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
    if (strcmp(builtins[i]->name, name) == 0)
      return builtins[i];
  for (size_t i = 0; ep__builtin_types[i]; i++)
    if (strcmp(ep__builtin_types[i]->name, name) == 0)
      return ep__builtin_types[i];
  for (size_t i = 0; i < reg_len; i++)
    if (strcmp(reg[i]->name, name) == 0)
      return reg[i];
  return NULL;
}

int ep_type_register(const ep_type *t) {
  if (!t || !t->name || !*t->name)
    return EP_EINVAL;
  pthread_mutex_lock(&reg_lock);
  int rc = 0;
  const ep_type *old = find_locked(t->name);
  if (old) {
    rc = old == t ? 0 : EP_EEXIST;
  } else if (reg_len == reg_cap) {
    size_t cap = reg_cap ? reg_cap * 2 : 16;
    const ep_type **n = realloc(reg, cap * sizeof *n);
    if (!n)
      rc = EP_ENOMEM;
    else {
      reg = n;
      reg_cap = cap;
    }
  }
  if (rc == 0 && !old)
    reg[reg_len++] = t;
  pthread_mutex_unlock(&reg_lock);
  return rc;
}

const ep_type *ep_type_find(const char *name) {
  if (!name)
    return NULL;
  pthread_mutex_lock(&reg_lock);
  const ep_type *t = find_locked(name);
  pthread_mutex_unlock(&reg_lock);
  return t;
}

bool ep_type_compatible(const ep_type *out, const ep_type *in) {
  return out == in || out == &ep_type_any || in == &ep_type_any;
}
