/* regia/fdd.h - frequency-domain decomposition (FDD, Brincker, Zhang & Andersen 2001)
 * of a cross-spectral matrix, automatic peak picking of its first singular value, and
 * damping by the enhanced FDD (EFDD, Brincker, Ventura & Andersen 2001).
 *
 * Input: the cross-spectral matrix of one record as regia_welch computes it (kind CSD):
 * csd[((f nch + i) nch + j) 2 + {re, im}] = csd(x_i, x_j) = mean(conj(X_i) X_j).
 * Per line f the Hermitian matrix is decomposed by LAPACKE_zgesvd (or, when only s_1 is
 * needed, its largest eigenpair by LAPACKE_zheevr): G = U S U^H with
 * s_1 >= s_2 >= ... >= s_nch >= 0 (the singular values themselves; pyOMA2 1.4.3 stores
 * their square roots).  Modes are the peaks of s_1 (local maxima of 10 log10 s_1 with a
 * prominence in dB as scipy.signal.find_peaks defines it and a minimum spacing); the
 * shape of a mode is conj(u_1) at its line (u_1 of conj(X) X^T is conj(X)), scaled so
 * that its largest component is 1: pyOMA2's FDD_mpe convention.
 * Conventions and limits in docs/sensors-methods.md, section "Spectra and FDD".
 *
 * Kernel layer: no MPI, no I/O, host pointers, thread-safe (no shared state).
 */
#ifndef REGIA_FDD_H
#define REGIA_FDD_H

#include <stdint.h>

#include "regia/status.h"
#include "regia/welch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double fmin_hz, fmax_hz;   /* search band (fmax <= 0: Nyquist); DC is never a peak   */
    double min_prominence_db;  /* 6: prominence of 10 log10 s_1, dB                       */
    int64_t n_samples;         /* samples of the record the CSD was averaged over (0:
                                  unknown: the noise rule below is off)                   */
    double noise_sigmas;       /* 6.5: a peak also needs a prominence of at least this
                                  many standard deviations of 10 log10 of the Welch
                                  estimate (chi^2 with the average's equivalent degrees
                                  of freedom nu; regia_fdd_noise_sd_db).  Few segments
                                  scatter the estimate by 1.5-2 dB per line, and the
                                  largest "peak" of a flat noise floor of 128-1024 lines
                                  has a prominence of 4-6 sd (4.5-10 dB): a fixed 6 dB
                                  alone picks noise when K < ~30 (<= 0: off)             */
    double min_spacing_hz;     /* peaks closer than this keep the higher (<= 0: 2 lines)  */
    int32_t max_modes;         /* keep the most prominent (<= 0: all)                     */
    int32_t efdd;              /* 1: estimate damping by EFDD (default 1)                 */
    double efdd_mac;           /* 0.85: lines whose u_1 has MAC > this with the peak's
                                  shape form the SDOF bell (pyOMA2's MAClim)              */
    double efdd_band_hz;       /* 1.0: the bell is searched within +- this (pyOMA2 DF2)   */
    int32_t efdd_skip;         /* 3: extrema of the correlation skipped (pyOMA2 sppk)     */
    int32_t efdd_extrema;      /* 20: extrema used for the log decrement (pyOMA2 npmax)   */
    int32_t efdd_pad;          /* 5: zero padding factor of the inverse FFT               */
    double efdd_min_halfpower; /* 4: the fewest lines the half-power width of s_1 around
                                  the peak may span for EFDD (narrower: the window's own
                                  width dominates the bell and the damping comes out too
                                  high: NARROW_BELL)                                      */
    int32_t first_only;        /* 0 (default): every singular value of every line
                                  (zgesvd).  1: per line only s_1 and u_1, as the largest
                                  eigenpair of the Hermitian G (LAPACKE zheevr), about
                                  2.5x faster; res->sv holds s_2.. (NaN) only on the
                                  peaks' lines, decomposed in full.  The same modes: s_1
                                  and u_1 agree with zgesvd's to rounding (test_k_fdd)   */
} regia_fdd_cfg_t;

typedef enum {
    REGIA_EFDD_OK = 0,
    REGIA_EFDD_OFF,            /* not asked for                                           */
    REGIA_EFDD_NARROW_BELL,    /* fewer than 3 lines in the bell, or a half-power width
                                  below efdd_min_halfpower lines: resolution too coarse   */
    REGIA_EFDD_FEW_EXTREMA,    /* the correlation has too few extrema after the skipped   */
    REGIA_EFDD_NOT_DECAYING    /* the fitted decrement is not positive                    */
} regia_efdd_status_t;

