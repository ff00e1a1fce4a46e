/* bench_croston - time regia's Croston family (regia_croston, kernels/croston.c) on a
 * file of series, validate every result, write the forecasts.
 *
 *   bench_croston --csv SERIES.csv [--threads 1] [--reps 3] [--out FORECASTS.csv]
 *                 [--timing TIMING.json]
 *
 * SERIES.csv: one series per line, "id,y0,y1,..." (no header; lengths may differ), as
 * tests/reference/croston_statsforecast.py gen writes it.
 *
 * Methods (the columns of FORECASTS.csv, as test_k_croston --csv): classic, sba,
 * optimized, tsb_0.2_0.1, tsb_0.5_0.05, adida, imapa.  Each runs on the whole batch
 * twice: the point forecast alone (what statsforecast's models compute) and with the
 * 80/95 % intervals, the variance and the class.  Times (wall and the process's CPU
 * time) are medians of `reps` runs; every repetition must give bit-identical results.
 * Validation (exit 1): the op returns OK; forecasts finite and >= 0, the same with and
 * without intervals; intervals integers >= 0 and nested (lo95 <= lo80 <= hi80 <= hi95);
 * variances finite and >= 0.  Exit 2: usage or input error.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regia/croston.h"

enum { N_COLS = 7 };
static const char *const COL[N_COLS] = {"classic", "sba", "optimized", "tsb_0.2_0.1", "tsb_0.5_0.05", "adida", "imapa"};
static const int METHOD[N_COLS] = {REGIA_IM_CLASSIC, REGIA_IM_SBA,   REGIA_IM_OPTIMIZED, REGIA_IM_TSB,
                                   REGIA_IM_TSB,     REGIA_IM_ADIDA, REGIA_IM_IMAPA};
static const double ALPHA[N_COLS][2] = {{0, 0}, {0, 0}, {0, 0}, {0.2, 0.1}, {0.5, 0.05}, {0, 0}, {0, 0}};

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Medians of reps wall (times[0]) and CPU (times[1]) times. */
static void median2(double times[2][100], int reps, double *out)
{
    for (int k = 0; k < 2; k++) {
        qsort(times[k], (size_t)reps, sizeof(double), cmp_double);
        out[k] = times[k][reps / 2];
    }
}

typedef struct {
    int n, stride;
    char **ids;
    int32_t *len;
    double *y; /* n * stride */
} series_t;

/* Two passes: the first finds the number of series and the longest, the second fills. */
static int read_series(const char *path, series_t *S)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_croston: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 1 << 16;
    char *line = malloc(cap);
    int n = 0, stride = 0, lineno = 0;
    memset(S, 0, sizeof *S);
    for (int pass = 0; pass < 2; pass++) {
        rewind(f);
        n = lineno = 0;
        for (;;) {
            size_t used = 0;
            if (!fgets(line, (int)cap, f)) break;
            while (!strchr(line + used, '\n') && !feof(f)) { /* long line: grow */
                used = strlen(line);
                cap *= 2;
                line = realloc(line, cap);
                if (!fgets(line + used, (int)(cap - used), f)) break;
            }
            lineno++;
            char *nl = strchr(line, '\n');
            if (nl) *nl = '\0';
            if (!*line) continue;
            char *p = strchr(line, ',');
            int len = 0;
            if (p) *p++ = '\0';
            while (p && *p) {
                char *end;
                double v = strtod(p, &end);
                if (end == p || (*end && *end != ',')) {
                    fprintf(stderr, "%s:%d: field %d: not a number: %.20s\n", path, lineno, len + 2, p);
                    free(line);
                    fclose(f);
                    return -1;
                }
                if (pass) S->y[(size_t)n * S->stride + len] = v;
                len++;
                p = *end ? end + 1 : end;
            }
            if (pass) {
                S->ids[n] = strdup(line);
                S->len[n] = len;
            } else if (len > stride) {
                stride = len;
            }
            n++;
        }
        if (!pass) {
            S->n = n;
            S->stride = stride;
            S->ids = calloc((size_t)n, sizeof *S->ids);
            S->len = calloc((size_t)n, sizeof *S->len);
            S->y = calloc((size_t)n * (size_t)(stride ? stride : 1), sizeof *S->y);
            if (!S->ids || !S->len || !S->y) {
                fprintf(stderr, "bench_croston: out of memory for %d series of %d values\n", n, stride);
                free(line);
                fclose(f);
                return -1;
            }
        }
    }
    free(line);
    fclose(f);
    if (S->n == 0) {
        fprintf(stderr, "bench_croston: %s holds no series\n", path);
        return -1;
    }
    return 0;
}

