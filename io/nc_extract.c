/* Per-region extracts of a NetCDF output (see regia/extract.h): the regions of the items
 * along a dimension, and a copy of the file with only some items along it. */
#include <math.h>
#include <netcdf.h>
#include <netcdf_filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nc_text_impl.h"
#include "regia/extract.h"
#include "regia/io.h"

enum { BLOCK_BYTES = 32 << 20 }; /* the most one read/write of the copy holds */

/* In functions with `st`, `rc`, `e` (ex_t *) and `where` (the group or variable): a failed
 * netCDF call or allocation records the error and jumps to the function's one label. */
#define NC_TRY(call, what)                                                                          \
    do {                                                                                            \
        if ((rc = (call)) != NC_NOERR) {                                                            \
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: %s: %s", e->file, where, (what), nc_strerror(rc)); \
            goto err;                                                                               \
        }                                                                                           \
    } while (0)
#define ALLOC_TRY(ok)                                                                   \
    do {                                                                                \
        if (!(ok)) {                                                                    \
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: %s: out of memory", e->file, where); \
            goto err;                                                                   \
        }                                                                               \
    } while (0)

/* ---- regions --------------------------------------------------------------------------- */

void regia_nc_regions_free(regia_nc_regions_t *r)
{
    if (!r) return;
    for (int k = 0; k < r->n; k++) {
        free(r->region[k].name);
        free(r->region[k].items);
    }
    free(r->region);
    memset(r, 0, sizeof *r);
}

/* The root-group dimension `dim` of ncid, or an error listing the file's dimensions. */
static regia_status_t find_dim(int ncid, const char *file, const char *dim, int *dimid, size_t *len)
{
    char have[1024];
    if (!dim || !*dim || nc_inq_dimid(ncid, dim, dimid) != NC_NOERR) {
        regia_nc_names(ncid, 'd', have, sizeof have);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no dimension '%s' (the file has: %s); name the output's item dimension",
                          file, dim ? dim : "", have);
    }
    int rc = nc_inq_dimlen(ncid, *dimid, len);
    if (rc) return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: dimension '%s': %s", file, dim, nc_strerror(rc));
    return REGIA_OK;
}

regia_status_t regia_nc_regions(const char *path, const char *dim, const char *var, regia_nc_regions_t *out)
{
    regia_status_t st = REGIA_OK;
    const char *file = regia_file_name(path);
    int ncid = -1, dimid, varid, *idx = NULL, rc;
    char **names = NULL, have[1024];
    size_t n = 0, len = 0, *count = NULL;
    memset(out, 0, sizeof *out);
    if ((rc = nc_open(path, NC_NOWRITE, &ncid))) {
        ncid = -1;
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, nc_strerror(rc));
        goto err;
    }
    REGIA_TRY(find_dim(ncid, file, dim, &dimid, &len));
    if (!var || !*var || nc_inq_varid(ncid, var, &varid) != NC_NOERR) {
        regia_nc_names(ncid, 'v', have, sizeof have);
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no variable '%s' (the file has: %s); name the variable that holds each item's region",
                        file, var ? var : "", have);
        goto err;
    }
    REGIA_TRY(regia_nc_read_text(ncid, varid, dimid, file, &names, &n));
    out->dim_len = n;
    idx = malloc((n ? n : 1) * sizeof *idx);
    out->region = calloc(n ? n : 1, sizeof *out->region);
    count = calloc(n ? n : 1, sizeof *count);
    if (!idx || !out->region || !count) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: regions of '%s': out of memory", file, var); goto err; }
    for (size_t i = 0; i < n; i++) {
        idx[i] = -1;
        if (!names[i][0]) { out->n_unassigned++; continue; }
        int k = 0;
        while (k < out->n && strcmp(out->region[k].name, names[i]) != 0) k++;
        if (k == out->n) {
            out->region[k].name = names[i];
            names[i] = NULL;
            out->n++;
        }
        idx[i] = k;
        count[k]++;
    }
    for (int k = 0; k < out->n; k++) {
        out->region[k].items = malloc(count[k] * sizeof(size_t));
        if (!out->region[k].items) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: regions of '%s': out of memory", file, var); goto err; }
    }
    for (size_t i = 0; i < n; i++)
        if (idx[i] >= 0) {
            regia_nc_region_t *r = &out->region[idx[i]];
            r->items[r->n_items++] = i;
        }
err:
    if (ncid >= 0) nc_close(ncid);
    regia_nc_text_free(names, n);
    free(idx);
    free(count);
    return st;
}

/* ---- the copy ---------------------------------------------------------------------------- */

typedef struct {
    int gin, vin, gout, vout;
    int remap;               /* an index along the subset dimension (regia_index_dim) */
} var_pair_t;

typedef struct {
    const char *file;        /* the source's file name, for messages */
    int in, out, format;     /* format: NC_FORMAT_* of the source    */
    int dimid;               /* the subset dimension (source)        */
    const char *dim;         /* its name                             */
    size_t dim_len;          /* its length in the source             */
    const size_t *items;
    size_t n;
    long long *imap;         /* source index -> index in the copy, -1: not kept */
    int *dmap, ndmap;        /* source dimid -> copy dimid           */
    var_pair_t *vars;
    int nvars, capvars;
} ex_t;

static int is_nc4(const ex_t *e) { return e->format == NC_FORMAT_NETCDF4 || e->format == NC_FORMAT_NETCDF4_CLASSIC; }

/* "group/var" for messages ("/" alone: the root group) */
static void var_where(int gid, int varid, char *buf, size_t cap)
{
    size_t len = 0;
    char vn[NC_MAX_NAME + 1] = "";
    if (nc_inq_grpname_full(gid, &len, NULL) == NC_NOERR && len < cap) nc_inq_grpname_full(gid, NULL, buf);
    else snprintf(buf, cap, "?");
    if (varid == NC_GLOBAL) return;
    nc_inq_varname(gid, varid, vn);
    size_t u = strlen(buf);
    snprintf(buf + u, cap - u, "%s%s", (u && buf[u - 1] == '/') ? "" : "/", vn);
}

static regia_status_t map_dim(ex_t *e, int from, int to)
{
    if (from >= e->ndmap) {
        int cap = from + 16;
        int *m = realloc(e->dmap, (size_t)cap * sizeof *m);
        if (!m) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: copying dimensions: out of memory", e->file);
        for (int i = e->ndmap; i < cap; i++) m[i] = -1;
        e->dmap = m;
        e->ndmap = cap;
    }
    e->dmap[from] = to;
    return REGIA_OK;
}

/* Copy every attribute of (gin, vin) to (gout, vout); quantize attributes are the library's. */
static regia_status_t copy_atts(ex_t *e, int gin, int vin, int gout, int vout, int quantized)
{
    regia_status_t st = REGIA_OK;
    int natts = 0, rc;
    char where[1024], an[NC_MAX_NAME + 1];
    var_where(gin, vin, where, sizeof where);
    if ((rc = nc_inq_varnatts(gin, vin, &natts)))
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: attributes: %s", e->file, where, nc_strerror(rc));
    for (int a = 0; a < natts; a++) {
        if ((rc = nc_inq_attname(gin, vin, a, an)))
            return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: attribute %d: %s", e->file, where, a, nc_strerror(rc));
        if (quantized && strncmp(an, "_Quantize", 9) == 0) continue;
        if ((rc = nc_copy_att(gin, vin, an, gout, vout)))
            return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: copying attribute '%s': %s", e->file, where, an, nc_strerror(rc));
    }
    return st;
}

/* The storage of one variable: chunking, filters, fill mode, endianness, quantization. */
static const char STORAGE[] = "copying the storage settings";
static regia_status_t copy_storage(ex_t *e, int gin, int vin, int gout, int vout, int ndims, const int *dimids,
                                   int *quantized)
{
    regia_status_t st = REGIA_OK;
    char where[1024];
    int rc = 0, storage = NC_CONTIGUOUS, shuffle = 0, deflate = 0, level = 0, fl32 = 0, endian = NC_ENDIAN_NATIVE;
    int qmode = NC_NOQUANTIZE, nsd = 0, no_fill = 0;
    size_t chunks[NC_MAX_VAR_DIMS], nf = 0;
    unsigned int *ids = NULL, params[64];
    *quantized = 0;
    var_where(gin, vin, where, sizeof where);
    NC_TRY(nc_inq_var_fill(gin, vin, &no_fill, NULL), STORAGE);
    if (no_fill) NC_TRY(nc_def_var_fill(gout, vout, 1, NULL), STORAGE);
    if (!is_nc4(e)) return REGIA_OK;
    NC_TRY(nc_inq_var_chunking(gin, vin, &storage, chunks), STORAGE);
    if (storage == NC_CHUNKED) {
        for (int d = 0; d < ndims; d++)
            if (dimids[d] == e->dimid && chunks[d] > e->n) chunks[d] = e->n;
        NC_TRY(nc_def_var_chunking(gout, vout, NC_CHUNKED, chunks), STORAGE);
    } else if (storage == NC_CONTIGUOUS || storage == NC_COMPACT) {
        if (ndims > 0) NC_TRY(nc_def_var_chunking(gout, vout, storage, NULL), STORAGE);
    }
    NC_TRY(nc_inq_var_deflate(gin, vin, &shuffle, &deflate, &level), STORAGE);
    if (shuffle || deflate) NC_TRY(nc_def_var_deflate(gout, vout, shuffle, deflate, level), STORAGE);
    NC_TRY(nc_inq_var_fletcher32(gin, vin, &fl32), STORAGE);
    if (fl32) NC_TRY(nc_def_var_fletcher32(gout, vout, fl32), STORAGE);
    /* other filters (szip, zstd, ...) in the source's order after the ones above */
    NC_TRY(nc_inq_var_filter_ids(gin, vin, &nf, NULL), STORAGE);
    if (nf) {
        ALLOC_TRY(ids = malloc(nf * sizeof *ids));
        NC_TRY(nc_inq_var_filter_ids(gin, vin, &nf, ids), STORAGE);
        for (size_t f = 0; f < nf; f++) {
            size_t np = 0;
            if (ids[f] == 1 || ids[f] == 2 || ids[f] == 3) continue; /* deflate, shuffle, fletcher32 */
            NC_TRY(nc_inq_var_filter_info(gin, vin, ids[f], &np, NULL), STORAGE);
            if (np > sizeof params / sizeof params[0]) {
                st = REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "%s: %s: filter %u has %zu parameters (at most 64 copied)", e->file, where, ids[f], np);
                goto err;
            }
            NC_TRY(nc_inq_var_filter_info(gin, vin, ids[f], &np, params), STORAGE);
            NC_TRY(nc_def_var_filter(gout, vout, ids[f], np, params), STORAGE);
        }
    }
    NC_TRY(nc_inq_var_endian(gin, vin, &endian), STORAGE);
    if (endian != NC_ENDIAN_NATIVE) NC_TRY(nc_def_var_endian(gout, vout, endian), STORAGE);
    NC_TRY(nc_inq_var_quantize(gin, vin, &qmode, &nsd), STORAGE);
    if (qmode != NC_NOQUANTIZE) {
        NC_TRY(nc_def_var_quantize(gout, vout, qmode, nsd), STORAGE);
        *quantized = 1;
    }
err:
    free(ids);
    return st;
}

