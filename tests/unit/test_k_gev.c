/* GEV kernel (kernels/gev.c): Port Pirie against Coles (2001), the analytic gradient and
 * Hessian against differences, the Gumbel limit (xi -> 0 from both sides equals the
 * Gumbel formulas), return levels (G(z_p) = 1 - p, the Gumbel form, the delta method
 * against a differenced gradient), a large heavy-tailed sample recovering its
 * parameters, batch = single fit, thread invariance, and the refusals (constant, too
 * few, non-finite, malformed batches).  The comparison with R evd::fgev is
 * tests/cli/test_gev_evd.sh. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/gev.h"

/* Values of series `id` in tests/reference/gev_series.csv (series_id,time,value). */
static int read_series(const char *id, double *x, int cap)
{
    const char *path = "tests/reference/gev_series.csv";
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open (run from the repository root)\n", path);
        return -1;
    }
    char line[256];
    int n = 0;
    size_t k = strlen(id);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, id, k) && line[k] == ',') {
            const char *v = strrchr(line, ',');
            if (n < cap) x[n++] = atof(v + 1);
        }
    fclose(f);
    return n;
}

/* Inverse GEV CDF (Coles' sign) at u in (0, 1). */
static double qgev(double u, double mu, double sg, double xi)
{
    const double y = -log(u);
    return xi == 0.0 ? mu - sg * log(y) : mu + sg * (pow(y, -xi) - 1.0) / xi;
}

static double cdf(double z, double mu, double sg, double xi)
{
    const double t = (z - mu) / sg;
    return xi == 0.0 ? exp(-exp(-t)) : exp(-pow(1.0 + xi * t, -1.0 / xi));
}

