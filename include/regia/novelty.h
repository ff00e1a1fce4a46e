/* regia/novelty.h - environmental compensation of tracked modal frequencies, Mahalanobis
 * novelty score with a stated false-alarm rate, and EWMA / CUSUM control charts
 * (kernels/novelty.c, kernels/novelty_stats.c, kernels/control_chart.c).
 *
 * Kernel layer: no MPI, no file I/O, no globals; host pointers; thread-safe (one model per
 * caller; a fitted model is read-only for regia_novelty_score).
 *
 * Data of one structure: n_rec records in time order on a regular record grid, p tracked
 * frequencies per record, f[r*p + j] (Hz, NaN = mode not seen in that record), and one
 * temperature per record temp[r] (deg C, NaN = missing).  Lags are in records.
 *
 * Compensation models (the residual e = f - fhat is the damage-sensitive feature):
 *   LINEAR   (ARX-like, Peeters & De Roeck 2001 on Z24): for every frequency j
 *            f_j(r) = c_0 + sum_{l=0..L} c_{1+l} T(r - l) + e
 *   BILINEAR two slopes meeting at the break Tb (0 deg C by default), per lag l:
 *            c_{.} min(T(r-l) - Tb, 0) + c_{.} max(T(r-l) - Tb, 0)
 *            [+ c_{.} 1{T(r-l) < Tb} when bilinear_step: a jump at freezing; with
 *             freeze_width w > 0 the jump develops gradually below the break,
 *             c_{.} (1 - exp((T(r-l) - Tb) / w)) for T(r-l) < Tb: the stiffening of
 *             frozen surfacing, ballast or soil grows as more pore water freezes]
 *   PCA      (Yan et al. 2005): the frequency vectors of training are standardised (mean,
 *            std per frequency), SVD (LAPACKE dgesvd; cusolverDnDgesvd on CUDA); the first q principal components
 *            carry the environmental variation (q = cfg.pca_keep, or when 0 the smallest q
 *            with cumulative variance >= pca_var_frac, at most p - 1).  Residual =
 *            f - reconstruction from the first q scores (in Hz); the novelty feature is the
 *            vector of the last p - q scores.  No temperature needed (temp may be NULL).
 * LINEAR / BILINEAR are fitted by least squares (LAPACKE dgelsd, SVD with a rank check,
 * all p frequencies at once; cuSOLVER QR with an SVD rank check on the CUDA backend) on the training records; design columns in the order
 *   [1, basis(T(r)), basis(T(r-1)), ..., basis(T(r-L))]
 * with basis = {T} (LINEAR) or {min(T-Tb,0), max(T-Tb,0)[, jump(T)]} (BILINEAR); the
 * feature is the residual vector (dimension p).
 * Training records: use[r] != 0, all p frequencies finite and (regression) T(r-l) finite
 * for l = 0..L (so r >= L).  Records left out of training are still scored when they
 * have what the model needs; else their outputs are NaN.
 *
 * Novelty: D^2 = (e - m)^T S^-1 (e - m), m and S the mean and covariance of the feature
 * over the n training records (Cholesky, LAPACKE dpotrf).  Threshold for a new record at
 * false-alarm rate alpha (Mahalanobis distance of a new observation from a normal
 * population with estimated m, S; Tracy, Young & Mason 1992):
 *     D^2 * n/(n+1) ~ p(n-1)/(n-p) F(p, n-p),
 *     threshold = (n+1)/n * p(n-1)/(n-p) * F^{-1}(1 - alpha; p, n-p)   (regia_mahal_threshold)
 * with p the feature dimension (needs n > p + 1); as n -> infinity it tends to the
 * chi^2_p quantile (p = 3, 99 %: 11.345).  PCA uses exactly this (S with divisor n - 1).
 * Regression models generalise it to estimated coefficients: S = E^T E / nu with nu =
 * n - ncol (unbiased), and the record's D^2 is divided by 1 + h, h = x^T (X^T X)^-1 x the
 * leverage of its design row x (a prediction residual has covariance Sigma (1 + h)); then
 * for a new record D^2 ~ p nu/(nu - p + 1) F(p, nu - p + 1) exactly under normal errors,
 *     threshold = p nu/(nu - p + 1) * F^{-1}(1 - alpha; p, nu - p + 1),
 * which is the formula above when the design is the intercept alone (ncol = 1, h = 1/n).
 * The training records' own D^2 are not independent new points: the rate applies to
 * records after training.
 * Partial records (LINEAR / BILINEAR with cfg.min_features > 0): a record with only q < p
 * of the frequencies (a mode not identified in it), q >= min_features, is scored on those
 * q: its residuals e_Q are a sub-vector of a normal vector, with covariance the Q x Q block
 * of S (the same nu degrees of freedom), so D^2_Q = e_Q^T S_QQ^-1 e_Q / (1 + h) follows the
 * law above with q for p.  It is reported on the scale of the full dimension, by equal
 * tail probability: d2 = G_p^-1(G_q(D^2_Q)), G_k the upper tail of
 * k nu/(nu - k + 1) F(k, nu - k + 1), so that the one threshold, the control chart's
 * normal score and the false-alarm rate hold for every record whatever q.  PCA needs all
 * p (its scores are projections of the whole vector).
 */
