/* The weekly booking-slot model on the CPU (contract in regia/queue.h).  Items are taken in
 * chunks; the (item, path) pairs of a chunk are spread over the threads, each running
 * regia_slot_path() (kernels/slot_sim_impl.h, shared with CUDA) on its own streams; then
 * each item's counts are reduced over its paths (regia_slot_reduce_item, the same code
 * for every backend).  A result depends only on its item's inputs, key and path. */
#include <stdlib.h>

#include "../slot_sim_impl.h"
#include "cpu_impl.h"

enum { PAIRS_PER_CHUNK = 1 << 16 };

regia_status_t regia_cpu_slot_sim(regia_backend_t *be, const regia_slot_batch_t *in, regia_slot_out_t *out)
{
    regia_slot_plan_t plan;
    regia_status_t st = regia_slot_plan(in, out, &plan);
    if (st) return st;
    const int P = in->n_paths;
    int chunk = PAIRS_PER_CHUNK / P;
    if (chunk < 1) chunk = 1;
    if (chunk > in->n_items) chunk = in->n_items > 0 ? in->n_items : 1;
    double *res = malloc(sizeof(double) * (size_t)chunk * P * plan.res_len);
    int failed = res ? 0 : 1, bad_item = -1; /* 1: out of memory, 2: event pool overflow */
    for (int i0 = 0; i0 < in->n_items && !failed; i0 += chunk) {
        const int ni = in->n_items - i0 < chunk ? in->n_items - i0 : chunk;
        const int64_t pairs = (int64_t)ni * P;
#pragma omp parallel num_threads(be->threads)
        {
            int32_t *ws = malloc(sizeof(int32_t) * (size_t)plan.ws_ints);
            double *scratch = malloc(sizeof(double) * (size_t)P);
            if (!ws || !scratch) {
#pragma omp atomic write
                failed = 1;
            }
#pragma omp for schedule(dynamic, 1)
            for (int64_t t = 0; t < pairs; t++) {
                if (!ws) continue;
                const int i = i0 + (int)(t / P), p = (int)(t % P);
                if (regia_slot_path(in, &plan, i, p, ws, res + t * plan.res_len)) {
#pragma omp critical(regia_slot_fail)
                    { failed = 2; bad_item = i; }
                }
            }
#pragma omp for schedule(dynamic, 1)
            for (int j = 0; j < ni; j++)
                if (scratch && !failed)
                    regia_slot_reduce_item(in, &plan, i0 + j, res + (int64_t)j * P * plan.res_len, scratch, out);
            free(ws);
            free(scratch);
        }
    }
    free(res);
    int64_t cap = plan.ev_cap;
    regia_slot_plan_free(&plan);
    if (failed == 1) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory in the slot simulation");
    if (failed == 2)
        return REGIA_FAIL(REGIA_ERR_NUMERIC, "slot simulation: item %d had more than %lld cancellations pending at once "
                          "(more than its slots: an internal error)", bad_item, (long long)cap);
    return REGIA_OK;
}
