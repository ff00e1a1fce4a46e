/* cmd_queue.c - `regia queue`: waiting times of a multi-server queue with priority classes,
 * by Monte Carlo, for a researcher's own model; a domain of the run protocol (domain.h).
 *
 *   options (or a job file) -> the model: classes with Poisson arrival rates or a trace of
 *   arrival times, c servers or a weekly shift schedule, a service-time distribution, the
 *   discipline -> [skeleton: replications split over the ranks] -> the queue kernel
 *   (regia_queue_sim on the run's backend) per block of replications -> per-class sums of
 *   every replication -> means, quantiles and P(W > t) with Monte Carlo standard errors
 *   -> NetCDF (CF-1.10 / ACDD-1.3) and a CSV summary.
 *
 * Items are replications.  Replication r draws from the stream (seed, r) only, so its sums
 * do not depend on the rank count, the block size or the backend; the per-replication sums
 * are the checkpointed results, and the aggregation runs over replications in their global
 * order on every rank, so the output is identical at any rank count.  Standard errors come
 * from the spread of the replication estimates (waits within one replication are
 * correlated, so a binomial or i.i.d. formula would understate them).  Schema, options and
 * errors: docs/queue.md ("regia queue: user guide").
 */
#include <errno.h>
#include <math.h>
#include <netcdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "generic_products.h"
#include "queue_input.h"
#include "regia/acdd.h"
#include "regia/fileutil.h"
#include "regia/io.h"
#include "regia/kernels.h"
#include "regia/ncio.h"
#include "regia/queue.h"

enum {
    MAX_K = REGIA_QUEUE_MAX_CLASSES,
    MAX_T = REGIA_QUEUE_MAX_T - 1, /* the kernel's first threshold is 0 (P(W > 0))          */
    MAX_Q = 16,
    MAX_REPS = 100000,
    MAX_TRACE = 50000000,
};
#define MAX_SHARD_BYTES (2.0 * 1024 * 1024 * 1024) /* per-rank replication results        */

/* Per-class results over all replications (the same on every rank after check_result). */
typedef struct {
    long long n, unserved;
    int reps;                          /* replications that counted customers of the class */
    double mean, mean_se, sd;
    double p0, p0_se;                  /* P(W > 0)                                          */
    double p[MAX_T], p_se[MAX_T];
    double q[MAX_Q], q_se[MAX_Q];
    int q_beyond[MAX_Q];               /* the quantile lies in the histogram's last bin     */
} class_stat_t;

typedef struct {
    /* the model */
    int K;
    char name[MAX_K][QUEUE_NAME_LEN];
    int namelen;                       /* class_strlen                                       */
    double rate[MAX_K];                /* Poisson rates, or the trace's observed rates      */
    int poisson;                       /* 1: rates; 0: trace                                 */
    int servers;                       /* 0 with a schedule                                  */
    int n_sched_items;                 /* shifts from --schedule                             */
    const char *sched_file;
    queue_week_t week;
    queue_sched_t sched;
    int has_sched;
    int dist;
    const char *dist_name, *disc_name;
    double svc_mean[MAX_K], svc_cv[MAX_K];
    int disc;
    double horizon, warmup;
    int64_t customers;
    int n_t, n_q, bins;
    double t[MAX_T], q[MAX_Q], tk[MAX_T + 1], bin_width;
    int64_t reps;
    uint64_t seed;
    const char *unit, *ud_unit, *rate_unit; /* "hour", "h", "h-1"                          */
    double min_per_unit;
    double load, rho;                  /* offered load (Erlang), utilisation; NaN for a trace */
    const char *output, *csv, *trace;
    char csv_default[4200];            /* OUT with .nc replaced by .csv                      */
    const char *cmdline;
    /* the trace (every rank) */
    double *tr_time;
    int32_t *tr_class;
    int64_t n_tr, tr_count[MAX_K];
    double tr_last;
    /* the shard's replications: index [k * K + c] etc. (regia_queue_out_t's layout) */
    int64_t *n, *n_gt, *hist, *unserved;
    double *sum_w, *sum_w2;
    /* every replication (after check_result): n and mean per class */
    int64_t *rep_n;
    double *rep_mean;
    class_stat_t cs[MAX_K];
    long long total_n, total_unserved;
    char summary[4096];
    int v[40];                         /* output variable ids, define -> write               */
} q_t;

/* ---- schema: options and job-file keys ------------------------------------------------- */