/* *remap = 1 when variable (gin, vin) of type t has the attribute regia_index_dim naming
 * the subset dimension (its values are 0-based indices along it, -1 = none); an error
 * when such a variable is not of a signed integer type. */
static regia_status_t is_index_of_dim(const ex_t *e, int gin, int vin, nc_type t, int *remap)
{
    char where[1024], text[NC_MAX_NAME + 1] = "", *str = NULL;
    nc_type at;
    size_t len = 0;
    *remap = 0;
    if (nc_inq_att(gin, vin, "regia_index_dim", &at, &len) != NC_NOERR) return REGIA_OK;
    if (at == NC_CHAR && len < sizeof text) {
        if (nc_get_att_text(gin, vin, "regia_index_dim", text) != NC_NOERR) text[0] = 0;
        text[len] = 0;
    } else if (at == NC_STRING && len == 1 && nc_get_att_string(gin, vin, "regia_index_dim", &str) == NC_NOERR) {
        snprintf(text, sizeof text, "%s", str ? str : "");
        nc_free_string(1, &str);
    }
    if (strcmp(text, e->dim) != 0) return REGIA_OK; /* an index along another dimension: kept as it is */
    if (t != NC_BYTE && t != NC_SHORT && t != NC_INT && t != NC_INT64) {
        var_where(gin, vin, where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_UNSUPPORTED,
                          "%s: %s has regia_index_dim = \"%s\" but is not of a signed integer type (byte, short, int, "
                          "int64): indices along '%s' with -1 for none cannot be remapped; fix the file's writer",
                          e->file, where, text, e->dim);
    }
    *remap = 1;
    return REGIA_OK;
}

