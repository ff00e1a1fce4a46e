/* ETS on the CPU: initial states, maximum-likelihood fit by Nelder-Mead, AICc model
 * selection, forecasts and prediction intervals.  The reference implementation for every
 * other backend.  Follows R forecast::ets (Hyndman et al. 2008) where ets.h says so:
 *
 *  - initial states as R's initstate(): classical decomposition (of the first 20 cycles,
 *    R: 3; a linear-trend detrending when fewer than 3), then a regression on the first
 *    max(10, 2m) seasonally adjusted values;
 *  - objective n*log(SSE) (+ 2*sum(log|f|) for multiplicative error), the same "lik" as
 *    R, so loglik, AIC, AICc and BIC are comparable with R's (checked: R's etscalc gives
 *    the same value at regia's parameters to 1e-6; benchmarks/README.md);
 *  - R's bounds: alpha, beta, gamma in [1e-4, 0.9999], beta <= alpha, gamma <= 1 - alpha,
 *    phi in [0.8, 0.98], plus the admissible region (characteristic roots inside the
 *    unit circle, tested by the Schur-Cohn recursion rather than polyroot);
 *  - initial level, trend and m - 1 seasonal states are optimised with the smoothing
 *    parameters when m <= 24 (as R); for longer periods (R refuses them) the seasonal
 *    initial states stay at their decomposition values;
 *  - Nelder-Mead with R's coefficients (1, 0.5, 2) and at most 2000 evaluations per run,
 *    on a box-shaped space (beta, gamma as fractions of their alpha-dependent ranges);
 *    model selection in two stages: every candidate is screened with the seasonal states
 *    fixed and a loose tolerance (1e-4 relative; seasonal models from two starts, small
 *    and large gamma), then the two best are refined at R's tolerance sqrt(eps) with
 *    the seasonal states free and two restarts; the model with the lowest final AICc
 *    wins.  These fits reach R's likelihood or better on every reference case
 *    (tests/reference/), sometimes much better, so on data with no clear trend the
 *    choice can differ from R's (benchmarks/README.md);
 *  - variances: class 1 and class 2 closed forms of Hyndman et al. (2008, ch. 6);
 *    multiplicative seasons (class 3) and multiplicative trends by simulating sample
 *    paths with a Philox stream keyed by the fitted state (deterministic).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../ets_step_impl.h"
#include "cpu_impl.h"
#include "regia/rng.h"

enum { MAX_PAR = 4 + 2 + REGIA_ETS_MAX_PERIOD, OPT_SEASON_MAX_M = 24, NM_MAXIT = 2000, NM_RESTARTS = 2, SIM_PATHS = 4000 };

/* R's optim reltol, sqrt(DBL_EPSILON), for the final fits; a looser one for screening */
static const double FINAL_TOL = 1.490116119384765625e-8, SCREEN_TOL = 1e-4;

static const double LOWER[4] = {1e-4, 1e-4, 1e-4, 0.8}, UPPER[4] = {0.9999, 0.9999, 0.9999, 0.98};

/* One candidate model on one series, and the scratch it needs. */
typedef struct {
    const double *y;
    int n, n_obs, m;
    int error, trend, season, damped;
    int opt_seasons;          /* seasonal initial states among the parameters       */
    int refine;               /* second stage: optimise the seasonal states too     */
    int ia, ib, ig, ip, il, itr, is; /* indices into the parameter vector (-1 absent) */
    int npar;
    double s_init[REGIA_ETS_MAX_PERIOD]; /* decomposition seasons (ring order)        */
    double ring[REGIA_ETS_MAX_PERIOD];
} problem_t;

typedef struct {
    double par[MAX_PAR];
    double lik;
    int ok;
} fitres_t;

/* ---- initial states (R's initstate) ------------------------------------------------- */

/* Seasonal figure of the first values: classical decomposition of the first 3m values
 * when there are that many, else detrending by a least-squares line.  fig[j] is the
 * seasonal term of time index j (mod m), normalised to mean 0 (additive) or 1 (mult). */
static void seasonal_figure(const double *y, int n, int m, int mult, double *fig)
{
    double sum[REGIA_ETS_MAX_PERIOD] = {0};
    int cnt[REGIA_ETS_MAX_PERIOD] = {0};
    if (n >= 3 * m) {
        /* R decomposes the first 3m values; regia uses up to 20 cycles, a steadier
         * start for the screening stage (the refinement optimises these states anyway) */
        int len = n < 20 * m ? n : 20 * m, half = m / 2;
        for (int t = half; t < len - half; t++) {
            /* centred moving average: m-term for odd m, 2 x m for even m */
            double acc = 0;
            int bad = 0;
            if (m % 2) {
                for (int k = t - half; k <= t + half; k++) { if (isnan(y[k])) bad = 1; acc += y[k]; }
                acc /= m;
            } else {
                if (t + half >= len) continue;
                for (int k = t - half; k <= t + half; k++) {
                    double w = (k == t - half || k == t + half) ? 0.5 : 1.0;
                    if (isnan(y[k])) bad = 1;
                    acc += w * y[k];
                }
                acc /= m;
            }
            if (bad || isnan(y[t])) continue;
            double d = mult ? y[t] / acc : y[t] - acc;
            if (!isfinite(d)) continue;
            sum[t % m] += d;
            cnt[t % m]++;
        }
    } else {
        /* line through the data, then means of the residuals by season position */
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int k = 0;
        for (int t = 0; t < n; t++) {
            if (isnan(y[t])) continue;
            sx += t; sy += y[t]; sxx += (double)t * t; sxy += t * y[t]; k++;
        }
        double den = k * sxx - sx * sx, b = den != 0 ? (k * sxy - sx * sy) / den : 0, a = (sy - b * sx) / (k ? k : 1);
        for (int t = 0; t < n; t++) {
            if (isnan(y[t])) continue;
            double tr = a + b * t;
            double d = mult ? y[t] / tr : y[t] - tr;
            if (!isfinite(d)) continue;
            sum[t % m] += d;
            cnt[t % m]++;
        }
    }
    double mean = 0;
    for (int j = 0; j < m; j++) {
        fig[j] = cnt[j] ? sum[j] / cnt[j] : (mult ? 1.0 : 0.0);
        mean += fig[j];
    }
    mean /= m;
    for (int j = 0; j < m; j++) fig[j] = mult ? fig[j] / mean : fig[j] - mean;
    if (mult)
        for (int j = 0; j < m; j++) if (fig[j] < 1e-2) fig[j] = 1e-2;
}

