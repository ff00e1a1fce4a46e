/* regia/gev.h - the generalised extreme value (GEV) distribution fitted by maximum
 * likelihood to block maxima, with standard errors from the observed information and
 * return levels with delta-method intervals.  Kernel layer: no MPI, no I/O, no globals,
 * host pointers; batches are fitted with OpenMP over series.
 *
 * Parameterisation (Coles, S. (2001) An Introduction to Statistical Modeling of Extreme
 * Values, Springer, section 3.3; the same as R evd::fgev):
 *   G(z) = exp(-[1 + xi (z - mu) / sigma]^(-1/xi))   on 1 + xi (z - mu) / sigma > 0,
 *   sigma > 0; xi > 0 heavy (Frechet-type) upper tail, xi < 0 a finite upper end point
 *   (Weibull-type), xi = 0 the Gumbel limit exp(-exp(-(z - mu) / sigma)).
 *   (scipy.stats.genextreme uses c = -xi.)
 * The negative log-likelihood of x_1..x_n, with z_i = (x_i - mu) / sigma,
 *   l = n log sigma + sum_i [(1 + 1/xi) log(1 + xi z_i) + (1 + xi z_i)^(-1/xi)],
 * is evaluated through q_i = log1p(xi z_i) / xi = z_i * log1p(u)/u (u = xi z_i), so the
 * Gumbel limit is the same formula at xi = 0 and there is no cancellation near it; its
 * gradient and Hessian are analytic (series of the terms that would cancel for |u| small).
 *
 * Fit: Newton's method on (mu, sigma, xi) with the analytic Hessian, a Levenberg-type
 * shift of the Hessian where it is not positive definite and a backtracking line search
 * that keeps every observation inside the support; started from the better of Hosking's
 * probability-weighted-moment estimate (Hosking, Wallis & Wood 1985) and the Gumbel
 * moment estimate (sigma = sqrt(6 var)/pi, mu = mean - 0.5772 sigma, xi = 0).  Converged
 * when the Newton decrement is below 1e-20 (relative to 1 + |l|) or the step changes no
 * parameter by more than 1e-13 relative.  Covariance = the inverse of the observed
 * information (the Hessian of l at the estimate; LAPACKE dpotrf/dpotri).
 *
 * Return level for return period T (p = 1/T, exceeded with probability p per block):
 *   z_p = mu - sigma/xi [1 - y_p^(-xi)],  y_p = -log(1 - p)   (xi = 0: mu - sigma log y_p),
 * evaluated as mu + sigma expm1(-xi log y_p)/xi; its variance by the delta method
 * grad(z_p)' V grad(z_p) (Coles 2001, eq. 3.10) and the interval z_p -+ z_{(1+L)/2} se.
 * Reference: Port Pirie annual maximum sea levels 1923-1987 (Coles 2001, example 3.4.1):
 * mu 3.87 (se 0.028), sigma 0.198 (0.020), xi -0.050 (0.098); 10-year return level 4.30
 * [4.19, 4.41], 100-year 4.69 [4.38, 5.00].
 */
#ifndef REGIA_GEV_H
#define REGIA_GEV_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Outcome of one fit (regia_gev_fit_t.status). */
typedef enum {
    REGIA_GEV_OK = 0,          /* converged; estimates and standard errors valid        */
    REGIA_GEV_TOO_FEW,         /* fewer than REGIA_GEV_MIN_N finite values               */
    REGIA_GEV_CONSTANT,        /* all values equal: no scale to estimate                 */
    REGIA_GEV_NO_CONVERGENCE,  /* the optimiser did not converge in its iteration limit  */
    REGIA_GEV_SINGULAR,        /* converged, but the observed information is not
                                  positive definite: estimates valid, standard errors
                                  and intervals NaN                                       */
    REGIA_GEV_BOUNDARY,        /* xi <= -1: the likelihood has no interior maximum
                                  (unbounded at the end point); estimates NaN             */
    REGIA_GEV_BAD_VALUE        /* a value is NaN or infinite                             */
} regia_gev_status_t;

enum { REGIA_GEV_MIN_N = 3 };  /* three parameters: at least three maxima               */

/* "ok", "too few values", "constant series", "no convergence", "singular information",
 * "shape <= -1 (no maximum)", "non-finite value".  Never NULL. */
const char *regia_gev_status_name(int status);

