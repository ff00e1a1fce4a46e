/* Daily alerts of one structure (contract and rule: include/regia/alerts.h; the rule is
 * also documented for users in docs/sensors-methods.md). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/alerts.h"

void regia_alert_defaults(regia_alert_cfg_t *cfg)
{
    cfg->min_valid = 1;
    cfg->yellow_records = 3;
    cfg->red_window = 3;
    cfg->red_days = 2;
    cfg->red_records = 12;
    cfg->modes_min = 2;
    cfg->z_mode = 3.0;
    cfg->modes_records = 6;
}

regia_status_t regia_alert_check_cfg(const regia_alert_cfg_t *c)
{
#define BAD(...) return REGIA_FAIL(REGIA_ERR_INVALID, "alert rule: " __VA_ARGS__)
    if (c->min_valid < 1) BAD("min_valid = %d must be >= 1", (int)c->min_valid);
    if (c->yellow_records < 1) BAD("yellow_records = %d must be >= 1", (int)c->yellow_records);
    if (c->red_window < 1 || c->red_window > 366) BAD("red_window = %d outside 1..366 days", (int)c->red_window);
    if (c->red_days < 1 || c->red_days > c->red_window)
        BAD("red_days = %d outside 1..red_window (%d)", (int)c->red_days, (int)c->red_window);
    if (c->red_records < 1) BAD("red_records = %d must be >= 1", (int)c->red_records);
    if (c->modes_min < 1) BAD("modes_min = %d must be >= 1", (int)c->modes_min);
    if (!(c->z_mode > 0) || isinf(c->z_mode)) BAD("z_mode = %g must be > 0", c->z_mode);
    if (c->modes_records < 1) BAD("modes_records = %d must be >= 1", (int)c->modes_records);
#undef BAD
    return REGIA_OK;
}

const char *regia_alert_level_name(int32_t level)
{
    switch (level) {
    case REGIA_ALERT_NONE: return "none";
    case REGIA_ALERT_GREEN: return "green";
    case REGIA_ALERT_YELLOW: return "yellow";
    case REGIA_ALERT_RED: return "red";
    default: return "?";
    }
}

/* Do at least modes_min frequencies of this record agree (all <= -z or all >= z)? */
static int modes_agree(const double *z, int32_t p, const regia_alert_cfg_t *c)
{
    int32_t down = 0, up = 0;
    for (int32_t j = 0; j < p; j++) {
        if (z[j] <= -c->z_mode) down++;
        else if (z[j] >= c->z_mode) up++;
    }
    return down >= c->modes_min || up >= c->modes_min;
}

static void append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

void regia_alert_reason(regia_alert_day_t *o, const regia_alert_cfg_t *cfg, double threshold, const char *what)
{
    regia_alert_cfg_t def;
    if (!cfg) regia_alert_defaults(&def), cfg = &def;
    if (!what) what = "valid records";
    char *rs = o->reason;
    rs[0] = '\0';
    if (o->level == REGIA_ALERT_NONE) {
        append(rs, REGIA_ALERT_REASON_LEN, "none: %d %s of %d (need %d)", (int)o->n_valid, what, (int)o->n_records,
               (int)cfg->min_valid);
        return;
    }
    append(rs, REGIA_ALERT_REASON_LEN, "%s: %d of %d %s above D2 threshold %.4g", regia_alert_level_name(o->level),
           (int)o->n_exceed, (int)o->n_valid, what, threshold);
    if (o->code & REGIA_ALERT_C_PERSIST)
        append(rs, REGIA_ALERT_REASON_LEN, "; %d above on %d of the last %d days (rule: >= %d over >= %d days)",
               (int)o->window_exceed, (int)o->window_days, (int)cfg->red_window, (int)cfg->red_records,
               (int)cfg->red_days);
    if (o->code & REGIA_ALERT_C_MODES)
        append(rs, REGIA_ALERT_REASON_LEN, "; %d with >= %d modes agreeing beyond %g sigma", (int)o->n_modes_agree,
               (int)cfg->modes_min, cfg->z_mode);
    if ((o->code & REGIA_ALERT_C_EXCEED) && o->level == REGIA_ALERT_YELLOW)
        append(rs, REGIA_ALERT_REASON_LEN, " (yellow at >= %d)", (int)cfg->yellow_records);
    if (o->code & REGIA_ALERT_C_EWMA)
        append(rs, REGIA_ALERT_REASON_LEN, "; EWMA signal on %d record%s", (int)o->ewma_signals,
               o->ewma_signals == 1 ? "" : "s");
    if (o->code & REGIA_ALERT_C_CUSUM)
        append(rs, REGIA_ALERT_REASON_LEN, "; CUSUM signal on %d record%s", (int)o->cusum_signals,
               o->cusum_signals == 1 ? "" : "s");
}

