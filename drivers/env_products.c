/* env_products.c - the env domain's products (issue 12), made from the closed output alone:
 *
 *   summary.csv    one row per station x pollutant: names, province, position, the year's
 *                  exceedance days so far against the allowance, P(breach), the next day,
 *                  the consecutive-day run and trigger probability, the annual mean so far
 *                  against its limit, the O3 information/alert hours, the model
 *   provinces.csv  one row per province x pollutant: the provincial aggregates
 *   points.csv     the stations as points GDAL reads (WKT column), every per-station variable
 *   figures        per station x pollutant (the highest-risk first, at most max_figures): the
 *                  last EP_RECENT_DAYS observed daily values, the forecast with its intervals,
 *                  the daily limit and the origin, and P(over the limit) per forecast day;
 *                  a station map per pollutant with a daily limit coloured by P(breach); the
 *                  provincial figures (highest P(breach) per province; provincial daily means);
 *                  the days over the PM10 daily limit in a row, observed and the forecast
 *                  median, against the trigger, for the stations most likely to reach it
 *
 * Variables are read by name (docs/env.md, docs/env-products.md).  A variable an older output
 * lacks (the air-quality additions: <P>_consecutive_days_observed, pm10_p_trigger,
 * <P>_annual_mean_observed, o3_hours_over_*, <P>_province_*) leaves its cells empty; the
 * columns stay, so every table of a release has the same header.  Both layouts are read:
 * forecast_day/interval dimensions with the ETS internals in the model file (the run's extra
 * output of role "model", OUT_STEM.model.nc), or in the group "model" of earlier outputs,
 * and the older lead/level dimensions (internals in the root group).
 */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "regia/extract.h"
#include "regia/log.h"
#include "regia/plot.h"
#include "regia/table.h"
#include "regia/timeutil.h"

/* EP_RECENT_DAYS observed days before the forecast in a station figure, EP_PROV_DAYS in
 * the provincial one (8 provinces' lines: a shorter window keeps them apart). */
enum { EP_NAME = 128, EP_MAXPOL = 8, EP_RECENT_DAYS = 90, EP_PROV_DAYS = 45 };
/* The consecutive-days figure: EP_RUN_DAYS observed days, at most EP_RUN_STATIONS panels. */
enum { EP_RUN_DAYS = 30, EP_RUN_STATIONS = 4 };

typedef struct {
    char name[32];          /* "pm10": prefix of its variables                              */
    char label[32];         /* "PM10"                                                       */
    char stat[160];         /* "PM10 daily mean": <P>_daily's long_name less " (observed)"  */
    char units[32];         /* <P>_daily's units ("ug m-3")                                 */
    double limit;           /* the daily limit (<P>_p_exceed:limit_value; NaN: none)        */
    int allowed;            /* exceedance days allowed per year (-1: no daily limit)        */
    int trigger_days;       /* pm10_p_trigger:trigger_days (0: no such variable)            */
    double annual_limit;    /* <P>_annual_mean_observed:annual_limit_value (NaN: none)      */
    /* per station (ns), per station x day, per station x forecast day, ... (NaN: missing) */
    double *daily, *fc, *lo, *hi, *pex;
    double *runfc;          /* <P>_consecutive_days_forecast (station x forecast day)       */
    int runfc_in_file;
    double *pbr, *exo, *exe, *lambda, *consec, *ptrig, *annual, *avalid, *o3i, *o3a;
    char (*model)[EP_NAME];
    /* per province (npv), from the file; pv_daily_in_file 0: computed from the stations */
    double *pv_daily, *pv_fc, *pv_risk, *pv_maxp;
    int pv_daily_in_file, pv_fc_in_file;
} ep_pol_t;

typedef struct {
    const char *path;
    int ncid, gmodel;       /* gmodel: the model file, the group "model", or the root group */
    int mncid, d_mst;       /* the model file (-1: none) and the station dimension of gmodel */
    size_t mns;             /* stations of the model file                                   */
    size_t *mrow;           /* per station: its row in the model file (a regional extract of
                               the output has a subset of its stations); NULL: the same rows */
    int d_st, d_day, d_fd, d_int, d_pv;
    size_t ns, nday, nfd, nint, npv;
    int *station_id;
    char (*name)[EP_NAME], (*prov)[EP_NAME];
    double *lat, *lon, *day, *fday, *interval;
    double origin;          /* forecast origin, days since 1970-01-01                       */
    char origin_s[16];
    char (*pv_name)[EP_NAME];
    int *st_pv;             /* each station's province index (-1: none)                     */
    int *pv_n;              /* stations of each province in the file (an extract of one
                               province keeps every province's aggregates: 0 elsewhere)      */
    size_t npv_used;        /* provinces with a station in the file                         */
    int np;
    ep_pol_t pol[EP_MAXPOL];
} ep_t;

/* ---- reading -------------------------------------------------------------------------- */

static regia_status_t ep_nc(int rc, const ep_t *e, const char *what)
{
    if (rc == NC_NOERR) return REGIA_OK;
    return REGIA_FAIL(REGIA_ERR_NETCDF, "products: %s: %s: %s", e->path, what, nc_strerror(rc));
}

static void *ep_alloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

static double *ep_nan(size_t n)
{
    double *v = ep_alloc(n, sizeof *v);
    if (v)
        for (size_t i = 0; i < n; i++) v[i] = NAN;
    return v;
}

/* Read variable `var` of group gid with dimension ids dims[0..nd) as doubles into out (n
 * values); its fill value becomes NaN.  Absent: out stays NaN, *present = 0.  A variable
 * with a time dimension is time first in the file, its station (province) dimension last,
 * as CDO reads it: with reverse set, out holds it with the dimensions in reverse order
 * (station first, day or forecast_day last), as the products use it. */
static regia_status_t ep_get(const ep_t *e, int gid, const char *var, int nd, const int *dims, double *out,
                             int *present, int reverse)
{
    int vid, ndv, dv[NC_MAX_VAR_DIMS], nofill = 0;
    nc_type t;
    size_t n = 1;
    if (present) *present = 0;
    if (nc_inq_varid(gid, var, &vid) != NC_NOERR) return REGIA_OK;
    regia_status_t st = ep_nc(nc_inq_var(gid, vid, NULL, &t, &ndv, dv, NULL), e, var);
    if (st) return st;
    int same = ndv == nd;
    for (int k = 0; same && k < nd; k++) same = dv[k] == dims[k];
    if (!same) {
        char got[1024] = "", want[1024] = "", nm[NC_MAX_NAME + 1];
        for (int k = 0; k < ndv; k++) {
            nc_inq_dimname(e->ncid, dv[k], nm);
            size_t u = strlen(got);
            if (u + strlen(nm) + 3 < sizeof got) snprintf(got + u, sizeof got - u, "%s%s", k ? ", " : "", nm);
        }
        for (int k = 0; k < nd; k++) {
            nc_inq_dimname(e->ncid, dims[k], nm);
            size_t u = strlen(want);
            if (u + strlen(nm) + 3 < sizeof want) snprintf(want + u, sizeof want - u, "%s%s", k ? ", " : "", nm);
        }
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "products: %s: variable %s has dimensions (%s) where (%s) is expected; "
                          "is the file a regia env output of this release?",
                          e->path, var, got, want);
    }
    for (int k = 0; k < nd; k++) {
        size_t len;
        if ((st = ep_nc(nc_inq_dimlen(e->ncid, dims[k], &len), e, var))) return st;
        n *= len;
    }
    if ((st = ep_nc(nc_get_var_double(gid, vid, out), e, var))) return st;
    union {
        double d;
        float f;
        int i;
        long long ll;
        short s;
        signed char b;
        unsigned char ub;
    } fv = {0};
    double fill = NAN;
    if (t != NC_CHAR && t != NC_STRING && nc_inq_var_fill(gid, vid, &nofill, &fv) == NC_NOERR && !nofill) {
        switch (t) {
        case NC_DOUBLE: fill = fv.d; break;
        case NC_FLOAT: fill = fv.f; break;
        case NC_INT: fill = fv.i; break;
        case NC_INT64: fill = (double)fv.ll; break;
        case NC_SHORT: fill = fv.s; break;
        case NC_BYTE: fill = fv.b; break;
        default: break;
        }
    }
    if (!isnan(fill))
        for (size_t i = 0; i < n; i++)
            if (out[i] == fill) out[i] = NAN;
    if (reverse && nd >= 2 && nd <= 3 && n > 0) {
        size_t len[3] = {1, 1, 1};
        for (int k = 0; k < nd; k++) nc_inq_dimlen(e->ncid, dims[k], &len[3 - nd + k]);
        double *tmp = malloc(sizeof *tmp * n);
        if (!tmp) return REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory reading %s of %s", var, e->path);
        memcpy(tmp, out, sizeof *tmp * n);
        for (size_t a = 0; a < len[0]; a++)
            for (size_t b = 0; b < len[1]; b++)
                for (size_t c = 0; c < len[2]; c++) out[(c * len[1] + b) * len[0] + a] = tmp[(a * len[1] + b) * len[2] + c];
        free(tmp);
    }
    if (present) *present = 1;
    return REGIA_OK;
}

