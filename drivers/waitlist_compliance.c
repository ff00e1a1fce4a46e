/* waitlist_compliance.c - PNGLA compliance of a service's bookings, as the national
 * monitoring measures it (DOMAIN.md section 3; docs/waitlist.md, "Compliance").
 *
 * Population: first-access SSN bookings (follow-ups and intramoenia are left out; a
 * booking without a class counts as P) whose clock start falls before as_of.  The wait runs
 * from the configured clock start (prescription, CUP contact or first available slot) to
 * the booked date.  The guarantee rules:
 *   (a) the first available slot accepted              -> in guarantee;
 *   (b) the first offer refused for personal reasons, the booked (second) date still within
 *       the limit                                        -> in guarantee (within);
 *   (c) the first offer refused (for any reason) when it was already beyond the limit
 *                                                        -> in guarantee;
 *   any other refusal                                    -> left the guarantee (excluded).
 * In guarantee, a booking is within or beyond its class limit: U in hours (exact seconds),
 * B, D and P in days (Europe/Rome calendar days from the clock-start date to the booked
 * date, so a booking for "in 10 days" at any hour is within a 10-day limit).  Ex post: each
 * delivered booking is within or beyond the limit from the clock start to its delivery;
 * the others (cancelled, no-show, withdrawn, pending) are not delivered.
 *
 * Every booking adds to 2 x 2 x 3 cells: its class and "all", its week and its month (the
 * month of its week's Thursday, so a month is the sum of its weeks), its residence
 * district, that district's ASL and the region.  Shares are percentages of the in-guarantee
 * bookings (ex ante) or of the delivered ones (ex post); median and 90th percentile waits
 * (days, linear interpolation between order statistics, numpy's default) of the
 * in-guarantee bookings; the traffic light compares the ex ante share with [lights].
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waitlist_analysis.h"
#include "regia/ncio.h"
#include "regia/timeutil.h"

const char *const WL_MEASURE_NAMES[WL_MEASURES] = {
    "requests", "within", "beyond", "excluded", "delivered_within", "delivered_beyond", "not_delivered",
};

/* Rome calendar day (days since 1970-01-01) of UTC time t. */
static int64_t rome_day(int64_t t)
{
    int y, mo, d, h, mi, s;
    wl_utc_to_rome(t, &y, &mo, &d, &h, &mi, &s);
    return regia_days_from_civil(y, mo, d);
}

/* 1 when the wait from t0 to t1 is within `limit` days: exact seconds for U (whose limit is
 * in hours), Rome calendar days otherwise. */
static int within_limit(int klass, double limit, int64_t t0, int64_t t1)
{
    if (klass == WL_U) return (double)(t1 - t0) <= limit * 86400.0 + 1e-6;
    return (double)(rome_day(t1) - rome_day(t0)) <= limit + 1e-9;
}

/* The clock start of booking b under clock c (WL_NOTIME when the record lacks it). */
static int64_t clock_start(const wl_booking_t *b, wl_clock_t c)
{
    return c == WL_CLOCK_PRESCRIPTION ? b->t_rx : c == WL_CLOCK_FIRST_AVAILABLE ? b->t_first : b->t_contact;
}

int wl_booking_cells(const wl_t *w, const double *limit, const wl_booking_t *b, wl_booking_cells_t *bc)
{
    if (b->access != WL_ACCESS_FIRST || b->regime != WL_REGIME_SSN) return 0;
    const int c = b->klass == WL_CLASS_NONE ? WL_P : b->klass;
    if (c < 0 || c >= WL_CLASSES) return 0;
    const int64_t t0 = clock_start(b, w->clock);
    if (t0 == WL_NOTIME || b->t_booked == WL_NOTIME) return -1;
    const int64_t wk = regia_floordiv(rome_day(t0) - w->week0_day, 7);
    if (wk < 0 || wk >= w->hist_weeks || wk >= w->n_weeks || t0 >= w->as_of) return 0; /* starts after as_of */
    if (b->res_district < 0 || b->res_district >= w->areas.n_district) return 0;
    const int booked_ok = within_limit(c, limit[c], t0, b->t_booked);
    const int first_beyond = b->t_first != WL_NOTIME && !within_limit(c, limit[c], t0, b->t_first);
    int g = 0;
    if (b->reason == WL_REASON_NONE) g = 1;                              /* (a) */
    else if (b->reason == WL_REASON_PERSONAL && booked_ok) g = 1;        /* (b) */
    else if (first_beyond) g = 1;                                        /* (c) */
    const int m_ante = !g ? WL_M_EXCLUDED : booked_ok ? WL_M_WITHIN : WL_M_BEYOND;
    int m_post = WL_M_NOT_DELIVERED;
    if (b->outcome == WL_OUT_DELIVERED && b->t_outcome != WL_NOTIME)
        m_post = within_limit(c, limit[c], t0, b->t_outcome) ? WL_M_DELIV_WITHIN : WL_M_DELIV_BEYOND;
    const int d = b->res_district;
    const int area[3] = {d, w->areas.n_district + w->districts.district_asl[d], w->areas.n_area - 1};
    const int cls[2] = {c, WL_CLASS_ALL};
    const int per[2] = {(int)wk, w->n_weeks + w->week_month[wk]};
    int n = 0, ns = 0;
    for (int a = 0; a < 3; a++)
        for (int q = 0; q < 2; q++)
            for (int p = 0; p < 2; p++) {
                bc->cell[n++] = wl_cell(w, area[a], cls[q], per[p], WL_M_REQUESTS);
                bc->cell[n++] = wl_cell(w, area[a], cls[q], per[p], m_ante);
                bc->cell[n++] = wl_cell(w, area[a], cls[q], per[p], m_post);
                bc->stat[ns++] = wl_stat(w, area[a], cls[q], per[p]);
            }
    bc->in_g = g;
    bc->delivered = m_post != WL_M_NOT_DELIVERED;
    bc->days = (double)(b->t_booked - t0) / 86400.0;
    return 1;
}

