/* The weekly booking-slot model on CUDA (contract in regia/queue.h).
 *
 * One thread per (item, path) runs regia_slot_path() (kernels/slot_sim_impl.h), the
 * function the CPU backend runs, on the same Philox streams; its workspace (free slots per
 * pool and day, waiting requests, pending cancellations) lives in device global memory.
 * Items run in sub-batches whose workspace fits in the free device memory; each
 * sub-batch's per-path counts come back to the host, where regia_slot_reduce_item() (the
 * CPU backend's reduction) turns them into the outputs, so both backends reduce alike. */
#include <cstdio>
#include <cstdlib>

#include "../slot_sim_impl.h"
#include "cuda_check.cuh"
#include "cuda_impl.cuh"

namespace {

constexpr size_t BUDGET_MAX = size_t(4) << 30;

__global__ void slot_path_kernel(regia_slot_batch_t in, regia_slot_plan_t plan, int i0, int ni, int32_t *ws, double *res,
                                 int *overflow)
{
    const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (int64_t)ni * in.n_paths) return;
    const int i = i0 + (int)(t / in.n_paths), p = (int)(t % in.n_paths);
    overflow[t] = regia_slot_path(&in, &plan, i, p, ws + t * plan.ws_ints, res + t * plan.res_len);
}

/* Device workspace for one call: half the free memory, at most BUDGET_MAX, or
 * REGIA_CUDA_SIM_BUDGET bytes when set (the tests use it to force sub-batches). */
size_t workspace_budget(size_t free_b)
{
    size_t b = free_b / 2 < BUDGET_MAX ? free_b / 2 : BUDGET_MAX;
    const char *env = getenv("REGIA_CUDA_SIM_BUDGET");
    if (env && atoll(env) > 0 && (size_t)atoll(env) < b) b = (size_t)atoll(env);
    return b;
}

template <typename T> cudaError_t to_device(T **d, const T *h, int64_t n)
{
    *d = NULL;
    if (!h || n <= 0) return cudaSuccess;
    cudaError_t rc = cudaMalloc((void **)d, sizeof(T) * (size_t)n);
    if (rc != cudaSuccess) return rc;
    return cudaMemcpy(*d, h, sizeof(T) * (size_t)n, cudaMemcpyHostToDevice);
}

} // namespace

