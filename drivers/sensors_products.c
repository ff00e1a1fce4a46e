/* sensors_products.c - the products hook of `regia sensors` (issue 12; regia_products_t in
 * domain.h): from the closed summary (p->nc_path) and, when the run's detail is among the
 * extras (role "detail"), its per-record modes, spectra and poles:
 *
 *   summary.csv          one row per structure x summary mode: names, kind, frequencies,
 *                        damping, the latest novelty score and alert, GEV and return levels
 *   overview-alerts      every structure: daily D^2 over its threshold, daily alert levels
 *   SLUG-tracks          per structure: frequency change of each summary mode from its
 *                        training mean, temperature, D^2 with its threshold, alert levels
 *   SLUG-spectrum        per structure, detail only: the first singular value of the CSD
 *                        matrix of its first and latest identified records, the latest
 *                        record's modes and its stabilisation diagram (SSI poles per order)
 *
 * Per-structure figures go to the structures of highest risk first (latest alert level,
 * red days, yellow days, largest D^2 over threshold), at most p->max_figures of them; the
 * overview is always made.  On a per-structure extract without the detail (regia publish)
 * the figures that need only the summary are made.  Rank 0, no MPI.
 * Layout: docs/sensors-products.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/log.h"
#include "regia/plot.h"
#include "regia/table.h"
#include "regia/timeutil.h"
#include "sensors_impl.h"
#include "sensors_products_impl.h"

const char *sp_level_name(int level)
{
    return level == 0 ? "green" : level == 1 ? "yellow" : level == 2 ? "red" : "none";
}

static void stats(const sp_sum_t *s, sp_stat_t *stat)
{
    for (size_t i = 0; i < s->S; i++) {
        sp_stat_t *t = &stat[i];
        t->latest_day = t->latest_level = t->first_red = -1;
        t->red_days = t->yellow_days = 0;
        t->max_ratio = NAN;
        for (size_t d = 0; d < s->D; d++) {
            int lv = s->alert[i * s->D + d];
            if (lv >= 0) t->latest_day = (int)d, t->latest_level = lv;
            if (lv == 2 && t->first_red < 0) t->first_red = (int)d;
            t->red_days += lv == 2;
            t->yellow_days += lv == 1;
            double r = s->nov[i * s->D + d] / s->thr[i];
            if (isfinite(r) && !(r <= t->max_ratio)) t->max_ratio = r;
        }
    }
}

static const sp_stat_t *g_stat; /* for qsort: the statistics being ordered */

static int by_risk(const void *a, const void *b)
{
    const sp_stat_t *x = &g_stat[*(const int *)a], *y = &g_stat[*(const int *)b];
    if (x->latest_level != y->latest_level) return y->latest_level - x->latest_level;
    if (x->red_days != y->red_days) return y->red_days - x->red_days;
    if (x->yellow_days != y->yellow_days) return y->yellow_days - x->yellow_days;
    double rx = isfinite(x->max_ratio) ? x->max_ratio : -1, ry = isfinite(y->max_ratio) ? y->max_ratio : -1;
    if (rx != ry) return rx < ry ? 1 : -1;
    return *(const int *)a - *(const int *)b;
}

/* order[0..S) = the structures by decreasing risk; stat[i].rank = 1 + position. */
static void risk_order(const sp_sum_t *s, sp_stat_t *stat, int *order)
{
    for (size_t i = 0; i < s->S; i++) order[i] = (int)i;
    g_stat = stat;
    qsort(order, s->S, sizeof *order, by_risk);
    g_stat = NULL;
    for (size_t k = 0; k < s->S; k++) stat[order[k]].rank = (int)k + 1;
}