#ifndef REGIA_NOVELTY_H
#define REGIA_NOVELTY_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct regia_backend regia_backend_t; /* regia/kernels.h */

typedef enum { REGIA_COMP_LINEAR = 0, REGIA_COMP_BILINEAR = 1, REGIA_COMP_PCA = 2 } regia_comp_model_t;

typedef struct {
    int32_t model;          /* regia_comp_model_t (LINEAR)                                 */
    int32_t n_lags;         /* L >= 0: temperature lags in records (0)                     */
    double t_break;         /* BILINEAR break, deg C (0)                                   */
    int32_t bilinear_step;  /* BILINEAR: add the jump column (0)                           */
    double freeze_width;    /* BILINEAR jump: deg C over which it develops, 0 = a step (0)  */
    int32_t pca_keep;       /* PCA: components removed (0 = by pca_var_frac)               */
    double pca_var_frac;    /* PCA: variance fraction of the kept components (0.9)         */
    double alpha;           /* false-alarm rate of the threshold (0.01)                    */
    int32_t min_features;   /* LINEAR / BILINEAR: a record lacking frequencies is scored on
                             * the ones it has when they are at least min_features (0: all
                             * p needed, no partial score; values above p mean p) (0)       */
} regia_comp_cfg_t;

void regia_comp_defaults(regia_comp_cfg_t *cfg);
/* "linear", "bilinear", "pca" -> model, -1 when unknown. */
int regia_comp_model_parse(const char *name);
const char *regia_comp_model_name(int32_t model);

typedef struct {
    regia_comp_cfg_t cfg;
    int32_t p;              /* frequencies                                                 */
    int32_t ncol;           /* regression: design columns (see above); PCA: 0              */
    double *coef;           /* regression: coef[j*ncol + c] for frequency j, column c      */
    double *col_mean, *col_std; /* PCA: p standardisation values                           */
    int32_t pca_q;          /* PCA: components removed                                    */
    double *pca_v;          /* PCA: p x p loadings, column k = component k: v[j*p + k]     */
    double *pca_var;        /* PCA: p component variances (descending)                     */
    int32_t dim;            /* feature dimension (p for regression, p - q for PCA)         */
    int64_t n_train;        /* training records used                                       */
    int64_t dof;            /* divisor of S: n_train - 1 (PCA), n_train - ncol (regression)  */
    double *xtx_inv;        /* regression: (X^T X)^-1, ncol x ncol row-major; PCA: NULL      */
    double *feat_mean;      /* dim                                                         */
    double *feat_chol;      /* dim x dim lower Cholesky factor of S (row-major)            */
    double *resid_std;      /* p: std of the residual of each frequency over training
                             * (divisor n_train - ncol for regression, n_train - 1 for PCA) */
    double threshold;       /* D^2 threshold at cfg.alpha                                  */
} regia_novelty_model_t;

/* ---- The fit's linear algebra: a backend op (regia/kernels.h, regia_novelty_la) --------
 * LAPACK (OpenBLAS) on the CPU backend, cuBLAS/cuSOLVER on the CUDA backend; the same
 * answers to a relative 1e-10 on well-conditioned problems (tests/unit/test_k_novelty_la.c,
 * test_k_backend_equiv.c).  One problem per call (a structure's fit: n training records of
 * at most a few tens of columns); host arrays in and out, blocking. */
typedef enum {
    REGIA_NLA_LSQ = 0, /* least squares min |X c - Y| for nrhs right-hand sides at once, the
                        * numerical rank of X and (X^T X)^-1 (the leverage of new rows)     */
    REGIA_NLA_SVD = 1, /* singular values and right singular vectors of Z (PCA)            */
    REGIA_NLA_COV = 2  /* S = E^T E / divisor of centred features E and its Cholesky factor */
} regia_nla_kind_t;

typedef struct {
    int32_t kind;      /* regia_nla_kind_t                                                 */
    int64_t n;         /* rows (training records); n > cols                                */
    int32_t cols;      /* columns of a: LSQ design columns, SVD frequencies, COV features  */
    int32_t nrhs;      /* LSQ: right-hand sides (frequencies); else unused                 */
    const double *a;   /* n x cols, row-major: LSQ the design X, SVD the matrix Z, COV the
                        * centred features E (caller-owned, not modified)                  */
    const double *b;   /* LSQ: n x nrhs, row-major, the responses Y; else unused           */
    double rcond;      /* LSQ: singular values <= rcond s_max count as zero (<= 0: 1e-10)  */
    double divisor;    /* COV: the divisor of S (degrees of freedom, > 0)                  */
} regia_nla_in_t;

