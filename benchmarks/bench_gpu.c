/* bench_gpu - the CUDA backend on 10^4, 10^5 and 10^6 daily series: automatic ETS model
 * selection, fit, 14-day forecast with 80/95 % intervals, then the exceedance and annual
 * breach ops; the CPU backend on a subsample of the same series for the ratio and the
 * agreement.  Writes benchmarks/results/ets_gpu_<date>_<device>.{md,json}.
 *
 *   bench_gpu [--sizes 10000,100000,1000000] [--cpu-sample 2000] [--threads 0]
 *             [--paths 1000] [--horizon 14] [--target 10] [--out-dir benchmarks/results]
 *             [--backend cuda]
 *
 * --backend cpu runs the whole procedure with the CPU backend in the GPU's place (a dry
 * run of this program on a machine without a GPU; its numbers mean nothing).
 *
 * Series: generated on the host, deterministic (series s depends only on s), so the
 * 10^4 and 10^5 sets are the first series of the 10^6 one: 730 days of an air-quality-
 * like daily mean (level, weekly and yearly cycles, AR(1) noise, multiplicative, a slow
 * trend on some, a few missing days on 10 %), all positive and long enough to fit.
 * Generation is timed apart and not counted: the data would come from files.  Each size
 * is one call of each op; the CUDA backend streams the series through the device in
 * chunks (kernels/cuda/ets.cu).
 *
 * Reported per size: wall time of each op and series/s; the ETS op's stages summed over
 * its chunks (host-to-device copies, kernels, device-to-host copies, host packing; they
 * overlap); the bandwidth with which the fit streams the series from device memory
 * (8 bytes x values read by the objective evaluations / the ETS op's wall time, a lower
 * bound of its device-memory traffic) against the device's theoretical bandwidth
 * (2 x memory clock x bus width); the CPU backend's time extrapolated from the
 * subsample (all cores, time x N / sample: an extrapolation, stated as such) and the
 * ratio.  Target from the issue: 10^6 series in <= --target seconds (ETS op, transfers
 * included; risk ops reported beside it).
 *
 * Validation (exit 1 when anything fails): every op returns OK; every fit ok, a model of
 * R's default candidate set, finite forecasts, variances > 0, nested intervals
 * lo95 <= lo80 <= mean <= hi80 <= hi95; probabilities in [0, 1], expected counts >= the
 * count so far; on the subsample, the CPU and the GPU agree as tests/unit/
 * test_k_backend_equiv.c asks (same model >= 99.9 %, 1e-6 relative where the model
 * agrees, exceedance 1e-12, breach 1/n_paths).  No GPU visible (or a build without CUDA):
 * a results file saying device: none, exit 0.  Exit 2: usage or allocation failure.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "regia/kernels.h"

#ifdef REGIA_USE_CUDA
#include <cuda_runtime_api.h>
#endif

enum { T = 730, MAX_SIZES = 8, NL = 2 };
static const double LEVELS[NL] = {80.0, 95.0};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_gpu [--sizes 10000,100000,1000000] [--cpu-sample 2000] [--threads 0] "
                    "[--paths 1000] [--horizon 14] [--target 10] [--out-dir benchmarks/results] [--backend cuda]\n");
}

/* ---- data ------------------------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0; }
static double gauss(uint64_t *s) { return sqrt(-2 * log(unif(s))) * cos(6.283185307179586 * unif(s)); }

static void make_series(int64_t s, double *y)
{
    uint64_t st = 0xbe9c4a11ull ^ ((uint64_t)s * 0x9E3779B97F4A7C15ull);
    double level = 10 + 60 * unif(&st), week = 0.05 + 0.25 * unif(&st), year = 0.1 + 0.4 * unif(&st);
    double trend = unif(&st) < 0.3 ? (unif(&st) - 0.5) * 0.001 : 0, rho = 0.4 + 0.5 * unif(&st);
    double sd = 0.08 + 0.2 * unif(&st), phase = 6.283185307179586 * unif(&st), ar = 0;
    int gaps = unif(&st) < 0.10;
    for (int t = 0; t < T; t++) {
        ar = rho * ar + sd * sqrt(1 - rho * rho) * gauss(&st);
        double wk = (t % 7 >= 5) ? -week : week * 0.4;
        double v = level * exp(wk + year * cos(6.283185307179586 * t / 365.25 + phase) + ar + trend * t);
        if (gaps && unif(&st) < 0.02) v = NAN;
        y[t] = v;
    }
}

/* ---- results ------------------------------------------------------------------------- */

