/* forecast_products.c - the products of a `regia forecast` output (domain.h,
 * regia_products_t): summary.csv, one row per series (id, model, Box-Cox lambda, last
 * observation, the first and last forecast steps with their interval bounds, the backtest's
 * MASE and sMAPE when the run had one), and a figure per series for a sample of at most
 * p->max_figures series, the largest (mean absolute observed value) first: the recent
 * history, the forecast, its intervals and the forecast origin.  Reads only the closed
 * output (docs/forecast.md, "Products").  Not collective, no MPI.
 */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generic_products.h"
#include "regia/log.h"
#include "regia/timeutil.h"

enum { FC_MAX_L = 8, FC_HISTORY_MIN = 60 };

typedef struct {
    size_t N, T, L;
    char **id, **model;
    double *time, *obs, *fc, *lo, *up, *lev, *lam, *nobs, *mase, *smape;
    int dates_only;
} fcp_t;

static void fcp_free(fcp_t *d)
{
    free(d->id); free(d->model); free(d->time); free(d->obs); free(d->fc); free(d->lo); free(d->up);
    free(d->lev); free(d->lam); free(d->nobs); free(d->mase); free(d->smape);
}

static regia_status_t fcp_read(const char *path, fcp_t *d)
{
    regia_status_t st = REGIA_OK;
    int ncid = -1, gid;
    size_t n;
    REGIA_NC(nc_open(path, NC_NOWRITE, &ncid));
    REGIA_TRY(gp_dim(ncid, path, "series", &d->N));
    REGIA_TRY(gp_dim(ncid, path, "time", &d->T));
    REGIA_TRY(gp_dim(ncid, path, "interval", &d->L));
    if (d->L > FC_MAX_L) { st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %zu intervals, at most %d", path, d->L, FC_MAX_L); goto err; }
    REGIA_TRY(gp_read_text(ncid, path, "series_id", &n, &d->id));
    REGIA_TRY(gp_read(ncid, path, "time", "time", &d->time));
    REGIA_TRY(gp_read(ncid, path, "interval", "interval", &d->lev));
    REGIA_TRY(gp_read(ncid, path, "observed", "time series", &d->obs));
    REGIA_TRY(gp_read(ncid, path, "forecast", "time series", &d->fc));
    REGIA_TRY(gp_read(ncid, path, "lower", "time interval series", &d->lo));
    REGIA_TRY(gp_read(ncid, path, "upper", "time interval series", &d->up));
    REGIA_TRY(gp_read(ncid, path, "boxcox_lambda", "series", &d->lam));
    REGIA_TRY(gp_read(ncid, path, "n_obs", "series", &d->nobs));
    if (gp_has(ncid, "backtest_series_mase")) {
        REGIA_TRY(gp_read(ncid, path, "backtest_series_mase", "series", &d->mase));
        REGIA_TRY(gp_read(ncid, path, "backtest_series_smape", "series", &d->smape));
    }
    if (nc_inq_grp_ncid(ncid, "model", &gid) != NC_NOERR) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no group 'model': not an output of this version of regia forecast; "
                        "make it again", path);
        goto err;
    }
    REGIA_TRY(gp_read_text(gid, path, "model", &n, &d->model));
    d->dates_only = 1;
    for (size_t i = 0; i < d->T; i++) d->dates_only &= fmod(d->time[i], 86400.0) == 0;
err:
    if (ncid >= 0) nc_close(ncid);
    return st;
}

/* Value (time i, interval l, series k) of a (time, interval, series) array. */
#define AT3(a, i, l, k) (a)[((i) * d->L + (l)) * d->N + (k)]

static void fmt_time(const fcp_t *d, double t, char *buf, int cap)
{
    if (isnan(t)) { buf[0] = '\0'; return; }
    if (d->dates_only) regia_format_date((int64_t)floor(t / 86400.0), buf, cap);
    else regia_format_datetime((int64_t)t, buf, cap);
}

/* The first and last time index with a value of series k in a (time, series) array. */
static void span(const fcp_t *d, const double *a, size_t k, long *first, long *last)
{
    *first = *last = -1;
    for (size_t i = 0; i < d->T; i++)
        if (!isnan(a[i * d->N + k])) {
            if (*first < 0) *first = (long)i;
            *last = (long)i;
        }
}

