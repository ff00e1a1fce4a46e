/* waitlist_services.c - the data foundations of the waiting-list domain: the monitored
 * services table (data/waitlist/pngla_services.csv), the districts and agendas files,
 * Europe/Rome civil time, the Italian national holidays, and the shared name arrays
 * (waitlist_impl.h).
 *
 * The three tables are small (tens to thousands of rows) and read whole on every rank;
 * errors name the file, the line (from 1, the header is line 1) and the column. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "waitlist_impl.h"
#include "regia/csv.h"
#include "regia/fileutil.h"
#include "regia/timeutil.h"

/* ---- shared names ------------------------------------------------------------------------ */
const char *const WL_CLASS_NAMES[WL_CLASS_DIM] = {"U", "B", "D", "P", "all"};
const char *const WL_OUTCOME_NAMES[5] = {"pending", "delivered", "cancelled", "no_show", "withdrawn"};
const char *const WL_REASON_NAMES[3] = {"none", "personal", "choice"};
const char *const WL_CLOCK_NAMES[3] = {"prescription", "contact", "first_available"};
const char *const WL_COLUMN_NAMES[WL_NCOL] = {
#define X(c) #c,
    WL_COLUMNS
#undef X
};

/* ---- a small table reader: header with required columns, then rows of trimmed fields --- */
#define TABLE_MAX_BYTES ((size_t)64 << 20)

typedef struct {
    const char *path;
    char *buf;
    size_t len;
    regia_csv_lines_t L;
    regia_csv_header_t H;
    regia_csv_fields_t F;
    int ncol;
    const char *const *cols; /* required column names                                    */
    int idx[16];             /* their indices in the header (-1: optional and absent)     */
    char *v[16];             /* the current row's trimmed fields, in `cols` order          */
    int64_t line;
} table_t;

static void table_close(table_t *T)
{
    regia_csv_fields_free(&T->F);
    regia_csv_header_free(&T->H);
    free(T->buf);
    memset(T, 0, sizeof *T);
}

/* Open `path`, check it is text, parse the header (',' ';' or TAB) and find the columns:
 * those in cols[0..nreq) are required, cols[nreq..ncol) optional. */
static regia_status_t table_open(table_t *T, const char *path, const char *const *cols, int nreq, int ncol,
                                 char sha[65])
{
    regia_status_t st = REGIA_OK;
    int got = 0;
    memset(T, 0, sizeof *T);
    T->path = path;
    T->cols = cols;
    T->ncol = ncol;
    REGIA_TRY(regia_read_file(path, TABLE_MAX_BYTES, &T->buf, &T->len));
    if (sha) regia_sha256_buf(T->buf, T->len, sha);
    long bad_line = 0;
    REGIA_TRY(regia_csv_check_text(T->buf, T->len, path, &bad_line));
    regia_csv_lines_init(&T->L, path, T->buf, T->len, 1, 1, 0);
    REGIA_TRY(regia_csv_lines_next(&T->L, &got));
    if (!got || T->L.n == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: empty file or blank header (expected columns %s, ...)",
                        path, cols[0]);
        goto err;
    }
    REGIA_TRY(regia_csv_header_parse(&T->H, path, T->L.text, T->L.n, 0));
    for (int i = 0; i < ncol; i++) {
        T->idx[i] = regia_csv_header_col(&T->H, cols[i]);
        if (T->idx[i] < 0 && i < nreq) {
            char have[512];
            regia_csv_header_join(&T->H, have, sizeof have);
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: the header lacks column '%s' (it has: %s)", path,
                            cols[i], have);
            goto err;
        }
    }
    REGIA_TRY(regia_csv_fields_init(&T->F, 0, 0));
    return REGIA_OK;
err:
    table_close(T);
    return st;
}

/* Next non-blank data row: *got = 0 at the end.  T->v[i] is the trimmed field of cols[i]
 * ("" for an absent optional column). */
static regia_status_t table_next(table_t *T, int *got)
{
    regia_status_t st;
    for (;;) {
        if ((st = regia_csv_lines_next(&T->L, got)) != REGIA_OK) return st;
        if (!*got) return REGIA_OK;
        if (T->L.n == 0) continue;
        T->line = T->L.line;
        int nf = regia_csv_fields_split(&T->F, T->L.text, T->L.n, T->H.sep);
        if ((st = regia_csv_check_fields(&T->H, T->path, T->L.line, nf)) != REGIA_OK) return st;
        static char empty[1] = "";
        for (int i = 0; i < T->ncol; i++) T->v[i] = T->idx[i] >= 0 ? regia_csv_trim(T->F.field[T->idx[i]]) : empty;
        return REGIA_OK;
    }
}

