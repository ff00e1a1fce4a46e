/* bench_gev - GEV fits per second of regia_gev_fit_batch (kernels/gev.c) on the series of
 * a file written by benchmarks/gev_evd.R gen ("id n x1 ... xn" per line), for
 * benchmarks/bench_gev.sh.
 *
 *   bench_gev --series FILE --out EST.csv --timing TIMING.json [--threads 1] [--reps 5]
 *
 * Fits the whole batch `reps` times (return levels for 10, 50 and 100 blocks included)
 * and reports the median process CPU time and wall time of a pass (CPU time: the machine
 * may be shared); writes the estimates, standard errors and negative log-likelihood of
 * the last pass. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regia/gev.h"

static double clock_s(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *series = NULL, *out = NULL, *timing = NULL;
    int threads = 1, reps = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--series")) series = argv[i + 1];
        else if (!strcmp(argv[i], "--out")) out = argv[i + 1];
        else if (!strcmp(argv[i], "--timing")) timing = argv[i + 1];
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "bench_gev: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!series || !out || !timing || reps < 1) {
        fprintf(stderr, "usage: bench_gev --series FILE --out EST.csv --timing TIMING.json [--threads N] [--reps R]\n");
        return 2;
    }
    FILE *f = fopen(series, "r");
    if (!f) {
        perror(series);
        return 1;
    }
    int32_t cap = 1024, ns = 0, stride = 128;
    char (*id)[16] = malloc(sizeof *id * (size_t)cap);
    int32_t *len = malloc(sizeof *len * (size_t)cap);
    double *x = malloc(sizeof *x * (size_t)cap * (size_t)stride);
    int n;
    char name[16];
    while (fscanf(f, "%15s %d", name, &n) == 2) {
        if (n < 0 || n > stride) {
            fprintf(stderr, "%s: series %s has %d values (at most %d)\n", series, name, n, stride);
            return 1;
        }
        if (ns == cap) {
            cap *= 2;
            id = realloc(id, sizeof *id * (size_t)cap);
            len = realloc(len, sizeof *len * (size_t)cap);
            x = realloc(x, sizeof *x * (size_t)cap * (size_t)stride);
        }
        memcpy(id[ns], name, sizeof name);
        len[ns] = n;
        for (int t = 0; t < n; t++)
            if (fscanf(f, "%lf", &x[(size_t)ns * stride + t]) != 1) {
                fprintf(stderr, "%s: series %s: value %d unreadable\n", series, name, t + 1);
                return 1;
            }
        ns++;
    }
    fclose(f);
    const double T[3] = {10, 50, 100};
    regia_gev_batch_t in = {.n_series = ns, .stride = stride, .x = x, .len = len, .n_periods = 3, .periods = T,
                            .level = 0.95};
    regia_gev_fit_t *fit = malloc(sizeof *fit * (size_t)ns);
    double *rl = malloc(sizeof(double) * 12 * (size_t)ns);
    regia_gev_out_t o = {fit, rl, rl + 3 * ns, rl + 6 * ns, rl + 9 * ns};
    double *secs = malloc(sizeof(double) * (size_t)reps), *wall = malloc(sizeof(double) * (size_t)reps);
    for (int r = 0; r < reps; r++) {
        const double t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
        if (regia_gev_fit_batch(&in, &o, threads) != REGIA_OK) {
            fprintf(stderr, "bench_gev: %s\n", regia_error_msg());
            return 1;
        }
        secs[r] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0;
        wall[r] = clock_s(CLOCK_MONOTONIC) - w0;
    }
    FILE *e = fopen(out, "w");
    if (!e) {
        perror(out);
        return 1;
    }
    fprintf(e, "id,loc,scale,shape,loc_se,scale_se,shape_se,nll,status,iterations\n");
    long long iters = 0, ok = 0;
    for (int32_t s = 0; s < ns; s++) {
        const regia_gev_fit_t *g = &fit[s];
        fprintf(e, "%s,%.12g,%.12g,%.12g,%.12g,%.12g,%.12g,%.12g,%s,%d\n", id[s], g->par[0], g->par[1], g->par[2],
                g->se[0], g->se[1], g->se[2], g->nll, regia_gev_status_name(g->status), (int)g->iterations);
        iters += g->iterations;
        ok += g->status == REGIA_GEV_OK;
    }
    fclose(e);
    double sorted[64], wsorted[64];
    const int m = reps < 64 ? reps : 64;
    memcpy(sorted, secs, sizeof(double) * (size_t)m);
    memcpy(wsorted, wall, sizeof(double) * (size_t)m);
    qsort(sorted, (size_t)m, sizeof(double), cmp_d);
    qsort(wsorted, (size_t)m, sizeof(double), cmp_d);
    FILE *j = fopen(timing, "w");
    if (!j) {
        perror(timing);
        return 1;
    }
    fprintf(j, "{\"tool\": \"regia_gev_fit_batch\", \"series\": %d, \"fitted\": %lld, \"threads\": %d, \"reps\": %d, "
               "\"cpu_seconds\": %.9f, \"wall_seconds\": %.9f, \"newton_iterations\": %lld, \"all_cpu_seconds\": [",
            (int)ns, ok, threads, reps, sorted[m / 2], wsorted[m / 2], iters);
    for (int r = 0; r < reps; r++) fprintf(j, "%s%.9f", r ? ", " : "", secs[r]);
    fprintf(j, "]}\n");
    fclose(j);
    printf("bench_gev: %d series, %lld fitted, %.4f CPU s per pass (median of %d), %.0f fits per CPU second on %d "
           "thread%s\n", (int)ns,
           ok, sorted[m / 2], reps, ns / sorted[m / 2], threads, threads == 1 ? "" : "s");
    free(id);
    free(len);
    free(x);
    free(fit);
    free(rl);
    free(secs);
    free(wall);
    return 0;
}
