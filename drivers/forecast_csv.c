/* forecast_csv.c - the CSV outputs of `regia forecast` (extra outputs of the run protocol,
 * domain.h), each UTF-8 with one header row, sorted by series id as the NetCDF output:
 *
 *   OUT_forecast.csv  unique_id,ds,model,forecast,lo-L1,hi-L1,lo-L2,hi-L2 ...
 *                     statsforecast's long layout (one row per series and forecast step,
 *                     one lo/hi pair per level, in the order of --levels)
 *   OUT_fitted.csv    unique_id,ds,y,fitted,residual      (--fitted; residual = y - fitted)
 *   OUT_backtest.csv  unique_id,ds,cutoff,window,model,y,forecast,lo-L1,hi-L1 ...
 *                     (--backtest; as statsforecast's cross_validation output)
 *
 * Each rank formats the rows of its own series (a contiguous block of the sorted ids) and
 * writes them at its offset with MPI-IO (an exclusive scan of the ranks' byte counts), so
 * the file is the same at any number of ranks and no rank holds another's rows.  Numbers
 * are written with 15 significant digits; a missing value is an empty field.  ds is a date
 * (YYYY-MM-DD) when every time of the input is a midnight on a daily or coarser grid, else
 * a date-time YYYY-MM-DDTHH:MM:SS (UTC).  Series without a fitted model have no rows.
 */
#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast_impl.h"
#include "regia/timeutil.h"

/* ---- names ----------------------------------------------------------------------------- */

/* OUT minus .nc plus suffix into buf (the default names). */
static const char *beside(const char *out, const char *suffix, char *buf, size_t cap)
{
    size_t n = strlen(out);
    const char *slash = strrchr(out, '/');
    const char *dot = strrchr(out, '.');
    if (dot && (!slash || dot > slash)) n = (size_t)(dot - out);
    snprintf(buf, cap, "%.*s%s", (int)n, out, suffix);
    return buf;
}

regia_status_t fc_csv_configure(regia_run_t *run, fc_t *f)
{
    regia_job_t *j = run->job;
    char where[512];
    f->want_fitted = regia_job_bool(j, "forecast", "fitted");
    f->n_windows = regia_job_has(j, "forecast", "backtest") ? (int)regia_job_int(j, "forecast", "backtest") : 0;
    f->csv = regia_job_path(j, "forecast", "csv");
    if (!f->csv) f->csv = beside(f->output, "_forecast.csv", f->csv_buf[0], sizeof f->csv_buf[0]);
    f->fitted_csv = regia_job_path(j, "forecast", "fitted_csv");
    if (!f->fitted_csv) f->fitted_csv = beside(f->output, "_fitted.csv", f->csv_buf[1], sizeof f->csv_buf[1]);
    f->bt_csv = regia_job_path(j, "forecast", "backtest_csv");
    if (!f->bt_csv) f->bt_csv = beside(f->output, "_backtest.csv", f->csv_buf[2], sizeof f->csv_buf[2]);
    const char *key[3] = {"csv", "fitted_csv", "backtest_csv"}, *path[3] = {f->csv, f->fitted_csv, f->bt_csv};
    const int on[3] = {1, f->want_fitted, f->n_windows > 0};
    const int given[3] = {path[0] != f->csv_buf[0], path[1] != f->csv_buf[1], path[2] != f->csv_buf[2]};
    static const char *const role[3] = {"forecast table", "fitted values", "backtest"};
    f->x_csv = f->x_fitted = f->x_bt = -1;
    run->n_extra = 0;
    for (int i = 0; i < 3; i++) {
        if (!on[i]) continue;
        /* a default name can equal the output only when the output is not a NetCDF name,
         * which the output check refuses with its own message */
        const char *what = given[i] && !strcmp(path[i], f->output) ? "the output"
                           : !strcmp(path[i], f->input)            ? "the input"
                                                                    : NULL;
        for (int k = 0; k < i && !what; k++)
            if (on[k] && !strcmp(path[i], path[k])) what = "another of the CSV outputs";
        if (what) {
            regia_run_where(run, "forecast", key[i], where, sizeof where);
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: '%s'%s is %s; give it a name of its own", where, path[i],
                              given[i] ? "" : " (the default name beside the output)", what);
        }
        int x = run->n_extra++;
        run->extra[x].path = path[i];
        run->extra[x].role = role[i];
        if (i == 0) f->x_csv = x;
        else if (i == 1) f->x_fitted = x;
        else f->x_bt = x;
    }
    /* the model file: ETS internals and the backtest's per-window arrays (forecast_model.c) */
    beside(f->output, ".model.nc", f->model_path, sizeof f->model_path);
    for (int k = 0; k < 3; k++)
        if (on[k] && !strcmp(path[k], f->model_path)) {
            regia_run_where(run, "forecast", key[k], where, sizeof where);
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: '%s' is the model file beside the output; give it another name",
                              where, path[k]);
        }
    f->x_model = run->n_extra++;
    run->extra[f->x_model].path = f->model_path;
    run->extra[f->x_model].role = "model";
    return REGIA_OK;
}

