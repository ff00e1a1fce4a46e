/* sensor_csv.c - CSV exports of structural sensors -> uniformly sampled traces
 * (regia/sensor_read.h: the layout and the rules).
 *
 * Steps: comment lines (structure, sensor, sampling_rate) -> header (NAME [UNITS] per
 * channel, units from the fixed table) -> each data line parsed into a time stamp (ns)
 * and values, or rejected -> the day/month check over the whole file -> lines whose time
 * stamp does not increase rejected -> the rate (stated, checked against the median step,
 * or from the median step) -> pieces split at gaps -> runs of missing values checked ->
 * each piece resampled onto its uniform grid by linear interpolation, jitter measured. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regia/csv.h"
#include "regia/fileutil.h"
#include "regia/timeutil.h"
#include "sensor_read_impl.h"

#define NS 1000000000LL
#define MAX_CH 255
#define NO_TIME INT64_MIN

void regia_sensor_csv_defaults(regia_sensor_csv_opts_t *o)
{
    *o = (regia_sensor_csv_opts_t){.date_order = REGIA_DATE_DMY, .fs = 0, .rate_tol = 0.01, .gap_factor = 1.5,
                                   .max_jitter = 0.25, .max_nan_run = 100};
}

/* One data line that parsed. */
typedef struct {
    int64_t t, t_swap; /* ns since 1970 under the stated order; under the other (NO_TIME: none) */
    int64_t line, off;
    int slash;         /* a slash date                                                     */
} row_t;

/* ---- time stamps ------------------------------------------------------------------------ */

static int digits(const char **p, int min, int max, long *v)
{
    const char *s = *p;
    int n = 0;
    long x = 0;
    while (n < max && s[n] >= '0' && s[n] <= '9') x = x * 10 + (s[n++] - '0');
    if (n < min) return 0;
    *p = s + n;
    *v = x;
    return 1;
}

static int64_t civil_ns(long y, long m, long d, long hh, long mi, long ss, long frac)
{
    return ((regia_days_from_civil((int)y, (int)m, (int)d) * 86400 + hh * 3600 + mi * 60 + ss) * NS) + frac;
}

/* 1900-2261: the years an int64 count of ns since 1970 holds (REGIA_TRACE_TIME_*) */
/* A time stamp in ns as ISO 8601 with its fraction (".995", or 9 digits where ms do not do). */
static void fmt_ns(int64_t t, char *buf, size_t cap)
{
    char iso[40];
    const int64_t s = regia_floordiv(t, NS), f = t - s * NS;
    regia_format_datetime(s, iso, sizeof iso);
    size_t n = strlen(iso);
    if (n && iso[n - 1] == 'Z') iso[--n] = '\0';
    if (f == 0) snprintf(buf, cap, "%sZ", iso);
    else if (f % 1000000 == 0) snprintf(buf, cap, "%s.%03lldZ", iso, (long long)(f / 1000000));
    else snprintf(buf, cap, "%s.%09lldZ", iso, (long long)f);
}

static int date_ok(long y, long m, long d) { return y >= 1900 && y <= 2261 && m >= 1 && m <= 12 && d >= 1 && d <= regia_days_in_month((int)y, (int)m); }

/* hh:mm[:ss[.fffffffff]] at *p; the fraction in ns. */
static int clock_part(const char **p, long *hh, long *mi, long *ss, long *frac)
{
    *ss = *frac = 0;
    if (!digits(p, 1, 2, hh) || **p != ':') return 0;
    (*p)++;
    if (!digits(p, 2, 2, mi)) return 0;
    if (**p == ':') {
        (*p)++;
        if (!digits(p, 2, 2, ss)) return 0;
        if (**p == '.' || **p == ',') {
            (*p)++;
            const char *s = *p;
            int n = 0;
            long f = 0;
            while (s[n] >= '0' && s[n] <= '9') {
                if (n < 9) f = f * 10 + (s[n] - '0');
                n++;
            }
            if (!n || n > 9) return 0;
            for (int k = n; k < 9; k++) f *= 10;
            *frac = f;
            *p = s + n;
        }
    }
    return *hh <= 23 && *mi <= 59 && *ss <= 59;
}