typedef struct {
    regia_ets_fit_t *fit;
    double *mean, *var, *lo, *up, *st;
    double *p_exceed, *p_breach, *e_breach;
} res_t;

static int alloc_res(res_t *r, size_t n, int h, int ss)
{
    memset(r, 0, sizeof *r);
    r->fit = calloc(n, sizeof *r->fit);
    r->mean = malloc(n * h * sizeof(double));
    r->var = malloc(n * h * sizeof(double));
    r->lo = malloc(n * h * NL * sizeof(double));
    r->up = malloc(n * h * NL * sizeof(double));
    r->st = malloc(n * ss * sizeof(double));
    r->p_exceed = malloc(n * h * sizeof(double));
    r->p_breach = malloc(n * sizeof(double));
    r->e_breach = malloc(n * sizeof(double));
    return r->fit && r->mean && r->var && r->lo && r->up && r->st && r->p_exceed && r->p_breach && r->e_breach ? 0 : -1;
}

static void free_res(res_t *r)
{
    free(r->fit); free(r->mean); free(r->var); free(r->lo); free(r->up); free(r->st);
    free(r->p_exceed); free(r->p_breach); free(r->e_breach);
}

typedef struct {
    const double *y;
    int32_t *len;
    double *limit;
    uint64_t *key;
    int32_t *days, *seen, *allowed;
    int h, ss, paths;
} inputs_t;

typedef struct {
    double t_ets, t_exceed, t_breach;
    regia_backend_stats_t st;
} times_t;

/* ETS, exceedance and breach on series [0, n) with backend be. */
static int run_all(regia_backend_t *be, const inputs_t *in, int n, res_t *r, times_t *tm)
{
    regia_ets_batch_t b = {.n_series = n, .stride = T, .y = in->y, .len = in->len, .horizon = in->h,
                           .n_levels = NL, .levels = LEVELS, .spec = regia_ets_default_spec(7)};
    regia_ets_out_t o = {r->fit, r->mean, r->var, r->lo, r->up, r->st, in->ss};
    double t0 = now_s();
    regia_status_t st = regia_ets(be, &b, &o);
    tm->t_ets = now_s() - t0;
    regia_backend_stats(be, &tm->st);
    if (st != REGIA_OK) {
        fprintf(stderr, "bench_gpu: WRONG: %s ets failed: %s\n", regia_backend_name(be), regia_error_msg());
        return -1;
    }
    regia_exceed_batch_t ex = {.n_series = n, .horizon = in->h, .mean = r->mean, .var = r->var, .limit = in->limit};
    t0 = now_s();
    st = regia_exceed(be, &ex, r->p_exceed);
    tm->t_exceed = now_s() - t0;
    if (st != REGIA_OK) {
        fprintf(stderr, "bench_gpu: WRONG: %s exceed failed: %s\n", regia_backend_name(be), regia_error_msg());
        return -1;
    }
    regia_breach_batch_t br = {.n_series = n, .fit = r->fit, .state = r->st, .state_stride = in->ss, .period = 7,
                               .key = in->key, .days_left = in->days, .count_so_far = in->seen, .limit = in->limit,
                               .allowed = in->allowed, .n_paths = in->paths, .seed = 20261124};
    regia_breach_out_t bo = {r->p_breach, r->e_breach, NULL, NULL};
    t0 = now_s();
    st = regia_breach(be, &br, &bo);
    tm->t_breach = now_s() - t0;
    if (st != REGIA_OK) {
        fprintf(stderr, "bench_gpu: WRONG: %s breach failed: %s\n", regia_backend_name(be), regia_error_msg());
        return -1;
    }
    return 0;
}

