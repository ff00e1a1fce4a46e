/* cmd_evt.c - `regia evt`: extreme-value analysis of any `series_id,time,value` CSV: block
 * maxima per series (calendar years or months in UTC, or the values as given), a GEV fitted
 * to them by maximum likelihood (kernels/gev.c), standard errors from the observed
 * information and return levels with delta-method intervals; a domain of the run protocol
 * (domain.h, run.c), run from options like `regia queue` or from a job file.
 *
 *   CSV -> series index (sorted by id; rows routed to the rank owning their series,
 *   io/series_csv.c) -> block maxima of each rank's series (evt_blocks.c) -> GEV fits
 *   (regia_gev_fit_batch, OpenMP) per block of series -> CF-1.10/ACDD-1.3 NetCDF (each rank
 *   writes its series' rows) and a CSV of the estimates beside it (rank 0, from the
 *   gathered results).
 *
 * A series' result depends on its own rows only, so the output is the same at any rank and
 * thread count.  A series that cannot be fitted (too few blocks, constant maxima, no
 * maximum of the likelihood) is an error naming the file, series and lines, unless
 * --unfit skip, which leaves it in the output with NaN estimates and its fit_status.
 * User guide, schema and method: docs/evt.md. */
#include <errno.h>
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "evt_impl.h"
#include "generic_products.h"
#include "regia/acdd.h"
#include "regia/gev.h"
#include "regia/io.h"
#include "regia/ncio.h"
#include "regia/series_csv.h"
#include "regia/timeutil.h"

enum { MAX_T = 16, RL_W = 4 /* z, se, lower, upper per return period */ };
#define MAX_CELLS 2e9 /* series x blocks of the block_maximum array */

/* What read learns of each series (per-item array: gathered for the CSV). */
typedef struct {
    int64_t n_blocks, n_values, n_missing;
    int64_t first, last;       /* start of the first and of the last block               */
    int64_t line0, line1;      /* first and last input line of the series                 */
    int32_t fit_len;           /* maxima passed to the fit (0: refused before the fit)     */
    int32_t reason;            /* regia_gev_status_t of a refusal before the fit, or 0     */
    int32_t positive;          /* the return levels are of a quantity >= 0 (--positive)    */
    int32_t pad;
} info_t;

typedef struct {
    /* options */
    const char *input, *output, *csv, *units, *cmdline;
    char csv_default[4200];
    int block, n_T, min_blocks, skip, positive; /* positive: -1 auto, 0 no, 1 yes */
    double T[MAX_T], level; /* level as a fraction */
    regia_series_opts_t ropt;
    /* index (all ranks) */
    regia_series_t sr;
    int64_t n_series;
    /* the shard */
    int64_t s0, ns;
    info_t *info;              /* ns                                                     */
    int64_t *boff;             /* ns + 1 offsets into blk                                  */
    evt_block_max_t *blk;
    long long max_blocks, t_min, t_max, last_start, n_values, n_missing;
    int64_t n_times;           /* year and month blocks: blocks from the first to the last */
    /* results of the shard */
    regia_gev_fit_t *fit;      /* ns                                                     */
    double *rl;                /* ns x n_T x RL_W                                         */
    /* gathered after the block loop (all ranks) */
    info_t *info_all;
    regia_gev_fit_t *fit_all;
    double *rl_all;
    long long n_ok;
    uint8_t *cav;              /* n_series x n_T caveats (regia_gev_rl_caveats), all ranks   */
    long long n_cav[2];        /* return levels extrapolated, with a lower end below 0      */
    char rl_comment[1024];
    char summary[4096];
    int v[32];
} ev_t;

/* ---- schema ------------------------------------------------------------------------------ */

static const regia_job_key_t evt_schema[] = {
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "output NetCDF-4 file; written under a temporary name and renamed when complete; the manifest is OUT.manifest.json"},
    {"job", "name", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "name of the run (ACDD id) [default: the output's name]"},
    {"job", "domain", REGIA_KEY_ENUM, 0, "evt", 0, 0, "evt", "the domain this job file is for (regia submit)"},
    {"job", "backend", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|cpu|cuda",
     "compute backend (the fits run on the CPU threads either way)"},
    {"job", "threads", REGIA_KEY_INT, 0, "0", 0, 4096, NULL, "CPU threads per rank (0: OMP_NUM_THREADS or all)"},
    {"job", "progress_interval", REGIA_KEY_DOUBLE, 0, "10", 0.1, 86400, NULL, "seconds between progress lines"},
    {"job", "checkpoint_interval", REGIA_KEY_DOUBLE, 0, "300", 0, 1e9, NULL,
     "seconds between checkpoints of fitted series (0: only on SIGUSR1/SIGTERM, which stop the run with exit "
     "status 3; run the same command again to resume)"},
    {"job", "checkpoint_dir", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL, "restart files [default: OUT minus .nc, plus .ckpt]"},
    {"job", "chunk", REGIA_KEY_INT, 0, "0", 0, 1 << 24, NULL, "series per checkpoint block (0: automatic)"},
    {"evt", "input", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "CSV with the header series_id,time,value (any column order; extra columns ignored). time: ISO 8601 date or "
     "date-time (UTC); value: a number, or empty / NaN / NA for a missing value"},
    {"evt", "block", REGIA_KEY_ENUM, 0, "year", 0, 0, "year|month|none",
     "blocks whose maxima are fitted: calendar years or months in UTC, or none (every value is already a block "
     "maximum, e.g. annual maxima)"},
    {"evt", "return_periods", REGIA_KEY_DOUBLE_LIST, 0, "10, 50, 100", 1, 1e12, NULL,
     "return periods T in blocks (years for --block year), each > 1, at most 16: the level exceeded with "
     "probability 1/T per block"},
    {"evt", "level", REGIA_KEY_DOUBLE, 0, "95", 0.0001, 99.9999, NULL,
     "coverage of the intervals in percent (estimate -+ z se, z the normal quantile)"},
    {"evt", "min_blocks", REGIA_KEY_INT, 0, "10", 3, 1e9, NULL,
     "fewest blocks with a value a series needs to be fitted"},
    {"evt", "unfit", REGIA_KEY_ENUM, 0, "error", 0, 0, "error|skip",
     "a series that cannot be fitted (too few blocks, constant maxima, no likelihood maximum): error stops the run "
     "naming it; skip keeps it with NaN estimates, its fit_status and a warning"},
    {"evt", "positive", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|yes|no",
     "whether the values cannot be negative (peaks, amplitudes, flows), so that an interval reaching below 0 is "
     "flagged (return_level_caveat, a warning): auto: yes for a series whose values are all >= 0"},
    {"evt", "units", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "UDUNITS units of the values (e.g. m, m s-2), written on the location, scale, return levels and maxima "
     "[default: none: the CSV does not say]"},
    {"evt", "csv", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL, "the CSV of the estimates [default: OUT with .nc replaced by .csv]"},
    {"evt", "id_column", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "series id column [default: series_id, or unique_id]"},
    {"evt", "time_column", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "time column [default: time, or ds]"},
    {"evt", "value_column", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "value column [default: value, or y]"},
    REGIA_SUBMIT_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const regia_opt_meta_t evt_meta[] = {
    {"input", "FILE.csv"}, {"output", "OUT.nc"}, {"block", "year|month|none"}, {"return_periods", "T1,T2,..."},
    {"level", "PERCENT"}, {"min_blocks", "N"}, {"unfit", "error|skip"}, {"positive", "auto|yes|no"}, {"units", "UNITS"}, {"csv", "FILE.csv"},
    {"id_column", "COL"}, {"time_column", "COL"}, {"value_column", "COL"}, {"backend", "B"}, {"threads", "N"},
    {"checkpoint_interval", "S"}, {"checkpoint_dir", "DIR"}, {"chunk", "N"}, {"progress_interval", "S"},
    {"name", "NAME"}, {"domain", "evt"},
    {NULL, NULL},
};

