/* regia publish, one output: checked against its manifest, copied into a temporary run
 * directory of the catalog with its manifest, extras and products, and split into
 * per-region extracts with their own products (publish_impl.h).  Rank 0, no MPI. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <netcdf.h>
#include <openssl/evp.h>

#include "domain.h"
#include "products_impl.h"
#include "publish_impl.h"
#include "regia/extract.h"
#include "regia/fileutil.h"
#include "regia/io.h"
#include "regia/plot.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---- small helpers ------------------------------------------------------------------- */

static char *dup_str(const char *s) { return strdup(s ? s : ""); }

/* Remove a directory tree (no error when absent; cleanup keeps the error it follows). */
static void rm_tree(const char *dir)
{
    if (dir && dir[0]) (void)regia_products_rmtree(dir);
}

/* Copy src to dst (created, mode 0644) and compute the SHA-256 and size of the bytes
 * copied, so that what is checked against the manifest is what was published. */
static regia_status_t copy_sha(const char *src, const char *dst, char sha[65], long long *size)
{
    regia_status_t st = REGIA_OK;
    FILE *in = fopen(src, "rb"), *out = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char *buf = malloc(1 << 20);
    long long n_total = 0;
    if (!in) { st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", src, strerror(errno)); goto cleanup; }
    if (!md || !buf) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory copying %s", src); goto cleanup; }
    if (!(out = fopen(dst, "wb"))) {
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create: %s (is the catalog directory writable?)", dst, strerror(errno));
        goto cleanup;
    }
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    size_t n;
    while ((n = fread(buf, 1, 1 << 20, in)) > 0) {
        EVP_DigestUpdate(md, buf, n);
        if (fwrite(buf, 1, n, out) != n) {
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: write failed: %s (disk full?)", dst, strerror(errno));
            goto cleanup;
        }
        n_total += (long long)n;
    }
    if (ferror(in)) { st = REGIA_FAIL(REGIA_ERR_IO, "%s: read failed: %s", src, strerror(errno)); goto cleanup; }
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_DigestFinal_ex(md, d, &dl);
    for (int i = 0; i < 32; i++) snprintf(sha + 2 * i, 3, "%02x", d[i]);
    *size = n_total;
cleanup:
    if (out && fclose(out) != 0 && st == REGIA_OK)
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: write failed: %s (disk full?)", dst, strerror(errno));
    if (in) fclose(in);
    EVP_MD_CTX_free(md);
    free(buf);
    return st;
}

/* The size of a file, or -1. */
static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static regia_status_t add_file(regia_pub_item_t *it, const char *rel, const char *role, const char *title,
                               const char *sha, long long size)
{
    regia_pub_file_t *f = realloc(it->files, (size_t)(it->n_files + 1) * sizeof *f);
    if (!f) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    it->files = f;
    f += it->n_files++;
    memset(f, 0, sizeof *f);
    f->path = dup_str(rel);
    f->role = dup_str(role);
    f->title = dup_str(title);
    snprintf(f->sha, sizeof f->sha, "%s", sha);
    f->size = size;
    return f->path && f->role && f->title ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
}

/* ---- the output's global attributes ---------------------------------------------------- */

static int att_text(int ncid, const char *name, char *buf, size_t cap)
{
    nc_type t;
    size_t len;
    buf[0] = '\0';
    if (nc_inq_att(ncid, NC_GLOBAL, name, &t, &len) != NC_NOERR || t != NC_CHAR || len >= cap) return -1;
    if (nc_get_att_text(ncid, NC_GLOBAL, name, buf) != NC_NOERR) return -1;
    buf[len] = '\0';
    return 0;
}

static int att_double(int ncid, const char *name, double *v)
{
    nc_type t;
    size_t len;
    if (nc_inq_att(ncid, NC_GLOBAL, name, &t, &len) != NC_NOERR || len != 1 || t == NC_CHAR || t == NC_STRING)
        return -1;
    return nc_get_att_double(ncid, NC_GLOBAL, name, v) == NC_NOERR ? 0 : -1;
}

/* An ACDD date or date-time ("2023-02-09", "2023-02-09T00:00:00Z", "2023-02-09 10:00:00")
 * as RFC 3339 UTC; a date alone is the start (end_of_day 0) or the end of that day. */
static void rfc3339(const char *in, int end_of_day, char *out, size_t cap)
{
    out[0] = '\0';
    size_t n = strlen(in);
    if (n < 10 || in[4] != '-' || in[7] != '-') return;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (in[i] < '0' || in[i] > '9')) return;
    if (n == 10) {
        snprintf(out, cap, "%s%s", in, end_of_day ? "T23:59:59Z" : "T00:00:00Z");
        return;
    }
    if (n >= 19 && (in[10] == 'T' || in[10] == ' ') && in[13] == ':' && in[16] == ':') {
        char t[64];
        snprintf(t, sizeof t, "%.10sT%.8s", in, in + 11);
        const char *zone = in + 19;
        while (*zone == '.' || (*zone >= '0' && *zone <= '9')) zone++;
        if (!*zone || !strcmp(zone, "Z") || !strcmp(zone, "+00:00")) snprintf(out, cap, "%sZ", t);
        else snprintf(out, cap, "%s%s", t, zone);
    }
}

