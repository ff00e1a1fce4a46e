/* ingest_sensors_file.c - one input file of `regia ingest sensors` -> named traces in the
 * store's units (ingest_sensors_impl.h); the map file. */
#include <ctype.h>
#include <fnmatch.h>
#include <libmseed.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest_sensors_impl.h"
#include "regia/fileutil.h"

/* ---- the map file ------------------------------------------------------------------------ */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    return s;
}

regia_status_t isn_map_load(const char *path, isn_map_t *map)
{
    char *buf = NULL;
    size_t len = 0;
    memset(map, 0, sizeof *map);
    snprintf(map->path, sizeof map->path, "%s", path);
    regia_status_t st = regia_read_file(path, (size_t)1 << 24, &buf, &len);
    if (st) return st;
    int line = 0, cap = 0;
    for (char *p = buf, *nl; p && *p; p = nl) {
        nl = strchr(p, '\n');
        if (nl) *nl++ = 0;
        line++;
        char *s = trim(p);
        if (!*s || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            if (strcasecmp(s, "[map]"))
                { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: unknown section %s (only [map])", path, line, s); break; }
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: expected 'SOURCE = STRUCTURE/SENSOR[/CHANNEL] ...'", path, line); break; }
        *eq = 0;
        if (map->n == cap) {
            cap = cap ? 2 * cap : 16;
            void *q = realloc(map->e, (size_t)cap * sizeof *map->e);
            if (!q) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); break; }
            map->e = q;
        }
        isn_map_entry_t *e = &map->e[map->n];
        memset(e, 0, sizeof *e);
        e->line = line;
        snprintf(e->pattern, sizeof e->pattern, "%s", trim(s));
        char *tok = strtok(trim(eq + 1), " \t");
        if (!e->pattern[0] || !tok) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: a source and a STRUCTURE/SENSOR are needed", path, line); break; }
        char *a = tok, *b = strchr(a, '/'), *c = b ? strchr(b + 1, '/') : NULL;
        if (!b) { st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: '%s' is not STRUCTURE/SENSOR[/CHANNEL]", path, line, tok); break; }
        *b++ = 0;
        if (c) *c++ = 0;
        snprintf(e->structure, sizeof e->structure, "%s", a);
        snprintf(e->sensor, sizeof e->sensor, "%s", b);
        if (c) snprintf(e->channel, sizeof e->channel, "%s", c);
        while (!st && (tok = strtok(NULL, " \t"))) {
            char *end;
            if (!strncmp(tok, "units=", 6)) {
                regia_unit_t u;
                snprintf(e->units, sizeof e->units, "%s", tok + 6);
                if (!regia_sensor_unit(e->units, &u))
                    st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: unknown units '%s' (accepted: %s)", path, line, e->units,
                                    regia_sensor_unit_names());
            } else if (!strncmp(tok, "calibration=", 12)) {
                e->calibration = strtod(tok + 12, &end);
                if (*end || !(e->calibration > 0) || !isfinite(e->calibration))
                    st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: calibration '%s': a positive number of counts per unit",
                                    path, line, tok + 12);
            } else if (!strncmp(tok, "position=", 9)) {
                if (sscanf(tok + 9, "%lf,%lf,%lf", &e->position[0], &e->position[1], &e->position[2]) != 3)
                    st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: position '%s': X,Y,Z in m", path, line, tok + 9);
                e->has_position = 1;
            } else
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: unknown setting '%s' (units=, calibration=, position=)", path,
                                line, tok);
        }
        if (!st && e->calibration > 0 && !e->units[0])
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: calibration without units= (the units the counts are converted to)",
                            path, line);
        if (st) break;
        map->n++;
    }
    free(buf);
    if (st) isn_map_free(map);
    return st;
}

void isn_map_free(isn_map_t *map)
{
    free(map->e);
    map->e = NULL;
    map->n = 0;
}

static const isn_map_entry_t *map_find(const isn_map_t *map, const char *s1, const char *s2)
{
    for (int i = 0; map && i < map->n; i++)
        if (!fnmatch(map->e[i].pattern, s1, 0) || (s2 && !fnmatch(map->e[i].pattern, s2, 0))) return &map->e[i];
    return NULL;
}

/* ---- naming -------------------------------------------------------------------------------- */

