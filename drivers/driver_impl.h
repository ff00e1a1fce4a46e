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

#include "regia/job.h"
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
 * when there are several ranks) and every rank gets the failure status back.  A real
 * error on any rank wins over a stop request (REGIA_ERR_INTERRUPTED) on a lower one. */
regia_status_t regia_agree(regia_ctx_t *ctx, regia_status_t st);
/* Not collective.  "regia NAME ARGS..." (argv[1..]) for provenance attributes, shell-quoted,
 * every argument that holds a path written as its file name (drivers/run.c). */
void regia_provenance_cmdline(char *buf, size_t cap, const char *name, int argc, char **argv);
/* The same without printing (the error is then in regia_error_msg() on every rank). */
regia_status_t regia_agree_quiet(regia_ctx_t *ctx, regia_status_t st);

/* Not collective.  A rank that failed inside a phase where the others may be waiting in
 * a collective call of the parallel I/O library (HDF5 returns an error on one rank of a
 * collective write while the others wait in its flush) arms the watchdog before it goes
 * to the agreement: if the agreement does not complete within REGIA_FAIL_WAIT seconds
 * (default 30), the rank removes the temporary files named (NULL: none), prints its
 * error and why it ends, and exits 1, so that the launcher ends the other ranks.
 * Disarm after the agreement returned. */
void regia_watchdog_arm(regia_ctx_t *ctx, const char *tmp1, const char *tmp2);
void regia_watchdog_disarm(void);
/* A directory the watchdog (and the crash guard) also removes when it fires, if it is
 * empty: the run's checkpoint directory, made for this run (NULL: none). */
void regia_watchdog_dir(const char *dir);
/* Not collective.  Around the close of an output: NetCDF-C 4.9 can crash (SIGSEGV in its
 * report of open objects) when HDF5 fails to flush a file on a full file system; the
 * guard turns that crash into an error message naming `tmp` (removed) and exit 1. */
void regia_crashguard_arm(regia_ctx_t *ctx, const char *tmp, const char *what);
void regia_crashguard_disarm(void);

/* Not collective.  Print this rank's error and end every rank with MPI_Abort.  For
 * failures that other ranks cannot learn of (they would wait forever). */
_Noreturn void regia_fatal(regia_ctx_t *ctx, regia_status_t st);

