/* regia env JOBFILE: the environmental driver.
 *
 *   job file -> station index -> partition -> read own hyperslabs -> daily statistics
 *   -> ETS forecasts -> daily exceedance and annual-breach risk -> one collective
 *   NetCDF-4 file (written as .tmp, renamed when complete) + JSON manifest.
 *
 * The output's data variables are identical for any number of ranks: stations are split
 * into contiguous blocks that depend only on the station count, every series' result
 * depends only on its own data, and Monte Carlo draws are keyed by station and pollutant.
 */
#include <errno.h>
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver_impl.h"
#include "env_impl.h"
#include "regia/acdd.h"
#include "regia/checkpoint.h"
#include "regia/io.h"
#include "regia/job.h"
#include "regia/kernels.h"
#include "regia/ncio.h"
#include "regia/partition.h"
#include "regia/timeutil.h"

enum { MAX_POLL = 5, NAME_LEN = 64, MODEL_LEN = 8 };

/* Every pollutant the driver knows, in the order that fixes its Monte Carlo key. */
static const char *const POLLUTANTS[MAX_POLL] = {"pm10", "pm2p5", "no2", "o3", "so2"};

const regia_job_key_t regia_env_schema[] = {
    {"job", "name", REGIA_KEY_STRING, 0, "regia-env", 0, 0, NULL, "name of the run (ACDD id)"},
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "output NetCDF file (relative to the job file)"},
    {"job", "backend", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|cpu|cuda", "compute backend"},
    {"job", "seed", REGIA_KEY_INT, 0, "1", 0, 9007199254740992.0, NULL, "Monte Carlo seed"},
    {"job", "threads", REGIA_KEY_INT, 0, "0", 0, 4096, NULL, "CPU threads per rank (0: OMP_NUM_THREADS)"},
    {"job", "progress_interval", REGIA_KEY_DOUBLE, 0, "10", 0.1, 86400, NULL, "seconds between progress lines"},
    {"job", "checkpoint_dir", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "directory of the restart files [default: OUTPUT minus .nc, plus .ckpt]"},
    {"job", "checkpoint_interval", REGIA_KEY_DOUBLE, 0, "300", 0, 1e9, NULL,
     "seconds between checkpoints (0: only on SIGUSR1/SIGTERM)"},
    {"job", "chunk", REGIA_KEY_INT, 0, "0", 0, 1 << 24, NULL,
     "series per kernel call and checkpoint block (0: 32 on the CPU, 8192 on a GPU)"},
    {"input", "file", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "ingested NetCDF (regia ingest env)"},
    {"input", "as_of", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "forecast origin YYYY-MM-DD; later data are ignored [default: last day with data]"},
    {"analysis", "pollutants", REGIA_KEY_LIST, 0, NULL, 0, 0, "pm10|pm2p5|no2|o3|so2",
     "pollutants to analyse [default: all in the input]"},
    {"analysis", "rules", REGIA_KEY_ENUM, 0, "eu2008", 0, 0, "eu2008|eu2030",
     "limit values: Directive 2008/50/EC, or 2024/2881 as of 2030"},
    {"analysis", "horizon", REGIA_KEY_INT, 0, "14", 1, 366, NULL, "forecast days"},
    {"analysis", "levels", REGIA_KEY_DOUBLE_LIST, 0, "80, 95", 1, 99.9, NULL, "prediction-interval levels (%)"},
    {"analysis", "model", REGIA_KEY_STRING, 0, "auto", 0, 0, NULL, "ETS model: auto or a code such as MAdM"},
    {"analysis", "season", REGIA_KEY_INT, 0, "7", 1, 366, NULL, "seasonal period of the daily series (days)"},
    {"analysis", "history_days", REGIA_KEY_INT, 0, "730", 28, 36600, NULL, "days of history the models are fitted on"},
    {"analysis", "paths", REGIA_KEY_INT, 0, "2000", 1, 10000000, NULL, "Monte Carlo paths for the annual breach"},
    {"analysis", "min_valid_fraction", REGIA_KEY_DOUBLE, 0, "0.75", 0.01, 1, NULL,
     "share of valid hours a daily value needs (EU: 0.75)"},
    REGIA_SUBMIT_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

typedef struct {
    /* job */
    regia_job_t *job;
    const char *output, *input, *rules;
    int np;                            /* pollutants analysed                              */
    int pidx[MAX_POLL];                /* index into POLLUTANTS                            */
    const env_rule_t *rule[MAX_POLL];
    int horizon, n_levels, season, hist, paths, threads;
    double levels[REGIA_ETS_MAX_LEVELS], min_frac;
    uint64_t seed;
    regia_ets_spec_t spec;
    /* input index */
    int ncid;
    int64_t n_station, n_time, n_day, time0, day0;
    int64_t as_of, win0, read0, n_read;  /* days since 1970 (local dates)                  */
    int *station_id;
    double *lat, *lon, *alt;
    char (*station_name)[NAME_LEN];
    /* this rank's block */
    int64_t s0, ns;
    /* series of this rank: [station][pollutant] */
    double *y;                          /* ns*np*hist                                      */
    int32_t *len, *seen;               /* exceedance days observed in as_of's year         */
    /* results */
    regia_ets_fit_t *fit;
    double *mean, *var, *lo, *up, *state, *pex, *pbr, *ecount;
    regia_backend_t be;
    char backend_desc[128];
    int64_t chunk;                      /* series per kernel call and checkpoint record     */
    /* checkpoint */
    char ckpt_dir[4200];
    double ckpt_interval;
    regia_ckpt_t *ckpt;
} env_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: [mpirun -np N | srun] regia env JOBFILE\n\n"
            "Environmental driver: reads an ingested station file (regia ingest env), computes the\n"
            "daily statistics the EU limits apply to, fits ETS models per station and pollutant,\n"
            "forecasts with prediction intervals, the probability of exceeding the daily limit on\n"
            "each forecast day and of breaching the yearly allowance of exceedance days, and\n"
            "writes one CF-1.10/ACDD-1.3 NetCDF-4 file plus a JSON manifest.\n\n"
            "Job file keys (INI; '#' or ';' comments; paths relative to the job file):\n");
    regia_job_print_schema(regia_env_schema, f);
    fprintf(f, "\nSee docs/env.md for the output schema.\n");
}

/* ---- job ------------------------------------------------------------------------------- */

static regia_status_t read_job(env_t *e, const char *path, regia_ctx_t *ctx)
{
    regia_status_t st = regia_job_load(path, regia_env_schema, ctx->comm, &e->job);
    if (st) return st;
    regia_job_t *j = e->job;
    e->output = regia_job_path(j, "job", "output");
    e->input = regia_job_path(j, "input", "file");
    e->rules = regia_job_str(j, "analysis", "rules");
    e->horizon = (int)regia_job_int(j, "analysis", "horizon");
    e->season = (int)regia_job_int(j, "analysis", "season");
    e->hist = (int)regia_job_int(j, "analysis", "history_days");
    e->paths = (int)regia_job_int(j, "analysis", "paths");
    e->threads = (int)regia_job_int(j, "job", "threads");
    e->seed = (uint64_t)regia_job_int(j, "job", "seed");
    e->min_frac = regia_job_double(j, "analysis", "min_valid_fraction");
    e->ckpt_interval = regia_job_double(j, "job", "checkpoint_interval");
    e->chunk = regia_job_int(j, "job", "chunk");
    if (regia_job_path(j, "job", "checkpoint_dir"))
        snprintf(e->ckpt_dir, sizeof e->ckpt_dir, "%s", regia_job_path(j, "job", "checkpoint_dir"));
    else
        regia_sibling_path(e->output, ".ckpt", e->ckpt_dir, sizeof e->ckpt_dir);
    e->n_levels = regia_job_list_len(j, "analysis", "levels");
    if (e->n_levels > REGIA_ETS_MAX_LEVELS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: at most %d interval levels", path,
                          regia_job_line(j, "analysis", "levels"), REGIA_ETS_MAX_LEVELS);
    for (int i = 0; i < e->n_levels; i++) e->levels[i] = regia_job_list_double(j, "analysis", "levels", i);
    e->spec = regia_ets_default_spec(e->season);
    st = regia_ets_parse_model(regia_job_str(j, "analysis", "model"), &e->spec);
    if (st) {
        regia_error_prefix("%s:%d: key 'model': ", path, regia_job_line(j, "analysis", "model"));
        return st;
    }
    if (e->hist < 2 * e->season + 8)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: history_days %d is too short for season %d (at least %d)",
                          path, regia_job_line(j, "analysis", "history_days"), e->hist, e->season,
                          2 * e->season + 8);
    regia_log_init(&ctx->log, ctx->comm, "regia env", regia_job_double(j, "job", "progress_interval"));
    return REGIA_OK;
}

