/* The CUDA backend: device selection and description, and its operations: ETS
 * (kernels/cuda/ets.cu), exceedance probabilities (here), the Monte Carlo breach
 * (kernels/cuda/risk_breach.cu) and the queue and booking-slot simulations
 * (kernels/cuda/queue_sim.cu, kernels/cuda/slot_sim.cu), the Welch spectra
 * (kernels/cuda/welch.cu) and the compensation fit's linear algebra (cuSOLVER/cuBLAS,
 * kernels/cuda/novelty_la.cu).  It has every operation, so `auto` picks it where a
 * device is visible. */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cuda_check.cuh"
#include "cuda_impl.cuh"
#include "regia/kernels.h"

extern "C" {

static int cuda_available(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) { (void)cudaGetLastError(); return 0; }
    return n > 0;
}

/* ---- the handle's state: measurements and each op's own state ----------------------- */

struct regia_cuda_state {
    regia_backend_stats_t stats;
    void *op[REGIA_CUDA_N_OPS];
    void (*release[REGIA_CUDA_N_OPS])(void *);
};

extern "C" regia_status_t regia_cuda_state_open(regia_backend_t *be)
{
    be->impl = calloc(1, sizeof(regia_cuda_state));
    return be->impl ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
}

extern "C" void regia_cuda_state_close(regia_backend_t *be)
{
    regia_cuda_state *cs = (regia_cuda_state *)be->impl;
    if (!cs) return;
    for (int k = 0; k < REGIA_CUDA_N_OPS; k++)
        if (cs->op[k] && cs->release[k]) cs->release[k](cs->op[k]);
    free(cs);
    be->impl = NULL;
}

extern "C" void *regia_cuda_op_state(regia_backend_t *be, int op, size_t bytes, void (*release)(void *))
{
    regia_cuda_state *cs = (regia_cuda_state *)be->impl;
    if (!cs || op < 0 || op >= REGIA_CUDA_N_OPS) return NULL;
    if (!cs->op[op]) {
        cs->op[op] = calloc(1, bytes);
        cs->release[op] = release;
    }
    return cs->op[op];
}

extern "C" regia_backend_stats_t *regia_cuda_stats_ptr(regia_backend_t *be)
{
    regia_cuda_state *cs = (regia_cuda_state *)be->impl;
    return cs ? &cs->stats : NULL;
}

extern "C" regia_backend_stats_t *regia_cuda_stats_begin(regia_backend_t *be, const char *op)
{
    regia_cuda_state *cs = (regia_cuda_state *)be->impl;
    if (!cs) return NULL;
    memset(&cs->stats, 0, sizeof cs->stats);
    cs->stats.op = op;
    return &cs->stats;
}

extern "C" void regia_cuda_stats(const regia_backend_t *be, regia_backend_stats_t *out)
{
    const regia_cuda_state *cs = (const regia_cuda_state *)be->impl;
    if (cs) *out = cs->stats;
}

static regia_status_t cuda_open(regia_backend_t *be, int device, int threads)
{
    regia_status_t st = REGIA_OK;
    int n = 0;
    REGIA_CUDA(cudaGetDeviceCount(&n));
    if (n < 1) return REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "no CUDA device is visible");
    if (device < 0) device = 0;
    be->device = device % n;
    be->threads = threads > 0 ? threads : 1;
    REGIA_CUDA(cudaSetDevice(be->device));
    REGIA_CUDA(cudaFree(0)); /* create the context now, not inside the first timed op */
    REGIA_TRY(regia_cuda_state_open(be));
err:
    return st;
}

static void cuda_close(regia_backend_t *be)
{
    if (be->device >= 0) cudaSetDevice(be->device);
    regia_cuda_state_close(be);
}

static void cuda_describe(const regia_backend_t *be, char *buf, int len)
{
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, be->device) != cudaSuccess) {
        snprintf(buf, (size_t)len, "cuda device %d", be->device);
        return;
    }
    snprintf(buf, (size_t)len, "cuda device %d: %s (sm_%d%d, %.0f GiB)", be->device, p.name, p.major, p.minor,
             (double)p.totalGlobalMem / (1 << 30));
}

} /* extern "C" */

__global__ static void exceed_kernel(int64_t n, int horizon, const double *mean, const double *var,
                                     const double *limit, double *prob)
{
    int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    double mu = mean[i], v = var[i], lim = limit[i / horizon];
    double p;
    if (isnan(mu) || isnan(v) || isnan(lim) || v < 0) p = NAN;
    else if (v == 0) p = mu > lim ? 1.0 : 0.0;
    else p = 0.5 * erfc((lim - mu) / sqrt(2.0 * v));
    prob[i] = p;
}

extern "C" regia_status_t regia_cuda_exceed(regia_backend_t *be, const regia_exceed_batch_t *in, double *prob)
{
    regia_status_t st = REGIA_OK;
    const int64_t n = (int64_t)in->n_series * in->horizon;
    double *d_mean = NULL, *d_var = NULL, *d_lim = NULL, *d_prob = NULL;
    regia_cuda_stats_begin(be, "exceed");
    if (n == 0) return REGIA_OK;
    REGIA_CUDA(cudaMalloc(&d_mean, n * sizeof(double)));
    REGIA_CUDA(cudaMalloc(&d_var, n * sizeof(double)));
    REGIA_CUDA(cudaMalloc(&d_prob, n * sizeof(double)));
    REGIA_CUDA(cudaMalloc(&d_lim, (size_t)in->n_series * sizeof(double)));
    REGIA_CUDA(cudaMemcpy(d_mean, in->mean, n * sizeof(double), cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d_var, in->var, n * sizeof(double), cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d_lim, in->limit, (size_t)in->n_series * sizeof(double), cudaMemcpyHostToDevice));
    exceed_kernel<<<(unsigned)((n + 255) / 256), 256>>>(n, in->horizon, d_mean, d_var, d_lim, d_prob);
    REGIA_CUDA_LAUNCH("exceed_kernel");
    REGIA_CUDA(cudaMemcpy(prob, d_prob, n * sizeof(double), cudaMemcpyDeviceToHost));
err:
    cudaFree(d_mean);
    cudaFree(d_var);
    cudaFree(d_lim);
    cudaFree(d_prob);
    return st;
}

extern "C" const regia_backend_ops_t regia_cuda_backend = {
    /* name */ "cuda",
    /* available */ cuda_available,
    /* open */ cuda_open,
    /* close */ cuda_close,
    /* describe */ cuda_describe,
    /* ets */ regia_cuda_ets,
    /* exceed */ regia_cuda_exceed,
    /* breach */ regia_cuda_breach,
    /* stats */ regia_cuda_stats,
    /* queue_sim */ regia_cuda_queue_sim,
    /* slot_sim */ regia_cuda_slot_sim,
    /* welch */ regia_cuda_welch,
    /* novelty_la */ regia_cuda_novelty_la,
};
