/* Daily alerts (kernels/alerts.c): hand cases of the documented rule with the default
 * settings (yellow at >= 3 exceedances a day, red at >= 12 over >= 2 of the last 3 days or
 * >= 6 exceedances with >= 2 modes agreeing beyond 3 sigma), records left out by quality
 * flags never counted, days without valid records, EWMA / CUSUM signals, reasons. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "regia/alerts.h"
#include "regia/novelty.h"
#include "regia/rng.h"

enum { MAXR = 128 };

typedef struct {
    int32_t day[MAXR];
    uint8_t valid[MAXR], ewma[MAXR], cusum[MAXR];
    double d2[MAXR];
    double z[MAXR * 3];
    int n;
} recs_t;

/* n records on day d: `exceed` of them above the threshold 10 (D^2 = 20), the others 2. */
static void add(recs_t *r, int32_t d, int n, int exceed, int valid)
{
    for (int i = 0; i < n; i++, r->n++) {
        r->day[r->n] = d;
        r->valid[r->n] = (uint8_t)valid;
        r->d2[r->n] = i < exceed ? 20.0 : 2.0;
        r->ewma[r->n] = r->cusum[r->n] = 0;
        for (int j = 0; j < 3; j++) r->z[r->n * 3 + j] = 0.0;
    }
}

static void test_rule(void)
{
    recs_t r;
    memset(&r, 0, sizeof r);
    add(&r, 100, 10, 0, 1);  /* green                                          */
    add(&r, 101, 10, 2, 1);  /* 2 < 3: green ...                               */
    add(&r, 101, 3, 3, 0);   /* ... though 3 flagged records are far above    */
    add(&r, 102, 10, 4, 1);  /* yellow by exceedances                          */
    add(&r, 103, 10, 9, 1);  /* 4 + 9 = 13 >= 12 over 2 days: red              */
    /* 104: nothing */
    add(&r, 105, 5, 0, 1);   /* an EWMA signal: yellow                          */
    r.ewma[r.n - 2] = 1;
    add(&r, 105, 1, 0, 0);   /* a CUSUM signal on a flagged record: not counted */
    r.cusum[r.n - 1] = 1;
    add(&r, 99, 5, 5, 1);    /* before day0: ignored                           */
    add(&r, 110, 5, 5, 1);   /* after the last day: ignored                    */
    r.d2[0] = 10.0;          /* equal to the threshold: not above              */

    regia_alert_cfg_t cfg;
    regia_alert_defaults(&cfg);
    regia_alert_day_t out[6];
    CHECK_OK(regia_alerts_daily(r.day, r.valid, r.d2, r.n, 10.0, r.ewma, r.cusum, NULL, 0, 100, 6, &cfg, out));
    const int want_level[6] = {REGIA_ALERT_GREEN, REGIA_ALERT_GREEN, REGIA_ALERT_YELLOW,
                               REGIA_ALERT_RED,   REGIA_ALERT_NONE,  REGIA_ALERT_YELLOW};
    for (int i = 0; i < 6; i++) {
        CHECK_MSG(out[i].level == want_level[i], "day %d: level %s, expected %s (%s)", out[i].day,
                  regia_alert_level_name(out[i].level), regia_alert_level_name(want_level[i]), out[i].reason);
        CHECK(out[i].day == 100 + i);
    }
    CHECK(out[0].code == 0 && out[0].n_exceed == 0 && out[0].n_valid == 10);
    CHECK(out[1].n_records == 13 && out[1].n_valid == 10 && out[1].n_exceed == 2 && out[1].code == 0);
    CHECK(out[1].d2_max == 20.0);
    CHECK(out[2].code == REGIA_ALERT_C_EXCEED);
    CHECK(out[3].code == (REGIA_ALERT_C_EXCEED | REGIA_ALERT_C_PERSIST));
    CHECK(out[4].code == REGIA_ALERT_C_NODATA && isnan(out[4].d2_max) && out[4].n_records == 0);
    CHECK(out[5].code == REGIA_ALERT_C_EWMA && out[5].ewma_signals == 1 && out[5].cusum_signals == 0);
    CHECK_MSG(strstr(out[3].reason, "red: 9 of 10 valid records above D2 threshold 10") == out[3].reason, "%s",
              out[3].reason);
    CHECK_MSG(strstr(out[3].reason, "13 above on 2 of the last 3 days") != NULL, "%s", out[3].reason);
    CHECK_MSG(strstr(out[1].reason, "3 records left out") != NULL, "%s", out[1].reason);
    CHECK_MSG(!strncmp(out[4].reason, "none:", 5), "%s", out[4].reason);
    CHECK_MSG(strstr(out[5].reason, "EWMA") != NULL, "%s", out[5].reason);

    /* persistence needs the days inside the window: 4 exceedances 3 days before do not count */
    recs_t q;
    memset(&q, 0, sizeof q);
    add(&q, 0, 10, 4, 1);
    add(&q, 3, 10, 9, 1);
    CHECK_OK(regia_alerts_daily(q.day, q.valid, q.d2, q.n, 10.0, NULL, NULL, NULL, 0, 0, 4, &cfg, out));
    CHECK(out[0].level == REGIA_ALERT_YELLOW && out[1].level == REGIA_ALERT_NONE && out[3].level == REGIA_ALERT_YELLOW);
    /* a stricter min_valid turns a thin day into NONE */
    cfg.min_valid = 11;
    CHECK_OK(regia_alerts_daily(q.day, q.valid, q.d2, q.n, 10.0, NULL, NULL, NULL, 0, 0, 4, &cfg, out));
    CHECK(out[0].level == REGIA_ALERT_NONE && out[3].level == REGIA_ALERT_NONE);
}

