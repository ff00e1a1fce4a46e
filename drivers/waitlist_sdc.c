/* waitlist_sdc.c - disclosure control of the compliance cube (regia/sdc.h; docs/privacy.md).
 *
 * Per shard service: the distinct patients (32-byte pseudonyms) behind every cube cell,
 * the cube's sums as constraints, primary and secondary suppression (regia_sdc_protect),
 * then the cube and its statistics are blanked where they could disclose:
 *   counts     NaN where suppressed (primary: 0 < bookings < k or 0 < patients < k;
 *              secondary: chosen so that no suppressed count can be recomputed);
 *   ex ante    share, median and p90 wait (all of the in-guarantee bookings) and the
 *              light blanked when the requests, within or beyond count is suppressed or
 *              the in-guarantee bookings come from 0 < patients < k (a share and one
 *              published part would give back the other part: within / (within + beyond));
 *   ex post    share blanked when the requests, delivered_within or delivered_beyond
 *              count is suppressed or the delivered bookings come from 0 < patients < k.
 *
 * The sums of one service (its linked tables, protected together):
 *   class    all = U + B + D + P                       (every area, period, measure)
 *   area     ASL = sum of its districts, region = sum of the ASLs   (every class, ...)
 *   period   month = sum of its weeks (the ISO weeks whose Thursday falls in it)
 *   measure  requests = within + beyond + excluded
 *            requests = delivered_within + delivered_beyond + not_delivered
 * Months share no cell, so regia_sdc_protect solves each (service, month) block apart.
 *
 * The cells a booking counts in are the compliance module's (waitlist_compliance.c); this
 * file recomputes them to know whose patients are behind each cell, and checks its booking
 * counts against the compliance cube cell by cell, so the two can never drift apart
 * silently.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waitlist_analysis.h"
#include "regia/ncio.h"
#include "regia/sdc.h"
#include "regia/timeutil.h"

static double protection_of(const wl_t *w) { return w->protection > 0 ? w->protection : w->k; }

static regia_status_t check_k(const wl_t *w)
{
    if (!(w->k >= 3.0) || !isfinite(w->k))
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "disclosure control: threshold k = %g; it must be at least 3 (the ISTAT/SISTAN minimum "
                          "frequency; the default is 10)", w->k);
    if (!(w->protection >= 0.0) || !isfinite(w->protection))
        return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: protection level %g; it must be >= 0 (0: k)",
                          w->protection);
    return REGIA_OK;
}

regia_status_t wl_sdc_alloc(regia_run_t *run, wl_t *w)
{
    regia_status_t st = check_k(w);
    if (st) return st;
    const size_t n = (size_t)run->ni + 1, C = (size_t)wl_cube_size(w);
    wl_sdc_free(w);
    w->sdc_status = calloc(n * C, 1);
    w->persons = calloc(n * C, sizeof *w->persons);
    w->sdc_done = calloc(n, 1);
    if (!w->sdc_status || !w->persons || !w->sdc_done)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for disclosure control of %lld services (%lld cells each)",
                          (long long)run->ni, (long long)C);
    w->sdc_primary = w->sdc_secondary = w->sdc_lps = 0;
    w->sdc_seconds = 0;
    return REGIA_OK;
}

void wl_sdc_free(wl_t *w)
{
    free(w->sdc_status);
    free(w->persons);
    free(w->sdc_done);
    w->sdc_status = NULL;
    w->persons = NULL;
    w->sdc_done = NULL;
}

/* ---- the cells of a booking (the compliance module's rules) --------------------------- */

/* A booking's cells: wl_booking_cells (waitlist_compliance.c), the rules the cube is
 * counted by, so the two modules cannot disagree on them. */

/* ---- distinct patients per cell -------------------------------------------------------- */

