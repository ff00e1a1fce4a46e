/* cmd_forecast.c - `regia forecast`: ETS forecasts with prediction intervals for any
 * `series_id,time,value` CSV; a domain of the run protocol (domain.h, run.c).
 *
 *   CSV -> series index (sorted by id, regular grid per series) -> [skeleton: cost-balanced
 *   contiguous blocks] -> ETS on each rank's block -> the output variables.  Options are
 *   the keys of its schema, so `regia forecast JOBFILE` works too (and regia submit).
 *
 * Each rank parses its byte range of the CSV (io/series_csv.c) and the rows go to the rank
 * that owns their series; every rank then learns the grids of all series (for the common
 * time axis) and keeps the values of its own block only.  A series' result depends only
 * on its own values, so the data variables are identical for any number of ranks and
 * threads.  Schema and errors: docs/forecast.md.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain.h"
#include "forecast_impl.h"
#include "generic_products.h"
#include "regia/acdd.h"
#include "regia/csv.h"
#include "regia/io.h"
#include "regia/kernels.h"
#include "regia/ncio.h"
#include "regia/series_csv.h"
#include "regia/timeutil.h"

enum {
    MODEL_LEN = FC_MODEL_LEN, /* model_strlen                                           */
    MAXF = 256,           /* CSV fields per line                                        */
    N_CODES = 36,         /* error(2) x trend(3) x damped(2) x season(3)                */
    MAX_HORIZON = 1000000,
    MAX_GRID = 1 << 24,   /* time steps of one series, first to last time               */
    MAX_TIMES = 1 << 26,  /* times on the output's common time axis                     */
    SHOW_FAILED = 5       /* series named in the "not fitted" warning                   */
};


typedef regia_series_row_t row_t;

/* ---- schema: options and job-file keys ------------------------------------------------- */

const regia_job_key_t regia_forecast_schema[] = {
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "output NetCDF-4 file; written under a temporary name and renamed when complete; the manifest is OUT.manifest.json"},
    {"job", "name", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "name of the run (ACDD id) [default: the output's name]"},
    {"job", "domain", REGIA_KEY_ENUM, 0, "forecast", 0, 0, "forecast", "the domain this job file is for (regia submit)"},
    {"job", "backend", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|cpu|cuda", "compute backend"},
    {"job", "threads", REGIA_KEY_INT, 0, "0", 0, 4096, NULL, "CPU threads per rank (0: OMP_NUM_THREADS or all)"},
    {"job", "progress_interval", REGIA_KEY_DOUBLE, 0, "10", 0.1, 86400, NULL, "seconds between progress lines"},
    {"job", "checkpoint_interval", REGIA_KEY_DOUBLE, 0, "300", 0, 1e9, NULL,
     "seconds between checkpoints of completed blocks (0: only on SIGUSR1/SIGTERM, which stop the run with exit "
     "status 3; run the same command again to resume)"},
    {"job", "checkpoint_dir", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL, "restart files [default: OUT minus .nc, plus .ckpt]"},
    {"job", "chunk", REGIA_KEY_INT, 0, "0", 0, 1 << 24, NULL, "series per checkpoint block (0: what the backend takes per call)"},
    {"forecast", "input", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "CSV with the header series_id,time,value (any column order; extra columns ignored); - reads standard input. "
     "time: ISO 8601 date or date-time (UTC); value: a number, or empty / NaN / NA for a missing value; each series "
     "on a regular grid (a fixed step in seconds, or whole calendar months)"},
    {"forecast", "season", REGIA_KEY_INT, 0, NULL, 1, REGIA_ETS_MAX_PERIOD, NULL,
     "seasonal period in steps (1: no season; 7 for daily data with a weekly cycle, 24 hourly, 12 monthly); "
     "required unless every series has one from season_column or seasons"},
    {"forecast", "season_column", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "input column with each series' seasonal period (empty cells: --season)"},
    {"forecast", "seasons", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL,
     "seasonal periods of named series, ID:M items, e.g. a:7, b:12 (before season_column and --season)"},
    {"forecast", "id_column", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "series id column [default: series_id, or unique_id]"},
    {"forecast", "time_column", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "time column [default: time, or ds]"},
    {"forecast", "value_column", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "value column [default: value, or y]"},
    {"forecast", "separator", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|comma|semicolon|tab",
     "field separator (auto: from the header line)"},
    {"forecast", "decimal", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|point|comma",
     "decimal mark (auto: comma in ';' files, which also accept points; point otherwise)"},
    {"forecast", "max_steps_per_row", REGIA_KEY_INT, 0, "100", 1, 1e9, NULL,
     "a series may span at most this many grid steps per row it has, plus 1000 (bounds the memory a few "
     "far-apart times would take)"},
    {"forecast", "max_observed_cells", REGIA_KEY_DOUBLE, 0, "4e9", 1, 1e15, NULL,
     "largest observed(time, series) array the output may hold (series x times of the union of their grids and "
     "forecast steps; "
     "written in pieces, so this bounds the file, not the memory)"},
    {"forecast", "horizon", REGIA_KEY_INT, 1, NULL, 1, MAX_HORIZON, NULL, "forecast steps after each series' last time"},
    {"forecast", "levels", REGIA_KEY_DOUBLE_LIST, 0, "80, 95", 0.0001, 99.9999, NULL,
     "prediction-interval levels in percent, each in (0, 100), at most 8"},
    {"forecast", "model", REGIA_KEY_STRING, 0, "auto", 0, 0, NULL,
     "auto (choose by AICc) or an ETS code: error A|M|Z, trend N|A|Ad|M|Md|Z, season N|A|M|Z, e.g. ANN, AAdA, MNM"},
    {"forecast", "transform", REGIA_KEY_STRING, 0, "none", 0, 0, NULL,
     "Box-Cox transform the models are fitted on (as R's ets(lambda=)): none, auto (Guerrero's lambda per series in "
     "[0, 1], [0.5, 1] with zeros, none with negative values), log, or boxcox:LAMBDA; additive models only"},
    {"forecast", "biasadj", REGIA_KEY_BOOL, 0, "true", 0, 0, NULL,
     "with a transform, point forecasts are back-transformed means (R's biasadj = TRUE); false: medians"},
    {"forecast", "csv", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "the forecasts as CSV in statsforecast's long layout (unique_id,ds,model,forecast,lo-L,hi-L ...) "
     "[default: OUT minus .nc, plus _forecast.csv]"},
    {"forecast", "fitted", REGIA_KEY_BOOL, 0, "no", 0, 0, NULL,
     "also write the one-step-ahead in-sample fits and residuals (CSV unique_id,ds,y,fitted,residual, and the "
     "variable fitted of the output)"},
    {"forecast", "fitted_csv", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL, "the fitted-values CSV [default: OUT minus .nc, plus _fitted.csv]"},
    {"forecast", "backtest", REGIA_KEY_INT, 0, NULL, 1, 10000, NULL,
     "rolling-origin backtest over this many windows of --horizon steps each (statsforecast's cross_validation "
     "with step_size = horizon): MASE, sMAPE and interval coverage per series and overall"},
    {"forecast", "backtest_csv", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "the backtest's forecasts and held-out values as CSV [default: OUT minus .nc, plus _backtest.csv]"},
    REGIA_SUBMIT_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const regia_opt_meta_t forecast_meta[] = {
    {"input", "FILE.csv"}, {"output", "OUT.nc"}, {"season", "M"}, {"horizon", "H"}, {"levels", "L1,L2"},
    {"model", "CODE"}, {"backend", "B"}, {"threads", "N"}, {"checkpoint_interval", "S"}, {"checkpoint_dir", "DIR"},
    {"chunk", "N"}, {"progress_interval", "S"}, {"name", "NAME"}, {"domain", "forecast"}, {"season_column", "COL"},
    {"seasons", "ID:M,..."}, {"id_column", "COL"}, {"time_column", "COL"}, {"value_column", "COL"},
    {"separator", "auto|comma|semicolon|tab"}, {"decimal", "auto|point|comma"}, {"max_steps_per_row", "N"}, {"max_observed_cells", "N"},
    {"csv", "FILE.csv"}, {"fitted_csv", "FILE.csv"}, {"backtest", "WINDOWS"}, {"backtest_csv", "FILE.csv"},
    {NULL, NULL},
};

/* Local: the options (or job file) into the state; value errors name the option or line. */
static regia_status_t fc_configure(regia_run_t *run, void *self)
{
    fc_t *f = self;
    regia_job_t *j = run->job;
    char where[512];
    f->input = regia_job_path(j, "forecast", "input");
    f->output = regia_job_path(j, "job", "output");
    f->season = regia_job_has(j, "forecast", "season") ? (int)regia_job_int(j, "forecast", "season") : 0;
    f->max_steps_per_row = regia_job_int(j, "forecast", "max_steps_per_row");
    f->max_cells = regia_job_double(j, "forecast", "max_observed_cells");
    f->ropt.id_col = regia_job_str(j, "forecast", "id_column");
    f->ropt.time_col = regia_job_str(j, "forecast", "time_column");
    f->ropt.value_col = regia_job_str(j, "forecast", "value_column");
    f->ropt.season_col = regia_job_str(j, "forecast", "season_column");
    {
        const char *sep = regia_job_str(j, "forecast", "separator"), *dec = regia_job_str(j, "forecast", "decimal");
        f->ropt.sep = !strcmp(sep, "comma") ? ',' : !strcmp(sep, "semicolon") ? ';' : !strcmp(sep, "tab") ? '\t' : 0;
        f->ropt.decimal = !strcmp(dec, "point") ? '.' : !strcmp(dec, "comma") ? ',' : 0;
    }
    f->n_table = regia_job_list_len(j, "forecast", "seasons");
    f->table_id = calloc((size_t)f->n_table + 1, sizeof *f->table_id);
    f->table_m = calloc((size_t)f->n_table + 1, sizeof *f->table_m);
    if (!f->table_id || !f->table_m) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int i = 0; i < f->n_table; i++) {
        const char *item = regia_job_list_item(j, "forecast", "seasons", i), *colon = strrchr(item, ':');
        char *end = NULL;
        long m = colon ? strtol(colon + 1, &end, 10) : 0;
        if (!colon || colon == item || !end || *end || m < 1 || m > REGIA_ETS_MAX_PERIOD) {
            regia_run_where(run, "forecast", "seasons", where, sizeof where);
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: item '%s' is not ID:M with a period M in 1..%d", where, item,
                              REGIA_ETS_MAX_PERIOD);
        }
        char *id = strndup(item, (size_t)(colon - item));
        if (!id) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        f->table_id[i] = id;
        f->table_m[i] = (int)m;
    }
    if (!f->season && !f->ropt.season_col && !f->n_table) {
        if (run->from_options) return REGIA_FAIL(REGIA_ERR_INVALID, "--season M is required (1 for no seasonality)");
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: [forecast] needs season (1 for no seasonality), season_column or "
                          "seasons", regia_job_file(j));
    }
    f->horizon = (int)regia_job_int(j, "forecast", "horizon");
    f->model_code = regia_job_str(j, "forecast", "model");
    if (regia_boxcox_parse(regia_job_str(j, "forecast", "transform"), &f->bc)) {
        regia_run_where(run, "forecast", "transform", where, sizeof where);
        regia_error_prefix("%s: ", where);
        return REGIA_ERR_INVALID;
    }
    f->bc.biasadj = regia_job_bool(j, "forecast", "biasadj");
    if (f->bc.kind != REGIA_BOXCOX_NONE) {
        regia_ets_spec_t sp = regia_ets_default_spec(1);
        if (!regia_ets_parse_model(f->model_code, &sp) && (sp.error == 'M' || sp.trend == 'M' || sp.season == 'M'))
            return REGIA_FAIL(REGIA_ERR_INVALID, "model '%s' has a multiplicative component: with transform '%s' only "
                              "additive models are fitted (as R's ets(lambda=))", f->model_code,
                              regia_job_str(j, "forecast", "transform"));
    }
    f->cmdline = run->cmdline;
    f->n_levels = regia_job_list_len(j, "forecast", "levels");
    int dup = 0;
    for (int i = 0; i < f->n_levels && i < REGIA_ETS_MAX_LEVELS; i++) {
        f->levels[i] = regia_job_list_double(j, "forecast", "levels", i);
        for (int k = 0; k < i; k++) dup |= f->levels[k] == f->levels[i];
    }
    if (f->n_levels > REGIA_ETS_MAX_LEVELS || dup) {
        regia_run_where(run, "forecast", "levels", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s '%s': expected 1 to %d different comma-separated percentages, each "
                          "in (0, 100), e.g. 80,95", where, regia_job_str(j, "forecast", "levels"), REGIA_ETS_MAX_LEVELS);
    }
    f->spec = regia_ets_default_spec(f->season ? f->season : 1);
    if (regia_ets_parse_model(f->model_code, &f->spec) != REGIA_OK) {
        regia_run_where(run, "forecast", "model", where, sizeof where);
        regia_error_prefix("%s: ", where);
        return REGIA_ERR_INVALID;
    }
    run->output = f->output;
    run->input = strcmp(f->input, "-") ? f->input : NULL;
    run->input_role = "series";
    return fc_csv_configure(run, f);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ---- time grid ------------------------------------------------------------------------- */