/* A char variable (d0, strlen) into rows of EP_NAME bytes (trailing blanks trimmed).
 * Absent: rows stay empty, *present = 0. */
static regia_status_t ep_get_text(const ep_t *e, int gid, const char *var, int d0, size_t n, char (*rows)[EP_NAME],
                                  int *present)
{
    int vid, ndv, dv[NC_MAX_VAR_DIMS];
    nc_type t;
    size_t len = 0;
    char *buf = NULL;
    regia_status_t st = REGIA_OK;
    if (present) *present = 0;
    if (nc_inq_varid(gid, var, &vid) != NC_NOERR) return REGIA_OK;
    REGIA_TRY(ep_nc(nc_inq_var(gid, vid, NULL, &t, &ndv, dv, NULL), e, var));
    if (t != NC_CHAR || ndv != 2 || dv[0] != d0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID,
                        "products: %s: variable %s is not a char array along its first dimension with a "
                        "string length; is the file a regia env output of this release?",
                        e->path, var);
        goto err;
    }
    REGIA_TRY(ep_nc(nc_inq_dimlen(gid, dv[1], &len), e, var));
    if (!(buf = ep_alloc(n * len + 1, 1))) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory reading %s of %s", var, e->path);
        goto err;
    }
    REGIA_TRY(ep_nc(nc_get_var_text(gid, vid, buf), e, var));
    for (size_t i = 0; i < n; i++) {
        size_t m = len < EP_NAME - 1 ? len : EP_NAME - 1;
        memcpy(rows[i], buf + i * len, m);
        rows[i][m] = 0;
        size_t k = strnlen(rows[i], m);
        while (k > 0 && rows[i][k - 1] == ' ') k--;
        rows[i][k] = 0;
    }
    if (present) *present = 1;
err:
    free(buf);
    return st;
}

static double ep_att(int gid, const char *var, const char *att)
{
    int vid;
    double v = NAN;
    size_t len;
    if (nc_inq_varid(gid, var, &vid) != NC_NOERR) return NAN;
    if (nc_inq_attlen(gid, vid, att, &len) != NC_NOERR || len != 1) return NAN;
    if (nc_get_att_double(gid, vid, att, &v) != NC_NOERR) return NAN;
    return v;
}

static int ep_dim(int ncid, const char *a, const char *b)
{
    int d = -1;
    if (nc_inq_dimid(ncid, a, &d) == NC_NOERR) return d;
    if (b && nc_inq_dimid(ncid, b, &d) == NC_NOERR) return d;
    return -1;
}

static const char *const ep_known[][2] = {{"pm10", "PM10"}, {"pm2p5", "PM2.5"}, {"no2", "NO2"}, {"o3", "O3"},
                                           {"so2", "SO2"},   {"co", "CO"},       {"c6h6", "benzene"}};
enum { EP_NKNOWN = sizeof ep_known / sizeof ep_known[0] };

static const char *ep_label(const char *name)
{
    for (size_t i = 0; i < EP_NKNOWN; i++)
        if (!strcmp(ep_known[i][0], name)) return ep_known[i][1];
    return NULL;
}

static int ep_rank(const char *name)
{
    for (int i = 0; i < EP_NKNOWN; i++)
        if (!strcmp(ep_known[i][0], name)) return i;
    return EP_NKNOWN;
}

/* Find the pollutants: the variables <P>_daily(day, station). */
static regia_status_t ep_find_pollutants(ep_t *e)
{
    int nv, ids[NC_MAX_VARS];
    regia_status_t st = ep_nc(nc_inq_varids(e->ncid, &nv, ids), e, "listing the variables");
    if (st) return st;
    for (int i = 0; i < nv && e->np < EP_MAXPOL; i++) {
        char nm[NC_MAX_NAME + 1];
        int nd, dv[NC_MAX_VAR_DIMS];
        if (nc_inq_var(e->ncid, ids[i], nm, NULL, &nd, dv, NULL) != NC_NOERR) continue;
        size_t l = strlen(nm);
        if (nd != 2 || dv[0] != e->d_day || dv[1] != e->d_st || l <= 6 || l - 6 >= 32 ||
            strcmp(nm + l - 6, "_daily"))
            continue;
        ep_pol_t *p = &e->pol[e->np++];
        memcpy(p->name, nm, l - 6);
        p->name[l - 6] = 0;
        const char *lab = ep_label(p->name);
        if (lab)
            snprintf(p->label, sizeof p->label, "%s", lab);
        else
            for (size_t k = 0; p->name[k]; k++) p->label[k] = (char)(p->name[k] >= 'a' && p->name[k] <= 'z' ? p->name[k] - 32 : p->name[k]);
        char ln[256] = "";
        size_t len;
        if (nc_inq_attlen(e->ncid, ids[i], "long_name", &len) == NC_NOERR && len < sizeof ln)
            nc_get_att_text(e->ncid, ids[i], "long_name", ln);
        char *o = strstr(ln, " (observed)");
        if (o) *o = 0;
        snprintf(p->stat, sizeof p->stat, "%s", ln[0] ? ln : p->label);
        if (nc_inq_attlen(e->ncid, ids[i], "units", &len) == NC_NOERR && len < sizeof p->units)
            nc_get_att_text(e->ncid, ids[i], "units", p->units);
    }
    /* the rule sets' order (PM10, PM2.5, NO2, O3, ...), whatever the file's variable order */
    for (int a = 1; a < e->np; a++)
        for (int b = a; b > 0 && ep_rank(e->pol[b].name) < ep_rank(e->pol[b - 1].name); b--) {
            ep_pol_t tmp = e->pol[b];
            e->pol[b] = e->pol[b - 1];
            e->pol[b - 1] = tmp;
        }
    if (e->np == 0)
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "products: %s has no <pollutant>_daily(day, station) variable; is it a regia env output "
                          "of this release?",
                          e->path);
    return REGIA_OK;
}