/* fit_status flag meanings (regia_gev_status_t order). */
static const char *const status_token[] = {"ok", "too_few_blocks", "constant_maxima", "no_convergence",
                                           "singular_information", "shape_at_or_below_minus_one", "non_finite_value"};

static const char *block_unit(int block)
{
    return block == EVT_BLOCK_YEAR ? "year" : block == EVT_BLOCK_MONTH ? "month" : "block";
}

/* ---- configure ----------------------------------------------------------------------------- */

static regia_status_t ev_configure(regia_run_t *run, void *self)
{
    ev_t *e = self;
    regia_job_t *j = run->job;
    char where[512];
    e->input = regia_job_path(j, "evt", "input");
    e->output = regia_job_path(j, "job", "output");
    e->cmdline = run->cmdline;
    e->block = evt_block_parse(regia_job_str(j, "evt", "block"));
    e->level = regia_job_double(j, "evt", "level") / 100.0;
    e->min_blocks = (int)regia_job_int(j, "evt", "min_blocks");
    e->skip = !strcmp(regia_job_str(j, "evt", "unfit"), "skip");
    {
        const char *pv = regia_job_str(j, "evt", "positive");
        e->positive = !strcmp(pv, "yes") ? 1 : !strcmp(pv, "no") ? 0 : -1;
    }
    e->units = regia_job_str(j, "evt", "units");
    e->ropt.id_col = regia_job_str(j, "evt", "id_column");
    e->ropt.time_col = regia_job_str(j, "evt", "time_column");
    e->ropt.value_col = regia_job_str(j, "evt", "value_column");
    e->n_T = regia_job_list_len(j, "evt", "return_periods");
    regia_run_where(run, "evt", "return_periods", where, sizeof where);
    if (e->n_T < 1 || e->n_T > MAX_T)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %d return periods: give 1 to %d", where, e->n_T, MAX_T);
    for (int i = 0; i < e->n_T; i++) {
        e->T[i] = regia_job_list_double(j, "evt", "return_periods", i);
        if (!(e->T[i] > 1.0))
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s '%s': return period %g is not > 1 block (the level exceeded "
                              "with probability 1/T per block)", where, regia_job_str(j, "evt", "return_periods"),
                              e->T[i]);
        if (i && e->T[i] <= e->T[i - 1])
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s '%s': give the return periods in increasing order", where,
                              regia_job_str(j, "evt", "return_periods"));
    }
    if (e->units && (!*e->units || strpbrk(e->units, "\"\r\n"))) {
        regia_run_where(run, "evt", "units", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s '%s': expected a UDUNITS unit such as m or m s-2", where, e->units);
    }
    e->csv = regia_job_path(j, "evt", "csv");
    if (!e->csv) {
        regia_sibling_path(e->output, ".csv", e->csv_default, sizeof e->csv_default);
        e->csv = e->csv_default;
    }
    /* by file identity too: "./x.csv" and "x.csv" are one file, which the estimates would replace */
    if (!strcmp(e->output, e->input) || regia_same_file(e->output, e->input)) {
        regia_run_where(run, "job", "output", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s '%s' is the input file '%s': give the output another name", where,
                          e->output, e->input);
    }
    const int csv_out = !strcmp(e->csv, e->output) || regia_same_file(e->csv, e->output);
    if (csv_out || !strcmp(e->csv, e->input) || regia_same_file(e->csv, e->input)) {
        regia_run_where(run, "evt", "csv", where, sizeof where);
        if (e->csv == e->csv_default)
            return REGIA_FAIL(REGIA_ERR_INVALID, "the CSV of the estimates, by default the output's name with .csv "
                              "('%s'), is the %s file: give --csv FILE (job file: [evt] csv) or another --output",
                              e->csv, csv_out ? "output" : "input");
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s '%s' is the %s file itself: give the estimates another name", where,
                          e->csv, csv_out ? "output" : "input");
    }
    run->output = e->output;
    run->input = e->input;
    run->input_role = "series";
    run->n_extra = 1;
    run->extra[0].path = e->csv;
    run->extra[0].role = "estimates";
    return REGIA_OK;
}

/* ---- index and read ---------------------------------------------------------------------- */

/* Collective: the byte-range reader builds the global index (series sorted by id). */
static regia_status_t ev_index(regia_run_t *run, void *self)
{
    ev_t *e = self;
    regia_status_t st = regia_run_series_read(run, e->input, &e->ropt, &e->sr);
    if (st) return st;
    snprintf(run->input_sha, sizeof run->input_sha, "%s", e->sr.sha);
    if (e->sr.value_units[0]) { /* 'value [m]': the header's units, unless --units says otherwise */
        if (e->units && strcmp(e->units, e->sr.value_units))
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: line 1: the column '%s' is in '%s', but --units says '%s' "
                              "(leave --units out, or correct the header)", e->input, e->sr.value_col,
                              e->sr.value_units, e->units);
        e->units = e->sr.value_units;
    }
    e->n_series = e->sr.n_series;
    run->n_items = e->n_series;
    run->cost = malloc(sizeof(double) * (size_t)(e->n_series + 1));
    if (!run->cost) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int64_t s = 0; s < e->n_series; s++) run->cost[s] = (double)e->sr.count[s];
    return REGIA_OK;
}

/* Position of the block starting at t on the output's time axis (year and month blocks:
 * every block from the first block of any series to the last). */
static int64_t time_index(const ev_t *e, int64_t t)
{
    int y0, m0, y, m, d;
    regia_civil_from_days(regia_floordiv(e->t_min, 86400), &y0, &m0, &d);
    regia_civil_from_days(regia_floordiv(t, 86400), &y, &m, &d);
    return e->block == EVT_BLOCK_YEAR ? (int64_t)(y - y0) : (int64_t)(y - y0) * 12 + (m - m0);
}

/* Start of block i of the time axis. */
static int64_t time_at(const ev_t *e, int64_t i)
{
    int y0, m0, d;
    regia_civil_from_days(regia_floordiv(e->t_min, 86400), &y0, &m0, &d);
    if (e->block == EVT_BLOCK_YEAR) return 86400 * regia_days_from_civil(y0 + (int)i, 1, 1);
    const int64_t mi = (int64_t)m0 - 1 + i;
    return 86400 * regia_days_from_civil(y0 + (int)(mi / 12), (int)(mi % 12) + 1, 1);
}

/* Why series k of the shard cannot be fitted before trying (0: it can). */
static int refusal(const ev_t *e, int64_t k)
{
    const info_t *in = &e->info[k];
    if (in->n_blocks < e->min_blocks) return REGIA_GEV_TOO_FEW;
    const evt_block_max_t *b = e->blk + e->boff[k];
    for (int64_t i = 1; i < in->n_blocks; i++)
        if (b[i].max != b[0].max) return 0;
    return REGIA_GEV_CONSTANT;
}