/* Calendar month index (year * 12 + month - 1), day of month and second of the day of t. */
static int64_t month_of(int64_t t, int *day, int64_t *sod, int *last_day)
{
    int64_t days = regia_floordiv(t, 86400);
    int y, m, d;
    regia_civil_from_days(days, &y, &m, &d);
    *day = d;
    *sod = t - days * 86400;
    *last_day = d == regia_days_in_month(y, m);
    return (int64_t)y * 12 + (m - 1);
}

/* Time of grid point i of series s (forecast_impl.h). */
int64_t fc_grid_time(const series_t *s, int64_t i)
{
    if (!s->monthly) return s->t0 + i * s->step;
    int d, last;
    int64_t sod, mi = month_of(s->t0, &d, &sod, &last) + i * s->step;
    int y = (int)regia_floordiv(mi, 12), m = (int)(mi - (int64_t)y * 12) + 1;
    if (s->eom) d = regia_days_in_month(y, m);
    return regia_days_from_civil(y, m, d) * 86400 + sod;
}

/* Grid index of time t (on the grid). */
static int64_t grid_index(const series_t *s, int64_t t)
{
    if (s->step == 0) return 0;
    if (!s->monthly) return (t - s->t0) / s->step;
    int d, last;
    int64_t sod;
    return (month_of(t, &d, &sod, &last) - month_of(s->t0, &d, &sod, &last)) / s->step;
}

static void fmt_step(int64_t s, char *buf, size_t len)
{
    if (s % 86400 == 0) snprintf(buf, len, "%lld d", (long long)(s / 86400));
    else if (s % 3600 == 0) snprintf(buf, len, "%lld h", (long long)(s / 3600));
    else if (s % 60 == 0) snprintf(buf, len, "%lld min", (long long)(s / 60));
    else snprintf(buf, len, "%lld s", (long long)s);
}

/* Most common value of the n sorted values v (the smallest of equally common ones). */
static int64_t mode_sorted(const int64_t *v, int64_t n)
{
    int64_t best = v[0], bestc = 0;
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && v[j] == v[i]) j++;
        if (j - i > bestc) { bestc = j - i; best = v[i]; }
        i = j;
    }
    return best;
}

/* Infer the grid of series s from its rows (sorted by time, no duplicates).  work holds
 * at least nrows values. */