static regia_status_t ep_read_pollutant(ep_t *e, ep_pol_t *p)
{
    const size_t ns = e->ns, npv = e->npv;
    char v[96];
    regia_status_t st = REGIA_OK;
    double **per_st[] = {&p->pbr,   &p->exo,    &p->exe,    &p->lambda, &p->consec,
                         &p->ptrig, &p->annual, &p->avalid, &p->o3i,    &p->o3a};
    for (size_t k = 0; k < sizeof per_st / sizeof per_st[0]; k++)
        if (!(*per_st[k] = ep_nan(ns))) goto nomem;
    if (!(p->daily = ep_nan(ns * e->nday)) || !(p->fc = ep_nan(ns * e->nfd)) || !(p->pex = ep_nan(ns * e->nfd)) ||
        !(p->runfc = ep_nan(ns * e->nfd)) ||
        !(p->lo = ep_nan(ns * e->nint * e->nfd)) || !(p->hi = ep_nan(ns * e->nint * e->nfd)) ||
        !(p->model = ep_alloc(ns, sizeof *p->model)) || !(p->pv_daily = ep_nan(npv * e->nday)) ||
        !(p->pv_fc = ep_nan(npv * e->nfd)) || !(p->pv_risk = ep_nan(npv)) || !(p->pv_maxp = ep_nan(npv)))
        goto nomem;
    /* the file's order: time first (day, forecast_day), the station (province) last */
    const int d_s[] = {e->d_st}, d_sd[] = {e->d_day, e->d_st}, d_sf[] = {e->d_fd, e->d_st},
              d_sif[] = {e->d_fd, e->d_int, e->d_st}, d_p[] = {e->d_pv}, d_pd[] = {e->d_day, e->d_pv},
              d_pf[] = {e->d_fd, e->d_pv};
#define EP_GET(suffix, nd, dims, out, pres)                                            \
    do {                                                                               \
        snprintf(v, sizeof v, "%s_%s", p->name, suffix);                               \
        REGIA_TRY(ep_get(e, e->ncid, v, nd, dims, out, pres, nd > 1));                 \
    } while (0)
    EP_GET("daily", 2, d_sd, p->daily, NULL);
    EP_GET("forecast", 2, d_sf, p->fc, NULL);
    EP_GET("lower", 3, d_sif, p->lo, NULL);
    EP_GET("upper", 3, d_sif, p->hi, NULL);
    EP_GET("p_exceed", 2, d_sf, p->pex, NULL);
    EP_GET("p_breach", 1, d_s, p->pbr, NULL);
    EP_GET("exceed_days_observed", 1, d_s, p->exo, NULL);
    EP_GET("exceed_days_expected", 1, d_s, p->exe, NULL);
    EP_GET("boxcox_lambda", 1, d_s, p->lambda, NULL);
    EP_GET("consecutive_days_observed", 1, d_s, p->consec, NULL);
    EP_GET("p_trigger", 1, d_s, p->ptrig, NULL);
    EP_GET("consecutive_days_forecast", 2, d_sf, p->runfc, &p->runfc_in_file);
    EP_GET("annual_mean_observed", 1, d_s, p->annual, NULL);
    EP_GET("annual_valid_days", 1, d_s, p->avalid, NULL);
    EP_GET("hours_over_information", 1, d_s, p->o3i, NULL);
    EP_GET("hours_over_alert", 1, d_s, p->o3a, NULL);
    if (e->d_pv >= 0) {
        EP_GET("province_daily", 2, d_pd, p->pv_daily, &p->pv_daily_in_file);
        EP_GET("province_forecast", 2, d_pf, p->pv_fc, &p->pv_fc_in_file);
        EP_GET("province_stations_at_risk", 1, d_p, p->pv_risk, NULL);
        EP_GET("province_max_p_breach", 1, d_p, p->pv_maxp, NULL);
    }
#undef EP_GET
    snprintf(v, sizeof v, "%s_model", p->name);
    if (!e->mrow) {
        REGIA_TRY(ep_get_text(e, e->gmodel, v, e->d_mst, ns, p->model, NULL));
    } else {
        char (*all)[EP_NAME] = ep_alloc(e->mns, sizeof *all);
        if (!all) goto nomem;
        st = ep_get_text(e, e->gmodel, v, e->d_mst, e->mns, all, NULL);
        for (size_t i = 0; i < ns && !st; i++) memcpy(p->model[i], all[e->mrow[i]], EP_NAME);
        free(all);
        if (st) goto err;
    }
    snprintf(v, sizeof v, "%s_p_exceed", p->name);
    p->limit = ep_att(e->ncid, v, "limit_value");
    snprintf(v, sizeof v, "%s_p_breach", p->name);
    double a = ep_att(e->ncid, v, "allowed_exceedance_days");
    p->allowed = isnan(p->limit) || isnan(a) ? -1 : (int)a;
    snprintf(v, sizeof v, "%s_p_trigger", p->name);
    a = ep_att(e->ncid, v, "trigger_days");
    p->trigger_days = isnan(a) ? 0 : (int)a;
    snprintf(v, sizeof v, "%s_annual_mean_observed", p->name);
    p->annual_limit = ep_att(e->ncid, v, "annual_limit_value");
    /* Without a daily limit the exceedance counts mean nothing: empty cells. */
    if (isnan(p->limit))
        for (size_t i = 0; i < ns; i++) p->exo[i] = p->exe[i] = p->pbr[i] = p->consec[i] = p->ptrig[i] = NAN;
    /* Provincial daily means of an older output: the mean of the stations' valid values. */
    if (!p->pv_daily_in_file || !p->pv_fc_in_file)
        for (size_t g = 0; g < npv; g++) {
            for (int w = 0; w < 2; w++) {
                int in_file = w ? p->pv_fc_in_file : p->pv_daily_in_file;
                size_t nt = w ? e->nfd : e->nday;
                const double *src = w ? p->fc : p->daily;
                double *dst = w ? p->pv_fc : p->pv_daily;
                if (in_file) continue;
                for (size_t t = 0; t < nt; t++) {
                    double s = 0;
                    int c = 0;
                    for (size_t i = 0; i < ns; i++)
                        if (e->st_pv[i] == (int)g && !isnan(src[i * nt + t])) s += src[i * nt + t], c++;
                    dst[g * nt + t] = c ? s / c : NAN;
                }
            }
        }
    return REGIA_OK;
nomem:
    st = REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory reading %s of %s", p->name, e->path);
err:
    return st;
}

static void ep_free(ep_t *e)
{
    for (int k = 0; k < e->np; k++) {
        ep_pol_t *p = &e->pol[k];
        double *a[] = {p->daily, p->fc, p->runfc, p->lo,    p->hi,   p->pex,    p->pbr,     p->exe,    p->exo,  p->lambda,
                       p->consec, p->ptrig, p->annual, p->avalid, p->o3i, p->o3a, p->pv_daily, p->pv_fc, p->pv_risk, p->pv_maxp};
        for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) free(a[i]);
        free(p->model);
    }
    free(e->station_id);
    free(e->name);
    free(e->prov);
    free(e->lat);
    free(e->lon);
    free(e->day);
    free(e->fday);
    free(e->interval);
    free(e->pv_name);
    free(e->st_pv);
    free(e->pv_n);
    if (e->ncid >= 0) nc_close(e->ncid);
    if (e->mncid >= 0) nc_close(e->mncid);
    free(e->mrow);
}

/* The model file of the run (extra output of role "model"), or NULL. */
static const char *ep_model_path(const regia_products_t *pr)
{
    for (int i = 0; i < pr->n_extra; i++)
        if (pr->extra_role[i] && !strcmp(pr->extra_role[i], "model")) return pr->extra_path[i];
    return NULL;
}

