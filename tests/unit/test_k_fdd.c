/* FDD (regia/fdd.h): peak picking as scipy.signal.find_peaks (a hand case whose
 * peaks, prominences and distance filtering scipy 1.14.1 gives as below), the SVD of a
 * rank-one matrix, and a known 2-mode, 3-channel system: two lightly damped modes
 * simulated exactly (the impulse-invariant AR(2) of each mode under white noise) plus
 * measurement noise; FDD must find both frequencies within the half-power half-width
 * xi fn (the peak line of a noisy estimate moves within the bell), shapes with
 * MAC > 0.99 to the true ones, and EFDD frequencies within 0.5 % and damping within 25 %
 * of the truth; with lines coarser than a mode's half-power band EFDD must refuse
 * (NARROW_BELL).  With --pyoma2 DIR it runs the FDD of tests/reference/fdd_pyoma2.py's
 * frame for tests/cli/test_fdd_pyoma2.sh. */
#include <complex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/fdd.h"
#include "regia/kernels.h"

static uint64_t lcg_state = 0x9E3779B97F4A7C15ull;
static double unif(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return ((lcg_state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif()); }

/* scipy.signal.find_peaks(z, prominence=0) on z = [0, 10, 4, 8, 8, 8, 2, 12, 0] gives
 * peaks [1, 4, 7] with prominences [8, 4, 12]; prominence=5: [1, 7]; distance=4: [1, 7];
 * distance=7: [7].  regia_fdd_peaks works on 10 log10 y, so y = 10^(z/10). */
static void test_peaks(void)
{
    const double z[9] = {0, 10, 4, 8, 8, 8, 2, 12, 0};
    double y[9], prom[9];
    int32_t idx[9];
    for (int i = 0; i < 9; i++) y[i] = pow(10, z[i] / 10);
    int32_t n = regia_fdd_peaks(y, 0, 9, 0, 1, idx, prom, 9);
    CHECK(n == 3 && idx[0] == 1 && idx[1] == 4 && idx[2] == 7);
    CHECK_CLOSE(prom[0], 8, 1e-12, 1e-12);
    CHECK_CLOSE(prom[1], 4, 1e-12, 1e-12);
    CHECK_CLOSE(prom[2], 12, 1e-12, 1e-12);
    n = regia_fdd_peaks(y, 0, 9, 5, 1, idx, prom, 9);
    CHECK(n == 2 && idx[0] == 1 && idx[1] == 7);
    n = regia_fdd_peaks(y, 0, 9, 0, 4, idx, prom, 9);
    CHECK(n == 2 && idx[0] == 1 && idx[1] == 7);
    n = regia_fdd_peaks(y, 0, 9, 0, 7, idx, prom, 9);
    CHECK(n == 1 && idx[0] == 7);
    n = regia_fdd_peaks(y, 0, 9, 0, 1, idx, prom, 1); /* cap 1: count still 3 */
    CHECK(n == 3 && idx[0] == 1);
}

/* G = s v v^H at every line: s_1 = s |v|^2, s_2 = 0, u_1 parallel to v. */
static void test_svd_rank_one(void)
{
    enum { NC = 3, NF = 4 };
    const double complex v[NC] = {1 + 2 * I, -0.5 + 0.1 * I, 3};
    double csd[NF * NC * NC * 2], sv[NF * NC], u1[NF * NC * 2];
    for (int f = 0; f < NF; f++)
        for (int i = 0; i < NC; i++)
            for (int j = 0; j < NC; j++) {
                double complex g = (f + 1) * v[i] * conj(v[j]);
                csd[((f * NC + i) * NC + j) * 2] = creal(g);
                csd[((f * NC + i) * NC + j) * 2 + 1] = cimag(g);
            }
    CHECK_OK(regia_fdd_svd(csd, NF, NC, sv, u1));
    double vv = 0;
    for (int i = 0; i < NC; i++) vv += creal(v[i] * conj(v[i]));
    for (int f = 0; f < NF; f++) {
        CHECK_CLOSE(sv[f * NC], (f + 1) * vv, 1e-13, 0);
        CHECK(fabs(sv[f * NC + 1]) < 1e-12 * vv);
        double complex ip = 0;
        for (int i = 0; i < NC; i++) ip += conj(u1[(f * NC + i) * 2] + I * u1[(f * NC + i) * 2 + 1]) * v[i];
        CHECK_CLOSE(creal(ip * conj(ip)), vv, 1e-12, 0); /* |u1^H v|^2 = |v|^2: u1 is v's direction */
    }
}

static double mac_real(const double *shape, const double *phi, int n)
{
    double complex ip = 0;
    double aa = 0, bb = 0;
    for (int i = 0; i < n; i++) {
        double complex a = shape[2 * i] + I * shape[2 * i + 1];
        ip += conj(a) * phi[i];
        aa += creal(a * conj(a));
        bb += phi[i] * phi[i];
    }
    return creal(ip * conj(ip)) / (aa * bb);
}

static void test_two_modes(void)
{
    enum { NC = 3 };
    const double fs = 40, fn[2] = {1.5, 4.2}, xi[2] = {0.02, 0.015};
    const double phi[2][NC] = {{1, 0.6, -0.3}, {0.5, -1, 0.8}};
    const int64_t n = 40 * 3600;
    double *x = malloc(sizeof(double) * NC * (size_t)n);
    double q[2][2] = {{0, 0}, {0, 0}}, a1[2], a2[2];
    for (int m = 0; m < 2; m++) {
        const double w = 2 * M_PI * fn[m], wd = w * sqrt(1 - xi[m] * xi[m]), dt = 1 / fs;
        a1[m] = 2 * exp(-xi[m] * w * dt) * cos(wd * dt);
        a2[m] = -exp(-2 * xi[m] * w * dt);
    }
    for (int64_t t = 0; t < n; t++) {
        double qm[2];
        for (int m = 0; m < 2; m++) {
            qm[m] = a1[m] * q[m][0] + a2[m] * q[m][1] + gauss();
            q[m][1] = q[m][0];
            q[m][0] = qm[m];
        }
        for (int c = 0; c < NC; c++) x[c * n + t] = phi[0][c] * qm[0] + 0.3 * phi[1][c] * qm[1] + 0.05 * gauss();
    }
    regia_welch_cfg_t wc;
    regia_welch_defaults(&wc, fs);
    wc.nperseg = 4096;
    const int nf = regia_welch_nfreq(&wc);
    double *csd = malloc(sizeof(double) * (size_t)nf * NC * NC * 2);
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 0));
    regia_welch_batch_t in = {.x = x, .n_rec = 1, .nch = NC, .n = n, .cfg = wc, .kind = REGIA_WELCH_CSD};
    regia_welch_out_t out = {.csd = csd};
    CHECK_OK(regia_welch(&be, &in, &out));
    regia_fdd_cfg_t cfg;
    regia_fdd_defaults(&cfg);
    cfg.fmin_hz = 0.5;
    cfg.fmax_hz = 10;
    cfg.min_prominence_db = 10;
    cfg.min_spacing_hz = 0.5;
    regia_fdd_result_t res;
    CHECK_OK(regia_fdd(csd, NC, &wc, &cfg, &res));
    const double df = fs / wc.nperseg;
    CHECK_MSG(res.n_modes == 2, "%d modes found", res.n_modes);
    for (int k = 0; k < res.n_modes && k < 2; k++) {
        const regia_fdd_mode_t *md = &res.modes[k];
        fprintf(stderr, "mode %d: line %d f %.4f Hz (true %.4f), prominence %.1f dB, s1/s2 %.1f, MAC %.5f; "
                "EFDD status %d: f %.4f Hz, xi %.4f (true %.4f), %d lines, %d extrema\n", k, md->line, md->f_hz, fn[k],
                md->prominence_db, md->s1_s2, mac_real(res.shapes + (size_t)k * NC * 2, phi[k], NC), md->efdd_status,
                md->efdd_f_hz, md->efdd_xi, xi[k], md->efdd_lines, md->efdd_used);
        CHECK(fabs(md->f_hz - fn[k]) <= fmax(df, xi[k] * fn[k])); /* within the half-power half-width */
        CHECK(mac_real(res.shapes + (size_t)k * NC * 2, phi[k], NC) > 0.99);
        /* normalised: the largest component is 1 + 0i */
        double big = 0;
        for (int c = 0; c < NC; c++) big = fmax(big, hypot(res.shapes[(k * NC + c) * 2], res.shapes[(k * NC + c) * 2 + 1]));
        CHECK_CLOSE(big, 1, 1e-15, 0);
        CHECK(md->halfpower_lines > cfg.efdd_min_halfpower);
        CHECK(md->efdd_status == REGIA_EFDD_OK);
        CHECK_CLOSE(md->efdd_f_hz, fn[k], 5e-3, 0);
        CHECK_CLOSE(md->efdd_xi, xi[k], 0.25, 0);
    }
    /* first_only: s_1 and u_1 from the largest eigenpair (zheevr) give the same modes, s_1 to
     * rounding on every line, u_1 parallel to zgesvd's, s_2.. NaN except on the peaks' lines */
    {
        regia_fdd_cfg_t c1 = cfg;
        c1.first_only = 1;
        regia_fdd_result_t r1;
        CHECK_OK(regia_fdd(csd, NC, &wc, &c1, &r1));
        CHECK(r1.n_modes == res.n_modes);
        double ds = 0, dm = 0;
        int nan_ok = 1;
        for (int f = 0; f < nf; f++) {
            ds = fmax(ds, fabs(r1.sv[f * NC] - res.sv[f * NC]) / res.sv[f * NC]);
            double complex ip = 0;
            double aa = 0, bb = 0;
            for (int c = 0; c < NC; c++) {
                double complex xa = r1.u1[(f * NC + c) * 2] + I * r1.u1[(f * NC + c) * 2 + 1];
                double complex y = res.u1[(f * NC + c) * 2] + I * res.u1[(f * NC + c) * 2 + 1];
                ip += conj(xa) * y, aa += creal(xa * conj(xa)), bb += creal(y * conj(y));
            }
            /* lines where s_1 and s_2 nearly coincide leave u_1 undetermined: skip them */
            if (res.sv[f * NC] > 1.01 * res.sv[f * NC + 1]) dm = fmax(dm, 1 - creal(ip * conj(ip)) / (aa * bb));
            int peak = 0;
            for (int k = 0; k < r1.n_modes; k++) peak |= r1.modes[k].line == f;
            for (int c = 1; c < NC; c++) nan_ok &= peak ? r1.sv[f * NC + c] == res.sv[f * NC + c] : isnan(r1.sv[f * NC + c]);
        }
        CHECK_MSG(ds < 1e-12 && dm < 1e-10, "first_only: s_1 differs by %.3g (relative), 1 - MAC(u_1) up to %.3g", ds, dm);
        CHECK(nan_ok);
        for (int k = 0; k < r1.n_modes && k < res.n_modes; k++) {
            const regia_fdd_mode_t *fo = &r1.modes[k], *fu = &res.modes[k];
            CHECK(fo->line == fu->line && fo->efdd_status == fu->efdd_status && fo->efdd_lines == fu->efdd_lines &&
                  fo->efdd_used == fu->efdd_used);
            CHECK_CLOSE(fo->s1_s2, fu->s1_s2, 1e-12, 0);
            CHECK_CLOSE(fo->efdd_xi, fu->efdd_xi, 1e-9, 0);
            CHECK_CLOSE(fo->efdd_f_hz, fu->efdd_f_hz, 1e-12, 0);
            for (int c = 0; c < NC * 2; c++) CHECK_CLOSE(r1.shapes[k * NC * 2 + c], res.shapes[k * NC * 2 + c], 0, 1e-12);
        }
        regia_fdd_result_free(&r1);
    }
    /* the same without EFDD; max_modes 1 keeps the more prominent */
    regia_fdd_result_free(&res);
    cfg.efdd = 0;
    cfg.max_modes = 1;
    CHECK_OK(regia_fdd(csd, NC, &wc, &cfg, &res));
    CHECK(res.n_modes == 1 && res.modes[0].efdd_status == REGIA_EFDD_OFF && isnan(res.modes[0].efdd_xi));
    regia_fdd_result_free(&res);
    /* nperseg 512: 0.078 Hz lines, wider than mode 1's half-power band (0.06 Hz): EFDD
     * refuses it (NARROW_BELL, NaN) instead of returning an inflated damping */
    wc.nperseg = 512;
    in.cfg = wc;
    CHECK_OK(regia_welch(&be, &in, &out));
    cfg.efdd = 1;
    cfg.max_modes = 0;
    CHECK_OK(regia_fdd(csd, NC, &wc, &cfg, &res));
    CHECK(res.n_modes >= 1 && fabs(res.modes[0].f_hz - fn[0]) < 0.1);
    CHECK(res.n_modes >= 1 && res.modes[0].efdd_status == REGIA_EFDD_NARROW_BELL && isnan(res.modes[0].efdd_xi));
    fprintf(stderr, "nperseg 512: mode 1 half-power width %.2f lines, EFDD status %d\n",
            res.n_modes ? res.modes[0].halfpower_lines : 0.0, res.n_modes ? res.modes[0].efdd_status : -1);
    regia_fdd_result_free(&res);
    regia_backend_close(&be);
    free(x);
    free(csd);
}

