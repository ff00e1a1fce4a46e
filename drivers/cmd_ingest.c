/* cmd_ingest.c - `regia ingest env`: ARPA Lombardia CSV -> analysis-ready NetCDF-4; a domain
 * of the run protocol (domain.h, run.c), reached as `regia ingest env ...`.
 *
 * Items are the stations (the sorted station list of the registry), partitioned by the
 * skeleton in contiguous blocks balanced by expected rows.  The domain's steps:
 *   index    registry -> stations and their costs (every rank; small)
 *   read     each rank parses its byte range of each data file (ingest_env_parse.c) ->
 *            plausible-date window -> time axis, caps checked before anything large is
 *            allocated -> rows sent to their station's owner (ingest_env_exchange.c) ->
 *            the owner's sensor arrays, duplicates sent back to the rank that parsed them
 *            -> too many rejects is an error (the rejects file then explains it alone)
 *            -> the inputs' SHA-256, each file hashed once by one rank
 *   compute  per block of stations (local): the sensors of a station merged into its values
 *   define / write   the NetCDF variables; the rejects CSV is an extra output (MPI-IO)
 * Options, job file, faults, the watchdog, the commit of the output, the rejects file and
 * the manifest together: the skeleton.  No MPI call here.  Schema: docs/ingest.md.
 */
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h> /* nc_var_par_access */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "ingest_env_impl.h"
#include "regia/acdd.h"
#include "regia/io.h"
#include "regia/ncio.h"
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

/* The output's axes and variable ids (read -> define -> write). */
typedef struct {
    int nst, present[NPOL];
    size_t ntime, nday;
    int64_t h0, h1, d0, d1;
    int vid_sid, vid_name, vid_prov, vid_lat, vid_lon, vid_alt, vid_t, vid_d, vid_p[NPOL], vid_q[NPOL];
} layout_t;

/* The domain's state (one per rank, zeroed by the skeleton). */
typedef struct {
    ingest_opts_t o;
    char rejpath[4200];
    /* index (every rank) */
    ingest_sensor_t *sens;
    int ns, *order;         /* sensors by IdSensore                                        */
    station_t *stn;
    int nst;
    /* read */
    int64_t *pstart;        /* ranks + 1: each rank's first station                        */
    int *owner, *slot;      /* sensor -> owner rank; sensor -> slot of this rank's stations */
    int nslot, *slot_type;
    size_t *sofs;           /* nslot + 1 offsets into sval / sqc                           */
    float *sval;            /* this rank's sensors' values on the time (or day) axis       */
    signed char *sqc;
    ingest_parsed_t PR;
    layout_t L;
    long long rows[3];      /* read, kept, rejected (all ranks)                            */
    char window[80];
    char (*hex)[65];        /* SHA-256 of each data file, then of the registry            */
    double t_parse, t_exch;
    long rss_max;
    /* compute: each shard station's slots in IdSensore order; the merged slot per pollutant */
    int *st_off, *st_slot, *first;
    /* ACDD texts (regia_acdd_t points at them) */
    char id[256], t0[32], t1[32], comment[512], keywords[1024];
} ing_t;

typedef struct { int file; int64_t line, off; } dup_t;

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

/* ---- schema: options and job-file keys --------------------------------------------------- */

static const regia_job_key_t ingest_env_schema[] = {
    {"input", "registry", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "ARPA sensor registry CSV (IdSensore, NomeTipoSensore, Idstazione, NomeStazione, Quota, Provincia, lat, lng)"},
    {"input", "data", REGIA_KEY_FILE_LIST, 1, NULL, 0, 0, NULL,
     "measurement CSV export (IdSensore, Data, Valore, Stato); give --data once per file, at most 64 "
     "(job file: a comma list)"},
    {"input", "utc_offset", REGIA_KEY_INT, 0, "1", -12, 14, NULL,
     "hours the CSV's time stamps are ahead of UTC (local solar time; 1 for Italy)"},
    {"input", "separator", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|,|;|tab",
     "field separator of the data files (auto: from the header)"},
    {"input", "decimal", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|point|comma|.|,",
     "decimal mark of Valore (auto: '.' or one ',')"},
    {"input", "date_format", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|mdy|dmy|iso",
     "order of slash dates: mdy (mm/dd/yyyy), dmy (dd/mm/yyyy, Italian exports), iso (only yyyy-mm-dd); "
     "auto: ISO, and mm/dd/yyyy with AM/PM (Socrata); a slash date without AM/PM is ambiguous and an error"},
    {"input", "synthetic", REGIA_KEY_BOOL, 0, "no", 0, 0, NULL,
     "the input is synthetic (regia gen env, ARPA Lombardia layout): the output's title, source, acknowledgement "
     "and 'synthetic' attribute say so, and name no agency as the source"},
    {"limits", "max_rejected", REGIA_KEY_DOUBLE, 0, "5", 0, 100, NULL,
     "largest share of rejected rows that is not an error, in %"},
    {"limits", "from", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "first day of the plausible window of measurement dates (local days, inclusive)"},
    {"limits", "to", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "last day of the plausible window of measurement dates (local days, inclusive)"},
    {"limits", "window_years", REGIA_KEY_INT, 0, "10", 1, 10000, NULL,
     "without from/to: the window is the median month +- this many years"},
    {"limits", "max_years", REGIA_KEY_INT, 0, "100", 1, 10000, NULL, "longest time axis of the output, in years"},
    {"limits", "max_cells", REGIA_KEY_DOUBLE, 0, "4e9", 1, 1e300, NULL, "most station x time values in the output"},
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "output NetCDF-4 file; written under a temporary name and renamed when complete, with the rejects file; "
     "the manifest is OUT.manifest.json"},
    {"job", "rejects", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "CSV of the rejected rows (file,line,reason,text) [default: OUT minus .nc, plus .rejects.csv]"},
    {"job", "name", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "name of the run (ACDD id) [default: the output's name]"},
    {"job", "progress_interval", REGIA_KEY_DOUBLE, 0, "10", 0.1, 86400, NULL, "seconds between progress lines"},
    {"job", "domain", REGIA_KEY_ENUM, 0, "ingest env", 0, 0, "ingest env",
     "the domain this job file is for (regia submit): ingest env"},
    REGIA_SUBMIT_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const regia_opt_meta_t ingest_meta[] = {
    {"registry", "sensors.csv"}, {"data", "FILE"}, {"output", "OUT.nc"}, {"rejects", "FILE.csv"},
    {"utc_offset", "H"}, {"separator", "auto|,|;|tab"}, {"decimal", "auto|point|comma"},
    {"date_format", "auto|mdy|dmy|iso"}, {"max_rejected", "PERCENT"}, {"from", "DATE"}, {"to", "DATE"},
    {"window_years", "N"}, {"max_years", "N"}, {"max_cells", "N"}, {"name", "NAME"}, {"progress_interval", "S"},
    {NULL, NULL},
};

