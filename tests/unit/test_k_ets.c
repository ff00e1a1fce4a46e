/* ETS kernel (CPU) against R forecast::ets reference values (tests/reference/), plus
 * missing values, long seasonal periods, thread invariance and bad requests. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/kernels.h"

enum { H = 7, MAXN = 2000 };

typedef struct {
    regia_ets_fit_t fit;
    double mean[H], var[H], lo[H], up[H], state[2 + 400];
} result_t;

static regia_status_t run(regia_backend_t *be, const double *y, int n, int m, const char *model, result_t *r)
{
    regia_ets_spec_t sp = regia_ets_default_spec(m);
    regia_status_t st = regia_ets_parse_model(model, &sp);
    if (st) return st;
    double lv = 95;
    regia_ets_batch_t in = {.n_series = 1, .stride = n, .y = y, .len = &n, .horizon = H, .n_levels = 1,
                            .levels = &lv, .spec = sp};
    regia_ets_out_t out = {&r->fit, r->mean, r->var, r->lo, r->up, r->state, 2 + 400};
    return regia_ets(be, &in, &out);
}

static void check_reference(regia_backend_t *be)
{
    FILE *f = fopen("tests/reference/ets_reference.csv", "r");
    CHECK_MSG(f != NULL, "tests/reference/ets_reference.csv missing (run from the repository root)");
    if (!f) return;
    static char line[1 << 16];
    int rows = 0;
    char last_case[32] = "";
    fgets(line, sizeof line, f); /* header */
    while (fgets(line, sizeof line, f)) {
        char name[32], model[8], automod[16];
        int damped, n;
        double lik, aicc, mean1, mean7, lo1, hi1;
        int used = 0;
        if (sscanf(line, "%31[^,],%7[^,],%d,%d,%lf,%lf,%lf,%lf,%lf,%lf,%15[^,],%n", name, model, &damped, &n, &lik,
                   &aicc, &mean1, &mean7, &lo1, &hi1, automod, &used) < 11) {
            CHECK_MSG(0, "bad reference line: %.60s", line);
            continue;
        }
        static double y[MAXN];
        char *p = line + used;
        for (int i = 0; i < n; i++) y[i] = strtod(p, &p);
        int m = !strcmp(name, "airpass") ? 12 : !strcmp(name, "daily") ? 7 : 1;
        result_t r;
        CHECK_OK(run(be, y, n, m, model, &r));
        char code[5];
        regia_ets_model_code(r.fit.model, code);
        CHECK_MSG(r.fit.ok && !strcmp(code, model), "%s %s: fitted %s ok=%d", name, model, code, r.fit.ok);
        double mylik = -2 * r.fit.loglik;
        /* maximum likelihood: at least as good an optimum as R's (1 unit of -2 log L) */
        CHECK_MSG(mylik <= lik + 1.0, "%s %s: -2logL %.3f worse than R's %.3f", name, model, mylik, lik);
        if (fabs(mylik - lik) < 0.5) {
            /* the same optimum: forecasts and intervals as R's */
            int sim = model[strlen(model) - 1] == 'M';
            double tol = sim ? 0.05 : 0.02;
            CHECK_CLOSE(r.mean[0], mean1, 0.01, 0.0);
            CHECK_CLOSE(r.mean[6], mean7, 0.02, 0.0);
            CHECK_CLOSE(r.up[0] - r.lo[0], hi1 - lo1, tol, 0.0);
        }
        CHECK(r.lo[0] < r.mean[0] && r.mean[0] < r.up[0]);
        if (strcmp(last_case, name)) {
            /* automatic selection: the chosen model is at least as good by AICc as R's pick */
            snprintf(last_case, sizeof last_case, "%s", name);
            result_t a, rm;
            CHECK_OK(run(be, y, n, m, "auto", &a));
            const char *rcode = automod + 3; /* "ETSMAdM" -> "MAdM" */
            CHECK_OK(run(be, y, n, m, rcode, &rm));
            char ac[5];
            regia_ets_model_code(a.fit.model, ac);
            fprintf(stderr, "%s: auto regia %s (AICc %.2f), R %s (R's AICc for it: see csv; regia's %.2f)\n", name,
                    ac, a.fit.aicc, rcode, rm.fit.aicc);
            CHECK_MSG(a.fit.aicc <= rm.fit.aicc + 2.0, "%s: auto AICc %.2f above R's pick %s at %.2f", name,
                      a.fit.aicc, rcode, rm.fit.aicc);
        }
        rows++;
    }
    fclose(f);
    CHECK(rows >= 12);
}

