/* domain.h - the run protocol's two halves: a domain (what to compute) and the skeleton
 * that runs any domain (how a batch run goes).  Internal to drivers/.
 *
 * A domain is a table of callbacks, as a backend is a table of ops.  The skeleton
 * (drivers/run.c) owns what every batch run shares and calls the domain at fixed points:
 *
 *   log + signals -> job load (${VAR}, {array}) -> configure -> atomic begin -> index
 *   -> partition by cost -> allocate + read the shard -> [rebalance by measured cost]
 *   -> backend open (node-local GPU, description broadcast) -> checkpoint open
 *   -> block loop (restore or compute, record, progress, stop requests)
 *   -> collective NetCDF write (define, ACDD + provenance, data, close) -> extra outputs
 *   -> manifest -> commit (output, extras, manifest) -> summary -> checkpoint removal
 *   -> exit status
 *
 * Every step a rank can fail in is agreed on (regia_agree) before the next collective
 * call, so a failure on one rank ends every rank with the same error.  REGIA_FAULT=
 * PHASE:RANK makes rank RANK fail at PHASE (tests; see regia_run_fault).
 *
 * Items are what the skeleton partitions (stations, series, sensors ...): contiguous,
 * cost-balanced shards [i0, i0 + ni) of the n_items global items.  Checkpoint blocks are
 * aligned to global item positions (block b = items [b*B, (b+1)*B) clipped to the shard),
 * and checkpoint records can be restored item by item, so a run checkpointed at one rank
 * count resumes at any other without recomputing finished items.
 */
#ifndef REGIA_DOMAIN_H
#define REGIA_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

#include <netcdf.h>

#include "driver_impl.h"
#include "regia/checkpoint.h"
#include "regia/io.h"
#include "regia/kernels.h"
#include "regia/options.h"
#include "regia/series_csv.h"

typedef struct regia_domain regia_domain_t;

enum { REGIA_MAX_EXTRA = 4 }; /* extra outputs of a domain (run->extra) */

/* The products people read beside an output (issue 12): summary tables (CSV), quicklook
 * figures (PNG + SVG, regia/plot.h) and points GDAL reads, made by a domain's `products`
 * hook from the closed output file alone, so `regia quicklook OUTPUT.nc` makes the same
 * files again from a published output.  The skeleton (drivers/products.c) gives the hook
 * a temporary directory, lists every file the hook adds in the manifest (role, SHA-256)
 * and commits the directory as OUTPUT_STEM.products/ together with the output, or
 * removes it with the output when anything fails.  Rank 0 only, no MPI. */
typedef struct regia_products regia_products_t;
struct regia_products {
    const char *nc_path;       /* the closed output file to read (its temporary name in a run) */
    const char *output_name;   /* the output's file name ("env_forecast.nc"), for tables       */
    const char *dir;           /* write the products here (an existing, empty directory)       */
    const char *caption;       /* the caption line of every figure: data source and run        */
    int max_figures;           /* at most this many per-item figures ([job] quicklook_max)     */
    const regia_log_t *log;    /* notes for the log (stations at risk ...)                     */
    /* The run's extra outputs (run->extra: the sensors' detail file ...), closed, with their
     * manifest roles: temporary names during a run, final names for regia quicklook. */
    int n_extra;
    const char *extra_path[REGIA_MAX_EXTRA];
    const char *extra_role[REGIA_MAX_EXTRA];
    /* Register a file the hook wrote in dir (a plain name, no '/'): its role ("summary",
     * "table", "quicklook", "points") and a one-line title (catalog, HTML index).  A
     * figure is registered once per file (STEM.png and STEM.svg). */
    regia_status_t (*add)(regia_products_t *p, const char *file, const char *role, const char *title);
    void *priv;                /* the skeleton's                                               */
};


/* What the skeleton knows of a run; the domain reads it and fills the fields marked
 * "domain".  One per rank. */
