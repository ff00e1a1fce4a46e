/* ingest_wl_impl.h - what the pieces of `regia ingest waitlist` share (internal to drivers/).
 *
 *   cmd_ingest_waitlist.c  the domain (domain.h): schema, configure (key, tables, column
 *                          map), index (parse, code tables, duplicate check, costs), read
 *                          (rows to their service's owner), compute (sort within a
 *                          service), the NetCDF variables; no MPI call
 *   ingest_wl_parse.c      dates and values of the canonical layout, one line -> a booking
 *                          or a reject, each rank's byte range of a data file
 *   ingest_wl_exchange.c   the provider and agenda code tables (every rank's codes, sorted),
 *                          routing by prescription pseudonym and by service
 *
 * The bytes routing (ingest_exchange), the rejects collector and the rejects CSV writer
 * (ingest_add_reject, ingest_write_rejects, MPI-IO) are `regia ingest env`'s
 * (ingest_env_impl.h), shared as they are.
 *
 * Privacy: a booking row holds pseudonyms only; the raw patient and prescription ids live
 * in the line buffer of the parser while the MACs are computed and go nowhere else.  A
 * rejected line's text is kept with the identifier fields blanked (or not at all when its
 * fields cannot be told apart: wrong field count, unterminated quote).
 */
#ifndef REGIA_INGEST_WL_IMPL_H
#define REGIA_INGEST_WL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "ingest_env_impl.h" /* ingest_exchange, ingest_rejects_t, ingest_write_rejects */
#include "regia/pseudonym.h"
#include "waitlist_impl.h"

#define WLI_MAX_FILES INGEST_MAX_FILES
#define WLI_CODELEN 32 /* provider and agenda codes, as wl_agendas_t */

enum { WLI_DMY = 0, WLI_MDY, WLI_ISO };

/* Reasons a row is rejected.  The text of a reason names the field it is about
 * (wli_reason). */
typedef enum {
    WLR_FIELDS = 0,     /* wrong field count (or an unterminated quote)                 */
    WLR_MISSING,        /* a required field is empty                                    */
    WLR_DATE,           /* not a date / date-time                                       */
    WLR_DATE_ORDER,     /* a date that contradicts the stated order (month 13 ...)      */
    WLR_DATE_OLD,       /* before 2000-01-01                                            */
    WLR_DATE_NEW,       /* after the run date + 2 years                                 */
    WLR_CLASS,          /* unknown priority class                                       */
    WLR_SERVICE,        /* unknown service code                                         */
    WLR_DISTRICT,       /* unknown district                                             */
    WLR_ASL,            /* unknown ASL                                                  */
    WLR_NOT_IN_ASL,     /* district not in the ASL given                                */
    WLR_VALUE,          /* a value not in the field's vocabulary                        */
    WLR_TOO_LONG,       /* a code longer than WLI_CODELEN - 1                           */
    WLR_LINE,           /* prescription line not a whole number >= 1                     */
    WLR_DELIVERY,       /* delivery before booking                                      */
    WLR_BOOKED,         /* booked before contact                                        */
    WLR_FIRST,          /* first available before contact                               */
    WLR_CONTACT,        /* contact before the prescription date                         */
    WLR_OUTCOME,        /* outcome (cancellation ...) before contact                    */
    WLR_OUTCOME_TIME,   /* outcome time missing for a closed booking                    */
    WLR_DUP,            /* duplicate prescription line                                  */
    WLR_KINDS
} wli_reason_t;

/* Options: the job's keys (cmd_ingest_waitlist.c: wli_configure). */
typedef struct {
    ingest_opts_t io;          /* data[], ndata, output, rejects (the env writer reads data, ndata) */
    const char *key_file, *services, *districts;
    char sep;                  /* ',', ';', '\t', or 0 = from the header                */
    int date_order;            /* WLI_*                                                  */
    int date_order_stated;     /* 1: the job states date_format (else the default dmy)  */
    double max_rejected;       /* largest share of rejected rows that is not an error   */
    int64_t t_min, t_max;      /* plausible times: [2000-01-01 Rome, run date + 2 years) */
    char run_date[16];
    int synthetic;              /* [input] synthetic: the title and attributes say so */
    const char *header[WL_NCOL]; /* the export's header name of each canonical column   */
    int verbose;
} wli_opts_t;

