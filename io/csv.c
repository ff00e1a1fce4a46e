/* csv.c - the shared CSV pieces: text checks, line reader, splitter, header map, numbers,
 * rejects (see regia/csv.h). */
#include "regia/csv.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

regia_status_t regia_csv_check_text(const char *buf, size_t len, const char *name, long *bad_line)
{
    int64_t bad = 0;
    regia_status_t st = regia_csv_check_text_range(buf, len, 0, len, name, 1, &bad);
    *bad_line = (long)bad;
    return st;
}

/* length of the UTF-8 character with lead byte c (1..4), 0 for a continuation byte, -1 invalid */
static int utf8_len(unsigned c)
{
    if (c < 0x80) return 1;
    if ((c & 0xC0) == 0x80) return 0;
    if ((c & 0xE0) == 0xC0) return c < 0xC2 ? -1 : 2;
    if ((c & 0xF0) == 0xE0) return 3;
    if ((c & 0xF8) == 0xF0) return 4;
    return -1;
}

regia_status_t regia_csv_check_text_range(const char *buf, size_t len, size_t from, size_t to, const char *name,
                                          int64_t first_line, int64_t *bad_line)
{
    const unsigned char *p = (const unsigned char *)buf;
    int64_t line = first_line;
    size_t i = from;
    *bad_line = 0;
    if (to > len) to = len;
    /* a character that started before `from` and continues into it belongs to the range before */
    for (size_t k = 1; k <= 3 && k <= from; k++) {
        int n = utf8_len(p[from - k]);
        if (n == 0) continue;
        if (n > (int)k) i = from - k + (size_t)n;
        break;
    }
    while (i < to) {
        unsigned c = p[i];
        if (c == '\n') { line++; i++; continue; }
        if (c == 0) {
            *bad_line = line;
            return REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: NUL byte on line %lld (binary file?); "
                              "give the CSV export of the data", name, (long long)line);
        }
        if (c < 0x80) { i++; continue; }
        int n = utf8_len(c) - 1;
        int ok = n > 0;
        for (int k = 1; ok && k <= n; k++)
            if (i + (size_t)k >= len || (p[i + k] & 0xC0) != 0x80) ok = 0;
        if (!ok) {
            *bad_line = line;
            return REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: invalid UTF-8 byte 0x%02X on line %lld "
                              "(latin-1 or binary file?); convert it to UTF-8 (iconv -f latin1 -t utf-8)",
                              name, c, (long long)line);
        }
        i += (size_t)n + 1;
    }
    return REGIA_OK;
}

int regia_csv_split(const char *line, size_t len, char *work, char **field, int maxf)
{
    return regia_csv_split_sep(line, len, ',', work, field, maxf);
}

int regia_csv_split_sep(const char *line, size_t len, char sep, char *work, char **field, int maxf)
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
            while (i < len && line[i] != sep) *w++ = line[i++]; /* tolerate text after quote */
        } else {
            while (i < len && line[i] != sep) *w++ = line[i++];
        }
        *w++ = '\0';
        if (i >= len) break;
        i++; /* separator */
    }
    return nf;
}

/* ---- line reader ----------------------------------------------------------------------- */

void regia_csv_lines_init(regia_csv_lines_t *L, const char *name, const char *buf, size_t len,
                          int64_t first_line, int at_file_start, size_t max_line)
{
    memset(L, 0, sizeof *L);
    L->name = name ? name : "(csv)";
    L->buf = buf;
    L->len = buf ? len : 0;
    L->max_line = max_line ? max_line : REGIA_CSV_MAX_LINE;
    L->at_file_start = at_file_start;
    L->line = first_line - 1;
}

regia_status_t regia_csv_lines_next(regia_csv_lines_t *L, int *got)
{
    *got = 0;
    if (L->pos >= L->len) return REGIA_OK;
    const char *s = L->buf + L->pos;
    const char *e = memchr(s, '\n', L->len - L->pos);
    size_t k = e ? (size_t)(e - s) : L->len - L->pos;
    int first = L->pos == 0 && L->at_file_start;
    L->off = L->pos;
    L->pos += k + (e ? 1 : 0);
    L->line++;
    L->raw_n = k;
    if (first && k >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) { /* UTF-8 byte-order mark */
        s += 3;
        k -= 3;
    }
    if (k > 0 && s[k - 1] == '\r') k--;
    L->text = s;
    L->n = k;
    if (k > L->max_line)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld is longer than %zu bytes (%zu); not a CSV with one "
                          "record per line (check the file)", L->name, (long long)L->line, L->max_line, k);
    *got = 1;
    return REGIA_OK;
}

