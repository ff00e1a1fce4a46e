/* Daily exceedance probabilities under the normal predictive distribution (CPU). */
#include <math.h>

#include "cpu_impl.h"

regia_status_t regia_cpu_exceed(regia_backend_t *be, const regia_exceed_batch_t *in, double *prob)
{
    const int64_t n = (int64_t)in->n_series * in->horizon;
#pragma omp parallel for num_threads(be->threads) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double mu = in->mean[i], var = in->var[i], lim = in->limit[i / in->horizon];
        if (isnan(mu) || isnan(var) || isnan(lim) || var < 0) {
            prob[i] = NAN;
        } else if (var == 0) {
            prob[i] = mu > lim ? 1.0 : 0.0;
        } else {
            /* 1 - Phi(z) = erfc(z / sqrt 2) / 2, accurate in the upper tail. */
            prob[i] = 0.5 * erfc((lim - mu) / sqrt(2.0 * var));
        }
    }
    return REGIA_OK;
}
