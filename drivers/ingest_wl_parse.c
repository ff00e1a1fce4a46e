/* ingest_wl_parse.c - `regia ingest waitlist`: the values of the canonical bookings layout
 * (dates, classes, codes), one line -> a pseudonymised booking or a reject, and each
 * rank's byte range of a data file (see ingest_wl_impl.h).
 *
 * A data file is never read whole: every rank reads the header line and its own byte
 * range in blocks, aligned to line starts (as `regia ingest env` does).  Line numbers are
 * global: rows and rejects carry their line within the range until an MPI_Exscan of the
 * ranges' line counts gives the offset.
 *
 * The raw patient and prescription ids exist only in the block buffer and the field
 * buffer while their MACs are computed; both buffers are wiped (OPENSSL_cleanse here, explicit_bzero in
 * regia_csv_range) before they are freed.  Rejects keep the line with those two fields blanked.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ingest_wl_impl.h"
#include "regia/csv.h"
#include "regia/io.h"
#include "regia/timeutil.h"

#define WLI_BLOCK ((size_t)8 << 20)
#define MAX_LINE REGIA_CSV_MAX_LINE
#define MAXF INGEST_MAXF

/* Columns that must be in the header; the others may be absent (defaults in docs). */
static const unsigned char REQUIRED[WL_NCOL] = {
    [WL_COL_patient_id] = 1, [WL_COL_prescription_id] = 1, [WL_COL_prescription_line] = 1,
    [WL_COL_prescription_date] = 1, [WL_COL_contact_time] = 1, [WL_COL_booked_time] = 1,
    [WL_COL_outcome] = 1, [WL_COL_priority] = 1, [WL_COL_access] = 1, [WL_COL_service_code] = 1,
    [WL_COL_provider] = 1, [WL_COL_residence_district] = 1, [WL_COL_provider_district] = 1,
};

/* ---- reasons ------------------------------------------------------------------------- */

static char reason_text[WLR_KINDS][WL_NCOL + 1][224];

void wli_reasons_init(wli_parse_ctx_t *C)
{
    const wli_opts_t *o = C->o;
    static const char *const order_name[3] = {"dd/mm/yyyy", "mm/dd/yyyy", "yyyy-mm-dd"};
    char dorder[160];
    if (o->date_order == WLI_ISO)
        snprintf(dorder, sizeof dorder, "not yyyy-mm-dd as date_format = iso states");
    else
        snprintf(dorder, sizeof dorder, "contradicts the %s format %s (%s > 12)%s",
                 o->date_order_stated ? "stated" : "default", order_name[o->date_order],
                 o->date_order == WLI_DMY ? "month" : "month in the first place",
                 o->date_order == WLI_DMY ? ": an mm/dd/yyyy export? state date_format = mdy" : "");
    for (int k = 0; k < WLR_KINDS; k++)
        for (int c = 0; c <= WL_NCOL; c++) {
            char f[128] = "";
            if (c < WL_NCOL) {
                if (o->header[c] && strcasecmp(o->header[c], WL_COLUMN_NAMES[c]))
                    snprintf(f, sizeof f, "%s (column '%s')", WL_COLUMN_NAMES[c], o->header[c]);
                else
                    snprintf(f, sizeof f, "%s", WL_COLUMN_NAMES[c]);
            }
            char *t = reason_text[k][c];
            size_t cap = sizeof reason_text[k][c];
            switch ((wli_reason_t)k) {
            case WLR_FIELDS: snprintf(t, cap, "wrong field count"); break;
            case WLR_MISSING: snprintf(t, cap, "missing required field %s", f); break;
            case WLR_DATE: snprintf(t, cap, "unparseable date in %s", f); break;
            case WLR_DATE_ORDER: snprintf(t, cap, "date in %s %s", f, dorder); break;
            case WLR_DATE_OLD: snprintf(t, cap, "implausible date in %s (before 2000-01-01)", f); break;
            case WLR_DATE_NEW:
                snprintf(t, cap, "implausible date in %s (more than 2 years after the run date %s)", f, o->run_date);
                break;
            case WLR_CLASS: snprintf(t, cap, "unknown priority class in %s (U, B, D, P or empty)", f); break;
            case WLR_SERVICE: snprintf(t, cap, "unknown service in %s (not in the services table)", f); break;
            case WLR_DISTRICT: snprintf(t, cap, "unknown district in %s (not in the districts file)", f); break;
            case WLR_ASL: snprintf(t, cap, "unknown ASL in %s (not in the districts file)", f); break;
            case WLR_NOT_IN_ASL: snprintf(t, cap, "district in %s does not belong to its ASL", f); break;
            case WLR_VALUE: snprintf(t, cap, "unknown value in %s", f); break;
            case WLR_TOO_LONG: snprintf(t, cap, "value too long in %s (more than %d characters)", f, WLI_CODELEN - 1); break;
            case WLR_LINE: snprintf(t, cap, "%s is not a whole number >= 1", f); break;
            case WLR_DELIVERY: snprintf(t, cap, "delivery before booking (outcome_time before contact_time)"); break;
            case WLR_BOOKED: snprintf(t, cap, "booked before contact (booked_time before contact_time)"); break;
            case WLR_FIRST: snprintf(t, cap, "first available before contact (first_available_time before contact_time)"); break;
            case WLR_CONTACT: snprintf(t, cap, "contact before the prescription date"); break;
            case WLR_OUTCOME: snprintf(t, cap, "outcome before contact (outcome_time before contact_time)"); break;
            case WLR_OUTCOME_TIME: snprintf(t, cap, "missing outcome_time of a closed booking"); break;
            case WLR_DUP:
                snprintf(t, cap, "duplicate prescription line (prescription_id and prescription_line of an earlier row)");
                break;
            default: t[0] = 0;
            }
            C->reason[k][c] = t;
        }
}

