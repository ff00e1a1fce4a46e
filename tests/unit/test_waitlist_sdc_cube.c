/* test_waitlist_sdc_cube.c - disclosure control of the compliance cube (drivers/waitlist_sdc.c)
 * on seeded bookings of one service in three districts of one ASL over four weeks: the
 * cube cannot be written before disclosure control ran (wl_sdc_require), distinct patients
 * are counted by pseudonym, no published count or patient count is 0 < n < k, the audit
 * of the cube's sums finds every suppressed count wide enough, statistics of suppressed or
 * small populations are blank, and k < 3 is refused. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/sdc.h"
#include "regia/status.h"
#include "regia/timeutil.h"
#include "../../drivers/waitlist_analysis.h"

enum { ND = 3, NA = ND + 2, NW = 4, NP = NW + 1, NB = 900, POOL = 260 };

static uint64_t rng = 12345;
static uint64_t next_u64(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static wl_booking_t bk[NB];
static int64_t bk_off[2] = {0, NB};
static int area_level[NA] = {0, 0, 0, 1, 2}, area_parent[NA] = {3, 3, 3, 4, -1}, district_asl[ND] = {0, 0, 0};
static int week_month[NW] = {0, 0, 0, 0};
static double limits[1][WL_CLASSES] = {{3, 10, 30, 120}};
static wl_service_t service = {.code = "89.7", .kind = 0};

static void setup(wl_t *w, regia_run_t *run)
{
    memset(w, 0, sizeof *w);
    memset(run, 0, sizeof *run);
    run->i0 = 0;
    run->ni = 1;
    w->clock = WL_CLOCK_CONTACT;
    w->light_green = 90;
    w->light_yellow = 60;
    w->k = 5;
    w->protection = 0;
    w->services.n = 1;
    w->services.s = &service;
    w->svc_limit = limits;
    w->districts.n_asl = 1;
    w->districts.n_district = ND;
    w->districts.district_asl = district_asl;
    w->areas.n_area = NA;
    w->areas.n_district = ND;
    w->areas.n_asl = 1;
    w->areas.level = area_level;
    w->areas.parent = area_parent;
    w->week0_day = regia_days_from_civil(2025, 3, 3); /* a Monday */
    w->week0 = wl_rome_to_utc(2025, 3, 3, 0, 0, 0);
    w->n_weeks = NW;
    w->n_months = 1;
    w->n_periods = NP;
    w->week_month = week_month;
    w->hist_weeks = NW;
    w->as_of = wl_rome_to_utc(2025, 3, 31, 0, 0, 0);
    w->n_services = 1;
    w->bk = bk;
    w->bk_off = bk_off;
}

/* Bookings of POOL patients (so some patients book several times), classes U..P and none,
 * refusals of both kinds, every outcome; a few follow-ups and intramoenia. */
static void make_bookings(void)
{
    const int64_t t0 = wl_rome_to_utc(2025, 3, 3, 8, 0, 0);
    for (int i = 0; i < NB; i++) {
        wl_booking_t *b = &bk[i];
        memset(b, 0, sizeof *b);
        uint64_t p = next_u64() % POOL;
        memset(b->patient, 0, 32);
        memcpy(b->patient, &p, sizeof p);
        b->patient[31] = 0xA5;
        b->t_contact = t0 + (int64_t)(next_u64() % (27 * 86400));
        b->t_rx = b->t_contact - 86400;
        b->t_first = b->t_contact + 3600 + (int64_t)(next_u64() % (40 * 86400));
        b->reason = (int8_t)(next_u64() % 6 < 4 ? WL_REASON_NONE : next_u64() % 2 ? WL_REASON_PERSONAL : WL_REASON_CHOICE);
        b->t_booked = b->t_first + (b->reason ? (int64_t)(next_u64() % (15 * 86400)) : 0);
        b->outcome = (int8_t)(next_u64() % 5);
        b->t_outcome = b->outcome ? b->t_booked + 600 : WL_NOTIME;
        b->klass = (int8_t)(next_u64() % 5);
        b->access = next_u64() % 20 == 0 ? WL_ACCESS_FOLLOWUP : WL_ACCESS_FIRST;
        b->regime = next_u64() % 25 == 0 ? WL_REGIME_INTRAMOENIA : WL_REGIME_SSN;
        b->res_district = (int32_t)(next_u64() % 10 < 6 ? 0 : 1 + next_u64() % 2); /* D1 big, D2 D3 small */
        b->prov_district = b->res_district;
    }
}

