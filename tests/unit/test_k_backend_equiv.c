/* The CUDA backend against the CPU backend (the reference) on a large random set.
 * Skipped (exit 77) where this build has no CUDA backend or no device is visible.
 *
 * Series (generated here, deterministic): REGIA_EQUIV_N (20,000) daily series of 730
 * points with a weekly season, level, amplitude, trend and AR(1) noise drawn per series;
 * about 10 % with missing values (scattered and a run of 10), 5 % short (20..120
 * points), 0.5 % too short to fit (< 4 points), 3 % shifted below zero (no
 * multiplicative models).  Then 400 series with period 52 and 60 with period 366
 * (1,100 points each).
 *
 * What must hold (docs/methods.md, "CPU and CUDA backends"):
 *  - ETS: the same model (and fit.ok) for >= 99.9 % of the series; where the model
 *    agrees, forecasts, variances and interval bounds within a relative 1e-6 (of the
 *    value, or of the series' mean absolute level when that is larger: values near zero);
 *  - exceedance probabilities (from the CPU's means and variances) within 1e-12;
 *  - Monte Carlo breach (from the CPU's fits and states, 1,000 paths): p_breach equal or
 *    1/n_paths apart (one borderline path flipped by a last-bit difference in a normal
 *    draw), expected counts within 2/n_paths (a flipped day on each of two paths);
 *  - the streamed path (small chunks over both streams) gives bit-identical results to
 *    a single chunk, and `auto` picks CUDA;
 *  - queue simulation (priority M/M/c, gamma services with a weekly schedule, 64
 *    replications x 4 classes each): customers counted equal and waiting-time sums within
 *    a relative 1e-9 in at least 99 % of them (a service time rounded differently by the
 *    device's cos or log can reorder two events of one replication), and the same bits
 *    when a small device workspace (REGIA_CUDA_SIM_BUDGET) splits the replications into
 *    sub-batches; a queue that outgrows that workspace is an error naming the replication;
 *  - slot simulation (400 items x 200 paths with reserves, release, a current list,
 *    cancellations and no-shows): at least 99 % of the outputs identical in every bit
 *    (they are ratios of integer counts), shares and p_miss within 3/n_paths (a draw
 *    rounded differently changes one path), and the same bits from sub-batches.
 *  - Welch PSD and CSD (6 records x 4 channels, two settings): within a relative 1e-10,
 *    and each record alone on the device gives the bits it has in the batch;
 *  - the compensation fit's linear algebra (novelty_la: cuSOLVER/cuBLAS against LAPACK)
 *    through regia_novelty_fit_on for the linear, lagged, bilinear with a freezing jump and
 *    PCA models on 900 records of 4 frequencies: coefficients, (X^T X)^-1, PCA loadings
 *    and variances, the feature mean and Cholesky factor, the threshold, residuals and
 *    D^2 within a relative 1e-10 (of the value, or of the largest of its kind where that
 *    is larger); the rank of a collinear design and a singular covariance reported alike.
 * It also prints how many fits are identical in every bit (expected: all of them where
 * the host's log() is glibc's, whose rounding the device's logarithm reproduces).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/kernels.h"

#ifdef REGIA_USE_CUDA

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0; }
static double gauss(uint64_t *s) { return sqrt(-2 * log(unif(s))) * cos(6.283185307179586 * unif(s)); }

/* Series s of a set (deterministic in (set, s)); returns its length. */
static int make_series(int set, int s, int m, int stride, double *y)
{
    uint64_t st = 0x5eed0000ull + (uint64_t)set * 1000003ull + (uint64_t)s * 7919ull;
    double level = 10 + 190 * unif(&st), amp = 0.05 + 0.4 * unif(&st);
    double trend = unif(&st) < 0.4 ? (unif(&st) - 0.3) * 0.002 * level : 0;
    int mult = unif(&st) < 0.5, neg = unif(&st) < 0.03;
    double phase = 6.283185307179586 * unif(&st), ar = 0, rho = 0.3 + 0.6 * unif(&st);
    double noise = 0.03 + 0.15 * unif(&st);
    int n = stride;
    double u = unif(&st);
    if (u < 0.005) n = 1 + (int)(3 * unif(&st));
    else if (u < 0.055) n = 20 + (int)(100 * unif(&st));
    int gaps = unif(&st) < 0.10, run = gaps ? (int)(unif(&st) * (n > 20 ? n - 10 : 1)) : -100;
    for (int t = 0; t < stride; t++) {
        ar = rho * ar + gauss(&st) * noise * sqrt(1 - rho * rho);
        double season = sin(6.283185307179586 * t / m + phase) + 0.3 * sin(4 * 3.14159265358979 * t / m);
        double v = mult ? (level + trend * t) * (1 + amp * season) * (1 + ar)
                        : level + trend * t + amp * level * season + level * ar;
        if (neg) v -= 1.5 * level;
        if (gaps && (unif(&st) < 0.03 || (t >= run && t < run + 10))) v = NAN;
        y[t] = t < n ? v : NAN;
    }
    return n;
}

