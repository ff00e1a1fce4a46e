/* waitlist_alloc.c - adaptive allocation per service x guarantee area: the smallest extra
 * weekly slots that bring every class's probability of missing its target under
 * alloc_level (a binary search on common random numbers), the slots to reserve for U and
 * B (checked by simulation), the moves of spare slots between the districts of one ASL
 * (visits), and NHSRwaitinglist's closed-form indicators.  Declared in
 * drivers/waitlist_analysis.h (section "waitlist_alloc.c"); rules and units in
 * docs/waitlist-methods.md.
 *
 * Common random numbers: the slot kernel draws from streams keyed by (seed, item key,
 * path) only, so every candidate capacity of one item sees the same arrivals, fates and
 * current list; the comparison between candidates is not blurred by sampling noise, and
 * the probability of missing falls with capacity path by path in all but rare
 * re-ordering cases (the search assumes it is monotone; the unit test checks it). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regia/kernels.h"
#include "regia/ncio.h"
#include "regia/queue.h"
#include "waitlist_analysis.h"

enum { NCLS = WL_CLASSES };

/* ---- NHSRwaitinglist's closed forms (demand and capacity per week, waits in weeks) ----- */

double wl_nhsr_target_queue(double demand, double target_wait, double factor)
{
    return demand * target_wait / factor;
}

double wl_nhsr_target_capacity(double demand, double target_wait, double factor, double cv_demand, double cv_capacity)
{
    return demand + (cv_demand * cv_demand + cv_capacity * cv_capacity) / 2 * (factor / target_wait);
}

double wl_nhsr_relief_capacity(double demand, double queue, double target_queue, double weeks_to_target)
{
    return demand + (queue - target_queue) / weeks_to_target;
}

double wl_nhsr_pressure(double mean_wait, double target_wait) { return 2 * mean_wait / target_wait; }

/* ---- the search ------------------------------------------------------------------------ */

/* Worst P(miss) over classes and weeks (weeks without requests of a class do not count). */
static double worst(const wl_t *w, const regia_slot_out_t *o)
{
    double m = 0;
    for (int j = 0; j < NCLS * w->risk_weeks; j++)
        if (o->p_miss[j] > m) m = o->p_miss[j];
    return m;
}

regia_status_t wl_alloc_worst(regia_run_t *run, const wl_t *w, const wl_slot_item_t *it, const int32_t *slots,
                              int32_t extra, const int32_t *reserve, regia_slot_out_t *o, double *p)
{
    regia_status_t st = wl_risk_sim(run, w, it, slots, extra, reserve, o);
    *p = st ? NAN : worst(w, o);
    return st;
}

regia_status_t wl_alloc_search(regia_run_t *run, const wl_t *w, const wl_slot_item_t *it, regia_slot_out_t *o,
                               double p0, int32_t *extra, int *met, double *p_at)
{
    regia_status_t st;
    double p = p0, phi = NAN;
    const int32_t hi0 = w->alloc_max_extra > 0 ? w->alloc_max_extra : 0;
    const double L = w->alloc_level;
    if (isnan(p) && (st = wl_alloc_worst(run, w, it, NULL, 0, NULL, o, &p))) return st;
    if (p <= L || hi0 == 0) {
        *extra = 0;
        *met = p <= L;
        *p_at = p;
        return REGIA_OK;
    }
    /* galloping: 1, 2, 4, ... until a candidate passes (most areas need few slots), then
     * bisection between the last failing and the first passing one */
    int32_t lo = 0, hi = 1;
    for (;;) {
        if ((st = wl_alloc_worst(run, w, it, NULL, hi, NULL, o, &phi))) return st;
        if (phi <= L) break;
        lo = hi;
        if (hi == hi0) {
            *extra = hi0;
            *met = 0;
            *p_at = phi;
            return REGIA_OK;
        }
        hi = 2 * hi > hi0 ? hi0 : 2 * hi;
    }
    while (hi - lo > 1) { /* lo fails, hi passes */
        const int32_t mid = lo + (hi - lo) / 2;
        if ((st = wl_alloc_worst(run, w, it, NULL, mid, NULL, o, &p))) return st;
        if (p <= L) {
            hi = mid;
            phi = p;
        } else
            lo = mid;
    }
    *extra = hi;
    *met = 1;
    *p_at = phi;
    return REGIA_OK;
}

/* The largest weekly cut r (the same every week, a week never below 0 slots) after which
 * the item still meets every target at alloc_level: its spare slots. */
