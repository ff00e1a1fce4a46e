/* cmd_ingest_sensors.c - `regia ingest sensors`: structural-sensor exports (CSV, miniSEED,
 * existing sensor stores) -> one sensor store (regia/sensor_store.h, docs/sensors.md); a
 * domain of the run protocol (domain.h, run.c), reached as `regia ingest sensors ...`.
 *
 * Items are the input files, partitioned by the skeleton in contiguous blocks balanced by
 * their sizes.  The domain's steps:
 *   configure  options, the CSV rules, the map file
 *   index      the files' sizes (every rank; the costs)
 *   compute    each rank reads its files (ingest_sensors_file.c): traces named and in the
 *              store's units, rejected lines / records kept with their reasons
 *   check_result  per-file counts summed; too many rejects is an error (the rejects file
 *              then explains it alone); every rank's trace metadata to every rank, sorted
 *              by structure, sensor, channel and start (the store does not depend on the
 *              order of the files); two traces of the same name (the same data given
 *              twice) refused
 *   define / write   the ingest report (the main output: a NetCDF table of the traces with
 *              their source, jitter and missing values, and of the files with their counts)
 *   write_extra  the rejects CSV (file, line or record, reason, text; MPI-IO) and the
 *              sensor store itself: defined collectively through the store's writer,
 *              each trace written by the rank that read it
 * No MPI call here.  User's reference: docs/sensors-ingest.md.
 */
#include <math.h>
#include <netcdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ingest_sensors_impl.h"
#include "regia/acdd.h"
#include "regia/io.h"
#include "regia/ncio.h"
#include "regia/timeutil.h"

#define NCA_TXT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

enum { FS_FORMAT, FS_READ, FS_KEPT, FS_REJ, FS_NT, FS_JRMS, FS_JMAX, FS_SYN, FS_N }; /* per-file counts */
enum { X_REJECTS, X_STORE };                                                  /* extra outputs   */
enum { V_TST, V_TSE, V_TCH, V_TVAR, V_TSRC, V_TFILE, V_FS, V_START, V_N, V_NST, V_JRMS, V_JMAX, V_NAN, V_LNAN,
       V_OVL, V_UNITS, V_KIND, V_FPATH, V_FFMT, V_FREAD, V_FKEPT, V_FREJ, V_FNT, V_FJRMS, V_FJMAX, NV };

typedef struct {
    isn_opts_t o;
    isn_map_t map;
    const char *map_path;
    char rejpath[4200], reportpath[4200];
    isn_file_t *files;               /* ndata; this rank's files filled by compute          */
    ingest_rejects_t rej;            /* this rank's rejects (reasons in reason_pool)         */
    char **reason_pool;
    size_t nreason, capreason;
    /* check_result (every rank) */
    long long *fstat;                /* ndata x FS_N                                         */
    int64_t *tfirst;                 /* ndata + 1: each file's first trace                   */
    isn_trace_t *all;                /* every trace, in the store's order (cmp_trace)         */
    int64_t nall;
    long long rows[3];               /* read, kept, rejected (lines and records)              */
    int64_t t_lo, t_hi;
    double jit_max;
    int synthetic;                   /* every input is a store of synthetic data              */
    int vid[NV];
    size_t pathlen;
    char id[256], t0[40], t1[40], comment[1024];
} isn_t;

/* ---- schema ------------------------------------------------------------------------------- */