/* The CF/ACDD global attributes of the ingested file (regia/acdd.h); the skeleton has set
 * date_created, history and (from [job] name) id, and writes them. */
static void ing_acdd(regia_run_t *run, void *self, void *acdd)
{
    (void)run;
    ing_t *g = self;
    regia_acdd_t *a = acdd;
    const layout_t *L = &g->L;
    const int *present = L->present, utc_off = g->o.utc_off;
    static const char *const gcmd[NPOL] = {
        "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > PARTICULATES", "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > PARTICULATES",
        "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > NITROGEN OXIDES",
        "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > TROPOSPHERIC OZONE",
        "EARTH SCIENCE > ATMOSPHERE > AIR QUALITY > SULFUR OXIDES"};
    static const char *const label[NPOL] = {"PM10", "PM2.5", "NO2", "O3", "SO2"};
    /* keywords: the GCMD keyword of each pollutant in the file once, then free words */
    size_t kn = 0;
    g->keywords[0] = 0;
    for (int p = 0; p < NPOL; p++)
        if (present[p] && !strstr(g->keywords, gcmd[p]))
            kn += (size_t)snprintf(g->keywords + kn, sizeof g->keywords - kn, "%s, ", gcmd[p]);
    for (int p = 0; p < NPOL; p++)
        if (present[p]) kn += (size_t)snprintf(g->keywords + kn, sizeof g->keywords - kn, "%s, ", label[p]);
    snprintf(g->keywords + kn, sizeof g->keywords - kn, "air quality, monitoring stations, Lombardy, ARPA");
    const char *b = strrchr(g->o.output, '/');
    b = b ? b + 1 : g->o.output;
    size_t n = strlen(b);
    if (n > 3 && !strcmp(b + n - 3, ".nc")) n -= 3;
    snprintf(g->id, sizeof g->id, "%.*s", (int)n, b);
    /* coverage: first and last time stamp, hourly (UTC) or daily (local midnight) */
    int64_t s0 = L->h0 * 3600, s1 = L->h1 * 3600, ds0 = (L->d0 * 24 - utc_off) * 3600, ds1 = (L->d1 * 24 - utc_off) * 3600;
    int hourly = present[P_NO2] || present[P_O3] || present[P_SO2];
    if (!hourly || ds0 < s0) s0 = ds0;
    if (!hourly || ds1 > s1) s1 = ds1;
    regia_format_datetime(s0, g->t0, sizeof g->t0);
    regia_format_datetime(s1, g->t1, sizeof g->t1);
    snprintf(g->comment, sizeof g->comment,
             "Hourly values are stamped with the start of the hour in UTC (the CSV's time stamps, local solar time "
             "UTC%+d, minus the offset); "
             "daily PM values belong to local calendar days (variable day). Missing values (Valore -9999) are NaN. "
             "<var>_qc holds ARPA's validation state (Stato): 0 valid (VA), 1 not validated.", utc_off);
    const char *created = a->date_created, *hist = a->history, *id = a->id;
    *a = (regia_acdd_t){
        .title = g->o.synthetic ? "Synthetic air quality station data in the ARPA Lombardia layout (not measurements)"
                                : "ARPA Lombardia air quality station data",
        .summary = g->o.synthetic ? "Hourly (NO2, O3, SO2) and daily (PM10, PM2.5) concentrations per station, "
                                    "synthetic (made by regia gen env in the ARPA Lombardia open-data CSV layout, not "
                                    "measurements), converted by regia ingest env"
                                  : "Hourly (NO2, O3, SO2) and daily (PM10, PM2.5) concentrations per station, "
                                    "converted from ARPA Lombardia open-data CSV exports by regia ingest env",
        .keywords = g->keywords,
        .keywords_vocabulary = "GCMD:GCMD Science Keywords",
        .id = id ? id : g->id,
        .source = g->o.synthetic ? "synthetic data made by regia gen env in the ARPA Lombardia open-data CSV layout; "
                                   "not measurements, no agency is the source"
                                 : "ARPA Lombardia open data (dati.lombardia.it) CSV exports",
        .processing_level = g->o.synthetic ? "synthetic station values (regia gen env), reformatted"
                                           : "station observations as published by the data provider, reformatted; not re-validated "
                            "(the provider's validation state is in the _qc variables)",
        .comment = g->comment,
        .license = g->o.synthetic ? "Synthetic data: no terms of a data provider apply" : "Same terms as the input data",
        .acknowledgement = g->o.synthetic ? "Synthetic data (regia gen env): no data provider; the CSV layout is that "
                                            "of ARPA Lombardia's open data on dati.lombardia.it. Converted with regia."
                                          : "Air-quality data: ARPA Lombardia (Agenzia Regionale per la Protezione "
                                            "dell'Ambiente della Lombardia), open data on dati.lombardia.it. "
                                            "Converted with regia.",
        .platform = "fixed ground-based air-quality monitoring stations",
        .instrument = "in situ air-quality analysers (NO2, O3, SO2) and particulate-matter samplers (PM10, PM2.5)",
        .date_created = created,
        .history = hist,
        .time_start = g->t0,
        .time_end = g->t1,
        .duration_s = s1 - s0,
        .time_resolution = hourly ? "PT1H" : "P1D",
    };
    const station_t *stn = g->stn;
    a->has_latlon = regia_acdd_range(&stn[0].lat, sizeof *stn, g->nst, &a->lat_min, &a->lat_max) &&
                    regia_acdd_range(&stn[0].lon, sizeof *stn, g->nst, &a->lon_min, &a->lon_max);
    a->has_alt = regia_acdd_range(&stn[0].alt, sizeof *stn, g->nst, &a->alt_min, &a->alt_max);
}
/* Define mode (every rank, the same calls): dimensions, variables, the domain's global
 * attributes (the skeleton adds ACDD, from ing_acdd, and the provenance ones). */
