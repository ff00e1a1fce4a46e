/* ets_fit_impl.h - the whole ETS work on one series, shared by the CPU and CUDA backends
 * (internal to kernels/).
 *
 * Initial states, objective, Nelder-Mead, admissibility, candidates, AICc selection,
 * final state, point forecasts, forecast variances (closed
 * forms and simulated), intervals.  Every function is REGIA_HD static inline: the CPU
 * backend (kernels/cpu/ets.c) calls regia_ets_fit_one() from an OpenMP loop, the CUDA
 * backend (kernels/cuda/ets.cu) from one thread per series, so both run the same
 * arithmetic in the same order.  No allocation, no OpenMP, no libc beyond <math.h>
 * functions CUDA provides (and memcpy/memset): the scratch a series needs lives in a
 * caller-provided workspace (regia_ets_ws_t, sized by regia_ets_ws_doubles()).
 *
 * Method (follows R forecast::ets, Hyndman et al. 2008, where regia/ets.h says so):
 *
 *  - initial states as R's initstate() (forecast 8.20): classical decomposition of the
 *    whole series (a linear-trend detrending when it is shorter than 3 cycles), then a
 *    regression on the first max(10, 2m) seasonally adjusted values;
 *  - objective n*log(SSE) (+ 2*sum(log|f|) for multiplicative error), the same "lik" as
 *    R, so loglik, AIC, AICc and BIC are comparable with R's (checked: R's etscalc gives
 *    the same value at regia's parameters to 1e-6; benchmarks/README.md);
 *  - R's bounds: alpha, beta, gamma in [1e-4, 0.9999], beta <= alpha, gamma <= 1 - alpha,
 *    phi in [0.8, 0.98], plus the admissible region (characteristic roots inside the
 *    unit circle, tested by the Schur-Cohn recursion rather than polyroot);
 *  - initial level, trend and m - 1 seasonal states are optimised with the smoothing
 *    parameters when m <= 24 (as R); for longer periods (R refuses them) the seasonal
 *    initial states stay at their decomposition values;
 *  - every candidate of R's set fitted as R fits it: R's starting values (initparam,
 *    initstate), then one Nelder-Mead search over all parameters with optim's nmmin
 *    rules and forecast::ets's settings (reltol sqrt(eps), at most 2000 evaluations);
 *    the lowest AICc wins.  So regia picks R's model and R's parameters on nearly every
 *    series (forecasts within 0.1 % of R's on 95 % of the benchmark series) in a
 *    fraction of R's time (benchmarks/README.md);
 *  - variances at every horizon (regia_ets_forecast_var): the closed forms of Hyndman
 *    et al. (2008, ch. 6) that R's forecast.ets uses for classes 1, 2 and 3 (additive
 *    error; multiplicative error without multiplicative components; multiplicative error
 *    and season), each as a recursion that costs O(1) per step and O(m) memory; the
 *    other models (multiplicative trend, additive error with multiplicative season) by
 *    simulating REGIA_ETS_SIM_PATHS sample paths over the whole horizon with a Philox
 *    stream keyed by the fitted state (deterministic).
 *
 * Workspace layout.  One series needs, in doubles (m = period,
 * np = REGIA_ETS_NPAR_MAX(m), 12 for m = 7, at most 29), whatever the horizon:
 *     ring     m            seasonal ring of the recursion (scratch of the seasonal figure)
 *     fig      2m           seasonal figures from the decomposition: additive, multiplicative
 *     simplex  (np + 2) np  Nelder-Mead vertices and centroid, element j of vertex i at
 *                           i * np + j
 *     aux      5m           per seasonal slot, the moments the class 2 and class 3
 *                           variance recursions carry (3 and 5 per slot); the simulation
 *                           accumulates its sums in the series' mean and var outputs
 * Element j of an array is at base[j * rs].  On the CPU every thread has its own
 * contiguous block (rs = 1, a compile-time constant there).  On CUDA the blocks of the
 * threads of a launch are interleaved: element j of thread i at base[j * rs + i] with
 * rs = the threads of the launch, so a warp reading element j touches 32 consecutive
 * doubles; the series y is stored the same way (time-major) on the device.  Small fixed
 * arrays (parameter vectors, at most 29 doubles) are local variables.
 */
#ifndef REGIA_ETS_FIT_IMPL_H
#define REGIA_ETS_FIT_IMPL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ets_step_impl.h"
#include "log_impl.h"
#include "regia/ets.h"
#include "regia/rng.h"

#ifdef __CUDACC__
#define REGIA_ETS_INLINE __forceinline__
#else
#define REGIA_ETS_INLINE inline __attribute__((always_inline))
#endif

/* Device code paths.  Compiled for the device (or on the host with
 * REGIA_ETS_EMULATE_DEVICE, which tests/unit/test_k_ets_device_paths.c uses to run them
 * without a GPU):
 *  - the stride of the workspace arrays and of y is the interleaving stride of the launch
 *    (see the layout above); on the host it is the compile-time constant 1;
 *  - the logarithm of the objective is a port of glibc's that rounds the same
 *    (log_impl.h), so both backends' optimisers see the same objective values; on the
 *    host it is the C library's;
 *  - the recursion takes the model at run time (see regia_ets_objective). */
#if defined(__CUDA_ARCH__) || defined(REGIA_ETS_EMULATE_DEVICE)
#define REGIA_ETS_DEVICE_PATHS 1
#define REGIA_ETS_RS(ws) ((ws)->rs)
#define regia_ets_log(x) regia_log_portable(x)
#else
#define REGIA_ETS_RS(ws) ((int64_t)1)
#define regia_ets_log(x) log(x)
#endif

enum {
    REGIA_ETS_OPT_SEASON_MAX_M = 24, /* seasonal initial states optimised up to this m      */
    REGIA_ETS_MAX_NPAR = 6 + REGIA_ETS_OPT_SEASON_MAX_M - 1, /* alpha..b0 + m - 1 seasons */
    REGIA_ETS_NM_MAXIT = 2000,
    REGIA_ETS_SIM_PATHS = 4000,      /* sample paths of the simulated variances (classes 4, 5) */
    REGIA_ETS_AUX_PER_SLOT = 5       /* aux doubles per seasonal slot (class 3 moments)     */
};

/* Largest parameter vector for period m: alpha, beta, gamma, phi, l0, b0, + m - 1 seasons. */
#define REGIA_ETS_NPAR_MAX(m) (6 + ((m) > 1 && (m) <= REGIA_ETS_OPT_SEASON_MAX_M ? (m) - 1 : 0))

/* forecast::ets's reltol for optim's Nelder-Mead: sqrt(DBL_EPSILON) */
#define REGIA_ETS_FINAL_TOL 1.490116119384765625e-8
/* R's bounds: alpha, beta, gamma in [1e-4, 0.9999], phi in [0.8, 0.98] */
#define REGIA_ETS_LO_SMOOTH 1e-4
#define REGIA_ETS_HI_SMOOTH 0.9999
#define REGIA_ETS_LO_PHI 0.8
#define REGIA_ETS_HI_PHI 0.98

/* Per-series scratch (see the layout above). */
typedef struct {
    double *ring, *fig, *simplex, *aux;
    int64_t rs;                 /* element stride (device only; 1 on the host)         */
    int np;                     /* row length of simplex: REGIA_ETS_NPAR_MAX(m)        */
    int fig_done;               /* bit 0: additive figure computed, bit 1: mult.       */
    unsigned long long evals;   /* objective evaluations (counted, for the benchmarks) */
} regia_ets_ws_t;

/* Doubles of workspace one series needs for period m and horizon h (the same for every
 * h: no variance method keeps horizon-sized scratch). */
