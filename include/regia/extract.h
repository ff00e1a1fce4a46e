/* regia/extract.h - per-region extracts of an output and points GDAL reads (issue 12).
 *
 * An output holds many items along one dimension (env: stations along "station", with the
 * province of each in the variable "province").  A region's office wants its own items:
 *   regia_nc_regions  lists the distinct region names and, for each, its items' indices;
 *   regia_nc_extract  writes a NetCDF copy of the output with only those items along the
 *                     dimension (everything else as it is: groups, variables, attributes,
 *                     compression, chunking, fill values, other dimensions);
 *   regia_points_csv  writes a CSV with one row per item (a WKT "POINT (lon lat)" column and
 *                     every 1-D variable along the dimension) and its .csvt/.prj, which
 *                     GDAL reads as points.
 *
 * All three read the file with serial netCDF-C (nc_open NC_NOWRITE): call them on a closed
 * file, from one rank.  None is collective; none uses MPI.  Errors name the file, the
 * dimension or variable and say what to do (regia_error_msg()).
 */
#ifndef REGIA_EXTRACT_H
#define REGIA_EXTRACT_H

#include <stddef.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One region: its name as stored in the file (trailing blanks and NULs of a char array
 * removed) and the indices of its items along the dimension, ascending. */
typedef struct {
    char *name;
    size_t n_items;
    size_t *items;
} regia_nc_region_t;

typedef struct {
    size_t dim_len;             /* the dimension's length in the file                       */
    size_t n_unassigned;        /* items whose region name is empty (in no region)          */
    int n;                      /* number of distinct regions                               */
    regia_nc_region_t *region;  /* n regions, in the order of their first item along dim    */
} regia_nc_regions_t;

/* The distinct values of the root-group variable `var` along the root-group dimension
 * `dim` of the NetCDF file `path`, with the items of each.  `var` is text: either a char
 * array (dim, STRLEN) such as province(station, name_strlen), or an NC_STRING variable
 * (dim).  Names are compared exactly (case and accents kept).  *out is filled (zeroed
 * first) and is the caller's: free it with regia_nc_regions_free, also after an error.
 * Errors: no such file, dimension or variable (the message lists the file's), a variable
 * that is not text or not along dim. */
regia_status_t regia_nc_regions(const char *path, const char *dim, const char *var, regia_nc_regions_t *out);

/* Free what regia_nc_regions filled (r may be zeroed or NULL); r is zeroed after. */
void regia_nc_regions_free(regia_nc_regions_t *r);

/* Write out_path: a copy of in_path with only the items `items[0..n_items-1]` (indices
 * along the root-group dimension `dim`, distinct, in this order in the copy) along `dim`,
 * in every group and variable that uses it.  Everything else is copied as it is: groups,
 * dimensions (unlimited ones stay unlimited; other dimensions keep their lengths), types
 * (atomic and NC_STRING; char arrays), variables, attributes, fill values, deflate,
 * shuffle, fletcher32, endianness, chunking (a chunk along dim is cut to the new length)
 * and the file format.  Global attributes: geospatial_lat_min/max and geospatial_lon_min/
 * max (those the source has) are recomputed from the 1-D latitude and longitude variables
 * along dim (standard_name latitude/longitude), when there are such; new attributes
 * regia_extract_of (the source's file name, no directories), regia_extract_of_sha256 (its
 * SHA-256), regia_extract_dim (dim) and regia_region (region_name; NULL or "": not
 * written); a line is appended to history.
 * Index variables: a signed integer variable (byte, short, int, int64; along any
 * dimensions) whose attribute regia_index_dim names `dim` holds 0-based indices along
 * dim (-1 = none): each value becomes that item's position in the copy, -1 when the item
 * is not kept; -1 and the fill value stay.  An error when such a variable is not a signed
 * integer or holds any other value.
 * The copy is written under a temporary name beside out_path and renamed over it only
 * when complete (an error leaves no file under either name; an old out_path is kept).
 * Errors: no such dimension (the message lists the file's), n_items = 0, an index out of
 * range or given twice, out_path naming in_path, a user-defined type (compound, enum,
 * vlen, opaque: not supported, named). */
regia_status_t regia_nc_extract(const char *in_path, const char *out_path, const char *dim,
                                const size_t *items, size_t n_items, const char *region_name);

/* Write csv_path (regia/table.h: UTF-8 with BOM, CRLF, written under a temporary name):
 * one row per item along the root-group dimension `dim` of nc_path, and beside it the two
 * files GDAL reads with a CSV: STEM.csvt (the column types: Integer, Integer64, Real,
 * String, and CoordX/CoordY for longitude/latitude, which make the layer's geometry
 * Point) and STEM.prj (WGS 84), STEM being csv_path without ".csv" (points.csv ->
 * points.csvt, points.prj).  A caller registering products registers all three.
 * Columns: "geometry_wkt" ("POINT (lon lat)", empty when either is missing; not named
 * "WKT", which GDAL would take as a geometry of unknown type), then every root-group
 * variable whose only dimension is dim (numbers, NC_STRING) or whose dimensions are
 * (dim, STRLEN) with type char (text), in the file's order, named as the variable.  The
 * longitude and latitude are the 1-D variables along dim with standard_name longitude
 * and latitude (else named lon/longitude, lat/latitude).  Numbers are written with the
 * fewest digits that read back as the same value; fill values and NaN are empty cells.
 * `ogrinfo -al -so FILE.csv` says "Geometry: Point", one feature per item.
 * Errors: no such dimension (the message lists the file's), no longitude or latitude
 * variable along dim.  On error the files this call wrote are removed (an older CSV
 * under csv_path is kept). */
regia_status_t regia_points_csv(const char *nc_path, const char *dim, const char *csv_path);

#ifdef __cplusplus
}
#endif

#endif
