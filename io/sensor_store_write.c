/* The sensor store's writer: serial or collective NetCDF-4 files (see regia/sensor_store.h;
 * layout: docs/sensors.md). */
#include <math.h>
#include <mpi.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regia/io.h"
#include "regia/ncio.h"
#include "regia/sensor_store.h"
#include "sensor_store_impl.h"

typedef struct {
    char name[REGIA_SS_NAME];
    int gid;
} w_group_t;

typedef struct {
    int st;
    char name[REGIA_SS_NAME];
    int gid;
} w_sensor_t;

typedef struct {
    int gid, vid;
    int64_t n;
    int uncached;
} w_trace_t;

enum { TV_TIME, TV_TEMP, TV_FREQ, TV_DAMP, TV_CHAN, TV_SHAPE, TV_FSENS, TV_FCHAN, TV_FKIND, TV_FSTART, TV_FEND,
       TV_FVAL, TV_N };

typedef struct {
    int gid, nrec, nmodes, nch, nfaults;
    int v[TV_N];
} w_truth_t;

struct regia_ss_writer {
    char *path;
    MPI_Comm comm;
    int par, rank, ncid, truth_gid;
    w_group_t *st;
    int nst, capst;
    w_sensor_t *se;
    int nse, capse;
    w_trace_t *tr;
    int ntr, captr;
    w_truth_t *tt;
    int ntt, captt;
    float *buf;
    size_t bcap;
    int64_t chunk;
};

#define ATT_TEXT(g, v, k, s) REGIA_NC(nc_put_att_text((g), (v), (k), strlen(s), (s)))

/* Grow an array of n elements of size sz to hold one more. */
static regia_status_t grow(void **p, int n, int *cap, size_t sz, const char *path)
{
    if (n < *cap) return REGIA_OK;
    int nc = *cap ? 2 * *cap : 64;
    void *q = realloc(*p, (size_t)nc * sz);
    if (!q) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
    *p = q;
    *cap = nc;
    return REGIA_OK;
}

regia_status_t regia_ss_create(const char *path, MPI_Comm comm, const regia_ss_file_info_t *info,
                               regia_ss_writer_t **out)
{
    regia_status_t st = REGIA_OK;
    *out = NULL;
    regia_ss_writer_t *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) { free(w); return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path); }
    w->comm = comm;
    w->par = comm != MPI_COMM_NULL;
    w->ncid = -1;
    w->truth_gid = -1;
    int rc;
    if (w->par) {
        MPI_Comm_rank(comm, &w->rank);
        rc = nc_create_par(path, NC_NETCDF4 | NC_CLOBBER, comm, MPI_INFO_NULL, &w->ncid);
    } else {
        rc = nc_create(path, NC_NETCDF4 | NC_CLOBBER, &w->ncid);
    }
    if (rc != NC_NOERR) {
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create the sensor store file: %s", path, nc_strerror(rc));
        w->ncid = -1;
        goto err;
    }
    {
        int one = SS_LAYOUT_VERSION, ncid = w->ncid;
        ATT_TEXT(ncid, NC_GLOBAL, "Conventions", SS_CONVENTIONS);
        ATT_TEXT(ncid, NC_GLOBAL, "title", info && info->title ? info->title : "Structural monitoring records");
        ATT_TEXT(ncid, NC_GLOBAL, "source", info && info->source ? info->source : "unknown");
        if (info && info->history) ATT_TEXT(ncid, NC_GLOBAL, "history", info->history);
        REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "regia_sensor_store", NC_INT, 1, &one));
        ATT_TEXT(ncid, NC_GLOBAL, "synthetic", info && info->synthetic ? "yes" : "no");
    }
    *out = w;
    return REGIA_OK;
err:
    regia_ss_writer_close(w, 1);
    return st;
}

