/* The CUDA backend's code paths of the shared ETS functions (kernels/ets_fit_impl.h),
 * run on the host: interleaved workspace and time-major series (element j of thread i at
 * base[j * rs + i]), the recursion with the model taken at run time, and the portable
 * logarithm (kernels/log_impl.h), one Nelder-Mead evaluation at a time.  The CPU backend
 * fits 16 series side by side (kernels/cpu/ets.c), grouped by model and series length,
 * so the mixed lengths, gaps and negative values below exercise that scheduling too.
 * The device paths must give the CPU backend's results bit for bit
 * where the host's log() is glibc's (x86-64 with FMA; checked first on 10^6 arguments),
 * so a GPU-less machine tests everything of the device path but the CUDA host code.
 * Elsewhere (another C library) the port may differ from log() in the last bit on a few
 * arguments; then the test asks for the same model on >= 99 % of the series and close
 * numbers. */
#define REGIA_ETS_EMULATE_DEVICE 1
#include "../../kernels/ets_fit_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/kernels.h"

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static double urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

/* Does regia_log_portable() round like this host's log()? */
static long log_mismatches(long n)
{
    long bad = 0;
    for (long i = 0; i < n; i++) {
        double x;
        uint64_t u = rng_state;
        switch (i % 3) {
        case 0: urand(); u = rng_state & 0x7fefffffffffffffull; memcpy(&x, &u, sizeof x); break;
        case 1: x = 0.93 + 0.14 * urand(); break;
        default: x = exp(60 * urand() - 10); break;
        }
        double a = log(x), b = regia_log_portable(x);
        if (memcmp(&a, &b, sizeof a)) bad++;
    }
    double special[] = {1.0, 0.0, INFINITY, 4.9e-324, 2.2250738585072014e-308, 1e-310, 1.7976931348623157e308};
    for (int i = 0; i < 7; i++) {
        double a = log(special[i]), b = regia_log_portable(special[i]);
        if (memcmp(&a, &b, sizeof a)) bad++;
    }
    double c = regia_log_portable(-1.0), d = regia_log_portable(NAN);
    CHECK(isnan(c) && isnan(d));
    return bad;
}

typedef struct {
    regia_ets_fit_t *fit;
    double *mean, *var, *lo, *up, *st;
} res_t;

static void alloc_res(res_t *r, int n, int h, int nl, int ss)
{
    r->fit = calloc((size_t)n, sizeof *r->fit);
    r->mean = calloc((size_t)n * h, sizeof(double));
    r->var = calloc((size_t)n * h, sizeof(double));
    r->lo = calloc((size_t)n * h * nl, sizeof(double));
    r->up = calloc((size_t)n * h * nl, sizeof(double));
    r->st = calloc((size_t)n * ss, sizeof(double));
}

static void free_res(res_t *r)
{
    free(r->fit); free(r->mean); free(r->var); free(r->lo); free(r->up); free(r->st);
}

static int same_double(double a, double b, int exact)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (exact) return memcmp(&a, &b, sizeof a) == 0;
    return fabs(a - b) <= 1e-6 * fabs(b) + 1e-9;
}

/* n series of length stride (lengths len), period m: the CPU backend against the
 * emulated device layout; returns the series that differ. */
