/* test_series_csv.c - the byte-range series-CSV reader (io/series_csv.c).
 *
 *   test_series_csv                      unit checks on one rank (run by tests/run.sh)
 *   mpirun -np N test_series_csv --compare FILE [--season-col C] [--chunk K] [--sep S]
 *                                        [--cols ID,TIME,VALUE]
 *       reads FILE over all ranks and checks, on rank 0, that the gathered result equals an
 *       independent whole-file reading (regia_read_file + the line reader, one pass, sorted);
 *       prints "ok: ... digest=HEX" (the same digest at every rank count)
 *   mpirun -np N test_series_csv --error FILE [options]
 *       expects the read to fail on every rank with the same status; rank 0 prints
 *       "error: MESSAGE" and the program exits 0 (1 if the read succeeded or ranks disagree)
 *   mpirun -np N test_series_csv --time FILE [options]
 *       reads FILE and prints, per rank, its rows, series, seconds and peak memory (a
 *       measurement, no checks)
 * tests/cli/test_series_csv_mpi.sh drives the MPI modes at 1, 2, 3 and 7 ranks.
 */
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"
#include "regia/csv.h"
#include "regia/io.h"
#include "regia/series_csv.h"
#include "regia/timeutil.h"

/* ---- the reference: one pass over the whole file ---------------------------------------- */

typedef struct {
    char *id;
    int64_t t, line;
    double v;
    int32_t season;
} ref_row_t;

static int cmp_ref(const void *a, const void *b)
{
    const ref_row_t *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* Whole-file reading of a valid file: rows sorted by (id, time, line); NULL on any problem. */
static ref_row_t *reference(const char *path, const regia_series_opts_t *o, int64_t *n)
{
    char *buf;
    size_t len;
    *n = 0;
    if (regia_read_file(path, (size_t)1 << 32, &buf, &len) != REGIA_OK) return NULL;
    regia_csv_lines_t L;
    regia_csv_header_t H;
    regia_csv_fields_t F;
    int got;
    regia_csv_lines_init(&L, path, buf, len, 1, 1, o->max_line);
    if (regia_csv_lines_next(&L, &got) != REGIA_OK || !got) return NULL;
    if (regia_csv_header_parse(&H, path, L.text, L.n, o->sep) != REGIA_OK) return NULL;
    const char *names[3] = {o->id_col ? o->id_col : "series_id", o->time_col ? o->time_col : "time",
                            o->value_col ? o->value_col : "value"};
    if (!o->id_col && regia_csv_header_col(&H, "series_id") < 0 && regia_csv_header_col(&H, "unique_id") >= 0) {
        names[0] = "unique_id";
        names[1] = "ds";
        names[2] = "y";
    }
    int c[4];
    for (int k = 0; k < 3; k++) c[k] = regia_csv_header_col(&H, names[k]);
    c[3] = o->season_col ? regia_csv_header_col(&H, o->season_col) : -1;
    char dec = o->decimal ? o->decimal : H.decimal;
    regia_csv_fields_init(&F, 0, o->max_line);
    ref_row_t *r = NULL;
    int64_t cap = 0;
    for (;;) {
        if (regia_csv_lines_next(&L, &got) != REGIA_OK) return NULL;
        if (!got) break;
        if (L.n == 0) continue;
        int nf = regia_csv_fields_split(&F, L.text, L.n, H.sep);
        if (nf != H.n) return NULL;
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            r = realloc(r, sizeof *r * (size_t)cap);
        }
        ref_row_t *x = &r[(*n)++];
        x->id = strdup(regia_csv_trim(F.field[c[0]]));
        x->line = L.line;
        if (regia_parse_datetime(F.field[c[1]], &x->t) != REGIA_OK) return NULL;
        if (regia_csv_number(F.field[c[2]], dec, &x->v) < 0) return NULL;
        x->season = c[3] >= 0 ? (int32_t)atoi(F.field[c[3]]) : 0;
    }
    regia_csv_fields_free(&F);
    regia_csv_header_free(&H);
    free(buf);
    qsort(r, (size_t)*n, sizeof *r, cmp_ref);
    return r;
}

