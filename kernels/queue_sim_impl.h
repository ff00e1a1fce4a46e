/* queue_sim_impl.h - one replication of the continuous-time priority queue (contract in
 * regia/queue.h; internal to kernels/).  Host and device code share this function: the
 * CPU backend runs it per replication under OpenMP, the CUDA backend one thread per
 * replication, on the same Philox draws, so both give the same sums.
 *
 * Draws: replication r (global) uses the stream (seed, r), path 0, read in order.  The
 * Poisson classes are one stream of the total rate whose arrivals pick their class with
 * probability rate_k / total (the superposition theorem).  Draws are consumed only at
 * arrivals (the arrival's class, its service time, the next interarrival time), so the
 * draws of a replication depend on the arrival process alone: changing the servers, the schedule or the discipline keeps every
 * customer's arrival and service time (common random numbers).
 *
 * Events at the same instant: departures first, then shift changes, then arrivals (a
 * customer arriving as a server frees starts at once).  After the arrivals end (horizon
 * or n_customers) no one arrives and the customers present are served to the end, so
 * every counted wait is complete (none is censored).
 *
 * Structure (docs/queue.md, "Tests and benchmark", says what each part saved): waiting
 * customers in one FIFO ring per class; departures in a sorted array in registers up to
 * 16 servers (a heap above); an event loop that starts an arriving customer at once when a server is
 * free and, while every server is busy, only queues the arrivals before the next
 * departure or shift change; arrivals drawn ahead in blocks on the host.
 */
#ifndef REGIA_QUEUE_SIM_IMPL_H
#define REGIA_QUEUE_SIM_IMPL_H

#include <math.h>
#include <stdint.h>

#include "draws_impl.h"
#include "regia/queue.h"

#if defined(__CUDACC__)
#define REGIA_QUEUE_INLINE __forceinline__
#define REGIA_QUEUE_NOINLINE
#else
#define REGIA_QUEUE_INLINE inline __attribute__((always_inline))
#define REGIA_QUEUE_NOINLINE __attribute__((noinline))
#endif

/* A waiting customer: arrival time and service time. */
typedef struct {
    double t, s;
} regia_queue_cust_t;

/* Workspace of one replication: the waiting customers, one FIFO ring of `cap` entries per
 * class (class k at cust + k * cap; cap a power of two), and for more than
 * REGIA_QUEUE_SORT_MAX servers the heap of departure times (max servers on duty). */
typedef struct {
    regia_queue_cust_t *cust;      /* n_classes * cap                                      */
    int64_t cap;                   /* a power of two, at most 2^31                         */
    double *heap;                  /* max servers on duty (unused up to SORT_MAX servers)  */
} regia_queue_ws_t;

#ifdef __cplusplus
extern "C" {
#endif
/* Checks of a batch and its outputs, with a message naming the field (host code,
 * kernels/queue_check.c): every backend validates with these before it simulates. */
regia_status_t regia_queue_check(const regia_queue_batch_t *in, const regia_queue_out_t *out);
#ifdef __cplusplus
}
#endif

/* What a replication returns besides its sums. */
enum { REGIA_QUEUE_REP_OK = 0, REGIA_QUEUE_REP_OVERFLOW = 1 };

/* The most servers ever on duty (the heap's size). */
REGIA_HD static inline int32_t regia_queue_max_servers(const regia_queue_batch_t *in)
{
    if (in->n_shifts <= 0) return in->servers;
    int32_t m = 0;
    for (int j = 0; j < in->n_shifts; j++)
        if (in->shift_servers[j] > m) m = in->shift_servers[j];
    return m;
}

/* A service time of class k. */
REGIA_HD static inline double regia_queue_service(const regia_queue_batch_t *in, int k, regia_draws_t *d)
{
    const double mean = in->service_mean[k];
    const double cv = in->service_cv ? in->service_cv[k] : 1.0;
    switch (in->service_dist) {
    case REGIA_SVC_DET: return mean;
    case REGIA_SVC_LOGNORMAL: {
        if (cv <= 0) return mean;
        double s2 = log1p(cv * cv);
        return exp(log(mean) - 0.5 * s2 + sqrt(s2) * regia_draw_normal(d));
    }
    case REGIA_SVC_GAMMA: {
        if (cv <= 0) return mean;
        double shape = 1.0 / (cv * cv);
        return mean / shape * regia_draw_gamma(d, shape);
    }
    default: return regia_draw_exp(d, mean);
    }
}

REGIA_HD static inline void regia_queue_heap_push(double *h, int n, double v)
{
    int i = n;
    while (i > 0) {
        int p = (i - 1) >> 1;
        if (h[p] <= v) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = v;
}

/* Replace the top of a heap of n > 0 elements by v (a server that finishes and starts
 * the next customer: one sift-down instead of a pop and a push). */
REGIA_HD static inline void regia_queue_heap_replace(double *h, int n, double v)
{
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n) break;
        c += c + 1 < n && h[c + 1] < h[c];
        if (v <= h[c]) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = v;
}

