/* JSON manifests of a run's inputs, outputs and timings (see regia/io.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/io.h"

typedef struct {
    char *list, *role, *path, *title, sha[65]; /* title: NULL unless a product's */
} file_t;

typedef struct {
    char *key, *value; /* value already JSON-encoded */
} pair_t;

struct regia_manifest {
    pair_t *pairs;
    int n_pairs;
    file_t *files;
    int n_files;
    pair_t *timings;
    int n_timings;
};

/* Append `s` to a growing buffer as a JSON string literal. */
static char *json_string(const char *s)
{
    size_t cap = strlen(s) * 6 + 3, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') { out[n++] = '\\'; out[n++] = (char)*p; }
        else if (*p == '\n') { out[n++] = '\\'; out[n++] = 'n'; }
        else if (*p < 0x20) n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
        else out[n++] = (char)*p;
    }
    out[n++] = '"';
    out[n] = '\0';
    return out;
}

const char *regia_file_name(const char *path)
{
    const char *b = path ? strrchr(path, '/') : NULL;
    return b && b[1] ? b + 1 : path;
}

regia_manifest_t *regia_manifest_new(const char *tool)
{
    regia_manifest_t *m = calloc(1, sizeof *m);
    if (m) regia_manifest_str(m, "tool", tool);
    return m;
}

void regia_manifest_free(regia_manifest_t *m)
{
    if (!m) return;
    for (int i = 0; i < m->n_pairs; i++) { free(m->pairs[i].key); free(m->pairs[i].value); }
    for (int i = 0; i < m->n_files; i++) {
        free(m->files[i].list); free(m->files[i].role); free(m->files[i].path); free(m->files[i].title);
    }
    for (int i = 0; i < m->n_timings; i++) { free(m->timings[i].key); free(m->timings[i].value); }
    free(m->pairs); free(m->files); free(m->timings);
    free(m);
}

static void add_pair(pair_t **arr, int *n, const char *key, char *encoded)
{
    pair_t *p = realloc(*arr, (size_t)(*n + 1) * sizeof *p);
    if (!p) { free(encoded); return; }
    *arr = p;
    p[*n].key = strdup(key);
    p[*n].value = encoded;
    (*n)++;
}

void regia_manifest_str(regia_manifest_t *m, const char *key, const char *value)
{
    add_pair(&m->pairs, &m->n_pairs, key, json_string(value ? value : ""));
}

static char *json_number(double v)
{
    char *s = malloc(32);
    if (!s) return NULL;
    if (isfinite(v)) snprintf(s, 32, "%.17g", v); else snprintf(s, 32, "null");
    return s;
}

void regia_manifest_num(regia_manifest_t *m, const char *key, double value)
{
    add_pair(&m->pairs, &m->n_pairs, key, json_number(value));
}

void regia_manifest_timing(regia_manifest_t *m, const char *stage, double seconds)
{
    add_pair(&m->timings, &m->n_timings, stage, json_number(seconds));
}

regia_status_t regia_manifest_file(regia_manifest_t *m, const char *list, const char *role, const char *path)
{
    return regia_manifest_file_as(m, list, role, path, path);
}

regia_status_t regia_manifest_file_as(regia_manifest_t *m, const char *list, const char *role, const char *path,
                                      const char *hash_path)
{
    char hex[65];
    regia_status_t st = regia_sha256_file(hash_path, hex);
    if (st) return st;
    return regia_manifest_file_sha(m, list, role, path, hex);
}

regia_status_t regia_manifest_file_sha(regia_manifest_t *m, const char *list, const char *role, const char *path,
                                       const char *sha)
{
    char hex[65];
    snprintf(hex, sizeof hex, "%s", sha);
    file_t *f = realloc(m->files, (size_t)(m->n_files + 1) * sizeof *f);
    if (!f) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    m->files = f;
    f += m->n_files++;
    f->list = strdup(list);
    f->role = strdup(role);
    f->path = strdup(regia_file_name(path)); /* the file's name: no machine path is published */
    f->title = NULL;
    memcpy(f->sha, hex, sizeof hex);
    return REGIA_OK;
}

regia_status_t regia_manifest_product(regia_manifest_t *m, const char *role, const char *relpath,
                                      const char *hash_path, const char *title)
{
    if (!relpath || !*relpath || relpath[0] == '/' || strstr(relpath, ".."))
        return REGIA_FAIL(REGIA_ERR_INVALID, "manifest: a product's path '%s' must be relative, without '..'",
                          relpath ? relpath : "(null)");
    char hex[65];
    regia_status_t st = regia_sha256_file(hash_path, hex);
    if (st) return st;
    file_t *f = realloc(m->files, (size_t)(m->n_files + 1) * sizeof *f);
    if (!f) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    m->files = f;
    f += m->n_files++;
    f->list = strdup("outputs");
    f->role = strdup(role);
    f->path = strdup(relpath);
    f->title = strdup(title ? title : "");
    memcpy(f->sha, hex, sizeof hex);
    return REGIA_OK;
}

regia_status_t regia_manifest_write(const regia_manifest_t *m, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    fprintf(f, "{\n");
    for (int i = 0; i < m->n_pairs; i++) {
        char *k = json_string(m->pairs[i].key);
        fprintf(f, "  %s: %s,\n", k, m->pairs[i].value);
        free(k);
    }
    static const char *lists[] = {"inputs", "outputs"};
    for (int l = 0; l < 2; l++) {
        fprintf(f, "  \"%s\": [", lists[l]);
        int first = 1;
        for (int i = 0; i < m->n_files; i++) {
            if (strcmp(m->files[i].list, lists[l]) != 0) continue;
            char *p = json_string(m->files[i].path), *r = json_string(m->files[i].role);
            char *t = m->files[i].title ? json_string(m->files[i].title) : NULL;
            fprintf(f, "%s\n    {\"role\": %s, \"path\": %s, \"sha256\": \"%s\"", first ? "" : ",", r, p,
                    m->files[i].sha);
            if (t) fprintf(f, ", \"title\": %s", t);
            fputc('}', f);
            free(p);
            free(r);
            free(t);
            first = 0;
        }
        fprintf(f, "%s],\n", first ? "" : "\n  ");
    }
    fprintf(f, "  \"timings_s\": {");
    for (int i = 0; i < m->n_timings; i++) {
        char *k = json_string(m->timings[i].key);
        fprintf(f, "%s\n    %s: %s", i ? "," : "", k, m->timings[i].value);
        free(k);
    }
    fprintf(f, "%s}\n}\n", m->n_timings ? "\n  " : "");
    fclose(f);
    regia_status_t st = regia_atomic_write(path, buf, len);
    free(buf);
    return st;
}
