/* waitlist_products.c - the waiting-list domain's products hook (domain.h, regia_products_t):
 * summary.csv, one row per service x area x class (U B D P) with names, the latest
 * complete week's and month's compliance, the demand forecast, the queue risk and the
 * capacity recommendation, and the quicklook figures (waitlist_quicklooks.c).
 *
 * Reads only the closed output (serial nc_open, NC_NOWRITE), so `regia quicklook` and a
 * per-area extract (regia publish) make the same kind of products.  Every value is copied
 * from the output: a cell disclosure control suppressed is NaN there and an empty cell here
 * (its sdc status says why); nothing is recomputed from counts.  docs/waitlist-products.md.
 */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/log.h"
#include "regia/table.h"
#include "regia/timeutil.h"
#include "waitlist_impl.h"
#include "waitlist_products_impl.h"

regia_status_t wl_products(regia_products_t *p);

/* ---- reading ----------------------------------------------------------------------------- */

static regia_status_t dim_len(int ncid, const char *path, const char *name, size_t *len)
{
    int id;
    int rc = nc_inq_dimid(ncid, name, &id);
    if (rc == NC_NOERR) rc = nc_inq_dimlen(ncid, id, len);
    if (rc != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no dimension '%s' (%s): not an output of regia waitlist", path, name,
                          nc_strerror(rc));
    return REGIA_OK;
}

/* Read variable `name`, whose dimensions must be `dims` (blank-separated names), as
 * doubles into a new array of the product of their lengths; with `fixed_dim` >= 0 only
 * index `fixed_at` along that dimension is read (the "requests" measure of a count
 * cube).  _FillValue becomes NaN. */
static regia_status_t read_var(int ncid, const char *path, const char *name, const char *dims, int fixed_dim,
                               size_t fixed_at, double **out)
{
    regia_status_t st = REGIA_OK;
    double *v = NULL;
    int vid, nd, dimids[NC_MAX_VAR_DIMS];
    size_t start[NC_MAX_VAR_DIMS], count[NC_MAX_VAR_DIMS], n = 1;
    char want[256], got[512] = "";
    *out = NULL;
    if (nc_inq_varid(ncid, name, &vid) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no variable '%s': not an output of regia waitlist (or of an older "
                          "version; run regia waitlist again)", path, name);
    REGIA_NC(nc_inq_varndims(ncid, vid, &nd));
    REGIA_NC(nc_inq_vardimid(ncid, vid, dimids));
    for (int i = 0; i < nd; i++) {
        char dn[NC_MAX_NAME + 1];
        REGIA_NC(nc_inq_dimname(ncid, dimids[i], dn));
        REGIA_NC(nc_inq_dimlen(ncid, dimids[i], &count[i]));
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", dn);
        start[i] = 0;
        if (i == fixed_dim) {
            start[i] = fixed_at;
            count[i] = 1;
        }
        n *= count[i];
    }
    snprintf(want, sizeof want, "%s", dims);
    if (strcmp(want, got) != 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has dimensions (%s); expected (%s)", path, name, got,
                        want);
        goto err;
    }
    v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory for variable '%s' (%zu values)", path, name, n);
        goto err;
    }
    if (n) REGIA_NC(nc_get_vara_double(ncid, vid, start, count, v));
    double fill;
    if (nc_get_att_double(ncid, vid, "_FillValue", &fill) == NC_NOERR && !isnan(fill))
        for (size_t i = 0; i < n; i++)
            if (v[i] == fill) v[i] = NAN;
    *out = v;
    return REGIA_OK;
err:
    if (st == REGIA_ERR_NETCDF) regia_error_prefix("%s: variable '%s': ", path, name);
    free(v);
    return st;
}