extern "C" regia_status_t regia_cuda_slot_sim(regia_backend_t *be, const regia_slot_batch_t *in, regia_slot_out_t *out)
{
    regia_slot_plan_t plan;
    regia_status_t st = regia_slot_plan(in, out, &plan);
    regia_cuda_stats_begin(be, "slot_sim");
    if (st) return st;
    if (in->n_items == 0) { regia_slot_plan_free(&plan); return REGIA_OK; }
    const int n = in->n_items, W = in->weeks, P = in->n_paths;
    const int64_t nl = in->list_off[n], nkw = (int64_t)n * 4 * W;
    regia_slot_batch_t d = *in;
    regia_slot_plan_t dp = plan;
    int32_t *d_slots = NULL, *d_extra = NULL, *d_res = NULL, *d_rel = NULL, *d_waited = NULL, *d_day = NULL, *d_ws = NULL;
    double *d_wd = NULL, *d_mean = NULL, *d_var = NULL, *d_pc = NULL, *d_pn = NULL, *d_lim = NULL, *d_tg = NULL, *d_out = NULL;
    int64_t *d_off = NULL, *d_ooff = NULL, *d_ord = NULL;
    int8_t *d_class = NULL;
    uint64_t *d_key = NULL;
    int *d_over = NULL, *h_over = NULL;
    double *h_res = NULL, *scratch = NULL;
    size_t free_b = 0, total_b = 0;
    REGIA_CUDA(to_device(&d_slots, in->slots_week, (int64_t)n * W));
    REGIA_CUDA(to_device(&d_extra, in->extra_week, n));
    REGIA_CUDA(to_device(&d_res, in->reserve, (int64_t)n * 4));
    REGIA_CUDA(to_device(&d_rel, in->release_days, 4));
    REGIA_CUDA(to_device(&d_wd, in->weekday, 7));
    REGIA_CUDA(to_device(&d_mean, in->arr_mean, nkw));
    REGIA_CUDA(to_device(&d_var, in->arr_var, nkw));
    REGIA_CUDA(to_device(&d_pc, in->p_cancel, n));
    REGIA_CUDA(to_device(&d_pn, in->p_noshow, n));
    REGIA_CUDA(to_device(&d_lim, in->limit_days, (int64_t)n * 4));
    REGIA_CUDA(to_device(&d_tg, in->target, (int64_t)n * 4));
    REGIA_CUDA(to_device(&d_off, in->list_off, (int64_t)n + 1));
    /* list entries are indexed globally: copy [0, list_off[n]) */
    REGIA_CUDA(to_device(&d_class, in->list_class, nl));
    REGIA_CUDA(to_device(&d_waited, in->list_waited, nl));
    REGIA_CUDA(to_device(&d_day, in->list_day, nl));
    REGIA_CUDA(to_device(&d_key, in->key, n));
    REGIA_CUDA(to_device(&d_ooff, plan.ord_off, (int64_t)n * 4 + 1));
    REGIA_CUDA(to_device(&d_ord, plan.ord, plan.ord_off[(size_t)n * 4]));
    d.slots_week = d_slots;
    d.extra_week = d_extra;
    d.reserve = d_res;
    d.release_days = d_rel;
    d.weekday = d_wd;
    d.arr_mean = d_mean;
    d.arr_var = d_var;
    d.p_cancel = d_pc;
    d.p_noshow = d_pn;
    d.limit_days = d_lim;
    d.target = d_tg;
    d.list_off = d_off;
    d.list_class = d_class;
    d.list_waited = d_waited;
    d.list_day = d_day;
    d.key = d_key;
    dp.ord_off = d_ooff;
    dp.ord = d_ord;
    {
        REGIA_CUDA(cudaMemGetInfo(&free_b, &total_b));
        const size_t budget = workspace_budget(free_b);
        const size_t per_pair = sizeof(int32_t) * (size_t)plan.ws_ints + sizeof(double) * (size_t)plan.res_len + sizeof(int);
        int64_t items = (int64_t)(budget / (per_pair * (size_t)P));
        if (items < 1) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "slot simulation: %d paths of one item need %zu MiB of device workspace, "
                            "more than the %zu MiB free (use fewer paths or backend cpu)", P, (per_pair * P) >> 20,
                            free_b >> 20);
            goto err;
        }
        if (items > n) items = n;
        const int64_t pairs = items * P;
        REGIA_CUDA(cudaMalloc(&d_ws, sizeof(int32_t) * (size_t)plan.ws_ints * pairs));
        REGIA_CUDA(cudaMalloc(&d_out, sizeof(double) * (size_t)plan.res_len * pairs));
        REGIA_CUDA(cudaMalloc(&d_over, sizeof(int) * (size_t)pairs));
        h_res = (double *)malloc(sizeof(double) * (size_t)plan.res_len * pairs);
        h_over = (int *)malloc(sizeof(int) * (size_t)pairs);
        scratch = (double *)malloc(sizeof(double) * (size_t)P);
        if (!h_res || !h_over || !scratch) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
        for (int i0 = 0; i0 < n; i0 += (int)items) {
            const int ni = n - i0 < items ? n - i0 : (int)items;
            const int64_t cnt = (int64_t)ni * P;
            slot_path_kernel<<<(unsigned)((cnt + 127) / 128), 128>>>(d, dp, i0, ni, d_ws, d_out, d_over);
            REGIA_CUDA_LAUNCH("slot_path_kernel");
            REGIA_CUDA(cudaMemcpy(h_over, d_over, sizeof(int) * (size_t)cnt, cudaMemcpyDeviceToHost));
            for (int64_t t = 0; t < cnt; t++)
                if (h_over[t]) {
                    st = REGIA_FAIL(REGIA_ERR_NUMERIC, "slot simulation: item %d had more than %lld cancellations "
                                    "pending at once (more than its slots: an internal error)", i0 + (int)(t / P),
                                    (long long)plan.ev_cap);
                    goto err;
                }
            REGIA_CUDA(cudaMemcpy(h_res, d_out, sizeof(double) * (size_t)plan.res_len * cnt, cudaMemcpyDeviceToHost));
            for (int j = 0; j < ni; j++)
                regia_slot_reduce_item(in, &plan, i0 + j, h_res + (int64_t)j * P * plan.res_len, scratch, out);
        }
    }
err:
    cudaFree(d_slots); cudaFree(d_extra); cudaFree(d_res); cudaFree(d_rel); cudaFree(d_wd); cudaFree(d_mean);
    cudaFree(d_var); cudaFree(d_pc); cudaFree(d_pn); cudaFree(d_lim); cudaFree(d_tg); cudaFree(d_off);
    cudaFree(d_class); cudaFree(d_waited); cudaFree(d_day); cudaFree(d_key); cudaFree(d_ooff); cudaFree(d_ord);
    cudaFree(d_ws); cudaFree(d_out); cudaFree(d_over);
    free(h_res); free(h_over); free(scratch);
    regia_slot_plan_free(&plan);
    return st;
}