REGIA_HD static inline int64_t regia_ets_ws_doubles(int m, int h)
{
    (void)h;
    int64_t np = REGIA_ETS_NPAR_MAX(m);
    return 3 * (int64_t)m + (np + 2) * np + REGIA_ETS_AUX_PER_SLOT * (int64_t)m;
}

/* Point ws at a block of regia_ets_ws_doubles(m, h) doubles whose element j is at
 * base[j * rs]. */
REGIA_HD static inline void regia_ets_ws_init(regia_ets_ws_t *ws, double *base, int64_t rs, int m, int h)
{
    int64_t np = REGIA_ETS_NPAR_MAX(m);
    ws->rs = rs;
    ws->np = (int)np;
    ws->ring = base;
    ws->fig = base + (int64_t)m * rs;
    ws->simplex = base + 3 * (int64_t)m * rs;
    ws->aux = base + (3 * (int64_t)m + (np + 2) * np) * rs;
    ws->fig_done = 0;
    ws->evals = 0;
}

/* One candidate model on one series. */
typedef struct {
    const double *y;          /* y[t * rs]                                          */
    int n, n_obs, m;
    int error, trend, season, damped;
    int opt_seasons;          /* seasonal initial states among the parameters       */
    int ia, ib, ig, ip, il, itr, is; /* indices into the parameter vector (-1 absent) */
    int npar;
    double *s_init;           /* decomposition seasons (ring order), in ws->fig      */
    double *ring;             /* ws->ring                                           */
    regia_ets_ws_t *ws;
} regia_ets_problem_t;

/* ---- initial states (R's initstate) ------------------------------------------------- */

/* Seasonal figure: classical decomposition of the whole series when it has at least 3m
 * values, else detrending by a least-squares line.  fig[j] is the seasonal term of time
 * index j (mod m), normalised to mean 0 (additive) or 1 (mult).  fig holds the sums
 * while they accumulate; cnt (scratch) the counts. */
REGIA_HD static inline void regia_ets_seasonal_figure(const double *y, int64_t rs, int n, int m, int mult,
                                                      double *fig, double *cnt)
{
    for (int j = 0; j < m; j++) { fig[j * rs] = 0; cnt[j * rs] = 0; }
    if (n >= 3 * m) {
        /* the whole series, as forecast 8.20's initstate() decomposes it */
        const int half = m / 2;
        for (int t = half; t < n - half; t++) {
            /* centred moving average: m-term for odd m, 2 x m for even m */
            double acc = 0;
            int bad = 0;
            if (m % 2) {
                for (int k = t - half; k <= t + half; k++) { if (isnan(y[k * rs])) bad = 1; acc += y[k * rs]; }
                acc /= m;
            } else {
                if (t + half >= n) continue;
                for (int k = t - half; k <= t + half; k++) {
                    double w = (k == t - half || k == t + half) ? 0.5 : 1.0;
                    if (isnan(y[k * rs])) bad = 1;
                    acc += w * y[k * rs];
                }
                acc /= m;
            }
            if (bad || isnan(y[t * rs])) continue;
            double d = mult ? y[t * rs] / acc : y[t * rs] - acc;
            if (!isfinite(d)) continue;
            fig[(t % m) * rs] += d;
            cnt[(t % m) * rs] += 1;
        }
    } else {
        /* line through the data, then means of the residuals by season position */
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int k = 0;
        for (int t = 0; t < n; t++) {
            double v = y[t * rs];
            if (isnan(v)) continue;
            sx += t; sy += v; sxx += (double)t * t; sxy += t * v; k++;
        }
        double den = k * sxx - sx * sx, b = den != 0 ? (k * sxy - sx * sy) / den : 0, a = (sy - b * sx) / (k ? k : 1);
        for (int t = 0; t < n; t++) {
            double v = y[t * rs];
            if (isnan(v)) continue;
            double tr = a + b * t;
            double d = mult ? v / tr : v - tr;
            if (!isfinite(d)) continue;
            fig[(t % m) * rs] += d;
            cnt[(t % m) * rs] += 1;
        }
    }
    double mean = 0;
    for (int j = 0; j < m; j++) {
        double c = cnt[j * rs];
        fig[j * rs] = c != 0 ? fig[j * rs] / c : (mult ? 1.0 : 0.0);
        mean += fig[j * rs];
    }
    mean /= m;
    for (int j = 0; j < m; j++) fig[j * rs] = mult ? fig[j * rs] / mean : fig[j * rs] - mean;
    if (mult)
        for (int j = 0; j < m; j++) if (fig[j * rs] < 1e-2) fig[j * rs] = 1e-2;
}

