/* textbuf.c - the generators' growable text buffer (textbuf.h).  Not collective. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "textbuf.h"

void tbuf_printf(tbuf_t *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->buf ? b->buf + b->len : NULL, b->buf ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) { b->oom = 1; return; }
        if (b->buf && b->len + (size_t)n < b->cap) { b->len += (size_t)n; return; }
        size_t nc = b->cap ? 2 * b->cap : 1 << 16;
        while (nc < b->len + (size_t)n + 1) nc *= 2;
        char *p = realloc(b->buf, nc);
        if (!p) { b->oom = 1; return; }
        b->buf = p;
        b->cap = nc;
    }
}
