/* One-step-ahead in-sample fits of a fitted ETS model (see regia/ets.h).
 *
 * The fit record keeps the smoothing parameters and the initial level and trend, not the
 * m - 1 optimised initial seasonal states, so the chosen model is fitted again on the
 * same data: the same candidate, start point and Nelder-Mead search as the batch
 * (regia_ets_fit_candidate), which gives the same parameter vector bit for bit; that is
 * checked against the record.  The fits then come from the recursion the fit itself
 * runs (regia_ets_one_step_fits in ets_fit_impl.h). */
#include <math.h>
#include <stdlib.h>

#include "ets_fit_impl.h"
#include "regia/ets.h"

regia_status_t regia_ets_fitted(int period, const double *y, int32_t n, const regia_ets_fit_t *fit, double *fitted)
{
    regia_status_t st = REGIA_OK;
    double *mem = NULL;
    for (int32_t t = 0; t < n; t++) fitted[t] = NAN;
    if (!fit->ok || n < 1) return REGIA_OK;
    const int m = period < 1 ? 1 : period;
    if (m > REGIA_ETS_MAX_PERIOD) return REGIA_FAIL(REGIA_ERR_INVALID, "seasonal period %d above %d", m, REGIA_ETS_MAX_PERIOD);
    mem = malloc(sizeof(double) * (size_t)regia_ets_ws_doubles(m, 1));
    if (!mem) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (ETS workspace, period %d)", m);
    regia_ets_ws_t ws;
    regia_ets_ws_init(&ws, mem, 1, m, 1);
    ws.fig_done = 0;
    int n_obs = 0;
    for (int32_t t = 0; t < n; t++) n_obs += !isnan(y[t]);
    regia_ets_problem_t p;
    regia_ets_problem_init(&p, y, n, n_obs, m, fit->model, &ws);
    double par[REGIA_ETS_MAX_NPAR];
    double lik = regia_ets_fit_candidate(&p, par);
    /* the same search must land on the same parameters (NaN-aware: absent ones are NaN) */
    const double want[6] = {fit->alpha, fit->beta, fit->gamma, fit->phi, fit->l0, fit->b0};
    const int idx[6] = {p.ia, p.ib, p.ig, p.ip, p.il, p.itr};
    int same = isfinite(lik);
    for (int k = 0; k < 6 && same; k++)
        if (idx[k] >= 0 && !(par[idx[k]] == want[k])) same = 0;
    if (!same) {
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "internal error: refitting the chosen ETS model did not reproduce its "
                        "parameters (alpha %.17g vs %.17g)", isfinite(lik) ? par[p.ia] : NAN, fit->alpha);
        goto err;
    }
    if (p.season) regia_ets_use_figure(&p);
    regia_ets_one_step_fits(&p, par, fitted);
err:
    free(mem);
    return st;
}
