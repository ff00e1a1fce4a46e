/* series_csv.c - the collective, byte-range series-CSV reader (see regia/series_csv.h).
 *
 * Phases, each ended by an agreement on errors (the lowest failing rank's message wins):
 *   open + size (rank 0) -> header line (rank 0, broadcast) -> each rank reads its byte
 *   range of the data lines (pread) -> text check -> parse lines (+ SHA-256 on rank 0)
 *   -> gather the ids (every rank: sorted global list with row counts) -> partition by row
 *   count -> route rows to their owner (Alltoallv) -> sort, duplicates, seasons.
 */
#include "regia/series_csv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regia/csv.h"
#include "regia/io.h"
#include "regia/partition.h"
#include "regia/timeutil.h"

typedef regia_series_row_t row_t;

/* ---- agreement on errors ----------------------------------------------------------------- */

/* Every rank returns the status and message of the lowest failing rank (REGIA_OK when none
 * failed).  Collective. */
static regia_status_t agree(MPI_Comm comm, regia_status_t st)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int mine = st == REGIA_OK ? size : rank, first = size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == size) return REGIA_OK;
    struct { int st; char msg[2048]; char where[256]; } e;
    memset(&e, 0, sizeof e);
    if (rank == first) {
        e.st = (int)st;
        snprintf(e.msg, sizeof e.msg, "%s", regia_error_msg());
        snprintf(e.where, sizeof e.where, "%s", regia_error_where());
    }
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, comm);
    if (rank != first) regia_error_set((regia_status_t)e.st, e.where, 0, "%s", e.msg);
    return (regia_status_t)e.st;
}

#define AGREE(expr)                                   \
    do {                                              \
        st = agree(comm, (expr));                     \
        if (st != REGIA_OK) goto err;                 \
    } while (0)

static regia_status_t mpi_check(int rc, const char *what)
{
    if (rc == MPI_SUCCESS) return REGIA_OK;
    char s[MPI_MAX_ERROR_STRING];
    int n = 0;
    MPI_Error_string(rc, s, &n);
    return REGIA_FAIL(REGIA_ERR_MPI, "%s: %s", what, s);
}

/* ---- file access --------------------------------------------------------------------------- */

/* Read file bytes [off, off + n) into buf (loops over short reads, chunks of 1 GiB). */
static regia_status_t pread_all(int fd, const char *path, char *buf, size_t n, int64_t off)
{
    size_t done = 0;
    while (done < n) {
        size_t k = n - done > ((size_t)1 << 30) ? (size_t)1 << 30 : n - done;
        ssize_t r = pread(fd, buf + done, k, (off_t)(off + (int64_t)done));
        if (r < 0) {
            if (errno == EINTR) continue;
            return REGIA_FAIL(REGIA_ERR_IO, "%s: read error at byte %lld: %s", path,
                              (long long)(off + (int64_t)done), strerror(errno));
        }
        if (r == 0)
            return REGIA_FAIL(REGIA_ERR_IO, "%s: file shrank while being read (ended at byte %lld); do not "
                              "change the input during a run", path, (long long)(off + (int64_t)done));
        done += (size_t)r;
    }
    return REGIA_OK;
}

static regia_status_t open_input(const char *path, int *fd, int64_t *size)
{
    struct stat sb;
    *fd = -1;
    if (stat(path, &sb) != 0) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) return REGIA_FAIL(REGIA_ERR_IO, "%s: is a directory, not a file", path);
    *fd = open(path, O_RDONLY);
    if (*fd < 0) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(*fd, &sb) != 0) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    *size = (int64_t)sb.st_size;
    return REGIA_OK;
}

/* ---- local id table (open addressing over a string pool) ---------------------------------- */

typedef struct {
    char *pool;
    size_t plen, pcap;
    size_t *off;       /* n offsets into pool                                             */
    int64_t *cnt;      /* rows of each id                                                 */
    int64_t n, cap;
    int64_t *slot;     /* hash slots: id index + 1, 0 empty                                */
    int64_t nslot;
} idtab_t;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void idtab_free(idtab_t *T)
{
    free(T->pool);
    free(T->off);
    free(T->cnt);
    free(T->slot);
    memset(T, 0, sizeof *T);
}

static regia_status_t idtab_rehash(idtab_t *T, int64_t nslot)
{
    int64_t *s = calloc((size_t)nslot, sizeof *s);
    if (!s) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (series id table)");
    for (int64_t i = 0; i < T->n; i++) {
        uint64_t h = hash_str(T->pool + T->off[i]) & (uint64_t)(nslot - 1);
        while (s[h]) h = (h + 1) & (uint64_t)(nslot - 1);
        s[h] = i + 1;
    }
    free(T->slot);
    T->slot = s;
    T->nslot = nslot;
    return REGIA_OK;
}