/* A NetCDF group or channel name: letters, digits, '_', '-', '+', '.', '@'; others -> '_'. */
static void safe_name(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (const char *p = src; *p && n + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        dst[n++] = (isalnum(c) || c == '_' || c == '-' || c == '+' || c == '.' || c == '@') ? (char)c : '_';
    }
    dst[n] = 0;
    if (n && !isalnum((unsigned char)dst[0])) dst[0] = 'x';
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static regia_sensor_kind_t kind_of(regia_quantity_t q)
{
    switch (q) {
    case REGIA_QTY_ACCEL: return REGIA_SENSOR_ACCEL;
    case REGIA_QTY_TEMPERATURE: return REGIA_SENSOR_TEMPERATURE;
    case REGIA_QTY_INCLINATION: return REGIA_SENSOR_INCLINATION;
    case REGIA_QTY_HUMIDITY: return REGIA_SENSOR_HUMIDITY;
    default: return REGIA_SENSOR_OTHER;
    }
}

/* The sensitive axis from the channel's last letter (x/E/1, y/N/2, z/Z) for vector kinds. */
static void orientation_of(const char *ch, regia_sensor_kind_t k, double o[3])
{
    o[0] = o[1] = o[2] = 0;
    if (k != REGIA_SENSOR_ACCEL || !*ch) return;
    char c = (char)tolower((unsigned char)ch[strlen(ch) - 1]);
    if (c == 'x' || c == 'e' || c == '1') o[0] = 1;
    else if (c == 'y' || c == 'n' || c == '2') o[1] = 1;
    else if (c == 'z') o[2] = 1;
}

/* ---- one file ---------------------------------------------------------------------------- */

static int detect_format(const char *path, int *fmt)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    char b[512];
    size_t n = fread(b, 1, sizeof b, fp);
    fclose(fp);
    if (n >= 8 && !memcmp(b, "\x89HDF\r\n\x1a\n", 8)) *fmt = ISN_STORE;
    else if (n >= 48 && ms_detect(b, (int)n) > 0) *fmt = ISN_MSEED;
    else {
        const char *ext = strrchr(path, '.');
        if (ext && (!strcasecmp(ext, ".nc") || !strcasecmp(ext, ".h5") || !strcasecmp(ext, ".hdf5")))
            *fmt = ISN_STORE; /* the store reader says what is wrong with it */
        else if (ext && (!strcasecmp(ext, ".mseed") || !strcasecmp(ext, ".msd") || !strcasecmp(ext, ".miniseed")))
            *fmt = ISN_MSEED;
        else
            *fmt = ISN_CSV;
    }
    return 0;
}

static regia_status_t grow(isn_file_t *f, int *cap)
{
    if (f->nt < *cap) return REGIA_OK;
    int c = *cap ? 2 * *cap : 16;
    void *a = realloc(f->t, (size_t)c * sizeof *f->t);
    if (a) f->t = a;
    void *b = a ? realloc(f->x, (size_t)c * sizeof *f->x) : NULL;
    if (b) f->x = b;
    if (!a || !b) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    *cap = c;
    return REGIA_OK;
}

static regia_status_t from_store(const char *path, int k, isn_file_t *f)
{
    regia_sensor_store_t *s = NULL;
    regia_status_t st = regia_ss_open(path, &s);
    if (st) return st;
    int cap = 0;
    size_t n = regia_ss_ntraces(s);
    if (n == 0) { /* an empty store, or another HDF5 file (a regia modal output, say) */
        regia_ss_close(s);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no sensor trace in this HDF5 file: not a sensor store (its layout: "
                          "docs/sensors.md)", path);
    }
    f->synthetic = regia_ss_synthetic(s);
    for (size_t i = 0; i < n && !st; i++) {
        if ((st = grow(f, &cap))) break;
        const regia_trace_meta_t *m = regia_ss_trace(s, i);
        isn_trace_t *t = &f->t[f->nt];
        memset(t, 0, sizeof *t);
        t->m = *m;
        t->m.name[0] = 0;
        t->m.file = 0;
        snprintf(t->source, sizeof t->source, "%.63s", m->name);
        t->file = k;
        t->idx = f->nt;
        t->n_stamps = m->n;
        f->x[f->nt] = malloc((size_t)m->n * sizeof(double));
        if (!f->x[f->nt]) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: trace %s: out of memory", path, m->name); break; }
        f->nt++;
        st = regia_ss_read(s, i, 0, m->n, f->x[f->nt - 1]);
        for (int64_t j = 0; !st && j < m->n; j++)
            if (isnan(f->x[f->nt - 1][j])) t->n_nan++;
        f->read++;
        f->kept++;
    }
    regia_ss_close(s);
    return st;
}