static int find_struct(const regia_ss_writer_t *w, const char *name)
{
    for (int i = 0; i < w->nst; i++)
        if (!strcmp(w->st[i].name, name)) return i;
    return -1;
}

regia_status_t regia_ss_def_structure(regia_ss_writer_t *w, const char *structure, const char *kind,
                                      const char *description)
{
    regia_status_t st = REGIA_OK;
    if (!structure[0] || strchr(structure, '/') || strlen(structure) >= REGIA_SS_NAME || !strcmp(structure, SS_TRUTH_GROUP))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: '%s' cannot name a structure (1-%d characters, no '/', not '%s')",
                          w->path, structure, REGIA_SS_NAME - 1, SS_TRUTH_GROUP);
    if (find_struct(w, structure) >= 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: structure '%s' defined twice", w->path, structure);
    REGIA_TRY(grow((void **)&w->st, w->nst, &w->capst, sizeof *w->st, w->path));
    w_group_t *g = &w->st[w->nst];
    snprintf(g->name, sizeof g->name, "%s", structure);
    REGIA_NC(nc_def_grp(w->ncid, structure, &g->gid));
    ATT_TEXT(g->gid, NC_GLOBAL, "structure_kind", kind ? kind : "");
    if (description) ATT_TEXT(g->gid, NC_GLOBAL, "description", description);
    w->nst++;
err:
    if (st != REGIA_OK) regia_error_prefix("%s: structure %s: ", w->path, structure);
    return st;
}

static regia_status_t sensor_group(regia_ss_writer_t *w, int si, const char *sensor, int *gid)
{
    regia_status_t st = REGIA_OK;
    for (int i = w->nse - 1; i >= 0; i--)
        if (w->se[i].st == si && !strcmp(w->se[i].name, sensor)) { *gid = w->se[i].gid; return REGIA_OK; }
    REGIA_TRY(grow((void **)&w->se, w->nse, &w->capse, sizeof *w->se, w->path));
    w_sensor_t *p = &w->se[w->nse];
    p->st = si;
    snprintf(p->name, sizeof p->name, "%s", sensor);
    REGIA_NC(nc_def_grp(w->st[si].gid, sensor, &p->gid));
    *gid = p->gid;
    w->nse++;
err:
    return st;
}

void regia_ss_set_chunk(regia_ss_writer_t *w, int64_t samples) { w->chunk = samples > 0 ? samples : 0; }

regia_status_t regia_ss_def_trace(regia_ss_writer_t *w, const regia_trace_meta_t *m, int *id)
{
    regia_status_t st = REGIA_OK;
    char name[REGIA_SS_VARNAME];
    int si = find_struct(w, m->structure), gid = -1, did, vid, dummy;
    if (si < 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace %s/%s/%s: structure '%s' is not defined", w->path,
                          m->structure, m->sensor, m->channel, m->structure);
    if (strlen(m->sensor) >= REGIA_SS_NAME || strlen(m->channel) >= REGIA_SS_NAME || strlen(m->units) >= REGIA_SS_UNITS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace %s/%s/%s: a name is too long", w->path, m->structure,
                          m->sensor, m->channel);
    if (m->kind < 0 || m->kind >= REGIA_SENSOR_NKINDS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace %s/%s/%s: kind %d", w->path, m->structure, m->sensor,
                          m->channel, (int)m->kind);
    REGIA_TRY(regia_trace_varname(m, name, sizeof name));
    REGIA_TRY(sensor_group(w, si, m->sensor, &gid));
    if (nc_inq_varid(gid, name, &dummy) == NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace %s is defined twice in /%s/%s", w->path, name, m->structure,
                          m->sensor);
    REGIA_TRY(grow((void **)&w->tr, w->ntr, &w->captr, sizeof *w->tr, w->path));
    REGIA_NC(nc_def_dim(gid, name, (size_t)m->n, &did));
    int64_t cl = w->chunk > 0 ? w->chunk : SS_CHUNK;
    size_t chunk = (size_t)(m->n < cl ? m->n : cl);
    REGIA_TRY(regia_nc_def_data(gid, name, NC_FLOAT, 1, &did, &chunk, &vid));
    {
        long long t0 = m->start_ns;
        double cal = m->calibration > 0 ? m->calibration : 1.0;
        REGIA_NC(nc_put_att_double(gid, vid, "sampling_rate", NC_DOUBLE, 1, &m->fs));
        REGIA_NC(nc_put_att_longlong(gid, vid, "starttime", NC_INT64, 1, &t0));
        ATT_TEXT(gid, vid, "units", m->units);
        ATT_TEXT(gid, vid, "kind", regia_sensor_kind_name(m->kind));
        ATT_TEXT(gid, vid, "channel", m->channel);
        REGIA_NC(nc_put_att_double(gid, vid, "calibration", NC_DOUBLE, 1, &cal));
        REGIA_NC(nc_put_att_double(gid, vid, "position", NC_DOUBLE, 3, m->position));
        REGIA_NC(nc_put_att_double(gid, vid, "orientation", NC_DOUBLE, 3, m->orientation));
    }
    w->tr[w->ntr] = (w_trace_t){gid, vid, m->n, 0};
    *id = w->ntr++;
err:
    return st;
}

