/* forecast_backtest.c - the rolling-origin backtest of `regia forecast --backtest W`.
 *
 * As statsforecast's cross_validation(h = H, step_size = H, n_windows = W): for window
 * w = 1 .. W the forecast origin lies w x H steps before the end of the series; the
 * model is chosen and fitted again (the same --model and season) on the series before
 * the origin (the ETS batch's per-series length: a prefix of the row) and its H-step
 * forecasts and intervals are compared with the held-out values y[n_w .. n_w + H),
 * n_w = len - w H.  The refits run in the block loop beside the forecasts and are
 * checkpointed with them.  Per series and window (missing held-out values left out):
 *   MASE_w  = mean |y - f| / scale_w, scale_w = mean |y_t - y_(t-m)| over the training
 *             part (t = m .. n_w - 1, pairs with both values present; m = the series'
 *             seasonal period, 1 without season); NaN when scale_w is 0 or undefined;
 *   sMAPE_w = mean 200 |y - f| / (|y| + |f|) in percent, a term 0 where y = f = 0;
 * per series: the means of MASE_w and sMAPE_w over the windows that have one, and the
 * coverage of each level (held-out values inside [lo, hi], pooled over the windows);
 * overall: the means over the evaluated series of their MASE and sMAPE, and the coverage
 * pooled over every held-out value of every evaluated series.  A series is evaluated
 * unless its shortest training part has fewer than m + 1 steps (too short), a window's
 * fit fails, or none of its held-out values is present; the others are reported and
 * skipped.  Every rank gathers the summaries and sums them in series order, so the
 * figures are the same at any number of ranks. */
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast_impl.h"
#include "regia/ncio.h"

enum { BT_SHOW = 5 };

static const char *const status_text[4] = {"evaluated", "too short", "fit failed", "no held-out values"};

int64_t fc_bt_train_len(const fc_t *f, int64_t k, int w)
{
    return (int64_t)f->ser[f->s0 + k].len - (int64_t)w * f->horizon;
}

regia_status_t fc_bt_prepare(fc_t *f)
{
    const int64_t W = f->n_windows, H = f->horizon, L = f->n_levels, ns = f->ns;
    if (W == 0) return REGIA_OK;
    f->bt_fit = calloc((size_t)(ns * W + 1), sizeof *f->bt_fit);
    f->bt_mean = malloc(sizeof(double) * (size_t)(ns * W * H + 1));
    f->bt_lo = malloc(sizeof(double) * (size_t)(ns * W * L * H + 1));
    f->bt_up = malloc(sizeof(double) * (size_t)(ns * W * L * H + 1));
    f->bt_mase_w = malloc(sizeof(double) * (size_t)(ns * W + 1));
    f->bt_smape_w = malloc(sizeof(double) * (size_t)(ns * W + 1));
    if (!f->bt_fit || !f->bt_mean || !f->bt_lo || !f->bt_up || !f->bt_mase_w || !f->bt_smape_w)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the backtest of %lld series x %d windows", (long long)ns,
                          f->n_windows);
    return REGIA_OK;
}

int fc_bt_result_arrays(fc_t *f, regia_item_array_t *a)
{
    const size_t W = (size_t)f->n_windows, H = (size_t)f->horizon, L = (size_t)f->n_levels, d = sizeof(double);
    if (W == 0) return 0;
    a[0] = (regia_item_array_t){(void **)&f->bt_fit, W * sizeof(regia_ets_fit_t)};
    a[1] = (regia_item_array_t){(void **)&f->bt_mean, W * H * d};
    a[2] = (regia_item_array_t){(void **)&f->bt_lo, W * L * H * d};
    a[3] = (regia_item_array_t){(void **)&f->bt_up, W * L * H * d};
    return 4;
}