/* A booking on its way: the output row plus where it came from. */
typedef struct {
    wl_booking_t b;
    int32_t file, origin;      /* data file; the rank that parsed it                    */
    int64_t line, off;         /* line number in its file; byte offset (reject texts)   */
} wli_row_t;

typedef struct {
    wli_row_t *r;
    size_t n, cap;
} wli_rows_t;

/* Codes seen (provider or agenda): a string set with an index per code. */
typedef struct {
    char (*code)[WLI_CODELEN];
    int32_t n, cap;
    int32_t *slot;             /* open addressing: index + 1, 0 = empty                 */
    int32_t nslot;
} wli_codes_t;

/* Interned index of `s` (< WLI_CODELEN bytes), -1 when out of memory. */
int32_t wli_codes_add(wli_codes_t *c, const char *s);
/* Index of `s`, -1 when absent. */
int32_t wli_codes_find(const wli_codes_t *c, const char *s);
void wli_codes_free(wli_codes_t *c);

/* What the parser needs (read-only while parsing). */
typedef struct {
    const wli_opts_t *o;
    const wl_services_t *svc;
    const wl_districts_t *dist;
    regia_mac_t *mac;
    const char *reason[WLR_KINDS][WL_NCOL + 1]; /* texts; [k][WL_NCOL]: no field          */
} wli_parse_ctx_t;

/* What a rank parsed. */
typedef struct {
    wli_rows_t *to;            /* ctx->size buckets: rows for each prescription owner   */
    ingest_rejects_t rej;      /* this rank's rejects (texts without identifiers)       */
    int64_t read;              /* data rows parsed here                                  */
    wli_codes_t providers, agendas; /* codes seen here (local indices in the rows)      */
    int64_t (*range)[2];       /* [ndata] this rank's byte range of each file            */
} wli_parsed_t;

/* Fill C->reason (static texts naming the column and, when mapped, its header). */
void wli_reasons_init(wli_parse_ctx_t *C);

/* Parse a date or date-time of the export: ISO 8601 (yyyy-mm-dd[ HH:MM[:SS]][Z|+hh:mm])
 * always, dd/mm/yyyy (or mm/dd/yyyy with WLI_MDY) with an optional HH:MM[:SS]; Europe/Rome
 * local time unless the ISO form gives a zone.  0 ok, 1 not a date, 2 a date that
 * contradicts the stated order (WLI_DMY and a month > 12 ...), 3 empty. */
int wli_parse_time(const char *s, int order, int64_t *t);

/* Owner rank of a prescription pseudonym. */
int wli_rx_owner(const uint8_t rx[32], int size);

/* Collective.  Parse this rank's byte range of data file `file`: rows go to
 * P->to[wli_rx_owner], rejects to P->rej; line numbers are global (MPI_Exscan).  File
 * errors (unreadable, not text, header without a required column, over-long line) are
 * agreed on. */
regia_status_t wli_parse_file(regia_run_t *run, const wli_parse_ctx_t *C, int file, wli_parsed_t *P,
                              regia_progress_t *prog);

/* The text of a rejected line with its identifier fields blanked, from the file (the line
 * at byte `off`); NULL when out of memory.  "" when the fields cannot be told apart. */
char *wli_reject_text(const wli_parse_ctx_t *C, int file, int64_t off);

/* Collective.  Every rank's codes (c->code[0..c->n)) into one sorted table `all` (the same
 * on every rank); map[i] = the index in `all` of local code i (malloc'ed). */
regia_status_t wli_codes_global(regia_run_t *run, const wli_codes_t *c, wli_codes_t *all, int32_t **map);

/* Collective.  A per-code attribute agreed over the ranks: val[i] is this rank's value for
 * code i (-2 when it has no booking with code i, else >= -1); on return val[i] is the
 * common value, or -1 when ranks (or bookings) disagree, or -2 when no rank saw it. */
void wli_agree_attr(regia_run_t *run, int32_t *val, int32_t n);

#endif
