/* Welch spectra on the CPU backend (regia/welch.h): white-noise density 2 s^2 / fs,
 * Parseval, detrending removes offsets and lines exactly, the CSD's diagonal is the PSD
 * and its matrix Hermitian, results independent of threads and batching, bad settings
 * named.  With --cases DIR it runs the cases of tests/reference/welch_scipy.py (DIR/cases.txt)
 * and writes DIR/NAME.out.f64 for the comparison with scipy (tests/cli/test_welch_scipy.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/kernels.h"
#include "regia/welch.h"

/* Deterministic standard normals (Box-Muller on a 64-bit LCG: enough for tests). */
static uint64_t lcg_state = 88172645463325252ull;
static double unif(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return ((lcg_state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double gauss(void)
{
    double u = unif(), v = unif();
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static regia_status_t run(regia_backend_t *be, const double *x, int n_rec, int nch, int64_t n,
                          const regia_welch_cfg_t *cfg, int kind, double *res)
{
    regia_welch_batch_t in = {.x = x, .n_rec = n_rec, .nch = nch, .n = n, .cfg = *cfg, .kind = kind};
    regia_welch_out_t out = {.psd = kind == REGIA_WELCH_PSD ? res : NULL, .csd = kind == REGIA_WELCH_CSD ? res : NULL};
    return regia_welch(be, &in, &out);
}

static int cases_mode(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/cases.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); return 2; }
    regia_backend_t be;
    if (regia_backend_open(&be, "cpu", 0, 0)) { fprintf(stderr, "%s\n", regia_error_msg()); fclose(f); return 2; }
    char name[256];
    int kind, n_rec, nch, nperseg, noverlap, nfft, win, det, scal;
    long long n;
    double fs;
    int rc = 0;
    while (fscanf(f, "%255s %d %d %d %lld %lf %d %d %d %d %d %d", name, &kind, &n_rec, &nch, &n, &fs, &nperseg,
                  &noverlap, &nfft, &win, &det, &scal) == 12) {
        regia_welch_cfg_t cfg = {.fs = fs, .nperseg = nperseg, .noverlap = noverlap, .nfft = nfft,
                                 .window = win, .detrend = det, .scaling = scal};
        const int64_t total = (int64_t)n_rec * nch * n;
        const int64_t nf = regia_welch_nfreq(&cfg);
        const int64_t nout = kind ? (int64_t)n_rec * nf * nch * nch * 2 : (int64_t)n_rec * nch * nf;
        double *x = malloc(sizeof(double) * (size_t)total), *res = malloc(sizeof(double) * (size_t)nout);
        snprintf(path, sizeof path, "%s/%s.x.f64", dir, name);
        FILE *fx = fopen(path, "rb");
        if (!x || !res || !fx || fread(x, sizeof(double), (size_t)total, fx) != (size_t)total) {
            fprintf(stderr, "cannot read %s\n", path);
            rc = 2;
        } else if (run(&be, x, n_rec, nch, n, &cfg, kind, res)) {
            fprintf(stderr, "%s: %s\n", name, regia_error_msg());
            rc = 2;
        } else {
            snprintf(path, sizeof path, "%s/%s.out.f64", dir, name);
            FILE *fo = fopen(path, "wb");
            if (!fo || fwrite(res, sizeof(double), (size_t)nout, fo) != (size_t)nout) rc = 2;
            if (fo) fclose(fo);
        }
        if (fx) fclose(fx);
        free(x);
        free(res);
    }
    fclose(f);
    regia_backend_close(&be);
    return rc;
}

/* White noise of variance s2: the one-sided density is 2 s2 / fs on every line but DC and
 * Nyquist (s2 / fs there).  K = 2000 segments: the mean over lines 1..nf-2 is within a few
 * 1e-3 of it; each line within 6 standard errors (a Hann-windowed Welch line with 50 %
 * overlap has a relative standard error of about 1.05 / sqrt(K)). */
static void test_white_noise(regia_backend_t *be)
{
    const double fs = 100, s = 1.7;
    const int64_t n = 128 * 2001;
    double *x = malloc(sizeof(double) * (size_t)n);
    for (int64_t t = 0; t < n; t++) x[t] = s * gauss();
    regia_welch_cfg_t cfg;
    regia_welch_defaults(&cfg, fs);
    const int nf = regia_welch_nfreq(&cfg);
    CHECK(nf == 129);
    CHECK(regia_welch_nseg(&cfg, n) == 2000);
    double *p = malloc(sizeof(double) * (size_t)nf);
    CHECK_OK(run(be, x, 1, 1, n, &cfg, REGIA_WELCH_PSD, p));
    const double want = 2 * s * s / fs;
    double mean = 0;
    int outliers = 0;
    const double K = (double)regia_welch_nseg(&cfg, n), se = 1.05 / sqrt(K);
    for (int f = 1; f < nf - 1; f++) {
        mean += p[f];
        if (fabs(p[f] / want - 1) > 6 * se) outliers++;
    }
    mean /= nf - 2;
    CHECK_CLOSE(mean, want, 5e-3, 0);
    CHECK_MSG(outliers == 0, "%d lines beyond 6 standard errors", outliers);
    CHECK_CLOSE(p[nf - 1], want / 2, 6 * se * 1.5, 0);
    free(x);
    free(p);
}

/* Parseval: boxcar, no overlap, no detrending, density: sum_f P(f) df is the mean square
 * of the segments, to rounding (even and odd nfft). */
static void test_parseval(regia_backend_t *be)
{
    for (int nfft = 64; nfft <= 65; nfft++) {
        const int64_t n = (int64_t)nfft * 10 + 7;
        double *x = malloc(sizeof(double) * (size_t)n), p[40];
        for (int64_t t = 0; t < n; t++) x[t] = 3 + gauss();
        regia_welch_cfg_t cfg;
        regia_welch_defaults(&cfg, 20.0);
        cfg.nperseg = nfft;
        cfg.noverlap = 0;
        cfg.window = REGIA_WIN_BOXCAR;
        cfg.detrend = REGIA_DETREND_NONE;
        const int nf = regia_welch_nfreq(&cfg);
        CHECK_OK(run(be, x, 1, 1, n, &cfg, REGIA_WELCH_PSD, p));
        double sum = 0, ms = 0;
        for (int f = 0; f < nf; f++) sum += p[f] * cfg.fs / nfft;
        for (int64_t t = 0; t < 10 * nfft; t++) ms += x[t] * x[t];
        ms /= 10.0 * nfft;
        CHECK_CLOSE(sum, ms, 1e-12, 0);
        free(x);
    }
}

/* Detrending is linear: PSD(x + a) = PSD(x) with constant detrending, and
 * PSD(x + a + b t) = PSD(x) with linear detrending, to rounding; without detrending an
 * offset shows at DC. */
static void test_detrend(regia_backend_t *be)
{
    const int64_t n = 3000;
    double *x = malloc(sizeof(double) * (size_t)n), *y = malloc(sizeof(double) * (size_t)n);
    double p[129], q[129];
    for (int64_t t = 0; t < n; t++) x[t] = gauss();
    regia_welch_cfg_t cfg;
    regia_welch_defaults(&cfg, 50.0);
    for (int64_t t = 0; t < n; t++) y[t] = x[t] + 40.0;
    CHECK_OK(run(be, x, 1, 1, n, &cfg, REGIA_WELCH_PSD, p));
    CHECK_OK(run(be, y, 1, 1, n, &cfg, REGIA_WELCH_PSD, q));
    double worst = 0;
    for (int f = 1; f < 129; f++) worst = fmax(worst, fabs(p[f] - q[f]) / p[f]);
    CHECK_MSG(worst < 1e-12, "constant detrend: offset changes the PSD by %g", worst);
    cfg.detrend = REGIA_DETREND_LINEAR;
    for (int64_t t = 0; t < n; t++) y[t] = x[t] - 7.0 + 0.01 * t;
    CHECK_OK(run(be, x, 1, 1, n, &cfg, REGIA_WELCH_PSD, p));
    CHECK_OK(run(be, y, 1, 1, n, &cfg, REGIA_WELCH_PSD, q));
    worst = 0;
    for (int f = 1; f < 129; f++) worst = fmax(worst, fabs(p[f] - q[f]) / p[f]);
    CHECK_MSG(worst < 1e-10, "linear detrend: a line changes the PSD by %g", worst);
    cfg.detrend = REGIA_DETREND_NONE;
    for (int64_t t = 0; t < n; t++) y[t] = x[t] + 40.0;
    CHECK_OK(run(be, y, 1, 1, n, &cfg, REGIA_WELCH_PSD, q));
    CHECK(q[0] > 100 * q[5]);
    free(x);
    free(y);
}

/* CSD: its diagonal is the PSD (exactly, imaginary part 0) and the matrix Hermitian. */
static void test_csd(regia_backend_t *be)
{
    const int nch = 3, n_rec = 2;
    const int64_t n = 4000;
    double *x = malloc(sizeof(double) * (size_t)(n_rec * nch * n));
    for (int64_t i = 0; i < n_rec * nch * n; i++) x[i] = gauss();
    regia_welch_cfg_t cfg;
    regia_welch_defaults(&cfg, 100.0);
    cfg.nfft = 300;
    const int nf = regia_welch_nfreq(&cfg);
    double *p = malloc(sizeof(double) * (size_t)(n_rec * nch * nf));
    double *c = malloc(sizeof(double) * (size_t)(n_rec * nf * nch * nch * 2));
    CHECK_OK(run(be, x, n_rec, nch, n, &cfg, REGIA_WELCH_PSD, p));
    CHECK_OK(run(be, x, n_rec, nch, n, &cfg, REGIA_WELCH_CSD, c));
    int diag_bad = 0, herm_bad = 0;
    for (int r = 0; r < n_rec; r++)
        for (int f = 0; f < nf; f++)
            for (int i = 0; i < nch; i++) {
                const double *m = c + (((int64_t)r * nf + f) * nch * nch) * 2;
                if (m[(i * nch + i) * 2] != p[((int64_t)r * nch + i) * nf + f] || m[(i * nch + i) * 2 + 1] != 0) diag_bad++;
                for (int j = 0; j < nch; j++)
                    if (m[(i * nch + j) * 2] != m[(j * nch + i) * 2] || m[(i * nch + j) * 2 + 1] != -m[(j * nch + i) * 2 + 1])
                        herm_bad++;
            }
    CHECK_MSG(diag_bad == 0, "%d diagonal entries differ from the PSD", diag_bad);
    CHECK_MSG(herm_bad == 0, "%d entries break the Hermitian symmetry", herm_bad);
    free(x);
    free(p);
    free(c);
}

/* A record's result does not depend on the thread count nor on the records beside it
 * (bitwise), also across the steps of a long record with many channels, and for short
 * records batched in any number per call (regia sensors' [welch] batch_records). */
static void test_invariance(void)
{
    const int nch = 6, n_rec = 3;
    const int64_t n = 60000;
    double *x = malloc(sizeof(double) * (size_t)(n_rec * nch * n));
    for (int64_t i = 0; i < n_rec * nch * n; i++) x[i] = gauss();
    regia_welch_cfg_t cfg;
    regia_welch_defaults(&cfg, 200.0);
    cfg.nperseg = 128;
    const int nf = regia_welch_nfreq(&cfg);
    const int64_t per = (int64_t)nf * nch * nch * 2;
    double *a = malloc(sizeof(double) * (size_t)(n_rec * per)), *b = malloc(sizeof(double) * (size_t)(n_rec * per));
    regia_backend_t b1, b2;
    CHECK_OK(regia_backend_open(&b1, "cpu", 0, 1));
    CHECK_OK(regia_backend_open(&b2, "cpu", 0, 2));
    CHECK_OK(run(&b1, x, n_rec, nch, n, &cfg, REGIA_WELCH_CSD, a));
    CHECK_OK(run(&b2, x, n_rec, nch, n, &cfg, REGIA_WELCH_CSD, b));
    CHECK(memcmp(a, b, sizeof(double) * (size_t)(n_rec * per)) == 0);
    CHECK_OK(run(&b2, x + nch * n, 1, nch, n, &cfg, REGIA_WELCH_CSD, b));
    CHECK(memcmp(a + per, b, sizeof(double) * (size_t)per) == 0);
    /* short records, many per step (K nch < 512: a step holds several records, the last
     * one partly filled): each of 37 records batched as regia sensors does, every batch
     * size from 1 to 37, against one record per call, PSD and CSD */
    {
        const int R2 = 37, c2 = 3;
        const int64_t n2 = 3000;
        regia_welch_cfg_t c = cfg;
        c.nperseg = 256;
        const int nf2 = regia_welch_nfreq(&c);
        const int64_t pc = (int64_t)nf2 * c2 * c2 * 2, pp = (int64_t)c2 * nf2;
        double *one = malloc(sizeof(double) * (size_t)(R2 * pc)), *bat = malloc(sizeof(double) * (size_t)(R2 * pc));
        double *onep = malloc(sizeof(double) * (size_t)(R2 * pp)), *batp = malloc(sizeof(double) * (size_t)(R2 * pp));
        for (int r = 0; r < R2; r++) {
            CHECK_OK(run(&b2, x + (int64_t)r * c2 * n2, 1, c2, n2, &c, REGIA_WELCH_CSD, one + r * pc));
            CHECK_OK(run(&b2, x + (int64_t)r * c2 * n2, 1, c2, n2, &c, REGIA_WELCH_PSD, onep + r * pp));
        }
        int differ = 0;
        for (int bs = 1; bs <= R2; bs++) {
            for (int r = 0; r < R2; r += bs) {
                const int m = R2 - r < bs ? R2 - r : bs;
                CHECK_OK(run(bs % 2 ? &b1 : &b2, x + (int64_t)r * c2 * n2, m, c2, n2, &c, REGIA_WELCH_CSD, bat + r * pc));
                CHECK_OK(run(bs % 2 ? &b1 : &b2, x + (int64_t)r * c2 * n2, m, c2, n2, &c, REGIA_WELCH_PSD, batp + r * pp));
            }
            differ += memcmp(one, bat, sizeof(double) * (size_t)(R2 * pc)) != 0;
            differ += memcmp(onep, batp, sizeof(double) * (size_t)(R2 * pp)) != 0;
        }
        CHECK_MSG(differ == 0, "%d batch sizes give other bits than one record per call", differ);
        free(one); free(bat); free(onep); free(batp);
    }
    regia_backend_close(&b1);
    regia_backend_close(&b2);
    free(x);
    free(a);
    free(b);
}

static void test_bad(regia_backend_t *be)
{
    regia_welch_cfg_t cfg;
    char msg[256];
    regia_welch_defaults(&cfg, 100.0);
    CHECK(regia_welch_check(&cfg, 255, msg, sizeof msg) == REGIA_ERR_INVALID);
    CHECK_MSG(strstr(msg, "shorter than nperseg = 256") != NULL, "%s", msg);
    CHECK(regia_welch_check(&cfg, 256, msg, sizeof msg) == REGIA_OK && msg[0] == 0);
    cfg.noverlap = 256;
    CHECK(regia_welch_check(&cfg, 1000, msg, sizeof msg) == REGIA_ERR_INVALID && strstr(msg, "noverlap = 256"));
    regia_welch_defaults(&cfg, 100.0);
    cfg.nfft = 100;
    CHECK(regia_welch_check(&cfg, 1000, msg, sizeof msg) == REGIA_ERR_INVALID && strstr(msg, "nfft = 100"));
    regia_welch_defaults(&cfg, 0.0);
    CHECK(regia_welch_check(&cfg, 1000, msg, sizeof msg) == REGIA_ERR_INVALID && strstr(msg, "fs = 0"));
    regia_welch_defaults(&cfg, 10.0);
    cfg.window = 7;
    CHECK(regia_welch_check(&cfg, 1000, msg, sizeof msg) == REGIA_ERR_INVALID && strstr(msg, "window = 7"));
    regia_welch_defaults(&cfg, 10.0);
    double x[300] = {0}, p[129];
    CHECK(run(be, x, 1, 1, 300, &cfg, REGIA_WELCH_CSD, NULL) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "out->csd is NULL") != NULL);
    CHECK(run(be, x, 0, 1, 300, &cfg, REGIA_WELCH_PSD, p) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "n_rec = 0") != NULL);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--cases")) return cases_mode(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--cases DIR]\n", argv[0]);
        return 2;
    }
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 2));
    test_white_noise(&be);
    test_parseval(&be);
    test_detrend(&be);
    test_csd(&be);
    test_invariance();
    test_bad(&be);
    regia_backend_close(&be);
    return check_done();
}
