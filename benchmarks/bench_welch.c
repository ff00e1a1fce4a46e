/* bench_welch - time regia's channel QC + Welch PSD (and the cross-spectral matrix) on a
 * file of records, validate the results, write them for the comparison with SciPy.
 *
 *   bench_welch --dir DIR [--threads 1] [--reps 3]
 *
 * DIR/meta.txt: "n_rec nch n fs nperseg" (benchmarks/welch_scipy.py gen); DIR/x.f64: the
 * samples, float64, x[(r nch + c) n + t].  Settings: scipy.signal.welch's defaults with
 * the given nperseg.  Three timed stages, each the median of `reps` runs (wall and the
 * process's CPU time):
 *   psd    regia_welch, kind PSD, of the whole batch;
 *   qc     regia_qc_channel (regia/sensor_qc.h, defaults at fs, detection only: no
 *          replacement, so the PSD sees the same samples as SciPy) on every channel of
 *          every record - only when this build has regia/sensor_qc.h;
 *   csd    regia_welch, kind CSD (the full nch x nch matrix per record).
 * Writes DIR/regia_psd.f64, DIR/regia_csd.f64 and DIR/regia_timing.json (with the
 * number of channels carrying each QC flag).
 * Validation (exit 1): every op returns OK, every repetition gives the same bits, the
 * values are finite, the CSD's diagonal equals the PSD.  Exit 2: usage or input error.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regia/kernels.h"
#include "regia/welch.h"
#if __has_include("regia/sensor_qc.h")
#include "regia/sensor_qc.h"
#define HAVE_QC 1
#else
#define HAVE_QC 0
#endif

enum { MAX_REPS = 50 };

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return v[n / 2];
}

static int write_f64(const char *dir, const char *name, const double *v, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(v, sizeof(double), n, f) == n;
    if (f) ok = fclose(f) == 0 && ok;
    if (!ok) fprintf(stderr, "bench_welch: cannot write %s\n", path);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int threads = 1, reps = 3;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--dir")) dir = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--threads")) threads = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--reps")) reps = atoi(argv[++i]);
        else { dir = NULL; break; }
    }
    if (!dir || reps < 1 || reps > MAX_REPS || threads < 1) {
        fprintf(stderr, "usage: bench_welch --dir DIR [--threads 1] [--reps 3 (1..%d)]\n", MAX_REPS);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/meta.txt", dir);
    FILE *f = fopen(path, "r");
    int n_rec = 0, nch = 0, nperseg = 0;
    long long n = 0;
    double fs = 0;
    if (!f || fscanf(f, "%d %d %lld %lf %d", &n_rec, &nch, &n, &fs, &nperseg) != 5 || n_rec < 1 || nch < 1 || n < 1) {
        fprintf(stderr, "bench_welch: cannot read 'n_rec nch n fs nperseg' from %s\n", path);
        if (f) fclose(f);
        return 2;
    }
    fclose(f);
    const size_t total = (size_t)n_rec * nch * (size_t)n;
    double *x = malloc(sizeof(double) * total);
    snprintf(path, sizeof path, "%s/x.f64", dir);
    f = fopen(path, "rb");
    if (!x || !f || fread(x, sizeof(double), total, f) != total) {
        fprintf(stderr, "bench_welch: cannot read %zu samples from %s\n", total, path);
        if (f) fclose(f);
        return 2;
    }
    fclose(f);

    regia_welch_cfg_t cfg;
    regia_welch_defaults(&cfg, fs);
    cfg.nperseg = nperseg;
    const int nf = regia_welch_nfreq(&cfg);
    const size_t npsd = (size_t)n_rec * nch * nf, ncsd = (size_t)n_rec * nf * nch * nch * 2;
    double *psd = malloc(sizeof(double) * npsd), *psd2 = malloc(sizeof(double) * npsd);
    double *csd = malloc(sizeof(double) * ncsd), *csd2 = malloc(sizeof(double) * ncsd);
    if (!psd || !psd2 || !csd || !csd2) { fprintf(stderr, "bench_welch: out of memory\n"); return 2; }
    regia_backend_t be;
    if (regia_backend_open(&be, "cpu", 0, threads)) { fprintf(stderr, "bench_welch: %s\n", regia_error_msg()); return 1; }
    regia_welch_batch_t in = {.x = x, .n_rec = n_rec, .nch = nch, .n = n, .cfg = cfg, .kind = REGIA_WELCH_PSD};
    double t_psd[2][MAX_REPS], t_csd[2][MAX_REPS], t_qc[2][MAX_REPS];
    int bad = 0;
    for (int r = 0; r < reps; r++) {
        regia_welch_out_t out = {.psd = r ? psd2 : psd};
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        if (regia_welch(&be, &in, &out)) { fprintf(stderr, "bench_welch: psd: %s\n", regia_error_msg()); return 1; }
        t_psd[0][r] = clock_s(CLOCK_MONOTONIC) - w0;
        t_psd[1][r] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (r && memcmp(psd, psd2, sizeof(double) * npsd)) bad = fprintf(stderr, "bench_welch: psd repetition %d differs\n", r);
    }
    in.kind = REGIA_WELCH_CSD;
    for (int r = 0; r < reps; r++) {
        regia_welch_out_t out = {.csd = r ? csd2 : csd};
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        if (regia_welch(&be, &in, &out)) { fprintf(stderr, "bench_welch: csd: %s\n", regia_error_msg()); return 1; }
        t_csd[0][r] = clock_s(CLOCK_MONOTONIC) - w0;
        t_csd[1][r] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (r && memcmp(csd, csd2, sizeof(double) * ncsd)) bad = fprintf(stderr, "bench_welch: csd repetition %d differs\n", r);
    }
    long long qc_flagged = 0, qc_bits[32] = {0};
#if HAVE_QC
    regia_qc_cfg_t qcfg;
    regia_qc_defaults(&qcfg, fs);
    qcfg.hampel_replace = 0;
    for (int r = 0; r < reps; r++) {
        qc_flagged = 0;
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        for (int k = 0; k < n_rec * nch; k++) {
            regia_qc_result_t res;
            memset(&res, 0, sizeof res);
            if (regia_qc_channel(x + (size_t)k * n, NULL, n, &qcfg, &res)) {
                fprintf(stderr, "bench_welch: qc of channel %d: %s\n", k, regia_error_msg());
                return 1;
            }
            qc_flagged += res.flags != 0;
            for (int b = 0; b < 32 && r == 0; b++) qc_bits[b] += (res.flags >> b) & 1u;
        }
        t_qc[0][r] = clock_s(CLOCK_MONOTONIC) - w0;
        t_qc[1][r] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
#endif
    for (size_t i = 0; i < npsd; i++)
        if (!isfinite(psd[i])) { bad = fprintf(stderr, "bench_welch: psd[%zu] = %g\n", i, psd[i]); break; }
    for (int r = 0; r < n_rec && !bad; r++)
        for (int fq = 0; fq < nf && !bad; fq++)
            for (int c = 0; c < nch; c++)
                if (csd[((((size_t)r * nf + fq) * nch + c) * nch + c) * 2] != psd[((size_t)r * nch + c) * nf + fq]) {
                    bad = fprintf(stderr, "bench_welch: the CSD diagonal differs from the PSD (record %d, line %d)\n", r, fq);
                    break;
                }
    if (write_f64(dir, "regia_psd.f64", psd, npsd) || write_f64(dir, "regia_csd.f64", csd, ncsd)) return 1;
    snprintf(path, sizeof path, "%s/regia_timing.json", dir);
    f = fopen(path, "w");
    if (!f) { fprintf(stderr, "bench_welch: cannot write %s\n", path); return 1; }
    fprintf(f, "{\"threads\": %d, \"reps\": %d, \"samples\": %zu, \"qc\": %s, \"qc_flagged_channels\": %lld,\n", threads,
            reps, total, HAVE_QC ? "true" : "false", qc_flagged);
    fprintf(f, " \"psd_wall_s\": %.6g, \"psd_cpu_s\": %.6g, \"csd_wall_s\": %.6g, \"csd_cpu_s\": %.6g", median(t_psd[0], reps),
            median(t_psd[1], reps), median(t_csd[0], reps), median(t_csd[1], reps));
    if (HAVE_QC) fprintf(f, ", \"qc_wall_s\": %.6g, \"qc_cpu_s\": %.6g", median(t_qc[0], reps), median(t_qc[1], reps));
#if HAVE_QC
    fprintf(f, ", \"qc_flag_channels\": {");
    for (int b = 0, first = 1; b < REGIA_QC_NFLAGS; b++) {
        if (!qc_bits[b]) continue;
        char name[64];
        regia_qc_flags_str(1u << b, name, sizeof name);
        fprintf(f, "%s\"%s\": %lld", first ? "" : ", ", name, qc_bits[b]);
        first = 0;
    }
    fprintf(f, "}");
#endif
    fprintf(f, "}\n");
    fclose(f);
    regia_backend_close(&be);
    printf("bench_welch: %zu samples, psd %.4f s, csd %.4f s%s\n", total, median(t_psd[0], reps), median(t_csd[0], reps),
           HAVE_QC ? ", qc timed" : ", no QC in this build");
    free(x); free(psd); free(psd2); free(csd); free(csd2);
    return bad ? 1 : 0;
}
