/* queue_products.c - the products of a `regia queue` output (domain.h, regia_products_t):
 * summary.csv, one row per priority class (name, rank, arrival rate, service, customers,
 * mean wait with its Monte Carlo standard error, P(W > 0), P(W > t) at every threshold and
 * the waiting-time quantiles), and the risk figure: P(W > t) against t per class with its
 * 95 % Monte Carlo band (top), and the waiting-time quantiles against their probability
 * with their bands (bottom).  Reads only the closed output (docs/queue.md, "Products").
 * Not collective, no MPI.
 */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generic_products.h"
#include "regia/log.h"

enum { QP_MAX_COL = 96 };

typedef struct {
    size_t K, Q, T;
    char **name;
    double *rank, *rate, *smean, *scv, *cust, *unserved, *wmean, *wmean_se, *wsd, *pw, *pw_se;
    double *thr, *pgt, *pgt_se, *qp, *wq, *wq_se;
    char unit[32], disc[64];
} qp_t;

static void qp_free(qp_t *d)
{
    free(d->name); free(d->rank); free(d->rate); free(d->smean); free(d->scv); free(d->cust); free(d->unserved);
    free(d->wmean); free(d->wmean_se); free(d->wsd); free(d->pw); free(d->pw_se); free(d->thr); free(d->pgt);
    free(d->pgt_se); free(d->qp); free(d->wq); free(d->wq_se);
}

static regia_status_t qp_read(const char *path, qp_t *d)
{
    regia_status_t st = REGIA_OK;
    int ncid = -1;
    size_t n;
    REGIA_NC(nc_open(path, NC_NOWRITE, &ncid));
    REGIA_TRY(gp_dim(ncid, path, "class", &d->K));
    REGIA_TRY(gp_read_text(ncid, path, "class_name", &n, &d->name));
    REGIA_TRY(gp_read(ncid, path, "class", "class", &d->rank));
    REGIA_TRY(gp_read(ncid, path, "arrival_rate", "class", &d->rate));
    REGIA_TRY(gp_read(ncid, path, "service_mean", "class", &d->smean));
    REGIA_TRY(gp_read(ncid, path, "service_cv", "class", &d->scv));
    REGIA_TRY(gp_read(ncid, path, "customers", "class", &d->cust));
    REGIA_TRY(gp_read(ncid, path, "unserved", "class", &d->unserved));
    REGIA_TRY(gp_read(ncid, path, "wait_mean", "class", &d->wmean));
    REGIA_TRY(gp_read(ncid, path, "wait_mean_se", "class", &d->wmean_se));
    REGIA_TRY(gp_read(ncid, path, "wait_sd", "class", &d->wsd));
    REGIA_TRY(gp_read(ncid, path, "p_wait", "class", &d->pw));
    REGIA_TRY(gp_read(ncid, path, "p_wait_se", "class", &d->pw_se));
    if (gp_has(ncid, "threshold")) {
        REGIA_TRY(gp_dim(ncid, path, "threshold", &d->T));
        REGIA_TRY(gp_read(ncid, path, "threshold", "threshold", &d->thr));
        REGIA_TRY(gp_read_item_first(ncid, path, "p_wait_gt", "threshold class", &d->pgt));
        REGIA_TRY(gp_read_item_first(ncid, path, "p_wait_gt_se", "threshold class", &d->pgt_se));
    }
    if (gp_has(ncid, "quantile")) {
        REGIA_TRY(gp_dim(ncid, path, "quantile", &d->Q));
        REGIA_TRY(gp_read(ncid, path, "quantile", "quantile", &d->qp));
        REGIA_TRY(gp_read_item_first(ncid, path, "wait_quantile", "quantile class", &d->wq));
        REGIA_TRY(gp_read_item_first(ncid, path, "wait_quantile_se", "quantile class", &d->wq_se));
    }
    gp_att_text(ncid, NC_GLOBAL, "queue_time_unit", d->unit, sizeof d->unit);
    gp_att_text(ncid, NC_GLOBAL, "queue_discipline", d->disc, sizeof d->disc);
err:
    if (ncid >= 0) nc_close(ncid);
    return st;
}

static regia_status_t qp_summary(regia_products_t *p, const qp_t *d)
{
    regia_status_t st = REGIA_OK;
    regia_table_t *t = NULL;
    const char *cols[QP_MAX_COL];
    char names[QP_MAX_COL][48];
    int nc = 0, nn = 0;
    const char *fixed[] = {"class_name", "priority_rank", "arrival_rate", "service_mean", "service_cv", "customers",
                           "unserved", "wait_mean", "wait_mean_se", "wait_sd", "p_wait", "p_wait_se"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) cols[nc++] = fixed[i];
    if (d->T > 15 || d->Q > 16)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %zu thresholds and %zu quantiles: at most 15 and 16", p->nc_path, d->T,
                          d->Q);
    for (size_t j = 0; j < d->T; j++) {
        snprintf(names[nn], 48, "p_wait_gt_%g", d->thr[j]); cols[nc++] = names[nn++];
        snprintf(names[nn], 48, "p_wait_gt_%g_se", d->thr[j]); cols[nc++] = names[nn++];
    }
    for (size_t j = 0; j < d->Q; j++) {
        snprintf(names[nn], 48, "wait_q%g", 100 * d->qp[j]); cols[nc++] = names[nn++];
        snprintf(names[nn], 48, "wait_q%g_se", 100 * d->qp[j]); cols[nc++] = names[nn++];
    }
    cols[nc++] = "time_unit";
    REGIA_TRY(gp_table_open(p, "summary.csv", cols, nc, &t));
    for (size_t k = 0; k < d->K; k++) {
        regia_table_str(t, d->name[k]);
        regia_table_int(t, (long long)d->rank[k]);
        regia_table_num(t, d->rate[k], -1);
        regia_table_num(t, d->smean[k], -1);
        regia_table_num(t, d->scv[k], -1);
        regia_table_int(t, (long long)d->cust[k]);
        regia_table_int(t, (long long)d->unserved[k]);
        const double v[] = {d->wmean[k], d->wmean_se[k], d->wsd[k], d->pw[k], d->pw_se[k]};
        for (size_t i = 0; i < sizeof v / sizeof *v; i++) regia_table_num(t, v[i], -1);
        for (size_t j = 0; j < d->T; j++) {
            regia_table_num(t, d->pgt[k * d->T + j], -1);
            regia_table_num(t, d->pgt_se[k * d->T + j], -1);
        }
        for (size_t j = 0; j < d->Q; j++) {
            regia_table_num(t, d->wq[k * d->Q + j], -1);
            regia_table_num(t, d->wq_se[k * d->Q + j], -1);
        }
        regia_table_str(t, d->unit);
        REGIA_TRY(regia_table_end_row(t));
    }
    st = gp_table_close(p, t, "summary.csv", "summary", "Queue waiting times: one row per priority class");
    t = NULL;
err:
    regia_table_abort(t);
    return st;
}

static const regia_color_t qp_col[] = {REGIA_C_VERMILION, REGIA_C_BLUE, REGIA_C_GREEN, REGIA_C_ORANGE,
                                       REGIA_C_PURPLE, REGIA_C_SKYBLUE, REGIA_C_YELLOW, REGIA_C_BLACK};