static regia_status_t fcp_summary(regia_products_t *p, const fcp_t *d)
{
    regia_status_t st = REGIA_OK;
    regia_table_t *t = NULL;
    const char *cols[64];
    char names[2 * FC_MAX_L * 2][48], buf[64];
    int nc = 0, nn = 0;
    const char *fixed[] = {"series_id", "model", "n_obs", "boxcox_lambda", "last_observed_time", "last_observed",
                           "first_forecast_time", "forecast_first"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) cols[nc++] = fixed[i];
    for (int step = 0; step < 2; step++) {
        if (step) { cols[nc++] = "last_forecast_time"; cols[nc++] = "forecast_last"; }
        for (size_t l = 0; l < d->L; l++) {
            snprintf(names[nn], sizeof names[nn], "lo%g_%s", d->lev[l], step ? "last" : "first"); cols[nc++] = names[nn++];
            snprintf(names[nn], sizeof names[nn], "hi%g_%s", d->lev[l], step ? "last" : "first"); cols[nc++] = names[nn++];
        }
    }
    if (d->mase) { cols[nc++] = "backtest_mase"; cols[nc++] = "backtest_smape_percent"; }
    REGIA_TRY(gp_table_open(p, "summary.csv", cols, nc, &t));
    for (size_t k = 0; k < d->N; k++) {
        long o0, o1, f0, f1;
        span(d, d->obs, k, &o0, &o1);
        span(d, d->fc, k, &f0, &f1);
        regia_table_str(t, d->id[k]);
        regia_table_str(t, d->model[k]);
        regia_table_int(t, isnan(d->nobs[k]) ? 0 : (long long)d->nobs[k]);
        regia_table_num(t, d->lam[k], -1);
        fmt_time(d, o1 >= 0 ? d->time[o1] : NAN, buf, sizeof buf);
        regia_table_str(t, buf);
        regia_table_num(t, o1 >= 0 ? d->obs[(size_t)o1 * d->N + k] : NAN, -1);
        for (int step = 0; step < 2; step++) {
            long i = step ? f1 : f0;
            fmt_time(d, i >= 0 ? d->time[i] : NAN, buf, sizeof buf);
            regia_table_str(t, buf);
            regia_table_num(t, i >= 0 ? d->fc[(size_t)i * d->N + k] : NAN, -1);
            for (size_t l = 0; l < d->L; l++) {
                regia_table_num(t, i >= 0 ? AT3(d->lo, (size_t)i, l, k) : NAN, -1);
                regia_table_num(t, i >= 0 ? AT3(d->up, (size_t)i, l, k) : NAN, -1);
            }
        }
        if (d->mase) { regia_table_num(t, d->mase[k], 4); regia_table_num(t, d->smape[k], 3); }
        REGIA_TRY(regia_table_end_row(t));
    }
    st = gp_table_close(p, t, "summary.csv", "summary", "Forecast summary: one row per series");
    t = NULL;
err:
    regia_table_abort(t);
    return st;
}

/* The figure of series k: the last max(60, 4 H) observations, the intervals (widest
 * first), the forecast and the origin. */
