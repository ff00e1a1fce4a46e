/* regia/kernels.h - the compute backends: one table of operations, one entry per backend.
 *
 * Kernels compute on batches held in memory: no MPI, no file I/O, no global state.
 * The CPU backend is always built and is the reference (oracle) for the others; a CUDA
 * backend exists when regia is built with REGIA_USE_CUDA.  Callers use the thin wrappers
 * below, never the table directly.
 */
#ifndef REGIA_KERNELS_H
#define REGIA_KERNELS_H

#include "regia/ets.h"
#include "regia/novelty.h"
#include "regia/queue.h"
#include "regia/risk.h"
#include "regia/status.h"
#include "regia/welch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct regia_backend regia_backend_t;

/* What a backend measured during its last operation, for benchmarks and logs (all zero
 * where a backend measures nothing, as the CPU backend).  Times of the stages are sums
 * over the chunks a batch was split into; the chunks overlap (transfers of one chunk
 * run while another computes), so the sum of the stages can exceed the op's wall time. */
typedef struct {
    const char *op;              /* "ets", "exceed", "breach" or NULL                  */
    double seconds_h2d;          /* host-to-device copies                              */
    double seconds_kernel;       /* kernels (ETS: transpose + fit and forecast)        */
    double seconds_d2h;          /* device-to-host copies                              */
    double seconds_host;         /* host copies into and out of the pinned buffers     */
    double bytes_h2d, bytes_d2h;
    double evals;                /* ETS: objective evaluations (recursions run)        */
    double bytes_y_read;         /* ETS: 8 x series values those recursions read: a
                                  * lower bound of the fit's device-memory traffic     */
    int chunks;                  /* chunks the batch was split into                    */
    int64_t chunk_series;        /* series per chunk                                   */
} regia_backend_stats_t;

/* Operation table of a backend.  Every op: host pointers in and out, blocking (the
 * results are in place when it returns), thread-compatible (one backend handle per
 * thread).  An op a backend lacks is NULL and the wrapper reports REGIA_ERR_UNSUPPORTED. */
typedef struct {
    const char *name;            /* "cpu", "cuda"                                      */
    /* Is the backend usable on this machine? (CUDA: a device is visible.) */
    int (*available)(void);
    /* Open a handle on device `device` (ignored by the CPU backend); `threads` <= 0
     * means all the threads OpenMP offers. */
    regia_status_t (*open)(regia_backend_t *be, int device, int threads);
    void (*close)(regia_backend_t *be);
    /* Human-readable description of the device in use ("cpu: 8 threads", ...). */
    void (*describe)(const regia_backend_t *be, char *buf, int len);
    regia_status_t (*ets)(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out);
    regia_status_t (*exceed)(regia_backend_t *be, const regia_exceed_batch_t *in, double *prob);
    regia_status_t (*breach)(regia_backend_t *be, const regia_breach_batch_t *in,
                             regia_breach_out_t *out);
    /* Measurements of the last operation (NULL: the backend measures nothing). */
    void (*stats)(const regia_backend_t *be, regia_backend_stats_t *out);
    /* Monte Carlo queues (regia/queue.h): after `stats` so that positional tables stay
     * valid. */
    regia_status_t (*queue_sim)(regia_backend_t *be, const regia_queue_batch_t *in, regia_queue_out_t *out);
    regia_status_t (*slot_sim)(regia_backend_t *be, const regia_slot_batch_t *in, regia_slot_out_t *out);
    /* Welch PSD / cross-spectral matrices of batches of records (regia/welch.h). */
    regia_status_t (*welch)(regia_backend_t *be, const regia_welch_batch_t *in, regia_welch_out_t *out);
    /* The linear algebra of an environmental-compensation fit (regia/novelty.h). */
    regia_status_t (*novelty_la)(regia_backend_t *be, const regia_nla_in_t *in, regia_nla_out_t *out);
} regia_backend_ops_t;

