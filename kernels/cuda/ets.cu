/* ETS on CUDA (contract in regia/ets.h): one thread per series runs regia_ets_fit_one(),
 * the function the CPU backend runs (kernels/ets_fit_impl.h), so both select, fit and
 * forecast with the same arithmetic (tolerances: docs/methods.md, "CPU and CUDA
 * backends").
 *
 * Streaming.  The batch is cut into chunks of at most `cap` series that fit in device
 * memory (cudaMemGetInfo; two chunks are resident at once).  Each chunk goes through
 *     host rows -> pinned buffer -> device (series-major) -> transpose kernel ->
 *     time-major y -> fit kernel -> outputs -> pinned buffer -> caller's arrays
 * on one of two CUDA streams, alternately, so that the copies of chunk i + 1 (and the
 * host-side packing and unpacking) overlap the fit of chunk i.  Device and pinned
 * buffers stay allocated in the backend handle between calls and grow when needed.
 *
 * Device layout of a chunk (cap series; thread i = series i of the chunk):
 *     y_rows   cap x stride     the rows as the caller stores them (copy target)
 *     y        stride x cap     time-major: y[t * cap + i], so the 32 threads of a warp
 *                               reading step t read 256 consecutive bytes
 *     ws       W x cap          per-thread workspace (regia_ets_ws_t, W doubles per
 *                               series for the period and horizon), interleaved the
 *                               same way: element j of thread i at ws[j * cap + i]
 *     len, fit, mean, var, lower, upper, state: as regia_ets_out_t, for the chunk.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "../ets_check_impl.h"
#include "../ets_fit_impl.h"
#include "cuda_check.cuh"
#include "cuda_impl.cuh"

namespace {

constexpr int FIT_BLOCK = 128;
constexpr int TILE = 32;

struct FitArgs {
    regia_ets_spec_t spec;
    int n;        /* series in this chunk               */
    int64_t cap;  /* interleaving stride (chunk slots)  */
    int h, nl, ss;
    double levels[REGIA_ETS_MAX_LEVELS];
    const double *y;      /* time-major, stride cap */
    const int32_t *len;
    double *ws;
    regia_ets_fit_t *fit;
    double *mean, *var, *lower, *upper, *state;
    unsigned long long *counters; /* [0] evaluations, [1] series values they read */
};

__global__ void __launch_bounds__(FIT_BLOCK) ets_fit_kernel(FitArgs a)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= a.n) return;
    regia_ets_ws_t ws;
    regia_ets_ws_init(&ws, a.ws + i, a.cap, a.spec.period, a.h);
    const int64_t h = a.h, nlh = (int64_t)a.nl * a.h;
    regia_ets_fit_one(&a.spec, a.y + i, a.len[i], a.h, a.nl, a.levels, &ws, &a.fit[i], a.mean + i * h,
                      a.var + i * h, a.lower + i * nlh, a.upper + i * nlh, a.state + (int64_t)i * a.ss, a.ss);
    atomicAdd(&a.counters[0], ws.evals);
    atomicAdd(&a.counters[1], ws.evals * (unsigned long long)a.len[i]);
}

/* rows[i * stride + t] (i < n, t < stride) -> cols[t * cap + i], by 32 x 32 tiles through
 * shared memory so that both the reads and the writes are coalesced.  Grid: x over
 * series tiles, y over time tiles. */