static const regia_job_key_t isn_schema[] = {
    {"input", "data", REGIA_KEY_FILE_LIST, 1, NULL, 0, 0, NULL,
     "sensor export: CSV (time column, channel columns NAME [UNITS]), miniSEED, or a sensor store (.nc/.h5); the "
     "format is found from the file's first bytes; give --data once per file, at most 64 (job file: a comma list)"},
    {"input", "structure", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "structure of every trace without a map entry [default: the CSV's '# structure:' line, miniSEED's network code]"},
    {"input", "sensor", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "sensor of every trace without a map entry [default: the CSV's '# sensor:' line or its file name; miniSEED's "
     "station (and location) code]"},
    {"input", "structure_kind", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "kind of the structures (bridge, building, ...)"},
    {"input", "map", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "map file: lines 'SOURCE = STRUCTURE/SENSOR[/CHANNEL] [units=U calibration=COUNTS_PER_U] [position=X,Y,Z]'; "
     "SOURCE is a pattern for NET.STA.LOC.CHA (miniSEED), FILE.csv or FILE.csv:COLUMN; the first match wins"},
    {"input", "date_format", REGIA_KEY_ENUM, 0, "dmy", 0, 0, "dmy|mdy|iso",
     "order of slash dates in CSV time stamps: dmy (dd/mm/yyyy), mdy (mm/dd/yyyy), iso (yyyy-mm-dd only); ISO 8601 "
     "is always accepted; dates that contradict the order are an error, never guessed"},
    {"input", "sampling_rate", REGIA_KEY_DOUBLE, 0, "0", 0, 1e9, NULL,
     "stated sampling rate of the CSV files, Hz (0: the file's '# sampling_rate:' line, else the time stamps)"},
    {"input", "rate_tolerance", REGIA_KEY_DOUBLE, 0, "1", 0, 100, NULL,
     "largest difference between the stated rate and the time stamps' mean step, in %"},
    {"input", "gap_factor", REGIA_KEY_DOUBLE, 0, "1.5", 1.01, 1e6, NULL,
     "a CSV time step longer than this many sample intervals is a gap: a new trace starts"},
    {"input", "max_jitter", REGIA_KEY_DOUBLE, 0, "0.25", 0, 0.5, NULL,
     "largest deviation of a CSV time stamp from the uniform grid it is resampled on, in sample intervals"},
    {"input", "max_nan_run", REGIA_KEY_INT, 0, "100", 0, 1000000000, NULL,
     "longest run of missing values (empty, NA, NaN) in a CSV channel that is kept (as NaN)"},
    {"limits", "max_rejected", REGIA_KEY_DOUBLE, 0, "5", 0, 100, NULL,
     "largest share of rejected CSV lines and miniSEED records that is not an error, in %"},
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "the sensor store to write (NetCDF-4/HDF5); written under a temporary name and renamed when complete, with the "
     "ingest report OUT.ingest.nc, the rejects file and the manifest OUT.ingest.manifest.json"},
    {"job", "rejects", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "CSV of the rejected lines and records (file,line,reason,text; line = record number for miniSEED) [default: OUT "
     "minus .nc, plus .rejects.csv]"},
    {"job", "name", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "name of the run (ACDD id) [default: the output's name]"},
    {"job", "progress_interval", REGIA_KEY_DOUBLE, 0, "10", 0.1, 86400, NULL, "seconds between progress lines"},
    {"job", "domain", REGIA_KEY_ENUM, 0, "ingest sensors", 0, 0, "ingest sensors",
     "the domain this job file is for (regia submit): ingest sensors"},
    REGIA_SUBMIT_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const regia_opt_meta_t isn_meta[] = {
    {"data", "FILE"}, {"output", "STORE.nc"}, {"rejects", "FILE.csv"}, {"structure", "NAME"}, {"sensor", "NAME"},
    {"structure_kind", "KIND"}, {"map", "MAP.ini"}, {"date_format", "dmy|mdy|iso"}, {"sampling_rate", "HZ"},
    {"rate_tolerance", "PERCENT"}, {"gap_factor", "F"}, {"max_jitter", "F"}, {"max_nan_run", "N"},
    {"max_rejected", "PERCENT"}, {"name", "NAME"}, {"progress_interval", "S"}, {NULL, NULL},
};

/* ---- configure, index --------------------------------------------------------------------- */

static regia_status_t isn_configure(regia_run_t *run, void *self)
{
    isn_t *g = self;
    isn_opts_t *o = &g->o;
    regia_job_t *j = run->job;
    char where[512];
    o->output = regia_job_path(j, "job", "output");
    o->rejects = regia_job_path(j, "job", "rejects");
    int nd = regia_job_list_len(j, "input", "data");
    if (nd > ISN_MAX_FILES) {
        if (run->from_options) return REGIA_FAIL(REGIA_ERR_INVALID, "at most %d --data files", ISN_MAX_FILES);
        regia_run_where(run, "input", "data", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: at most %d data files, not %d", where, ISN_MAX_FILES, nd);
    }
    for (int k = 0; k < nd; k++) o->data[k] = regia_job_list_item(j, "input", "data", k);
    o->ndata = nd;
    o->structure = regia_job_str(j, "input", "structure");
    o->sensor = regia_job_str(j, "input", "sensor");
    o->structure_kind = regia_job_str(j, "input", "structure_kind");
    regia_sensor_csv_defaults(&o->csv);
    const char *df = regia_job_str(j, "input", "date_format");
    o->csv.date_order = !strcasecmp(df, "mdy") ? REGIA_DATE_MDY : !strcasecmp(df, "iso") ? REGIA_DATE_ISO
                                                                                          : REGIA_DATE_DMY;
    o->csv.fs = regia_job_double(j, "input", "sampling_rate");
    o->csv.rate_tol = regia_job_double(j, "input", "rate_tolerance") / 100;
    o->csv.gap_factor = regia_job_double(j, "input", "gap_factor");
    o->csv.max_jitter = regia_job_double(j, "input", "max_jitter");
    o->csv.max_nan_run = regia_job_int(j, "input", "max_nan_run");
    o->max_rejected = regia_job_double(j, "limits", "max_rejected") / 100;
    for (int k = 0; k < nd; k++)
        for (int i = 0; i < k; i++)
            if (!strcmp(o->data[i], o->data[k]))
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s is given twice as data", o->data[k]);
    if (o->rejects) snprintf(g->rejpath, sizeof g->rejpath, "%s", o->rejects);
    else regia_sibling_path(o->output, ".rejects.csv", g->rejpath, sizeof g->rejpath);
    regia_sibling_path(o->output, ".ingest.nc", g->reportpath, sizeof g->reportpath);
    run->output = g->reportpath;
    run->input = NULL; /* several inputs: listed by the domain (isn_manifest) */
    run->n_extra = 2;
    run->extra[X_REJECTS].path = g->rejpath;
    run->extra[X_REJECTS].role = "rejects";
    run->extra[X_STORE].path = o->output;
    run->extra[X_STORE].role = "sensor store";
    g->map_path = regia_job_path(j, "input", "map");
    if (g->map_path) {
        regia_status_t st = isn_map_load(g->map_path, &g->map);
        if (st) return st;
    }
    g->files = calloc((size_t)nd + 1, sizeof *g->files);
    if (!g->files) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    return REGIA_OK;
}

static regia_status_t isn_index(regia_run_t *run, void *self)
{
    isn_t *g = self;
    run->n_items = g->o.ndata;
    run->cost = malloc(((size_t)g->o.ndata + 1) * sizeof *run->cost);
    if (!run->cost) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int k = 0; k < g->o.ndata; k++) {
        struct stat sb;
        if (stat(g->o.data[k], &sb) != 0) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open (no such file?)", g->o.data[k]);
        run->cost[k] = (double)sb.st_size + 1;
    }
    return REGIA_OK;
}