static void test_modes(void)
{
    regia_alert_cfg_t cfg;
    regia_alert_defaults(&cfg);
    recs_t r;
    memset(&r, 0, sizeof r);
    /* day 0: 8 exceedances; in 6 of them modes 0 and 2 both drop beyond 3 sigma -> red */
    add(&r, 0, 10, 8, 1);
    for (int i = 0; i < 6; i++) r.z[i * 3 + 0] = -3.5, r.z[i * 3 + 2] = -4.0;
    /* day 1: 8 exceedances; modes disagree (one up, one down) or only one moves -> yellow */
    add(&r, 1, 10, 8, 1);
    for (int i = 10; i < 13; i++) r.z[i * 3 + 0] = -3.5, r.z[i * 3 + 1] = 4.0;
    for (int i = 13; i < 18; i++) r.z[i * 3 + 1] = -5.0;
    /* day 2: agreeing modes on records below the threshold do not count, and a day without
     * exceedances is not red however red the days before -> green */
    add(&r, 2, 10, 0, 1);
    for (int i = 20; i < 30; i++) r.z[i * 3 + 0] = -3.5, r.z[i * 3 + 1] = -3.5;
    regia_alert_day_t out[3];
    CHECK_OK(regia_alerts_daily(r.day, r.valid, r.d2, r.n, 10.0, NULL, NULL, r.z, 3, 0, 3, &cfg, out));
    CHECK_MSG(out[0].level == REGIA_ALERT_RED && out[0].n_modes_agree == 6, "%s", out[0].reason);
    CHECK(out[0].code == (REGIA_ALERT_C_EXCEED | REGIA_ALERT_C_MODES));
    CHECK_MSG(strstr(out[0].reason, "6 with >= 2 modes agreeing") != NULL, "%s", out[0].reason);
    /* day 1 is also the second day of persistence: 8 + 8 = 16 >= 12 over 2 days -> red by PERSIST */
    CHECK(out[1].n_modes_agree == 0 && (out[1].code & REGIA_ALERT_C_PERSIST) && !(out[1].code & REGIA_ALERT_C_MODES));
    CHECK(out[2].level == REGIA_ALERT_GREEN && out[2].n_modes_agree == 0);
    /* without zres the mode rule is off: day 0 is only yellow */
    CHECK_OK(regia_alerts_daily(r.day, r.valid, r.d2, r.n, 10.0, NULL, NULL, NULL, 3, 0, 1, &cfg, out));
    CHECK(out[0].level == REGIA_ALERT_YELLOW);
    /* a CUSUM signal alone */
    r.cusum[25] = 1;
    CHECK_OK(regia_alerts_daily(r.day, r.valid, r.d2, r.n, 10.0, NULL, r.cusum, r.z, 3, 2, 1, &cfg, out));
    CHECK(out[0].level == REGIA_ALERT_YELLOW && out[0].code == REGIA_ALERT_C_CUSUM);

    /* bad settings and inputs */
    cfg.red_days = 4;
    CHECK(regia_alerts_daily(r.day, r.valid, r.d2, r.n, 10.0, NULL, NULL, NULL, 0, 0, 3, &cfg, out) ==
          REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "red_days") != NULL);
    regia_alert_defaults(&cfg);
    CHECK(regia_alerts_daily(r.day, r.valid, r.d2, r.n, NAN, NULL, NULL, NULL, 0, 0, 3, &cfg, out) ==
          REGIA_ERR_INVALID);
    CHECK(!strcmp(regia_alert_level_name(REGIA_ALERT_RED), "red") && !strcmp(regia_alert_level_name(7), "?"));
}

