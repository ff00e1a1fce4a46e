/* The continuous-time queue kernel (regia/queue.h) on the CPU backend: the closed forms
 * against DOMAIN.md's values, the simulation against Erlang C (P(W > t) and Wq), Cobham's
 * priority class means and Pollaczek-Khinchine for every service distribution, within
 * Monte Carlo error (z-scores from the replication means); hand-worked traces for the
 * discipline, schedules, warmup, horizon, n_customers, histogram and unserved counts;
 * common random numbers, thread and batch invariance; the per-replication function with
 * a fixed pool, as a device thread runs it (overflow reported, not truncated); the
 * logarithm of the exponential draws and the vector Philox fill; bad input. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernels/queue_sim_impl.h"
#include "check.h"
#include "regia/kernels.h"

typedef struct {
    int R, K, nt, nb;
    int64_t *n, *gt, *hist, *un;
    double *w, *w2;
    regia_queue_out_t out;
} res_t;

static void res_init(res_t *r, int R, int K, int nt, int nb)
{
    r->R = R, r->K = K, r->nt = nt, r->nb = nb;
    r->n = calloc((size_t)R * K, sizeof(int64_t));
    r->un = calloc((size_t)R * K, sizeof(int64_t));
    r->gt = calloc((size_t)R * K * (nt ? nt : 1), sizeof(int64_t));
    r->hist = calloc((size_t)R * K * (nb ? nb : 1), sizeof(int64_t));
    r->w = calloc((size_t)R * K, sizeof(double));
    r->w2 = calloc((size_t)R * K, sizeof(double));
    r->out = (regia_queue_out_t){r->n, r->w, r->w2, r->gt, r->hist, r->un};
}

static void res_free(res_t *r)
{
    free(r->n); free(r->un); free(r->gt); free(r->hist); free(r->w); free(r->w2);
}

/* z-score of a per-replication statistic against `want` (mean of R replication values,
 * standard error from their spread).  j < 0: the mean wait; else P(W > t[j]). */
static double zscore(const res_t *r, int k, int j, double want, double *mean_out)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < r->R; i++) {
        const int64_t n = r->n[i * r->K + k];
        double v = j < 0 ? r->w[i * r->K + k] / n : (double)r->gt[(i * r->K + k) * r->nt + j] / n;
        s += v;
        s2 += v * v;
    }
    double m = s / r->R, se = sqrt(fmax(s2 / r->R - m * m, 0) / (r->R - 1));
    if (mean_out) *mean_out = m;
    return (m - want) / se;
}

static regia_queue_batch_t poisson_batch(int K, const double *lam, const double *mean, int c, int64_t n_cust, int reps)
{
    regia_queue_batch_t in;
    memset(&in, 0, sizeof in);
    in.n_classes = K;
    in.arrival_rate = lam;
    in.servers = c;
    in.service_dist = REGIA_SVC_EXP;
    in.service_mean = mean;
    in.discipline = REGIA_DISC_PRIORITY;
    in.n_customers = n_cust;
    in.warmup = 50;
    in.n_reps = reps;
    in.seed = 20261201;
    return in;
}

