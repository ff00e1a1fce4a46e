/* sensors_products_read.c - what the products of `regia sensors` read (sensors_products_impl.h):
 * the summary's variables (layout: docs/sensors-run.md, "Summary"), and from the detail the
 * structure names, the records of one structure and single rows (spectra, poles).  Every
 * variable's dimensions are checked before it is read (regia/ncinput.h), so an output that
 * is not a regia sensors summary is an error naming the file and the variable.  Serial
 * NetCDF (nc_open NC_NOWRITE); rank 0, no MPI. */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/io.h"
#include "regia/ncinput.h"
#include "sensors_products_impl.h"

/* Variable `name` with dimensions `layout` as n values of type t into *out (malloc'ed):
 * NC_DOUBLE (any numeric variable, as doubles) or NC_INT (an integer one, as ints). */
static regia_status_t rd_vals(int ncid, const char *path, const char *name, const char *layout, size_t n, nc_type t,
                              void **out)
{
    regia_status_t st = REGIA_OK;
    regia_ncin_var_t v;
    *out = NULL;
    REGIA_TRY(regia_ncin_check_var(ncid, path, name, t == NC_INT ? REGIA_NCIN_INTEGER : REGIA_NCIN_NUMERIC, layout,
                                   &v));
    size_t want = 1;
    for (int k = 0; k < v.ndims; k++) want *= v.len[k];
    if (want != n) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has %zu values, expected %zu", path, name, want, n);
        goto err;
    }
    *out = malloc((t == NC_INT ? sizeof(int) : sizeof(double)) * (n ? n : 1));
    if (!*out) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory reading '%s'", path, name);
        goto err;
    }
    if (n && t == NC_INT) REGIA_NC(nc_get_var_int(ncid, v.vid, *out));
    if (n && t != NC_INT) REGIA_NC(nc_get_var_double(ncid, v.vid, *out));
err:
    return st;
}

/* rd_vals as n doubles. */
static regia_status_t rd_num(int ncid, const char *path, const char *name, const char *layout, size_t n,
                             double **out)
{
    void *v;
    regia_status_t st = rd_vals(ncid, path, name, layout, n, NC_DOUBLE, &v);
    *out = v;
    return st;
}

/* rd_vals as n ints (byte flags, counts). */
static regia_status_t rd_int(int ncid, const char *path, const char *name, const char *layout, size_t n, int **out)
{
    void *v;
    regia_status_t st = rd_vals(ncid, path, name, layout, n, NC_INT, &v);
    *out = v;
    return st;
}

/* in[(a * B + b) * S + i] (the file's order: structure last) to out[(i * A + a) * B + b]
 * (structure-major, as the products index them), in place through a copy. */
static regia_status_t structure_first(const char *path, const char *name, double *v, size_t S, size_t A, size_t B)
{
    const size_t n = S * A * B;
    double *c = malloc(sizeof(double) * (n ? n : 1));
    if (!c) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory reading '%s'", path, name);
    memcpy(c, v, sizeof(double) * n);
    for (size_t i = 0; i < S; i++)
        for (size_t a = 0; a < A; a++)
            for (size_t b = 0; b < B; b++) v[(i * A + a) * B + b] = c[(a * B + b) * S + i];
    free(c);
    return REGIA_OK;
}

/* Variable `name` of dimensions `layout` (A, [B,] structure) as S x A x B doubles,
 * structure-major (*out malloc'ed). */
static regia_status_t rd_num_sl(int ncid, const char *path, const char *name, const char *layout, size_t S,
                                size_t A, size_t B, double **out)
{
    regia_status_t st = REGIA_OK;
    REGIA_TRY(rd_num(ncid, path, name, layout, S * A * B, out));
    REGIA_TRY(structure_first(path, name, *out, S, A, B));
err:
    return st;
}

/* A char variable of `rows` strings of length len as rows x (len + 1), NUL-terminated,
 * trailing blanks removed. */