regia_status_t wl_alloc_spare(regia_run_t *run, const wl_t *w, const wl_slot_item_t *it, regia_slot_out_t *o,
                              int32_t *spare)
{
    regia_status_t st = REGIA_OK;
    const int W = it->weeks;
    int32_t top = 0;
    for (int j = 0; j < W; j++)
        if (it->slots_week[j] > top) top = it->slots_week[j];
    int32_t *s = malloc(sizeof(int32_t) * (size_t)(W > 0 ? W : 1));
    if (!s) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    int32_t lo = 0, hi = top + 1; /* lo passes (the caller checked), hi fails (no slots at all) */
    while (hi - lo > 1) {
        const int32_t mid = lo + (hi - lo) / 2;
        for (int j = 0; j < W; j++) s[j] = it->slots_week[j] > mid ? it->slots_week[j] - mid : 0;
        double p;
        if ((st = wl_alloc_worst(run, w, it, s, 0, NULL, o, &p))) break;
        if (p <= w->alloc_level) lo = mid;
        else hi = mid;
    }
    free(s);
    *spare = lo;
    return st;
}

/* Smallest v with P(N <= v) >= q for N with mean m, variance v (Poisson when v <= m,
 * else negative binomial), the kernel's arrival model. */
static int32_t count_quantile(double m, double var, double q)
{
    if (!(m > 0)) return 0;
    double pmf, cdf;
    int32_t n = 0;
    if (var <= m) {
        pmf = exp(-m);
        cdf = pmf;
        while (cdf < q && n < 100000) { n++; pmf *= m / n; cdf += pmf; }
    } else {
        const double r = m * m / (var - m), p = m / var; /* P(n) = C(n+r-1, n) p^r (1-p)^n */
        pmf = exp(r * log(p));
        cdf = pmf;
        while (cdf < q && n < 100000) { pmf *= (n + r) / (n + 1) * (1 - p); n++; cdf += pmf; }
    }
    return n;
}

void wl_alloc_reserve_rule(const wl_t *w, const wl_slot_item_t *it, int32_t *reserve)
{
    for (int c = 0; c < NCLS; c++) {
        reserve[c] = 0;
        if (c != WL_U && c != WL_B) continue;
        for (int j = 0; j < it->weeks; j++) {
            const int32_t r = count_quantile(it->arr_mean[c * it->weeks + j], it->arr_var[c * it->weeks + j],
                                             1 - w->alloc_level);
            if (r > reserve[c]) reserve[c] = r;
        }
    }
}

/* Greedy moves inside one ASL: the district that needs most takes from the one with most
 * to spare, until one side is exhausted; every pair of one ASL may trade, so this moves
 * min(total need, total spare), the most any plan can, and adds the fewest slots. */
void wl_alloc_moves(int nd, const int *asl, const int32_t *need, const int32_t *spare, int32_t *move)
{
    int32_t *n = malloc(sizeof(int32_t) * (size_t)(nd > 0 ? nd : 1));
    int32_t *s = malloc(sizeof(int32_t) * (size_t)(nd > 0 ? nd : 1));
    memset(move, 0, sizeof(int32_t) * (size_t)nd * (size_t)nd);
    if (!n || !s) { free(n); free(s); return; }
    memcpy(n, need, sizeof(int32_t) * (size_t)nd);
    memcpy(s, spare, sizeof(int32_t) * (size_t)nd);
    for (;;) {
        int j = -1;
        for (int d = 0; d < nd; d++)
            if (n[d] > 0 && (j < 0 || n[d] > n[j])) {
                int any = 0;
                for (int e = 0; e < nd && !any; e++) any = e != d && asl[e] == asl[d] && s[e] > 0;
                if (any) j = d;
            }
        if (j < 0) break;
        int i = -1;
        for (int e = 0; e < nd; e++)
            if (e != j && asl[e] == asl[j] && s[e] > 0 && (i < 0 || s[e] > s[i])) i = e;
        const int32_t m = n[j] < s[i] ? n[j] : s[i];
        move[(size_t)i * nd + j] += m;
        n[j] -= m;
        s[i] -= m;
    }
    free(n);
    free(s);
}

