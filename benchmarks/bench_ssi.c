/* bench_ssi.c - SSI per record with regia's kernel (regia_ssi_cov: Hankel, SVD, all
 * orders, poles, criteria, automatic modes) on one record, for benchmarks/bench_ssi.sh.
 *
 *   bench_ssi RECORD.f64 N NCH FS BLOCK_ROWS ORD_MIN ORD_MAX STEP WINDOW REPS
 *
 * RECORD.f64: N x NCH float64 samples, row-major (numpy's tofile of a samples x channels
 * array).  WINDOW: fixed or unbiased.  Prints one JSON object: CPU seconds per record
 * (median over REPS, process CPU time, so that other load on the machine does not count),
 * wall seconds, and the modes (Hz, damping, poles, MAC spread). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regia/kernels.h"
#include "regia/ssi.h"

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double wall_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 11) {
        fprintf(stderr, "usage: bench_ssi RECORD.f64 N NCH FS BLOCK_ROWS ORD_MIN ORD_MAX STEP fixed|unbiased REPS\n");
        return 2;
    }
    long long n = atoll(argv[2]);
    int nch = atoi(argv[3]), reps = atoi(argv[10]);
    double fs = atof(argv[4]);
    if (n <= 0 || nch <= 0 || reps <= 0) {
        fprintf(stderr, "bench_ssi: bad sizes\n");
        return 2;
    }
    double *x = malloc(sizeof(double) * (size_t)n * nch), *y = malloc(sizeof(double) * (size_t)n * nch);
    double *tc = malloc(sizeof(double) * reps), *tw = malloc(sizeof(double) * reps);
    FILE *f = fopen(argv[1], "rb");
    if (!x || !y || !tc || !tw || !f || fread(x, sizeof(double), (size_t)n * nch, f) != (size_t)n * nch) {
        fprintf(stderr, "bench_ssi: cannot read %lld x %d doubles from %s\n", n, nch, argv[1]);
        return 1;
    }
    fclose(f);
    for (long long t = 0; t < n; t++) /* to channel-major, as a record is held */
        for (int c = 0; c < nch; c++) y[(size_t)c * n + t] = x[(size_t)t * nch + c];
    regia_ssi_cfg_t cfg;
    regia_ssi_defaults(&cfg);
    cfg.block_rows = atoi(argv[5]);
    cfg.ord_min = atoi(argv[6]);
    cfg.ord_max = atoi(argv[7]);
    cfg.ord_step = atoi(argv[8]);
    cfg.window = strcmp(argv[9], "unbiased") ? REGIA_SSI_FIXED : REGIA_SSI_UNBIASED;
    regia_ssi_result_t res;
    regia_ssi_result_init(&res);
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        regia_ssi_result_free(&res);
        double c0 = cpu_now(), w0 = wall_now();
        if (regia_ssi_cov(y, n, nch, NULL, nch, fs, &cfg, &res) != REGIA_OK) {
            fprintf(stderr, "bench_ssi: %s\n", regia_error_msg());
            return 1;
        }
        if (r >= 0) {
            tc[r] = cpu_now() - c0;
            tw[r] = wall_now() - w0;
        }
    }
    qsort(tc, (size_t)reps, sizeof *tc, cmp_d);
    qsort(tw, (size_t)reps, sizeof *tw, cmp_d);
    printf("{\"seconds\": %.9g, \"wall_seconds\": %.9g, \"reps\": %d, \"poles\": %lld, \"f\": [", tc[reps / 2],
           tw[reps / 2], reps, (long long)res.n_poles);
    for (int j = 0; j < res.n_modes; j++) printf("%s%.10g", j ? ", " : "", res.modes[j].f);
    printf("], \"xi\": [");
    for (int j = 0; j < res.n_modes; j++) printf("%s%.10g", j ? ", " : "", res.modes[j].xi);
    printf("], \"n_poles\": [");
    for (int j = 0; j < res.n_modes; j++) printf("%s%d", j ? ", " : "", res.modes[j].n_poles);
    char blas[96];
    regia_blas_describe(blas, sizeof blas);
    printf("], \"blas\": \"%s\"}\n", blas);
    regia_ssi_result_free(&res);
    free(x);
    free(y);
    free(tc);
    free(tw);
    return 0;
}