regia_status_t wl_compliance_alloc(regia_run_t *run, wl_t *w)
{
    const size_t n = (size_t)run->ni + 1, C = (size_t)wl_cube_size(w), S = (size_t)wl_stat_size(w);
    free(w->count); free(w->share_ex_ante); free(w->share_ex_post); free(w->wait_median); free(w->wait_p90);
    free(w->light);
    w->count = calloc(n * C, sizeof *w->count);
    w->share_ex_ante = calloc(n * S, sizeof(double));
    w->share_ex_post = calloc(n * S, sizeof(double));
    w->wait_median = calloc(n * S, sizeof(double));
    w->wait_p90 = calloc(n * S, sizeof(double));
    w->light = calloc(n * S, 1);
    if (!w->count || !w->share_ex_ante || !w->share_ex_post || !w->wait_median || !w->wait_p90 || !w->light)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the compliance cube of %lld services (%lld cells each)",
                          (long long)run->ni, (long long)C);
    w->n_no_clock = 0;
    return REGIA_OK;
}

void wl_compliance_free(wl_t *w)
{
    free(w->count); free(w->share_ex_ante); free(w->share_ex_post); free(w->wait_median); free(w->wait_p90);
    free(w->light);
    w->count = w->share_ex_ante = w->share_ex_post = w->wait_median = w->wait_p90 = NULL;
    w->light = NULL;
}

/* A wait of one in-guarantee booking in one statistics cell (for the median and p90). */
typedef struct {
    int64_t cell;
    double days;
} cw_t;

static int cmp_cw(const void *a, const void *b)
{
    const cw_t *x = a, *y = b;
    if (x->cell != y->cell) return x->cell < y->cell ? -1 : 1;
    return (x->days > y->days) - (x->days < y->days);
}

/* Quantile p of the n sorted values v: linear interpolation at (n - 1) p (numpy's default). */
static double quantile_sorted(const cw_t *v, int64_t n, double p)
{
    double h = (double)(n - 1) * p;
    int64_t i = (int64_t)floor(h);
    if (i + 1 >= n) return v[n - 1].days;
    return v[i].days + (h - (double)i) * (v[i + 1].days - v[i].days);
}

static int8_t light_of(const wl_t *w, double share)
{
    if (isnan(share)) return -1;
    return share >= w->light_green ? 0 : share >= w->light_yellow ? 1 : 2;
}

void wl_compliance_lights(wl_t *w, int64_t k)
{
    const int64_t S = wl_stat_size(w);
    for (int64_t i = 0; i < S; i++) w->light[k * S + i] = light_of(w, w->share_ex_ante[k * S + i]);
}