void wl_alloc_split(int n, const double *weight, int32_t total, int32_t *out)
{
    double wsum = 0;
    for (int i = 0; i < n; i++) wsum += weight[i] > 0 ? weight[i] : 0;
    int32_t given = 0;
    for (int i = 0; i < n; i++) {
        const double x = wsum > 0 ? total * (weight[i] > 0 ? weight[i] : 0) / wsum : (double)total / n;
        out[i] = (int32_t)floor(x);
        given += out[i];
    }
    while (given < total && n > 0) { /* the largest remainder next, lower index on ties */
        int best = -1;
        double br = -1;
        for (int i = 0; i < n; i++) {
            const double x = wsum > 0 ? total * (weight[i] > 0 ? weight[i] : 0) / wsum : (double)total / n;
            const double r = x - out[i];
            if (r > br + 1e-12) { br = r; best = i; }
        }
        out[best]++;
        given++;
    }
}

/* ---- the module -------------------------------------------------------------------------- */

enum { N_NHSR = 6 };

regia_status_t wl_alloc_alloc(regia_run_t *run, wl_t *w)
{
    const size_t ni = (size_t)run->ni + 1, NA = (size_t)w->areas.n_area, ND = (size_t)w->areas.n_district;
    w->extra_slots = malloc(sizeof(int32_t) * ni * NA);
    w->alloc_added = malloc(sizeof(int32_t) * ni * NA);
    w->alloc_spare = malloc(sizeof(int32_t) * ni * NA);
    w->alloc_met = malloc(ni * NA);
    w->reserve_slots = malloc(sizeof(int32_t) * ni * NA * NCLS);
    w->nhsr = malloc(sizeof(double) * ni * NA * NCLS * N_NHSR);
    w->move_slots = malloc(sizeof(int32_t) * ni * ND * ND + 1);
    w->alloc_agenda_res = calloc((size_t)w->agendas.n * NCLS + 1, sizeof(long long));
    if (!w->extra_slots || !w->alloc_added || !w->alloc_spare || !w->alloc_met || !w->reserve_slots || !w->nhsr ||
        !w->move_slots || !w->alloc_agenda_res)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the allocation of %lld services", (long long)run->ni);
    return REGIA_OK;
}

static void nhsr_fill(const wl_t *w, const wl_slot_item_t *it, double *out /* 4 * 6 */)
{
    const int W = it->weeks;
    double dem[NCLS], cap = 0, higher = 0;
    for (int j = 0; j < W; j++) cap += it->slots_week[j];
    cap = W > 0 ? cap / W : NAN;
    for (int c = 0; c < NCLS; c++) {
        double m = 0, v = 0;
        for (int j = 0; j < W; j++) { m += it->arr_mean[c * W + j]; v += it->arr_var[c * W + j]; }
        dem[c] = W > 0 ? m / W : NAN;
        const double tw = it->limit[c] / 7; /* the class limit in weeks */
        /* cv of the time between arrivals from the weekly counts' index of dispersion (1:
         * Poisson); the capacity's cv at NHSRwaitinglist's default 1 */
        const double cvd = m > 0 ? sqrt(v / m) : 1;
        const double tq = wl_nhsr_target_queue(dem[c], tw, 4);
        const double q = (double)it->list_n[c];
        const double mw = it->list_n[c] ? it->list_wait_sum[c] / it->list_n[c] / 7 : 0;
        double *o = out + c * N_NHSR;
        o[0] = dem[c];
        o[1] = cap - higher; /* what the higher classes leave of the capacity (priority booking) */
        o[2] = tq;
        o[3] = wl_nhsr_target_capacity(dem[c], tw, 4, cvd, 1);
        o[4] = wl_nhsr_relief_capacity(dem[c], q, tq, w->weeks_to_target);
        o[5] = wl_nhsr_pressure(mw, tw);
        higher += dem[c];
    }
}