static regia_status_t rd_text(int ncid, const char *path, const char *name, const char *layout, size_t rows,
                              size_t len, char **out)
{
    regia_status_t st = REGIA_OK;
    regia_ncin_var_t v;
    char *raw = NULL;
    *out = NULL;
    REGIA_TRY(regia_ncin_check_text(ncid, path, name, layout, len, &v));
    raw = malloc(rows * len + 1);
    *out = calloc(rows + 1, len + 1);
    if (!raw || !*out) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory reading '%s'", path, name);
        goto err;
    }
    if (rows) REGIA_NC(nc_get_var_text(ncid, v.vid, raw));
    for (size_t r = 0; r < rows; r++) {
        char *o = *out + r * (len + 1);
        memcpy(o, raw + r * len, len);
        o[len] = 0;
        for (size_t k = strlen(o); k > 0 && (o[k - 1] == ' ' || o[k - 1] == '\r' || o[k - 1] == '\n'); k--) o[k - 1] = 0;
    }
err:
    free(raw);
    return st;
}

static void att_text(int ncid, int vid, const char *name, char *buf, size_t cap)
{
    size_t len = 0;
    nc_type t;
    buf[0] = 0;
    if (nc_inq_att(ncid, vid, name, &t, &len) != NC_NOERR || t != NC_CHAR || len >= cap) return;
    if (nc_get_att_text(ncid, vid, name, buf) != NC_NOERR) len = 0;
    buf[len] = 0;
}

static double att_num(int ncid, int vid, const char *name)
{
    size_t len = 0;
    nc_type t;
    double v = NAN;
    if (nc_inq_att(ncid, vid, name, &t, &len) != NC_NOERR || len != 1 || t == NC_CHAR || t == NC_STRING) return NAN;
    if (nc_get_att_double(ncid, vid, name, &v) != NC_NOERR) return NAN;
    return v;
}

