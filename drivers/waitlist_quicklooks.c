/* waitlist_quicklooks.c - the waiting-list products' figures (regia/plot.h: PNG + SVG):
 *
 *   compliance.png      overview: ex ante compliance by week, one panel per class (U B D
 *                       P), one line per service, the class target; for the output's
 *                       widest area (the region; the area itself in a per-area extract)
 *   capacity.png        overview: extra weekly slots each guarantee area needs (bars per
 *                       service) and the spare slots it could give up
 *   risk-SVC-AREA.png   per service x guarantee area, highest P(miss) first: the queue-risk
 *                       fan (quantiles of the share booked within the limit over the risk
 *                       weeks) per class, with the target
 *   demand-SVC-DIST.png per service x district, in the same order: weekly requests of the
 *                       last half year, the forecast and its intervals, per class
 *
 * Values are the output's (wlp_t): a cell suppressed by disclosure control is NaN, a gap in
 * a line, and a panel without any published value says so.  docs/waitlist-products.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/plot.h"
#include "waitlist_products_impl.h"

enum {
    MAX_LINES = 8,         /* services drawn in one panel (the rest are in the table)        */
    MAX_GROUPS = 12,       /* guarantee areas in the capacity figure                         */
    HISTORY_WEEKS = 26,    /* weeks of history in a demand figure                            */
    COMPLIANCE_WEEKS = 52  /* weeks in the compliance overview                                */
};

static const regia_color_t LINE_COLORS[MAX_LINES] = {REGIA_C_BLUE,   REGIA_C_ORANGE, REGIA_C_GREEN, REGIA_C_VERMILION,
                                                     REGIA_C_SKYBLUE, REGIA_C_PURPLE, REGIA_C_BLACK, REGIA_C_GREY};
static const char *const CLASS_LONG[WLP_CLASSES] = {"U (urgent)", "B (short)", "D (deferrable)", "P (planned)"};

/* Save fig as STEM.png + .svg in p->dir and register both files. */
static regia_status_t save(regia_fig_t *fig, regia_products_t *p, const char *stem, const char *title)
{
    regia_status_t st;
    char path[4200], file[512];
    snprintf(path, sizeof path, "%s/%s", p->dir, stem);
    if ((st = regia_fig_save(fig, path)) != REGIA_OK) return st;
    snprintf(file, sizeof file, "%s.png", stem);
    if ((st = p->add(p, file, "quicklook", title)) != REGIA_OK) return st;
    snprintf(file, sizeof file, "%s.svg", stem);
    return p->add(p, file, "quicklook-svg", title);
}

static void limit_text(double days, int klass, char *buf, size_t cap)
{
    if (isnan(days)) snprintf(buf, cap, "no limit");
    else if (klass == 0) snprintf(buf, cap, "limit %g h", days * 24.0);
    else snprintf(buf, cap, "limit %g days", days);
}

/* s cut to at most max characters (bytes; UTF-8 sequences are not split), with "..." when
 * cut: panel titles stay within the panel's width. */
static const char *short_name(const char *s, size_t max, char *buf)
{
    size_t n = strlen(s);
    if (n <= max) return s;
    n = max - 3;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    snprintf(buf, WLP_STR, "%.*s...", (int)n, s);
    return buf;
}

/* Order of services by their worst P(miss) over all areas (highest first; NaN last). */
static double service_risk(const wlp_t *d, size_t s)
{
    double worst = -1;
    for (size_t a = 0; a < d->na; a++) {
        double w = wlp_worst_pmiss(d, s, a);
        if (!isnan(w) && w > worst) worst = w;
    }
    return worst;
}

typedef struct {
    size_t i;
    double key;
} rank_t;

