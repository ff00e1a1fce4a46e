/* The sensor store's reader and the names shared with its writer (see regia/sensor_store.h;
 * layout: docs/sensors.md). */
#include <dirent.h>
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "regia/io.h"
#include "regia/sensor_store.h"
#include "regia/timeutil.h"
#include "sensor_store_impl.h"

static const char *KIND_NAMES[REGIA_SENSOR_NKINDS] = {"accel", "temperature", "inclination", "humidity", "other"};
static const char *FAULT_NAMES[REGIA_FAULT_NKINDS] = {"none", "spike", "flat", "clip", "gap", "drift", "dead", "clock"};

const char *regia_sensor_kind_name(regia_sensor_kind_t k)
{
    return (k >= 0 && k < REGIA_SENSOR_NKINDS) ? KIND_NAMES[k] : "other";
}

int regia_sensor_kind_parse(const char *name)
{
    for (int k = 0; k < REGIA_SENSOR_NKINDS; k++)
        if (!strcmp(name, KIND_NAMES[k])) return k;
    return -1;
}

const char *regia_fault_kind_name(regia_fault_kind_t k)
{
    return (k > 0 && k < REGIA_FAULT_NKINDS) ? FAULT_NAMES[k] : "unknown";
}

static int64_t sample_ns(double fs, int64_t k) { return (int64_t)llround((double)k * 1e9 / fs); }

int64_t regia_trace_end_ns(const regia_trace_meta_t *m) { return m->start_ns + sample_ns(m->fs, m->n); }

/* "YYYY-MM-DDTHH:MM:SS.uuuuuu" of t (ns). */
static void fmt_iso_us(int64_t t, char *out, size_t cap)
{
    int64_t s = regia_floordiv(t, 1000000000), us = (t - s * 1000000000) / 1000;
    int64_t d = regia_floordiv(s, 86400);
    int y, mo, dd;
    regia_civil_from_days(d, &y, &mo, &dd);
    int sec = (int)(s - d * 86400);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06d", y, mo, dd, sec / 3600, (sec / 60) % 60, sec % 60,
             (int)us);
}

static int bad_name(const char *s) { return !s[0] || strchr(s, '/') != NULL; }

regia_status_t regia_trace_varname(const regia_trace_meta_t *m, char *out, size_t cap)
{
    char a[64], b[64];
    if (bad_name(m->structure) || bad_name(m->sensor) || bad_name(m->channel) || bad_name(m->tag))
        return REGIA_FAIL(REGIA_ERR_INVALID, "trace '%s/%s/%s' (tag '%s'): names must be non-empty and hold no '/'",
                          m->structure, m->sensor, m->channel, m->tag);
    if (!(m->fs > 0) || !isfinite(m->fs) || m->n < 1)
        return REGIA_FAIL(REGIA_ERR_INVALID, "trace %s/%s/%s: sampling rate %g Hz and %lld samples (both must be > 0)",
                          m->structure, m->sensor, m->channel, m->fs, (long long)m->n);
    fmt_iso_us(m->start_ns, a, sizeof a);
    fmt_iso_us(m->start_ns + sample_ns(m->fs, m->n - 1), b, sizeof b);
    int k = snprintf(out, cap, "%s.%s..%s__%s__%s__%s", m->structure, m->sensor, m->channel, a, b, m->tag);
    if (k < 0 || (size_t)k >= cap || k > NC_MAX_NAME)
        return REGIA_FAIL(REGIA_ERR_INVALID, "trace %s/%s/%s: the variable name would be %d characters (at most %d)",
                          m->structure, m->sensor, m->channel, k, NC_MAX_NAME);
    return REGIA_OK;
}

/* ---- the reader ----------------------------------------------------------------------- */

typedef struct {
    regia_trace_meta_t m;
    int gid, vid;
    int uncached;
} ss_trace_t;

typedef struct {
    char name[REGIA_SS_NAME], kind[REGIA_SS_NAME];
    int file;
} ss_struct_t;

