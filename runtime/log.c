/* Rank-aware logging and progress (see regia/log.h). */
#include "regia/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double regia_now(void) { return MPI_Wtime(); }

void regia_log_init(regia_log_t *log, MPI_Comm comm, const char *prog, double interval)
{
    log->comm = comm;
    MPI_Comm_rank(comm, &log->rank);
    MPI_Comm_size(comm, &log->size);
    log->prog = prog;
    log->quiet = 0;
    log->verbose = 0;
    if (interval <= 0) {
        const char *e = getenv("REGIA_PROGRESS_INTERVAL");
        interval = e ? atof(e) : 10.0;
        if (interval <= 0) interval = 10.0;
    }
    log->interval = interval;
}

static void vemit(const regia_log_t *log, const char *kind, int with_rank, const char *fmt, va_list ap)
{
    char stamp[32], msg[4096];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (with_rank)
        fprintf(stderr, "%s %s [rank %d/%d] %s%s\n", log->prog, stamp, log->rank, log->size, kind, msg);
    else
        fprintf(stderr, "%s %s %s%s\n", log->prog, stamp, kind, msg);
    fflush(stderr);
}

void regia_info(const regia_log_t *log, const char *fmt, ...)
{
    if (log->rank != 0 || log->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    vemit(log, "", 0, fmt, ap);
    va_end(ap);
}

void regia_warn(const regia_log_t *log, const char *fmt, ...)
{
    if (log->rank != 0) return;
    va_list ap;
    va_start(ap, fmt);
    vemit(log, "warning: ", 0, fmt, ap);
    va_end(ap);
}

void regia_rank_msg(const regia_log_t *log, const char *fmt, ...)
{
    if (log->quiet) return; /* -q: warnings and errors only */
    va_list ap;
    va_start(ap, fmt);
    vemit(log, "", 1, fmt, ap);
    va_end(ap);
}

static void fmt_hms(double s, char *buf, size_t len)
{
    if (!(s >= 0) || s > 1e7) { snprintf(buf, len, "--:--:--"); return; }
    long t = (long)(s + 0.5);
    snprintf(buf, len, "%02ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

void regia_progress_begin(regia_progress_t *p, const regia_log_t *log, const char *stage,
                          int64_t local_total, const char *unit)
{
    p->log = log;
    p->stage = stage;
    p->unit = unit;
    p->local_total = local_total;
    p->local_done = 0;
    MPI_Allreduce(&local_total, &p->global_total, 1, MPI_INT64_T, MPI_SUM, log->comm);
    p->t_start = p->t_last = regia_now();
    regia_info(log, "stage %s: %lld %s on %d rank%s", stage, (long long)p->global_total, unit,
               log->size, log->size == 1 ? "" : "s");
}

void regia_progress_add(regia_progress_t *p, int64_t done)
{
    p->local_done += done;
    if (p->log->rank != 0) return;
    double now = regia_now();
    if (now - p->t_last < p->log->interval) return;
    p->t_last = now;
    double el = now - p->t_start;
    double frac = p->local_total > 0 ? (double)p->local_done / (double)p->local_total : 1.0;
    double rate = el > 0 ? (double)p->local_done * p->log->size / el : 0.0; /* whole job */
    char eta[48];
    fmt_hms(frac > 0 ? el * (1.0 - frac) / frac : -1.0, eta, sizeof eta);
    regia_info(p->log, "stage %s: %5.1f%% done, %.1f %s/s, ETA %s", p->stage, 100.0 * frac, rate,
               p->unit, eta);
}

void regia_progress_end(regia_progress_t *p)
{
    const regia_log_t *log = p->log;
    double el = regia_now() - p->t_start, tmin, tmax, tall;
    MPI_Allreduce(&el, &tmin, 1, MPI_DOUBLE, MPI_MIN, log->comm);
    MPI_Allreduce(&el, &tmax, 1, MPI_DOUBLE, MPI_MAX, log->comm);
    tall = tmax;
    int64_t done = 0;
    MPI_Allreduce(&p->local_done, &done, 1, MPI_INT64_T, MPI_SUM, log->comm);
    regia_info(log, "stage %s: done, %lld %s in %.2f s (%.1f %s/s); rank time min %.2f s, max %.2f s",
               p->stage, (long long)done, p->unit, tall, tall > 0 ? (double)done / tall : 0.0, p->unit,
               tmin, tmax);
}
