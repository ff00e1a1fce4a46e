/* sensors_post.c - the per-structure analysis of `regia sensors`, after the block loop:
 * the per-record results are gathered on every rank (in global record order), then each
 * structure's records are, in time order: tracked (regia_track_update), the persistent
 * tracks of the training period become the features of the environmental model and the
 * Mahalanobis novelty score (regia_novelty_fit_on / _score), a control chart watches the
 * score, the daily alert rule runs (regia_alerts_daily), the day aggregates are formed,
 * and the GEV is fitted to the block maxima of the daily peaks.  Every rank computes
 * the same numbers from the same gathered data, so the outputs do not depend on the rank
 * count.  The rules: docs/sensors-run.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/gev.h"
#include "sensors_impl.h"

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of the finite values of v[0..n) (reordered); NaN when none. */
static double median(double *v, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) v[k++] = v[i];
    if (k == 0) return NAN;
    qsort(v, (size_t)k, sizeof *v, cmp_dbl);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

typedef struct {
    double f;
    int id;
} sn_trk_t;

static int cmp_trk(const void *a, const void *b)
{
    const sn_trk_t *x = a, *y = b;
    return x->f < y->f ? -1 : x->f > y->f ? 1 : x->id - y->id;
}

/* The mode slot of record g that gives summary mode j: the slot of its own track `id`,
 * else the slot whose mode_number is j + 1 nearest to the reference frequency; -1. */
static int feature_slot(const sn_t *s, int64_t g, int j, int id, double f_ref)
{
    int best = -1;
    double bd = INFINITY;
    for (int m = 0; m < s->K; m++) {
        if (s->track[g * s->K + m] == id) return m;
        if (s->mode_number[g * s->K + m] != j + 1) continue;
        double d = fabs(s->all_mode[(g * s->K + m) * 6] - f_ref);
        if (d < bd) bd = d, best = m;
    }
    return best;
}

/* Offset drift across records ([qc] offset_drift, regia_qc_offset_drift): per structure and
 * channel, each record's median against the median of the channel's first [qc]
 * offset_baseline hours of records; beyond the limit the channel and the record get DRIFT,
 * in the gathered records (day flags, summary) and in this rank's shard (detail).  DRIFT
 * leaves nothing out (REGIA_QC_BAD_MODAL): a shifted zero changes no spectrum or mode after
 * the mean is removed, it is reported for the sensor's maintenance.  A pure function of the
 * gathered medians, the same on every rank. */
static regia_status_t post_offset_drift(sn_t *s, int i, const double *all_off, double *buf, uint8_t *ubuf)
{
    const sn_struct_t *S = &s->st[i];
    const int C = s->C;
    const int64_t R = S->nrec, g0 = S->rec0;
    if (!(s->offset_limit > 0)) return REGIA_OK;
    double *t = buf, *off = buf + R;
    for (int64_t r = 0; r < R; r++) t[r] = (double)(s->all_rec[g0 + r].start_ns - S->t0_ns) * 1e-9;
    for (int c = 0; c < S->nch; c++) {
        for (int64_t r = 0; r < R; r++) off[r] = all_off[(g0 + r) * C + c];
        regia_status_t st = regia_qc_offset_drift(t, off, R, 3600.0 * s->offset_baseline_h, s->offset_limit, NULL,
                                                  NULL, ubuf, NULL);
        if (st) {
            regia_error_prefix("structure %s, channel %s/%s: ", S->name, s->ch[S->ch0 + c].sensor,
                               s->ch[S->ch0 + c].channel);
            return st;
        }
        for (int64_t r = 0; r < R; r++) {
            if (!ubuf[r]) continue;
            const int64_t g = g0 + r;
            s->all_rec[g].flags |= REGIA_QC_DRIFT;
            if (g >= s->r0 && g < s->r0 + s->nr) {
                s->rec[g - s->r0].flags |= REGIA_QC_DRIFT;
                s->ch_flags[(g - s->r0) * C + c] |= REGIA_QC_DRIFT;
            }
        }
    }
    return REGIA_OK;
}

/* Append to each day's sentence the records it did not count and why: left out by the
 * quality flags or without data, or analysed but not scored (no temperature: before the
 * thermal lag's 3 tau of history, or a gap in the temperature channel; no stable mode;
 * fewer tracked modes than [novelty] min_features). */