/* The chain as a run uses it: 60 days of 144 records, three modes following a bilinear
 * temperature law with freezing nights in the first weeks, 5 % of the records flagged by
 * QC, a bilinear model fitted on days 0-29, EWMA on D^2, daily alerts; damage (-1.5 % on
 * every mode, -3 % on mode 1) from day 45: no red before it, red within 2 days. */
static void test_chain(void)
{
    enum { DAYS = 60, PER = 144, NR = DAYS * PER, P = 3, DAMAGE_DAY = 45 };
    static double f[NR * P], T[NR], d2[NR], z[NR * P];
    static int32_t day[NR];
    static uint8_t valid[NR], train[NR], ew[NR];
    const double f0[P] = {2.3, 5.1, 8.7}, below[P] = {-0.05, -0.12, -0.2}, above[P] = {-0.003, -0.008, -0.012};
    for (int64_t r = 0; r < NR; r++) {
        double u[4], g[4];
        regia_rng_uniform4(3, 1, 0, (uint32_t)r, u);
        regia_rng_normal4(3, 2, 0, (uint32_t)r, g);
        double d = (double)r / PER;
        T[r] = 8 - 10 * cos(2 * M_PI * d / 120.0) - 5 * cos(2 * M_PI * d) + 0.5 * g[3]; /* cold start */
        day[r] = (int32_t)(r / PER);
        valid[r] = u[0] > 0.05;
        train[r] = day[r] < 30 && valid[r];
        for (int j = 0; j < P; j++) {
            double v = f0[j] + (T[r] < 0 ? below[j] * T[r] : above[j] * T[r]) + 0.002 * (j + 1) * g[j];
            if (day[r] >= DAMAGE_DAY) v *= j == 1 ? 0.97 : 0.985;
            f[r * P + j] = v;
        }
        if (!valid[r]) f[r * P + 1] = NAN; /* what a flagged record may hold */
    }
    regia_comp_cfg_t cc;
    regia_comp_defaults(&cc);
    cc.model = REGIA_COMP_BILINEAR;
    cc.alpha = 0.001;
    regia_novelty_model_t m;
    CHECK_OK(regia_novelty_fit(f, T, NR, P, train, &cc, &m));
    CHECK_OK(regia_novelty_score(&m, f, T, NR, NULL, z, d2));
    /* EWMA of D^2 with the training mean and std of D^2 */
    double s1 = 0, s2 = 0;
    int64_t nt = 0;
    for (int64_t r = 0; r < NR; r++)
        if (train[r] && isfinite(d2[r])) s1 += d2[r], s2 += d2[r] * d2[r], nt++;
    double mu = s1 / (double)nt, sd = sqrt(s2 / (double)nt - mu * mu);
    CHECK_OK(regia_ewma(d2, NR, mu, sd, 0.05, 3.5, 1, NULL, NULL, NULL, ew));
    regia_alert_cfg_t cfg;
    regia_alert_defaults(&cfg);
    regia_alert_day_t out[DAYS];
    CHECK_OK(regia_alerts_daily(day, valid, d2, NR, m.threshold, ew, NULL, z, P, 0, DAYS, &cfg, out));
    int first_red = -1, red_before = 0, yellow_before = 0;
    for (int i = 0; i < DAYS; i++) {
        if (out[i].level == REGIA_ALERT_RED && i < DAMAGE_DAY) red_before++;
        if (out[i].level == REGIA_ALERT_YELLOW && i < DAMAGE_DAY) yellow_before++;
        if (out[i].level == REGIA_ALERT_RED && i >= DAMAGE_DAY && first_red < 0) first_red = i;
    }
    fprintf(stderr, "chain: %d yellow days before the damage; day %d: %s\n", yellow_before, DAMAGE_DAY, out[DAMAGE_DAY].reason);
    CHECK_MSG(red_before == 0, "%d red days before the damage", red_before);
    CHECK_MSG(yellow_before <= 3, "%d yellow days before the damage", yellow_before);
    CHECK_MSG(first_red >= DAMAGE_DAY && first_red <= DAMAGE_DAY + 1, "first red on day %d (damage on day %d): %s",
              first_red, DAMAGE_DAY, first_red >= 0 ? out[first_red].reason : out[DAMAGE_DAY].reason);
    for (int i = DAMAGE_DAY + 1; i < DAYS; i++) CHECK(out[i].level == REGIA_ALERT_RED);
    regia_novelty_free(&m);
}

int main(void)
{
    test_rule();
    test_modes();
    test_chain();
    return check_done();
}