__global__ void transpose_kernel(const double *rows, double *cols, int n, int stride, int64_t cap)
{
    __shared__ double tile[TILE][TILE + 1];
    const int i0 = blockIdx.x * TILE, t0 = blockIdx.y * TILE;
    for (int k = threadIdx.y; k < TILE; k += blockDim.y) {
        int i = i0 + k, t = t0 + threadIdx.x;
        if (i < n && t < stride) tile[k][threadIdx.x] = rows[(int64_t)i * stride + t];
    }
    __syncthreads();
    for (int k = threadIdx.y; k < TILE; k += blockDim.y) {
        int t = t0 + k, i = i0 + threadIdx.x;
        if (i < n && t < stride) cols[(int64_t)t * cap + i] = tile[threadIdx.x][k];
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Buffers of one stream. */
struct Slot {
    cudaStream_t stream;
    cudaEvent_t ev[4]; /* before H2D, after H2D, after kernels, after D2H */
    double *d_rows, *d_y, *d_ws, *d_mean, *d_var, *d_lo, *d_up, *d_state;
    int32_t *d_len;
    regia_ets_fit_t *d_fit;
    unsigned long long *d_counters;
    /* pinned host buffers */
    double *h_rows, *h_mean, *h_var, *h_lo, *h_up, *h_state;
    int32_t *h_len;
    regia_ets_fit_t *h_fit;
    unsigned long long *h_counters;
    /* the chunk in flight */
    int busy, s0, cnt;
};

} // namespace

/* The ETS op's state, kept in the backend handle between calls (regia_cuda_op_state):
 * its buffers and the sizes they were made for: slots of `cap` series, rows of `stride`
 * values, per series ws_doubles, nh = h and nlh = nl * h outputs, ss state values. */
struct EtsState {
    regia_backend_stats_t *stats; /* the handle's measurements                           */
    int ets_ready;
    int64_t cap, stride, ws_doubles, nh, nlh, ss;
    Slot slot[2];
};

static void free_slot(Slot *s)
{
    cudaFree(s->d_rows); cudaFree(s->d_y); cudaFree(s->d_ws); cudaFree(s->d_mean); cudaFree(s->d_var);
    cudaFree(s->d_lo); cudaFree(s->d_up); cudaFree(s->d_state); cudaFree(s->d_len); cudaFree(s->d_fit);
    cudaFree(s->d_counters);
    cudaFreeHost(s->h_rows); cudaFreeHost(s->h_mean); cudaFreeHost(s->h_var); cudaFreeHost(s->h_lo);
    cudaFreeHost(s->h_up); cudaFreeHost(s->h_state); cudaFreeHost(s->h_len); cudaFreeHost(s->h_fit);
    cudaFreeHost(s->h_counters);
    for (int k = 0; k < 4; k++) if (s->ev[k]) cudaEventDestroy(s->ev[k]);
    if (s->stream) cudaStreamDestroy(s->stream);
    memset(s, 0, sizeof *s);
}

static void ets_state_free(void *p)
{
    EtsState *es = (EtsState *)p;
    for (int k = 0; k < 2; k++) free_slot(&es->slot[k]);
    free(es);
}

/* The handle's ETS state, made on first use; NULL when the handle is not open. */
static EtsState *ets_state(regia_backend_t *be)
{
    EtsState *es = (EtsState *)regia_cuda_op_state(be, REGIA_CUDA_OP_ETS, sizeof(EtsState), ets_state_free);
    if (es) es->stats = regia_cuda_stats_ptr(be);
    return es;
}

/* Device bytes one series needs in one slot. */
static size_t bytes_per_series(int64_t stride, int64_t ws_doubles, int h, int nl, int ss)
{
    return sizeof(double) * (size_t)(2 * stride + ws_doubles + 2 * (int64_t)h + 2 * (int64_t)nl * h + ss) +
           sizeof(int32_t) + sizeof(regia_ets_fit_t);
}

/* Series per chunk: REGIA_CUDA_ETS_CHUNK if set (tuning), else 1024 per multiprocessor
 * (135,168 on an H100 SXM: two waves of the fit kernel at its occupancy of 512 threads
 * per SM, and a first chunk whose copy-in, not overlapped, stays short), never more
 * than half of the free memory allows (two slots). */
static regia_status_t choose_cap(int device, int n, size_t per_series, int64_t *cap_out)
{
    regia_status_t st = REGIA_OK;
    size_t free_b = 0, total_b = 0;
    int sms = 0;
    int64_t cap;
    const char *env = getenv("REGIA_CUDA_ETS_CHUNK");
    REGIA_CUDA(cudaMemGetInfo(&free_b, &total_b));
    REGIA_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    cap = env && atol(env) > 0 ? atol(env) : 1024 * (int64_t)sms;
    {
        /* two slots, and room left for the local memory of the resident threads */
        const double usable = 0.8 * (double)free_b - 2e9 > 0.5 * (double)free_b ? 0.8 * (double)free_b - 2e9
                                                                                : 0.5 * (double)free_b;
        int64_t fit_mem = (int64_t)(usable / (2.0 * (double)per_series));
        if (cap > fit_mem) cap = fit_mem;
    }
    if (cap > n) cap = n;
    if (cap < 1)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "GPU memory: %.1f MiB free, one series needs %.1f MiB twice",
                          free_b / 1048576.0, per_series / 1048576.0);
    /* keep the interleaved rows aligned: a multiple of 32 series (one warp) */
    if (cap < n && cap > 32) cap -= cap % 32;
    *cap_out = cap;
err:
    return st;
}

