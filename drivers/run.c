/* run.c - the run protocol, written once: runs any domain of the registry (domain.h).
 *
 * Every step that a rank can fail in ends with an agreement (regia_agree) before the
 * next collective call, so that a failure on one rank ends every rank with that rank's
 * message and nothing hangs; the output is written under a temporary name of its own and
 * renamed only when every rank has written and closed it.
 */
#include <errno.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "products_impl.h"
#include "regia/acdd.h"
#include "regia/ncio.h"
#include "regia/options.h"
#include "regia/partition.h"
#include "regia/series_csv.h"
#include "regia/signals.h"
#include "regia/version.h"

/* ---- helpers the domains use (declared in domain.h) ------------------------------------ */

regia_status_t regia_run_fault(const regia_run_t *run, const char *phase)
{
    const char *spec = getenv("REGIA_FAULT");
    if (!spec || !*spec) return REGIA_OK;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (!colon) continue;
        *colon = '\0';
        const char *p = tok, *r = colon + 1;
        int phase_ok = !strcmp(p, "*") || !strcmp(p, phase);
        int rank_ok = !strcmp(r, "*") || atoi(r) == run->ctx->rank;
        if (phase_ok && rank_ok)
            return REGIA_FAIL(REGIA_ERR_INVALID, "fault injected at %s on rank %d (REGIA_FAULT=%s)", phase,
                              run->ctx->rank, spec);
    }
    return REGIA_OK;
}

regia_status_t regia_run_agree(regia_run_t *run, regia_status_t st) { return regia_agree_quiet(run->ctx, st); }

void regia_run_sum(regia_run_t *run, long long *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_LONG_LONG, MPI_SUM, run->ctx->comm);
}

void regia_run_max(regia_run_t *run, long long *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_LONG_LONG, MPI_MAX, run->ctx->comm);
}

void regia_run_gather(regia_run_t *run, const void *send, size_t bytes, void *recv)
{
    MPI_Gather(send, (int)bytes, MPI_BYTE, recv, (int)bytes, MPI_BYTE, 0, run->ctx->comm);
}

void regia_run_bcast(regia_run_t *run, void *buf, size_t bytes)
{
    MPI_Bcast(buf, (int)bytes, MPI_BYTE, 0, run->ctx->comm);
}

void regia_run_bcast_from(regia_run_t *run, void *buf, size_t bytes, int root)
{
    MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, run->ctx->comm);
}

void regia_run_shards(regia_run_t *run, int64_t *start)
{
    long long i0 = run->i0, *all = (long long *)start; /* int64_t and long long: both 64 bits */
    MPI_Allgather(&i0, 1, MPI_LONG_LONG, all, 1, MPI_LONG_LONG, run->ctx->comm);
    start[run->ctx->size] = run->n_items;
}

regia_status_t regia_run_nc_open(regia_run_t *run, const char *path, int *ncid)
{
    int rc = nc_open_par(path, NC_NOWRITE, run->ctx->comm, MPI_INFO_NULL, ncid);
    if (rc != NC_NOERR) {
        *ncid = -1;
        return REGIA_FAIL(REGIA_ERR_IO, "%s: %s", path, nc_strerror(rc));
    }
    return REGIA_OK;
}

/* Agree on a status of the collective write: a rank that failed arms the watchdog first
 * (the others may be stuck in the I/O library's collective call and never come); when it
 * fires it removes the output's temporary file and `tmp2` (an extra output's), if any. */
static regia_status_t agree_io2(regia_run_t *run, regia_status_t st, const char *tmp2)
{
    if (st) regia_watchdog_arm(run->ctx, run->tmp_path, tmp2);
    st = regia_agree_quiet(run->ctx, st);
    regia_watchdog_disarm();
    return st;
}

static regia_status_t agree_io(regia_run_t *run, regia_status_t st) { return agree_io2(run, st, NULL); }

regia_status_t regia_run_agree_io(regia_run_t *run, regia_status_t st) { return agree_io(run, st); }

regia_status_t regia_run_put_rows(regia_run_t *run, int ncid, int vid, int nd, int64_t s0, int64_t ns,
                                  const size_t *inner, nc_type t, const void *data)
{
    return agree_io(run, regia_nc_put_rows(ncid, vid, nd, s0, ns, inner, t, data));
}

void regia_run_where(const regia_run_t *run, const char *section, const char *key, char *buf, size_t cap)
{
    if (run->from_options) {
        regia_opts_name(regia_domain_schema(run->dom), section, key, buf, cap);
        return;
    }
    snprintf(buf, cap, "%s:%d: key '%s'", regia_job_file(run->job), regia_job_line(run->job, section, key), key);
}

regia_status_t regia_run_series_read(regia_run_t *run, const char *path, const regia_series_opts_t *opt,
                                     regia_series_t *out)
{
    return regia_series_read(run->ctx->comm, path, opt, out);
}

regia_status_t regia_run_allgather_items(regia_run_t *run, void *all, size_t item_bytes)
{
    regia_ctx_t *ctx = run->ctx;
    const int P = ctx->size;
    regia_status_t st = REGIA_OK;
    long long mine[2] = {run->i0, run->ni}, *each = malloc(sizeof(long long) * 2 * (size_t)P);
    int *cnt = malloc(sizeof(int) * (size_t)P), *dsp = malloc(sizeof(int) * (size_t)P);
    if (!each || !cnt || !dsp) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if ((st = regia_agree_quiet(ctx, st))) goto err;
    MPI_Allgather(mine, 2, MPI_LONG_LONG, each, 2, MPI_LONG_LONG, ctx->comm);
    for (int r = 0; r < P && !st; r++) {
        if (each[2 * r] > 2147483647LL || each[2 * r + 1] > 2147483647LL)
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%lld %s: too many to gather", (long long)run->n_items, run->dom->unit);
        dsp[r] = (int)each[2 * r];
        cnt[r] = (int)each[2 * r + 1];
    }
    if ((st = regia_agree_quiet(ctx, st))) goto err;
    MPI_Datatype item;
    MPI_Type_contiguous((int)item_bytes, MPI_BYTE, &item);
    MPI_Type_commit(&item);
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, cnt, dsp, item, ctx->comm);
    MPI_Type_free(&item);
err:
    free(each);
    free(cnt);
    free(dsp);
    return st;
}

/* ---- the registry --------------------------------------------------------------------- */

const regia_domain_t *regia_domain_find(const char *name)
{
    for (int i = 0; name && regia_domains[i]; i++)
        if (!strcmp(regia_domains[i]->name, name)) return regia_domains[i];
    return NULL;
}

