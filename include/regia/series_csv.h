/* regia/series_csv.h - the series-CSV reader shared by `regia forecast` and later tools.
 *
 * Input: a CSV with one row per (series, time) observation and a header naming at least
 * three columns: the series id, the time and the value.  Accepted variants:
 *   - column names series_id,time,value (default), statsforecast's unique_id,ds,y (chosen
 *     automatically when the header has them and not the defaults), or any names given in
 *     the options; any column order, extra columns ignored, names trimmed and matched
 *     without case;
 *   - separators ',', ';' or TAB, detected from the header (or given);
 *   - decimal commas ("62,6") in ';' files, as Italian spreadsheet exports write them
 *     (a decimal point is accepted there too);
 *   - an optional per-series season column (an integer number of steps, 1..366; empty cells
 *     allowed, every non-empty cell of a series must agree);
 *   - a UTF-8 byte-order mark, CRLF line ends, blank lines (skipped, but counted in line
 *     numbers), a last line without newline.
 * time: any form regia_parse_datetime accepts (ISO 8601, UTC); value: a finite number, or
 * empty / NaN / NA for a missing value.
 *
 * Reading is collective over an MPI communicator and each rank holds only about (input
 * size / ranks) bytes of text plus its own series' rows:
 *   1. rank 0 reads the header line; the rest of the file is split into equal byte ranges,
 *      one per rank; a rank parses the lines that START in its range (it skips to the first
 *      full line and reads past its range end to finish its last line);
 *   2. line numbers are global (an exclusive scan of the ranks' line counts);
 *   3. the SHA-256 of the input is computed once, by rank 0 streaming the file;
 *   4. every rank learns the global list of series ids, sorted by strcmp, with their row
 *      counts; series are split into contiguous blocks of about equal row count
 *      (regia_partition) and rows are routed to the rank that owns their series
 *      (MPI_Alltoallv with a row datatype, in rounds when counts exceed an int; ids travel
 *      as indices into the sorted list).
 * The result is the same for any number of ranks: the same ids, and for each series the
 * same rows in the same order.  Errors are agreed on by all ranks before any further
 * collective call: every rank returns the same status and message (that of the failing
 * rank with the lowest number, i.e. of the earliest line), naming the file and the global
 * line, so a failure never hangs and reads the same at any rank count.
 */
#ifndef REGIA_SERIES_CSV_H
#define REGIA_SERIES_CSV_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define REGIA_SERIES_MAX_SEASON 366

/* Options; zero-initialise and set what differs from the defaults. */
typedef struct {
    const char *id_col;     /* series id column; NULL: series_id (or unique_id, see above)   */
    const char *time_col;   /* time column; NULL: time (or ds)                               */
    const char *value_col;  /* value column; NULL: value (or y)                              */
    const char *season_col; /* per-series season column, or NULL for none                    */
    char sep;               /* ',', ';', '\t', or 0: detect from the header                  */
    char decimal;           /* '.', ',', or 0: ',' in ';' files, '.' otherwise               */
    size_t max_line;        /* longest line (bytes); 0: REGIA_CSV_MAX_LINE                   */
    int no_sha;             /* 1: skip the SHA-256 (sha stays "")                            */
    int64_t exchange_rows;  /* tests only: rows per rank pair per exchange round and a small
                               gather unit, to exercise the large-count paths; 0: automatic */
} regia_series_opts_t;

/* One observation.  40 bytes, no pointers (it travels between ranks as bytes). */
typedef struct {
    int64_t sid;            /* global series index: into regia_series_t.id                   */
    int64_t t;              /* seconds since 1970-01-01 (UTC)                                */
    double v;               /* NaN: missing                                                  */
    int64_t line;           /* global line number in the file (1 = header)                   */
    int32_t season;         /* season column of this row; 0 when empty or no column          */
    int32_t pad;
} regia_series_row_t;

/* What one rank holds after regia_series_read. */
typedef struct {
    char sha[65];           /* SHA-256 of the input (hex), on every rank; "" with no_sha     */
    char id_col[64], time_col[64], value_col[64], season_col[64]; /* the names used        */
    char value_units[64];   /* UNITS of a value column headed 'NAME [UNITS]' ("" without) */
    char sep, decimal;      /* the separator and decimal mark used                           */
    int has_season;         /* a season column was read                                      */
    /* all series (every rank): sorted by strcmp */
    int64_t n_series;
    char **id;              /* n_series NUL-terminated ids (pointers into pool)              */
    char *pool;
    int64_t *count;         /* rows of each series                                           */
    int idlen;              /* longest id + 1                                                */
    int64_t n_rows;         /* data rows in the file (all series)                            */
    int64_t n_missing;      /* of which missing values                                       */
    int64_t n_lines;        /* lines in the file, header and blank lines included            */
    int nranks;             /* size of the communicator                                      */
    int64_t *start;         /* nranks + 1: rank p owns series [start[p], start[p+1])         */
    /* this rank's block */
    int64_t s0, ns;         /* series [s0, s0 + ns)                                          */
    regia_series_row_t *row;/* nrow rows of those series, sorted by (sid, t, line)           */
    int64_t nrow;
    int64_t *r0;            /* ns + 1: rows of series s0 + k are row[r0[k] .. r0[k + 1])     */
    int32_t *season;        /* ns seasons (0: none given); NULL without a season column      */
} regia_series_t;

/* Read the series CSV `path` collectively over comm (every rank calls it with the same
 * arguments) into *out (zeroed first; free with regia_series_free, also after a failure).
 * Errors, with the same message on every rank and at any rank count:
 *   REGIA_ERR_IO     "PATH: cannot open: ...", a directory, a read error;
 *   REGIA_ERR_PARSE  "PATH: empty file ...", "PATH: not a text CSV ... line N",
 *                    "PATH: line N is longer than M bytes ...", a header without the needed
 *                    columns ("PATH: line 1: header lacks the column 'series_id' ..."), a
 *                    wrong separator, "PATH: line N: K fields, expected 3 as in the header
 *                    (...)", "PATH: line N: empty series_id", "PATH: line N: column 'time':
 *                    bad date ...", "PATH: line N: column 'value': 'abc' is not a number
 *                    ...", a bad season, "PATH: no data rows after the header", "PATH: lines
 *                    N and M: duplicate (series_id, time) = ('b', 2023-01-04...)", "PATH:
 *                    lines N and M: series 'a' has season 7 and 12 ...";
 *   REGIA_ERR_NOMEM, REGIA_ERR_MPI. */
regia_status_t regia_series_read(MPI_Comm comm, const char *path, const regia_series_opts_t *opt,
                                 regia_series_t *out);

/* Index of series `id` in s->id (binary search), or -1. */
int64_t regia_series_find(const regia_series_t *s, const char *id);

/* Free what regia_series_read allocated; *s is zeroed.  Not collective. */
void regia_series_free(regia_series_t *s);

#ifdef __cplusplus
}
#endif
#endif
