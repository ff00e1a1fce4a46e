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

/* Buckets of the run histogram of one forecast day d: run lengths 0 .. d + 1 (a run that
 * began after the origin), and bucket d + 2 for the observed run continued through day d
 * (length run_so_far + d + 1).  A series' histogram is run_days rows of
 * regia_breach_hist_width(run_days) counters (row d uses its first d + 3). */
REGIA_HD static inline int regia_breach_hist_width(int run_days) { return run_days + 2; }

/* One more path in counter *c: a plain add on the host (one thread owns a series' counters
 * there), an atomic one on the device (one thread per path). */
REGIA_HD static inline void regia_breach_count(unsigned long long *c)
{
#ifdef __CUDA_ARCH__
    atomicAdd(c, 1ULL);
#else
    (*c)++;
#endif
}

/* Days above the limit on sample path `path` of series s, from its final state to the end
 * of the year.  ring: scratch for in->period doubles (the seasonal terms), term j at
 * ring[j * rs] (rs = 1 on the CPU; on the GPU the threads' rings are interleaved so that
 * neighbouring threads touch neighbouring addresses).  With in->run_days > 0 the path
 * also adds its run on each of the first run_days days to the series' histogram hist
 * (regia_breach_hist_width) and sets *reached when the run reaches trigger_days. */
REGIA_HD static inline int regia_breach_path(const regia_breach_batch_t *in, int s, int path, double *ring,
                                             int64_t rs, unsigned long long *hist, int *reached)
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
    const int run_days = hist ? in->run_days : 0, width = regia_breach_hist_width(run_days);
    const int sim_days = days > run_days ? days : run_days;
    int pos = 0, count = 0, run = run_days ? in->run_so_far[s] : 0;
    if (reached) *reached = 0;
    for (int d = 0; d < sim_days; d++) {
        if ((d & 3) == 0) regia_rng_normal4(in->seed, in->key[s], (uint32_t)path, (uint32_t)(d >> 2), z);
        double *sc = season ? &ring[pos * rs] : &dummy, q, phib;
        double f = regia_ets_onestep(trend, season, phi, l, b, *sc, &q, &phib);
        double e = sigma * z[d & 3];
        double y = mult ? f * (1 + e) : f + e;
        if (d < days) count += y > lim;
        if (d < run_days) {
            run = y > lim ? run + 1 : 0;
            regia_breach_count(&hist[(size_t)d * width + (run <= d + 1 ? run : d + 2)]);
            if (run >= in->trigger_days) *reached = 1;
        }
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

/* The run statistics of series s from its histogram (run_days rows) and the count of
 * paths that reached the trigger: the median run of each day (the mean of the two middle
 * order statistics for an even path count) and the trigger's probability. */
REGIA_HD static inline void regia_breach_run_finish(const regia_breach_batch_t *in, int s,
                                                    const unsigned long long *hist, long long reached,
                                                    double *median, double *p_trigger)
{
    const int width = regia_breach_hist_width(in->run_days);
    const long long n = in->n_paths, k1 = (n + 1) / 2, k2 = n / 2 + 1; /* 1-based middle ranks */
    for (int d = 0; d < in->run_days; d++) {
        const unsigned long long *h = hist + (size_t)d * width;
        long long cum = 0;
        double v1 = -1, v2 = -1;
        for (int b = 0; b <= d + 2 && v2 < 0; b++) {
            cum += (long long)h[b];
            double len = b <= d + 1 ? b : in->run_so_far[s] + d + 1;
            if (v1 < 0 && cum >= k1) v1 = len;
            if (cum >= k2) v2 = len;
        }
        median[d] = n % 2 ? v1 : 0.5 * (v1 + v2);
    }
    *p_trigger = (double)reached / n;
}

#endif
