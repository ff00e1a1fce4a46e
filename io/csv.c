/* csv.c - CSV line splitting and text validation (see regia/csv.h). */
#include "regia/csv.h"

#include <string.h>

regia_status_t regia_csv_check_text(const char *buf, size_t len, const char *name, long *bad_line)
{
    const unsigned char *p = (const unsigned char *)buf;
    long line = 1;
    size_t i = 0;
    *bad_line = 0;
    while (i < len) {
        unsigned c = p[i];
        if (c == '\n') { line++; i++; continue; }
        if (c == 0) {
            *bad_line = line;
            return REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: NUL byte on line %ld (binary file?); "
                              "give the CSV export of the data", name, line);
        }
        if (c < 0x80) { i++; continue; }
        int n = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        int ok = n > 0;
        if (ok && c < 0xC2) ok = 0;
        for (int k = 1; ok && k <= n; k++)
            if (i + (size_t)k >= len || (p[i + k] & 0xC0) != 0x80) ok = 0;
        if (!ok) {
            *bad_line = line;
            return REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: invalid UTF-8 byte 0x%02X on line %ld "
                              "(latin-1 or binary file?); convert it to UTF-8 (iconv -f latin1 -t utf-8)",
                              name, c, line);
        }
        i += (size_t)n + 1;
    }
    return REGIA_OK;
}

int regia_csv_split(const char *line, size_t len, char *work, char **field, int maxf)
{
    if (len > 0 && line[len - 1] == '\r') len--;
    int nf = 0;
    size_t i = 0;
    char *w = work;
    for (;;) {
        if (nf >= maxf) return -2;
        field[nf++] = w;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) return -1;
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') { *w++ = '"'; i += 2; continue; }
                    i++;
                    break;
                }
                *w++ = line[i++];
            }
            while (i < len && line[i] != ',') *w++ = line[i++]; /* tolerate text after quote */
        } else {
            while (i < len && line[i] != ',') *w++ = line[i++];
        }
        *w++ = '\0';
        if (i >= len) break;
        i++; /* comma */
    }
    return nf;
}
