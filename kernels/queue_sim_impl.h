/* queue_sim_impl.h - one replication of the continuous-time priority queue (contract in
 * regia/queue.h; internal to kernels/).  Host and device code share this function: the
 * CPU backend runs it per replication under OpenMP, the CUDA backend one thread per
 * replication, on the same Philox draws, so both give the same sums.
 *
 * Draws: replication r (global) uses the stream (seed, r), path 0, read in order.  The
 * Poisson classes are one stream of the total rate whose arrivals pick their class with
 * probability rate_k / total (the superposition theorem).  Draws are consumed only at
 * arrivals (the arrival's class, its service time, the next interarrival time), so the draws of a replication depend on the arrival
 * process alone: changing the servers, the schedule or the discipline keeps every
 * customer's arrival and service time (common random numbers).
 *
 * Events at the same instant: departures first, then shift changes, then arrivals (a
 * customer arriving as a server frees starts at once).  After the arrivals end (horizon
 * or n_customers) no one arrives and the customers present are served to the end, so
 * every counted wait is complete (none is censored).
 */
#ifndef REGIA_QUEUE_SIM_IMPL_H
#define REGIA_QUEUE_SIM_IMPL_H

#include <math.h>
#include <stdint.h>

#include "draws_impl.h"
#include "regia/queue.h"

/* Workspace of one replication: the waiting customers (a pool of nodes in one singly
 * linked FIFO list per class, with a free list) and the heap of departure times. */