regia_status_t regia_ss_def_truth(regia_ss_writer_t *w, const char *structure, int nrec, int nmodes, int nch,
                                  int nfaults, int64_t damage_ns, double damage_loss, int *id)
{
    regia_status_t st = REGIA_OK;
    if (nrec < 1 || nmodes < 1 || nch < 1 || nfaults < 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: truth of %s: %d records, %d modes, %d channels, %d faults", w->path,
                          structure, nrec, nmodes, nch, nfaults);
    if (w->truth_gid < 0) REGIA_NC(nc_def_grp(w->ncid, SS_TRUTH_GROUP, &w->truth_gid));
    REGIA_TRY(grow((void **)&w->tt, w->ntt, &w->captt, sizeof *w->tt, w->path));
    w_truth_t *t = &w->tt[w->ntt];
    memset(t, 0, sizeof *t);
    for (int i = 0; i < TV_N; i++) t->v[i] = -1;
    t->nrec = nrec;
    t->nmodes = nmodes;
    t->nch = nch;
    t->nfaults = nfaults;
    REGIA_NC(nc_def_grp(w->truth_gid, structure, &t->gid));
    int g = t->gid, d_rec, d_mode, d_ch, d_str, d_f, d2[2];
    if (damage_ns != INT64_MIN) {
        long long dt = damage_ns;
        REGIA_NC(nc_put_att_longlong(g, NC_GLOBAL, "damage_time", NC_INT64, 1, &dt));
        ATT_TEXT(g, NC_GLOBAL, "damage_time_units", "ns since 1970-01-01T00:00:00Z");
    }
    REGIA_NC(nc_put_att_double(g, NC_GLOBAL, "damage_stiffness_loss", NC_DOUBLE, 1, &damage_loss));
    REGIA_NC(nc_def_dim(g, "record", (size_t)nrec, &d_rec));
    REGIA_NC(nc_def_dim(g, "mode", (size_t)nmodes, &d_mode));
    REGIA_NC(nc_def_dim(g, "channel", (size_t)nch, &d_ch));
    REGIA_NC(nc_def_dim(g, "name_strlen", 2 * REGIA_SS_NAME, &d_str));
    REGIA_TRY(regia_nc_def_data(g, "time", NC_INT64, 1, &d_rec, NULL, &t->v[TV_TIME]));
    ATT_TEXT(g, t->v[TV_TIME], "units", "ns since 1970-01-01T00:00:00Z");
    ATT_TEXT(g, t->v[TV_TIME], "long_name", "start of the record");
    REGIA_TRY(regia_nc_def_data(g, "temperature", NC_DOUBLE, 1, &d_rec, NULL, &t->v[TV_TEMP]));
    ATT_TEXT(g, t->v[TV_TEMP], "units", "degC");
    ATT_TEXT(g, t->v[TV_TEMP], "long_name", "effective temperature of the structure during the record");
    d2[0] = d_rec;
    d2[1] = d_mode;
    REGIA_TRY(regia_nc_def_data(g, "frequency", NC_DOUBLE, 2, d2, NULL, &t->v[TV_FREQ]));
    ATT_TEXT(g, t->v[TV_FREQ], "units", "Hz");
    ATT_TEXT(g, t->v[TV_FREQ], "long_name", "true natural frequency");
    REGIA_TRY(regia_nc_def_data(g, "damping", NC_DOUBLE, 2, d2, NULL, &t->v[TV_DAMP]));
    ATT_TEXT(g, t->v[TV_DAMP], "units", "1");
    ATT_TEXT(g, t->v[TV_DAMP], "long_name", "true damping ratio (fraction of critical)");
    d2[0] = d_ch;
    d2[1] = d_str;
    REGIA_TRY(regia_nc_def_data(g, "channel_name", NC_CHAR, 2, d2, NULL, &t->v[TV_CHAN]));
    d2[0] = d_mode;
    d2[1] = d_ch;
    REGIA_TRY(regia_nc_def_data(g, "mode_shape", NC_DOUBLE, 2, d2, NULL, &t->v[TV_SHAPE]));
    ATT_TEXT(g, t->v[TV_SHAPE], "long_name", "real mode shape at each acceleration channel, largest component 1");
    if (nfaults > 0) {
        static const signed char fv[] = {1, 2, 3, 4, 5, 6, 7};
        REGIA_NC(nc_def_dim(g, "fault", (size_t)nfaults, &d_f));
        d2[0] = d_f;
        d2[1] = d_str;
        REGIA_TRY(regia_nc_def_data(g, "fault_sensor", NC_CHAR, 2, d2, NULL, &t->v[TV_FSENS]));
        REGIA_TRY(regia_nc_def_data(g, "fault_channel", NC_CHAR, 2, d2, NULL, &t->v[TV_FCHAN]));
        REGIA_TRY(regia_nc_def_data(g, "fault_kind", NC_BYTE, 1, &d_f, NULL, &t->v[TV_FKIND]));
        REGIA_NC(nc_put_att_schar(g, t->v[TV_FKIND], "flag_values", NC_BYTE, 7, fv));
        ATT_TEXT(g, t->v[TV_FKIND], "flag_meanings", SS_FAULT_MEANINGS);
        REGIA_TRY(regia_nc_def_data(g, "fault_start", NC_INT64, 1, &d_f, NULL, &t->v[TV_FSTART]));
        ATT_TEXT(g, t->v[TV_FSTART], "units", "ns since 1970-01-01T00:00:00Z");
        REGIA_TRY(regia_nc_def_data(g, "fault_end", NC_INT64, 1, &d_f, NULL, &t->v[TV_FEND]));
        ATT_TEXT(g, t->v[TV_FEND], "units", "ns since 1970-01-01T00:00:00Z");
        REGIA_TRY(regia_nc_def_data(g, "fault_value", NC_DOUBLE, 1, &d_f, NULL, &t->v[TV_FVAL]));
        ATT_TEXT(g, t->v[TV_FVAL], "long_name",
                 "spike amplitude, stuck value, clip level, drift per day, remaining gain or clock offset (s)");
    }
    *id = w->ntt++;
err:
    if (st != REGIA_OK) regia_error_prefix("%s: truth of %s: ", w->path, structure);
    return st;
}

