/* Quality flags of one channel of a structural-sensor record (contract and detector
 * definitions: include/regia/sensor_qc.h).
 *
 * The Hampel filter (Hampel 1974; Pearson et al. 2016, "Generalized Hampel filters")
 * keeps the window sorted while it slides (one binary-search insert and one delete per
 * sample, a memmove of at most w values each) and takes the MAD as the k-th smallest of
 * the two sorted deviation sequences on either side of the median by binary search, so a
 * sample costs O(w) moves and O(log w) comparisons instead of a sort.  Medians of
 * even-length windows are the mean of the two middle values (numpy.median's convention). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/sensor_qc.h"

void regia_qc_defaults(regia_qc_cfg_t *cfg, double fs)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->fs = fs;
    cfg->gap_factor = 1.5;
    cfg->hampel_half = 50;
    cfg->hampel_k = 6.0;
    cfg->spike_min_abs = 0.0;
    cfg->hampel_replace = 1;
    cfg->spike_tolerance = 0;
    cfg->spike_max_frac = 1e-3;
    int32_t fw = (int32_t)lround(fs > 0 ? fs / 2 : 4);
    cfg->flat_win = fw < 4 ? 4 : fw;
    cfg->flat_eps = 1e-9;
    int64_t fm = (int64_t)llround(fs > 0 ? 2 * fs : 8);
    cfg->flat_min = fm < cfg->flat_win ? cfg->flat_win : fm;
    cfg->full_scale = 0.0;
    cfg->clip_tol = 1e-9;
    cfg->clip_min_run = 3;
    cfg->clip_min_samples = 3;
    cfg->drift_segments = 10;
    cfg->drift_abs = 0.0;
    cfg->drift_rel = 0.5;
    cfg->dead_rms = 1e-5;
    cfg->min_samples = 16;
}

regia_status_t regia_qc_check_cfg(const regia_qc_cfg_t *c)
{
#define BAD(...) return REGIA_FAIL(REGIA_ERR_INVALID, "sensor QC settings: " __VA_ARGS__)
    if (!(c->fs > 0) || isinf(c->fs)) BAD("fs = %g must be > 0", c->fs);
    if (!(c->gap_factor > 1)) BAD("gap_factor = %g must be > 1", c->gap_factor);
    if (c->hampel_half < 0 || c->hampel_half > 100000) BAD("hampel_half = %d outside 0..100000", (int)c->hampel_half);
    if (!(c->hampel_k > 0)) BAD("hampel_k = %g must be > 0", c->hampel_k);
    if (!(c->spike_min_abs >= 0)) BAD("spike_min_abs = %g must be >= 0", c->spike_min_abs);
    if (c->spike_tolerance < 0) BAD("spike_tolerance must be >= 0");
    if (!(c->spike_max_frac >= 0 && c->spike_max_frac <= 1)) BAD("spike_max_frac = %g outside [0, 1]", c->spike_max_frac);
    if (c->flat_win < 2) BAD("flat_win = %d must be >= 2", (int)c->flat_win);
    if (!(c->flat_eps >= 0)) BAD("flat_eps = %g must be >= 0", c->flat_eps);
    if (c->flat_min < 1) BAD("flat_min must be >= 1");
    if (!(c->full_scale >= 0) || isinf(c->full_scale)) BAD("full_scale = %g must be >= 0", c->full_scale);
    if (!(c->clip_tol >= 0)) BAD("clip_tol = %g must be >= 0", c->clip_tol);
    if (c->clip_min_run < 1) BAD("clip_min_run must be >= 1");
    if (c->clip_min_samples < 1) BAD("clip_min_samples must be >= 1");
    if (c->drift_segments < 3) BAD("drift_segments = %d must be >= 3", (int)c->drift_segments);
    if (!(c->drift_abs >= 0) || !(c->drift_rel >= 0)) BAD("drift limits must be >= 0");
    if (!(c->drift_abs > 0) && !(c->drift_rel > 0)) BAD("drift_abs and drift_rel are both 0");
    if (!(c->dead_rms >= 0)) BAD("dead_rms = %g must be >= 0", c->dead_rms);
    if (c->min_samples < 1) BAD("min_samples must be >= 1");
#undef BAD
    return REGIA_OK;
}

/* --- selection ------------------------------------------------------------------------- */

/* k-th smallest of v[0..n-1] (reorders v), Hoare's quickselect with median-of-three. */
static double select_kth(double *v, int64_t n, int64_t k)
{
    int64_t lo = 0, hi = n - 1;
    while (hi > lo) {
        int64_t mid = lo + (hi - lo) / 2;
        double a = v[lo], b = v[mid], c = v[hi];
        double piv = (a < b) ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < piv) i++;
            while (v[j] > piv) j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j], v[j] = t;
                i++, j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return v[k];
    }
    return v[k];
}