static int cmp_patient(const void *a, const void *b, void *ctx)
{
    const wl_booking_t *bk = ctx;
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    int c = memcmp(bk[x].patient, bk[y].patient, 32);
    return c ? c : (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* count[C] (bookings, the check against the compliance cube), persons[C] and, per
 * statistics cell, the patients in guarantee (pg) and delivered (pd). */
static regia_status_t count_patients(const wl_t *w, int64_t s, const wl_booking_t *bk, int64_t nb, double *count,
                                     double *persons, double *pg, double *pd)
{
    const int64_t C = wl_cube_size(w), S = wl_stat_size(w);
    const double *limit = w->svc_limit ? w->svc_limit[s] : w->limit_days[w->services.s[s].kind];
    memset(count, 0, sizeof(double) * (size_t)C);
    memset(persons, 0, sizeof(double) * (size_t)C);
    memset(pg, 0, sizeof(double) * (size_t)S);
    memset(pd, 0, sizeof(double) * (size_t)S);
    int64_t *order = malloc(sizeof *order * (size_t)(nb + 1));
    int64_t cap = 64 * (WL_BOOKING_CELLS + 2 * WL_BOOKING_STATS), *buf = malloc(sizeof *buf * (size_t)cap);
    if (!order || !buf) {
        free(order); free(buf);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory counting the patients of service %s (%lld bookings)",
                          w->services.s[s].code, (long long)nb);
    }
    for (int64_t i = 0; i < nb; i++) order[i] = i;
    qsort_r(order, (size_t)nb, sizeof *order, cmp_patient, (void *)bk);
    for (int64_t i = 0; i < nb;) {
        int64_t e = i, n = 0;
        while (e < nb && !memcmp(bk[order[e]].patient, bk[order[i]].patient, 32)) e++;
        for (int64_t r = i; r < e; r++) {
            if (n + WL_BOOKING_CELLS + 2 * WL_BOOKING_STATS > cap) {
                int64_t *nbuf = realloc(buf, sizeof *buf * (size_t)(cap *= 2));
                if (!nbuf) {
                    free(order); free(buf);
                    return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory counting the patients of service %s",
                                      w->services.s[s].code);
                }
                buf = nbuf;
            }
            wl_booking_cells_t bc;
            if (wl_booking_cells(w, limit, &bk[order[r]], &bc) <= 0) continue;
            const int64_t *stats = bc.stat;
            const int g = bc.in_g, dl = bc.delivered;
            for (int q = 0; q < WL_BOOKING_CELLS; q++) count[buf[n + q] = bc.cell[q]] += 1;
            n += WL_BOOKING_CELLS;
            /* the in-guarantee and delivered populations of a statistics cell, as cells
             * C + stat and C + S + stat of the same distinct count */
            for (int q = 0; q < WL_BOOKING_STATS; q++) {
                if (g) buf[n++] = C + stats[q];
                if (dl) buf[n++] = C + S + stats[q];
            }
        }
        qsort(buf, (size_t)n, sizeof *buf, cmp_i64);
        for (int64_t q = 0; q < n; q++) {
            if (q > 0 && buf[q] == buf[q - 1]) continue;
            if (buf[q] < C) persons[buf[q]] += 1;
            else if (buf[q] < C + S) pg[buf[q] - C] += 1;
            else pd[buf[q] - C - S] += 1;
        }
        i = e;
    }
    free(order);
    free(buf);
    return REGIA_OK;
}

/* ---- the cube's sums ------------------------------------------------------------------- */

typedef struct {
    int64_t nc, np, cap_c, cap_p;
    int64_t *total, *off, *part;
} cons_t;

static int cons_add(cons_t *c, int64_t total, const int64_t *parts, int64_t n)
{
    if (n <= 0) return 1; /* an empty group (a month without weeks): its cells are zero */
    if (c->nc + 2 > c->cap_c) {
        int64_t cap = c->cap_c ? 2 * c->cap_c : 1024;
        int64_t *t = realloc(c->total, sizeof *t * (size_t)cap), *o;
        if (!t) return 0;
        c->total = t;
        if (!(o = realloc(c->off, sizeof *o * (size_t)(cap + 1)))) return 0;
        c->off = o;
        c->cap_c = cap;
    }
    if (c->np + n > c->cap_p) {
        int64_t cap = c->cap_p ? 2 * c->cap_p : 4096;
        while (cap < c->np + n) cap *= 2;
        int64_t *p = realloc(c->part, sizeof *p * (size_t)cap);
        if (!p) return 0;
        c->part = p;
        c->cap_p = cap;
    }
    if (c->nc == 0) c->off[0] = 0;
    c->total[c->nc] = total;
    memcpy(c->part + c->np, parts, sizeof *parts * (size_t)n);
    c->np += n;
    c->off[++c->nc] = c->np;
    return 1;
}

static void cons_free(cons_t *c)
{
    free(c->total); free(c->off); free(c->part);
    memset(c, 0, sizeof *c);
}

