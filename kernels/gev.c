/* GEV maximum likelihood, observed-information covariance and return levels (contract and
 * formulas: include/regia/gev.h).
 *
 * Per observation, with z = (x - mu)/sigma, u = xi z, w = 1 + u, L = log1p(u),
 * q = L/xi = z log1p(u)/u and e = exp(-q) = w^(-1/xi), the negative log-likelihood term is
 *   log sigma + F(z, xi),  F = L + q + e.
 * Its partial derivatives (A(u) = (u/w - L)/u^2, the coefficient of dq/dxi = z^2 A(u)):
 *   F_z    = (1 + xi - e)/w
 *   F_xi   = z/w + (1 - e) z^2 A
 *   F_zz   = (e - xi (1 + xi - e))/w^2
 *   F_zxi  = (1 + e z^2 A)/w - (1 + xi - e) z/w^2
 *   F_xixi = -z^2/w^2 + e z^4 A^2 + (1 - e) z^3 A'(u)
 * and the chain rule through z_mu = -1/sigma, z_sigma = -z/sigma gives the gradient and
 * Hessian in (mu, sigma, xi).  A and A' lose digits to cancellation for small |u|, so
 * there they are summed from their power series (A(0) = -1/2, A'(0) = 2/3): the
 * Gumbel limit is no special case and nothing cancels near xi = 0.
 *
 * The fit runs on the standardised values (x - mean)/sd, so that its tolerances do not
 * depend on the data's units, and maps the estimates and covariance back. */
#include <lapacke.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "ets_fit_impl.h" /* regia_ets_qnorm: the normal quantile */
#include "regia/gev.h"

enum { MAX_ITER = 200, MAX_HALVINGS = 60 };
#define SERIES_U 0.1 /* |u| below this: A, A' from their power series (terms < 0.1^20) */

static const char *const status_names[] = {
    "ok", "too few values", "constant series", "no convergence", "singular information",
    "shape <= -1 (no maximum)", "non-finite value",
};

const char *regia_gev_status_name(int status)
{
    return status >= 0 && status <= REGIA_GEV_BAD_VALUE ? status_names[status] : "unknown";
}

/* ---- stable pieces ---------------------------------------------------------------------- */

/* log1p(u)/u, 1 at u = 0. */
static inline double log1p_ratio(double u)
{
    return u == 0.0 ? 1.0 : log1p(u) / u;
}

/* A(u) = (u/(1+u) - log1p(u))/u^2 = sum_j (-1)^(j+1) (j+1)/(j+2) u^j and its derivative
 * A'(u) = sum_{j>=1} (-1)^(j+1) j (j+1)/(j+2) u^(j-1). */
static inline void coef_a(double u, double *a, double *da)
{
    if (fabs(u) < SERIES_U) {
        double s = 0.0, ds = 0.0;
        for (int j = 21; j >= 0; j--) { /* Horner, highest power first */
            double c = (j & 1 ? 1.0 : -1.0) * (j + 1.0) / (j + 2.0);
            s = s * u + c;
        }
        for (int j = 21; j >= 1; j--) {
            double c = (j & 1 ? 1.0 : -1.0) * j * (j + 1.0) / (j + 2.0);
            ds = ds * u + c;
        }
        *a = s;
        *da = ds;
        return;
    }
    const double w = 1.0 + u, l = log1p(u);
    *a = (u / w - l) / (u * u);
    *da = (-u / (w * w) - 2.0 / w + 2.0 * l / u) / (u * u);
}

/* expm1(v)/v, 1 at v = 0. */
static inline double expm1_ratio(double v)
{
    return v == 0.0 ? 1.0 : expm1(v) / v;
}

/* B(v) = (v e^v - expm1(v))/v^2 = sum_{k>=2} (k-1)/k! v^(k-2). */
static inline double coef_b(double v)
{
    if (fabs(v) < SERIES_U) {
        double s = 0.0, fact = 1.0;
        double c[20];
        for (int k = 2; k < 22; k++) {
            fact = 1.0;
            for (int i = 2; i <= k; i++) fact *= i;
            c[k - 2] = (k - 1.0) / fact;
        }
        for (int j = 19; j >= 0; j--) s = s * v + c[j];
        return s;
    }
    return (v * exp(v) - expm1(v)) / (v * v);
}

/* ---- likelihood ------------------------------------------------------------------------- */