/* numpy.median of v[0..n-1] (reorders v); n >= 1. */
static double median_inplace(double *v, int64_t n)
{
    double hi = select_kth(v, n, n / 2);
    if (n % 2) return hi;
    double lo = v[0];
    for (int64_t i = 1; i < n / 2; i++)
        if (v[i] > lo) lo = v[i];
    return 0.5 * (lo + hi);
}

/* --- Hampel ---------------------------------------------------------------------------- */

static int64_t lower_bound(const double *s, int64_t n, double v)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (s[mid] < v) lo = mid + 1; else hi = mid;
    }
    return lo;
}

static void win_insert(double *s, int64_t *n, double v)
{
    int64_t p = lower_bound(s, *n, v);
    memmove(s + p + 1, s + p, sizeof(double) * (size_t)(*n - p));
    s[p] = v;
    (*n)++;
}

static void win_remove(double *s, int64_t *n, double v)
{
    int64_t p = lower_bound(s, *n, v); /* v is present: samples are finite */
    memmove(s + p, s + p + 1, sizeof(double) * (size_t)(*n - p - 1));
    (*n)--;
}

/* Median and MAD of the sorted window s[0..w-1] in O(log w).  The deviations from the
 * median m are two ascending sequences, left L_i = m - s[c-1-i] (i < c) and right R_j =
 * s[c+j] - m (j < w - c), c the first index with s >= m; the MAD is the K-th smallest
 * (K = w/2 + 1) of their union (the mean of the (K-1)-th and K-th for even w), found by
 * binary search on how many of the K smallest come from the left. */
static void win_med_mad(const double *s, int64_t w, double *med, double *mad)
{
    double m = (w % 2) ? s[w / 2] : 0.5 * (s[w / 2 - 1] + s[w / 2]);
    int64_t c = lower_bound(s, w, m), nL = c, nR = w - c, K = w / 2 + 1;
#define LDEV(i) (m - s[c - 1 - (i)])
#define RDEV(j) (s[c + (j)] - m)
    int64_t lo = K - nR > 0 ? K - nR : 0, hi = K < nL ? K : nL;
    while (lo < hi) { /* smallest i with not (R_{K-i-1} > L_i) */
        int64_t i = (lo + hi) / 2;
        if (K - i > 0 && RDEV(K - i - 1) > LDEV(i)) lo = i + 1;
        else hi = i;
    }
    int64_t i = lo, j = K - lo;
    double topL = i > 0 ? LDEV(i - 1) : -INFINITY, topR = j > 0 ? RDEV(j - 1) : -INFINITY;
    double kth = topL >= topR ? topL : topR;
    *med = m;
    if (w % 2) {
        *mad = kth;
        return;
    }
    double second; /* the (K-1)-th: the largest of the taken ones without the K-th */
    if (topL >= topR) second = fmax(i > 1 ? LDEV(i - 2) : -INFINITY, topR);
    else second = fmax(topL, j > 1 ? RDEV(j - 2) : -INFINITY);
    *mad = 0.5 * (second + kth);
#undef LDEV
#undef RDEV
}

/* Replace the value old (present) of the sorted window by new, moving only the values
 * between their two positions. */
static void win_replace(double *s, int64_t w, double old, double new)
{
    int64_t p = lower_bound(s, w, old), q = lower_bound(s, w, new);
    if (q > p) {
        memmove(s + p, s + p + 1, sizeof(double) * (size_t)(q - 1 - p));
        s[q - 1] = new;
    } else {
        memmove(s + q + 1, s + q, sizeof(double) * (size_t)(p - q));
        s[q] = new;
    }
}

/* Hampel spikes of y[0..m-1]: clean[i] = the window median where y[i] is a spike (a spike
 * deviates from its median, so clean[i] != y[i] exactly there; clean holds a copy of y on
 * entry). Returns the count.  Most samples are cleared without the exact MAD: the
 * MAD is at least the K-th smallest deviation, K = (w + 1)/2 (the median of the
 * deviations for odd w, the lower of the two middle ones for even w); with window indices
 * lo < hi, hi - lo = K, s[lo] <= median <= s[hi], an interval [med - d, med + d] with
 * d < min(med - s[lo], s[hi] - med) holds at most K - 1 values, so that minimum is a lower
 * bound of the MAD, and a deviation within k 1.4826 times it is no spike. */