static int by_key_desc(const void *x, const void *y)
{
    const rank_t *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? 1 : -1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* ---- compliance overview --------------------------------------------------------------------- */

/* The shares of the compliance overview: weekly (the last COMPLIANCE_WEEKS complete weeks)
 * or, when disclosure control left more monthly shares than weekly ones (small areas),
 * monthly (the complete months up to the last complete week).  x: the period's first
 * Monday; share[(k * WLP_CLASSES + c) * n + i] for the k-th drawn service. */
typedef struct {
    int monthly;
    size_t n;
    double *x, *share;
} comp_series_t;

static regia_status_t comp_series(const wlp_t *d, size_t top, const size_t *svc, size_t nsvc, comp_series_t *cs)
{
    long w1 = d->w_last >= 0 ? d->w_last : (long)d->nw - 1;
    long w0 = w1 - COMPLIANCE_WEEKS + 1 < 0 ? 0 : w1 - COMPLIANCE_WEEKS + 1;
    long m1 = d->m_last, m0 = m1 - COMPLIANCE_WEEKS / 4 + 1 < 0 ? 0 : m1 - COMPLIANCE_WEEKS / 4 + 1;
    size_t nw = w1 >= 0 ? (size_t)(w1 - w0 + 1) : 0, nm = m1 >= 0 ? (size_t)(m1 - m0 + 1) : 0, pw = 0, pm = 0;
    for (size_t k = 0; k < nsvc; k++)
        for (size_t c = 0; c < WLP_CLASSES; c++) {
            size_t sac = wlp_sac(d, svc[k], top, c);
            for (size_t i = 0; i < nw; i++) pw += !isnan(d->share_w[sac * d->nw + (size_t)w0 + i]);
            for (size_t i = 0; i < nm; i++) pm += !isnan(d->share_m[sac * d->nm + (size_t)m0 + i]);
        }
    cs->monthly = pm > pw;
    cs->n = cs->monthly ? nm : nw;
    size_t n = cs->n ? cs->n : 1;
    cs->x = malloc(n * sizeof *cs->x);
    cs->share = malloc(n * nsvc * WLP_CLASSES * sizeof *cs->share);
    if (!cs->x || !cs->share) return REGIA_FAIL(REGIA_ERR_NOMEM, "compliance figure: no memory");
    for (size_t i = 0; i < cs->n; i++) {
        if (!cs->monthly) {
            cs->x[i] = d->w_start[w0 + (long)i];
            continue;
        }
        cs->x[i] = NAN;
        for (size_t w = 0; w < d->nw && isnan(cs->x[i]); w++)
            if ((long)d->w_month[w] == m0 + (long)i) cs->x[i] = d->w_start[w];
    }
    for (size_t k = 0; k < nsvc; k++)
        for (size_t c = 0; c < WLP_CLASSES; c++) {
            size_t sac = wlp_sac(d, svc[k], top, c);
            for (size_t i = 0; i < cs->n; i++)
                cs->share[(k * WLP_CLASSES + c) * cs->n + i] =
                    cs->monthly ? d->share_m[sac * d->nm + (size_t)m0 + i] : d->share_w[sac * d->nw + (size_t)w0 + i];
        }
    return REGIA_OK;
}

static regia_status_t fig_compliance(const wlp_t *d, regia_products_t *p, const size_t *svc, size_t nsvc)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    comp_series_t cs = {0};
    size_t top = 0;
    for (size_t a = 0; a < d->na; a++)
        if (d->a_level[a] > d->a_level[top]) top = a;
    char title[512], ptitle[WLP_CLASSES][256], label[MAX_LINES][160], tl[64], an[WLP_STR];
    REGIA_TRY(comp_series(d, top, svc, nsvc, &cs));
    const char *per = cs.monthly ? "month" : "week";
    double x0 = cs.n ? cs.x[0] : d->as_of_day - 7, x1 = cs.n ? cs.x[cs.n - 1] : d->as_of_day;
    REGIA_TRY(regia_fig_begin(&fig, WLP_CLASSES, 1200, 1500, p->caption));
    for (size_t c = 0; c < WLP_CLASSES; c++) {
        if (c == 0)
            snprintf(ptitle[c], sizeof ptitle[c], "Ex ante compliance by %s, %s (clock start: %s); class %s", per,
                     short_name(d->a_name[top], 26, an), d->clock_start[0] ? d->clock_start : "?", CLASS_LONG[c]);
        else
            snprintf(ptitle[c], sizeof ptitle[c], "Class %s", CLASS_LONG[c]);
        regia_axes_t ax = {.title = ptitle[c],
                           .xlabel = c + 1 == WLP_CLASSES ? (cs.monthly ? "month (its first Monday)" : "week (Monday)") : "",
                           .ylabel = "booked within limit (%)", .x_is_date = 1, .xmin = x0 - 3,
                           .xmax = x1 + (cs.monthly ? 10 : 3), .ymin = 0, .ymax = 105};
        REGIA_TRY(regia_fig_panel(fig, (int)c, &ax));
        size_t shown = 0, ntgt = 0;
        double tgt_drawn[MAX_LINES];
        for (size_t k = 0; k < nsvc; k++) {
            size_t s = svc[k];
            const double *y = cs.share + (k * WLP_CLASSES + c) * cs.n;
            size_t any = 0;
            for (size_t i = 0; i < cs.n; i++) any += !isnan(y[i]);
            snprintf(label[k], sizeof label[k], "%s %.40s", d->s_code[s], d->s_name[s]);
            if (any) {
                REGIA_TRY(regia_fig_line(fig, cs.x, y, cs.n, NULL, LINE_COLORS[k], REGIA_LINE_SOLID));
                REGIA_TRY(regia_fig_points(fig, cs.x, y, cs.n, label[k], LINE_COLORS[k]));
                shown++;
            }
            double tgt = d->target[s * d->nc + c];
            int seen = 0;
            for (size_t j = 0; j < ntgt; j++) seen |= tgt_drawn[j] == tgt;
            if (!isnan(tgt) && !seen && ntgt < MAX_LINES) {
                tgt_drawn[ntgt++] = tgt;
                snprintf(tl, sizeof tl, "target %g %%", tgt);
                REGIA_TRY(regia_fig_hline(fig, tgt, ntgt == 1 ? tl : NULL, REGIA_C_BLACK, REGIA_LINE_DASHED));
            }
        }
        if (!shown) {
            char msg[160];
            if (isnan(d->k)) snprintf(msg, sizeof msg, "no published %sly share (no request, or suppressed)", per);
            else
                snprintf(msg, sizeof msg, "no published %sly share (no request, or suppressed by disclosure "
                         "control, k = %g)", per, d->k);
            REGIA_TRY(regia_fig_text(fig, x0 + (x1 - x0) * 0.05, 50, msg));
        }
    }
    snprintf(title, sizeof title, "Ex ante compliance by class and %s, %s", per, d->a_name[top]);
    REGIA_TRY(save(fig, p, "compliance", title));
err:
    regia_fig_free(fig);
    free(cs.x);
    free(cs.share);
    return st;
}

