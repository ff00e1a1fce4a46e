/* forecast_impl.h - the state of `regia forecast` shared by its files (internal to
 * drivers/):
 *   cmd_forecast.c       the domain: options, index, read, compute, NetCDF output
 *   forecast_csv.c       the CSV outputs (forecasts, fitted values, backtest), written
 *                        collectively with MPI-IO, each rank its own series' rows
 *   forecast_backtest.c  the rolling-origin backtest: refits on truncated series, MASE,
 *                        sMAPE and interval coverage, their NetCDF variables
 */
#ifndef REGIA_FORECAST_IMPL_H
#define REGIA_FORECAST_IMPL_H

#include <stdint.h>

#include "domain.h"
#include "regia/boxcox.h"
#include "regia/kernels.h"
#include "regia/series_csv.h"

enum { FC_MODEL_LEN = 8 }; /* model_strlen */

/* One series of the index (every rank holds all of them, sorted by id). */
typedef struct {
    int64_t t0;     /* time of the first row (s since 1970)                                */
    int64_t step;   /* grid step: seconds, or calendar months when monthly; 0: one row     */
    int64_t r0;     /* first row in this rank's row table (own series only)               */
    int32_t len;    /* time steps from the first to the last row                           */
    int32_t nrows;  /* rows in the CSV                                                     */
    int8_t monthly; /* 1: step counts calendar months                                      */
    int8_t eom;     /* monthly, at the last day of each month                              */
} series_t;

/* Per-series backtest summary (gathered to every rank for the overall figures). */
typedef struct {
    double mase, smape;   /* means over the series' windows with a value (NaN: none)       */
    double n_points;      /* held-out observations compared                                */
    double inside[REGIA_ETS_MAX_LEVELS]; /* of them inside the interval of each level      */
    int32_t status;       /* FC_BT_*                                                       */
    int32_t window;       /* FC_BT_FIT_FAILED: the first window whose fit failed           */
} fc_bt_sum_t;

enum { FC_BT_OK = 0, FC_BT_TOO_SHORT = 1, FC_BT_FIT_FAILED = 2, FC_BT_NO_HELD_OUT = 3 };

typedef struct {
    /* options */
    const char *input, *output, *model_code;
    int season, horizon, n_levels;
    double levels[REGIA_ETS_MAX_LEVELS];
    regia_ets_spec_t spec;
    regia_boxcox_rule_t bc; /* [forecast] transform, biasadj (regia/boxcox.h)              */
    double *lambda;         /* the shard's series: Box-Cox lambda used (1: none)           */
    int v_lam;              /* output variable boxcox_lambda                               */
    const char *cmdline;
    char stdin_copy[4300];  /* --input -: standard input copied here by rank 0             */
    regia_series_opts_t ropt;
    int n_table;            /* [forecast] seasons: series ids and their periods           */
    const char **table_id;
    int *table_m;
    int64_t max_steps_per_row;
    double max_cells;       /* [forecast] max_observed_cells                               */
    /* extra outputs: the forecast CSV, the fitted-values CSV (--fitted), the backtest CSV */
    const char *csv, *fitted_csv, *bt_csv;
    char csv_buf[3][4200];  /* default names: OUT minus .nc plus _forecast.csv, _fitted.csv, _backtest.csv */
    int want_fitted;        /* --fitted                                                    */
    int n_windows;          /* --backtest WINDOWS (0: no backtest)                         */
    int x_csv, x_fitted, x_bt; /* their indices in run->extra (-1: not written)           */
    char model_path[4200];  /* the model file, OUT minus .nc plus .model.nc (always written) */
    int x_model;            /* its index in run->extra                                     */
    int dates_only;         /* every time is a midnight on a daily or coarser grid         */
    /* index (all ranks) */
    regia_series_t sr;      /* what the byte-range reader gave this rank                  */
    int64_t n_series, n_rows, n_missing, n_gaps, max_len, t_min, t_max;
    int64_t *times, n_times; /* the output's time axis: every grid time of every series  */
    char **id;      /* n_series ids, sorted (strcmp) (the reader's)                        */
    series_t *ser;  /* every series' grid (gathered after each rank inferred its own)      */
    int idlen;      /* longest id + 1                                                      */
    char sha[65];
    int32_t *m_of;  /* this rank's series: seasonal period fitted                          */
    int v_season;
    /* this rank's block */
    int64_t s0, ns;
    int64_t *off;   /* ns + 1 offsets into y                                               */
    double *y;
    /* results of the block */
    regia_ets_fit_t *fit;
    double *mean, *var, *lo, *up, *state;
    double *fitted;         /* --fitted: one-step fits, laid out as y (off)               */
    regia_backend_t *be;
    int64_t n_fitted;
    /* backtest of the block (checkpointed): per series W fits, W x H forecasts, W x L x H
     * bounds (window w = 1 .. W at index w - 1) */
    regia_ets_fit_t *bt_fit;
    double *bt_mean, *bt_lo, *bt_up;
    fc_bt_sum_t *bt_sum;    /* all series (every rank), after check_result                */
    double *bt_mase_w, *bt_smape_w; /* this block: ns x W per-window MASE and sMAPE       */
    double bt_overall[2 + REGIA_ETS_MAX_LEVELS]; /* MASE, sMAPE, coverage of each level */
    long long bt_counts[4]; /* series by status                                            */
    /* output variable ids (define -> write) */
    int v_id, v_lev, v_time, v_fc, v_lo, v_up, v_obs, v_step, v_stepm, v_nobs;
    int v_mid, v_mlev, v_model, v_par[8]; /* the model file's series_id, interval, model, parameters */
    int v_fitted, v_bt[16];
} fc_t;