typedef struct {
    regia_ets_fit_t *fit;
    double *mean, *var, *lo, *up, *st;
} res_t;

static int alloc_res(res_t *r, size_t n, int h, int nl, int ss)
{
    r->fit = calloc(n, sizeof *r->fit);
    r->mean = malloc(n * h * sizeof(double));
    r->var = malloc(n * h * sizeof(double));
    r->lo = malloc(n * h * nl * sizeof(double));
    r->up = malloc(n * h * nl * sizeof(double));
    r->st = malloc(n * ss * sizeof(double));
    return r->fit && r->mean && r->var && r->lo && r->up && r->st ? 0 : -1;
}

static void free_res(res_t *r)
{
    free(r->fit); free(r->mean); free(r->var); free(r->lo); free(r->up); free(r->st);
}

static regia_status_t run_ets(regia_backend_t *be, const regia_ets_batch_t *in, res_t *r, int ss)
{
    regia_ets_out_t out = {r->fit, r->mean, r->var, r->lo, r->up, r->st, ss};
    return regia_ets(be, in, &out);
}

static int same_bits(const void *a, const void *b, size_t n) { return memcmp(a, b, n) == 0; }

/* Compare one set: the model agreement, the tolerance on the numbers, bit-identity. */
static void compare_set(const char *tag, int n, int h, int nl, int ss, const double *y, int stride, const res_t *c,
                        const res_t *g)
{
    const double rtol = 1e-6;
    int same_model = 0, outside = 0, identical = 0;
    double worst = 0;
    for (int s = 0; s < n; s++) {
        const regia_ets_fit_t *fc = &c->fit[s], *fg = &g->fit[s];
        if (fc->ok != fg->ok || memcmp(&fc->model, &fg->model, sizeof fc->model)) continue;
        same_model++;
        double scale = 0;
        int k = 0;
        for (int t = 0; t < stride; t++) if (!isnan(y[(size_t)s * stride + t])) { scale += fabs(y[(size_t)s * stride + t]); k++; }
        scale = k ? scale / k : 1;
        int bad = 0;
        const double *pc[4] = {c->mean + (size_t)s * h, c->var + (size_t)s * h, c->lo + (size_t)s * nl * h, c->up + (size_t)s * nl * h};
        const double *pg[4] = {g->mean + (size_t)s * h, g->var + (size_t)s * h, g->lo + (size_t)s * nl * h, g->up + (size_t)s * nl * h};
        const int cnt[4] = {h, h, nl * h, nl * h};
        for (int a = 0; a < 4; a++)
            for (int i = 0; i < cnt[a]; i++) {
                double x = pg[a][i], w = pc[a][i];
                if (isnan(x) || isnan(w)) { bad |= isnan(x) != isnan(w); continue; }
                /* variances: relative to the value or to scale^2 */
                double ref = fmax(fabs(w), a == 1 ? scale * scale : scale);
                double d = fabs(x - w) / (ref > 0 ? ref : 1);
                if (d > worst) worst = d;
                if (d > rtol) bad = 1;
            }
        outside += bad;
        if (bad && outside <= 5) {
            char code[5];
            regia_ets_model_code(fc->model, code);
            fprintf(stderr, "%s: series %d (%s): forecasts differ by more than %g (loglik cpu %.17g gpu %.17g)\n", tag, s,
                    code, rtol, fc->loglik, fg->loglik);
        }
        identical += same_bits(fc, fg, sizeof *fc) && same_bits(pc[0], pg[0], h * sizeof(double)) &&
                     same_bits(pc[1], pg[1], h * sizeof(double)) && same_bits(c->st + (size_t)s * ss, g->st + (size_t)s * ss, ss * sizeof(double));
    }
    fprintf(stderr, "%s: %d series; same model %d (%.3f %%); outside %g: %d; largest relative difference %.3g; "
                    "fits, means, variances and states identical in every bit: %d\n",
            tag, n, same_model, 100.0 * same_model / n, rtol, outside, worst, identical);
    CHECK_MSG(same_model >= 0.999 * n, "%s: same model for %d of %d series (< 99.9 %%)", tag, same_model, n);
    CHECK_MSG(outside == 0, "%s: %d series with the same model differ by more than %g", tag, outside, rtol);
}

/* ---- queue and slot simulations ---- */
typedef struct {
    int64_t n[64 * 4], gt[64 * 4 * 3], hist[64 * 4 * 20], un[64 * 4];
    double w[64 * 4], w2[64 * 4];
} qres_t;

static regia_status_t run_queue(regia_backend_t *be, const regia_queue_batch_t *in, qres_t *r)
{
    regia_queue_out_t o = {r->n, r->w, r->w2, r->gt, r->hist, r->un};
    return regia_queue_sim(be, in, &o);
}