static regia_status_t refusal_error(const ev_t *e, int64_t k, int why)
{
    const info_t *in = &e->info[k];
    const char *id = e->sr.id[e->s0 + k];
    const char *bn = e->block == EVT_BLOCK_NONE ? "" : e->block == EVT_BLOCK_YEAR ? "yearly " : "monthly ";
    if (why == REGIA_GEV_TOO_FEW && in->n_values == 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: series '%s' (lines %lld-%lld): all %lld values are missing (empty, "
                          "NaN or NA): nothing to fit (--unfit skip keeps it with NaN estimates)", e->input, id,
                          (long long)in->line0, (long long)in->line1, (long long)in->n_missing);
    if (why == REGIA_GEV_TOO_FEW)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: series '%s' (lines %lld-%lld): %lld %sblock%s with a value, fewer "
                          "than the %d a fit needs (--min-blocks; or --block month, or --unfit skip)", e->input, id,
                          (long long)in->line0, (long long)in->line1, (long long)in->n_blocks, bn,
                          in->n_blocks == 1 ? "" : "s", e->min_blocks);
    return REGIA_FAIL(REGIA_ERR_INVALID, "%s: series '%s' (lines %lld-%lld): all %lld %sblock maxima equal %.10g: a "
                      "constant series has no scale to fit (--unfit skip keeps it with NaN estimates)", e->input, id,
                      (long long)in->line0, (long long)in->line1, (long long)in->n_blocks, bn,
                      e->blk[e->boff[k]].max);
}

/* Collective: the block maxima of the shard's series; refusals are errors unless skip. */
static regia_status_t ev_read(regia_run_t *run, void *self)
{
    ev_t *e = self;
    regia_status_t st = REGIA_OK;
    const regia_series_t *sr = &e->sr;
    e->s0 = run->i0;
    e->ns = run->ni;
    if (e->s0 != sr->s0 || e->ns != sr->ns)
        st = REGIA_FAIL(REGIA_ERR_INVALID, "internal error: the reader's series block %lld+%lld differs from the "
                        "partition %lld+%lld", (long long)sr->s0, (long long)sr->ns, (long long)e->s0,
                        (long long)e->ns);
    e->info = calloc((size_t)e->ns + 1, sizeof *e->info);
    e->boff = calloc((size_t)e->ns + 1, sizeof *e->boff);
    e->blk = malloc(sizeof *e->blk * (size_t)(sr->nrow + 1));
    if (!st && (!e->info || !e->boff || !e->blk)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    e->t_min = INT64_MAX;
    e->t_max = e->last_start = INT64_MIN;
    for (int64_t k = 0; k < e->ns && !st; k++) {
        const regia_series_row_t *r = sr->row + sr->r0[k];
        const int64_t n = sr->r0[k + 1] - sr->r0[k];
        info_t *in = &e->info[k];
        int64_t nb = 0, miss = 0;
        evt_block_maxima(r, n, e->block, e->blk + e->boff[k], &nb, &miss);
        e->boff[k + 1] = e->boff[k] + nb;
        in->n_blocks = nb;
        in->n_missing = miss;
        in->n_values = n - miss;
        in->line0 = in->line1 = n ? r[0].line : 0;
        int nonneg = 1;
        for (int64_t i = 0; i < n; i++) {
            if (r[i].line < in->line0) in->line0 = r[i].line;
            if (r[i].line > in->line1) in->line1 = r[i].line;
            if (r[i].v < 0) nonneg = 0; /* NaN: missing, not negative */
        }
        in->positive = e->positive >= 0 ? e->positive : nonneg;
        in->first = nb ? e->blk[e->boff[k]].start : 0;
        in->last = nb ? e->blk[e->boff[k] + nb - 1].start : 0;
        if (nb && in->first < e->t_min) e->t_min = in->first;
        if (nb && evt_block_end(in->last, e->block) > e->t_max) e->t_max = evt_block_end(in->last, e->block);
        if (nb > e->max_blocks) e->max_blocks = nb;
        if (nb && in->last > e->last_start) e->last_start = in->last;
        e->n_values += in->n_values;
        e->n_missing += miss;
        in->reason = refusal(e, k);
        in->fit_len = in->reason ? 0 : (int32_t)nb;
        if (in->reason && !e->skip) st = refusal_error(e, k, in->reason);
    }
    if ((st = regia_run_agree(run, st))) return st;
    long long mx[3] = {e->max_blocks, e->t_max, e->last_start}, mn[1] = {-e->t_min},
              cnt[2] = {e->n_values, e->n_missing};
    regia_run_max(run, mx, 3);
    regia_run_max(run, mn, 1);
    regia_run_sum(run, cnt, 2);
    e->max_blocks = mx[0] > 0 ? mx[0] : 1;
    e->t_max = mx[1];
    e->last_start = mx[2];
    e->t_min = -mn[0];
    e->n_values = cnt[0];
    e->n_missing = cnt[1];
    if (e->block != EVT_BLOCK_NONE && e->t_min <= e->t_max) {
        e->n_times = time_index(e, e->last_start) + 1;
        if ((double)e->n_times * (double)e->n_series > MAX_CELLS)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %lld series over %lld %s blocks would make a block_maximum "
                              "array of more than %.0f cells; check the times (one far from the others?), or fit "
                              "fewer series per run", e->input, (long long)e->n_series, (long long)e->n_times,
                              evt_block_name(e->block), MAX_CELLS);
    }
    return REGIA_OK;
}

/* ---- compute ------------------------------------------------------------------------------- */

static regia_status_t ev_prepare(regia_run_t *run, void *self)
{
    ev_t *e = self;
    e->fit = calloc((size_t)e->ns + 1, sizeof *e->fit);
    e->rl = malloc(sizeof(double) * (size_t)(e->ns * e->n_T * RL_W + 1));
    if (!e->fit || !e->rl) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld series", (long long)e->ns);
    char lo[32] = "-", hi[32] = "-";
    if (e->t_min <= e->t_max) {
        regia_format_datetime(e->t_min, lo, sizeof lo);
        regia_format_datetime(e->t_max, hi, sizeof hi);
    }
    regia_info(&run->ctx->log, "input %s: %lld series, %lld values (%lld missing), %s .. %s; blocks: %s; %d rank%s",
               e->input, (long long)e->n_series, e->n_values, e->n_missing, lo, hi, evt_block_name(e->block),
               run->ctx->size, run->ctx->size == 1 ? "" : "s");
    return REGIA_OK;
}

static int ev_result_arrays(void *self, regia_item_array_t *a)
{
    ev_t *e = self;
    a[0] = (regia_item_array_t){(void **)&e->fit, sizeof(regia_gev_fit_t)};
    a[1] = (regia_item_array_t){(void **)&e->rl, sizeof(double) * (size_t)(e->n_T * RL_W)};
    return 2;
}

