/* generic_products.c - reading helpers and file registration for the products hooks of the
 * generic tools (generic_products.h).  Not collective, no MPI.
 */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generic_products.h"

regia_status_t gp_dim(int ncid, const char *path, const char *name, size_t *len)
{
    int id, rc = nc_inq_dimid(ncid, name, &id);
    if (rc == NC_NOERR) rc = nc_inq_dimlen(ncid, id, len);
    if (rc != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no dimension '%s' (%s): not an output of this version of regia; "
                          "make it again", path, name, nc_strerror(rc));
    return REGIA_OK;
}

int gp_has(int ncid, const char *name)
{
    int vid;
    return nc_inq_varid(ncid, name, &vid) == NC_NOERR;
}

void gp_att_text(int ncid, int vid, const char *att, char *buf, size_t cap)
{
    size_t n = 0;
    nc_type t;
    buf[0] = '\0';
    if (nc_inq_att(ncid, vid, att, &t, &n) != NC_NOERR || t != NC_CHAR || n + 1 > cap) return;
    if (nc_get_att_text(ncid, vid, att, buf) != NC_NOERR) n = 0;
    buf[n] = '\0';
}

/* The variable's dimension names, blank-separated, its value count, its dimension lengths. */
static regia_status_t var_shape(int ncid, const char *path, const char *name, int *vid, char *dims, size_t cap,
                                size_t *n, size_t *len, int *nd)
{
    regia_status_t st = REGIA_OK;
    int ids[NC_MAX_VAR_DIMS];
    if (nc_inq_varid(ncid, name, vid) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no variable '%s': not an output of this version of regia; make it "
                          "again", path, name);
    REGIA_NC(nc_inq_varndims(ncid, *vid, nd));
    REGIA_NC(nc_inq_vardimid(ncid, *vid, ids));
    dims[0] = '\0';
    *n = 1;
    for (int i = 0; i < *nd; i++) {
        char dn[NC_MAX_NAME + 1];
        REGIA_NC(nc_inq_dimname(ncid, ids[i], dn));
        REGIA_NC(nc_inq_dimlen(ncid, ids[i], &len[i]));
        snprintf(dims + strlen(dims), cap - strlen(dims), "%s%s", i ? " " : "", dn);
        *n *= len[i];
    }
err:
    return st;
}

/* The id and value count of variable `name`, whose dimensions must be `dims` (gp_var). */
static regia_status_t var_expect(int ncid, const char *path, const char *name, const char *dims, int *vid, size_t *n)
{
    regia_status_t st;
    int nd;
    size_t len[NC_MAX_VAR_DIMS];
    char got[512];
    if ((st = var_shape(ncid, path, name, vid, got, sizeof got, n, len, &nd))) return st;
    if (strcmp(got, dims) != 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has dimensions (%s); expected (%s): not an output of "
                          "this version of regia; make it again", path, name, got, dims);
    return REGIA_OK;
}

regia_status_t gp_var(int ncid, const char *path, const char *name, const char *dims, int *vid)
{
    size_t n;
    return var_expect(ncid, path, name, dims, vid, &n);
}

regia_status_t gp_read(int ncid, const char *path, const char *name, const char *dims, double **out)
{
    regia_status_t st = REGIA_OK;
    int vid;
    size_t n;
    double *v = NULL;
    *out = NULL;
    if ((st = var_expect(ncid, path, name, dims, &vid, &n))) return st;
    v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for variable '%s' (%zu values)", path, name, n);
    if (n) REGIA_NC(nc_get_var_double(ncid, vid, v));
    double fill;
    if (nc_get_att_double(ncid, vid, "_FillValue", &fill) == NC_NOERR && !isnan(fill))
        for (size_t i = 0; i < n; i++)
            if (v[i] == fill) v[i] = NAN;
    *out = v;
    v = NULL;
err:
    if (st) regia_error_prefix("%s: reading '%s': ", path, name);
    free(v);
    return st;
}