/* ---- options from the command line --------------------------------------------------------- */

static void parse_opts(int argc, char **argv, int i, regia_series_opts_t *o)
{
    static char cols[256];
    for (; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--season-col")) o->season_col = argv[i + 1];
        else if (!strcmp(argv[i], "--chunk")) o->exchange_rows = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--sep")) o->sep = !strcmp(argv[i + 1], "tab") ? '\t' : argv[i + 1][0];
        else if (!strcmp(argv[i], "--decimal")) o->decimal = argv[i + 1][0];
        else if (!strcmp(argv[i], "--max-line")) o->max_line = (size_t)atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--cols")) {
            snprintf(cols, sizeof cols, "%s", argv[i + 1]);
            char *a = strtok(cols, ","), *b = strtok(NULL, ","), *c = strtok(NULL, ",");
            o->id_col = a;
            o->time_col = b;
            o->value_col = c;
        } else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
    }
}

/* ---- --compare ----------------------------------------------------------------------------- */

static int compare_mode(const char *path, const regia_series_opts_t *o)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    regia_series_t S;
    regia_status_t st = regia_series_read(MPI_COMM_WORLD, path, o, &S);
    if (st != REGIA_OK) {
        if (rank == 0) fprintf(stderr, "FAIL: read failed: %s\n", regia_error_msg());
        return 1;
    }
    int bad = 0;
    /* local consistency */
    if (S.s0 != S.start[rank] || S.ns != S.start[rank + 1] - S.start[rank] || S.r0[0] != 0 || S.r0[S.ns] != S.nrow)
        bad = 1;
    for (int64_t k = 0; k < S.ns && !bad; k++) {
        if (S.r0[k + 1] - S.r0[k] != S.count[S.s0 + k]) bad = 2;
        for (int64_t i = S.r0[k]; i < S.r0[k + 1]; i++)
            if (S.row[i].sid != S.s0 + k) bad = 3;
    }
    /* gather all rows on rank 0 (block order = global order) */
    int nb = (int)(S.nrow * (int64_t)sizeof(regia_series_row_t)), *cnt = NULL, *dsp = NULL;
    char *all = NULL;
    if (rank == 0) {
        cnt = malloc(sizeof *cnt * (size_t)size);
        dsp = malloc(sizeof *dsp * (size_t)size);
    }
    MPI_Gather(&nb, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
    int64_t tot = 0;
    if (rank == 0) {
        for (int p = 0; p < size; p++) { dsp[p] = (int)tot; tot += cnt[p]; }
        all = malloc((size_t)tot + 1);
    }
    MPI_Gatherv(S.row, nb, MPI_BYTE, all, cnt, dsp, MPI_BYTE, 0, MPI_COMM_WORLD);
    /* seasons of every series, in block order */
    int nsea = S.has_season ? (int)S.ns : 0, *scnt = NULL, *sdsp = NULL;
    int32_t *seas = NULL;
    if (rank == 0) {
        scnt = malloc(sizeof *scnt * (size_t)size);
        sdsp = malloc(sizeof *sdsp * (size_t)size);
        seas = malloc(sizeof *seas * (size_t)(S.n_series + 1));
    }
    MPI_Gather(&nsea, 1, MPI_INT, scnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0) for (int p = 0, acc = 0; p < size; p++) { sdsp[p] = acc; acc += scnt[p]; }
    MPI_Gatherv(S.season, nsea, MPI_INT32_T, seas, scnt, sdsp, MPI_INT32_T, 0, MPI_COMM_WORLD);
    int badall = 0;
    MPI_Reduce(&bad, &badall, 1, MPI_INT, MPI_MAX, 0, MPI_COMM_WORLD);
    int rc = 0;
    if (rank == 0) {
        const regia_series_row_t *row = (const regia_series_row_t *)all;
        int64_t n = tot / (int64_t)sizeof *row, nref;
        ref_row_t *ref = reference(path, o, &nref);
        char why[512] = "";
        if (badall) snprintf(why, sizeof why, "inconsistent block on some rank (%d)", badall);
        else if (!ref) snprintf(why, sizeof why, "reference reading failed");
        else if (n != nref || n != S.n_rows) snprintf(why, sizeof why, "rows %lld, reference %lld, n_rows %lld",
                                                     (long long)n, (long long)nref, (long long)S.n_rows);
        int64_t nser = 0, nmiss = 0;
        for (int64_t i = 0; !why[0] && i < n; i++) {
            const regia_series_row_t *x = &row[i];
            if (i == 0 || strcmp(ref[i].id, ref[i - 1].id)) nser++;
            nmiss += isnan(ref[i].v);
            if (x->sid < 0 || x->sid >= S.n_series || strcmp(S.id[x->sid], ref[i].id) || x->t != ref[i].t ||
                x->line != ref[i].line || memcmp(&x->v, &ref[i].v, sizeof x->v) ||
                (S.has_season && x->season != ref[i].season))
                snprintf(why, sizeof why, "row %lld differs: got ('%s', %lld, %.17g, line %lld), want ('%s', "
                         "%lld, %.17g, line %lld)", (long long)i, x->sid >= 0 && x->sid < S.n_series ?
                         S.id[x->sid] : "?", (long long)x->t, x->v, (long long)x->line, ref[i].id,
                         (long long)ref[i].t, ref[i].v, (long long)ref[i].line);
        }
        if (!why[0] && (nser != S.n_series || nmiss != S.n_missing))
            snprintf(why, sizeof why, "series %lld / %lld, missing %lld / %lld", (long long)S.n_series,
                     (long long)nser, (long long)S.n_missing, (long long)nmiss);
        for (int64_t k = 1; !why[0] && k < S.n_series; k++)
            if (strcmp(S.id[k - 1], S.id[k]) >= 0) snprintf(why, sizeof why, "ids not sorted at %lld", (long long)k);
        /* a series' season is the first non-empty season of its rows (all agree in valid files) */
        for (int64_t k = 0, i = 0; !why[0] && S.has_season && k < S.n_series; k++) {
            int32_t want = 0;
            for (; i < n && row[i].sid == k; i++)
                if (!want) want = row[i].season;
            if (seas[k] != want) snprintf(why, sizeof why, "season of '%s': %d, want %d", S.id[k], seas[k], want);
        }
        char sha[65];
        if (!why[0] && (regia_sha256_file(path, sha) != REGIA_OK || strcmp(sha, S.sha)))
            snprintf(why, sizeof why, "sha256 %s differs from the file's", S.sha);
        /* the same as a one-rank read on this rank alone */
        regia_series_t W;
        if (!why[0]) {
            if (regia_series_read(MPI_COMM_SELF, path, o, &W) != REGIA_OK)
                snprintf(why, sizeof why, "one-rank read failed: %s", regia_error_msg());
            else {
                if (W.nrow != n || memcmp(W.row, row, (size_t)tot) || W.n_series != S.n_series ||
                    W.n_lines != S.n_lines)
                    snprintf(why, sizeof why, "differs from the one-rank read");
                regia_series_free(&W);
            }
        }
        if (why[0]) {
            fprintf(stderr, "FAIL: %s (np=%d): %s\n", path, size, why);
            rc = 1;
        } else {
            char dig[65];
            regia_sha256_buf(all, (size_t)tot, dig);
            printf("ok: %s np=%d rows=%lld series=%lld lines=%lld sep=%s decimal=%c cols=%s,%s,%s digest=%s\n",
                   path, size, (long long)n, (long long)S.n_series, (long long)S.n_lines,
                   S.sep == '\t' ? "tab" : S.sep == ';' ? "semicolon" : "comma", S.decimal, S.id_col, S.time_col,
                   S.value_col, dig);
        }
        for (int64_t i = 0; ref && i < nref; i++) free(ref[i].id);
        free(ref);
    }
    free(all);
    free(cnt);
    free(dsp);
    free(seas);
    free(scnt);
    free(sdsp);
    regia_series_free(&S);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return rc;
}