/* Read a text variable (n, strlen) into n NUL-terminated strings of WLP_STR bytes. */
static regia_status_t read_text(int ncid, const char *path, const char *name, size_t n, char (**out)[WLP_STR])
{
    regia_status_t st = REGIA_OK;
    char *raw = NULL;
    char(*s)[WLP_STR] = NULL;
    int vid, nd, dimids[2];
    size_t len[2];
    if (nc_inq_varid(ncid, name, &vid) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no variable '%s': not an output of regia waitlist", path, name);
    REGIA_NC(nc_inq_varndims(ncid, vid, &nd));
    if (nd != 2) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has %d dimensions; expected 2 (item, strlen)", path,
                        name, nd);
        goto err;
    }
    REGIA_NC(nc_inq_vardimid(ncid, vid, dimids));
    REGIA_NC(nc_inq_dimlen(ncid, dimids[0], &len[0]));
    REGIA_NC(nc_inq_dimlen(ncid, dimids[1], &len[1]));
    if (len[0] != n) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has %zu rows; expected %zu", path, name, len[0], n);
        goto err;
    }
    raw = calloc(n * len[1] + 1, 1);
    s = calloc(n ? n : 1, sizeof *s);
    if (!raw || !s) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory for variable '%s'", path, name);
        goto err;
    }
    if (n) REGIA_NC(nc_get_var_text(ncid, vid, raw));
    for (size_t i = 0; i < n; i++) {
        size_t m = len[1] < WLP_STR - 1 ? len[1] : WLP_STR - 1;
        memcpy(s[i], raw + i * len[1], m);
        s[i][m] = '\0';
    }
    free(raw);
    *out = s;
    return REGIA_OK;
err:
    if (st == REGIA_ERR_NETCDF) regia_error_prefix("%s: variable '%s': ", path, name);
    free(raw);
    free(s);
    return st;
}

static void get_att_text(int ncid, const char *name, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    if (nc_inq_attlen(ncid, NC_GLOBAL, name, &len) != NC_NOERR || len >= cap) return;
    if (nc_get_att_text(ncid, NC_GLOBAL, name, buf) == NC_NOERR) buf[len] = '\0';
}

static void wlp_free(wlp_t *d)
{
    void *a[] = {d->s_code, d->s_name, d->s_group, d->s_kind, d->s_alevel, d->a_code, d->a_name, d->a_level,
                 d->c_name, d->m_name, d->w_start, d->w_end, d->w_month, d->interval, d->quantile, d->limit,
                 d->target, d->req_w, d->sdc_w, d->share_w, d->light_w, d->req_m, d->sdc_m, d->share_m, d->post_m,
                 d->wmed_m, d->wp90_m, d->light_m, d->fc, d->fc_lo, d->fc_hi, d->method, d->r_mean, d->r_pmiss,
                 d->r_req, d->r_q, d->x_extra, d->x_added, d->x_spare, d->x_met, d->x_reserve, d->nhsr_demand};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) free(a[i]);
    memset(d, 0, sizeof *d);
}

/* The latest complete week before as_of, its month if complete (else the month before),
 * and risk week 1's Monday. */
static regia_status_t find_latest(wlp_t *d)
{
    int y, mo, dd;
    if (sscanf(d->as_of, "%4d-%2d-%2d", &y, &mo, &dd) != 3)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: global attribute as_of = '%s' is not a date YYYY-MM-DD", d->path,
                          d->as_of);
    int64_t day = regia_days_from_civil(y, mo, dd);
    d->as_of_day = (double)day;
    int64_t dow = (day + 3) - regia_floordiv(day + 3, 7) * 7; /* 0 = Monday: 1970-01-01 was a Thursday */
    d->risk_day0 = (double)(day + (7 - dow) % 7);             /* the first Monday on or after as_of   */
    d->w_last = -1;
    for (size_t w = 0; w < d->nw; w++)
        if (d->w_end[w] <= d->as_of_day) d->w_last = (long)w;
    d->m_last = -1;
    if (d->w_last >= 0) {
        long m = (long)d->w_month[d->w_last];
        if ((size_t)d->w_last + 1 < d->nw && (long)d->w_month[d->w_last + 1] == m) m--;
        d->m_last = m >= 0 && (size_t)m < d->nm ? m : -1;
    }
    return REGIA_OK;
}

