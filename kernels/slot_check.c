/* The host side of the booking-slot model (contract in regia/queue.h): checks of a batch,
 * its plan (sizes and the current list in booking order) and the reduction of the
 * per-path counts of an item into its outputs.  Every backend uses these, so a bad batch
 * fails with the same message and the same counts give the same outputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "slot_sim_impl.h"

#define BAD(...) REGIA_FAIL(REGIA_ERR_INVALID, "slot simulation: " __VA_ARGS__)

static const char *const CLASS[4] = {"U", "B", "D", "P"};

static regia_status_t check(const regia_slot_batch_t *in, const regia_slot_out_t *out)
{
    if (in->n_items < 0) return BAD("n_items %d < 0", in->n_items);
    if (in->weeks < 1 || in->weeks > 1000) return BAD("weeks %d is not in 1..1000", in->weeks);
    if (in->book_ahead < 1 || in->book_ahead > 3650) return BAD("book_ahead %d is not in 1..3650 days", in->book_ahead);
    if (in->n_paths < 1 || in->n_paths > (1 << 24)) return BAD("n_paths %d is not in 1..2^24", in->n_paths);
    if (in->n_q < 0 || in->n_q > REGIA_SLOT_MAX_Q) return BAD("n_q %d is not in 0..%d", in->n_q, REGIA_SLOT_MAX_Q);
    for (int j = 0; j < in->n_q; j++)
        if (!(in->q[j] >= 0 && in->q[j] <= 1)) return BAD("quantile q[%d] = %g is not in [0, 1]", j, in->q[j]);
    if (!out->share_mean || !out->p_miss || !out->requests_mean || !out->wait_mean || !out->unbooked_end ||
        (in->n_q > 0 && !out->share_q))
        return BAD("an output array is NULL");
    if (in->n_items == 0) return REGIA_OK;
    if (!in->slots_week || !in->weekday || !in->arr_mean || !in->arr_var || !in->p_cancel || !in->p_noshow ||
        !in->limit_days || !in->target || !in->list_off || !in->key)
        return BAD("an input array is NULL");
    double sum = 0;
    for (int j = 0; j < 7; j++) {
        if (!(in->weekday[j] >= 0) || !isfinite(in->weekday[j])) return BAD("weekday[%d] = %g is not a share >= 0", j, in->weekday[j]);
        sum += in->weekday[j];
    }
    if (fabs(sum - 1) > 1e-6) return BAD("the weekday shares sum to %.9g, not 1", sum);
    if (in->release_days)
        for (int k = 0; k < 4; k++)
            if (in->release_days[k] < 0) return BAD("release_days of class %s is %d (< 0)", CLASS[k], in->release_days[k]);
    if (in->list_off[0] < 0) return BAD("list_off[0] = %lld < 0", (long long)in->list_off[0]);
    for (int i = 0; i < in->n_items; i++) {
        int64_t res = 0;
        for (int k = 0; k < 4; k++) {
            int64_t r = in->reserve ? in->reserve[i * 4 + k] : 0;
            if (r < 0) return BAD("item %d: reserve of class %s is %lld (< 0)", i, CLASS[k], (long long)r);
            res += r;
            double lim = in->limit_days[i * 4 + k], tg = in->target[i * 4 + k];
            if (!(lim >= 0 && lim <= 3650)) return BAD("item %d: limit_days of class %s = %g is not in 0..3650", i, CLASS[k], lim);
            if (!(tg >= 0 && tg <= 1)) return BAD("item %d: target of class %s = %g is not in [0, 1]", i, CLASS[k], tg);
            for (int w = 0; w < in->weeks; w++) {
                int64_t a = ((int64_t)i * 4 + k) * in->weeks + w;
                double m = in->arr_mean[a], v = in->arr_var[a];
                if (!(m >= 0) || !isfinite(m) || isnan(v) || isinf(v) || m > 1e8)
                    return BAD("item %d, class %s, week %d: predicted requests %g with variance %g (need a finite mean "
                               "in 0..1e8 and a finite variance)", i, CLASS[k], w, m, v);
            }
        }
        int64_t extra = in->extra_week ? in->extra_week[i] : 0;
        if (extra < 0) return BAD("item %d: extra_week %lld < 0", i, (long long)extra);
        for (int w = 0; w < in->weeks; w++) {
            int64_t s = in->slots_week[(int64_t)i * in->weeks + w];
            if (s < 0 || s + extra > 10000000) return BAD("item %d, week %d: slots_week %lld is not in 0..1e7", i, w, (long long)s);
            if (s + extra < res)
                return BAD("item %d, week %d: the reserved slots (%lld) exceed the week's slots (%lld)", i, w, (long long)res,
                           (long long)(s + extra));
        }
        if (!(in->p_cancel[i] >= 0 && in->p_cancel[i] <= 1) || !(in->p_noshow[i] >= 0 && in->p_noshow[i] <= 1))
            return BAD("item %d: p_cancel %g and p_noshow %g must be probabilities", i, in->p_cancel[i], in->p_noshow[i]);
        int64_t l0 = in->list_off[i], l1 = in->list_off[i + 1];
        if (l1 < l0 || l1 - l0 > 0x7fffffff) return BAD("item %d: list_off %lld..%lld is not ascending", i, (long long)l0, (long long)l1);
        if (l1 > l0 && (!in->list_class || !in->list_waited || !in->list_day)) return BAD("item %d: the current list arrays are NULL", i);
        for (int64_t e = l0; e < l1; e++) {
            if (in->list_class[e] < 0 || in->list_class[e] > 3)
                return BAD("item %d, list entry %lld: class %d is not 0..3 (U, B, D, P)", i, (long long)(e - l0), in->list_class[e]);
            if (in->list_waited[e] < 0)
                return BAD("item %d, list entry %lld: days waited %d < 0", i, (long long)(e - l0), in->list_waited[e]);
        }
    }
    return REGIA_OK;
}

/* Unbooked list entries of one (item, class), oldest first (most days waited; ties in
 * list order): qsort with the list as context through a file-scope pointer is not
 * thread-safe, so a small merge sort on (waited, index) pairs. */