/* Buffers for slots of cap series; those of an earlier call are kept when they are large
 * enough (a smaller chunk, row, workspace or output fits in them as laid out above). */
static regia_status_t ensure_buffers(EtsState *cs, int64_t cap, int64_t stride, int64_t wsd, int h, int nl,
                                     int ss)
{
    regia_status_t st = REGIA_OK;
    if (cs->ets_ready && cap <= cs->cap && stride <= cs->stride && wsd <= cs->ws_doubles && h <= cs->nh &&
        (int64_t)nl * h <= cs->nlh && ss <= cs->ss)
        return REGIA_OK;
    for (int k = 0; k < 2; k++) free_slot(&cs->slot[k]);
    cs->ets_ready = 0;
    for (int k = 0; k < 2; k++) {
        Slot *s = &cs->slot[k];
        const size_t nh = (size_t)cap * h, nlh = nh * nl;
        REGIA_CUDA(cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking));
        for (int e = 0; e < 4; e++) REGIA_CUDA(cudaEventCreate(&s->ev[e]));
        REGIA_CUDA(cudaMalloc(&s->d_rows, sizeof(double) * (size_t)cap * stride));
        REGIA_CUDA(cudaMalloc(&s->d_y, sizeof(double) * (size_t)cap * stride));
        REGIA_CUDA(cudaMalloc(&s->d_ws, sizeof(double) * (size_t)cap * wsd));
        REGIA_CUDA(cudaMalloc(&s->d_mean, sizeof(double) * nh));
        REGIA_CUDA(cudaMalloc(&s->d_var, sizeof(double) * nh));
        REGIA_CUDA(cudaMalloc(&s->d_lo, sizeof(double) * (nlh ? nlh : 1)));
        REGIA_CUDA(cudaMalloc(&s->d_up, sizeof(double) * (nlh ? nlh : 1)));
        REGIA_CUDA(cudaMalloc(&s->d_state, sizeof(double) * (size_t)cap * ss));
        REGIA_CUDA(cudaMalloc(&s->d_len, sizeof(int32_t) * (size_t)cap));
        REGIA_CUDA(cudaMalloc(&s->d_fit, sizeof(regia_ets_fit_t) * (size_t)cap));
        REGIA_CUDA(cudaMalloc(&s->d_counters, 2 * sizeof(unsigned long long)));
        REGIA_CUDA(cudaMallocHost(&s->h_rows, sizeof(double) * (size_t)cap * stride));
        REGIA_CUDA(cudaMallocHost(&s->h_mean, sizeof(double) * nh));
        REGIA_CUDA(cudaMallocHost(&s->h_var, sizeof(double) * nh));
        REGIA_CUDA(cudaMallocHost(&s->h_lo, sizeof(double) * (nlh ? nlh : 1)));
        REGIA_CUDA(cudaMallocHost(&s->h_up, sizeof(double) * (nlh ? nlh : 1)));
        REGIA_CUDA(cudaMallocHost(&s->h_state, sizeof(double) * (size_t)cap * ss));
        REGIA_CUDA(cudaMallocHost(&s->h_len, sizeof(int32_t) * (size_t)cap));
        REGIA_CUDA(cudaMallocHost(&s->h_fit, sizeof(regia_ets_fit_t) * (size_t)cap));
        REGIA_CUDA(cudaMallocHost(&s->h_counters, 2 * sizeof(unsigned long long)));
    }
    cs->cap = cap;
    cs->stride = stride;
    cs->ws_doubles = wsd;
    cs->nh = h;
    cs->nlh = (int64_t)nl * h;
    cs->ss = ss;
    cs->ets_ready = 1;
    return REGIA_OK;
err:
    for (int k = 0; k < 2; k++) free_slot(&cs->slot[k]);
    return st;
}