/* The files are read in compute, one item at a time (progress counts files). */
static regia_status_t isn_read(regia_run_t *run, void *self)
{
    (void)run;
    (void)self;
    return REGIA_OK;
}

/* ---- compute: read the shard's files ------------------------------------------------------- */

static const char *keep_reason(isn_t *g, const char *r)
{
    for (size_t i = 0; i < g->nreason; i++)
        if (!strcmp(g->reason_pool[i], r)) return g->reason_pool[i];
    if (g->nreason == g->capreason) {
        size_t c = g->capreason ? 2 * g->capreason : 32;
        void *p = realloc(g->reason_pool, c * sizeof *g->reason_pool);
        if (!p) return NULL;
        g->reason_pool = p;
        g->capreason = c;
    }
    char *s = strdup(r);
    if (s) g->reason_pool[g->nreason++] = s;
    return s;
}

static regia_status_t isn_compute(regia_run_t *run, void *self, int64_t k0, int64_t n)
{
    isn_t *g = self;
    regia_status_t st = REGIA_OK;
    for (int64_t k = k0; k < k0 + n && !st; k++) {
        int file = (int)(run->i0 + k);
        isn_file_t *f = &g->files[file];
        if ((st = isn_read_file(&g->o, &g->map, file, f))) break;
        for (size_t i = 0; i < f->nrej && !st; i++) {
            const regia_sensor_reject_t *r = &f->rej[i];
            const char *reason = keep_reason(g, r->reason);
            char *text = NULL, buf[64];
            if (f->format == ISN_CSV && r->offset >= 0) text = ingest_line_text(g->o.data[file], r->offset);
            else snprintf(buf, sizeof buf, "record at byte %lld", (long long)r->offset);
            const char *t = text ? text : f->format == ISN_CSV ? "" : buf;
            st = reason ? ingest_add_reject(&g->rej, file, r->where, reason, t, strlen(t))
                        : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
            free(text);
        }
    }
    return st;
}

/* ---- check_result: counts, the global trace table ----------------------------------------- */

/* The store's order: structure, sensor, channel, start (then input order), whatever the
 * order of the input files. */
static int cmp_trace(const void *a, const void *b)
{
    const isn_trace_t *x = a, *y = b;
    int c = strcmp(x->m.structure, y->m.structure);
    if (!c) c = strcmp(x->m.sensor, y->m.sensor);
    if (!c) c = strcmp(x->m.channel, y->m.channel);
    if (!c) c = (x->m.start_ns > y->m.start_ns) - (x->m.start_ns < y->m.start_ns);
    if (!c) c = (x->file > y->file) - (x->file < y->file);
    if (!c) c = (x->idx > y->idx) - (x->idx < y->idx);
    return c;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
    const isn_trace_t *all = arg;
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    int c = strcmp(all[x].m.name, all[y].m.name);
    return c ? c : (x > y) - (x < y);
}

