/* textbuf.h - a growable text buffer the generators print their CSV and README files into
 * before writing each one atomically (regia gen env: cmd_gen.c; regia gen waitlist:
 * gen_waitlist.c).  Internal to drivers/.  Not collective, no MPI.
 */
#ifndef REGIA_DRIVERS_TEXTBUF_H
#define REGIA_DRIVERS_TEXTBUF_H

#include <stddef.h>

/* Zero-initialise ({0}) before the first print; buf (len bytes, NUL-terminated once
 * anything is printed) is the caller's to free. */
typedef struct {
    char *buf;
    size_t len, cap;
    int oom; /* 1 once an allocation failed: nothing more is appended (check it once, at the end) */
} tbuf_t;

/* Append the printf-formatted text to b, growing b->buf as needed. */
void tbuf_printf(tbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