/* Validity of every result of series [0, n); returns the problems found. */
static long validate(const res_t *r, const inputs_t *in, int n, int *model_count)
{
    long bad = 0, shown = 0;
    const int h = in->h;
#define WRONG(...)                                                                        \
    do {                                                                                  \
        if (shown++ < 10) { fprintf(stderr, "bench_gpu: WRONG: series %d: ", s); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
        bad++;                                                                            \
    } while (0)
    for (int s = 0; s < n; s++) {
        const regia_ets_fit_t *f = &r->fit[s];
        if (!f->ok) { WRONG("fit not ok"); continue; }
        const regia_ets_model_t m = f->model;
        if (m.error < 1 || m.error > 2 || m.trend < 0 || m.trend > 1 || m.season < 0 || m.season > 2 ||
            (m.damped && !m.trend) || (m.error == REGIA_ETS_ADD && m.season == REGIA_ETS_MULT)) {
            WRONG("model outside R's default candidate set (%d %d %d %d)", m.error, m.trend, m.season, m.damped);
            continue;
        }
        model_count[(m.error * 3 + m.trend) * 3 + m.season + 27 * m.damped]++;
        const double *mu = r->mean + (size_t)s * h, *va = r->var + (size_t)s * h;
        const double *lo80 = r->lo + ((size_t)s * NL) * h, *lo95 = lo80 + h;
        const double *hi80 = r->up + ((size_t)s * NL) * h, *hi95 = hi80 + h;
        for (int k = 0; k < h; k++) {
            if (!isfinite(mu[k]) || !isfinite(lo80[k]) || !isfinite(hi80[k]) || !isfinite(lo95[k]) || !isfinite(hi95[k])) {
                WRONG("non-finite forecast or bound at h=%d", k + 1);
                break;
            }
            if (!(va[k] > 0) || !isfinite(va[k])) { WRONG("variance %g at h=%d", va[k], k + 1); break; }
            if (!(lo95[k] <= lo80[k] && lo80[k] <= mu[k] && mu[k] <= hi80[k] && hi80[k] <= hi95[k] && lo95[k] < hi95[k])) {
                WRONG("intervals not nested at h=%d", k + 1);
                break;
            }
            double p = r->p_exceed[(size_t)s * h + k];
            if (!(p >= 0 && p <= 1)) { WRONG("exceedance probability %g at h=%d", p, k + 1); break; }
        }
        if (!(r->p_breach[s] >= 0 && r->p_breach[s] <= 1) || !(r->e_breach[s] >= in->seen[s]))
            WRONG("breach p %g, expected count %g (count so far %d)", r->p_breach[s], r->e_breach[s], in->seen[s]);
    }
#undef WRONG
    return bad;
}

/* CPU (c) against GPU (g) on series [0, n), the tolerances of test_k_backend_equiv. */
typedef struct {
    int same_model, outside, identical, breach_beyond, breach_differ;
    double worst_rel, worst_exceed;
} agree_t;

static agree_t agreement(const res_t *c, const res_t *g, const inputs_t *in, int n)
{
    agree_t a;
    memset(&a, 0, sizeof a);
    const int h = in->h, ss = in->ss;
    for (int s = 0; s < n; s++) {
        const regia_ets_fit_t *fc = &c->fit[s], *fg = &g->fit[s];
        if (fc->ok == fg->ok && !memcmp(&fc->model, &fg->model, sizeof fc->model)) {
            a.same_model++;
            double scale = 0;
            int k = 0;
            for (int t = 0; t < T; t++) if (!isnan(in->y[(size_t)s * T + t])) { scale += fabs(in->y[(size_t)s * T + t]); k++; }
            scale = k ? scale / k : 1;
            const double *pc[4] = {c->mean + (size_t)s * h, c->var + (size_t)s * h, c->lo + (size_t)s * NL * h, c->up + (size_t)s * NL * h};
            const double *pg[4] = {g->mean + (size_t)s * h, g->var + (size_t)s * h, g->lo + (size_t)s * NL * h, g->up + (size_t)s * NL * h};
            const int cnt[4] = {h, h, NL * h, NL * h};
            int bad = 0;
            for (int q = 0; q < 4; q++)
                for (int i = 0; i < cnt[q]; i++) {
                    double x = pg[q][i], w = pc[q][i];
                    if (isnan(x) || isnan(w)) { bad |= isnan(x) != isnan(w); continue; }
                    double ref = fmax(fabs(w), q == 1 ? scale * scale : scale);
                    double d = fabs(x - w) / (ref > 0 ? ref : 1);
                    if (d > a.worst_rel) a.worst_rel = d;
                    if (d > 1e-6) bad = 1;
                }
            a.outside += bad;
            a.identical += !memcmp(fc, fg, sizeof *fc) && !memcmp(pc[0], pg[0], h * sizeof(double)) &&
                           !memcmp(pc[1], pg[1], h * sizeof(double)) &&
                           !memcmp(c->st + (size_t)s * ss, g->st + (size_t)s * ss, ss * sizeof(double));
        }
        for (int k = 0; k < h; k++) {
            double x = c->p_exceed[(size_t)s * h + k], w = g->p_exceed[(size_t)s * h + k];
            if (!isnan(x) && !isnan(w)) a.worst_exceed = fmax(a.worst_exceed, fabs(x - w));
        }
        double dp = fabs(c->p_breach[s] - g->p_breach[s]), de = fabs(c->e_breach[s] - g->e_breach[s]);
        a.breach_differ += dp != 0 || de != 0;
        /* each backend simulates its own fit: where the fits are not bit-identical the
         * paths differ a little, so only series with identical fits are held to 1/n_paths */
        int same_fit = !memcmp(fc, fg, sizeof *fc) &&
                       !memcmp(c->st + (size_t)s * ss, g->st + (size_t)s * ss, ss * sizeof(double));
        if (same_fit && (dp > 1.0 / in->paths + 1e-15 || de > 2.0 / in->paths + 1e-12)) a.breach_beyond++;
    }
    return a;
}

/* ---- machine ----------------------------------------------------------------------------- */

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) {
                p += 2;
                p[strcspn(p, "\n")] = 0;
                snprintf(buf, len, "%s", p);
            }
            break;
        }
    fclose(f);
}

