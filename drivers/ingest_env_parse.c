/* ingest_env_parse.c - `regia ingest env`: the registry, and each rank's byte range of a
 * measurement CSV turned into rows for their station's owner (see ingest_env_impl.h).
 *
 * A data file is never read whole: every rank reads the header line and its own byte
 * range, in blocks of INGEST_BLOCK bytes, aligned to line starts.  Line numbers are
 * global: rows and rejects carry their line within the range until an MPI_Exscan of the
 * ranges' line counts gives the offset.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest_env_impl.h"
#include "regia/csv.h"
#include "regia/io.h"
#include "regia/timeutil.h"

#define INGEST_BLOCK ((size_t)8 << 20)
#define MAX_LINE REGIA_CSV_MAX_LINE

const char *const INGEST_PNAME[NPOL] = {"pm10", "pm2p5", "no2", "o3", "so2"};
const int INGEST_PDAILY[NPOL] = {1, 1, 0, 0, 0};

static int type_of(const char *s)
{
    if (!strncmp(s, "PM10", 4)) return P_PM10;
    if (strstr(s, "PM2.5")) return P_PM25;
    if (!strcmp(s, "Biossido di Azoto")) return P_NO2;
    if (!strcmp(s, "Ozono")) return P_O3;
    if (!strcmp(s, "Biossido di Zolfo")) return P_SO2;
    return -1;
}

/* ---- text and fields ------------------------------------------------------------ */

/* 0: text; 1: NUL byte; 2: invalid UTF-8 (*bad = the byte). */
static int text_check(const char *s, size_t n, unsigned *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x80) { i++; continue; }
        if (c == 0) return 1;
        if (c < 0x80) { i++; continue; }
        int k = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        int ok = k > 0 && c >= 0xC2;
        for (int j = 1; ok && j <= k; j++)
            if (i + (size_t)j >= n || (p[i + j] & 0xC0) != 0x80) ok = 0;
        if (!ok) { *bad = c; return 2; }
        i += (size_t)k + 1;
    }
    return 0;
}

static const char *sep_name(char c) { return c == ',' ? "','" : c == ';' ? "';'" : "tab"; }

#define split regia_csv_split_sep

/* The header map (regia/csv.h) and the required columns; a missing column's message
 * names the separator when another one would have found it. */
static regia_status_t header_cols(const char *path, const char *l, size_t n, char sep, const char *const *req, int nreq,
                                  int *col, int *nf_out, const char *what)
{
    regia_csv_header_t H;
    memset(&H, 0, sizeof H);
    regia_status_t st = regia_csv_header_parse(&H, path, l, n, sep);
    if (st) return st;
    for (int k = 0; k < nreq; k++) {
        col[k] = regia_csv_header_col(&H, req[k]);
        if (col[k] >= 0) continue;
        char other = regia_csv_detect_sep(l, n);
        if (other != H.sep)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: header lacks the required column '%s' with the separator %s; "
                            "the header is %s-separated: give --separator %s (or leave --separator out to detect it)",
                            path, req[k], sep_name(H.sep), sep_name(other), other == '\t' ? "tab" : sep_name(other));
        else
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: header lacks the required column '%s' (%s)", path, req[k],
                            what);
        break;
    }
    *nf_out = H.n;
    regia_csv_header_free(&H);
    return st;
}

/* ---- dates ---------------------------------------------------------------------- */

static int dig(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return 0;
        x = x * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *v = x;
    return 1;
}

/* Parse a measurement time stamp.  ISO 8601 (as regia_parse_datetime) always; slash
 * dates as month/day (Socrata exports, with AM/PM: always month first) or day/month as
 * `order` says.  0 ok, 1 not a date, 2 a slash date whose order is ambiguous (order
 * DATE_AUTO and no AM/PM marker). */
