/* risk_breach_impl.h - one Monte Carlo path of the annual-breach simulation (internal to
 * kernels/).  Host and device code share this function, so the CPU and CUDA backends
 * draw the same Philox numbers and run the same recursions (contract in regia/risk.h). */
#ifndef REGIA_RISK_BREACH_IMPL_H
#define REGIA_RISK_BREACH_IMPL_H

#include <math.h>

#include "ets_step_impl.h"
#include "regia/risk.h"
#include "regia/rng.h"

/* Can series s be simulated?  (Fitted, with a limit, a variance and days to simulate.) */
REGIA_HD static inline int regia_breach_usable(const regia_breach_batch_t *in, int s)
{
    const regia_ets_fit_t *fit = &in->fit[s];
    return fit->ok && !isnan(in->limit[s]) && in->days_left[s] >= 0 && fit->sigma2 >= 0;
}

/* Days above the limit on sample path `path` of series s, from its final state to the end
 * of the year.  ring: scratch for in->period doubles (the seasonal terms), term j at
 * ring[j * rs] (rs = 1 on the CPU; on the GPU the threads' rings are interleaved so that
 * neighbouring threads touch neighbouring addresses). */
REGIA_HD static inline int regia_breach_path(const regia_breach_batch_t *in, int s, int path, double *ring,
                                             int64_t rs)
{
    const regia_ets_fit_t *fit = &in->fit[s];
    const double *st = in->state + (size_t)s * in->state_stride;
    const int days = in->days_left[s], m = fit->model.season ? in->period : 1;
    const double lim = in->limit[s];
    const int trend = fit->model.trend, season = fit->model.season, mult = fit->model.error == REGIA_ETS_MULT;
    const double alpha = fit->alpha, beta = trend ? fit->beta : 0, gamma = season ? fit->gamma : 0;
    const double phi = fit->model.damped ? fit->phi : 1.0, sigma = sqrt(fit->sigma2);
    double l = st[0], b = st[1], z[4] = {0, 0, 0, 0}, dummy = 0;
    for (int j = 0; j < (season ? m : 0); j++) ring[j * rs] = st[2 + j];
    int pos = 0, count = 0;
    for (int d = 0; d < days; d++) {
        if ((d & 3) == 0) regia_rng_normal4(in->seed, in->key[s], (uint32_t)path, (uint32_t)(d >> 2), z);
        double *sc = season ? &ring[pos * rs] : &dummy, q, phib;
        double f = regia_ets_onestep(trend, season, phi, l, b, *sc, &q, &phib);
        double e = sigma * z[d & 3];
        double y = mult ? f * (1 + e) : f + e;
        count += y > lim;
        regia_ets_update(trend, season, alpha, beta, gamma, q, phib, y, &l, &b, sc);
        if (season && ++pos == m) pos = 0;
    }
    return count;
}

/* The outputs from the integer totals over all paths (exact, so every backend agrees). */
REGIA_HD static inline void regia_breach_finish(const regia_breach_batch_t *in, int s, long long breaches,
                                                long long total, double *p_out, double *e_out)
{
    *p_out = (double)breaches / in->n_paths;
    *e_out = in->count_so_far[s] + (double)total / in->n_paths;
}

#endif
