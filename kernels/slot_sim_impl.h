/* slot_sim_impl.h - one Monte Carlo path of the weekly booking-slot model of one item
 * (contract in regia/queue.h; internal to kernels/).  Host and device code share these
 * functions: the CPU backend runs them per (item, path) under OpenMP, the CUDA backend one
 * thread per (item, path); the per-path counts are reduced over paths on the host by
 * regia_slot_reduce_item(), the same code for both, so every backend gives the same
 * outputs.
 *
 * Days: day 0 is a Monday; booking day d books slots on days d+1 .. d+book_ahead.  Pools:
 * 0..3 reserved for classes U, B, D, P, 4 the general pool.  A week's slots of a pool are
 * spread over its days by cumulative rounding of the weekday shares (day j of the week
 * gets round(N c[j+1]) - round(N c[j]), c the cumulative shares), so a week has exactly
 * its N slots; weeks past the horizon repeat the last week's capacity.
 *
 * Draws (stream key[i]; the path word holds the path in its low 24 bits, the purpose
 * above):
 *  - purpose 0, read in order: the arrivals (each week the classes' intensities, each day
 *    the classes' counts).  They depend on the arrival inputs only, so candidate
 *    capacities see the same requests (common random numbers);
 *  - purpose 1 + (j >> 14): the fate of the j-th request of class k booked from request
 *    day r (counter (r << 16) | (k << 14) | (j & 16383));
 *  - purpose 256: the fate of entry e of the current list (counter e, its index within
 *    the item's list).
 * A fate is one draw of four uniforms: cancelled when u0 < p_cancel (its slot freed on day
 * d + floor(u1 (s - d)) for a booking made on day d for day s: the same day frees it at
 * once); else a no-show when u2 < p_noshow: the slot is used and the patient asks again on
 * day s (one more request of the class, booked like the others but not counted in the
 * weekly outputs: it is not a new first access).  A re-booked appointment is kept.
 */
#ifndef REGIA_SLOT_SIM_IMPL_H
#define REGIA_SLOT_SIM_IMPL_H

#include <math.h>
#include <stdint.h>

#include "draws_impl.h"
#include "regia/queue.h"

enum { REGIA_SLOT_POOLS = 5, REGIA_SLOT_GENERAL = 4 };

/* Sizes shared by every (item, path) of a batch (kernels/slot_check.c computes them):
 * the workspace of one path is ws_ints int32 values; its counts res_len doubles. */
typedef struct {
    int32_t d_book_max, d_slots_max; /* booking and slot days of the largest item         */
    int64_t ev_cap;                  /* cancellation events pending at once (max over items) */
    int64_t ws_ints;                 /* int32 workspace of one (item, path)                */
    int32_t res_len;                 /* doubles of one path's counts: 12 weeks + 4         */
    const int64_t *ord_off;          /* n_items * 4 + 1: the unbooked current list of item i,
                                        class k, oldest first: ord[ord_off[i*4+k] ..)       */
    const int64_t *ord;              /* list entries (global indices), unbooked ones only  */
} regia_slot_plan_t;

#ifdef __cplusplus
extern "C" {
#endif
/* Check a batch and its outputs (messages name the item and field) and make its plan
 * (ord and ord_off allocated here; regia_slot_plan_free releases them).  Host code. */
regia_status_t regia_slot_plan(const regia_slot_batch_t *in, const regia_slot_out_t *out, regia_slot_plan_t *plan);
void regia_slot_plan_free(regia_slot_plan_t *plan);
/* Reduce the per-path counts of item i (res: n_paths blocks of plan->res_len doubles)
 * into the outputs; scratch: n_paths doubles. */
void regia_slot_reduce_item(const regia_slot_batch_t *in, const regia_slot_plan_t *plan, int i, const double *res,
                            double *scratch, const regia_slot_out_t *out);
#ifdef __cplusplus
}
#endif

/* Days of booking for item i: the horizon plus its longest limit, after which every
 * request of the horizon still unbooked is beyond its limit whatever happens. */
REGIA_HD static inline int32_t regia_slot_d_book(const regia_slot_batch_t *in, int i)
{
    double lmax = 0;
    for (int k = 0; k < REGIA_SLOT_CLASSES; k++)
        if (in->limit_days[i * 4 + k] > lmax) lmax = in->limit_days[i * 4 + k];
    return 7 * in->weeks + (int32_t)floor(lmax);
}