struct regia_sensor_store {
    char *path;
    int nfiles;
    char **files;
    int *ncid, *synthetic;
    ss_trace_t *tr;
    size_t ntr, cap;
    ss_struct_t *st;
    int nst, capst;
};

const char *regia_ss_path(const regia_sensor_store_t *s) { return s->path; }
int regia_ss_nfiles(const regia_sensor_store_t *s) { return s->nfiles; }
const char *regia_ss_file(const regia_sensor_store_t *s, int i) { return (i >= 0 && i < s->nfiles) ? s->files[i] : NULL; }
size_t regia_ss_ntraces(const regia_sensor_store_t *s) { return s->ntr; }
const regia_trace_meta_t *regia_ss_trace(const regia_sensor_store_t *s, size_t i)
{
    return i < s->ntr ? &s->tr[i].m : NULL;
}

int regia_ss_synthetic(const regia_sensor_store_t *s)
{
    for (int i = 0; i < s->nfiles; i++)
        if (!s->synthetic[i]) return 0;
    return s->nfiles > 0;
}

void regia_ss_close(regia_sensor_store_t *s)
{
    if (!s) return;
    for (int i = 0; i < s->nfiles; i++) {
        if (s->ncid && s->ncid[i] >= 0) nc_close(s->ncid[i]);
        free(s->files[i]);
    }
    free(s->files);
    free(s->ncid);
    free(s->synthetic);
    free(s->tr);
    free(s->st);
    free(s->path);
    free(s);
}

/* Text attribute att of (gid, vid) into out; absent: *out = "" (error when required). */
static regia_status_t get_text(int gid, int vid, const char *att, char *out, size_t cap, int required,
                               const char *file, const char *where)
{
    nc_type t;
    size_t len;
    out[0] = 0;
    if (nc_inq_att(gid, vid, att, &t, &len) != NC_NOERR) {
        if (required) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s has no attribute '%s'", file, where, att);
        return REGIA_OK;
    }
    if (t == NC_STRING) {
        char *p = NULL;
        if (len != 1 || nc_get_att_string(gid, vid, att, &p) != NC_NOERR)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: attribute '%s' is not one string", file, where, att);
        snprintf(out, cap, "%s", p ? p : "");
        nc_free_string(1, &p);
        return REGIA_OK;
    }
    if (t != NC_CHAR) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: attribute '%s' is not text", file, where, att);
    if (len >= cap)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: attribute '%s' is %zu characters (at most %zu)", file, where,
                          att, len, cap - 1);
    int rc = nc_get_att_text(gid, vid, att, out);
    if (rc != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: reading attribute '%s': %s", file, where, att, nc_strerror(rc));
    out[len] = 0;
    return REGIA_OK;
}

/* n doubles of attribute att; absent: dflt (error when dflt is NULL). The attribute must
 * be of type `want` (NC_DOUBLE or NC_INT64) when want is not 0. */
static regia_status_t get_nums(int gid, int vid, const char *att, nc_type want, size_t n, double *out,
                               const double *dflt, const char *file, const char *where)
{
    nc_type t;
    size_t len;
    if (nc_inq_att(gid, vid, att, &t, &len) != NC_NOERR) {
        if (!dflt) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s has no attribute '%s'", file, where, att);
        memcpy(out, dflt, n * sizeof *out);
        return REGIA_OK;
    }
    if (len != n)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: attribute '%s' has %zu values (expected %zu)", file, where,
                          att, len, n);
    if (want && t != want)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: attribute '%s' must be %s (found type %d)", file, where, att,
                          want == NC_DOUBLE ? "a 64-bit float" : "a 64-bit integer", (int)t);
    if (t == NC_CHAR || t == NC_STRING)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: attribute '%s' must be numeric", file, where, att);
    int rc = nc_get_att_double(gid, vid, att, out);
    if (rc != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: reading attribute '%s': %s", file, where, att, nc_strerror(rc));
    for (size_t i = 0; i < n; i++)
        if (!isfinite(out[i]))
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: attribute '%s' is not finite", file, where, att);
    return REGIA_OK;
}