/* "FILE: line N, column 'c' (field k): " + message. */
#define TFAIL(T, i, ...) table_fail((T), (i), __FILE__, __LINE__, __VA_ARGS__)
static regia_status_t table_fail(const table_t *T, int i, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#include <stdarg.h>
static regia_status_t table_fail(const table_t *T, int i, const char *file, int line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (i < 0) return regia_error_set(REGIA_ERR_PARSE, file, line, "%s: line %lld: %s", T->path, (long long)T->line, msg);
    return regia_error_set(REGIA_ERR_PARSE, file, line, "%s: line %lld, column '%s' (field %d): %s", T->path,
                           (long long)T->line, T->cols[i], T->idx[i] + 1, msg);
}

/* Copy field i into dst[cap]; refuse empty (when required) and too long values. */
static regia_status_t table_copy(const table_t *T, int i, char *dst, size_t cap, int required)
{
    size_t n = strlen(T->v[i]);
    if (required && n == 0) return TFAIL(T, i, "empty (a value is required)");
    if (n >= cap) return TFAIL(T, i, "'%.40s...' is longer than %zu characters", T->v[i], cap - 1);
    memcpy(dst, T->v[i], n + 1);
    return REGIA_OK;
}

static int grow(void **p, int *cap, int need, size_t elem)
{
    if (need <= *cap) return 1;
    int nc = *cap ? *cap * 2 : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q) return 0;
    *p = q;
    *cap = nc;
    return 1;
}

/* ---- services table ---------------------------------------------------------------------- */
/* The segments of a code list "A|B|C": *p at a segment's start; its length; *p after it. */
static size_t next_code(const char **p)
{
    const char *q = *p;
    size_t n = strcspn(q, "|");
    *p = q[n] ? q + n + 1 : q + n;
    return n;
}

int wl_service_code_new_count(const wl_service_t *s)
{
    if (!s || !s->code_new[0]) return 0;
    int n = 1;
    for (const char *p = s->code_new; *p; p++) n += *p == '|';
    return n;
}

const char *wl_service_code_new_at(const wl_service_t *s, int k, char *buf, size_t cap)
{
    if (cap) buf[0] = '\0';
    const char *p = s ? s->code_new : "";
    for (int i = 0; *p && cap; i++) {
        const char *c = p;
        size_t n = next_code(&p);
        if (i == k) {
            if (n >= cap) n = cap - 1;
            memcpy(buf, c, n);
            buf[n] = '\0';
            break;
        }
    }
    return buf;
}

int wl_service_has_code_new(const wl_service_t *s, const char *code)
{
    if (!s || !code || !*code) return 0;
    size_t len = strlen(code);
    for (const char *p = s->code_new; *p;) {
        const char *c = p;
        size_t n = next_code(&p);
        if (n == len && !strncasecmp(c, code, n)) return 1;
    }
    return 0;
}

/* Field i as a list of 2024 codes ("", "88.93.6" or "88.38.A|88.38.B|88.38.C", blanks
 * around each code dropped) into dst[cap], checked: no empty or repeated code, letters,
 * digits and dots only. */
static regia_status_t copy_code_list(const table_t *T, int i, char *dst, size_t cap)
{
    const char *v = T->v[i], *p = v;
    size_t out = 0;
    dst[0] = '\0';
    if (!*v) return REGIA_OK;
    for (int k = 0;; k++) {
        const char *c = p;
        size_t n = next_code(&p);
        int last = c[n] == '\0';
        while (n && isblank((unsigned char)*c)) c++, n--;
        while (n && isblank((unsigned char)c[n - 1])) n--;
        if (n == 0)
            return TFAIL(T, i, "'%s': code %d of the list is empty (several 2024 codes are written separated by '|', "
                               "e.g. 88.38.A|88.38.B)", v, k + 1);
        for (size_t j = 0; j < n; j++)
            if (!isalnum((unsigned char)c[j]) && c[j] != '.')
                return TFAIL(T, i, "'%.*s' is not a nomenclator code (letters, digits and dots; several 2024 codes are "
                                   "separated by '|')", (int)n, c);
        if (n >= 16) return TFAIL(T, i, "'%.*s' is longer than 15 characters: not a nomenclator code", (int)n, c);
        for (const char *q = dst; *q;) {
            const char *d = q;
            size_t m = next_code(&q);
            if (m == n && !strncasecmp(d, c, n)) return TFAIL(T, i, "'%s': code '%.*s' is listed twice", v, (int)n, c);
        }
        if (out + (k > 0) + n >= cap)
            return TFAIL(T, i, "'%.40s...': the list is longer than %zu characters", v, cap - 1);
        if (k > 0) dst[out++] = '|';
        memcpy(dst + out, c, n);
        out += n;
        dst[out] = '\0';
        if (last) break;
    }
    return REGIA_OK;
}

