/* test_ncinput.c - checks of NetCDF inputs before use: the generic checks of
 * io/ncinput.c (regia/ncinput.h) and the station-file checks of regia env
 * (drivers/env_input.c).
 *
 * A good station file in the layout of `regia ingest env` is written with the NetCDF-C
 * API, then one bad variant per case (a 3-D or char pollutant, lat on a longer
 * dimension, a 2-D station_id, another string length, a missing coordinate, NaN, 1e12,
 * decreasing, gappy or fractional time and day values, a 10,000-year time axis, ...).
 * Each must be refused with a message that names the file and the variable and says
 * what was expected. */
#include <math.h>
#include <netcdf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "regia/ncinput.h"
#include "regia/status.h"
#include "regia/timeutil.h"
#include "../../drivers/env_input.h"

#define NCX(expr)                                                                              \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        if (rc_) {                                                                             \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr, nc_strerror(rc_));   \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

/* st must be an error whose message contains every string of the NULL-terminated list. */
static void check_err_(const char *file, int line, const char *what, regia_status_t st, ...)
{
    check_count_++;
    const char *msg = regia_error_msg();
    int ok = st != REGIA_OK;
    va_list ap;
    va_start(ap, st);
    for (const char *s; (s = va_arg(ap, const char *));) ok = ok && strstr(msg, s) != NULL;
    va_end(ap);
    if (!ok) {
        check_failures_++;
        fprintf(stderr, "%s:%d: %s: status %d, message: %s\n", file, line, what, (int)st, msg);
        va_start(ap, st);
        for (const char *s; (s = va_arg(ap, const char *));) fprintf(stderr, "    expected to contain: %s\n", s);
        va_end(ap);
    } else {
        printf("ok: %s -> %s\n", what, msg);
    }
}
#define CHECK_ERR(what, expr, ...) check_err_(__FILE__, __LINE__, what, (expr), __VA_ARGS__, (const char *)NULL)

/* ---- the station file and its bad variants --------------------------------------------- */

typedef enum {
    GOOD,
    POLL_3D,       /* pm10(station, day, level)                        */
    POLL_CHAR,     /* no2 of type char                                 */
    LAT_LONGER,    /* lat on a dimension longer than station           */
    SID_2D,        /* station_id(station, name_strlen)                 */
    NAME_32,       /* name_strlen = 32                                 */
    NO_SID,
    NO_LAT,
    NO_TIME_VAR,   /* dimension time, no variable time                 */
    DAY_NAN,
    DAY_BIG,       /* 1e12                                             */
    DAY_DEC,       /* decreasing                                       */
    DAY_FRAC,      /* 19358.5                                          */
    TIME_NAN,
    TIME_BIG,
    TIME_DEC,
    TIME_GAP,      /* hours 0, 1, 3                                    */
    TIME_10KY,     /* last hour 10,000 years after the first           */
    TIME_UNITS,    /* seconds since 1970                               */
    TIME_HUGE_DIM, /* dimension time of 10^6 hours (not written)       */
    QC_DIMS,       /* pm10_qc on (station, time)                       */
    LAT_RANGE,     /* lat 91                                           */
    NO_POLL,       /* no pollutant variable                            */
    ONLY_DAILY,    /* pm10 only (no hourly pollutant)                  */
} variant_t;

enum { NS = 3, NH = 48, ND = 2 };
static char dir[] = "/tmp/regia-ncinput.XXXXXX";
static int64_t D0; /* 2023-01-01 */

static void put_att(int ncid, int vid, const char *k, const char *v) { NCX(nc_put_att_text(ncid, vid, k, strlen(v), v)); }