/* The range of a root-group 1-D variable with standard_name `sn` (or named one of the
 * names), fill values and NaN left out; 0 when found with at least one value. */
static int coord_range(int ncid, const char *sn, const char *const *names, double *lo, double *hi)
{
    int nv, vid = -1;
    if (nc_inq_nvars(ncid, &nv) != NC_NOERR) return -1;
    for (int v = 0; v < nv && vid < 0; v++) {
        char att[64];
        size_t len;
        int nd;
        if (nc_inq_varndims(ncid, v, &nd) != NC_NOERR || nd != 1) continue;
        if (nc_inq_attlen(ncid, v, "standard_name", &len) == NC_NOERR && len < sizeof att &&
            nc_get_att_text(ncid, v, "standard_name", att) == NC_NOERR) {
            att[len] = '\0';
            if (!strcmp(att, sn)) vid = v;
        }
    }
    for (int i = 0; vid < 0 && names[i]; i++) {
        int nd;
        if (nc_inq_varid(ncid, names[i], &vid) != NC_NOERR || nc_inq_varndims(ncid, vid, &nd) != NC_NOERR || nd != 1)
            vid = -1;
    }
    int dim;
    size_t n;
    nc_type t;
    if (vid < 0 || nc_inq_vardimid(ncid, vid, &dim) != NC_NOERR || nc_inq_dimlen(ncid, dim, &n) != NC_NOERR || !n ||
        nc_inq_vartype(ncid, vid, &t) != NC_NOERR || t == NC_CHAR || t == NC_STRING)
        return -1;
    double *x = malloc(n * sizeof *x), fill = NC_FILL_DOUBLE;
    int found = 0;
    if (x && nc_get_var_double(ncid, vid, x) == NC_NOERR) {
        if (nc_get_att_double(ncid, vid, "_FillValue", &fill) != NC_NOERR)
            fill = t == NC_FLOAT ? NC_FILL_FLOAT : NC_FILL_DOUBLE;
        for (size_t i = 0; i < n; i++) {
            if (x[i] != x[i] || x[i] == fill || fabs(x[i]) > 360) continue;
            if (!found || x[i] < *lo) *lo = x[i];
            if (!found || x[i] > *hi) *hi = x[i];
            found = 1;
        }
    }
    free(x);
    return found ? 0 : -1;
}