typedef struct {
    char name[256], slug[128], why_none[256];
    int present, sms, cc_major, cc_minor, mem_clock_khz, bus_bits, driver, runtime;
    double mem_gib, peak_bw; /* bytes/s */
} device_t;

static void device_info(device_t *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->slug, sizeof d->slug, "none");
#ifndef REGIA_USE_CUDA
    snprintf(d->why_none, sizeof d->why_none, "this regia was built without the CUDA backend (nvcc missing or CUDA=0)");
#else
    if (!regia_cuda_backend.available()) {
        int n = 0;
        cudaError_t e = cudaGetDeviceCount(&n);
        snprintf(d->why_none, sizeof d->why_none, "no CUDA device is visible (cudaGetDeviceCount: %s)",
                 e == cudaSuccess ? "0 devices" : cudaGetErrorString(e));
        return;
    }
    struct cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) {
        snprintf(d->why_none, sizeof d->why_none, "cudaGetDeviceProperties failed");
        return;
    }
    d->present = 1;
    snprintf(d->name, sizeof d->name, "%s", p.name);
    d->sms = p.multiProcessorCount;
    d->cc_major = p.major;
    d->cc_minor = p.minor;
    d->mem_gib = (double)p.totalGlobalMem / (1 << 30);
    cudaDeviceGetAttribute(&d->mem_clock_khz, cudaDevAttrMemoryClockRate, 0);
    cudaDeviceGetAttribute(&d->bus_bits, cudaDevAttrGlobalMemoryBusWidth, 0);
    cudaDriverGetVersion(&d->driver);
    cudaRuntimeGetVersion(&d->runtime);
    d->peak_bw = 2.0 * d->mem_clock_khz * 1e3 * (d->bus_bits / 8.0); /* double data rate */
    int k = 0;
    for (const char *c = p.name; *c && k < (int)sizeof d->slug - 1; c++) {
        char ch = *c;
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) d->slug[k++] = ch;
        else if (k > 0 && d->slug[k - 1] != '-') d->slug[k++] = '-';
    }
    while (k > 0 && d->slug[k - 1] == '-') k--;
    d->slug[k] = 0;
#endif
}