/* Deterministic uniforms in (0, 1): a 64-bit LCG (Knuth's MMIX constants). */
static double unif(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

/* Bitwise equality of two fits (field by field: the struct has padding). */
static int fit_same(const regia_gev_fit_t *a, const regia_gev_fit_t *b)
{
    return !memcmp(a->par, b->par, sizeof a->par) && !memcmp(a->se, b->se, sizeof a->se) &&
           !memcmp(a->cov, b->cov, sizeof a->cov) && !memcmp(&a->nll, &b->nll, sizeof a->nll) && a->n == b->n &&
           a->iterations == b->iterations && a->status == b->status;
}

static void test_portpirie(void)
{
    double x[128];
    int n = read_series("portpirie", x, 128);
    CHECK(n == 65);
    if (n != 65) return;
    regia_gev_fit_t f;
    CHECK_OK(regia_gev_fit(x, n, &f));
    CHECK(f.status == REGIA_GEV_OK);
    CHECK(f.n == 65);
    /* Coles (2001) section 3.4.1, printed to 2-3 significant digits: within half a unit
     * of the last printed digit */
    CHECK_CLOSE(f.par[0], 3.87, 0, 0.005);
    CHECK_CLOSE(f.par[1], 0.198, 0, 0.0005);
    CHECK_CLOSE(f.par[2], -0.050, 0, 0.0005);
    CHECK_CLOSE(f.se[0], 0.028, 0, 0.0005);
    CHECK_CLOSE(f.se[1], 0.020, 0, 0.0005);
    CHECK_CLOSE(f.se[2], 0.098, 0, 0.0005);
    double se, lo, hi;
    double z10 = regia_gev_return_level(&f, 10, 0.95, &se, &lo, &hi);
    CHECK_CLOSE(z10, 4.30, 0, 0.005);
    /* Coles adds -+1.96 se to the rounded 4.30: his upper end 4.41 is ours (4.404) + 0.006 */
    CHECK_CLOSE(lo, 4.19, 0, 0.01);
    CHECK_CLOSE(hi, 4.41, 0, 0.01);
    CHECK_CLOSE(hi - lo, 2 * 1.959963984540054 * se, 1e-12, 0);
    double z100 = regia_gev_return_level(&f, 100, 0.95, &se, &lo, &hi);
    CHECK_CLOSE(z100, 4.69, 0, 0.005);
    CHECK_CLOSE(lo, 4.38, 0, 0.01);
    CHECK_CLOSE(hi, 5.00, 0, 0.01);
    /* a maximum: gradient zero to rounding, every perturbation worse */
    double g[3];
    regia_gev_nll(x, n, f.par, g, NULL);
    CHECK(fabs(g[0]) < 1e-8 && fabs(g[1]) < 1e-8 && fabs(g[2]) < 1e-8);
    CHECK_CLOSE(regia_gev_nll(x, n, f.par, NULL, NULL), f.nll, 1e-12, 0);
    for (int k = 0; k < 3; k++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            double p[3] = {f.par[0], f.par[1], f.par[2]};
            p[k] += sgn * 1e-4;
            CHECK(regia_gev_nll(x, n, p, NULL, NULL) > f.nll);
        }
}

/* Gradient and Hessian against central differences of the analytic gradient / value. */
static void test_derivatives(void)
{
    double x[128];
    int n = read_series("portpirie", x, 128);
    if (n != 65) return;
    const double pts[][3] = {{3.87, 0.2, -0.05}, {3.8, 0.25, 0.3}, {3.9, 0.25, -0.2}, {3.87, 0.2, 0.0},
                             {3.87, 0.2, 1e-9}, {3.87, 0.2, -3e-3}, {3.87, 0.2, 0.06}};
    for (size_t c = 0; c < sizeof pts / sizeof pts[0]; c++) {
        double g[3], h[9];
        const double f0 = regia_gev_nll(x, n, pts[c], g, h);
        CHECK(isfinite(f0));
        for (int k = 0; k < 3; k++) {
            const double e = 1e-6;
            double pp[3], pm[3], gp[3], gm[3];
            memcpy(pp, pts[c], sizeof pp);
            memcpy(pm, pts[c], sizeof pm);
            pp[k] += e;
            pm[k] -= e;
            const double fp = regia_gev_nll(x, n, pp, gp, NULL), fm = regia_gev_nll(x, n, pm, gm, NULL);
            CHECK_MSG(fabs((fp - fm) / (2 * e) - g[k]) <= 1e-5 * (1 + fabs(g[k])), "point %zu, grad %d: %.10g vs %.10g",
                      c, k, (fp - fm) / (2 * e), g[k]);
            for (int i = 0; i < 3; i++) {
                const double d = (gp[i] - gm[i]) / (2 * e);
                CHECK_MSG(fabs(d - h[k * 3 + i]) <= 1e-5 * (1 + fabs(h[k * 3 + i])),
                          "point %zu, hess %d%d: %.10g vs %.10g", c, k, i, d, h[k * 3 + i]);
                CHECK(h[k * 3 + i] == h[i * 3 + k]);
            }
        }
    }
}

/* xi -> 0: the formulas at tiny |xi| equal the Gumbel ones written out here. */
static void test_gumbel_limit(void)
{
    double x[128];
    int n = read_series("portpirie", x, 128);
    if (n != 65) return;
    const double mu = 3.87, sg = 0.2;
    /* Gumbel: l = n log s + sum z + exp(-z); dl/dmu = sum (1 - e)/s; dl/dsigma = n/s - sum z (1 - e)/s */
    double f = n * log(sg), gmu = 0, gsg = n / sg;
    for (int i = 0; i < n; i++) {
        const double z = (x[i] - mu) / sg, e = exp(-z);
        f += z + e;
        gmu -= (1 - e) / sg;
        gsg -= z * (1 - e) / sg;
    }
    const double xis[] = {0.0, 1e-15, -1e-15, 1e-13, -1e-13, 1e-300};
    for (size_t k = 0; k < sizeof xis / sizeof xis[0]; k++) {
        const double p[3] = {mu, sg, xis[k]};
        double g[3], h[9];
        const double v = regia_gev_nll(x, n, p, g, h);
        CHECK_CLOSE(v, f, 1e-13, 1e-13);
        CHECK_CLOSE(g[0], gmu, 1e-10, 1e-10); /* d(g)/d(xi) ~ 1e2: 1e-11 at |xi| = 1e-13 */
        CHECK_CLOSE(g[1], gsg, 1e-10, 1e-10);
    }
    /* continuity of the shape derivatives through 0 (nothing cancels) */
    double g0[3], h0[9], gp[3], hp[9], gm[3], hm[9];
    const double p0[3] = {mu, sg, 0.0}, pp[3] = {mu, sg, 1e-8}, pm[3] = {mu, sg, -1e-8};
    regia_gev_nll(x, n, p0, g0, h0);
    regia_gev_nll(x, n, pp, gp, hp);
    regia_gev_nll(x, n, pm, gm, hm);
    CHECK_CLOSE(0.5 * (gp[2] + gm[2]), g0[2], 1e-9, 1e-9);
    CHECK_CLOSE((gp[2] - gm[2]) / 2e-8, h0[8], 1e-5, 0);
    for (int i = 0; i < 9; i++) CHECK_CLOSE(0.5 * (hp[i] + hm[i]), h0[i], 1e-9, 1e-9);
    /* a Gumbel sample fitted: xi near 0, a clean fit */
    double y[400];
    uint64_t s = 7;
    for (int i = 0; i < 400; i++) y[i] = qgev(unif(&s), 10.0, 2.0, 0.0);
    regia_gev_fit_t fit;
    CHECK_OK(regia_gev_fit(y, 400, &fit));
    CHECK(fit.status == REGIA_GEV_OK);
    CHECK(fabs(fit.par[2]) < 3 * fit.se[2]);
}

static void test_return_levels(void)
{
    regia_gev_fit_t f = {.par = {10.0, 2.0, 0.25}, .status = REGIA_GEV_OK};
    const double cov[9] = {0.04, 0.01, -0.002, 0.01, 0.03, -0.001, -0.002, -0.001, 0.01};
    memcpy(f.cov, cov, sizeof cov);
    const double Ts[] = {1.5, 2, 10, 100, 1e4};
    for (size_t k = 0; k < sizeof Ts / sizeof Ts[0]; k++) {
        const double T = Ts[k];
        const double fx[] = {0.25, -0.3, 0.0, 1e-12};
        for (size_t j = 0; j < sizeof fx / sizeof fx[0]; j++) {
            f.par[2] = fx[j];
            double se, lo, hi;
            const double z = regia_gev_return_level(&f, T, 0.9, &se, &lo, &hi);
            /* exceeded with probability 1/T */
            CHECK_CLOSE(cdf(z, f.par[0], f.par[1], f.par[2] == 1e-12 ? 0.0 : f.par[2]), 1 - 1 / T, 1e-12, 0);
            /* delta method with a differenced gradient */
            double gr[3];
            for (int i = 0; i < 3; i++) {
                regia_gev_fit_t a = f, b = f;
                const double e = 1e-6;
                a.par[i] += e;
                b.par[i] -= e;
                gr[i] = (regia_gev_return_level(&a, T, 0.9, NULL, NULL, NULL) -
                         regia_gev_return_level(&b, T, 0.9, NULL, NULL, NULL)) / (2 * e);
            }
            double var = 0;
            for (int i = 0; i < 3; i++)
                for (int m = 0; m < 3; m++) var += gr[i] * cov[i * 3 + m] * gr[m];
            CHECK_CLOSE(se, sqrt(var), 1e-6, 0);
            CHECK_CLOSE(hi - z, 1.6448536269514722 * se, 1e-12, 0);
            CHECK_CLOSE(z - lo, hi - z, 1e-12, 1e-12);
        }
    }
    /* the Gumbel form mu - sigma log(-log(1 - p)) */
    f.par[2] = 0.0;
    CHECK_CLOSE(regia_gev_return_level(&f, 50, 0.95, NULL, NULL, NULL), 10.0 - 2.0 * log(-log1p(-1.0 / 50)), 1e-15, 0);
    CHECK(isnan(regia_gev_return_level(&f, 1.0, 0.95, NULL, NULL, NULL)));
    f.par[0] = NAN;
    CHECK(isnan(regia_gev_return_level(&f, 10, 0.95, NULL, NULL, NULL)));
}

/* A large heavy-tailed and a bounded sample: the estimates within 4 standard errors of
 * the truth, and the standard errors near the asymptotic ones' order. */
static void test_recovery(void)
{
    enum { N = 3000 };
    double *y = malloc(sizeof(double) * N);
    const double truth[2][3] = {{100.0, 15.0, 0.3}, {-5.0, 0.01, -0.25}};
    for (int c = 0; c < 2; c++) {
        uint64_t s = 1234 + (uint64_t)c;
        for (int i = 0; i < N; i++) y[i] = qgev(unif(&s), truth[c][0], truth[c][1], truth[c][2]);
        regia_gev_fit_t f;
        CHECK_OK(regia_gev_fit(y, N, &f));
        CHECK(f.status == REGIA_GEV_OK);
        for (int k = 0; k < 3; k++) {
            CHECK_MSG(fabs(f.par[k] - truth[c][k]) < 4 * f.se[k], "case %d par %d: %g (se %g) vs %g", c, k, f.par[k],
                      f.se[k], truth[c][k]);
            CHECK(f.se[k] > 0 && f.se[k] < 0.05 * (fabs(truth[c][k]) + truth[c][1]));
        }
        CHECK(f.iterations < 40);
    }
    free(y);
}

static void test_batch(void)
{
    enum { S = 37, STRIDE = 90 };
    double *x = malloc(sizeof(double) * S * STRIDE);
    int32_t len[S];
    uint64_t s = 99;
    for (int i = 0; i < S; i++) {
        len[i] = 5 + (i * 7) % (STRIDE - 4);
        const double xi = -0.4 + 0.8 * i / (S - 1);
        for (int t = 0; t < len[i]; t++) x[i * STRIDE + t] = qgev(unif(&s), i, 1 + 0.1 * i, xi);
        for (int t = len[i]; t < STRIDE; t++) x[i * STRIDE + t] = NAN; /* padding is never read */
    }
    for (int t = 0; t < len[3]; t++) x[3 * STRIDE + t] = 2.5;           /* constant        */
    len[4] = 2;                                                          /* too few         */
    x[5 * STRIDE + 1] = INFINITY;                                        /* non-finite      */
    const double T[3] = {10, 50, 100};
    regia_gev_batch_t in = {.n_series = S, .stride = STRIDE, .x = x, .len = len, .n_periods = 3, .periods = T,
                            .level = 0.95};
    regia_gev_fit_t f1[S], f4[S];
    double rl1[S * 3], se1[S * 3], lo1[S * 3], hi1[S * 3], rl4[S * 3], se4[S * 3], lo4[S * 3], hi4[S * 3];
    regia_gev_out_t o1 = {f1, rl1, se1, lo1, hi1}, o4 = {f4, rl4, se4, lo4, hi4};
    CHECK_OK(regia_gev_fit_batch(&in, &o1, 1));
    CHECK_OK(regia_gev_fit_batch(&in, &o4, 4));
    for (int i = 0; i < S; i++) CHECK(fit_same(&f1[i], &f4[i]));
    CHECK(memcmp(rl1, rl4, sizeof rl1) == 0 && memcmp(se1, se4, sizeof se1) == 0);
    CHECK(memcmp(lo1, lo4, sizeof lo1) == 0 && memcmp(hi1, hi4, sizeof hi1) == 0);
    CHECK(f1[3].status == REGIA_GEV_CONSTANT && isnan(f1[3].par[0]) && isnan(rl1[3 * 3]));
    CHECK(f1[4].status == REGIA_GEV_TOO_FEW);
    CHECK(f1[5].status == REGIA_GEV_BAD_VALUE);
    int ok = 0;
    for (int i = 0; i < S; i++) {
        if (i >= 3 && i <= 5) continue;
        regia_gev_fit_t g;
        CHECK_OK(regia_gev_fit(x + i * STRIDE, len[i], &g));
        CHECK(fit_same(&g, &f1[i]));
        if (g.status == REGIA_GEV_OK) {
            ok++;
            for (int j = 0; j < 3; j++) {
                double se, lo, hi;
                CHECK(regia_gev_return_level(&g, T[j], 0.95, &se, &lo, &hi) == rl1[i * 3 + j]);
                CHECK(se == se1[i * 3 + j] && lo == lo1[i * 3 + j] && hi == hi1[i * 3 + j]);
            }
        }
    }
    CHECK(ok >= S - 8); /* a few of the 5-value series may have no interior maximum */
    /* malformed batches */
    len[0] = STRIDE + 1;
    CHECK(regia_gev_fit_batch(&in, &o1, 1) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "series 0") != NULL);
    len[0] = 5;
    const double badT[1] = {1.0};
    in.periods = badT;
    in.n_periods = 1;
    CHECK(regia_gev_fit_batch(&in, &o1, 1) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "return period 1") != NULL);
    in.periods = T;
    in.level = 1.0;
    CHECK(regia_gev_fit_batch(&in, &o1, 1) == REGIA_ERR_INVALID);
    free(x);
}

