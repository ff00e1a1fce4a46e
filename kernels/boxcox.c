/* Box-Cox transforms, Guerrero's lambda and R's bias adjustment (see regia/boxcox.h). */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ets_fit_impl.h" /* regia_ets_qnorm: the normal quantile */
#include "regia/boxcox.h"

regia_status_t regia_boxcox_parse(const char *text, regia_boxcox_rule_t *rule)
{
    if (!text) return REGIA_FAIL(REGIA_ERR_INVALID, "no transform given");
    if (!strcmp(text, "none")) {
        rule->kind = REGIA_BOXCOX_NONE;
        rule->lambda = 1;
        return REGIA_OK;
    }
    if (!strcmp(text, "auto")) {
        rule->kind = REGIA_BOXCOX_AUTO;
        rule->lambda = NAN;
        return REGIA_OK;
    }
    if (!strcmp(text, "log")) {
        rule->kind = REGIA_BOXCOX_FIXED;
        rule->lambda = 0;
        return REGIA_OK;
    }
    if (!strncmp(text, "boxcox:", 7)) {
        char *end = NULL;
        double l = strtod(text + 7, &end);
        while (end && isspace((unsigned char)*end)) end++;
        if (end != text + 7 && end && !*end && isfinite(l) && l >= -2 && l <= 2) {
            rule->kind = REGIA_BOXCOX_FIXED;
            rule->lambda = l;
            return REGIA_OK;
        }
    }
    return REGIA_FAIL(REGIA_ERR_INVALID,
                      "'%s' is not a transform: expected none, auto, log or boxcox:LAMBDA (LAMBDA in [-2, 2])", text);
}

void regia_boxcox_rule_text(const regia_boxcox_rule_t *rule, char *buf, int size)
{
    if (rule->kind == REGIA_BOXCOX_NONE) snprintf(buf, (size_t)size, "none");
    else if (rule->kind == REGIA_BOXCOX_AUTO) snprintf(buf, (size_t)size, "auto");
    else if (rule->lambda == 0) snprintf(buf, (size_t)size, "log");
    else snprintf(buf, (size_t)size, "boxcox:%.17g", rule->lambda);
}

double regia_boxcox(double x, double lambda)
{
    if (lambda == 1) return x;
    if (lambda < 0 && x < 0) return NAN;
    if (lambda == 0) return log(x);
    return (copysign(pow(fabs(x), lambda), x) - 1) / lambda;
}

double regia_boxcox_inv(double z, double lambda)
{
    if (lambda == 1) return z;
    if (lambda < 0 && z > -1 / lambda) return NAN;
    if (lambda == 0) return exp(z);
    double u = z * lambda + 1;
    return copysign(pow(fabs(u), 1 / lambda), u);
}

double regia_boxcox_biasadj(double out, double lambda, double fvar)
{
    if (lambda == 1) return out;
    return out * (1 + 0.5 * fvar * (1 - lambda) / pow(out, 2 * lambda));
}

double regia_boxcox_fvar(double lo, double up, double level)
{
    double w = (up - lo) / regia_ets_qnorm(0.5 * (1 + level / 100)) / 2;
    return w * w;
}

/* mean and sd (n - 1) of the non-missing values of x[0 .. n) with stride rs (NaN: none). */
static void mean_sd(const double *x, int n, int rs, double *mean, double *sd)
{
    double s = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(x[i * rs])) { s += x[i * rs]; k++; }
    *mean = k ? s / k : NAN;
    if (k < 2) { *sd = NAN; return; }
    double q = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(x[i * rs])) q += (x[i * rs] - *mean) * (x[i * rs] - *mean);
    *sd = sqrt(q / (k - 1));
}

double regia_boxcox_guerrero_cv(double lambda, const double *y, int n, int period)
{
    const int p = (int)lround(period > 2 ? period : 2);
    const int nyr = n / p, first = n - nyr * p;
    if (nyr < 1) return NAN;
    double *rat = malloc(sizeof(double) * (size_t)nyr);
    if (!rat) return NAN;
    for (int j = 0; j < nyr; j++) {
        double m, s;
        mean_sd(y + first + (int64_t)j * p, p, 1, &m, &s);
        rat[j] = s / pow(m, 1 - lambda);
    }
    double m, s;
    mean_sd(rat, nyr, 1, &m, &s);
    free(rat);
    return s / m;
}

