/* forecast_model.c - the model file of a `regia forecast` run, OUT_STEM.model.nc beside the
 * output (run->extra, role "model"): the ETS internals of every series (model code,
 * smoothing and damping parameters, innovation variance, log-likelihood, AICc) and, with
 * --backtest, the per-window arrays of the rolling-origin backtest.  A file of its own, not
 * a group of the output, so that CDO reads both files without a warning (CDO 2.1 warns on
 * any NetCDF-4 group).  The global attribute forecast_file names the output, the output's
 * model_file names this file.  Layout in docs/forecast.md, "The model file". */
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "forecast_impl.h"
#include "regia/io.h"
#include "regia/kernels.h"
#include "regia/ncio.h"

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

enum { V_ALPHA, V_BETA, V_GAMMA, V_PHI, V_SIGMA2, V_LOGLIK, V_AICC, N_PAR };

/* Collective, define mode: dimensions, variables and global attributes of the model file. */
static regia_status_t model_define(regia_run_t *run, void *self, int ncid)
{
    fc_t *f = self;
    regia_status_t st = REGIA_OK;
    int d_s, d_str, d_mod, d_l = -1, v;
    REGIA_NC(nc_def_dim(ncid, "series", (size_t)f->n_series, &d_s));
    REGIA_NC(nc_def_dim(ncid, "series_strlen", (size_t)f->idlen, &d_str));
    REGIA_NC(nc_def_dim(ncid, "model_strlen", FC_MODEL_LEN, &d_mod));
    int dsid[2] = {d_s, d_str}, dsm[2] = {d_s, d_mod};
    REGIA_TRY(fc_def_var(ncid, "series_id", NC_CHAR, 2, dsid, NULL, "series identifier (series_id column of the input)",
                         NULL, &f->v_mid));
    ATT(f->v_mid, "_Encoding", "utf-8");
    ATT(f->v_mid, "coverage_content_type", "auxiliaryInformation");
    if (f->n_windows > 0) {
        REGIA_NC(nc_def_dim(ncid, "interval", (size_t)f->n_levels, &d_l));
        REGIA_TRY(fc_def_var(ncid, "interval", NC_DOUBLE, 1, &d_l, NULL, "nominal coverage of the prediction interval",
                             "percent", &f->v_mlev));
        REGIA_NC(nc_del_att(ncid, f->v_mlev, "_FillValue")); /* a coordinate variable: no missing values */
        ATT(f->v_mlev, "coverage_content_type", "coordinate");
    }
    REGIA_TRY(fc_def_var(ncid, "model", NC_CHAR, 2, dsm, NULL,
                         "ETS model of the series (error, trend, season; d = damped), e.g. MAdM; empty if none fitted",
                         NULL, &f->v_model));
    ATT(f->v_model, "coverage_content_type", "modelResult");
    ATT(f->v_model, "_Encoding", "utf-8");
    static const char *const pname[N_PAR] = {"alpha", "beta", "gamma", "phi", "sigma2", "loglik", "aicc"};
    static const char *const plong[N_PAR] = {
        "ETS smoothing parameter of the level", "ETS smoothing parameter of the trend (NaN: no trend)",
        "ETS smoothing parameter of the season (NaN: no season)", "ETS damping parameter (NaN: undamped)",
        "innovation variance (squared input units; relative, unitless, for multiplicative error)",
        "log-likelihood of the fitted model", "corrected Akaike information criterion of the fitted model"};
    for (int k = 0; k < N_PAR; k++) {
        /* dimensionless, except sigma2: squared input units, or relative (1) for multiplicative errors */
        REGIA_TRY(fc_def_var(ncid, pname[k], NC_DOUBLE, 1, &d_s, NULL, plong[k], k != V_SIGMA2 ? "1" : NULL, &v));
        ATT(v, "coverage_content_type", "modelResult");
        ATT(v, "coordinates", "series_id model"); /* CDO: the char arrays are labels, not data */
        f->v_par[k] = v;
    }
    if (f->n_windows > 0) REGIA_TRY(fc_bt_define(f, ncid, 1, d_s, d_l, d_mod));
    /* ACDD and provenance as the output's, then what differs */
    REGIA_TRY(regia_run_provenance(run, f, ncid));
    ATT(NC_GLOBAL, "title", "ETS model parameters of the forecasts");
    ATT(NC_GLOBAL, "summary", f->n_windows > 0
        ? "ETS model of each series of the forecast output (along its series dimension): the model code, smoothing "
          "and damping parameters, innovation variance, fit; and the per-window arrays of the rolling-origin backtest"
        : "ETS model of each series of the forecast output (along its series dimension): the model code, smoothing "
          "and damping parameters, innovation variance, fit");
    ATT(NC_GLOBAL, "processing_level", "model internals: ETS parameters and fit of each series of the forecast output");
    /* no time axis here: no featureType, no time coverage (the output has them; the IOOS
     * ACDD checker crashes on time_coverage_* against the 2-D backtest_cutoff) */
    static const char *const no_time[] = {"featureType", "time_coverage_start", "time_coverage_end",
                                          "time_coverage_duration", "time_coverage_resolution"};
    for (size_t k = 0; k < sizeof no_time / sizeof *no_time; k++) (void)nc_del_att(ncid, NC_GLOBAL, no_time[k]);
    ATT(NC_GLOBAL, "forecast_file", regia_file_name(f->output));
    ATT(NC_GLOBAL, "command_line", f->cmdline);
    ATT(NC_GLOBAL, "ets_model", f->model_code);
err:
    return st;
}