static void closed_forms(void)
{
    double c = regia_erlang_c(5, 4.0);
    CHECK_CLOSE(c, 0.5541125541, 0, 1e-9);
    CHECK_CLOSE(c * exp(-(5 - 4.0) * 1), 0.2038466168, 0, 1e-9);
    CHECK_CLOSE(c * exp(-(5 - 4.0) * 2), 0.0749909795, 0, 1e-9);
    CHECK_CLOSE(log(c / 0.1) / (5 - 4.0), 1.7121976464, 0, 1e-9);
    double c3 = regia_erlang_c(3, 2.0);
    CHECK_CLOSE(c3, 4.0 / 9, 0, 1e-12);
    CHECK_CLOSE(c3 * exp(-(3 - 2.0)), 0.1635019739, 0, 1e-9);
    CHECK_CLOSE(regia_erlang_c(1, 0.5), 0.5, 0, 1e-15); /* M/M/1: C = rho */
    /* thousands of servers: no overflow of a^c / c! */
    double big = regia_erlang_c(2000, 1950.0);
    CHECK(isfinite(big) && big > 0 && big < 1);
    CHECK(isnan(regia_erlang_c(5, 5.0)) && isnan(regia_erlang_c(0, 0.1)) && isnan(regia_erlang_c(3, -1)));

    const double lam[4] = {0.4, 1.2, 1.6, 0.8}, want[4] = {0.1204592509, 0.1771459572, 0.4527063351, 1.5392015392};
    double wq[4];
    regia_cobham_wq(5, 1.0, 4, lam, wq);
    double mix = 0;
    for (int k = 0; k < 4; k++) {
        CHECK_CLOSE(wq[k], want[k], 0, 1e-9);
        mix += lam[k] * wq[k] / 4.0;
    }
    CHECK_CLOSE(mix, c / (5 - 4.0), 1e-12, 0); /* conservation: the FCFS Wq */
    const double over[2] = {3, 3};
    regia_cobham_wq(5, 1.0, 2, over, wq);
    CHECK(isnan(wq[0]) && isnan(wq[1]));
}

/* M/M/5 at lambda 4 (FCFS, one class): P(W > t) = C exp(-(c mu - lambda) t), Wq = C. */
static void erlang_c_sim(regia_backend_t *be)
{
    const double lam = 4, mu = 1;
    const double t[4] = {0, 0.5, 1, 2};
    regia_queue_batch_t in = poisson_batch(1, &lam, &mu, 5, 150000, 24);
    in.n_t = 4;
    in.t = t;
    in.discipline = REGIA_DISC_FCFS;
    res_t r;
    res_init(&r, 24, 1, 4, 0);
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    const double C = regia_erlang_c(5, 4);
    double m, z = zscore(&r, 0, -1, C, &m);
    fprintf(stderr, "M/M/5: Wq %.5f (Erlang C %.5f, z %.2f)\n", m, C, z);
    CHECK_MSG(fabs(z) < 4, "M/M/5 Wq %.5f vs %.5f: z = %.2f", m, C, z);
    for (int j = 0; j < 4; j++) {
        double want = C * exp(-(5 * mu - lam) * t[j]);
        z = zscore(&r, 0, j, want, &m);
        fprintf(stderr, "M/M/5: P(W > %g) %.5f (Erlang C %.5f, z %.2f)\n", t[j], m, want, z);
        CHECK_MSG(fabs(z) < 4, "P(W > %g) = %.5f vs %.5f: z = %.2f", t[j], m, want, z);
    }
    res_free(&r);
}

/* Non-preemptive priority M/M/5, classes U, B, D, P at 0.4, 1.2, 1.6, 0.8: Cobham's means;
 * the top class's P(W > 1) = C(5, 4) exp(-(5 - 0.4)).  FCFS on the same customers: every
 * class waits the FCFS mean. */
static void cobham_sim(regia_backend_t *be)
{
    const double lam[4] = {0.4, 1.2, 1.6, 0.8}, mu[4] = {1, 1, 1, 1}, t1 = 1;
    double wq[4];
    regia_cobham_wq(5, 1.0, 4, lam, wq);
    regia_queue_batch_t in = poisson_batch(4, lam, mu, 5, 150000, 24);
    in.n_t = 1;
    in.t = &t1;
    res_t r;
    res_init(&r, 24, 4, 1, 0);
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    for (int k = 0; k < 4; k++) {
        double m, z = zscore(&r, k, -1, wq[k], &m);
        fprintf(stderr, "priority M/M/5 class %d: Wq %.5f (Cobham %.5f, z %.2f)\n", k, m, wq[k], z);
        CHECK_MSG(fabs(z) < 4, "class %d Wq %.5f vs Cobham %.5f: z = %.2f", k, m, wq[k], z);
    }
    double m, z = zscore(&r, 0, 0, 0.0055698484, &m);
    CHECK_MSG(fabs(z) < 4, "top class P(W > 1) = %.6f vs 0.0055698484: z = %.2f", m, z);
    in.discipline = REGIA_DISC_FCFS;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    for (int k = 0; k < 4; k++) {
        z = zscore(&r, k, -1, regia_erlang_c(5, 4), &m);
        CHECK_MSG(fabs(z) < 4, "FCFS class %d Wq %.5f vs Erlang C: z = %.2f", k, m, z);
    }
    res_free(&r);
}

