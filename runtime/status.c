/* Status strings and the per-thread error message (see regia/status.h). */
#include "regia/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MSG_MAX = 2048 };
static _Thread_local char tl_msg[MSG_MAX];
static _Thread_local char tl_where[256];

const char *regia_status_str(regia_status_t st)
{
    switch (st) {
    case REGIA_OK: return "ok";
    case REGIA_ERR_IO: return "i/o error";
    case REGIA_ERR_PARSE: return "parse error";
    case REGIA_ERR_INVALID: return "invalid value";
    case REGIA_ERR_NOMEM: return "out of memory";
    case REGIA_ERR_MPI: return "MPI error";
    case REGIA_ERR_NETCDF: return "NetCDF error";
    case REGIA_ERR_HDF5: return "HDF5 error";
    case REGIA_ERR_CUDA: return "CUDA error";
    case REGIA_ERR_UNSUPPORTED: return "unsupported";
    case REGIA_ERR_NUMERIC: return "numerical failure";
    case REGIA_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown status";
}

regia_status_t regia_error_set(regia_status_t st, const char *file, int line,
                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tl_msg, sizeof tl_msg, fmt, ap);
    va_end(ap);
    const char *base = strrchr(file, '/');
    snprintf(tl_where, sizeof tl_where, "%s:%d", base ? base + 1 : file, line);
    return st;
}

void regia_error_prefix(const char *fmt, ...)
{
    char head[MSG_MAX], old[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, tl_msg, sizeof old);
    size_t n = strlen(head);
    if (n >= sizeof tl_msg) n = sizeof tl_msg - 1;
    memcpy(tl_msg, head, n);
    snprintf(tl_msg + n, sizeof tl_msg - n, "%.*s", (int)(sizeof tl_msg - n - 1), old);
}

const char *regia_error_msg(void) { return tl_msg; }
const char *regia_error_where(void) { return tl_where; }
void regia_error_clear(void) { tl_msg[0] = '\0'; tl_where[0] = '\0'; }
