/* Shared driver plumbing: agreeing on errors across ranks, fatal exits, usage errors. */
#include <stdarg.h>
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