enum { S_VERSION, S_CODE, S_CODE_NEW, S_NAME, S_KIND, S_DISC, S_GROUP, S_AREA, S_NCOL };
static const char *const S_COLS[S_NCOL] = {"table_version", "code_1996", "code_2024", "name",
                                            "kind", "discipline", "group", "area_level"};

/* Disciplines compare as numbers when both are digits ("8" == "08"). */
static int same_discipline(const char *a, const char *b)
{
    while (*a == '0' && a[1]) a++;
    while (*b == '0' && b[1]) b++;
    return strcmp(a, b) == 0;
}

/* ---- the code index of wl_services_find ------------------------------------------------- */
static int cmp_ix_new(const void *a, const void *b)
{
    return strcasecmp(((const wl_code_ix_t *)a)->code, ((const wl_code_ix_t *)b)->code);
}

static int cmp_ix_old(const void *a, const void *b)
{
    const wl_code_ix_t *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* t->ix_new (every 2024 code of every row: the loader has checked that each names one
 * row, case-insensitively) and t->ix_old (the 1996 code of every row; a code repeats for
 * rows of different disciplines), sorted for bsearch. */
static regia_status_t build_index(wl_services_t *t)
{
    int nn = 0;
    for (int i = 0; i < t->n; i++) nn += wl_service_code_new_count(&t->s[i]);
    t->ix_new = malloc(sizeof *t->ix_new * (size_t)(nn + 1));
    t->ix_old = malloc(sizeof *t->ix_old * (size_t)t->n);
    if (!t->ix_new || !t->ix_old) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory for the code index", t->path);
    t->n_new = 0;
    for (int i = 0; i < t->n; i++) {
        for (int k = 0, nk = wl_service_code_new_count(&t->s[i]); k < nk; k++) {
            wl_code_ix_t *e = &t->ix_new[t->n_new++];
            wl_service_code_new_at(&t->s[i], k, e->code, sizeof e->code);
            e->row = i;
        }
        snprintf(t->ix_old[i].code, sizeof t->ix_old[i].code, "%s", t->s[i].code);
        t->ix_old[i].row = i;
    }
    qsort(t->ix_new, (size_t)t->n_new, sizeof *t->ix_new, cmp_ix_new);
    qsort(t->ix_old, (size_t)t->n, sizeof *t->ix_old, cmp_ix_old);
    return REGIA_OK;
}

regia_status_t wl_services_load(const char *path, wl_services_t *t)
{
    regia_status_t st = REGIA_OK;
    table_t T;
    int cap = 0, got = 0;
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    if ((st = table_open(&T, path, S_COLS, S_NCOL, S_NCOL, t->sha)) != REGIA_OK) return st;
    for (;;) {
        REGIA_TRY(table_next(&T, &got));
        if (!got) break;
        if (!grow((void **)&t->s, &cap, t->n + 1, sizeof *t->s)) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
            goto err;
        }
        wl_service_t *s = &t->s[t->n];
        memset(s, 0, sizeof *s);
        char version[sizeof t->version];
        REGIA_TRY(table_copy(&T, S_VERSION, version, sizeof version, 1));
        if (t->n == 0)
            memcpy(t->version, version, sizeof version);
        else if (strcmp(version, t->version) != 0) {
            st = TFAIL(&T, S_VERSION, "'%s' differs from '%s' of the first row (one version a file)", version,
                       t->version);
            goto err;
        }
        REGIA_TRY(table_copy(&T, S_CODE, s->code, sizeof s->code, 1));
        REGIA_TRY(copy_code_list(&T, S_CODE_NEW, s->code_new, sizeof s->code_new));
        REGIA_TRY(table_copy(&T, S_NAME, s->name, sizeof s->name, 1));
        REGIA_TRY(table_copy(&T, S_DISC, s->discipline, sizeof s->discipline, 0));
        REGIA_TRY(table_copy(&T, S_GROUP, s->group, sizeof s->group, 1));
        for (const char *p = s->code; *p; p++)
            if (!isdigit((unsigned char)*p) && *p != '.') {
                st = TFAIL(&T, S_CODE, "'%s' is not a nomenclator code (digits and dots)", s->code);
                goto err;
            }
        if (!strcasecmp(T.v[S_KIND], "visit")) s->kind = 0;
        else if (!strcasecmp(T.v[S_KIND], "diagnostic")) s->kind = 1;
        else {
            st = TFAIL(&T, S_KIND, "'%s' is neither 'visit' nor 'diagnostic'", T.v[S_KIND]);
            goto err;
        }
        if (!strcasecmp(T.v[S_AREA], "district")) s->area_level = 0;
        else if (!strcasecmp(T.v[S_AREA], "asl")) s->area_level = 1;
        else {
            st = TFAIL(&T, S_AREA, "'%s' is neither 'district' nor 'asl'", T.v[S_AREA]);
            goto err;
        }
        if (s->kind == 0 && !s->discipline[0]) {
            st = TFAIL(&T, S_DISC, "empty: a visit needs its discipline (branca)");
            goto err;
        }
        for (int j = 0; j < t->n; j++) {
            const wl_service_t *o = &t->s[j];
            if (!strcmp(o->code, s->code) && same_discipline(o->discipline, s->discipline)) {
                st = TFAIL(&T, S_CODE, "'%s'%s%s repeats the service of data line %d", s->code,
                           s->discipline[0] ? " with discipline " : "", s->discipline, j + 1);
                goto err;
            }
            /* each 2024 code names one row: not another row's 2024 code, nor its 1996 code */
            char c[sizeof s->code_new];
            for (int k = 0, nk = wl_service_code_new_count(s); k < nk; k++) {
                wl_service_code_new_at(s, k, c, sizeof c);
                if (wl_service_has_code_new(o, c)) {
                    st = TFAIL(&T, S_CODE_NEW, "2024 code '%s' is also a 2024 code of data line %d ('%s', 1996 code %s): "
                               "a code names one row", c, j + 1, o->name, o->code);
                    goto err;
                }
                if (!strcasecmp(o->code, c)) {
                    st = TFAIL(&T, S_CODE_NEW, "2024 code '%s' is the 1996 code of data line %d ('%s'): a code names "
                               "one row", c, j + 1, o->name);
                    goto err;
                }
            }
            if (wl_service_has_code_new(o, s->code)) {
                st = TFAIL(&T, S_CODE, "1996 code '%s' is a 2024 code of data line %d ('%s', 1996 code %s): a code names "
                           "one row", s->code, j + 1, o->name, o->code);
                goto err;
            }
        }
        t->n++;
    }
    if (t->n == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no services (only a header)", path);
        goto err;
    }
    REGIA_TRY(build_index(t));
    table_close(&T);
    return REGIA_OK;
err:
    table_close(&T);
    wl_services_free(t);
    return st;
}