/* Initial level and trend from the seasonally adjusted first max(10, 2m) values. */
static void level_trend(const problem_t *p, const double *fig, double *l0, double *b0)
{
    int maxn = p->m * 2 > 10 ? p->m * 2 : 10;
    if (maxn > p->n) maxn = p->n;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int k = 0;
    for (int t = 0; t < maxn; t++) {
        double v = p->y[t];
        if (isnan(v)) continue;
        if (p->season == REGIA_ETS_ADD) v -= fig[t % p->m];
        else if (p->season == REGIA_ETS_MULT) v /= fig[t % p->m];
        double x = t + 1;
        sx += x; sy += v; sxx += x * x; sxy += x * v; k++;
    }
    double mean = k ? sy / k : 0;
    if (p->trend == REGIA_ETS_NONE || k < 2) { *l0 = mean; *b0 = p->trend == REGIA_ETS_MULT ? 1.0 : 0.0; return; }
    double den = k * sxx - sx * sx;
    double b = den != 0 ? (k * sxy - sx * sy) / den : 0, a = (sy - b * sx) / k;
    if (p->trend == REGIA_ETS_ADD) {
        *l0 = a; *b0 = b;
        if (fabs(a + b) < 1e-8) { *l0 = a * (1 + 1e-3); *b0 = b * (1 - 1e-3); }
    } else {
        double l = a + b, r;
        if (fabs(l) < 1e-8) l = 1e-7;
        r = (a + 2 * b) / l;
        l = l / r;
        if (fabs(r) > 1e10) r = copysign(1e10, r);
        if (l < 1e-8 || r < 1e-8) { l = fmax(mean, 1e-3); r = 1.0; }
        *l0 = l; *b0 = r;
    }
}

/* ---- parameters ---------------------------------------------------------------------- */

static void layout(problem_t *p)
{
    int k = 0;
    p->ia = k++;
    p->ib = p->trend ? k++ : -1;
    p->ig = p->season ? k++ : -1;
    p->ip = p->damped ? k++ : -1;
    p->il = k++;
    p->itr = p->trend ? k++ : -1;
    p->opt_seasons = p->season && p->m <= OPT_SEASON_MAX_M && p->refine;
    p->is = p->opt_seasons ? k : -1;
    if (p->opt_seasons) k += p->m - 1;
    p->npar = k;
}

/* R's "usual" bounds and the admissible region. */
static int usual_ok(const problem_t *p, const double *par)
{
    double a = par[p->ia];
    if (a < LOWER[0] || a > UPPER[0]) return 0;
    if (p->ib >= 0) { double b = par[p->ib]; if (b < LOWER[1] || b > a || b > UPPER[1]) return 0; }
    if (p->ip >= 0) { double f = par[p->ip]; if (f < LOWER[3] || f > UPPER[3]) return 0; }
    if (p->ig >= 0) { double g = par[p->ig]; if (g < LOWER[2] || g > 1 - a || g > UPPER[2]) return 0; }
    return 1;
}

/* Are all roots of sum_k c[k] z^k (degree d, c[d] != 0) of modulus <= 1 + 1e-10?
 * Schur-Cohn recursion on the polynomial rescaled by r = 1 + 1e-10. */
static int roots_inside(double *c, int d)
{
    double r = 1.0 + 1e-10, s = 1.0;
    for (int k = 0; k <= d; k++) { c[k] *= s; s *= r; }
    double t[OPT_SEASON_MAX_M + 2];
    for (int deg = d; deg >= 1; deg--) {
        double a0 = c[0], an = c[deg];
        if (fabs(a0) >= fabs(an)) return 0;
        /* T p(z) / z with T p = a_n p(z) - a_0 z^deg p(1/z); its constant term is zero */
        double big = 0;
        for (int i = 0; i < deg; i++) {
            t[i] = an * c[i + 1] - a0 * c[deg - 1 - i];
            if (fabs(t[i]) > big) big = fabs(t[i]);
        }
        if (big == 0) return 0;
        for (int i = 0; i < deg; i++) c[i] = t[i] / big; /* rescale: products under- or overflow */
    }
    return 1;
}

