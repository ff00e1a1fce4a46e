/* regia/sensor_read.h - readers of structural-sensor exports: CSV (a time column and
 * channel columns with units in the header) and miniSEED (libmseed 2), into traces of
 * SI samples.  Host only; nothing here is collective; every function is thread-safe
 * except regia_mseed_read (libmseed 2's log handlers are process-wide: one call at a time).
 *
 * A trace is one continuous, gap-free, uniformly sampled piece of one channel.  Readers
 * split a channel into several traces at gaps (and, for miniSEED, at overlaps) and never
 * merge or drop samples silently: what they could not use is either a reject (a CSV line,
 * a miniSEED record, with its number and reason) or an error naming the file and trace.
 *
 * Units: a fixed table (regia_sensor_unit) maps the units a file states onto the SI (or
 * customary) unit of its quantity; samples are converted on reading.
 */
#ifndef REGIA_SENSOR_READ_H
#define REGIA_SENSOR_READ_H

#include <stddef.h>
#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- units ------------------------------------------------------------------------- */

typedef enum {
    REGIA_QTY_ACCEL,        /* acceleration, stored in m s-2                            */
    REGIA_QTY_TEMPERATURE,  /* temperature, stored in degC                              */
    REGIA_QTY_INCLINATION,  /* inclination (tilt), stored in mrad                       */
    REGIA_QTY_HUMIDITY,     /* relative humidity, stored in percent                     */
    REGIA_QTY_DISPLACEMENT, /* displacement, stored in m                                */
    REGIA_QTY_VELOCITY,     /* velocity, stored in m s-1                                */
    REGIA_QTY_STRAIN,       /* strain, stored as 1 (dimensionless)                      */
    REGIA_QTY_COUNTS,       /* raw digitiser counts (miniSEED without a calibration)    */
    REGIA_QTY_N
} regia_quantity_t;

typedef struct {
    const char *name;       /* as written in a file: "m/s2", "g", "degC", "%RH" ...      */
    const char *si;         /* the stored unit (UDUNITS spelling): "m s-2", "degC" ...   */
    double scale, offset;   /* stored = value * scale + offset                           */
    regia_quantity_t qty;
} regia_unit_t;

/* Look up `name` (blanks around it ignored, case-sensitive: "mg" is not "Mg").  Returns 1
 * and fills *u when the table knows it, 0 otherwise. */
int regia_sensor_unit(const char *name, regia_unit_t *u);
/* The accepted names, comma-separated, for error messages (a static string). */
const char *regia_sensor_unit_names(void);
/* Short name of a quantity ("acceleration", "temperature" ...). */
const char *regia_quantity_name(regia_quantity_t q);

/* ---- traces ------------------------------------------------------------------------ */

typedef struct {
    char source[64];        /* miniSEED: NET.STA.LOC.CHA; CSV: the column's name         */
    char net[12], sta[12], loc[12], cha[12]; /* miniSEED codes ("" for CSV)             */
    char channel[48];       /* the channel's name (CSV column without its unit; CHA)     */
    char units_in[24];      /* units as the file states them ("counts" for miniSEED)     */
    char units[16];         /* units of x (regia_unit_t.si)                              */
    regia_quantity_t qty;
    double fs;              /* sampling rate, Hz                                         */
    int64_t start_ns;       /* time of the first sample, ns since 1970-01-01 UTC         */
    int64_t n;              /* samples                                                   */
    double *x;              /* n samples (owned by the list)                             */
    int64_t n_nan;          /* NaN samples in x (missing values kept as NaN)             */
    int64_t longest_nan;    /* longest run of NaN                                        */
    /* CSV: deviation of the time stamps from the uniform grid the trace was resampled on */
    int64_t n_stamps;       /* time stamps that went into the trace                      */
    double jitter_rms_s, jitter_max_s;
    int overlap;            /* miniSEED: this trace starts before the previous one ended */
} regia_sensor_trace_t;

/* A rejected CSV line or miniSEED record. */
typedef struct {
    int64_t where;          /* CSV: line number (1-based); miniSEED: record number (1-based) */
    int64_t offset;         /* byte offset of the line / record in the file               */
    char reason[160];
} regia_sensor_reject_t;

typedef struct {
    regia_sensor_trace_t *t;
    size_t n, cap;
    regia_sensor_reject_t *rej;
    size_t nrej, caprej;
    int64_t units_read;     /* CSV data lines / miniSEED records read (= kept + rejected) */
    int64_t units_kept;
    /* the file's own statement of things, when it has them (CSV comment lines) */
    char structure[64], sensor[64];
    double stated_fs;       /* 0 when not stated                                         */
    /* CSV: over every stamp of the file */
    double jitter_rms_s, jitter_max_s;
} regia_sensor_file_t;

/* Free the traces and rejects of F (F itself is the caller's) and zero it. */
void regia_sensor_file_free(regia_sensor_file_t *F);