static regia_status_t push_trace(regia_sensor_store_t *s, const ss_trace_t *t)
{
    if (s->ntr == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 256;
        void *p = realloc(s->tr, nc * sizeof *s->tr);
        if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "sensor store: out of memory for %zu traces", nc);
        s->tr = p;
        s->cap = nc;
    }
    s->tr[s->ntr++] = *t;
    return REGIA_OK;
}

/* The traces of one sensor group. */
static regia_status_t scan_sensor(regia_sensor_store_t *s, int fi, int gid, const char *sname, const char *sens)
{
    regia_status_t st = REGIA_OK;
    const char *file = s->files[fi];
    int nv = 0, *vids = NULL;
    REGIA_NC(nc_inq_varids(gid, &nv, NULL));
    vids = malloc((size_t)(nv ? nv : 1) * sizeof *vids);
    if (!vids) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", file);
    REGIA_NC(nc_inq_varids(gid, &nv, vids));
    for (int i = 0; i < nv; i++) {
        ss_trace_t t;
        memset(&t, 0, sizeof t);
        char where[REGIA_SS_VARNAME + 2 * REGIA_SS_NAME + 16], kind[REGIA_SS_NAME];
        nc_type type;
        int nd, dim;
        REGIA_NC(nc_inq_varname(gid, vids[i], t.m.name));
        snprintf(where, sizeof where, "trace /%s/%s/%s", sname, sens, t.m.name);
        REGIA_NC(nc_inq_var(gid, vids[i], NULL, &type, &nd, NULL, NULL));
        if (nd != 1 || (type != NC_FLOAT && type != NC_DOUBLE)) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s is not a 1-D float32 or float64 variable", file, where);
            goto err;
        }
        REGIA_NC(nc_inq_vardimid(gid, vids[i], &dim));
        size_t len;
        REGIA_NC(nc_inq_dimlen(gid, dim, &len));
        double fs, t0, cal, one = 1, zero3[3] = {0, 0, 0};
        REGIA_TRY(get_nums(gid, vids[i], "sampling_rate", NC_DOUBLE, 1, &fs, NULL, file, where));
        if (!(fs > 0)) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: sampling_rate %g Hz is not positive", file, where, fs);
            goto err;
        }
        {   /* starttime: int64 read exactly */
            nc_type at;
            size_t alen;
            long long v;
            if (nc_inq_att(gid, vids[i], "starttime", &at, &alen) != NC_NOERR) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s has no attribute 'starttime'", file, where);
                goto err;
            }
            if (at != NC_INT64 || alen != 1) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: attribute 'starttime' must be one 64-bit integer (ns since 1970 UTC)",
                                file, where);
                goto err;
            }
            REGIA_NC(nc_get_att_longlong(gid, vids[i], "starttime", &v));
            t.m.start_ns = v;
            (void)t0;
        }
        REGIA_TRY(get_nums(gid, vids[i], "calibration", 0, 1, &cal, &one, file, where));
        REGIA_TRY(get_nums(gid, vids[i], "position", 0, 3, t.m.position, zero3, file, where));
        REGIA_TRY(get_nums(gid, vids[i], "orientation", 0, 3, t.m.orientation, zero3, file, where));
        REGIA_TRY(get_text(gid, vids[i], "units", t.m.units, sizeof t.m.units, 1, file, where));
        REGIA_TRY(get_text(gid, vids[i], "channel", t.m.channel, sizeof t.m.channel, 1, file, where));
        REGIA_TRY(get_text(gid, vids[i], "kind", kind, sizeof kind, 1, file, where));
        int k = regia_sensor_kind_parse(kind);
        if (k < 0) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: unknown kind '%s' (accel, temperature, inclination, humidity, other)",
                            file, where, kind);
            goto err;
        }
        {   /* the tag: what follows the last "__" of the name */
            const char *p = strstr(t.m.name, "__"), *q = NULL;
            while (p) { q = p; p = strstr(p + 2, "__"); }
            snprintf(t.m.tag, sizeof t.m.tag, "%s", q ? q + 2 : "");
        }
        t.m.kind = (regia_sensor_kind_t)k;
        t.m.fs = fs;
        t.m.n = (int64_t)len;
        t.m.calibration = cal;
        t.m.file = fi;
        snprintf(t.m.structure, sizeof t.m.structure, "%s", sname);
        snprintf(t.m.sensor, sizeof t.m.sensor, "%s", sens);
        t.gid = gid;
        t.vid = vids[i];
        if (len == 0) continue; /* an empty trace holds nothing to read */
        REGIA_TRY(push_trace(s, &t));
    }