/* ---- capacity overview ------------------------------------------------------------------------ */

static regia_status_t fig_capacity(const wlp_t *d, regia_products_t *p, const size_t *svc, size_t nsvc)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    rank_t g[MAX_GROUPS];
    size_t ng = 0;
    rank_t *all = calloc(d->na ? d->na : 1, sizeof *all);
    size_t nall = 0;
    char label[MAX_LINES][160];
    if (!all) return REGIA_FAIL(REGIA_ERR_NOMEM, "capacity figure: no memory");
    /* guarantee areas: any service has an allocation there; the most extra slots first */
    for (size_t a = 0; a < d->na; a++) {
        double tot = 0;
        int any = 0;
        for (size_t s = 0; s < d->ns; s++) {
            double e = d->x_extra[wlp_sa(d, s, a)];
            if (!isnan(e)) any = 1, tot += e;
        }
        if (any) all[nall++] = (rank_t){a, tot};
    }
    qsort(all, nall, sizeof *all, by_key_desc);
    ng = nall < MAX_GROUPS ? nall : MAX_GROUPS;
    for (size_t i = 0; i < ng; i++) g[i] = all[i];
    /* keep the areas in the output's order within the figure */
    for (size_t i = 1; i < ng; i++)
        for (size_t j = i; j > 0 && g[j].i < g[j - 1].i; j--) {
            rank_t t = g[j];
            g[j] = g[j - 1];
            g[j - 1] = t;
        }
    REGIA_TRY(regia_fig_begin(&fig, 2, 1200, 1000, p->caption));
    const char *what[2] = {"extra", "spare"};
    for (int panel = 0; panel < 2; panel++) {
        const double *v = panel == 0 ? d->x_extra : d->x_spare;
        double vmax = 0;
        for (size_t i = 0; i < ng; i++)
            for (size_t k = 0; k < nsvc; k++) {
                double e = v[wlp_sa(d, svc[k], g[i].i)];
                if (!isnan(e) && e > vmax) vmax = e;
            }
        char ptitle[256];
        if (panel == 0)
            snprintf(ptitle, sizeof ptitle, "Extra weekly slots to keep P(missing a class target) within the "
                     "allocation level%s", nall > ng ? " (the areas needing most)" : "");
        else
            snprintf(ptitle, sizeof ptitle, "Spare weekly slots an area could give up and still meet its targets");
        regia_axes_t ax = {.title = ptitle, .xlabel = "guarantee area (district, or ASL for services guaranteed per ASL)",
                           .ylabel = panel == 0 ? "extra slots per week" : "spare slots per week",
                           .xmin = -0.6, .xmax = ng ? (double)ng - 0.4 : 0.4, .ymin = 0,
                           .ymax = vmax > 0 ? vmax * 1.15 + 0.5 : 1};
        REGIA_TRY(regia_fig_panel(fig, panel, &ax));
        /* in each area only the services guaranteed there, side by side, centred */
        size_t per[MAX_GROUPS] = {0}, slot[MAX_GROUPS][MAX_LINES];
        for (size_t i = 0; i < ng; i++)
            for (size_t k = 0; k < nsvc; k++)
                slot[i][k] = isnan(v[wlp_sa(d, svc[k], g[i].i)]) ? (size_t)-1 : per[i]++;
        for (size_t k = 0; k < nsvc; k++) {
            double x[MAX_GROUPS], y[MAX_GROUPS], bw = 0.8;
            size_t nb = 0;
            for (size_t i = 0; i < ng; i++) {
                if (slot[i][k] == (size_t)-1) continue;
                double w = 0.8 / (double)per[i];
                if (w < bw) bw = w;
                x[nb] = (double)i + ((double)slot[i][k] - ((double)per[i] - 1) / 2.0) * w;
                y[nb++] = v[wlp_sa(d, svc[k], g[i].i)];
            }
            snprintf(label[k], sizeof label[k], "%s %.40s", d->s_code[svc[k]], d->s_name[svc[k]]);
            REGIA_TRY(regia_fig_bars(fig, x, y, nb, bw * 0.9, panel == 0 ? label[k] : NULL, LINE_COLORS[k]));
        }
        /* the areas named under the axis: the code, with the name when few areas are drawn */
        double tx[MAX_GROUPS];
        const char *tlab[MAX_GROUPS];
        char tbuf[MAX_GROUPS][2 * WLP_STR];
        for (size_t i = 0; i < ng; i++) {
            char an[WLP_STR];
            tx[i] = (double)i;
            if (ng <= 5)
                snprintf(tbuf[i], sizeof tbuf[i], "%s %s", d->a_code[g[i].i], short_name(d->a_name[g[i].i], 22, an));
            else
                snprintf(tbuf[i], sizeof tbuf[i], "%s", d->a_code[g[i].i]);
            tlab[i] = tbuf[i];
        }
        if (ng) REGIA_TRY(regia_fig_xticks(fig, tx, tlab, ng));
        /* the value above each bar */
        for (size_t k = 0; k < nsvc; k++)
            for (size_t i = 0; i < ng; i++) {
                if (slot[i][k] == (size_t)-1) continue;
                double val = v[wlp_sa(d, svc[k], g[i].i)], w = 0.8 / (double)per[i];
                char vb[32];
                snprintf(vb, sizeof vb, "%g", val);
                double xc = (double)i + ((double)slot[i][k] - ((double)per[i] - 1) / 2.0) * w;
                REGIA_TRY(regia_fig_text(fig, xc - 0.02 * (double)strlen(vb), val + (vmax > 0 ? vmax : 1) * 0.03, vb));
            }
        if (vmax == 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "no %s slots in any area", what[panel]);
            REGIA_TRY(regia_fig_text(fig, -0.4, 0.5, msg));
        }
    }
    REGIA_TRY(save(fig, p, "capacity", "Extra and spare weekly slots per guarantee area and service"));
