/* Points GDAL reads: one CSV row per item of a NetCDF output (see regia/extract.h). */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "nc_text_impl.h"
#include "regia/extract.h"
#include "regia/io.h"
#include "regia/table.h"

/* One column: a text variable (text) or a numeric one (num, with its fill). */
typedef struct {
    char name[NC_MAX_NAME + 1];
    char **text;
    double *num;
    int integer;      /* an integer type: written without decimals (1; 2: 64-bit) */
    int single;       /* float: the shortest text that reads back as the same float */
    int has_fill;
    double fill, missing;
    int has_missing;
} column_t;

static int is_integer(nc_type t)
{
    return t == NC_BYTE || t == NC_UBYTE || t == NC_SHORT || t == NC_USHORT || t == NC_INT || t == NC_UINT ||
           t == NC_INT64 || t == NC_UINT64;
}

/* The default fill value of a numeric type (what an unwritten value reads as). */
static double default_fill(nc_type t)
{
    switch (t) {
    case NC_BYTE: return NC_FILL_BYTE;
    case NC_UBYTE: return NC_FILL_UBYTE;
    case NC_SHORT: return NC_FILL_SHORT;
    case NC_USHORT: return NC_FILL_USHORT;
    case NC_INT: return NC_FILL_INT;
    case NC_UINT: return NC_FILL_UINT;
    case NC_INT64: return (double)NC_FILL_INT64;
    case NC_UINT64: return (double)NC_FILL_UINT64;
    case NC_FLOAT: return NC_FILL_FLOAT;
    default: return NC_FILL_DOUBLE;
    }
}

static int missing(const column_t *c, double x)
{
    return isnan(x) || (c->has_fill && x == c->fill) || (c->has_missing && x == c->missing);
}

/* The 1-D numeric root variable along dimid with this standard_name, else one of names. */
static int axis_var(int ncid, int dimid, const int *ids, int nv, const char *standard_name, const char *n1, const char *n2)
{
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nv; i++) {
            int nd, d;
            nc_type t;
            char nm[NC_MAX_NAME + 1], sn[256];
            size_t sl;
            if (nc_inq_var(ncid, ids[i], nm, &t, &nd, NULL, NULL) || nd != 1 || t == NC_CHAR || t == NC_STRING) continue;
            if (nc_inq_vardimid(ncid, ids[i], &d) || d != dimid) continue;
            if (pass == 1) {
                if (strcmp(nm, n1) == 0 || strcmp(nm, n2) == 0) return ids[i];
                continue;
            }
            if (nc_inq_attlen(ncid, ids[i], "standard_name", &sl) || sl >= sizeof sn ||
                nc_get_att_text(ncid, ids[i], "standard_name", sn))
                continue;
            sn[sl] = 0;
            if (strcmp(sn, standard_name) == 0) return ids[i];
        }
    return -1;
}

static regia_status_t read_num(int ncid, int varid, const char *file, size_t n, column_t *c)
{
    nc_type t;
    int rc;
    if ((rc = nc_inq_vartype(ncid, varid, &t)))
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: variable '%s': %s", file, c->name, nc_strerror(rc));
    c->single = t == NC_FLOAT;
    c->integer = is_integer(t) ? (t == NC_INT64 || t == NC_UINT64 || t == NC_UINT ? 2 : 1) : 0;
    if (!(c->num = malloc((n ? n : 1) * sizeof *c->num)))
        return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: reading '%s': out of memory", file, c->name);
    if (n && (rc = nc_get_var_double(ncid, varid, c->num)))
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading variable '%s': %s", file, c->name, nc_strerror(rc));
    int no_fill = 0;
    c->has_fill = 1;
    if (nc_get_att_double(ncid, varid, "_FillValue", &c->fill) != NC_NOERR) {
        c->fill = default_fill(t);
        if (nc_inq_var_fill(ncid, varid, &no_fill, NULL) == NC_NOERR && no_fill) c->has_fill = 0;
    }
    c->has_missing = nc_get_att_double(ncid, varid, "missing_value", &c->missing) == NC_NOERR;
    return REGIA_OK;
}

/* WGS 84 longitude/latitude, as the ESRI-style WKT GDAL reads from a .prj */
static const char WGS84_PRJ[] =
    "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],"
    "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

/* STEM + suffix, where STEM is csv_path without a trailing ".csv" */
static void sidecar(const char *csv_path, const char *suffix, char *buf, size_t cap)
{
    size_t n = strlen(csv_path);
    if (n >= 4 && strcasecmp(csv_path + n - 4, ".csv") == 0) n -= 4;
    snprintf(buf, cap, "%.*s%s", (int)n, csv_path, suffix);
}

