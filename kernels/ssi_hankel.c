/* ssi_hankel.c - the block Hankel matrix of covariance-driven SSI (step 2 of regia/ssi.h):
 * pyOMA2's fixed window and KOMA's unbiased one, from a record (regia_ssi_hankel) or from
 * given covariances (regia_ssi_from_cov).
 *
 * Every block of H is a sum over reference times of y(s + k) yref(s)^T for one lag k.  The
 * lag products over the reference times all blocks of a lag share are computed either
 * directly (one dgemm per lag: short records or few lags) or, for long records, for all lags
 * at once by FFT cross-correlation (FFTW r2c / c2r, zero-padded so that nothing wraps):
 * (nch + nref) forward and nch x nref inverse transforms of about n points instead of
 * 2 (2i - 1) nch nref n multiply-adds.  Both agree to rounding (relative 1e-13 of the largest
 * entry; tests/unit/test_k_ssi.c checks both paths against the definitions).  FFTW's planner
 * is not thread-safe: plans are made (FFTW_ESTIMATE) and destroyed under the library's
 * planner lock (regia_fftw_plan_pair, fftw_lock_impl.h); execution runs outside it. */
#include <cblas.h>
#include <complex.h>
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "fftw_lock_impl.h"
#include "regia/ssi.h"

/* What the Hankel matrix alone needs (the orders are checked by regia_ssi_check). */
static regia_status_t check_hankel(const regia_ssi_cfg_t *cfg, int64_t n, int32_t nch,
                                   int32_t nref)
{
    if (nch < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "SSI: %d channels (need >= 1)", nch);
    if (nref < 1 || nref > nch)
        return REGIA_FAIL(REGIA_ERR_INVALID, "SSI: %d reference channels (need 1..%d)", nref,
                          nch);
    if (cfg->block_rows < 1)
        return REGIA_FAIL(REGIA_ERR_INVALID, "SSI: block_rows = %d (need >= 1)",
                          cfg->block_rows);
    if (n < 3 * (int64_t)cfg->block_rows)
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "SSI: %lld samples for block_rows = %d (need >= 3 x block_rows)",
                          (long long)n, cfg->block_rows);
    if (cfg->window != REGIA_SSI_FIXED && cfg->window != REGIA_SSI_UNBIASED)
        return REGIA_FAIL(REGIA_ERR_INVALID, "SSI: window = %d (fixed 0 or unbiased 1)",
                          cfg->window);
    return REGIA_OK;
}

/* The FFT pays off for long records with many lags (see lags_fft). */
static int use_fft(int64_t n, int32_t n_lags) { return n >= 2048 && n_lags >= 16; }

/* F[(k*nch + c)*nref + d] = sum over s in [s0, s1] of yc_c(s + k) yc_ref[d](s) for
 * k = 1..K (entries k = 0 untouched; yc is taken as zero past n), by FFT in blocks: the
 * reference times are cut into blocks of L = M - K, and per block the M-point spectra of the
 * block's references and of the channels over the block and the K samples after it give,
 * accumulated over the blocks as Y conj(X), the pair's M-point cross-correlation (lags
 * 0..K do not wrap); one inverse transform per pair at the end.  M = 512 for the usual
 * i <= 64 (4 K <= M): small transforms stay in cache and their plans cost microseconds,
 * where one transform over the whole record costs a millisecond of planning (FFTW's
 * twiddles) per call.  yc: nch channels of n samples (channel-major); ref[nref]: channels. */
static regia_status_t lags_fft(const double *yc, int64_t n, int32_t nch, const int32_t *ref,
                               int32_t nref, int64_t s0, int64_t s1, int32_t K, double *F)
{
    regia_status_t st = REGIA_OK;
    int64_t M = 512;
    while (M < 4 * (int64_t)K) M *= 2;
    int64_t L = M - K, nc = M / 2 + 1, ncs = (nc + 3) / 4 * 4, np = (int64_t)nch * nref;
    double *buf = fftw_alloc_real((size_t)M);
    fftw_complex *Y = fftw_alloc_complex((size_t)(nch + nref) * (size_t)ncs);
    fftw_complex *S = fftw_alloc_complex((size_t)np * (size_t)ncs);
    fftw_plan pf = NULL, pb = NULL;
    if (!buf || !Y || !S) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "SSI: no memory for covariances by FFT (%lld points)",
                        (long long)M);
        goto err;
    }
    if (!regia_fftw_plan_pair((int)M, buf, Y, S, &pf, &pb)) {
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "SSI: FFTW could not plan %lld points", (long long)M);
        goto err;
    }
    memset(S, 0, (size_t)np * (size_t)ncs * sizeof *S);
    for (int64_t sb = s0; sb <= s1; sb += L) {
        int64_t len = s1 - sb + 1 < L ? s1 - sb + 1 : L, ly = len + K;
        if (sb + ly > n) ly = n - sb;
        for (int32_t c = 0; c < nch; c++) { /* channel c over the block and K after it */
            memcpy(buf, yc + (int64_t)c * n + sb, (size_t)ly * sizeof *buf);
            memset(buf + ly, 0, (size_t)(M - ly) * sizeof *buf);
            fftw_execute_dft_r2c(pf, buf, Y + (int64_t)c * ncs);
        }
        for (int32_t d = 0; d < nref; d++) { /* reference d over the block */
            memcpy(buf, yc + (int64_t)ref[d] * n + sb, (size_t)len * sizeof *buf);
            memset(buf + len, 0, (size_t)(M - len) * sizeof *buf);
            fftw_execute_dft_r2c(pf, buf, Y + (int64_t)(nch + d) * ncs);
        }
        for (int32_t c = 0; c < nch; c++)
            for (int32_t d = 0; d < nref; d++) { /* S += A conj(B), without __muldc3 */
                const double *A = (const double *)(Y + (int64_t)c * ncs);
                const double *B = (const double *)(Y + (int64_t)(nch + d) * ncs);
                double *P = (double *)(S + ((int64_t)c * nref + d) * ncs);
                for (int64_t f = 0; f < nc; f++) {
                    P[2 * f] += A[2 * f] * B[2 * f] + A[2 * f + 1] * B[2 * f + 1];
                    P[2 * f + 1] += A[2 * f + 1] * B[2 * f] - A[2 * f] * B[2 * f + 1];
                }
            }
    }
    double scale = 1.0 / (double)M;
    for (int32_t c = 0; c < nch; c++)
        for (int32_t d = 0; d < nref; d++) {
            fftw_execute_dft_c2r(pb, S + ((int64_t)c * nref + d) * ncs, buf); /* M r(k) */
            for (int32_t k = 1; k <= K; k++)
                F[((int64_t)k * nch + c) * nref + d] = buf[k] * scale;
        }