typedef struct {
    int32_t line;              /* frequency line of the peak                              */
    double f_hz;               /* its frequency (line fs / nfft)                          */
    double s1;                 /* s_1 at the line                                          */
    double s1_s2;              /* s_1 / s_2 at the line (0 when nch == 1)                 */
    double prominence_db;
    int32_t efdd_status;       /* regia_efdd_status_t                                     */
    double efdd_f_hz;          /* EFDD natural frequency (NaN unless OK)                  */
    double efdd_xi;            /* EFDD damping ratio (NaN unless OK)                      */
    int32_t efdd_lines;        /* lines in the SDOF bell                                  */
    int32_t efdd_used;         /* extrema used in the fit                                 */
    double halfpower_lines;    /* half-power width of s_1 around the peak, in lines
                                  (linear interpolation between lines)                    */
} regia_fdd_mode_t;

typedef struct {
    int32_t nf, nch;
    double *sv;                /* nf nch singular values, sv[f nch + k], descending       */
    double *u1;                /* nf nch complex (interleaved): first singular vector      */
    double min_prominence_db;  /* the prominence threshold applied: max(cfg's, noise)    */
    double noise_sd_db;        /* sd of 10 log10 of the estimate (0: n_samples unknown)   */
    int32_t n_modes;
    regia_fdd_mode_t *modes;   /* n_modes, ascending frequency                            */
    double *shapes;            /* n_modes nch complex (interleaved), conj(u_1) scaled so
                                  that the largest-modulus component is 1 + 0i           */
} regia_fdd_result_t;

/* Defaults as listed in regia_fdd_cfg_t (pyOMA2 1.4.3's EFDD defaults where it has one). */
void regia_fdd_defaults(regia_fdd_cfg_t *cfg);

/* Singular values (sv: nf nch doubles) and, if u1 is not NULL, the first left singular
 * vector (u1: nf nch complex interleaved) of the nf nch x nch matrices csd (layout above).
 * Caller-owned arrays.  REGIA_ERR_NUMERIC naming the line when zgesvd fails. */
regia_status_t regia_fdd_svd(const double *csd, int32_t nf, int32_t nch, double *sv, double *u1);

/* The first singular value and vector only: sv[f nch] = s_1 (the largest eigenvalue of the
 * Hermitian G, 0 if rounding makes it negative), sv[f nch + k] = NaN for k >= 1, u1 as in
 * regia_fdd_svd up to a unit phase factor.  REGIA_ERR_NUMERIC naming the line when
 * zheevr fails. */
regia_status_t regia_fdd_svd_first(const double *csd, int32_t nf, int32_t nch, double *sv, double *u1);

/* Standard deviation, dB, of 10 log10 of a Welch average of K = regia_welch_nseg(wcfg, n)
 * segments: 10 / ln 10 sqrt(psi'(nu / 2)) for a chi^2_nu / nu estimate, with the
 * equivalent degrees of freedom nu = 2 K / (1 + 2 sum_{m=1}^{K-1} (1 - m/K) rho(m)^2),
 * rho(m) the normalised overlap sum of the window at lag m (nperseg - noverlap) samples
 * (Welch 1967; Percival & Walden 1993, eq. 292b: Hann, half overlap: nu ~ 1.89 K).
 * 0 when n < nperseg. */
double regia_fdd_noise_sd_db(const regia_welch_cfg_t *wcfg, int64_t n);

/* Full FDD of one record's CSD: SVD per line, peaks, shapes and EFDD damping.  wcfg is
 * the Welch configuration the csd was computed with (fs, nfft: the lines).  res is
 * allocated here; free it with regia_fdd_result_free (also after a failure). */
regia_status_t regia_fdd(const double *csd, int32_t nch, const regia_welch_cfg_t *wcfg,
                         const regia_fdd_cfg_t *cfg, regia_fdd_result_t *res);
void regia_fdd_result_free(regia_fdd_result_t *res);

/* Peaks of a spectrum y[0..n-1] (any positive quantity, picked on 10 log10 y) as in
 * scipy.signal.find_peaks(10 log10 y, prominence=min_prominence_db, distance=min_dist):
 * strict local maxima (flat tops: the middle sample), then the higher one of two peaks
 * closer than min_dist samples, then the prominence threshold.  Lines lo..hi-1 only.
 * Writes up to cap peak indices (ascending) to idx and their prominences (dB) to prom
 * (may be NULL); returns the number of peaks found (may exceed cap). */
int32_t regia_fdd_peaks(const double *y, int32_t lo, int32_t hi, double min_prominence_db,
                        int32_t min_dist, int32_t *idx, double *prom, int32_t cap);

#ifdef __cplusplus
}
#endif
#endif