regia_status_t sp_sum_read(sp_sum_t *s, const char *path)
{
    regia_status_t st = REGIA_OK;
    int ncid = -1;
    memset(s, 0, sizeof *s);
    s->path = path;
    s->far = NAN;
    {
        int rc = nc_open(path, NC_NOWRITE, &ncid);
        if (rc != NC_NOERR) {
            ncid = -1;
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open the sensors summary: %s", path, nc_strerror(rc));
            goto err;
        }
    }
    REGIA_TRY(regia_ncin_dim(ncid, path, "structure", 1, &s->S, NULL));
    REGIA_TRY(regia_ncin_dim(ncid, path, "day", 1, &s->D, NULL));
    REGIA_TRY(regia_ncin_dim(ncid, path, "mode", 1, &s->M, NULL));
    REGIA_TRY(regia_ncin_dim(ncid, path, "return_period", 1, &s->R, NULL));
    REGIA_TRY(regia_ncin_dim(ncid, path, "name_strlen", 1, &s->L, NULL));
    const size_t S = s->S, D = s->D, M = s->M, R = s->R;
    REGIA_TRY(rd_text(ncid, path, "structure_name", "structure,name_strlen", S, s->L, &s->name));
    if (regia_ncin_has_var(ncid, "structure_kind", NULL)) {
        REGIA_TRY(rd_text(ncid, path, "structure_kind", "structure,name_strlen", S, s->L, &s->kind));
    } else {
        s->kind = calloc(S + 1, s->L + 1); /* outputs written before structure_kind */
        if (!s->kind) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
            goto err;
        }
    }
    if (regia_ncin_has_var(ncid, "lat", NULL) && regia_ncin_has_var(ncid, "lon", NULL)) {
        REGIA_TRY(rd_num(ncid, path, "lat", "structure", S, &s->lat));
        REGIA_TRY(rd_num(ncid, path, "lon", "structure", S, &s->lon));
    }
    REGIA_TRY(rd_num(ncid, path, "day", "day", D, &s->day));
    REGIA_TRY(rd_num_sl(ncid, path, "air_temperature", "day,structure", S, D, 1, &s->temp));
    REGIA_TRY(rd_num_sl(ncid, path, "novelty_score", "day,structure", S, D, 1, &s->nov));
    REGIA_TRY(rd_num_sl(ncid, path, "peak_acceleration", "day,structure", S, D, 1, &s->peak));
    {
        double *a = NULL, *c = NULL;
        st = rd_num_sl(ncid, path, "alert_level", "day,structure", S, D, 1, &a);
        if (!st) st = rd_num_sl(ncid, path, "alert_condition", "day,structure", S, D, 1, &c);
        s->alert = malloc(sizeof(int) * (S * D + 1));
        s->cond = malloc(sizeof(int) * (S * D + 1));
        if (!st && (!s->alert || !s->cond)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
        for (size_t k = 0; !st && k < S * D; k++) {
            s->alert[k] = isfinite(a[k]) ? (int)a[k] : -1;
            s->cond[k] = isfinite(c[k]) ? (int)c[k] : 0;
        }
        free(a);
        free(c);
        if (st) goto err;
    }
    REGIA_TRY(rd_num_sl(ncid, path, "modal_frequency", "day,mode,structure", S, D, M, &s->freq));
    REGIA_TRY(rd_num_sl(ncid, path, "damping_ratio", "day,mode,structure", S, D, M, &s->damp));
    REGIA_TRY(rd_num_sl(ncid, path, "track_frequency", "mode,structure", S, M, 1, &s->trackf));
    REGIA_TRY(rd_num(ncid, path, "novelty_threshold", "structure", S, &s->thr));
    REGIA_TRY(rd_int(ncid, path, "novelty_features", "structure", S, &s->nfeat));
    REGIA_TRY(rd_int(ncid, path, "gev_status", "structure", S, &s->gev_status));
    REGIA_TRY(rd_num(ncid, path, "return_period", "return_period", R, &s->rp));
    REGIA_TRY(rd_num_sl(ncid, path, "return_level", "return_period,structure", S, R, 1, &s->rl));
    REGIA_TRY(rd_num_sl(ncid, path, "return_level_lower", "return_period,structure", S, R, 1, &s->rl_lo));
    REGIA_TRY(rd_num_sl(ncid, path, "return_level_upper", "return_period,structure", S, R, 1, &s->rl_hi));
    s->gev = malloc(sizeof(double) * (3 * S + 1));
    if (!s->gev) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
        goto err;
    }
    {
        const char *gn[3] = {"gev_location", "gev_scale", "gev_shape"};
        for (int k = 0; k < 3; k++) {
            double *g = NULL;
            REGIA_TRY(rd_num(ncid, path, gn[k], "structure", S, &g));
            for (size_t i = 0; i < S; i++) s->gev[i * 3 + k] = g[i];
            free(g);
        }
    }
    if (regia_ncin_has_var(ncid, "alert_reason", NULL)) { /* summaries before it have it in the detail only */
        char *t = NULL;
        size_t RL = 0;
        REGIA_TRY(regia_ncin_dim(ncid, path, "reason_strlen", 1, &RL, NULL));
        REGIA_TRY(rd_text(ncid, path, "alert_reason", "day,structure,reason_strlen", D * S, RL, &t));
        s->RL = RL;
        s->reason = calloc(S * D + 1, RL + 1);
        if (!s->reason) {
            free(t);
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for the alert reasons", path);
            goto err;
        }
        for (size_t k = 0; k < D; k++) /* (day, structure) in the file, structure-major here */
            for (size_t i = 0; i < S; i++) memcpy(s->reason + (i * D + k) * (RL + 1), t + (k * S + i) * (RL + 1), RL + 1);
        free(t);
    }
    /* alert_level's _FillValue (-1) reads as -1; any other value out of 0..2 is none */
    for (size_t k = 0; k < S * D; k++)
        if (s->alert[k] < 0 || s->alert[k] > 2) s->alert[k] = -1;
    {
        double td = att_num(ncid, NC_GLOBAL, "training_days");
        s->training_days = isfinite(td) && td > 0 && td < 1e6 ? (int)td : 0;
        int vid;
        if (regia_ncin_has_var(ncid, "novelty_threshold", &vid)) s->far = att_num(ncid, vid, "false_alarm_rate");
        if (regia_ncin_has_var(ncid, "gev_status", &vid))
            att_text(ncid, vid, "flag_meanings", s->gev_meanings, sizeof s->gev_meanings);
        if (regia_ncin_has_var(ncid, "alert_condition", &vid))
            att_text(ncid, vid, "flag_meanings", s->cond_meanings, sizeof s->cond_meanings);
    }
