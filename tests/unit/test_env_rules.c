/* test_env_rules.c - the environmental driver's daily statistics and EU rule tables
 * (drivers/env_rules.c, declared in drivers/env_impl.h).
 *
 * Local days are UTC+1: the hour starting at UTC hour index t belongs to local day
 * floor((t + 1) / 24), so local day D is UTC hours 24 D - 1 .. 24 D + 22.  The buffers
 * below start PRE = 7 hours before the first local day, as the driver reads them (the
 * 8-hour mean ending in the first hour of a day needs the 7 hours before it), and carry
 * TRAIL hours after the last day; both are filled with values that must never count.
 * Expected values are worked out by hand in the comments. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "../../drivers/env_impl.h"

enum { PRE = 7, TRAIL = 8, MAXD = 4, NH = PRE + 24 * MAXD + TRAIL };
static const int64_t D0 = 19367; /* 2023-01-10 */

static float v[NH];
static signed char q[NH];

/* Buffer index of hour h (0..23) of local day d (0-based from D0). */
static int at(int d, int h) { return PRE + 24 * d + h; }

static void reset(float day_value_fill, float outside)
{
    for (int i = 0; i < NH; i++) { v[i] = outside; q[i] = 0; }
    for (int i = PRE; i < PRE + 24 * MAXD; i++) v[i] = day_value_fill;
}

/* One statistic for days D0 .. D0 + ndays - 1 from the whole buffer. */
static void run(env_stat_t stat, int ndays, double *out)
{
    env_daily_from_hourly(v, q, 24 * D0 - 1 - PRE, NH, D0, ndays, stat, 0.75, out);
}

static double one(env_stat_t stat)
{
    double out[MAXD];
    run(stat, 1, out);
    return out[0];
}

/* --- an independent reference, straight from the documented rules ------------------- */
static double ref_value(const float *x, const signed char *qc, int64_t hour0, int64_t n, int64_t t)
{
    int64_t i = t - hour0;
    if (i < 0 || i >= n || (qc && qc[i] != 0)) return NAN;
    return x[i];
}

static double ref_daily(const float *x, const signed char *qc, int64_t hour0, int64_t n, int64_t day, env_stat_t stat)
{
    int valid = 0;
    double sum = 0, best = -INFINITY;
    /* every UTC hour t with floor((t + 1) / 24) == day */
    for (int64_t t = 24 * day - 30; t < 24 * day + 30; t++) {
        int64_t tp = t + 1, ld = tp >= 0 ? tp / 24 : -((-tp + 23) / 24);
        if (ld != day) continue;
        if (stat == ENV_DAILY_MAX_8H) {
            int n8 = 0;
            double s8 = 0;
            for (int64_t k = t - 7; k <= t; k++) {
                double y = ref_value(x, qc, hour0, n, k);
                if (!isnan(y)) { n8++; s8 += y; }
            }
            if (n8 >= 6) { valid++; if (s8 / n8 > best) best = s8 / n8; }
        } else {
            double y = ref_value(x, qc, hour0, n, t);
            if (isnan(y)) continue;
            valid++;
            sum += y;
            if (y > best) best = y;
        }
    }
    if (valid < 18) return NAN;
    return stat == ENV_DAILY_MEAN ? sum / valid : best;
}

