/* Checks of the queue and slot simulation batches (contracts in regia/queue.h), shared by
 * every backend so that a bad request fails with the same message whichever runs it. */
#include <math.h>

#include "queue_sim_impl.h"

#define BAD(...) REGIA_FAIL(REGIA_ERR_INVALID, "queue simulation: " __VA_ARGS__)

static int finite_nonneg(double x) { return isfinite(x) && x >= 0; }

regia_status_t regia_queue_check(const regia_queue_batch_t *in, const regia_queue_out_t *out)
{
    const int K = in->n_classes;
    if (K < 1 || K > REGIA_QUEUE_MAX_CLASSES) return BAD("n_classes %d is not in 1..%d", K, REGIA_QUEUE_MAX_CLASSES);
    if (in->n_reps < 0 || in->rep0 < 0) return BAD("n_reps %d or rep0 %lld is negative", in->n_reps, (long long)in->rep0);
    if (in->arrival_rate) {
        for (int k = 0; k < K; k++)
            if (!finite_nonneg(in->arrival_rate[k])) return BAD("arrival_rate[%d] = %g is not a finite rate >= 0", k, in->arrival_rate[k]);
        if (!(in->horizon > 0) && in->n_customers <= 0)
            return BAD("Poisson arrivals need a horizon > 0 or n_customers > 0 (both are unset)");
    } else {
        if (in->n_trace < 0 || (in->n_trace > 0 && (!in->trace_time || !in->trace_class)))
            return BAD("a trace needs n_trace >= 0 arrival times and classes (arrival_rate is NULL)");
        for (int64_t j = 0; j < in->n_trace; j++) {
            if (!finite_nonneg(in->trace_time[j]) || (j > 0 && in->trace_time[j] < in->trace_time[j - 1]))
                return BAD("trace arrival %lld: time %g is not finite, >= 0 and >= the previous one", (long long)j,
                           in->trace_time[j]);
            if (in->trace_class[j] < 0 || in->trace_class[j] >= K)
                return BAD("trace arrival %lld: class %d is not in 0..%d", (long long)j, in->trace_class[j], K - 1);
        }
    }
    if (in->n_shifts < 0) return BAD("n_shifts %d < 0", in->n_shifts);
    if (in->n_shifts == 0) {
        if (in->servers < 1) return BAD("servers %d < 1 (without a schedule)", in->servers);
    } else {
        if (!(in->period > 0) || !isfinite(in->period)) return BAD("schedule period %g is not > 0", in->period);
        int any = 0;
        for (int j = 0; j < in->n_shifts; j++) {
            double lo = j ? in->shift_end[j - 1] : 0;
            if (!(in->shift_end[j] >= lo) || in->shift_end[j] > in->period)
                return BAD("shift %d ends at %g: the ends must ascend within [0, period %g]", j, in->shift_end[j], in->period);
            if (in->shift_servers[j] < 0) return BAD("shift %d has %d servers (< 0)", j, in->shift_servers[j]);
            any |= in->shift_servers[j] > 0;
        }
        if (in->shift_end[in->n_shifts - 1] != in->period)
            return BAD("the last shift ends at %g, not at the period %g (the schedule must cover the period)",
                       in->shift_end[in->n_shifts - 1], in->period);
        if (!any) return BAD("no shift of the schedule has a server");
    }
    if (in->service_dist < REGIA_SVC_EXP || in->service_dist > REGIA_SVC_GAMMA)
        return BAD("service_dist %d is not exp, det, lognormal or gamma", in->service_dist);
    for (int k = 0; k < K; k++) {
        if (!(in->service_mean[k] > 0) || !isfinite(in->service_mean[k]))
            return BAD("service_mean[%d] = %g is not > 0", k, in->service_mean[k]);
        if (in->service_dist >= REGIA_SVC_LOGNORMAL && (!in->service_cv || !finite_nonneg(in->service_cv[k])))
            return BAD("service_cv[%d] is missing or not a finite value >= 0 (lognormal and gamma need it)", k);
    }
    if (in->discipline != REGIA_DISC_PRIORITY && in->discipline != REGIA_DISC_FCFS)
        return BAD("discipline %d is neither priority nor fcfs", in->discipline);
    if (!finite_nonneg(in->horizon) || in->n_customers < 0 || !finite_nonneg(in->warmup))
        return BAD("horizon %g, n_customers %lld and warmup %g must be finite and >= 0", in->horizon,
                   (long long)in->n_customers, in->warmup);
    if (in->n_t < 0 || in->n_t > REGIA_QUEUE_MAX_T) return BAD("n_t %d is not in 0..%d", in->n_t, REGIA_QUEUE_MAX_T);
    for (int j = 0; j < in->n_t; j++)
        if (!isfinite(in->t[j])) return BAD("t[%d] is not finite", j);
    if (in->n_bins < 0 || (in->n_bins > 0 && (!(in->bin_width > 0) || !isfinite(in->bin_width))))
        return BAD("n_bins %d needs a bin_width > 0 (got %g)", in->n_bins, in->bin_width);
    if (!out->n || !out->sum_w || !out->sum_w2 || !out->unserved || (in->n_t > 0 && !out->n_wait_gt) ||
        (in->n_bins > 0 && !out->hist))
        return BAD("an output array is NULL");
    return REGIA_OK;
}