typedef struct regia_run {
    regia_ctx_t *ctx;
    const regia_domain_t *dom;
    regia_job_t *job;
    const char *job_path;      /* the job file, or NULL when the job came from options    */
    int from_options;          /* 1: the job is the command line's options               */
    char cmdline[4096];        /* the command line, shell-quoted (provenance)            */
    /* set by configure (domain) */
    const char *output;        /* final output path                                      */
    const char *input;         /* main input (SHA-256 in provenance and manifest), or NULL */
    const char *input_role;    /* its role in the manifest ("stations", "series")        */
    int series_per_item;       /* kernel series per item (env: pollutants per station);
                                  0 = 1; the checkpoint block is [job] chunk series       */
    /* set by index (domain) */
    int64_t n_items;           /* global items                                           */
    double *cost;              /* n_items costs (malloc'ed by the domain, freed by the
                                  skeleton), or NULL for equal costs                       */
    /* the shard, set by the skeleton before read (and again after a rebalance) */
    int64_t i0, ni;
    /* backend, opened by the skeleton */
    regia_backend_t be;
    int be_open, local_rank, threads;
    char backend_desc[128];
    char blas_desc[96];       /* rank 0's BLAS: library, kernels, threads (regia_blas_describe) */
    /* blocks and checkpoints */
    int64_t block;             /* items per checkpoint block (global alignment)          */
    double ckpt_interval;
    char ckpt_dir[4200];
    char fingerprint[65];
    regia_ckpt_t *ckpt;
    /* provenance */
    char input_sha[65];
    char created[32];          /* ISO 8601 UTC creation time, the same on every rank     */
    char tmp_path[4200];       /* the output's temporary name during the write           */
    /* extra outputs (set by configure, domain): files besides the NetCDF output (a
     * rejects CSV ...).  Each is written by dom->write_extra under a temporary name of its
     * own after the output is closed, listed in the manifest (outputs, its role) and
     * committed together with the output and the manifest, or removed with them. */
    int n_extra;
    struct {
        const char *path;      /* final name                                             */
        const char *role;      /* its role in the manifest ("rejects")                   */
        char tmp_path[4200];   /* its temporary name while written (skeleton)            */
    } extra[REGIA_MAX_EXTRA];
    /* Set by a domain (the same on every rank) when its read or check_result fails
     * because of what the extra outputs report (too many rejected rows): the skeleton
     * then writes and commits the extra outputs alone, without the output or a manifest,
     * and ends with the domain's error. */
    int extras_explain_failure;
    int nc_broken;             /* the output could not be closed (HDF5 holds it still)    */
    double t0, t_read, t_comp, t_write;
} regia_run_t;

/* A per-item array of the shard: item k of the shard (global i0 + k) occupies bytes
 * [k * item_bytes, (k + 1) * item_bytes) of *p.  Used to move items between ranks when
 * a domain rebalances by measured cost, and to checkpoint results item by item. */
typedef struct {
    void **p;
    size_t item_bytes;
} regia_item_array_t;

enum { REGIA_MAX_ITEM_ARRAYS = 32 }; /* the waiting-list domain checkpoints 23 per-service arrays */

struct regia_domain {
    const char *name;          /* "env": regia NAME JOBFILE                               */
    const char *summary;       /* one line for regia --help                               */
    const char *about;         /* paragraph for regia NAME --help                         */
    const regia_job_key_t *schema; /* its job-file keys; options map onto them             */
    size_t state_size;         /* bytes of the domain's state (zeroed by the skeleton)    */
    const char *unit;          /* what an item is, plural ("stations", "series")          */
    const char *work_unit;     /* what progress counts ("series"; NULL: unit)             */
    const char *stage;         /* the block loop's name in progress lines                 */
    const char *output_role;   /* the output's role in the manifest ("forecast")          */
    const regia_opt_meta_t *meta; /* placeholders of the options in --help (may be NULL)  */
    /* Command-line form, for domains run without a job file (regia forecast --input ...):
     * non-NULL = options are the schema's keys (--key value); NULL = regia NAME JOBFILE. */
    const char *options_usage;
    /* Job keys that do not change the results (left out of the checkpoint fingerprint),
     * "section.key" separated by blanks; [slurm] and [ingest] are always left out. */
    const char *not_in_results;