static const regia_job_key_t queue_schema[] = {
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "output NetCDF-4 file; written under a temporary name and renamed when complete; the manifest is OUT.manifest.json"},
    {"job", "name", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "name of the run (ACDD id) [default: the output's name]"},
    {"job", "domain", REGIA_KEY_ENUM, 0, "queue", 0, 0, "queue", "the domain this job file is for (regia submit)"},
    {"job", "backend", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|cpu|cuda", "compute backend"},
    {"job", "threads", REGIA_KEY_INT, 0, "0", 0, 4096, NULL, "CPU threads per rank (0: OMP_NUM_THREADS or all)"},
    {"job", "seed", REGIA_KEY_INT, 0, "1", 0, 9007199254740992.0, NULL,
     "Monte Carlo seed: replication r draws from the stream (seed, r)"},
    {"job", "progress_interval", REGIA_KEY_DOUBLE, 0, "10", 0.1, 86400, NULL, "seconds between progress lines"},
    {"job", "checkpoint_interval", REGIA_KEY_DOUBLE, 0, "300", 0, 1e9, NULL,
     "seconds between checkpoints of completed replications (0: only on SIGUSR1/SIGTERM, which stop the run with "
     "exit status 3; run the same command again to resume)"},
    {"job", "checkpoint_dir", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL, "restart files [default: OUT minus .nc, plus .ckpt]"},
    {"job", "chunk", REGIA_KEY_INT, 0, "0", 0, 1 << 24, NULL,
     "replications per checkpoint block (0: what the backend takes per call)"},
    {"queue", "classes", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL,
     "priority classes, highest priority first, e.g. U,B,D,P (at most 8; names of up to 31 bytes) "
     "[default: 1, 2, ... one per rate]"},
    {"queue", "rates", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "Poisson arrival rate of each class, per time unit (> 0), in the order of classes"},
    {"queue", "arrivals", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "instead of rates: a CSV of arrivals with the columns time (time units from the start, >= 0) and class "
     "(a name of classes); every replication replays it with new service times"},
    {"queue", "servers", REGIA_KEY_INT, 0, NULL, 1, QUEUE_MAX_SERVERS, NULL, "servers, all on duty all the time"},
    {"queue", "schedule", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL,
     "instead of servers: weekly shifts 'DAYS HH:MM-HH:MM xN' (DAYS: Mon, Mon-Fri, Mon+Wed, daily), comma-separated "
     "or the option given once per shift; overlapping shifts add up; time 0 is Monday 00:00"},
    {"queue", "schedule_file", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "instead of servers: a CSV of weekly shifts with the columns days,start,end,servers"},
    {"queue", "time_unit", REGIA_KEY_ENUM, 0, "hour", 0, 0, "minute|hour|day",
     "the unit of rates (per unit), service means, t, horizon, warmup, bin_width, trace times and the waits reported"},
    {"queue", "service", REGIA_KEY_ENUM, 0, "exp", 0, 0, "exp|det|lognormal|gamma",
     "service-time distribution: exponential, deterministic, lognormal or gamma (the last two need service_cv)"},
    {"queue", "service_mean", REGIA_KEY_STRING, 1, NULL, 0, 0, NULL,
     "mean service time (> 0), one value for every class or one per class"},
    {"queue", "service_cv", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "coefficient of variation of the service time (> 0) for lognormal and gamma, one value or one per class"},
    {"queue", "discipline", REGIA_KEY_ENUM, 0, "priority", 0, 0, "priority|fcfs",
     "priority: non-preemptive priority, first come first served within a class; fcfs: one queue in arrival order"},
    {"queue", "horizon", REGIA_KEY_DOUBLE, 0, "0", 0, 1e15, NULL,
     "arrivals stop at this time (time units; 0: none); the customers present are then served to the end"},
    {"queue", "customers", REGIA_KEY_INT, 0, "0", 0, 1e12, NULL,
     "arrivals per replication, warm-up arrivals included (0: none); then arrivals stop and the customers present "
     "are served to the end (with a horizon too: whichever comes first)"},
    {"queue", "warmup", REGIA_KEY_DOUBLE, 0, "0", 0, 1e15, NULL,
     "customers arriving before this time are simulated but not counted (time units)"},
    {"queue", "reps", REGIA_KEY_INT, 0, "20", 2, MAX_REPS, NULL,
     "independent replications (>= 2: standard errors come from their spread)"},
    {"queue", "t", REGIA_KEY_DOUBLE_LIST, 0, NULL, 0, 0, NULL,
     "waits t (time units, > 0, ascending, at most 15) at which P(W > t) is reported; P(W > 0) always is"},
    {"queue", "quantiles", REGIA_KEY_DOUBLE_LIST, 0, "0.5, 0.9, 0.95", 0, 0, NULL,
     "probabilities p in (0, 1), ascending, at most 16, of the waiting-time quantiles reported"},
    {"queue", "bins", REGIA_KEY_INT, 0, "5000", 10, 1000000, NULL,
     "bins of the waiting-time histogram the quantiles come from (the last holds every longer wait)"},
    {"queue", "bin_width", REGIA_KEY_DOUBLE, 0, "0", 0, 1e15, NULL,
     "width of a histogram bin (time units; 0: the smallest service mean / 100)"},
    {"queue", "csv", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL, "the CSV summary [default: OUT with .nc replaced by .csv]"},
    REGIA_SUBMIT_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const regia_opt_meta_t queue_meta[] = {
    {"output", "OUT.nc"}, {"classes", "A,B,..."}, {"rates", "R1,R2,..."}, {"arrivals", "FILE.csv"},
    {"servers", "C"}, {"schedule", "'DAYS HH:MM-HH:MM xN'"}, {"schedule_file", "FILE.csv"},
    {"time_unit", "minute|hour|day"}, {"service", "exp|det|lognormal|gamma"}, {"service_mean", "M[,M...]"},
    {"service_cv", "CV[,CV...]"}, {"discipline", "priority|fcfs"}, {"horizon", "T"}, {"customers", "N"},
    {"warmup", "T"}, {"reps", "R"}, {"t", "T1,T2,..."}, {"quantiles", "P1,P2,..."}, {"bins", "N"},
    {"bin_width", "W"}, {"csv", "FILE.csv"}, {"seed", "S"}, {"backend", "B"}, {"threads", "N"},
    {"checkpoint_interval", "S"}, {"checkpoint_dir", "DIR"}, {"chunk", "N"}, {"progress_interval", "S"},
    {"name", "NAME"}, {"domain", "queue"},
    {NULL, NULL},
};

/* ---- configure ------------------------------------------------------------------------- */

/* A value error naming the option or job-file line. */
#define BAD(key, ...)                                                             \
    do {                                                                          \
        char where_[512];                                                         \
        regia_run_where(run, "queue", key, where_, sizeof where_);                \
        regia_error_set(REGIA_ERR_INVALID, __FILE__, __LINE__, __VA_ARGS__);      \
        regia_error_prefix("%s: ", where_);                                       \
        return REGIA_ERR_INVALID;                                                 \
    } while (0)

/* The comma-separated numbers of a key into v[0..max) (*n of them; 0 when the key is
 * absent).  A string key, not a number list: job-file lists refuse a repeated item, and
 * two classes may well share a rate or a service mean. */
static regia_status_t num_list(regia_run_t *run, const char *key, double *v, int max, int *n)
{
    const char *s = regia_job_str(run->job, "queue", key);
    *n = 0;
    if (!s) return REGIA_OK;
    for (const char *p = s;;) {
        char *end = NULL;
        errno = 0;
        const double x = strtod(p, &end);
        while (end && end > p && (*end == ' ' || *end == '\t')) end++;
        if (end == p || errno || !isfinite(x) || (*end && *end != ','))
            BAD(key, "'%s': expected comma-separated numbers, e.g. 0.4,1.2", s);
        if (*n == max) BAD(key, "'%s': more than %d values", s, max);
        v[(*n)++] = x;
        if (!*end) break;
        p = end + 1;
    }
    return REGIA_OK;
}

/* A per-class list: one value for every class, or one per class; each > 0. */
static regia_status_t class_list(regia_run_t *run, const char *key, int K, double *out)
{
    double v[MAX_K];
    int n;
    regia_status_t st = num_list(run, key, v, MAX_K, &n);
    if (st) return st;
    if (n != 1 && n != K) BAD(key, "'%s': expected one value for every class or %d values, one per class, got %d",
                             regia_job_str(run->job, "queue", key), K, n);
    for (int k = 0; k < K; k++) {
        out[k] = v[n == 1 ? 0 : k];
        if (!(out[k] > 0) || !isfinite(out[k]))
            BAD(key, "'%s': every value must be a number > 0 (value %d is %g)", regia_job_str(run->job, "queue", key),
                (n == 1 ? 0 : k) + 1, out[k]);
    }
    return REGIA_OK;
}

/* Offered load and utilisation of the Poisson model; unstable without a horizon: error. */
static regia_status_t check_stability(regia_run_t *run, q_t *q, const char *servers_key)
{
    q->load = 0;
    for (int k = 0; k < q->K; k++) q->load += q->rate[k] * q->svc_mean[k];
    const double cap = q->has_sched ? q->sched.mean_servers : q->servers;
    q->rho = q->load / cap;
    if (q->rho >= 1 && q->horizon == 0) {
        char where[512];
        regia_run_where(run, "queue", servers_key, where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "%s: the system is unstable: utilisation rho = %.6g >= 1 (offered load %.6g Erlang on "
                          "%s%.6g server%s): waits grow without bound, so no number of customers gives a "
                          "steady-state answer; add servers, lower the rates, or give a horizon to study a finite "
                          "period", where, q->rho, q->load, q->has_sched ? "an average of " : "", cap,
                          cap == 1 ? "" : "s");
    }
    return REGIA_OK;
}

static regia_status_t q_configure(regia_run_t *run, void *self)
{
    q_t *q = self;
    regia_job_t *j = run->job;
    regia_status_t st = REGIA_OK;
    q->output = regia_job_path(j, "job", "output");
    q->cmdline = run->cmdline;
    q->seed = (uint64_t)regia_job_int(j, "job", "seed");
    /* units */
    q->unit = regia_job_str(j, "queue", "time_unit");
    if (!strcmp(q->unit, "minute")) q->ud_unit = "min", q->rate_unit = "min-1", q->min_per_unit = 1;
    else if (!strcmp(q->unit, "day")) q->ud_unit = "d", q->rate_unit = "d-1", q->min_per_unit = 1440;
    else q->ud_unit = "h", q->rate_unit = "h-1", q->min_per_unit = 60;
    /* arrivals: rates or a trace */
    const int n_cls = regia_job_list_len(j, "queue", "classes");
    int n_rates = 0;
    if ((st = num_list(run, "rates", q->rate, MAX_K, &n_rates))) return st;
    q->trace = regia_job_path(j, "queue", "arrivals");
    if (q->trace && n_rates) BAD("arrivals", "give either rates or arrivals (a trace), not both");
    if (!q->trace && !n_rates) {
        if (run->from_options)
            return REGIA_FAIL(REGIA_ERR_INVALID, "--rates R1,R2,... (Poisson arrival rates) or --arrivals FILE.csv "
                              "(a trace) is required");
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: [queue] needs rates (Poisson arrival rates) or arrivals (a trace)",
                          regia_job_file(j));
    }
    q->poisson = !q->trace;
    if (q->trace && !n_cls)
        BAD("arrivals", "a trace needs classes: the names its class column holds, highest priority first");
    q->K = n_cls ? n_cls : n_rates;
    if (q->K > MAX_K) BAD(n_cls ? "classes" : "rates", "%d classes: at most %d", q->K, MAX_K);
    if (n_cls && n_rates && n_cls != n_rates)
        BAD("rates", "'%s': %d rates for %d classes (%s): give one rate per class", regia_job_str(j, "queue", "rates"),
            n_rates, n_cls, regia_job_str(j, "queue", "classes"));
    q->namelen = 2;
    for (int k = 0; k < q->K; k++) {
        const char *s = n_cls ? regia_job_list_item(j, "queue", "classes", k) : NULL;
        if (s && (!*s || strlen(s) >= QUEUE_NAME_LEN))
            BAD("classes", "class %d '%s': a name needs 1 to %d bytes", k + 1, s, QUEUE_NAME_LEN - 1);
        if (s && strpbrk(s, "\"\r\n"))
            BAD("classes", "class %d '%s': a name cannot hold quotes or line breaks", k + 1, s);
        if (s) snprintf(q->name[k], QUEUE_NAME_LEN, "%s", s);
        else snprintf(q->name[k], QUEUE_NAME_LEN, "%d", k + 1);
        if ((int)strlen(q->name[k]) + 1 > q->namelen) q->namelen = (int)strlen(q->name[k]) + 1;
        for (int i = 0; i < k; i++)
            if (!strcmp(q->name[i], q->name[k])) BAD("classes", "class '%s' is listed twice", q->name[k]);
    }
    for (int k = 0; k < n_rates; k++) {
        if (!(q->rate[k] > 0) || !isfinite(q->rate[k]))
            BAD("rates", "'%s': rate %d (class %s) is %g: every arrival rate must be > 0 (leave out a class that "
                "has no arrivals)", regia_job_str(j, "queue", "rates"), k + 1, q->name[k], q->rate[k]);
    }
    /* servers: a count or a weekly schedule */
    const int has_c = regia_job_has(j, "queue", "servers");
    q->n_sched_items = regia_job_list_len(j, "queue", "schedule");
    q->sched_file = regia_job_path(j, "queue", "schedule_file");
    if (has_c + (q->n_sched_items > 0) + (q->sched_file != NULL) != 1) {
        if (has_c + (q->n_sched_items > 0) + (q->sched_file != NULL) > 1)
            BAD(has_c ? "servers" : "schedule", "give one of servers, schedule and schedule_file");
        if (run->from_options)
            return REGIA_FAIL(REGIA_ERR_INVALID, "--servers C, --schedule 'DAYS HH:MM-HH:MM xN' or --schedule-file "
                              "FILE.csv is required");
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: [queue] needs servers, schedule or schedule_file", regia_job_file(j));
    }
    q->servers = has_c ? (int)regia_job_int(j, "queue", "servers") : 0;
    if (q->n_sched_items) {
        char where[512];
        regia_run_where(run, "queue", "schedule", where, sizeof where);
        for (int i = 0; i < q->n_sched_items; i++)
            if ((st = queue_shift_add(&q->week, regia_job_list_item(j, "queue", "schedule", i), where))) return st;
        if ((st = queue_sched_build(&q->week, q->min_per_unit, &q->sched, where))) return st;
        q->has_sched = 1;
    }
    q->has_sched |= q->sched_file != NULL; /* built in index, where rank 0 reads the file */
    /* service */
    q->dist_name = regia_job_str(j, "queue", "service");
    q->dist = !strcmp(q->dist_name, "det") ? REGIA_SVC_DET : !strcmp(q->dist_name, "lognormal") ? REGIA_SVC_LOGNORMAL
              : !strcmp(q->dist_name, "gamma") ? REGIA_SVC_GAMMA : REGIA_SVC_EXP;
    if ((st = class_list(run, "service_mean", q->K, q->svc_mean))) return st;
    const int need_cv = q->dist == REGIA_SVC_LOGNORMAL || q->dist == REGIA_SVC_GAMMA;
    if (need_cv && !regia_job_has(j, "queue", "service_cv"))
        BAD("service", "'%s' needs service_cv (the coefficient of variation of the service time)", q->dist_name);
    if (!need_cv && regia_job_has(j, "queue", "service_cv"))
        BAD("service_cv", "applies to lognormal and gamma service times only (exp has cv 1, det cv 0)");
    if (need_cv) {
        if ((st = class_list(run, "service_cv", q->K, q->svc_cv))) return st;
    } else {
        for (int k = 0; k < q->K; k++) q->svc_cv[k] = q->dist == REGIA_SVC_EXP ? 1 : 0;
    }
    q->disc_name = regia_job_str(j, "queue", "discipline");
    q->disc = !strcmp(q->disc_name, "fcfs") ? REGIA_DISC_FCFS : REGIA_DISC_PRIORITY;
    /* how long */
    q->horizon = regia_job_double(j, "queue", "horizon");
    q->customers = regia_job_int(j, "queue", "customers");
    q->warmup = regia_job_double(j, "queue", "warmup");
    if (q->poisson && q->horizon == 0 && q->customers == 0) {
        if (run->from_options)
            return REGIA_FAIL(REGIA_ERR_INVALID, "--customers N or --horizon T is required (when to end a replication)");
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: [queue] needs customers or horizon (when to end a replication)",
                          regia_job_file(j));
    }
    if (q->horizon > 0 && q->warmup >= q->horizon)
        BAD("warmup", "%g is not before the horizon %g: nothing would be counted", q->warmup, q->horizon);
    q->reps = regia_job_int(j, "queue", "reps");
    /* statistics */
    q->n_t = regia_job_list_len(j, "queue", "t");
    if (q->n_t > MAX_T) BAD("t", "%d values: at most %d", q->n_t, MAX_T);
    q->tk[0] = 0;
    for (int i = 0; i < q->n_t; i++) {
        q->t[i] = q->tk[i + 1] = regia_job_list_double(j, "queue", "t", i);
        if (!(q->t[i] > 0) || !isfinite(q->t[i]) || (i && q->t[i] <= q->t[i - 1]))
            BAD("t", "'%s': expected ascending waits > 0 (P(W > 0) is always reported)", regia_job_str(j, "queue", "t"));
    }
    q->n_q = regia_job_list_len(j, "queue", "quantiles");
    if (q->n_q > MAX_Q) BAD("quantiles", "%d values: at most %d", q->n_q, MAX_Q);
    for (int i = 0; i < q->n_q; i++) {
        q->q[i] = regia_job_list_double(j, "queue", "quantiles", i);
        if (!(q->q[i] > 0 && q->q[i] < 1) || (i && q->q[i] <= q->q[i - 1]))
            BAD("quantiles", "'%s': expected ascending probabilities in (0, 1), e.g. 0.5,0.9,0.95",
                regia_job_str(j, "queue", "quantiles"));
    }
    q->bins = (int)regia_job_int(j, "queue", "bins");
    q->bin_width = regia_job_double(j, "queue", "bin_width");
    if (q->bin_width == 0) {
        double m = q->svc_mean[0];
        for (int k = 1; k < q->K; k++) m = q->svc_mean[k] < m ? q->svc_mean[k] : m;
        q->bin_width = m / 100;
    }
    if (q->poisson && (q->sched_file == NULL) && (st = check_stability(run, q, has_c ? "servers" : "schedule")))
        return st;
    /* outputs */
    q->csv = regia_job_path(j, "queue", "csv");
    if (!q->csv) {
        size_t n = strlen(q->output);
        const char *dot = strrchr(q->output, '.'), *slash = strrchr(q->output, '/');
        if (dot && (!slash || dot > slash)) n = (size_t)(dot - q->output);
        snprintf(q->csv_default, sizeof q->csv_default, "%.*s.csv", (int)n, q->output);
        q->csv = q->csv_default;
    }
    if (!strcmp(q->csv, q->output)) BAD("csv", "'%s' is the output itself", q->csv);
    if (q->trace && !strcmp(q->csv, q->trace)) BAD("csv", "'%s' is the arrivals input", q->csv);
    run->output = q->output;
    run->input = q->trace;
    run->input_role = "arrivals";
    run->n_extra = 1;
    run->extra[0].path = q->csv;
    run->extra[0].role = "summary";
    return REGIA_OK;
}