/* Write the station file of `variant` to dir/NAME.nc; returns its path (static buffer). */
static const char *make_file(variant_t variant, const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s.nc", dir, name);
    int ncid, dst, dtime, dday, dstr, dlev, dst2;
    NCX(nc_create(path, NC_NETCDF4 | NC_CLOBBER, &ncid));
    NCX(nc_def_dim(ncid, "station", NS, &dst));
    NCX(nc_def_dim(ncid, "time", variant == TIME_HUGE_DIM ? 1000000 : NH, &dtime));
    NCX(nc_def_dim(ncid, "day", ND, &dday));
    NCX(nc_def_dim(ncid, "name_strlen", variant == NAME_32 ? 32 : 64, &dstr));
    NCX(nc_def_dim(ncid, "level", 2, &dlev));
    NCX(nc_def_dim(ncid, "station2", NS + 5, &dst2));
    int v_sid = -1, v_name, v_lat = -1, v_lon, v_alt, v_t = -1, v_d, v_pm, v_pmq, v_no2 = -1, v_no2q = -1;
    int d2[2] = {dst, dstr};
    if (variant == SID_2D) NCX(nc_def_var(ncid, "station_id", NC_INT, 2, d2, &v_sid));
    else if (variant != NO_SID) NCX(nc_def_var(ncid, "station_id", NC_INT, 1, &dst, &v_sid));
    NCX(nc_def_var(ncid, "station_name", NC_CHAR, 2, d2, &v_name));
    if (variant == LAT_LONGER) NCX(nc_def_var(ncid, "lat", NC_DOUBLE, 1, &dst2, &v_lat));
    else if (variant != NO_LAT) NCX(nc_def_var(ncid, "lat", NC_DOUBLE, 1, &dst, &v_lat));
    NCX(nc_def_var(ncid, "lon", NC_DOUBLE, 1, &dst, &v_lon));
    NCX(nc_def_var(ncid, "alt", NC_DOUBLE, 1, &dst, &v_alt));
    if (variant != NO_TIME_VAR) {
        NCX(nc_def_var(ncid, "time", NC_DOUBLE, 1, &dtime, &v_t));
        put_att(ncid, v_t, "units", variant == TIME_UNITS ? "seconds since 1970-01-01" : "hours since 1970-01-01 00:00:00");
    }
    NCX(nc_def_var(ncid, "day", NC_DOUBLE, 1, &dday, &v_d));
    put_att(ncid, v_d, "units", "days since 1970-01-01 00:00:00");
    if (variant != NO_POLL) {
        int dsd[2] = {dst, dday}, dst_[2] = {dst, dtime}, d3[3] = {dst, dday, dlev};
        if (variant == POLL_3D) NCX(nc_def_var(ncid, "pm10", NC_FLOAT, 3, d3, &v_pm));
        else NCX(nc_def_var(ncid, "pm10", NC_FLOAT, 2, dsd, &v_pm));
        NCX(nc_def_var(ncid, "pm10_qc", NC_BYTE, 2, variant == QC_DIMS ? dst_ : dsd, &v_pmq));
        if (variant != ONLY_DAILY) {
            NCX(nc_def_var(ncid, "no2", variant == POLL_CHAR ? NC_CHAR : NC_FLOAT, 2, dst_, &v_no2));
            NCX(nc_def_var(ncid, "no2_qc", NC_BYTE, 2, dst_, &v_no2q));
        }
    }
    int off = 1;
    NCX(nc_put_att_int(ncid, NC_GLOBAL, "regia_utc_offset_hours", NC_INT, 1, &off));
    NCX(nc_enddef(ncid));
    int sid[NS] = {501, 502, 503};
    double lat[NS + 5] = {45.4, 45.6, 46.1, 45, 45, 45, 45, 45}, lon[NS] = {9.1, 9.9, 10.2}, alt[NS] = {120, NAN, 300};
    char names[NS][64] = {"Milano", "Bergamo", "Sondrio"};
    if (variant == LAT_RANGE) lat[1] = 91;
    if (v_sid >= 0 && variant != SID_2D) NCX(nc_put_var_int(ncid, v_sid, sid));
    if (variant == NAME_32) {
        char n32[NS][32] = {"Milano", "Bergamo", "Sondrio"};
        NCX(nc_put_var_text(ncid, v_name, &n32[0][0]));
    } else {
        NCX(nc_put_var_text(ncid, v_name, &names[0][0]));
    }
    if (v_lat >= 0) NCX(nc_put_var_double(ncid, v_lat, lat));
    NCX(nc_put_var_double(ncid, v_lon, lon));
    NCX(nc_put_var_double(ncid, v_alt, alt));
    double t[NH], d[ND];
    for (int i = 0; i < NH; i++) t[i] = (double)(D0 * 24 - 1 + i); /* local days D0, D0 + 1 */
    for (int i = 0; i < ND; i++) d[i] = (double)(D0 + i);
    switch (variant) {
    case DAY_NAN: d[1] = NAN; break;
    case DAY_BIG: d[1] = 1e12; break;
    case DAY_DEC: d[1] = d[0] - 1; break;
    case DAY_FRAC: d[1] = d[0] + 0.5; break;
    case TIME_NAN: t[5] = NAN; break;
    case TIME_BIG: t[5] = 1e12; break;
    case TIME_DEC: t[5] = t[4] - 3; break;
    case TIME_GAP: t[5] = t[4] + 2; break;
    case TIME_10KY: t[NH - 1] = t[0] + 10000.0 * 8766; break;
    default: break;
    }
    if (v_t >= 0 && variant != TIME_HUGE_DIM) NCX(nc_put_var_double(ncid, v_t, t));
    NCX(nc_put_var_double(ncid, v_d, d));
    NCX(nc_close(ncid));
    return path;
}