err:
    free(vids);
    return st;
}

static regia_status_t scan_file(regia_sensor_store_t *s, int fi)
{
    regia_status_t st = REGIA_OK;
    const char *file = s->files[fi];
    int ncid = -1, ng = 0, *gids = NULL, *sids = NULL, fmt, rc;
    {
        /* NetCDF-C opens every variable with the default chunk cache, whose slot table HDF5
         * allocates per dataset (19 kB a trace, measured): none while the store is opened
         * (regia_ss_read reads without a cache too), the process default restored after */
        size_t csize, cnel;
        float cpre;
        nc_get_chunk_cache(&csize, &cnel, &cpre);
        nc_set_chunk_cache(0, 0, cpre);
        rc = nc_open(file, NC_NOWRITE, &ncid);
        nc_set_chunk_cache(csize, cnel, cpre);
    }
    if (rc != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot be read as a NetCDF-4/HDF5 sensor store (truncated or not HDF5?): %s",
                          file, nc_strerror(rc));
    s->ncid[fi] = ncid;
    REGIA_NC(nc_inq_format(ncid, &fmt));
    if (fmt != NC_FORMAT_NETCDF4) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: a classic NetCDF file, not a NetCDF-4/HDF5 sensor store", file);
        goto err;
    }
    {
        /* "yes" / "no" as in every regia output; stores written before 2026-12-04 say 1 / 0 */
        nc_type t;
        size_t len;
        int syn = 0;
        char txt[8] = "";
        if (nc_inq_att(ncid, NC_GLOBAL, "synthetic", &t, &len) == NC_NOERR) {
            if (t == NC_CHAR && len < sizeof txt) {
                REGIA_NC(nc_get_att_text(ncid, NC_GLOBAL, "synthetic", txt));
                txt[len] = '\0';
                syn = !strcmp(txt, "yes") || !strcmp(txt, "true");
            } else if (t != NC_CHAR && t != NC_STRING && len == 1) {
                REGIA_NC(nc_get_att_int(ncid, NC_GLOBAL, "synthetic", &syn));
                syn = syn == 1;
            }
        }
        s->synthetic[fi] = syn;
    }
    REGIA_NC(nc_inq_grps(ncid, &ng, NULL));
    gids = malloc((size_t)(ng ? ng : 1) * sizeof *gids);
    if (!gids) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", file); goto err; }
    REGIA_NC(nc_inq_grps(ncid, &ng, gids));
    for (int g = 0; g < ng; g++) {
        char sname[NC_MAX_NAME + 1];
        REGIA_NC(nc_inq_grpname(gids[g], sname));
        if (!strcmp(sname, SS_TRUTH_GROUP)) continue;
        if (strlen(sname) >= REGIA_SS_NAME) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: structure group '%s' has a name longer than %d characters", file,
                            sname, REGIA_SS_NAME - 1);
            goto err;
        }
        for (int j = 0; j < s->nst; j++)
            if (!strcmp(s->st[j].name, sname)) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: structure '%s' is also in %s (one file per structure)", file,
                                sname, s->files[s->st[j].file]);
                goto err;
            }
        if (s->nst == s->capst) {
            int nc = s->capst ? 2 * s->capst : 16;
            void *p = realloc(s->st, (size_t)nc * sizeof *s->st);
            if (!p) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", file); goto err; }
            s->st = p;
            s->capst = nc;
        }
        ss_struct_t *ps = &s->st[s->nst++];
        snprintf(ps->name, sizeof ps->name, "%s", sname);
        ps->file = fi;
        char where[REGIA_SS_NAME + 16];
        snprintf(where, sizeof where, "structure /%s", sname);
        REGIA_TRY(get_text(gids[g], NC_GLOBAL, "structure_kind", ps->kind, sizeof ps->kind, 0, file, where));
        int ns = 0;
        REGIA_NC(nc_inq_grps(gids[g], &ns, NULL));
        free(sids);
        sids = malloc((size_t)(ns ? ns : 1) * sizeof *sids);
        if (!sids) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", file); goto err; }
        REGIA_NC(nc_inq_grps(gids[g], &ns, sids));
        for (int j = 0; j < ns; j++) {
            char sens[NC_MAX_NAME + 1];
            REGIA_NC(nc_inq_grpname(sids[j], sens));
            if (strlen(sens) >= REGIA_SS_NAME) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: sensor group /%s/%s has a name longer than %d characters",
                                file, sname, sens, REGIA_SS_NAME - 1);
                goto err;
            }
            REGIA_TRY(scan_sensor(s, fi, sids[j], sname, sens));
        }
    }
