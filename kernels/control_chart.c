/* EWMA and tabular CUSUM control charts (contract: include/regia/novelty.h).
 * EWMA: Roberts (1959), exact variance of z after i+1 points
 *   Var(z_i) = sigma^2 lambda/(2 - lambda) (1 - (1 - lambda)^(2(i+1)))
 * (Lucas & Saccucci 1990; Montgomery, Introduction to Statistical Quality Control, 9.2).
 * CUSUM: Page (1954), the tabular form on standardised values (Montgomery 9.1). */
#include <math.h>

#include "regia/novelty.h"

regia_status_t regia_ewma(const double *x, int64_t n, double mu0, double sigma, double lambda, double L,
                          int32_t upper_only, double *z, double *ucl, double *lcl, uint8_t *signal)
{
    if (!(lambda > 0 && lambda <= 1))
        return REGIA_FAIL(REGIA_ERR_INVALID, "EWMA: lambda = %g outside (0, 1]", lambda);
    if (!(L > 0) || isinf(L)) return REGIA_FAIL(REGIA_ERR_INVALID, "EWMA: L = %g must be > 0", L);
    if (!(sigma > 0) || isinf(sigma))
        return REGIA_FAIL(REGIA_ERR_INVALID, "EWMA: sigma = %g must be finite and > 0", sigma);
    if (!isfinite(mu0)) return REGIA_FAIL(REGIA_ERR_INVALID, "EWMA: in-control mean is not finite");
    if (n < 0 || (n > 0 && !x)) return REGIA_FAIL(REGIA_ERR_INVALID, "EWMA: no data (n = %lld)", (long long)n);
    double zc = mu0, decay = 1.0; /* decay = (1 - lambda)^(2 i) */
    const double r2 = (1.0 - lambda) * (1.0 - lambda), base = lambda / (2.0 - lambda);
    for (int64_t t = 0; t < n; t++) {
        if (!isfinite(x[t])) {
            if (z) z[t] = NAN;
            if (ucl) ucl[t] = NAN;
            if (lcl) lcl[t] = NAN;
            if (signal) signal[t] = 0;
            continue;
        }
        zc = lambda * x[t] + (1.0 - lambda) * zc;
        decay *= r2;
        double half = L * sigma * sqrt(base * (1.0 - decay));
        double u = mu0 + half, l = mu0 - half;
        if (z) z[t] = zc;
        if (ucl) ucl[t] = u;
        if (lcl) lcl[t] = l;
        if (signal) signal[t] = (uint8_t)(zc > u || (!upper_only && zc < l));
    }
    return REGIA_OK;
}

regia_status_t regia_cusum(const double *x, int64_t n, double mu0, double sigma, double k, double h,
                           int32_t upper_only, double *cplus, double *cminus, uint8_t *signal)
{
    if (!(k >= 0) || isinf(k)) return REGIA_FAIL(REGIA_ERR_INVALID, "CUSUM: k = %g must be >= 0", k);
    if (!(h > 0) || isinf(h)) return REGIA_FAIL(REGIA_ERR_INVALID, "CUSUM: h = %g must be > 0", h);
    if (!(sigma > 0) || isinf(sigma))
        return REGIA_FAIL(REGIA_ERR_INVALID, "CUSUM: sigma = %g must be finite and > 0", sigma);
    if (!isfinite(mu0)) return REGIA_FAIL(REGIA_ERR_INVALID, "CUSUM: in-control mean is not finite");
    if (n < 0 || (n > 0 && !x)) return REGIA_FAIL(REGIA_ERR_INVALID, "CUSUM: no data (n = %lld)", (long long)n);
    double cp = 0.0, cm = 0.0;
    for (int64_t t = 0; t < n; t++) {
        if (isfinite(x[t])) {
            double u = (x[t] - mu0) / sigma;
            cp = fmax(0.0, cp + u - k);
            cm = fmax(0.0, cm - u - k);
            if (signal) signal[t] = (uint8_t)(cp > h || (!upper_only && cm > h));
        } else if (signal) {
            signal[t] = 0;
        }
        if (cplus) cplus[t] = cp;
        if (cminus) cminus[t] = cm;
    }
    return REGIA_OK;
}