/* The look-up key of wl_services_find: `code` copied into c[64] (at most 63 characters),
 * blanks around it dropped; "89.7/08" (the 1996 code with the discipline: the canonical
 * bookings layout has no discipline column, and the 1996 visits share 89.7) split at the
 * '/' when *discipline is NULL.  Returns the code in c. */
static char *find_key(const char *code, char c[64], const char **discipline)
{
    size_t len = strnlen(code, 63);
    memcpy(c, code, len);
    c[len] = '\0';
    char *p = c;
    while (*p == ' ' || *p == '\t') p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) p[--n] = '\0';
    char *slash = strchr(p, '/');
    if (slash && !*discipline) {
        *slash = '\0';
        *discipline = slash + 1;
    }
    return p;
}

int wl_services_find_scan(const wl_services_t *t, const char *code, const char *discipline)
{
    if (!t || !code) return -1;
    char c[64];
    const char *p = find_key(code, c, &discipline);
    int hit = -1, nhit = 0;
    for (int i = 0; i < t->n; i++) {
        if (wl_service_has_code_new(&t->s[i], p)) return i;
        if (!strcmp(t->s[i].code, p) && (!discipline || same_discipline(t->s[i].discipline, discipline))) {
            hit = i;
            nhit++;
        }
    }
    return nhit == 1 ? hit : -1;
}

/* As the scan: a 2024 code (case-insensitive) names its row whatever the discipline; else
 * the rows whose 1996 code is `code` and whose discipline matches (any, when NULL) must
 * be exactly one. */
int wl_services_find(const wl_services_t *t, const char *code, const char *discipline)
{
    if (!t || !code) return -1;
    if (!t->ix_new || !t->ix_old) return wl_services_find_scan(t, code, discipline);
    char c[64];
    const char *p = find_key(code, c, &discipline);
    size_t len = strlen(p);
    if (len == 0 || len >= sizeof t->ix_new->code) return -1; /* no code of the table is */
    wl_code_ix_t key;
    memcpy(key.code, p, len + 1);
    const wl_code_ix_t *e = bsearch(&key, t->ix_new, (size_t)t->n_new, sizeof key, cmp_ix_new);
    if (e) return e->row;
    int lo = 0, hi = t->n; /* the first 1996 entry >= p */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(t->ix_old[mid].code, p) < 0) lo = mid + 1;
        else hi = mid;
    }
    int hit = -1, nhit = 0;
    for (int i = lo; i < t->n && !strcmp(t->ix_old[i].code, p); i++) {
        int r = t->ix_old[i].row;
        if (!discipline || same_discipline(t->s[r].discipline, discipline)) {
            hit = r;
            nhit++;
        }
    }
    return nhit == 1 ? hit : -1;
}

