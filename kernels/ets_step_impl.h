/* ets_step_impl.h - one step of the ETS state-space recursions (internal to kernels/).
 *
 * Error-correction form of Hyndman et al. (2008), the same equations as R's etscalc.c.
 * Host and device code share these inline functions, so the CPU and CUDA backends
 * evaluate the same arithmetic.  Seasonal terms live in a ring of m entries:
 * s[pos] is the term for the current step; the update overwrites it with the term that
 * will apply m steps later and advances pos.
 */
#ifndef REGIA_ETS_STEP_IMPL_H
#define REGIA_ETS_STEP_IMPL_H

#include <math.h>

#include "regia/ets.h"
#include "regia/rng.h" /* REGIA_HD */

/* Level-plus-trend part q and the one-step forecast f for the current step.
 * `phib` receives phi*b (additive trend), b^phi (multiplicative) or 0 (none). */
REGIA_HD static inline double regia_ets_onestep(int trend, int season, double phi, double l,
                                                double b, double s_cur, double *q_out,
                                                double *phib_out)
{
    double q, phib;
    if (trend == REGIA_ETS_NONE) {
        phib = 0.0;
        q = l;
    } else if (trend == REGIA_ETS_ADD) {
        phib = phi * b;
        q = l + phib;
    } else {
        phib = pow(b, phi);
        q = l * phib;
    }
    *q_out = q;
    *phib_out = phib;
    if (season == REGIA_ETS_NONE) return q;
    if (season == REGIA_ETS_ADD) return q + s_cur;
    return q * s_cur;
}

/* Update level, trend and the current seasonal term after observing y.
 * q and phib come from regia_ets_onestep for this step; l and b are updated in place,
 * *s_cur is replaced by the new seasonal term. */
REGIA_HD static inline void regia_ets_update(int trend, int season, double alpha, double beta,
                                             double gamma, double q, double phib, double y,
                                             double *l, double *b, double *s_cur)
{
    double oldl = *l, olds = *s_cur;
    double p;
    if (season == REGIA_ETS_NONE) p = y;
    else if (season == REGIA_ETS_ADD) p = y - olds;
    else p = y / olds;
    double nl = q + alpha * (p - q);
    if (trend != REGIA_ETS_NONE) {
        double r = (trend == REGIA_ETS_ADD) ? nl - oldl : nl / oldl;
        *b = phib + (beta / alpha) * (r - phib);
    }
    if (season != REGIA_ETS_NONE) {
        double t = (season == REGIA_ETS_ADD) ? y - q : y / q;
        *s_cur = olds + gamma * (t - olds);
    }
    *l = nl;
}

#endif
