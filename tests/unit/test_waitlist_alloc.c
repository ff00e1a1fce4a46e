/* test_waitlist_alloc.c - the waiting-list domain's demand series, routing, queue-risk
 * items and adaptive allocation (drivers/waitlist_demand.c, waitlist_risk.c,
 * waitlist_alloc.c), on a small wl_t built by hand: 3 districts (0 and 1 in ASL 0, 2 in
 * ASL 1), one visit service, agendas Monday to Friday, bookings written below.
 *
 * Calendar (Europe/Rome, summer time UTC+2): week 0 starts on Monday 2024-07-01; the
 * history is 8 weeks, to as_of = Monday 2024-08-26; week 6 is 12-18 August (Ferragosto,
 * Thursday 15, is a public holiday). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "regia/kernels.h"
#include "regia/croston.h"
#include "regia/timeutil.h"
#include "../../drivers/waitlist_analysis.h"

enum { ND = 3, NASL = 2, NA = ND + NASL + 1, T = 8 };

static int level_[NA] = {0, 0, 0, 1, 1, 2}, parent_[NA] = {3, 3, 4, 5, 5, -1};
static int district_asl_[ND] = {0, 0, 1};
static wl_service_t svc_[2];
static int ag_service[ND] = {0, 0, 0}, ag_district[ND] = {0, 1, 2}, ag_slots[ND] = {10, 10, 10};
static uint8_t ag_wd[ND] = {0x1f, 0x1f, 0x1f};
static int64_t ag_from[ND], ag_to[ND];

static wl_booking_t bk[512];
static int nbk;
static int64_t off_[2];

static int64_t rome(int y, int mo, int d, int h, int mi) { return wl_rome_to_utc(y, mo, d, h, mi, 0); }

/* A first-access SSN request of patient p (district d, class c) contacted at t. */
static wl_booking_t *add(int p, int d, int c, int64_t t)
{
    wl_booking_t *b = &bk[nbk++];
    memset(b, 0, sizeof *b);
    memset(b->patient, 0, 32);
    b->patient[0] = (uint8_t)(p & 0xff);
    b->patient[1] = (uint8_t)(p >> 8);
    b->t_rx = b->t_contact = t;
    b->t_first = WL_NOTIME;
    b->t_booked = b->t_outcome = t + 86400; /* delivered the next day */
    b->outcome = WL_OUT_DELIVERED;
    b->klass = (int8_t)c;
    b->access = WL_ACCESS_FIRST;
    b->regime = WL_REGIME_SSN;
    b->service = 0;
    b->res_district = d;
    b->prov_district = d;
    return b;
}

static void setup(wl_t *w)
{
    memset(w, 0, sizeof *w);
    w->areas = (wl_areas_t){NA, ND, NASL, level_, parent_};
    w->districts.n_district = ND;
    w->districts.n_asl = NASL;
    w->districts.district_asl = district_asl_;
    memset(svc_, 0, sizeof svc_);
    svc_[0].kind = 0;
    svc_[0].area_level = 0;
    w->services.n = 1;
    w->services.s = svc_;
    for (int j = 0; j < ND; j++) {
        ag_from[j] = regia_days_from_civil(2024, 1, 1) * 86400;
        ag_to[j] = INT64_MAX;
    }
    w->agendas.n = ND;
    w->agendas.service = ag_service;
    w->agendas.district = ag_district;
    w->agendas.slots_week = ag_slots;
    w->agendas.weekdays = ag_wd;
    w->agendas.valid_from = ag_from;
    w->agendas.valid_to = ag_to;
    const double lim[WL_CLASSES] = {3, 10, 30, 120};
    for (int c = 0; c < WL_CLASSES; c++) {
        w->limit_days[0][c] = w->limit_days[1][c] = lim[c];
        w->target[c] = 0.9;
    }
    w->limit_days[1][WL_D] = 60;
    w->k = 3;
    w->week0 = rome(2024, 7, 1, 0, 0);
    w->week0_day = regia_days_from_civil(2024, 7, 1);
    w->as_of = rome(2024, 8, 26, 0, 0);
    w->as_of_day = regia_days_from_civil(2024, 8, 26);
    w->hist_weeks = T;
    w->horizon = 4;
    w->risk_weeks = 3;
    w->n_paths = 400;
    w->seed = 20240826;
    w->n_levels = 2;
    w->levels[0] = 80;
    w->levels[1] = 95;
    w->n_q = 3;
    w->q[0] = 0.05;
    w->q[1] = 0.5;
    w->q[2] = 0.95;
    w->alloc_level = 0.1;
    w->alloc_max_extra = 40;
    w->weeks_to_target = 26;
    w->intermittent_method = -1;
    w->n_services = 1;
    w->bk = bk;
    off_[0] = 0;
    off_[1] = nbk;
    w->bk_off = off_;
}

