/* modal_input.c - the readers of `regia modal`: NumPy .npy (samples x channels float64 or float32),
 * CSV (a plain table of channel columns, or a sensor export with a time column read by
 * regia_sensor_csv_read), a trace window of the sensor store (regia_ss_*) and miniSEED
 * (regia_mseed_read).  Every reader ends in one record: gap-free channels on one grid. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modal_impl.h"
#include "regia/csv.h"
#include "regia/fileutil.h"
#include "regia/npy.h"
#include "regia/sensor_read.h"
#include "regia/sensor_store.h"

void modal_record_free(modal_record_t *rec)
{
    free(rec->name);
    free(rec->units);
    free(rec->y);
    memset(rec, 0, sizeof *rec);
}

static regia_status_t rec_alloc(modal_record_t *rec, int32_t nch, int64_t n, const char *path)
{
    rec->nch = nch;
    rec->n = n;
    rec->name = calloc((size_t)nch, sizeof *rec->name);
    rec->units = calloc((size_t)nch, sizeof *rec->units);
    rec->y = malloc((size_t)nch * (size_t)n * sizeof *rec->y);
    if (!rec->name || !rec->units || !rec->y)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory for %d channels x %lld samples", path, nch,
                          (long long)n);
    return REGIA_OK;
}

static const char *ext_of(const char *path)
{
    const char *s = strrchr(path, '/'), *d = strrchr(path, '.');
    return d && (!s || d > s) ? d + 1 : "";
}

static regia_status_t read_npy(const char *path, const modal_read_opts_t *o, modal_record_t *rec)
{
    regia_status_t st = REGIA_OK;
    int64_t r, c;
    double *x = NULL;
    REGIA_TRY(regia_npy_read_f64_2d(path, &r, &c, &x));
    if (c > 100000 || (r < c && r > 0)) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %lld rows x %lld columns: more channels than samples; the array "
                        "must be samples x channels (with NumPy: np.save(path, y.T) for a channels x samples y)",
                        path, (long long)r, (long long)c);
        goto err;
    }
    if (r == 0 || c == 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: the array is empty (%lld x %lld)", path, (long long)r,
                        (long long)c);
        goto err;
    }
    REGIA_TRY(rec_alloc(rec, (int32_t)c, r, path));
    for (int64_t t = 0; t < r; t++)
        for (int64_t k = 0; k < c; k++) rec->y[k * r + t] = x[t * c + k];
    for (int64_t k = 0; k < c; k++) snprintf(rec->name[k], MODAL_NAME, "ch%lld", (long long)k);
    rec->fs = o->fs;
    snprintf(rec->format, sizeof rec->format, "npy");
err:
    free(x);
    return st;
}

/* Header field h of column col (0-based) of a plain table: the name, and the units of a
 * NAME [UNITS] field ("" when it has no bracket), looked up in the sensor unit table
 * (regia_sensor_unit; *u untouched for ""); a malformed bracket is an error. */
static regia_status_t table_column(const char *path, int64_t line, int col, const char *h, char *name,
                                   char *units, regia_unit_t *u)
{
    const char *nm, *un;
    size_t nl, nu;
    int k = regia_csv_name_units(h, &nm, &nl, &un, &nu);
    if (k == 0) {
        snprintf(name, MODAL_NAME, "%s", h);
        units[0] = 0;
        return REGIA_OK;
    }
    if (k < 0)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column %d '%s': malformed units: write NAME or NAME "
                          "[UNITS], one pair of brackets at the end and none in the name", path, (long long)line, col + 1, h);
    if (!nl)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column %d '%s' has units but no channel name (NAME [UNITS])",
                          path, (long long)line, col + 1, h);
    if (nl >= MODAL_NAME)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column %d: channel name longer than %d bytes", path,
                          (long long)line, col + 1, MODAL_NAME - 1);
    char in[MODAL_NAME];
    snprintf(in, sizeof in, "%.*s", (int)nu, un);
    if (!regia_sensor_unit(in, u)) {
        int timeish = !strcmp(in, "s") || !strcmp(in, "ms") || !strcmp(in, "us") || !strcmp(in, "ns") ||
                      !strcmp(in, "min") || !strcmp(in, "h");
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column %d '%s': unknown units '%s' (accepted: %s)%s",
                          path, (long long)line, col + 1, h, in, regia_sensor_unit_names(),
                          timeish ? "; a time column is read only as the first column named 'time' with ISO 8601 "
                                    "or dd/mm/yyyy time stamps (a sensor export): drop the column or give --fs"
                                  : "");
    }
    memcpy(name, nm, nl);
    name[nl] = 0;
    snprintf(units, MODAL_NAME, "%s", u->si);
    return REGIA_OK;
}

