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

/* ---- Clock offset from the phase of the cross-spectrum (contract: sensor_qc.h) ----
 *
 * A clock d samples late multiplies the cross-spectrum of two channels that see the same
 * motion by exp(-2 pi i f d) (f in cycles per sample).  With real mode shapes (classical
 * damping) and independent modal forces, the cross-spectrum without the delay is real,
 * S_ab(f) = sum_m phi_am phi_bm |Q_m(f)|^2: its phase is 0 or pi as the mode shapes have
 * equal or opposite signs at the two sensors.  So phi(f) + 2 pi f d = 0 (mod pi) at every
 * bin where the channels are coherent, and z(f) = exp(2 i phi(f)) = exp(-4 pi i f d) does
 * not depend on the signs.  The estimate maximises the weighted phase agreement
 *
 *   J(d) = sum_f w(f) Re[z(f) exp(4 pi i f d)] / sum_f w(f)      (J = 1: every bin agrees)
 *
 * over |d| <= max_lag, pooled over the channel pairs given: a generalized cross-correlation
 * (Knapp & Carter 1976) of the phase alone (PHAT), on the doubled phase, with the
 * Hannan-Thomson weight w = g2 / (1 - g2) (the inverse of the phase variance, Carter 1987)
 * of the bins with magnitude-squared coherence g2 >= 0.5 (g2 capped at 0.99).  Welch
 * estimates: Hann segments of N points (the largest power of 2 <= 2n/25, so that K >= 24
 * segments overlap by half; at most 4096, at least 32), segment means removed; FFTW r2c.
 * Narrowband modes do not confuse it as they do the correlation peak (whose envelope is
 * the band's 1 / bandwidth wide and whose sign flips with the mode shapes): each coherent
 * bin fixes d modulo 1 / (2 f), and bins of different modes together fix d.  J on a grid
 * of 1/20 sample (J changes by at most 2 pi / 20 of its cycle per step, since f <= 1/2)
 * by one FFTW c2r of the bins' sums zero-padded to 10 N points;
 * the best point is refined by a parabola; *second is the largest other local maximum
 * farther than half a sample, so that a pair whose coherent bins all lie in one mode
 * (d fixed only modulo 1 / (2 f)) shows second ~ agree and is left undecided by the caller. */
enum { PH_SEG_MIN = 32, PH_SEG_MAX = 4096, PH_STEPS = 20 };
#define PH_COH_MIN 0.5
#define PH_COH_CAP 0.99