/* ---- dates ----------------------------------------------------------------------------- */

static int dig(const char **p, int nmin, int nmax, int *v)
{
    int x = 0, i = 0;
    while (i < nmax && isdigit((unsigned char)(*p)[i])) x = x * 10 + ((*p)[i++] - '0');
    if (i < nmin) return 0;
    *p += i;
    *v = x;
    return 1;
}

int wli_parse_time(const char *s, int order, int64_t *t)
{
    const char *p = s;
    while (*p == ' ') p++;
    if (!*p) return 3;
    int y, mo, d, h = 0, mi = 0, se = 0, zone = 0, zoff = 0, a, b;
    const char *q = p;
    if (dig(&q, 4, 4, &y) && *q == '-') { /* ISO: unambiguous, always accepted */
        p = q + 1;
        if (!dig(&p, 2, 2, &mo) || *p++ != '-' || !dig(&p, 2, 2, &d)) return 1;
    } else {
        if (order == WLI_ISO) return isdigit((unsigned char)*p) ? 2 : 1;
        if (!dig(&p, 1, 2, &a)) return 1;
        char sp = *p;
        if (sp != '/' && sp != '-' && sp != '.') return 1;
        p++;
        if (!dig(&p, 1, 2, &b) || *p++ != sp || !dig(&p, 4, 4, &y)) return 1;
        if (order == WLI_MDY) mo = a, d = b;
        else d = a, mo = b;
        /* a month beyond 12 whose other number could be one: the order is contradicted */
        if (mo > 12 && mo <= 31 && d >= 1 && d <= 12) return 2;
    }
    if (*p == 'T' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
        p++;
        if (!dig(&p, 1, 2, &h) || *p++ != ':' || !dig(&p, 2, 2, &mi)) return 1;
        if (*p == ':' && !(p++, dig(&p, 2, 2, &se))) return 1;
        if (*p == '.' || *p == ',') { p++; while (isdigit((unsigned char)*p)) p++; }
        if (*p == 'Z') zone = 1, p++;
        else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
            int sg = *p++ == '-' ? -1 : 1, zh, zm = 0;
            if (!dig(&p, 2, 2, &zh)) return 1;
            if (*p == ':') p++;
            if (isdigit((unsigned char)*p) && !dig(&p, 2, 2, &zm)) return 1;
            if (zh > 14 || zm > 59) return 1;
            zone = 1, zoff = sg * (zh * 3600 + zm * 60);
        }
    }
    while (*p == ' ') p++;
    if (*p) return 1;
    if (mo < 1 || mo > 12 || d < 1 || d > regia_days_in_month(y, mo) || h > 23 || mi > 59 || se > 59) return 1;
    if (zone) {
        *t = regia_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - zoff;
        return 0;
    }
    int64_t v = wl_rome_to_utc(y, mo, d, h, mi, se);
    if (v == WL_NOTIME) return 1;
    *t = v;
    return 0;
}

