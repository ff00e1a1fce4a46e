/* cmd_ingest.c - `regia ingest env`: ARPA Lombardia CSV -> analysis-ready NetCDF-4.
 *
 * Steps (every failure on any rank is agreed on before the next collective call):
 *   options -> registry (every rank; small) -> station list and its owners (contiguous
 *   blocks of the sorted stations, balanced by expected rows) -> each rank parses its
 *   byte range of each data file (ingest_env_parse.c) -> plausible-date window -> time
 *   axis, caps checked before anything large is allocated -> rows sent to their station's
 *   owner (ingest_env_exchange.c) -> duplicates resolved by the owner -> collective
 *   NetCDF write of each rank's stations -> rejects file (MPI-IO) -> commit -> manifest.
 * Outputs are written under temporary names and renamed on success.  Schema and options:
 * docs/ingest.md.
 */
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ingest_env_impl.h"
#include "regia/acdd.h"
#include "regia/io.h"
#include "regia/ncio.h"
#include "regia/partition.h"
#include "regia/timeutil.h"

#define NAMELEN INGEST_NAMELEN
static const char *const PSTD[NPOL] = {
    "mass_concentration_of_pm10_ambient_aerosol_particles_in_air",
    "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air",
    "mass_concentration_of_nitrogen_dioxide_in_air", "mass_concentration_of_ozone_in_air",
    "mass_concentration_of_sulfur_dioxide_in_air"};
static const char *const PLONG[NPOL] = {"PM10 daily mean", "PM2.5 daily mean", "nitrogen dioxide hourly mean",
                                        "ozone hourly mean", "sulfur dioxide hourly mean"};
#define PNAME INGEST_PNAME
#define PDAILY INGEST_PDAILY
typedef ingest_station_t station_t;

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
        fprintf(stderr,
                "usage: regia ingest env --registry sensors.csv --data FILE [--data FILE ...] --output OUT.nc\n"
                "                        [--rejects FILE.csv] [--utc-offset H] [--separator auto|,|;|tab]\n"
                "                        [--decimal auto|point|comma] [--date-format auto|mdy|dmy|iso]\n"
                "                        [--max-rejected PERCENT] [--from DATE] [--to DATE] [--window-years N]\n"
                "                        [--max-years N] [--max-cells N] [-v]\n"
                "Converts ARPA Lombardia CSV exports to a CF NetCDF-4 file (docs/ingest.md).\n"
                "  --separator     field separator of the data files [auto: from the header]\n"
                "  --decimal       decimal mark of Valore [auto: '.' or one ',']\n"
                "  --date-format   order of slash dates: mdy (mm/dd/yyyy), dmy (dd/mm/yyyy, Italian exports),\n"
                "                  iso (only yyyy-mm-dd) [auto: ISO, and mm/dd/yyyy with AM/PM (Socrata);\n"
                "                  a slash date without AM/PM is ambiguous and an error]\n"
                "  --max-rejected  largest share of rejected rows that is not an error, in %% [5]\n"
                "  --from, --to    plausible window of measurement dates (local days, inclusive)\n"
                "  --window-years  without --from/--to: the window is the median month +- N years [10]\n"
                "  --max-years     longest time axis of the output, in years [100]\n"
                "  --max-cells     most station x time values in the output [4e9]\n"
                "  -v, --verbose   each rank prints its rows, rows/s and peak memory at the end\n");
    return REGIA_EXIT_OK;
}

/* All of the command line, in one place: returns -1 to run, else the exit status. */
static int ingest_options(regia_ctx_t *ctx, int argc, char **argv, ingest_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->utc_off = 1;
    o->max_rejected = 0.05;
    o->window_years = 10;
    o->max_years = 100;
    o->max_cells = 4e9;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) return usage(ctx);
    if (argc < 2 || strcmp(argv[1], "env") != 0)
        return regia_usage_error(ctx, "ingest", "expected `regia ingest env ...`");
    for (int i = 2; i < argc; i++) {
        char key[64];
        const char *a = argv[i], *v = NULL, *eq = strchr(a, '=');
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage(ctx);
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) { o->verbose = 1; continue; }
        if (eq && !strncmp(a, "--", 2) && (size_t)(eq - a) < sizeof key) {
            snprintf(key, sizeof key, "%.*s", (int)(eq - a), a);
            a = key;
            v = eq + 1;
        } else {
            if (i + 1 >= argc) return regia_usage_error(ctx, "ingest", "option %s needs a value", a);
            v = argv[++i];
        }
        char *e = NULL;
        if (!strcmp(a, "--registry")) o->registry = v;
        else if (!strcmp(a, "--data")) {
            if (o->ndata == INGEST_MAX_FILES)
                return regia_usage_error(ctx, "ingest", "at most %d --data files", INGEST_MAX_FILES);
            o->data[o->ndata++] = v;
        } else if (!strcmp(a, "--output")) o->output = v;
        else if (!strcmp(a, "--rejects")) o->rejects = v;
        else if (!strcmp(a, "--utc-offset")) {
            long h = strtol(v, &e, 10);
            if (*e || !*v || h < -12 || h > 14)
                return regia_usage_error(ctx, "ingest", "--utc-offset must be an integer hour in -12..14");
            o->utc_off = (int)h;
        } else if (!strcmp(a, "--separator")) {
            if (!strcmp(v, "auto")) o->sep = 0;
            else if (!strcmp(v, ",") || !strcmp(v, ";")) o->sep = v[0];
            else if (!strcmp(v, "tab") || !strcmp(v, "\t")) o->sep = '\t';
            else return regia_usage_error(ctx, "ingest", "--separator must be auto, ',', ';' or tab, not '%s'", v);
        } else if (!strcmp(a, "--decimal")) {
            if (!strcmp(v, "auto")) o->decimal = DEC_AUTO;
            else if (!strcmp(v, "point") || !strcmp(v, ".")) o->decimal = DEC_POINT;
            else if (!strcmp(v, "comma") || !strcmp(v, ",")) o->decimal = DEC_COMMA;
            else return regia_usage_error(ctx, "ingest", "--decimal must be auto, point or comma, not '%s'", v);
        } else if (!strcmp(a, "--date-format")) {
            if (!strcmp(v, "auto")) o->date_order = DATE_AUTO;
            else if (!strcmp(v, "mdy")) o->date_order = DATE_MDY;
            else if (!strcmp(v, "dmy")) o->date_order = DATE_DMY;
            else if (!strcmp(v, "iso")) o->date_order = DATE_ISO;
            else return regia_usage_error(ctx, "ingest", "--date-format must be auto, mdy, dmy or iso, not '%s'", v);
        } else if (!strcmp(a, "--max-rejected")) {
            double p = strtod(v, &e);
            if (*e || !*v || !(p >= 0 && p <= 100))
                return regia_usage_error(ctx, "ingest", "--max-rejected must be a percentage in 0..100, not '%s'", v);
            o->max_rejected = p / 100;
        } else if (!strcmp(a, "--from") || !strcmp(a, "--to")) {
            int64_t t;
            if (regia_parse_datetime(v, &t) != REGIA_OK)
                return regia_usage_error(ctx, "ingest", "%s: %s", a, regia_error_msg());
            if (a[2] == 'f') o->have_from = 1, o->from_day = regia_floordiv(t, 86400);
            else o->have_to = 1, o->to_day = regia_floordiv(t, 86400);
        } else if (!strcmp(a, "--window-years") || !strcmp(a, "--max-years")) {
            long y = strtol(v, &e, 10);
            if (*e || !*v || y < 1 || y > 10000)
                return regia_usage_error(ctx, "ingest", "%s must be an integer number of years in 1..10000", a);
            if (a[2] == 'w') o->window_years = (int)y;
            else o->max_years = (int)y;
        } else if (!strcmp(a, "--max-cells")) {
            double c = strtod(v, &e);
            if (*e || !*v || !(c >= 1)) return regia_usage_error(ctx, "ingest", "--max-cells must be a number >= 1");
            o->max_cells = c;
        } else return regia_usage_error(ctx, "ingest", "unknown option '%s'", a);
    }
    if (!o->registry) return regia_usage_error(ctx, "ingest", "--registry is required");
    if (!o->ndata) return regia_usage_error(ctx, "ingest", "at least one --data file is required");
    if (!o->output) return regia_usage_error(ctx, "ingest", "--output is required");
    if (o->have_from && o->have_to && o->from_day > o->to_day)
        return regia_usage_error(ctx, "ingest", "--from is after --to");
    return -1;
}