/* Print a usage error on rank 0 ("regia env: <msg>; see regia env --help"). */
int regia_usage_error(regia_ctx_t *ctx, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Collective.  This rank's number among the ranks on its node (0 .. ranks per node - 1);
 * a rank uses GPU (local rank mod GPUs visible). */
int regia_node_local_rank(regia_ctx_t *ctx);

/* Job-file keys every batch driver accepts for `regia submit` (drivers/cmd_submit.c):
 * [slurm] how to run it on Leonardo or another SLURM cluster, and [ingest] an optional
 * ingest step that makes the [input] file first (chained with afterok). */
#define REGIA_SUBMIT_SCHEMA                                                                              \
    {"slurm", "profile", REGIA_KEY_ENUM, 0, "booster", 0, 0, "booster|dcgp|local",                     \
     "where to run: Leonardo Booster (4 GPUs/node), DCGP (CPU), or a local cluster"},                   \
    {"slurm", "account", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "project account (sbatch -A); needed on Leonardo"}, \
    {"slurm", "partition", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,                                       \
     "partition [default: boost_usr_prod, dcgp_usr_prod; local: the cluster's default]"},               \
    {"slurm", "qos", REGIA_KEY_STRING, 0, "normal", 0, 0, NULL,                                        \
     "QOS: normal, boost_qos_dbg, boost_qos_bprod, boost_qos_lprod (dcgp_qos_* on DCGP)"},             \
    {"slurm", "nodes", REGIA_KEY_INT, 0, "1", 1, 4096, NULL, "nodes"},                                  \
    {"slurm", "ranks_per_node", REGIA_KEY_INT, 0, "0", 0, 1024, NULL,                                   \
     "MPI ranks per node [0: 4 on Booster (one per GPU), 8 on DCGP, 2 local]"},                        \
    {"slurm", "cpus_per_task", REGIA_KEY_INT, 0, "0", 0, 1024, NULL,                                    \
     "cores per rank (OpenMP threads) [0: 8 on Booster, 14 on DCGP, 1 local]"},                        \
    {"slurm", "time", REGIA_KEY_STRING, 0, "00:30:00", 0, 0, NULL, "wall-time limit [D-]HH:MM:SS"},      \
    {"slurm", "array", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL,                                             \
     "one array task per item; values may use {array} for the task's item"},                           \
    {"slurm", "stage_to", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,                                          \
     "copy the outputs and manifest here after success (e.g. ${WORK}/regia or ${PUBLIC}/regia)"},     \
    {"slurm", "log_dir", REGIA_KEY_PATH, 0, "slurm-logs", 0, 0, NULL, "batch scripts and job logs"},   \
    {"slurm", "mpi", REGIA_KEY_STRING, 0, "pmix", 0, 0, NULL, "srun --mpi plugin (pmix, pmix_v3)"},    \
    {"slurm", "env_file", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,                                          \
     "script sourced first [default: slurm/leonardo.env beside regia; none for local]"},               \
    {"slurm", "mem", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,                                             \
     "memory per node, sbatch --mem (e.g. 200G) [default: the cores' share of 494000M; local: 512M per rank]"}, \
    {"slurm", "max_idle_restarts", REGIA_KEY_INT, 0, "2", 0, 1000, NULL,                                \
     "runs in a row that checkpoint no new block before the job stops requeueing (0: no limit)"},    \
    {"slurm", "prestep_partition", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,                               \
     "partition of a CPU-only pre-step such as [ingest] [default: dcgp_usr_prod from booster, else the job's]"}, \
    {"slurm", "prestep_nodes", REGIA_KEY_INT, 0, "1", 1, 4096, NULL, "nodes of the pre-step"}

/* The env job's [ingest] section: regia submit's pre-step `regia ingest env ...` that writes
 * its [input] file (drivers/env_ingest_step.c); other domains chain their ingest with an
 * ingest_job key of their own section, and reject an [ingest] section as unknown. */
#define REGIA_ENV_INGEST_SCHEMA                                                                          \
    {"ingest", "registry", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL, "ingest step: sensor registry CSV"},    \
    {"ingest", "data", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL, "ingest step: measurement CSVs (comma list)"}, \
    {"ingest", "utc_offset", REGIA_KEY_INT, 0, "1", -12, 14, NULL, "ingest step: hours to subtract for UTC"}

/* The job-file schema of `regia env` (for regia submit). */
extern const regia_job_key_t regia_env_schema[];

/* Not collective, no MPI (drivers/env_ingest_step.c).  The pre-step of an env job for
 * regia submit: its [ingest] section as the words of `regia ingest env --registry R
 * --data D... --output [input]file --utc-offset H` (after "regia"), each passed to
 * add(arg, word).  Returns 1; 0 when the job has no [ingest] section; -1 with the error
 * set (naming the job file and line) when the section is incomplete. */
int regia_env_prestep(const regia_job_t *job, void (*add)(void *arg, const char *word), void *arg);

/* Subcommands (one file each). */
int regia_cmd_gen(regia_ctx_t *ctx, int argc, char **argv);
int regia_cmd_ingest(regia_ctx_t *ctx, int argc, char **argv);
int regia_cmd_submit(regia_ctx_t *ctx, int argc, char **argv);
int regia_cmd_stage(regia_ctx_t *ctx, int argc, char **argv);
int regia_cmd_modal(regia_ctx_t *ctx, int argc, char **argv); /* cmd_modal.c */
int regia_cmd_publish(regia_ctx_t *ctx, int argc, char **argv); /* cmd_publish.c */

#endif