/* --pyoma2 DIR: the CSD (scipy's defaults, nperseg from DIR/meta.txt) and FDD of
 * DIR/x.f64, written as DIR/sv.f64 and DIR/modes.txt ("line f_hz efdd_status efdd_f
 * efdd_xi re0 im0 re1 im1 ..." per mode) for tests/reference/fdd_pyoma2.py compare. */
static int pyoma2_mode(const char *dir)
{
    char path[4096];
    int nch = 0, nperseg = 0;
    long long n = 0;
    double fs = 0;
    snprintf(path, sizeof path, "%s/meta.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f || fscanf(f, "%d %lld %lf %d", &nch, &n, &fs, &nperseg) != 4) {
        fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    fclose(f);
    double *x = malloc(sizeof(double) * (size_t)(nch * n));
    snprintf(path, sizeof path, "%s/x.f64", dir);
    f = fopen(path, "rb");
    if (!x || !f || fread(x, sizeof(double), (size_t)(nch * n), f) != (size_t)(nch * n)) {
        fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    fclose(f);
    regia_welch_cfg_t wc;
    regia_welch_defaults(&wc, fs);
    wc.nperseg = nperseg;
    const int nf = regia_welch_nfreq(&wc);
    double *csd = malloc(sizeof(double) * (size_t)nf * nch * nch * 2);
    regia_backend_t be;
    regia_fdd_cfg_t cfg;
    regia_fdd_result_t res;
    regia_fdd_defaults(&cfg);
    cfg.fmin_hz = 0.3;
    regia_welch_batch_t in = {.x = x, .n_rec = 1, .nch = nch, .n = n, .cfg = wc, .kind = REGIA_WELCH_CSD};
    regia_welch_out_t out = {.csd = csd};
    if (regia_backend_open(&be, "cpu", 0, 0) || regia_welch(&be, &in, &out) || regia_fdd(csd, nch, &wc, &cfg, &res)) {
        fprintf(stderr, "%s\n", regia_error_msg());
        return 1;
    }
    snprintf(path, sizeof path, "%s/sv.f64", dir);
    f = fopen(path, "wb");
    if (!f || fwrite(res.sv, sizeof(double), (size_t)nf * nch, f) != (size_t)nf * nch) return 1;
    fclose(f);
    snprintf(path, sizeof path, "%s/modes.txt", dir);
    f = fopen(path, "w");
    if (!f) return 1;
    for (int k = 0; k < res.n_modes; k++) {
        const regia_fdd_mode_t *md = &res.modes[k];
        fprintf(f, "%d %.17g %d %.17g %.17g", md->line, md->f_hz, md->efdd_status, md->efdd_f_hz, md->efdd_xi);
        for (int c = 0; c < nch; c++)
            fprintf(f, " %.17g %.17g", res.shapes[((size_t)k * nch + c) * 2], res.shapes[((size_t)k * nch + c) * 2 + 1]);
        fputc('\n', f);
    }
    fclose(f);
    regia_fdd_result_free(&res);
    regia_backend_close(&be);
    free(x);
    free(csd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--pyoma2")) return pyoma2_mode(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--pyoma2 DIR]\n", argv[0]);
        return 2;
    }
    test_peaks();
    test_svd_rank_one();
    test_two_modes();
    return check_done();
}