/* M/G/1 at rho 0.7, service mean 1: Pollaczek-Khinchine Wq = rho (1 + cv^2) / (2 (1 - rho)). */
static void pollaczek_khinchine(regia_backend_t *be)
{
    const double lam = 0.7, mean = 1, cv = 0.5;
    const int dists[4] = {REGIA_SVC_EXP, REGIA_SVC_DET, REGIA_SVC_LOGNORMAL, REGIA_SVC_GAMMA};
    const double cvs[4] = {1, 0, cv, cv};
    const char *names[4] = {"exp", "det", "lognormal", "gamma"};
    for (int d = 0; d < 4; d++) {
        regia_queue_batch_t in = poisson_batch(1, &lam, &mean, 1, 100000, 20);
        in.service_dist = dists[d];
        in.service_cv = &cv;
        res_t r;
        res_init(&r, 20, 1, 0, 0);
        CHECK_OK(regia_queue_sim(be, &in, &r.out));
        double want = lam * (1 + cvs[d] * cvs[d]) / (2 * (1 - lam)), m, z = zscore(&r, 0, -1, want, &m);
        fprintf(stderr, "M/G/1 %s: Wq %.4f (P-K %.4f, z %.2f)\n", names[d], m, want, z);
        CHECK_MSG(fabs(z) < 4, "M/G/1 %s: Wq %.4f vs %.4f, z = %.2f", names[d], m, want, z);
        res_free(&r);
    }
}