/* ---- fields ---------------------------------------------------------------------------- */

regia_status_t regia_csv_fields_init(regia_csv_fields_t *F, int maxf, size_t max_line)
{
    memset(F, 0, sizeof *F);
    F->maxf = maxf > 0 ? maxf : REGIA_CSV_MAX_FIELDS;
    F->max_line = max_line ? max_line : REGIA_CSV_MAX_LINE;
    F->field = malloc(sizeof *F->field * (size_t)F->maxf);
    F->work = malloc(F->max_line + (size_t)F->maxf + 8);
    if (!F->field || !F->work) {
        regia_csv_fields_free(F);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (CSV line buffer of %zu bytes)", F->max_line);
    }
    return REGIA_OK;
}

int regia_csv_fields_split(regia_csv_fields_t *F, const char *text, size_t n, char sep)
{
    if (n > F->max_line) n = F->max_line; /* callers check the length first (lines_next) */
    F->nf = regia_csv_split_sep(text, n, sep, F->work, F->field, F->maxf);
    return F->nf;
}

void regia_csv_fields_free(regia_csv_fields_t *F)
{
    free(F->field);
    free(F->work);
    F->field = NULL;
    F->work = NULL;
    F->nf = 0;
}

char *regia_csv_trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int regia_csv_name_units(const char *field, const char **name, size_t *name_len, const char **units,
                         size_t *units_len)
{
    const char *s = field, *e = field + strlen(field);
    while (s < e && is_blank(*s)) s++;
    while (e > s && is_blank(e[-1])) e--;
    const char *b = s;
    while (b < e && *b != '[' && *b != ']') b++;
    const char *ne = b;
    while (ne > s && is_blank(ne[-1])) ne--;
    *name = s;
    *name_len = (size_t)(ne - s);
    *units = b;
    *units_len = 0;
    if (b == e) return 0;
    if (*b == ']') return -1;
    const char *r = b + 1;
    while (r < e && *r != ']' && *r != '[' && *r != '"') r++;
    if (r == e || *r != ']' || r + 1 != e) return -1; /* unclosed, '[' or '"' inside, text after ']' */
    const char *u = b + 1, *ue = r;
    while (u < ue && is_blank(*u)) u++;
    while (ue > u && is_blank(ue[-1])) ue--;
    if (u == ue) return -1;
    *units = u;
    *units_len = (size_t)(ue - u);
    return 1;
}

/* ---- separators and the header ---------------------------------------------------------- */

static const char SEPS[3] = {',', ';', '\t'};

static const char *sep_name(char c)
{
    return c == ',' ? "','" : c == ';' ? "';'" : c == '\t' ? "TAB" : c == '|' ? "'|'" : "the separator";
}

/* occurrences of c in text[0..n) outside double quotes */
static size_t count_outside_quotes(const char *text, size_t n, char c)
{
    size_t k = 0;
    int q = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '"') q = !q;
        else if (!q && text[i] == c) k++;
    }
    return k;
}

char regia_csv_detect_sep(const char *text, size_t n)
{
    char best = ',';
    size_t bestk = 0;
    for (int i = 0; i < 3; i++) {
        size_t k = count_outside_quotes(text, n, SEPS[i]);
        if (k > bestk) { bestk = k; best = SEPS[i]; }
    }
    return best;
}

void regia_csv_header_free(regia_csv_header_t *H)
{
    free(H->name);
    free(H->pool);
    memset(H, 0, sizeof *H);
}