/* ---- vocabularies ---------------------------------------------------------------------- */

static int word_in(const char *s, const char *const *w)
{
    for (int i = 0; w[i]; i++)
        if (!strcasecmp(s, w[i])) return 1;
    return 0;
}

static int parse_class(const char *s)
{
    static const char *const U[] = {"U", "urgente", NULL}, *const B[] = {"B", "breve", NULL},
                             *const D[] = {"D", "differibile", NULL},
                             *const P[] = {"P", "programmabile", "programmata", NULL};
    if (!*s) return WL_CLASS_NONE;
    if (word_in(s, U)) return WL_U;
    if (word_in(s, B)) return WL_B;
    if (word_in(s, D)) return WL_D;
    if (word_in(s, P)) return WL_P;
    return -1;
}

static int parse_access(const char *s)
{
    static const char *const F[] = {"first", "primo", "primo accesso", "first access", NULL},
                             *const S[] = {"followup", "follow-up", "follow_up", "successivo", "accesso successivo", NULL};
    if (word_in(s, F)) return WL_ACCESS_FIRST;
    if (word_in(s, S)) return WL_ACCESS_FOLLOWUP;
    return -1;
}

static int parse_outcome(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (!strcasecmp(s, WL_OUTCOME_NAMES[i])) return i;
    if (!strcasecmp(s, "no-show") || !strcasecmp(s, "noshow")) return WL_OUT_NOSHOW;
    return -1;
}

static int parse_regime(const char *s)
{
    if (!*s || !strcasecmp(s, "ssn")) return WL_REGIME_SSN;
    if (!strcasecmp(s, "intramoenia") || !strcasecmp(s, "alpi")) return WL_REGIME_INTRAMOENIA;
    return -2;
}

static int parse_guarantee(const char *s)
{
    static const char *const Y[] = {"1", "yes", "y", "true", "si", "s", "s\xc3\xac", NULL},
                             *const N[] = {"0", "no", "n", "false", NULL};
    if (!*s) return -1;
    if (word_in(s, Y)) return 1;
    if (word_in(s, N)) return 0;
    return -2;
}

static int parse_reason(const char *s)
{
    if (!*s) return WL_REASON_NONE;
    for (int i = 0; i < 3; i++)
        if (!strcasecmp(s, WL_REASON_NAMES[i])) return i;
    return -1;
}

static int asl_find(const wl_districts_t *d, const char *code)
{
    for (int i = 0; i < d->n_asl; i++)
        if (!strcmp(d->asl_code[i], code)) return i;
    return -1;
}

int wli_rx_owner(const uint8_t rx[32], int size)
{
    uint64_t h = 0;
    for (int i = 0; i < 8; i++) h = h << 8 | rx[i];
    return (int)(h % (uint64_t)size);
}

/* ---- code sets ------------------------------------------------------------------------- */

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int32_t wli_codes_find(const wli_codes_t *c, const char *s)
{
    if (!c->nslot) return -1;
    for (uint32_t i = fnv(s) & (uint32_t)(c->nslot - 1);; i = (i + 1) & (uint32_t)(c->nslot - 1)) {
        int32_t v = c->slot[i];
        if (!v) return -1;
        if (!strcmp(c->code[v - 1], s)) return v - 1;
    }
}

int32_t wli_codes_add(wli_codes_t *c, const char *s)
{
    int32_t f = wli_codes_find(c, s);
    if (f >= 0) return f;
    if (c->n == c->cap) {
        int32_t nc = c->cap ? 2 * c->cap : 256;
        void *p = realloc(c->code, (size_t)nc * sizeof *c->code);
        if (!p) return -1;
        c->code = p;
        c->cap = nc;
    }
    if (2 * (c->n + 1) > c->nslot) { /* grow the table: load <= 1/2 */
        int32_t ns = c->nslot ? 2 * c->nslot : 1024;
        int32_t *sl = calloc((size_t)ns, sizeof *sl);
        if (!sl) return -1;
        for (int32_t k = 0; k < c->n; k++) {
            uint32_t i = fnv(c->code[k]) & (uint32_t)(ns - 1);
            while (sl[i]) i = (i + 1) & (uint32_t)(ns - 1);
            sl[i] = k + 1;
        }
        free(c->slot);
        c->slot = sl;
        c->nslot = ns;
    }
    snprintf(c->code[c->n], WLI_CODELEN, "%s", s);
    uint32_t i = fnv(s) & (uint32_t)(c->nslot - 1);
    while (c->slot[i]) i = (i + 1) & (uint32_t)(c->nslot - 1);
    c->slot[i] = ++c->n;
    return c->n - 1;
}

