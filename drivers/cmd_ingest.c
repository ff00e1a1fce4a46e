/* cmd_ingest.c - `regia ingest env`: ARPA Lombardia CSV -> analysis-ready NetCDF-4.
 *
 * Every rank reads and parses the (same) input files, so every rank holds the same row
 * table; station blocks are split by regia_partition over row counts and each rank writes
 * its stations' hyperslabs with collective, compressed parallel NetCDF-4 writes.  Output
 * is written as OUTPUT.tmp and renamed on success.  Schema: docs/ingest.md.
 */
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver_impl.h"
#include "regia/acdd.h"
#include "regia/csv.h"
#include "regia/io.h"
#include "regia/ncio.h"
#include "regia/partition.h"
#include "regia/timeutil.h"

#define MAXF 32
#define NAMELEN 64
#define MAX_FILES 64
enum { P_PM10, P_PM25, P_NO2, P_O3, P_SO2, NPOL };
static const char *PNAME[NPOL] = {"pm10", "pm2p5", "no2", "o3", "so2"};
static const int PDAILY[NPOL] = {1, 1, 0, 0, 0};
static const char *PSTD[NPOL] = {
    "mass_concentration_of_pm10_ambient_aerosol_particles_in_air",
    "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air",
    "mass_concentration_of_nitrogen_dioxide_in_air", "mass_concentration_of_ozone_in_air",
    "mass_concentration_of_sulfur_dioxide_in_air"};
static const char *PLONG[NPOL] = {"PM10 daily mean", "PM2.5 daily mean", "nitrogen dioxide hourly mean",
                                  "ozone hourly mean", "sulfur dioxide hourly mean"};

static int type_of(const char *s)
{
    if (!strncmp(s, "PM10", 4)) return P_PM10;
    if (strstr(s, "PM2.5")) return P_PM25;
    if (!strcmp(s, "Biossido di Azoto")) return P_NO2;
    if (!strcmp(s, "Ozono")) return P_O3;
    if (!strcmp(s, "Biossido di Zolfo")) return P_SO2;
    return -1;
}

typedef struct {
    long id;
    int type, station; /* station: index into stations (or -1) */
    long idst;
    char name[NAMELEN], prov[NAMELEN];
    double lat, lon, alt;
} sensor_t;

typedef struct {
    long idst;
    char name[NAMELEN], prov[NAMELEN];
    double lat, lon, alt;
    int64_t nrows;
} station_t;

typedef struct {
    int sensor, file;
    long line;
    int64_t t; /* hour index (UTC) for hourly, day index (local) for daily */
    float value;
    signed char qc;
    int64_t off; /* byte offset and length of the line in its file (for reject texts) */
    int32_t len;
} row_t;

static const char *REASONS[] = {"wrong field count", "unparseable sensor id", "unknown sensor",
                                "sensor type not ingested", "bad date", "unparseable number",
                                "physically impossible value (negative)",
                                "physically impossible value (> 5000 ug/m3)", "duplicate timestamp"};
#define NREASONS ((int)(sizeof REASONS / sizeof REASONS[0]))

typedef struct {
    int file;
    long line;
    const char *reason;
    char *text;
} reject_t;

typedef struct {
    row_t *rows;
    size_t nrows, caprows;
    reject_t *rej;
    size_t nrej, caprej;
    int64_t read;
} table_t;

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static int find_col(char **f, int nf, const char *name)
{
    for (int i = 0; i < nf; i++) {
        const char *s = f[i];
        if (!strncmp(s, "\xEF\xBB\xBF", 3)) s += 3; /* BOM */
        if (!strcasecmp(s, name)) return i;
    }
    return -1;
}

static regia_status_t load_text(const char *path, char **buf, size_t *len)
{
    regia_status_t st = regia_read_file(path, (size_t)8 << 30, buf, len);
    if (st != REGIA_OK) return st;
    if (*len == 0) {
        free(*buf);
        *buf = NULL;
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: empty file (no header line); give a non-empty CSV export", path);
    }
    long bad;
    st = regia_csv_check_text(*buf, *len, path, &bad);
    if (st == REGIA_OK) {
        long line = 1;
        size_t s = 0;
        for (size_t i = 0; i <= *len; i++) {
            if (i == *len || (*buf)[i] == '\n') {
                if (i - s > REGIA_CSV_MAX_LINE) {
                    st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %ld is longer than %d bytes (%zu); "
                                    "not a valid CSV export (check the file)", path, line,
                                    REGIA_CSV_MAX_LINE, i - s);
                    break;
                }
                line++;
                s = i + 1;
            }
        }
    }
    if (st != REGIA_OK) {
        free(*buf);
        *buf = NULL;
    }
    return st;
}

/* Iterate lines: returns 0 at the end. */
static int next_line(const char *buf, size_t len, size_t *pos, const char **l, size_t *n)
{
    if (*pos >= len) return 0;
    const char *s = buf + *pos;
    const char *e = memchr(s, '\n', len - *pos);
    size_t k = e ? (size_t)(e - s) : len - *pos;
    *l = s;
    *n = k;
    *pos += k + (e ? 1 : 0);
    return 1;
}

