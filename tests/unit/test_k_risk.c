/* Exceedance probabilities and the Monte Carlo annual-breach kernel (CPU). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "regia/kernels.h"

/* P(Binomial(n, p) > k) */
static double binom_tail(int n, double p, int k)
{
    double tail = 0;
    for (int j = k + 1; j <= n; j++) tail += exp(lgamma(n + 1.0) - lgamma(j + 1.0) - lgamma(n - j + 1.0) + j * log(p) + (n - j) * log1p(-p));
    return tail;
}

static regia_ets_fit_t ann_fit(double sigma2)
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

int main(void)
{
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 2));

    /* exceed: 1 - Phi(1) for mean 40, sd 5, limit 45 */
    double mean[3] = {40, 40, NAN}, var[3] = {25, 0, 25}, lim = 45, prob[3];
    regia_exceed_batch_t ex = {.n_series = 1, .horizon = 3, .mean = mean, .var = var, .limit = &lim};
    CHECK_OK(regia_exceed(&be, &ex, prob));
    CHECK_CLOSE(prob[0], 0.15865525393145707, 1e-12, 0);
    CHECK(prob[1] == 0.0);
    CHECK(isnan(prob[2]));

    /* breach: alpha = 1e-4 keeps the level still, so days are nearly iid N(40, 25) and the
     * count of days above 45 in 100 is Binomial(100, 0.1587); 10 seen, 35 allowed. */
    enum { NS = 3 };
    regia_ets_fit_t fit[NS] = {ann_fit(25), ann_fit(25), ann_fit(25)};
    fit[2].ok = 0;
    double state[NS * 3] = {40, 0, 0, 40, 0, 0, 40, 0, 0};
    uint64_t key[NS] = {11, 12, 13};
    int32_t days[NS] = {100, 100, 100}, seen[NS] = {10, 40, 10}, allowed[NS] = {35, 35, 35};
    double limit[NS] = {45, 45, 45}, p[NS], e[NS];
    regia_breach_batch_t in = {.n_series = NS, .fit = fit, .state = state, .state_stride = 3, .period = 1,
                               .key = key, .days_left = days, .count_so_far = seen, .limit = limit,
                               .allowed = allowed, .n_paths = 20000, .seed = 42};
    regia_breach_out_t out = {p, e, NULL, NULL};
    CHECK_OK(regia_breach(&be, &in, &out));
    double pd = 0.15865525393145707, want = binom_tail(100, pd, 25);
    double sd = sqrt(want * (1 - want) / 20000);
    CHECK_MSG(fabs(p[0] - want) < 5 * sd + 0.003, "p_breach %.4f, binomial %.4f", p[0], want);
    CHECK_CLOSE(e[0], 10 + 100 * pd, 0.01, 0);
    CHECK(p[1] == 1.0);              /* already over the allowance */
    CHECK(isnan(p[2]) && isnan(e[2])); /* no fitted model */

    /* the same series alone, in another position and on one thread: identical answer */
    regia_backend_t be1;
    CHECK_OK(regia_backend_open(&be1, "cpu", 0, 1));
    regia_breach_batch_t one = in;
    one.n_series = 1;
    one.fit = &fit[1];
    one.state = state + 3;
    one.key = &key[0];
    one.days_left = &days[0];
    one.count_so_far = &seen[0];
    one.limit = &limit[0];
    one.allowed = &allowed[0];
    double p1, e1;
    regia_breach_out_t o1 = {&p1, &e1, NULL, NULL};
    CHECK_OK(regia_breach(&be1, &one, &o1));
    CHECK(p1 == p[0] && e1 == e[0]);
    /* another seed moves the estimate (the draws really depend on it) */
    one.seed = 43;
    double p2, e2;
    regia_breach_out_t o2 = {&p2, &e2, NULL, NULL};
    CHECK_OK(regia_breach(&be1, &one, &o2));
    CHECK(e2 != e1);
    in.n_paths = 0;
    CHECK(regia_breach(&be, &in, &out) == REGIA_ERR_INVALID);
    return check_done();
}
