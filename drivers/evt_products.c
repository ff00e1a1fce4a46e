/* evt_products.c - the products of a `regia evt` output (domain.h, regia_products_t):
 * summary.csv, one row per series (GEV location, scale, shape with standard errors, fit
 * status, blocks, and the return level with its interval at every return period), a
 * return-level plot for at most p->max_figures series, those with the highest return level
 * at the longest period first (the fitted curve over periods 1.1 .. 10 x the longest, its
 * delta-method band, the stored return levels, and the block maxima at their empirical
 * return periods (n + 1) / rank), and an overview of the return levels of the first series
 * of that order.  Reads only the closed output (docs/evt.md, "Products").  Not collective,
 * no MPI.
 */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generic_products.h"
#include "regia/gev.h"
#include "regia/log.h"

enum { EVT_CURVE = 120, EVT_OVERVIEW_MAX = 24, EVT_TICKS = 24 };

typedef struct {
    size_t N, P, B;          /* series, return periods, blocks (0: --block none)           */
    char **id;
    double *T, *rl, *rlo, *rhi, *par[3], *se[3], *cov[3], *nblk, *status, *bmax, *first; /* first: N x 2 (first, last block start) */
    double *cav;             /* N x P return_level_caveat (NULL: an output before it)      */
    double level;            /* interval level, percent                                    */
    char units[64], per[64], block[32];
} evp_t;

static void evp_free(evp_t *d)
{
    free(d->id); free(d->T); free(d->rl); free(d->rlo); free(d->rhi); free(d->nblk); free(d->status);
    free(d->bmax); free(d->first); free(d->cav);
    for (int i = 0; i < 3; i++) { free(d->par[i]); free(d->se[i]); free(d->cov[i]); }
}

static regia_status_t evp_read(const char *path, evp_t *d)
{
    regia_status_t st = REGIA_OK;
    int ncid = -1, vid;
    size_t n;
    static const char *const pn[3] = {"location", "scale", "shape"};
    static const char *const sn[3] = {"location_se", "scale_se", "shape_se"};
    static const char *const cn[3] = {"location_scale_covariance", "location_shape_covariance", "scale_shape_covariance"};
    REGIA_NC(nc_open(path, NC_NOWRITE, &ncid));
    REGIA_TRY(gp_dim(ncid, path, "series", &d->N));
    REGIA_TRY(gp_dim(ncid, path, "return_period", &d->P));
    REGIA_TRY(gp_read_text(ncid, path, "series_id", &n, &d->id));
    REGIA_TRY(gp_read(ncid, path, "return_period", "return_period", &d->T));
    REGIA_TRY(gp_read_item_first(ncid, path, "return_level", "return_period series", &d->rl));
    REGIA_TRY(gp_read_item_first(ncid, path, "return_level_lower", "return_period series", &d->rlo));
    REGIA_TRY(gp_read_item_first(ncid, path, "return_level_upper", "return_period series", &d->rhi));
    for (int i = 0; i < 3; i++) {
        REGIA_TRY(gp_read(ncid, path, pn[i], "series", &d->par[i]));
        REGIA_TRY(gp_read(ncid, path, sn[i], "series", &d->se[i]));
        REGIA_TRY(gp_read(ncid, path, cn[i], "series", &d->cov[i]));
    }
    REGIA_TRY(gp_read(ncid, path, "n_blocks", "series", &d->nblk));
    REGIA_TRY(gp_read(ncid, path, "fit_status", "series", &d->status));
    REGIA_TRY(gp_read_item_first(ncid, path, "block_start", "first_last series", &d->first)); /* N x 2 */
    if (gp_has(ncid, "return_level_caveat"))
        REGIA_TRY(gp_read_item_first(ncid, path, "return_level_caveat", "return_period series", &d->cav));
    if (gp_has(ncid, "block_maximum")) {
        REGIA_TRY(gp_dim(ncid, path, "time", &d->B));
        REGIA_TRY(gp_read_item_first(ncid, path, "block_maximum", "time series", &d->bmax));
    }
    d->level = 95;
    if (nc_get_att_double(ncid, NC_GLOBAL, "evt_interval_level_percent", &d->level) != NC_NOERR) d->level = 95;
    REGIA_NC(nc_inq_varid(ncid, "return_level", &vid));
    gp_att_text(ncid, vid, "units", d->units, sizeof d->units);
    REGIA_NC(nc_inq_varid(ncid, "return_period", &vid));
    gp_att_text(ncid, vid, "units", d->per, sizeof d->per);
    gp_att_text(ncid, NC_GLOBAL, "evt_block", d->block, sizeof d->block);
    if (!strcmp(d->per, "1")) snprintf(d->per, sizeof d->per, "block"); /* --block none: T in blocks (values) */
err:
    if (ncid >= 0) nc_close(ncid);
    return st;
}

