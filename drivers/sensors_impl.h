/* sensors_impl.h - `regia sensors JOBFILE`, the structural-sensor domain of the run
 * protocol (domain.h, run.c).  Internal to drivers/.
 *
 *   sensor store (.h5, docs/sensors.md) -> index: structures, their acceleration channels
 *   and traces; items = records (one structure x one window of [records] length seconds),
 *   cost = samples x channels -> [skeleton: cost-balanced contiguous blocks of records]
 *   -> read: each rank the samples of its records (and the mean temperature of each
 *   record from the slow channels) -> per record: quality flags, Welch PSD and CSD, FDD,
 *   covariance SSI with automatic mode grouping (checkpointed per record) -> after the
 *   block loop, per structure (every rank, on the gathered per-record results): mode
 *   tracking, temperature compensation and novelty, alerts, GEV of daily peaks -> the
 *   CF-1.10/ACDD-1.3 summary per structure and day (sensors_summary.c) and the HDF5
 *   detail per record (sensors_detail.c).
 *
 * Every record's result depends only on its own samples and the job; the per-structure
 * analysis runs on every rank over all records in global order: the data variables are
 * the same at any rank count.
 *
 * Files: sensors_job.c (schema, configure), sensors_index.c (store index, read),
 * sensors_record.c (per-record compute), sensors_post.c (per-structure analysis),
 * sensors_summary.c (the NetCDF summary), sensors_detail.c (the HDF5 detail),
 * sensors_submit_step.c (regia submit), cmd_sensors.c (the domain table).
 */
#ifndef REGIA_SENSORS_IMPL_H
#define REGIA_SENSORS_IMPL_H

#include <stdint.h>

#include "domain.h"
#include "regia/alerts.h"
#include "regia/fdd.h"
#include "regia/modal_track.h"
#include "regia/novelty.h"
#include "regia/sensor_qc.h"
#include "regia/ssi.h"
#include "regia/welch.h"

enum {
    SN_NAME = 96,            /* structure, sensor and channel names in the outputs (with NUL) */
    SN_REASON = REGIA_ALERT_REASON_LEN, /* alert reason strings                               */
    SN_ALERT_C_STIFFENING = 1 << 6, /* alert condition: red demoted, frequencies above the model */
    SN_ALERT_C_NOT_SCORED = 1 << 7, /* alert condition: no novelty model for the structure     */
    SN_MAX_PERIODS = 8,      /* return periods                                              */
    SN_MAX_CH = 96,          /* acceleration channels of one structure                      */
};

/* Record status (sn_rec_t.status; detail variable record_status). */
enum {
    SN_REC_OK = 0,           /* identified: at least one mode                                */
    SN_REC_NO_MODES = 1,     /* analysed, but no stable mode                                 */
    SN_REC_QC = 2,           /* left out: too few channels passed the quality flags          */
    SN_REC_NO_DATA = 3,      /* no (or too little) data in the window                        */
};

/* One structure of the store (every rank holds all). */
typedef struct {
    char name[SN_NAME];
    int nch;                  /* acceleration channels analysed                             */
    int ch0;                  /* first of them in sn_t.ch                                   */
    int temp_ch;              /* its temperature channel in sn_t.ch (-1: none)              */
    double fs;                /* sampling rate of its acceleration channels (Hz)            */
    int64_t ns;               /* samples per record and channel                             */
    int64_t rec0, nrec;       /* its records [rec0, rec0 + nrec) of the global index        */
    int64_t t0_ns;            /* start of its first record (ns since 1970, UTC)             */
    double lat, lon, alt;     /* position when the store gives it (NaN otherwise)           */
    char kind[32];            /* the store's structure_kind ("bridge", "building"; "" none) */
} sn_struct_t;

/* One channel (acceleration or temperature) and the traces that hold it. */
typedef struct {
    char sensor[SN_NAME], channel[SN_NAME], units[32];
    int structure;
    int kind;                 /* regia_sensor_kind of the store                             */
    int first_trace, n_trace; /* its traces in sn_t.trace (time order)                      */
    double fs;
} sn_chan_t;