static regia_status_t infer_grid(fc_t *f, int64_t s, const row_t *r, int64_t *work)
{
    series_t *se = &f->ser[s];
    const int64_t n = se->nrows;
    se->t0 = r[0].t;
    se->step = 0;
    se->monthly = se->eom = 0;
    se->len = 1;
    if (n == 1) return REGIA_OK;
    for (int64_t i = 0; i + 1 < n; i++) work[i] = r[i + 1].t - r[i].t;
    qsort(work, (size_t)(n - 1), sizeof *work, cmp_i64);
    int64_t step = mode_sorted(work, n - 1), bad = -1;
    for (int64_t i = 1; i < n && bad < 0; i++)
        if ((r[i].t - r[0].t) % step != 0) bad = i;
    if (bad < 0) {
        int64_t len = (r[n - 1].t - r[0].t) / step + 1;
        se->step = step;
        if (len > MAX_GRID) goto too_long;
        se->len = (int32_t)len;
        return REGIA_OK;
    }
    /* not a fixed step in seconds: calendar months (same day of month, or month ends)? */
    {
        int d0, last0, same_day = 1, all_last = 1;
        int64_t sod0, mi0 = month_of(r[0].t, &d0, &sod0, &last0), prev = mi0, ok = 1;
        for (int64_t i = 0; i < n && ok; i++) {
            int d, last;
            int64_t sod, mi = month_of(r[i].t, &d, &sod, &last);
            if (sod != sod0) ok = 0;
            same_day &= d == d0;
            all_last &= last;
            if (i > 0) work[i - 1] = mi - prev;
            prev = mi;
        }
        if (ok && ((same_day && d0 <= 28) || all_last)) {
            qsort(work, (size_t)(n - 1), sizeof *work, cmp_i64);
            int64_t k = mode_sorted(work, n - 1), mi1 = mi0;
            for (int64_t i = 1; i < n && ok; i++) {
                int d, last;
                int64_t sod;
                mi1 = month_of(r[i].t, &d, &sod, &last);
                if (k <= 0 || (mi1 - mi0) % k != 0) ok = 0;
            }
            if (ok) {
                se->monthly = 1;
                se->eom = !(same_day && d0 <= 28);
                se->step = k;
                int64_t len = (mi1 - mi0) / k + 1;
                if (len > MAX_GRID) goto too_long;
                se->len = (int32_t)len;
                return REGIA_OK;
            }
        }
    }
    {
        char ts[32], t0s[32], sts[32];
        regia_format_datetime(r[bad].t, ts, sizeof ts);
        regia_format_datetime(r[0].t, t0s, sizeof t0s);
        fmt_step(step, sts, sizeof sts);
        return REGIA_FAIL(REGIA_ERR_PARSE,
                          "%s: line %lld: irregular time %s in series '%s': not on the grid of the series' step "
                          "(%s, its most common interval) from its first time %s (line %lld); give a regular "
                          "series (missing times may be left out or given as empty values) or aggregate it to "
                          "a regular step", f->input, (long long)r[bad].line, ts, f->id[s], sts, t0s,
                          (long long)r[0].line);
    }
too_long:
    return REGIA_FAIL(REGIA_ERR_INVALID,
                      "%s: series '%s' (lines %lld and %lld) spans more than %d steps of its grid from its first "
                      "to its last time; check the times, or aggregate the series to a coarser step", f->input,
                      f->id[s], (long long)r[0].line, (long long)r[n - 1].line, MAX_GRID);
}

static regia_status_t build_time_axis(fc_t *f);

/* The seasonal period of series s (global index; its reader season `col`, 0 = none). */
static int season_of(const fc_t *f, int64_t s, int32_t col)
{
    for (int i = 0; i < f->n_table; i++)
        if (!strcmp(f->table_id[i], f->id[s])) return f->table_m[i];
    return col > 0 ? col : f->season;
}

/* Collective: each rank infers the grids of its own series from the rows the reader
 * routed to it, the grids are gathered (every rank then builds the same time axis), and
 * each rank lays its values on their grids. */
static regia_status_t fc_read(regia_run_t *run, void *self)
{
    fc_t *f = self;
    regia_status_t st = REGIA_OK;
    const regia_series_t *sr = &f->sr;
    int64_t *work = NULL;
    f->s0 = run->i0;
    f->ns = run->ni;
    if (f->s0 != sr->s0 || f->ns != sr->ns)
        st = REGIA_FAIL(REGIA_ERR_INVALID, "internal error: the reader's series block %lld+%lld differs from the "
                        "partition %lld+%lld", (long long)sr->s0, (long long)sr->ns, (long long)f->s0,
                        (long long)f->ns);
    f->ser = calloc((size_t)f->n_series + 1, sizeof *f->ser);
    f->m_of = calloc((size_t)f->ns + 1, sizeof *f->m_of);
    int64_t maxn = 1;
    for (int64_t k = 0; k < f->ns; k++)
        if (sr->r0[k + 1] - sr->r0[k] > maxn) maxn = sr->r0[k + 1] - sr->r0[k];
    work = malloc(sizeof *work * (size_t)(maxn + 1));
    if (!st && (!f->ser || !f->m_of || !work)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int64_t k = 0; k < f->ns && !st; k++) {
        const int64_t s = f->s0 + k;
        series_t *se = &f->ser[s];
        se->r0 = sr->r0[k];
        se->nrows = (int32_t)(sr->r0[k + 1] - sr->r0[k]);
        if ((st = infer_grid(f, s, sr->row + se->r0, work))) break;
        if ((int64_t)se->len > f->max_steps_per_row * se->nrows + 1000) {
            const row_t *r = sr->row + se->r0;
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: series '%s' (lines %lld .. %lld) has %d rows but spans %d steps of "
                            "its grid: more than %lld steps per row (+1000); check its times (one far from the "
                            "others?), or raise max_steps_per_row", f->input, f->id[s], (long long)r[0].line,
                            (long long)r[se->nrows - 1].line, se->nrows, se->len, (long long)f->max_steps_per_row);
            break;
        }
        f->m_of[k] = season_of(f, s, sr->season ? sr->season[k] : 0);
        if (f->m_of[k] == 0) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: series '%s' has no seasonal period: its season column cell is "
                            "empty and there is no --season (or [forecast] seasons entry)", f->input, f->id[s]);
            break;
        }
    }
    if ((st = regia_run_agree(run, st))) goto err;
    REGIA_TRY(regia_run_allgather_items(run, f->ser, sizeof *f->ser));
    f->t_min = INT64_MAX;
    f->t_max = INT64_MIN;
    for (int64_t s = 0; s < f->n_series; s++) {
        const series_t *se = &f->ser[s];
        if (se->len > f->max_len) f->max_len = se->len;
        f->n_gaps += se->len - se->nrows;
        if (se->t0 < f->t_min) f->t_min = se->t0;
        int64_t last = fc_grid_time(se, se->len - 1);
        if (last > f->t_max) f->t_max = last;
    }
    st = build_time_axis(f);
    f->off = malloc(sizeof *f->off * (size_t)(f->ns + 1));
    if (!st && !f->off) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (st) goto err;
    f->off[0] = 0;
    for (int64_t k = 0; k < f->ns; k++) f->off[k + 1] = f->off[k] + f->ser[f->s0 + k].len;
    f->y = malloc(sizeof *f->y * (size_t)(f->off[f->ns] + 1));
    if (!f->y) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld values", (long long)f->off[f->ns]);
        goto err;
    }
    for (int64_t i = 0; i < f->off[f->ns]; i++) f->y[i] = NAN;
    for (int64_t k = 0; k < f->ns; k++) {
        const series_t *se = &f->ser[f->s0 + k];
        for (int64_t i = 0; i < se->nrows; i++) {
            const row_t *r = &sr->row[se->r0 + i];
            f->y[f->off[k] + grid_index(se, r->t)] = r->v;
        }
    }
err:
    free(work);
    return st;
}

/* The output's time axis: the sorted union of the grid times of all series and of their
 * forecast steps (every rank computes the same), so that observed, forecast and the
 * bounds share one time coordinate.  Series on one step and phase share it; for the others
 * it is their union, and a variable is NaN where a series has no grid or forecast time.  Built from intervals, not
 * by listing every series' times: series of one fixed step and phase cover [first, last]
 * of one grid, so the union is the merged intervals of each such family (O(N log N + T)
 * for N series and T times); calendar-month series are listed one by one. */
typedef struct {
    int64_t step, phase, a, b; /* a grid step s, t0 mod s, and an interval [a, b] on it */
} span_t;

static int cmp_span(const void *x, const void *y)
{
    const span_t *p = x, *q = y;
    if (p->step != q->step) return p->step < q->step ? -1 : 1;
    if (p->phase != q->phase) return p->phase < q->phase ? -1 : 1;
    return (p->a > q->a) - (p->a < q->a);
}

