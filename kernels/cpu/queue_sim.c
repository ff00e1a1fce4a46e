/* The continuous-time priority queue on the CPU (contract in regia/queue.h): replications
 * spread over the threads; each runs regia_queue_rep() (kernels/queue_sim_impl.h, shared
 * with CUDA) on its own stream, so the thread count never changes a result.  A thread's
 * rings of waiting customers (one per class) start small and double when a replication
 * overflows one (the replication is then run again from its start: the same draws, the
 * same result). */
#include <stdlib.h>

#include "../queue_sim_impl.h"
#include "cpu_impl.h"

enum { POOL0 = 4096 };
static const int64_t POOL_MAX = (int64_t)1 << 27; /* customers of one class waiting at once */

static int ws_alloc(regia_queue_ws_t *ws, int64_t cap, int32_t classes, int32_t servers)
{
    free(ws->cust); free(ws->heap);
    ws->cap = cap;
    ws->cust = malloc(sizeof(regia_queue_cust_t) * (size_t)cap * (size_t)classes);
    ws->heap = malloc(sizeof(double) * (size_t)(servers > 0 ? servers : 1));
    return ws->cust && ws->heap;
}

/* regia_queue_rep compiled for x86-64-v4 (AVX-512: the departures' sorted array in two
 * 8-lane vectors, the arrivals' draws 16 Philox counters and 8 logarithms at a time;
 * kernels/cpu/queue_sim_v4.c), for hosts that have it: the same bits as the baseline
 * build (tests/unit/test_k_queue.c compares the op with the baseline copy). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
int regia_cpu_queue_rep_v4(const regia_queue_batch_t *in, int r, regia_queue_ws_t ws, const regia_queue_out_t *out);
#define rep_v4 regia_cpu_queue_rep_v4
static int have_v4(void) { return __builtin_cpu_supports("x86-64-v4"); }
#else
#define rep_v4 regia_queue_rep
static int have_v4(void) { return 0; }
#endif

regia_status_t regia_cpu_queue_sim(regia_backend_t *be, const regia_queue_batch_t *in, regia_queue_out_t *out)
{
    regia_status_t st = regia_queue_check(in, out);
    if (st) return st;
    const int32_t servers = regia_queue_max_servers(in);
    int failed = 0, bad_rep = -1; /* 1: out of memory, 2: the pool limit */
    const int v4 = have_v4();
#pragma omp parallel num_threads(be->threads)
    {
        regia_queue_ws_t ws = {0};
        int ok = ws_alloc(&ws, POOL0, in->n_classes, servers);
#pragma omp for schedule(dynamic, 1)
        for (int r = 0; r < in->n_reps; r++) {
            int rc;
            while (ok && (rc = v4 ? rep_v4(in, r, ws, out) : regia_queue_rep(in, r, ws, out)) == REGIA_QUEUE_REP_OVERFLOW) {
                if (ws.cap >= POOL_MAX) {
#pragma omp critical(regia_queue_fail)
                    { failed = 2; bad_rep = r; }
                    break;
                }
                ok = ws_alloc(&ws, ws.cap * 2, in->n_classes, servers);
            }
            if (!ok) {
#pragma omp atomic write
                failed = 1;
            }
        }
        free(ws.cust); free(ws.heap);
    }
    if (failed == 1) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory in the queue simulation");
    if (failed == 2)
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "queue simulation: replication %lld had more customers waiting at once than the pool "
                          "holds (%lld of one class; is the queue unstable? lower the load, the horizon or n_customers)",
                          (long long)(in->rep0 + bad_rep), (long long)POOL_MAX);
    return REGIA_OK;
}
