/* registry.h — calculators by name.
 *
 * Built-in calculators are listed in one table generated at build time
 * (no constructor tricks); apps register their own with
 * ep_calculator_register(), and plugins load from shared objects that
 * export one descriptor. */
#ifndef EDGEPIPE_REGISTRY_H
#define EDGEPIPE_REGISTRY_H

#include "edgepipe/calculator.h"

/* Registers def (transfer none: it must outlive every graph that uses it).
 * EP_EABI if def->abi_version != EP_CALCULATOR_ABI, EP_EEXIST if another
 * descriptor has the name, EP_EINVAL if def or its name is NULL. The same
 * pointer twice is a no-op. Thread-safe. */
EP_API int ep_calculator_register(const ep_calculator_def *def);

/* Finds a calculator by name (built-ins included); NULL if none. */
EP_API const ep_calculator_def *ep_calculator_find(const char *name);

/* Calls fn for every known calculator, built-ins first, in a stable order. */
EP_API void ep_calculator_foreach(void (*fn)(const ep_calculator_def *def,
                                             void *user),
                                  void *user);

/* The symbol a plugin exports: a NULL-terminated array of descriptors.
 * Declare it as
 *   EP_PLUGIN_EXPORT const ep_plugin_desc edgepipe_plugin = {...};
 * so that it stays visible when the plugin builds with hidden visibility. */
#define EP_PLUGIN_SYMBOL "edgepipe_plugin"
#if defined(__GNUC__)
#define EP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define EP_PLUGIN_EXPORT
#endif
typedef struct ep_plugin_desc {
  int abi_version;                             /* EP_CALCULATOR_ABI */
  const ep_calculator_def *const *calculators; /* NULL-terminated */
} ep_plugin_desc;

/* Loads a plugin shared object and registers its calculators. On failure
 * returns a negative code and, if errmsg is not NULL, sets *errmsg to a
 * message naming the file and the problem (free() it). */
EP_API int ep_plugin_load(const char *path, char **errmsg);

#endif
