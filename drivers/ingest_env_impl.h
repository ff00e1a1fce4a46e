/* ingest_env_impl.h - what the pieces of `regia ingest env` share (internal to drivers/).
 *
 *   cmd_ingest.c            the domain (domain.h): schema, station index, the steps of its
 *                           read, the merge of sensors per station, the NetCDF variables
 *   ingest_env_parse.c      registry, and each rank's byte range of a data file -> rows
 *   ingest_env_exchange.c   rows to their station's owner (any count), rejects file (MPI-IO)
 *
 * The run protocol (job and options, atomic outputs, faults, watchdog, commit, manifest)
 * is the skeleton's (drivers/run.c); the rejects CSV is the domain's extra output.
 *
 * Rows never travel to every rank: the parsing rank sends each row to the rank that owns
 * its station (contiguous station blocks over the sorted station list), in messages of at
 * most INGEST_MSG_BYTES, so no count or byte total is limited to 2^31.
 */
#ifndef REGIA_INGEST_ENV_IMPL_H
#define REGIA_INGEST_ENV_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"

#define INGEST_NAMELEN 64
#define INGEST_MAX_FILES 64
#define INGEST_MAXF 256 /* as REGIA_CSV_MAX_FIELDS */

enum { P_PM10, P_PM25, P_NO2, P_O3, P_SO2, NPOL };
extern const char *const INGEST_PNAME[NPOL];
extern const int INGEST_PDAILY[NPOL];

enum { DATE_AUTO, DATE_MDY, DATE_DMY, DATE_ISO };
enum { DEC_AUTO, DEC_POINT, DEC_COMMA };

/* Options: the job's keys (cmd_ingest.c: ing_configure). */
typedef struct {
    const char *registry, *output, *rejects;
    const char *data[INGEST_MAX_FILES];
    int ndata, utc_off;
    char sep;            /* ',', ';', '\t', or 0 = from the header                      */
    int decimal;         /* DEC_*                                                       */
    int date_order;      /* DATE_*                                                      */
    double max_rejected; /* largest share of rejected rows that is not an error (0..1) */
    int have_from, have_to;
    int64_t from_day, to_day; /* plausible window (local days), when given               */
    int window_years;    /* else: median date +- this many years                        */
    int max_years;       /* longest time axis                                           */
    double max_cells;    /* most station x time values in the output                    */
    int verbose;         /* -v: per-rank rows/s and peak memory                          */
    int synthetic;       /* the input is synthetic (regia gen env): the ACDD text says so   */
} ingest_opts_t;

typedef struct {
    long id;
    int type, station; /* station: index into the station list, or -1 */
    long idst;
    char name[INGEST_NAMELEN], prov[INGEST_NAMELEN];
    double lat, lon, alt;
} ingest_sensor_t;

typedef struct {
    long idst;
    char name[INGEST_NAMELEN], prov[INGEST_NAMELEN];
    double lat, lon, alt;
} ingest_station_t;

/* One kept measurement (32 bytes). */
typedef struct {
    int32_t sensor; /* index into the registry                                       */
    int32_t t;      /* hour index (UTC) for hourly, day index (local) for daily types */
    float value;    /* NaN for missing (Valore -9999)                                */
    int8_t qc;      /* 0 valid, 1 not validated, -1 missing                           */
    uint8_t file;
    int16_t pad;
    int64_t line;
    int64_t off;    /* byte offset of the line in its file (reject texts)             */
} ingest_row_t;

typedef struct {
    ingest_row_t *r;
    size_t n, cap;
} ingest_bucket_t;

typedef struct {
    int file;
    int64_t line;
    const char *reason; /* a string constant */
    char *text;
} ingest_reject_t;

typedef struct {
    ingest_reject_t *v;
    size_t n, cap;
} ingest_rejects_t;

/* What a rank parsed. */
typedef struct {
    ingest_bucket_t *to;   /* ctx->size buckets: rows for each owner rank                */
    ingest_rejects_t rej;  /* this rank's rejects                                       */
    int64_t read;          /* data rows (non-blank lines after the header) parsed here   */
    int64_t (*range)[2];   /* [ndata] this rank's byte range of each file                */
} ingest_parsed_t;

/* The registry: every rank reads it (small).  Errors name the file and line. */
regia_status_t ingest_load_registry(const char *path, ingest_sensor_t **out, int *nout);

/* Collective.  Parse this rank's byte range of data file `file` (opts->data[file]): rows
 * go to to[owner[sensor]], rejects to P->rej with their reasons; line numbers are global
 * (MPI_Exscan of the ranges' line counts).  Each rank reads only its range (plus the
 * header and the few bytes that align the range to line starts).  File-level errors
 * (unreadable, not text, over-long line, header, ambiguous date format) are agreed on. */
regia_status_t ingest_parse_file(regia_run_t *run, const ingest_opts_t *o, int file, const ingest_sensor_t *sens,
                                 const int *order, int ns, const int *owner, ingest_parsed_t *P,
                                 regia_progress_t *prog);

/* The local calendar day of a row. */
int64_t ingest_row_day(const ingest_row_t *r, const ingest_sensor_t *sens, int utc_off);

/* Read the text of the line at byte `off` of `path` (without its newline); caller frees. */
char *ingest_line_text(const char *path, int64_t off);

regia_status_t ingest_add_reject(ingest_rejects_t *R, int file, int64_t line, const char *reason, const char *l,
                                 size_t n);

/* Collective.  Send send[p] (count[p] elements of `size` bytes) to rank p and receive
 * from every rank: recv[p] (malloc'ed, *nrecv[p] elements; recv[rank] is send[rank]
 * itself, not copied).  Any counts (int64); messages of at most INGEST_MSG_BYTES
 * (REGIA_INGEST_MSG_BYTES overrides it, for tests).  Allocation failures are agreed on
 * before any message is sent. */
regia_status_t ingest_exchange(regia_run_t *run, size_t size, void *const *send, const int64_t *count, void **recv,
                               int64_t *nrecv);

/* Collective.  Write the rejects of every rank as one CSV (header file,line,reason,text),
 * sorted by (file, line), to `tmp_path` with MPI-IO; each rank's rejects must be sorted
 * by (file, line) and lie in its own byte ranges (so rank order within a file is line
 * order). */
regia_status_t ingest_write_rejects(regia_run_t *run, const ingest_opts_t *o, const ingest_rejects_t *R,
                                    const char *tmp_path);

/* Reasons for rejecting a row (NULL-terminated); the window reason names the window. */
extern const char *const ingest_reasons[];
extern char ingest_window_reason[192];
extern const char INGEST_R_DUP[];

#define INGEST_MSG_BYTES ((size_t)1 << 28)

#endif