/* Local: fit series [k0, k0 + n) of the shard in one batch. */
static regia_status_t ev_compute(regia_run_t *run, void *self, int64_t k0, int64_t n)
{
    ev_t *e = self;
    regia_status_t st = REGIA_OK;
    const int P = e->n_T;
    int32_t stride = 1;
    for (int64_t i = 0; i < n; i++)
        if (e->info[k0 + i].fit_len > stride) stride = e->info[k0 + i].fit_len;
    double *x = malloc(sizeof(double) * (size_t)n * (size_t)stride);
    int32_t *len = malloc(sizeof(int32_t) * (size_t)(n + 1));
    double *z = malloc(sizeof(double) * (size_t)(n * P * 4 + 1));
    if (!x || !len || !z) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld series", (long long)n);
        goto err;
    }
    for (int64_t i = 0; i < n; i++) {
        const int64_t k = k0 + i;
        len[i] = e->info[k].fit_len;
        const evt_block_max_t *b = e->blk + e->boff[k];
        for (int32_t t = 0; t < len[i]; t++) x[i * stride + t] = b[t].max;
    }
    regia_gev_batch_t in = {.n_series = (int32_t)n, .stride = stride, .x = x, .len = len, .n_periods = P,
                            .periods = e->T, .level = e->level};
    double *zz = z, *zse = z + n * P, *zlo = z + 2 * n * P, *zhi = z + 3 * n * P;
    regia_gev_out_t out = {e->fit + k0, zz, zse, zlo, zhi};
    REGIA_TRY(regia_gev_fit_batch(&in, &out, run->threads));
    for (int64_t i = 0; i < n; i++) {
        const int64_t k = k0 + i;
        regia_gev_fit_t *f = &e->fit[k];
        if (e->info[k].reason) f->status = e->info[k].reason; /* refused before the fit */
        f->n = (int32_t)e->info[k].n_blocks;
        for (int p = 0; p < P; p++) {
            double *o = e->rl + (k * P + p) * RL_W;
            o[0] = zz[i * P + p];
            o[1] = zse[i * P + p];
            o[2] = zlo[i * P + p];
            o[3] = zhi[i * P + p];
        }
        if (f->status != REGIA_GEV_OK && !e->skip) {
            const info_t *inf = &e->info[k];
            /* heavily tied maxima (rounded data) are the usual reason for no maximum */
            int32_t distinct = 0;
            for (int32_t t = 0; t < len[i]; t++) {
                int seen = 0;
                for (int32_t q = 0; q < t && !seen; q++) seen = x[i * stride + q] == x[i * stride + t];
                distinct += !seen;
            }
            char hint[200] = "";
            if (len[i] > 0 && 2 * distinct <= len[i])
                snprintf(hint, sizeof hint, "; the %d maxima take only %d distinct values (rounded data?): with heavy "
                         "ties the likelihood has no maximum (docs/evt.md, Limits)", (int)len[i], (int)distinct);
            st = REGIA_FAIL(REGIA_ERR_NUMERIC, "%s: series '%s' (lines %lld-%lld, %lld block maxima): the GEV fit "
                            "failed: %s%s (--unfit skip keeps it with NaN estimates)", e->input, e->sr.id[e->s0 + k],
                            (long long)inf->line0, (long long)inf->line1, (long long)inf->n_blocks,
                            regia_gev_status_name(f->status), hint);
            goto err;
        }
    }
err:
    free(x);
    free(len);
    free(z);
    return st;
}

/* Not collective (every rank, on the gathered results): the caveats of every return level
 * (regia_gev_rl_caveats: T beyond REGIA_GEV_EXTRAP_MAX x the blocks fitted; an interval
 * whose lower end is below 0 for a series of values >= 0, --positive), the comment on
 * return_level that counts them, and on rank 0 a warning per return level (the first
 * MAX_CAV_WARN, then one line for the rest). */
enum { MAX_CAV_WARN = 12 };
static regia_status_t caveats(regia_run_t *run, ev_t *e)
{
    const int P = e->n_T;
    const int r0 = run->ctx->rank == 0;
    const char *bu = block_unit(e->block);
    e->cav = calloc((size_t)(e->n_series * P) + 1, 1);
    if (!e->cav) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the caveats of %lld series", (long long)e->n_series);
    long long shown = 0, more = 0, series_with = 0;
    e->n_cav[0] = e->n_cav[1] = 0;
    for (int64_t s = 0; s < e->n_series; s++) {
        const regia_gev_fit_t *f = &e->fit_all[s];
        int any = 0;
        for (int p = 0; p < P; p++) {
            const double *r = e->rl_all + (s * P + p) * RL_W;
            if (f->status != REGIA_GEV_OK || !isfinite(r[0])) continue;
            const int32_t c = regia_gev_rl_caveats(f, e->T[p], r[2], e->info_all[s].positive);
            e->cav[s * P + p] = (uint8_t)c;
            if (!c) continue;
            any = 1;
            e->n_cav[0] += (c & REGIA_GEV_RL_EXTRAPOLATED) != 0;
            e->n_cav[1] += (c & REGIA_GEV_RL_LOWER_NEGATIVE) != 0;
            if (!r0) continue;
            if (shown >= MAX_CAV_WARN) {
                more++;
                continue;
            }
            shown++;
            if (c & REGIA_GEV_RL_EXTRAPOLATED)
                regia_warn(&run->ctx->log, "series '%s': the %g-%s return level (%.6g) extrapolates %.1f times the %d "
                           "blocks fitted (more than %g: its %g %% interval [%.6g, %.6g] understates the uncertainty "
                           "of the shape; return_level_caveat, docs/evt.md)", e->sr.id[s], e->T[p], bu, r[0],
                           e->T[p] / f->n, (int)f->n, REGIA_GEV_EXTRAP_MAX, 100 * e->level, r[2], r[3]);
            if (c & REGIA_GEV_RL_LOWER_NEGATIVE)
                regia_warn(&run->ctx->log, "series '%s': the %g-%s return level's %g %% interval reaches %.6g, below "
                           "0, which %s cannot be: read its lower end as 0 (return_level_caveat)", e->sr.id[s],
                           e->T[p], bu, 100 * e->level, r[2],
                           e->positive == 1 ? "the values (--positive yes)" : "a series of values >= 0");
        }
        series_with += any;
    }
    if (r0 && more > 0)
        regia_warn(&run->ctx->log, "... and %lld more return level%s with caveats (in all %lld extrapolated, %lld "
                   "with an interval below 0, over %lld series): see return_level_caveat", more, more == 1 ? "" : "s",
                   e->n_cav[0], e->n_cav[1], series_with);
    snprintf(e->rl_comment, sizeof e->rl_comment,
             "%lld of the %lld return levels extrapolate beyond %g times the blocks fitted (their delta-method "
             "intervals understate the uncertainty of the shape) and %lld have an interval whose lower end is below 0 "
             "for a quantity that cannot be negative (read it as 0): return_level_caveat flags each (docs/evt.md)",
             e->n_cav[0], (long long)(e->n_ok * P), REGIA_GEV_EXTRAP_MAX, e->n_cav[1]);
    return REGIA_OK;
}

/* Collective: gather every series' results (the CSV and the report need them all); a run
 * that fitted nothing is an error. */
static regia_status_t ev_check(regia_run_t *run, void *self)
{
    ev_t *e = self;
    regia_status_t st = REGIA_OK;
    const size_t N = (size_t)e->n_series + 1, rlb = sizeof(double) * (size_t)(e->n_T * RL_W);
    e->info_all = calloc(N, sizeof *e->info_all);
    e->fit_all = calloc(N, sizeof *e->fit_all);
    e->rl_all = calloc(N, rlb);
    if (!e->info_all || !e->fit_all || !e->rl_all) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory gathering results");
    if ((st = regia_run_agree(run, st))) return st;
    memcpy(e->info_all + e->s0, e->info, sizeof *e->info * (size_t)e->ns);
    memcpy(e->fit_all + e->s0, e->fit, sizeof *e->fit * (size_t)e->ns);
    memcpy((char *)e->rl_all + (size_t)e->s0 * rlb, e->rl, rlb * (size_t)e->ns);
    if ((st = regia_run_allgather_items(run, e->info_all, sizeof *e->info_all))) return st;
    if ((st = regia_run_allgather_items(run, e->fit_all, sizeof *e->fit_all))) return st;
    if ((st = regia_run_allgather_items(run, e->rl_all, rlb))) return st;
    e->n_ok = 0;
    for (int64_t s = 0; s < e->n_series; s++) e->n_ok += e->fit_all[s].status == REGIA_GEV_OK;
    if (e->n_ok == 0) {
        char text[600];
        size_t o = 0;
        for (int64_t s = 0; s < e->n_series && s < 5 && o < sizeof text; s++) {
            const int stt = e->fit_all[s].status;
            o += (size_t)snprintf(text + o, sizeof text - o, "%s'%.40s' %s", s ? ", " : "", e->sr.id[s],
                                  stt >= 0 && stt <= 6 ? status_token[stt] : "unknown");
        }
        return REGIA_FAIL(REGIA_ERR_NUMERIC, "%s: none of the %lld series could be fitted (%s%s): nothing to write",
                          e->input, (long long)e->n_series, text, e->n_series > 5 ? ", ..." : "");
    }
    return caveats(run, e);
}