/* Index of id s (added with count 0 when new), its count incremented. */
static regia_status_t idtab_add(idtab_t *T, const char *s, int64_t *out)
{
    regia_status_t st;
    if (2 * (T->n + 1) > T->nslot && (st = idtab_rehash(T, T->nslot ? 2 * T->nslot : 1024)) != REGIA_OK)
        return st;
    uint64_t h = hash_str(s) & (uint64_t)(T->nslot - 1);
    while (T->slot[h]) {
        int64_t i = T->slot[h] - 1;
        if (!strcmp(T->pool + T->off[i], s)) {
            T->cnt[i]++;
            *out = i;
            return REGIA_OK;
        }
        h = (h + 1) & (uint64_t)(T->nslot - 1);
    }
    size_t l = strlen(s) + 1;
    if (T->plen + l > T->pcap) {
        size_t c = T->pcap ? 2 * T->pcap : 65536;
        while (c < T->plen + l) c *= 2;
        char *p = realloc(T->pool, c);
        if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (series ids)");
        T->pool = p;
        T->pcap = c;
    }
    if (T->n == T->cap) {
        int64_t c = T->cap ? 2 * T->cap : 1024;
        size_t *o = realloc(T->off, sizeof *o * (size_t)c);
        if (!o) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (series ids)");
        T->off = o;
        int64_t *k = realloc(T->cnt, sizeof *k * (size_t)c);
        if (!k) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (series ids)");
        T->cnt = k;
        T->cap = c;
    }
    memcpy(T->pool + T->plen, s, l);
    T->off[T->n] = T->plen;
    T->cnt[T->n] = 1;
    T->plen += l;
    T->slot[h] = T->n + 1;
    *out = T->n++;
    return REGIA_OK;
}

/* ---- large-count collectives ---------------------------------------------------------------- */

/* Allgatherv of byte buffers of any size: each rank's part is padded to a multiple of a unit
 * (a power of two) so that counts and displacements in units fit an int.  *all (malloc'ed)
 * receives rank p's bytes at (*displ)[p] (bytes). */
static regia_status_t allgather_bytes(MPI_Comm comm, const char *mine, int64_t n, int64_t min_unit, char **all,
                                      int64_t **displ_out, int64_t **size_out)
{
    regia_status_t st = REGIA_OK;
    int size;
    MPI_Comm_size(comm, &size);
    int64_t *sz = malloc(sizeof *sz * (size_t)size), *dp = malloc(sizeof *dp * (size_t)(size + 1));
    int *cnt = malloc(sizeof *cnt * (size_t)size), *dsp = malloc(sizeof *dsp * (size_t)size);
    char *sendb = NULL, *recvb = NULL;
    MPI_Datatype unit_t = MPI_DATATYPE_NULL;
    if (!sz || !dp || !cnt || !dsp) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    REGIA_TRY(mpi_check(MPI_Allgather(&n, 1, MPI_INT64_T, sz, 1, MPI_INT64_T, comm), "MPI_Allgather"));
    int64_t u = min_unit > 0 ? min_unit : 1, total;
    for (;;) {
        total = 0;
        for (int p = 0; p < size; p++) total += (sz[p] + u - 1) / u;
        if (total <= INT_MAX) break;
        u *= 2;
    }
    dp[0] = 0;
    for (int p = 0; p < size; p++) {
        int64_t units = (sz[p] + u - 1) / u;
        cnt[p] = (int)units;
        dsp[p] = (int)(dp[p] / u);
        dp[p + 1] = dp[p] + units * u;
    }
    int64_t mine_padded = ((n + u - 1) / u) * u;
    sendb = calloc((size_t)(mine_padded ? mine_padded : 1), 1);
    recvb = malloc((size_t)(dp[size] ? dp[size] : 1));
    if (!sendb || !recvb) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%lld bytes of series ids)", (long long)dp[size]);
        goto err;
    }
    if (n) memcpy(sendb, mine, (size_t)n);
    REGIA_TRY(mpi_check(MPI_Type_contiguous((int)u, MPI_BYTE, &unit_t), "MPI_Type_contiguous"));
    REGIA_TRY(mpi_check(MPI_Type_commit(&unit_t), "MPI_Type_commit"));
    REGIA_TRY(mpi_check(MPI_Allgatherv(sendb, (int)((n + u - 1) / u), unit_t, recvb, cnt, dsp, unit_t, comm),
                        "MPI_Allgatherv (series ids)"));
    *all = recvb;
    recvb = NULL;
    *displ_out = dp;
    dp = NULL;
    *size_out = sz;
    sz = NULL;
err:
    if (unit_t != MPI_DATATYPE_NULL) MPI_Type_free(&unit_t);
    free(sendb);
    free(recvb);
    free(sz);
    free(dp);
    free(cnt);
    free(dsp);
    return st;
}

/* Route rows: send[scount[0]] to rank 0, the next scount[1] to rank 1, ...; *recv (malloc'ed,
 * *nrecv rows) gets the rows from rank 0, then rank 1, ...  One MPI_Alltoallv with a row
 * datatype when every count and displacement fits an int (and chunk is 0); otherwise rounds
 * of at most `chunk` rows per rank pair through bounded buffers. */
