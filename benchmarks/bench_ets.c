/* bench_ets - time regia's ETS op (automatic model selection, fit + forecast with
 * intervals) on a CSV of series, validate every result, write the forecasts.
 *
 *   bench_ets --csv SERIES.csv [--n 200] [--horizon 14] [--period 7] [--backend cpu]
 *             [--threads 1] [--reps 3] [--out FORECASTS.csv] [--timing TIMING.json]
 *             [--model auto] [--fits FITS.csv]
 *
 * --model fixes the model (an ETS code such as MAM or AAdA; default auto, R's candidate
 * set by AICc); --fits writes, per series, the fitted model, -2 log L on R's scale, AICc,
 * k and the smoothing parameters (ets_compare_selection.py uses both).
 *
 * SERIES.csv: a header line, then one row per series: id, then the observations; the
 * last `horizon` values of each row are held back (not given to regia) and used to
 * score the forecasts (MASE with the in-sample seasonal naive scale, sMAPE).
 *
 * The op runs `reps` times on the whole batch; the time reported is the median, and
 * every repetition must give bit-identical results.  Validation (exit 1 on any
 * failure): the op returns OK; as many series as asked; every fit ok with a valid
 * model code that R's ets() with restrict = TRUE would consider (error A|M, trend
 * N|A|Ad, season N|A|M, no additive error with a multiplicative season, no
 * multiplicative trend), parameters inside R's bounds; finite forecasts, variances
 * > 0, and nested intervals lo95 <= lo80 <= mean <= hi80 <= hi95.
 * Exit status: 0 valid, 1 a wrong result, 2 usage or input error.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regia/kernels.h"

#define MAX_ERRORS_SHOWN 20

typedef struct {
    int n;          /* series read                               */
    int n_cols;     /* observations per series                   */
    char **ids;
    double *y;      /* n * n_cols                                */
} series_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_ets --csv SERIES.csv [--n N] [--horizon H] [--period M] "
                    "[--backend cpu] [--threads T] [--reps R] [--out FORECASTS.csv] "
                    "[--timing TIMING.json] [--model auto|CODE] [--fits FITS.csv]\n");
}

/* Read up to max_n rows of "id,v1,...,vK" after a header line.  Returns 0 or -1. */
static int read_csv(const char *path, int max_n, series_t *S)
{
    memset(S, 0, sizeof *S);
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "bench_ets: cannot open %s: %s\n", path, strerror(errno)); return -1; }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len = getline(&line, &cap, f);
    if (len <= 0) { fprintf(stderr, "bench_ets: %s is empty\n", path); goto err; }
    int cols = 0;
    for (char *p = line; *p; p++) cols += (*p == ',');
    if (cols < 2) { fprintf(stderr, "bench_ets: %s: header has no value columns\n", path); goto err; }
    S->n_cols = cols;
    S->ids = calloc((size_t)max_n, sizeof *S->ids);
    S->y = malloc((size_t)max_n * (size_t)cols * sizeof *S->y);
    if (!S->ids || !S->y) { fprintf(stderr, "bench_ets: out of memory\n"); goto err; }
    int lineno = 1;
    while (S->n < max_n && (len = getline(&line, &cap, f)) > 0) {
        lineno++;
        char *save = NULL, *tok = strtok_r(line, ",\r\n", &save);
        if (!tok) continue;
        S->ids[S->n] = strdup(tok);
        for (int j = 0; j < cols; j++) {
            tok = strtok_r(NULL, ",\r\n", &save);
            char *end = NULL;
            double v = tok ? strtod(tok, &end) : NAN;
            if (!tok || end == tok) {
                fprintf(stderr, "bench_ets: %s:%d: column %d is not a number\n", path, lineno, j + 2);
                goto err;
            }
            S->y[(size_t)S->n * (size_t)cols + (size_t)j] = v;
        }
        S->n++;
    }
    free(line);
    fclose(f);
    return 0;
err:
    free(line);
    fclose(f);
    return -1;
}

/* Independent check of a model against R's default candidate set (restrict = TRUE,
 * allow.multiplicative.trend = FALSE) for a seasonal period m > 1. */