/* ---- 1. NHSRwaitinglist's published values --------------------------------------------- */
static void test_nhsr(void)
{
    /* tests/testthat of NHSRwaitinglist: calc_target_queue_size(30, 52) = 390 (factor 4),
     * calc_target_capacity(30, 52, 3, 1.1, 1.2) = 30.076442 and its vector case,
     * calc_relief_capacity(30, 1200, 390, 26) = 61.153846 */
    CHECK_CLOSE(wl_nhsr_target_queue(30, 52, 4), 390, 0, 1e-9);
    CHECK_CLOSE(wl_nhsr_target_capacity(30, 52, 3, 1.1, 1.2), 30.076442, 0, 1e-6);
    CHECK_CLOSE(wl_nhsr_target_capacity(42, 65, 2, 1.2, 1.5), 42.0567692, 0, 1e-6);
    CHECK_CLOSE(wl_nhsr_target_capacity(35, 50, 1, 1.3, 1.6), 35.0425, 0, 1e-6);
    CHECK_CLOSE(wl_nhsr_relief_capacity(30, 1200, 390, 26), 61.153846, 0, 1e-6);
    /* calc_waiting_list_pressure(63, 52) = 2 x 63 / 52 (its example) */
    CHECK_CLOSE(wl_nhsr_pressure(63, 52), 2.4230769231, 0, 1e-9);
    /* units: a list whose mean wait is half its target has pressure 1 */
    CHECK_CLOSE(wl_nhsr_pressure(3, 6), 1, 0, 1e-12);
}

/* ---- 2. the demand series builder ---------------------------------------------------------- */
static void make_bookings(void)
{
    nbk = 0;
    int p = 1;
    for (int wk = 0; wk < T; wk++) {
        const int day = 1 + 7 * wk; /* July 1 + 7 wk, as a day of July (may run into August) */
        const int64_t t = rome(2024, 7, 1, 9, 0) + (int64_t)wk * 7 * 86400;
        (void)day;
        for (int i = 0; i < 7 + wk % 3; i++) add(p++, 0, WL_P, t + i * 3600); /* dense: 7 8 9 7 8 9 7 8 */
        for (int i = 0; i < 4; i++) add(p++, 2, WL_B, t + 2 * 86400 + i * 60); /* constant: 4 a week */
        if (wk != 6)                                                 /* district 1 B: none in 12-18 Aug */
            for (int i = 0; i < 3; i++) add(p++, 1, WL_B, t + 86400 + i * 600);
    }
    /* district 0 U: weeks 1 and 5 only (intermittent), patients 900 twice (one person) */
    add(900, 0, WL_U, rome(2024, 7, 10, 11, 0));
    add(900, 0, WL_U, rome(2024, 8, 6, 11, 0));
    add(901, 0, WL_U, rome(2024, 8, 7, 11, 0));
    /* week boundaries in Rome time: Sunday 4 August 23:30 is week 4, Monday 5 August
     * 00:10 is week 5 (in UTC both are on Sunday) */
    add(910, 2, WL_D, rome(2024, 8, 4, 23, 30));
    add(911, 2, WL_D, rome(2024, 8, 5, 0, 10));
    /* no class counts as P */
    add(920, 2, WL_CLASS_NONE, rome(2024, 7, 3, 10, 0));
    /* not counted: follow-up, intramoenia, no contact time, contact on as_of or later,
     * before week 0 */
    add(930, 2, WL_P, rome(2024, 7, 3, 10, 0))->access = WL_ACCESS_FOLLOWUP;
    add(931, 2, WL_P, rome(2024, 7, 3, 10, 0))->regime = WL_REGIME_INTRAMOENIA;
    add(932, 2, WL_P, rome(2024, 7, 3, 10, 0))->t_contact = WL_NOTIME;
    add(933, 2, WL_P, rome(2024, 8, 26, 0, 0));
    add(934, 2, WL_P, rome(2024, 6, 30, 23, 59));
}

