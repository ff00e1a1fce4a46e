/* env_aq.h - the air-quality indicators of regia env beside the forecasts (internal to
 * drivers/): runs of days over the daily limit, the annual mean so far, the hours of O3
 * over the information and alert thresholds, and provincial aggregates.  Pure functions
 * on host arrays: no MPI, no I/O. */
#ifndef REGIA_ENV_AQ_H
#define REGIA_ENV_AQ_H

#include <stddef.h>
#include <stdint.h>

#include "regia/status.h"

enum {
    ENV_AQ_O3_INFORMATION = 180, /* ug m-3, hourly: information threshold (2008/50/EC Annex XII) */
    ENV_AQ_O3_ALERT = 240,       /* ug m-3, hourly: alert threshold                              */
    ENV_AQ_TRIGGER_DAYS = 4      /* Lombardy's first-level temporary measures: 4 days over 50    */
};

/* Days over `limit` in a row ending at y[n - 1] (a missing day, NaN, ends the run);
 * 0 when the limit is NaN or y[n - 1] is not over it. */
int env_aq_run_ending(const double *y, int n, double limit);

/* Mean of the valid (non-NaN) values of y[0 .. n); *valid = their count; NaN when none. */
double env_aq_mean(const double *y, int64_t n, int *valid);

/* Hours with a valid (qc 0, or qc NULL) value above `threshold` among hours[i] for i in
 * [first, last) (indices into the array of nhours values; clipped to it). */
int env_aq_hours_over(const float *hours, const signed char *qc, int64_t nhours, int64_t first, int64_t last,
                      double threshold);

/* The distinct names of names[0 .. n) (each name_len bytes, NUL padded), in the order of
 * first appearance: *n_distinct of them copied to distinct (n x name_len bytes, caller's),
 * of_item[i] = the index of names[i] among them. */
void env_aq_distinct(const char *names, int64_t n, size_t name_len, char *distinct, int *n_distinct, int *of_item);

/* Mean over the items of each group: out[g * m + j] = mean of the non-NaN x[i * m + j]
 * with group[i] = g (NaN when none), for n items of m values and n_groups groups.
 * sum and cnt: scratch of n_groups * m doubles and ints. */
void env_aq_group_mean(const double *x, int64_t n, int m, const int *group, int n_groups, double *sum, int *cnt,
                       double *out);

/* "Milano Senato (p = 0.93), Bergamo (p = 0.71), ..." into buf (cap bytes): the items
 * whose p[i] >= threshold, highest p first (ties by index), names of name_len bytes;
 * at most max_names named, then "and K more".  Returns the count of such items.
 * order: scratch of n ints. */
int64_t env_aq_list_at_risk(const double *p, const char *names, int64_t n, size_t name_len, double threshold,
                            int max_names, int64_t *order, char *buf, size_t cap);

#endif
