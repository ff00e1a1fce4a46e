/* Box-Cox transforms around the ETS kernel against R's forecast 8.20
 * (tests/reference/ets_boxcox_reference.csv: forecast(ets(y, model, lambda), h,
 * biasadj = TRUE) and BoxCox.lambda(method = "guerrero")), plus the transforms, the
 * lambda rule and its fallbacks, the floor at 0 and the untransformed path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/boxcox.h"
#include "regia/kernels.h"

enum { MAXH = 16, MAXN = 400, NL = 2 };

typedef struct {
    regia_ets_fit_t fit;
    double mean[MAXH], var[MAXH], lo[NL * MAXH], up[NL * MAXH], state[2 + 24], lambda;
} result_t;

static const double LEVELS[NL] = {80, 95};

static regia_status_t run(regia_backend_t *be, const double *y, int n, int m, int h, const char *model,
                          const regia_boxcox_rule_t *rule, result_t *r)
{
    regia_ets_spec_t sp = regia_ets_default_spec(m);
    regia_status_t st = regia_ets_parse_model(model, &sp);
    if (st) return st;
    regia_ets_batch_t in = {.n_series = 1, .stride = n, .y = y, .len = &n, .horizon = h, .n_levels = NL,
                            .levels = LEVELS, .spec = sp};
    regia_ets_out_t out = {&r->fit, r->mean, r->var, r->lo, r->up, r->state, 2 + 24};
    return regia_ets_boxcox(be, &in, &out, rule, &r->lambda, NULL);
}

static void check_reference(regia_backend_t *be)
{
    FILE *f = fopen("tests/reference/ets_boxcox_reference.csv", "r");
    CHECK_MSG(f != NULL, "tests/reference/ets_boxcox_reference.csv missing (run from the repository root)");
    if (!f) return;
    static char line[1 << 16];
    int rows = 0, same = 0;
    fgets(line, sizeof line, f); /* header */
    while (fgets(line, sizeof line, f)) {
        char name[32], model[8], automod[16];
        int m, h, n, used = 0;
        double lam, lik, g01, g, mean1, meanh, lo80, hi80, lo95, hi95, lo95h, hi95h;
        if (sscanf(line, "%31[^,],%d,%d,%7[^,],%lf,%d,%lf,%15[^,],%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%n", name,
                   &m, &h, model, &lam, &n, &lik, automod, &g01, &g, &mean1, &meanh, &lo80, &hi80, &lo95, &hi95,
                   &lo95h, &hi95h, &used) < 18 || n > MAXN || h > MAXH) {
            CHECK_MSG(0, "bad reference line: %.60s", line);
            continue;
        }
        static double y[MAXN];
        char *p = line + used;
        for (int i = 0; i < n; i++) y[i] = strtod(p, &p);
        /* Guerrero's lambda as BoxCox.lambda: on [0, 1] and on R's default [-1, 2] */
        CHECK_CLOSE(regia_boxcox_lambda_r(y, n, m, 0, 1), g01, 0, 1e-6);
        CHECK_CLOSE(regia_boxcox_lambda_r(y, n, m, -1, 2), g, 0, 1e-6);
        regia_boxcox_rule_t rule = {.kind = REGIA_BOXCOX_FIXED, .lambda = lam, .biasadj = 1};
        result_t r;
        CHECK_OK(run(be, y, n, m, h, model, &rule, &r));
        char code[5];
        regia_ets_model_code(r.fit.model, code);
        const char *rcode = automod + 3; /* "ETSAAdA" -> "AAdA" */
        CHECK_MSG(r.fit.ok && r.lambda == lam, "%s %s %g: ok=%d lambda %g", name, model, lam, r.fit.ok, r.lambda);
        /* a transform forces R's additive.only: no M component even when chosen by AICc */
        CHECK_MSG(!strchr(code, 'M'), "%s %s %g: fitted %s", name, model, lam, code);
        double mylik = -2 * r.fit.loglik;
        CHECK_MSG(mylik <= lik + 1.0, "%s %s %g: -2logL %.3f worse than R's %.3f", name, model, lam, mylik, lik);
        if (strcmp(code, rcode) || fabs(mylik - lik) >= 0.5) {
            fprintf(stderr, "%s %s lambda %g: regia %s (-2logL %.3f), R %s (%.3f): not compared\n", name, model, lam,
                    code, mylik, rcode, lik);
            rows++;
            continue;
        }
        /* the same optimum: means and bounds as R's (tolerances of test_k_ets) */
        same++;
        const int H = h;
        CHECK_CLOSE(r.mean[0], mean1, 0.01, 0.0);
        CHECK_CLOSE(r.mean[H - 1], meanh, 0.02, 0.0);
        CHECK_CLOSE(r.lo[0 * H + 0], lo80, 0.02, 0.0);
        CHECK_CLOSE(r.up[0 * H + 0], hi80, 0.02, 0.0);
        CHECK_CLOSE(r.lo[1 * H + 0], lo95, 0.02, 0.0);
        CHECK_CLOSE(r.up[1 * H + 0], hi95, 0.02, 0.0);
        CHECK_CLOSE(r.lo[1 * H + H - 1], lo95h, 0.03, 0.0);
        CHECK_CLOSE(r.up[1 * H + H - 1], hi95h, 0.03, 0.0);
        /* bias adjustment: the mean lies above the median (the back-transformed point) when
         * lambda < 1, by R's factor */
        if (lam < 1) {
            regia_boxcox_rule_t med = rule;
            med.biasadj = 0;
            result_t q;
            CHECK_OK(run(be, y, n, m, h, model, &med, &q));
            CHECK(r.mean[0] > q.mean[0] && r.lo[0] == q.lo[0] && r.up[H] == q.up[H]);
        }
        rows++;
    }
    fclose(f);
    CHECK(rows >= 15);
    CHECK_MSG(same >= 12, "only %d of %d reference rows at R's optimum", same, rows);
}