/* Open, run env_check_input, close. */
static regia_status_t check_file(const char *path, env_input_t *info)
{
    int ncid;
    NCX(nc_open(path, NC_NOWRITE, &ncid));
    regia_error_clear();
    regia_status_t st = env_check_input(ncid, path, info);
    nc_close(ncid);
    return st;
}

static void test_env_good(void)
{
    env_input_t in;
    const char *path = make_file(GOOD, "good");
    CHECK_OK(check_file(path, &in));
    CHECK(in.n_station == NS && in.n_time == NH && in.n_day == ND);
    CHECK(in.time0 == D0 * 24 - 1 && in.time1 == D0 * 24 - 1 + NH - 1);
    CHECK(in.day0 == D0 && in.day1 == D0 + 1);
    CHECK(in.first_day == D0 && in.last_day == D0 + 1);
    CHECK(in.name_len == 64 && in.utc_offset == 1 && in.n_present == 2);
    CHECK(in.poll[0].present && !in.poll[0].hourly && in.poll[0].has_qc && in.poll[0].len == ND);
    CHECK(!in.poll[1].present && in.poll[1].vid == -1 && in.poll[1].qc_vid == -1);
    CHECK(in.poll[2].present && in.poll[2].hourly && in.poll[2].has_qc && in.poll[2].len == NH);
    CHECK(!in.poll[3].present && !in.poll[4].present);
    CHECK(in.vid_station_id >= 0 && in.vid_station_name >= 0 && in.vid_lat >= 0 && in.vid_lon >= 0 &&
          in.vid_alt >= 0 && in.vid_time >= 0 && in.vid_day >= 0);
    CHECK(strcmp(env_input_pollutants[0], "pm10") == 0 && strcmp(env_input_pollutants[4], "so2") == 0);

    /* as_of inside, after and before the data */
    CHECK_OK(env_check_as_of(&in, 0, D0));
    CHECK_OK(env_check_as_of(&in, 0, D0 + 1));
    CHECK_ERR("as_of after the data", env_check_as_of(&in, 0, D0 + 2), "as_of 2023-01-03 is after the last day",
              "good.nc", "2023-01-02");
    CHECK_ERR("as_of before the data", env_check_as_of(&in, 0, D0 - 400), "as_of 2021-11-27 is before the first day",
              "good.nc", "from 2023-01-01 to 2023-01-02");
    CHECK_ERR("as_of, pollutant absent", env_check_as_of(&in, 1u << 1, D0), "none of the pollutants");
    int64_t a = 0, b = 0;
    CHECK(env_input_days(&in, 1u << 2, &a, &b) == 0 && a == D0 && b == D0 + 1);
    CHECK(env_input_days(&in, 1u << 3, &a, &b) == -1);

    /* series that cannot give an answer (pm10 and no2 analysed, window D0-1 .. D0+1) */
    int pidx[2] = {0, 2};
    char warn[512];
    env_series_count_t ok2[2] = {{3, -1}, {2, -1}}, none2[2] = {{3, -1}, {0, -1}}, zero[2] = {{0, -1}, {0, -1}};
    env_series_count_t unfit[2] = {{3, 0}, {2, 0}}, somefit[2] = {{3, 1}, {2, 0}};
    CHECK_OK(env_check_series(&in, pidx, 2, ok2, 1, D0 - 1, D0 + 1, warn, sizeof warn));
    CHECK(warn[0] == 0);
    CHECK_ERR("listed pollutant without data", env_check_series(&in, pidx, 2, none2, 1, D0 - 1, D0 + 1, warn, sizeof warn),
              "pollutant 'no2': no station has a valid day from 2022-12-31 to 2023-01-02 in", "good.nc",
              "leave no2 out of [analysis] pollutants");
    CHECK_OK(env_check_series(&in, pidx, 2, none2, 0, D0 - 1, D0 + 1, warn, sizeof warn));
    CHECK_MSG(strstr(warn, "1 of 2 pollutants have no valid day from 2022-12-31 to 2023-01-02") && strstr(warn, ": no2"),
              "warning: %s", warn);
    CHECK_ERR("no pollutant with data", env_check_series(&in, pidx, 2, zero, 0, D0 - 1, D0 + 1, warn, sizeof warn),
              "no pollutant has a valid day", "(pm10, no2)");
    CHECK_ERR("nothing fitted", env_check_series(&in, pidx, 2, unfit, 1, D0 - 1, D0 + 1, warn, sizeof warn),
              "no series could be fitted from 2022-12-31 to 2023-01-02 in", "good.nc");
    CHECK_OK(env_check_series(&in, pidx, 2, somefit, 1, D0 - 1, D0 + 1, warn, sizeof warn));

    env_input_t d;
    CHECK_OK(check_file(make_file(ONLY_DAILY, "only_daily"), &d));
    CHECK(d.n_present == 1 && d.poll[0].present && !d.poll[2].present && d.first_day == D0 && d.last_day == D0 + 1);
}