static void test_series(wl_t *w)
{
    double y[ND * 4 * T];
    int32_t persons[ND * 4];
    CHECK_OK(wl_demand_series(w, bk, nbk, y, persons));
#define Y(d, c, t) y[((d) * 4 + (c)) * T + (t)]
    for (int t = 0; t < T; t++) {
        CHECK_CLOSE(Y(0, WL_P, t), 7 + t % 3, 0, 0);
        CHECK_CLOSE(Y(2, WL_B, t), 4, 0, 0);
        CHECK_CLOSE(Y(1, WL_B, t), t == 6 ? 0 : 3, 0, 0); /* the August week: 0, not missing */
    }
    CHECK_CLOSE(Y(0, WL_U, 1), 1, 0, 0);
    CHECK_CLOSE(Y(0, WL_U, 5), 2, 0, 0);
    CHECK_CLOSE(Y(0, WL_U, 0) + Y(0, WL_U, 2) + Y(0, WL_U, 3) + Y(0, WL_U, 4) + Y(0, WL_U, 6) + Y(0, WL_U, 7), 0, 0, 0);
    CHECK_CLOSE(Y(2, WL_D, 4), 1, 0, 0);
    CHECK_CLOSE(Y(2, WL_D, 5), 1, 0, 0);
    double p2 = 0;
    for (int t = 0; t < T; t++) p2 += Y(2, WL_P, t);
    CHECK_CLOSE(p2, 1, 0, 0); /* only the request without a class */
    CHECK_CLOSE(Y(2, WL_P, 0), 1, 0, 0);
    CHECK(persons[0 * 4 + WL_P] == 63);
    CHECK(persons[2 * 4 + WL_B] == 32);
    CHECK(persons[1 * 4 + WL_B] == 21);
    CHECK(persons[0 * 4 + WL_U] == 2); /* patient 900 twice, 901 once */
    CHECK(persons[2 * 4 + WL_D] == 2);
    CHECK(persons[1 * 4 + WL_U] == 0);
#undef Y
}