/* Parse a time stamp.  0: *t set (and *t_swap for a slash date valid in both orders, else
 * NO_TIME), *slash set; -1: not a time stamp (msg says why); 1: a slash date that is not
 * valid under the stated order but is under the other one (*t_swap set). */
static int parse_stamp(const char *s, regia_date_order_t ord, int64_t *t, int64_t *t_swap, int *slash, char *msg,
                       size_t cap)
{
    while (*s == ' ' || *s == '\t') s++;
    const char *p = s;
    long a, b, y, hh = 0, mi = 0, ss = 0, frac = 0;
    *t = *t_swap = NO_TIME;
    *slash = 0;
    if (!digits(&p, 1, 4, &a)) goto bad;
    if (*p == '-' && p - s == 4) { /* ISO 8601 */
        y = a;
        p++;
        if (!digits(&p, 2, 2, &a) || *p++ != '-' || !digits(&p, 2, 2, &b)) goto bad;
        if (*p == 'T' || *p == ' ') {
            p++;
            if (!clock_part(&p, &hh, &mi, &ss, &frac)) goto bad;
        }
        if (*p == 'Z') p++;
        while (*p == ' ' || *p == '\t') p++;
        if (*p) goto bad;
        if (!date_ok(y, a, b)) goto bad;
        *t = civil_ns(y, a, b, hh, mi, ss, frac);
        return 0;
    }
    if (*p != '/' || p - s > 2) goto bad;
    p++;
    if (!digits(&p, 1, 2, &b) || *p++ != '/' || !digits(&p, 4, 4, &y)) goto bad;
    if (*p == ' ' || *p == 'T') {
        p++;
        if (!clock_part(&p, &hh, &mi, &ss, &frac)) goto bad;
    }
    while (*p == ' ' || *p == '\t') p++;
    if (*p) goto bad;
    *slash = 1;
    if (ord == REGIA_DATE_ISO) {
        snprintf(msg, cap, "'%s' is a slash date but the date format is iso (only yyyy-mm-dd)", s);
        return -1;
    }
    long d = ord == REGIA_DATE_DMY ? a : b, m = ord == REGIA_DATE_DMY ? b : a;
    int ok = date_ok(y, m, d), ok_swap = date_ok(y, d, m);
    if (ok_swap) *t_swap = civil_ns(y, d, m, hh, mi, ss, frac);
    if (ok) {
        *t = civil_ns(y, m, d, hh, mi, ss, frac);
        return 0;
    }
    if (ok_swap) return 1;
    snprintf(msg, cap, "'%s' is not a valid date", s);
    return -1;
bad:
    snprintf(msg, cap, "'%.60s' is not a time stamp (ISO 8601 yyyy-mm-ddThh:mm:ss[.fff] or %s hh:mm:ss[.fff])", s,
             ord == REGIA_DATE_MDY ? "mm/dd/yyyy" : "dd/mm/yyyy");
    return -1;
}

static const char *order_name(regia_date_order_t o, int other)
{
    int mdy = (o == REGIA_DATE_MDY) != (other != 0);
    return mdy ? "mm/dd/yyyy" : "dd/mm/yyyy";
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The typical step of t (n rows, in order; under the other day/month order when swapped):
 * the mean of the positive steps up to 3 times their median (longer ones are gaps), in ns.
 * A mean, not the median: stamps that alternate early and late (6 ms, 14 ms, ...) have a
 * median of either step but a mean of the true interval.  0 when there is no positive
 * step, -1 when out of memory. */
static double typical_step(const row_t *r, size_t n, int swapped)
{
    if (n < 2) return 0;
    int64_t *d = malloc((n - 1) * sizeof *d);
    if (!d) return -1;
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        int64_t a = swapped ? r[i - 1].t_swap : r[i - 1].t, b = swapped ? r[i].t_swap : r[i].t;
        if (b > a) d[k++] = b - a;
    }
    double m = 0;
    if (k) {
        qsort(d, k, sizeof *d, cmp_i64);
        int64_t med = d[k / 2];
        double sum = 0;
        size_t c = 0;
        for (size_t i = 0; i < k && d[i] <= 3 * med; i++) sum += (double)d[i], c++;
        m = sum / (double)c;
    }
    free(d);
    return m;
}