regia_status_t fc_bt_compute(fc_t *f, int64_t k0, int64_t n)
{
    regia_status_t st = REGIA_OK;
    const int W = f->n_windows, H = f->horizon, L = f->n_levels;
    regia_ets_fit_t *fit = malloc(sizeof *fit * (size_t)(n + 1));
    double *mean = malloc(sizeof(double) * (size_t)(n * H + 1)), *var = malloc(sizeof(double) * (size_t)(n * H + 1));
    double *lo = malloc(sizeof(double) * (size_t)(n * L * H + 1)), *up = malloc(sizeof(double) * (size_t)(n * L * H + 1));
    if (!fit || !mean || !var || !lo || !up) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the backtest of %lld series", (long long)n);
        goto err;
    }
    for (int w = 1; w <= W; w++) {
        if ((st = fc_fit_range(f, k0, n, (int64_t)w * H, fit, mean, var, lo, up))) {
            regia_error_prefix("backtest window %d: ", w);
            goto err;
        }
        for (int64_t i = 0; i < n; i++) {
            const int64_t kw = (k0 + i) * W + w - 1;
            f->bt_fit[kw] = fit[i];
            memcpy(f->bt_mean + kw * H, mean + i * H, sizeof(double) * (size_t)H);
            memcpy(f->bt_lo + kw * L * H, lo + i * L * H, sizeof(double) * (size_t)(L * H));
            memcpy(f->bt_up + kw * L * H, up + i * L * H, sizeof(double) * (size_t)(L * H));
        }
    }
err:
    free(fit);
    free(mean);
    free(var);
    free(lo);
    free(up);
    return st;
}

/* Local: the metrics of shard series k (per window into bt_mase_w / bt_smape_w). */
static void series_metrics(fc_t *f, int64_t k, fc_bt_sum_t *s)
{
    const int W = f->n_windows, H = f->horizon, L = f->n_levels, m = f->m_of[k];
    const double *y = f->y + f->off[k];
    memset(s, 0, sizeof *s);
    s->mase = s->smape = NAN;
    for (int w = 0; w < W; w++) f->bt_mase_w[k * W + w] = f->bt_smape_w[k * W + w] = NAN;
    if (fc_bt_train_len(f, k, W) < m + 1) { s->status = FC_BT_TOO_SHORT; return; }
    for (int w = W; w >= 1; w--)
        if (!f->bt_fit[k * W + w - 1].ok) { s->status = FC_BT_FIT_FAILED; s->window = w; }
    if (s->status) return;
    double sum_mase = 0, sum_smape = 0;
    int n_mase = 0, n_smape = 0;
    for (int w = 1; w <= W; w++) {
        const int64_t n = fc_bt_train_len(f, k, w), kw = k * W + w - 1;
        double scale = 0;
        int64_t pairs = 0;
        for (int64_t t = m; t < n; t++)
            if (!isnan(y[t]) && !isnan(y[t - m])) { scale += fabs(y[t] - y[t - m]); pairs++; }
        scale = pairs > 0 ? scale / (double)pairs : NAN;
        double ae = 0, sm = 0;
        int cnt = 0;
        for (int h = 0; h < H; h++) {
            const double yt = y[n + h], ft = f->bt_mean[kw * H + h];
            if (isnan(yt) || !isfinite(ft)) continue;
            const double e = fabs(yt - ft), den = fabs(yt) + fabs(ft);
            ae += e;
            sm += den > 0 ? 200.0 * e / den : 0.0;
            cnt++;
            for (int l = 0; l < L; l++)
                s->inside[l] += f->bt_lo[(kw * L + l) * H + h] <= yt && yt <= f->bt_up[(kw * L + l) * H + h];
        }
        s->n_points += cnt;
        if (cnt == 0) continue;
        const double mase = scale > 0 ? ae / cnt / scale : NAN;
        f->bt_mase_w[kw] = mase;
        f->bt_smape_w[kw] = sm / cnt;
        if (isfinite(mase)) { sum_mase += mase; n_mase++; }
        sum_smape += sm / cnt;
        n_smape++;
    }
    if (s->n_points == 0) { s->status = FC_BT_NO_HELD_OUT; return; }
    s->mase = n_mase ? sum_mase / n_mase : NAN;
    s->smape = n_smape ? sum_smape / n_smape : NAN;
}

