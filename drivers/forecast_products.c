/* forecast_products.c - the products of a `regia forecast` output (domain.h,
 * regia_products_t): summary.csv, one row per series (id, model, Box-Cox lambda, last
 * observation, the first and last forecast steps with their interval bounds, the backtest's
 * MASE and sMAPE when the run had one), and a figure per series for a sample of at most
 * p->max_figures series, the largest (mean absolute observed value) first: the recent
 * history, the forecast, its intervals and the forecast origin.  Reads only the closed
 * output and its model file (p->extra_path of role "model") (docs/forecast.md, "Products"), its (time, series) arrays in blocks of series of
 * about 4 Mi values, so the memory does not grow with the file.  Not collective, no MPI.
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
#ifndef FCP_BLOCK_CELLS
#define FCP_BLOCK_CELLS (1u << 22) /* values per block read (a smaller one: tests of the blocking) */
#endif

typedef struct {
    const char *path;
    int ncid, v_obs, v_fc, v_lo, v_up;
    size_t N, T, L;
    char **id, **model;
    double *time, *lev, *lam, *nobs, *mase, *smape;
    int dates_only;
    /* the block of series [k0, k0 + nk) read last: (time, [interval,] column) arrays */
    size_t k0, nk;
    double *obs, *fc, *lo, *up;
} fcp_t;

static void fcp_free(fcp_t *d)
{
    if (d->ncid >= 0) nc_close(d->ncid);
    free(d->id); free(d->model); free(d->time); free(d->lev); free(d->lam); free(d->nobs); free(d->mase);
    free(d->smape); free(d->obs); free(d->fc); free(d->lo); free(d->up);
}

/* The model file of the run (extra output of role "model"), or NULL. */
static const char *model_path(const regia_products_t *p)
{
    for (int i = 0; i < p->n_extra; i++)
        if (p->extra_role[i] && !strcmp(p->extra_role[i], "model")) return p->extra_path[i];
    return NULL;
}

static regia_status_t fcp_open(const char *path, const char *mpath, fcp_t *d)
{
    regia_status_t st = REGIA_OK;
    int mid = -1;
    size_t n;
    d->path = path;
    REGIA_NC(nc_open(path, NC_NOWRITE, &d->ncid));
    const int ncid = d->ncid;
    REGIA_TRY(gp_dim(ncid, path, "series", &d->N));
    REGIA_TRY(gp_dim(ncid, path, "time", &d->T));
    REGIA_TRY(gp_dim(ncid, path, "interval", &d->L));
    if (d->L > FC_MAX_L) { st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %zu intervals, at most %d", path, d->L, FC_MAX_L); goto err; }
    REGIA_TRY(gp_read_text(ncid, path, "series_id", &n, &d->id));
    REGIA_TRY(gp_read(ncid, path, "time", "time", &d->time));
    REGIA_TRY(gp_read(ncid, path, "interval", "interval", &d->lev));
    REGIA_TRY(gp_var(ncid, path, "observed", "time series", &d->v_obs));
    REGIA_TRY(gp_var(ncid, path, "forecast", "time series", &d->v_fc));
    REGIA_TRY(gp_var(ncid, path, "lower", "time interval series", &d->v_lo));
    REGIA_TRY(gp_var(ncid, path, "upper", "time interval series", &d->v_up));
    REGIA_TRY(gp_read(ncid, path, "boxcox_lambda", "series", &d->lam));
    REGIA_TRY(gp_read(ncid, path, "n_obs", "series", &d->nobs));
    if (gp_has(ncid, "backtest_series_mase")) {
        REGIA_TRY(gp_read(ncid, path, "backtest_series_mase", "series", &d->mase));
        REGIA_TRY(gp_read(ncid, path, "backtest_series_smape", "series", &d->smape));
    }
    if (!mpath) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no model file (the run's extra output of role \"model\", "
                        "OUT_STEM.model.nc) among the products' inputs; make the output again", path);
        goto err;
    }
    if (nc_open(mpath, NC_NOWRITE, &mid) != NC_NOERR) {
        mid = -1;
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open the model file of %s", mpath, path);
        goto err;
    }
    REGIA_TRY(gp_read_text(mid, mpath, "model", &n, &d->model));
    if (n != d->N) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %zu series, its output %s %zu: not the model file of this output",
                        mpath, n, path, d->N);
        goto err;
    }
    d->dates_only = 1;
    for (size_t i = 0; i < d->T; i++) d->dates_only &= fmod(d->time[i], 86400.0) == 0;
err:
    if (mid >= 0) nc_close(mid);
    return st;
}

