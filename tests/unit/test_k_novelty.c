/* Compensation, novelty and control charts (kernels/novelty.c, novelty_stats.c,
 * control_chart.c): the F, chi^2 and incomplete-beta functions against scipy's values,
 * the threshold's large-n limit, recovery of known temperature coefficients (with lags,
 * bilinear with a break, with a freezing jump), PCA removing one environmental factor,
 * the false-alarm rate on simulated normal data within its binomial error, damage seen,
 * bad inputs, EWMA and CUSUM on hand sequences. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/novelty.h"
#include "regia/rng.h"

/* Reference values from scipy 1.14.1, produced by
 *   build/peer-venv/bin/python -c "from scipy import stats, special
 *   for q,d1,d2 in [(0.99,3,97),(0.95,1,10),(0.99,5,20),(0.999,2,1000),(0.5,4,7),
 *                   (0.01,3,50),(0.99,10,3),(0.99,3,1e7)]: print(stats.f.ppf(q,d1,d2))
 *   for q,k in [(0.99,3),(0.95,1),(0.999,10),(0.01,5),(0.5,2)]: print(stats.chi2.ppf(q,k))
 *   for a,b,x in [(0.5,0.5,0.3),(2,3,0.4),(1.5,48.5,0.05),(50,60,0.45),(0.1,10,0.001)]:
 *       print(special.betainc(a,b,x))"  (printed with %.17g) */
static const double F_REF[][4] = {
    {0.99, 3, 97, 3.9901564291591138},   {0.95, 1, 10, 4.9646027437307145},
    {0.99, 5, 20, 4.102684630584732},    {0.999, 2, 1000, 6.9556928683396606},
    {0.5, 4, 7, 0.9261930995100327},     {0.01, 3, 50, 0.037944579911299986},
    {0.99, 10, 3, 27.22873412147429},    {0.99, 3, 1e7, 3.7816241994522244},
};
static const double CHI2_REF[][3] = {
    {0.99, 3, 11.344866730144373}, {0.95, 1, 3.841458820694124},    {0.999, 10, 29.588298445074422},
    {0.01, 5, 0.55429807672827724}, {0.5, 2, 1.386294361119891},
};
static const double BETA_REF[][4] = {
    {0.5, 0.5, 0.3, 0.36901011956554536}, {2, 3, 0.4, 0.52479999999999993},
    {1.5, 48.5, 0.05, 0.8282670618657747}, {50, 60, 0.45, 0.46423529143060444},
    {0.1, 10, 0.001, 0.6596666602208251},
};

static void test_distributions(void)
{
    for (size_t i = 0; i < sizeof F_REF / sizeof F_REF[0]; i++) {
        double got = regia_f_ppf(F_REF[i][0], F_REF[i][1], F_REF[i][2]);
        CHECK_CLOSE(got, F_REF[i][3], F_REF[i][2] > 1e6 ? 1e-8 : 1e-12, 0);
        CHECK_CLOSE(regia_f_cdf(got, F_REF[i][1], F_REF[i][2]), F_REF[i][0], 1e-10, 0);
    }
    for (size_t i = 0; i < sizeof CHI2_REF / sizeof CHI2_REF[0]; i++)
        CHECK_CLOSE(regia_chi2_ppf(CHI2_REF[i][0], CHI2_REF[i][1]), CHI2_REF[i][2], 1e-12, 0);
    for (size_t i = 0; i < sizeof BETA_REF / sizeof BETA_REF[0]; i++) {
        CHECK_CLOSE(regia_betainc(BETA_REF[i][0], BETA_REF[i][1], BETA_REF[i][2]), BETA_REF[i][3], 1e-12, 0);
        CHECK_CLOSE(regia_betainc_inv(BETA_REF[i][0], BETA_REF[i][1], BETA_REF[i][3]), BETA_REF[i][2], 1e-11, 0);
    }
    /* the large-n limit of the threshold: chi^2_3 99 % = 11.345 */
    CHECK_CLOSE(regia_mahal_threshold(0.01, 3, 100000000), 11.344866730144373, 1e-6, 0);
    CHECK(fabs(regia_mahal_threshold(0.01, 3, 100000000) - 11.345) < 5e-4);
    /* small n: (n+1)/n p(n-1)/(n-p) F(p, n-p), n = 100, p = 3 */
    CHECK_CLOSE(regia_mahal_threshold(0.01, 3, 100), 101.0 / 100.0 * 3.0 * 99.0 / 97.0 * 3.9901564291591138, 1e-12, 0);
    CHECK(isnan(regia_mahal_threshold(0.01, 3, 4)) && isnan(regia_mahal_threshold(0, 3, 100)));
    CHECK(isnan(regia_f_ppf(1.5, 3, 4)) && isnan(regia_betainc(-1, 2, 0.5)) && isnan(regia_chi2_ppf(0.5, 0)));
}

static double gauss(uint64_t stream, uint32_t i)
{
    double z[4];
    regia_rng_normal4(7, stream, 0, i / 4, z);
    return z[i % 4];
}

