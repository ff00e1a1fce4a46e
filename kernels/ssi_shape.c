/* ssi_shape.c - indicators of complex mode shapes: MAC, MPC (Pappa et al. 1993) and MPD
 * (pyOMA-2 1.4.3's definition).  Shapes are interleaved complex (re, im) vectors. */
#include <math.h>

#include "regia/ssi.h"

double regia_ssi_mac(const double *a, const double *b, int32_t n)
{
    double re = 0.0, im = 0.0, aa = 0.0, bb = 0.0;
    for (int32_t k = 0; k < n; k++) {
        double ar = a[2 * k], ai = a[2 * k + 1], br = b[2 * k], bi = b[2 * k + 1];
        /* conj(a_k) b_k */
        re += ar * br + ai * bi;
        im += ar * bi - ai * br;
        aa += ar * ar + ai * ai;
        bb += br * br + bi * bi;
    }
    if (aa <= 0.0 || bb <= 0.0) return 0.0;
    return (re * re + im * im) / (aa * bb);
}

/* Second moments of the points (Re phi_k, Im phi_k) about the origin. */
static void moments(const double *phi, int32_t n, double *sxx, double *syy, double *sxy)
{
    double xx = 0.0, yy = 0.0, xy = 0.0;
    for (int32_t k = 0; k < n; k++) {
        double x = phi[2 * k], y = phi[2 * k + 1];
        xx += x * x;
        yy += y * y;
        xy += x * y;
    }
    *sxx = xx;
    *syy = yy;
    *sxy = xy;
}

double regia_mpc(const double *phi, int32_t n)
{
    double sxx, syy, sxy;
    moments(phi, n, &sxx, &syy, &sxy);
    double tr = sxx + syy;
    if (tr <= 0.0) return 0.0;
    /* eigenvalues of [[sxx, sxy], [sxy, syy]]: tr/2 +- d; MPC = (2d / tr)^2 */
    double d = sqrt(0.25 * (sxx - syy) * (sxx - syy) + sxy * sxy);
    double r = 2.0 * d / tr;
    return r * r;
}

double regia_mpd(const double *phi, int32_t n)
{
    double sxx, syy, sxy;
    moments(phi, n, &sxx, &syy, &sxy);
    /* principal direction of the points: the first right singular vector of [Re, Im] */
    double th = 0.5 * atan2(2.0 * sxy, sxx - syy);
    double c = cos(th), s = sin(th), num = 0.0, den = 0.0;
    for (int32_t k = 0; k < n; k++) {
        double x = phi[2 * k], y = phi[2 * k + 1], w = hypot(x, y);
        if (w <= 0.0) continue;
        double q = fabs(x * c + y * s) / w;
        if (q > 1.0) q = 1.0;
        num += w * acos(q);
        den += w;
    }
    return den > 0.0 ? num / den : 0.0;
}