/* The area's reservation over its agenda rows, by their slots in the risk weeks. */
static regia_status_t split_agendas(wl_t *w, int gs, int area, int64_t day0, const int32_t *r)
{
    const wl_agendas_t *ag = &w->agendas;
    int n = 0;
    for (int j = 0; j < ag->n; j++)
        n += ag->service[j] == gs && ag->district[j] >= 0 && wl_area_has_district(w, area, ag->district[j]);
    if (!n) return REGIA_OK;
    int *row = malloc(sizeof(int) * (size_t)n);
    double *wt = malloc(sizeof(double) * (size_t)n);
    int32_t *part = malloc(sizeof(int32_t) * (size_t)n);
    if (!row || !wt || !part) {
        free(row); free(wt); free(part);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    }
    n = 0;
    for (int j = 0; j < ag->n; j++)
        if (ag->service[j] == gs && ag->district[j] >= 0 && wl_area_has_district(w, area, ag->district[j])) {
            row[n] = j;
            wt[n] = 0;
            for (int64_t d = 0; d < 7 * (int64_t)w->risk_weeks; d++) wt[n] += wl_agenda_day_slots(ag, j, day0 + d);
            n++;
        }
    for (int c = 0; c < NCLS; c++) {
        wl_alloc_split(n, wt, r[c], part);
        for (int i = 0; i < n; i++)
            w->alloc_agenda_res[(size_t)row[i] * NCLS + c] = wt[i] > 0 || r[c] == 0 ? part[i] + 1 : 1;
    }
    free(row); free(wt); free(part);
    return REGIA_OK;
}

regia_status_t wl_alloc_compute(regia_run_t *run, wl_t *w, int64_t k)
{
    regia_status_t st = REGIA_OK;
    const int NA = w->areas.n_area, ND = w->areas.n_district;
    const int gs = (int)(run->i0 + k);
    const wl_service_t *sv = &w->services.s[gs];
    int32_t *ex = w->extra_slots + (size_t)k * NA, *add = w->alloc_added + (size_t)k * NA;
    int32_t *spare = w->alloc_spare + (size_t)k * NA, *res = w->reserve_slots + (size_t)k * NA * NCLS;
    int8_t *met = w->alloc_met + (size_t)k * NA;
    double *nh = w->nhsr + (size_t)k * NA * NCLS * N_NHSR;
    int32_t *mv = w->move_slots + (size_t)k * ND * ND;
    for (int a = 0; a < NA; a++) {
        ex[a] = add[a] = spare[a] = -1;
        met[a] = -1;
    }
    for (int j = 0; j < NA * NCLS; j++) res[j] = -1;
    for (int j = 0; j < NA * NCLS * N_NHSR; j++) nh[j] = NAN;
    memset(mv, 0, sizeof(int32_t) * (size_t)ND * ND);
    int *areas = malloc(sizeof(int) * (size_t)NA), *asl = calloc((size_t)ND + 1, sizeof(int));
    int32_t *need = malloc(sizeof(int32_t) * (size_t)(ND + 1)), *give = malloc(sizeof(int32_t) * (size_t)(ND + 1));
    regia_slot_out_t o;
    wl_slot_item_t it;
    memset(&it, 0, sizeof it);
    memset(&o, 0, sizeof o);
    if (!areas || !asl || !need || !give) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    REGIA_TRY(wl_slot_out_alloc(w, &o));
    const int n = wl_guarantee_areas(w, gs, areas);
    /* districts compete for moves only where the guarantee area is the district (visits) */
    const int moves = sv->kind == 0 && sv->area_level == 0;
    for (int i = 0; i < n; i++) {
        const int a = areas[i];
        REGIA_TRY(wl_risk_item(w, k, gs, a, &it));
        int m = 0;
        double p0;
        const double pb = w->risk_worst ? w->risk_worst[(size_t)k * NA + a] : NAN; /* the baseline's */
        if ((st = wl_alloc_search(run, w, &it, &o, pb, &ex[a], &m, &p0))) goto fail;
        met[a] = (int8_t)m;
        spare[a] = 0;
        if (moves && m && ex[a] == 0 && (st = wl_alloc_spare(run, w, &it, &o, &spare[a]))) goto fail;
        /* reservation for U and B at the recommended capacity; kept only if the targets
         * still hold as well as without it (else halved until they do, or none) */
        int32_t r[NCLS];
        wl_alloc_reserve_rule(w, &it, r);
        /* never more reserved than the thinnest week offers (B gives way first) */
        int32_t thin = INT32_MAX;
        for (int j = 0; j < it.weeks; j++)
            if (it.slots_week[j] + ex[a] < thin) thin = it.slots_week[j] + ex[a];
        if (thin < 0) thin = 0;
        if (r[WL_U] > thin) r[WL_U] = thin;
        if (r[WL_U] + r[WL_B] > thin) r[WL_B] = thin - r[WL_U];
        double p1;
        const double bar = p0 > w->alloc_level ? p0 : w->alloc_level;
        while (r[WL_U] + r[WL_B] > 0) {
            if ((st = wl_alloc_worst(run, w, &it, NULL, ex[a], r, &o, &p1))) goto fail;
            if (p1 <= bar) break;
            r[WL_U] /= 2;
            r[WL_B] /= 2;
        }
        memcpy(res + (size_t)a * NCLS, r, sizeof r);
        nhsr_fill(w, &it, nh + (size_t)a * NCLS * N_NHSR);
        wl_risk_item_free(&it);
    }
    for (int a = 0; a < NA; a++) add[a] = ex[a];
    if (moves) {
        for (int d = 0; d < ND; d++) {
            asl[d] = w->districts.district_asl[d];
            need[d] = ex[d] > 0 ? ex[d] : 0;
            give[d] = spare[d] > 0 ? spare[d] : 0;
        }
        wl_alloc_moves(ND, asl, need, give, mv);
        for (int i = 0; i < ND; i++)
            for (int j = 0; j < ND; j++) add[j] -= mv[(size_t)i * ND + j];
    }
    goto err;
fail:
    regia_error_prefix("allocation for service %d: ", gs);
err:
    wl_risk_item_free(&it);
    wl_slot_out_free(&o);
    free(areas);
    free(asl);
    free(need);
    free(give);
    return st;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, key, s) REGIA_NC(nc_put_att_text(ncid, v, key, strlen(s), s))

