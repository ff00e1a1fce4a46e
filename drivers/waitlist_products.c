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
#include "waitlist_analysis.h"
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

/* Read variable `name` as doubles into a new array in the modules' order `mem_dims`
 * (blank-separated dimension names, service first): in the file its dimensions must be the
 * reverse (time first, service last: waitlist_analysis.h).  _FillValue becomes NaN. */
static regia_status_t read_rev(int ncid, const char *path, const char *name, const char *mem_dims, double **out)
{
    regia_status_t st = REGIA_OK;
    double *v = NULL, *f = NULL;
    int vid, nd, dimids[NC_MAX_VAR_DIMS];
    size_t len[NC_MAX_VAR_DIMS], n = 1;
    char want[256] = "", got[512] = "", tmp[256], *tok[NC_MAX_VAR_DIMS], *save = NULL;
    int nt = 0;
    *out = NULL;
    if (nc_inq_varid(ncid, name, &vid) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no variable '%s': not an output of regia waitlist (or of an older "
                          "version; run regia waitlist again)", path, name);
    snprintf(tmp, sizeof tmp, "%s", mem_dims);
    for (char *t = strtok_r(tmp, " ", &save); t && nt < NC_MAX_VAR_DIMS; t = strtok_r(NULL, " ", &save)) tok[nt++] = t;
    for (int i = nt - 1; i >= 0; i--)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", i < nt - 1 ? " " : "", tok[i]);
    REGIA_NC(nc_inq_varndims(ncid, vid, &nd));
    REGIA_NC(nc_inq_vardimid(ncid, vid, dimids));
    for (int i = 0; i < nd; i++) {
        char dn[NC_MAX_NAME + 1];
        REGIA_NC(nc_inq_dimname(ncid, dimids[i], dn));
        REGIA_NC(nc_inq_dimlen(ncid, dimids[i], &len[nd - 1 - i])); /* len[k]: memory dimension k */
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", dn);
        n *= len[nd - 1 - i];
    }
    if (strcmp(want, got) != 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has dimensions (%s); expected (%s)", path, name, got,
                        want);
        goto err;
    }
    v = malloc((n ? n : 1) * sizeof *v);
    f = malloc((n ? n : 1) * sizeof *f);
    if (!v || !f) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory for variable '%s' (%zu values)", path, name, n);
        goto err;
    }
    if (n) REGIA_NC(nc_get_var_double(ncid, vid, f));
    double fill;
    const int has_fill = nc_get_att_double(ncid, vid, "_FillValue", &fill) == NC_NOERR && !isnan(fill);
    /* memory index (i_0 .. i_{nd-1}) row-major; in the file i_0 varies fastest */
    for (size_t j = 0; j < n; j++) {
        size_t r = j, off = 0, stride = 1;
        size_t idx[NC_MAX_VAR_DIMS];
        for (int k = nd - 1; k >= 0; k--) idx[k] = r % len[k], r /= len[k];
        for (int k = 0; k < nd; k++) off += idx[k] * stride, stride *= len[k];
        v[j] = has_fill && f[off] == fill ? NAN : f[off];
    }
    free(f);
    *out = v;
    return REGIA_OK;
err:
    if (st == REGIA_ERR_NETCDF) regia_error_prefix("%s: variable '%s': ", path, name);
    free(v);
    free(f);
    return st;
}

/* The weeks whose step variable (forecast_step, risk_step) is 1 .. n: src (rows x nw) ->
 * a new rows x n array (NaN for a step no week has). */
static regia_status_t pick_steps(const double *src, size_t rows, size_t nw, const double *step, size_t n,
                                 double **out)
{
    double *v = malloc((rows * n > 0 ? rows * n : 1) * sizeof *v);
    if (!v) return REGIA_FAIL(REGIA_ERR_NOMEM, "no memory for the forecast weeks");
    for (size_t j = 0; j < rows * n; j++) v[j] = NAN;
    for (size_t w = 0; w < nw; w++) {
        const long h = isnan(step[w]) ? 0 : (long)step[w];
        if (h < 1 || (size_t)h > n) continue;
        for (size_t r = 0; r < rows; r++) v[r * n + (size_t)h - 1] = src[r * nw + w];
    }
    *out = v;
    return REGIA_OK;
}

/* Stack k arrays of rows x n (one per level or quantile) as rows x k x n (inner_last 0) or
 * rows x n x k (inner_last 1) into a new array; frees the parts. */
