/* Quality flags of sensor channels (kernels/sensor_qc.c, kernels/sensor_clock.c): each
 * detector on hand-made signals (injected faults found where they are, clean signals not
 * flagged), the fitness rules, trace gaps, and the clock offset of a known (fractional)
 * delay recovered by the FFT cross-correlation. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/rng.h"
#include "regia/sensor_qc.h"

#define FS 100.0
#define N 60000 /* 10 minutes at 100 Hz */

static void normals(double *x, int64_t n, double sd, uint64_t stream)
{
    for (int64_t i = 0; i < n; i += 4) {
        double z[4];
        regia_rng_normal4(42, stream, 0, (uint32_t)(i / 4), z);
        for (int k = 0; k < 4 && i + k < n; k++) x[i + k] = sd * z[k];
    }
}

/* Structural-looking response: three modes plus sensor noise. */
static void response(double *x, int64_t n, uint64_t stream)
{
    normals(x, n, 0.002, stream);
    for (int64_t i = 0; i < n; i++) {
        double t = (double)i / FS;
        x[i] += 0.02 * sin(2 * M_PI * 1.37 * t + 0.3) + 0.012 * sin(2 * M_PI * 4.11 * t + 1.1) +
                0.006 * sin(2 * M_PI * 9.6 * t + 2.0);
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.median of w values, by sorting a copy */
static double window_median(const double *v, int64_t w)
{
    double *s = malloc(sizeof(double) * (size_t)w);
    memcpy(s, v, sizeof(double) * (size_t)w);
    qsort(s, (size_t)w, sizeof(double), cmp_d);
    double m = (w % 2) ? s[w / 2] : 0.5 * (s[w / 2 - 1] + s[w / 2]);
    free(s);
    return m;
}

static regia_qc_result_t run(double *x, const double *t, int64_t n, const regia_qc_cfg_t *cfg, int64_t *pos,
                             int64_t cap)
{
    regia_qc_result_t r;
    memset(&r, 0, sizeof r);
    r.spike_pos = pos, r.spike_cap = cap;
    CHECK_OK(regia_qc_channel(x, t, n, cfg, &r));
    return r;
}

static void test_clean(void)
{
    regia_qc_cfg_t cfg;
    regia_qc_defaults(&cfg, FS);
    double *x = malloc(sizeof(double) * N);
    normals(x, N, 0.01, 1);
    regia_qc_result_t r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK_MSG(r.flags == 0, "white noise flagged 0x%x (spikes %lld, clip %lld, drift %g/%g)", r.flags,
              (long long)r.n_spikes, (long long)r.clip_samples, r.drift, r.drift_limit);
    CHECK_CLOSE(r.rms, 0.01, 0.02, 0);
    CHECK(r.peak > 3 * r.rms && r.peak < 6 * r.rms);
    CHECK(r.n_finite == N && r.n_nan == 0);
    CHECK(regia_qc_fit_modal(r.flags) && regia_qc_fit_spectra(r.flags));
    response(x, N, 2);
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK_MSG(r.flags == 0, "modal response flagged 0x%x (spikes %lld, clip %lld, flat %lld, drift %g/%g)",
              r.flags, (long long)r.n_spikes, (long long)r.clip_samples, (long long)r.flat_longest, r.drift,
              r.drift_limit);
    char buf[64];
    regia_qc_flags_str(r.flags, buf, sizeof buf);
    CHECK(!strcmp(buf, "ok"));
    free(x);
}

static void test_spikes(void)
{
    regia_qc_cfg_t cfg;
    regia_qc_defaults(&cfg, FS);
    double *x = malloc(sizeof(double) * N), *orig = malloc(sizeof(double) * N);
    response(x, N, 3);
    memcpy(orig, x, sizeof(double) * N);
    const int64_t at[7] = {5, 1000, 1001, 20000, 33333, 45000, N - 1};
    for (int k = 0; k < 7; k++) x[at[k]] += (k % 2 ? -1 : 1) * 0.25; /* ~ 10 signal sigmas */
    /* the Hampel replacement: the median of the (truncated) window around the spike */
    double want[7];
    for (int k = 0; k < 7; k++) {
        int64_t lo = at[k] - cfg.hampel_half, hi = at[k] + cfg.hampel_half;
        lo = lo < 0 ? 0 : lo, hi = hi >= N ? N - 1 : hi;
        want[k] = window_median(x + lo, hi - lo + 1);
    }
    int64_t pos[16];
    regia_qc_result_t r = run(x, NULL, N, &cfg, pos, 16);
    CHECK_MSG(r.n_spikes == 7, "found %lld spikes, injected 7", (long long)r.n_spikes);
    for (int k = 0; k < 7 && k < r.n_spikes; k++) CHECK_MSG(pos[k] == at[k], "spike %d at %lld, injected at %lld", k, (long long)pos[k], (long long)at[k]);
    CHECK((r.flags & (REGIA_QC_SPIKE | REGIA_QC_SPIKE_FIXED)) == (REGIA_QC_SPIKE | REGIA_QC_SPIKE_FIXED));
    CHECK(regia_qc_fit_modal(r.flags));
    for (int k = 0; k < 7; k++) CHECK_MSG(x[at[k]] == want[k], "spike %d replaced by %.17g, window median %.17g", k, x[at[k]], want[k]);
    CHECK(x[at[2] + 1] == orig[at[2] + 1]); /* other samples untouched */
    CHECK(r.peak_raw > 0.25 && r.peak < 0.05);
    char buf[64];
    regia_qc_flags_str(r.flags, buf, sizeof buf);
    CHECK(!strcmp(buf, "spike,spike_fixed"));
    /* no replacement: still found, not repairable, the data untouched */
    response(x, N, 3);
    for (int k = 0; k < 7; k++) x[at[k]] += 0.25;
    cfg.hampel_replace = 0;
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK(r.n_spikes == 7 && (r.flags & REGIA_QC_SPIKE) && !(r.flags & REGIA_QC_SPIKE_FIXED));
    CHECK(x[at[3]] - orig[at[3]] == 0.25);
    CHECK(!regia_qc_fit_modal(r.flags) && !regia_qc_fit_spectra(r.flags));
    /* too many spikes to repair */
    cfg.hampel_replace = 1;
    response(x, N, 3);
    for (int64_t i = 100; i < N; i += 500) x[i] += 0.3; /* 120 spikes > 1e-3 * N */
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK(r.n_spikes == 120);
    CHECK((r.flags & REGIA_QC_SPIKE) && !(r.flags & REGIA_QC_SPIKE_FIXED) && !regia_qc_fit_modal(r.flags));
    /* tolerance */
    response(x, N, 3);
    x[777] += 0.3;
    cfg.spike_tolerance = 1;
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK(r.n_spikes == 1 && !(r.flags & REGIA_QC_SPIKE));
    free(x);
    free(orig);
}

/* The sliding Hampel filter against a brute-force one (sort every window and its
 * deviations), on quantised data full of ties and on smooth data, for odd and even
 * (truncated) windows: the same spikes and the same replacements. */
static void test_hampel_brute_force(void)
{
    enum { NB = 3000 };
    double *x = malloc(sizeof(double) * NB), *y = malloc(sizeof(double) * NB), *dev = malloc(sizeof(double) * 64);
    const int32_t halves[4] = {1, 2, 3, 7};
    for (int q = 0; q < 2; q++)
        for (int hh = 0; hh < 4; hh++) {
            int32_t h = halves[hh];
            normals(x, NB, 1.0, 40 + q);
            for (int64_t i = 0; i < NB; i++) {
                if (q == 0) x[i] = round(2 * x[i]) / 2; /* few distinct values: ties, MAD 0 */
                else x[i] = sin(0.01 * (double)i) + 0.01 * x[i];
                if (i % 97 == 5) x[i] += 8;
            }
            memcpy(y, x, sizeof(double) * NB);
            regia_qc_cfg_t cfg;
            regia_qc_defaults(&cfg, FS);
            cfg.hampel_half = h;
            cfg.hampel_k = 3;
            cfg.spike_max_frac = 1;
            regia_qc_result_t r = run(y, NULL, NB, &cfg, NULL, 0);
            int64_t want = 0, mismatch = 0;
            for (int64_t i = 0; i < NB; i++) {
                int64_t lo = i - h < 0 ? 0 : i - h, hi = i + h >= NB ? NB - 1 : i + h, w = hi - lo + 1;
                double med = window_median(x + lo, w);
                for (int64_t j = 0; j < w; j++) dev[j] = fabs(x[lo + j] - med);
                double mad = window_median(dev, w);
                int is = mad > 0 && fabs(x[i] - med) > 3 * 1.4826 * mad;
                want += is;
                if ((is && y[i] != med) || (!is && y[i] != x[i])) mismatch++;
            }
            CHECK_MSG(r.n_spikes == want && mismatch == 0, "half-width %d, %s data: %lld spikes, brute force %lld, %lld samples differ",
                      (int)h, q ? "smooth" : "quantised", (long long)r.n_spikes, (long long)want, (long long)mismatch);
            CHECK(want > 25);
        }
    free(x);
    free(y);
    free(dev);
}

/* The Hampel filter against a straightforward reference (every window's median and MAD
 * by sorting, numpy.median's convention for even windows at the ends), on signals that
 * exercise its screen (kernels/sensor_qc.c: bins that follow the signal, blocks of
 * centres, the exact window where the screen cannot decide): modes with an amplitude
 * that swells and fades, a step, ties, constant stretches, spikes small and huge;
 * half-widths 0 (off), 1, 2, 3, 4, 12, 50 and records shorter than two windows.  The
 * spike count, the positions and the cleaned samples must be the same bits. */
static void test_hampel_reference(void)
{
    enum { NR = 12000 };
    double *x = malloc(sizeof(double) * NR), *y = malloc(sizeof(double) * NR), *ref = malloc(sizeof(double) * NR);
    double *s = malloc(sizeof(double) * 101), *dev = malloc(sizeof(double) * 101);
    int64_t *pos = malloc(sizeof(int64_t) * NR), *want_pos = malloc(sizeof(int64_t) * NR);
    const int32_t halves[] = {0, 1, 2, 3, 4, 12, 50};
    const int64_t lens[] = {NR, 7, 60, 101, 150, 203, 1000};
    for (int kind = 0; kind < 5; kind++)
        for (int hh = 0; hh < (int)(sizeof halves / sizeof *halves); hh++)
            for (int li = 0; li < (int)(sizeof lens / sizeof *lens); li++) {
                int32_t h = halves[hh];
                int64_t n = lens[li];
                if (li > 0 && kind > 1) continue;
                normals(x, n, 1.0, 60 + (uint64_t)kind);
                for (int64_t i = 0; i < n; i++) {
                    double t = (double)i / FS, env = 0.05 + fabs(sin(2 * M_PI * 0.01 * t));
                    double v = env * (sin(2 * M_PI * 1.3 * t) + 0.4 * sin(2 * M_PI * 4.7 * t)) + 0.01 * x[i];
                    if (kind == 1) v = round(8 * v) / 8 + 0.25;          /* ties, MAD 0 in places */
                    if (kind == 2 && (i / 700) % 3 == 1) v = 0.125;    /* constant stretches */
                    if (kind == 3) v += (i / 3000) % 2 ? 40.0 : 0.0;   /* steps */
                    if (kind == 4) v = 1e3 + 1e-3 * v;                 /* offset far from 0 */
                    if (i % 211 == 17) v += (i % 2 ? 1 : -1) * 6.0 * env;
                    if (i % 1777 == 40) v = (kind == 4 ? 1e3 : 0) + 1e9;
                    x[i] = v;
                }
                int64_t want = 0;
                for (int64_t i = 0; i < n; i++) {
                    ref[i] = x[i];
                    if (h == 0 || n < 3) continue;
                    int64_t lo = i - h < 0 ? 0 : i - h, hi = i + h >= n ? n - 1 : i + h, w = hi - lo + 1;
                    memcpy(s, x + lo, sizeof(double) * (size_t)w);
                    qsort(s, (size_t)w, sizeof(double), cmp_d);
                    double med = (w % 2) ? s[w / 2] : 0.5 * (s[w / 2 - 1] + s[w / 2]);
                    for (int64_t j = 0; j < w; j++) dev[j] = fabs(s[j] - med);
                    qsort(dev, (size_t)w, sizeof(double), cmp_d);
                    double mad = (w % 2) ? dev[w / 2] : 0.5 * (dev[w / 2 - 1] + dev[w / 2]);
                    double d = fabs(x[i] - med);
                    int is = mad > 0 ? d > 6 * 1.4826 * mad : (kind == 2 && d > 0.5);
                    if (is) ref[i] = med, want_pos[want++] = i;
                }
                memcpy(y, x, sizeof(double) * (size_t)n);
                regia_qc_cfg_t cfg;
                regia_qc_defaults(&cfg, FS);
                cfg.hampel_half = h;
                cfg.spike_min_abs = kind == 2 ? 0.5 : 0;
                cfg.spike_max_frac = 1;
                cfg.min_samples = 1;
                regia_qc_result_t r = run(y, NULL, n, &cfg, pos, NR);
                int64_t differ = 0, first = -1;
                for (int64_t i = 0; i < n; i++)
                    if (memcmp(&y[i], &ref[i], sizeof(double))) differ++, first = first < 0 ? i : first;
                int same_pos = r.n_spikes == want && !memcmp(pos, want_pos, sizeof(int64_t) * (size_t)want);
                CHECK_MSG(same_pos && differ == 0,
                          "kind %d, half-width %d, %lld samples: %lld spikes, reference %lld (positions %s), %lld "
                          "cleaned samples differ (first %lld)",
                          kind, (int)h, (long long)n, (long long)r.n_spikes, (long long)want,
                          same_pos ? "equal" : "differ", (long long)differ, (long long)first);
                if (li == 0 && h > 0) CHECK_MSG(want > 30, "kind %d, half-width %d: only %lld spikes", kind, (int)h, (long long)want);
            }
    free(x), free(y), free(ref), free(s), free(dev), free(pos), free(want_pos);
}

static void test_nan_and_gaps(void)
{
    regia_qc_cfg_t cfg;
    regia_qc_defaults(&cfg, FS);
    double *x = malloc(sizeof(double) * N), *t = malloc(sizeof(double) * N);
    response(x, N, 4);
    for (int64_t i = 1000; i < 1050; i++) x[i] = NAN;
    x[7000] = INFINITY;
    x[2000] += 0.3;
    int64_t pos[4];
    regia_qc_result_t r = run(x, NULL, N, &cfg, pos, 4);
    CHECK(r.n_nan == 51 && r.nan_longest == 50 && r.n_finite == N - 51);
    CHECK(r.flags & REGIA_QC_NAN);
    CHECK(!regia_qc_fit_modal(r.flags));
    CHECK(r.n_spikes == 1 && pos[0] == 2000);
    CHECK(fabs(x[2000]) < 0.1); /* replaced at its own position, past the NaN run */
    CHECK(isfinite(r.rms) && isfinite(r.peak));
    CHECK(isnan(x[1010])); /* NaN stays NaN */

    /* time vector: jitter of 0.4/fs is no gap, one 0.5 s gap, one overlap */
    response(x, N, 4);
    for (int64_t i = 0; i < N; i++) t[i] = (double)i / FS + ((i % 3) ? 0.2 / FS : -0.2 / FS);
    regia_qc_result_t r0 = run(x, t, N, &cfg, NULL, 0);
    CHECK(r0.n_gaps == 0 && r0.n_overlaps == 0 && !(r0.flags & (REGIA_QC_GAP | REGIA_QC_OVERLAP)));
    for (int64_t i = 0; i < N; i++) t[i] = (double)i / FS + (i >= 3000 ? 0.5 : 0.0) - (i >= 40000 ? 0.02 : 0.0);
    r = run(x, t, N, &cfg, NULL, 0);
    CHECK(r.n_gaps == 1 && r.n_overlaps == 1);
    CHECK_CLOSE(r.gap_max_s, 0.5, 1e-9, 1e-9);
    CHECK((r.flags & REGIA_QC_GAP) && (r.flags & REGIA_QC_OVERLAP) && !regia_qc_fit_spectra(r.flags));

    /* trace boundaries: 3 traces at 100 Hz, contiguous, then a 2 s hole */
    int64_t start[3] = {0, 10000000000LL, 20000000000LL + 2000000000LL}, len[3] = {1000, 1000, 500};
    regia_qc_result_t rt;
    memset(&rt, 0, sizeof rt);
    CHECK_OK(regia_qc_gaps_traces(start, len, 3, FS, 1.5, &rt));
    CHECK(rt.n_gaps == 1 && rt.n_overlaps == 0 && (rt.flags & REGIA_QC_GAP));
    CHECK_CLOSE(rt.gap_total_s, 2.0, 1e-9, 1e-9);
    int64_t start2[2] = {0, 9000000000LL}; /* starts before the first ends: overlap */
    memset(&rt, 0, sizeof rt);
    CHECK_OK(regia_qc_gaps_traces(start2, len, 2, FS, 1.5, &rt));
    CHECK(rt.n_overlaps == 1 && (rt.flags & REGIA_QC_OVERLAP));
    int64_t bad[2] = {10, 0};
    CHECK(regia_qc_gaps_traces(bad, len, 2, FS, 1.5, &rt) == REGIA_ERR_INVALID);

    /* SHORT */
    r = run(x, NULL, 10, &cfg, NULL, 0);
    CHECK(r.flags & REGIA_QC_SHORT);
    r = run(x, NULL, 0, &cfg, NULL, 0);
    CHECK((r.flags & REGIA_QC_SHORT) && isnan(r.rms));
    free(x);
    free(t);
}

static void test_flat_clip_drift_dead(void)
{
    regia_qc_cfg_t cfg;
    regia_qc_defaults(&cfg, FS);
    double *x = malloc(sizeof(double) * N);
    /* stuck for 5 s */
    response(x, N, 5);
    for (int64_t i = 30000; i < 30500; i++) x[i] = x[29999];
    regia_qc_result_t r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK(r.flags & REGIA_QC_FLAT);
    CHECK_MSG(r.flat_longest >= 450 && r.flat_longest <= 500, "flat run %lld samples of 500", (long long)r.flat_longest);
    CHECK(!regia_qc_fit_modal(r.flags));
    /* stuck for 1 s: shorter than flat_min (2 s) */
    response(x, N, 5);
    for (int64_t i = 30000; i < 30100; i++) x[i] = x[29999];
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK(!(r.flags & REGIA_QC_FLAT) && r.flat_longest > 0);

    /* clipping at 0.025 of a response peaking near 0.04 */
    response(x, N, 6);
    for (int64_t i = 0; i < N; i++) x[i] = fmin(0.025, fmax(-0.025, x[i]));
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK((r.flags & REGIA_QC_CLIP) && r.clip_runs > 10 && !regia_qc_fit_modal(r.flags));
    regia_qc_cfg_t fsc = cfg;
    fsc.full_scale = 0.025;
    r = run(x, NULL, N, &fsc, NULL, 0);
    CHECK((r.flags & REGIA_QC_CLIP) && r.clip_runs > 10);
    fsc.full_scale = 0.05; /* the stated full scale is not reached */
    r = run(x, NULL, N, &fsc, NULL, 0);
    CHECK(!(r.flags & REGIA_QC_CLIP));

    /* drift: a ramp of 3 noise sigmas over the record */
    normals(x, N, 1.0, 7);
    for (int64_t i = 0; i < N; i++) x[i] += 3.0 * (double)i / N;
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK(r.flags & REGIA_QC_DRIFT);
    CHECK_CLOSE(r.drift, 3.0, 0.1, 0);
    CHECK(regia_qc_fit_modal(r.flags)); /* drift alone does not spoil modal analysis */
    normals(x, N, 1.0, 7);
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK(!(r.flags & REGIA_QC_DRIFT) && fabs(r.drift) < 0.1);

    /* dead: noise far below the floor; all zeros: dead and flat, never clipped */
    normals(x, N, 1e-7, 8);
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK((r.flags & REGIA_QC_DEAD) && !regia_qc_fit_modal(r.flags));
    memset(x, 0, sizeof(double) * N);
    r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK((r.flags & REGIA_QC_DEAD) && (r.flags & REGIA_QC_FLAT) && !(r.flags & REGIA_QC_CLIP));
    CHECK(r.n_spikes == 0);

    /* fitness masks */
    CHECK(!regia_qc_fit_modal(REGIA_QC_CLOCK) && regia_qc_fit_spectra(REGIA_QC_CLOCK));
    CHECK(regia_qc_fit_modal(REGIA_QC_DRIFT));
    CHECK(!regia_qc_fit_modal(REGIA_QC_SPIKE_FIXED | REGIA_QC_SPIKE | REGIA_QC_GAP));
    char buf[80];
    regia_qc_flags_str(REGIA_QC_NAN | REGIA_QC_CLIP | REGIA_QC_SHORT, buf, sizeof buf);
    CHECK(!strcmp(buf, "nan,clip,short"));

    /* bad settings */
    regia_qc_cfg_t bad = cfg;
    bad.hampel_k = 0;
    regia_qc_result_t rb;
    memset(&rb, 0, sizeof rb);
    CHECK(regia_qc_channel(x, NULL, N, &bad, &rb) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "hampel_k") != NULL);
    bad = cfg;
    bad.fs = 0;
    CHECK(regia_qc_channel(x, NULL, N, &bad, &rb) == REGIA_ERR_INVALID);
    free(x);
}

/* a delayed by d samples, exactly: a band-limited sum of sinusoids evaluated at t - d. */
static void delayed(double *x, int64_t n, double d, uint64_t seed)
{
    double f[12], ph[12], am[12];
    for (int k = 0; k < 12; k += 4) {
        double u[4], v[4], w[4];
        regia_rng_uniform4(seed, 1, 0, (uint32_t)k, u);
        regia_rng_uniform4(seed, 2, 0, (uint32_t)k, v);
        regia_rng_uniform4(seed, 3, 0, (uint32_t)k, w);
        for (int j = 0; j < 4; j++) f[k + j] = 0.5 + 9.5 * u[j], ph[k + j] = 2 * M_PI * v[j], am[k + j] = 0.5 + w[j];
    }
    for (int64_t i = 0; i < n; i++) {
        double t = ((double)i - d) / FS, s = 0;
        for (int k = 0; k < 12; k++) s += am[k] * sin(2 * M_PI * f[k] * t + ph[k]);
        x[i] = s;
    }
}

/* The peak logic of sensor_clock.c on r[k] = sum_t (a[t] - ma)(b[t+k] - mb) summed directly
 * in long double: the reference for the blocked FFT. */
static void clock_direct(const double *a, const double *b, int64_t n, int64_t L, double *lag, double *corr)
{
    long double ma = 0, mb = 0, saa = 0, sbb = 0;
    for (int64_t t = 0; t < n; t++) ma += a[t], mb += b[t];
    ma /= n, mb /= n;
    for (int64_t t = 0; t < n; t++) saa += (a[t] - ma) * (a[t] - ma), sbb += (b[t] - mb) * (b[t] - mb);
    double *r = malloc(sizeof *r * (size_t)(2 * L + 1));
    int64_t best = 0;
    double rbest = -INFINITY;
    for (int64_t k = -L; k <= L; k++) {
        long double acc = 0;
        for (int64_t t = k < 0 ? -k : 0; t < n && t + k < n; t++) acc += (a[t] - ma) * (b[t + k] - mb);
        r[L + k] = (double)acc;
        if (r[L + k] > rbest) rbest = r[L + k], best = k;
    }
    double frac = 0;
    if (best > -L && best < L) {
        double rm = r[L + best - 1], rp = r[L + best + 1], den = rm - 2 * rbest + rp;
        if (den < 0) frac = 0.5 * (rm - rp) / den;
    }
    *lag = (double)best + frac;
    *corr = rbest / (double)sqrtl(saa * sbb);
    free(r);
}

/* The blocked FFT cross-correlation against the direct sums: one block (n + 2L fits one
 * transform), several blocks with a short last one, a record an exact number of blocks long,
 * lags up to the record's edge, the default max_lag (n/4), a peak at the edge of the range. */
static void test_clock_blocks(void)
{
    const struct { int64_t n, L; double d; } c[] = {
        {12000, 200, 3.3},   {12000, 5, 17.0},    {3000, 64, -12.6},  {20000, 1, 0.4},  {4096 - 2 * 100, 100, 44.4},
        {3 * (4096 - 2 * 300), 300, -250.5},      {1000, 0, 31.2},   {257, 300, 2.2},   {9000, 1500, 1200.7},
    };
    for (size_t q = 0; q < sizeof c / sizeof c[0]; q++) {
        int64_t n = c[q].n, L = c[q].L <= 0 ? n / 4 : c[q].L;
        if (L > n - 2) L = n - 2;
        double *a = malloc(sizeof(double) * (size_t)n), *b = malloc(sizeof(double) * (size_t)n);
        delayed(a, n, 0.0, 90 + q);
        delayed(b, n, c[q].d, 90 + q);
        for (int64_t t = 0; t < n; t++) b[t] += 0.3 + 0.1 * sin(0.37 * (double)t); /* a mean and a tone */
        double lf, cf, ld, cd;
        CHECK_OK(regia_qc_clock_offset(a, b, n, c[q].L, &lf, &cf));
        clock_direct(a, b, n, L, &ld, &cd);
        CHECK_MSG(fabs(lf - ld) < 1e-9 && fabs(cf - cd) < 1e-12,
                  "n %lld L %lld: blocked FFT lag %.15g corr %.15g, direct sums %.15g %.15g", (long long)n,
                  (long long)L, lf, cf, ld, cd);
        free(a);
        free(b);
    }
}

static void test_clock(void)
{
    const int64_t n = 12000;
    double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n), *e = malloc(sizeof(double) * n);
    const double delays[4] = {3.3, -7.25, 0.0, 41.6};
    for (int k = 0; k < 4; k++) {
        delayed(a, n, 0.0, 11);
        delayed(b, n, delays[k], 11);
        double lag = NAN, corr = NAN;
        CHECK_OK(regia_qc_clock_offset(a, b, n, 200, &lag, &corr));
        CHECK_MSG(fabs(lag - delays[k]) < 0.05, "delay %g samples estimated %g", delays[k], lag);
        CHECK_MSG(corr > 0.95 && corr <= 1.0 + 1e-12, "correlation %g", corr);
    }
    /* with independent sensor noise on both (SNR about 3): still within a tenth of a sample */
    delayed(a, n, 0.0, 12);
    delayed(b, n, 12.4, 12);
    normals(e, n, 0.7, 20);
    for (int64_t i = 0; i < n; i++) a[i] += e[i];
    normals(e, n, 0.7, 21);
    for (int64_t i = 0; i < n; i++) b[i] += e[i];
    double lag, corr;
    CHECK_OK(regia_qc_clock_offset(a, b, n, 0, &lag, &corr));
    CHECK_MSG(fabs(lag - 12.4) < 0.1, "noisy delay 12.4 estimated %g", lag);
    CHECK(corr > 0.5 && corr < 0.95);
    /* from OpenMP threads (plans under the library's FFTW planner lock): the serial answers */
    {
        enum { NT = 8 };
        static double aa[NT][4000], bb[NT][4000];
        double lag_s[NT], lag_p[NT], c_s[NT], c_p[NT];
        int okp[NT];
        for (int k = 0; k < NT; k++) {
            delayed(aa[k], 4000, 0.0, 50 + k);
            delayed(bb[k], 4000, 0.7 * k - 2.0, 50 + k);
            CHECK_OK(regia_qc_clock_offset(aa[k], bb[k], 4000, 64, &lag_s[k], &c_s[k]));
        }
#pragma omp parallel for num_threads(4)
        for (int k = 0; k < NT; k++) okp[k] = regia_qc_clock_offset(aa[k], bb[k], 4000, 64, &lag_p[k], &c_p[k]);
        for (int k = 0; k < NT; k++) {
            CHECK(okp[k] == REGIA_OK && lag_p[k] == lag_s[k] && c_p[k] == c_s[k]);
            CHECK_MSG(fabs(lag_s[k] - (0.7 * k - 2.0)) < 0.05, "delay %g estimated %g", 0.7 * k - 2.0, lag_s[k]);
        }
    }
    /* polarity ignored (regia_qc_clock_offset_any): the same bits as the two calls on (a, b)
     * and (a, -b) it replaces, for channels in phase and in antiphase */
    for (int sgn = -1; sgn <= 1; sgn += 2) {
        delayed(a, n, 0.0, 13);
        delayed(b, n, 5.6, 13);
        for (int64_t i = 0; i < n; i++) b[i] *= sgn, e[i] = -b[i];
        double l1, c1, l2, c2, la, ca;
        CHECK_OK(regia_qc_clock_offset(a, b, n, 100, &l1, &c1));
        CHECK_OK(regia_qc_clock_offset(a, e, n, 100, &l2, &c2));
        CHECK_OK(regia_qc_clock_offset_any(a, b, n, 100, &la, &ca));
        CHECK_MSG(la == (c1 >= c2 ? l1 : l2) && ca == (c1 >= c2 ? c1 : c2),
                  "sign %d: any gives lag %.17g corr %.17g, the two calls %.17g %.17g", sgn, la, ca,
                  c1 >= c2 ? l1 : l2, c1 >= c2 ? c1 : c2);
        CHECK_MSG(fabs(la - 5.6) < 0.05 && ca > 0.95, "sign %d: delay 5.6 estimated %g (corr %g)", sgn, la, ca);
    }
    /* unrelated channels: low correlation */
    normals(a, n, 1.0, 30);
    normals(b, n, 1.0, 31);
    CHECK_OK(regia_qc_clock_offset(a, b, n, 100, &lag, &corr));
    CHECK(corr < 0.1);
    /* bad input */
    memset(b, 0, sizeof(double) * n);
    CHECK(regia_qc_clock_offset(a, b, n, 100, &lag, &corr) == REGIA_ERR_INVALID);
    b[5] = NAN;
    CHECK(regia_qc_clock_offset(a, b, n, 100, &lag, &corr) == REGIA_ERR_INVALID);
    CHECK(regia_qc_clock_offset(a, b, 3, 1, &lag, &corr) == REGIA_ERR_INVALID);
    free(a);
    free(b);
    free(e);
}