/* Not collective: open the output path and, when mpath is not NULL, its model file. */
static regia_status_t ep_open(ep_t *e, const char *path, const char *mpath)
{
    regia_status_t st = REGIA_OK;
    int pres = 0;
    memset(e, 0, sizeof *e);
    e->path = path;
    e->ncid = e->mncid = -1;
    int rc = nc_open(path, NC_NOWRITE, &e->ncid);
    if (rc != NC_NOERR) {
        e->ncid = -1;
        return REGIA_FAIL(REGIA_ERR_NETCDF, "products: cannot open %s: %s", path, nc_strerror(rc));
    }
    e->gmodel = e->ncid;
    int grp;
    if (nc_inq_grp_ncid(e->ncid, "model", &grp) == NC_NOERR) e->gmodel = grp;
    e->d_st = ep_dim(e->ncid, "station", NULL);
    e->d_mst = e->d_st; /* a group sees the root's dimensions */
    if (mpath) {
        rc = nc_open(mpath, NC_NOWRITE, &e->mncid);
        if (rc != NC_NOERR) {
            e->mncid = -1;
            return REGIA_FAIL(REGIA_ERR_NETCDF, "products: cannot open the model file %s of %s: %s", mpath, path,
                              nc_strerror(rc));
        }
        e->gmodel = e->mncid;
        e->d_mst = ep_dim(e->mncid, "station", NULL);
        if (e->d_mst < 0 || nc_inq_dimlen(e->mncid, e->d_mst, &e->mns) != NC_NOERR)
            return REGIA_FAIL(REGIA_ERR_INVALID, "products: %s: no station dimension: not the model file of %s; "
                              "make the output again", mpath, path);
    }
    e->d_day = ep_dim(e->ncid, "day", NULL);
    e->d_fd = ep_dim(e->ncid, "forecast_day", "lead");
    e->d_int = ep_dim(e->ncid, "interval", "level");
    e->d_pv = ep_dim(e->ncid, "province_index", "province"); /* H2's name, the plan's */
    if (e->d_st < 0 || e->d_day < 0 || e->d_fd < 0 || e->d_int < 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID,
                        "products: %s lacks one of the dimensions station, day, forecast_day (lead), "
                        "interval (level); is it a regia env output?",
                        path);
        goto err;
    }
    REGIA_TRY(ep_nc(nc_inq_dimlen(e->ncid, e->d_st, &e->ns), e, "dimension station"));
    REGIA_TRY(ep_nc(nc_inq_dimlen(e->ncid, e->d_day, &e->nday), e, "dimension day"));
    REGIA_TRY(ep_nc(nc_inq_dimlen(e->ncid, e->d_fd, &e->nfd), e, "dimension forecast_day"));
    REGIA_TRY(ep_nc(nc_inq_dimlen(e->ncid, e->d_int, &e->nint), e, "dimension interval"));
    if (e->d_pv >= 0) REGIA_TRY(ep_nc(nc_inq_dimlen(e->ncid, e->d_pv, &e->npv), e, "dimension province"));
    const size_t ns = e->ns;
    double *sid = NULL;
    if (!(e->station_id = ep_alloc(ns, sizeof *e->station_id)) || !(e->name = ep_alloc(ns, sizeof *e->name)) ||
        !(e->prov = ep_alloc(ns, sizeof *e->prov)) || !(e->lat = ep_nan(ns)) || !(e->lon = ep_nan(ns)) ||
        !(e->day = ep_nan(e->nday)) || !(e->fday = ep_nan(e->nfd)) || !(e->interval = ep_nan(e->nint)) ||
        !(e->st_pv = ep_alloc(ns, sizeof *e->st_pv)) || !(e->pv_n = ep_alloc(e->npv + ns, sizeof *e->pv_n)) ||
        !(e->pv_name = ep_alloc(e->npv + ns, sizeof *e->pv_name)) ||
        !(sid = ep_nan(ns))) {
        free(sid);
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory reading %s", path);
        goto err;
    }
    const int d_s[] = {e->d_st};
    st = ep_get(e, e->ncid, "station_id", 1, d_s, sid, NULL, 0);
    for (size_t i = 0; i < ns; i++) e->station_id[i] = isnan(sid[i]) ? -1 : (int)sid[i];
    free(sid);
    if (st) goto err;
    if (e->mncid >= 0) { /* the output's stations in the model file, by station_id */
        int vid, *mid = ep_alloc(e->mns + 1, sizeof *mid);
        int ok = mid && nc_inq_varid(e->mncid, "station_id", &vid) == NC_NOERR &&
                 nc_get_var_int(e->mncid, vid, mid) == NC_NOERR;
        int same = ok && e->mns == ns;
        for (size_t i = 0; i < ns && same; i++) same = mid[i] == e->station_id[i];
        if (ok && !same && !(e->mrow = ep_alloc(ns, sizeof *e->mrow))) ok = 0;
        for (size_t i = 0; i < ns && ok && !same; i++) {
            size_t k = 0;
            while (k < e->mns && mid[k] != e->station_id[i]) k++;
            if (k == e->mns) ok = 0;
            else e->mrow[i] = k;
        }
        free(mid);
        if (!ok) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "products: the model file of %s lacks its station_id or one of its "
                            "stations: not the model file of this output; make the output again", path);
            goto err;
        }
    }
    REGIA_TRY(ep_get_text(e, e->ncid, "station_name", e->d_st, ns, e->name, NULL));
    REGIA_TRY(ep_get_text(e, e->ncid, "province", e->d_st, ns, e->prov, NULL));
    REGIA_TRY(ep_get(e, e->ncid, "lat", 1, d_s, e->lat, NULL, 0));
    REGIA_TRY(ep_get(e, e->ncid, "lon", 1, d_s, e->lon, NULL, 0));
    const int d_d[] = {e->d_day}, d_f[] = {e->d_fd}, d_i[] = {e->d_int};
    REGIA_TRY(ep_get(e, e->ncid, "day", 1, d_d, e->day, &pres, 0));
    if (!pres) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "products: %s has no coordinate variable day", path);
        goto err;
    }
    char units[128] = "";
    size_t ul;
    int vid;
    if (nc_inq_varid(e->ncid, "day", &vid) == NC_NOERR && nc_inq_attlen(e->ncid, vid, "units", &ul) == NC_NOERR &&
        ul < sizeof units)
        nc_get_att_text(e->ncid, vid, "units", units);
    if (strncmp(units, "days since 1970-01-01", 21)) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "products: %s: day:units is \"%s\", not days since 1970-01-01", path, units);
        goto err;
    }
    REGIA_TRY(ep_get(e, e->ncid, "forecast_day", 1, d_f, e->fday, NULL, 0));
    char dn[NC_MAX_NAME + 1];
    REGIA_TRY(ep_nc(nc_inq_dimname(e->ncid, e->d_int, dn), e, "interval"));
    REGIA_TRY(ep_get(e, e->ncid, dn, 1, d_i, e->interval, NULL, 0));
    /* The forecast origin: the global attribute, else the day before the first forecast day. */
    e->origin = e->nfd ? e->fday[0] - 1 : (e->nday ? e->day[e->nday - 1] : NAN);
    char os[64] = "";
    if (nc_inq_attlen(e->ncid, NC_GLOBAL, "forecast_origin", &ul) == NC_NOERR && ul < sizeof os) {
        nc_get_att_text(e->ncid, NC_GLOBAL, "forecast_origin", os);
        int y, m, d;
        if (sscanf(os, "%d-%d-%d", &y, &m, &d) == 3) e->origin = (double)regia_days_from_civil(y, m, d);
    }
    if (!isnan(e->origin)) regia_format_date((int64_t)e->origin, e->origin_s, sizeof e->origin_s);
    /* Provinces: province_name(province, ...) of the file, else the distinct province(station). */
    if (e->d_pv >= 0) REGIA_TRY(ep_get_text(e, e->ncid, "province_name", e->d_pv, e->npv, e->pv_name, &pres));
    if (e->d_pv < 0 || !pres) {
        e->npv = 0;
        for (size_t i = 0; i < ns; i++) {
            size_t g = 0;
            while (g < e->npv && strcmp(e->pv_name[g], e->prov[i])) g++;
            if (g == e->npv && e->prov[i][0]) memcpy(e->pv_name[e->npv++], e->prov[i], EP_NAME);
        }
        e->d_pv = -1; /* the aggregates are not in the file */
    }
    for (size_t i = 0; i < ns; i++) {
        e->st_pv[i] = -1;
        for (size_t g = 0; g < e->npv; g++)
            if (e->prov[i][0] && !strcmp(e->pv_name[g], e->prov[i])) e->st_pv[i] = (int)g;
        if (e->st_pv[i] >= 0 && e->pv_n[e->st_pv[i]]++ == 0) e->npv_used++;
    }
    REGIA_TRY(ep_find_pollutants(e));
    for (int k = 0; k < e->np; k++) REGIA_TRY(ep_read_pollutant(e, &e->pol[k]));
    return REGIA_OK;
err:
    return st;
}

/* ---- tables ----------------------------------------------------------------------------- */

static regia_status_t ep_add(regia_products_t *pr, const char *file, const char *role, const char *title)
{
    return pr->add(pr, file, role, title);
}

static void ep_path(const regia_products_t *pr, const char *file, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", pr->dir, file);
}

static void ep_yesno(regia_table_t *t, double v, double limit)
{
    regia_table_str(t, isnan(v) || isnan(limit) ? NULL : v > limit ? "yes" : "no");
}

static regia_status_t ep_summary_csv(const ep_t *e, regia_products_t *pr, int *at_risk_total)
{
    static const char *const cols[] = {
        "station_id",           "station_name",          "province",          "lat",
        "lon",                  "pollutant",             "units",             "daily_limit",
        "exceed_days_so_far",   "allowed_days",          "p_breach",          "expected_exceed_days",
        "next_day",             "next_day_forecast",     "next_day_over_limit", "p_next_day_over_limit",
        "consecutive_days_now", "p_trigger",             "annual_mean_so_far", "annual_valid_days", "annual_limit",
        "o3_hours_over_180",    "o3_hours_over_240",     "model",             "boxcox_lambda",
        "at_risk"};
    char path[4200];
    regia_table_t *t = NULL;
    regia_status_t st = REGIA_OK;
    *at_risk_total = 0;
    ep_path(pr, "summary.csv", path, sizeof path);
    REGIA_TRY(regia_table_open(&t, path, cols, (int)(sizeof cols / sizeof cols[0])));
    for (size_t i = 0; i < e->ns; i++)
        for (int k = 0; k < e->np; k++) {
            const ep_pol_t *p = &e->pol[k];
            const int o3 = !strcmp(p->name, "o3");
            regia_table_int(t, e->station_id[i]);
            regia_table_str(t, e->name[i]);
            regia_table_str(t, e->prov[i]);
            regia_table_num(t, e->lat[i], 5);
            regia_table_num(t, e->lon[i], 5);
            regia_table_str(t, p->label);
            regia_table_str(t, p->units);
            regia_table_num(t, p->limit, -1);
            regia_table_num(t, p->exo[i], 0);
            if (p->allowed >= 0)
                regia_table_int(t, p->allowed);
            else
                regia_table_str(t, NULL);
            regia_table_num(t, p->pbr[i], 4);
            regia_table_num(t, p->exe[i], 2);
            regia_table_date(t, e->nfd ? e->fday[0] : NAN);
            const double f1 = e->nfd ? p->fc[i * e->nfd] : NAN;
            regia_table_num(t, f1, 2);
            ep_yesno(t, f1, p->limit);
            regia_table_num(t, isnan(p->limit) || !e->nfd ? NAN : p->pex[i * e->nfd], 4);
            regia_table_num(t, p->consec[i], 0);
            regia_table_num(t, p->ptrig[i], 4);
            regia_table_num(t, p->annual[i], 2);
            regia_table_num(t, p->avalid[i], 0);
            regia_table_num(t, p->annual_limit, -1);
            regia_table_num(t, o3 ? p->o3i[i] : NAN, 0);
            regia_table_num(t, o3 ? p->o3a[i] : NAN, 0);
            regia_table_str(t, p->model[i]);
            regia_table_num(t, p->lambda[i], -1);
            const int risk = !isnan(p->pbr[i]) && p->pbr[i] >= 0.5;
            *at_risk_total += risk;
            regia_table_str(t, isnan(p->pbr[i]) ? NULL : risk ? "yes" : "no");
            REGIA_TRY(regia_table_end_row(t));
        }
    st = regia_table_close(t);
    t = NULL;
    if (st) goto err;
    REGIA_TRY(ep_add(pr, "summary.csv", "summary", "Summary per station and pollutant: exceedances so far, "
                                                   "P(breach), next day, annual mean, model"));
err:
    regia_table_abort(t);
    return st;
}