/* ---- NetCDF -------------------------------------------------------------------------------- */

enum {
    V_ID, V_T, V_LOC, V_LOC_SE, V_SCALE, V_SCALE_SE, V_SHAPE, V_SHAPE_SE, V_C_LS, V_C_LX, V_C_SX, V_RL, V_RL_SE,
    V_RL_LO, V_RL_HI, V_NLL, V_NB, V_FIRST, V_STATUS, V_TIME, V_BMAX, V_BCOUNT, V_CAV, N_V
};

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

static regia_status_t def_var(int ncid, const char *name, nc_type type, int nd, const int *dims, const char *long_name,
                              const char *units, const char *cct, const char *coords, int *vid)
{
    regia_status_t st = REGIA_OK;
    REGIA_TRY(regia_nc_def_data(ncid, name, type, nd, dims, NULL, vid));
    ATT(*vid, "long_name", long_name);
    if (units) ATT(*vid, "units", units);
    ATT(*vid, "coverage_content_type", cct);
    if (coords) ATT(*vid, "coordinates", coords);
err:
    return st;
}

/* Collective, define mode.  Year and month blocks: the block maxima on a time axis of
 * every block from the first to the last (a CF timeSeries, orthogonal multidimensional
 * representation); --block none: the estimates only (the maxima are the input).  Laid
 * out as CDO 2.1 reads it (`cdo sinfo` prints no warning): `time` first, `series` last
 * in every variable with another dimension, return_period not in `coordinates` (CDO
 * cannot assign it; CF finds it as the coordinate variable of its dimension). */
static regia_status_t ev_define(regia_run_t *run, void *self, int ncid)
{
    ev_t *e = self;
    regia_status_t st = REGIA_OK;
    int *v = e->v, d_s, d_str, d_t, d_fl, d_time = -1;
    for (int i = 0; i < N_V; i++) v[i] = -1;
    REGIA_NC(nc_def_dim(ncid, "series", (size_t)e->n_series, &d_s));
    REGIA_NC(nc_def_dim(ncid, "series_strlen", (size_t)e->sr.idlen, &d_str));
    REGIA_NC(nc_def_dim(ncid, "return_period", (size_t)e->n_T, &d_t));
    REGIA_NC(nc_def_dim(ncid, "first_last", 2, &d_fl));
    if (e->n_times > 0) REGIA_NC(nc_def_dim(ncid, "time", (size_t)e->n_times, &d_time));
    const int dss[2] = {d_s, d_str}, dst[2] = {d_t, d_s}, dsb[2] = {d_time, d_s};
    const char *u = e->units, *tu = "seconds since 1970-01-01 00:00:00", *S = "series_id";
    const char *per = e->block == EVT_BLOCK_NONE ? "block (each value of the input)" : block_unit(e->block);
    char text[512], u2[300], *uu = NULL;
    if (u) {
        snprintf(u2, sizeof u2, "(%s)^2", u);
        uu = u2;
    }
    REGIA_TRY(def_var(ncid, "series_id", NC_CHAR, 2, dss, "series identifier (series_id column of the input)", NULL,
                      "auxiliaryInformation", NULL, &v[V_ID]));
    ATT(v[V_ID], "cf_role", "timeseries_id");
    snprintf(text, sizeof text, "return period T: the return level is exceeded with probability 1/T per %s", per);
    REGIA_TRY(def_var(ncid, "return_period", NC_DOUBLE, 1, &d_t, text,
                      e->block == EVT_BLOCK_NONE ? "1" : block_unit(e->block), "coordinate", NULL, &v[V_T]));
    REGIA_NC(nc_del_att(ncid, v[V_T], "_FillValue"));
    REGIA_TRY(def_var(ncid, "location", NC_DOUBLE, 1, &d_s, "GEV location parameter mu (maximum likelihood)", u,
                      "modelResult", S, &v[V_LOC]));
    ATT(v[V_LOC], "ancillary_variables", "location_se");
    REGIA_TRY(def_var(ncid, "location_se", NC_DOUBLE, 1, &d_s, "standard error of location (observed information)",
                      u, "qualityInformation", S, &v[V_LOC_SE]));
    REGIA_TRY(def_var(ncid, "scale", NC_DOUBLE, 1, &d_s, "GEV scale parameter sigma (maximum likelihood)", u,
                      "modelResult", S, &v[V_SCALE]));
    ATT(v[V_SCALE], "ancillary_variables", "scale_se");
    REGIA_TRY(def_var(ncid, "scale_se", NC_DOUBLE, 1, &d_s, "standard error of scale (observed information)", u,
                      "qualityInformation", S, &v[V_SCALE_SE]));
    REGIA_TRY(def_var(ncid, "shape", NC_DOUBLE, 1, &d_s,
                      "GEV shape parameter xi (maximum likelihood; Coles' sign: xi > 0 heavy upper tail, xi < 0 "
                      "bounded, 0 Gumbel)", "1", "modelResult", S, &v[V_SHAPE]));
    ATT(v[V_SHAPE], "ancillary_variables", "shape_se");
    REGIA_TRY(def_var(ncid, "shape_se", NC_DOUBLE, 1, &d_s, "standard error of shape (observed information)", "1",
                      "qualityInformation", S, &v[V_SHAPE_SE]));
    REGIA_TRY(def_var(ncid, "location_scale_covariance", NC_DOUBLE, 1, &d_s,
                      "covariance of the location and scale estimates (inverse observed information)", uu,
                      "qualityInformation", S, &v[V_C_LS]));
    REGIA_TRY(def_var(ncid, "location_shape_covariance", NC_DOUBLE, 1, &d_s,
                      "covariance of the location and shape estimates (inverse observed information)", u,
                      "qualityInformation", S, &v[V_C_LX]));
    REGIA_TRY(def_var(ncid, "scale_shape_covariance", NC_DOUBLE, 1, &d_s,
                      "covariance of the scale and shape estimates (inverse observed information)", u,
                      "qualityInformation", S, &v[V_C_SX]));
    snprintf(text, sizeof text, "return level: the level exceeded with probability 1/T per %s", per);
    REGIA_TRY(def_var(ncid, "return_level", NC_DOUBLE, 2, dst, text, u, "modelResult", S, &v[V_RL]));
    ATT(v[V_RL], "ancillary_variables", "return_level_se return_level_lower return_level_upper return_level_caveat");
    ATT(v[V_RL], "comment", e->rl_comment);
    REGIA_TRY(def_var(ncid, "return_level_se", NC_DOUBLE, 2, dst, "standard error of return_level (delta method)", u,
                      "qualityInformation", S, &v[V_RL_SE]));
    snprintf(text, sizeof text, "lower end of the %g%% delta-method interval of return_level", 100 * e->level);
    REGIA_TRY(def_var(ncid, "return_level_lower", NC_DOUBLE, 2, dst, text, u, "qualityInformation", S,
                      &v[V_RL_LO]));
    snprintf(text, sizeof text, "upper end of the %g%% delta-method interval of return_level", 100 * e->level);
    REGIA_TRY(def_var(ncid, "return_level_upper", NC_DOUBLE, 2, dst, text, u, "qualityInformation", S,
                      &v[V_RL_HI]));
    REGIA_NC(nc_def_var(ncid, "return_level_caveat", NC_BYTE, 2, dst, &v[V_CAV]));
    ATT(v[V_CAV], "long_name", "caveats of return_level (regia_gev_rl_caveats): 1 the return period exceeds 4 times "
                               "the blocks fitted, 2 the interval's lower end is below 0 for a quantity that cannot be "
                               "negative (evt positive)");
    ATT(v[V_CAV], "coverage_content_type", "qualityInformation");
    ATT(v[V_CAV], "coordinates", S);
    {
        signed char fm[2] = {REGIA_GEV_RL_EXTRAPOLATED, REGIA_GEV_RL_LOWER_NEGATIVE};
        REGIA_NC(nc_put_att_schar(ncid, v[V_CAV], "flag_masks", NC_BYTE, 2, fm));
        ATT(v[V_CAV], "flag_meanings", "extrapolated_beyond_4_record_lengths lower_end_below_zero");
    }
    REGIA_TRY(def_var(ncid, "negative_log_likelihood", NC_DOUBLE, 1, &d_s,
                      "negative log-likelihood of the GEV at the estimates", "1", "qualityInformation", S, &v[V_NLL]));
    REGIA_TRY(def_var(ncid, "n_blocks", NC_INT, 1, &d_s, "blocks with a value: the maxima fitted", "1",
                      "auxiliaryInformation", S, &v[V_NB]));
    /* one variable (first_last, series), not two on series: CDO 2.1 takes a 1-D variable in
     * time units for the file's time axis when it has none (--block none) and warns of
     * "more than one time variable" */
    {
        const int dfs[2] = {d_fl, d_s};
        REGIA_TRY(def_var(ncid, "block_start", NC_DOUBLE, 2, dfs,
                          "start of the first (first_last = 0) and of the last (first_last = 1) block of the series",
                          tu, "auxiliaryInformation", S, &v[V_FIRST]));
        /* proleptic Gregorian: the dates are read so, before 1582 too; no standard_name:
         * tests/reference/cf_report.py (evt) */
        ATT(v[V_FIRST], "calendar", "proleptic_gregorian");
    }
    REGIA_NC(nc_def_var(ncid, "fit_status", NC_BYTE, 1, &d_s, &v[V_STATUS]));
    ATT(v[V_STATUS], "long_name", "outcome of the GEV fit of the series");
    ATT(v[V_STATUS], "coverage_content_type", "qualityInformation");
    ATT(v[V_STATUS], "coordinates", S);
    {
        signed char fv[7] = {0, 1, 2, 3, 4, 5, 6};
        REGIA_NC(nc_put_att_schar(ncid, v[V_STATUS], "flag_values", NC_BYTE, 7, fv));
        ATT(v[V_STATUS], "flag_meanings", "ok too_few_blocks constant_maxima no_convergence singular_information "
                                          "shape_at_or_below_minus_one non_finite_value");
    }
    if (d_time >= 0) {
        REGIA_TRY(def_var(ncid, "time", NC_DOUBLE, 1, &d_time, "start of the block", tu, "coordinate", NULL,
                          &v[V_TIME]));
        REGIA_NC(nc_del_att(ncid, v[V_TIME], "_FillValue"));
        ATT(v[V_TIME], "standard_name", "time");
        ATT(v[V_TIME], "calendar", "proleptic_gregorian");
        ATT(v[V_TIME], "axis", "T");
        snprintf(text, sizeof text, "largest value of the calendar %s (UTC): the maxima fitted (NaN: no value)",
                 block_unit(e->block));
        REGIA_TRY(def_var(ncid, "block_maximum", NC_DOUBLE, 2, dsb, text, u, "physicalMeasurement", S,
                          &v[V_BMAX]));
        REGIA_TRY(def_var(ncid, "block_values", NC_INT, 2, dsb, "values in the block (missing values not counted)",
                          "1", "auxiliaryInformation", S, &v[V_BCOUNT]));
    }
    ATT(NC_GLOBAL, "command_line", e->cmdline);
    ATT(NC_GLOBAL, "evt_block", evt_block_name(e->block));
    {
        const double lv = 100 * e->level;
        const int mb = e->min_blocks;
        REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "evt_interval_level_percent", NC_DOUBLE, 1, &lv));
        REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "evt_min_blocks", NC_INT, 1, &mb));
    }
