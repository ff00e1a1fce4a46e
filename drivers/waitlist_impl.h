/* waitlist_impl.h - the waiting-list domain's data model, shared by `regia gen waitlist`,
 * `regia ingest waitlist` and `regia waitlist` (internal to drivers/).  docs/waitlist.md
 * is the user's reference of the same layouts.
 *
 * Files:
 *   data/waitlist/pngla_services.csv  the monitored services (versioned table, not code)
 *   bookings CSV (canonical layout, WL_COLUMNS) -> regia ingest waitlist -> bookings .nc
 *   districts CSV (asl_code, asl_name, district_code, district_name, population)
 *   agendas CSV   (provider, provider_name, agenda, service, district, slots_per_week,
 *                  weekdays, valid_from, valid_to)
 *   bookings .nc + agendas + districts -> regia waitlist JOBFILE -> analysis .nc
 *
 * Times are seconds since 1970-01-01 00:00:00 UTC (int64, WL_NOTIME = missing); the CSV
 * layouts hold Italian local civil time (Europe/Rome), converted on ingest.
 *
 * Ownership of the sections below: each is edited only by the module named in it.
 */
#ifndef REGIA_WAITLIST_IMPL_H
#define REGIA_WAITLIST_IMPL_H

#include <stdint.h>

#include "regia/status.h"

#define WL_NOTIME INT64_MIN

/* ---- classes, outcomes, codes (shared) ------------------------------------------------- */
enum { WL_U = 0, WL_B, WL_D, WL_P, WL_CLASSES };   /* priority classes, in priority order   */
enum { WL_CLASS_NONE = 4 };                        /* "no class given" (counts as P)        */
enum { WL_CLASS_ALL = 4, WL_CLASS_DIM = 5 };       /* output class dimension: U B D P all   */
typedef enum { WL_OUT_PENDING = 0, WL_OUT_DELIVERED, WL_OUT_CANCELLED, WL_OUT_NOSHOW,
               WL_OUT_WITHDRAWN } wl_outcome_t;
typedef enum { WL_ACCESS_FIRST = 0, WL_ACCESS_FOLLOWUP } wl_access_t;
typedef enum { WL_REGIME_SSN = 0, WL_REGIME_INTRAMOENIA } wl_regime_t;
/* What the CUP recorded about the first offer (guarantee_reason column). */
typedef enum {
    WL_REASON_NONE = 0,      /* first available slot accepted (or no refusal recorded)        */
    WL_REASON_PERSONAL,      /* first offer refused for personal reasons (PNGLA rule b)      */
    WL_REASON_CHOICE,        /* first offer refused by choice (another provider or date)     */
} wl_reason_t;
/* The clock start of a wait (the report names the one used). */
typedef enum { WL_CLOCK_PRESCRIPTION = 0, WL_CLOCK_CONTACT, WL_CLOCK_FIRST_AVAILABLE } wl_clock_t;

extern const char *const WL_CLASS_NAMES[WL_CLASS_DIM];   /* "U","B","D","P","all"            */
extern const char *const WL_OUTCOME_NAMES[5];            /* "pending","delivered",...         */
extern const char *const WL_REASON_NAMES[3];             /* "none","personal","choice"        */
extern const char *const WL_CLOCK_NAMES[3];              /* "prescription","contact","first_available" */

/* Canonical bookings CSV columns, in this order (docs/waitlist.md).  A job file's
 * [columns] section maps a region's own header names onto these. */
#define WL_COLUMNS                                                                           \
    X(patient_id) X(prescription_id) X(prescription_line) X(prescription_date)               \
    X(contact_time) X(first_available_time) X(booked_time) X(outcome) X(outcome_time)        \
    X(priority) X(access) X(service_code) X(catalogue) X(provider) X(agenda)                 \
    X(residence_asl) X(residence_district) X(provider_asl) X(provider_district) X(regime)    \
    X(guarantee) X(guarantee_reason)
enum {
#define X(c) WL_COL_##c,
    WL_COLUMNS
#undef X
    WL_NCOL
};
extern const char *const WL_COLUMN_NAMES[WL_NCOL];

/* ---- services table (owner: waitlist_services.c) ---------------------------------------
 * data/waitlist/pngla_services.csv: table_version,code_1996,code_2024,name,kind,
 * discipline,group,area_level.  kind: visit | diagnostic; area_level: district | asl (the
 * guarantee area); group: the service group limits and targets may be set for. */
/* The longest code_2024 cell: a row that stands for several PNGLA lines lists their 2024
 * codes separated by '|' (93.08.A|93.08.B|...|93.08.F, 47 characters); the width of
 * service_code_new in the bookings NetCDF (code_new_strlen). */