static int admissible(const problem_t *p, const double *par)
{
    double alpha = par[p->ia], beta = p->ib >= 0 ? par[p->ib] : 0.0, phi = p->ip >= 0 ? par[p->ip] : 1.0;
    if (phi < 0 || phi > 1 + 1e-8) return 0;
    if (p->ig < 0) {
        if (alpha < 1 - 1 / phi || alpha > 1 + 1 / phi) return 0;
        if (p->ib >= 0 && (beta < alpha * (phi - 1) || beta > (1 + phi) * (2 - alpha))) return 0;
        return 1;
    }
    int m = p->m;
    if (m <= 1) return 1;
    double gamma = par[p->ig];
    if (gamma < fmax(1 - 1 / phi - alpha, 0.0) || gamma > 1 + 1 / phi - alpha) return 0;
    if (alpha < 1 - 1 / phi - gamma * (1 - m + phi + phi * m) / (2 * phi * m)) return 0;
    if (beta < -(1 - phi) * (gamma / m + alpha)) return 0;
    if (m > OPT_SEASON_MAX_M) return 1; /* R has no such models; keep the easy tests only */
    double c[OPT_SEASON_MAX_M + 2];
    double mid = alpha + beta - alpha * phi;
    c[0] = phi * (1 - alpha - gamma);
    c[1] = alpha + beta - alpha * phi + gamma - 1;
    for (int k = 2; k < m; k++) c[k] = mid;
    c[m] = alpha + beta - phi;
    c[m + 1] = 1;
    return roots_inside(c, m + 1);
}

/* Load the initial states of `par` into l, b and the ring; 0 if they are unusable. */
static int load_states(problem_t *p, const double *par, double *l, double *b)
{
    *l = par[p->il];
    *b = p->itr >= 0 ? par[p->itr] : 0.0;
    if (!p->season) return 1;
    int m = p->m;
    if (p->opt_seasons) {
        double sum = 0;
        for (int j = 1; j < m; j++) { p->ring[j] = par[p->is + j - 1]; sum += p->ring[j]; }
        p->ring[0] = (p->season == REGIA_ETS_MULT ? m : 0) - sum;
    } else {
        memcpy(p->ring, p->s_init, sizeof(double) * (size_t)m);
    }
    if (p->season == REGIA_ETS_MULT)
        for (int j = 0; j < m; j++) if (p->ring[j] <= 0) return 0;
    return 1;
}

/* The recursion over the series, specialised by the compiler for each (error, trend,
 * season) through the constant arguments E, T, S (see objective()). */
static inline __attribute__((always_inline)) double run_series(problem_t *p, const double *par, double *sse_out,
                                                                 double final[3], const int E, const int T,
                                                                 const int S)
{
    double l, b;
    if (!load_states(p, par, &l, &b)) return INFINITY;
    const int m = S ? p->m : 1, n = p->n;
    /* multiplicative trend or season: forecasts and level-plus-trend must stay positive.
     * Multiplicative error alone needs only f != 0: R's likelihood takes log|f|, so an
     * additive model with multiplicative error (MAA, MNA, ...) may pass through f < 0 */
    const int needs_pos = T == REGIA_ETS_MULT || S == REGIA_ETS_MULT;
    const double alpha = par[p->ia], beta = T ? par[p->ib] : 0, gamma = S ? par[p->ig] : 0;
    const double phi = p->ip >= 0 ? par[p->ip] : 1.0;
    const double *y = p->y;
    double *ring = p->ring;
    double sse = 0, slog = 0, dummy = 0;
    /* sum of log f as the log of a product kept in [0.5, 1) by frexp every 8 steps (no
     * overflow for forecasts below 1e38), one log per series instead of one per step */
    double fprod = 1.0;
    int fexp = 0;
    int pos = 0;
    for (int t = 0; t < n; t++) {
        if (E == REGIA_ETS_MULT && (t & 7) == 7) { int e; fprod = frexp(fprod, &e); fexp += e; }
        double *s = S ? &ring[pos] : &dummy;
        double q, phib;
        double f = regia_ets_onestep(T, S, phi, l, b, *s, &q, &phib);
        if (needs_pos && !(f > 0 && q > 0)) return INFINITY;
        if (E == REGIA_ETS_MULT && !(fabs(f) > 0 && fabs(f) < INFINITY)) return INFINITY;
        double yt = y[t];
        if (isnan(yt)) {
            yt = f; /* missing: propagate with the one-step forecast */
        } else {
            double e = E == REGIA_ETS_MULT ? (yt - f) / f : yt - f;
            sse += e * e;
            if (E == REGIA_ETS_MULT) fprod *= fabs(f);
        }
        regia_ets_update(T, S, alpha, beta, gamma, q, phib, yt, &l, &b, s);
        if (S && ++pos == m) pos = 0;
    }
    if (E == REGIA_ETS_MULT) slog = log(fprod) + fexp * 0.69314718055994530942;
    if (!(sse > 0) || !isfinite(sse) || !isfinite(slog)) return INFINITY;
    if (sse_out) *sse_out = sse;
    if (final) { final[0] = l; final[1] = b; final[2] = pos; }
    return p->n_obs * log(sse) + 2 * slog;
}

/* R's lik: n*log(SSE) (+ 2*sum log|f|); +inf outside the parameter space.  Leaves the
 * final state in l, b and the ring (rotated by n mod m) when `final` is given. */