/* ---- 3. routing ------------------------------------------------------------------------ */
static void test_route(regia_run_t *run, wl_t *w)
{
    CHECK(wl_demand_route(w, REGIA_DEMAND_SMOOTH) == WL_DEM_ETS);
    CHECK(wl_demand_route(w, REGIA_DEMAND_ERRATIC) == WL_DEM_ETS);
    CHECK(wl_demand_route(w, REGIA_DEMAND_INTERMITTENT) == WL_DEM_CROSTON + REGIA_IM_SBA);
    CHECK(wl_demand_route(w, REGIA_DEMAND_LUMPY) == WL_DEM_CROSTON + REGIA_IM_SBA);
    CHECK(wl_demand_route(w, REGIA_DEMAND_ZERO) == WL_DEM_CROSTON + REGIA_IM_SBA);
    w->intermittent_method = REGIA_IM_IMAPA;
    CHECK(wl_demand_route(w, REGIA_DEMAND_LUMPY) == WL_DEM_CROSTON + REGIA_IM_IMAPA);
    CHECK(wl_demand_route(w, REGIA_DEMAND_SMOOTH) == WL_DEM_ETS);
    w->intermittent_method = -1;
    CHECK(wl_demand_weeks(w) == T);
    CHECK(wl_demand_period(w) == 1);
    const int64_t aod = w->as_of_day;
    w->as_of_day = w->week0_day + 7 * 104;
    CHECK(wl_demand_period(w) == 52);
    w->as_of_day = w->week0_day + 7 * 104 - 1; /* 103 complete weeks and a partial one */
    CHECK(wl_demand_weeks(w) == 103 && wl_demand_period(w) == 1);
    w->as_of_day = aod;

    /* the whole module on the bookings above */
    CHECK_OK(wl_demand_alloc(run, w));
    CHECK_OK(wl_demand_compute(run, w, 0));
    const int8_t *m = w->dem_method;
    CHECK(m[0 * 4 + WL_P] == WL_DEM_ETS);   /* 7 to 9 every week: smooth */
    /* a constant series is smooth, but ETS cannot fit it (no variance): optimised Croston,
     * which is SES on a series without zeros, forecasts the constant */
    CHECK(m[2 * 4 + WL_B] == WL_DEM_CROSTON + REGIA_IM_OPTIMIZED);
    CHECK(m[1 * 4 + WL_B] == WL_DEM_ETS);   /* ADI 8/7 < 1.32, CV^2 0: smooth despite the empty week */
    CHECK(m[0 * 4 + WL_U] == WL_DEM_SUPPRESSED); /* 2 patients < k = 3 */
    CHECK(m[2 * 4 + WL_D] == WL_DEM_SUPPRESSED);
    CHECK(m[1 * 4 + WL_U] == WL_DEM_SUPPRESSED); /* no patient at all */
    const int H = w->horizon, HR = w->dem_sim_weeks;
    CHECK(HR >= w->risk_weeks && HR >= H);
    for (int h = 0; h < H; h++) {
        CHECK(fabs(w->dem_mean[(0 * 4 + WL_P) * H + h] - 7.875) < 1.5);
        CHECK_CLOSE(w->dem_mean[(2 * 4 + WL_B) * H + h], 4, 1e-12, 0);
        CHECK(isnan(w->dem_mean[(0 * 4 + WL_U) * H + h]));               /* not published ... */
        CHECK(isfinite(w->dem_sim_mean[(0 * 4 + WL_U) * HR + h]));       /* ... but simulated */
        CHECK(w->dem_sim_mean[(0 * 4 + WL_U) * HR + h] > 0);
        for (int l = 0; l < w->n_levels; l++) {
            const double lo = w->dem_lower[((0 * 4 + WL_P) * w->n_levels + l) * H + h];
            const double up = w->dem_upper[((0 * 4 + WL_P) * w->n_levels + l) * H + h];
            const double mu = w->dem_mean[(0 * 4 + WL_P) * H + h];
            CHECK(lo >= 0 && lo < mu && up > mu);
        }
        const double b = w->dem_mean[(1 * 4 + WL_B) * H + h];
        CHECK(b > 0 && b < 3.5);
    }
    CHECK_CLOSE(w->dem_adi[1 * 4 + WL_B], 8.0 / 7.0, 1e-12, 0);
    CHECK_CLOSE(w->dem_cv2[1 * 4 + WL_B], 0, 0, 1e-12);
    CHECK(isnan(w->dem_adi[0 * 4 + WL_U]));

    /* with k = 2 the U series of district 0 is published, on Croston's side (SBA) */
    w->k = 2;
    CHECK_OK(wl_demand_compute(run, w, 0));
    CHECK(w->dem_method[0 * 4 + WL_U] == WL_DEM_CROSTON + REGIA_IM_SBA);
    CHECK(w->dem_adi[0 * 4 + WL_U] >= 1.32);
    const double sba = regia_croston1((const double[T]){0, 1, 0, 0, 0, 2, 0, 0}, T, REGIA_IM_SBA, 0, 0);
    CHECK_CLOSE(w->dem_mean[(0 * 4 + WL_U) * H + 0], sba, 1e-12, 0);
    CHECK(w->dem_lower[(0 * 4 + WL_U) * w->n_levels * H] >= 0);
    w->k = 3;
}