/* Hand-worked traces (deterministic services: no draw matters). */
static void traces(regia_backend_t *be)
{
    res_t r;
    res_init(&r, 1, 2, 2, 3);
    const double tt[2] = {0.5, 1.2};
    /* one server, service 1: arrivals 0, 0, 0.5 of class 0 wait 0, 1, 1.5 */
    double at[3] = {0, 0, 0.5};
    int32_t ac[3] = {0, 0, 0};
    const double means[2] = {1, 1};
    regia_queue_batch_t in;
    memset(&in, 0, sizeof in);
    in.n_classes = 2;
    in.trace_time = at;
    in.trace_class = ac;
    in.n_trace = 3;
    in.servers = 1;
    in.service_dist = REGIA_SVC_DET;
    in.service_mean = means;
    in.n_t = 2;
    in.t = tt;
    in.n_bins = 3;
    in.bin_width = 1;
    in.n_reps = 1;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK(r.n[0] == 3 && r.n[1] == 0);
    CHECK_CLOSE(r.w[0], 2.5, 0, 1e-12);
    CHECK_CLOSE(r.w2[0], 0 + 1 + 2.25, 0, 1e-12);
    CHECK(r.gt[0] == 2 && r.gt[1] == 1); /* W > 0.5: 1, 1.5; W > 1.2: 1.5 */
    CHECK(r.hist[0] == 1 && r.hist[1] == 2 && r.hist[2] == 0);
    /* unserved: counted when the arrivals end (the trace's last arrival, at 0.5): the
     * second (waiting since 0, starts at 1) and the third */
    CHECK(r.un[0] == 2);

    /* priority vs FCFS: t 0 class 1 (served at once), t 0.1 class 1, t 0.2 class 0 */
    double pt[3] = {0, 0.1, 0.2};
    int32_t pc[3] = {1, 1, 0};
    in.trace_time = pt;
    in.trace_class = pc;
    in.n_bins = 0;
    in.n_t = 0;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK_CLOSE(r.w[0], 0.8, 0, 1e-12);       /* class 0 starts at 1 */
    CHECK_CLOSE(r.w[1], 0 + 1.9, 0, 1e-12);   /* the second class 1 at 2 */
    CHECK(r.un[0] == 1 && r.un[1] == 1);      /* both waiting when the trace ended (0.2) */
    in.discipline = REGIA_DISC_FCFS;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK_CLOSE(r.w[0], 1.8, 0, 1e-12);
    CHECK_CLOSE(r.w[1], 0.9, 0, 1e-12);
    in.discipline = REGIA_DISC_PRIORITY;

    /* warmup 0.05: the first customer (t 0) is not counted */
    in.warmup = 0.05;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK(r.n[1] == 1 && r.n[0] == 1);
    CHECK_CLOSE(r.w[1], 1.9, 0, 1e-12);
    in.warmup = 0;
    /* n_customers 2: the class-0 arrival never comes; the second class 1 waits 0.9 */
    in.n_customers = 2;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK(r.n[0] == 0 && r.n[1] == 2 && r.un[1] == 1);
    CHECK_CLOSE(r.w[1], 0.9, 0, 1e-12);
    /* horizon 0.15: the same two */
    in.n_customers = 0;
    in.horizon = 0.15;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK(r.n[0] == 0 && r.n[1] == 2);
    in.horizon = 0;

    /* a schedule, period 10: no server in [0, 2), one in [2, 10).  Service 3: arrivals at
     * 0 and 1 start at 2 and 5 (waits 2 and 4). */
    const double ends[2] = {2, 10};
    const int32_t srv[2] = {0, 1};
    double st[2] = {0, 1};
    int32_t sc[2] = {0, 0};
    const double means3[2] = {3, 3};
    in.trace_time = st;
    in.trace_class = sc;
    in.n_trace = 2;
    in.service_mean = means3;
    in.n_shifts = 2;
    in.shift_end = ends;
    in.shift_servers = srv;
    in.period = 10;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK(r.n[0] == 2);
    CHECK_CLOSE(r.w[0], 6, 0, 1e-12);
    /* non-preemptive: one server in [0, 4), none in [4, 10).  Arrival at 3 (service 3)
     * runs to 6 past the shift's end; the one at 3.5 waits for the next cycle (10). */
    const double ends2[2] = {4, 10};
    const int32_t srv2[2] = {1, 0};
    st[0] = 3, st[1] = 3.5;
    in.shift_end = ends2;
    in.shift_servers = srv2;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK_CLOSE(r.w[0], 0 + 6.5, 0, 1e-12);
    /* zero-length shifts are skipped; two servers from 4 serve both at once */
    const double ends3[3] = {4, 4, 10};
    const int32_t srv3[3] = {0, 5, 2};
    st[0] = 1, st[1] = 2;
    in.n_shifts = 3;
    in.shift_end = ends3;
    in.shift_servers = srv3;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK_CLOSE(r.w[0], 3 + 2, 0, 1e-12);
    /* 10,000 customers at time 0 on one server (service 1): the CPU pool grows past its
     * first 4,096 nodes and the replication is run again; waits 0, 1, ..., 9999 */
    enum { NBIG = 10000 };
    double *bt = calloc(NBIG, sizeof(double));
    int32_t *bc = calloc(NBIG, sizeof(int32_t));
    in.n_shifts = 0;
    in.service_mean = means;
    in.trace_time = bt;
    in.trace_class = bc;
    in.n_trace = NBIG;
    in.warmup = 0;
    CHECK_OK(regia_queue_sim(be, &in, &r.out));
    CHECK(r.n[0] == NBIG && r.un[0] == NBIG - 1);
    CHECK_CLOSE(r.w[0], 0.5 * NBIG * (NBIG - 1.0), 0, 1e-6);
    free(bt);
    free(bc);
    res_free(&r);
}

/* The same replication alone or in a batch, on 1 or 2 threads: the same bits.  A
 * schedule of one shift of c servers gives the same customers and waits as c servers. */