/* ---- input ----------------------------------------------------------------------------- */

static regia_status_t dim_len(int ncid, const char *name, int64_t *n)
{
    int id;
    size_t len = 0;
    if (nc_inq_dimid(ncid, name, &id) != NC_NOERR) { *n = 0; return REGIA_OK; }
    regia_status_t st = REGIA_OK;
    REGIA_NC(nc_inq_dimlen(ncid, id, &len));
    *n = (int64_t)len;
err:
    return st;
}

static regia_status_t read_coord_end(int ncid, const char *name, int64_t n, int64_t *first, int64_t *last)
{
    regia_status_t st = REGIA_OK;
    int id;
    double a = 0, b = 0;
    size_t i0 = 0, i1 = (size_t)(n - 1);
    REGIA_NC(nc_inq_varid(ncid, name, &id));
    REGIA_NC(nc_get_var1_double(ncid, id, &i0, &a));
    REGIA_NC(nc_get_var1_double(ncid, id, &i1, &b));
    *first = (int64_t)llround(a);
    *last = (int64_t)llround(b);
err:
    return st;
}

static regia_status_t open_input(env_t *e, regia_ctx_t *ctx)
{
    regia_status_t st = REGIA_OK;
    if (access(e->input, R_OK) != 0) {
        e->ncid = -1;
        return REGIA_FAIL(REGIA_ERR_IO, "input file %s (job key [input] file, line %d): %s", e->input,
                          regia_job_line(e->job, "input", "file"), strerror(errno));
    }
    int rc = nc_open_par(e->input, NC_NOWRITE, ctx->comm, MPI_INFO_NULL, &e->ncid);
    if (rc != NC_NOERR) {
        e->ncid = -1;
        return REGIA_FAIL(REGIA_ERR_IO, "input file %s (job key [input] file, line %d): %s", e->input,
                          regia_job_line(e->job, "input", "file"), nc_strerror(rc));
    }
    REGIA_TRY(dim_len(e->ncid, "station", &e->n_station));
    REGIA_TRY(dim_len(e->ncid, "time", &e->n_time));
    REGIA_TRY(dim_len(e->ncid, "day", &e->n_day));
    if (e->n_station == 0 || (e->n_time == 0 && e->n_day == 0))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no 'station' dimension or no 'time'/'day' data: "
                                             "not a file made by 'regia ingest env'", e->input);
    int64_t last_day = INT64_MIN, t1 = 0, d1 = 0;
    if (e->n_time) {
        REGIA_TRY(read_coord_end(e->ncid, "time", e->n_time, &e->time0, &t1));
        last_day = regia_floordiv(t1 + 1, 24);
    }
    if (e->n_day) {
        REGIA_TRY(read_coord_end(e->ncid, "day", e->n_day, &e->day0, &d1));
        if (d1 > last_day) last_day = d1;
    }
    /* pollutants */
    int n = regia_job_list_len(e->job, "analysis", "pollutants");
    e->np = 0;
    for (int k = 0; k < MAX_POLL; k++) {
        const char *want = POLLUTANTS[k];
        int listed = n == 0;
        for (int i = 0; i < n; i++) listed |= !strcmp(regia_job_list_item(e->job, "analysis", "pollutants", i), want);
        if (!listed) continue;
        int vid;
        if (nc_inq_varid(e->ncid, want, &vid) != NC_NOERR) {
            if (n == 0) continue;
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: pollutant '%s' is not in the input %s",
                              regia_job_file(e->job), regia_job_line(e->job, "analysis", "pollutants"), want, e->input);
        }
        e->pidx[e->np] = k;
        e->rule[e->np] = env_rule(e->rules, want);
        e->np++;
    }
    if (e->np == 0) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: none of the pollutants is in the input", e->input);
    /* forecast origin and windows */
    const char *as_of = regia_job_str(e->job, "input", "as_of");
    if (as_of) {
        int64_t secs;
        if (regia_parse_datetime(as_of, &secs) != REGIA_OK) {
            regia_error_prefix("%s:%d: key 'as_of': ", regia_job_file(e->job), regia_job_line(e->job, "input", "as_of"));
            return REGIA_ERR_PARSE;
        }
        e->as_of = regia_floordiv(secs, 86400);
    } else {
        e->as_of = last_day;
    }
    int y, m, d;
    regia_civil_from_days(e->as_of, &y, &m, &d);
    int64_t jan1 = regia_days_from_civil(y, 1, 1);
    e->win0 = e->as_of - e->hist + 1;
    e->read0 = e->win0 < jan1 ? e->win0 : jan1;
    e->n_read = e->as_of - e->read0 + 1;
    /* station metadata: small, every rank keeps all of it */
    int64_t N = e->n_station;
    e->station_id = calloc((size_t)N, sizeof *e->station_id);
    e->lat = calloc((size_t)N, sizeof(double));
    e->lon = calloc((size_t)N, sizeof(double));
    e->alt = calloc((size_t)N, sizeof(double));
    e->station_name = calloc((size_t)N, NAME_LEN);
    if (!e->station_id || !e->lat || !e->lon || !e->alt || !e->station_name)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld stations", (long long)N);
    int vid;
    REGIA_NC(nc_inq_varid(e->ncid, "station_id", &vid));
    REGIA_NC(nc_get_var_int(e->ncid, vid, e->station_id));
    REGIA_NC(nc_inq_varid(e->ncid, "lat", &vid));
    REGIA_NC(nc_get_var_double(e->ncid, vid, e->lat));
    REGIA_NC(nc_inq_varid(e->ncid, "lon", &vid));
    REGIA_NC(nc_get_var_double(e->ncid, vid, e->lon));
    REGIA_NC(nc_inq_varid(e->ncid, "alt", &vid));
    REGIA_NC(nc_get_var_double(e->ncid, vid, e->alt));
    REGIA_NC(nc_inq_varid(e->ncid, "station_name", &vid));
    {
        size_t start[2] = {0, 0}, count[2] = {(size_t)N, NAME_LEN};
        REGIA_NC(nc_get_vara_text(e->ncid, vid, start, count, &e->station_name[0][0]));
    }
    /* this rank's block for reading: equal station counts (rebalanced by cost before fitting) */
    {
        int64_t *start = malloc(sizeof(int64_t) * (size_t)(ctx->size + 1));
        if (!start) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        regia_partition(NULL, N, ctx->size, start);
        e->s0 = start[ctx->rank];
        e->ns = start[ctx->rank + 1] - start[ctx->rank];
        free(start);
    }
err:
    return st;
}

/* Read [s0, s0+ns) x [i0, i0+n) of a float variable (and its _qc byte variable) into
 * buf (ns x want values starting at index want0), NaN where outside the file's range. */