/* ---- --error --------------------------------------------------------------------------------- */

static int error_mode(const char *path, const regia_series_opts_t *o)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    regia_series_t S;
    regia_status_t st = regia_series_read(MPI_COMM_WORLD, path, o, &S);
    regia_series_free(&S);
    /* every rank must hold the same status and message */
    char msg[2048], *all = NULL;
    memset(msg, 0, sizeof msg);
    snprintf(msg, sizeof msg, "%d %s", (int)st, st == REGIA_OK ? "" : regia_error_msg());
    if (rank == 0) all = malloc(sizeof msg * (size_t)size);
    MPI_Gather(msg, (int)sizeof msg, MPI_CHAR, all, (int)sizeof msg, MPI_CHAR, 0, MPI_COMM_WORLD);
    int rc = 0;
    if (rank == 0) {
        for (int p = 1; p < size; p++)
            if (strcmp(all + (size_t)p * sizeof msg, msg)) {
                fprintf(stderr, "FAIL: rank %d: '%s', rank 0: '%s'\n", p, all + (size_t)p * sizeof msg, msg);
                rc = 1;
            }
        if (st == REGIA_OK) {
            fprintf(stderr, "FAIL: %s read without error\n", path);
            rc = 1;
        } else printf("error: %s\n", regia_error_msg());
    }
    free(all);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return rc;
}