/* ---- index: files read on rank 0, broadcast; replications are the items ----------------- */

/* Broadcast in pieces (the helper counts bytes in an int). */
static void bcast_big(regia_run_t *run, void *buf, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += (size_t)1 << 30) {
        size_t n = bytes - o < ((size_t)1 << 30) ? bytes - o : (size_t)1 << 30;
        regia_run_bcast(run, (char *)buf + o, n);
    }
}

static regia_status_t q_index(regia_run_t *run, void *self)
{
    q_t *q = self;
    regia_status_t st = REGIA_OK;
    const int root = run->ctx->rank == 0;
    if (q->sched_file) {
        if (root) st = queue_sched_read_csv(q->sched_file, &q->week);
        if ((st = regia_run_agree(run, st))) return st;
        regia_run_bcast(run, &q->week, sizeof q->week);
        if ((st = queue_sched_build(&q->week, q->min_per_unit, &q->sched, q->sched_file))) return st;
        if (q->poisson) {
            if (check_stability(run, q, "schedule_file")) return REGIA_ERR_INVALID;
        }
    }
    if (q->trace) {
        long long hdr[2 + MAX_K] = {0};
        if (root) {
            st = queue_trace_read(q->trace, q->K, (const char (*)[QUEUE_NAME_LEN])q->name, MAX_TRACE, &q->tr_time,
                                  &q->tr_class, &q->n_tr, q->tr_count);
            hdr[0] = q->n_tr;
            for (int k = 0; k < q->K; k++) hdr[2 + k] = q->tr_count[k];
        }
        if ((st = regia_run_agree(run, st))) return st;
        regia_run_bcast(run, hdr, sizeof hdr);
        q->n_tr = hdr[0];
        for (int k = 0; k < q->K; k++) q->tr_count[k] = hdr[2 + k];
        if (!root) {
            q->tr_time = malloc(sizeof(double) * (size_t)q->n_tr);
            q->tr_class = malloc(sizeof(int32_t) * (size_t)q->n_tr);
            if (!q->tr_time || !q->tr_class)
                st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the %lld arrivals of %s", (long long)q->n_tr, q->trace);
        }
        if ((st = regia_run_agree(run, st))) return st;
        bcast_big(run, q->tr_time, sizeof(double) * (size_t)q->n_tr);
        bcast_big(run, q->tr_class, sizeof(int32_t) * (size_t)q->n_tr);
        q->tr_last = q->tr_time[q->n_tr - 1];
        if (q->horizon > 0 && q->tr_time[0] >= q->horizon)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: the first arrival (time %g) is at or after the horizon %g",
                              q->trace, q->tr_time[0], q->horizon);
        if (q->tr_last < q->warmup)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: every arrival (the last at time %g) comes before the warm-up %g: "
                              "nothing would be counted", q->trace, q->tr_last, q->warmup);
        /* observed rates over the trace's span, for the output and the log */
        q->load = 0;
        for (int k = 0; k < q->K; k++) {
            q->rate[k] = q->tr_last > 0 ? (double)q->tr_count[k] / q->tr_last : NAN;
            q->load += q->rate[k] * q->svc_mean[k];
        }
        q->rho = q->load / (q->has_sched ? q->sched.mean_servers : q->servers);
    }
    run->n_items = q->reps;
    return REGIA_OK;
}