static int parse_date(const char *s, int order, int64_t *secs)
{
    const char *p = s;
    while (*p == ' ') p++;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (isdigit((unsigned char)p[0]) && (p[1] == '/' || (isdigit((unsigned char)p[1]) && p[2] == '/'))) {
        if (order == DATE_ISO) return 1;
        int a, b;
        if (!dig(&p, p[1] == '/' ? 1 : 2, &a) || *p++ != '/') return 1;
        if (!dig(&p, isdigit((unsigned char)p[1]) ? 2 : 1, &b) || *p++ != '/' || !dig(&p, 4, &y)) return 1;
        int ampm = -1;
        if (*p == ' ' || *p == 'T') {
            p++;
            if (!dig(&p, isdigit((unsigned char)p[1]) ? 2 : 1, &h) || *p++ != ':' || !dig(&p, 2, &mi)) return 1;
            if (*p == ':' && !(p++, dig(&p, 2, &se))) return 1;
            while (*p == ' ') p++;
            if (!strncmp(p, "AM", 2) || !strncmp(p, "am", 2)) ampm = 0, p += 2;
            else if (!strncmp(p, "PM", 2) || !strncmp(p, "pm", 2)) ampm = 1, p += 2;
        }
        if (ampm >= 0) {
            if (order == DATE_DMY) return 1; /* day-first exports use a 24-hour clock */
            if (h < 1 || h > 12) return 1;
            h = h % 12 + (ampm ? 12 : 0);
            mo = a, d = b;
        } else if (order == DATE_MDY) {
            mo = a, d = b;
        } else if (order == DATE_DMY) {
            d = a, mo = b;
        } else {
            return 2;
        }
    } else {
        if (!dig(&p, 4, &y) || *p++ != '-' || !dig(&p, 2, &mo) || *p++ != '-' || !dig(&p, 2, &d)) return 1;
        if (*p == 'T' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
            p++;
            if (!dig(&p, 2, &h) || *p++ != ':' || !dig(&p, 2, &mi)) return 1;
            if (*p == ':' && !(p++, dig(&p, 2, &se))) return 1;
            if (*p == '.') { p++; while (isdigit((unsigned char)*p)) p++; }
            if (*p == 'Z') p++;
        }
    }
    while (*p == ' ' || *p == '\r') p++;
    if (*p) return 1;
    if (h == 24 && mi == 0 && se == 0) { /* 24:00 ends the day */ }
    else if (h > 23) return 1;
    if (mo < 1 || mo > 12 || d < 1 || d > regia_days_in_month(y, mo) || mi > 59 || se > 59) return 1;
    *secs = regia_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

/* ---- numbers -------------------------------------------------------------------- */

/* A Valore field (regia_csv_number; a decimal comma unless dec is DEC_POINT).  0 ok;
 * an empty or NA field is not a number here (as before: rejected, not missing). */
static int parse_value(const char *s, int dec, double *v)
{
    return regia_csv_number(s, dec == DEC_POINT ? '.' : ',', v) == 1 ? 0 : 1;
}

static int all_digits(const char *s)
{
    if (*s == '-') s++;
    if (!*s) return 0;
    for (; *s; s++) if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

/* ---- registry ------------------------------------------------------------------- */

regia_status_t ingest_load_registry(const char *path, ingest_sensor_t **out, int *nout)
{
    regia_status_t st = REGIA_OK;
    char *buf = NULL, *work = NULL;
    size_t len = 0;
    ingest_sensor_t *s = NULL;
    int ns = 0, cap = 0;
    REGIA_TRY(regia_read_file(path, (size_t)1 << 30, &buf, &len));
    if (len == 0) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: empty file (no header line); give a non-empty CSV export", path); goto err; }
    work = malloc(MAX_LINE + INGEST_MAXF + 8);
    if (!work) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    static const char *const req[] = {"IdSensore", "NomeTipoSensore", "Idstazione", "NomeStazione", "Quota",
                                      "Provincia", "lat", "lng"};
    int col[8], hnf = 0, mx = 0;
    char *f[INGEST_MAXF];
    long line = 0;
    char sep = ',';
    for (size_t pos = 0; pos < len;) {
        const char *l = buf + pos, *e = memchr(l, '\n', len - pos);
        size_t n = e ? (size_t)(e - l) : len - pos;
        pos += n + 1;
        line++;
        unsigned bad = 0;
        int tc = text_check(l, n, &bad);
        if (tc == 1) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: NUL byte on line %ld (binary file?); give the CSV export of the registry", path, line); goto err; }
        if (tc == 2) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: invalid UTF-8 byte 0x%02X on line %ld (latin-1 or binary file?); convert it to UTF-8 (iconv -f latin1 -t utf-8)", path, bad, line); goto err; }
        if (n > MAX_LINE) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %ld is longer than %d bytes; not a valid CSV export (check the file)", path, line, MAX_LINE); goto err; }
        if (line == 1) {
            sep = regia_csv_detect_sep(l, n);
            REGIA_TRY(header_cols(path, l, n, sep, req, 8, col, &hnf, "is this the ARPA sensor registry, sensors.csv?"));
            for (int k = 0; k < 8; k++) mx = col[k] > mx ? col[k] : mx;
            continue;
        }
        if (n == 0 || (n == 1 && l[0] == '\r')) continue;
        int nf = split(l, n, sep, work, f, INGEST_MAXF);
        if (nf <= mx) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %ld: %d fields, expected at least %d; fix or remove the line",
                            path, line, nf < 0 ? 0 : nf, mx + 1);
            goto err;
        }
        if (ns == cap) {
            cap = cap ? 2 * cap : 256;
            ingest_sensor_t *p = realloc(s, (size_t)cap * sizeof *s);
            if (!p) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
            s = p;
        }
        ingest_sensor_t *x = &s[ns];
        memset(x, 0, sizeof *x);
        char *e1, *e2;
        x->id = strtol(f[col[0]], &e1, 10);
        x->idst = strtol(f[col[2]], &e2, 10);
        if (*e1 || *e2 || !*f[col[0]] || !*f[col[2]] || x->id < 0 || x->id > INT32_MAX || x->idst < INT32_MIN ||
            x->idst > INT32_MAX) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %ld: IdSensore '%s' / Idstazione '%s' is not an integer "
                            "(0 .. 2^31-1)", path, line, f[col[0]], f[col[2]]);
            goto err;
        }
        x->type = type_of(f[col[1]]);
        snprintf(x->name, INGEST_NAMELEN, "%s", f[col[3]]);
        snprintf(x->prov, INGEST_NAMELEN, "%s", f[col[5]]);
        double alt;
        x->alt = *f[col[4]] && !parse_value(f[col[4]], DEC_AUTO, &alt) ? alt : NAN;
        if (parse_value(f[col[6]], DEC_AUTO, &x->lat)) x->lat = NAN;
        if (parse_value(f[col[7]], DEC_AUTO, &x->lon)) x->lon = NAN;
        x->station = -1;
        ns++;
    }
    (void)hnf;
    if (ns == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no sensors (only a header); give the full registry", path);
        goto err;
    }
    *out = s;
    *nout = ns;
    s = NULL;
