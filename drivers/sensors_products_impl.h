/* sensors_products_impl.h - the products of `regia sensors` (issue 12; regia_products_t in
 * domain.h): what the hook reads from the closed summary and the detail, shared by
 * sensors_products.c (the hook and summary.csv), sensors_products_read.c (reading) and
 * sensors_products_fig.c (the figures).  Internal to drivers/.  Layout of the products:
 * docs/sensors-products.md. */
#ifndef REGIA_SENSORS_PRODUCTS_IMPL_H
#define REGIA_SENSORS_PRODUCTS_IMPL_H

#include <stddef.h>

#include "domain.h"

/* The summary (sensors.nc) as the products need it.  Missing values are NaN; alert
 * levels -1 (none), 0 green, 1 yellow, 2 red. */
typedef struct {
    const char *path;
    size_t S, D, M, R;            /* structures, days, summary modes, return periods         */
    size_t L, RL;                 /* name and reason string lengths (+1 in the arrays)        */
    char cond_meanings[512];      /* alert_condition:flag_meanings (blank-separated, by bit)  */
    char *name, *kind;            /* S x (L + 1); kind "" when the file has no structure_kind */
    double *lat, *lon;            /* S, or NULL when the file has no positions               */
    double *day;                  /* D: days since 1970-01-01                                 */
    double *temp, *nov, *peak;    /* S x D                                                    */
    int *alert;                   /* S x D                                                    */
    int *cond;                    /* S x D: alert_condition bits                              */
    char *reason;                 /* S x D x (RL + 1): the summary's alert_reason, else by    */
                                  /* sp_reason_read                                           */
    double *freq, *damp;          /* S x D x M                                                */
    double *trackf;               /* S x M                                                    */
    double *thr;                  /* S                                                        */
    int *nfeat;                   /* S: summary modes (features) of each structure            */
    double *gev;                  /* S x 3: location, scale, shape                            */
    int *gev_status;              /* S                                                        */
    double *rp;                   /* R: return periods (days)                                 */
    double *rl, *rl_lo, *rl_hi;   /* S x R                                                    */
    int training_days;            /* global attribute (0: absent)                             */
    double far;                   /* novelty_threshold:false_alarm_rate (NaN: absent)         */
    char gev_meanings[256];       /* gev_status:flag_meanings (blank-separated, by value)     */
} sp_sum_t;

/* The detail (HDF5 by NetCDF-4), kept open: per-record tables are read for one
 * structure at a time (its records are contiguous: structures in order, then time). */
typedef struct {
    const char *path;
    int ncid;                     /* -1: no detail                                            */
    size_t S, NR, K, NF, P, L;
    char *name;                   /* S x (L + 1)                                              */
    int *rs;                      /* NR: structure of each record                             */
    double rec_len;               /* record length (s; 0 when absent)                         */
    double thermal_lag;           /* model_temperature's thermal_lag_hours (NaN: no such variable) */
    int ord_max;                  /* the highest SSI order (0 when absent)                    */
} sp_det_t;

/* One structure's records in the detail: [r0, r0 + n). */
typedef struct {
    size_t r0, n, K;              /* K: mode slots per record                                 */
    double *t;                    /* n: middle of the record, days since 1970                */
    int *status;                  /* n: record_status (0 identified)                          */
    double *temp, *nov;           /* n: record_temperature (measured), novelty                */
    double *tmodel;               /* n: model_temperature (record_temperature when absent)    */
    double thermal_lag;           /* its thermal_lag_hours (NaN: absent, 0: the record's mean)  */
    double *mf;                   /* n x K: mode_frequency                                    */
    int *mnum;                    /* n x K: mode_number (summary mode 1.., 0 none)            */
} sp_recs_t;

/* Per-structure statistics for the table, the risk order and the figures. */
typedef struct {
    int latest_day;               /* index of the last day with an alert level (-1 none)     */
    int latest_level;             /* the alert level of that day (-1 none)                    */
    int first_red, red_days, yellow_days;
    double max_ratio;             /* largest daily D^2 / threshold                            */
    int rank;                     /* 1 = highest risk                                         */
} sp_stat_t;

/* sensors_products_read.c; not collective, no MPI.  Read the summary: errors name the
 * file and the variable.  sp_sum_free frees what was read (also after an error). */
regia_status_t sp_sum_read(sp_sum_t *s, const char *path);
void sp_sum_free(sp_sum_t *s);
/* The alert reason sentences of every structure and day into s->reason (s->RL set): kept
 * when sp_sum_read read them from the summary's alert_reason; else the detail's
 * alert_reason (rows matched by structure name) where the detail has one (summaries
 * written before the summary had its own), else built from alert_condition ("red:
 * records_above_threshold, persistent_exceedances").  Call after sp_det_open (d->ncid may
 * be -1: no detail). */
regia_status_t sp_reason_read(sp_sum_t *s, const sp_det_t *d);
/* Open the detail and read its structure names and record_structure; d->ncid = -1 and
 * REGIA_OK when path is NULL.  sp_det_close closes and frees. */
regia_status_t sp_det_open(sp_det_t *d, const char *path);
void sp_det_close(sp_det_t *d);
/* The detail's index of structure `name`, -1 when it has none. */
int sp_det_find(const sp_det_t *d, const char *name);
/* Read structure di's records (r->* malloc'ed; sp_recs_free frees). */
regia_status_t sp_recs_read(const sp_det_t *d, int di, sp_recs_t *r);
void sp_recs_free(sp_recs_t *r);
/* Read n values of variable `name` at record `rec` (a (record, X) variable) as doubles,
 * or the row `rec` of a (structure, X) variable: out has n values. */
regia_status_t sp_det_row(const sp_det_t *d, const char *name, size_t rec, size_t n, double *out);

/* sensors_products_fig.c; not collective, no MPI (PLplot state: one figure at a time).
 * Each makes STEM.png and STEM.svg in p->dir and registers both with p->add. */
regia_status_t sp_fig_overview(regia_products_t *p, const sp_sum_t *s, const sp_stat_t *stat, const int *order);
regia_status_t sp_fig_tracks(regia_products_t *p, const sp_sum_t *s, const sp_stat_t *stat, int i,
                             const sp_recs_t *r, const char *slug);
regia_status_t sp_fig_spectrum(regia_products_t *p, const sp_sum_t *s, const sp_det_t *d, int i, int di,
                               const sp_recs_t *r, const char *slug, int *made);

/* Helpers shared by the files. */
static inline const char *sp_name(const sp_sum_t *s, size_t i) { return s->name + i * (s->L + 1); }
static inline const char *sp_kind(const sp_sum_t *s, size_t i) { return s->kind + i * (s->L + 1); }
const char *sp_level_name(int level);
/* The name of GEV status v from gev_meanings ("ok", "too_few_values" ...) in buf; the
 * number when the file names none. */
void sp_gev_status_name(const sp_sum_t *s, int v, char *buf, size_t cap);

#endif