err:
    regia_fig_free(fig);
    free(all);
    return st;
}

/* ---- per item: risk fan ----------------------------------------------------------------------- */

static regia_status_t fig_risk(const wlp_t *d, regia_products_t *p, size_t s, size_t a)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    size_t nr = d->nr, nq = d->nq;
    double *x = calloc(nr ? nr : 1, sizeof *x), *lo = calloc(nr ? nr : 1, sizeof *lo),
           *hi = calloc(nr ? nr : 1, sizeof *hi), *mid = calloc(nr ? nr : 1, sizeof *mid),
           *mean = calloc(nr ? nr : 1, sizeof *mean);
    char ptitle[WLP_CLASSES][320], stem[256], slug_s[96], slug_a[96], title[400], bl[2][96], ml[64], tl[96], lim[48];
    char sn[WLP_STR], an[WLP_STR];
    if (!x || !lo || !hi || !mid || !mean) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "risk figure: no memory");
        goto err;
    }
    /* the quantiles: outer pair, inner pair, the one nearest the median */
    size_t qm = 0;
    for (size_t q = 0; q < nq; q++)
        if (fabs(d->quantile[q] - 0.5) < fabs(d->quantile[qm] - 0.5)) qm = q;
    for (size_t r = 0; r < nr; r++) x[r] = d->risk_day0 + 7.0 * (double)r;
    REGIA_TRY(regia_fig_begin(&fig, WLP_CLASSES, 1200, 1500, p->caption));
    for (size_t c = 0; c < WLP_CLASSES; c++) {
        size_t base = wlp_sac(d, s, a, c);
        double worst = NAN, tgt = d->target[s * d->nc + c];
        for (size_t r = 0; r < nr; r++) {
            double v = d->r_pmiss[base * nr + r];
            if (!isnan(v) && (isnan(worst) || v > worst)) worst = v;
        }
        limit_text(d->limit[s * d->nc + c], (int)c, lim, sizeof lim);
        if (c == 0)
            snprintf(ptitle[c], sizeof ptitle[c], "Queue risk, %s (%s), %s: class %s", short_name(d->s_name[s], 30, sn),
                     d->s_code[s], short_name(d->a_name[a], 26, an), CLASS_LONG[c]);
        else
            snprintf(ptitle[c], sizeof ptitle[c], "Class %s", CLASS_LONG[c]);
        regia_axes_t ax = {.title = ptitle[c], .xlabel = c + 1 == WLP_CLASSES ? "risk week (Monday)" : "",
                           .ylabel = "requests booked within limit (%)", .x_is_date = 1,
                           .xmin = x[0] - 2, .xmax = x[nr ? nr - 1 : 0] + 2, .ymin = 0, .ymax = 105};
        REGIA_TRY(regia_fig_panel(fig, (int)c, &ax));
        size_t any = 0;
        for (size_t pair = 0; pair < 2 && pair < nq / 2; pair++) {
            size_t ql = pair, qh = nq - 1 - pair;
            for (size_t r = 0; r < nr; r++) {
                lo[r] = 100.0 * d->r_q[(base * nr + r) * nq + ql];
                hi[r] = 100.0 * d->r_q[(base * nr + r) * nq + qh];
                any += !isnan(lo[r]);
            }
            snprintf(bl[pair], sizeof bl[pair], "%g-%g %% of simulated paths", 100 * d->quantile[ql],
                     100 * d->quantile[qh]);
            REGIA_TRY(regia_fig_band(fig, x, lo, hi, nr, bl[pair], pair == 0 ? REGIA_C_SKYBLUE : REGIA_C_BLUE,
                                     pair == 0 ? 0.35 : 0.45));
        }
        for (size_t r = 0; r < nr; r++) {
            mid[r] = 100.0 * d->r_q[(base * nr + r) * nq + qm];
            mean[r] = 100.0 * d->r_mean[base * nr + r];
            any += !isnan(mean[r]);
        }
        snprintf(ml, sizeof ml, "median (q %g)", d->quantile[qm]);
        if (nq) REGIA_TRY(regia_fig_line(fig, x, mid, nr, ml, REGIA_C_BLUE, REGIA_LINE_SOLID));
        REGIA_TRY(regia_fig_line(fig, x, mean, nr, "mean", REGIA_C_BLACK, REGIA_LINE_DOTTED));
        if (!isnan(tgt)) {
            snprintf(tl, sizeof tl, "target %g %% (%s)", tgt, lim);
            REGIA_TRY(regia_fig_hline(fig, tgt, tl, REGIA_C_VERMILION, REGIA_LINE_DASHED));
        }
        char pm[64];
        if (!isnan(worst)) snprintf(pm, sizeof pm, "P(share below target) up to %.2f", worst);
        else snprintf(pm, sizeof pm, "no request of this class expected");
        REGIA_TRY(regia_fig_text(fig, x[0], 6, pm));
    }
    regia_plot_slug(d->s_code[s], slug_s, sizeof slug_s);
    regia_plot_slug(d->a_code[a], slug_a, sizeof slug_a);
    snprintf(stem, sizeof stem, "risk-%s-%s", slug_s, slug_a);
    snprintf(title, sizeof title, "Queue risk of %.60s (%s) in %s", d->s_name[s], d->s_code[s], d->a_name[a]);
    REGIA_TRY(save(fig, p, stem, title));