/* Brent's (1973) minimiser "localmin" in the form of R's optimize (stats/src/optimize.c,
 * Brent_fmin), so that the same criterion gives the same lambda as R. */
static double criterion(double lambda, const double *y, int n, int period)
{
    double v = regia_boxcox_guerrero_cv(lambda, y, n, period);
    return isfinite(v) ? v : DBL_MAX;
}

double regia_boxcox_guerrero(const double *y, int n, int period, double lower, double upper)
{
    const double c = (3. - sqrt(5.)) * .5, tol = pow(DBL_EPSILON, 0.25);
    const double eps = sqrt(DBL_EPSILON), tol3 = tol / 3.;
    double a = lower, b = upper, v = a + c * (b - a), w = v, x = v, d = 0., e = 0.;
    double fx = criterion(x, y, n, period), fv = fx, fw = fx;
    for (;;) {
        const double xm = (a + b) * .5, tol1 = eps * fabs(x) + tol3, t2 = tol1 * 2.;
        if (fabs(x - xm) <= t2 - (b - a) * .5) break;
        double p = 0., q = 0., r = 0., u;
        if (fabs(e) > tol1) { /* parabola through x, w, v */
            r = (x - w) * (fx - fv);
            q = (x - v) * (fx - fw);
            p = (x - v) * q - (x - w) * r;
            q = (q - r) * 2.;
            if (q > 0.) p = -p;
            else q = -q;
            r = e;
            e = d;
        }
        if (fabs(p) >= fabs(q * .5 * r) || p <= q * (a - x) || p >= q * (b - x)) { /* golden section */
            e = x < xm ? b - x : a - x;
            d = c * e;
        } else { /* parabolic step, not too close to the ends */
            d = p / q;
            u = x + d;
            if (u - a < t2 || b - u < t2) d = x >= xm ? -tol1 : tol1;
        }
        u = fabs(d) >= tol1 ? x + d : (d > 0. ? x + tol1 : x - tol1);
        const double fu = criterion(u, y, n, period);
        if (fu <= fx) {
            if (u < x) b = x;
            else a = x;
            v = w; w = x; x = u;
            fv = fw; fw = fx; fx = fu;
        } else {
            if (u < x) a = u;
            else b = u;
            if (fu <= fw || w == x) {
                v = w; fv = fw;
                w = u; fw = fu;
            } else if (fu <= fv || v == x || v == w) {
                v = u; fv = fu;
            }
        }
    }
    return x;
}

double regia_boxcox_lambda_r(const double *y, int n, int period, double lower, double upper)
{
    for (int t = 0; t < n; t++)
        if (y[t] <= 0) { lower = lower > 0 ? lower : 0; break; }
    if (n <= 2 * period) return 1;
    return regia_boxcox_guerrero(y, n, period, lower, upper);
}

int regia_boxcox_choose(const regia_boxcox_rule_t *rule, const double *y, int n, int period, double *lambda)
{
    int valid = 0, zero = 0, negative = 0;
    for (int t = 0; t < n; t++) {
        if (isnan(y[t])) continue;
        valid++;
        zero |= y[t] == 0;
        negative |= y[t] < 0;
    }
    switch (rule->kind) {
    case REGIA_BOXCOX_FIXED:
        if (rule->lambda <= 0 && (zero || negative)) { *lambda = 1; return 1; }
        *lambda = rule->lambda;
        return 0;
    case REGIA_BOXCOX_AUTO:
        if (negative || valid <= 2 * period) *lambda = 1;
        else *lambda = regia_boxcox_guerrero(y, n, period, zero ? REGIA_BOXCOX_ZERO_LOWER : 0, 1);
        return 0;
    default:
        *lambda = 1;
        return 0;
    }
}