    /* Local.  Read the job into the state; set run->output and run->input. */
    regia_status_t (*configure)(regia_run_t *run, void *self);
    /* Collective.  Open the input and build the global index: set run->n_items and
     * optionally run->cost. */
    regia_status_t (*index)(regia_run_t *run, void *self);
    /* Local.  Allocate everything the shard needs (agreed on before read). */
    regia_status_t (*allocate)(regia_run_t *run, void *self);
    /* Collective.  Read the shard [run->i0, run->i0 + run->ni). */
    regia_status_t (*read)(regia_run_t *run, void *self);
    /* Optional, local.  Measured cost of each shard item (cost[k] for item i0 + k) after
     * read; the skeleton then repartitions and moves the arrays of shard_arrays. */
    regia_status_t (*measured_cost)(regia_run_t *run, void *self, double *cost);
    int (*shard_arrays)(void *self, regia_item_array_t *a);
    /* Local, after read (and rebalance): allocate the results of the shard. */
    regia_status_t (*prepare)(regia_run_t *run, void *self);
    /* Local, no MPI.  Compute shard items [k0, k0 + n) (shard positions). */
    regia_status_t (*compute)(regia_run_t *run, void *self, int64_t k0, int64_t n);
    /* The per-item result arrays a checkpoint record holds.  NULL: the domain has no
     * checkpointable results (its compute is cheap beside its read): no checkpoint
     * directory is made, and a stop request (SIGTERM, SIGUSR1) ends the run with an error. */
    int (*result_arrays)(void *self, regia_item_array_t *a);
    /* Optional, collective (regia_run_sum ...).  After the block loop: an error when the
     * results cannot give an answer (e.g. no series fitted); nothing is written then. */
    regia_status_t (*check_result)(regia_run_t *run, void *self);
    /* Collective.  Define the output's dimensions, variables and domain attributes
     * (the skeleton adds ACDD via acdd() and the provenance attributes), then, after
     * nc_enddef, write the shard's rows. */
    regia_status_t (*define)(regia_run_t *run, void *self, int ncid);
    void (*acdd)(regia_run_t *run, void *self, void *acdd /* regia_acdd_t* */);
    regia_status_t (*write)(regia_run_t *run, void *self, int ncid);
    /* Collective, when run->n_extra > 0.  Write extra output i (run->extra[i]) to
     * tmp_path; a rank's failure is agreed on by the skeleton (under the watchdog). */
    regia_status_t (*write_extra)(regia_run_t *run, void *self, int i, const char *tmp_path);
    /* Collective.  Log the summary after the output is in place. */
    void (*report)(regia_run_t *run, void *self);
    /* Rank 0.  Domain entries of the manifest (the skeleton writes the common ones). */
    void (*manifest)(regia_run_t *run, void *self, regia_manifest_t *m);
    /* Local.  Free the state's arrays (also after a failure at any step). */
    void (*release)(regia_run_t *run, void *self);

    /* Optional, rank 0, no MPI: the products of the closed output (regia_products_t):
     * summary CSV, quicklook figures, points.  An error fails the run (nothing is
     * committed), so a run whose products cannot be made never exits 0. */
    regia_status_t (*products)(regia_products_t *p);
    /* For per-region extracts (regia publish): the output's item dimension ("station",
     * "district", "structure") and the variable along it that names each item's region
     * or province ("province"); NULL: the domain's outputs are not split by region. */
    const char *item_dim;
    const char *region_var;

    /* Optional, for regia submit (not collective, no MPI): the pre-step that makes this
     * job's input, chained before the run with afterok (env: [ingest] -> regia ingest
     * env ...).  Calls add(arg, word) for each word of the command after "regia" and
     * returns 1; returns 0 when the job has no pre-step, -1 on error (message set with
     * REGIA_FAIL, naming the job file and line). */
    int (*prestep)(const regia_job_t *job, void (*add)(void *arg, const char *word), void *arg);
    /* 1 when the pre-step needs no GPU (regia submit sends it to a CPU partition). */
    int prestep_cpu_only;
};

/* The registry: every batch domain, NULL-terminated (drivers/domains.c). */
extern const regia_domain_t *const regia_domains[];
/* The domain called `name`, or NULL. */
const regia_domain_t *regia_domain_find(const char *name);
/* Not collective.  The domain a job file is for: its "[job] domain = NAME" line, or
 * "env" when it has none (job files written before domains were named).  NULL with the
 * error set (file, line, the known names) when the file cannot be read or names an
 * unknown domain. */
const regia_domain_t *regia_domain_of_jobfile(const char *path);

/* Not collective, no MPI (drivers/ingest_job_step.c).  A pre-step given as another job
 * file: `[section] ingest_job = FILE`, a job file of domain `ingest_domain` ("ingest
 * waitlist") whose [job] output must be this job's [input_section] input_key, becomes the
 * words `ingest_domain FILE` (after "regia"), each passed to add(arg, word).  Returns 1;
 * 0 when the job has no ingest_job; -1 with the error set (naming the job file and line). */
int regia_ingest_job_prestep(const regia_job_t *job, const char *section, const char *input_section,
                             const char *input_key, const char *ingest_domain,
                             void (*add)(void *arg, const char *word), void *arg);

/* The job-file keys of `dom`: its schema with the keys every batch run shares merged in
 * (drivers/products_keys.c): [job] products and quicklook_max for a domain with a products
 * hook, [publish] catalog and title for every domain (job-file only, for regia submit); a
 * key the domain declares itself wins.  Use it wherever a domain's job is loaded or
 * checked (run, submit, --help).  Not collective; the array lives until the process ends;
 * never NULL (out of memory: the domain's own schema). */
const regia_job_key_t *regia_domain_schema(const regia_domain_t *dom);