err:
    return st;
}

/* Collective, data mode: this rank's series [s0, s0 + n) of a variable vid(A, series)
 * from cols (A x n values, series last), NC_DOUBLE or NC_INT.  Every rank calls it (n = 0:
 * an empty write). */
static regia_status_t put_series_last(regia_run_t *run, int ncid, int vid, int64_t A, int64_t s0, int64_t n,
                                      nc_type t, const void *cols)
{
    size_t start[2] = {0, n ? (size_t)s0 : 0}, count[2] = {n ? (size_t)A : 0, (size_t)n};
    int rc = nc_var_par_access(ncid, vid, NC_COLLECTIVE);
    if (rc == NC_NOERR)
        rc = t == NC_INT ? nc_put_vara_int(ncid, vid, start, count, cols) : nc_put_vara_double(ncid, vid, start, count, cols);
    char name[NC_MAX_NAME + 1] = "?";
    if (rc != NC_NOERR) nc_inq_varname(ncid, vid, name);
    return regia_run_agree_io(run, rc == NC_NOERR ? REGIA_OK
                              : REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable '%s': %s", name, nc_strerror(rc)));
}

/* Collective, data mode: rank 0 the coordinates, every rank its series' rows. */
static regia_status_t ev_write(regia_run_t *run, void *self, int ncid)
{
    ev_t *e = self;
    regia_status_t st = REGIA_OK;
    const int *v = e->v, P = e->n_T, r0 = run->ctx->rank == 0;
    const int64_t ns = e->ns, NT = e->n_times, s0 = e->s0;
    const size_t big = (size_t)(ns * (NT > P ? NT : P) + NT + 16);
    double *d = malloc(sizeof(double) * big);
    int *iv = malloc(sizeof(int) * big);
    signed char *sc = malloc((size_t)ns + 1);
    char *chr = calloc((size_t)ns + 1, (size_t)e->sr.idlen);
    if (!d || !iv || !sc || !chr) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output");
    if ((st = regia_run_agree(run, st))) goto err;
#define ROWS(var, s, n, type, data) REGIA_TRY(regia_run_put_rows(run, ncid, v[var], 1, (s), (n), NULL, type, data))
#define ROWS2(var, n, inner, type, data)                                                                   \
    do {                                                                                                   \
        const size_t in_[1] = {(size_t)(inner)};                                                            \
        REGIA_TRY(regia_run_put_rows(run, ncid, v[var], 2, s0, (n), in_, type, data));                      \
    } while (0)
#define PER_SERIES(var, expr)                            \
    do {                                                 \
        for (int64_t k = 0; k < ns; k++) d[k] = (expr);  \
        ROWS(var, s0, ns, NC_DOUBLE, d);                 \
    } while (0)
    ROWS(V_T, 0, r0 ? P : 0, NC_DOUBLE, e->T);
    for (int64_t k = 0; k < ns; k++) strncpy(chr + k * e->sr.idlen, e->sr.id[s0 + k], (size_t)e->sr.idlen);
    ROWS2(V_ID, ns, e->sr.idlen, NC_CHAR, chr);
    PER_SERIES(V_LOC, e->fit[k].par[0]);
    PER_SERIES(V_LOC_SE, e->fit[k].se[0]);
    PER_SERIES(V_SCALE, e->fit[k].par[1]);
    PER_SERIES(V_SCALE_SE, e->fit[k].se[1]);
    PER_SERIES(V_SHAPE, e->fit[k].par[2]);
    PER_SERIES(V_SHAPE_SE, e->fit[k].se[2]);
    PER_SERIES(V_C_LS, e->fit[k].cov[1]);
    PER_SERIES(V_C_LX, e->fit[k].cov[2]);
    PER_SERIES(V_C_SX, e->fit[k].cov[5]);
    PER_SERIES(V_NLL, e->fit[k].nll);
    for (int64_t k = 0; k < ns; k++) {
        d[k] = e->info[k].n_blocks ? (double)e->info[k].first : NAN;
        d[ns + k] = e->info[k].n_blocks ? (double)e->info[k].last : NAN;
    }
    REGIA_TRY(put_series_last(run, ncid, v[V_FIRST], 2, s0, ns, NC_DOUBLE, d));
    for (int w = 0; w < RL_W; w++) {
        for (int64_t k = 0; k < ns; k++)
            for (int p = 0; p < P; p++) d[p * ns + k] = e->rl[(k * P + p) * RL_W + w];
        REGIA_TRY(put_series_last(run, ncid, v[V_RL + w], P, s0, ns, NC_DOUBLE, d));
    }
    for (int64_t k = 0; k < ns; k++)
        for (int p = 0; p < P; p++) iv[p * ns + k] = e->cav[(s0 + k) * P + p];
    REGIA_TRY(put_series_last(run, ncid, v[V_CAV], P, s0, ns, NC_INT, iv));
    for (int64_t k = 0; k < ns; k++) iv[k] = (int)e->info[k].n_blocks;
    ROWS(V_NB, s0, ns, NC_INT, iv);
    for (int64_t k = 0; k < ns; k++) sc[k] = (signed char)e->fit[k].status;
    ROWS(V_STATUS, s0, ns, NC_BYTE, sc);
    if (NT > 0) {
        for (int64_t i = 0; i < NT; i++) d[i] = (double)time_at(e, i);
        ROWS(V_TIME, 0, r0 ? NT : 0, NC_DOUBLE, d);
        for (int64_t i = 0; i < ns * NT; i++) {
            d[i] = NAN;
            iv[i] = 0;
        }
        for (int64_t k = 0; k < ns; k++) {
            const evt_block_max_t *b = e->blk + e->boff[k];
            for (int64_t i = 0; i < e->info[k].n_blocks; i++) {
                const int64_t j = time_index(e, b[i].start);
                d[j * ns + k] = b[i].max;
                iv[j * ns + k] = b[i].count;
            }
        }
        REGIA_TRY(put_series_last(run, ncid, v[V_BMAX], NT, s0, ns, NC_DOUBLE, d));
        REGIA_TRY(put_series_last(run, ncid, v[V_BCOUNT], NT, s0, ns, NC_INT, iv));
    }
#undef PER_SERIES
#undef ROWS
#undef ROWS2
err:
    free(d);
    free(iv);
    free(sc);
    free(chr);
    return st;
}

static void ev_acdd(regia_run_t *run, void *self, void *acdd)
{
    ev_t *e = self;
    regia_acdd_t *out = acdd;
    static _Thread_local char id[1024], t0[32], t1[32], periods[256];
    {
        const char *b = strrchr(e->output, '/');
        b = b ? b + 1 : e->output;
        size_t n = strlen(b);
        if (n > 3 && !strcmp(b + n - 3, ".nc")) n -= 3;
        snprintf(id, sizeof id, "%.*s", (int)n, b);
    }
    size_t o = 0;
    for (int i = 0; i < e->n_T && o < sizeof periods; i++)
        o += (size_t)snprintf(periods + o, sizeof periods - o, "%s%g", i ? ", " : "", e->T[i]);
    snprintf(e->summary, sizeof e->summary,
             "Generalised extreme value (GEV) distributions fitted by maximum likelihood to the %s maxima of each of "
             "%lld series from %s: location, scale and shape (Coles' sign convention, shape > 0 a heavy upper tail) "
             "with standard errors from the observed information, and return levels for return periods of %s %ss "
             "with %g%% delta-method intervals.  The block maxima fitted are included.",
             e->block == EVT_BLOCK_YEAR ? "calendar-year (UTC)" : e->block == EVT_BLOCK_MONTH ? "calendar-month (UTC)"
                                                                                       : "given (already block)",
             (long long)e->n_series, regia_file_name(e->input), periods, block_unit(e->block), 100 * e->level);
    const int has_t = e->t_min <= e->t_max;
    if (has_t) {
        regia_format_datetime(e->t_min, t0, sizeof t0);
        regia_format_datetime(e->t_max, t1, sizeof t1);
    }
    regia_acdd_t a = {
        .title = "Extreme-value analysis: GEV fits to block maxima and return levels",
        .summary = e->summary,
        .keywords = "extreme value, generalized extreme value distribution, GEV, block maxima, return level, return "
                    "period, maximum likelihood",
        .id = out->id ? out->id : id,
        .source = "regia evt: GEV maximum likelihood (Newton's method with the analytic Hessian) on block maxima",
        .processing_level = "model output: GEV parameter estimates, their standard errors and return levels of the "
                            "input series' block maxima",
        .comment = e->units ? "Location, scale, return levels and block maxima are in the units given with --units "
                              "or in the value column's header."
                            : "The input CSV (series_id,time,value) states neither the quantity nor its units: "
                              "location, scale, return levels and block maxima are in the units of the input values "
                              "and have no units attribute (give --units, or head the column 'value [UNITS]').",
        .license = "Same terms as the input data",
        .acknowledgement = "Computed with regia.",
        .references = "Coles, S. (2001) An Introduction to Statistical Modeling of Extreme Values, Springer; "
                      "Hosking, J.R.M., Wallis, J.R. and Wood, E.F. (1985) Technometrics 27(3), 251-261",
        .feature_type = e->n_times > 0 ? "timeSeries" : "",
        .cdm_data_type = e->n_times > 0 ? "Station" : "",
        .date_created = out->date_created,
        .history = out->history,
        .time_start = has_t ? t0 : NULL,
        .time_end = has_t ? t1 : NULL,
        .duration_s = has_t ? e->t_max - e->t_min : -1,
        .time_resolution = e->block == EVT_BLOCK_YEAR ? "P1Y" : e->block == EVT_BLOCK_MONTH ? "P1M" : NULL,
    };
    *out = a;
}

#undef ATT

/* ---- the CSV of the estimates ---------------------------------------------------------------- */

static void csv_num(FILE *f, double x)
{
    if (isnan(x)) fputs("NaN", f);
    else fprintf(f, "%.12g", x);
}

/* A series id as a CSV field: quoted when it holds a separator, quote or line break. */
static void csv_id(FILE *f, const char *s)
{
    if (!strpbrk(s, ",;\"\r\n\t")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* One row: series_id,quantity,return_period,estimate,std_error,lower,upper,n_blocks,fit_status,caveat
 * (lower and upper empty for the parameters: NaN passed; cav: the return level's caveats,
 * -1 for a parameter). */
static void csv_row(FILE *f, const ev_t *e, int64_t s, const char *q, double T, double est, double se, double lo,
                    double hi, int cav)
{
    csv_id(f, e->sr.id[s]);
    fprintf(f, ",%s,", q);
    if (!isnan(T)) fprintf(f, "%.12g", T);
    fputc(',', f);
    csv_num(f, est);
    fputc(',', f);
    csv_num(f, se);
    fputc(',', f);
    if (!isnan(lo) || !isnan(hi) || !strcmp(q, "return_level")) {
        csv_num(f, lo);
        fputc(',', f);
        csv_num(f, hi);
    } else {
        fputc(',', f);
    }
    const int stt = e->fit_all[s].status;
    fprintf(f, ",%lld,%s,%s%s%s\n", (long long)e->info_all[s].n_blocks,
            stt >= 0 && stt <= 6 ? status_token[stt] : "unknown",
            cav > 0 && (cav & REGIA_GEV_RL_EXTRAPOLATED) ? "extrapolated" : "",
            cav > 0 && (cav & REGIA_GEV_RL_EXTRAPOLATED) && (cav & REGIA_GEV_RL_LOWER_NEGATIVE) ? " " : "",
            cav > 0 && (cav & REGIA_GEV_RL_LOWER_NEGATIVE) ? "lower_end_below_zero" : "");
}

/* Collective: rank 0 writes the file from the gathered results. */
static regia_status_t ev_write_extra(regia_run_t *run, void *self, int i, const char *tmp)
{
    (void)i;
    ev_t *e = self;
    regia_status_t st = regia_run_fault(run, "estimates"); /* REGIA_FAULT=estimates:R (tests) */
    if (st || run->ctx->rank != 0) return st;
    FILE *f = fopen(tmp, "w");
    if (!f) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    static const char *const pname[3] = {"location", "scale", "shape"};
    fputs("series_id,quantity,return_period,estimate,std_error,lower,upper,n_blocks,fit_status,caveat\n", f);
    for (int64_t s = 0; s < e->n_series; s++) {
        const regia_gev_fit_t *ft = &e->fit_all[s];
        const double *rl = e->rl_all + s * e->n_T * RL_W;
        for (int p = 0; p < 3; p++) csv_row(f, e, s, pname[p], NAN, ft->par[p], ft->se[p], NAN, NAN, -1);
        for (int p = 0; p < e->n_T; p++) {
            const double *r = rl + p * RL_W;
            csv_row(f, e, s, "return_level", e->T[p], r[0], r[1], r[2], r[3], e->cav[s * e->n_T + p]);
        }
    }
    int bad = ferror(f);
    bad |= fflush(f) != 0;
    bad |= fclose(f) != 0;
    if (bad) return REGIA_FAIL(REGIA_ERR_IO, "%s: writing the CSV of the estimates failed: %s", tmp, strerror(errno));
    return REGIA_OK;
}

/* ---- report, manifest, release ----------------------------------------------------------- */

static void ev_report(regia_run_t *run, void *self)
{
    ev_t *e = self;
    if (run->ctx->rank != 0) return;
    long long by[7] = {0};
    for (int64_t s = 0; s < e->n_series; s++) {
        const int stt = e->fit_all[s].status;
        if (stt >= 0 && stt <= 6) by[stt]++;
    }
    if (e->n_ok < e->n_series) {
        char text[1024];
        size_t o = 0;
        int shown = 0;
        for (int64_t s = 0; s < e->n_series && shown < 5 && o < sizeof text; s++)
            if (e->fit_all[s].status != REGIA_GEV_OK) {
                o += (size_t)snprintf(text + o, sizeof text - o, "%s'%.40s' (%s)", shown ? ", " : "", e->sr.id[s],
                                      status_token[e->fit_all[s].status]);
                shown++;
            }
        regia_warn(&run->ctx->log, "%lld of %lld series not fitted (NaN estimates, see fit_status): %s%s",
                   (long long)(e->n_series - e->n_ok), (long long)e->n_series, text,
                   e->n_series - e->n_ok > shown ? ", ..." : "");
    }
    if (e->n_series == 1 && e->n_ok == 1) {
        const regia_gev_fit_t *f = &e->fit_all[0];
        regia_info(&run->ctx->log, "series '%s': location %.6g (se %.3g), scale %.6g (se %.3g), shape %.4g (se %.3g); "
                   "%d-%s return level %.6g [%.6g, %.6g]", e->sr.id[0], f->par[0], f->se[0], f->par[1], f->se[1],
                   f->par[2], f->se[2], (int)e->T[e->n_T - 1], block_unit(e->block),
                   e->rl_all[(e->n_T - 1) * RL_W], e->rl_all[(e->n_T - 1) * RL_W + 2],
                   e->rl_all[(e->n_T - 1) * RL_W + 3]);
    }
    const double secs = regia_now() - run->t0;
    regia_info(&run->ctx->log, "summary: %lld series, %lld fitted; %.2f s, %.1f series/s", (long long)e->n_series,
               e->n_ok, secs, secs > 0 ? (double)e->n_series / secs : 0.0);
}

static void ev_manifest(regia_run_t *run, void *self, regia_manifest_t *m)
{
    ev_t *e = self;
    regia_manifest_str(m, "block", evt_block_name(e->block));
    regia_manifest_num(m, "series", (double)e->n_series);
    regia_manifest_num(m, "series_fitted", (double)e->n_ok);
    regia_manifest_num(m, "interval_level_percent", 100 * e->level);
}

static void ev_release(regia_run_t *run, void *self)
{
    ev_t *e = self;
    regia_series_free(&e->sr);
    free(e->info);
    free(e->boff);
    free(e->blk);
    free(e->fit);
    free(e->rl);
    free(e->info_all);
    free(e->fit_all);
    free(e->rl_all);
    free(e->cav);
}

const regia_domain_t regia_domain_evt = {
    .name = "evt",
    .summary = "extreme values of your own series: GEV on block maxima, return levels (CSV in; NetCDF, CSV out)",
    .about = "Fits a generalised extreme value (GEV) distribution by maximum likelihood to the block maxima\n"
             "(calendar years or months in UTC, or the values as given) of every series of a series_id,time,value\n"
             "CSV: location, scale and shape (Coles' sign: shape > 0 a heavy upper tail) with standard errors from\n"
             "the observed information, and return levels for the given return periods with delta-method\n"
             "intervals.  Writes a CF-1.10/ACDD-1.3 NetCDF-4 file, a CSV of the estimates beside it and\n"
             "OUT.manifest.json.  Series are split over the MPI ranks; the output is the same for any number\n"
             "of ranks.  See docs/evt.md.",
    .schema = evt_schema,
    .meta = evt_meta,
    .options_usage = "--input FILE.csv --output OUT.nc [--block year|month|none] [--return-periods 10,50,100] "
                     "[OPTIONS]",
    .state_size = sizeof(ev_t),
    .unit = "series",
    .stage = "fit",
    .output_role = "evt",
    .not_in_results = "job.threads job.progress_interval job.checkpoint_dir job.checkpoint_interval job.chunk job.name "
                      "evt.csv",
    .configure = ev_configure,
    .index = ev_index,
    .read = ev_read,
    .prepare = ev_prepare,
    .compute = ev_compute,
    .result_arrays = ev_result_arrays,
    .check_result = ev_check,
    .define = ev_define,
    .acdd = ev_acdd,
    .write = ev_write,
    .write_extra = ev_write_extra,
    .report = ev_report,
    .manifest = ev_manifest,
    .release = ev_release,
    .products = evt_products,
};