const regia_domain_t *regia_domain_of_jobfile(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *line = NULL, section[256] = "";
    size_t cap = 0;
    const char *name = "env";
    char found[256] = "";
    int lineno = 0, at = 0;
    while (getline(&line, &cap, f) > 0) { /* lines of any length, as job files allow */
        lineno++;
        char *s = line + strspn(line, " \t");
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (e) snprintf(section, sizeof section, "%.*s", (int)(e - s - 1), s + 1);
            continue;
        }
        if (strcasecmp(section, "job") != 0 || strncasecmp(s, "domain", 6) != 0) continue;
        char *eq = s + 6 + strspn(s + 6, " \t");
        if (*eq != '=') continue;
        eq++;
        eq += strspn(eq, " \t");
        size_t n = strcspn(eq, "\r\n#;");
        while (n > 0 && (eq[n - 1] == ' ' || eq[n - 1] == '\t')) n--; /* "ingest env" has a blank */
        snprintf(found, sizeof found, "%.*s", (int)n, eq);
        name = found;
        at = lineno;
        break;
    }
    free(line);
    fclose(f);
    const regia_domain_t *d = regia_domain_find(name);
    if (!d) {
        char known[512] = "";
        size_t n = 0;
        for (int i = 0; regia_domains[i] && n < sizeof known; i++)
            n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", i ? ", " : "", regia_domains[i]->name);
        REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [job] domain '%s' is not one of %s", path, at, name, known);
    }
    return d;
}

/* ---- steps ---------------------------------------------------------------------------- */

static void usage(const regia_domain_t *dom, FILE *f)
{
    if (dom->options_usage)
        fprintf(f, "usage: [mpirun -np N | srun] regia %s %s\n       [mpirun -np N | srun] regia %s JOBFILE\n\n",
                dom->name, dom->options_usage, dom->name);
    else
        fprintf(f, "usage: [mpirun -np N | srun] regia %s [-q|-v] JOBFILE\n\n", dom->name);
    fprintf(f, "%s\n\n", dom->about);
    if (dom->options_usage) {
        fprintf(f, "Options (also job-file keys: --checkpoint-interval is checkpoint_interval):\n");
        regia_opts_print_help(regia_domain_schema(dom), dom->meta, f);
        fprintf(f, "\n");
    }
    fprintf(f, "Job file keys (INI; '#' or ';' comments; paths relative to the job file):\n");
    regia_job_print_schema(regia_domain_schema(dom), f);
}

/* Parse argv into run->job (every rank parses the same argv; a job file is read by rank
 * 0 and broadcast).  Returns -1 to go on, else the exit status. */
static int load_job(regia_run_t *run, int argc, char **argv)
{
    regia_ctx_t *ctx = run->ctx;
    const regia_domain_t *dom = run->dom;
    regia_opts_t o;
    const regia_job_key_t *schema = regia_domain_schema(dom); /* with the shared keys */
    regia_status_t st = regia_opts_parse(schema, dom->meta, 0, argc, argv, &o);
    if (st == REGIA_OK && o.help) {
        if (ctx->rank == 0) usage(dom, stdout);
        regia_opts_free(&o);
        return REGIA_EXIT_OK;
    }
    if (st) return regia_usage_error(ctx, dom->name, "%s", regia_error_msg());
    ctx->log.quiet = o.quiet;
    ctx->log.verbose = o.verbose;
    int rc = -1;
    if (o.n_pos == 1 && o.n_set == 0) {
        run->job_path = o.pos[0];
        st = regia_agree(ctx, regia_job_load(o.pos[0], schema, ctx->comm, &run->job));
        if (st) rc = REGIA_EXIT_FAIL;
    } else if (o.n_pos == 1 && o.n_set > 0 && access(o.pos[0], F_OK) != 0) {
        /* `--products no`: a switch's value belongs after '=' */
        rc = regia_usage_error(ctx, dom->name, "'%s' is neither an option nor a job file; a switch takes its value "
                               "after '=' (--products=no)", o.pos[0]);
    } else if (o.n_pos > 1 || (o.n_pos == 1 && o.n_set > 0)) {
        rc = regia_usage_error(ctx, dom->name, o.n_pos > 1 ? "expected one JOBFILE, got %d arguments"
                                                         : "give a JOBFILE or options, not both (%d option%s)",
                               o.n_pos > 1 ? o.n_pos : o.n_set, o.n_set == 1 ? "" : "s");
    } else if (!dom->options_usage) {
        rc = regia_usage_error(ctx, dom->name, "expected exactly one JOBFILE");
    } else {
        regia_opts_free(&o);
        st = regia_opts_parse(schema, dom->meta, 1, argc, argv, &o);
        if (st) return regia_usage_error(ctx, dom->name, "%s", regia_error_msg());
        run->from_options = 1;
        st = regia_job_parse(o.text ? o.text : "", "command line", schema, &run->job);
        if (st) rc = regia_usage_error(ctx, dom->name, "%s", regia_error_msg());
    }
    regia_opts_free(&o);
    return rc;
}

/* The checkpoint fingerprint: every job value that changes the results (not the [slurm] and
 * [ingest] sections, nor the keys the domain lists), the input, the build and the backend. */
static void fingerprint(const regia_run_t *run, char fp[65])
{
    size_t cap = 4096, n = 0;
    char *text = malloc(cap), skip[1024];
    snprintf(skip, sizeof skip, " %s ", run->dom->not_in_results ? run->dom->not_in_results : "");
    if (!text) { memset(fp, '0', 64); fp[64] = 0; return; }
    text[0] = 0;
    for (const regia_job_key_t *k = run->dom->schema; k->key; k++) {
        if (!strcasecmp(k->section, "slurm") || !strcasecmp(k->section, "ingest")) continue;
        char name[256];
        snprintf(name, sizeof name, " %s.%s ", k->section, k->key);
        if (strstr(skip, name)) continue;
        const char *v = regia_job_path(run->job, k->section, k->key);
        size_t need = strlen(name) + (v ? strlen(v) : 0) + 8;
        if (n + need >= cap) {
            cap = 2 * (n + need);
            char *t = realloc(text, cap);
            if (!t) break;
            text = t;
        }
        n += (size_t)snprintf(text + n, cap - n, "%s=%s\n", name, v ? v : "");
    }
    char tail[512];
    snprintf(tail, sizeof tail, "|%s|%s|%s|%s|%s", run->dom->name, run->input_sha, REGIA_VERSION, regia_git_rev,
             regia_backend_name(&run->be));
    size_t tl = strlen(tail);
    if (n + tl + 1 > cap) {
        char *t = realloc(text, n + tl + 1);
        if (t) { text = t; cap = n + tl + 1; }
    }
    if (n + tl + 1 <= cap) memcpy(text + n, tail, tl + 1), n += tl;
    regia_sha256_buf(text, n, fp);
    free(text);
}

/* Move the shard's item arrays to the partition of the measured costs (contiguous, so the
 * output and every per-item result are the same for any rank count). */