void wl_services_free(wl_services_t *t)
{
    if (!t) return;
    free(t->s);
    free(t->ix_new);
    free(t->ix_old);
    t->s = NULL;
    t->ix_new = t->ix_old = NULL;
    t->n = t->n_new = 0;
}

/* The executable's directory ("" when unknown). */
static void exe_dir(char *buf, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(buf, cap, "%s", exe);
}

const char *wl_services_default_path(void)
{
    /* Like `regia submit` finds slurm/templates: $REGIA_DATA_DIR (a data tree of its own),
     * $REGIA_ROOT (a source tree), BUILD/.. for BUILD/regia in a source tree, and
     * PREFIX/share/regia for PREFIX/bin/regia (make install).  The first readable one. */
    static char path[PATH_MAX + 64];
    char dir[PATH_MAX], cand[4][sizeof path];
    const char *data = getenv("REGIA_DATA_DIR"), *root = getenv("REGIA_ROOT");
    exe_dir(dir, sizeof dir);
    int n = 0;
    if (data && *data) snprintf(cand[n++], sizeof cand[0], "%s/waitlist/pngla_services.csv", data);
    if (root && *root) snprintf(cand[n++], sizeof cand[0], "%s/data/waitlist/pngla_services.csv", root);
    if (dir[0]) {
        snprintf(cand[n++], sizeof cand[0], "%s/../data/waitlist/pngla_services.csv", dir);
        snprintf(cand[n++], sizeof cand[0], "%s/../share/regia/data/waitlist/pngla_services.csv", dir);
    }
    for (int i = 0; i < n; i++)
        if (access(cand[i], R_OK) == 0) {
            char *r = realpath(cand[i], NULL);
            const char *use = r && strlen(r) < sizeof path ? r : cand[i];
            memcpy(path, use, strlen(use) + 1);
            free(r);
            return path;
        }
    /* none readable: the first candidate, so that loading it names a path in its error */
    snprintf(path, sizeof path, "%s", n ? cand[0] : "data/waitlist/pngla_services.csv");
    return path;
}

/* ---- districts --------------------------------------------------------------------------- */
enum { D_ASL, D_ASL_NAME, D_CODE, D_NAME, D_POP, D_NCOL };
static const char *const D_COLS[D_NCOL] = {"asl_code", "asl_name", "district_code", "district_name", "population"};

regia_status_t wl_districts_load(const char *path, wl_districts_t *d)
{
    regia_status_t st = REGIA_OK;
    table_t T;
    int capa = 0, capd = 0, got = 0;
    memset(d, 0, sizeof *d);
    if ((st = table_open(&T, path, D_COLS, D_POP, D_NCOL, NULL)) != REGIA_OK) return st;
    for (;;) {
        REGIA_TRY(table_next(&T, &got));
        if (!got) break;
        char ac[16], an[64], dc[16], dn[64];
        REGIA_TRY(table_copy(&T, D_ASL, ac, sizeof ac, 1));
        REGIA_TRY(table_copy(&T, D_ASL_NAME, an, sizeof an, 1));
        REGIA_TRY(table_copy(&T, D_CODE, dc, sizeof dc, 1));
        REGIA_TRY(table_copy(&T, D_NAME, dn, sizeof dn, 1));
        double pop = NAN;
        int k = regia_csv_number(T.v[D_POP], '.', &pop);
        if (k < 0 || (k == 1 && (pop < 0 || pop != floor(pop)))) {
            st = TFAIL(&T, D_POP, "'%s' is not a population (a whole number >= 0, or empty)", T.v[D_POP]);
            goto err;
        }
        int a = -1;
        for (int i = 0; i < d->n_asl; i++)
            if (!strcmp(d->asl_code[i], ac)) a = i;
        if (a >= 0 && strcmp(d->asl_name[a], an) != 0) {
            st = TFAIL(&T, D_ASL_NAME, "'%s' differs from '%s' given before for ASL %s", an, d->asl_name[a], ac);
            goto err;
        }
        for (int i = 0; i < d->n_district; i++)
            if (!strcmp(d->district_code[i], dc)) {
                st = TFAIL(&T, D_CODE, "district '%s' appears twice (district codes are unique in the region)", dc);
                goto err;
            }
        if (a < 0) {
            int c1 = capa, c2 = capa;
            if (!grow((void **)&d->asl_code, &c1, d->n_asl + 1, sizeof *d->asl_code) ||
                !grow((void **)&d->asl_name, &c2, d->n_asl + 1, sizeof *d->asl_name))
                goto nomem;
            capa = c1;
            a = d->n_asl++;
            memcpy(d->asl_code[a], ac, sizeof ac);
            memcpy(d->asl_name[a], an, sizeof an);
        }
        int c1 = capd, c2 = capd, c3 = capd, c4 = capd;
        if (!grow((void **)&d->district_code, &c1, d->n_district + 1, sizeof *d->district_code) ||
            !grow((void **)&d->district_name, &c2, d->n_district + 1, sizeof *d->district_name) ||
            !grow((void **)&d->district_asl, &c3, d->n_district + 1, sizeof *d->district_asl) ||
            !grow((void **)&d->population, &c4, d->n_district + 1, sizeof *d->population))
            goto nomem;
        capd = c1;
        int i = d->n_district++;
        memcpy(d->district_code[i], dc, sizeof dc);
        memcpy(d->district_name[i], dn, sizeof dn);
        d->district_asl[i] = a;
        d->population[i] = pop;
    }
    if (d->n_district == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no districts (only a header)", path);
        goto err;
    }
    table_close(&T);
    return REGIA_OK;
nomem:
    st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
err:
    table_close(&T);
    wl_districts_free(d);
    return st;
}