/* A plain CSV table: an optional header line of channel names (NAME or NAME [UNITS], the
 * units from the sensor unit table: samples converted to the quantity's SI unit as a sensor
 * export's are), then one line per sample. */
static regia_status_t read_csv_table(const char *path, const char *buf, size_t len, const modal_read_opts_t *o,
                                     modal_record_t *rec)
{
    regia_status_t st = REGIA_OK;
    regia_csv_lines_t L;
    regia_csv_header_t H = {0};
    regia_csv_fields_t F = {0};
    double *v = NULL;
    size_t nv = 0, cap = 0;
    int got = 0, header = 0;
    struct {
        char name[MODAL_NAME], units[MODAL_NAME];
        regia_unit_t u;
    } *units = NULL;
    regia_csv_lines_init(&L, path, buf, len, 1, 1, 0);
    double stated_fs = 0; /* "# sampling_rate: 200 Hz" (or "# fs: 200") before the header */
    do {
        REGIA_TRY(regia_csv_lines_next(&L, &got));
        if (got && L.n > 1 && L.text[0] == '#') {
            char c[256];
            snprintf(c, sizeof c, "%.*s", (int)(L.n - 1 < 255 ? L.n - 1 : 255), L.text + 1);
            char *k = regia_csv_trim(c), *sep = strpbrk(k, ":=");
            if (!sep) continue;
            *sep = 0;
            size_t kl = strlen(k);
            while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t')) k[--kl] = 0;
            if (strcasecmp(k, "sampling_rate") && strcasecmp(k, "sampling rate") && strcasecmp(k, "fs")) continue;
            char *e;
            double fs = strtod(sep + 1, &e);
            while (*e == ' ' || *e == '\t') e++;
            if (!strncasecmp(e, "hz", 2)) e += 2;
            while (*e == ' ' || *e == '\t') e++;
            if (!(fs > 0) || !isfinite(fs) || *e) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: sampling rate '%s' is not a positive number of Hz",
                                path, (long long)L.line, regia_csv_trim(sep + 1));
                goto err;
            }
            stated_fs = fs;
        }
    } while (got && (L.n == 0 || L.text[0] == '#'));
    if (!got) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no data lines", path);
        goto err;
    }
    REGIA_TRY(regia_csv_fields_init(&F, 0, 0));
    {
        /* a first line of numbers is data, not a header (its values may repeat: "0,0,0"):
         * the channels are ch0, ch1 ...; numbers hold no ';' or tab, so either one present
         * is the separator ("0,5;1,2": ';' with decimal commas) */
        const char sep0 = memchr(L.text, ';', L.n) ? ';' : memchr(L.text, '\t', L.n) ? '\t' : ',';
        const int nf0 = regia_csv_fields_split(&F, L.text, L.n, sep0);
        int numeric = nf0 > 0;
        for (int k = 0; k < nf0 && numeric; k++) {
            double x;
            numeric = regia_csv_number(F.field[k], sep0 == ';' ? ',' : '.', &x) == 1 ||
                      (k == nf0 - 1 && k > 0 && !*regia_csv_trim(F.field[k])); /* a trailing separator */
        }
        if (numeric) {
            char *hdr = malloc((size_t)nf0 * 16 + 1);
            if (!hdr) {
                st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path);
                goto err;
            }
            size_t off = 0;
            for (int k = 0; k < nf0; k++) {
                if (k) hdr[off++] = sep0;
                if (!(k == nf0 - 1 && k > 0 && !*regia_csv_trim(F.field[k])))
                    off += (size_t)sprintf(hdr + off, "ch%d", k);
            }
            st = regia_csv_header_parse(&H, path, hdr, off, sep0);
            free(hdr);
            if (st) goto err;
        } else {
            header = 1;
            REGIA_TRY(regia_csv_header_parse(&H, path, L.text, L.n, 0));
        }
    }
    /* a separator at the end of the header (spreadsheet exports): an empty last column,
     * left out; its values must be empty too */
    const int trailing = H.n > 1 && !H.name[H.n - 1][0];
    int nch = H.n - trailing;
    int64_t first_line = L.line;
    if (header) {
        units = calloc((size_t)nch, sizeof *units);
        if (!units) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path);
            goto err;
        }
        int with = -1, without = -1;
        for (int k = 0; k < nch; k++) {
            REGIA_TRY(table_column(path, first_line, k, H.name[k], units[k].name, units[k].units, &units[k].u));
            if (units[k].units[0] && with < 0) with = k;
            if (!units[k].units[0] && without < 0) without = k;
            for (int q = 0; q < k; q++)
                if (!strcmp(units[q].name, units[k].name)) {
                    st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: columns %d '%s' and %d '%s' name the same "
                                    "channel '%s'", path, (long long)first_line, q + 1, H.name[q], k + 1,
                                    H.name[k], units[k].name);
                    goto err;
                }
        }
        if (with >= 0 && without >= 0) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column %d '%s' states no units, column %d '%s' does: "
                            "give every column its units (NAME [UNITS]) or none", path, (long long)first_line,
                            without + 1, H.name[without],
                            with + 1, H.name[with]);
            goto err;
        }
    }
    for (int pass_header = header;;) {
        if (pass_header) {
            pass_header = 0;
            REGIA_TRY(regia_csv_lines_next(&L, &got));
            if (!got) break;
        }
        if (L.n == 0 || L.text[0] == '#') {
            REGIA_TRY(regia_csv_lines_next(&L, &got));
            if (!got) break;
            continue;
        }
        int nf = regia_csv_fields_split(&F, L.text, L.n, H.sep);
        REGIA_TRY(regia_csv_check_fields(&H, path, L.line, nf));
        if (nv + (size_t)nch > cap) {
            cap = cap ? 2 * cap : 65536;
            double *nvp = realloc(v, cap * sizeof *v);
            if (!nvp) {
                st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory at line %lld", path, (long long)L.line);
                goto err;
            }
            v = nvp;
        }
        if (trailing && *regia_csv_trim(F.field[nch])) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: a value '%s' in column %d, which the header leaves "
                            "unnamed (it ends with a separator)", path, (long long)L.line, F.field[nch], nch + 1);
            goto err;
        }
        for (int k = 0; k < nch; k++) {
            double x;
            int rc = regia_csv_number(F.field[k], H.decimal, &x);
            if (rc != 1) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld, column %d (%s): %s '%s' (a gap-free record of "
                                "numbers is needed)", path, (long long)L.line, k + 1,
                                header ? H.name[k] : "no header", rc == 0 ? "missing value" : "not a number",
                                F.field[k]);
                goto err;
            }
            v[nv++] = units && units[k].units[0] ? x * units[k].u.scale + units[k].u.offset : x;
        }
        REGIA_TRY(regia_csv_lines_next(&L, &got));
        if (!got) break;
    }
    int64_t n = (int64_t)(nv / (size_t)nch);
    if (n == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no data lines after line %lld", path, (long long)first_line);
        goto err;
    }
    REGIA_TRY(rec_alloc(rec, nch, n, path));
    for (int64_t t = 0; t < n; t++)
        for (int k = 0; k < nch; k++) rec->y[(int64_t)k * n + t] = v[t * nch + k];
    for (int k = 0; k < nch; k++) {
        if (header) {
            snprintf(rec->name[k], MODAL_NAME, "%s", units[k].name);
            snprintf(rec->units[k], MODAL_NAME, "%s", units[k].units);
        } else {
            snprintf(rec->name[k], MODAL_NAME, "ch%d", k);
        }
    }
    rec->fs = stated_fs > 0 ? stated_fs : o->fs; /* modal_read checks --fs against a stated rate */
    snprintf(rec->format, sizeof rec->format, "csv");
