/* Distributions for the novelty threshold (contract: include/regia/novelty.h):
 * regularized incomplete beta and gamma functions, their inverses, F and chi^2 quantiles.
 *
 * I_x(a, b) is evaluated by the continued fraction of Didonato & Morris / Numerical
 * Recipes (3rd ed., section 6.4, modified Lentz), on the side of the symmetry relation
 * I_x(a, b) = 1 - I_{1-x}(b, a) where it converges fast (x < (a+1)/(a+b+2)).  The
 * regularized lower incomplete gamma P(a, x) uses the series for x < a + 1 and Legendre's
 * continued fraction otherwise (Numerical Recipes 6.2).  Inverses: Newton steps on the
 * monotone cdf, kept inside a bracket that bisection shrinks whenever a Newton step would
 * leave it, to |dx| <= 1e-15 relative.  Upper-tail quantiles are solved on the complement
 * (the small tail probability), so that F^{-1}(0.99) keeps its digits.
 * Checked against scipy 1.14.1 (tests/unit/test_k_novelty.c). */
#include <math.h>

#include "regia/novelty.h"

enum { CF_MAX_ITER = 100000 };

static double lbeta(double a, double b)
{
    int s;
    return lgamma_r(a, &s) + lgamma_r(b, &s) - lgamma_r(a + b, &s);
}

/* Continued fraction of I_x(a, b) (without the front factor), Lentz's method. */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= CF_MAX_ITER; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < eps) break;
    }
    return h;
}

/* I_x(a, b) and its complement 1 - I_x(a, b), both to full relative accuracy. */
static void betainc_both(double a, double b, double x, double *p, double *q)
{
    if (x <= 0.0) {
        *p = 0.0, *q = 1.0;
        return;
    }
    if (x >= 1.0) {
        *p = 1.0, *q = 0.0;
        return;
    }
    double lfront = a * log(x) + b * log1p(-x) - lbeta(a, b);
    if (x < (a + 1.0) / (a + b + 2.0)) {
        *p = exp(lfront) * betacf(a, b, x) / a;
        *q = 1.0 - *p;
    } else {
        *q = exp(lfront) * betacf(b, a, 1.0 - x) / b;
        *p = 1.0 - *q;
    }
}

double regia_betainc(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1) || isinf(a) || isinf(b)) return NAN;
    double p, q;
    betainc_both(a, b, x, &p, &q);
    return p;
}