static regia_status_t isn_check(regia_run_t *run, void *self)
{
    isn_t *g = self;
    const isn_opts_t *o = &g->o;
    const int nd = o->ndata, P = run->ctx->size;
    regia_status_t st = REGIA_OK;
    int64_t *start = calloc((size_t)P + 1, sizeof *start), *order = NULL;
    g->fstat = calloc((size_t)nd * FS_N + 1, sizeof *g->fstat);
    g->tfirst = calloc((size_t)nd + 1, sizeof *g->tfirst);
    if (!start || !g->fstat || !g->tfirst) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if ((st = regia_run_agree(run, st))) goto out;
    for (int64_t k = run->i0; k < run->i0 + run->ni; k++) {
        const isn_file_t *f = &g->files[k];
        long long *s = g->fstat + k * FS_N;
        s[FS_FORMAT] = f->format;
        s[FS_READ] = f->read;
        s[FS_KEPT] = f->kept;
        s[FS_REJ] = (long long)f->nrej;
        s[FS_NT] = f->nt;
        s[FS_JRMS] = llround(f->jitter_rms_s * 1e12); /* ps: integers add exactly */
        s[FS_JMAX] = llround(f->jitter_max_s * 1e12);
        s[FS_SYN] = f->synthetic;
    }
    regia_run_sum(run, g->fstat, nd * FS_N);
    for (int k = 0; k < nd; k++) {
        const long long *s = g->fstat + k * FS_N;
        g->rows[0] += s[FS_READ];
        g->rows[1] += s[FS_KEPT];
        g->rows[2] += s[FS_REJ];
        g->tfirst[k + 1] = g->tfirst[k] + s[FS_NT];
        if (s[FS_JMAX] * 1e-12 > g->jit_max) g->jit_max = (double)s[FS_JMAX] * 1e-12;
    }
    g->nall = g->tfirst[nd];
    g->synthetic = 1;
    for (int k = 0; k < nd; k++) g->synthetic &= g->fstat[k * FS_N + FS_SYN] != 0;
    if (g->rows[2] > 0 && (double)g->rows[2] > o->max_rejected * (double)g->rows[0]) {
        run->n_extra = 1; /* the rejects file alone explains the failure (X_REJECTS is first) */
        run->extras_explain_failure = 1;
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%lld of %lld lines and records (%.1f %%) rejected, more than "
                        "--max-rejected %g %%: see %s", g->rows[2], g->rows[0], 100.0 * (double)g->rows[2] / (double)g->rows[0],
                        100 * o->max_rejected, g->rejpath);
        goto out;
    }
    if (g->nall == 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "no trace in the %d input file%s", nd, nd == 1 ? "" : "s");
        goto out;
    }
    g->all = calloc((size_t)g->nall, sizeof *g->all);
    order = malloc((size_t)g->nall * sizeof *order);
    if ((st = regia_run_agree(run, !g->all || !order ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory: %lld traces",
                                                                   (long long)g->nall) : REGIA_OK)))
        goto out;
    for (int64_t k = run->i0; k < run->i0 + run->ni; k++)
        for (int i = 0; i < g->files[k].nt; i++) g->all[g->tfirst[k] + i] = g->files[k].t[i];
    regia_run_shards(run, start);
    for (int r = 0; r < P; r++) {
        int64_t a = g->tfirst[start[r]], b = g->tfirst[start[r + 1]];
        if (b > a) regia_run_bcast_from(run, g->all + a, (size_t)(b - a) * sizeof *g->all, r);
    }
    qsort(g->all, (size_t)g->nall, sizeof *g->all, cmp_trace);
    /* names (the store's), and one trace per name */
    g->t_lo = INT64_MAX;
    g->t_hi = INT64_MIN;
    for (int64_t i = 0; i < g->nall && !st; i++) {
        isn_trace_t *t = &g->all[i];
        if ((st = regia_trace_varname(&t->m, t->m.name, sizeof t->m.name)))
            regia_error_prefix("%s: trace %s: ", o->data[t->file], t->source);
        if (t->m.start_ns < g->t_lo) g->t_lo = t->m.start_ns;
        int64_t e = regia_trace_end_ns(&t->m);
        if (e > g->t_hi) g->t_hi = e;
        order[i] = i;
    }
    if (!st) {
        qsort_r(order, (size_t)g->nall, sizeof *order, cmp_name, g->all);
        for (int64_t i = 1; i < g->nall && !st; i++) {
            const isn_trace_t *a = &g->all[order[i - 1]], *b = &g->all[order[i]];
            if (!strcmp(a->m.name, b->m.name))
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s (%s) and %s (%s) both hold trace %s: the same data given twice, "
                                "or give the sensors different names (--map)", o->data[a->file], a->source,
                                o->data[b->file], b->source, a->m.name);
        }
    }
    for (int64_t i = 0; i < g->nall; i++) {
        size_t l = strlen(o->data[g->all[i].file]);
        if (l > g->pathlen) g->pathlen = l;
    }
    for (int k = 0; k < nd; k++)
        if (strlen(o->data[k]) > g->pathlen) g->pathlen = strlen(o->data[k]);
    g->pathlen++;
out:
    free(start);
    free(order);
    return st;
}

/* ---- the ingest report (main output) ------------------------------------------------------ */

