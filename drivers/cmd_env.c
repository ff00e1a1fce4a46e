/* regia env JOBFILE: the environmental domain of the run protocol (domain.h, run.c).
 *
 *   station index -> read own hyperslabs -> daily statistics -> (rebalanced by valid
 *   days) -> ETS forecasts -> daily exceedance and annual-breach risk -> output variables
 *   per pollutant.  Job loading, partition, checkpoints, the collective write, commit and
 *   manifest are the skeleton's.
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
#include <unistd.h>

#include "domain.h"
#include "env_aq.h"
#include "env_impl.h"
#include "env_input.h"
#include "regia/acdd.h"
#include "regia/boxcox.h"
#include "regia/io.h"
#include "regia/job.h"
#include "regia/kernels.h"
#include "regia/ncio.h"
#include "regia/timeutil.h"

enum { MAX_POLL = 5, NAME_LEN = 64, MODEL_LEN = 8 };

/* Every pollutant the driver knows, in the order that fixes its Monte Carlo key. */
static const char *const POLLUTANTS[MAX_POLL] = {"pm10", "pm2p5", "no2", "o3", "so2"};

const regia_job_key_t regia_env_schema[] = {
    {"job", "name", REGIA_KEY_STRING, 0, "regia-env", 0, 0, NULL, "name of the run (ACDD id)"},
    {"job", "domain", REGIA_KEY_ENUM, 0, "env", 0, 0, "env", "the domain this job file is for (regia submit)"},
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
     "series per checkpoint block (0: what the backend takes per call)"},
    {"input", "file", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "ingested NetCDF (regia ingest env)"},
    {"input", "as_of", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "forecast origin YYYY-MM-DD; later data are ignored [default: last day with data]"},
    {"analysis", "pollutants", REGIA_KEY_LIST, 0, NULL, 0, 0, "pm10|pm2p5|no2|o3|so2",
     "pollutants to analyse [default: all in the input]"},
    {"analysis", "rules", REGIA_KEY_ENUM, 0, "eu2008", 0, 0, "eu2008|eu2030",
     "limit values: Directive 2008/50/EC, or 2024/2881 as of 2030"},
    {"analysis", "horizon", REGIA_KEY_INT, 0, "14", 1, 366, NULL, "forecast days"},
    {"analysis", "levels", REGIA_KEY_DOUBLE_LIST, 0, "80, 95", 1, 99.9, NULL, "prediction-interval levels (%)"},
    {"analysis", "model", REGIA_KEY_STRING, 0, "auto", 0, 0, NULL,
     "ETS model: auto or a code such as MAdM (with a transform: additive components only, as R's ets(lambda=))"},
    {"analysis", "transform", REGIA_KEY_STRING, 0, "auto", 0, 0, NULL,
     "Box-Cox transform the models are fitted on: auto (Guerrero's lambda per series in [0, 1], [0.5, 1] with "
     "zeros, none with negative values), none, log, or boxcox:LAMBDA"},
    {"analysis", "biasadj", REGIA_KEY_BOOL, 0, "true", 0, 0, NULL,
     "with a transform, point forecasts are back-transformed means (R's biasadj = TRUE); false: medians"},
    {"analysis", "season", REGIA_KEY_INT, 0, "7", 1, 366, NULL, "seasonal period of the daily series (days)"},
    {"analysis", "history_days", REGIA_KEY_INT, 0, "730", 28, 36600, NULL, "days of history the models are fitted on"},
    {"analysis", "paths", REGIA_KEY_INT, 0, "2000", 1, 10000000, NULL, "Monte Carlo paths for the annual breach"},
    {"analysis", "min_valid_fraction", REGIA_KEY_DOUBLE, 0, "0.75", 0.01, 1, NULL,
     "share of valid hours a daily value needs (EU: 0.75)"},
    {"limits", "trigger_days", REGIA_KEY_INT, 0, "4", 1, 366, NULL,
     "days over the PM10 daily limit in a row that trigger temporary measures (Lombardy: 4; pm10_p_trigger)"},
    REGIA_SUBMIT_SCHEMA,
    REGIA_ENV_INGEST_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

typedef struct {
    int daily, fc, lo, up, pex, pbr, obs, expct, model, alpha, beta, gamma, phi, sigma2, aicc, lambda;
    int runobs, runfc, ptrig, amean, avalid, o3info, o3alert;   /* -1: not in the output      */
    int pdaily, pfc, prisk, pmaxp;                               /* provincial aggregates      */
} pvars_t;

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
    regia_boxcox_rule_t bc;            /* [analysis] transform, biasadj                    */
    /* input index */
    int ncid;
    int64_t n_station, n_time, n_day, time0, day0;
    int64_t as_of, win0, read0, n_read;  /* days since 1970 (local dates)                  */
    int *station_id;
    double *lat, *lon, *alt;
    char (*station_name)[NAME_LEN];
    char (*province)[NAME_LEN];         /* the input's province (empty when it has none)    */
    int n_prov;                         /* distinct provinces, in order of first appearance */
    char (*prov_name)[NAME_LEN];
    int *prov_of;                       /* n_station: each station's province index         */
    int trigger;                        /* [limits] trigger_days                            */
    /* this rank's shard (the skeleton's i0, ni) */
    int64_t s0, ns;
    int64_t want_max;                   /* largest hyperslab (values) a read takes          */
    float *buf;                         /* read buffers of want_max values                  */
    signed char *qc;
    float *tmp;
    signed char *qtmp;
    double *daily;
    /* series of this rank: [station][pollutant] */
    double *y;                          /* ns*np*hist                                      */
    int32_t *len, *seen;               /* exceedance days observed in as_of's year         */
    int32_t *runobs, *avalid;           /* per series: run over the limit ending at as_of,
                                           valid days from 1 January to as_of              */
    double *amean;                      /* per series: mean of those days' daily means      */
    int32_t *o3h;                       /* per station: O3 hours over 180, over 240 (-1: no
                                           hourly O3)                                       */
    double *dmean;                      /* read scratch: daily means of one series          */
    /* results */
    regia_ets_fit_t *fit;
    double *mean, *var, *lo, *up, *state, *pex, *pbr, *ecount;
    double *run_med, *ptrig;            /* per series: median run per forecast day, P(trigger) */
    /* after the block loop (env_check), on every rank: every station's p_breach and
     * p_trigger ([pollutant][station]) and the provincial aggregates ([pollutant][province]) */
    double *all_pbr, *all_ptrig;
    double *agg_daily, *agg_fc, *agg_maxp;
    int *agg_risk;
    double *lambda;                     /* per series: Box-Cox lambda used (1: none)        */
    double *limit_t;                    /* the limit on the transformed scale               */
    double *limit;                      /* per series: the rule's limit, allowance, days    */
    uint64_t *key;                      /* left in the year and Monte Carlo key             */
    int32_t *days_left, *allowed;
    regia_backend_t *be;
    env_input_t info;                   /* the checked input (env_check_input)              */
    int listed;                         /* [analysis] pollutants names them                 */
    /* output variable ids (define -> write) */
    int v_day, v_fday, v_lev, v_prov, v_prov_name;
    char model_path[4200];              /* the model file, OUT minus .nc plus .model.nc      */
    int v_mid, v_mname, v_mlat, v_mlon, v_malt; /* its station coordinates (define -> write) */
    regia_nc_station_vars_t sv;
    pvars_t pv[MAX_POLL];
} env_t;

/* ---- job ------------------------------------------------------------------------------- */

static regia_status_t env_configure(regia_run_t *run, void *self)
{
    env_t *e = self;
    regia_status_t st;
    e->ncid = -1;
    e->job = run->job;
    regia_job_t *j = e->job;
    const char *path = regia_job_file(j);
    e->output = regia_job_path(j, "job", "output");
    {   /* the model file beside the output: OUT minus .nc plus .model.nc (env_model_write) */
        size_t n = strlen(e->output);
        const char *slash = strrchr(e->output, '/'), *dot = strrchr(e->output, '.');
        if (dot && (!slash || dot > slash)) n = (size_t)(dot - e->output);
        snprintf(e->model_path, sizeof e->model_path, "%.*s.model.nc", (int)n, e->output);
        run->n_extra = 1;
        run->extra[0].path = e->model_path;
        run->extra[0].role = "model";
    }
    e->input = regia_job_path(j, "input", "file");
    e->rules = regia_job_str(j, "analysis", "rules");
    e->horizon = (int)regia_job_int(j, "analysis", "horizon");
    e->season = (int)regia_job_int(j, "analysis", "season");
    e->hist = (int)regia_job_int(j, "analysis", "history_days");
    e->paths = (int)regia_job_int(j, "analysis", "paths");
    e->threads = (int)regia_job_int(j, "job", "threads");
    e->seed = (uint64_t)regia_job_int(j, "job", "seed");
    e->min_frac = regia_job_double(j, "analysis", "min_valid_fraction");
    e->trigger = (int)regia_job_int(j, "limits", "trigger_days");
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
    st = regia_boxcox_parse(regia_job_str(j, "analysis", "transform"), &e->bc);
    if (st) {
        regia_error_prefix("%s:%d: key 'transform': ", path, regia_job_line(j, "analysis", "transform"));
        return st;
    }
    e->bc.biasadj = regia_job_bool(j, "analysis", "biasadj");
    if (e->bc.kind != REGIA_BOXCOX_NONE &&
        (e->spec.error == 'M' || e->spec.trend == 'M' || e->spec.season == 'M'))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: model '%s' has a multiplicative component: with transform '%s' "
                          "only additive models are fitted (as R's ets(lambda=)); use transform = none or an additive model",
                          path, regia_job_line(j, "analysis", "model"), regia_job_str(j, "analysis", "model"),
                          regia_job_str(j, "analysis", "transform"));
    if (e->hist < 2 * e->season + 8)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: history_days %d is too short for season %d (at least %d)",
                          path, regia_job_line(j, "analysis", "history_days"), e->hist, e->season,
                          2 * e->season + 8);
    run->output = e->output;
    run->input = e->input;
    run->input_role = "stations";
    return REGIA_OK;
}

/* ---- input ----------------------------------------------------------------------------- */

/* The input's province(station, name_strlen) into e->province (regia ingest env writes it;
 * an input without it leaves empty names).  Every rank reads all of it (small). */