/* Steps of the rows that are not regular (backwards, zero, or longer than gap) under one
 * order; the first such row in *first. */
static size_t irregular_steps(const row_t *r, size_t n, int swapped, int64_t gap, size_t *first)
{
    size_t bad = 0;
    *first = 0;
    for (size_t i = 1; i < n; i++) {
        int64_t a = swapped ? r[i - 1].t_swap : r[i - 1].t, b = swapped ? r[i].t_swap : r[i].t;
        if (b <= a || b - a > gap) {
            if (!bad++) *first = i;
        }
    }
    return bad;
}

static int cmp_reject(const void *a, const void *b)
{
    const regia_sensor_reject_t *x = a, *y = b;
    return (x->where > y->where) - (x->where < y->where);
}

/* ---- the header ------------------------------------------------------------------------- */

typedef struct {
    char name[48], units_in[24];
    regia_unit_t u;
} column_t;

static regia_status_t parse_column(const char *name, int64_t line, int col, const char *h, column_t *c)
{
    const char *nm, *un;
    size_t nl, nu;
    int k = regia_csv_name_units(h, &nm, &nl, &un, &nu);
    if (k == 0)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column %d '%s' has no units: write the header as "
                          "'%s [m/s2]' (units in brackets: %s)", name, (long long)line, col + 1, h, h,
                          regia_sensor_unit_names());
    if (k < 0)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column %d '%s': malformed units: write the header as "
                          "NAME [UNITS], one pair of brackets at the end and none in the name (accepted: %s)", name,
                          (long long)line, col + 1, h, regia_sensor_unit_names());
    if (!nl) return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column %d '%s' has no channel name", name,
                               (long long)line, col + 1, h);
    if (nl >= sizeof c->name)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column %d: channel name longer than %zu bytes", name,
                          (long long)line, col + 1, sizeof c->name - 1);
    memcpy(c->name, nm, nl);
    c->name[nl] = 0;
    if (nu >= sizeof c->units_in) nu = sizeof c->units_in - 1;
    memcpy(c->units_in, un, nu);
    c->units_in[nu] = 0;
    if (!regia_sensor_unit(c->units_in, &c->u))
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: trace '%s': unknown units '%s' (accepted: %s)", name,
                          (long long)line, c->name, c->units_in, regia_sensor_unit_names());
    snprintf(c->units_in, sizeof c->units_in, "%s", c->u.name);
    return REGIA_OK;
}

/* "# key: value" comment lines before the header. */
static regia_status_t comment_line(const char *name, int64_t line, const char *text, size_t n,
                                   regia_sensor_file_t *F)
{
    char buf[256];
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, text, n);
    buf[n] = 0;
    char *s = buf + 1, *sep = strpbrk(s, ":=");
    if (!sep) return REGIA_OK;
    *sep = 0;
    char *k = regia_csv_trim(s), *v = regia_csv_trim(sep + 1);
    size_t vl = strlen(v);
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) v[--vl] = 0;
    size_t kl = strlen(k);
    while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t')) k[--kl] = 0;
    if (!strcasecmp(k, "structure")) snprintf(F->structure, sizeof F->structure, "%s", v);
    else if (!strcasecmp(k, "sensor")) snprintf(F->sensor, sizeof F->sensor, "%s", v);
    else if (!strcasecmp(k, "sampling_rate") || !strcasecmp(k, "sampling rate") || !strcasecmp(k, "fs")) {
        char *end;
        double fs = strtod(v, &end);
        while (*end == ' ') end++;
        if (!strcasecmp(end, "hz")) end += 2;
        if (end == v || *end || !(fs > 0) || !isfinite(fs))
            return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: sampling_rate '%s' is not a positive number of Hz",
                              name, (long long)line, v);
        F->stated_fs = fs;
    }
    return REGIA_OK;
}