static const char *model_problem(regia_ets_model_t m)
{
    if (m.error != REGIA_ETS_ADD && m.error != REGIA_ETS_MULT) return "error component not A or M";
    if (m.trend != REGIA_ETS_NONE && m.trend != REGIA_ETS_ADD && m.trend != REGIA_ETS_MULT)
        return "trend component not N, A or M";
    if (m.season != REGIA_ETS_NONE && m.season != REGIA_ETS_ADD && m.season != REGIA_ETS_MULT)
        return "season component not N, A or M";
    if (m.damped != 0 && m.damped != 1) return "damped flag not 0 or 1";
    if (m.damped && m.trend == REGIA_ETS_NONE) return "damped without a trend";
    if (m.trend == REGIA_ETS_MULT) return "multiplicative trend (not allowed by default)";
    if (m.error == REGIA_ETS_ADD && m.season == REGIA_ETS_MULT)
        return "additive error with multiplicative season (restricted)";
    return NULL;
}

static void own_code(regia_ets_model_t m, char buf[5])
{
    static const char c[] = "NAM";
    int k = 0;
    buf[k++] = c[m.error % 3];
    buf[k++] = c[m.trend % 3];
    if (m.damped) buf[k++] = 'd';
    buf[k++] = c[m.season % 3];
    buf[k] = '\0';
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    regia_ets_fit_t *fit;
    double *mean, *var, *lower, *upper, *state;
} result_t;

static int alloc_result(result_t *r, int n, int h, int nl, int ss)
{
    r->fit = calloc((size_t)n, sizeof *r->fit);
    r->mean = malloc((size_t)n * (size_t)h * sizeof(double));
    r->var = malloc((size_t)n * (size_t)h * sizeof(double));
    r->lower = malloc((size_t)n * (size_t)nl * (size_t)h * sizeof(double));
    r->upper = malloc((size_t)n * (size_t)nl * (size_t)h * sizeof(double));
    r->state = malloc((size_t)n * (size_t)ss * sizeof(double));
    return (r->fit && r->mean && r->var && r->lower && r->upper && r->state) ? 0 : -1;
}

static void free_result(result_t *r)
{
    free(r->fit); free(r->mean); free(r->var); free(r->lower); free(r->upper); free(r->state);
}

static int same_bits(const void *a, const void *b, size_t bytes) { return memcmp(a, b, bytes) == 0; }

