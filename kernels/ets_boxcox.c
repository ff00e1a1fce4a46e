/* ETS on Box-Cox transformed series: the transform around regia_ets (see regia/boxcox.h).
 * The kernel's fit is unchanged; only its input and outputs are mapped. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regia/boxcox.h"
#include "regia/kernels.h"

regia_status_t regia_ets_boxcox_fit(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out,
                                    const regia_boxcox_rule_t *rule, double *lambda, int64_t *n_fallback)
{
    const int64_t ns = in->n_series, stride = in->stride;
    int64_t fell = 0;
    if (rule->kind == REGIA_BOXCOX_NONE) {
        for (int64_t s = 0; s < ns; s++) lambda[s] = 1;
        if (n_fallback) *n_fallback = 0;
        return regia_ets(be, in, out);
    }
    double *z = malloc(sizeof(double) * (size_t)(ns * stride + 1));
    if (!z) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld transformed series", (long long)ns);
#pragma omp parallel for schedule(dynamic, 16) reduction(+ : fell)
    for (int64_t s = 0; s < ns; s++) {
        const double *y = in->y + s * stride;
        const int n = in->len[s];
        double l = 1;
        fell += regia_boxcox_choose(rule, y, n, in->spec.period, &l);
        lambda[s] = l;
        double *zs = z + s * stride;
        for (int t = 0; t < n; t++) zs[t] = regia_boxcox(y[t], l);
        for (int64_t t = n; t < stride; t++) zs[t] = NAN;
    }
    regia_ets_batch_t tin = *in;
    tin.y = z;
    tin.spec.additive_only = 1;
    regia_status_t st = regia_ets(be, &tin, out);
    free(z);
    if (n_fallback) *n_fallback = fell;
    return st;
}

void regia_ets_boxcox_back(const regia_ets_batch_t *in, regia_ets_out_t *out, const regia_boxcox_rule_t *rule,
                           const double *lambda)
{
    const int64_t ns = in->n_series, H = in->horizon, L = in->n_levels;
    /* the widest interval gives fvar, as in R's InvBoxCox */
    int wide = 0;
    for (int i = 1; i < L; i++)
        if (in->levels[i] > in->levels[wide]) wide = i;
#pragma omp parallel for schedule(static)
    for (int64_t s = 0; s < ns; s++) {
        const double l = lambda[s];
        if (l == 1) continue;
        int nonneg = 1;
        const double *y = in->y + s * in->stride;
        for (int t = 0; t < in->len[s] && nonneg; t++) nonneg = !(y[t] < 0);
        double *lo = out->lower + s * L * H, *up = out->upper + s * L * H;
        for (int64_t h = 0; h < H; h++) {
            double m = regia_boxcox_inv(out->mean[s * H + h], l);
            if (rule->biasadj && !(nonneg && m <= 0)) {
                double fvar = L > 0 ? regia_boxcox_fvar(lo[wide * H + h], up[wide * H + h], in->levels[wide])
                                    : out->var[s * H + h];
                m = regia_boxcox_biasadj(m, l, fvar);
            }
            out->mean[s * H + h] = nonneg && m < 0 ? 0 : m;
        }
        for (int64_t i = 0; i < L * H; i++) {
            double a = regia_boxcox_inv(lo[i], l), b = regia_boxcox_inv(up[i], l);
            lo[i] = nonneg && a < 0 ? 0 : a;
            up[i] = nonneg && b < 0 ? 0 : b;
        }
    }
}

regia_status_t regia_ets_boxcox(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out,
                                const regia_boxcox_rule_t *rule, double *lambda, int64_t *n_fallback)
{
    regia_status_t st = regia_ets_boxcox_fit(be, in, out, rule, lambda, n_fallback);
    if (!st) regia_ets_boxcox_back(in, out, rule, lambda);
    return st;
}