static regia_status_t isn_define(regia_run_t *run, void *self, int ncid)
{
    isn_t *g = self;
    int *v = g->vid;
    regia_status_t st = REGIA_OK;
    int dt, df, dn, dv, dp, d8;
    REGIA_NC(nc_def_dim(ncid, "trace", (size_t)g->nall, &dt));
    REGIA_NC(nc_def_dim(ncid, "file", (size_t)g->o.ndata, &df));
    REGIA_NC(nc_def_dim(ncid, "name_strlen", REGIA_SS_NAME, &dn));
    REGIA_NC(nc_def_dim(ncid, "variable_strlen", REGIA_SS_VARNAME, &dv));
    REGIA_NC(nc_def_dim(ncid, "path_strlen", g->pathlen, &dp));
    REGIA_NC(nc_def_dim(ncid, "format_strlen", 8, &d8));
#define DEF(id, name, type, dim, strdim, ln, un)                                                   \
    do {                                                                                           \
        int dd_[2] = {dim, strdim};                                                                \
        REGIA_NC(nc_def_var(ncid, name, type, strdim >= 0 ? 2 : 1, dd_, &v[id]));                  \
        NCA_TXT(v[id], "long_name", ln);                                                           \
        if (un) NCA_TXT(v[id], "units", (const char *)un);                                         \
    } while (0)
    const char *none = NULL;
    DEF(V_TST, "structure", NC_CHAR, dt, dn, "structure of the trace", none);
    DEF(V_TSE, "sensor", NC_CHAR, dt, dn, "sensor of the trace", none);
    DEF(V_TCH, "channel", NC_CHAR, dt, dn, "channel of the trace", none);
    DEF(V_TVAR, "store_variable", NC_CHAR, dt, dv, "the trace's variable in the sensor store (group STRUCTURE/SENSOR)",
        none);
    DEF(V_TSRC, "source", NC_CHAR, dt, dn, "where the trace came from: CSV column, miniSEED NET.STA.LOC.CHA or the "
        "input store's variable", none);
    DEF(V_TFILE, "source_file", NC_INT, dt, -1, "index of the input file (dimension file)", none);
    DEF(V_FS, "sampling_rate", NC_DOUBLE, dt, -1, "sampling rate", "Hz");
    DEF(V_START, "start_time", NC_INT64, dt, -1, "time of the first sample",
        "nanoseconds since 1970-01-01 00:00:00"); /* UTC; "ns" is not a unit xarray decodes */
    DEF(V_N, "samples", NC_INT64, dt, -1, "samples in the trace", none);
    DEF(V_NST, "time_stamps", NC_INT64, dt, -1, "time stamps (CSV lines, miniSEED samples) that went into the trace",
        none);
    DEF(V_JRMS, "jitter_rms", NC_DOUBLE, dt, -1, "rms deviation of the CSV time stamps from the uniform grid the trace "
        "was resampled on (0 for miniSEED)", "s");
    DEF(V_JMAX, "jitter_max", NC_DOUBLE, dt, -1, "largest deviation of a CSV time stamp from the grid", "s");
    DEF(V_NAN, "missing", NC_INT64, dt, -1, "missing samples (NaN)", none);
    DEF(V_LNAN, "longest_missing_run", NC_INT64, dt, -1, "longest run of missing samples", none);
    DEF(V_OVL, "overlap", NC_BYTE, dt, -1, "1: the trace starts before the previous trace of its channel ended "
        "(overlapping miniSEED records)", none);
    DEF(V_UNITS, "trace_units", NC_CHAR, dt, dn, "units of the stored samples", none);
    DEF(V_KIND, "kind", NC_CHAR, dt, dn, "what the channel measures", none);
    DEF(V_FPATH, "file_path", NC_CHAR, df, dp, "input file name (no directory)", none);
    DEF(V_FFMT, "file_format", NC_CHAR, df, d8, "format found from its first bytes: csv, miniseed, store", none);
    DEF(V_FREAD, "file_read", NC_INT64, df, -1, "CSV data lines, miniSEED records or store traces read", none);
    DEF(V_FKEPT, "file_kept", NC_INT64, df, -1, "of them kept", none);
    DEF(V_FREJ, "file_rejected", NC_INT64, df, -1, "of them rejected (see the rejects file)", none);
    DEF(V_FNT, "file_traces", NC_INT64, df, -1, "traces the file gave", none);
    DEF(V_FJRMS, "file_jitter_rms", NC_DOUBLE, df, -1, "rms deviation of the file's CSV time stamps from their grids",
        "s");
    DEF(V_FJMAX, "file_jitter_max", NC_DOUBLE, df, -1, "largest deviation of the file's CSV time stamps", "s");
#undef DEF
    /* The labels as coordinates, so that CDO 2.1 reads the file without a warning (it reads
     * char variables only as coordinates, and at most a few per variable) and xarray selects
     * a trace by name (set_xindex("channel")): structure, sensor and channel on every trace
     * variable, the other labels each on one of them; the file labels on the file variables. */
    static const int trace_num[] = {V_TFILE, V_FS, V_START, V_N, V_NST, V_JRMS, V_JMAX, V_NAN, V_LNAN, V_OVL};
    for (size_t k = 0; k < sizeof trace_num / sizeof trace_num[0]; k++) {
        const int id = trace_num[k];
        const char *c = id == V_TFILE ? "structure sensor channel source"
                        : id == V_N   ? "structure sensor channel store_variable trace_units"
                        : id == V_FS  ? "structure sensor channel kind"
                                      : "structure sensor channel";
        NCA_TXT(v[id], "coordinates", c);
    }
    static const int file_num[] = {V_FREAD, V_FKEPT, V_FREJ, V_FNT, V_FJRMS, V_FJMAX};
    for (size_t k = 0; k < sizeof file_num / sizeof file_num[0]; k++) NCA_TXT(v[file_num[k]], "coordinates", "file_path file_format");
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "rows_read", NC_INT64, 1, &g->rows[0]));
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "rows_kept", NC_INT64, 1, &g->rows[1]));
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "rows_rejected", NC_INT64, 1, &g->rows[2]));
    NCA_TXT(NC_GLOBAL, "sensor_store", regia_file_name(g->o.output));