/* ---- --time ---------------------------------------------------------------------------------- */

static int time_mode(const char *path, const regia_series_opts_t *o)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    regia_series_t S;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    regia_status_t st = regia_series_read(MPI_COMM_WORLD, path, o, &S);
    double dt = MPI_Wtime() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char line[256];
    snprintf(line, sizeof line, "rank %d/%d: %s rows %lld of %lld, series %lld of %lld, %.3f s, %.0f rows/s, "
             "peak RSS %.1f MiB", rank, size, st == REGIA_OK ? "ok" : "FAILED", (long long)S.nrow,
             (long long)S.n_rows, (long long)S.ns, (long long)S.n_series, dt, (double)S.n_rows / size / dt,
             ru.ru_maxrss / 1024.0);
    char *all = rank == 0 ? malloc(sizeof line * (size_t)size) : NULL;
    MPI_Gather(line, (int)sizeof line, MPI_CHAR, all, (int)sizeof line, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        if (st != REGIA_OK) printf("error: %s\n", regia_error_msg());
        for (int p = 0; p < size; p++) printf("%s\n", all + (size_t)p * sizeof line);
    }
    free(all);
    regia_series_free(&S);
    return st != REGIA_OK;
}

/* ---- unit checks on one rank ----------------------------------------------------------------- */

static char dir[256];

static const char *put(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    return path;
}

static regia_status_t rd(const char *name, const char *text, const regia_series_opts_t *o, regia_series_t *S)
{
    return regia_series_read(MPI_COMM_SELF, put(name, text), o, S);
}

static int msg_has(const char *s)
{
    int ok = strstr(regia_error_msg(), s) != NULL;
    if (!ok) fprintf(stderr, "  message: %s\n  expected: %s\n", regia_error_msg(), s);
    return ok;
}