static regia_status_t define_output(int ncid, layout_t *L, const ingest_opts_t *o, char (*hex)[65],
                                    const long long *rows, const char *window)
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
    REGIA_TRY(regia_nc_station_sources(ncid, &sv, "ARPA", "Idstazione", "NomeStazione", "Quota"));
    L->vid_sid = sv.id;
    L->vid_name = sv.name;
    L->vid_lat = sv.lat;
    L->vid_lon = sv.lon;
    L->vid_alt = sv.alt;
    REGIA_NC(nc_def_var(ncid, "province", NC_CHAR, 2, d2, &L->vid_prov));
    NCA_TXT(L->vid_prov, "long_name", "province (Provincia)");
    NCA_TXT(L->vid_prov, "coverage_content_type", "auxiliaryInformation");
    /* the names are UTF-8: xarray and netCDF4-python decode them to strings */
    NCA_TXT(L->vid_prov, "_Encoding", "utf-8");
    NCA_TXT(L->vid_name, "_Encoding", "utf-8");
    /* alt is station metadata, not a vertical axis: with axis = Z, positive or
     * standard_name altitude CDO takes the station dimension for a vertical axis (as in
     * the regia env output, docs/env.md) */
    REGIA_NC(nc_del_att(ncid, L->vid_alt, "axis"));
    REGIA_NC(nc_del_att(ncid, L->vid_alt, "positive"));
    REGIA_NC(nc_del_att(ncid, L->vid_alt, "standard_name"));
    NCA_TXT(L->vid_alt, "standard_name", "height_above_mean_sea_level");
    NCA_TXT(L->vid_alt, "comment", "station altitude above mean sea level (positive up); not a vertical axis of the data");
    REGIA_NC(nc_def_var(ncid, "time", NC_DOUBLE, 1, &dtime, &L->vid_t));
    NCA_TXT(L->vid_t, "units", "hours since 1970-01-01 00:00:00");
    NCA_TXT(L->vid_t, "calendar", "standard");
    NCA_TXT(L->vid_t, "standard_name", "time");
    NCA_TXT(L->vid_t, "axis", "T");
    NCA_TXT(L->vid_t, "long_name", "start of the hour (UTC)");
    NCA_TXT(L->vid_t, "coverage_content_type", "coordinate");
    REGIA_NC(nc_def_var(ncid, "day", NC_DOUBLE, 1, &dday, &L->vid_d));
    NCA_TXT(L->vid_d, "standard_name", "time");
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
        /* time first, as CDO reads it; one chunk holds one station's whole series */
        int dims[2] = {PDAILY[p] ? dday : dtime, dst};
        size_t chunk[2] = {PDAILY[p] ? L->nday : L->ntime, 1};
        /* the hourly variables on the file's time axis have the stations' coordinates
         * (CDO: an unstructured grid of the stations); the daily ones none: CDO 2.1 takes
         * the second time axis for a y axis of lat/lon and skips them (their station
         * coordinates are those of the dimension station, docs/ingest.md) */
        const char *coords = PDAILY[p] ? NULL : "lat lon province station_name";
        char qn[32];
        REGIA_NC(nc_def_var(ncid, PNAME[p], NC_FLOAT, 2, dims, &L->vid_p[p]));
        REGIA_NC(nc_def_var_chunking(ncid, L->vid_p[p], NC_CHUNKED, chunk));
        REGIA_NC(nc_def_var_deflate(ncid, L->vid_p[p], 1, 1, 1));
        REGIA_NC(nc_def_var_fill(ncid, L->vid_p[p], 0, &fillf));
        NCA_TXT(L->vid_p[p], "units", "ug m-3");
        NCA_TXT(L->vid_p[p], "standard_name", PSTD[p]);
        NCA_TXT(L->vid_p[p], "long_name", PLONG[p]);
        if (coords) NCA_TXT(L->vid_p[p], "coordinates", coords);
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
        if (coords) NCA_TXT(L->vid_q[p], "coordinates", coords);
        NCA_TXT(L->vid_q[p], "coverage_content_type", "qualityInformation");
    }
    {
        char key[64], val[4400];
        NCA_TXT(NC_GLOBAL, "synthetic", o->synthetic ? "yes" : "no");
        snprintf(val, sizeof val, "%s sha256:%s", regia_file_name(o->registry), hex[o->ndata]);
        NCA_TXT(NC_GLOBAL, "input_registry", val);
        for (int k = 0; k < o->ndata; k++) {
            snprintf(key, sizeof key, "input_data_%d", k + 1);
            snprintf(val, sizeof val, "%s sha256:%s", regia_file_name(o->data[k]), hex[k]);
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

/* ---- configure and index ------------------------------------------------------------- */

/* Local: the job (options or job file) into the state; value errors name the option or line. */
static regia_status_t ing_configure(regia_run_t *run, void *self)
{
    ing_t *g = self;
    ingest_opts_t *o = &g->o;
    regia_job_t *j = run->job;
    char where[512];
    o->registry = regia_job_path(j, "input", "registry");
    o->output = regia_job_path(j, "job", "output");
    o->rejects = regia_job_path(j, "job", "rejects");
    int nd = regia_job_list_len(j, "input", "data");
    if (nd > INGEST_MAX_FILES) {
        if (run->from_options) return REGIA_FAIL(REGIA_ERR_INVALID, "at most %d --data files", INGEST_MAX_FILES);
        regia_run_where(run, "input", "data", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: at most %d data files, not %d", where, INGEST_MAX_FILES, nd);
    }
    for (int k = 0; k < nd; k++) o->data[k] = regia_job_list_item(j, "input", "data", k); /* resolved */
    o->ndata = nd;
    o->utc_off = (int)regia_job_int(j, "input", "utc_offset");
    o->synthetic = regia_job_bool(j, "input", "synthetic");
    const char *sep = regia_job_str(j, "input", "separator"), *dec = regia_job_str(j, "input", "decimal"),
               *df = regia_job_str(j, "input", "date_format");
    o->sep = !strcasecmp(sep, "tab") ? '\t' : !strcasecmp(sep, "auto") ? 0 : sep[0];
    o->decimal = !strcasecmp(dec, "point") || !strcmp(dec, ".") ? DEC_POINT
                 : !strcasecmp(dec, "comma") || !strcmp(dec, ",") ? DEC_COMMA : DEC_AUTO;
    o->date_order = !strcasecmp(df, "mdy") ? DATE_MDY : !strcasecmp(df, "dmy") ? DATE_DMY
                    : !strcasecmp(df, "iso") ? DATE_ISO : DATE_AUTO;
    o->max_rejected = regia_job_double(j, "limits", "max_rejected") / 100;
    o->window_years = (int)regia_job_int(j, "limits", "window_years");
    o->max_years = (int)regia_job_int(j, "limits", "max_years");
    o->max_cells = regia_job_double(j, "limits", "max_cells");
    static const char *const fromto[2] = {"from", "to"};
    for (int k = 0; k < 2; k++) {
        const char *v = regia_job_str(j, "limits", fromto[k]);
        if (!v) continue;
        int64_t t;
        if (regia_parse_datetime(v, &t) != REGIA_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", regia_error_msg());
            regia_run_where(run, "limits", fromto[k], where, sizeof where);
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s", where, msg);
        }
        if (k == 0) o->have_from = 1, o->from_day = regia_floordiv(t, 86400);
        else o->have_to = 1, o->to_day = regia_floordiv(t, 86400);
    }
    if (o->have_from && o->have_to && o->from_day > o->to_day) {
        if (run->from_options) return REGIA_FAIL(REGIA_ERR_INVALID, "--from is after --to");
        regia_run_where(run, "limits", "from", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: from is after to", where);
    }
    o->verbose = run->ctx->log.verbose;
    if (o->rejects) snprintf(g->rejpath, sizeof g->rejpath, "%s", o->rejects);
    else regia_sibling_path(o->output, ".rejects.csv", g->rejpath, sizeof g->rejpath);
    run->output = o->output;
    run->input = NULL; /* several inputs: hashed and listed by the domain (ing_read, ing_manifest) */
    run->n_extra = 1;
    run->extra[0].path = g->rejpath;
    run->extra[0].role = "rejects";
    return REGIA_OK;
}

/* Local (every rank reads the registry: small): the sorted station list and each
 * station's expected rows per day (its cost). */
static regia_status_t ing_index(regia_run_t *run, void *self)
{
    ing_t *g = self;
    const ingest_opts_t *o = &g->o;
    regia_status_t st = ingest_load_registry(o->registry, &g->sens, &g->ns);
    if (!st) st = regia_run_fault(run, "registry");
    if (st) return st;
    ingest_sensor_t *sens = g->sens;
    const int ns = g->ns;
    g->order = malloc(((size_t)ns + 1) * sizeof *g->order);
    long *ids = malloc(((size_t)ns + 1) * sizeof *ids);
    if (!g->order || !ids) { free(ids); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); }
    for (int i = 0; i < ns; i++) g->order[i] = i;
    g_sens = sens;
    qsort(g->order, (size_t)ns, sizeof *g->order, cmp_order);
    for (int i = 1; i < ns && !st; i++)
        if (sens[g->order[i]].id == sens[g->order[i - 1]].id)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: IdSensore %ld appears twice; the registry must list each sensor once",
                            o->registry, sens[g->order[i]].id);
    int m = 0;
    for (int i = 0; i < ns; i++) if (sens[i].type >= 0) ids[m++] = sens[i].idst;
    if (!st && m == 0)
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no sensor of an ingested type (PM10, PM2.5, NO2, O3, SO2); is this the "
                        "ARPA air-quality registry?", o->registry);
    double *cost = NULL;
    if (!st) {
        g->stn = calloc((size_t)m, sizeof *g->stn);
        cost = calloc((size_t)m, sizeof *cost);
        if (!g->stn || !cost) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    }
    if (!st) {
        station_t *stn = g->stn;
        int nst = 0;
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
        g->nst = nst;
        run->n_items = nst;
        run->cost = cost; /* the skeleton partitions by it and frees it */
        cost = NULL;
    }
    free(cost);
    free(ids);
    return st;
}

/* Local: what the read needs besides the rows (the skeleton agrees on it). */
static regia_status_t ing_allocate(regia_run_t *run, void *self)
{
    ing_t *g = self;
    const int P = run->ctx->size;
    g->PR.to = calloc((size_t)P, sizeof *g->PR.to);
    g->PR.range = calloc((size_t)g->o.ndata + 1, sizeof *g->PR.range);
    g->pstart = calloc((size_t)P + 1, sizeof *g->pstart);
    g->owner = calloc((size_t)g->ns + 1, sizeof *g->owner);
    g->slot = malloc(((size_t)g->ns + 1) * sizeof *g->slot);
    g->slot_type = malloc(((size_t)g->ns + 1) * sizeof *g->slot_type);
    g->sofs = malloc(((size_t)g->ns + 1) * sizeof *g->sofs);
    g->hex = calloc((size_t)g->o.ndata + 1, sizeof *g->hex);
    if (!g->PR.to || !g->PR.range || !g->pstart || !g->owner || !g->slot || !g->slot_type || !g->sofs || !g->hex)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    return REGIA_OK;
}

/* ---- read: parse, window, time axis, rows to their owner, the owner's sensor arrays ---- */

/* The plausible window from the median month of the rows +- window_years; rows outside
 * it are rejected.  Collective. */
static regia_status_t median_window(regia_run_t *run, ing_t *g)
{
    const ingest_opts_t *o = &g->o;
    const int P = run->ctx->size;
    const ingest_sensor_t *sens = g->sens;
    ingest_parsed_t *PR = &g->PR;
    regia_status_t st = REGIA_OK;
    enum { NM = 10000 * 12 };
    long long *h = calloc(NM, sizeof *h);
    if (!h) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if ((st = regia_run_agree(run, st))) { free(h); return st; }
    for (int p = 0; p < P; p++)
        for (size_t i = 0; i < PR->to[p].n; i++) {
            int y, mo, d;
            regia_civil_from_days(ingest_row_day(&PR->to[p].r[i], sens, o->utc_off), &y, &mo, &d);
            long b = y < 0 ? 0 : y > 9999 ? NM - 1 : (long)y * 12 + mo - 1;
            h[b]++;
        }
    regia_run_sum(run, h, NM);
    long long n = 0, c = 0;
    for (long b = 0; b < NM; b++) n += h[b];
    long med = 0;
    for (long b = 0; b < NM && n; b++) if ((c += h[b]) * 2 >= n) { med = b; break; }
    free(h);
    if (n) {
        int my = (int)(med / 12), mm = (int)(med % 12) + 1;
        int64_t from = regia_days_from_civil(my - o->window_years, mm, 1);
        int64_t to = regia_days_from_civil(my + o->window_years, mm, regia_days_in_month(my + o->window_years, mm));
        char a[16], b[16];
        regia_format_date(from, a, sizeof a);
        regia_format_date(to, b, sizeof b);
        snprintf(g->window, sizeof g->window, "%s/%s", a, b);
        snprintf(ingest_window_reason, sizeof ingest_window_reason,
                 "date outside the plausible window %s .. %s (median month %04d-%02d +- %d years; --window-years, --from, --to)",
                 a, b, my, mm, o->window_years);
        for (int p = 0; p < P && !st; p++) {
            ingest_bucket_t *B = &PR->to[p];
            size_t w = 0;
            for (size_t i = 0; i < B->n; i++) {
                int64_t d = ingest_row_day(&B->r[i], sens, o->utc_off);
                if (d >= from && d <= to) { B->r[w++] = B->r[i]; continue; }
                char *t = ingest_line_text(o->data[B->r[i].file], B->r[i].off);
                if (!t) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); break; }
                st = ingest_add_reject(&PR->rej, B->r[i].file, B->r[i].line, ingest_window_reason, t, strlen(t));
                free(t);
                if (st) break;
            }
            B->n = w;
        }
    }
    return regia_run_agree(run, st);
}