static double unif(uint64_t stream, uint32_t i)
{
    double u[4];
    regia_rng_uniform4(7, stream, 1, i / 4, u);
    return u[i % 4];
}

/* A temperature series: daily cycle + seasonal drift + weather noise, on 10-minute records. */
static double temperature(int64_t r, double mean, double amp)
{
    return mean + amp * sin(2 * M_PI * (double)r / 144.0) + 0.6 * amp * sin(2 * M_PI * (double)r / 2000.0) +
           0.8 * gauss(1, (uint32_t)r);
}

static void test_linear_lags(void)
{
    enum { NR = 3000, P = 2 };
    double *f = malloc(sizeof(double) * NR * P), *T = malloc(sizeof(double) * NR);
    /* f_j = c0 + c1 T(r) + c2 T(r-1) + c3 T(r-2) */
    const double c[P][4] = {{3.20, -0.0040, -0.0025, -0.0010}, {7.85, -0.0090, -0.0030, 0.0005}};
    for (int64_t r = 0; r < NR; r++) T[r] = temperature(r, 12, 8);
    for (int64_t r = 0; r < NR; r++)
        for (int j = 0; j < P; j++) {
            double v = c[j][0] + 1e-4 * gauss(2 + j, (uint32_t)r);
            for (int l = 0; l < 3; l++) v += c[j][1 + l] * T[r >= l ? r - l : 0];
            f[r * P + j] = v;
        }
    f[100 * P + 1] = NAN; /* a mode not seen */
    T[200] = NAN;         /* a missing temperature */
    regia_comp_cfg_t cfg;
    regia_comp_defaults(&cfg);
    cfg.n_lags = 2;
    regia_novelty_model_t m;
    CHECK_OK(regia_novelty_fit(f, T, NR, P, NULL, &cfg, &m));
    CHECK(m.ncol == 4 && m.dim == P);
    /* usable: r >= 2, r != 100, r not in 200..202 */
    CHECK(m.n_train == NR - 2 - 1 - 3);
    for (int j = 0; j < P; j++)
        for (int k = 0; k < 4; k++)
            CHECK_MSG(fabs(m.coef[j * 4 + k] - c[j][k]) < (k ? 2e-5 : 2e-4), "coef[%d][%d] = %.8g, true %.8g", j, k,
                      m.coef[j * 4 + k], c[j][k]);
    CHECK_CLOSE(m.resid_std[0], 1e-4, 0.05, 0);
    double *d2 = malloc(sizeof(double) * NR), *res = malloc(sizeof(double) * NR * P);
    CHECK_OK(regia_novelty_score(&m, f, T, NR, res, NULL, d2));
    CHECK(isnan(d2[0]) && isnan(d2[1]) && isfinite(d2[2]) && isnan(d2[100]) && isnan(d2[201]) && isnan(res[201 * P]));
    /* the lag-free model leaves a larger residual on the same data */
    regia_novelty_model_t m0;
    cfg.n_lags = 0;
    CHECK_OK(regia_novelty_fit(f, T, NR, P, NULL, &cfg, &m0));
    CHECK(m0.resid_std[0] > 3 * m.resid_std[0]);
    regia_novelty_free(&m0);
    regia_novelty_free(&m);
    /* constant temperature: a rank-deficient design is refused */
    for (int64_t r = 0; r < NR; r++) T[r] = 5.0;
    CHECK(regia_novelty_fit(f, T, NR, P, NULL, &cfg, &m) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "rank") || strstr(regia_error_msg(), "singular"));
    CHECK(m.coef == NULL);
    free(f);
    free(T);
    free(d2);
    free(res);
}