static void invariance(void)
{
    const double lam[3] = {0.5, 1.0, 1.2}, mean[3] = {1, 1.2, 0.8}, cv[3] = {0.7, 0.7, 0.7}, t[2] = {0.5, 2};
    regia_queue_batch_t in = poisson_batch(3, lam, mean, 4, 20000, 7);
    in.service_dist = REGIA_SVC_GAMMA;
    in.service_cv = cv;
    in.n_t = 2;
    in.t = t;
    in.n_bins = 10;
    in.bin_width = 0.5;
    regia_backend_t b1, b2;
    CHECK_OK(regia_backend_open(&b1, "cpu", 0, 1));
    CHECK_OK(regia_backend_open(&b2, "cpu", 0, 2));
    res_t a, b, c;
    res_init(&a, 7, 3, 2, 10);
    res_init(&b, 7, 3, 2, 10);
    res_init(&c, 1, 3, 2, 10);
    CHECK_OK(regia_queue_sim(&b1, &in, &a.out));
    CHECK_OK(regia_queue_sim(&b2, &in, &b.out));
    CHECK(!memcmp(a.w, b.w, sizeof(double) * 21) && !memcmp(a.w2, b.w2, sizeof(double) * 21) &&
          !memcmp(a.n, b.n, sizeof(int64_t) * 21) && !memcmp(a.gt, b.gt, sizeof(int64_t) * 42) &&
          !memcmp(a.hist, b.hist, sizeof(int64_t) * 210) && !memcmp(a.un, b.un, sizeof(int64_t) * 21));
    in.rep0 = 5;
    in.n_reps = 1;
    CHECK_OK(regia_queue_sim(&b2, &in, &c.out));
    CHECK(!memcmp(c.w, a.w + 15, sizeof(double) * 3) && !memcmp(c.n, a.n + 15, sizeof(int64_t) * 3) &&
          !memcmp(c.hist, a.hist + 150, sizeof(int64_t) * 30));
    /* a one-shift schedule of 4 servers: the same results */
    const double end = 8;
    const int32_t four = 4;
    in.rep0 = 0;
    in.n_reps = 7;
    in.n_shifts = 1;
    in.shift_end = &end;
    in.shift_servers = &four;
    in.period = 8;
    in.servers = 0;
    CHECK_OK(regia_queue_sim(&b2, &in, &b.out));
    CHECK(!memcmp(a.w, b.w, sizeof(double) * 21) && !memcmp(a.n, b.n, sizeof(int64_t) * 21));
    /* more servers, the same customers: every class waits less */
    in.n_shifts = 0;
    in.servers = 5;
    CHECK_OK(regia_queue_sim(&b2, &in, &b.out));
    double wa = 0, wb = 0;
    for (int j = 0; j < 21; j++) wa += a.w[j], wb += b.w[j];
    CHECK(wb < wa);
    regia_backend_close(&b1);
    regia_backend_close(&b2);
    res_free(&a);
    res_free(&b);
    res_free(&c);
}

/* regia_queue_rep with a fixed pool, as the CUDA backend runs it: 100 customers of one
 * class at once overflow a ring of 64 (reported), and a ring of 128 gives the op's own
 * result. */
static void fixed_pool(regia_backend_t *be)
{
    double at[100] = {0}, mean = 1;
    int32_t ac[100] = {0};
    regia_queue_batch_t in;
    memset(&in, 0, sizeof in);
    in.n_classes = 1;
    in.trace_time = at;
    in.trace_class = ac;
    in.n_trace = 100;
    in.servers = 2;
    in.service_dist = REGIA_SVC_EXP;
    in.service_mean = &mean;
    in.n_reps = 1;
    in.seed = 5;
    res_t a, b;
    res_init(&a, 1, 1, 0, 0);
    res_init(&b, 1, 1, 0, 0);
    regia_queue_cust_t cust[128];
    double heap[2];
    regia_queue_ws_t ws = {cust, 64, heap};
    CHECK(regia_queue_rep(&in, 0, ws, &a.out) == REGIA_QUEUE_REP_OVERFLOW);
    ws.cap = 128;
    CHECK(regia_queue_rep(&in, 0, ws, &a.out) == REGIA_QUEUE_REP_OK);
    CHECK_OK(regia_queue_sim(be, &in, &b.out));
    CHECK(a.n[0] == 100 && a.n[0] == b.n[0] && a.w[0] == b.w[0] && a.w2[0] == b.w2[0] && a.un[0] == b.un[0]);
    res_free(&a);
    res_free(&b);
}