static void compare_queue(regia_backend_t *cpu, regia_backend_t *gpu)
{
    static qres_t c, g, g2;
    const double lam[4] = {0.4, 1.2, 1.6, 0.8}, mean[4] = {1, 1, 1, 1}, cv[4] = {0.6, 0.6, 0.6, 0.6}, t[3] = {0.5, 1, 2};
    const double ends[4] = {40, 100, 140, 168};
    const int32_t srv[4] = {5, 7, 5, 6};
    regia_queue_batch_t in = {.n_classes = 4, .arrival_rate = lam, .servers = 5, .service_dist = REGIA_SVC_EXP,
                              .service_mean = mean, .service_cv = cv, .n_customers = 50000, .warmup = 20, .n_t = 3,
                              .t = t, .n_bins = 20, .bin_width = 0.25, .n_reps = 64, .seed = 77};
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            in.service_dist = REGIA_SVC_GAMMA;
            in.n_shifts = 4, in.shift_end = ends, in.shift_servers = srv, in.period = 168;
            in.n_customers = 0, in.horizon = 168 * 20;
        }
        CHECK_OK(run_queue(cpu, &in, &c));
        CHECK_OK(run_queue(gpu, &in, &g));
        int differ = 0, identical = 0;
        double worst = 0;
        for (int j = 0; j < 64 * 4; j++) {
            double d = fabs(c.w[j] - g.w[j]) / fmax(fabs(c.w[j]), 1e-300);
            worst = fmax(worst, d);
            differ += c.n[j] != g.n[j] || c.un[j] != g.un[j] || d > 1e-9;
            identical += c.w[j] == g.w[j] && c.w2[j] == g.w2[j] && c.n[j] == g.n[j];
        }
        fprintf(stderr, "queue %s: %d of 256 replication-classes differ (customers, or wait sums by more than "
                        "1e-9); largest relative difference %.3g; identical in every bit: %d\n",
                pass ? "gamma, schedule" : "exp", differ, worst, identical);
        CHECK(differ <= 2);
    }
    /* sub-batches of a small workspace: the same bits */
    setenv("REGIA_CUDA_SIM_BUDGET", "1048576", 1);
    CHECK_OK(run_queue(gpu, &in, &g2));
    CHECK(!memcmp(g.w, g2.w, sizeof g.w) && !memcmp(g.n, g2.n, sizeof g.n) && !memcmp(g.hist, g2.hist, sizeof g.hist));
    /* an overloaded queue outgrows it: an error, not a truncated answer */
    const double heavy[4] = {2, 2, 2, 2};
    in.arrival_rate = heavy;
    in.n_shifts = 0, in.horizon = 0, in.n_customers = 100000;
    regia_status_t st = run_queue(gpu, &in, &g2);
    CHECK_MSG(st != REGIA_OK && strstr(regia_error_msg(), "customers waiting at once"), "status %d: %s", st,
              regia_error_msg());
    unsetenv("REGIA_CUDA_SIM_BUDGET");
}