/* ---- 4. queue-risk items: capacity, the current list ------------------------------------ */
static void test_item(regia_run_t *run, wl_t *w)
{
    wl_slot_item_t it;
    int areas[NA];
    CHECK(wl_guarantee_areas(w, 0, areas) == ND);
    CHECK(areas[0] == 0 && areas[2] == 2);
    CHECK(wl_area_has_district(w, 3, 1) && !wl_area_has_district(w, 3, 2) && wl_area_has_district(w, 1, 1));
    /* list: booked for 28 August (day 2), pending without a date, delivered before as_of */
    wl_booking_t *b = add(950, 1, WL_B, rome(2024, 8, 20, 10, 0));
    b->t_booked = rome(2024, 8, 28, 9, 0);
    b->outcome = WL_OUT_PENDING;
    b->t_outcome = WL_NOTIME;
    b = add(951, 1, WL_D, rome(2024, 8, 12, 10, 0));
    b->outcome = WL_OUT_PENDING;
    b->t_booked = b->t_outcome = WL_NOTIME;
    b = add(952, 1, WL_P, rome(2024, 8, 1, 10, 0));
    b->t_booked = rome(2024, 8, 20, 9, 0);
    b->t_outcome = b->t_booked;
    off_[1] = nbk;
    CHECK_OK(wl_risk_item(w, 0, 0, 1, &it));
    CHECK(it.n_list == 2);
    CHECK(it.list_class[0] == WL_B && it.list_day[0] == 2 && it.list_waited[0] == 6);
    CHECK(it.list_class[1] == WL_D && it.list_day[1] == -1 && it.list_waited[1] == 14);
    CHECK(it.list_n[WL_B] == 1 && it.list_n[WL_D] == 1);
    for (int j = 0; j < it.weeks; j++) CHECK(it.slots_week[j] == 10);
    CHECK_CLOSE(it.weekday[0], 0.2, 1e-12, 0);
    CHECK_CLOSE(it.weekday[5], 0, 0, 0);
    CHECK_CLOSE(it.limit[WL_U], 3, 0, 0);
    CHECK_CLOSE(it.arr_mean[WL_B * it.weeks], w->dem_sim_mean[(1 * 4 + WL_B) * w->dem_sim_weeks], 1e-12, 0);
    wl_risk_item_free(&it);
    /* the ASL-1 item of a service guaranteed per ASL sums districts 0 and 1 */
    svc_[0].area_level = 1;
    CHECK(wl_guarantee_areas(w, 0, areas) == NASL && areas[0] == 3);
    CHECK_OK(wl_risk_item(w, 0, 0, 3, &it));
    CHECK(it.slots_week[0] == 20);
    CHECK_CLOSE(it.arr_mean[WL_P * it.weeks],
                w->dem_sim_mean[(0 * 4 + WL_P) * w->dem_sim_weeks] + w->dem_sim_mean[(1 * 4 + WL_P) * w->dem_sim_weeks],
                1e-12, 0);
    wl_risk_item_free(&it);
    svc_[0].area_level = 0;
    /* Ferragosto: the week of 12 August has 8 of its 10 slots */
    const int64_t as_of = w->as_of, as_of_day = w->as_of_day;
    w->as_of = rome(2024, 8, 12, 0, 0);
    w->as_of_day = regia_days_from_civil(2024, 8, 12);
    CHECK(wl_sim_day0(w) == w->as_of_day);
    CHECK_OK(wl_risk_item(w, 0, 0, 0, &it));
    CHECK(it.slots_week[0] == 8 && it.slots_week[1] == 10);
    CHECK(it.first_share == 1);
    wl_risk_item_free(&it);
    /* district 2's agendas also served a follow-up and an intramoenia visit in the last 8
     * weeks of history: first access gets its share of the slots */
    {
        int n_first = 0, n_all = 0;
        for (int i = 0; i < nbk; i++) {
            const wl_booking_t *x = &bk[i];
            if (x->prov_district != 2 || x->t_booked == WL_NOTIME) continue;
            const int64_t d = wl_rome_day(x->t_booked);
            if (d < w->as_of_day - 56 || d >= w->as_of_day) continue;
            n_all++;
            n_first += x->access == WL_ACCESS_FIRST && x->regime == WL_REGIME_SSN;
        }
        CHECK(n_all - n_first == 2);
        CHECK_OK(wl_risk_item(w, 0, 0, 2, &it));
        CHECK_CLOSE(it.first_share, (double)n_first / n_all, 1e-15, 0);
        CHECK(it.slots_week[1] == (int)floor(10.0 * n_first / n_all + 0.5));
        wl_risk_item_free(&it);
    }
    /* day 0 of an as_of on a Wednesday is the next Monday: the history ends with the week
     * before as_of's, forecast step 1 is as_of's week, the simulation starts at step 2 */
    w->as_of_day = regia_days_from_civil(2024, 8, 14);
    CHECK(wl_sim_day0(w) == regia_days_from_civil(2024, 8, 19));
    CHECK(wl_demand_weeks(w) == 6 && wl_sim_week_offset(w) == 1);
    w->as_of = as_of;
    w->as_of_day = as_of_day;
    nbk -= 3;
    off_[1] = nbk;
    (void)run;
}