/* ---- formatting ------------------------------------------------------------------------ */

void fc_format_time(const fc_t *f, int64_t t, char *buf, int len)
{
    int64_t days = regia_floordiv(t, 86400), sod = t - days * 86400;
    if (f->dates_only) {
        regia_format_date(days, buf, len);
        return;
    }
    int y, m, d;
    regia_civil_from_days(days, &y, &m, &d);
    snprintf(buf, (size_t)len, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
             (int)(sod % 60));
}

void fc_model_name(regia_ets_model_t m, char *buf, size_t len)
{
    static const char L[] = "NAM";
    snprintf(buf, len, "ETS(%c,%c%s,%c)", L[m.error], L[m.trend], m.damped && m.trend ? "d" : "", L[m.season]);
}

/* 1 when every series' times are midnights on a daily or coarser grid (every rank). */
static int dates_only(const fc_t *f)
{
    for (int64_t s = 0; s < f->n_series; s++) {
        const series_t *se = &f->ser[s];
        if (regia_floordiv(se->t0, 86400) * 86400 != se->t0) return 0;
        if (!se->monthly && se->step % 86400 != 0) return 0;
    }
    return 1;
}

typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} text_t;

__attribute__((format(printf, 2, 3))) static void put(text_t *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) { b->oom = 1; return; }
        if (b->p && b->n + (size_t)k < b->cap) { b->n += (size_t)k; return; }
        size_t cap = 2 * b->cap + (size_t)k + 4096;
        char *q = realloc(b->p, cap);
        if (!q) { b->oom = 1; return; }
        b->p = q;
        b->cap = cap;
    }
}

/* ",x" with 15 significant digits; "," alone for NaN. */
static void num(text_t *b, double x)
{
    if (isnan(x)) put(b, ",");
    else put(b, ",%.15g", x);
}

/* A CSV field: quoted (quotes doubled) when it holds a separator, quote or line end. */
static void field(text_t *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n;\t")) { put(b, "%s", s); return; }
    put(b, "\"");
    for (const char *c = s; *c; c++) {
        if (*c == '"') put(b, "\"\"");
        else put(b, "%c", *c);
    }
    put(b, "\"");
}

static void level_cols(text_t *b, const fc_t *f)
{
    for (int l = 0; l < f->n_levels; l++) put(b, ",lo-%g,hi-%g", f->levels[l], f->levels[l]);
    put(b, "\n");
}

/* ---- the three tables ------------------------------------------------------------------- */

static void forecast_rows(const fc_t *f, text_t *b)
{
    const int H = f->horizon, L = f->n_levels;
    for (int64_t k = 0; k < f->ns; k++) {
        const series_t *se = &f->ser[f->s0 + k];
        if (!f->fit[k].ok || !se->step) continue;
        char model[32], ds[32];
        fc_model_name(f->fit[k].model, model, sizeof model);
        for (int h = 0; h < H; h++) {
            fc_format_time(f, fc_grid_time(se, se->len + h), ds, sizeof ds);
            field(b, f->id[f->s0 + k]);
            put(b, ",%s,", ds);
            field(b, model); /* ETS(A,Ad,N): quoted */
            num(b, f->mean[k * H + h]);
            for (int l = 0; l < L; l++) {
                num(b, f->lo[(k * L + l) * H + h]);
                num(b, f->up[(k * L + l) * H + h]);
            }
            put(b, "\n");
        }
    }
}

