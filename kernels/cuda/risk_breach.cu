/* Monte Carlo annual-breach risk on CUDA (contract in regia/risk.h).
 *
 * One thread per (series, path): each runs regia_breach_path(), the function the CPU
 * backend runs, on the same Philox draws, and adds its integer counts to its series'
 * totals with atomicAdd (integer sums, so the order of the additions cannot change them).
 * Seasonal rings live in global scratch, interleaved across threads for coalescing; the
 * batch is processed in sub-batches that keep the scratch under SCRATCH_BYTES.  With run
 * statistics (run_days > 0) each path adds its runs to its series' histogram in global
 * memory (atomicAdd, integers) and counts the trigger; the host takes the medians from
 * the histograms (regia_breach_run_finish, the CPU's function). */
#include <cstdio>

#include "../risk_breach_impl.h"
#include "cuda_check.cuh"
#include "cuda_impl.cuh"

namespace {

constexpr size_t SCRATCH_BYTES = size_t(256) << 20;

__global__ void breach_paths_kernel(regia_breach_batch_t in, int s_begin, int s_count, double *ring,
                                    unsigned long long *breaches, unsigned long long *total,
                                    unsigned long long *hist, unsigned long long *reached_n)
{
    const int64_t n_threads = (int64_t)s_count * in.n_paths;
    const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= n_threads) return;
    const int s = s_begin + (int)(t / in.n_paths), path = (int)(t % in.n_paths);
    if (!regia_breach_usable(&in, s)) return;
    const size_t hn = (size_t)in.run_days * (size_t)regia_breach_hist_width(in.run_days);
    int reached = 0;
    int count = regia_breach_path(&in, s, path, ring + t, n_threads, hist ? hist + (size_t)(s - s_begin) * hn : NULL,
                                  &reached);
    if (in.count_so_far[s] + count > in.allowed[s]) atomicAdd(&breaches[s], 1ULL);
    atomicAdd(&total[s], (unsigned long long)count);
    if (reached) atomicAdd(&reached_n[s], 1ULL);
}

} // namespace

