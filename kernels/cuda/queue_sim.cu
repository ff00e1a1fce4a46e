/* The continuous-time priority queue on CUDA (contract in regia/queue.h).
 *
 * One thread per replication runs regia_queue_rep() (kernels/queue_sim_impl.h), the
 * function the CPU backend runs, on the same Philox stream.  Each thread's rings of waiting
 * customers (one per class, a power of two each) and its heap of departures (used above
 * REGIA_QUEUE_SORT_MAX servers) live in device global memory, sized from the batch and the
 * free device memory: a replication that has more customers of one class waiting at once
 * than its ring holds is reported as an error (with the ring size), never cut short.  When
 * the workspace of every replication does not fit at once, the batch runs in sub-batches. */
#include <cstdio>
#include <cstdlib>

#include "../queue_sim_impl.h"
#include "cuda_check.cuh"
#include "cuda_impl.cuh"

namespace {

constexpr size_t BUDGET_MAX = size_t(4) << 30;
constexpr int64_t POOL_MIN = 4096, POOL_MAX = int64_t(1) << 22;

__global__ void queue_rep_kernel(regia_queue_batch_t in, regia_queue_out_t out, int64_t cap, int32_t servers,
                                 regia_queue_cust_t *d_cust, double *d_heap, int *overflow)
{
    const int r = (int)((int64_t)blockIdx.x * blockDim.x + threadIdx.x);
    if (r >= in.n_reps) return;
    regia_queue_ws_t ws;
    ws.cust = d_cust + (int64_t)r * in.n_classes * cap;
    ws.cap = cap;
    ws.heap = d_heap + (int64_t)r * servers;
    overflow[r] = regia_queue_rep(&in, r, ws, &out);
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

extern "C" regia_status_t regia_cuda_queue_sim(regia_backend_t *be, const regia_queue_batch_t *in, regia_queue_out_t *out)
{
    regia_status_t st = regia_queue_check(in, out);
    regia_cuda_stats_begin(be, "queue_sim");
    if (st || in->n_reps == 0) return st;
    const int K = in->n_classes, nt = in->n_t, nb = in->n_bins;
    const int32_t servers = regia_queue_max_servers(in) > 0 ? regia_queue_max_servers(in) : 1;
    regia_queue_batch_t d = *in;
    double *d_rate = NULL, *d_tt = NULL, *d_end = NULL, *d_mean = NULL, *d_cv = NULL, *d_t = NULL;
    int32_t *d_tc = NULL, *d_srv = NULL;
    regia_queue_cust_t *d_cust = NULL;
    double *d_heap = NULL, *d_w = NULL, *d_w2 = NULL;
    int64_t *d_n = NULL, *d_gt = NULL, *d_hist = NULL, *d_un = NULL;
    int *d_over = NULL, *h_over = NULL;
    size_t free_b = 0, total_b = 0;
    REGIA_CUDA(to_device(&d_rate, in->arrival_rate, K));
    REGIA_CUDA(to_device(&d_tt, in->trace_time, in->n_trace));
    REGIA_CUDA(to_device(&d_tc, in->trace_class, in->n_trace));
    REGIA_CUDA(to_device(&d_end, in->shift_end, in->n_shifts));
    REGIA_CUDA(to_device(&d_srv, in->shift_servers, in->n_shifts));
    REGIA_CUDA(to_device(&d_mean, in->service_mean, K));
    REGIA_CUDA(to_device(&d_cv, in->service_cv, K));
    REGIA_CUDA(to_device(&d_t, in->t, nt));
    d.arrival_rate = d_rate;
    d.trace_time = d_tt;
    d.trace_class = d_tc;
    d.shift_end = d_end;
    d.shift_servers = d_srv;
    d.service_mean = d_mean;
    d.service_cv = d_cv;
    d.t = d_t;
    {
        REGIA_CUDA(cudaMemGetInfo(&free_b, &total_b));
        const size_t budget = workspace_budget(free_b);
        /* one ring entry per class for each unit of cap; cap a power of two */
        const size_t node = sizeof(regia_queue_cust_t) * (size_t)K;
        const int64_t fit = (int64_t)(budget / ((size_t)in->n_reps * node));
        int64_t cap = POOL_MIN;
        while (cap * 2 <= fit && cap * 2 <= POOL_MAX) cap *= 2;
        const size_t per_rep = (size_t)cap * node + (size_t)servers * sizeof(double);
        int sub = (int)(budget / per_rep);
        if (sub < 1) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "queue simulation: the device has %zu MiB free, too little for one "
                            "replication's workspace (%zu MiB)", free_b >> 20, per_rep >> 20);
            goto err;
        }
        if (sub > in->n_reps) sub = in->n_reps;
        REGIA_CUDA(cudaMalloc(&d_cust, node * (size_t)cap * sub));
        REGIA_CUDA(cudaMalloc(&d_heap, sizeof(double) * (size_t)servers * sub));
        REGIA_CUDA(cudaMalloc(&d_n, sizeof(int64_t) * (size_t)sub * K));
        REGIA_CUDA(cudaMalloc(&d_un, sizeof(int64_t) * (size_t)sub * K));
        REGIA_CUDA(cudaMalloc(&d_w, sizeof(double) * (size_t)sub * K));
        REGIA_CUDA(cudaMalloc(&d_w2, sizeof(double) * (size_t)sub * K));
        if (nt > 0) REGIA_CUDA(cudaMalloc(&d_gt, sizeof(int64_t) * (size_t)sub * K * nt));
        if (nb > 0) REGIA_CUDA(cudaMalloc(&d_hist, sizeof(int64_t) * (size_t)sub * K * nb));
        REGIA_CUDA(cudaMalloc(&d_over, sizeof(int) * (size_t)sub));
        h_over = (int *)malloc(sizeof(int) * (size_t)sub);
        if (!h_over) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
        regia_queue_out_t dout = {d_n, d_w, d_w2, d_gt, d_hist, d_un};
        for (int r0 = 0; r0 < in->n_reps; r0 += sub) {
            const int cnt = in->n_reps - r0 < sub ? in->n_reps - r0 : sub;
            d.rep0 = in->rep0 + r0;
            d.n_reps = cnt;
            queue_rep_kernel<<<(unsigned)((cnt + 127) / 128), 128>>>(d, dout, cap, servers, d_cust, d_heap, d_over);
            REGIA_CUDA_LAUNCH("queue_rep_kernel");
            REGIA_CUDA(cudaMemcpy(h_over, d_over, sizeof(int) * (size_t)cnt, cudaMemcpyDeviceToHost));
            for (int j = 0; j < cnt; j++)
                if (h_over[j]) {
                    st = REGIA_FAIL(REGIA_ERR_NOMEM,
                                    "queue simulation: replication %lld had more customers waiting at once than the "
                                    "device workspace holds (%lld of one class, for %d replications per call; is the queue "
                                    "unstable? run fewer replications per call, or use backend cpu, which grows its pool)",
                                    (long long)(in->rep0 + r0 + j), (long long)cap, sub);
                    goto err;
                }
            const size_t o = (size_t)r0 * K;
            REGIA_CUDA(cudaMemcpy(out->n + o, d_n, sizeof(int64_t) * (size_t)cnt * K, cudaMemcpyDeviceToHost));
            REGIA_CUDA(cudaMemcpy(out->unserved + o, d_un, sizeof(int64_t) * (size_t)cnt * K, cudaMemcpyDeviceToHost));
            REGIA_CUDA(cudaMemcpy(out->sum_w + o, d_w, sizeof(double) * (size_t)cnt * K, cudaMemcpyDeviceToHost));
            REGIA_CUDA(cudaMemcpy(out->sum_w2 + o, d_w2, sizeof(double) * (size_t)cnt * K, cudaMemcpyDeviceToHost));
            if (nt > 0)
                REGIA_CUDA(cudaMemcpy(out->n_wait_gt + o * nt, d_gt, sizeof(int64_t) * (size_t)cnt * K * nt,
                                      cudaMemcpyDeviceToHost));
            if (nb > 0)
                REGIA_CUDA(cudaMemcpy(out->hist + o * nb, d_hist, sizeof(int64_t) * (size_t)cnt * K * nb,
                                      cudaMemcpyDeviceToHost));
        }
    }
err:
    cudaFree(d_rate); cudaFree(d_tt); cudaFree(d_tc); cudaFree(d_end); cudaFree(d_srv); cudaFree(d_mean);
    cudaFree(d_cv); cudaFree(d_t); cudaFree(d_cust); cudaFree(d_heap);
    cudaFree(d_n); cudaFree(d_un); cudaFree(d_w); cudaFree(d_w2); cudaFree(d_gt); cudaFree(d_hist); cudaFree(d_over);
    free(h_over);
    return st;
}
