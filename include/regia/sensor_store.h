/* regia/sensor_store.h - the sensor store: high-rate structural-monitoring records in
 * NetCDF-4 / HDF5 files (layout: docs/sensors.md).
 *
 * A store is one file or a directory of files (every *.h5 and *.nc in it, in name order);
 * each file holds one or more structures:
 *   /STRUCTURE                      group, attributes structure_kind, description
 *   /STRUCTURE/SENSOR               group
 *   /STRUCTURE/SENSOR/TRACE         one float32 variable per continuous gap-free piece of
 *                                   one channel, chunked and deflated, named after ASDF
 *                                   (NET.STA.LOC.CHA__START__END__TAG with NET = structure,
 *                                   STA = sensor, LOC empty, CHA = channel name), with the
 *                                   attributes sampling_rate (f64, Hz), starttime (i64, ns
 *                                   since 1970-01-01 UTC), units, calibration, position,
 *                                   orientation, channel, kind
 *   /truth/STRUCTURE                synthetic data only: the true modal parameters per
 *                                   record, the damage time and size, the injected faults.
 * The names "truth" (a root group) and the group names of the structures and sensors are
 * NetCDF names: letters, digits, '_', '-', '+', '.', '@' (first one a letter or digit).
 *
 * Time of sample k of a trace: start_ns + round(k * 1e9 / fs) ns.
 *
 * Reading (regia_ss_open ...): host-only, no MPI, not collective; each rank may open the
 * same store independently.  A store handle is not thread-safe (NetCDF-C is not).
 * Writing (regia_ss_create ...): serial (comm = MPI_COMM_NULL) or collective over comm
 * (NetCDF-4 parallel I/O; every rank makes the same define calls in the same order, and
 * every write call is collective: ranks with nothing to write pass n = 0).
 * Every error names the file (and the trace or structure) it concerns.
 */
#ifndef REGIA_SENSOR_STORE_H
#define REGIA_SENSOR_STORE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    REGIA_SS_NAME = 64,    /* structure, sensor and channel names (with the NUL)        */
    REGIA_SS_UNITS = 32,   /* units string                                              */
    REGIA_SS_VARNAME = 256 /* the trace's variable name (NC_MAX_NAME + 1)               */
};

/* What a channel measures. */
typedef enum {
    REGIA_SENSOR_ACCEL = 0,      /* acceleration, m/s^2 ("m s-2")                         */
    REGIA_SENSOR_TEMPERATURE,    /* degree Celsius ("degC")                               */
    REGIA_SENSOR_INCLINATION,    /* milliradian ("mrad")                                  */
    REGIA_SENSOR_HUMIDITY,       /* relative humidity, percent ("percent")                */
    REGIA_SENSOR_OTHER,
    REGIA_SENSOR_NKINDS
} regia_sensor_kind_t;

/* "accel", "temperature", "inclination", "humidity", "other" (the `kind` attribute). */
const char *regia_sensor_kind_name(regia_sensor_kind_t k);
/* Inverse of regia_sensor_kind_name; -1 for an unknown name. */
int regia_sensor_kind_parse(const char *name);

/* Metadata of one trace.  Samples are stored in `units` (physical units: the reader
 * never rescales); `calibration` is the recorder's sensitivity that converted raw counts
 * to units (counts per unit), 1 when the data never were counts; it is information only.
 * position: m, in the structure's frame (x along the span or the building's first axis,
 * z up); orientation: unit vector of the sensitive axis in the same frame (0,0,0 for a
 * scalar channel such as temperature). */
typedef struct {
    char structure[REGIA_SS_NAME];
    char sensor[REGIA_SS_NAME];
    char channel[REGIA_SS_NAME];      /* "x", "y", "z", "temperature", "inclination_x", ... */
    char tag[REGIA_SS_NAME];          /* ASDF tag: "raw_recording" (generator and ingest)   */
    char name[REGIA_SS_VARNAME];      /* the variable name (set by the store)               */
    regia_sensor_kind_t kind;
    char units[REGIA_SS_UNITS];
    double fs;                        /* sampling rate, Hz (> 0)                            */
    int64_t start_ns;                 /* first sample, ns since 1970-01-01T00:00:00 UTC     */
    int64_t n;                        /* number of samples (>= 1)                           */
    double calibration;
    double position[3];
    double orientation[3];
    int file;                         /* index of the file in the store (set by the store)  */
} regia_trace_meta_t;