/* ---- 5. the allocation search, spare slots, moves ---------------------------------------- */
static void hand_item(wl_slot_item_t *it, int W, int32_t *slots, double *mean, double *var, int cap,
                      const double arr[4])
{
    memset(it, 0, sizeof *it);
    it->weeks = W;
    it->slots_week = slots;
    it->arr_mean = mean;
    it->arr_var = var;
    for (int j = 0; j < W; j++) slots[j] = cap;
    for (int c = 0; c < 4; c++)
        for (int j = 0; j < W; j++) { mean[c * W + j] = arr[c]; var[c * W + j] = arr[c]; }
    for (int d = 0; d < 7; d++) it->weekday[d] = d < 5 ? 0.2 : 0;
    const double lim[4] = {3, 10, 30, 120};
    for (int c = 0; c < 4; c++) { it->limit[c] = lim[c]; it->target[c] = 0.9; }
    it->book_ahead = 133;
    it->release_days[0] = 1;
    it->release_days[1] = 3;
    it->p_cancel = 0.05;
    it->p_noshow = 0.03;
    it->key = 77;
}

static void test_search(regia_run_t *run, wl_t *w)
{
    enum { W = 6 };
    int32_t slots[W];
    double mean[4 * W], var[4 * W];
    wl_slot_item_t it;
    regia_slot_out_t o;
    w->risk_weeks = W;
    CHECK_OK(wl_slot_out_alloc(w, &o));
    /* 28 requests a week against 20 slots: a growing list */
    hand_item(&it, W, slots, mean, var, 20, (const double[4]){1, 3, 6, 18});
    int32_t e = -1;
    int met = -1;
    double pat = -1;
    CHECK_OK(wl_alloc_search(run, w, &it, &o, NAN, &e, &met, &pat));
    CHECK(met == 1 && e > 0 && e < w->alloc_max_extra);
    double p_e, p_e1;
    CHECK_OK(wl_alloc_worst(run, w, &it, NULL, e, NULL, &o, &p_e));
    CHECK_OK(wl_alloc_worst(run, w, &it, NULL, e - 1, NULL, &o, &p_e1));
    CHECK_MSG(p_e <= w->alloc_level && p_e1 > w->alloc_level, "e %d: P %g, e-1: P %g", e, p_e, p_e1);
    CHECK(pat == p_e);
    /* a known P at 0 extra is taken, not simulated again: the same answer */
    int32_t e2 = -1;
    double p0;
    CHECK_OK(wl_alloc_worst(run, w, &it, NULL, 0, NULL, &o, &p0));
    CHECK_OK(wl_alloc_search(run, w, &it, &o, p0, &e2, &met, &pat));
    CHECK(e2 == e && met == 1);
    fprintf(stderr, "search: 28 requests a week on 20 slots need %d more (worst P(miss) %.4f; %d: %.4f)\n", e, p_e,
            e - 1, p_e1);
    /* common random numbers: the same candidate twice gives the same figure, and more
     * capacity never raises the worst P(miss) */
    double again;
    CHECK_OK(wl_alloc_worst(run, w, &it, NULL, e, NULL, &o, &again));
    CHECK(again == p_e);
    double prev = 2;
    int mono = 1;
    for (int x = 0; x <= e + 4; x += 1) {
        double p;
        CHECK_OK(wl_alloc_worst(run, w, &it, NULL, x, NULL, &o, &p));
        if (p > prev) mono = 0;
        prev = p;
    }
    CHECK(mono);
    /* out of reach: 100 requests against 20 + 40 slots */
    hand_item(&it, W, slots, mean, var, 20, (const double[4]){5, 10, 25, 60});
    CHECK_OK(wl_alloc_search(run, w, &it, &o, NAN, &e, &met, &pat));
    CHECK(met == 0 && e == w->alloc_max_extra);

    /* spare: 10 requests a week against 30 slots */
    hand_item(&it, W, slots, mean, var, 30, (const double[4]){0.5, 1.5, 3, 5});
    CHECK_OK(wl_alloc_search(run, w, &it, &o, NAN, &e, &met, &pat));
    CHECK(met == 1 && e == 0);
    int32_t r = -1;
    CHECK_OK(wl_alloc_spare(run, w, &it, &o, &r));
    CHECK(r > 0 && r < 30);
    fprintf(stderr, "spare: 10 requests a week on 30 slots can give up %d\n", r);
    int32_t cut[W];
    for (int j = 0; j < W; j++) cut[j] = 30 - r;
    double p;
    CHECK_OK(wl_alloc_worst(run, w, &it, cut, 0, NULL, &o, &p));
    CHECK(p <= w->alloc_level);
    for (int j = 0; j < W; j++) cut[j] = 30 - r - 1;
    CHECK_OK(wl_alloc_worst(run, w, &it, cut, 0, NULL, &o, &p));
    CHECK(p > w->alloc_level);
    /* reservation rule: the 0.9 quantile of Poisson(0.5) is 1, of Poisson(1.5) 3 */
    int32_t res[4];
    wl_alloc_reserve_rule(w, &it, res);
    CHECK(res[WL_U] == 1 && res[WL_B] == 3 && res[WL_D] == 0 && res[WL_P] == 0);
    wl_slot_out_free(&o);
    w->risk_weeks = 3;
}