static regia_status_t route_rows(MPI_Comm comm, const row_t *send, const int64_t *scount, int64_t chunk,
                                 row_t **recv, int64_t *nrecv)
{
    regia_status_t st = REGIA_OK;
    int size;
    MPI_Comm_size(comm, &size);
    const size_t P = (size_t)size;
    int64_t *rcount = malloc(sizeof *rcount * P), *sdisp = malloc(sizeof *sdisp * (P + 1)),
            *rdisp = malloc(sizeof *rdisp * (P + 1));
    int *sc = malloc(sizeof *sc * P), *sd = malloc(sizeof *sd * P), *rc = malloc(sizeof *rc * P),
        *rd = malloc(sizeof *rd * P);
    row_t *out = NULL, *tsend = NULL, *trecv = NULL;
    MPI_Datatype row_type = MPI_DATATYPE_NULL;
    if (!rcount || !sdisp || !rdisp || !sc || !sd || !rc || !rd) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        goto err;
    }
    REGIA_TRY(mpi_check(MPI_Alltoall(scount, 1, MPI_INT64_T, rcount, 1, MPI_INT64_T, comm), "MPI_Alltoall"));
    sdisp[0] = rdisp[0] = 0;
    for (size_t p = 0; p < P; p++) {
        sdisp[p + 1] = sdisp[p] + scount[p];
        rdisp[p + 1] = rdisp[p] + rcount[p];
    }
    out = malloc(sizeof *out * (size_t)(rdisp[P] ? rdisp[P] : 1));
    int local_fail = out == NULL, any_fail = 0;
    /* the allocation is agreed on before the exchange (no rank left waiting) */
    MPI_Allreduce(&local_fail, &any_fail, 1, MPI_INT, MPI_MAX, comm);
    if (any_fail) {
        st = local_fail ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%lld rows of this rank's series)",
                                     (long long)rdisp[P])
                        : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory on another rank");
        goto err;
    }
    REGIA_TRY(mpi_check(MPI_Type_contiguous((int)sizeof(row_t), MPI_BYTE, &row_type), "MPI_Type_contiguous"));
    REGIA_TRY(mpi_check(MPI_Type_commit(&row_type), "MPI_Type_commit"));
    int fits = chunk == 0 && sdisp[P] <= INT_MAX && rdisp[P] <= INT_MAX, all_fit = 0;
    MPI_Allreduce(&fits, &all_fit, 1, MPI_INT, MPI_MIN, comm);
    if (all_fit) {
        for (size_t p = 0; p < P; p++) {
            sc[p] = (int)scount[p];
            sd[p] = (int)sdisp[p];
            rc[p] = (int)rcount[p];
            rd[p] = (int)rdisp[p];
        }
        REGIA_TRY(mpi_check(MPI_Alltoallv(send, sc, sd, row_type, out, rc, rd, row_type, comm),
                            "MPI_Alltoallv (series rows)"));
    } else {
        /* rounds: at most C rows per pair, at most ~256 MiB per buffer */
        int64_t C = chunk > 0 ? chunk : (int64_t)(((size_t)256 << 20) / sizeof(row_t) / P);
        if (C < 1) C = 1;
        if (C * (int64_t)P > INT_MAX) C = INT_MAX / (int64_t)P;
        int64_t mx = 0, rounds = 0;
        for (size_t p = 0; p < P; p++) mx = scount[p] > mx ? scount[p] : mx;
        int64_t my_rounds = (mx + C - 1) / C;
        MPI_Allreduce(&my_rounds, &rounds, 1, MPI_INT64_T, MPI_MAX, comm);
        tsend = malloc(sizeof *tsend * (size_t)C * P);
        trecv = malloc(sizeof *trecv * (size_t)C * P);
        local_fail = !tsend || !trecv;
        MPI_Allreduce(&local_fail, &any_fail, 1, MPI_INT, MPI_MAX, comm);
        if (any_fail) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (row exchange buffers)"); goto err; }
        for (int64_t k = 0; k < rounds; k++) {
            int64_t ns = 0, nr = 0;
            for (size_t p = 0; p < P; p++) {
                int64_t a = scount[p] - k * C, b = rcount[p] - k * C;
                a = a < 0 ? 0 : a > C ? C : a;
                b = b < 0 ? 0 : b > C ? C : b;
                memcpy(tsend + ns, send + sdisp[p] + k * C, sizeof *tsend * (size_t)a);
                sc[p] = (int)a;
                sd[p] = (int)ns;
                rc[p] = (int)b;
                rd[p] = (int)nr;
                ns += a;
                nr += b;
            }
            REGIA_TRY(mpi_check(MPI_Alltoallv(tsend, sc, sd, row_type, trecv, rc, rd, row_type, comm),
                                "MPI_Alltoallv (series rows, in rounds)"));
            for (size_t p = 0; p < P; p++)
                memcpy(out + rdisp[p] + k * C, trecv + rd[p], sizeof *out * (size_t)rc[p]);
        }
    }
    *recv = out;
    *nrecv = rdisp[P];
    out = NULL;
err:
    if (row_type != MPI_DATATYPE_NULL) MPI_Type_free(&row_type);
    free(out);
    free(tsend);
    free(trecv);
    free(rcount);
    free(sdisp);
    free(rdisp);
    free(sc);
    free(sd);
    free(rc);
    free(rd);
    return st;
}

/* ---- header ---------------------------------------------------------------------------------- */

typedef struct {
    int id, time, value, season;
} cols_t;