/* Series per block: about 4 Mi values of the widest array (lower, upper: T x L). */
static size_t fcp_block(const fcp_t *d)
{
    const size_t cells = d->T * (d->L ? d->L : 1);
    return cells >= FCP_BLOCK_CELLS ? 1 : FCP_BLOCK_CELLS / (cells ? cells : 1);
}

/* Read series [k0, k0 + nk) of the four (time, ...) arrays (NaN: their _FillValue). */
static regia_status_t fcp_read_block(fcp_t *d, size_t k0, size_t nk)
{
    regia_status_t st = REGIA_OK;
    const size_t T = d->T, L = d->L;
    if (!d->obs) {
        const size_t B = fcp_block(d) < d->N ? fcp_block(d) : (d->N ? d->N : 1);
        d->obs = malloc(sizeof(double) * (T * B + 1));
        d->fc = malloc(sizeof(double) * (T * B + 1));
        d->lo = malloc(sizeof(double) * (T * L * B + 1));
        d->up = malloc(sizeof(double) * (T * L * B + 1));
        if (!d->obs || !d->fc || !d->lo || !d->up)
            return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for %zu series x %zu times", d->path, B, T);
    }
    size_t s2[2] = {0, k0}, c2[2] = {T, nk}, s3[3] = {0, 0, k0}, c3[3] = {T, L, nk};
    if (T && nk) {
        REGIA_NC(nc_get_vara_double(d->ncid, d->v_obs, s2, c2, d->obs));
        REGIA_NC(nc_get_vara_double(d->ncid, d->v_fc, s2, c2, d->fc));
        if (L) {
            REGIA_NC(nc_get_vara_double(d->ncid, d->v_lo, s3, c3, d->lo));
            REGIA_NC(nc_get_vara_double(d->ncid, d->v_up, s3, c3, d->up));
        }
    }
    d->k0 = k0;
    d->nk = nk;
err:
    if (st) regia_error_prefix("%s: reading series %zu..%zu: ", d->path, k0, k0 + nk);
    return st;
}

/* Values of series k (in the block read last) at time index i. */
#define OBS(d, i, k) (d)->obs[(i) * (d)->nk + (k) - (d)->k0]
#define FC(d, i, k) (d)->fc[(i) * (d)->nk + (k) - (d)->k0]
#define LO(d, i, l, k) (d)->lo[((i) * (d)->L + (l)) * (d)->nk + (k) - (d)->k0]
#define UP(d, i, l, k) (d)->up[((i) * (d)->L + (l)) * (d)->nk + (k) - (d)->k0]

static void fmt_time(const fcp_t *d, double t, char *buf, int cap)
{
    if (isnan(t)) { buf[0] = '\0'; return; }
    if (d->dates_only) regia_format_date((int64_t)floor(t / 86400.0), buf, cap);
    else regia_format_datetime((int64_t)t, buf, cap);
}

/* The first and last time index with an observation (obs = 1) or forecast of series k. */
static void span(const fcp_t *d, int obs, size_t k, long *first, long *last)
{
    *first = *last = -1;
    for (size_t i = 0; i < d->T; i++)
        if (!isnan(obs ? OBS(d, i, k) : FC(d, i, k))) {
            if (*first < 0) *first = (long)i;
            *last = (long)i;
        }
}

/* One summary row of series k (in the block read last). */
static void fcp_row(regia_table_t *t, const fcp_t *d, size_t k)
{
    char buf[64];
    long o0, o1, f0, f1;
    span(d, 1, k, &o0, &o1);
    span(d, 0, k, &f0, &f1);
    regia_table_str(t, d->id[k]);
    regia_table_str(t, d->model[k]);
    regia_table_int(t, isnan(d->nobs[k]) ? 0 : (long long)d->nobs[k]);
    regia_table_num(t, d->lam[k], -1);
    fmt_time(d, o1 >= 0 ? d->time[o1] : NAN, buf, sizeof buf);
    regia_table_str(t, buf);
    regia_table_num(t, o1 >= 0 ? OBS(d, (size_t)o1, k) : NAN, -1);
    for (int step = 0; step < 2; step++) {
        long i = step ? f1 : f0;
        fmt_time(d, i >= 0 ? d->time[i] : NAN, buf, sizeof buf);
        regia_table_str(t, buf);
        regia_table_num(t, i >= 0 ? FC(d, (size_t)i, k) : NAN, -1);
        for (size_t l = 0; l < d->L; l++) {
            regia_table_num(t, i >= 0 ? LO(d, (size_t)i, l, k) : NAN, -1);
            regia_table_num(t, i >= 0 ? UP(d, (size_t)i, l, k) : NAN, -1);
        }
    }
    if (d->mase) { regia_table_num(t, d->mase[k], 4); regia_table_num(t, d->smape[k], 3); }
}