/* Remove the top of a heap of n > 0 elements. */
REGIA_HD static inline void regia_queue_heap_pop(double *h, int n)
{
    if (n > 1) regia_queue_heap_replace(h, n - 1, h[n - 1]);
}

/* For up to REGIA_QUEUE_SORT_MAX servers the departure times sit in an ascending array of
 * N slots (N >= the most servers ever on duty, a constant of each copy of the event loop),
 * +inf for an idle server: slot 0 is the next departure.  Both updates are a fixed
 * sequence of minima and maxima over every slot, without a branch (see the two functions
 * below): the chain of dependent steps from one departure time to the next is one
 * addition, a maximum and a minimum, whatever N.  On the host the slots are pairs in SSE2
 * registers (the array never goes to memory, so no load waits on a store), on the device
 * plain doubles.  Above that many servers a binary heap.  Any structure yields the same
 * earliest time (ties are the same time, and servers are interchangeable), so the choice
 * never changes a result. */
enum { REGIA_QUEUE_SORT_MAX = 16 };

/* (REGIA_QUEUE_SORT_PORTABLE: the device's plain doubles on the host too, for a test.)
 * Compiled for AVX-512 (kernels/cpu/queue_sim_v4.c), the slots are two 8-lane vectors,
 * 8 or 16 slots (the slots above N stay +inf: at most N servers are ever busy), each
 * update a few shifts across lanes, maxima and minima. */
#if defined(__AVX512F__) && !defined(__CUDACC__) && !defined(REGIA_QUEUE_SORT_PORTABLE)
#include <immintrin.h>
#define REGIA_QUEUE_SORT_AVX512 1
typedef struct {
    __m512d lo, hi; /* slots 0 .. 7, 8 .. 15 (hi unused for N <= 8) */
} regia_queue_sorted_t;
/* lanes n .. 7 of b then lanes 0 .. n - 1 of a (slots shifted down by n across b, a) */
#define REGIA_QUEUE_SHIFT(a, b, n) _mm512_castsi512_pd(_mm512_alignr_epi64(_mm512_castpd_si512(a), _mm512_castpd_si512(b), n))
#elif defined(__SSE2__) && !defined(__CUDACC__) && !defined(REGIA_QUEUE_SORT_PORTABLE)
#include <emmintrin.h>
#define REGIA_QUEUE_SORT_SSE2 1
typedef struct {
    __m128d p[REGIA_QUEUE_SORT_MAX / 2]; /* slots 2j, 2j + 1 in pair j (N / 2 pairs used) */
} regia_queue_sorted_t;
#else
typedef struct {
    double a[REGIA_QUEUE_SORT_MAX + 1]; /* slots 0 .. N - 1, and a[N] = +inf */
} regia_queue_sorted_t;
#endif

/* The slots of the array for `servers` servers (an even number up to SORT_MAX), or 0 for
 * the heap. */
REGIA_HD static inline int regia_queue_sort_slots(int32_t servers)
{
    return servers <= 2 ? 2 : servers <= 4 ? 4 : servers <= 8 ? 8 : servers <= 12 ? 12 : servers <= 16 ? 16 : 0;
}

REGIA_HD static REGIA_QUEUE_INLINE void regia_queue_sorted_init(regia_queue_sorted_t *q, const int N)
{
#if defined(REGIA_QUEUE_SORT_AVX512)
    q->lo = q->hi = _mm512_set1_pd(HUGE_VAL);
#elif defined(REGIA_QUEUE_SORT_SSE2)
    for (int j = 0; j < N / 2; j++) q->p[j] = _mm_set1_pd(HUGE_VAL);
#else
    for (int j = 0; j <= N; j++) q->a[j] = HUGE_VAL;
#endif
}

/* The next departure time (slot 0; +inf when every server is idle). */
REGIA_HD static REGIA_QUEUE_INLINE double regia_queue_sorted_first(const regia_queue_sorted_t *q)
{
#if defined(REGIA_QUEUE_SORT_AVX512)
    return _mm512_cvtsd_f64(q->lo);
#elif defined(REGIA_QUEUE_SORT_SSE2)
    return _mm_cvtsd_f64(q->p[0]);
#else
    return q->a[0];
#endif
}

/* The server of slot 0 goes on to depart at v >= slot 0's time (+inf: it goes idle): slot 0
 * leaves and v goes in its place.  With L = slots 1 .. N (slot N = +inf) the new slot j
 * is min(max(L[j - 1], v), L[j]) (L[-1] = -inf): L[j] below v, v at the first slot whose L
 * is at or above it, L[j - 1] after it; and max(slot 0, v) = v, so new slot j =
 * min(max(slot j, v), slot j + 1) for every j. */