static void copy_name(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* The column named `name` or `name [UNITS]` (units copied to units, "" for the plain name);
 * -1 when none; -2 (with the error in *st) when a column starting `name [` is malformed. */
static int col_with_units(const char *path, const regia_csv_header_t *H, const char *name, char *units, size_t cap,
                          regia_status_t *st)
{
    units[0] = 0;
    int i = regia_csv_header_col(H, name);
    if (i >= 0) return i;
    const size_t n = strlen(name);
    for (i = 0; i < H->n; i++) {
        const char *h = H->name[i], *nm, *u;
        size_t nl, len;
        int k = regia_csv_name_units(h, &nm, &nl, &u, &len);
        if (k == 0 || nl != n || strncasecmp(nm, name, n)) continue;
        if (k < 0 || len >= cap) {
            *st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: column '%s': expected '%s [UNITS]' with UDUNITS units "
                             "such as m or m s-1 in one pair of brackets at the end (at most %zu characters)",
                             path, h, name, cap - 1);
            return -2;
        }
        memcpy(units, u, len);
        units[len] = 0;
        return i;
    }
    return -1;
}

/* Choose the columns (defaults, statsforecast's, or given) and check they are present. */
static regia_status_t pick_columns(const char *path, const regia_csv_header_t *H, const regia_series_opts_t *o,
                                   regia_series_t *out, cols_t *c)
{
    const char *def[3] = {"series_id", "time", "value"}, *sf[3] = {"unique_id", "ds", "y"};
    const char *given[3] = {o->id_col, o->time_col, o->value_col}, *use[3];
    int any_given = given[0] || given[1] || given[2], is_default = 1, is_sf = 1;
    char un[64];
    regia_status_t st = REGIA_OK;
    for (int k = 0; k < 3; k++) {
        is_default &= (k == 2 ? col_with_units(path, H, def[k], un, sizeof un, &st) : regia_csv_header_col(H, def[k])) >= 0;
        is_sf &= (k == 2 ? col_with_units(path, H, sf[k], un, sizeof un, &st) : regia_csv_header_col(H, sf[k])) >= 0;
    }
    st = REGIA_OK; /* a malformed column is reported when it is the one used */
    for (int k = 0; k < 3; k++) use[k] = given[k] ? given[k] : (!any_given && !is_default && is_sf) ? sf[k] : def[k];
    int *dst[3] = {&c->id, &c->time, &c->value};
    for (int k = 0; k < 3; k++) {
        *dst[k] = k == 2 ? col_with_units(path, H, use[k], out->value_units, sizeof out->value_units, &st)
                         : regia_csv_header_col(H, use[k]);
        if (*dst[k] == -2) return st;
        if (*dst[k] < 0) {
            if (any_given)
                return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: header lacks the column '%s'; the first line must "
                                  "name the columns %s,%s,%s", path, use[k], use[0], use[1], use[2]);
            return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: header lacks the column '%s'; the first line must name "
                              "the columns series_id,time,value (or statsforecast's unique_id,ds,y, or give the "
                              "column names)", path, use[k]);
        }
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < i; j++)
            if (*dst[i] == *dst[j])
                return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: column '%s' is given for two roles (id, time, "
                                  "value); give three different columns", path, H->name[*dst[i]]);
    c->season = -1;
    if (o->season_col) {
        c->season = regia_csv_header_col(H, o->season_col);
        if (c->season < 0)
            return REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1: header lacks the season column '%s'", path,
                              o->season_col);
        copy_name(out->season_col, sizeof out->season_col, H->name[c->season]);
        out->has_season = 1;
    }
    copy_name(out->id_col, sizeof out->id_col, H->name[c->id]);
    copy_name(out->time_col, sizeof out->time_col, H->name[c->time]);
    copy_name(out->value_col, sizeof out->value_col, H->name[c->value]);
    return REGIA_OK;
}

/* ---- parse one rank's lines -------------------------------------------------------------------- */

typedef struct {
    row_t *r;
    int64_t n, cap;
} rows_t;