static void test_bilinear(void)
{
    enum { NR = 4000, P = 3 };
    double *f = malloc(sizeof(double) * NR * P), *T = malloc(sizeof(double) * NR);
    const double fb[P] = {2.1, 5.6, 9.4};                  /* frequency at the break */
    const double below[P] = {-0.060, -0.150, -0.200};      /* Hz per deg C below it (stiffening) */
    const double above[P] = {-0.004, -0.010, -0.016};
    const double jump[P] = {0.10, 0.25, 0.40};             /* extra stiffness when frozen */
    for (int pass = 0; pass < 4; pass++) {
        double tb = pass == 1 ? 2.0 : 0.0; /* pass 1: a configured break at +2 C */
        int with_jump = pass >= 2;
        double width = pass == 3 ? 1.5 : 0.0; /* pass 3: a jump graded over 1.5 C below the break */
        for (int64_t r = 0; r < NR; r++) T[r] = temperature(r, 6, 10);
        for (int64_t r = 0; r < NR; r++)
            for (int j = 0; j < P; j++) {
                double d = T[r] - tb;
                f[r * P + j] = fb[j] + (d < 0 ? below[j] * d : above[j] * d) + (with_jump && d < 0 ? jump[j] * (width > 0 ? 1 - exp(d / width) : 1) : 0) +
                               2e-4 * gauss(10 + j, (uint32_t)r);
            }
        regia_comp_cfg_t cfg;
        regia_comp_defaults(&cfg);
        cfg.model = REGIA_COMP_BILINEAR;
        cfg.t_break = tb;
        cfg.bilinear_step = with_jump;
        cfg.freeze_width = width;
        regia_novelty_model_t m;
        CHECK_OK(regia_novelty_fit(f, T, NR, P, NULL, &cfg, &m));
        CHECK(m.ncol == (with_jump ? 4 : 3));
        for (int j = 0; j < P; j++) {
            const double *c = m.coef + j * m.ncol;
            CHECK_MSG(fabs(c[0] - fb[j]) < 1e-4 && fabs(c[1] - below[j]) < 1e-5 && fabs(c[2] - above[j]) < 1e-5,
                      "pass %d mode %d: %.6g %.6g %.6g (true %.6g %.6g %.6g)", pass, j, c[0], c[1], c[2], fb[j],
                      below[j], above[j]);
            if (with_jump) CHECK_CLOSE(c[3], jump[j], 0, 2e-4);
        }
        CHECK_CLOSE(m.resid_std[2], 2e-4, 0.05, 0);
        /* the linear model cannot follow the break */
        regia_novelty_model_t ml;
        cfg.model = REGIA_COMP_LINEAR;
        CHECK_OK(regia_novelty_fit(f, T, NR, P, NULL, &cfg, &ml));
        CHECK(ml.resid_std[2] > 20 * m.resid_std[2]);
        regia_novelty_free(&ml);
        regia_novelty_free(&m);
    }
    /* a training period that never freezes cannot fit the slope below the break */
    for (int64_t r = 0; r < NR; r++) T[r] = 15 + 5 * sin(2 * M_PI * (double)r / 144.0);
    regia_comp_cfg_t cfg;
    regia_comp_defaults(&cfg);
    cfg.model = REGIA_COMP_BILINEAR;
    regia_novelty_model_t m;
    CHECK(regia_novelty_fit(f, T, NR, P, NULL, &cfg, &m) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "below") != NULL);
    free(f);
    free(T);
}

static void test_pca(void)
{
    enum { NR = 3000, P = 4, NTRAIN = 2000 };
    double *f = malloc(sizeof(double) * NR * P), *d2 = malloc(sizeof(double) * NR), *res = malloc(sizeof(double) * NR * P);
    uint8_t *use = calloc(NR, 1);
    const double f0[P] = {1.8, 4.9, 7.2, 11.3}, sens[P] = {-0.004, -0.011, -0.013, -0.025};
    for (int64_t r = 0; r < NR; r++) {
        double T = temperature(r, 10, 9); /* latent: the PCA model never sees it */
        for (int j = 0; j < P; j++)
            f[r * P + j] = f0[j] + sens[j] * T + 2e-3 * gauss(20 + j, (uint32_t)r) * (j + 1) * 0.5;
        use[r] = r < NTRAIN;
    }
    /* damage from record 2500: mode 2 drops by 1 % */
    for (int64_t r = 2500; r < NR; r++) f[r * P + 2] *= 0.99;
    regia_comp_cfg_t cfg;
    regia_comp_defaults(&cfg);
    cfg.model = REGIA_COMP_PCA;
    regia_novelty_model_t m;
    CHECK_OK(regia_novelty_fit(f, NULL, NR, P, use, &cfg, &m));
    CHECK_MSG(m.pca_q == 1 && m.dim == 3, "q = %d", m.pca_q);
    CHECK(m.pca_var[0] > 0.9 * (m.pca_var[0] + m.pca_var[1] + m.pca_var[2] + m.pca_var[3]));
    CHECK(m.n_train == NTRAIN);
    CHECK_OK(regia_novelty_score(&m, f, NULL, NR, res, NULL, d2));
    /* the environmental part is gone from the residual of mode 3 (sd ~ 0.1 Hz raw) */
    double ss = 0;
    for (int64_t r = 0; r < NTRAIN; r++) ss += res[r * P + 3] * res[r * P + 3];
    CHECK_MSG(sqrt(ss / NTRAIN) < 0.01, "PCA residual of mode 3: %g Hz", sqrt(ss / NTRAIN));
    int64_t hit_before = 0, hit_after = 0;
    for (int64_t r = NTRAIN; r < 2500; r++) hit_before += d2[r] > m.threshold;
    for (int64_t r = 2500; r < NR; r++) hit_after += d2[r] > m.threshold;
    CHECK_MSG(hit_before < 20, "%lld of 500 undamaged records above the threshold", (long long)hit_before);
    CHECK_MSG(hit_after > 490, "%lld of 500 damaged records above the threshold", (long long)hit_after);
    regia_novelty_free(&m);
    cfg.pca_keep = 4;
    CHECK(regia_novelty_fit(f, NULL, NR, P, use, &cfg, &m) == REGIA_ERR_INVALID);
    free(f);
    free(d2);
    free(res);
    free(use);
}

