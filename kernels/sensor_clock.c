/* Clock offset between two sensors by FFT cross-correlation (contract:
 * include/regia/sensor_qc.h).
 *
 * r[k] = sum_t a[t] b[t+k] for |k| <= max_lag is the inverse real FFT of conj(A) B with
 * both channels (means removed) zero-padded to nfft >= 2n (no circular wrap), FFTW 3 r2c /
 * c2r.  FFTW's planner is not thread-safe: plans are made (FFTW_ESTIMATE) and destroyed
 * under the library's planner lock (regia_fftw_plan_pair, fftw_lock_impl.h); execution
 * runs outside it. */
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

/* The peak of the largest r (polarity 0), or of the largest |r| (polarity 1: the peak of
 * -r wins only when it is strictly larger, as a caller comparing (a, b) with (a, -b)
 * would choose; -r is exactly the cross-correlation with -b). */
static regia_status_t clock_offset(const double *a, const double *b, int64_t n, int64_t max_lag, int polarity,
                                   double *lag, double *corr)
{
    regia_status_t st = REGIA_OK;
    double *xa = NULL, *xb = NULL;
    fftw_complex *fa = NULL, *fb = NULL;
    fftw_plan pf = NULL, pb = NULL;
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
    int64_t nfft = fft_size(2 * n), nc = nfft / 2 + 1;
    xa = fftw_alloc_real((size_t)nfft);
    xb = fftw_alloc_real((size_t)nfft);
    fa = fftw_alloc_complex((size_t)nc);
    fb = fftw_alloc_complex((size_t)nc);
    if (!xa || !xb || !fa || !fb) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "clock offset: out of memory (nfft %lld)", (long long)nfft));
    double saa = 0, sbb = 0;
    for (int64_t t = 0; t < n; t++) {
        xa[t] = a[t] - ma, xb[t] = b[t] - mb;
        saa += xa[t] * xa[t], sbb += xb[t] * xb[t];
    }
    if (!(saa > 0) || !(sbb > 0))
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID, "clock offset: channel %s has zero variance", saa > 0 ? "b" : "a"));
    memset(xa + n, 0, sizeof(double) * (size_t)(nfft - n));
    memset(xb + n, 0, sizeof(double) * (size_t)(nfft - n));
    if (!regia_fftw_plan_pair((int)nfft, xa, fa, fa, &pf, &pb)) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NUMERIC, "clock offset: FFTW could not plan %lld points", (long long)nfft));
    fftw_execute_dft_r2c(pf, xa, fa);
    fftw_execute_dft_r2c(pf, xb, fb);
    for (int64_t k = 0; k < nc; k++) {
        fa[k] = conj(fa[k]) * fb[k]; /* fftw_complex is double complex after complex.h */
    }
    fftw_execute_dft_c2r(pb, fa, xa); /* xa[k mod nfft] = nfft * r[k] */
    int64_t best = 0, worst = 0;
    double rbest = -INFINITY, rworst = INFINITY;
    for (int64_t k = -max_lag; k <= max_lag; k++) {
        double r = xa[(k + nfft) % nfft];
        if (r > rbest) rbest = r, best = k;
        if (r < rworst) rworst = r, worst = k;
    }
    if (polarity && -rworst > rbest) { /* antiphase: work on -r */
        for (int64_t k = 0; k < nfft; k++) xa[k] = -xa[k];
        rbest = -rworst, best = worst;
    }
    double frac = 0.0;
    if (best > -max_lag && best < max_lag) {
        double rm = xa[(best - 1 + nfft) % nfft], rp = xa[(best + 1 + nfft) % nfft];
        double den = rm - 2.0 * rbest + rp;
        if (den < 0) frac = 0.5 * (rm - rp) / den;
    }
    *lag = (double)best + frac;
    *corr = rbest / (double)nfft / sqrt(saa * sbb);
err:
    regia_fftw_destroy_pair(&pf, &pb);
    fftw_free(xa);
    fftw_free(xb);
    fftw_free(fa);
    fftw_free(fb);
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