static void test_moves(void)
{
    enum { N = 6 };
    const int asl[N] = {0, 0, 1, 1, 0, 1};
    const int32_t need[N] = {5, 0, 7, 0, 2, 0}, spare[N] = {0, 4, 0, 3, 1, 9};
    int32_t mv[N * N];
    wl_alloc_moves(N, asl, need, spare, mv);
    int32_t in[N] = {0}, out[N] = {0}, tot[2] = {0, 0};
    int cross = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            const int32_t m = mv[i * N + j];
            CHECK(m >= 0);
            if (m && asl[i] != asl[j]) cross = 1;
            if (m && i == j) cross = 1;
            out[i] += m;
            in[j] += m;
            tot[asl[i]] += m;
        }
    CHECK(!cross);
    for (int d = 0; d < N; d++) CHECK(out[d] <= spare[d] && in[d] <= need[d]);
    /* ASL 0: need 7, spare 5 -> 5 moved; ASL 1: need 7, spare 12 -> 7 moved */
    CHECK(tot[0] == 5 && tot[1] == 7);
    /* slots are conserved within each ASL: what leaves its donors arrives at its takers */
    int32_t bal[2] = {0, 0};
    for (int d = 0; d < N; d++) bal[asl[d]] += in[d] - out[d];
    CHECK(bal[0] == 0 && bal[1] == 0);
    /* the split of an area's reservation over its agendas */
    int32_t part[3];
    wl_alloc_split(3, (const double[3]){1, 1, 2}, 5, part);
    CHECK(part[0] == 1 && part[1] == 1 && part[2] == 3);
    wl_alloc_split(2, (const double[2]){0, 0}, 3, part);
    CHECK(part[0] == 2 && part[1] == 1);
    wl_alloc_split(3, (const double[3]){3, 0, 1}, 0, part);
    CHECK(part[0] == 0 && part[1] == 0 && part[2] == 0);
}

