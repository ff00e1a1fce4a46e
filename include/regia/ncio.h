/* regia/ncio.h - NetCDF pieces every station or series output shares.
 * Host-only; collective where it says so (parallel NetCDF-4 files opened by nc_create_par). */
#ifndef REGIA_NCIO_H
#define REGIA_NCIO_H

#include <netcdf.h>
#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The station metadata variables of a CF timeSeries file (define mode, collective):
 * station_id(station) int with cf_role timeseries_id, station_name(station, name_strlen),
 * lat, lon, alt(station) with their standard names, units and coverage_content_type.
 * Long names are the provider's neutral ones; regia_nc_station_sources names the provider's
 * columns in them. */
typedef struct {
    int id, name, lat, lon, alt;
} regia_nc_station_vars_t;
regia_status_t regia_nc_def_stations(int ncid, int d_station, int d_name_strlen, regia_nc_station_vars_t *v);

/* Define mode, collective.  Name the data provider and its registry columns in the long
 * names of station_id, station_name and alt (e.g. "ARPA", "Idstazione", "NomeStazione",
 * "Quota": "ARPA station identifier (Idstazione)"); a NULL column leaves that name. */
regia_status_t regia_nc_station_sources(int ncid, const regia_nc_station_vars_t *v, const char *provider,
                                        const char *id_col, const char *name_col, const char *alt_col);

/* Define a data variable (define mode, collective): chunked as `chunk` and deflated
 * (level 1, shuffle) when chunk is not NULL, contiguous otherwise; float and double
 * variables get _FillValue = NaN. */
regia_status_t regia_nc_def_data(int ncid, const char *name, nc_type type, int nd, const int *dims,
                                 const size_t *chunk, int *vid);

/* Collective.  Write rows [s0, s0 + ns) of a variable whose first dimension is the
 * station or series one; `inner` gives the lengths of its other dimensions (nd - 1 of
 * them, nd <= 6).  A rank with nothing to write passes ns = 0 and still takes part.
 * t: NC_FLOAT, NC_DOUBLE, NC_INT, NC_CHAR, NC_BYTE (signed char), NC_SHORT or NC_INT64
 * (long long). */
regia_status_t regia_nc_put_rows(int ncid, int vid, int nd, int64_t s0, int64_t ns, const size_t *inner, nc_type t,
                                 const void *data);

#ifdef __cplusplus
}
#endif
#endif