/* The time axis of the rows (every rank's), and the caps, before anything large is
 * allocated.  Collective.  *any: some row is kept. */
static regia_status_t time_axis(regia_run_t *run, ing_t *g, int *any)
{
    const ingest_opts_t *o = &g->o;
    const int P = run->ctx->size;
    const ingest_sensor_t *sens = g->sens;
    layout_t *L = &g->L;
    regia_status_t st = REGIA_OK;
    /* the maxima of h1, -h0, d1, -d0 */
    long long ext[4] = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN};
    for (int i = 0; i < g->ns; i++) if (sens[i].type >= 0) L->present[sens[i].type] = 1;
    for (int p = 0; p < P; p++)
        for (size_t i = 0; i < g->PR.to[p].n; i++) {
            const ingest_row_t *r = &g->PR.to[p].r[i];
            int64_t day = ingest_row_day(r, sens, o->utc_off);
            if (!PDAILY[sens[r->sensor].type]) {
                if (r->t > ext[0]) ext[0] = r->t;
                if (-(int64_t)r->t > ext[1]) ext[1] = -(int64_t)r->t;
            }
            if (day > ext[2]) ext[2] = day;
            if (-day > ext[3]) ext[3] = -day;
        }
    regia_run_max(run, ext, 4);
    long long loc[2] = {g->PR.read, (long long)g->PR.rej.n};
    regia_run_sum(run, loc, 2);
    g->rows[0] = loc[0];
    g->rows[2] = loc[1];
    *any = ext[3] != INT64_MIN;
    if (!*any) return REGIA_OK;
    L->d0 = -ext[3];
    L->d1 = ext[2];
    L->h0 = ext[1] == INT64_MIN ? INT64_MAX : -ext[1];
    L->h1 = ext[0];
    if (L->h0 > L->h1) { L->h0 = L->d0 * 24 - o->utc_off; L->h1 = L->h0; }
    L->nst = g->nst;
    L->ntime = (size_t)(L->h1 - L->h0 + 1);
    L->nday = (size_t)(L->d1 - L->d0 + 1);
    double cells = 0;
    for (int p = 0; p < NPOL; p++) if (L->present[p]) cells += (double)g->nst * (double)(PDAILY[p] ? L->nday : L->ntime);
    char a[16], b[16];
    regia_format_date(L->d0, a, sizeof a);
    regia_format_date(L->d1, b, sizeof b);
    if ((double)L->nday > o->max_years * 366.0)
        st = REGIA_FAIL(REGIA_ERR_INVALID, "the data span %s to %s (%zu days), more than --max-years %d; narrow the "
                        "dates with --from/--to or raise --max-years", a, b, L->nday, o->max_years);
    else if (cells > o->max_cells)
        st = REGIA_FAIL(REGIA_ERR_INVALID, "the output would hold %.3g station x time values (%d stations, %s to %s), "
                        "more than --max-cells %.15g; narrow the dates with --from/--to or raise --max-cells",
                        cells, g->nst, a, b, o->max_cells);
    return regia_run_agree(run, st);
}