static regia_status_t load_registry(const char *path, sensor_t **out, int *nout)
{
    regia_status_t st = REGIA_OK;
    char *buf = NULL, *work = NULL;
    size_t len = 0, pos = 0;
    sensor_t *s = NULL;
    int ns = 0, cap = 0;
    REGIA_TRY(load_text(path, &buf, &len));
    work = malloc(REGIA_CSV_MAX_LINE + MAXF + 8);
    if (!work) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    const char *l = NULL;
    size_t n = 0;
    char *f[MAXF];
    next_line(buf, len, &pos, &l, &n);
    int nf = regia_csv_split(l, n, work, f, MAXF);
    static const char *req[] = {"IdSensore", "NomeTipoSensore", "Idstazione", "NomeStazione", "Quota",
                                "Provincia", "lat", "lng"};
    int col[8];
    for (int k = 0; k < 8; k++) {
        col[k] = nf > 0 ? find_col(f, nf, req[k]) : -1;
        if (col[k] < 0) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: header lacks the required column '%s' "
                            "(is this the ARPA sensor registry, sensors.csv?)", path, req[k]);
            goto err;
        }
    }
    long line = 1;
    while (next_line(buf, len, &pos, &l, &n)) {
        line++;
        if (n == 0 || (n == 1 && l[0] == '\r')) continue;
        nf = regia_csv_split(l, n, work, f, MAXF);
        int mx = 0;
        for (int k = 0; k < 8; k++) mx = col[k] > mx ? col[k] : mx;
        if (nf <= mx) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %ld: %d fields, expected at least %d; fix or remove the line",
                            path, line, nf < 0 ? 0 : nf, mx + 1);
            goto err;
        }
        if (ns == cap) {
            cap = cap ? 2 * cap : 256;
            sensor_t *p = realloc(s, (size_t)cap * sizeof *s);
            if (!p) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
            s = p;
        }
        sensor_t *x = &s[ns];
        memset(x, 0, sizeof *x);
        char *e1, *e2;
        x->id = strtol(f[col[0]], &e1, 10);
        x->idst = strtol(f[col[2]], &e2, 10);
        if (*e1 || *e2 || !*f[col[0]] || !*f[col[2]]) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %ld: IdSensore '%s' / Idstazione '%s' is not an integer",
                            path, line, f[col[0]], f[col[2]]);
            goto err;
        }
        x->type = type_of(f[col[1]]);
        snprintf(x->name, NAMELEN, "%s", f[col[3]]);
        snprintf(x->prov, NAMELEN, "%s", f[col[5]]);
        x->alt = *f[col[4]] ? strtod(f[col[4]], NULL) : NAN;
        x->lat = strtod(f[col[6]], NULL);
        x->lon = strtod(f[col[7]], NULL);
        x->station = -1;
        ns++;
    }
    if (ns == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no sensors (only a header); give the full registry", path);
        goto err;
    }
    *out = s;
    *nout = ns;
    s = NULL;
err:
    free(s);
    free(buf);
    free(work);
    return st;
}

static int sensor_lookup(const sensor_t *s, const int *order, int ns, long id)
{
    int lo = 0, hi = ns - 1;
    while (lo <= hi) {
        int m = (lo + hi) / 2;
        long v = s[order[m]].id;
        if (v == id) return order[m];
        if (v < id) lo = m + 1; else hi = m - 1;
    }
    return -1;
}

static const sensor_t *g_sens;
static int cmp_order(const void *a, const void *b)
{
    long x = g_sens[*(const int *)a].id, y = g_sens[*(const int *)b].id;
    return (x > y) - (x < y);
}
static int cmp_row(const void *a, const void *b)
{
    const row_t *x = a, *y = b;
    if (x->sensor != y->sensor) return x->sensor < y->sensor ? -1 : 1;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}
static int cmp_rej(const void *a, const void *b)
{
    const reject_t *x = a, *y = b;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static regia_status_t add_reject(table_t *T, int file, long line, const char *reason, const char *l, size_t n)
{
    if (T->nrej == T->caprej) {
        size_t c = T->caprej ? 2 * T->caprej : 1024;
        reject_t *p = realloc(T->rej, c * sizeof *p);
        if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        T->rej = p;
        T->caprej = c;
    }
    if (n > 0 && l[n - 1] == '\r') n--;
    char *t = malloc(n + 1);
    if (!t) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    memcpy(t, l, n);
    t[n] = 0;
    T->rej[T->nrej++] = (reject_t){file, line, reason, t};
    return REGIA_OK;
}

static regia_status_t load_data(const char *path, int file, const sensor_t *sens, const int *order, int ns,
                                int utc_off, table_t *T, regia_progress_t *prog, MPI_Comm comm, int rank,
                                int size)
{
    regia_status_t st = REGIA_OK;
    char *buf = NULL, *work = NULL;
    size_t len = 0, pos = 0;
    REGIA_TRY(load_text(path, &buf, &len));
    work = malloc(REGIA_CSV_MAX_LINE + MAXF + 8);
    if (!work) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    const char *l = NULL;
    size_t n = 0;
    char *f[MAXF];
    next_line(buf, len, &pos, &l, &n);
    int nf = regia_csv_split(l, n, work, f, MAXF);
    static const char *req[] = {"IdSensore", "Data", "Valore", "Stato"};
    int col[4], hdr_nf = nf;
    for (int k = 0; k < 4; k++) {
        col[k] = nf > 0 ? find_col(f, nf, req[k]) : -1;
        if (col[k] < 0) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: header lacks the required column '%s' "
                            "(expected IdSensore,Data,Valore,Stato,idOperatore)", path, req[k]);
            goto err;
        }
    }
    /* this rank's byte range of the data lines, aligned to line starts */
    size_t hs = pos, a = hs + (len - hs) * (size_t)rank / (size_t)size,
           b = hs + (len - hs) * (size_t)(rank + 1) / (size_t)size;
    while (a > hs && a < len && buf[a - 1] != '\n') a++;
    while (b > hs && b < len && buf[b - 1] != '\n') b++;
    if (rank == size - 1) b = len;
    long nl = 0, before = 0;
    for (size_t i = a; i < b; i++) nl += buf[i] == '\n';
    MPI_Exscan(&nl, &before, 1, MPI_LONG, MPI_SUM, comm);
    if (rank == 0) before = 0;
    long line = 1 + before;
    size_t end = b;
    pos = a;
    int64_t lastb = (int64_t)a;
    while (next_line(buf, end, &pos, &l, &n)) {
        line++;
        if (n == 0 || (n == 1 && l[0] == '\r')) continue;
        T->read++;
        nf = regia_csv_split(l, n, work, f, MAXF);
        const char *why = NULL;
        row_t r = {0};
        r.file = file;
        r.line = line;
        r.off = (int64_t)(l - buf);
        r.len = (int32_t)n;
        if (nf != hdr_nf) why = "wrong field count";
        if (!why) {
            char *e;
            long id = strtol(f[col[0]], &e, 10);
            if (*e || !*f[col[0]]) why = "unparseable sensor id";
            else if ((r.sensor = sensor_lookup(sens, order, ns, id)) < 0) why = "unknown sensor";
            else if (sens[r.sensor].type < 0) why = "sensor type not ingested";
        }
        int64_t t = 0;
        if (!why && regia_parse_datetime(f[col[1]], &t) != REGIA_OK) why = "bad date";
        double v = 0;
        if (!why) {
            char *e;
            const char *s = f[col[2]];
            while (*s == ' ') s++;
            v = strtod(s, &e);
            while (*e == ' ') e++;
            if (!*s || *e || !isfinite(v)) why = "unparseable number";
            else if (v == -9999) v = NAN;
            else if (v < 0) why = "physically impossible value (negative)";
            else if (v > 5000) why = "physically impossible value (> 5000 ug/m3)";
        }
        if (why) {
            REGIA_TRY(add_reject(T, file, line, why, l, n));
        } else {
            int ty = sens[r.sensor].type;
            if (PDAILY[ty]) r.t = regia_floordiv(t, 86400);
            else r.t = regia_floordiv(t - (int64_t)utc_off * 3600, 3600);
            r.value = isnan(v) ? NAN : (float)v;
            r.qc = isnan(v) ? -1 : (!strcmp(f[col[3]], "VA") ? 0 : 1);
            if (T->nrows == T->caprows) {
                size_t c = T->caprows ? 2 * T->caprows : 65536;
                row_t *p = realloc(T->rows, c * sizeof *p);
                if (!p) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
                T->rows = p;
                T->caprows = c;
            }
            T->rows[T->nrows++] = r;
        }
        if ((int64_t)pos - lastb > (1 << 20)) {
            if (prog) regia_progress_add(prog, (int64_t)pos - lastb);
            lastb = (int64_t)pos;
        }
    }
    if (prog) regia_progress_add(prog, (int64_t)end - lastb);
