/* cmd_ingest_waitlist.c - `regia ingest waitlist`: booking exports (CSV, the canonical
 * layout of waitlist_impl.h or a region's own names mapped onto it) -> one pseudonymised
 * bookings NetCDF-4 file; a domain of the run protocol (domain.h, run.c), reached as
 * `regia ingest waitlist ...`.
 *
 * Items are the services of the services table, partitioned by the skeleton in contiguous
 * blocks balanced by their kept bookings.  The domain's steps:
 *   configure  the key (regia/pseudonym.h; core dumps off first), the services and
 *              districts tables, the column map, the plausible time window
 *   index      each rank parses its byte range of each data file (ingest_wl_parse.c): a
 *              line becomes a booking with pseudonyms or a reject -> provider and agenda
 *              code tables agreed (ingest_wl_exchange.c) -> bookings routed by
 *              prescription pseudonym, where duplicates of a prescription line are found
 *              (the first by file and line is kept) and sent back to the rank that parsed
 *              them -> kept bookings per service: the items' costs
 *   read       too many rejects is an error (the rejects file then explains it alone);
 *              bookings to their service's owner; the inputs' SHA-256, each file once
 *   compute    per block of services: bookings sorted by residence district, contact
 *              time and prescription (a total order: the output is the same at any rank
 *              count)
 *   define / write   the "bookings NetCDF" of waitlist_impl.h; the rejects CSV is an extra
 *              output (MPI-IO, ingest_env_exchange.c)
 * No MPI call here.  User's reference: docs/waitlist-ingest.md.
 */
#include <limits.h>
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

#include "ingest_wl_impl.h"
#include "regia/acdd.h"
#include "regia/fileutil.h"
#include "regia/io.h"
#include "regia/ncio.h"
#include "regia/timeutil.h"

#define NCA_TXT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

typedef struct { int32_t file, pad; int64_t line, off; } dup_t;

/* Output variable ids (define -> write). */
enum { V_PAT, V_RX, V_LINE, V_TRX, V_TCON, V_TFIRST, V_TBOOK, V_TOUT, V_OUTCOME, V_PRIO, V_ACCESS, V_REGIME, V_GUAR,
       V_REASON, V_CAT, V_SVC, V_PROV, V_AGENDA, V_RDIST, V_PDIST, V_SFIRST, V_SCOUNT, V_SCODE, V_SCODE_NEW, V_SNAME,
       V_SKIND, V_SAREA, V_SGROUP, V_DCODE, V_DNAME, V_DASL, V_ACODE, V_ANAME, V_PCODE, V_PNAME, V_PDISTRICT,
       V_GCODE, V_GPROV, V_GSVC, V_SDISC, V_DPOP, V_TIME, V_ADIST, NV };

typedef struct {
    wli_opts_t o;
    char rejpath[4200];
    regia_key_t key;
    regia_mac_t *mac;
    wl_services_t svc;
    wl_districts_t dist;
    char dist_sha[65];
    wli_parse_ctx_t C;
    /* index */
    wli_parsed_t PR;
    wli_codes_t prov, agen;              /* global code tables (sorted)                   */
    int32_t *prov_district, *agenda_provider, *agenda_service;
    wli_rows_t hold;                     /* kept bookings after the duplicate check      */
    int64_t *svc_count, *svc_first;      /* kept bookings of each service; prefix sums   */
    long long rows[3];                   /* read, kept, rejected (all ranks)             */
    /* read */
    wl_booking_t *bk;                    /* the shard's bookings, grouped by service     */
    int64_t nbk;
    char (*hex)[65];                     /* SHA-256 of each data file                    */
    int64_t t_lo, t_hi;                  /* contact times: first and last                */
    double t_parse, t_exch;
    int vid[NV];
    char id[256], t0[32], t1[32], comment[1024];
} wli_t;

/* ---- schema ------------------------------------------------------------------------------ */