err:
    regia_fftw_destroy_pair(&pf, &pb);
    fftw_free(buf);
    fftw_free(Y);
    fftw_free(S);
    return st;
}

/* The same sums directly, one dgemm per lag (unbiased: s over the whole record, each
 * lag-k sum divided by n - k). */
static void lags_direct(const double *yc, int64_t n, int32_t nch, const double *yr,
                        int32_t nref, int64_t s0, int64_t s1, int32_t K, int unbiased,
                        double *F)
{
    for (int32_t k = 1; k <= K; k++) {
        int64_t len = unbiased ? n - k : s1 - s0 + 1;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nch, nref, (int)len,
                    unbiased ? 1.0 / (double)(n - k) : 1.0, yc + s0 + k, (int)n, yr + s0,
                    (int)n, 0.0, F + (int64_t)k * nch * nref, nref);
    }
}

/* acc[c][d] += y_c(s + k) y_ref[d](s): one term of a lag-k covariance sum. */
static void add_term(double *acc, const double *yc, const int32_t *ref, int64_t n, int32_t nch,
                     int32_t nref, int64_t s, int32_t k)
{
    for (int32_t c = 0; c < nch; c++) {
        double a = yc[c * n + s + k];
        for (int32_t d = 0; d < nref; d++) acc[c * nref + d] += a * yc[(int64_t)ref[d] * n + s];
    }
}

/* pyOMA2's H = Yf Yp^T / N, block (a, b) = sum over reference times s from i-1-b to
 * i-1-b+N-1 of y(s + a+b+1) yref(s)^T / N.  Per lag k = a+b+1: the sum over the reference
 * times i-1 .. N-1 all its blocks share (core, F[k]), plus the few head and tail terms each
 * block adds, accumulated in order so no term is subtracted.  acc: nch nref scratch. */
static void hankel_fixed(const double *yc, const int32_t *ref, int64_t n, int32_t nch,
                         int32_t nref, int32_t i, const double *F, double *H, double *acc)
{
    int64_t N = n - 2 * (int64_t)i + 1;
    int64_t ncol = (int64_t)i * nref, lr = (int64_t)nch * nref;
    for (int32_t k = 1; k <= 2 * i - 1; k++) {
        const double *core = F + (int64_t)k * lr;
        int32_t bmin = k - i > 0 ? k - i : 0, bmax = k - 1 < i - 1 ? k - 1 : i - 1;
        /* tails: block b has the i-1-b reference times N .. N+i-2-b after the core */
        memset(acc, 0, (size_t)lr * sizeof *acc);
        int32_t m = 0;
        for (int32_t b = bmax; b >= bmin; b--) {
            for (; m < i - 1 - b; m++) add_term(acc, yc, ref, n, nch, nref, N + m, k);
            int32_t a = k - 1 - b;
            for (int32_t c = 0; c < nch; c++)
                for (int32_t d = 0; d < nref; d++)
                    H[(a * nch + c) * ncol + b * nref + d] = core[c * nref + d] + acc[c * nref + d];
        }
        /* heads: block b has the b reference times i-1-b .. i-2 before the core */
        memset(acc, 0, (size_t)lr * sizeof *acc);
        int32_t h = 0;
        for (int32_t b = bmin; b <= bmax; b++) {
            for (; h < b; h++) add_term(acc, yc, ref, n, nch, nref, i - 2 - h, k);
            int32_t a = k - 1 - b;
            for (int32_t c = 0; c < nch; c++)
                for (int32_t d = 0; d < nref; d++)
                    H[(a * nch + c) * ncol + b * nref + d] =
                        (H[(a * nch + c) * ncol + b * nref + d] + acc[c * nref + d]) / (double)N;
        }
    }
}