err:
    free(buf);
    free(work);
    return st;
}

static int reason_idx(const char *r)
{
    for (int i = 0; i < NREASONS; i++) if (!strcmp(REASONS[i], r)) return i;
    return 0;
}

/* Give every rank all kept rows (Allgatherv) and rank 0 all rejects (Gatherv). */
static regia_status_t exchange(regia_ctx_t *ctx, table_t *T)
{
    regia_status_t st = REGIA_OK;
    int P = ctx->size;
    int *cnt = NULL, *dis = NULL;
    char *sb = NULL, *rb = NULL;
    row_t *all = NULL;
    long long rd = T->read, tot = 0;
    MPI_Allreduce(&rd, &tot, 1, MPI_LONG_LONG, MPI_SUM, ctx->comm);
    T->read = tot;
    if (P == 1) return REGIA_OK;
    cnt = calloc((size_t)P, sizeof *cnt);
    dis = calloc((size_t)P, sizeof *dis);
    if (!cnt || !dis) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    long long mine = (long long)(T->nrows * sizeof(row_t));
    if (mine > INT32_MAX) { st = REGIA_FAIL(REGIA_ERR_INVALID, "too many rows on one rank for MPI counts"); goto err; }
    int m = (int)mine;
    MPI_Allgather(&m, 1, MPI_INT, cnt, 1, MPI_INT, ctx->comm);
    long long totb = 0;
    for (int p = 0; p < P; p++) { dis[p] = (int)totb; totb += cnt[p]; }
    if (totb > INT32_MAX) { st = REGIA_FAIL(REGIA_ERR_INVALID, "too many rows for MPI counts"); goto err; }
    all = malloc((size_t)totb + 1);
    if (!all) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    REGIA_MPI(MPI_Allgatherv(T->rows, m, MPI_BYTE, all, cnt, dis, MPI_BYTE, ctx->comm));
    free(T->rows);
    T->rows = all;
    all = NULL;
    T->nrows = T->caprows = (size_t)totb / sizeof(row_t);
    /* rejects: "file line reason\ttext\n" records */
    size_t sl = 1;
    for (size_t i = 0; i < T->nrej; i++) sl += strlen(T->rej[i].text) + 48;
    sb = malloc(sl);
    if (!sb) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    size_t w = 0;
    for (size_t i = 0; i < T->nrej; i++)
        w += (size_t)snprintf(sb + w, sl - w, "%d %ld %d\t%s\n", T->rej[i].file, T->rej[i].line,
                              reason_idx(T->rej[i].reason), T->rej[i].text);
    m = (int)w;
    MPI_Gather(&m, 1, MPI_INT, cnt, 1, MPI_INT, 0, ctx->comm);
    totb = 0;
    if (ctx->rank == 0) for (int p = 0; p < P; p++) { dis[p] = (int)totb; totb += cnt[p]; }
    rb = malloc((size_t)totb + 1);
    if (!rb) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    REGIA_MPI(MPI_Gatherv(sb, m, MPI_CHAR, rb, cnt, dis, MPI_CHAR, 0, ctx->comm));
    long long nrej = (long long)T->nrej, totrej = 0;
    MPI_Allreduce(&nrej, &totrej, 1, MPI_LONG_LONG, MPI_SUM, ctx->comm);
    for (size_t i = 0; i < T->nrej; i++) free(T->rej[i].text);
    T->nrej = 0;
    if (ctx->rank == 0) {
        rb[totb] = 0;
        char *p = rb;
        while (*p) {
            int f, r, off = 0;
            long ln;
            sscanf(p, "%d %ld %d\t%n", &f, &ln, &r, &off);
            char *t = p + off, *e = strchr(t, '\n');
            *e = 0;
            st = add_reject(T, f, ln, REASONS[r], t, strlen(t));
            if (st != REGIA_OK) goto err;
            p = e + 1;
        }
    } else {
        /* other ranks only need the count */
        for (long long i = 0; i < totrej; i++) {
            st = add_reject(T, 0, 0, REASONS[0], "", 0);
            if (st != REGIA_OK) goto err;
        }
    }
err:
    free(cnt);
    free(dis);
    free(sb);
    free(rb);
    free(all);
    return st;
}