/* The rows to their station's owner, into the owner's sensor arrays: the first row by
 * (file, line) of a sensor and time wins, later ones are duplicates, sent back to the rank
 * that parsed them (it keeps the rejects of its range).  Collective. */
static regia_status_t to_owners(regia_run_t *run, ing_t *g, int any)
{
    const ingest_opts_t *o = &g->o;
    const int P = run->ctx->size, me = run->ctx->rank;
    const ingest_sensor_t *sens = g->sens;
    const layout_t *L = &g->L;
    const int64_t s0 = run->i0, s1 = run->i0 + run->ni;
    ingest_parsed_t *PR = &g->PR;
    regia_status_t st = REGIA_OK;
    void **send = calloc((size_t)P, sizeof *send), **recv = calloc((size_t)P, sizeof *recv);
    void **dsend = calloc((size_t)P, sizeof *dsend), **drecv = calloc((size_t)P, sizeof *drecv);
    int64_t *cnt = calloc((size_t)P, sizeof *cnt), *nrecv = calloc((size_t)P, sizeof *nrecv);
    int64_t *ndup = calloc((size_t)P, sizeof *ndup), *ndupr = calloc((size_t)P, sizeof *ndupr);
    size_t *dcap = calloc((size_t)P, sizeof *dcap);
    if (!send || !recv || !dsend || !drecv || !cnt || !nrecv || !ndup || !ndupr || !dcap)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if ((st = regia_run_agree(run, st))) goto out;
    if (any) {
        for (int p = 0; p < P; p++) send[p] = PR->to[p].r, cnt[p] = (int64_t)PR->to[p].n;
        if ((st = ingest_exchange(run, sizeof(ingest_row_t), send, cnt, recv, nrecv))) goto out;
        for (int p = 0; p < P; p++)
            if (p != me) { free(PR->to[p].r); PR->to[p].r = NULL; PR->to[p].n = 0; }
    }
    /* one array per sensor of this rank's stations */
    size_t cells = 0;
    g->nslot = 0;
    for (int i = 0; i < g->ns; i++) {
        int s = sens[i].station;
        g->slot[i] = -1;
        if (!any || s < s0 || s >= s1) continue;
        g->slot[i] = g->nslot;
        g->slot_type[g->nslot] = sens[i].type;
        g->sofs[g->nslot++] = cells;
        cells += PDAILY[sens[i].type] ? L->nday : L->ntime;
    }
    g->sofs[g->nslot] = cells;
    if (cells && (!(g->sval = malloc(cells * sizeof *g->sval)) || !(g->sqc = malloc(cells))))
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory: %zu cells of this rank's %lld stations", cells,
                        (long long)run->ni);
    if ((st = regia_run_agree(run, st))) goto out;
    for (size_t i = 0; i < cells; i++) g->sval[i] = NAN, g->sqc[i] = -2;
    if (any) {
        int64_t *cur = calloc((size_t)P, sizeof *cur);
        if (!cur) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        for (int k = 0; k < o->ndata && !st; k++)
            for (int p = 0; p < P && !st; p++) {
                const ingest_row_t *rr = recv[p];
                for (; cur[p] < nrecv[p] && rr[cur[p]].file == k; cur[p]++) {
                    const ingest_row_t *r = &rr[cur[p]];
                    const ingest_sensor_t *sn = &sens[r->sensor];
                    int64_t base = PDAILY[sn->type] ? L->d0 : L->h0;
                    size_t c = g->sofs[g->slot[r->sensor]] + (size_t)((int64_t)r->t - base);
                    if (g->sqc[c] == -2) { g->sval[c] = r->value; g->sqc[c] = r->qc; continue; }
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
        for (int p = 0; p < P; p++) if (p != me) { free(recv[p]); recv[p] = NULL; }
        free(PR->to[me].r);
        PR->to[me].r = NULL;
        PR->to[me].n = 0;
    }
    if ((st = regia_run_agree(run, st))) goto out;
    if (any) {
        if ((st = ingest_exchange(run, sizeof(dup_t), dsend, ndup, drecv, ndupr))) goto out;
        for (int p = 0; p < P && !st; p++)
            for (int64_t i = 0; i < ndupr[p] && !st; i++) {
                const dup_t *d = &((const dup_t *)drecv[p])[i];
                char *t = ingest_line_text(o->data[d->file], d->off);
                st = t ? ingest_add_reject(&PR->rej, d->file, d->line, INGEST_R_DUP, t, strlen(t))
                       : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
                free(t);
            }
        st = regia_run_agree(run, st);
    }
out:
    if (recv) for (int p = 0; p < P; p++) if (p != me) free(recv[p]);
    if (dsend) for (int p = 0; p < P; p++) free(dsend[p]);
    if (drecv) for (int p = 0; p < P; p++) if (p != me) free(drecv[p]);
    free(send); free(recv); free(dsend); free(drecv);
    free(cnt); free(nrecv); free(ndup); free(ndupr); free(dcap);
    return st;
}

/* Too many rejects, or none kept: an error, which the rejects file (written alone by the
 * skeleton) explains.  Collective. */
static regia_status_t check_rejects(regia_run_t *run, ing_t *g)
{
    const ingest_opts_t *o = &g->o;
    long long *rows = g->rows;
    if (!(rows[1] == 0 || (double)rows[2] > o->max_rejected * (double)rows[0])) return REGIA_OK;
    int nr = 0;
    while (ingest_reasons[nr]) nr++;
    long long *rc = calloc((size_t)nr + 1, sizeof *rc);
    if (rc) {
        for (size_t i = 0; i < g->PR.rej.n; i++)
            for (int k = 0; k < nr; k++) if (g->PR.rej.v[i].reason == ingest_reasons[k]) { rc[k]++; break; }
    }
    long long bad = rc == NULL; /* the counts are summed only when every rank has them */
    regia_run_max(run, &bad, 1);
    int top = 0;
    if (!bad) {
        regia_run_sum(run, rc, nr);
        for (int k = 1; k < nr; k++) if (rc[k] > rc[top]) top = k;
    }
    const char *most = bad ? "-" : ingest_reasons[top];
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
                          rows[2], g->rejpath, rows[2] ? most : "-");
    else
        fail = REGIA_FAIL(REGIA_ERR_PARSE, "%lld of %lld rows (%.1f %%) rejected from %s, more than --max-rejected "
                          "%g %%: see %s (most often: %s)", rows[2], rows[0], 100.0 * (double)rows[2] / (double)rows[0],
                          names, 100 * o->max_rejected, g->rejpath, most);
    free(rc);
    run->extras_explain_failure = 1;
    return fail;
}