static regia_status_t wlp_read(const char *path, wlp_t *d)
{
    regia_status_t st = REGIA_OK;
    int ncid = -1;
    double *wb = NULL, *ws = NULL;
    memset(d, 0, sizeof *d);
    d->path = path;
    int rc = nc_open(path, NC_NOWRITE, &ncid);
    if (rc != NC_NOERR) return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s", path, nc_strerror(rc));
    REGIA_TRY(dim_len(ncid, path, "service", &d->ns));
    REGIA_TRY(dim_len(ncid, path, "area", &d->na));
    REGIA_TRY(dim_len(ncid, path, "class", &d->nc));
    REGIA_TRY(dim_len(ncid, path, "week", &d->nw));
    REGIA_TRY(dim_len(ncid, path, "month", &d->nm));
    REGIA_TRY(dim_len(ncid, path, "horizon", &d->nh));
    REGIA_TRY(dim_len(ncid, path, "interval", &d->ni));
    REGIA_TRY(dim_len(ncid, path, "quantile", &d->nq));
    REGIA_TRY(dim_len(ncid, path, "risk_week", &d->nr));
    size_t nmeas;
    REGIA_TRY(dim_len(ncid, path, "measure", &nmeas));
    REGIA_TRY(read_text(ncid, path, "service_code", d->ns, &d->s_code));
    REGIA_TRY(read_text(ncid, path, "service_name", d->ns, &d->s_name));
    REGIA_TRY(read_text(ncid, path, "service_group", d->ns, &d->s_group));
    REGIA_TRY(read_text(ncid, path, "area_code", d->na, &d->a_code));
    REGIA_TRY(read_text(ncid, path, "area_name", d->na, &d->a_name));
    REGIA_TRY(read_text(ncid, path, "class_name", d->nc, &d->c_name));
    REGIA_TRY(read_text(ncid, path, "measure_name", nmeas, &d->m_name));
    size_t mreq = nmeas;
    for (size_t m = 0; m < nmeas; m++)
        if (strcmp(d->m_name[m], "requests") == 0) mreq = m;
    if (mreq == nmeas) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable 'measure_name' has no 'requests' measure", path);
        goto err;
    }
    if (d->nc < WLP_CLASSES) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: dimension 'class' has %zu entries; expected U B D P all", path, d->nc);
        goto err;
    }
    REGIA_TRY(read_var(ncid, path, "service_kind", "service", -1, 0, &d->s_kind));
    REGIA_TRY(read_var(ncid, path, "service_area_level", "service", -1, 0, &d->s_alevel));
    REGIA_TRY(read_var(ncid, path, "area_level", "area", -1, 0, &d->a_level));
    REGIA_TRY(read_var(ncid, path, "week_start", "week", -1, 0, &ws));
    REGIA_TRY(read_var(ncid, path, "week_bounds", "week nv", -1, 0, &wb));
    REGIA_TRY(read_var(ncid, path, "week_month", "week", -1, 0, &d->w_month));
    d->w_start = malloc((d->nw ? d->nw : 1) * sizeof(double));
    d->w_end = malloc((d->nw ? d->nw : 1) * sizeof(double));
    if (!d->w_start || !d->w_end) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory for the weeks", path);
        goto err;
    }
    for (size_t w = 0; w < d->nw; w++) { /* Rome midnights (22:00 or 23:00 UTC): the civil date */
        d->w_start[w] = round(ws[w] / 86400.0);
        d->w_end[w] = round(wb[2 * w + 1] / 86400.0);
    }
    REGIA_TRY(read_var(ncid, path, "interval", "interval", -1, 0, &d->interval));
    REGIA_TRY(read_var(ncid, path, "quantile", "quantile", -1, 0, &d->quantile));
    REGIA_TRY(read_var(ncid, path, "limit", "service class", -1, 0, &d->limit));
    REGIA_TRY(read_var(ncid, path, "target", "service class", -1, 0, &d->target));
    REGIA_TRY(read_var(ncid, path, "count_week", "service area class week measure", 4, mreq, &d->req_w));
    REGIA_TRY(read_var(ncid, path, "sdc_status_week", "service area class week measure", 4, mreq, &d->sdc_w));
    REGIA_TRY(read_var(ncid, path, "share_ex_ante_week", "service area class week", -1, 0, &d->share_w));
    REGIA_TRY(read_var(ncid, path, "light_week", "service area class week", -1, 0, &d->light_w));
    REGIA_TRY(read_var(ncid, path, "count_month", "service area class month measure", 4, mreq, &d->req_m));
    REGIA_TRY(read_var(ncid, path, "sdc_status_month", "service area class month measure", 4, mreq, &d->sdc_m));
    REGIA_TRY(read_var(ncid, path, "share_ex_ante_month", "service area class month", -1, 0, &d->share_m));
    REGIA_TRY(read_var(ncid, path, "share_ex_post_month", "service area class month", -1, 0, &d->post_m));
    REGIA_TRY(read_var(ncid, path, "wait_median_month", "service area class month", -1, 0, &d->wmed_m));
    REGIA_TRY(read_var(ncid, path, "wait_p90_month", "service area class month", -1, 0, &d->wp90_m));
    REGIA_TRY(read_var(ncid, path, "light_month", "service area class month", -1, 0, &d->light_m));
    REGIA_TRY(read_var(ncid, path, "demand_forecast", "service area class horizon", -1, 0, &d->fc));
    REGIA_TRY(read_var(ncid, path, "demand_lower", "service area class interval horizon", -1, 0, &d->fc_lo));
    REGIA_TRY(read_var(ncid, path, "demand_upper", "service area class interval horizon", -1, 0, &d->fc_hi));
    REGIA_TRY(read_var(ncid, path, "demand_method", "service area class", -1, 0, &d->method));
    REGIA_TRY(read_var(ncid, path, "risk_share_mean", "service area class risk_week", -1, 0, &d->r_mean));
    REGIA_TRY(read_var(ncid, path, "risk_share_q", "service area class risk_week quantile", -1, 0, &d->r_q));
    REGIA_TRY(read_var(ncid, path, "risk_p_miss", "service area class risk_week", -1, 0, &d->r_pmiss));
    REGIA_TRY(read_var(ncid, path, "risk_requests", "service area class risk_week", -1, 0, &d->r_req));
    REGIA_TRY(read_var(ncid, path, "alloc_extra_slots", "service area", -1, 0, &d->x_extra));
    REGIA_TRY(read_var(ncid, path, "alloc_added_slots", "service area", -1, 0, &d->x_added));
    REGIA_TRY(read_var(ncid, path, "alloc_spare_slots", "service area", -1, 0, &d->x_spare));
    REGIA_TRY(read_var(ncid, path, "alloc_target_met", "service area", -1, 0, &d->x_met));
    REGIA_TRY(read_var(ncid, path, "alloc_reserve_slots", "service area class", -1, 0, &d->x_reserve));
    REGIA_TRY(read_var(ncid, path, "nhsr_demand", "service area class", -1, 0, &d->nhsr_demand));
    get_att_text(ncid, "as_of", d->as_of, sizeof d->as_of);
    get_att_text(ncid, "clock_start", d->clock_start, sizeof d->clock_start);
    if (nc_get_att_double(ncid, NC_GLOBAL, "disclosure_k", &d->k) != NC_NOERR) d->k = NAN;
    REGIA_TRY(find_latest(d));
    nc_close(ncid);
    free(wb);
    free(ws);
    return REGIA_OK;
