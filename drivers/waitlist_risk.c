/* waitlist_risk.c - queue risk per service x guarantee area: the weekly booking-slot
 * simulation (regia_slot_sim, regia/queue.h) started from the current list, with the
 * agendas' capacity, the demand forecasts as arrivals, and the service's own
 * cancellation and no-show rates.  Declared in drivers/waitlist_analysis.h (section
 * "waitlist_risk.c"); the model and its inputs: docs/waitlist-methods.md.
 *
 * One item of the simulation = one service in one guarantee area: the districts for
 * visits and for services whose guarantee area is the district (area_level 0), the ASLs
 * for the others.  Its random streams are keyed by (service, area) alone, so its results
 * are the same at any rank count, and the allocation (waitlist_alloc.c) reruns the same
 * item with other capacities on the same draws (common random numbers). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regia/kernels.h"
#include "regia/ncio.h"
#include "regia/queue.h"
#include "regia/timeutil.h"
#include "waitlist_analysis.h"

enum { NCLS = WL_CLASSES };

int wl_guarantee_areas(const wl_t *w, int gs, int *areas)
{
    const int level = w->services.s[gs].area_level ? 1 : 0;
    int n = 0;
    for (int a = 0; a < w->areas.n_area; a++)
        if (w->areas.level[a] == level) areas[n++] = a;
    return n;
}

int wl_area_has_district(const wl_t *w, int area, int d)
{
    return area == d || (w->areas.level[area] == 1 && w->areas.parent[d] == area);
}

/* Working days of an agenda in a week (bits 0..6, Monday first). */
static int n_weekdays(uint8_t wd)
{
    int n = 0;
    for (int i = 0; i < 7; i++) n += (wd >> i) & 1;
    return n;
}

static int is_holiday_day(int64_t day)
{
    int y, m, d;
    regia_civil_from_days(day, &y, &m, &d);
    return wl_is_holiday(y, m, d);
}

/* Slots an agenda offers on Rome day `day`: its weekly slots spread evenly over its
 * working days; none on a public holiday, outside its validity, or for another service. */
double wl_agenda_day_slots(const wl_agendas_t *ag, int j, int64_t day)
{
    const int64_t from = ag->valid_from[j] / 86400;
    const int64_t to = ag->valid_to[j] == INT64_MAX ? INT64_MAX : ag->valid_to[j] / 86400;
    const int dow = (int)(((day + 3) % 7 + 7) % 7);
    const int nwd = n_weekdays(ag->weekdays[j]);
    if (day < from || day >= to || !((ag->weekdays[j] >> dow) & 1) || nwd == 0) return 0;
    if (is_holiday_day(day)) return 0;
    return (double)ag->slots_week[j] / nwd;
}

void wl_risk_item_free(wl_slot_item_t *it)
{
    free(it->slots_week);
    free(it->arr_mean);
    free(it->arr_var);
    free(it->list_class);
    free(it->list_waited);
    free(it->list_day);
    memset(it, 0, sizeof *it);
}

