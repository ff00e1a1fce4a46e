/* EU air-quality rule sets and daily statistics for the environmental driver.
 * Directive 2008/50/EC and Directive (EU) 2024/2881 (limits applying from 2030); see
 * docs/env.md (Annex I of 2024/2881, ELI http://data.europa.eu/eli/dir/2024/2881/oj).  The 2030
 * allowances (18 days) are still to be checked line by line against that text. */
#include <math.h>
#include <string.h>

#include "env_impl.h"
#include "regia/timeutil.h"

#define PM10_SN "mass_concentration_of_pm10_ambient_aerosol_particles_in_air"
#define PM25_SN "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air"
#define NO2_SN "mass_concentration_of_nitrogen_dioxide_in_air"
#define O3_SN "mass_concentration_of_ozone_in_air"
#define SO2_SN "mass_concentration_of_sulfur_dioxide_in_air"

static const env_rule_t EU2008[] = {
    {"pm10", "PM10", PM10_SN, ENV_DAILY_MEAN, 50, 35, 40},
    {"pm2p5", "PM2.5", PM25_SN, ENV_DAILY_MEAN, NAN, 0, 25}, /* annual limit only */
    {"no2", "NO2", NO2_SN, ENV_DAILY_MAX_HOUR, 200, 18, 40},
    {"o3", "O3", O3_SN, ENV_DAILY_MAX_8H, 120, 25, NAN}, /* target value, 25 days (3-year mean) */
    {"so2", "SO2", SO2_SN, ENV_DAILY_MEAN, 125, 3, NAN},
    {NULL, NULL, NULL, 0, 0, 0, 0},
};

static const env_rule_t EU2030[] = {
    {"pm10", "PM10", PM10_SN, ENV_DAILY_MEAN, 45, 18, 20},
    {"pm2p5", "PM2.5", PM25_SN, ENV_DAILY_MEAN, 25, 18, 10},
    {"no2", "NO2", NO2_SN, ENV_DAILY_MEAN, 50, 18, 20},
    {"o3", "O3", O3_SN, ENV_DAILY_MAX_8H, 120, 25, NAN},
    {"so2", "SO2", SO2_SN, ENV_DAILY_MEAN, 50, 18, 20},
    {NULL, NULL, NULL, 0, 0, 0, 0},
};

const env_rule_t *env_rule(const char *rules, const char *pollutant)
{
    const env_rule_t *t = !strcmp(rules, "eu2008") ? EU2008 : !strcmp(rules, "eu2030") ? EU2030 : NULL;
    for (; t && t->name; t++)
        if (!strcmp(t->name, pollutant)) return t;
    return NULL;
}

const char *env_stat_name(env_stat_t s)
{
    switch (s) {
    case ENV_DAILY_MEAN: return "daily mean";
    case ENV_DAILY_MAX_HOUR: return "daily maximum hourly value";
    case ENV_DAILY_MAX_8H: return "maximum daily 8-hour running mean";
    }
    return "?";
}

static double hour_value(const float *hours, const signed char *qc, int64_t nhours, int64_t i)
{
    if (i < 0 || i >= nhours) return NAN;
    if (qc && qc[i] != 0) return NAN; /* not validated or missing */
    return hours[i];
}

void env_daily_from_hourly(const float *hours, const signed char *qc, int64_t hour0, int64_t nhours,
                           int64_t day0, int ndays, env_stat_t stat, double min_frac, double *out)
{
    for (int d = 0; d < ndays; d++) {
        /* local day D covers UTC hours 24*D - 1 .. 24*D + 22 */
        int64_t first = (day0 + d) * 24 - 1 - hour0;
        int valid = 0;
        double acc = 0, best = -INFINITY;
        if (stat == ENV_DAILY_MAX_8H) {
            /* the 24 running means ending in each hour of the day (Directive 2008/50, Annex VII) */
            for (int h = 0; h < 24; h++) {
                int n8 = 0;
                double s8 = 0;
                for (int k = 0; k < 8; k++) {
                    double v = hour_value(hours, qc, nhours, first + h - k);
                    if (!isnan(v)) { s8 += v; n8++; }
                }
                if (n8 >= 6) { valid++; if (s8 / n8 > best) best = s8 / n8; }
            }
            out[d] = valid >= ceil(min_frac * 24) ? best : NAN;
            continue;
        }
        for (int h = 0; h < 24; h++) {
            double v = hour_value(hours, qc, nhours, first + h);
            if (isnan(v)) continue;
            valid++;
            acc += v;
            if (v > best) best = v;
        }
        if (valid < ceil(min_frac * 24)) out[d] = NAN;
        else out[d] = stat == ENV_DAILY_MEAN ? acc / valid : best;
    }
}