regia_status_t regia_points_csv(const char *nc_path, const char *dim, const char *csv_path)
{
    regia_status_t st = REGIA_OK;
    const char *file = regia_file_name(nc_path);
    int ncid = -1, dimid, nv = 0, *ids = NULL, rc, ncol = 0, lat, lon;
    size_t n = 0;
    column_t *cols = NULL, *clat = NULL, *clon = NULL;
    const char **names = NULL;
    regia_table_t *t = NULL;
    char have[1024], csvt[4096], prj[4096], *types = NULL;
    int wrote_sidecars = 0;
    size_t tcap = 0, tl = 0;
    if ((rc = nc_open(nc_path, NC_NOWRITE, &ncid))) {
        ncid = -1;
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", nc_path, nc_strerror(rc));
        goto err;
    }
    if (!dim || !*dim || nc_inq_dimid(ncid, dim, &dimid) != NC_NOERR) {
        regia_nc_names(ncid, 'd', have, sizeof have);
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no dimension '%s' (the file has: %s); name the output's item dimension",
                        file, dim ? dim : "", have);
        goto err;
    }
    if ((rc = nc_inq_dimlen(ncid, dimid, &n)) || (rc = nc_inq_varids(ncid, &nv, NULL))) {
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s", file, nc_strerror(rc));
        goto err;
    }
    ids = malloc(((size_t)nv + 1) * sizeof *ids);
    cols = calloc((size_t)nv + 1, sizeof *cols);
    names = calloc((size_t)nv + 2, sizeof *names);
    if (!ids || !cols || !names) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: points: out of memory", file); goto err; }
    if ((rc = nc_inq_varids(ncid, &nv, ids))) {
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s", file, nc_strerror(rc));
        goto err;
    }
    lat = axis_var(ncid, dimid, ids, nv, "latitude", "lat", "latitude");
    lon = axis_var(ncid, dimid, ids, nv, "longitude", "lon", "longitude");
    if (lat < 0 || lon < 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID,
                        "%s: no %s variable along '%s' (a 1-D variable with standard_name %s, or named %s): "
                        "points need both longitude and latitude",
                        file, lat < 0 ? "latitude" : "longitude", dim, lat < 0 ? "latitude" : "longitude",
                        lat < 0 ? "lat" : "lon");
        goto err;
    }
    /* the columns: every variable along dim alone, or a char array (dim, STRLEN) */
    for (int i = 0; i < nv; i++) {
        int nd, d[2];
        nc_type ty;
        column_t *c = &cols[ncol];
        if (nc_inq_var(ncid, ids[i], c->name, &ty, &nd, NULL, NULL) || nd < 1 || nd > 2) continue;
        if (nc_inq_vardimid(ncid, ids[i], d) || d[0] != dimid) continue;
        if (regia_nc_is_text(ncid, ids[i], dimid)) {
            size_t got;
            REGIA_TRY(regia_nc_read_text(ncid, ids[i], dimid, file, &c->text, &got));
        } else if (nd == 1 && ty != NC_CHAR && ty <= NC_STRING) {
            REGIA_TRY(read_num(ncid, ids[i], file, n, c));
        } else {
            continue;
        }
        if (ids[i] == lat) clat = c;
        if (ids[i] == lon) clon = c;
        ncol++;
    }
    /* the column types (GDAL's .csvt: lon and lat make the Point geometry) and the CRS */
    names[0] = "geometry_wkt";
    tcap = 32 + (size_t)ncol * 16;
    if (!(types = malloc(tcap))) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: points: out of memory", file); goto err; }
    tl += (size_t)snprintf(types, tcap, "String");
    for (int k = 0; k < ncol; k++) {
        const column_t *c = &cols[k];
        names[k + 1] = c->name;
        const char *ty = c == clon ? "CoordX" : c == clat ? "CoordY" : c->text ? "String"
                         : c->integer == 2 ? "Integer64" : c->integer ? "Integer" : "Real";
        tl += (size_t)snprintf(types + tl, tcap - tl, ",%s", ty);
    }
    tl += (size_t)snprintf(types + tl, tcap - tl, "\r\n");
    sidecar(csv_path, ".csvt", csvt, sizeof csvt);
    sidecar(csv_path, ".prj", prj, sizeof prj);
    REGIA_TRY(regia_atomic_write(csvt, types, tl));
    wrote_sidecars = 1;
    REGIA_TRY(regia_atomic_write(prj, WGS84_PRJ, strlen(WGS84_PRJ)));
    REGIA_TRY(regia_table_open(&t, csv_path, names, ncol + 1));
    for (size_t i = 0; i < n; i++) {
        char wkt[96] = "";
        if (!missing(clon, clon->num[i]) && !missing(clat, clat->num[i]))
        {
            char x[40], y[40];
            regia_nc_shortest(clon->num[i], clon->single, x, sizeof x);
            regia_nc_shortest(clat->num[i], clat->single, y, sizeof y);
            snprintf(wkt, sizeof wkt, "POINT (%s %s)", x, y);
        }
        regia_table_str(t, wkt);
        for (int k = 0; k < ncol; k++) {
            const column_t *c = &cols[k];
            if (c->text) regia_table_str(t, c->text[i]);
            else if (missing(c, c->num[i])) regia_table_str(t, NULL);
            else if (c->integer) regia_table_int(t, (long long)c->num[i]);
            else {
                char num[40];
                regia_nc_shortest(c->num[i], c->single, num, sizeof num);
                regia_table_str(t, num);
            }
        }
        REGIA_TRY(regia_table_end_row(t));
    }
    st = regia_table_close(t);
    t = NULL;
    if (st == REGIA_OK) wrote_sidecars = 0;
err:
    if (wrote_sidecars) {
        unlink(csvt);
        unlink(prj);
    }
    free(types);
    regia_table_abort(t);
    if (ncid >= 0) nc_close(ncid);
    if (cols)
        for (int k = 0; k < nv; k++) {
            regia_nc_text_free(cols[k].text, n);
            free(cols[k].num);
        }
    free(cols);
    free(names);
    free(ids);
    return st;
}