#define WL_CODE_NEW_LEN 64
typedef struct {
    char code[16];           /* 1996 nomenclator code as written in the table ("89.7")   */
    char code_new[WL_CODE_NEW_LEN]; /* LEA nomenclator code(s) in force since 30/12/2024:
                              * "" none, "88.93.6" one, "88.38.A|88.38.B|88.38.C" several
                              * (each maps to this row; the loader has checked the list)   */
    char name[96];
    char discipline[8];      /* branca (visits), "" for diagnostics                       */
    char group[24];
    int kind;                /* 0 visit, 1 diagnostic                                     */
    int area_level;          /* 0 district, 1 ASL                                         */
} wl_service_t;
/* An entry of the look-up index of wl_services_find: a code and the row it names. */
typedef struct {
    char code[16];
    int row;
} wl_code_ix_t;
typedef struct {
    int n;
    wl_service_t *s;
    char version[32];        /* table_version of every row (one version a file)           */
    char path[4096];
    char sha[65];
    /* built by wl_services_load, freed by wl_services_free; NULL in a table filled by
     * hand (wl_services_find then scans the rows) */
    wl_code_ix_t *ix_new;    /* every 2024 code of every row, sorted by strcasecmp (unique) */
    int n_new;
    wl_code_ix_t *ix_old;    /* the n 1996 codes, sorted by (strcmp, row)                  */
} wl_services_t;
/* Load and check the table (errors name the file and line).  code_2024 is empty, one code,
 * or several separated by '|' (blanks around each are dropped: code_new holds "A|B|C");
 * a malformed list (an empty or repeated code, a character other than letters, digits
 * and dots) is refused, and so is a 2024 code that names two rows (it is also a 2024 code
 * of another row, or another row's 1996 code): each code a booking may carry maps to one
 * row.  Not collective. */
regia_status_t wl_services_load(const char *path, wl_services_t *t);
/* Index of the service whose 1996 code + discipline or one of whose 2024 codes is `code`
 * (and, for visits sharing 89.7, `discipline` when not NULL), -1 when none.  By binary
 * search in the table's code index (O(log n); a scan of the rows when t has none).  Pure,
 * any thread. */
/* (waitlist_services.c) With discipline NULL, `code` may carry it as "89.7/08" (the form
 * the canonical bookings CSV uses for 1996 visit codes: it has no discipline column); a
 * 1996 code that several services share without a discipline ("89.7") is -1.  Blanks
 * around `code` are ignored; disciplines compare as numbers ("8" == "08"). */
int wl_services_find(const wl_services_t *t, const char *code, const char *discipline);
/* (waitlist_services.c) The same answer as wl_services_find for every argument, by a scan
 * of every row (no index: a table filled by hand, and the reference of the tests).  Pure,
 * any thread. */
int wl_services_find_scan(const wl_services_t *t, const char *code, const char *discipline);
/* (waitlist_services.c) Whether `code` is one of the 2024 codes of row `s` (its code_new
 * list; case-insensitive, `code` as given, without blanks).  Pure, any thread. */
int wl_service_has_code_new(const wl_service_t *s, const char *code);
/* (waitlist_services.c) The number of 2024 codes of row `s` (0 when code_new is empty),
 * and the k-th of them (0-based) copied into buf[cap] (NUL-terminated; "" when k is out of
 * range).  Pure, any thread; the caller owns buf. */
int wl_service_code_new_count(const wl_service_t *s);
const char *wl_service_code_new_at(const wl_service_t *s, int k, char *buf, size_t cap);
void wl_services_free(wl_services_t *t);
/* The table shipped with regia: REGIA_DATA_DIR/waitlist/pngla_services.csv (installed)
 * or data/waitlist/pngla_services.csv beside the executable's source tree. */
const char *wl_services_default_path(void);

/* ---- districts and agendas (owner: waitlist_services.c) -------------------------------- */
typedef struct {
    int n_asl, n_district;
    char (*asl_code)[16], (*asl_name)[64];
    char (*district_code)[16], (*district_name)[64];
    int *district_asl;       /* n_district: index into the ASLs                          */
    double *population;      /* n_district (NaN when not given)                           */
} wl_districts_t;
regia_status_t wl_districts_load(const char *path, wl_districts_t *d);
int wl_district_find(const wl_districts_t *d, const char *code);
void wl_districts_free(wl_districts_t *d);