/* The fit of series k as regia_gev_return_level takes it. */
static regia_gev_fit_t evp_fit(const evp_t *d, size_t k)
{
    regia_gev_fit_t f = {0};
    for (int i = 0; i < 3; i++) { f.par[i] = d->par[i][k]; f.se[i] = d->se[i][k]; f.cov[4 * i] = f.se[i] * f.se[i]; }
    f.cov[1] = f.cov[3] = d->cov[0][k];
    f.cov[2] = f.cov[6] = d->cov[1][k];
    f.cov[5] = f.cov[7] = d->cov[2][k];
    f.status = (int32_t)d->status[k];
    f.n = (int32_t)d->nblk[k];
    return f;
}

static regia_status_t evp_summary(regia_products_t *p, const evp_t *d)
{
    regia_status_t st = REGIA_OK;
    regia_table_t *t = NULL;
    enum { MAXP = 32 };
    const char *cols[16 + 4 * MAXP];
    char names[4 * MAXP][48];
    int nc = 0;
    const char *fixed[] = {"series_id", "fit_status", "n_blocks", "first_block", "last_block", "location",
                           "location_se", "scale", "scale_se", "shape", "shape_se"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) cols[nc++] = fixed[i];
    size_t P = d->P < MAXP ? d->P : MAXP;
    for (size_t j = 0; j < P; j++) {
        snprintf(names[3 * j], 48, "return_level_%g", d->T[j]);
        snprintf(names[3 * j + 1], 48, "lower%g_%g", d->level, d->T[j]);
        snprintf(names[3 * j + 2], 48, "upper%g_%g", d->level, d->T[j]);
        for (int c = 0; c < 3; c++) cols[nc++] = names[3 * j + c];
    }
    cols[nc++] = "units";
    for (size_t j = 0; d->cav && j < P; j++) { /* after units: the columns before keep their places */
        snprintf(names[3 * P + j], 48, "caveat_%g", d->T[j]);
        cols[nc++] = names[3 * P + j];
    }
    REGIA_TRY(gp_table_open(p, "summary.csv", cols, nc, &t));
    for (size_t k = 0; k < d->N; k++) {
        regia_table_str(t, d->id[k]);
        regia_table_str(t, regia_gev_status_name((int)d->status[k]));
        regia_table_int(t, isnan(d->nblk[k]) ? 0 : (long long)d->nblk[k]);
        regia_table_date(t, floor(d->first[2 * k] / 86400.0));
        regia_table_date(t, floor(d->first[2 * k + 1] / 86400.0));
        for (int i = 0; i < 3; i++) { regia_table_num(t, d->par[i][k], -1); regia_table_num(t, d->se[i][k], -1); }
        for (size_t j = 0; j < P; j++) {
            regia_table_num(t, d->rl[k * d->P + j], -1);
            regia_table_num(t, d->rlo[k * d->P + j], -1);
            regia_table_num(t, d->rhi[k * d->P + j], -1);
        }
        regia_table_str(t, d->units);
        for (size_t j = 0; d->cav && j < P; j++) {
            const double c = d->cav[k * d->P + j];
            const int b = isfinite(c) ? (int)c : 0;
            regia_table_str(t, b == 3 ? "extrapolated lower_end_below_zero" : b == 1 ? "extrapolated"
                               : b == 2 ? "lower_end_below_zero" : "");
        }
        REGIA_TRY(regia_table_end_row(t));
    }
    st = gp_table_close(p, t, "summary.csv", "summary", "GEV fits and return levels: one row per series");
    t = NULL;
err:
    regia_table_abort(t);
    return st;
}

