/* regia/boxcox.h - Box-Cox transforms around the ETS kernel, as R's forecast package
 * (8.20) applies them with ets(y, lambda = L) and forecast(..., biasadj = TRUE).
 *
 *   BoxCox(x, L)    = log(x)                     L == 0
 *                     (sign(x) |x|^L - 1) / L    otherwise (NaN for x < 0 when L < 0)
 *   InvBoxCox(z, L) = exp(z)                     L == 0
 *                     sign(u) |u|^(1/L), u = L z + 1 (NaN for z > -1/L when L < 0)
 *   bias-adjusted mean = InvBoxCox(z, L) * (1 + fvar (1 - L) / (2 InvBoxCox(z, L)^(2L)))
 *
 * where z is the point forecast on the transformed scale and fvar its forecast variance
 * (R's InvBoxCox derives fvar from the widest prediction interval: regia_boxcox_fvar).
 * L = 1 is the identity here (R subtracts 1 and adds it back: the same forecasts).
 * The lambda rule and what it does with zeros and negative values: docs/methods.md
 * ("Box-Cox transforms").  All functions: host pointers, no global state, thread-safe.
 */
#ifndef REGIA_BOXCOX_H
#define REGIA_BOXCOX_H

#include <stdint.h>

#include "regia/ets.h"
#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct regia_backend regia_backend_t;

/* How lambda is chosen for each series. */
typedef enum {
    REGIA_BOXCOX_NONE = 0,  /* no transform (lambda 1)                                     */
    REGIA_BOXCOX_AUTO = 1,  /* Guerrero's lambda in [0, 1] (regia_boxcox_choose)           */
    REGIA_BOXCOX_FIXED = 2  /* the given lambda (0: log)                                   */
} regia_boxcox_kind_t;

typedef struct {
    regia_boxcox_kind_t kind;
    double lambda;          /* REGIA_BOXCOX_FIXED                                           */
    int biasadj;            /* 1: point forecasts are the back-transformed means (R's
                               biasadj = TRUE); 0: the back-transformed medians            */
} regia_boxcox_rule_t;

/* Smallest lambda `auto` considers for a series with zeros (a zero maps to -1/lambda). */
#define REGIA_BOXCOX_ZERO_LOWER 0.5

/* Parse "none", "auto", "log" or "boxcox:L" (L a number in [-2, 2]) into *rule (biasadj
 * untouched).  REGIA_ERR_INVALID with a message naming the text otherwise. */
regia_status_t regia_boxcox_parse(const char *text, regia_boxcox_rule_t *rule);

/* Write the rule as text ("auto", "none", "log", "boxcox:0.3") into buf. */
void regia_boxcox_rule_text(const regia_boxcox_rule_t *rule, char *buf, int size);

/* The transforms of one value (definitions above; lambda == 1: x itself). */
double regia_boxcox(double x, double lambda);
double regia_boxcox_inv(double z, double lambda);

/* R's bias adjustment of a back-transformed point out = InvBoxCox(z) with variance fvar. */
double regia_boxcox_biasadj(double out, double lambda, double fvar);

/* fvar as R's InvBoxCox derives it from an interval [lo, up] of `level` percent:
 * ((up - lo) / qnorm((1 + level / 100) / 2) / 2)^2. */
double regia_boxcox_fvar(double lo, double up, double level);

/* Guerrero's (1993) coefficient-of-variation criterion as R's forecast:::guer.cv: the
 * last floor(n / p) * p values in blocks of p = round(max(2, period)), ratio of each
 * block's sd to its mean^(1 - lambda), criterion sd / mean of the ratios (NaN ignored). */
double regia_boxcox_guerrero_cv(double lambda, const double *y, int n, int period);

/* Guerrero's lambda: the minimum of the criterion on [lower, upper] by Brent's (1973)
 * method with R's optimize() tolerance (.Machine$double.eps^0.25), non-finite criteria
 * counting as the largest double, as R's optimize does. */
double regia_boxcox_guerrero(const double *y, int n, int period, double lower, double upper);

/* R's BoxCox.lambda(y, method = "guerrero", lower, upper): lower raised to 0 when some
 * value is <= 0; 1 when the series has at most 2 * period values. */
double regia_boxcox_lambda_r(const double *y, int n, int period, double lower, double upper);

/* The lambda of one series (n values, NaN missing) under `rule`:
 *   NONE: 1.  FIXED: rule->lambda, except 1 when lambda <= 0 and a value is <= 0 (the
 *   transform is undefined there; returns 1 to say the rule could not be applied).
 *   AUTO: 1 when a value is negative or at most 2 * period values are valid; Guerrero's
 *   lambda in [REGIA_BOXCOX_ZERO_LOWER, 1] when some value is 0; in [0, 1] otherwise.
 * Returns 0, or 1 when a FIXED rule fell back to lambda 1. */
int regia_boxcox_choose(const regia_boxcox_rule_t *rule, const double *y, int n, int period, double *lambda);

/* ETS on Box-Cox transformed series.  Not collective; in/out as regia_ets (host).
 * regia_ets_boxcox_fit: lambda[s] chosen for each series (regia_boxcox_choose, n_series
 * values written to lambda), the series transformed into a scratch copy, and regia_ets run
 * on it with R's additive.only when the rule is not NONE; out holds the results on the
 * transformed scale.  *n_fallback (may be NULL) counts series a FIXED rule fell back on.
 * regia_ets_boxcox_back: out's mean, lower and upper back to the data scale: bounds by
 * InvBoxCox, the mean too, bias-adjusted when rule->biasadj (fvar from the widest
 * interval, or var when there are no levels); series without negative values get nothing
 * below 0.  var stays on the transformed scale.  regia_ets_boxcox: both. */
regia_status_t regia_ets_boxcox_fit(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out,
                                    const regia_boxcox_rule_t *rule, double *lambda, int64_t *n_fallback);
void regia_ets_boxcox_back(const regia_ets_batch_t *in, regia_ets_out_t *out, const regia_boxcox_rule_t *rule,
                           const double *lambda);
regia_status_t regia_ets_boxcox(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out,
                                const regia_boxcox_rule_t *rule, double *lambda, int64_t *n_fallback);

#ifdef __cplusplus
}
#endif
#endif