#define NCA_TXT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

/* The shared CF/ACDD global attributes of the ingested file (regia/acdd.h). */
static regia_status_t ingest_acdd(int ncid, const char *output, const char *created, const char *hist,
                                  const station_t *stn, int nst, const int *present, int64_t h0, int64_t h1,
                                  int64_t d0, int64_t d1, int utc_off)
{
    static const char *const gcmd[NPOL] = {
        "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > PARTICULATES", "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > PARTICULATES",
        "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > NITROGEN OXIDES",
        "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > TROPOSPHERIC OZONE",
        "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > SULFUR OXIDES"};
    static const char *const label[NPOL] = {"PM10", "PM2.5", "NO2", "O3", "SO2"};
    char id[256], t0[32], t1[32], comment[512], keywords[1024];
    /* keywords: the GCMD keyword of each pollutant in the file once, then free words */
    size_t kn = 0;
    keywords[0] = 0;
    for (int p = 0; p < NPOL; p++)
        if (present[p] && !strstr(keywords, gcmd[p]))
            kn += (size_t)snprintf(keywords + kn, sizeof keywords - kn, "%s, ", gcmd[p]);
    for (int p = 0; p < NPOL; p++)
        if (present[p]) kn += (size_t)snprintf(keywords + kn, sizeof keywords - kn, "%s, ", label[p]);
    snprintf(keywords + kn, sizeof keywords - kn, "air quality, monitoring stations, Lombardy, ARPA");
    const char *b = strrchr(output, '/');
    b = b ? b + 1 : output;
    size_t n = strlen(b);
    if (n > 3 && !strcmp(b + n - 3, ".nc")) n -= 3;
    snprintf(id, sizeof id, "%.*s", (int)n, b);
    /* coverage: first and last time stamp, hourly (UTC) or daily (local midnight) */
    int64_t s0 = h0 * 3600, s1 = h1 * 3600, ds0 = (d0 * 24 - utc_off) * 3600, ds1 = (d1 * 24 - utc_off) * 3600;
    int hourly = present[P_NO2] || present[P_O3] || present[P_SO2];
    if (!hourly || ds0 < s0) s0 = ds0;
    if (!hourly || ds1 > s1) s1 = ds1;
    regia_format_datetime(s0, t0, sizeof t0);
    regia_format_datetime(s1, t1, sizeof t1);
    snprintf(comment, sizeof comment,
             "Hourly values are stamped with the start of the hour in UTC (the CSV's time stamps, local solar time "
             "UTC%+d, minus the offset); "
             "daily PM values belong to local calendar days (variable day). Missing values (Valore -9999) are NaN. "
             "<var>_qc holds ARPA's validation state (Stato): 0 valid (VA), 1 not validated.", utc_off);
    regia_acdd_t a = {
        .title = "ARPA Lombardia air quality station data",
        .summary = "Hourly (NO2, O3, SO2) and daily (PM10, PM2.5) concentrations per station, "
                   "converted from ARPA Lombardia open-data CSV exports by regia ingest env",
        .keywords = keywords,
        .keywords_vocabulary = "GCMD:GCMD Science Keywords",
        .id = id,
        .source = "ARPA Lombardia open data (dati.lombardia.it) CSV exports",
        .processing_level = "station observations as published by the data provider, reformatted; not re-validated "
                            "(the provider's validation state is in the _qc variables)",
        .comment = comment,
        .license = "Same terms as the input data",
        .acknowledgement = "Air-quality data: ARPA Lombardia (Agenzia Regionale per la Protezione dell'Ambiente della "
                           "Lombardia), open data on dati.lombardia.it. Converted with regia.",
        .platform = "fixed ground-based air-quality monitoring stations",
        .instrument = "in situ air-quality analysers (NO2, O3, SO2) and particulate-matter samplers (PM10, PM2.5)",
        .date_created = created,
        .history = hist,
        .time_start = t0,
        .time_end = t1,
        .duration_s = s1 - s0,
        .time_resolution = hourly ? "PT1H" : "P1D",
    };
    a.has_latlon = regia_acdd_range(&stn[0].lat, sizeof *stn, nst, &a.lat_min, &a.lat_max) &&
                   regia_acdd_range(&stn[0].lon, sizeof *stn, nst, &a.lon_min, &a.lon_max);
    a.has_alt = regia_acdd_range(&stn[0].alt, sizeof *stn, nst, &a.alt_min, &a.alt_max);
    return regia_acdd_put(ncid, &a);
}

static int usage(regia_ctx_t *ctx)
{
    if (ctx->rank == 0)
        fprintf(stderr, "usage: regia ingest env --registry sensors.csv --data FILE [--data FILE ...]\n"
                        "                        --output OUT.nc [--rejects FILE.csv] [--utc-offset H]\n"
                        "Converts ARPA Lombardia CSV exports to a CF NetCDF-4 file (docs/ingest.md).\n");
    return REGIA_EXIT_OK;
}