int wl_district_find(const wl_districts_t *d, const char *code)
{
    if (!d || !code) return -1;
    for (int i = 0; i < d->n_district; i++)
        if (!strcmp(d->district_code[i], code)) return i;
    return -1;
}

void wl_districts_free(wl_districts_t *d)
{
    if (!d) return;
    free(d->asl_code);
    free(d->asl_name);
    free(d->district_code);
    free(d->district_name);
    free(d->district_asl);
    free(d->population);
    memset(d, 0, sizeof *d);
}

/* ---- agendas ----------------------------------------------------------------------------- */
enum { A_PROV, A_PROV_NAME, A_AGENDA, A_SERVICE, A_DISTRICT, A_SLOTS, A_WEEKDAYS, A_FROM, A_TO, A_NCOL };
static const char *const A_COLS[A_NCOL] = {"provider", "provider_name", "agenda", "service", "district",
                                            "slots_per_week", "weekdays", "valid_from", "valid_to"};

/* A date "YYYY-MM-DD" or "dd/mm/yyyy" -> days since 1970-01-01; 0 when not a date. */
static int parse_day(const char *s, int64_t *days)
{
    int y, m, d, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && !s[n]) {
    } else if (sscanf(s, "%2d/%2d/%4d%n", &d, &m, &y, &n) == 3 && n == 10 && !s[n]) {
    } else
        return 0;
    if (m < 1 || m > 12 || d < 1 || d > regia_days_in_month(y, m)) return 0;
    *days = regia_days_from_civil(y, m, d);
    return 1;
}

/* qsort_r order: by agenda code, then row */
static int cmp_agenda_rows(const void *x, const void *y, void *arg)
{
    const wl_agendas_t *sa = arg;
    int i = *(const int *)x, j = *(const int *)y;
    int c = strcmp(sa->agenda[i], sa->agenda[j]);
    return c ? c : (i > j) - (i < j);
}

