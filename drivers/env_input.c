/* Checks of the station file regia env reads (see env_input.h). */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <string.h>

#include "env_input.h"
#include "regia/io.h"
#include "regia/ncinput.h"
#include "regia/timeutil.h"

const char *const env_input_pollutants[ENV_INPUT_NPOLL] = {"pm10", "pm2p5", "no2", "o3", "so2"};

/* Types nc_get_var_int reads without a range error, and those of a qc flag (read as
 * signed char: values are 0, 1 or the fill -1). */
#define STATION_ID_TYPES                                                                           \
    (REGIA_NCIN_TYPE(NC_BYTE) | REGIA_NCIN_TYPE(NC_UBYTE) | REGIA_NCIN_TYPE(NC_SHORT) |             \
     REGIA_NCIN_TYPE(NC_USHORT) | REGIA_NCIN_TYPE(NC_INT))
#define QC_TYPES (REGIA_NCIN_TYPE(NC_BYTE) | REGIA_NCIN_TYPE(NC_SHORT) | REGIA_NCIN_TYPE(NC_INT))

static int64_t local_day_of_hour(int64_t h) { return regia_floordiv(h + ENV_INPUT_LOCAL_UTC_OFFSET, 24); }

/* A dimension's length, refused above `max` with the reason `why`. */
static regia_status_t axis_dim(int ncid, const char *path, const char *name, size_t max, const char *why,
                               int64_t *n)
{
    regia_status_t st = REGIA_OK;
    size_t len;
    REGIA_TRY(regia_ncin_dim(ncid, path, name, 0, &len, NULL));
    if (len > max)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: dimension '%s' has %zu entries; regia env reads at most %zu (%s)",
                          path, name, len, max, why);
    *n = (int64_t)len;
err:
    return st;
}

/* A time coordinate: units, then a whole, finite, step-1 axis inside the plausible window. */
static regia_status_t time_axis(int ncid, const char *path, const char *name, const char *units, double per_day,
                                size_t max_len, int *vid, int64_t *first, int64_t *last)
{
    regia_status_t st = REGIA_OK;
    regia_ncin_var_t v;
    REGIA_TRY(regia_ncin_check_var(ncid, path, name, REGIA_NCIN_NUMERIC, name, &v));
    REGIA_TRY(regia_ncin_check_att_text(ncid, path, v.vid, name, "units", units));
    regia_ncin_values_t r = {
        .max_len = max_len,
        .min = per_day * (double)regia_days_from_civil(ENV_INPUT_FIRST_YEAR, 1, 1),
        .max = per_day * (double)regia_days_from_civil(ENV_INPUT_LAST_YEAR + 1, 1, 1) - 1,
        .whole = 1,
        .step = 1,
        .max_span = (double)max_len - 1,
        .per_day = per_day,
    };
    double a, b;
    REGIA_TRY(regia_ncin_check_values(ncid, path, &v, &r, &a, &b));
    *vid = v.vid;
    if (v.len[0] > 0) {
        *first = (int64_t)a;
        *last = (int64_t)b;
    }
err:
    return st;
}

/* A station coordinate: lat, lon or alt, float or double on (station), values in range. */
static regia_status_t station_coord(int ncid, const char *path, const char *name, double lo, double hi,
                                    int allow_missing, int *vid)
{
    regia_status_t st = REGIA_OK;
    regia_ncin_var_t v;
    REGIA_TRY(regia_ncin_check_var(ncid, path, name, REGIA_NCIN_REAL, "station", &v));
    regia_ncin_values_t r = {.min = lo, .max = hi, .allow_missing = allow_missing};
    REGIA_TRY(regia_ncin_check_values(ncid, path, &v, &r, NULL, NULL));
    *vid = v.vid;
err:
    return st;
}