/* ---- 6. the whole allocation of the hand-made service ------------------------------------ */
static void test_alloc_module(regia_run_t *run, wl_t *w)
{
    CHECK_OK(wl_risk_alloc(run, w));
    CHECK_OK(wl_risk_compute(run, w, 0));
    CHECK_OK(wl_alloc_alloc(run, w));
    CHECK_OK(wl_alloc_compute(run, w, 0));
    const int W = w->risk_weeks;
    for (int a = 0; a < NA; a++)
        for (int c = 0; c < 4; c++)
            for (int j = 0; j < W; j++) {
                const double p = w->risk_p_miss[(a * 4 + c) * W + j];
                if (a >= ND) CHECK(isnan(p));
                else CHECK(isnan(p) || (p >= 0 && p <= 1));
            }
    for (int a = 0; a < ND; a++) CHECK(w->extra_slots[a] >= 0 && w->alloc_met[a] >= 0);
    for (int a = ND; a < NA; a++) CHECK(w->extra_slots[a] == -1);
    /* district 2 is alone in ASL 1: nothing moves to or from it */
    for (int i = 0; i < ND; i++) CHECK(w->move_slots[i * ND + 2] == 0 && w->move_slots[2 * ND + i] == 0);
    for (int a = 0; a < ND; a++) {
        int32_t in = 0;
        for (int i = 0; i < ND; i++) in += w->move_slots[i * ND + a];
        CHECK(w->alloc_added[a] == w->extra_slots[a] - in);
        /* NHSR: the demand of P in district 0 is the forecast, target queue from it */
        const double *nh = w->nhsr + (a * 4 + WL_P) * 6;
        CHECK_CLOSE(nh[2], nh[0] * (120.0 / 7) / 4, 1e-12, 0);
    }
    CHECK_CLOSE(w->nhsr[(2 * 4 + WL_B) * 6 + 0], 4, 1e-12, 0);
    /* the reservation kept does not break the targets at the recommended capacity */
    {
        regia_slot_out_t o;
        CHECK_OK(wl_slot_out_alloc(w, &o));
        CHECK_OK(wl_alloc_agenda_split(run, w));
        for (int a = 0; a < ND; a++) {
            wl_slot_item_t it;
            const int32_t *r = w->reserve_slots + a * 4;
            CHECK(r[WL_U] >= 0 && r[WL_B] >= 0 && r[WL_D] == 0 && r[WL_P] == 0);
            for (int c = 0; c < 4; c++) /* one agenda per district: it holds the whole reservation */
                CHECK(w->alloc_agenda_res[a * 4 + c] == r[c] + 1);
            CHECK_OK(wl_risk_item(w, 0, 0, a, &it));
            double p0, p1;
            CHECK_OK(wl_alloc_worst(run, w, &it, NULL, w->extra_slots[a], NULL, &o, &p0));
            CHECK_OK(wl_alloc_worst(run, w, &it, NULL, w->extra_slots[a], r, &o, &p1));
            CHECK_MSG(p1 <= (p0 > w->alloc_level ? p0 : w->alloc_level), "area %d: %g with, %g without", a, p1, p0);
            fprintf(stderr, "district %d: extra %d, reserve U %d B %d, worst P(miss) %.3f (without reserve %.3f)\n", a,
                    w->extra_slots[a], r[WL_U], r[WL_B], p1, p0);
            wl_risk_item_free(&it);
        }
        wl_slot_out_free(&o);
    }
    wl_alloc_free(w);
    wl_risk_free(w);
}

int main(void)
{
    regia_backend_t be;
    memset(&be, 0, sizeof be);
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 1));
    regia_run_t run;
    memset(&run, 0, sizeof run);
    run.be = be;
    run.i0 = 0;
    run.ni = 1;
    run.threads = 1;
    wl_t w;
    test_nhsr();
    test_moves();
    make_bookings();
    setup(&w);
    test_series(&w);
    test_route(&run, &w);
    test_item(&run, &w);
    test_search(&run, &w);
    test_alloc_module(&run, &w);
    wl_demand_free(&w);
    regia_backend_close(&run.be);
    return check_done();
}