static void test_refusals(void)
{
    regia_gev_fit_t f;
    const double c[5] = {1, 1, 1, 1, 1}, two[2] = {1, 2}, bad[4] = {1, NAN, 2, 3};
    CHECK_OK(regia_gev_fit(c, 5, &f));
    CHECK(f.status == REGIA_GEV_CONSTANT && isnan(f.par[0]) && isnan(f.se[2]));
    CHECK_OK(regia_gev_fit(two, 2, &f));
    CHECK(f.status == REGIA_GEV_TOO_FEW);
    CHECK_OK(regia_gev_fit(bad, 4, &f));
    CHECK(f.status == REGIA_GEV_BAD_VALUE);
    CHECK_OK(regia_gev_fit(NULL, 0, &f));
    CHECK(f.status == REGIA_GEV_TOO_FEW);
    CHECK(regia_gev_fit(c, -1, &f) == REGIA_ERR_INVALID);
    CHECK(!strcmp(regia_gev_status_name(REGIA_GEV_CONSTANT), "constant series"));
    CHECK(!strcmp(regia_gev_status_name(99), "unknown"));
    const double p[3] = {0, -1, 0};
    CHECK(isinf(regia_gev_nll(c, 5, p, NULL, NULL)));
    const double q[3] = {0, 1, 0.5}, y[2] = {-3, 1}; /* 1 + 0.5 * (-3) < 0: outside */
    CHECK(isinf(regia_gev_nll(y, 2, q, NULL, NULL)));
}