err:
    regia_csv_header_free(&H);
    regia_csv_fields_free(&F);
    free(units);
    free(v);
    return st;
}

/* Traces of several channels (one gap-free trace each) onto the grid of their overlap. */
typedef struct {
    const char *name, *units;
    double fs;
    int64_t start_ns, n;
    const double *x;
} chan_t;

static regia_status_t from_channels(const char *path, const chan_t *ch, int nch, modal_record_t *rec)
{
    regia_status_t st = REGIA_OK;
    if (nch < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no channels to analyse", path);
    double fs = ch[0].fs;
    int64_t t0 = ch[0].start_ns, t1 = INT64_MAX;
    for (int k = 0; k < nch; k++) {
        if (fabs(ch[k].fs - fs) > 1e-9 * fs)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: channel %s is sampled at %g Hz, channel %s at %g Hz "
                              "(one rate is needed)", path, ch[k].name, ch[k].fs, ch[0].name, fs);
        if (ch[k].start_ns > t0) t0 = ch[k].start_ns;
        int64_t e = ch[k].start_ns + (int64_t)llround((double)ch[k].n * 1e9 / fs);
        if (e < t1) t1 = e;
    }
    int64_t n = (int64_t)floor((double)(t1 - t0) * fs / 1e9 + 1e-6);
    if (n <= 0) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: the channels do not overlap in time", path);
    REGIA_TRY(rec_alloc(rec, nch, n, path));
    for (int k = 0; k < nch; k++) {
        int64_t k0 = (int64_t)llround((double)(t0 - ch[k].start_ns) * fs / 1e9);
        if (k0 < 0 || k0 + n > ch[k].n) k0 = ch[k].n - n < 0 ? 0 : ch[k].n - n;
        memcpy(rec->y + (int64_t)k * n, ch[k].x + k0, (size_t)n * sizeof *rec->y);
        snprintf(rec->name[k], MODAL_NAME, "%s", ch[k].name);
        snprintf(rec->units[k], MODAL_NAME, "%s", ch[k].units ? ch[k].units : "");
    }
    rec->fs = fs;
    rec->start_ns = t0;
err:
    return st;
}