regia_status_t gp_read_item_first(int ncid, const char *path, const char *name, const char *dims, double **out)
{
    regia_status_t st = REGIA_OK;
    int vid, nd;
    size_t n, len[NC_MAX_VAR_DIMS];
    char got[512];
    double *t = NULL;
    REGIA_TRY(gp_read(ncid, path, name, dims, out));
    REGIA_TRY(var_shape(ncid, path, name, &vid, got, sizeof got, &n, len, &nd));
    if (nd != 2) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has %d dimensions; expected 2", path, name, nd);
        goto err;
    }
    t = malloc((n ? n : 1) * sizeof *t);
    if (!t) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for variable '%s' (%zu values)", path, name, n);
        goto err;
    }
    for (size_t a = 0; a < len[0]; a++)
        for (size_t i = 0; i < len[1]; i++) t[i * len[0] + a] = (*out)[a * len[1] + i];
    free(*out);
    *out = t;
    t = NULL;
err:
    if (st) {
        free(*out);
        *out = NULL;
    }
    free(t);
    return st;
}

regia_status_t gp_read_text(int ncid, const char *path, const char *name, size_t *n, char ***out)
{
    regia_status_t st = REGIA_OK;
    int vid, nd;
    size_t cnt, len[NC_MAX_VAR_DIMS];
    char got[512], *raw = NULL, **s = NULL;
    *out = NULL;
    *n = 0;
    if ((st = var_shape(ncid, path, name, &vid, got, sizeof got, &cnt, len, &nd))) return st;
    if (nd != 2)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has dimensions (%s); expected (items, strlen)", path,
                          name, got);
    const size_t rows = len[0], w = len[1];
    raw = calloc(rows * w + 1, 1);
    s = malloc(rows * sizeof *s + rows * (w + 1) + 1);
    if (!raw || !s) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for '%s'", path, name); goto err; }
    if (rows > 0 && w > 0) REGIA_NC(nc_get_var_text(ncid, vid, raw));
    char *text = (char *)(s + rows);
    for (size_t i = 0; i < rows; i++) {
        s[i] = text + i * (w + 1);
        memcpy(s[i], raw + i * w, w);
        s[i][w] = '\0';
    }
    *out = s;
    *n = rows;
    s = NULL;
err:
    free(raw);
    free(s);
    return st;
}

regia_status_t gp_table_open(regia_products_t *p, const char *file, const char *const *cols, int ncol,
                             regia_table_t **t)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", p->dir, file);
    return regia_table_open(t, path, cols, ncol);
}

regia_status_t gp_table_close(regia_products_t *p, regia_table_t *t, const char *file, const char *role,
                              const char *title)
{
    regia_status_t st = regia_table_close(t);
    if (st) return st;
    return p->add(p, file, role, title);
}

regia_status_t gp_fig_save(regia_products_t *p, regia_fig_t *fig, const char *stem, const char *title)
{
    regia_status_t st = REGIA_OK;
    char path[4400], file[512];
    snprintf(path, sizeof path, "%s/%s", p->dir, stem);
    REGIA_TRY(regia_fig_save(fig, path));
    snprintf(file, sizeof file, "%s.png", stem);
    REGIA_TRY(p->add(p, file, "quicklook", title));
    snprintf(file, sizeof file, "%s.svg", stem);
    REGIA_TRY(p->add(p, file, "quicklook-svg", title));
err:
    return st;
}

static const double *order_v;

static int cmp_desc(const void *a, const void *b)
{
    double x = order_v[*(const size_t *)a], y = order_v[*(const size_t *)b];
    if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
    if (x != y) return x > y ? -1 : 1;
    return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

regia_status_t gp_order_desc(const double *v, size_t n, size_t **idx)
{
    size_t *o = malloc((n ? n : 1) * sizeof *o);
    if (!o) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory ordering %zu items", n);
    for (size_t i = 0; i < n; i++) o[i] = i;
    order_v = v; /* rank 0 of the products step only: one call at a time */
    qsort(o, n, sizeof *o, cmp_desc);
    order_v = NULL;
    *idx = o;
    return REGIA_OK;
}
