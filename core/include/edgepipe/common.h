/* common.h — export macro and the few definitions every public header needs.
 *
 * Everything edgepipe exports carries EP_API; the library is built with
 * hidden visibility, so a symbol without it is private to libedgepipe. */
#ifndef EDGEPIPE_COMMON_H
#define EDGEPIPE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(EP_BUILDING_LIBRARY) && defined(__GNUC__)
#define EP_API __attribute__((visibility("default")))
#else
#define EP_API
#endif

#if defined(__GNUC__)
#define EP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define EP_PRINTF(fmt, args)
#endif

#define EP_VERSION_MAJOR 0
#define EP_VERSION_MINOR 1
#define EP_VERSION_PATCH 0
#define EP_VERSION_HEX                                                         \
  ((EP_VERSION_MAJOR << 16) | (EP_VERSION_MINOR << 8) | EP_VERSION_PATCH)
#define EP__STR(x) #x
#define EP__XSTR(x) EP__STR(x)
/* "major.minor.patch" of the headers, e.g. "0.1.0". */
#define EP_VERSION_STRING                                                      \
  EP__XSTR(EP_VERSION_MAJOR)                                                   \
  "." EP__XSTR(EP_VERSION_MINOR) "." EP__XSTR(EP_VERSION_PATCH)

/* The library's version as "major.minor.patch" (static storage). */
EP_API const char *ep_version(void);

/* A place in a graph file; file is borrowed from whoever loaded the file
 * and lives as long as the config tree that points at it. */
typedef struct ep_loc {
  const char *file;
  int line; /* 1-based; 0 when unknown */
  int col;  /* 1-based; 0 when unknown */
} ep_loc;

#endif