#ifdef REGIA_ETS_STATS
long regia_ets_evals;
#endif
static double objective(problem_t *p, const double *par, double *sse_out, double final[3])
{
#ifdef REGIA_ETS_STATS
    __atomic_fetch_add(&regia_ets_evals, 1, __ATOMIC_RELAXED);
#endif
    if (!usual_ok(p, par) || !admissible(p, par)) return INFINITY;
#define RUN(E, T, S) return run_series(p, par, sse_out, final, E, T, S)
#define BY_SEASON(E, T)                          \
    switch (p->season) {                         \
    case 0: RUN(E, T, 0);                        \
    case 1: RUN(E, T, 1);                        \
    default: RUN(E, T, 2);                       \
    }
#define BY_TREND(E)                              \
    switch (p->trend) {                          \
    case 0: BY_SEASON(E, 0);                     \
    case 1: BY_SEASON(E, 1);                     \
    default: BY_SEASON(E, 2);                    \
    }
    if (p->error == REGIA_ETS_ADD) BY_TREND(1);
    BY_TREND(2);
#undef RUN
#undef BY_SEASON
#undef BY_TREND
}

/* ---- Nelder-Mead (R's nmmin coefficients) ------------------------------------------ *
 * The simplex moves in a box-shaped space: beta and gamma are fractions of their ranges
 * [1e-4, alpha] and [1e-4, min(0.9999, 1 - alpha)], so the coupled bounds of R become
 * the faces of a box and optima on them (gamma = 1 - alpha is common) are reachable. */
static double beta_hi(double alpha) { return fmin(UPPER[1], alpha); }
static double gamma_hi(double alpha) { return fmin(UPPER[2], 1 - alpha); }

static void decode(const problem_t *p, const double *x, double *par)
{
    memcpy(par, x, sizeof(double) * (size_t)p->npar);
    double a = x[p->ia];
    if (p->ib >= 0) par[p->ib] = LOWER[1] + (beta_hi(a) - LOWER[1]) * x[p->ib];
    if (p->ig >= 0) par[p->ig] = LOWER[2] + (gamma_hi(a) - LOWER[2]) * x[p->ig];
}

static void encode(const problem_t *p, const double *par, double *x)
{
    memcpy(x, par, sizeof(double) * (size_t)p->npar);
    double a = par[p->ia];
    if (p->ib >= 0) { double r = beta_hi(a) - LOWER[1]; x[p->ib] = r > 0 ? (par[p->ib] - LOWER[1]) / r : 0; }
    if (p->ig >= 0) { double r = gamma_hi(a) - LOWER[2]; x[p->ig] = r > 0 ? (par[p->ig] - LOWER[2]) / r : 0; }
}

static double objective_x(problem_t *p, const double *x)
{
    if ((p->ib >= 0 && (x[p->ib] < 0 || x[p->ib] > 1)) || (p->ig >= 0 && (x[p->ig] < 0 || x[p->ig] > 1)))
        return INFINITY;
    double par[MAX_PAR];
    decode(p, x, par);
    return objective(p, par, NULL, NULL);
}

static double nelder_mead_once(problem_t *p, double *x, const double *step, int npar, int maxit, double reltol)
{
    enum { MAXV = MAX_PAR + 1 };
    static _Thread_local double simplex[MAXV][MAX_PAR];
    double fv[MAXV], cen[MAX_PAR], xr[MAX_PAR], xe[MAX_PAR];
    int nv = npar + 1, evals = 0;
    memcpy(simplex[0], x, sizeof(double) * (size_t)npar);
    fv[0] = objective_x(p, x);
    evals++;
    if (!isfinite(fv[0])) return INFINITY;
    const double tol = reltol * (fabs(fv[0]) + reltol);
    for (int i = 1; i < nv; i++) {
        memcpy(simplex[i], x, sizeof(double) * (size_t)npar);
        simplex[i][i - 1] += step[i - 1];
        fv[i] = objective_x(p, simplex[i]);
        if (!isfinite(fv[i])) { /* step into the feasible side */
            simplex[i][i - 1] = x[i - 1] - step[i - 1];
            fv[i] = objective_x(p, simplex[i]);
            evals++;
        }
        evals++;
    }
    for (;;) {
        int lo = 0, hi = 0, nh = 0;
        for (int i = 1; i < nv; i++) {
            if (fv[i] < fv[lo]) lo = i;
            if (fv[i] > fv[hi]) hi = i;
        }
        nh = lo == 0 ? 1 : 0;
        for (int i = 0; i < nv; i++) if (i != hi && fv[i] > fv[nh]) nh = i;
        if (fv[hi] <= fv[lo] + tol || evals >= maxit) { memcpy(x, simplex[lo], sizeof(double) * (size_t)npar); return fv[lo]; }
        for (int j = 0; j < npar; j++) {
            double acc = 0;
            for (int i = 0; i < nv; i++) if (i != hi) acc += simplex[i][j];
            cen[j] = acc / npar;
        }
        for (int j = 0; j < npar; j++) xr[j] = 2 * cen[j] - simplex[hi][j];
        double fr = objective_x(p, xr);
        evals++;
        if (fr < fv[lo]) {
            for (int j = 0; j < npar; j++) xe[j] = 3 * cen[j] - 2 * simplex[hi][j];
            double fe = objective_x(p, xe);
            evals++;
            if (fe < fr) { memcpy(simplex[hi], xe, sizeof(double) * (size_t)npar); fv[hi] = fe; }
            else { memcpy(simplex[hi], xr, sizeof(double) * (size_t)npar); fv[hi] = fr; }
            continue;
        }
        if (fr < fv[nh]) { memcpy(simplex[hi], xr, sizeof(double) * (size_t)npar); fv[hi] = fr; continue; }
        /* contraction, outside if the reflection improved on the worst, else inside */
        int outside = fr < fv[hi];
        for (int j = 0; j < npar; j++)
            xe[j] = outside ? cen[j] + 0.5 * (xr[j] - cen[j]) : cen[j] + 0.5 * (simplex[hi][j] - cen[j]);
        double fc = objective_x(p, xe);
        evals++;
        if (fc < (outside ? fr : fv[hi])) { memcpy(simplex[hi], xe, sizeof(double) * (size_t)npar); fv[hi] = fc; continue; }
        /* shrink towards the best vertex */
        for (int i = 0; i < nv; i++) {
            if (i == lo) continue;
            for (int j = 0; j < npar; j++) simplex[i][j] = simplex[lo][j] + 0.5 * (simplex[i][j] - simplex[lo][j]);
            fv[i] = objective_x(p, simplex[i]);
            evals++;
        }
    }
}