static regia_status_t read_block(env_t *e, const char *name, int64_t axis_len, int64_t want0, int64_t want,
                                 float *buf, signed char *qc)
{
    regia_status_t st = REGIA_OK;
    int vid, qid;
    char qname[64];
    snprintf(qname, sizeof qname, "%s_qc", name);
    int64_t lo = want0 < 0 ? 0 : want0, hi = want0 + want > axis_len ? axis_len : want0 + want;
    int64_t n = hi > lo ? hi - lo : 0;
    float *tmp = malloc(sizeof(float) * (size_t)(e->ns * n + 1));
    signed char *qtmp = malloc((size_t)(e->ns * n + 1));
    if (!tmp || !qtmp) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory reading %s", name); goto err; }
    REGIA_NC(nc_inq_varid(e->ncid, name, &vid));
    int has_qc = nc_inq_varid(e->ncid, qname, &qid) == NC_NOERR;
    REGIA_NC(nc_var_par_access(e->ncid, vid, NC_COLLECTIVE));
    size_t start[2] = {(size_t)e->s0, (size_t)lo}, count[2] = {(size_t)e->ns, (size_t)n};
    if (e->ns == 0 || n == 0) { start[0] = start[1] = 0; count[0] = count[1] = 0; }
    REGIA_NC(nc_get_vara_float(e->ncid, vid, start, count, tmp));
    if (has_qc) {
        REGIA_NC(nc_var_par_access(e->ncid, qid, NC_COLLECTIVE));
        REGIA_NC(nc_get_vara_schar(e->ncid, qid, start, count, qtmp));
    }
    for (int64_t s = 0; s < e->ns; s++)
        for (int64_t i = 0; i < want; i++) {
            int64_t k = want0 + i - lo;
            int inside = want0 + i >= lo && want0 + i < hi;
            buf[s * want + i] = inside ? tmp[s * n + k] : NAN;
            qc[s * want + i] = inside ? (has_qc ? qtmp[s * n + k] : 0) : -1;
        }
err:
    free(tmp);
    free(qtmp);
    return st;
}

/* Daily statistics of every series of this rank over the read window. */
static regia_status_t build_series(env_t *e)
{
    regia_status_t st = REGIA_OK;
    const int64_t ns = e->ns, nr = e->n_read;
    int64_t nser = ns * e->np;
    e->y = malloc(sizeof(double) * (size_t)(nser * e->hist + 1));
    e->len = malloc(sizeof(int32_t) * (size_t)(nser + 1));
    e->seen = malloc(sizeof(int32_t) * (size_t)(nser + 1));
    double *daily = malloc(sizeof(double) * (size_t)(nr + 1));
    float *buf = NULL;
    signed char *qc = NULL;
    if (!e->y || !e->len || !e->seen || !daily) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    int yy, mm, dd;
    regia_civil_from_days(e->as_of, &yy, &mm, &dd);
    const int64_t jan1 = regia_days_from_civil(yy, 1, 1);
    for (int p = 0; p < e->np; p++) {
        const char *name = POLLUTANTS[e->pidx[p]];
        int vid, dimids[2];
        REGIA_NC(nc_inq_varid(e->ncid, name, &vid));
        REGIA_NC(nc_inq_vardimid(e->ncid, vid, dimids));
        char dname[NC_MAX_NAME + 1];
        REGIA_NC(nc_inq_dimname(e->ncid, dimids[1], dname));
        int hourly = !strcmp(dname, "time");
        /* hourly: 7 hours before the first local day for the 8-hour means */
        int64_t want0, want, hour0 = 0;
        if (hourly) {
            hour0 = e->read0 * 24 - 1 - 7;
            want = nr * 24 + 7;
            want0 = hour0 - e->time0;
        } else {
            want = nr;
            want0 = e->read0 - e->day0;
        }
        free(buf);
        free(qc);
        buf = malloc(sizeof(float) * (size_t)(ns * want + 1));
        qc = malloc((size_t)(ns * want + 1));
        if (!buf || !qc) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory reading %s", name); goto err; }
        REGIA_TRY(read_block(e, name, hourly ? e->n_time : e->n_day, want0, want, buf, qc));
        for (int64_t s = 0; s < ns; s++) {
            if (hourly) {
                env_daily_from_hourly(buf + s * want, qc + s * want, hour0, want, e->read0, (int)nr, e->rule[p]->stat,
                                      e->min_frac, daily);
            } else {
                for (int64_t d = 0; d < nr; d++) {
                    float v = buf[s * want + d];
                    daily[d] = qc[s * want + d] == 0 ? v : NAN;
                }
            }
            int64_t k = s * e->np + p;
            double *ys = e->y + k * e->hist;
            for (int d = 0; d < e->hist; d++) ys[d] = daily[e->win0 - e->read0 + d];
            e->len[k] = e->hist;
            int seen = 0;
            for (int64_t d = jan1 - e->read0; d < nr; d++)
                if (!isnan(daily[d]) && daily[d] > e->rule[p]->limit) seen++;
            e->seen[k] = seen;
        }
    }
err:
    free(daily);
    free(buf);
    free(qc);
    return st;
}

/* ---- cost-balanced compute partition ---------------------------------------------------- */

/* Reading uses equal station blocks (equal I/O); fitting costs grow with the valid days of
 * each series, so stations are then moved to contiguous blocks of equal fitting cost.  The
 * cost model: per series, its valid days plus a constant for the fixed per-series work.
 * Depends only on the data, so every rank count gives the same blocks' contents. */
static regia_status_t rebalance(env_t *e, regia_ctx_t *ctx)
{
    regia_status_t st = REGIA_OK;
    const int P = ctx->size, np = e->np, D = e->hist;
    const int64_t N = e->n_station;
    double *cost = malloc(sizeof(double) * (size_t)(N + 1));
    int *cnt = malloc(sizeof(int) * (size_t)P), *dsp = malloc(sizeof(int) * (size_t)P);
    int64_t *old = malloc(sizeof(int64_t) * (size_t)(P + 1)), *nw = malloc(sizeof(int64_t) * (size_t)(P + 1));
    int *scnt = malloc(sizeof(int) * (size_t)P), *sdsp = malloc(sizeof(int) * (size_t)P);
    int *rcnt = malloc(sizeof(int) * (size_t)P), *rdsp = malloc(sizeof(int) * (size_t)P);
    double *y2 = NULL;
    int32_t *len2 = NULL, *seen2 = NULL;
    if (!cost || !cnt || !dsp || !old || !nw || !scnt || !sdsp || !rcnt || !rdsp)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory balancing %lld stations", (long long)N);
    /* every rank learns of a failure before the collectives below (none may be left waiting) */
    if ((st = regia_agree(ctx, st))) goto err;
    regia_partition(NULL, N, P, old);
    double *mine = cost + e->s0;
    for (int64_t s = 0; s < e->ns; s++) {
        mine[s] = 0;
        for (int p = 0; p < np; p++) {
            const double *ys = e->y + (s * np + p) * D;
            int valid = 0;
            for (int d = 0; d < D; d++) valid += !isnan(ys[d]);
            mine[s] += valid + 0.1 * D;
        }
    }
    for (int r = 0; r < P; r++) { cnt[r] = (int)(old[r + 1] - old[r]); dsp[r] = (int)old[r]; }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, cost, cnt, dsp, MPI_DOUBLE, ctx->comm);
    regia_partition(cost, N, P, nw);
    const int64_t s1 = nw[ctx->rank], n1 = nw[ctx->rank + 1] - nw[ctx->rank];
    /* the overlap of my old block with each rank's new block, and vice versa */
    for (int r = 0; r < P; r++) {
        int64_t a = e->s0 > nw[r] ? e->s0 : nw[r], b = e->s0 + e->ns < nw[r + 1] ? e->s0 + e->ns : nw[r + 1];
        scnt[r] = b > a ? (int)(b - a) : 0;
        sdsp[r] = b > a ? (int)(a - e->s0) : 0;
        a = s1 > old[r] ? s1 : old[r];
        b = s1 + n1 < old[r + 1] ? s1 + n1 : old[r + 1];
        rcnt[r] = b > a ? (int)(b - a) : 0;
        rdsp[r] = b > a ? (int)(a - s1) : 0;
    }
    y2 = malloc(sizeof(double) * (size_t)(n1 * np * D + 1));
    len2 = malloc(sizeof(int32_t) * (size_t)(n1 * np + 1));
    seen2 = malloc(sizeof(int32_t) * (size_t)(n1 * np + 1));
    if (!y2 || !len2 || !seen2) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory balancing");
    if ((st = regia_agree(ctx, st))) goto err;
    MPI_Datatype station_y, station_i;
    MPI_Type_contiguous(np * D, MPI_DOUBLE, &station_y);
    MPI_Type_contiguous(np, MPI_INT32_T, &station_i);
    MPI_Type_commit(&station_y);
    MPI_Type_commit(&station_i);
    MPI_Alltoallv(e->y, scnt, sdsp, station_y, y2, rcnt, rdsp, station_y, ctx->comm);
    MPI_Alltoallv(e->len, scnt, sdsp, station_i, len2, rcnt, rdsp, station_i, ctx->comm);
    MPI_Alltoallv(e->seen, scnt, sdsp, station_i, seen2, rcnt, rdsp, station_i, ctx->comm);
    MPI_Type_free(&station_y);
    MPI_Type_free(&station_i);
    double my_cost = 0, max_cost = 0, tot_cost = 0;
    for (int64_t s = s1; s < s1 + n1; s++) my_cost += cost[s];
    MPI_Allreduce(&my_cost, &max_cost, 1, MPI_DOUBLE, MPI_MAX, ctx->comm);
    MPI_Allreduce(&my_cost, &tot_cost, 1, MPI_DOUBLE, MPI_SUM, ctx->comm);
    if (P > 1)
        regia_info(&ctx->log, "cost-balanced blocks: largest rank share %.1f%% of the fitting cost (ideal %.1f%%)",
                   tot_cost > 0 ? 100 * max_cost / tot_cost : 0.0, 100.0 / P);
    free(e->y); free(e->len); free(e->seen);
    e->y = y2; e->len = len2; e->seen = seen2;
    y2 = NULL; len2 = seen2 = NULL;
    e->s0 = s1;
    e->ns = n1;