static int64_t hampel(const double *y, int64_t m, int32_t h, double k, double min_abs, double *clean,
                      double *win)
{
    int64_t w = 0, count = 0;
    const double kk = k * 1.4826;
    for (int64_t i = 0; i <= (int64_t)h && i < m; i++) win_insert(win, &w, y[i]);
    for (int64_t i = 0; i < m; i++) {
        if (i > 0) {
            int add = i + h < m, drop = i - h - 1 >= 0;
            if (add && drop) win_replace(win, w, y[i - h - 1], y[i + h]);
            else if (add) win_insert(win, &w, y[i + h]);
            else if (drop) win_remove(win, &w, y[i - h - 1]);
        }
        double med = (w % 2) ? win[w / 2] : 0.5 * (win[w / 2 - 1] + win[w / 2]);
        double dev = fabs(y[i] - med);
        if (w >= 3) {
            int64_t K = (w + 1) / 2, lo = (w - 1 - K) / 2, hi = lo + K;
            double lb = fmin(med - win[lo], win[hi] - med);
            if (dev <= kk * lb) continue;
        }
        double mad;
        win_med_mad(win, w, &med, &mad);
        int is = mad > 0 ? dev > kk * mad : (min_abs > 0 && dev > min_abs);
        if (is) clean[i] = med, count++;
    }
    return count;
}

/* --- the other detectors --------------------------------------------------------------- */

static int64_t flat_longest(const double *y, int64_t m, int32_t win, double eps)
{
    if (m < 2) return 0;
    int64_t w = win < m ? win : m, step = w / 2 > 0 ? w / 2 : 1;
    int64_t longest = 0, run_start = -1, run_end = -1;
    for (int64_t s = 0;; s += step) {
        int last = 0;
        if (s + w >= m) s = m - w, last = 1;
        double mu = 0, var = 0;
        for (int64_t i = s; i < s + w; i++) mu += y[i];
        mu /= (double)w;
        for (int64_t i = s; i < s + w; i++) var += (y[i] - mu) * (y[i] - mu);
        int flat = sqrt(var / (double)w) < eps;
        if (flat) {
            if (run_start < 0 || s > run_end) run_start = s;
            run_end = s + w;
            if (run_end - run_start > longest) longest = run_end - run_start;
        } else {
            run_start = -1;
        }
        if (last) break;
    }
    return longest;
}

static void clipping(const double *y, int64_t m, const regia_qc_cfg_t *cfg, double xmin, double xmax,
                     int64_t *samples, int64_t *runs)
{
    *samples = 0, *runs = 0;
    if (m == 0 || (cfg->full_scale <= 0 && xmax - xmin <= cfg->clip_tol)) return;
    int64_t run = 0;
    int side = 0;
    for (int64_t i = 0; i <= m; i++) {
        int s = 0;
        if (i < m) {
            if (cfg->full_scale > 0) {
                if (y[i] >= cfg->full_scale - cfg->clip_tol) s = 1;
                else if (y[i] <= -cfg->full_scale + cfg->clip_tol) s = -1;
            } else {
                if (y[i] >= xmax - cfg->clip_tol) s = 1;
                else if (y[i] <= xmin + cfg->clip_tol) s = -1;
            }
        }
        if (s != 0 && s == side) {
            run++;
            continue;
        }
        if (side != 0 && run >= cfg->clip_min_run) (*runs)++, *samples += run;
        side = s, run = s ? 1 : 0;
    }
}

/* Theil-Sen drift over segment medians; scratch >= m + S*(S-1)/2 + S doubles. */
static double drift_estimate(const double *y, int64_t m, int32_t S, double *scratch)
{
    int64_t L = m / S;
    if (L < 1) return 0.0;
    double *med = scratch, *pairs = scratch + S, *seg = scratch + S + (int64_t)S * (S - 1) / 2;
    for (int32_t s = 0; s < S; s++) {
        int64_t a = (int64_t)s * L, b = (s == S - 1) ? m : a + L;
        memcpy(seg, y + a, sizeof(double) * (size_t)(b - a));
        med[s] = median_inplace(seg, b - a);
    }
    int64_t np = 0;
    for (int32_t i = 0; i < S; i++)
        for (int32_t j = i + 1; j < S; j++) pairs[np++] = (med[j] - med[i]) / ((double)(j - i) * (double)L);
    return median_inplace(pairs, np) * (double)m;
}

/* --- the channel ----------------------------------------------------------------------- */