/* Outputs (caller-owned host arrays; each used only by the kinds named):
 *   x        LSQ  cols x nrhs, x[c nrhs + j]: the solution for right-hand side j (set when
 *                 rank == cols);
 *   xtx_inv  LSQ  cols x cols, (X^T X)^-1, both triangles (set when rank == cols and
 *                 info == 0);
 *   sv       LSQ, SVD  cols singular values of a, descending (may be NULL for LSQ);
 *   vt       SVD  cols x cols, row k = right singular vector k, signed so that its entry of
 *                 largest magnitude (the first such) is positive, on every backend;
 *   chol     COV  cols x cols lower Cholesky factor of S, row-major, zero above the
 *                 diagonal (set when info == 0);
 *   rank     LSQ  the numerical rank of X;
 *   info     LSQ: k > 0 when X^T X is not numerically positive definite at column k;
 *            COV: k > 0 when S is not at its k-th leading minor; else 0.
 * A singular problem is reported in rank / info with REGIA_OK: the caller words the
 * error.  REGIA_ERR_INVALID for bad sizes, REGIA_ERR_NUMERIC when a factorization does
 * not converge, REGIA_ERR_NOMEM, REGIA_ERR_CUDA. */
typedef struct {
    double *x, *xtx_inv, *sv, *vt, *chol;
    int32_t rank, info;
} regia_nla_out_t;

/* Check a problem's sizes and pointers (every backend calls it first): REGIA_ERR_INVALID
 * naming what is wrong. */
regia_status_t regia_nla_check(const regia_nla_in_t *in, const regia_nla_out_t *out);

/* Fit the compensation model and the novelty statistics on the training records (use[r] !=
 * 0; use NULL = all records).  f: n_rec*p, temp: n_rec (NULL allowed only for PCA).
 * REGIA_ERR_INVALID with a message for bad sizes or settings, for too few training
 * records (regression: n_train - ncol >= p; PCA: n_train > p + 1) and
 * for a degenerate fit (singular design, zero-variance frequency or covariance);
 * REGIA_ERR_NOMEM.  On failure m holds nothing to free. */
regia_status_t regia_novelty_fit(const double *f, const double *temp, int64_t n_rec, int32_t p,
                                 const uint8_t *use, const regia_comp_cfg_t *cfg,
                                 regia_novelty_model_t *m);

/* The same fit with its linear algebra on backend `be` (regia_novelty_la: LAPACK on the
 * CPU backend, cuBLAS/cuSOLVER on CUDA); be NULL = the CPU reference, which is what
 * regia_novelty_fit uses (on the CPU backend the two are bit-identical).  Not collective;
 * the handle is used by one thread at a time. */
regia_status_t regia_novelty_fit_on(regia_backend_t *be, const double *f, const double *temp, int64_t n_rec,
                                    int32_t p, const uint8_t *use, const regia_comp_cfg_t *cfg,
                                    regia_novelty_model_t *m);

/* Score records with a fitted model.  Outputs (each may be NULL): resid[r*p + j] the
 * residual in Hz, zres[r*p + j] = resid / resid_std[j], d2[r] (regression: divided by
 * 1 + h, see above; compare with m->threshold).  A record lacking a needed temperature,
 * or lacking a frequency (PCA, or min_features 0), or more than p - min_features of them,
 * gets NaN in all its outputs; a partial record (see above) gets NaN in resid and zres of
 * its missing frequencies only. */
regia_status_t regia_novelty_score(const regia_novelty_model_t *m, const double *f, const double *temp,
                                   int64_t n_rec, double *resid, double *zres, double *d2);

/* Which way each record's frequencies went, to tell a stiffness loss (lower frequencies)
 * from a stiffening (frost colder than training raises them): shift[r] is the mean over the
 * record's finite values of a standardised change, negative when the frequencies fell.
 *   LINEAR / BILINEAR: zres[r*p + j] of regia_novelty_score, the residual against the
 *            temperature model (f unused, may be NULL);
 *   PCA:     (f[r*p + j] - col_mean[j]) / col_std[j], the frequencies against their
 *            training mean (zres unused, may be NULL).  Its residual is what is left after
 *            the first q components, and those take up most of a change common to all the
 *            frequencies, as a uniform stiffness loss is (on demo seed 11, H04's damage shift
 *            lies 7 deg from them): the residual's sign says nothing about the direction.
 * NaN where the record has no finite value (PCA: lacks a frequency).  REGIA_ERR_INVALID
 * when the model is not fitted or the input it needs is NULL with n_rec > 0. */