/* Nelder-Mead restarted from its own answer with a fresh simplex until a restart no
 * longer improves: a simplex that collapsed against a bound (alpha near 1, beta near
 * alpha) stops short of the optimum, and a restart lets it move on. */
static double nelder_mead(problem_t *p, double *par, const double *step_par, int npar, int maxit, double reltol,
                          int restarts)
{
    double x[MAX_PAR], step[MAX_PAR];
    encode(p, par, x);
    memcpy(step, step_par, sizeof(double) * (size_t)npar);
    if (p->ib >= 0) step[p->ib] = x[p->ib] < 0.5 ? 0.2 : -0.2;
    if (p->ig >= 0) step[p->ig] = x[p->ig] < 0.5 ? 0.2 : -0.2;
    double f = nelder_mead_once(p, x, step, npar, maxit, reltol);
    for (int r = 0; r < restarts && isfinite(f); r++) {
        double y[MAX_PAR];
        memcpy(y, x, sizeof(double) * (size_t)npar);
        double g = nelder_mead_once(p, y, step, npar, maxit, reltol);
        int better = g < f - 1e-6 * (fabs(f) + 1);
        if (g < f) { f = g; memcpy(x, y, sizeof(double) * (size_t)npar); }
        if (!better) break;
    }
    decode(p, x, par);
    return f;
}

/* Stage 1: fit one candidate with the seasonal initial states held at their
 * decomposition values (all of R's parameters for non-seasonal models).  Returns lik. */
static double fit_candidate(problem_t *p, double *par, double scale)
{
    p->refine = 0;
    layout(p);
    int m = p->season ? p->m : 1;
    double fig[REGIA_ETS_MAX_PERIOD];
    if (p->season) {
        seasonal_figure(p->y, p->n, m, p->season == REGIA_ETS_MULT, fig);
        /* ring order: ring[j] applies at time index j (pos starts at 0) */
        memcpy(p->s_init, fig, sizeof(double) * (size_t)m);
    }
    double l0, b0;
    level_trend(p, fig, &l0, &b0);
    /* R's initparam */
    double step[MAX_PAR];
    double alpha = LOWER[0] + 0.2 * (UPPER[0] - LOWER[0]) / m;
    par[p->ia] = alpha; step[p->ia] = 0.1;
    if (p->ib >= 0) { double up = fmin(UPPER[1], alpha); par[p->ib] = LOWER[1] + 0.1 * (up - LOWER[1]); step[p->ib] = 0.02; }
    if (p->ig >= 0) { double up = fmin(UPPER[2], 1 - alpha); par[p->ig] = LOWER[2] + 0.05 * (up - LOWER[2]); step[p->ig] = 0.05; }
    if (p->ip >= 0) { par[p->ip] = LOWER[3] + 0.99 * (UPPER[3] - LOWER[3]); step[p->ip] = -0.02; }
    par[p->il] = l0; step[p->il] = 0.1 * scale;
    if (p->itr >= 0) { par[p->itr] = b0; step[p->itr] = p->trend == REGIA_ETS_MULT ? 0.01 : 0.01 * scale; }
    double lik = nelder_mead(p, par, step, p->npar, NM_MAXIT, SCREEN_TOL, 0);
    if (p->ig >= 0) {
        /* a second start with a fast-moving season: the likelihood often has a second
         * basin near gamma = 1 - alpha that a start at small gamma does not reach */
        double alt[MAX_PAR];
        memcpy(alt, par, sizeof(double) * (size_t)p->npar);
        alt[p->ia] = 0.1;
        if (p->ib >= 0) alt[p->ib] = LOWER[1] + 0.1 * (beta_hi(0.1) - LOWER[1]);
        alt[p->ig] = LOWER[2] + 0.9 * (gamma_hi(0.1) - LOWER[2]);
        alt[p->il] = l0;
        if (p->itr >= 0) alt[p->itr] = b0;
        double lik2 = nelder_mead(p, alt, step, p->npar, NM_MAXIT, SCREEN_TOL, 0);
        if (lik2 < lik) { lik = lik2; memcpy(par, alt, sizeof(double) * (size_t)p->npar); }
    }
    return lik;
}

/* Stage 2: from a stage-1 fit, optimise at R's tolerance, with restarts, and with the
 * m - 1 seasonal initial states among the parameters, as R does (m <= 24).  par is
 * updated in place; returns lik. */