static regia_status_t read_province(env_t *e, int64_t N)
{
    regia_status_t st = REGIA_OK;
    int vid, nd = 0, dimids[NC_MAX_VAR_DIMS];
    nc_type t;
    size_t len[2] = {0, 0};
    if (nc_inq_varid(e->ncid, "province", &vid) != NC_NOERR) return REGIA_OK;
    REGIA_NC(nc_inq_var(e->ncid, vid, NULL, &t, &nd, dimids, NULL));
    for (int i = 0; i < nd && i < 2; i++) REGIA_NC(nc_inq_dimlen(e->ncid, dimids[i], &len[i]));
    if (t != NC_CHAR || nd != 2 || len[0] != (size_t)N || len[1] != NAME_LEN)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable 'province' is not char (station, name_strlen = %d): "
                          "write the input with regia ingest env", e->input, NAME_LEN);
    size_t start[2] = {0, 0}, count[2] = {(size_t)N, NAME_LEN};
    REGIA_NC(nc_get_vara_text(e->ncid, vid, start, count, &e->province[0][0]));
    for (int64_t s = 0; s < N; s++) e->province[s][NAME_LEN - 1] = 0;
err:
    return st;
}

static regia_status_t env_index(regia_run_t *run, void *self)
{
    env_t *e = self;
    regia_status_t st = REGIA_OK;
    e->ncid = -1;
    if (access(e->input, R_OK) != 0)
        st = REGIA_FAIL(REGIA_ERR_IO, "input file %s (job key [input] file, line %d): %s", e->input,
                        regia_job_line(e->job, "input", "file"), strerror(errno));
    /* every rank must be able to read it before the collective open */
    if ((st = regia_run_agree(run, st))) return st;
    if (regia_run_nc_open(run, e->input, &e->ncid) != REGIA_OK) {
        regia_error_prefix("input file (job key [input] file, line %d): ", regia_job_line(e->job, "input", "file"));
        return REGIA_ERR_IO;
    }
    /* every dimension, type and coordinate is checked before anything is read or sized */
    env_input_t info;
    REGIA_TRY(env_check_input(e->ncid, e->input, &info));
    e->n_station = info.n_station;
    e->n_time = info.n_time;
    e->n_day = info.n_day;
    e->time0 = info.time0;
    e->day0 = info.day0;
    /* pollutants */
    int n = regia_job_list_len(e->job, "analysis", "pollutants");
    unsigned mask = 0;
    e->np = 0;
    for (int k = 0; k < MAX_POLL; k++) {
        const char *want = POLLUTANTS[k];
        int listed = n == 0;
        for (int i = 0; i < n; i++) listed |= !strcmp(regia_job_list_item(e->job, "analysis", "pollutants", i), want);
        if (!listed) continue;
        if (!info.poll[k].present) {
            if (n == 0) continue;
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: pollutant '%s' is not in the input %s",
                              regia_job_file(e->job), regia_job_line(e->job, "analysis", "pollutants"), want, e->input);
        }
        e->pidx[e->np] = k;
        e->rule[e->np] = env_rule(e->rules, want);
        e->np++;
        mask |= 1u << k;
    }
    if (e->np == 0) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: none of the pollutants is in the input", e->input);
    e->listed = n > 0;
    int64_t first_day = 0, last_day = 0;
    env_input_days(&info, mask, &first_day, &last_day);
    /* forecast origin and windows */
    const char *as_of = regia_job_str(e->job, "input", "as_of");
    if (as_of) {
        int64_t secs;
        if (regia_parse_datetime(as_of, &secs) != REGIA_OK) {
            regia_error_prefix("%s:%d: key 'as_of': ", regia_job_file(e->job), regia_job_line(e->job, "input", "as_of"));
            return REGIA_ERR_PARSE;
        }
        e->as_of = regia_floordiv(secs, 86400);
        if (env_check_as_of(&info, mask, e->as_of) != REGIA_OK) {
            regia_error_prefix("%s:%d: key 'as_of': ", regia_job_file(e->job), regia_job_line(e->job, "input", "as_of"));
            return REGIA_ERR_INVALID;
        }
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
    e->province = calloc((size_t)N, NAME_LEN);
    if (!e->station_id || !e->lat || !e->lon || !e->alt || !e->station_name || !e->province)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld stations", (long long)N);
    REGIA_NC(nc_get_var_int(e->ncid, info.vid_station_id, e->station_id));
    REGIA_NC(nc_get_var_double(e->ncid, info.vid_lat, e->lat));
    REGIA_NC(nc_get_var_double(e->ncid, info.vid_lon, e->lon));
    REGIA_NC(nc_get_var_double(e->ncid, info.vid_alt, e->alt));
    {
        size_t start[2] = {0, 0}, count[2] = {(size_t)N, NAME_LEN};
        REGIA_NC(nc_get_vara_text(e->ncid, info.vid_station_name, start, count, &e->station_name[0][0]));
    }
    REGIA_TRY(read_province(e, N));
    e->prov_name = calloc((size_t)N, NAME_LEN);
    e->prov_of = calloc((size_t)N, sizeof *e->prov_of);
    if (!e->prov_name || !e->prov_of) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld stations", (long long)N);
    env_aq_distinct(&e->province[0][0], N, NAME_LEN, &e->prov_name[0][0], &e->n_prov, e->prov_of);
    e->info = info;
    /* reading takes equal station counts (rebalanced by fitting cost after the read) */
    run->n_items = N;
    run->series_per_item = e->np;
    {
        char a[16], w[16];
        regia_format_date(e->as_of, a, sizeof a);
        regia_format_date(e->win0, w, sizeof w);
        regia_info(&run->ctx->log, "input %s: %lld stations; %d pollutant%s; rules %s; history %s .. %s; horizon %d days",
                   e->input, (long long)e->n_station, e->np, e->np == 1 ? "" : "s", e->rules, w, a, e->horizon);
    }
err:
    return st;
}

/* The hyperslab of pollutant p: first index on its axis, values per station, first hour. */
static regia_status_t window(env_t *e, int p, int *hourly, int64_t *want0, int64_t *want, int64_t *hour0)
{
    *hourly = e->info.poll[e->pidx[p]].hourly; /* from the checked dimensions (env_check_input) */
    /* hourly: 7 hours before the first local day for the 8-hour means */
    if (*hourly) {
        *hour0 = e->read0 * 24 - 1 - 7;
        *want = e->n_read * 24 + 7;
        *want0 = *hour0 - e->time0;
    } else {
        *hour0 = 0;
        *want = e->n_read;
        *want0 = e->read0 - e->day0;
    }
    return REGIA_OK;
}

/* Local: the shard's series and read buffers, agreed on before the collective reads. */
static regia_status_t env_allocate(regia_run_t *run, void *self)
{
    env_t *e = self;
    regia_status_t st = REGIA_OK;
    e->s0 = run->i0;
    e->ns = run->ni;
    const int64_t ns = e->ns, nser = ns * e->np;
    e->want_max = 1;
    for (int p = 0; p < e->np; p++) {
        int hourly = 0;
        int64_t w0 = 0, w = 0, h0 = 0;
        REGIA_TRY(window(e, p, &hourly, &w0, &w, &h0));
        if (w > e->want_max) e->want_max = w;
    }
    const size_t cells = (size_t)(ns * e->want_max + 1);
    e->y = malloc(sizeof(double) * (size_t)(nser * e->hist + 1));
    e->len = malloc(sizeof(int32_t) * (size_t)(nser + 1));
    e->seen = malloc(sizeof(int32_t) * (size_t)(nser + 1));
    e->runobs = malloc(sizeof(int32_t) * (size_t)(nser + 1));
    e->avalid = malloc(sizeof(int32_t) * (size_t)(nser + 1));
    e->amean = malloc(sizeof(double) * (size_t)(nser + 1));
    e->o3h = malloc(sizeof(int32_t) * (size_t)(2 * ns + 1));
    e->dmean = malloc(sizeof(double) * (size_t)(e->n_read + 1));
    e->daily = malloc(sizeof(double) * (size_t)(e->n_read + 1));
    e->buf = malloc(sizeof(float) * cells);
    e->qc = malloc(cells);
    e->tmp = malloc(sizeof(float) * cells);
    e->qtmp = malloc(cells);
    if (!e->y || !e->len || !e->seen || !e->daily || !e->buf || !e->qc || !e->tmp || !e->qtmp || !e->runobs ||
        !e->avalid || !e->amean || !e->o3h || !e->dmean)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld stations x %lld values", (long long)ns,
                          (long long)e->want_max);
err:
    return st;
}

static void free_read_buffers(env_t *e)
{
    free(e->daily); free(e->buf); free(e->qc); free(e->tmp); free(e->qtmp); free(e->dmean);
    e->daily = NULL; e->buf = NULL; e->qc = NULL; e->tmp = NULL; e->qtmp = NULL; e->dmean = NULL;
}

/* Read [s0, s0+ns) x [i0, i0+n) of a float variable (and its _qc byte variable) into
 * buf (ns x want values starting at index want0), NaN where outside the file's range.
 * time_first: the variable is (time|day, station) (env_input_poll_t), else the older
 * (station, time|day). */
static regia_status_t read_block(regia_run_t *run, env_t *e, const char *name, int time_first, int64_t axis_len,
                                 int64_t want0, int64_t want, float *buf, signed char *qc)
{
    regia_status_t st = REGIA_OK;
    int vid, qid;
    char qname[64];
    snprintf(qname, sizeof qname, "%s_qc", name);
    int64_t lo = want0 < 0 ? 0 : want0, hi = want0 + want > axis_len ? axis_len : want0 + want;
    int64_t n = hi > lo ? hi - lo : 0;
    float *tmp = e->tmp;
    signed char *qtmp = e->qtmp;
    REGIA_NC(nc_inq_varid(e->ncid, name, &vid));
    int has_qc = nc_inq_varid(e->ncid, qname, &qid) == NC_NOERR;
    REGIA_NC(nc_var_par_access(e->ncid, vid, NC_COLLECTIVE));
    size_t start[2] = {(size_t)e->s0, (size_t)lo}, count[2] = {(size_t)e->ns, (size_t)n};
    if (e->ns == 0 || n == 0) { start[0] = start[1] = 0; count[0] = count[1] = 0; }
    if (time_first) {
        size_t t0 = start[0], t1 = count[0];
        start[0] = start[1]; count[0] = count[1];
        start[1] = t0; count[1] = t1;
    }
    st = nc_get_vara_float(e->ncid, vid, start, count, tmp) == NC_NOERR
             ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading variable '%s'", e->input, name);
    if ((st = regia_run_agree(run, st))) goto err;
    if (has_qc) {
        REGIA_NC(nc_var_par_access(e->ncid, qid, NC_COLLECTIVE));
        st = nc_get_vara_schar(e->ncid, qid, start, count, qtmp) == NC_NOERR
                 ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading variable '%s'", e->input, qname);
        if ((st = regia_run_agree(run, st))) goto err;
    }
    for (int64_t s = 0; s < e->ns; s++)
        for (int64_t i = 0; i < want; i++) {
            int64_t k = want0 + i - lo;
            int inside = want0 + i >= lo && want0 + i < hi;
            int64_t at = time_first ? k * e->ns + s : s * n + k;
            buf[s * want + i] = inside ? tmp[at] : NAN;
            qc[s * want + i] = inside ? (has_qc ? qtmp[at] : 0) : -1;
        }
err:
    return st;
}

