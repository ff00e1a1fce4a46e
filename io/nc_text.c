/* Per-item text of NetCDF variables along a dimension (see io/nc_text_impl.h). */
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nc_text_impl.h"

int regia_nc_is_text(int ncid, int varid, int dimid)
{
    nc_type t;
    int nd, dims[NC_MAX_VAR_DIMS];
    if (nc_inq_vartype(ncid, varid, &t) || nc_inq_varndims(ncid, varid, &nd) || nd > NC_MAX_VAR_DIMS ||
        nc_inq_vardimid(ncid, varid, dims))
        return 0;
    if (t == NC_CHAR) return nd == 2 && dims[0] == dimid && dims[1] != dimid;
    if (t == NC_STRING) return nd == 1 && dims[0] == dimid;
    return 0;
}

void regia_nc_text_free(char **s, size_t n)
{
    if (!s) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

regia_status_t regia_nc_read_text(int ncid, int varid, int dimid, const char *file, char ***out, size_t *n_out)
{
    regia_status_t st = REGIA_OK;
    char name[NC_MAX_NAME + 1] = "?", dname[NC_MAX_NAME + 1] = "?";
    char **s = NULL, *chars = NULL, **strs = NULL;
    size_t n = 0, len = 0;
    nc_type t = NC_NAT;
    int rc, dims[NC_MAX_VAR_DIMS];
    *out = NULL;
    *n_out = 0;
    nc_inq_varname(ncid, varid, name);
    nc_inq_dimname(ncid, dimid, dname);
    if (!regia_nc_is_text(ncid, varid, dimid)) {
        st = REGIA_FAIL(REGIA_ERR_INVALID,
                        "%s: variable '%s' is not text along '%s': expected char %s(%s, STRLEN) or string %s(%s); "
                        "name a text variable along the dimension",
                        file, name, dname, name, dname, name, dname);
        goto err;
    }
    nc_inq_vartype(ncid, varid, &t);
    nc_inq_vardimid(ncid, varid, dims);
    if ((rc = nc_inq_dimlen(ncid, dimid, &n))) {
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: dimension '%s': %s", file, dname, nc_strerror(rc));
        goto err;
    }
    s = calloc(n ? n : 1, sizeof *s);
    if (!s) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: reading '%s': out of memory", file, name); goto err; }
    if (t == NC_CHAR) {
        if ((rc = nc_inq_dimlen(ncid, dims[1], &len))) {
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: variable '%s': %s", file, name, nc_strerror(rc));
            goto err;
        }
        chars = malloc(n * len + 1);
        if (!chars) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: reading '%s': out of memory", file, name); goto err; }
        if (n > 0 && len > 0 && (rc = nc_get_var_text(ncid, varid, chars))) {
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading variable '%s': %s", file, name, nc_strerror(rc));
            goto err;
        }
        for (size_t i = 0; i < n; i++) {
            const char *p = chars + i * len;
            size_t k = strnlen(p, len);
            while (k && p[k - 1] == ' ') k--;
            if (!(s[i] = malloc(k + 1))) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: reading '%s': out of memory", file, name); goto err; }
            memcpy(s[i], p, k);
            s[i][k] = 0;
        }
    } else {
        strs = calloc(n ? n : 1, sizeof *strs);
        if (!strs) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: reading '%s': out of memory", file, name); goto err; }
        if (n && (rc = nc_get_var_string(ncid, varid, strs))) {
            free(strs);
            strs = NULL;
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading variable '%s': %s", file, name, nc_strerror(rc));
            goto err;
        }
        for (size_t i = 0; i < n; i++) {
            const char *p = strs[i] ? strs[i] : "";
            size_t k = strlen(p);
            while (k && p[k - 1] == ' ') k--;
            if (!(s[i] = malloc(k + 1))) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: reading '%s': out of memory", file, name); goto err; }
            memcpy(s[i], p, k);
            s[i][k] = 0;
        }
    }
    *out = s;
    *n_out = n;
    s = NULL;
err:
    if (strs) {
        nc_free_string(n, strs);
        free(strs);
    }
    free(chars);
    regia_nc_text_free(s, n);
    return st;
}

void regia_nc_shortest(double x, int single, char *buf, size_t cap)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, cap, "%.*g", p, x);
        double y = strtod(buf, NULL);
        if (single ? (float)y == (float)x : y == x) return;
    }
}

void regia_nc_names(int ncid, char what, char *buf, size_t cap)
{
    int n = 0, *ids = NULL;
    size_t used = 0;
    buf[0] = 0;
    if (what == 'd' ? nc_inq_dimids(ncid, &n, NULL, 0) : nc_inq_varids(ncid, &n, NULL)) return;
    if (n <= 0 || !(ids = malloc((size_t)n * sizeof *ids))) return;
    if (what == 'd' ? nc_inq_dimids(ncid, &n, ids, 0) : nc_inq_varids(ncid, &n, ids)) n = 0;
    for (int i = 0; i < n && used + 1 < cap; i++) {
        char nm[NC_MAX_NAME + 1] = "?";
        if (what == 'd') nc_inq_dimname(ncid, ids[i], nm);
        else nc_inq_varname(ncid, ids[i], nm);
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", nm);
        if (w < 0) break;
        used += (size_t)w;
    }
    if (used >= cap && cap > 4) memcpy(buf + cap - 4, "...", 4);
    free(ids);
}
