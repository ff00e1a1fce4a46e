/* bench_queue - regia's queue simulation on the benchmark model of bench_queue.sh:
 * priority classes with Poisson arrivals, exponential services and a weekly schedule of
 * weekday shifts (time in hours, a week = 168 h), non-preemptive priority.  The same
 * model as benchmarks/queue_ciw.py (Ciw), built from the same options by the same rule.
 *
 *   bench_queue --rates R0,R1,.. --mean M --servers C --shift START,END --weeks W
 *               [--warmup-weeks 1] [--reps N] [--seed S] [--threads 1] [--backend cpu] [--runs 5]
 *
 * Prints JSON: per replication and class the customers counted and their mean wait, the
 * CPU seconds of the op (best of --runs runs, all of which must give the same bits) and
 * the simulated weeks.  Exit status: 0 done, 1 the op failed or runs differed, 2 usage. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regia/kernels.h"

static int parse_list(const char *s, double *v, int max)
{
    int n = 0;
    char *end;
    while (*s && n < max) {
        v[n++] = strtod(s, &end);
        if (end == s) return -1;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return -1;
    }
    return n;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_queue --rates R0,R1,.. --mean M --servers C --shift START,END --weeks W "
                    "[--warmup-weeks 1] [--reps N] [--seed S] [--threads 1] [--backend cpu] [--runs 5]\n");
    return 2;
}

int main(int argc, char **argv)
{
    double rates[REGIA_QUEUE_MAX_CLASSES], shift[2] = {8, 16}, mean = 1;
    int K = 0, servers = 0, weeks = 0, warm = 1, reps = 10, threads = 1, runs = 5;
    uint64_t seed = 1;
    const char *backend = "cpu";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return usage();
        i++;
        if (!strcmp(a, "--rates")) K = parse_list(v, rates, REGIA_QUEUE_MAX_CLASSES);
        else if (!strcmp(a, "--mean")) mean = atof(v);
        else if (!strcmp(a, "--servers")) servers = atoi(v);
        else if (!strcmp(a, "--shift")) { if (parse_list(v, shift, 2) != 2) return usage(); }
        else if (!strcmp(a, "--weeks")) weeks = atoi(v);
        else if (!strcmp(a, "--warmup-weeks")) warm = atoi(v);
        else if (!strcmp(a, "--reps")) reps = atoi(v);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--threads")) threads = atoi(v);
        else if (!strcmp(a, "--backend")) backend = v;
        else if (!strcmp(a, "--runs")) runs = atoi(v);
        else return usage();
    }
    if (K < 1 || servers < 1 || weeks < 1 || reps < 2 || !(mean > 0) || warm < 0 || warm >= weeks || runs < 1) return usage();
    /* the weekly schedule: on weekdays d = 0..4, 0 servers until d*24 + START, C until
     * d*24 + END, 0 until the next midnight; zero runs merged (as queue_ciw.py does) */
    double ends[32];
    int32_t srv[32];
    int ns = 0;
    for (int d = 0; d < 7; d++) {
        double e[3] = {d * 24 + shift[0], d * 24 + shift[1], (d + 1) * 24.0};
        int32_t c[3] = {0, servers, 0};
        for (int j = d < 5 ? 0 : 2; j < 3; j++) {
            if (ns && srv[ns - 1] == c[j]) ends[ns - 1] = e[j];
            else { ends[ns] = e[j]; srv[ns] = c[j]; ns++; }
        }
    }
    double means[REGIA_QUEUE_MAX_CLASSES];
    for (int k = 0; k < K; k++) means[k] = mean;
    regia_queue_batch_t in = {.n_classes = K, .arrival_rate = rates, .n_shifts = ns, .shift_end = ends,
                              .shift_servers = srv, .period = 168, .service_dist = REGIA_SVC_EXP,
                              .service_mean = means, .discipline = REGIA_DISC_PRIORITY, .horizon = 168.0 * weeks,
                              .warmup = 168.0 * warm, .n_reps = reps, .seed = seed};
    const size_t nk = (size_t)reps * K;
    int64_t *n[2] = {calloc(nk, 8), calloc(nk, 8)}, *un[2] = {calloc(nk, 8), calloc(nk, 8)};
    double *w[2] = {calloc(nk, 8), calloc(nk, 8)}, *w2[2] = {calloc(nk, 8), calloc(nk, 8)};
    regia_backend_t be;
    if (regia_backend_open(&be, backend, 0, threads)) {
        fprintf(stderr, "bench_queue: %s\n", regia_error_msg());
        return 1;
    }
    double best = HUGE_VAL;
    for (int run = 0; run < runs; run++) {
        int b = run ? 1 : 0;
        regia_queue_out_t out = {n[b], w[b], w2[b], NULL, NULL, un[b]};
        double t0 = now();
        if (regia_queue_sim(&be, &in, &out)) {
            fprintf(stderr, "bench_queue: %s\n", regia_error_msg());
            return 1;
        }
        double t = now() - t0;
        if (t < best) best = t;
        if (run && (memcmp(n[0], n[1], nk * 8) || memcmp(w[0], w[1], nk * 8))) {
            fprintf(stderr, "bench_queue: run %d differs from run 0\n", run);
            return 1;
        }
    }
    char desc[128];
    regia_backend_describe(&be, desc, sizeof desc);
    printf("{\"tool\": \"regia\", \"backend\": \"%s\", \"threads\": %d, \"weeks_per_rep\": %d, \"seconds\": %.6f, "
           "\"runs\": %d, \"reps\": [", desc, threads, weeks, best, runs);
    for (int r = 0; r < reps; r++) {
        printf("%s{\"n\": [", r ? ", " : "");
        for (int k = 0; k < K; k++) printf("%s%lld", k ? ", " : "", (long long)n[0][r * K + k]);
        printf("], \"mean_wait\": [");
        for (int k = 0; k < K; k++) printf("%s%.10g", k ? ", " : "", w[0][r * K + k] / (double)n[0][r * K + k]);
        printf("]}");
    }
    printf("], \"schedule\": {\"servers\": [");
    for (int j = 0; j < ns; j++) printf("%s%d", j ? ", " : "", srv[j]);
    printf("], \"ends\": [");
    for (int j = 0; j < ns; j++) printf("%s%g", j ? ", " : "", ends[j]);
    printf("]}}\n");
    regia_backend_close(&be);
    return 0;
}