#define COLKEY(c)                                                                                               \
    {"columns", #c, REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,                                                      \
     "the export's header of the " #c " column [default: " #c "]"}

static const regia_job_key_t wli_schema[] = {
    {"input", "data", REGIA_KEY_FILE_LIST, 1, NULL, 0, 0, NULL,
     "bookings CSV export (canonical layout, or the region's names mapped in [columns]); give --data once per file, "
     "at most 64 (job file: a comma list)"},
    {"input", "key_file", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "secret key of the pseudonyms (HMAC-SHA-256): a file only its owner can read (chmod 600); required "
     "(make one with: openssl rand -hex 32 > wl.key; chmod 600 wl.key)"},
    {"input", "services", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "monitored services table [default: data/waitlist/pngla_services.csv shipped with regia]"},
    {"input", "districts", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "districts CSV (asl_code, asl_name, district_code, district_name, population)"},
    {"input", "separator", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|,|;|tab|comma|semicolon",
     "field separator of the data files (auto: from the header; in a job file write ';' as semicolon or 'separator =;')"},
    {"input", "date_format", REGIA_KEY_ENUM, 0, "dmy", 0, 0, "dmy|mdy|iso",
     "order of slash dates: dmy (dd/mm/yyyy, the Italian default), mdy (mm/dd/yyyy: only when stated), iso (only "
     "yyyy-mm-dd); ISO dates are always accepted; a date that contradicts the order is rejected, never guessed"},
    {"input", "run_date", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "date the plausibility window ends from: dates after it + 2 years are rejected [default: today, UTC]"},
    {"input", "synthetic", REGIA_KEY_BOOL, 0, "no", 0, 0, NULL,
     "the bookings are synthetic (regia gen waitlist): the output's title, source and 'synthetic' attribute say so"},
    {"limits", "max_rejected", REGIA_KEY_DOUBLE, 0, "5", 0, 100, NULL,
     "largest share of rejected rows that is not an error, in %"},
#define X(c) COLKEY(c),
    WL_COLUMNS
#undef X
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "output NetCDF-4 file of pseudonymised bookings; written under a temporary name and renamed when complete, "
     "with the rejects file; the manifest is OUT.manifest.json"},
    {"job", "rejects", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "CSV of the rejected rows (file,line,reason,text without the identifiers) [default: OUT minus .nc, plus "
     ".rejects.csv]"},
    {"job", "name", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "name of the run (ACDD id) [default: the output's name]"},
    {"job", "progress_interval", REGIA_KEY_DOUBLE, 0, "10", 0.1, 86400, NULL, "seconds between progress lines"},
    {"job", "domain", REGIA_KEY_ENUM, 0, "ingest waitlist", 0, 0, "ingest waitlist",
     "the domain this job file is for (regia submit): ingest waitlist"},
    REGIA_SUBMIT_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const regia_opt_meta_t wli_meta[] = {
    {"data", "FILE"}, {"key_file", "KEY"}, {"services", "FILE.csv"}, {"districts", "FILE.csv"},
    {"output", "OUT.nc"}, {"rejects", "FILE.csv"}, {"separator", "auto|,|;|tab|semicolon"}, {"date_format", "dmy|mdy|iso"},
    {"run_date", "YYYY-MM-DD"}, {"max_rejected", "PERCENT"}, {"name", "NAME"}, {"progress_interval", "S"},
#define X(c) {#c, "HEADER"},
    WL_COLUMNS
#undef X
    {NULL, NULL},
};

/* ---- configure ---------------------------------------------------------------------------- */

static regia_status_t wli_configure(regia_run_t *run, void *self)
{
    wli_t *g = self;
    wli_opts_t *o = &g->o;
    regia_job_t *j = run->job;
    char where[512];
    /* a core dump would hold the key and raw identifiers: none from here on */
    struct rlimit nocore = {0, 0};
    if (setrlimit(RLIMIT_CORE, &nocore) != 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "cannot disable core dumps (setrlimit RLIMIT_CORE): refusing to read "
                          "the pseudonymisation key");
    o->io.output = regia_job_path(j, "job", "output");
    o->io.rejects = regia_job_path(j, "job", "rejects");
    int nd = regia_job_list_len(j, "input", "data");
    if (nd > WLI_MAX_FILES) {
        if (run->from_options) return REGIA_FAIL(REGIA_ERR_INVALID, "at most %d --data files", WLI_MAX_FILES);
        regia_run_where(run, "input", "data", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: at most %d data files, not %d", where, WLI_MAX_FILES, nd);
    }
    for (int k = 0; k < nd; k++) o->io.data[k] = regia_job_list_item(j, "input", "data", k);
    o->io.ndata = nd;
    const char *sep = regia_job_str(j, "input", "separator"), *df = regia_job_str(j, "input", "date_format");
    o->sep = !strcasecmp(sep, "tab") ? '\t' : !strcasecmp(sep, "auto") ? 0 : !strcasecmp(sep, "comma") ? ','
             : !strcasecmp(sep, "semicolon") ? ';' : sep[0];
    o->date_order = !strcasecmp(df, "mdy") ? WLI_MDY : !strcasecmp(df, "iso") ? WLI_ISO : WLI_DMY;
    o->date_order_stated = regia_job_line(j, "input", "date_format") > 0;
    o->max_rejected = regia_job_double(j, "limits", "max_rejected") / 100;
    o->synthetic = regia_job_bool(j, "input", "synthetic");
    o->verbose = run->ctx->log.verbose;
    /* the plausible window: from 2000-01-01 (Rome) to the run date + 2 years */
    {
        const char *rd = regia_job_str(j, "input", "run_date");
        int64_t t;
        if (rd) {
            if (regia_parse_datetime(rd, &t) != REGIA_OK) {
                char msg[1024];
                snprintf(msg, sizeof msg, "%s", regia_error_msg());
                regia_run_where(run, "input", "run_date", where, sizeof where);
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s", where, msg);
            }
        } else
            t = (int64_t)time(NULL);
        int y, m, d;
        regia_civil_from_days(regia_floordiv(t, 86400), &y, &m, &d);
        snprintf(o->run_date, sizeof o->run_date, "%04d-%02d-%02d", y, m, d);
        if (m == 2 && d == 29) d = 28;
        o->t_min = wl_rome_to_utc(2000, 1, 1, 0, 0, 0);
        o->t_max = wl_rome_to_utc(y + 2, m, d, 0, 0, 0) + 86400;
    }
    for (int c = 0; c < WL_NCOL; c++) o->header[c] = regia_job_str(j, "columns", WL_COLUMN_NAMES[c]);
    if (o->io.rejects) snprintf(g->rejpath, sizeof g->rejpath, "%s", o->io.rejects);
    else regia_sibling_path(o->io.output, ".rejects.csv", g->rejpath, sizeof g->rejpath);
    run->output = o->io.output;
    run->input = NULL; /* several inputs: hashed and listed by the domain (wli_read, wli_manifest) */
    run->n_extra = 1;
    run->extra[0].path = g->rejpath;
    run->extra[0].role = "rejects";
    /* the key: refused when absent, readable by others, too short ... (regia_key_read) */
    o->key_file = regia_job_path(j, "input", "key_file");
    if (!o->key_file) {
        if (run->from_options)
            return REGIA_FAIL(REGIA_ERR_INVALID, "--key-file KEY is required: patient and prescription ids are "
                              "replaced by keyed pseudonyms (HMAC-SHA-256) and regia does not ingest without a key "
                              "(make one with: openssl rand -hex 32 > wl.key; chmod 600 wl.key)");
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: [input] key_file is required: patient and prescription ids are "
                          "replaced by keyed pseudonyms (HMAC-SHA-256) and regia does not ingest without a key (make "
                          "one with: openssl rand -hex 32 > wl.key; chmod 600 wl.key)",
                          run->job_path ? run->job_path : "the job");
    }
    regia_status_t st = regia_key_read(o->key_file, &g->key);
    if (st) return st;
    if ((st = regia_mac_new(&g->key, &g->mac))) return st;
    /* the tables (small; every rank reads them) */
    o->services = regia_job_path(j, "input", "services");
    if (!o->services) o->services = wl_services_default_path();
    o->districts = regia_job_path(j, "input", "districts");
    if ((st = wl_services_load(o->services, &g->svc))) return st;
    if ((st = wl_districts_load(o->districts, &g->dist))) return st;
    if ((st = regia_sha256_file(o->districts, g->dist_sha))) return st;
    g->C = (wli_parse_ctx_t){.o = o, .svc = &g->svc, .dist = &g->dist, .mac = g->mac};
    wli_reasons_init(&g->C);
    return REGIA_OK;
}

/* ---- index: parse, code tables, duplicates, costs ------------------------------------------ */

static int cmp_rx(const void *a, const void *b)
{
    const wli_row_t *x = a, *y = b;
    int c = memcmp(x->b.rx, y->b.rx, 32);
    if (c) return c;
    if (x->b.rx_line != y->b.rx_line) return x->b.rx_line < y->b.rx_line ? -1 : 1;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* The duplicate check's sort key: the first 8 bytes of the prescription pseudonym, then the
 * rows themselves (cmp_rx) when those are equal. */
typedef struct {
    uint64_t h;
    uint32_t i, dup;
} wkey_t;
static const wli_row_t *g_rows; /* the rows cmp_key looks at (qsort has no context) */
static int cmp_key(const void *a, const void *b)
{
    const wkey_t *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return cmp_rx(&g_rows[x->i], &g_rows[y->i]);
}

static int cmp_rej(const void *a, const void *b)
{
    const ingest_reject_t *x = a, *y = b;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* Local codes in the rows -> indices of the global tables. */
static regia_status_t global_codes(regia_run_t *run, wli_t *g)
{
    const int P = run->ctx->size;
    int32_t *pm = NULL, *am = NULL;
    regia_status_t st = wli_codes_global(run, &g->PR.providers, &g->prov, &pm);
    if (!st) st = wli_codes_global(run, &g->PR.agendas, &g->agen, &am);
    if (!st)
        for (int p = 0; p < P; p++)
            for (size_t i = 0; i < g->PR.to[p].n; i++) {
                wl_booking_t *b = &g->PR.to[p].r[i].b;
                b->provider = pm[b->provider];
                if (b->agenda >= 0) b->agenda = am[b->agenda];
            }
    free(pm);
    free(am);
    wli_codes_free(&g->PR.providers);
    wli_codes_free(&g->PR.agendas);
    return st;
}

/* The bookings to their prescription's owner; duplicates of (prescription, line) after the
 * first by (file, line) go back to the rank that parsed them, as rejects.  Collective. */
static regia_status_t dedup(regia_run_t *run, wli_t *g)
{
    const int P = run->ctx->size, me = run->ctx->rank;
    wli_parsed_t *PR = &g->PR;
    regia_status_t st = REGIA_OK;
    void **send = calloc((size_t)P, sizeof *send), **recv = calloc((size_t)P, sizeof *recv);
    void **dsend = calloc((size_t)P, sizeof *dsend), **drecv = calloc((size_t)P, sizeof *drecv);
    int64_t *cnt = calloc((size_t)P, sizeof *cnt), *nrecv = calloc((size_t)P, sizeof *nrecv);
    int64_t *ndup = calloc((size_t)P, sizeof *ndup), *ndupr = calloc((size_t)P, sizeof *ndupr);
    if (!send || !recv || !dsend || !drecv || !cnt || !nrecv || !ndup || !ndupr)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if ((st = regia_run_agree(run, st))) goto out;
    for (int p = 0; p < P; p++) send[p] = PR->to[p].r, cnt[p] = (int64_t)PR->to[p].n;
    if ((st = ingest_exchange(run, sizeof(wli_row_t), send, cnt, recv, nrecv))) goto out;
    for (int p = 0; p < P; p++)
        if (p != me) { free(PR->to[p].r); PR->to[p].r = NULL; PR->to[p].n = PR->to[p].cap = 0; }
    /* one array of this rank's prescriptions */
    size_t n = 0;
    for (int p = 0; p < P; p++) n += (size_t)nrecv[p];
    /* this rank's own rows stay where they are; the others' are appended */
    g->hold.r = realloc(PR->to[me].r, (n + 1) * sizeof *g->hold.r);
    if (g->hold.r) PR->to[me].r = NULL, PR->to[me].n = PR->to[me].cap = 0; /* moved into hold */
    wkey_t *key = g->hold.r ? malloc((n + 1) * sizeof *key) : NULL;
    if (!g->hold.r || !key) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory: %zu bookings on this rank", n);
    else if (n >= UINT32_MAX) st = REGIA_FAIL(REGIA_ERR_INVALID, "%zu bookings on one rank: run on more ranks", n);
    if (!st) {
        size_t k = (size_t)nrecv[me];
        for (int p = 0; p < P; p++) {
            if (p == me) continue;
            if (nrecv[p]) memcpy(g->hold.r + k, recv[p], (size_t)nrecv[p] * sizeof *g->hold.r);
            k += (size_t)nrecv[p];
            free(recv[p]);
            recv[p] = NULL;
        }
        recv[me] = NULL;
        /* sort small keys (the pseudonym's first 8 bytes and the row), not the rows */
        for (size_t i = 0; i < n; i++) {
            uint64_t h = 0;
            for (int j = 0; j < 8; j++) h = h << 8 | g->hold.r[i].b.rx[j];
            key[i] = (wkey_t){h, (uint32_t)i, 0};
        }
        g_rows = g->hold.r;
        qsort(key, n, sizeof *key, cmp_key);
        /* the first of each (prescription, line) by (file, line) is kept; the others are
         * flagged (their rx_line set to 0, which no kept row has) and sent back */
        for (size_t i = 1; i < n && !st; i++) {
            wli_row_t *r = &g->hold.r[key[i].i];
            const wli_row_t *q = &g->hold.r[key[i - 1].i];
            if (key[i].h != key[i - 1].h || memcmp(r->b.rx, q->b.rx, 32) || r->b.rx_line != q->b.rx_line) continue;
            int o = r->origin;
            if (ndup[o] % 1024 == 0) {
                void *nq = realloc(dsend[o], ((size_t)ndup[o] + 1024) * sizeof(dup_t));
                if (!nq) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); break; }
                dsend[o] = nq;
            }
            ((dup_t *)dsend[o])[ndup[o]++] = (dup_t){r->file, 0, r->line, r->off};
            key[i].dup = 1;
        }
        /* compact: the flagged rows out (after the scan, which compares flagged rows too) */
        for (size_t i = 1; i < n && !st; i++)
            if (key[i].dup) g->hold.r[key[i].i].b.rx_line = 0;
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
            if (g->hold.r[i].b.rx_line) g->hold.r[w++] = g->hold.r[i];
        g->hold.n = w;
    }
    free(key);
    if ((st = regia_run_agree(run, st))) goto out;
    if ((st = ingest_exchange(run, sizeof(dup_t), dsend, ndup, drecv, ndupr))) goto out;
    for (int p = 0; p < P && !st; p++)
        for (int64_t i = 0; i < ndupr[p] && !st; i++) {
            const dup_t *d = &((const dup_t *)drecv[p])[i];
            char *t = wli_reject_text(&g->C, d->file, d->off);
            st = t ? ingest_add_reject(&PR->rej, d->file, d->line, g->C.reason[WLR_DUP][WL_NCOL], t, strlen(t))
                   : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
            free(t);
        }
    st = regia_run_agree(run, st);
out:
    if (recv) for (int p = 0; p < P; p++) if (p != me) free(recv[p]);
    if (dsend) for (int p = 0; p < P; p++) free(dsend[p]);
    if (drecv) for (int p = 0; p < P; p++) if (p != me) free(drecv[p]);
    free(send); free(recv); free(dsend); free(drecv);
    free(cnt); free(nrecv); free(ndup); free(ndupr);
    return st;
}

/* An attribute of a code agreed over its kept bookings: the one value, or -1. */
static void note(int32_t *a, int32_t v)
{
    if (*a == -2) *a = v;
    else if (*a != v) *a = -1;
}

static regia_status_t code_attrs(regia_run_t *run, wli_t *g)
{
    int32_t np = g->prov.n, na = g->agen.n;
    g->prov_district = malloc(((size_t)np + 1) * sizeof(int32_t));
    g->agenda_provider = malloc(((size_t)na + 1) * sizeof(int32_t));
    g->agenda_service = malloc(((size_t)na + 1) * sizeof(int32_t));
    regia_status_t st = !g->prov_district || !g->agenda_provider || !g->agenda_service
                            ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory") : REGIA_OK;
    if ((st = regia_run_agree(run, st))) return st;
    for (int32_t i = 0; i < np; i++) g->prov_district[i] = -2;
    for (int32_t i = 0; i < na; i++) g->agenda_provider[i] = g->agenda_service[i] = -2;
    for (size_t i = 0; i < g->hold.n; i++) {
        const wl_booking_t *b = &g->hold.r[i].b;
        note(&g->prov_district[b->provider], b->prov_district);
        if (b->agenda >= 0) {
            note(&g->agenda_provider[b->agenda], b->provider);
            note(&g->agenda_service[b->agenda], b->service);
        }
    }
    wli_agree_attr(run, g->prov_district, np);
    wli_agree_attr(run, g->agenda_provider, na);
    wli_agree_attr(run, g->agenda_service, na);
    /* a code whose bookings were all duplicates has no value: unknown */
    for (int32_t i = 0; i < np; i++) if (g->prov_district[i] < 0) g->prov_district[i] = -1;
    for (int32_t i = 0; i < na; i++) {
        if (g->agenda_provider[i] < 0) g->agenda_provider[i] = -1;
        if (g->agenda_service[i] < 0) g->agenda_service[i] = -1;
    }
    return REGIA_OK;
}

static regia_status_t wli_index(regia_run_t *run, void *self)
{
    wli_t *g = self;
    const wli_opts_t *o = &g->o;
    regia_ctx_t *ctx = run->ctx;
    const int P = ctx->size, ns = g->svc.n;
    regia_status_t st = REGIA_OK;
    g->PR.to = calloc((size_t)P, sizeof *g->PR.to);
    g->PR.range = calloc((size_t)o->io.ndata + 1, sizeof *g->PR.range);
    g->svc_count = calloc((size_t)ns + 1, sizeof *g->svc_count);
    g->svc_first = calloc((size_t)ns + 1, sizeof *g->svc_first);
    g->hex = calloc((size_t)o->io.ndata + 1, sizeof *g->hex);
    if (!g->PR.to || !g->PR.range || !g->svc_count || !g->svc_first || !g->hex)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if ((st = regia_run_agree(run, st))) return st;
    double t0 = regia_now();
    {
        regia_progress_t prog;
        int64_t total = 0;
        for (int k = 0; k < o->io.ndata; k++) {
            FILE *fp = fopen(o->io.data[k], "rb");
            if (fp) { fseek(fp, 0, SEEK_END); total += ftell(fp); fclose(fp); }
        }
        regia_progress_begin(&prog, &ctx->log, "parse", total / P, "bytes");
        for (int k = 0; k < o->io.ndata && st == REGIA_OK; k++) st = wli_parse_file(run, &g->C, k, &g->PR, &prog);
        regia_progress_end(&prog);
        if (st) return st; /* agreed in wli_parse_file */
    }
    double t1 = regia_now();
    g->t_parse = t1 - t0;
    if ((st = global_codes(run, g))) return st;
    if ((st = dedup(run, g))) return st;
    if ((st = code_attrs(run, g))) return st;
    g->t_exch = regia_now() - t1;
    qsort(g->PR.rej.v, g->PR.rej.n, sizeof *g->PR.rej.v, cmp_rej);
    /* counts and costs */
    long long c[3] = {g->PR.read, (long long)g->hold.n, (long long)g->PR.rej.n};
    regia_run_sum(run, c, 3);
    memcpy(g->rows, c, sizeof c);
    if (c[0] != c[1] + c[2])
        return REGIA_FAIL(REGIA_ERR_INVALID, "internal error: rows read %lld != kept %lld + rejected %lld", c[0], c[1],
                          c[2]);
    long long *sc = calloc((size_t)ns + 1, sizeof *sc);
    double *cost = calloc((size_t)ns + 1, sizeof *cost);
    if ((st = regia_run_agree(run, !sc || !cost ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory") : REGIA_OK))) {
        free(sc);
        free(cost);
        return st;
    }
    for (size_t i = 0; i < g->hold.n; i++) sc[g->hold.r[i].b.service]++;
    regia_run_sum(run, sc, ns);
    for (int s = 0; s < ns; s++) {
        g->svc_count[s] = sc[s];
        g->svc_first[s + 1] = g->svc_first[s] + sc[s];
        cost[s] = (double)sc[s];
    }
    free(sc);
    run->n_items = ns;
    run->cost = cost; /* freed by the skeleton */
    return REGIA_OK;
}

/* ---- read: the reject share, bookings to their service's owner, input hashes ------------- */

/* Too many rejects, or none kept: an error, which the rejects file (written alone by the
 * skeleton) explains.  Collective (sums of the reasons). */
static regia_status_t check_rejects(regia_run_t *run, wli_t *g)
{
    const wli_opts_t *o = &g->o;
    const long long *rows = g->rows;
    if (!(rows[1] == 0 || (double)rows[2] > o->max_rejected * (double)rows[0])) return REGIA_OK;
    enum { NR = WLR_KINDS * (WL_NCOL + 1) };
    long long rc[NR];
    memset(rc, 0, sizeof rc);
    const char *const *flat = &g->C.reason[0][0];
    for (size_t i = 0; i < g->PR.rej.n; i++)
        for (int k = 0; k < NR; k++)
            if (g->PR.rej.v[i].reason == flat[k]) { rc[k]++; break; }
    regia_run_sum(run, rc, NR);
    int top = 0;
    for (int k = 1; k < NR; k++) if (rc[k] > rc[top]) top = k;
    const char *most = rows[2] ? flat[top] : "-";
    run->extras_explain_failure = 1;
    if (rows[1] == 0)
        return REGIA_FAIL(REGIA_ERR_PARSE, "no bookings kept from %d data file(s): %lld rows read, %lld rejected, see %s "
                          "(most often: %s)", o->io.ndata, rows[0], rows[2], g->rejpath, most);
    return REGIA_FAIL(REGIA_ERR_PARSE, "%lld of %lld rows (%.1f %%) rejected, more than --max-rejected %g %%: see %s "
                      "(most often: %s)", rows[2], rows[0], 100.0 * (double)rows[2] / (double)rows[0],
                      100 * o->max_rejected, g->rejpath, most);
}

static regia_status_t wli_read(regia_run_t *run, void *self)
{
    wli_t *g = self;
    const wli_opts_t *o = &g->o;
    const int P = run->ctx->size, me = run->ctx->rank;
    regia_status_t st = REGIA_OK;
    if ((st = check_rejects(run, g))) return st;
    double t1 = regia_now();
    int64_t *start = calloc((size_t)P + 1, sizeof *start), *cnt = calloc((size_t)P, sizeof *cnt),
            *nrecv = calloc((size_t)P, sizeof *nrecv), *pos = calloc((size_t)P + 1, sizeof *pos);
    int *owner = malloc(((size_t)g->svc.n + 1) * sizeof *owner);
    void **send = calloc((size_t)P, sizeof *send), **recv = calloc((size_t)P, sizeof *recv);
    wli_row_t *sorted = malloc((g->hold.n + 1) * sizeof *sorted);
    if (!start || !cnt || !nrecv || !pos || !owner || !send || !recv || !sorted)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if ((st = regia_run_agree(run, st))) goto out;
    regia_run_shards(run, start);
    for (int s = 0, p = 0; s < g->svc.n; s++) {
        while (p + 1 < P && s >= start[p + 1]) p++;
        owner[s] = p;
    }
    /* this rank's bookings grouped by owner, then sent */
    for (size_t i = 0; i < g->hold.n; i++) cnt[owner[g->hold.r[i].b.service]]++;
    for (int p = 0; p < P; p++) pos[p + 1] = pos[p] + cnt[p];
    for (size_t i = 0; i < g->hold.n; i++) sorted[pos[owner[g->hold.r[i].b.service]]++] = g->hold.r[i];
    free(g->hold.r);
    g->hold.r = NULL;
    g->hold.n = 0;
    for (int p = 0; p < P; p++) send[p] = sorted + (pos[p] - cnt[p]);
    if ((st = ingest_exchange(run, sizeof(wli_row_t), send, cnt, recv, nrecv))) goto out;
    /* the shard's bookings grouped by service (compute sorts within a service) */
    int64_t n = 0;
    for (int p = 0; p < P; p++) n += nrecv[p];
    int64_t expect = g->svc_first[run->i0 + run->ni] - g->svc_first[run->i0];
    g->bk = malloc(((size_t)n + 1) * sizeof *g->bk);
    if (!g->bk) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory: %lld bookings on this rank", (long long)n);
    else if (n != expect)
        st = REGIA_FAIL(REGIA_ERR_INVALID, "internal error: %lld bookings received, %lld expected", (long long)n,
                        (long long)expect);
    long long tt[2] = {LLONG_MIN, LLONG_MIN}; /* -(first contact), last contact */
    if (!st) {
        int64_t *fill = calloc((size_t)run->ni + 1, sizeof *fill);
        if (!fill) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        for (int p = 0; p < P && !st; p++)
            for (int64_t i = 0; i < nrecv[p]; i++) {
                const wl_booking_t *b = &((const wli_row_t *)recv[p])[i].b;
                int64_t k = b->service - run->i0;
                g->bk[g->svc_first[b->service] - g->svc_first[run->i0] + fill[k]++] = *b;
                if (-b->t_contact > tt[0]) tt[0] = -b->t_contact;
                if (b->t_contact > tt[1]) tt[1] = b->t_contact;
            }
        free(fill);
        g->nbk = n;
    }
    if ((st = regia_run_agree(run, st))) goto out;
    regia_run_max(run, tt, 2);
    g->t_lo = -tt[0];
    g->t_hi = tt[1];
    /* every data file hashed once, by one rank (provenance attributes and the manifest) */
    for (int k = 0; k < o->io.ndata && !st; k++)
        if (k % P == me) st = regia_sha256_file(o->io.data[k], g->hex[k]);
    if ((st = regia_run_agree(run, st))) goto out;
    for (int k = 0; k < o->io.ndata; k++) regia_run_bcast_from(run, g->hex[k], 65, k % P);
    g->t_exch += regia_now() - t1;
    regia_info(&run->ctx->log, "writing %s: %lld bookings of %d services, %d providers, %d agendas; rows read %lld = "
               "kept %lld + rejected %lld", o->io.output, g->rows[1], g->svc.n, g->prov.n, g->agen.n, g->rows[0],
               g->rows[1], g->rows[2]);
out:
    if (recv) for (int p = 0; p < P; p++) if (p != me) free(recv[p]);
    free(sorted);
    free(start); free(cnt); free(nrecv); free(pos); free(owner); free(send); free(recv);
    return st;
}

/* ---- compute: the order of the bookings within a service ----------------------------------- */

static int cmp_booking(const void *a, const void *b)
{
    const wl_booking_t *x = a, *y = b;
    if (x->res_district != y->res_district) return x->res_district < y->res_district ? -1 : 1;
    if (x->t_contact != y->t_contact) return x->t_contact < y->t_contact ? -1 : 1;
    int c = memcmp(x->rx, y->rx, 32);
    if (c) return c;
    return (x->rx_line > y->rx_line) - (x->rx_line < y->rx_line);
}

static regia_status_t wli_compute(regia_run_t *run, void *self, int64_t k0, int64_t n)
{
    wli_t *g = self;
    const int64_t base = g->svc_first[run->i0];
    for (int64_t k = k0; k < k0 + n; k++) {
        int64_t s = run->i0 + k, a = g->svc_first[s] - base;
        if (g->svc_count[s] > 1) qsort(g->bk + a, (size_t)g->svc_count[s], sizeof *g->bk, cmp_booking);
    }
    return REGIA_OK;
}

/* ---- the output ------------------------------------------------------------------------------ */

static regia_status_t flags(int ncid, int vid, int n, const signed char *v, const char *meanings)
{
    regia_status_t st = REGIA_OK;
    REGIA_NC(nc_put_att_schar(ncid, vid, "flag_values", NC_BYTE, (size_t)n, v));
    NCA_TXT(vid, "flag_meanings", meanings);
err:
    return st;
}

static regia_status_t def(int ncid, const char *name, nc_type t, int nd, const int *dims, const char *long_name,
                          const char *cct, int *vid)
{
    regia_status_t st = REGIA_OK;
    REGIA_NC(nc_def_var(ncid, name, t, nd, dims, vid));
    NCA_TXT(*vid, "long_name", long_name);
    if (cct) NCA_TXT(*vid, "coverage_content_type", cct);
err:
    return st;
}

static regia_status_t wli_define(regia_run_t *run, void *self, int ncid)
{
    (void)run;
    wli_t *g = self;
    int *v = g->vid;
    regia_status_t st = REGIA_OK;
    int db, ds, dd, da, dp, dg, dps, d16, d24, dnew, d32, d64, d96;
    REGIA_NC(nc_def_dim(ncid, "booking", (size_t)g->rows[1], &db));
    REGIA_NC(nc_def_dim(ncid, "service", (size_t)g->svc.n, &ds));
    REGIA_NC(nc_def_dim(ncid, "district", (size_t)g->dist.n_district, &dd));
    REGIA_NC(nc_def_dim(ncid, "asl", (size_t)g->dist.n_asl, &da));
    REGIA_NC(nc_def_dim(ncid, "provider", (size_t)g->prov.n, &dp));
    REGIA_NC(nc_def_dim(ncid, "agenda", (size_t)g->agen.n, &dg));
    REGIA_NC(nc_def_dim(ncid, "pseudonym", 32, &dps));
    REGIA_NC(nc_def_dim(ncid, "code_strlen", 16, &d16));
    REGIA_NC(nc_def_dim(ncid, "code_new_strlen", WL_CODE_NEW_LEN, &dnew)); /* one or several 2024 codes */
    REGIA_NC(nc_def_dim(ncid, "group_strlen", 24, &d24));
    REGIA_NC(nc_def_dim(ncid, "id_strlen", WLI_CODELEN, &d32));
    REGIA_NC(nc_def_dim(ncid, "name_strlen", 64, &d64));
    REGIA_NC(nc_def_dim(ncid, "service_name_strlen", 96, &d96));
    /* CDO 2.1 takes the dimension named time for the file's time axis; without one it
     * takes the first variable with time units (prescription_time: the booking dimension)
     * and skips the four other times ("more than one time variable"). The file's time is
     * its run date: the day the bookings are known on. */
    {
        int dt;
        REGIA_NC(nc_def_dim(ncid, "time", 1, &dt));
        REGIA_TRY(def(ncid, "time", NC_DOUBLE, 1, &dt,
                      "run date of the ingest (--run-date): the bookings and their outcomes as known on this day",
                      "coordinate", &v[V_TIME]));
        NCA_TXT(v[V_TIME], "standard_name", "time");
        NCA_TXT(v[V_TIME], "units", "days since 1970-01-01 00:00:00");
        NCA_TXT(v[V_TIME], "calendar", "standard");
        NCA_TXT(v[V_TIME], "axis", "T");
    }
    int bp[2] = {db, dps};
    REGIA_TRY(def(ncid, "patient_pseudonym", NC_UBYTE, 2, bp,
                  "patient pseudonym: HMAC-SHA-256 of the patient id under the ingest key", "auxiliaryInformation",
                  &v[V_PAT]));
    REGIA_TRY(def(ncid, "prescription_pseudonym", NC_UBYTE, 2, bp,
                  "prescription pseudonym: HMAC-SHA-256 of \"rx:\" + the prescription id under the ingest key",
                  "auxiliaryInformation", &v[V_RX]));
    REGIA_TRY(def(ncid, "prescription_line", NC_INT, 1, &db, "line of the prescription (1 = first service)",
                  "auxiliaryInformation", &v[V_LINE]));
    static const char *const tn[5] = {"prescription_time", "contact_time", "first_available_time", "booked_time",
                                      "outcome_time"};
    static const char *const tl[5] = {
        "prescription date (00:00 Europe/Rome of the day)", "CUP contact: when the booking was made",
        "first available date-time offered in the guarantee area", "date-time of the booked appointment",
        "date-time of the outcome (delivery, cancellation, no-show, withdrawal)"};
    long long fill = WL_NOTIME;
    for (int i = 0; i < 5; i++) {
        REGIA_TRY(def(ncid, tn[i], NC_INT64, 1, &db, tl[i], "auxiliaryInformation", &v[V_TRX + i]));
        NCA_TXT(v[V_TRX + i], "units", "seconds since 1970-01-01 00:00:00");
        NCA_TXT(v[V_TRX + i], "calendar", "standard");
        NCA_TXT(v[V_TRX + i], "standard_name", "time");
        REGIA_NC(nc_def_var_fill(ncid, v[V_TRX + i], 0, &fill));
    }
    {
        static const signed char o5[5] = {0, 1, 2, 3, 4}, g3[3] = {-1, 0, 1}, r3[3] = {0, 1, 2}, a2[2] = {0, 1};
        REGIA_TRY(def(ncid, "outcome", NC_BYTE, 1, &db, "outcome of the booking", "auxiliaryInformation", &v[V_OUTCOME]));
        REGIA_TRY(flags(ncid, v[V_OUTCOME], 5, o5, "pending delivered cancelled no_show withdrawn"));
        REGIA_TRY(def(ncid, "priority", NC_BYTE, 1, &db, "priority class of the prescription (none counts as P)",
                      "auxiliaryInformation", &v[V_PRIO]));
        REGIA_TRY(flags(ncid, v[V_PRIO], 5, o5, "U B D P none"));
        REGIA_TRY(def(ncid, "access", NC_BYTE, 1, &db, "access type", "auxiliaryInformation", &v[V_ACCESS]));
        REGIA_TRY(flags(ncid, v[V_ACCESS], 2, a2, "first follow_up"));
        REGIA_TRY(def(ncid, "regime", NC_BYTE, 1, &db, "regime", "auxiliaryInformation", &v[V_REGIME]));
        REGIA_TRY(flags(ncid, v[V_REGIME], 2, a2, "SSN intramoenia"));
        REGIA_TRY(def(ncid, "guarantee", NC_BYTE, 1, &db, "guarantee flag recorded by the CUP", "auxiliaryInformation",
                      &v[V_GUAR]));
        REGIA_TRY(flags(ncid, v[V_GUAR], 3, g3, "unknown no yes"));
        REGIA_TRY(def(ncid, "guarantee_reason", NC_BYTE, 1, &db, "what the CUP recorded about the first offer",
                      "auxiliaryInformation", &v[V_REASON]));
        REGIA_TRY(flags(ncid, v[V_REASON], 3, r3, "none personal choice"));
    }
    REGIA_TRY(def(ncid, "catalogue", NC_SHORT, 1, &db, "nomenclator of service_code as written (1996 or 2024)",
                  "auxiliaryInformation", &v[V_CAT]));
    REGIA_TRY(def(ncid, "service", NC_INT, 1, &db, "index of the service (dimension service)", "auxiliaryInformation",
                  &v[V_SVC]));
    REGIA_TRY(def(ncid, "provider", NC_INT, 1, &db, "index of the provider (dimension provider)",
                  "auxiliaryInformation", &v[V_PROV]));
    REGIA_TRY(def(ncid, "agenda", NC_INT, 1, &db, "index of the agenda (dimension agenda), -1 when not given",
                  "auxiliaryInformation", &v[V_AGENDA]));
    REGIA_TRY(def(ncid, "residence_district", NC_INT, 1, &db, "index of the district of residence (dimension district)",
                  "auxiliaryInformation", &v[V_RDIST]));
    REGIA_TRY(def(ncid, "provider_district", NC_INT, 1, &db, "index of the provider's district (dimension district)",
                  "auxiliaryInformation", &v[V_PDIST]));
    REGIA_TRY(def(ncid, "service_first", NC_INT64, 1, &ds, "first booking of the service",
                  "auxiliaryInformation", &v[V_SFIRST]));
    REGIA_TRY(def(ncid, "service_count", NC_INT64, 1, &ds, "bookings of the service", "auxiliaryInformation",
                  &v[V_SCOUNT]));
    NCA_TXT(v[V_SCOUNT], "units", "1");
    int s16[2] = {ds, d16}, s24[2] = {ds, dnew}, s96[2] = {ds, d96}, s24g[2] = {ds, d24};
    REGIA_TRY(def(ncid, "service_code", NC_CHAR, 2, s16, "1996 nomenclator code", "auxiliaryInformation", &v[V_SCODE]));
    REGIA_TRY(def(ncid, "service_code_new", NC_CHAR, 2, s24, "LEA nomenclator code in force since 30/12/2024",
                  "auxiliaryInformation", &v[V_SCODE_NEW]));
    REGIA_TRY(def(ncid, "service_name", NC_CHAR, 2, s96, "service", "auxiliaryInformation", &v[V_SNAME]));
    {
        static const signed char k2[2] = {0, 1};
        REGIA_TRY(def(ncid, "service_kind", NC_BYTE, 1, &ds, "visit or diagnostic test", "auxiliaryInformation",
                      &v[V_SKIND]));
        REGIA_TRY(flags(ncid, v[V_SKIND], 2, k2, "visit diagnostic"));
        REGIA_TRY(def(ncid, "service_area_level", NC_BYTE, 1, &ds, "guarantee area of the service",
                      "auxiliaryInformation", &v[V_SAREA]));
        REGIA_TRY(flags(ncid, v[V_SAREA], 2, k2, "district asl"));
    }
    REGIA_TRY(def(ncid, "service_group", NC_CHAR, 2, s24g, "service group (limits and targets may be set per group)",
                  "auxiliaryInformation", &v[V_SGROUP]));
    {
        int d8, s8[2] = {ds, 0};
        REGIA_NC(nc_def_dim(ncid, "discipline_strlen", 8, &d8));
        s8[1] = d8;
        REGIA_TRY(def(ncid, "service_discipline", NC_CHAR, 2, s8, "discipline (branca) of a visit, empty for tests",
                      "auxiliaryInformation", &v[V_SDISC]));
    }
    int dcode[2] = {dd, d16}, dname[2] = {dd, d64}, acode[2] = {da, d16}, aname[2] = {da, d64};
    REGIA_TRY(def(ncid, "district_code", NC_CHAR, 2, dcode, "district code", "auxiliaryInformation", &v[V_DCODE]));
    REGIA_TRY(def(ncid, "district_name", NC_CHAR, 2, dname, "district name", "auxiliaryInformation", &v[V_DNAME]));
    REGIA_TRY(def(ncid, "district_asl", NC_INT, 1, &dd, "index of the district's ASL (dimension asl)",
                  "auxiliaryInformation", &v[V_DASL]));
    REGIA_TRY(def(ncid, "district_population", NC_DOUBLE, 1, &dd, "residents of the district (NaN: not given)",
                  "auxiliaryInformation", &v[V_DPOP]));
    {
        double nan = NAN;
        REGIA_NC(nc_def_var_fill(ncid, v[V_DPOP], 0, &nan));
    }
    NCA_TXT(v[V_DPOP], "units", "1");
    REGIA_TRY(def(ncid, "asl_code", NC_CHAR, 2, acode, "ASL code", "auxiliaryInformation", &v[V_ACODE]));
    REGIA_TRY(def(ncid, "asl_name", NC_CHAR, 2, aname, "ASL name", "auxiliaryInformation", &v[V_ANAME]));
    int pcode[2] = {dp, d32}, pname[2] = {dp, d64}, gcode[2] = {dg, d32};
    REGIA_TRY(def(ncid, "provider_code", NC_CHAR, 2, pcode, "provider code", "auxiliaryInformation", &v[V_PCODE]));
    REGIA_TRY(def(ncid, "provider_name", NC_CHAR, 2, pname, "provider name (empty: the bookings layout has none)",
                  "auxiliaryInformation", &v[V_PNAME]));
    REGIA_TRY(def(ncid, "provider_home_district", NC_INT, 1, &dp,
                  "index of the provider's district (-1: its bookings name several)", "auxiliaryInformation",
                  &v[V_PDISTRICT]));
    REGIA_TRY(def(ncid, "agenda_code", NC_CHAR, 2, gcode, "agenda code", "auxiliaryInformation", &v[V_GCODE]));
    REGIA_TRY(def(ncid, "agenda_provider", NC_INT, 1, &dg, "index of the agenda's provider (-1: several)",
                  "auxiliaryInformation", &v[V_GPROV]));
    REGIA_TRY(def(ncid, "agenda_service", NC_INT, 1, &dg, "index of the agenda's service (-1: several)",
                  "auxiliaryInformation", &v[V_GSVC]));
    REGIA_TRY(def(ncid, "asl_districts", NC_INT, 1, &da, "districts of the ASL in the districts table",
                  "auxiliaryInformation", &v[V_ADIST]));
    NCA_TXT(v[V_ADIST], "units", "1");
    /* the code and name tables are the coordinates of their dimension's numeric variables:
     * CDO 2.1 reads char variables only as coordinates (else "Unsupported data type");
     * xarray then selects by them (set_xindex("service_code")); UTF-8 strings */
    {
        static const struct { int var; const char *coords; } C[] = {
            {V_SFIRST, "service_code service_code_new service_name service_group service_discipline"},
            {V_SCOUNT, "service_code service_code_new service_name service_group service_discipline"},
            {V_SKIND, "service_code service_code_new service_name service_group service_discipline"},
            {V_SAREA, "service_code service_code_new service_name service_group service_discipline"},
            {V_DASL, "district_code district_name"},
            {V_DPOP, "district_code district_name"},
            {V_ADIST, "asl_code asl_name"},
            {V_PDISTRICT, "provider_code provider_name"},
            {V_GPROV, "agenda_code"},
            {V_GSVC, "agenda_code"},
        };
        for (size_t i = 0; i < sizeof C / sizeof *C; i++) NCA_TXT(v[C[i].var], "coordinates", C[i].coords);
        static const int T[] = {V_SCODE, V_SCODE_NEW, V_SNAME, V_SGROUP, V_SDISC, V_DCODE, V_DNAME,
                                V_ACODE, V_ANAME, V_PCODE, V_PNAME, V_GCODE};
        for (size_t i = 0; i < sizeof T / sizeof *T; i++) NCA_TXT(v[T[i]], "_Encoding", "utf-8");
    }
    /* the domain's global attributes */
    NCA_TXT(NC_GLOBAL, "services_table_version", g->svc.version);
    NCA_TXT(NC_GLOBAL, "services_table_sha256", g->svc.sha);
    NCA_TXT(NC_GLOBAL, "districts_sha256", g->dist_sha);
    NCA_TXT(NC_GLOBAL, "pseudonymisation", "HMAC-SHA-256");
    NCA_TXT(NC_GLOBAL, "pseudonym_key_id", g->key.id);
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "rows_read", NC_INT64, 1, &g->rows[0]));
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "rows_kept", NC_INT64, 1, &g->rows[1]));
    REGIA_NC(nc_put_att_longlong(ncid, NC_GLOBAL, "rows_rejected", NC_INT64, 1, &g->rows[2]));
    NCA_TXT(NC_GLOBAL, "run_date", g->o.run_date);
    NCA_TXT(NC_GLOBAL, "synthetic", g->o.synthetic ? "yes" : "no");
    {
        static const char *const dn[3] = {"dmy", "mdy", "iso"};
        NCA_TXT(NC_GLOBAL, "date_format", dn[g->o.date_order]);
        char key[64], val[4400];
        for (int k = 0; k < g->o.io.ndata; k++) {
            snprintf(key, sizeof key, "input_data_%d", k + 1);
            snprintf(val, sizeof val, "%s sha256:%s", regia_file_name(g->o.io.data[k]), g->hex[k]);
            NCA_TXT(NC_GLOBAL, key, val);
        }
    }