regia_status_t regia_qc_channel(double *x, const double *t, int64_t n, const regia_qc_cfg_t *cfg,
                                regia_qc_result_t *res)
{
    regia_status_t st = REGIA_OK;
    double *ybuf = NULL, *clean = NULL, *scratch = NULL;
    int64_t *pos = NULL;
    int64_t *keep_pos = res->spike_pos, keep_cap = res->spike_cap;
    memset(res, 0, sizeof *res);
    res->spike_pos = keep_pos, res->spike_cap = keep_pos ? keep_cap : 0;
    res->mean = res->rms = res->peak = res->peak_raw = res->xmin = res->xmax = NAN;
    res->drift = res->drift_limit = NAN;
    REGIA_TRY(regia_qc_check_cfg(cfg));
    if (n < 0 || (n > 0 && !x)) REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID, "sensor QC: no samples (n = %lld)", (long long)n));
    res->n = n;
    size_t nn = (size_t)(n > 0 ? n : 1);
    int32_t S = cfg->drift_segments;
    clean = malloc(sizeof(double) * nn);
    size_t nscr = nn + (size_t)S * (size_t)(S + 1) + 2 * (size_t)cfg->hampel_half + 2;
    scratch = malloc(sizeof(double) * nscr);
    if (!clean || !scratch) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "sensor QC: out of memory (%lld samples)", (long long)n));

    /* NaN runs; with any, the finite samples are compacted into y with their positions */
    int64_t m = 0, run = 0;
    for (int64_t i = 0; i < n; i++) {
        if (isfinite(x[i])) {
            run = 0;
        } else {
            res->n_nan++;
            if (++run > res->nan_longest) res->nan_longest = run;
        }
    }
    const double *y = x;
    if (res->n_nan) {
        ybuf = malloc(sizeof(double) * nn);
        pos = malloc(sizeof(int64_t) * nn);
        if (!ybuf || !pos) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "sensor QC: out of memory (%lld samples)", (long long)n));
        for (int64_t i = 0; i < n; i++)
            if (isfinite(x[i])) ybuf[m] = x[i], pos[m] = i, m++;
        y = ybuf;
    } else {
        m = n;
    }
    res->n_finite = m;
    if (res->n_nan) res->flags |= REGIA_QC_NAN;
    if (m < cfg->min_samples) res->flags |= REGIA_QC_SHORT;

    /* gaps from the time vector */
    if (t) {
        double dt = 1.0 / cfg->fs, lim = cfg->gap_factor * dt;
        for (int64_t i = 1; i < n; i++) {
            double step = t[i] - t[i - 1];
            if (!isfinite(step))
                REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID, "sensor QC: time stamp %lld is not finite", (long long)i));
            if (step <= 0) {
                res->n_overlaps++;
            } else if (step > lim) {
                res->n_gaps++;
                res->gap_total_s += step - dt;
                if (step - dt > res->gap_max_s) res->gap_max_s = step - dt;
            }
        }
        if (res->n_gaps) res->flags |= REGIA_QC_GAP;
        if (res->n_overlaps) res->flags |= REGIA_QC_OVERLAP;
    }
    if (m == 0) goto err;

    /* spikes */
    memcpy(clean, y, sizeof(double) * (size_t)m);
    if (cfg->hampel_half > 0 && m >= 3) {
        res->n_spikes = hampel(y, m, cfg->hampel_half, cfg->hampel_k, cfg->spike_min_abs, clean, scratch);
        int64_t stored = 0;
        for (int64_t i = 0; i < m && stored < res->spike_cap; i++)
            if (clean[i] != y[i]) res->spike_pos[stored++] = pos ? pos[i] : i;
        if (res->n_spikes > cfg->spike_tolerance) {
            res->flags |= REGIA_QC_SPIKE;
            if (cfg->hampel_replace && (double)res->n_spikes <= cfg->spike_max_frac * (double)n)
                res->flags |= REGIA_QC_SPIKE_FIXED;
        }
    }

    /* statistics */
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < m; i++) {
        sum += clean[i];
        if (clean[i] < lo) lo = clean[i];
        if (clean[i] > hi) hi = clean[i];
    }
    double mean = sum / (double)m, ss = 0, pk = 0, pkr = 0;
    for (int64_t i = 0; i < m; i++) {
        double d = clean[i] - mean;
        ss += d * d;
        if (fabs(d) > pk) pk = fabs(d);
        if (fabs(y[i] - mean) > pkr) pkr = fabs(y[i] - mean);
    }
    res->mean = mean, res->rms = sqrt(ss / (double)m), res->peak = pk, res->peak_raw = pkr;
    res->xmin = lo, res->xmax = hi;
    if (res->rms < cfg->dead_rms) res->flags |= REGIA_QC_DEAD;

    res->flat_longest = flat_longest(clean, m, cfg->flat_win, cfg->flat_eps);
    if (res->flat_longest >= cfg->flat_min) res->flags |= REGIA_QC_FLAT;

    clipping(clean, m, cfg, lo, hi, &res->clip_samples, &res->clip_runs);
    if (res->clip_samples >= cfg->clip_min_samples) res->flags |= REGIA_QC_CLIP;

    if (m >= 2 * (int64_t)S) {
        res->drift = drift_estimate(clean, m, S, scratch);
        memcpy(scratch, clean, sizeof(double) * (size_t)m);
        double med = median_inplace(scratch, m);
        for (int64_t i = 0; i < m; i++) scratch[i] = fabs(clean[i] - med);
        double mad = median_inplace(scratch, m);
        res->drift_limit = fmax(cfg->drift_abs, cfg->drift_rel * 1.4826 * mad);
        if (fabs(res->drift) > res->drift_limit) res->flags |= REGIA_QC_DRIFT;
    }
    /* last: the replacement in the caller's array (y may be that array) */
    if (cfg->hampel_replace && res->n_spikes > 0)
        for (int64_t i = 0; i < m; i++)
            if (clean[i] != y[i]) x[pos ? pos[i] : i] = clean[i];
