/* publish_impl.h - regia publish: a run's outputs as a STAC 1.1 catalog of plain files
 * (internal to drivers/: cmd_publish.c, publish_run.c, publish_stac.c, publish_html.c).
 *
 * Layout of a catalog directory DIR (every href relative, so the tree can be copied or
 * served by any web server as it is):
 *   DIR/catalog.json, DIR/index.html               root: every domain, every run
 *   DIR/DOMAIN/collection.json, DIR/DOMAIN/index.html   a collection per domain (its runs)
 *   DIR/DOMAIN/RUN_ID/collection.json, index.html  a collection per run (its items)
 *   DIR/DOMAIN/RUN_ID/OUTPUT.nc, OUTPUT.manifest.json, OUTPUT.products/, extras
 *   DIR/DOMAIN/RUN_ID/OUTPUT.item.json             the item of the whole output
 *   DIR/DOMAIN/RUN_ID/regions/SLUG.nc, SLUG.products/, SLUG.item.json   per-region extracts
 *   DIR/DOMAIN/RUN_ID/SHA256SUMS                   every data file of the run (sha256sum -c)
 * A run directory is written whole under a temporary name and then swapped in; the domain
 * and root levels are rebuilt from what is on disk after each run, so publishing again
 * adds runs (or replaces a run published before: same RUN_ID).
 * Everything here runs on one process (rank 0), no MPI. */
#ifndef REGIA_PUBLISH_IMPL_H
#define REGIA_PUBLISH_IMPL_H

#include <limits.h>
#include <stddef.h>

#include "regia/log.h"
#include "regia/status.h"

/* One file of an item: its path relative to the run directory, its role (the manifest's
 * or the products hook's: "forecast", "manifest", "summary", "quicklook" ...), a title,
 * its SHA-256 and size. */
typedef struct {
    char *path, *role, *title;
    char sha[65];
    long long size;
} regia_pub_file_t;

/* An item: the whole output, or one region's extract. */
typedef struct {
    char *id;                  /* unique in the run ("env_forecast", "env_forecast-milano")   */
    char *title, *description;
    char *region;              /* the region's name; NULL for the whole output              */
    char *json_path;           /* the item's JSON, relative to the run directory            */
    regia_pub_file_t *files;   /* files[0] is the NetCDF                                     */
    int n_files;
    int has_bbox;
    double bbox[4];            /* west, south, east, north (degrees)                         */
    char start[40], end[40];   /* RFC 3339 UTC, or "" when the output has no time coverage   */
    char created[40];          /* the output's date_created (RFC 3339), or ""                */
    char license[256];         /* the output's license attribute                             */
} regia_pub_item_t;

/* One published run (one output and its extracts). */
typedef struct {
    char domain[64];           /* the output's regia_domain ("env"); its directory name     */
    char run_id[160];          /* DATE_CREATED-OUTPUT_STEM ("20261201T162225Z-env_forecast") */
    char catalog[PATH_MAX];    /* the catalog directory                                      */
    char dir[PATH_MAX];        /* where the run is being written (temporary)                 */
    char title[512], description[2048];
    regia_pub_item_t *items;   /* items[0] is the whole output                               */
    int n_items;
    regia_pub_file_t sums;     /* SHA256SUMS                                                 */
} regia_pub_run_t;

/* What the command line asked. */
typedef struct {
    const char *catalog;       /* --catalog DIR                                              */
    const char *title;         /* --title T (the root catalog's), or NULL                    */
    int max_figures;           /* per-item figures of each extract's products               */
    int no_regions;            /* --no-regions: publish without per-region extracts         */
    const regia_log_t *log;
} regia_pub_opts_t;

/* publish_run.c.  Check OUTPUT against its manifest (OUTPUT_STEM.manifest.json: every file
 * it lists must have the SHA-256 recorded; a changed or missing file is refused, named),
 * copy the output, its manifest, extras and products directory into a temporary run
 * directory under DIR/DOMAIN/, make the per-region extracts (the domain's item_dim and
 * region_var, regia/extract.h) with the domain's products hook run on each, and fill
 * *run (zeroed first; free with regia_pub_run_free, also after an error).  The temporary
 * directory is removed on error. */
regia_status_t regia_pub_prepare(const regia_pub_opts_t *o, const char *output, regia_pub_run_t *run);

/* Write SHA256SUMS, the items' JSON, the run's collection.json and index.html into
 * run->dir, then put the run directory in place as DIR/DOMAIN/RUN_ID (an older run of the
 * same id is replaced whole).  On error the temporary directory is removed. */
regia_status_t regia_pub_commit(const regia_pub_opts_t *o, regia_pub_run_t *run);

void regia_pub_run_free(regia_pub_run_t *run);

/* publish_stac.c.  The STAC JSON of a run: one item per entry of run->items (written to
 * run->dir/item->json_path) and the run's collection.json; links go to the domain's
 * collection (../collection.json) and the root (../../catalog.json). */
regia_status_t regia_pub_stac_run(const regia_pub_run_t *run);

/* publish_stac.c.  Rebuild DIR/DOMAIN/collection.json (for each domain directory that
 * holds runs) and DIR/catalog.json from the run collections on disk, and the HTML index
 * of both levels (publish_html.c).  title: the root's title (NULL: keep the existing
 * root's title, or "regia results"). */
regia_status_t regia_pub_stac_rebuild(const char *catalog, const char *title);

/* publish_html.c.  The run's index.html: figures as thumbnails (PNG, linking the SVG),
 * each summary CSV as an HTML table, every file with its size and SHA-256, the regions. */
regia_status_t regia_pub_html_run(const regia_pub_run_t *run);

/* publish_html.c.  An index page listing children: one row per entry (title, a relative
 * link, the period, the bbox text), written atomically to path. */
typedef struct {
    const char *title, *href, *period, *where, *kind;
} regia_pub_row_t;
regia_status_t regia_pub_html_list(const char *path, const char *title, const char *description,
                                   const char *up_href, const regia_pub_row_t *rows, int n);

/* publish_html.c.  Append `s` HTML-escaped to f. */
#include <stdio.h>
void regia_pub_html_escape(FILE *f, const char *s);

/* The media type of a file by its name (".nc" application/netcdf ...). */
const char *regia_pub_media_type(const char *path);

#endif