regia_status_t regia_csv_header_parse(regia_csv_header_t *H, const char *name, const char *text, size_t n,
                                      char sep)
{
    regia_status_t st = REGIA_OK;
    memset(H, 0, sizeof *H);
    if (!name) name = "(csv)";
    if (n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { text += 3; n -= 3; }
    if (n > 0 && text[n - 1] == '\r') n--;
    if (!sep) sep = regia_csv_detect_sep(text, n);
    char **fld = malloc(sizeof *fld * REGIA_CSV_MAX_FIELDS);
    H->pool = malloc(n + REGIA_CSV_MAX_FIELDS + 8);
    if (!fld || !H->pool) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    int nf = regia_csv_split_sep(text, n, sep, H->pool, fld, REGIA_CSV_MAX_FIELDS);
    if (nf == -1) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: unterminated quote in the header", name);
        goto err;
    }
    if (nf == -2) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: the header has more than %d columns", name,
                        REGIA_CSV_MAX_FIELDS);
        goto err;
    }
    if (nf == 1)
        for (int i = 0; i < 3; i++)
            if (SEPS[i] != sep && count_outside_quotes(text, n, SEPS[i]) > 0) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: the header has one column but contains %s: the file "
                                "is separated by %s, not %s; give that separator (or let it be detected)", name,
                                sep_name(SEPS[i]), sep_name(SEPS[i]), sep_name(sep));
                goto err;
            }
    H->name = malloc(sizeof *H->name * (size_t)nf);
    if (!H->name) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    for (int i = 0; i < nf; i++) H->name[i] = regia_csv_trim(fld[i]);
    for (int i = 0; i < nf; i++) {
        if (!H->name[i][0]) continue;
        for (int j = 0; j < i; j++)
            if (!strcasecmp(H->name[i], H->name[j])) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: column '%s' appears twice (columns %d and %d); give "
                                "each column one name", name, H->name[i], j + 1, i + 1);
                goto err;
            }
    }
    H->n = nf;
    H->sep = sep;
    H->decimal = sep == ';' ? ',' : '.';
    free(fld);
    return REGIA_OK;
err:
    free(fld);
    regia_csv_header_free(H);
    return st;
}

int regia_csv_header_col(const regia_csv_header_t *H, const char *col)
{
    while (*col == ' ' || *col == '\t') col++;
    size_t n = strlen(col);
    while (n > 0 && (col[n - 1] == ' ' || col[n - 1] == '\t')) n--;
    for (int i = 0; i < H->n; i++)
        if (strlen(H->name[i]) == n && !strncasecmp(H->name[i], col, n)) return i;
    return -1;
}

void regia_csv_header_join(const regia_csv_header_t *H, char *buf, size_t cap)
{
    size_t w = 0;
    buf[0] = '\0';
    for (int i = 0; i < H->n && w + 1 < cap; i++) {
        int k = snprintf(buf + w, cap - w, "%s%s", i ? (H->sep == '\t' ? "\t" : H->sep == ';' ? ";" : ",") : "",
                         H->name[i]);
        if (k < 0) break;
        w += (size_t)k;
    }
}

regia_status_t regia_csv_check_fields(const regia_csv_header_t *H, const char *name, int64_t line, int nf)
{
    if (nf == H->n) return REGIA_OK;
    if (nf == -1) return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: unterminated quote", name, (long long)line);
    char cols[256];
    regia_csv_header_join(H, cols, sizeof cols);
    if (nf == -2)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: more than %d fields, expected %d as in the header (%s)",
                          name, (long long)line, REGIA_CSV_MAX_FIELDS, H->n, cols);
    return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: %d fields, expected %d as in the header (%s)", name,
                      (long long)line, nf, H->n, cols);
}

/* ---- numbers ----------------------------------------------------------------------------- */

int regia_csv_number(const char *s, char decimal, double *v)
{
    *v = NAN;
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n == 0 || (n == 3 && !strncasecmp(s, "nan", 3)) || (n == 2 && !strncmp(s, "NA", 2))) return 0;
    char buf[80];
    if (n >= sizeof buf) return -1;
    /* grammar: [+-] digits [mark digits] [(e|E) [+-] digits], at least one mantissa digit */
    size_t i = 0, w = 0, digits = 0;
    int marks = 0;
    if (s[i] == '+' || s[i] == '-') buf[w++] = s[i++];
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') { buf[w++] = c; digits++; }
        else if (c == '.' || (c == ',' && decimal == ',')) {
            if (marks++) return -1;
            buf[w++] = '.';
        } else break;
    }
    if (!digits) return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        buf[w++] = s[i++];
        if (i < n && (s[i] == '+' || s[i] == '-')) buf[w++] = s[i++];
        size_t d = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, d++) buf[w++] = s[i];
        if (!d) return -1;
    }
    if (i != n) return -1;
    buf[w] = '\0';
    char *e;
    double x = strtod(buf, &e);
    if (*e || !isfinite(x)) return -1;
    *v = x;
    return 1;
}