/* The cube's sums, rebuilt here from the layout (not from waitlist_sdc.c), for the audit. */
static int64_t n_cons, cons_total[20000], cons_off[20001], cons_part[80000];
static void add_con(int64_t t, const int64_t *parts, int n)
{
    cons_total[n_cons] = t;
    memcpy(cons_part + cons_off[n_cons], parts, sizeof *parts * (size_t)n);
    cons_off[n_cons + 1] = cons_off[n_cons] + n;
    n_cons++;
}
static void build_sums(const wl_t *w)
{
    int64_t p[8];
    n_cons = 0;
    for (int a = 0; a < NA; a++)
        for (int t = 0; t < NP; t++)
            for (int m = 0; m < WL_MEASURES; m++) {
                for (int q = 0; q < 4; q++) p[q] = wl_cell(w, a, q, t, m);
                add_con(wl_cell(w, a, WL_CLASS_ALL, t, m), p, 4);
            }
    for (int q = 0; q < WL_CLASS_DIM; q++)
        for (int t = 0; t < NP; t++)
            for (int m = 0; m < WL_MEASURES; m++) {
                for (int d = 0; d < ND; d++) p[d] = wl_cell(w, d, q, t, m);
                add_con(wl_cell(w, ND, q, t, m), p, ND);
                p[0] = wl_cell(w, ND, q, t, m);
                add_con(wl_cell(w, ND + 1, q, t, m), p, 1);
            }
    for (int a = 0; a < NA; a++)
        for (int q = 0; q < WL_CLASS_DIM; q++)
            for (int m = 0; m < WL_MEASURES; m++) {
                for (int t = 0; t < NW; t++) p[t] = wl_cell(w, a, q, t, m);
                add_con(wl_cell(w, a, q, NW, m), p, NW);
            }
    for (int a = 0; a < NA; a++)
        for (int q = 0; q < WL_CLASS_DIM; q++)
            for (int t = 0; t < NP; t++) {
                const int64_t r = wl_cell(w, a, q, t, WL_M_REQUESTS);
                const int64_t x[3] = {r + WL_M_WITHIN, r + WL_M_BEYOND, r + WL_M_EXCLUDED};
                const int64_t y[3] = {r + WL_M_DELIV_WITHIN, r + WL_M_DELIV_BEYOND, r + WL_M_NOT_DELIVERED};
                add_con(r, x, 3);
                add_con(r, y, 3);
            }
}