REGIA_HD static REGIA_QUEUE_INLINE void regia_queue_sorted_next(regia_queue_sorted_t *q, const int N, double v)
{
#if defined(REGIA_QUEUE_SORT_AVX512)
    const __m512d vv = _mm512_set1_pd(v), inf = _mm512_set1_pd(HUGE_VAL);
    if (N > 8) {
        const __m512d up_lo = REGIA_QUEUE_SHIFT(q->hi, q->lo, 1), up_hi = REGIA_QUEUE_SHIFT(inf, q->hi, 1); /* slots j + 1 */
        q->lo = _mm512_min_pd(_mm512_max_pd(q->lo, vv), up_lo);
        q->hi = _mm512_min_pd(_mm512_max_pd(q->hi, vv), up_hi);
    } else {
        q->lo = _mm512_min_pd(_mm512_max_pd(q->lo, vv), REGIA_QUEUE_SHIFT(inf, q->lo, 1));
    }
#elif defined(REGIA_QUEUE_SORT_SSE2)
    const __m128d vv = _mm_set1_pd(v), inf = _mm_set1_pd(HUGE_VAL);
    for (int j = 0; j < N / 2; j++) {
        const __m128d up = _mm_shuffle_pd(q->p[j], j + 1 < N / 2 ? q->p[j + 1] : inf, 1); /* slots 2j+1, 2j+2 */
        q->p[j] = _mm_min_pd(_mm_max_pd(q->p[j], vv), up);
    }
#else
    for (int j = 0; j < N; j++) {
        const double m = q->a[j] > v ? q->a[j] : v;
        q->a[j] = m < q->a[j + 1] ? m : q->a[j + 1];
    }
#endif
}

/* An idle server (slot N - 1 is +inf) starts, to depart at v: v goes in among the slots,
 * the last +inf leaves.  New slot j = max(slot j - 1, min(slot j, v)) (slot -1 = -inf):
 * slot j below v, v at the first slot above it, slot j - 1 after it. */
REGIA_HD static REGIA_QUEUE_INLINE void regia_queue_sorted_insert(regia_queue_sorted_t *q, const int N, double v)
{
#if defined(REGIA_QUEUE_SORT_AVX512)
    const __m512d vv = _mm512_set1_pd(v), ninf = _mm512_set1_pd(-HUGE_VAL);
    if (N > 8) {
        const __m512d down_hi = REGIA_QUEUE_SHIFT(q->hi, q->lo, 7); /* slots j - 1 */
        q->hi = _mm512_max_pd(down_hi, _mm512_min_pd(q->hi, vv));
    }
    q->lo = _mm512_max_pd(REGIA_QUEUE_SHIFT(q->lo, ninf, 7), _mm512_min_pd(q->lo, vv));
#elif defined(REGIA_QUEUE_SORT_SSE2)
    const __m128d vv = _mm_set1_pd(v);
    for (int j = N / 2 - 1; j >= 0; j--) {
        const __m128d down = _mm_shuffle_pd(j > 0 ? q->p[j - 1] : _mm_set1_pd(-HUGE_VAL), q->p[j], 1); /* slots 2j-1, 2j */
        q->p[j] = _mm_max_pd(down, _mm_min_pd(q->p[j], vv));
    }
#else
    for (int j = N - 1; j > 0; j--) {
        const double m = q->a[j] < v ? q->a[j] : v;
        q->a[j] = q->a[j - 1] > m ? q->a[j - 1] : m;
    }
    q->a[0] = q->a[0] < v ? q->a[0] : v;
#endif
}

/* Arrivals drawn ahead in blocks: a replication's draws depend on the arrival process
 * alone (class, service time, next interarrival time per arrival, in that order), so
 * they can be made before the events that use them, in a tight loop whose Philox calls
 * and logs overlap, instead of one at a time inside the event loop.  The same draws in
 * the same order and the same arithmetic: the same bits.  (One at a time on the device,
 * where a thread's buffer would live in slow local memory.) */
#if defined(__CUDA_ARCH__)
#define REGIA_QUEUE_ARR_BLOCK 1
#else
#define REGIA_QUEUE_ARR_BLOCK 64
#endif
typedef struct {
    double t[REGIA_QUEUE_ARR_BLOCK + 1], s[REGIA_QUEUE_ARR_BLOCK]; /* arrival time (t[BLOCK] = +inf), service time */
    int k[REGIA_QUEUE_ARR_BLOCK];                              /* class */
    double t_next;                                             /* the arrival after the block */
} regia_queue_arrivals_t;

#if defined(REGIA_DRAWS_HAVE_AVX512) && defined(REGIA_DRAW_LOG_HAVE_AVX512)
/* The exponential case of regia_queue_draw_arrivals on an AVX-512 host, eight arrivals a
 * step: the same uniforms (the 32-counter fill), their three columns picked out by
 * permutes, the same logarithms (regia_draw_log8_avx512), the class as the count of
 * cumulative rates at or below u total (what the binary search computes), the service
 * time and the interarrival step by the same products; the arrival times summed one by
 * one in order, as the scalar loop does.  The same bits. */
