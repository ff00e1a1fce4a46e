/* Welch spectra on the CUDA backend with cuFFT (contract in regia/welch.h).
 *
 * Records are processed in groups of G (as many as a quarter of the free device memory
 * holds).  Per group: the samples are copied to the device, one block per (record,
 * segment, channel) detrends, windows and zero pads its segment (the plan, window and
 * per-line factors are the CPU's: kernels/welch.c), one batched cuFFT D2Z plan of a
 * record's K x nch segments transforms each record of the group (the same plan whatever
 * the group's size, so that a record's spectra do not depend on the records beside it:
 * batching across records, as regia sensors does, gives the bits of one record per call),
 * and one thread per (record, channel, line) - PSD - or per (record, line, i, j) - CSD -
 * adds the segments in segment order as the CPU does (kernels/cpu/welch.c), so the two
 * backends differ only by the FFTs' rounding. */
#include <cufft.h>

#include <cstdio>
#include <cstring>

#include "../welch_impl.h"
#include "cuda_check.cuh"
#include "cuda_impl.cuh"

#define REGIA_CUFFT(expr)                                                                    \
    do {                                                                                     \
        cufftResult cf_rc_ = (expr);                                                         \
        if (cf_rc_ != CUFFT_SUCCESS) {                                                       \
            st = regia_error_set(REGIA_ERR_CUDA, __FILE__, __LINE__, "%s: cuFFT error %d", #expr, \
                                 (int)cf_rc_);                                               \
            goto err;                                                                        \
        }                                                                                    \
    } while (0)

enum { SEG_THREADS = 128 };

/* Deterministic block sum (every thread gets the result). */
__device__ static double block_sum(double v, double *sh)
{
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int h = SEG_THREADS / 2; h > 0; h >>= 1) {
        if ((int)threadIdx.x < h) sh[threadIdx.x] += sh[threadIdx.x + h];
        __syncthreads();
    }
    double s = sh[0];
    __syncthreads();
    return s;
}

/* Transform b = (g K + s) nch + c: segment s of channel c of record g. */
__global__ static void segment_kernel(const double *x, int64_t n, int nch, int64_t K, int step, int m, int nfft,
                                      int detrend, const double *w, double *out)
{
    __shared__ double sh[SEG_THREADS];
    const int64_t b = blockIdx.x;
    const int c = (int)(b % nch);
    const int64_t gs = b / nch, s = gs % K, g = gs / K;
    const double *seg = x + (g * nch + c) * n + s * step;
    const double tc = 0.5 * (m - 1);
    double a = 0, slope = 0;
    if (detrend != REGIA_DETREND_NONE) {
        double v = 0;
        for (int t = threadIdx.x; t < m; t += SEG_THREADS) v += seg[t];
        a = block_sum(v, sh) / m;
    }
    if (detrend == REGIA_DETREND_LINEAR && m > 1) {
        double sxy = 0, sxx = 0;
        for (int t = threadIdx.x; t < m; t += SEG_THREADS) {
            const double u = t - tc;
            sxy += u * (seg[t] - a);
            sxx += u * u;
        }
        sxy = block_sum(sxy, sh);
        sxx = block_sum(sxx, sh);
        slope = sxy / sxx;
    }
    double *o = out + b * nfft;
    for (int t = threadIdx.x; t < nfft; t += SEG_THREADS)
        o[t] = t < m ? w[t] * (seg[t] - a - slope * (t - tc)) : 0.0;
}

/* PSD: thread (g, c, f) -> out[(g nch + c) nf + f]. */
__global__ static void psd_kernel(const cufftDoubleComplex *X, int64_t G, int nch, int64_t K, int nf,
                                  const double *fac, double *out)
{
    const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= G * nch * nf) return;
    const int f = (int)(i % nf);
    const int64_t gc = i / nf, c = gc % nch, g = gc / nch;
    double sum = 0;
    for (int64_t s = 0; s < K; s++) {
        const cufftDoubleComplex z = X[((g * K + s) * nch + c) * nf + f];
        sum += z.x * z.x + z.y * z.y;
    }
    out[i] = sum * fac[f];
}

/* CSD: thread (g, f, i, j) -> out[(((g nf + f) nch + i) nch + j) 2 + {re, im}]. */
__global__ static void csd_kernel(const cufftDoubleComplex *X, int64_t G, int nch, int64_t K, int nf,
                                  const double *fac, double *out)
{
    const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= G * nf * nch * nch) return;
    const int j = (int)(t % nch), i = (int)(t / nch % nch);
    const int64_t gf = t / ((int64_t)nch * nch);
    const int f = (int)(gf % nf);
    const int64_t g = gf / nf;
    double re = 0, im = 0;
    for (int64_t s = 0; s < K; s++) {
        const cufftDoubleComplex a = X[((g * K + s) * nch + i) * nf + f], z = X[((g * K + s) * nch + j) * nf + f];
        if (i == j) re += a.x * a.x + a.y * a.y;
        else {
            re += a.x * z.x + a.y * z.y; /* conj(a) z */
            im += a.x * z.y - a.y * z.x;
        }
    }
    out[t * 2] = re * fac[f];
    out[t * 2 + 1] = i == j ? 0.0 : im * fac[f];
}