err:
    free(s);
    free(buf);
    free(work);
    return st;
}

/* ---- rejects -------------------------------------------------------------------- */

regia_status_t ingest_add_reject(ingest_rejects_t *R, int file, int64_t line, const char *reason, const char *l,
                                 size_t n)
{
    if (R->n == R->cap) {
        size_t c = R->cap ? 2 * R->cap : 1024;
        ingest_reject_t *p = realloc(R->v, c * sizeof *p);
        if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (rejects)");
        R->v = p;
        R->cap = c;
    }
    if (n > 0 && l[n - 1] == '\r') n--;
    char *t = malloc(n + 1);
    if (!t) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (rejects)");
    if (n) memcpy(t, l, n);
    t[n] = 0;
    R->v[R->n++] = (ingest_reject_t){file, line, reason, t};
    return REGIA_OK;
}

char *ingest_line_text(const char *path, int64_t off)
{
    char *b = malloc(MAX_LINE + 2);
    if (!b) return NULL;
    int fd = open(path, O_RDONLY);
    ssize_t k = fd >= 0 ? pread(fd, b, MAX_LINE + 1, (off_t)off) : -1;
    if (fd >= 0) close(fd);
    if (k < 0) k = 0;
    char *e = memchr(b, '\n', (size_t)k);
    size_t n = e ? (size_t)(e - b) : (size_t)k;
    if (n > 0 && b[n - 1] == '\r') n--;
    b[n] = 0;
    return b;
}