static regia_status_t ep_provinces_csv(const ep_t *e, regia_products_t *pr)
{
    static const char *const cols[] = {"province",           "pollutant",          "units",
                                       "daily_limit",        "stations",           "stations_at_risk",
                                       "max_p_breach",       "highest_risk_station", "last_observed_day",
                                       "last_observed_mean", "next_day",           "next_day_forecast",
                                       "horizon_max_forecast"};
    char path[4200];
    regia_table_t *t = NULL;
    regia_status_t st = REGIA_OK;
    ep_path(pr, "provinces.csv", path, sizeof path);
    REGIA_TRY(regia_table_open(&t, path, cols, (int)(sizeof cols / sizeof cols[0])));
    /* the last observed day: the origin, else the day coordinate's end */
    size_t last = e->nday ? e->nday - 1 : 0;
    for (size_t d = 0; d < e->nday; d++)
        if (e->day[d] <= e->origin) last = d;
    for (size_t g = 0; g < e->npv; g++)
        for (int k = 0; k < e->np && e->pv_n[g]; k++) {
            const ep_pol_t *p = &e->pol[k];
            int n = 0, best = -1;
            for (size_t i = 0; i < e->ns; i++) {
                if (e->st_pv[i] != (int)g) continue;
                n++;
                if (!isnan(p->pbr[i]) && (best < 0 || p->pbr[i] > p->pbr[best])) best = (int)i;
            }
            regia_table_str(t, e->pv_name[g]);
            regia_table_str(t, p->label);
            regia_table_str(t, p->units);
            regia_table_num(t, p->limit, -1);
            regia_table_int(t, n);
            regia_table_num(t, isnan(p->limit) ? NAN : p->pv_risk[g], 0);
            regia_table_num(t, isnan(p->limit) ? NAN : p->pv_maxp[g], 4);
            regia_table_str(t, best >= 0 ? e->name[best] : NULL);
            const double *dl = p->pv_daily_in_file ? p->pv_daily : NULL;
            const double *fc = p->pv_fc_in_file ? p->pv_fc : NULL;
            regia_table_date(t, e->nday ? e->day[last] : NAN);
            regia_table_num(t, dl && e->nday ? dl[g * e->nday + last] : NAN, 2);
            regia_table_date(t, e->nfd ? e->fday[0] : NAN);
            regia_table_num(t, fc && e->nfd ? fc[g * e->nfd] : NAN, 2);
            double mx = NAN;
            for (size_t h = 0; fc && h < e->nfd; h++)
                if (!isnan(fc[g * e->nfd + h]) && (isnan(mx) || fc[g * e->nfd + h] > mx)) mx = fc[g * e->nfd + h];
            regia_table_num(t, mx, 2);
            REGIA_TRY(regia_table_end_row(t));
        }
    st = regia_table_close(t);
    t = NULL;
    if (st) goto err;
    REGIA_TRY(ep_add(pr, "provinces.csv", "table", "Provincial aggregates per pollutant: stations at risk, "
                                                   "highest P(breach), daily means and forecasts"));
err:
    regia_table_abort(t);
    return st;
}

/* ---- figures ---------------------------------------------------------------------------- */

/* Lines of the provincial figure (black: the limit and the origin). */
static const regia_color_t ep_cycle[] = {REGIA_C_BLUE,   REGIA_C_ORANGE,  REGIA_C_GREEN, REGIA_C_VERMILION,
                                         REGIA_C_PURPLE, REGIA_C_SKYBLUE, REGIA_C_GREY,  REGIA_C_YELLOW};
enum { EP_NCYCLE = sizeof ep_cycle / sizeof ep_cycle[0] };

/* Save fig as STEM.png + STEM.svg in the products directory and register both. */
static regia_status_t ep_save(regia_products_t *pr, regia_fig_t *fig, const char *stem, const char *title)
{
    char path[4200], file[300];
    regia_status_t st;
    snprintf(path, sizeof path, "%s/%s", pr->dir, stem);
    if ((st = regia_fig_save(fig, path))) return st;
    snprintf(file, sizeof file, "%s.png", stem);
    if ((st = ep_add(pr, file, "quicklook", title))) return st;
    snprintf(file, sizeof file, "%s.svg", stem);
    return ep_add(pr, file, "quicklook-svg", title);
}

/* The first day index of the recent window (ndays days up to the origin). */
static size_t ep_recent0(const ep_t *e, int ndays)
{
    size_t d0 = 0;
    while (d0 < e->nday && e->day[d0] <= e->origin - ndays) d0++;
    return d0;
}

static size_t ep_last_obs(const ep_t *e)
{
    size_t n = 0;
    while (n < e->nday && e->day[n] <= e->origin) n++;
    return n;
}