/* Block (a, b) = R_{a+b+1} with R[(k*nch + c)*nref + d] (k = lag). */
static void hankel_from_lags(const double *R, int32_t nch, int32_t nref, int32_t i, double *H)
{
    int64_t ncol = (int64_t)i * nref;
    for (int32_t a = 0; a < i; a++)
        for (int32_t b = 0; b < i; b++) {
            const double *Rk = R + (int64_t)(a + b + 1) * nch * nref;
            for (int32_t c = 0; c < nch; c++)
                memcpy(H + (int64_t)(a * nch + c) * ncol + b * nref, Rk + c * nref,
                       (size_t)nref * sizeof *H);
        }
}

regia_status_t regia_ssi_hankel(const double *y, int64_t n, int32_t nch, const int32_t *ref,
                                int32_t nref, const regia_ssi_cfg_t *cfg, double *H)
{
    regia_status_t st = REGIA_OK;
    double *yc = NULL, *yr = NULL, *R = NULL;
    int32_t *rix = NULL;
    if (!ref) nref = nch;
    REGIA_TRY(check_hankel(cfg, n, nch, nref));
    for (int32_t d = 0; ref && d < nref; d++)
        if (ref[d] < 0 || ref[d] >= nch) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "SSI: reference %d is channel %d (have 0..%d)",
                            d, ref[d], nch - 1);
            goto err;
        }
    int32_t i = cfg->block_rows, K = 2 * i - 1;
    int64_t lr = (int64_t)nch * nref;
    yc = malloc((size_t)nch * (size_t)n * sizeof *yc);
    R = malloc(((size_t)(2 * i) * (size_t)lr + (size_t)lr) * sizeof *R);
    rix = malloc((size_t)nref * sizeof *rix);
    if (!yc || !R || !rix) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "SSI: no memory for a record of %lld x %d",
                        (long long)n, nch);
        goto err;
    }
    for (int32_t c = 0; c < nch; c++) {
        const double *x = y + (int64_t)c * n;
        double mean = 0.0;
        if (cfg->detrend) {
            for (int64_t t = 0; t < n; t++) mean += x[t];
            mean /= (double)n;
        }
        for (int64_t t = 0; t < n; t++) yc[c * n + t] = x[t] - mean;
    }
    for (int32_t d = 0; d < nref; d++) rix[d] = ref ? ref[d] : d;
    /* R[k] (k = 1..K): the lag products; R + 2i lr: scratch of hankel_fixed */
    int fixed = cfg->window == REGIA_SSI_FIXED;
    int64_t s0 = fixed ? i - 1 : 0, s1 = fixed ? n - 2 * (int64_t)i : n - 1;
    if (use_fft(n, K)) {
        REGIA_TRY(lags_fft(yc, n, nch, rix, nref, s0, s1, K, R));
        if (!fixed)
            for (int32_t k = 1; k <= K; k++)
                for (int64_t e = 0; e < lr; e++) R[k * lr + e] /= (double)(n - k);
    } else {
        /* the references' rows side by side for dgemm */
        yr = malloc((size_t)nref * (size_t)n * sizeof *yr);
        if (!yr) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "SSI: no memory for a record of %lld x %d",
                            (long long)n, nref);
            goto err;
        }
        for (int32_t d = 0; d < nref; d++)
            memcpy(yr + d * n, yc + (int64_t)rix[d] * n, (size_t)n * sizeof *yr);
        lags_direct(yc, n, nch, yr, nref, s0, s1, K, !fixed, R);
    }
    if (fixed) hankel_fixed(yc, rix, n, nch, nref, i, R, H, R + (int64_t)(2 * i) * lr);
    else hankel_from_lags(R, nch, nref, i, H);
err:
    free(yc);
    free(yr);
    free(R);
    free(rix);
    return st;
}

regia_status_t regia_ssi_from_cov(const double *R, int32_t n_lags, int32_t nch,
                                  int32_t nref, double fs, const regia_ssi_cfg_t *cfg,
                                  regia_ssi_result_t *res)
{
    regia_status_t st = REGIA_OK;
    double *H = NULL;
    regia_ssi_result_init(res);
    REGIA_TRY(regia_ssi_check(cfg, 0, nch, nref, NULL, 0));
    int64_t i = cfg->block_rows;
    if (n_lags < 2 * i) {
        st = REGIA_FAIL(REGIA_ERR_INVALID,
                        "SSI: %d covariance lags for block_rows = %lld (need >= 2 x block_rows)",
                        n_lags, (long long)i);
        goto err;
    }
    H = malloc((size_t)(i * nch) * (size_t)(i * nref) * sizeof *H);
    if (!H) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "SSI: no memory for the Hankel matrix");
        goto err;
    }
    hankel_from_lags(R, nch, nref, (int32_t)i, H);
    REGIA_TRY(regia_ssi_from_hankel(H, nch, nref, fs, cfg, res));
err:
    free(H);
    return st;
}