int64_t ingest_row_day(const ingest_row_t *r, const ingest_sensor_t *sens, int utc_off)
{
    if (INGEST_PDAILY[sens[r->sensor].type]) return r->t;
    return regia_floordiv((int64_t)r->t * 3600 + (int64_t)utc_off * 3600, 86400);
}

/* ---- one rank's byte range of a data file ---------------------------------------- */

static int sensor_lookup(const ingest_sensor_t *s, const int *order, int ns, long id)
{
    int lo = 0, hi = ns - 1;
    while (lo <= hi) {
        int m = (lo + hi) / 2;
        long v = s[order[m]].id;
        if (v == id) return order[m];
        if (v < id) lo = m + 1; else hi = m - 1;
    }
    return -1;
}


enum { F_NONE, F_NUL, F_UTF8, F_LONG, F_AMBIG };

typedef struct {
    const ingest_opts_t *o;
    const ingest_sensor_t *sens;
    const int *order, *owner;
    int ns, file, hdr_nf, col[4];
    char sep;
    ingest_parsed_t *P;
    char *work;
    int fatal;        /* F_* of the first file-level error in the range */
    int64_t fatal_line;
    unsigned fatal_byte;
    char fatal_text[80];
} range_t;

static const char R_FIELDS[] = "wrong field count", R_FIELDS_SEMI[] = "wrong field count (';'-separated line; the header is ','-separated)",
                  R_FIELDS_COMMA[] = "wrong field count (','-separated line; the header is ';'-separated)",
                  R_FIELDS_DEC[] = "wrong field count (decimal comma in a ','-separated file? quote the value or export with ';')",
                  R_ID[] = "unparseable sensor id", R_UNKNOWN[] = "unknown sensor",
                  R_TYPE[] = "sensor type not ingested", R_DATE[] = "bad date", R_NUM[] = "unparseable number",
                  R_NEG[] = "physically impossible value (negative)",
                  R_BIG[] = "physically impossible value (> 5000 ug/m3)";
char ingest_window_reason[192] = "date outside the plausible window";
const char INGEST_R_DUP[] = "duplicate timestamp";
const char *const ingest_reasons[] = {R_FIELDS, R_FIELDS_SEMI, R_FIELDS_COMMA, R_FIELDS_DEC, R_ID, R_UNKNOWN, R_TYPE,
                                      R_DATE, R_NUM, R_NEG, R_BIG, ingest_window_reason, INGEST_R_DUP, NULL};

static regia_status_t push_row(ingest_bucket_t *b, const ingest_row_t *r)
{
    if (b->n == b->cap) {
        size_t c = b->cap ? b->cap + b->cap / 2 : 65536;
        ingest_row_t *p = realloc(b->r, c * sizeof *p);
        if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%zu rows parsed on this rank)", b->n);
        b->r = p;
        b->cap = c;
    }
    b->r[b->n++] = *r;
    return REGIA_OK;
}