/* Define group gin's dimensions, attributes, variables and subgroups in gout. */
static regia_status_t define_group(ex_t *e, int gin, int gout)
{
    regia_status_t st = REGIA_OK;
    int rc = 0, nd = 0, nu = 0, nv = 0, ng = 0, nt = 0;
    int *dids = NULL, *unl = NULL, *vids = NULL, *gids = NULL;
    char where[1024], nm[NC_MAX_NAME + 1];
    var_where(gin, NC_GLOBAL, where, sizeof where);
    NC_TRY(nc_inq_typeids(gin, &nt, NULL), "reading the group");
    if (nt > 0) {
        st = REGIA_FAIL(REGIA_ERR_UNSUPPORTED,
                        "%s: group %s defines %d user type%s (compound, enum, vlen or opaque): extracts copy atomic "
                        "types, strings and char arrays only", e->file, where, nt, nt == 1 ? "" : "s");
        goto err;
    }
    /* dimensions */
    NC_TRY(nc_inq_dimids(gin, &nd, NULL, 0), "reading the group");
    NC_TRY(nc_inq_unlimdims(gin, &nu, NULL), "reading the group");
    dids = malloc(((size_t)nd + 1) * sizeof *dids);
    unl = malloc(((size_t)nu + 1) * sizeof *unl);
    ALLOC_TRY(dids && unl);
    NC_TRY(nc_inq_dimids(gin, &nd, dids, 0), "reading the group");
    NC_TRY(nc_inq_unlimdims(gin, &nu, unl), "reading the group");
    for (int i = 0; i < nd; i++) {
        size_t len;
        int is_unl = 0, id;
        NC_TRY(nc_inq_dim(gin, dids[i], nm, &len), "reading the group");
        for (int u = 0; u < nu; u++) is_unl |= unl[u] == dids[i];
        if (dids[i] == e->dimid) len = e->n;
        if ((rc = nc_def_dim(gout, nm, is_unl ? NC_UNLIMITED : len, &id))) {
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: defining dimension '%s': %s", e->file, where, nm, nc_strerror(rc));
            goto err;
        }
        REGIA_TRY(map_dim(e, dids[i], id));
    }
    REGIA_TRY(copy_atts(e, gin, NC_GLOBAL, gout, NC_GLOBAL, 0));
    /* variables */
    NC_TRY(nc_inq_varids(gin, &nv, NULL), "reading the group");
    ALLOC_TRY(vids = malloc(((size_t)nv + 1) * sizeof *vids));
    NC_TRY(nc_inq_varids(gin, &nv, vids), "reading the group");
    for (int i = 0; i < nv; i++) {
        nc_type t;
        int vnd, vd[NC_MAX_VAR_DIMS], od[NC_MAX_VAR_DIMS], vout, quantized = 0;
        NC_TRY(nc_inq_varndims(gin, vids[i], &vnd), "reading the group");
        if (vnd > NC_MAX_VAR_DIMS) {
            var_where(gin, vids[i], where, sizeof where);
            st = REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "%s: %s has %d dimensions (at most %d)", e->file, where, vnd, NC_MAX_VAR_DIMS);
            goto err;
        }
        NC_TRY(nc_inq_var(gin, vids[i], nm, &t, &vnd, vd, NULL), "reading the group");
        if (t > NC_STRING) {
            var_where(gin, vids[i], where, sizeof where);
            st = REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "%s: %s has a user-defined type: extracts copy atomic types, strings and char arrays only",
                            e->file, where);
            goto err;
        }
        for (int d = 0; d < vnd; d++) {
            if (vd[d] < 0 || vd[d] >= e->ndmap || e->dmap[vd[d]] < 0) {
                var_where(gin, vids[i], where, sizeof where);
                st = REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "%s: %s uses a dimension not defined in its group or a parent", e->file, where);
                goto err;
            }
            od[d] = e->dmap[vd[d]];
        }
        if ((rc = nc_def_var(gout, nm, t, vnd, od, &vout))) {
            var_where(gin, vids[i], where, sizeof where);
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: defining the copy: %s", e->file, where, nc_strerror(rc));
            goto err;
        }
        REGIA_TRY(copy_storage(e, gin, vids[i], gout, vout, vnd, vd, &quantized));
        REGIA_TRY(copy_atts(e, gin, vids[i], gout, vout, quantized));
        int remap = 0;
        REGIA_TRY(is_index_of_dim(e, gin, vids[i], t, &remap));
        if (e->nvars == e->capvars) {
            int cap = e->capvars ? 2 * e->capvars : 64;
            var_pair_t *v = realloc(e->vars, (size_t)cap * sizeof *v);
            ALLOC_TRY(v);
            e->vars = v;
            e->capvars = cap;
        }
        e->vars[e->nvars++] = (var_pair_t){gin, vids[i], gout, vout, remap};
    }
    /* subgroups */
    if (!is_nc4(e)) goto err; /* the classic formats have no groups: done */
    NC_TRY(nc_inq_grps(gin, &ng, NULL), "reading the group");
    ALLOC_TRY(gids = malloc(((size_t)ng + 1) * sizeof *gids));
    NC_TRY(nc_inq_grps(gin, &ng, gids), "reading the group");
    for (int i = 0; i < ng; i++) {
        int sub;
        NC_TRY(nc_inq_grpname(gids[i], nm), "reading the group");
        if ((rc = nc_def_grp(gout, nm, &sub))) {
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: defining group '%s' in %s: %s", e->file, nm, where, nc_strerror(rc));
            goto err;
        }
        REGIA_TRY(define_group(e, gids[i], sub));
    }