typedef struct {
    double *mean, *lo, *hi, *var, *prob, *adi, *cv2;
    int32_t *cls;
} outbuf_t;

static int alloc_out(outbuf_t *o, int n)
{
    o->mean = calloc((size_t)n, sizeof(double));
    o->lo = calloc((size_t)n * 2, sizeof(double));
    o->hi = calloc((size_t)n * 2, sizeof(double));
    o->var = calloc((size_t)n, sizeof(double));
    o->prob = calloc((size_t)n, sizeof(double));
    o->adi = calloc((size_t)n, sizeof(double));
    o->cv2 = calloc((size_t)n, sizeof(double));
    o->cls = calloc((size_t)n, sizeof(int32_t));
    return o->mean && o->lo && o->hi && o->var && o->prob && o->adi && o->cv2 && o->cls ? 0 : -1;
}

/* One timed run of one method; intervals: with levels, variance and class.  secs[0] wall
 * time, secs[1] the process's CPU time (on a shared machine the fairer figure). */
static int run_once(const series_t *S, int col, int intervals, int threads, outbuf_t *o, double *secs)
{
    static const double levels[2] = {80, 95};
    regia_croston_batch_t in = {.n_series = S->n, .stride = S->stride, .y = S->y, .len = S->len,
                                .method = METHOD[col], .alpha_d = ALPHA[col][0], .alpha_p = ALPHA[col][1],
                                .horizon = 1, .n_levels = intervals ? 2 : 0, .levels = levels};
    regia_croston_out_t out = {.mean = o->mean};
    if (intervals) {
        out.lower = o->lo;
        out.upper = o->hi;
        out.var = o->var;
        out.prob = o->prob;
        out.adi = o->adi;
        out.cv2 = o->cv2;
        out.demand_class = o->cls;
    }
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    regia_status_t st = regia_croston(&in, &out, threads);
    secs[1] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    secs[0] = clock_s(CLOCK_MONOTONIC) - t0;
    if (st != REGIA_OK) {
        fprintf(stderr, "bench_croston: %s: %s\n", COL[col], regia_error_msg());
        return -1;
    }
    return 0;
}

static int same_out(const outbuf_t *a, const outbuf_t *b, int n)
{
    return !memcmp(a->mean, b->mean, sizeof(double) * n) && !memcmp(a->lo, b->lo, sizeof(double) * 2 * n) &&
           !memcmp(a->hi, b->hi, sizeof(double) * 2 * n) && !memcmp(a->var, b->var, sizeof(double) * n);
}