/* One station x pollutant: observed, forecast with intervals, limit, origin; P(over). */
static regia_status_t ep_fig_station(const ep_t *e, regia_products_t *pr, size_t i, const ep_pol_t *p)
{
    regia_fig_t *fig = NULL;
    regia_status_t st = REGIA_OK;
    const int has_limit = !isnan(p->limit);
    char title[512], ylab[256], lab[160], stem[200], slug[120];
    double *lo = NULL, *hi = NULL;
    const size_t d0 = ep_recent0(e, EP_RECENT_DAYS), d1 = ep_last_obs(e), nf = e->nfd;
    REGIA_TRY(regia_fig_begin(&fig, has_limit ? 2 : 1, 1200, has_limit ? 950 : 700, pr->caption));
    snprintf(title, sizeof title, "%s at %s%s%s%s: observed and %zu-day forecast from %s", p->label, e->name[i],
             e->prov[i][0] ? " (" : "", e->prov[i], e->prov[i][0] ? ")" : "", nf, e->origin_s);
    snprintf(ylab, sizeof ylab, "%s (%s)", p->stat, p->units);
    regia_axes_t ax = {.title = title, .xlabel = "date", .ylabel = ylab, .x_is_date = 1,
                       .xmin = d0 < e->nday ? e->day[d0] - 0.5 : 0, .xmax = nf ? e->fday[nf - 1] + 0.5 : 0};
    /* y up to the observed values, the limit, the forecast and the narrowest interval, and
     * the wider intervals' tops up to half as high again (a far 95 % bound would squash
     * the observed days into the bottom of the panel; the band runs off the top then). */
    double base = has_limit ? p->limit : 0, top = 0;
    int narrow = 0;
    for (size_t l = 1; l < e->nint; l++)
        if (e->interval[l] < e->interval[narrow]) narrow = (int)l;
    for (size_t d = d0; d < d1; d++) base = fmax(base, isnan(p->daily[i * e->nday + d]) ? 0 : p->daily[i * e->nday + d]);
    for (size_t h = 0; h < nf; h++) {
        base = fmax(base, isnan(p->fc[i * nf + h]) ? 0 : p->fc[i * nf + h]);
        const double hn = p->hi[(i * e->nint + (size_t)narrow) * nf + h];
        base = fmax(base, isnan(hn) ? 0 : hn);
    }
    for (size_t k = 0; k < e->nint * nf; k++) top = fmax(top, isnan(p->hi[i * e->nint * nf + k]) ? 0 : p->hi[i * e->nint * nf + k]);
    const double ymax = fmax(base, fmin(top, 1.5 * base));
    ax.ymin = 0;
    ax.ymax = ymax > 0 ? ymax * 1.05 : 1;
    REGIA_TRY(regia_fig_panel(fig, 0, &ax));
    /* intervals, the widest first */
    if (!(lo = ep_alloc(nf, sizeof *lo)) || !(hi = ep_alloc(nf, sizeof *hi))) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory drawing %s %s", e->name[i], p->label);
        goto err;
    }
    int order[16], no = 0;
    for (size_t l = 0; l < e->nint && no < 16; l++) order[no++] = (int)l;
    for (int a = 0; a < no; a++)
        for (int b = a + 1; b < no; b++)
            if (e->interval[order[b]] > e->interval[order[a]]) {
                int tmp = order[a];
                order[a] = order[b];
                order[b] = tmp;
            }
    for (int a = 0; a < no; a++) {
        const int l = order[a];
        for (size_t h = 0; h < nf; h++) {
            lo[h] = p->lo[(i * e->nint + (size_t)l) * nf + h];
            hi[h] = p->hi[(i * e->nint + (size_t)l) * nf + h];
        }
        snprintf(lab, sizeof lab, "%g %% prediction interval", e->interval[l]);
        REGIA_TRY(regia_fig_band(fig, e->fday, lo, hi, nf, lab, REGIA_C_SKYBLUE, a == 0 ? 0.35 : 0.7));
    }
    REGIA_TRY(regia_fig_line(fig, e->day + d0, p->daily + i * e->nday + d0, d1 - d0, "observed", REGIA_C_BLACK,
                             REGIA_LINE_SOLID));
    REGIA_TRY(regia_fig_line(fig, e->fday, p->fc + i * nf, nf, "forecast (mean)", REGIA_C_BLUE, REGIA_LINE_SOLID));
    if (has_limit) {
        snprintf(lab, sizeof lab, "daily limit %g %s", p->limit, p->units);
        REGIA_TRY(regia_fig_hline(fig, p->limit, lab, REGIA_C_VERMILION, REGIA_LINE_DASHED));
    }
    snprintf(lab, sizeof lab, "forecast origin %s", e->origin_s);
    REGIA_TRY(regia_fig_vline(fig, e->origin + 0.5, lab, REGIA_C_GREY, REGIA_LINE_DOTTED));
    if (has_limit) {
        /* the title says what the bars are; two lines of text above them say the year's count */
        char t2[256], l1[256], l2[256] = "";
        snprintf(t2, sizeof t2, "P(%s over %g %s) per forecast day", p->label, p->limit, p->units);
        regia_axes_t a2 = {.title = t2, .xlabel = "forecast day", .ylabel = "probability (1)", .x_is_date = 1,
                           .xmin = nf ? e->fday[0] - 0.5 : 0, .xmax = nf ? e->fday[nf - 1] + 0.5 : 0, .ymin = 0,
                           .ymax = 1.3};
        REGIA_TRY(regia_fig_panel(fig, 1, &a2));
        REGIA_TRY(regia_fig_bars(fig, e->fday, p->pex + i * nf, nf, 0.7, "P(daily value over the limit)",
                                 REGIA_C_ORANGE));
        REGIA_TRY(regia_fig_hline(fig, 0.5, "0.5", REGIA_C_GREY, REGIA_LINE_DOTTED));
        if (isnan(p->pbr[i]))
            snprintf(l1, sizeof l1, "%.4s so far: %g days over the limit (%d allowed); no P(breach): no model fitted",
                     e->origin_s, p->exo[i], p->allowed);
        else
            snprintf(l1, sizeof l1, "%.4s so far: %g days over the limit (%d allowed); P(breach) = %.2f", e->origin_s,
                     p->exo[i], p->allowed, p->pbr[i]);
        if (!isnan(p->consec[i]) && p->trigger_days > 0 && !isnan(p->ptrig[i]))
            snprintf(l2, sizeof l2, "now %g days over in a row; P(%d in a row within the %zu days) = %.2f",
                     p->consec[i], p->trigger_days, nf, p->ptrig[i]);
        else if (!isnan(p->consec[i]))
            snprintf(l2, sizeof l2, "now %g days over in a row", p->consec[i]);
        if (nf) {
            REGIA_TRY(regia_fig_text(fig, e->fday[0] - 0.1, 1.2, l1));
            if (l2[0]) REGIA_TRY(regia_fig_text(fig, e->fday[0] - 0.1, 1.09, l2));
        }
    }
    regia_plot_slug(e->name[i], slug, sizeof slug);
    snprintf(stem, sizeof stem, "%s_%s", slug, p->name);
    snprintf(title, sizeof title, "%s at %s: observed daily values, %zu-day forecast with intervals%s", p->label,
             e->name[i], nf, has_limit ? ", P(over the daily limit)" : "");
    REGIA_TRY(ep_save(pr, fig, stem, title));
err:
    free(lo);
    free(hi);
    regia_fig_free(fig);
    return st;
}

/* A station map of one pollutant with a daily limit, coloured by P(breach), with names. */
static regia_status_t ep_fig_map(const ep_t *e, regia_products_t *pr, const ep_pol_t *p)
{
    regia_fig_t *fig = NULL;
    regia_status_t st = REGIA_OK;
    double *x = ep_alloc(e->ns, sizeof *x), *y = ep_alloc(e->ns, sizeof *y), *v = ep_alloc(e->ns, sizeof *v);
    const char **nm = ep_alloc(e->ns, sizeof *nm);
    char title[512], stem[64], lab[64];
    size_t n = 0;
    if (!x || !y || !v || !nm) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory drawing the %s map", p->label);
        goto err;
    }
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < e->ns; i++) {
        if (isnan(e->lat[i]) || isnan(e->lon[i]) || isnan(p->pbr[i])) continue;
        x[n] = e->lon[i], y[n] = e->lat[i], v[n] = p->pbr[i], nm[n] = e->name[i];
        x0 = fmin(x0, x[n]), x1 = fmax(x1, x[n]), y0 = fmin(y0, y[n]), y1 = fmax(y1, y[n]);
        n++;
    }
    if (n == 0) goto err; /* nothing to map: no figure */
    const double mx = fmax(0.05, 0.12 * (x1 - x0)), my = fmax(0.05, 0.08 * (y1 - y0));
    REGIA_TRY(regia_fig_begin(&fig, 1, 1100, 900, pr->caption));
    snprintf(title, sizeof title, "%s: P(more than %d days over %g %s in %.4s), forecast from %s", p->label,
             p->allowed, p->limit, p->units, e->origin_s, e->origin_s);
    regia_axes_t ax = {.title = title, .xlabel = "longitude (degrees east)", .ylabel = "latitude (degrees north)",
                       .xmin = x0 - mx, .xmax = x1 + 2.5 * mx, .ymin = y0 - my, .ymax = y1 + my};
    REGIA_TRY(regia_fig_panel(fig, 0, &ax));
    snprintf(lab, sizeof lab, "P(breach) of %s", p->label);
    REGIA_TRY(regia_fig_scatter_scale(fig, x, y, v, n, 0, 1, lab, nm));
    snprintf(stem, sizeof stem, "map_%s", p->name);
    snprintf(title, sizeof title, "%s: station map coloured by the probability of breaching the yearly allowance",
             p->label);
    REGIA_TRY(ep_save(pr, fig, stem, title));
err:
    free(x);
    free(y);
    free(v);
    free(nm);
    regia_fig_free(fig);
    return st;
}