void wli_codes_free(wli_codes_t *c)
{
    free(c->code);
    free(c->slot);
    memset(c, 0, sizeof *c);
}

/* ---- one line ------------------------------------------------------------------------ */

enum { F_NONE, F_TEXT, F_LONG };

typedef struct {
    const wli_parse_ctx_t *C;
    int file, hdr_nf, col[WL_NCOL];
    char sep;
    wli_parsed_t *P;
    int me, size;
    char *work, *out;  /* split fields; a reject's text                               */
    int fatal;
    int64_t fatal_line;
} range_t;

/* The line's fields joined again with the identifier fields blanked (quoted as needed). */
static size_t blanked(const range_t *R, char **f, int nf, char *out)
{
    size_t n = 0;
    for (int i = 0; i < nf; i++) {
        if (i) out[n++] = R->sep;
        if (i == R->col[WL_COL_patient_id] || i == R->col[WL_COL_prescription_id]) continue;
        const char *s = f[i];
        int q = strchr(s, R->sep) || strchr(s, '"') || strchr(s, '\n');
        if (q) out[n++] = '"';
        for (; *s; s++) {
            if (*s == '"') out[n++] = '"';
            out[n++] = *s;
        }
        if (q) out[n++] = '"';
    }
    out[n] = 0;
    return n;
}

static regia_status_t push_row(wli_rows_t *b, const wli_row_t *r)
{
    if (b->n == b->cap) {
        size_t c = b->cap ? b->cap + b->cap / 2 : 16384;
        wli_row_t *p = realloc(b->r, c * sizeof *p);
        if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%zu bookings parsed on this rank)", b->n);
        b->r = p;
        b->cap = c;
    }
    b->r[b->n++] = *r;
    return REGIA_OK;
}