static void compare_slot(regia_backend_t *cpu, regia_backend_t *gpu)
{
    enum { NI = 400, W = 12, NP = 200, LIST = 30 };
    int32_t *slots = malloc(sizeof(int32_t) * NI * W), *reserve = malloc(sizeof(int32_t) * NI * 4);
    double *mean = malloc(sizeof(double) * NI * 4 * W), *var = malloc(sizeof(double) * NI * 4 * W);
    double *pc = malloc(sizeof(double) * NI), *pn = malloc(sizeof(double) * NI), *lim = malloc(sizeof(double) * NI * 4),
           *tg = malloc(sizeof(double) * NI * 4);
    int64_t *off = malloc(sizeof(int64_t) * (NI + 1));
    int8_t *lc = malloc(NI * LIST);
    int32_t *lw = malloc(sizeof(int32_t) * NI * LIST), *ld = malloc(sizeof(int32_t) * NI * LIST);
    uint64_t *key = malloc(sizeof(uint64_t) * NI), st = 12345;
    const double weekday[7] = {0.22, 0.22, 0.22, 0.22, 0.12, 0, 0}, q[3] = {0.05, 0.5, 0.95}, limits[4] = {3, 10, 30, 120};
    const int32_t release[4] = {2, 5, 10, 20};
    for (int i = 0; i < NI; i++) {
        double level = 10 + 200 * unif(&st);
        for (int w = 0; w < W; w++) slots[i * W + w] = (int32_t)(level * (0.8 + 0.4 * unif(&st)));
        for (int k = 0; k < 4; k++) {
            reserve[i * 4 + k] = (int32_t)(0.05 * level * unif(&st));
            lim[i * 4 + k] = limits[k];
            tg[i * 4 + k] = 0.9;
            for (int w = 0; w < W; w++) {
                double m = level * (k == 3 ? 0.5 : 0.15) * (0.7 + 0.6 * unif(&st));
                mean[(i * 4 + k) * W + w] = m;
                var[(i * 4 + k) * W + w] = m * (unif(&st) < 0.5 ? 1 : 2.5);
            }
        }
        pc[i] = 0.1 * unif(&st);
        pn[i] = 0.05 * unif(&st);
        key[i] = 900000001ull * (uint64_t)i + 3;
        off[i] = (int64_t)i * LIST;
        for (int j = 0; j < LIST; j++) {
            lc[i * LIST + j] = (int8_t)(splitmix(&st) % 4);
            lw[i * LIST + j] = (int32_t)(splitmix(&st) % 90);
            ld[i * LIST + j] = unif(&st) < 0.5 ? -1 : (int32_t)(splitmix(&st) % 60);
        }
    }
    off[NI] = (int64_t)NI * LIST;
    regia_slot_batch_t in = {.n_items = NI, .weeks = W, .book_ahead = 130, .slots_week = slots, .reserve = reserve,
                             .release_days = release, .weekday = weekday, .arr_mean = mean, .arr_var = var,
                             .p_cancel = pc, .p_noshow = pn, .limit_days = lim, .target = tg, .list_off = off,
                             .list_class = lc, .list_waited = lw, .list_day = ld, .key = key, .n_paths = NP, .n_q = 3,
                             .q = q, .seed = 31};
    const size_t n = (size_t)NI * 4 * W;
    double *buf[3][6];
    regia_slot_out_t o[3];
    for (int b = 0; b < 3; b++) {
        for (int a = 0; a < 6; a++) buf[b][a] = malloc(sizeof(double) * n * 3);
        o[b] = (regia_slot_out_t){buf[b][0], buf[b][1], buf[b][2], buf[b][3], buf[b][4], buf[b][5]};
    }
    CHECK_OK(regia_slot_sim(cpu, &in, &o[0]));
    CHECK_OK(regia_slot_sim(gpu, &in, &o[1]));
    const size_t len[6] = {n, 3 * n, n, n, n, (size_t)NI * 4};
    double worst = 0; /* shares and p_miss */
    size_t identical = 0, total = 0, nan_mismatch = 0;
    for (int a = 0; a < 6; a++)
        for (size_t j = 0; j < len[a]; j++) {
            double x = buf[0][a][j], y = buf[1][a][j];
            total++;
            if (isnan(x) || isnan(y)) { nan_mismatch += isnan(x) != isnan(y); identical += isnan(x) && isnan(y); continue; }
            identical += x == y;
            if (a == 0 || a == 2) worst = fmax(worst, fabs(x - y));
        }
    fprintf(stderr, "slot: %d items x %d paths; identical in every bit %zu of %zu; largest difference of a share "
                    "or p_miss %.3g\n", NI, NP, identical, total, worst);
    CHECK(identical >= 0.99 * total && worst <= 3.0 / NP && nan_mismatch == 0);
    setenv("REGIA_CUDA_SIM_BUDGET", "67108864", 1);
    CHECK_OK(regia_slot_sim(gpu, &in, &o[2]));
    unsetenv("REGIA_CUDA_SIM_BUDGET");
    for (int a = 0; a < 6; a++) CHECK(!memcmp(buf[1][a], buf[2][a], sizeof(double) * len[a]));
    for (int b = 0; b < 3; b++)
        for (int a = 0; a < 6; a++) free(buf[b][a]);
    free(slots); free(reserve); free(mean); free(var); free(pc); free(pn); free(lim); free(tg); free(off); free(lc);
    free(lw); free(ld); free(key);
}

/* Welch PSD and CSD (regia/welch.h) of 6 records x 4 channels: cuFFT against FFTW within
 * a relative 1e-10 (of the value, or of 1e-6 of the record's largest sqrt(P_ii P_jj) where
 * that is larger: lines that are rounding noise), under the defaults and under nfft >
 * nperseg (odd), Hamming, linear detrending and spectrum scaling. */
/* Largest relative difference of a[0..n) from the reference b (scale: the largest |b|). */
static double worst_rel(const double *a, const double *b, int64_t n)
{
    double big = 0, w = 0;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(b[i])) big = fmax(big, fabs(b[i]));
    for (int64_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(b[i])) { w = fmax(w, isnan(a[i]) != isnan(b[i]) ? INFINITY : 0); continue; }
        w = fmax(w, fabs(a[i] - b[i]) / fmax(fabs(b[i]), 1e-9 * big + 1e-300));
    }
    return w;
}