/* The op (on this host perhaps its x86-64-v4 build, kernels/cpu/queue_sim.c) against
 * regia_queue_rep compiled here for the baseline target, replication by replication: the
 * same bits for every size of the departures' sorted array (1 .. 16 servers) and the heap
 * (17, 40), priority and FCFS, constant servers and a weekly schedule that changes the
 * servers on duty, every service distribution, tails, histogram and n_customers. */
static void isa_paths(regia_backend_t *be)
{
    static const int servers[] = {1, 2, 3, 4, 6, 8, 10, 12, 16, 17, 40};
    int same = 0, runs = 0;
    for (size_t si = 0; si < sizeof servers / sizeof *servers; si++)
        for (int v = 0; v < 8; v++) {
            const int c = servers[si], K = 1 + v % 4, R = 3;
            double lam[4], mean[4], cv[4], ends[32];
            int32_t srv[32];
            int ns = 0;
            for (int k = 0; k < K; k++) {
                lam[k] = (v & 1 ? 0.95 : 0.7) * c / K * (k + 1) * 2.0 / (K + 1);
                mean[k] = 1.0;
                cv[k] = 0.7 + 0.2 * k;
            }
            if (v & 2) /* weekdays 8-16 h with c, 1.5 c or 2 c servers, none otherwise */
                for (int d = 0; d < 7; d++) {
                    const double e[3] = {d * 24 + 8.0, d * 24 + 16.0, (d + 1) * 24.0};
                    const int32_t n[3] = {0, c + (d % 3) * (c / 2 + 1), 0};
                    for (int j = d < 5 ? 0 : 2; j < 3; j++) {
                        if (ns && srv[ns - 1] == n[j]) ends[ns - 1] = e[j];
                        else { ends[ns] = e[j]; srv[ns] = n[j]; ns++; }
                    }
                }
            const double t[3] = {0.1, 1.0, 5.0};
            const int32_t dist[4] = {REGIA_SVC_EXP, REGIA_SVC_GAMMA, REGIA_SVC_LOGNORMAL, REGIA_SVC_DET};
            regia_queue_batch_t in = {.n_classes = K, .arrival_rate = lam, .servers = c, .n_shifts = ns,
                                      .shift_end = ends, .shift_servers = srv, .period = 168,
                                      .service_dist = v < 4 ? REGIA_SVC_EXP : dist[v % 4], .service_mean = mean,
                                      .service_cv = cv, .discipline = v == 2 || v == 5 ? REGIA_DISC_FCFS : REGIA_DISC_PRIORITY,
                                      .horizon = v & 2 ? 168.0 * 3 : 300.0, .n_customers = v == 3 ? 2000 : 0,
                                      .warmup = 20, .n_t = 3, .t = t, .n_bins = 10, .bin_width = 0.5, .rep0 = 5,
                                      .n_reps = R, .seed = 11};
            res_t a, b;
            res_init(&a, R, K, 3, 10);
            res_init(&b, R, K, 3, 10);
            CHECK_OK(regia_queue_sim(be, &in, &a.out));
            const int64_t cap = 1 << 14;
            regia_queue_cust_t *cust = malloc(sizeof *cust * (size_t)(cap * K));
            double heap[128];
            regia_queue_ws_t ws = {cust, cap, heap};
            int ok = 1;
            for (int r = 0; r < R; r++) ok &= regia_queue_rep(&in, r, ws, &b.out) == REGIA_QUEUE_REP_OK;
            const size_t nk = (size_t)R * K;
            same += ok && !memcmp(a.n, b.n, 8 * nk) && !memcmp(a.w, b.w, 8 * nk) && !memcmp(a.w2, b.w2, 8 * nk) &&
                    !memcmp(a.gt, b.gt, 24 * nk) && !memcmp(a.hist, b.hist, 80 * nk) && !memcmp(a.un, b.un, 8 * nk);
            runs++;
            free(cust);
            res_free(&a);
            res_free(&b);
        }
    printf("op vs the baseline build of regia_queue_rep: %d of %d batches bit-identical\n", same, runs);
    CHECK(same == runs);
}

