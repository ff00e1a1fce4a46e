/* queue_input.c - weekly shift schedules and arrival traces for `regia queue`
 * (queue_input.h).  Host only, no MPI: the caller reads on one rank and broadcasts. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "queue_input.h"
#include "regia/csv.h"
#include "regia/fileutil.h"

static const char *const DAY3[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const DAYFULL[7] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

/* Day index 0 (Monday) .. 6 of s[0..n), or -1. */
static int day_of(const char *s, size_t n)
{
    for (int d = 0; d < 7; d++)
        if ((n == 3 && !strncasecmp(s, DAY3[d], 3)) || (n == strlen(DAYFULL[d]) && !strncasecmp(s, DAYFULL[d], n)))
            return d;
    return -1;
}

/* Minutes since midnight of "HH:MM" (00:00 .. 24:00), or -1. */
static int clock_of(const char *s, size_t n)
{
    if (n != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m)) return -1;
    return h * 60 + m;
}

/* Days of DAYS into on[7]; messages start with `what` ("--schedule: shift 'TEXT'"). */
static regia_status_t parse_days(const char *s, size_t n, int on[7], const char *what)
{
    memset(on, 0, 7 * sizeof *on);
    if ((n == 5 && !strncasecmp(s, "daily", 5))) {
        for (int d = 0; d < 7; d++) on[d] = 1;
        return REGIA_OK;
    }
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != '+') j++;
        /* one item: DAY or DAY-DAY */
        const char *dash = memchr(s + i, '-', j - i);
        int a, b;
        if (dash) {
            a = day_of(s + i, (size_t)(dash - (s + i)));
            b = day_of(dash + 1, (size_t)(s + j - dash - 1));
        } else {
            a = b = day_of(s + i, j - i);
        }
        if (a < 0 || b < 0)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: '%.*s' is not a day, a range of days or daily (expected e.g. "
                              "Mon, Mon-Fri, Mon+Wed+Fri, Sat-Sun)", what, (int)(j - i), s + i);
        for (int d = a;; d = (d + 1) % 7) { /* Sat-Mon wraps over Sunday */
            on[d] = 1;
            if (d == b) break;
        }
        i = j + 1;
    }
    return REGIA_OK;
}

/* Add n servers on the days on[] from minute t0 to t1 (t1 > t0, at most a day later). */
static regia_status_t add_shift(queue_week_t *w, const int on[7], int t0, int t1, long n, const char *what)
{
    static const char *const NAME[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    for (int pass = 0; pass < 2; pass++) /* check every minute first: a refused shift adds nothing */
        for (int d = 0; d < 7; d++) {
            if (!on[d]) continue;
            for (int m = d * 1440 + t0; m < d * 1440 + t1; m++) {
                int32_t *c = &w->on[m % QUEUE_WEEK_MIN]; /* Sunday night wraps to Monday */
                if (pass == 1) *c += (int32_t)n;
                else if (*c + n > QUEUE_MAX_SERVERS)
                    return REGIA_FAIL(REGIA_ERR_INVALID, "%s: more than %d servers on duty on %s at %02d:%02d", what,
                                      QUEUE_MAX_SERVERS, NAME[(m / 1440) % 7], m % 1440 / 60, m % 60);
            }
        }
    return REGIA_OK;
}

static const char TIME_HELP[] = "HH:MM (00:00 to 24:00, e.g. 08:00; an end at or before the start runs past midnight)";

regia_status_t queue_shift_add(queue_week_t *w, const char *text, const char *where)
{
    char what[600];
    snprintf(what, sizeof what, "%.400s: shift '%.160s'", where, text);
    /* split into blank-separated words: DAYS, HH:MM-HH:MM, [xN] */
    const char *word[4];
    size_t len[4];
    int nw = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        const char *q = p;
        while (*q && *q != ' ' && *q != '\t') q++;
        if (nw == 4) { nw++; break; }
        word[nw] = p;
        len[nw++] = (size_t)(q - p);
        p = q;
    }
    /* "x 3" is "x3" */
    if (nw == 4 && len[2] == 1 && (word[2][0] == 'x' || word[2][0] == 'X')) {
        word[2] = word[3];
        len[2] = len[3];
        nw = 3;
    }
    if (nw < 2 || nw > 3)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: shift '%s' is not of the form 'DAYS HH:MM-HH:MM xN' "
                          "(e.g. 'Mon-Fri 08:00-16:00 x3')", where, text);
    int on[7];
    regia_status_t st = parse_days(word[0], len[0], on, what);
    if (st) return st;
    const char *dash = memchr(word[1], '-', len[1]);
    int t0 = dash ? clock_of(word[1], (size_t)(dash - word[1])) : -1;
    int t1 = dash ? clock_of(dash + 1, (size_t)(word[1] + len[1] - dash - 1)) : -1;
    if (t0 < 0 || t1 < 0 || t0 == 1440)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: '%.*s' is not a time range HH:MM-HH:MM (00:00 to 24:00, e.g. "
                          "08:00-16:00; 22:00-06:00 runs past midnight)", what, (int)len[1], word[1]);
    if (t1 <= t0) t1 += 1440; /* past midnight (00:00-00:00: the whole day) */
    long n = 1;
    if (nw == 3) {
        const char *s = word[2];
        size_t k = len[2];
        if (s[0] == 'x' || s[0] == 'X') s++, k--;
        while (k && (*s == ' ' || *s == '\t')) s++, k--;
        char buf[32];
        char *end = NULL;
        snprintf(buf, sizeof buf, "%.*s", (int)(k < sizeof buf - 1 ? k : sizeof buf - 1), s);
        n = k && k < sizeof buf - 1 && isdigit((unsigned char)buf[0]) ? strtol(buf, &end, 10) : 0;
        if (!end || *end || n < 1 || n > QUEUE_MAX_SERVERS)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: '%.*s' is not a server count xN with N in 1..%d", what,
                              (int)len[2], word[2], QUEUE_MAX_SERVERS);
    }
    return add_shift(w, on, t0, t1, n, what);
}

