/* regia publish --catalog DIR [--title T] OUTPUT.nc...: put finished outputs into a
 * catalog people can browse and download from, and tools can read (STAC 1.1).
 *
 * For each output: the output and every file its manifest lists are checked by SHA-256
 * (a changed file is refused, named), copied with the manifest and the products directory
 * into DIR/DOMAIN/RUN_ID/, split into per-region extracts with their own products
 * (the domain's item_dim and region_var), and described by STAC items, a run collection,
 * SHA256SUMS and an index.html; then the domain collections, the root catalog and their
 * pages are rebuilt from every run on disk, so publishing again adds runs.  Layout and
 * format: drivers/publish_impl.h, docs/publish.md.  One process: under mpirun only rank 0
 * works.  An flock on DIR/.publish.lock keeps two publishes into one catalog apart. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "domain.h"
#include "driver_impl.h"
#include "publish_impl.h"
#include "regia/io.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

static void publish_usage(FILE *f)
{
    fprintf(f,
            "usage: regia publish --catalog DIR [--title T] [--quicklook-max N] [--no-regions] OUTPUT.nc...\n\n"
            "Publishes finished regia outputs into the catalog directory DIR (made if needed): each output\n"
            "with its manifest, extra outputs and products (OUTPUT_STEM.products/) goes to\n"
            "DIR/DOMAIN/RUN_ID/ with per-region extracts (regions/REGION.nc and their own products),\n"
            "SHA256SUMS, STAC 1.1 JSON (catalog.json, a collection per domain and per run, an item per\n"
            "output and per region) and index.html pages (plain files, relative links, no scripts).\n"
            "Every file the output's manifest lists is checked by SHA-256 first: a changed file is refused.\n"
            "Publishing into an existing catalog adds the runs (the same run again replaces it).\n"
            "  --catalog DIR       the catalog directory (required)\n"
            "  --title T           the root catalog's title (kept from the last publish when not given)\n"
            "  --quicklook-max N   at most N per-item figures in each region's products (default 24)\n"
            "  --no-regions        no per-region extracts\n"
            "See docs/publish.md.\n");
}

/* a is option `name` (exactly, before any '=': kl bytes) */
static int is_opt(const char *a, size_t kl, const char *name) { return kl == strlen(name) && !strncmp(a, name, kl); }

static int publish_fail(const char *msg)
{
    fprintf(stderr, "regia publish: %s\n", msg);
    return REGIA_EXIT_FAIL;
}

int regia_cmd_publish(regia_ctx_t *ctx, int argc, char **argv)
{
    if (ctx->rank != 0) return REGIA_EXIT_OK;
    regia_pub_opts_t o = {.max_figures = 24, .log = &ctx->log};
    const char **outputs = calloc((size_t)argc + 1, sizeof *outputs);
    int n_out = 0, n_prep = 0, n_done = 0, rc = REGIA_EXIT_OK, lock_fd = -1;
    regia_pub_run_t *runs = NULL;
    if (!outputs) return publish_fail("out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        size_t kl = strcspn(a, "=");
        int has_eq = a[kl] == '=';
        int takes = is_opt(a, kl, "--catalog") || is_opt(a, kl, "--title") || is_opt(a, kl, "--quicklook-max");
        if (takes) {
            if (has_eq) val = a + kl + 1;
            else if (i + 1 < argc) val = argv[++i];
            if (!val || !*val) {
                rc = regia_usage_error(ctx, "publish", "option %.*s needs a value", (int)kl, a);
                goto cleanup;
            }
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { publish_usage(stdout); goto cleanup; }
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) ctx->log.quiet = 1;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) ctx->log.verbose = 1;
        else if (!strcmp(a, "--no-regions")) o.no_regions = 1;
        else if (is_opt(a, kl, "--catalog")) o.catalog = val;
        else if (is_opt(a, kl, "--title")) o.title = val;
        else if (is_opt(a, kl, "--quicklook-max")) {
            char *end;
            long v = strtol(val, &end, 10);
            if (*end || v < 0 || v > 10000) {
                rc = regia_usage_error(ctx, "publish", "--quicklook-max '%s': expected an integer in 0..10000", val);
                goto cleanup;
            }
            o.max_figures = (int)v;
        } else if (a[0] == '-' && a[1]) {
            rc = regia_usage_error(ctx, "publish", "unknown option '%s'", a);
            goto cleanup;
        } else outputs[n_out++] = a;
    }
    if (!o.catalog) { rc = regia_usage_error(ctx, "publish", "--catalog DIR is required"); goto cleanup; }
    if (n_out == 0) { rc = regia_usage_error(ctx, "publish", "no OUTPUT.nc given"); goto cleanup; }
    if (regia_mkdir_p(o.catalog) != REGIA_OK) { rc = publish_fail(regia_error_msg()); goto cleanup; }
    char lock[PATH_MAX + 32];
    snprintf(lock, sizeof lock, "%s/.publish.lock", o.catalog);
    lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX) != 0) {
        char m[PATH_MAX + 128];
        snprintf(m, sizeof m, "%s: cannot lock the catalog: %s", lock, strerror(errno));
        rc = publish_fail(m);
        goto cleanup;
    }
    /* every output checked and prepared first: one changed file publishes nothing */
    runs = calloc((size_t)n_out, sizeof *runs);
    if (!runs) { rc = publish_fail("out of memory"); goto cleanup; }
    for (int i = 0; i < n_out && rc == REGIA_EXIT_OK; i++) {
        if (regia_pub_prepare(&o, outputs[i], &runs[i]) != REGIA_OK) rc = publish_fail(regia_error_msg());
        n_prep = i + 1;
    }
    for (int i = 0; i < n_out && rc == REGIA_EXIT_OK; i++) {
        if (regia_pub_commit(&o, &runs[i]) != REGIA_OK) rc = publish_fail(regia_error_msg());
        else n_done++, printf("regia publish: %s -> %s/%s/%s/ (%d item%s)\n", outputs[i], o.catalog, runs[i].domain,
                    runs[i].run_id, runs[i].n_items, runs[i].n_items > 1 ? "s" : "");
    }
    /* the levels above the runs, from every run on disk (also when a later run failed) */
    if (n_done == 0) goto cleanup;
    regia_status_t st = regia_pub_stac_rebuild(o.catalog, o.title);
    if (st) rc = publish_fail(regia_error_msg());
    else if (rc == REGIA_EXIT_OK)
        printf("regia publish: catalog %s/catalog.json, pages %s/index.html\n", o.catalog, o.catalog);
cleanup:
    for (int i = 0; i < n_prep; i++) regia_pub_run_free(&runs[i]);
    free(runs);
    if (lock_fd >= 0) close(lock_fd);
    free(outputs);
    return rc;
}