int regia_cmd_ingest(regia_ctx_t *ctx, int argc, char **argv)
{
    const char *registry = NULL, *output = NULL, *rejects = NULL;
    const char *data[MAX_FILES];
    int ndata = 0, utc_off = 1;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) return usage(ctx);
    if (argc < 2 || strcmp(argv[1], "env") != 0)
        return regia_usage_error(ctx, "ingest", "expected `regia ingest env ...`");
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage(ctx);
        if (i + 1 >= argc) return regia_usage_error(ctx, "ingest", "option %s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--registry")) registry = v;
        else if (!strcmp(a, "--data")) {
            if (ndata == MAX_FILES) return regia_usage_error(ctx, "ingest", "at most %d --data files", MAX_FILES);
            data[ndata++] = v;
        } else if (!strcmp(a, "--output")) output = v;
        else if (!strcmp(a, "--rejects")) rejects = v;
        else if (!strcmp(a, "--utc-offset")) {
            char *e;
            long h = strtol(v, &e, 10);
            if (*e || h < -12 || h > 14) return regia_usage_error(ctx, "ingest", "--utc-offset must be an integer hour in -12..14");
            utc_off = (int)h;
        } else return regia_usage_error(ctx, "ingest", "unknown option '%s'", a);
    }
    if (!registry) return regia_usage_error(ctx, "ingest", "--registry is required");
    if (!ndata) return regia_usage_error(ctx, "ingest", "at least one --data file is required");
    if (!output) return regia_usage_error(ctx, "ingest", "--output is required");
    char rejpath[4200];
    if (rejects) snprintf(rejpath, sizeof rejpath, "%s", rejects);
    else regia_sibling_path(output, ".rejects.csv", rejpath, sizeof rejpath);

    regia_status_t st = REGIA_OK;
    sensor_t *sens = NULL;
    int ns = 0, *order = NULL, nst = 0, ncid = -1, created = 0;
    station_t *stn = NULL;
    table_t T = {0};
    float *vbuf = NULL;
    signed char *qbuf = NULL;
    char *cbuf = NULL;
    regia_atomic_t at;
    memset(&at, 0, sizeof at);

    st = regia_agree(ctx, load_registry(registry, &sens, &ns));
    if (st != REGIA_OK) goto out;
    order = malloc((size_t)ns * sizeof *order);
    if (!order) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto out; }
    for (int i = 0; i < ns; i++) order[i] = i;
    g_sens = sens;
    qsort(order, (size_t)ns, sizeof *order, cmp_order);
    for (int i = 1; i < ns; i++)
        if (sens[order[i]].id == sens[order[i - 1]].id) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: IdSensore %ld appears twice; the registry must list each sensor once",
                            registry, sens[order[i]].id);
            break;
        }
    st = regia_agree(ctx, st);
    if (st != REGIA_OK) goto out;

    regia_progress_t prog;
    int64_t total = 0;
    for (int k = 0; k < ndata; k++) {
        FILE *fp = fopen(data[k], "rb");
        if (fp) { fseek(fp, 0, SEEK_END); total += ftell(fp); fclose(fp); }
    }
    regia_progress_begin(&prog, &ctx->log, "parse", total / ctx->size, "bytes");
    for (int k = 0; k < ndata && st == REGIA_OK; k++)
        st = load_data(data[k], k, sens, order, ns, utc_off, &T, &prog, ctx->comm, ctx->rank, ctx->size);
    st = regia_agree(ctx, st);
    regia_progress_end(&prog);
    if (st != REGIA_OK) goto out;
    st = regia_agree(ctx, exchange(ctx, &T));
    if (st != REGIA_OK) goto out;

    /* duplicates: keep the first by (file, line) */
    qsort(T.rows, T.nrows, sizeof *T.rows, cmp_row);
    size_t w = 0;
    for (size_t i = 0; i < T.nrows; i++) {
        if (w > 0 && T.rows[w - 1].sensor == T.rows[i].sensor && T.rows[w - 1].t == T.rows[i].t) {
            char txt[REGIA_CSV_MAX_LINE + 1];
            size_t tl = 0;
            if (ctx->rank == 0) { /* only rank 0 writes the rejects: fetch the line's text */
                FILE *fp = fopen(data[T.rows[i].file], "rb");
                if (fp && fseek(fp, (long)T.rows[i].off, SEEK_SET) == 0)
                    tl = fread(txt, 1, (size_t)T.rows[i].len, fp);
                if (fp) fclose(fp);
            }
            st = add_reject(&T, T.rows[i].file, T.rows[i].line, "duplicate timestamp", txt, tl);
            if (st != REGIA_OK) break;
            continue;
        }
        T.rows[w++] = T.rows[i];
    }
    T.nrows = w;
    st = regia_agree(ctx, st);
    if (st != REGIA_OK) goto out;
    qsort(T.rej, T.nrej, sizeof *T.rej, cmp_rej);
    if ((int64_t)(T.nrows + T.nrej) != T.read) {
        st = regia_agree(ctx, REGIA_FAIL(REGIA_ERR_NUMERIC, "internal: rows read %lld != kept %zu + rejected %zu",
                                         (long long)T.read, T.nrows, T.nrej));
        goto out;
    }
    if (T.nrows == 0) {
        st = regia_agree(ctx, REGIA_FAIL(REGIA_ERR_PARSE, "no rows kept from %d data file(s) (%zu rejected, see %s); "
                                         "check that --registry matches the data", ndata, T.nrej, rejpath));
        if (ctx->rank == 0) {
            /* still write rejects, they explain the failure */
        }
        goto write_rejects_only;
    }

    /* stations with at least one ingested sensor, sorted by Idstazione */
    {
        long *ids = malloc((size_t)ns * sizeof *ids);
        if (!ids) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto out; }
        int m = 0;
        for (int i = 0; i < ns; i++) if (sens[i].type >= 0) ids[m++] = sens[i].idst;
        qsort(ids, (size_t)m, sizeof *ids, cmp_long);
        stn = calloc((size_t)(m ? m : 1), sizeof *stn);
        for (int i = 0; i < m; i++)
            if (i == 0 || ids[i] != ids[i - 1]) stn[nst++].idst = ids[i];
        free(ids);
        for (int i = 0; i < ns; i++) {
            if (sens[i].type < 0) continue;
            int lo = 0, hi = nst - 1;
            while (lo < hi) { int md = (lo + hi) / 2; if (stn[md].idst < sens[i].idst) lo = md + 1; else hi = md; }
            sens[i].station = lo;
            if (!stn[lo].name[0]) {
                snprintf(stn[lo].name, NAMELEN, "%s", sens[i].name);
                snprintf(stn[lo].prov, NAMELEN, "%s", sens[i].prov);
                stn[lo].lat = sens[i].lat;
                stn[lo].lon = sens[i].lon;
                stn[lo].alt = sens[i].alt;
            }
        }
    }
    int present[NPOL] = {0};
    for (int i = 0; i < ns; i++) if (sens[i].type >= 0) present[sens[i].type] = 1;
    int64_t h0 = INT64_MAX, h1 = INT64_MIN, d0 = INT64_MAX, d1 = INT64_MIN;
    for (size_t i = 0; i < T.nrows; i++) {
        const row_t *r = &T.rows[i];
        stn[sens[r->sensor].station].nrows++;
        int64_t day;
        if (PDAILY[sens[r->sensor].type]) day = r->t;
        else {
            if (r->t < h0) h0 = r->t;
            if (r->t > h1) h1 = r->t;
            day = regia_floordiv(r->t * 3600 + (int64_t)utc_off * 3600, 86400);
        }
        if (day < d0) d0 = day;
        if (day > d1) d1 = day;
    }
    if (h0 > h1) { h0 = d0 * 24 - utc_off; h1 = h0; }
    size_t ntime = (size_t)(h1 - h0 + 1), nday = (size_t)(d1 - d0 + 1);

    /* partition stations over ranks */
    int64_t *pstart = malloc((size_t)(ctx->size + 1) * sizeof *pstart);
    double *cost = malloc((size_t)nst * sizeof *cost);
    if (!pstart || !cost) { free(pstart); free(cost); st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto out; }
    for (int i = 0; i < nst; i++) cost[i] = 1.0 + (double)stn[i].nrows;
    regia_partition(cost, nst, ctx->size, pstart);
    size_t s0 = (size_t)pstart[ctx->rank], s1 = (size_t)pstart[ctx->rank + 1], mys = s1 - s0;
    free(pstart);
    free(cost);

    /* shared attribute values from rank 0 */
    char created_s[32] = "", hist[512];
    if (ctx->rank == 0) {
        time_t now = time(NULL);
        struct tm tmv;
        gmtime_r(&now, &tmv);
        strftime(created_s, sizeof created_s, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    }
    MPI_Bcast(created_s, sizeof created_s, MPI_CHAR, 0, ctx->comm);
    snprintf(hist, sizeof hist, "%s regia %s ingest env (%d data file(s), utc-offset %d)", created_s,
             REGIA_VERSION, ndata, utc_off);

    st = regia_atomic_begin(&at, output);
    st = regia_agree(ctx, st);
    if (st != REGIA_OK) goto out;
    regia_info(&ctx->log, "writing %s: %d stations, %zu hours, %zu days, %zu rows kept, %zu rejected", output, nst,
               ntime, nday, T.nrows, T.nrej);
    {
        int dst, dtime, dday, dstr, vid_sid, vid_name, vid_prov, vid_lat, vid_lon, vid_alt, vid_t, vid_d;
        int vid_p[NPOL], vid_q[NPOL];
        int rc = nc_create_par(at.tmp_path, NC_NETCDF4 | NC_CLOBBER, ctx->comm, MPI_INFO_NULL, &ncid);
        created = 1;
        if (rc) { ncid = -1; }
        st = rc ? REGIA_FAIL(REGIA_ERR_NETCDF, "%s: cannot create: %s", at.tmp_path, nc_strerror(rc)) : REGIA_OK;
        st = regia_agree(ctx, st);
        if (st != REGIA_OK) goto out;
        REGIA_NC(nc_def_dim(ncid, "station", (size_t)nst, &dst));
        REGIA_NC(nc_def_dim(ncid, "time", ntime, &dtime));
        REGIA_NC(nc_def_dim(ncid, "day", nday, &dday));
        REGIA_NC(nc_def_dim(ncid, "name_strlen", NAMELEN, &dstr));
        int d2[2] = {dst, dstr};
        regia_nc_station_vars_t sv;
        REGIA_TRY(regia_nc_def_stations(ncid, dst, dstr, &sv));
        vid_sid = sv.id;
        vid_name = sv.name;
        vid_lat = sv.lat;
        vid_lon = sv.lon;
        vid_alt = sv.alt;
        REGIA_NC(nc_def_var(ncid, "province", NC_CHAR, 2, d2, &vid_prov));
        NCA_TXT(vid_prov, "long_name", "province (Provincia)");
        NCA_TXT(vid_prov, "coverage_content_type", "auxiliaryInformation");
        REGIA_NC(nc_def_var(ncid, "time", NC_DOUBLE, 1, &dtime, &vid_t));
        NCA_TXT(vid_t, "units", "hours since 1970-01-01 00:00:00");
        NCA_TXT(vid_t, "calendar", "standard");
        NCA_TXT(vid_t, "standard_name", "time");
        NCA_TXT(vid_t, "axis", "T");
        NCA_TXT(vid_t, "long_name", "start of the hour (UTC)");
        NCA_TXT(vid_t, "coverage_content_type", "coordinate");
        REGIA_NC(nc_def_var(ncid, "day", NC_DOUBLE, 1, &dday, &vid_d));
        NCA_TXT(vid_d, "units", "days since 1970-01-01 00:00:00");
        NCA_TXT(vid_d, "calendar", "standard");
        NCA_TXT(vid_d, "coverage_content_type", "coordinate");
        {
            char ln[96];
            snprintf(ln, sizeof ln, "calendar date (local solar time UTC%+d)", utc_off);
            NCA_TXT(vid_d, "long_name", ln);
        }
        float fillf = NAN;
        signed char fillb = -1, flags[2] = {0, 1};
        for (int p = 0; p < NPOL; p++) {
            vid_p[p] = vid_q[p] = -1;
            if (!present[p]) continue;
            int dims[2] = {dst, PDAILY[p] ? dday : dtime};
            size_t chunk[2] = {1, PDAILY[p] ? nday : ntime};
            char qn[32];
            REGIA_NC(nc_def_var(ncid, PNAME[p], NC_FLOAT, 2, dims, &vid_p[p]));
            REGIA_NC(nc_def_var_chunking(ncid, vid_p[p], NC_CHUNKED, chunk));
            REGIA_NC(nc_def_var_deflate(ncid, vid_p[p], 1, 1, 1));
            REGIA_NC(nc_def_var_fill(ncid, vid_p[p], 0, &fillf));
            NCA_TXT(vid_p[p], "units", "ug m-3");
            NCA_TXT(vid_p[p], "standard_name", PSTD[p]);
            NCA_TXT(vid_p[p], "long_name", PLONG[p]);
            NCA_TXT(vid_p[p], "coordinates", "station_id lat lon alt");
            NCA_TXT(vid_p[p], "coverage_content_type", "physicalMeasurement");
            snprintf(qn, sizeof qn, "%s_qc", PNAME[p]);
            NCA_TXT(vid_p[p], "ancillary_variables", qn);
            REGIA_NC(nc_def_var(ncid, qn, NC_BYTE, 2, dims, &vid_q[p]));
            REGIA_NC(nc_def_var_chunking(ncid, vid_q[p], NC_CHUNKED, chunk));
            REGIA_NC(nc_def_var_deflate(ncid, vid_q[p], 1, 1, 1));
            REGIA_NC(nc_def_var_fill(ncid, vid_q[p], 0, &fillb));
            REGIA_NC(nc_put_att_schar(ncid, vid_q[p], "flag_values", NC_BYTE, 2, flags));
            NCA_TXT(vid_q[p], "flag_meanings", "valid not_validated");
            char ln[80];
            snprintf(ln, sizeof ln, "quality flag of %s (Stato: VA valid, else not validated)", PNAME[p]);
            NCA_TXT(vid_q[p], "long_name", ln);
            NCA_TXT(vid_q[p], "standard_name", "quality_flag");
            NCA_TXT(vid_q[p], "coordinates", "station_id lat lon alt");
            NCA_TXT(vid_q[p], "coverage_content_type", "qualityInformation");
        }
        st = ingest_acdd(ncid, output, created_s, hist, stn, nst, present, h0, h1, d0, d1, utc_off);
        if (st != REGIA_OK) goto err;
        NCA_TXT(NC_GLOBAL, "regia_version", REGIA_VERSION);
        {
            char hex[65], key[64], val[4400];
            /* every rank hashes the files (same content, same attribute) */
            st = regia_sha256_file(registry, hex);
            if (st != REGIA_OK) goto err;
            snprintf(val, sizeof val, "%s sha256:%s", registry, hex);
            NCA_TXT(NC_GLOBAL, "input_registry", val);
            for (int k = 0; k < ndata; k++) {
                st = regia_sha256_file(data[k], hex);
                if (st != REGIA_OK) goto err;
                snprintf(key, sizeof key, "input_data_%d", k + 1);
                snprintf(val, sizeof val, "%s sha256:%s", data[k], hex);
                NCA_TXT(NC_GLOBAL, key, val);
            }
        }
        long long rr = T.read, rk = (long long)T.nrows, rj = (long long)T.nrej;
        REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "regia_rows_read", NC_INT64, 1, &rr));
        REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "regia_rows_kept", NC_INT64, 1, &rk));
        REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "regia_rows_rejected", NC_INT64, 1, &rj));
        REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "regia_utc_offset_hours", NC_INT, 1, &utc_off));
        REGIA_NC(nc_enddef(ncid));
        int nv;
        REGIA_NC(nc_inq_nvars(ncid, &nv));
        for (int v = 0; v < nv; v++) REGIA_NC(nc_var_par_access(ncid, v, NC_COLLECTIVE));

        /* coordinates: rank 0 writes, others take part with empty writes */
        int r0 = ctx->rank == 0;
        size_t z0[2] = {0, 0}, cs[2] = {r0 ? (size_t)nst : 0, NAMELEN};
        size_t ct[1] = {r0 ? ntime : 0}, cd[1] = {r0 ? nday : 0};
        size_t nmax = (size_t)nst > ntime ? (size_t)nst : ntime;
        if (nday > nmax) nmax = nday;
        double *dbuf = calloc(nmax, sizeof *dbuf);
        int *ibuf = calloc((size_t)nst + 1, sizeof *ibuf);
        cbuf = calloc((size_t)nst * NAMELEN + 1, 1);
        if (!dbuf || !ibuf || !cbuf) { free(dbuf); free(ibuf); st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
        for (int i = 0; i < nst; i++) ibuf[i] = (int)stn[i].idst;
        rc = nc_put_vara_int(ncid, vid_sid, z0, cs, ibuf);
        for (int i = 0; i < nst && !rc; i++) strncpy(cbuf + (size_t)i * NAMELEN, stn[i].name, NAMELEN);
        if (!rc) rc = nc_put_vara_text(ncid, vid_name, z0, cs, cbuf);
        memset(cbuf, 0, (size_t)nst * NAMELEN);
        for (int i = 0; i < nst && !rc; i++) strncpy(cbuf + (size_t)i * NAMELEN, stn[i].prov, NAMELEN);
        if (!rc) rc = nc_put_vara_text(ncid, vid_prov, z0, cs, cbuf);
        for (int i = 0; i < nst; i++) dbuf[i] = stn[i].lat;
        if (!rc) rc = nc_put_vara_double(ncid, vid_lat, z0, cs, dbuf);
        for (int i = 0; i < nst; i++) dbuf[i] = stn[i].lon;
        if (!rc) rc = nc_put_vara_double(ncid, vid_lon, z0, cs, dbuf);
        for (int i = 0; i < nst; i++) dbuf[i] = stn[i].alt;
        if (!rc) rc = nc_put_vara_double(ncid, vid_alt, z0, cs, dbuf);
        for (size_t i = 0; i < ntime; i++) dbuf[i] = (double)(h0 + (int64_t)i);
        if (!rc) rc = nc_put_vara_double(ncid, vid_t, z0, ct, dbuf);
        for (size_t i = 0; i < nday; i++) dbuf[i] = (double)(d0 + (int64_t)i);
        if (!rc) rc = nc_put_vara_double(ncid, vid_d, z0, cd, dbuf);
        free(dbuf);
        free(ibuf);
        if (rc) { st = REGIA_FAIL(REGIA_ERR_NETCDF, "writing coordinates: %s", nc_strerror(rc)); goto err; }

        /* data: this rank's station block; rows sorted by (sensor, t) */
        size_t nmx = ntime > nday ? ntime : nday;
        vbuf = malloc((mys ? mys : 1) * nmx * sizeof *vbuf);
        qbuf = malloc((mys ? mys : 1) * nmx);
        if (!vbuf || !qbuf) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
        for (int p = 0; p < NPOL; p++) {
            if (!present[p]) continue;
            size_t L = PDAILY[p] ? nday : ntime;
            int64_t base = PDAILY[p] ? d0 : h0;
            for (size_t i = 0; i < mys * L; i++) { vbuf[i] = NAN; qbuf[i] = -1; }
            for (size_t i = 0; i < T.nrows; i++) {
                const row_t *r = &T.rows[i];
                const sensor_t *sn = &sens[r->sensor];
                if (sn->type != p || (size_t)sn->station < s0 || (size_t)sn->station >= s1) continue;
                size_t k = ((size_t)sn->station - s0) * L + (size_t)(r->t - base);
                /* two sensors of one type at one station: first sensor (by id order) wins */
                if (!isnan(vbuf[k]) || qbuf[k] >= 0) continue;
                vbuf[k] = r->value;
                qbuf[k] = r->qc;
            }
            size_t st0[2] = {s0, 0}, cnt[2] = {mys, mys ? L : 0};
            REGIA_NC(nc_put_vara_float(ncid, vid_p[p], st0, cnt, vbuf));
            REGIA_NC(nc_put_vara_schar(ncid, vid_q[p], st0, cnt, qbuf));
        }
        REGIA_NC(nc_close(ncid));
        ncid = -1;
    }
