/* csv_range.c - the lines of a byte range of a file, read in blocks (regia/csv.h).
 *
 * Shared by the byte-range ingests (env, waitlist): each rank reads [a, b) of a CSV file
 * (a and b at line starts, see regia_align_line) in blocks of `block` bytes, keeps a
 * partial line over to the next block, and hands every complete line to a callback
 * through the line reader (regia_csv_lines: CR, BOM, maximum length).
 */
#include <stdlib.h>
#include <string.h>

#include "regia/csv.h"
#include "regia/io.h"

regia_status_t regia_csv_range(int fd, const char *path, int64_t a, int64_t b, size_t block, size_t max_line,
                               regia_progress_t *prog, int wipe, regia_csv_line_fn fn, void *arg,
                               int64_t *nlines, int64_t *long_line)
{
    regia_status_t st = REGIA_OK;
    const size_t cap = block + max_line + 2;
    char *buf = malloc(cap);
    *long_line = -1;
    *nlines = 0;
    if (!buf) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
    size_t have = 0;    /* bytes in buf: a partial line carried over, then new data */
    int64_t bufoff = a; /* file offset of buf[0] */
    int64_t k = 0, pos = a;
    int stop = 0;
    while (!stop) {
        size_t want = block;
        if ((int64_t)want > b - pos) want = (size_t)(b - pos);
        size_t got = 0;
        if (want) REGIA_TRY(regia_read_at(fd, path, buf + have, want, pos, &got));
        pos += (int64_t)got;
        have += got;
        if (prog && got) regia_progress_add(prog, (int64_t)got);
        int last = pos >= b || got == 0;
        /* complete lines: up to the last newline (all of it at the end of the range) */
        size_t done = have;
        if (!last) {
            const char *e = memrchr(buf, '\n', have);
            done = e ? (size_t)(e - buf) + 1 : 0;
        }
        regia_csv_lines_t L;
        regia_csv_lines_init(&L, path, buf, done, k, 0, max_line);
        for (;;) {
            int more = 0;
            if (regia_csv_lines_next(&L, &more) != REGIA_OK) {
                regia_error_clear();
                *long_line = L.line;
                stop = 1;
                break;
            }
            if (!more) break;
            REGIA_TRY(fn(arg, L.text, L.n, L.line, bufoff + (int64_t)L.off, &stop));
            if (stop) break;
            k = L.line + 1;
        }
        if (stop || last) break;
        if (have - done > max_line) { *long_line = k; break; }
        memmove(buf, buf + done, have - done);
        have -= done;
        bufoff += (int64_t)done;
    }
err:
    *nlines = k;
    if (wipe) explicit_bzero(buf, cap);
    free(buf);
    return st;
}
