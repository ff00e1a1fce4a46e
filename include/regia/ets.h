/* regia/ets.h - exponential smoothing (ETS) on batches of series.
 *
 * The model family of Hyndman et al. (2008) as R's forecast::ets offers it:
 *   error  A | M,  trend N | A | Ad | M | Md,  season N | A | M,
 * fitted by maximum likelihood (Nelder-Mead, bounds as R: alpha, beta, gamma in
 * [1e-4, 0.9999], phi in [0.8, 0.98], R's "usual" and "admissible" checks), and chosen
 * per series by AICc.  R's restrictions on unstable combinations apply unless lifted:
 * additive error with a multiplicative season or trend is not considered, and
 * multiplicative components are not considered when any observation is <= 0.
 * Seasonal periods up to REGIA_ETS_MAX_PERIOD (R stops at 24).
 *
 * Missing values (NaN) inside a series are handled in the state-space form: the
 * state is propagated with the one-step forecast and the step adds nothing to the
 * likelihood (R instead keeps the longest contiguous stretch, na.contiguous).
 *
 * All pointers in this header are host pointers.  Series are stored one after the other
 * (series-major): observation t of series s is y[s * stride + t].
 */
#ifndef REGIA_ETS_H
#define REGIA_ETS_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define REGIA_ETS_MAX_PERIOD 366
#define REGIA_ETS_MAX_LEVELS 8

typedef enum { REGIA_ETS_NONE = 0, REGIA_ETS_ADD = 1, REGIA_ETS_MULT = 2 } regia_ets_comp_t;

/* One ETS model: components and whether the trend is damped. */
typedef struct {
    int8_t error;  /* REGIA_ETS_ADD or REGIA_ETS_MULT  */
    int8_t trend;  /* NONE, ADD or MULT                */
    int8_t season; /* NONE, ADD or MULT                */
    int8_t damped; /* 0 or 1 (only with a trend)       */
} regia_ets_model_t;

/* Which candidate models to consider for each series. */
typedef struct {
    char error, trend, season;        /* 'A', 'M', 'N' or 'Z' (choose automatically)  */
    int damped;                       /* -1 try both, 0 undamped, 1 damped            */
    int allow_multiplicative_trend;   /* R's default: 0                               */
    int restrict_models;              /* R's restrict = TRUE: 1                       */
    int period;                       /* seasonal period m >= 1 (1: no season)        */
    int additive_only;                /* R's additive.only (forced by ets(lambda=)): 1
                                         leaves out every M component; default 0      */
} regia_ets_spec_t;

/* Fitted model of one series (the chosen one when the spec lets several compete). */
typedef struct {
    regia_ets_model_t model;
    int32_t ok;                 /* 1 fitted; 0 no model could be fitted (too few data)  */
    int32_t n_obs;              /* observations used (non-missing)                      */
    int32_t n_params;           /* k of AICc: smoothing + initial states + 1 (sigma)    */
    double alpha, beta, gamma, phi; /* NaN where the model has no such parameter        */
    double l0, b0;              /* initial level and trend (b0 NaN without trend)       */
    double sigma2;              /* innovation variance (residual SS / (n - k))          */
    double loglik, aic, aicc, bic, mse;
} regia_ets_fit_t;

/* Input batch.  Contract: 0 < len[s] <= stride; horizon >= 1; levels in (0, 100). */
typedef struct {
    int32_t n_series;
    int32_t stride;             /* distance between consecutive series in y            */
    const double *y;            /* n_series * stride values, NaN = missing             */
    const int32_t *len;         /* observations of each series (a prefix of its row)   */
    int32_t horizon;            /* forecast steps                                      */
    int32_t n_levels;           /* prediction-interval levels (0..REGIA_ETS_MAX_LEVELS) */
    const double *levels;       /* e.g. {80, 95} (percent)                             */
    regia_ets_spec_t spec;
} regia_ets_batch_t;

/* Output arrays, allocated by the caller.  state_stride must be >= 2 + spec.period.
 * mean: the point forecasts of R's forecast.ets: the state recursion with the errors at
 * 0, except for models with multiplicative error and season (class 3), whose forecast
 * is the mean E[y_h] (above the recursion's value from step m + 1 on).  var: the
 * forecast variances at every step 1 .. horizon, in closed form for additive-error
 * models and multiplicative-error models without a multiplicative trend (classes 1 to 3
 * of Hyndman et al. 2008, ch. 6), simulated (4000 paths) for the others; +inf where the
 * true value exceeds the largest double.  lower/upper = mean -/+ z * sqrt(var).
 * docs/methods.md ("Variances at every horizon") gives the methods and their cost.
 * state[s * state_stride + ...] = final level, final trend (0 when none), then the
 * m seasonal terms in order of use: season j applies to forecast step h with
 * (h - 1) % m == j.  A series whose fit failed (fit.ok == 0) gets NaN everywhere. */
typedef struct {
    regia_ets_fit_t *fit;       /* n_series                                            */
    double *mean;               /* n_series * horizon point forecasts                  */
    double *var;                /* n_series * horizon forecast variances               */
    double *lower, *upper;      /* n_series * n_levels * horizon, [s][level][h]        */
    double *state;              /* n_series * state_stride                             */
    int32_t state_stride;
} regia_ets_out_t;

/* Parse a model code: "auto" or "ZZZ", or three/four letters such as "ANN", "AAdA",
 * "MNM", "MAdM", "ZZN".  Damped trends are written "Ad"/"Md"; "Z" in the damped
 * position is not a thing: use "auto" damping through spec->damped = -1.
 * Fills error/trend/season/damped of *spec and leaves the rest untouched. */
regia_status_t regia_ets_parse_model(const char *code, regia_ets_spec_t *spec);

/* Default spec (R's ets() defaults) for seasonal period m. */
regia_ets_spec_t regia_ets_default_spec(int period);

/* Write the model's code ("MAdM", "ANN") into buf (at least 5 bytes). */
void regia_ets_model_code(regia_ets_model_t m, char buf[5]);

/* Host only, not collective, no global state.  One-step-ahead in-sample fits of the
 * fitted model `fit` (as regia_ets gave it for y[0 .. n), seasonal period `period`):
 * fitted[t] = the forecast of y[t] from y[0 .. t) with the fitted parameters and initial
 * states (missing y[t] are propagated with their forecast, as in the fit).  y and fitted
 * are the caller's (n doubles each).  The model is refitted on y to recover its initial
 * seasonal states, so a call costs one model fit; REGIA_ERR_NUMERIC if that refit does
 * not reproduce fit's parameters (y is not the data fit came from).  fit->ok == 0:
 * fitted is all NaN. */
regia_status_t regia_ets_fitted(int period, const double *y, int32_t n, const regia_ets_fit_t *fit, double *fitted);

#ifdef __cplusplus
}
#endif
#endif
