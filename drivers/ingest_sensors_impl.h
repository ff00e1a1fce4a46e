/* ingest_sensors_impl.h - what the pieces of `regia ingest sensors` share (internal to
 * drivers/).
 *
 *   cmd_ingest_sensors.c    the domain (domain.h): schema, files as items (cost = size),
 *                           the gather of trace metadata, the report NetCDF, the sensor
 *                           store (H4's writer, regia/sensor_store.h) and the rejects CSV
 *   ingest_sensors_file.c   one input file -> named traces (CSV, miniSEED, an existing
 *                           store), the map file
 * No MPI call in either: collectives go through the skeleton's helpers (regia_run_*). */
#ifndef REGIA_INGEST_SENSORS_IMPL_H
#define REGIA_INGEST_SENSORS_IMPL_H

#include <stdint.h>

#include "ingest_env_impl.h"
#include "regia/sensor_read.h"
#include "regia/sensor_store.h"

#define ISN_MAX_FILES INGEST_MAX_FILES

enum { ISN_CSV, ISN_MSEED, ISN_STORE };

/* One line of the map file: a source pattern and what it becomes. */
typedef struct {
    char pattern[128];                 /* fnmatch(3) pattern                              */
    char structure[REGIA_SS_NAME], sensor[REGIA_SS_NAME], channel[REGIA_SS_NAME];
    char units[24];                    /* miniSEED: physical units of the counts          */
    double calibration;                /* miniSEED: counts per unit (0: none)             */
    int has_position;
    double position[3];
    int line;
} isn_map_entry_t;

typedef struct {
    isn_map_entry_t *e;
    int n;
    char path[4096];
} isn_map_t;

/* Options: the job's keys. */
typedef struct {
    const char *output, *rejects, *structure, *sensor, *structure_kind;
    const char *data[ISN_MAX_FILES];
    int ndata;
    regia_sensor_csv_opts_t csv;
    double max_rejected;               /* share (0..1)                                    */
} isn_opts_t;

/* One trace as the store will hold it, with what the ingest measured (travels between
 * ranks as plain bytes). */
typedef struct {
    regia_trace_meta_t m;
    char source[64];                   /* column, NET.STA.LOC.CHA or the store's variable */
    int32_t file, idx;                 /* input file; the trace's index in it            */
    int32_t overlap, pad;
    int64_t n_stamps, n_nan, longest_nan;
    double jitter_rms_s, jitter_max_s;
} isn_trace_t;

/* What one file gave. */
typedef struct {
    isn_trace_t *t;
    double **x;                        /* t[i]'s samples (SI), n = t[i].m.n               */
    int nt;
    int format;                        /* ISN_*                                           */
    int synthetic;                     /* a store that says its data are synthetic        */
    regia_sensor_reject_t *rej;
    size_t nrej;
    int64_t read, kept;
    double jitter_rms_s, jitter_max_s;
} isn_file_t;

/* Read the map file (lines "PATTERN = STRUCTURE/SENSOR[/CHANNEL] [units=U]
 * [calibration=C] [position=X,Y,Z]"; '#' comments; an optional [map] header).  Errors name
 * the file and line. */
regia_status_t isn_map_load(const char *path, isn_map_t *map);
void isn_map_free(isn_map_t *map);

/* Read input file k (o->data[k]) into *f: its format from its first bytes (HDF5 signature:
 * a store; a miniSEED record header: miniSEED; else CSV), its traces named (map entry,
 * then the options, then what the file says) and converted to the store's units.  Errors
 * name the file and the trace. */
regia_status_t isn_read_file(const isn_opts_t *o, const isn_map_t *map, int k, isn_file_t *f);
void isn_file_free(isn_file_t *f);

#endif
