/* Shared NetCDF pieces of the outputs (see regia/ncio.h). */
#include <math.h>
#include <mpi.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdio.h>
#include <string.h>

#include "regia/io.h"
#include "regia/ncio.h"

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

regia_status_t regia_nc_def_stations(int ncid, int d_station, int d_name_strlen, regia_nc_station_vars_t *v)
{
    regia_status_t st = REGIA_OK;
    int d2[2] = {d_station, d_name_strlen};
    REGIA_NC(nc_def_var(ncid, "station_id", NC_INT, 1, &d_station, &v->id));
    ATT(v->id, "cf_role", "timeseries_id");
    ATT(v->id, "long_name", "station identifier");
    ATT(v->id, "coverage_content_type", "auxiliaryInformation");
    REGIA_NC(nc_def_var(ncid, "station_name", NC_CHAR, 2, d2, &v->name));
    ATT(v->name, "long_name", "station name");
    ATT(v->name, "coverage_content_type", "auxiliaryInformation");
    REGIA_NC(nc_def_var(ncid, "lat", NC_DOUBLE, 1, &d_station, &v->lat));
    ATT(v->lat, "standard_name", "latitude");
    ATT(v->lat, "long_name", "station latitude");
    ATT(v->lat, "units", "degrees_north");
    ATT(v->lat, "coverage_content_type", "coordinate");
    REGIA_NC(nc_def_var(ncid, "lon", NC_DOUBLE, 1, &d_station, &v->lon));
    ATT(v->lon, "standard_name", "longitude");
    ATT(v->lon, "long_name", "station longitude");
    ATT(v->lon, "units", "degrees_east");
    ATT(v->lon, "coverage_content_type", "coordinate");
    REGIA_NC(nc_def_var(ncid, "alt", NC_DOUBLE, 1, &d_station, &v->alt));
    ATT(v->alt, "standard_name", "altitude");
    ATT(v->alt, "long_name", "station altitude above mean sea level");
    ATT(v->alt, "units", "m");
    ATT(v->alt, "positive", "up");
    ATT(v->alt, "axis", "Z");
    ATT(v->alt, "coverage_content_type", "coordinate");
err:
    return st;
}

regia_status_t regia_nc_station_sources(int ncid, const regia_nc_station_vars_t *v, const char *provider,
                                        const char *id_col, const char *name_col, const char *alt_col)
{
    regia_status_t st = REGIA_OK;
    char text[512];
    const char *col[3] = {id_col, name_col, alt_col};
    const char *what[3] = {"station identifier", "station name", "station altitude above mean sea level"};
    const int vid[3] = {v->id, v->name, v->alt};
    for (int i = 0; i < 3; i++) {
        if (!col[i]) continue;
        snprintf(text, sizeof text, "%s %s (%s)", provider, what[i], col[i]);
        ATT(vid[i], "long_name", text);
    }
err:
    return st;
}

regia_status_t regia_nc_def_data(int ncid, const char *name, nc_type type, int nd, const int *dims,
                                 const size_t *chunk, int *vid)
{
    regia_status_t st = REGIA_OK;
    REGIA_NC(nc_def_var(ncid, name, type, nd, dims, vid));
    if (chunk) {
        REGIA_NC(nc_def_var_chunking(ncid, *vid, NC_CHUNKED, chunk));
        REGIA_NC(nc_def_var_deflate(ncid, *vid, 1, 1, 1));
    }
    if (type == NC_FLOAT) {
        float fill = NAN;
        REGIA_NC(nc_put_att_float(ncid, *vid, "_FillValue", NC_FLOAT, 1, &fill));
    } else if (type == NC_DOUBLE) {
        double fill = NAN;
        REGIA_NC(nc_put_att_double(ncid, *vid, "_FillValue", NC_DOUBLE, 1, &fill));
    }
err:
    return st;
}

regia_status_t regia_nc_put_rows(int ncid, int vid, int nd, int64_t s0, int64_t ns, const size_t *inner, nc_type t,
                                 const void *data)
{
    regia_status_t st = REGIA_OK;
    size_t start[6] = {ns ? (size_t)s0 : 0, 0, 0, 0, 0, 0}, count[6] = {(size_t)ns, 0, 0, 0, 0, 0};
    if (nd < 1 || nd > 6) return REGIA_FAIL(REGIA_ERR_INVALID, "regia_nc_put_rows: %d dimensions", nd);
    for (int i = 1; i < nd; i++) count[i] = ns ? inner[i - 1] : 0;
    REGIA_NC(nc_var_par_access(ncid, vid, NC_COLLECTIVE));
    switch (t) {
    case NC_FLOAT: REGIA_NC(nc_put_vara_float(ncid, vid, start, count, data)); break;
    case NC_DOUBLE: REGIA_NC(nc_put_vara_double(ncid, vid, start, count, data)); break;
    case NC_INT: REGIA_NC(nc_put_vara_int(ncid, vid, start, count, data)); break;
    case NC_CHAR: REGIA_NC(nc_put_vara_text(ncid, vid, start, count, data)); break;
    case NC_BYTE: REGIA_NC(nc_put_vara_schar(ncid, vid, start, count, data)); break;
    case NC_SHORT: REGIA_NC(nc_put_vara_short(ncid, vid, start, count, data)); break;
    case NC_INT64: REGIA_NC(nc_put_vara_longlong(ncid, vid, start, count, data)); break;
    default: return REGIA_FAIL(REGIA_ERR_INVALID, "regia_nc_put_rows: unsupported type %d", (int)t);
    }
err:
    return st;
}