regia_status_t queue_sched_build(const queue_week_t *w, double minutes_per_unit, queue_sched_t *s,
                                 const char *what)
{
    double total = 0;
    s->n = 0;
    s->max_servers = 0;
    for (int m = 0; m < QUEUE_WEEK_MIN; m++) {
        const int32_t c = w->on[m];
        total += c;
        if (c > s->max_servers) s->max_servers = c;
        if (s->n > 0 && s->servers[s->n - 1] == c) {
            s->end[s->n - 1] = (m + 1) / minutes_per_unit;
        } else {
            s->servers[s->n] = c;
            s->end[s->n++] = (m + 1) / minutes_per_unit;
        }
    }
    s->period = QUEUE_WEEK_MIN / minutes_per_unit;
    s->end[s->n - 1] = s->period; /* exactly, whatever the rounding of the division */
    s->mean_servers = total / QUEUE_WEEK_MIN;
    if (s->max_servers == 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no server is on duty at any time of the week", what);
    return REGIA_OK;
}

regia_status_t queue_sched_read_csv(const char *path, queue_week_t *w)
{
    regia_status_t st = REGIA_OK;
    char *buf = NULL;
    size_t len = 0;
    regia_csv_lines_t L;
    regia_csv_header_t H = {0};
    regia_csv_fields_t F = {0};
    long bad = 0;
    int got = 0;
    int64_t rows = 0;
    REGIA_TRY(regia_read_file(path, 16u << 20, &buf, &len));
    REGIA_TRY(regia_csv_check_text(buf, len, path, &bad));
    regia_csv_lines_init(&L, path, buf, len, 1, 1, 0);
    REGIA_TRY(regia_csv_lines_next(&L, &got));
    if (!got) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: empty file (expected the header days,start,end,servers)", path); goto err; }
    REGIA_TRY(regia_csv_header_parse(&H, path, L.text, L.n, 0));
    static const char *const col[4] = {"days", "start", "end", "servers"};
    int c[4];
    for (int i = 0; i < 4; i++)
        if ((c[i] = regia_csv_header_col(&H, col[i])) < 0) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: header lacks the column '%s' (expected days,start,end,servers)",
                            path, col[i]);
            goto err;
        }
    REGIA_TRY(regia_csv_fields_init(&F, 0, 0));
    for (;;) {
        REGIA_TRY(regia_csv_lines_next(&L, &got));
        if (!got) break;
        if (L.n == 0) continue;
        int nf = regia_csv_fields_split(&F, L.text, L.n, H.sep);
        REGIA_TRY(regia_csv_check_fields(&H, path, L.line, nf));
        char where[4200];
        snprintf(where, sizeof where, "%s: line %lld", path, (long long)L.line);
        const char *d = regia_csv_trim(F.field[c[0]]), *a = regia_csv_trim(F.field[c[1]]);
        const char *b = regia_csv_trim(F.field[c[2]]), *n = regia_csv_trim(F.field[c[3]]);
        for (int i = 0; i < 4; i++)
            if (!*regia_csv_trim(F.field[c[i]])) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: column '%s' is empty", where, col[i]);
                goto err;
            }
        char what[4300];
        int on[7];
        snprintf(what, sizeof what, "%s: column 'days'", where);
        REGIA_TRY(parse_days(d, strlen(d), on, what));
        int t0 = clock_of(a, strlen(a)), t1 = clock_of(b, strlen(b));
        if (t0 < 0 || t0 == 1440 || t1 < 0) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: column '%s': '%s' is not a time %s", where, t0 < 0 || t0 == 1440 ? "start" : "end",
                            t0 < 0 || t0 == 1440 ? a : b, TIME_HELP);
            goto err;
        }
        if (t1 <= t0) t1 += 1440;
        char *end = NULL;
        errno = 0;
        long k = strtol(n, &end, 10);
        if (!isdigit((unsigned char)n[0]) || *end || errno || k < 1 || k > QUEUE_MAX_SERVERS) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: column 'servers': '%s' is not an integer in 1..%d", where, n,
                            QUEUE_MAX_SERVERS);
            goto err;
        }
        snprintf(what, sizeof what, "%s", where);
        REGIA_TRY(add_shift(w, on, t0, t1, k, what));
        rows++;
    }
    if (rows == 0) st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no shifts (only a header)", path);