regia_status_t fc_bt_check(regia_run_t *run, fc_t *f)
{
    regia_status_t st = REGIA_OK;
    const int L = f->n_levels;
    f->bt_sum = calloc((size_t)f->n_series + 1, sizeof *f->bt_sum);
    if (!f->bt_sum) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the backtest of %lld series", (long long)f->n_series);
    if ((st = regia_run_agree(run, st))) return st;
    for (int64_t k = 0; k < f->ns; k++) series_metrics(f, k, &f->bt_sum[f->s0 + k]);
    REGIA_TRY(regia_run_allgather_items(run, f->bt_sum, sizeof *f->bt_sum));
    /* overall, in series order (the same sums at any number of ranks) */
    double sm = 0, ss = 0, pts = 0, in[REGIA_ETS_MAX_LEVELS] = {0};
    long long nm = 0, nsm = 0;
    memset(f->bt_counts, 0, sizeof f->bt_counts);
    for (int64_t s = 0; s < f->n_series; s++) {
        const fc_bt_sum_t *b = &f->bt_sum[s];
        f->bt_counts[b->status]++;
        if (b->status != FC_BT_OK) continue;
        if (isfinite(b->mase)) { sm += b->mase; nm++; }
        if (isfinite(b->smape)) { ss += b->smape; nsm++; }
        pts += b->n_points;
        for (int l = 0; l < L; l++) in[l] += b->inside[l];
    }
    f->bt_overall[0] = nm ? sm / (double)nm : NAN;
    f->bt_overall[1] = nsm ? ss / (double)nsm : NAN;
    for (int l = 0; l < L; l++) f->bt_overall[2 + l] = pts > 0 ? in[l] / pts : NAN;
    if (f->bt_counts[FC_BT_OK] == 0) {
        char where[512], text[1024] = "";
        size_t o = 0;
        int shown = 0;
        for (int64_t s = 0; s < f->n_series && shown < BT_SHOW && o < sizeof text; s++, shown++)
            o += (size_t)snprintf(text + o, sizeof text - o, "%s'%.60s' (%d steps: %s)", shown ? ", " : "", f->id[s],
                                  f->ser[s].len, status_text[f->bt_sum[s].status]);
        regia_run_where(run, "forecast", "backtest", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s %d: none of the %lld series can be evaluated: %s%s; each series needs "
                          "more than %d x %d steps plus its seasonal period m (m + 1 steps to train on before the "
                          "earliest window) and a model fitted on every window's training part; use fewer windows",
                          where, f->n_windows, (long long)f->n_series, text, f->n_series > shown ? ", ..." : "",
                          f->n_windows, f->horizon);
    }
    return REGIA_OK;
err:
    return st;
}

/* ---- NetCDF ------------------------------------------------------------------------------- */

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

enum { B_WIN, B_CUT, B_MODEL, B_MASE_W, B_SMAPE_W, B_MASE, B_SMAPE, B_COV, B_NPTS, B_STATUS, B_MASE_ALL, B_SMAPE_ALL,
       B_COV_ALL, N_B };

/* The flag value of an ETS model in backtest_model (0 .. 29, in the order of its
 * flag_meanings: error A M, trend N A Ad M Md, season N A M), into code (its code, e.g.
 * "MAdM") when code is not NULL; k >= 0 gives the code of flag value k and returns k, -1
 * when there is none. */
static int bt_flag(const regia_ets_model_t *m, int k, char code[5])
{
    int i = 0;
    for (int e = REGIA_ETS_ADD; e <= REGIA_ETS_MULT; e++)
        for (int t = REGIA_ETS_NONE; t <= REGIA_ETS_MULT; t++)
            for (int d = 0; d <= (t != REGIA_ETS_NONE); d++)
                for (int sn = REGIA_ETS_NONE; sn <= REGIA_ETS_MULT; sn++, i++) {
                    regia_ets_model_t c = {(int8_t)e, (int8_t)t, (int8_t)sn, (int8_t)d};
                    if (m ? m->error == e && m->trend == t && (m->damped && t) == d && m->season == sn : i == k) {
                        if (code) regia_ets_model_code(c, code);
                        return i;
                    }
                }
    return -1;
}