static regia_status_t unscored_clauses(const sn_t *s, int64_t g0, int64_t R, const int32_t *day, const double *d2,
                                       const double *T, regia_alert_day_t *ad, int64_t D)
{
    int32_t *n = calloc((size_t)(4 * D) + 1, sizeof *n); /* per day: left out, no temperature, no mode, few modes */
    if (!n) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the alert sentences");
    const int needs_t = s->comp.model != REGIA_COMP_PCA;
    for (int64_t r = 0; r < R; r++) {
        const int64_t d = day[r] - s->day0;
        const int32_t st = s->all_rec[g0 + r].status;
        if (d < 0 || d >= D || (st == SN_REC_OK && isfinite(d2[r]))) continue;
        const int k = st != SN_REC_OK && st != SN_REC_NO_MODES ? 0
                      : needs_t && !isfinite(T[r])          ? 1
                      : st == SN_REC_NO_MODES               ? 2
                                                            : 3;
        n[4 * d + k]++;
    }
    static const char *const WHY[3] = {"without temperature", "without a stable mode", "with too few tracked modes"};
    for (int64_t d = 0; d < D; d++) {
        const int32_t *c = n + 4 * d, u = c[1] + c[2] + c[3];
        char part[REGIA_ALERT_REASON_LEN] = "";
        size_t len = 0;
        if (c[0])
            len += (size_t)snprintf(part, sizeof part, "; %d record%s left out (quality flags or no data)", (int)c[0],
                                    c[0] == 1 ? "" : "s");
        if (u) {
            len += (size_t)snprintf(part + len, sizeof part - len, "; %d not scored (", (int)u);
            for (int k = 1, first = 1; k < 4; k++)
                if (c[k]) {
                    len += (size_t)snprintf(part + len, sizeof part - len, "%s%d %s", first ? "" : ", ", (int)c[k],
                                            WHY[k - 1]);
                    first = 0;
                }
            snprintf(part + len, sizeof part - len, ")");
        }
        const size_t have = strlen(ad[d].reason);
        snprintf(ad[d].reason + have, sizeof ad[d].reason - have, "%s", part);
    }
    free(n);
    return REGIA_OK;
}

