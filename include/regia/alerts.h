/* regia/alerts.h - daily green / yellow / red alerts of one structure from its records'
 * novelty scores (kernels/alerts.c).  The rule is documented in docs/sensors-methods.md
 * ("Quality flags, tracking, compensation, novelty and alerts").
 *
 * Kernel layer: no MPI, no file I/O, no globals; host pointers; thread-safe.
 *
 * Input per record r (n_rec records of one structure, any order): day[r] (integer day,
 * e.g. days since 1970-01-01 UTC), valid[r] (nonzero: the record passed quality control
 * and has a novelty score; others are not counted anywhere), d2[r] (Mahalanobis D^2, NaN =
 * none: not valid), the threshold; optional ewma[r] / cusum[r] chart signals (1 = out of
 * control; NULL = none), optional zres[r*p + j] (standardised residual of frequency j;
 * NULL or p = 0 = none).
 *
 * Rule, for each day d of [day0, day0 + n_days):
 *   valid records V(d), exceedances E(d) = valid records with d2 > threshold;
 *   mode agreement A(d) = exceedances in which at least modes_min frequencies have
 *     zres <= -z_mode (all of them dropping, the damage direction) or all >= z_mode;
 *   NONE   (level -1) when V(d) < min_valid (code NODATA);
 *   YELLOW when E(d) >= yellow_records (code EXCEED), or an EWMA signal on a valid record
 *          of the day (code EWMA), or a CUSUM signal (code CUSUM);
 *   RED    when E(d) >= yellow_records and, over the window of the last red_window days
 *          (d - red_window + 1 .. d, days before day0 unseen), at least red_days days have
 *          E >= yellow_records and their E sum to at least red_records (code PERSIST), or
 *          when A(d) >= modes_records (code MODES; needs zres);
 *   GREEN  otherwise.
 * code = OR of every condition that held (so a red day also says EXCEED etc.); reason =
 * one English sentence with the counts, e.g.
 *   "red: 31 of 44 valid records above D2 threshold 11.3 on 3 of the last 3 days (rule:
 *    >= 12 records over >= 2 days); 2 records with >= 2 modes agreeing".
 */
#ifndef REGIA_ALERTS_H
#define REGIA_ALERTS_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    REGIA_ALERT_NONE = -1,   /* too few valid records that day                             */
    REGIA_ALERT_GREEN = 0,
    REGIA_ALERT_YELLOW = 1,
    REGIA_ALERT_RED = 2
} regia_alert_level_t;

typedef enum {
    REGIA_ALERT_C_NODATA  = 1u << 0,
    REGIA_ALERT_C_EXCEED  = 1u << 1,
    REGIA_ALERT_C_EWMA    = 1u << 2,
    REGIA_ALERT_C_CUSUM   = 1u << 3,
    REGIA_ALERT_C_PERSIST = 1u << 4,
    REGIA_ALERT_C_MODES   = 1u << 5
} regia_alert_code_t;

typedef struct {
    int32_t min_valid;       /* fewest valid records for a level (1)                      */
    int32_t yellow_records;  /* a: exceedances in a day for YELLOW (3)                    */
    int32_t red_window;      /* W: days looked back for RED, today included (3)           */
    int32_t red_days;        /* c: days in the window with >= a exceedances (2)           */
    int32_t red_records;     /* b: exceedances summed over those days (12)                */
    int32_t modes_min;       /* frequencies that must agree (2)                           */
    double z_mode;           /* |zres| of agreeing frequencies (3)                        */
    int32_t modes_records;   /* exceedances with agreeing modes in a day for RED (6)      */
} regia_alert_cfg_t;

void regia_alert_defaults(regia_alert_cfg_t *cfg);
regia_status_t regia_alert_check_cfg(const regia_alert_cfg_t *cfg);

#define REGIA_ALERT_REASON_LEN 320

typedef struct {
    int32_t day;
    int32_t level;           /* regia_alert_level_t                                       */
    uint32_t code;           /* regia_alert_code_t bits                                   */
    int32_t n_records;       /* records of the day                                        */
    int32_t n_valid;
    int32_t n_exceed;
    int32_t n_modes_agree;
    int32_t ewma_signals, cusum_signals; /* valid records of the day with a signal        */
    double d2_max;           /* largest D^2 of the valid records (NaN when none)           */
    int32_t window_days;     /* days of the red window with >= yellow_records exceedances  */
    int32_t window_exceed;   /* exceedances summed over those days                         */
    char reason[REGIA_ALERT_REASON_LEN];
} regia_alert_day_t;

/* Daily alerts of one structure (see the rule above).  Records whose day is outside
 * [day0, day0 + n_days) are ignored.  out: n_days entries, out[i].day = day0 + i.
 * REGIA_ERR_INVALID for a bad cfg, n_days < 0, a non-finite threshold, or p < 0. */
regia_status_t regia_alerts_daily(const int32_t *day, const uint8_t *valid, const double *d2, int64_t n_rec,
                                  double threshold, const uint8_t *ewma, const uint8_t *cusum,
                                  const double *zres, int32_t p, int32_t day0, int32_t n_days,
                                  const regia_alert_cfg_t *cfg, regia_alert_day_t *out);

/* The sentence of a day (o->reason) from its level, code and counts: "LEVEL: E of N WHAT
 * above D2 threshold T" and a clause per condition of the rule (persistence, modes, yellow
 * threshold, EWMA, CUSUM), or "none: N WHAT of M (need K)".  what: the records counted,
 * NULL for "valid records".  regia_alerts_daily writes it and adds the records left out;
 * a caller that counts records differently (a subset, its own reasons for leaving records
 * out) writes it again.  cfg NULL: the defaults. */
void regia_alert_reason(regia_alert_day_t *o, const regia_alert_cfg_t *cfg, double threshold, const char *what);

/* "none", "green", "yellow", "red" ("?" for other values). */
const char *regia_alert_level_name(int32_t level);

#ifdef __cplusplus
}
#endif
#endif