regia_status_t fc_bt_define(fc_t *f, int ncid, int part, int d_s, int d_l, int d_mod)
{
    regia_status_t st = REGIA_OK;
    int *v = f->v_bt, d_w = -1;
    /* part 1: the per-window arrays, in the model file with the ETS internals (CDO reads
     * the output's 1-D series variables and the scalars, not (series, window) arrays) */
    const int gid = ncid;
    if (part == 1) {
        REGIA_NC(nc_def_dim(ncid, "window", (size_t)f->n_windows, &d_w));
        int dsw[2] = {d_s, d_w}, dsl[2] = {d_s, d_l};
        const char *tunits = "seconds since 1970-01-01 00:00:00";
#define GATT(var, k, s) REGIA_NC(nc_put_att_text(gid, var, k, strlen(s), s))
        REGIA_TRY(fc_def_var(gid, "window", NC_INT, 1, &d_w, NULL,
                             "backtest window: its forecast origin lies window x horizon steps before the end of the series",
                             "1", &v[B_WIN]));
        (void)nc_del_att(gid, v[B_WIN], "_FillValue"); /* a coordinate: no missing values (ints have no fill here) */
        GATT(v[B_WIN], "coverage_content_type", "coordinate");
        REGIA_TRY(fc_def_var(gid, "backtest_cutoff", NC_DOUBLE, 2, dsw, NULL,
                             "time of the last observation the backtest window's model was fitted on", tunits, &v[B_CUT]));
        GATT(v[B_CUT], "standard_name", "time");
        GATT(v[B_CUT], "calendar", "standard");
        GATT(v[B_CUT], "coverage_content_type", "coordinate");
        /* a flag variable, not char(series, window, model_strlen): CDO reads no char data */
        (void)d_mod;
        REGIA_TRY(fc_def_var(gid, "backtest_model", NC_BYTE, 2, dsw, NULL,
                             "ETS model fitted on the backtest window's training part (flag_meanings; _FillValue: "
                             "none fitted)", NULL, &v[B_MODEL]));
        GATT(v[B_MODEL], "coverage_content_type", "modelResult");
        {
            signed char fv[30], fill = -1;
            char mean[30 * 6] = "", code[5];
            int n = 0;
            for (int k = 0; bt_flag(NULL, k, code) >= 0 && n < 30; k++, n++) {
                fv[n] = (signed char)k;
                if (n) strcat(mean, " ");
                strcat(mean, code);
            }
            (void)nc_del_att(gid, v[B_MODEL], "_FillValue");
            REGIA_NC(nc_put_att_schar(gid, v[B_MODEL], "_FillValue", NC_BYTE, 1, &fill));
            REGIA_NC(nc_put_att_schar(gid, v[B_MODEL], "flag_values", NC_BYTE, (size_t)n, fv));
            GATT(v[B_MODEL], "flag_meanings", mean);
        }
        REGIA_TRY(fc_def_var(gid, "backtest_mase", NC_DOUBLE, 2, dsw, NULL,
                             "mean absolute scaled error of the backtest window's forecasts (scale: in-sample mean absolute "
                             "seasonal-naive error of the training part; NaN: scale 0, or not evaluated)", "1", &v[B_MASE_W]));
        REGIA_TRY(fc_def_var(gid, "backtest_smape", NC_DOUBLE, 2, dsw, NULL,
                             "symmetric mean absolute percentage error 200|y-f|/(|y|+|f|) of the backtest window's "
                             "forecasts (NaN: not evaluated)", "percent", &v[B_SMAPE_W]));
        REGIA_TRY(fc_def_var(gid, "backtest_coverage", NC_DOUBLE, 2, dsl, NULL,
                             "fraction of the series' held-out values inside the backtest prediction interval of each "
                             "level (all windows)", "1", &v[B_COV]));
        for (int i = B_MASE_W; i <= B_COV; i++) {
            if (i != B_MASE_W && i != B_SMAPE_W && i != B_COV) continue;
            GATT(v[i], "coverage_content_type", "qualityInformation");
        }
        {
            char c[256];
            snprintf(c, sizeof c, "rolling origin: %d windows of %d steps (statsforecast cross_validation with "
                     "step_size = h = %d, n_windows = %d)", f->n_windows, f->horizon, f->horizon, f->n_windows);
            GATT(v[B_WIN], "comment", c);
        }
    } else {
        REGIA_TRY(fc_def_var(ncid, "backtest_series_mase", NC_DOUBLE, 1, &d_s, NULL,
                             "mean over the backtest windows of the series' MASE", "1", &v[B_MASE]));
        REGIA_TRY(fc_def_var(ncid, "backtest_series_smape", NC_DOUBLE, 1, &d_s, NULL,
                             "mean over the backtest windows of the series' sMAPE", "percent", &v[B_SMAPE]));
        REGIA_TRY(fc_def_var(ncid, "backtest_n_points", NC_INT, 1, &d_s, NULL,
                             "held-out observations the series' backtest compared", "1", &v[B_NPTS]));
        REGIA_TRY(fc_def_var(ncid, "backtest_status", NC_BYTE, 1, &d_s, NULL,
                             "outcome of the series' backtest", NULL, &v[B_STATUS]));
        {
            signed char fv[4] = {FC_BT_OK, FC_BT_TOO_SHORT, FC_BT_FIT_FAILED, FC_BT_NO_HELD_OUT};
            REGIA_NC(nc_put_att_schar(ncid, v[B_STATUS], "flag_values", NC_BYTE, 4, fv));
            ATT(v[B_STATUS], "flag_meanings", "evaluated too_short fit_failed no_held_out_values");
        }
        REGIA_TRY(fc_def_var(ncid, "backtest_mase_overall", NC_DOUBLE, 0, NULL, NULL,
                             "mean over the evaluated series of their backtest MASE", "1", &v[B_MASE_ALL]));
        REGIA_TRY(fc_def_var(ncid, "backtest_smape_overall", NC_DOUBLE, 0, NULL, NULL,
                             "mean over the evaluated series of their backtest sMAPE", "percent", &v[B_SMAPE_ALL]));
        REGIA_TRY(fc_def_var(ncid, "backtest_coverage_overall", NC_DOUBLE, 1, &d_l, NULL,
                             "fraction of all held-out values of the evaluated series inside the backtest prediction "
                             "interval of each level", "1", &v[B_COV_ALL]));
        for (int i = B_MASE_W; i < N_B; i++) {
            if (i == B_MASE_W || i == B_SMAPE_W || i == B_COV) continue; /* the model file's */
            const char *cct = i == B_NPTS ? "auxiliaryInformation" : "qualityInformation";
            ATT(v[i], "coverage_content_type", cct);
            if (i != B_MASE_ALL && i != B_SMAPE_ALL && i != B_COV_ALL) ATT(v[i], "coordinates", "series_id");
        }
    }
#undef GATT
err:
    return st;
}