/* ---- resampling ------------------------------------------------------------------------- */

/* Rows [i0, i1) (a gap-free piece) -> one trace per channel on the grid t0 + k / fs. */
static regia_status_t resample(const char *name, const row_t *r, const double *val, int nch, size_t i0, size_t i1,
                               double fs, const column_t *col, const regia_sensor_csv_opts_t *o,
                               regia_sensor_file_t *F, double *sum2, int64_t *nst)
{
    const double dt = 1e9 / fs; /* ns */
    const int64_t ta = r[i0].t;   /* times below are relative to it, in ns (doubles hold them exactly) */
#define REL(i) ((double)(r[i].t - ta))
    /* the stamps' own clock: a straight line through them by least squares (time against
     * the stamp's number in the piece); the jitter is the deviation from it, and the grid
     * starts at the line's time of the first stamp */
    const size_t m = i1 - i0;
    double xb = (double)(m - 1) / 2, yb = 0, sxy = 0, sxx = 0;
    for (size_t i = i0; i < i1; i++) yb += REL(i);
    yb /= (double)m;
    for (size_t i = i0; i < i1; i++) {
        double x = (double)(i - i0) - xb;
        sxy += x * (REL(i) - yb);
        sxx += x * x;
    }
    const double slope = sxx > 0 ? sxy / sxx : dt, t0 = yb - slope * xb;
    double s2 = 0, mx = 0;
    size_t worst = i0;
    for (size_t i = i0; i < i1; i++) {
        double dv = fabs(REL(i) - (t0 + slope * (double)(i - i0)));
        s2 += dv * dv;
        if (dv > mx) mx = dv, worst = i;
    }
    if (mx > o->max_jitter * dt)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: line %lld: time stamps too irregular to resample: this stamp is "
                          "%.3g ms off the straight line through the stamps (more than %g sample intervals of %g Hz; rms of the "
                          "deviations %.3g ms)",
                          name, (long long)r[worst].line, mx * 1e-6, o->max_jitter, fs,
                          sqrt(s2 / (double)(i1 - i0)) * 1e-6);
    *sum2 += s2;
    *nst += (int64_t)(i1 - i0);
    if (mx > F->jitter_max_s * 1e9) F->jitter_max_s = mx * 1e-9;
    /* from the line's first stamp to the grid point nearest the last stamp */
    int64_t k0 = 0, k1 = (int64_t)nearbyint((REL(i1 - 1) - t0) / dt);
    int64_t n = k1 - k0 + 1;
    if (n < 1) n = 1;
    for (int c = 0; c < nch; c++) {
        regia_sensor_trace_t *T;
        regia_status_t st = sensor_add_trace(F, &T);
        if (st) return st;
        snprintf(T->source, sizeof T->source, "%s", col[c].name);
        snprintf(T->channel, sizeof T->channel, "%s", col[c].name);
        snprintf(T->units_in, sizeof T->units_in, "%s", col[c].units_in);
        snprintf(T->units, sizeof T->units, "%s", col[c].u.si);
        T->qty = col[c].u.qty;
        T->fs = fs;
        T->start_ns = ta + (int64_t)llround(t0 + (double)k0 * dt);
        T->n = n;
        T->n_stamps = (int64_t)(i1 - i0);
        T->jitter_rms_s = sqrt(s2 / (double)(i1 - i0)) * 1e-9;
        T->jitter_max_s = mx * 1e-9;
        T->x = malloc((size_t)n * sizeof *T->x);
        if (!T->x) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: trace '%s': out of memory (%lld samples)", name,
                                     col[c].name, (long long)n);
        size_t j = i0;
        int64_t run = 0;
        for (int64_t k = 0; k < n; k++) {
            double tk = t0 + (double)(k0 + k) * dt, v;
            while (j + 1 < i1 && REL(j + 1) <= tk) j++;
            if (j + 1 >= i1 || tk <= REL(j)) {
                v = val[j * (size_t)nch + (size_t)c]; /* at or beyond an end: the nearest stamp */
            } else {
                double w = (tk - REL(j)) / (double)(r[j + 1].t - r[j].t);
                double a = val[j * (size_t)nch + (size_t)c], b = val[(j + 1) * (size_t)nch + (size_t)c];
                v = w == 0 ? a : w == 1 ? b : a + w * (b - a); /* NaN if either is missing */
            }
            T->x[k] = isnan(v) ? NAN : v * col[c].u.scale + col[c].u.offset;
            if (isnan(v)) {
                T->n_nan++;
                if (++run > T->longest_nan) T->longest_nan = run;
            } else
                run = 0;
        }
    }
    return REGIA_OK;