static regia_status_t stack_parts(double **part, size_t k, size_t rows, size_t n, int inner_last, double **out)
{
    double *v = malloc((rows * k * n > 0 ? rows * k * n : 1) * sizeof *v);
    if (!v) return REGIA_FAIL(REGIA_ERR_NOMEM, "no memory for the intervals");
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < k; i++)
            for (size_t h = 0; h < n; h++)
                v[inner_last ? (r * n + h) * k + i : (r * k + i) * n + h] = part[i][r * n + h];
    for (size_t i = 0; i < k; i++) free(part[i]), part[i] = NULL;
    *out = v;
    return REGIA_OK;
}

/* The monthly file of output `path` (OUT_STEM.monthly.nc, its global attribute
 * monthly_file): the products' extra of role "monthly" when given (a run, regia publish),
 * else the file of that name beside the output. */
static void monthly_file(int ncid, const char *path, const regia_products_t *p, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int i = 0; p && i < p->n_extra; i++)
        if (p->extra_role[i] && !strcmp(p->extra_role[i], "monthly")) {
            snprintf(buf, cap, "%s", p->extra_path[i]);
            return;
        }
    char name[1024];
    get_att_text(ncid, "monthly_file", name, sizeof name);
    if (!name[0]) return;
    const char *slash = strrchr(path, '/');
    if (slash) snprintf(buf, cap, "%.*s/%s", (int)(slash - path), path, name);
    else snprintf(buf, cap, "%s", name);
}

/* The month tables from the monthly file `mpath`, onto the output's services and areas
 * (matched by service_code and area_code: a per-region extract has some of the areas). */
static regia_status_t read_monthly(wlp_t *d, const char *mpath)
{
    regia_status_t st = REGIA_OK;
    int ncid = -1;
    size_t ns, na, nc;
    char(*sc)[WLP_STR] = NULL, (*ac)[WLP_STR] = NULL;
    long *smap = NULL, *amap = NULL;
    double *raw = NULL;
    int rc = nc_open(mpath, NC_NOWRITE, &ncid);
    if (rc != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: the monthly file of %s (its global attribute monthly_file): %s; keep it "
                          "beside the output", mpath, d->path, nc_strerror(rc));
    REGIA_TRY(dim_len(ncid, mpath, "service", &ns));
    REGIA_TRY(dim_len(ncid, mpath, "area", &na));
    REGIA_TRY(dim_len(ncid, mpath, "class", &nc));
    REGIA_TRY(dim_len(ncid, mpath, "month", &d->nm));
    if (nc != d->nc) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %zu classes; the output %s has %zu", mpath, nc, d->path, d->nc);
        goto err;
    }
    REGIA_TRY(read_text(ncid, mpath, "service_code", ns, &sc));
    REGIA_TRY(read_text(ncid, mpath, "area_code", na, &ac));
    smap = malloc(sizeof(long) * (d->ns + 1));
    amap = malloc(sizeof(long) * (d->na + 1));
    if (!smap || !amap) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", mpath);
        goto err;
    }
    for (size_t s = 0; s < d->ns; s++) {
        smap[s] = -1;
        for (size_t j = 0; j < ns && smap[s] < 0; j++)
            if (!strcmp(sc[j], d->s_code[s])) smap[s] = (long)j;
    }
    for (size_t a = 0; a < d->na; a++) {
        amap[a] = -1;
        for (size_t j = 0; j < na && amap[a] < 0; j++)
            if (!strcmp(ac[j], d->a_code[a])) amap[a] = (long)j;
    }
    static const char *const names[] = {"count_requests_month", "sdc_status_requests_month", "share_ex_ante_month",
                                        "share_ex_post_month", "wait_median_month", "wait_p90_month", "light_month"};
    double **dst[] = {&d->req_m, &d->sdc_m, &d->share_m, &d->post_m, &d->wmed_m, &d->wp90_m, &d->light_m};
    const size_t nm = d->nm;
    for (size_t x = 0; x < sizeof names / sizeof *names; x++) {
        REGIA_TRY(read_rev(ncid, mpath, names[x], "service area class month", &raw));
        double *v = malloc((d->ns * d->na * d->nc * nm + 1) * sizeof *v);
        if (!v) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", mpath);
            goto err;
        }
        for (size_t s = 0; s < d->ns; s++)
            for (size_t a = 0; a < d->na; a++)
                for (size_t c = 0; c < d->nc; c++)
                    for (size_t m = 0; m < nm; m++)
                        v[(wlp_sac(d, s, a, c)) * nm + m] =
                            smap[s] < 0 || amap[a] < 0 ? NAN
                                                       : raw[(((size_t)smap[s] * na + (size_t)amap[a]) * nc + c) * nm + m];
        *dst[x] = v;
        free(raw);
        raw = NULL;
    }