static regia_status_t rebalance(regia_run_t *run, void *self)
{
    regia_ctx_t *ctx = run->ctx;
    regia_status_t st = REGIA_OK;
    const int P = ctx->size;
    const int64_t N = run->n_items;
    regia_item_array_t arr[REGIA_MAX_ITEM_ARRAYS];
    int na = run->dom->shard_arrays(self, arr);
    double *cost = malloc(sizeof(double) * (size_t)(N + 1));
    int *cnt = malloc(sizeof(int) * (size_t)P), *dsp = malloc(sizeof(int) * (size_t)P);
    int64_t *old = malloc(sizeof(int64_t) * (size_t)(P + 1)), *nw = malloc(sizeof(int64_t) * (size_t)(P + 1));
    int *scnt = malloc(sizeof(int) * (size_t)P), *sdsp = malloc(sizeof(int) * (size_t)P);
    int *rcnt = malloc(sizeof(int) * (size_t)P), *rdsp = malloc(sizeof(int) * (size_t)P);
    void *moved[REGIA_MAX_ITEM_ARRAYS] = {0};
    if (!cost || !cnt || !dsp || !old || !nw || !scnt || !sdsp || !rcnt || !rdsp)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory balancing %lld %s", (long long)N, run->dom->unit);
    else if (N > 2147483647LL)
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%lld %s: more than 2^31 items cannot be rebalanced", (long long)N,
                        run->dom->unit);
    if (!st) st = run->dom->measured_cost(run, self, cost + run->i0);
    if ((st = regia_agree(ctx, st))) goto err;
    old[0] = 0;
    {
        long long i0 = run->i0, *all = malloc(sizeof(long long) * (size_t)P);
        if (!all) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        if ((st = regia_agree(ctx, st))) { free(all); goto err; }
        MPI_Allgather(&i0, 1, MPI_LONG_LONG, all, 1, MPI_LONG_LONG, ctx->comm);
        for (int r = 0; r < P; r++) old[r] = all[r];
        old[P] = N;
        free(all);
    }
    for (int r = 0; r < P; r++) { cnt[r] = (int)(old[r + 1] - old[r]); dsp[r] = (int)old[r]; }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, cost, cnt, dsp, MPI_DOUBLE, ctx->comm);
    regia_partition(cost, N, P, nw);
    const int64_t s1 = nw[ctx->rank], n1 = nw[ctx->rank + 1] - nw[ctx->rank];
    for (int r = 0; r < P; r++) {
        int64_t a = run->i0 > nw[r] ? run->i0 : nw[r];
        int64_t b = run->i0 + run->ni < nw[r + 1] ? run->i0 + run->ni : nw[r + 1];
        scnt[r] = b > a ? (int)(b - a) : 0;
        sdsp[r] = b > a ? (int)(a - run->i0) : 0;
        a = s1 > old[r] ? s1 : old[r];
        b = s1 + n1 < old[r + 1] ? s1 + n1 : old[r + 1];
        rcnt[r] = b > a ? (int)(b - a) : 0;
        rdsp[r] = b > a ? (int)(a - s1) : 0;
    }
    for (int j = 0; j < na && !st; j++) {
        moved[j] = malloc(arr[j].item_bytes * (size_t)n1 + 1);
        if (!moved[j]) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory balancing");
    }
    if ((st = regia_agree(ctx, st))) goto err;
    for (int j = 0; j < na; j++) {
        MPI_Datatype item;
        MPI_Type_contiguous((int)arr[j].item_bytes, MPI_BYTE, &item);
        MPI_Type_commit(&item);
        MPI_Alltoallv(*arr[j].p, scnt, sdsp, item, moved[j], rcnt, rdsp, item, ctx->comm);
        MPI_Type_free(&item);
        free(*arr[j].p);
        *arr[j].p = moved[j];
        moved[j] = NULL;
    }
    double my_cost = 0, max_cost = 0, tot_cost = 0;
    for (int64_t s = s1; s < s1 + n1; s++) my_cost += cost[s];
    MPI_Allreduce(&my_cost, &max_cost, 1, MPI_DOUBLE, MPI_MAX, ctx->comm);
    MPI_Allreduce(&my_cost, &tot_cost, 1, MPI_DOUBLE, MPI_SUM, ctx->comm);
    if (P > 1)
        regia_info(&ctx->log, "cost-balanced blocks: largest rank share %.1f%% of the compute cost (ideal %.1f%%)",
                   tot_cost > 0 ? 100 * max_cost / tot_cost : 0.0, 100.0 / P);
    run->i0 = s1;
    run->ni = n1;
err:
    for (int j = 0; j < na; j++) free(moved[j]);
    free(cost); free(cnt); free(dsp); free(old); free(nw);
    free(scnt); free(sdsp); free(rcnt); free(rdsp);
    return st;
}

static regia_status_t open_backend(regia_run_t *run)
{
    regia_ctx_t *ctx = run->ctx;
    run->local_rank = regia_node_local_rank(ctx);
    /* a domain whose schema lets no one choose a backend runs no device kernels: CPU */
    int choosable = 0;
    for (const regia_job_key_t *k = run->dom->schema; k->key; k++)
        if (!strcasecmp(k->section, "job") && !strcasecmp(k->key, "backend")) choosable = 1;
    const char *name = choosable ? regia_job_str(run->job, "job", "backend") : "cpu";
    regia_status_t st = regia_run_fault(run, "backend");
    if (!st) st = regia_backend_open(&run->be, name ? name : "auto", run->local_rank, run->threads);
    run->be_open = st == REGIA_OK;
    if ((st = regia_agree(ctx, st))) return st;
    regia_backend_describe(&run->be, run->backend_desc, sizeof run->backend_desc);
    char host[MPI_MAX_PROCESSOR_NAME];
    int hl = 0;
    MPI_Get_processor_name(host, &hl);
    if (run->ni > 0)
        regia_rank_msg(&ctx->log, "node %s, local rank %d: %s %lld..%lld (%lld), backend %s", host, run->local_rank,
                       run->dom->unit, (long long)run->i0, (long long)(run->i0 + run->ni - 1), (long long)run->ni,
                       run->backend_desc);
    else
        regia_rank_msg(&ctx->log, "node %s, local rank %d: no %s (more ranks than %s), backend %s", host, run->local_rank,
                       run->dom->unit, run->dom->unit, run->backend_desc);
    /* the description of rank 0's backend and BLAS stands for the run (provenance, manifest) */
    MPI_Bcast(run->backend_desc, sizeof run->backend_desc, MPI_CHAR, 0, ctx->comm);
    regia_blas_describe(run->blas_desc, sizeof run->blas_desc);
    MPI_Bcast(run->blas_desc, sizeof run->blas_desc, MPI_CHAR, 0, ctx->comm);
    /* an information line, not a warning: the run's answers are the same, only slower */
    regia_info(&ctx->log, "linear algebra: %s%s", run->blas_desc,
               regia_blas_generic_kernels() ? " (generic kernels on a CPU with AVX2: OPENBLAS_CORETYPE=SkylakeX "
                                              "or Haswell in the job's environment is faster, docs/slurm.md)"
                                            : "");
    return REGIA_OK;
}