static regia_status_t parse_lines(const char *path, const char *buf, size_t len, int64_t first_line,
                                  size_t max_line, const regia_csv_header_t *H, const cols_t *c, char decimal,
                                  idtab_t *T, rows_t *R, int64_t *n_missing)
{
    regia_status_t st = REGIA_OK;
    regia_csv_lines_t L;
    regia_csv_fields_t F;
    memset(&F, 0, sizeof F);
    regia_csv_lines_init(&L, path, buf, len, first_line, 0, max_line);
    REGIA_TRY(regia_csv_fields_init(&F, REGIA_CSV_MAX_FIELDS, L.max_line));
    for (;;) {
        int got;
        st = regia_csv_lines_next(&L, &got);
        if (st != REGIA_OK) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld is longer than %zu bytes; not a %s,%s,%s CSV", path,
                            (long long)L.line, L.max_line, H->name[c->id], H->name[c->time], H->name[c->value]);
            goto err;
        }
        if (!got) break;
        if (L.n == 0) continue;
        int nf = regia_csv_fields_split(&F, L.text, L.n, H->sep);
        REGIA_TRY(regia_csv_check_fields(H, path, L.line, nf));
        row_t r = {.line = L.line};
        const char *sid = regia_csv_trim(F.field[c->id]);
        if (!*sid) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: empty %s", path, (long long)L.line, H->name[c->id]);
            goto err;
        }
        {   /* ISO 8601 only: a slash date reads as dd/mm or as mm/dd, and the file cannot say which */
            const char *tf = regia_csv_trim(F.field[c->time]);
            const char *sl = strchr(tf, '/');
            if (sl && sl - tf <= 2) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column '%s': '%.40s' is not an ISO 8601 date "
                                "(YYYY-MM-DD or YYYY-MM-DDThh:mm:ss): a slash date may be dd/mm or mm/dd", path,
                                (long long)L.line, H->name[c->time], tf);
                goto err;
            }
        }
        if (regia_parse_datetime(F.field[c->time], &r.t) != REGIA_OK) {
            regia_error_prefix("%s: line %lld: column '%s': ", path, (long long)L.line, H->name[c->time]);
            st = REGIA_ERR_PARSE;
            goto err;
        }
        if (regia_csv_number(F.field[c->value], decimal, &r.v) < 0) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column '%s': '%.40s' is not a number (give a finite "
                            "number%s, or leave it empty or NaN for a missing value)", path, (long long)L.line,
                            H->name[c->value], F.field[c->value], decimal == ',' ? " with a decimal comma or point"
                                                                                 : "");
            goto err;
        }
        *n_missing += isnan(r.v);
        if (c->season >= 0) {
            char *s = regia_csv_trim(F.field[c->season]), *e;
            if (*s) {
                long k = strtol(s, &e, 10);
                if (*e || k < 1 || k > REGIA_SERIES_MAX_SEASON) {
                    st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line %lld: column '%s': '%.40s' is not a season (give an "
                                    "integer number of steps in 1..%d, or leave it empty)", path, (long long)L.line,
                                    H->name[c->season], s, REGIA_SERIES_MAX_SEASON);
                    goto err;
                }
                r.season = (int32_t)k;
            }
        }
        REGIA_TRY(idtab_add(T, sid, &r.sid));
        if (R->n == R->cap) {
            int64_t cap = R->cap ? 2 * R->cap : 65536;
            row_t *p = realloc(R->r, sizeof *p * (size_t)cap);
            if (!p) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory reading %s", path); goto err; }
            R->r = p;
            R->cap = cap;
        }
        R->r[R->n++] = r;
    }
err:
    regia_csv_fields_free(&F);
    return st;
}

/* ---- sorting ----------------------------------------------------------------------------------- */