static regia_status_t build_time_axis(fc_t *f)
{
    regia_status_t st = REGIA_OK;
    const int64_t N = f->n_series;
    span_t *sp = malloc(sizeof *sp * (size_t)(N + 1));
    int64_t n_sp = 0, n_month = 0;
    if (!sp) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld series", (long long)N);
    for (int64_t s = 0; s < N; s++) {
        const series_t *se = &f->ser[s];
        if (se->monthly) { n_month += se->len + f->horizon; continue; }
        int64_t step = se->step ? se->step : 1;
        sp[n_sp++] = (span_t){step, regia_floordiv(se->t0, step) * step - se->t0, se->t0,
                              fc_grid_time(se, se->len - 1 + (se->step ? f->horizon : 0))};
    }
    qsort(sp, (size_t)n_sp, sizeof *sp, cmp_span);
    /* merge the intervals of each family, count the times */
    int64_t m = 0;
    double total = (double)n_month;
    for (int64_t i = 0; i < n_sp; i++) {
        if (m > 0 && sp[m - 1].step == sp[i].step && sp[m - 1].phase == sp[i].phase && sp[i].a <= sp[m - 1].b + sp[i].step) {
            if (sp[i].b > sp[m - 1].b) sp[m - 1].b = sp[i].b;
        } else {
            sp[m++] = sp[i];
        }
    }
    for (int64_t i = 0; i < m; i++) total += (double)((sp[i].b - sp[i].a) / sp[i].step + 1);
    if (total > MAX_TIMES || total * (double)N > f->max_cells) {
        st = REGIA_FAIL(REGIA_ERR_INVALID,
                        "%s: the time grids of the %lld series do not line up: their union has %.0f time stamps, "
                        "%.3g cells of the output's observed(time, series) array (at most %.3g: [forecast] "
                        "max_observed_cells); give series on a common step and phase (e.g. all daily at 00:00), "
                        "or split the file", f->input, (long long)N, total, total * (double)N, f->max_cells);
        goto err;
    }
    f->times = malloc(sizeof *f->times * (size_t)(total + 1));
    if (!f->times) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %.0f time stamps", total); goto err; }
    int64_t n = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t t = sp[i].a; t <= sp[i].b; t += sp[i].step) f->times[n++] = t;
    for (int64_t s = 0; s < N; s++)
        if (f->ser[s].monthly)
            for (int64_t i = 0; i < f->ser[s].len + f->horizon; i++) f->times[n++] = fc_grid_time(&f->ser[s], i);
    if (m > 1 || n_month > 0) { /* one family is already sorted and unique */
        qsort(f->times, (size_t)n, sizeof *f->times, cmp_i64);
        int64_t u = 0;
        for (int64_t i = 0; i < n; i++)
            if (u == 0 || f->times[i] != f->times[u - 1]) f->times[u++] = f->times[i];
        n = u;
    }
    f->n_times = n;
err:
    free(sp);
    return st;
}

/* Collective (standard input only): rank 0 copies standard input to a file beside the
 * output, which every rank then reads. */
static regia_status_t copy_stdin(regia_run_t *run, fc_t *f)
{
    regia_status_t st = REGIA_OK;
    snprintf(f->stdin_copy, sizeof f->stdin_copy, "%s.stdin.csv", run->tmp_path);
    if (run->ctx->rank == 0) {
        FILE *o = fopen(f->stdin_copy, "wb");
        if (!o) st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create (copy of standard input): %s", f->stdin_copy,
                                strerror(errno));
        char buf[1 << 16];
        size_t n;
        while (!st && (n = fread(buf, 1, sizeof buf, stdin)) > 0)
            if (fwrite(buf, 1, n, o) != n) st = REGIA_FAIL(REGIA_ERR_IO, "%s: write failed: %s", f->stdin_copy, strerror(errno));
        if (o && fclose(o) != 0 && !st) st = REGIA_FAIL(REGIA_ERR_IO, "%s: write failed: %s", f->stdin_copy, strerror(errno));
    }
    return regia_run_agree(run, st);
}

/* Collective: the byte-range reader (io/series_csv.c) builds the global index. */
static regia_status_t fc_index(regia_run_t *run, void *self)
{
    fc_t *f = self;
    regia_status_t st = REGIA_OK;
    if (!strcmp(f->input, "-")) {
        REGIA_TRY(copy_stdin(run, f));
        f->input = f->stdin_copy;
        run->input = f->input;
        run->input_role = "series (standard input)";
    }
    /* each rank parses its byte range; rows go to the rank that owns their series */
    REGIA_TRY(regia_run_series_read(run, f->input, &f->ropt, &f->sr));
    snprintf(f->sha, sizeof f->sha, "%s", f->sr.sha);
    snprintf(run->input_sha, sizeof run->input_sha, "%s", f->sr.sha);
    f->n_series = f->sr.n_series;
    f->n_rows = f->sr.n_rows;
    f->n_missing = f->sr.n_missing;
    f->id = f->sr.id;
    f->idlen = f->sr.idlen;
    /* the reader's partition (by rows) is the skeleton's: the same costs and rule */
    run->n_items = f->n_series;
    run->cost = malloc(sizeof(double) * (size_t)(f->n_series + 1));
    if (!run->cost) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int64_t s = 0; s < f->n_series; s++) run->cost[s] = (double)f->sr.count[s];
err:
    return st;
}

/* ---- compute --------------------------------------------------------------------------- */

/* Local: the results of the shard; the info line (after the backend is open). */
static regia_status_t fc_prepare(regia_run_t *run, void *self)
{
    fc_t *f = self;
    const int64_t ns = f->ns;
    const int H = f->horizon, L = f->n_levels;
    f->be = &run->be;
    f->fit = calloc((size_t)ns + 1, sizeof *f->fit);
    f->mean = malloc(sizeof(double) * (size_t)(ns * H + 1));
    f->var = malloc(sizeof(double) * (size_t)(ns * H + 1));
    f->lo = malloc(sizeof(double) * (size_t)(ns * L * H + 1));
    f->up = malloc(sizeof(double) * (size_t)(ns * L * H + 1));
    f->lambda = malloc(sizeof(double) * (size_t)(ns + 1));
    for (int64_t k = 0; f->lambda && k < ns; k++) f->lambda[k] = NAN;
    if (!f->fit || !f->mean || !f->var || !f->lo || !f->up || !f->lambda)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld series x %d steps", (long long)ns, H);
    regia_status_t st = fc_bt_prepare(f);
    if (st) return st;
    char lo[32], hi[32];
    regia_format_datetime(f->t_min, lo, sizeof lo);
    regia_format_datetime(f->t_max, hi, sizeof hi);
    regia_info(&run->ctx->log, "input %s: %lld series, %lld rows (%lld missing values, %lld absent times), %s .. %s; "
               "%d rank%s, backend %s; season %d, horizon %d, model %s", f->input, (long long)f->n_series,
               (long long)f->n_rows, (long long)f->n_missing, (long long)f->n_gaps, lo, hi, run->ctx->size,
               run->ctx->size == 1 ? "" : "s", run->backend_desc, f->season, f->horizon, f->model_code);
    return REGIA_OK;
}

static int fc_result_arrays(void *self, regia_item_array_t *a)
{
    fc_t *f = self;
    const size_t d = sizeof(double), H = (size_t)f->horizon, LH = (size_t)f->n_levels * H;
    regia_item_array_t r[6] = {{(void **)&f->fit, sizeof(regia_ets_fit_t)}, {(void **)&f->mean, d * H},
                               {(void **)&f->var, d * H}, {(void **)&f->lo, d * LH}, {(void **)&f->up, d * LH},
                               {(void **)&f->lambda, d}};
    memcpy(a, r, sizeof r);
    return 6 + fc_bt_result_arrays(f, a + 6);
}

/* Local: series [k0, k0 + n) of the shard on their first len - cut steps (forecast_impl.h),
 * one kernel call per seasonal period among them (one call in all when the series share
 * it); the backend spreads a call over its lanes, threads or device. */