err:
    if (ncid >= 0) nc_close(ncid);
    free(wb);
    free(ws);
    wlp_free(d);
    return st;
}

/* ---- the summary table --------------------------------------------------------------------- */

double wlp_worst_pmiss(const wlp_t *d, size_t s, size_t a)
{
    double worst = NAN;
    for (size_t c = 0; c < WLP_CLASSES; c++)
        for (size_t r = 0; r < d->nr; r++) {
            double v = d->r_pmiss[wlp_sac(d, s, a, c) * d->nr + r];
            if (!isnan(v) && (isnan(worst) || v > worst)) worst = v;
        }
    return worst;
}

/* The largest P(miss) of one class over the risk weeks (NaN: none). */
static double class_worst_pmiss(const wlp_t *d, size_t sac)
{
    double worst = NAN;
    for (size_t r = 0; r < d->nr; r++) {
        double v = d->r_pmiss[sac * d->nr + r];
        if (!isnan(v) && (isnan(worst) || v > worst)) worst = v;
    }
    return worst;
}

static const char *flag_name(double v, const char *const *names, int n, int first)
{
    if (isnan(v)) return NULL;
    int i = (int)v - first;
    return i >= 0 && i < n ? names[i] : NULL;
}

static const char *const LIGHTS[] = {"green", "yellow", "red"};
static const char *const SDC[] = {"published", "primary_suppressed", "secondary_suppressed"};
static const char *const METHODS[] = {"suppressed", "ets", "croston_classic", "croston_sba", "croston_optimized",
                                      "tsb", "adida", "imapa"};
