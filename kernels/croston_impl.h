/* croston_impl.h - internal interface between the Croston-family point forecasts
 * (kernels/croston.c) and their predictive distribution (kernels/croston_intervals.c).
 * Not part of the public API (contract: include/regia/croston.h). */
#ifndef REGIA_CROSTON_IMPL_H
#define REGIA_CROSTON_IMPL_H

#include <stdint.h>

/* What the predictive distribution of one step's demand needs from a fitted method:
 * demand D = B * scale * Z, B ~ Bernoulli(prob), Z drawn from the observed non-zero
 * sizes with equal weights (docs/intermittent.md).  scale makes E[D] = mean. */
typedef struct {
    double mean;     /* the method's point forecast (statsforecast's value)        */
    double prob;     /* occurrence probability of the predictive model, [0, 1]     */
    double scale;    /* multiplier of the observed sizes (0 when degenerate)       */
    int32_t n_nz;    /* number of non-zero values                                   */
} regia_im_fit_t;

/* Doubles of workspace regia_im_fit_one() needs for a series of length n. */
#define REGIA_IM_WS(n) (3 * (size_t)(n) + 1)

/* Fit one series with one method; ws holds REGIA_IM_WS(n) doubles.  Returns fit->mean.
 * Arguments are assumed valid (regia_croston checks them). */
double regia_im_fit_one(const double *y, int32_t n, int method, double alpha_d, double alpha_p, double *ws,
                        regia_im_fit_t *fit);

/* The predictive distribution of one fitted series: lower/upper[l] for each level
 * (percent), *var the variance (var may be NULL).  ws holds n doubles (the sorted sizes). */
void regia_im_predictive(const double *y, int32_t n, const regia_im_fit_t *fit, int32_t n_levels,
                         const double *levels, double *ws, double *lower, double *upper, double *var);

#endif