/* Daily statistics of every series of this rank over the read window. */
static regia_status_t env_read(regia_run_t *run, void *self)
{
    env_t *e = self;
    regia_status_t st = REGIA_OK;
    const int64_t ns = e->ns, nr = e->n_read;
    double *daily = e->daily;
    float *buf = e->buf;
    signed char *qc = e->qc;
    int yy, mm, dd;
    regia_civil_from_days(e->as_of, &yy, &mm, &dd);
    const int64_t jan1 = regia_days_from_civil(yy, 1, 1);
    for (int64_t s = 0; s < 2 * ns; s++) e->o3h[s] = -1;
    for (int p = 0; p < e->np; p++) {
        const char *name = POLLUTANTS[e->pidx[p]];
        int hourly = 0;
        int64_t want0 = 0, want = 0, hour0 = 0;
        REGIA_TRY(window(e, p, &hourly, &want0, &want, &hour0));
        REGIA_TRY(read_block(run, e, name, e->info.poll[e->pidx[p]].time_first, hourly ? e->n_time : e->n_day,
                             want0, want, buf, qc));
        for (int64_t s = 0; s < ns; s++) {
            if (hourly) {
                env_daily_from_hourly(buf + s * want, qc + s * want, hour0, want, e->read0, (int)nr, e->rule[p]->stat,
                                      e->min_frac, daily);
                env_daily_from_hourly(buf + s * want, qc + s * want, hour0, want, e->read0, (int)nr, ENV_DAILY_MEAN,
                                      e->min_frac, e->dmean);
                if (!strcmp(name, "o3")) {
                    /* hours of local 1 January 00:00 (UTC 23:00 the day before) to the origin's end */
                    int64_t first = jan1 * 24 - 1 - hour0, last = (e->as_of + 1) * 24 - 1 - hour0;
                    e->o3h[2 * s] = env_aq_hours_over(buf + s * want, qc + s * want, want, first, last,
                                                      ENV_AQ_O3_INFORMATION);
                    e->o3h[2 * s + 1] = env_aq_hours_over(buf + s * want, qc + s * want, want, first, last,
                                                          ENV_AQ_O3_ALERT);
                }
            } else {
                for (int64_t d = 0; d < nr; d++) {
                    float v = buf[s * want + d];
                    daily[d] = qc[s * want + d] == 0 ? v : NAN;
                }
                memcpy(e->dmean, daily, sizeof(double) * (size_t)nr);
            }
            int64_t k = s * e->np + p;
            double *ys = e->y + k * e->hist;
            for (int d = 0; d < e->hist; d++) ys[d] = daily[e->win0 - e->read0 + d];
            e->len[k] = e->hist;
            int seen = 0;
            for (int64_t d = jan1 - e->read0; d < nr; d++)
                if (!isnan(daily[d]) && daily[d] > e->rule[p]->limit) seen++;
            e->seen[k] = seen;
            e->runobs[k] = env_aq_run_ending(ys, e->hist, e->rule[p]->limit);
            int valid = 0;
            e->amean[k] = env_aq_mean(e->dmean + (jan1 - e->read0), nr - (jan1 - e->read0), &valid);
            e->avalid[k] = valid;
        }
    }
err:
    free_read_buffers(e);
    return st;
}

/* ---- cost-balanced compute partition ---------------------------------------------------- */

/* Reading uses equal station blocks (equal I/O); fitting costs grow with the valid days of
 * each series, so the skeleton then moves stations to contiguous blocks of equal fitting
 * cost.  The cost model: per series, its valid days plus a constant for the fixed
 * per-series work.  Depends only on the data, so every rank count gives the same blocks. */
static regia_status_t env_measured_cost(regia_run_t *run, void *self, double *cost)
{
    env_t *e = self;
    const int np = e->np, D = e->hist;
    for (int64_t s = 0; s < e->ns; s++) {
        cost[s] = 0;
        for (int p = 0; p < np; p++) {
            const double *ys = e->y + (s * np + p) * D;
            int valid = 0;
            for (int d = 0; d < D; d++) valid += !isnan(ys[d]);
            cost[s] += valid + 0.1 * D;
        }
    }
    return REGIA_OK;
}

static int env_shard_arrays(void *self, regia_item_array_t *a)
{
    env_t *e = self;
    a[0] = (regia_item_array_t){(void **)&e->y, sizeof(double) * (size_t)(e->np * e->hist)};
    a[1] = (regia_item_array_t){(void **)&e->len, sizeof(int32_t) * (size_t)e->np};
    a[2] = (regia_item_array_t){(void **)&e->seen, sizeof(int32_t) * (size_t)e->np};
    a[3] = (regia_item_array_t){(void **)&e->runobs, sizeof(int32_t) * (size_t)e->np};
    a[4] = (regia_item_array_t){(void **)&e->avalid, sizeof(int32_t) * (size_t)e->np};
    a[5] = (regia_item_array_t){(void **)&e->amean, sizeof(double) * (size_t)e->np};
    a[6] = (regia_item_array_t){(void **)&e->o3h, sizeof(int32_t) * 2};
    return 7;
}

/* The per-station results: one checkpoint record holds these for a run of stations. */
static int env_result_arrays(void *self, regia_item_array_t *a)
{
    env_t *e = self;
    const size_t np = (size_t)e->np, H = (size_t)e->horizon, LH = (size_t)e->n_levels * H, SS = 2 + (size_t)e->season;
    const size_t d = sizeof(double);
    regia_item_array_t r[12] = {
        {(void **)&e->fit, sizeof(regia_ets_fit_t) * np}, {(void **)&e->mean, d * np * H},
        {(void **)&e->var, d * np * H},                   {(void **)&e->lo, d * np * LH},
        {(void **)&e->up, d * np * LH},                   {(void **)&e->state, d * np * SS},
        {(void **)&e->pex, d * np * H},                   {(void **)&e->pbr, d * np},
        {(void **)&e->ecount, d * np},                    {(void **)&e->lambda, d * np},
        {(void **)&e->run_med, d * np * H},               {(void **)&e->ptrig, d * np},
    };
    memcpy(a, r, sizeof r);
    return 12;
}

/* ---- compute --------------------------------------------------------------------------- */

/* Local: the results of the (rebalanced) shard, and each series' rule, allowance and key. */
static regia_status_t env_prepare(regia_run_t *run, void *self)
{
    env_t *e = self;
    regia_status_t st = REGIA_OK;
    e->s0 = run->i0;
    e->ns = run->ni;
    e->be = &run->be;
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
    e->lambda = malloc(sizeof(double) * (size_t)(nser + 1));
    e->run_med = malloc(sizeof(double) * (size_t)(nser * H + 1));
    e->ptrig = malloc(sizeof(double) * (size_t)(nser + 1));
    e->limit_t = malloc(sizeof(double) * (size_t)(nser + 1));
    double *limit = e->limit = malloc(sizeof(double) * (size_t)(nser + 1));
    uint64_t *key = e->key = malloc(sizeof(uint64_t) * (size_t)(nser + 1));
    int32_t *days_left = e->days_left = malloc(sizeof(int32_t) * (size_t)(nser + 1));
    int32_t *allowed = e->allowed = malloc(sizeof(int32_t) * (size_t)(nser + 1));
    if (!e->fit || !e->mean || !e->var || !e->lo || !e->up || !e->state || !e->pex || !e->pbr || !e->ecount || !limit ||
        !e->lambda || !e->limit_t || !key || !days_left || !allowed || !e->run_med || !e->ptrig)
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
    return st;
}

/* Local: stations [k0, k0 + n) of the shard, i.e. series [k0 * np, (k0 + n) * np). */
static regia_status_t env_compute(regia_run_t *run, void *self, int64_t k0, int64_t n_st)
{
    env_t *e = self;
    regia_status_t st = REGIA_OK;
    const int H = e->horizon, L = e->n_levels, SS = 2 + e->season;
    const int64_t c0 = k0 * e->np, n = n_st * e->np;
    regia_ets_batch_t in = {.n_series = (int)n, .stride = e->hist, .y = e->y + c0 * e->hist, .len = e->len + c0,
                            .horizon = H, .n_levels = L, .levels = e->levels, .spec = e->spec};
    regia_ets_out_t out = {e->fit + c0, e->mean + c0 * H, e->var + c0 * H, e->lo + c0 * L * H,
                           e->up + c0 * L * H, e->state + c0 * SS, SS};
    /* the models, exceedances and breaches on the transformed scale (the limit transformed
     * with the series: P(y > limit) = P(BoxCox(y) > BoxCox(limit))), then back */
    REGIA_TRY(regia_ets_boxcox_fit(e->be, &in, &out, &e->bc, e->lambda + c0, NULL));
    for (int64_t k = c0; k < c0 + n; k++) e->limit_t[k] = regia_boxcox(e->limit[k], e->lambda[k]);
    regia_exceed_batch_t ex = {.n_series = (int)n, .horizon = H, .mean = e->mean + c0 * H, .var = e->var + c0 * H,
                               .limit = e->limit_t + c0};
    REGIA_TRY(regia_exceed(e->be, &ex, e->pex + c0 * H));
    regia_breach_batch_t bb = {.n_series = (int)n, .fit = e->fit + c0, .state = e->state + c0 * SS,
                               .state_stride = SS, .period = e->season, .key = e->key + c0,
                               .days_left = e->days_left + c0, .count_so_far = e->seen + c0,
                               .limit = e->limit_t + c0, .allowed = e->allowed + c0, .n_paths = e->paths,
                               .seed = e->seed, .run_days = H, .run_so_far = e->runobs + c0,
                               .trigger_days = e->trigger};
    regia_breach_out_t bo = {e->pbr + c0, e->ecount + c0, e->run_med + c0 * H, e->ptrig + c0};
    REGIA_TRY(regia_breach(e->be, &bb, &bo));
    regia_ets_boxcox_back(&in, &out, &e->bc, e->lambda + c0);
err:
    return st;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))


/* The auxiliary coordinates of every variable on `station`: the station's place, province
 * and name (xarray: ds.set_xindex("station_name").sel(station_name=NAME)).  station_id, the
 * timeseries_id, is found by its dimension (CF 9.5) and is not listed: CDO 2.1 cannot
 * assign it and then opens nothing; nor is alt (station metadata, CDO 2.1 cannot assign
 * it either); province listed so that CDO takes it for a coordinate, not for a char data
 * variable it cannot read; station_name last, so CDO takes it as the character coordinate
 * of the station axis. */