static void test_mean(void)
{
    /* all 24 hours valid, values 1..24: mean 300 / 24 = 12.5; the hours before and after
     * the day hold 1000 and must not count */
    reset(0, 1000);
    for (int h = 0; h < 24; h++) v[at(0, h)] = (float)(h + 1);
    CHECK_CLOSE(one(ENV_DAILY_MEAN), 12.5, 0, 1e-12);
    /* the first hour of the next day (UTC 23:00 of D0) is not part of D0 */
    v[at(1, 0)] = 1000;
    CHECK_CLOSE(one(ENV_DAILY_MEAN), 12.5, 0, 1e-12);

    /* 18 valid hours (75 %): hours 18..23 missing, mean of 1..18 = 171 / 18 = 9.5 */
    for (int h = 18; h < 24; h++) v[at(0, h)] = NAN;
    CHECK_CLOSE(one(ENV_DAILY_MEAN), 9.5, 0, 1e-12);
    /* 17 valid hours: not a valid day */
    v[at(0, 17)] = NAN;
    CHECK(isnan(one(ENV_DAILY_MEAN)));
    CHECK(isnan(one(ENV_DAILY_MAX_HOUR)));

    /* not-validated hours (qc 1) and missing flags (qc -1) are excluded like NaN: qc 1 on
     * hours 0..4 and -1 on hour 5 (values 1..6) leaves 7..24: (300 - 21) / 18 = 15.5 */
    reset(0, 1000);
    for (int h = 0; h < 24; h++) v[at(0, h)] = (float)(h + 1);
    for (int h = 0; h < 5; h++) q[at(0, h)] = 1;
    q[at(0, 5)] = -1;
    CHECK_CLOSE(one(ENV_DAILY_MEAN), 15.5, 0, 1e-12);
    q[at(0, 6)] = 1; /* 17 validated hours */
    CHECK(isnan(one(ENV_DAILY_MEAN)));
    /* a huge not-validated value changes nothing */
    q[at(0, 6)] = 0;
    v[at(0, 3)] = 5000;
    CHECK_CLOSE(one(ENV_DAILY_MEAN), 15.5, 0, 1e-12);
    /* qc NULL: every finite value counts */
    double out[MAXD];
    reset(2, 1000);
    env_daily_from_hourly(v, NULL, 24 * D0 - 1 - PRE, NH, D0, 1, ENV_DAILY_MEAN, 0.75, out);
    CHECK_CLOSE(out[0], 2.0, 0, 1e-12);
    /* min_frac is honoured: at 0.5, 12 hours are enough; 11 are not */
    reset(4, 1000);
    for (int h = 0; h < 12; h++) v[at(0, h)] = NAN;
    env_daily_from_hourly(v, q, 24 * D0 - 1 - PRE, NH, D0, 1, ENV_DAILY_MEAN, 0.5, out);
    CHECK_CLOSE(out[0], 4.0, 0, 1e-12);
    v[at(0, 12)] = NAN;
    env_daily_from_hourly(v, q, 24 * D0 - 1 - PRE, NH, D0, 1, ENV_DAILY_MEAN, 0.5, out);
    CHECK(isnan(out[0]));
}

static void test_local_day(void)
{
    /* The buffer starts at UTC midnight of D0 (hour0 = 24 D0).  Local day D0 is UTC
     * 23:00 of D0-1 .. 22:00 of D0: buffer indices -1..22, so index -1 is outside the
     * buffer and D0 has 23 hours; index 23 (UTC 23:00 of D0) is the first hour of D0+1.
     * Index 23 holds 240 and every other hour 0: D0 mean 0, D0+1 mean 240 / 24 = 10.
     * Grouping by UTC day would give the opposite (D0 10, D0+1 0). */
    float x[48];
    signed char qc[48];
    memset(qc, 0, sizeof qc);
    for (int i = 0; i < 48; i++) x[i] = 0;
    x[23] = 240;
    double out[2];
    env_daily_from_hourly(x, qc, 24 * D0, 48, D0, 2, ENV_DAILY_MEAN, 0.75, out);
    CHECK_CLOSE(out[0], 0.0, 0, 1e-12);
    CHECK_CLOSE(out[1], 10.0, 0, 1e-12);
    env_daily_from_hourly(x, qc, 24 * D0, 48, D0, 2, ENV_DAILY_MAX_HOUR, 0.75, out);
    CHECK_CLOSE(out[0], 0.0, 0, 1e-12);
    CHECK_CLOSE(out[1], 240.0, 0, 1e-12);
    /* day0 is honoured: asking for D0+1 alone gives the same value */
    env_daily_from_hourly(x, qc, 24 * D0, 48, D0 + 1, 1, ENV_DAILY_MEAN, 0.75, out);
    CHECK_CLOSE(out[0], 10.0, 0, 1e-12);
    /* a local day wholly outside the buffer is invalid, not 0 */
    env_daily_from_hourly(x, qc, 24 * D0, 48, D0 + 5, 1, ENV_DAILY_MEAN, 0.75, out);
    CHECK(isnan(out[0]));
    /* the same 24 hours read with another hour0: the statistic follows the times, not
     * the buffer position (buffer starting 5 h earlier, values shifted by 5) */
    float y[53];
    signed char qy[53];
    memset(qy, 0, sizeof qy);
    for (int i = 0; i < 53; i++) y[i] = 0;
    y[23 + 5] = 240;
    env_daily_from_hourly(y, qy, 24 * D0 - 5, 53, D0, 2, ENV_DAILY_MEAN, 0.75, out);
    CHECK_CLOSE(out[0], 0.0, 0, 1e-12); /* now 24 hours, all 0 */
    CHECK_CLOSE(out[1], 10.0, 0, 1e-12);
    /* several days at once: day d holds the constant d + 1 */
    reset(0, 1000);
    for (int d = 0; d < MAXD; d++)
        for (int h = 0; h < 24; h++) v[at(d, h)] = (float)(d + 1);
    double m[MAXD];
    run(ENV_DAILY_MEAN, MAXD, m);
    for (int d = 0; d < MAXD; d++) CHECK_CLOSE(m[d], d + 1.0, 0, 1e-12);
    run(ENV_DAILY_MAX_8H, MAXD, m); /* day 0's early windows see the 1000s before it */
    CHECK_CLOSE(m[0], 1000.0 * 7 / 8 + 1.0 / 8, 0, 1e-9);
    for (int d = 1; d < MAXD; d++) CHECK_CLOSE(m[d], d + 1.0, 0, 1e-12);
}

