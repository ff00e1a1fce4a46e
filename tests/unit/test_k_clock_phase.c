/* Clock offset from the phase of the cross-spectrum (regia_qc_clock_offset_phase,
 * kernels/sensor_clock.c) on narrowband modal signals: two lightly damped modes (2.1 and
 * 6.7 Hz at 50 Hz, 1 % damping) whose mode shapes have equal signs at the two sensors for
 * the first and opposite signs for the second, sensor b late by 1, 2 or 3 samples.  There
 * the correlation peak (regia_qc_clock_offset_any) lies half a period of a mode away, the
 * phase estimate within a tenth of a sample; a zero-delay pair gives ~0; a pair that sees
 * one mode alone is ambiguous (the runner-up as good as the best); noise alone has no
 * coherent bin; the sign convention (positive = b late) is that of the correlation. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/rng.h"
#include "regia/sensor_qc.h"

#define FS 50.0
#define NS 15000 /* 5 minutes at 50 Hz, as the demo's records */
#define PAD 64

static void normals(double *x, int64_t n, double sd, uint64_t stream)
{
    for (int64_t i = 0; i < n; i += 4) {
        double z[4];
        regia_rng_normal4(7, stream, 0, (uint32_t)(i / 4), z);
        for (int k = 0; k < 4 && i + k < n; k++) x[i + k] = sd * z[k];
    }
}

/* One mode's response to white force: the two-pole resonator of frequency f (Hz) and
 * damping ratio zeta, n + PAD samples (the first PAD are the history a delay reaches),
 * scaled to unit variance. */
static void mode(double *q, int64_t n, double f, double zeta, uint64_t stream)
{
    double *e = malloc(sizeof(double) * (size_t)(n + 1000));
    normals(e, n + 1000, 1.0, stream);
    const double w = 2 * M_PI * f / FS, r = exp(-zeta * w), c = 2 * r * cos(w * sqrt(1 - zeta * zeta));
    double y1 = 0, y2 = 0;
    for (int64_t t = 0; t < n + 1000; t++) { /* 1000 samples of warm-up dropped */
        double y = c * y1 - r * r * y2 + e[t];
        y2 = y1, y1 = y;
        if (t >= 1000) q[t - 1000] = y;
    }
    double v = 0;
    for (int64_t t = 0; t < n; t++) v += q[t] * q[t];
    v = sqrt(v / (double)n);
    for (int64_t t = 0; t < n; t++) q[t] /= v; /* unit variance */
    free(e);
}

typedef struct { double *q1, *q2; } modes_t;

static modes_t make_modes(int64_t n, uint64_t s)
{
    modes_t m = {malloc(sizeof(double) * (size_t)(n + PAD)), malloc(sizeof(double) * (size_t)(n + PAD))};
    mode(m.q1, n + PAD, 2.1, 0.01, s);
    mode(m.q2, n + PAD, 6.7, 0.01, s + 1);
    return m;
}

/* x[t] = p1 q1(t - d) + p2 q2(t - d) + noise (sd relative to the modes' scale), integer d. */
static void channel(double *x, const modes_t *m, int64_t n, double p1, double p2, int d, double sd, uint64_t s)
{
    normals(x, n, sd, s);
    for (int64_t t = 0; t < n; t++) x[t] += p1 * m->q1[PAD + t - d] + p2 * m->q2[PAD + t - d];
}

static void test_narrowband_delays(void)
{
    const int64_t n = NS;
    modes_t m = make_modes(n, 100);
    double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n);
    int corr_wrong = 0;
    for (int d = 0; d <= 3; d++) {
        /* mode 1: shapes 1.0 and 0.8 (same sign); mode 2: 1.0 and -0.8 (opposite signs), of
         * equal variance: r[d] = 0.8 (R1(0) - R2(0)) = 0, the correlation peak lies elsewhere */
        channel(a, &m, n, 1.0, 1.0, 0, 0.3, 200);
        channel(b, &m, n, 0.8, -0.8, d, 0.3, 201);
        const double *pa[1] = {a}, *pb[1] = {b};
        double lag = NAN, agree = NAN, second = NAN, lc = NAN, cc = NAN;
        CHECK_OK(regia_qc_clock_offset_phase(pa, pb, 1, n, FS, &lag, &agree, &second));
        CHECK_OK(regia_qc_clock_offset_any(a, b, n, (int64_t)FS, &lc, &cc));
        printf("  delay %d: phase %.3f (agreement %.3f, runner-up %.3f), correlation peak %.3f (r %.2f)\n", d, lag,
               agree, second, lc, cc);
        CHECK_MSG(fabs(lag - d) < 0.1, "delay %d samples estimated %g", d, lag);
        CHECK_MSG(agree > 0.9 && agree <= 1 + 1e-12, "delay %d: agreement %g", d, agree);
        CHECK_MSG(agree - second >= 0.15, "delay %d: runner-up %g close to the best %g", d, second, agree);
        corr_wrong += fabs(lc - d) > 0.5;
    }
    /* the case is one the correlation peak gets wrong (else the test proves nothing new) */
    CHECK_MSG(corr_wrong >= 3, "the correlation peak was wrong on %d of 4 delays only", corr_wrong);
    /* b early (a late): the sign convention, b(t) ~ a(t - lag) */
    channel(a, &m, n, 1.0, 1.0, 2, 0.3, 202);
    channel(b, &m, n, 0.8, -0.8, 0, 0.3, 203);
    {
        const double *pa[1] = {a}, *pb[1] = {b};
        double lag = NAN, agree = NAN, second = NAN;
        CHECK_OK(regia_qc_clock_offset_phase(pa, pb, 1, n, FS, &lag, &agree, &second));
        CHECK_MSG(fabs(lag + 2) < 0.1, "a late by 2: estimated %g", lag);
    }
    free(a), free(b), free(m.q1), free(m.q2);
}