/* Title, description, extents, creation time and license of an item from its NetCDF. */
static regia_status_t item_from_nc(const char *path, regia_pub_item_t *it)
{
    int ncid;
    int rc = nc_open(path, NC_NOWRITE, &ncid);
    if (rc != NC_NOERR) return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s", path, nc_strerror(rc));
    char *buf = malloc(65536);
    if (!buf) { nc_close(ncid); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); }
    if (!it->title && att_text(ncid, "title", buf, 65536) == 0) it->title = dup_str(buf);
    if (!it->description && att_text(ncid, "summary", buf, 65536) == 0) it->description = dup_str(buf);
    if (att_text(ncid, "time_coverage_start", buf, 65536) == 0) rfc3339(buf, 0, it->start, sizeof it->start);
    if (att_text(ncid, "time_coverage_end", buf, 65536) == 0) rfc3339(buf, 1, it->end, sizeof it->end);
    if (att_text(ncid, "date_created", buf, 65536) == 0) rfc3339(buf, 0, it->created, sizeof it->created);
    if (att_text(ncid, "license", buf, 65536) == 0) snprintf(it->license, sizeof it->license, "%s", buf);
    double w, s, e, n;
    if (att_double(ncid, "geospatial_lon_min", &w) == 0 && att_double(ncid, "geospatial_lat_min", &s) == 0 &&
        att_double(ncid, "geospatial_lon_max", &e) == 0 && att_double(ncid, "geospatial_lat_max", &n) == 0 &&
        w >= -180 && e <= 180 && s >= -90 && n <= 90 && w <= e && s <= n) {
        it->has_bbox = 1;
        it->bbox[0] = w; it->bbox[1] = s; it->bbox[2] = e; it->bbox[3] = n;
    } else {
        /* no ACDD box: the range of the latitude and longitude variables, when there are */
        static const char *const lat_names[] = {"lat", "latitude", NULL}, *const lon_names[] = {"lon", "longitude", NULL};
        if (coord_range(ncid, "latitude", lat_names, &s, &n) == 0 &&
            coord_range(ncid, "longitude", lon_names, &w, &e) == 0 &&
            w >= -180 && e <= 180 && s >= -90 && n <= 90) {
            it->has_bbox = 1;
            it->bbox[0] = w; it->bbox[1] = s; it->bbox[2] = e; it->bbox[3] = n;
        }
    }
    free(buf);
    nc_close(ncid);
    return REGIA_OK;
}

/* ---- the manifest ---------------------------------------------------------------------- */

/* Where a file the manifest lists lies: beside the output, or in its products directory. */
static int locate(const char *outdir, const char *products, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", outdir, name);
    if (access(buf, R_OK) == 0) return 0;
    snprintf(buf, cap, "%s/%s", products, regia_file_name(name));
    if (access(buf, R_OK) == 0) return 1;
    snprintf(buf, cap, "%s/%s", outdir, name);
    return -1;
}

/* A manifest entry's title, else "ROLE: NAME". */
static void entry_title(json_t *e, const char *role, const char *name, char *buf, size_t cap)
{
    const char *t = json_string_value(json_object_get(e, "title"));
    if (t && *t) snprintf(buf, cap, "%s", t);
    else snprintf(buf, cap, "%s: %s", role, name);
}

/* Copy every file of the manifest's outputs (checked by SHA-256) and the manifest;
 * *had_products = 1 when the manifest lists products (the run made them). */