static double refine_candidate(problem_t *p, double *par, double scale, double lik1)
{
    double stage1[MAX_PAR], step[MAX_PAR];
    int n1 = p->npar;
    memcpy(stage1, par, sizeof(double) * (size_t)n1);
    int add_seasons = p->season && p->m <= OPT_SEASON_MAX_M;
    if (add_seasons) {
        p->refine = 1;
        layout(p);
    }
    for (int j = 0; j < n1; j++) {
        par[j] = stage1[j];
        step[j] = 0.1 * (fabs(stage1[j]) > 1e-3 ? fabs(stage1[j]) : 1e-3);
    }
    if (p->ip >= 0) step[p->ip] = -fmin(step[p->ip], 0.01);
    step[p->il] = 0.02 * scale;
    if (add_seasons)
        for (int j = 1; j < p->m; j++) {
            par[p->is + j - 1] = p->s_init[j];
            step[p->is + j - 1] = p->season == REGIA_ETS_MULT ? 0.02 : 0.02 * scale;
        }
    double lik = nelder_mead(p, par, step, p->npar, NM_MAXIT, FINAL_TOL, NM_RESTARTS);
    if (!(lik < lik1)) { /* keep the stage-1 fit */
        p->refine = 0;
        layout(p);
        memcpy(par, stage1, sizeof(double) * (size_t)n1);
        return lik1;
    }
    return lik;
}

/* ---- forecasts ---------------------------------------------------------------------- */

/* Final state in "order of use" layout (ets.h) from a fitted problem. */
static void final_state(problem_t *p, const double *par, double *st, double *sse)
{
    double fin[3];
    objective(p, par, sse, fin);
    st[0] = fin[0];
    st[1] = p->trend ? fin[1] : 0.0;
    if (p->season) {
        int pos = (int)fin[2];
        for (int j = 0; j < p->m; j++) st[2 + j] = p->ring[(pos + j) % p->m];
    }
}

static void point_forecast(const problem_t *p, const double *par, const double *st, int h, double *f)
{
    double phi = p->ip >= 0 ? par[p->ip] : 1.0, phistar = phi;
    for (int i = 0; i < h; i++) {
        double v;
        if (p->trend == REGIA_ETS_NONE) v = st[0];
        else if (p->trend == REGIA_ETS_ADD) v = st[0] + (p->damped ? phistar : i + 1) * st[1];
        else v = st[0] * pow(st[1], p->damped ? phistar : i + 1);
        if (p->season == REGIA_ETS_ADD) v += st[2 + i % p->m];
        else if (p->season == REGIA_ETS_MULT) v *= st[2 + i % p->m];
        f[i] = v;
        phistar += pow(phi, i + 2);
    }
}

/* c_j = alpha + beta*phi_j + gamma*[j mod m == 0], phi_j = phi + ... + phi^j (Table 6.1). */
static void cj_coeffs(const problem_t *p, const double *par, int h, double *c)
{
    double alpha = par[p->ia], beta = p->ib >= 0 ? par[p->ib] : 0, gamma = p->ig >= 0 ? par[p->ig] : 0;
    double phi = p->ip >= 0 ? par[p->ip] : 1.0, phij = 0, pw = 1;
    for (int j = 1; j < h; j++) {
        pw *= phi;
        phij += pw;
        c[j] = alpha + beta * phij + ((p->season && j % p->m == 0) ? gamma : 0);
    }
}

/* Variance by simulation: sample paths from the final state (class 3, mult. trend). */
static void simulate_var(problem_t *p, const double *par, const double *st, double sigma2, int h, double *var)
{
    double alpha = par[p->ia], beta = p->ib >= 0 ? par[p->ib] : 0, gamma = p->ig >= 0 ? par[p->ig] : 0;
    double phi = p->ip >= 0 ? par[p->ip] : 1.0, sigma = sqrt(sigma2);
    double sum[64] = {0}, sum2[64] = {0};
    int hh = h < 64 ? h : 64;
    /* key: a hash of the fitted state, so the same series gives the same draws anywhere */
    uint64_t key = 1469598103934665603ull;
    for (int j = 0; j < 2 + (p->season ? p->m : 0); j++) {
        uint64_t bits;
        memcpy(&bits, &st[j], sizeof bits);
        key = (key ^ bits) * 1099511628211ull;
    }
    for (int path = 0; path < SIM_PATHS; path++) {
        double l = st[0], b = st[1], z[4] = {0};
        for (int j = 0; j < (p->season ? p->m : 0); j++) p->ring[j] = st[2 + j];
        int pos = 0;
        for (int i = 0; i < hh; i++) {
            if (i % 4 == 0) regia_rng_normal4(0x7e6a5eedull, key, (uint32_t)path, (uint32_t)(i / 4), z);
            double dummy = 0, *s = p->season ? &p->ring[pos] : &dummy, q, phib;
            double f = regia_ets_onestep(p->trend, p->season, phi, l, b, *s, &q, &phib);
            double e = sigma * z[i % 4];
            double yv = p->error == REGIA_ETS_MULT ? f * (1 + e) : f + e;
            sum[i] += yv;
            sum2[i] += yv * yv;
            regia_ets_update(p->trend, p->season, alpha, beta, gamma, q, phib, yv, &l, &b, s);
            if (p->season && ++pos == p->m) pos = 0;
        }
    }
    for (int i = 0; i < h; i++) {
        int k = i < hh ? i : hh - 1;
        double mu = sum[k] / SIM_PATHS;
        var[i] = fmax(sum2[k] / SIM_PATHS - mu * mu, 0.0);
    }
}