regia_status_t wl_agendas_load(const char *path, const wl_services_t *s, const wl_districts_t *d, wl_agendas_t *a)
{
    regia_status_t st = REGIA_OK;
    table_t T;
    int cap = 0, got = 0, cap_lines = 0, *order = NULL;
    int64_t *lines = NULL;
    memset(a, 0, sizeof *a);
    if ((st = table_open(&T, path, A_COLS, A_NCOL, A_NCOL, NULL)) != REGIA_OK) return st;
    for (;;) {
        REGIA_TRY(table_next(&T, &got));
        if (!got) break;
        int c[9];
        for (int k = 0; k < 9; k++) c[k] = cap;
        if (!grow((void **)&a->provider, &c[0], a->n + 1, sizeof *a->provider) ||
            !grow((void **)&a->provider_name, &c[1], a->n + 1, sizeof *a->provider_name) ||
            !grow((void **)&a->agenda, &c[2], a->n + 1, sizeof *a->agenda) ||
            !grow((void **)&a->service, &c[3], a->n + 1, sizeof *a->service) ||
            !grow((void **)&a->district, &c[4], a->n + 1, sizeof *a->district) ||
            !grow((void **)&a->slots_week, &c[5], a->n + 1, sizeof *a->slots_week) ||
            !grow((void **)&a->weekdays, &c[6], a->n + 1, sizeof *a->weekdays) ||
            !grow((void **)&a->valid_from, &c[7], a->n + 1, sizeof *a->valid_from) ||
            !grow((void **)&a->valid_to, &c[8], a->n + 1, sizeof *a->valid_to)) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
            goto err;
        }
        cap = c[0];
        int i = a->n;
        REGIA_TRY(table_copy(&T, A_PROV, a->provider[i], sizeof a->provider[i], 1));
        REGIA_TRY(table_copy(&T, A_PROV_NAME, a->provider_name[i], sizeof a->provider_name[i], 0));
        REGIA_TRY(table_copy(&T, A_AGENDA, a->agenda[i], sizeof a->agenda[i], 1));
        if ((a->service[i] = wl_services_find(s, T.v[A_SERVICE], NULL)) < 0) {
            st = TFAIL(&T, A_SERVICE, "'%s' is not a service of %s (version %s)%s", T.v[A_SERVICE], s->path,
                       s->version, strchr(T.v[A_SERVICE], '/') ? "" : "; a 1996 visit code is written with its discipline, e.g. 89.7/08");
            goto err;
        }
        if ((a->district[i] = wl_district_find(d, T.v[A_DISTRICT])) < 0) {
            st = TFAIL(&T, A_DISTRICT, "'%s' is not a district of the districts file", T.v[A_DISTRICT]);
            goto err;
        }
        char *end;
        errno = 0;
        long slots = strtol(T.v[A_SLOTS], &end, 10);
        if (!T.v[A_SLOTS][0] || *end || errno || slots < 0 || slots > 1000000) {
            st = TFAIL(&T, A_SLOTS, "'%s' is not a weekly slot count (a whole number 0..1000000)", T.v[A_SLOTS]);
            goto err;
        }
        a->slots_week[i] = (int)slots;
        /* weekdays: the digits of the working days, 1 = Monday .. 7 = Sunday ("12345") */
        uint8_t wd = 0;
        for (const char *p = T.v[A_WEEKDAYS]; *p; p++) {
            if (*p < '1' || *p > '7' || (wd & (1u << (*p - '1')))) {
                wd = 0;
                break;
            }
            wd |= (uint8_t)(1u << (*p - '1'));
        }
        if (!wd) {
            st = TFAIL(&T, A_WEEKDAYS, "'%s' is not a set of weekdays (digits 1 = Monday .. 7 = Sunday, each once, "
                                       "e.g. 12345)", T.v[A_WEEKDAYS]);
            goto err;
        }
        a->weekdays[i] = wd;
        int64_t from, to;
        if (!parse_day(T.v[A_FROM], &from)) {
            st = TFAIL(&T, A_FROM, "'%s' is not a date (YYYY-MM-DD or dd/mm/yyyy)", T.v[A_FROM]);
            goto err;
        }
        if (!T.v[A_TO][0])
            to = INT64_MAX / 86400; /* open-ended */
        else if (!parse_day(T.v[A_TO], &to)) {
            st = TFAIL(&T, A_TO, "'%s' is not a date (YYYY-MM-DD or dd/mm/yyyy, or empty: open-ended)", T.v[A_TO]);
            goto err;
        } else if (to < from) {
            st = TFAIL(&T, A_TO, "'%s' is before valid_from '%s'", T.v[A_TO], T.v[A_FROM]);
            goto err;
        } else
            to += 1; /* the file gives the last day; the struct holds the exclusive end */
        a->valid_from[i] = from * 86400;
        a->valid_to[i] = to >= INT64_MAX / 86400 ? INT64_MAX : to * 86400;
        if (!grow((void **)&lines, &cap_lines, a->n + 1, sizeof *lines)) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
            goto err;
        }
        lines[a->n] = T.line;
        a->n++;
    }
    /* one agenda code may have several rows (capacity changes) that agree on who and what,
     * and do not overlap in time: rows sorted by code, each group checked pair by pair */
    if (a->n > 0) {
        order = malloc((size_t)a->n * sizeof *order);
        if (!order) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
            goto err;
        }
        for (int i = 0; i < a->n; i++) order[i] = i;
        qsort_r(order, (size_t)a->n, sizeof *order, cmp_agenda_rows, a);
        for (int g0 = 0, g1; g0 < a->n; g0 = g1) {
            for (g1 = g0 + 1; g1 < a->n && !strcmp(a->agenda[order[g1]], a->agenda[order[g0]]); g1++) {}
            for (int x = g0 + 1; x < g1; x++)
                for (int y = g0; y < x; y++) {
                    int i = order[x], j = order[y]; /* j < i: the later row is reported */
                    T.line = lines[i];
                    if (strcmp(a->provider[j], a->provider[i]) || a->service[j] != a->service[i] ||
                        a->district[j] != a->district[i]) {
                        st = TFAIL(&T, A_AGENDA, "agenda '%s' was given before (data line %d) with another provider, "
                                                 "service or district", a->agenda[i], j + 1);
                        goto err;
                    }
                    if (a->valid_from[i] < a->valid_to[j] && a->valid_from[j] < a->valid_to[i]) {
                        st = TFAIL(&T, A_FROM, "agenda '%s' overlaps in time its row of data line %d", a->agenda[i],
                                   j + 1);
                        goto err;
                    }
                }
        }
    }
    free(order);
    free(lines);
    order = NULL;
    lines = NULL;
    if (a->n == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no agendas (only a header)", path);
        goto err;
    }
    table_close(&T);
    return REGIA_OK;