enum { V_EXTRA = 0, V_ADDED, V_SPARE, V_MET, V_RES, V_NHSR0 /* 6 of them */, V_MOVE = V_NHSR0 + N_NHSR };

static const char *const NHSR_NAME[N_NHSR] = {"nhsr_demand", "nhsr_capacity", "nhsr_target_queue",
                                              "nhsr_target_capacity", "nhsr_relief_capacity", "nhsr_pressure"};
static const char *const NHSR_LONG[N_NHSR] = {
    "mean weekly first-access requests forecast over the risk weeks",
    "weekly slots left to the class after the forecast demand of the classes above it",
    "target queue size: demand x target wait / 4 (NHSRwaitinglist calc_target_queue_size)",
    "target capacity: demand + (cv_demand^2 + cv_capacity^2) / 2 x 4 / target wait (calc_target_capacity)",
    "relief capacity: demand + (queue - target queue) / weeks_to_target (calc_relief_capacity)",
    "waiting-list pressure: 2 x mean wait of the current list / target wait (calc_waiting_list_pressure)"};
static const char *const NHSR_UNITS[N_NHSR] = {"1/week", "1/week", "1", "1/week", "1/week", "1"};

static regia_status_t int_var(int ncid, const char *name, int nd, const int *dims, const char *long_name,
                              const char *units, const char *comment, int *vid)
{
    regia_status_t st = REGIA_OK;
    const int fill = -1;
    REGIA_TRY(wl_def_rev(ncid, name, NC_INT, nd, dims, 0, NULL, vid)); /* dims reversed: service last */
    REGIA_NC(nc_put_att_int(ncid, *vid, "_FillValue", NC_INT, 1, &fill));
    ATT(*vid, "long_name", long_name);
    if (units) ATT(*vid, "units", units);
    if (comment) ATT(*vid, "comment", comment);
    ATT(*vid, "coverage_content_type", "modelResult");
err:
    return st;
}

regia_status_t wl_alloc_agenda_split(const regia_run_t *run, wl_t *w)
{
    regia_status_t st = REGIA_OK;
    memset(w->alloc_agenda_res, 0, sizeof(long long) * (size_t)w->agendas.n * NCLS);
    int *areas = malloc(sizeof(int) * (size_t)(w->areas.n_area + 1));
    if (!areas) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int64_t k = 0; k < run->ni && !st; k++) {
        const int gs = (int)(run->i0 + k), n = wl_guarantee_areas(w, gs, areas);
        for (int i = 0; i < n && !st; i++)
            st = split_agendas(w, gs, areas[i], wl_sim_day0(w),
                               w->reserve_slots + ((size_t)k * w->areas.n_area + areas[i]) * NCLS);
    }
    free(areas);
    return st;
}

/* The reservation per agenda row: an agenda dimension (reused when the output has one of
 * the same length) with the rows' codes, services and districts unless already there. */