static regia_status_t build_cons(const wl_t *w, cons_t *c)
{
    const int A = w->areas.n_area, NP = w->n_periods;
    int64_t parts[512];
    int max_group = w->n_weeks > A ? w->n_weeks : A;
    int64_t *big = max_group > 512 ? malloc(sizeof *big * (size_t)max_group) : parts;
    int ok = big != NULL;
    memset(c, 0, sizeof *c);
    /* class: all = U + B + D + P */
    for (int a = 0; a < A && ok; a++)
        for (int p = 0; p < NP && ok; p++)
            for (int m = 0; m < WL_MEASURES && ok; m++) {
                for (int q = 0; q < WL_CLASSES; q++) big[q] = wl_cell(w, a, q, p, m);
                ok = cons_add(c, wl_cell(w, a, WL_CLASS_ALL, p, m), big, WL_CLASSES);
            }
    /* area: an ASL (the region) = the sum of the areas whose parent it is */
    for (int top = 0; top < A && ok; top++) {
        int n = 0;
        for (int a = 0; a < A; a++) n += w->areas.parent[a] == top;
        if (!n) continue;
        for (int q = 0; q < WL_CLASS_DIM && ok; q++)
            for (int p = 0; p < NP && ok; p++)
                for (int m = 0; m < WL_MEASURES && ok; m++) {
                    int j = 0;
                    for (int a = 0; a < A; a++)
                        if (w->areas.parent[a] == top) big[j++] = wl_cell(w, a, q, p, m);
                    ok = cons_add(c, wl_cell(w, top, q, p, m), big, j);
                }
    }
    /* period: a month = the sum of its weeks */
    for (int mo = 0; mo < w->n_months && ok; mo++)
        for (int a = 0; a < A && ok; a++)
            for (int q = 0; q < WL_CLASS_DIM && ok; q++)
                for (int m = 0; m < WL_MEASURES && ok; m++) {
                    int j = 0;
                    for (int wk = 0; wk < w->n_weeks; wk++)
                        if (w->week_month[wk] == mo) big[j++] = wl_cell(w, a, q, wk, m);
                    ok = cons_add(c, wl_cell(w, a, q, w->n_weeks + mo, m), big, j);
                }
    /* measure: the ex ante and the ex post partitions of the requests */
    for (int a = 0; a < A && ok; a++)
        for (int q = 0; q < WL_CLASS_DIM && ok; q++)
            for (int p = 0; p < NP && ok; p++) {
                const int64_t r = wl_cell(w, a, q, p, WL_M_REQUESTS);
                int64_t ante[3] = {r + WL_M_WITHIN, r + WL_M_BEYOND, r + WL_M_EXCLUDED};
                int64_t post[3] = {r + WL_M_DELIV_WITHIN, r + WL_M_DELIV_BEYOND, r + WL_M_NOT_DELIVERED};
                ok = cons_add(c, r, ante, 3) && cons_add(c, r, post, 3);
            }
    if (big != parts) free(big);
    if (!ok) {
        cons_free(c);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the sums of the compliance cube");
    }
    return REGIA_OK;
}

/* ---- compute --------------------------------------------------------------------------- */