static void compare_novelty(regia_backend_t *cpu, regia_backend_t *gpu)
{
    enum { R = 900, P = 4 };
    static double f[R * P], T[R], rc[R * P], rg[R * P], dc[R], dg[R];
    static uint8_t use[R];
    uint64_t sd = 4242;
    for (int r = 0; r < R; r++) {
        T[r] = 5 + 12 * sin(6.283185307179586 * r / 144.0) + 6 * sin(6.283185307179586 * r / 700.0) + gauss(&sd);
        use[r] = r < 600;
        for (int j = 0; j < P; j++) {
            double f0 = (j + 1) * 1.7, tl = r > 0 ? T[r - 1] : T[r];
            f[r * P + j] = f0 * (1 - 0.002 * T[r] - 0.001 * tl + (T[r] < 0 ? 0.01 * (1 - exp(T[r] / 3)) : 0)) +
                           0.003 * gauss(&sd) + (j == 2 ? 0.004 * gauss(&sd) : 0) + (r > 800 && j == 1 ? -0.02 : 0);
        }
        if (r % 97 == 5) f[r * P + 1] = NAN;
    }
    double worst = 0;
    for (int k = 0; k < 6; k++) {
        regia_comp_cfg_t c;
        regia_comp_defaults(&c);
        if (k == 1) c.n_lags = 2;
        if (k == 2) c.model = REGIA_COMP_BILINEAR;
        if (k == 3) c.model = REGIA_COMP_BILINEAR, c.bilinear_step = 1, c.freeze_width = 3, c.n_lags = 1;
        if (k >= 4) c.model = REGIA_COMP_PCA, c.pca_keep = k == 5 ? 2 : 0;
        const double *t = c.model == REGIA_COMP_PCA ? NULL : T;
        regia_novelty_model_t a, b;
        CHECK_OK(regia_novelty_fit_on(cpu, f, t, R, P, use, &c, &a));
        CHECK_OK(regia_novelty_fit_on(gpu, f, t, R, P, use, &c, &b));
        CHECK(a.ncol == b.ncol && a.dim == b.dim && a.pca_q == b.pca_q && a.n_train == b.n_train);
        double w = worst_rel(&b.threshold, &a.threshold, 1);
        if (a.coef) w = fmax(w, fmax(worst_rel(b.coef, a.coef, a.ncol * P), worst_rel(b.xtx_inv, a.xtx_inv, a.ncol * a.ncol)));
        if (a.pca_v) w = fmax(w, fmax(worst_rel(b.pca_v, a.pca_v, P * P), worst_rel(b.pca_var, a.pca_var, P)));
        w = fmax(w, worst_rel(b.feat_mean, a.feat_mean, a.dim));
        w = fmax(w, worst_rel(b.feat_chol, a.feat_chol, a.dim * a.dim));
        w = fmax(w, worst_rel(b.resid_std, a.resid_std, P));
        CHECK_OK(regia_novelty_score(&a, f, T, R, rc, NULL, dc));
        CHECK_OK(regia_novelty_score(&b, f, T, R, rg, NULL, dg));
        w = fmax(w, fmax(worst_rel(rg, rc, R * P), worst_rel(dg, dc, R)));
        fprintf(stderr, "novelty_la %s (lags %d%s): largest relative difference cuda vs cpu %.3g\n",
                regia_comp_model_name(c.model), (int)c.n_lags, c.bilinear_step ? ", jump" : "", w);
        worst = fmax(worst, w);
        regia_novelty_free(&a);
        regia_novelty_free(&b);
    }
    CHECK(worst <= 1e-10);
    /* singular problems reported alike: a collinear design, a constant feature */
    {
        enum { N = 50, NC = 3 };
        double X[N * NC], Y[N], x[NC], xi[NC * NC], L[NC * NC];
        for (int i = 0; i < N; i++) X[i * NC] = 1, X[i * NC + 1] = gauss(&sd), X[i * NC + 2] = 3 * X[i * NC + 1], Y[i] = gauss(&sd);
        regia_nla_in_t in = {.kind = REGIA_NLA_LSQ, .n = N, .cols = NC, .nrhs = 1, .a = X, .b = Y};
        regia_nla_out_t oc = {.x = x, .xtx_inv = xi}, og = oc;
        CHECK_OK(regia_novelty_la(cpu, &in, &oc));
        CHECK_OK(regia_novelty_la(gpu, &in, &og));
        CHECK(oc.rank == 2 && og.rank == 2);
        for (int i = 0; i < N; i++) X[i * NC] = 0; /* column 0 constant zero: S singular */
        regia_nla_in_t ci = {.kind = REGIA_NLA_COV, .n = N, .cols = NC, .a = X, .divisor = N - 1};
        regia_nla_out_t cc = {.chol = L}, cg = {.chol = L};
        CHECK_OK(regia_novelty_la(cpu, &ci, &cc));
        CHECK_OK(regia_novelty_la(gpu, &ci, &cg));
        CHECK(cc.info > 0 && cg.info > 0);
    }
}

