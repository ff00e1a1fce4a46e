/* regia publish: STAC 1.1 JSON (jansson) of a run - one item per output and per region,
 * a collection per run - and the domain collections and root catalog rebuilt from the
 * runs on disk (publish_impl.h).  Assets carry file:size and file:checksum (the STAC
 * file extension v2.1.0; the checksum is a multihash: 0x12 = sha2-256, 0x20 = 32 bytes,
 * then the digest, in hex).  Rank 0, no MPI. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "publish_impl.h"
#include "regia/io.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define STAC_VERSION "1.1.0"
#define FILE_EXT "https://stac-extensions.github.io/file/v2.1.0/schema.json"

const char *regia_pub_media_type(const char *path)
{
    static const struct { const char *ext, *type; } t[] = {
        {".nc", "application/netcdf"}, {".h5", "application/x-hdf5"}, {".csv", "text/csv"},
        {".png", "image/png"}, {".svg", "image/svg+xml"}, {".json", "application/json"},
        {".html", "text/html"}, {"SHA256SUMS", "text/plain"}, {".txt", "text/plain"},
    };
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        size_t k = strlen(t[i].ext);
        if (n >= k && !strcmp(path + n - k, t[i].ext)) return t[i].type;
    }
    return "application/octet-stream";
}

/* Write a JSON value to path (atomically), 2-space indented, keys in insertion order. */
static regia_status_t write_json(const char *path, json_t *v)
{
    if (!v) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory building %s", path);
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (!s) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing %s", path);
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) { free(s); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing %s", path); }
    t[n] = '\n';
    t[n + 1] = '\0';
    regia_status_t st = regia_atomic_write(path, t, n + 1);
    free(t);
    return st;
}

static json_t *link(const char *rel, const char *href, const char *type, const char *title)
{
    json_t *l = json_object();
    json_object_set_new(l, "rel", json_string(rel));
    json_object_set_new(l, "href", json_string(href));
    if (type) json_object_set_new(l, "type", json_string(type));
    if (title && *title) json_object_set_new(l, "title", json_string(title));
    return l;
}

/* STAC's license field: an SPDX identifier, else "other" (the text goes in regia:license). */
static const char *stac_license(const char *text)
{
    if (!text[0]) return "other";
    for (const char *c = text; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("-.+_", *c)))
            return "other";
    return text;
}

/* An asset's STAC roles from its regia role. */
static json_t *asset_roles(const char *role, int first_png)
{
    json_t *r = json_array();
    if (!strcmp(role, "quicklook") || !strcmp(role, "quicklook-svg")) {
        if (first_png) json_array_append_new(r, json_string("thumbnail"));
        json_array_append_new(r, json_string("overview"));
    } else if (!strcmp(role, "manifest") || !strcmp(role, "checksums") || !strcmp(role, "source-manifest")) {
        json_array_append_new(r, json_string("metadata"));
    } else {
        json_array_append_new(r, json_string("data"));
    }
    json_array_append_new(r, json_string(role));
    return r;
}

static json_t *asset(const regia_pub_file_t *f, const char *href, int first_png)
{
    char cs[80];
    snprintf(cs, sizeof cs, "1220%s", f->sha);
    json_t *a = json_object();
    json_object_set_new(a, "href", json_string(href));
    json_object_set_new(a, "type", json_string(regia_pub_media_type(f->path)));
    json_object_set_new(a, "title", json_string(f->title));
    json_object_set_new(a, "roles", asset_roles(f->role, first_png));
    json_object_set_new(a, "file:size", json_integer(f->size));
    json_object_set_new(a, "file:checksum", json_string(cs));
    return a;
}

/* href of run-relative `path` from the directory of run-relative `from` ("regions/x.json"). */
static void rel_href(const char *from, const char *path, char *buf, size_t cap)
{
    int up = 0;
    for (const char *c = from; *c; c++) up += *c == '/';
    buf[0] = '\0';
    /* a file in the same subdirectory as `from` needs no ../ */
    const char *slash = strrchr(from, '/');
    if (slash && !strncmp(path, from, (size_t)(slash - from + 1))) {
        snprintf(buf, cap, "%s", path + (slash - from + 1));
        return;
    }
    for (int i = 0; i < up; i++) strncat(buf, "../", cap - strlen(buf) - 1);
    strncat(buf, path, cap - strlen(buf) - 1);
}