/* regia_novelty_shift: which way a record's frequencies went.  PCA: a stiffness loss that
 * lowers every frequency by 4 % (the relative pattern of the environmental factor's, mostly
 * within the first component) leaves residuals whose mean is above 0 on most records, so
 * their sign (what regia sensors used to tell damage from stiffening) calls it a stiffening;
 * the shift against the training mean is below 0 on every one of them, and above 0 for a
 * 4 % stiffening (at 2 % it is not: 358 of 500, as the latent temperature swings mode 4 by
 * -1 to +5 %; PCA knows no temperature to tell them apart).  Regression: the mean of the
 * finite zres. */
static void test_shift(void)
{
    enum { NR = 3000, P = 4, NTRAIN = 2000 };
    double *f = malloc(sizeof(double) * NR * P), *d2 = malloc(sizeof(double) * NR);
    double *zr = malloc(sizeof(double) * NR * P), *sh = malloc(sizeof(double) * NR), *T = malloc(sizeof(double) * NR);
    uint8_t *use = calloc(NR, 1);
    const double f0[P] = {1.8, 4.9, 7.2, 11.3}, sens[P] = {-0.004, -0.011, -0.013, -0.025};
    for (int64_t r = 0; r < NR; r++) {
        T[r] = temperature(r, 10, 9);
        for (int j = 0; j < P; j++)
            f[r * P + j] = f0[j] + sens[j] * T[r] + 2e-3 * gauss(40 + j, (uint32_t)r) * (j + 1) * 0.5;
        use[r] = r < NTRAIN;
    }
    for (int64_t r = 2500; r < NR; r++) /* damage: -4 %; records 2000..2499 +4 % (a stiffening) */
        for (int j = 0; j < P; j++) f[r * P + j] *= 0.96;
    for (int64_t r = NTRAIN; r < 2500; r++)
        for (int j = 0; j < P; j++) f[r * P + j] *= 1.04;
    regia_comp_cfg_t cfg;
    regia_comp_defaults(&cfg);
    cfg.model = REGIA_COMP_PCA;
    regia_novelty_model_t m;
    CHECK_OK(regia_novelty_fit(f, NULL, NR, P, use, &cfg, &m));
    CHECK_OK(regia_novelty_score(&m, f, NULL, NR, NULL, zr, d2));
    CHECK_OK(regia_novelty_shift(&m, f, NULL, NR, sh));
    int64_t res_up = 0, fell = 0, rose = 0, above = 0;
    for (int64_t r = 2500; r < NR; r++) {
        double s = 0;
        for (int j = 0; j < P; j++) s += zr[r * P + j];
        res_up += s > 0;
        fell += sh[r] < 0;
        above += d2[r] > m.threshold;
    }
    for (int64_t r = NTRAIN; r < 2500; r++) rose += sh[r] > 0;
    CHECK_MSG(above > 450, "PCA: %lld of 500 damaged records above the threshold", (long long)above);
    CHECK_MSG(res_up > 250, "PCA: %lld of 500 damaged records with residual mean > 0 (the case the shift is for)",
              (long long)res_up);
    CHECK_MSG(fell == 500, "PCA: %lld of 500 damaged records with shift < 0", (long long)fell);
    CHECK_MSG(rose == 500, "PCA: %lld of 500 stiffened records with shift > 0", (long long)rose);
    double want = 0; /* record 0 by hand */
    for (int j = 0; j < P; j++) want += (f[j] - m.col_mean[j]) / m.col_std[j];
    CHECK_CLOSE(sh[0], want / P, 1e-12, 1e-12);
    f[7 * P + 1] = NAN; /* PCA: a record lacking a frequency has no shift */
    CHECK_OK(regia_novelty_shift(&m, f, NULL, NR, sh));
    CHECK(isnan(sh[7]) && isfinite(sh[8]));
    CHECK(regia_novelty_shift(&m, NULL, zr, NR, sh) == REGIA_ERR_INVALID);
    regia_novelty_free(&m);
    /* regression: the mean of the finite standardised residuals */
    cfg.model = REGIA_COMP_LINEAR;
    CHECK_OK(regia_novelty_fit(f, T, NR, P, use, &cfg, &m));
    CHECK_OK(regia_novelty_score(&m, f, T, NR, NULL, zr, d2));
    zr[9 * P + 2] = NAN;
    CHECK_OK(regia_novelty_shift(&m, NULL, zr, NR, sh));
    CHECK_CLOSE(sh[9], (zr[9 * P] + zr[9 * P + 1] + zr[9 * P + 3]) / 3, 1e-12, 1e-15);
    fell = 0;
    for (int64_t r = 2500; r < NR; r++) fell += sh[r] < 0;
    CHECK_MSG(fell == 500, "linear: %lld of 500 damaged records with shift < 0", (long long)fell);
    CHECK(regia_novelty_shift(&m, f, NULL, NR, sh) == REGIA_ERR_INVALID);
    regia_novelty_free(&m);
    regia_novelty_model_t none;
    memset(&none, 0, sizeof none);
    CHECK(regia_novelty_shift(&none, f, zr, NR, sh) == REGIA_ERR_INVALID);
    free(f);
    free(d2);
    free(zr);
    free(sh);
    free(T);
    free(use);
}