/* Per pollutant with a daily limit (one panel each): the highest P(breach) per province. */
static regia_status_t ep_fig_prov_risk(const ep_t *e, regia_products_t *pr)
{
    regia_fig_t *fig = NULL;
    regia_status_t st = REGIA_OK;
    int lim[EP_MAXPOL], nl = 0;
    for (int k = 0; k < e->np; k++)
        if (!isnan(e->pol[k].limit)) lim[nl++] = k;
    if (nl == 0 || e->npv_used == 0) return REGIA_OK;
    if (nl > 6) nl = 6;
    double *x = ep_alloc(e->npv, sizeof *x), *y = ep_alloc(e->npv, sizeof *y);
    const char **nm = ep_alloc(e->npv, sizeof *nm);
    char title[256], lab[160];
    if (!x || !y || !nm) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory drawing the provinces");
        goto err;
    }
    REGIA_TRY(regia_fig_begin(&fig, nl, 1200, 330 * nl + 120, pr->caption));
    for (int a = 0; a < nl; a++) {
        const ep_pol_t *p = &e->pol[lim[a]];
        size_t n = 0;
        for (size_t g = 0; g < e->npv; g++) {
            if (!e->pv_n[g]) continue;
            x[n] = (double)n + 1;
            y[n] = NAN;
            nm[n] = e->pv_name[g];
            if (e->d_pv >= 0) /* the file's aggregate, else the stations' highest */
                y[n] = p->pv_maxp[g];
            else
                for (size_t i = 0; i < e->ns; i++)
                    if (e->st_pv[i] == (int)g && !isnan(p->pbr[i]) && (isnan(y[n]) || p->pbr[i] > y[n]))
                        y[n] = p->pbr[i];
            n++;
        }
        snprintf(title, sizeof title, "%s: highest P(more than %d days over %g %s in %.4s) among the province's stations",
                 p->label, p->allowed, p->limit, p->units, e->origin_s);
        regia_axes_t ax = {.title = title, .xlabel = "province", .ylabel = "probability (1)",
                           .xmin = 0.3, .xmax = (double)n + 0.7, .ymin = 0, .ymax = 1.2};
        REGIA_TRY(regia_fig_panel(fig, a, &ax));
        snprintf(lab, sizeof lab, "highest P(breach), %s", p->label);
        REGIA_TRY(regia_fig_bars(fig, x, y, n, 0.6, lab, ep_cycle[a % EP_NCYCLE]));
        REGIA_TRY(regia_fig_hline(fig, 0.5, "0.5: at risk", REGIA_C_GREY, REGIA_LINE_DOTTED));
        REGIA_TRY(regia_fig_xticks(fig, x, nm, n));
        for (size_t g = 0; g < n; g++) { /* the value above each bar (text starts at x: centre it) */
            char t[16];
            snprintf(t, sizeof t, isnan(y[g]) ? "n/a" : "%.2f", y[g]);
            REGIA_TRY(regia_fig_text(fig, x[g] - 0.0055 * (double)n * (double)strlen(t), (isnan(y[g]) ? 0 : y[g]) + 0.06, t));
        }
    }
    REGIA_TRY(ep_save(pr, fig, "provinces_risk",
                      "Highest probability of breaching the yearly allowance per province and pollutant"));
err:
    free(x);
    free(y);
    free(nm);
    regia_fig_free(fig);
    return st;
}

/* Per pollutant (one panel each): each province's daily means, observed and forecast. */
static regia_status_t ep_fig_prov_daily(const ep_t *e, regia_products_t *pr)
{
    regia_fig_t *fig = NULL;
    regia_status_t st = REGIA_OK;
    const int np = e->np > 6 ? 6 : e->np;
    const size_t d0 = ep_recent0(e, EP_PROV_DAYS), d1 = ep_last_obs(e), nf = e->nfd;
    char title[256], ylab[256], lab[160];
    if (e->npv_used == 0) return REGIA_OK;
    /* At most EP_NCYCLE lines a panel, the same provinces (and colours) in every panel:
     * those with the most risk (the sum over the pollutants of their highest P(breach)),
     * in the file's order. */
    int *pick = ep_alloc(e->npv, sizeof *pick);
    double *risk = ep_nan(e->npv);
    size_t npick = 0;
    if (!pick || !risk) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory drawing the provinces");
        goto err;
    }
    for (size_t g = 0; g < e->npv; g++) {
        if (!e->pv_n[g]) continue;
        risk[g] = 0;
        for (int k = 0; k < e->np; k++)
            for (size_t i = 0; i < e->ns; i++)
                if (e->st_pv[i] == (int)g && !isnan(e->pol[k].pbr[i])) risk[g] += e->pol[k].pbr[i] / (double)e->pv_n[g];
    }
    while (npick < EP_NCYCLE && npick < e->npv_used) {
        int best = -1;
        for (size_t g = 0; g < e->npv; g++) {
            int taken = 0;
            for (size_t a = 0; a < npick; a++) taken |= pick[a] == (int)g;
            if (!taken && !isnan(risk[g]) && (best < 0 || risk[g] > risk[best])) best = (int)g;
        }
        pick[npick++] = best;
    }
    for (size_t a = 1; a < npick; a++) /* back to the file's order */
        for (size_t b = a; b > 0 && pick[b] < pick[b - 1]; b--) {
            int t = pick[b];
            pick[b] = pick[b - 1];
            pick[b - 1] = t;
        }
    REGIA_TRY(regia_fig_begin(&fig, np, 1200, 360 * np + 120, pr->caption));
    for (int k = 0; k < np; k++) {
        const ep_pol_t *p = &e->pol[k];
        char some[64] = "";
        if (e->npv_used > npick) snprintf(some, sizeof some, "; %zu of %zu provinces", npick, e->npv_used);
        /* short titles: the panels are narrow beside their legends */
        const char *stat = strstr(p->stat, "8-hour")   ? "max daily 8-h mean"
                           : strstr(p->stat, "hourly") ? "daily max 1-h value"
                           : strstr(p->stat, "mean")   ? "daily mean"
                                                       : "daily value";
        snprintf(title, sizeof title, "%s %s by province; dashed: forecast%s", p->label, stat, some);
        snprintf(ylab, sizeof ylab, "%s (%s)", p->label, p->units);
        regia_axes_t ax = {.title = title, .xlabel = "date", .ylabel = ylab, .x_is_date = 1,
                           .xmin = d0 < e->nday ? e->day[d0] - 0.5 : 0, .xmax = nf ? e->fday[nf - 1] + 0.5 : 0};
        REGIA_TRY(regia_fig_panel(fig, k, &ax));
        for (size_t c = 0; c < npick; c++) {
            const size_t g = (size_t)pick[c];
            REGIA_TRY(regia_fig_line(fig, e->day + d0, p->pv_daily + g * e->nday + d0, d1 - d0, e->pv_name[g],
                                     ep_cycle[c], REGIA_LINE_SOLID));
            REGIA_TRY(regia_fig_line(fig, e->fday, p->pv_fc + g * nf, nf, NULL, ep_cycle[c], REGIA_LINE_DASHED));
        }
        if (!isnan(p->limit)) {
            snprintf(lab, sizeof lab, "daily limit %g %s", p->limit, p->units);
            REGIA_TRY(regia_fig_hline(fig, p->limit, lab, REGIA_C_BLACK, REGIA_LINE_DASHED));
        }
        REGIA_TRY(regia_fig_vline(fig, e->origin + 0.5, "forecast origin", REGIA_C_BLACK, REGIA_LINE_DOTTED));
    }
    REGIA_TRY(ep_save(pr, fig, "provinces_daily", "Provincial daily means per pollutant, observed and forecast"));
err:
    free(pick);
    free(risk);
    regia_fig_free(fig);
    return st;
}

/* Steps of a daily count: (x - 0.5, y), (x + 0.5, y) per day, so that a count reads as a
 * level over its day; NaN stays a gap. */
static void ep_steps(const double *x, const double *y, size_t n, double *sx, double *sy)
{
    for (size_t d = 0; d < n; d++) {
        sx[2 * d] = x[d] - 0.5, sx[2 * d + 1] = x[d] + 0.5;
        sy[2 * d] = sy[2 * d + 1] = y[d];
    }
}

/* The days over the daily limit in a row of the pollutant with a trigger (PM10): for the
 * EP_RUN_STATIONS stations with the highest P(trigger) (then the longest run now), one
 * panel each: the observed run ending on each of the last EP_RUN_DAYS days (a missing day
 * ends a run, as env_aq_run_ending counts it), the forecast median run per forecast day
 * (<P>_consecutive_days_forecast), the trigger line with P(trigger) in its label. */