regia_status_t fc_bt_write(regia_run_t *run, fc_t *f, int ncid, int part)
{
    regia_status_t st = REGIA_OK;
    const int64_t ns = f->ns;
    const int W = f->n_windows, L = f->n_levels, *v = f->v_bt;
    double *d = malloc(sizeof(double) * (size_t)(ns * (W > L ? W : L) + 1));
    char *c = calloc((size_t)(ns * W + 1), FC_MODEL_LEN);
    int *i32 = malloc(sizeof(int) * (size_t)(ns + W + 1));
    signed char *i8 = malloc((size_t)ns + 1);
    if (!d || !c || !i32 || !i8) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the backtest");
    if ((st = regia_run_agree(run, st))) goto err;
    const int r0 = run->ctx->rank == 0;
    const fc_bt_sum_t *b = f->bt_sum + f->s0;
    if (part == 1) {
        for (int w = 0; w < W; w++) i32[w] = w + 1;
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_WIN], 1, 0, r0 ? W : 0, NULL, NC_INT, i32));
        size_t in_w[1] = {(size_t)W}, in_l[1] = {(size_t)L};
        signed char *flag = (signed char *)c;
        for (int64_t k = 0; k < ns; k++) {
            const series_t *se = &f->ser[f->s0 + k];
            for (int w = 1; w <= W; w++) {
                const int64_t n = fc_bt_train_len(f, k, w);
                d[k * W + w - 1] = n >= 1 && (se->step || n == 1) ? (double)fc_grid_time(se, n - 1) : NAN;
                const regia_ets_fit_t *ft = &f->bt_fit[k * W + w - 1];
                flag[k * W + w - 1] = (signed char)(ft->ok ? bt_flag(&ft->model, 0, NULL) : -1);
            }
        }
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_CUT], 2, f->s0, ns, in_w, NC_DOUBLE, d));
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_MODEL], 2, f->s0, ns, in_w, NC_BYTE, flag));
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_MASE_W], 2, f->s0, ns, in_w, NC_DOUBLE, f->bt_mase_w));
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_SMAPE_W], 2, f->s0, ns, in_w, NC_DOUBLE, f->bt_smape_w));
        for (int64_t k = 0; k < ns; k++)
            for (int l = 0; l < L; l++) d[k * L + l] = b[k].n_points > 0 ? b[k].inside[l] / b[k].n_points : NAN;
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_COV], 2, f->s0, ns, in_l, NC_DOUBLE, d));
    } else {
        for (int64_t k = 0; k < ns; k++) d[k] = b[k].mase;
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_MASE], 1, f->s0, ns, NULL, NC_DOUBLE, d));
        for (int64_t k = 0; k < ns; k++) d[k] = b[k].smape;
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_SMAPE], 1, f->s0, ns, NULL, NC_DOUBLE, d));
        for (int64_t k = 0; k < ns; k++) i32[k] = (int)b[k].n_points;
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_NPTS], 1, f->s0, ns, NULL, NC_INT, i32));
        for (int64_t k = 0; k < ns; k++) i8[k] = (signed char)b[k].status;
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_STATUS], 1, f->s0, ns, NULL, NC_BYTE, i8));
        REGIA_TRY(regia_run_put_rows(run, ncid, v[B_COV_ALL], 1, 0, r0 ? L : 0, NULL, NC_DOUBLE, f->bt_overall + 2));
        for (int i = 0; i < 2; i++) {
            const int vid = v[i == 0 ? B_MASE_ALL : B_SMAPE_ALL];
            REGIA_NC(nc_var_par_access(ncid, vid, NC_COLLECTIVE));
            st = regia_run_agree_io(run, nc_put_var_double(ncid, vid, &f->bt_overall[i]) == NC_NOERR
                                             ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NETCDF, "writing the backtest's overall figures"));
            if (st) goto err;
        }
    }
