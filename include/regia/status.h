/* regia/status.h - status codes and the per-thread error message.
 *
 * Library code (kernels, io, runtime) never exits: it returns a regia_status_t and, on
 * failure, records a message saying what went wrong and where with regia_error_set()
 * (usually through REGIA_FAIL).  Only a driver ends the program.
 */
#ifndef REGIA_STATUS_H
#define REGIA_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    REGIA_OK = 0,
    REGIA_ERR_IO,          /* a file could not be opened, read, written or renamed */
    REGIA_ERR_PARSE,       /* malformed input text (CSV, job file, dates)          */
    REGIA_ERR_INVALID,     /* a value out of range or an inconsistent request      */
    REGIA_ERR_NOMEM,       /* allocation failed                                    */
    REGIA_ERR_MPI,         /* an MPI call failed                                   */
    REGIA_ERR_NETCDF,      /* a NetCDF-C call failed                               */
    REGIA_ERR_HDF5,        /* an HDF5 call failed                                  */
    REGIA_ERR_CUDA,        /* a CUDA runtime / library call failed                 */
    REGIA_ERR_UNSUPPORTED, /* the build or the machine lacks what was asked for    */
    REGIA_ERR_NUMERIC,     /* a computation produced no usable result              */
    REGIA_ERR_INTERRUPTED  /* stopped on request (signal); state was checkpointed  */
} regia_status_t;

/* Short, stable name of a status ("io error", ...).  Never NULL. */
const char *regia_status_str(regia_status_t st);

/* Record the current thread's error message (printf-style) and return `st`.
 * `file` and `line` locate the failing call in regia's source. Thread-safe. */
regia_status_t regia_error_set(regia_status_t st, const char *file, int line,
                               const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prepend context to the current message ("reading x.csv: " + previous). */
void regia_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The current thread's last error message ("" when none). Valid until the next set. */
const char *regia_error_msg(void);
/* Source location of the last error ("file.c:123"), for --verbose diagnostics. */
const char *regia_error_where(void);
void regia_error_clear(void);

#define REGIA_FAIL(st, ...) regia_error_set((st), __FILE__, __LINE__, __VA_ARGS__)

/* Propagate a failure: evaluate `expr` once; on non-OK store it in `st` and jump to `err`.
 * Functions use one cleanup label, `err`, for all error paths. */
#define REGIA_TRY(expr)                                 \
    do {                                                \
        st = (expr);                                    \
        if (st != REGIA_OK) goto err;                   \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif
