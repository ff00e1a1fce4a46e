/* sensors_products_fig.c - the quicklook figures of `regia sensors` (regia/plot.h; which
 * figures and what they show: sensors_products.c, docs/sensors-products.md).  Every figure
 * has a title, axis labels with units, a legend and the run's caption (p->caption).
 * Rank 0, no MPI; PLplot keeps global state, so one figure at a time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/plot.h"
#include "regia/timeutil.h"
#include "generic_products.h"
#include "sensors_products_impl.h"

enum { SP_MAX_LINES = 8, SP_MAX_ROWS = 30 };

/* Colours of the summary modes and of the overview's structures (Okabe-Ito). */
static const regia_color_t series_c[SP_MAX_LINES] = {REGIA_C_BLUE,   REGIA_C_ORANGE,    REGIA_C_GREEN,
                                                      REGIA_C_PURPLE, REGIA_C_SKYBLUE,   REGIA_C_VERMILION,
                                                      REGIA_C_BLACK,  REGIA_C_GREY};
static const regia_color_t level_c[3] = {REGIA_C_GREEN, REGIA_C_YELLOW, REGIA_C_VERMILION};

/* Save fig as p->dir/STEM.{png,svg} and register both files (gp_fig_save); frees fig. */
static regia_status_t save(regia_products_t *p, regia_fig_t *fig, const char *stem, const char *title)
{
    regia_status_t st = gp_fig_save(p, fig, stem, title);
    regia_fig_free(fig);
    return st;
}

static double last_day(const sp_sum_t *s) { return s->D ? s->day[s->D - 1] + 1 : 1; }

/* "B01 (bridge)" or "B01". */
static void label_of(const sp_sum_t *s, int i, char *buf, size_t cap)
{
    if (sp_kind(s, (size_t)i)[0]) snprintf(buf, cap, "%s (%s)", sp_name(s, (size_t)i), sp_kind(s, (size_t)i));
    else snprintf(buf, cap, "%s", sp_name(s, (size_t)i));
}

regia_status_t sp_fig_overview(regia_products_t *p, const sp_sum_t *s, const sp_stat_t *stat, const int *order)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    const size_t D = s->D, nl = s->S < SP_MAX_LINES ? s->S : SP_MAX_LINES;
    const size_t nrow = s->S < SP_MAX_ROWS ? s->S : SP_MAX_ROWS;
    double *x = malloc(sizeof(double) * (D + 1)), *y = malloc(sizeof(double) * (D + 1));
    double *px = malloc(sizeof(double) * (nrow * D + 1)), *py = malloc(sizeof(double) * (nrow * D + 1));
    char t0[160], t1[160], lab[160];
    if (!x || !y || !px || !py) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the overview figure");
        goto err;
    }
    const double x0 = s->D ? s->day[0] : 0, x1 = last_day(s), span = x1 - x0;
    char far[64] = "";
    if (isfinite(s->far)) snprintf(far, sizeof far, " (false alarms %g per record)", s->far);
    REGIA_TRY(regia_fig_begin(&fig, 2, 1400, 420 + 34 * (int)nrow + 420, p->caption));
    if (nl < s->S)
        snprintf(t0, sizeof t0, "Novelty of the %zu highest-risk of %zu structures: daily largest D^2 / threshold%s", nl,
                 s->S, far);
    else snprintf(t0, sizeof t0, "Novelty of each structure: daily largest D^2 over its threshold%s", far);
    /* both panels start early enough for the structure names of the second */
    regia_axes_t a0 = {t0, "date (UTC)", "D^2 / threshold (1)", 1, 1, x0 - 0.13 * span, x1, 1e-3, 2};
    /* from half the smallest day's value, at most three decades below the threshold (as in
     * the per-structure panel: a day whose D^2 is nearly 0, 1e-28 of the threshold on a
     * fresh demo, stretched the axis over 31 decades, whose labels ran into each other),
     * and no lower than needed: the demo's days lie within 0.1-10 of the threshold, and a
     * fixed 1e-3 left half the panel empty */
    double vmin = 0.5;
    for (size_t k = 0; k < nl; k++)
        for (size_t d = 0; d < D; d++) {
            const double v = s->nov[(size_t)order[k] * D + d] / s->thr[order[k]];
            if (isfinite(v) && 2 * v > a0.ymax) a0.ymax = 2 * v;
            if (isfinite(v) && v > 0 && v / 2 < vmin) vmin = v / 2;
        }
    a0.ymin = vmin > 1e-3 ? vmin : 1e-3;
    REGIA_TRY(regia_fig_panel(fig, 0, &a0));
    for (size_t k = 0; k < nl; k++) {
        const int i = order[k];
        for (size_t d = 0; d < D; d++) {
            x[d] = s->day[d] + 0.5;
            y[d] = s->nov[(size_t)i * D + d] / s->thr[i];
        }
        label_of(s, i, lab, sizeof lab);
        REGIA_TRY(regia_fig_line(fig, x, y, D, lab, series_c[k], REGIA_LINE_SOLID));
    }
    REGIA_TRY(regia_fig_hline(fig, 1.0, "threshold", REGIA_C_BLACK, REGIA_LINE_DASHED));
    if (s->training_days > 0)
        REGIA_TRY(regia_fig_vline(fig, x0 + s->training_days, "end of training", REGIA_C_GREY, REGIA_LINE_DOTTED));
    /* panel 2: one row of daily alert levels per structure, the highest risk at the top */
    if (nrow < s->S) snprintf(t1, sizeof t1, "Daily alert level of the %zu highest-risk of %zu structures", nrow, s->S);
    else snprintf(t1, sizeof t1, "Daily alert level of each structure, by risk rank");
    /* row y = the structure's risk rank (1 at the bottom); at least 4 rows of room, so the
     * y ticks fall on whole ranks */
    const double top = nrow < 4 ? 4.0 : (double)nrow;
    regia_axes_t a1 = {t1, "date (UTC)", "risk rank (1 = highest)", 1, 0, x0 - 0.13 * span, x1,
                       0.5, top + 0.5};
    REGIA_TRY(regia_fig_panel(fig, 1, &a1));
    for (int lv = -1; lv <= 2; lv++) {
        size_t n = 0;
        for (size_t k = 0; k < nrow; k++)
            for (size_t d = 0; d < D; d++)
                if (s->alert[(size_t)order[k] * D + d] == lv) {
                    px[n] = s->day[d] + 0.5;
                    py[n] = (double)k + 1;
                    n++;
                }
        if (!n) continue;
        const char *nm = lv < 0 ? "none (too few records scored)" : sp_level_name(lv);
        REGIA_TRY(regia_fig_points(fig, px, py, n, nm, lv < 0 ? REGIA_C_GREY : level_c[lv]));
    }
    for (size_t k = 0; k < nrow; k++) {
        snprintf(lab, sizeof lab, "%s", sp_name(s, (size_t)order[k]));
        REGIA_TRY(regia_fig_text(fig, x0 - 0.095 * span, (double)k + 1, lab));
    }
    if (s->training_days > 0)
        REGIA_TRY(regia_fig_vline(fig, x0 + s->training_days, NULL, REGIA_C_GREY, REGIA_LINE_DOTTED));
    st = save(p, fig, "overview-alerts", "All structures: daily novelty over threshold and alert levels");
    fig = NULL;
err:
    regia_fig_free(fig);
    free(x);
    free(y);
    free(px);
    free(py);
    return st;
}

regia_status_t sp_fig_tracks(regia_products_t *p, const sp_sum_t *s, const sp_stat_t *stat, int i,
                             const sp_recs_t *r, const char *slug)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    const size_t D = s->D, M = s->M, nr = r ? r->n : 0;
    const size_t nm = s->nfeat[i] > 0 ? ((size_t)s->nfeat[i] < M ? (size_t)s->nfeat[i] : M) : 0;
    const size_t cap = (D > nr ? D : nr) + 1;
    double *x = malloc(sizeof(double) * cap), *y = malloc(sizeof(double) * cap);
    char who[160], t[5][320], lab[400], stem[128];
    if (!x || !y) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the figure of %s", sp_name(s, (size_t)i));
        goto err;
    }
    label_of(s, i, who, sizeof who);
    const double x0 = D ? s->day[0] : 0, x1 = last_day(s);
    const double t_end = s->training_days > 0 ? x0 + s->training_days : NAN;
    const double red = stat[i].first_red >= 0 ? s->day[stat[i].first_red] : NAN;
    REGIA_TRY(regia_fig_begin(&fig, 5, 1400, 1850, p->caption));
    /* 1: frequency change of each summary mode from its training mean */
    snprintf(t[0], sizeof t[0], "%s: mode frequencies vs their training mean (dots: records; lines: daily medians)", who);
    regia_axes_t a0 = {t[0], "date (UTC)", "frequency change (%)", 1, 0, x0, x1, 0, 0};
    if (!nm) {
        snprintf(t[0], sizeof t[0], "%s: no mode tracked in enough of the training records", who);
        a0.ymin = -1, a0.ymax = 1;
    }
    REGIA_TRY(regia_fig_panel(fig, 0, &a0));
    for (size_t j = 0; j < nm && j < SP_MAX_LINES; j++) {
        double ref = 0;
        int nref = 0;
        const size_t nd = s->training_days > 0 && (size_t)s->training_days < D ? (size_t)s->training_days : D;
        for (size_t d = 0; d < nd; d++) {
            double f = s->freq[((size_t)i * D + d) * M + j];
            if (isfinite(f)) ref += f, nref++;
        }
        if (!nref) continue;
        ref /= nref;
        if (r) { /* per record: the frequency of the mode slot holding summary mode j + 1 */
            for (size_t k = 0; k < nr; k++) {
                x[k] = r->t[k];
                y[k] = NAN;
                for (size_t q = 0; r->status[k] == 0 && q < r->K; q++)
                    if (r->mnum[k * r->K + q] == (int)j + 1) y[k] = 100.0 * (r->mf[k * r->K + q] / ref - 1.0);
            }
            REGIA_TRY(regia_fig_points(fig, x, y, nr, NULL, series_c[j]));
        }
        size_t n = 0;
        for (size_t d = 0; d < D; d++) {
            x[n] = s->day[d] + 0.5;
            y[n] = 100.0 * (s->freq[((size_t)i * D + d) * M + j] / ref - 1.0);
            n++;
        }
        snprintf(lab, sizeof lab, "mode %zu (%.3g Hz), daily median", j + 1, ref);
        REGIA_TRY(regia_fig_line(fig, x, y, n, lab, series_c[j], REGIA_LINE_SOLID));
    }
    REGIA_TRY(regia_fig_hline(fig, 0.0, NULL, REGIA_C_GREY, REGIA_LINE_SOLID));
    if (isfinite(t_end)) REGIA_TRY(regia_fig_vline(fig, t_end, "end of training", REGIA_C_GREY, REGIA_LINE_DOTTED));
    if (isfinite(red)) REGIA_TRY(regia_fig_vline(fig, red, "first red day", REGIA_C_VERMILION, REGIA_LINE_DASHED));
    /* 2: temperature */
    snprintf(t[1], sizeof t[1], "Temperature of the structure's environment sensor");
    regia_axes_t a1 = {t[1], "date (UTC)", "temperature (degC)", 1, 0, x0, x1, 0, 0};
    REGIA_TRY(regia_fig_panel(fig, 1, &a1));
    const int lagged = r && r->thermal_lag > 0;
    if (r) REGIA_TRY(regia_fig_points(fig, r->t, r->temp, nr, "record mean", REGIA_C_SKYBLUE));
    if (lagged) {
        snprintf(lab, sizeof lab, "model (%g h thermal lag)", r->thermal_lag);
        REGIA_TRY(regia_fig_points(fig, r->t, r->tmodel, nr, lab, REGIA_C_ORANGE));
    }
    for (size_t d = 0; d < D; d++) {
        x[d] = s->day[d] + 0.5;
        y[d] = s->temp[(size_t)i * D + d];
    }
    REGIA_TRY(regia_fig_line(fig, x, y, D, "daily mean", REGIA_C_BLUE, REGIA_LINE_SOLID));
    REGIA_TRY(regia_fig_hline(fig, 0.0, "0 degC", REGIA_C_GREY, REGIA_LINE_DOTTED));
    /* 3: novelty score */
    /* the model is the job's novelty_model, or linear where it could not be fitted: not named */
    snprintf(t[2], sizeof t[2], "Novelty: Mahalanobis D^2 of the frequencies' residuals from the temperature model");
    regia_axes_t a2 = {t[2], "date (UTC)", "D^2 (1)", 1, 1, x0, x1, 0, 0};
    if (isfinite(s->thr[i]) && s->thr[i] > 0) { /* three decades below the threshold: what matters is near it */
        double top = s->thr[i];
        for (size_t d = 0; d < D; d++)
            if (isfinite(s->nov[(size_t)i * D + d]) && s->nov[(size_t)i * D + d] > top) top = s->nov[(size_t)i * D + d];
        a2.ymin = s->thr[i] * 1e-3;
        a2.ymax = top * 2;
    }
    REGIA_TRY(regia_fig_panel(fig, 2, &a2));
    if (r) REGIA_TRY(regia_fig_points(fig, r->t, r->nov, nr, "record", REGIA_C_SKYBLUE));
    for (size_t d = 0; d < D; d++) {
        x[d] = s->day[d] + 0.5;
        y[d] = s->nov[(size_t)i * D + d];
    }
    REGIA_TRY(regia_fig_line(fig, x, y, D, "daily largest", REGIA_C_BLUE, REGIA_LINE_SOLID));
    snprintf(lab, sizeof lab, "threshold %.3g", s->thr[i]);
    if (isfinite(s->thr[i])) REGIA_TRY(regia_fig_hline(fig, s->thr[i], lab, REGIA_C_BLACK, REGIA_LINE_DASHED));
    if (isfinite(t_end)) REGIA_TRY(regia_fig_vline(fig, t_end, NULL, REGIA_C_GREY, REGIA_LINE_DOTTED));
    if (isfinite(red)) REGIA_TRY(regia_fig_vline(fig, red, NULL, REGIA_C_VERMILION, REGIA_LINE_DASHED));
    /* 4: alert levels as bars: 1 green, 2 yellow, 3 red */
    snprintf(t[3], sizeof t[3], "Daily alert level (%d red and %d yellow days)", stat[i].red_days,
             stat[i].yellow_days);
    regia_axes_t a3 = {t[3], "date (UTC)", "level (1 green, 2 yellow, 3 red)", 1, 0, x0, x1, 0, 3.3};
    REGIA_TRY(regia_fig_panel(fig, 3, &a3));
    for (int lv = -1; lv <= 2; lv++) { /* -1: no record of the day could be scored (a low grey bar, not a gap) */
        size_t n = 0;
        for (size_t d = 0; d < D; d++)
            if (s->alert[(size_t)i * D + d] == lv) {
                x[n] = s->day[d] + 0.5;
                y[n] = lv < 0 ? 0.5 : lv + 1;
                n++;
            }
        if (n)
            REGIA_TRY(regia_fig_bars(fig, x, y, n, 0.8, lv < 0 ? "none (too few records scored)" : sp_level_name(lv),
                                     lv < 0 ? REGIA_C_GREY : level_c[lv]));
    }
    /* 5: mode 1's frequency against temperature: training, later, red days */
    snprintf(t[4], sizeof t[4], "Mode 1 frequency against temperature (%s)", r ? "records" : "daily medians");
    char xlab[120];
    if (lagged) snprintf(xlab, sizeof xlab, "model temperature, %g h thermal lag (degC)", r->thermal_lag);
    else snprintf(xlab, sizeof xlab, "temperature, %s mean (degC)", r ? "record" : "daily");
    regia_axes_t a4 = {t[4], xlab, "mode 1 frequency (Hz)", 0, 0, 0, 0, 0, 0};
    if (!nm) a4.xmin = -1, a4.xmax = 1, a4.ymin = -1, a4.ymax = 1;
    else { /* the temperature range with a margin, so no point sits on the frame */
        double lo = INFINITY, hi = -INFINITY;
        for (size_t k = 0; k < (r ? nr : D); k++) {
            double v = r ? r->tmodel[k] : s->temp[(size_t)i * D + k];
            if (isfinite(v)) lo = v < lo ? v : lo, hi = v > hi ? v : hi;
        }
        if (hi > lo) a4.xmin = lo - 0.04 * (hi - lo), a4.xmax = hi + 0.04 * (hi - lo);
    }
    REGIA_TRY(regia_fig_panel(fig, 4, &a4));
    if (nm) {
        static const char *const cat_name[3] = {"training period", "after training", "on red days"};
        static const regia_color_t cat_c[3] = {REGIA_C_GREY, REGIA_C_BLUE, REGIA_C_VERMILION};
        const size_t n = r ? nr : D;
        double *tx = malloc(sizeof(double) * (n + 1)), *fy = malloc(sizeof(double) * (n + 1));
        if (!tx || !fy) {
            free(tx);
            free(fy);
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the figure of %s", sp_name(s, (size_t)i));
            goto err;
        }
        for (int c = 0; c < 3 && !st; c++) {
            size_t m = 0;
            for (size_t k = 0; k < n; k++) {
                double tk = r ? r->t[k] : s->day[k] + 0.5, temp = r ? r->tmodel[k] : s->temp[(size_t)i * D + k];
                double fk = NAN;
                if (r) {
                    for (size_t q = 0; r->status[k] == 0 && q < r->K; q++)
                        if (r->mnum[k * r->K + q] == 1) fk = r->mf[k * r->K + q];
                } else {
                    fk = s->freq[((size_t)i * D + k) * M];
                }
                long dd = (long)floor(tk - x0);
                int lv = dd >= 0 && (size_t)dd < D ? s->alert[(size_t)i * D + (size_t)dd] : -1;
                int cat = isfinite(t_end) && tk < t_end ? 0 : lv == 2 ? 2 : 1;
                if (cat != c || !isfinite(fk) || !isfinite(temp)) continue;
                tx[m] = temp;
                fy[m] = fk;
                m++;
            }
            if (m) st = regia_fig_points(fig, tx, fy, m, cat_name[c], cat_c[c]);
        }
        free(tx);
        free(fy);
        if (st) goto err;
    }
    snprintf(stem, sizeof stem, "%s-tracks", slug);
    snprintf(lab, sizeof lab, "%s: modal frequencies, temperature, novelty and alerts", who);
    st = save(p, fig, stem, lab);
    fig = NULL;
err:
    regia_fig_free(fig);
    free(x);
    free(y);
    return st;
}

/* "2026-02-01 20:00 UTC", the start of a record (its middle: days since 1970; its length:
 * rec_len s), as its record_time. */
static void when(double days, double rec_len, char *buf, size_t cap)
{
    char iso[32];
    regia_format_datetime((int64_t)llround(days * 86400.0 - 0.5 * rec_len), iso, sizeof iso);
    snprintf(buf, cap, "%.10s %.5s UTC", iso, iso + 11);
}

regia_status_t sp_fig_spectrum(regia_products_t *p, const sp_sum_t *s, const sp_det_t *d, int i, int di,
                               const sp_recs_t *r, const char *slug, int *made)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    const size_t NF = d->NF, P = d->P, K = d->K;
    double *f = NULL, *s_first = NULL, *s_last = NULL, *po = NULL, *pf = NULL, *pfl = NULL, *px = NULL, *py = NULL;
    char who[160], t0[240], t1[240], lab[400], w0[40], w1[40], stem[128];
    *made = 0;
    long first = -1, last = -1;
    for (size_t k = 0; k < r->n; k++)
        if (r->status[k] == 0) {
            if (first < 0) first = (long)k;
            last = (long)k;
        }
    if (last < 0 || NF < 2) return REGIA_OK; /* no identified record: no spectrum to show */
    f = malloc(sizeof(double) * NF);
    s_first = malloc(sizeof(double) * NF);
    s_last = malloc(sizeof(double) * NF);
    po = malloc(sizeof(double) * (P + 1));
    pf = malloc(sizeof(double) * (P + 1));
    pfl = malloc(sizeof(double) * (P + 1));
    px = malloc(sizeof(double) * (P + 1));
    py = malloc(sizeof(double) * (P + 1));
    if (!f || !s_first || !s_last || !po || !pf || !pfl || !px || !py) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the spectrum of %s", sp_name(s, (size_t)i));
        goto err;
    }
    REGIA_TRY(sp_det_row(d, "spectrum_frequency", (size_t)di, NF, f));
    REGIA_TRY(sp_det_row(d, "csd_s1", r->r0 + (size_t)first, NF, s_first));
    REGIA_TRY(sp_det_row(d, "csd_s1", r->r0 + (size_t)last, NF, s_last));
    REGIA_TRY(sp_det_row(d, "pole_order", r->r0 + (size_t)last, P, po));
    REGIA_TRY(sp_det_row(d, "pole_frequency", r->r0 + (size_t)last, P, pf));
    REGIA_TRY(sp_det_row(d, "pole_flags", r->r0 + (size_t)last, P, pfl));
    /* the x range: up to 1.25 x the highest pole grouped into a mode or tracked mode (the
     * spectrum's end at most): a tracked mode the latest record missed stays in view */
    double fhi = 0, omax = 0;
    const size_t M = s->M;
    for (size_t j = 0; j < M; j++) {
        const double tf = s->trackf[(size_t)i * M + j];
        if (isfinite(tf) && tf > fhi) fhi = tf;
    }
    for (size_t k = 0; k < P; k++) {
        if (isfinite(pf[k]) && pfl[k] >= 0 && ((int)pfl[k] & 32) && pf[k] > fhi) fhi = pf[k];
        if (isfinite(po[k]) && po[k] > omax) omax = po[k];
    }
    for (size_t j = 0; j < K; j++) {
        double m = r->mf[(size_t)last * K + j];
        if (isfinite(m) && m > fhi) fhi = m;
    }
    fhi = fhi > 0 ? 1.25 * fhi : f[NF - 1];
    if (fhi > f[NF - 1]) fhi = f[NF - 1];
    if (d->ord_max > omax) omax = d->ord_max;
    label_of(s, i, who, sizeof who);
    when(r->t[first], d->rec_len, w0, sizeof w0);
    when(r->t[last], d->rec_len, w1, sizeof w1);
    REGIA_TRY(regia_fig_begin(&fig, 2, 1400, 1100, p->caption));
    snprintf(t0, sizeof t0, "%s: first singular value of the cross-spectral matrix (FDD)", who);
    regia_axes_t a0 = {t0, "frequency (Hz)", "first singular value (m2 s-4 Hz-1)", 0, 1, 0, fhi, 0, 0};
    REGIA_TRY(regia_fig_panel(fig, 0, &a0));
    for (size_t j = 0, any = 0; j < M; j++) { /* under the latest record's modes, drawn after */
        const double tf = s->trackf[(size_t)i * M + j];
        if (!isfinite(tf)) continue;
        REGIA_TRY(regia_fig_vline(fig, tf, any++ ? NULL : "tracked modes (mean of all records)", REGIA_C_GREY,
                                  REGIA_LINE_DOTTED));
    }
    snprintf(lab, sizeof lab, "first, %s", w0);
    REGIA_TRY(regia_fig_line(fig, f, s_first, NF, lab, REGIA_C_GREY, REGIA_LINE_SOLID));
    snprintf(lab, sizeof lab, "latest, %s", w1);
    REGIA_TRY(regia_fig_line(fig, f, s_last, NF, lab, REGIA_C_BLUE, REGIA_LINE_SOLID));
    {
        double top = 0; /* the frequencies written at the top of the panel */
        for (size_t k = 0; k < NF; k++) {
            if (f[k] > fhi) break;
            if (isfinite(s_first[k]) && s_first[k] > top) top = s_first[k];
            if (isfinite(s_last[k]) && s_last[k] > top) top = s_last[k];
        }
        int any = 0;
        double prev_x = -INFINITY, prev_y = top;
        for (size_t j = 0; j < K; j++) { /* mode slots are by frequency */
            double m = r->mf[(size_t)last * K + j];
            if (!isfinite(m)) continue;
            REGIA_TRY(regia_fig_vline(fig, m, any ? NULL : "modes of the latest", REGIA_C_VERMILION, REGIA_LINE_DASHED));
            snprintf(lab, sizeof lab, m < 10 ? "%.3g Hz" : "%.1f Hz", m);
            /* a label closer than 10 % of the axis to the previous one goes half a decade lower;
             * one whose next mode is that close goes left of its line, so that its text
             * (about 8 % of the axis) does not cross the next line */
            double next = INFINITY;
            for (size_t q = j + 1; q < K && !isfinite(next); q++)
                if (isfinite(r->mf[(size_t)last * K + q])) next = r->mf[(size_t)last * K + q];
            double y = m - prev_x < 0.1 * fhi ? prev_y / 3.0 : top;
            double x = next - m < 0.1 * fhi && m - 0.1 * fhi > 0 ? m - 0.09 * fhi : m + 0.01 * fhi;
            if (top > 0) REGIA_TRY(regia_fig_text(fig, x, y, lab));
            prev_x = m, prev_y = y;
            any = 1;
        }
    }
    /* 2: the stabilisation diagram of the latest record */
    snprintf(t1, sizeof t1, "Stabilisation diagram of the latest record (covariance SSI, %s)", w1);
    regia_axes_t a1 = {t1, "frequency (Hz)", "model order (1)", 0, 0, 0, fhi, 0, omax + 2};
    REGIA_TRY(regia_fig_panel(fig, 1, &a1));
    static const char *const cat_name[4] = {"fails hard criteria", "not stable",
                                            "stable, not in a mode", "stable, in a mode"};
    static const regia_color_t cat_c[4] = {REGIA_C_GREY, REGIA_C_SKYBLUE, REGIA_C_ORANGE, REGIA_C_BLUE};
    for (int c = 0; c < 4; c++) {
        size_t n = 0;
        for (size_t k = 0; k < P; k++) {
            /* poles beyond the x axis are left out, not clipped: PLplot filled the whole panel
             * grey for some clipped markers (H02 of a 6-day demo store) */
            if (!isfinite(pf[k]) || !isfinite(po[k]) || pfl[k] < 0 || pf[k] < 0 || pf[k] > fhi) continue;
            const int fl = (int)pfl[k];
            const int cat = (fl & 32) ? 3 : (fl & 16) ? 2 : (fl & 1) ? 1 : 0;
            if (cat != c) continue;
            px[n] = pf[k];
            py[n] = po[k];
            n++;
        }
        if (n) REGIA_TRY(regia_fig_points(fig, px, py, n, cat_name[c], cat_c[c]));
    }
    for (size_t j = 0; j < M; j++) {
        const double tf = s->trackf[(size_t)i * M + j];
        if (isfinite(tf)) REGIA_TRY(regia_fig_vline(fig, tf, NULL, REGIA_C_GREY, REGIA_LINE_DOTTED));
    }
    for (size_t j = 0; j < K; j++) {
        double m = r->mf[(size_t)last * K + j];
        if (isfinite(m)) REGIA_TRY(regia_fig_vline(fig, m, NULL, REGIA_C_VERMILION, REGIA_LINE_DASHED));
    }
    snprintf(stem, sizeof stem, "%s-spectrum", slug);
    snprintf(lab, sizeof lab, "%s: spectrum and stabilisation diagram of the latest identified record", who);
    st = save(p, fig, stem, lab);
    fig = NULL;
    if (!st) *made = 1;
err:
    regia_fig_free(fig);
    free(f);
    free(s_first);
    free(s_last);
    free(po);
    free(pf);
    free(pfl);
    free(px);
    free(py);
    return st;
}