regia_status_t env_check_input(int ncid, const char *path, env_input_t *info)
{
    regia_status_t st = REGIA_OK;
    memset(info, 0, sizeof *info);
    info->path = path;
    info->utc_offset = 1;
    info->vid_time = info->vid_day = -1;
    for (int k = 0; k < ENV_INPUT_NPOLL; k++) info->poll[k].vid = info->poll[k].qc_vid = -1;

    /* dimensions, bounded before anything else is read */
    size_t nst;
    int has_time = 0, has_day = 0;
    REGIA_TRY(regia_ncin_dim(ncid, path, "station", 1, &nst, NULL));
    if (nst == 0) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: dimension 'station' is empty: no stations", path);
    if (nst > ENV_INPUT_MAX_STATIONS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: dimension 'station' has %zu entries; regia env reads at most %d",
                          path, nst, ENV_INPUT_MAX_STATIONS);
    info->n_station = (int64_t)nst;
    REGIA_TRY(axis_dim(ncid, path, "time", ENV_INPUT_MAX_HOURS, "100 years of hours", &info->n_time));
    REGIA_TRY(axis_dim(ncid, path, "day", ENV_INPUT_MAX_DAYS, "100 years of days", &info->n_day));
    {
        int id;
        has_time = nc_inq_dimid(ncid, "time", &id) == NC_NOERR;
        has_day = nc_inq_dimid(ncid, "day", &id) == NC_NOERR;
    }
    if (!has_time && !has_day)
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "%s: no 'time' or 'day' dimension: not a station file made by 'regia ingest env'", path);

    /* station metadata */
    regia_ncin_var_t v;
    REGIA_TRY(regia_ncin_check_var(ncid, path, "station_id", STATION_ID_TYPES, "station", &v));
    info->vid_station_id = v.vid;
    REGIA_TRY(regia_ncin_check_text(ncid, path, "station_name", "station,name_strlen", ENV_INPUT_NAME_LEN, &v));
    info->vid_station_name = v.vid;
    info->name_len = (int)v.len[1];
    REGIA_TRY(station_coord(ncid, path, "lat", -90, 90, 0, &info->vid_lat));
    REGIA_TRY(station_coord(ncid, path, "lon", -180, 360, 0, &info->vid_lon));
    REGIA_TRY(station_coord(ncid, path, "alt", -500, 9000, 1, &info->vid_alt));

    /* time axes */
    if (has_time)
        REGIA_TRY(time_axis(ncid, path, "time",
                            "hours since 1970-01-01 00:00:00|hours since 1970-01-01|hours since 1970-01-01T00:00:00Z",
                            24, ENV_INPUT_MAX_HOURS, &info->vid_time, &info->time0, &info->time1));
    if (has_day)
        REGIA_TRY(time_axis(ncid, path, "day",
                            "days since 1970-01-01 00:00:00|days since 1970-01-01|days since 1970-01-01T00:00:00Z", 1,
                            ENV_INPUT_MAX_DAYS, &info->vid_day, &info->day0, &info->day1));

    /* pollutants */
    for (int k = 0; k < ENV_INPUT_NPOLL; k++) {
        const char *name = env_input_pollutants[k];
        env_input_poll_t *p = &info->poll[k];
        if (!regia_ncin_has_var(ncid, name, NULL)) continue;
        REGIA_TRY(regia_ncin_check_var(ncid, path, name, REGIA_NCIN_REAL,
                                       "time,station|day,station|station,time|station,day", &v));
        p->present = 1;
        p->hourly = v.layout % 2 == 0;
        p->time_first = v.layout < 2;
        p->vid = v.vid;
        p->len = p->hourly ? info->n_time : info->n_day;
        if (p->len == 0)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has no values: dimension '%s' is empty", path,
                              name, p->hourly ? "time" : "day");
        char qn[32];
        snprintf(qn, sizeof qn, "%s_qc", name);
        if (regia_ncin_has_var(ncid, qn, NULL)) {
            regia_ncin_var_t q;
            /* the flag must lie on the same dimensions as its variable */
            static const char *const same[4] = {"time,station", "day,station", "station,time", "station,day"};
            REGIA_TRY(regia_ncin_check_var(ncid, path, qn, QC_TYPES, same[v.layout], &q));
            p->has_qc = 1;
            p->qc_vid = q.vid;
        }
        info->n_present++;
    }
    if (info->n_present == 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: none of the pollutant variables pm10, pm2p5, no2, o3, so2 is present",
                          path);
    env_input_days(info, 0, &info->first_day, &info->last_day);

    /* ingest's --synthetic: a synthetic input makes a synthetic output */
    {
        size_t len;
        char yes[8] = "";
        info->synthetic = nc_inq_attlen(ncid, NC_GLOBAL, "synthetic", &len) == NC_NOERR && len == 3 &&
                          nc_get_att_text(ncid, NC_GLOBAL, "synthetic", yes) == NC_NOERR && !memcmp(yes, "yes", 3);
    }
    /* ingest's --utc-offset, for the reader to compare with its local days */
    {
        nc_type t;
        size_t len;
        if (nc_inq_att(ncid, NC_GLOBAL, "regia_utc_offset_hours", &t, &len) == NC_NOERR) {
            int off = 0;
            if (len != 1 || t == NC_CHAR || t == NC_STRING ||
                nc_get_att_int(ncid, NC_GLOBAL, "regia_utc_offset_hours", &off) != NC_NOERR || off < -14 || off > 14)
                return REGIA_FAIL(REGIA_ERR_INVALID,
                                  "%s: global attribute 'regia_utc_offset_hours' is not one whole number of hours "
                                  "in [-14, 14]",
                                  path);
            info->utc_offset = off;
        }
    }