/* Per-record scalars (checkpointed; gathered for the per-structure analysis). */
typedef struct {
    int64_t start_ns;         /* window start                                               */
    int32_t structure, status, flags, n_ch, n_ch_ok, n_modes, n_poles, n_fdd;
    double rms, peak, coverage;
    double temperature;       /* mean of the temperature channel over the record (degC)     */
    double temp_model;        /* the model's: the same, or through [novelty] thermal_lag    */
} sn_rec_t;

/* The domain's state (run->dom->state_size). */
typedef struct sn {
    regia_job_t *job;
    const char *output, *detail, *store;
    char detail_buf[4200];
    /* [records] */
    double rec_s, min_coverage, min_channels_ok;
    /* the kernels' configurations (fs set per structure) */
    regia_welch_cfg_t welch;
    int welch_batch;          /* [welch] batch_records: records per Welch op call           */
    regia_ssi_cfg_t ssi;
    regia_fdd_cfg_t fdd;
    regia_qc_cfg_t qc;
    regia_track_cfg_t track_cfg;
    regia_comp_cfg_t comp;
    regia_alert_cfg_t alert;
    int max_modes, chart;      /* chart: 0 none, 1 ewma, 2 cusum                             */
    double clock_tol, clock_agree, min_share, ewma_lambda, ewma_L, cusum_k, cusum_h;
    double offset_limit;      /* [qc] offset_drift: m s-2 (0: no offset-drift check)        */
    double offset_baseline_h; /* [qc] offset_baseline: hours of first records for its baseline */
    int training_days;
    double thermal_lag_h;     /* [novelty] thermal_lag: hours (0: the record's mean)        */
    const char *comp_model;
    /* [risk] */
    int block_days, n_periods;
    double periods[SN_MAX_PERIODS], level;
    /* index */
    int n_struct, n_chan, n_trace;
    sn_struct_t *st;
    sn_chan_t *ch;
    void *trace;              /* store trace metadata (sensors_index.c)                     */
    void *store_h;            /* the open store (sensors_index.c)                           */
    int n_files;              /* files of the store                                         */
    char (*file_sha)[65];     /* their SHA-256                                              */
    int C;                    /* most acceleration channels of one structure                */
    int NF;                   /* frequency lines of the spectra (nfft / 2 + 1)              */
    int K;                    /* mode slots per record (max_modes)                          */
    int P;                    /* pole slots per record (the stabilisation diagram)          */
    int64_t n_rec, max_samples; /* records; most samples of one record and channel          */
    int64_t *rec_start;       /* n_rec: start of each record (ns since 1970, UTC)           */
    int32_t *rec_struct;      /* n_rec: its structure                                       */
    int has_position;         /* the store gives the structures' latitude and longitude     */
    int64_t day0, n_day;      /* the summary's days (days since 1970)                       */
    /* this rank's shard */
    int64_t r0, nr;
    regia_backend_t *be;
    /* per-record results (shard) */
    sn_rec_t *rec;
    int32_t *ch_flags;        /* nr x C                                                      */
    float *ch_rms, *ch_peak;  /* nr x C                                                      */
    float *ch_lag;            /* nr x C: clock offset to the reference sensor (s; NaN: none)  */
    double *ch_off;           /* nr x C: the channel's median (DC offset, m s-2; NaN: flat,
                                 dead or short, not judged for offset drift)                */
    float *psd;               /* nr x C x NF                                                 */
    float *s1;                /* nr x NF: first singular value of the CSD matrix            */
    double *mode;             /* nr x K x 6: f, f_std, xi, xi_std, mac_spread, n_poles        */
    double *shape;            /* nr x K x C x 2: mode shape (re, im), unit norm             */
    double *fdd_f;            /* nr x K: FDD peak frequencies                                */
    float *pole;              /* nr x P x 5: order, f, xi, mpc, mpd                          */
    int32_t *pole_i;          /* nr x P x 3: flags, mode, reason                             */
    /* per-structure analysis (every rank: all records, all structures) */
    sn_rec_t *all_rec;        /* n_rec                                                       */
    double *all_mode;         /* n_rec x K x 6                                               */
    double *all_shape;        /* n_rec x K x C x 2                                           */
    int n_track_max;          /* most tracks of a structure (the summary's mode dimension)  */
    int32_t *track;           /* n_rec x K: the track of each mode slot (-1: none)           */
    int32_t *n_track;         /* n_struct                                                    */
    double *track_f;          /* n_struct x n_track_max: mean frequency of each track        */
    double *novelty;          /* n_rec: D^2 of the record (NaN: not scored)                  */
    double *chart_stat;       /* n_rec: control-chart statistic                              */
    double *threshold;        /* n_struct: the D^2 threshold at false_alarm                  */
    int32_t *n_features;      /* n_struct: tracks used as features                           */
    /* summary per structure x day */
    double *d_rms, *d_peak, *d_temp, *d_nov, *d_chart;   /* n_struct x n_day                 */
    double *d_freq, *d_damp;                              /* n_struct x n_day x n_track_max   */
    int32_t *d_nrec, *d_nleft, *d_flags;                  /* n_struct x n_day                 */
    signed char *d_alert;                                 /* n_struct x n_day                 */
    char *d_reason;                                       /* n_struct x n_day x SN_REASON     */
    int32_t *d_code;          /* n_struct x n_day: regia_alert_code_t bits of the day's alert,
                                 | SN_ALERT_C_STIFFENING | SN_ALERT_C_NOT_SCORED (summary's
                                 alert_condition)                                          */
    /* GEV of the block maxima of the daily peaks, per structure */
    double *gev;              /* n_struct x 6: mu, sigma, xi and their standard errors       */
    int32_t *gev_n, *gev_status;
    double *rl, *rl_lo, *rl_hi; /* n_struct x n_periods                                      */
    int64_t first_red;        /* for the report: first red day over all structures (-1)     */
    int32_t *mode_number;     /* n_rec x K: summary mode (1..) of each mode slot, 0: none     */
    int32_t *n_tracks_all;    /* n_struct: tracks the tracker made                           */
    int32_t *n_ev;            /* n_struct x 4: track events new, lost, split, found          */
    int32_t *summary_track;   /* n_struct x K: the tracker's id of summary mode j            */
    char (*why)[256];         /* n_struct: why a structure was not scored, or a note on its
                               * features when it was ("" when none)                        */
    regia_alert_day_t *alert_days; /* 2 x n_day: one structure's alerts (scratch)            */
    int32_t *model_used;      /* n_struct: the compensation model fitted (regia_comp_model_t) */
    /* output ids */
    int v[64];
    char t0[32], t1[32];
    int synthetic;
} sn_t;