/* Time (ns) just after the last sample: start_ns + round(n * 1e9 / fs). */
int64_t regia_trace_end_ns(const regia_trace_meta_t *m);

/* The ASDF-style variable name of a trace into out (cap >= REGIA_SS_VARNAME):
 * "STRUCTURE.SENSOR..CHANNEL__2026-03-01T00:00:00.000000__2026-03-01T00:09:59.990000__TAG"
 * (start and time of the last sample, UTC, microseconds).  REGIA_ERR_INVALID when a name
 * is empty, holds '/', or the result is too long. */
regia_status_t regia_trace_varname(const regia_trace_meta_t *m, char *out, size_t cap);

/* ---- reading ---------------------------------------------------------------------- */

typedef struct regia_sensor_store regia_sensor_store_t;

/* Open a store read-only: a file or a directory of *.h5 / *.nc files.  Reads every
 * file's metadata (no samples) and lists the traces sorted by structure, sensor,
 * channel, start time.  Errors (REGIA_ERR_IO / _NETCDF / _INVALID) name the file, and
 * the variable or attribute: a truncated or non-HDF5 file, a trace without
 * sampling_rate, a sampling_rate that is not a positive finite f64, a starttime that is
 * not an int64, an unknown kind, two structures of the same name in two files.
 * Not collective.  *out owned by the caller (regia_ss_close). */
regia_status_t regia_ss_open(const char *path, regia_sensor_store_t **out);
void regia_ss_close(regia_sensor_store_t *s);

/* The path given to regia_ss_open and the number of files and their paths. */
const char *regia_ss_path(const regia_sensor_store_t *s);
int regia_ss_nfiles(const regia_sensor_store_t *s);
const char *regia_ss_file(const regia_sensor_store_t *s, int i);

/* 1 when every file of the store says synthetic (global attribute synthetic = 1), else 0. */
int regia_ss_synthetic(const regia_sensor_store_t *s);

/* Traces: 0 <= i < regia_ss_ntraces(s), in the sorted order above.  The pointer is
 * valid until regia_ss_close. */
size_t regia_ss_ntraces(const regia_sensor_store_t *s);
const regia_trace_meta_t *regia_ss_trace(const regia_sensor_store_t *s, size_t i);

/* Structures (sorted by name) and their kind attribute ("bridge", "building", or ""),
 * sensors of a structure (sorted), channels of a sensor (sorted).  Names are valid
 * until regia_ss_close; an unknown structure or sensor gives 0. */
int regia_ss_nstructures(const regia_sensor_store_t *s);
const char *regia_ss_structure(const regia_sensor_store_t *s, int i);
const char *regia_ss_structure_kind(const regia_sensor_store_t *s, int i);
int regia_ss_nsensors(const regia_sensor_store_t *s, const char *structure);
const char *regia_ss_sensor(const regia_sensor_store_t *s, const char *structure, int j);
int regia_ss_nchannels(const regia_sensor_store_t *s, const char *structure, const char *sensor);
const char *regia_ss_channel(const regia_sensor_store_t *s, const char *structure, const char *sensor, int k);

/* Indices of the traces of (structure, sensor, channel) that overlap [t0_ns, t1_ns), in
 * time order; any of the three names may be NULL (= all).  Writes at most cap indices
 * to idx (idx may be NULL with cap 0) and returns how many there are in all. */
size_t regia_ss_find(const regia_sensor_store_t *s, const char *structure, const char *sensor,
                     const char *channel, int64_t t0_ns, int64_t t1_ns, size_t *idx, size_t cap);