err:
    free(d);
    free(c);
    free(i32);
    free(i8);
    return st;
}

#undef ATT

void fc_bt_report(regia_run_t *run, fc_t *f)
{
    if (run->ctx->rank != 0) return;
    const long long skipped = f->n_series - f->bt_counts[FC_BT_OK];
    if (skipped > 0) {
        char text[1536] = "";
        size_t o = 0;
        int shown = 0;
        for (int64_t s = 0; s < f->n_series && shown < BT_SHOW && o < sizeof text; s++) {
            const fc_bt_sum_t *b = &f->bt_sum[s];
            if (b->status == FC_BT_OK) continue;
            if (b->status == FC_BT_FIT_FAILED)
                o += (size_t)snprintf(text + o, sizeof text - o, "%s'%.60s' (no model fitted on the %lld steps before "
                                      "window %d)", shown ? ", " : "", f->id[s],
                                      (long long)f->ser[s].len - (long long)b->window * f->horizon, b->window);
            else if (b->status == FC_BT_TOO_SHORT)
                o += (size_t)snprintf(text + o, sizeof text - o, "%s'%.60s' (too short: %d steps, %d windows of %d leave "
                                      "%lld to train on)", shown ? ", " : "", f->id[s], f->ser[s].len, f->n_windows,
                                      f->horizon, (long long)f->ser[s].len - (long long)f->n_windows * f->horizon);
            else
                o += (size_t)snprintf(text + o, sizeof text - o, "%s'%.60s' (every held-out value missing)",
                                      shown ? ", " : "", f->id[s]);
            shown++;
        }
        regia_warn(&run->ctx->log, "backtest: %lld of %lld series skipped: %s%s", skipped, (long long)f->n_series, text,
                   skipped > shown ? ", ..." : "");
    }
    char cov[512] = "";
    size_t o = 0;
    for (int l = 0; l < f->n_levels && o < sizeof cov; l++)
        o += (size_t)snprintf(cov + o, sizeof cov - o, "%s%g%% interval %.1f%%", l ? ", " : "", f->levels[l],
                              100 * f->bt_overall[2 + l]);
    regia_info(&run->ctx->log, "backtest: %d windows of %d steps, %lld series evaluated: MASE %.4g, sMAPE %.4g%%, "
               "coverage %s", f->n_windows, f->horizon, f->bt_counts[FC_BT_OK], f->bt_overall[0], f->bt_overall[1], cov);
}

void fc_bt_free(fc_t *f)
{
    free(f->bt_fit);
    free(f->bt_mean);
    free(f->bt_lo);
    free(f->bt_up);
    free(f->bt_sum);
    free(f->bt_mase_w);
    free(f->bt_smape_w);
}
