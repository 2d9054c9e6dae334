/* error.c — messages for the EP_E* codes. */
#include "edgepipe/error.h"

const char *ep_strerror(int err) {
  switch (err) {
  case EP_OK:
    return "success";
#define EP__ERR_MSG(name, msg)                                                 \
  case EP_##name:                                                              \
    return msg;
    EP_ERRNO_MAP(EP__ERR_MSG)
#undef EP__ERR_MSG
  default:
    return "unknown error";
  }
}

const char *ep_err_name(int err) {
  switch (err) {
  case EP_OK:
    return "EP_OK";
#define EP__ERR_NAME(name, msg)                                                \
  case EP_##name:                                                              \
    return "EP_" #name;
    EP_ERRNO_MAP(EP__ERR_NAME)
#undef EP__ERR_NAME
  default:
    return "EP_UNKNOWN";
  }
}

const char *ep_version(void) { return EP_VERSION_STRING; }