static regia_status_t fcp_figure(regia_products_t *p, const fcp_t *d, size_t k, char *stem, size_t cap)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    long o0, o1, f0, f1;
    span(d, d->obs, k, &o0, &o1);
    span(d, d->fc, k, &f0, &f1);
    if (f0 < 0 || o1 < 0) return REGIA_OK;
    size_t H = 0;
    for (long i = f0; i <= f1; i++) H += !isnan(d->fc[(size_t)i * d->N + k]);
    /* the history: the last max(60, 4 H) grid times of the series with an observation slot */
    long from = o1, seen = 0, want = (long)(4 * H > FC_HISTORY_MIN ? 4 * H : FC_HISTORY_MIN);
    for (long i = o1; i >= o0 && seen < want; i--) {
        if (!isnan(d->obs[(size_t)i * d->N + k])) seen++;
        from = i;
    }
    size_t nh = (size_t)(o1 - from + 1), nf = (size_t)(f1 - f0 + 1);
    double *x = malloc(sizeof(double) * (nh + nf) * (3 + 2 * d->L));
    if (!x) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the figure of series '%s'", d->id[k]);
    double *y = x + nh + nf, *xf = y + nh, *yf = xf + nf, *lo = yf + nf, *hi = lo + nf * d->L;
    for (size_t j = 0; j < nh; j++) {
        x[j] = d->time[(size_t)from + j] / 86400.0;
        y[j] = d->obs[((size_t)from + j) * d->N + k];
    }
    size_t m = 0;
    for (long i = f0; i <= f1; i++) {
        if (isnan(d->fc[(size_t)i * d->N + k])) continue;
        xf[m] = d->time[i] / 86400.0;
        yf[m] = d->fc[(size_t)i * d->N + k];
        for (size_t l = 0; l < d->L; l++) {
            lo[l * nf + m] = AT3(d->lo, (size_t)i, l, k);
            hi[l * nf + m] = AT3(d->up, (size_t)i, l, k);
        }
        m++;
    }
    char title[512], lab[8][48];
    snprintf(title, sizeof title, "%s: ETS(%s) forecast, %zu steps, with prediction intervals", d->id[k],
             d->model[k][0] ? d->model[k] : "?", m);
    regia_axes_t ax = {.title = title, .xlabel = "date (UTC)", .ylabel = "value (units of the input series)",
                       .x_is_date = 1};
    REGIA_TRY(regia_fig_begin(&fig, 1, 0, 0, p->caption));
    REGIA_TRY(regia_fig_panel(fig, 0, &ax));
    /* widest interval first, so the narrower one is drawn over it */
    size_t ord[FC_MAX_L];
    for (size_t l = 0; l < d->L; l++) ord[l] = l;
    for (size_t a = 0; a < d->L; a++)
        for (size_t b = a + 1; b < d->L; b++)
            if (d->lev[ord[b]] > d->lev[ord[a]]) { size_t s = ord[a]; ord[a] = ord[b]; ord[b] = s; }
    for (size_t r = 0; r < d->L; r++) {
        size_t l = ord[r];
        snprintf(lab[r], sizeof lab[r], "%g %% prediction interval", d->lev[l]);
        REGIA_TRY(regia_fig_band(fig, xf, lo + l * nf, hi + l * nf, m, lab[r], REGIA_C_SKYBLUE,
                                 0.25 + 0.35 * (double)r / (double)(d->L > 1 ? d->L - 1 : 1)));
    }
    REGIA_TRY(regia_fig_line(fig, x, y, nh, "observed", REGIA_C_BLACK, REGIA_LINE_SOLID));
    REGIA_TRY(regia_fig_line(fig, xf, yf, m, "forecast (mean)", REGIA_C_VERMILION, REGIA_LINE_SOLID));
    REGIA_TRY(regia_fig_vline(fig, d->time[o1] / 86400.0, "forecast origin (last observation)", REGIA_C_GREY,
                              REGIA_LINE_DASHED));
    char slug[96], ftitle[600];
    regia_plot_slug(d->id[k], slug, sizeof slug);
    snprintf(stem, cap, "forecast_%s", slug);
    snprintf(ftitle, sizeof ftitle, "Forecast of series %s with prediction intervals", d->id[k]);
    REGIA_TRY(gp_fig_save(p, fig, stem, ftitle));
err:
    regia_fig_free(fig);
    free(x);
    return st;
}

regia_status_t fc_products(regia_products_t *p)
{
    regia_status_t st = REGIA_OK;
    fcp_t d = {0};
    size_t *ord = NULL;
    double *size = NULL;
    REGIA_TRY(fcp_read(p->nc_path, &d));
    REGIA_TRY(fcp_summary(p, &d));
    /* the sample: the largest series (mean absolute observed value) with a forecast */
    size = malloc(sizeof(double) * (d.N ? d.N : 1));
    if (!size) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    for (size_t k = 0; k < d.N; k++) {
        double s = 0, c = 0;
        int has_fc = 0;
        for (size_t i = 0; i < d.T; i++) {
            double v = d.obs[i * d.N + k];
            if (!isnan(v)) { s += fabs(v); c++; }
            has_fc |= !isnan(d.fc[i * d.N + k]);
        }
        size[k] = has_fc && c > 0 ? s / c : NAN;
    }
    REGIA_TRY(gp_order_desc(size, d.N, &ord));
    int drawn = 0;
    char stem[160];
    for (size_t r = 0; r < d.N && drawn < p->max_figures; r++) {
        if (isnan(size[ord[r]])) break;
        REGIA_TRY(fcp_figure(p, &d, ord[r], stem, sizeof stem));
        drawn++;
    }
    regia_info(p->log, "products: summary.csv (%zu series), %d forecast figure%s (the largest series first, at most "
               "%d)", d.N, drawn, drawn == 1 ? "" : "s", p->max_figures);
err:
    free(ord);
    free(size);
    fcp_free(&d);
    return st;
}