/* Caveats of a return level: beyond REGIA_GEV_EXTRAP_MAX (4) record lengths it is flagged
 * as extrapolated; a negative lower end is flagged for a positive quantity only. */
static void test_caveats(void)
{
    regia_gev_fit_t f;
    memset(&f, 0, sizeof f);
    f.par[0] = 1.0, f.par[1] = 0.2, f.par[2] = 0.1, f.n = 21;
    CHECK(regia_gev_rl_caveats(&f, 30, 0.5, 1) == 0);
    CHECK(regia_gev_rl_caveats(&f, 84, 0.5, 1) == 0); /* 4 x 21: not beyond */
    CHECK(regia_gev_rl_caveats(&f, 85, 0.5, 1) == REGIA_GEV_RL_EXTRAPOLATED);
    CHECK(regia_gev_rl_caveats(&f, 365, -2.3, 1) == (REGIA_GEV_RL_EXTRAPOLATED | REGIA_GEV_RL_LOWER_NEGATIVE));
    CHECK(regia_gev_rl_caveats(&f, 30, -2.3, 1) == REGIA_GEV_RL_LOWER_NEGATIVE);
    CHECK(regia_gev_rl_caveats(&f, 30, -2.3, 0) == 0); /* a quantity that may be negative */
    CHECK(regia_gev_rl_caveats(&f, 30, NAN, 1) == 0);
    CHECK(regia_gev_rl_caveats(&f, 1.0, -1, 1) == 0); /* no return level for T <= 1 */
    f.par[0] = NAN;
    CHECK(regia_gev_rl_caveats(&f, 365, -1, 1) == 0);
    CHECK(regia_gev_rl_caveats(NULL, 365, -1, 1) == 0);
}