static int cmp_row(const void *a, const void *b)
{
    const row_t *x = a, *y = b;
    if (x->sid != y->sid) return x->sid < y->sid ? -1 : 1;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

typedef struct {
    const char *id;
    int64_t count;
} ent_t;

static int cmp_ent(const void *a, const void *b) { return strcmp(((const ent_t *)a)->id, ((const ent_t *)b)->id); }

static int cmp_local(const void *a, const void *b, void *arg)
{
    const idtab_t *T = arg;
    return strcmp(T->pool + T->off[*(const int64_t *)a], T->pool + T->off[*(const int64_t *)b]);
}

int64_t regia_series_find(const regia_series_t *s, const char *id)
{
    int64_t lo = 0, hi = s->n_series - 1;
    while (lo <= hi) {
        int64_t m = lo + (hi - lo) / 2;
        int c = strcmp(s->id[m], id);
        if (!c) return m;
        if (c < 0) lo = m + 1; else hi = m - 1;
    }
    return -1;
}

void regia_series_free(regia_series_t *s)
{
    free(s->id);
    free(s->pool);
    free(s->count);
    free(s->start);
    free(s->row);
    free(s->r0);
    free(s->season);
    memset(s, 0, sizeof *s);
}

/* ---- the reader ---------------------------------------------------------------------------------- */

regia_status_t regia_series_read(MPI_Comm comm, const char *path, const regia_series_opts_t *opt,
                                 regia_series_t *out)
{
    static const regia_series_opts_t none;
    const regia_series_opts_t *o = opt ? opt : &none;
    regia_status_t st = REGIA_OK;
    int rank, size, fd = -1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    memset(out, 0, sizeof *out);
    out->nranks = size;
    const size_t max_line = o->max_line ? o->max_line : REGIA_CSV_MAX_LINE;
    char *hbuf = NULL, *D = NULL, *packed = NULL, *gath = NULL;
    int64_t *gdisp = NULL, *gsize = NULL, *lorder = NULL, *l2g = NULL, *scount = NULL;
    ent_t *ent = NULL;
    idtab_t T;
    rows_t R = {0};
    row_t *recv = NULL;
    double *cost = NULL;
    regia_csv_header_t H;
    memset(&T, 0, sizeof T);
    memset(&H, 0, sizeof H);

    /* 1. open; the size and the header line come from rank 0 */
    int64_t fsize = 0, hlen = 0; /* hlen: bytes of line 1 with its newline */
    size_t htext = 0;
    if (rank == 0) {
        st = open_input(path, &fd, &fsize);
        if (st == REGIA_OK && fsize == 0)
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: empty file; expected a CSV with the header series_id,time,value",
                            path);
        if (st == REGIA_OK) {
            size_t k = (size_t)(fsize < (int64_t)max_line + 2 ? fsize : (int64_t)max_line + 2);
            hbuf = malloc(k + 1);
            if (!hbuf) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
            else st = pread_all(fd, path, hbuf, k, 0);
            if (st == REGIA_OK) {
                int64_t bad;
                const char *nl = memchr(hbuf, '\n', k);
                hlen = nl ? (int64_t)(nl - hbuf) + 1 : (int64_t)k;
                st = regia_csv_check_text_range(hbuf, k, 0, (size_t)hlen, path, 1, &bad);
                regia_csv_lines_t L;
                int got;
                regia_csv_lines_init(&L, path, hbuf, (size_t)hlen, 1, 1, max_line);
                if (st == REGIA_OK && (!nl && hlen < fsize ? 1 : regia_csv_lines_next(&L, &got) != REGIA_OK))
                    st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: line 1 is longer than %zu bytes; not a series_id,time,"
                                    "value CSV", path, max_line);
                if (st == REGIA_OK) {
                    memmove(hbuf, L.text, L.n); /* BOM and CR removed */
                    htext = L.n;
                }
            }
        }
    }
    AGREE(st);
    {
        int64_t hdr[3] = {fsize, hlen, (int64_t)htext};
        REGIA_TRY(mpi_check(MPI_Bcast(hdr, 3, MPI_INT64_T, 0, comm), "MPI_Bcast"));
        fsize = hdr[0];
        hlen = hdr[1];
        htext = (size_t)hdr[2];
        if (rank != 0) {
            hbuf = malloc(htext + 1);
            st = hbuf ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
            if (st == REGIA_OK) st = open_input(path, &fd, &fsize);
        }
        AGREE(st);
        REGIA_TRY(mpi_check(MPI_Bcast(hbuf, (int)htext, MPI_CHAR, 0, comm), "MPI_Bcast"));
    }
    /* 2. this rank's byte range [a, b) of the data lines, read with margins:
     *    4 bytes before (line and character boundaries), max_line + 2 after (the last line) */
    const int64_t body = fsize - hlen;
    const int64_t a = hlen + (int64_t)((unsigned __int128)body * (unsigned)rank / (unsigned)size),
                  b = hlen + (int64_t)((unsigned __int128)body * (unsigned)(rank + 1) / (unsigned)size);
    const int64_t lo = a - 4 < 0 ? 0 : a - 4;
    int64_t hi = a == b ? a : b + (int64_t)max_line + 2;
    if (hi > fsize) hi = fsize;
    const size_t dlen = (size_t)(hi - lo), A = (size_t)(a - lo), B = (size_t)(b - lo);
    D = malloc(dlen + 1);
    st = D ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%zu bytes of %s)", dlen, path);
    if (st == REGIA_OK) st = pread_all(fd, path, D, dlen, lo);
    AGREE(st);
    /* newlines in [a, b) -> the number of lines before every byte */
    int64_t nl = 0, nl_before = 0;
    for (const char *p = D + A, *e = D + B; p < e && (p = memchr(p, '\n', (size_t)(e - p))); p++) nl++;
    REGIA_TRY(mpi_check(MPI_Exscan(&nl, &nl_before, 1, MPI_INT64_T, MPI_SUM, comm), "MPI_Exscan"));
    if (rank == 0) nl_before = 0;
    {
        /* lines in the file: the header, one per data newline, and a last one without newline */
        int64_t total_nl = 0;
        char last = '\n';
        REGIA_TRY(mpi_check(MPI_Allreduce(&nl, &total_nl, 1, MPI_INT64_T, MPI_SUM, comm), "MPI_Allreduce"));
        if (rank == size - 1 && b > a) last = D[B - 1]; /* the last range is not empty when body > 0 */
        REGIA_TRY(mpi_check(MPI_Bcast(&last, 1, MPI_CHAR, size - 1, comm), "MPI_Bcast"));
        out->n_lines = 1 + total_nl + (last != '\n');
    }
    const int64_t line_a = 2 + nl_before; /* number of the line that holds byte a */
    /* text check of the characters that start in [a, b) */
    {
        int64_t bad;
        st = regia_csv_check_text_range(D, dlen, A, B, path, line_a, &bad);
    }
    AGREE(st);
    /* the header, after the text check as for a whole file: every rank parses the same
     * line, so the outcome is the same everywhere */
    st = regia_csv_header_parse(&H, path, hbuf, htext, o->sep);
    cols_t col = {0};
    if (st == REGIA_OK) st = pick_columns(path, &H, o, out, &col);
    AGREE(st);
    const char decimal = o->decimal ? o->decimal : H.decimal;
    out->sep = H.sep;
    out->decimal = decimal;

    /* the lines that start in [a, b): from the first line start at or after a */
    size_t p0 = B, p1 = B;
    if (a < b) {
        if (a == hlen || D[A - 1] == '\n') p0 = A;
        else {
            const char *q = memchr(D + A, '\n', B - A);
            p0 = q && (size_t)(q - D) + 1 < B ? (size_t)(q - D) + 1 : B;
        }
        if (p0 < B) {
            if (D[B - 1] == '\n') p1 = B;
            else {
                const char *q = memchr(D + B, '\n', dlen - B);
                p1 = q ? (size_t)(q - D) + 1 : dlen;
            }
        }
    }
    int64_t first_line = line_a;
    for (const char *p = D + A, *e = D + p0; p < e && (p = memchr(p, '\n', (size_t)(e - p))); p++) first_line++;

    /* 3. parse (rank 0 also hashes the input) */
    int64_t n_missing = 0;
    st = p0 < B ? parse_lines(path, D + p0, p1 - p0, first_line, max_line, &H, &col, decimal, &T, &R, &n_missing)
                : REGIA_OK;
    if (st == REGIA_OK && rank == 0 && !o->no_sha) st = regia_sha256_file(path, out->sha);
    free(D);
    D = NULL;
    AGREE(st);
    if (!o->no_sha) REGIA_TRY(mpi_check(MPI_Bcast(out->sha, 65, MPI_CHAR, 0, comm), "MPI_Bcast"));
    {
        int64_t loc[2] = {R.n, n_missing}, glob[2];
        REGIA_TRY(mpi_check(MPI_Allreduce(loc, glob, 2, MPI_INT64_T, MPI_SUM, comm), "MPI_Allreduce"));
        out->n_rows = glob[0];
        out->n_missing = glob[1];
    }
    if (out->n_rows == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no data rows after the header", path);
        goto err;
    }

    /* 4. the global sorted id list with row counts: each rank sends its ids, sorted */
    {
        lorder = malloc(sizeof *lorder * (size_t)(T.n ? T.n : 1));
        st = lorder ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        size_t plen = 0;
        if (st == REGIA_OK) {
            for (int64_t i = 0; i < T.n; i++) lorder[i] = i;
            qsort_r(lorder, (size_t)T.n, sizeof *lorder, cmp_local, &T);
            plen = T.plen + 8 * (size_t)T.n;
            packed = malloc(plen ? plen : 1);
            if (!packed) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        }
        if (st == REGIA_OK) {
            char *w = packed;
            for (int64_t i = 0; i < T.n; i++) {
                const char *s = T.pool + T.off[lorder[i]];
                size_t l = strlen(s) + 1;
                memcpy(w, &T.cnt[lorder[i]], 8);
                memcpy(w + 8, s, l);
                w += 8 + l;
            }
        }
        AGREE(st);
        REGIA_TRY(allgather_bytes(comm, packed, (int64_t)plen, o->exchange_rows ? 8 : 1, &gath, &gdisp, &gsize));
        free(packed);
        packed = NULL;
        /* entries of all ranks, sorted, duplicates merged */
        int64_t ne = 0;
        for (int p = 0; p < size; p++)
            for (int64_t i = gdisp[p], e = gdisp[p] + gsize[p]; i < e; i += 8 + (int64_t)strlen(gath + i + 8) + 1)
                ne++;
        ent = malloc(sizeof *ent * (size_t)(ne ? ne : 1));
        st = ent ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%lld series ids)", (long long)ne);
        AGREE(st);
        ne = 0;
        for (int p = 0; p < size; p++)
            for (int64_t i = gdisp[p], e = gdisp[p] + gsize[p]; i < e; i += 8 + (int64_t)strlen(gath + i + 8) + 1) {
                memcpy(&ent[ne].count, gath + i, 8);
                ent[ne++].id = gath + i + 8;
            }
        qsort(ent, (size_t)ne, sizeof *ent, cmp_ent);
        int64_t N = 0;
        size_t pool_len = 0;
        for (int64_t i = 0; i < ne; i++) {
            if (N > 0 && !strcmp(ent[N - 1].id, ent[i].id)) {
                ent[N - 1].count += ent[i].count;
                continue;
            }
            ent[N++] = ent[i];
            pool_len += strlen(ent[i].id) + 1;
        }
        out->n_series = N;
        out->id = malloc(sizeof *out->id * (size_t)N);
        out->count = malloc(sizeof *out->count * (size_t)N);
        out->pool = malloc(pool_len);
        out->start = malloc(sizeof *out->start * (size_t)(size + 1));
        cost = malloc(sizeof *cost * (size_t)N);
        l2g = malloc(sizeof *l2g * (size_t)(T.n ? T.n : 1));
        st = out->id && out->count && out->pool && out->start && cost && l2g
                 ? REGIA_OK
                 : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%lld series ids)", (long long)N);
        AGREE(st);
        char *w = out->pool;
        out->idlen = 1;
        for (int64_t i = 0; i < N; i++) {
            size_t l = strlen(ent[i].id) + 1;
            memcpy(w, ent[i].id, l);
            out->id[i] = w;
            out->count[i] = ent[i].count;
            cost[i] = (double)ent[i].count;
            if ((int)l > out->idlen) out->idlen = (int)l;
            w += l;
        }
        free(ent);
        ent = NULL;
        free(gath);
        gath = NULL;
        for (int64_t i = 0; i < T.n; i++) l2g[i] = regia_series_find(out, T.pool + T.off[i]);
    }

    /* 5. contiguous blocks by row count; rows to their owner */
    regia_partition(cost, out->n_series, size, out->start);
    out->s0 = out->start[rank];
    out->ns = out->start[rank + 1] - out->s0;
    scount = calloc((size_t)size, sizeof *scount);
    st = scount ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (st == REGIA_OK) {
        /* rows by owner: a counting sort on the owner rank (blocks are contiguous, so
         * sorting by global index would do too, but this keeps the pass linear) */
        int *own = malloc(sizeof *own * (size_t)(R.n ? R.n : 1));
        row_t *sorted = malloc(sizeof *sorted * (size_t)(R.n ? R.n : 1));
        int64_t *pos = malloc(sizeof *pos * (size_t)size);
        if (!own || !sorted || !pos) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%lld rows)", (long long)R.n);
        else {
            for (int64_t i = 0; i < R.n; i++) {
                int64_t g = l2g[R.r[i].sid];
                R.r[i].sid = g;
                int lo2 = 0, hi2 = size - 1; /* owner: the last p with start[p] <= g */
                while (lo2 < hi2) {
                    int m = (lo2 + hi2 + 1) / 2;
                    if (out->start[m] <= g) lo2 = m; else hi2 = m - 1;
                }
                own[i] = lo2;
                scount[lo2]++;
            }
            int64_t acc = 0;
            for (int p = 0; p < size; p++) { pos[p] = acc; acc += scount[p]; }
            for (int64_t i = 0; i < R.n; i++) sorted[pos[own[i]]++] = R.r[i];
            free(R.r);
            R.r = sorted;
            sorted = NULL;
        }
        free(own);
        free(sorted);
        free(pos);
    }
    idtab_free(&T);
    free(l2g);
    l2g = NULL;
    AGREE(st);
    REGIA_TRY(route_rows(comm, R.r, scount, o->exchange_rows, &recv, &out->nrow));
    free(R.r);
    R.r = NULL;

    /* 6. this rank's rows sorted by (series, time, line): placed by series (the row counts
     *    are known), then each series sorted; duplicates and seasons checked */
    out->r0 = calloc((size_t)out->ns + 1, sizeof *out->r0);
    out->row = malloc(sizeof *out->row * (size_t)(out->nrow ? out->nrow : 1));
    st = out->r0 && out->row ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%lld rows)",
                                                     (long long)out->nrow);
    AGREE(st);
    for (int64_t k = 0; k < out->ns; k++) out->r0[k + 1] = out->r0[k] + out->count[out->s0 + k];
    if (out->r0[out->ns] != out->nrow) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "internal: %lld rows received for series with %lld rows",
                        (long long)out->nrow, (long long)out->r0[out->ns]);
        goto err_agree;
    }
    {
        int64_t *fill = out->r0; /* r0[k] is used as the fill position, then restored */
        for (int64_t i = 0; i < out->nrow; i++) out->row[fill[recv[i].sid - out->s0]++] = recv[i];
        for (int64_t k = out->ns; k > 0; k--) out->r0[k] = out->r0[k - 1];
        out->r0[0] = 0;
        free(recv);
        recv = NULL;
        for (int64_t k = 0; k < out->ns; k++)
            if (out->r0[k + 1] - out->r0[k] > 1)
                qsort(out->row + out->r0[k], (size_t)(out->r0[k + 1] - out->r0[k]), sizeof *out->row, cmp_row);
    }
    if (out->has_season) out->season = calloc((size_t)(out->ns ? out->ns : 1), sizeof *out->season);
    st = !out->has_season || out->season ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    int64_t *season_line = NULL;
    if (st == REGIA_OK && out->has_season) {
        season_line = calloc((size_t)(out->ns ? out->ns : 1), sizeof *season_line);
        if (!season_line) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    }
    for (int64_t i = 0; i < out->nrow && st == REGIA_OK; i++) {
        const row_t *r = &out->row[i];
        int64_t k = r->sid - out->s0;
        if (i > 0 && r->sid == r[-1].sid && r->t == r[-1].t) {
            char ts[32];
            regia_format_datetime(r->t, ts, sizeof ts);
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: lines %lld and %lld: duplicate (%s, %s) = ('%s', %s); give each "
                            "series one value per time", path, (long long)r[-1].line, (long long)r->line,
                            out->id_col, out->time_col, out->id[r->sid], ts);
            break;
        }
        if (out->has_season && r->season) {
            if (!out->season[k]) {
                out->season[k] = r->season;
                season_line[k] = r->line;
            } else if (out->season[k] != r->season) {
                int64_t l1 = season_line[k] < r->line ? season_line[k] : r->line,
                        l2 = season_line[k] < r->line ? r->line : season_line[k];
                int s1 = season_line[k] < r->line ? out->season[k] : r->season,
                    s2 = season_line[k] < r->line ? r->season : out->season[k];
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: lines %lld and %lld: series '%s' has %s %d and %d; give one "
                                "season per series", path, (long long)l1, (long long)l2, out->id[r->sid],
                                out->season_col, s1, s2);
                break;
            }
        }
    }
    free(season_line);
err_agree:
    AGREE(st);
err:
    if (fd >= 0) close(fd);
    free(hbuf);
    free(D);
    free(packed);
    free(gath);
    free(gdisp);
    free(gsize);
    free(lorder);
    free(l2g);
    free(scount);
    free(ent);
    free(R.r);
    free(recv);
    free(cost);
    idtab_free(&T);
    regia_csv_header_free(&H);
    return st;
}