err:
    table_close(&T);
    free(order);
    free(lines);
    wl_agendas_free(a);
    return st;
}

void wl_agendas_free(wl_agendas_t *a)
{
    if (!a) return;
    free(a->provider);
    free(a->provider_name);
    free(a->agenda);
    free(a->service);
    free(a->district);
    free(a->slots_week);
    free(a->weekdays);
    free(a->valid_from);
    free(a->valid_to);
    memset(a, 0, sizeof *a);
}

/* ---- time ------------------------------------------------------------------------------- */
/* Weekday of a day number, 0 = Monday (1970-01-01 was a Thursday). */
static int weekday(int64_t days) { return (int)(((days + 3) % 7 + 7) % 7); }

/* The day number of the last Sunday of month m of year y. */
static int64_t last_sunday(int y, int m)
{
    int64_t last = regia_days_from_civil(y, m, regia_days_in_month(y, m));
    return last - (weekday(last) + 1) % 7;
}

/* EU summer time (Directive 2000/84/EC): from 01:00 UTC of the last Sunday of March to
 * 01:00 UTC of the last Sunday of October.  The same rule is applied to every year. */
static int rome_summer(int64_t t)
{
    int y, m, d;
    regia_civil_from_days(regia_floordiv(t, 86400), &y, &m, &d);
    int64_t on = last_sunday(y, 3) * 86400 + 3600, off = last_sunday(y, 10) * 86400 + 3600;
    return t >= on && t < off;
}

/* Local times that do not exist (02:00-02:59 on the spring Sunday) are read as standard
 * time (they land one hour later, 03:xx summer time); local times that occur twice
 * (02:00-02:59 on the autumn Sunday) are the first, summer-time instant.  WL_NOTIME for a
 * field out of range. */
int64_t wl_rome_to_utc(int y, int mo, int d, int h, int mi, int s)
{
    if (mo < 1 || mo > 12 || d < 1 || d > regia_days_in_month(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        s < 0 || s > 59)
        return WL_NOTIME;
    int64_t local = regia_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    if (rome_summer(local - 7200)) return local - 7200;
    return local - 3600;
}

void wl_utc_to_rome(int64_t t, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
    int64_t local = t + (rome_summer(t) ? 7200 : 3600);
    int64_t days = regia_floordiv(local, 86400);
    int sec = (int)(local - days * 86400);
    regia_civil_from_days(days, y, mo, d);
    *h = sec / 3600;
    *mi = sec / 60 % 60;
    *s = sec % 60;
}

/* Easter Sunday (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher). */
static void easter(int y, int *mo, int *d)
{
    int a = y % 19, b = y / 100, c = y % 100, dd = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
    int h = (19 * a + b - dd - g + 15) % 30, i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    *mo = (h + l - 7 * m + 114) / 31;
    *d = (h + l - 7 * m + 114) % 31 + 1;
}

/* The national public holidays of L. 260/1949 as amended (L. 54/1977, DPR 792/1985 for
 * Epiphany, L. 336/2000 for 2 June), and 4 October (St Francis of Assisi, patron of Italy)
 * from 2026 (L. 151/2025).  Local patron saints' days are holidays of one town only and
 * are not in this list. */
int wl_is_holiday(int y, int mo, int d)
{
    static const int fixed[][2] = {{1, 1}, {1, 6}, {4, 25}, {5, 1}, {6, 2}, {8, 15}, {11, 1}, {12, 8}, {12, 25}, {12, 26}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (mo == fixed[i][0] && d == fixed[i][1]) return 1;
    if (y >= 2026 && mo == 10 && d == 4) return 1;
    int em, ed;
    easter(y, &em, &ed);
    int64_t e = regia_days_from_civil(y, em, ed), day = regia_days_from_civil(y, mo, d);
    return day == e || day == e + 1;
}
