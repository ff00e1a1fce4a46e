/* regia publish: the catalog's web pages - plain HTML files with relative links, no
 * scripts, no external fonts or styles (publish_impl.h).  A run's page shows its figures
 * as thumbnails, its summary tables as HTML tables and every file with its size and
 * SHA-256; list pages (root, domain) have a row per run.  Rank 0, no MPI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publish_impl.h"
#include "regia/fileutil.h"
#include "regia/io.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

enum { MAX_TABLE_ROWS = 200, MAX_CSV_BYTES = 64 << 20 };

static const char *STYLE =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:1.5em auto;"
    "max-width:80em;padding:0 1em;color:#1a1a1a;line-height:1.4}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.85em}"
    "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
    "th{background:#eef2f7;white-space:nowrap}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.long{min-width:24em}"
    "code{font-size:.8rem;word-break:break-all}.wrap{overflow-x:auto}"
    "figure{display:inline-block;margin:.4em;width:330px;vertical-align:top}"
    "figure img{width:320px;border:1px solid #ccc}figcaption{font-size:.8em}"
    "nav{font-size:.9em}.note{color:#555;font-size:.85em}";

void regia_pub_html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* An href: every byte outside the URL-safe set percent-encoded (file names are plain, but
 * region names may carry accents). */
static void href_escape(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("-_./~", *c))
            fputc(*c, f);
        else
            fprintf(f, "%%%02X", *c);
    }
}

static void head(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
    regia_pub_html_escape(f, title);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", STYLE);
}

static void human_size(long long n, char *buf, size_t cap)
{
    if (n < 1024) snprintf(buf, cap, "%lld B", n);
    else if (n < 1024 * 1024) snprintf(buf, cap, "%.1f KiB", n / 1024.0);
    else if (n < 1024LL * 1024 * 1024) snprintf(buf, cap, "%.1f MiB", n / 1048576.0);
    else snprintf(buf, cap, "%.2f GiB", n / 1073741824.0);
}

/* Close the page's memory stream (which sets *buf and *len) and write it to path. */
static regia_status_t finish(FILE *f, char **buf, size_t *len, const char *path)
{
    fclose(f);
    regia_status_t st = regia_atomic_write(path, *buf, *len);
    free(*buf);
    return st;
}

/* ---- CSV (RFC 4180 as regia/table.h writes it: BOM, quotes, CRLF) as an HTML table ------- */

/* Parse one field at *p; returns it (malloc'ed) and moves *p past it and its separator;
 * *eol is set at the end of a record. */
static char *csv_field(const char **p, int *eol)
{
    const char *s = *p;
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    int quoted = *s == '"';
    if (quoted) s++;
    for (;;) {
        char c = *s;
        if (!c) { *eol = 1; break; }
        if (quoted) {
            if (c == '"' && s[1] == '"') { c = '"'; s++; }
            else if (c == '"') { quoted = 0; s++; continue; }
        } else if (c == ',') { s++; *eol = 0; break; }
        else if (c == '\r' || c == '\n') {
            s += (c == '\r' && s[1] == '\n') ? 2 : 1;
            *eol = 1;
            break;
        }
        if (n + 2 > cap) {
            char *t = realloc(out, cap *= 2);
            if (!t) { free(out); return NULL; }
            out = t;
        }
        out[n++] = c;
        s++;
    }
    out[n] = '\0';
    *p = s;
    return out;
}

static int looks_numeric(const char *s)
{
    if (!*s) return 0;
    char *end;
    strtod(s, &end);
    return *end == '\0';
}

/* The CSV at path as an HTML table (at most MAX_TABLE_ROWS rows, the rest counted). */
static void csv_table(FILE *f, const char *path, const char *href)
{
    char *text = NULL;
    size_t len = 0;
    if (regia_read_file(path, MAX_CSV_BYTES, &text, &len) != REGIA_OK) {
        fputs("<p class=\"note\">(the table could not be read: ", f);
        regia_pub_html_escape(f, regia_error_msg());
        fputs(")</p>\n", f);
        return;
    }
    const char *p = text;
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) p += 3;
    long row = 0, more = 0;
    fputs("<div class=\"wrap\"><table>\n", f);
    while (*p) {
        int eol = 0, col = 0;
        if (row > MAX_TABLE_ROWS) {
            /* count the rest */
            while (*p) { char *x = csv_field(&p, &eol); free(x); if (eol) more++; }
            break;
        }
        fputs("<tr>", f);
        while (!eol) {
            char *v = csv_field(&p, &eol);
            if (!v) break;
            const char *tag = row == 0 ? "th" : "td";
            /* numbers right-aligned; a long text gets room (else the table squeezes it into
             * a narrow column of many lines) */
            fprintf(f, "<%s%s>", tag,
                    row && looks_numeric(v) ? " class=\"num\"" : row && strlen(v) > 40 ? " class=\"long\"" : "");
            regia_pub_html_escape(f, v);
            fprintf(f, "</%s>", tag);
            free(v);
            col++;
        }
        fputs("</tr>\n", f);
        row++;
    }
    fputs("</table></div>\n", f);
    if (more > 0) {
        fprintf(f, "<p class=\"note\">%ld more rows in <a href=\"", more);
        href_escape(f, href);
        fputs("\">the CSV file</a>.</p>\n", f);
    }
    free(text);
}

