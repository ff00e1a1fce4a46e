/* Summary tables as spreadsheet-friendly CSV (see regia/table.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regia/table.h"
#include "regia/timeutil.h"

struct regia_table {
    FILE *f;
    char *path, *tmp;
    int ncol, cells;
    long long row; /* data rows written (1 = the first row after the header) */
    int failed;    /* a cell could not be written */
};

static void sep(regia_table_t *t)
{
    if (t->cells++ > 0 && fputc(',', t->f) == EOF) t->failed = 1;
}

static void put_text(regia_table_t *t, const char *s)
{
    if (!s || !*s) return;
    if (!strpbrk(s, ",\"\r\n")) {
        if (fputs(s, t->f) == EOF) t->failed = 1;
        return;
    }
    if (fputc('"', t->f) == EOF) t->failed = 1;
    for (const char *c = s; *c; c++) {
        if (*c == '"' && fputc('"', t->f) == EOF) t->failed = 1;
        if (fputc(*c, t->f) == EOF) t->failed = 1;
    }
    if (fputc('"', t->f) == EOF) t->failed = 1;
}

regia_status_t regia_table_open(regia_table_t **out, const char *path, const char *const *columns, int ncol)
{
    *out = NULL;
    regia_table_t *t = calloc(1, sizeof *t);
    size_t n = strlen(path);
    if (!t || !(t->path = strdup(path)) || !(t->tmp = malloc(n + 5))) {
        if (t) free(t->path);
        free(t);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory opening the table %s", path);
    }
    snprintf(t->tmp, n + 5, "%s.tmp", path);
    t->ncol = ncol;
    if (!(t->f = fopen(t->tmp, "w"))) {
        regia_status_t st = REGIA_FAIL(REGIA_ERR_IO, "cannot create the table %s: %s", t->tmp, strerror(errno));
        free(t->path);
        free(t->tmp);
        free(t);
        return st;
    }
    fputs("\xEF\xBB\xBF", t->f); /* UTF-8 byte-order mark: Excel then reads the names right */
    for (int i = 0; i < ncol; i++) {
        sep(t);
        put_text(t, columns[i]);
    }
    t->cells = ncol;
    *out = t;
    regia_status_t st = regia_table_end_row(t);
    t->row = 0;
    if (st) {
        regia_table_abort(t);
        *out = NULL;
    }
    return st;
}

void regia_table_str(regia_table_t *t, const char *s)
{
    sep(t);
    put_text(t, s);
}

void regia_table_num(regia_table_t *t, double v, int decimals)
{
    sep(t);
    if (!isfinite(v)) return;
    if (v == 0) v = 0; /* no "-0" */
    int r = decimals >= 0 ? fprintf(t->f, "%.*f", decimals, v) : fprintf(t->f, "%.6g", v);
    if (r < 0) t->failed = 1;
}

void regia_table_int(regia_table_t *t, long long v)
{
    sep(t);
    if (fprintf(t->f, "%lld", v) < 0) t->failed = 1;
}

void regia_table_date(regia_table_t *t, double days)
{
    sep(t);
    if (!isfinite(days)) return;
    int y, m, d;
    regia_civil_from_days((int64_t)floor(days), &y, &m, &d);
    if (fprintf(t->f, "%04d-%02d-%02d", y, m, d) < 0) t->failed = 1;
}

regia_status_t regia_table_end_row(regia_table_t *t)
{
    if (t->cells != t->ncol)
        return REGIA_FAIL(REGIA_ERR_INVALID, "table %s, row %lld: %d cells for %d columns", t->path, t->row + 1,
                          t->cells, t->ncol);
    if (fputs("\r\n", t->f) == EOF) t->failed = 1;
    t->cells = 0;
    t->row++;
    return REGIA_OK;
}

regia_status_t regia_table_close(regia_table_t *t)
{
    regia_status_t st = REGIA_OK;
    int err = 0;
    if (t->cells) st = REGIA_FAIL(REGIA_ERR_INVALID, "table %s: the last row was not ended", t->path);
    if (fflush(t->f) != 0 || ferror(t->f) || t->failed) err = errno ? errno : EIO;
    if (fsync(fileno(t->f)) != 0 && !err) err = errno;
    if (fclose(t->f) != 0 && !err) err = errno;
    t->f = NULL;
    if (!st && err) st = REGIA_FAIL(REGIA_ERR_IO, "cannot write the table %s: %s", t->tmp, strerror(err));
    if (!st && rename(t->tmp, t->path) != 0)
        st = REGIA_FAIL(REGIA_ERR_IO, "cannot rename %s to %s: %s", t->tmp, t->path, strerror(errno));
    if (st) unlink(t->tmp);
    free(t->path);
    free(t->tmp);
    free(t);
    return st;
}

void regia_table_abort(regia_table_t *t)
{
    if (!t) return;
    if (t->f) fclose(t->f);
    unlink(t->tmp);
    free(t->path);
    free(t->tmp);
    free(t);
}
