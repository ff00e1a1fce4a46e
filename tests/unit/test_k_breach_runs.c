/* The breach op's run-length statistics (regia/risk.h: run_days, run_so_far,
 * trigger_days; run_median, p_trigger) on the CPU backend: against the exact
 * probabilities of iid days, and the annual-breach results unchanged by them. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "regia/kernels.h"

/* alpha = 1e-4 keeps the level still: days are nearly iid N(level, sigma2) */
static regia_ets_fit_t still_fit(double sigma2)
{
    regia_ets_fit_t f;
    memset(&f, 0, sizeof f);
    f.ok = 1;
    f.model = (regia_ets_model_t){REGIA_ETS_ADD, REGIA_ETS_NONE, REGIA_ETS_NONE, 0};
    f.alpha = 1e-4;
    f.beta = f.gamma = f.phi = NAN;
    f.sigma2 = sigma2;
    return f;
}

/* P(a run of days over the limit reaches T within H iid days of probability p, starting
 * from a run r): the chain on the run length, T absorbing. */
static double p_reach(double p, int r, int T, int H)
{
    double q[64] = {0}, nq[64];
    if (r >= T) r = T - 1; /* an observed run already >= T counts only when it goes on */
    q[r] = 1;
    double hit = 0;
    for (int d = 0; d < H; d++) {
        memset(nq, 0, sizeof nq);
        for (int k = 0; k < T; k++) {
            nq[0] += q[k] * (1 - p);
            if (k + 1 >= T) hit += q[k] * p;
            else nq[k + 1] += q[k] * p;
        }
        memcpy(q, nq, sizeof q);
    }
    return hit;
}

int main(void)
{
    regia_backend_t be, be1;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 2));
    CHECK_OK(regia_backend_open(&be1, "cpu", 0, 1));
    enum { NS = 4, R = 10, PATHS = 20000 };
    /* 0: N(40, 25), limit 45, observed run 2; 1: N(60, 25) (nearly always over), run 5;
     * 2: as 0 with 3 days left in the year (runs go past it); 3: not fitted */
    regia_ets_fit_t fit[NS] = {still_fit(25), still_fit(25), still_fit(25), still_fit(25)};
    fit[3].ok = 0;
    double state[NS * 3] = {40, 0, 0, 60, 0, 0, 40, 0, 0, 40, 0, 0};
    uint64_t key[NS] = {21, 22, 23, 24};
    int32_t days[NS] = {100, 100, 3, 100}, seen[NS] = {10, 10, 10, 10}, allowed[NS] = {35, 35, 35, 35};
    int32_t run0[NS] = {2, 5, 2, 0};
    double limit[NS] = {45, 45, 45, 45};
    double p0[NS], e0[NS], p[NS], e[NS], med[NS * R], pt[NS];
    regia_breach_batch_t in = {.n_series = NS, .fit = fit, .state = state, .state_stride = 3, .period = 1,
                               .key = key, .days_left = days, .count_so_far = seen, .limit = limit,
                               .allowed = allowed, .n_paths = PATHS, .seed = 7};
    regia_breach_out_t plain = {p0, e0, NULL, NULL};
    CHECK_OK(regia_breach(&be, &in, &plain));
    in.run_days = R;
    in.run_so_far = run0;
    in.trigger_days = 4;
    regia_breach_out_t out = {p, e, med, pt};
    CHECK_OK(regia_breach(&be, &in, &out));
    /* the annual results do not change with the run statistics (same draws, same counts) */
    for (int s = 0; s < 3; s++) CHECK_MSG(p[s] == p0[s] && e[s] == e0[s], "series %d: p %g vs %g", s, p[s], p0[s]);
    /* iid days over 45 with p = 1 - Phi(1): the trigger's exact probability */
    const double pd = 0.15865525393145707;
    for (int s = 0; s < 3; s += 2) {
        double want = p_reach(pd, run0[s], 4, R), sd = sqrt(want * (1 - want) / PATHS);
        CHECK_MSG(fabs(pt[s] - want) < 5 * sd + 0.003, "series %d: p_trigger %.4f, exact %.4f", s, pt[s], want);
        for (int d = 0; d < R; d++) CHECK_MSG(med[s * R + d] == 0, "series %d day %d: median %g", s, d, med[s * R + d]);
    }
    /* nearly always over: the median run is the observed run continued */
    for (int d = 0; d < R; d++) CHECK_MSG(med[R + d] == 5 + d + 1, "day %d: median %g", d, med[R + d]);
    CHECK(pt[1] == 1.0);
    CHECK(isnan(p[3]) && isnan(pt[3]) && isnan(med[3 * R]));
    /* one thread, an odd path count (the median is then a path's run) */
    double p1[NS], e1[NS], med1[NS * R], pt1[NS];
    regia_breach_out_t out1 = {p1, e1, med1, pt1};
    CHECK_OK(regia_breach(&be1, &in, &out1));
    CHECK(memcmp(pt1, pt, sizeof pt) == 0 && memcmp(med1, med, sizeof med) == 0);
    in.n_paths = 3;
    CHECK_OK(regia_breach(&be1, &in, &out1));
    for (int d = 0; d < R; d++) CHECK(med1[R + d] == 5 + d + 1 || med1[R + d] == 0 || med1[R + d] <= d + 1);
    /* a bad request is refused */
    in.trigger_days = 0;
    CHECK(regia_breach(&be, &in, &out) == REGIA_ERR_INVALID);
    in.trigger_days = 4;
    in.run_days = REGIA_BREACH_MAX_RUN_DAYS + 1;
    CHECK(regia_breach(&be, &in, &out) == REGIA_ERR_INVALID);
    return check_done();
}