err:
    regia_fig_free(fig);
    free(x);
    free(lo);
    free(hi);
    free(mid);
    free(mean);
    return st;
}

/* ---- per item: demand ------------------------------------------------------------------------- */

static regia_status_t fig_demand(const wlp_t *d, regia_products_t *p, size_t s, size_t a)
{
    regia_status_t st = REGIA_OK;
    regia_fig_t *fig = NULL;
    long w1 = d->w_last;
    long w0 = w1 - HISTORY_WEEKS + 1 < 0 ? 0 : w1 - HISTORY_WEEKS + 1;
    size_t nhist = w1 >= 0 ? (size_t)(w1 - w0 + 1) : 0, nh = d->nh;
    double *xh = calloc(nhist + 1, sizeof *xh), *yh = calloc(nhist + 1, sizeof *yh),
           *xf = calloc(nh + 1, sizeof *xf), *yf = calloc(nh + 1, sizeof *yf), *lo = calloc(nh + 1, sizeof *lo),
           *hi = calloc(nh + 1, sizeof *hi), *ym = calloc(nhist + 1, sizeof *ym);
    char ptitle[WLP_CLASSES][320], stem[256], slug_s[96], slug_a[96], title[400], bl[4][64];
    char sn[WLP_STR], an[WLP_STR];
    if (!xh || !yh || !xf || !yf || !lo || !hi || !ym) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "demand figure: no memory");
        goto err;
    }
    /* horizon step 1 is the week of as_of: the week after the last complete one */
    double f0 = w1 >= 0 ? d->w_start[w1] + 7.0 : d->as_of_day;
    for (size_t h = 0; h < nh; h++) xf[h] = f0 + 7.0 * (double)h;
    for (size_t i = 0; i < nhist; i++) xh[i] = d->w_start[w0 + (long)i];
    double xmin = nhist ? xh[0] : f0, xmax = nh ? xf[nh - 1] : f0;
    REGIA_TRY(regia_fig_begin(&fig, WLP_CLASSES, 1200, 1500, p->caption));
    for (size_t c = 0; c < WLP_CLASSES; c++) {
        size_t base = wlp_sac(d, s, a, c);
        if (c == 0)
            snprintf(ptitle[c], sizeof ptitle[c], "Weekly requests, %s (%s), %s: class %s",
                     short_name(d->s_name[s], 30, sn), d->s_code[s], short_name(d->a_name[a], 26, an), CLASS_LONG[c]);
        else
            snprintf(ptitle[c], sizeof ptitle[c], "Class %s", CLASS_LONG[c]);
        double ymax = 0;
        for (size_t i = 0; i < nhist; i++) {
            yh[i] = d->req_w[base * d->nw + (size_t)w0 + i];
            if (!isnan(yh[i]) && yh[i] > ymax) ymax = yh[i];
        }
        for (size_t h = 0; h < nh; h++)
            for (size_t i = 0; i < d->ni; i++) {
                double u = d->fc_hi[(base * d->ni + i) * nh + h];
                if (!isnan(u) && u > ymax) ymax = u;
            }
        /* the month's count over its weeks, drawn across them: months are published more
         * often than weeks (a published count divided by a week count recovers nothing); complete months only */
        for (size_t i = 0; i < nhist; i++) {
            long w = w0 + (long)i, m = (long)d->w_month[w];
            double nwk = 0;
            for (size_t u = 0; u < d->nw; u++) nwk += (long)d->w_month[u] == m;
            ym[i] = m >= 0 && m <= d->m_last && (size_t)m < d->nm && nwk > 0 ? d->req_m[base * d->nm + (size_t)m] / nwk : NAN;
            if (!isnan(ym[i]) && ym[i] > ymax) ymax = ym[i];
        }
        regia_axes_t ax = {.title = ptitle[c], .xlabel = c + 1 == WLP_CLASSES ? "week (Monday)" : "",
                           .ylabel = "requests per week", .x_is_date = 1, .xmin = xmin - 3, .xmax = xmax + 3,
                           .ymin = 0, .ymax = ymax > 0 ? ymax * 1.15 : 1};
        REGIA_TRY(regia_fig_panel(fig, (int)c, &ax));
        /* widest interval first */
        size_t order[4], no = d->ni < 4 ? d->ni : 4;
        for (size_t i = 0; i < no; i++) order[i] = i;
        for (size_t i = 1; i < no; i++)
            for (size_t j = i; j > 0 && d->interval[order[j]] > d->interval[order[j - 1]]; j--) {
                size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        size_t fany = 0;
        for (size_t k = 0; k < no; k++) {
            size_t i = order[k];
            for (size_t h = 0; h < nh; h++) {
                lo[h] = d->fc_lo[(base * d->ni + i) * nh + h];
                hi[h] = d->fc_hi[(base * d->ni + i) * nh + h];
                fany += !isnan(lo[h]);
            }
            snprintf(bl[k], sizeof bl[k], "%g %% prediction interval", d->interval[i]);
            REGIA_TRY(regia_fig_band(fig, xf, lo, hi, nh, bl[k], k == 0 ? REGIA_C_SKYBLUE : REGIA_C_BLUE,
                                     k == 0 ? 0.3 : 0.4));
        }
        for (size_t h = 0; h < nh; h++) {
            yf[h] = d->fc[base * nh + h];
            fany += !isnan(yf[h]);
        }
        size_t hany = 0;
        for (size_t i = 0; i < nhist; i++) hany += !isnan(yh[i]);
        REGIA_TRY(regia_fig_line(fig, xh, ym, nhist, "month's requests per week", REGIA_C_GREEN, REGIA_LINE_SOLID));
        REGIA_TRY(regia_fig_line(fig, xh, yh, nhist, NULL, REGIA_C_BLACK, REGIA_LINE_SOLID));
        REGIA_TRY(regia_fig_points(fig, xh, yh, nhist, "requests (published weeks)", REGIA_C_BLACK));
        REGIA_TRY(regia_fig_line(fig, xf, yf, nh, "forecast (mean)", REGIA_C_VERMILION, REGIA_LINE_SOLID));
        REGIA_TRY(regia_fig_vline(fig, d->as_of_day, "as of", REGIA_C_GREY, REGIA_LINE_DASHED));
        if (!fany || hany < nhist) {
            char msg[200], kk[32] = "";
            if (!isnan(d->k)) snprintf(kk, sizeof kk, ", k = %g", d->k);
            snprintf(msg, sizeof msg, "%s%s%s", hany < nhist ? "gaps: weeks suppressed by disclosure control" : "",
                     hany < nhist ? kk : "",
                     !fany ? (hany < nhist ? "; forecast not published" : "forecast not published (few patients)") : "");
            REGIA_TRY(regia_fig_text(fig, xmin, ymax > 0 ? ymax * 1.07 : 0.9, msg));
        }
    }
    regia_plot_slug(d->s_code[s], slug_s, sizeof slug_s);
    regia_plot_slug(d->a_code[a], slug_a, sizeof slug_a);
    snprintf(stem, sizeof stem, "demand-%s-%s", slug_s, slug_a);
    snprintf(title, sizeof title, "Weekly demand and forecast of %.60s (%s) in %s", d->s_name[s], d->s_code[s],
             d->a_name[a]);
    REGIA_TRY(save(fig, p, stem, title));
err:
    regia_fig_free(fig);
    free(xh);
    free(yh);
    free(xf);
    free(yf);
    free(lo);
    free(hi);
    free(ym);
    return st;
}