int main(void)
{
    wl_t w;
    regia_run_t run;
    make_bookings();
    setup(&w, &run);
    const int64_t C = (int64_t)NA * WL_CLASS_DIM * NP * WL_MEASURES, S = (int64_t)NA * WL_CLASS_DIM * NP;

    /* k below 3 is refused */
    w.k = 2;
    CHECK(wl_sdc_alloc(&run, &w) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "at least 3") != NULL);
    w.k = 5;

    CHECK_OK(wl_compliance_alloc(&run, &w));
    /* nothing can be written before disclosure control */
    CHECK(wl_sdc_require(&run, &w) == REGIA_ERR_INVALID);
    CHECK_OK(wl_sdc_alloc(&run, &w));
    CHECK_OK(wl_compliance_compute(&run, &w, 0));
    CHECK(wl_sdc_require(&run, &w) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "without disclosure control") != NULL);

    double *before = malloc(sizeof(double) * (size_t)C);
    memcpy(before, w.count, sizeof(double) * (size_t)C);
    CHECK_OK(wl_sdc_compute(&run, &w, 0));
    CHECK_OK(wl_sdc_require(&run, &w));
    CHECK(w.sdc_primary > 0 && w.sdc_secondary > 0 && w.sdc_lps > 0);
    fprintf(stderr, "cube of %lld cells: %lld primary, %lld secondary, %lld LPs, %.2f s\n", (long long)C,
            (long long)w.sdc_primary, (long long)w.sdc_secondary, (long long)w.sdc_lps, w.sdc_seconds);

    /* distinct patients: the region's requests of the month, all classes, by brute force */
    {
        int64_t cell = wl_cell(&w, NA - 1, WL_CLASS_ALL, NW, WL_M_REQUESTS), n = 0;
        static uint8_t seen[POOL];
        memset(seen, 0, sizeof seen);
        for (int i = 0; i < NB; i++) {
            const wl_booking_t *b = &bk[i];
            if (b->access != WL_ACCESS_FIRST || b->regime != WL_REGIME_SSN) continue;
            uint64_t p;
            memcpy(&p, b->patient, sizeof p);
            n += !seen[p];
            seen[p] = 1;
        }
        CHECK_CLOSE(w.persons[cell], (double)n, 0, 0);
        CHECK(w.persons[cell] < before[cell]); /* some patients booked twice */
    }

    /* the published cube: no small count, no small patient count; status matches NaN */
    int64_t n_sup = 0;
    for (int64_t i = 0; i < C; i++) {
        const int pub = w.sdc_status[i] == REGIA_SDC_PUBLISHED;
        CHECK(pub == !isnan(w.count[i]));
        n_sup += !pub;
        if (pub) {
            CHECK_MSG(!(w.count[i] > 0 && w.count[i] < w.k), "cell %lld = %g published", (long long)i, w.count[i]);
            CHECK(!(w.persons[i] > 0 && w.persons[i] < w.k));
            CHECK(w.count[i] == before[i]);
        } else CHECK(before[i] > 0 || w.sdc_status[i] == REGIA_SDC_SECONDARY);
    }
    CHECK(n_sup == w.sdc_primary + w.sdc_secondary);

    /* the attacker, on sums rebuilt here: every suppressed count at least k wide */
    build_sums(&w);
    {
        int8_t *st = malloc((size_t)C);
        double *lo = malloc(sizeof(double) * (size_t)C), *hi = malloc(sizeof(double) * (size_t)C);
        memcpy(st, w.sdc_status, (size_t)C);
        regia_sdc_problem_t p = {.n_cells = C, .value = before, .n_cons = n_cons, .cons_total = cons_total,
                                 .cons_off = cons_off, .cons_part = cons_part, .k = w.k, .protection = w.k,
                                 .status = st};
        int64_t unsafe = -1;
        CHECK_OK(regia_sdc_audit(&p, lo, hi, &unsafe));
        CHECK(unsafe == 0);
        /* without the secondary cells the primaries are recomputed */
        for (int64_t i = 0; i < C; i++)
            if (st[i] == REGIA_SDC_SECONDARY) st[i] = REGIA_SDC_PUBLISHED;
        CHECK_OK(regia_sdc_audit(&p, lo, hi, &unsafe));
        CHECK(unsafe > 0);
        free(st); free(lo); free(hi);
    }

    /* statistics of suppressed requests, or of shares whose parts are hidden, are blank */
    int64_t blank = 0, shown = 0;
    for (int64_t j = 0; j < S; j++) {
        const int8_t *x = w.sdc_status + j * WL_MEASURES;
        if (x[WL_M_REQUESTS] || x[WL_M_WITHIN] || x[WL_M_BEYOND]) {
            CHECK(isnan(w.share_ex_ante[j]) && isnan(w.wait_median[j]) && isnan(w.wait_p90[j]) && w.light[j] == -1);
            blank++;
        } else if (!isnan(w.share_ex_ante[j])) {
            shown++;
            CHECK(w.light[j] >= 0);
        }
        if (x[WL_M_REQUESTS] || x[WL_M_DELIV_WITHIN] || x[WL_M_DELIV_BEYOND]) CHECK(isnan(w.share_ex_post[j]));
    }
    CHECK(blank > 0 && shown > 0);

    /* a published small count (tampering) is refused at write time */
    for (int64_t i = 0; i < C; i++)
        if (w.sdc_status[i] == REGIA_SDC_PUBLISHED && w.count[i] >= w.k) {
            double keep = w.count[i];
            w.count[i] = 2;
            CHECK(wl_sdc_require(&run, &w) == REGIA_ERR_INVALID);
            CHECK(strstr(regia_error_msg(), "below the threshold") != NULL);
            w.count[i] = keep;
            break;
        }
    CHECK_OK(wl_sdc_require(&run, &w));

    free(before);
    wl_sdc_free(&w);
    free(w.count); free(w.share_ex_ante); free(w.share_ex_post); free(w.wait_median); free(w.wait_p90);
    free(w.light);
    return check_done();
}