static const char *const LEVELS[] = {"district", "asl", "region"};

enum { MAX_COLS = 64 };

static regia_status_t write_summary(const wlp_t *d, const char *file)
{
    regia_status_t st = REGIA_OK;
    regia_table_t *t = NULL;
    const char *cols[MAX_COLS];
    char ibuf[8][48];
    int nc = 0;
    const char *fixed[] = {"service_code", "service_name", "service_group", "service_kind", "guarantee_area_level",
                           "area_code", "area_name", "area_level", "class", "limit_days", "target_percent",
                           "week_start", "requests_week", "requests_week_sdc", "share_ex_ante_week", "light_week",
                           "month", "requests_month", "requests_month_sdc", "share_ex_ante_month",
                           "share_ex_post_month", "wait_median_days_month", "wait_p90_days_month", "light_month",
                           "demand_method", "forecast_demand_week1"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) cols[nc++] = fixed[i];
    size_t ni = d->ni < 4 ? d->ni : 4;
    for (size_t i = 0; i < ni; i++) {
        snprintf(ibuf[2 * i], sizeof ibuf[0], "forecast_lower_%g_week1", d->interval[i]);
        snprintf(ibuf[2 * i + 1], sizeof ibuf[0], "forecast_upper_%g_week1", d->interval[i]);
        cols[nc++] = ibuf[2 * i];
        cols[nc++] = ibuf[2 * i + 1];
    }
    const char *tail[] = {"forecast_demand_mean_risk_weeks", "risk_share_within_week1_percent", "p_miss_week1",
                          "p_miss_max", "area_extra_slots_week", "area_added_slots_week", "area_spare_slots_week",
                          "area_target_reachable", "reserve_slots_week"};
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) cols[nc++] = tail[i];
    REGIA_TRY(regia_table_open(&t, file, cols, nc));
    char wk[16] = "", mo[16] = "";
    if (d->w_last >= 0) regia_format_date((int64_t)d->w_start[d->w_last], wk, sizeof wk);
    if (d->m_last >= 0) {
        /* the month's name is "YYYY-MM": the date of its first week's Thursday */
        for (size_t w = 0; w < d->nw; w++)
            if ((long)d->w_month[w] == d->m_last) {
                int y, m, dd;
                regia_civil_from_days((int64_t)d->w_start[w] + 3, &y, &m, &dd);
                snprintf(mo, sizeof mo, "%04d-%02d", y, m);
                break;
            }
    }
    for (size_t s = 0; s < d->ns; s++)
        for (size_t a = 0; a < d->na; a++)
            for (size_t c = 0; c < WLP_CLASSES; c++) {
                size_t sac = wlp_sac(d, s, a, c), sa = wlp_sa(d, s, a), sc = s * d->nc + c;
                regia_table_str(t, d->s_code[s]);
                regia_table_str(t, d->s_name[s]);
                regia_table_str(t, d->s_group[s]);
                regia_table_str(t, d->s_kind[s] == 1 ? "diagnostic" : "visit");
                regia_table_str(t, flag_name(d->s_alevel[s], LEVELS, 2, 0));
                regia_table_str(t, d->a_code[a]);
                regia_table_str(t, d->a_name[a]);
                regia_table_str(t, flag_name(d->a_level[a], LEVELS, 3, 0));
                regia_table_str(t, d->c_name[c]);
                regia_table_num(t, d->limit[sc], 3);
                regia_table_num(t, d->target[sc], 1);
                long w = d->w_last, m = d->m_last;
                regia_table_str(t, wk);
                regia_table_num(t, w >= 0 ? d->req_w[sac * d->nw + w] : NAN, 0);
                regia_table_str(t, w >= 0 ? flag_name(d->sdc_w[sac * d->nw + w], SDC, 3, 0) : NULL);
                regia_table_num(t, w >= 0 ? d->share_w[sac * d->nw + w] : NAN, 2);
                regia_table_str(t, w >= 0 ? flag_name(d->light_w[sac * d->nw + w], LIGHTS, 3, 0) : NULL);
                regia_table_str(t, mo);
                regia_table_num(t, m >= 0 ? d->req_m[sac * d->nm + m] : NAN, 0);
                regia_table_str(t, m >= 0 ? flag_name(d->sdc_m[sac * d->nm + m], SDC, 3, 0) : NULL);
                regia_table_num(t, m >= 0 ? d->share_m[sac * d->nm + m] : NAN, 2);
                regia_table_num(t, m >= 0 ? d->post_m[sac * d->nm + m] : NAN, 2);
                regia_table_num(t, m >= 0 ? d->wmed_m[sac * d->nm + m] : NAN, 3);
                regia_table_num(t, m >= 0 ? d->wp90_m[sac * d->nm + m] : NAN, 3);
                regia_table_str(t, m >= 0 ? flag_name(d->light_m[sac * d->nm + m], LIGHTS, 3, 0) : NULL);
                regia_table_str(t, flag_name(d->method[sac], METHODS, 8, -1));
                regia_table_num(t, d->nh ? d->fc[sac * d->nh] : NAN, 3);
                for (size_t i = 0; i < ni; i++) {
                    regia_table_num(t, d->nh ? d->fc_lo[(sac * d->ni + i) * d->nh] : NAN, 3);
                    regia_table_num(t, d->nh ? d->fc_hi[(sac * d->ni + i) * d->nh] : NAN, 3);
                }
                regia_table_num(t, d->nhsr_demand[sac], 3);
                regia_table_num(t, d->nr ? 100.0 * d->r_mean[sac * d->nr] : NAN, 2);
                regia_table_num(t, d->nr ? d->r_pmiss[sac * d->nr] : NAN, 4);
                regia_table_num(t, class_worst_pmiss(d, sac), 4);
                regia_table_num(t, d->x_extra[sa], 0);
                regia_table_num(t, d->x_added[sa], 0);
                regia_table_num(t, d->x_spare[sa], 0);
                regia_table_str(t, isnan(d->x_met[sa]) ? NULL : d->x_met[sa] == 1 ? "yes" : "no");
                regia_table_num(t, d->x_reserve[sac], 0);
                REGIA_TRY(regia_table_end_row(t));
            }
    st = regia_table_close(t);
    t = NULL;
    return st;