enum { AG_STRLEN = 32 };
static regia_status_t define_agendas(regia_run_t *run, wl_t *w, int ncid)
{
    regia_status_t st = REGIA_OK;
    const int NG = w->agendas.n;
    int *v = w->vid_alloc2, d_ag, d_len;
    size_t len;
    if ((st = regia_run_agree(run, wl_alloc_agenda_split(run, w)))) return st;
    regia_run_sum(run, w->alloc_agenda_res, NG * NCLS);
    for (int j = 0; j < NG * NCLS; j++) w->alloc_agenda_res[j] -= 1;
    if (nc_inq_dimid(ncid, "agenda", &d_ag) == NC_NOERR) {
        REGIA_NC(nc_inq_dimlen(ncid, d_ag, &len));
        if (len != (size_t)NG)
            return REGIA_FAIL(REGIA_ERR_INVALID, "the output's agenda dimension has %zu entries, the agendas table %d",
                              len, NG);
    } else
        REGIA_NC(nc_def_dim(ncid, "agenda", (size_t)(NG > 0 ? NG : 1), &d_ag));
    if (nc_inq_dimid(ncid, "agenda_strlen", &d_len) != NC_NOERR) REGIA_NC(nc_def_dim(ncid, "agenda_strlen", AG_STRLEN, &d_len));
    v[0] = v[1] = v[2] = -1;
    if (nc_inq_varid(ncid, "agenda_code", &v[0]) != NC_NOERR) {
        const int d[2] = {d_ag, d_len};
        REGIA_TRY(regia_nc_def_data(ncid, "agenda_code", NC_CHAR, 2, d, NULL, &v[0]));
        ATT(v[0], "long_name", "agenda code (one entry per row of the agendas table: a capacity period)");
        ATT(v[0], "_Encoding", "utf-8"); /* xarray, netCDF4: read as strings */
        ATT(v[0], "coverage_content_type", "coordinate");
        /* indices, not labels: not in `coordinates` (CDO 2.1 cannot assign them); CF finds
         * them by their dimension.  A per-region extract renumbers regia_index_dim ones. */
        REGIA_TRY(regia_nc_def_data(ncid, "agenda_service", NC_INT, 1, &d_ag, NULL, &v[1]));
        ATT(v[1], "long_name", "index (from 0) of the agenda's service on the service dimension");
        ATT(v[1], "units", "1");
        ATT(v[1], "coverage_content_type", "auxiliaryInformation");
        ATT(v[1], "regia_index_dim", "service");
        REGIA_NC(nc_put_att_int(ncid, v[1], "_FillValue", NC_INT, 1, &(int){-2}));
        REGIA_TRY(regia_nc_def_data(ncid, "agenda_district", NC_INT, 1, &d_ag, NULL, &v[2]));
        ATT(v[2], "long_name", "index (from 0) of the agenda's district on the area dimension (-1: not in this file)");
        ATT(v[2], "units", "1");
        ATT(v[2], "coverage_content_type", "auxiliaryInformation");
        ATT(v[2], "regia_index_dim", "area");
        REGIA_NC(nc_put_att_int(ncid, v[2], "_FillValue", NC_INT, 1, &(int){-2}));
    } else
        v[0] = -1; /* someone else writes the agendas' coordinates */
    {
        const int d[2] = {d_ag, w->dim.cls};
        REGIA_TRY(int_var(ncid, "alloc_agenda_reserve_slots", 2, d,
                          "weekly slots to reserve per class in the agenda: its area's alloc_reserve_slots split over "
                          "the area's agendas in proportion to their slots in the risk weeks (largest remainder)",
                          "1/week", "-1: not an agenda of a guarantee area's service, or class 'all'", &v[3]));
        if (v[0] >= 0) ATT(v[3], "coordinates", "agenda_code class_name");
    }
err:
    return st;
}