/* ---- a run's page ---------------------------------------------------------------------- */

/* href of run-relative path: the page is at the run's root. */
static void figures(FILE *f, const regia_pub_item_t *it, int say_none)
{
    int any = 0;
    for (int i = 0; i < it->n_files; i++) {
        const regia_pub_file_t *x = &it->files[i];
        size_t n = strlen(x->path);
        if (strcmp(x->role, "quicklook") || n < 4 || strcmp(x->path + n - 4, ".png")) continue;
        if (!any) fputs("<div>\n", f);
        any = 1;
        char svg[PATH_MAX * 2];
        snprintf(svg, sizeof svg, "%.*s.svg", (int)(n - 4), x->path);
        int has_svg = 0;
        for (int j = 0; j < it->n_files; j++) has_svg |= !strcmp(it->files[j].path, svg);
        fputs("<figure><a href=\"", f);
        href_escape(f, has_svg ? svg : x->path);
        fputs("\"><img src=\"", f);
        href_escape(f, x->path);
        fputs("\" alt=\"", f);
        regia_pub_html_escape(f, x->title);
        fputs("\" loading=\"lazy\"></a><figcaption>", f);
        regia_pub_html_escape(f, x->title);
        fputs(has_svg ? " (click for the SVG)" : "", f);
        fputs("</figcaption></figure>\n", f);
    }
    if (any) fputs("</div>\n", f);
    else if (say_none) fputs("<p class=\"note\">No figures: the run made no quicklooks (make them with <code>regia "
                             "quicklook OUTPUT.nc</code>, then publish again).</p>\n", f);
}

static void tables(FILE *f, const char *run_dir, const regia_pub_item_t *it, int say_none)
{
    int any = 0;
    for (int i = 0; i < it->n_files; i++) {
        const regia_pub_file_t *x = &it->files[i];
        size_t n = strlen(x->path);
        if ((strcmp(x->role, "summary") != 0 && strcmp(x->role, "table") != 0) || n < 4 ||
            strcmp(x->path + n - 4, ".csv") != 0)
            continue;
        fputs("<h3>", f);
        regia_pub_html_escape(f, x->title);
        fputs(" (<a href=\"", f);
        href_escape(f, x->path);
        fputs("\">", f);
        regia_pub_html_escape(f, regia_file_name(x->path));
        fputs("</a>)</h3>\n", f);
        char full[PATH_MAX * 2];
        snprintf(full, sizeof full, "%s/%s", run_dir, x->path);
        csv_table(f, full, x->path);
        any = 1;
    }
    if (!any && say_none) fputs("<p class=\"note\">No summary table: the run made none.</p>\n", f);
}

static void file_row(FILE *f, const regia_pub_file_t *x)
{
    char sz[32];
    human_size(x->size, sz, sizeof sz);
    fputs("<tr><td><a href=\"", f);
    href_escape(f, x->path);
    fputs("\" download>", f);
    regia_pub_html_escape(f, x->path);
    fputs("</a></td><td>", f);
    regia_pub_html_escape(f, x->title);
    fprintf(f, "</td><td>%s</td><td class=\"num\">%s</td><td><code>%s</code></td></tr>\n", x->role, sz, x->sha);
}

static void downloads(FILE *f, const regia_pub_item_t *it, const regia_pub_file_t *sums)
{
    fputs("<div class=\"wrap\"><table>\n<tr><th>file</th><th>what</th><th>role</th><th>size</th><th>SHA-256</th></tr>\n",
          f);
    for (int i = 0; i < it->n_files; i++) file_row(f, &it->files[i]);
    if (sums) file_row(f, sums);
    fputs("</table></div>\n", f);
}

static void period(FILE *f, const regia_pub_item_t *it)
{
    if (it->start[0] || it->end[0])
        fprintf(f, "%.10s to %.10s", it->start[0] ? it->start : "...", it->end[0] ? it->end : "...");
    if (it->has_bbox)
        fprintf(f, "%s%.4f to %.4f &deg;E, %.4f to %.4f &deg;N", it->start[0] || it->end[0] ? "; " : "", it->bbox[0],
                it->bbox[2], it->bbox[1], it->bbox[3]);
}

