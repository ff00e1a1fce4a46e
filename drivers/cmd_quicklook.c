/* regia quicklook OUTPUT.nc [--out-dir DIR] [--quicklook-max N]: the products of a finished
 * run made again from its output alone (issue 12), by the products hook of the domain
 * named in the output's global attribute regia_domain, with the extra outputs listed in
 * OUTPUT_STEM.manifest.json.  The products directory OUTPUT_STEM.products/ (beside the
 * output, or inside DIR) is replaced as a whole.  The manifest is not rewritten: it lists
 * what the run made.  Rank 0 works; other ranks only wait for the status. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "products_impl.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: regia quicklook OUTPUT.nc [--out-dir DIR] [--quicklook-max N] [-q|-v]\n\n"
               "Makes the products of a regia output again (summary CSV, quicklook figures PNG + SVG, points):\n"
               "the domain comes from the output's regia_domain attribute, its extra outputs from\n"
               "OUTPUT_STEM.manifest.json beside it.  Writes OUTPUT_STEM.products/ beside the output, or\n"
               "inside DIR with --out-dir (created if missing); an older products directory of that name\n"
               "is replaced.  The manifest is left as the run wrote it.\n\n"
               "  --out-dir DIR          put OUTPUT_STEM.products/ in DIR [default: beside the output]\n"
               "  --quicklook-max N      at most N per-item figures [default: 24]\n"
               "  -q, --quiet            warnings and errors only\n"
               "  -v, --verbose          also the source location of an error\n"
               "  -h, --help             this help\n");
}

/* The output's regia_domain attribute. */
static regia_status_t output_domain(const char *path, const regia_domain_t **dom)
{
    int ncid, rc = nc_open(path, NC_NOWRITE, &ncid);
    if (rc != NC_NOERR) return REGIA_FAIL(REGIA_ERR_NETCDF, "cannot open %s: %s", path, nc_strerror(rc));
    char name[128] = "";
    size_t len = 0;
    nc_type t;
    if (nc_inq_att(ncid, NC_GLOBAL, "regia_domain", &t, &len) == NC_NOERR && t == NC_CHAR && len < sizeof name)
        nc_get_att_text(ncid, NC_GLOBAL, "regia_domain", name);
    name[len < sizeof name ? len : 0] = '\0';
    nc_close(ncid);
    if (!name[0])
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s has no global attribute regia_domain: not a regia run's output", path);
    *dom = regia_domain_find(name);
    if (!*dom) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: regia_domain '%s' is no domain of this regia", path, name);
    if (!(*dom)->products)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: regia %s makes no products (the domain has no products hook)", path,
                          name);
    return REGIA_OK;
}

/* The extra outputs listed in the manifest: entries of "outputs" other than the output
 * itself and the products (whose paths hold a '/'), found beside the output. */
static int manifest_extras(const char *output, const char *manifest, char paths[][PATH_MAX], char roles[][64],
                           const regia_log_t *log)
{
    json_error_t jerr;
    json_t *root = json_load_file(manifest, 0, &jerr);
    if (!root) {
        regia_warn(log, "%s: %s (line %d); the products are made without the run's extra outputs", manifest, jerr.text,
                   jerr.line);
        return 0;
    }
    const char *slash = strrchr(output, '/');
    int dirlen = slash ? (int)(slash - output + 1) : 0, n = 0;
    json_t *outs = json_object_get(root, "outputs"), *e;
    size_t i;
    json_array_foreach(outs, i, e) {
        const char *p = json_string_value(json_object_get(e, "path"));
        const char *r = json_string_value(json_object_get(e, "role"));
        if (p && !strcmp(p, regia_file_name(output))) { /* the output itself: still what the run wrote? */
            const char *want = json_string_value(json_object_get(e, "sha256"));
            char got[65];
            if (want && regia_sha256_file(output, got) == REGIA_OK && strcmp(got, want) != 0)
                regia_warn(log, "%s differs from the file %s lists (SHA-256 %.12s..., listed %.12s...): the products "
                           "are made from the file as it is now", output, manifest, got, want);
            regia_error_clear();
            continue;
        }
        if (!p || !r || strchr(p, '/') || n == REGIA_MAX_EXTRA) continue;
        snprintf(paths[n], PATH_MAX, "%.*s%s", dirlen, output, p);
        snprintf(roles[n], 64, "%s", r);
        if (access(paths[n], R_OK) != 0) {
            regia_warn(log, "%s lists %s (%s), which is not there: made without it", manifest, p, r);
            continue;
        }
        n++;
    }
    json_decref(root);
    return n;
}