/* ---- CSV exports --------------------------------------------------------------------
 * Layout:
 *   # structure: bridge_a          optional comment lines before the header:
 *   # sensor: s01                  structure, sensor, sampling_rate (Hz; a trailing "Hz"
 *   # sampling_rate: 200           is allowed); other comment lines are ignored
 *   time,acc_x [m/s2],acc_y [m/s2],temp [degC]
 *   2024-03-01T00:00:00.000Z,0.0012,-0.0031,12.5
 * The first column holds the time stamps; every other column is a channel whose header
 * is NAME [UNITS] (units from regia_sensor_unit).  Separator ',' ';' or tab (from the
 * header).  Time stamps: ISO 8601 (2024-03-01T00:00:00.005, 'T' or a blank, optional Z)
 * or dd/mm/yyyy hh:mm:ss[.fff] (mm/dd/yyyy with REGIA_DATE_MDY); up to 9 decimals.
 * Rules (errors name the file, the line and the column/trace):
 *   - a slash date whose month field exceeds 12 under the stated order, or a run of time
 *     stamps that goes back under the stated order but increases steadily under the other
 *     one, is an error saying which order the file's dates follow: never a guess;
 *   - a line that cannot be read (field count, bad number, bad date, a time stamp not
 *     after the one before) is a reject; too many rejects is the caller's decision;
 *   - the rate: the stated one (option or comment) must agree with the mean step of the
 *     time stamps (steps over 3 times the median left out as gaps) within rate_tol, else an
 *     error giving both; without a stated rate, the mean step's, rounded to a whole number
 *     of Hz when within rate_tol of it;
 *   - a step longer than gap_factor / fs starts a new trace (a gap), unless the next step
 *     is shorter than (1 - 2 max_jitter) / fs: a stamp off its place, an error;
 *   - each piece is resampled onto the uniform grid t0 + k / fs by linear interpolation
 *     between the two stamps around each grid time (the nearest stamp beyond the ends);
 *     t0 is the time of the first stamp on the straight line fitted through the stamps by
 *     least squares (time against the stamp's number), k runs to the grid point nearest
 *     the last stamp; the deviation of each stamp from that line is the jitter (rms and
 *     max, per trace and per file); a max above max_jitter / fs is an error (the stamps
 *     are too irregular to resample);
 *   - missing values (empty, NA, NaN) stay NaN; a run longer than max_nan_run samples in a
 *     channel is an error naming the channel and the lines. */
typedef enum { REGIA_DATE_DMY, REGIA_DATE_MDY, REGIA_DATE_ISO } regia_date_order_t;

typedef struct {
    regia_date_order_t date_order; /* order of slash dates (ISO always accepted)          */
    double fs;              /* stated rate, Hz (0: the file's comment, else the stamps)   */
    double rate_tol;        /* relative tolerance of the stated rate (default 0.01)       */
    double gap_factor;      /* a step > gap_factor / fs is a gap (default 1.5)            */
    double max_jitter;      /* largest deviation from the grid, in sample intervals (0.25) */
    int64_t max_nan_run;    /* longest accepted run of missing values (default 100)       */
} regia_sensor_csv_opts_t;

/* The defaults above. */
void regia_sensor_csv_defaults(regia_sensor_csv_opts_t *o);

/* Read CSV export `path` into F (zeroed by the caller).  On error F holds what was read
 * so far (free it).  REGIA_ERR_IO, REGIA_ERR_PARSE, REGIA_ERR_INVALID, REGIA_ERR_NOMEM. */
regia_status_t regia_sensor_csv_read(const char *path, const regia_sensor_csv_opts_t *o, regia_sensor_file_t *F);
/* The same on a buffer already in memory (`name` is used in messages). */
regia_status_t regia_sensor_csv_parse(const char *name, const char *buf, size_t len, const regia_sensor_csv_opts_t *o,
                                      regia_sensor_file_t *F);

/* ---- miniSEED ------------------------------------------------------------------------
 * Every record of `path` (SEED 2.4 data records, any record length libmseed detects) is
 * parsed and decoded with libmseed 2; a record that libmseed refuses (not SEED, bad
 * header, wrong length, unknown encoding, bad Steim compression flags), that ends before
 * its stated length (truncated file), whose decoded sample count differs from its header,
 * or whose Steim frames fail libmseed's integrity check (first/last sample against the
 * integration constants) is rejected with its number, byte offset and reason, and reading
 * goes on at the next record.  Records of one source are joined into traces in time
 * order with libmseed's trace list (mstl_addmsr, default time tolerance of half a sample);
 * a gap or an overlap starts a new trace (overlap = 1 on a trace that starts before the
 * end of the one before).  Samples are counts (qty REGIA_QTY_COUNTS) unless the caller
 * calibrates them.  A file with no readable record is an error naming it and the first
 * record's reason. */
regia_status_t regia_mseed_read(const char *path, regia_sensor_file_t *F);

/* Write samples x[0..n) (int32 counts) of one source as miniSEED records of `reclen`
 * bytes (256..8192, a power of 2) with `encoding` (DE_STEIM1 10, DE_STEIM2 11, DE_INT32 3)
 * to `path`, appended when `append` is 1.  For test fixtures and exports.  Returns the
 * records written in *nrec (may be NULL). */
regia_status_t regia_mseed_write(const char *path, int append, const char *net, const char *sta, const char *loc,
                                 const char *cha, int64_t start_ns, double fs, const int32_t *x, int64_t n,
                                 int reclen, int encoding, int64_t *nrec);

#ifdef __cplusplus
}
#endif
#endif