/* Two channel pairs pooled (x and z of the same two sensors, shapes of other signs): the
 * pooled estimate is the delay; a pair that sees the 2.1 Hz mode alone fixes it only
 * modulo 1 / (2 f) = 11.9 samples: the runner-up is as good as the best. */
static void test_pooled_and_ambiguous(void)
{
    const int64_t n = NS;
    modes_t m = make_modes(n, 300);
    double *ax = malloc(sizeof(double) * n), *bx = malloc(sizeof(double) * n);
    double *az = malloc(sizeof(double) * n), *bz = malloc(sizeof(double) * n);
    channel(ax, &m, n, 1.0, 0.5, 0, 0.3, 400);
    channel(bx, &m, n, -0.9, 0.6, 3, 0.3, 401);
    channel(az, &m, n, 0.3, 1.0, 0, 0.3, 402);
    channel(bz, &m, n, 0.4, -0.8, 3, 0.3, 403);
    const double *pa[2] = {ax, az}, *pb[2] = {bx, bz};
    double lag = NAN, agree = NAN, second = NAN;
    CHECK_OK(regia_qc_clock_offset_phase(pa, pb, 2, n, FS, &lag, &agree, &second));
    CHECK_MSG(fabs(lag - 3) < 0.1 && agree > 0.9 && agree - second >= 0.15, "pooled: lag %g agreement %g runner-up %g",
              lag, agree, second);
    /* one mode only, its coherent bins no wider than its resonance (noise 2x the mode) */
    channel(ax, &m, n, 1.0, 0.0, 0, 2.0, 404);
    channel(bx, &m, n, -0.9, 0.0, 2, 2.0, 405);
    CHECK_OK(regia_qc_clock_offset_phase(pa, pb, 1, n, FS, &lag, &agree, &second));
    CHECK_MSG(agree > 0.9 && agree - second < 0.05, "one mode: agreement %g runner-up %g (lag %g) not ambiguous",
              agree, second, lag);
    /* noise alone: no coherent bin, undecided */
    normals(ax, n, 1.0, 406);
    normals(bx, n, 1.0, 407);
    CHECK_OK(regia_qc_clock_offset_phase(pa, pb, 1, n, FS, &lag, &agree, &second));
    CHECK_MSG(isnan(lag) && agree == 0, "noise: lag %g agreement %g", lag, agree);
    free(ax), free(bx), free(az), free(bz), free(m.q1), free(m.q2);
}

/* Broadband (white) motion delayed by 5 samples: the same lag as the correlation peak. */
static void test_same_convention_as_correlation(void)
{
    const int64_t n = 8000;
    double *w = malloc(sizeof(double) * (n + PAD)), *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n);
    normals(w, n + PAD, 1.0, 500);
    for (int64_t t = 0; t < n; t++) a[t] = w[PAD + t], b[t] = w[PAD + t - 5];
    const double *pa[1] = {a}, *pb[1] = {b};
    double lag = NAN, agree = NAN, second = NAN, lc = NAN, cc = NAN;
    CHECK_OK(regia_qc_clock_offset_phase(pa, pb, 1, n, 20, &lag, &agree, &second));
    CHECK_OK(regia_qc_clock_offset(a, b, n, 20, &lc, &cc));
    CHECK_MSG(fabs(lag - 5) < 0.05 && fabs(lc - 5) < 0.05, "white: phase %g correlation %g", lag, lc);
    CHECK_MSG(agree > 0.99, "white: agreement %g", agree);
    free(w), free(a), free(b);
}

static void test_bad_input(void)
{
    double *a = calloc(NS, sizeof(double)), *b = calloc(NS, sizeof(double));
    normals(a, NS, 1, 600);
    normals(b, NS, 1, 601);
    const double *pa[1] = {a}, *pb[1] = {b};
    double lag, agree, second;
    CHECK(regia_qc_clock_offset_phase(pa, pb, 0, NS, 10, &lag, &agree, &second) == REGIA_ERR_INVALID);
    regia_error_clear();
    CHECK(regia_qc_clock_offset_phase(pa, pb, 1, 399, 10, &lag, &agree, &second) == REGIA_ERR_INVALID);
    regia_error_clear();
    CHECK_OK(regia_qc_clock_offset_phase(pa, pb, 1, 400, 10, &lag, &agree, &second));
    b[123] = NAN;
    CHECK(regia_qc_clock_offset_phase(pa, pb, 1, NS, 10, &lag, &agree, &second) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "sample 123 of channel b of pair 0") != NULL);
    regia_error_clear();
    free(a), free(b);
}

int main(void)
{
    test_narrowband_delays();
    test_pooled_and_ambiguous();
    test_same_convention_as_correlation();
    test_bad_input();
    return check_done();
}
