/* Quality flags of one channel of a structural-sensor record (contract and detector
 * definitions: include/regia/sensor_qc.h).
 *
 * The Hampel filter (Hampel 1974; Pearson et al. 2016, "Generalized Hampel filters")
 * decides most samples without the window's median or MAD: a screen (the bins of the
 * interior, see "The screen of the interior" below) bounds the median of a block of up
 * to 8 consecutive windows to one bin interval and the MAD from below, in O(1) per sample
 * with bounds that hold exactly in floating point; a sample within k 1.4826 times that
 * bound of both median bounds is no spike.  The others (under 1 in 1,000 on the Welch
 * benchmark's records, and the h samples at each end) take the exact window: kept sorted
 * while it slides (one binary-search insert and one delete per sample, a memmove of at
 * most w values), caught up from its last use or sorted anew, the MAD as the k-th
 * smallest of the two sorted deviation sequences on either side of the median by binary
 * search.  Medians of even-length windows are the mean of the two middle values
 * (numpy.median's convention).  The drift's medians (segments, record, MAD) bracket the
 * median with a regular sample and select among the values gathered in one pass.  Every
 * result is the one of the original sort-based definitions, bit for bit; where +0 and -0
 * are both present (equal, so their order depends on the algorithm) the original
 * incremental code is used throughout. */
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

/* k-th smallest of v[0..n-1] (reorders v: v[0..k-1] <= v[k] <= v[k+1..]), Hoare's
 * quickselect with median-of-three. */
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

/* Bin of v among nb equal bins from lo at inv bins per unit: monotone in v (a rounded
 * subtraction and product, then a clamp), so every bin holds an interval of values. */
static inline int32_t bin_of(double v, double lo, double inv, int32_t nb)
{
    double t = (v - lo) * inv;
    t = t > 0 ? t : 0;
    t = t < (double)(nb - 1) ? t : (double)(nb - 1);
    return (int32_t)t;
}

/* numpy.median of v[0..n-1] by quickselect (reorders v); n >= 1. */
static double median_inplace(double *v, int64_t n)
{
    double top = select_kth(v, n, n / 2);
    if (n % 2) return top;
    double below = v[0];
    for (int64_t i = 1; i < n / 2; i++)
        if (v[i] > below) below = v[i];
    return 0.5 * (below + top);
}

enum { MED_SMALL = 2048 };

/* numpy.median of src[0..n-1], or with absdev of |src[i] - c|, src unchanged; work: n
 * doubles.  Large arrays: the order statistics of a regular sample (every 8th or 16th
 * value) around its median, 5 standard errors of the sample median apart, bracket the
 * median; one pass counts the values below the bracket and gathers those inside, and
 * when the median's rank(s) fall among the gathered (nearly always) it is selected
 * there, else from all values.  Exact either way: the value a sort gives.  replay: by
 * quickselect of all values (the bits of the original code where +0 and -0 are both
 * present, see below). */
static double median_of(const double *src, int64_t n, int absdev, double c, int replay, double *work)
{
#define QC_VAL(i_) (absdev ? fabs(src[i_] - c) : src[i_])
    const int64_t k_hi = n / 2, k_lo = n % 2 ? n / 2 : n / 2 - 1;
    if (!replay && n > MED_SMALL) {
        const int64_t stride = n >= 65536 ? 16 : 8, ns = (n + stride - 1) / stride;
        for (int64_t i = 0; i < ns; i++) work[i] = QC_VAL(i * stride);
        const int64_t r = ns / 2, g = (int64_t)(2.5 * sqrt((double)ns)) + 2;
        const int64_t ra = r - g > 0 ? r - g : 0, rb = r + g < ns - 1 ? r + g : ns - 1;
        double b = select_kth(work, ns, rb);
        double a = select_kth(work, rb > 0 ? rb : 1, ra); /* work[0..rb-1] <= work[rb] */
        if (ra == 0) a = -INFINITY;
        if (rb == ns - 1) b = INFINITY;
        int64_t below = 0, j = 0;
        for (int64_t i = 0; i < n; i++) {
            double v = QC_VAL(i);
            below += v < a;
            work[j] = v;
            j += (v >= a) & (v <= b);
        }
        if (below <= k_lo && below + j > k_hi) {
            double top = select_kth(work, j, k_hi - below);
            if (n % 2) return top;
            double prev = work[0]; /* k_lo - below = k_hi - below - 1 >= 0: work[0..k_hi-below-1] */
            for (int64_t i = 1; i < k_hi - below; i++)
                if (work[i] > prev) prev = work[i];
            return 0.5 * (prev + top);
        }
    }
    for (int64_t i = 0; i < n; i++) work[i] = QC_VAL(i);
#undef QC_VAL
    return median_inplace(work, n);
}