static double median(double *v, size_t n)
{
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (isfinite(v[k])) v[m++] = v[k];
    if (!m) return NAN;
    for (size_t a = 1; a < m; a++) /* insertion sort: n is a run's days */
        for (size_t b = a; b > 0 && v[b - 1] > v[b]; b--) {
            double t = v[b];
            v[b] = v[b - 1];
            v[b - 1] = t;
        }
    return m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

/* The mean over the training days of mode j's daily frequency (NaN when none). */
static double training_freq(const sp_sum_t *s, size_t i, size_t j)
{
    size_t nd = s->training_days > 0 && (size_t)s->training_days < s->D ? (size_t)s->training_days : s->D;
    double sum = 0;
    int n = 0;
    for (size_t d = 0; d < nd; d++) {
        double f = s->freq[(i * s->D + d) * s->M + j];
        if (isfinite(f)) sum += f, n++;
    }
    return n ? sum / n : NAN;
}

static regia_status_t write_csv(regia_products_t *p, const sp_sum_t *s, const sp_stat_t *stat, int *rows)
{
    regia_status_t st = REGIA_OK;
    regia_table_t *t = NULL;
    const char *fixed[] = {"structure", "kind", "lat", "lon", "risk_rank", "mode", "mean_frequency_hz",
                           "training_frequency_hz", "latest_frequency_hz", "frequency_change_percent",
                           "damping_ratio_median", "novelty_features", "novelty_threshold", "latest_day",
                           "latest_novelty_score", "alert_level", "alert_reason", "first_red_day", "red_days",
                           "yellow_days", "gev_location_m_s2", "gev_scale_m_s2", "gev_shape", "gev_status"};
    const int nfix = (int)(sizeof fixed / sizeof *fixed);
    const int ncol = nfix + 3 * (int)s->R;
    char **cols = calloc((size_t)ncol, sizeof *cols);
    char *names = calloc((size_t)(3 * s->R + 1), 64);
    double *tmp = malloc(sizeof(double) * (s->D + 1));
    char path[4200];
    if (!cols || !names || !tmp) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for summary.csv");
        goto err;
    }
    for (int c = 0; c < nfix; c++) cols[c] = (char *)fixed[c];
    for (size_t r = 0; r < s->R; r++)
        for (int q = 0; q < 3; q++) {
            char *nm = names + (r * 3 + (size_t)q) * 64;
            snprintf(nm, 64, "return_level_%gd%s_m_s2", s->rp[r], q == 0 ? "" : q == 1 ? "_lower" : "_upper");
            cols[nfix + (int)r * 3 + q] = nm;
        }
    snprintf(path, sizeof path, "%s/summary.csv", p->dir);
    REGIA_TRY(regia_table_open(&t, path, (const char *const *)cols, ncol));
    *rows = 0;
    for (size_t i = 0; i < s->S; i++) {
        const sp_stat_t *x = &stat[i];
        const size_t nm = s->nfeat[i] > 0 ? ((size_t)s->nfeat[i] < s->M ? (size_t)s->nfeat[i] : s->M) : 0;
        for (size_t j = 0; j < (nm ? nm : 1); j++) {
            const int has_mode = nm > 0;
            regia_table_str(t, sp_name(s, i));
            regia_table_str(t, sp_kind(s, i));
            regia_table_num(t, s->lat ? s->lat[i] : NAN, -1);
            regia_table_num(t, s->lon ? s->lon[i] : NAN, -1);
            regia_table_int(t, x->rank);
            if (has_mode) regia_table_int(t, (long long)j + 1);
            else regia_table_str(t, NULL);
            double tf = has_mode ? training_freq(s, i, j) : NAN, lf = NAN;
            for (size_t d = 0; has_mode && d < s->D; d++) {
                double f = s->freq[(i * s->D + d) * s->M + j];
                if (isfinite(f)) lf = f;
            }
            for (size_t d = 0; d < s->D; d++) tmp[d] = has_mode ? s->damp[(i * s->D + d) * s->M + j] : NAN;
            regia_table_num(t, has_mode ? s->trackf[i * s->M + j] : NAN, -1);
            regia_table_num(t, tf, -1);
            regia_table_num(t, lf, -1);
            regia_table_num(t, 100.0 * (lf / tf - 1.0), 3);
            regia_table_num(t, median(tmp, s->D), -1);
            regia_table_int(t, s->nfeat[i]);
            regia_table_num(t, s->thr[i], -1);
            const int ld = x->latest_day;
            regia_table_date(t, ld >= 0 ? s->day[ld] : NAN);
            regia_table_num(t, ld >= 0 ? s->nov[i * s->D + (size_t)ld] : NAN, -1);
            regia_table_str(t, sp_level_name(x->latest_level));
            /* without a day with a level, the last day's reason says why ("not scored: ...") */
            const size_t rd = ld >= 0 ? (size_t)ld : s->D - 1;
            regia_table_str(t, s->D && s->reason ? s->reason + (i * s->D + rd) * (s->RL + 1) : NULL);
            regia_table_date(t, x->first_red >= 0 ? s->day[x->first_red] : NAN);
            regia_table_int(t, x->red_days);
            regia_table_int(t, x->yellow_days);
            for (int k = 0; k < 3; k++) regia_table_num(t, s->gev[i * 3 + (size_t)k], -1);
            {
                char gs[64];
                sp_gev_status_name(s, s->gev_status[i], gs, sizeof gs);
                regia_table_str(t, gs);
            }
            for (size_t r = 0; r < s->R; r++) {
                regia_table_num(t, s->rl[i * s->R + r], -1);
                regia_table_num(t, s->rl_lo[i * s->R + r], -1);
                regia_table_num(t, s->rl_hi[i * s->R + r], -1);
            }
            REGIA_TRY(regia_table_end_row(t));
            ++*rows;
        }
    }
    st = regia_table_close(t);
    t = NULL;
    if (st) goto err;
    REGIA_TRY(p->add(p, "summary.csv", "summary", "Structures x modes: frequencies, damping, latest novelty and alert, "
                                                  "GEV return levels of the peak acceleration"));
err:
    regia_table_abort(t);
    free(cols);
    free(names);
    free(tmp);
    return st;
}