static regia_status_t open_checkpoint(regia_run_t *run)
{
    regia_ctx_t *ctx = run->ctx;
    fingerprint(run, run->fingerprint);
    regia_status_t st = regia_run_fault(run, "checkpoint");
    if (!st && ctx->rank == 0 && (st = regia_mkdir_p(run->ckpt_dir))) {
        char where[512];
        if (regia_job_path(run->job, "job", "checkpoint_dir")) regia_run_where(run, "job", "checkpoint_dir", where, sizeof where);
        else snprintf(where, sizeof where, "the checkpoint directory beside the output");
        regia_error_prefix("%s: ", where);
    }
    if ((st = regia_agree(ctx, st))) return st;
    regia_watchdog_dir(run->ckpt_dir); /* a rank ended by the watchdog removes it when empty */
    int stale = 0;
    st = regia_agree(ctx, regia_ckpt_open(&run->ckpt, run->ckpt_dir, run->fingerprint, ctx->rank, run->i0,
                                          run->i0 + run->ni, &stale));
    if (st == REGIA_OK && stale && ctx->rank == 0)
        regia_warn(&ctx->log, "checkpoint %s: %d file(s) of another job, input or build ignored (left alone)",
                   run->ckpt_dir, stale);
    return st;
}

/* The block loop: global blocks of run->block items clipped to the shard; items the
 * checkpoint covers are restored, the others computed; progress and stop requests between
 * blocks.  Collective at its begin and end only. */
static regia_status_t block_loop(regia_run_t *run, void *self, int *restored_any)
{
    regia_ctx_t *ctx = run->ctx;
    const regia_domain_t *dom = run->dom;
    regia_status_t st = regia_run_fault(run, "compute");
    regia_item_array_t ra[REGIA_MAX_ITEM_ARRAYS];
    regia_ckpt_array_t ca[REGIA_MAX_ITEM_ARRAYS];
    int na = dom->result_arrays ? dom->result_arrays(self, ra) : 0;
    size_t item_bytes = 0;
    for (int j = 0; j < na; j++) {
        ca[j] = (regia_ckpt_array_t){*ra[j].p, ra[j].item_bytes};
        item_bytes += ra[j].item_bytes;
    }
    const int64_t per = run->series_per_item > 0 ? run->series_per_item : 1;
    regia_progress_t prog;
    regia_progress_begin(&prog, &ctx->log, dom->stage ? dom->stage : "compute", run->ni * per,
                         dom->work_unit ? dom->work_unit : dom->unit);
    int64_t resumed = 0;
    const int64_t B = run->block, end = run->i0 + run->ni;
    for (int64_t g = run->i0; g < end && !st;) {
        int64_t b_end = (g / B + 1) * B;
        if (b_end > end) b_end = end;
        /* restore what the checkpoint covers, compute the rest */
        for (int64_t h = g; h < b_end && !st;) {
            int64_t cov = regia_ckpt_covered(run->ckpt, h, b_end - h, item_bytes);
            if (cov > 0) {
                regia_ckpt_restore(run->ckpt, h, cov, ca, na, h - run->i0);
                resumed += cov;
                h += cov;
                continue;
            }
            int64_t m = 1;
            while (h + m < b_end && regia_ckpt_covered(run->ckpt, h + m, 1, item_bytes) == 0) m++;
            st = dom->compute(run, self, h - run->i0, m);
            h += m;
        }
        if (st) break;
        if ((st = regia_ckpt_record(run->ckpt, g, b_end - g, ca, na, g - run->i0))) break;
        regia_progress_add(&prog, (b_end - g) * per);
        st = regia_ckpt_after_block(run->ckpt, run->ckpt_interval, (b_end - run->i0) * per, run->ni * per,
                                    dom->work_unit ? dom->work_unit : dom->unit);
        g = b_end;
    }
    regia_progress_end(&prog);
    if (resumed && !st) {
        const char *wu = dom->work_unit ? dom->work_unit : dom->unit;
        if (per > 1 || strcmp(wu, dom->unit))
            regia_rank_msg(&ctx->log, "%lld of %lld %s restored from the checkpoint (%lld of %lld %s)",
                           (long long)(resumed * per), (long long)(run->ni * per), wu, (long long)resumed,
                           (long long)run->ni, dom->unit);
        else
            regia_rank_msg(&ctx->log, "%lld of %lld %s restored from the checkpoint", (long long)resumed,
                           (long long)run->ni, wu);
    }
    *restored_any = resumed > 0;
    return st;
}

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

regia_status_t regia_run_provenance(regia_run_t *run, void *self, int ncid)
{
    regia_status_t st = REGIA_OK;
    regia_acdd_t a;
    memset(&a, 0, sizeof a);
    a.duration_s = -1;
    a.date_created = run->created;
    a.id = regia_job_str(run->job, "job", "name");
    char hist[4608];
    if (run->job_path)
        snprintf(hist, sizeof hist, "%s: regia %s %s (regia %s, git %s)", run->created, run->dom->name,
                 regia_file_name(run->job_path), REGIA_VERSION, regia_git_rev);
    else
        snprintf(hist, sizeof hist, "%s: %.4000s (regia %s, git %s)", run->created, run->cmdline, REGIA_VERSION,
                 regia_git_rev);
    a.history = hist;
    run->dom->acdd(run, self, &a);
    REGIA_TRY(regia_acdd_put(ncid, &a));
    ATT(NC_GLOBAL, "regia_version", REGIA_VERSION);
    ATT(NC_GLOBAL, "regia_git_rev", regia_git_rev);
    ATT(NC_GLOBAL, "regia_domain", run->dom->name);
    if (run->job_path) {
        ATT(NC_GLOBAL, "job_file", regia_file_name(regia_job_file(run->job)));
        ATT(NC_GLOBAL, "job_sha256", regia_job_sha256(run->job));
    } else {
        ATT(NC_GLOBAL, "job_values_sha256", regia_job_values_sha256(run->job));
    }
    if (run->input) {
        ATT(NC_GLOBAL, "input_file", regia_file_name(run->input));
        ATT(NC_GLOBAL, "input_sha256", run->input_sha);
    }
    REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "ranks", NC_INT, 1, &run->ctx->size));
    ATT(NC_GLOBAL, "backend", run->backend_desc);
    ATT(NC_GLOBAL, "blas", run->blas_desc);
err:
    return st;
}

#undef ATT