regia_status_t wl_compliance_compute(regia_run_t *run, wl_t *w, int64_t k)
{
    const int64_t C = wl_cube_size(w), S = wl_stat_size(w), s = run->i0 + k;
    const int kind = w->services.s[s].kind;
    const double *limit = w->svc_limit[s];
    double *cube = w->count + k * C;
    const wl_booking_t *bk = w->bk + w->bk_off[k];
    const int64_t nb = w->bk_off[k + 1] - w->bk_off[k];
    (void)kind;
    memset(cube, 0, sizeof(double) * (size_t)C);
    cw_t *cw = malloc(sizeof *cw * (size_t)(nb * 12 + 1));
    if (!cw) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the waits of service %s (%lld bookings)",
                               w->services.s[s].code, (long long)nb);
    int64_t ncw = 0, no_clock = 0;
    for (int64_t i = 0; i < nb; i++) {
        wl_booking_cells_t bc;
        const int r = wl_booking_cells(w, limit, &bk[i], &bc);
        if (r < 0) no_clock++;
        if (r <= 0) continue;
        for (int q = 0; q < WL_BOOKING_CELLS; q++) cube[bc.cell[q]] += 1;
        if (bc.in_g)
            for (int q = 0; q < WL_BOOKING_STATS; q++) cw[ncw++] = (cw_t){bc.stat[q], bc.days};
    }
    w->n_no_clock += no_clock;
    /* shares, lights */
    for (int a = 0; a < w->areas.n_area; a++)
        for (int q = 0; q < WL_CLASS_DIM; q++)
            for (int p = 0; p < w->n_periods; p++) {
                const int64_t j = k * S + wl_stat(w, a, q, p);
                const double *x = cube + wl_cell(w, a, q, p, 0);
                const double g = x[WL_M_WITHIN] + x[WL_M_BEYOND], dl = x[WL_M_DELIV_WITHIN] + x[WL_M_DELIV_BEYOND];
                w->share_ex_ante[j] = g > 0 ? 100.0 * x[WL_M_WITHIN] / g : NAN;
                w->share_ex_post[j] = dl > 0 ? 100.0 * x[WL_M_DELIV_WITHIN] / dl : NAN;
                w->wait_median[j] = w->wait_p90[j] = NAN;
                w->light[j] = light_of(w, w->share_ex_ante[j]);
            }
    /* median and 90th percentile of the in-guarantee waits, cell by cell */
    qsort(cw, (size_t)ncw, sizeof *cw, cmp_cw);
    for (int64_t i = 0; i < ncw;) {
        int64_t e = i;
        while (e < ncw && cw[e].cell == cw[i].cell) e++;
        w->wait_median[k * S + cw[i].cell] = quantile_sorted(cw + i, e - i, 0.5);
        w->wait_p90[k * S + cw[i].cell] = quantile_sorted(cw + i, e - i, 0.9);
        i = e;
    }
    free(cw);
    return REGIA_OK;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, key, s) REGIA_NC(nc_put_att_text(ncid, v, key, strlen(s), s))

enum { V_COUNT, V_ANTE = V_COUNT + WL_MEASURES, V_POST, V_MED, V_P90, V_LIGHT, N_V };

static regia_status_t def(int ncid, const char *name, nc_type t, const int *dims, const size_t *len,
                          const char *long_name, const char *units, const char *cell_methods, const char *coords,
                          int *vid)
{
    regia_status_t st = REGIA_OK;
    REGIA_TRY(wl_def_rev(ncid, name, t, 4, dims, 1, len, vid));
    ATT(*vid, "long_name", long_name);
    if (units) ATT(*vid, "units", units);
    if (cell_methods) ATT(*vid, "cell_methods", cell_methods);
    ATT(*vid, "coordinates", coords);
    ATT(*vid, "coverage_content_type", "modelResult");
err:
    return st;
}

/* The tables of period p (0 weeks, 1 months) as variables (T, class, area, service): one
 * count variable per measure, count_MEASURE_week / _month. */