err:
    free(dids);
    free(unl);
    free(vids);
    free(gids);
    return st;
}

/* The n values of index variable v (type t) in buf: an index along the subset dimension
 * becomes its position among the items, -1 when the item is not kept; -1 (none) and the
 * variable's fill value stay.  Any other value is an error (the file is not what its
 * regia_index_dim says). */
static regia_status_t remap_index(const ex_t *e, const var_pair_t *v, nc_type t, void *buf, size_t n)
{
    union { signed char b; short s; int i; long long l; } fv = {0};
    long long fill = 0;
    int no_fill = 0, has_fill = nc_inq_var_fill(v->gin, v->vin, &no_fill, &fv) == NC_NOERR;
    char where[1024];
    if (has_fill) fill = t == NC_BYTE ? fv.b : t == NC_SHORT ? fv.s : t == NC_INT ? fv.i : fv.l;
    for (size_t k = 0; k < n; k++) {
        long long x = t == NC_BYTE    ? ((signed char *)buf)[k]
                      : t == NC_SHORT ? ((short *)buf)[k]
                      : t == NC_INT   ? ((int *)buf)[k]
                                      : ((long long *)buf)[k];
        if (x == -1 || (has_fill && x == fill)) continue;
        if (x < 0 || (unsigned long long)x >= e->dim_len) {
            var_where(v->gin, v->vin, where, sizeof where);
            return REGIA_FAIL(REGIA_ERR_INVALID,
                              "%s: %s: value %lld is neither -1 (none) nor an index along '%s' (0 to %zu), as its "
                              "attribute regia_index_dim says; fix the file's writer",
                              e->file, where, x, e->dim, e->dim_len ? e->dim_len - 1 : 0);
        }
        long long y = e->imap[x];
        if (t == NC_BYTE) ((signed char *)buf)[k] = (signed char)y;
        else if (t == NC_SHORT) ((short *)buf)[k] = (short)y;
        else if (t == NC_INT) ((int *)buf)[k] = (int)y;
        else ((long long *)buf)[k] = y;
    }
    return REGIA_OK;
}