/* A file-name stem for structure i, distinct from the earlier ones (slug, then -2, -3 ...). */
static void stem_of(const sp_sum_t *s, size_t i, char (*slugs)[80])
{
    char base[64];
    regia_plot_slug(sp_name(s, i), base, sizeof base);
    if (!base[0]) snprintf(base, sizeof base, "structure-%zu", i + 1);
    snprintf(slugs[i], 80, "%s", base);
    for (int n = 2;; n++) {
        int clash = 0;
        for (size_t k = 0; k < i && !clash; k++) clash = !strcmp(slugs[k], slugs[i]);
        if (!clash || n > 10000) break;
        snprintf(slugs[i], 80, "%s-%d", base, n);
    }
}

regia_status_t sn_products(regia_products_t *p)
{
    regia_status_t st = REGIA_OK;
    sp_sum_t s;
    sp_det_t d;
    sp_recs_t r;
    sp_stat_t *stat = NULL;
    int *order = NULL, rows = 0, nfig = 0, nspec = 0;
    char (*slugs)[80] = NULL;
    const char *detail = NULL;
    memset(&r, 0, sizeof r);
    memset(&d, 0, sizeof d);
    d.ncid = -1;
    for (int k = 0; k < p->n_extra; k++)
        if (p->extra_role[k] && !strcmp(p->extra_role[k], "detail")) detail = p->extra_path[k];
    REGIA_TRY(sp_sum_read(&s, p->nc_path));
    REGIA_TRY(sp_det_open(&d, detail));
    REGIA_TRY(sp_reason_read(&s, &d));
    stat = calloc(s.S + 1, sizeof *stat);
    order = calloc(s.S + 1, sizeof *order);
    slugs = calloc(s.S + 1, sizeof *slugs);
    if (!stat || !order || !slugs) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the products of %s", p->output_name);
        goto err;
    }
    stats(&s, stat);
    risk_order(&s, stat, order);
    for (size_t i = 0; i < s.S; i++) stem_of(&s, i, slugs);
    REGIA_TRY(write_csv(p, &s, stat, &rows));
    REGIA_TRY(sp_fig_overview(p, &s, stat, order));
    for (size_t k = 0; k < s.S && nfig < p->max_figures; k++) {
        const int i = order[k], di = sp_det_find(&d, sp_name(&s, (size_t)i));
        if (di >= 0) REGIA_TRY(sp_recs_read(&d, di, &r));
        REGIA_TRY(sp_fig_tracks(p, &s, stat, i, di >= 0 ? &r : NULL, slugs[i]));
        nfig++;
        if (di >= 0 && nfig < p->max_figures) {
            int made = 0;
            REGIA_TRY(sp_fig_spectrum(p, &s, &d, i, di, &r, slugs[i], &made));
            nfig += made;
            nspec += made;
        }
        sp_recs_free(&r);
    }
    {
        char list[1024] = "";
        size_t n = 0;
        int red = 0;
        for (size_t k = 0; k < s.S; k++) {
            const size_t i = (size_t)order[k];
            const int ld = stat[i].latest_day;
            if (stat[i].latest_level != 2) continue;
            int run_start = ld; /* the first day of the red run that reaches the latest day */
            while (run_start > 0 && s.alert[i * s.D + (size_t)run_start - 1] == 2) run_start--;
            char fr[16];
            regia_format_date((int64_t)s.day[run_start], fr, sizeof fr);
            if (n < sizeof list - 128)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s (red since %s)", red ? ", " : "",
                                      sp_name(&s, i), fr);
            red++;
        }
        if (red) regia_info(p->log, "products: %d of %zu structures red on their latest day: %s", red, s.S, list);
        else regia_info(p->log, "products: no structure red on its latest day (%zu structures)", s.S);
    }
    regia_info(p->log, "products: summary.csv (%d rows), overview and %d per-structure figures (%d spectra%s)", rows,
               nfig, nspec, d.ncid >= 0 ? "" : "; no detail file: spectra and stabilisation diagrams left out");
err:
    sp_recs_free(&r);
    sp_det_close(&d);
    sp_sum_free(&s);
    free(stat);
    free(order);
    free(slugs);
    return st;
}