err:
    if (ncid >= 0) nc_close(ncid);
    return st;
}

void sp_sum_free(sp_sum_t *s)
{
    void *p[] = {s->name, s->kind, s->lat, s->lon, s->day, s->temp, s->nov, s->peak, s->alert, s->cond, s->reason, s->freq,
                 s->damp, s->trackf, s->thr, s->nfeat, s->gev, s->gev_status, s->rp, s->rl, s->rl_lo, s->rl_hi};
    for (size_t k = 0; k < sizeof p / sizeof *p; k++) free(p[k]);
    memset(s, 0, sizeof *s);
}

/* "red: a, b" from the condition bits and the flag meanings (word k = bit k). */
static void reason_of_cond(const sp_sum_t *s, int level, int cond, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "%s", level >= 0 ? sp_level_name(level) : "none");
    const char *w = s->cond_meanings;
    for (int bit = 0; *w && n < cap; bit++) {
        size_t len = strcspn(w, " ");
        if (cond & (1 << bit)) n += (size_t)snprintf(out + n, cap - n, "%s%.*s", strchr(out, ':') ? ", " : ": ",
                                                     (int)len, w);
        w += len;
        while (*w == ' ') w++;
    }
}

regia_status_t sp_reason_read(sp_sum_t *s, const sp_det_t *d)
{
    regia_status_t st = REGIA_OK;
    const size_t S = s->S, D = s->D;
    size_t RL = 240, DR = 0;
    int vid = -1;
    char *raw = NULL;
    regia_ncin_var_t v;
    if (s->reason) return REGIA_OK; /* the summary's own alert_reason (sp_sum_read) */
    if (d->ncid >= 0 && regia_ncin_has_var(d->ncid, "alert_reason", NULL)) {
        REGIA_TRY(regia_ncin_dim(d->ncid, d->path, "reason_strlen", 1, &RL, NULL));
        REGIA_TRY(regia_ncin_dim(d->ncid, d->path, "day", 1, &DR, NULL));
        REGIA_TRY(regia_ncin_check_text(d->ncid, d->path, "alert_reason", "structure,day,reason_strlen", RL, &v));
        vid = DR == D ? v.vid : -1; /* another day range: not this summary's detail */
    }
    s->RL = RL;
    free(s->reason);
    s->reason = calloc(S * D + 1, RL + 1);
    raw = malloc(D * RL + 1);
    if (!s->reason || !raw) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for the alert reasons", s->path);
        goto err;
    }
    for (size_t i = 0; i < S; i++) {
        const int di = vid >= 0 ? sp_det_find(d, sp_name(s, i)) : -1;
        if (di >= 0) {
            size_t st0[3] = {(size_t)di, 0, 0}, cnt[3] = {1, D, RL};
            REGIA_NC(nc_get_vara_text(d->ncid, vid, st0, cnt, raw));
        }
        for (size_t k = 0; k < D; k++) {
            char *o = s->reason + (i * D + k) * (RL + 1);
            if (di >= 0) {
                memcpy(o, raw + k * RL, RL);
                o[RL] = 0;
            } else {
                reason_of_cond(s, s->alert[i * D + k], s->cond[i * D + k], o, RL + 1);
            }
        }
    }
err:
    free(raw);
    return st;
}