double regia_gev_nll(const double *x, int32_t n, const double par[3], double *grad, double *hess)
{
    const double mu = par[0], sg = par[1], xi = par[2];
    if (!(sg > 0.0) || !isfinite(mu) || !isfinite(sg) || !isfinite(xi)) return INFINITY;
    double f = 0.0, sz = 0.0, szz = 0.0, sx = 0.0, szx = 0.0, sxx = 0.0, szzz = 0.0, szzz2 = 0.0, szx_z = 0.0,
           sz_z = 0.0;
    const int want = grad || hess;
    for (int32_t i = 0; i < n; i++) {
        const double z = (x[i] - mu) / sg, u = xi * z, w = 1.0 + u;
        if (!(w > 0.0)) return INFINITY;
        const double l = log1p(u), q = z * log1p_ratio(u), e = exp(-q);
        f += l + q + e;
        if (!want) continue;
        double a, da;
        coef_a(u, &a, &da);
        const double iw = 1.0 / w, z2 = z * z;
        const double fz = (1.0 + xi - e) * iw;
        const double fx = z * iw + (1.0 - e) * z2 * a;
        const double fzz = (e - xi * (1.0 + xi - e)) * iw * iw;
        const double fzx = (1.0 + e * z2 * a) * iw - (1.0 + xi - e) * z * iw * iw;
        const double fxx = -z2 * iw * iw + e * z2 * z2 * a * a + (1.0 - e) * z2 * z * da;
        sz += fz;
        sz_z += fz * z;
        sx += fx;
        szz += fzz;
        szzz += fzz * z;
        szzz2 += fzz * z2;
        szx += fzx;
        szx_z += fzx * z;
        sxx += fxx;
    }
    f += n * log(sg);
    if (!isfinite(f)) return INFINITY;
    const double is = 1.0 / sg, is2 = is * is;
    if (grad) {
        grad[0] = -sz * is;
        grad[1] = n * is - sz_z * is;
        grad[2] = sx;
    }
    if (hess) {
        hess[0] = szz * is2;
        hess[1] = hess[3] = (sz + szzz) * is2;
        hess[2] = hess[6] = -szx * is;
        hess[4] = -n * is2 + (szzz2 + 2.0 * sz_z) * is2;
        hess[5] = hess[7] = -szx_z * is;
        hess[8] = sxx;
    }
    return f;
}

/* ---- starting values -------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Moves xi towards 0 until every value lies inside the support (xi = 0 always does). */
static void make_feasible(const double *x, int32_t n, double p[3])
{
    for (int k = 0; k < 60; k++) {
        int ok = 1;
        for (int32_t i = 0; i < n && ok; i++) ok = 1.0 + p[2] * (x[i] - p[0]) / p[1] > 0.0;
        if (ok) return;
        p[2] *= 0.5;
    }
    p[2] = 0.0;
}

/* Hosking, Wallis & Wood (1985) probability-weighted moments on the sorted values s. */
static void start_pwm(const double *s, int32_t n, double p[3])
{
    double b0 = 0.0, b1 = 0.0, b2 = 0.0;
    for (int32_t j = 0; j < n; j++) {
        b0 += s[j];
        b1 += s[j] * j / (n - 1.0);
        b2 += s[j] * j * (j - 1.0) / ((n - 1.0) * (n - 2.0));
    }
    b0 /= n;
    b1 /= n;
    b2 /= n;
    const double l1 = b0, l2 = 2.0 * b1 - b0, l3 = 6.0 * b2 - 6.0 * b1 + b0;
    const double t3 = l3 / l2, c = 2.0 / (3.0 + t3) - log(2.0) / log(3.0);
    double k = 7.8590 * c + 2.9554 * c * c;
    if (k > 0.99) k = 0.99; /* xi >= -0.99: inside the region where a maximum exists */
    if (fabs(k) < 1e-6) {
        p[1] = l2 / log(2.0);
        p[0] = l1 - 0.5772156649015329 * p[1];
        p[2] = 0.0;
    } else {
        const double g = tgamma(1.0 + k);
        p[1] = l2 * k / ((1.0 - pow(2.0, -k)) * g);
        p[0] = l1 - p[1] * (1.0 - g) / k;
        p[2] = -k;
    }
    if (!(p[1] > 0.0) || !isfinite(p[0]) || !isfinite(p[2])) {
        p[1] = l2 > 0.0 ? l2 / log(2.0) : 1.0;
        p[0] = l1 - 0.5772156649015329 * p[1];
        p[2] = 0.0;
    }
}

/* ---- Newton ----------------------------------------------------------------------------- */