static void fitted_rows(const fc_t *f, text_t *b)
{
    for (int64_t k = 0; k < f->ns; k++) {
        const series_t *se = &f->ser[f->s0 + k];
        if (!f->fit[k].ok) continue;
        const double *y = f->y + f->off[k], *fv = f->fitted + f->off[k];
        char ds[32];
        for (int64_t i = 0; i < se->len; i++) {
            fc_format_time(f, fc_grid_time(se, i), ds, sizeof ds);
            field(b, f->id[f->s0 + k]);
            put(b, ",%s", ds);
            num(b, y[i]);
            num(b, fv[i]);
            num(b, y[i] - fv[i]);
            put(b, "\n");
        }
    }
}

static void backtest_rows(const fc_t *f, text_t *b)
{
    const int H = f->horizon, L = f->n_levels, W = f->n_windows;
    for (int64_t k = 0; k < f->ns; k++) {
        const series_t *se = &f->ser[f->s0 + k];
        if (f->bt_sum[f->s0 + k].status != FC_BT_OK) continue;
        for (int w = W; w >= 1; w--) { /* earliest cutoff first */
            const int64_t n = fc_bt_train_len(f, k, w);
            const regia_ets_fit_t *ft = &f->bt_fit[k * W + w - 1];
            char model[32], ds[32], cut[32];
            fc_model_name(ft->model, model, sizeof model);
            fc_format_time(f, fc_grid_time(se, n - 1), cut, sizeof cut);
            const double *mean = f->bt_mean + (k * W + w - 1) * H;
            const double *lo = f->bt_lo + (k * W + w - 1) * L * H, *up = f->bt_up + (k * W + w - 1) * L * H;
            for (int h = 0; h < H; h++) {
                fc_format_time(f, fc_grid_time(se, n + h), ds, sizeof ds);
                field(b, f->id[f->s0 + k]);
                put(b, ",%s,%s,%d,", ds, cut, w);
                field(b, model);
                num(b, f->y[f->off[k] + n + h]);
                num(b, mean[h]);
                for (int l = 0; l < L; l++) {
                    num(b, lo[l * H + h]);
                    num(b, up[l * H + h]);
                }
                put(b, "\n");
            }
        }
    }
}

/* ---- the collective write ---------------------------------------------------------------- */

static regia_status_t mpiio(int rc, const char *path, const char *what)
{
    if (rc == MPI_SUCCESS) return REGIA_OK;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot %s: %s", path, what, msg);
}

/* Collective: rank 0's header, then every rank's text in rank order. */
static regia_status_t write_ordered(regia_run_t *run, const char *path, const text_t *hdr, const text_t *b)
{
    regia_ctx_t *ctx = run->ctx;
    regia_status_t st = REGIA_OK;
    long long mine = (long long)b->n, before = 0;
    MPI_Exscan(&mine, &before, 1, MPI_LONG_LONG, MPI_SUM, ctx->comm);
    if (ctx->rank == 0) before = 0;
    MPI_File fh = MPI_FILE_NULL;
    st = mpiio(MPI_File_open(ctx->comm, path, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh), path, "create");
    if ((st = regia_run_agree(run, st))) return st;
    st = mpiio(MPI_File_set_size(fh, 0), path, "truncate");
    if (!st && ctx->rank == 0)
        st = mpiio(MPI_File_write_at(fh, 0, hdr->p, (int)hdr->n, MPI_CHAR, MPI_STATUS_IGNORE), path, "write");
    MPI_Offset at = (MPI_Offset)hdr->n + (MPI_Offset)before;
    for (size_t w = 0; !st && w < b->n;) {
        int n = (int)(b->n - w < (1u << 30) ? b->n - w : (1u << 30));
        st = mpiio(MPI_File_write_at(fh, at + (MPI_Offset)w, b->p + w, n, MPI_CHAR, MPI_STATUS_IGNORE), path, "write");
        w += (size_t)n;
    }
    if (!st) st = regia_run_fault(run, "csv"); /* REGIA_FAULT=csv:R (tests) */
    st = regia_run_agree(run, st);
    regia_status_t s2 = regia_run_agree(run, mpiio(MPI_File_close(&fh), path, "close"));
    return st ? st : s2;
}

