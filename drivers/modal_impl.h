/* modal_impl.h - `regia modal`: one record of a researcher's own file through covariance
 * SSI with automatic modes (regia/ssi.h) and FDD; internal to drivers/.  Readers in
 * modal_input.c, the output file in modal_output.c, the command in cmd_modal.c. */
#ifndef REGIA_MODAL_IMPL_H
#define REGIA_MODAL_IMPL_H

#include <stdint.h>

#include "regia/sensor_read.h"
#include "regia/ssi.h"
#include "regia/status.h"

enum { MODAL_NAME = 64 };

/* One record: nch channels of n samples at fs, channel-major (y[c * n + t]). */
typedef struct {
    int32_t nch;
    int64_t n;
    double fs;
    int64_t start_ns;              /* time of the first sample (0 when the file has none) */
    char (*name)[MODAL_NAME];      /* nch channel names                                   */
    char (*units)[MODAL_NAME];     /* nch units ("" when the file states none)            */
    double *y;
    char format[24];               /* "npy", "csv", "sensor-csv", "store", "miniseed"     */
} modal_record_t;

/* What to read from the input. */
typedef struct {
    double fs;                     /* Hz; 0: from the file (required for npy and plain CSV) */
    const char *structure;         /* store: the structure (NULL: the only one)            */
    const char *sensor;            /* store: only this sensor's channels (NULL: all)       */
    int n_channels;                /* channel selection by name or 0-based index (0: all)  */
    const char *const *channels;
    double start_s, duration_s;    /* window from the record's first sample (0: all)      */
    regia_date_order_t date_order; /* sensor export CSV: order of slash dates (0: dmy)    */
} modal_read_opts_t;

/* Read `path` by its extension (.npy; .csv/.txt; .h5/.nc/.hdf5 a sensor store;
 * .mseed/.miniseed/.msd/.seed miniSEED), select the channels and the window.  Errors name
 * the file and the channel, line or trace.  rec is zeroed here; free it with
 * modal_record_free (also after a failure). */
regia_status_t modal_read(const char *path, const modal_read_opts_t *o, modal_record_t *rec);
void modal_record_free(modal_record_t *rec);

/* FDD peaks of the record (filled when the build has FDD; n_peaks 0 otherwise). */
typedef struct {
    int have;                      /* 1: computed                                          */
    int32_t nf, nch, nperseg;
    double *freq;                  /* nf line frequencies, Hz                              */
    double *sv;                    /* nf x nch singular values of the CSD matrix           */
    int32_t n_peaks;
    double *peak_f, *peak_s1, *peak_xi; /* n_peaks (xi: EFDD, NaN where it failed)         */
    double *peak_shape;            /* n_peaks x nch complex (interleaved)                  */
    double min_prominence_db;      /* the prominence a peak needed: max(6 dB, 6.5 sd)      */
    double noise_sd_db;            /* sd of 10 log10 of the Welch estimate, dB             */
} modal_fdd_t;

/* Welch CSD (nperseg samples per segment; <= 0: the default of docs/modal.md) and FDD of
 * the record into out (freed with modal_fdd_free, also after a failure). */
regia_status_t modal_fdd(const modal_record_t *rec, int32_t nperseg, modal_fdd_t *out);
void modal_fdd_free(modal_fdd_t *d);

/* Write the NetCDF-4 / HDF5 output (atomically) for rank 0. */
regia_status_t modal_write(const char *path, const modal_record_t *rec, const int32_t *ref, int32_t nref,
                           const regia_ssi_cfg_t *cfg, const regia_ssi_result_t *res, const modal_fdd_t *fdd,
                           const char *input, const char *cmdline);

#endif
