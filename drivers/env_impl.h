/* env_impl.h - the environmental driver's rule sets and daily statistics (internal). */
#ifndef REGIA_ENV_IMPL_H
#define REGIA_ENV_IMPL_H

#include <stdint.h>

typedef enum { ENV_DAILY_MEAN, ENV_DAILY_MAX_HOUR, ENV_DAILY_MAX_8H } env_stat_t;

/* One pollutant under one rule set: the daily statistic the limit applies to, the limit
 * (NaN: no daily limit, forecast only) and the allowed exceedance days per year. */
typedef struct {
    const char *name;        /* variable in the ingested file: pm10, pm2p5, no2, o3, so2 */
    const char *label;       /* "PM10"                                                    */
    const char *standard_name;
    env_stat_t stat;
    double limit;            /* ug m-3                                                    */
    int allowed;             /* exceedance days allowed per calendar year                 */
    double annual;           /* annual limit value, ug m-3 (NaN: none)                    */
} env_rule_t;

/* The rule of `pollutant` in rule set `rules` ("eu2008" or "eu2030"); NULL if unknown. */
const env_rule_t *env_rule(const char *rules, const char *pollutant);
const char *env_stat_name(env_stat_t s);

/* Daily statistic for `ndays` local days from hourly values.  hours[h] is the value of
 * the hour starting at UTC hour index h0 + h (NaN missing; qc 1 excluded), covering
 * local days day0 .. day0 + ndays - 1 (UTC+1: local day of hour t = floor((t + 1) / 24)).
 * A day is valid with at least min_frac of its hourly values (or 8-hour means) valid;
 * 8-hour running means need 6 of 8 hours.  out[d] is NaN for invalid days. */
void env_daily_from_hourly(const float *hours, const signed char *qc, int64_t hour0, int64_t nhours,
                           int64_t day0, int ndays, env_stat_t stat, double min_frac, double *out);

#endif