REGIA_HD static inline int64_t regia_slot_spread(int64_t n, const double *weekday, int j)
{
    double c0 = 0, c1;
    for (int x = 0; x < j; x++) c0 += weekday[x];
    c1 = j == 6 ? 1.0 : c0 + weekday[j];
    return (int64_t)floor(n * c1 + 0.5) - (int64_t)floor(n * c0 + 0.5);
}

/* Slots of pool p (0..3 reserved, 4 general) of item i on day `day`. */
REGIA_HD static inline int32_t regia_slot_capacity(const regia_slot_batch_t *in, int i, int p, int32_t day)
{
    int32_t w = day / 7;
    if (w >= in->weeks) w = in->weeks - 1;
    int64_t n;
    if (p < 4) {
        n = in->reserve ? in->reserve[i * 4 + p] : 0;
    } else {
        n = (int64_t)in->slots_week[(int64_t)i * in->weeks + w] + (in->extra_week ? in->extra_week[i] : 0);
        if (in->reserve)
            for (int k = 0; k < 4; k++) n -= in->reserve[i * 4 + k];
    }
    return (int32_t)regia_slot_spread(n, in->weekday, day % 7);
}

/* The state of one path (pointers into its workspace). */
typedef struct {
    int32_t *free_;   /* [p * ds + day] free slots                                       */
    int32_t *nb;      /* [k * d7 + r] requests of day r (counted) not booked yet         */
    int32_t *rb;      /* [k * db + r] re-bookings (no-shows) asking on day r, not booked */
    int32_t *ev_head; /* [c] first cancellation event freed on day c, or -1               */
    int32_t *ev_slot; /* [e] the slot an event frees: day * 8 + pool                       */
    int32_t *ev_next;
    int32_t ff[REGIA_SLOT_POOLS]; /* every day in [d+1, ff[p]) of pool p is full        */
    int32_t ds, d7, db, ev_free, ev_fresh;
    int64_t ev_cap;
} regia_slot_state_t;

/* The first free slot within [lo, hi] of pool p, or a day > hi when none is (keeps
 * ff[p]: the days it skipped are full). */
REGIA_HD static inline int32_t regia_slot_scan(regia_slot_state_t *S, int p, int32_t lo, int32_t hi)
{
    int32_t s = S->ff[p] > lo ? S->ff[p] : lo;
    const int32_t *f = S->free_ + (int64_t)p * S->ds;
    while (s <= hi && f[s] == 0) s++;
    S->ff[p] = s;
    return s;
}

/* Book a request of class k on day d: the slot day, its pool in *pool; -1 when no slot
 * it may use is free within the agenda. */
REGIA_HD static inline int32_t regia_slot_book(const regia_slot_batch_t *in, regia_slot_state_t *S, int k, int32_t d,
                                               int *pool)
{
    int32_t hi = d + in->book_ahead;
    if (hi > S->ds - 1) hi = S->ds - 1;
    int32_t best = hi + 1;
    int bp = -1;
    int32_t s = regia_slot_scan(S, k, d + 1, hi);
    if (s <= hi) { best = s; bp = k; }
    s = regia_slot_scan(S, REGIA_SLOT_GENERAL, d + 1, best - 1);
    if (s < best) { best = s; bp = REGIA_SLOT_GENERAL; }
    if (in->release_days)
        for (int q = 0; q < 4; q++) {
            if (q == k) continue;
            int32_t h = d + in->release_days[q];
            if (h > best - 1) h = best - 1;
            if (h < d + 1) continue;
            s = regia_slot_scan(S, q, d + 1, h);
            if (s <= h) { best = s; bp = q; }
        }
    if (bp < 0) return -1;
    S->free_[(int64_t)bp * S->ds + best]--;
    *pool = bp;
    return best;
}

REGIA_HD static inline void regia_slot_release(regia_slot_state_t *S, int p, int32_t day)
{
    S->free_[(int64_t)p * S->ds + day]++;
    if (day < S->ff[p]) S->ff[p] = day;
}

/* Apply a fate (u: four uniforms) to a booking made on day d for day s in pool p of a
 * class-k request; returns 0, or 1 when the event pool is full. */