static void compare_welch(regia_backend_t *cpu, regia_backend_t *gpu)
{
    enum { NR = 6, NC = 4 };
    const int64_t n = 24000;
    uint64_t seed = 99;
    double *x = malloc(sizeof(double) * (size_t)(NR * NC * n));
    for (int64_t i = 0; i < NR * NC * n; i++) x[i] = gauss(&seed) + 3.0 + 1e-4 * (double)(i % n);
    for (int setting = 0; setting < 2; setting++) {
        regia_welch_cfg_t cfg;
        regia_welch_defaults(&cfg, 200.0);
        if (setting == 1) {
            cfg.nperseg = 500, cfg.noverlap = 120, cfg.nfft = 1001, cfg.window = REGIA_WIN_HAMMING;
            cfg.detrend = REGIA_DETREND_LINEAR, cfg.scaling = REGIA_SCALING_SPECTRUM;
        }
        const int64_t nf = regia_welch_nfreq(&cfg), ncsd = (int64_t)NR * nf * NC * NC * 2;
        double *pc = malloc(sizeof(double) * (size_t)(NR * NC * nf)), *pg = malloc(sizeof(double) * (size_t)(NR * NC * nf));
        double *cc = malloc(sizeof(double) * (size_t)ncsd), *cg = malloc(sizeof(double) * (size_t)ncsd);
        regia_welch_batch_t in = {.x = x, .n_rec = NR, .nch = NC, .n = n, .cfg = cfg, .kind = REGIA_WELCH_PSD};
        regia_welch_out_t oc = {.psd = pc}, og = {.psd = pg};
        CHECK_OK(regia_welch(cpu, &in, &oc));
        CHECK_OK(regia_welch(gpu, &in, &og));
        in.kind = REGIA_WELCH_CSD;
        oc.csd = cc, og.csd = cg;
        CHECK_OK(regia_welch(cpu, &in, &oc));
        CHECK_OK(regia_welch(gpu, &in, &og));
        double worst = 0;
        for (int r = 0; r < NR; r++) {
            double pmax[NC] = {0};
            for (int c = 0; c < NC; c++)
                for (int64_t f = 0; f < nf; f++) pmax[c] = fmax(pmax[c], pc[((int64_t)r * NC + c) * nf + f]);
            for (int c = 0; c < NC; c++)
                for (int64_t f = 0; f < nf; f++) {
                    const int64_t k = ((int64_t)r * NC + c) * nf + f;
                    worst = fmax(worst, fabs(pg[k] - pc[k]) / fmax(fabs(pc[k]), 1e-6 * pmax[c]));
                }
            for (int64_t f = 0; f < nf; f++)
                for (int i = 0; i < NC; i++)
                    for (int j = 0; j < NC; j++)
                        for (int q = 0; q < 2; q++) {
                            const int64_t k = ((((int64_t)r * nf + f) * NC + i) * NC + j) * 2 + q;
                            worst = fmax(worst, fabs(cg[k] - cc[k]) / fmax(fabs(cc[k]), 1e-6 * sqrt(pmax[i] * pmax[j])));
                        }
        }
        fprintf(stderr, "welch setting %d: largest relative difference cuda vs cpu %.3g\n", setting, worst);
        CHECK(worst <= 1e-10);
        /* batching across records: each record alone on the device gives the batch's bits */
        {
            const int64_t pr = nf * NC * NC * 2, pp = (int64_t)NC * nf;
            double *one = malloc(sizeof(double) * (size_t)pr), *onep = malloc(sizeof(double) * (size_t)pp);
            int differ = 0;
            for (int r = 0; r < NR; r++) {
                regia_welch_batch_t in1 = in;
                in1.x = x + (int64_t)r * NC * n;
                in1.n_rec = 1;
                regia_welch_out_t o1 = {.psd = onep, .csd = one};
                in1.kind = REGIA_WELCH_CSD;
                CHECK_OK(regia_welch(gpu, &in1, &o1));
                in1.kind = REGIA_WELCH_PSD;
                CHECK_OK(regia_welch(gpu, &in1, &o1));
                differ += memcmp(one, cg + r * pr, sizeof(double) * (size_t)pr) != 0;
                differ += memcmp(onep, pg + r * pp, sizeof(double) * (size_t)pp) != 0;
            }
            CHECK_MSG(differ == 0, "welch setting %d: %d spectra of a record alone differ from the batch's", setting, differ);
            free(one);
            free(onep);
        }
        free(pc); free(pg); free(cc); free(cg);
    }
    free(x);
}