typedef struct {
    double *arr_t, *svc;           /* cap nodes: arrival time, service time               */
    int32_t *next;                 /* cap nodes: next in the class list or the free list  */
    int64_t cap;
    double *heap;                  /* max servers on duty                                 */
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

/* For a few servers the departure times sit in an unordered array of the busy servers'
 * finish times with the index of the earliest: a branch-free scan of <= 16 doubles costs
 * less than a heap's sift with its mispredicted comparisons.  Either structure yields
 * the same earliest time, so the choice never changes a result. */
enum { REGIA_QUEUE_LINEAR_MAX = 16 };

/* The index of the smallest of h[0..n-1], n > 0 (any of equal ones: they are the same
 * time, and servers are interchangeable). */
REGIA_HD static inline int regia_queue_argmin(const double *h, int n)
{
    int b = 0;
    double m = h[0];
    for (int i = 1; i < n; i++) {
        const double v = h[i];
        const int lt = v < m;
        b = lt ? i : b;
        m = lt ? v : m;
    }
    return b;
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
#define REGIA_QUEUE_ARR_BLOCK 32
#endif
typedef struct {
    double t[REGIA_QUEUE_ARR_BLOCK], s[REGIA_QUEUE_ARR_BLOCK]; /* arrival time, service time */
    int k[REGIA_QUEUE_ARR_BLOCK];                              /* class */
    double t_next;                                             /* the arrival after the block */
} regia_queue_arrivals_t;

/* The next block of Poisson arrivals (total rate `total`, cumulative class rates cum). */
REGIA_HD static inline void regia_queue_draw_arrivals(const regia_queue_batch_t *in, const double *cum,
                                                      double total, double inv_total, regia_draws_t *d,
                                                      regia_queue_arrivals_t *a)
{
    const int K = in->n_classes;
    double t = a->t_next;
    if (in->service_dist == REGIA_SVC_EXP) {
        /* three uniforms an arrival: read them first, then the logs without a branch */
        double u[3 * REGIA_QUEUE_ARR_BLOCK];
        regia_draws_fill(d, 3 * REGIA_QUEUE_ARR_BLOCK, u);
        for (int i = 0; i < REGIA_QUEUE_ARR_BLOCK; i++) {
            const double uc = u[3 * i] * total;
            int k = 0;
            for (int c = 0; c < K - 1; c++) k += uc >= cum[c];
            a->k[i] = k;
            a->s[i] = -in->service_mean[k] * log(u[3 * i + 1]);
            a->t[i] = t;
            t = t + -inv_total * log(u[3 * i + 2]);
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
                                                       const int32_t *head, int64_t *o_un)
{
    for (int k = 0; k < in->n_classes; k++)
        for (int32_t x = head[k]; x >= 0; x = ws->next[x]) o_un[k] += ws->arr_t[x] >= in->warmup;
}

/* Replication r of the batch (0 <= r < n_reps; its stream is rep0 + r): fills the sums of
 * its classes in `out` and returns REGIA_QUEUE_REP_OK, or REGIA_QUEUE_REP_OVERFLOW when
 * more than ws.cap customers waited at once (the sums are then incomplete). */
REGIA_HD static inline int regia_queue_rep(const regia_queue_batch_t *in, int r, regia_queue_ws_t ws,
                                           const regia_queue_out_t *out)
{
    const int K = in->n_classes, nt = in->n_t, nb = in->n_bins;
    const double INF = HUGE_VAL;
    int64_t *o_n = out->n + (int64_t)r * K, *o_un = out->unserved + (int64_t)r * K;
    double *o_w = out->sum_w + (int64_t)r * K, *o_w2 = out->sum_w2 + (int64_t)r * K;
    int64_t *o_gt = nt > 0 ? out->n_wait_gt + (int64_t)r * K * nt : 0;
    int64_t *o_h = nb > 0 ? out->hist + (int64_t)r * K * nb : 0;
    for (int k = 0; k < K; k++) { o_n[k] = o_un[k] = 0; o_w[k] = o_w2[k] = 0; }
    for (int64_t j = 0; j < (int64_t)K * nt; j++) o_gt[j] = 0;
    for (int64_t j = 0; j < (int64_t)K * nb; j++) o_h[j] = 0;

    regia_draws_t d;
    regia_draws_init(&d, in->seed, (uint64_t)(in->rep0 + r), 0);
    int32_t head[REGIA_QUEUE_MAX_CLASSES], tail[REGIA_QUEUE_MAX_CLASSES];
    /* Poisson arrivals as one stream of the total rate, each arrival's class drawn with
     * probability rate_k / total (the superposition of the classes' streams) */
    double cum[REGIA_QUEUE_MAX_CLASSES], total = 0, next_arr = INF;
    const int trace = in->arrival_rate == 0;
    unsigned nonempty = 0; /* bit k: class k has someone waiting */
    for (int k = 0; k < K; k++) {
        head[k] = tail[k] = -1;
        total += trace ? 0 : in->arrival_rate[k];
        cum[k] = total;
    }
    const double inv_total = total > 0 ? 1.0 / total : 0;
    regia_queue_arrivals_t ab;
    int i_ab = 0;
    if (total > 0) {
        ab.t_next = regia_draw_exp(&d, 1.0 / total);
        regia_queue_draw_arrivals(in, cum, total, inv_total, &d, &ab);
        next_arr = ab.t[0];
    }
    /* free list over the pool, grown lazily: nodes below `fresh` have been used */
    int32_t free_head = -1;
    int64_t fresh = 0, waiting = 0, arrived = 0, i_trace = 0;
    int busy = 0, arrivals_open = 1;
    /* servers on duty: shift j of cycle `cycle` ends at cycle * period + shift_end[j] */
    int j_shift = 0;
    int64_t cycle = 0;
    int on_duty = in->n_shifts > 0 ? in->shift_servers[0] : in->servers;
    double t_shift = in->n_shifts > 0 ? in->shift_end[0] : INF;

    const double t_hor = in->horizon > 0 ? in->horizon : INF;
    /* departures: a heap (top at 0), or for a few servers an array with its earliest at
     * `top` (see REGIA_QUEUE_LINEAR_MAX) */
    const int linear = regia_queue_max_servers(in) <= REGIA_QUEUE_LINEAR_MAX;
    int top = 0;
    for (;;) {
        const double t_dep = busy > 0 ? ws.heap[top] : INF;
        /* the next input: an arrival, or the horizon that ends the arrivals */
        double t_in = INF;
        int k_arr = 0, closing = 0, is_close = 0;
        if (arrivals_open) {
            double ta = next_arr;
            if (trace) {
                ta = INF;
                if (i_trace < in->n_trace) { ta = in->trace_time[i_trace]; k_arr = in->trace_class[i_trace]; }
            }
            if (ta >= t_hor) { t_in = t_hor; is_close = 1; }
            else t_in = ta;
            if (t_in == INF) {
                /* no arrival left and no horizon (a trace read to its end): they end now */
                arrivals_open = 0;
                regia_queue_count_unserved(in, &ws, head, o_un);
                continue;
            }
        } else if (waiting == 0 || (t_dep == INF && t_shift == INF)) {
            break; /* everyone served (or, defensively, nothing can happen any more) */
        }
        double t;
        int freed = 0; /* the heap's top is a server that just finished */
        if (t_dep <= t_shift && t_dep <= t_in) {
            t = t_dep;
            freed = 1;
            busy--;
        } else if (t_shift <= t_in) {
            t = t_shift;
            if (++j_shift == in->n_shifts) { j_shift = 0; cycle++; }
            on_duty = in->shift_servers[j_shift];
            t_shift = (double)cycle * in->period + in->shift_end[j_shift];
        } else if (is_close) {
            /* the horizon: everything before it has happened */
            arrivals_open = 0;
            regia_queue_count_unserved(in, &ws, head, o_un);
            continue;
        } else {
            t = t_in;
            int k = k_arr;
            double s;
            if (trace) {
                s = regia_queue_service(in, k, &d);
                i_trace++;
            } else {
                /* total > 0 here: next_arr < INF */
                k = ab.k[i_ab];
                s = ab.s[i_ab];
                if (++i_ab == REGIA_QUEUE_ARR_BLOCK) {
                    regia_queue_draw_arrivals(in, cum, total, inv_total, &d, &ab);
                    i_ab = 0;
                }
                next_arr = ab.t[i_ab];
            }
            int32_t x;
            if (free_head >= 0) { x = free_head; free_head = ws.next[x]; }
            else if (fresh < ws.cap) x = (int32_t)fresh++;
            else return REGIA_QUEUE_REP_OVERFLOW;
            ws.arr_t[x] = t;
            ws.svc[x] = s;
            ws.next[x] = -1;
            if (tail[k] >= 0) ws.next[tail[k]] = x;
            else { head[k] = x; nonempty |= 1u << k; }
            tail[k] = x;
            waiting++;
            closing = ++arrived == in->n_customers;
        }
        /* start service on every free server on duty */
        while (busy < on_duty && waiting > 0) {
            int k = -1;
            if (in->discipline == REGIA_DISC_FCFS) {
                double best = INF;
                for (int c = 0; c < K; c++)
                    if (head[c] >= 0 && ws.arr_t[head[c]] < best) { best = ws.arr_t[head[c]]; k = c; }
            } else {
                k = regia_queue_lowest_bit(nonempty);
            }
            int32_t x = head[k];
            head[k] = ws.next[x];
            if (head[k] < 0) { tail[k] = -1; nonempty &= ~(1u << k); }
            ws.next[x] = free_head;
            free_head = x;
            waiting--;
            if (ws.arr_t[x] >= in->warmup) {
                double w = t - ws.arr_t[x];
                o_n[k]++;
                o_w[k] += w;
                o_w2[k] += w * w;
                for (int j = 0; j < nt; j++) o_gt[k * nt + j] += w > in->t[j];
                if (nb > 0) {
                    double b = floor(w / in->bin_width);
                    o_h[k * nb + (b < nb - 1 ? (int)b : nb - 1)]++;
                }
            }
            const double t_fin = t + ws.svc[x];
            if (linear) {
                if (freed) {
                    ws.heap[top] = t_fin;
                    top = regia_queue_argmin(ws.heap, busy + 1);
                } else {
                    ws.heap[busy] = t_fin;
                    if (busy == 0 || t_fin < ws.heap[top]) top = busy;
                }
            } else if (freed) {
                regia_queue_heap_replace(ws.heap, busy + 1, t_fin);
            } else {
                regia_queue_heap_push(ws.heap, busy, t_fin);
            }
            freed = 0;
            busy++;
        }
        if (freed) {
            if (!linear) regia_queue_heap_pop(ws.heap, busy + 1);
            else if (busy > 0) {
                ws.heap[top] = ws.heap[busy];
                top = regia_queue_argmin(ws.heap, busy);
            }
        }
        if (closing) {
            arrivals_open = 0;
            regia_queue_count_unserved(in, &ws, head, o_un);
        }
    }
    return REGIA_QUEUE_REP_OK;
}

#endif