/* Collective: create the temporary file, define, write, close; agreed at every step. */
static regia_status_t write_output(regia_run_t *run, void *self)
{
    regia_ctx_t *ctx = run->ctx;
    const regia_domain_t *dom = run->dom;
    int ncid = -1;
    regia_status_t st = regia_agree_quiet(ctx, regia_run_fault(run, "create"));
    if (!st) {
        int rc = nc_create_par(run->tmp_path, NC_NETCDF4 | NC_CLOBBER, ctx->comm, MPI_INFO_NULL, &ncid);
        if (rc != NC_NOERR) {
            ncid = -1;
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create: %s", run->tmp_path, nc_strerror(rc));
        }
    }
    if ((st = agree_io(run, st))) goto out;
    st = regia_agree_quiet(ctx, regia_run_fault(run, "define"));
    if (!st) st = dom->define(run, self, ncid);
    if (!st) st = regia_run_provenance(run, self, ncid);
    if ((st = agree_io(run, st))) goto out;
    {
        int rc = nc_enddef(ncid);
        if (rc != NC_NOERR) st = REGIA_FAIL(REGIA_ERR_IO, "%s: end of define mode: %s", run->tmp_path, nc_strerror(rc));
    }
    if ((st = agree_io(run, st))) goto out;
    st = regia_agree_quiet(ctx, regia_run_fault(run, "write"));
    if (!st) st = agree_io(run, dom->write(run, self, ncid));
    if (!st) {
        /* flush first: a close that fails to flush (a full disk) can crash inside NetCDF-C
         * (its report of open objects), a failing sync only returns the error */
        int rc = nc_sync(ncid);
        if (rc != NC_NOERR) st = REGIA_FAIL(REGIA_ERR_IO, "%s: writing the output: %s", run->tmp_path, nc_strerror(rc));
        if ((st = agree_io(run, st))) {
            run->nc_broken = 1; /* not closed: see regia_run_domain's end */
            return st;
        }
    }
out:
    if (ncid >= 0) {
        regia_crashguard_arm(ctx, run->tmp_path, "closing the output");
        int rc = nc_close(ncid);
        regia_crashguard_disarm();
        regia_status_t cs = REGIA_OK;
        if (rc != NC_NOERR) {
            run->nc_broken = 1; /* HDF5 still holds the file (see regia_run_domain's end) */
            cs = REGIA_FAIL(REGIA_ERR_IO, "%s: closing the output: %s", run->tmp_path, nc_strerror(rc));
        } else if (!st) {
            cs = regia_run_fault(run, "close");
        }
        /* after an earlier failure the close may fail or stall on some ranks only */
        if (st || cs) regia_watchdog_arm(ctx, run->tmp_path, NULL);
        regia_status_t agreed = regia_agree_quiet(ctx, st ? st : cs);
        regia_watchdog_disarm();
        st = agreed;
    }
    return st;
}

/* Rank 0 writes the manifest under its temporary name (at->tmp_path), with the output's
 * SHA-256 taken from the output's temporary file; both are renamed after. */
static regia_status_t write_manifest(regia_run_t *run, void *self, const regia_atomic_t *at,
                                     const regia_products_run_t *pr)
{
    const char *mpath = at->tmp_path;
    regia_status_t st = regia_run_fault(run, "manifest");
    if (st || run->ctx->rank != 0) return st;
    char tool[64];
    snprintf(tool, sizeof tool, "regia %s", run->dom->name);
    regia_manifest_t *m = regia_manifest_new(tool);
    regia_manifest_str(m, "version", REGIA_VERSION);
    regia_manifest_str(m, "git_rev", regia_git_rev);
    if (run->job_path) {
        regia_manifest_str(m, "job_file", regia_file_name(regia_job_file(run->job)));
        regia_manifest_str(m, "job_sha256", regia_job_sha256(run->job));
    } else {
        regia_manifest_str(m, "command_line", run->cmdline);
    }
    regia_manifest_str(m, "backend", run->backend_desc);
    regia_manifest_str(m, "blas", run->blas_desc);
    regia_manifest_num(m, "ranks", run->ctx->size);
    if (run->dom->manifest) run->dom->manifest(run, self, m);
    /* the input's SHA-256 is known (computed once, at index) */
    if (run->input)
        st = run->input_sha[0] ? regia_manifest_file_sha(m, "inputs", run->input_role ? run->input_role : "input",
                                                         run->input, run->input_sha)
                               : regia_manifest_file(m, "inputs", run->input_role ? run->input_role : "input", run->input);
    if (!st) st = regia_manifest_file_as(m, "outputs", run->dom->output_role ? run->dom->output_role : "output",
                                         run->output, run->tmp_path);
    for (int i = 0; i < run->n_extra && !st; i++)
        st = regia_manifest_file_as(m, "outputs", run->extra[i].role, run->extra[i].path, run->extra[i].tmp_path);
    if (!st) st = regia_products_manifest(pr, m);
    regia_manifest_timing(m, "read", run->t_read);
    regia_manifest_timing(m, "compute", run->t_comp);
    regia_manifest_timing(m, "write", run->t_write);
    if (pr->made) regia_manifest_timing(m, "products", pr->seconds);
    if (!st) st = regia_manifest_write(m, mpath);
    regia_manifest_free(m);
    return st;
}

/* Collective: the extra outputs (run->extra), each written by the domain under a temporary
 * name of its own (ax[i]), agreed on under the watchdog. */
static regia_status_t write_extras(regia_run_t *run, void *self, regia_atomic_t *ax, const char *token)
{
    regia_status_t st = REGIA_OK;
    for (int i = 0; i < run->n_extra && !st; i++) {
        st = regia_agree_quiet(run->ctx, regia_atomic_begin_as(&ax[i], run->extra[i].path, token));
        if (st) break;
        snprintf(run->extra[i].tmp_path, sizeof run->extra[i].tmp_path, "%s", ax[i].tmp_path);
        st = agree_io2(run, run->dom->write_extra(run, self, i, ax[i].tmp_path), ax[i].tmp_path);
    }
    return st;
}

/* The products step (issue 12), after the output and the extras are closed: rank 0 makes
 * the domain's products from the output's temporary file in a temporary directory of this
 * run's own (drivers/products.c), committed with the output.  REGIA_FAULT phase
 * "products".  The caller agrees on the status. */