regia_status_t regia_novelty_shift(const regia_novelty_model_t *m, const double *f, const double *zres, int64_t n_rec,
                                   double *shift);

void regia_novelty_free(regia_novelty_model_t *m);

/* Threshold for D^2 of a new point, dimension p, n training points, false-alarm rate
 * alpha (formula above). NaN when n <= p + 1 or alpha outside (0, 1). */
double regia_mahal_threshold(double alpha, int32_t p, int64_t n);

/* Distributions (novelty_stats.c): regularized incomplete beta I_x(a, b) (continued
 * fraction, Lentz; relative accuracy ~1e-14), its inverse in x (Newton safeguarded by
 * bisection), the F(d1, d2) cdf and quantile, the chi^2_k quantile.  NaN on bad
 * arguments (a, b, d1, d2, k <= 0; x or prob outside [0, 1]). */
double regia_betainc(double a, double b, double x);
double regia_betainc_inv(double a, double b, double prob);
double regia_f_cdf(double x, double d1, double d2);
double regia_f_ppf(double prob, double d1, double d2);
/* Upper tail P(F > x) of F(d1, d2) and its inverse in x, to full relative accuracy in the
 * tail (no 1 - cdf cancellation: a tail of 1e-30 keeps its digits). */
double regia_f_sf(double x, double d1, double d2);
double regia_f_isf(double q, double d1, double d2);
double regia_chi2_ppf(double prob, double k);

/* The score a control chart watches: each record's D^2 as a normal score under the model's
 * law of a NEW record (the law of the threshold above: regression p nu/(nu - p + 1)
 * F(p, nu - p + 1), PCA (n+1)/n p(n-1)/(n-p) F(p, n-p)),
 *     x[r] = Phi^-1(P(D^2_new <= d2[r])), winsorised to [-c, c], c = Phi^-1(1 - alpha),
 * alpha the model's false-alarm rate (3.09 at 0.001).  In control x is standard normal
 * cut at +-c, so *mu0 = 0 and *sigma = sqrt(2 Phi(c) - 1 - 2 c phi(c) + 2 c^2 alpha) (the
 * winsorised normal's std, 0.998 at 0.001) exactly, whatever n and p: the chart is not
 * calibrated on the training records' own D^2 (in-sample, smaller than a new record's), and
 * one record far outside (a frost colder than training: D^2 in the hundreds) moves it by
 * no more than a record at the threshold, which the daily rule counts as an exceedance
 * anyway.  NaN d2 -> NaN x.  Not collective; d2 and x may be the same array.
 * REGIA_ERR_INVALID when the model is not fitted or its alpha is outside (0, 0.5). */
regia_status_t regia_novelty_chart_score(const regia_novelty_model_t *m, const double *d2, int64_t n, double *x,
                                         double *mu0, double *sigma);
/* EWMA chart (Roberts 1959; Lucas & Saccucci 1990) of x[0..n-1] in control mean mu0 and
 * std sigma (from training): z_t = lambda x_t + (1 - lambda) z_{t-1}, z_{-1} = mu0;
 * limits mu0 +/- L sigma sqrt(lambda/(2-lambda) (1 - (1-lambda)^(2(i+1)))) with i the
 * number of finite points before (the exact time-varying variance).  A NaN x_t is skipped:
 * z carries over, its outputs are NaN and signal 0.  signal[t] = 1 when z_t is outside the
 * limits (above when upper_only).  Each output may be NULL.  REGIA_ERR_INVALID for lambda
 * outside (0, 1], L <= 0, sigma <= 0 or a non-finite mu0. */
regia_status_t regia_ewma(const double *x, int64_t n, double mu0, double sigma, double lambda, double L,
                          int32_t upper_only, double *z, double *ucl, double *lcl, uint8_t *signal);

/* Tabular CUSUM (Page 1954; Montgomery) on u_t = (x_t - mu0)/sigma:
 * C+_t = max(0, C+_{t-1} + u_t - k), C-_t = max(0, C-_{t-1} - u_t - k), C_{-1} = 0;
 * signal[t] = 1 when C+ > h (upper) or C- > h (lower, unless upper_only).  No restart
 * after a signal.  NaN x_t skipped (sums carry over, signal 0).  Outputs may be NULL.
 * REGIA_ERR_INVALID for k < 0, h <= 0, sigma <= 0, non-finite mu0. */
regia_status_t regia_cusum(const double *x, int64_t n, double mu0, double sigma, double k, double h,
                           int32_t upper_only, double *cplus, double *cminus, uint8_t *signal);

#ifdef __cplusplus
}
#endif
#endif