/* Read samples k0 .. k0 + n - 1 of trace i into out (host, n doubles).  The range must lie
 * within the trace (REGIA_ERR_INVALID otherwise, naming the trace and the file). */
regia_status_t regia_ss_read(regia_sensor_store_t *s, size_t i, int64_t k0, int64_t n, double *out);

/* Read the samples of trace i whose times lie in [t0_ns, t1_ns): *k0 and *n are the first
 * sample and how many (n may be 0); at most cap are written to out (REGIA_ERR_INVALID when
 * cap is too small; *n is then the number needed). */
regia_status_t regia_ss_read_window(regia_sensor_store_t *s, size_t i, int64_t t0_ns, int64_t t1_ns, double *out,
                                    size_t cap, int64_t *k0, int64_t *n);

/* Assemble n samples of one channel on the grid t0_ns + round(k * 1e9 / fs) from its
 * traces: a sample whose grid time falls within a trace (to half a sample) takes that
 * trace's sample, others are NaN (gaps).  Traces of the channel with another sampling
 * rate are an error.  *covered (may be NULL) = number of non-NaN samples written. */
regia_status_t regia_ss_read_channel(regia_sensor_store_t *s, const char *structure, const char *sensor,
                                     const char *channel, int64_t t0_ns, double fs, int64_t n, double *out,
                                     int64_t *covered);

/* ---- the truth of synthetic data --------------------------------------------------- */

/* Kinds of injected sensor faults (the truth's fault_kind; flag_meanings in the file). */
typedef enum {
    REGIA_FAULT_SPIKE = 1,  /* value: spike amplitude (units); start = end = its sample     */
    REGIA_FAULT_FLAT,       /* value: the stuck value                                       */
    REGIA_FAULT_CLIP,       /* value: the full-scale level (|x| clipped to it)              */
    REGIA_FAULT_GAP,        /* no samples in [start, end): the trace is split               */
    REGIA_FAULT_DRIFT,      /* value: drift rate (units per day) from start                 */
    REGIA_FAULT_DEAD,       /* value: the remaining gain (e.g. 1e-3)                        */
    REGIA_FAULT_CLOCK,      /* value: the sensor's clock offset (s; its stamps are late by
                               value: true time = stamped time - value), for the whole run */
    REGIA_FAULT_NKINDS
} regia_fault_kind_t;
const char *regia_fault_kind_name(regia_fault_kind_t k); /* "spike", "flat", ... */

typedef struct {
    char sensor[REGIA_SS_NAME];
    char channel[REGIA_SS_NAME];  /* "" for all channels of the sensor (clock, dead)     */
    int kind;                     /* regia_fault_kind_t                                  */
    int64_t start_ns, end_ns;     /* [start, end); end = start for one sample            */
    double value;
} regia_ss_fault_t;

/* Truth of one structure.  Records r = 0..nrec-1 start at time_ns[r] (ns, UTC); modes
 * m = 0..nmodes-1 have freq[r*nmodes + m] (Hz) and damping[r*nmodes + m] (ratio) during
 * record r; temperature[r] (degC) is the structure's effective temperature then.  Mode
 * shapes (real, unit max-norm) over the nch acceleration channels named chan[c]
 * ("SENSOR/CHANNEL"): shape[m*nch + c].  damage_ns: the time the damage starts
 * (INT64_MIN: none), damage_loss: stiffness loss (fraction, 0 without damage). */
typedef struct {
    char structure[REGIA_SS_NAME];
    int nrec, nmodes, nch, nfaults;
    int64_t *time_ns;
    double *temperature;
    double *freq, *damping;
    char (*chan)[2 * REGIA_SS_NAME];
    double *shape;
    int64_t damage_ns;
    double damage_loss;
    regia_ss_fault_t *faults;
} regia_ss_truth_t;

/* Allocate the arrays of t for the given sizes (zeroed; damage_ns = INT64_MIN). */
regia_status_t regia_ss_truth_alloc(regia_ss_truth_t *t, int nrec, int nmodes, int nch, int nfaults);
void regia_ss_truth_free(regia_ss_truth_t *t);

