/* type.h — payload type descriptors and the type registry.
 *
 * Every stream carries one type, named in the calculator contracts, so a
 * mismatch is found when the graph is validated. A type is a static
 * descriptor: its name, how to free a payload, and optionally how to
 * describe one for logs and JSON output. Descriptors are never copied; the
 * registry stores pointers to them, so they must outlive the process's use
 * of edgepipe (in practice: static const). */
#ifndef EDGEPIPE_TYPE_H
#define EDGEPIPE_TYPE_H

#include "edgepipe/common.h"

typedef struct ep_type {
  const char *name;
  /* Frees a payload when its last packet goes. NULL: nothing to free. */
  void (*free)(void *data);
  /* Optional: writes a short JSON value for data into buf (size n), with
   * snprintf semantics; returns the length it needed. */
  int (*describe)(const void *data, char *buf, size_t n);
} ep_type;

/* The wildcard of generic calculators: matches every type. */
#define EP_TYPE_ANY_NAME "Any"

/* Built-in types. Payloads: int64_t, double, bool (stored inline in the
 * packet) and a NUL-terminated char* (String). */
EP_API extern const ep_type ep_type_any;
EP_API extern const ep_type ep_type_int;
EP_API extern const ep_type ep_type_float;
EP_API extern const ep_type ep_type_bool;
EP_API extern const ep_type ep_type_string;

/* Registers a type (transfer none: t must stay valid). Registering the same
 * pointer twice is a no-op; another descriptor with a taken name gives
 * EP_EEXIST. Thread-safe. */
EP_API int ep_type_register(const ep_type *t);

/* Finds a registered type by name; NULL if none. The built-ins are always
 * registered. Thread-safe. */
EP_API const ep_type *ep_type_find(const char *name);

/* True when a producer of type `out` may feed a consumer of type `in`:
 * the same type, or either one is Any. */
EP_API bool ep_type_compatible(const ep_type *out, const ep_type *in);

#endif
