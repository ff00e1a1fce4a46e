/* Prediction intervals and variance for the Croston family (docs/intermittent.md).
 *
 * Croston's method and its variants have no stochastic model, so regia states one: the
 * demand of one future step is D = B * scale * Z, with B ~ Bernoulli(prob) (prob: the
 * method's own occurrence estimate) and Z drawn with equal weights from the series'
 * observed non-zero sizes; scale = mean / (prob * mean(Z)) makes E[D] the method's point
 * forecast.  The distribution is discrete and known exactly, so its quantiles and
 * variance are computed, not simulated: deterministic, and cheap (one sort). */
#include <math.h>
#include <stdlib.h>

#include "croston_impl.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sort ascending: insertion sort for the few sizes a weekly series usually has (no
 * callback per comparison), qsort above. */
static void sort_sizes(double *z, int32_t n)
{
    if (n > 48) {
        qsort(z, (size_t)n, sizeof(double), cmp_double);
        return;
    }
    for (int32_t i = 1; i < n; i++) {
        double v = z[i];
        int32_t j = i;
        for (; j > 0 && z[j - 1] > v; j--) z[j] = z[j - 1];
        z[j] = v;
    }
}

/* Smallest value v of D with P(D <= v) >= q, for sorted sizes z[0..nz).  The cumulative
 * probabilities are compared with a relative slack of 1e-12, so that a q that equals
 * one of them mathematically (e.g. prob 0.5, q 0.5) takes the smaller value whatever
 * the rounding of either side.  P(D <= z_j) is increasing in j: bisection finds the
 * first j that qualifies. */
static double quantile(const double *z, int32_t nz, double prob, double scale, double q)
{
    const double slack = 1e-12;
    if (1.0 - prob >= q - slack) return 0.0;
    int32_t lo = 0, hi = nz - 1; /* the answer lies in [lo, hi]: j = nz - 1 has cdf 1 */
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        double cdf = (1.0 - prob) + prob * (double)(mid + 1) / (double)nz;
        if (cdf >= q - slack) hi = mid;
        else lo = mid + 1;
    }
    return scale * z[lo];
}

void regia_im_predictive(const double *y, int32_t n, const regia_im_fit_t *fit, int32_t n_levels,
                         const double *levels, double *ws, double *lower, double *upper, double *var)
{
    int32_t nz = 0;
    for (int32_t t = 0; t < n; t++)
        if (y[t] != 0.0) ws[nz++] = y[t];
    if (nz == 0 || fit->scale <= 0.0 || fit->prob <= 0.0) {
        /* a point mass at 0 */
        for (int32_t l = 0; l < n_levels; l++) lower[l] = upper[l] = 0.0;
        if (var) *var = 0.0;
        return;
    }
    double m1 = 0.0, m2 = 0.0;
    for (int32_t j = 0; j < nz; j++) {
        m1 += ws[j];
        m2 += ws[j] * ws[j];
    }
    m1 /= nz;
    m2 /= nz;
    /* Var D = p c^2 E[Z^2] - (p c E[Z])^2 = c^2 p (E[Z^2] - p E[Z]^2), >= 0 as written */
    if (var) {
        double v = fit->scale * fit->scale * fit->prob * (m2 - fit->prob * m1 * m1);
        *var = v > 0.0 ? v : 0.0;
    }
    if (n_levels <= 0) return;
    sort_sizes(ws, nz);
    for (int32_t l = 0; l < n_levels; l++) {
        double a = levels[l] / 100.0;
        double lo = quantile(ws, nz, fit->prob, fit->scale, (1.0 - a) / 2.0);
        double hi = quantile(ws, nz, fit->prob, fit->scale, (1.0 + a) / 2.0);
        /* demand is a count: widen to integers (coverage stays >= the level); the 1e-9
         * keeps a product that should be an integer from moving a whole unit */
        lower[l] = floor(lo + 1e-9);
        upper[l] = ceil(hi - 1e-9);
        if (lower[l] < 0.0) lower[l] = 0.0;
    }
}