/* The draws behind the simulation: regia_draw_log within 0.51 ulp of logl on 10^6 stream
 * uniforms and at the ends of their range (relative accuracy near 1); its AVX2 form the
 * same bits; regia_draws_fill (vector Philox lanes) the same numbers as regia_draw_u. */
static double ulp_error(double v, long double ref)
{
    const double x = fabs((double)ref);
    return (double)(fabsl((long double)v - ref) / (long double)(nextafter(x, INFINITY) - x));
}

#if defined(REGIA_QUEUE_ARR_AVX512)
REGIA_DRAWS_AVX512 static void log8_avx512(const double *u, double *lg)
{
    _mm512_storeu_pd(lg, regia_draw_log8_avx512(_mm512_loadu_pd(u)));
}
#endif

/* The AVX-512 forms (on hosts that have it): the fill from odd positions and across its
 * 32- and 16-counter steps, the logarithm of eight uniforms, and a block of arrivals
 * against the same draws one at a time (class by the cumulative rates, service and
 * interarrival times from regia_draw_log), bit for bit. */
static void draws_avx512(void)
{
#if defined(REGIA_QUEUE_ARR_AVX512)
    if (!regia_draws_avx512()) {
        fprintf(stderr, "no AVX-512 on this host: its draws not checked\n");
        return;
    }
    regia_draws_t d, e;
    double u[400], lg[8];
    int same = 1;
    regia_draws_init(&d, 99, 5, 1);
    regia_draws_init(&e, 99, 5, 1);
    for (int rep = 0; rep < 300; rep++) {
        const int n = 1 + (rep * 37) % 400;
        regia_draws_fill_avx512(&d, n, u);
        for (int i = 0; i < n; i++) same &= u[i] == regia_draw_u(&e);
    }
    CHECK_MSG(same, "regia_draws_fill_avx512 differs from regia_draw_u");
    const uint32_t ends[] = {0, 1, 2, 0x7fffffffu, 0x80000000u, 0xfeffffffu, 0xfffffffeu, 0xffffffffu};
    for (int i = 0; i < 8; i++) u[i] = ((double)ends[i] + 0.5) * (1.0 / 4294967296.0);
    same = 1;
    for (int rep = 0; rep < 20000; rep++) {
        if (rep) for (int i = 0; i < 8; i++) u[i] = regia_draw_u(&e);
        log8_avx512(u, lg);
        for (int i = 0; i < 8; i++) same &= lg[i] == regia_draw_log(u[i]);
    }
    CHECK_MSG(same, "regia_draw_log8_avx512 differs from regia_draw_log");
    const double rates[5] = {0.3, 0, 1.1, 0.25, 2.0}, mean[5] = {1.0, 2.0, 0.5, 3.0, 1.5};
    double cum[5], total = 0;
    for (int k = 0; k < 5; k++) cum[k] = total += rates[k];
    const regia_queue_batch_t in = {.n_classes = 5, .arrival_rate = rates, .service_mean = mean};
    regia_queue_arrivals_t a = {.t_next = 0.25};
    double t = a.t_next;
    regia_draws_init(&d, 7, 3, 0);
    regia_draws_init(&e, 7, 3, 0);
    (void)regia_draw_u(&d), (void)regia_draw_u(&e); /* blocks from an odd position */
    same = 1;
    for (int b = 0; b < 50; b++) {
        regia_queue_draw_arrivals_exp_avx512(&in, cum, total, 1.0 / total, &d, &a);
        for (int i = 0; i < REGIA_QUEUE_ARR_BLOCK; i++) {
            const double uc = regia_draw_u(&e) * total, u1 = regia_draw_u(&e), u2 = regia_draw_u(&e);
            int k = 0;
            while (k < 4 && uc >= cum[k]) k++;
            same &= a.k[i] == k && a.t[i] == t && a.s[i] == -mean[k] * regia_draw_log(u1);
            t = t + -(1.0 / total) * regia_draw_log(u2);
        }
        same &= a.t_next == t;
    }
    CHECK_MSG(same, "regia_queue_draw_arrivals_exp_avx512 differs from the draws one at a time");
#endif
}