/* Copy the block start_in/count of v to start_out, halving it along its outermost split
 * dimension while it holds more than BLOCK_BYTES. */
static regia_status_t copy_block(ex_t *e, const var_pair_t *v, nc_type t, size_t tsize, int ndims, size_t *start_in,
                                 size_t *start_out, size_t *count)
{
    regia_status_t st = REGIA_OK;
    size_t total = 1;
    int rc;
    void *buf = NULL;
    char where[1024];
    for (int d = 0; d < ndims; d++) total *= count[d];
    if (total == 0) return REGIA_OK;
    if (total * tsize > BLOCK_BYTES) {
        for (int d = 0; d < ndims; d++) {
            if (count[d] < 2) continue;
            size_t c = count[d], s_in = start_in[d], s_out = start_out[d], half = c / 2;
            count[d] = half;
            st = copy_block(e, v, t, tsize, ndims, start_in, start_out, count);
            if (st == REGIA_OK) {
                start_in[d] = s_in + half;
                start_out[d] = s_out + half;
                count[d] = c - half;
                st = copy_block(e, v, t, tsize, ndims, start_in, start_out, count);
            }
            start_in[d] = s_in;
            start_out[d] = s_out;
            count[d] = c;
            return st;
        }
    }
    if (!(buf = malloc(total * tsize))) {
        var_where(v->gin, v->vin, where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: %s: out of memory for %zu values", e->file, where, total);
    }
    if ((rc = nc_get_vara(v->gin, v->vin, start_in, count, buf))) {
        var_where(v->gin, v->vin, where, sizeof where);
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading %s: %s", e->file, where, nc_strerror(rc));
        free(buf);
        return st;
    }
    if (v->remap && (st = remap_index(e, v, t, buf, total))) {
        free(buf); /* an index type: no strings to free */
        return st;
    }
    if ((rc = nc_put_vara(v->gout, v->vout, start_out, count, buf))) {
        var_where(v->gin, v->vin, where, sizeof where);
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "writing %s of the extract of %s: %s", where, e->file, nc_strerror(rc));
    }
    if (t == NC_STRING) nc_free_string(total, buf);
    free(buf);
    return st;
}

/* A variable of at most BLOCK_BYTES that uses the subset dimension: read it whole, gather
 * the items' rows in memory, write it whole (two library calls instead of one slab per item). */
static regia_status_t copy_gather(ex_t *e, const var_pair_t *v, nc_type t, size_t tsize, int ndims, const int *dims,
                                  const size_t *len)
{
    regia_status_t st = REGIA_OK;
    size_t total = 1, out_total = 1, start[NC_MAX_VAR_DIMS] = {0}, out_len[NC_MAX_VAR_DIMS], idx[NC_MAX_VAR_DIMS];
    size_t inner = tsize, stride[NC_MAX_VAR_DIMS];
    int last = -1, rc;
    char *in = NULL, *out = NULL, where[1024];
    for (int d = 0; d < ndims; d++) {
        total *= len[d];
        out_len[d] = dims[d] == e->dimid ? e->n : len[d];
        out_total *= out_len[d];
        if (dims[d] == e->dimid) last = d;
    }
    for (int d = ndims - 1; d >= 0; d--) {
        stride[d] = d == ndims - 1 ? tsize : stride[d + 1] * len[d + 1];
        if (d > last) inner *= len[d];
    }
    if (total == 0 || out_total == 0) return REGIA_OK;
    in = malloc(total * tsize);
    out = malloc(out_total * tsize);
    if (!in || !out) {
        var_where(v->gin, v->vin, where, sizeof where);
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: %s: out of memory for %zu values", e->file, where, total + out_total);
        goto err;
    }
    if ((rc = nc_get_vara(v->gin, v->vin, start, len, in))) {
        var_where(v->gin, v->vin, where, sizeof where);
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading %s: %s", e->file, where, nc_strerror(rc));
        free(in); /* nothing was read: no strings to free */
        in = NULL;
        goto err;
    }
    /* odometer over the axes up to the last one along dim; the rest is one contiguous run */
    for (int d = 0; d <= last; d++) idx[d] = 0;
    for (char *o = out;;) {
        size_t off = 0;
        for (int d = 0; d <= last; d++) off += (dims[d] == e->dimid ? e->items[idx[d]] : idx[d]) * stride[d];
        memcpy(o, in + off, inner);
        o += inner;
        int d = last;
        while (d >= 0 && ++idx[d] == out_len[d]) idx[d--] = 0;
        if (d < 0) break;
    }
    if (v->remap) REGIA_TRY(remap_index(e, v, t, out, out_total));
    if ((rc = nc_put_vara(v->gout, v->vout, start, out_len, out))) {
        var_where(v->gin, v->vin, where, sizeof where);
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "writing %s of the extract of %s: %s", where, e->file, nc_strerror(rc));
    }