static regia_status_t copy_outputs(const char *output, const char *manifest, json_t *m, regia_pub_run_t *run,
                                   regia_pub_item_t *it, char *extra_path[REGIA_MAX_EXTRA],
                                   char *extra_role[REGIA_MAX_EXTRA], int *n_extra, int *had_products)
{
    regia_status_t st = REGIA_OK;
    char outdir[PATH_MAX], products[PATH_MAX], src[PATH_MAX * 2], dst[PATH_MAX * 3], rel[PATH_MAX * 2];
    char sha[65], title[1024], pdir_name[PATH_MAX];
    long long size;
    const char *oname = regia_file_name(output);
    snprintf(outdir, sizeof outdir, "%s", output);
    char *sl = strrchr(outdir, '/');
    if (!sl) snprintf(outdir, sizeof outdir, ".");
    else if (sl == outdir) outdir[1] = '\0';
    else *sl = '\0';
    regia_sibling_path(output, ".products", products, sizeof products);
    snprintf(pdir_name, sizeof pdir_name, "%s", regia_file_name(products));
    json_t *outs = json_object_get(m, "outputs");
    if (!json_is_array(outs))
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: no \"outputs\" list: not a regia manifest (rerun the job)", manifest);
    /* the output itself first: files[0] is the NetCDF */
    size_t i;
    json_t *e;
    int found = 0, made_pdir = 0;
    for (int pass = 0; pass < 2 && !st; pass++) {
        json_array_foreach(outs, i, e) {
            const char *name = json_string_value(json_object_get(e, "path"));
            const char *want = json_string_value(json_object_get(e, "sha256"));
            const char *role = json_string_value(json_object_get(e, "role"));
            if (!name || !want || !role)
                return REGIA_FAIL(REGIA_ERR_PARSE, "%s: outputs entry %zu lacks path, role or sha256", manifest, i + 1);
            /* files are named by their file name, products by their path in the products
             * directory ("env_forecast.products/summary.csv"); older manifests named paths */
            if (name[0] == '/') name = regia_file_name(name);
            const char *sub = strchr(name, '/');
            int is_main = !sub && !strcmp(name, oname);
            if (is_main != (pass == 0)) continue;
            if (!*name || strstr(name, "..") ||
                (sub && (strncmp(name, pdir_name, strlen(pdir_name)) || name + strlen(pdir_name) != sub ||
                         strchr(sub + 1, '/') || !sub[1])))
                return REGIA_FAIL(REGIA_ERR_PARSE, "%s: outputs entry %zu: '%s' is neither a file beside the output "
                                  "nor one in %s/", manifest, i + 1, name, pdir_name);
            int where = 0;
            if (is_main) snprintf(src, sizeof src, "%s", output);
            else if (sub) { snprintf(src, sizeof src, "%s/%s", outdir, name); where = access(src, R_OK) ? -1 : 1; }
            else where = locate(outdir, products, name, src, sizeof src);
            if (where < 0)
                return REGIA_FAIL(REGIA_ERR_IO, "%s: missing: %s lists it (role %s) but it is neither beside %s nor "
                                  "in %s/; rerun the job (or `regia quicklook %s` for its products)",
                                  src, manifest, role, oname, products, output);
            if (where == 1) {
                *had_products = 1; /* the run made products (its products setting was on) */
                snprintf(rel, sizeof rel, "%s/%s", pdir_name, regia_file_name(name));
                if (!made_pdir) {
                    snprintf(dst, sizeof dst, "%s/%s", run->dir, pdir_name);
                    if ((st = regia_mkdir_p(dst))) return st;
                    made_pdir = 1;
                }
            } else {
                snprintf(rel, sizeof rel, "%s", name);
            }
            snprintf(dst, sizeof dst, "%s/%s", run->dir, rel);
            if ((st = copy_sha(src, dst, sha, &size))) return st;
            if (strcmp(sha, want) != 0)
                return REGIA_FAIL(REGIA_ERR_INVALID,
                                  "%s: changed since the run: its SHA-256 is %s, %s records %s; not published "
                                  "(rerun the job, or publish the file the run wrote)", src, sha, manifest, want);
            entry_title(e, role, regia_file_name(name), title, sizeof title);
            if ((st = add_file(it, rel, role, title, sha, size))) return st;
            if (is_main) found = 1;
            else if (where == 0 && *n_extra < REGIA_MAX_EXTRA) {
                /* the run's extras (the sensors' detail file ...) for the extracts' products */
                extra_path[*n_extra] = dup_str(dst);
                extra_role[*n_extra] = dup_str(role);
                (*n_extra)++;
            }
        }
        if (pass == 0 && !found)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: does not list %s among its outputs: the manifest is of another "
                              "run (publish the output the manifest names)", manifest, oname);
    }
    /* the manifest itself */
    snprintf(rel, sizeof rel, "%s", regia_file_name(manifest));
    snprintf(dst, sizeof dst, "%s/%s", run->dir, rel);
    if ((st = copy_sha(manifest, dst, sha, &size))) return st;
    return add_file(it, rel, "manifest", "run manifest: inputs, outputs and their SHA-256, timings", sha, size);
}

/* ---- per-region extracts ---------------------------------------------------------------- */

/* 1 when the file at path is a NetCDF file with the root dimension dim of length len
 * (an extra output along the output's items: cut with it). */
static int along_items(const char *path, const char *dim, size_t len)
{
    int ncid, d;
    size_t n = 0;
    if (nc_open(path, NC_NOWRITE, &ncid) != NC_NOERR) return 0;
    int ok = nc_inq_dimid(ncid, dim, &d) == NC_NOERR && nc_inq_dimlen(ncid, d, &n) == NC_NOERR && n == len;
    nc_close(ncid);
    return ok;
}

/* Global text attributes of the NetCDF file path whose value is `from` (a file name: the
 * output's model_file, the model file's forecast_file) are set to `to`, so that the files
 * of a region name each other. */