/* Check the fields of a split line into r; the reason of the first failed check, or NULL. */
static const char *check_row(const range_t *R, char **f, wli_row_t *r)
{
    const wli_parse_ctx_t *C = R->C;
    const wli_opts_t *o = C->o;
    const int *col = R->col;
    const char *const(*why)[WL_NCOL + 1] = C->reason;
    char *v[WL_NCOL];
    static char empty[1] = "";
    for (int c = 0; c < WL_NCOL; c++) v[c] = col[c] >= 0 ? regia_csv_trim(f[col[c]]) : empty;
    wl_booking_t *b = &r->b;
    /* required values */
    static const int must[] = {WL_COL_patient_id, WL_COL_prescription_id, WL_COL_prescription_line,
                               WL_COL_prescription_date, WL_COL_contact_time, WL_COL_booked_time, WL_COL_outcome,
                               WL_COL_access, WL_COL_service_code, WL_COL_provider, WL_COL_residence_district,
                               WL_COL_provider_district};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!*v[must[i]]) return why[WLR_MISSING][must[i]];
    for (int c = WL_COL_residence_asl; c <= WL_COL_provider_asl; c += WL_COL_provider_asl - WL_COL_residence_asl)
        if (col[c] >= 0 && !*v[c]) return why[WLR_MISSING][c];
    /* prescription line */
    {
        char *e;
        errno = 0;
        long x = strtol(v[WL_COL_prescription_line], &e, 10);
        if (*e || errno || x < 1 || x > INT32_MAX) return why[WLR_LINE][WL_COL_prescription_line];
        b->rx_line = (int32_t)x;
    }
    /* dates */
    static const int tcol[5] = {WL_COL_prescription_date, WL_COL_contact_time, WL_COL_first_available_time,
                                WL_COL_booked_time, WL_COL_outcome_time};
    int64_t *tv[5] = {&b->t_rx, &b->t_contact, &b->t_first, &b->t_booked, &b->t_outcome};
    for (int i = 0; i < 5; i++) {
        int c = tcol[i];
        int k = wli_parse_time(v[c], o->date_order, tv[i]);
        if (k == 3) { *tv[i] = WL_NOTIME; continue; } /* required ones were checked above */
        if (k == 1) return why[WLR_DATE][c];
        if (k == 2) return why[WLR_DATE_ORDER][c];
        if (*tv[i] < o->t_min) return why[WLR_DATE_OLD][c];
        if (*tv[i] >= o->t_max) return why[WLR_DATE_NEW][c];
    }
    /* vocabularies and codes */
    int x;
    if ((x = parse_outcome(v[WL_COL_outcome])) < 0) return why[WLR_VALUE][WL_COL_outcome];
    b->outcome = (int8_t)x;
    if ((x = parse_class(v[WL_COL_priority])) < 0) return why[WLR_CLASS][WL_COL_priority];
    b->klass = (int8_t)x;
    if ((x = parse_access(v[WL_COL_access])) < 0) return why[WLR_VALUE][WL_COL_access];
    b->access = (int8_t)x;
    if ((x = parse_regime(v[WL_COL_regime])) < 0) return why[WLR_VALUE][WL_COL_regime];
    b->regime = (int8_t)x;
    if ((x = parse_guarantee(v[WL_COL_guarantee])) < -1) return why[WLR_VALUE][WL_COL_guarantee];
    b->guarantee = (int8_t)x;
    if ((x = parse_reason(v[WL_COL_guarantee_reason])) < 0) return why[WLR_VALUE][WL_COL_guarantee_reason];
    b->reason = (int8_t)x;
    int s = wl_services_find(C->svc, v[WL_COL_service_code], NULL);
    if (s < 0) return why[WLR_SERVICE][WL_COL_service_code];
    b->service = s;
    {
        /* which nomenclator the code is of: one of the row's 2024 codes (a row may list
         * several: 88.38.A|88.38.B|88.38.C), the 1996 one ("89.7/08" is the 1996 code with
         * its discipline), or both when they are written alike (89.13) */
        const wl_service_t *sv = &C->svc->s[s];
        const char *code = v[WL_COL_service_code], *cat = v[WL_COL_catalogue], *sl = strchr(code, '/');
        size_t cl = sl ? (size_t)(sl - code) : strlen(code);
        int is_new = wl_service_has_code_new(sv, code);
        int is_old = strlen(sv->code) == cl && !strncmp(sv->code, code, cl);
        if (!*cat) b->catalogue = is_new && !is_old ? 2024 : 1996;
        else if (!strcmp(cat, "2024") && is_new) b->catalogue = 2024;
        else if (!strcmp(cat, "1996") && is_old) b->catalogue = 1996;
        else if (!strcmp(cat, "2024") || !strcmp(cat, "1996")) return why[WLR_SERVICE][WL_COL_service_code];
        else return why[WLR_VALUE][WL_COL_catalogue];
    }
    /* districts and their ASLs */
    static const int dcol[2] = {WL_COL_residence_district, WL_COL_provider_district},
                     acol[2] = {WL_COL_residence_asl, WL_COL_provider_asl};
    int32_t *dv[2] = {&b->res_district, &b->prov_district};
    for (int i = 0; i < 2; i++) {
        int d = wl_district_find(C->dist, v[dcol[i]]);
        if (d < 0) return why[WLR_DISTRICT][dcol[i]];
        if (col[acol[i]] >= 0) {
            int a = asl_find(C->dist, v[acol[i]]);
            if (a < 0) return why[WLR_ASL][acol[i]];
            if (C->dist->district_asl[d] != a) return why[WLR_NOT_IN_ASL][dcol[i]];
        }
        *dv[i] = d;
    }
    if (strlen(v[WL_COL_provider]) >= WLI_CODELEN) return why[WLR_TOO_LONG][WL_COL_provider];
    if (strlen(v[WL_COL_agenda]) >= WLI_CODELEN) return why[WLR_TOO_LONG][WL_COL_agenda];
    /* the order of events */
    if (b->t_contact < b->t_rx) return why[WLR_CONTACT][WL_NCOL];
    if (b->t_booked < b->t_contact) return why[WLR_BOOKED][WL_NCOL];
    if (b->t_first != WL_NOTIME && b->t_first < b->t_contact) return why[WLR_FIRST][WL_NCOL];
    if (b->outcome != WL_OUT_PENDING) {
        if (b->t_outcome == WL_NOTIME) return why[WLR_OUTCOME_TIME][WL_NCOL];
        if (b->t_outcome < b->t_contact)
            return b->outcome == WL_OUT_DELIVERED ? why[WLR_DELIVERY][WL_NCOL] : why[WLR_OUTCOME][WL_NCOL];
    }
    return NULL;
}