regia_status_t wl_risk_item(const wl_t *w, int64_t k, int gs, int area, wl_slot_item_t *it)
{
    const int W = w->risk_weeks, ND = w->areas.n_district, HR = w->dem_sim_weeks, S = ND * NCLS;
    const wl_service_t *sv = &w->services.s[gs];
    const int64_t day0 = wl_sim_day0(w), off = wl_sim_week_offset(w);
    memset(it, 0, sizeof *it);
    it->area = area;
    it->weeks = W;
    it->slots_week = calloc((size_t)W + 1, sizeof(int32_t));
    it->arr_mean = calloc((size_t)NCLS * W + 1, sizeof(double));
    it->arr_var = calloc((size_t)NCLS * W + 1, sizeof(double));
    if (!it->slots_week || !it->arr_mean || !it->arr_var) goto nomem;

    /* capacity and the weekday profile from the agendas of the area */
    double prof[7] = {0}, ptot = 0, maxlim = 0;
    const wl_agendas_t *ag = &w->agendas;
    for (int wk = 0; wk < W; wk++) {
        double tot = 0;
        for (int j = 0; j < ag->n; j++) {
            if (ag->service[j] != gs || ag->district[j] < 0 || !wl_area_has_district(w, area, ag->district[j])) continue;
            for (int dd = 0; dd < 7; dd++) {
                const double sl = wl_agenda_day_slots(ag, j, day0 + 7 * wk + dd);
                tot += sl;
                prof[dd] += sl;
                ptot += sl;
            }
        }
        it->slots_week[wk] = (int32_t)floor(tot + 0.5);
    }
    for (int dd = 0; dd < 7; dd++) it->weekday[dd] = ptot > 0 ? prof[dd] / ptot : (dd < 5 ? 0.2 : 0);
    /* the agendas also serve follow-ups and intramoenia: first-access SSN requests get the
     * share of the area's slots they took in the history's last 8 weeks (all when none) */
    {
        const int64_t b0 = w->bk_off[k], nb = w->bk_off[k + 1] - b0, lo = w->as_of_day - 56;
        int64_t n_first = 0, n_all = 0;
        for (int64_t i = 0; i < nb; i++) {
            const wl_booking_t *b = &w->bk[b0 + i];
            if (b->t_booked == WL_NOTIME || b->prov_district < 0 || b->prov_district >= ND ||
                !wl_area_has_district(w, area, b->prov_district))
                continue;
            const int64_t bd = wl_rome_day(b->t_booked);
            if (bd < lo || bd >= w->as_of_day) continue;
            n_all++;
            n_first += b->access == WL_ACCESS_FIRST && b->regime == WL_REGIME_SSN;
        }
        it->first_share = n_all ? (double)n_first / n_all : 1;
        for (int wk = 0; wk < W; wk++) it->slots_week[wk] = (int32_t)floor(it->slots_week[wk] * it->first_share + 0.5);
    }

    /* arrivals: the area's districts' forecasts summed (independent series) */
    for (int d = 0; d < ND; d++) {
        if (!wl_area_has_district(w, area, d)) continue;
        for (int c = 0; c < NCLS; c++) {
            const int64_t s = (int64_t)k * S + d * NCLS + c;
            for (int wk = 0; wk < W; wk++) {
                it->arr_mean[c * W + wk] += w->dem_sim_mean[s * HR + off + wk];
                it->arr_var[c * W + wk] += w->dem_var[s * HR + off + wk];
            }
        }
    }
    for (int c = 0; c < NCLS; c++) {
        it->limit[c] = w->svc_limit ? w->svc_limit[gs][c] : w->limit_days[sv->kind][c];
        it->target[c] = w->svc_target ? w->svc_target[gs][c] : w->target[c];
        if (it->limit[c] > maxlim) maxlim = it->limit[c];
    }
    it->book_ahead = (int32_t)(7 * ceil((maxlim + 7) / 7));
    it->release_days[WL_U] = 1;
    it->release_days[WL_B] = 3;
    it->key = ((uint64_t)(uint32_t)gs << 24) ^ (uint64_t)(uint32_t)area ^ 0x5741495400000000ull; /* "WAIT" */

    /* cancellation and no-show rates, and the current list, from the service's bookings */
    const int64_t b0 = w->bk_off[k], nb = w->bk_off[k + 1] - b0;
    int64_t n_out[2] = {0, 0}, n_canc[2] = {0, 0}, n_ns[2] = {0, 0}, nl = 0;
    for (int64_t i = 0; i < nb; i++) {
        const wl_booking_t *b = &w->bk[b0 + i];
        if (!wl_demand_counts(b) || b->t_contact >= w->as_of) continue;
        const int in = b->res_district >= 0 && b->res_district < ND && wl_area_has_district(w, area, b->res_district);
        const int resolved = b->outcome != WL_OUT_PENDING && b->t_outcome != WL_NOTIME && b->t_outcome < w->as_of;
        if (resolved && b->t_booked != WL_NOTIME) {
            for (int g = 0; g < 2; g++) {
                if (g == 1 && !in) continue;
                n_out[g]++;
                n_canc[g] += b->outcome == WL_OUT_CANCELLED || b->outcome == WL_OUT_WITHDRAWN;
                n_ns[g] += b->outcome == WL_OUT_NOSHOW;
            }
        }
        if (in && !resolved) nl++;
    }
    const int g = n_out[1] > 0 ? 1 : 0; /* the area's own rates, else the service's */
    it->p_cancel = n_out[g] ? (double)n_canc[g] / n_out[g] : 0;
    it->p_noshow = n_out[g] ? (double)n_ns[g] / n_out[g] : 0;
    it->list_class = malloc((size_t)nl + 1);
    it->list_waited = malloc(sizeof(int32_t) * ((size_t)nl + 1));
    it->list_day = malloc(sizeof(int32_t) * ((size_t)nl + 1));
    if (!it->list_class || !it->list_waited || !it->list_day) goto nomem;
    int64_t n = 0;
    for (int64_t i = 0; i < nb; i++) {
        const wl_booking_t *b = &w->bk[b0 + i];
        if (!wl_demand_counts(b) || b->t_contact >= w->as_of) continue;
        if (!(b->res_district >= 0 && b->res_district < ND && wl_area_has_district(w, area, b->res_district))) continue;
        const int resolved = b->outcome != WL_OUT_PENDING && b->t_outcome != WL_NOTIME && b->t_outcome < w->as_of;
        if (resolved) continue;
        int32_t day = -1;
        if (b->t_booked != WL_NOTIME) {
            const int64_t bd = wl_rome_day(b->t_booked);
            if (bd < w->as_of_day) continue; /* its date has passed: no longer waiting */
            /* booked between as_of and day 0: served before the simulation starts */
            if (bd < day0) continue;
            day = (int32_t)(bd - day0);
        }
        const int c = wl_demand_class(b);
        it->list_class[n] = (int8_t)c;
        it->list_waited[n] = (int32_t)(day0 - wl_rome_day(b->t_contact));
        it->list_day[n] = day;
        it->list_n[c]++;
        it->list_wait_sum[c] += it->list_waited[n];
        n++;
    }
    it->n_list = n;
    return REGIA_OK;
nomem:
    wl_risk_item_free(it);
    return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the queue risk of service %d", gs);
}

