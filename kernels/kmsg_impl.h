/* kmsg_impl.h - the invalid-argument error of kernels that also hand the message to the
 * caller's buffer (internal to kernels/). */
#ifndef REGIA_KMSG_IMPL_H
#define REGIA_KMSG_IMPL_H

#include "regia/status.h"

/* Format the message, copy it to msg[0..cap) when msg is non-NULL, and return
 * REGIA_FAIL(REGIA_ERR_INVALID, "PREFIXmessage").  prefix may be "". */
regia_status_t regia_kernel_invalid(char *msg, int cap, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