static int cmp_desc_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* The return-level plot of series k: x = log10(return period). */
static regia_status_t evp_figure(regia_products_t *p, const evp_t *d, size_t k)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    const regia_gev_fit_t fit = evp_fit(d, k);
    const double tmax = 10 * d->T[d->P - 1], lvl = d->level / 100;
    double x[EVT_CURVE], z[EVT_CURVE], lo[EVT_CURVE], hi[EVT_CURVE], xs[64], zs[64];
    double *bx = NULL, *by = NULL;
    for (int i = 0; i < EVT_CURVE; i++) {
        double T = pow(10, log10(1.1) + (log10(tmax) - log10(1.1)) * i / (EVT_CURVE - 1));
        x[i] = log10(T);
        z[i] = regia_gev_return_level(&fit, T, lvl, NULL, &lo[i], &hi[i]);
    }
    size_t np = 0;
    for (size_t j = 0; j < d->P && np < 64; j++)
        if (!isnan(d->rl[k * d->P + j])) { xs[np] = log10(d->T[j]); zs[np] = d->rl[k * d->P + j]; np++; }
    size_t nb = 0;
    if (d->bmax) {
        bx = malloc(sizeof(double) * (d->B + 1));
        by = malloc(sizeof(double) * (d->B + 1));
        if (!bx || !by) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the figure of '%s'", d->id[k]); goto err; }
        for (size_t b = 0; b < d->B; b++)
            if (!isnan(d->bmax[k * d->B + b])) by[nb++] = d->bmax[k * d->B + b];
        qsort(by, nb, sizeof *by, cmp_desc_d);
        for (size_t r = 0; r < nb; r++) bx[r] = log10((double)(nb + 1) / (double)(r + 1)); /* Weibull positions */
    }
    char title[400], xl[160], yl[160], band[64], pts[96], stem[128], slug[96], ftitle[400];
    snprintf(title, sizeof title, "%s: GEV return levels (mu %.3g, sigma %.3g, xi %.3g)", d->id[k], fit.par[0],
             fit.par[1], fit.par[2]);
    snprintf(xl, sizeof xl, "return period (%ss, logarithmic scale)", d->per);
    snprintf(yl, sizeof yl, "return level (%s)", d->units[0] ? d->units : "units of the input");
    snprintf(band, sizeof band, "%g %% delta-method interval", d->level);
    snprintf(pts, sizeof pts, "%s maxima at (n + 1) / rank", d->block[0] && strcmp(d->block, "none") ? d->block : "block");
    regia_axes_t ax = {.title = title, .xlabel = xl, .ylabel = yl};
    REGIA_TRY(regia_fig_begin(&fig, 1, 0, 0, p->caption));
    REGIA_TRY(regia_fig_panel(fig, 0, &ax));
    {   /* the return periods themselves under the axis (1, 2, 5, 10, 20, 50 ...), not their log10 */
        double tx[EVT_TICKS];
        char tl[EVT_TICKS][24];
        const char *tp[EVT_TICKS];
        size_t nt = 0;
        for (double dec = 1; dec <= tmax && nt + 3 <= EVT_TICKS; dec *= 10)
            for (int m = 0; m < 3; m++) {
                const double T = dec * (m == 0 ? 1 : m == 1 ? 2 : 5);
                if (T > tmax) break;
                tx[nt] = log10(T);
                snprintf(tl[nt], sizeof tl[nt], "%g", T);
                tp[nt] = tl[nt];
                nt++;
            }
        REGIA_TRY(regia_fig_xticks(fig, tx, tp, nt));
    }
    REGIA_TRY(regia_fig_band(fig, x, lo, hi, EVT_CURVE, band, REGIA_C_SKYBLUE, 0.4));
    REGIA_TRY(regia_fig_line(fig, x, z, EVT_CURVE, "fitted GEV return level", REGIA_C_BLUE, REGIA_LINE_SOLID));
    if (nb) REGIA_TRY(regia_fig_points(fig, bx, by, nb, pts, REGIA_C_BLACK));
    if (np) REGIA_TRY(regia_fig_points(fig, xs, zs, np, "return levels in the output", REGIA_C_VERMILION));
    regia_plot_slug(d->id[k], slug, sizeof slug);
    snprintf(stem, sizeof stem, "return_levels_%s", slug);
    snprintf(ftitle, sizeof ftitle, "Return-level plot of series %s", d->id[k]);
    REGIA_TRY(gp_fig_save(p, fig, stem, ftitle));