/* Run `dom` with argv (argv[0] = its name): the whole protocol; returns the exit status. */
int regia_run_domain(const regia_domain_t *dom, regia_ctx_t *ctx, int argc, char **argv);

/* Collective helpers for domains (which make no MPI call of their own). */
/* Agree on a status (no message printed; the skeleton prints the agreed error once). */
regia_status_t regia_run_agree(regia_run_t *run, regia_status_t st);
/* Sum n counters over the ranks, in place. */
void regia_run_sum(regia_run_t *run, long long *v, int n);
/* The maximum over the ranks, in place. */
void regia_run_max(regia_run_t *run, long long *v, int n);
/* Gather `bytes` from every rank into recv on rank 0 (size x bytes; NULL elsewhere). */
void regia_run_gather(regia_run_t *run, const void *send, size_t bytes, void *recv);
/* Broadcast `bytes` from rank 0. */
void regia_run_bcast(regia_run_t *run, void *buf, size_t bytes);
/* Broadcast `bytes` from rank `root`. */
void regia_run_bcast_from(regia_run_t *run, void *buf, size_t bytes, int root);
/* Every rank's shard: start[r] = the first item of rank r, start[size] = n_items (start
 * holds size + 1 entries).  For domains that route data to the rank owning an item. */
void regia_run_shards(regia_run_t *run, int64_t *start);
/* Collective, define mode: the output's ACDD attributes (dom->acdd) and the provenance
 * attributes (regia version and git revision, domain, job or option values SHA-256, input
 * and its SHA-256, ranks, backend) as global attributes of ncid.  The skeleton calls it for
 * the output; a domain calls it for an extra NetCDF output (then overrides title ...). */
regia_status_t regia_run_provenance(regia_run_t *run, void *self, int ncid);
/* Open a NetCDF-4 input for parallel reading on the run's ranks. */
regia_status_t regia_run_nc_open(regia_run_t *run, const char *path, int *ncid);
/* regia_nc_put_rows, then agreed: every rank gets the same status, so a failed write on
 * one rank stops every rank at the same variable (nothing waits in a collective). */
regia_status_t regia_run_put_rows(regia_run_t *run, int ncid, int vid, int nd, int64_t s0, int64_t ns,
                                  const size_t *inner, nc_type t, const void *data);
/* The byte-range series-CSV reader (io/series_csv.c) over the run's ranks. */
regia_status_t regia_run_series_read(regia_run_t *run, const char *path, const regia_series_opts_t *opt,
                                     regia_series_t *out);
/* Gather the shard items of every rank into all (n_items x item_bytes; this rank's own
 * items already at all + i0 * item_bytes). */
regia_status_t regia_run_allgather_items(regia_run_t *run, void *all, size_t item_bytes);
/* Agree on the status of a collective NetCDF call of the write phase (a rank whose call
 * failed arms the watchdog first, see regia_watchdog_arm). */
regia_status_t regia_run_agree_io(regia_run_t *run, regia_status_t st);
/* A part of an extra NetCDF output for regia_run_write_extra_nc: define (ncid in define
 * mode: dimensions, variables, attributes) or rows (data mode: this rank's rows, with
 * regia_run_put_rows).  Collective; self is the domain's state. */
typedef regia_status_t (*regia_extra_nc_fn)(regia_run_t *run, void *self, int ncid);
/* Collective (from a domain's write_extra): write extra output i (run->extra[i]) as a
 * NetCDF-4 file at tmp_path, opened for parallel access on the run's ranks: create,
 * define(run, self, ncid), nc_enddef, rows(run, self, ncid), close; each step's status is
 * agreed (regia_run_agree_io) before the next collective call, so every rank stops at the
 * same step.  REGIA_FAULT=ROLE:R (ROLE = run->extra[i].role) fails rank R before the
 * create (tests).  A failed close is this rank's status only (the skeleton agrees on
 * write_extra's result and removes tmp_path).  The file is closed on return. */
regia_status_t regia_run_write_extra_nc(regia_run_t *run, int i, const char *tmp_path, regia_extra_nc_fn define,
                                        regia_extra_nc_fn rows, void *self);
/* Where a key's value came from, for messages: "--levels" (options) or
 * "job.ini:12: key 'levels'" (job file). */
void regia_run_where(const regia_run_t *run, const char *section, const char *key, char *buf, size_t cap);

/* Local.  REGIA_FAULT=PHASE:RANK[,PHASE:RANK...] (PHASE or RANK may be '*'): an error
 * "fault injected at PHASE on rank R" when this rank matches, else REGIA_OK.  Used by
 * the skeleton at every phase and by domains inside theirs. */
regia_status_t regia_run_fault(const regia_run_t *run, const char *phase);

#endif