regia_status_t regia_qc_clock_offset_phase(const double *const *a, const double *const *b, int npair, int64_t n,
                                           double max_lag, double *lag, double *agree, double *second)
{
    regia_status_t st = REGIA_OK;
    if (!lag || !agree || !second) return REGIA_FAIL(REGIA_ERR_INVALID, "clock offset (phase): NULL result pointer");
    *lag = NAN, *agree = 0, *second = 0;
    if (npair < 1 || !a || !b)
        return REGIA_FAIL(REGIA_ERR_INVALID, "clock offset (phase): need >= 1 channel pair (got %d)", npair);
    int64_t N = PH_SEG_MIN;
    while (2 * N <= PH_SEG_MAX && 25 * (2 * N) <= 2 * n) N *= 2;
    if (25 * N > 2 * n)
        return REGIA_FAIL(REGIA_ERR_INVALID, "clock offset (phase): need >= %lld samples (got %lld)",
                          (long long)((25 * PH_SEG_MIN + 1) / 2), (long long)n);
    if (!(max_lag > 0) || max_lag > (double)N / 4 - 1) max_lag = (double)N / 4 - 1;
    for (int p = 0; p < npair; p++) {
        if (!a[p] || !b[p]) return REGIA_FAIL(REGIA_ERR_INVALID, "clock offset (phase): pair %d has a NULL channel", p);
        for (int64_t t = 0; t < n; t++)
            if (!isfinite(a[p][t]) || !isfinite(b[p][t]))
                return REGIA_FAIL(REGIA_ERR_INVALID, "clock offset (phase): sample %lld of channel %s of pair %d is not finite",
                                  (long long)t, isfinite(a[p][t]) ? "b" : "a", p);
    }
    const int64_t nc = N / 2 + 1, hop = N / 2, K = (n - N) / hop + 1;
    double *u = fftw_alloc_real((size_t)N), *win = malloc(sizeof *win * (size_t)N);
    fftw_complex *A = fftw_alloc_complex((size_t)nc), *B = fftw_alloc_complex((size_t)nc);
    double *saa = malloc(sizeof(double) * (size_t)nc * 4), *sbb = saa + nc, *sr = sbb + nc, *si = sr + nc;
    /* the coherent bins of all pairs: frequency, weight, z */
    double *bf = malloc(sizeof(double) * (size_t)(nc * npair) * 4), *bw = bf + nc * npair, *bzr = bw + nc * npair,
           *bzi = bzr + nc * npair;
    const int64_t ng = 2 * (int64_t)floor(max_lag * PH_STEPS) + 1, g0 = (ng - 1) / 2;
    double *J = calloc((size_t)ng, sizeof *J);
    fftw_plan pf = NULL, pb = NULL;
    if (!u || !win || !A || !B || !saa || !bf || !J) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "clock offset (phase): out of memory (%lld-point segments)", (long long)N);
        goto err;
    }
    if (!regia_fftw_plan_pair((int)N, u, A, B, &pf, &pb)) {
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "clock offset (phase): FFTW could not plan %lld points", (long long)N);
        goto err;
    }
    for (int64_t j = 0; j < N; j++) win[j] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)j / (double)N);
    int64_t nb = 0;
    double wsum = 0;
    for (int p = 0; p < npair; p++) {
        memset(saa, 0, sizeof(double) * (size_t)nc * 4);
        for (int64_t k = 0; k < K; k++) {
            const double *xa = a[p] + k * hop, *xb = b[p] + k * hop;
            double ma = 0, mb = 0;
            for (int64_t j = 0; j < N; j++) ma += xa[j], mb += xb[j];
            ma /= (double)N, mb /= (double)N;
            for (int64_t j = 0; j < N; j++) u[j] = win[j] * (xa[j] - ma);
            fftw_execute_dft_r2c(pf, u, A);
            for (int64_t j = 0; j < N; j++) u[j] = win[j] * (xb[j] - mb);
            fftw_execute_dft_r2c(pf, u, B);
            const double *PA = (const double *)A, *PB = (const double *)B;
            for (int64_t f = 0; f < nc; f++) { /* conj(A) B: the phase of b behind a */
                double ar = PA[2 * f], ai = PA[2 * f + 1], br = PB[2 * f], bi = PB[2 * f + 1];
                saa[f] += ar * ar + ai * ai, sbb[f] += br * br + bi * bi;
                sr[f] += ar * br + ai * bi, si[f] += ar * bi - ai * br;
            }
        }
        for (int64_t f = 1; f < nc - 1; f++) { /* DC (means removed) and Nyquist carry no phase */
            double m2 = sr[f] * sr[f] + si[f] * si[f];
            if (!(saa[f] > 0) || !(sbb[f] > 0) || !(m2 > 0)) continue;
            double g2 = m2 / (saa[f] * sbb[f]);
            if (g2 < PH_COH_MIN) continue;
            if (g2 > PH_COH_CAP) g2 = PH_COH_CAP;
            bf[nb] = (double)f / (double)N;
            bw[nb] = g2 / (1.0 - g2);
            bzr[nb] = (sr[f] * sr[f] - si[f] * si[f]) / m2; /* exp(2 i phi) */
            bzi[nb] = 2.0 * sr[f] * si[f] / m2;
            wsum += bw[nb++];
        }
    }
    if (nb == 0) goto err; /* no coherent bin: undecided (agree 0) */
    /* J(d) = Re sum_f c(f) exp(4 pi i f d), c(f) = sum over the pairs of w z at bin f, on the
     * grid d = m / (2 P), P = PH_STEPS / 2: with f = k / N that is Re sum_k c_k exp(2 pi i k m
     * / (N P)), half the c2r transform of N P points of c zero-padded (c2r adds the conjugate
     * half); the range |d| <= max_lag < N / 4 keeps |m| < N P / 2, no wrap. */
    {
        const int64_t P = PH_STEPS / 2, Mt = N * P, mc = Mt / 2 + 1;
        double *y = fftw_alloc_real((size_t)Mt);
        fftw_complex *X = fftw_alloc_complex((size_t)mc);
        fftw_plan qf = NULL, qb = NULL;
        if (!y || !X || !regia_fftw_plan_pair((int)Mt, y, X, X, &qf, &qb)) {
            st = y && X ? REGIA_FAIL(REGIA_ERR_NUMERIC, "clock offset (phase): FFTW could not plan %lld points", (long long)Mt)
                        : REGIA_FAIL(REGIA_ERR_NOMEM, "clock offset (phase): out of memory (%lld points)", (long long)Mt);
            regia_fftw_destroy_pair(&qf, &qb);
            fftw_free(y);
            fftw_free(X);
            goto err;
        }
        double *PX = (double *)X;
        memset(X, 0, sizeof *X * (size_t)mc);
        for (int64_t i = 0; i < nb; i++) {
            int64_t k = llround(bf[i] * (double)N);
            PX[2 * k] += bw[i] * bzr[i], PX[2 * k + 1] += bw[i] * bzi[i];
        }
        fftw_execute_dft_c2r(qb, X, y);
        for (int64_t g = 0; g < ng; g++) {
            int64_t m = g - g0;
            J[g] = y[m < 0 ? m + Mt : m] / 2.0;
        }
        regia_fftw_destroy_pair(&qf, &qb);
        fftw_free(y);
        fftw_free(X);
    }
    const double h = 1.0 / PH_STEPS;
    int64_t best = 0;
    for (int64_t g = 0; g < ng; g++) {
        J[g] /= wsum;
        if (J[g] > J[best] || (J[g] == J[best] && llabs(g - g0) < llabs(best - g0))) best = g;
    }
    double sec = -1;
    for (int64_t g = 0; g < ng; g++) {
        if (llabs(g - best) * 2 <= PH_STEPS) continue; /* within half a sample of the best */
        int peak = (g == 0 || J[g] >= J[g - 1]) && (g == ng - 1 || J[g] >= J[g + 1]);
        if (peak && J[g] > sec) sec = J[g];
    }
    double frac = 0;
    if (best > 0 && best < ng - 1) {
        double den = J[best - 1] - 2.0 * J[best] + J[best + 1];
        if (den < 0) frac = 0.5 * (J[best - 1] - J[best + 1]) / den;
    }
    *lag = ((double)(best - g0) + frac) * h;
    *agree = J[best];
    *second = sec;
err:
    regia_fftw_destroy_pair(&pf, &pb);
    fftw_free(u);
    free(win);
    fftw_free(A);
    fftw_free(B);
    free(saa);
    free(bf);
    free(J);
    return st;
}