err:
    return st;
}

int env_input_days(const env_input_t *info, unsigned mask, int64_t *first_day, int64_t *last_day)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int k = 0; k < ENV_INPUT_NPOLL; k++) {
        const env_input_poll_t *p = &info->poll[k];
        if (!p->present || (mask && !(mask >> k & 1u))) continue;
        int64_t a = p->hourly ? local_day_of_hour(info->time0) : info->day0;
        int64_t b = p->hourly ? local_day_of_hour(info->time1) : info->day1;
        if (a < lo) lo = a;
        if (b > hi) hi = b;
    }
    if (lo > hi) return -1;
    *first_day = lo;
    *last_day = hi;
    return 0;
}

regia_status_t env_check_as_of(const env_input_t *info, unsigned mask, int64_t as_of)
{
    int64_t d0, d1;
    if (env_input_days(info, mask, &d0, &d1) != 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: none of the pollutants asked for is present", info->path);
    if (as_of >= d0 && as_of <= d1) return REGIA_OK;
    char a[24], f[24], l[24];
    regia_format_date(as_of, a, sizeof a);
    regia_format_date(d0, f, sizeof f);
    regia_format_date(d1, l, sizeof l);
    return REGIA_FAIL(REGIA_ERR_INVALID,
                      "as_of %s is %s the %s day with data in %s (%s): no forecast can start there; give a day from "
                      "%s to %s, or leave as_of out to start from the last day",
                      a, as_of > d1 ? "after" : "before", as_of > d1 ? "last" : "first", info->path,
                      as_of > d1 ? l : f, f, l);
}

regia_status_t env_check_series(const env_input_t *info, const int *pidx, int np, const env_series_count_t *cnt,
                                int listed, int64_t win0, int64_t as_of, char *warn, size_t cap)
{
    char w0[24], w1[24], none[128] = "";
    int n_none = 0, known = 0;
    int64_t fitted = 0;
    regia_format_date(win0, w0, sizeof w0);
    regia_format_date(as_of, w1, sizeof w1);
    if (cap) warn[0] = 0;
    for (int p = 0; p < np; p++) {
        const char *name = env_input_pollutants[pidx[p]];
        if (cnt[p].fitted >= 0) { known = 1; fitted += cnt[p].fitted; }
        if (cnt[p].with_data > 0) continue;
        if (listed)
            return REGIA_FAIL(REGIA_ERR_INVALID,
                              "pollutant '%s': no station has a valid day from %s to %s in %s: nothing to forecast; "
                              "choose another as_of or history_days, or leave %s out of [analysis] pollutants",
                              name, w0, w1, info->path, name);
        size_t used = strlen(none);
        snprintf(none + used, sizeof none - used, "%s%s", n_none ? ", " : "", name);
        n_none++;
    }
    if (n_none == np)
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "no pollutant has a valid day from %s to %s at any station in %s (%s): nothing to forecast; "
                          "choose another as_of or history_days", w0, w1, info->path, none);
    if (known && fitted == 0)
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "no series could be fitted from %s to %s in %s: every series is too short or too sparse; "
                          "choose another as_of, a longer history_days or a simpler model", w0, w1, info->path);
    if (n_none && cap)
        snprintf(warn, cap,
                 "%d of %d pollutants have no valid day from %s to %s at any station in %s: %s (their outputs are "
                 "all missing values)", n_none, np, w0, w1, info->path, none);
    return REGIA_OK;
}