/* summary.csv, and size[k]: the mean absolute observed value of each series with a
 * forecast (NaN: none), read block by block. */
static regia_status_t fcp_summary(regia_products_t *p, fcp_t *d, double *size)
{
    regia_status_t st = REGIA_OK;
    regia_table_t *t = NULL;
    const char *cols[64];
    char names[2 * FC_MAX_L * 2][48];
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
    const size_t B = fcp_block(d);
    for (size_t k0 = 0; k0 < d->N; k0 += B) {
        const size_t nk = d->N - k0 < B ? d->N - k0 : B;
        REGIA_TRY(fcp_read_block(d, k0, nk));
        for (size_t k = k0; k < k0 + nk; k++) {
            double s = 0, c = 0;
            int has_fc = 0;
            for (size_t i = 0; i < d->T; i++) {
                if (!isnan(OBS(d, i, k))) { s += fabs(OBS(d, i, k)); c++; }
                has_fc |= !isnan(FC(d, i, k));
            }
            size[k] = has_fc && c > 0 ? s / c : NAN;
            fcp_row(t, d, k);
            REGIA_TRY(regia_table_end_row(t));
        }
    }
    st = gp_table_close(p, t, "summary.csv", "summary", "Forecast summary: one row per series");
    t = NULL;
err:
    regia_table_abort(t);
    return st;
}

/* The figure of series k: the last max(60, 4 H) observations, the intervals (widest
 * first), the forecast and the origin. */
static regia_status_t fcp_figure(regia_products_t *p, fcp_t *d, size_t k)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    double *x = NULL;
    long o0, o1, f0, f1;
    REGIA_TRY(fcp_read_block(d, k, 1));
    span(d, 1, k, &o0, &o1);
    span(d, 0, k, &f0, &f1);
    if (f0 < 0 || o1 < 0) goto err;
    size_t H = 0;
    for (long i = f0; i <= f1; i++) H += !isnan(FC(d, (size_t)i, k));
    /* the history: back from the last observation to the max(60, 4 H)-th observation */
    long from = o1, seen = 0, want = (long)(4 * H > FC_HISTORY_MIN ? 4 * H : FC_HISTORY_MIN);
    for (long i = o1; i >= o0 && seen < want; i--) {
        if (!isnan(OBS(d, (size_t)i, k))) seen++;
        from = i;
    }
    size_t nh = (size_t)(o1 - from + 1), nf = (size_t)(f1 - f0 + 1);
    x = malloc(sizeof(double) * (nh + nf) * (3 + 2 * d->L));
    if (!x) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the figure of series '%s'", d->id[k]); goto err; }
    double *y = x + nh + nf, *xf = y + nh, *yf = xf + nf, *lo = yf + nf, *hi = lo + nf * d->L;
    for (size_t j = 0; j < nh; j++) {
        x[j] = d->time[(size_t)from + j] / 86400.0;
        y[j] = OBS(d, (size_t)from + j, k);
    }
    size_t m = 0;
    for (long i = f0; i <= f1; i++) {
        if (isnan(FC(d, (size_t)i, k))) continue;
        xf[m] = d->time[i] / 86400.0;
        yf[m] = FC(d, (size_t)i, k);
        for (size_t l = 0; l < d->L; l++) {
            lo[l * nf + m] = LO(d, (size_t)i, l, k);
            hi[l * nf + m] = UP(d, (size_t)i, l, k);
        }
        m++;
    }
    char title[512], lab[FC_MAX_L][48];
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
    char slug[96], stem[128], ftitle[600];
    regia_plot_slug(d->id[k], slug, sizeof slug);
    snprintf(stem, sizeof stem, "forecast_%s", slug);
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
    fcp_t d = {.ncid = -1};
    size_t *ord = NULL;
    double *size = NULL;
    REGIA_TRY(fcp_open(p->nc_path, model_path(p), &d));
    size = malloc(sizeof(double) * (d.N ? d.N : 1));
    if (!size) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %zu series", d.N); goto err; }
    REGIA_TRY(fcp_summary(p, &d, size));
    /* the sample: the largest series (mean absolute observed value) with a forecast */
    REGIA_TRY(gp_order_desc(size, d.N, &ord));
    int drawn = 0;
    for (size_t r = 0; r < d.N && drawn < p->max_figures; r++) {
        if (isnan(size[ord[r]])) break;
        REGIA_TRY(fcp_figure(p, &d, ord[r]));
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