/* ---- rejects ------------------------------------------------------------------------------ */

void regia_csv_rejects_init(regia_csv_rejects_t *R) { memset(R, 0, sizeof *R); }

void regia_csv_rejects_free(regia_csv_rejects_t *R)
{
    for (size_t i = 0; i < R->n; i++) free(R->r[i].text);
    for (int i = 0; i < R->nreason; i++) free(R->reason[i]);
    free(R->r);
    free(R->reason);
    free(R->count);
    memset(R, 0, sizeof *R);
}

static int reason_index(regia_csv_rejects_t *R, const char *reason)
{
    for (int i = 0; i < R->nreason; i++)
        if (!strcmp(R->reason[i], reason)) return i;
    if (R->nreason == R->capreason) {
        int c = R->capreason ? 2 * R->capreason : 16;
        char **p = realloc(R->reason, sizeof *p * (size_t)c);
        if (!p) return -1;
        R->reason = p;
        int64_t *q = realloc(R->count, sizeof *q * (size_t)c);
        if (!q) return -1;
        R->count = q;
        R->capreason = c;
    }
    char *t = strdup(reason);
    if (!t) return -1;
    R->reason[R->nreason] = t;
    R->count[R->nreason] = 0;
    return R->nreason++;
}

/* malloc'ed copy of text[0..n) without a trailing CR, cut at a UTF-8 boundary */
static char *cut_text(const char *text, size_t n)
{
    if (n > 0 && text[n - 1] == '\r') n--;
    int cut = 0;
    if (n > REGIA_CSV_REJECT_TEXT) {
        n = REGIA_CSV_REJECT_TEXT;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--;
        cut = 1;
    }
    char *t = malloc(n + 4);
    if (!t) return NULL;
    memcpy(t, text, n);
    if (cut) memcpy(t + n, "...", 3), n += 3;
    t[n] = '\0';
    return t;
}

