/* kmsg.c - see kmsg_impl.h. */
#include <stdarg.h>
#include <stdio.h>

#include "kmsg_impl.h"

regia_status_t regia_kernel_invalid(char *msg, int cap, const char *prefix, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (msg && cap > 0) snprintf(msg, (size_t)cap, "%s", buf);
    return REGIA_FAIL(REGIA_ERR_INVALID, "%s%s", prefix, buf);
}