static regia_status_t write_agendas(regia_run_t *run, wl_t *w, int ncid)
{
    regia_status_t st = REGIA_OK;
    const int NG = w->agendas.n, C = WL_CLASS_DIM, mine = run->ctx->rank == 0;
    const int *v = w->vid_alloc2;
    const int64_t ns = mine ? NG : 0;
    char *chr = calloc((size_t)NG + 1, AG_STRLEN);
    int32_t *ib = malloc(sizeof(int32_t) * ((size_t)NG * C + 1));
    if (!chr || !ib) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the agendas");
    if ((st = regia_run_agree(run, st))) goto err;
    if (v[0] >= 0) {
        const size_t in[1] = {AG_STRLEN};
        for (int j = 0; j < NG; j++) strncpy(chr + (size_t)j * AG_STRLEN, w->agendas.agenda[j], AG_STRLEN);
        REGIA_TRY(regia_run_put_rows(run, ncid, v[0], 2, 0, ns, in, NC_CHAR, chr));
        REGIA_TRY(regia_run_put_rows(run, ncid, v[1], 1, 0, ns, NULL, NC_INT, w->agendas.service));
        REGIA_TRY(regia_run_put_rows(run, ncid, v[2], 1, 0, ns, NULL, NC_INT, w->agendas.district));
    }
    for (int j = 0; j < NG; j++)
        for (int c = 0; c < C; c++) ib[(size_t)j * C + c] = c < NCLS ? (int32_t)w->alloc_agenda_res[(size_t)j * NCLS + c] : -1;
    {
        const size_t in[1] = {(size_t)C};
        REGIA_TRY(wl_put_rev(run, ncid, v[3], 2, in, NC_INT, ib, 0, ns));
    }
err:
    free(chr);
    free(ib);
    return st;
}

regia_status_t wl_alloc_define(regia_run_t *run, wl_t *w, int ncid)
{
    regia_status_t st = REGIA_OK;
    int *v = w->vid_alloc;
    const int d2[2] = {w->dim.service, w->dim.area};
    const int d3[3] = {w->dim.service, w->dim.area, w->dim.cls};
    const char *ga = "guarantee areas only (-1 elsewhere)";
    REGIA_TRY(int_var(ncid, "alloc_extra_slots", 2, d2,
                      "smallest extra weekly slots that bring P(missing the target) to at most alloc_level for every "
                      "class and risk week", "1/week", ga, &v[V_EXTRA]));
    ATT(v[V_EXTRA], "coordinates", WL_COORDS_SA);
    REGIA_TRY(int_var(ncid, "alloc_added_slots", 2, d2,
                      "extra weekly slots still to add after the moves of spare slots between districts of one ASL",
                      "1/week", ga, &v[V_ADDED]));
    ATT(v[V_ADDED], "coordinates", WL_COORDS_SA);
    REGIA_TRY(int_var(ncid, "alloc_spare_slots", 2, d2,
                      "weekly slots an area that meets its targets could give up and still meet them (visits: "
                      "districts only)", "1/week", ga, &v[V_SPARE]));
    ATT(v[V_SPARE], "coordinates", WL_COORDS_SA);
    REGIA_TRY(wl_def_rev(ncid, "alloc_target_met", NC_BYTE, 2, d2, 0, NULL, &v[V_MET]));
    {
        const signed char fill = -1, fv[2] = {0, 1};
        REGIA_NC(nc_put_att_schar(ncid, v[V_MET], "_FillValue", NC_BYTE, 1, &fill));
        REGIA_NC(nc_put_att_schar(ncid, v[V_MET], "flag_values", NC_BYTE, 2, fv));
        ATT(v[V_MET], "flag_meanings", "not_within_alloc_max_extra met");
        ATT(v[V_MET], "long_name", "whether alloc_extra_slots reaches alloc_level (0: even alloc_max_extra does not)");
        ATT(v[V_MET], "coverage_content_type", "modelResult");
        ATT(v[V_MET], "coordinates", WL_COORDS_SA);
    }
    REGIA_TRY(int_var(ncid, "alloc_reserve_slots", 3, d3,
                      "weekly slots to reserve per class (U and B: the (1 - alloc_level) quantile of the class's "
                      "weekly arrivals, released 1 (U) and 3 (B) days before their date)", "1/week",
                      "the area's total (to split over its agendas in proportion to their slots); checked by "
                      "simulation at the recommended capacity", &v[V_RES]));
    ATT(v[V_RES], "coordinates", WL_COORDS_SAC);
    for (int j = 0; j < N_NHSR; j++) {
        REGIA_TRY(wl_def_rev(ncid, NHSR_NAME[j], NC_DOUBLE, 3, d3, 0, NULL, &v[V_NHSR0 + j]));
        ATT(v[V_NHSR0 + j], "long_name", NHSR_LONG[j]);
        ATT(v[V_NHSR0 + j], "units", NHSR_UNITS[j]);
        ATT(v[V_NHSR0 + j], "comment", "NHSRwaitinglist's closed forms in weeks (the class limit in weeks as the "
                                       "target wait, factor 4); guarantee areas, classes U B D P");
        ATT(v[V_NHSR0 + j], "coverage_content_type", "modelResult");
        ATT(v[V_NHSR0 + j], "coordinates", WL_COORDS_SAC);
    }
    {
        const int d3m[3] = {w->dim.service, w->dim.move, w->dim.move_to};
        REGIA_TRY(int_var(ncid, "alloc_move_slots", 3, d3m,
                          "weekly slots moved from the first district to the second (same ASL, visits)", "1/week",
                          NULL, &v[V_MOVE]));
        ATT(v[V_MOVE], "coordinates", "service_code district_code to_district_code");
    }
    {
        long long tot[2] = {0, 0};
        const int NA = w->areas.n_area;
        for (int64_t k = 0; k < run->ni; k++)
            for (int a = 0; a < NA; a++) {
                if (w->extra_slots[k * NA + a] > 0) tot[0] += w->extra_slots[k * NA + a];
                if (w->alloc_added[k * NA + a] > 0) tot[1] += w->alloc_added[k * NA + a];
            }
        regia_run_sum(run, tot, 2);
        const long long t0 = tot[0], t1 = tot[1];
        REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "alloc_total_extra_slots", NC_INT64, 1, &t0));
        REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "alloc_total_added_slots", NC_INT64, 1, &t1));
    }
    REGIA_TRY(define_agendas(run, w, ncid));