static regia_status_t q_read(regia_run_t *run, void *self)
{
    (void)self;
    return regia_run_fault(run, "read"); /* everything was read in index */
}

/* ---- prepare, compute and the checkpointed results -------------------------------------- */

static regia_status_t q_prepare(regia_run_t *run, void *self)
{
    q_t *q = self;
    const size_t ni = (size_t)run->ni, K = (size_t)q->K, T = (size_t)q->n_t + 1, B = (size_t)q->bins;
    const double bytes = (double)ni * (double)K * (double)(B + T + 4) * 8;
    if (bytes > MAX_SHARD_BYTES)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%lld replications x %d classes x %d histogram bins need %.1f GiB on "
                          "one rank: use fewer bins, fewer replications, or more ranks", (long long)run->ni, q->K,
                          q->bins, bytes / (1024.0 * 1024 * 1024));
    q->n = calloc(ni * K + 1, sizeof *q->n);
    q->unserved = calloc(ni * K + 1, sizeof *q->unserved);
    q->sum_w = calloc(ni * K + 1, sizeof *q->sum_w);
    q->sum_w2 = calloc(ni * K + 1, sizeof *q->sum_w2);
    q->n_gt = calloc(ni * K * T + 1, sizeof *q->n_gt);
    q->hist = calloc(ni * K * B + 1, sizeof *q->hist);
    if (!q->n || !q->unserved || !q->sum_w || !q->sum_w2 || !q->n_gt || !q->hist)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld replications", (long long)run->ni);
    char model[256];
    if (q->has_sched)
        snprintf(model, sizeof model, "a weekly schedule of %d shift segments (%.4g servers on average, at most %d)",
                 q->sched.n, q->sched.mean_servers, q->sched.max_servers);
    else
        snprintf(model, sizeof model, "%d server%s", q->servers, q->servers == 1 ? "" : "s");
    regia_info(&run->ctx->log, "queue: %d class%s, %s arrivals, %s, %s service (mean %g %s), %s; utilisation %.4g; "
               "%lld replications of %s; %d rank%s, backend %s", q->K, q->K == 1 ? "" : "es",
               q->poisson ? "Poisson" : "traced", model, q->dist_name, q->svc_mean[0], q->unit,
               q->disc == REGIA_DISC_FCFS ? "first come first served" : "non-preemptive priority", q->rho,
               (long long)q->reps, q->horizon > 0 ? "a horizon" : "a customer count", run->ctx->size,
               run->ctx->size == 1 ? "" : "s", run->backend_desc);
    if (q->poisson && q->rho >= 1)
        regia_warn(&run->ctx->log, "utilisation %.4g >= 1: the queue grows during the simulated period; the results "
                   "describe that finite period only (there is no steady state)", q->rho);
    return REGIA_OK;
}

static int q_result_arrays(void *self, regia_item_array_t *a)
{
    q_t *q = self;
    const size_t K = (size_t)q->K, T = (size_t)q->n_t + 1, B = (size_t)q->bins, i8 = sizeof(int64_t), d = sizeof(double);
    regia_item_array_t r[6] = {{(void **)&q->n, i8 * K},        {(void **)&q->sum_w, d * K},
                               {(void **)&q->sum_w2, d * K},    {(void **)&q->n_gt, i8 * K * T},
                               {(void **)&q->hist, i8 * K * B}, {(void **)&q->unserved, i8 * K}};
    memcpy(a, r, sizeof r);
    return 6;
}

/* Local: replications [i0 + k0, i0 + k0 + n), one kernel call writing straight into the
 * shard's arrays (the kernel's layout is the shard's, offset by k0). */
static regia_status_t q_compute(regia_run_t *run, void *self, int64_t k0, int64_t n)
{
    q_t *q = self;
    const int64_t K = q->K, T = q->n_t + 1, B = q->bins;
    regia_queue_batch_t in = {
        .n_classes = q->K,
        .arrival_rate = q->poisson ? q->rate : NULL,
        .trace_time = q->tr_time,
        .trace_class = q->tr_class,
        .n_trace = q->poisson ? 0 : q->n_tr,
        .servers = q->servers,
        .n_shifts = q->has_sched ? q->sched.n : 0,
        .shift_end = q->has_sched ? q->sched.end : NULL,
        .shift_servers = q->has_sched ? q->sched.servers : NULL,
        .period = q->has_sched ? q->sched.period : 0,
        .service_dist = q->dist,
        .service_mean = q->svc_mean,
        .service_cv = q->svc_cv,
        .discipline = q->disc,
        .horizon = q->horizon,
        .n_customers = q->customers,
        .warmup = q->warmup,
        .n_t = (int32_t)T,
        .t = q->tk,
        .n_bins = q->bins,
        .bin_width = q->bin_width,
        .rep0 = run->i0 + k0,
        .n_reps = (int32_t)n,
        .seed = q->seed,
    };
    regia_queue_out_t out = {
        .n = q->n + k0 * K,
        .sum_w = q->sum_w + k0 * K,
        .sum_w2 = q->sum_w2 + k0 * K,
        .n_wait_gt = q->n_gt + k0 * K * T,
        .hist = q->hist + k0 * K * B,
        .unserved = q->unserved + k0 * K,
    };
    regia_status_t st = regia_queue_sim(&run->be, &in, &out);
    if (st) regia_error_prefix("replications %lld .. %lld: ", (long long)(run->i0 + k0), (long long)(run->i0 + k0 + n - 1));
    return st;
}