/* Tracking, features, novelty, chart, alerts and day aggregates of structure i. */
static regia_status_t post_structure(sn_t *s, int i, double *buf, uint8_t *ubuf, int32_t *ibuf)
{
    regia_status_t st = REGIA_OK;
    const sn_struct_t *S = &s->st[i];
    const int K = s->K, C = s->C;
    const int64_t R = S->nrec, g0 = S->rec0, D = s->n_day;
    regia_tracker_t tr;
    regia_novelty_model_t nm;
    memset(&nm, 0, sizeof nm);
    int nm_ok = 0;
    st = regia_track_init(&tr, C, &s->track_cfg);
    if (st) return st;
    int32_t tom[64];
    double f[64], xi[64];
    sn_trk_t *sel = NULL;
    int64_t *hits = NULL;
    int *alias = NULL;
    for (int64_t r = 0; r < R; r++) {
        const int64_t g = g0 + r;
        const sn_rec_t *rc = &s->all_rec[g];
        int n = rc->status == SN_REC_OK ? rc->n_modes : 0;
        for (int m = 0; m < n; m++) {
            f[m] = s->all_mode[(g * K + m) * 6];
            xi[m] = s->all_mode[(g * K + m) * 6 + 2];
        }
        REGIA_TRY(regia_track_update(&tr, r, n, f, xi, s->all_shape + g * K * C * 2, tom));
        for (int m = 0; m < K; m++) s->track[g * K + m] = m < n ? tom[m] : -1;
        for (int e = 0; e < tr.n_events; e++) {
            int kind = tr.events[e].kind;
            if (kind == REGIA_TRACK_EV_NEW) s->n_ev[i * 4 + 0]++;
            else if (kind == REGIA_TRACK_EV_LOST) s->n_ev[i * 4 + 1]++;
            else if (kind == REGIA_TRACK_EV_SPLIT) s->n_ev[i * 4 + 2]++;
            else s->n_ev[i * 4 + 3]++;
        }
    }
    /* training records and the tracks seen in enough of them */
    const int64_t train_end = s->day0 + s->training_days;
    uint8_t *use = ubuf;
    int64_t n_train = 0;
    for (int64_t r = 0; r < R; r++) {
        const sn_rec_t *rc = &s->all_rec[g0 + r];
        use[r] = rc->status == SN_REC_OK && sn_day_of(rc->start_ns) < train_end;
        n_train += use[r];
    }
    int nt = tr.n_tracks;
    sel = calloc((size_t)nt + 1, sizeof *sel);
    hits = calloc((size_t)nt + 1, sizeof *hits);
    alias = calloc((size_t)nt + 1, sizeof *alias);
    if (!sel || !hits || !alias) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory tracking %s", S->name); goto err; }
    for (int64_t r = 0; r < R; r++)
        if (use[r])
            for (int m = 0; m < K; m++) {
                int t = s->track[(g0 + r) * K + m];
                if (t >= 0) hits[t]++;
            }
    int p = 0;
    for (int t = 0; t < nt; t++)
        if (n_train > 0 && hits[t] >= 3 && (double)hits[t] >= s->min_share * (double)n_train)
            sel[p++] = (sn_trk_t){tr.tracks[t].f_ref, t};
    qsort(sel, (size_t)p, sizeof *sel, cmp_trk);
    if (p > K) p = K;
    /* the features: frequency of each selected track per record, and the temperature */
    double *F = buf, *T = F + R * K, *d2 = T + R, *zres = d2 + R, *z = zres + R * K, *tmp = z + R;
    for (int64_t r = 0; r < R; r++) {
        T[r] = s->all_rec[g0 + r].temp_model;
        d2[r] = NAN;
        z[r] = NAN;
    }
    int model = s->comp.model, n_drop = 0;
    char note[200] = "";
    for (;;) {
        /* tracks that stand for a summary mode where its own track has no mode: admissible
         * to its reference (frequency within df_tol, MAC of the reference shapes over their
         * common channels >= mac_min, damping within xi_ratio), the nearest in frequency (a split or a restart of
         * the same physical mode) */
        for (int t = 0; t < nt; t++) {
            alias[t] = -1;
            double best = INFINITY;
            for (int j = 0; j < p; j++) {
                const regia_track_t *a = &tr.tracks[t], *b = &tr.tracks[sel[j].id];
                double df = fabs(a->f_ref - b->f_ref) / b->f_ref;
                if (t == sel[j].id) { alias[t] = j; best = -1; break; }
                if (df <= s->track_cfg.df_tol && df < best && regia_track_xi_ok(&s->track_cfg, a->xi_ref, b->xi_ref) &&
                    regia_track_mac(a->shape_ref, b->shape_ref, C) >= s->track_cfg.mac_min) {
                    best = df;
                    alias[t] = j;
                }
            }
        }
        for (int64_t r = 0; r < R; r++)
            for (int m = 0; m < K; m++) {
                int t = s->track[(g0 + r) * K + m];
                s->mode_number[(g0 + r) * K + m] = t >= 0 ? alias[t] + 1 : 0;
            }
        for (int64_t r = 0; r < R; r++) {
            const int64_t g = g0 + r;
            for (int j = 0; j < p; j++) {
                int m = feature_slot(s, g, j, sel[j].id, tr.tracks[sel[j].id].f_ref);
                F[r * p + j] = m >= 0 ? s->all_mode[(g * K + m) * 6] : NAN;
            }
        }
        if (model != REGIA_COMP_BILINEAR || p == 0) break;
        /* two slopes need training records with every feature on both sides of the break.
         * When a side has fewer than 2, the summary mode seen least on that side is dropped
         * (a mode not identified below freezing cannot be compensated for frost, and with it
         * the frost would be modelled by one slope) and the rest tried again; with one mode
         * left, or fewer than 2 training records on that side at all, the linear model */
        int64_t below = 0, above = 0;
        for (int64_t r = 0; r < R; r++)
            if (use[r] && isfinite(T[r])) {
                int all = 1;
                for (int j = 0; j < p; j++) all &= isfinite(F[r * p + j]) != 0;
                if (all && T[r] < s->comp.t_break) below++;
                else if (all) above++;
            }
        if (below >= 2 && above >= 2) break;
        const int side_below = below < 2;
        int64_t side = 0; /* training records on that side at all */
        for (int64_t r = 0; r < R; r++) side += use[r] && isfinite(T[r]) && (T[r] < s->comp.t_break) == side_below;
        if (p <= 1 || side < 2) { model = REGIA_COMP_LINEAR; break; }
        int drop = -1;
        int64_t fewest = INT64_MAX;
        for (int j = 0; j < p; j++) {
            int64_t n = 0;
            for (int64_t r = 0; r < R; r++)
                if (use[r] && isfinite(T[r]) && (T[r] < s->comp.t_break) == side_below && isfinite(F[r * p + j])) n++;
            if (n < fewest) fewest = n, drop = j;
        }
        size_t len = strlen(note);
        snprintf(note + len, sizeof note - len, "%s%.3g Hz", n_drop++ ? ", " : "", sel[drop].f);
        for (int j = drop; j + 1 < p; j++) sel[j] = sel[j + 1];
        p--;
    }
    s->n_features[i] = p;
    for (int j = 0; j < p; j++) s->summary_track[i * K + j] = sel[j].id;
    s->threshold[i] = NAN;
    if (n_drop)
        snprintf(s->why[i], sizeof s->why[i], "mode%s at %s not a feature (too few training records with every "
                 "mode %s the %g degC break for the bilinear model)", n_drop > 1 ? "s" : "", note,
                 "on one side of", s->comp.t_break);
    else
        snprintf(s->why[i], sizeof s->why[i], "%s", "");
    if (p == 0) {
        snprintf(s->why[i], sizeof s->why[i], "no mode tracked in %g%% of the %lld training records", 100 * s->min_share,
                 (long long)n_train);
    } else {
        int needs_t = s->comp.model != REGIA_COMP_PCA;
        regia_comp_cfg_t cc = s->comp;
        cc.model = model;
        s->model_used[i] = cc.model;
        /* the fit's linear algebra on the run's backend (LAPACK, or cuSOLVER/cuBLAS) */
        regia_status_t fs = regia_novelty_fit_on(s->be, F, needs_t ? T : NULL, R, p, use, &cc, &nm);
        if (fs == REGIA_ERR_INVALID) {
            snprintf(s->why[i], sizeof s->why[i], "novelty model not fitted: %s", regia_error_msg());
            regia_error_clear();
        } else if (fs) {
            st = fs;
            goto err;
        } else {
            nm_ok = 1;
            REGIA_TRY(regia_novelty_score(&nm, F, needs_t ? T : NULL, R, NULL, zres, d2));
            s->threshold[i] = nm.threshold;
        }
    }
    for (int64_t r = 0; r < R; r++) s->novelty[g0 + r] = d2[r];
    /* control chart of D^2's normal score under the law of a new record, winsorised at the
     * threshold's (regia_novelty_chart_score: in control N(0, 1) cut at +-3.09, whatever
     * the training size; one record far outside the model moves it no more than one at the
     * threshold) */
    uint8_t *sig = use + R, *valid = sig + R;
    for (int64_t r = 0; r < R; r++) sig[r] = 0;
    if (nm_ok && s->chart > 0) {
        double mu = 0, sd = 1, *x = tmp;
        REGIA_TRY(regia_novelty_chart_score(&nm, d2, R, x, &mu, &sd));
        if (s->chart == 1)
            REGIA_TRY(regia_ewma(x, R, mu, sd, s->ewma_lambda, s->ewma_L, 1, z, NULL, NULL, sig));
        else
            REGIA_TRY(regia_cusum(x, R, mu, sd, s->cusum_k, s->cusum_h, 1, z, NULL, sig));
    }
    for (int64_t r = 0; r < R; r++) s->chart_stat[g0 + r] = z[r];
    /* the daily alerts */
    int32_t *day = ibuf;
    for (int64_t r = 0; r < R; r++) {
        day[r] = (int32_t)sn_day_of(s->all_rec[g0 + r].start_ns);
        valid[r] = s->all_rec[g0 + r].status == SN_REC_OK && isfinite(d2[r]);
    }
    /* Two passes of the daily rule: every scored record (up to yellow), and only the records
     * whose frequencies fell (regia_novelty_shift < 0: a stiffness loss; frost outside the
     * training range, or another stiffening, raises them), which alone can make a day red.
     * Regression models: the mean standardised residual against the temperature model; PCA:
     * the mean standardised frequency against its training mean, as its residual, what the
     * first components leave, takes no sign from a drop common to all frequencies (seed 11
     * of the demo: H04's damage, -2.4 to -4.6 %, left residuals of mean > 0 and its red days
     * were called stiffening). */
    regia_alert_day_t *ad = s->alert_days, *ad2 = s->alert_days + D;
    if (nm_ok) {
        uint8_t *fell = valid + R;
        double *shift = tmp; /* the chart's scores are done with */
        REGIA_TRY(regia_novelty_shift(&nm, F, zres, R, shift));
        for (int64_t r = 0; r < R; r++) fell[r] = valid[r] && shift[r] < 0;
        REGIA_TRY(regia_alerts_daily(day, valid, d2, R, nm.threshold, s->chart == 1 ? sig : NULL,
                                     s->chart == 2 ? sig : NULL, zres, p, (int32_t)s->day0, (int32_t)D, &s->alert, ad));
        REGIA_TRY(regia_alerts_daily(day, fell, d2, R, nm.threshold, s->chart == 1 ? sig : NULL,
                                     s->chart == 2 ? sig : NULL, zres, p, (int32_t)s->day0, (int32_t)D, &s->alert, ad2));
        /* the sentences: the counts of the pass that decided, and why records were not scored */
        for (int64_t d = 0; d < D; d++) {
            const int32_t scored = ad[d].n_valid;
            if (ad2[d].level == REGIA_ALERT_RED) {
                char what[96];
                snprintf(what, sizeof what, "records whose frequencies fell (of %d scored)", (int)scored);
                ad[d] = ad2[d];
                regia_alert_reason(&ad[d], &s->alert, nm.threshold, what);
            } else {
                regia_alert_reason(&ad[d], &s->alert, nm.threshold, "scored records");
                if (ad[d].level == REGIA_ALERT_RED) {
                    char why[REGIA_ALERT_REASON_LEN - 64];
                    snprintf(why, sizeof why, "%s", ad[d].reason + 5); /* after "red: " */
                    ad[d].level = REGIA_ALERT_YELLOW;
                    ad[d].code |= SN_ALERT_C_STIFFENING;
                    snprintf(ad[d].reason, sizeof ad[d].reason, "yellow, frequencies above the model (stiffening, "
                             "not damage): %s", why);
                }
            }
        }
        REGIA_TRY(unscored_clauses(s, g0, R, day, d2, T, ad, D));
    }
    /* the reason says when a day's scored records had temperatures outside the training
     * range: the model extrapolates there (frost colder than any of training) */
    if (nm_ok) {
        double tlo = INFINITY, thi = -INFINITY;
        for (int64_t r = 0; r < R; r++)
            if (use[r] && isfinite(d2[r]) && isfinite(T[r])) tlo = fmin(tlo, T[r]), thi = fmax(thi, T[r]);
        for (int64_t r = 0; r < R && tlo <= thi;) {
            int64_t r1 = r, nout = 0;
            double worst = NAN, wdv = 0;
            while (r1 < R && day[r1] == day[r]) {
                double dv = isfinite(T[r1]) ? fmax(tlo - T[r1], T[r1] - thi) : 0;
                if (valid[r1] && dv > 0) {
                    nout++;
                    if (dv > wdv) wdv = dv, worst = T[r1];
                }
                r1++;
            }
            const int64_t d = day[r] - s->day0;
            if (nout && d >= 0 && d < D) {
                size_t len = strlen(ad[d].reason);
                snprintf(ad[d].reason + len, sizeof ad[d].reason - len,
                         "; %lld scored record%s outside the training temperatures %.1f to %.1f degC (%s%.1f)",
                         (long long)nout, nout > 1 ? "s" : "", tlo, thi, nout > 1 ? "farthest " : "", worst);
            }
            r = r1;
        }
    }
    /* day aggregates */
    for (int64_t d = 0; d < D; d++) {
        const int64_t o = i * D + d;
        s->d_rms[o] = s->d_peak[o] = s->d_temp[o] = s->d_nov[o] = s->d_chart[o] = NAN;
        s->d_nrec[o] = s->d_nleft[o] = s->d_flags[o] = 0;
        for (int j = 0; j < K; j++) s->d_freq[o * K + j] = s->d_damp[o * K + j] = NAN;
        if (nm_ok) {
            s->d_alert[o] = (signed char)ad[d].level;
            snprintf(s->d_reason + o * SN_REASON, SN_REASON, "%s", ad[d].reason);
            s->d_code[o] = (int32_t)ad[d].code;
        } else {
            s->d_alert[o] = -1;
            snprintf(s->d_reason + o * SN_REASON, SN_REASON, "not scored: %s", s->why[i]);
            s->d_code[o] = SN_ALERT_C_NOT_SCORED;
        }
    }
    {
        int64_t r = 0;
        while (r < R) {
            const int64_t d = day[r] - s->day0, o = i * D + d;
            int64_t r1 = r;
            while (r1 < R && day[r1] == day[r]) r1++;
            double ss = 0, pk = -1, ts = 0;
            int nrms = 0, nt_ = 0;
            for (int64_t q = r; q < r1; q++) {
                const sn_rec_t *rc = &s->all_rec[g0 + q];
                s->d_flags[o] |= rc->flags;
                if (rc->status == SN_REC_OK || rc->status == SN_REC_NO_MODES) s->d_nrec[o]++;
                else s->d_nleft[o]++;
                if (isfinite(rc->rms)) ss += rc->rms * rc->rms, nrms++;
                if (isfinite(rc->peak) && rc->peak > pk) pk = rc->peak;
                if (isfinite(rc->temperature)) ts += rc->temperature, nt_++;
                if (isfinite(d2[q]) && !(s->d_nov[o] >= d2[q])) s->d_nov[o] = d2[q];
                if (isfinite(z[q])) s->d_chart[o] = z[q];
            }
            if (nrms) s->d_rms[o] = sqrt(ss / nrms);
            if (pk >= 0) s->d_peak[o] = pk;
            if (nt_) s->d_temp[o] = ts / nt_;
            for (int j = 0; j < p; j++) {
                int n = 0;
                for (int64_t q = r; q < r1; q++) tmp[n++] = F[q * p + j];
                s->d_freq[o * K + j] = median(tmp, n);
                n = 0;
                for (int64_t q = r; q < r1; q++) {
                    int m = feature_slot(s, g0 + q, j, sel[j].id, tr.tracks[sel[j].id].f_ref);
                    tmp[n++] = m >= 0 ? s->all_mode[((g0 + q) * K + m) * 6 + 2] : NAN;
                }
                s->d_damp[o * K + j] = median(tmp, n);
            }
            r = r1;
        }
    }
    for (int j = 0; j < K; j++) {
        double sum = 0;
        int n = 0;
        for (int64_t r = 0; r < R && j < p; r++)
            if (isfinite(F[r * p + j])) sum += F[r * p + j], n++;
        s->track_f[i * K + j] = n ? sum / n : NAN;
    }
    s->n_tracks_all[i] = nt;
err:
    free(sel);
    free(hits);
    free(alias);
    if (nm_ok) regia_novelty_free(&nm);
    regia_track_free(&tr);
    if (st) regia_error_prefix("structure %s: ", S->name);
    return st;
}