/* Port Pirie scaled by 1e200 and 1e-200: the same fit, location and scale scaled (the
 * squares of 1e200 overflow: once "constant series") */
static void test_scaled(void)
{
    double x[128], y[128];
    int n = read_series("portpirie", x, 128);
    if (n != 65) return;
    regia_gev_fit_t f, g;
    CHECK_OK(regia_gev_fit(x, n, &f));
    const double k[2] = {1e200, 1e-200};
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < n; i++) y[i] = x[i] * k[c];
        CHECK_OK(regia_gev_fit(y, n, &g));
        CHECK_MSG(g.status == REGIA_GEV_OK, "scale %g: status %d", k[c], (int)g.status);
        CHECK_CLOSE(g.par[0] / k[c], f.par[0], 1e-9, 0);
        CHECK_CLOSE(g.par[1] / k[c], f.par[1], 1e-9, 0);
        CHECK_CLOSE(g.par[2], f.par[2], 1e-9, 1e-12);
        CHECK_CLOSE(g.se[2], f.se[2], 1e-9, 1e-12);
    }
}

int main(void)
{
    test_portpirie();
    test_scaled();
    test_derivatives();
    test_gumbel_limit();
    test_return_levels();
    test_recovery();
    test_batch();
    test_refusals();
    test_caveats();
    return check_done();
}