err:
    free(cost); free(cnt); free(dsp); free(old); free(nw);
    free(scnt); free(sdsp); free(rcnt); free(rdsp);
    free(y2); free(len2); free(seen2);
    return st;
}

/* Open (and on rank 0 create) the checkpoint directory and load what an earlier,
 * interrupted run of the same job, input, build and backend completed. */
static regia_status_t open_checkpoint(env_t *e, regia_ctx_t *ctx, const char *input_sha)
{
    regia_status_t st = REGIA_OK;
    char text[512], fp[65];
    snprintf(text, sizeof text, "%s|%s|%s|%s|%s|%s", regia_job_sha256(e->job), regia_job_values_sha256(e->job),
             input_sha, REGIA_VERSION, REGIA_GIT_REV, regia_backend_name(&e->be));
    regia_sha256_buf(text, strlen(text), fp);
    if (ctx->rank == 0) st = regia_mkdir_p(e->ckpt_dir);
    st = regia_agree(ctx, st);
    if (st) return st;
    int stale = 0;
    st = regia_ckpt_open(&e->ckpt, e->ckpt_dir, fp, ctx->rank, &stale);
    if (st == REGIA_OK && stale && ctx->rank == 0)
        regia_warn(&ctx->log, "checkpoint %s: %d file(s) of another job, input or build ignored (overwritten)",
                   e->ckpt_dir, stale);
    return st;
}

/* ---- checkpoint records: the results of one chunk of series ---------------------------- */

enum { N_PARTS = 9 };

/* The arrays holding the results of series [c0, c0 + n): one checkpoint record. */
static void chunk_parts(env_t *e, int64_t c0, int n, regia_ckpt_part_t part[N_PARTS])
{
    const int64_t H = e->horizon, LH = (int64_t)e->n_levels * H, SS = 2 + e->season;
    const size_t d = sizeof(double);
    regia_ckpt_part_t p[N_PARTS] = {
        {e->fit + c0, sizeof(regia_ets_fit_t) * (size_t)n}, {e->mean + c0 * H, d * (size_t)(n * H)},
        {e->var + c0 * H, d * (size_t)(n * H)},             {e->lo + c0 * LH, d * (size_t)(n * LH)},
        {e->up + c0 * LH, d * (size_t)(n * LH)},            {e->state + c0 * SS, d * (size_t)(n * SS)},
        {e->pex + c0 * H, d * (size_t)(n * H)},             {e->pbr + c0, d * (size_t)n},
        {e->ecount + c0, d * (size_t)n},
    };
    memcpy(part, p, sizeof p);
}

/* ---- compute --------------------------------------------------------------------------- */