regia_status_t fc_fit_range(fc_t *f, int64_t k0, int64_t n, int64_t cut, regia_ets_fit_t *ofit, double *omean,
                            double *ovar, double *olo, double *oup)
{
    regia_status_t st = REGIA_OK;
    const int H = f->horizon, L = f->n_levels;
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)(n + 1));
    int32_t *len = malloc(sizeof(int32_t) * (size_t)(n + 1));
    regia_ets_fit_t *fit = malloc(sizeof *fit * (size_t)(n + 1));
    double *mean = malloc(sizeof(double) * (size_t)(n * H + 1)), *var = malloc(sizeof(double) * (size_t)(n * H + 1));
    double *lo = malloc(sizeof(double) * (size_t)(n * L * H + 1)), *up = malloc(sizeof(double) * (size_t)(n * L * H + 1));
    double *yb = NULL, *state = NULL, *lam = malloc(sizeof(double) * (size_t)(n + 1));
    unsigned char *done = calloc((size_t)n + 1, 1);
    if (!idx || !len || !fit || !mean || !var || !lo || !up || !done || !lam) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld series", (long long)n);
        goto err;
    }
    for (int64_t i = 0; i < n; i++) {
        if (f->ser[f->s0 + k0 + i].len - cut >= 1) continue;
        done[i] = 1; /* nothing left to fit on */
        memset(&ofit[i], 0, sizeof ofit[i]);
        ofit[i].alpha = ofit[i].beta = ofit[i].gamma = ofit[i].phi = ofit[i].l0 = ofit[i].b0 = NAN;
        ofit[i].sigma2 = ofit[i].loglik = ofit[i].aic = ofit[i].aicc = ofit[i].bic = ofit[i].mse = NAN;
        for (int j = 0; j < H; j++) omean[i * H + j] = ovar[i * H + j] = NAN;
        for (int j = 0; j < L * H; j++) olo[i * L * H + j] = oup[i * L * H + j] = NAN;
    }
    for (int64_t first = 0; first < n && !st; first++) {
        if (done[first]) continue;
        const int m = f->m_of[k0 + first], SS = 2 + m;
        int64_t g = 0;
        int32_t stride = 1;
        for (int64_t i = first; i < n; i++)
            if (!done[i] && f->m_of[k0 + i] == m) {
                done[i] = 1;
                idx[g] = k0 + i;
                len[g] = (int32_t)(f->ser[f->s0 + k0 + i].len - cut);
                if (len[g] > stride) stride = len[g];
                g++;
            }
        free(yb);
        free(state);
        yb = malloc(sizeof(double) * (size_t)g * (size_t)stride);
        state = malloc(sizeof(double) * (size_t)g * (size_t)SS);
        if (!yb || !state) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld series", (long long)g); break; }
        for (int64_t i = 0; i < g; i++) {
            memcpy(yb + (size_t)i * stride, f->y + f->off[idx[i]], sizeof(double) * (size_t)len[i]);
            for (int32_t t = len[i]; t < stride; t++) yb[(size_t)i * stride + t] = NAN;
        }
        regia_ets_spec_t spec = regia_ets_default_spec(m);
        if ((st = regia_ets_parse_model(f->model_code, &spec))) break;
        regia_ets_batch_t in = {.n_series = (int)g, .stride = stride, .y = yb, .len = len, .horizon = H,
                                .n_levels = L, .levels = f->levels, .spec = spec};
        regia_ets_out_t out = {fit, mean, var, lo, up, state, SS};
        if ((st = regia_ets_boxcox(f->be, &in, &out, &f->bc, lam, NULL))) {
            regia_error_prefix("series '%s' .. '%s' (season %d): ", f->id[f->s0 + idx[0]], f->id[f->s0 + idx[g - 1]], m);
            break;
        }
        for (int64_t i = 0; i < g; i++) {
            const int64_t k = idx[i] - k0;
            ofit[k] = fit[i];
            if (cut == 0) f->lambda[idx[i]] = lam[i];
            memcpy(omean + k * H, mean + i * H, sizeof(double) * (size_t)H);
            memcpy(ovar + k * H, var + i * H, sizeof(double) * (size_t)H);
            memcpy(olo + k * L * H, lo + i * L * H, sizeof(double) * (size_t)(L * H));
            memcpy(oup + k * L * H, up + i * L * H, sizeof(double) * (size_t)(L * H));
        }
    }
err:
    free(lam);
    free(done);
    free(idx);
    free(len);
    free(fit);
    free(mean);
    free(var);
    free(lo);
    free(up);
    free(yb);
    free(state);
    return st;
}

/* Local: series [k0, k0 + n) of the shard: the forecasts, then the backtest's refits. */
static regia_status_t fc_compute(regia_run_t *run, void *self, int64_t k0, int64_t n)
{
    (void)run;
    fc_t *f = self;
    regia_status_t st = REGIA_OK;
    const int H = f->horizon, L = f->n_levels;
    REGIA_TRY(fc_fit_range(f, k0, n, 0, f->fit + k0, f->mean + k0 * H, f->var + k0 * H, f->lo + k0 * L * H,
                           f->up + k0 * L * H));
    if (f->n_windows > 0) REGIA_TRY(fc_bt_compute(f, k0, n));
err:
    return st;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

regia_status_t fc_def_var(int ncid, const char *name, nc_type type, int nd, const int *dims,
                              const size_t *chunk, const char *long_name, const char *units, int *vid)
{
    regia_status_t st = REGIA_OK;
    REGIA_TRY(regia_nc_def_data(ncid, name, type, nd, dims, chunk, vid));
    if (long_name) ATT(*vid, "long_name", long_name);
    if (units) ATT(*vid, "units", units);
err:
    return st;
}

static int model_index(regia_ets_model_t m)
{
    return (((m.error - 1) * 3 + m.trend) * 2 + (m.damped && m.trend ? 1 : 0)) * 3 + m.season;
}

/* The ACDD attributes (the skeleton writes them with the provenance attributes). */
static void fc_acdd(regia_run_t *run, void *self, void *acdd)
{
    fc_t *f = self;
    regia_acdd_t *out = acdd;
    static _Thread_local char text[8192], id[1024], t0[32], t1[32], res[64];
    snprintf(text, sizeof text,
             "Point forecasts and prediction intervals for %d steps after the last time of each of %lld series "
             "from %s, with exponential smoothing state-space (ETS) models fitted by maximum likelihood "
             "(model %s, seasonal period %d steps; automatic choice by AICc).  The observed series on their "
             "regular grids are included.", f->horizon, (long long)f->n_series, regia_file_name(f->input), f->model_code,
             f->season);
    {
        const char *b = strrchr(f->output, '/');
        b = b ? b + 1 : f->output;
        size_t n = strlen(b);
        if (n > 3 && !strcmp(b + n - 3, ".nc")) n -= 3;
        snprintf(id, sizeof id, "%.*s", (int)n, b);
    }
    regia_format_datetime(f->t_min, t0, sizeof t0);
    int64_t tend = f->t_max;
    for (int64_t s = 0; s < f->n_series; s++) {
        int64_t t = fc_grid_time(&f->ser[s], f->ser[s].len - 1 + (f->ser[s].step ? f->horizon : 0));
        if (t > tend) tend = t;
    }
    regia_format_datetime(tend, t1, sizeof t1);
    /* resolution: the series' common step, if they have one (none when the steps differ) */
    const char *resolution = NULL;
    {
        int64_t step = 0;
        int monthly = 0, mixed = 0;
        for (int64_t s = 0; s < f->n_series && !mixed; s++) {
            const series_t *se = &f->ser[s];
            if (!se->step) continue;
            if (!step) { step = se->step; monthly = se->monthly; }
            else if (se->step != step || se->monthly != monthly) mixed = 1;
        }
        if (step && !mixed) {
            if (monthly) snprintf(res, sizeof res, "P%lldM", (long long)step);
            else regia_acdd_duration(step, res, sizeof res);
            resolution = res;
        }
    }
    regia_acdd_t a = {
        .title = "ETS forecasts with prediction intervals",
        .summary = text,
        .keywords = "forecast, exponential smoothing, ETS, prediction interval, time series",
        .id = out->id ? out->id : id,
        .source = "regia forecast; ETS state-space models (Hyndman et al. 2008) fitted by maximum likelihood",
        .processing_level = "model output: ETS forecasts and prediction intervals of the input series, with the "
                            "input values; the fitted model parameters are in the model file (model_file)",
        .comment = "The input CSV (series_id,time,value) states neither the quantity nor its units: forecast, "
                   "lower, upper and observed are in the units of the input values and have no units or "
                   "standard_name attribute. The file has no geographic location. time_coverage_end is the last "
                   "forecast step on the time axis, after the last observed time.",
        .license = "Same terms as the input data",
        .acknowledgement = "Computed with regia (ETS models as in R's forecast package).",
        .references = "Hyndman, Koehler, Ord and Snyder (2008), Forecasting with Exponential Smoothing: the State "
                      "Space Approach, Springer",
        .feature_type = "timeSeries",
        .cdm_data_type = "Station",
        .date_created = out->date_created,
        .history = out->history,
        .time_start = t0,
        .time_end = t1,
        .duration_s = tend - f->t_min,
        .time_resolution = resolution,
    };
    *out = a;
}

/* The domain's own global attributes. */
static regia_status_t fc_global_atts(fc_t *f, int ncid)
{
    regia_status_t st = REGIA_OK;
    ATT(NC_GLOBAL, "command_line", f->cmdline);
    ATT(NC_GLOBAL, "ets_model", f->model_code);
    ATT(NC_GLOBAL, "model_file", regia_file_name(f->model_path));
    if (f->season) REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "seasonal_period", NC_INT, 1, &f->season));
    REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "horizon", NC_INT, 1, &f->horizon));
err:
    return st;
}

