/* ETS on the CPU: the reference implementation for every other backend.  The work on
 * one series (initial states, Nelder-Mead fits, AICc selection, forecasts, intervals;
 * method in kernels/ets_fit_impl.h and docs/methods.md) is regia_ets_fit_one(), shared
 * with the CUDA backend; here series are spread over the cores with OpenMP, each thread
 * with its own contiguous workspace.  Each series' result depends only on that series,
 * so the thread count never changes an answer. */
#include <stdlib.h>

#include "../ets_fit_impl.h"
#include "../ets_check_impl.h"
#include "cpu_impl.h"

regia_status_t regia_cpu_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out)
{
    regia_status_t st = regia_ets_check_batch(in, out);
    if (st != REGIA_OK) return st;
    const int m = in->spec.period, h = in->horizon, nl = in->n_levels;
    const size_t ws_bytes = sizeof(double) * (size_t)regia_ets_ws_doubles(m, h);
    int failed = 0;
#pragma omp parallel num_threads(be->threads)
    {
        double *buf = malloc(ws_bytes);
        regia_ets_ws_t ws;
        if (buf) regia_ets_ws_init(&ws, buf, 1, m, h);
        else {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int s = 0; s < in->n_series; s++) {
            if (!buf) continue;
            const size_t so = (size_t)s;
            regia_ets_fit_one(&in->spec, in->y + so * (size_t)in->stride, in->len[s], h, nl, in->levels, &ws,
                              &out->fit[s], out->mean + so * (size_t)h, out->var + so * (size_t)h,
                              out->lower + so * (size_t)nl * (size_t)h, out->upper + so * (size_t)nl * (size_t)h,
                              out->state + so * (size_t)out->state_stride, out->state_stride);
        }
        free(buf);
    }
    return failed ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the ETS workspace") : REGIA_OK;
}