/* ---- main -------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    int sizes[MAX_SIZES] = {10000, 100000, 1000000}, n_sizes = 3, sample = 2000, threads = 0, paths = 1000, h = 14;
    double target = 10.0;
    const char *out_dir = "benchmarks/results", *accel = "cuda";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(); return 0; }
        if (!v) { usage(); return 2; }
        if (!strcmp(a, "--sizes")) {
            n_sizes = 0;
            for (char *p = (char *)v; *p && n_sizes < MAX_SIZES;) {
                sizes[n_sizes++] = (int)strtol(p, &p, 10);
                if (*p == ',') p++;
                else if (*p) { usage(); return 2; }
            }
        } else if (!strcmp(a, "--cpu-sample")) sample = atoi(v);
        else if (!strcmp(a, "--threads")) threads = atoi(v);
        else if (!strcmp(a, "--paths")) paths = atoi(v);
        else if (!strcmp(a, "--horizon")) h = atoi(v);
        else if (!strcmp(a, "--target")) target = atof(v);
        else if (!strcmp(a, "--out-dir")) out_dir = v;
        else if (!strcmp(a, "--backend")) accel = v;
        else { usage(); return 2; }
        i++;
    }
    int n_max = 0;
    for (int k = 0; k < n_sizes; k++) {
        if (sizes[k] < 1) { usage(); return 2; }
        if (sizes[k] > n_max) n_max = sizes[k];
    }
    if (sample < 1 || paths < 1 || h < 1 || n_sizes < 1) { usage(); return 2; }
    if (sample > n_max) sample = n_max;

    char date[16], stamp[32], cpu[256], base[1024];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(date, sizeof date, "%Y-%m-%d", &tmv);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    cpu_model(cpu, sizeof cpu);
    device_t dev;
    if (!strcmp(accel, "cuda")) device_info(&dev);
    else {
        memset(&dev, 0, sizeof dev);
        dev.present = 1;
        dev.peak_bw = 0; /* unknown: "of peak" is printed as n/a */
        snprintf(dev.name, sizeof dev.name, "dry run with the %s backend", accel);
        snprintf(dev.slug, sizeof dev.slug, "dry-run-%s", accel);
    }
    mkdir(out_dir, 0755);
    snprintf(base, sizeof base, "%s/ets_gpu_%s_%s", out_dir, date, dev.slug);
    char md_path[1100], js_path[1100];
    snprintf(md_path, sizeof md_path, "%s.md", base);
    snprintf(js_path, sizeof js_path, "%s.json", base);

    if (!dev.present) {
        printf("bench_gpu: device: none (%s); writing %s\n", dev.why_none, md_path);
        FILE *f = fopen(md_path, "w"), *j = fopen(js_path, "w");
        if (!f || !j) { fprintf(stderr, "bench_gpu: cannot write %s: %s\n", base, strerror(errno)); return 2; }
        fprintf(f, "# ETS on the GPU: %s\n\ndevice: none\n\nNo measurement: %s.\n\nHost: %s. regia %s (git %s).\n"
                   "Run `make bench-gpu` on a machine with a CUDA device (benchmarks/README.md).\n",
                date, dev.why_none, cpu, REGIA_VERSION, REGIA_GIT_REV);
        fprintf(j, "{\"benchmark\": \"ets_gpu\", \"date\": \"%s\", \"device\": \"none\", \"reason\": \"%s\", "
                   "\"host_cpu\": \"%s\", \"git_rev\": \"%s\", \"version\": \"%s\", \"valid\": null, \"sizes\": []}\n",
                stamp, dev.why_none, cpu, REGIA_GIT_REV, REGIA_VERSION);
        fclose(f);
        fclose(j);
        return 0;
    }

    printf("bench_gpu: %s (sm_%d%d, %d SMs, %.0f GiB, theoretical %.0f GB/s); host %s\n", dev.name, dev.cc_major,
           dev.cc_minor, dev.sms, dev.mem_gib, dev.peak_bw / 1e9, cpu);
    /* ---- inputs ---- */
    const int ss = 2 + 7;
    inputs_t in;
    memset(&in, 0, sizeof in);
    in.h = h;
    in.ss = ss;
    in.paths = paths;
    double *y = malloc(sizeof(double) * (size_t)n_max * T);
    in.len = malloc(sizeof(int32_t) * n_max);
    in.limit = malloc(sizeof(double) * n_max);
    in.key = malloc(sizeof(uint64_t) * n_max);
    in.days = malloc(sizeof(int32_t) * n_max);
    in.seen = malloc(sizeof(int32_t) * n_max);
    in.allowed = malloc(sizeof(int32_t) * n_max);
    if (!y || !in.len || !in.limit || !in.key || !in.days || !in.seen || !in.allowed) {
        fprintf(stderr, "bench_gpu: out of memory for %d series\n", n_max);
        return 2;
    }
    double t0 = now_s();