regia_status_t fc_csv_write(regia_run_t *run, void *self, int i, const char *tmp_path)
{
    fc_t *f = self;
    regia_status_t st = REGIA_OK;
    text_t hdr = {0}, b = {0};
    if (i == f->x_model) return fc_model_write(run, f, tmp_path);
    f->dates_only = dates_only(f);
    if (i == f->x_csv) {
        put(&hdr, "unique_id,ds,model,forecast");
        level_cols(&hdr, f);
        forecast_rows(f, &b);
    } else if (i == f->x_fitted) {
        put(&hdr, "unique_id,ds,y,fitted,residual\n");
        fitted_rows(f, &b);
    } else {
        put(&hdr, "unique_id,ds,cutoff,window,model,y,forecast");
        level_cols(&hdr, f);
        backtest_rows(f, &b);
    }
    if (!b.p) put(&b, "%s", ""); /* a rank without rows */
    if (hdr.oom || b.oom) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory formatting %s", run->extra[i].path);
    if ((st = regia_run_agree(run, st))) goto err;
    st = write_ordered(run, tmp_path, &hdr, &b);
    if (st) regia_error_prefix("%s (%s): ", run->extra[i].path, run->extra[i].role);
err:
    free(hdr.p);
    free(b.p);
    return st;
}

/* ---- fitted values ------------------------------------------------------------------------ */

regia_status_t fc_fitted_compute(regia_run_t *run, fc_t *f)
{
    regia_status_t st = REGIA_OK;
    long long off = 0;
    f->fitted = malloc(sizeof(double) * (size_t)(f->off[f->ns] + 1));
    if (!f->fitted) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld fitted values", (long long)f->off[f->ns]);
    for (int64_t k = 0; k < f->ns && !st; k++) {
        const series_t *se = &f->ser[f->s0 + k];
        const double lam = f->lambda ? f->lambda[k] : 1, *y = f->y + f->off[k];
        double *fit = f->fitted + f->off[k], *z = NULL;
        if (lam != 1) { /* fitted on the transformed series: fit it there, back-transform (as R's ets) */
            z = malloc(sizeof(double) * (size_t)(se->len > 0 ? se->len : 1));
            if (!z) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the fitted values"); break; }
            for (int32_t t = 0; t < se->len; t++) z[t] = isnan(y[t]) ? NAN : regia_boxcox(y[t], lam);
        }
        st = regia_ets_fitted(f->m_of[k], z ? z : y, se->len, &f->fit[k], fit);
        if (z && !st)
            for (int32_t t = 0; t < se->len; t++) {
                fit[t] = regia_boxcox_inv(fit[t], lam);
                if (f->bc.biasadj) fit[t] = regia_boxcox_biasadj(fit[t], lam, f->fit[k].sigma2);
            }
        free(z);
        if (st == REGIA_ERR_NUMERIC) { /* the refit ended elsewhere: no fits rather than fits of another model */
            regia_error_clear();
            st = REGIA_OK;
            off++;
        }
        if (st) regia_error_prefix("series '%s': fitted values: ", f->id[f->s0 + k]);
    }
    if ((st = regia_run_agree(run, st))) return st;
    regia_run_sum(run, &off, 1);
    if (off > 0 && run->ctx->rank == 0)
        regia_warn(&run->ctx->log, "--fitted: %lld series have no fitted values (NaN): refitting their model on the "
                   "CPU did not reproduce the parameters the backend (%s) found; run with --backend cpu for them",
                   off, run->backend_desc);
    return REGIA_OK;
}