err:
    if (in && t == NC_STRING) nc_free_string(total, (char **)in); /* out holds copies of these pointers */
    free(in);
    free(out);
    return st;
}

/* Copy one variable's data: the whole of it when it does not use the subset dimension; a
 * small one that does, gathered in memory; else one block per combination of selected
 * items at the positions that use it. */
static regia_status_t copy_data(ex_t *e, const var_pair_t *v)
{
    regia_status_t st = REGIA_OK;
    int ndims, dims[NC_MAX_VAR_DIMS], pos[NC_MAX_VAR_DIMS], m = 0, rc;
    size_t len[NC_MAX_VAR_DIMS], s_in[NC_MAX_VAR_DIMS], s_out[NC_MAX_VAR_DIMS], cnt[NC_MAX_VAR_DIMS];
    size_t odo[NC_MAX_VAR_DIMS], tsize;
    nc_type t;
    char where[1024];
    if ((rc = nc_inq_var(v->gin, v->vin, NULL, &t, &ndims, dims, NULL)) || (rc = nc_inq_type(v->gin, t, NULL, &tsize))) {
        var_where(v->gin, v->vin, where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: %s", e->file, where, nc_strerror(rc));
    }
    if (t == NC_STRING) tsize = sizeof(char *);
    for (int d = 0; d < ndims; d++) {
        if ((rc = nc_inq_dimlen(v->gin, dims[d], &len[d]))) {
            var_where(v->gin, v->vin, where, sizeof where);
            return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: %s", e->file, where, nc_strerror(rc));
        }
        s_in[d] = s_out[d] = 0;
        cnt[d] = len[d];
        if (dims[d] == e->dimid) {
            pos[m++] = d;
            cnt[d] = 1;
        }
    }
    if (m == 0) return copy_block(e, v, t, tsize, ndims, s_in, s_out, cnt);
    size_t total = tsize;
    for (int d = 0; d < ndims; d++) total = len[d] && total > (size_t)BLOCK_BYTES / len[d] ? (size_t)BLOCK_BYTES + 1 : total * len[d];
    /* whole and gathered when small, or when the items are a good part of dim (a slab per
     * item would decompress most chunks many times); else a slab per item */
    if (total <= (1u << 20) || (total <= BLOCK_BYTES && e->n * 8 >= e->dim_len))
        return copy_gather(e, v, t, tsize, ndims, dims, len);
    for (int k = 0; k < m; k++) odo[k] = 0;
    for (;;) {
        for (int k = 0; k < m; k++) {
            s_in[pos[k]] = e->items[odo[k]];
            s_out[pos[k]] = odo[k];
        }
        REGIA_TRY(copy_block(e, v, t, tsize, ndims, s_in, s_out, cnt));
        int k = m - 1;
        while (k >= 0 && ++odo[k] == e->n) odo[k--] = 0;
        if (k < 0) break;
    }
err:
    return st;
}

/* The 1-D root variable along dim with this standard_name (or one of the fallback names). */
static int find_axis(int ncid, int dimid, const char *standard_name, const char *const *names)
{
    int nv = 0, *ids = NULL, found = -1;
    if (nc_inq_varids(ncid, &nv, NULL) || nv <= 0 || !(ids = malloc((size_t)nv * sizeof *ids))) return -1;
    if (nc_inq_varids(ncid, &nv, ids)) nv = 0;
    for (int pass = 0; pass < 2 && found < 0; pass++)
        for (int i = 0; i < nv && found < 0; i++) {
            int nd, d;
            nc_type t;
            char nm[NC_MAX_NAME + 1], sn[256];
            size_t sl = 0;
            if (nc_inq_var(ncid, ids[i], nm, &t, &nd, NULL, NULL) || nd != 1 || t == NC_CHAR || t == NC_STRING) continue;
            if (nc_inq_vardimid(ncid, ids[i], &d) || d != dimid) continue;
            if (pass == 0) {
                if (nc_inq_attlen(ncid, ids[i], "standard_name", &sl) || sl >= sizeof sn) continue;
                if (nc_get_att_text(ncid, ids[i], "standard_name", sn)) continue;
                sn[sl] = 0;
                if (strcmp(sn, standard_name) == 0) found = ids[i];
            } else {
                for (int k = 0; names && names[k]; k++)
                    if (strcmp(nm, names[k]) == 0) found = ids[i];
            }
        }
    free(ids);
    return found;
}

/* min and max of varid over the selected items (fill values and NaN skipped); 0 when none. */
static int axis_range(const ex_t *e, int varid, double *lo, double *hi)
{
    double fill = NAN;
    nc_type t = NC_DOUBLE;
    char text[40];
    int got = 0, has_fill = nc_get_att_double(e->in, varid, "_FillValue", &fill) == NC_NOERR;
    nc_inq_vartype(e->in, varid, &t);
    for (size_t i = 0; i < e->n; i++) {
        double x;
        size_t at = e->items[i];
        if (nc_get_var1_double(e->in, varid, &at, &x) || isnan(x) || (has_fill && x == fill)) continue;
        if (t == NC_FLOAT) { /* the float's decimal value (9.08f: 9.08), as a reader sees it */
            regia_nc_shortest(x, 1, text, sizeof text);
            x = strtod(text, NULL);
        }
        if (!got || x < *lo) *lo = x;
        if (!got || x > *hi) *hi = x;
        got = 1;
    }
    return got;
}

/* Overwrite a numeric global attribute the source has, in its type. */
static regia_status_t put_if_present(const ex_t *e, const char *name, double value)
{
    nc_type t;
    size_t len;
    if (nc_inq_att(e->in, NC_GLOBAL, name, &t, &len) != NC_NOERR || t == NC_CHAR || t == NC_STRING) return REGIA_OK;
    int rc = nc_put_att_double(e->out, NC_GLOBAL, name, t, 1, &value);
    if (rc) return REGIA_FAIL(REGIA_ERR_NETCDF, "extract of %s: writing the global attribute %s: %s", e->file, name, nc_strerror(rc));
    return REGIA_OK;
}

static regia_status_t put_text(const ex_t *e, const char *name, const char *value)
{
    int rc = nc_put_att_text(e->out, NC_GLOBAL, name, strlen(value), value);
    if (rc) return REGIA_FAIL(REGIA_ERR_NETCDF, "extract of %s: writing the global attribute %s: %s", e->file, name, nc_strerror(rc));
    return REGIA_OK;
}

/* The extract's own global attributes (see regia/extract.h). */
static regia_status_t extract_atts(ex_t *e, const char *in_path, const char *dim, const char *region)
{
    regia_status_t st = REGIA_OK;
    static const char *const lat_names[] = {"lat", "latitude", NULL}, *const lon_names[] = {"lon", "longitude", NULL};
    static const char *const alt_names[] = {"alt", "altitude", NULL};
    char sha[65], stamp[32], *hist = NULL, buf[512];
    size_t hlen = 0;
    time_t now = time(NULL);
    struct tm tmv;
    int la = find_axis(e->in, e->dimid, "latitude", lat_names), lo = find_axis(e->in, e->dimid, "longitude", lon_names);
    int al = find_axis(e->in, e->dimid, "altitude", alt_names);
    double la0 = 0, la1 = 0, lo0 = 0, lo1 = 0, al0 = 0, al1 = 0;
    int has_la = la >= 0 && axis_range(e, la, &la0, &la1), has_lo = lo >= 0 && axis_range(e, lo, &lo0, &lo1);
    if (has_la) {
        REGIA_TRY(put_if_present(e, "geospatial_lat_min", la0));
        REGIA_TRY(put_if_present(e, "geospatial_lat_max", la1));
    }
    if (has_lo) {
        REGIA_TRY(put_if_present(e, "geospatial_lon_min", lo0));
        REGIA_TRY(put_if_present(e, "geospatial_lon_max", lo1));
    }
    if (has_la && has_lo) {
        if (nc_inq_attid(e->in, NC_GLOBAL, "geospatial_bounds", &(int){0}) == NC_NOERR) {
            /* WKT in EPSG:4326 axis order (latitude longitude), as io/acdd.c writes it */
            if (la0 == la1 && lo0 == lo1)
                snprintf(buf, sizeof buf, "POINT (%.10g %.10g)", la0, lo0);
            else if (la0 == la1 || lo0 == lo1)
                snprintf(buf, sizeof buf, "LINESTRING (%.10g %.10g, %.10g %.10g)", la0, lo0, la1, lo1);
            else
                snprintf(buf, sizeof buf, "POLYGON ((%.10g %.10g, %.10g %.10g, %.10g %.10g, %.10g %.10g, %.10g %.10g))",
                         la0, lo0, la1, lo0, la1, lo1, la0, lo1, la0, lo0);
            REGIA_TRY(put_text(e, "geospatial_bounds", buf));
        }
    }
    if (al >= 0 && axis_range(e, al, &al0, &al1)) {
        REGIA_TRY(put_if_present(e, "geospatial_vertical_min", al0));
        REGIA_TRY(put_if_present(e, "geospatial_vertical_max", al1));
    }
    REGIA_TRY(regia_sha256_file(in_path, sha));
    REGIA_TRY(put_text(e, "regia_extract_of", e->file));
    REGIA_TRY(put_text(e, "regia_extract_of_sha256", sha));
    REGIA_TRY(put_text(e, "regia_extract_dim", dim));
    if (region && *region) REGIA_TRY(put_text(e, "regia_region", region));
    /* history: the source's, then this step */
    gmtime_r(&now, &tmv);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    snprintf(buf, sizeof buf, "%s: regia extract of %s: %zu of its %s%s%s%s", stamp, e->file, e->n, dim,
             region && *region ? " (region " : "", region && *region ? region : "", region && *region ? ")" : "");
    nc_type ht;
    if (nc_inq_att(e->in, NC_GLOBAL, "history", &ht, &hlen) != NC_NOERR || ht != NC_CHAR) hlen = 0;
    if (!(hist = malloc(hlen + strlen(buf) + 2))) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "extract of %s: out of memory", e->file); goto err; }
    if (hlen && nc_get_att_text(e->in, NC_GLOBAL, "history", hist) != NC_NOERR) hlen = 0;
    while (hlen && (hist[hlen - 1] == '\n' || hist[hlen - 1] == 0)) hlen--;
    snprintf(hist + hlen, strlen(buf) + 2, "%s%s", hlen ? "\n" : "", buf);
    REGIA_TRY(put_text(e, "history", hist));