#define REGIA_QUEUE_ARR_AVX512 1
REGIA_DRAWS_AVX512 static void regia_queue_draw_arrivals_exp_avx512(const regia_queue_batch_t *in, const double *cum,
                                                                    double total, double inv_total, regia_draws_t *d,
                                                                    regia_queue_arrivals_t *a)
{
    enum { B = REGIA_QUEUE_ARR_BLOCK };
    const int K = in->n_classes;
    double u[3 * B] __attribute__((aligned(64))), e[8] __attribute__((aligned(64))), t = a->t_next;
    regia_draws_fill_avx512(d, 3 * B, u);
    double negmean[REGIA_QUEUE_MAX_CLASSES];
    for (int k = 0; k < REGIA_QUEUE_MAX_CLASSES; k++) negmean[k] = k < K ? -in->service_mean[k] : 0;
    const __m512d vneg = _mm512_loadu_pd(negmean), vtotal = _mm512_set1_pd(total), vninv = _mm512_set1_pd(-inv_total);
    __m512d cb[REGIA_QUEUE_MAX_CLASSES - 1];
    for (int c = 0; c < K - 1; c++) cb[c] = _mm512_set1_pd(cum[c]);
    /* arrival j of a step of 8 uses u[3j], u[3j + 1], u[3j + 2] of the step's 24: column
     * m from the first 16 (A, B) by one permute, its last lanes from C by another */
    const __m512i i0 = _mm512_setr_epi64(0, 3, 6, 9, 12, 15, 0, 0), j0 = _mm512_setr_epi64(0, 0, 0, 0, 0, 0, 2, 5);
    const __m512i i1 = _mm512_setr_epi64(1, 4, 7, 10, 13, 0, 0, 0), j1 = _mm512_setr_epi64(0, 0, 0, 0, 0, 0, 3, 6);
    const __m512i i2 = _mm512_setr_epi64(2, 5, 8, 11, 14, 0, 0, 0), j2 = _mm512_setr_epi64(0, 0, 0, 0, 0, 1, 4, 7);
    const __m512i one = _mm512_set1_epi64(1);
    for (int g = 0; g < B / 8; g++) {
        const __m512d A = _mm512_load_pd(u + 24 * g), Bv = _mm512_load_pd(u + 24 * g + 8), C = _mm512_load_pd(u + 24 * g + 16);
        const __m512d c0 = _mm512_mask_permutexvar_pd(_mm512_permutex2var_pd(A, i0, Bv), 0xC0, j0, C);
        const __m512d c1 = _mm512_mask_permutexvar_pd(_mm512_permutex2var_pd(A, i1, Bv), 0xE0, j1, C);
        const __m512d c2 = _mm512_mask_permutexvar_pd(_mm512_permutex2var_pd(A, i2, Bv), 0xE0, j2, C);
        const __m512d uc = _mm512_mul_pd(c0, vtotal);
        __m512i kv = _mm512_setzero_si512();
        for (int c = 0; c < K - 1; c++)
            kv = _mm512_mask_add_epi64(kv, _mm512_cmp_pd_mask(uc, cb[c], _CMP_GE_OQ), kv, one);
        _mm256_storeu_si256((__m256i *)(a->k + 8 * g), _mm512_cvtepi64_epi32(kv));
        _mm512_storeu_pd(a->s + 8 * g, _mm512_mul_pd(_mm512_permutexvar_pd(kv, vneg), regia_draw_log8_avx512(c1)));
        _mm512_store_pd(e, _mm512_mul_pd(vninv, regia_draw_log8_avx512(c2)));
        /* the step's arrival times in order (a chain of dependent additions, which the
         * next step's vector work overlaps) */
        for (int i = 0; i < 8; i++) {
            a->t[8 * g + i] = t;
            t = t + e[i];
        }
    }
    a->t_next = t;
}
#endif