err:
    free(gids);
    free(sids);
    return st;
}

static int cmp_trace(const void *a, const void *b)
{
    const regia_trace_meta_t *x = &((const ss_trace_t *)a)->m, *y = &((const ss_trace_t *)b)->m;
    int c = strcmp(x->structure, y->structure);
    if (!c) c = strcmp(x->sensor, y->sensor);
    if (!c) c = strcmp(x->channel, y->channel);
    if (!c) c = (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
    return c;
}

static int cmp_struct(const void *a, const void *b)
{
    return strcmp(((const ss_struct_t *)a)->name, ((const ss_struct_t *)b)->name);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int store_ext(const char *n)
{
    size_t l = strlen(n);
    return n[0] != '.' && l > 3 && (!strcmp(n + l - 3, ".h5") || !strcmp(n + l - 3, ".nc"));
}

regia_status_t regia_ss_open(const char *path, regia_sensor_store_t **out)
{
    regia_status_t st = REGIA_OK;
    DIR *d = NULL;
    *out = NULL;
    regia_sensor_store_t *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) { free(s); return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path); }
    struct stat sb;
    if (stat(path, &sb) != 0) { st = REGIA_FAIL(REGIA_ERR_IO, "%s: no such sensor store (file or directory)", path); goto err; }
    if (S_ISDIR(sb.st_mode)) {
        d = opendir(path);
        if (!d) { st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot list the directory", path); goto err; }
        int cap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!store_ext(e->d_name)) continue;
            if (s->nfiles == cap) {
                cap = cap ? 2 * cap : 16;
                void *p = realloc(s->files, (size_t)cap * sizeof *s->files);
                if (!p) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path); goto err; }
                s->files = p;
            }
            size_t l = strlen(path) + strlen(e->d_name) + 2;
            if (!(s->files[s->nfiles] = malloc(l))) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path); goto err; }
            snprintf(s->files[s->nfiles++], l, "%s/%s", path, e->d_name);
        }
        if (!s->nfiles) { st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: the directory holds no *.h5 or *.nc file", path); goto err; }
        qsort(s->files, (size_t)s->nfiles, sizeof *s->files, cmp_str);
    } else {
        if (!(s->files = malloc(sizeof *s->files)) || !(s->files[0] = strdup(path))) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
            goto err;
        }
        s->nfiles = 1;
    }
    s->ncid = malloc((size_t)s->nfiles * sizeof *s->ncid);
    s->synthetic = calloc((size_t)s->nfiles, sizeof *s->synthetic);
    if (!s->ncid || !s->synthetic) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path); goto err; }
    for (int i = 0; i < s->nfiles; i++) s->ncid[i] = -1;
    for (int i = 0; i < s->nfiles; i++) REGIA_TRY(scan_file(s, i));
    qsort(s->tr, s->ntr, sizeof *s->tr, cmp_trace);
    if (s->nst) qsort(s->st, (size_t)s->nst, sizeof *s->st, cmp_struct);
    *out = s;
    s = NULL;