static regia_status_t compute(env_t *e, regia_ctx_t *ctx)
{
    regia_status_t st = REGIA_OK;
    const int64_t nser = e->ns * e->np;
    const int H = e->horizon, L = e->n_levels, SS = 2 + e->season;
    e->fit = calloc((size_t)nser + 1, sizeof *e->fit);
    e->mean = malloc(sizeof(double) * (size_t)(nser * H + 1));
    e->var = malloc(sizeof(double) * (size_t)(nser * H + 1));
    e->lo = malloc(sizeof(double) * (size_t)(nser * L * H + 1));
    e->up = malloc(sizeof(double) * (size_t)(nser * L * H + 1));
    e->state = malloc(sizeof(double) * (size_t)(nser * SS + 1));
    e->pex = malloc(sizeof(double) * (size_t)(nser * H + 1));
    e->pbr = malloc(sizeof(double) * (size_t)(nser + 1));
    e->ecount = malloc(sizeof(double) * (size_t)(nser + 1));
    double *limit = malloc(sizeof(double) * (size_t)(nser + 1));
    uint64_t *key = malloc(sizeof(uint64_t) * (size_t)(nser + 1));
    int32_t *days_left = malloc(sizeof(int32_t) * (size_t)(nser + 1)), *allowed = malloc(sizeof(int32_t) * (size_t)(nser + 1));
    if (!e->fit || !e->mean || !e->var || !e->lo || !e->up || !e->state || !e->pex || !e->pbr || !e->ecount || !limit ||
        !key || !days_left || !allowed)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld series", (long long)nser);
    int yy, mm, dd;
    regia_civil_from_days(e->as_of, &yy, &mm, &dd);
    int left = (int)(regia_days_from_civil(yy, 12, 31) - e->as_of);
    for (int64_t k = 0; k < nser && !st; k++) {
        int p = (int)(k % e->np);
        int64_t s = e->s0 + k / e->np;
        limit[k] = e->rule[p]->limit;
        allowed[k] = e->rule[p]->allowed;
        days_left[k] = left;
        key[k] = (uint64_t)(uint32_t)e->station_id[s] * 16u + (uint64_t)e->pidx[p];
    }
    const int64_t k_first = e->s0 * e->np; /* global index of this rank's first series */
    /* progress begin and end are collective: every rank gets to both, whatever happens in
     * between (an error or a stop signal on one rank ends its loop with `break`) */
    regia_progress_t prog;
    regia_progress_begin(&prog, &ctx->log, "forecast and risk", nser, "series");
    int64_t resumed = 0;
    for (int64_t c0 = 0; c0 < nser && !st; c0 += e->chunk) {
        int n = (int)(nser - c0 < e->chunk ? nser - c0 : e->chunk);
        regia_ckpt_part_t part[N_PARTS];
        chunk_parts(e, c0, n, part);
        if (regia_ckpt_restore(e->ckpt, k_first + c0, part, N_PARTS)) {
            resumed += n;
        } else {
            regia_ets_batch_t in = {.n_series = n, .stride = e->hist, .y = e->y + c0 * e->hist, .len = e->len + c0,
                                    .horizon = H, .n_levels = L, .levels = e->levels, .spec = e->spec};
            regia_ets_out_t out = {e->fit + c0, e->mean + c0 * H, e->var + c0 * H, e->lo + c0 * L * H,
                                   e->up + c0 * L * H, e->state + c0 * SS, SS};
            if ((st = regia_ets(&e->be, &in, &out))) break;
            regia_exceed_batch_t ex = {.n_series = n, .horizon = H, .mean = e->mean + c0 * H, .var = e->var + c0 * H,
                                       .limit = limit + c0};
            if ((st = regia_exceed(&e->be, &ex, e->pex + c0 * H))) break;
            regia_breach_batch_t bb = {.n_series = n, .fit = e->fit + c0, .state = e->state + c0 * SS,
                                       .state_stride = SS, .period = e->season, .key = key + c0,
                                       .days_left = days_left + c0, .count_so_far = e->seen + c0,
                                       .limit = limit + c0, .allowed = allowed + c0, .n_paths = e->paths,
                                       .seed = e->seed};
            regia_breach_out_t bo = {e->pbr + c0, e->ecount + c0};
            if ((st = regia_breach(&e->be, &bb, &bo))) break;
        }
        if ((st = regia_ckpt_record(e->ckpt, k_first + c0, part, N_PARTS))) break;
        regia_progress_add(&prog, n);
        if ((st = regia_ckpt_after_block(e->ckpt, e->ckpt_interval, c0 + n, nser, "series"))) break;
    }
    regia_progress_end(&prog);
    if (resumed && !st) regia_rank_msg(&ctx->log, "%lld of %lld series restored from the checkpoint", (long long)resumed,
                                (long long)nser);
    free(limit);
    free(key);
    free(days_left);
    free(allowed);
    return st;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

typedef struct {
    int daily, fc, lo, up, pex, pbr, obs, expct, model, alpha, beta, gamma, phi, sigma2, aicc;
} pvars_t;

/* A data variable (regia_nc_def_data) with the station coordinates when on `station`. */
static regia_status_t def_var(int ncid, const char *name, nc_type type, int nd, const int *dims, const size_t *chunk,
                              int *vid)
{
    regia_status_t st = REGIA_OK;
    REGIA_TRY(regia_nc_def_data(ncid, name, type, nd, dims, chunk, vid));
    if (nd >= 1 && dims[0] >= 0) {
        char dn[NC_MAX_NAME + 1];
        REGIA_NC(nc_inq_dimname(ncid, dims[0], dn));
        if (!strcmp(dn, "station")) ATT(*vid, "coordinates", "station_id lat lon alt");
    }
err:
    return st;
}

static regia_status_t define_pollutant(env_t *e, int ncid, int p, const int *dim, pvars_t *v)
{
    regia_status_t st = REGIA_OK;
    const env_rule_t *r = e->rule[p];
    const char *nm = r->name;
    char name[96], text[256];
    int d_sd[2] = {dim[0], dim[1]}, d_sl[2] = {dim[0], dim[2]}, d_svl[3] = {dim[0], dim[3], dim[2]};
    int d_sm[2] = {dim[0], dim[4]};
    size_t c_sd[2] = {1, (size_t)e->hist}, c_sl[2] = {1, (size_t)e->horizon};
    size_t c_svl[3] = {1, (size_t)e->n_levels, (size_t)e->horizon};
    const char *stat = env_stat_name(r->stat);
#define NAME(fmt) snprintf(name, sizeof name, fmt, nm)
    NAME("%s_daily");
    REGIA_TRY(def_var(ncid, name, NC_FLOAT, 2, d_sd, c_sd, &v->daily));
    ATT(v->daily, "standard_name", r->standard_name);
    snprintf(text, sizeof text, "%s %s (observed)", r->label, stat);
    ATT(v->daily, "long_name", text);
    ATT(v->daily, "units", "ug m-3");
    ATT(v->daily, "cell_methods", r->stat == ENV_DAILY_MEAN ? "day: mean" : "day: maximum");
    ATT(v->daily, "coverage_content_type", "physicalMeasurement");
    NAME("%s_forecast");
    REGIA_TRY(def_var(ncid, name, NC_FLOAT, 2, d_sl, c_sl, &v->fc));
    ATT(v->fc, "standard_name", r->standard_name);
    snprintf(text, sizeof text, "%s %s, ETS point forecast", r->label, stat);
    ATT(v->fc, "long_name", text);
    ATT(v->fc, "units", "ug m-3");
    ATT(v->fc, "coverage_content_type", "modelResult");
    NAME("%s_lower");
    REGIA_TRY(def_var(ncid, name, NC_FLOAT, 3, d_svl, c_svl, &v->lo));
    snprintf(text, sizeof text, "%s %s, lower bound of the prediction interval", r->label, stat);
    ATT(v->lo, "standard_name", r->standard_name);
    ATT(v->lo, "long_name", text);
    ATT(v->lo, "units", "ug m-3");
    ATT(v->lo, "coverage_content_type", "modelResult");
    NAME("%s_upper");
    REGIA_TRY(def_var(ncid, name, NC_FLOAT, 3, d_svl, c_svl, &v->up));
    snprintf(text, sizeof text, "%s %s, upper bound of the prediction interval", r->label, stat);
    ATT(v->up, "standard_name", r->standard_name);
    ATT(v->up, "long_name", text);
    ATT(v->up, "units", "ug m-3");
    ATT(v->up, "coverage_content_type", "modelResult");
    NAME("%s_p_exceed");
    REGIA_TRY(def_var(ncid, name, NC_FLOAT, 2, d_sl, c_sl, &v->pex));
    snprintf(text, sizeof text, "probability that the %s %s exceeds the daily limit", r->label, stat);
    ATT(v->pex, "long_name", text);
    ATT(v->pex, "units", "1");
    ATT(v->pex, "coverage_content_type", "modelResult");
    double lim = r->limit;
    REGIA_NC(nc_put_att_double(ncid, v->pex, "limit_value", NC_DOUBLE, 1, &lim));
    ATT(v->pex, "limit_units", "ug m-3");
    NAME("%s_p_breach");
    REGIA_TRY(def_var(ncid, name, NC_DOUBLE, 1, dim, NULL, &v->pbr));
    snprintf(text, sizeof text, "probability that %s exceeds the daily limit on more days than allowed in the "
                                "calendar year of the forecast origin", r->label);
    ATT(v->pbr, "long_name", text);
    ATT(v->pbr, "units", "1");
    ATT(v->pbr, "coverage_content_type", "modelResult");
    REGIA_NC(nc_put_att_double(ncid, v->pbr, "limit_value", NC_DOUBLE, 1, &lim));
    ATT(v->pbr, "limit_units", "ug m-3");
    REGIA_NC(nc_put_att_int(ncid, v->pbr, "allowed_exceedance_days", NC_INT, 1, &r->allowed));
    REGIA_NC(nc_put_att_int(ncid, v->pbr, "monte_carlo_paths", NC_INT, 1, &e->paths));
    NAME("%s_exceed_days_observed");
    REGIA_TRY(def_var(ncid, name, NC_INT, 1, dim, NULL, &v->obs));
    ATT(v->obs, "long_name", "valid days above the daily limit from 1 January to the forecast origin");
    ATT(v->obs, "units", "1");
    ATT(v->obs, "coverage_content_type", "physicalMeasurement");
    NAME("%s_exceed_days_expected");
    REGIA_TRY(def_var(ncid, name, NC_DOUBLE, 1, dim, NULL, &v->expct));
    ATT(v->expct, "long_name", "expected days above the daily limit in the calendar year (observed + simulated)");
    ATT(v->expct, "units", "1");
    ATT(v->expct, "coverage_content_type", "modelResult");
    NAME("%s_model");
    REGIA_TRY(def_var(ncid, name, NC_CHAR, 2, d_sm, NULL, &v->model));
    ATT(v->model, "long_name", "ETS model chosen by AICc (error, trend, season; d = damped); empty if none fitted");
    ATT(v->model, "coverage_content_type", "modelResult");
    const char *pn[6] = {"alpha", "beta", "gamma", "phi", "sigma2", "aicc"};
    int *pv[6] = {&v->alpha, &v->beta, &v->gamma, &v->phi, &v->sigma2, &v->aicc};
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "%s_%s", nm, pn[i]);
        REGIA_TRY(def_var(ncid, name, NC_DOUBLE, 1, dim, NULL, pv[i]));
        snprintf(text, sizeof text, "ETS %s of the chosen model (NaN: not in the model)", pn[i]);
        ATT(*pv[i], "long_name", text);
        ATT(*pv[i], "coverage_content_type", "modelResult");
        if (i == 4)  /* no single unit: absolute for additive errors, relative for multiplicative */
            ATT(*pv[i], "comment", "units: (ug m-3)^2 for models with additive errors (A..), 1 (relative "
                                   "errors) for models with multiplicative errors (M..)");
        else
            ATT(*pv[i], "units", "1");
    }