/* One data line (k: its index within the range, off: its byte offset). */
static regia_status_t do_line(range_t *R, const char *l, size_t n, int64_t k, int64_t off)
{
    if (n == 0) return REGIA_OK;
    unsigned bad = 0;
    int tc = text_check(l, n, &bad);
    if (tc) {
        R->fatal = tc == 1 ? F_NUL : F_UTF8;
        R->fatal_line = k;
        R->fatal_byte = bad;
        return REGIA_OK;
    }
    R->P->read++;
    const ingest_opts_t *o = R->o;
    char *f[INGEST_MAXF];
    int nf = split(l, n, R->sep, R->work, f, INGEST_MAXF);
    const char *why = NULL;
    ingest_row_t r = {0};
    r.file = (uint8_t)R->file;
    r.line = k;
    r.off = off;
    const int *col = R->col;
    if (nf != R->hdr_nf) {
        why = R_FIELDS;
        char other = R->sep == ',' ? ';' : R->sep == ';' ? ',' : 0;
        char *g[INGEST_MAXF];
        char *w2 = R->work + n + INGEST_MAXF + 8;
        if (other && split(l, n, other, w2, g, INGEST_MAXF) == R->hdr_nf) why = other == ';' ? R_FIELDS_SEMI : R_FIELDS_COMMA;
        else if (R->sep == ',' && nf == R->hdr_nf + 1 && col[2] + 1 < nf && all_digits(f[col[2]]) &&
                 all_digits(f[col[2] + 1]))
            why = R_FIELDS_DEC;
    }
    if (!why) {
        char *e;
        long id = strtol(f[col[0]], &e, 10);
        if (*e || !*f[col[0]]) why = R_ID;
        else if ((r.sensor = sensor_lookup(R->sens, R->order, R->ns, id)) < 0) why = R_UNKNOWN;
        else if (R->sens[r.sensor].type < 0) why = R_TYPE;
    }
    int64_t t = 0;
    if (!why) {
        int dr = parse_date(f[col[1]], o->date_order, &t);
        if (dr == 2) {
            R->fatal = F_AMBIG;
            R->fatal_line = k;
            snprintf(R->fatal_text, sizeof R->fatal_text, "%s", f[col[1]]);
            R->P->read--;
            return REGIA_OK;
        }
        if (dr) why = R_DATE;
    }
    double v = 0;
    if (!why) {
        if (parse_value(f[col[2]], o->decimal, &v)) why = R_NUM;
        else if (v == -9999) v = NAN;
        else if (v < 0) why = R_NEG;
        else if (v > 5000) why = R_BIG;
    }
    if (!why && (o->have_from || o->have_to)) {
        int64_t day = regia_floordiv(t, 86400);
        if ((o->have_from && day < o->from_day) || (o->have_to && day > o->to_day)) why = ingest_window_reason;
    }
    if (why) return ingest_add_reject(&R->P->rej, R->file, k, why, l, n);
    int ty = R->sens[r.sensor].type;
    int64_t ti = INGEST_PDAILY[ty] ? regia_floordiv(t, 86400) : regia_floordiv(t - (int64_t)o->utc_off * 3600, 3600);
    r.t = (int32_t)ti; /* years 0..9999: |hours since 1970| < 2^27 */
    r.value = isnan(v) ? NAN : (float)v;
    r.qc = isnan(v) ? -1 : (!strcmp(f[col[3]], "VA") ? 0 : 1);
    return push_row(&R->P->to[R->owner[r.sensor]], &r);
}

/* One line of the range (regia_csv_range's callback). */
static regia_status_t range_line(void *arg, const char *l, size_t n, int64_t k, int64_t off, int *stop)
{
    range_t *R = arg;
    regia_status_t st = do_line(R, l, n, k, off);
    *stop = R->fatal != 0;
    return st;
}

/* The lines of [a, b), read in blocks through the shared range reader (regia_csv_range:
 * CR, BOM, maximum length).  *nlines: lines in the range. */
static regia_status_t parse_range(range_t *R, int fd, const char *path, int64_t a, int64_t b, int64_t *nlines,
                                  regia_progress_t *prog)
{
    int64_t long_line = -1;
    regia_status_t st = regia_csv_range(fd, path, a, b, INGEST_BLOCK, MAX_LINE, prog, 0, range_line, R, nlines,
                                        &long_line);
    if (!st && long_line >= 0 && !R->fatal) { R->fatal = F_LONG; R->fatal_line = long_line; }
    return st;
}