static const ingest_sensor_t *g_sens;
static int cmp_order(const void *a, const void *b)
{
    long x = g_sens[*(const int *)a].id, y = g_sens[*(const int *)b].id;
    return (x > y) - (x < y);
}
static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}
static int cmp_rej(const void *a, const void *b)
{
    const ingest_reject_t *x = a, *y = b;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* After a failure in the NetCDF phase: a collective call that another rank left (HDF5
 * returns an error on one rank inside a collective write and the others wait in its
 * flush) would hold the job forever, and a file HDF5 could not close crashes it at
 * MPI_Finalize.  A rank that failed arms this alarm: if agreeing, or closing, does not
 * return within fail_wait() seconds, it removes the temporary files, says why and ends
 * (the launcher then ends the other ranks). */
static char g_die_msg[1200], g_tmp_nc[4400], g_tmp_rej[4400];
static int g_armed;
static void die_now(int sig)
{
    (void)sig;
    if (g_tmp_nc[0]) unlink(g_tmp_nc);
    if (g_tmp_rej[0]) unlink(g_tmp_rej);
    if (write(2, g_die_msg, strlen(g_die_msg)) < 0) { /* nothing more to do */ }
    _exit(1);
}
static int fail_wait(void)
{
    const char *s = getenv("REGIA_FAIL_WAIT");
    int v = s ? atoi(s) : 0;
    return v > 0 ? v : 30;
}
static void arm_failure(const regia_ctx_t *ctx, const char *msg)
{
    if (g_armed) return;
    g_armed = 1;
    snprintf(g_die_msg, sizeof g_die_msg,
             "regia ingest env: error (rank %d): %s; the ranks did not agree within %d s (a collective write "
             "left by a failing rank); ending the run, nothing written\n", ctx->rank, msg, fail_wait());
    signal(SIGALRM, die_now);
    alarm((unsigned)fail_wait());
}

typedef struct { int file; int64_t line, off; } dup_t;

/* A step of the NetCDF phase: agreed on, under the failure alarm when this rank failed. */
#define NC_COLL(expr)                                                                  \
    do {                                                                               \
        regia_status_t s_ = (expr);                                                    \
        if (s_ != REGIA_OK) arm_failure(ctx, regia_error_msg());                       \
        st = regia_agree(ctx, s_);                                                     \
        if (st != REGIA_OK) { arm_failure(ctx, regia_error_msg()); goto out; }         \
    } while (0)

/* REGIA_NC without the goto: a status */
static regia_status_t ncs(int rc, const char *what, const char *path)
{
    if (!rc) return REGIA_OK;
    return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: %s (file system full or not writable?)", path, what, nc_strerror(rc));
}

static long peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

typedef struct {
    int nst, present[NPOL];
    size_t ntime, nday;
    int64_t h0, h1, d0, d1;
    int vid_sid, vid_name, vid_prov, vid_lat, vid_lon, vid_alt, vid_t, vid_d, vid_p[NPOL], vid_q[NPOL];
} layout_t;

/* Define mode (every rank, the same calls): dimensions, variables, attributes. */
static regia_status_t define_output(int ncid, layout_t *L, const ingest_opts_t *o, const station_t *stn,
                                    const char *created_s, const char *hist, char (*hex)[65], const long long *rows,
                                    const char *window)
{
    regia_status_t st = REGIA_OK;
    int dst, dtime, dday, dstr, utc_off = o->utc_off;
    REGIA_NC(nc_def_dim(ncid, "station", (size_t)L->nst, &dst));
    REGIA_NC(nc_def_dim(ncid, "time", L->ntime, &dtime));
    REGIA_NC(nc_def_dim(ncid, "day", L->nday, &dday));
    REGIA_NC(nc_def_dim(ncid, "name_strlen", NAMELEN, &dstr));
    int d2[2] = {dst, dstr};
    regia_nc_station_vars_t sv;
    REGIA_TRY(regia_nc_def_stations(ncid, dst, dstr, &sv));
    L->vid_sid = sv.id;
    L->vid_name = sv.name;
    L->vid_lat = sv.lat;
    L->vid_lon = sv.lon;
    L->vid_alt = sv.alt;
    REGIA_NC(nc_def_var(ncid, "province", NC_CHAR, 2, d2, &L->vid_prov));
    NCA_TXT(L->vid_prov, "long_name", "province (Provincia)");
    NCA_TXT(L->vid_prov, "coverage_content_type", "auxiliaryInformation");
    REGIA_NC(nc_def_var(ncid, "time", NC_DOUBLE, 1, &dtime, &L->vid_t));
    NCA_TXT(L->vid_t, "units", "hours since 1970-01-01 00:00:00");
    NCA_TXT(L->vid_t, "calendar", "standard");
    NCA_TXT(L->vid_t, "standard_name", "time");
    NCA_TXT(L->vid_t, "axis", "T");
    NCA_TXT(L->vid_t, "long_name", "start of the hour (UTC)");
    NCA_TXT(L->vid_t, "coverage_content_type", "coordinate");
    REGIA_NC(nc_def_var(ncid, "day", NC_DOUBLE, 1, &dday, &L->vid_d));
    NCA_TXT(L->vid_d, "units", "days since 1970-01-01 00:00:00");
    NCA_TXT(L->vid_d, "calendar", "standard");
    NCA_TXT(L->vid_d, "coverage_content_type", "coordinate");
    {
        char ln[96];
        snprintf(ln, sizeof ln, "calendar date (local solar time UTC%+d)", utc_off);
        NCA_TXT(L->vid_d, "long_name", ln);
    }
    float fillf = NAN;
    signed char fillb = -1, flags[2] = {0, 1};
    for (int p = 0; p < NPOL; p++) {
        L->vid_p[p] = L->vid_q[p] = -1;
        if (!L->present[p]) continue;
        int dims[2] = {dst, PDAILY[p] ? dday : dtime};
        size_t chunk[2] = {1, PDAILY[p] ? L->nday : L->ntime};
        char qn[32];
        REGIA_NC(nc_def_var(ncid, PNAME[p], NC_FLOAT, 2, dims, &L->vid_p[p]));
        REGIA_NC(nc_def_var_chunking(ncid, L->vid_p[p], NC_CHUNKED, chunk));
        REGIA_NC(nc_def_var_deflate(ncid, L->vid_p[p], 1, 1, 1));
        REGIA_NC(nc_def_var_fill(ncid, L->vid_p[p], 0, &fillf));
        NCA_TXT(L->vid_p[p], "units", "ug m-3");
        NCA_TXT(L->vid_p[p], "standard_name", PSTD[p]);
        NCA_TXT(L->vid_p[p], "long_name", PLONG[p]);
        NCA_TXT(L->vid_p[p], "coordinates", "station_id lat lon alt");
        NCA_TXT(L->vid_p[p], "coverage_content_type", "physicalMeasurement");
        snprintf(qn, sizeof qn, "%s_qc", PNAME[p]);
        NCA_TXT(L->vid_p[p], "ancillary_variables", qn);
        REGIA_NC(nc_def_var(ncid, qn, NC_BYTE, 2, dims, &L->vid_q[p]));
        REGIA_NC(nc_def_var_chunking(ncid, L->vid_q[p], NC_CHUNKED, chunk));
        REGIA_NC(nc_def_var_deflate(ncid, L->vid_q[p], 1, 1, 1));
        REGIA_NC(nc_def_var_fill(ncid, L->vid_q[p], 0, &fillb));
        REGIA_NC(nc_put_att_schar(ncid, L->vid_q[p], "flag_values", NC_BYTE, 2, flags));
        NCA_TXT(L->vid_q[p], "flag_meanings", "valid not_validated");
        char ln[80];
        snprintf(ln, sizeof ln, "quality flag of %s (Stato: VA valid, else not validated)", PNAME[p]);
        NCA_TXT(L->vid_q[p], "long_name", ln);
        NCA_TXT(L->vid_q[p], "standard_name", "quality_flag");
        NCA_TXT(L->vid_q[p], "coordinates", "station_id lat lon alt");
        NCA_TXT(L->vid_q[p], "coverage_content_type", "qualityInformation");
    }
    REGIA_TRY(ingest_acdd(ncid, o->output, created_s, hist, stn, L->nst, L->present, L->h0, L->h1, L->d0, L->d1,
                          utc_off));
    NCA_TXT(NC_GLOBAL, "regia_version", REGIA_VERSION);
    {
        char key[64], val[4400];
        snprintf(val, sizeof val, "%s sha256:%s", o->registry, hex[o->ndata]);
        NCA_TXT(NC_GLOBAL, "input_registry", val);
        for (int k = 0; k < o->ndata; k++) {
            snprintf(key, sizeof key, "input_data_%d", k + 1);
            snprintf(val, sizeof val, "%s sha256:%s", o->data[k], hex[k]);
            NCA_TXT(NC_GLOBAL, key, val);
        }
    }
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "regia_rows_read", NC_INT64, 1, &rows[0]));
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "regia_rows_kept", NC_INT64, 1, &rows[1]));
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "regia_rows_rejected", NC_INT64, 1, &rows[2]));
    REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "regia_utc_offset_hours", NC_INT, 1, &utc_off));
    NCA_TXT(NC_GLOBAL, "regia_date_window", window);