regia_status_t regia_ss_enddef(regia_ss_writer_t *w)
{
    regia_status_t st = REGIA_OK;
    REGIA_NC(nc_enddef(w->ncid));
err:
    if (st != REGIA_OK) regia_error_prefix("%s: ", w->path);
    return st;
}

/* Rows [0, rows) of a variable (collective when parallel; rows = 0 on ranks without data). */
static regia_status_t put(regia_ss_writer_t *w, int gid, int vid, int nd, int64_t s0, int64_t rows,
                          const size_t *inner, nc_type t, const void *data)
{
    regia_status_t st = REGIA_OK;
    if (w->par) return regia_nc_put_rows(gid, vid, nd, s0, rows, inner, t, data);
    if (rows == 0) return REGIA_OK;
    size_t start[2] = {(size_t)s0, 0}, count[2] = {(size_t)rows, nd > 1 ? inner[0] : 0};
    switch (t) {
    case NC_FLOAT: REGIA_NC(nc_put_vara_float(gid, vid, start, count, data)); break;
    case NC_DOUBLE: REGIA_NC(nc_put_vara_double(gid, vid, start, count, data)); break;
    case NC_CHAR: REGIA_NC(nc_put_vara_text(gid, vid, start, count, data)); break;
    case NC_BYTE: REGIA_NC(nc_put_vara_schar(gid, vid, start, count, data)); break;
    case NC_INT64: REGIA_NC(nc_put_vara_longlong(gid, vid, start, count, data)); break;
    default: return REGIA_FAIL(REGIA_ERR_INVALID, "sensor store: unsupported type %d", (int)t);
    }
err:
    return st;
}