/* One data line (k: its index within the range, off: its byte offset). */
static regia_status_t do_line(range_t *R, const char *l, size_t n, int64_t k, int64_t off)
{
    if (n == 0) return REGIA_OK;
    {
        long bad = 0;
        if (regia_csv_check_text(l, n, "", &bad) != REGIA_OK) {
            regia_error_clear();
            R->fatal = F_TEXT;
            R->fatal_line = k;
            return REGIA_OK;
        }
    }
    wli_parsed_t *P = R->P;
    const wli_parse_ctx_t *C = R->C;
    P->read++;
    char *f[MAXF];
    int nf = regia_csv_split_sep(l, n, R->sep, R->work, f, MAXF);
    if (nf != R->hdr_nf) return ingest_add_reject(&P->rej, R->file, k, C->reason[WLR_FIELDS][WL_NCOL], "", 0);
    wli_row_t r;
    memset(&r, 0, sizeof r);
    r.file = R->file;
    r.origin = R->me;
    r.line = k;
    r.off = off;
    const char *why = check_row(R, f, &r);
    if (why) {
        size_t m = blanked(R, f, nf, R->out);
        return ingest_add_reject(&P->rej, R->file, k, why, R->out, m);
    }
    /* codes: local indices until the global tables are known */
    const char *prov = regia_csv_trim(f[R->col[WL_COL_provider]]);
    const char *ag = R->col[WL_COL_agenda] >= 0 ? regia_csv_trim(f[R->col[WL_COL_agenda]]) : "";
    if ((r.b.provider = wli_codes_add(&P->providers, prov)) < 0) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    r.b.agenda = -1;
    if (*ag && (r.b.agenda = wli_codes_add(&P->agendas, ag)) < 0) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    /* pseudonyms; the raw ids stay in the (wiped) field buffer */
    const char *pid = regia_csv_trim(f[R->col[WL_COL_patient_id]]), *rid = regia_csv_trim(f[R->col[WL_COL_prescription_id]]);
    size_t rl = strlen(rid);
    char *rx = R->out; /* "rx:" + id; wiped below */
    memcpy(rx, "rx:", 3);
    memcpy(rx + 3, rid, rl);
    regia_status_t st = regia_mac(C->mac, pid, strlen(pid), r.b.patient);
    if (!st) st = regia_mac(C->mac, rx, rl + 3, r.b.rx);
    OPENSSL_cleanse(rx, rl + 3);
    if (st) return st;
    return push_row(&P->to[wli_rx_owner(r.b.rx, R->size)], &r);
}

/* ---- byte ranges ----------------------------------------------------------------------- */


/* One line of the range (regia_csv_range's callback). */
static regia_status_t range_line(void *arg, const char *l, size_t n, int64_t k, int64_t off, int *stop)
{
    range_t *R = arg;
    regia_status_t st = do_line(R, l, n, k, off);
    *stop = R->fatal != 0;
    return st;
}

/* The lines of [a, b), read in blocks through the shared range reader (regia_csv_range:
 * CR, BOM, maximum length).  *nlines: lines in the range. */
static regia_status_t parse_range(range_t *R, int fd, const char *path, int64_t a, int64_t b, int64_t *nlines,
                                  regia_progress_t *prog)
{
    int64_t long_line = -1;
    regia_status_t st = regia_csv_range(fd, path, a, b, WLI_BLOCK, MAX_LINE, prog, 1, range_line, R, nlines,
                                        &long_line);
    if (!st && long_line >= 0 && !R->fatal) { R->fatal = F_LONG; R->fatal_line = long_line; }
    return st;
}

static const char *sep_name(char c) { return c == ',' ? "','" : c == ';' ? "';'" : "tab"; }