/* A unique asset key: the file's name ("summary.csv"), or the main roles' own words. */
static void asset_key(json_t *assets, const regia_pub_file_t *f, int index, char *buf, size_t cap)
{
    if (index == 0) snprintf(buf, cap, "data");
    else if (!strcmp(f->role, "manifest")) snprintf(buf, cap, "manifest");
    else snprintf(buf, cap, "%s", regia_file_name(f->path));
    for (int k = 2; json_object_get(assets, buf); k++) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "-%d", k);
    }
}

static json_t *bbox_json(const double *b)
{
    return json_pack("[ffff]", b[0], b[1], b[2], b[3]);
}

static json_t *geometry(const regia_pub_item_t *it)
{
    const double *b = it->bbox;
    if (b[0] == b[2] && b[1] == b[3]) return json_pack("{s:s, s:[ff]}", "type", "Point", "coordinates", b[0], b[1]);
    return json_pack("{s:s, s:[[[ff][ff][ff][ff][ff]]]}", "type", "Polygon", "coordinates", b[0], b[1], b[2], b[1],
                     b[2], b[3], b[0], b[3], b[0], b[1]);
}

static void now_rfc3339(char *buf, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A run collection's id, unique in the catalog: DOMAIN-RUN_ID ("env-20261201T162225Z-env_forecast"). */
static const char *collection_id(const regia_pub_run_t *run, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s-%s", run->domain, run->run_id);
    return buf;
}

static json_t *item_json(const regia_pub_run_t *run, const regia_pub_item_t *it)
{
    char href[PATH_MAX * 2], root[64] = "", cid[256];
    int up = 2;
    for (const char *c = it->json_path; *c; c++) up += *c == '/';
    for (int i = 0; i < up; i++) strcat(root, "../");
    strcat(root, "catalog.json");
    json_t *j = json_object();
    json_object_set_new(j, "type", json_string("Feature"));
    json_object_set_new(j, "stac_version", json_string(STAC_VERSION));
    json_object_set_new(j, "stac_extensions", json_pack("[s]", FILE_EXT));
    json_object_set_new(j, "id", json_string(it->id));
    json_object_set_new(j, "geometry", it->has_bbox ? geometry(it) : json_null());
    if (it->has_bbox) json_object_set_new(j, "bbox", bbox_json(it->bbox));
    json_t *p = json_object();
    json_object_set_new(p, "title", json_string(it->title ? it->title : it->id));
    if (it->description) json_object_set_new(p, "description", json_string(it->description));
    if (it->start[0] && it->end[0]) {
        json_object_set_new(p, "datetime", json_null());
        json_object_set_new(p, "start_datetime", json_string(it->start));
        json_object_set_new(p, "end_datetime", json_string(it->end));
    } else {
        char now[40];
        now_rfc3339(now, sizeof now);
        json_object_set_new(p, "datetime", json_string(it->start[0] ? it->start : it->created[0] ? it->created : now));
    }
    if (it->created[0]) json_object_set_new(p, "created", json_string(it->created));
    json_object_set_new(p, "license", json_string(stac_license(it->license)));
    if (it->license[0]) json_object_set_new(p, "regia:license", json_string(it->license));
    json_object_set_new(p, "regia:domain", json_string(run->domain));
    json_object_set_new(p, "regia:run", json_string(run->run_id));
    if (it->region) json_object_set_new(p, "regia:region", json_string(it->region));
    json_object_set_new(j, "properties", p);
    json_t *links = json_array();
    json_array_append_new(links, link("root", root, "application/json", NULL));
    rel_href(it->json_path, "collection.json", href, sizeof href);
    json_array_append_new(links, link("parent", href, "application/json", run->title));
    json_array_append_new(links, link("collection", href, "application/json", run->title));
    json_object_set_new(j, "links", links);
    json_t *assets = json_object();
    int first_png = 1;
    for (int i = 0; i < it->n_files; i++) {
        const regia_pub_file_t *f = &it->files[i];
        char key[256];
        asset_key(assets, f, i, key, sizeof key);
        rel_href(it->json_path, f->path, href, sizeof href);
        int png = !strcmp(f->role, "quicklook") && strstr(f->path, ".png");
        json_object_set_new(assets, key, asset(f, href, png && first_png));
        if (png) first_png = 0;
    }
    if (it->region) {
        /* an extract's provenance: the run's manifest */
        const regia_pub_file_t *m = NULL;
        for (int i = 0; i < run->items[0].n_files; i++)
            if (!strcmp(run->items[0].files[i].role, "manifest")) m = &run->items[0].files[i];
        if (m) {
            regia_pub_file_t sm = *m;
            sm.role = "source-manifest";
            sm.title = "manifest of the run the extract was cut from";
            rel_href(it->json_path, m->path, href, sizeof href);
            json_object_set_new(assets, "source-manifest", asset(&sm, href, 0));
        }
    }
    rel_href(it->json_path, run->sums.path, href, sizeof href);
    json_object_set_new(assets, "checksums", asset(&run->sums, href, 0));
    json_object_set_new(j, "assets", assets);
    json_object_set_new(j, "collection", json_string(collection_id(run, cid, sizeof cid)));
    return j;
}

static json_t *extent_json(int has_bbox, const double *b, const char *start, const char *end)
{
    static const double world[4] = {-180, -90, 180, 90};
    json_t *t = json_array();
    json_array_append_new(t, start && start[0] ? json_string(start) : json_null());
    json_array_append_new(t, end && end[0] ? json_string(end) : json_null());
    return json_pack("{s:{s:[o]}, s:{s:[o]}}", "spatial", "bbox", bbox_json(has_bbox ? b : world), "temporal",
                     "interval", t);
}

/* The union of the items' boxes and periods. */
static void union_extent(const regia_pub_run_t *run, int *has, double *b, char *start, char *end)
{
    *has = 0;
    start[0] = end[0] = '\0';
    for (int i = 0; i < run->n_items; i++) {
        const regia_pub_item_t *it = &run->items[i];
        if (it->has_bbox) {
            if (!*has) memcpy(b, it->bbox, 4 * sizeof *b);
            else {
                if (it->bbox[0] < b[0]) b[0] = it->bbox[0];
                if (it->bbox[1] < b[1]) b[1] = it->bbox[1];
                if (it->bbox[2] > b[2]) b[2] = it->bbox[2];
                if (it->bbox[3] > b[3]) b[3] = it->bbox[3];
            }
            *has = 1;
        }
        if (it->start[0] && (!start[0] || strcmp(it->start, start) < 0)) strcpy(start, it->start);
        if (it->end[0] && (!end[0] || strcmp(it->end, end) > 0)) strcpy(end, it->end);
    }
}

regia_status_t regia_pub_stac_run(const regia_pub_run_t *run)
{
    regia_status_t st = REGIA_OK;
    char path[PATH_MAX * 2];
    for (int i = 0; i < run->n_items && !st; i++) {
        json_t *j = item_json(run, &run->items[i]);
        snprintf(path, sizeof path, "%s/%s", run->dir, run->items[i].json_path);
        st = write_json(path, j);
        json_decref(j);
    }
    if (st) return st;
    int has;
    double b[4];
    char start[40], end[40];
    union_extent(run, &has, b, start, end);
    const regia_pub_item_t *it = &run->items[0];
    json_t *c = json_object();
    json_object_set_new(c, "type", json_string("Collection"));
    json_object_set_new(c, "stac_version", json_string(STAC_VERSION));
    json_object_set_new(c, "stac_extensions", json_pack("[s]", FILE_EXT));
    char cid[256];
    json_object_set_new(c, "id", json_string(collection_id(run, cid, sizeof cid)));
    json_object_set_new(c, "title", json_string(run->title));
    json_object_set_new(c, "description", json_string(run->description[0] ? run->description : run->title));
    json_object_set_new(c, "license", json_string(stac_license(it->license)));
    json_object_set_new(c, "extent", extent_json(has, b, start, end));
    json_t *links = json_array();
    json_array_append_new(links, link("root", "../../catalog.json", "application/json", NULL));
    json_array_append_new(links, link("parent", "../collection.json", "application/json", NULL));
    for (int i = 0; i < run->n_items; i++)
        json_array_append_new(links, link("item", run->items[i].json_path, "application/geo+json",
                                          run->items[i].title ? run->items[i].title : run->items[i].id));
    json_array_append_new(links, link("alternate", "index.html", "text/html", "this run as a web page"));
    json_object_set_new(c, "links", links);
    json_t *assets = json_object();
    json_object_set_new(assets, "checksums", asset(&run->sums, run->sums.path, 0));
    json_object_set_new(c, "assets", assets);
    if (it->license[0]) json_object_set_new(c, "regia:license", json_string(it->license));
    snprintf(path, sizeof path, "%s/collection.json", run->dir);
    st = write_json(path, c);
    json_decref(c);
    return st;
}

/* ---- the levels above the runs, rebuilt from disk ---------------------------------------- */

typedef struct {
    char name[256];            /* directory name */
    json_t *j;                 /* its collection.json */
} child_t;

static int by_name_desc(const void *a, const void *b)
{
    return strcmp(((const child_t *)b)->name, ((const child_t *)a)->name);
}

static int by_name(const void *a, const void *b) { return by_name_desc(b, a); }

/* The subdirectories of dir (not hidden) that hold a readable collection.json, by name
 * (newest first: runs' names start with their date). */
static regia_status_t children(const char *dir, int newest_first, child_t **out, int *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot list: %s", dir, strerror(errno));
    struct dirent *e;
    regia_status_t st = REGIA_OK;
    while ((e = readdir(d)) && !st) {
        if (e->d_name[0] == '.') continue;
        char p[PATH_MAX * 2];
        snprintf(p, sizeof p, "%s/%s/collection.json", dir, e->d_name);
        json_error_t err;
        json_t *j = json_load_file(p, 0, &err);
        if (!j) continue; /* not a run or domain directory */
        child_t *c = realloc(*out, (size_t)(*n + 1) * sizeof *c);
        if (!c) { json_decref(j); st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); break; }
        *out = c;
        snprintf(c[*n].name, sizeof c[*n].name, "%s", e->d_name);
        c[*n].j = j;
        (*n)++;
    }
    closedir(d);
    if (*n > 1) qsort(*out, (size_t)*n, sizeof **out, newest_first ? by_name_desc : by_name);
    return st;
}