err:
    if (d) closedir(d);
    regia_ss_close(s);
    return st;
}

int regia_ss_structure_file(const regia_sensor_store_t *s, const char *structure, const char **path)
{
    for (int i = 0; i < s->nst; i++)
        if (!strcmp(s->st[i].name, structure)) {
            if (path) *path = s->files[s->st[i].file];
            return s->ncid[s->st[i].file];
        }
    if (path) *path = NULL;
    return -1;
}

int regia_ss_nstructures(const regia_sensor_store_t *s) { return s->nst; }
const char *regia_ss_structure(const regia_sensor_store_t *s, int i)
{
    return (i >= 0 && i < s->nst) ? s->st[i].name : NULL;
}
const char *regia_ss_structure_kind(const regia_sensor_store_t *s, int i)
{
    return (i >= 0 && i < s->nst) ? s->st[i].kind : NULL;
}

/* The j-th distinct sensor (channel when sensor is not NULL) of a structure, or the
 * count of them when j < 0.  Traces are sorted, so equal names are adjacent. */
static const char *distinct(const regia_sensor_store_t *s, const char *structure, const char *sensor, int j, int *count)
{
    const char *last = NULL;
    int c = 0;
    for (size_t i = 0; i < s->ntr; i++) {
        const regia_trace_meta_t *m = &s->tr[i].m;
        if (strcmp(m->structure, structure) || (sensor && strcmp(m->sensor, sensor))) continue;
        const char *v = sensor ? m->channel : m->sensor;
        if (last && !strcmp(last, v)) continue;
        if (c == j) return v;
        last = v;
        c++;
    }
    if (count) *count = c;
    return NULL;
}

int regia_ss_nsensors(const regia_sensor_store_t *s, const char *structure)
{
    int c = 0;
    distinct(s, structure, NULL, -1, &c);
    return c;
}
const char *regia_ss_sensor(const regia_sensor_store_t *s, const char *structure, int j)
{
    return j < 0 ? NULL : distinct(s, structure, NULL, j, NULL);
}
int regia_ss_nchannels(const regia_sensor_store_t *s, const char *structure, const char *sensor)
{
    int c = 0;
    distinct(s, structure, sensor, -1, &c);
    return c;
}
const char *regia_ss_channel(const regia_sensor_store_t *s, const char *structure, const char *sensor, int k)
{
    return k < 0 ? NULL : distinct(s, structure, sensor, k, NULL);
}

size_t regia_ss_find(const regia_sensor_store_t *s, const char *structure, const char *sensor, const char *channel,
                     int64_t t0_ns, int64_t t1_ns, size_t *idx, size_t cap)
{
    size_t c = 0;
    for (size_t i = 0; i < s->ntr; i++) {
        const regia_trace_meta_t *m = &s->tr[i].m;
        if ((structure && strcmp(m->structure, structure)) || (sensor && strcmp(m->sensor, sensor)) ||
            (channel && strcmp(m->channel, channel)))
            continue;
        if (m->start_ns >= t1_ns || regia_trace_end_ns(m) <= t0_ns) continue;
        if (idx && c < cap) idx[c] = i;
        c++;
    }
    return c;
}