/* Collective: the shard's rows (see the top of the file). */
static regia_status_t ing_read(regia_run_t *run, void *self)
{
    ing_t *g = self;
    const ingest_opts_t *o = &g->o;
    regia_ctx_t *ctx = run->ctx;
    const int P = ctx->size, me = ctx->rank;
    regia_status_t st = REGIA_OK;
    /* each sensor's owner: the rank whose shard holds its station */
    regia_run_shards(run, g->pstart);
    for (int i = 0; i < g->ns; i++) {
        int s = g->sens[i].station, p = 0;
        if (s < 0) continue;
        while (p + 1 < P && s >= g->pstart[p + 1]) p++;
        g->owner[i] = p;
    }
    if (o->have_from || o->have_to) {
        char a[16] = "-inf", b[16] = "+inf";
        if (o->have_from) regia_format_date(o->from_day, a, sizeof a);
        if (o->have_to) regia_format_date(o->to_day, b, sizeof b);
        snprintf(g->window, sizeof g->window, "%s/%s", a, b);
        snprintf(ingest_window_reason, sizeof ingest_window_reason,
                 "date outside the plausible window %s .. %s (--from/--to)", a, b);
    }
    /* each rank parses its byte range of each data file */
    {
        regia_progress_t prog;
        int64_t total = 0;
        for (int k = 0; k < o->ndata; k++) {
            FILE *fp = fopen(o->data[k], "rb");
            if (fp) { fseek(fp, 0, SEEK_END); total += ftell(fp); fclose(fp); }
        }
        regia_progress_begin(&prog, &ctx->log, "parse", total / P, "bytes");
        for (int k = 0; k < o->ndata && st == REGIA_OK; k++)
            st = ingest_parse_file(run, o, k, g->sens, g->order, g->ns, g->owner, &g->PR, &prog);
        regia_progress_end(&prog);
        if (st) return st; /* agreed in ingest_parse_file */
    }
    if (!o->have_from && !o->have_to && (st = median_window(run, g))) return st;
    int any = 0;
    if ((st = time_axis(run, g, &any))) return st;
    double t1 = regia_now();
    g->t_parse = t1 - run->t0;
    if ((st = to_owners(run, g, any))) return st;
    qsort(g->PR.rej.v, g->PR.rej.n, sizeof *g->PR.rej.v, cmp_rej);
    long long nrej = (long long)g->PR.rej.n;
    regia_run_sum(run, &nrej, 1);
    g->rows[2] = nrej;
    g->rows[1] = g->rows[0] - g->rows[2];
    g->t_exch = regia_now() - t1;
    if ((st = check_rejects(run, g))) return st;
    /* every input hashed once, by one rank (provenance attributes and the manifest) */
    for (int k = 0; k <= o->ndata && !st; k++)
        if (k % P == me) st = regia_sha256_file(k < o->ndata ? o->data[k] : o->registry, g->hex[k]);
    if ((st = regia_run_agree(run, st))) return st;
    for (int k = 0; k <= o->ndata; k++) regia_run_bcast_from(run, g->hex[k], 65, k % P);
    regia_info(&ctx->log, "writing %s: %d stations, %zu hours, %zu days, %lld rows kept, %lld rejected", o->output,
               g->nst, g->L.ntime, g->L.nday, g->rows[1], g->rows[2]);
    return REGIA_OK;
}

/* ---- compute: the sensors of each station merged into its values -------------------- */

/* Local: each shard station's sensors in IdSensore order (for the merge). */
static regia_status_t ing_prepare(regia_run_t *run, void *self)
{
    ing_t *g = self;
    const int64_t ni = run->ni, s0 = run->i0;
    g->st_off = calloc((size_t)ni + 2, sizeof *g->st_off);
    g->st_slot = malloc(((size_t)g->nslot + 1) * sizeof *g->st_slot);
    g->first = malloc(((size_t)ni * NPOL + 1) * sizeof *g->first);
    if (!g->st_off || !g->st_slot || !g->first) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->ns; i++)
        if (g->slot[i] >= 0) g->st_off[g->sens[i].station - s0 + 1]++;
    for (int64_t k = 0; k < ni; k++) g->st_off[k + 1] += g->st_off[k];
    int *fill = calloc((size_t)ni + 1, sizeof *fill);
    if (!fill) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int j = 0; j < g->ns; j++) {
        int i = g->order[j];
        if (g->slot[i] < 0) continue;
        int64_t k = g->sens[i].station - s0;
        g->st_slot[g->st_off[k] + fill[k]++] = g->slot[i];
    }
    free(fill);
    for (int64_t k = 0; k < ni * NPOL; k++) g->first[k] = -1;
    return REGIA_OK;
}