static void check_transforms(void)
{
    const double lams[] = {0, 0.25, 0.5, 1, -0.5, 1.5};
    for (int i = 0; i < 6; i++)
        for (double x = 0.1; x < 500; x *= 1.7) CHECK_CLOSE(regia_boxcox_inv(regia_boxcox(x, lams[i]), lams[i]), x, 1e-12, 0);
    CHECK_CLOSE(regia_boxcox(8, 1.0 / 3), (2 - 1) * 3.0, 1e-14, 0);
    CHECK(regia_boxcox(5, 1) == 5 && regia_boxcox_inv(5, 1) == 5);
    CHECK(isnan(regia_boxcox(-1, -0.5)) && isnan(regia_boxcox_inv(3, -0.5)));
    /* R: InvBoxCox(log(10), 0, TRUE, fvar = 0.04) = 10 * 1.02; lambda 0.5: out (1 + fvar / (4 out)) */
    CHECK_CLOSE(regia_boxcox_biasadj(10, 0, 0.04), 10.2, 1e-14, 0);
    CHECK_CLOSE(regia_boxcox_biasadj(16, 0.5, 2), 16 * (1 + 0.5 * 2 * 0.5 / 16), 1e-14, 0);
    CHECK_CLOSE(regia_boxcox_fvar(-1.959963984540054, 1.959963984540054, 95), 1.0, 1e-6, 0);
    regia_boxcox_rule_t r;
    CHECK_OK(regia_boxcox_parse("boxcox:0.3", &r));
    CHECK(r.kind == REGIA_BOXCOX_FIXED && r.lambda == 0.3);
    CHECK_OK(regia_boxcox_parse("log", &r));
    CHECK(r.kind == REGIA_BOXCOX_FIXED && r.lambda == 0);
    CHECK_OK(regia_boxcox_parse("auto", &r));
    CHECK(r.kind == REGIA_BOXCOX_AUTO);
    CHECK_OK(regia_boxcox_parse("none", &r));
    CHECK(r.kind == REGIA_BOXCOX_NONE);
    CHECK(regia_boxcox_parse("boxcox:", &r) != REGIA_OK);
    CHECK(regia_boxcox_parse("boxcox:3", &r) != REGIA_OK);
    CHECK(regia_boxcox_parse("sqrt", &r) != REGIA_OK);
    CHECK(regia_boxcox_parse("boxcox:0.5x", &r) != REGIA_OK);
}

/* a positive series with a weekly season; `zero`: some zeros; `neg`: one negative value */
static void series(double *y, int n, int zero, int neg)
{
    for (int t = 0; t < n; t++) y[t] = exp(2 + 0.4 * sin(2 * M_PI * t / 7) + 0.6 * sin(t * 1.3) * cos(t * 0.21));
    if (zero) y[10] = y[50] = 0;
    if (neg) y[20] = -1;
}