static regia_status_t relink(const char *path, const char *from, const char *to)
{
    regia_status_t st = REGIA_OK;
    int ncid, natts = 0, rc, in_define = 0;
    char name[NC_MAX_NAME + 1], val[1024];
    if ((rc = nc_open(path, NC_WRITE, &ncid)) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: cannot open for writing: %s", path, nc_strerror(rc));
    nc_inq_natts(ncid, &natts);
    for (int a = 0; a < natts && !st; a++) {
        nc_type t;
        size_t len;
        if (nc_inq_attname(ncid, NC_GLOBAL, a, name) || nc_inq_att(ncid, NC_GLOBAL, name, &t, &len) || t != NC_CHAR ||
            len != strlen(from) || len >= sizeof val || nc_get_att_text(ncid, NC_GLOBAL, name, val))
            continue;
        val[len] = '\0';
        if (strcmp(val, from) != 0) continue;
        if (!in_define && (rc = nc_redef(ncid)) == NC_NOERR) in_define = 1;
        if (!in_define || (rc = nc_put_att_text(ncid, NC_GLOBAL, name, strlen(to), to)) != NC_NOERR)
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: setting the global attribute %s to %s: %s", path, name, to,
                            nc_strerror(rc));
    }
    if ((rc = nc_close(ncid)) != NC_NOERR && !st)
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: closing: %s", path, nc_strerror(rc));
    return st;
}

/* The per-region extracts of the output (regions/SLUG.nc) and of every extra output along
 * the same items (the env model file: regions/SLUG.model.nc), an item each; the extract's
 * products (with the region's extras) when the run made products. */