/* A deterministic daily series with a weekly season and gaps. */
static void make_series(double *y, int n, int seed, int gaps)
{
    for (int t = 0; t < n; t++) {
        double noise = sin(t * 12.9898 + seed * 78.233) * 43758.5453;
        noise = (noise - floor(noise)) - 0.5;
        y[t] = 40 + 10 * sin(2 * M_PI * t / 7 + seed) + 8 * sin(2 * M_PI * t / 365) + 6 * noise + 0.01 * t;
        if (gaps && (t % 97 == 13 || (t > 300 && t < 305))) y[t] = NAN;
    }
}

static void check_missing_and_long_period(regia_backend_t *be)
{
    static double y[800];
    make_series(y, 730, 3, 1);
    result_t r;
    CHECK_OK(run(be, y, 730, 7, "auto", &r));
    CHECK(r.fit.ok && r.fit.n_obs < 730);
    for (int i = 0; i < H; i++) CHECK(isfinite(r.mean[i]) && r.lo[i] < r.mean[i] && r.mean[i] < r.up[i]);
    /* a yearly season (m = 366) on two years of data: R refuses m > 24 */
    make_series(y, 800, 5, 0);
    CHECK_OK(run(be, y, 800, 366, "ANA", &r));
    CHECK(r.fit.ok && r.fit.model.season == REGIA_ETS_ADD);
    for (int i = 0; i < H; i++) CHECK(isfinite(r.mean[i]) && isfinite(r.var[i]) && r.var[i] > 0);
    /* too short to fit anything */
    CHECK_OK(run(be, y, 3, 1, "auto", &r));
    CHECK(!r.fit.ok && isnan(r.mean[0]));
}

static void check_threads_invariant(void)
{
    enum { NS = 24, N = 400 };
    static double y[NS * N];
    static int len[NS];
    for (int s = 0; s < NS; s++) { make_series(y + s * N, N, s, s % 3 == 0); len[s] = N - (s % 5) * 20; }
    double lv[2] = {80, 95};
    regia_ets_batch_t in = {.n_series = NS, .stride = N, .y = y, .len = len, .horizon = H, .n_levels = 2,
                            .levels = lv, .spec = regia_ets_default_spec(7)};
    static regia_ets_fit_t fit[2][NS];
    static double mean[2][NS * H], var[2][NS * H], lo[2][NS * 2 * H], up[2][NS * 2 * H], st[2][NS * 9];
    for (int k = 0; k < 2; k++) {
        regia_backend_t be;
        CHECK_OK(regia_backend_open(&be, "cpu", 0, k + 1));
        regia_ets_out_t out = {fit[k], mean[k], var[k], lo[k], up[k], st[k], 9};
        CHECK_OK(regia_ets(&be, &in, &out));
        regia_backend_close(&be);
    }
    CHECK(memcmp(mean[0], mean[1], sizeof mean[0]) == 0);
    CHECK(memcmp(lo[0], lo[1], sizeof lo[0]) == 0 && memcmp(up[0], up[1], sizeof up[0]) == 0);
    CHECK(memcmp(st[0], st[1], sizeof st[0]) == 0);
}

static void check_bad_requests(regia_backend_t *be)
{
    regia_ets_spec_t sp = regia_ets_default_spec(7);
    CHECK(regia_ets_parse_model("XYZ", &sp) != REGIA_OK);
    CHECK(regia_ets_parse_model("ANdN", &sp) != REGIA_OK);
    CHECK(regia_ets_parse_model("MAdM", &sp) == REGIA_OK && sp.damped == 1 && sp.season == 'M');
    char code[5];
    regia_ets_model_code((regia_ets_model_t){2, 1, 2, 1}, code);
    CHECK(!strcmp(code, "MAdM"));
    double y[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, lv = 120;
    int n = 10;
    result_t r;
    regia_ets_batch_t in = {.n_series = 1, .stride = 10, .y = y, .len = &n, .horizon = H, .n_levels = 1,
                            .levels = &lv, .spec = regia_ets_default_spec(1)};
    regia_ets_out_t out = {&r.fit, r.mean, r.var, r.lo, r.up, r.state, 2 + 400};
    CHECK(regia_ets(be, &in, &out) == REGIA_ERR_INVALID);
    lv = 95;
    in.spec.period = 400;
    CHECK(regia_ets(be, &in, &out) == REGIA_ERR_INVALID);
}

int main(void)
{
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 0));
    check_reference(&be);
    check_missing_and_long_period(&be);
    check_threads_invariant();
    check_bad_requests(&be);
    regia_backend_close(&be);
    return check_done();
}