static void test_max_hour(void)
{
    /* values 1..24; hour 10 holds 999 but is not validated; the 1000s around the day do
     * not count: max 24 */
    reset(0, 1000);
    for (int h = 0; h < 24; h++) v[at(0, h)] = (float)(h + 1);
    v[at(0, 10)] = 999;
    q[at(0, 10)] = 1;
    CHECK_CLOSE(one(ENV_DAILY_MAX_HOUR), 24.0, 0, 1e-12);
    /* validated, it is the max */
    q[at(0, 10)] = 0;
    CHECK_CLOSE(one(ENV_DAILY_MAX_HOUR), 999.0, 0, 1e-12);
    /* 18 valid hours suffice (hours 0..5 missing: max still 24) */
    for (int h = 0; h < 6; h++) v[at(0, h)] = NAN;
    CHECK_CLOSE(one(ENV_DAILY_MAX_HOUR), 999.0, 0, 1e-12);
    v[at(0, 6)] = NAN;
    CHECK(isnan(one(ENV_DAILY_MAX_HOUR)));
}

static void test_max_8h(void)
{
    /* ramp: hour h of the day holds h, the 7 hours before the day 0.  The best window
     * ends at hour 23: (16 + ... + 23) / 8 = 156 / 8 = 19.5 */
    reset(0, 0);
    for (int h = 0; h < 24; h++) v[at(0, h)] = (float)h;
    for (int i = at(1, 0); i < NH; i++) v[i] = 1000; /* after the day: never in a window */
    CHECK_CLOSE(one(ENV_DAILY_MAX_8H), 19.5, 0, 1e-12);

    /* a block of 8 hours at 80 (hours 10..17), 0 elsewhere: max 80 */
    reset(0, 0);
    for (int h = 10; h < 18; h++) v[at(0, h)] = 80;
    CHECK_CLOSE(one(ENV_DAILY_MAX_8H), 80.0, 0, 1e-12);
    /* 7 hours at 80: the best window holds 7 of them, 560 / 8 = 70 */
    v[at(0, 17)] = 0;
    CHECK_CLOSE(one(ENV_DAILY_MAX_8H), 70.0, 0, 1e-12);

    /* windows ending early in the day reach back into the previous day: 80 in the 7 hours
     * before the day and in hour 0, 0 after: the window ending at hour 0 is 80 */
    reset(0, 0);
    for (int i = 0; i <= at(0, 0); i++) v[i] = 80;
    CHECK_CLOSE(one(ENV_DAILY_MAX_8H), 80.0, 0, 1e-12);

    /* the 6-of-8 rule: hours 16..23 hold 100, 0 elsewhere.  With 16 and 17 missing the
     * window ending at 23 has 6 valid hours and its mean is over those 6: 100 (not 75) */
    reset(0, 0);
    for (int h = 16; h < 24; h++) v[at(0, h)] = 100;
    v[at(0, 16)] = v[at(0, 17)] = NAN;
    CHECK_CLOSE(one(ENV_DAILY_MAX_8H), 100.0, 0, 1e-12);
    /* with 16, 17, 18 missing every window that reaches a 100 (ending at 18..23) has only
     * 5 valid hours, so the best valid window is one of zeros (ending <= 17): 0 */
    v[at(0, 18)] = NAN;
    CHECK_CLOSE(one(ENV_DAILY_MAX_8H), 0.0, 0, 1e-12);
    /* not-validated hours count as missing for the 6-of-8 rule too */
    reset(0, 0);
    for (int h = 16; h < 24; h++) v[at(0, h)] = 100;
    q[at(0, 16)] = q[at(0, 17)] = 1;
    CHECK_CLOSE(one(ENV_DAILY_MAX_8H), 100.0, 0, 1e-12);
    q[at(0, 18)] = 1;
    CHECK_CLOSE(one(ENV_DAILY_MAX_8H), 0.0, 0, 1e-12);

    /* the day needs 18 valid 8-hour means.  Hours 0..2 missing (the 7 hours before are
     * valid): windows ending at 0 (7 valid) and 1 (6) are valid, 2..7 have 5 each, 8..23
     * are valid: 2 + 16 = 18 -> valid; hour 20 holds 80, so the max is 80 / 8 = 10 */
    reset(0, 0);
    v[at(0, 20)] = 80;
    for (int h = 0; h < 3; h++) v[at(0, h)] = NAN;
    CHECK_CLOSE(one(ENV_DAILY_MAX_8H), 10.0, 0, 1e-12);
    /* hours 0..3 missing: windows ending at 2..8 are invalid, 2 + 15 = 17 -> invalid day */
    v[at(0, 3)] = NAN;
    CHECK(isnan(one(ENV_DAILY_MAX_8H)));
}