/* ---- aggregation ------------------------------------------------------------------------ */

/* The p-quantile of a histogram of n waits, n0 of them exactly 0 (all in bin 0): 0 when
 * P(W = 0) >= p, else linear within the bin where the distribution function reaches p.
 * NaN with *beyond set when that is the last bin (it holds every longer wait). */
static double hist_quantile(const int64_t *h, int B, double w, int64_t n, int64_t n0, double p, int *beyond)
{
    if (n <= 0) return NAN;
    const double target = p * (double)n;
    if ((double)n0 >= target) return 0;
    double cum = (double)n0;
    for (int b = 0; b < B; b++) {
        const double mass = (double)(h[b] - (b == 0 ? n0 : 0));
        if (mass > 0 && cum + mass >= target) {
            if (b == B - 1) {
                *beyond = 1;
                return NAN;
            }
            return ((double)b + (target - cum) / mass) * w;
        }
        cum += mass;
    }
    *beyond = 1;
    return NAN;
}

/* Standard error of the mean of the finite values x[0..n) (n_used of them); NaN below 2. */
static double se_of(const double *x, int64_t n, int *n_used)
{
    double s = 0, s2 = 0;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(x[i])) s += x[i], m++;
    if (n_used) *n_used = (int)m;
    if (m < 2) return NAN;
    const double mean = s / (double)m;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(x[i])) s2 += (x[i] - mean) * (x[i] - mean);
    return sqrt(s2 / (double)(m - 1) / (double)m);
}

/* One replication's record for the gather: per class n, sum_w, sum_w2, unserved, n_gt[T]
 * and the replication's quantiles[Q] (counts as doubles: exact below 2^53). */
static size_t rec_len(const q_t *q) { return (size_t)q->K * (size_t)(4 + q->n_t + 1 + q->n_q); }

/* Collective: every replication's record to every rank, the histograms summed, then the
 * statistics computed over replications in their global order (the same on every rank). */
static regia_status_t q_check(regia_run_t *run, void *self)
{
    q_t *q = self;
    regia_status_t st = REGIA_OK;
    const int K = q->K, T = q->n_t + 1, Q = q->n_q, B = q->bins;
    const size_t RL = rec_len(q), R = (size_t)q->reps;
    double *all = malloc(sizeof(double) * RL * R), *x = malloc(sizeof(double) * (R + 1));
    long long *h = calloc((size_t)K * (size_t)B, sizeof *h);
    q->rep_n = malloc(sizeof(int64_t) * R * (size_t)K);
    q->rep_mean = malloc(sizeof(double) * R * (size_t)K);
    if (!all || !x || !h || !q->rep_n || !q->rep_mean)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the results of %lld replications", (long long)q->reps);
    if ((st = regia_run_agree(run, st))) goto err;
    for (int64_t r = 0; r < run->ni; r++) {
        double *rec = all + (size_t)(run->i0 + r) * RL;
        for (int k = 0; k < K; k++) {
            const size_t c = (size_t)r * (size_t)K + (size_t)k;
            double *o = rec + (size_t)k * (4 + (size_t)T + (size_t)Q);
            const int64_t *hc = q->hist + c * (size_t)B, *gt = q->n_gt + c * (size_t)T;
            o[0] = (double)q->n[c];
            o[1] = q->sum_w[c];
            o[2] = q->sum_w2[c];
            o[3] = (double)q->unserved[c];
            for (int i = 0; i < T; i++) o[4 + i] = (double)gt[i];
            for (int i = 0; i < Q; i++) {
                int beyond = 0;
                o[4 + T + i] = hist_quantile(hc, B, q->bin_width, q->n[c], q->n[c] - gt[0], q->q[i], &beyond);
            }
            for (int b = 0; b < B; b++) h[(size_t)k * (size_t)B + (size_t)b] += hc[b];
        }
    }
    if ((st = regia_run_allgather_items(run, all, sizeof(double) * RL))) goto err;
    for (size_t o = 0; o < (size_t)K * (size_t)B; o += (size_t)1 << 26) {
        size_t m = (size_t)K * (size_t)B - o;
        regia_run_sum(run, h + o, (int)(m < ((size_t)1 << 26) ? m : (size_t)1 << 26));
    }
    q->total_n = q->total_unserved = 0;
    for (int k = 0; k < K; k++) {
        class_stat_t *s = &q->cs[k];
        const size_t off = (size_t)k * (4 + (size_t)T + (size_t)Q);
        double sw = 0, sw2 = 0, gt[MAX_T + 1] = {0};
        memset(s, 0, sizeof *s);
        for (size_t r = 0; r < R; r++) {
            const double *o = all + r * RL + off;
            s->n += (long long)o[0];
            sw += o[1];
            sw2 += o[2];
            s->unserved += (long long)o[3];
            for (int i = 0; i < T; i++) gt[i] += o[4 + i];
            q->rep_n[r * (size_t)K + (size_t)k] = (int64_t)o[0];
            q->rep_mean[r * (size_t)K + (size_t)k] = o[0] > 0 ? o[1] / o[0] : NAN;
        }
        q->total_n += s->n;
        q->total_unserved += s->unserved;
        const double N = (double)s->n;
        s->mean = N > 0 ? sw / N : NAN;
        s->sd = N > 1 ? sqrt(fmax(0, (sw2 - N * s->mean * s->mean) / (N - 1))) : NAN;
        for (size_t r = 0; r < R; r++) x[r] = q->rep_mean[r * (size_t)K + (size_t)k];
        s->mean_se = se_of(x, (int64_t)R, &s->reps);
        for (int i = 0; i < T; i++) {
            for (size_t r = 0; r < R; r++) {
                const double *o = all + r * RL + off;
                x[r] = o[0] > 0 ? o[4 + i] / o[0] : NAN;
            }
            const double p = N > 0 ? gt[i] / N : NAN, se = se_of(x, (int64_t)R, NULL);
            if (i == 0) s->p0 = p, s->p0_se = se;
            else s->p[i - 1] = p, s->p_se[i - 1] = se;
        }
        for (int i = 0; i < Q; i++) {
            s->q_beyond[i] = 0;
            s->q[i] = hist_quantile((const int64_t *)(h + (size_t)k * (size_t)B), B, q->bin_width, s->n,
                                    s->n - (long long)gt[0], q->q[i], &s->q_beyond[i]);
            int nan_rep = 0;
            for (size_t r = 0; r < R; r++) {
                const double *o = all + r * RL + off;
                x[r] = o[4 + T + i];
                nan_rep |= o[0] > 0 && isnan(x[r]);
            }
            /* a replication whose quantile lies beyond the histogram leaves the SE unknown */
            s->q_se[i] = nan_rep || s->q_beyond[i] ? NAN : se_of(x, (int64_t)R, NULL);
        }
    }
    if (q->total_n == 0)
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "no customer was counted in any replication: %s", q->warmup > 0
                        ? "every counted arrival would come after the warm-up; lower --warmup or raise --customers / --horizon"
                        : "raise --customers or --horizon");
err:
    free(all);
    free(x);
    free(h);
    return st;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

enum {
    V_CLASS, V_NAME, V_QUANT, V_THR, V_REP, V_RATE, V_SMEAN, V_SCV, V_N, V_UNS, V_REPS, V_MEAN, V_MEAN_SE, V_SD,
    V_P0, V_P0_SE, V_P, V_P_SE, V_Q, V_Q_SE, V_REP_N, V_REP_MEAN, V_SH_END, V_SH_SRV, N_V
};