err:
    regia_fig_free(fig);
    free(bx);
    free(by);
    return st;
}

/* Overview: the return level at the longest period with its interval, for the first n
 * series of ord (bars with the series names). */
static regia_status_t evp_overview(regia_products_t *p, const evp_t *d, const size_t *ord, size_t n)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    const size_t j = d->P - 1;
    double x[EVT_OVERVIEW_MAX], y[EVT_OVERVIEW_MAX], xx[2], yy[2];
    char title[300], yl[160], lab[128];
    snprintf(title, sizeof title, "%g-%s return level by series (highest first), with the %g %% interval", d->T[j],
             d->per, d->level);
    snprintf(yl, sizeof yl, "return level (%s)", d->units[0] ? d->units : "units of the input");
    regia_axes_t ax = {.title = title, .xlabel = "series (highest return level first)", .ylabel = yl, .xmin = 0.3,
                       .xmax = (double)n + 0.7};
    const char *names[EVT_OVERVIEW_MAX];
    REGIA_TRY(regia_fig_begin(&fig, 1, 0, 0, p->caption));
    REGIA_TRY(regia_fig_panel(fig, 0, &ax));
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)i + 1;
        y[i] = d->rl[ord[i] * d->P + j];
        names[i] = d->id[ord[i]];
    }
    REGIA_TRY(regia_fig_xticks(fig, x, names, n)); /* the names under their bars */
    snprintf(lab, sizeof lab, "%g-%s return level", d->T[j], d->per);
    REGIA_TRY(regia_fig_bars(fig, x, y, n, 0.6, lab, REGIA_C_SKYBLUE));
    for (size_t i = 0; i < n; i++) {
        xx[0] = xx[1] = x[i];
        yy[0] = d->rlo[ord[i] * d->P + j];
        yy[1] = d->rhi[ord[i] * d->P + j];
        REGIA_TRY(regia_fig_line(fig, xx, yy, 2, i ? NULL : "interval", REGIA_C_BLACK, REGIA_LINE_SOLID));
    }
    REGIA_TRY(gp_fig_save(p, fig, "return_levels_overview", "Return levels of the series, highest first"));
err:
    regia_fig_free(fig);
    return st;
}

regia_status_t evt_products(regia_products_t *p)
{
    regia_status_t st = REGIA_OK;
    evp_t d = {0};
    size_t *ord = NULL;
    double *key = NULL;
    REGIA_TRY(evp_read(p->nc_path, &d));
    REGIA_TRY(evp_summary(p, &d));
    if (d.P == 0 || d.N == 0) goto err;
    key = malloc(sizeof(double) * d.N);
    if (!key) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    for (size_t k = 0; k < d.N; k++) key[k] = d.rl[k * d.P + d.P - 1];
    REGIA_TRY(gp_order_desc(key, d.N, &ord));
    size_t fitted = 0;
    while (fitted < d.N && !isnan(key[ord[fitted]])) fitted++;
    int drawn = 0;
    for (size_t r = 0; r < fitted && drawn < p->max_figures; r++, drawn++) REGIA_TRY(evp_figure(p, &d, ord[r]));
    if (fitted) REGIA_TRY(evp_overview(p, &d, ord, fitted < EVT_OVERVIEW_MAX ? fitted : EVT_OVERVIEW_MAX));
    regia_info(p->log, "products: summary.csv (%zu series), %d return-level figure%s (highest %g-%s return level "
               "first, at most %d) and the overview", d.N, drawn, drawn == 1 ? "" : "s", d.T[d.P - 1], d.per,
               p->max_figures);
err:
    free(ord);
    free(key);
    evp_free(&d);
    return st;
}