regia_status_t wl_sdc_compute(regia_run_t *run, wl_t *w, int64_t k)
{
    regia_status_t st = check_k(w);
    if (st) return st;
    const int64_t C = wl_cube_size(w), S = wl_stat_size(w), s = run->i0 + k;
    const wl_booking_t *bk = w->bk + w->bk_off[k];
    const int64_t nb = w->bk_off[k + 1] - w->bk_off[k];
    double *cube = w->count + k * C, *persons = w->persons + k * C;
    int8_t *status = w->sdc_status + k * C;
    double *recount = malloc(sizeof(double) * (size_t)(C + 2 * S + 1)), *pg = recount + C, *pd = pg + S;
    cons_t cons = {0};
    if (!recount) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for disclosure control of service %s",
                                    w->services.s[s].code);
    w->sdc_done[k] = 0;
    REGIA_TRY(count_patients(w, s, bk, nb, recount, persons, pg, pd));
    for (int64_t i = 0; i < C; i++)
        if (recount[i] != cube[i]) {
            st = REGIA_FAIL(REGIA_ERR_INVALID,
                            "internal error: disclosure control counts %g bookings in cell %lld of service %s, the "
                            "compliance cube %g (the two modules' cell rules differ)",
                            recount[i], (long long)i, w->services.s[s].code, cube[i]);
            goto err;
        }
    REGIA_TRY(build_cons(w, &cons));
    regia_sdc_problem_t p = {.n_cells = C, .value = cube, .persons = persons, .n_cons = cons.nc,
                             .cons_total = cons.total, .cons_off = cons.off, .cons_part = cons.part,
                             .k = w->k, .protection = protection_of(w), .status = status};
    regia_sdc_report_t rep;
    st = regia_sdc_protect(&p, &rep);
    if (st) {
        regia_error_prefix("service %s: ", w->services.s[s].code);
        goto err;
    }
    w->sdc_primary += rep.primary;
    w->sdc_secondary += rep.secondary;
    w->sdc_lps += rep.lps;
    w->sdc_seconds += rep.seconds;
    for (int64_t i = 0; i < C; i++)
        if (status[i] != REGIA_SDC_PUBLISHED) cube[i] = NAN;
    /* statistics of suppressed or small populations */
    const double kk = w->k;
    for (int64_t j = 0; j < S; j++) {
        const int8_t *x = status + j * WL_MEASURES;
        const int req = x[WL_M_REQUESTS] != REGIA_SDC_PUBLISHED;
        const int ante = req || x[WL_M_WITHIN] != REGIA_SDC_PUBLISHED || x[WL_M_BEYOND] != REGIA_SDC_PUBLISHED ||
                         (pg[j] > 0 && pg[j] < kk);
        const int post = req || x[WL_M_DELIV_WITHIN] != REGIA_SDC_PUBLISHED ||
                         x[WL_M_DELIV_BEYOND] != REGIA_SDC_PUBLISHED || (pd[j] > 0 && pd[j] < kk);
        if (ante) {
            w->share_ex_ante[k * S + j] = NAN;
            w->wait_median[k * S + j] = NAN;
            w->wait_p90[k * S + j] = NAN;
        }
        if (post) w->share_ex_post[k * S + j] = NAN;
    }
    wl_compliance_lights(w, k);
    w->sdc_done[k] = 1;
err:
    cons_free(&cons);
    free(recount);
    return st;
}

regia_status_t wl_sdc_require(const regia_run_t *run, const wl_t *w)
{
    if (!w->sdc_status || !w->sdc_done || !w->count)
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "internal error: counts would be written without disclosure control (it never ran)");
    const int64_t C = wl_cube_size(w);
    for (int64_t k = 0; k < run->ni; k++) {
        const char *code = w->services.s[run->i0 + k].code;
        if (w->sdc_done[k] != 1)
            return REGIA_FAIL(REGIA_ERR_INVALID,
                              "internal error: the counts of service %s would be written without disclosure control",
                              code);
        for (int64_t i = 0; i < C; i++) {
            double n = w->count[k * C + i], pp = w->persons[k * C + i];
            if (isnan(n)) continue;
            if ((n > 0 && n < w->k) || (pp > 0 && pp < w->k) || w->sdc_status[k * C + i] != REGIA_SDC_PUBLISHED)
                return REGIA_FAIL(REGIA_ERR_INVALID,
                                  "internal error: service %s, cube cell %lld: %g bookings of %g patients would be "
                                  "published below the threshold k = %g",
                                  code, (long long)i, n, pp, w->k);
        }
    }
    return REGIA_OK;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, key, s) REGIA_NC(nc_put_att_text(ncid, v, key, strlen(s), s))

/* vid_sdc: the status variables of the weeks (0 .. WL_MEASURES-1) and of the months */