#define ENV_COORDINATES "lat lon province station_name"
/* The coordinates of the (forecast_day, interval, station) bounds: with lat and lon CDO 2.1
 * takes interval for a y axis and skips the variable; station_name alone, CDO reads them
 * on a generic grid and xarray still selects a station by name. */
#define ENV_COORDINATES_INTERVAL "station_name"
/* The provinces' dimension: not "province", the name of the stations' variable
 * province(station) (a dimension of that name would make it a coordinate variable for
 * CF and xarray). */
#define ENV_PROVINCE_DIM "province_index"

/* A data variable (regia_nc_def_data) with the station (or province) coordinates when on
 * `station` (or ENV_PROVINCE_DIM), which is the last dimension of every variable with a
 * time dimension (time first: what CDO reads). */
static regia_status_t def_var(int ncid, const char *name, nc_type type, int nd, const int *dims, const size_t *chunk,
                              int *vid)
{
    regia_status_t st = REGIA_OK;
    REGIA_TRY(regia_nc_def_data(ncid, name, type, nd, dims, chunk, vid));
    int on_station = 0, on_prov = 0, on_interval = 0;
    for (int i = 0; i < nd; i++) {
        char dn[NC_MAX_NAME + 1];
        REGIA_NC(nc_inq_dimname(ncid, dims[i], dn));
        on_station |= !strcmp(dn, "station");
        on_prov |= !strcmp(dn, ENV_PROVINCE_DIM);
        on_interval |= !strcmp(dn, "interval");
    }
    if (on_station) ATT(*vid, "coordinates", on_interval ? ENV_COORDINATES_INTERVAL : ENV_COORDINATES);
    if (on_prov) ATT(*vid, "coordinates", "province_name");
err:
    return st;
}

/* Collective, data mode: a time-first float variable vid(T, [L,] item) from this rank's
 * items [s0, s0 + n) (rows: n x L x T, item first, as the domain keeps them), transposed in
 * buf (T x L x n values, the caller's); L = 0 for vid(T, item).  Every rank calls it (n = 0:
 * an empty write). */