static void forecast_var(problem_t *p, const double *par, const double *st, double sigma2, int h,
                         const double *mean, double *var)
{
    double c[1024];
    int hmax = h < 1024 ? h : 1024;
    if (p->season == REGIA_ETS_MULT || p->trend == REGIA_ETS_MULT || h > 1024) {
        simulate_var(p, par, st, sigma2, h, var);
        return;
    }
    cj_coeffs(p, par, hmax, c);
    if (p->error == REGIA_ETS_ADD) { /* class 1 */
        double acc = 1.0;
        for (int i = 0; i < h; i++) {
            if (i > 0) acc += c[i] * c[i];
            var[i] = sigma2 * acc;
        }
        return;
    }
    /* class 2: theta_1 = mu_1^2, theta_j = mu_j^2 + sigma2 sum_{k<j} c_k^2 theta_{j-k} */
    double theta[1024];
    for (int j = 0; j < hmax; j++) {
        double acc = mean[j] * mean[j];
        for (int k = 1; k <= j; k++) acc += sigma2 * c[k] * c[k] * theta[j - k];
        theta[j] = acc;
        var[j] = (1 + sigma2) * theta[j] - mean[j] * mean[j];
    }
}

/* Inverse of the standard normal CDF (Acklam's rational approximation, refined). */
static double qnorm(double pr)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                               1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    double q, r, x;
    if (pr < 0.02425) {
        q = sqrt(-2 * log(pr));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (pr > 1 - 0.02425) {
        q = sqrt(-2 * log(1 - pr));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
        q = pr - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    /* one Newton step on erfc for full double precision */
    double e = 0.5 * erfc(-x / sqrt(2)) - pr;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/* ---- one series ----------------------------------------------------------------------- */

static int allowed_comp(char want, int comp)
{
    static const char L[] = "NAM";
    return want == 'Z' || want == L[comp];
}

/* Parameters counted by R (smoothing, initial states, sigma) and the resulting AICc. */
static int n_params(const problem_t *p, int m)
{
    return p->npar + 1 + ((p->season && !p->opt_seasons) ? m - 1 : 0);
}

static double aicc_of(const problem_t *p, double lik, int m)
{
    int k = n_params(p, m);
    double aic = lik + 2.0 * k;
    return (p->n_obs - k - 1 > 0) ? aic + 2.0 * k * (k + 1) / (p->n_obs - k - 1) : INFINITY;
}

static void fit_series(const regia_ets_batch_t *in, int s, regia_ets_out_t *out, problem_t *p)
{
    const double *y = in->y + (size_t)s * in->stride;
    const int n = in->len[s], h = in->horizon, nl = in->n_levels;
    regia_ets_fit_t *fit = &out->fit[s];
    double *mean = out->mean + (size_t)s * h, *var = out->var + (size_t)s * h;
    double *lo = out->lower + (size_t)s * nl * h, *up = out->upper + (size_t)s * nl * h;
    double *st = out->state + (size_t)s * out->state_stride;
    memset(fit, 0, sizeof *fit);
    for (int i = 0; i < h; i++) mean[i] = var[i] = NAN;
    for (int i = 0; i < nl * h; i++) lo[i] = up[i] = NAN;
    for (int i = 0; i < out->state_stride; i++) st[i] = NAN;
    fit->alpha = fit->beta = fit->gamma = fit->phi = fit->l0 = fit->b0 = NAN;
    fit->sigma2 = fit->loglik = fit->aic = fit->aicc = fit->bic = fit->mse = NAN;

    int n_obs = 0, positive = 1;
    double sabs = 0;
    for (int t = 0; t < n; t++) {
        if (isnan(y[t])) continue;
        n_obs++;
        sabs += fabs(y[t]);
        if (y[t] <= 0) positive = 0;
    }
    fit->n_obs = n_obs;
    if (n_obs < 4) return;
    double scale = sabs / n_obs > 0 ? sabs / n_obs : 1.0;
    const regia_ets_spec_t *sp = &in->spec;
    int m = sp->period;
    int seasonal_possible = m > 1 && n > m && m <= REGIA_ETS_MAX_PERIOD;

    /* Stage 1 (screening) for every candidate, stage 2 (R's tolerance, seasonal states)
     * for the REFINE_TOP best by stage-1 AICc: the chosen model is the best of those by
     * final AICc.  On the benchmark's daily series, refining 2 instead of all gave the
     * same mean MASE within the spread between runs of different settings (0.87-0.89),
     * at a third of the cost. */
    enum { MAX_CAND = 30 };
    const int REFINE_TOP = 2;
    typedef struct { problem_t pr; double par[MAX_PAR]; double lik, aicc; } cand_t;
    static _Thread_local cand_t cand[MAX_CAND];
    int nc = 0;
    for (int e = 1; e <= 2; e++) {
        if (!allowed_comp(sp->error, e) || (e == REGIA_ETS_MULT && !positive)) continue;
        for (int tr = 0; tr <= 2; tr++) {
            if (!allowed_comp(sp->trend, tr)) continue;
            if (tr == REGIA_ETS_MULT && (!sp->allow_multiplicative_trend || !positive)) continue;
            for (int se = 0; se <= 2; se++) {
                if (!allowed_comp(sp->season, se)) continue;
                if (se && !seasonal_possible) continue;
                if (se == REGIA_ETS_MULT && !positive) continue;
                if (sp->restrict_models && e == REGIA_ETS_ADD && (tr == REGIA_ETS_MULT || se == REGIA_ETS_MULT)) continue;
                for (int dm = 0; dm <= 1; dm++) {
                    if (dm && !tr) continue;
                    if (tr && sp->damped >= 0 && dm != sp->damped) continue;
                    int npars = 2 + (tr ? 2 : 0) + (se ? m : 0) + dm;
                    if (n_obs <= npars + 4) continue;
                    cand_t *c = &cand[nc];
                    problem_t *q = &c->pr;
                    q->y = y; q->n = n; q->n_obs = n_obs; q->m = m;
                    q->error = e; q->trend = tr; q->season = se; q->damped = dm;
                    c->lik = fit_candidate(q, c->par, scale);
                    if (!isfinite(c->lik)) continue;
                    c->aicc = aicc_of(q, c->lik, m);
                    nc++;
                }
            }
        }
    }
    if (nc == 0) return;
    /* order by stage-1 AICc (insertion sort: stable, so ties keep R's candidate order) */
    static _Thread_local int order[MAX_CAND];
    for (int i = 0; i < nc; i++) {
        int j = i;
        while (j > 0 && cand[order[j - 1]].aicc > cand[i].aicc) { order[j] = order[j - 1]; j--; }
        order[j] = i;
    }
    int best_i = -1;
    for (int r = 0; r < nc && r < REFINE_TOP; r++) {
        cand_t *c = &cand[order[r]];
        c->lik = refine_candidate(&c->pr, c->par, scale, c->lik);
        c->aicc = aicc_of(&c->pr, c->lik, m);
        if (best_i < 0 || c->aicc < cand[best_i].aicc) best_i = order[r];
    }
    *p = cand[best_i].pr;
    double *best_par = cand[best_i].par, best_lik = cand[best_i].lik, best_ic = cand[best_i].aicc;
    int found = 1;
    if (!found) return;
    double sse = 0;
    final_state(p, best_par, st, &sse);
    int k = n_params(p, m);
    fit->ok = 1;
    fit->model = (regia_ets_model_t){(int8_t)p->error, (int8_t)p->trend, (int8_t)p->season, (int8_t)p->damped};
    fit->n_params = k;
    fit->alpha = best_par[p->ia];
    if (p->ib >= 0) fit->beta = best_par[p->ib];
    if (p->ig >= 0) fit->gamma = best_par[p->ig];
    if (p->ip >= 0) fit->phi = best_par[p->ip];
    fit->l0 = best_par[p->il];
    if (p->itr >= 0) fit->b0 = best_par[p->itr];
    fit->sigma2 = n_obs > k ? sse / (n_obs - k) : NAN;
    fit->loglik = -0.5 * best_lik;
    fit->aic = best_lik + 2.0 * k;
    fit->aicc = best_ic;
    fit->bic = fit->aic + k * (log((double)n_obs) - 2.0);
    /* mse of the one-step errors on the data scale */
    {
        double l, b, dummy = 0, acc = 0;
        load_states(p, best_par, &l, &b);
        int pos = 0, mm = p->season ? m : 1;
        double alpha = fit->alpha, beta = p->ib >= 0 ? fit->beta : 0, gamma = p->ig >= 0 ? fit->gamma : 0;
        double phi = p->ip >= 0 ? fit->phi : 1.0;
        for (int t = 0; t < n; t++) {
            double *sc = p->season ? &p->ring[pos] : &dummy, q, phib;
            double f = regia_ets_onestep(p->trend, p->season, phi, l, b, *sc, &q, &phib);
            double yt = isnan(y[t]) ? f : y[t];
            acc += (yt - f) * (yt - f);
            regia_ets_update(p->trend, p->season, alpha, beta, gamma, q, phib, yt, &l, &b, sc);
            if (++pos == mm) pos = 0;
        }
        fit->mse = acc / n_obs;
    }
    point_forecast(p, best_par, st, h, mean);
    forecast_var(p, best_par, st, fit->sigma2, h, mean, var);
    for (int li = 0; li < nl; li++) {
        double z = qnorm(0.5 + in->levels[li] / 200.0);
        for (int i = 0; i < h; i++) {
            double sd = sqrt(var[i]);
            lo[li * h + i] = mean[i] - z * sd;
            up[li * h + i] = mean[i] + z * sd;
        }
    }
}

regia_status_t regia_cpu_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out)
{
    const regia_ets_spec_t *sp = &in->spec;
    if (sp->period < 1 || sp->period > REGIA_ETS_MAX_PERIOD)
        return REGIA_FAIL(REGIA_ERR_INVALID, "seasonal period %d outside 1..%d", sp->period, REGIA_ETS_MAX_PERIOD);
    if (out->state_stride < 2 + sp->period)
        return REGIA_FAIL(REGIA_ERR_INVALID, "state_stride %d < 2 + period %d", out->state_stride, sp->period);
    if (in->horizon < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "forecast horizon %d < 1", in->horizon);
    if (in->n_levels < 0 || in->n_levels > REGIA_ETS_MAX_LEVELS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%d interval levels (at most %d)", in->n_levels, REGIA_ETS_MAX_LEVELS);
    for (int i = 0; i < in->n_levels; i++)
        if (!(in->levels[i] > 0 && in->levels[i] < 100))
            return REGIA_FAIL(REGIA_ERR_INVALID, "interval level %g outside (0, 100)", in->levels[i]);
    for (int s = 0; s < in->n_series; s++)
        if (in->len[s] < 0 || in->len[s] > in->stride)
            return REGIA_FAIL(REGIA_ERR_INVALID, "series %d: length %d outside 0..stride %d", s, in->len[s], in->stride);
#pragma omp parallel num_threads(be->threads)
    {
        problem_t *p = malloc(sizeof *p);
#pragma omp for schedule(dynamic, 1)
        for (int s = 0; s < in->n_series; s++)
            if (p) fit_series(in, s, out, p);
        free(p);
    }
    return REGIA_OK;
}