#undef NAME
err:
    return st;
}


/* GCMD Science Keyword of a pollutant (regia/acdd.h: keywords_vocabulary). */
static const char *gcmd_keyword(const char *pollutant)
{
    if (!strcmp(pollutant, "no2")) return "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > NITROGEN OXIDES";
    if (!strcmp(pollutant, "o3")) return "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > TROPOSPHERIC OZONE";
    if (!strcmp(pollutant, "so2")) return "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > SULFUR OXIDES";
    return "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > PARTICULATES";
}

static regia_status_t global_atts(env_t *e, regia_ctx_t *ctx, int ncid, const char *input_sha)
{
    regia_status_t st = REGIA_OK;
    char text[1024], d0[16], d1[16], keywords[1024], comment[6144], hist[6144];
    snprintf(text, sizeof text,
             "Daily statistics of the pollutants regulated by the EU (%s rule set), ETS forecasts with "
             "prediction intervals, daily probabilities of exceeding the daily limit and the probability of "
             "breaching the yearly allowance of exceedance days, per monitoring station.", e->rules);
    /* keywords: the GCMD keyword of each analysed pollutant once, then free words */
    size_t kn = 0;
    keywords[0] = 0;
    for (int p = 0; p < e->np; p++) {
        const char *k = gcmd_keyword(POLLUTANTS[e->pidx[p]]);
        if (!strstr(keywords, k)) kn += (size_t)snprintf(keywords + kn, sizeof keywords - kn, "%s, ", k);
    }
    for (int p = 0; p < e->np && kn < sizeof keywords; p++)
        kn += (size_t)snprintf(keywords + kn, sizeof keywords - kn, "%s, ", e->rule[p]->label);
    if (kn < sizeof keywords)
        snprintf(keywords + kn, sizeof keywords - kn, "air quality, forecast, exceedance, EU limit values");
    /* one creation time for every rank (attributes must agree across ranks) */
    char created[32] = "";
    if (ctx->rank == 0) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    MPI_Bcast(created, sizeof created, MPI_CHAR, 0, ctx->comm);
    snprintf(hist, sizeof hist, "%s: regia env %s (regia %s, git %s)", created, regia_job_file(e->job), REGIA_VERSION,
             REGIA_GIT_REV);
    regia_format_date(e->win0, d0, sizeof d0);
    regia_format_date(e->as_of + e->horizon, d1, sizeof d1);
    char origin[16];
    regia_format_date(e->as_of, origin, sizeof origin);
    snprintf(comment, sizeof comment,
             "Forecast origin %s; days are local calendar days (UTC+1). Observed daily statistics (<P>_daily, "
             "<P>_exceed_days_observed) come from the input file %s; forecasts, intervals, probabilities and model "
             "parameters are model results. <P>_p_exceed uses the forecast's normal predictive distribution; "
             "<P>_p_breach is a Monte Carlo estimate (%d paths, seed %llu). time_coverage_end is the last "
             "forecast day (variable forecast_day), after the last observed day.",
             origin, e->input, e->paths, (unsigned long long)e->seed);
    regia_acdd_t a = {
        .title = "Air-quality forecasts and EU limit-value risk per station",
        .summary = text,
        .keywords = keywords,
        .keywords_vocabulary = "GCMD:GCMD Science Keywords",
        .id = regia_job_str(e->job, "job", "name"),
        .source = "regia env; ETS state-space models (Hyndman et al. 2008) fitted by maximum likelihood",
        .processing_level = "model output: daily statistics of the input station observations, ETS forecasts and "
                            "derived limit-exceedance probabilities",
        .comment = comment,
        .license = "Same terms as the input data",
        .acknowledgement = "Computed with regia; the observations come from the data provider named in the input "
                           "file's acknowledgement.",
        .references = !strcmp(e->rules, "eu2030")
                          ? "Hyndman, Koehler, Ord and Snyder (2008), Forecasting with Exponential Smoothing: the State "
                            "Space Approach, Springer; Directive (EU) 2024/2881 on ambient air quality"
                          : "Hyndman, Koehler, Ord and Snyder (2008), Forecasting with Exponential Smoothing: the State "
                            "Space Approach, Springer; Directive 2008/50/EC on ambient air quality",
        .platform = "fixed ground-based air-quality monitoring stations",
        .date_created = created,
        .history = hist,
        .time_start = d0,
        .time_end = d1,
        .duration_s = (e->as_of + e->horizon - e->win0) * 86400,
        .time_resolution = "P1D",
    };
    a.has_latlon = regia_acdd_range(e->lat, sizeof *e->lat, e->n_station, &a.lat_min, &a.lat_max) &&
                   regia_acdd_range(e->lon, sizeof *e->lon, e->n_station, &a.lon_min, &a.lon_max);
    a.has_alt = regia_acdd_range(e->alt, sizeof *e->alt, e->n_station, &a.alt_min, &a.alt_max);
    REGIA_TRY(regia_acdd_put(ncid, &a));
    ATT(NC_GLOBAL, "forecast_origin", origin);
    ATT(NC_GLOBAL, "rules", e->rules);
    ATT(NC_GLOBAL, "regia_version", REGIA_VERSION);
    ATT(NC_GLOBAL, "regia_git_rev", REGIA_GIT_REV);
    ATT(NC_GLOBAL, "job_file", regia_job_file(e->job));
    ATT(NC_GLOBAL, "job_sha256", regia_job_sha256(e->job));
    ATT(NC_GLOBAL, "input_file", e->input);
    ATT(NC_GLOBAL, "input_sha256", input_sha);
    REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "ranks", NC_INT, 1, &ctx->size));
    ATT(NC_GLOBAL, "backend", e->backend_desc);
err:
    return st;
}