/* False-alarm rate of the regression threshold on simulated normal data: R training sets
 * of n records, each scored on M new records; the count above the threshold is close to
 * Binomial(R M, alpha) when the threshold is exact (M small, so that the records sharing a
 * training set add little over-dispersion). */
static void test_false_alarm_rate(void)
{
    enum { R = 4000, NT = 40, M = 5, P = 3 };
    const double alphas[2] = {0.01, 0.05};
    double f[(NT + M) * P], T[NT + M], d2[NT + M];
    uint8_t use[NT + M];
    /* correlated errors: e = C z */
    const double C[P][P] = {{1e-3, 0, 0}, {6e-4, 8e-4, 0}, {-3e-4, 2e-4, 1.2e-3}};
    for (int ia = 0; ia < 2; ia++) {
        int64_t above = 0, total = 0;
        for (int s = 0; s < R; s++) {
            for (int r = 0; r < NT + M; r++) {
                T[r] = -5 + 30 * unif(100 + s, (uint32_t)r);
                double z[P];
                for (int j = 0; j < P; j++) z[j] = gauss(1000 + s * P + j, (uint32_t)r);
                for (int j = 0; j < P; j++) {
                    double e = 0;
                    for (int k = 0; k <= j; k++) e += C[j][k] * z[k];
                    f[r * P + j] = 3.0 * (j + 1) - 0.01 * (j + 1) * T[r] + e;
                }
                use[r] = r < NT;
            }
            regia_comp_cfg_t cfg;
            regia_comp_defaults(&cfg);
            cfg.alpha = alphas[ia];
            regia_novelty_model_t m;
            CHECK_OK(regia_novelty_fit(f, T, NT + M, P, use, &cfg, &m));
            CHECK_OK(regia_novelty_score(&m, f, T, NT + M, NULL, NULL, d2));
            for (int r = NT; r < NT + M; r++) above += d2[r] > m.threshold, total++;
            regia_novelty_free(&m);
        }
        double rate = (double)above / (double)total, sd = sqrt(alphas[ia] * (1 - alphas[ia]) / (double)total);
        fprintf(stderr, "false-alarm rate %.5f at alpha %.3f (binomial sd %.5f)\n", rate, alphas[ia], sd);
        CHECK_MSG(fabs(rate - alphas[ia]) < 3.5 * sd, "false-alarm rate %.5f at alpha %.3f (binomial sd %.5f, n %lld)",
                  rate, alphas[ia], sd, (long long)total);
    }
}

/* F upper tail against scipy 1.14.1 (stats.f.sf, %.17g), and its inverse round trip far in
 * the tail (to 1e-71), where 1 - cdf would have lost every digit. */
static void test_f_tail(void)
{
    static const double SF_REF[][4] = {
        {3, 4, 20, 0.043200998334214064}, {50, 2, 12, 1.5127924217375409e-06}, {400, 3, 25, 3.033946575095512e-21}};
    for (size_t k = 0; k < sizeof SF_REF / sizeof *SF_REF; k++)
        CHECK_CLOSE(regia_f_sf(SF_REF[k][0], SF_REF[k][1], SF_REF[k][2]), SF_REF[k][3], 1e-10, 0);
    CHECK_CLOSE(regia_f_isf(1e-3, 4, 20), regia_f_ppf(1 - 1e-3, 4, 20), 1e-10, 0);
    for (double q = 1e-3; q > 1e-75; q *= 1e-17) /* 1e-3 .. 1e-71 */
        CHECK_CLOSE(regia_f_sf(regia_f_isf(q, 3, 25), 3, 25), q, 1e-9, 0);
    CHECK(regia_f_sf(0, 3, 25) == 1 && regia_f_isf(1, 3, 25) == 0 && isinf(regia_f_isf(0, 3, 25)));
    CHECK(isnan(regia_f_sf(1, 0, 25)) && isnan(regia_f_isf(2, 3, 25)));
}

/* Partial records (min_features): a new record lacking one of the P frequencies is scored on
 * the others and reported at the full dimension by equal tail probability, so that the
 * threshold's false-alarm rate holds for it too (Monte Carlo within the binomial error);
 * NaN only in the missing frequency's residual; not scored with min_features 0 or above
 * the frequencies it has; PCA never scores a partial record. */