regia_status_t ingest_parse_file(regia_run_t *run, const ingest_opts_t *o, int file, const ingest_sensor_t *sens,
                                 const int *order, int ns, const int *owner, ingest_parsed_t *P,
                                 regia_progress_t *prog)
{
    regia_ctx_t *ctx = run->ctx;
    regia_status_t st = REGIA_OK;
    const char *path = o->data[file];
    static const char *const req[] = {"IdSensore", "Data", "Valore", "Stato"};
    range_t R = {.o = o, .sens = sens, .order = order, .owner = owner, .ns = ns, .file = file, .P = P};
    char *hdr = NULL;
    int64_t size = 0, hs = 0, a = 0, b = 0, nl = 0, before = 0;
    size_t *start = NULL, rej0 = P->rej.n;
    int fd = open(path, O_RDONLY);
    struct stat sb;
    /* the header, read by every rank */
    if (fd < 0) st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    else if (fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode))
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: not a regular file", path);
    else if ((size = (int64_t)sb.st_size) == 0)
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: empty file (no header line); give a non-empty CSV export", path);
    else if (!(hdr = malloc(MAX_LINE + 2)))
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (st == REGIA_OK) {
        size_t got = 0;
        st = regia_read_at(fd, path, hdr, MAX_LINE + 2, 0, &got);
        char *e = st ? NULL : memchr(hdr, '\n', got);
        size_t n = e ? (size_t)(e - hdr) : got;
        unsigned bad = 0;
        int tc = st ? 0 : text_check(hdr, n, &bad);
        if (st) {
        } else if (n > MAX_LINE)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1 is longer than %d bytes; not a valid CSV export (check the file)", path, MAX_LINE);
        else if (tc == 1)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: NUL byte on line 1 (binary file?); give the CSV export of the data", path);
        else if (tc == 2)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: invalid UTF-8 byte 0x%02X on line 1 (latin-1 or binary file?); convert it to UTF-8 (iconv -f latin1 -t utf-8)", path, bad);
        else {
            hs = e ? (int64_t)n + 1 : size;
            R.sep = o->sep ? o->sep : regia_csv_detect_sep(hdr, n);
            st = header_cols(path, hdr, n, R.sep, req, 4, R.col, &R.hdr_nf, "expected IdSensore,Data,Valore,Stato,idOperatore");
        }
    }
    if (st == REGIA_OK) st = regia_run_fault(run, "parse");
    st = regia_run_agree(run, st);
    if (st != REGIA_OK) goto err;

    /* this rank's byte range of the data lines, aligned to line starts */
    int64_t ra = hs + (int64_t)((double)(size - hs) * ctx->rank / ctx->size);
    int64_t rb = hs + (int64_t)((double)(size - hs) * (ctx->rank + 1) / ctx->size);
    if (ctx->rank == ctx->size - 1) rb = size;
    a = ra;
    b = rb;
    if (ra > hs) st = regia_align_line(fd, path, size, ra, &a);
    if (!st && rb > hs && rb < size) st = regia_align_line(fd, path, size, rb, &b);
    if (a > b) a = b;
    P->range[file][0] = a;
    P->range[file][1] = b;
    R.work = malloc(2 * (MAX_LINE + INGEST_MAXF + 8));
    start = calloc((size_t)ctx->size, sizeof *start);
    if (!st && (!R.work || !start)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (!st) {
        for (int p = 0; p < ctx->size; p++) start[p] = P->to[p].n;
        st = parse_range(&R, fd, path, a, b, &nl, prog);
    }
    /* line numbers: lines of the ranges before this one */
    long long mine = nl, bef = 0;
    MPI_Exscan(&mine, &bef, 1, MPI_LONG_LONG, MPI_SUM, ctx->comm);
    before = ctx->rank == 0 ? 0 : bef;
    if (!st && R.fatal) {
        long long line = 2 + before + R.fatal_line;
        switch (R.fatal) {
        case F_NUL:
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: NUL byte on line %lld (binary file?); give the CSV export of the data", path, line);
            break;
        case F_UTF8:
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: not a text CSV: invalid UTF-8 byte 0x%02X on line %lld (latin-1 or binary file?); convert it to UTF-8 (iconv -f latin1 -t utf-8)", path, R.fatal_byte, line);
            break;
        case F_LONG:
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld is longer than %d bytes; not a valid CSV export (check the file)", path, line, MAX_LINE);
            break;
        default:
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: the date '%s' could be day/month or month/day: state the order with "
                            "--date-format dmy (dd/mm/yyyy, Italian exports) or mdy (mm/dd/yyyy)", path, line, R.fatal_text);
        }
    }
    if (!st) {
        int64_t add = 2 + before;
        for (int p = 0; p < ctx->size; p++)
            for (size_t i = start[p]; i < P->to[p].n; i++) P->to[p].r[i].line += add;
        for (size_t i = rej0; i < P->rej.n; i++) P->rej.v[i].line += add;
    }
    st = regia_run_agree(run, st);
err:
    if (fd >= 0) close(fd);
    free(hdr);
    free(R.work);
    free(start);
    return st;
}