/* Sensor files read by regia_sensor_csv_read / regia_mseed_read: one trace per channel. */
static regia_status_t from_sensor_file(const char *path, const regia_sensor_file_t *F, modal_record_t *rec)
{
    regia_status_t st = REGIA_OK;
    chan_t *ch = calloc(F->n ? F->n : 1, sizeof *ch);
    if (!ch) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path);
    int any_accel = 0, nch = 0;
    for (size_t i = 0; i < F->n; i++) any_accel |= F->t[i].qty == REGIA_QTY_ACCEL;
    for (size_t i = 0; i < F->n; i++) {
        const regia_sensor_trace_t *t = F->t + i;
        if (any_accel && t->qty != REGIA_QTY_ACCEL) continue;
        for (int k = 0; k < nch; k++)
            if (!strcmp(ch[k].name, t->source)) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: channel %s has a gap or an overlap (it is in several "
                                "traces); regia modal needs one gap-free record", path, t->source);
                goto err;
            }
        if (t->n_nan > 0) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: channel %s has %lld missing samples; regia modal needs a "
                            "gap-free record", path, t->source, (long long)t->n_nan);
            goto err;
        }
        ch[nch++] = (chan_t){t->source, t->units, t->fs, t->start_ns, t->n, t->x};
    }
    st = from_channels(path, ch, nch, rec);