/* Cholesky-solve (H + lambda diag) d = -g; 0 when H + shift is not positive definite. */
static int newton_step(const double h[9], const double g[3], double lambda, double d[3])
{
    double a[9];
    memcpy(a, h, sizeof a);
    for (int i = 0; i < 3; i++) a[4 * i] += lambda * (1.0 + fabs(h[4 * i]));
    for (int i = 0; i < 3; i++) d[i] = -g[i];
    if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', 3, a, 3) != 0) return 0;
    if (LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', 3, 1, a, 3, d, 3) != 0) return 0;
    return 1;
}

/* Minimise l from p (feasible); 1 when converged.  *iters counts Newton iterations. */
static int newton(const double *x, int32_t n, double p[3], double *fout, int32_t *iters)
{
    double g[3], h[9], d[3], t[3];
    double f = regia_gev_nll(x, n, p, g, h);
    if (!isfinite(f)) return 0;
    double lambda = 0.0;
    int polish_count = 0;
    for (int it = 0; it < MAX_ITER; it++) {
        *iters = it + 1;
        if (!newton_step(h, g, lambda, d)) {
            lambda = lambda > 0.0 ? 10.0 * lambda : 1e-6;
            if (lambda > 1e12) break;
            it--; /* the same point, a larger shift (bounded by the lambda limit) */
            continue;
        }
        const double dec = -(g[0] * d[0] + g[1] * d[1] + g[2] * d[2]);
        if (dec < 0.0) { /* rounding made the step uphill: not a descent direction */
            lambda = lambda > 0.0 ? 10.0 * lambda : 1e-6;
            if (lambda > 1e12) break;
            continue;
        }
        if (lambda == 0.0 && dec <= 1e-24 * (1.0 + fabs(f))) {
            *fout = f;
            return 1;
        }
        /* Close to the minimum (the quadratic model predicts a decrease rounding cannot
         * see in l), full Newton steps without a line search: they converge
         * quadratically; a few of them end the search. */
        const int polish = lambda == 0.0 && dec <= 1e-10 * (1.0 + fabs(f));
        if (polish && ++polish_count > 3) {
            *fout = f;
            return 1;
        }
        double step = 1.0, fn = INFINITY;
        int h_ok = 0;
        for (int k = 0; k < MAX_HALVINGS; k++, step *= 0.5) {
            for (int i = 0; i < 3; i++) t[i] = p[i] + step * d[i];
            fn = regia_gev_nll(x, n, t, NULL, NULL);
            if (fn <= f - 1e-4 * step * dec || (polish && isfinite(fn))) {
                h_ok = 1;
                break;
            }
        }
        if (!h_ok) {
            /* no decrease that rounding can see: at the minimum if the model says so */
            if (lambda == 0.0 && dec <= 1e-12 * (1.0 + fabs(f))) {
                *fout = f;
                return 1;
            }
            lambda = lambda > 0.0 ? 10.0 * lambda : 1e-6;
            if (lambda > 1e12) break;
            continue;
        }
        int small = 1;
        for (int i = 0; i < 3; i++) small &= fabs(t[i] - p[i]) <= 1e-13 * (1.0 + fabs(p[i]));
        memcpy(p, t, sizeof t);
        f = regia_gev_nll(x, n, p, g, h);
        if (!isfinite(f)) return 0;
        lambda = lambda > 0.0 ? lambda * 0.1 : 0.0;
        if (lambda < 1e-10) lambda = 0.0;
        if (small && lambda == 0.0) {
            *fout = f;
            return 1;
        }
    }
    *fout = f;
    return 0;
}

/* ---- one fit ---------------------------------------------------------------------------- */

static void fit_nan(regia_gev_fit_t *fit, int32_t n, int status)
{
    for (int i = 0; i < 3; i++) fit->par[i] = fit->se[i] = NAN;
    for (int i = 0; i < 9; i++) fit->cov[i] = NAN;
    fit->nll = NAN;
    fit->n = n;
    fit->iterations = 0;
    fit->status = status;
}

/* scratch: n doubles. */
static void fit_one(const double *x, int32_t n, double *scratch, regia_gev_fit_t *fit)
{
    fit_nan(fit, n, REGIA_GEV_OK);
    for (int32_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            fit->status = REGIA_GEV_BAD_VALUE;
            return;
        }
    if (n < REGIA_GEV_MIN_N) {
        fit->status = REGIA_GEV_TOO_FEW;
        return;
    }
    double m = 0.0, v = 0.0;
    for (int32_t i = 0; i < n; i++) m += x[i];
    m /= n;
    if (!isfinite(m)) { /* the sum overflowed (values near DBL_MAX): a running mean */
        m = 0.0;
        for (int32_t i = 0; i < n; i++) m += (x[i] - m) / (i + 1);
    }
    for (int32_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    double sd = sqrt(v / (n - 1));
    if (!isfinite(sd) || !(sd > 0.0)) { /* squares beyond DBL_MAX or below the smallest double (deviations
                                          * beyond ~1e154 or below ~1e-162): scaled by the largest deviation */
        double a = 0.0;
        for (int32_t i = 0; i < n; i++) a = fmax(a, fabs(x[i] - m));
        v = 0.0;
        for (int32_t i = 0; i < n && a > 0.0; i++) v += ((x[i] - m) / a) * ((x[i] - m) / a);
        sd = a * sqrt(v / (n - 1));
    }
    int constant = 1;
    for (int32_t i = 1; i < n && constant; i++) constant = x[i] == x[0];
    if (constant || !(sd > 0.0) || !isfinite(sd)) {
        fit->status = REGIA_GEV_CONSTANT;
        return;
    }
    double *s = scratch;
    for (int32_t i = 0; i < n; i++) s[i] = (x[i] - m) / sd;
    qsort(s, (size_t)n, sizeof *s, cmp_double); /* the likelihood is a sum: order is free */

    double best[3] = {NAN, NAN, NAN}, fbest = INFINITY;
    int conv = 0;
    int32_t iters = 0;
    for (int attempt = 0; attempt < 2 && !conv; attempt++) {
        double p[3], f = INFINITY;
        int32_t it = 0;
        if (attempt == 0) {
            start_pwm(s, n, p);
        } else { /* Gumbel moments (sd of the standardised values = 1) */
            p[1] = sqrt(6.0) / M_PI;
            p[0] = -0.5772156649015329 * p[1];
            p[2] = 0.0;
        }
        make_feasible(s, n, p);
        int c = newton(s, n, p, &f, &it);
        iters += it;
        if (c && !(p[2] > -1.0)) c = 0; /* wandered to the unbounded region */
        if (c || (!conv && f < fbest)) {
            memcpy(best, p, sizeof p);
            fbest = f;
            conv = c;
        }
    }
    fit->iterations = iters;
    if (!conv) {
        fit->status = (best[2] <= -1.0) ? REGIA_GEV_BOUNDARY : REGIA_GEV_NO_CONVERGENCE;
        return;
    }
    double h[9];
    fbest = regia_gev_nll(s, n, best, NULL, h);
    const double jac[3] = {sd, sd, 1.0};
    fit->par[0] = m + sd * best[0];
    fit->par[1] = sd * best[1];
    fit->par[2] = best[2];
    fit->nll = fbest + n * log(sd);
    if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', 3, h, 3) != 0 ||
        LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'L', 3, h, 3) != 0) {
        fit->status = REGIA_GEV_SINGULAR;
        return;
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j <= i; j++) { /* dpotri filled the lower triangle (column-major) */
            const double c = h[j * 3 + i] * jac[i] * jac[j];
            fit->cov[i * 3 + j] = fit->cov[j * 3 + i] = c;
        }
    for (int i = 0; i < 3; i++) fit->se[i] = sqrt(fit->cov[i * 4]);
    fit->status = REGIA_GEV_OK;
}