static regia_status_t quicklook(const char *output, const char *out_dir, int max_figures, const regia_log_t *log)
{
    regia_status_t st = REGIA_OK;
    regia_products_run_t pr;
    memset(&pr, 0, sizeof pr);
    const regia_domain_t *dom = NULL;
    REGIA_TRY(output_domain(output, &dom));
    char final_dir[PATH_MAX + 320], tmp_dir[PATH_MAX + 400], manifest[PATH_MAX];
    regia_sibling_path(output, ".products", final_dir, sizeof final_dir);
    if (out_dir) {
        char name[256];
        snprintf(name, sizeof name, "%.255s", regia_file_name(final_dir));
        REGIA_TRY(regia_mkdir_p(out_dir));
        snprintf(final_dir, sizeof final_dir, "%s/%s", out_dir, name);
    }
    snprintf(tmp_dir, sizeof tmp_dir, "%s.tmp-quicklook-%ld", final_dir, (long)getpid());
    regia_sibling_path(output, ".manifest.json", manifest, sizeof manifest);
    char paths[REGIA_MAX_EXTRA][PATH_MAX], roles[REGIA_MAX_EXTRA][64];
    const char *ep[REGIA_MAX_EXTRA], *er[REGIA_MAX_EXTRA];
    int n_extra = 0;
    if (access(manifest, R_OK) == 0) n_extra = manifest_extras(output, manifest, paths, roles, log);
    else regia_warn(log, "no manifest %s: the products are made without the run's extra outputs", manifest);
    for (int i = 0; i < n_extra; i++) ep[i] = paths[i], er[i] = roles[i];
    REGIA_TRY(regia_products_make(&pr, dom, output, regia_file_name(output), tmp_dir, final_dir, max_figures, log,
                                  n_extra, ep, er));
    REGIA_TRY(regia_products_commit(&pr));
    regia_info(log, "wrote %s: %d file%s (regia %s products of %s)", final_dir, pr.n, pr.n == 1 ? "" : "s",
               dom->name, regia_file_name(output));
err:
    if (st) regia_products_abort(&pr);
    regia_products_free(&pr);
    return st;
}

int regia_cmd_quicklook(regia_ctx_t *ctx, int argc, char **argv)
{
    const char *output = NULL, *out_dir = NULL;
    long max_figures = 24;
    regia_log_init(&ctx->log, ctx->comm, "regia quicklook", 0);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            if (ctx->rank == 0) usage(stdout);
            return REGIA_EXIT_OK;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            ctx->log.quiet = 1;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            ctx->log.verbose = 1;
        } else if (!strcmp(a, "--out-dir") || !strncmp(a, "--out-dir=", 10)) {
            if (a[9] == '=') out_dir = a + 10;
            else if (i + 1 < argc) out_dir = argv[++i];
            else return regia_usage_error(ctx, "quicklook", "option --out-dir needs a value");
            if (!*out_dir) return regia_usage_error(ctx, "quicklook", "--out-dir: an empty directory name");
        } else if (!strcmp(a, "--quicklook-max") || !strncmp(a, "--quicklook-max=", 16)) {
            const char *v = a[15] == '=' ? a + 16 : i + 1 < argc ? argv[++i] : NULL;
            char *end = NULL;
            if (v) max_figures = strtol(v, &end, 10);
            if (!v || !*v || *end || max_figures < 0 || max_figures > 100000)
                return regia_usage_error(ctx, "quicklook", "--quicklook-max '%s': expected an integer in 0..100000",
                                         v ? v : "");
        } else if (a[0] == '-' && a[1]) {
            return regia_usage_error(ctx, "quicklook", "unknown option '%s'", a);
        } else if (output) {
            return regia_usage_error(ctx, "quicklook", "one OUTPUT.nc only (got '%s' and '%s')", output, a);
        } else {
            output = a;
        }
    }
    if (!output) return regia_usage_error(ctx, "quicklook", "expected OUTPUT.nc");
    regia_status_t st = REGIA_OK;
    if (ctx->rank == 0) st = quicklook(output, out_dir, (int)max_figures, &ctx->log);
    st = regia_agree(ctx, st);
    return st ? REGIA_EXIT_FAIL : REGIA_EXIT_OK;
}