static int compare(const char *tag, int n, int stride, const double *y, const int32_t *len, int m, int h,
                   const char *model, int exact)
{
    const double levels[2] = {80, 95};
    const int nl = 2, ss = 2 + m;
    regia_ets_spec_t sp = regia_ets_default_spec(m);
    CHECK_OK(regia_ets_parse_model(model, &sp));
    res_t a, b;
    alloc_res(&a, n, h, nl, ss);
    alloc_res(&b, n, h, nl, ss);
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 0));
    regia_ets_batch_t in = {.n_series = n, .stride = stride, .y = y, .len = len, .horizon = h, .n_levels = nl,
                            .levels = levels, .spec = sp};
    regia_ets_out_t out = {a.fit, a.mean, a.var, a.lo, a.up, a.st, ss};
    CHECK_OK(regia_ets(&be, &in, &out));
    regia_backend_close(&be);

    /* the device layout: y time-major, workspaces interleaved with stride rs = n */
    const int64_t rs = n, wsd = regia_ets_ws_doubles(m, h);
    double *yt = malloc(sizeof(double) * (size_t)stride * n), *ws_base = malloc(sizeof(double) * (size_t)(wsd * rs));
    for (int i = 0; i < n; i++)
        for (int t = 0; t < stride; t++) yt[(size_t)t * n + i] = y[(size_t)i * stride + t];
    for (int i = 0; i < n; i++) {
        regia_ets_ws_t ws;
        regia_ets_ws_init(&ws, ws_base + i, rs, m, h);
        regia_ets_fit_one(&sp, yt + i, len[i], h, nl, levels, &ws, &b.fit[i], b.mean + (size_t)i * h,
                          b.var + (size_t)i * h, b.lo + (size_t)i * nl * h, b.up + (size_t)i * nl * h,
                          b.st + (size_t)i * ss, ss);
    }
    int differ = 0, models = 0;
    for (int i = 0; i < n; i++) {
        const regia_ets_fit_t *fa = &a.fit[i], *fb = &b.fit[i];
        int same_model = fa->ok == fb->ok && !memcmp(&fa->model, &fb->model, sizeof fa->model);
        int ok = same_model && fa->n_obs == fb->n_obs && fa->n_params == fb->n_params;
        models += same_model;
        const double fx[] = {fa->alpha, fa->beta, fa->gamma, fa->phi, fa->l0, fa->b0, fa->sigma2, fa->loglik,
                             fa->aic, fa->aicc, fa->bic, fa->mse};
        const double fy[] = {fb->alpha, fb->beta, fb->gamma, fb->phi, fb->l0, fb->b0, fb->sigma2, fb->loglik,
                             fb->aic, fb->aicc, fb->bic, fb->mse};
        for (int k = 0; k < 12; k++) ok = ok && same_double(fy[k], fx[k], exact);
        for (int k = 0; k < h; k++)
            ok = ok && same_double(b.mean[(size_t)i * h + k], a.mean[(size_t)i * h + k], exact) &&
                 same_double(b.var[(size_t)i * h + k], a.var[(size_t)i * h + k], exact);
        for (int k = 0; k < nl * h; k++)
            ok = ok && same_double(b.lo[(size_t)i * nl * h + k], a.lo[(size_t)i * nl * h + k], exact) &&
                 same_double(b.up[(size_t)i * nl * h + k], a.up[(size_t)i * nl * h + k], exact);
        for (int k = 0; k < ss; k++) ok = ok && same_double(b.st[(size_t)i * ss + k], a.st[(size_t)i * ss + k], exact);
        if (!ok) {
            if (differ < 5) {
                char ca[5], cb[5];
                regia_ets_model_code(fa->model, ca);
                regia_ets_model_code(fb->model, cb);
                fprintf(stderr, "%s: series %d differs: cpu %s ok=%d loglik %.17g, device path %s ok=%d loglik %.17g\n",
                        tag, i, ca, fa->ok, fa->loglik, cb, fb->ok, fb->loglik);
            }
            differ++;
        }
    }
    fprintf(stderr, "%s: %d series, %d differ%s, %d with the same model\n", tag, n, differ,
            exact ? " in any bit" : " by more than 1e-6", models);
    if (!exact) CHECK_MSG(models >= 0.99 * n, "%s: same model for %d of %d", tag, models, n);
    free(yt);
    free(ws_base);
    free_res(&a);
    free_res(&b);
    return differ;
}

/* A daily-like series with a weekly (or period-m) season, noise, sometimes a trend, gaps. */
static void make(double *y, int n, int m, int s, int gaps, int negative)
{
    double level = 20 + 60 * urand(), amp = 0.05 + 0.3 * urand(), trend = (s % 3 == 0) ? 0.02 * urand() : 0;
    double ar = 0;
    for (int t = 0; t < n; t++) {
        ar = 0.6 * ar + (urand() - 0.5) * 0.3;
        double v = level * (1 + amp * sin(6.283185307179586 * t / m + s)) * (1 + 0.2 * ar) + trend * t;
        if (negative) v -= level;
        if (gaps && urand() < 0.04) v = NAN;
        y[t] = v;
    }
}

int main(void)
{
    long bad_log = log_mismatches(1000000);
    int exact = bad_log == 0;
    fprintf(stderr, "regia_log_portable vs log(): %ld mismatches in 10^6 arguments -> %s comparison\n", bad_log,
            exact ? "bit-exact" : "tolerant (this C library's log is not glibc's FMA one)");
    enum { N7 = 48, T7 = 730 };
    double *y = malloc(sizeof(double) * N7 * 1100);
    int32_t len[N7];
    for (int s = 0; s < N7; s++) {
        make(y + (size_t)s * T7, T7, 7, s, s % 4 == 1, s % 11 == 5);
        len[s] = s % 9 == 8 ? 30 + s : s % 13 == 12 ? 3 : T7 - s % 5;
    }
    int d = compare("m=7 auto", N7, T7, y, len, 7, 14, "auto", exact);
    if (exact) CHECK(d == 0);
    d = compare("m=7 MAM h=1100", 4, T7, y, len, 7, 1100, "MAM", exact);
    if (exact) CHECK(d == 0);
    /* the other variance methods past steps 64 and 1024: class 2 (slot moments in the
     * interleaved workspace) and a simulated class (the ring) */
    d = compare("m=7 MAdA h=1100", 4, T7, y, len, 7, 1100, "MAdA", exact);
    if (exact) CHECK(d == 0);
    d = compare("m=7 MMdN h=1100", 4, T7, y, len, 7, 1100, "MMdN", exact);
    if (exact) CHECK(d == 0);
    for (int s = 0; s < 8; s++) { make(y + (size_t)s * 600, 600, 12, s, s % 3 == 1, 0); len[s] = 600 - s; }
    d = compare("m=12 auto", 8, 600, y, len, 12, 24, "auto", exact);
    if (exact) CHECK(d == 0);
    for (int s = 0; s < 3; s++) { make(y + (size_t)s * 1100, 1100, 366, s, s == 1, 0); len[s] = 1100 - s; }
    d = compare("m=366 auto", 3, 1100, y, len, 366, 14, "auto", exact);
    if (exact) CHECK(d == 0);
    free(y);
    return check_done();
}
