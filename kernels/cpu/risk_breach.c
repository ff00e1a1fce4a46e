/* Monte Carlo annual-breach risk on the CPU (contract in regia/risk.h).
 * Each series simulates n_paths sample paths of its fitted ETS model from the final
 * state to the end of the year (and over the run-statistics days); draws come from
 * Philox keyed by (seed, key, path), so a series gets the same answer whatever batch,
 * thread or rank it is processed in.  One thread owns a series: its run histogram
 * (run_days x regia_breach_hist_width counters) is that thread's scratch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../risk_breach_impl.h"
#include "cpu_impl.h"

static void breach_one(const regia_breach_batch_t *in, const regia_breach_out_t *out, int s, double *ring,
                       unsigned long long *hist, size_t hist_n)
{
    const int R = in->run_days;
    if (!regia_breach_usable(in, s)) {
        out->p_breach[s] = out->expected_count[s] = NAN;
        if (R > 0) {
            for (int d = 0; d < R; d++) out->run_median[(size_t)s * R + d] = NAN;
            out->p_trigger[s] = NAN;
        }
        return;
    }
    long long breaches = 0, total = 0, reached_n = 0;
    if (R > 0) memset(hist, 0, sizeof *hist * hist_n);
    for (int path = 0; path < in->n_paths; path++) {
        int reached = 0;
        int count = regia_breach_path(in, s, path, ring, 1, R > 0 ? hist : NULL, &reached);
        breaches += in->count_so_far[s] + count > in->allowed[s];
        total += count;
        reached_n += reached;
    }
    regia_breach_finish(in, s, breaches, total, &out->p_breach[s], &out->expected_count[s]);
    if (R > 0) regia_breach_run_finish(in, s, hist, reached_n, out->run_median + (size_t)s * R, &out->p_trigger[s]);
}

regia_status_t regia_cpu_breach(regia_backend_t *be, const regia_breach_batch_t *in, regia_breach_out_t *out)
{
    if (in->n_paths < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "Monte Carlo paths %d < 1", in->n_paths);
    if (in->period < 1 || in->period > REGIA_ETS_MAX_PERIOD || in->state_stride < 2 + in->period)
        return REGIA_FAIL(REGIA_ERR_INVALID, "bad period %d or state stride %d", in->period, in->state_stride);
    if (in->run_days < 0 || in->run_days > REGIA_BREACH_MAX_RUN_DAYS ||
        (in->run_days > 0 && (!in->run_so_far || in->trigger_days < 1 || !out->run_median || !out->p_trigger)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "bad run statistics: %d days (0..%d), trigger %d days, inputs or outputs "
                          "missing", in->run_days, REGIA_BREACH_MAX_RUN_DAYS, in->trigger_days);
    const size_t hist_n = (size_t)in->run_days * (size_t)regia_breach_hist_width(in->run_days);
    int failed = 0;
#pragma omp parallel num_threads(be->threads)
    {
        double *ring = malloc(sizeof(double) * (size_t)in->period);
        unsigned long long *hist = malloc(sizeof *hist * (hist_n + 1));
        if (!ring || !hist) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (int s = 0; s < in->n_series; s++)
            if (ring && hist) breach_one(in, out, s, ring, hist, hist_n);
        free(ring);
        free(hist);
    }
    return failed ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory in the breach simulation") : REGIA_OK;
}