static regia_status_t ep_fig_runs(const ep_t *e, regia_products_t *pr, const ep_pol_t *p)
{
    regia_fig_t *fig = NULL;
    regia_status_t st = REGIA_OK;
    const size_t d0 = ep_recent0(e, EP_RUN_DAYS), d1 = ep_last_obs(e), nf = e->nfd, nd = d1 > d0 ? d1 - d0 : 0;
    size_t pick[EP_RUN_STATIONS], npick = 0;
    char title[512], lab[256];
    if (!p->runfc_in_file || p->trigger_days <= 0 || isnan(p->limit) || nf == 0 || nd == 0) return REGIA_OK;
    double *run = ep_nan(e->nday), *sx = ep_nan(2 * (e->nday + nf)), *sy = ep_nan(2 * (e->nday + nf));
    if (!run || !sx || !sy) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory drawing the %s runs", p->label);
        goto err;
    }
    while (npick < EP_RUN_STATIONS) {
        long best = -1;
        for (size_t i = 0; i < e->ns; i++) {
            int taken = 0;
            for (size_t a = 0; a < npick; a++) taken |= pick[a] == i;
            if (taken || isnan(p->ptrig[i])) continue;
            const double ci = isnan(p->consec[i]) ? -1 : p->consec[i];
            if (best < 0 || p->ptrig[i] > p->ptrig[best] ||
                (p->ptrig[i] == p->ptrig[best] && ci > (isnan(p->consec[best]) ? -1 : p->consec[best])))
                best = (long)i;
        }
        if (best < 0) break;
        pick[npick++] = (size_t)best;
    }
    if (npick == 0) goto err; /* no station with a P(trigger): no figure */
    REGIA_TRY(regia_fig_begin(&fig, (int)npick, 1200, 300 * (int)npick + 140, pr->caption));
    for (size_t a = 0; a < npick; a++) {
        const size_t i = pick[a];
        const double *y = p->daily + i * e->nday, *rf = p->runfc + i * nf;
        double top = p->trigger_days + 1;
        for (size_t d = 0; d < d1; d++) { /* from the first day: a run may begin before the window */
            run[d] = !isnan(y[d]) && y[d] > p->limit ? (d ? run[d - 1] : 0) + 1 : 0;
            if (d >= d0) top = fmax(top, run[d]);
        }
        for (size_t h = 0; h < nf; h++) top = fmax(top, isnan(rf[h]) ? 0 : rf[h]);
        if (a == 0)
            snprintf(title, sizeof title, "%s days in a row over %g %s from %s (P = P(trigger within %zu days)): %s (%s)",
                     p->label, p->limit, p->units, e->origin_s, nf, e->name[i], e->prov[i][0] ? e->prov[i] : "-");
        else
            snprintf(title, sizeof title, "%s (%s)", e->name[i], e->prov[i][0] ? e->prov[i] : "-");
        regia_axes_t ax = {.title = title, .xlabel = "date", .ylabel = "days in a row (1)", .x_is_date = 1,
                           .xmin = e->day[d0] - 0.5, .xmax = e->fday[nf - 1] + 0.5, .ymin = -0.3, .ymax = top * 1.15};
        REGIA_TRY(regia_fig_panel(fig, (int)a, &ax));
        snprintf(lab, sizeof lab, "trigger %d days: P = %.2f", p->trigger_days, p->ptrig[i]);
        REGIA_TRY(regia_fig_hline(fig, p->trigger_days, lab, REGIA_C_VERMILION, REGIA_LINE_DASHED));
        ep_steps(e->day + d0, run + d0, nd, sx, sy);
        REGIA_TRY(regia_fig_line(fig, sx, sy, 2 * nd, "observed", REGIA_C_BLACK, REGIA_LINE_SOLID));
        /* the forecast from the origin's level on: the observed run continued */
        sx[0] = e->origin + 0.5, sy[0] = run[d1 - 1];
        ep_steps(e->fday, rf, nf, sx + 1, sy + 1);
        REGIA_TRY(regia_fig_line(fig, sx, sy, 2 * nf + 1, "forecast (median of paths)", REGIA_C_BLUE,
                                 REGIA_LINE_SOLID));
        REGIA_TRY(regia_fig_vline(fig, e->origin + 0.5, "forecast origin", REGIA_C_GREY, REGIA_LINE_DOTTED));
    }
    snprintf(title, sizeof title, "%s: days over the daily limit in a row, observed and forecast, against the %d-day "
             "trigger, for the %zu stations most likely to reach it", p->label, p->trigger_days, npick);
    snprintf(lab, sizeof lab, "%s_consecutive_days", p->name);
    REGIA_TRY(ep_save(pr, fig, lab, title));
err:
    free(run);
    free(sx);
    free(sy);
    regia_fig_free(fig);
    return st;
}

/* How interesting a station x pollutant is: its risk first (P(breach), P(trigger), the
 * highest daily P(over)), then the expected exceedance days against the allowance. */
typedef struct {
    size_t i;
    int k;
    double score, tie;
} ep_item_t;

static int ep_item_cmp(const void *a, const void *b)
{
    const ep_item_t *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    if (x->tie != y->tie) return x->tie < y->tie ? 1 : -1;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    return x->k - y->k;
}

static regia_status_t ep_figures(const ep_t *e, regia_products_t *pr, int *n_items_out)
{
    regia_status_t st = REGIA_OK;
    const size_t n = e->ns * (size_t)e->np;
    ep_item_t *it = ep_alloc(n, sizeof *it);
    *n_items_out = 0;
    if (!it) return REGIA_FAIL(REGIA_ERR_NOMEM, "products: out of memory ranking the figures");
    for (size_t i = 0; i < e->ns; i++)
        for (int k = 0; k < e->np; k++) {
            const ep_pol_t *p = &e->pol[k];
            double s = -1;
            if (!isnan(p->pbr[i])) s = fmax(s, p->pbr[i]);
            if (!isnan(p->ptrig[i])) s = fmax(s, p->ptrig[i]);
            for (size_t h = 0; !isnan(p->limit) && h < e->nfd; h++)
                if (!isnan(p->pex[i * e->nfd + h])) s = fmax(s, p->pex[i * e->nfd + h]);
            double tie = -1;
            if (p->allowed > 0 && !isnan(p->exe[i])) tie = p->exe[i] / p->allowed;
            else if (!isnan(p->annual_limit) && !isnan(p->annual[i])) tie = p->annual[i] / p->annual_limit;
            it[i * (size_t)e->np + (size_t)k] = (ep_item_t){i, k, s, tie};
        }
    qsort(it, n, sizeof *it, ep_item_cmp);
    const size_t nfig = pr->max_figures < 0 ? 0 : (size_t)pr->max_figures < n ? (size_t)pr->max_figures : n;
    for (size_t a = 0; a < nfig; a++) REGIA_TRY(ep_fig_station(e, pr, it[a].i, &e->pol[it[a].k]));
    *n_items_out = (int)nfig;
    for (int k = 0; k < e->np; k++)
        if (!isnan(e->pol[k].limit)) REGIA_TRY(ep_fig_map(e, pr, &e->pol[k]));
    for (int k = 0; k < e->np; k++) REGIA_TRY(ep_fig_runs(e, pr, &e->pol[k]));
    REGIA_TRY(ep_fig_prov_risk(e, pr));
    REGIA_TRY(ep_fig_prov_daily(e, pr));
    if (nfig < n && nfig > 0)
        regia_info(pr->log, "products: figures of the %zu highest-risk of %zu station x pollutant series "
                   "([job] quicklook_max), first %s %s (risk %.2f)",
                   nfig, n, e->name[it[0].i], e->pol[it[0].k].label, it[0].score);
err:
    free(it);
    return st;
}

/* ---- the hook ----------------------------------------------------------------------------- */

/* Rank 0, no MPI (regia_products_t, drivers/domain.h): read p->nc_path and write the env
 * products into p->dir, registering each file with p->add.  An error names the file. */
regia_status_t regia_env_products(regia_products_t *pr);
regia_status_t regia_env_products(regia_products_t *pr)
{
    ep_t e;
    regia_status_t st = REGIA_OK;
    int at_risk = 0, nfig = 0;
    char path[4200];
    REGIA_TRY(ep_open(&e, pr->nc_path, ep_model_path(pr)));
    REGIA_TRY(ep_summary_csv(&e, pr, &at_risk));
    REGIA_TRY(ep_provinces_csv(&e, pr));
    ep_path(pr, "points.csv", path, sizeof path);
    REGIA_TRY(regia_points_csv(pr->nc_path, "station", path));
    REGIA_TRY(ep_add(pr, "points.csv", "points", "Stations as points (WKT, EPSG:4326) with every per-station variable"));
    REGIA_TRY(ep_add(pr, "points.csvt", "points-aux", "Column types of points.csv for GDAL"));
    REGIA_TRY(ep_add(pr, "points.prj", "points-aux", "Coordinate reference system of points.csv (WGS 84)"));
    REGIA_TRY(ep_figures(&e, pr, &nfig));
    regia_info(pr->log, "products: summary.csv (%zu rows, %d with P(breach) >= 0.5), provinces.csv "
               "(%zu provinces), points.csv, %d station figures%s",
               e.ns * (size_t)e.np, at_risk, e.npv_used, nfig,
               e.npv_used == 0 ? "; no provinces in the file: no provincial figures"
               : e.d_pv < 0    ? "; no provincial aggregates in the file: provincial means computed from the stations"
                               : "");
err:
    ep_free(&e);
    return st;
}