regia_status_t isn_read_file(const isn_opts_t *o, const isn_map_t *map, int k, isn_file_t *f)
{
    const char *path = o->data[k], *base = base_name(path);
    regia_sensor_file_t F;
    memset(&F, 0, sizeof F);
    memset(f, 0, sizeof *f);
    if (detect_format(path, &f->format)) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open", path);
    if (f->format == ISN_STORE) return from_store(path, k, f);
    regia_status_t st = f->format == ISN_CSV ? regia_sensor_csv_read(path, &o->csv, &F) : regia_mseed_read(path, &F);
    if (st) goto err;
    f->read = F.units_read;
    f->kept = F.units_kept;
    f->jitter_rms_s = F.jitter_rms_s;
    f->jitter_max_s = F.jitter_max_s;
    f->rej = F.rej;
    f->nrej = F.nrej;
    F.rej = NULL;
    F.nrej = 0;
    int cap = 0;
    for (size_t i = 0; i < F.n && !st; i++) {
        regia_sensor_trace_t *T = &F.t[i];
        if ((st = grow(f, &cap))) break;
        char col[192];
        snprintf(col, sizeof col, "%s:%s", base, T->source);
        const isn_map_entry_t *e = f->format == ISN_CSV ? map_find(map, col, base) : map_find(map, T->source, base);
        isn_trace_t *t = &f->t[f->nt];
        memset(t, 0, sizeof *t);
        /* names: the map, the options, what the file says */
        const char *stn = e ? e->structure : o->structure ? o->structure
                        : f->format == ISN_CSV ? F.structure : T->net;
        char sens_buf[64];
        snprintf(sens_buf, sizeof sens_buf, "%s%s%s", T->sta, T->loc[0] ? "_" : "", T->loc);
        const char *sen = e ? e->sensor : o->sensor ? o->sensor : f->format == ISN_CSV ? F.sensor : sens_buf;
        char stem[64];
        if (f->format == ISN_CSV && !sen[0]) { /* the file's name without its extension */
            snprintf(stem, sizeof stem, "%s", base);
            char *dot = strrchr(stem, '.');
            if (dot && dot != stem) *dot = 0;
            sen = stem;
        }
        if (!stn || !stn[0]) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: trace '%s': no structure name: give --structure NAME, a "
                            "'# structure: NAME' line in the file or a --map entry", path, T->source);
            break;
        }
        safe_name(t->m.structure, sizeof t->m.structure, stn);
        safe_name(t->m.sensor, sizeof t->m.sensor, sen);
        safe_name(t->m.channel, sizeof t->m.channel, e && e->channel[0] ? e->channel : T->channel);
        snprintf(t->m.tag, sizeof t->m.tag, "raw_recording");
        snprintf(t->source, sizeof t->source, "%s", T->source);
        /* units: miniSEED counts through the map's calibration */
        double scale = 1, offset = 0;
        regia_quantity_t q = T->qty;
        snprintf(t->m.units, sizeof t->m.units, "%s", T->units);
        t->m.calibration = 1;
        if (T->qty == REGIA_QTY_COUNTS && e && e->calibration > 0) {
            regia_unit_t u;
            regia_sensor_unit(e->units, &u); /* checked when the map was read */
            scale = u.scale / e->calibration;
            offset = u.offset;
            q = u.qty;
            snprintf(t->m.units, sizeof t->m.units, "%s", u.si);
            t->m.calibration = e->calibration;
        }
        t->m.kind = kind_of(q);
        t->m.fs = T->fs;
        t->m.start_ns = T->start_ns;
        t->m.n = T->n;
        if (e && e->has_position) memcpy(t->m.position, e->position, sizeof t->m.position);
        orientation_of(t->m.channel, t->m.kind, t->m.orientation);
        t->file = k;
        t->idx = f->nt;
        t->overlap = T->overlap;
        t->n_stamps = f->format == ISN_CSV ? T->n_stamps : T->n;
        t->n_nan = T->n_nan;
        t->longest_nan = T->longest_nan;
        t->jitter_rms_s = T->jitter_rms_s;
        t->jitter_max_s = T->jitter_max_s;
        f->x[f->nt] = T->x;
        T->x = NULL;
        if (scale != 1 || offset != 0)
            for (int64_t j = 0; j < T->n; j++) f->x[f->nt][j] = f->x[f->nt][j] * scale + offset;
        f->nt++;
    }
err:
    regia_sensor_file_free(&F);
    return st;
}

void isn_file_free(isn_file_t *f)
{
    for (int i = 0; i < f->nt; i++) free(f->x[i]);
    free(f->x);
    free(f->t);
    free(f->rej);
    memset(f, 0, sizeof *f);
}
