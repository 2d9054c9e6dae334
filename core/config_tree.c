/* config_tree.c — the config tree both graph-file parsers build: nodes,
 * docs, lookups, and reading a graph file by its extension. */
#include "config_tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "edgepipe/error.h"

/* Graph files are small; anything this big is a mistake, not a graph. */
#define MAX_FILE_SIZE (64u << 20)

ep_cfg_node *ep__cfg_node_new(ep_cfg_kind kind, const char *name, ep_loc loc) {
  ep_cfg_node *n = calloc(1, sizeof *n);
  if (!n)
    return NULL;
  n->kind = kind;
  n->loc = loc;
  n->name_loc = loc;
  if (name && !(n->name = strdup(name))) {
    free(n);
    return NULL;
  }
  return n;
}

int ep__cfg_node_set_str(ep_cfg_node *n, const char *s, size_t len) {
  char *c = malloc(len + 1);
  if (!c)
    return EP_ENOMEM;
  if (len)
    memcpy(c, s, len);
  c[len] = '\0';
  free(n->str);
  n->str = c;
  n->len = len;
  return 0;
}

int ep__cfg_node_set_int(ep_cfg_node *n, bool negative, uint64_t magnitude) {
  if (negative) {
    if (magnitude > (uint64_t)INT64_MAX + 1)
      return EP_ERANGE;
    /* -(2^63) has no positive int64 twin, so negate in unsigned. */
    n->i =
        magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
    n->u = 0;
    n->f = -(double)magnitude;
  } else {
    n->i = magnitude > INT64_MAX ? INT64_MAX : (int64_t)magnitude;
    n->u = magnitude;
    n->f = (double)magnitude;
  }
  return 0;
}

void ep__cfg_node_append(ep_cfg_node *msg, ep_cfg_node *field) {
  field->next = NULL;
  if (msg->last)
    msg->last->next = field;
  else
    msg->first = field;
  msg->last = field;
}

void ep__cfg_node_free(ep_cfg_node *n) {
  if (!n)
    return;
  ep_cfg_node *c = n->first;
  while (c) {
    ep_cfg_node *next = c->next;
    ep__cfg_node_free(c); /* depth is bounded by the parsers' limits */
    c = next;
  }
  free(n->name);
  free(n->str);
  free(n);
}

const ep_cfg_node *ep__cfg_find(const ep_cfg_node *msg, const char *name) {
  if (!msg || !name)
    return NULL;
  for (const ep_cfg_node *c = msg->first; c; c = c->next)
    if (c->name && strcmp(c->name, name) == 0)
      return c;
  return NULL;
}

size_t ep__cfg_count(const ep_cfg_node *msg, const char *name) {
  size_t n = 0;
  if (!msg || !name)
    return 0;
  for (const ep_cfg_node *c = msg->first; c; c = c->next)
    if (c->name && strcmp(c->name, name) == 0)
      n++;
  return n;
}

ep_cfg_doc *ep__cfg_doc_new(const char *file) {
  ep_cfg_doc *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->file = strdup(file ? file : "<string>");
  ep_loc start = {d->file, 1, 1};
  d->root = d->file ? ep__cfg_node_new(EP_CFG_MESSAGE, NULL, start) : NULL;
  if (!d->root) {
    ep_cfg_doc_free(d);
    return NULL;
  }
  return d;
}

int ep__cfg_parse_end(ep_cfg_doc *doc, int rc, bool oom, char *err,
                      ep_cfg_doc **out, char **errout) {
  if (rc == 0 && !oom) {
    free(err);
    *out = doc;
    return 0;
  }
  ep_cfg_doc_free(doc);
  if (oom) {
    free(err);
    return EP_ENOMEM;
  }
  *errout = err;
  return EP_EPARSE;
}

void ep_cfg_doc_free(ep_cfg_doc *doc) {
  if (!doc)
    return;
  ep__cfg_node_free(doc->root);
  free(doc->file);
  free(doc);
}

static bool has_yaml_extension(const char *path) {
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (!dot || (slash && dot < slash))
    return false;
  return strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0;
}

static int io_error(const char *path, int errnum, char **err) {
  *err = ep__strdup_printf("%s: %s", path, strerror(errnum));
  return errnum == ENOENT ? EP_ENOENT : EP_EIO;
}

/* Reads the whole file into *buf (malloc'd, NUL-terminated) and *len. */
static int read_file(const char *path, char **buf, size_t *len, char **err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return io_error(path, errno, err);
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  int rc = b ? 0 : EP_ENOMEM;
  if (!b)
    *err = ep__strdup_printf("%s: out of memory", path);
  while (rc == 0) {
    if (n + 1 >= cap) {
      char *nb = cap < MAX_FILE_SIZE ? realloc(b, cap * 2) : NULL;
      if (!nb) {
        rc = cap < MAX_FILE_SIZE ? EP_ENOMEM : EP_EIO;
        *err = cap < MAX_FILE_SIZE
                   ? ep__strdup_printf("%s: out of memory", path)
                   : ep__strdup_printf("%s: file too large (over %u bytes)",
                                       path, MAX_FILE_SIZE);
        break;
      }
      b = nb;
      cap *= 2;
    }
    size_t got = fread(b + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) {
      if (ferror(f))
        rc = io_error(path, errno ? errno : EIO, err);
      break;
    }
  }
  fclose(f);
  if (rc != 0) {
    free(b);
    return rc;
  }
  b[n] = '\0';
  *buf = b;
  *len = n;
  return 0;
}

int ep__cfg_parse_file(const char *path, ep_cfg_doc **out, char **err) {
  if (!path || !out || !err)
    return EP_EINVAL;
  *out = NULL;
  *err = NULL;
  char *text = NULL;
  size_t len = 0;
  errno = 0;
  int rc = read_file(path, &text, &len, err);
  if (rc != 0)
    return rc;
  if (has_yaml_extension(path))
    rc = ep__cfg_parse_yaml(text, len, path, out, err);
  else
    rc = ep__cfg_parse_pbtxt(text, len, path, out, err);
  free(text);
  return rc;
}

const char *ep__cfg_kind_desc(ep_cfg_kind k) {
  switch (k) {
  case EP_CFG_MESSAGE:
    return "a message";
  case EP_CFG_STRING:
    return "a string";
  case EP_CFG_IDENT:
    return "an identifier";
  case EP_CFG_INT:
    return "an integer";
  case EP_CFG_FLOAT:
    return "a float";
  case EP_CFG_BOOL:
    return "a bool";
  }
  return "a value";
}