/* Wait for the chunk in flight on slot s, copy its results to the caller and add its
 * timings to the statistics. */
static regia_status_t finish_chunk(EtsState *cs, Slot *s, regia_ets_out_t *out, int h, int nl)
{
    regia_status_t st = REGIA_OK;
    if (!s->busy) return REGIA_OK;
    float ms_h2d = 0, ms_k = 0, ms_d2h = 0;
    double t_unpack;
    const size_t c = (size_t)s->cnt, s0 = (size_t)s->s0, nh = c * h, nlh = nh * nl;
    REGIA_CUDA(cudaStreamSynchronize(s->stream));
    s->busy = 0;
    REGIA_CUDA(cudaEventElapsedTime(&ms_h2d, s->ev[0], s->ev[1]));
    REGIA_CUDA(cudaEventElapsedTime(&ms_k, s->ev[1], s->ev[2]));
    REGIA_CUDA(cudaEventElapsedTime(&ms_d2h, s->ev[2], s->ev[3]));
    cs->stats->seconds_h2d += ms_h2d * 1e-3;
    cs->stats->seconds_kernel += ms_k * 1e-3;
    cs->stats->seconds_d2h += ms_d2h * 1e-3;
    cs->stats->evals += (double)s->h_counters[0];
    cs->stats->bytes_y_read += 8.0 * (double)s->h_counters[1];
    t_unpack = now_s();
    memcpy(out->fit + s0, s->h_fit, sizeof(regia_ets_fit_t) * c);
    memcpy(out->mean + s0 * h, s->h_mean, sizeof(double) * nh);
    memcpy(out->var + s0 * h, s->h_var, sizeof(double) * nh);
    if (nlh) {
        memcpy(out->lower + s0 * h * nl, s->h_lo, sizeof(double) * nlh);
        memcpy(out->upper + s0 * h * nl, s->h_up, sizeof(double) * nlh);
    }
    memcpy(out->state + s0 * out->state_stride, s->h_state, sizeof(double) * c * out->state_stride);
    cs->stats->seconds_host += now_s() - t_unpack;
err:
    return st;
}