int main(void)
{
    if (!regia_cuda_backend.available()) SKIP("no CUDA device");
    int N = 20000;
    const char *env = getenv("REGIA_EQUIV_N");
    if (env && atoi(env) > 0) N = atoi(env);
    enum { T = 730, H = 14, NL = 2 };
    const double levels[NL] = {80, 95};
    regia_backend_t cpu, gpu, aut;
    CHECK_OK(regia_backend_open(&cpu, "cpu", 0, 0));
    CHECK_OK(regia_backend_open(&gpu, "cuda", 0, 0));
    CHECK_OK(regia_backend_open(&aut, "auto", 0, 0));
    CHECK(strcmp(regia_backend_name(&aut), "cuda") == 0);
    regia_backend_close(&aut);
    char desc[160];
    regia_backend_describe(&gpu, desc, sizeof desc);
    fprintf(stderr, "device: %s\n", desc);

    /* ---- weekly set ---- */
    double *y = malloc(sizeof(double) * (size_t)N * T);
    int32_t *len = malloc(sizeof(int32_t) * N);
    if (!y || !len) { fprintf(stderr, "out of memory\n"); return 1; }
#pragma omp parallel for schedule(static)
    for (int s = 0; s < N; s++) len[s] = make_series(0, s, 7, T, y + (size_t)s * T);
    regia_ets_batch_t in = {.n_series = N, .stride = T, .y = y, .len = len, .horizon = H, .n_levels = NL,
                            .levels = levels, .spec = regia_ets_default_spec(7)};
    const int ss = 2 + 7;
    res_t c, g, g2;
    if (alloc_res(&c, N, H, NL, ss) || alloc_res(&g, N, H, NL, ss) || alloc_res(&g2, N, H, NL, ss)) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    CHECK_OK(run_ets(&cpu, &in, &c, ss));
    CHECK_OK(run_ets(&gpu, &in, &g, ss));
    regia_backend_stats_t bs;
    regia_backend_stats(&gpu, &bs);
    fprintf(stderr, "cuda ets: %d chunk(s) of %lld series, kernels %.3f s, %.3g evaluations\n", bs.chunks,
            (long long)bs.chunk_series, bs.seconds_kernel, bs.evals);
    compare_set("period 7", N, H, NL, ss, y, T, &c, &g);

    /* streamed in small chunks over both streams: the same bits */
    setenv("REGIA_CUDA_ETS_CHUNK", "3000", 1);
    regia_backend_t gpu2;
    CHECK_OK(regia_backend_open(&gpu2, "cuda", 0, 0));
    CHECK_OK(run_ets(&gpu2, &in, &g2, ss));
    regia_backend_stats(&gpu2, &bs);
    unsetenv("REGIA_CUDA_ETS_CHUNK");
    CHECK_MSG(bs.chunks == (N + 2999) / 3000, "%d chunks, expected %d", bs.chunks, (N + 2999) / 3000);
    const size_t nh = (size_t)N * H;
    CHECK(same_bits(g.fit, g2.fit, sizeof(regia_ets_fit_t) * N) && same_bits(g.mean, g2.mean, nh * sizeof(double)) &&
          same_bits(g.var, g2.var, nh * sizeof(double)) && same_bits(g.lo, g2.lo, nh * NL * sizeof(double)) &&
          same_bits(g.up, g2.up, nh * NL * sizeof(double)) && same_bits(g.st, g2.st, (size_t)N * ss * sizeof(double)));
    regia_backend_close(&gpu2);
    /* the first handle again, on a smaller batch: its buffers are kept and reused */
    in.n_series = N / 3;
    CHECK_OK(run_ets(&gpu, &in, &g2, ss));
    CHECK(same_bits(g.mean, g2.mean, (size_t)(N / 3) * H * sizeof(double)) &&
          same_bits(g.fit, g2.fit, sizeof(regia_ets_fit_t) * (size_t)(N / 3)));
    in.n_series = N;

    /* ---- exceedance, from the CPU's forecasts ---- */
    double *limit = malloc(sizeof(double) * N), *pc = malloc(sizeof(double) * nh), *pg = malloc(sizeof(double) * nh);
    for (int s = 0; s < N; s++) limit[s] = isnan(c.mean[(size_t)s * H]) ? 50 : c.mean[(size_t)s * H] * 1.1;
    regia_exceed_batch_t ex = {.n_series = N, .horizon = H, .mean = c.mean, .var = c.var, .limit = limit};
    CHECK_OK(regia_exceed(&cpu, &ex, pc));
    CHECK_OK(regia_exceed(&gpu, &ex, pg));
    double worst_p = 0;
    int nan_mismatch = 0;
    for (size_t i = 0; i < nh; i++) {
        if (isnan(pc[i]) || isnan(pg[i])) { nan_mismatch += isnan(pc[i]) != isnan(pg[i]); continue; }
        worst_p = fmax(worst_p, fabs(pc[i] - pg[i]));
    }
    fprintf(stderr, "exceed: largest difference %.3g\n", worst_p);
    CHECK(worst_p <= 1e-12 && nan_mismatch == 0);

    /* ---- Monte Carlo breach, from the CPU's fits and states ---- */
    const int paths = 1000;
    uint64_t *key = malloc(sizeof(uint64_t) * N);
    int32_t *days = malloc(sizeof(int32_t) * N), *seen = malloc(sizeof(int32_t) * N), *allowed = malloc(sizeof(int32_t) * N);
    double *bpc = malloc(sizeof(double) * N), *bec = malloc(sizeof(double) * N), *bpg = malloc(sizeof(double) * N),
           *beg = malloc(sizeof(double) * N);
    for (int s = 0; s < N; s++) {
        key[s] = 1000000007ull * (uint64_t)s + 17;
        days[s] = 30 + s % 300;
        seen[s] = s % 20;
        allowed[s] = 35;
        limit[s] = isnan(c.mean[(size_t)s * H]) ? 50 : c.mean[(size_t)s * H] + 0.5 * sqrt(c.var[(size_t)s * H]);
    }
    regia_breach_batch_t br = {.n_series = N, .fit = c.fit, .state = c.st, .state_stride = ss, .period = 7,
                               .key = key, .days_left = days, .count_so_far = seen, .limit = limit,
                               .allowed = allowed, .n_paths = paths, .seed = 20260101};
    regia_breach_out_t oc = {bpc, bec, NULL, NULL}, og = {bpg, beg, NULL, NULL};
    CHECK_OK(regia_breach(&cpu, &br, &oc));
    CHECK_OK(regia_breach(&gpu, &br, &og));
    int differ_p = 0, differ_e = 0, beyond = 0;
    for (int s = 0; s < N; s++) {
        if (isnan(bpc[s]) || isnan(bpg[s])) { beyond += isnan(bpc[s]) != isnan(bpg[s]); continue; }
        double dp = fabs(bpc[s] - bpg[s]), de = fabs(bec[s] - beg[s]);
        differ_p += dp != 0;
        differ_e += de != 0;
        if (dp > 1.0 / paths + 1e-15 || de > 2.0 / paths + 1e-12) {
            if (beyond < 5) fprintf(stderr, "breach: series %d: p %.6f vs %.6f, E %.6f vs %.6f\n", s, bpc[s], bpg[s], bec[s], beg[s]);
            beyond++;
        }
    }
    fprintf(stderr, "breach: %d paths; p_breach differs on %d series, expected count on %d; beyond 1/n_paths: %d\n",
            paths, differ_p, differ_e, beyond);
    CHECK(beyond == 0);
    /* the run statistics on the same paths: p_trigger within 1/n_paths (a path whose
     * rounding puts one day on the other side of the limit), medians on almost every day */
    {
        int32_t *run0 = malloc(sizeof(int32_t) * N);
        double *mc = malloc(sizeof(double) * (size_t)N * H), *mg = malloc(sizeof(double) * (size_t)N * H);
        double *tc = malloc(sizeof(double) * N), *tg = malloc(sizeof(double) * N);
        for (int s = 0; s < N; s++) run0[s] = s % 6;
        regia_breach_batch_t brr = br;
        brr.run_days = H;
        brr.run_so_far = run0;
        brr.trigger_days = 4;
        regia_breach_out_t rc = {bpc, bec, mc, tc}, rg = {bpg, beg, mg, tg};
        CHECK_OK(regia_breach(&cpu, &brr, &rc));
        CHECK_OK(regia_breach(&gpu, &brr, &rg));
        int far = 0, med_differ = 0, cells = 0;
        for (int s = 0; s < N; s++) {
            if (isnan(tc[s]) || isnan(tg[s])) { far += isnan(tc[s]) != isnan(tg[s]); continue; }
            far += fabs(tc[s] - tg[s]) > 1.0 / paths + 1e-15;
            for (int h = 0; h < H; h++, cells++) med_differ += mc[(size_t)s * H + h] != mg[(size_t)s * H + h];
        }
        fprintf(stderr, "breach runs: p_trigger beyond 1/n_paths on %d series; medians differ on %d of %d days\n", far,
                med_differ, cells);
        CHECK(far == 0 && med_differ * 100 <= cells);
        free(run0); free(mc); free(mg); free(tc); free(tg);
    }

    /* ---- periods 52 and 366 ---- */
    const int T2 = 1100, periods[2] = {52, 366}, counts[2] = {400, 60};
    for (int k = 0; k < 2; k++) {
        const int m = periods[k], n2 = counts[k], ss2 = 2 + m;
        double *y2 = malloc(sizeof(double) * (size_t)n2 * T2);
        int32_t *len2 = malloc(sizeof(int32_t) * n2);
#pragma omp parallel for schedule(static)
        for (int s = 0; s < n2; s++) len2[s] = make_series(1 + k, s, m, T2, y2 + (size_t)s * T2);
        regia_ets_batch_t in2 = {.n_series = n2, .stride = T2, .y = y2, .len = len2, .horizon = H, .n_levels = NL,
                                 .levels = levels, .spec = regia_ets_default_spec(m)};
        res_t c2, gg2;
        alloc_res(&c2, n2, H, NL, ss2);
        alloc_res(&gg2, n2, H, NL, ss2);
        CHECK_OK(run_ets(&cpu, &in2, &c2, ss2));
        CHECK_OK(run_ets(&gpu, &in2, &gg2, ss2));
        char tag[32];
        snprintf(tag, sizeof tag, "period %d", m);
        compare_set(tag, n2, H, NL, ss2, y2, T2, &c2, &gg2);
        free_res(&c2);
        free_res(&gg2);
        free(y2);
        free(len2);
    }

    compare_queue(&cpu, &gpu);
    compare_slot(&cpu, &gpu);
    compare_welch(&cpu, &gpu);
    compare_novelty(&cpu, &gpu);

    regia_backend_close(&cpu);
    regia_backend_close(&gpu);
    free_res(&c); free_res(&g); free_res(&g2);
    free(y); free(len); free(limit); free(pc); free(pg); free(key); free(days); free(seen); free(allowed);
    free(bpc); free(bec); free(bpg); free(beg);
    return check_done();
}

#else

int main(void) { SKIP("no CUDA device (this regia was built without the CUDA backend)"); }

#endif