static regia_status_t def_var(int ncid, const char *name, nc_type type, int nd, const int *dims, const char *long_name,
                              const char *units, const char *cct, int *vid)
{
    regia_status_t st = REGIA_OK;
    REGIA_TRY(regia_nc_def_data(ncid, name, type, nd, dims, NULL, vid));
    ATT(*vid, "long_name", long_name);
    if (units) ATT(*vid, "units", units);
    ATT(*vid, "coverage_content_type", cct);
err:
    return st;
}

static regia_status_t q_define(regia_run_t *run, void *self, int ncid)
{
    q_t *q = self;
    regia_status_t st = REGIA_OK;
    int d_k, d_len, d_q = -1, d_t = -1, d_r, d_sh = -1, *v = q->v;
    for (int i = 0; i < N_V; i++) v[i] = -1;
    REGIA_NC(nc_def_dim(ncid, "class", (size_t)q->K, &d_k));
    REGIA_NC(nc_def_dim(ncid, "class_strlen", (size_t)q->namelen, &d_len));
    if (q->n_q) REGIA_NC(nc_def_dim(ncid, "quantile", (size_t)q->n_q, &d_q));
    if (q->n_t) REGIA_NC(nc_def_dim(ncid, "threshold", (size_t)q->n_t, &d_t));
    REGIA_NC(nc_def_dim(ncid, "replication", (size_t)q->reps, &d_r));
    if (q->has_sched) REGIA_NC(nc_def_dim(ncid, "shift", (size_t)q->sched.n, &d_sh));
    const int dkl[2] = {d_k, d_len}, dkq[2] = {d_q, d_k}, dkt[2] = {d_t, d_k}, drk[2] = {d_r, d_k};
    const char *u = q->ud_unit;
    /* coordinates */
    REGIA_TRY(def_var(ncid, "class", NC_INT, 1, &d_k, "priority rank of the class (1: served first)", "1",
                      "coordinate", &v[V_CLASS]));
    REGIA_TRY(def_var(ncid, "class_name", NC_CHAR, 2, dkl, "name of the priority class", NULL, "auxiliaryInformation",
                      &v[V_NAME]));
    if (q->n_q) {
        REGIA_TRY(def_var(ncid, "quantile", NC_DOUBLE, 1, &d_q, "probability of the waiting-time quantile", "1",
                          "coordinate", &v[V_QUANT]));
        REGIA_NC(nc_del_att(ncid, v[V_QUANT], "_FillValue"));
    }
    if (q->n_t) {
        REGIA_TRY(def_var(ncid, "threshold", NC_DOUBLE, 1, &d_t, "waiting time t of P(W > t)", u, "coordinate",
                          &v[V_THR]));
        REGIA_NC(nc_del_att(ncid, v[V_THR], "_FillValue"));
    }
    REGIA_TRY(def_var(ncid, "replication", NC_INT, 1, &d_r, "replication index (its random stream)", "1", "coordinate",
                      &v[V_REP]));
    /* the model */
    REGIA_TRY(def_var(ncid, "arrival_rate", NC_DOUBLE, 1, &d_k,
                      q->poisson ? "Poisson arrival rate of the class"
                                 : "observed arrival rate of the class (arrivals / time of the last arrival of the trace)",
                      q->rate_unit, "auxiliaryInformation", &v[V_RATE]));
    REGIA_TRY(def_var(ncid, "service_mean", NC_DOUBLE, 1, &d_k, "mean service time of the class", u,
                      "auxiliaryInformation", &v[V_SMEAN]));
    REGIA_TRY(def_var(ncid, "service_cv", NC_DOUBLE, 1, &d_k, "coefficient of variation of the service time", "1",
                      "auxiliaryInformation", &v[V_SCV]));
    if (q->has_sched) {
        REGIA_TRY(def_var(ncid, "shift_end", NC_DOUBLE, 1, &d_sh,
                          "end of the schedule segment within the week (from Monday 00:00; the segment starts at the "
                          "previous one's end)", u, "auxiliaryInformation", &v[V_SH_END]));
        REGIA_TRY(def_var(ncid, "shift_servers", NC_INT, 1, &d_sh, "servers on duty during the schedule segment", "1",
                          "auxiliaryInformation", &v[V_SH_SRV]));
    }
    /* results */
    REGIA_TRY(def_var(ncid, "customers", NC_INT64, 1, &d_k,
                      "customers whose waits were counted (arrived at or after the warm-up), all replications",
                      "1", "auxiliaryInformation", &v[V_N]));
    REGIA_TRY(def_var(ncid, "unserved", NC_INT64, 1, &d_k,
                      "customers still waiting when the arrivals ended (at the horizon, the last customer or the "
                      "trace's end; served afterwards and counted), all replications", "1", "auxiliaryInformation",
                      &v[V_UNS]));
    REGIA_TRY(def_var(ncid, "replications_counted", NC_INT, 1, &d_k, "replications that counted customers of the class",
                      "1", "auxiliaryInformation", &v[V_REPS]));
    REGIA_TRY(def_var(ncid, "wait_mean", NC_DOUBLE, 1, &d_k, "mean waiting time in queue (arrival to service start)",
                      u, "modelResult", &v[V_MEAN]));
    ATT(v[V_MEAN], "ancillary_variables", "wait_mean_se");
    REGIA_TRY(def_var(ncid, "wait_mean_se", NC_DOUBLE, 1, &d_k,
                      "Monte Carlo standard error of wait_mean (from the replication means)", u, "qualityInformation",
                      &v[V_MEAN_SE]));
    REGIA_TRY(def_var(ncid, "wait_sd", NC_DOUBLE, 1, &d_k, "standard deviation of the waiting time (all customers)", u,
                      "modelResult", &v[V_SD]));
    REGIA_TRY(def_var(ncid, "p_wait", NC_DOUBLE, 1, &d_k, "probability of waiting at all, P(W > 0)", "1",
                      "modelResult", &v[V_P0]));
    ATT(v[V_P0], "ancillary_variables", "p_wait_se");
    REGIA_TRY(def_var(ncid, "p_wait_se", NC_DOUBLE, 1, &d_k, "Monte Carlo standard error of p_wait (from the "
                      "replication proportions)", "1", "qualityInformation", &v[V_P0_SE]));
    if (q->n_t) {
        REGIA_TRY(def_var(ncid, "p_wait_gt", NC_DOUBLE, 2, dkt, "probability that the wait exceeds t, P(W > t)", "1",
                          "modelResult", &v[V_P]));
        ATT(v[V_P], "ancillary_variables", "p_wait_gt_se");
        REGIA_TRY(def_var(ncid, "p_wait_gt_se", NC_DOUBLE, 2, dkt, "Monte Carlo standard error of p_wait_gt (from the "
                          "replication proportions)", "1", "qualityInformation", &v[V_P_SE]));
    }
    if (q->n_q) {
        REGIA_TRY(def_var(ncid, "wait_quantile", NC_DOUBLE, 2, dkq,
                          "quantile of the waiting time (from the histogram of all replications; NaN: beyond the "
                          "histogram, see bin_width)", u, "modelResult", &v[V_Q]));
        ATT(v[V_Q], "ancillary_variables", "wait_quantile_se");
        REGIA_TRY(def_var(ncid, "wait_quantile_se", NC_DOUBLE, 2, dkq,
                          "Monte Carlo standard error of wait_quantile (from the replication quantiles)", u,
                          "qualityInformation", &v[V_Q_SE]));
    }
    REGIA_TRY(def_var(ncid, "replication_customers", NC_INT64, 2, drk, "customers counted in the replication", "1",
                      "auxiliaryInformation", &v[V_REP_N]));
    REGIA_TRY(def_var(ncid, "replication_wait_mean", NC_DOUBLE, 2, drk, "mean waiting time in the replication", u,
                      "modelResult", &v[V_REP_MEAN]));
    for (int i = V_RATE; i < N_V; i++)
        if (v[i] >= 0 && i != V_SH_END && i != V_SH_SRV && i != V_REP_N && i != V_REP_MEAN) ATT(v[i], "coordinates", "class_name");
    /* the domain's global attributes */
    ATT(NC_GLOBAL, "command_line", q->cmdline);
    ATT(NC_GLOBAL, "queue_discipline", q->disc == REGIA_DISC_FCFS ? "fcfs" : "non-preemptive priority");
    ATT(NC_GLOBAL, "queue_arrivals", q->poisson ? "poisson" : "trace");
    ATT(NC_GLOBAL, "queue_service_distribution", q->dist_name);
    ATT(NC_GLOBAL, "queue_time_unit", q->unit);
    if (!q->has_sched) REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "queue_servers", NC_INT, 1, &q->servers));
    else REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "queue_mean_servers", NC_DOUBLE, 1, &q->sched.mean_servers));
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "queue_utilisation", NC_DOUBLE, 1, &q->rho));
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "queue_horizon", NC_DOUBLE, 1, &q->horizon));
    {
        long long c = q->customers, s = (long long)q->seed;
        REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "queue_customers_per_replication", NC_INT64, 1, &c));
        REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "monte_carlo_seed", NC_INT64, 1, &s));
    }
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "queue_warmup", NC_DOUBLE, 1, &q->warmup));
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "histogram_bin_width", NC_DOUBLE, 1, &q->bin_width));
    REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "histogram_bins", NC_INT, 1, &q->bins));