/* Local: stations [k0, k0 + n) of the shard.  A station's value of a pollutant is that of
 * its first sensor by IdSensore that has one; merged in place into that first sensor's
 * array (missing: NaN with flag -1). */
static regia_status_t ing_compute(regia_run_t *run, void *self, int64_t k0, int64_t n)
{
    (void)run;
    ing_t *g = self;
    for (int64_t k = k0; k < k0 + n; k++) {
        int *first = g->first + k * NPOL;
        for (int e = g->st_off[k]; e < g->st_off[k + 1]; e++) {
            int sl = g->st_slot[e], p = g->slot_type[sl];
            size_t len = g->sofs[sl + 1] - g->sofs[sl];
            float *v = g->sval + g->sofs[sl];
            signed char *q = g->sqc + g->sofs[sl];
            if (first[p] < 0) {
                first[p] = sl;
                for (size_t i = 0; i < len; i++)
                    if (isnan(v[i])) { v[i] = NAN; q[i] = -1; }
                continue;
            }
            float *tv = g->sval + g->sofs[first[p]];
            signed char *tq = g->sqc + g->sofs[first[p]];
            for (size_t i = 0; i < len; i++)
                if (isnan(tv[i]) && !isnan(v[i])) { tv[i] = v[i]; tq[i] = q[i]; }
        }
    }
    return REGIA_OK;
}

/* ---- the output ------------------------------------------------------------------------ */

static regia_status_t ing_define(regia_run_t *run, void *self, int ncid)
{
    (void)run;
    ing_t *g = self;
    return define_output(ncid, &g->L, &g->o, g->hex, g->rows, g->window);
}