#pragma omp parallel for schedule(static)
    for (int s = 0; s < n_max; s++) {
        make_series(s, y + (size_t)s * T);
        in.len[s] = T;
        in.limit[s] = 50.0; /* EU daily limit for PM10, ug/m3 */
        in.key[s] = (uint64_t)s;
        in.days[s] = 60 + s % 300;
        in.seen[s] = s % 25;
        in.allowed[s] = 35;
    }
    in.y = y;
    const double t_gen = now_s() - t0;
    printf("bench_gpu: generated %d series x %d days in %.2f s (not counted)\n", n_max, T, t_gen);

    regia_backend_t gpu, cpu_be;
    if (regia_backend_open(&gpu, accel, 0, threads) != REGIA_OK || regia_backend_open(&cpu_be, "cpu", 0, threads) != REGIA_OK) {
        fprintf(stderr, "bench_gpu: opening the backends: %s\n", regia_error_msg());
        return 2;
    }
    char gdesc[256], cdesc[256];
    regia_backend_describe(&gpu, gdesc, sizeof gdesc);
    regia_backend_describe(&cpu_be, cdesc, sizeof cdesc);

    /* ---- GPU at each size ---- */
    res_t g;
    if (alloc_res(&g, n_max, h, ss)) { fprintf(stderr, "bench_gpu: out of memory\n"); return 2; }
    times_t tg[MAX_SIZES];
    long problems = 0;
    int models[64];
    for (int k = 0; k < n_sizes; k++) {
        memset(models, 0, sizeof models);
        if (run_all(&gpu, &in, sizes[k], &g, &tg[k]) != 0) { problems++; continue; }
        long bad = validate(&g, &in, sizes[k], models);
        problems += bad;
        const times_t *t = &tg[k];
        printf("bench_gpu: %8d series: ets %.3f s (%.0f series/s; h2d %.3f, kernels %.3f, d2h %.3f, host %.3f s over %d "
               "chunk(s)), exceed %.3f s, breach %.3f s (%d paths)%s\n",
               sizes[k], t->t_ets, sizes[k] / t->t_ets, t->st.seconds_h2d, t->st.seconds_kernel, t->st.seconds_d2h,
               t->st.seconds_host, t->st.chunks, t->t_exceed, t->t_breach, paths, bad ? " INVALID" : "");
    }
    int models_last[64];
    memcpy(models_last, models, sizeof models);

    /* ---- CPU on the subsample ---- */
    res_t c;
    if (alloc_res(&c, sample, h, ss)) { fprintf(stderr, "bench_gpu: out of memory\n"); return 2; }
    times_t tc;
    int cmodels[64] = {0};
    agree_t ag;
    memset(&ag, 0, sizeof ag);
    if (run_all(&cpu_be, &in, sample, &c, &tc) != 0) problems++;
    else {
        problems += validate(&c, &in, sample, cmodels);
        /* the GPU results of the subsample are those of the first size's run (all sizes
         * start with the same series; recompute them to be sure of what is compared) */
        times_t tsub;
        res_t gs;
        if (alloc_res(&gs, sample, h, ss) || run_all(&gpu, &in, sample, &gs, &tsub) != 0) problems++;
        else {
            ag = agreement(&c, &gs, &in, sample);
            if (ag.same_model < 0.999 * sample || ag.outside || ag.worst_exceed > 1e-12 || ag.breach_beyond) {
                fprintf(stderr, "bench_gpu: WRONG: CPU and GPU disagree on the subsample: same model %d of %d, "
                                "outside 1e-6: %d, exceedance %.3g, breach beyond 1/n_paths: %d\n",
                        ag.same_model, sample, ag.outside, ag.worst_exceed, ag.breach_beyond);
                problems++;
            }
        }
        free_res(&gs);
    }
    const double cpu_ets_per = tc.t_ets / sample, cpu_risk_per = (tc.t_exceed + tc.t_breach) / sample;
    printf("bench_gpu: CPU (%s) on the first %d series: ets %.2f s (%.1f series/s), exceed + breach %.2f s; "
           "CPU/GPU: same model %d, outside 1e-6 %d, bit-identical %d, largest relative difference %.3g\n",
           cdesc, sample, tc.t_ets, sample / tc.t_ets, tc.t_exceed + tc.t_breach, ag.same_model, ag.outside,
           ag.identical, ag.worst_rel);

    /* ---- report ---- */
    int target_k = -1;
    for (int k = 0; k < n_sizes; k++) if (sizes[k] == 1000000) target_k = k;
    const int met = target_k >= 0 && tg[target_k].t_ets <= target;
    FILE *f = fopen(md_path, "w"), *j = fopen(js_path, "w");
    if (!f || !j) { fprintf(stderr, "bench_gpu: cannot write %s: %s\n", base, strerror(errno)); return 2; }
    fprintf(f, "# ETS on the GPU: %s, %s\n\n", date, dev.name);
    fprintf(f, "Device: %s (sm_%d%d, %d SMs, %.0f GiB; memory clock %d MHz x %d bits: theoretical %.0f GB/s), "
               "CUDA driver %d, runtime %d. Host: %s; CPU backend: %s. regia %s (git %s), %s.\n\n",
            dev.name, dev.cc_major, dev.cc_minor, dev.sms, dev.mem_gib, dev.mem_clock_khz / 1000, dev.bus_bits,
            dev.peak_bw / 1e9, dev.driver, dev.runtime, cpu, cdesc, REGIA_VERSION, REGIA_GIT_REV, stamp);
    fprintf(f, "Work per series: %d daily values, weekly season, automatic model selection (R's candidate set by "
               "AICc), fit, %d-day forecast with 80/95 %% intervals; exceedance probabilities for each forecast day "
               "(limit 50); annual breach by Monte Carlo (%d paths, 60..359 days left). Series generated on the host "
               "(%.1f s for %d, not counted), streamed through the device by the CUDA backend in chunks.\n\n",
            T, h, paths, t_gen, n_max);
    fprintf(f, "| series | ETS s | series/s | H2D s | kernels s | D2H s | host copies s | chunks | exceed s | breach s | "
               "total s | fit reads GB/s | of peak | CPU ETS s (extrap.) | GPU/CPU speed-up | CPU total s (extrap.) | "
               "speed-up, total |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < n_sizes; k++) {
        const times_t *t = &tg[k];
        const double tot = t->t_ets + t->t_exceed + t->t_breach, bw = t->st.bytes_y_read / t->t_ets;
        const double ce = cpu_ets_per * sizes[k], ct = (cpu_ets_per + cpu_risk_per) * sizes[k];
        char of_peak[32] = "n/a";
        if (dev.peak_bw > 0) snprintf(of_peak, sizeof of_peak, "%.1f %%", 100 * bw / dev.peak_bw);
        fprintf(f, "| %d | %.3f | %.0f | %.3f | %.3f | %.3f | %.3f | %d | %.3f | %.3f | %.3f | %.0f | %s | %.1f | %.1fx | "
                   "%.1f | %.1fx |\n",
                sizes[k], t->t_ets, sizes[k] / t->t_ets, t->st.seconds_h2d, t->st.seconds_kernel, t->st.seconds_d2h,
                t->st.seconds_host, t->st.chunks, t->t_exceed, t->t_breach, tot, bw / 1e9, of_peak, ce,
                ce / t->t_ets, ct, ct / tot);
    }
    fprintf(f, "\nStage times of the ETS op are sums over its chunks; the chunks overlap (two streams), so they can add "
               "up to more than the op's wall time. \"Fit reads\": 8 bytes x the series values read by the objective "
               "evaluations (%.3g evaluations at the largest size) / the ETS op's wall time, a lower bound of the fit's "
               "device-memory traffic. CPU columns: the CPU backend on the first %d series (%s), %.2f s for ETS and "
               "%.2f s for exceed + breach, scaled by series / %d: an extrapolation, not a measurement.\n\n",
            tg[n_sizes - 1].st.evals, sample, cdesc, tc.t_ets, tc.t_exceed + tc.t_breach, sample);
    if (target_k >= 0)
        fprintf(f, "**Target** (issue): 1,000,000 series in <= %.0f s on one GPU (ETS op, transfers included): %.2f s, "
                   "**%s**%s. With the exceedance and breach ops: %.2f s.\n\n",
                target, tg[target_k].t_ets, met ? "met" : "not met",
                strstr(dev.name, "H100") ? "" : " (the target is stated for an H100)",
                tg[target_k].t_ets + tg[target_k].t_exceed + tg[target_k].t_breach);
    fprintf(f, "**Validation**: %s. Every fit ok with a model of R's default set, finite forecasts, variances > 0, "
               "nested intervals, probabilities in [0, 1]. CPU and GPU on the first %d series: same model %d "
               "(%.2f %%), outside the 1e-6 tolerance %d, identical in every bit (fit, forecasts, variances, state) %d, "
               "largest relative difference %.3g; exceedance probabilities within %.3g; breach: %d series differ, "
               "%d beyond 1/n_paths.\n\n",
            problems ? "FAILED" : "all results valid", sample, ag.same_model, 100.0 * ag.same_model / sample, ag.outside,
            ag.identical, ag.worst_rel, ag.worst_exceed, ag.breach_differ, ag.breach_beyond);
    fprintf(f, "Models chosen at %d series:", sizes[n_sizes - 1]);
    for (int i = 0; i < 64; i++)
        if (models_last[i]) {
            regia_ets_model_t m = {(int8_t)((i % 27) / 9), (int8_t)((i % 9) / 3), (int8_t)(i % 3), (int8_t)(i / 27)};
            char code[5];
            regia_ets_model_code(m, code);
            fprintf(f, " %s %d,", code, models_last[i]);
        }
    fprintf(f, "\n\nCommand: `make bench-gpu` (bench_gpu --out-dir %s).\n", out_dir);
    fclose(f);

    fprintf(j, "{\"benchmark\": \"ets_gpu\", \"date\": \"%s\", \"device\": \"%s\", \"sm\": \"%d%d\", \"sms\": %d, "
               "\"memory_gib\": %.1f, \"peak_bandwidth_gbs\": %.1f, \"cuda_driver\": %d, \"cuda_runtime\": %d, "
               "\"host_cpu\": \"%s\", \"cpu_backend\": \"%s\", \"git_rev\": \"%s\", \"version\": \"%s\", "
               "\"days\": %d, \"horizon\": %d, \"paths\": %d, \"generate_seconds\": %.3f, \"sizes\": [",
            stamp, dev.name, dev.cc_major, dev.cc_minor, dev.sms, dev.mem_gib, dev.peak_bw / 1e9, dev.driver,
            dev.runtime, cpu, cdesc, REGIA_GIT_REV, REGIA_VERSION, T, h, paths, t_gen);
    for (int k = 0; k < n_sizes; k++) {
        const times_t *t = &tg[k];
        fprintf(j, "%s{\"series\": %d, \"ets_seconds\": %.4f, \"series_per_second\": %.1f, \"h2d_seconds\": %.4f, "
                   "\"kernel_seconds\": %.4f, \"d2h_seconds\": %.4f, \"host_copy_seconds\": %.4f, \"chunks\": %d, "
                   "\"chunk_series\": %lld, \"exceed_seconds\": %.4f, \"breach_seconds\": %.4f, \"evaluations\": %.0f, "
                   "\"fit_read_gbs\": %.1f, \"cpu_ets_seconds_extrapolated\": %.2f, "
                   "\"cpu_total_seconds_extrapolated\": %.2f}",
                k ? ", " : "", sizes[k], t->t_ets, sizes[k] / t->t_ets, t->st.seconds_h2d, t->st.seconds_kernel,
                t->st.seconds_d2h, t->st.seconds_host, t->st.chunks, (long long)t->st.chunk_series, t->t_exceed,
                t->t_breach, t->st.evals, t->st.bytes_y_read / t->t_ets / 1e9, cpu_ets_per * sizes[k],
                (cpu_ets_per + cpu_risk_per) * sizes[k]);
    }
    fprintf(j, "], \"cpu_sample\": {\"series\": %d, \"ets_seconds\": %.3f, \"risk_seconds\": %.3f, \"same_model\": %d, "
               "\"outside_tolerance\": %d, \"bit_identical\": %d, \"largest_relative_difference\": %.3g, "
               "\"exceed_largest_difference\": %.3g, \"breach_differ\": %d, \"breach_beyond_1_over_paths\": %d}, "
               "\"target_seconds\": %.1f, \"target_met\": %s, \"valid\": %s, \"problems\": %ld}\n",
            sample, tc.t_ets, tc.t_exceed + tc.t_breach, ag.same_model, ag.outside, ag.identical, ag.worst_rel,
            ag.worst_exceed, ag.breach_differ, ag.breach_beyond, target, target_k < 0 ? "null" : met ? "true" : "false",
            problems ? "false" : "true", problems);
    fclose(j);
    printf("bench_gpu: %s; target (10^6 series <= %.0f s): %s; wrote %s and .json\n",
           problems ? "INVALID results" : "all results valid", target,
           target_k < 0 ? "not measured" : met ? "met" : "NOT met", md_path);
    regia_backend_close(&gpu);
    regia_backend_close(&cpu_be);
    free_res(&g);
    free_res(&c);
    free(y);
    return problems ? 1 : 0;
}