static regia_status_t write_output(env_t *e, regia_ctx_t *ctx, const char *tmp_path, const char *input_sha)
{
    regia_status_t st = REGIA_OK;
    int ncid = -1;
    const int64_t ns = e->ns, N = e->n_station, nser = ns * e->np;
    const int H = e->horizon, L = e->n_levels, D = e->hist;
    pvars_t pv[MAX_POLL];
    float *f32 = malloc(sizeof(float) * (size_t)(nser * (D > L * H ? D : L * H) + 1));
    double *f64 = malloc(sizeof(double) * (size_t)(ns + 1) * (size_t)(D > H ? D : H));
    char *chr = calloc((size_t)(ns + 1), NAME_LEN);
    int *i32 = malloc(sizeof(int) * (size_t)(ns + 1));
    if (!f32 || !f64 || !chr || !i32) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output"); goto err; }
    REGIA_NC(nc_create_par(tmp_path, NC_NETCDF4 | NC_CLOBBER, ctx->comm, MPI_INFO_NULL, &ncid));
    int d_st, d_day, d_lead, d_lev, d_mod, d_name;
    REGIA_NC(nc_def_dim(ncid, "station", (size_t)N, &d_st));
    REGIA_NC(nc_def_dim(ncid, "day", (size_t)D, &d_day));
    REGIA_NC(nc_def_dim(ncid, "lead", (size_t)H, &d_lead));
    REGIA_NC(nc_def_dim(ncid, "level", (size_t)(L > 0 ? L : 1), &d_lev));
    REGIA_NC(nc_def_dim(ncid, "model_strlen", MODEL_LEN, &d_mod));
    REGIA_NC(nc_def_dim(ncid, "name_strlen", NAME_LEN, &d_name));
    int v_day, v_fday, v_lev;
    regia_nc_station_vars_t sv;
    REGIA_TRY(regia_nc_def_stations(ncid, d_st, d_name, &sv));
    REGIA_NC(nc_def_var(ncid, "day", NC_DOUBLE, 1, &d_day, &v_day));
    ATT(v_day, "standard_name", "time");
    ATT(v_day, "units", "days since 1970-01-01 00:00:00");
    ATT(v_day, "calendar", "standard");
    ATT(v_day, "axis", "T");
    ATT(v_day, "long_name", "calendar date of the observed daily statistic (local solar time UTC+1)");
    ATT(v_day, "coverage_content_type", "coordinate");
    REGIA_NC(nc_def_var(ncid, "forecast_day", NC_DOUBLE, 1, &d_lead, &v_fday));
    ATT(v_fday, "standard_name", "time");
    ATT(v_fday, "units", "days since 1970-01-01 00:00:00");
    ATT(v_fday, "calendar", "standard");
    ATT(v_fday, "long_name", "calendar date of the forecast day (local solar time UTC+1)");
    ATT(v_fday, "coverage_content_type", "coordinate");
    REGIA_NC(nc_def_var(ncid, "level", NC_DOUBLE, 1, &d_lev, &v_lev));
    ATT(v_lev, "long_name", "nominal coverage of the prediction interval");
    ATT(v_lev, "units", "percent");
    ATT(v_lev, "coverage_content_type", "coordinate");
    int dims[5] = {d_st, d_day, d_lead, d_lev, d_mod};
    for (int p = 0; p < e->np; p++) REGIA_TRY(define_pollutant(e, ncid, p, dims, &pv[p]));
    REGIA_TRY(global_atts(e, ctx, ncid, input_sha));
    REGIA_NC(nc_enddef(ncid));

    /* coordinates: rank 0 writes them, the others take part with empty writes */
    {
        int full = ctx->rank == 0;
        for (int i = 0; i < D; i++) f64[i] = (double)(e->win0 + i);
        size_t st0 = 0, cnt = full ? (size_t)D : 0;
        REGIA_NC(nc_var_par_access(ncid, v_day, NC_COLLECTIVE));
        REGIA_NC(nc_put_vara_double(ncid, v_day, &st0, &cnt, f64));
        for (int i = 0; i < H; i++) f64[i] = (double)(e->as_of + 1 + i);
        cnt = full ? (size_t)H : 0;
        REGIA_NC(nc_var_par_access(ncid, v_fday, NC_COLLECTIVE));
        REGIA_NC(nc_put_vara_double(ncid, v_fday, &st0, &cnt, f64));
        cnt = full ? (size_t)(L > 0 ? L : 1) : 0;
        double lev0 = NAN;
        REGIA_NC(nc_var_par_access(ncid, v_lev, NC_COLLECTIVE));
        REGIA_NC(nc_put_vara_double(ncid, v_lev, &st0, &cnt, L > 0 ? e->levels : &lev0));
    }
    size_t in_name[1] = {NAME_LEN};
    REGIA_TRY(regia_nc_put_rows(ncid, sv.id, 1, e->s0, ns, NULL, NC_INT, e->station_id + e->s0));
    REGIA_TRY(regia_nc_put_rows(ncid, sv.name, 2, e->s0, ns, in_name, NC_CHAR, e->station_name[e->s0]));
    REGIA_TRY(regia_nc_put_rows(ncid, sv.lat, 1, e->s0, ns, NULL, NC_DOUBLE, e->lat + e->s0));
    REGIA_TRY(regia_nc_put_rows(ncid, sv.lon, 1, e->s0, ns, NULL, NC_DOUBLE, e->lon + e->s0));
    REGIA_TRY(regia_nc_put_rows(ncid, sv.alt, 1, e->s0, ns, NULL, NC_DOUBLE, e->alt + e->s0));

    for (int p = 0; p < e->np; p++) {
        const int np = e->np;
        size_t in_d[1] = {(size_t)D}, in_h[1] = {(size_t)H}, in_lh[2] = {(size_t)L, (size_t)H};
        size_t in_m[1] = {MODEL_LEN};
        for (int64_t s = 0; s < ns; s++)
            for (int d = 0; d < D; d++) f32[s * D + d] = (float)e->y[(s * np + p) * D + d];
        REGIA_TRY(regia_nc_put_rows(ncid, pv[p].daily, 2, e->s0, ns, in_d, NC_FLOAT, f32));
        for (int64_t s = 0; s < ns; s++)
            for (int h = 0; h < H; h++) f32[s * H + h] = (float)e->mean[(s * np + p) * H + h];
        REGIA_TRY(regia_nc_put_rows(ncid, pv[p].fc, 2, e->s0, ns, in_h, NC_FLOAT, f32));
        for (int64_t s = 0; s < ns; s++)
            for (int h = 0; h < H; h++) f32[s * H + h] = (float)e->pex[(s * np + p) * H + h];
        REGIA_TRY(regia_nc_put_rows(ncid, pv[p].pex, 2, e->s0, ns, in_h, NC_FLOAT, f32));
        if (L > 0) {
            for (int64_t s = 0; s < ns; s++)
                for (int i = 0; i < L * H; i++) f32[s * L * H + i] = (float)e->lo[(s * np + p) * L * H + i];
            REGIA_TRY(regia_nc_put_rows(ncid, pv[p].lo, 3, e->s0, ns, in_lh, NC_FLOAT, f32));
            for (int64_t s = 0; s < ns; s++)
                for (int i = 0; i < L * H; i++) f32[s * L * H + i] = (float)e->up[(s * np + p) * L * H + i];
            REGIA_TRY(regia_nc_put_rows(ncid, pv[p].up, 3, e->s0, ns, in_lh, NC_FLOAT, f32));
        } else {
            REGIA_TRY(regia_nc_put_rows(ncid, pv[p].lo, 3, e->s0, 0, in_lh, NC_FLOAT, f32));
            REGIA_TRY(regia_nc_put_rows(ncid, pv[p].up, 3, e->s0, 0, in_lh, NC_FLOAT, f32));
        }
        for (int64_t s = 0; s < ns; s++) f64[s] = e->pbr[s * np + p];
        REGIA_TRY(regia_nc_put_rows(ncid, pv[p].pbr, 1, e->s0, ns, NULL, NC_DOUBLE, f64));
        for (int64_t s = 0; s < ns; s++) f64[s] = e->ecount[s * np + p];
        REGIA_TRY(regia_nc_put_rows(ncid, pv[p].expct, 1, e->s0, ns, NULL, NC_DOUBLE, f64));
        for (int64_t s = 0; s < ns; s++) i32[s] = e->seen[s * np + p];
        REGIA_TRY(regia_nc_put_rows(ncid, pv[p].obs, 1, e->s0, ns, NULL, NC_INT, i32));
        memset(chr, 0, (size_t)(ns + 1) * NAME_LEN);
        for (int64_t s = 0; s < ns; s++) {
            const regia_ets_fit_t *f = &e->fit[s * np + p];
            if (f->ok) regia_ets_model_code(f->model, chr + s * MODEL_LEN);
        }
        REGIA_TRY(regia_nc_put_rows(ncid, pv[p].model, 2, e->s0, ns, in_m, NC_CHAR, chr));
        int vids[6] = {pv[p].alpha, pv[p].beta, pv[p].gamma, pv[p].phi, pv[p].sigma2, pv[p].aicc};
        for (int k = 0; k < 6; k++) {
            for (int64_t s = 0; s < ns; s++) {
                const regia_ets_fit_t *f = &e->fit[s * np + p];
                double val[6] = {f->alpha, f->beta, f->gamma, f->phi, f->sigma2, f->aicc};
                f64[s] = f->ok ? val[k] : NAN;
            }
            REGIA_TRY(regia_nc_put_rows(ncid, vids[k], 1, e->s0, ns, NULL, NC_DOUBLE, f64));
        }
    }
    REGIA_NC(nc_close(ncid));
    ncid = -1;
err:
    if (ncid >= 0) nc_close(ncid);
    free(f32);
    free(f64);
    free(chr);
    free(i32);
    return st;
}

#undef ATT

/* ---- the run --------------------------------------------------------------------------- */

static void env_free(env_t *e)
{
    if (e->ncid >= 0) nc_close(e->ncid);
    regia_backend_close(&e->be);
    regia_ckpt_free(e->ckpt);
    regia_job_free(e->job);
    free(e->station_id); free(e->lat); free(e->lon); free(e->alt); free(e->station_name);
    free(e->y); free(e->len); free(e->seen);
    free(e->fit); free(e->mean); free(e->var); free(e->lo); free(e->up); free(e->state);
    free(e->pex); free(e->pbr); free(e->ecount);
}