static regia_status_t put_time_first(regia_run_t *run, int ncid, int vid, int T, int L, int64_t s0, int64_t n,
                                     const float *rows, float *buf)
{
    const int per = L > 0 ? L : 1;
    for (int64_t s = 0; s < n; s++)
        for (int l = 0; l < per; l++)
            for (int t = 0; t < T; t++) buf[((size_t)t * per + l) * n + s] = rows[((size_t)s * per + l) * T + t];
    size_t start[3] = {0, 0, (size_t)s0}, count[3] = {(size_t)T, (size_t)per, (size_t)n};
    if (L <= 0) { start[1] = start[2]; count[1] = count[2]; }
    if (n == 0) start[0] = start[1] = start[2] = count[0] = count[1] = count[2] = 0;
    int rc = nc_var_par_access(ncid, vid, NC_COLLECTIVE);
    if (rc == NC_NOERR) rc = nc_put_vara_float(ncid, vid, start, count, buf);
    char name[NC_MAX_NAME + 1] = "?";
    if (rc != NC_NOERR) nc_inq_varname(ncid, vid, name);
    return regia_run_agree_io(run, rc == NC_NOERR ? REGIA_OK
                              : REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable '%s': %s", name, nc_strerror(rc)));
}

/* The air-quality indicators of pollutant p (env_aq.h) and its provincial aggregates. */
static regia_status_t define_aq(env_t *e, int ncid, int p, const int *dim, pvars_t *v)
{
    regia_status_t st = REGIA_OK;
    const env_rule_t *r = e->rule[p];
    const char *nm = r->name;
    const int pm10 = !strcmp(nm, "pm10"), o3 = !strcmp(nm, "o3");
    char name[96], text[320];
    const int fill = -1;
    const double lim = r->limit;
    int d_sl[2] = {dim[2], dim[0]}, d_pd[2] = {dim[1], dim[5]}, d_pl[2] = {dim[2], dim[5]};
    size_t c_pd[2] = {(size_t)e->hist, 1}, c_pl[2] = {(size_t)e->horizon, 1};
    v->runfc = v->ptrig = v->o3info = v->o3alert = -1;
#define NAME(fmt) snprintf(name, sizeof name, fmt, nm)
#define INTVAR(id, dims_, nd_)                                                                 \
    do {                                                                                       \
        REGIA_TRY(def_var(ncid, name, NC_INT, nd_, dims_, NULL, &(id)));                       \
        REGIA_NC(nc_put_att_int(ncid, id, "_FillValue", NC_INT, 1, &fill));                    \
    } while (0)
    NAME("%s_consecutive_days_observed");
    INTVAR(v->runobs, dim, 1);
    snprintf(text, sizeof text, "valid days in a row with the %s %s above the daily limit, ending on the forecast "
                                "origin (0: the origin is not above it; missing where there is no daily limit)",
             r->label, env_stat_name(r->stat));
    ATT(v->runobs, "long_name", text);
    ATT(v->runobs, "units", "1");
    ATT(v->runobs, "coverage_content_type", "physicalMeasurement");
    REGIA_NC(nc_put_att_double(ncid, v->runobs, "limit_value", NC_DOUBLE, 1, &lim));
    ATT(v->runobs, "limit_units", "ug m-3");
    if (pm10) {
        NAME("%s_consecutive_days_forecast");
        size_t c_sl[2] = {(size_t)e->horizon, 1};
        REGIA_TRY(def_var(ncid, name, NC_FLOAT, 2, d_sl, c_sl, &v->runfc));
        ATT(v->runfc, "long_name", "median over the Monte Carlo paths of the days in a row above the PM10 daily "
                                   "limit ending on the forecast day (the observed run continued)");
        ATT(v->runfc, "units", "1");
        ATT(v->runfc, "coverage_content_type", "modelResult");
        REGIA_NC(nc_put_att_double(ncid, v->runfc, "limit_value", NC_DOUBLE, 1, &lim));
        REGIA_NC(nc_put_att_int(ncid, v->runfc, "monte_carlo_paths", NC_INT, 1, &e->paths));
        NAME("%s_p_trigger");
        REGIA_TRY(def_var(ncid, name, NC_DOUBLE, 1, dim, NULL, &v->ptrig));
        snprintf(text, sizeof text, "probability that the run of days above the PM10 daily limit reaches %d days "
                                    "on a forecast day within the horizon (Lombardy's first-level temporary "
                                    "measures)", e->trigger);
        ATT(v->ptrig, "long_name", text);
        ATT(v->ptrig, "units", "1");
        ATT(v->ptrig, "coverage_content_type", "modelResult");
        REGIA_NC(nc_put_att_int(ncid, v->ptrig, "trigger_days", NC_INT, 1, &e->trigger));
        REGIA_NC(nc_put_att_double(ncid, v->ptrig, "limit_value", NC_DOUBLE, 1, &lim));
        REGIA_NC(nc_put_att_int(ncid, v->ptrig, "monte_carlo_paths", NC_INT, 1, &e->paths));
    }
    NAME("%s_annual_mean_observed");
    REGIA_TRY(def_var(ncid, name, NC_DOUBLE, 1, dim, NULL, &v->amean));
    snprintf(text, sizeof text, "mean of the valid %s daily means from 1 January to the forecast origin", r->label);
    ATT(v->amean, "long_name", text);
    ATT(v->amean, "standard_name", r->standard_name);
    ATT(v->amean, "units", "ug m-3");
    ATT(v->amean, "cell_methods", "time: mean");
    ATT(v->amean, "coverage_content_type", "physicalMeasurement");
    if (!isnan(r->annual)) REGIA_NC(nc_put_att_double(ncid, v->amean, "annual_limit_value", NC_DOUBLE, 1, &r->annual));
    snprintf(text, sizeof text, "%s_annual_valid_days", nm);
    ATT(v->amean, "ancillary_variables", text);
    NAME("%s_annual_valid_days");
    INTVAR(v->avalid, dim, 1);
    snprintf(text, sizeof text, "valid days (daily means) from 1 January to the forecast origin in %s_annual_mean_observed",
             nm);
    ATT(v->avalid, "long_name", text);
    ATT(v->avalid, "units", "1");
    ATT(v->avalid, "coverage_content_type", "qualityInformation");
    if (o3) {
        const char *what[2] = {"information", "alert"};
        const int thr[2] = {ENV_AQ_O3_INFORMATION, ENV_AQ_O3_ALERT};
        int *ids[2] = {&v->o3info, &v->o3alert};
        for (int i = 0; i < 2; i++) {
            snprintf(name, sizeof name, "o3_hours_over_%s", what[i]);
            INTVAR(*ids[i], dim, 1);
            snprintf(text, sizeof text, "hours of the calendar year up to the end of the forecast origin with the "
                                        "validated hourly O3 above the %s threshold (%d ug m-3); missing without "
                                        "hourly O3", what[i], thr[i]);
            ATT(*ids[i], "long_name", text);
            ATT(*ids[i], "units", "1");
            ATT(*ids[i], "coverage_content_type", "physicalMeasurement");
            double t = thr[i];
            REGIA_NC(nc_put_att_double(ncid, *ids[i], "threshold_value", NC_DOUBLE, 1, &t));
        }
    }
    NAME("%s_province_daily");
    REGIA_TRY(def_var(ncid, name, NC_FLOAT, 2, d_pd, c_pd, &v->pdaily));
    snprintf(text, sizeof text, "mean over the province's stations of the observed %s %s", r->label,
             env_stat_name(r->stat));
    ATT(v->pdaily, "long_name", text);
    ATT(v->pdaily, "standard_name", r->standard_name);
    ATT(v->pdaily, "units", "ug m-3");
    ATT(v->pdaily, "cell_methods", "area: mean");
    ATT(v->pdaily, "coverage_content_type", "physicalMeasurement");
    NAME("%s_province_forecast");
    REGIA_TRY(def_var(ncid, name, NC_FLOAT, 2, d_pl, c_pl, &v->pfc));
    snprintf(text, sizeof text, "mean over the province's stations of the %s point forecasts", r->label);
    ATT(v->pfc, "long_name", text);
    ATT(v->pfc, "standard_name", r->standard_name);
    ATT(v->pfc, "units", "ug m-3");
    ATT(v->pfc, "coverage_content_type", "modelResult");
    NAME("%s_province_stations_at_risk");
    REGIA_TRY(def_var(ncid, name, NC_INT, 1, &dim[5], NULL, &v->prisk));
    snprintf(text, sizeof text, "stations of the province with %s_p_breach >= 0.5", nm);
    ATT(v->prisk, "long_name", text);
    ATT(v->prisk, "units", "1");
    ATT(v->prisk, "coverage_content_type", "modelResult");
    NAME("%s_province_max_p_breach");
    REGIA_TRY(def_var(ncid, name, NC_DOUBLE, 1, &dim[5], NULL, &v->pmaxp));
    snprintf(text, sizeof text, "largest %s_p_breach of the province's stations", nm);
    ATT(v->pmaxp, "long_name", text);
    ATT(v->pmaxp, "units", "1");
    ATT(v->pmaxp, "coverage_content_type", "modelResult");
#undef INTVAR
#undef NAME
err:
    return st;
}

#define MODEL_GROUP_COMMENT                                                                                  \
    "ETS internals per station and pollutant: <P>_model (the model chosen by AICc), its parameters <P>_alpha, "    \
    "<P>_beta, <P>_gamma, <P>_phi, <P>_sigma2 and <P>_aicc, along the station dimension of the output (forecast_file)"

static regia_status_t define_pollutant(env_t *e, int ncid, int p, const int *dim, pvars_t *v)
{
    regia_status_t st = REGIA_OK;
    const env_rule_t *r = e->rule[p];
    const char *nm = r->name;
    char name[96], text[256];
    /* time first (CDO reads nothing else), one chunk per station: all its days */
    int d_sd[2] = {dim[1], dim[0]}, d_sl[2] = {dim[2], dim[0]}, d_svl[3] = {dim[2], dim[3], dim[0]};
    size_t c_sd[2] = {(size_t)e->hist, 1}, c_sl[2] = {(size_t)e->horizon, 1};
    size_t c_svl[3] = {(size_t)e->horizon, (size_t)(e->n_levels > 0 ? e->n_levels : 1), 1};
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
    REGIA_TRY(define_aq(e, ncid, p, dim, v));
    NAME("%s_boxcox_lambda");
    REGIA_TRY(def_var(ncid, name, NC_DOUBLE, 1, dim, NULL, &v->lambda));
    snprintf(text, sizeof text, "Box-Cox parameter lambda of the transformed %s series the ETS model was fitted on "
                                "(1: untransformed, 0: log)", r->label);
    ATT(v->lambda, "long_name", text);
    ATT(v->lambda, "units", "1");
    ATT(v->lambda, "coverage_content_type", "auxiliaryInformation");
    {
        char rule[64];
        regia_boxcox_rule_text(&e->bc, rule, sizeof rule);
        ATT(v->lambda, "transform_rule", rule);
        int ba = e->bc.biasadj;
        REGIA_NC(nc_put_att_int(ncid, v->lambda, "biasadj", NC_INT, 1, &ba));
        ATT(v->lambda, "comment",
            ba ? "Forecasts are bias-adjusted back-transformed means (R forecast biasadj = TRUE: mean = "
                 "InvBoxCox(z) * (1 + fvar (1 - lambda) / (2 InvBoxCox(z)^(2 lambda)))); interval bounds are "
                 "back-transformed quantiles, not below 0 for series without negative values"
               : "Forecasts are back-transformed medians (no bias adjustment); interval bounds are back-transformed "
                 "quantiles, not below 0 for series without negative values");
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

/* The ACDD attributes (the skeleton writes them with the provenance attributes). */
static void env_acdd(regia_run_t *run, void *self, void *acdd)
{
    env_t *e = self;
    regia_acdd_t *out = acdd;
    static _Thread_local char text[1024], d0[16], d1[16], keywords[1024], comment[6144];
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
    regia_format_date(e->win0, d0, sizeof d0);
    regia_format_date(e->as_of + e->horizon, d1, sizeof d1);
    static _Thread_local char origin[16];
    regia_format_date(e->as_of, origin, sizeof origin);
    char rule[64];
    regia_boxcox_rule_text(&e->bc, rule, sizeof rule);
    snprintf(comment, sizeof comment,
             "Forecast origin %s; days are local calendar days (UTC+1). Observed daily statistics (<P>_daily, "
             "<P>_exceed_days_observed) come from the input file %s; forecasts, intervals, probabilities and model "
             "parameters are model results; the ETS internals (<P>_model, <P>_alpha .. <P>_aicc) are in the model "
             "file (global attribute model_file). Models are fitted on Box-Cox transformed series (transform %s, lambda per "
             "series in <P>_boxcox_lambda), forecasts and bounds back-transformed (%s). <P>_p_exceed uses the forecast's normal predictive distribution; "
             "<P>_p_breach is a Monte Carlo estimate (%d paths, seed %llu). time_coverage_end is the last "
             "forecast day (variable forecast_day), after the last observed day.",
             origin, regia_file_name(e->input), rule, e->bc.biasadj ? "bias-adjusted means" : "medians", e->paths,
             (unsigned long long)e->seed);
    regia_acdd_t a = {
        .title = e->info.synthetic ? "Air-quality forecasts and EU limit-value risk per station, from synthetic data "
                                     "(not measurements)"
                                   : "Air-quality forecasts and EU limit-value risk per station",
        .summary = text,
        .keywords = keywords,
        .keywords_vocabulary = "GCMD:GCMD Science Keywords",
        .id = out->id,
        .source = e->info.synthetic ? "regia env on synthetic input (regia gen env, ARPA Lombardia layout; not "
                                      "measurements); ETS state-space models (Hyndman et al. 2008) fitted by maximum "
                                      "likelihood"
                                    : "regia env; ETS state-space models (Hyndman et al. 2008) fitted by maximum likelihood",
        .processing_level = "model output: daily statistics of the input station observations, ETS forecasts and "
                            "derived limit-exceedance probabilities",
        .comment = comment,
        .license = "Same terms as the input data",
        .acknowledgement = e->info.synthetic ? "Computed with regia from synthetic data (regia gen env): no data provider."
                                             : "Computed with regia; the observations come from the data provider named "
                                               "in the input file's acknowledgement.",
        .references = !strcmp(e->rules, "eu2030")
                          ? "Hyndman, Koehler, Ord and Snyder (2008), Forecasting with Exponential Smoothing: the State "
                            "Space Approach, Springer; Directive (EU) 2024/2881 on ambient air quality"
                          : "Hyndman, Koehler, Ord and Snyder (2008), Forecasting with Exponential Smoothing: the State "
                            "Space Approach, Springer; Directive 2008/50/EC on ambient air quality",
        .platform = "fixed ground-based air-quality monitoring stations",
        .feature_type = "timeSeries",
        .cdm_data_type = "Station",
        .date_created = out->date_created,
        .history = out->history,
        .time_start = d0,
        .time_end = d1,
        .duration_s = (e->as_of + e->horizon - e->win0) * 86400,
        .time_resolution = "P1D",
    };
    a.has_latlon = regia_acdd_range(e->lat, sizeof *e->lat, e->n_station, &a.lat_min, &a.lat_max) &&
                   regia_acdd_range(e->lon, sizeof *e->lon, e->n_station, &a.lon_min, &a.lon_max);
    a.has_alt = regia_acdd_range(e->alt, sizeof *e->alt, e->n_station, &a.alt_min, &a.alt_max);
    *out = a;
}

/* Collective, define mode: dimensions, coordinates, the variables of each pollutant and the
 * domain's global attributes. */
static regia_status_t env_define(regia_run_t *run, void *self, int ncid)
{
    env_t *e = self;
    regia_status_t st = REGIA_OK;
    const int64_t N = e->n_station;
    const int H = e->horizon, L = e->n_levels, D = e->hist;
    int d_st, d_day, d_lead, d_lev, d_mod, d_name, d_prov;
    REGIA_NC(nc_def_dim(ncid, "station", (size_t)N, &d_st));
    REGIA_NC(nc_def_dim(ncid, "day", (size_t)D, &d_day));
    REGIA_NC(nc_def_dim(ncid, "forecast_day", (size_t)H, &d_lead));
    REGIA_NC(nc_def_dim(ncid, "interval", (size_t)(L > 0 ? L : 1), &d_lev));
    REGIA_NC(nc_def_dim(ncid, "model_strlen", MODEL_LEN, &d_mod));
    REGIA_NC(nc_def_dim(ncid, "name_strlen", NAME_LEN, &d_name));
    REGIA_NC(nc_def_dim(ncid, ENV_PROVINCE_DIM, (size_t)e->n_prov, &d_prov));
    int v_day, v_fday, v_lev;
    regia_nc_station_vars_t sv;
    REGIA_TRY(regia_nc_def_stations(ncid, d_st, d_name, &sv));
    REGIA_TRY(regia_nc_station_sources(ncid, &sv, "ARPA", "Idstazione", "NomeStazione", "Quota"));
    {
        int d_sn[2] = {d_st, d_name};
        REGIA_NC(nc_def_var(ncid, "province", NC_CHAR, 2, d_sn, &e->v_prov));
        ATT(e->v_prov, "long_name", "province of the station (Provincia), from the input");
        ATT(e->v_prov, "coverage_content_type", "auxiliaryInformation");
        /* the names are UTF-8: readers (xarray, netCDF4-python) decode them to strings */
        ATT(e->v_prov, "_Encoding", "utf-8");
        ATT(sv.name, "_Encoding", "utf-8");
        int d_pn[2] = {d_prov, d_name};
        REGIA_NC(nc_def_var(ncid, "province_name", NC_CHAR, 2, d_pn, &e->v_prov_name));
        ATT(e->v_prov_name, "long_name", "province of the provincial aggregates (<P>_province_*)");
        ATT(e->v_prov_name, "coverage_content_type", "auxiliaryInformation");
        ATT(e->v_prov_name, "_Encoding", "utf-8");
        /* alt is station metadata here, not a vertical coordinate: with axis = Z, positive
         * or standard_name altitude (which the CF checker then wants with positive), CDO
         * takes the station dimension for a vertical axis and reads no per-station
         * variable on lat/lon.  Not in the data variables' coordinates either (CDO 2.1
         * cannot assign it), so it is a variable of its own: standard_name
         * height_above_mean_sea_level (ACDD wants one; CDO reads it as a plain variable). */
        REGIA_NC(nc_del_att(ncid, sv.alt, "axis"));
        REGIA_NC(nc_del_att(ncid, sv.alt, "positive"));
        REGIA_NC(nc_del_att(ncid, sv.alt, "standard_name"));
        ATT(sv.alt, "standard_name", "height_above_mean_sea_level");
        ATT(sv.alt, "comment", "station altitude above mean sea level (positive up); not a vertical axis of the data");
    }
    REGIA_NC(nc_def_var(ncid, "day", NC_DOUBLE, 1, &d_day, &v_day));
    e->v_day = v_day;
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
    REGIA_NC(nc_def_var(ncid, "interval", NC_DOUBLE, 1, &d_lev, &v_lev));
    ATT(v_lev, "long_name", "nominal coverage of the prediction interval");
    ATT(v_lev, "units", "percent");
    ATT(v_lev, "coverage_content_type", "coordinate");
    e->v_fday = v_fday;
    e->v_lev = v_lev;
    e->sv = sv;
    /* the ETS internals (model code, parameters, AICc) are in the model file (env_model_write),
     * not in a group: CDO 2.1 warns on any NetCDF-4 group */
    ATT(NC_GLOBAL, "model_file", regia_file_name(e->model_path));
    int dims[6] = {d_st, d_day, d_lead, d_lev, d_mod, d_prov};
    for (int p = 0; p < e->np; p++) REGIA_TRY(define_pollutant(e, ncid, p, dims, &e->pv[p]));
    {
        char origin[16];
        regia_format_date(e->as_of, origin, sizeof origin);
        ATT(NC_GLOBAL, "forecast_origin", origin);
        ATT(NC_GLOBAL, "rules", e->rules);
        ATT(NC_GLOBAL, "synthetic", e->info.synthetic ? "yes" : "no");
    }
err:
    return st;
}

/* Collective, data mode: the air-quality indicators of pollutant p (this rank's stations)
 * and, from rank 0, its provincial aggregates.  f32, f64, i32, tb: scratch of the caller's
 * sizes (env_write). */
static regia_status_t write_aq(regia_run_t *run, env_t *e, int ncid, int p, float *f32, double *f64, int *i32,
                               float *tb)
{
    regia_status_t st = REGIA_OK;
    const int64_t ns = e->ns;
    const int np = e->np, H = e->horizon, D = e->hist, G = e->n_prov;
    const pvars_t *v = &e->pv[p];
    const int has_limit = !isnan(e->rule[p]->limit);
    float *pd = NULL;
    for (int64_t s = 0; s < ns; s++) i32[s] = has_limit ? e->runobs[s * np + p] : -1;
    REGIA_TRY(regia_run_put_rows(run, ncid, v->runobs, 1, e->s0, ns, NULL, NC_INT, i32));
    if (v->runfc >= 0) {
        for (int64_t s = 0; s < ns; s++)
            for (int h = 0; h < H; h++) f32[s * H + h] = (float)e->run_med[(s * np + p) * H + h];
        REGIA_TRY(put_time_first(run, ncid, v->runfc, H, 0, e->s0, ns, f32, tb));
        for (int64_t s = 0; s < ns; s++) f64[s] = e->ptrig[s * np + p];
        REGIA_TRY(regia_run_put_rows(run, ncid, v->ptrig, 1, e->s0, ns, NULL, NC_DOUBLE, f64));
    }
    for (int64_t s = 0; s < ns; s++) f64[s] = e->amean[s * np + p];
    REGIA_TRY(regia_run_put_rows(run, ncid, v->amean, 1, e->s0, ns, NULL, NC_DOUBLE, f64));
    for (int64_t s = 0; s < ns; s++) i32[s] = e->avalid[s * np + p];
    REGIA_TRY(regia_run_put_rows(run, ncid, v->avalid, 1, e->s0, ns, NULL, NC_INT, i32));
    if (v->o3info >= 0) {
        for (int k = 0; k < 2; k++) {
            for (int64_t s = 0; s < ns; s++) i32[s] = e->o3h[2 * s + k];
            REGIA_TRY(regia_run_put_rows(run, ncid, k ? v->o3alert : v->o3info, 1, e->s0, ns, NULL, NC_INT, i32));
        }
    }
    /* provinces: rank 0 writes all of them, the others take part with empty writes */
    const int64_t rows = run->ctx->rank == 0 ? G : 0;
    pd = malloc(sizeof(float) * ((size_t)G * (D > H ? D : H) + 1));
    if (!pd) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the provincial aggregates");
    if ((st = regia_run_agree(run, st))) goto err;
    for (int64_t i = 0; i < (int64_t)G * D; i++) pd[i] = (float)e->agg_daily[(size_t)p * G * D + i];
    REGIA_TRY(put_time_first(run, ncid, v->pdaily, D, 0, 0, rows, pd, tb));
    for (int64_t i = 0; i < (int64_t)G * H; i++) pd[i] = (float)e->agg_fc[(size_t)p * G * H + i];
    REGIA_TRY(put_time_first(run, ncid, v->pfc, H, 0, 0, rows, pd, tb));
    REGIA_TRY(regia_run_put_rows(run, ncid, v->prisk, 1, 0, rows, NULL, NC_INT, e->agg_risk + (size_t)p * G));
    REGIA_TRY(regia_run_put_rows(run, ncid, v->pmaxp, 1, 0, rows, NULL, NC_DOUBLE, e->agg_maxp + (size_t)p * G));
err:
    free(pd);
    return st;
}

/* Collective, data mode: rank 0 writes the coordinates, every rank its stations' rows. */
static regia_status_t env_write(regia_run_t *run, void *self, int ncid)
{
    env_t *e = self;
    regia_status_t st = REGIA_OK;
    const int64_t ns = e->ns, nser = ns * e->np;
    const int H = e->horizon, L = e->n_levels, D = e->hist;
    const int v_day = e->v_day, v_fday = e->v_fday, v_lev = e->v_lev;
    const regia_nc_station_vars_t sv = e->sv;
    const pvars_t *pv = e->pv;
    float *f32 = malloc(sizeof(float) * (size_t)(nser * (D > L * H ? D : L * H) + 1));
    /* the time-first transpose of one variable's rows: this rank's stations or the provinces */
    const int64_t t_items = ns > e->n_prov ? ns : e->n_prov;
    const int64_t t_per = D > L * H ? (D > H ? D : H) : (L * H > H ? L * H : H);
    float *tb = malloc(sizeof(float) * (size_t)(t_items * t_per + 1));
    double *f64 = malloc(sizeof(double) * (size_t)(ns + 1) * (size_t)(D > H ? D : H));
    char *chr = calloc((size_t)(ns + 1), NAME_LEN);
    int *i32 = malloc(sizeof(int) * (size_t)(ns + 1));
    if (!f32 || !f64 || !chr || !i32 || !tb) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output");
    if ((st = regia_run_agree(run, st))) goto err;

    /* coordinates: rank 0 writes them, the others take part with empty writes */
    {
        int full = run->ctx->rank == 0;
        for (int i = 0; i < D; i++) f64[i] = (double)(e->win0 + i);
        size_t st0 = 0, cnt = full ? (size_t)D : 0;
        REGIA_NC(nc_var_par_access(ncid, v_day, NC_COLLECTIVE));
        st = regia_run_agree_io(run, nc_put_vara_double(ncid, v_day, &st0, &cnt, f64) == NC_NOERR ? REGIA_OK
                                 : REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable 'day'"));
        if (st) goto err;
        for (int i = 0; i < H; i++) f64[i] = (double)(e->as_of + 1 + i);
        cnt = full ? (size_t)H : 0;
        REGIA_NC(nc_var_par_access(ncid, v_fday, NC_COLLECTIVE));
        st = regia_run_agree_io(run, nc_put_vara_double(ncid, v_fday, &st0, &cnt, f64) == NC_NOERR ? REGIA_OK
                                 : REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable 'forecast_day'"));
        if (st) goto err;
        cnt = full ? (size_t)(L > 0 ? L : 1) : 0;
        double lev0 = NAN;
        REGIA_NC(nc_var_par_access(ncid, v_lev, NC_COLLECTIVE));
        st = regia_run_agree_io(run, nc_put_vara_double(ncid, v_lev, &st0, &cnt, L > 0 ? e->levels : &lev0) == NC_NOERR
                                 ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable 'interval'"));
        if (st) goto err;
    }
    size_t in_name[1] = {NAME_LEN};
    REGIA_TRY(regia_run_put_rows(run, ncid, sv.id, 1, e->s0, ns, NULL, NC_INT, e->station_id + e->s0));
    REGIA_TRY(regia_run_put_rows(run, ncid, sv.name, 2, e->s0, ns, in_name, NC_CHAR, e->station_name[e->s0]));
    REGIA_TRY(regia_run_put_rows(run, ncid, sv.lat, 1, e->s0, ns, NULL, NC_DOUBLE, e->lat + e->s0));
    REGIA_TRY(regia_run_put_rows(run, ncid, sv.lon, 1, e->s0, ns, NULL, NC_DOUBLE, e->lon + e->s0));
    REGIA_TRY(regia_run_put_rows(run, ncid, sv.alt, 1, e->s0, ns, NULL, NC_DOUBLE, e->alt + e->s0));
    REGIA_TRY(regia_run_put_rows(run, ncid, e->v_prov, 2, e->s0, ns, in_name, NC_CHAR, e->province[e->s0]));
    const int G = e->n_prov;
    const int64_t g_rows = run->ctx->rank == 0 ? G : 0;  /* rank 0 writes the provinces */
    REGIA_TRY(regia_run_put_rows(run, ncid, e->v_prov_name, 2, 0, g_rows, in_name, NC_CHAR, e->prov_name[0]));

    for (int p = 0; p < e->np; p++) {
        const int np = e->np;
        for (int64_t s = 0; s < ns; s++)
            for (int d = 0; d < D; d++) f32[s * D + d] = (float)e->y[(s * np + p) * D + d];
        REGIA_TRY(put_time_first(run, ncid, pv[p].daily, D, 0, e->s0, ns, f32, tb));
        for (int64_t s = 0; s < ns; s++)
            for (int h = 0; h < H; h++) f32[s * H + h] = (float)e->mean[(s * np + p) * H + h];
        REGIA_TRY(put_time_first(run, ncid, pv[p].fc, H, 0, e->s0, ns, f32, tb));
        for (int64_t s = 0; s < ns; s++)
            for (int h = 0; h < H; h++) f32[s * H + h] = (float)e->pex[(s * np + p) * H + h];
        REGIA_TRY(put_time_first(run, ncid, pv[p].pex, H, 0, e->s0, ns, f32, tb));
        if (L > 0) {
            for (int64_t s = 0; s < ns; s++)
                for (int i = 0; i < L * H; i++) f32[s * L * H + i] = (float)e->lo[(s * np + p) * L * H + i];
            REGIA_TRY(put_time_first(run, ncid, pv[p].lo, H, L, e->s0, ns, f32, tb));
            for (int64_t s = 0; s < ns; s++)
                for (int i = 0; i < L * H; i++) f32[s * L * H + i] = (float)e->up[(s * np + p) * L * H + i];
            REGIA_TRY(put_time_first(run, ncid, pv[p].up, H, L, e->s0, ns, f32, tb));
        } else {
            REGIA_TRY(put_time_first(run, ncid, pv[p].lo, H, 1, e->s0, 0, f32, tb));
            REGIA_TRY(put_time_first(run, ncid, pv[p].up, H, 1, e->s0, 0, f32, tb));
        }
        for (int64_t s = 0; s < ns; s++) f64[s] = e->pbr[s * np + p];
        REGIA_TRY(regia_run_put_rows(run, ncid, pv[p].pbr, 1, e->s0, ns, NULL, NC_DOUBLE, f64));
        for (int64_t s = 0; s < ns; s++) f64[s] = e->ecount[s * np + p];
        REGIA_TRY(regia_run_put_rows(run, ncid, pv[p].expct, 1, e->s0, ns, NULL, NC_DOUBLE, f64));
        for (int64_t s = 0; s < ns; s++) i32[s] = e->seen[s * np + p];
        REGIA_TRY(regia_run_put_rows(run, ncid, pv[p].obs, 1, e->s0, ns, NULL, NC_INT, i32));
        for (int64_t s = 0; s < ns; s++) f64[s] = e->lambda[s * np + p];
        REGIA_TRY(regia_run_put_rows(run, ncid, pv[p].lambda, 1, e->s0, ns, NULL, NC_DOUBLE, f64));
        REGIA_TRY(write_aq(run, e, ncid, p, f32, f64, i32, tb));
    }
err:
    free(f32);
    free(f64);
    free(chr);
    free(i32);
    free(tb);
    return st;
}

/* ---- the model file -------------------------------------------------------------------- */

/* Collective, define mode: the model file's station coordinates, the ETS internals of
 * each pollutant (the names, dimensions and attributes they had in the output) and its
 * global attributes (the output's ACDD and provenance, then what differs). */
static regia_status_t env_model_define(regia_run_t *run, void *self, int ncid)
{
    env_t *e = self;
    regia_status_t st = REGIA_OK;
    char name[96], text[256];
    int d_st, d_name, d_mod;
    REGIA_NC(nc_def_dim(ncid, "station", (size_t)e->n_station, &d_st));
    REGIA_NC(nc_def_dim(ncid, "model_strlen", MODEL_LEN, &d_mod));
    REGIA_NC(nc_def_dim(ncid, "name_strlen", NAME_LEN, &d_name));
    regia_nc_station_vars_t sv;
    REGIA_TRY(regia_nc_def_stations(ncid, d_st, d_name, &sv));
    REGIA_TRY(regia_nc_station_sources(ncid, &sv, "ARPA", "Idstazione", "NomeStazione", "Quota"));
    ATT(sv.name, "_Encoding", "utf-8");
    /* alt as in the output: station metadata, not a vertical axis (CDO) */
    REGIA_NC(nc_del_att(ncid, sv.alt, "axis"));
    REGIA_NC(nc_del_att(ncid, sv.alt, "positive"));
    REGIA_NC(nc_del_att(ncid, sv.alt, "standard_name"));
    ATT(sv.alt, "standard_name", "height_above_mean_sea_level");
    ATT(sv.alt, "comment", "station altitude above mean sea level (positive up); not a vertical axis of the data");
    e->v_mid = sv.id; e->v_mname = sv.name; e->v_mlat = sv.lat; e->v_mlon = sv.lon; e->v_malt = sv.alt;
    int d_sm[2] = {d_st, d_mod};
    for (int p = 0; p < e->np; p++) {
        pvars_t *v = &e->pv[p];
        const char *nm = e->rule[p]->name;
#define NAME(fmt) snprintf(name, sizeof name, fmt, nm)
        NAME("%s_model");
        REGIA_TRY(def_var(ncid, name, NC_CHAR, 2, d_sm, NULL, &v->model));
        ATT(v->model, "long_name", "ETS model chosen by AICc (error, trend, season; d = damped); empty if none fitted");
        ATT(v->model, "coverage_content_type", "modelResult");
        REGIA_NC(nc_del_att(ncid, v->model, "coordinates")); /* a label of the parameters (CDO) */
        const char *pn[6] = {"alpha", "beta", "gamma", "phi", "sigma2", "aicc"};
        int *pv[6] = {&v->alpha, &v->beta, &v->gamma, &v->phi, &v->sigma2, &v->aicc};
        for (int i = 0; i < 6; i++) {
            snprintf(name, sizeof name, "%s_%s", nm, pn[i]);
            REGIA_TRY(def_var(ncid, name, NC_DOUBLE, 1, &d_st, NULL, pv[i]));
            snprintf(text, sizeof text, "ETS %s of the chosen model (NaN: not in the model)", pn[i]);
            ATT(*pv[i], "long_name", text);
            ATT(*pv[i], "coverage_content_type", "modelResult");
            /* no province in the model file; <P>_model a label (CDO reads no char data) */
        snprintf(text, sizeof text, "lat lon station_name %s_model", nm);
        ATT(*pv[i], "coordinates", text);
            if (i == 4)  /* no single unit: absolute for additive errors, relative for multiplicative */
                ATT(*pv[i], "comment", "on the scale of the transformed series (<P>_boxcox_lambda): units "
                                       "(ug m-3)^2 for models with additive errors (A..) when lambda is 1, 1 (relative "
                                       "errors) for models with multiplicative errors (M..), else the square of the "
                                       "transformed unit");
            else
                ATT(*pv[i], "units", "1");
        }
#undef NAME
    }
    REGIA_TRY(regia_run_provenance(run, e, ncid));
    ATT(NC_GLOBAL, "title", "ETS model parameters of the air-quality forecasts");
    ATT(NC_GLOBAL, "summary", MODEL_GROUP_COMMENT);
    ATT(NC_GLOBAL, "processing_level", "model internals: ETS model and parameters of each station and pollutant of "
                                        "the forecast output");
    /* no time axis here: no featureType, no time coverage (the output has them) */
    static const char *const no_time[] = {"featureType", "time_coverage_start", "time_coverage_end",
                                          "time_coverage_duration", "time_coverage_resolution"};
    for (size_t k = 0; k < sizeof no_time / sizeof *no_time; k++) (void)nc_del_att(ncid, NC_GLOBAL, no_time[k]);
    ATT(NC_GLOBAL, "forecast_file", regia_file_name(e->output));
    {
        char origin[16];
        regia_format_date(e->as_of, origin, sizeof origin);
        ATT(NC_GLOBAL, "forecast_origin", origin);
        ATT(NC_GLOBAL, "rules", e->rules);
    }
err:
    return st;
}

/* Collective, data mode: every rank its stations' rows. */
static regia_status_t env_model_rows(regia_run_t *run, void *self, int ncid)
{
    env_t *e = self;
    regia_status_t st = REGIA_OK;
    const int64_t ns = e->ns;
    const int np = e->np;
    double *f64 = malloc(sizeof(double) * (size_t)(ns + 1));
    char *chr = calloc((size_t)(ns + 1), MODEL_LEN);
    if (!f64 || !chr) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the model file");
    if ((st = regia_run_agree(run, st))) goto err;
    size_t in_name[1] = {NAME_LEN}, in_m[1] = {MODEL_LEN};
    REGIA_TRY(regia_run_put_rows(run, ncid, e->v_mid, 1, e->s0, ns, NULL, NC_INT, e->station_id + e->s0));
    REGIA_TRY(regia_run_put_rows(run, ncid, e->v_mname, 2, e->s0, ns, in_name, NC_CHAR, e->station_name[e->s0]));
    REGIA_TRY(regia_run_put_rows(run, ncid, e->v_mlat, 1, e->s0, ns, NULL, NC_DOUBLE, e->lat + e->s0));
    REGIA_TRY(regia_run_put_rows(run, ncid, e->v_mlon, 1, e->s0, ns, NULL, NC_DOUBLE, e->lon + e->s0));
    REGIA_TRY(regia_run_put_rows(run, ncid, e->v_malt, 1, e->s0, ns, NULL, NC_DOUBLE, e->alt + e->s0));
    for (int p = 0; p < np; p++) {
        const pvars_t *v = &e->pv[p];
        memset(chr, 0, (size_t)(ns + 1) * MODEL_LEN);
        for (int64_t s = 0; s < ns; s++) {
            const regia_ets_fit_t *f = &e->fit[s * np + p];
            if (f->ok) regia_ets_model_code(f->model, chr + s * MODEL_LEN);
        }
        REGIA_TRY(regia_run_put_rows(run, ncid, v->model, 2, e->s0, ns, in_m, NC_CHAR, chr));
        int vids[6] = {v->alpha, v->beta, v->gamma, v->phi, v->sigma2, v->aicc};
        for (int k = 0; k < 6; k++) {
            for (int64_t s = 0; s < ns; s++) {
                const regia_ets_fit_t *f = &e->fit[s * np + p];
                double val[6] = {f->alpha, f->beta, f->gamma, f->phi, f->sigma2, f->aicc};
                f64[s] = f->ok ? val[k] : NAN;
            }
            REGIA_TRY(regia_run_put_rows(run, ncid, vids[k], 1, e->s0, ns, NULL, NC_DOUBLE, f64));
        }
    }
err:
    free(f64);
    free(chr);
    return st;
}

/* Collective (write_extra): the model file, run->extra[0] (OUT_STEM.model.nc), to tmp_path:
 * the ETS internals of every station and pollutant; the output's global attribute
 * model_file names it, its forecast_file names the output. */
static regia_status_t env_model_write(regia_run_t *run, void *self, int i, const char *tmp_path)
{
    return regia_run_write_extra_nc(run, i, tmp_path, env_model_define, env_model_rows, self);
}

#undef ATT

/* ---- the rest of the table ------------------------------------------------------------- */

static void env_release(regia_run_t *run, void *self)
{
    env_t *e = self;
    if (e->ncid >= 0) nc_close(e->ncid);
    free_read_buffers(e);
    free(e->lambda); free(e->limit_t); free(e->limit); free(e->key); free(e->days_left); free(e->allowed);
    free(e->station_id); free(e->lat); free(e->lon); free(e->alt); free(e->station_name); free(e->province);
    free(e->y); free(e->len); free(e->seen);
    free(e->fit); free(e->mean); free(e->var); free(e->lo); free(e->up); free(e->state);
    free(e->pex); free(e->pbr); free(e->ecount);
    free(e->runobs); free(e->avalid); free(e->amean); free(e->o3h); free(e->dmean);
    free(e->run_med); free(e->ptrig); free(e->prov_name); free(e->prov_of);
    free(e->all_pbr); free(e->all_ptrig); free(e->agg_daily); free(e->agg_fc); free(e->agg_maxp); free(e->agg_risk);
}

/* The stations at risk of pollutant p by name (highest probability first): of breaching
 * the yearly allowance and, for PM10, of reaching the trigger run.  Every rank holds the
 * gathered probabilities (env_gather); the log prints rank 0's lines. */
static void env_log_at_risk(regia_run_t *run, env_t *e, int p)
{
    const env_rule_t *r = e->rule[p];
    const int64_t N = e->n_station;
    if (isnan(r->limit) || !e->all_pbr) return;
    int64_t *order = malloc(sizeof *order * (size_t)(N + 1));
    char *buf = malloc(4096);
    if (order && buf) {
        int64_t k = env_aq_list_at_risk(e->all_pbr + p * N, &e->station_name[0][0], N, NAME_LEN, 0.5, 20, order, buf,
                                        4096);
        if (k)
            regia_info(&run->ctx->log, "%s: %lld station%s at risk of breaching the %d-day allowance: %s", r->label,
                       (long long)k, k == 1 ? "" : "s", r->allowed, buf);
        if (!strcmp(r->name, "pm10")) {
            k = env_aq_list_at_risk(e->all_ptrig + p * N, &e->station_name[0][0], N, NAME_LEN, 0.5, 20, order, buf,
                                    4096);
            if (k)
                regia_info(&run->ctx->log, "%s: %lld station%s likely (p >= 0.5) to reach %d days in a row over %.0f "
                           "ug/m3 within %d days (temporary measures): %s", r->label, (long long)k, k == 1 ? "" : "s",
                           e->trigger, r->limit, e->horizon, buf);
            else
                regia_info(&run->ctx->log, "%s: no station likely (p >= 0.5) to reach %d days in a row over %.0f ug/m3 "
                           "within %d days", r->label, e->trigger, r->limit, e->horizon);
        }
    }
    free(order);
    free(buf);
}

static void env_summary(regia_run_t *run, void *self)
{
    env_t *e = self;
    for (int p = 0; p < e->np; p++) {
        long long tot[6] = {0, 0, 0, 0, 0, 0}, *loc = tot;
        for (int64_t s = 0; s < e->ns; s++) {
            int64_t k = s * e->np + p;
            const double *ys = e->y + k * e->hist;
            int any = 0;
            for (int d = 0; d < e->hist && !any; d++) any = !isnan(ys[d]);
            loc[0] += e->fit[k].ok;
            loc[1] += e->pbr[k] >= 0.5;
            loc[2] += e->seen[k] > e->rule[p]->allowed && !isnan(e->rule[p]->limit);
            loc[3] += !any;
            loc[4] += any && e->lambda[k] != 1;
            loc[5] += any && e->bc.kind == REGIA_BOXCOX_FIXED && e->bc.lambda != 1 && e->lambda[k] == 1;
        }
        regia_run_sum(run, tot, 6);
        char fitted[160];
        snprintf(fitted, sizeof fitted, "%lld/%lld series fitted", tot[0], (long long)e->n_station);
        if (tot[3] || tot[0] + tot[3] < e->n_station)
            snprintf(fitted + strlen(fitted), sizeof fitted - strlen(fitted), " (%lld without data, %lld too short to fit)",
                     tot[3], (long long)e->n_station - tot[0] - tot[3]);
        char rule[64], tr[128];
        regia_boxcox_rule_text(&e->bc, rule, sizeof rule);
        snprintf(tr, sizeof tr, "; transform %s: %lld series transformed", rule, tot[4]);
        if (tot[5])
            regia_warn(&run->ctx->log, "%s: transform %s not applicable to %lld series with values <= 0 "
                       "(fitted untransformed, <P>_boxcox_lambda = 1)", e->rule[p]->label, rule, tot[5]);
        if (isnan(e->rule[p]->limit))
            regia_info(&run->ctx->log, "%-6s %s; no daily limit under %s (forecast only)%s", e->rule[p]->label, fitted,
                       e->rules, tr);
        else
            regia_info(&run->ctx->log, "%-6s %s; limit %.0f ug/m3 on %d days: %lld stations already over, %lld at risk "
                       "(P(breach) >= 0.5)%s", e->rule[p]->label, fitted, e->rule[p]->limit, e->rule[p]->allowed,
                       tot[2], tot[1], tr);
        env_log_at_risk(run, e, p);
    }
}


/* Collective.  Every station's daily values, forecasts, p_breach and p_trigger on every
 * rank (allgather in station order, so the aggregates do not depend on the rank count),
 * then the provincial aggregates: the mean over a province's stations of the daily values
 * and of the forecasts, the stations at risk (p_breach >= 0.5) and the largest p_breach. */
static regia_status_t env_gather(regia_run_t *run, env_t *e)
{
    regia_status_t st = REGIA_OK;
    const int np = e->np, D = e->hist, H = e->horizon, G = e->n_prov;
    const int64_t N = e->n_station;
    const size_t item = (size_t)np * (size_t)(D + H + 2);
    const int m = D > H ? D : H;
    double *all = malloc(sizeof(double) * item * (size_t)N + 1), *x = malloc(sizeof(double) * (size_t)N * m + 1);
    double *sum = malloc(sizeof(double) * (size_t)G * m + 1);
    int *cnt = malloc(sizeof(int) * (size_t)G * m + 1);
    e->all_pbr = malloc(sizeof(double) * (size_t)(np * N) + 1);
    e->all_ptrig = malloc(sizeof(double) * (size_t)(np * N) + 1);
    e->agg_daily = malloc(sizeof(double) * (size_t)np * G * D + 1);
    e->agg_fc = malloc(sizeof(double) * (size_t)np * G * H + 1);
    e->agg_maxp = malloc(sizeof(double) * (size_t)np * G + 1);
    e->agg_risk = calloc((size_t)np * G + 1, sizeof(int));
    if (!all || !x || !sum || !cnt || !e->all_pbr || !e->all_ptrig || !e->agg_daily || !e->agg_fc ||
        !e->agg_maxp || !e->agg_risk)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the provincial aggregates of %lld stations", (long long)N);
    if ((st = regia_run_agree(run, st))) goto err;
    for (int64_t s = 0; s < e->ns; s++) {
        double *row = all + (size_t)(e->s0 + s) * item;
        for (int p = 0; p < np; p++) {
            int64_t k = s * np + p;
            double *r = row + (size_t)p * (D + H + 2);
            memcpy(r, e->y + k * D, sizeof(double) * (size_t)D);
            memcpy(r + D, e->mean + k * H, sizeof(double) * (size_t)H);
            r[D + H] = e->pbr[k];
            r[D + H + 1] = e->ptrig[k];
        }
    }
    REGIA_TRY(regia_run_allgather_items(run, all, item * sizeof(double)));
    for (int p = 0; p < np; p++) {
        const double *base = all + (size_t)p * (D + H + 2);
        for (int64_t s = 0; s < N; s++) {
            const double *r = base + (size_t)s * item;
            e->all_pbr[p * N + s] = r[D + H];
            e->all_ptrig[p * N + s] = r[D + H + 1];
        }
        for (int64_t s = 0; s < N; s++) memcpy(x + (size_t)s * D, base + (size_t)s * item, sizeof(double) * (size_t)D);
        env_aq_group_mean(x, N, D, e->prov_of, G, sum, cnt, e->agg_daily + (size_t)p * G * D);
        for (int64_t s = 0; s < N; s++)
            memcpy(x + (size_t)s * H, base + (size_t)s * item + D, sizeof(double) * (size_t)H);
        env_aq_group_mean(x, N, H, e->prov_of, G, sum, cnt, e->agg_fc + (size_t)p * G * H);
        for (int g = 0; g < G; g++) e->agg_maxp[p * G + g] = NAN;
        for (int64_t s = 0; s < N; s++) {
            double pb = e->all_pbr[p * N + s];
            int g = e->prov_of[s];
            if (isnan(pb)) continue;
            e->agg_risk[p * G + g] += pb >= 0.5;
            if (isnan(e->agg_maxp[p * G + g]) || pb > e->agg_maxp[p * G + g]) e->agg_maxp[p * G + g] = pb;
        }
    }
err:
    free(all); free(x); free(sum); free(cnt);
    return st;
}

/* Collective.  Inputs that cannot give an answer (a named pollutant without a valid day,
 * no series fitted) are errors; a pollutant without data that was not named, a warning. */
static regia_status_t env_check(regia_run_t *run, void *self)
{
    env_t *e = self;
    long long n[2 * MAX_POLL] = {0};
    for (int64_t s = 0; s < e->ns; s++)
        for (int p = 0; p < e->np; p++) {
            int64_t k = s * e->np + p;
            const double *ys = e->y + k * e->hist;
            int any = 0;
            for (int d = 0; d < e->hist && !any; d++) any = !isnan(ys[d]);
            n[2 * p] += any;
            n[2 * p + 1] += e->fit[k].ok;
        }
    regia_run_sum(run, n, 2 * MAX_POLL);
    env_series_count_t cnt[MAX_POLL];
    for (int p = 0; p < e->np; p++) cnt[p] = (env_series_count_t){n[2 * p], n[2 * p + 1]};
    char warn[2048] = "";
    regia_status_t st = env_check_series(&e->info, e->pidx, e->np, cnt, e->listed, e->win0, e->as_of, warn, sizeof warn);
    if (!st && warn[0]) regia_warn(&run->ctx->log, "%s", warn);
    if (!st) st = env_gather(run, e);
    return st;
}

static void env_manifest(regia_run_t *run, void *self, regia_manifest_t *m)
{
    env_t *e = self;
    regia_manifest_str(m, "rules", e->rules);
}

regia_status_t regia_env_products(regia_products_t *p); /* env_products.c */

const regia_domain_t regia_domain_env = {
    .name = "env",
    .summary = "environmental driver: forecasts and EU-limit risk from a job file",
    .about = "Environmental driver: reads an ingested station file (regia ingest env), computes the\n"
             "daily statistics the EU limits apply to, fits ETS models per station and pollutant,\n"
             "forecasts with prediction intervals, the probability of exceeding the daily limit on\n"
             "each forecast day and of breaching the yearly allowance of exceedance days, and\n"
             "writes one CF-1.10/ACDD-1.3 NetCDF-4 file plus a JSON manifest.  See docs/env.md.",
    .schema = regia_env_schema,
    .state_size = sizeof(env_t),
    .unit = "stations",
    .work_unit = "series",
    .stage = "forecast and risk",
    .output_role = "forecast",
    .not_in_results = "job.threads job.progress_interval job.checkpoint_dir job.checkpoint_interval job.chunk",
    .configure = env_configure,
    .index = env_index,
    .allocate = env_allocate,
    .read = env_read,
    .measured_cost = env_measured_cost,
    .shard_arrays = env_shard_arrays,
    .prepare = env_prepare,
    .compute = env_compute,
    .result_arrays = env_result_arrays,
    .check_result = env_check,
    .define = env_define,
    .acdd = env_acdd,
    .write = env_write,
    .write_extra = env_model_write, /* the model file (run->extra[0]) */
    .report = env_summary,
    .manifest = env_manifest,
    .release = env_release,
    .prestep = regia_env_prestep,
    .prestep_cpu_only = 1,
    .products = regia_env_products, /* summary.csv, provinces.csv, points.csv, figures (env_products.c) */
    .item_dim = "station",
    .region_var = "province",
};