regia_status_t regia_gev_fit(const double *x, int32_t n, regia_gev_fit_t *fit)
{
    if (!fit || n < 0 || (n > 0 && !x)) return REGIA_FAIL(REGIA_ERR_INVALID, "regia_gev_fit: n = %d, x %s, fit %s",
                                                          (int)n, x ? "set" : "NULL", fit ? "set" : "NULL");
    double *s = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    if (!s) return REGIA_FAIL(REGIA_ERR_NOMEM, "regia_gev_fit: out of memory (%d values)", (int)n);
    fit_one(x, n, s, fit);
    free(s);
    return REGIA_OK;
}

/* ---- return levels ---------------------------------------------------------------------- */

double regia_gev_return_level(const regia_gev_fit_t *fit, double T, double level, double *se, double *lo,
                              double *hi)
{
    if (se) *se = NAN;
    if (lo) *lo = NAN;
    if (hi) *hi = NAN;
    if (!fit || !(T > 1.0) || !isfinite(fit->par[0])) return NAN;
    const double mu = fit->par[0], sg = fit->par[1], xi = fit->par[2];
    const double yp = -log1p(-1.0 / T), lp = log(yp), v = -xi * lp;
    /* z_p = mu + sigma expm1(-xi lp)/xi = mu - sigma lp expm1(v)/v */
    const double hfun = -lp * expm1_ratio(v);
    const double z = mu + sg * hfun;
    /* dz/dmu = 1, dz/dsigma = h, dz/dxi = sigma lp^2 B(v) */
    const double gr[3] = {1.0, hfun, sg * lp * lp * coef_b(v)};
    if (!isfinite(fit->cov[0]) || !(level > 0.0 && level < 1.0)) return z;
    double var = 0.0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) var += gr[i] * fit->cov[i * 3 + j] * gr[j];
    const double s = var > 0.0 ? sqrt(var) : NAN, q = regia_ets_qnorm(0.5 * (1.0 + level));
    if (se) *se = s;
    if (lo) *lo = z - q * s;
    if (hi) *hi = z + q * s;
    return z;
}

