/* Monte Carlo annual-breach risk on the CPU (contract in regia/risk.h).
 * Each series simulates n_paths sample paths of its fitted ETS model from the final
 * state to the end of the year; draws come from Philox keyed by (seed, key, path), so a
 * series gets the same answer whatever batch, thread or rank it is processed in. */
#include <math.h>
#include <stdlib.h>

#include "../risk_breach_impl.h"
#include "cpu_impl.h"

static void breach_one(const regia_breach_batch_t *in, int s, double *ring, double *p_out, double *e_out)
{
    if (!regia_breach_usable(in, s)) { *p_out = *e_out = NAN; return; }
    long long breaches = 0, total = 0;
    for (int path = 0; path < in->n_paths; path++) {
        int count = regia_breach_path(in, s, path, ring, 1);
        breaches += in->count_so_far[s] + count > in->allowed[s];
        total += count;
    }
    regia_breach_finish(in, s, breaches, total, p_out, e_out);
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