static regia_status_t make_regions(const regia_pub_opts_t *o, const regia_domain_t *dom, regia_pub_run_t *run,
                                   char *const extra_path[], char *const extra_role[], int n_extra, int had_products)
{
    regia_status_t st = REGIA_OK;
    regia_nc_regions_t r;
    memset(&r, 0, sizeof r);
    char nc[PATH_MAX * 2], rdir[PATH_MAX * 2], pdir[PATH_MAX * 3], rel[PATH_MAX], prefix[PATH_MAX];
    char slug[128], stem[256], suffix[REGIA_MAX_EXTRA][256], xpath[REGIA_MAX_EXTRA][PATH_MAX * 3];
    const char *rx_path[REGIA_MAX_EXTRA];
    int cut[REGIA_MAX_EXTRA] = {0};
    snprintf(nc, sizeof nc, "%s/%s", run->dir, run->items[0].files[0].path);
    /* an output written before its domain stored the region variable has no extracts */
    int ncid, vid;
    if (nc_open(nc, NC_NOWRITE, &ncid) != NC_NOERR) return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: cannot open", nc);
    int has = nc_inq_varid(ncid, dom->region_var, &vid) == NC_NOERR;
    nc_close(ncid);
    if (!has) {
        regia_warn(o->log, "%s has no variable '%s' (older output?): published without per-region extracts",
                   run->items[0].files[0].path, dom->region_var);
        return REGIA_OK;
    }
    if ((st = regia_nc_regions(nc, dom->item_dim, dom->region_var, &r))) goto cleanup;
    /* the extras along the same items are cut too: OUT_STEM.model.nc -> regions/SLUG.model.nc */
    snprintf(stem, sizeof stem, "%s", regia_file_name(nc));
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = '\0';
    for (int i = 0; i < n_extra; i++) {
        const char *xn = regia_file_name(extra_path[i]);
        cut[i] = along_items(extra_path[i], dom->item_dim, r.dim_len);
        size_t ls = strlen(stem);
        if (!strncmp(xn, stem, ls) && xn[ls] == '.') snprintf(suffix[i], sizeof suffix[i], "%s", xn + ls);
        else snprintf(suffix[i], sizeof suffix[i], ".%s", xn);
    }
    if (!had_products && dom->products && r.n > 0)
        regia_info(o->log, "%s: the run made no products (products off): its extracts are published without products",
                   run->items[0].files[0].path);
    snprintf(rdir, sizeof rdir, "%s/regions", run->dir);
    if (r.n > 0 && (st = regia_mkdir_p(rdir))) goto cleanup;
    regia_pub_item_t *items = realloc(run->items, (size_t)(run->n_items + r.n) * sizeof *items);
    if (!items) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto cleanup; }
    run->items = items;
    for (int k = 0; k < r.n && !st; k++) {
        regia_pub_item_t *it = &run->items[run->n_items];
        memset(it, 0, sizeof *it);
        run->n_items++;
        regia_plot_slug(r.region[k].name, slug, sizeof slug);
        if (!slug[0]) snprintf(slug, sizeof slug, "region-%d", k + 1);
        /* two names with the same slug ("Monza e Brianza", "Monza-e-Brianza"): the later one gets -K */
        snprintf(rel, sizeof rel, "regions/%s.item.json", slug);
        for (int j = 1; j < run->n_items - 1; j++)
            if (!strcmp(run->items[j].json_path, rel)) {
                size_t n = strlen(slug);
                snprintf(slug + n, sizeof slug - n, "-%d", k + 1);
                break;
            }
        char id[300], title[1024];
        snprintf(id, sizeof id, "%s-%s", run->items[0].id, slug);
        snprintf(title, sizeof title, "%s - %s", run->items[0].title ? run->items[0].title : run->items[0].id,
                 r.region[k].name);
        it->id = dup_str(id);
        it->title = dup_str(title);
        it->region = dup_str(r.region[k].name);
        snprintf(rel, sizeof rel, "regions/%s.item.json", slug);
        it->json_path = dup_str(rel);
        snprintf(rel, sizeof rel, "regions/%s.nc", slug);
        snprintf(pdir, sizeof pdir, "%s/%s", run->dir, rel);
        st = regia_nc_extract(nc, pdir, dom->item_dim, r.region[k].items, r.region[k].n_items, r.region[k].name);
        if (st) break;
        char sha[65];
        if ((st = regia_sha256_file(pdir, sha))) break;
        char ftitle[1024];
        snprintf(ftitle, sizeof ftitle, "NetCDF-4 extract of %s (%zu of %zu along %s)", r.region[k].name,
                 r.region[k].n_items, r.dim_len, dom->item_dim);
        if ((st = add_file(it, rel, "extract", ftitle, sha, file_size(pdir)))) break;
        /* the extras along the items, cut to the region's; the files name each other */
        for (int i = 0; i < n_extra && !st; i++) {
            rx_path[i] = extra_path[i];
            if (!cut[i]) continue;
            char xrel[PATH_MAX];
            snprintf(xrel, sizeof xrel, "regions/%s%s", slug, suffix[i]);
            snprintf(xpath[i], sizeof xpath[i], "%s/%s", run->dir, xrel);
            st = regia_nc_extract(extra_path[i], xpath[i], dom->item_dim, r.region[k].items, r.region[k].n_items,
                                  r.region[k].name);
            if (!st) st = relink(xpath[i], regia_file_name(nc), regia_file_name(pdir));
            if (!st) st = relink(pdir, regia_file_name(extra_path[i]), regia_file_name(xpath[i]));
            if (!st) st = regia_sha256_file(xpath[i], sha);
            snprintf(ftitle, sizeof ftitle, "NetCDF-4 extract of the %s file for %s (%zu of %zu along %s)",
                     extra_role[i], r.region[k].name, r.region[k].n_items, r.dim_len, dom->item_dim);
            if (!st) st = add_file(it, xrel, extra_role[i], ftitle, sha, file_size(xpath[i]));
            rx_path[i] = xpath[i];
        }
        if (st) break;
        /* the output extract's checksum after relink (files[0]) */
        if ((st = regia_sha256_file(pdir, sha))) break;
        snprintf(it->files[0].sha, sizeof it->files[0].sha, "%s", sha);
        it->files[0].size = file_size(pdir);
        if ((st = item_from_nc(pdir, it))) break;
        if (!dom->products || !had_products) continue;
        /* the extract's products, made by the domain's hook as for a run's output */
        char tmp[PATH_MAX * 3], dir[PATH_MAX * 3], file[PATH_MAX * 4];
        snprintf(prefix, sizeof prefix, "regions/%s.products", slug);
        snprintf(dir, sizeof dir, "%s/%s", run->dir, prefix);
        snprintf(tmp, sizeof tmp, "%s.tmp", dir);
        regia_products_run_t pr;
        memset(&pr, 0, sizeof pr);
        st = regia_products_make(&pr, dom, pdir, regia_file_name(pdir), tmp, dir, o->max_figures, o->log, n_extra,
                                 rx_path, (const char *const *)extra_role);
        if (!st) st = regia_products_commit(&pr);
        for (int f = 0; f < pr.n && !st; f++) {
            snprintf(file, sizeof file, "%s/%s", dir, pr.files[f].name);
            snprintf(rel, sizeof rel, "%s/%s", prefix, pr.files[f].name);
            if (!(st = regia_sha256_file(file, sha)))
                st = add_file(it, rel, pr.files[f].role, pr.files[f].title, sha, file_size(file));
        }
        if (st) regia_products_abort(&pr);
        regia_products_free(&pr);
        if (st) {
            char why[2048];
            snprintf(why, sizeof why, "%s", regia_error_msg());
            regia_error_set(st, __FILE__, __LINE__, "products of the extract for %s (%s): %s", r.region[k].name,
                            prefix, why);
        }
    }
    if (!st) regia_info(o->log, "%s: %d per-region extracts by %s (%zu of %zu along %s in no region)",
                        run->items[0].files[0].path, r.n, dom->region_var, r.n_unassigned, r.dim_len, dom->item_dim);