regia_status_t wl_risk_sim(regia_run_t *run, const wl_t *w, const wl_slot_item_t *it, const int32_t *slots_week,
                           int32_t extra, const int32_t *reserve, regia_slot_out_t *out)
{
    const int64_t list_off[2] = {0, it->n_list};
    const int32_t ex = extra;
    regia_slot_batch_t in = {
        .n_items = 1, .weeks = it->weeks, .book_ahead = it->book_ahead,
        .slots_week = slots_week ? slots_week : it->slots_week, .extra_week = &ex, .reserve = reserve,
        .release_days = it->release_days, .weekday = it->weekday, .arr_mean = it->arr_mean,
        .arr_var = it->arr_var, .p_cancel = &it->p_cancel, .p_noshow = &it->p_noshow, .limit_days = it->limit,
        .target = it->target, .list_off = list_off, .list_class = it->list_class,
        .list_waited = it->list_waited, .list_day = it->list_day, .key = &it->key, .n_paths = w->n_paths,
        .n_q = w->n_q, .q = w->q, .seed = w->seed};
    return regia_slot_sim(&run->be, &in, out);
}

/* Per-item outputs of one simulation, for the callers' scratch. */
regia_status_t wl_slot_out_alloc(const wl_t *w, regia_slot_out_t *o)
{
    const size_t n = (size_t)NCLS * (size_t)w->risk_weeks;
    memset(o, 0, sizeof *o);
    o->share_mean = malloc(sizeof(double) * n);
    o->share_q = malloc(sizeof(double) * n * (size_t)(w->n_q > 0 ? w->n_q : 1));
    o->p_miss = malloc(sizeof(double) * n);
    o->requests_mean = malloc(sizeof(double) * n);
    o->wait_mean = malloc(sizeof(double) * n);
    o->unbooked_end = malloc(sizeof(double) * NCLS);
    if (!o->share_mean || !o->share_q || !o->p_miss || !o->requests_mean || !o->wait_mean || !o->unbooked_end) {
        wl_slot_out_free(o);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the queue simulation's results");
    }
    return REGIA_OK;
}

void wl_slot_out_free(regia_slot_out_t *o)
{
    free(o->share_mean);
    free(o->share_q);
    free(o->p_miss);
    free(o->requests_mean);
    free(o->wait_mean);
    free(o->unbooked_end);
    memset(o, 0, sizeof *o);
}