err:
    regia_csv_fields_free(&F);
    regia_csv_header_free(&H);
    free(buf);
    return st;
}

/* Sort keys of the trace: time, then file order. */
typedef struct {
    double t;
    int64_t row;
    int32_t k;
} arrival_t;

static int cmp_arrival(const void *x, const void *y)
{
    const arrival_t *a = x, *b = y;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

regia_status_t queue_trace_read(const char *path, int n_classes, const char (*names)[QUEUE_NAME_LEN],
                                int64_t max_rows, double **time, int32_t **cls, int64_t *n, int64_t *count)
{
    regia_status_t st = REGIA_OK;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    regia_csv_lines_t L;
    regia_csv_header_t H = {0};
    regia_csv_fields_t F = {0};
    arrival_t *a = NULL;
    long bad = 0;
    int got = 0;
    int64_t rows = 0;
    *time = NULL;
    *cls = NULL;
    *n = 0;
    for (int k = 0; k < n_classes; k++) count[k] = 0;
    REGIA_TRY(regia_read_file(path, (size_t)1 << 31, &buf, &len));
    REGIA_TRY(regia_csv_check_text(buf, len, path, &bad));
    regia_csv_lines_init(&L, path, buf, len, 1, 1, 0);
    REGIA_TRY(regia_csv_lines_next(&L, &got));
    if (!got) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: empty file (expected the header time,class)", path); goto err; }
    REGIA_TRY(regia_csv_header_parse(&H, path, L.text, L.n, 0));
    int c_t = regia_csv_header_col(&H, "time"), c_k = regia_csv_header_col(&H, "class");
    if (c_t < 0 || c_k < 0) {
        char hdr[256];
        regia_csv_header_join(&H, hdr, sizeof hdr);
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: header lacks the column '%s' (expected time,class; found %s)", path,
                        c_t < 0 ? "time" : "class", hdr);
        goto err;
    }
    REGIA_TRY(regia_csv_fields_init(&F, 0, 0));
    for (;;) {
        REGIA_TRY(regia_csv_lines_next(&L, &got));
        if (!got) break;
        if (L.n == 0) continue;
        int nf = regia_csv_fields_split(&F, L.text, L.n, H.sep);
        REGIA_TRY(regia_csv_check_fields(&H, path, L.line, nf));
        double t;
        const char *ts = regia_csv_trim(F.field[c_t]), *ks = regia_csv_trim(F.field[c_k]);
        int r = regia_csv_number(ts, H.decimal, &t);
        if (r != 1 || t < 0) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column 'time': '%s' is %s", path, (long long)L.line, ts,
                            r == 0 ? "missing (every arrival needs a time)"
                            : r < 0 ? "not a number" : "negative (times count from 0, the start of the simulation)");
            goto err;
        }
        int k = -1;
        for (int i = 0; i < n_classes && k < 0; i++)
            if (!strcmp(ks, names[i])) k = i;
        if (k < 0) {
            char list[QUEUE_NAME_LEN * REGIA_QUEUE_MAX_CLASSES + 16];
            size_t o = 0;
            for (int i = 0; i < n_classes; i++) o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? "," : "", names[i]);
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column 'class': '%s' is not one of the classes %s (--classes)",
                            path, (long long)L.line, ks, list);
            goto err;
        }
        if (rows >= max_rows) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: more than %lld arrivals: split the trace", path, (long long)max_rows);
            goto err;
        }
        if ((size_t)rows == cap) {
            size_t nc = cap ? 2 * cap : 4096;
            arrival_t *na = realloc(a, nc * sizeof *a);
            if (!na) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for %zu arrivals", path, nc); goto err; }
            a = na;
            cap = nc;
        }
        a[rows] = (arrival_t){t, rows, k};
        rows++;
        count[k]++;
    }
    if (rows == 0) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no data rows (only a header)", path); goto err; }
    qsort(a, (size_t)rows, sizeof *a, cmp_arrival);
    *time = malloc(sizeof(double) * (size_t)rows);
    *cls = malloc(sizeof(int32_t) * (size_t)rows);
    if (!*time || !*cls) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for %lld arrivals", path, (long long)rows); goto err; }
    for (int64_t i = 0; i < rows; i++) (*time)[i] = a[i].t, (*cls)[i] = a[i].k;
    *n = rows;
err:
    if (st) {
        free(*time);
        free(*cls);
        *time = NULL;
        *cls = NULL;
    }
    free(a);
    regia_csv_fields_free(&F);
    regia_csv_header_free(&H);
    free(buf);
    return st;
}