/* One fitted series.  par = (mu, sigma, xi); cov row-major 3 x 3 (the inverse observed
 * information); se = sqrt(diag(cov)).  nll = the negative log-likelihood at par. */
typedef struct {
    double par[3];
    double se[3];
    double cov[9];
    double nll;
    int32_t n;                 /* values used                                           */
    int32_t iterations;        /* Newton iterations                                     */
    int32_t status;            /* regia_gev_status_t                                    */
} regia_gev_fit_t;

/* Fit one series x[0..n) (host memory, not modified; NaN values are an error, not
 * skipped: pass only the maxima).  Always fills *fit (status says whether it is usable)
 * and returns REGIA_OK; REGIA_ERR_INVALID only for n < 0 or NULL pointers.  Thread-safe,
 * allocates n doubles of scratch (REGIA_ERR_NOMEM when that fails). */
regia_status_t regia_gev_fit(const double *x, int32_t n, regia_gev_fit_t *fit);

/* Negative log-likelihood at par = (mu, sigma, xi) (+inf outside the support or for
 * sigma <= 0); grad (3) and hess (9, row-major) may be NULL.  For tests and benchmarks. */
double regia_gev_nll(const double *x, int32_t n, const double par[3], double *grad, double *hess);

/* Return level for period T > 1 blocks (p = 1/T) from a fit, with its delta-method
 * standard error and the two-sided interval at level `level` in (0, 1) (0.95: z -+ 1.96
 * se).  se, lo and hi may be NULL; they are NaN when the fit has no covariance.  Returns
 * z_p (NaN for T <= 1 or a fit without estimates). */
double regia_gev_return_level(const regia_gev_fit_t *fit, double T, double level, double *se, double *lo,
                              double *hi);

/* Caveats of a return level (bit flags, regia_gev_rl_caveats):
 *   EXTRAPOLATED  T > REGIA_GEV_EXTRAP_MAX x fit->n blocks: the level extrapolates the fitted
 *                 tail beyond about 4 record lengths, where the delta-method interval
 *                 (symmetric, from the curvature at the maximum) understates the
 *                 uncertainty of xi (Coles 2001, 4.4.1 and 4.3.3: profile likelihood gives
 *                 a longer upper tail);
 *   LOWER_NEGATIVE the interval's lower end is below 0 for a quantity that cannot be
 *                 (positive != 0: peaks, amplitudes): the symmetric interval is not the
 *                 quantity's; report it as bounded by 0 or use profile likelihood. */
enum { REGIA_GEV_RL_EXTRAPOLATED = 1, REGIA_GEV_RL_LOWER_NEGATIVE = 2 };
#define REGIA_GEV_EXTRAP_MAX 4.0
/* The caveats of the return level for period T of `fit` with interval lower end lo
 * (NaN: none); 0 when there is none or the fit has no estimate.  Pure, thread-safe. */
int32_t regia_gev_rl_caveats(const regia_gev_fit_t *fit, double T, double lo, int positive);

/* Batch of series, series-major: value t of series s at x[s*stride + t], 0 <= t < len[s]
 * <= stride.  Return periods T[0..n_periods) (each > 1), interval level in (0, 1). */
typedef struct {
    int32_t n_series;
    int32_t stride;
    const double *x;
    const int32_t *len;
    int32_t n_periods;
    const double *periods;
    double level;
} regia_gev_batch_t;

/* Outputs, allocated by the caller: fit[n_series]; the return levels (may be NULL when
 * n_periods == 0) rl, rl_se, rl_lo, rl_hi at [s*n_periods + j]. */
typedef struct {
    regia_gev_fit_t *fit;
    double *rl, *rl_se, *rl_lo, *rl_hi;
} regia_gev_out_t;

/* Fit every series of the batch on `threads` OpenMP threads (<= 0: all).  A series that
 * cannot be fitted gets its status in fit[s].status and NaN estimates; the batch still
 * returns REGIA_OK.  REGIA_ERR_INVALID (naming the argument) for a malformed batch (len
 * outside [0, stride], a period <= 1, a level outside (0, 1)); REGIA_ERR_NOMEM.  The
 * results do not depend on the thread count. */
regia_status_t regia_gev_fit_batch(const regia_gev_batch_t *in, regia_gev_out_t *out, int threads);

#ifdef __cplusplus
}
#endif
#endif