regia_status_t wl_risk_alloc(regia_run_t *run, wl_t *w)
{
    const size_t n = (size_t)run->ni * (size_t)w->areas.n_area * NCLS * (size_t)w->risk_weeks + 1;
    w->risk_share_mean = malloc(sizeof(double) * n);
    w->risk_share_q = malloc(sizeof(double) * n * (size_t)(w->n_q > 0 ? w->n_q : 1));
    w->risk_p_miss = malloc(sizeof(double) * n);
    w->risk_requests = malloc(sizeof(double) * n);
    w->risk_worst = malloc(sizeof(double) * ((size_t)run->ni * (size_t)w->areas.n_area + 1));
    if (!w->risk_share_mean || !w->risk_share_q || !w->risk_p_miss || !w->risk_requests || !w->risk_worst)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the queue risk of %lld services", (long long)run->ni);
    return REGIA_OK;
}

regia_status_t wl_risk_compute(regia_run_t *run, wl_t *w, int64_t k)
{
    regia_status_t st = REGIA_OK;
    const int NA = w->areas.n_area, W = w->risk_weeks, Q = w->n_q;
    const size_t per = (size_t)NA * NCLS * (size_t)W, base = (size_t)k * per;
    for (size_t j = 0; j < per; j++)
        w->risk_share_mean[base + j] = w->risk_p_miss[base + j] = w->risk_requests[base + j] = NAN;
    for (size_t j = 0; j < per * (size_t)Q; j++) w->risk_share_q[base * Q + j] = NAN;
    for (int a = 0; a < NA; a++) w->risk_worst[(size_t)k * NA + a] = NAN;
    int *areas = malloc(sizeof(int) * (size_t)NA);
    regia_slot_out_t o;
    wl_slot_item_t it;
    memset(&it, 0, sizeof it);
    if (!areas) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if ((st = wl_slot_out_alloc(w, &o))) { free(areas); return st; }
    const int gs = (int)(run->i0 + k);
    const int n = wl_guarantee_areas(w, gs, areas);
    for (int i = 0; i < n; i++) {
        const int a = areas[i];
        REGIA_TRY(wl_risk_item(w, k, gs, a, &it));
        if ((st = wl_risk_sim(run, w, &it, NULL, 0, NULL, &o))) {
            regia_error_prefix("queue risk of service %d, area %d: ", gs, a);
            goto err;
        }
        const size_t o0 = base + (size_t)a * NCLS * W;
        memcpy(w->risk_share_mean + o0, o.share_mean, sizeof(double) * NCLS * W);
        memcpy(w->risk_p_miss + o0, o.p_miss, sizeof(double) * NCLS * W);
        memcpy(w->risk_requests + o0, o.requests_mean, sizeof(double) * NCLS * W);
        memcpy(w->risk_share_q + o0 * Q, o.share_q, sizeof(double) * NCLS * W * Q);
        double worst = 0;
        for (int j = 0; j < NCLS * W; j++)
            if (o.p_miss[j] > worst) worst = o.p_miss[j];
        w->risk_worst[(size_t)k * NA + a] = worst;
        wl_risk_item_free(&it);
    }
err:
    wl_risk_item_free(&it);
    wl_slot_out_free(&o);
    free(areas);
    return st;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, key, s) REGIA_NC(nc_put_att_text(ncid, v, key, strlen(s), s))

enum { V_MEAN = 0, V_PMISS, V_REQ, V_Q /* then one per quantile */ };

static regia_status_t def_risk(wl_t *w, int ncid, const char *name, const char *long_name, const char *units,
                               int *vid)
{
    regia_status_t st = REGIA_OK;
    const int d4[4] = {w->dim.service, w->dim.area, w->dim.cls, w->dim.week};
    const size_t l4[4] = {(size_t)w->n_services, (size_t)w->areas.n_area, WL_CLASS_DIM, (size_t)w->n_weeks};
    const char *cm = "on the risk weeks (risk_step 1 .. risk_weeks: week 1 starts on the first Monday on or after "
                     "as_of), NaN on the others; guarantee areas only (districts, or ASLs for services guaranteed "
                     "per ASL; NaN elsewhere) and classes U B D P (NaN for 'all'); requests arriving in the week; "
                     "Monte Carlo over n_paths paths (docs/waitlist-methods.md)";
    REGIA_TRY(wl_def_rev(ncid, name, NC_DOUBLE, 4, d4, 1, l4, vid));
    ATT(*vid, "long_name", long_name);
    ATT(*vid, "units", units);
    ATT(*vid, "comment", cm);
    ATT(*vid, "coordinates", WL_COORDS_SAC);
    ATT(*vid, "coverage_content_type", "modelResult");
err:
    return st;
}

