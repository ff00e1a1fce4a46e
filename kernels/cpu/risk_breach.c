/* Monte Carlo annual-breach risk on the CPU (contract in regia/risk.h).
 * Each series simulates n_paths sample paths of its fitted ETS model from the final
 * state to the end of the year; draws come from Philox keyed by (seed, key, path), so a
 * series gets the same answer whatever batch, thread or rank it is processed in. */
#include <math.h>
#include <stdlib.h>

#include "../ets_step_impl.h"
#include "cpu_impl.h"
#include "regia/rng.h"

static void breach_one(const regia_breach_batch_t *in, int s, double *ring, double *p_out, double *e_out)
{
    const regia_ets_fit_t *fit = &in->fit[s];
    const double *st = in->state + (size_t)s * in->state_stride;
    const int days = in->days_left[s], m = fit->model.season ? in->period : 1;
    const double lim = in->limit[s];
    if (!fit->ok || isnan(lim) || days < 0 || !(fit->sigma2 >= 0)) { *p_out = *e_out = NAN; return; }
    const int trend = fit->model.trend, season = fit->model.season, mult = fit->model.error == REGIA_ETS_MULT;
    const double alpha = fit->alpha, beta = trend ? fit->beta : 0, gamma = season ? fit->gamma : 0;
    const double phi = fit->model.damped ? fit->phi : 1.0, sigma = sqrt(fit->sigma2);
    long breaches = 0;
    double total = 0;
    for (int path = 0; path < in->n_paths; path++) {
        double l = st[0], b = st[1], z[4] = {0}, dummy = 0;
        for (int j = 0; j < (season ? m : 0); j++) ring[j] = st[2 + j];
        int pos = 0, count = 0;
        for (int d = 0; d < days; d++) {
            if ((d & 3) == 0) regia_rng_normal4(in->seed, in->key[s], (uint32_t)path, (uint32_t)(d >> 2), z);
            double *sc = season ? &ring[pos] : &dummy, q, phib;
            double f = regia_ets_onestep(trend, season, phi, l, b, *sc, &q, &phib);
            double e = sigma * z[d & 3];
            double y = mult ? f * (1 + e) : f + e;
            count += y > lim;
            regia_ets_update(trend, season, alpha, beta, gamma, q, phib, y, &l, &b, sc);
            if (season && ++pos == m) pos = 0;
        }
        breaches += in->count_so_far[s] + count > in->allowed[s];
        total += count;
    }
    *p_out = (double)breaches / in->n_paths;
    *e_out = in->count_so_far[s] + total / in->n_paths;
}

regia_status_t regia_cpu_breach(regia_backend_t *be, const regia_breach_batch_t *in, regia_breach_out_t *out)
{
    if (in->n_paths < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "Monte Carlo paths %d < 1", in->n_paths);
    if (in->period < 1 || in->period > REGIA_ETS_MAX_PERIOD || in->state_stride < 2 + in->period)
        return REGIA_FAIL(REGIA_ERR_INVALID, "bad period %d or state stride %d", in->period, in->state_stride);
    int failed = 0;
#pragma omp parallel num_threads(be->threads)
    {
        double *ring = malloc(sizeof(double) * (size_t)in->period);
        if (!ring) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (int s = 0; s < in->n_series; s++)
            if (ring) breach_one(in, s, ring, &out->p_breach[s], &out->expected_count[s]);
        free(ring);
    }
    return failed ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory in the breach simulation") : REGIA_OK;
}