typedef struct {
    int32_t waited;
    int64_t e;
} entry_t;

static int older(const entry_t *a, const entry_t *b) { return a->waited > b->waited || (a->waited == b->waited && a->e < b->e); }

static void sort_entries(entry_t *x, entry_t *tmp, int64_t n)
{
    if (n < 2) return;
    int64_t h = n / 2;
    sort_entries(x, tmp, h);
    sort_entries(x + h, tmp, n - h);
    int64_t i = 0, j = h, o = 0;
    while (i < h && j < n) tmp[o++] = older(&x[j], &x[i]) ? x[j++] : x[i++];
    while (i < h) tmp[o++] = x[i++];
    while (j < n) tmp[o++] = x[j++];
    memcpy(x, tmp, sizeof *x * (size_t)n);
}

regia_status_t regia_slot_plan(const regia_slot_batch_t *in, const regia_slot_out_t *out, regia_slot_plan_t *plan)
{
    memset(plan, 0, sizeof *plan);
    regia_status_t st = check(in, out);
    if (st) return st;
    const int n = in->n_items;
    int64_t *off = calloc((size_t)n * 4 + 1, sizeof *off);
    int64_t total = n ? in->list_off[n] - in->list_off[0] : 0;
    int64_t *ord = malloc(sizeof *ord * (size_t)(total > 0 ? total : 1));
    entry_t *ent = malloc(sizeof *ent * (size_t)(total > 0 ? total : 1));
    entry_t *tmp = malloc(sizeof *tmp * (size_t)(total > 0 ? total : 1));
    if (!off || !ord || !ent || !tmp) {
        free(off); free(ord); free(ent); free(tmp);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory planning the slot simulation");
    }
    int64_t o = 0;
    for (int i = 0; i < n; i++) {
        int32_t db = regia_slot_d_book(in, i), ds = db + in->book_ahead;
        if (db > plan->d_book_max) plan->d_book_max = db;
        if (ds > plan->d_slots_max) plan->d_slots_max = ds;
        /* A pending cancellation holds an occupied slot after the current day d: one
         * booked on a day <= d, so within (d, d + book_ahead], or a current-list entry's.
         * So the events pending at once are at most the most slots of any such window
         * plus the list's booked entries. */
        int64_t *sum = malloc(sizeof *sum * ((size_t)ds + 1)), cap = 0;
        if (!sum) {
            free(off); free(ord); free(ent); free(tmp);
            return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory planning the slot simulation");
        }
        sum[0] = 0;
        for (int32_t x = 0; x < ds; x++) {
            int64_t c = 0;
            for (int p = 0; p < REGIA_SLOT_POOLS; p++) c += regia_slot_capacity(in, i, p, x);
            sum[x + 1] = sum[x] + c;
        }
        for (int32_t d = 0; d < db; d++) {
            int32_t hi = d + in->book_ahead < ds - 1 ? d + in->book_ahead : ds - 1;
            if (sum[hi + 1] - sum[d + 1] > cap) cap = sum[hi + 1] - sum[d + 1];
        }
        free(sum);
        for (int64_t e = in->list_off[i]; e < in->list_off[i + 1]; e++) cap += in->list_day[e] >= 0;
        if (cap + 1 > plan->ev_cap) plan->ev_cap = cap + 1;
        for (int k = 0; k < 4; k++) {
            off[i * 4 + k] = o;
            int64_t m = 0;
            for (int64_t e = in->list_off[i]; e < in->list_off[i + 1]; e++)
                if (in->list_class[e] == k && in->list_day[e] < 0) ent[m++] = (entry_t){in->list_waited[e], e};
            sort_entries(ent, tmp, m);
            for (int64_t j = 0; j < m; j++) ord[o++] = ent[j].e;
        }
    }
    off[(size_t)n * 4] = o;
    free(ent);
    free(tmp);
    if (plan->ev_cap > 0x3fffffff) {
        free(off); free(ord);
        return BAD("an item has more than 2^30 slots over the simulated days");
    }
    plan->ord_off = off;
    plan->ord = ord;
    plan->res_len = 12 * in->weeks + 4;
    plan->ws_ints = (int64_t)REGIA_SLOT_POOLS * plan->d_slots_max + 4 * 7 * (int64_t)in->weeks +
                    5 * (int64_t)plan->d_book_max + 2 * plan->ev_cap;
    return REGIA_OK;
}