/* ---- all ---------------------------------------------------------------------------------------- */

regia_status_t wlp_figures(const wlp_t *d, regia_products_t *p)
{
    regia_status_t st = REGIA_OK;
    rank_t *svc_rank = calloc(d->ns ? d->ns : 1, sizeof *svc_rank);
    rank_t *items = calloc(d->ns * d->na + 1, sizeof *items);
    size_t svc[MAX_LINES], nsvc = 0, nitems = 0;
    int made = 0;
    if (!svc_rank || !items) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "waitlist figures: no memory");
        goto err;
    }
    /* the services drawn in the overviews: the highest risk first, at most MAX_LINES */
    for (size_t s = 0; s < d->ns; s++) svc_rank[s] = (rank_t){s, service_risk(d, s)};
    qsort(svc_rank, d->ns, sizeof *svc_rank, by_key_desc);
    nsvc = d->ns < MAX_LINES ? d->ns : MAX_LINES;
    for (size_t k = 0; k < nsvc; k++) svc[k] = svc_rank[k].i;
    if (nsvc) {
        REGIA_TRY(fig_compliance(d, p, svc, nsvc));
        REGIA_TRY(fig_capacity(d, p, svc, nsvc));
    }
    /* per item: every service x guarantee area, the highest worst P(miss) first; after each
     * risk figure the demand figure of its district (services guaranteed per district) */
    for (size_t s = 0; s < d->ns; s++)
        for (size_t a = 0; a < d->na; a++) {
            double w = wlp_worst_pmiss(d, s, a);
            if (!isnan(w)) items[nitems++] = (rank_t){wlp_sa(d, s, a), w};
        }
    qsort(items, nitems, sizeof *items, by_key_desc);
    for (size_t i = 0; i < nitems && made < p->max_figures; i++) {
        size_t s = items[i].i / d->na, a = items[i].i % d->na;
        REGIA_TRY(fig_risk(d, p, s, a));
        made++;
        if (made < p->max_figures && d->a_level[a] == 0) {
            REGIA_TRY(fig_demand(d, p, s, a));
            made++;
        }
    }
    regia_info(p->log, "waitlist products: %d per-item figures of %zu service x guarantee-area cells (quicklook_max "
               "%d), 2 overviews", made, nitems, p->max_figures);
err:
    free(svc_rank);
    free(items);
    return st;
}