err:
    return st;
}

static void isn_acdd(regia_run_t *run, void *self, void *acdd)
{
    (void)run;
    isn_t *g = self;
    regia_acdd_t *a = acdd;
    const char *b = strrchr(g->o.output, '/');
    b = b ? b + 1 : g->o.output;
    size_t n = strlen(b);
    if (n > 3 && !strcmp(b + n - 3, ".nc")) n -= 3;
    snprintf(g->id, sizeof g->id, "%.*s", (int)n, b);
    regia_format_datetime(regia_floordiv(g->t_lo, 1000000000LL), g->t0, sizeof g->t0);
    regia_format_datetime(regia_floordiv(g->t_hi, 1000000000LL), g->t1, sizeof g->t1);
    snprintf(g->comment, sizeof g->comment,
             "The ingest report of the sensor store %s: one row per trace (its source, samples, the jitter of CSV time "
             "stamps around the uniform grid they were resampled on by linear interpolation, missing values, "
             "miniSEED overlaps) and per input file. Lines and records read %lld = kept %lld + rejected %lld (see the "
             "rejects file).", regia_file_name(g->o.output), g->rows[0], g->rows[1], g->rows[2]);
    const char *created = a->date_created, *hist = a->history, *id = a->id;
    *a = (regia_acdd_t){
        .title = "Structural monitoring records: ingest report",
        .summary = "Traces of accelerometers and slow channels (temperature, inclination, humidity) of monitored "
                   "structures converted from CSV exports, miniSEED and sensor stores into a sensor store by regia "
                   "ingest sensors",
        .keywords = "structural health monitoring, accelerometers, bridges, buildings, miniSEED, sensor store",
        .id = id ? id : g->id,
        .source = "sensor exports (CSV, miniSEED) and sensor stores",
        .processing_level = "records as recorded, converted to SI units, CSV time stamps resampled onto uniform grids",
        .comment = g->comment,
        .license = "Same terms as the input data",
        .acknowledgement = "Converted with regia.",
        .feature_type = "",
        .cdm_data_type = "",
        .date_created = created,
        .history = hist,
        .time_start = g->t0,
        .time_end = g->t1,
        .duration_s = (g->t_hi - g->t_lo) / 1000000000LL,
        .time_resolution = NULL,
    };
}

