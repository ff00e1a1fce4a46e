/* regia/croston.h - intermittent-demand forecasts: the Croston family exactly as
 * statsforecast 2.1.1 defines them (src/ses.cpp, models.py), the Syntetos-Boylan
 * classification that chooses between them and the ETS kernels, and prediction
 * intervals from a stated stochastic model.  Kernel layer: no MPI, no I/O, host
 * pointers; batches are computed with OpenMP over series.
 *
 * Definitions (statsforecast 2.1.1):
 *   SES: fitted_0 = x_0, fitted_i = alpha x_{i-1} + (1 - alpha) fitted_{i-1}; forecast =
 *     the level after all data.  Optimised alpha: golden-section search on [0.1, 0.3] to
 *     |b - a| < 1e-12 minimising the in-sample squared one-step error.
 *   Demand sizes = the non-zero values; intervals = differences of their 1-based positions
 *     with 0 prepended.
 *   CLASSIC: alpha 0.1 on sizes and intervals, forecast z/p.  SBA = 0.95 x CLASSIC.
 *   OPTIMIZED: alpha optimised separately for sizes and intervals, no correction.
 *   TSB(alpha_d, alpha_p): p = SES of the 0/1 occurrence series, z = SES of the sizes,
 *     forecast p z.
 *   ADIDA: k = round(mean interval) (half to even), drop the first n mod k values, sum
 *     blocks of k, optimised SES, forecast / k.
 *   IMAPA: mean over k = 1..round(mean interval) of the ADIDA-style forecasts.
 * Example S = 0,0,3,0,0,1,0,0,0,4,0,2,0,0,5,0: CLASSIC 1.0181210298, SBA 0.9672149783,
 * TSB(0.2, 0.1) 0.8510292332, ADIDA 1.0150666667 (k = 3), IMAPA 1.0353415700.
 * A series with no non-zero value forecasts 0 (statsforecast's behaviour: the Croston
 * variants forecast the last value, TSB, ADIDA and IMAPA zeros); so does an empty series
 * (statsforecast fails on one).  IMAPA's sums and average use numpy's pairwise summation,
 * as statsforecast's numpy code does: results are the same doubles, not only close.
 */
#ifndef REGIA_CROSTON_H
#define REGIA_CROSTON_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    REGIA_IM_CLASSIC = 0,
    REGIA_IM_SBA,
    REGIA_IM_OPTIMIZED,
    REGIA_IM_TSB,
    REGIA_IM_ADIDA,
    REGIA_IM_IMAPA,
    REGIA_IM_N
} regia_im_method_t;

/* "classic", "sba", "optimized", "tsb", "adida", "imapa" (-1 when unknown). */
int regia_im_method_parse(const char *name);
const char *regia_im_method_name(int method);

/* Syntetos-Boylan-Croston (2005) demand classes from the average inter-demand interval
 * (ADI, the mean of the intervals above) and the squared coefficient of variation of the
 * non-zero sizes (CV^2, population variance / mean^2), cut-offs 1.32 and 0.49. */
typedef enum {
    REGIA_DEMAND_SMOOTH = 0,   /* ADI <  1.32, CV^2 <  0.49 */
    REGIA_DEMAND_ERRATIC,      /* ADI <  1.32, CV^2 >= 0.49 */
    REGIA_DEMAND_INTERMITTENT, /* ADI >= 1.32, CV^2 <  0.49 */
    REGIA_DEMAND_LUMPY,        /* ADI >= 1.32, CV^2 >= 0.49 */
    REGIA_DEMAND_ZERO          /* no non-zero value          */
} regia_demand_class_t;

const char *regia_demand_class_name(int cls);
/* ADI and CV^2 of one series (NaN when it has no non-zero value; CV^2 0 with one). */
int regia_demand_classify(const double *y, int32_t n, double *adi, double *cv2);

/* Batch: series-major as regia_ets_batch_t (value t of series s at y[s*stride + t]).
 * Contract: 0 <= len[s] <= stride, values finite and >= 0 (no missing values: demand
 * counts), horizon >= 1, levels in (0, 100). */
typedef struct {
    int32_t n_series;
    int32_t stride;
    const double *y;
    const int32_t *len;
    int32_t method;            /* regia_im_method_t                                     */
    double alpha_d, alpha_p;   /* TSB only (no defaults, as statsforecast)              */
    int32_t horizon;           /* forecast steps (the point forecast is flat)           */
    int32_t n_levels;
    const double *levels;      /* prediction-interval levels, percent (e.g. 80, 95)     */
} regia_croston_batch_t;

/* Outputs, allocated by the caller.  Intervals: the predictive distribution of one
 * step's demand under the stochastic model documented in docs/intermittent.md: the same
 * for every step of the horizon, so lower/upper are per level only.
 *   D = B * c * Z,  B ~ Bernoulli(p),  Z uniform over the series' observed non-zero
 *   values (each observation weight 1/count),  c = mean / (p * mean(Z)), so E[D] = mean.
 *   p: CLASSIC, SBA, OPTIMIZED 1 / (smoothed interval); TSB the smoothed occurrence;
 *   ADIDA, IMAPA the share of non-zero periods.  No demand (or mean 0): D = 0.
 * lower/upper: the (1-L)/2 and (1+L)/2 quantiles of D (smallest v with P(D <= v) >= q),
 * rounded down / up to integers >= 0, so P(lower <= D <= upper) >= L (discrete: often
 * more; an interval may be [0, 0] when 1 - p >= (1+L)/2, even with mean > 0).
 * lower[s*n_levels + l], upper[...].  var: Var D = c^2 p (E[Z^2] - p E[Z]^2), exact.
 * Computed, not simulated: deterministic.  On error the outputs are unspecified. */
typedef struct {
    double *mean;              /* n_series point forecasts                              */
    double *lower, *upper;     /* n_series * n_levels (may be NULL when n_levels == 0)  */
    double *adi, *cv2;         /* n_series (may be NULL)                                */
    int32_t *demand_class;     /* n_series regia_demand_class_t (may be NULL)           */
    double *var;               /* n_series predictive variance of D (may be NULL)       */
    double *prob;              /* n_series occurrence probability p of D (may be NULL)  */
} regia_croston_out_t;

/* threads <= 0: all (omp_get_max_threads()).  A bad value (negative, NaN, infinite)
 * fails with REGIA_ERR_INVALID naming the series and the position. */
regia_status_t regia_croston(const regia_croston_batch_t *in, regia_croston_out_t *out, int threads);

/* One series, no intervals (tests and benchmarks); NaN for an invalid request. */
double regia_croston1(const double *y, int32_t n, int method, double alpha_d, double alpha_p);

#ifdef __cplusplus
}
#endif
#endif