/* Initial level and trend from the seasonally adjusted first max(10, 2m) values. */
REGIA_HD static inline void regia_ets_level_trend(const regia_ets_problem_t *p, double *l0, double *b0)
{
    const int64_t rs = REGIA_ETS_RS(p->ws);
    int maxn = p->m * 2 > 10 ? p->m * 2 : 10;
    if (maxn > p->n) maxn = p->n;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int k = 0;
    for (int t = 0; t < maxn; t++) {
        double v = p->y[t * rs];
        if (isnan(v)) continue;
        if (p->season == REGIA_ETS_ADD) v -= p->s_init[(t % p->m) * rs];
        else if (p->season == REGIA_ETS_MULT) v /= p->s_init[(t % p->m) * rs];
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

REGIA_HD static inline void regia_ets_layout(regia_ets_problem_t *p)
{
    int k = 0;
    p->ia = k++;
    p->ib = p->trend ? k++ : -1;
    p->ig = p->season ? k++ : -1;
    p->ip = p->damped ? k++ : -1;
    p->il = k++;
    p->itr = p->trend ? k++ : -1;
    p->opt_seasons = p->season && p->m <= REGIA_ETS_OPT_SEASON_MAX_M;
    p->is = p->opt_seasons ? k : -1;
    if (p->opt_seasons) k += p->m - 1;
    p->npar = k;
}

/* R's "usual" bounds and the admissible region. */
REGIA_HD static inline int regia_ets_usual_ok(const regia_ets_problem_t *p, const double *par)
{
    double a = par[p->ia];
    if (a < REGIA_ETS_LO_SMOOTH || a > REGIA_ETS_HI_SMOOTH) return 0;
    if (p->ib >= 0) { double b = par[p->ib]; if (b < REGIA_ETS_LO_SMOOTH || b > a || b > REGIA_ETS_HI_SMOOTH) return 0; }
    if (p->ip >= 0) { double f = par[p->ip]; if (f < REGIA_ETS_LO_PHI || f > REGIA_ETS_HI_PHI) return 0; }
    if (p->ig >= 0) { double g = par[p->ig]; if (g < REGIA_ETS_LO_SMOOTH || g > 1 - a || g > REGIA_ETS_HI_SMOOTH) return 0; }
    return 1;
}

/* Are all roots of sum_k c[k] z^k (degree d, c[d] != 0) of modulus <= 1 + 1e-10?
 * Schur-Cohn recursion on the polynomial rescaled by r = 1 + 1e-10. */
REGIA_HD static inline int regia_ets_roots_inside(double *c, int d)
{
    double r = 1.0 + 1e-10, s = 1.0;
    for (int k = 0; k <= d; k++) { c[k] *= s; s *= r; }
    double t[REGIA_ETS_OPT_SEASON_MAX_M + 2];
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

REGIA_HD static inline int regia_ets_admissible(const regia_ets_problem_t *p, const double *par)
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
    if (m > REGIA_ETS_OPT_SEASON_MAX_M) return 1; /* R has no such models; keep the easy tests only */
    double c[REGIA_ETS_OPT_SEASON_MAX_M + 2];
    double mid = alpha + beta - alpha * phi;
    c[0] = phi * (1 - alpha - gamma);
    c[1] = alpha + beta - alpha * phi + gamma - 1;
    for (int k = 2; k < m; k++) c[k] = mid;
    c[m] = alpha + beta - phi;
    c[m + 1] = 1;
    return regia_ets_roots_inside(c, m + 1);
}

/* Load the initial states of `par` into l, b and the ring; 0 if they are unusable. */
REGIA_HD static inline int regia_ets_load_states(regia_ets_problem_t *p, const double *par, double *l, double *b)
{
    const int64_t rs = REGIA_ETS_RS(p->ws);
    *l = par[p->il];
    *b = p->itr >= 0 ? par[p->itr] : 0.0;
    if (!p->season) return 1;
    int m = p->m;
    double *ring = p->ring;
    if (p->opt_seasons) {
        double sum = 0;
        /* R's order: parameter k is the season of time index m - 1 - k; the season of
         * index 0 makes them sum to 0 (additive) or m (multiplicative) */
        for (int k = 0; k < m - 1; k++) { ring[(m - 1 - k) * rs] = par[p->is + k]; sum += par[p->is + k]; }
        ring[0] = (p->season == REGIA_ETS_MULT ? m : 0) - sum;
    } else {
        for (int j = 0; j < m; j++) ring[j * rs] = p->s_init[j * rs];
    }
    if (p->season == REGIA_ETS_MULT)
        for (int j = 0; j < m; j++) if (ring[j * rs] <= 0) return 0;
    return 1;
}

/* The recursion over the series.  On the host the compiler specialises it for each
 * (error, trend, season) through the constant arguments E, T, S (see objective()); on
 * the device one copy takes them at run time (the threads of a warp then run the same
 * instructions whatever model each fits, and the code stays small). */
REGIA_HD static REGIA_ETS_INLINE double regia_ets_run_series(regia_ets_problem_t *p, const double *par,
                                                              double *sse_out, double final[3], const int E,
                                                              const int T, const int S)
{
    double l, b;
    if (!regia_ets_load_states(p, par, &l, &b)) return INFINITY;
    const int64_t rs = REGIA_ETS_RS(p->ws);
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
        double *s = S ? &ring[pos * rs] : &dummy;
        double q, phib;
        double f = regia_ets_onestep(T, S, phi, l, b, *s, &q, &phib);
        if (needs_pos && !(f > 0 && q > 0)) return INFINITY;
        if (E == REGIA_ETS_MULT && !(fabs(f) > 0 && fabs(f) < INFINITY)) return INFINITY;
        double yt = y[t * rs];
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
    if (E == REGIA_ETS_MULT) slog = regia_ets_log(fprod) + fexp * 0.69314718055994530942;
    if (!(sse > 0) || !isfinite(sse) || !isfinite(slog)) return INFINITY;
    if (sse_out) *sse_out = sse;
    if (final) { final[0] = l; final[1] = b; final[2] = pos; }
    return p->n_obs * regia_ets_log(sse) + 2 * slog;
}

/* R's lik: n*log(SSE) (+ 2*sum log|f|); +inf outside the parameter space.  Leaves the
 * final state in l, b and the ring (rotated by n mod m) when `final` is given. */
REGIA_HD static inline double regia_ets_objective(regia_ets_problem_t *p, const double *par, double *sse_out,
                                                  double final[3])
{
    if (!regia_ets_usual_ok(p, par) || !regia_ets_admissible(p, par)) return INFINITY;
    p->ws->evals++; /* recursions run over the series */
#ifdef REGIA_ETS_DEVICE_PATHS
    return regia_ets_run_series(p, par, sse_out, final, p->error, p->trend, p->season);
#else
#define RUN(E, T, S) return regia_ets_run_series(p, par, sse_out, final, E, T, S)
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
#endif
}

/* ---- optimisation: R's Nelder-Mead (optim's nmmin), as forecast::ets calls it ---------- *
 * A state machine that asks for one objective value at a time: start() leaves the first
 * point to evaluate in nm->b, and feed(f) takes its value and returns 1 with the next
 * point in nm->b, or 0 when the search is over (best point in nm->b, value nm->fmin).
 * The CPU backend evaluates the points of several searches together (kernels/cpu/ets.c),
 * a GPU thread evaluates its own one by one; the searches are the same.  The points and
 * decisions are those of nmmin with forecast::ets's arguments (reflection 1, contraction
 * 0.5, expansion 2, reltol sqrt(eps), no abstol, at most 2000 evaluations): one initial
 * step, 0.1 * max |x_i|, for every coordinate; infeasible points valued 1e35; convergence
 * when the spread of values falls below reltol times the starting value; a contraction
 * tried after every reflection that does not beat the best vertex; a shrink only when
 * the reflection was no better than the worst vertex, stopped when the simplex no longer
 * gets smaller.  So regia's fits follow R's (tests/unit/test_k_ets.c,
 * benchmarks/README.md). */
#define REGIA_ETS_NM_BIG 1.0e35

enum { REGIA_NM_F0, REGIA_NM_VERT, REGIA_NM_REFLECT, REGIA_NM_EXPAND, REGIA_NM_CONTRACT, REGIA_NM_DONE };

typedef struct {
    int n, maxit, funcount, L, H, j, phase, calcvert;
    double convtol, size, oldsize, VL, VH, VR, fmin;
    double fv[REGIA_ETS_MAX_NPAR + 2];
    double b[REGIA_ETS_MAX_NPAR];   /* the point to evaluate next; the answer at the end */
    double *P;                      /* ws->simplex: vertex i, element k at P[(i*np + k)*rs];
                                       vertex n + 1 holds the centroid (nmmin's column C) */
    int64_t rs;
    int np;
} regia_ets_nm_t;

#define REGIA_NM_P(nm, i, k) (nm)->P[((int64_t)(i) * (nm)->np + (k)) * (nm)->rs]

REGIA_HD static inline void regia_ets_nm_start(regia_ets_nm_t *nm, regia_ets_ws_t *ws, const double *x0, int n)
{
    nm->n = n;
    nm->maxit = REGIA_ETS_NM_MAXIT;
    nm->funcount = 0;
    nm->phase = REGIA_NM_F0;
    nm->P = ws->simplex;
    nm->rs = REGIA_ETS_RS(ws);
    nm->np = ws->np;
    nm->fmin = INFINITY;
    for (int k = 0; k < n; k++) nm->b[k] = x0[k];
}

/* Next vertex to (re)evaluate after a build or a shrink; 0 when all are done. */
REGIA_HD static inline int regia_ets_nm_next_vertex(regia_ets_nm_t *nm)
{
    while (nm->j < nm->n + 1 && nm->j == nm->L) nm->j++;
    if (nm->j >= nm->n + 1) return 0;
    for (int k = 0; k < nm->n; k++) nm->b[k] = REGIA_NM_P(nm, nm->j, k);
    nm->phase = REGIA_NM_VERT;
    return 1;
}

/* Top of nmmin's loop: best and worst vertices, convergence, reflection. */
REGIA_HD static inline int regia_ets_nm_iterate(regia_ets_nm_t *nm)
{
    const int n = nm->n, n1 = n + 1, C = n + 1;
    nm->VL = nm->fv[nm->L];
    nm->VH = nm->VL;
    nm->H = nm->L;
    for (int j = 0; j < n1; j++) {
        if (j == nm->L) continue;
        double f = nm->fv[j];
        if (f < nm->VL) { nm->L = j; nm->VL = f; }
        if (f > nm->VH) { nm->H = j; nm->VH = f; }
    }
    if (nm->VH <= nm->VL + nm->convtol) return 0;
    for (int k = 0; k < n; k++) {
        double t = -REGIA_NM_P(nm, nm->H, k);
        for (int j = 0; j < n1; j++) t += REGIA_NM_P(nm, j, k);
        REGIA_NM_P(nm, C, k) = t / n;
    }
    for (int k = 0; k < n; k++) nm->b[k] = 2.0 * REGIA_NM_P(nm, C, k) - REGIA_NM_P(nm, nm->H, k);
    nm->phase = REGIA_NM_REFLECT;
    return 1;
}

/* End of one pass of nmmin's loop: go on while evaluations are left. */
REGIA_HD static inline int regia_ets_nm_loop(regia_ets_nm_t *nm)
{
    if (nm->funcount > nm->maxit) return 0;
    if (nm->calcvert) {
        nm->calcvert = 0;
        nm->j = 0;
        if (regia_ets_nm_next_vertex(nm)) return 1;
    }
    return regia_ets_nm_iterate(nm);
}

REGIA_HD static inline int regia_ets_nm_feed_raw(regia_ets_nm_t *nm, double f)
{
    const int n = nm->n, C = n + 1;
    if (nm->phase == REGIA_NM_F0) {
        nm->funcount = 1;
        if (!isfinite(f)) return 0; /* R: "function cannot be evaluated at initial parameters" */
        nm->convtol = REGIA_ETS_FINAL_TOL * (fabs(f) + REGIA_ETS_FINAL_TOL);
        nm->fv[0] = f;
        for (int k = 0; k < n; k++) REGIA_NM_P(nm, 0, k) = nm->b[k];
        nm->L = 0;
        double step = 0;
        for (int k = 0; k < n; k++) if (0.1 * fabs(nm->b[k]) > step) step = 0.1 * fabs(nm->b[k]);
        if (step == 0.0) step = 0.1;
        nm->size = 0;
        for (int j = 1; j < n + 1; j++) {
            for (int k = 0; k < n; k++) REGIA_NM_P(nm, j, k) = nm->b[k];
            double trystep = step;
            while (REGIA_NM_P(nm, j, j - 1) == nm->b[j - 1]) {
                REGIA_NM_P(nm, j, j - 1) = nm->b[j - 1] + trystep;
                trystep *= 10;
            }
            nm->size += trystep;
        }
        nm->oldsize = nm->size;
        nm->calcvert = 1;
        return regia_ets_nm_loop(nm);
    }
    if (!isfinite(f)) f = REGIA_ETS_NM_BIG;
    nm->funcount++;
    switch (nm->phase) {
    case REGIA_NM_VERT:
        nm->fv[nm->j] = f;
        nm->j++;
        if (regia_ets_nm_next_vertex(nm)) return 1;
        return regia_ets_nm_iterate(nm);
    case REGIA_NM_REFLECT:
        nm->VR = f;
        if (nm->VR < nm->VL) {
            nm->fv[C] = f;
            for (int k = 0; k < n; k++) {
                double e = 2.0 * nm->b[k] + (1 - 2.0) * REGIA_NM_P(nm, C, k);
                REGIA_NM_P(nm, C, k) = nm->b[k];
                nm->b[k] = e;
            }
            nm->phase = REGIA_NM_EXPAND;
            return 1;
        }
        if (nm->VR < nm->VH) {
            for (int k = 0; k < n; k++) REGIA_NM_P(nm, nm->H, k) = nm->b[k];
            nm->fv[nm->H] = nm->VR;
        }
        for (int k = 0; k < n; k++) nm->b[k] = (1 - 0.5) * REGIA_NM_P(nm, nm->H, k) + 0.5 * REGIA_NM_P(nm, C, k);
        nm->phase = REGIA_NM_CONTRACT;
        return 1;
    case REGIA_NM_EXPAND:
        if (f < nm->VR) {
            for (int k = 0; k < n; k++) REGIA_NM_P(nm, nm->H, k) = nm->b[k];
            nm->fv[nm->H] = f;
        } else {
            for (int k = 0; k < n; k++) REGIA_NM_P(nm, nm->H, k) = REGIA_NM_P(nm, C, k);
            nm->fv[nm->H] = nm->VR;
        }
        return regia_ets_nm_loop(nm);
    default: /* REGIA_NM_CONTRACT */
        if (f < nm->fv[nm->H]) {
            for (int k = 0; k < n; k++) REGIA_NM_P(nm, nm->H, k) = nm->b[k];
            nm->fv[nm->H] = f;
        } else if (nm->VR >= nm->VH) { /* shrink towards the best vertex */
            nm->calcvert = 1;
            nm->size = 0.0;
            for (int j = 0; j < n + 1; j++) {
                if (j == nm->L) continue;
                for (int k = 0; k < n; k++) {
                    REGIA_NM_P(nm, j, k) = 0.5 * (REGIA_NM_P(nm, j, k) - REGIA_NM_P(nm, nm->L, k)) + REGIA_NM_P(nm, nm->L, k);
                    nm->size += fabs(REGIA_NM_P(nm, j, k) - REGIA_NM_P(nm, nm->L, k));
                }
            }
            if (nm->size < nm->oldsize) nm->oldsize = nm->size;
            else return 0;
        }
        return regia_ets_nm_loop(nm);
    }
}

/* Feed the value of the point nm->b; 1: evaluate the new nm->b; 0: done. */
REGIA_HD static inline int regia_ets_nm_feed(regia_ets_nm_t *nm, double f)
{
    if (regia_ets_nm_feed_raw(nm, f)) return 1;
    if (nm->phase != REGIA_NM_F0) {
        nm->fmin = nm->fv[nm->L] >= REGIA_ETS_NM_BIG ? INFINITY : nm->fv[nm->L];
        for (int k = 0; k < nm->n; k++) nm->b[k] = REGIA_NM_P(nm, nm->L, k);
    }
    nm->phase = REGIA_NM_DONE;
    return 0;
}

/* The seasonal figure of the problem's season type (computed once per series). */
REGIA_HD static inline void regia_ets_use_figure(regia_ets_problem_t *p)
{
    regia_ets_ws_t *ws = p->ws;
    const int64_t rs = REGIA_ETS_RS(ws);
    const int mult = p->season == REGIA_ETS_MULT, bit = mult ? 2 : 1;
    /* ring order: ring[j] applies at time index j (pos starts at 0) */
    p->s_init = ws->fig + (mult ? (int64_t)p->m * rs : 0);
    if (!(ws->fig_done & bit)) {
        regia_ets_seasonal_figure(p->y, rs, p->n, p->m, mult, p->s_init, ws->ring);
        ws->fig_done |= bit;
    }
}

/* Lay out candidate p and write R's starting point into x (initparam, initstate). */
REGIA_HD static inline void regia_ets_start_point(regia_ets_problem_t *p, double *x)
{
    const int64_t rs = REGIA_ETS_RS(p->ws);
    regia_ets_layout(p);
    int m = p->season ? p->m : 1;
    if (p->season) regia_ets_use_figure(p);
    double l0, b0;
    regia_ets_level_trend(p, &l0, &b0);
    const double LO = REGIA_ETS_LO_SMOOTH, HI = REGIA_ETS_HI_SMOOTH;
    double alpha = LO + 0.2 * (HI - LO) / m;
    x[p->ia] = alpha;
    if (p->ib >= 0) x[p->ib] = LO + 0.1 * (fmin(HI, alpha) - LO);
    if (p->ig >= 0) x[p->ig] = LO + 0.05 * (fmin(HI, 1 - alpha) - LO);
    if (p->ip >= 0) x[p->ip] = REGIA_ETS_LO_PHI + 0.99 * (REGIA_ETS_HI_PHI - REGIA_ETS_LO_PHI);
    x[p->il] = l0;
    if (p->itr >= 0) x[p->itr] = b0;
    if (p->opt_seasons) {
        /* R's s0 .. s(m-2): the seasons of time indices m-1 .. 1, floored at 0.01 and
         * rescaled when multiplicative; the season of index 0 follows from them */
        double sum = 0;
        for (int k = 0; k < p->m - 1; k++) {
            double s = p->s_init[(p->m - 1 - k) * rs];
            if (p->season == REGIA_ETS_MULT && s < 0.01) s = 0.01;
            x[p->is + k] = s;
            sum += s;
        }
        if (p->season == REGIA_ETS_MULT && sum > p->m) {
            double den = 0;
            for (int k = 0; k < p->m - 1; k++) den += x[p->is + k] + 0.01;
            for (int k = 0; k < p->m - 1; k++) x[p->is + k] /= den;
        }
    }
}

/* Fit candidate p (one evaluation at a time); par receives the optimum.  Returns lik. */
REGIA_HD static inline double regia_ets_fit_candidate(regia_ets_problem_t *p, double *par)
{
    regia_ets_nm_t nm;
    double x[REGIA_ETS_MAX_NPAR];
    regia_ets_start_point(p, x);
    regia_ets_nm_start(&nm, p->ws, x, p->npar);
    while (regia_ets_nm_feed(&nm, regia_ets_objective(p, nm.b, NULL, NULL))) {
    }
    for (int k = 0; k < p->npar; k++) par[k] = nm.b[k];
    return nm.fmin;
}

/* ---- forecasts ---------------------------------------------------------------------- */

/* Final state in "order of use" layout (ets.h) from a fitted problem. */
REGIA_HD static inline void regia_ets_final_state(regia_ets_problem_t *p, const double *par, double *st, double *sse)
{
    const int64_t rs = REGIA_ETS_RS(p->ws);
    double fin[3] = {0, 0, 0};
    regia_ets_objective(p, par, sse, fin);
    st[0] = fin[0];
    st[1] = p->trend ? fin[1] : 0.0;
    if (p->season) {
        int pos = (int)fin[2];
        for (int j = 0; j < p->m; j++) st[2 + j] = p->ring[((pos + j) % p->m) * rs];
    }
}

REGIA_HD static inline void regia_ets_point_forecast(const regia_ets_problem_t *p, const double *par,
                                                     const double *st, int h, double *f)
{
    double phi = p->ip >= 0 ? par[p->ip] : 1.0, phistar = phi;
    for (int i = 0; i < h; i++) {
        double v;
        if (p->trend == REGIA_ETS_NONE) v = st[0];
        else if (p->trend == REGIA_ETS_ADD) v = st[0] + (p->damped ? phistar : i + 1) * st[1];
        else v = st[0] * pow(st[1], p->damped ? phistar : (double)(i + 1));
        if (p->season == REGIA_ETS_ADD) v += st[2 + i % p->m];
        else if (p->season == REGIA_ETS_MULT) v *= st[2 + i % p->m];
        f[i] = v;
        phistar += pow(phi, (double)(i + 2));
    }
}

/* ---- forecast variances --------------------------------------------------------------
 *
 * Which formula a model gets follows R's forecast.ets (forecast 8.20) and the classes of
 * Hyndman et al. (2008, ch. 6): class 1 (additive error, trend N/A/Ad, season N/A),
 * class 2 (multiplicative error, trend N/A/Ad, season N/A) and class 3 (multiplicative
 * error and season, trend N/A/Ad) have closed forms; the rest (multiplicative trend, or
 * additive error with a multiplicative season: classes 4 and 5) is simulated.  Every
 * method runs over the whole horizon; none has a horizon-sized workspace. */
enum { REGIA_ETS_VAR_CLASS1 = 1, REGIA_ETS_VAR_CLASS2, REGIA_ETS_VAR_CLASS3, REGIA_ETS_VAR_SIMULATED };

REGIA_HD static inline int regia_ets_var_class(int error, int trend, int season)
{
    if (trend == REGIA_ETS_MULT) return REGIA_ETS_VAR_SIMULATED;
    if (error == REGIA_ETS_ADD) return season == REGIA_ETS_MULT ? REGIA_ETS_VAR_SIMULATED : REGIA_ETS_VAR_CLASS1;
    return season == REGIA_ETS_MULT ? REGIA_ETS_VAR_CLASS3 : REGIA_ETS_VAR_CLASS2;
}

/* Class 1: v_h = sigma2 (1 + sum_{j<h} c_j^2), c_j = alpha + beta phi_j + gamma [j mod m == 0],
 * phi_j = phi + ... + phi^j (Table 6.1; R's class1).  c_j is formed as the sum runs. */
REGIA_HD static inline void regia_ets_var_class1(const regia_ets_problem_t *p, const double *par, double sigma2,
                                                 int h, double *var)
{
    double alpha = par[p->ia], beta = p->ib >= 0 ? par[p->ib] : 0, gamma = p->ig >= 0 ? par[p->ig] : 0;
    double phi = p->ip >= 0 ? par[p->ip] : 1.0, phij = 0, pw = 1, acc = 1.0;
    var[0] = sigma2 * acc;
    for (int j = 1; j < h; j++) {
        pw *= phi;
        phij += pw;
        double c = alpha + beta * phij + ((p->season && j % p->m == 0) ? gamma : 0);
        acc += c * c;
        var[j] = sigma2 * acc;
    }
}

/* Class 2 (R's class2): v_h = (1 + sigma2) theta_h - mu_h^2 with
 * theta_h = mu_h^2 + sigma2 sum_{j<h} c_j^2 theta_{h-j}, mu_h the point forecast.
 * The convolution costs O(h^2); the same theta_h is E[w_h^2] for w_h = l + phi b + s of
 * the state before step h, so here the covariance S of the state (level, trend, the m
 * seasonal slots) is carried instead.  The state moves by x' = A x + g u, A adding
 * phi b to the level and damping the trend, g = (alpha, beta, gamma at the current slot),
 * u = w e with E[u^2] = sigma2 theta_h; so S' = A S A' + sigma2 theta_h g g'.  S between
 * two different seasonal slots stays 0; a slot's covariances with level and trend change
 * only through A between two of its uses, m steps apart, so they are brought up to date
 * when the slot comes round (A^(m-1) in closed form).  O(1) per step, 3m doubles of aux. */
REGIA_HD static inline void regia_ets_var_class2(regia_ets_problem_t *p, const double *par, double sigma2, int h,
                                                 const double *mean, double *var)
{
    const int64_t rs = REGIA_ETS_RS(p->ws);
    const int tr = p->trend != REGIA_ETS_NONE, se = p->season != REGIA_ETS_NONE, m = se ? p->m : 1;
    const double alpha = par[p->ia], beta = tr ? par[p->ib] : 0, gamma = se ? par[p->ig] : 0;
    const double phi = tr ? (p->ip >= 0 ? par[p->ip] : 1.0) : 0.0, phi2 = phi * phi;
    double pk = 1, sk = 0; /* phi^(m-1) and phi + ... + phi^(m-1) */
    for (int k = 1; k < m; k++) { pk *= phi; sk += pk; }
    double *L = p->ws->aux, *B = L + (int64_t)m * rs, *D = B + (int64_t)m * rs;
    for (int j = 0; j < m; j++) L[j * rs] = B[j * rs] = D[j * rs] = 0;
    double sll = 0, slb = 0, sbb = 0; /* level and trend block of S */
    for (int i = 0, c = 0; i < h; i++) {
        double lc = 0, bc = 0, dc = 0; /* slot c with level, with trend, with itself */
        if (se) {
            bc = B[c * rs];
            lc = L[c * rs] + sk * bc;
            bc *= pk;
            dc = D[c * rs];
        }
        const double vw = sll + 2 * phi * slb + phi2 * sbb + dc + 2 * lc + 2 * phi * bc; /* Var w_h */
        const double mu2 = mean[i] * mean[i];
        var[i] = sigma2 * mu2 + (1 + sigma2) * vw; /* = (1 + sigma2) theta_h - mu_h^2 */
        const double u = sigma2 * (mu2 + vw);
        const double nll = sll + 2 * phi * slb + phi2 * sbb + u * alpha * alpha;
        const double nlb = phi * slb + phi2 * sbb + u * alpha * beta;
        sbb = phi2 * sbb + u * beta * beta;
        sll = nll;
        slb = nlb;
        if (se) {
            L[c * rs] = lc + phi * bc + u * alpha * gamma;
            B[c * rs] = phi * bc + u * beta * gamma;
            D[c * rs] = dc + u * gamma * gamma;
            if (++c == m) c = 0;
        }
    }
}

/* One step of the class 3 moments of z = x S for one seasonal slot: x = (level, trend),
 * S the slot's seasonal term; a = E z (2), C = Cov z (ll, lb, bb).  With e ~ N(0, sigma2)
 * the step is x' = (F + g H e) x, F = [1 phi; 0 phi], H = (1, phi), g = (alpha, beta), and
 * S' = S (1 + gm e) where gm = gamma when the step uses this slot, else 0 (R's class3,
 * written out for the 2 x 2 case; Gaussian moments E e^3 = 0, E e^4 = 3 sigma2^2). */
REGIA_HD static inline void regia_ets_c3_step(double phi, double alpha, double beta, double s2, double gm, double *a,
                                              double *cv)
{
    const double wa = a[0] + phi * a[1];                           /* H a           */
    const double fl = wa, fb = phi * a[1];                           /* F a           */
    const double wc = cv[0] + 2 * phi * cv[1] + phi * phi * cv[2]; /* H C H'        */
    const double vb = cv[1] + phi * cv[2];                           /* (C H')_trend  */
    const double gs = gm * s2, c2 = 1 + gm * gs, c4 = s2 + 3 * gs * gs, c4m = s2 + 2 * gs * gs;
    const double g2 = gm * gs; /* gm^2 sigma2 */
    const double ql = c4 * wc + c4m * wa * wa;
    a[0] = fl + gs * wa * alpha;
    a[1] = fb + gs * wa * beta;
    cv[0] = c2 * wc + g2 * fl * fl + 4 * gs * alpha * wc + 2 * gs * wa * fl * alpha + alpha * alpha * ql;
    cv[1] = c2 * phi * vb + g2 * fl * fb + 2 * gs * (wc * beta + alpha * phi * vb) +
            gs * wa * (fl * beta + alpha * fb) + alpha * beta * ql;
    cv[2] = c2 * phi * phi * cv[2] + g2 * fb * fb + 4 * gs * beta * phi * vb + 2 * gs * wa * fb * beta + beta * beta * ql;
}

/* The m - 1 steps between two uses of a slot (gm = 0), as linear maps: a -> P a and
 * C -> M C + R (a_l^2, a_l a_b, a_b^2).  Without gm the step is linear in (C, a a'):
 * C' = F C F' + sigma2 H (C + a a') H' g g', a a' -> F a a' F'. */
REGIA_HD static inline void regia_ets_c3_gap(double phi, double alpha, double beta, double s2, int k, double P[4],
                                             double M[9], double R[9])
{
    for (int col = 0; col < 6; col++) {
        double cv[3] = {0, 0, 0}, E[3] = {0, 0, 0};
        if (col < 3) cv[col] = 1; else E[col - 3] = 1;
        for (int t = 0; t < k; t++) {
            const double wc = cv[0] + 2 * phi * cv[1] + phi * phi * cv[2], vb = cv[1] + phi * cv[2];
            const double we = E[0] + 2 * phi * E[1] + phi * phi * E[2], vbe = E[1] + phi * E[2];
            const double q = s2 * (wc + we);
            cv[0] = wc + q * alpha * alpha;
            cv[1] = phi * vb + q * alpha * beta;
            cv[2] = phi * phi * cv[2] + q * beta * beta;
            E[0] = we;
            E[1] = phi * vbe;
            E[2] = phi * phi * E[2];
        }
        double *dst = col < 3 ? M : R;
        for (int r = 0; r < 3; r++) dst[r * 3 + col % 3] = cv[r];
    }
    double pk = 1, sk = 0;
    for (int t = 0; t < k; t++) { pk *= phi; sk += pk; }
    P[0] = 1; P[1] = sk; P[2] = 0; P[3] = pk;
}

/* Class 3 (R's class3): y_h = w_h S (1 + e_h) with w_h = l + phi b and S the slot of step h,
 * so v_h = (1 + sigma2) Var(w_h S) + sigma2 E[w_h S]^2 (R's formula), from the moments of
 * z = x S of that slot.  R carries the 2m x 2m covariance of all slots at once (Kronecker
 * form, O(m^3) a step); the slots never mix, so here each slot's 5 moments are carried on
 * their own and advanced only when the slot comes round: one step that uses it, then the
 * m - 1 steps between (regia_ets_c3_gap, computed once).  O(1) per step, 5m doubles of
 * aux.  As R, the forecast mean of class 3 is E[y_h] = E[w_h S], which exceeds the
 * recursion's forecast (errors set to 0) from step m + 1 on, by a factor of about
 * 1 + sigma2 alpha gamma per season; mean[] gets it.  The damped trend enters as in
 * regia's recursion (w = l + phi b); R 8.20's class3 uses l + b there (so its forecasts
 * and intervals of M,Ad,M models differ from regia's by that). */
REGIA_HD static inline void regia_ets_var_class3(regia_ets_problem_t *p, const double *par, const double *st,
                                                 double sigma2, int h, double *mean, double *var)
{
    const int64_t rs = REGIA_ETS_RS(p->ws);
    const int tr = p->trend != REGIA_ETS_NONE, m = p->m;
    const double alpha = par[p->ia], beta = tr ? par[p->ib] : 0, gamma = par[p->ig];
    const double phi = tr ? (p->ip >= 0 ? par[p->ip] : 1.0) : 0.0;
    double *Z[5];
    for (int k = 0; k < 5; k++) Z[k] = p->ws->aux + (int64_t)k * m * rs;
    /* each slot at its first use: j steps that do not use it, from (x0 S_j, 0) */
    double a[2] = {st[0], tr ? st[1] : 0}, cv[3] = {0, 0, 0};
    const int first = h < m ? h : m;
    for (int j = 0; j < first; j++) {
        const double s = st[2 + j];
        Z[0][j * rs] = s * a[0];
        Z[1][j * rs] = s * a[1];
        Z[2][j * rs] = s * s * cv[0];
        Z[3][j * rs] = s * s * cv[1];
        Z[4][j * rs] = s * s * cv[2];
        regia_ets_c3_step(phi, alpha, beta, sigma2, 0.0, a, cv);
    }
    double P[4] = {1, 0, 0, 1}, M[9] = {0}, R[9] = {0};
    if (h > m) regia_ets_c3_gap(phi, alpha, beta, sigma2, m - 1, P, M, R);
    for (int i = 0, c = 0; i < h; i++) {
        double za[2] = {Z[0][c * rs], Z[1][c * rs]}, zc[3] = {Z[2][c * rs], Z[3][c * rs], Z[4][c * rs]};
        const double wa = za[0] + phi * za[1], wc = zc[0] + 2 * phi * zc[1] + phi * phi * zc[2];
        mean[i] = wa; /* E[y_h]: the recursion's forecast up to step m, then above it */
        var[i] = (1 + sigma2) * wc + sigma2 * wa * wa;
        if (i + m < h) {
            regia_ets_c3_step(phi, alpha, beta, sigma2, gamma, za, zc);
            const double e[3] = {za[0] * za[0], za[0] * za[1], za[1] * za[1]};
            for (int r = 0; r < 3; r++)
                Z[2 + r][c * rs] = M[r * 3] * zc[0] + M[r * 3 + 1] * zc[1] + M[r * 3 + 2] * zc[2] +
                                   R[r * 3] * e[0] + R[r * 3 + 1] * e[1] + R[r * 3 + 2] * e[2];
            Z[0][c * rs] = P[0] * za[0] + P[1] * za[1];
            Z[1][c * rs] = P[3] * za[1];
        }
        if (++c == m) c = 0;
    }
}

/* Classes 4 and 5, by simulation: REGIA_ETS_SIM_PATHS sample paths of the model from the
 * final state over all h steps (normal errors from a Philox stream keyed by a hash of the
 * state, counter (path, step / 4): the same draws at every horizon and on every backend).
 * The sums of the paths accumulate in sum[] and var[] (the caller's mean and variance
 * outputs), so the workspace does not grow with h.  A step where a path is not finite
 * gets a NaN variance (overflow of the squares alone: +inf), never 0. */
REGIA_HD static inline void regia_ets_simulate_var(regia_ets_problem_t *p, const double *par, const double *st,
                                                   double sigma2, int h, double *sum, double *var)
{
    const int64_t rs = REGIA_ETS_RS(p->ws);
    double alpha = par[p->ia], beta = p->ib >= 0 ? par[p->ib] : 0, gamma = p->ig >= 0 ? par[p->ig] : 0;
    double phi = p->ip >= 0 ? par[p->ip] : 1.0, sigma = sqrt(sigma2);
    double *sum2 = var;
    for (int i = 0; i < h; i++) { sum[i] = 0; sum2[i] = 0; }
    /* key: a hash of the fitted state, so the same series gives the same draws anywhere */
    uint64_t key = 1469598103934665603ull;
    for (int j = 0; j < 2 + (p->season ? p->m : 0); j++) {
        uint64_t bits;
        memcpy(&bits, &st[j], sizeof bits);
        key = (key ^ bits) * 1099511628211ull;
    }
    double *ring = p->ring;
    for (int path = 0; path < REGIA_ETS_SIM_PATHS; path++) {
        double l = st[0], b = st[1], z[4] = {0, 0, 0, 0};
        for (int j = 0; j < (p->season ? p->m : 0); j++) ring[j * rs] = st[2 + j];
        int pos = 0;
        for (int i = 0; i < h; i++) {
            if (i % 4 == 0) regia_rng_normal4(0x7e6a5eedull, key, (uint32_t)path, (uint32_t)(i / 4), z);
            double dummy = 0, *s = p->season ? &ring[pos * rs] : &dummy, q, phib;
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
        double mu = sum[i] / REGIA_ETS_SIM_PATHS, m2 = sum2[i] / REGIA_ETS_SIM_PATHS;
        var[i] = isfinite(m2) && isfinite(mu) ? fmax(m2 - mu * mu, 0.0) : (isnan(m2) || isnan(mu) ? NAN : INFINITY);
    }
}

/* Variances var[0 .. h-1] of the forecasts of a fitted model from its final state st, for
 * every h >= 1.  mean[] must hold the point forecasts (regia_ets_point_forecast); class 3
 * replaces them with the forecast means E[y_h] (as R's forecast.ets), the simulated
 * classes use mean[] as scratch and write the point forecasts back. */
REGIA_HD static inline void regia_ets_forecast_var(regia_ets_problem_t *p, const double *par, const double *st,
                                                   double sigma2, int h, double *mean, double *var)
{
    switch (regia_ets_var_class(p->error, p->trend, p->season)) {
    case REGIA_ETS_VAR_CLASS1: regia_ets_var_class1(p, par, sigma2, h, var); break;
    case REGIA_ETS_VAR_CLASS2: regia_ets_var_class2(p, par, sigma2, h, mean, var); break;
    case REGIA_ETS_VAR_CLASS3: regia_ets_var_class3(p, par, st, sigma2, h, mean, var); break;
    default:
        regia_ets_simulate_var(p, par, st, sigma2, h, mean, var);
        regia_ets_point_forecast(p, par, st, h, mean);
        break;
    }
}

/* Inverse of the standard normal CDF (Acklam's rational approximation, refined). */
REGIA_HD static inline double regia_ets_qnorm(double pr)
{
    const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                        6.680131188771972e+01, -1.328068155288572e+01};
    const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
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
    const double pi = 3.14159265358979323846;
    double e = 0.5 * erfc(-x / sqrt(2.0)) - pr;
    double u = e * sqrt(2 * pi) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/* ---- one series ----------------------------------------------------------------------- */

REGIA_HD static inline int regia_ets_allowed_comp(char want, int comp)
{
    return want == 'Z' || want == "NAM"[comp];
}

/* Parameters counted by R (smoothing, initial states, sigma) and the resulting AICc. */
REGIA_HD static inline int regia_ets_n_params(const regia_ets_problem_t *p, int m)
{
    return p->npar + 1 + ((p->season && !p->opt_seasons) ? m - 1 : 0);
}

REGIA_HD static inline double regia_ets_aicc_of(const regia_ets_problem_t *p, double lik, int m)
{
    int k = regia_ets_n_params(p, m);
    double aic = lik + 2.0 * k;
    return (p->n_obs - k - 1 > 0) ? aic + 2.0 * k * (k + 1) / (p->n_obs - k - 1) : INFINITY;
}

/* Most candidates one series can have: error x trend x season x damping. */
#define REGIA_ETS_MAX_CAND 30

/* What one series allows: observations, positivity, and the candidate models in R's
 * order (error A, M; trend N, A, M; season N, A, M; undamped, damped), the order in
 * which ties in AICc are broken.  Returns the number of candidates (0: too few data). */
REGIA_HD static inline int regia_ets_candidates(const regia_ets_spec_t *sp, const double *y, int64_t rs, int n,
                                                int *n_obs_out, regia_ets_model_t *cand)
{
    int n_obs = 0, positive = 1;
    for (int t = 0; t < n; t++) {
        double v = y[t * rs];
        if (isnan(v)) continue;
        n_obs++;
        if (v <= 0) positive = 0;
    }
    *n_obs_out = n_obs;
    if (n_obs < 4) return 0;
    const int m = sp->period;
    const int seasonal_possible = m > 1 && n > m && m <= REGIA_ETS_MAX_PERIOD;
    int nc = 0;
    for (int e = 1; e <= 2; e++) {
        if (!regia_ets_allowed_comp(sp->error, e) || (e == REGIA_ETS_MULT && !positive)) continue;
        for (int tr = 0; tr <= 2; tr++) {
            if (!regia_ets_allowed_comp(sp->trend, tr)) continue;
            if (tr == REGIA_ETS_MULT && (!sp->allow_multiplicative_trend || !positive)) continue;
            for (int se = 0; se <= 2; se++) {
                if (!regia_ets_allowed_comp(sp->season, se)) continue;
                if (se && !seasonal_possible) continue;
                if (se == REGIA_ETS_MULT && !positive) continue;
                if (sp->restrict_models && e == REGIA_ETS_ADD && (tr == REGIA_ETS_MULT || se == REGIA_ETS_MULT)) continue;
                if (sp->additive_only && (e == REGIA_ETS_MULT || tr == REGIA_ETS_MULT || se == REGIA_ETS_MULT)) continue;
                for (int dm = 0; dm <= 1; dm++) {
                    if (dm && !tr) continue;
                    if (tr && sp->damped >= 0 && dm != sp->damped) continue;
                    int npars = 2 + (tr ? 2 : 0) + (se ? m : 0) + dm;
                    if (n_obs <= npars + 4) continue;
                    cand[nc].error = (int8_t)e;
                    cand[nc].trend = (int8_t)tr;
                    cand[nc].season = (int8_t)se;
                    cand[nc].damped = (int8_t)dm;
                    nc++;
                }
            }
        }
    }
    return nc;
}

/* Problem for candidate model c of series y (not yet laid out: regia_ets_start_point). */
REGIA_HD static inline void regia_ets_problem_init(regia_ets_problem_t *q, const double *y, int n, int n_obs, int m,
                                                   regia_ets_model_t c, regia_ets_ws_t *ws)
{
    q->y = y; q->n = n; q->n_obs = n_obs; q->m = m;
    q->error = c.error; q->trend = c.trend; q->season = c.season; q->damped = c.damped;
    q->s_init = ws->fig; q->ring = ws->ring; q->ws = ws;
}

/* Outputs of a series: NaN everywhere, fit->ok = 0. */
REGIA_HD static inline void regia_ets_clear_out(regia_ets_fit_t *fit, int n_obs, double *mean, double *var,
                                                double *lo, double *up, double *st, int h, int nl, int state_stride)
{
    memset(fit, 0, sizeof *fit);
    for (int i = 0; i < h; i++) mean[i] = var[i] = NAN;
    for (int i = 0; i < nl * h; i++) lo[i] = up[i] = NAN;
    for (int i = 0; i < state_stride; i++) st[i] = NAN;
    fit->alpha = fit->beta = fit->gamma = fit->phi = fit->l0 = fit->b0 = NAN;
    fit->sigma2 = fit->loglik = fit->aic = fit->aicc = fit->bic = fit->mse = NAN;
    fit->n_obs = n_obs;
}

/* One-step-ahead in-sample fits of candidate p (laid out, seasonal figure in use) with the
 * parameters and initial states par: fv[t] = the forecast of y[t] from the data before t
 * (when fv is not NULL; element t at fv[t], host layout).  Missing values are propagated
 * with their forecast.  Returns the sum of squared one-step errors on the data scale. */
REGIA_HD static inline double regia_ets_one_step_fits(regia_ets_problem_t *p, const double *par, double *fv)
{
    const int64_t rs = REGIA_ETS_RS(p->ws);
    const double *y = p->y;
    double l, b, dummy = 0, acc = 0;
    regia_ets_load_states(p, par, &l, &b);
    int pos = 0, mm = p->season ? p->m : 1;
    double alpha = par[p->ia], beta = p->ib >= 0 ? par[p->ib] : 0, gamma = p->ig >= 0 ? par[p->ig] : 0;
    double phi = p->ip >= 0 ? par[p->ip] : 1.0;
    for (int t = 0; t < p->n; t++) {
        double *sc = p->season ? &p->ring[pos * rs] : &dummy, q, phib;
        double f = regia_ets_onestep(p->trend, p->season, phi, l, b, *sc, &q, &phib);
        if (fv) fv[t] = f;
        double yt = isnan(y[t * rs]) ? f : y[t * rs];
        acc += (yt - f) * (yt - f);
        regia_ets_update(p->trend, p->season, alpha, beta, gamma, q, phib, yt, &l, &b, sc);
        if (++pos == mm) pos = 0;
    }
    return acc;
}

/* Outputs of the chosen candidate p (laid out, with its fitted par and lik): the fit
 * record, final state, point forecasts, variances and intervals. */
REGIA_HD static inline void regia_ets_finish(regia_ets_problem_t *p, const double *best_par, double best_lik,
                                             int h, int nl, const double *levels, regia_ets_fit_t *fit,
                                             double *mean, double *var, double *lo, double *up, double *st)
{
    const int m = p->m, n_obs = p->n_obs;
    if (p->season) regia_ets_use_figure(p); /* s_init of the season type (m > 24) */
    double sse = 0;
    regia_ets_final_state(p, best_par, st, &sse);
    int k = regia_ets_n_params(p, m);
    fit->ok = 1;
    fit->model.error = (int8_t)p->error;
    fit->model.trend = (int8_t)p->trend;
    fit->model.season = (int8_t)p->season;
    fit->model.damped = (int8_t)p->damped;
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
    fit->aicc = regia_ets_aicc_of(p, best_lik, m);
    fit->bic = fit->aic + k * (regia_ets_log((double)n_obs) - 2.0);
    /* mse of the one-step errors on the data scale */
    fit->mse = regia_ets_one_step_fits(p, best_par, NULL) / n_obs;
    regia_ets_point_forecast(p, best_par, st, h, mean);
    regia_ets_forecast_var(p, best_par, st, fit->sigma2, h, mean, var);
    for (int li = 0; li < nl; li++) {
        double z = regia_ets_qnorm(0.5 + levels[li] / 200.0);
        for (int i = 0; i < h; i++) {
            double sd = sqrt(var[i]);
            lo[li * h + i] = mean[i] - z * sd;
            up[li * h + i] = mean[i] + z * sd;
        }
    }
}

/* Fit, select and forecast one series: y[t * rs] for t < n (rs: REGIA_ETS_RS(ws)); the
 * outputs are the series' own slices of regia_ets_out_t (contiguous): fit, mean[h],
 * var[h], lo/up[nl * h] ([level][h]), st[state_stride].  ws must be initialised with
 * regia_ets_ws_init for (spec->period, h).  Every candidate is fitted as R fits it and
 * the lowest AICc wins (the first in R's order on ties).  The CPU backend runs the same
 * steps with the candidates of many series fitted side by side (kernels/cpu/ets.c). */
REGIA_HD static inline void regia_ets_fit_one(const regia_ets_spec_t *sp, const double *y, int n, int h, int nl,
                                              const double *levels, regia_ets_ws_t *ws, regia_ets_fit_t *fit,
                                              double *mean, double *var, double *lo, double *up, double *st,
                                              int state_stride)
{
    const int64_t rs = REGIA_ETS_RS(ws);
    regia_ets_model_t cand[REGIA_ETS_MAX_CAND];
    int n_obs;
    ws->fig_done = 0;
    const int nc = regia_ets_candidates(sp, y, rs, n, &n_obs, cand);
    regia_ets_clear_out(fit, n_obs, mean, var, lo, up, st, h, nl, state_stride);
    regia_ets_problem_t q, best;
    double par[REGIA_ETS_MAX_NPAR], best_par[REGIA_ETS_MAX_NPAR], best_lik = INFINITY, best_ic = INFINITY;
    int found = 0;
    for (int c = 0; c < nc; c++) {
        regia_ets_problem_init(&q, y, n, n_obs, sp->period, cand[c], ws);
        double lik = regia_ets_fit_candidate(&q, par);
        if (!isfinite(lik)) continue;
        double ic = regia_ets_aicc_of(&q, lik, sp->period);
        if (!found || ic < best_ic) {
            found = 1;
            best = q;
            best_ic = ic;
            best_lik = lik;
            for (int k = 0; k < q.npar; k++) best_par[k] = par[k];
        }
    }
    if (!found) return;
    regia_ets_finish(&best, best_par, best_lik, h, nl, levels, fit, mean, var, lo, up, st);
}

#endif
