/* env_input.h - checks of the station file `regia env` reads (internal to drivers/).
 *
 * The input is the layout `regia ingest env` writes (docs/ingest.md): dimensions station,
 * time (hourly, UTC) and/or day (local days), name_strlen = 64; variables station_id,
 * station_name, lat, lon, alt on station; time(time) in hours and day(day) in days since
 * 1970-01-01; pollutants pm10 pm2p5 no2 o3 so2 as float or double on (station, time) or
 * (station, day), each with an optional <p>_qc of the same dimensions.  env_check_input
 * validates all of it from metadata and the coordinates (never the data) and returns what
 * a reader needs, so nothing is read unchecked and nothing is allocated from an
 * unchecked size.
 *
 * Limits (refused before anything is allocated):
 *   ENV_INPUT_MAX_STATIONS stations (every rank keeps all station metadata, ~100 bytes each);
 *   time and day axes of at most ENV_INPUT_MAX_YEARS = 100 years (36,600 days, as
 *   [analysis] history_days' maximum; 878,400 hours);
 *   time stamps within the plausible window ENV_INPUT_FIRST_YEAR-01-01 ..
 *   ENV_INPUT_LAST_YEAR-12-31.
 */
#ifndef REGIA_ENV_INPUT_H
#define REGIA_ENV_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "regia/status.h"

enum {
    ENV_INPUT_NPOLL = 5,              /* pollutants known, in env_input_pollutants order     */
    ENV_INPUT_NAME_LEN = 64,          /* name_strlen of station_name                         */
    ENV_INPUT_MAX_YEARS = 100,
    ENV_INPUT_MAX_DAYS = 36600,       /* 100 years of 366 days                               */
    ENV_INPUT_MAX_HOURS = 24 * 36600,
    ENV_INPUT_MAX_STATIONS = 10000000,
    ENV_INPUT_FIRST_YEAR = 1900,      /* plausible window of the time stamps                 */
    ENV_INPUT_LAST_YEAR = 2199,
    ENV_INPUT_LOCAL_UTC_OFFSET = 1    /* regia env's local days: hour t is in day (t+1) / 24  */
};

/* "pm10", "pm2p5", "no2", "o3", "so2": the order that fixes each pollutant's index (and
 * its Monte Carlo key in regia env). */
extern const char *const env_input_pollutants[ENV_INPUT_NPOLL];

typedef struct {
    int present;          /* the variable exists (and was checked)                        */
    int hourly;           /* 1: on time (hourly); 0: on day (daily)                          */
    int time_first;       /* 1: (time|day, station), regia ingest env since 2026-12;
                             0: (station, time|day), the files it wrote before             */
    int has_qc;           /* <p>_qc exists, with the same dimensions                        */
    int vid, qc_vid;      /* variable ids, -1 when absent                                   */
    int64_t len;          /* length of its time axis: n_time or n_day                       */
} env_input_poll_t;

typedef struct {
    const char *path;                 /* as passed to env_check_input (not copied)          */
    int64_t n_station;                /* >= 1                                               */
    int64_t n_time, n_day;            /* axis lengths, 0 when the dimension is absent       */
    int64_t time0, time1;             /* first and last hour (hours since 1970, UTC), when
                                         n_time > 0; the axis is time0, time0 + 1, ...       */
    int64_t day0, day1;               /* first and last day (days since 1970), when n_day > 0;
                                         the axis is day0, day0 + 1, ...                    */
    int64_t first_day, last_day;      /* local days covered by the pollutants present       */
    int name_len;                     /* station_name string length (ENV_INPUT_NAME_LEN)    */
    int utc_offset;                   /* global attribute regia_utc_offset_hours (ingest's
                                         --utc-offset; 1 when absent)                       */
    int synthetic;                    /* global attribute synthetic = "yes" (regia ingest env
                                         --synthetic): the env output says so too           */
    int n_present;                    /* pollutants present, >= 1                           */
    env_input_poll_t poll[ENV_INPUT_NPOLL];
    int vid_station_id, vid_station_name, vid_lat, vid_lon, vid_alt;
    int vid_time, vid_day;            /* -1 when the axis is absent                         */
} env_input_t;

/* Check the ingested station file `path` open as ncid (nc_open or nc_open_par) and fill
 * *info.  Reads only metadata and the 1-D variables time, day, lat, lon (never the
 * pollutant data), the same on every rank, so it may run on every rank of a parallel
 * open and gives each the same result.  Errors (REGIA_ERR_INVALID) name the file, the
 * variable or dimension, and what was expected against what was found: a missing
 * dimension or variable, wrong dimensions or type, a station_name string length other
 * than 64, a time or day axis that is not a whole, finite, regular (step 1) axis within
 * the plausible window, an axis of more than 100 years, more than ENV_INPUT_MAX_STATIONS
 * stations, a <p>_qc whose dimensions differ from <p>'s, lat/lon missing or out of range,
 * no pollutant at all. */
regia_status_t env_check_input(int ncid, const char *path, env_input_t *info);

/* First and last local day with data of the pollutants present whose bit is set in
 * `mask` (bit k: env_input_pollutants[k]; 0 = every pollutant present).  0 when one is
 * present in the mask, -1 when none (the days are then left unchanged). */
int env_input_days(const env_input_t *info, unsigned mask, int64_t *first_day, int64_t *last_day);

/* The forecast origin as_of (days since 1970, local) must lie within the data of the
 * pollutants of `mask` (as env_input_days): an error (REGIA_ERR_INVALID) names the date,
 * the file and the days it covers when as_of is after the last day with data or before
 * the first one.  The caller adds where as_of came from (regia_error_prefix("JOB:LINE:
 * key 'as_of': ")). */
regia_status_t env_check_as_of(const env_input_t *info, unsigned mask, int64_t as_of);

/* Counts of one analysed pollutant's series, summed over every rank by the caller. */
typedef struct {
    int64_t with_data;    /* stations with at least one valid day in [win0, as_of]          */
    int64_t fitted;       /* series fitted; -1 when not known yet (before the fit)          */
} env_series_count_t;

/* Not collective (decide on counts already summed over the ranks, so every rank decides
 * the same).  Inputs that cannot give an answer: for the np analysed pollutants
 * (env_input_pollutants[pidx[p]], counts cnt[p]) over the window [win0, as_of]:
 *   - a pollutant no station has a valid day for: an error when `listed` (named in
 *     [analysis] pollutants), otherwise a warning line in warn (for regia_warn) unless
 *     no pollutant has any, which is an error;
 *   - no series fitted at all (every known cnt[p].fitted is 0): an error.
 * warn (cap bytes) is "" when there is nothing to warn about.  Errors name the
 * pollutant, the window, the file and what to change. */
regia_status_t env_check_series(const env_input_t *info, const int *pidx, int np, const env_series_count_t *cnt,
                                int listed, int64_t win0, int64_t as_of, char *warn, size_t cap);

#endif