err:
    free(ch);
    return st;
}

/* A sensor file's rejected lines or records are an error here, naming the first (a record
 * needs every sample, and a line left out would otherwise show only as a gap, or not at all
 * at the end); st (the reader's status) is kept, with the first reject added to its message. */
static regia_status_t first_reject(const char *path, regia_status_t st, const regia_sensor_file_t *F,
                                   const char *unit)
{
    if (F->nrej == 0) return st;
    const regia_sensor_reject_t *r = &F->rej[0];
    if (st != REGIA_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", regia_error_msg());
        regia_error_clear();
        return REGIA_FAIL(st, "%s; the first rejected %s is %s %lld: %s", msg, unit, unit, (long long)r->where,
                          r->reason);
    }
    return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s %lld: %s (%zu of %lld %ss rejected; regia modal needs every sample "
                      "of the record: correct the file, or take it through regia ingest sensors, which keeps the "
                      "rest)", path, unit, (long long)r->where, r->reason, F->nrej, (long long)F->units_read, unit);
}

static regia_status_t read_store(const char *path, const modal_read_opts_t *o, modal_record_t *rec)
{
    regia_status_t st = REGIA_OK;
    regia_sensor_store_t *s = NULL;
    chan_t *ch = NULL;
    double **bufs = NULL;
    char (*names)[2 * REGIA_SS_NAME + 2] = NULL;
    int nch = 0;
    REGIA_TRY(regia_ss_open(path, &s));
    const char *structure = o->structure;
    int nst = regia_ss_nstructures(s);
    if (nst == 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no structure in this HDF5 file: not a sensor store (its layout: "
                        "docs/sensors.md); a record as a .npy, CSV or miniSEED file also works", path);
        goto err;
    }
    if (!structure) {
        if (nst != 1) {
            char list[512] = "";
            for (int i = 0; i < nst; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         regia_ss_structure(s, i));
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: the store holds %d structures (%s): choose one with "
                            "--structure", path, nst, list);
            goto err;
        }
        structure = regia_ss_structure(s, 0);
    } else if (regia_ss_nsensors(s, structure) == 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no structure '%s' in the store", path, structure);
        goto err;
    }
    size_t nt = regia_ss_ntraces(s);
    ch = calloc(nt ? nt : 1, sizeof *ch);
    names = calloc(nt ? nt : 1, sizeof *names);
    bufs = calloc(nt ? nt : 1, sizeof *bufs);
    if (!ch || !names || !bufs) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path);
        goto err;
    }
    /* acceleration channels: first and last sample over their traces */
    for (size_t i = 0; i < nt; i++) {
        const regia_trace_meta_t *m = regia_ss_trace(s, i);
        if (strcmp(m->structure, structure) || m->kind != REGIA_SENSOR_ACCEL) continue;
        if (o->sensor && strcmp(m->sensor, o->sensor)) continue;
        int k = 0;
        char nm[2 * REGIA_SS_NAME + 2];
        snprintf(nm, sizeof nm, "%s.%s", m->sensor, m->channel);
        while (k < nch && strcmp(names[k], nm)) k++;
        if (k == nch) {
            snprintf(names[nch], sizeof names[nch], "%s", nm);
            ch[nch] = (chan_t){names[nch], m->units, m->fs, m->start_ns, 0, NULL};
            ch[nch].n = regia_trace_end_ns(m); /* end time for now */
            nch++;
        } else {
            if (fabs(m->fs - ch[k].fs) > 1e-9 * m->fs) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: channel %s has traces at %g and %g Hz", path, nm,
                                ch[k].fs, m->fs);
                goto err;
            }
            if (regia_trace_end_ns(m) > ch[k].n) ch[k].n = regia_trace_end_ns(m);
        }
    }
    if (nch == 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: structure %s has no acceleration traces%s%s", path, structure,
                        o->sensor ? " of sensor " : "", o->sensor ? o->sensor : "");
        goto err;
    }
    int64_t t0 = ch[0].start_ns, t1 = ch[0].n;
    for (int k = 1; k < nch; k++) {
        if (ch[k].start_ns > t0) t0 = ch[k].start_ns;
        if (ch[k].n < t1) t1 = ch[k].n;
    }
    double fs = ch[0].fs;
    int64_t n = (int64_t)floor((double)(t1 - t0) * fs / 1e9 + 1e-6);
    if (n <= 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: the acceleration channels of %s do not overlap in time", path,
                        structure);
        goto err;
    }
    /* read only the window asked for */
    int64_t k0 = (int64_t)llround(o->start_s * fs), nn = o->duration_s > 0 ? (int64_t)llround(o->duration_s * fs) : n - k0;
    if (k0 < 0 || k0 >= n || nn <= 0 || k0 + nn > n) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: window --start %g s --duration %g s outside the %.3f s the "
                        "channels of %s share", path, o->start_s, o->duration_s, (double)n / fs, structure);
        goto err;
    }
    const int64_t tbase = t0; /* --start counts from here */
    t0 += (int64_t)llround((double)k0 * 1e9 / fs);
    for (int k = 0; k < nch; k++) {
        const char *dot = strchr(names[k], '.');
        char sen[REGIA_SS_NAME];
        snprintf(sen, sizeof sen, "%.*s", (int)(dot - names[k]), names[k]);
        bufs[k] = malloc((size_t)nn * sizeof **bufs);
        if (!bufs[k]) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path);
            goto err;
        }
        int64_t covered = 0;
        REGIA_TRY(regia_ss_read_channel(s, structure, sen, dot + 1, t0, fs, nn, bufs[k], &covered));
        if (covered != nn) {
            /* say where a gap-free window is: the first trace of the channel that ends after
             * the window's start (recorders that keep records apart give one per record) */
            const int64_t t_end = t0 + (int64_t)llround((double)nn * 1e9 / fs);
            size_t ntr = regia_ss_find(s, structure, sen, dot + 1, INT64_MIN, INT64_MAX, NULL, 0), next = SIZE_MAX;
            size_t *ti = ntr ? malloc(ntr * sizeof *ti) : NULL;
            if (ti) {
                regia_ss_find(s, structure, sen, dot + 1, INT64_MIN, INT64_MAX, ti, ntr);
                for (size_t q = 0; q < ntr && next == SIZE_MAX; q++)
                    if (regia_trace_end_ns(regia_ss_trace(s, ti[q])) > t0) next = ti[q];
            }
            free(ti);
            char hint[256] = "";
            if (next != SIZE_MAX) {
                const regia_trace_meta_t *m = regia_ss_trace(s, next);
                snprintf(hint, sizeof hint, "; its %zu traces are its gap-free pieces, the first that ends after the "
                         "window's start is --start %.3f --duration %.3f", ntr, (double)(m->start_ns - tbase) / 1e9,
                         (double)m->n / m->fs);
            }
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: channel %s of %s has %lld missing samples (gaps) in the window "
                            "%.3f .. %.3f s; regia modal needs a gap-free record (--start, --duration)%s", path,
                            names[k], structure, (long long)(nn - covered), (double)(t0 - tbase) / 1e9,
                            (double)(t_end - tbase) / 1e9, hint);
            goto err;
        }
        ch[k].start_ns = t0;
        ch[k].n = nn;
        ch[k].x = bufs[k];
    }
    REGIA_TRY(from_channels(path, ch, nch, rec));
    snprintf(rec->format, sizeof rec->format, "store");