err:
    if (ncid >= 0) nc_close(ncid);
    free(sc); free(ac); free(smap); free(amap); free(raw);
    return st;
}

static regia_status_t wlp_read(const char *path, const regia_products_t *p, wlp_t *d)
{
    regia_status_t st = REGIA_OK;
    int ncid = -1;
    double *wb = NULL, *ws = NULL, *fstep = NULL, *rstep = NULL, *full = NULL;
    double *part[8] = {NULL};
    char mpath[4200];
    memset(d, 0, sizeof *d);
    d->path = path;
    int rc = nc_open(path, NC_NOWRITE, &ncid);
    if (rc != NC_NOERR) return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s", path, nc_strerror(rc));
    REGIA_TRY(dim_len(ncid, path, "service", &d->ns));
    REGIA_TRY(dim_len(ncid, path, "area", &d->na));
    REGIA_TRY(dim_len(ncid, path, "class", &d->nc));
    REGIA_TRY(dim_len(ncid, path, "week", &d->nw));
    {
        int h = 0, r = 0;
        size_t n;
        if (nc_get_att_int(ncid, NC_GLOBAL, "demand_horizon_weeks", &h) != NC_NOERR ||
            nc_get_att_int(ncid, NC_GLOBAL, "risk_weeks", &r) != NC_NOERR || h < 0 || r < 0) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no global attributes demand_horizon_weeks and risk_weeks: not an "
                            "output of regia waitlist (or of an older version; run regia waitlist again)", path);
            goto err;
        }
        d->nh = (size_t)h;
        d->nr = (size_t)r;
        if (nc_inq_attlen(ncid, NC_GLOBAL, "demand_interval_levels", &n) != NC_NOERR) n = 0;
        d->ni = n;
        d->interval = malloc((n + 1) * sizeof(double));
        if (!d->interval) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path); goto err; }
        if (n) REGIA_NC(nc_get_att_double(ncid, NC_GLOBAL, "demand_interval_levels", d->interval));
        if (nc_inq_attlen(ncid, NC_GLOBAL, "risk_share_quantiles", &n) != NC_NOERR) n = 0;
        d->nq = n;
        d->quantile = malloc((n + 1) * sizeof(double));
        if (!d->quantile) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path); goto err; }
        if (n) REGIA_NC(nc_get_att_double(ncid, NC_GLOBAL, "risk_share_quantiles", d->quantile));
        if (d->ni > 8 || d->nq > 8) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: more than 8 interval levels or quantiles", path);
            goto err;
        }
    }
    REGIA_TRY(read_text(ncid, path, "service_code", d->ns, &d->s_code));
    REGIA_TRY(read_text(ncid, path, "service_name", d->ns, &d->s_name));
    REGIA_TRY(read_text(ncid, path, "service_group", d->ns, &d->s_group));
    REGIA_TRY(read_text(ncid, path, "area_code", d->na, &d->a_code));
    REGIA_TRY(read_text(ncid, path, "area_name", d->na, &d->a_name));
    REGIA_TRY(read_text(ncid, path, "class_name", d->nc, &d->c_name));
    if (d->nc < WLP_CLASSES) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: dimension 'class' has %zu entries; expected U B D P all", path, d->nc);
        goto err;
    }
    REGIA_TRY(read_rev(ncid, path, "service_kind", "service", &d->s_kind));
    REGIA_TRY(read_rev(ncid, path, "service_area_level", "service", &d->s_alevel));
    REGIA_TRY(read_rev(ncid, path, "area_level", "area", &d->a_level));
    REGIA_TRY(read_rev(ncid, path, "week", "week", &ws));
    REGIA_TRY(read_rev(ncid, path, "week_bounds", "nv week", &wb));
    REGIA_TRY(read_rev(ncid, path, "week_month", "week", &d->w_month));
    REGIA_TRY(read_rev(ncid, path, "forecast_step", "week", &fstep));
    REGIA_TRY(read_rev(ncid, path, "risk_step", "week", &rstep));
    d->w_start = malloc((d->nw ? d->nw : 1) * sizeof(double));
    d->w_end = malloc((d->nw ? d->nw : 1) * sizeof(double));
    if (!d->w_start || !d->w_end) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory for the weeks", path);
        goto err;
    }
    for (size_t w = 0; w < d->nw; w++) { /* Rome midnights (22:00 or 23:00 UTC): the civil date */
        d->w_start[w] = round(ws[w] / 86400.0);
        d->w_end[w] = round(wb[d->nw + w] / 86400.0); /* wb as (nv, week): the ends */
    }
    REGIA_TRY(read_rev(ncid, path, "limit", "service class", &d->limit));
    REGIA_TRY(read_rev(ncid, path, "target", "service class", &d->target));
    const char *sacw = "service area class week";
    const size_t rows = d->ns * d->na * d->nc;
    REGIA_TRY(read_rev(ncid, path, "count_requests_week", sacw, &d->req_w));
    REGIA_TRY(read_rev(ncid, path, "sdc_status_requests_week", sacw, &d->sdc_w));
    REGIA_TRY(read_rev(ncid, path, "share_ex_ante_week", sacw, &d->share_w));
    REGIA_TRY(read_rev(ncid, path, "light_week", sacw, &d->light_w));
    REGIA_TRY(read_rev(ncid, path, "demand_forecast", sacw, &full));
    REGIA_TRY(pick_steps(full, rows, d->nw, fstep, d->nh, &d->fc));
    free(full), full = NULL;
    for (int up = 0; up < 2; up++) {
        for (size_t i = 0; i < d->ni; i++) {
            char tag[32], name[64];
            wl_level_tag(d->interval[i], tag, sizeof tag);
            snprintf(name, sizeof name, "demand_%s_%s", up ? "upper" : "lower", tag);
            REGIA_TRY(read_rev(ncid, path, name, sacw, &full));
            REGIA_TRY(pick_steps(full, rows, d->nw, fstep, d->nh, &part[i]));
            free(full), full = NULL;
        }
        REGIA_TRY(stack_parts(part, d->ni, rows, d->nh, 0, up ? &d->fc_hi : &d->fc_lo));
    }
    REGIA_TRY(read_rev(ncid, path, "demand_method", "service area class", &d->method));
    {
        static const char *const rn[3] = {"risk_share_mean", "risk_p_miss", "risk_requests"};
        double **rd[3] = {&d->r_mean, &d->r_pmiss, &d->r_req};
        for (int x = 0; x < 3; x++) {
            REGIA_TRY(read_rev(ncid, path, rn[x], sacw, &full));
            REGIA_TRY(pick_steps(full, rows, d->nw, rstep, d->nr, rd[x]));
            free(full), full = NULL;
        }
        for (size_t q = 0; q < d->nq; q++) {
            char tag[32], name[64];
            wl_level_tag(100.0 * d->quantile[q], tag, sizeof tag);
            snprintf(name, sizeof name, "risk_share_q%s", tag);
            REGIA_TRY(read_rev(ncid, path, name, sacw, &full));
            REGIA_TRY(pick_steps(full, rows, d->nw, rstep, d->nr, &part[q]));
            free(full), full = NULL;
        }
        REGIA_TRY(stack_parts(part, d->nq, rows, d->nr, 1, &d->r_q));
    }
    REGIA_TRY(read_rev(ncid, path, "alloc_extra_slots", "service area", &d->x_extra));
    REGIA_TRY(read_rev(ncid, path, "alloc_added_slots", "service area", &d->x_added));
    REGIA_TRY(read_rev(ncid, path, "alloc_spare_slots", "service area", &d->x_spare));
    REGIA_TRY(read_rev(ncid, path, "alloc_target_met", "service area", &d->x_met));
    REGIA_TRY(read_rev(ncid, path, "alloc_reserve_slots", "service area class", &d->x_reserve));
    REGIA_TRY(read_rev(ncid, path, "nhsr_demand", "service area class", &d->nhsr_demand));
    get_att_text(ncid, "as_of", d->as_of, sizeof d->as_of);
    get_att_text(ncid, "clock_start", d->clock_start, sizeof d->clock_start);
    if (nc_get_att_double(ncid, NC_GLOBAL, "disclosure_k", &d->k) != NC_NOERR) d->k = NAN;
    monthly_file(ncid, path, p, mpath, sizeof mpath);
    if (!mpath[0]) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no global attribute monthly_file: not an output of regia waitlist (or "
                        "of an older version; run regia waitlist again)", path);
        goto err;
    }
    REGIA_TRY(read_monthly(d, mpath));
    REGIA_TRY(find_latest(d));
    nc_close(ncid);
    free(wb); free(ws); free(fstep); free(rstep);
    return REGIA_OK;
err:
    if (ncid >= 0) nc_close(ncid);
    free(wb); free(ws); free(fstep); free(rstep); free(full);
    for (int i = 0; i < 8; i++) free(part[i]);
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
    REGIA_TRY(wlp_read(p->nc_path, p, &d));
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