err:
    free(ybuf);
    free(clean);
    free(pos);
    free(scratch);
    return st;
}

regia_status_t regia_qc_gaps_traces(const int64_t *start_ns, const int64_t *len, int32_t ntr, double fs,
                                    double gap_factor, regia_qc_result_t *res)
{
    if (!(fs > 0) || !(gap_factor > 1))
        return REGIA_FAIL(REGIA_ERR_INVALID, "trace gaps: fs = %g and gap_factor = %g must be > 0 and > 1", fs,
                          gap_factor);
    if (ntr < 0 || (ntr > 0 && (!start_ns || !len)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "trace gaps: bad trace list (%d traces)", (int)ntr);
    double dt = 1.0 / fs;
    for (int32_t k = 0; k + 1 < ntr; k++) {
        if (len[k] < 0) return REGIA_FAIL(REGIA_ERR_INVALID, "trace gaps: trace %d has %lld samples", (int)k, (long long)len[k]);
        if (start_ns[k + 1] < start_ns[k])
            return REGIA_FAIL(REGIA_ERR_INVALID, "trace gaps: trace %d starts before trace %d (not sorted)", (int)k + 1,
                              (int)k);
        /* step from the last sample of k to the first of k+1 */
        double last = (double)(start_ns[k] - start_ns[0]) * 1e-9 + (double)(len[k] - 1) * dt;
        double next = (double)(start_ns[k + 1] - start_ns[0]) * 1e-9;
        double step = next - last;
        if (step <= 1e-9 * 0.5) {
            res->n_overlaps++;
            res->flags |= REGIA_QC_OVERLAP;
        } else if (step > gap_factor * dt) {
            res->n_gaps++;
            res->gap_total_s += step - dt;
            if (step - dt > res->gap_max_s) res->gap_max_s = step - dt;
            res->flags |= REGIA_QC_GAP;
        }
    }
    return REGIA_OK;
}

int regia_qc_fit_modal(uint32_t flags)
{
    uint32_t bad = flags & REGIA_QC_BAD_MODAL;
    if ((flags & REGIA_QC_SPIKE_FIXED) && (flags & REGIA_QC_SPIKE)) bad &= ~(uint32_t)REGIA_QC_SPIKE;
    return bad == 0;
}

int regia_qc_fit_spectra(uint32_t flags)
{
    return regia_qc_fit_modal(flags & ~(uint32_t)REGIA_QC_CLOCK);
}

static const char *const flag_names[REGIA_QC_NFLAGS] = {"nan",  "gap",  "overlap", "spike", "spike_fixed", "flat",
                                                        "clip", "drift", "dead",   "clock", "short"};

void regia_qc_flags_str(uint32_t flags, char *buf, int cap)
{
    if (!buf || cap <= 0) return;
    buf[0] = '\0';
    int len = 0;
    for (int b = 0; b < REGIA_QC_NFLAGS; b++) {
        if (!(flags & (1u << b))) continue;
        int w = snprintf(buf + len, (size_t)(cap - len), "%s%s", len ? "," : "", flag_names[b]);
        if (w < 0 || w >= cap - len) break;
        len += w;
    }
    if (!len) snprintf(buf, (size_t)cap, "ok");
}