static regia_status_t make_products(regia_run_t *run, regia_products_run_t *pr, const char *token)
{
    if (!run->dom->products) return REGIA_OK;
    regia_status_t st = regia_run_fault(run, "products");
    if (st || run->ctx->rank != 0) return st;
    char final_dir[4200], tmp_dir[4400];
    regia_sibling_path(run->output, ".products", final_dir, sizeof final_dir);
    if (!regia_job_bool(run->job, "job", "products")) {
        /* no products this time: an older directory no longer matches the output */
        snprintf(pr->final_dir, sizeof pr->final_dir, "%s", final_dir);
        pr->remove_old = 1;
        return REGIA_OK;
    }
    snprintf(tmp_dir, sizeof tmp_dir, "%s.tmp-%s", final_dir, token);
    const char *ep[REGIA_MAX_EXTRA], *er[REGIA_MAX_EXTRA];
    for (int i = 0; i < run->n_extra && i < REGIA_MAX_EXTRA; i++) {
        ep[i] = run->extra[i].tmp_path;
        er[i] = run->extra[i].role;
    }
    double t = regia_now();
    st = regia_products_make(pr, run->dom, run->tmp_path, regia_file_name(run->output), tmp_dir, final_dir,
                             (int)regia_job_int(run->job, "job", "quicklook_max"), &run->ctx->log, run->n_extra, ep,
                             er);
    pr->seconds = regia_now() - t;
    if (!st)
        regia_info(&run->ctx->log, "products: %d file%s for %s (%.1f s)", pr->n, pr->n == 1 ? "" : "s",
                   regia_file_name(final_dir), pr->seconds);
    return st;
}

/* Rank 0: the extra outputs under their final names, all of them or none (already
 * committed ones are removed again when a later one fails). */
static regia_status_t commit_extras(regia_run_t *run, regia_atomic_t *ax)
{
    for (int i = 0; i < run->n_extra; i++) {
        regia_status_t st = regia_atomic_commit(&ax[i]);
        if (st) {
            for (int j = 0; j < i; j++) unlink(ax[j].final_path);
            return st;
        }
    }
    return REGIA_OK;
}

/* p and q name the same file (the same string, or one existing file). */
static int same_path(const char *p, const char *q) { return !strcmp(p, q) || regia_same_file(p, q); }

/* The output and the extra outputs are files of their own, none of them an input: a path
 * of the job's [input] section (a PATH key, or an item of a list of them).  Otherwise a
 * run would overwrite its own data (regia ingest sensors --rejects good.csv --data good.csv
 * once did, with exit 0). */
static regia_status_t outputs_distinct(const regia_run_t *run)
{
    const int n = 1 + run->n_extra;
    const char *out[1 + REGIA_MAX_EXTRA], *role[1 + REGIA_MAX_EXTRA];
    out[0] = run->output;
    role[0] = run->dom->output_role ? run->dom->output_role : "output";
    for (int i = 0; i < run->n_extra; i++) out[1 + i] = run->extra[i].path, role[1 + i] = run->extra[i].role;
    for (int a = 0; a < n; a++) {
        if (!out[a]) continue;
        for (int b = 0; b < a; b++)
            if (out[b] && same_path(out[a], out[b]))
                return REGIA_FAIL(REGIA_ERR_INVALID, "the %s and the %s outputs are the same file %s: give them "
                                  "different names", role[b], role[a], out[a]);
        for (const regia_job_key_t *k = regia_domain_schema(run->dom); k->key; k++) {
            if (strcasecmp(k->section, "input") || !regia_job_has(run->job, "input", k->key)) continue;
            if (k->type == REGIA_KEY_PATH) {
                const char *in = regia_job_path(run->job, "input", k->key);
                if (in && same_path(out[a], in))
                    return REGIA_FAIL(REGIA_ERR_INVALID, "the %s output %s is also the input [input] %s: it would be "
                                      "overwritten; write it elsewhere", role[a], out[a], k->key);
            } else if (k->type == REGIA_KEY_LIST || k->type == REGIA_KEY_FILE_LIST) {
                for (int i = 0; i < regia_job_list_len(run->job, "input", k->key); i++)
                    if (same_path(out[a], regia_job_list_item(run->job, "input", k->key, i)))
                        return REGIA_FAIL(REGIA_ERR_INVALID, "the %s output %s is also an input ([input] %s): it "
                                          "would be overwritten; write it elsewhere", role[a], out[a], k->key);
            }
        }
    }
    return REGIA_OK;
}

/* NAME.EXT -> NAME.failed.EXT (NAME.failed without an extension). */
static void failed_name(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (dot && (!slash || dot > slash + 1)) snprintf(out, cap, "%.*s.failed%s", (int)(dot - path), path, dot);
    else snprintf(out, cap, "%s.failed", path);
}

/* Collective, after the domain's read or check_result failed with
 * run->extras_explain_failure set: the extra outputs that explain the failure are written
 * and committed alone (no output, no manifest); the domain's error stays the result.  An
 * earlier run's file of the same name (listed in that run's manifest) is kept: the
 * explanation goes beside it as NAME.failed.EXT, and a warning names that file. */
static regia_status_t explain_failure(regia_run_t *run, void *self, regia_status_t failed, const char *token)
{
    regia_ctx_t *ctx = run->ctx;
    char msg[2048], where[256], alt[REGIA_MAX_EXTRA][4200];
    const char *orig[REGIA_MAX_EXTRA];
    snprintf(msg, sizeof msg, "%s", regia_error_msg());
    snprintf(where, sizeof where, "%s", regia_error_where());
    int exists[REGIA_MAX_EXTRA] = {0};
    for (int i = 0; i < run->n_extra && i < REGIA_MAX_EXTRA; i++) {
        struct stat sb;
        orig[i] = run->extra[i].path;
        if (ctx->rank == 0) exists[i] = lstat(orig[i], &sb) == 0;
    }
    MPI_Bcast(exists, REGIA_MAX_EXTRA, MPI_INT, 0, ctx->comm);
    for (int i = 0; i < run->n_extra && i < REGIA_MAX_EXTRA; i++)
        if (exists[i]) {
            failed_name(orig[i], alt[i], sizeof alt[i]);
            run->extra[i].path = alt[i];
        }
    regia_atomic_t ax[REGIA_MAX_EXTRA];
    memset(ax, 0, sizeof ax);
    regia_status_t st = write_extras(run, self, ax, token);
    if (!st && ctx->rank == 0) st = commit_extras(run, ax);
    st = regia_agree(ctx, st);
    for (int i = 0; i < run->n_extra && i < REGIA_MAX_EXTRA; i++) run->extra[i].path = orig[i];
    if (st) {
        if (ctx->rank == 0)
            for (int i = 0; i < run->n_extra; i++)
                if (ax[i].tmp_path[0]) unlink(ax[i].tmp_path);
        return st;
    }
    for (int i = 0; i < run->n_extra && i < REGIA_MAX_EXTRA; i++) /* the error above named the usual file */
        if (exists[i])
            regia_warn(&ctx->log, "this failed run's %s are in %s; %s is the earlier run's, kept with its output",
                       run->extra[i].role, alt[i], orig[i]);
    regia_error_set(failed, where, 0, "%s", msg);
    return failed;
}

/* The command line for provenance (driver_impl.h): each argument that holds a path (a '/') is written as
 * the file's name (`--output=/a/b.nc` as `--output=b.nc`, `/a/dir/` as `dir`), so that no machine path is
 * published; the files' SHA-256 are in the manifest. */