err:
    return st;
}

static void wli_acdd(regia_run_t *run, void *self, void *acdd)
{
    (void)run;
    wli_t *g = self;
    regia_acdd_t *a = acdd;
    const char *b = strrchr(g->o.io.output, '/');
    b = b ? b + 1 : g->o.io.output;
    size_t n = strlen(b);
    if (n > 3 && !strcmp(b + n - 3, ".nc")) n -= 3;
    snprintf(g->id, sizeof g->id, "%.*s", (int)n, b);
    regia_format_datetime(g->t_lo, g->t0, sizeof g->t0);
    regia_format_datetime(g->t_hi, g->t1, sizeof g->t1);
    snprintf(g->comment, sizeof g->comment,
             "Patient and prescription identifiers are replaced by HMAC-SHA-256 pseudonyms under a key kept apart "
             "from the data (key id %s); the identifiers themselves are in no file regia writes. Times are UTC "
             "seconds, converted from Europe/Rome civil time. Bookings are sorted by service, district of residence "
             "and contact time; service_first/service_count give each service's bookings. Rows read %lld = kept "
             "%lld + rejected %lld (see the rejects file).", g->key.id, g->rows[0], g->rows[1], g->rows[2]);
    const char *created = a->date_created, *hist = a->history, *id = a->id;
    *a = (regia_acdd_t){
        .title = g->o.synthetic ? "Outpatient bookings, pseudonymised (synthetic data)"
                                : "Outpatient bookings, pseudonymised",
        .summary = "Outpatient booking records (prescription, CUP contact, first available date, booked date, "
                   "outcome, priority class, service, provider, districts) of the national waiting-list monitoring "
                   "(PNGLA), with keyed pseudonyms in place of patient and prescription identifiers; converted by "
                   "regia ingest waitlist",
        .keywords = "waiting lists, outpatient bookings, CUP, PNGLA, priority classes, pseudonymisation",
        .id = id ? id : g->id,
        .source = g->o.synthetic ? "synthetic bookings made by regia gen waitlist (no real patients, CUP or agency)"
                                 : "regional CUP booking exports (bookings CSV)",
        .processing_level = "booking records as exported, checked, pseudonymised and reformatted",
        .comment = g->comment,
        .license = "Restricted: pseudonymised personal health data (GDPR art. 9); same terms as the input data",
        .acknowledgement = "Booking data: the regional health service's CUP. Converted with regia.",
        .feature_type = "", /* booking records, not a discrete sampling geometry */
        .cdm_data_type = "", /* none of the THREDDS data types fits a list of records */
        .date_created = created,
        .history = hist,
        .time_start = g->t0,
        .time_end = g->t1,
        .duration_s = g->t_hi - g->t_lo,
        .time_resolution = NULL,
    };
}