static regia_status_t add_entry(regia_csv_rejects_t *R, int file, int64_t line, int reason, char *text)
{
    if (R->n == R->cap) {
        size_t c = R->cap ? 2 * R->cap : 1024;
        regia_csv_reject_t *p = realloc(R->r, c * sizeof *p);
        if (!p) { free(text); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (rejected lines)"); }
        R->r = p;
        R->cap = c;
    }
    R->r[R->n++] = (regia_csv_reject_t){.file = file, .reason = reason, .line = line, .text = text};
    R->count[reason]++;
    return REGIA_OK;
}

regia_status_t regia_csv_reject(regia_csv_rejects_t *R, int file, int64_t line, const char *reason,
                                const char *text, size_t n)
{
    int k = reason_index(R, reason ? reason : "");
    char *t = cut_text(text ? text : "", text ? n : 0);
    if (k < 0 || !t) {
        free(t);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (rejected lines)");
    }
    return add_entry(R, file, line, k, t);
}

int64_t regia_csv_rejects_count(const regia_csv_rejects_t *R, const char *reason)
{
    for (int i = 0; i < R->nreason; i++)
        if (!strcmp(R->reason[i], reason)) return R->count[i];
    return 0;
}

static int cmp_reject(const void *a, const void *b)
{
    const regia_csv_reject_t *x = a, *y = b;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

void regia_csv_rejects_sort(regia_csv_rejects_t *R)
{
    if (R->n > 1) qsort(R->r, R->n, sizeof *R->r, cmp_reject);
}

regia_status_t regia_csv_rejects_merge(regia_csv_rejects_t *dst, const regia_csv_rejects_t *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const regia_csv_reject_t *e = &src->r[i];
        int k = reason_index(dst, src->reason[e->reason]);
        char *t = strdup(e->text);
        if (k < 0 || !t) {
            free(t);
            return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (rejected lines)");
        }
        regia_status_t st = add_entry(dst, e->file, e->line, k, t);
        if (st != REGIA_OK) return st;
    }
    return REGIA_OK;
}

/* pack layout: "RJ1\0", uint64 entries, then per entry int32 file, int64 line,
 * NUL-terminated reason, NUL-terminated text (native byte order: same machine type) */
regia_status_t regia_csv_rejects_pack(const regia_csv_rejects_t *R, char **buf, size_t *len)
{
    size_t cap = 4 + 8;
    for (size_t i = 0; i < R->n; i++)
        cap += 4 + 8 + strlen(R->reason[R->r[i].reason]) + 1 + strlen(R->r[i].text) + 1;
    char *b = malloc(cap), *w = b;
    if (!b) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (rejected lines, %zu bytes)", cap);
    memcpy(w, "RJ1", 4), w += 4;
    uint64_t n = R->n;
    memcpy(w, &n, 8), w += 8;
    for (size_t i = 0; i < R->n; i++) {
        int32_t f = R->r[i].file;
        int64_t l = R->r[i].line;
        memcpy(w, &f, 4), w += 4;
        memcpy(w, &l, 8), w += 8;
        size_t k = strlen(R->reason[R->r[i].reason]) + 1;
        memcpy(w, R->reason[R->r[i].reason], k), w += k;
        k = strlen(R->r[i].text) + 1;
        memcpy(w, R->r[i].text, k), w += k;
    }
    *buf = b;
    *len = (size_t)(w - b);
    return REGIA_OK;
}

regia_status_t regia_csv_rejects_unpack(regia_csv_rejects_t *R, const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;
    uint64_t n;
    if (len < 12 || memcmp(p, "RJ1", 4)) goto bad;
    memcpy(&n, p + 4, 8);
    p += 12;
    for (uint64_t i = 0; i < n; i++) {
        int32_t f;
        int64_t l;
        if ((size_t)(end - p) < 12) goto bad;
        memcpy(&f, p, 4);
        memcpy(&l, p + 4, 8);
        p += 12;
        const char *reason = p, *z = memchr(p, '\0', (size_t)(end - p));
        if (!z) goto bad;
        const char *text = z + 1;
        z = memchr(text, '\0', (size_t)(end - text));
        if (!z) goto bad;
        p = z + 1;
        int k = reason_index(R, reason);
        char *t = strdup(text);
        if (k < 0 || !t) {
            free(t);
            return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (rejected lines)");
        }
        regia_status_t st = add_entry(R, f, l, k, t);
        if (st != REGIA_OK) return st;
    }
    if (p != end) goto bad;
    return REGIA_OK;
bad:
    return REGIA_FAIL(REGIA_ERR_INVALID, "internal: malformed packed rejects (%zu bytes)", len);
}

/* append s as a CSV field (quoted when `always` or when it needs quotes) */
static char *put_field(char *w, const char *s, int always)
{
    int q = always || strpbrk(s, ",\"\n\r;\t") != NULL;
    if (q) *w++ = '"';
    for (; *s; s++) {
        if (*s == '"') *w++ = '"';
        *w++ = *s;
    }
    if (q) *w++ = '"';
    return w;
}

regia_status_t regia_csv_rejects_format(const regia_csv_rejects_t *R, const char *const *files, char **out,
                                        size_t *len)
{
    static const char head[] = "file,line,reason,text\n";
    size_t cap = sizeof head + 1;
    for (size_t i = 0; i < R->n; i++) {
        const regia_csv_reject_t *e = &R->r[i];
        cap += 2 * (strlen(e->text) + strlen(R->reason[e->reason]) + (files ? strlen(files[e->file]) : 0)) + 40;
    }
    char *b = malloc(cap), *w = b;
    if (!b) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (rejects CSV, %zu bytes)", cap);
    memcpy(w, head, sizeof head - 1), w += sizeof head - 1;
    for (size_t i = 0; i < R->n; i++) {
        const regia_csv_reject_t *e = &R->r[i];
        w = put_field(w, files ? files[e->file] : "", 1);
        w += sprintf(w, ",%lld,", (long long)e->line);
        w = put_field(w, R->reason[e->reason], 0);
        *w++ = ',';
        w = put_field(w, e->text, 1);
        *w++ = '\n';
    }
    *w = '\0';
    *out = b;
    *len = (size_t)(w - b);
    return REGIA_OK;
}