int main(int argc, char **argv)
{
    const char *csv = NULL, *out_path = NULL, *timing_path = NULL;
    int threads = 1, reps = 3;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--csv")) csv = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--out")) out_path = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--timing")) timing_path = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--threads")) threads = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--reps")) reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_croston --csv SERIES.csv [--threads 1] [--reps 3] [--out FORECASTS.csv] "
                            "[--timing TIMING.json]\n");
            return 2;
        }
    }
    if (!csv || reps < 1 || reps > 100) {
        fprintf(stderr, "bench_croston: --csv is required and --reps must be 1..100\n");
        return 2;
    }
    series_t S;
    if (read_series(csv, &S)) return 2;
    long long values = 0;
    for (int s = 0; s < S.n; s++) values += S.len[s];

    outbuf_t best[N_COLS], rep, full;
    if (alloc_out(&rep, S.n) || alloc_out(&full, S.n)) return 2;
    double t_point[N_COLS][2], t_full[N_COLS][2], times[2][100], secs[2];
    int bad = 0;
    for (int c = 0; c < N_COLS; c++) {
        if (alloc_out(&best[c], S.n)) return 2;
        /* point forecasts alone */
        for (int r = 0; r < reps; r++) {
            if (run_once(&S, c, 0, threads, r ? &rep : &best[c], secs)) return 1;
            times[0][r] = secs[0];
            times[1][r] = secs[1];
            if (r && memcmp(rep.mean, best[c].mean, sizeof(double) * S.n)) {
                fprintf(stderr, "bench_croston: %s: repetition %d differs\n", COL[c], r);
                bad++;
            }
        }
        median2(times, reps, t_point[c]);
        /* with intervals, variance and class */
        for (int r = 0; r < reps; r++) {
            if (run_once(&S, c, 1, threads, r ? &rep : &full, secs)) return 1;
            times[0][r] = secs[0];
            times[1][r] = secs[1];
            if (r && !same_out(&rep, &full, S.n)) {
                fprintf(stderr, "bench_croston: %s with intervals: repetition %d differs\n", COL[c], r);
                bad++;
            }
        }
        median2(times, reps, t_full[c]);
        int shown = 0;
        for (int s = 0; s < S.n; s++) {
            double m = best[c].mean[s], *lo = full.lo + 2 * s, *hi = full.hi + 2 * s;
            const char *why = NULL;
            if (!isfinite(m) || m < 0) why = "forecast not finite or negative";
            else if (full.mean[s] != m) why = "forecast differs with intervals";
            else if (!(lo[1] >= 0 && lo[1] <= lo[0] && lo[0] <= hi[0] && hi[0] <= hi[1]) ||
                     lo[0] != floor(lo[0]) || lo[1] != floor(lo[1]) || hi[0] != floor(hi[0]) ||
                     hi[1] != floor(hi[1]))
                why = "intervals not nested non-negative integers";
            else if (!isfinite(full.var[s]) || full.var[s] < 0)
                why = "variance not finite or negative";
            if (why) {
                bad++;
                if (shown++ < 10) fprintf(stderr, "bench_croston: %s, series %s: %s\n", COL[c], S.ids[s], why);
            }
        }
        printf("%-13s %8d series  %10.0f series/s (point; CPU time %10.0f)  %10.0f series/s (with intervals; CPU "
               "time %10.0f)\n", COL[c], S.n, S.n / t_point[c][0], S.n / t_point[c][1], S.n / t_full[c][0],
               S.n / t_full[c][1]);
    }

    if (out_path) {
        FILE *f = fopen(out_path, "w");
        if (!f) {
            fprintf(stderr, "bench_croston: cannot create %s\n", out_path);
            return 2;
        }
        fprintf(f, "id");
        for (int c = 0; c < N_COLS; c++) fprintf(f, ",%s", COL[c]);
        fprintf(f, "\n");
        for (int s = 0; s < S.n; s++) {
            fprintf(f, "%s", S.ids[s]);
            for (int c = 0; c < N_COLS; c++) fprintf(f, ",%.17g", best[c].mean[s]);
            fprintf(f, "\n");
        }
        if (fclose(f)) {
            fprintf(stderr, "bench_croston: writing %s failed\n", out_path);
            return 2;
        }
    }
    if (timing_path) {
        FILE *f = fopen(timing_path, "w");
        if (!f) {
            fprintf(stderr, "bench_croston: cannot create %s\n", timing_path);
            return 2;
        }
        fprintf(f, "{\"tool\": \"regia\", \"threads\": %d, \"reps\": %d, \"series\": %d, \"values\": %lld, \"methods\": {",
                threads, reps, S.n, values);
        for (int c = 0; c < N_COLS; c++)
            fprintf(f, "%s\"%s\": {\"seconds\": %.9g, \"cpu_seconds\": %.9g, \"series_per_s\": %.6g, "
                       "\"cpu_series_per_s\": %.6g, \"seconds_with_intervals\": %.9g, \"cpu_seconds_with_intervals\": "
                       "%.9g, \"series_per_s_with_intervals\": %.6g, \"cpu_series_per_s_with_intervals\": %.6g}",
                    c ? ", " : "", COL[c], t_point[c][0], t_point[c][1], S.n / t_point[c][0], S.n / t_point[c][1],
                    t_full[c][0], t_full[c][1], S.n / t_full[c][0], S.n / t_full[c][1]);
        fprintf(f, "}, \"valid\": %s}\n", bad ? "false" : "true");
        if (fclose(f)) {
            fprintf(stderr, "bench_croston: writing %s failed\n", timing_path);
            return 2;
        }
    }
    if (bad) fprintf(stderr, "bench_croston: %d invalid results\n", bad);
    return bad ? 1 : 0;
}
