/* error.h — edgepipe's error codes.
 *
 * Functions return 0 on success or a negative EP_E* code. One X-macro table
 * makes both the enum and the messages, so they cannot drift. Where a person
 * needs more than the code (a file:line:col, a node name), the function also
 * fills a message string the caller frees. */
#ifndef EDGEPIPE_ERROR_H
#define EDGEPIPE_ERROR_H

#include "edgepipe/common.h"

#define EP_ERRNO_MAP(XX)                                                       \
  XX(EINVAL, "invalid argument")                                               \
  XX(ENOMEM, "out of memory")                                                  \
  XX(ENOENT, "no such file or entry")                                          \
  XX(EIO, "input/output error")                                                \
  XX(EPARSE, "parse error")                                                    \
  XX(EVALIDATE, "graph validation failed")                                     \
  XX(ENOTFOUND, "not found")                                                   \
  XX(EEXIST, "already exists")                                                 \
  XX(ETYPE, "type mismatch")                                                   \
  XX(ERANGE, "value out of range")                                             \
  XX(EAGAIN, "resource temporarily unavailable")                               \
  XX(ESTATE, "operation not valid in this state")                              \
  XX(ECALC, "calculator failed")                                               \
  XX(ETIMESTAMP, "timestamp out of order")                                     \
  XX(EDEADLOCK, "graph deadlocked")                                            \
  XX(ECANCELED, "operation canceled")                                          \
  XX(EABI, "ABI version mismatch")                                             \
  XX(EUNSUPPORTED, "not supported")                                            \
  XX(EMODEL, "invalid model")

typedef enum ep_errno {
  EP_OK = 0,
#define EP__ERR_ENUM(name, msg) EP_##name,
  EP__ERR_FIRST = -1000,
  EP_ERRNO_MAP(EP__ERR_ENUM)
#undef EP__ERR_ENUM
      EP__ERR_END
} ep_errno;

/* A positive status a calculator's process() returns to end its outputs
 * cleanly (a source that has run dry). Not an error. */
#define EP_STOP 1

/* A short static message for an EP_E* code (or "success"). Never NULL. */
EP_API const char *ep_strerror(int err);

/* The code's name, such as "EP_EINVAL" (static storage). Never NULL. */
EP_API const char *ep_err_name(int err);

#endif