static void test_partial(void)
{
    enum { R = 4000, NT = 40, M = 6, P = 3 };
    const double alpha = 0.02;
    double f[(NT + M) * P], T[NT + M], d2[NT + M], zr[(NT + M) * P];
    uint8_t use[NT + M];
    const double C[P][P] = {{1e-3, 0, 0}, {6e-4, 8e-4, 0}, {-3e-4, 2e-4, 1.2e-3}};
    int64_t above = 0, total = 0;
    for (int s = 0; s < R; s++) {
        for (int r = 0; r < NT + M; r++) {
            T[r] = -5 + 30 * unif(300 + s, (uint32_t)r);
            double z[P];
            for (int j = 0; j < P; j++) z[j] = gauss(5000 + s * P + j, (uint32_t)r);
            for (int j = 0; j < P; j++) {
                double e = 0;
                for (int k = 0; k <= j; k++) e += C[j][k] * z[k];
                f[r * P + j] = 3.0 * (j + 1) - 0.01 * (j + 1) * T[r] + e;
            }
            use[r] = r < NT;
            if (r >= NT) f[r * P + (r - NT) % P] = NAN; /* each new record lacks one mode */
        }
        regia_comp_cfg_t cfg;
        regia_comp_defaults(&cfg);
        cfg.alpha = alpha;
        cfg.min_features = 2;
        regia_novelty_model_t m;
        CHECK_OK(regia_novelty_fit(f, T, NT + M, P, use, &cfg, &m));
        CHECK_OK(regia_novelty_score(&m, f, T, NT + M, NULL, zr, d2));
        for (int r = NT; r < NT + M; r++) {
            if (s == 0) {
                CHECK(isfinite(d2[r]));
                for (int j = 0; j < P; j++) CHECK((j == (r - NT) % P) == !isfinite(zr[r * P + j]));
            }
            above += d2[r] > m.threshold, total++;
        }
        if (s == 0) { /* not scored: min_features 0 (all needed) or 3 (more than it has) */
            double d2b[NT + M];
            for (int mf = 0; mf <= 3; mf += 3) {
                regia_novelty_model_t m2;
                cfg.min_features = mf;
                CHECK_OK(regia_novelty_fit(f, T, NT + M, P, use, &cfg, &m2));
                CHECK_OK(regia_novelty_score(&m2, f, T, NT + M, NULL, NULL, d2b));
                CHECK(isnan(d2b[NT]) && isfinite(d2b[0]) && d2b[0] == d2[0]);
                regia_novelty_free(&m2);
            }
            regia_novelty_model_t mp;
            cfg.model = REGIA_COMP_PCA;
            cfg.min_features = 2;
            CHECK_OK(regia_novelty_fit(f, NULL, NT + M, P, use, &cfg, &mp));
            CHECK_OK(regia_novelty_score(&mp, f, NULL, NT + M, NULL, NULL, d2b));
            CHECK(isnan(d2b[NT]) && isfinite(d2b[0]));
            regia_novelty_free(&mp);
        }
        regia_novelty_free(&m);
    }
    double rate = (double)above / (double)total, sd = sqrt(alpha * (1 - alpha) / (double)total);
    fprintf(stderr, "partial records: false-alarm rate %.5f at alpha %.3f (binomial sd %.5f)\n", rate, alpha, sd);
    CHECK_MSG(fabs(rate - alpha) < 3.5 * sd, "partial records: false-alarm rate %.5f at alpha %.3f (binomial sd %.5f)",
              rate, alpha, sd);
}

static void test_bad_inputs(void)
{
    double f[20] = {0}, T[10] = {0};
    regia_comp_cfg_t cfg;
    regia_comp_defaults(&cfg);
    regia_novelty_model_t m;
    CHECK(regia_novelty_fit(f, NULL, 10, 2, NULL, &cfg, &m) == REGIA_ERR_INVALID); /* no temperature */
    CHECK(regia_novelty_fit(f, T, 10, 2, NULL, &cfg, &m) == REGIA_ERR_INVALID);    /* constant */
    cfg.alpha = 1.5;
    CHECK(regia_novelty_fit(f, T, 10, 2, NULL, &cfg, &m) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "false-alarm") != NULL);
    regia_comp_defaults(&cfg);
    for (int i = 0; i < 10; i++) T[i] = i, f[2 * i] = 1 + 0.1 * i, f[2 * i + 1] = 2 - 0.1 * i + 0.01 * (i % 3);
    CHECK(regia_novelty_fit(f, T, 3, 2, NULL, &cfg, &m) == REGIA_ERR_INVALID); /* too few records */
    CHECK(strstr(regia_error_msg(), "training records") != NULL);
    CHECK(regia_comp_model_parse("Bilinear") == REGIA_COMP_BILINEAR && regia_comp_model_parse("x") == -1);
    CHECK(!strcmp(regia_comp_model_name(REGIA_COMP_PCA), "pca"));
    regia_novelty_model_t empty;
    memset(&empty, 0, sizeof empty);
    double d2[1];
    CHECK(regia_novelty_score(&empty, f, T, 1, NULL, NULL, d2) == REGIA_ERR_INVALID);
}