/* Rank 0 writes the tables, every rank its bookings; every call agreed on. */
static regia_status_t put_text_rows(regia_run_t *run, int ncid, int vid, int n, size_t w, const char *src,
                                    size_t stride)
{
    const int r0 = run->ctx->rank == 0;
    char *buf = calloc((size_t)n * w + 1, 1);
    regia_status_t st = regia_run_agree(run, buf ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"));
    if (st) { free(buf); return st; }
    for (int i = 0; i < n; i++) strncpy(buf + (size_t)i * w, src + (size_t)i * stride, w);
    size_t inner[1] = {w};
    st = regia_run_put_rows(run, ncid, vid, 2, 0, r0 ? n : 0, inner, NC_CHAR, buf);
    free(buf);
    return st;
}

static regia_status_t wli_write(regia_run_t *run, void *self, int ncid)
{
    wli_t *g = self;
    const int *v = g->vid;
    const int r0 = run->ctx->rank == 0;
    const int64_t s0 = g->svc_first[run->i0], n = g->nbk;
    const wl_booking_t *bk = g->bk;
    regia_status_t st = REGIA_OK;
    const size_t nn = (size_t)n + 1;
    const size_t nmax = nn > (size_t)g->svc.n + 1 ? nn : (size_t)g->svc.n + 1;
    long long *i64 = malloc(nmax * sizeof *i64);
    int32_t *i32 = malloc(nn * sizeof *i32);
    signed char *i8 = malloc(nmax);
    short *i16 = malloc(nn * sizeof *i16);
    unsigned char *ps = malloc(nn * 32);
    if ((st = regia_run_agree(run, !i64 || !i32 || !i8 || !i16 || !ps ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory")
                                                                      : REGIA_OK)))
        goto err;
    /* pseudonyms: unsigned bytes, written with the NetCDF call itself */
    for (int which = 0; which < 2; which++) {
        for (int64_t k = 0; k < n; k++) memcpy(ps + 32 * k, which ? bk[k].rx : bk[k].patient, 32);
        int vid = v[which ? V_RX : V_PAT], rc = nc_var_par_access(ncid, vid, NC_COLLECTIVE);
        size_t start[2] = {n ? (size_t)s0 : 0, 0}, count[2] = {(size_t)n, n ? 32 : 0};
        if (!rc) rc = nc_put_vara_uchar(ncid, vid, start, count, ps);
        regia_status_t s2 = rc ? REGIA_FAIL(REGIA_ERR_NETCDF, "%s: writing the pseudonyms: %s (file system full or "
                                            "not writable?)", run->tmp_path, nc_strerror(rc)) : REGIA_OK;
        if ((st = regia_run_agree_io(run, s2))) goto err;
    }
#define PUT(vid, type, buf) REGIA_TRY(regia_run_put_rows(run, ncid, v[vid], 1, s0, n, NULL, type, buf))
    for (int64_t k = 0; k < n; k++) i32[k] = bk[k].rx_line;
    PUT(V_LINE, NC_INT, i32);
    for (int i = 0; i < 5; i++) {
        for (int64_t k = 0; k < n; k++) {
            const wl_booking_t *b = &bk[k];
            i64[k] = i == 0 ? b->t_rx : i == 1 ? b->t_contact : i == 2 ? b->t_first : i == 3 ? b->t_booked : b->t_outcome;
        }
        PUT(V_TRX + i, NC_INT64, i64);
    }
    for (int i = 0; i < 6; i++) {
        for (int64_t k = 0; k < n; k++) {
            const wl_booking_t *b = &bk[k];
            i8[k] = i == 0 ? b->outcome : i == 1 ? b->klass : i == 2 ? b->access : i == 3 ? b->regime
                                                             : i == 4 ? b->guarantee : b->reason;
        }
        PUT(V_OUTCOME + i, NC_BYTE, i8);
    }
    for (int64_t k = 0; k < n; k++) i16[k] = bk[k].catalogue;
    PUT(V_CAT, NC_SHORT, i16);
    for (int i = 0; i < 5; i++) {
        for (int64_t k = 0; k < n; k++) {
            const wl_booking_t *b = &bk[k];
            i32[k] = i == 0 ? b->service : i == 1 ? b->provider : i == 2 ? b->agenda : i == 3 ? b->res_district
                                                                                              : b->prov_district;
        }
        PUT(V_SVC + i, NC_INT, i32);
    }
#undef PUT
    /* each rank its services' index */
    for (int64_t k = 0; k < run->ni; k++) i64[k] = g->svc_first[run->i0 + k];
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_SFIRST], 1, run->i0, run->ni, NULL, NC_INT64, i64));
    for (int64_t k = 0; k < run->ni; k++) i64[k] = g->svc_count[run->i0 + k];
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_SCOUNT], 1, run->i0, run->ni, NULL, NC_INT64, i64));
    /* the tables, from rank 0 */
    const wl_service_t *sv = g->svc.s;
    const int nsv = g->svc.n;
    REGIA_TRY(put_text_rows(run, ncid, v[V_SCODE], nsv, 16, sv->code, sizeof *sv));
    REGIA_TRY(put_text_rows(run, ncid, v[V_SCODE_NEW], nsv, WL_CODE_NEW_LEN, sv->code_new, sizeof *sv));
    REGIA_TRY(put_text_rows(run, ncid, v[V_SNAME], nsv, 96, sv->name, sizeof *sv));
    REGIA_TRY(put_text_rows(run, ncid, v[V_SGROUP], nsv, 24, sv->group, sizeof *sv));
    REGIA_TRY(put_text_rows(run, ncid, v[V_SDISC], nsv, 8, sv->discipline, sizeof *sv));
    for (int s = 0; s < nsv; s++) i8[s] = (signed char)sv[s].kind;
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_SKIND], 1, 0, r0 ? nsv : 0, NULL, NC_BYTE, i8));
    for (int s = 0; s < nsv; s++) i8[s] = (signed char)sv[s].area_level;
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_SAREA], 1, 0, r0 ? nsv : 0, NULL, NC_BYTE, i8));
    const wl_districts_t *D = &g->dist;
    REGIA_TRY(put_text_rows(run, ncid, v[V_DCODE], D->n_district, 16, D->district_code[0], sizeof D->district_code[0]));
    REGIA_TRY(put_text_rows(run, ncid, v[V_DNAME], D->n_district, 64, D->district_name[0], sizeof D->district_name[0]));
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_DASL], 1, 0, r0 ? D->n_district : 0, NULL, NC_INT, D->district_asl));
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_DPOP], 1, 0, r0 ? D->n_district : 0, NULL, NC_DOUBLE, D->population));
    REGIA_TRY(put_text_rows(run, ncid, v[V_ACODE], D->n_asl, 16, D->asl_code[0], sizeof D->asl_code[0]));
    REGIA_TRY(put_text_rows(run, ncid, v[V_ANAME], D->n_asl, 64, D->asl_name[0], sizeof D->asl_name[0]));
    {
        int32_t *nd = calloc((size_t)D->n_asl + 1, sizeof *nd);
        REGIA_TRY(regia_run_agree(run, nd ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory")));
        for (int d = 0; d < D->n_district; d++)
            if (D->district_asl[d] >= 0 && D->district_asl[d] < D->n_asl) nd[D->district_asl[d]]++;
        st = regia_run_put_rows(run, ncid, v[V_ADIST], 1, 0, r0 ? D->n_asl : 0, NULL, NC_INT, nd);
        free(nd);
        if (st) goto err;
        int y = 1970, m = 1, d = 1;
        sscanf(g->o.run_date, "%d-%d-%d", &y, &m, &d); /* written by wli_configure: YYYY-MM-DD */
        double day = (double)regia_days_from_civil(y, m, d);
        REGIA_TRY(regia_run_put_rows(run, ncid, v[V_TIME], 1, 0, r0 ? 1 : 0, NULL, NC_DOUBLE, &day));
    }
    if (g->prov.n) {
        REGIA_TRY(put_text_rows(run, ncid, v[V_PCODE], g->prov.n, WLI_CODELEN, g->prov.code[0], WLI_CODELEN));
        static const char none[64] = "";
        REGIA_TRY(put_text_rows(run, ncid, v[V_PNAME], g->prov.n, 64, none, 0));
        REGIA_TRY(regia_run_put_rows(run, ncid, v[V_PDISTRICT], 1, 0, r0 ? g->prov.n : 0, NULL, NC_INT, g->prov_district));
    }
    if (g->agen.n) {
        REGIA_TRY(put_text_rows(run, ncid, v[V_GCODE], g->agen.n, WLI_CODELEN, g->agen.code[0], WLI_CODELEN));
        REGIA_TRY(regia_run_put_rows(run, ncid, v[V_GPROV], 1, 0, r0 ? g->agen.n : 0, NULL, NC_INT, g->agenda_provider));
        REGIA_TRY(regia_run_put_rows(run, ncid, v[V_GSVC], 1, 0, r0 ? g->agen.n : 0, NULL, NC_INT, g->agenda_service));
    }
err:
    free(i64);
    free(i32);
    free(i8);
    free(i16);
    free(ps);
    return st;
}

static regia_status_t wli_write_extra(regia_run_t *run, void *self, int i, const char *tmp_path)
{
    (void)i;
    wli_t *g = self;
    return ingest_write_rejects(run, &g->o.io, &g->PR.rej, tmp_path);
}

static void wli_report(regia_run_t *run, void *self)
{
    wli_t *g = self;
    regia_info(&run->ctx->log, "rows read %lld = kept %lld + rejected %lld; pseudonym key id %s", g->rows[0],
               g->rows[1], g->rows[2], g->key.id);
    if (g->o.verbose) {
        double tt = regia_now() - run->t0;
        regia_rank_msg(&run->ctx->log, "%lld rows parsed in %.2f s (%.0f rows/s)", (long long)g->PR.read, tt,
                       tt > 0 ? (double)g->PR.read / tt : 0);
    }
}

static void wli_manifest(regia_run_t *run, void *self, regia_manifest_t *m)
{
    wli_t *g = self;
    const wli_opts_t *o = &g->o;
    regia_manifest_num(m, "rows_read", (double)g->rows[0]);
    regia_manifest_num(m, "rows_kept", (double)g->rows[1]);
    regia_manifest_num(m, "rows_rejected", (double)g->rows[2]);
    regia_manifest_num(m, "services", g->svc.n);
    regia_manifest_num(m, "providers", g->prov.n);
    regia_manifest_num(m, "agendas", g->agen.n);
    regia_manifest_str(m, "pseudonymisation", "HMAC-SHA-256");
    regia_manifest_str(m, "pseudonym_key_id", g->key.id);
    regia_manifest_str(m, "services_table_version", g->svc.version);
    regia_manifest_str(m, "run_date", o->run_date);
    regia_manifest_num(m, "max_rejected_percent", 100 * o->max_rejected);
    if (regia_manifest_file_sha(m, "inputs", "services", o->services, g->svc.sha) != REGIA_OK) regia_error_clear();
    if (regia_manifest_file_sha(m, "inputs", "districts", o->districts, g->dist_sha) != REGIA_OK) regia_error_clear();
    for (int k = 0; k < o->io.ndata; k++)
        if (regia_manifest_file_sha(m, "inputs", "data", o->io.data[k], g->hex[k]) != REGIA_OK) regia_error_clear();
    regia_manifest_timing(m, "parse", g->t_parse);
    regia_manifest_timing(m, "exchange", g->t_exch);
    regia_manifest_timing(m, "total", regia_now() - run->t0);
}

static void wli_release(regia_run_t *run, void *self)
{
    wli_t *g = self;
    const int P = run->ctx->size;
    for (size_t i = 0; i < g->PR.rej.n; i++) free(g->PR.rej.v[i].text);
    free(g->PR.rej.v);
    if (g->PR.to) for (int p = 0; p < P; p++) free(g->PR.to[p].r);
    free(g->PR.to);
    free(g->PR.range);
    wli_codes_free(&g->PR.providers);
    wli_codes_free(&g->PR.agendas);
    wli_codes_free(&g->prov);
    wli_codes_free(&g->agen);
    free(g->prov_district);
    free(g->agenda_provider);
    free(g->agenda_service);
    free(g->hold.r);
    free(g->svc_count);
    free(g->svc_first);
    free(g->bk);
    free(g->hex);
    wl_services_free(&g->svc);
    wl_districts_free(&g->dist);
    regia_mac_free(g->mac);
    g->mac = NULL;
    regia_key_wipe(&g->key);
}

const regia_domain_t regia_domain_ingest_waitlist = {
    .name = "ingest waitlist",
    .summary = "pseudonymise and check outpatient booking exports (waiting lists) into NetCDF",
    .about = "Converts CUP booking exports (CSV: the canonical bookings layout, or a region's own column names and\n"
             "date formats mapped onto it) to one NetCDF-4 file of bookings for `regia waitlist`, with patient\n"
             "and prescription ids replaced by HMAC-SHA-256 pseudonyms under --key-file (required: a file only\n"
             "its owner can read).  Rows that fail a check go to OUT.rejects.csv (file, line, reason, the line\n"
             "without its identifiers); rows read = kept + rejected.  Each rank parses its byte range of every\n"
             "data file; the output is the same for any number of ranks.  See docs/waitlist-ingest.md.",
    .schema = wli_schema,
    .meta = wli_meta,
    .options_usage = "--data FILE [--data FILE ...] --key-file KEY --districts FILE.csv --output OUT.nc [OPTIONS]",
    .state_size = sizeof(wli_t),
    .unit = "services",
    .work_unit = "services",
    .stage = "sort",
    .output_role = "bookings",
    .configure = wli_configure,
    .index = wli_index,
    .read = wli_read,
    .compute = wli_compute,
    .result_arrays = NULL, /* sorting is cheap beside parsing: no checkpoint */
    .define = wli_define,
    .acdd = wli_acdd,
    .write = wli_write,
    .write_extra = wli_write_extra,
    .report = wli_report,
    .manifest = wli_manifest,
    .release = wli_release,
};