static void free_children(child_t *c, int n)
{
    for (int i = 0; i < n; i++) json_decref(c[i].j);
    free(c);
}

static const char *jstr(json_t *o, const char *k, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : dflt;
}

/* A child collection's extent: bbox (1 when not the whole world) and period. */
static int child_extent(json_t *c, double *b, const char **start, const char **end)
{
    json_t *ext = json_object_get(c, "extent");
    json_t *bb = json_array_get(json_object_get(json_object_get(ext, "spatial"), "bbox"), 0);
    json_t *iv = json_array_get(json_object_get(json_object_get(ext, "temporal"), "interval"), 0);
    *start = json_string_value(json_array_get(iv, 0));
    *end = json_string_value(json_array_get(iv, 1));
    if (json_array_size(bb) != 4) return 0;
    for (int i = 0; i < 4; i++) b[i] = json_number_value(json_array_get(bb, (size_t)i));
    return !(b[0] == -180 && b[1] == -90 && b[2] == 180 && b[3] == 90);
}

static void period_text(const char *s, const char *e, char *buf, size_t cap)
{
    if (s || e) snprintf(buf, cap, "%.10s to %.10s", s ? s : "...", e ? e : "...");
    else snprintf(buf, cap, "-");
}

static void where_text(int has, const double *b, char *buf, size_t cap)
{
    if (has) snprintf(buf, cap, "%.3f to %.3f E, %.3f to %.3f N", b[0], b[2], b[1], b[3]);
    else snprintf(buf, cap, "-");
}