/* GEV of the block maxima of the daily peaks of structure i; the log warns of return
 * levels that extrapolate beyond REGIA_GEV_EXTRAP_MAX record lengths or whose interval
 * reaches below 0 (a peak cannot). */
static regia_status_t post_gev(sn_t *s, int i, double *x, const regia_log_t *log)
{
    const int64_t D = s->n_day, B = s->block_days;
    const int R = s->n_periods > 0 ? s->n_periods : 1;
    int32_t n = 0;
    for (int64_t b0 = 0; b0 < D; b0 += B) {
        double m = NAN;
        for (int64_t d = b0; d < b0 + B && d < D; d++) {
            double v = s->d_peak[i * D + d];
            if (isfinite(v) && !(m >= v)) m = v;
        }
        if (isfinite(m)) x[n++] = m;
    }
    regia_gev_fit_t fit;
    regia_status_t st = regia_gev_fit(x, n, &fit);
    if (st) return st;
    s->gev_n[i] = n;
    s->gev_status[i] = fit.status;
    int usable = fit.status == REGIA_GEV_OK || fit.status == REGIA_GEV_SINGULAR;
    for (int k = 0; k < 3; k++) {
        s->gev[i * 6 + k] = usable ? fit.par[k] : NAN;
        s->gev[i * 6 + 3 + k] = fit.status == REGIA_GEV_OK ? fit.se[k] : NAN;
    }
    for (int j = 0; j < R; j++) {
        double lo = NAN, hi = NAN, T = s->n_periods > 0 ? s->periods[j] / (double)B : NAN;
        s->rl[i * R + j] = usable && isfinite(T) ? regia_gev_return_level(&fit, T, s->level, NULL, &lo, &hi) : NAN;
        s->rl_lo[i * R + j] = usable ? lo : NAN;
        s->rl_hi[i * R + j] = usable ? hi : NAN;
        int32_t cav = usable && isfinite(T) ? regia_gev_rl_caveats(&fit, T, lo, 1) : 0;
        if (cav & REGIA_GEV_RL_EXTRAPOLATED)
            regia_warn(log, "structure %s: the %g-day return level of the daily peak (%.3g m s-2) extrapolates %.0f "
                       "times the %d blocks fitted (more than %g: its %g %% interval understates the uncertainty of "
                       "the shape; docs/evt.md)", s->st[i].name, s->periods[j], s->rl[i * R + j], T / fit.n,
                       (int)fit.n, REGIA_GEV_EXTRAP_MAX, 100 * s->level);
        if (cav & REGIA_GEV_RL_LOWER_NEGATIVE)
            regia_warn(log, "structure %s: the %g-day return level's interval reaches %.3g m s-2, below 0, which a "
                       "peak cannot be: read its lower end as 0", s->st[i].name, s->periods[j], lo);
    }
    return REGIA_OK;
}