static void summary(env_t *e, regia_ctx_t *ctx)
{
    for (int p = 0; p < e->np; p++) {
        long long loc[4] = {0, 0, 0, 0}, tot[4];
        for (int64_t s = 0; s < e->ns; s++) {
            int64_t k = s * e->np + p;
            const double *ys = e->y + k * e->hist;
            int any = 0;
            for (int d = 0; d < e->hist && !any; d++) any = !isnan(ys[d]);
            loc[0] += e->fit[k].ok;
            loc[1] += e->pbr[k] >= 0.5;
            loc[2] += e->seen[k] > e->rule[p]->allowed && !isnan(e->rule[p]->limit);
            loc[3] += !any;
        }
        MPI_Allreduce(loc, tot, 4, MPI_LONG_LONG, MPI_SUM, ctx->comm);
        char fitted[160];
        snprintf(fitted, sizeof fitted, "%lld/%lld series fitted", tot[0], (long long)e->n_station);
        if (tot[3] || tot[0] + tot[3] < e->n_station)
            snprintf(fitted + strlen(fitted), sizeof fitted - strlen(fitted), " (%lld without data, %lld too short to fit)",
                     tot[3], (long long)e->n_station - tot[0] - tot[3]);
        if (isnan(e->rule[p]->limit))
            regia_info(&ctx->log, "%-6s %s; no daily limit under %s (forecast only)", e->rule[p]->label, fitted, e->rules);
        else
            regia_info(&ctx->log, "%-6s %s; limit %.0f ug/m3 on %d days: %lld stations already over, %lld at risk "
                       "(P(breach) >= 0.5)", e->rule[p]->label, fitted, e->rule[p]->limit, e->rule[p]->allowed,
                       tot[2], tot[1]);
    }
}

int regia_cmd_env(regia_ctx_t *ctx, int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        if (ctx->rank == 0) usage(stdout);
        return REGIA_EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '-') return regia_usage_error(ctx, "env", "expected exactly one JOBFILE");
    env_t e;
    memset(&e, 0, sizeof e);
    e.ncid = -1;
    regia_atomic_t at;
    memset(&at, 0, sizeof at);
    double t0 = regia_now(), t_read = 0, t_comp = 0, t_write = 0;
    char input_sha[65] = "", mpath[4200] = "";
    int interrupted = 0;
    regia_log_init(&ctx->log, ctx->comm, "regia env", 0);
    regia_signals_install(); /* a stop request while reading stops the run after its first block */
    regia_status_t st = regia_agree(ctx, read_job(&e, argv[1], ctx));
    if (st) goto done;
    regia_info(&ctx->log, "job %s (sha256 %.12s...), %d rank%s", argv[1], regia_job_sha256(e.job), ctx->size,
               ctx->size == 1 ? "" : "s");
    st = regia_agree(ctx, regia_atomic_begin(&at, e.output));
    if (st) goto done;
    st = regia_agree(ctx, open_input(&e, ctx));
    if (st) goto done;
    if (ctx->rank == 0 && regia_sha256_file(e.input, input_sha) != REGIA_OK) input_sha[0] = '\0';
    MPI_Bcast(input_sha, sizeof input_sha, MPI_CHAR, 0, ctx->comm);
    {
        char a[16], w[16];
        regia_format_date(e.as_of, a, sizeof a);
        regia_format_date(e.win0, w, sizeof w);
        regia_info(&ctx->log, "input %s: %lld stations; %d pollutant%s; rules %s; history %s .. %s; horizon %d days",
                   e.input, (long long)e.n_station, e.np, e.np == 1 ? "" : "s", e.rules, w, a, e.horizon);
    }
    st = regia_agree(ctx, build_series(&e));
    if (st) goto done;
    st = regia_agree(ctx, rebalance(&e, ctx));
    if (st) goto done;
    t_read = regia_now() - t0;
    int local_rank = regia_node_local_rank(ctx);
    st = regia_agree(ctx, regia_backend_open(&e.be, regia_job_str(e.job, "job", "backend"), local_rank,
                                             e.threads));
    if (st) goto done;
    regia_backend_describe(&e.be, e.backend_desc, sizeof e.backend_desc);
    {
        char host[MPI_MAX_PROCESSOR_NAME];
        int hl = 0;
        MPI_Get_processor_name(host, &hl);
        regia_rank_msg(&ctx->log, "%s local rank %d: stations %lld..%lld (%lld), backend %s", host, local_rank,
                       (long long)e.s0, (long long)(e.s0 + e.ns - 1), (long long)e.ns, e.backend_desc);
    }
    if (e.chunk == 0) e.chunk = !strcmp(regia_backend_name(&e.be), "cpu") ? 32 : 8192;
    st = regia_agree(ctx, open_checkpoint(&e, ctx, input_sha));
    if (st) goto done;
    st = regia_agree(ctx, compute(&e, ctx));
    if (st == REGIA_ERR_INTERRUPTED) {
        /* every rank saves what it completed, whichever rank was stopped */
        regia_status_t sv = regia_agree(ctx, regia_ckpt_save(e.ckpt));
        long long mine = regia_ckpt_count(e.ckpt), all = 0;
        MPI_Allreduce(&mine, &all, 1, MPI_LONG_LONG, MPI_SUM, ctx->comm);
        if (sv == REGIA_OK)
            regia_info(&ctx->log, "checkpoint: %lld blocks of %lld series saved in %s; run the same job again to "
                       "resume (exit status %d)", all, (long long)e.chunk, e.ckpt_dir, REGIA_EXIT_CHECKPOINTED);
        if (sv == REGIA_OK) interrupted = 1;
        goto done;
    }
    if (st) goto done;
    t_comp = regia_now() - t0 - t_read;
    st = regia_agree(ctx, write_output(&e, ctx, at.tmp_path, input_sha));
    if (st) goto done;
    if (ctx->rank == 0) st = regia_atomic_commit(&at);
    st = regia_agree(ctx, st);
    if (st) goto done;
    t_write = regia_now() - t0 - t_read - t_comp;
    summary(&e, ctx);
    regia_sibling_path(e.output, ".manifest.json", mpath, sizeof mpath);
    if (ctx->rank == 0) {
        regia_manifest_t *m = regia_manifest_new("regia env");
        regia_manifest_str(m, "version", REGIA_VERSION);
        regia_manifest_str(m, "git_rev", REGIA_GIT_REV);
        regia_manifest_str(m, "job_file", regia_job_file(e.job));
        regia_manifest_str(m, "job_sha256", regia_job_sha256(e.job));
        regia_manifest_str(m, "backend", e.backend_desc);
        regia_manifest_num(m, "ranks", ctx->size);
        regia_manifest_str(m, "rules", e.rules);
        st = regia_manifest_file(m, "inputs", "stations", e.input);
        if (!st) st = regia_manifest_file(m, "outputs", "forecast", e.output);
        regia_manifest_timing(m, "read", t_read);
        regia_manifest_timing(m, "compute", t_comp);
        regia_manifest_timing(m, "write", t_write);
        if (!st) st = regia_manifest_write(m, mpath);
        regia_manifest_free(m);
    }
    st = regia_agree(ctx, st);
    if (st) goto done;
    regia_info(&ctx->log, "wrote %s and %s in %.1f s (read %.1f, compute %.1f, write %.1f)", e.output, mpath,
               regia_now() - t0, t_read, t_comp, t_write);
    if (ctx->rank == 0 && regia_ckpt_remove(e.ckpt_dir) != REGIA_OK)
        regia_warn(&ctx->log, "%s", regia_error_msg());
done:
    if (st && ctx->rank == 0 && at.tmp_path[0]) regia_atomic_abort(&at);
    env_free(&e);
    return interrupted ? REGIA_EXIT_CHECKPOINTED : st ? REGIA_EXIT_FAIL : REGIA_EXIT_OK;
}