static void test_env_bad(void)
{
    env_input_t in;
#define BAD(variant, ...)                                                                     \
    CHECK_ERR(#variant, check_file(make_file(variant, #variant), &in), #variant ".nc", __VA_ARGS__)
    BAD(POLL_3D, "variable 'pm10' has dimensions (station, day, level); expected (time, station), (day, station), (station, time) or (station, day)");
    BAD(POLL_CHAR, "variable 'no2' has type char; expected float or double");
    BAD(LAT_LONGER, "variable 'lat' has dimensions (station2); expected (station)");
    BAD(SID_2D, "variable 'station_id' has dimensions (station, name_strlen); expected (station)");
    BAD(NAME_32, "variable 'station_name' has strings of 32 characters (dimension 'name_strlen'); expected 64");
    BAD(NO_SID, "no variable 'station_id'");
    BAD(NO_LAT, "no variable 'lat'", "(station)");
    BAD(NO_TIME_VAR, "no variable 'time'", "(time)");
    BAD(DAY_NAN, "variable 'day' has a missing (NaN) value at index 1");
    BAD(DAY_BIG, "variable 'day' value 1000000000000 at index 1 is outside", "(1900-01-01 to 2199-12-31)");
    BAD(DAY_DEC, "variable 'day' is not strictly increasing: value 19357 (2022-12-31) at index 1 follows 19358");
    BAD(DAY_FRAC, "variable 'day' value 19358.5 at index 1 is not a whole number");
    BAD(TIME_NAN, "variable 'time' has a missing (NaN) value at index 5");
    BAD(TIME_BIG, "variable 'time' value 1000000000000 at index 5 is outside");
    BAD(TIME_DEC, "variable 'time' is not strictly increasing", "at index 5 follows");
    BAD(TIME_GAP, "variable 'time' is not a regular axis of step 1", "at index 5", "(expected 464596)");
    BAD(TIME_10KY, "variable 'time' value", "at index 47 is outside");
    BAD(TIME_UNITS, "variable 'time' attribute 'units' is 'seconds since 1970-01-01'; expected 'hours since");
    BAD(TIME_HUGE_DIM, "dimension 'time' has 1000000 entries; regia env reads at most 878400");
    BAD(QC_DIMS, "variable 'pm10_qc' has dimensions (station, time); expected (station, day)");
    BAD(LAT_RANGE, "variable 'lat' value 91 at index 1 is outside [-90, 90]");
    BAD(NO_POLL, "none of the pollutant variables");
#undef BAD
}

/* ---- the generic checks -------------------------------------------------------------- */

static void test_generic(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/generic.nc", dir);
    int ncid, dx, dn, vx, vy, vs, vc, vi, vu;
    NCX(nc_create(path, NC_NETCDF4 | NC_CLOBBER, &ncid));
    NCX(nc_def_dim(ncid, "x", 5, &dx));
    NCX(nc_def_dim(ncid, "n", 10, &dn));
    NCX(nc_def_var(ncid, "x", NC_DOUBLE, 1, &dx, &vx));       /* 0 1 2 3 4                  */
    NCX(nc_def_var(ncid, "y", NC_FLOAT, 1, &dx, &vy));        /* 1 NaN 3 2 5e3 (not sorted) */
    NCX(nc_def_var(ncid, "s", NC_DOUBLE, 0, NULL, &vs));      /* scalar                     */
    int d2[2] = {dx, dn};
    NCX(nc_def_var(ncid, "c", NC_CHAR, 2, d2, &vc));
    NCX(nc_def_var(ncid, "i", NC_INT, 1, &dx, &vi));          /* days: 1900, 1970 twice, 2150 */
    NCX(nc_def_var(ncid, "u", NC_DOUBLE, 1, &dx, &vu));
    put_att(ncid, vu, "units", "  days since 1970-01-01  ");
    NCX(nc_put_att_int(ncid, vu, "n", NC_INT, 1, &dx));
    NCX(nc_enddef(ncid));
    double x[5] = {0, 1, 2, 3, 4}, y[5] = {1, NAN, 3, 2, 5e3}, s = 7;
    int iv[5] = {(int)regia_days_from_civil(1900, 1, 1), 0, 0, 2, (int)regia_days_from_civil(2150, 1, 1)};
    NCX(nc_put_var_double(ncid, vx, x));
    NCX(nc_put_var_double(ncid, vy, y));
    NCX(nc_put_var_double(ncid, vs, &s));
    NCX(nc_put_var_int(ncid, vi, iv));
    NCX(nc_put_var_double(ncid, vu, x));
    NCX(nc_close(ncid));
    NCX(nc_open(path, NC_NOWRITE, &ncid));

    regia_ncin_var_t v;
    CHECK(regia_ncin_has_var(ncid, "x", NULL) && !regia_ncin_has_var(ncid, "nothere", NULL));
    size_t len;
    int present = -1;
    CHECK_OK(regia_ncin_dim(ncid, path, "n", 1, &len, &present));
    CHECK(len == 10 && present == 1);
    CHECK_OK(regia_ncin_dim(ncid, path, "nothere", 0, &len, &present));
    CHECK(len == 0 && present == 0);
    CHECK_ERR("required dimension", regia_ncin_dim(ncid, path, "nothere", 1, &len, NULL), "generic.nc: no dimension 'nothere'");

    /* types and layouts */
    CHECK_OK(regia_ncin_check_var(ncid, path, "c", REGIA_NCIN_CHAR, "x|x,n", &v));
    CHECK(v.layout == 1 && v.ndims == 2 && v.len[0] == 5 && v.len[1] == 10 && v.type == NC_CHAR && v.vid == vc);
    CHECK_OK(regia_ncin_check_var(ncid, path, "s", REGIA_NCIN_REAL, "", &v));
    CHECK(v.ndims == 0 && v.layout == 0);
    CHECK_OK(regia_ncin_check_var(ncid, path, "x", REGIA_NCIN_NUMERIC, " n | x ", &v));
    CHECK(v.layout == 1);
    CHECK_ERR("three layouts", regia_ncin_check_var(ncid, path, "c", REGIA_NCIN_CHAR, "x|n,x|", &v),
              "generic.nc: variable 'c' has dimensions (x, n); expected (x), (n, x) or ()");
    CHECK_ERR("scalar expected 1-D", regia_ncin_check_var(ncid, path, "s", REGIA_NCIN_REAL, "x", &v),
              "variable 's' has dimensions (); expected (x)");
    CHECK_ERR("integer type", regia_ncin_check_var(ncid, path, "x", REGIA_NCIN_INTEGER, "x", &v),
              "variable 'x' has type double; expected an integer type");
    CHECK_ERR("one type", regia_ncin_check_var(ncid, path, "y", REGIA_NCIN_TYPE(NC_DOUBLE), "x", &v),
              "variable 'y' has type float; expected double");
    CHECK_ERR("missing", regia_ncin_check_var(ncid, path, "z", REGIA_NCIN_REAL, "x", &v),
              "generic.nc: no variable 'z' (expected: float or double, dimensions (x))");
    CHECK_OK(regia_ncin_check_text(ncid, path, "c", "x,n", 10, &v));
    CHECK_OK(regia_ncin_check_text(ncid, path, "c", "x,n", 0, &v));
    CHECK_ERR("string length", regia_ncin_check_text(ncid, path, "c", "x,n", 64, &v),
              "variable 'c' has strings of 10 characters (dimension 'n'); expected 64");
    CHECK_ERR("text of a number", regia_ncin_check_text(ncid, path, "x", "x", 0, &v), "variable 'x' has type double; expected char");

    /* values */
    double a, b;
    regia_ncin_values_t axis = {.whole = 1, .step = 1, .min = 0, .max = 10, .max_len = 5};
    CHECK_OK(regia_ncin_check_var(ncid, path, "x", REGIA_NCIN_NUMERIC, "x", &v));
    CHECK_OK(regia_ncin_check_values(ncid, path, &v, &axis, &a, &b));
    CHECK(a == 0 && b == 4);
    axis.max_len = 4;
    CHECK_ERR("too long", regia_ncin_check_values(ncid, path, &v, &axis, &a, &b), "variable 'x' has 5 values; at most 4");
    axis = (regia_ncin_values_t){.step = 2};
    CHECK_ERR("step", regia_ncin_check_values(ncid, path, &v, &axis, &a, &b),
              "variable 'x' is not a regular axis of step 2: value 1 at index 1 follows 0 at index 0 (expected 2)");
    CHECK(isnan(a) && isnan(b)); /* nothing returned on error */
    CHECK_OK(regia_ncin_check_var(ncid, path, "y", REGIA_NCIN_NUMERIC, "x", &v));
    regia_ncin_values_t any = {.allow_missing = 1};
    CHECK_OK(regia_ncin_check_values(ncid, path, &v, &any, &a, &b));
    CHECK(a == 1 && b == 5e3);
    any.max = 100;
    any.min = -100;
    CHECK_ERR("range", regia_ncin_check_values(ncid, path, &v, &any, NULL, NULL),
              "variable 'y' value 5000 at index 4 is outside [-100, 100]");
    regia_ncin_values_t inc = {.increasing = 1, .allow_missing = 1};
    CHECK_ERR("NaN in an increasing axis", regia_ncin_check_values(ncid, path, &v, &inc, NULL, NULL),
              "variable 'y' has a missing (NaN) value at index 1");
    regia_ncin_values_t nonan = {0};
    CHECK_ERR("NaN", regia_ncin_check_values(ncid, path, &v, &nonan, NULL, NULL), "missing (NaN) value at index 1");
    /* a span checked on the two ends: 1900 .. 2150 in days, at most 100 years */
    CHECK_OK(regia_ncin_check_var(ncid, path, "i", REGIA_NCIN_INTEGER, "x", &v));
    regia_ncin_values_t span = {.max_span = 36600, .per_day = 1, .whole = 1};
    CHECK_ERR("span", regia_ncin_check_values(ncid, path, &v, &span, NULL, NULL),
              "variable 'i' spans 91311, from -25567 (1900-01-01) to 65744 (2150-01-01); at most 36600",
              "(250.0 years; at most 100.2)");
    regia_ncin_values_t inc2 = {.increasing = 1, .per_day = 1};
    CHECK_ERR("decreasing", regia_ncin_check_values(ncid, path, &v, &inc2, NULL, NULL),
              "variable 'i' is not strictly increasing: value 0 (1970-01-01) at index 2 follows 0 (1970-01-01) at index 1");
    CHECK_OK(regia_ncin_check_var(ncid, path, "c", REGIA_NCIN_CHAR, "x,n", &v));
    CHECK_ERR("values of text", regia_ncin_check_values(ncid, path, &v, &nonan, NULL, NULL), "variable 'c'");

    /* attributes */
    CHECK_OK(regia_ncin_check_att_text(ncid, path, vu, "u", "units", "days since 1970-01-01 00:00:00|days since 1970-01-01"));
    CHECK_ERR("attribute value", regia_ncin_check_att_text(ncid, path, vu, "u", "units", "hours since 1970-01-01|h"),
              "generic.nc: variable 'u' attribute 'units' is 'days since 1970-01-01'; expected 'hours since 1970-01-01' or 'h'");
    CHECK_ERR("attribute missing", regia_ncin_check_att_text(ncid, path, vx, "x", "units", "m"),
              "variable 'x' has no attribute 'units'; expected 'm'");
    CHECK_ERR("attribute not text", regia_ncin_check_att_text(ncid, path, vu, "u", "n", "m"),
              "variable 'u' attribute 'n' is of type int (1 values); expected the text 'm'");
    CHECK_ERR("global attribute", regia_ncin_check_att_text(ncid, path, NC_GLOBAL, NULL, "title", "t"),
              "generic.nc: the file has no attribute 'title'");
    nc_close(ncid);
}

int main(void)
{
    if (!mkdtemp(dir)) SKIP("cannot create a directory under /tmp");
    D0 = regia_days_from_civil(2023, 1, 1);
    test_generic();
    test_env_good();
    test_env_bad();
    int rc = check_done();
    if (rc == 0) { /* keep the files of a failed run to look at */
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return rc;
}
