/* driver_impl.h - what every regia subcommand shares (internal to drivers/).
 *
 * Drivers are the only layer that knows MPI ranks, jobs and the order of steps, and the
 * only one that ends the program.  A subcommand is `int regia_cmd_X(ctx, argc, argv)`,
 * called on every rank with argv[0] = the subcommand's name; it returns the process exit
 * status (0 ok, 1 failure, 2 usage error) after all ranks agree on it.
 */
#ifndef REGIA_DRIVER_IMPL_H
#define REGIA_DRIVER_IMPL_H

#include <mpi.h>

#include "regia/log.h"
#include "regia/status.h"

typedef struct {
    MPI_Comm comm;   /* the job's communicator (MPI_COMM_WORLD, never a global) */
    int rank, size;
    regia_log_t log;
} regia_ctx_t;

/* Exit statuses: 3 = stopped by SIGUSR1/SIGTERM after saving a checkpoint (run the same
 * job again, e.g. requeue it, to resume). */
enum { REGIA_EXIT_OK = 0, REGIA_EXIT_FAIL = 1, REGIA_EXIT_USAGE = 2, REGIA_EXIT_CHECKPOINTED = 3 };

/* Collective.  Agree on the status of a step that every rank ran: if any rank failed, the
 * message of the lowest failing rank is printed once by rank 0 (with that rank's number
 * when there are several ranks) and every rank gets the failure status back. */
regia_status_t regia_agree(regia_ctx_t *ctx, regia_status_t st);

/* Not collective.  Print this rank's error and end every rank with MPI_Abort.  For
 * failures that other ranks cannot learn of (they would wait forever). */
_Noreturn void regia_fatal(regia_ctx_t *ctx, regia_status_t st);

/* Print a usage error on rank 0 ("regia env: <msg>; see regia env --help"). */
int regia_usage_error(regia_ctx_t *ctx, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Collective.  This rank's number among the ranks on its node (0 .. ranks per node - 1);
 * a rank uses GPU (local rank mod GPUs visible). */
int regia_node_local_rank(regia_ctx_t *ctx);

/* Subcommands (one file each). */
int regia_cmd_gen(regia_ctx_t *ctx, int argc, char **argv);
int regia_cmd_ingest(regia_ctx_t *ctx, int argc, char **argv);
int regia_cmd_env(regia_ctx_t *ctx, int argc, char **argv);
int regia_cmd_forecast(regia_ctx_t *ctx, int argc, char **argv);

#endif