static void check_rule(regia_backend_t *be)
{
    static double y[200];
    double l;
    regia_boxcox_rule_t a = {.kind = REGIA_BOXCOX_AUTO, .biasadj = 1};
    series(y, 200, 0, 0);
    CHECK(regia_boxcox_choose(&a, y, 200, 7, &l) == 0);
    CHECK_CLOSE(l, regia_boxcox_lambda_r(y, 200, 7, 0, 1), 0, 0);
    CHECK(l >= 0 && l <= 1);
    series(y, 200, 1, 0);
    CHECK(regia_boxcox_choose(&a, y, 200, 7, &l) == 0 && l >= REGIA_BOXCOX_ZERO_LOWER && l <= 1);
    series(y, 200, 0, 1);
    CHECK(regia_boxcox_choose(&a, y, 200, 7, &l) == 0 && l == 1);
    series(y, 200, 0, 0);
    CHECK(regia_boxcox_choose(&a, y, 14, 7, &l) == 0 && l == 1); /* too short: as BoxCox.lambda */
    regia_boxcox_rule_t lg = {.kind = REGIA_BOXCOX_FIXED, .lambda = 0, .biasadj = 1};
    series(y, 200, 1, 0);
    CHECK(regia_boxcox_choose(&lg, y, 200, 7, &l) == 1 && l == 1); /* log of 0: falls back */
    regia_boxcox_rule_t sq = {.kind = REGIA_BOXCOX_FIXED, .lambda = 0.5, .biasadj = 1};
    CHECK(regia_boxcox_choose(&sq, y, 200, 7, &l) == 0 && l == 0.5);

    /* a batch: fallbacks counted, NONE identical to the kernel alone, nothing below 0 */
    enum { S = 3, N = 200, H = 14 };
    static double yb[S * N];
    series(yb, N, 0, 0);
    series(yb + N, N, 1, 0);
    for (int t = 0; t < N; t++) yb[2 * N + t] = 0.05 + 0.04 * sin(t * 2.1) * sin(t * 0.7); /* near 0 */
    int32_t len[S] = {N, N, N};
    regia_ets_batch_t in = {.n_series = S, .stride = N, .y = yb, .len = len, .horizon = H, .n_levels = NL,
                            .levels = LEVELS, .spec = regia_ets_default_spec(7)};
    static regia_ets_fit_t fit[S], fit0[S];
    static double mean[S * H], var[S * H], lo[S * NL * H], up[S * NL * H], state[S * 9];
    static double mean0[S * H], var0[S * H], lo0[S * NL * H], up0[S * NL * H], state0[S * 9];
    regia_ets_out_t out = {fit, mean, var, lo, up, state, 9}, out0 = {fit0, mean0, var0, lo0, up0, state0, 9};
    double lam[S];
    int64_t fell = -1;
    CHECK_OK(regia_ets_boxcox(be, &in, &out, &lg, lam, &fell));
    CHECK(fell == 1 && lam[0] == 0 && lam[1] == 1 && lam[2] == 0);
    regia_boxcox_rule_t none = {.kind = REGIA_BOXCOX_NONE, .biasadj = 1};
    CHECK_OK(regia_ets_boxcox(be, &in, &out, &none, lam, &fell));
    CHECK_OK(regia_ets(be, &in, &out0));
    CHECK(fell == 0 && lam[0] == 1 && !memcmp(mean, mean0, sizeof mean) && !memcmp(lo, lo0, sizeof lo));
    int below = 0;
    for (int i = 0; i < S * NL * H; i++) below += lo0[i] < 0;
    CHECK_MSG(below > 0, "the near-zero series should have negative bounds untransformed");
    const double fixed[] = {0.5, 0.8};
    for (int k = 0; k < 2; k++) {
        regia_boxcox_rule_t bc = {.kind = REGIA_BOXCOX_FIXED, .lambda = fixed[k], .biasadj = 1};
        CHECK_OK(regia_ets_boxcox(be, &in, &out, &bc, lam, &fell));
        below = 0;
        for (int i = 0; i < S * NL * H; i++) below += !(lo[i] >= 0) || !(up[i] >= lo[i]);
        for (int i = 0; i < S * H; i++) below += !(mean[i] >= 0);
        CHECK_MSG(below == 0, "lambda %g: %d bounds or means below 0", fixed[k], below);
    }
    CHECK_OK(regia_ets_boxcox(be, &in, &out, &a, lam, &fell));
    for (int s = 0; s < S; s++) CHECK(lam[s] >= 0 && lam[s] <= 1 && fit[s].ok && fit[s].model.season != REGIA_ETS_MULT);
    for (int i = 0; i < S * NL * H; i++) CHECK(lo[i] >= 0);
}

int main(void)
{
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 0));
    check_transforms();
    check_reference(&be);
    check_rule(&be);
    regia_backend_close(&be);
    return check_done();
}