/* Read the truth of `structure` into *t (the caller frees it with regia_ss_truth_free).
 * *present = 0 (and t zeroed) when the store has none for it. */
regia_status_t regia_ss_truth_read(regia_sensor_store_t *s, const char *structure, regia_ss_truth_t *t,
                                   int *present);

/* ---- writing ------------------------------------------------------------------------ */

typedef struct regia_ss_writer regia_ss_writer_t;

/* Global attributes of a new file. */
typedef struct {
    const char *title;       /* e.g. "Synthetic structural monitoring records"          */
    const char *source;      /* e.g. "regia gen sensors 0.9 (synthetic)" or the recorder  */
    const char *history;     /* the command line, may be NULL                            */
    int synthetic;           /* 1: made up by a generator (attribute synthetic = 1)      */
} regia_ss_file_info_t;

/* Create (overwrite) path in define mode.  comm = MPI_COMM_NULL: serial; otherwise
 * collective over comm (nc_create_par; all ranks pass the same path and info).
 * *out owned by the caller (regia_ss_writer_close). */
regia_status_t regia_ss_create(const char *path, MPI_Comm comm, const regia_ss_file_info_t *info,
                               regia_ss_writer_t **out);

/* Define mode, collective.  A structure group with its kind ("bridge", "building") and
 * a free description (may be NULL).  Defining traces of a structure needs it first. */
regia_status_t regia_ss_def_structure(regia_ss_writer_t *w, const char *structure, const char *kind,
                                      const char *description);

/* Define mode, collective.  A trace variable from m (structure, sensor, channel, tag,
 * kind, units, fs, start_ns, n, calibration, position, orientation; name and file are
 * ignored): the sensor group is created on first use; float32, chunked (at most 65536
 * samples a chunk, or regia_ss_set_chunk's), deflate level 1 with shuffle, no chunk
 * cache (each write compresses its chunks at once).  *id: the trace's number in this
 * writer (0, 1, ...).  Errors: an undefined structure, fs or n not positive, a name that
 * clashes with a trace already defined. */
regia_status_t regia_ss_def_trace(regia_ss_writer_t *w, const regia_trace_meta_t *m, int *id);

/* Not collective (every rank passes the same).  Chunk length (samples) of the traces
 * defined from now on: at most this many samples a chunk (default 65536; 0 restores the
 * default).  A writer that writes a long trace record by record passes the record
 * length, so that each write fills whole chunks. */
void regia_ss_set_chunk(regia_ss_writer_t *w, int64_t samples);

/* Define mode, collective.  The truth variables of `structure` with these sizes (the
 * group /truth/STRUCTURE) and its damage (damage_ns = INT64_MIN: none; damage_loss:
 * stiffness loss, fraction), which every rank passes alike.  *id: the truth's number in
 * this writer. */
regia_status_t regia_ss_def_truth(regia_ss_writer_t *w, const char *structure, int nrec, int nmodes, int nch,
                                  int nfaults, int64_t damage_ns, double damage_loss, int *id);

/* Leave define mode (collective). */
regia_status_t regia_ss_enddef(regia_ss_writer_t *w);

/* Data mode, collective when parallel: every rank calls it for the same id in the same
 * order.  Writes samples k0 .. k0 + n - 1 of trace id from x (host doubles, converted to
 * float32); a rank with nothing to write passes n = 0 (x may be NULL). */
regia_status_t regia_ss_write(regia_ss_writer_t *w, int id, int64_t k0, int64_t n, const double *x);

/* Data mode, collective when parallel.  Write the truth `id` from t (sizes as defined);
 * exactly one rank passes t, the others NULL. */
regia_status_t regia_ss_put_truth(regia_ss_writer_t *w, int id, const regia_ss_truth_t *t);

/* Close the file (collective when parallel) and free w.  On an error path pass
 * abort_file = 1: the file is closed and removed (by rank 0 of comm). */
regia_status_t regia_ss_writer_close(regia_ss_writer_t *w, int abort_file);

#ifdef __cplusplus
}
#endif
#endif
