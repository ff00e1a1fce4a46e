/* Clock offset between two sensors by FFT cross-correlation (contract:
 * include/regia/sensor_qc.h).
 *
 * r[k] = sum_t a[t] b[t+k] for |k| <= L = max_lag (means removed, both taken as zero
 * outside the record) by FFT in blocks, since L is a few hundred samples and the record
 * a hundred thousand or more: the times of a are cut into blocks of m = M - 2L, and per
 * block the M-point spectra of a over the block (zero-padded) and of b from L before the
 * block to L after it give, accumulated over the blocks as conj(A) B, the M-point circular
 * cross-correlation whose entries L + k, |k| <= L, do not wrap; one inverse transform at the
 * end.  M is the smallest power of 2 >= 4096 and >= 8 (2L + 1), so that at least 7/8 of each
 * transform is new samples, or, for a record that fits one transform, the smallest
 * 2^a 3^b 5^c >= n + 2L.  The same r to rounding as one transform over the whole record
 * (tests/unit/test_k_sensor_qc.c checks against the direct sums), at a tenth of its cost
 * on a 10-minute 200 Hz record.  FFTW 3 r2c / c2r; plans under the library's planner lock
 * (regia_fftw_plan_pair, fftw_lock_impl.h); execution runs outside it. */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fftw_lock_impl.h"
#include "regia/sensor_qc.h"

/* Smallest 2^a 3^b 5^c >= n (sizes FFTW transforms fast). */
static int64_t fft_size(int64_t n)
{
    for (int64_t m = n;; m++) {
        int64_t r = m;
        while (r % 2 == 0) r /= 2;
        while (r % 3 == 0) r /= 3;
        while (r % 5 == 0) r /= 5;
        if (r == 1) return m;
    }
}

/* r[L + k] = sum_t xa[t] xb[t+k], |k| <= L, of a - ma and b - mb (see the top). */
static regia_status_t xcorr_blocked(const double *a, double ma, const double *b, double mb, int64_t n, int64_t L,
                                    double *r)
{
    regia_status_t st = REGIA_OK;
    int64_t M = 4096;
    while (M < 8 * (2 * L + 1)) M *= 2;
    int64_t m = M - 2 * L;
    if (n <= m) M = fft_size(n + 2 * L), m = n;
    int64_t nc = M / 2 + 1;
    double *u = fftw_alloc_real((size_t)M), *v = fftw_alloc_real((size_t)M);
    fftw_complex *U = fftw_alloc_complex((size_t)nc), *V = fftw_alloc_complex((size_t)nc);
    fftw_complex *S = fftw_alloc_complex((size_t)nc);
    fftw_plan pf = NULL, pb = NULL;
    if (!u || !v || !U || !V || !S) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "clock offset: out of memory (%lld-point blocks)", (long long)M);
        goto err;
    }
    if (!regia_fftw_plan_pair((int)M, u, U, S, &pf, &pb)) {
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "clock offset: FFTW could not plan %lld points", (long long)M);
        goto err;
    }
    memset(S, 0, sizeof *S * (size_t)nc);
    for (int64_t t0 = 0; t0 < n; t0 += m) {
        int64_t len = n - t0 < m ? n - t0 : m;
        for (int64_t j = 0; j < len; j++) u[j] = a[t0 + j] - ma;
        memset(u + len, 0, sizeof *u * (size_t)(M - len));
        /* v[j] = xb[t0 - L + j] for j in [0, len + 2L), zero elsewhere and outside the record */
        int64_t j0 = t0 - L < 0 ? L - t0 : 0, j1 = len + 2 * L;
        if (t0 - L + j1 > n) j1 = n - (t0 - L);
        memset(v, 0, sizeof *v * (size_t)j0);
        for (int64_t j = j0; j < j1; j++) v[j] = b[t0 - L + j] - mb;
        memset(v + j1, 0, sizeof *v * (size_t)(M - j1));
        fftw_execute_dft_r2c(pf, u, U);
        fftw_execute_dft_r2c(pf, v, V);
        const double *A = (const double *)U, *B = (const double *)V;
        double *P = (double *)S;
        for (int64_t f = 0; f < nc; f++) { /* S += conj(A) B, without __muldc3 */
            P[2 * f] += A[2 * f] * B[2 * f] + A[2 * f + 1] * B[2 * f + 1];
            P[2 * f + 1] += A[2 * f] * B[2 * f + 1] - A[2 * f + 1] * B[2 * f];
        }
    }
    fftw_execute_dft_c2r(pb, S, u); /* u[s] = M c[s], the lags at s = L + k */
    for (int64_t k = 0; k <= 2 * L; k++) r[k] = u[k] / (double)M;