err:
    regia_table_abort(t);
    return st;
}

/* ---- the hook ------------------------------------------------------------------------------ */

enum { LOG_AT_RISK = 8 };

/* The log's note: the service x guarantee-area cells whose worst P(miss) is 0.5 or more. */
static void log_at_risk(const wlp_t *d, const regia_products_t *p)
{
    char buf[2048] = "";
    int n = 0;
    for (size_t s = 0; s < d->ns; s++)
        for (size_t a = 0; a < d->na; a++) {
            double w = wlp_worst_pmiss(d, s, a);
            if (isnan(w) || w < 0.5) continue;
            if (n < LOG_AT_RISK)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s (%s) in %s (p = %.2f)", n ? "; " : "",
                         d->s_name[s], d->s_code[s], d->a_name[a], w);
            n++;
        }
    if (n)
        regia_info(p->log, "waitlist products: %d service x area cells likely to miss a class target (P >= 0.5 in some "
                   "risk week): %s%s", n, buf, n > LOG_AT_RISK ? "; ..." : "");
    else
        regia_info(p->log, "waitlist products: no service x area cell has P(missing a class target) >= 0.5");
}

/* Local, rank 0, no MPI (domain.h).  The summary table and the figures of the closed
 * output p->nc_path, written into p->dir and registered with p->add. */
regia_status_t wl_products(regia_products_t *p)
{
    regia_status_t st = REGIA_OK;
    wlp_t d;
    char file[4200];
    memset(&d, 0, sizeof d);
    REGIA_TRY(wlp_read(p->nc_path, &d));
    snprintf(file, sizeof file, "%s/summary.csv", p->dir);
    REGIA_TRY(write_summary(&d, file));
    REGIA_TRY(p->add(p, "summary.csv", "summary",
                     "Waiting lists per service, area and class: latest compliance, demand forecast, queue risk, "
                     "extra slots"));
    REGIA_TRY(wlp_figures(&d, p));
    log_at_risk(&d, p);
err:
    wlp_free(&d);
    if (st != REGIA_OK) regia_error_prefix("waitlist products of %s: ", p->output_name);
    return st;
}