err:
    for (int k = 0; bufs && k < nch; k++) free(bufs[k]);
    free(bufs);
    free(ch);
    free(names);
    if (s) regia_ss_close(s);
    return st;
}

/* Channels by name or 0-based index, then the time window. */
static regia_status_t select_channels(const char *path, const modal_read_opts_t *o, modal_record_t *rec, int windowed)
{
    regia_status_t st = REGIA_OK;
    int32_t nsel = o->n_channels > 0 ? o->n_channels : rec->nch;
    int32_t *idx = malloc((size_t)nsel * sizeof *idx);
    modal_record_t out = {0};
    if (!idx) return REGIA_FAIL(REGIA_ERR_NOMEM, "no memory");
    for (int32_t j = 0; j < nsel; j++) {
        if (o->n_channels <= 0) {
            idx[j] = j;
            continue;
        }
        const char *c = o->channels[j];
        int k = -1;
        for (int32_t q = 0; q < rec->nch && k < 0; q++)
            if (!strcmp(rec->name[q], c)) k = q;
        if (k < 0) {
            char *e;
            long v = strtol(c, &e, 10);
            if (*c && !*e && v >= 0 && v < rec->nch) k = (int)v;
        }
        if (k < 0) {
            char list[600] = "";
            for (int32_t q = 0; q < rec->nch && strlen(list) < 500; q++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", q ? ", " : "", rec->name[q]);
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: --channels: no channel '%s' (channels: %s; or 0-based "
                            "indices)", path, c, list);
            goto err;
        }
        for (int32_t q = 0; q < j; q++)
            if (idx[q] == k) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: --channels: channel '%s' given twice", path, c);
                goto err;
            }
        idx[j] = k;
    }
    int64_t k0 = 0, n = rec->n;
    if (windowed) {
        k0 = (int64_t)llround(o->start_s * rec->fs);
        n = o->duration_s > 0 ? (int64_t)llround(o->duration_s * rec->fs) : rec->n - k0;
        if (o->start_s < 0 || k0 >= rec->n || n <= 0 || k0 + n > rec->n) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: window --start %g s --duration %g s outside the record "
                            "(%.3f s)", path, o->start_s, o->duration_s, (double)rec->n / rec->fs);
            goto err;
        }
    }
    REGIA_TRY(rec_alloc(&out, nsel, n, path));
    for (int32_t j = 0; j < nsel; j++) {
        memcpy(out.y + (int64_t)j * n, rec->y + (int64_t)idx[j] * rec->n + k0, (size_t)n * sizeof *out.y);
        memcpy(out.name[j], rec->name[idx[j]], MODAL_NAME);
        memcpy(out.units[j], rec->units[idx[j]], MODAL_NAME);
    }
    out.fs = rec->fs;
    out.start_ns = rec->start_ns + (rec->start_ns ? (int64_t)llround((double)k0 * 1e9 / rec->fs) : 0);
    memcpy(out.format, rec->format, sizeof out.format);
    modal_record_free(rec);
    *rec = out;
    memset(&out, 0, sizeof out);