/* sensors_job.c */
extern const regia_job_key_t regia_sensors_schema[];
regia_status_t sn_configure(regia_run_t *run, void *self);

/* sensors_index.c */
regia_status_t sn_index(regia_run_t *run, void *self);
regia_status_t sn_allocate(regia_run_t *run, void *self);
regia_status_t sn_read(regia_run_t *run, void *self);
void sn_index_release(sn_t *s);

/* sensors_record.c */
regia_status_t sn_prepare(regia_run_t *run, void *self);
regia_status_t sn_compute(regia_run_t *run, void *self, int64_t k0, int64_t n);
int sn_result_arrays(void *self, regia_item_array_t *a);

/* The CF flag_masks / flag_meanings of the quality-flag bits on variable vid. */
regia_status_t sn_qc_flag_atts(int ncid, int vid);

/* sensors_post.c: collective (gathers the per-record results), then local */
regia_status_t sn_post(regia_run_t *run, void *self);

/* sensors_summary.c */
regia_status_t sn_define(regia_run_t *run, void *self, int ncid);
void sn_acdd(regia_run_t *run, void *self, void *acdd);
regia_status_t sn_write(regia_run_t *run, void *self, int ncid);

/* sensors_detail.c */
regia_status_t sn_write_detail(regia_run_t *run, void *self, int i, const char *tmp_path);

/* sensors_products.c: the products hook (regia_products_t; rank 0, no MPI) */
regia_status_t sn_products(regia_products_t *p);

/* sensors_submit_step.c */
int sn_prestep(const regia_job_t *job, void (*add)(void *arg, const char *word), void *arg);

/* Record r's day (days since 1970, UTC) from its start. */
static inline int64_t sn_day_of(int64_t start_ns)
{
    int64_t s = start_ns >= 0 ? start_ns / 1000000000LL : -((-start_ns + 999999999LL) / 1000000000LL);
    return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

#endif