cleanup:
    regia_nc_regions_free(&r);
    return st;
}

/* ---- the run --------------------------------------------------------------------------- */

regia_status_t regia_pub_prepare(const regia_pub_opts_t *o, const char *output, regia_pub_run_t *run)
{
    regia_status_t st = REGIA_OK;
    memset(run, 0, sizeof *run);
    json_t *m = NULL;
    char *extra_path[REGIA_MAX_EXTRA] = {0}, *extra_role[REGIA_MAX_EXTRA] = {0};
    int n_extra = 0, made_dir = 0, had_products = 0;
    char manifest[PATH_MAX], dname[128] = "", created[64] = "", stem[256];
    snprintf(run->catalog, sizeof run->catalog, "%s", o->catalog);
    /* the domain: the output's regia_domain attribute */
    int ncid, rc = nc_open(output, NC_NOWRITE, &ncid);
    if (rc != NC_NOERR) {
        st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s (publish takes the NetCDF outputs of regia runs)", output,
                        nc_strerror(rc));
        goto cleanup;
    }
    att_text(ncid, "regia_domain", dname, sizeof dname);
    att_text(ncid, "date_created", created, sizeof created);
    nc_close(ncid);
    const regia_domain_t *dom = dname[0] ? regia_domain_find(dname) : NULL;
    if (!dom) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s: publish takes the outputs of regia's batch domains (env, waitlist, "
                        "sensors, forecast ...)", output, dname[0] ? "unknown regia_domain attribute" :
                        "no regia_domain attribute");
        goto cleanup;
    }
    snprintf(run->domain, sizeof run->domain, "%s", dom->name);
    for (char *c = run->domain; *c; c++)
        if (*c == ' ') *c = '-';
    /* RUN_ID: when the run made the output, and the output's name */
    snprintf(stem, sizeof stem, "%s", regia_file_name(output));
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = '\0';
    char compact[32] = "";
    size_t n = 0;
    for (const char *c = created; *c && n + 1 < sizeof compact; c++)
        if (*c != '-' && *c != ':') compact[n++] = *c;
    compact[n] = '\0';
    for (char *c = stem; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            *c = '_';
    snprintf(run->run_id, sizeof run->run_id, "%s%s%s", compact[0] ? compact : "undated", "-", stem);
    /* the manifest */
    regia_sibling_path(output, ".manifest.json", manifest, sizeof manifest);
    json_error_t jerr;
    if (!(m = json_load_file(manifest, 0, &jerr))) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: %s%s (line %d); publish needs the manifest the run wrote beside its "
                        "output", manifest, access(manifest, R_OK) ? "missing: " : "", jerr.text, jerr.line);
        goto cleanup;
    }
    /* the temporary run directory */
    char ddir[PATH_MAX + 80];
    snprintf(ddir, sizeof ddir, "%s/%s", o->catalog, run->domain);
    if ((st = regia_mkdir_p(ddir))) goto cleanup;
    static int seq = 0; /* the same output given twice in one command: two temporary names */
    snprintf(run->dir, sizeof run->dir, "%s/.%s.tmp-%ld-%d", ddir, run->run_id, (long)getpid(), ++seq);
    rm_tree(run->dir);
    if (mkdir(run->dir, 0755) != 0) {
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create: %s", run->dir, strerror(errno));
        goto cleanup;
    }
    made_dir = 1;
    if (!(run->items = calloc(1, sizeof *run->items))) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto cleanup; }
    run->n_items = 1;
    regia_pub_item_t *it = &run->items[0];
    it->id = dup_str(stem);
    char jp[300];
    snprintf(jp, sizeof jp, "%s.item.json", stem);
    it->json_path = dup_str(jp);
    if ((st = copy_outputs(output, manifest, m, run, it, extra_path, extra_role, &n_extra, &had_products)))
        goto cleanup;
    char copied[PATH_MAX * 2];
    snprintf(copied, sizeof copied, "%s/%s", run->dir, it->files[0].path);
    if ((st = item_from_nc(copied, it))) goto cleanup;
    snprintf(run->title, sizeof run->title, "%s (%s)", it->title ? it->title : stem, created[0] ? created : "undated");
    snprintf(run->description, sizeof run->description, "%s", it->description ? it->description : "");
    if (dom->item_dim && dom->region_var && !o->no_regions)
        st = make_regions(o, dom, run, extra_path, extra_role, n_extra, had_products);