/* Collective, data mode: the shard's rows (rank 0 the interval levels). */
static regia_status_t model_rows(regia_run_t *run, void *self, int ncid)
{
    fc_t *f = self;
    regia_status_t st = REGIA_OK;
    const int64_t ns = f->ns;
    const size_t w = (size_t)(f->idlen > FC_MODEL_LEN ? f->idlen : FC_MODEL_LEN);
    double *f64 = malloc(sizeof(double) * (size_t)(ns + 1));
    char *chr = calloc((size_t)(ns + 1), w);
    if (!f64 || !chr) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the model file");
    if ((st = regia_run_agree(run, st))) goto err;
    size_t in_id[1] = {(size_t)f->idlen}, in_m[1] = {FC_MODEL_LEN};
    for (int64_t k = 0; k < ns; k++) strncpy(chr + k * f->idlen, f->id[f->s0 + k], (size_t)f->idlen);
    REGIA_TRY(regia_run_put_rows(run, ncid, f->v_mid, 2, f->s0, ns, in_id, NC_CHAR, chr));
    if (f->n_windows > 0)
        REGIA_TRY(regia_run_put_rows(run, ncid, f->v_mlev, 1, 0, run->ctx->rank == 0 ? f->n_levels : 0, NULL,
                                     NC_DOUBLE, f->levels));
    memset(chr, 0, (size_t)(ns + 1) * w);
    for (int64_t k = 0; k < ns; k++)
        if (f->fit[k].ok) regia_ets_model_code(f->fit[k].model, chr + k * FC_MODEL_LEN);
    REGIA_TRY(regia_run_put_rows(run, ncid, f->v_model, 2, f->s0, ns, in_m, NC_CHAR, chr));
    for (int p = 0; p < N_PAR; p++) {
        for (int64_t k = 0; k < ns; k++) {
            const regia_ets_fit_t *ft = &f->fit[k];
            double val[N_PAR] = {ft->alpha, ft->beta, ft->gamma, ft->phi, ft->sigma2, ft->loglik, ft->aicc};
            f64[k] = ft->ok ? val[p] : NAN;
        }
        REGIA_TRY(regia_run_put_rows(run, ncid, f->v_par[p], 1, f->s0, ns, NULL, NC_DOUBLE, f64));
    }
    if (f->n_windows > 0) REGIA_TRY(fc_bt_write(run, f, ncid, 1));
err:
    free(f64);
    free(chr);
    return st;
}

regia_status_t fc_model_write(regia_run_t *run, fc_t *f, const char *tmp_path)
{
    return regia_run_write_extra_nc(run, f->x_model, tmp_path, model_define, model_rows, f);
}