/* The next block of Poisson arrivals (total rate `total`, cumulative class rates cum). */
REGIA_HD static REGIA_QUEUE_NOINLINE void regia_queue_draw_arrivals(const regia_queue_batch_t *in, const double *cum,
                                                      double total, double inv_total, regia_draws_t *d,
                                                      regia_queue_arrivals_t *a)
{
    const int K = in->n_classes;
    double t = a->t_next;
    if (in->service_dist == REGIA_SVC_EXP) {
#if defined(REGIA_QUEUE_ARR_AVX512)
        if (regia_draws_avx512()) {
            regia_queue_draw_arrivals_exp_avx512(in, cum, total, inv_total, d, a);
            return;
        }
#endif
        /* three uniforms an arrival: read them first, then the logs without a branch */
        double u[3 * REGIA_QUEUE_ARR_BLOCK];
        regia_draws_fill(d, 3 * REGIA_QUEUE_ARR_BLOCK, u);
        double lg[2 * REGIA_QUEUE_ARR_BLOCK];
#if defined(REGIA_DRAW_LOG_HAVE_AVX2)
        if (__builtin_cpu_supports("avx2")) regia_draw_log_pairs_avx2(u, REGIA_QUEUE_ARR_BLOCK, lg);
        else
#endif
            for (int i = 0; i < REGIA_QUEUE_ARR_BLOCK; i++) {
                lg[2 * i] = regia_draw_log(u[3 * i + 1]);
                lg[2 * i + 1] = regia_draw_log(u[3 * i + 2]);
            }
        /* the class: the number of cumulative rates at or below, over a fixed 7 (the unused +inf) */
        double cb[REGIA_QUEUE_MAX_CLASSES - 1];
        for (int c = 0; c < REGIA_QUEUE_MAX_CLASSES - 1; c++) cb[c] = c < K - 1 ? cum[c] : HUGE_VAL;
        for (int i = 0; i < REGIA_QUEUE_ARR_BLOCK; i++) {
            const double uc = u[3 * i] * total;
            /* branch-free binary search: k = the number of cb[c] <= uc (cb ascending) */
            int k = (uc >= cb[3]) << 2;
            k += (uc >= cb[k + 1]) << 1;
            k += uc >= cb[k];
            a->k[i] = k;
            a->s[i] = -in->service_mean[k] * lg[2 * i];
            a->t[i] = t;
            t = t + -inv_total * lg[2 * i + 1];
        }
        a->t_next = t;
        return;
    }
    for (int i = 0; i < REGIA_QUEUE_ARR_BLOCK; i++) {
        const double u = regia_draw_u(d) * total;
        int k = 0;
        for (int c = 0; c < K - 1; c++) k += u >= cum[c];
        a->t[i] = t;
        a->k[i] = k;
        a->s[i] = regia_queue_service(in, k, d);
        t = t + regia_draw_exp(d, inv_total);
    }
    a->t_next = t;
}

REGIA_HD static inline int regia_queue_lowest_bit(unsigned x)
{
#if defined(__CUDA_ARCH__)
    return __ffs((int)x) - 1;
#else
    return __builtin_ctz(x);
#endif
}

/* Counted customers (arrived at or after the warmup) still waiting, per class. */
REGIA_HD static inline void regia_queue_count_unserved(const regia_queue_batch_t *in, const regia_queue_ws_t *ws,
                                                       const uint32_t *qh, const uint32_t *qt, int64_t *o_un)
{
    const uint32_t mask = (uint32_t)(ws->cap - 1);
    for (int k = 0; k < in->n_classes; k++) {
        const regia_queue_cust_t *q = ws->cust + (int64_t)k * ws->cap;
        for (uint32_t x = qh[k]; x != qt[k]; x++) o_un[k] += q[x & mask].t >= in->warmup;
    }
}


/* The next customer to serve (someone waits): the head of the first non-empty class, or
 * under FCFS the earliest head (the first class among equal times); *k is its class.
 * ring[j] is class j's ring in the workspace, mask its size - 1. */
REGIA_HD static REGIA_QUEUE_INLINE regia_queue_cust_t regia_queue_pop(regia_queue_cust_t *const *ring, uint32_t mask,
                                                                      int K, int fcfs, unsigned *nonempty,
                                                                      uint32_t *qh, const uint32_t *qt, int *k)
{
    int c = regia_queue_lowest_bit(*nonempty);
    if (fcfs) {
        double best = HUGE_VAL;
        for (int j = 0; j < K; j++) {
            if (qh[j] == qt[j]) continue;
            const double tj = ring[j][qh[j] & mask].t;
            if (tj < best) { best = tj; c = j; }
        }
    }
    const regia_queue_cust_t x = ring[c][qh[c]++ & mask];
    *nonempty &= ~((unsigned)(qh[c] == qt[c]) << c); /* without a branch: unpredictable */
    *k = c;
    return x;
}

/* The body of regia_queue_rep for departures in a sorted array of N slots (2 .. SORT_MAX)
 * or a heap (N = 0); N is a constant at every call, so each size gets its own loop.
 *
 * Every event keeps this invariant: a server on duty is idle only when no one waits.  So
 * an arrival that finds a free server starts at once (a wait of 0, never queued), and a
 * departure starts at most one customer, on the server just freed. */