/* sdc_status_MEASURE_week / _month (T, class, area, service): the status of count_MEASURE_*. */
static regia_status_t def_status(wl_t *w, int ncid, int p, int m, int *vid)
{
    regia_status_t st = REGIA_OK;
    const int dper = p ? w->dim.month : w->dim.week;
    const int d4[4] = {w->dim.service, w->dim.area, w->dim.cls, dper};
    const size_t np = (size_t)(p ? w->n_months : w->n_weeks);
    const size_t l4[4] = {(size_t)w->n_services, (size_t)w->areas.n_area, WL_CLASS_DIM, np};
    const char *pname = p ? "month" : "week";
    char name[96], cname[96], ln[256];
    snprintf(name, sizeof name, "sdc_status_%s_%s", WL_MEASURE_NAMES[m], pname);
    snprintf(cname, sizeof cname, "count_%s_%s", WL_MEASURE_NAMES[m], pname);
    REGIA_TRY(wl_def_rev(ncid, name, NC_BYTE, 4, d4, 1, l4, vid));
    const signed char fv[3] = {0, 1, 2};
    REGIA_NC(nc_put_att_schar(ncid, *vid, "flag_values", NC_BYTE, 3, fv));
    ATT(*vid, "flag_meanings", "published primary_suppressed secondary_suppressed");
    snprintf(ln, sizeof ln, "disclosure control status of %s", cname);
    ATT(*vid, "long_name", ln);
    ATT(*vid, "coordinates", WL_COORDS_SAC);
    ATT(*vid, "coverage_content_type", "qualityInformation");
    ATT(*vid, "comment",
        "primary_suppressed: fewer than sdc_threshold_k bookings or patients (zeros are published); "
        "secondary_suppressed: hidden so that no suppressed count can be recomputed from the published counts "
        "and the sums of the cube (docs/privacy.md)");
    /* the counts point at their status */
    int cv;
    if (nc_inq_varid(ncid, cname, &cv) == NC_NOERR) ATT(cv, "ancillary_variables", name);
err:
    return st;
}

regia_status_t wl_sdc_define(regia_run_t *run, wl_t *w, int ncid, int p)
{
    regia_status_t st = REGIA_OK;
    int *v = w->vid_sdc + p * WL_MEASURES;
    for (int m = 0; m < WL_MEASURES; m++) REGIA_TRY(def_status(w, ncid, p, m, &v[m]));
    /* The sums an attacker (and the attacker test) knows, an area's parent and a week's
     * month, are on the axes (cmd_waitlist.c: area_parent, week_month). */
    /* global attributes: the run's totals */
    long long tot[4] = {w->sdc_primary, w->sdc_secondary, w->sdc_lps, (long long)(w->sdc_seconds * 1000.0)};
    regia_run_sum(run, tot, 4);
    if (p == 0)
        regia_info(&run->ctx->log, "disclosure control: %lld primary and %lld secondary suppressions, %lld linear "
                   "programs, %.1f s (summed over ranks)", tot[0], tot[1], tot[2], 1e-3 * (double)tot[3]);
    char buf[512];
    snprintf(buf, sizeof buf,
             "primary suppression of counts below k bookings or k patients (zeros published); secondary suppression "
             "by linear programming (the cheapest sum-preserving change of each suppressed count, GLPK), protecting "
             "the linked tables of each service together (classes, district > ASL > region, weeks > month, the ex "
             "ante and ex post partitions of the requests); every suppressed count has an attacker interval at least "
             "sdc_protection_level wide; statistics of suppressed or small populations blanked");
    REGIA_NC(nc_put_att_text(ncid, NC_GLOBAL, "sdc_method", strlen(buf), buf));
    const double kk = w->k, prot = protection_of(w);
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "sdc_threshold_k", NC_DOUBLE, 1, &kk));
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "sdc_protection_level", NC_DOUBLE, 1, &prot));
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "sdc_primary_cells", NC_INT64, 1, &tot[0]));
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "sdc_secondary_cells", NC_INT64, 1, &tot[1]));
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "sdc_linear_programs", NC_INT64, 1, &tot[2]));
err:
    return st;
}

/* Collective: the shard's status of period p (0 weeks, 1 months). */
regia_status_t wl_sdc_write(regia_run_t *run, wl_t *w, int ncid, int p)
{
    regia_status_t st = wl_sdc_require(run, w);
    const int64_t ns = run->ni;
    const int A = w->areas.n_area, NP = p ? w->n_months : w->n_weeks;
    signed char *b8 = st ? NULL : malloc((size_t)(ns * A * WL_CLASS_DIM * NP + 1));
    if (!st && !b8) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the disclosure control status");
    if ((st = regia_run_agree(run, st))) goto err;
    for (int m = 0; m < WL_MEASURES; m++)
        REGIA_TRY(wl_put_period(run, w, ncid, w->vid_sdc[p * WL_MEASURES + m], p, m, NC_BYTE, w->sdc_status, b8));
err:
    free(b8);
    return st;
}
