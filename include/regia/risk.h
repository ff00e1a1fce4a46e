/* regia/risk.h - exceedance probabilities and Monte Carlo annual-breach risk.
 * Host pointers throughout; see regia/kernels.h for the backend that runs them. */
#ifndef REGIA_RISK_H
#define REGIA_RISK_H

#include <stdint.h>

#include "regia/ets.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Probability that each forecast day exceeds its series' limit, from the forecast
 * mean and variance under the normal predictive distribution that the ETS intervals
 * use: p = 1 - Phi((limit - mean) / sqrt(var)).  NaN mean or variance gives NaN. */
typedef struct {
    int32_t n_series, horizon;
    const double *mean, *var;   /* n_series * horizon                                */
    const double *limit;        /* n_series                                          */
} regia_exceed_batch_t;

/* Probability that a series ends its calendar year with more exceedance days than
 * allowed: count_so_far + simulated future exceedances > allowed.  Future days are
 * simulated as sample paths of the fitted ETS model from its final state (innovations
 * N(0, sigma2), multiplied into the forecast for multiplicative error), with a
 * counter-based Philox stream keyed by (seed, key[s], path), so the result does not
 * depend on how series are spread over ranks or on the backend. */
typedef struct {
    int32_t n_series;
    const regia_ets_fit_t *fit;  /* n_series fitted models (fit.ok == 0: output NaN)  */
    const double *state;         /* final states, layout of regia_ets_out_t           */
    int32_t state_stride;
    int32_t period;              /* seasonal period the models were fitted with       */
    const uint64_t *key;         /* n_series stable global series ids                 */
    const int32_t *days_left;    /* days still to come in the year (0..366)           */
    const int32_t *count_so_far; /* exceedance days already observed this year        */
    const double *limit;         /* daily limit of each series                        */
    const int32_t *allowed;      /* allowed exceedance days per calendar year         */
    int32_t n_paths;             /* Monte Carlo sample paths (>= 1)                   */
    uint64_t seed;
    /* Optional run-length statistics on the same paths (run_days = 0: none): the run on
     * day d (0-based, d < run_days; the days may go past the end of the year) is the
     * number of days over the limit in a row ending on day d, continuing run_so_far[s],
     * the run observed up to the origin (0 when day d is not over the limit). */
    int32_t run_days;            /* days of run statistics (0..REGIA_BREACH_MAX_RUN_DAYS) */
    const int32_t *run_so_far;   /* n_series observed runs (>= 0); NULL when run_days = 0 */
    int32_t trigger_days;        /* the run length that triggers measures (>= 1)      */
} regia_breach_batch_t;

enum { REGIA_BREACH_MAX_RUN_DAYS = 366 };

typedef struct {
    double *p_breach;            /* n_series: P(total exceedances > allowed)          */
    double *expected_count;      /* n_series: E(total exceedances in the year)        */
    /* Only when run_days > 0 (NULL otherwise).  NaN for a series that cannot be
     * simulated (see p_breach). */
    double *run_median;          /* n_series x run_days: median over the paths of the run
                                    on day d (the mean of the two middle paths' runs
                                    for an even path count)                          */
    double *p_trigger;           /* n_series: share of paths whose run reaches
                                    trigger_days on some day d < run_days             */
} regia_breach_out_t;

#ifdef __cplusplus
}
#endif
#endif
