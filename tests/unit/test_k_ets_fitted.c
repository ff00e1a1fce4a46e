/* regia_ets_fitted: the one-step-ahead in-sample fits of the chosen model.  For ANN the
 * fits follow f[0] = l0, f[t+1] = f[t] + alpha (y[t] - f[t]) (checked independently);
 * for every model (seasonal with optimised and with decomposition initial states,
 * multiplicative, damped, missing values) the mean squared one-step error equals the
 * fit's mse; a fit record that is not of y is refused; a failed fit gives NaN. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "regia/kernels.h"

enum { N = 120 };

static void fit_one(regia_backend_t *be, const double *y, int n, int m, const char *model, regia_ets_fit_t *fit)
{
    regia_ets_spec_t sp = regia_ets_default_spec(m);
    CHECK_OK(regia_ets_parse_model(model, &sp));
    static double mean[4], var[4], lo[4], up[4], state[2 + 400];
    double lv = 90;
    regia_ets_batch_t in = {.n_series = 1, .stride = n, .y = y, .len = &n, .horizon = 4, .n_levels = 1,
                            .levels = &lv, .spec = sp};
    regia_ets_out_t out = {fit, mean, var, lo, up, state, 2 + 400};
    CHECK_OK(regia_ets(be, &in, &out));
}

int main(void)
{
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 1));
    static double y[400], fv[400];
    for (int t = 0; t < N; t++) y[t] = 20 + 3 * sin(t * 0.3) + 0.7 * sin(t * 12.9898);
    regia_ets_fit_t fit;
    fit_one(&be, y, N, 1, "ANN", &fit);
    CHECK(fit.ok);
    CHECK_OK(regia_ets_fitted(1, y, N, &fit, fv));
    double f = fit.l0, maxd = 0;
    for (int t = 0; t < N; t++) {
        maxd = fmax(maxd, fabs(fv[t] - f));
        f += fit.alpha * (y[t] - f);
    }
    CHECK_MSG(maxd < 1e-9, "ANN fits differ from f[t+1] = f[t] + alpha e[t] by %g", maxd);

    /* every kind of model: mean squared one-step error = the fit's mse */
    struct { const char *model; int m, n, missing, mult; } cs[] = {
        {"AAdN", 1, 100, 0, 0}, {"AAA", 7, 140, 0, 0}, {"MAM", 12, 96, 0, 1}, {"ANA", 30, 200, 0, 0},
        {"MNM", 7, 140, 1, 1}, {"auto", 7, 140, 0, 1},
    };
    for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
        int n = cs[c].n, m = cs[c].m;
        for (int t = 0; t < n; t++)
            y[t] = 50 + 0.2 * t + (cs[c].mult ? (1 + 0.01 * t) : 1) * 6 * sin(2 * 3.14159265 * t / m + 1) +
                   sin(t * 78.233);
        if (cs[c].missing) y[10] = y[33] = NAN;
        fit_one(&be, y, n, m, cs[c].model, &fit);
        CHECK_MSG(fit.ok, "%s m=%d not fitted", cs[c].model, m);
        CHECK_OK(regia_ets_fitted(m, y, n, &fit, fv));
        double acc = 0;
        int nobs = 0;
        for (int t = 0; t < n; t++) {
            double yt = isnan(y[t]) ? fv[t] : y[t];
            acc += (yt - fv[t]) * (yt - fv[t]);
            nobs += !isnan(y[t]);
        }
        CHECK_MSG(fabs(acc / nobs - fit.mse) <= 1e-12 * fit.mse, "%s m=%d: mse %.17g, fits give %.17g",
                  cs[c].model, m, fit.mse, acc / nobs);
        for (int t = 0; t < n; t++) CHECK_MSG(isfinite(fv[t]), "%s: fit %d not finite", cs[c].model, t);
    }
    /* a record of other data is refused */
    y[5] += 10;
    CHECK(regia_ets_fitted(7, y, 140, &fit, fv) == REGIA_ERR_NUMERIC);
    regia_error_clear();
    /* a failed fit: NaN */
    memset(&fit, 0, sizeof fit);
    CHECK_OK(regia_ets_fitted(7, y, 140, &fit, fv));
    CHECK(isnan(fv[0]) && isnan(fv[139]));
    regia_backend_close(&be);
    return check_done();
}