void regia_provenance_cmdline(char *buf, size_t cap, const char *name, int argc, char **argv)
{
    size_t n = (size_t)snprintf(buf, cap, "regia %s", name);
    char arg[4096];
    for (int i = 1; i < argc && n + 8 < cap; i++) {
        const char *a = argv[i], *slash = NULL;
        size_t end = strlen(a);
        while (end > 1 && a[end - 1] == '/') end--; /* DIR/ is named DIR */
        for (size_t c = 0; c < end; c++)
            if (a[c] == '/') slash = a + c;
        if (slash && slash + 1 < a + end) {
            const char *eq = strchr(a, '=');
            int keep = eq && eq < slash ? (int)(eq - a + 1) : 0;
            snprintf(arg, sizeof arg, "%.*s%.*s", keep, a, (int)(a + end - slash - 1), slash + 1);
            a = arg;
        }
        int plain = *a != '\0' && !strpbrk(a, " \t\n'\"\\$`;&|<>()*?[]{}!#~");
        if (plain) { n += (size_t)snprintf(buf + n, cap - n, " %s", a); continue; }
        n += (size_t)snprintf(buf + n, cap - n, " '");
        for (const char *c = a; *c && n + 6 < cap; c++) {
            if (*c == '\'') n += (size_t)snprintf(buf + n, cap - n, "'\\''");
            else buf[n++] = *c;
        }
        if (n + 2 < cap) buf[n++] = '\'';
        buf[n < cap ? n : cap - 1] = '\0';
    }
}

/* ---- the run -------------------------------------------------------------------------- */