/* Collective, define mode: dimensions, variables and the domain's attributes.
 *
 * Layout (docs/forecast.md): one time axis (every grid time and forecast step of every
 * series) is the first dimension of observed, forecast, lower, upper and fitted, so that
 * a series selected by name (series_id is a coordinate) plots against the date and cdo
 * reads the variables; interval(interval) holds the interval levels (not CF's vertical
 * `level`); the ETS internals (model code, parameters, likelihood) and the backtest's
 * per-window arrays are in the model file (forecast_model.c), named by the global
 * attribute model_file. */
static regia_status_t fc_define(regia_run_t *run, void *self, int ncid)
{
    fc_t *f = self;
    regia_status_t st = REGIA_OK;
    const int64_t N = f->n_series, T = f->n_times;
    const int L = f->n_levels;
    int d_s, d_l, d_str, d_t;
    (void)run;
    REGIA_NC(nc_def_dim(ncid, "time", (size_t)T, &d_t));
    REGIA_NC(nc_def_dim(ncid, "series", (size_t)N, &d_s));
    REGIA_NC(nc_def_dim(ncid, "interval", (size_t)L, &d_l));
    REGIA_NC(nc_def_dim(ncid, "series_strlen", (size_t)f->idlen, &d_str));
    int v_id, v_lev, v_time, v_fc, v_lo, v_up, v_obs, v_step, v_stepm, v_nobs;
    int dsid[2] = {d_s, d_str}, dts[2] = {d_t, d_s}, dtls[3] = {d_t, d_l, d_s};
    const size_t tc = (size_t)(T < (1 << 16) ? T : (1 << 16));
    size_t c_ts[2] = {tc, 1}, c_tls[3] = {tc, (size_t)L, 1};
    const char *tunits = "seconds since 1970-01-01 00:00:00";
    REGIA_TRY(fc_def_var(ncid, "series_id", NC_CHAR, 2, dsid, NULL, "series identifier (series_id column of the input)",
                      NULL, &v_id));
    ATT(v_id, "cf_role", "timeseries_id");
    ATT(v_id, "_Encoding", "utf-8"); /* xarray, netCDF4: read as strings, so ds.sel(series_id=NAME) works */
    ATT(v_id, "coverage_content_type", "auxiliaryInformation");
    REGIA_TRY(fc_def_var(ncid, "interval", NC_DOUBLE, 1, &d_l, NULL, "nominal coverage of the prediction interval",
                      "percent", &v_lev));
    REGIA_NC(nc_del_att(ncid, v_lev, "_FillValue")); /* coordinate variables have no missing values */
    ATT(v_lev, "coverage_content_type", "coordinate");
    REGIA_TRY(fc_def_var(ncid, "time", NC_DOUBLE, 1, &d_t, NULL,
                      "time: every grid time and forecast step of every series", tunits, &v_time));
    REGIA_NC(nc_del_att(ncid, v_time, "_FillValue"));
    ATT(v_time, "standard_name", "time");
    ATT(v_time, "calendar", "standard");
    ATT(v_time, "axis", "T");
    ATT(v_time, "coverage_content_type", "coordinate");
    REGIA_TRY(fc_def_var(ncid, "forecast", NC_DOUBLE, 2, dts, c_ts, "ETS point forecast (mean of the forecast "
                      "distribution) at the forecast steps of the series (NaN at other times)", NULL, &v_fc));
    ATT(v_fc, "coordinates", "series_id");
    ATT(v_fc, "comment", "in the units of the input values; the forecast steps are the horizon grid times after the "
                         "last time of the series");
    ATT(v_fc, "coverage_content_type", "modelResult");
    REGIA_TRY(fc_def_var(ncid, "lower", NC_DOUBLE, 3, dtls, c_tls, "lower bound of the prediction interval", NULL, &v_lo));
    ATT(v_lo, "coordinates", "series_id");
    ATT(v_lo, "comment", "in the units of the input values");
    ATT(v_lo, "coverage_content_type", "modelResult");
    REGIA_TRY(fc_def_var(ncid, "upper", NC_DOUBLE, 3, dtls, c_tls, "upper bound of the prediction interval", NULL, &v_up));
    ATT(v_up, "coordinates", "series_id");
    ATT(v_up, "comment", "in the units of the input values");
    ATT(v_up, "coverage_content_type", "modelResult");
    REGIA_TRY(fc_def_var(ncid, "boxcox_lambda", NC_DOUBLE, 1, &d_s, NULL,
                         "Box-Cox parameter lambda of the transformed series the ETS model was fitted on (1: "
                         "untransformed, 0: log)", "1", &f->v_lam));
    ATT(f->v_lam, "coordinates", "series_id");
    ATT(f->v_lam, "coverage_content_type", "auxiliaryInformation");
    {
        char rule[64];
        regia_boxcox_rule_text(&f->bc, rule, sizeof rule);
        ATT(f->v_lam, "transform_rule", rule);
        int ba = f->bc.biasadj;
        REGIA_NC(nc_put_att_int(ncid, f->v_lam, "biasadj", NC_INT, 1, &ba));
        ATT(f->v_lam, "comment", "lambda != 1: the model parameters are those of the transformed series; forecast is "
                                 "the back-transformed mean (bias-adjusted as R's forecast biasadj = TRUE when biasadj "
                                 "is 1, else the median), lower and upper the back-transformed bounds, not below 0 "
                                 "for series without negative values");
    }
    REGIA_TRY(fc_def_var(ncid, "n_obs", NC_INT, 1, &d_s, NULL, "non-missing observations the model was fitted on",
                      "1", &v_nobs));
    ATT(v_nobs, "coordinates", "series_id");
    ATT(v_nobs, "coverage_content_type", "auxiliaryInformation");
    REGIA_TRY(fc_def_var(ncid, "step", NC_DOUBLE, 1, &d_s, NULL,
                      "time step of the series (NaN: calendar months, see step_months, or a single time)", "s",
                      &v_step));
    ATT(v_step, "coordinates", "series_id");
    ATT(v_step, "coverage_content_type", "auxiliaryInformation");
    REGIA_TRY(fc_def_var(ncid, "season", NC_INT, 1, &d_s, NULL,
                      "seasonal period the model of the series was fitted with (time steps; 1: none)", "1",
                      &f->v_season));
    ATT(f->v_season, "coordinates", "series_id");
    ATT(f->v_season, "coverage_content_type", "auxiliaryInformation");
    REGIA_TRY(fc_def_var(ncid, "step_months", NC_INT, 1, &d_s, NULL,
                      "time step of the series in calendar months (0: fixed step in seconds, see step)", "1",
                      &v_stepm));
    ATT(v_stepm, "coordinates", "series_id");
    ATT(v_stepm, "coverage_content_type", "auxiliaryInformation");
    REGIA_TRY(fc_def_var(ncid, "observed", NC_DOUBLE, 2, dts, c_ts,
                      "observed value (NaN: missing, or not a grid time of the series)", NULL, &v_obs));
    ATT(v_obs, "coordinates", "series_id");
    ATT(v_obs, "comment", "in the units of the input values");
    ATT(v_obs, "coverage_content_type", "physicalMeasurement");
    if (f->want_fitted) {
        REGIA_TRY(fc_def_var(ncid, "fitted", NC_DOUBLE, 2, dts, c_ts, "one-step-ahead in-sample forecast of the "
                             "observed value by the fitted model (NaN: not a grid time of the series, or no model)",
                             NULL, &f->v_fitted));
        ATT(f->v_fitted, "coordinates", "series_id");
        ATT(f->v_fitted, "comment", "in the units of the input values; residual = observed - fitted");
        ATT(f->v_fitted, "coverage_content_type", "modelResult");
    }
    if (f->n_windows > 0) REGIA_TRY(fc_bt_define(f, ncid, 0, d_s, d_l, -1));
    REGIA_TRY(fc_global_atts(f, ncid));
    f->v_id = v_id; f->v_lev = v_lev; f->v_time = v_time; f->v_fc = v_fc; f->v_lo = v_lo; f->v_up = v_up;
    f->v_obs = v_obs; f->v_step = v_step; f->v_stepm = v_stepm;
    f->v_nobs = v_nobs;
err:
    return st;
}

static regia_status_t fc_put_forecast(regia_run_t *run, fc_t *f, int ncid, int vid, int per, const double *vals);