regia_status_t regia_alerts_daily(const int32_t *day, const uint8_t *valid, const double *d2, int64_t n_rec,
                                  double threshold, const uint8_t *ewma, const uint8_t *cusum,
                                  const double *zres, int32_t p, int32_t day0, int32_t n_days,
                                  const regia_alert_cfg_t *cfg, regia_alert_day_t *out)
{
    regia_alert_cfg_t def;
    if (!cfg) regia_alert_defaults(&def), cfg = &def;
    regia_status_t st = regia_alert_check_cfg(cfg);
    if (st != REGIA_OK) return st;
    if (n_days < 0 || (n_days > 0 && !out))
        return REGIA_FAIL(REGIA_ERR_INVALID, "alerts: %d days asked", (int)n_days);
    if (n_rec < 0 || (n_rec > 0 && (!day || !valid || !d2)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "alerts: bad record arrays (%lld records)", (long long)n_rec);
    if (!isfinite(threshold)) return REGIA_FAIL(REGIA_ERR_INVALID, "alerts: the D2 threshold is not finite");
    if (p < 0) return REGIA_FAIL(REGIA_ERR_INVALID, "alerts: p = %d frequencies", (int)p);
    if (!zres) p = 0;
    for (int32_t i = 0; i < n_days; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].day = day0 + i;
        out[i].d2_max = NAN;
    }
    for (int64_t r = 0; r < n_rec; r++) {
        int64_t i = (int64_t)day[r] - day0;
        if (i < 0 || i >= n_days) continue;
        regia_alert_day_t *o = &out[i];
        o->n_records++;
        if (!valid[r] || !isfinite(d2[r])) continue;
        o->n_valid++;
        if (!(o->d2_max >= d2[r])) o->d2_max = d2[r];
        if (ewma && ewma[r]) o->ewma_signals++;
        if (cusum && cusum[r]) o->cusum_signals++;
        if (d2[r] > threshold) {
            o->n_exceed++;
            if (p > 0 && modes_agree(zres + r * p, p, cfg)) o->n_modes_agree++;
        }
    }
    for (int32_t i = 0; i < n_days; i++) {
        regia_alert_day_t *o = &out[i];
        if (o->n_valid < cfg->min_valid) {
            o->level = REGIA_ALERT_NONE;
            o->code = REGIA_ALERT_C_NODATA;
            continue;
        }
        uint32_t code = 0;
        if (o->n_exceed >= cfg->yellow_records) code |= REGIA_ALERT_C_EXCEED;
        if (o->ewma_signals) code |= REGIA_ALERT_C_EWMA;
        if (o->cusum_signals) code |= REGIA_ALERT_C_CUSUM;
        int32_t wdays = 0, wsum = 0, wfirst = i - cfg->red_window + 1;
        for (int32_t k = wfirst < 0 ? 0 : wfirst; k <= i; k++)
            if (out[k].n_exceed >= cfg->yellow_records) wdays++, wsum += out[k].n_exceed;
        o->window_days = wdays;
        o->window_exceed = wsum;
        if ((code & REGIA_ALERT_C_EXCEED) && wdays >= cfg->red_days && wsum >= cfg->red_records)
            code |= REGIA_ALERT_C_PERSIST;
        if (p > 0 && o->n_modes_agree >= cfg->modes_records) code |= REGIA_ALERT_C_MODES;
        o->code = code;
        o->level = (code & (REGIA_ALERT_C_PERSIST | REGIA_ALERT_C_MODES)) ? REGIA_ALERT_RED
                   : code ? REGIA_ALERT_YELLOW : REGIA_ALERT_GREEN;
    }
    for (int32_t i = 0; i < n_days; i++) {
        regia_alert_day_t *o = &out[i];
        regia_alert_reason(o, cfg, threshold, NULL);
        if (o->n_valid < o->n_records)
            append(o->reason, REGIA_ALERT_REASON_LEN, "; %d record%s left out (quality flags or no score)",
                   (int)(o->n_records - o->n_valid), o->n_records - o->n_valid == 1 ? "" : "s");
    }
    return REGIA_OK;
}