int32_t regia_gev_rl_caveats(const regia_gev_fit_t *fit, double T, double lo, int positive)
{
    if (!fit || !isfinite(fit->par[0]) || !(T > 1.0)) return 0;
    int32_t c = 0;
    if (fit->n > 0 && T > REGIA_GEV_EXTRAP_MAX * (double)fit->n) c |= REGIA_GEV_RL_EXTRAPOLATED;
    if (positive && lo < 0.0) c |= REGIA_GEV_RL_LOWER_NEGATIVE;
    return c;
}

/* ---- batch ------------------------------------------------------------------------------ */

regia_status_t regia_gev_fit_batch(const regia_gev_batch_t *in, regia_gev_out_t *out, int threads)
{
    if (!in || !out || !out->fit || in->n_series < 0 || in->stride < 0 || (in->n_series > 0 && (!in->x || !in->len)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "regia_gev_fit_batch: malformed batch (NULL arrays or negative sizes)");
    for (int32_t s = 0; s < in->n_series; s++)
        if (in->len[s] < 0 || in->len[s] > in->stride)
            return REGIA_FAIL(REGIA_ERR_INVALID, "regia_gev_fit_batch: series %d has length %d outside [0, %d]",
                              (int)s, (int)in->len[s], (int)in->stride);
    if (in->n_periods < 0 || (in->n_periods > 0 && (!in->periods || !out->rl)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "regia_gev_fit_batch: %d return periods without arrays",
                          (int)in->n_periods);
    for (int32_t j = 0; j < in->n_periods; j++)
        if (!(in->periods[j] > 1.0) || !isfinite(in->periods[j]))
            return REGIA_FAIL(REGIA_ERR_INVALID, "regia_gev_fit_batch: return period %d is %g (must be > 1)",
                              (int)j + 1, in->periods[j]);
    if (in->n_periods > 0 && !(in->level > 0.0 && in->level < 1.0))
        return REGIA_FAIL(REGIA_ERR_INVALID, "regia_gev_fit_batch: interval level %g outside (0, 1)", in->level);
    const int nt = threads > 0 ? threads : omp_get_max_threads();
    int nomem = 0;
#pragma omp parallel num_threads(nt)
    {
        double *scratch = malloc(sizeof(double) * (size_t)(in->stride > 0 ? in->stride : 1));
        if (!scratch) {
#pragma omp atomic write
            nomem = 1;
        }
#pragma omp for schedule(dynamic, 16)
        for (int32_t s = 0; s < in->n_series; s++) {
            if (!scratch) continue;
            regia_gev_fit_t *f = &out->fit[s];
            fit_one(in->x + (size_t)s * (size_t)in->stride, in->len[s], scratch, f);
            for (int32_t j = 0; j < in->n_periods; j++) {
                const size_t o = (size_t)s * (size_t)in->n_periods + (size_t)j;
                double se, lo, hi;
                out->rl[o] = regia_gev_return_level(f, in->periods[j], in->level, &se, &lo, &hi);
                if (out->rl_se) out->rl_se[o] = se;
                if (out->rl_lo) out->rl_lo[o] = lo;
                if (out->rl_hi) out->rl_hi[o] = hi;
            }
        }
        free(scratch);
    }
    if (nomem) return REGIA_FAIL(REGIA_ERR_NOMEM, "regia_gev_fit_batch: out of memory (%d values of scratch per thread)",
                                 (int)in->stride);
    return REGIA_OK;
}