/* The risk figure (always made: it is the overview of the run). */
static regia_status_t qp_figure(regia_products_t *p, const qp_t *d)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    const size_t K = d->K < 8 ? d->K : 8, nt = d->T + 1;
    double *buf = malloc(sizeof(double) * 4 * (nt + d->Q + 1));
    if (!buf) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the queue figure");
    double *x = buf, *y = x + nt + d->Q + 1, *lo = y + nt + d->Q + 1, *hi = lo + nt + d->Q + 1;
    char t1[256], xl[96], yl[96], lab[8][96], band[8][96];
    const char *u = d->unit[0] ? d->unit : "time units";
    snprintf(t1, sizeof t1, "Risk of waiting: P(wait > t) by priority class (%s), 95 %% Monte Carlo bands",
             d->disc[0] ? d->disc : "queue");
    snprintf(xl, sizeof xl, "waiting time t (%s)", u);
    regia_axes_t a0 = {.title = t1, .xlabel = xl, .ylabel = "probability P(W > t) (1)", .ymin = 0, .ymax = 1};
    snprintf(yl, sizeof yl, "waiting-time quantile (%s)", u);
    regia_axes_t a1 = {.title = "Waiting-time quantiles by class, 95 % Monte Carlo bands",
                       .xlabel = "probability p of the quantile (1)", .ylabel = yl};
    int panels = d->Q > 0 ? 2 : 1;
    REGIA_TRY(regia_fig_begin(&fig, panels, 1200, panels == 2 ? 1100 : 700, p->caption));
    REGIA_TRY(regia_fig_panel(fig, 0, &a0));
    for (size_t k = 0; k < K; k++) {
        x[0] = 0;
        y[0] = d->pw[k];
        lo[0] = fmax(0, d->pw[k] - 1.96 * d->pw_se[k]);
        hi[0] = fmin(1, d->pw[k] + 1.96 * d->pw_se[k]);
        for (size_t j = 0; j < d->T; j++) {
            x[j + 1] = d->thr[j];
            y[j + 1] = d->pgt[k * d->T + j];
            lo[j + 1] = fmax(0, y[j + 1] - 1.96 * d->pgt_se[k * d->T + j]);
            hi[j + 1] = fmin(1, y[j + 1] + 1.96 * d->pgt_se[k * d->T + j]);
        }
        snprintf(lab[k], sizeof lab[k], "class %s (priority %d)", d->name[k], (int)d->rank[k]);
        REGIA_TRY(regia_fig_band(fig, x, lo, hi, nt, NULL, qp_col[k], 0.25));
        REGIA_TRY(regia_fig_line(fig, x, y, nt, lab[k], qp_col[k], REGIA_LINE_SOLID));
        REGIA_TRY(regia_fig_points(fig, x, y, nt, NULL, qp_col[k]));
    }
    if (d->Q > 0) {
        REGIA_TRY(regia_fig_panel(fig, 1, &a1));
        for (size_t k = 0; k < K; k++) {
            for (size_t j = 0; j < d->Q; j++) {
                x[j] = d->qp[j];
                y[j] = d->wq[k * d->Q + j];
                lo[j] = fmax(0, y[j] - 1.96 * d->wq_se[k * d->Q + j]);
                hi[j] = y[j] + 1.96 * d->wq_se[k * d->Q + j];
            }
            snprintf(band[k], sizeof band[k], "class %s", d->name[k]);
            REGIA_TRY(regia_fig_band(fig, x, lo, hi, d->Q, NULL, qp_col[k], 0.25));
            REGIA_TRY(regia_fig_line(fig, x, y, d->Q, band[k], qp_col[k], REGIA_LINE_SOLID));
            REGIA_TRY(regia_fig_points(fig, x, y, d->Q, NULL, qp_col[k]));
        }
    }
    REGIA_TRY(gp_fig_save(p, fig, "queue_risk", "Queue risk: P(wait > t) and waiting-time quantiles by class"));
err:
    regia_fig_free(fig);
    free(buf);
    return st;
}

regia_status_t queue_products(regia_products_t *p)
{
    regia_status_t st = REGIA_OK;
    qp_t d = {0};
    REGIA_TRY(qp_read(p->nc_path, &d));
    REGIA_TRY(qp_summary(p, &d));
    if (d.K > 0) REGIA_TRY(qp_figure(p, &d));
    regia_info(p->log, "products: summary.csv (%zu classes) and the risk figure%s", d.K,
               d.K > 8 ? " (the first 8 classes by priority)" : "");
err:
    qp_free(&d);
    return st;
}
