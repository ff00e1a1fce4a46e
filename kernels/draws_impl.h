/* draws_impl.h - sequential draws from one Philox stream, for the simulations whose number
 * of draws is not known in advance (queue and slot models; internal to kernels/).
 *
 * A regia_draws_t walks the counters of one (seed, stream, path) of regia/rng.h: four
 * uniforms per counter, used in order.  The distributions below consume a number of
 * uniforms that depends only on the values drawn (rejection samplers), so a simulation
 * that draws in an order fixed by its inputs gets the same numbers on every backend.
 * Host and device code share these functions.
 */
#ifndef REGIA_DRAWS_IMPL_H
#define REGIA_DRAWS_IMPL_H

#include <math.h>
#include <stdint.h>

#include "regia/rng.h"

typedef struct {
    uint64_t seed, stream;
    uint32_t path, ctr;
    int idx;
    double u[4];
} regia_draws_t;

REGIA_HD static inline void regia_draws_init(regia_draws_t *d, uint64_t seed, uint64_t stream, uint32_t path)
{
    d->seed = seed;
    d->stream = stream;
    d->path = path;
    d->ctr = 0;
    d->idx = 4;
}

/* A uniform in the open interval (0, 1). */
REGIA_HD static inline double regia_draw_u(regia_draws_t *d)
{
    if (d->idx == 4) {
        regia_rng_uniform4(d->seed, d->stream, d->path, d->ctr++, d->u);
        d->idx = 0;
    }
    return d->u[d->idx++];
}

/* The next n uniforms of the stream into out: the same numbers as n calls of
 * regia_draw_u, with whole counters written straight to out (no per-draw branch). */
REGIA_HD static inline void regia_draws_fill(regia_draws_t *d, int n, double *out)
{
    int i = 0;
    while (i < n && d->idx < 4) out[i++] = d->u[d->idx++];
    for (; i + 4 <= n; i += 4) regia_rng_uniform4(d->seed, d->stream, d->path, d->ctr++, out + i);
    while (i < n) out[i++] = regia_draw_u(d);
}

REGIA_HD static inline double regia_draw_exp(regia_draws_t *d, double mean) { return -mean * log(regia_draw_u(d)); }

/* A standard normal (Box-Muller on two uniforms; the second normal of the pair is not
 * kept, so that a draw never carries state beyond the stream position). */
REGIA_HD static inline double regia_draw_normal(regia_draws_t *d)
{
    double u1 = regia_draw_u(d), u2 = regia_draw_u(d);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

/* Gamma(shape, 1): Marsaglia and Tsang (2000); shape < 1 by the boost
 * Gamma(a) = Gamma(a + 1) U^(1/a). */
REGIA_HD static inline double regia_draw_gamma(regia_draws_t *d, double shape)
{
    double boost = 1.0;
    if (shape < 1.0) {
        boost = pow(regia_draw_u(d), 1.0 / shape);
        shape += 1.0;
    }
    const double dd = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * dd);
    for (;;) {
        double x = regia_draw_normal(d), v = 1.0 + c * x;
        if (v <= 0) continue;
        v = v * v * v;
        double u = regia_draw_u(d);
        if (log(u) < 0.5 * x * x + dd - dd * v + dd * log(v)) return boost * dd * v;
    }
}

/* Poisson(mean): inversion by sequential search below mean 12, else Hormann's
 * transformed rejection with squeeze (PTRS, 1993), two uniforms per try. */
REGIA_HD static inline int64_t regia_draw_poisson(regia_draws_t *d, double mean)
{
    if (!(mean > 0)) return 0;
    if (mean < 12) {
        double u = regia_draw_u(d), p = exp(-mean), cdf = p;
        int64_t k = 0;
        while (u > cdf && k < 1000) {
            k++;
            p *= mean / (double)k;
            cdf += p;
        }
        return k;
    }
    const double slam = sqrt(mean), loglam = log(mean);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = regia_draw_u(d) - 0.5, v = regia_draw_u(d);
        double us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= vr) return (int64_t)k;
        if (k < 0 || (us < 0.013 && v > us)) continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -mean + k * loglam - lgamma(k + 1)) return (int64_t)k;
    }
}

#endif