extern "C" regia_status_t regia_cuda_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out)
{
    regia_status_t st = regia_ets_check_batch(in, out);
    if (st != REGIA_OK) return st;
    if (!be->impl) return REGIA_FAIL(REGIA_ERR_INVALID, "CUDA backend used without being opened");
    regia_cuda_stats_begin(be, "ets");
    EtsState *cs = ets_state(be);
    if (!cs) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    const int n = in->n_series, m = in->spec.period, h = in->horizon, nl = in->n_levels, ss = out->state_stride;
    if (n == 0) return REGIA_OK;
    const int64_t stride = in->stride > 0 ? in->stride : 1, wsd = regia_ets_ws_doubles(m, h);
    const size_t per_series = bytes_per_series(stride, wsd, h, nl, ss);
    int64_t cap = 0;
    int chunk = 0;
    FitArgs a;
    memset(&a, 0, sizeof a);
    a.spec = in->spec;
    a.h = h;
    a.nl = nl;
    a.ss = ss;
    for (int k = 0; k < nl; k++) a.levels[k] = in->levels[k];
    REGIA_CUDA(cudaSetDevice(be->device));
    REGIA_TRY(choose_cap(be->device, n, per_series, &cap));
    REGIA_TRY(ensure_buffers(cs, cap, stride, wsd, h, nl, ss));
    cs->stats->chunk_series = cap;
    for (int s0 = 0; s0 < n; s0 += (int)cap, chunk++) {
        Slot *s = &cs->slot[chunk % 2];
        const int c = n - s0 < cap ? n - s0 : (int)cap;
        /* the slot's previous chunk must be done before its buffers are reused */
        REGIA_TRY(finish_chunk(cs, s, out, h, nl));
        const double t_pack = now_s();
        memcpy(s->h_rows, in->y + (size_t)s0 * in->stride, sizeof(double) * (size_t)c * in->stride);
        memcpy(s->h_len, in->len + s0, sizeof(int32_t) * (size_t)c);
        cs->stats->seconds_host += now_s() - t_pack;
        const size_t rows_b = sizeof(double) * (size_t)c * in->stride;
        REGIA_CUDA(cudaEventRecord(s->ev[0], s->stream));
        if (rows_b) REGIA_CUDA(cudaMemcpyAsync(s->d_rows, s->h_rows, rows_b, cudaMemcpyHostToDevice, s->stream));
        REGIA_CUDA(cudaMemcpyAsync(s->d_len, s->h_len, sizeof(int32_t) * c, cudaMemcpyHostToDevice, s->stream));
        REGIA_CUDA(cudaMemsetAsync(s->d_counters, 0, 2 * sizeof(unsigned long long), s->stream));
        REGIA_CUDA(cudaEventRecord(s->ev[1], s->stream));
        if (in->stride > 0) {
            dim3 tb(TILE, 8), tg((unsigned)((c + TILE - 1) / TILE), (unsigned)((in->stride + TILE - 1) / TILE));
            transpose_kernel<<<tg, tb, 0, s->stream>>>(s->d_rows, s->d_y, c, in->stride, cap);
            REGIA_CUDA_LAUNCH("transpose_kernel");
        }
        a.n = c;
        a.cap = cap;
        a.y = s->d_y;
        a.len = s->d_len;
        a.ws = s->d_ws;
        a.fit = s->d_fit;
        a.mean = s->d_mean;
        a.var = s->d_var;
        a.lower = s->d_lo;
        a.upper = s->d_up;
        a.state = s->d_state;
        a.counters = s->d_counters;
        ets_fit_kernel<<<(unsigned)((c + FIT_BLOCK - 1) / FIT_BLOCK), FIT_BLOCK, 0, s->stream>>>(a);
        REGIA_CUDA_LAUNCH("ets_fit_kernel");
        REGIA_CUDA(cudaEventRecord(s->ev[2], s->stream));
        {
            const size_t nh = (size_t)c * h, nlh = nh * nl;
            REGIA_CUDA(cudaMemcpyAsync(s->h_fit, s->d_fit, sizeof(regia_ets_fit_t) * c, cudaMemcpyDeviceToHost, s->stream));
            REGIA_CUDA(cudaMemcpyAsync(s->h_mean, s->d_mean, sizeof(double) * nh, cudaMemcpyDeviceToHost, s->stream));
            REGIA_CUDA(cudaMemcpyAsync(s->h_var, s->d_var, sizeof(double) * nh, cudaMemcpyDeviceToHost, s->stream));
            if (nlh) {
                REGIA_CUDA(cudaMemcpyAsync(s->h_lo, s->d_lo, sizeof(double) * nlh, cudaMemcpyDeviceToHost, s->stream));
                REGIA_CUDA(cudaMemcpyAsync(s->h_up, s->d_up, sizeof(double) * nlh, cudaMemcpyDeviceToHost, s->stream));
            }
            REGIA_CUDA(cudaMemcpyAsync(s->h_state, s->d_state, sizeof(double) * (size_t)c * ss, cudaMemcpyDeviceToHost,
                                       s->stream));
            REGIA_CUDA(cudaMemcpyAsync(s->h_counters, s->d_counters, 2 * sizeof(unsigned long long),
                                       cudaMemcpyDeviceToHost, s->stream));
            REGIA_CUDA(cudaEventRecord(s->ev[3], s->stream));
            cs->stats->bytes_h2d += (double)rows_b + sizeof(int32_t) * (double)c;
            cs->stats->bytes_d2h += (double)(sizeof(regia_ets_fit_t) * c + sizeof(double) * (2 * nh + 2 * nlh + (size_t)c * ss));
        }
        s->busy = 1;
        s->s0 = s0;
        s->cnt = c;
        cs->stats->chunks++;
    }
    /* the last two chunks, oldest first */
    for (int k = 0; k < 2; k++) REGIA_TRY(finish_chunk(cs, &cs->slot[(chunk + k) % 2], out, h, nl));
    return REGIA_OK;
err:
    /* leave no work in flight on buffers that a later call may reuse or free */
    for (int k = 0; k < 2; k++)
        if (cs->slot[k].stream) { cudaStreamSynchronize(cs->slot[k].stream); cs->slot[k].busy = 0; }
    (void)cudaGetLastError();
    return st;
}