int main(int argc, char **argv)
{
    const char *csv = NULL, *out_path = NULL, *timing_path = NULL, *backend = "cpu", *model = "auto";
    const char *fits_path = NULL;
    int n_want = 200, h = 14, period = 7, threads = 1, reps = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) { usage(); return 2; }
        if (!strcmp(a, "--csv")) csv = v;
        else if (!strcmp(a, "--n")) n_want = atoi(v);
        else if (!strcmp(a, "--horizon")) h = atoi(v);
        else if (!strcmp(a, "--period")) period = atoi(v);
        else if (!strcmp(a, "--backend")) backend = v;
        else if (!strcmp(a, "--threads")) threads = atoi(v);
        else if (!strcmp(a, "--reps")) reps = atoi(v);
        else if (!strcmp(a, "--out")) out_path = v;
        else if (!strcmp(a, "--timing")) timing_path = v;
        else if (!strcmp(a, "--model")) model = v;
        else if (!strcmp(a, "--fits")) fits_path = v;
        else { usage(); return 2; }
        i++;
    }
    if (!csv || n_want < 1 || h < 1 || period < 2 || reps < 1) { usage(); return 2; }

    series_t S;
    if (read_csv(csv, n_want, &S) != 0) return 2;
    int bad = 0;
    if (S.n < n_want) {
        fprintf(stderr, "bench_ets: WRONG: %s has %d series, %d asked\n", csv, S.n, n_want);
        return 1;
    }
    const int n = n_want, n_train = S.n_cols - h;
    if (n_train < 2 * period + 2) { fprintf(stderr, "bench_ets: series too short\n"); return 2; }

    /* Training part only, series-major with stride n_train. */
    double *y = malloc((size_t)n * (size_t)n_train * sizeof *y);
    int32_t *len = malloc((size_t)n * sizeof *len);
    if (!y || !len) { fprintf(stderr, "bench_ets: out of memory\n"); return 2; }
    for (int s = 0; s < n; s++) {
        memcpy(y + (size_t)s * (size_t)n_train, S.y + (size_t)s * (size_t)S.n_cols,
               (size_t)n_train * sizeof *y);
        len[s] = n_train;
    }
    static const double levels[2] = {80.0, 95.0};
    const int nl = 2, ss = 2 + period;
    regia_ets_batch_t in = {
        .n_series = n, .stride = n_train, .y = y, .len = len, .horizon = h,
        .n_levels = nl, .levels = levels, .spec = regia_ets_default_spec(period),
    };
    if (regia_ets_parse_model(model, &in.spec) != REGIA_OK) {
        fprintf(stderr, "bench_ets: --model: %s\n", regia_error_msg());
        return 2;
    }

    regia_backend_t be;
    if (regia_backend_open(&be, backend, 0, threads) != REGIA_OK) {
        fprintf(stderr, "bench_ets: opening backend %s: %s\n", backend, regia_error_msg());
        return 2;
    }
    char desc[128];
    regia_backend_describe(&be, desc, sizeof desc);

    result_t R[2];
    if (alloc_result(&R[0], n, h, nl, ss) || alloc_result(&R[1], n, h, nl, ss)) {
        fprintf(stderr, "bench_ets: out of memory\n");
        return 2;
    }
    double *times = malloc((size_t)reps * sizeof *times);
    for (int r = 0; r < reps; r++) {
        result_t *o = &R[r == 0 ? 0 : 1];
        regia_ets_out_t out = {.fit = o->fit, .mean = o->mean, .var = o->var, .lower = o->lower,
                               .upper = o->upper, .state = o->state, .state_stride = ss};
        double t0 = now_s();
        regia_status_t st = regia_ets(&be, &in, &out);
        times[r] = now_s() - t0;
        if (st != REGIA_OK) {
            fprintf(stderr, "bench_ets: WRONG: regia_ets failed (%s): %s [%s]\n",
                    regia_status_str(st), regia_error_msg(), regia_error_where());
            return 1;
        }
        if (r > 0) {
            size_t nh = (size_t)n * (size_t)h, nlh = nh * (size_t)nl;
            if (!same_bits(R[0].mean, R[1].mean, nh * sizeof(double)) ||
                !same_bits(R[0].var, R[1].var, nh * sizeof(double)) ||
                !same_bits(R[0].lower, R[1].lower, nlh * sizeof(double)) ||
                !same_bits(R[0].upper, R[1].upper, nlh * sizeof(double))) {
                fprintf(stderr, "bench_ets: WRONG: repetition %d gave different forecasts\n", r + 1);
                bad++;
            }
            for (int s = 0; s < n; s++)
                if (memcmp(&R[0].fit[s].model, &R[1].fit[s].model, sizeof(regia_ets_model_t))) {
                    fprintf(stderr, "bench_ets: WRONG: repetition %d chose another model for %s\n",
                            r + 1, S.ids[s]);
                    bad++;
                    break;
                }
        }
    }
    regia_backend_close(&be);
    double *sorted = malloc((size_t)reps * sizeof *sorted);
    memcpy(sorted, times, (size_t)reps * sizeof *sorted);
    qsort(sorted, (size_t)reps, sizeof *sorted, cmp_double);
    const double t_med = sorted[reps / 2], t_min = sorted[0];

    /* ---- validation and scoring ---- */
    const result_t *o = &R[0];
    double sum_mase = 0, sum_smape = 0;
    int count_models[64] = {0};
    int shown = 0;