err:
    return st;
}

int regia_cmd_ingest(regia_ctx_t *ctx, int argc, char **argv)
{
    ingest_opts_t O;
    int urc = ingest_options(ctx, argc, argv, &O);
    if (urc >= 0) return urc;
    const ingest_opts_t *o = &O;
    const int P = ctx->size, me = ctx->rank;
    char rejpath[4200], rejtmp[4300], mpath[4200];
    if (o->rejects) snprintf(rejpath, sizeof rejpath, "%s", o->rejects);
    else regia_sibling_path(o->output, ".rejects.csv", rejpath, sizeof rejpath);
    snprintf(rejtmp, sizeof rejtmp, "%s.tmp", rejpath);
    snprintf(g_tmp_rej, sizeof g_tmp_rej, "%s", rejtmp);
    regia_sibling_path(o->output, ".manifest.json", mpath, sizeof mpath);
    double t_start = regia_now(), t_parse = 0, t_exch = 0, t_write = 0;

    regia_status_t st = REGIA_OK;
    ingest_sensor_t *sens = NULL;
    int ns = 0, *order = NULL, *owner = NULL, *slot = NULL, nst = 0, ncid = -1, created = 0, rej_created = 0, broken = 0, man_written = 0;
    station_t *stn = NULL;
    int64_t *pstart = NULL, *nrecv = NULL, *ndup = NULL, *ndupr = NULL, *cnt = NULL;
    ingest_parsed_t PR = {0};
    void **recv = NULL, **dsend = NULL, **drecv = NULL;
    float *sval = NULL, *vbuf = NULL;
    signed char *sqc = NULL, *qbuf = NULL;
    size_t *sofs = NULL;
    char *cbuf = NULL;
    double *dbuf = NULL;
    int *ibuf = NULL;
    char (*hex)[65] = NULL;
    layout_t L;
    memset(&L, 0, sizeof L);
    regia_atomic_t at;
    memset(&at, 0, sizeof at);
    char window[80] = "";

    /* 1. registry, stations and their owners */
    st = ingest_load_registry(o->registry, &sens, &ns);
    if (!st) st = ingest_fault(ctx, "registry");
    st = regia_agree(ctx, st);
    if (st != REGIA_OK) goto out;
    order = malloc((size_t)ns * sizeof *order);
    owner = calloc((size_t)ns, sizeof *owner);
    long *ids = malloc((size_t)ns * sizeof *ids);
    if (!order || !owner || !ids) { free(ids); st = regia_agree(ctx, REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory")); goto out; }
    for (int i = 0; i < ns; i++) order[i] = i;
    g_sens = sens;
    qsort(order, (size_t)ns, sizeof *order, cmp_order);
    for (int i = 1; i < ns && !st; i++)
        if (sens[order[i]].id == sens[order[i - 1]].id)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: IdSensore %ld appears twice; the registry must list each sensor once",
                            o->registry, sens[order[i]].id);
    int m = 0;
    for (int i = 0; i < ns; i++) if (sens[i].type >= 0) ids[m++] = sens[i].idst;
    if (!st && m == 0)
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no sensor of an ingested type (PM10, PM2.5, NO2, O3, SO2); is this the "
                        "ARPA air-quality registry?", o->registry);
    stn = calloc((size_t)(m ? m : 1), sizeof *stn);
    double *cost = calloc((size_t)(m ? m : 1), sizeof *cost);
    pstart = malloc((size_t)(P + 1) * sizeof *pstart);
    if (!st && (!stn || !cost || !pstart)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (!st) {
        qsort(ids, (size_t)m, sizeof *ids, cmp_long);
        for (int i = 0; i < m; i++)
            if (i == 0 || ids[i] != ids[i - 1]) stn[nst++].idst = ids[i];
        for (int i = 0; i < ns; i++) {
            if (sens[i].type < 0) continue;
            int lo = 0, hi = nst - 1;
            while (lo < hi) { int md = (lo + hi) / 2; if (stn[md].idst < sens[i].idst) lo = md + 1; else hi = md; }
            sens[i].station = lo;
            cost[lo] += PDAILY[sens[i].type] ? 1 : 24; /* expected rows per day */
            if (!stn[lo].name[0]) {
                snprintf(stn[lo].name, NAMELEN, "%s", sens[i].name);
                snprintf(stn[lo].prov, NAMELEN, "%s", sens[i].prov);
                stn[lo].lat = sens[i].lat;
                stn[lo].lon = sens[i].lon;
                stn[lo].alt = sens[i].alt;
            }
        }
        regia_partition(cost, nst, P, pstart);
        for (int i = 0; i < ns; i++) {
            int s = sens[i].station, p = 0;
            if (s < 0) continue;
            while (p + 1 < P && s >= pstart[p + 1]) p++;
            owner[i] = p;
        }
    }
    free(ids);
    free(cost);
    st = regia_agree(ctx, st);
    if (st != REGIA_OK) goto out;
    const int64_t s0 = pstart[me], s1 = pstart[me + 1], mys = s1 - s0;

    /* 2. each rank parses its byte range of each data file */
    PR.to = calloc((size_t)P, sizeof *PR.to);
    PR.range = calloc((size_t)o->ndata, sizeof *PR.range);
    if (!PR.to || !PR.range) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    st = regia_agree(ctx, st);
    if (st != REGIA_OK) goto out;
    if (o->have_from || o->have_to) {
        char a[16] = "-inf", b[16] = "+inf";
        if (o->have_from) regia_format_date(o->from_day, a, sizeof a);
        if (o->have_to) regia_format_date(o->to_day, b, sizeof b);
        snprintf(window, sizeof window, "%s/%s", a, b);
        snprintf(ingest_window_reason, sizeof ingest_window_reason,
                 "date outside the plausible window %s .. %s (--from/--to)", a, b);
    }
    {
        regia_progress_t prog;
        int64_t total = 0;
        for (int k = 0; k < o->ndata; k++) {
            FILE *fp = fopen(o->data[k], "rb");
            if (fp) { fseek(fp, 0, SEEK_END); total += ftell(fp); fclose(fp); }
        }
        regia_progress_begin(&prog, &ctx->log, "parse", total / P, "bytes");
        for (int k = 0; k < o->ndata && st == REGIA_OK; k++)
            st = ingest_parse_file(ctx, o, k, sens, order, ns, owner, &PR, &prog);
        regia_progress_end(&prog);
        if (st != REGIA_OK) goto out; /* agreed in ingest_parse_file */
    }

    /* 3. the plausible window: the median month of the rows +- window_years */
    if (!o->have_from && !o->have_to) {
        enum { NM = 10000 * 12 };
        int64_t *h = calloc(NM, sizeof *h), *hg = calloc(NM, sizeof *hg);
        if (!h || !hg) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        st = regia_agree(ctx, st);
        if (st) { free(h); free(hg); goto out; }
        for (int p = 0; p < P; p++)
            for (size_t i = 0; i < PR.to[p].n; i++) {
                int y, mo, d;
                regia_civil_from_days(ingest_row_day(&PR.to[p].r[i], sens, o->utc_off), &y, &mo, &d);
                long b = y < 0 ? 0 : y > 9999 ? NM - 1 : (long)y * 12 + mo - 1;
                h[b]++;
            }
        MPI_Allreduce(h, hg, NM, MPI_INT64_T, MPI_SUM, ctx->comm);
        int64_t n = 0, c = 0;
        for (long b = 0; b < NM; b++) n += hg[b];
        long med = 0;
        for (long b = 0; b < NM && n; b++) if ((c += hg[b]) * 2 >= n) { med = b; break; }
        free(h);
        free(hg);
        if (n) {
            int my = (int)(med / 12), mm = (int)(med % 12) + 1;
            int64_t from = regia_days_from_civil(my - o->window_years, mm, 1);
            int64_t to = regia_days_from_civil(my + o->window_years, mm, regia_days_in_month(my + o->window_years, mm));
            char a[16], b[16];
            regia_format_date(from, a, sizeof a);
            regia_format_date(to, b, sizeof b);
            snprintf(window, sizeof window, "%s/%s", a, b);
            snprintf(ingest_window_reason, sizeof ingest_window_reason,
                     "date outside the plausible window %s .. %s (median month %04d-%02d +- %d years; --window-years, --from, --to)",
                     a, b, my, mm, o->window_years);
            for (int p = 0; p < P && !st; p++) {
                ingest_bucket_t *B = &PR.to[p];
                size_t w = 0;
                for (size_t i = 0; i < B->n; i++) {
                    int64_t d = ingest_row_day(&B->r[i], sens, o->utc_off);
                    if (d >= from && d <= to) { B->r[w++] = B->r[i]; continue; }
                    char *t = ingest_line_text(o->data[B->r[i].file], B->r[i].off);
                    if (!t) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); break; }
                    st = ingest_add_reject(&PR.rej, B->r[i].file, B->r[i].line, ingest_window_reason, t, strlen(t));
                    free(t);
                    if (st) break;
                }
                B->n = w;
            }
        }
        st = regia_agree(ctx, st);
        if (st) goto out;
    }

    /* 4. the time axis, and the caps, before anything large is allocated */
    int64_t ext[4] = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}, gext[4]; /* -h1, h0, -d1, d0 */
    for (int i = 0; i < ns; i++) if (sens[i].type >= 0) L.present[sens[i].type] = 1;
    for (int p = 0; p < P; p++)
        for (size_t i = 0; i < PR.to[p].n; i++) {
            const ingest_row_t *r = &PR.to[p].r[i];
            int64_t day = ingest_row_day(r, sens, o->utc_off);
            if (!PDAILY[sens[r->sensor].type]) {
                if (r->t < ext[1]) ext[1] = r->t;
                if (-(int64_t)r->t < ext[0]) ext[0] = -(int64_t)r->t;
            }
            if (day < ext[3]) ext[3] = day;
            if (-day < ext[2]) ext[2] = -day;
        }
    MPI_Allreduce(ext, gext, 4, MPI_INT64_T, MPI_MIN, ctx->comm);
    long long rows[3] = {0, 0, 0}, loc[2] = {PR.read, (long long)PR.rej.n};
    MPI_Allreduce(loc, rows, 2, MPI_LONG_LONG, MPI_SUM, ctx->comm);
    int any = gext[3] != INT64_MAX;
    if (any) {
        L.d0 = gext[3];
        L.d1 = -gext[2];
        L.h0 = gext[1];
        L.h1 = gext[0] == INT64_MAX ? INT64_MIN : -gext[0];
        if (L.h0 > L.h1) { L.h0 = L.d0 * 24 - o->utc_off; L.h1 = L.h0; }
        L.nst = nst;
        L.ntime = (size_t)(L.h1 - L.h0 + 1);
        L.nday = (size_t)(L.d1 - L.d0 + 1);
        double cells = 0;
        for (int p = 0; p < NPOL; p++) if (L.present[p]) cells += (double)nst * (double)(PDAILY[p] ? L.nday : L.ntime);
        char a[16], b[16];
        regia_format_date(L.d0, a, sizeof a);
        regia_format_date(L.d1, b, sizeof b);
        if ((double)L.nday > o->max_years * 366.0)
            st = REGIA_FAIL(REGIA_ERR_INVALID, "the data span %s to %s (%zu days), more than --max-years %d; narrow the "
                            "dates with --from/--to or raise --max-years", a, b, L.nday, o->max_years);
        else if (cells > o->max_cells)
            st = REGIA_FAIL(REGIA_ERR_INVALID, "the output would hold %.3g station x time values (%d stations, %s to %s), "
                            "more than --max-cells %.15g; narrow the dates with --from/--to or raise --max-cells",
                            cells, nst, a, b, o->max_cells);
        st = regia_agree(ctx, st);
        if (st) goto out;
    }

    /* 5. rows to their station's owner */
    double t1 = regia_now();
    t_parse = t1 - t_start;
    if (any) {
        void **send = calloc((size_t)P, sizeof *send);
        cnt = calloc((size_t)P, sizeof *cnt);
        nrecv = calloc((size_t)P, sizeof *nrecv);
        recv = calloc((size_t)P, sizeof *recv);
        if (!send || !cnt || !nrecv || !recv) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        st = regia_agree(ctx, st);
        if (!st) {
            for (int p = 0; p < P; p++) send[p] = PR.to[p].r, cnt[p] = (int64_t)PR.to[p].n;
            st = ingest_exchange(ctx, sizeof(ingest_row_t), send, cnt, recv, nrecv);
        }
        free(send);
        if (st) goto out;
        for (int p = 0; p < P; p++)
            if (p != me) { free(PR.to[p].r); PR.to[p].r = NULL; PR.to[p].n = 0; }
    }

    /* 6. the owner's cells: one array per sensor of its stations; the first row by
     * (file, line) of a sensor and time wins, later ones are duplicates */
    slot = malloc((size_t)ns * sizeof *slot);
    int nslot = 0;
    size_t cells = 0;
    sofs = malloc(((size_t)ns + 1) * sizeof *sofs);
    if (!slot || !sofs) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int i = 0; !st && i < ns; i++) {
        int s = sens[i].station;
        slot[i] = -1;
        if (!any || s < s0 || s >= s1) continue;
        slot[i] = nslot;
        sofs[nslot++] = cells;
        cells += PDAILY[sens[i].type] ? L.nday : L.ntime;
    }
    if (!st) sofs[nslot] = cells;
    if (!st && cells && (!(sval = malloc(cells * sizeof *sval)) || !(sqc = malloc(cells))))
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory: %zu cells of this rank's %lld stations", cells, (long long)mys);
    ndup = calloc((size_t)P, sizeof *ndup);
    ndupr = calloc((size_t)P, sizeof *ndupr);
    dsend = calloc((size_t)P, sizeof *dsend);
    drecv = calloc((size_t)P, sizeof *drecv);
    size_t *dcap = calloc((size_t)P, sizeof *dcap);
    if (!st && (!ndup || !ndupr || !dsend || !drecv || !dcap)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (!st) st = ingest_fault(ctx, "allocate");
    st = regia_agree(ctx, st);
    if (st) { free(dcap); goto out; }
    for (size_t i = 0; i < cells; i++) sval[i] = NAN, sqc[i] = -2;
    if (any) {
        int64_t *cur = calloc((size_t)P, sizeof *cur);
        if (!cur) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        for (int k = 0; k < o->ndata && !st; k++)
            for (int p = 0; p < P && !st; p++) {
                const ingest_row_t *rr = recv[p];
                for (; cur[p] < nrecv[p] && rr[cur[p]].file == k; cur[p]++) {
                    const ingest_row_t *r = &rr[cur[p]];
                    const ingest_sensor_t *sn = &sens[r->sensor];
                    int64_t base = PDAILY[sn->type] ? L.d0 : L.h0;
                    size_t c = sofs[slot[r->sensor]] + (size_t)((int64_t)r->t - base);
                    if (sqc[c] == -2) { sval[c] = r->value; sqc[c] = r->qc; continue; }
                    if ((size_t)ndup[p] == dcap[p]) {
                        size_t nc = dcap[p] ? 2 * dcap[p] : 256;
                        void *q = realloc(dsend[p], nc * sizeof(dup_t));
                        if (!q) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); break; }
                        dsend[p] = q;
                        dcap[p] = nc;
                    }
                    ((dup_t *)dsend[p])[ndup[p]++] = (dup_t){r->file, r->line, r->off};
                }
            }
        free(cur);
    }
    free(dcap);
    if (recv) {
        for (int p = 0; p < P; p++) if (p != me) { free(recv[p]); recv[p] = NULL; }
        free(PR.to[me].r);
        PR.to[me].r = NULL;
    }
    st = regia_agree(ctx, st);
    if (st) goto out;
    /* duplicates go back to the rank that parsed them (it keeps the rejects of its range) */
    if (any) {
        st = ingest_exchange(ctx, sizeof(dup_t), dsend, ndup, drecv, ndupr);
        if (st) goto out;
        for (int p = 0; p < P && !st; p++)
            for (int64_t i = 0; i < ndupr[p] && !st; i++) {
                const dup_t *d = &((const dup_t *)drecv[p])[i];
                char *t = ingest_line_text(o->data[d->file], d->off);
                st = t ? ingest_add_reject(&PR.rej, d->file, d->line, INGEST_R_DUP, t, strlen(t))
                       : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
                free(t);
            }
        st = regia_agree(ctx, st);
        if (st) goto out;
    }
    qsort(PR.rej.v, PR.rej.n, sizeof *PR.rej.v, cmp_rej);
    loc[1] = (long long)PR.rej.n;
    MPI_Allreduce(&loc[1], &rows[2], 1, MPI_LONG_LONG, MPI_SUM, ctx->comm);
    rows[1] = rows[0] - rows[2];
    t_exch = regia_now() - t1;

    /* 7. too many rejects, or none kept: an error, with the rejects file to explain it */
    if (rows[1] == 0 || (double)rows[2] > o->max_rejected * (double)rows[0]) {
        int nr = 0;
        while (ingest_reasons[nr]) nr++;
        int64_t *rc = calloc((size_t)nr, sizeof *rc), *rcg = calloc((size_t)nr, sizeof *rcg);
        if (rc && rcg) {
            for (size_t i = 0; i < PR.rej.n; i++)
                for (int k = 0; k < nr; k++) if (PR.rej.v[i].reason == ingest_reasons[k]) { rc[k]++; break; }
            MPI_Allreduce(rc, rcg, nr, MPI_INT64_T, MPI_SUM, ctx->comm);
        }
        int top = 0;
        for (int k = 1; rcg && k < nr; k++) if (rcg[k] > rcg[top]) top = k;
        char names[1024];
        size_t nn = 0;
        names[0] = 0;
        for (int k = 0; k < o->ndata && nn < sizeof names - 8; k++)
            nn += (size_t)snprintf(names + nn, sizeof names - nn, "%s%s", k ? ", " : "", o->data[k]);
        if (nn >= sizeof names - 8) snprintf(names + sizeof names - 8, 8, ", ...");
        regia_status_t fail;
        if (rows[1] == 0)
            fail = REGIA_FAIL(REGIA_ERR_PARSE, "no rows kept from %d data file(s) (%s): %lld read, %lld rejected, see %s "
                              "(most often: %s); check that --registry matches the data", o->ndata, names, rows[0],
                              rows[2], rejpath, rcg && rows[2] ? ingest_reasons[top] : "-");
        else
            fail = REGIA_FAIL(REGIA_ERR_PARSE, "%lld of %lld rows (%.1f %%) rejected from %s, more than --max-rejected "
                              "%g %%: see %s (most often: %s)", rows[2], rows[0], 100.0 * (double)rows[2] / (double)rows[0],
                              names, 100 * o->max_rejected, rejpath, rcg ? ingest_reasons[top] : "-");
        free(rc);
        free(rcg);
        char keep[2048];
        snprintf(keep, sizeof keep, "%s", regia_error_msg());
        rej_created = 1;
        st = ingest_write_rejects(ctx, o, &PR.rej, rejtmp);
        if (!st && me == 0) {
            regia_atomic_t ra;
            st = regia_atomic_begin(&ra, rejpath);
            if (!st) st = regia_atomic_commit(&ra);
        }
        st = regia_agree(ctx, st);
        if (!st) {
            rej_created = 0;
            (void)fail;
            st = regia_agree(ctx, regia_error_set(REGIA_ERR_PARSE, __FILE__, __LINE__, "%s", keep));
        }
        goto out;
    }

    /* 8. the NetCDF file: define, coordinates (rank 0), each rank's stations */
    double t2 = regia_now();
    hex = calloc((size_t)o->ndata + 1, sizeof *hex);
    if (!hex) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int k = 0; k <= o->ndata && !st; k++) /* every file hashed once, by one rank */
        if (k % P == me) st = regia_sha256_file(k < o->ndata ? o->data[k] : o->registry, hex[k]);
    st = regia_agree(ctx, st);
    if (st) goto out;
    for (int k = 0; k <= o->ndata; k++) MPI_Bcast(hex[k], 65, MPI_CHAR, k % P, ctx->comm);
    char created_s[32] = "", hist[512];
    if (me == 0) {
        time_t now = time(NULL);
        struct tm tmv;
        gmtime_r(&now, &tmv);
        strftime(created_s, sizeof created_s, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    }
    MPI_Bcast(created_s, sizeof created_s, MPI_CHAR, 0, ctx->comm);
    snprintf(hist, sizeof hist, "%s regia %s ingest env (%d data file(s), utc-offset %d)", created_s, REGIA_VERSION,
             o->ndata, o->utc_off);
    NC_COLL(regia_atomic_begin(&at, o->output));
    snprintf(g_tmp_nc, sizeof g_tmp_nc, "%s", at.tmp_path);
    regia_info(&ctx->log, "writing %s: %d stations, %zu hours, %zu days, %lld rows kept, %lld rejected", o->output, nst,
               L.ntime, L.nday, rows[1], rows[2]);
    {
        int rc = nc_create_par(at.tmp_path, NC_NETCDF4 | NC_CLOBBER, ctx->comm, MPI_INFO_NULL, &ncid);
        created = 1;
        if (rc) ncid = -1;
        regia_status_t s2 = ncs(rc, "cannot create", at.tmp_path);
        if (!s2) s2 = ingest_fault(ctx, "create");
        int bad = s2 != REGIA_OK, anybad = 0;
        MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, ctx->comm);
        if (anybad && ncid >= 0) { nc_close(ncid); ncid = -1; } /* nothing written yet: all close */
        NC_COLL(s2);
    }
    {
        regia_status_t s2 = define_output(ncid, &L, o, stn, created_s, hist, hex, rows, window);
        if (!s2) s2 = ingest_fault(ctx, "define");
        NC_COLL(s2);
    }
    NC_COLL(ncs(nc_enddef(ncid), "nc_enddef", at.tmp_path));
    {
        int nv = 0;
        regia_status_t s2 = ncs(nc_inq_nvars(ncid, &nv), "nc_inq_nvars", at.tmp_path);
        for (int v = 0; v < nv && !s2; v++) s2 = ncs(nc_var_par_access(ncid, v, NC_COLLECTIVE), "nc_var_par_access", at.tmp_path);
        NC_COLL(s2);
    }
    {
        int r0 = me == 0;
        size_t z0[2] = {0, 0}, cs[2] = {r0 ? (size_t)nst : 0, NAMELEN};
        size_t ct[1] = {r0 ? L.ntime : 0}, cd[1] = {r0 ? L.nday : 0};
        size_t nmax = (size_t)nst > L.ntime ? (size_t)nst : L.ntime;
        if (L.nday > nmax) nmax = L.nday;
        dbuf = calloc(nmax, sizeof *dbuf);
        ibuf = calloc((size_t)nst + 1, sizeof *ibuf);
        cbuf = calloc((size_t)nst * NAMELEN + 1, 1);
        NC_COLL(!dbuf || !ibuf || !cbuf ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory") : REGIA_OK);
        for (int i = 0; i < nst; i++) ibuf[i] = (int)stn[i].idst;
        NC_COLL(ncs(nc_put_vara_int(ncid, L.vid_sid, z0, cs, ibuf), "writing station_id", at.tmp_path));
        for (int i = 0; i < nst; i++) strncpy(cbuf + (size_t)i * NAMELEN, stn[i].name, NAMELEN);
        NC_COLL(ncs(nc_put_vara_text(ncid, L.vid_name, z0, cs, cbuf), "writing station_name", at.tmp_path));
        memset(cbuf, 0, (size_t)nst * NAMELEN);
        for (int i = 0; i < nst; i++) strncpy(cbuf + (size_t)i * NAMELEN, stn[i].prov, NAMELEN);
        NC_COLL(ncs(nc_put_vara_text(ncid, L.vid_prov, z0, cs, cbuf), "writing province", at.tmp_path));
        for (int i = 0; i < nst; i++) dbuf[i] = stn[i].lat;
        NC_COLL(ncs(nc_put_vara_double(ncid, L.vid_lat, z0, cs, dbuf), "writing lat", at.tmp_path));
        for (int i = 0; i < nst; i++) dbuf[i] = stn[i].lon;
        NC_COLL(ncs(nc_put_vara_double(ncid, L.vid_lon, z0, cs, dbuf), "writing lon", at.tmp_path));
        for (int i = 0; i < nst; i++) dbuf[i] = stn[i].alt;
        NC_COLL(ncs(nc_put_vara_double(ncid, L.vid_alt, z0, cs, dbuf), "writing alt", at.tmp_path));
        for (size_t i = 0; i < L.ntime; i++) dbuf[i] = (double)(L.h0 + (int64_t)i);
        NC_COLL(ncs(nc_put_vara_double(ncid, L.vid_t, z0, ct, dbuf), "writing time", at.tmp_path));
        for (size_t i = 0; i < L.nday; i++) dbuf[i] = (double)(L.d0 + (int64_t)i);
        NC_COLL(ncs(nc_put_vara_double(ncid, L.vid_d, z0, cd, dbuf), "writing day", at.tmp_path));
    }
    {
        /* a station's value: the first sensor by IdSensore with a value; sensors by id */
        size_t nmx = L.ntime > L.nday ? L.ntime : L.nday;
        vbuf = malloc(((size_t)mys ? (size_t)mys : 1) * nmx * sizeof *vbuf);
        qbuf = malloc(((size_t)mys ? (size_t)mys : 1) * nmx);
        NC_COLL(!vbuf || !qbuf ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory: %lld stations x %zu steps", (long long)mys, nmx)
                               : REGIA_OK);
        for (int p = 0; p < NPOL; p++) {
            if (!L.present[p]) continue;
            size_t Lp = PDAILY[p] ? L.nday : L.ntime;
            for (size_t i = 0; i < (size_t)mys * Lp; i++) { vbuf[i] = NAN; qbuf[i] = -1; }
            for (int j = 0; j < ns; j++) {
                const ingest_sensor_t *sn = &sens[order[j]];
                int sl = slot[order[j]];
                if (sn->type != p || sl < 0) continue;
                float *v = vbuf + (size_t)(sn->station - s0) * Lp;
                signed char *q = qbuf + (size_t)(sn->station - s0) * Lp;
                const float *sv = sval + sofs[sl];
                const signed char *sq = sqc + sofs[sl];
                for (size_t i = 0; i < Lp; i++)
                    if (isnan(v[i]) && !isnan(sv[i])) { v[i] = sv[i]; q[i] = sq[i]; }
            }
            size_t st0[2] = {(size_t)s0, 0}, cn[2] = {(size_t)mys, mys ? Lp : 0};
            if (!mys) st0[0] = 0;
            regia_status_t s2 = ncs(nc_put_vara_float(ncid, L.vid_p[p], st0, cn, vbuf), "writing data", at.tmp_path);
            if (!s2) s2 = ingest_fault(ctx, "write");
            NC_COLL(s2);
            NC_COLL(ncs(nc_put_vara_schar(ncid, L.vid_q[p], st0, cn, qbuf), "writing data", at.tmp_path));
        }
    }
    {
        int rc = nc_close(ncid);
        ncid = -1;
        if (rc) broken = 1;
        regia_status_t s2 = ncs(rc, "closing (flushing) the file", at.tmp_path);
        if (!s2) s2 = ingest_fault(ctx, "close");
        NC_COLL(s2);
    }
    /* 9. rejects (every rank), the manifest (rank 0, of the temporary files), then both
     * outputs under their final names (rank 0): all of them or none */
    rej_created = 1;
    NC_COLL(ingest_write_rejects(ctx, o, &PR.rej, rejtmp));
    t_write = regia_now() - t2;
    {
        regia_status_t s2 = REGIA_OK;
        long rss = peak_rss_mb(), rmax = 0;
        MPI_Allreduce(&rss, &rmax, 1, MPI_LONG, MPI_MAX, ctx->comm);
        if (me == 0) {
            regia_manifest_t *mf = regia_manifest_new("regia ingest env");
            if (!mf) s2 = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
            else {
                regia_manifest_str(mf, "version", REGIA_VERSION);
                regia_manifest_str(mf, "git_rev", REGIA_GIT_REV);
                regia_manifest_num(mf, "ranks", P);
                regia_manifest_num(mf, "rows_read", (double)rows[0]);
                regia_manifest_num(mf, "rows_kept", (double)rows[1]);
                regia_manifest_num(mf, "rows_rejected", (double)rows[2]);
                regia_manifest_num(mf, "stations", nst);
                regia_manifest_num(mf, "utc_offset_hours", o->utc_off);
                regia_manifest_str(mf, "date_window", window);
                regia_manifest_num(mf, "max_rejected_percent", 100 * o->max_rejected);
                regia_manifest_num(mf, "peak_rss_mb_max_rank", (double)rmax);
                /* inputs: the SHA-256 computed once for the file's attributes */
                s2 = regia_manifest_file_sha(mf, "inputs", "registry", o->registry, hex[o->ndata]);
                for (int k = 0; k < o->ndata && !s2; k++) s2 = regia_manifest_file_sha(mf, "inputs", "data", o->data[k], hex[k]);
                if (!s2) s2 = regia_manifest_file_as(mf, "outputs", "ingested", o->output, at.tmp_path);
                if (!s2) s2 = regia_manifest_file_as(mf, "outputs", "rejects", rejpath, rejtmp);
                regia_manifest_timing(mf, "parse", t_parse);
                regia_manifest_timing(mf, "exchange", t_exch);
                regia_manifest_timing(mf, "write", t_write);
                regia_manifest_timing(mf, "total", regia_now() - t_start);
                if (!s2) s2 = ingest_fault(ctx, "manifest");
                if (!s2) s2 = regia_manifest_write(mf, mpath);
                if (!s2) man_written = 1;
                regia_manifest_free(mf);
            }
        }
        NC_COLL(s2);
    }
    {
        regia_status_t s2 = ingest_fault(ctx, "commit");
        NC_COLL(s2);
        if (me == 0) {
            regia_atomic_t ra;
            s2 = regia_atomic_begin(&ra, rejpath);
            if (!s2) s2 = regia_atomic_commit(&at);
            if (!s2 && (s2 = regia_atomic_commit(&ra)) != REGIA_OK) unlink(o->output); /* both or neither */
        }
        NC_COLL(s2);
        created = rej_created = 0;
    }
    regia_info(&ctx->log, "rows read %lld = kept %lld + rejected %lld; wrote %s, %s and %s", rows[0], rows[1], rows[2],
               o->output, rejpath, mpath);
    if (o->verbose) {
        double tt = regia_now() - t_start;
        regia_rank_msg(&ctx->log, "%lld rows parsed in %.2f s (%.0f rows/s), peak memory %ld MB", (long long)PR.read, tt,
                       tt > 0 ? (double)PR.read / tt : 0, peak_rss_mb());
    }
out:
    if (st != REGIA_OK) {
        /* nothing under the final names, no temporary files; a close that does not return
         * (a flush another rank left) ends this rank after a bound */
        if (me == 0) {
            if (created) regia_atomic_abort(&at);
            if (rej_created) unlink(rejtmp);
        }
        if (ncid >= 0) {
            int rc = nc_close(ncid);
            ncid = -1;
            if (rc) broken = 1;
        }
        if (man_written) unlink(mpath); /* it describes outputs that are not there */
        if (broken) {
            /* HDF5 still holds the file: it would crash at MPI_Finalize; end here */
            if (created) regia_atomic_abort(&at);
            if (rej_created) unlink(rejtmp);
            if (me == 0) fprintf(stderr, "regia ingest env: the output could not be closed after the failure; nothing "
                                         "was written under %s\n", o->output);
            fflush(stderr);
            _exit(1);
        }
        alarm(0);
        if (me == 0) {
            if (created) regia_atomic_abort(&at);
            if (rej_created) unlink(rejtmp);
        }
    }
    for (size_t i = 0; i < PR.rej.n; i++) free(PR.rej.v[i].text);
    free(PR.rej.v);
    if (PR.to) for (int p = 0; p < P; p++) free(PR.to[p].r);
    if (recv) for (int p = 0; p < P; p++) if (p != me) free(recv[p]);
    if (dsend) for (int p = 0; p < P; p++) free(dsend[p]);
    if (drecv) for (int p = 0; p < P; p++) if (p != me) free(drecv[p]);
    free(PR.to);
    free(PR.range);
    free(recv);
    free(dsend);
    free(drecv);
    free(nrecv);
    free(ndup);
    free(ndupr);
    free(cnt);
    free(sens);
    free(order);
    free(owner);
    free(slot);
    free(sofs);
    free(stn);
    free(pstart);
    free(sval);
    free(sqc);
    free(vbuf);
    free(qbuf);
    free(cbuf);
    free(dbuf);
    free(ibuf);
    free(hex);
    return st == REGIA_OK ? REGIA_EXIT_OK : REGIA_EXIT_FAIL;
}