static regia_status_t put_text(regia_run_t *run, int ncid, int vid, int64_t n, size_t w, const char *src,
                               size_t stride)
{
    const int r0 = run->ctx->rank == 0;
    char *buf = calloc((size_t)n * w + 1, 1);
    regia_status_t st = regia_run_agree(run, buf ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"));
    if (st) { free(buf); return st; }
    for (int64_t i = 0; i < n; i++) strncpy(buf + (size_t)i * w, src + (size_t)i * stride, w);
    size_t inner[1] = {w};
    st = regia_run_put_rows(run, ncid, vid, 2, 0, r0 ? n : 0, inner, NC_CHAR, buf);
    free(buf);
    return st;
}

static regia_status_t isn_write(regia_run_t *run, void *self, int ncid)
{
    isn_t *g = self;
    const int *v = g->vid;
    const int r0 = run->ctx->rank == 0;
    const int64_t n = g->nall, nd = g->o.ndata, nn = (n > nd ? n : nd) + 1;
    const isn_trace_t *t = g->all;
    regia_status_t st = REGIA_OK;
    long long *i64 = malloc((size_t)nn * sizeof *i64);
    double *f64 = malloc((size_t)nn * sizeof *f64);
    int32_t *i32 = malloc((size_t)nn * sizeof *i32);
    signed char *i8 = malloc((size_t)nn);
    char *txt = calloc((size_t)nn, REGIA_SS_NAME > 4096 ? REGIA_SS_NAME : 4096);
    if ((st = regia_run_agree(run, !i64 || !f64 || !i32 || !i8 || !txt ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory")
                                                                      : REGIA_OK)))
        goto err;
#define PUT(vid, type, buf, cnt) REGIA_TRY(regia_run_put_rows(run, ncid, v[vid], 1, 0, r0 ? (cnt) : 0, NULL, type, buf))
    REGIA_TRY(put_text(run, ncid, v[V_TST], n, REGIA_SS_NAME, t->m.structure, sizeof *t));
    REGIA_TRY(put_text(run, ncid, v[V_TSE], n, REGIA_SS_NAME, t->m.sensor, sizeof *t));
    REGIA_TRY(put_text(run, ncid, v[V_TCH], n, REGIA_SS_NAME, t->m.channel, sizeof *t));
    REGIA_TRY(put_text(run, ncid, v[V_TVAR], n, REGIA_SS_VARNAME, t->m.name, sizeof *t));
    REGIA_TRY(put_text(run, ncid, v[V_TSRC], n, REGIA_SS_NAME, t->source, sizeof *t));
    REGIA_TRY(put_text(run, ncid, v[V_UNITS], n, REGIA_SS_NAME < REGIA_SS_UNITS ? REGIA_SS_NAME : REGIA_SS_UNITS,
                       t->m.units, sizeof *t));
    for (int64_t i = 0; i < n; i++) snprintf(txt + i * REGIA_SS_NAME, REGIA_SS_NAME, "%s", regia_sensor_kind_name(t[i].m.kind));
    REGIA_TRY(put_text(run, ncid, v[V_KIND], n, REGIA_SS_NAME, txt, REGIA_SS_NAME));
    for (int64_t i = 0; i < n; i++) i32[i] = t[i].file;
    PUT(V_TFILE, NC_INT, i32, n);
    for (int64_t i = 0; i < n; i++) f64[i] = t[i].m.fs;
    PUT(V_FS, NC_DOUBLE, f64, n);
    for (int64_t i = 0; i < n; i++) f64[i] = t[i].jitter_rms_s;
    PUT(V_JRMS, NC_DOUBLE, f64, n);
    for (int64_t i = 0; i < n; i++) f64[i] = t[i].jitter_max_s;
    PUT(V_JMAX, NC_DOUBLE, f64, n);
    for (int w = 0; w < 5; w++) {
        for (int64_t i = 0; i < n; i++)
            i64[i] = w == 0 ? t[i].m.start_ns : w == 1 ? t[i].m.n : w == 2 ? t[i].n_stamps : w == 3 ? t[i].n_nan
                                                                                                   : t[i].longest_nan;
        PUT(w == 0 ? V_START : w == 1 ? V_N : w == 2 ? V_NST : w == 3 ? V_NAN : V_LNAN, NC_INT64, i64, n);
    }
    for (int64_t i = 0; i < n; i++) i8[i] = (signed char)t[i].overlap;
    PUT(V_OVL, NC_BYTE, i8, n);
    /* files */
    for (int64_t k = 0; k < nd; k++) snprintf(txt + k * 4096, 4096, "%s", regia_file_name(g->o.data[k]));
    REGIA_TRY(put_text(run, ncid, v[V_FPATH], nd, g->pathlen, txt, 4096));
    static const char *const fmt[3] = {"csv", "miniseed", "store"};
    for (int64_t k = 0; k < nd; k++) snprintf(txt + k * 8, 8, "%s", fmt[g->fstat[k * FS_N + FS_FORMAT]]);
    REGIA_TRY(put_text(run, ncid, v[V_FFMT], nd, 8, txt, 8));
    for (int w = FS_READ; w <= FS_NT; w++) {
        for (int64_t k = 0; k < nd; k++) i64[k] = g->fstat[k * FS_N + w];
        PUT(w == FS_READ ? V_FREAD : w == FS_KEPT ? V_FKEPT : w == FS_REJ ? V_FREJ : V_FNT, NC_INT64, i64, nd);
    }
    for (int64_t k = 0; k < nd; k++) f64[k] = (double)g->fstat[k * FS_N + FS_JRMS] * 1e-12;
    PUT(V_FJRMS, NC_DOUBLE, f64, nd);
    for (int64_t k = 0; k < nd; k++) f64[k] = (double)g->fstat[k * FS_N + FS_JMAX] * 1e-12;
    PUT(V_FJMAX, NC_DOUBLE, f64, nd);
#undef PUT
err:
    free(i64);
    free(f64);
    free(i32);
    free(i8);
    free(txt);
    return st;
}

/* ---- extra outputs: the rejects and the sensor store -------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static regia_status_t write_store(regia_run_t *run, isn_t *g, const char *tmp_path)
{
    regia_ss_writer_t *w = NULL;
    const char **names = malloc(((size_t)g->nall + 1) * sizeof *names);
    regia_status_t st = regia_run_agree(run, names ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"));
    if (st) goto out;
    char source[4400];
    const char *rb = strrchr(g->reportpath, '/');
    snprintf(source, sizeof source, "regia ingest sensors %s: %d input file%s (see %s)", REGIA_VERSION, g->o.ndata,
             g->o.ndata == 1 ? "" : "s", rb ? rb + 1 : g->reportpath);
    regia_ss_file_info_t info = {.title = "Structural monitoring records", .source = source, .history = run->cmdline,
                                 .synthetic = g->synthetic}; /* the truth group is not copied */
    if ((st = regia_run_agree_io(run, regia_ss_create(tmp_path, run->ctx->comm, &info, &w)))) goto out;
    if ((st = regia_run_agree(run, regia_run_fault(run, "store")))) goto out; /* tests: REGIA_FAULT=store:R */
    /* the structures, sorted, once each */
    for (int64_t i = 0; i < g->nall; i++) names[i] = g->all[i].m.structure;
    qsort(names, (size_t)g->nall, sizeof *names, cmp_str);
    for (int64_t i = 0; i < g->nall && !st; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]))
            st = regia_ss_def_structure(w, names[i], g->o.structure_kind ? g->o.structure_kind : "", NULL);
    for (int64_t i = 0; i < g->nall && !st; i++) {
        int id;
        st = regia_ss_def_trace(w, &g->all[i].m, &id);
    }
    if ((st = regia_run_agree_io(run, st))) goto out;
    if ((st = regia_run_agree_io(run, regia_ss_enddef(w)))) goto out;
    for (int64_t i = 0; i < g->nall && !st; i++) {
        const isn_trace_t *t = &g->all[i];
        const int mine = t->file >= run->i0 && t->file < run->i0 + run->ni;
        const double *x = mine ? g->files[t->file].x[t->idx] : NULL;
        st = regia_run_agree_io(run, regia_ss_write(w, (int)i, 0, mine ? t->m.n : 0, x));
    }