#define WRONG(...)                                                                      \
    do {                                                                                \
        bad++;                                                                          \
        if (shown++ < MAX_ERRORS_SHOWN) {                                               \
            fprintf(stderr, "bench_ets: WRONG: series %s: ", S.ids[s]);                 \
            fprintf(stderr, __VA_ARGS__);                                               \
            fputc('\n', stderr);                                                        \
        }                                                                               \
    } while (0)
    const double eps = 1e-9;
    for (int s = 0; s < n; s++) {
        const regia_ets_fit_t *f = &o->fit[s];
        if (!f->ok) { WRONG("fit.ok = 0"); continue; }
        const char *why = model_problem(f->model);
        if (why) { WRONG("invalid model: %s", why); continue; }
        char code[8], mine[5];
        regia_ets_model_code(f->model, code);
        own_code(f->model, mine);
        if (strcmp(code, mine)) WRONG("regia_ets_model_code says %s, components say %s", code, mine);
        if (f->n_obs != n_train) WRONG("n_obs %d, expected %d", f->n_obs, n_train);
        if (!(f->alpha >= 1e-4 - eps && f->alpha <= 0.9999 + eps)) WRONG("alpha %g out of bounds", f->alpha);
        if (f->model.trend) {
            if (!(f->beta >= 1e-4 - eps && f->beta <= f->alpha + eps)) WRONG("beta %g out of [1e-4, alpha]", f->beta);
        }
        if (f->model.season) {
            if (!(f->gamma >= 1e-4 - eps && f->gamma <= 1 - f->alpha + eps))
                WRONG("gamma %g out of [1e-4, 1 - alpha]", f->gamma);
        }
        if (f->model.damped && !(f->phi >= 0.8 - eps && f->phi <= 0.98 + eps)) WRONG("phi %g out of [0.8, 0.98]", f->phi);
        if (!isfinite(f->aicc) || !isfinite(f->loglik) || !(f->sigma2 > 0) || !isfinite(f->sigma2))
            WRONG("non-finite aicc/loglik/sigma2 (%g, %g, %g)", f->aicc, f->loglik, f->sigma2);
        count_models[(f->model.error * 3 + f->model.trend) * 3 + f->model.season + 27 * f->model.damped]++;

        const double *mu = o->mean + (size_t)s * (size_t)h, *va = o->var + (size_t)s * (size_t)h;
        const double *lo80 = o->lower + ((size_t)s * nl + 0) * (size_t)h;
        const double *lo95 = o->lower + ((size_t)s * nl + 1) * (size_t)h;
        const double *hi80 = o->upper + ((size_t)s * nl + 0) * (size_t)h;
        const double *hi95 = o->upper + ((size_t)s * nl + 1) * (size_t)h;
        int ok = 1;
        for (int k = 0; k < h && ok; k++) {
            if (!isfinite(mu[k]) || !isfinite(lo80[k]) || !isfinite(hi80[k]) || !isfinite(lo95[k]) ||
                !isfinite(hi95[k])) { WRONG("non-finite forecast or interval at h=%d", k + 1); ok = 0; }
            else if (!(va[k] > 0) || !isfinite(va[k])) { WRONG("forecast variance %g at h=%d", va[k], k + 1); ok = 0; }
            else if (!(lo95[k] <= lo80[k] && lo80[k] <= mu[k] && mu[k] <= hi80[k] && hi80[k] <= hi95[k]) ||
                     !(lo95[k] < hi95[k])) {
                WRONG("intervals do not bracket at h=%d: %g %g [%g] %g %g", k + 1, lo95[k], lo80[k], mu[k],
                      hi80[k], hi95[k]);
                ok = 0;
            }
        }
        /* scores on the held-back part */
        const double *yt = S.y + (size_t)s * (size_t)S.n_cols;
        double scale = 0;
        for (int t = period; t < n_train; t++) scale += fabs(yt[t] - yt[t - period]);
        scale /= (double)(n_train - period);
        double ae = 0, sm = 0;
        for (int k = 0; k < h; k++) {
            double a = yt[n_train + k], p = mu[k];
            ae += fabs(a - p);
            sm += 200.0 * fabs(a - p) / (fabs(a) + fabs(p));
        }
        sum_mase += ae / (double)h / scale;
        sum_smape += sm / (double)h;
    }
    const double rate = (double)n / t_med;
    printf("bench_ets: %s, %d series x %d obs, horizon %d, levels 80/95, spec %s (m=%d)\n", desc, n,
           n_train, h, model, period);
    printf("bench_ets: time %.4f s median of %d (min %.4f s) -> %.1f series/s\n", t_med, reps, t_min, rate);
    printf("bench_ets: mean MASE %.4f, mean sMAPE %.3f %%\n", sum_mase / n, sum_smape / n);
    printf("bench_ets: models chosen:");
    for (int i = 0; i < 64; i++)
        if (count_models[i]) {
            regia_ets_model_t m = {.error = (int8_t)((i % 27) / 9), .trend = (int8_t)((i % 9) / 3),
                                   .season = (int8_t)(i % 3), .damped = (int8_t)(i / 27)};
            char c[5];
            own_code(m, c);
            printf(" %s=%d", c, count_models[i]);
        }
    printf("\n");

    if (out_path) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
        FILE *f = fopen(tmp, "w");
        if (!f) { fprintf(stderr, "bench_ets: cannot write %s: %s\n", tmp, strerror(errno)); return 2; }
        fprintf(f, "id,model");
        const char *names[5] = {"mean", "lo80", "hi80", "lo95", "hi95"};
        for (int q = 0; q < 5; q++)
            for (int k = 0; k < h; k++) fprintf(f, ",%s_%d", names[q], k + 1);
        fputc('\n', f);
        for (int s = 0; s < n; s++) {
            char code[8] = "none";
            if (o->fit[s].ok) regia_ets_model_code(o->fit[s].model, code);
            fprintf(f, "%s,%s", S.ids[s], code);
            const double *cols[5] = {o->mean + (size_t)s * h, o->lower + ((size_t)s * nl + 0) * h,
                                     o->upper + ((size_t)s * nl + 0) * h, o->lower + ((size_t)s * nl + 1) * h,
                                     o->upper + ((size_t)s * nl + 1) * h};
            for (int q = 0; q < 5; q++)
                for (int k = 0; k < h; k++) fprintf(f, ",%.10g", cols[q][k]);
            fputc('\n', f);
        }
        if (fclose(f) != 0 || rename(tmp, out_path) != 0) {
            fprintf(stderr, "bench_ets: cannot write %s\n", out_path);
            return 2;
        }
    }
    if (fits_path) {
        FILE *f = fopen(fits_path, "w");
        if (!f) { fprintf(stderr, "bench_ets: cannot write %s: %s\n", fits_path, strerror(errno)); return 2; }
        fprintf(f, "id,model,neg2loglik,aicc,k,alpha,beta,gamma,phi\n");
        for (int s = 0; s < n; s++) {
            const regia_ets_fit_t *q = &o->fit[s];
            char code[8] = "none";
            if (q->ok) regia_ets_model_code(q->model, code);
            fprintf(f, "%s,%s,%.8f,%.8f,%d,%.10g,%.10g,%.10g,%.10g\n", S.ids[s], code, -2 * q->loglik, q->aicc,
                    q->n_params, q->alpha, q->beta, q->gamma, q->phi);
        }
        fclose(f);
    }
    if (timing_path) {
        FILE *f = fopen(timing_path, "w");
        if (!f) { fprintf(stderr, "bench_ets: cannot write %s\n", timing_path); return 2; }
        fprintf(f, "{\"tool\": \"regia cpu ets\", \"n_series\": %d, \"seconds\": %.6f, \"seconds_min\": %.6f, "
                   "\"reps\": %d, \"backend\": \"%s\", \"threads\": %d, \"git_rev\": \"%s\", "
                   "\"version\": \"%s\", \"valid\": %s, \"problems\": %d}\n",
                n, t_med, t_min, reps, desc, threads, REGIA_GIT_REV, REGIA_VERSION, bad ? "false" : "true", bad);
        fclose(f);
    }
    if (bad) {
        fprintf(stderr, "bench_ets: FAILED validation: %d problem(s)\n", bad);
        return 1;
    }
    printf("bench_ets: all %d results valid\n", n);
    free_result(&R[0]); free_result(&R[1]);
    free(times); free(sorted); free(y); free(len);
    for (int s = 0; s < S.n; s++) free(S.ids[s]);
    free(S.ids); free(S.y);
    return 0;
}