regia_status_t sp_det_open(sp_det_t *d, const char *path)
{
    regia_status_t st = REGIA_OK;
    memset(d, 0, sizeof *d);
    d->ncid = -1;
    d->path = path;
    if (!path) return REGIA_OK;
    {
        int rc = nc_open(path, NC_NOWRITE, &d->ncid);
        if (rc != NC_NOERR) {
            d->ncid = -1;
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open the sensors detail: %s", path, nc_strerror(rc));
            goto err;
        }
    }
    REGIA_TRY(regia_ncin_dim(d->ncid, path, "structure", 1, &d->S, NULL));
    REGIA_TRY(regia_ncin_dim(d->ncid, path, "record", 1, &d->NR, NULL));
    REGIA_TRY(regia_ncin_dim(d->ncid, path, "mode_slot", 1, &d->K, NULL));
    REGIA_TRY(regia_ncin_dim(d->ncid, path, "frequency", 1, &d->NF, NULL));
    REGIA_TRY(regia_ncin_dim(d->ncid, path, "pole", 1, &d->P, NULL));
    REGIA_TRY(regia_ncin_dim(d->ncid, path, "name_strlen", 1, &d->L, NULL));
    REGIA_TRY(rd_text(d->ncid, path, "structure_name", "structure,name_strlen", d->S, d->L, &d->name));
    REGIA_TRY(rd_int(d->ncid, path, "record_structure", "record", d->NR, &d->rs));
    d->rec_len = att_num(d->ncid, NC_GLOBAL, "record_length_s");
    if (!isfinite(d->rec_len) || d->rec_len < 0) d->rec_len = 0;
    {
        int vid;
        d->thermal_lag = regia_ncin_has_var(d->ncid, "model_temperature", &vid) ? att_num(d->ncid, vid, "thermal_lag_hours")
                                                                                : NAN;
    }
    {
        int o[4] = {0, 0, 0, 0};
        size_t len = 0;
        nc_type t;
        if (nc_inq_att(d->ncid, NC_GLOBAL, "ssi_block_rows_orders", &t, &len) == NC_NOERR && len == 4 && t == NC_INT &&
            nc_get_att_int(d->ncid, NC_GLOBAL, "ssi_block_rows_orders", o) == NC_NOERR)
            d->ord_max = o[2];
    }
err:
    if (st) sp_det_close(d);
    return st;
}

void sp_det_close(sp_det_t *d)
{
    if (d->ncid >= 0) nc_close(d->ncid);
    free(d->name);
    free(d->rs);
    d->name = NULL;
    d->rs = NULL;
    d->ncid = -1;
}

int sp_det_find(const sp_det_t *d, const char *name)
{
    if (d->ncid < 0) return -1;
    for (size_t i = 0; i < d->S; i++)
        if (!strcmp(d->name + i * (d->L + 1), name)) return (int)i;
    return -1;
}

/* Rows [r0, r0 + n) of a (record[, X]) variable with `inner` values per row. */
static regia_status_t rd_rows(const sp_det_t *d, const char *name, const char *layout, size_t r0, size_t n,
                              size_t inner, int as_int, void *out)
{
    regia_status_t st = REGIA_OK;
    regia_ncin_var_t v;
    REGIA_TRY(regia_ncin_check_var(d->ncid, d->path, name, REGIA_NCIN_NUMERIC, layout, &v));
    if (v.len[0] < r0 + n || (v.ndims > 1 && v.len[1] != inner)) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' is shorter than the structure's records %zu..%zu",
                        d->path, name, r0, r0 + n);
        goto err;
    }
    size_t start[2] = {r0, 0}, count[2] = {n, inner};
    if (as_int) REGIA_NC(nc_get_vara_int(d->ncid, v.vid, start, count, out));
    else REGIA_NC(nc_get_vara_double(d->ncid, v.vid, start, count, out));
err:
    return st;
}

