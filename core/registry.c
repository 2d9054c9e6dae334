/* registry.c — calculators by name: the generated builtin table, those
 * registered at run time, and plugins loaded from shared objects.
 *
 * Locking: reg_lock guards the dynamic list; the builtin table is const. */
#include "edgepipe/registry.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

extern const ep_calculator_def *const ep__builtin_calculators[];

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static const ep_calculator_def **dyn;
static size_t dyn_len, dyn_cap;

static const ep_calculator_def *find_locked(const char *name) {
  for (size_t i = 0; ep__builtin_calculators[i]; i++)
    if (strcmp(ep__builtin_calculators[i]->name, name) == 0)
      return ep__builtin_calculators[i];
  for (size_t i = 0; i < dyn_len; i++)
    if (strcmp(dyn[i]->name, name) == 0)
      return dyn[i];
  return NULL;
}

int ep_calculator_register(const ep_calculator_def *def) {
  if (!def || !def->name || !*def->name)
    return EP_EINVAL;
  if (def->abi_version != EP_CALCULATOR_ABI)
    return EP_EABI;
  int rc = 0;
  pthread_mutex_lock(&reg_lock);
  const ep_calculator_def *old = find_locked(def->name);
  if (old) {
    rc = old == def ? 0 : EP_EEXIST;
  } else {
    if (dyn_len == dyn_cap) {
      size_t cap = dyn_cap ? dyn_cap * 2 : 16;
      const ep_calculator_def **n = realloc(dyn, cap * sizeof *n);
      if (!n)
        rc = EP_ENOMEM;
      else {
        dyn = n;
        dyn_cap = cap;
      }
    }
    if (rc == 0)
      dyn[dyn_len++] = def;
  }
  pthread_mutex_unlock(&reg_lock);
  return rc;
}

const ep_calculator_def *ep_calculator_find(const char *name) {
  if (!name)
    return NULL;
  pthread_mutex_lock(&reg_lock);
  const ep_calculator_def *d = find_locked(name);
  pthread_mutex_unlock(&reg_lock);
  return d;
}

void ep_calculator_foreach(void (*fn)(const ep_calculator_def *, void *),
                           void *user) {
  for (size_t i = 0; ep__builtin_calculators[i]; i++)
    fn(ep__builtin_calculators[i], user);
  /* Copy under the lock so fn may register calculators itself. */
  pthread_mutex_lock(&reg_lock);
  size_t n = dyn_len;
  const ep_calculator_def **copy = n ? malloc(n * sizeof *copy) : NULL;
  if (copy)
    memcpy(copy, dyn, n * sizeof *copy);
  pthread_mutex_unlock(&reg_lock);
  for (size_t i = 0; copy && i < n; i++)
    fn(copy[i], user);
  free(copy);
}

static int fail(char **errmsg, int rc, const char *path, const char *what) {
  if (errmsg)
    *errmsg = ep__strdup_printf("%s: %s", path, what);
  return rc;
}

int ep_plugin_load(const char *path, char **errmsg) {
  if (errmsg)
    *errmsg = NULL;
  if (!path)
    return EP_EINVAL;
  /* The handle is kept for the life of the process: registered
   * descriptors point into the object. */
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h)
    return fail(errmsg, EP_ENOENT, path, dlerror());
  const ep_plugin_desc *desc = dlsym(h, EP_PLUGIN_SYMBOL);
  if (!desc) {
    dlclose(h);
    return fail(errmsg, EP_ENOTFOUND, path,
                "not an edgepipe plugin (no '" EP_PLUGIN_SYMBOL "' symbol)");
  }
  if (desc->abi_version != EP_CALCULATOR_ABI) {
    char what[160];
    snprintf(what, sizeof what,
             "plugin ABI version %d, but this edgepipe needs %d",
             desc->abi_version, EP_CALCULATOR_ABI);
    dlclose(h);
    return fail(errmsg, EP_EABI, path, what);
  }
  for (size_t i = 0; desc->calculators && desc->calculators[i]; i++) {
    const ep_calculator_def *d = desc->calculators[i];
    int rc = ep_calculator_register(d);
    if (rc < 0) {
      char what[256];
      snprintf(what, sizeof what, "cannot register calculator '%s': %s",
               d->name ? d->name : "(null)", ep_strerror(rc));
      return fail(errmsg, rc, path, what);
    }
  }
  return 0;
}