static void test_charts(void)
{
    /* EWMA, lambda 0.5, L 1, mu0 0, sigma 1 on 1, NaN, 1, 1:
     * z = 0.5, -, 0.75, 0.875; half-widths sqrt(1/3 (1 - 0.25^(i+1))) = 0.5, 0.5590, 0.5728 */
    const double x[4] = {1, NAN, 1, 1};
    double z[4], u[4], l[4];
    uint8_t sig[4];
    CHECK_OK(regia_ewma(x, 4, 0, 1, 0.5, 1.0, 0, z, u, l, sig));
    CHECK_CLOSE(z[0], 0.5, 1e-15, 0);
    CHECK(isnan(z[1]) && isnan(u[1]) && sig[1] == 0);
    CHECK_CLOSE(z[2], 0.75, 1e-15, 0);
    CHECK_CLOSE(z[3], 0.875, 1e-15, 0);
    CHECK_CLOSE(u[0], 0.5, 1e-15, 0);
    CHECK_CLOSE(u[2], sqrt(1.0 / 3.0 * (1 - 1.0 / 16)), 1e-15, 0);
    CHECK_CLOSE(l[3], -sqrt(1.0 / 3.0 * (1 - 1.0 / 64)), 1e-15, 0);
    CHECK(sig[0] == 0 && sig[2] == 1 && sig[3] == 1);
    /* steady-state width L sigma sqrt(lambda / (2 - lambda)) and a 1-sigma shift found */
    enum { NX = 2000 };
    double *y = malloc(sizeof(double) * NX), *zz = malloc(sizeof(double) * NX), *uu = malloc(sizeof(double) * NX);
    uint8_t *ss = malloc(NX);
    for (int i = 0; i < NX; i++) y[i] = 5 + 2 * gauss(50, (uint32_t)i) + (i >= 1500 ? 2.0 : 0.0);
    CHECK_OK(regia_ewma(y, NX, 5, 2, 0.1, 2.7, 0, zz, uu, NULL, ss));
    CHECK_CLOSE(uu[NX - 1], 5 + 2.7 * 2 * sqrt(0.1 / 1.9), 1e-12, 0);
    int first = -1, before = 0;
    for (int i = 0; i < NX; i++) {
        if (ss[i] && i < 1500) before++;
        if (ss[i] && i >= 1500 && first < 0) first = i;
    }
    CHECK_MSG(first >= 1500 && first < 1560, "EWMA found the shift at %d", first);
    CHECK_MSG(before < 15, "%d EWMA signals in control", before);
    CHECK(regia_ewma(y, NX, 5, 2, 0.0, 2.7, 0, NULL, NULL, NULL, NULL) == REGIA_ERR_INVALID);
    CHECK(regia_ewma(y, NX, 5, 0, 0.1, 2.7, 0, NULL, NULL, NULL, NULL) == REGIA_ERR_INVALID);
    /* upper only: a downward excursion does not signal */
    const double dn[3] = {-5, -5, -5};
    CHECK_OK(regia_ewma(dn, 3, 0, 1, 0.5, 1.0, 1, NULL, NULL, NULL, sig));
    CHECK(sig[0] == 0 && sig[2] == 0);

    /* CUSUM k 0.5 h 2 on 0, 2, 2, 2, -1, NaN: C+ = 0, 1.5, 3, 4.5, 3, 3; C- = 0, 0, 0, 0, 0.5 */
    const double c[6] = {0, 2, 2, 2, -1, NAN};
    double cp[6], cm[6];
    uint8_t cs[6];
    CHECK_OK(regia_cusum(c, 6, 0, 1, 0.5, 2, 0, cp, cm, cs));
    const double cpw[6] = {0, 1.5, 3, 4.5, 3, 3}, cmw[6] = {0, 0, 0, 0, 0.5, 0.5};
    const uint8_t csw[6] = {0, 0, 1, 1, 1, 0};
    for (int i = 0; i < 6; i++) CHECK(cp[i] == cpw[i] && cm[i] == cmw[i] && cs[i] == csw[i]);
    /* lower side and a shift found */
    for (int i = 0; i < NX; i++) y[i] = gauss(51, (uint32_t)i) - (i >= 1000 ? 1.0 : 0.0);
    CHECK_OK(regia_cusum(y, NX, 0, 1, 0.5, 5, 0, NULL, NULL, ss));
    /* before: in-control episodes (signals more than 30 records after the previous one);
     * two-sided ARL0 ~ 465 records at k 0.5, h 5 */
    first = -1, before = 0;
    for (int i = 0, last = -100; i < NX; i++) {
        if (ss[i] && i < 1000) {
            if (i - last > 30) before++;
            last = i;
        }
        if (ss[i] && i >= 1000 && first < 0) first = i;
    }
    CHECK_MSG(first >= 1000 && first < 1030, "CUSUM found the shift at %d", first);
    CHECK_MSG(before <= 5, "%d CUSUM episodes in control", before);
    CHECK_OK(regia_cusum(y, NX, 0, 1, 0.5, 5, 1, NULL, NULL, ss)); /* upper only: the drop is not signalled */
    int up = 0;
    for (int i = 1000; i < NX; i++) up += ss[i];
    CHECK(up == 0);
    CHECK(regia_cusum(y, NX, 0, 1, -1, 5, 0, NULL, NULL, NULL) == REGIA_ERR_INVALID);
    free(y);
    free(zz);
    free(uu);
    free(ss);
}

/* The chart's score: the normal score of D^2 under a new record's law, winsorised at the
 * threshold's; in control mean 0 and the winsorised normal's std; a record far outside
 * (D^2 300: a frost colder than training) moves an EWMA (lambda 0.1, L 4, the job's
 * defaults) no more than one at the threshold, and not above its limit. */