err:
    regia_fftw_destroy_pair(&pf, &pb);
    fftw_free(u);
    fftw_free(v);
    fftw_free(U);
    fftw_free(V);
    fftw_free(S);
    return st;
}

/* The peak of the largest r (polarity 0), or of the largest |r| (polarity 1: the peak of
 * -r wins only when it is strictly larger, as a caller comparing (a, b) with (a, -b)
 * would choose; -r is exactly the cross-correlation with -b). */
static regia_status_t clock_offset(const double *a, const double *b, int64_t n, int64_t max_lag, int polarity,
                                   double *lag, double *corr)
{
    regia_status_t st = REGIA_OK;
    if (n < 4 || !a || !b) return REGIA_FAIL(REGIA_ERR_INVALID, "clock offset: need >= 4 samples (got %lld)", (long long)n);
    if (max_lag <= 0) max_lag = n / 4;
    if (max_lag > n - 2) max_lag = n - 2;
    double ma = 0, mb = 0;
    for (int64_t t = 0; t < n; t++) {
        if (!isfinite(a[t]) || !isfinite(b[t]))
            return REGIA_FAIL(REGIA_ERR_INVALID, "clock offset: sample %lld of channel %s is not finite", (long long)t,
                              isfinite(a[t]) ? "b" : "a");
        ma += a[t], mb += b[t];
    }
    ma /= (double)n, mb /= (double)n;
    double saa = 0, sbb = 0;
    for (int64_t t = 0; t < n; t++) {
        double da = a[t] - ma, db = b[t] - mb;
        saa += da * da, sbb += db * db;
    }
    if (!(saa > 0) || !(sbb > 0))
        return REGIA_FAIL(REGIA_ERR_INVALID, "clock offset: channel %s has zero variance", saa > 0 ? "b" : "a");
    const int64_t L = max_lag;
    double *r = malloc(sizeof *r * (size_t)(2 * L + 1));
    if (!r) return REGIA_FAIL(REGIA_ERR_NOMEM, "clock offset: out of memory (%lld lags)", (long long)(2 * L + 1));
    if ((st = xcorr_blocked(a, ma, b, mb, n, L, r))) goto err;
    int64_t best = 0, worst = 0;
    double rbest = -INFINITY, rworst = INFINITY;
    for (int64_t k = -L; k <= L; k++) {
        double rk = r[L + k];
        if (rk > rbest) rbest = rk, best = k;
        if (rk < rworst) rworst = rk, worst = k;
    }
    if (polarity && -rworst > rbest) { /* antiphase: work on -r */
        for (int64_t k = 0; k <= 2 * L; k++) r[k] = -r[k];
        rbest = -rworst, best = worst;
    }
    double frac = 0.0;
    if (best > -L && best < L) {
        double rm = r[L + best - 1], rp = r[L + best + 1];
        double den = rm - 2.0 * rbest + rp;
        if (den < 0) frac = 0.5 * (rm - rp) / den;
    }
    *lag = (double)best + frac;
    *corr = rbest / sqrt(saa * sbb);
err:
    free(r);
    return st;
}

regia_status_t regia_qc_clock_offset(const double *a, const double *b, int64_t n, int64_t max_lag, double *lag,
                                     double *corr)
{
    return clock_offset(a, b, n, max_lag, 0, lag, corr);
}

regia_status_t regia_qc_clock_offset_any(const double *a, const double *b, int64_t n, int64_t max_lag,
                                         double *lag, double *corr)
{
    return clock_offset(a, b, n, max_lag, 1, lag, corr);
}