regia_status_t regia_ss_write(regia_ss_writer_t *w, int id, int64_t k0, int64_t n, const double *x)
{
    regia_status_t st = REGIA_OK;
    if (id < 0 || id >= w->ntr) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no trace %d", w->path, id);
    const w_trace_t *t = &w->tr[id];
    if (n < 0 || (n > 0 && (k0 < 0 || k0 + n > t->n)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace %d: samples %lld..%lld outside its %lld", w->path, id,
                          (long long)k0, (long long)(k0 + n - 1), (long long)t->n);
    if ((size_t)n > w->bcap) {
        float *p = realloc(w->buf, (size_t)n * sizeof *p);
        if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for %lld samples", w->path, (long long)n);
        w->buf = p;
        w->bcap = (size_t)n;
    }
    for (int64_t k = 0; k < n; k++) w->buf[k] = (float)x[k];
    if ((n > 0 || w->par) && !t->uncached) { /* parallel: every rank (it reopens the dataset) */
        /* no chunk cache (set once the dataset exists): NetCDF-C keeps every variable open
         * to the close, and a cache per variable would hold every chunk of a long run */
        int rc = nc_set_var_chunk_cache(t->gid, t->vid, 0, 0, 0.75f);
        if (rc != NC_NOERR) return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: trace %d: chunk cache: %s", w->path, id, nc_strerror(rc));
        w->tr[id].uncached = 1;
    }
    st = put(w, t->gid, t->vid, 1, n ? k0 : 0, n, NULL, NC_FLOAT, w->buf);
    if (st != REGIA_OK) {
        char name[NC_MAX_NAME + 1] = "";
        nc_inq_varname(t->gid, t->vid, name);
        regia_error_prefix("%s: writing trace %s: ", w->path, name);
    }
    return st;
}

regia_status_t regia_ss_put_truth(regia_ss_writer_t *w, int id, const regia_ss_truth_t *t)
{
    regia_status_t st = REGIA_OK;
    char *txt = NULL;
    signed char *kinds = NULL;
    int64_t *i64 = NULL;
    double *f64 = NULL;
    if (id < 0 || id >= w->ntt) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no truth %d", w->path, id);
    const w_truth_t *d = &w->tt[id];
    int have = t != NULL;
    if (have && (t->nrec != d->nrec || t->nmodes != d->nmodes || t->nch != d->nch || t->nfaults != d->nfaults))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: truth of %s: sizes differ from the defined ones", w->path,
                          t->structure);
    int g = d->gid;
    size_t nm = (size_t)d->nmodes, nc = (size_t)d->nch, ls = 2 * REGIA_SS_NAME;
    REGIA_TRY(put(w, g, d->v[TV_TIME], 1, 0, have ? d->nrec : 0, NULL, NC_INT64, have ? t->time_ns : NULL));
    REGIA_TRY(put(w, g, d->v[TV_TEMP], 1, 0, have ? d->nrec : 0, NULL, NC_DOUBLE, have ? t->temperature : NULL));
    REGIA_TRY(put(w, g, d->v[TV_FREQ], 2, 0, have ? d->nrec : 0, &nm, NC_DOUBLE, have ? t->freq : NULL));
    REGIA_TRY(put(w, g, d->v[TV_DAMP], 2, 0, have ? d->nrec : 0, &nm, NC_DOUBLE, have ? t->damping : NULL));
    REGIA_TRY(put(w, g, d->v[TV_CHAN], 2, 0, have ? d->nch : 0, &ls, NC_CHAR, have ? (const void *)t->chan : NULL));
    REGIA_TRY(put(w, g, d->v[TV_SHAPE], 2, 0, have ? d->nmodes : 0, &nc, NC_DOUBLE, have ? t->shape : NULL));
    if (d->nfaults > 0) {
        size_t nf = (size_t)d->nfaults;
        if (have) {
            txt = calloc(nf * 2 * ls, 1);
            kinds = malloc(nf);
            i64 = malloc(2 * nf * sizeof *i64);
            f64 = malloc(nf * sizeof *f64);
            if (!txt || !kinds || !i64 || !f64) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", w->path); goto err; }
            for (size_t i = 0; i < nf; i++) {
                const regia_ss_fault_t *f = &t->faults[i];
                snprintf(txt + i * ls, ls, "%s", f->sensor);
                snprintf(txt + (nf + i) * ls, ls, "%s", f->channel);
                kinds[i] = (signed char)f->kind;
                i64[i] = f->start_ns;
                i64[nf + i] = f->end_ns;
                f64[i] = f->value;
            }
        }
        int64_t r = have ? d->nfaults : 0;
        REGIA_TRY(put(w, g, d->v[TV_FSENS], 2, 0, r, &ls, NC_CHAR, txt));
        REGIA_TRY(put(w, g, d->v[TV_FCHAN], 2, 0, r, &ls, NC_CHAR, txt ? txt + nf * ls : NULL));
        REGIA_TRY(put(w, g, d->v[TV_FKIND], 1, 0, r, NULL, NC_BYTE, kinds));
        REGIA_TRY(put(w, g, d->v[TV_FSTART], 1, 0, r, NULL, NC_INT64, i64));
        REGIA_TRY(put(w, g, d->v[TV_FEND], 1, 0, r, NULL, NC_INT64, i64 ? i64 + nf : NULL));
        REGIA_TRY(put(w, g, d->v[TV_FVAL], 1, 0, r, NULL, NC_DOUBLE, f64));
    }
err:
    if (st != REGIA_OK) regia_error_prefix("%s: writing the truth: ", w->path);
    free(txt);
    free(kinds);
    free(i64);
    free(f64);
    return st;
}

regia_status_t regia_ss_writer_close(regia_ss_writer_t *w, int abort_file)
{
    regia_status_t st = REGIA_OK;
    if (!w) return REGIA_OK;
    if (w->ncid >= 0) {
        int rc = nc_close(w->ncid);
        if (rc != NC_NOERR && !abort_file)
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: closing the sensor store file: %s", w->path, nc_strerror(rc));
    }
    if (abort_file && w->rank == 0) unlink(w->path);
    free(w->path);
    free(w->st);
    free(w->se);
    free(w->tr);
    free(w->tt);
    free(w->buf);
    free(w);
    return st;
}