#undef REL
}

/* ---- the file --------------------------------------------------------------------------- */

regia_status_t regia_sensor_csv_parse(const char *name, const char *buf, size_t len, const regia_sensor_csv_opts_t *o,
                                      regia_sensor_file_t *F)
{
    regia_status_t st = REGIA_OK;
    regia_csv_lines_t L;
    regia_csv_header_t H = {0};
    regia_csv_fields_t Fd = {0};
    column_t *col = NULL;
    row_t *r = NULL;
    double *val = NULL;
    size_t nr = 0, cap = 0;
    int nch = 0, got = 0;
    char msg[256];
    long bad_line = 0;
    if ((st = regia_csv_check_text(buf, len, name, &bad_line))) goto err;
    regia_csv_lines_init(&L, name, buf, len, 1, 1, 0);
    /* comment lines, then the header */
    for (;;) {
        if ((st = regia_csv_lines_next(&L, &got))) goto err;
        if (!got) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no header line (time,NAME [UNITS],...)", name);
            goto err;
        }
        if (!L.n) continue;
        if (L.text[0] == '#') {
            if ((st = comment_line(name, L.line, L.text, L.n, F))) goto err;
            continue;
        }
        break;
    }
    const int64_t hline = L.line;
    if ((st = regia_csv_header_parse(&H, name, L.text, L.n, 0))) goto err;
    nch = H.n - 1;
    if (nch < 1) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: the header has no channel column after the time column",
                        name, (long long)hline);
        goto err;
    }
    if (nch > MAX_CH) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: %d channel columns, at most %d", name, (long long)hline, nch,
                        MAX_CH);
        goto err;
    }
    col = calloc((size_t)nch, sizeof *col);
    if (!col || (st = regia_csv_fields_init(&Fd, H.n + 1, 0))) {
        if (!st) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        goto err;
    }
    for (int c = 0; c < nch; c++)
        if ((st = parse_column(name, hline, c + 1, H.name[c + 1], &col[c]))) goto err;
    /* the data lines */
    int64_t contra_line = 0;
    char contra_text[80] = "";
    for (;;) {
        if ((st = regia_csv_lines_next(&L, &got))) {
            /* an over-long line: a reject, go on */
            snprintf(msg, sizeof msg, "line longer than %zu bytes", L.max_line);
            regia_error_clear();
            F->units_read++;
            if ((st = sensor_add_reject(F, L.line, -1, "%s", msg))) goto err;
            continue;
        }
        if (!got) break;
        if (!L.n || L.text[0] == '#') continue;
        F->units_read++;
        int nf = regia_csv_fields_split(&Fd, L.text, L.n, H.sep);
        if (nf != H.n) {
            if (nf == -1) snprintf(msg, sizeof msg, "unterminated quote");
            else snprintf(msg, sizeof msg, "%d fields, expected %d as in the header", nf < 0 ? H.n + 1 : nf, H.n);
            if ((st = sensor_add_reject(F, L.line, (int64_t)L.off, "%s", msg))) goto err;
            continue;
        }
        if (nr == cap) {
            size_t nc = cap ? 2 * cap : 4096;
            void *p1 = realloc(r, nc * sizeof *r), *p2 = p1 ? realloc(val, nc * (size_t)nch * sizeof *val) : NULL;
            if (p1) r = p1;
            if (p2) val = p2;
            if (!p1 || !p2) {
                st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory at line %lld", name, (long long)L.line);
                goto err;
            }
            cap = nc;
        }
        row_t *w = &r[nr];
        int rc = parse_stamp(Fd.field[0], o->date_order, &w->t, &w->t_swap, &w->slash, msg, sizeof msg);
        if (rc == 1) {
            if (!contra_line) {
                contra_line = L.line;
                snprintf(contra_text, sizeof contra_text, "%s", regia_csv_trim(Fd.field[0]));
            }
            w->t = w->t_swap; /* kept for the count; the file is refused below */
        } else if (rc < 0) {
            if ((st = sensor_add_reject(F, L.line, (int64_t)L.off, "time: %s", msg))) goto err;
            continue;
        }
        int ok = 1;
        for (int c = 0; c < nch && ok; c++) {
            double v;
            if (regia_csv_number(Fd.field[c + 1], H.decimal, &v) < 0) {
                snprintf(msg, sizeof msg, "trace '%s': '%.40s' is not a number", col[c].name,
                         regia_csv_trim(Fd.field[c + 1]));
                ok = 0;
            }
            val[nr * (size_t)nch + (size_t)c] = v;
        }
        if (!ok) {
            if ((st = sensor_add_reject(F, L.line, (int64_t)L.off, "%s", msg))) goto err;
            continue;
        }
        w->line = L.line;
        w->off = (int64_t)L.off;
        nr++;
    }
    if (contra_line) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: '%s' is not a date under %s (the stated order), but is under "
                        "%s: the file's dates contradict the stated day/month order (give the date format of the "
                        "file, e.g. --date-format %s); not guessed", name, (long long)contra_line, contra_text,
                        order_name(o->date_order, 0), order_name(o->date_order, 1),
                        o->date_order == REGIA_DATE_MDY ? "dmy" : "mdy");
        goto err;
    }
    if (nr < 2) {
        if (F->nrej > 0) /* the first reject says why */
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %zu readable data line%s: at least 2 are needed (%zu rejected; the "
                            "first, line %lld: %s)", name, nr, nr == 1 ? "" : "s", F->nrej, (long long)F->rej[0].where,
                            F->rej[0].reason);
        else
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %zu readable data line%s: at least 2 are needed", name, nr,
                            nr == 1 ? "" : "s");
        goto err;
    }
    /* the rate the check uses: stated, else the median step */
    double fs = o->fs > 0 ? o->fs : F->stated_fs;
    const char *fs_from = o->fs > 0 ? "the stated rate (option)" : "the stated rate (the file's sampling_rate line)";
    /* day/month: steps that go back (or jump) under the stated order but are all regular
     * under the other; then each step on its own */
    {
        int all_swap = 1, any_slash = 0;
        for (size_t i = 0; i < nr; i++)
            if (r[i].slash) {
                any_slash = 1;
                if (r[i].t_swap == NO_TIME) all_swap = 0;
            }
        if (any_slash && all_swap) {
            double ms = typical_step(r, nr, 1);
            double fchk = fs > 0 ? fs : ms > 0 ? 1e9 / ms : 0;
            if (fchk > 0) {
                int64_t gap = (int64_t)(o->gap_factor * 1e9 / fchk);
                size_t f0, f1;
                size_t b0 = irregular_steps(r, nr, 0, gap, &f0), b1 = irregular_steps(r, nr, 1, gap, &f1);
                if (b0 && !b1) {
                    char t1[40], t2[40];
                    regia_format_datetime(regia_floordiv(r[f0 - 1].t, NS), t1, sizeof t1);
                    regia_format_datetime(regia_floordiv(r[f0].t, NS), t2, sizeof t2);
                    st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: read as %s (the stated order) the time stamps "
                                    "jump from %s to %s, but read as %s every time stamp follows the one before at "
                                    "%g Hz: the file's dates contradict the stated day/month order (give the date "
                                    "format of the file, e.g. --date-format %s); not guessed", name,
                                    (long long)r[f0].line, order_name(o->date_order, 0), t1, t2,
                                    order_name(o->date_order, 1), fchk, o->date_order == REGIA_DATE_MDY ? "dmy" : "mdy");
                    goto err;
                }
            }
            /* step by step (periodic records cross midnight in a recording gap, so the
             * swapped order is not gap-free): a step that goes back, or is at least a day
             * longer, under the stated order but steps forward under the other */
            for (size_t i = 1; i < nr; i++) {
                const int64_t a0 = r[i - 1].t, b0_ = r[i].t, a1 = r[i - 1].t_swap, b1_ = r[i].t_swap;
                if (a1 == NO_TIME || b1_ == NO_TIME || !r[i].slash || !r[i - 1].slash) continue;
                const int64_t d0 = b0_ - a0, d1 = b1_ - a1, day_ns = (int64_t)86400 * NS;
                if (d1 > 0 && (d0 <= 0 || d0 - d1 >= day_ns)) {
                    char t1[40], t2[40];
                    regia_format_datetime(regia_floordiv(a0, NS), t1, sizeof t1);
                    regia_format_datetime(regia_floordiv(b0_, NS), t2, sizeof t2);
                    st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: read as %s (the stated order) the time stamp "
                                    "%s from %s to %s after line %lld, but read as %s it follows that line by %.6g s, a "
                                    "forward step: the file's dates contradict the stated day/month order (give the "
                                    "date format of the file, e.g. --date-format %s); not guessed", name,
                                    (long long)r[i].line, order_name(o->date_order, 0), d0 <= 0 ? "goes back" : "jumps",
                                    t1, t2, (long long)r[i - 1].line, order_name(o->date_order, 1), (double)d1 / 1e9,
                                    o->date_order == REGIA_DATE_MDY ? "dmy" : "mdy");
                    goto err;
                }
            }
        }
    }
    /* time stamps that do not increase: rejects */
    {
        size_t w = 1, n_back = 0;
        int64_t back_line = 0, back_prev = 0;
        char back_t[48] = "";
        for (size_t i = 1; i < nr; i++) {
            if (r[i].t <= r[w - 1].t) {
                char t1[48];
                fmt_ns(r[i].t, t1, sizeof t1);
                if (!n_back++) back_line = r[i].line, back_prev = r[w - 1].line, snprintf(back_t, sizeof back_t, "%s", t1);
                if ((st = sensor_add_reject(F, r[i].line, r[i].off, "time stamp %s not after the one of line %lld", t1,
                                            (long long)r[w - 1].line)))
                    goto err;
                continue;
            }
            if (w != i) {
                r[w] = r[i];
                memcpy(val + w * (size_t)nch, val + i * (size_t)nch, (size_t)nch * sizeof *val);
            }
            w++;
        }
        if (w < 2) { /* every stamp after the first goes back: a file in reverse or unsorted */
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: the time stamps do not increase: %zu of %zu lines are not after an "
                            "earlier one (the first: line %lld, %s, not after line %lld); sort the export by time", name,
                            n_back, nr, (long long)back_line, back_t, (long long)back_prev);
            goto err;
        }
        nr = w;
    }
    double med = typical_step(r, nr, 0);
    if (med <= 0) { st = REGIA_FAIL(med < 0 ? REGIA_ERR_NOMEM : REGIA_ERR_INVALID, "%s: no time step", name); goto err; }
    double fs_med = 1e9 / med;
    if (fs > 0) {
        if (fabs(fs_med / fs - 1) > o->rate_tol) {
            char names[256] = "";
            size_t k = 0;
            for (int c = 0; c < nch && k < sizeof names - 50; c++)
                k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", c ? ", " : "", col[c].name);
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: traces %s: wrong sampling rate: %s is %g Hz but the time stamps "
                            "step by %.6g ms on average (%.6g Hz; tolerance %g %%)", name, names, fs_from, fs,
                            med * 1e-6, fs_med, 100 * o->rate_tol);
            goto err;
        }
    } else {
        fs = fs_med;
        if (fs >= 1 && fabs(fs - nearbyint(fs)) <= o->rate_tol * fs) fs = nearbyint(fs); /* the nominal rate */
    }
    /* runs of missing values, per channel over the kept lines */
    for (int c = 0; c < nch; c++) {
        int64_t run = 0;
        for (size_t i = 0; i <= nr; i++) {
            if (i < nr && isnan(val[i * (size_t)nch + (size_t)c])) { run++; continue; }
            if (run > o->max_nan_run) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace '%s': %lld missing values in a row (lines %lld-%lld), "
                                "more than the %lld accepted (max_nan_run)", name, col[c].name, (long long)run,
                                (long long)r[i - (size_t)run].line, (long long)r[i - 1].line,
                                (long long)o->max_nan_run);
                goto err;
            }
            run = 0;
        }
    }
    /* gap-free pieces, resampled */
    {
        const int64_t gap = (int64_t)(o->gap_factor * 1e9 / fs);
        double s2 = 0;
        int64_t nst = 0;
        size_t i0 = 0;
        const double dt = 1e9 / fs;
        for (size_t i = 1; i <= nr; i++) {
            if (i < nr && r[i].t - r[i - 1].t <= gap) continue;
            /* a long step followed by a short one is a stamp off its place, not a gap */
            if (i + 1 < nr && (double)(r[i + 1].t - r[i].t) < (1 - 2 * o->max_jitter) * dt) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: line %lld: time stamps too irregular to resample: a step of "
                                "%.3g ms (%.2f sample intervals of %g Hz) and then one of %.3g ms: a stamp more than %g "
                                "sample intervals off its place, not a gap", name, (long long)r[i].line,
                                (double)(r[i].t - r[i - 1].t) * 1e-6, (double)(r[i].t - r[i - 1].t) / dt, fs,
                                (double)(r[i + 1].t - r[i].t) * 1e-6, o->max_jitter);
                goto err;
            }
            if ((st = resample(name, r, val, nch, i0, i, fs, col, o, F, &s2, &nst))) goto err;
            i0 = i;
        }
        F->jitter_rms_s = nst ? sqrt(s2 / (double)nst) * 1e-9 : 0;
    }
    F->units_kept = (int64_t)nr;
    qsort(F->rej, F->nrej, sizeof *F->rej, cmp_reject);
err:
    free(col);
    free(r);
    free(val);
    regia_csv_header_free(&H);
    regia_csv_fields_free(&Fd);
    return st;
}

regia_status_t regia_sensor_csv_read(const char *path, const regia_sensor_csv_opts_t *o, regia_sensor_file_t *F)
{
    char *buf = NULL;
    size_t len = 0;
    regia_status_t st = regia_read_file(path, (size_t)1 << 34, &buf, &len);
    if (!st) st = regia_sensor_csv_parse(path, buf, len, o, F);
    free(buf);
    return st;
}