err:
    return st;
}

static void q_acdd(regia_run_t *run, void *self, void *acdd)
{
    q_t *q = self;
    regia_acdd_t *out = acdd;
    static _Thread_local char id[1024], model[1024];
    {
        const char *b = strrchr(q->output, '/');
        b = b ? b + 1 : q->output;
        size_t n = strlen(b);
        if (n > 3 && !strcmp(b + n - 3, ".nc")) n -= 3;
        snprintf(id, sizeof id, "%.*s", (int)n, b);
    }
    size_t o = 0;
    o += (size_t)snprintf(model + o, sizeof model - o, "%d priority class%s (", q->K, q->K == 1 ? "" : "es");
    for (int k = 0; k < q->K && o < sizeof model; k++)
        o += (size_t)snprintf(model + o, sizeof model - o, "%s%s", k ? ", " : "", q->name[k]);
    if (o < sizeof model)
        snprintf(model + o, sizeof model - o, ") with %s arrivals, %s%s, %s service times, %s discipline",
                 q->poisson ? "Poisson" : "traced",
                 q->has_sched ? "a weekly server schedule" : "", q->has_sched ? "" : "a fixed number of servers",
                 q->dist_name, q->disc == REGIA_DISC_FCFS ? "first-come-first-served" : "non-preemptive priority");
    snprintf(q->summary, sizeof q->summary,
             "Waiting times in queue of a multi-server queue with %s, estimated by discrete-event Monte Carlo "
             "simulation over %lld independent replications: per class the mean, standard deviation, quantiles, "
             "P(W > 0) and P(W > t), each with its Monte Carlo standard error from the spread of the replication "
             "estimates.  Times are in %ss.", model, (long long)q->reps, q->unit);
    regia_acdd_t a = {
        .title = "Queue waiting times by priority class (Monte Carlo simulation)",
        .summary = q->summary,
        .keywords = "queueing, waiting time, priority queue, Monte Carlo simulation, M/M/c",
        .id = out->id ? out->id : id,
        .source = "regia queue: discrete-event simulation of a multi-server queue (counter-based Philox random "
                  "streams keyed by replication)",
        .processing_level = "model output: Monte Carlo estimates of waiting-time statistics of a user-specified "
                            "queueing model",
        .comment = "Times are simulated model time from the start of a replication (with a schedule: from Monday "
                   "00:00), not calendar time, so the file has no time coverage. "
                   "Standard errors (the *_se variables) are those of the Monte Carlo estimate, from the spread of "
                   "the per-replication estimates. After the arrivals end (horizon or customer count) the "
                   "customers present are served to the end, so every counted wait is complete. Quantiles are interpolated linearly within histogram bins.",
        .license = "Same terms as the model inputs",
        .acknowledgement = "Computed with regia.",
        .references = "Cobham, A. (1954) Priority assignment in waiting line problems, J. Oper. Res. Soc. America "
                      "2(1), 70-76; Erlang C formula for M/M/c",
        .feature_type = "",
        .cdm_data_type = "",
        .date_created = out->date_created,
        .history = out->history,
        .time_start = NULL,
        .time_end = NULL,
        .duration_s = -1,
    };
    *out = a;
}

/* Collective, data mode: rank 0 writes every row (the statistics are the same on every
 * rank), the others take part with empty writes. */
static regia_status_t q_write(regia_run_t *run, void *self, int ncid)
{
    q_t *q = self;
    regia_status_t st = REGIA_OK;
    const int K = q->K, *v = q->v;
    const int64_t nk = run->ctx->rank == 0 ? K : 0, nr = run->ctx->rank == 0 ? q->reps : 0;
    const size_t nb = (size_t)(K * (MAX_Q > MAX_T ? MAX_Q : MAX_T) + 1);
    double *d = calloc(nb, sizeof *d);
    long long *l = calloc((size_t)K + 1, sizeof *l);
    int *iv = malloc(sizeof(int) * (size_t)(q->reps + (q->has_sched ? q->sched.n : 0) + K + 1));
    char *names = calloc((size_t)K, (size_t)q->namelen);
    if (!d || !l || !iv || !names) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output");
    if ((st = regia_run_agree(run, st))) goto err;
#define ROWS(var, n, type, data) REGIA_TRY(regia_run_put_rows(run, ncid, v[var], 1, 0, (n), NULL, type, data))
#define ROWS2(var, n, inner, type, data)                                                         \
    do {                                                                                         \
        const size_t in_[1] = {(size_t)(inner)};                                                  \
        REGIA_TRY(regia_run_put_rows(run, ncid, v[var], 2, 0, (n), in_, type, data));             \
    } while (0)
    for (int k = 0; k < K; k++) iv[k] = k + 1;
    ROWS(V_CLASS, nk, NC_INT, iv);
    for (int k = 0; k < K; k++) strncpy(names + (size_t)k * (size_t)q->namelen, q->name[k], (size_t)q->namelen);
    ROWS2(V_NAME, nk, q->namelen, NC_CHAR, names);
    if (q->n_q) ROWS(V_QUANT, run->ctx->rank == 0 ? q->n_q : 0, NC_DOUBLE, q->q);
    if (q->n_t) ROWS(V_THR, run->ctx->rank == 0 ? q->n_t : 0, NC_DOUBLE, q->t);
    for (int64_t r = 0; r < q->reps; r++) iv[r] = (int)r;
    ROWS(V_REP, nr, NC_INT, iv);
    ROWS(V_RATE, nk, NC_DOUBLE, q->rate);
    ROWS(V_SMEAN, nk, NC_DOUBLE, q->svc_mean);
    ROWS(V_SCV, nk, NC_DOUBLE, q->svc_cv);
    if (q->has_sched) {
        ROWS(V_SH_END, run->ctx->rank == 0 ? q->sched.n : 0, NC_DOUBLE, q->sched.end);
        ROWS(V_SH_SRV, run->ctx->rank == 0 ? q->sched.n : 0, NC_INT, q->sched.servers);
    }
    const class_stat_t *cs = q->cs;
    for (int k = 0; k < K; k++) l[k] = cs[k].n;
    ROWS(V_N, nk, NC_INT64, l);
    for (int k = 0; k < K; k++) l[k] = cs[k].unserved;
    ROWS(V_UNS, nk, NC_INT64, l);
    for (int k = 0; k < K; k++) iv[k] = cs[k].reps;
    ROWS(V_REPS, nk, NC_INT, iv);
#define PER_CLASS(var, field)                                   \
    do {                                                        \
        for (int k = 0; k < K; k++) d[k] = cs[k].field;         \
        ROWS(var, nk, NC_DOUBLE, d);                            \
    } while (0)
    PER_CLASS(V_MEAN, mean);
    PER_CLASS(V_MEAN_SE, mean_se);
    PER_CLASS(V_SD, sd);
    PER_CLASS(V_P0, p0);
    PER_CLASS(V_P0_SE, p0_se);
    /* (threshold, class) and (quantile, class): class last, as CDO 2.1 reads them (with the
     * class first it takes the threshold for an x axis and skips the variable) */
    if (q->n_t) {
        const int64_t nt = run->ctx->rank == 0 ? q->n_t : 0;
        for (int k = 0; k < K; k++)
            for (int j = 0; j < q->n_t; j++) d[j * K + k] = cs[k].p[j];
        ROWS2(V_P, nt, K, NC_DOUBLE, d);
        for (int k = 0; k < K; k++)
            for (int j = 0; j < q->n_t; j++) d[j * K + k] = cs[k].p_se[j];
        ROWS2(V_P_SE, nt, K, NC_DOUBLE, d);
    }
    if (q->n_q) {
        const int64_t nq = run->ctx->rank == 0 ? q->n_q : 0;
        for (int k = 0; k < K; k++)
            for (int j = 0; j < q->n_q; j++) d[j * K + k] = cs[k].q[j];
        ROWS2(V_Q, nq, K, NC_DOUBLE, d);
        for (int k = 0; k < K; k++)
            for (int j = 0; j < q->n_q; j++) d[j * K + k] = cs[k].q_se[j];
        ROWS2(V_Q_SE, nq, K, NC_DOUBLE, d);
    }
    ROWS2(V_REP_N, nr, K, NC_INT64, q->rep_n);
    ROWS2(V_REP_MEAN, nr, K, NC_DOUBLE, q->rep_mean);
#undef PER_CLASS
#undef ROWS
#undef ROWS2
err:
    free(d);
    free(l);
    free(iv);
    free(names);
    return st;
}