struct regia_backend {
    const regia_backend_ops_t *ops;
    int device;                  /* device ordinal in use (-1 for the CPU)             */
    int threads;                 /* host threads used by the CPU backend               */
    void *impl;                  /* backend-private state (each op's buffers live here) */
    regia_backend_t *fallback;   /* auto only: the CPU reference handle that runs the
                                    ops this backend lacks (NULL when it has them all) */
};

/* NULL-terminated registry of the backends compiled in (cpu first). */
extern const regia_backend_ops_t *const regia_backends[];

/* Open the backend called `name` ("cpu", "cuda" or "auto": CUDA when a device is
 * visible, else CPU) on `device`.  Asking for "cuda" where none is usable is an error
 * with a message saying why.  It also sets OpenBLAS to one thread unless
 * OPENBLAS_NUM_THREADS (or GOTO_NUM_THREADS) is set (regia_blas_single_thread). */
regia_status_t regia_backend_open(regia_backend_t *be, const char *name, int device, int threads);
/* OpenBLAS's thread count set to 1 unless the environment sets OPENBLAS_NUM_THREADS or
 * GOTO_NUM_THREADS: 1 when it was set, 0 when left alone (set by the environment, or a
 * BLAS other than OpenBLAS).  regia's threads are its own (kernels/blas_info.c). */
int regia_blas_single_thread(void);
/* "OpenBLAS 0.3.21, SkylakeX kernels, 1 thread" (or "a BLAS other than OpenBLAS"). */
void regia_blas_describe(char *buf, int len);
/* 1 when OpenBLAS runs its generic kernels (Prescott, Core2, ...: a CPU model it does not
 * know) on a CPU with AVX2, where OPENBLAS_CORETYPE=Haswell or SkylakeX would be faster. */
int regia_blas_generic_kernels(void);
void regia_backend_close(regia_backend_t *be);
const char *regia_backend_name(const regia_backend_t *be);
/* The description names the ops that fall back to the CPU reference, if any. */
void regia_backend_describe(const regia_backend_t *be, char *buf, int len);
/* Series per call that keep this backend busy: the CPU fills its 16 vector lanes on every
 * thread; a GPU gets at least 10^5 series. */
int64_t regia_backend_batch(const regia_backend_t *be);

regia_status_t regia_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out);
regia_status_t regia_exceed(regia_backend_t *be, const regia_exceed_batch_t *in, double *prob);
regia_status_t regia_breach(regia_backend_t *be, const regia_breach_batch_t *in,
                            regia_breach_out_t *out);
/* The continuous-time priority queue and the weekly booking-slot model (regia/queue.h). */
regia_status_t regia_queue_sim(regia_backend_t *be, const regia_queue_batch_t *in, regia_queue_out_t *out);
regia_status_t regia_slot_sim(regia_backend_t *be, const regia_slot_batch_t *in, regia_slot_out_t *out);
/* Welch spectra of a batch (regia/welch.h): host arrays in and out, blocking. */
regia_status_t regia_welch(regia_backend_t *be, const regia_welch_batch_t *in, regia_welch_out_t *out);
/* One least-squares, SVD or covariance problem of a compensation fit (regia/novelty.h):
 * host arrays in and out, blocking; LAPACK on the CPU, cuSOLVER/cuBLAS on CUDA. */
regia_status_t regia_novelty_la(regia_backend_t *be, const regia_nla_in_t *in, regia_nla_out_t *out);
/* Measurements of the backend's last operation (zeros when it keeps none). */
void regia_backend_stats(const regia_backend_t *be, regia_backend_stats_t *out);

/* Backend tables (defined in kernels/cpu and kernels/cuda). */
extern const regia_backend_ops_t regia_cpu_backend;
#ifdef REGIA_USE_CUDA
extern const regia_backend_ops_t regia_cuda_backend;
#endif

#ifdef __cplusplus
}
#endif
#endif