regia_status_t wl_compliance_define(regia_run_t *run, wl_t *w, int ncid, int p)
{
    regia_status_t st = REGIA_OK;
    (void)run;
    static const char *const pname[2] = {"week", "month"};
    static const char *const mdesc[WL_MEASURES] = {
        "all of them (= within + beyond + excluded = delivered_within + delivered_beyond + not_delivered)",
        "ex ante: in guarantee, booked within the class limit",
        "ex ante: in guarantee, booked beyond the class limit",
        "ex ante: left the guarantee (the first offer refused by choice)",
        "ex post: delivered within the class limit",
        "ex post: delivered beyond the class limit",
        "ex post: not delivered (cancelled, no-show, withdrawn or pending)"};
    char name[64], ln[512], cm[160];
    const char *co = WL_COORDS_SAC;
    const int dper = p ? w->dim.month : w->dim.week;
    const int d4[4] = {w->dim.service, w->dim.area, w->dim.cls, dper};
    const size_t np = (size_t)(p ? w->n_months : w->n_weeks);
    const size_t l4[4] = {(size_t)w->n_services, (size_t)w->areas.n_area, WL_CLASS_DIM, np};
    int *v = w->vid_compliance + p * 16;
    for (int m = 0; m < WL_MEASURES; m++) {
        snprintf(name, sizeof name, "count_%s_%s", WL_MEASURE_NAMES[m], pname[p]);
        snprintf(ln, sizeof ln, "first-access SSN requests per %s of their clock start (%s), %s; NaN: suppressed by "
                 "disclosure control", pname[p], WL_CLOCK_NAMES[w->clock], mdesc[m]);
        snprintf(cm, sizeof cm, "%s: sum", pname[p]);
        REGIA_TRY(def(ncid, name, NC_DOUBLE, d4, l4, ln, "1", cm, co, &v[V_COUNT + m]));
    }
    snprintf(name, sizeof name, "share_ex_ante_%s", pname[p]);
    snprintf(ln, sizeof ln, "ex ante compliance: percent of the in-guarantee first-access requests of the %s "
             "booked within the class limit (wait from the %s to the booked date)", pname[p],
             WL_CLOCK_NAMES[w->clock]);
    REGIA_TRY(def(ncid, name, NC_DOUBLE, d4, l4, ln, "percent", NULL, co, &v[V_ANTE]));
    snprintf(name, sizeof name, "share_ex_post_%s", pname[p]);
    snprintf(ln, sizeof ln, "ex post compliance: percent of the delivered first-access requests of the %s "
             "delivered within the class limit (from the %s to delivery)", pname[p], WL_CLOCK_NAMES[w->clock]);
    REGIA_TRY(def(ncid, name, NC_DOUBLE, d4, l4, ln, "percent", NULL, co, &v[V_POST]));
    snprintf(name, sizeof name, "wait_median_%s", pname[p]);
    snprintf(ln, sizeof ln, "median wait of the in-guarantee first-access requests of the %s, from the %s to "
             "the booked date", pname[p], WL_CLOCK_NAMES[w->clock]);
    snprintf(cm, sizeof cm, "%s: median", pname[p]);
    REGIA_TRY(def(ncid, name, NC_DOUBLE, d4, l4, ln, "day", cm, co, &v[V_MED]));
    snprintf(name, sizeof name, "wait_p90_%s", pname[p]);
    snprintf(ln, sizeof ln, "90th percentile wait of the in-guarantee first-access requests of the %s, from "
             "the %s to the booked date", pname[p], WL_CLOCK_NAMES[w->clock]);
    REGIA_TRY(def(ncid, name, NC_DOUBLE, d4, l4, ln, "day", NULL, co, &v[V_P90]));
    ATT(v[V_P90], "comment", "linear interpolation between order statistics (numpy's default)");
    snprintf(name, sizeof name, "light_%s", pname[p]);
    snprintf(ln, sizeof ln, "traffic light of the ex ante share of the %s (green >= %g %%, yellow >= %g %%, "
             "red below)", pname[p], w->light_green, w->light_yellow);
    REGIA_TRY(wl_def_rev(ncid, name, NC_BYTE, 4, d4, 1, l4, &v[V_LIGHT]));
    {
        const signed char fill = -1, fv[3] = {0, 1, 2};
        REGIA_NC(nc_put_att_schar(ncid, v[V_LIGHT], "_FillValue", NC_BYTE, 1, &fill));
        REGIA_NC(nc_put_att_schar(ncid, v[V_LIGHT], "flag_values", NC_BYTE, 3, fv));
    }
    ATT(v[V_LIGHT], "flag_meanings", "green yellow red");
    ATT(v[V_LIGHT], "long_name", ln);
    ATT(v[V_LIGHT], "coordinates", co);
    ATT(v[V_LIGHT], "coverage_content_type", "qualityInformation");
    ATT(v[V_LIGHT], "comment", "missing (_FillValue) where the share is missing: no in-guarantee request, or "
                               "blanked by disclosure control");
err:
    return st;
}

/* Collective: the shard's services' tables of period p (0 weeks, 1 months). */
regia_status_t wl_compliance_write(regia_run_t *run, wl_t *w, int ncid, int p)
{
    regia_status_t st = REGIA_OK;
    const int64_t ns = run->ni, S = wl_stat_size(w);
    /* counts are published only after disclosure control (waitlist_sdc.c) has run on them */
    st = wl_sdc_require(run, w); /* every shard service went through waitlist_sdc.c */
    double *buf = st ? NULL : malloc(sizeof(double) * (size_t)(ns * S + 1));
    signed char *b8 = st ? NULL : malloc((size_t)(ns * S + 1));
    if (!st && (!buf || !b8)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the compliance variables");
    if ((st = regia_run_agree(run, st))) goto err;
    const int *v = w->vid_compliance + p * 16;
    for (int m = 0; m < WL_MEASURES; m++)
        REGIA_TRY(wl_put_period(run, w, ncid, v[V_COUNT + m], p, m, NC_DOUBLE, w->count, buf));
    const double *src[4] = {w->share_ex_ante, w->share_ex_post, w->wait_median, w->wait_p90};
    for (int x = 0; x < 4; x++) REGIA_TRY(wl_put_period(run, w, ncid, v[V_ANTE + x], p, -1, NC_DOUBLE, src[x], buf));
    REGIA_TRY(wl_put_period(run, w, ncid, v[V_LIGHT], p, -1, NC_BYTE, w->light, b8));
err:
    free(buf);
    free(b8);
    return st;
}