static void unit_checks(void)
{
    regia_series_t S;
    regia_series_opts_t o = {0};
    /* the basic layout; rows out of order; BOM, CRLF, blank line, missing values, quoted ids */
    CHECK_OK(rd("a.csv", "\xEF\xBB\xBFseries_id,time,value\r\nb,2023-01-02,2\r\n\r\n\"a,x\",2023-01-01,\r\n"
                         "b,2023-01-01,1.5\r\n a ,2023-01-01,NaN",
                &o, &S));
    CHECK(S.n_series == 3 && S.n_rows == 4 && S.n_missing == 2 && S.n_lines == 6 && S.nrow == 4);
    CHECK(!strcmp(S.id[0], "a") && !strcmp(S.id[1], "a,x") && !strcmp(S.id[2], "b") && S.idlen == 4);
    CHECK(S.row[2].sid == 2 && S.row[2].t == regia_days_from_civil(2023, 1, 1) * 86400 && S.row[2].v == 1.5 &&
          S.row[2].line == 5);
    CHECK(S.row[3].line == 2 && S.row[3].v == 2 && isnan(S.row[0].v) && S.row[0].line == 6);
    CHECK(S.r0[0] == 0 && S.r0[1] == 1 && S.r0[2] == 2 && S.r0[3] == 4 && S.season == NULL);
    CHECK(S.sep == ',' && S.decimal == '.' && !strcmp(S.time_col, "time") && strlen(S.sha) == 64);
    CHECK(regia_series_find(&S, "b") == 2 && regia_series_find(&S, "c") == -1);
    regia_series_free(&S);
    /* Italian export: ';' and decimal commas, detected */
    CHECK_OK(rd("it.csv", "series_id;time;value\nx;2023-01-01;62,6\nx;2023-01-02;1.5\n", &o, &S));
    CHECK(S.n_rows == 2 && S.sep == ';' && S.decimal == ',' && S.row[0].v == 62.6 && S.row[1].v == 1.5);
    regia_series_free(&S);
    /* statsforecast names, TAB, extra column, any order */
    CHECK_OK(rd("sf.tsv", "y\tunique_id\tds\textra\n3\tu1\t2023-01-01T01:00:00\tq\n", &o, &S));
    CHECK(S.n_rows == 1 && S.sep == '\t' && !strcmp(S.id_col, "unique_id") && !strcmp(S.value_col, "y") &&
          S.row[0].v == 3 && S.row[0].t == regia_days_from_civil(2023, 1, 1) * 86400 + 3600);
    regia_series_free(&S);
    /* explicit column names; a season column */
    regia_series_opts_t oc = {.id_col = "station", .time_col = "when", .value_col = "pm10", .season_col = "m"};
    CHECK_OK(rd("c.csv", "station,when,pm10,m\ns1,2023-01-01,1,7\ns1,2023-01-02,2,\ns2,2023-01-01,3,\n", &oc, &S));
    CHECK(S.has_season && S.season && S.season[0] == 7 && S.season[1] == 0 && S.row[0].season == 7);
    regia_series_free(&S);
    /* errors, with the messages `regia forecast` gives */
    CHECK(rd("e1.csv", "", &o, &S) == REGIA_ERR_PARSE && msg_has("e1.csv: empty file"));
    regia_series_free(&S);
    CHECK(regia_series_read(MPI_COMM_SELF, "/nonexistent/nosuch.csv", &o, &S) == REGIA_ERR_IO &&
          msg_has("nosuch.csv: cannot open: No such file"));
    regia_series_free(&S);
    CHECK(rd("e2.csv", "series_id,time,value\n", &o, &S) == REGIA_ERR_PARSE && msg_has("e2.csv: no data rows"));
    regia_series_free(&S);
    CHECK(rd("e3.csv", "id,date,value\na,2023-01-01,1\n", &o, &S) == REGIA_ERR_PARSE &&
          msg_has("e3.csv: line 1: header lacks the column 'series_id'"));
    regia_series_free(&S);
    CHECK(rd("e4.csv", "series_id,time,value\na,2023-01-01,1\na,2023-01-02,abc\n", &o, &S) == REGIA_ERR_PARSE &&
          msg_has("e4.csv: line 3: column 'value': 'abc' is not a number"));
    regia_series_free(&S);
    CHECK(rd("e5.csv", "series_id,time,value\na,2023-02-30,1\n", &o, &S) == REGIA_ERR_PARSE &&
          msg_has("e5.csv: line 2: column 'time': bad date '2023-02-30'"));
    regia_series_free(&S);
    CHECK(rd("e6.csv", "series_id,time,value\nb,2023-01-04,1\na,2023-01-01,1\nb,2023-01-04,2\n", &o, &S) ==
              REGIA_ERR_PARSE &&
          msg_has("e6.csv: lines 2 and 4: duplicate (series_id, time) = ('b', 2023-01-04"));
    regia_series_free(&S);
    CHECK(rd("e7.csv", "series_id,time,value\na,2023-01-01,1,2\n", &o, &S) == REGIA_ERR_PARSE &&
          msg_has("e7.csv: line 2: 4 fields, expected 3 as in the header (series_id,time,value)"));
    regia_series_free(&S);
    CHECK(rd("e8.csv", "series_id,time,value\n ,2023-01-01,1\n", &o, &S) == REGIA_ERR_PARSE &&
          msg_has("e8.csv: line 2: empty series_id"));
    regia_series_free(&S);
    CHECK(rd("e9.csv", "series_id,time,value\na,2023-01-01,1\xb0\n", &o, &S) == REGIA_ERR_PARSE &&
          msg_has("e9.csv: not a text CSV: invalid UTF-8 byte 0xB0 on line 2"));
    regia_series_free(&S);
    CHECK(rd("e10.csv", "series_id,time,value\na,2023-01-01,inf\n", &o, &S) == REGIA_ERR_PARSE &&
          msg_has("e10.csv: line 2: column 'value': 'inf' is not a number"));
    regia_series_free(&S);
    regia_series_opts_t oq = {.sep = ','};
    CHECK(rd("e11.csv", "series_id;time;value\na;2023-01-01;1\n", &oq, &S) == REGIA_ERR_PARSE &&
          msg_has("e11.csv: line 1: the header has one column but contains ';'"));
    regia_series_free(&S);
    regia_series_opts_t os = {.season_col = "season"};
    CHECK(rd("e12.csv", "series_id,time,value,season\na,2023-01-01,1,7\na,2023-01-02,1,12\n", &os, &S) ==
              REGIA_ERR_PARSE &&
          msg_has("e12.csv: lines 2 and 3: series 'a' has season 7 and 12"));
    regia_series_free(&S);
    CHECK(rd("e13.csv", "series_id,time,value,season\na,2023-01-01,1,0\n", &os, &S) == REGIA_ERR_PARSE &&
          msg_has("e13.csv: line 2: column 'season': '0' is not a season"));
    regia_series_free(&S);
    CHECK(rd("e14.csv", "series_id,time,value\na,2023-01-01,1\n", &os, &S) == REGIA_ERR_PARSE &&
          msg_has("e14.csv: line 1: header lacks the season column 'season'"));
    regia_series_free(&S);
    regia_series_opts_t ol = {.max_line = 30};
    CHECK(rd("e15.csv", "series_id,time,value\na,2023-01-01,1\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,2023-01-01,1\n",
             &ol, &S) == REGIA_ERR_PARSE &&
          msg_has("e15.csv: line 3 is longer than 30 bytes"));
    regia_series_free(&S);
    CHECK(rd("e16.csv", "series_id,time,value\na,\"2023-01-01,1\n", &o, &S) == REGIA_ERR_PARSE &&
          msg_has("e16.csv: line 2: unterminated quote"));
    regia_series_free(&S);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rc;
    regia_series_opts_t o = {0};
    if (argc >= 3 && (!strcmp(argv[1], "--compare") || !strcmp(argv[1], "--error") || !strcmp(argv[1], "--time"))) {
        parse_opts(argc, argv, 3, &o);
        rc = !strcmp(argv[1], "--compare") ? compare_mode(argv[2], &o)
             : !strcmp(argv[1], "--time")  ? time_mode(argv[2], &o)
                                           : error_mode(argv[2], &o);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/regia_series_XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            MPI_Finalize();
            SKIP("cannot create a temporary directory");
        }
        unit_checks();
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
        rc = check_done();
    }
    MPI_Finalize();
    return rc;
}