err:
    modal_record_free(&out);
    free(idx);
    return st;
}

regia_status_t modal_read(const char *path, const modal_read_opts_t *o, modal_record_t *rec)
{
    regia_status_t st = REGIA_OK;
    char *buf = NULL;
    size_t len = 0;
    regia_sensor_file_t F;
    memset(&F, 0, sizeof F);
    memset(rec, 0, sizeof *rec);
    const char *ext = ext_of(path);
    int windowed = 1;
    if (!strcasecmp(ext, "npy")) {
        REGIA_TRY(read_npy(path, o, rec));
    } else if (!strcasecmp(ext, "csv") || !strcasecmp(ext, "txt")) {
        REGIA_TRY(regia_read_file(path, (size_t)1 << 34, &buf, &len));
        /* a sensor export starts (after its comment lines) with a time column */
        const char *p = buf;
        while (p < buf + len && *p == '#') {
            const char *e = memchr(p, '\n', (size_t)(buf + len - p));
            p = e ? e + 1 : buf + len;
        }
        if (buf + len - p >= 4 && !strncasecmp(p, "time", 4) && (p[4] == ',' || p[4] == ';' || p[4] == '\t')) {
            regia_sensor_csv_opts_t co;
            regia_sensor_csv_defaults(&co);
            co.fs = o->fs;
            co.date_order = o->date_order;
            st = regia_sensor_csv_parse(path, buf, len, &co, &F);
            REGIA_TRY(first_reject(path, st, &F, "line"));
            REGIA_TRY(from_sensor_file(path, &F, rec));
            snprintf(rec->format, sizeof rec->format, "sensor-csv");
        } else {
            int64_t bad = 0; /* NUL bytes and invalid UTF-8, as the sensor-export reader refuses them */
            REGIA_TRY(regia_csv_check_text_range(buf, len, 0, len, path, 1, &bad));
            REGIA_TRY(read_csv_table(path, buf, len, o, rec));
        }
    } else if (!strcasecmp(ext, "h5") || !strcasecmp(ext, "nc") || !strcasecmp(ext, "hdf5")) {
        REGIA_TRY(read_store(path, o, rec));
        windowed = 0; /* read_store read the window */
    } else if (!strcasecmp(ext, "mseed") || !strcasecmp(ext, "miniseed") || !strcasecmp(ext, "msd") ||
               !strcasecmp(ext, "seed")) {
        st = regia_mseed_read(path, &F);
        REGIA_TRY(first_reject(path, st, &F, "record"));
        REGIA_TRY(from_sensor_file(path, &F, rec));
        snprintf(rec->format, sizeof rec->format, "miniseed");
    } else {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: unknown input format '.%s' (.npy, .csv, .txt, .h5, .nc, .mseed)",
                        path, ext);
        goto err;
    }
    if (o->fs > 0 && rec->fs > 0 && fabs(o->fs - rec->fs) > 1e-9 * rec->fs) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: --fs %g Hz, but the file is sampled at %g Hz", path, o->fs, rec->fs);
        goto err;
    }
    if (!(rec->fs > 0)) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: the %s file does not state its sampling rate: give --fs HZ%s", path,
                        rec->format, strcmp(rec->format, "csv") ? "" : " (or a line '# sampling_rate: HZ' before the "
                        "header)");
        goto err;
    }
    REGIA_TRY(select_channels(path, o, rec, windowed));
    for (int32_t k = 1; k < rec->nch; k++)
        if (strcmp(rec->units[k], rec->units[0])) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: channel %s is in '%s', channel %s in '%s': the channels of one "
                            "record must measure one quantity in one unit (choose them with --channels)", path,
                            rec->name[0], rec->units[0], rec->name[k], rec->units[k]);
            goto err;
        }
    for (int32_t k = 0; k < rec->nch; k++)
        for (int64_t t = 0; t < rec->n; t++)
            if (!isfinite(rec->y[(int64_t)k * rec->n + t])) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: channel %s, sample %lld is %g (a finite, gap-free record "
                                "is needed)", path, rec->name[k], (long long)t, rec->y[(int64_t)k * rec->n + t]);
                goto err;
            }
    for (int32_t k = 0; k < rec->nch; k++) {
        const double *y = rec->y + (int64_t)k * rec->n;
        int64_t t = 1;
        while (t < rec->n && y[t] == y[0]) t++;
        if (t == rec->n) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: channel %s is constant (all %lld samples equal %g): a dead or "
                            "flat channel carries no response; leave it out with --channels", path, rec->name[k],
                            (long long)rec->n, y[0]);
            goto err;
        }
    }
err:
    regia_sensor_file_free(&F);
    free(buf);
    return st;
}