regia_status_t regia_ss_read(regia_sensor_store_t *s, size_t i, int64_t k0, int64_t n, double *out)
{
    regia_status_t st = REGIA_OK;
    if (i >= s->ntr) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no trace %zu (the store has %zu)", s->path, i, s->ntr);
    const ss_trace_t *t = &s->tr[i];
    if (k0 < 0 || n < 0 || k0 + n > t->m.n)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace /%s/%s/%s: samples %lld..%lld are outside its %lld samples",
                          s->files[t->m.file], t->m.structure, t->m.sensor, t->m.name, (long long)k0,
                          (long long)(k0 + n - 1), (long long)t->m.n);
    if (n == 0) return REGIA_OK;
    size_t start = (size_t)k0, count = (size_t)n;
    int rc = NC_NOERR;
    if (!t->uncached) {
        /* no chunk cache: NetCDF-C keeps every variable open, so per-variable caches would
         * grow with the number of traces read; a read decompresses its chunks once */
        rc = nc_set_var_chunk_cache(t->gid, t->vid, 0, 0, 0.75f);
        s->tr[i].uncached = 1;
    }
    if (rc == NC_NOERR) rc = nc_get_vara_double(t->gid, t->vid, &start, &count, out);
    if (rc != NC_NOERR)
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: trace /%s/%s/%s: reading samples %lld..%lld: %s (truncated file?)",
                        s->files[t->m.file], t->m.structure, t->m.sensor, t->m.name, (long long)k0,
                        (long long)(k0 + n - 1), nc_strerror(rc));
    return st;
}

/* First sample of m at or after time t (0..n). */
static int64_t first_at(const regia_trace_meta_t *m, int64_t t)
{
    if (t <= m->start_ns) return 0;
    int64_t k = (int64_t)floor((double)(t - m->start_ns) * m->fs / 1e9);
    if (k < 0) k = 0;
    while (k > 0 && m->start_ns + sample_ns(m->fs, k - 1) >= t) k--;
    while (k < m->n && m->start_ns + sample_ns(m->fs, k) < t) k++;
    return k > m->n ? m->n : k;
}

regia_status_t regia_ss_read_window(regia_sensor_store_t *s, size_t i, int64_t t0_ns, int64_t t1_ns, double *out,
                                    size_t cap, int64_t *k0, int64_t *n)
{
    if (i >= s->ntr) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no trace %zu (the store has %zu)", s->path, i, s->ntr);
    const regia_trace_meta_t *m = &s->tr[i].m;
    int64_t a = first_at(m, t0_ns), b = t1_ns > t0_ns ? first_at(m, t1_ns) : a;
    *k0 = a;
    *n = b - a;
    if ((size_t)(b - a) > cap)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace /%s/%s/%s: the window holds %lld samples, the buffer %zu",
                          s->files[m->file], m->structure, m->sensor, m->name, (long long)(b - a), cap);
    return regia_ss_read(s, i, a, b - a, out);
}

regia_status_t regia_ss_read_channel(regia_sensor_store_t *s, const char *structure, const char *sensor,
                                     const char *channel, int64_t t0_ns, double fs, int64_t n, double *out,
                                     int64_t *covered)
{
    regia_status_t st = REGIA_OK;
    int64_t cov = 0;
    if (!(fs > 0) || n < 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: reading %s/%s/%s: rate %g Hz and %lld samples", s->path, structure,
                          sensor, channel, fs, (long long)n);
    for (int64_t k = 0; k < n; k++) out[k] = NAN;
    int64_t t1 = t0_ns + sample_ns(fs, n);
    for (size_t i = 0; i < s->ntr && n > 0; i++) {
        const regia_trace_meta_t *m = &s->tr[i].m;
        if (strcmp(m->structure, structure) || strcmp(m->sensor, sensor) || strcmp(m->channel, channel)) continue;
        if (m->start_ns >= t1 || regia_trace_end_ns(m) <= t0_ns) continue;
        if (fabs(m->fs - fs) > 1e-9 * fs)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace /%s/%s/%s is sampled at %g Hz, not %g Hz",
                              s->files[m->file], structure, sensor, m->name, m->fs, fs);
        /* trace sample j = grid sample k + d */
        int64_t d = llround((double)(t0_ns - m->start_ns) * fs / 1e9);
        int64_t ka = d < 0 ? -d : 0, kb = m->n - d < n ? m->n - d : n;
        if (kb <= ka) continue;
        REGIA_TRY(regia_ss_read(s, i, ka + d, kb - ka, out + ka));
    }
    for (int64_t k = 0; k < n; k++) cov += !isnan(out[k]);
    if (covered) *covered = cov;
err:
    return st;
}