static void test_chart_score(void)
{
    enum { R = 2000, NT = 40, M = 5, P = 3 };
    const double C3 = 3.090232306167813, SD = 0.9981427204284595; /* scipy: norm.isf(1e-3), std */
    double f[(NT + M) * P], T[NT + M], d2[NT + M], x[NT + M];
    uint8_t use[NT + M];
    double sum = 0, sq = 0;
    int64_t cnt = 0;
    for (int s = 0; s < R; s++) {
        for (int r = 0; r < NT + M; r++) {
            T[r] = -5 + 30 * unif(300 + s, (uint32_t)r);
            for (int j = 0; j < P; j++)
                f[r * P + j] = 3.0 * (j + 1) - 0.01 * (j + 1) * T[r] + 1e-3 * gauss(3000 + s * P + j, (uint32_t)r);
            use[r] = r < NT;
        }
        regia_comp_cfg_t cfg;
        regia_comp_defaults(&cfg);
        cfg.alpha = 0.001;
        regia_novelty_model_t m;
        CHECK_OK(regia_novelty_fit(f, T, NT + M, P, use, &cfg, &m));
        CHECK_OK(regia_novelty_score(&m, f, T, NT + M, NULL, NULL, d2));
        double mu0 = NAN, sd = NAN;
        CHECK_OK(regia_novelty_chart_score(&m, d2, NT + M, x, &mu0, &sd));
        for (int r = NT; r < NT + M; r++) sum += x[r], sq += x[r] * x[r], cnt++;
        if (s == 0) {
            CHECK(mu0 == 0.0);
            CHECK_CLOSE(sd, SD, 1e-12, 0);
            /* nu = 38, p = 3: D^2 = 3 38/36 F(3, 36); its 90 % point 7.10158 (scipy) -> 1.28155 */
            const double probe[4] = {m.threshold, 300.0, 7.1015832817782645, NAN};
            double xp[4];
            CHECK_OK(regia_novelty_chart_score(&m, probe, 4, xp, NULL, NULL));
            CHECK_CLOSE(xp[0], C3, 1e-8, 0);
            CHECK(xp[1] == xp[0]);
            CHECK_CLOSE(xp[2], 1.2815515655446004, 1e-8, 0);
            CHECK(isnan(xp[3]));
            /* in control, then one record at D^2 300, then in control again */
            double y[60], z[60];
            uint8_t sig[60];
            for (int r = 0; r < 60; r++) y[r] = r == 20 ? 300.0 : d2[NT + r % M];
            CHECK_OK(regia_novelty_chart_score(&m, y, 60, y, &mu0, &sd));
            CHECK_OK(regia_ewma(y, 60, mu0, sd, 0.1, 4, 1, z, NULL, NULL, sig));
            int nsig = 0;
            for (int r = 0; r < 60; r++) nsig += sig[r];
            CHECK_MSG(nsig == 0, "one far record made %d EWMA signals", nsig);
            CHECK(regia_novelty_chart_score(&m, d2, -1, x, NULL, NULL) == REGIA_ERR_INVALID);
            m.cfg.alpha = 0.7;
            CHECK(regia_novelty_chart_score(&m, d2, NT + M, x, NULL, NULL) == REGIA_ERR_INVALID);
            /* PCA: the law of regia_mahal_threshold; its threshold maps to c, its median to 0 */
            regia_novelty_model_t mp;
            cfg.model = REGIA_COMP_PCA;
            cfg.pca_keep = 1;
            CHECK_OK(regia_novelty_fit(f, NULL, NT + M, P, use, &cfg, &mp));
            double n = (double)mp.n_train, dp = (double)mp.dim;
            double pp[2] = {mp.threshold, (n + 1) / n * dp * (n - 1) / (n - dp) * regia_f_ppf(0.5, dp, n - dp)}, xq[2];
            CHECK_OK(regia_novelty_chart_score(&mp, pp, 2, xq, NULL, NULL));
            CHECK_CLOSE(xq[0], C3, 1e-8, 0);
            CHECK(fabs(xq[1]) < 1e-8);
            regia_novelty_free(&mp);
        }
        regia_novelty_free(&m);
    }
    double mean = sum / (double)cnt, sdv = sqrt(sq / (double)cnt - mean * mean);
    fprintf(stderr, "chart score of %lld new in-control records: mean %.4f, std %.4f (expected 0, %.4f)\n",
            (long long)cnt, mean, sdv, SD);
    CHECK_MSG(fabs(mean) < 0.03 && fabs(sdv - SD) < 0.03, "chart score mean %.4f std %.4f", mean, sdv);
    regia_novelty_model_t none;
    memset(&none, 0, sizeof none);
    CHECK(regia_novelty_chart_score(&none, d2, 1, x, NULL, NULL) == REGIA_ERR_INVALID);
}

int main(void)
{
    test_distributions();
    test_linear_lags();
    test_bilinear();
    test_pca();
    test_shift();
    test_false_alarm_rate();
    test_f_tail();
    test_partial();
    test_bad_inputs();
    test_charts();
    test_chart_score();
    return check_done();
}