regia_status_t sp_recs_read(const sp_det_t *d, int di, sp_recs_t *r)
{
    regia_status_t st = REGIA_OK;
    memset(r, 0, sizeof *r);
    size_t r0 = d->NR, r1 = 0;
    for (size_t k = 0; k < d->NR; k++)
        if (d->rs[k] == di) {
            if (k < r0) r0 = k;
            r1 = k + 1;
        }
    if (r1 == 0) return REGIA_OK;
    const size_t n = r1 - r0, K = d->K;
    r->r0 = r0;
    r->n = n;
    r->K = K;
    r->thermal_lag = d->thermal_lag;
    r->t = malloc(sizeof(double) * n);
    r->status = malloc(sizeof(int) * n);
    r->temp = malloc(sizeof(double) * n);
    r->tmodel = malloc(sizeof(double) * n);
    r->nov = malloc(sizeof(double) * n);
    r->mf = malloc(sizeof(double) * n * K);
    r->mnum = malloc(sizeof(int) * n * K);
    if (!r->t || !r->status || !r->temp || !r->tmodel || !r->nov || !r->mf || !r->mnum) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory reading %zu records", d->path, n);
        goto err;
    }
    REGIA_TRY(rd_rows(d, "record_time", "record", r0, n, 1, 0, r->t));
    REGIA_TRY(rd_rows(d, "record_status", "record", r0, n, 1, 1, r->status));
    REGIA_TRY(rd_rows(d, "record_temperature", "record", r0, n, 1, 0, r->temp));
    REGIA_TRY(rd_rows(d, isnan(d->thermal_lag) ? "record_temperature" : "model_temperature", "record", r0, n, 1, 0,
                      r->tmodel));
    REGIA_TRY(rd_rows(d, "novelty", "record", r0, n, 1, 0, r->nov));
    REGIA_TRY(rd_rows(d, "mode_frequency", "record,mode_slot", r0, n, K, 0, r->mf));
    REGIA_TRY(rd_rows(d, "mode_number", "record,mode_slot", r0, n, K, 1, r->mnum));
    for (size_t k = 0; k < n; k++) r->t[k] = (r->t[k] + 0.5 * d->rec_len) / 86400.0;
    /* records belonging to another structure inside the range (never in a regia detail) */
    for (size_t k = 0; k < n; k++)
        if (d->rs[r0 + k] != di) r->status[k] = -1, r->t[k] = r->temp[k] = r->tmodel[k] = r->nov[k] = NAN;
err:
    if (st) sp_recs_free(r);
    return st;
}

void sp_recs_free(sp_recs_t *r)
{
    free(r->t);
    free(r->status);
    free(r->temp);
    free(r->tmodel);
    free(r->nov);
    free(r->mf);
    free(r->mnum);
    memset(r, 0, sizeof *r);
}

regia_status_t sp_det_row(const sp_det_t *d, const char *name, size_t rec, size_t n, double *out)
{
    regia_status_t st = REGIA_OK;
    regia_ncin_var_t v;
    REGIA_TRY(regia_ncin_check_var(d->ncid, d->path, name, REGIA_NCIN_NUMERIC,
                                   "record,frequency|record,pole|structure,frequency", &v));
    if (v.len[0] <= rec || v.len[1] != n) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has no row %zu of %zu values", d->path, name, rec, n);
        goto err;
    }
    size_t start[2] = {rec, 0}, count[2] = {1, n};
    REGIA_NC(nc_get_vara_double(d->ncid, v.vid, start, count, out));
err:
    return st;
}

void sp_gev_status_name(const sp_sum_t *s, int v, char *buf, size_t cap)
{
    const char *w = s->gev_meanings;
    for (int k = 0; v >= 0 && *w; k++) {
        while (*w == ' ') w++;
        size_t n = strcspn(w, " ");
        if (k == v && n > 0) {
            snprintf(buf, cap, "%.*s", (int)n, w);
            return;
        }
        w += n;
    }
    snprintf(buf, cap, "%d", v);
}