/* log of the beta density at x (the derivative of I_x). */
static double lbeta_pdf(double a, double b, double x, double lb)
{
    return (a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - lb;
}

/* Solve for x in (0, 1): I_x(a, b) = target (upper = 0) or 1 - I_x(a, b) = target
 * (upper = 1), the tail given to full relative accuracy by betainc_both.  Best when the
 * root is below 1/2 (callers solve in 1 - x with a, b swapped otherwise). */
static double betainc_solve(double a, double b, double target, int upper)
{
    if (target <= 0.0) return upper ? 1.0 : 0.0;
    if (target >= 1.0) return upper ? 0.0 : 1.0;
    double lb = lbeta(a, b);
    double lo = 0.0, hi = 1.0;
    /* Start: the small-x asymptote I_x ~ x^a / (a B(a, b)) of the lower tail. */
    double lower = upper ? 1.0 - target : target;
    double x = exp((log(lower) + log(a) + lb) / a);
    if (!(x > 0.0 && x < 1.0)) x = 0.5;
    for (int it = 0; it < 400; it++) {
        double p, q;
        betainc_both(a, b, x, &p, &q);
        /* diff > 0: x is too large (the lower tail grows, the upper shrinks with x) */
        double diff = upper ? target - q : p - target;
        if (diff == 0.0) return x;
        if (diff < 0) lo = x; else hi = x;
        double dens = exp(lbeta_pdf(a, b, x, lb));
        double xn = (dens > 0 && isfinite(dens)) ? x - diff / dens : NAN;
        if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
        if (fabs(xn - x) <= 1e-15 * fmax(x, 1e-300) || hi - lo <= 4e-16 * fmax(hi, 1e-300)) return xn;
        x = xn;
    }
    return x;
}

/* x with I_x(a, b) = prob (upper = 0) or 1 - I_x = prob (upper = 1), and 1 - x, each
 * solved on the side where it is the smaller one. */
static void betainc_root(double a, double b, double prob, int upper, double *x, double *omx)
{
    double r = betainc_solve(a, b, prob, upper);
    if (r <= 0.5) {
        *x = r, *omx = 1.0 - r;
        return;
    }
    /* I_x(a, b) = 1 - I_{1-x}(b, a): the lower tail in x is the upper tail in 1 - x */
    double y = betainc_solve(b, a, prob, !upper);
    *omx = y, *x = 1.0 - y;
}

double regia_betainc_inv(double a, double b, double prob)
{
    if (!(a > 0) || !(b > 0) || !(prob >= 0 && prob <= 1) || isinf(a) || isinf(b)) return NAN;
    double x, omx;
    if (prob <= 0.5) betainc_root(a, b, prob, 0, &x, &omx);
    else betainc_root(a, b, 1.0 - prob, 1, &x, &omx);
    return x;
}

double regia_f_cdf(double x, double d1, double d2)
{
    if (!(d1 > 0) || !(d2 > 0) || isnan(x)) return NAN;
    if (x <= 0) return 0.0;
    if (isinf(x)) return 1.0;
    /* P(F <= x) = I_{d1 x/(d1 x + d2)}(d1/2, d2/2) */
    return regia_betainc(0.5 * d1, 0.5 * d2, d1 * x / (d1 * x + d2));
}

double regia_f_ppf(double prob, double d1, double d2)
{
    if (!(d1 > 0) || !(d2 > 0) || !(prob >= 0 && prob <= 1)) return NAN;
    if (prob == 0) return 0.0;
    if (prob == 1) return INFINITY;
    /* x = d1 F / (d1 F + d2) ~ Beta(d1/2, d2/2); F = d2 x / (d1 (1 - x)) */
    double x, omx;
    if (prob <= 0.5) betainc_root(0.5 * d1, 0.5 * d2, prob, 0, &x, &omx);
    else betainc_root(0.5 * d1, 0.5 * d2, 1.0 - prob, 1, &x, &omx);
    return d2 * x / (d1 * omx);
}

double regia_f_sf(double x, double d1, double d2)
{
    if (!(d1 > 0) || !(d2 > 0) || isnan(x)) return NAN;
    if (x <= 0) return 1.0;
    if (isinf(x)) return 0.0;
    double p, q;
    betainc_both(0.5 * d1, 0.5 * d2, d1 * x / (d1 * x + d2), &p, &q);
    return q;
}

double regia_f_isf(double q, double d1, double d2)
{
    if (!(d1 > 0) || !(d2 > 0) || !(q >= 0 && q <= 1)) return NAN;
    if (q == 1) return 0.0;
    if (q == 0) return INFINITY;
    double x, omx;
    if (q >= 0.5) betainc_root(0.5 * d1, 0.5 * d2, 1.0 - q, 0, &x, &omx);
    else betainc_root(0.5 * d1, 0.5 * d2, q, 1, &x, &omx);
    return d2 * x / (d1 * omx);
}

/* Regularized lower / upper incomplete gamma P(a, x), Q(a, x). */
static void gammainc_both(double a, double x, double *p, double *q)
{
    if (x <= 0) {
        *p = 0.0, *q = 1.0;
        return;
    }
    int s;
    double lga = lgamma_r(a, &s);
    if (x < a + 1.0) {
        double ap = a, sum = 1.0 / a, del = sum;
        for (int n = 0; n < CF_MAX_ITER; n++) {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-16) break;
        }
        *p = sum * exp(-x + a * log(x) - lga);
        *q = 1.0 - *p;
    } else {
        const double tiny = 1e-300;
        double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
        for (int i = 1; i < CF_MAX_ITER; i++) {
            double an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            if (fabs(d) < tiny) d = tiny;
            c = b + an / c;
            if (fabs(c) < tiny) c = tiny;
            d = 1.0 / d;
            double del = d * c;
            h *= del;
            if (fabs(del - 1.0) < 1e-16) break;
        }
        *q = exp(-x + a * log(x) - lga) * h;
        *p = 1.0 - *q;
    }
}

double regia_chi2_ppf(double prob, double k)
{
    if (!(k > 0) || !(prob >= 0 && prob <= 1) || isinf(k)) return NAN;
    if (prob == 0) return 0.0;
    if (prob == 1) return INFINITY;
    /* chi^2_k = 2 G with G ~ Gamma(k/2, 1); solve on the smaller tail. */
    double a = 0.5 * k, upper = prob > 0.5, target = upper ? 1.0 - prob : prob;
    int s;
    double lga = lgamma_r(a, &s);
    double lo = 0.0, hi = INFINITY;
    double x = fmax(a, 1e-3); /* start at the mean */
    for (int it = 0; it < 600; it++) {
        double p, q;
        gammainc_both(a, x, &p, &q);
        double tail = upper ? q : p;
        double diff = tail - target; /* lower: increasing in x; upper: decreasing */
        if (diff == 0.0) break;
        int too_far = upper ? (diff < 0) : (diff > 0);
        if (too_far) hi = x; else lo = x;
        double dens = exp((a - 1.0) * log(x) - x - lga);
        double step = (dens > 0 && isfinite(dens)) ? diff / dens : NAN;
        double xn = upper ? x + step : x - step;
        if (!(xn > lo && xn < hi)) xn = isinf(hi) ? 2.0 * x + 1.0 : 0.5 * (lo + hi);
        if (fabs(xn - x) <= 1e-15 * x) {
            x = xn;
            break;
        }
        x = xn;
    }
    return 2.0 * x;
}

double regia_mahal_threshold(double alpha, int32_t p, int64_t n)
{
    if (!(alpha > 0 && alpha < 1) || p < 1 || n <= (int64_t)p + 1) return NAN;
    double dn = (double)n, dp = (double)p;
    double fq = regia_f_ppf(1.0 - alpha, dp, dn - dp);
    return (dn + 1.0) / dn * dp * (dn - 1.0) / (dn - dp) * fq;
}