REGIA_HD static inline int regia_slot_fate(const regia_slot_batch_t *in, int i, regia_slot_state_t *S, const double *u,
                                           int k, int32_t d, int32_t s, int p)
{
    if (u[0] < in->p_cancel[i]) {
        int32_t c = d + (int32_t)floor(u[1] * (double)(s - d));
        if (c >= s) c = s - 1;
        if (c <= d) { regia_slot_release(S, p, s); return 0; }
        if (c >= S->db) return 0; /* after the simulation ends */
        int32_t e;
        if (S->ev_free >= 0) { e = S->ev_free; S->ev_free = S->ev_next[e]; }
        else if (S->ev_fresh < S->ev_cap) e = S->ev_fresh++;
        else return 1;
        S->ev_slot[e] = s * 8 + p;
        S->ev_next[e] = S->ev_head[c];
        S->ev_head[c] = e;
    } else if (u[2] < in->p_noshow[i] && s < S->db) {
        S->rb[(int64_t)k * S->db + s]++;
    }
    return 0;
}

/* Path `path` of item i: its counts into res (plan->res_len doubles: [k*W + w] requests,
 * [4W + k*W + w] booked within the limit, [8W + k*W + w] days waited (requests unbooked
 * at the end count the days to the end), [12W + k] requests unbooked at the end of the
 * horizon).  ws: plan->ws_ints int32.  Returns 0, or 1 when the event pool overflowed. */