/* Collective, data mode: rank 0 writes the coordinates, every rank its series' rows. */
static regia_status_t fc_write(regia_run_t *run, void *self, int ncid)
{
    fc_t *f = self;
    regia_status_t st = REGIA_OK;
    const int64_t ns = f->ns, T = f->n_times;
    const int L = f->n_levels;
    const int v_id = f->v_id, v_lev = f->v_lev, v_time = f->v_time;
    const int v_step = f->v_step, v_stepm = f->v_stepm, v_nobs = f->v_nobs;
    double *f64 = malloc(sizeof(double) * (size_t)(ns + T + 1));
    char *chr = calloc((size_t)(ns + 1), (size_t)(f->idlen > MODEL_LEN ? f->idlen : MODEL_LEN));
    int *i32 = malloc(sizeof(int) * (size_t)(ns + 1));
    if (!f64 || !chr || !i32) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output");
    if ((st = regia_run_agree(run, st))) goto err;
    /* interval and time: rank 0 writes, the others take part with empty writes */
    {
        size_t z = 0, cnt = run->ctx->rank == 0 ? (size_t)L : 0;
        REGIA_NC(nc_var_par_access(ncid, v_lev, NC_COLLECTIVE));
        st = regia_run_agree_io(run, nc_put_vara_double(ncid, v_lev, &z, &cnt, f->levels) == NC_NOERR ? REGIA_OK
                                 : REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable 'interval'"));
        if (st) goto err;
        for (int64_t i = 0; i < T; i++) f64[i] = (double)f->times[i];
        cnt = run->ctx->rank == 0 ? (size_t)T : 0;
        REGIA_NC(nc_var_par_access(ncid, v_time, NC_COLLECTIVE));
        st = regia_run_agree_io(run, nc_put_vara_double(ncid, v_time, &z, &cnt, f64) == NC_NOERR ? REGIA_OK
                                 : REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable 'time'"));
        if (st) goto err;
    }
    size_t in_id[1] = {(size_t)f->idlen};
    for (int64_t k = 0; k < ns; k++) strncpy(chr + k * f->idlen, f->id[f->s0 + k], (size_t)f->idlen);
    REGIA_TRY(regia_run_put_rows(run, ncid, v_id, 2, f->s0, ns, in_id, NC_CHAR, chr));
    REGIA_TRY(fc_put_forecast(run, f, ncid, f->v_fc, 1, f->mean));
    REGIA_TRY(fc_put_forecast(run, f, ncid, f->v_lo, L, f->lo));
    REGIA_TRY(fc_put_forecast(run, f, ncid, f->v_up, L, f->up));
    REGIA_TRY(regia_run_put_rows(run, ncid, f->v_lam, 1, f->s0, ns, NULL, NC_DOUBLE, f->lambda));
    for (int64_t k = 0; k < ns; k++) i32[k] = f->fit[k].n_obs;
    REGIA_TRY(regia_run_put_rows(run, ncid, v_nobs, 1, f->s0, ns, NULL, NC_INT, i32));
    for (int64_t k = 0; k < ns; k++) i32[k] = f->m_of[k];
    REGIA_TRY(regia_run_put_rows(run, ncid, f->v_season, 1, f->s0, ns, NULL, NC_INT, i32));
    for (int64_t k = 0; k < ns; k++) {
        const series_t *se = &f->ser[f->s0 + k];
        f64[k] = se->step && !se->monthly ? (double)se->step : NAN;
        i32[k] = se->monthly ? (int)se->step : 0;
    }
    REGIA_TRY(regia_run_put_rows(run, ncid, v_step, 1, f->s0, ns, NULL, NC_DOUBLE, f64));
    REGIA_TRY(regia_run_put_rows(run, ncid, v_stepm, 1, f->s0, ns, NULL, NC_INT, i32));
    REGIA_TRY(fc_put_on_axis(run, f, ncid, f->v_obs, f->y));
    if (f->want_fitted) REGIA_TRY(fc_put_on_axis(run, f, ncid, f->v_fitted, f->fitted));
    if (f->n_windows > 0) REGIA_TRY(fc_bt_write(run, f, ncid, 0));
err:
    free(f64);
    free(chr);
    free(i32);
    return st;
}

/* Collective, data mode: columns [k0, k0 + n) of the shard (buf: T x per x n values, time
 * first) into vid(time, [per,] series). */
static regia_status_t put_cols(regia_run_t *run, fc_t *f, int ncid, int vid, int per, int64_t k0, int64_t n,
                               const double *buf)
{
    size_t start[3] = {0, 0, (size_t)(f->s0 + k0)}, count[3] = {(size_t)f->n_times, (size_t)per, (size_t)n};
    if (per == 1) { start[1] = start[2]; count[1] = count[2]; }
    if (n == 0) count[0] = count[1] = count[2] = 0;
    int rc = nc_var_par_access(ncid, vid, NC_COLLECTIVE);
    if (rc == NC_NOERR) rc = nc_put_vara_double(ncid, vid, start, count, buf);
    char name[NC_MAX_NAME + 1] = "?";
    if (rc != NC_NOERR) nc_inq_varname(ncid, vid, name);
    return regia_run_agree_io(run, rc == NC_NOERR ? REGIA_OK
                              : REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable '%s': %s", name, nc_strerror(rc)));
}

/* Pieces of about 4 Mi values: how many shard series a piece of T x per values each holds,
 * and how many rounds every rank makes (the most of any rank). */
static int64_t piece_of(regia_run_t *run, const fc_t *f, int per, long long *rounds)
{
    const int64_t cells = f->n_times * per;
    const int64_t piece = cells >= (1 << 22) ? 1 : (1 << 22) / (cells ? cells : 1);
    *rounds = (f->ns + piece - 1) / piece;
    regia_run_max(run, rounds, 1);
    return piece;
}

/* Position of time t on the output's time axis (t is on it). */
static int64_t axis_pos(const fc_t *f, int64_t t)
{
    int64_t lo = 0, hi = f->n_times - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (f->times[mid] < t) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Collective, data mode (forecast_impl.h): the shard's series onto the time axis. */
regia_status_t fc_put_on_axis(regia_run_t *run, fc_t *f, int ncid, int vid, const double *vals)
{
    regia_status_t st = REGIA_OK;
    const int64_t T = f->n_times;
    long long rounds;
    const int64_t piece = piece_of(run, f, 1, &rounds);
    double *buf = malloc(sizeof(double) * (size_t)(piece * T > 0 ? piece * T : 1));
    if (!buf) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output");
    if ((st = regia_run_agree(run, st))) goto err;
    for (int64_t r = 0; r < rounds; r++) {
        int64_t k0 = r * piece, n = k0 < f->ns ? (f->ns - k0 < piece ? f->ns - k0 : piece) : 0;
        for (int64_t i = 0; i < T * n; i++) buf[i] = NAN;
        for (int64_t k = 0; k < n; k++) {
            const series_t *se = &f->ser[f->s0 + k0 + k];
            const double *y = vals + f->off[k0 + k];
            int64_t j = 0; /* times[] is sorted and holds every grid time */
            for (int64_t i = 0; i < se->len; i++) {
                int64_t t = fc_grid_time(se, i);
                while (f->times[j] < t) j++;
                buf[j * n + k] = y[i];
            }
        }
        REGIA_TRY(put_cols(run, f, ncid, vid, 1, k0, n, buf));
    }
err:
    free(buf);
    return st;
}

/* Collective, data mode: per-step values of the shard's series (vals: ns x per x H, as
 * f->mean or f->lo) at their forecast times of vid(time, [per,] series). */
static regia_status_t fc_put_forecast(regia_run_t *run, fc_t *f, int ncid, int vid, int per, const double *vals)
{
    regia_status_t st = REGIA_OK;
    const int64_t T = f->n_times, H = f->horizon;
    long long rounds;
    const int64_t piece = piece_of(run, f, per, &rounds);
    double *buf = malloc(sizeof(double) * (size_t)(piece * T * per > 0 ? piece * T * per : 1));
    if (!buf) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output");
    if ((st = regia_run_agree(run, st))) goto err;
    for (int64_t r = 0; r < rounds; r++) {
        int64_t k0 = r * piece, n = k0 < f->ns ? (f->ns - k0 < piece ? f->ns - k0 : piece) : 0;
        for (int64_t i = 0; i < T * per * n; i++) buf[i] = NAN;
        for (int64_t k = 0; k < n; k++) {
            const series_t *se = &f->ser[f->s0 + k0 + k];
            if (!se->step) continue; /* a single time: no forecast steps */
            for (int64_t h = 1; h <= H; h++) {
                int64_t j = axis_pos(f, fc_grid_time(se, se->len - 1 + h));
                for (int l = 0; l < per; l++)
                    buf[(j * per + l) * n + k] = vals[((k0 + k) * per + l) * H + h - 1];
            }
        }
        REGIA_TRY(put_cols(run, f, ncid, vid, per, k0, n, buf));
    }
err:
    free(buf);
    return st;
}

#undef ATT

/* ---- reporting ------------------------------------------------------------------------- */

/* Collective.  Warn about series that could not be fitted; log the models chosen. */
static void fc_summary(regia_run_t *run, void *self)
{
    fc_t *f = self;
    regia_ctx_t *ctx = run->ctx;
    double seconds = regia_now() - run->t0;
    long long cnt[N_CODES] = {0}, tot[N_CODES];
    long long nfail = 0, allfail = 0;
    enum { W = 3 }; /* per shown series: global index, observations, any value <= 0 */
    int64_t shown[W * SHOW_FAILED];
    for (int i = 0; i < W * SHOW_FAILED; i++) shown[i] = -1;
    for (int64_t k = 0; k < f->ns; k++) {
        if (f->fit[k].ok) {
            cnt[model_index(f->fit[k].model)]++;
        } else {
            if (nfail < SHOW_FAILED) {
                int nonpos = 0;
                for (int64_t i = f->off[k]; i < f->off[k + 1]; i++) nonpos |= f->y[i] <= 0;
                shown[W * nfail] = f->s0 + k;
                shown[W * nfail + 1] = f->fit[k].n_obs;
                shown[W * nfail + 2] = nonpos;
            }
            nfail++;
        }
    }
    memcpy(tot, cnt, sizeof tot);
    regia_run_sum(run, tot, N_CODES);
    allfail = nfail;
    regia_run_sum(run, &allfail, 1);
    int64_t *all = ctx->rank == 0 ? malloc(sizeof *all * (size_t)(W * SHOW_FAILED * ctx->size)) : NULL;
    regia_run_gather(run, shown, sizeof shown, all);
    if (ctx->rank != 0) return;
    char text[2048];
    size_t n = 0;
    if (allfail > 0) {
        int listed = 0;
        for (int p = 0; all && p < ctx->size && listed < SHOW_FAILED; p++)
            for (int i = 0; i < SHOW_FAILED && listed < SHOW_FAILED; i++) {
                const int64_t *x = all + ((size_t)p * SHOW_FAILED + (size_t)i) * W;
                if (x[0] < 0) continue;
                n += (size_t)snprintf(text + n, sizeof text - n, "%s'%.60s' (%lld observation%s%s)", listed ? ", " : "",
                                      f->id[x[0]], (long long)x[1], x[1] == 1 ? "" : "s", x[2] ? ", some <= 0" : "");
                listed++;
            }
        regia_warn(&ctx->log, "%lld of %lld series could not be fitted (too few observations for the allowed models, "
                   "or values <= 0 where --model asks for a multiplicative one): %s%s; they have an empty model and "
                   "NaN forecasts", allfail, (long long)f->n_series, text, allfail > listed ? ", ..." : "");
    }
    free(all);
    /* models, most common first */
    n = 0;
    text[0] = '\0';
    for (;;) {
        int best = -1;
        for (int i = 0; i < N_CODES; i++)
            if (tot[i] > 0 && (best < 0 || tot[i] > tot[best])) best = i;
        if (best < 0) break;
        regia_ets_model_t m = {(int8_t)(best / 18 + 1), (int8_t)(best / 6 % 3), (int8_t)(best % 3),
                               (int8_t)(best / 3 % 2)};
        char code[5];
        regia_ets_model_code(m, code);
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s %lld", n ? ", " : "", code, tot[best]);
        tot[best] = 0;
    }
    regia_info(&ctx->log, "summary: %lld series, %lld fitted, %lld not fitted; models: %s; %.2f s, %.1f series/s",
               (long long)f->n_series, (long long)f->n_series - allfail, allfail, n ? text : "none", seconds,
               seconds > 0 ? (double)f->n_series / seconds : 0.0);
}

/* Collective.  The summary, then the backtest's figures. */
static void fc_report(regia_run_t *run, void *self)
{
    fc_t *f = self;
    fc_summary(run, self);
    if (f->n_windows > 0) fc_bt_report(run, f);
}

static void fc_release(regia_run_t *run, void *self)
{
    fc_t *f = self;
    if (run->ctx->rank == 0 && f->stdin_copy[0]) unlink(f->stdin_copy);
    regia_series_free(&f->sr);
    for (int i = 0; i < f->n_table; i++) free((char *)f->table_id[i]);
    free(f->table_id);
    free(f->table_m);
    free(f->m_of);
    free(f->times);
    free(f->ser);
    free(f->off);
    free(f->y);
    free(f->fit);
    free(f->mean);
    free(f->lambda);
    free(f->var);
    free(f->lo);
    free(f->up);
    free(f->state);
    free(f->fitted);
    fc_bt_free(f);
}

/* Collective.  Series fitted (for the manifest); a run that fitted none is an error. */
static regia_status_t fc_check(regia_run_t *run, void *self)
{
    fc_t *f = self;
    long long ok = 0;
    for (int64_t k = 0; k < f->ns; k++) ok += f->fit[k].ok;
    regia_run_sum(run, &ok, 1);
    f->n_fitted = ok;
    if (ok == 0)
        return REGIA_FAIL(REGIA_ERR_NUMERIC, "%s: none of the %lld series could be fitted (too few observations for "
                          "the allowed models, or values <= 0 where --model asks for a multiplicative one)",
                          f->input, (long long)f->n_series);
    regia_status_t st = REGIA_OK;
    if (f->want_fitted && (st = fc_fitted_compute(run, f))) return st;
    if (f->n_windows > 0) return fc_bt_check(run, f);
    return REGIA_OK;
}

static void fc_manifest(regia_run_t *run, void *self, regia_manifest_t *m)
{
    fc_t *f = self;
    regia_manifest_str(m, "model", f->model_code);
    regia_manifest_num(m, "season", f->season);
    regia_manifest_num(m, "horizon", f->horizon);
    regia_manifest_num(m, "series", (double)f->n_series);
    regia_manifest_num(m, "series_fitted", (double)f->n_fitted);
    if (f->n_windows > 0) {
        regia_manifest_num(m, "backtest_windows", f->n_windows);
        regia_manifest_num(m, "backtest_series_evaluated", (double)f->bt_counts[FC_BT_OK]);
        if (isfinite(f->bt_overall[0])) regia_manifest_num(m, "backtest_mase", f->bt_overall[0]);
        if (isfinite(f->bt_overall[1])) regia_manifest_num(m, "backtest_smape", f->bt_overall[1]);
    }
}

const regia_domain_t regia_domain_forecast = {
    .name = "forecast",
    .summary = "ETS forecasts with intervals for your own series (CSV)",
    .about = "ETS forecasts with prediction intervals for every series of a CSV file.  One model per\n"
             "series is fitted by maximum likelihood and, with --model auto, chosen by AICc (as R's\n"
             "forecast::ets).  Writes one CF-1.10/ACDD-1.3 NetCDF-4 file plus OUT.manifest.json.\n"
             "Series are sorted by series_id and split into contiguous blocks of about equal length\n"
             "over the MPI ranks; the output is the same for any number of ranks.  Series that cannot\n"
             "be fitted (too few observations) get an empty model and NaN forecasts, with a warning.\n"
             "The forecasts also go to OUT_forecast.csv (statsforecast's long layout); --fitted adds the in-sample\n"
             "one-step fits, --backtest WINDOWS a rolling-origin backtest (MASE, sMAPE, coverage).\n"
             "See docs/forecast.md for the output schema.",
    .schema = regia_forecast_schema,
    .meta = forecast_meta,
    .options_usage = "--input FILE.csv --season M --horizon H --output OUT.nc [OPTIONS]",
    .state_size = sizeof(fc_t),
    .unit = "series",
    .stage = "forecast",
    .output_role = "forecast",
    .not_in_results = "job.threads job.progress_interval job.checkpoint_dir job.checkpoint_interval job.chunk job.name "
                      "forecast.csv forecast.fitted forecast.fitted_csv forecast.backtest_csv",
    .configure = fc_configure,
    .index = fc_index,
    .read = fc_read,
    .prepare = fc_prepare,
    .compute = fc_compute,
    .result_arrays = fc_result_arrays,
    .check_result = fc_check,
    .define = fc_define,
    .acdd = fc_acdd,
    .write = fc_write,
    .write_extra = fc_csv_write,
    .report = fc_report,
    .manifest = fc_manifest,
    .release = fc_release,
    .products = fc_products,
};
