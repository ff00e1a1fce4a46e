/* Shared driver plumbing: agreeing on errors across ranks, fatal exits, usage errors. */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "driver_impl.h"

static regia_status_t agree(regia_ctx_t *ctx, regia_status_t st, int print);

regia_status_t regia_agree(regia_ctx_t *ctx, regia_status_t st) { return agree(ctx, st, 1); }
regia_status_t regia_agree_quiet(regia_ctx_t *ctx, regia_status_t st) { return agree(ctx, st, 0); }

/* Errors already agreed on (and printed) are not printed again by a later agreement of
 * the same failure: the agreed state is kept until the next success. */
static regia_status_t agree(regia_ctx_t *ctx, regia_status_t st, int print)
{
    /* The lowest failing rank speaks for all; a real error wins over a stop request
     * (REGIA_ERR_INTERRUPTED), so that a checkpoint-and-requeue never hides it. */
    int mine = st == REGIA_OK ? 2 * ctx->size : st == REGIA_ERR_INTERRUPTED ? ctx->size + ctx->rank : ctx->rank;
    int first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, ctx->comm);
    if (first == 2 * ctx->size) return REGIA_OK;
    first %= ctx->size;
    struct { int st; char msg[2048]; char where[256]; } e;
    memset(&e, 0, sizeof e);
    if (ctx->rank == first) {
        e.st = (int)st;
        snprintf(e.msg, sizeof e.msg, "%s", regia_error_msg());
        snprintf(e.where, sizeof e.where, "%s", regia_error_where());
    }
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, ctx->comm);
    if (ctx->rank == 0 && print) {
        if (ctx->size > 1)
            fprintf(stderr, "%s: error (rank %d): %s\n", ctx->log.prog, first, e.msg);
        else
            fprintf(stderr, "%s: error: %s\n", ctx->log.prog, e.msg);
        if (ctx->log.verbose && e.where[0]) fprintf(stderr, "%s: error raised at %s\n", ctx->log.prog, e.where);
        fflush(stderr);
    }
    regia_error_set((regia_status_t)e.st, e.where, 0, "%s", e.msg);
    return (regia_status_t)e.st;
}

_Noreturn void regia_fatal(regia_ctx_t *ctx, regia_status_t st)
{
    fprintf(stderr, "%s: fatal error on rank %d of %d: %s [%s, at %s]\n", ctx->log.prog, ctx->rank,
            ctx->size, regia_error_msg(), regia_status_str(st), regia_error_where());
    fflush(stderr);
    MPI_Abort(ctx->comm, 1);
    for (;;) {}
}

int regia_usage_error(regia_ctx_t *ctx, const char *cmd, const char *fmt, ...)
{
    if (ctx->rank == 0) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        fprintf(stderr, "regia %s: %s\nTry 'regia %s --help'.\n", cmd, msg, cmd);
    }
    return REGIA_EXIT_USAGE;
}

int regia_node_local_rank(regia_ctx_t *ctx)
{
    /* The ranks sharing this node's memory, numbered in world order: the same as
     * SLURM_LOCALID / OMPI_COMM_WORLD_LOCAL_RANK, without trusting a launcher variable. */
    MPI_Comm node;
    int local = 0;
    MPI_Comm_split_type(ctx->comm, MPI_COMM_TYPE_SHARED, ctx->rank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &local);
    MPI_Comm_free(&node);
    return local;
}

/* ---- the watchdog of a failing rank ------------------------------------------------------
 * Process-wide state, as signal handlers need: one armed watchdog at a time. */
static char wd_msg[2600], wd_unlink[2][4400], wd_rmdir[4400];

static void wd_fire(int sig)
{
    (void)sig;
    for (int i = 0; i < 2; i++)
        if (wd_unlink[i][0]) unlink(wd_unlink[i]);
    if (wd_rmdir[0]) rmdir(wd_rmdir); /* only when empty (async-signal-safe) */
    if (write(2, wd_msg, strlen(wd_msg)) < 0) { /* nothing more to do */ }
    _exit(REGIA_EXIT_FAIL);
}

static int regia_watchdog_seconds(void)
{
    const char *s = getenv("REGIA_FAIL_WAIT");
    int v = s ? atoi(s) : 0;
    return v > 0 ? v : 30;
}

void regia_watchdog_arm(regia_ctx_t *ctx, const char *tmp1, const char *tmp2)
{
    int secs = regia_watchdog_seconds();
    snprintf(wd_msg, sizeof wd_msg, "%s: error (rank %d): %s\n%s: the other ranks did not reach the agreement "
             "within %d s (a collective write of the parallel file system stalled after this failure): "
             "ending; nothing was written under the output's name\n", ctx->log.prog, ctx->rank, regia_error_msg(),
             ctx->log.prog, secs);
    snprintf(wd_unlink[0], sizeof wd_unlink[0], "%s", tmp1 ? tmp1 : "");
    snprintf(wd_unlink[1], sizeof wd_unlink[1], "%s", tmp2 ? tmp2 : "");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = wd_fire;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm((unsigned)secs);
}

void regia_watchdog_disarm(void) { alarm(0); }

void regia_watchdog_dir(const char *dir) { snprintf(wd_rmdir, sizeof wd_rmdir, "%s", dir ? dir : ""); }

/* ---- a crash inside the I/O library while closing a file that could not be flushed ---- */
static struct sigaction crash_old_segv, crash_old_bus;

void regia_crashguard_arm(regia_ctx_t *ctx, const char *tmp, const char *what)
{
    snprintf(wd_msg, sizeof wd_msg, "%s: error (rank %d): %s: %s crashed inside the NetCDF/HDF5 library (the file "
             "system is full or failing: check the space and quota of its directory); nothing was written under "
             "the output's name\n", ctx->log.prog, ctx->rank, tmp, what);
    snprintf(wd_unlink[0], sizeof wd_unlink[0], "%s", tmp ? tmp : "");
    wd_unlink[1][0] = '\0';
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = wd_fire;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &crash_old_segv);
    sigaction(SIGBUS, &sa, &crash_old_bus);
}

void regia_crashguard_disarm(void)
{
    sigaction(SIGSEGV, &crash_old_segv, NULL);
    sigaction(SIGBUS, &crash_old_bus, NULL);
}