REGIA_HD static REGIA_QUEUE_INLINE int regia_queue_rep_d(const regia_queue_batch_t *in, int r, regia_queue_ws_t ws,
                                                         const regia_queue_out_t *out, const int N)
{
    const int K = in->n_classes, nt = in->n_t, nb = in->n_bins;
    const double INF = HUGE_VAL;
    int64_t *o_n = out->n + (int64_t)r * K, *o_un = out->unserved + (int64_t)r * K;
    double *o_w = out->sum_w + (int64_t)r * K, *o_w2 = out->sum_w2 + (int64_t)r * K;
    int64_t *o_gt = nt > 0 ? out->n_wait_gt + (int64_t)r * K * nt : 0;
    int64_t *o_h = nb > 0 ? out->hist + (int64_t)r * K * nb : 0;
    /* the sums in local arrays (no aliasing with the workspace), stored at the end */
    int64_t n_k[REGIA_QUEUE_MAX_CLASSES];
    double w_k[REGIA_QUEUE_MAX_CLASSES], w2_k[REGIA_QUEUE_MAX_CLASSES];
    for (int k = 0; k < K; k++) { n_k[k] = o_un[k] = 0; w_k[k] = w2_k[k] = 0; }
    for (int64_t j = 0; j < (int64_t)K * nt; j++) o_gt[j] = 0;
    for (int64_t j = 0; j < (int64_t)K * nb; j++) o_h[j] = 0;
    const double warmup = in->warmup;
    const int fcfs = in->discipline == REGIA_DISC_FCFS, tails = nt > 0;
    /* arrivals left before n_customers ends them (-1: no such end) */
    int64_t left = in->n_customers > 0 ? in->n_customers : -1;

    regia_draws_t d;
    regia_draws_init(&d, in->seed, (uint64_t)(in->rep0 + r), 0);
    /* the waiting lines: ring k holds entries qh[k] .. qt[k] - 1 (mod cap) */
    uint32_t qh[REGIA_QUEUE_MAX_CLASSES], qt[REGIA_QUEUE_MAX_CLASSES];
    const uint32_t mask = (uint32_t)(ws.cap - 1), cap = (uint32_t)ws.cap;
    /* Poisson arrivals as one stream of the total rate, each arrival's class drawn with
     * probability rate_k / total (the superposition of the classes' streams) */
    double cum[REGIA_QUEUE_MAX_CLASSES], total = 0, next_arr = INF;
    const int trace = in->arrival_rate == 0;
    unsigned nonempty = 0; /* bit k: class k has someone waiting */
    regia_queue_cust_t *ring[REGIA_QUEUE_MAX_CLASSES];
    for (int k = 0; k < K; k++) {
        ring[k] = ws.cust + (int64_t)k * ws.cap;
        qh[k] = qt[k] = 0;
        total += trace ? 0 : in->arrival_rate[k];
        cum[k] = total;
    }
    const double inv_total = total > 0 ? 1.0 / total : 0;
    const int drawn = !trace && total > 0; /* Poisson arrivals, drawn ahead in blocks */
    regia_queue_arrivals_t ab;
    int i_ab = 0;
    int64_t i_trace = 0, waiting = 0;
    if (trace) {
        if (in->n_trace > 0) next_arr = in->trace_time[0];
    } else if (total > 0) {
        ab.t_next = regia_draw_exp(&d, 1.0 / total);
        ab.t[REGIA_QUEUE_ARR_BLOCK] = INF;
        regia_queue_draw_arrivals(in, cum, total, inv_total, &d, &ab);
        next_arr = ab.t[0];
    }
    /* servers on duty: shift j of cycle `cycle` ends at cycle * period + shift_end[j] */
    int j_shift = 0, busy = 0;
    int64_t cycle = 0;
    int on_duty = in->n_shifts > 0 ? in->shift_servers[0] : in->servers;
    double t_shift = in->n_shifts > 0 ? in->shift_end[0] : INF;
    const double t_hor = in->horizon > 0 ? in->horizon : INF;
    const int trace_end = trace && t_hor == INF; /* the end of the trace ends the arrivals */
    /* the end of the arrivals: at the horizon, after n_customers, or (no horizon) when a
     * trace is read to its end */
    double t_close = t_hor;
    int open = 1;
    if (next_arr == INF && t_hor == INF) { open = 0; t_close = INF; }
    /* a trace without a horizon ends with its last arrival: count it in `left` (trace
     * times are finite, so that arrival is the one after which next_arr is INF) */
    if (trace_end && (left < 0 || left > in->n_trace)) left = in->n_trace;
    regia_queue_sorted_t dep;
    if (N > 0) regia_queue_sorted_init(&dep, N);

/* a counted customer of class k who arrived at ta starts service at t */
#define REGIA_QUEUE_SERVE(k, ta, t)                                                           \
    do {                                                                                   \
        if ((ta) >= warmup) {                                                              \
            const double w_ = (t) - (ta);                                                  \
            n_k[k]++;                                                                      \
            w_k[k] += w_;                                                                  \
            w2_k[k] += w_ * w_;                                                            \
            if (tails) {                                                                   \
                for (int j_ = 0; j_ < nt; j_++) o_gt[(k) * nt + j_] += w_ > in->t[j_];     \
            }                                                                              \
            if (nb > 0) {                                                                  \
                const double b_ = floor(w_ / in->bin_width);                               \
                o_h[(k) * nb + (b_ < nb - 1 ? (int)b_ : nb - 1)]++;                        \
            }                                                                              \
        }                                                                                  \
    } while (0)

/* the next arrival: class k, service time s, at time next_arr, which moves on to the one after */
#define REGIA_QUEUE_TAKE_ARRIVAL(k, s)                                                      \
    do {                                                                                   \
        if (trace) {                                                                       \
            k = in->trace_class[i_trace];                                                  \
            s = regia_queue_service(in, k, &d);                                            \
            next_arr = ++i_trace < in->n_trace ? in->trace_time[i_trace] : INF;            \
        } else {                                                                           \
            k = ab.k[i_ab];                                                                \
            s = ab.s[i_ab];                                                                \
            next_arr = ab.t[++i_ab]; /* +inf at the block's end: see REFILL */            \
        }                                                                                  \
    } while (0)
/* whether the block of arrivals is used up while arrivals go on: then the next block is
 * drawn (not inside the loops that queue arrivals, whose registers a call would spill:
 * the block's +inf sentinel stops them, and the loop around draws and goes on) */
#define REGIA_QUEUE_BLOCK_DONE() (i_ab == REGIA_QUEUE_ARR_BLOCK && open)
#define REGIA_QUEUE_REFILL()                                                                \
    do {                                                                                   \
        regia_queue_draw_arrivals(in, cum, total, inv_total, &d, &ab);                     \
        i_ab = 0;                                                                          \
        next_arr = ab.t[0];                                                                \
    } while (0)
/* after an arrival: the n_customers-th, or (no horizon) a trace's last, ends the arrivals */
#define REGIA_QUEUE_LAST_ARRIVAL() (--left == 0)

    for (;;) {
        if (!open && waiting == 0) break; /* everyone served */
        double t_dep = N > 0 ? regia_queue_sorted_first(&dep) : busy > 0 ? ws.heap[0] : INF;
        const double t_ctl = t_shift <= t_close ? t_shift : t_close;
        if (busy >= on_duty) {
            /* no free server: the arrivals before the next departure and the next shift change
             * or horizon (which come first at one instant) only join their class's line; then,
             * while someone waits, a departure before the shift change starts the next customer
             * on the server just freed (busy, on_duty and t_ctl stay the same meanwhile: the
             * loop of a busy day, without the other events' checks) */
            const int was_open = open;
            int served = 0;
            for (;;) {
                /* servers whose shift has ended and who finish before the next shift change
                 * or horizon go off duty at once: no one starts service while more servers
                 * are busy than on duty, so these departures and the arrivals before them
                 * may be taken in either order (one tight loop at each shift's end instead
                 * of departures interleaved with the night's arrivals) */
                while (busy > on_duty && t_dep <= t_ctl) {
                    busy--;
                    if (N > 0) {
                        regia_queue_sorted_next(&dep, N, INF);
                        t_dep = regia_queue_sorted_first(&dep);
                    } else {
                        regia_queue_heap_pop(ws.heap, busy + 1);
                        t_dep = busy > 0 ? ws.heap[0] : INF;
                    }
                    served = 1;
                }
                const double t_stop = t_dep < t_ctl ? t_dep : t_ctl;
                if (drawn && waiting + REGIA_QUEUE_ARR_BLOCK <= (int64_t)cap) {
                    /* every ring has room for the rest of the block (no class holds more
                     * than `waiting`; the block's sentinel ends this loop): no overflow
                     * test an arrival */
                    while (next_arr < t_stop) {
                        const int k = ab.k[i_ab];
                        regia_queue_cust_t *x = ring[k] + (qt[k]++ & mask);
                        x->t = next_arr;
                        x->s = ab.s[i_ab];
                        next_arr = ab.t[++i_ab];
                        nonempty |= 1u << k;
                        waiting++;
                        if (REGIA_QUEUE_LAST_ARRIVAL()) {
                            open = 0;
                            t_close = next_arr = INF;
                            regia_queue_count_unserved(in, &ws, qh, qt, o_un);
                        }
                    }
                }
                while (next_arr < t_stop) {
                    const double t = next_arr;
                    int k;
                    double s;
                    REGIA_QUEUE_TAKE_ARRIVAL(k, s);
                    if (qt[k] - qh[k] == cap) return REGIA_QUEUE_REP_OVERFLOW;
                    regia_queue_cust_t *x = ring[k] + (qt[k]++ & mask);
                    x->t = t;
                    x->s = s;
                    nonempty |= 1u << k;
                    waiting++;
                    if (REGIA_QUEUE_LAST_ARRIVAL()) {
                        open = 0;
                        t_close = next_arr = INF;
                        regia_queue_count_unserved(in, &ws, qh, qt, o_un);
                    }
                }
                if (REGIA_QUEUE_BLOCK_DONE()) {
                    REGIA_QUEUE_REFILL();
                    continue;
                }
                if (open != was_open || !((busy <= on_duty) & (t_dep <= t_ctl) & (t_dep < INF) & (waiting > 0))) break;
                /* a departure (next_arr >= t_dep here), and the server goes on with the next customer */
                int k;
                const regia_queue_cust_t x = regia_queue_pop(ring, mask, K, fcfs, &nonempty, qh, qt, &k);
                waiting--;
                const double t = t_dep;
                REGIA_QUEUE_SERVE(k, x.t, t);
                if (N > 0) {
                    regia_queue_sorted_next(&dep, N, t_dep + x.s);
                    t_dep = regia_queue_sorted_first(&dep);
                } else {
                    regia_queue_heap_replace(ws.heap, busy, t_dep + x.s);
                    t_dep = ws.heap[0];
                }
                served = 1;
            }
            /* the arrivals ended (t_ctl is stale), or the state changed: look again */
            if (open != was_open || served) continue;
        }
        if (t_dep <= t_ctl && t_dep <= next_arr) {
            /* a departure (first at any instant) */
            if (t_dep == INF) break; /* defensive: nothing can happen any more */
            const double t = t_dep;
            if (waiting > 0 && busy <= on_duty) {
                /* the server goes on with the next customer */
                int k;
                const regia_queue_cust_t x = regia_queue_pop(ring, mask, K, fcfs, &nonempty, qh, qt, &k);
                waiting--;
                REGIA_QUEUE_SERVE(k, x.t, t);
                if (N > 0) regia_queue_sorted_next(&dep, N, t + x.s);
                else regia_queue_heap_replace(ws.heap, busy, t + x.s);
            } else {
                if (N > 0) regia_queue_sorted_next(&dep, N, INF);
                else regia_queue_heap_pop(ws.heap, busy);
                busy--;
            }
        } else if (t_ctl <= next_arr) {
            if (t_shift <= t_close) {
                /* a shift change: the servers now on duty start on whoever waits */
                const double t = t_shift;
                if (++j_shift == in->n_shifts) { j_shift = 0; cycle++; }
                on_duty = in->shift_servers[j_shift];
                t_shift = (double)cycle * in->period + in->shift_end[j_shift];
                while (busy < on_duty && waiting > 0) {
                    int k;
                    const regia_queue_cust_t x = regia_queue_pop(ring, mask, K, fcfs, &nonempty, qh, qt, &k);
                    waiting--;
                    REGIA_QUEUE_SERVE(k, x.t, t);
                    if (N > 0) regia_queue_sorted_insert(&dep, N, t + x.s);
                    else regia_queue_heap_push(ws.heap, busy, t + x.s);
                    busy++;
                }
            } else {
                /* the horizon: everything before it has happened, no arrival at or after it */
                open = 0;
                t_close = next_arr = INF;
                regia_queue_count_unserved(in, &ws, qh, qt, o_un);
            }
        } else {
            /* an arrival, with a free server (the loop above takes the others), so no one
             * waits: service starts at once */
            const double t = next_arr;
            int k;
            double s;
            REGIA_QUEUE_TAKE_ARRIVAL(k, s);
            if (REGIA_QUEUE_BLOCK_DONE()) REGIA_QUEUE_REFILL();
            REGIA_QUEUE_SERVE(k, t, t);
            if (N > 0) regia_queue_sorted_insert(&dep, N, t + s);
            else regia_queue_heap_push(ws.heap, busy, t + s);
            busy++;
            if (REGIA_QUEUE_LAST_ARRIVAL()) {
                open = 0;
                t_close = next_arr = INF;
                regia_queue_count_unserved(in, &ws, qh, qt, o_un);
            }
        }
    }
#undef REGIA_QUEUE_TAKE_ARRIVAL
#undef REGIA_QUEUE_BLOCK_DONE
#undef REGIA_QUEUE_REFILL
#undef REGIA_QUEUE_LAST_ARRIVAL
#undef REGIA_QUEUE_SERVE
    for (int k = 0; k < K; k++) { o_n[k] = n_k[k]; o_w[k] = w_k[k]; o_w2[k] = w2_k[k]; }
    return REGIA_QUEUE_REP_OK;
}

/* Replication r of the batch (0 <= r < n_reps; its stream is rep0 + r): fills the sums of
 * its classes in `out` and returns REGIA_QUEUE_REP_OK, or REGIA_QUEUE_REP_OVERFLOW when
 * more than ws.cap customers of one class waited at once (the sums are then incomplete).
 * ws.heap is needed only above REGIA_QUEUE_SORT_MAX servers. */
REGIA_HD static REGIA_QUEUE_INLINE int regia_queue_rep(const regia_queue_batch_t *in, int r, regia_queue_ws_t ws,
                                           const regia_queue_out_t *out)
{
    switch (regia_queue_sort_slots(regia_queue_max_servers(in))) {
    case 2: return regia_queue_rep_d(in, r, ws, out, 2);
    case 4: return regia_queue_rep_d(in, r, ws, out, 4);
    case 8: return regia_queue_rep_d(in, r, ws, out, 8);
    case 12: return regia_queue_rep_d(in, r, ws, out, 12);
    case 16: return regia_queue_rep_d(in, r, ws, out, 16);
    default: return regia_queue_rep_d(in, r, ws, out, 0);
    }
}

#endif