/* ---- the CSV summary -------------------------------------------------------------------- */

static void csv_num(FILE *f, double x)
{
    if (isnan(x)) fputs("NaN", f);
    else fprintf(f, "%.10g", x);
}

/* One row: class,priority,statistic,parameter,value,std_error,units,replications. */
static void csv_row(FILE *f, const q_t *q, int k, const char *stat, double par, double val, double se,
                    const char *units)
{
    fprintf(f, "%s,%d,%s,", q->name[k], k + 1, stat);
    if (!isnan(par)) fprintf(f, "%.10g", par);
    fputc(',', f);
    csv_num(f, val);
    fputc(',', f);
    if (!isinf(se)) csv_num(f, se); /* +inf: not applicable (empty) */
    fprintf(f, ",%s,%d\n", units, q->cs[k].reps);
}

/* Collective: rank 0 writes the file (the statistics are the same on every rank). */
static regia_status_t q_write_extra(regia_run_t *run, void *self, int i, const char *tmp)
{
    (void)i;
    q_t *q = self;
    regia_status_t st = regia_run_fault(run, "summary"); /* REGIA_FAULT=summary:R (tests) */
    if (st || run->ctx->rank != 0) return st;
    FILE *f = fopen(tmp, "w");
    if (!f) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    const char *u = q->ud_unit;
    fputs("class,priority,statistic,parameter,value,std_error,units,replications\n", f);
    for (int k = 0; k < q->K; k++) {
        const class_stat_t *s = &q->cs[k];
        csv_row(f, q, k, "customers", NAN, (double)s->n, INFINITY, "1");
        csv_row(f, q, k, "unserved", NAN, (double)s->unserved, INFINITY, "1");
        csv_row(f, q, k, "wait_mean", NAN, s->mean, s->mean_se, u);
        csv_row(f, q, k, "wait_sd", NAN, s->sd, INFINITY, u);
        csv_row(f, q, k, "p_wait", NAN, s->p0, s->p0_se, "1");
        for (int j = 0; j < q->n_t; j++) csv_row(f, q, k, "p_wait_gt", q->t[j], s->p[j], s->p_se[j], "1");
        for (int j = 0; j < q->n_q; j++) csv_row(f, q, k, "wait_quantile", q->q[j], s->q[j], s->q_se[j], u);
    }
    int bad = ferror(f);
    bad |= fflush(f) != 0;
    bad |= fclose(f) != 0;
    if (bad) return REGIA_FAIL(REGIA_ERR_IO, "%s: writing the CSV summary failed: %s", tmp, strerror(errno));
    return REGIA_OK;
}

/* ---- report, manifest, release ---------------------------------------------------------- */

static void q_report(regia_run_t *run, void *self)
{
    q_t *q = self;
    for (int k = 0; k < q->K; k++) {
        const class_stat_t *s = &q->cs[k];
        char qs[512] = "";
        size_t o = 0;
        for (int j = 0; j < q->n_q && o < sizeof qs; j++)
            o += (size_t)snprintf(qs + o, sizeof qs - o, ", q%g %.4g", 100 * q->q[j], s->q[j]);
        regia_info(&run->ctx->log, "class %s: %lld customers, mean wait %.6g +- %.2g %s, P(W > 0) %.4g%s",
                   q->name[k], s->n, s->mean, s->mean_se, q->ud_unit, s->p0, qs);
        for (int j = 0; j < q->n_q; j++)
            if (s->q_beyond[j])
                regia_warn(&run->ctx->log, "class %s: the %g quantile lies beyond the histogram (%d bins of %g %s): "
                           "NaN; raise --bin-width or --bins", q->name[k], q->q[j], q->bins, q->bin_width, q->unit);
    }
}

static void q_manifest(regia_run_t *run, void *self, regia_manifest_t *m)
{
    q_t *q = self;
    regia_manifest_num(m, "classes", q->K);
    regia_manifest_num(m, "replications", (double)q->reps);
    regia_manifest_num(m, "customers_counted", (double)q->total_n);
    regia_manifest_num(m, "utilisation", q->rho);
    regia_manifest_str(m, "discipline", q->disc_name);
    regia_manifest_str(m, "service", q->dist_name);
    regia_manifest_str(m, "time_unit", q->unit);
    regia_manifest_num(m, "seed", (double)q->seed);
    if (q->sched_file && regia_manifest_file(m, "inputs", "schedule", q->sched_file) != REGIA_OK) regia_error_clear();
}

static void q_release(regia_run_t *run, void *self)
{
    q_t *q = self;
    free(q->tr_time);
    free(q->tr_class);
    free(q->n);
    free(q->n_gt);
    free(q->hist);
    free(q->unserved);
    free(q->sum_w);
    free(q->sum_w2);
    free(q->rep_n);
    free(q->rep_mean);
}

const regia_domain_t regia_domain_queue = {
    .name = "queue",
    .summary = "waiting times of your own priority queue model (Monte Carlo; NetCDF and CSV)",
    .about = "Simulates a multi-server queue with priority classes: Poisson arrivals per class (or a CSV trace\n"
             "of arrival times), c servers or a weekly shift schedule, exponential, deterministic, lognormal or\n"
             "gamma service times, non-preemptive priority (default) or first come first served.  Reports per\n"
             "class the mean, quantiles and P(W > t) of the waiting time in queue with their Monte Carlo\n"
             "standard errors (from independent replications) in a CF-1.10/ACDD-1.3 NetCDF-4 file, a CSV\n"
             "summary and OUT.manifest.json.  Replications are split over the MPI ranks; the output is the\n"
             "same for any number of ranks.  See docs/queue.md.",
    .schema = queue_schema,
    .meta = queue_meta,
    .options_usage = "--rates R1,R2,... | --arrivals FILE.csv  --servers C | --schedule SHIFT  --service-mean M\n"
                     "         --customers N | --horizon T  --output OUT.nc [OPTIONS]",
    .state_size = sizeof(q_t),
    .unit = "replications",
    .stage = "simulate",
    .output_role = "queue",
    .not_in_results = "job.threads job.progress_interval job.checkpoint_dir job.checkpoint_interval job.chunk job.name "
                      "queue.csv queue.quantiles",
    .configure = q_configure,
    .index = q_index,
    .read = q_read,
    .prepare = q_prepare,
    .compute = q_compute,
    .result_arrays = q_result_arrays,
    .check_result = q_check,
    .define = q_define,
    .acdd = q_acdd,
    .write = q_write,
    .write_extra = q_write_extra,
    .report = q_report,
    .manifest = q_manifest,
    .release = q_release,
    .products = queue_products,
};