err:
    free(hist);
    return st;
}

regia_status_t regia_nc_extract(const char *in_path, const char *out_path, const char *dim, const size_t *items,
                                size_t n_items, const char *region_name)
{
    regia_status_t st = REGIA_OK;
    ex_t e = {.file = regia_file_name(in_path), .dim = dim, .in = -1, .out = -1, .items = items, .n = n_items};
    regia_atomic_t a;
    int begun = 0, rc, mode = 0;
    size_t len = 0;
    unsigned char *seen = NULL;
    char token[64];
    if ((rc = nc_open(in_path, NC_NOWRITE, &e.in))) {
        e.in = -1;
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", in_path, nc_strerror(rc));
        goto err;
    }
    REGIA_TRY(find_dim(e.in, e.file, dim, &e.dimid, &len));
    e.dim_len = len;
    if (n_items == 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "extract of %s: no %s selected (an extract holds at least one)", e.file, dim);
        goto err;
    }
    if (!(seen = calloc(len ? len : 1, 1))) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "extract of %s: out of memory", e.file); goto err; }
    for (size_t i = 0; i < n_items; i++) {
        if (items[i] >= len) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "extract of %s: item %zu (index %zu) is out of range: '%s' has %zu", e.file, i,
                            items[i], dim, len);
            goto err;
        }
        if (seen[items[i]]++) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "extract of %s: %s index %zu is selected twice", e.file, dim, items[i]);
            goto err;
        }
    }
    if (!(e.imap = malloc((len ? len : 1) * sizeof *e.imap))) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "extract of %s: out of memory", e.file);
        goto err;
    }
    for (size_t i = 0; i < len; i++) e.imap[i] = -1;
    for (size_t i = 0; i < n_items; i++) e.imap[items[i]] = (long long)i;
    if (regia_same_file(in_path, out_path) || strcmp(in_path, out_path) == 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "extract of %s: the extract %s would replace its source; name another file", e.file,
                        out_path);
        goto err;
    }
    if ((rc = nc_inq_format(e.in, &e.format))) {
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: format: %s", e.file, nc_strerror(rc));
        goto err;
    }
    mode = e.format == NC_FORMAT_NETCDF4           ? NC_NETCDF4
           : e.format == NC_FORMAT_NETCDF4_CLASSIC ? NC_NETCDF4 | NC_CLASSIC_MODEL
           : e.format == NC_FORMAT_64BIT_OFFSET    ? NC_64BIT_OFFSET
           : e.format == NC_FORMAT_64BIT_DATA      ? NC_64BIT_DATA
                                                   : 0;
    snprintf(token, sizeof token, "extract-%ld", (long)getpid());
    REGIA_TRY(regia_atomic_begin_as(&a, out_path, token));
    begun = 1;
    if ((rc = nc_create(a.tmp_path, NC_CLOBBER | mode, &e.out))) {
        e.out = -1;
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create: %s", a.tmp_path, nc_strerror(rc));
        goto err;
    }
    if (!is_nc4(&e)) nc_set_fill(e.out, NC_NOFILL, &(int){0}); /* every value is written */
    REGIA_TRY(define_group(&e, e.in, e.out));
    REGIA_TRY(extract_atts(&e, in_path, dim, region_name));
    if ((rc = nc_enddef(e.out))) {
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "extract of %s: ending the definitions: %s", e.file, nc_strerror(rc));
        goto err;
    }
    for (int i = 0; i < e.nvars; i++) REGIA_TRY(copy_data(&e, &e.vars[i]));
    rc = nc_close(e.out);
    e.out = -1;
    if (rc) {
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: closing: %s", a.tmp_path, nc_strerror(rc));
        goto err;
    }
    REGIA_TRY(regia_atomic_commit(&a));
    begun = 0;
err:
    if (e.out >= 0) nc_close(e.out);
    if (e.in >= 0) nc_close(e.in);
    if (begun) regia_atomic_abort(&a);
    free(seen);
    free(e.imap);
    free(e.dmap);
    free(e.vars);
    return st;
}