regia_status_t wl_risk_define(regia_run_t *run, wl_t *w, int ncid)
{
    regia_status_t st = REGIA_OK;
    (void)run;
    int *v = w->vid_risk;
    REGIA_TRY(def_risk(w, ncid, "risk_share_mean", "expected share of the week's requests booked within the class "
                       "limit", "1", &v[V_MEAN]));
    REGIA_TRY(def_risk(w, ncid, "risk_p_miss", "probability that the share booked within the class limit is below "
                       "the target", "1", &v[V_PMISS]));
    REGIA_TRY(def_risk(w, ncid, "risk_requests", "expected first-access requests arriving in the week (simulated)",
                       "1/week", &v[V_REQ]));
    if (w->n_q > 8) return REGIA_FAIL(REGIA_ERR_INVALID, "more than 8 risk quantiles");
    for (int q = 0; q < w->n_q; q++) {
        char tag[32], name[64], ln[256];
        wl_level_tag(100.0 * w->q[q], tag, sizeof tag);
        snprintf(name, sizeof name, "risk_share_q%s", tag);
        snprintf(ln, sizeof ln, "%g quantile over the simulated paths of the share booked within the class limit",
                 w->q[q]);
        REGIA_TRY(def_risk(w, ncid, name, ln, "1", &v[V_Q + q]));
        REGIA_NC(nc_put_att_double(ncid, v[V_Q + q], "quantile", NC_DOUBLE, 1, &w->q[q]));
    }
err:
    return st;
}

regia_status_t wl_risk_write(regia_run_t *run, wl_t *w, int ncid)
{
    regia_status_t st = REGIA_OK;
    const int64_t ni = run->ni;
    const int NA = w->areas.n_area, W = w->risk_weeks, Q = w->n_q, C = WL_CLASS_DIM, NW = w->n_weeks;
    const int r0 = wl_risk_week0(w);
    const size_t cells = (size_t)(ni > 0 ? ni : 1) * NA * C * (size_t)NW;
    double *f = malloc(sizeof(double) * cells);
    if (!f) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the queue risk");
    if ((st = regia_run_agree(run, st))) goto err;
    /* [k][area][class (U..P, then 'all' = NaN)][output week] from [k][area][class][risk week][inner] */
#define FILL(inner, src, at)                                                                                     \
    do {                                                                                                         \
        for (size_t j = 0; j < cells; j++) f[j] = NAN;                                                           \
        for (int64_t k = 0; k < ni; k++)                                                                         \
            for (int a = 0; a < NA; a++)                                                                         \
                for (int c = 0; c < NCLS; c++)                                                                   \
                    for (int r = 0; r < W && r0 + r < NW; r++)                                                   \
                        f[(((size_t)k * NA + a) * C + c) * NW + (size_t)(r0 + r)] =                              \
                            (src)[((((size_t)k * NA + a) * NCLS + c) * W + r) * (size_t)(inner) + (size_t)(at)]; \
    } while (0)
    {
        const size_t in[3] = {(size_t)NA, (size_t)C, (size_t)NW};
        FILL(1, w->risk_share_mean, 0);
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_risk[V_MEAN], 4, in, NC_DOUBLE, f, run->i0, ni));
        FILL(1, w->risk_p_miss, 0);
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_risk[V_PMISS], 4, in, NC_DOUBLE, f, run->i0, ni));
        FILL(1, w->risk_requests, 0);
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_risk[V_REQ], 4, in, NC_DOUBLE, f, run->i0, ni));
        for (int q = 0; q < Q; q++) {
            FILL(Q, w->risk_share_q, q);
            REGIA_TRY(wl_put_rev(run, ncid, w->vid_risk[V_Q + q], 4, in, NC_DOUBLE, f, run->i0, ni));
        }
    }
#undef FILL
err:
    free(f);
    return st;
}

void wl_risk_free(wl_t *w)
{
    free(w->risk_share_mean);
    free(w->risk_share_q);
    free(w->risk_p_miss);
    free(w->risk_requests);
    free(w->risk_worst);
    w->risk_worst = NULL;
    w->risk_share_mean = w->risk_share_q = w->risk_p_miss = w->risk_requests = NULL;
}