regia_status_t regia_pub_html_run(const regia_pub_run_t *run)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    const regia_pub_item_t *it = &run->items[0];
    head(f, run->title);
    fputs("<nav><a href=\"../../index.html\">all runs</a> &rsaquo; <a href=\"../index.html\">", f);
    regia_pub_html_escape(f, run->domain);
    fputs("</a> &rsaquo; this run</nav>\n<h1>", f);
    regia_pub_html_escape(f, run->title);
    fputs("</h1>\n<p>", f);
    regia_pub_html_escape(f, run->description);
    fputs("</p>\n<p class=\"note\">", f);
    period(f, it);
    fputs(". Licence: ", f);
    regia_pub_html_escape(f, it->license[0] ? it->license : "not stated");
    fputs(". Run <code>", f);
    regia_pub_html_escape(f, run->run_id);
    fputs("</code>; machine-readable: <a href=\"collection.json\">collection.json</a> (STAC 1.1), <a href=\"", f);
    href_escape(f, it->json_path);
    fputs("\">the output's item</a>.</p>\n<h2>Figures</h2>\n", f);
    figures(f, it, 1);
    fputs("<h2>Summary</h2>\n", f);
    tables(f, run->dir, it, 1);
    fputs("<h2>Downloads</h2>\n<p class=\"note\">Check a download with <code>sha256sum -c SHA256SUMS</code> in the "
          "folder of the files (or compare the SHA-256 below).</p>\n", f);
    downloads(f, it, &run->sums);
    if (run->n_items > 1) {
        fputs("<h2>Regions</h2>\n<p class=\"note\">Each region's extract holds only its items, with its own summary "
              "and figures.</p>\n<div class=\"wrap\"><table>\n<tr><th>region</th><th>NetCDF</th><th>size</th>"
              "<th>SHA-256</th><th>products</th></tr>\n", f);
        for (int i = 1; i < run->n_items; i++) {
            const regia_pub_item_t *r = &run->items[i];
            char sz[32];
            human_size(r->files[0].size, sz, sizeof sz);
            fprintf(f, "<tr><td><a href=\"#region-%d\">", i);
            regia_pub_html_escape(f, r->region);
            fputs("</a></td><td><a href=\"", f);
            href_escape(f, r->files[0].path);
            fputs("\" download>", f);
            regia_pub_html_escape(f, regia_file_name(r->files[0].path));
            fprintf(f, "</a></td><td class=\"num\">%s</td><td><code>%s</code></td><td>%d files</td></tr>\n", sz,
                    r->files[0].sha, r->n_files - 1);
        }
        fputs("</table></div>\n", f);
        for (int i = 1; i < run->n_items; i++) {
            const regia_pub_item_t *r = &run->items[i];
            fprintf(f, "<details id=\"region-%d\"><summary>", i);
            regia_pub_html_escape(f, r->region);
            fputs("</summary>\n<p class=\"note\">", f);
            period(f, r);
            fputs("; <a href=\"", f);
            href_escape(f, r->json_path);
            fputs("\">STAC item</a>.</p>\n", f);
            figures(f, r, 0);
            tables(f, run->dir, r, 0);
            downloads(f, r, NULL);
            fputs("</details>\n", f);
        }
    }
    fputs("</body>\n</html>\n", f);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/index.html", run->dir);
    return finish(f, &buf, &len, path);
}

regia_status_t regia_pub_html_list(const char *path, const char *title, const char *description,
                                   const char *up_href, const regia_pub_row_t *rows, int n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    head(f, title);
    if (up_href) {
        fputs("<nav><a href=\"", f);
        href_escape(f, up_href);
        fputs("\">all runs</a></nav>\n", f);
    }
    fputs("<h1>", f);
    regia_pub_html_escape(f, title);
    fputs("</h1>\n<p>", f);
    regia_pub_html_escape(f, description);
    fputs("</p>\n<div class=\"wrap\"><table>\n<tr><th>domain</th><th>run</th><th>period</th><th>where</th></tr>\n", f);
    for (int i = 0; i < n; i++) {
        fputs("<tr><td>", f);
        regia_pub_html_escape(f, rows[i].kind);
        fputs("</td><td><a href=\"", f);
        href_escape(f, rows[i].href);
        fputs("\">", f);
        regia_pub_html_escape(f, rows[i].title);
        fputs("</a></td><td>", f);
        regia_pub_html_escape(f, rows[i].period);
        fputs("</td><td>", f);
        regia_pub_html_escape(f, rows[i].where);
        fputs("</td></tr>\n", f);
    }
    if (up_href)
        fputs("</table></div>\n<p class=\"note\"><a href=\"collection.json\">collection.json</a> is this domain's "
              "STAC 1.1 collection.", f);
    else
        fputs("</table></div>\n<p class=\"note\"><a href=\"catalog.json\">catalog.json</a> is the STAC 1.1 root "
              "catalog.", f);
    fputs("</p>\n</body>\n</html>\n", f);
    return finish(f, &buf, &len, path);
}