cleanup:
    for (int i = 0; i < n_extra; i++) { free(extra_path[i]); free(extra_role[i]); }
    json_decref(m);
    if (st && made_dir) { rm_tree(run->dir); run->dir[0] = '\0'; }
    return st;
}

/* SHA256SUMS: every data file of the run (not the JSON and HTML that list them), in
 * `sha256sum -c` form. */
static regia_status_t write_sums(regia_pub_run_t *run)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int i = 0; i < run->n_items; i++)
        for (int j = 0; j < run->items[i].n_files; j++)
            fprintf(f, "%s  %s\n", run->items[i].files[j].sha, run->items[i].files[j].path);
    fclose(f);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/SHA256SUMS", run->dir);
    regia_status_t st = regia_atomic_write(path, buf, len);
    if (!st) {
        regia_sha256_buf(buf, len, run->sums.sha);
        run->sums.size = (long long)len;
        free(run->sums.path); free(run->sums.role); free(run->sums.title);
        run->sums.path = dup_str("SHA256SUMS");
        run->sums.role = dup_str("checksums");
        run->sums.title = dup_str("SHA-256 of every file of the run (sha256sum -c SHA256SUMS)");
    }
    free(buf);
    return st;
}

regia_status_t regia_pub_commit(const regia_pub_opts_t *o, regia_pub_run_t *run)
{
    regia_status_t st = write_sums(run);
    if (!st) st = regia_pub_stac_run(run);
    if (!st) st = regia_pub_html_run(run);
    char final[PATH_MAX + 256], old[PATH_MAX + 256];
    snprintf(final, sizeof final, "%s/%s/%s", run->catalog, run->domain, run->run_id);
    snprintf(old, sizeof old, "%s/%s/.%s.old-%ld", run->catalog, run->domain, run->run_id, (long)getpid());
    if (!st) {
        /* swap the new run directory in: an older one of the same id goes aside, then away */
        int had_old = access(final, F_OK) == 0;
        if (had_old && rename(final, old) != 0)
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot replace: %s", final, strerror(errno));
        else if (rename(run->dir, final) != 0) {
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot rename to %s: %s", run->dir, final, strerror(errno));
            if (had_old) rename(old, final);
        } else {
            if (had_old) rm_tree(old);
            regia_info(o->log, "published %s (%d item%s) in %s", run->items[0].files[0].path, run->n_items,
                       run->n_items > 1 ? "s" : "", final);
            run->dir[0] = '\0';
        }
    }
    if (st && run->dir[0]) { rm_tree(run->dir); run->dir[0] = '\0'; }
    return st;
}

static void free_file(regia_pub_file_t *f)
{
    free(f->path); free(f->role); free(f->title);
}

void regia_pub_run_free(regia_pub_run_t *run)
{
    if (!run) return;
    if (run->dir[0]) rm_tree(run->dir);
    for (int i = 0; i < run->n_items; i++) {
        regia_pub_item_t *it = &run->items[i];
        for (int j = 0; j < it->n_files; j++) free_file(&it->files[j]);
        free(it->files); free(it->id); free(it->title); free(it->description); free(it->region); free(it->json_path);
    }
    free(run->items);
    free_file(&run->sums);
    memset(run, 0, sizeof *run);
}