/* DIR/DOMAIN/collection.json and index.html from its runs. */
static regia_status_t rebuild_domain(const char *catalog, const char *domain)
{
    char dir[PATH_MAX * 2], path[PATH_MAX * 3];
    snprintf(dir, sizeof dir, "%s/%s", catalog, domain);
    child_t *runs = NULL;
    int n = 0;
    regia_status_t st = children(dir, 1, &runs, &n);
    regia_pub_row_t *rows = calloc((size_t)n + 1, sizeof *rows);
    char (*href)[600] = calloc((size_t)n + 1, sizeof *href), (*per)[128] = calloc((size_t)n + 1, sizeof *per);
    char (*wh)[128] = calloc((size_t)n + 1, sizeof *wh);
    json_t *c = NULL;
    if (!st && (!rows || !href || !per || !wh)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (st) goto cleanup;
    if (n == 0) {
        /* no runs (left): no collection */
        snprintf(path, sizeof path, "%s/collection.json", dir);
        remove(path);
        goto cleanup;
    }
    int has = 0;
    double b[4] = {0};
    const char *start = NULL, *end = NULL;
    json_t *links = json_array();
    json_array_append_new(links, link("root", "../catalog.json", "application/json", NULL));
    json_array_append_new(links, link("parent", "../catalog.json", "application/json", NULL));
    for (int i = 0; i < n; i++) {
        double rb[4];
        const char *s, *e;
        int h = child_extent(runs[i].j, rb, &s, &e);
        if (h) {
            if (!has) memcpy(b, rb, sizeof b);
            else {
                if (rb[0] < b[0]) b[0] = rb[0];
                if (rb[1] < b[1]) b[1] = rb[1];
                if (rb[2] > b[2]) b[2] = rb[2];
                if (rb[3] > b[3]) b[3] = rb[3];
            }
            has = 1;
        }
        if (s && (!start || strcmp(s, start) < 0)) start = s;
        if (e && (!end || strcmp(e, end) > 0)) end = e;
        snprintf(href[i], sizeof href[i], "%s/collection.json", runs[i].name);
        json_array_append_new(links, link("child", href[i], "application/json", jstr(runs[i].j, "title", runs[i].name)));
        snprintf(href[i], sizeof href[i], "%s/index.html", runs[i].name);
        period_text(s, e, per[i], sizeof per[i]);
        where_text(h, rb, wh[i], sizeof wh[i]);
        rows[i] = (regia_pub_row_t){jstr(runs[i].j, "title", runs[i].name), href[i], per[i], wh[i], domain};
    }
    json_array_append_new(links, link("alternate", "index.html", "text/html", "this domain's runs as a web page"));
    char title[256], desc[512];
    snprintf(title, sizeof title, "regia %s: %d run%s", domain, n, n > 1 ? "s" : "");
    snprintf(desc, sizeof desc, "Every published run of regia %s, newest first; each run is a collection of its "
             "outputs and per-region extracts.", domain);
    c = json_object();
    json_object_set_new(c, "type", json_string("Collection"));
    json_object_set_new(c, "stac_version", json_string(STAC_VERSION));
    json_object_set_new(c, "id", json_string(domain));
    json_object_set_new(c, "title", json_string(title));
    json_object_set_new(c, "description", json_string(desc));
    json_object_set_new(c, "license", json_string(stac_license(jstr(runs[0].j, "license", "other"))));
    json_object_set_new(c, "extent", extent_json(has, b, start, end));
    json_object_set_new(c, "links", links);
    snprintf(path, sizeof path, "%s/collection.json", dir);
    if ((st = write_json(path, c))) goto cleanup;
    snprintf(path, sizeof path, "%s/index.html", dir);
    st = regia_pub_html_list(path, title, desc, "../index.html", rows, n);
cleanup:
    json_decref(c);
    free_children(runs, n);
    free(rows); free(href); free(per); free(wh);
    return st;
}

regia_status_t regia_pub_stac_rebuild(const char *catalog, const char *title)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/catalog.json", catalog);
    json_error_t err;
    json_t *old = json_load_file(path, 0, &err), *root = NULL;
    char keep[512] = "regia results";
    if (title) snprintf(keep, sizeof keep, "%s", title);
    else if (old && json_string_value(json_object_get(old, "title")))
        snprintf(keep, sizeof keep, "%s", json_string_value(json_object_get(old, "title")));
    json_decref(old);
    child_t *doms = NULL, *runs = NULL;
    int n = 0, nr = 0, n_rows = 0;
    /* every domain directory first (its collection.json is made here), then the list */
    regia_status_t st = REGIA_OK;
    DIR *d = opendir(catalog);
    if (!d) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot list: %s", catalog, strerror(errno));
    for (struct dirent *e; (e = readdir(d)) && !st;) {
        struct stat sb;
        char dd[PATH_MAX * 2];
        snprintf(dd, sizeof dd, "%s/%s", catalog, e->d_name);
        if (e->d_name[0] != '.' && stat(dd, &sb) == 0 && S_ISDIR(sb.st_mode)) st = rebuild_domain(catalog, e->d_name);
    }
    closedir(d);
    if (!st) st = children(catalog, 0, &doms, &n);
    /* the root's page lists every run of every domain (rows point into store, built last) */
    typedef struct { char title[600], href[700], per[128], wh[128], kind[80]; } row_text_t;
    row_text_t *store = NULL;
    regia_pub_row_t *rows = NULL;
    if (st) goto cleanup;
    json_t *links = json_array();
    root = json_object();
    json_object_set_new(root, "type", json_string("Catalog"));
    json_object_set_new(root, "stac_version", json_string(STAC_VERSION));
    json_object_set_new(root, "id", json_string("regia"));
    json_object_set_new(root, "title", json_string(keep));
    json_object_set_new(root, "description",
                        json_string("Results of regia runs: every output with its manifest, summary tables, quicklook "
                                    "figures, per-region extracts and SHA-256 checksums, as plain files."));
    json_array_append_new(links, link("root", "./catalog.json", "application/json", keep));
    for (int i = 0; i < n && !st; i++) {
        char dd[PATH_MAX * 2], h[600];
        snprintf(h, sizeof h, "%s/collection.json", doms[i].name);
        json_array_append_new(links, link("child", h, "application/json", jstr(doms[i].j, "title", doms[i].name)));
        snprintf(dd, sizeof dd, "%s/%s", catalog, doms[i].name);
        if ((st = children(dd, 1, &runs, &nr))) break;
        row_text_t *s2 = realloc(store, (size_t)(n_rows + nr + 1) * sizeof *store);
        if (!s2) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); break; }
        store = s2;
        for (int k = 0; k < nr; k++) {
            double rb[4];
            const char *s, *e;
            row_text_t *t = &store[n_rows++];
            int hb = child_extent(runs[k].j, rb, &s, &e);
            snprintf(t->title, sizeof t->title, "%s", jstr(runs[k].j, "title", runs[k].name));
            snprintf(t->href, sizeof t->href, "%s/%s/index.html", doms[i].name, runs[k].name);
            period_text(s, e, t->per, sizeof t->per);
            where_text(hb, rb, t->wh, sizeof t->wh);
            snprintf(t->kind, sizeof t->kind, "%s", doms[i].name);
        }
        free_children(runs, nr);
        runs = NULL;
        nr = 0;
    }
    if (!st && !(rows = calloc((size_t)n_rows + 1, sizeof *rows))) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n_rows && !st; i++)
        rows[i] = (regia_pub_row_t){store[i].title, store[i].href, store[i].per, store[i].wh, store[i].kind};
    json_array_append_new(links, link("alternate", "index.html", "text/html", "the catalog as a web page"));
    json_object_set_new(root, "links", links);
    if (!st) st = write_json(path, root);
    snprintf(path, sizeof path, "%s/index.html", catalog);
    if (!st)
        st = regia_pub_html_list(path, keep, "Every published run, by domain (regia env, waitlist, sensors ...). Each "
                                 "run's page has its figures, summary tables and downloads with SHA-256 checksums; "
                                 "catalog.json is the same catalog in STAC 1.1 for tools.", NULL, rows, n_rows);
cleanup:
    free(rows);
    free(store);
    free_children(runs, nr);
    free_children(doms, n);
    json_decref(root);
    return st;
}