/* +0 and -0 compare equal, so the order of the two in a sorted window, and which of them
 * a selection returns, depends on the algorithm: where a channel holds both, the QC takes
 * the original incremental paths ("replay"), to give the same bits.  Does v[0..n-1] hold
 * both? */
static int mixed_zeros(const double *v, int64_t n)
{
    int pos = 0, neg = 0;
    for (int64_t i = 0; i < n; i++)
        if (v[i] == 0) {
            if (signbit(v[i])) neg = 1;
            else pos = 1;
        }
    return pos && neg;
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

/* Sort v[0..n-1] ascending (tmp: n doubles): insertion-sorted runs of 8, then merges
 * without a branch on the data. */
static void sort_doubles(double *v, int64_t n, double *tmp)
{
    enum { RUN = 8 };
    for (int64_t a = 0; a < n; a += RUN) {
        int64_t b = a + RUN < n ? a + RUN : n;
        for (int64_t i = a + 1; i < b; i++) {
            double x = v[i];
            int64_t j = i;
            while (j > a && v[j - 1] > x) v[j] = v[j - 1], j--;
            v[j] = x;
        }
    }
    double *src = v, *dst = tmp;
    for (int64_t width = RUN; width < n; width *= 2) {
        for (int64_t a = 0; a < n; a += 2 * width) {
            int64_t mid = a + width < n ? a + width : n, b = a + 2 * width < n ? a + 2 * width : n;
            int64_t i = a, j = mid, o = a;
            while (i < mid && j < b) {
                int takej = src[j] < src[i];
                dst[o++] = takej ? src[j] : src[i];
                j += takej, i += !takej;
            }
            while (i < mid) dst[o++] = src[i++];
            while (j < b) dst[o++] = src[j++];
        }
        double *t = src;
        src = dst, dst = t;
    }
    if (src != v) memcpy(v, src, sizeof(double) * (size_t)n);
}

/* The exact sorted window of the Hampel filter: s[0..n-1] = the samples of the window
 * of centre j ([j - h, j + h] within [0, m)), sorted; j = -1 before the first use. */
typedef struct {
    double *s, *tmp; /* the window; scratch of the same size for sorting */
    int64_t n, j;
    int replay; /* build by successive inserts and never anew (see replay above) */
} hwin_t;

/* Bring the sorted window to centre i: step by step (one insert and/or delete per step)
 * from a centre at most h + 16 before it (any distance with replay), else sorted anew. */
static void hwin_goto(hwin_t *W, const double *y, int64_t m, int32_t h, int64_t i)
{
    if (W->j >= 0 && W->j <= i && (W->replay || i - W->j <= (int64_t)h + 16)) {
        for (int64_t c = W->j + 1; c <= i; c++) {
            int add = c + h < m, drop = c - h - 1 >= 0;
            if (add && drop) win_replace(W->s, W->n, y[c - h - 1], y[c + h]);
            else if (add) win_insert(W->s, &W->n, y[c + h]);
            else if (drop) win_remove(W->s, &W->n, y[c - h - 1]);
        }
    } else {
        int64_t a = i - h > 0 ? i - h : 0, b = i + h < m - 1 ? i + h : m - 1;
        if (W->replay) {
            W->n = 0;
            for (int64_t c = a; c <= b; c++) win_insert(W->s, &W->n, y[c]);
        } else {
            W->n = b - a + 1;
            memcpy(W->s, y + a, sizeof(double) * (size_t)W->n);
            sort_doubles(W->s, W->n, W->tmp);
        }
    }
    W->j = i;
}

/* Is y[i] a spike of the window W (at centre i)?  *med = the window median.  Most
 * samples are cleared without the exact MAD: the MAD is at least the K-th smallest
 * deviation, K = (w + 1)/2 (the median of the deviations for odd w, the lower of the
 * two middle ones for even w); with window indices lo < hi, hi - lo = K, s[lo] <= median
 * <= s[hi], an interval [med - d, med + d] with d < min(med - s[lo], s[hi] - med) holds
 * at most K - 1 values, so that minimum is a lower bound of the MAD, and a deviation
 * within k 1.4826 times it is no spike. */
static int hwin_spike(const hwin_t *W, double yi, double kk, double min_abs, double *med)
{
    const double *s = W->s;
    int64_t w = W->n;
    double m = (w % 2) ? s[w / 2] : 0.5 * (s[w / 2 - 1] + s[w / 2]);
    double dev = fabs(yi - m), mad;
    *med = m;
    if (w >= 3) {
        int64_t K = (w + 1) / 2, lo = (w - 1 - K) / 2, hi = lo + K;
        double lb = fmin(m - s[lo], s[hi] - m);
        if (dev <= kk * lb) return 0;
    }
    win_med_mad(s, w, med, &mad);
    return mad > 0 ? dev > kk * mad : (min_abs > 0 && dev > min_abs);
}

/* The screen of the interior (windows of w = 2h + 1 samples, centres h .. m-1-h), by
 * blocks of up to HB_BLOCK centres i0..i1 (h/4 for small h) whose windows all lie in the
 * union U = samples i0-h .. i1+h (u = w + i1 - i0 of them).  A window W is U less u - w
 * samples, so its median (rank h) lies between U's order statistics of ranks h and
 * h + u - w.  If at most h samples of U, so of W, lie strictly between a and b, the
 * others deviate from the median by at least lb = min(median_lo - a, b - median_hi), so
 * the MAD (the K-th smallest deviation, K = h + 1) is >= lb (the rounding of each
 * deviation is monotone); a sample within k 1.4826 lb of both median bounds is no spike,
 * and only the others take the exact window (hwin_t).  The bounds come from bins: U's
 * samples fall in HB_NB bins of width delta, a power of two, from lo, a multiple of
 * delta (bin_of, clamped at both ends).  v - lo is rounded, but delta (b - 1/64) and
 * delta (b + 1 + 1/64) are exact doubles for any integer b (|b|, |lo| / delta < 2^40) and
 * so are lo_e(b) = lo + delta (b - 1/64) and hi_e(b) = lo + delta (b + 1 + 1/64): a value
 * in bin b lies strictly between them (below hi_e(0) in bin 0, above lo_e(HB_NB - 1) in
 * the last) whatever the rounding of v - lo.  Counts per bin follow U in O(1) per
 * sample; two cursors follow the bins b1, b2 of the ranks h and h + u - w, and in step
 * with them the bins L = b1 - t and R = b2 + t, t the largest (grown by one per block,
 * shrunk at once) with at most h samples in bins L..R: then a = hi_e(L - 1), b = lo_e(R +
 * 1), median_lo = lo_e(b1), median_hi = hi_e(b2).  The bins follow the signal: they are
 * set anew (delta ~ the span of L..R / HB_SPREAD, the median in the middle bin) when that
 * span leaves [HB_SPREAD/2, 8 HB_SPREAD] bins or the median nears the outer bins (at
 * most once per HB_COOL samples). */
enum { HB_NB = 1024, HB_SPREAD = 32, HB_MIN_HALF = 3, HB_COOL = 64, HB_BLOCK = 8, HB_TMAX = 300, HB_GUARD = 304 };

typedef struct {
    double lo, delta, inv;
    int32_t cnt_[HB_NB + 2 * HB_GUARD]; /* counts, bins -HB_GUARD .. HB_NB + HB_GUARD - 1 */
    int32_t *cnt;                       /* cnt_ + HB_GUARD: bins outside 0 .. HB_NB-1 stay 0 */
    int32_t *ring;                      /* bins of U's samples, index & mask */
    int64_t mask;
    int64_t u0, u1;                     /* U = samples u0..u1 counted (valid) */
    int32_t b1, b2, L, R1;              /* cursors: ranks h, h + u - w; L and R + 1 */
    int64_t n1, n2, nL, nR;             /* samples of U in the bins below each */
    int valid;
} hbins_t;

/* Move the cursors to ranks rh, rx of U (L and R in step), then t: shrunk until at most h
 * samples lie in L..R, or grown by one (by all it can with grow_all) while that holds. */
static void hb_cursors(hbins_t *B, int64_t rh, int64_t rx, int32_t h, int grow_all)
{
    const int32_t *cnt = B->cnt;
    int32_t b1 = B->b1, b2 = B->b2, L = B->L, R1 = B->R1;
    int64_t n1 = B->n1, n2 = B->n2, nL = B->nL, nR = B->nR;
    while (n1 > rh) n1 -= cnt[--b1], nL -= cnt[--L];
    while (n1 + cnt[b1] <= rh) n1 += cnt[b1++], nL += cnt[L++];
    while (n2 > rx) n2 -= cnt[--b2], nR -= cnt[--R1];
    while (n2 + cnt[b2] <= rx) n2 += cnt[b2++], nR += cnt[R1++];
    while (nR - nL > h && b1 - L > 0) nL += cnt[L++], nR -= cnt[--R1];
    do {
        if (b1 - L >= HB_TMAX || nR - nL + cnt[L - 1] + cnt[R1] > h) break;
        nL -= cnt[--L], nR += cnt[R1++];
    } while (grow_all);
    B->b1 = b1, B->b2 = b2, B->L = L, B->R1 = R1;
    B->n1 = n1, B->n2 = n2, B->nL = nL, B->nR = nR;
}

/* Bins of width about width / HB_SPREAD with c in the middle for U = u0..u1 (the counts
 * in use are dropped first); counts and cursors for ranks rh, rx.  0 (invalid) when width
 * is not positive or the bins would be out of range. */
static int hbins_set(hbins_t *B, const double *y, int64_t u0, int64_t u1, double width, double c, int64_t rh,
                     int64_t rx, int32_t h)
{
    if (B->valid)
        for (int64_t j = B->u0; j <= B->u1; j++) B->cnt[B->ring[j & B->mask]] = 0;
    B->valid = 0;
    int e;
    if (!(width > 0) || !isfinite(width) || !isfinite(c)) return 0;
    frexp(width / HB_SPREAD, &e); /* width / HB_SPREAD in [2^(e-1), 2^e) */
    if (e < -900 || e > 900) return 0;
    double q = floor(ldexp(c, 1 - e)) - HB_NB / 2;
    if (!(fabs(q) < 0x1p40)) return 0;
    B->lo = ldexp(q, e - 1), B->delta = ldexp(1.0, e - 1), B->inv = ldexp(1.0, 1 - e);
    int32_t bmin = HB_NB;
    for (int64_t j = u0; j <= u1; j++) {
        int32_t b = bin_of(y[j], B->lo, B->inv, HB_NB);
        B->ring[j & B->mask] = b;
        B->cnt[b]++;
        bmin = b < bmin ? b : bmin;
    }
    B->u0 = u0, B->u1 = u1;
    /* t = 0 at bmin: L = b1, R1 = b2 + 1 */
    B->b1 = B->b2 = B->L = bmin, B->R1 = bmin + 1;
    B->n1 = B->n2 = B->nL = 0, B->nR = B->cnt[bmin];
    hb_cursors(B, rh, rx, h, 1);
    B->valid = 1;
    return 1;
}

/* Hampel spikes of y[0..m-1]: clean[i] = the window median where y[i] is a spike (a
 * spike deviates from its median, so clean[i] != y[i] exactly there; clean holds a copy
 * of y on entry).  replay: y holds both +0 and -0 (see replay above).  Returns the
 * count, -1 when out of memory. */
static int64_t hampel(const double *y, int64_t m, int32_t h, double k, double min_abs, int replay,
                      double *clean)
{
    const double kk = k * 1.4826;
    const int64_t w = 2 * (int64_t)h + 1;
    int use_bins = !replay && h >= HB_MIN_HALF && m >= 2 * w;
    const int64_t blk = h / 4 < 1 ? 1 : h / 4 > HB_BLOCK ? HB_BLOCK : h / 4; /* centres per block */
    int64_t ringn = 1;
    while (ringn < w + 2 * blk) ringn *= 2;
    double *win = malloc(sizeof(double) * 2 * (size_t)(w + 1));
    hbins_t *B = use_bins ? malloc(sizeof *B) : NULL;
    int32_t *rb = use_bins ? malloc(sizeof(int32_t) * (size_t)ringn) : NULL;
    int64_t count = use_bins && (!B || !rb) ? -1 : 0;
    if (!win || count < 0) goto done;
    hwin_t W = {win, win ? win + w + 1 : NULL, 0, -1, replay};
    int64_t f0 = use_bins ? h : m, f1 = use_bins ? m - 1 - h : m - 1;
    double med;
    for (int64_t i = 0; i < f0; i++) {
        hwin_goto(&W, y, m, h, i);
        if (hwin_spike(&W, y[i], kk, min_abs, &med)) clean[i] = med, count++;
    }
    if (use_bins) {
        memset(B->cnt_, 0, sizeof B->cnt_);
        B->cnt = B->cnt_ + HB_GUARD;
        B->ring = rb, B->mask = ringn - 1, B->valid = 0;
        int32_t *ring = rb, *cnt = B->cnt;
        const int64_t mask = ringn - 1;
        int64_t next_set = f0; /* the earliest block start for setting the bins anew */
        for (int64_t i0 = f0; i0 <= f1; i0 += blk) {
            const int64_t i1 = i0 + blk - 1 < f1 ? i0 + blk - 1 : f1, u0 = i0 - h, u1 = i1 + h;
            const int64_t rh = h, rx = h + (i1 - i0);
            if (B->valid) { /* U from B->u0..B->u1 to u0..u1 */
                const double lo = B->lo, inv = B->inv;
                const int32_t b1 = B->b1, b2 = B->b2, L = B->L, R1 = B->R1;
                int64_t n1 = B->n1, n2 = B->n2, nL = B->nL, nR = B->nR;
                for (int64_t s = B->u0; s < u0; s++) {
                    int32_t bo = ring[s & mask];
                    cnt[bo]--;
                    n1 -= bo < b1, n2 -= bo < b2, nL -= bo < L, nR -= bo < R1;
                }
                for (int64_t s = B->u1 + 1; s <= u1; s++) {
                    int32_t bn = bin_of(y[s], lo, inv, HB_NB);
                    ring[s & mask] = bn;
                    cnt[bn]++;
                    n1 += bn < b1, n2 += bn < b2, nL += bn < L, nR += bn < R1;
                }
                B->n1 = n1, B->n2 = n2, B->nL = nL, B->nR = nR;
                B->u0 = u0, B->u1 = u1;
                hb_cursors(B, rh, rx, h, 0);
                int32_t spread = B->R1 - B->L;
                if ((spread < HB_SPREAD / 2 || spread > 8 * HB_SPREAD || B->b1 < HB_NB / 8 ||
                     B->b2 >= HB_NB - HB_NB / 8) &&
                    i0 >= next_set) {
                    hbins_set(B, y, u0, u1, (double)spread * B->delta, B->lo + (double)B->b1 * B->delta, rh, rx, h);
                    next_set = i0 + HB_COOL;
                }
            } else if (i0 >= next_set) {
                hwin_goto(&W, y, m, h, i0);
                const int64_t rp = (h - 1) / 2, rq = rp + h + 1;
                double width = W.s[rq] - W.s[rp];
                if (!(width > 0)) width = (W.s[w - 1] - W.s[0]) / 4;
                hbins_set(B, y, u0, u1, width, W.s[h], rh, rx, h);
                next_set = i0 + HB_COOL;
            }
            double mlo = -INFINITY, mhi = INFINITY, lb = -1;
            if (B->valid && B->b1 > 0 && B->b2 < HB_NB - 1 && B->nR - B->nL <= h) {
                /* the edges, exact (see above); none is infinite with these cursors */
                const double delta = B->delta, base = B->lo - delta / 64, top = base + delta * (1 + 1.0 / 32);
                mlo = base + (double)B->b1 * delta, mhi = top + (double)B->b2 * delta;
                double a = top + (double)(B->L - 1) * delta, b = base + (double)B->R1 * delta;
                double l1 = mlo - a, l2 = b - mhi;
                lb = l1 < l2 ? l1 : l2;
            }
            const double thr = kk * lb;
            for (int64_t i = i0; i <= i1; i++) {
                double d1 = fabs(y[i] - mlo), d2 = fabs(y[i] - mhi), d = d1 > d2 ? d1 : d2;
                if (lb > 0 && d <= thr) continue;
                hwin_goto(&W, y, m, h, i);
                if (hwin_spike(&W, y[i], kk, min_abs, &med)) clean[i] = med, count++;
            }
        }
    }
    for (int64_t i = f1 + 1; i < m; i++) {
        hwin_goto(&W, y, m, h, i);
        if (hwin_spike(&W, y[i], kk, min_abs, &med)) clean[i] = med, count++;
    }
done:
    free(win);
    free(B);
    free(rb);
    return count;
}

/* --- the other detectors --------------------------------------------------------------- */

/* Are the windows p[0..3][0..w-1] flat (std < eps)?  Four at a time, each summed in its
 * own order (the same bits as one at a time, in four independent chains). */
static void flat4(const double *const p[4], int64_t w, double eps, int flat[4])
{
    double mu[4] = {0, 0, 0, 0}, var[4] = {0, 0, 0, 0};
    for (int64_t i = 0; i < w; i++)
        for (int l = 0; l < 4; l++) mu[l] += p[l][i];
    for (int l = 0; l < 4; l++) mu[l] /= (double)w;
    for (int64_t i = 0; i < w; i++)
        for (int l = 0; l < 4; l++) var[l] += (p[l][i] - mu[l]) * (p[l][i] - mu[l]);
    for (int l = 0; l < 4; l++) flat[l] = sqrt(var[l] / (double)w) < eps;
}

static int64_t flat_longest(const double *y, int64_t m, int32_t win, double eps)
{
    if (m < 2) return 0;
    int64_t w = win < m ? win : m, step = w / 2 > 0 ? w / 2 : 1;
    int64_t longest = 0, run_start = -1, run_end = -1;
    /* windows at 0, step, 2 step, ... while they end before m, then the last at m - w */
    int64_t nwin = (m - w + step - 1) / step + 1;
    for (int64_t k0 = 0; k0 < nwin; k0 += 4) {
        const double *p[4];
        int64_t s4[4];
        for (int l = 0; l < 4; l++) {
            int64_t k = k0 + l < nwin ? k0 + l : nwin - 1;
            s4[l] = k == nwin - 1 ? m - w : k * step;
            p[l] = y + s4[l];
        }
        int flat[4];
        flat4(p, w, eps, flat);
        for (int l = 0; l < 4 && k0 + l < nwin; l++) {
            int64_t s = s4[l];
            if (flat[l]) {
                if (run_start < 0 || s > run_end) run_start = s;
                run_end = s + w;
                if (run_end - run_start > longest) longest = run_end - run_start;
            } else {
                run_start = -1;
            }
        }
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

/* Theil-Sen drift over segment medians; scratch >= m + S*(S-1)/2 + S doubles; replay:
 * see median_of. */
static double drift_estimate(const double *y, int64_t m, int32_t S, double *scratch, int replay)
{
    int64_t L = m / S;
    if (L < 1) return 0.0;
    double *med = scratch, *pairs = scratch + S, *seg = scratch + S + (int64_t)S * (S - 1) / 2;
    for (int32_t s = 0; s < S; s++) {
        int64_t a = (int64_t)s * L, b = (s == S - 1) ? m : a + L;
        med[s] = median_of(y + a, b - a, 0, 0, replay, seg);
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
    res->drift = res->drift_limit = res->median = NAN;
    REGIA_TRY(regia_qc_check_cfg(cfg));
    if (n < 0 || (n > 0 && !x)) REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID, "sensor QC: no samples (n = %lld)", (long long)n));
    res->n = n;
    size_t nn = (size_t)(n > 0 ? n : 1);
    int32_t S = cfg->drift_segments;
    size_t nscr = nn + (size_t)S * (size_t)(S + 1);
    clean = malloc(sizeof(double) * (nn + nscr)); /* one block: reused by the next call's malloc */
    scratch = clean ? clean + nn : NULL;
    if (!clean) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "sensor QC: out of memory (%lld samples)", (long long)n));

    /* NaN runs; with any, the finite samples are compacted into y with their positions;
     * are +0 and -0 both there (see replay above)? */
    int64_t m = 0, run = 0;
    int zero = 0;
    for (int64_t i = 0; i < n; i++) {
        zero |= x[i] == 0;
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
        res->n_spikes = hampel(y, m, cfg->hampel_half, cfg->hampel_k, cfg->spike_min_abs, zero && mixed_zeros(y, m), clean);
        if (res->n_spikes < 0)
            REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "sensor QC: out of memory (Hampel window of %d samples)",
                                 2 * (int)cfg->hampel_half + 1));
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
    int czero = 0;
    for (int64_t i = 0; i < m; i++) {
        czero |= clean[i] == 0;
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
        int replay = czero && mixed_zeros(clean, m);
        res->drift = drift_estimate(clean, m, S, scratch, replay);
        double med = median_of(clean, m, 0, 0, replay, scratch);
        double mad = median_of(clean, m, 1, med, 0, scratch);
        res->median = med;
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

regia_status_t regia_qc_offset_drift(const double *start_s, const double *offset, int64_t n, double baseline_s,
                                     double limit, double *baseline, double *dev, uint8_t *flag, int64_t *n_flagged)
{
    if (baseline) *baseline = NAN;
    if (n_flagged) *n_flagged = 0;
    if (n < 0 || (n > 0 && (!start_s || !offset || !flag)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "offset drift: no records (n = %lld)", (long long)n);
    if (!(baseline_s >= 0) || !(limit > 0))
        return REGIA_FAIL(REGIA_ERR_INVALID, "offset drift: baseline %g s must be >= 0 and the limit %g > 0",
                          baseline_s, limit);
    int64_t first = -1, nb = 0;
    for (int64_t r = 0; r < n; r++) {
        flag[r] = 0;
        if (dev) dev[r] = NAN;
        if (r > 0 && !(start_s[r] >= start_s[r - 1]))
            return REGIA_FAIL(REGIA_ERR_INVALID, "offset drift: record %lld starts before record %lld", (long long)r,
                              (long long)r - 1);
        if (isfinite(offset[r]) && first < 0) first = r;
        if (first >= 0 && isfinite(offset[r]) && start_s[r] - start_s[first] <= baseline_s) nb++;
    }
    if (first < 0) return REGIA_OK;
    double *v = malloc(sizeof(double) * (size_t)nb);
    if (!v) return REGIA_FAIL(REGIA_ERR_NOMEM, "offset drift: out of memory (%lld records)", (long long)nb);
    int64_t k = 0;
    for (int64_t r = first; r < n && k < nb; r++)
        if (isfinite(offset[r]) && start_s[r] - start_s[first] <= baseline_s) v[k++] = offset[r];
    const double base = median_inplace(v, k); /* k >= 1: the first finite record */
    free(v);
    if (baseline) *baseline = base;
    int64_t nf = 0;
    for (int64_t r = 0; r < n; r++) {
        if (!isfinite(offset[r])) continue;
        const double d = offset[r] - base;
        if (dev) dev[r] = d;
        if (fabs(d) > limit) flag[r] = 1, nf++;
    }
    if (n_flagged) *n_flagged = nf;
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