/* cmd_forecast.c */
/* Time of grid point i of series s (i may run past the last row: forecast steps). */
int64_t fc_grid_time(const series_t *s, int64_t i);
/* Local, no MPI.  Fit series [k0, k0 + n) of the shard on their first len - cut steps
 * (cut = 0: the whole series); results for shard series k at index k - k0 of fit, mean
 * (x H), var (x H), lo and up (x L x H).  A series with len - cut < 1 gets fit.ok = 0 and
 * NaN results. */
regia_status_t fc_fit_range(fc_t *f, int64_t k0, int64_t n, int64_t cut, regia_ets_fit_t *fit, double *mean,
                            double *var, double *lo, double *up);
/* Collective, data mode: write vals (laid out as f->y) of the shard's series onto the
 * output's time axis as variable vid(time, series) (NaN where a series has no time). */
regia_status_t fc_put_on_axis(regia_run_t *run, fc_t *f, int ncid, int vid, const double *vals);
/* Define a variable with long_name and units (either may be NULL). */
regia_status_t fc_def_var(int ncid, const char *name, nc_type type, int nd, const int *dims, const size_t *chunk,
                          const char *long_name, const char *units, int *vid);

/* forecast_csv.c */
/* Local: the extra outputs' names and run->extra entries (after the options are read). */
regia_status_t fc_csv_configure(regia_run_t *run, fc_t *f);
/* Collective: write extra output i of the run (forecast, fitted or backtest CSV; the model
 * file through fc_model_write). */
regia_status_t fc_csv_write(regia_run_t *run, void *self, int i, const char *tmp_path);
/* Collective: the one-step fits of the shard's series (--fitted), into f->fitted.  A
 * series whose refit does not reproduce its fitted parameters (possible when another
 * backend fitted it) keeps NaN fits, with a warning naming how many. */
regia_status_t fc_fitted_compute(regia_run_t *run, fc_t *f);
/* A time as the CSV writes it: YYYY-MM-DD when f->dates_only, else YYYY-MM-DDTHH:MM:SS. */
void fc_format_time(const fc_t *f, int64_t t, char *buf, int len);
/* The model as statsforecast names ETS models: ETS(A,Ad,N). */
void fc_model_name(regia_ets_model_t m, char *buf, size_t len);

/* forecast_backtest.c */
/* Local, after read: allocate the shard's backtest arrays (nothing without --backtest). */
regia_status_t fc_bt_prepare(fc_t *f);
/* The checkpointed per-series backtest arrays (appended at a; returns how many). */
int fc_bt_result_arrays(fc_t *f, regia_item_array_t *a);
/* Local, no MPI: the backtest of shard series [k0, k0 + n). */
regia_status_t fc_bt_compute(fc_t *f, int64_t k0, int64_t n);
/* Collective: metrics per series and window, the summaries of every series on every
 * rank, the overall figures; an error (naming the series) when no series can be
 * evaluated. */
regia_status_t fc_bt_check(regia_run_t *run, fc_t *f);
/* Collective, define mode / data mode: the backtest's variables; part 0: those of the
 * output (per series and overall), part 1: those of the model file (its dimension window,
 * the per-window arrays and the coverage per series and level). */
regia_status_t fc_bt_define(fc_t *f, int ncid, int part, int d_s, int d_l, int d_mod);
regia_status_t fc_bt_write(regia_run_t *run, fc_t *f, int ncid, int part);
/* forecast_model.c.  Collective: the model file (run->extra[f->x_model], OUT_STEM.model.nc):
 * the ETS internals and the backtest's per-window arrays, written to tmp_path. */
regia_status_t fc_model_write(regia_run_t *run, fc_t *f, const char *tmp_path);
/* Rank 0 (called on every rank): the overall figures and the skipped series in the log. */
void fc_bt_report(regia_run_t *run, fc_t *f);
/* Held-out window w (1 .. W) of shard series k: training length (len - w H). */
int64_t fc_bt_train_len(const fc_t *f, int64_t k, int w);
void fc_bt_free(fc_t *f);

#endif