int regia_run_domain(const regia_domain_t *dom, regia_ctx_t *ctx, int argc, char **argv)
{
    char prog[64];
    snprintf(prog, sizeof prog, "regia %s", dom->name);
    regia_log_init(&ctx->log, ctx->comm, prog, 0);
    regia_signals_install(); /* a stop request while reading stops the run after its first block */
    regia_run_t run;
    memset(&run, 0, sizeof run);
    run.ctx = ctx;
    run.dom = dom;
    run.t0 = regia_now();
    regia_provenance_cmdline(run.cmdline, sizeof run.cmdline, dom->name, argc, argv);
    int rc = load_job(&run, argc, argv);
    if (rc >= 0) return rc;
    void *self = calloc(1, dom->state_size ? dom->state_size : 1);
    regia_atomic_t at, at_m, ax[REGIA_MAX_EXTRA];
    regia_products_run_t prod;
    memset(&prod, 0, sizeof prod);
    memset(&at, 0, sizeof at);
    memset(&at_m, 0, sizeof at_m);
    memset(ax, 0, sizeof ax);
    char mpath[4200] = "", token[128] = "";
    int interrupted = 0, usage_err = 0, committed = 0;
    regia_status_t st = self ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (!st) {
        int quiet = ctx->log.quiet, verbose = ctx->log.verbose;
        regia_log_init(&ctx->log, ctx->comm, prog,
                       regia_job_has(run.job, "job", "progress_interval")
                           ? regia_job_double(run.job, "job", "progress_interval") : 0);
        ctx->log.quiet = quiet;
        ctx->log.verbose = verbose;
        run.threads = (int)regia_job_int(run.job, "job", "threads");
        run.ckpt_interval = regia_job_double(run.job, "job", "checkpoint_interval");
        st = regia_run_fault(&run, "configure");
    }
    if (!st) {
        st = dom->configure(&run, self);
        /* a bad option value is a usage error (exit 2), as for the options themselves */
        usage_err = st != REGIA_OK && run.from_options && st != REGIA_ERR_IO && st != REGIA_ERR_NOMEM;
    }
    if (!st && run.output) {
        const char *dot = strrchr(run.output, '.'), *slash = strrchr(run.output, '/');
        if (dot && (!slash || dot > slash) && strcasecmp(dot, ".nc") && strcasecmp(dot, ".nc4") &&
            strcasecmp(dot, ".netcdf") && strcasecmp(dot, ".cdf")) {
            char where[512];
            regia_run_where(&run, "job", "output", where, sizeof where);
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s '%s': regia %s writes NetCDF-4; give the output a .nc name",
                            where, run.output, dom->name);
            usage_err = run.from_options;
        }
    }
    if (!st && run.input && run.output && !strcmp(run.input, run.output)) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "the output %s must not be the input file", run.output);
        usage_err = run.from_options;
    }
    if (!st && (st = outputs_distinct(&run))) usage_err = run.from_options;
    st = regia_agree(ctx, st);
    if (st) goto done;
    if (run.job_path)
        regia_info(&ctx->log, "job %s (sha256 %.12s...), %d rank%s", run.job_path, regia_job_sha256(run.job),
                   ctx->size, ctx->size == 1 ? "" : "s");
    if (regia_job_path(run.job, "job", "checkpoint_dir"))
        snprintf(run.ckpt_dir, sizeof run.ckpt_dir, "%s", regia_job_path(run.job, "job", "checkpoint_dir"));
    else
        regia_sibling_path(run.output, ".ckpt", run.ckpt_dir, sizeof run.ckpt_dir);
    {
        /* a temporary name of this run's own: rank 0's host and pid */
        if (ctx->rank == 0) {
            char host[64] = "";
            gethostname(host, sizeof host - 1);
            for (char *c = host; *c; c++)
                if (*c == '.' || *c == '/') { *c = '\0'; break; }
            snprintf(token, sizeof token, "%s-%ld", host, (long)getpid());
        }
        MPI_Bcast(token, sizeof token, MPI_CHAR, 0, ctx->comm);
        st = regia_agree(ctx, regia_atomic_begin_as(&at, run.output, token));
        if (st) goto done;
        snprintf(run.tmp_path, sizeof run.tmp_path, "%s", at.tmp_path);
    }
    /* collective phases start only when every rank can take part */
    st = regia_agree(ctx, regia_run_fault(&run, "index"));
    if (!st) st = regia_agree(ctx, dom->index(&run, self));
    if (st) goto done;
    if (run.input && !run.input_sha[0]) {
        if (ctx->rank == 0 && regia_sha256_file(run.input, run.input_sha) != REGIA_OK) {
            run.input_sha[0] = '\0';
            regia_error_clear();
        }
        MPI_Bcast(run.input_sha, sizeof run.input_sha, MPI_CHAR, 0, ctx->comm);
    }
    {
        int64_t *start = malloc(sizeof(int64_t) * (size_t)(ctx->size + 1));
        if (!start) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        else {
            regia_partition(run.cost, run.n_items, ctx->size, start);
            run.i0 = start[ctx->rank];
            run.ni = start[ctx->rank + 1] - start[ctx->rank];
            free(start);
        }
        free(run.cost);
        run.cost = NULL;
    }
    if (!st) st = regia_run_fault(&run, "allocate");
    if (!st && dom->allocate) st = dom->allocate(&run, self);
    if ((st = regia_agree(ctx, st))) goto done;
    st = regia_agree(ctx, regia_run_fault(&run, "read"));
    if (!st) st = regia_agree(ctx, dom->read(&run, self));
    if (st && run.extras_explain_failure) st = explain_failure(&run, self, st, token);
    if (st) goto done;
    if (dom->measured_cost && (st = rebalance(&run, self))) goto done;
    run.t_read = regia_now() - run.t0;
    if ((st = open_backend(&run))) goto done;
    st = regia_run_fault(&run, "prepare");
    if (!st && dom->prepare) st = dom->prepare(&run, self);
    if ((st = regia_agree(ctx, st))) goto done;
    /* checkpoint blocks: [job] chunk series (0: what the backend wants per call) */
    {
        int64_t per = run.series_per_item > 0 ? run.series_per_item : 1;
        int64_t chunk = regia_job_has(run.job, "job", "chunk") ? regia_job_int(run.job, "job", "chunk") : 0;
        if (chunk <= 0) chunk = regia_backend_batch(&run.be);
        run.block = (chunk + per - 1) / per;
        if (run.block < 1) run.block = 1;
    }
    if (dom->result_arrays && (st = open_checkpoint(&run))) goto done;
    int restored = 0;
    st = regia_agree(ctx, block_loop(&run, self, &restored));
    if (!st && dom->check_result) {
        st = regia_agree(ctx, dom->check_result(&run, self));
        if (st && run.extras_explain_failure) st = explain_failure(&run, self, st, token);
    }
    if (st == REGIA_ERR_INTERRUPTED && run.ckpt) {
        /* every rank saves what it completed, whichever rank was stopped */
        regia_status_t sv = regia_agree(ctx, regia_ckpt_save(run.ckpt));
        long long n = regia_ckpt_count(run.ckpt);
        regia_run_sum(&run, &n, 1);
        if (sv == REGIA_OK) {
            regia_info(&ctx->log, "checkpoint: %lld of %lld %s saved in %s; run the same %s again to resume "
                       "(exit status %d)", n, (long long)run.n_items, dom->unit, run.ckpt_dir,
                       run.from_options ? "command" : "job", REGIA_EXIT_CHECKPOINTED);
            interrupted = 1;
        }
        goto done;
    }
    if (st) goto done;
    run.t_comp = regia_now() - run.t0 - run.t_read;
    if (ctx->rank == 0) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(run.created, sizeof run.created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    MPI_Bcast(run.created, sizeof run.created, MPI_CHAR, 0, ctx->comm);
    if ((st = regia_agree(ctx, write_output(&run, self)))) goto done;
    if ((st = regia_agree(ctx, write_extras(&run, self, ax, token)))) goto done;
    run.t_write = regia_now() - run.t0 - run.t_read - run.t_comp;
    if ((st = regia_agree(ctx, make_products(&run, &prod, token)))) goto done;
    /* the manifest, then the output and the manifest under their final names */
    regia_sibling_path(run.output, ".manifest.json", mpath, sizeof mpath);
    st = regia_atomic_begin_as(&at_m, mpath, token);
    if (!st) st = write_manifest(&run, self, &at_m, &prod);
    if ((st = regia_agree(ctx, st))) goto done;
    st = regia_agree_quiet(ctx, regia_run_fault(&run, "commit"));
    if (!st && ctx->rank == 0) {
        st = regia_atomic_commit(&at);
        if (!st && (st = commit_extras(&run, ax)) != REGIA_OK) unlink(run.output); /* all or none */
        if (!st && (st = regia_products_commit(&prod)) != REGIA_OK) {
            unlink(run.output);
            for (int i = 0; i < run.n_extra; i++) unlink(ax[i].final_path);
        }
        if (!st) {
            committed = 1;
            st = regia_atomic_commit(&at_m);
        }
    }
    {
        int replaced = at.replaced_other;
        MPI_Bcast(&replaced, 1, MPI_INT, 0, ctx->comm);
        if ((st = regia_agree(ctx, st))) goto done;
        if (replaced)
            regia_warn(&ctx->log, "%s was written by another run while this one ran; it is now replaced by this "
                       "run's output", run.output);
    }
    if (dom->report) dom->report(&run, self);
    {
        char extras[1024] = "";
        size_t n = 0;
        for (int i = 0; i < run.n_extra && n < sizeof extras; i++)
            n += (size_t)snprintf(extras + n, sizeof extras - n, ", %s", run.extra[i].path);
        if (prod.made && n < sizeof extras)
            n += (size_t)snprintf(extras + n, sizeof extras - n, ", %.900s/", prod.final_dir);
        char pt[48] = "";
        if (prod.made) snprintf(pt, sizeof pt, ", products %.1f", prod.seconds);
        regia_info(&ctx->log, "wrote %s%s and %s in %.1f s (read %.1f, compute %.1f, write %.1f%s)", run.output,
                   extras, mpath, regia_now() - run.t0, run.t_read, run.t_comp, run.t_write, pt);
    }
    if (ctx->rank == 0 && run.ckpt && regia_ckpt_remove(run.ckpt_dir, run.fingerprint) != REGIA_OK)
        regia_warn(&ctx->log, "%s", regia_error_msg());
done:
    if (st && !interrupted && ctx->rank == 0) {
        if (at.tmp_path[0] && !committed) regia_atomic_abort(&at);
        if (at_m.tmp_path[0]) regia_atomic_abort(&at_m);
        for (int i = 0; i < run.n_extra && !committed; i++)
            if (ax[i].tmp_path[0]) regia_atomic_abort(&ax[i]);
        if (!committed) regia_products_abort(&prod);
        if (run.ckpt) rmdir(run.ckpt_dir); /* only when empty: saved blocks stay for a rerun */
    }
    if (run.nc_broken) {
        /* A file HDF5 could not close (a full disk) crashes MPI_Finalize in HDF5's close
         * callback: the error is printed and the temporary file gone, so end here. */
        int broken = 1;
        MPI_Allreduce(MPI_IN_PLACE, &broken, 1, MPI_INT, MPI_MAX, ctx->comm);
        fflush(stdout);
        fflush(stderr);
        _exit(REGIA_EXIT_FAIL);
    }
    regia_products_free(&prod);
    if (self && dom->release) dom->release(&run, self);
    free(self);
    free(run.cost);
    if (run.be_open) regia_backend_close(&run.be);
    regia_ckpt_free(run.ckpt);
    regia_job_free(run.job);
    if (interrupted) return REGIA_EXIT_CHECKPOINTED;
    return st ? (usage_err ? REGIA_EXIT_USAGE : REGIA_EXIT_FAIL) : REGIA_EXIT_OK;
}