err:
    return st;
}

regia_status_t wl_alloc_write(regia_run_t *run, wl_t *w, int ncid)
{
    regia_status_t st = REGIA_OK;
    const int64_t ni = run->ni;
    const int NA = w->areas.n_area, ND = w->areas.n_district, C = WL_CLASS_DIM;
    const size_t cells = (size_t)(ni > 0 ? ni : 1) * NA * C;
    int32_t *ib = malloc(sizeof(int32_t) * (cells > (size_t)(ni + 1) * ND * ND ? cells : (size_t)(ni + 1) * ND * ND));
    double *f = malloc(sizeof(double) * cells);
    if (!ib || !f) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the allocation");
    if ((st = regia_run_agree(run, st))) goto err;
    {
        const size_t in[1] = {(size_t)NA};
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_alloc[V_EXTRA], 2, in, NC_INT, w->extra_slots, run->i0, ni));
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_alloc[V_ADDED], 2, in, NC_INT, w->alloc_added, run->i0, ni));
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_alloc[V_SPARE], 2, in, NC_INT, w->alloc_spare, run->i0, ni));
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_alloc[V_MET], 2, in, NC_BYTE, w->alloc_met, run->i0, ni));
    }
    {
        const size_t in[2] = {(size_t)NA, (size_t)C};
        for (size_t j = 0; j < cells; j++) ib[j] = -1;
        for (int64_t k = 0; k < ni; k++)
            for (int a = 0; a < NA; a++)
                memcpy(ib + ((size_t)k * NA + a) * C, w->reserve_slots + ((size_t)k * NA + a) * NCLS,
                       sizeof(int32_t) * NCLS);
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_alloc[V_RES], 3, in, NC_INT, ib, run->i0, ni));
        for (int j = 0; j < N_NHSR; j++) {
            for (size_t x = 0; x < cells; x++) f[x] = NAN;
            for (int64_t k = 0; k < ni; k++)
                for (int a = 0; a < NA; a++)
                    for (int c = 0; c < NCLS; c++)
                        f[((size_t)k * NA + a) * C + c] = w->nhsr[(((size_t)k * NA + a) * NCLS + c) * N_NHSR + j];
            REGIA_TRY(wl_put_rev(run, ncid, w->vid_alloc[V_NHSR0 + j], 3, in, NC_DOUBLE, f, run->i0, ni));
        }
    }
    {
        const size_t in[2] = {(size_t)ND, (size_t)ND};
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_alloc[V_MOVE], 3, in, NC_INT, w->move_slots, run->i0, ni));
    }
    REGIA_TRY(write_agendas(run, w, ncid));
err:
    free(ib);
    free(f);
    return st;
}

void wl_alloc_free(wl_t *w)
{
    free(w->extra_slots);
    free(w->alloc_added);
    free(w->alloc_spare);
    free(w->alloc_met);
    free(w->reserve_slots);
    free(w->nhsr);
    free(w->move_slots);
    free(w->alloc_agenda_res);
    w->alloc_agenda_res = NULL;
    w->extra_slots = w->alloc_added = w->alloc_spare = w->reserve_slots = w->move_slots = NULL;
    w->alloc_met = NULL;
    w->nhsr = NULL;
}
