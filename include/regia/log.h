/* regia/log.h - rank-aware logging and progress for batch jobs.
 *
 * Messages go to stderr, prefixed with the program, the wall-clock time and, for
 * per-rank messages, the rank.  regia_info() prints on rank 0 only; regia_rank_msg()
 * on the calling rank.  Progress lines (stage, percent, series per second, ETA) are
 * printed by rank 0 at a steady interval from its own shard; shards are cost-balanced,
 * so rank 0's fraction stands for the whole job, and the per-rank summary at the end of
 * each stage gives the exact figures of every rank.
 */
#ifndef REGIA_LOG_H
#define REGIA_LOG_H

#include <mpi.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    MPI_Comm comm;       /* the driver's communicator (not owned)               */
    int rank, size;
    const char *prog;    /* "regia env", "regia ingest env", ...                */
    double interval;     /* seconds between progress lines (default 10)         */
    int quiet;           /* 1: rank 0 prints warnings and errors only           */
    int verbose;         /* 1: errors also show where they were raised (file:line) */
} regia_log_t;

/* Not collective.  interval <= 0 takes REGIA_PROGRESS_INTERVAL or 10 s. */
void regia_log_init(regia_log_t *log, MPI_Comm comm, const char *prog, double interval);

void regia_info(const regia_log_t *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void regia_warn(const regia_log_t *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Printed by the calling rank, whatever its rank, with "rank N:" in front. */
void regia_rank_msg(const regia_log_t *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct {
    const regia_log_t *log;
    const char *stage;
    int64_t local_total;  /* this rank's units of work                        */
    int64_t local_done;
    int64_t global_total; /* all ranks' units (for the summary line)          */
    double t_start, t_last;
    const char *unit;     /* "series", "rows", ...                            */
} regia_progress_t;

/* Collective (an allreduce of the totals).  Prints "stage: N unit on R ranks". */
void regia_progress_begin(regia_progress_t *p, const regia_log_t *log, const char *stage,
                          int64_t local_total, const char *unit);
/* Not collective.  Adds `done` units and prints a progress line from rank 0 when the
 * interval has passed. */
void regia_progress_add(regia_progress_t *p, int64_t done);
/* Collective.  Prints the stage's total rate and the slowest and fastest rank. */
void regia_progress_end(regia_progress_t *p);

/* Seconds since an arbitrary origin (MPI_Wtime). */
double regia_now(void);

#ifdef __cplusplus
}
#endif
#endif