/* The header: every required canonical column found under its (mapped) name. */
static regia_status_t header_cols(const wli_opts_t *o, const char *path, const char *l, size_t n, char sep, int *col,
                                  int *nf)
{
    regia_csv_header_t H;
    memset(&H, 0, sizeof H);
    regia_status_t st = regia_csv_header_parse(&H, path, l, n, sep);
    if (st) return st;
    for (int c = 0; c < WL_NCOL && !st; c++) {
        const char *name = o->header[c] ? o->header[c] : WL_COLUMN_NAMES[c];
        col[c] = regia_csv_header_col(&H, name);
        if (col[c] >= 0 || !REQUIRED[c]) continue;
        /* the ASL columns are optional: the district gives its ASL */
        char have[512], mapped[160] = "", opt[64];
        snprintf(opt, sizeof opt, "%s", WL_COLUMN_NAMES[c]);
        for (char *q = opt; *q; q++) if (*q == '_') *q = '-';
        regia_csv_header_join(&H, have, sizeof have);
        if (strcmp(name, WL_COLUMN_NAMES[c]))
            snprintf(mapped, sizeof mapped, " ([columns] %s = %s)", WL_COLUMN_NAMES[c], name);
        char other = regia_csv_detect_sep(l, n);
        if (other != H.sep)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: the header lacks the column '%s'%s with the separator %s; "
                            "the header is %s-separated: give --separator %s", path, name, mapped, sep_name(H.sep),
                            sep_name(other), other == '\t' ? "tab" : sep_name(other));
        else
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: the header lacks the column '%s'%s of the canonical bookings "
                            "layout (it has: %s); map the export's own names in the job's [columns] section or with "
                            "--%s HEADER", path, name, mapped, have, opt);
    }
    *nf = H.n;
    regia_csv_header_free(&H);
    return st;
}

/* The identifier columns of a file's header (for wli_reject_text): every rank parses the
 * same headers, so this is filled by wli_parse_file. */
static struct { int col_pid, col_rid, nf; char sep; } file_hdr[WLI_MAX_FILES];

char *wli_reject_text(const wli_parse_ctx_t *C, int file, int64_t off)
{
    /* the line read into a buffer of its own, wiped whole: it may hold the next lines too */
    const size_t cap = MAX_LINE + 2;
    char *t = malloc(cap), *work = malloc(cap + MAXF + 8), *out = malloc(2 * cap + 3 * MAXF + 8), *f[MAXF];
    int fd = t && work && out ? open(C->o->io.data[file], O_RDONLY) : -1;
    size_t got = 0;
    if (fd >= 0) {
        if (regia_read_at(fd, C->o->io.data[file], t, cap - 1, off, &got) != REGIA_OK) regia_error_clear(), got = 0;
        close(fd);
    }
    if (!t || !work || !out) {
        free(t);
        free(work);
        free(out);
        return NULL;
    }
    char *e = memchr(t, '\n', got);
    size_t n = e ? (size_t)(e - t) : got;
    if (n && t[n - 1] == '\r') n--;
    range_t R;
    memset(&R, 0, sizeof R);
    R.sep = file_hdr[file].sep;
    for (int c = 0; c < WL_NCOL; c++) R.col[c] = -1;
    R.col[WL_COL_patient_id] = file_hdr[file].col_pid;
    R.col[WL_COL_prescription_id] = file_hdr[file].col_rid;
    int nf = regia_csv_split_sep(t, n, R.sep, work, f, MAXF);
    if (nf == file_hdr[file].nf) blanked(&R, f, nf, out);
    else out[0] = 0;
    OPENSSL_cleanse(t, cap);
    OPENSSL_cleanse(work, cap + MAXF + 8);
    free(t);
    free(work);
    return out;
}