typedef struct {
    int n;
    char (*provider)[32], (*provider_name)[96], (*agenda)[32];
    int *service;            /* index into the services table                             */
    int *district;           /* provider's district (index into wl_districts_t)           */
    int *slots_week;         /* weekly capacity                                           */
    uint8_t *weekdays;       /* bit d (0 = Monday) set when the agenda works that day     */
    int64_t *valid_from, *valid_to; /* seconds (UTC midnight, Europe/Rome date); to excl. */
} wl_agendas_t;
/* (waitlist_services.c) agendas CSV: service is a code as wl_services_find takes it
 * ("89.7/08", "89.7A.3", "87.41"); district a district_code; weekdays the digits of the
 * working days, 1 = Monday .. 7 = Sunday ("12345"); valid_from / valid_to YYYY-MM-DD or
 * dd/mm/yyyy, valid_to the LAST day (inclusive; empty = open-ended: valid_to INT64_MAX).
 * One agenda code may have several rows (capacity changes) with the same provider,
 * service and district that do not overlap in time. */
regia_status_t wl_agendas_load(const char *path, const wl_services_t *s, const wl_districts_t *d,
                               wl_agendas_t *a);
void wl_agendas_free(wl_agendas_t *a);

/* ---- time (owner: waitlist_services.c) -------------------------------------------------- */
/* Europe/Rome civil time (EU summer time rule) <-> UTC seconds. */
int64_t wl_rome_to_utc(int y, int mo, int d, int h, int mi, int s);
void wl_utc_to_rome(int64_t t, int *y, int *mo, int *d, int *h, int *mi, int *s);
/* Italian public holidays (national list, Easter Monday included): 1 when the Rome date is one. */
int wl_is_holiday(int y, int mo, int d);

/* ---- the bookings NetCDF written by regia ingest waitlist (owner: ingest) -------------
 * Dimensions: booking (sorted by service, residence district, contact time), service,
 * district, asl, provider, agenda, pseudonym (32 bytes).
 * Variables (names are the contract with regia waitlist):
 *   patient_pseudonym(booking, pseudonym) ubyte   HMAC-SHA-256 of the patient id
 *   prescription_pseudonym(booking, pseudonym) ubyte  HMAC of "rx:" + prescription id
 *   prescription_line(booking) int
 *   prescription_time, contact_time, first_available_time, booked_time, outcome_time
 *     (booking) int64, units "seconds since 1970-01-01 00:00:00", _FillValue WL_NOTIME
 *   outcome, priority (0..3 U B D P, 4 none), access, regime, guarantee (-1 unknown, 0, 1),
 *     guarantee_reason (booking) byte, with flag_values / flag_meanings
 *   catalogue(booking) short (1996 or 2024)
 *   service, provider, agenda, residence_district, provider_district (booking) int
 *   service_first(service), service_count(service) int64: bookings of service s are
 *     [service_first[s], service_first[s] + service_count[s])
 *   service_code, service_code_new, service_name, service_kind, service_area_level,
 *     service_group (service) string/byte; district_code, district_name (district) string,
 *     district_asl(district) int; asl_code, asl_name (asl) string; provider_code,
 *     provider_name(provider) string, provider_home_district(provider) int (named so because
 *     the booking variable is provider_district; -1 when the provider's bookings name
 *     several districts); agenda_code(agenda) string, agenda_provider(agenda) int,
 *     agenda_service(agenda) int (-1 when its bookings name several)
 *   Strings are NC_CHAR arrays, NUL-padded: service_code (service, code_strlen = 16),
 *     service_code_new (service, code_new_strlen = WL_CODE_NEW_LEN = 64: the row's
 *     2024 code(s), '|'-separated when several), service_name (service,
 *     service_name_strlen = 96), service_group (service, group_strlen = 24),
 *     district_code / asl_code (.., code_strlen), district_name / asl_name / provider_name
 *     (.., name_strlen = 64), provider_code / agenda_code (.., id_strlen = 32).
 *   service_discipline (service, discipline_strlen = 8) char, empty for diagnostics;
 *     district_population(district) double (NaN when the districts file has none);
 *   service_kind (0 visit, 1 diagnostic) and service_area_level (0 district, 1 asl) byte;
 *     agenda = -1 for a booking without an agenda; catalogue as written (1996 or 2024)
 *   Since 2026-12 (for CDO 2.1, docs/waitlist-ingest.md; regia waitlist needs none of it):
 *     time(time = 1) double, the run date in days since 1970 (the file's time axis);
 *     asl_districts(asl) int; the string tables have _Encoding "utf-8" and are the
 *     `coordinates` of their dimension's numeric variables.
 * Global attributes: services_table_version, services_table_sha256, pseudonymisation
 * ("HMAC-SHA-256"), pseudonym_key_id (16 hex digits of SHA-256("regia key id" || key)),
 * rows_read, rows_kept, rows_rejected, and the usual ACDD + provenance. */
typedef struct {
    uint8_t patient[32], rx[32];
    int32_t rx_line;
    int64_t t_rx, t_contact, t_first, t_booked, t_outcome;
    int8_t outcome, klass, access, regime, guarantee, reason;
    int16_t catalogue;
    int32_t service, provider, agenda, res_district, prov_district;
} wl_booking_t;

#endif