extern "C" regia_status_t regia_cuda_welch(regia_backend_t *be, const regia_welch_batch_t *in, regia_welch_out_t *out)
{
    regia_welch_plan_t p;
    regia_status_t st = regia_welch_plan(in, out, &p);
    if (st) return st;
    regia_backend_stats_t *stats = regia_cuda_stats_begin(be, "welch");
    const int nch = in->nch, nf = p.nf, nfft = p.c.nfft;
    const int64_t K = p.nseg, n = in->n;
    const int csd = in->kind == REGIA_WELCH_CSD;
    const int64_t per_rec = csd ? (int64_t)nf * nch * nch * 2 : (int64_t)nch * nf;
    double *d_x = NULL, *d_w = NULL, *d_fac = NULL, *d_seg = NULL, *d_out = NULL;
    cufftDoubleComplex *d_X = NULL;
    cufftHandle plan = 0;
    int have_plan = 0;
    int64_t G = 1;
    size_t free_b = 0, total_b = 0;
    double *res = csd ? out->csd : out->psd;
    const size_t rec_bytes = sizeof(double) * (size_t)(nch * n + K * nch * nfft + per_rec) +
                             sizeof(cufftDoubleComplex) * (size_t)(K * nch * nf);
    REGIA_CUDA(cudaSetDevice(be->device));
    REGIA_CUDA(cudaMemGetInfo(&free_b, &total_b));
    G = (int64_t)(free_b / 4 / (rec_bytes * 2 + 1)); /* x2: cuFFT's work area */
    if (G > in->n_rec) G = in->n_rec;
    if (G < 1) G = 1;
    REGIA_CUDA(cudaMalloc(&d_x, sizeof(double) * (size_t)(G * nch * n)));
    REGIA_CUDA(cudaMalloc(&d_seg, sizeof(double) * (size_t)(G * K * nch * nfft)));
    REGIA_CUDA(cudaMalloc(&d_X, sizeof(cufftDoubleComplex) * (size_t)(G * K * nch * nf)));
    REGIA_CUDA(cudaMalloc(&d_out, sizeof(double) * (size_t)(G * per_rec)));
    REGIA_CUDA(cudaMalloc(&d_w, sizeof(double) * (size_t)p.c.nperseg));
    REGIA_CUDA(cudaMalloc(&d_fac, sizeof(double) * (size_t)nf));
    REGIA_CUDA(cudaMemcpy(d_w, p.w, sizeof(double) * (size_t)p.c.nperseg, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d_fac, p.fac, sizeof(double) * (size_t)nf, cudaMemcpyHostToDevice));
    {
        int len = nfft;
        REGIA_CUFFT(cufftPlanMany(&plan, 1, &len, NULL, 1, nfft, NULL, 1, nf, CUFFT_D2Z, (int)(K * nch)));
        have_plan = 1;
    }
    for (int64_t r0 = 0; r0 < in->n_rec; r0 += G) {
        const int64_t g_n = in->n_rec - r0 < G ? in->n_rec - r0 : G;
        REGIA_CUDA(cudaMemcpy(d_x, in->x + r0 * nch * n, sizeof(double) * (size_t)(g_n * nch * n),
                              cudaMemcpyHostToDevice));
        segment_kernel<<<(unsigned)(g_n * K * nch), SEG_THREADS>>>(d_x, n, nch, K, p.step, p.c.nperseg, nfft,
                                                                   p.c.detrend, d_w, d_seg);
        REGIA_CUDA_LAUNCH("welch segment_kernel");
        for (int64_t g = 0; g < g_n; g++)
            REGIA_CUFFT(cufftExecD2Z(plan, d_seg + g * K * nch * nfft, d_X + g * K * nch * nf));
        const int64_t threads = csd ? g_n * nf * nch * nch : g_n * nch * nf;
        if (csd) csd_kernel<<<(unsigned)((threads + 255) / 256), 256>>>(d_X, g_n, nch, K, nf, d_fac, d_out);
        else psd_kernel<<<(unsigned)((threads + 255) / 256), 256>>>(d_X, g_n, nch, K, nf, d_fac, d_out);
        REGIA_CUDA_LAUNCH(csd ? "welch csd_kernel" : "welch psd_kernel");
        REGIA_CUDA(cudaMemcpy(res + r0 * per_rec, d_out, sizeof(double) * (size_t)(g_n * per_rec),
                              cudaMemcpyDeviceToHost));
        if (stats) {
            stats->bytes_h2d += 8.0 * (double)(g_n * nch * n);
            stats->bytes_d2h += 8.0 * (double)(g_n * per_rec);
            stats->chunks++;
            stats->chunk_series = G;
        }
    }
err:
    if (have_plan) cufftDestroy(plan);
    cudaFree(d_x);
    cudaFree(d_seg);
    cudaFree(d_X);
    cudaFree(d_out);
    cudaFree(d_w);
    cudaFree(d_fac);
    regia_welch_plan_free(&p);
    return st;
}