void regia_slot_plan_free(regia_slot_plan_t *plan)
{
    free((void *)plan->ord_off);
    free((void *)plan->ord);
    memset(plan, 0, sizeof *plan);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void regia_slot_reduce_item(const regia_slot_batch_t *in, const regia_slot_plan_t *plan, int i, const double *res,
                            double *scratch, const regia_slot_out_t *out)
{
    const int W = in->weeks, L = plan->res_len, P = in->n_paths;
    for (int k = 0; k < 4; k++) {
        double unb = 0;
        for (int p = 0; p < P; p++) unb += res[(int64_t)p * L + 12 * W + k];
        out->unbooked_end[i * 4 + k] = unb / P;
        const double target = in->target[i * 4 + k];
        for (int w = 0; w < W; w++) {
            const int64_t o = ((int64_t)i * 4 + k) * W + w;
            double req = 0, wait = 0, share = 0;
            int m = 0, miss = 0;
            for (int p = 0; p < P; p++) {
                const double *r = res + (int64_t)p * L;
                double n = r[k * W + w];
                req += n;
                wait += r[8 * W + k * W + w];
                if (n > 0) {
                    double s = r[4 * W + k * W + w] / n;
                    scratch[m++] = s;
                    share += s;
                    miss += s < target;
                }
            }
            out->requests_mean[o] = req / P;
            out->wait_mean[o] = req > 0 ? wait / req : NAN;
            out->share_mean[o] = m ? share / m : NAN;
            out->p_miss[o] = m ? (double)miss / m : NAN;
            if (in->n_q > 0) {
                if (m) qsort(scratch, (size_t)m, sizeof *scratch, cmp_double);
                for (int j = 0; j < in->n_q; j++) {
                    double v = NAN;
                    if (m) {
                        double h = (m - 1) * in->q[j];
                        int lo = (int)floor(h);
                        v = lo + 1 < m ? scratch[lo] + (h - lo) * (scratch[lo + 1] - scratch[lo]) : scratch[m - 1];
                    }
                    out->share_q[o * in->n_q + j] = v;
                }
            }
        }
    }
}