/* Collective: gather the per-record results, then every structure (on every rank). */
regia_status_t sn_post(regia_run_t *run, void *self)
{
    sn_t *s = self;
    regia_status_t st = REGIA_OK;
    const int64_t N = s->n_rec, S = s->n_struct, D = s->n_day;
    const int K = s->K, C = s->C, R = s->n_periods > 0 ? s->n_periods : 1;
    int64_t maxR = 1;
    for (int i = 0; i < S; i++)
        if (s->st[i].nrec > maxR) maxR = s->st[i].nrec;
    double *buf = malloc(sizeof(double) * (size_t)(maxR * (3 * K + 6) + D + 16));
    uint8_t *ubuf = malloc((size_t)(4 * maxR + 16));
    int32_t *ibuf = malloc(sizeof(int32_t) * (size_t)(maxR + 16));
#define ALLOC(p, n) ((p) = calloc((size_t)(n) + 1, sizeof *(p)))
    ALLOC(s->all_rec, N);
    ALLOC(s->all_mode, N * K * 6);
    ALLOC(s->all_shape, N * K * C * 2);
    double *all_off = calloc((size_t)(N * C) + 1, sizeof *all_off); /* ch_off of every record */
    ALLOC(s->track, N * K);
    ALLOC(s->mode_number, N * K);
    ALLOC(s->novelty, N);
    ALLOC(s->chart_stat, N);
    ALLOC(s->threshold, S);
    ALLOC(s->n_features, S);
    ALLOC(s->n_tracks_all, S);
    ALLOC(s->n_ev, S * 4);
    ALLOC(s->summary_track, S * K);
    ALLOC(s->why, S);
    ALLOC(s->track_f, S * K);
    ALLOC(s->alert_days, 2 * D);
    ALLOC(s->model_used, S);
    ALLOC(s->d_rms, S * D);
    ALLOC(s->d_peak, S * D);
    ALLOC(s->d_temp, S * D);
    ALLOC(s->d_nov, S * D);
    ALLOC(s->d_chart, S * D);
    ALLOC(s->d_freq, S * D * K);
    ALLOC(s->d_damp, S * D * K);
    ALLOC(s->d_nrec, S * D);
    ALLOC(s->d_nleft, S * D);
    ALLOC(s->d_flags, S * D);
    ALLOC(s->d_alert, S * D);
    ALLOC(s->d_reason, S * D * SN_REASON);
    ALLOC(s->d_code, S * D);
    ALLOC(s->gev, S * 6);
    ALLOC(s->gev_n, S);
    ALLOC(s->gev_status, S);
    ALLOC(s->rl, S * R);
    ALLOC(s->rl_lo, S * R);
    ALLOC(s->rl_hi, S * R);
#undef ALLOC
    if (!buf || !ubuf || !ibuf || !s->all_rec || !s->all_mode || !s->all_shape || !all_off || !s->track || !s->mode_number ||
        !s->novelty || !s->chart_stat || !s->threshold || !s->n_features || !s->n_tracks_all || !s->n_ev ||
        !s->summary_track || !s->why || !s->track_f || !s->alert_days || !s->model_used || !s->d_rms || !s->d_peak || !s->d_temp ||
        !s->d_nov || !s->d_chart || !s->d_freq || !s->d_damp || !s->d_nrec || !s->d_nleft || !s->d_flags ||
        !s->d_alert || !s->d_reason || !s->d_code || !s->gev || !s->gev_n || !s->gev_status || !s->rl || !s->rl_lo || !s->rl_hi)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the analysis of %lld records", (long long)N);
    if ((st = regia_run_agree(run, st))) goto err;
    memcpy(s->all_rec + s->r0, s->rec, sizeof *s->rec * (size_t)s->nr);
    memcpy(s->all_mode + s->r0 * K * 6, s->mode, sizeof(double) * (size_t)(s->nr * K * 6));
    memcpy(s->all_shape + s->r0 * K * C * 2, s->shape, sizeof(double) * (size_t)(s->nr * K * C * 2));
    REGIA_TRY(regia_run_allgather_items(run, s->all_rec, sizeof *s->all_rec));
    REGIA_TRY(regia_run_allgather_items(run, s->all_mode, sizeof(double) * (size_t)K * 6));
    memcpy(all_off + s->r0 * C, s->ch_off, sizeof(double) * (size_t)(s->nr * C));
    REGIA_TRY(regia_run_allgather_items(run, s->all_shape, sizeof(double) * (size_t)K * C * 2));
    REGIA_TRY(regia_run_allgather_items(run, all_off, sizeof(double) * (size_t)C));
    long long n_st[4] = {0, 0, 0, 0}; /* SN_REC_OK, _NO_MODES, _QC, _NO_DATA */
    for (int64_t g = 0; g < N; g++)
        if (s->all_rec[g].status >= 0 && s->all_rec[g].status < 4) n_st[s->all_rec[g].status]++;
    if (n_st[SN_REC_OK] == 0) { /* say which stage lost them */
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "no record of %s gave a mode: of %lld records, %lld had no or too little "
                        "data (less than [records] min_coverage %g of the window: is [records] length %g s longer "
                        "than the traces?), %lld were left out by the quality flags ([qc]), %lld gave no stable mode "
                        "([ssi])", s->store, (long long)N, n_st[SN_REC_NO_DATA], s->min_coverage, s->rec_s,
                        n_st[SN_REC_QC], n_st[SN_REC_NO_MODES]);
        goto err;
    }
    /* every rank, every structure: local and deterministic */
    for (int i = 0; i < S && !st; i++) st = post_offset_drift(s, i, all_off, buf, ubuf);
    for (int i = 0; i < S && !st; i++) st = post_structure(s, i, buf, ubuf, ibuf);
    for (int i = 0; i < S && !st; i++) st = post_gev(s, i, buf, &run->ctx->log);
    if (st) goto err;
    /* the summary's mode dimension: the most features of a structure; repack from K */
    int M = 1;
    for (int i = 0; i < S; i++)
        if (s->n_features[i] > M) M = s->n_features[i];
    s->n_track_max = M;
    for (int64_t o = 0; o < S * D; o++)
        for (int j = 0; j < M; j++) {
            s->d_freq[o * M + j] = s->d_freq[o * K + j];
            s->d_damp[o * M + j] = s->d_damp[o * K + j];
        }
    for (int64_t i = 0; i < S; i++)
        for (int j = 0; j < M; j++) s->track_f[i * M + j] = s->track_f[i * K + j];
    /* the first red day, for the report */
    s->first_red = -1;
    for (int64_t d = 0; d < D && s->first_red < 0; d++)
        for (int64_t i = 0; i < S; i++)
            if (s->d_alert[i * D + d] == REGIA_ALERT_RED) { s->first_red = s->day0 + d; break; }
err:
    free(all_off);
    free(buf);
    free(ubuf);
    free(ibuf);
    return regia_run_agree(run, st);
}