regia_status_t wli_parse_file(regia_run_t *run, const wli_parse_ctx_t *C, int file, wli_parsed_t *P,
                              regia_progress_t *prog)
{
    regia_ctx_t *ctx = run->ctx;
    regia_status_t st = REGIA_OK;
    const wli_opts_t *o = C->o;
    const char *path = o->io.data[file];
    range_t R = {.C = C, .file = file, .P = P, .me = ctx->rank, .size = ctx->size};
    char *hdr = NULL;
    int64_t size = 0, hs = 0, a = 0, b = 0, nl = 0, before = 0;
    size_t *start = NULL, rej0 = P->rej.n;
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0) st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    else if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: not a regular file", path);
    else if ((size = (int64_t)sb.st_size) == 0)
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: empty file (no header line); give a bookings CSV export", path);
    else if (!(hdr = malloc(MAX_LINE + 2)))
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (st == REGIA_OK) {
        size_t got = 0;
        st = regia_read_at(fd, path, hdr, MAX_LINE + 2, 0, &got);
        char *e = st ? NULL : memchr(hdr, '\n', got);
        size_t n = e ? (size_t)(e - hdr) : got;
        long bad = 0;
        if (st) {
        } else if (n > MAX_LINE)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1 is longer than %d bytes; not a bookings CSV (check the file)", path, MAX_LINE);
        else if ((st = regia_csv_check_text(hdr, n, path, &bad)) != REGIA_OK) {
        } else {
            /* a UTF-8 byte-order mark before the header */
            const char *h = hdr;
            if (n >= 3 && !memcmp(h, "\xEF\xBB\xBF", 3)) h += 3, n -= 3;
            hs = e ? (int64_t)(e - hdr) + 1 : size;
            R.sep = o->sep ? o->sep : regia_csv_detect_sep(h, n);
            st = header_cols(o, path, h, n, R.sep, R.col, &R.hdr_nf);
        }
    }
    if (st == REGIA_OK) {
        file_hdr[file].col_pid = R.col[WL_COL_patient_id];
        file_hdr[file].col_rid = R.col[WL_COL_prescription_id];
        file_hdr[file].nf = R.hdr_nf;
        file_hdr[file].sep = R.sep;
        st = regia_run_fault(run, "parse");
    }
    st = regia_run_agree(run, st);
    if (st != REGIA_OK) goto err;

    /* this rank's byte range of the data lines, aligned to line starts */
    int64_t ra = hs + (int64_t)((double)(size - hs) * ctx->rank / ctx->size);
    int64_t rb = hs + (int64_t)((double)(size - hs) * (ctx->rank + 1) / ctx->size);
    if (ctx->rank == ctx->size - 1) rb = size;
    a = ra;
    b = rb;
    if (ra > hs) st = regia_align_line(fd, path, size, ra, &a);
    if (!st && rb > hs && rb < size) st = regia_align_line(fd, path, size, rb, &b);
    if (a > b) a = b;
    P->range[file][0] = a;
    P->range[file][1] = b;
    R.work = malloc(MAX_LINE + MAXF + 8);
    R.out = malloc(2 * MAX_LINE + 3 * MAXF + 8);
    start = calloc((size_t)ctx->size, sizeof *start);
    if (!st && (!R.work || !R.out || !start)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (!st) {
        for (int p = 0; p < ctx->size; p++) start[p] = P->to[p].n;
        st = parse_range(&R, fd, path, a, b, &nl, prog);
    }
    /* line numbers: lines of the ranges before this one */
    long long mine = nl, bef = 0;
    MPI_Exscan(&mine, &bef, 1, MPI_LONG_LONG, MPI_SUM, ctx->comm);
    before = ctx->rank == 0 ? 0 : bef;
    if (!st && R.fatal) {
        long long line = 2 + before + R.fatal_line;
        if (R.fatal == F_TEXT)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: not text (a NUL byte or invalid UTF-8: latin-1 or binary "
                            "file?); convert the export to UTF-8 (iconv -f latin1 -t utf-8)", path, line);
        else
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld is longer than %d bytes; not a bookings CSV (check the file)",
                            path, line, MAX_LINE);
    }
    if (!st) {
        int64_t add = 2 + before;
        for (int p = 0; p < ctx->size; p++)
            for (size_t i = start[p]; i < P->to[p].n; i++) P->to[p].r[i].line += add;
        for (size_t i = rej0; i < P->rej.n; i++) P->rej.v[i].line += add;
    }
    st = regia_run_agree(run, st);
err:
    if (fd >= 0) close(fd);
    free(hdr);
    if (R.work) OPENSSL_cleanse(R.work, MAX_LINE + MAXF + 8);
    if (R.out) OPENSSL_cleanse(R.out, 2 * MAX_LINE + 3 * MAXF + 8);
    free(R.work);
    free(R.out);
    free(start);
    return st;
}