/* Offset drift across records (regia_qc_offset_drift) and the record median it is fed
 * with: hourly records of a channel whose zero of 2 mm s-2 starts wandering by 20 mm s-2
 * per day at record 30; the baseline is the median of the first 6 h (records 0-6), the
 * flags are exactly the records more than 10 mm s-2 from it; missing values are neither
 * used nor flagged; the baseline window starts at the first record with a value. */
static void test_offset_drift(void)
{
    enum { NR = 96 };
    double t[NR], off[NR], dev[NR], base = 0;
    uint8_t flag[NR];
    int64_t nf = -1;
    for (int r = 0; r < NR; r++) {
        t[r] = 3600.0 * r + 17.0;
        off[r] = 0.002 + 1e-4 * sin(1.3 * r) + (r >= 30 ? 0.02 * (r - 30) / 24.0 : 0);
    }
    CHECK_OK(regia_qc_offset_drift(t, off, NR, 6 * 3600.0, 0.01, &base, dev, flag, &nf));
    double b7[7];
    memcpy(b7, off, sizeof b7);
    CHECK_CLOSE(base, window_median(b7, 7), 0, 0);
    int64_t want = 0;
    for (int r = 0; r < NR; r++) {
        int w = fabs(off[r] - base) > 0.01;
        want += w;
        CHECK_MSG(flag[r] == w, "record %d: flag %d, want %d", r, flag[r], w);
        CHECK_CLOSE(dev[r], off[r] - base, 0, 0);
        if (r < 30) CHECK(flag[r] == 0);
    }
    CHECK(nf == want && want == NR - 43); /* 0.02 (r - 30) / 24 > 0.01 - (0.002 - base) from r = 43 */
    /* the same numbers again (no state) */
    uint8_t flag2[NR];
    CHECK_OK(regia_qc_offset_drift(t, off, NR, 6 * 3600.0, 0.01, NULL, NULL, flag2, NULL));
    CHECK(memcmp(flag, flag2, sizeof flag) == 0);
    /* missing values: the first 3 and the drifting record 60; the baseline is records 3-9 */
    off[0] = off[1] = off[2] = off[60] = NAN;
    CHECK_OK(regia_qc_offset_drift(t, off, NR, 6 * 3600.0, 0.01, &base, dev, flag, &nf));
    memcpy(b7, off + 3, sizeof b7);
    CHECK_CLOSE(base, window_median(b7, 7), 0, 0);
    CHECK(flag[60] == 0 && isnan(dev[60]) && flag[0] == 0 && nf == want - 1);
    /* a step of 15 mm s-2 from record 50, baseline 0 h (the first record alone) */
    for (int r = 0; r < NR; r++) off[r] = r >= 50 ? 0.015 : 0.0;
    CHECK_OK(regia_qc_offset_drift(t, off, NR, 0, 0.01, &base, NULL, flag, &nf));
    CHECK(base == 0 && nf == NR - 50 && flag[49] == 0 && flag[50] == 1);
    /* no value at all: nothing flagged, baseline NaN */
    for (int r = 0; r < NR; r++) off[r] = NAN;
    CHECK_OK(regia_qc_offset_drift(t, off, NR, 6 * 3600.0, 0.01, &base, NULL, flag, &nf));
    CHECK(isnan(base) && nf == 0);
    /* bad calls */
    CHECK(regia_qc_offset_drift(t, off, NR, 6 * 3600.0, 0, NULL, NULL, flag, NULL) == REGIA_ERR_INVALID);
    CHECK(regia_qc_offset_drift(t, off, NR, -1, 0.01, NULL, NULL, flag, NULL) == REGIA_ERR_INVALID);
    t[5] = t[4] - 1;
    CHECK(regia_qc_offset_drift(t, off, NR, 6 * 3600.0, 0.01, NULL, NULL, flag, NULL) == REGIA_ERR_INVALID);
    CHECK_OK(regia_qc_offset_drift(t, off, 0, 6 * 3600.0, 0.01, NULL, NULL, flag, NULL));
    /* the record median of regia_qc_channel: numpy.median of the samples after the spike
     * replacement (no spike here), and NaN for a record too short for it */
    regia_qc_cfg_t cfg;
    regia_qc_defaults(&cfg, FS);
    double *x = malloc(sizeof(double) * N), *c = malloc(sizeof(double) * N);
    response(x, N, 41);
    for (int64_t i = 0; i < N; i++) x[i] += 0.0123;
    memcpy(c, x, sizeof(double) * N);
    regia_qc_result_t r = run(x, NULL, N, &cfg, NULL, 0);
    CHECK(r.n_spikes == 0);
    CHECK_CLOSE(r.median, window_median(c, N), 0, 0);
    CHECK(fabs(r.median - 0.0123) < 2e-3);
    r = run(x, NULL, 2 * cfg.drift_segments - 1, &cfg, NULL, 0);
    CHECK(isnan(r.median));
    free(x);
    free(c);
}

int main(void)
{
    test_clean();
    test_spikes();
    test_hampel_brute_force();
    test_hampel_reference();
    test_nan_and_gaps();
    test_flat_clip_drift_dead();
    test_clock();
    test_clock_blocks();
    test_offset_drift();
    return check_done();
}