err:
    st = regia_agree(ctx, st);
    if (st != REGIA_OK) goto out;
write_rejects_only:
    if (ctx->rank == 0) {
        regia_status_t s2 = REGIA_OK;
        size_t cap = 64, lenb = 0;
        for (size_t i = 0; i < T.nrej; i++) cap += strlen(T.rej[i].text) * 2 + 4200 + 80;
        cap += 64;
        char *b = malloc(cap);
        if (!b) s2 = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        else {
            lenb += (size_t)snprintf(b, cap, "file,line,reason,text\n");
            for (size_t i = 0; i < T.nrej; i++) {
                lenb += (size_t)snprintf(b + lenb, cap - lenb, "\"%s\",%ld,%s,\"", data[T.rej[i].file], T.rej[i].line,
                                         T.rej[i].reason);
                for (const char *c = T.rej[i].text; *c; c++) {
                    if (*c == '"') b[lenb++] = '"';
                    b[lenb++] = *c;
                }
                b[lenb++] = '"';
                b[lenb++] = '\n';
            }
            s2 = regia_atomic_write(rejpath, b, lenb);
            free(b);
        }
        if (st == REGIA_OK && s2 == REGIA_OK) s2 = regia_atomic_commit(&at);
        if (st == REGIA_OK) st = s2;
    }
    {
        regia_status_t s3 = regia_agree(ctx, st);
        if (st == REGIA_OK) st = s3;
        else st = s3 != REGIA_OK ? s3 : st;
    }
    if (st == REGIA_OK)
        regia_info(&ctx->log, "rows read %lld = kept %zu + rejected %zu; wrote %s and %s", (long long)T.read, T.nrows,
                   T.nrej, output, rejpath);
out:
    if (ncid >= 0) nc_close(ncid);
    if (st != REGIA_OK && created && ctx->rank == 0) regia_atomic_abort(&at);
    for (size_t i = 0; i < T.nrej; i++) free(T.rej[i].text);
    free(T.rej);
    free(T.rows);
    free(sens);
    free(order);
    free(stn);
    free(vbuf);
    free(qbuf);
    free(cbuf);
    return st == REGIA_OK ? REGIA_EXIT_OK : REGIA_EXIT_FAIL;
}