extern "C" regia_status_t regia_cuda_breach(regia_backend_t *be, const regia_breach_batch_t *in,
                                            regia_breach_out_t *out)
{
    regia_status_t st = REGIA_OK;
    const int n = in->n_series;
    regia_cuda_stats_begin(be, "breach");
    if (in->n_paths < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "Monte Carlo paths %d < 1", in->n_paths);
    if (in->period < 1 || in->period > REGIA_ETS_MAX_PERIOD || in->state_stride < 2 + in->period)
        return REGIA_FAIL(REGIA_ERR_INVALID, "bad period %d or state stride %d", in->period, in->state_stride);
    const int R = in->run_days;
    if (R < 0 || R > REGIA_BREACH_MAX_RUN_DAYS ||
        (R > 0 && (!in->run_so_far || in->trigger_days < 1 || !out->run_median || !out->p_trigger)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "bad run statistics: %d days (0..%d), trigger %d days, inputs or outputs "
                          "missing", R, REGIA_BREACH_MAX_RUN_DAYS, in->trigger_days);
    if (n == 0) return REGIA_OK;
    regia_breach_batch_t d = *in;
    const size_t hn = (size_t)R * (size_t)regia_breach_hist_width(R);
    int32_t *d_run = NULL;
    unsigned long long *d_hist = NULL, *d_reached = NULL, *h_hist = NULL, *h_reached = NULL;
    regia_ets_fit_t *d_fit = NULL;
    double *d_state = NULL, *d_limit = NULL, *d_ring = NULL;
    uint64_t *d_key = NULL;
    int32_t *d_days = NULL, *d_seen = NULL, *d_allowed = NULL;
    unsigned long long *d_breach = NULL, *d_total = NULL;
    unsigned long long *h_breach = NULL, *h_total = NULL;
    const size_t per_series = (size_t)in->n_paths * (size_t)in->period * sizeof(double);
    int sub = (int)(SCRATCH_BYTES / per_series);
    if (sub < 1) sub = 1;
    if (R > 0 && (size_t)sub * hn * sizeof(unsigned long long) > SCRATCH_BYTES)
        sub = (int)(SCRATCH_BYTES / (hn * sizeof(unsigned long long)));
    if (sub < 1) sub = 1;
    if (sub > n) sub = n;
    REGIA_CUDA(cudaMalloc(&d_fit, sizeof(regia_ets_fit_t) * n));
    REGIA_CUDA(cudaMalloc(&d_state, sizeof(double) * (size_t)n * in->state_stride));
    REGIA_CUDA(cudaMalloc(&d_limit, sizeof(double) * n));
    REGIA_CUDA(cudaMalloc(&d_key, sizeof(uint64_t) * n));
    REGIA_CUDA(cudaMalloc(&d_days, sizeof(int32_t) * n));
    REGIA_CUDA(cudaMalloc(&d_seen, sizeof(int32_t) * n));
    REGIA_CUDA(cudaMalloc(&d_allowed, sizeof(int32_t) * n));
    REGIA_CUDA(cudaMalloc(&d_breach, sizeof(unsigned long long) * n));
    REGIA_CUDA(cudaMalloc(&d_total, sizeof(unsigned long long) * n));
    REGIA_CUDA(cudaMalloc(&d_ring, per_series * sub));
    if (R > 0) {
        REGIA_CUDA(cudaMalloc(&d_run, sizeof(int32_t) * n));
        REGIA_CUDA(cudaMalloc(&d_reached, sizeof(unsigned long long) * n));
        REGIA_CUDA(cudaMalloc(&d_hist, sizeof(unsigned long long) * hn * sub));
        REGIA_CUDA(cudaMemcpy(d_run, in->run_so_far, sizeof(int32_t) * n, cudaMemcpyHostToDevice));
        REGIA_CUDA(cudaMemset(d_reached, 0, sizeof(unsigned long long) * n));
        h_hist = (unsigned long long *)malloc(sizeof(unsigned long long) * hn * n);
        h_reached = (unsigned long long *)malloc(sizeof(unsigned long long) * n);
        if (!h_hist || !h_reached) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
        d.run_so_far = d_run;
    }
    REGIA_CUDA(cudaMemcpy(d_fit, in->fit, sizeof(regia_ets_fit_t) * n, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d_state, in->state, sizeof(double) * (size_t)n * in->state_stride, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d_limit, in->limit, sizeof(double) * n, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d_key, in->key, sizeof(uint64_t) * n, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d_days, in->days_left, sizeof(int32_t) * n, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d_seen, in->count_so_far, sizeof(int32_t) * n, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d_allowed, in->allowed, sizeof(int32_t) * n, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemset(d_breach, 0, sizeof(unsigned long long) * n));
    REGIA_CUDA(cudaMemset(d_total, 0, sizeof(unsigned long long) * n));
    d.fit = d_fit;
    d.state = d_state;
    d.limit = d_limit;
    d.key = d_key;
    d.days_left = d_days;
    d.count_so_far = d_seen;
    d.allowed = d_allowed;
    for (int s0 = 0; s0 < n; s0 += sub) {
        int cnt = n - s0 < sub ? n - s0 : sub;
        int64_t threads = (int64_t)cnt * in->n_paths;
        if (R > 0) REGIA_CUDA(cudaMemset(d_hist, 0, sizeof(unsigned long long) * hn * cnt));
        breach_paths_kernel<<<(unsigned)((threads + 255) / 256), 256>>>(d, s0, cnt, d_ring, d_breach, d_total,
                                                                         R > 0 ? d_hist : NULL, d_reached);
        REGIA_CUDA_LAUNCH("breach_paths_kernel");
        if (R > 0)
            REGIA_CUDA(cudaMemcpy(h_hist + hn * s0, d_hist, sizeof(unsigned long long) * hn * cnt,
                                  cudaMemcpyDeviceToHost));
    }
    if (R > 0)
        REGIA_CUDA(cudaMemcpy(h_reached, d_reached, sizeof(unsigned long long) * n, cudaMemcpyDeviceToHost));
    h_breach = (unsigned long long *)malloc(sizeof(unsigned long long) * n);
    h_total = (unsigned long long *)malloc(sizeof(unsigned long long) * n);
    if (!h_breach || !h_total) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    REGIA_CUDA(cudaMemcpy(h_breach, d_breach, sizeof(unsigned long long) * n, cudaMemcpyDeviceToHost));
    REGIA_CUDA(cudaMemcpy(h_total, d_total, sizeof(unsigned long long) * n, cudaMemcpyDeviceToHost));
    for (int s = 0; s < n; s++) {
        if (!regia_breach_usable(in, s)) {
            out->p_breach[s] = out->expected_count[s] = NAN;
            if (R > 0) {
                for (int k = 0; k < R; k++) out->run_median[(size_t)s * R + k] = NAN;
                out->p_trigger[s] = NAN;
            }
            continue;
        }
        regia_breach_finish(in, s, (long long)h_breach[s], (long long)h_total[s], &out->p_breach[s],
                            &out->expected_count[s]);
        if (R > 0)
            regia_breach_run_finish(in, s, h_hist + hn * s, (long long)h_reached[s], out->run_median + (size_t)s * R,
                                    &out->p_trigger[s]);
    }
err:
    cudaFree(d_fit); cudaFree(d_state); cudaFree(d_limit); cudaFree(d_key); cudaFree(d_days);
    cudaFree(d_seen); cudaFree(d_allowed); cudaFree(d_breach); cudaFree(d_total); cudaFree(d_ring);
    cudaFree(d_run); cudaFree(d_hist); cudaFree(d_reached);
    free(h_breach);
    free(h_total);
    free(h_hist);
    free(h_reached);
    return st;
}