REGIA_HD static inline int regia_slot_path(const regia_slot_batch_t *in, const regia_slot_plan_t *plan, int i, int path,
                                           int32_t *ws, double *res)
{
    const int W = in->weeks;
    regia_slot_state_t S;
    S.d7 = 7 * W;
    S.db = regia_slot_d_book(in, i);
    S.ds = S.db + in->book_ahead;
    S.ev_cap = plan->ev_cap;
    /* the same layout for every item (sized for the largest), so a path's workspace is
     * one fixed block */
    S.free_ = ws;
    S.nb = S.free_ + (int64_t)REGIA_SLOT_POOLS * plan->d_slots_max;
    S.rb = S.nb + (int64_t)4 * S.d7;
    S.ev_head = S.rb + (int64_t)4 * plan->d_book_max;
    S.ev_slot = S.ev_head + plan->d_book_max;
    S.ev_next = S.ev_slot + plan->ev_cap;
    S.ev_free = -1;
    S.ev_fresh = 0;
    for (int j = 0; j < plan->res_len; j++) res[j] = 0;
    for (int p = 0; p < REGIA_SLOT_POOLS; p++) {
        for (int32_t x = 0; x < S.ds; x++) S.free_[(int64_t)p * S.ds + x] = regia_slot_capacity(in, i, p, x);
        S.ff[p] = 1;
    }
    for (int64_t x = 0; x < 4 * (int64_t)S.d7; x++) S.nb[x] = 0;
    for (int64_t x = 0; x < 4 * (int64_t)S.db; x++) S.rb[x] = 0;
    for (int32_t x = 0; x < S.db; x++) S.ev_head[x] = -1;
    const uint64_t key = in->key[i];
    const uint32_t pw = (uint32_t)path;
    double u[4] = {1, 1, 1, 1}; /* no fate when both probabilities are 0: no draw needed */
    const int fates = in->p_cancel[i] > 0 || in->p_noshow[i] > 0;
    int overflow = 0;

    /* the current list: booked entries take their slot (their class's pool, else the
     * general one, else another class's; nothing when the day is already full) */
    const int64_t l0 = in->list_off[i], l1 = in->list_off[i + 1];
    for (int64_t e = l0; e < l1; e++) {
        int32_t s = in->list_day[e];
        if (s < 0 || s >= S.ds) continue;
        int k = in->list_class[e], p = -1;
        if (S.free_[(int64_t)k * S.ds + s] > 0) p = k;
        else if (S.free_[(int64_t)REGIA_SLOT_GENERAL * S.ds + s] > 0) p = REGIA_SLOT_GENERAL;
        else
            for (int q = 0; q < 4 && p < 0; q++)
                if (S.free_[(int64_t)q * S.ds + s] > 0) p = q;
        if (fates) regia_rng_uniform4(in->seed, key, pw | (256u << 24), (uint32_t)(e - l0), u);
        if (p < 0) {
            if (u[0] >= in->p_cancel[i] && u[2] < in->p_noshow[i] && s < S.db) S.rb[(int64_t)k * S.db + s]++;
            continue;
        }
        S.free_[(int64_t)p * S.ds + s]--;
        overflow |= regia_slot_fate(in, i, &S, u, k, 0, s, p);
    }
    int64_t lp[4], lend[4];
    int32_t hd[4];
    for (int k = 0; k < 4; k++) {
        lp[k] = plan->ord_off[i * 4 + k];
        lend[k] = plan->ord_off[i * 4 + k + 1];
        hd[k] = 0;
    }

    regia_draws_t arr;
    regia_draws_init(&arr, in->seed, key, pw);
    double lam[4] = {0, 0, 0, 0};
    int64_t waiting_counted = 0;
    for (int32_t d = 0; d < S.db; d++) {
        if (d >= S.d7 && waiting_counted == 0) break; /* nothing left that the outputs see */
        /* cancellations freed today */
        for (int32_t e = S.ev_head[d]; e >= 0;) {
            int32_t nx = S.ev_next[e];
            regia_slot_release(&S, S.ev_slot[e] & 7, S.ev_slot[e] >> 3);
            S.ev_next[e] = S.ev_free;
            S.ev_free = e;
            e = nx;
        }
        S.ev_head[d] = -1;
        /* today's requests */
        if (d < S.d7) {
            const int w = d / 7, j = d % 7;
            for (int k = 0; k < 4; k++) {
                const int64_t a = ((int64_t)i * 4 + k) * W + w;
                const double m = in->arr_mean[a], v = in->arr_var[a];
                int64_t n;
                if (v < 0) {
                    n = regia_slot_spread((int64_t)floor(m + 0.5), in->weekday, j);
                } else {
                    if (j == 0) lam[k] = v <= m || m <= 0 ? m : (v - m) / m * regia_draw_gamma(&arr, m * m / (v - m));
                    n = in->weekday[j] > 0 ? regia_draw_poisson(&arr, lam[k] * in->weekday[j]) : 0;
                }
                if (n > 0x3fffffff) n = 0x3fffffff;
                S.nb[(int64_t)k * S.d7 + d] = (int32_t)n;
                res[k * W + w] += (double)n;
                waiting_counted += n;
            }
        }
        /* book, class by class, oldest request first */
        for (int k = 0; k < 4; k++) {
            int full = 0;
            while (!full && lp[k] < lend[k]) {
                int p;
                int32_t s = regia_slot_book(in, &S, k, d, &p);
                if (s < 0) { full = 1; break; }
                int64_t e = plan->ord[lp[k]++];
                if (fates) regia_rng_uniform4(in->seed, key, pw | (256u << 24), (uint32_t)(e - l0), u);
                overflow |= regia_slot_fate(in, i, &S, u, k, d, s, p);
            }
            for (int32_t r = hd[k]; !full && r <= d; r++) {
                int32_t *rbr = &S.rb[(int64_t)k * S.db + r];
                while (*rbr > 0) {
                    int p;
                    int32_t s = regia_slot_book(in, &S, k, d, &p);
                    if (s < 0) { full = 1; break; }
                    (*rbr)--;
                }
                int32_t *nbr = r < S.d7 ? &S.nb[(int64_t)k * S.d7 + r] : 0;
                while (!full && nbr && *nbr > 0) {
                    int p;
                    int32_t s = regia_slot_book(in, &S, k, d, &p);
                    if (s < 0) { full = 1; break; }
                    const int32_t jj = --(*nbr);
                    const int w = r / 7, wait = s - r;
                    res[4 * W + k * W + w] += wait <= in->limit_days[i * 4 + k];
                    res[8 * W + k * W + w] += wait;
                    waiting_counted--;
                    if (fates)
                        regia_rng_uniform4(in->seed, key, pw | ((1u + ((uint32_t)jj >> 14)) << 24),
                                           ((uint32_t)r << 16) | ((uint32_t)k << 14) | ((uint32_t)jj & 16383u), u);
                    overflow |= regia_slot_fate(in, i, &S, u, k, d, s, p);
                }
                if (!full && r == hd[k]) hd[k] = r + 1;
            }
        }
        if (d == S.d7 - 1)
            for (int k = 0; k < 4; k++) {
                double n = (double)(lend[k] - lp[k]);
                for (int32_t r = hd[k]; r <= d; r++) n += S.rb[(int64_t)k * S.db + r] + S.nb[(int64_t)k * S.d7 + r];
                res[12 * W + k] = n;
            }
    }
    /* requests still unbooked: beyond the limit, waiting at least to the end */
    for (int k = 0; k < 4; k++)
        for (int32_t r = hd[k]; r < S.d7; r++) res[8 * W + k * W + r / 7] += (double)S.nb[(int64_t)k * S.d7 + r] * (S.db - r);
    return overflow;
}

#endif