static void draws(void)
{
    regia_draws_t d, e;
    regia_draws_init(&d, 12345, 678, 9);
    double worst = 0, u[96], lg[64];
    int same = 1;
    for (int i = 0; i < 1000000; i++) {
        const double x = regia_draw_u(&d);
        worst = fmax(worst, ulp_error(regia_draw_log(x), logl((long double)x)));
    }
    const uint32_t ends[] = {0, 1, 2, 0x7fffffffu, 0x80000000u, 0xfeffffffu, 0xfffffffdu, 0xfffffffeu, 0xffffffffu};
    for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
        const double x = ((double)ends[i] + 0.5) * (1.0 / 4294967296.0);
        worst = fmax(worst, ulp_error(regia_draw_log(x), logl((long double)x)));
    }
    CHECK_MSG(worst <= 0.51, "regia_draw_log: %.3f ulp from logl", worst);
#if defined(REGIA_DRAW_LOG_HAVE_AVX2)
    if (__builtin_cpu_supports("avx2"))
        for (int rep = 0; rep < 2000; rep++) {
            for (int i = 0; i < 96; i++) u[i] = regia_draw_u(&d);
            regia_draw_log_pairs_avx2(u, 32, lg);
            for (int i = 0; i < 32; i++)
                same &= lg[2 * i] == regia_draw_log(u[3 * i + 1]) && lg[2 * i + 1] == regia_draw_log(u[3 * i + 2]);
        }
#endif
    CHECK_MSG(same, "regia_draw_log_pairs_avx2 differs from regia_draw_log");
    (void)lg;
    /* fill from odd positions: the same numbers as one draw at a time */
    regia_draws_init(&d, 99, 5, 1);
    regia_draws_init(&e, 99, 5, 1);
    same = 1;
    for (int rep = 0; rep < 200; rep++) {
        const int n = 1 + (rep * 37) % 96;
        regia_draws_fill(&d, n, u);
        for (int i = 0; i < n; i++) same &= u[i] == regia_draw_u(&e);
    }
    CHECK_MSG(same, "regia_draws_fill differs from regia_draw_u");
    fprintf(stderr, "regia_draw_log: at most %.3f ulp from logl\n", worst);
    draws_avx512();
}

static void bad_input(regia_backend_t *be)
{
    const double lam[2] = {0.5, 0.5}, mean[2] = {1, 1};
    res_t r;
    res_init(&r, 2, 2, 0, 0);
    regia_queue_batch_t in = poisson_batch(2, lam, mean, 2, 100, 2);
    in.n_customers = 0;
    CHECK(regia_queue_sim(be, &in, &r.out) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "horizon"));
    in.n_customers = 100;
    in.n_classes = 9;
    CHECK(regia_queue_sim(be, &in, &r.out) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "n_classes"));
    in.n_classes = 2;
    in.service_dist = REGIA_SVC_LOGNORMAL;
    CHECK(regia_queue_sim(be, &in, &r.out) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "service_cv"));
    in.service_dist = REGIA_SVC_EXP;
    const double ends[2] = {5, 9};
    const int32_t srv[2] = {1, 2};
    in.n_shifts = 2;
    in.shift_end = ends;
    in.shift_servers = srv;
    in.period = 10;
    CHECK(regia_queue_sim(be, &in, &r.out) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "period"));
    in.n_shifts = 0;
    double tt[2] = {1, 0.5};
    int32_t tc[2] = {0, 0};
    in.arrival_rate = NULL;
    in.trace_time = tt;
    in.trace_class = tc;
    in.n_trace = 2;
    CHECK(regia_queue_sim(be, &in, &r.out) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "trace arrival 1"));
    res_free(&r);
}

int main(void)
{
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 2));
    closed_forms();
    traces(&be);
    invariance();
    fixed_pool(&be);
    isa_paths(&be);
    draws();
    bad_input(&be);
    erlang_c_sim(&be);
    cobham_sim(&be);
    pollaczek_khinchine(&be);
    regia_backend_close(&be);
    return check_done();
}