/* Collective: the coordinates (rank 0) and each rank's stations; every call agreed on. */
static regia_status_t ing_write(regia_run_t *run, void *self, int ncid)
{
    ing_t *g = self;
    const layout_t *L = &g->L;
    const station_t *stn = g->stn;
    const int nst = g->nst, r0 = run->ctx->rank == 0;
    const int64_t s0 = run->i0, mys = run->ni;
    const char *path = run->tmp_path;
    regia_status_t st = REGIA_OK;
    char *cbuf = NULL;
    double *dbuf = NULL;
    int *ibuf = NULL;
    float *vbuf = NULL;
    signed char *qbuf = NULL;
#define AGREE(expr) do { if ((st = regia_run_agree_io(run, (expr)))) goto out; } while (0)
    {
        int nv = 0;
        regia_status_t s2 = ncs(nc_inq_nvars(ncid, &nv), "nc_inq_nvars", path);
        for (int v = 0; v < nv && !s2; v++) s2 = ncs(nc_var_par_access(ncid, v, NC_COLLECTIVE), "nc_var_par_access", path);
        AGREE(s2);
    }
    size_t z0[2] = {0, 0}, cs[2] = {r0 ? (size_t)nst : 0, NAMELEN};
    size_t ct[1] = {r0 ? L->ntime : 0}, cd[1] = {r0 ? L->nday : 0};
    size_t nmax = (size_t)nst > L->ntime ? (size_t)nst : L->ntime;
    if (L->nday > nmax) nmax = L->nday;
    dbuf = calloc(nmax, sizeof *dbuf);
    ibuf = calloc((size_t)nst + 1, sizeof *ibuf);
    cbuf = calloc((size_t)nst * NAMELEN + 1, 1);
    AGREE(!dbuf || !ibuf || !cbuf ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory") : REGIA_OK);
    for (int i = 0; i < nst; i++) ibuf[i] = (int)stn[i].idst;
    AGREE(ncs(nc_put_vara_int(ncid, L->vid_sid, z0, cs, ibuf), "writing station_id", path));
    for (int i = 0; i < nst; i++) strncpy(cbuf + (size_t)i * NAMELEN, stn[i].name, NAMELEN);
    AGREE(ncs(nc_put_vara_text(ncid, L->vid_name, z0, cs, cbuf), "writing station_name", path));
    memset(cbuf, 0, (size_t)nst * NAMELEN);
    for (int i = 0; i < nst; i++) strncpy(cbuf + (size_t)i * NAMELEN, stn[i].prov, NAMELEN);
    AGREE(ncs(nc_put_vara_text(ncid, L->vid_prov, z0, cs, cbuf), "writing province", path));
    for (int i = 0; i < nst; i++) dbuf[i] = stn[i].lat;
    AGREE(ncs(nc_put_vara_double(ncid, L->vid_lat, z0, cs, dbuf), "writing lat", path));
    for (int i = 0; i < nst; i++) dbuf[i] = stn[i].lon;
    AGREE(ncs(nc_put_vara_double(ncid, L->vid_lon, z0, cs, dbuf), "writing lon", path));
    for (int i = 0; i < nst; i++) dbuf[i] = stn[i].alt;
    AGREE(ncs(nc_put_vara_double(ncid, L->vid_alt, z0, cs, dbuf), "writing alt", path));
    for (size_t i = 0; i < L->ntime; i++) dbuf[i] = (double)(L->h0 + (int64_t)i);
    AGREE(ncs(nc_put_vara_double(ncid, L->vid_t, z0, ct, dbuf), "writing time", path));
    for (size_t i = 0; i < L->nday; i++) dbuf[i] = (double)(L->d0 + (int64_t)i);
    AGREE(ncs(nc_put_vara_double(ncid, L->vid_d, z0, cd, dbuf), "writing day", path));
    /* each pollutant: the merged sensor of each station (ing_compute), or missing */
    size_t nmx = L->ntime > L->nday ? L->ntime : L->nday;
    vbuf = malloc(((size_t)mys ? (size_t)mys : 1) * nmx * sizeof *vbuf);
    qbuf = malloc(((size_t)mys ? (size_t)mys : 1) * nmx);
    AGREE(!vbuf || !qbuf ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory: %lld stations x %zu steps", (long long)mys, nmx)
                         : REGIA_OK);
    for (int p = 0; p < NPOL; p++) {
        if (!L->present[p]) continue;
        size_t Lp = PDAILY[p] ? L->nday : L->ntime;
        /* (time, station): value i of this rank's station k at vbuf[i * mys + k] */
        for (int64_t k = 0; k < mys; k++) {
            int sl = g->first[k * NPOL + p];
            const float *sv = sl < 0 ? NULL : g->sval + g->sofs[sl];
            const signed char *sq = sl < 0 ? NULL : g->sqc + g->sofs[sl];
            for (size_t i = 0; i < Lp; i++) {
                vbuf[i * (size_t)mys + (size_t)k] = sv ? sv[i] : NAN;
                qbuf[i * (size_t)mys + (size_t)k] = sq ? sq[i] : -1;
            }
        }
        size_t st0[2] = {0, (size_t)s0}, cn[2] = {mys ? Lp : 0, (size_t)mys};
        if (!mys) st0[1] = 0;
        AGREE(ncs(nc_put_vara_float(ncid, L->vid_p[p], st0, cn, vbuf), "writing data", path));
        AGREE(ncs(nc_put_vara_schar(ncid, L->vid_q[p], st0, cn, qbuf), "writing data", path));
    }
#undef AGREE
    {
        long long rss = peak_rss_mb();
        regia_run_max(run, &rss, 1);
        g->rss_max = (long)rss;
    }
out:
    free(cbuf);
    free(dbuf);
    free(ibuf);
    free(vbuf);
    free(qbuf);
    return st;
}

/* Collective: the rejects CSV (the only extra output). */
static regia_status_t ing_write_extra(regia_run_t *run, void *self, int i, const char *tmp_path)
{
    (void)i;
    ing_t *g = self;
    return ingest_write_rejects(run, &g->o, &g->PR.rej, tmp_path);
}

static void ing_report(regia_run_t *run, void *self)
{
    ing_t *g = self;
    regia_info(&run->ctx->log, "rows read %lld = kept %lld + rejected %lld", g->rows[0], g->rows[1], g->rows[2]);
    if (g->o.verbose) {
        double tt = regia_now() - run->t0;
        regia_rank_msg(&run->ctx->log, "%lld rows parsed in %.2f s (%.0f rows/s), peak memory %ld MB",
                       (long long)g->PR.read, tt, tt > 0 ? (double)g->PR.read / tt : 0, peak_rss_mb());
    }
}

/* Rank 0: the domain's entries of the manifest (inputs with the SHA-256 computed once). */
static void ing_manifest(regia_run_t *run, void *self, regia_manifest_t *m)
{
    ing_t *g = self;
    const ingest_opts_t *o = &g->o;
    regia_manifest_num(m, "rows_read", (double)g->rows[0]);
    regia_manifest_num(m, "rows_kept", (double)g->rows[1]);
    regia_manifest_num(m, "rows_rejected", (double)g->rows[2]);
    regia_manifest_num(m, "stations", g->nst);
    regia_manifest_num(m, "utc_offset_hours", o->utc_off);
    regia_manifest_str(m, "date_window", g->window);
    regia_manifest_num(m, "max_rejected_percent", 100 * o->max_rejected);
    regia_manifest_num(m, "peak_rss_mb_max_rank", (double)g->rss_max);
    /* an entry that cannot be added (out of memory) leaves the manifest without it */
    if (regia_manifest_file_sha(m, "inputs", "registry", o->registry, g->hex[o->ndata]) != REGIA_OK)
        regia_error_clear();
    for (int k = 0; k < o->ndata; k++)
        if (regia_manifest_file_sha(m, "inputs", "data", o->data[k], g->hex[k]) != REGIA_OK) regia_error_clear();
    regia_manifest_timing(m, "parse", g->t_parse);
    regia_manifest_timing(m, "exchange", g->t_exch);
    regia_manifest_timing(m, "total", regia_now() - run->t0);
}

static void ing_release(regia_run_t *run, void *self)
{
    ing_t *g = self;
    const int P = run->ctx->size;
    for (size_t i = 0; i < g->PR.rej.n; i++) free(g->PR.rej.v[i].text);
    free(g->PR.rej.v);
    if (g->PR.to) for (int p = 0; p < P; p++) free(g->PR.to[p].r);
    free(g->PR.to);
    free(g->PR.range);
    free(g->sens);
    free(g->order);
    free(g->stn);
    free(g->pstart);
    free(g->owner);
    free(g->slot);
    free(g->slot_type);
    free(g->sofs);
    free(g->sval);
    free(g->sqc);
    free(g->hex);
    free(g->st_off);
    free(g->st_slot);
    free(g->first);
}

const regia_domain_t regia_domain_ingest_env = {
    .name = "ingest env",
    .summary = "convert raw CSV to analysis-ready NetCDF (ARPA Lombardia exports)",
    .about = "Converts ARPA Lombardia CSV exports (a sensor registry and measurement files) to one\n"
             "CF-1.10/ACDD-1.3 NetCDF-4 file of stations x time, plus OUT.rejects.csv (every rejected row\n"
             "with its reason) and OUT.manifest.json.  Each rank parses its byte range of every data file\n"
             "and sends the rows to the rank that owns their station; the output is the same for any\n"
             "number of ranks.  -v: each rank prints its rows, rows/s and peak memory at the end.\n"
             "See docs/ingest.md for the output schema, the checks and the limits.",
    .schema = ingest_env_schema,
    .meta = ingest_meta,
    .options_usage = "--registry sensors.csv --data FILE [--data FILE ...] --output OUT.nc [OPTIONS]",
    .state_size = sizeof(ing_t),
    .unit = "stations",
    .stage = "merge",
    .output_role = "ingested",
    .configure = ing_configure,
    .index = ing_index,
    .allocate = ing_allocate,
    .read = ing_read,
    .prepare = ing_prepare,
    .compute = ing_compute,
    .result_arrays = NULL, /* merging is cheap beside parsing: no checkpoint */
    .define = ing_define,
    .acdd = ing_acdd,
    .write = ing_write,
    .write_extra = ing_write_extra,
    .report = ing_report,
    .manifest = ing_manifest,
    .release = ing_release,
};

/* `regia ingest SOURCE ...`: the ingest domains by their second word (env). */
int regia_cmd_ingest(regia_ctx_t *ctx, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "env")) return regia_run_domain(&regia_domain_ingest_env, ctx, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "waitlist")) {
        extern const regia_domain_t regia_domain_ingest_waitlist;
        return regia_run_domain(&regia_domain_ingest_waitlist, ctx, argc - 1, argv + 1);
    }
    if (argc >= 2 && !strcmp(argv[1], "sensors")) {
        extern const regia_domain_t regia_domain_ingest_sensors;
        return regia_run_domain(&regia_domain_ingest_sensors, ctx, argc - 1, argv + 1);
    }
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        char *help[] = {"env", "--help", NULL};
        if (ctx->rank == 0) printf("regia ingest: `regia ingest env` (ARPA Lombardia CSV exports, below) and `regia ingest "
                                   "waitlist` (CUP booking exports: regia ingest waitlist --help), `regia ingest sensors` (structural-sensor CSV "
                                   "and miniSEED: regia ingest sensors --help).\n\n");
        return regia_run_domain(&regia_domain_ingest_env, ctx, 2, help);
    }
    return regia_usage_error(ctx, "ingest", "expected `regia ingest env ...`, `regia ingest waitlist ...` or `regia ingest sensors ...`");
}