out:
    if (w) {
        regia_status_t cs = regia_ss_writer_close(w, st != REGIA_OK);
        if (!st) st = cs;
    }
    free(names);
    return st;
}

static regia_status_t isn_write_extra(regia_run_t *run, void *self, int i, const char *tmp_path)
{
    isn_t *g = self;
    if (i == X_STORE) return write_store(run, g, tmp_path);
    ingest_opts_t shim;
    memset(&shim, 0, sizeof shim);
    for (int k = 0; k < g->o.ndata; k++) shim.data[k] = g->o.data[k];
    shim.ndata = g->o.ndata;
    return ingest_write_rejects(run, &shim, &g->rej, tmp_path);
}

static void isn_report(regia_run_t *run, void *self)
{
    isn_t *g = self;
    regia_info(&run->ctx->log, "%lld traces from %d files into %s; lines and records read %lld = kept %lld + "
               "rejected %lld; largest CSV time-stamp jitter %.3g ms", (long long)g->nall, g->o.ndata, g->o.output,
               g->rows[0], g->rows[1], g->rows[2], g->jit_max * 1e3);
}

static void isn_manifest(regia_run_t *run, void *self, regia_manifest_t *m)
{
    (void)run;
    isn_t *g = self;
    regia_manifest_num(m, "rows_read", (double)g->rows[0]);
    regia_manifest_num(m, "rows_kept", (double)g->rows[1]);
    regia_manifest_num(m, "rows_rejected", (double)g->rows[2]);
    regia_manifest_num(m, "traces", (double)g->nall);
    regia_manifest_num(m, "max_jitter_s", g->jit_max);
    for (int k = 0; k < g->o.ndata; k++)
        if (regia_manifest_file(m, "inputs", "data", g->o.data[k]) != REGIA_OK) regia_error_clear();
    if (g->map_path && regia_manifest_file(m, "inputs", "map", g->map_path) != REGIA_OK) regia_error_clear();
}

static void isn_release(regia_run_t *run, void *self)
{
    (void)run;
    isn_t *g = self;
    if (g->files)
        for (int k = 0; k < g->o.ndata; k++) isn_file_free(&g->files[k]);
    free(g->files);
    for (size_t i = 0; i < g->rej.n; i++) free(g->rej.v[i].text);
    free(g->rej.v);
    for (size_t i = 0; i < g->nreason; i++) free(g->reason_pool[i]);
    free(g->reason_pool);
    free(g->fstat);
    free(g->tfirst);
    free(g->all);
    isn_map_free(&g->map);
}

const regia_domain_t regia_domain_ingest_sensors = {
    .name = "ingest sensors",
    .summary = "convert structural-sensor exports (CSV, miniSEED) into a sensor store",
    .about = "Reads sensor exports - CSV (a time column and channel columns NAME [UNITS]), miniSEED (libmseed) and\n"
             "existing sensor stores - and writes one sensor store (NetCDF-4/HDF5, docs/sensors.md) with every\n"
             "trace in SI units.  CSV time stamps are resampled onto a uniform grid (linear interpolation) and\n"
             "their jitter reported; a day/month order the file's dates contradict is an error; miniSEED gaps\n"
             "and overlaps become separate traces, corrupt records go to OUT.rejects.csv with their number and\n"
             "reason; lines and records read = kept + rejected.  OUT.ingest.nc lists every trace and file.\n"
             "Files are shared out among the ranks by size; the store is the same for any number of ranks.\n"
             "See docs/sensors-ingest.md.",
    .schema = isn_schema,
    .meta = isn_meta,
    .options_usage = "--data FILE [--data FILE ...] --output STORE.nc [--structure NAME] [--sensor NAME] "
                     "[--map MAP.ini] [OPTIONS]",
    .state_size = sizeof(isn_t),
    .unit = "files",
    .work_unit = "files",
    .stage = "read",
    .output_role = "ingest report",
    .configure = isn_configure,
    .index = isn_index,
    .read = isn_read,
    .compute = isn_compute,
    .result_arrays = NULL, /* reading is the work and is not checkpointed */
    .check_result = isn_check,
    .define = isn_define,
    .acdd = isn_acdd,
    .write = isn_write,
    .write_extra = isn_write_extra,
    .report = isn_report,
    .manifest = isn_manifest,
    .release = isn_release,
};