static void test_reference(void)
{
    /* random data, random gaps and flags, several days, three offsets of the buffer,
     * against the reference written from the documented rules */
    enum { N = 24 * 6 + 11 };
    static float x[N];
    static signed char qc[N];
    uint32_t s = 12345u;
    int bad = 0, compared = 0, valid = 0;
    for (int trial = 0; trial < 300 && !bad; trial++) {
        double gap = (trial % 5) * 0.08; /* 0 .. 32 % missing */
        for (int i = 0; i < N; i++) {
            s = s * 1664525u + 1013904223u;
            x[i] = (float)((s >> 8) % 20000) / 100.0f;
            s = s * 1664525u + 1013904223u;
            double u = (s >> 8) / 16777216.0;
            qc[i] = 0;
            if (u < gap * 0.5) x[i] = NAN;
            else if (u < gap) qc[i] = (u < gap * 0.75) ? 1 : -1;
        }
        int64_t hour0 = 24 * D0 - 1 - (trial % 3) * 5;
        double out[5];
        for (int stat = ENV_DAILY_MEAN; stat <= ENV_DAILY_MAX_8H; stat++) {
            env_daily_from_hourly(x, qc, hour0, N, D0, 5, (env_stat_t)stat, 0.75, out);
            for (int d = 0; d < 5; d++) {
                double want = ref_daily(x, qc, hour0, N, D0 + d, (env_stat_t)stat);
                compared++;
                valid += !isnan(want);
                int ok = (isnan(want) && isnan(out[d])) || fabs(out[d] - want) <= 1e-9 * (1 + fabs(want));
                if (!ok && !bad++)
                    fprintf(stderr, "trial %d, stat %d, day %d: got %.10g, reference %.10g\n", trial, stat, d, out[d],
                            want);
            }
        }
    }
    CHECK_MSG(bad == 0, "%d of %d daily values differ from the reference", bad, compared);
    CHECK_MSG(valid > compared / 4 && valid < compared, "the random cases test too little: %d valid of %d", valid,
              compared);
}

static void test_rules(void)
{
    const env_rule_t *r = env_rule("eu2008", "pm10");
    CHECK(r && r->stat == ENV_DAILY_MEAN && r->limit == 50 && r->allowed == 35);
    CHECK(r && !strcmp(r->standard_name, "mass_concentration_of_pm10_ambient_aerosol_particles_in_air"));
    CHECK(r && !strcmp(r->label, "PM10") && !strcmp(r->name, "pm10"));
    r = env_rule("eu2030", "pm10");
    CHECK(r && r->stat == ENV_DAILY_MEAN && r->limit == 45 && r->allowed == 18);
    r = env_rule("eu2008", "no2");
    CHECK(r && r->stat == ENV_DAILY_MAX_HOUR && r->limit == 200 && r->allowed == 18);
    r = env_rule("eu2030", "no2");
    CHECK(r && r->stat == ENV_DAILY_MEAN && r->limit == 50 && r->allowed == 18);
    r = env_rule("eu2008", "o3");
    CHECK(r && r->stat == ENV_DAILY_MAX_8H && r->limit == 120 && r->allowed == 25);
    r = env_rule("eu2030", "o3");
    CHECK(r && r->stat == ENV_DAILY_MAX_8H && r->limit == 120 && r->allowed == 25);
    r = env_rule("eu2008", "pm2p5");
    CHECK(r && r->stat == ENV_DAILY_MEAN && isnan(r->limit)); /* annual limit only */
    r = env_rule("eu2030", "pm2p5");
    CHECK(r && r->limit == 25 && r->allowed == 18);
    r = env_rule("eu2008", "so2");
    CHECK(r && r->stat == ENV_DAILY_MEAN && r->limit == 125 && r->allowed == 3);
    r = env_rule("eu2030", "so2");
    CHECK(r && r->limit == 50 && r->allowed == 18);
    CHECK(env_rule("eu2008", "co") == NULL);
    CHECK(env_rule("eu2008", "PM10") == NULL); /* names are the ingested variables' */
    CHECK(env_rule("who2021", "pm10") == NULL);
    CHECK(env_rule("", "pm10") == NULL);
    CHECK(!strcmp(env_stat_name(ENV_DAILY_MEAN), "daily mean"));
    CHECK(!strcmp(env_stat_name(ENV_DAILY_MAX_HOUR), "daily maximum hourly value"));
    CHECK(!strcmp(env_stat_name(ENV_DAILY_MAX_8H), "maximum daily 8-hour running mean"));
}

int main(void)
{
    test_mean();
    test_local_day();
    test_max_hour();
    test_max_8h();
    test_reference();
    test_rules();
    return check_done();
}
