/* waitlist_demand.c - weekly first-access demand forecasts per service x district x class:
 * the ETS kernels for dense series, the Croston family for intermittent ones, chosen per
 * series by the Syntetos-Boylan-Croston classification (docs/waitlist-methods.md).
 * Declared in drivers/waitlist_analysis.h (section "waitlist_demand.c").
 *
 * A series is the count, week by week, of the first-access SSN requests (every one, also
 * those that later left the guarantee) whose CUP contact falls in the week, by district
 * of residence and class (no class = P), over the complete weeks before the week of as_of
 * (wl_demand_weeks; forecast step 1 is the week of as_of, as the horizon coordinate says).
 * Every series is forecast; those with fewer than k distinct patients in their history
 * are not published (method -1, NaN) but their forecasts still feed the queue risk. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regia/croston.h"
#include "regia/ets.h"
#include "regia/kernels.h"
#include "regia/ncio.h"
#include "regia/timeutil.h"
#include "waitlist_analysis.h"

enum { NCLS = WL_CLASSES };

int64_t wl_rome_day(int64_t t)
{
    int y, mo, d, h, mi, s;
    wl_utc_to_rome(t, &y, &mo, &d, &h, &mi, &s);
    return regia_days_from_civil(y, mo, d);
}

/* Week index of t on the analysis axis (weeks start on Rome Mondays at week0). */
static int64_t week_of(int64_t day, int64_t day_week0)
{
    int64_t d = day - day_week0;
    return d >= 0 ? d / 7 : -((-d + 6) / 7);
}

int wl_demand_counts(const wl_booking_t *b)
{
    return b->access == WL_ACCESS_FIRST && b->regime == WL_REGIME_SSN && b->t_contact != WL_NOTIME;
}

int wl_demand_class(const wl_booking_t *b)
{
    return b->klass >= 0 && b->klass < NCLS ? b->klass : WL_P;
}

typedef struct {
    int32_t series;
    uint8_t patient[32];
} pat_t;

static int pat_cmp(const void *a, const void *b)
{
    const pat_t *x = a, *y = b;
    if (x->series != y->series) return x->series < y->series ? -1 : 1;
    return memcmp(x->patient, y->patient, 32);
}

regia_status_t wl_demand_series(const wl_t *w, const wl_booking_t *bk, int64_t n, double *y, int32_t *persons)
{
    const int ND = w->areas.n_district, T = wl_demand_weeks(w);
    const int64_t S = (int64_t)ND * NCLS;
    const int64_t day0 = w->week0_day;
    memset(y, 0, sizeof(double) * (size_t)(S * (T > 0 ? T : 0)));
    memset(persons, 0, sizeof(int32_t) * (size_t)S);
    pat_t *p = malloc(sizeof *p * (size_t)(n > 0 ? n : 1));
    if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the demand history of %lld bookings", (long long)n);
    int64_t np = 0;
    for (int64_t i = 0; i < n; i++) {
        const wl_booking_t *b = &bk[i];
        if (!wl_demand_counts(b) || b->t_contact >= w->as_of) continue;
        if (b->res_district < 0 || b->res_district >= ND) continue;
        const int64_t wk = week_of(wl_rome_day(b->t_contact), day0);
        if (wk < 0 || wk >= T) continue;
        const int32_t s = b->res_district * NCLS + wl_demand_class(b);
        y[(int64_t)s * T + wk] += 1;
        p[np].series = s;
        memcpy(p[np].patient, b->patient, 32);
        np++;
    }
    qsort(p, (size_t)np, sizeof *p, pat_cmp);
    for (int64_t i = 0; i < np; i++)
        if (i == 0 || pat_cmp(&p[i], &p[i - 1])) persons[p[i].series]++;
    free(p);
    return REGIA_OK;
}

int wl_demand_weeks(const wl_t *w)
{
    const int64_t d = w->as_of_day - w->week0_day;
    return d > 0 ? (int)(d / 7) : 0;
}

int wl_demand_period(const wl_t *w) { return wl_demand_weeks(w) >= 104 ? 52 : 1; }

int64_t wl_sim_day0(const wl_t *w)
{
    const int64_t dow = ((w->as_of_day + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; Monday 0 */
    return w->as_of_day + (7 - dow) % 7;
}

int wl_sim_week_offset(const wl_t *w)
{
    const int64_t off = (wl_sim_day0(w) - w->week0_day) / 7 - wl_demand_weeks(w);
    return off > 0 ? (int)off : 0;
}

int wl_demand_route(const wl_t *w, int demand_class)
{
    if (demand_class == REGIA_DEMAND_SMOOTH || demand_class == REGIA_DEMAND_ERRATIC) return WL_DEM_ETS;
    const int m = w->intermittent_method >= 0 && w->intermittent_method < REGIA_IM_N ? w->intermittent_method
                                                                                       : REGIA_IM_SBA;
    return WL_DEM_CROSTON + m;
}

/* Mean and variance of max(Y, 0) for Y ~ N(mu, v): demand counts are never negative, so
 * the Gaussian ETS forecast distribution is censored at 0 (its quantiles are then those
 * of N(mu, v) clipped at 0, which is what the interval bounds get). */
static void censored(double mu, double v, double *m, double *var)
{
    if (!(v > 0) || !isfinite(v)) {
        *m = mu > 0 ? mu : 0;
        *var = v > 0 ? v : 0;
        return;
    }
    const double s = sqrt(v), a = mu / s;
    const double Phi = 0.5 * erfc(-a / sqrt(2.0)), phi = exp(-0.5 * a * a) / sqrt(2.0 * M_PI);
    const double e1 = mu * Phi + s * phi, e2 = (mu * mu + v) * Phi + mu * s * phi;
    *m = e1 > 0 ? e1 : 0;
    *var = e2 - e1 * e1 > 0 ? e2 - e1 * e1 : 0;
}

/* Sample variance of a history, never below the mean (a Poisson count's): the arrivals'
 * variance where an ETS variance is not finite (multiplicative models far ahead). */
static double hist_var(const double *y, int n, double mean)
{
    double s = 0, s2 = 0;
    for (int t = 0; t < n; t++) { s += y[t]; s2 += y[t] * y[t]; }
    double v = n > 1 ? (s2 - s * s / n) / (n - 1) : 0;
    if (!(v >= 0)) v = 0;
    return v > mean ? v : mean;
}

regia_status_t wl_demand_alloc(regia_run_t *run, wl_t *w)
{
    const int64_t ni = run->ni, S = (int64_t)w->areas.n_district * NCLS;
    const int H = w->horizon, L = w->n_levels;
    const int rw = w->risk_weeks + wl_sim_week_offset(w);
    w->dem_sim_weeks = w->horizon > rw ? w->horizon : rw;
    w->dem_period = wl_demand_period(w);
    const int HR = w->dem_sim_weeks;
    const size_t n = (size_t)(ni * S) + 1;
    w->dem_mean = malloc(sizeof(double) * n * (size_t)H);
    w->dem_lower = malloc(sizeof(double) * n * (size_t)(L * H + 1));
    w->dem_upper = malloc(sizeof(double) * n * (size_t)(L * H + 1));
    w->dem_sim_mean = malloc(sizeof(double) * n * (size_t)HR);
    w->dem_var = malloc(sizeof(double) * n * (size_t)HR);
    w->dem_method = malloc(n);
    w->dem_adi = malloc(sizeof(double) * n);
    w->dem_cv2 = malloc(sizeof(double) * n);
    w->dem_persons = malloc(sizeof(int32_t) * n);
    if (!w->dem_mean || !w->dem_lower || !w->dem_upper || !w->dem_sim_mean || !w->dem_var || !w->dem_method ||
        !w->dem_adi || !w->dem_cv2 || !w->dem_persons)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the demand forecasts of %lld series", (long long)(ni * S));
    return REGIA_OK;
}

regia_status_t wl_demand_compute(regia_run_t *run, wl_t *w, int64_t k)
{
    regia_status_t st = REGIA_OK;
    const int ND = w->areas.n_district, T = wl_demand_weeks(w), H = w->horizon, L = w->n_levels;
    const int HR = w->dem_sim_weeks, S = ND * NCLS, m = w->dem_period;
    if (T < 1)
        return REGIA_FAIL(REGIA_ERR_INVALID, "demand forecasts need at least one complete week of data before the week "
                          "of as_of");
    double *y = malloc(sizeof(double) * (size_t)S * (size_t)T);
    int32_t *len = malloc(sizeof(int32_t) * (size_t)S), *idx = malloc(sizeof(int32_t) * (size_t)S);
    int32_t *route = malloc(sizeof(int32_t) * (size_t)S);
    regia_ets_fit_t *fit = malloc(sizeof *fit * (size_t)S);
    double *mean = malloc(sizeof(double) * (size_t)S * (size_t)HR), *var = malloc(sizeof(double) * (size_t)S * (size_t)HR);
    double *lo = malloc(sizeof(double) * (size_t)S * (size_t)(L * HR + 1));
    double *up = malloc(sizeof(double) * (size_t)S * (size_t)(L * HR + 1));
    double *state = malloc(sizeof(double) * (size_t)S * (size_t)(2 + m));
    double *yb = malloc(sizeof(double) * (size_t)S * (size_t)T);
    double *cm = malloc(sizeof(double) * (size_t)S), *clo = malloc(sizeof(double) * (size_t)S * (size_t)(L + 1));
    double *cup = malloc(sizeof(double) * (size_t)S * (size_t)(L + 1));
    double *adi = malloc(sizeof(double) * (size_t)S), *cv2 = malloc(sizeof(double) * (size_t)S);
    double *cvar = malloc(sizeof(double) * (size_t)S);
    int32_t *persons = w->dem_persons + k * S;
    if (!y || !len || !idx || !route || !fit || !mean || !var || !lo || !up || !state || !yb || !cm || !clo || !cup ||
        !adi || !cv2 || !cvar) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the demand forecasts of %d series", S);
        goto err;
    }
    const int64_t b0 = w->bk_off[k], nb = w->bk_off[k + 1] - b0;
    REGIA_TRY(wl_demand_series(w, w->bk + b0, nb, y, persons));
    for (int s = 0; s < S; s++) route[s] = wl_demand_route(w, regia_demand_classify(y + (int64_t)s * T, T, &adi[s], &cv2[s]));

    /* dense series: one ETS call over the service's series (R's ets defaults, period m) */
    int g = 0;
    for (int s = 0; s < S; s++)
        if (route[s] == WL_DEM_ETS) {
            memcpy(yb + (int64_t)g * T, y + (int64_t)s * T, sizeof(double) * (size_t)T);
            len[g] = T;
            idx[g++] = s;
        }
    if (g > 0) {
        regia_ets_batch_t in = {.n_series = g, .stride = T, .y = yb, .len = len, .horizon = HR, .n_levels = L,
                                .levels = w->levels, .spec = regia_ets_default_spec(m)};
        regia_ets_out_t out = {fit, mean, var, lo, up, state, 2 + m};
        if ((st = regia_ets(&run->be, &in, &out))) {
            regia_error_prefix("demand forecasts of service %lld: ", (long long)(run->i0 + k));
            goto err;
        }
    }
    double *dm = w->dem_mean + k * S * H, *dl = w->dem_lower + k * S * L * H, *du = w->dem_upper + k * S * L * H;
    double *sm = w->dem_sim_mean + k * S * HR, *sv = w->dem_var + k * S * HR;
    for (int i = 0; i < g; i++) {
        const int s = idx[i];
        if (!fit[i].ok) { /* ETS could not fit (too short or constant): optimised Croston,
                           * which on a series without zeros is optimised SES, unbiased */
            route[s] = WL_DEM_CROSTON + REGIA_IM_OPTIMIZED;
            continue;
        }
        for (int h = 0; h < HR; h++) {
            censored(mean[i * HR + h], var[i * HR + h], &sm[s * HR + h], &sv[s * HR + h]);
            if (!isfinite(sv[s * HR + h])) sv[s * HR + h] = hist_var(y + (int64_t)s * T, T, sm[s * HR + h]);
            if (h < H) {
                dm[s * H + h] = sm[s * HR + h];
                for (int l = 0; l < L; l++) {
                    const double a = lo[((int64_t)i * L + l) * HR + h], b = up[((int64_t)i * L + l) * HR + h];
                    dl[((int64_t)s * L + l) * H + h] = a > 0 ? a : 0;
                    du[((int64_t)s * L + l) * H + h] = b > 0 ? b : 0;
                }
            }
        }
    }

    /* intermittent series: one Croston call per method among them */
    for (int meth = 0; meth < REGIA_IM_N; meth++) {
        g = 0;
        for (int s = 0; s < S; s++)
            if (route[s] == WL_DEM_CROSTON + meth) {
                memcpy(yb + (int64_t)g * T, y + (int64_t)s * T, sizeof(double) * (size_t)T);
                len[g] = T;
                idx[g++] = s;
            }
        if (!g) continue;
        regia_croston_batch_t in = {.n_series = g, .stride = T, .y = yb, .len = len, .method = meth,
                                    .alpha_d = w->tsb_alpha_d, .alpha_p = w->tsb_alpha_p, .horizon = HR,
                                    .n_levels = L, .levels = w->levels};
        regia_croston_out_t out = {.mean = cm, .lower = clo, .upper = cup, .var = cvar};
        if ((st = regia_croston(&in, &out, run->threads))) {
            regia_error_prefix("demand forecasts of service %lld (%s): ", (long long)(run->i0 + k),
                               regia_im_method_name(meth));
            goto err;
        }
        for (int i = 0; i < g; i++) {
            const int s = idx[i];
            const double v = cvar[i];
            for (int h = 0; h < HR; h++) {
                sm[s * HR + h] = cm[i];
                sv[s * HR + h] = v;
                if (h < H) {
                    dm[s * H + h] = cm[i];
                    for (int l = 0; l < L; l++) {
                        dl[((int64_t)s * L + l) * H + h] = clo[i * L + l];
                        du[((int64_t)s * L + l) * H + h] = cup[i * L + l];
                    }
                }
            }
        }
    }

    /* publish or suppress */
    for (int s = 0; s < S; s++) {
        const int pub = persons[s] >= w->k;
        w->dem_method[k * S + s] = (int8_t)(pub ? route[s] : WL_DEM_SUPPRESSED);
        w->dem_adi[k * S + s] = pub ? adi[s] : NAN;
        w->dem_cv2[k * S + s] = pub ? cv2[s] : NAN;
        if (pub) continue;
        for (int h = 0; h < H; h++) dm[s * H + h] = NAN;
        for (int j = 0; j < L * H; j++) dl[(int64_t)s * L * H + j] = du[(int64_t)s * L * H + j] = NAN;
    }
err:
    free(y); free(len); free(idx); free(route); free(fit); free(mean); free(var); free(lo); free(up);
    free(state); free(yb); free(cm); free(clo); free(cup); free(adi); free(cv2); free(cvar);
    return st;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, key, s) REGIA_NC(nc_put_att_text(ncid, v, key, strlen(s), s))

enum { V_FC = 0, V_METHOD, V_ADI, V_CV2, V_LO /* then n_levels lower, n_levels upper */ };

static const char DEM_FLAG_MEANINGS[] =
    "suppressed ets croston_classic croston_sba croston_optimized tsb adida imapa";

regia_status_t wl_demand_define(regia_run_t *run, wl_t *w, int ncid)
{
    regia_status_t st = REGIA_OK;
    (void)run;
    const int d_s = w->dim.service, d_a = w->dim.area, d_c = w->dim.cls, d_w = w->dim.week;
    int *v = w->vid_demand;
    const int dims4[4] = {d_s, d_a, d_c, d_w};
    const size_t l4[4] = {(size_t)w->n_services, (size_t)w->areas.n_area, WL_CLASS_DIM, (size_t)w->n_weeks};
    {
        REGIA_TRY(wl_def_rev(ncid, "demand_forecast", NC_DOUBLE, 4, dims4, 1, l4, &v[V_FC]));
        ATT(v[V_FC], "long_name", "forecast weekly first-access SSN requests (mean of the predictive distribution)");
        ATT(v[V_FC], "units", "1/week");
        ATT(v[V_FC], "coordinates", WL_COORDS_SAC);
        ATT(v[V_FC], "coverage_content_type", "modelResult");
        ATT(v[V_FC], "comment",
            "on the forecast weeks (forecast_step 1 .. demand_horizon_weeks: step 1 is the week of as_of, the first "
            "after the complete weeks of history), NaN on the others; districts of residence and classes U B D P "
            "only (NaN for ASLs, the region, class 'all', and series with fewer than k distinct patients in their "
            "history); methods in docs/waitlist-methods.md");
    }
    if (w->n_levels > 4) return REGIA_FAIL(REGIA_ERR_INVALID, "more than 4 interval levels");
    for (int l = 0; l < w->n_levels; l++)
        for (int up = 0; up < 2; up++) {
            char tag[32], name[64], ln[256];
            wl_level_tag(w->levels[l], tag, sizeof tag);
            snprintf(name, sizeof name, "demand_%s_%s", up ? "upper" : "lower", tag);
            int *vid = &v[V_LO + up * w->n_levels + l];
            REGIA_TRY(wl_def_rev(ncid, name, NC_DOUBLE, 4, dims4, 1, l4, vid));
            snprintf(ln, sizeof ln, "%s bound of the %g %% prediction interval of weekly first-access SSN requests",
                     up ? "upper" : "lower", w->levels[l]);
            ATT(*vid, "long_name", ln);
            ATT(*vid, "units", "1/week");
            ATT(*vid, "coordinates", WL_COORDS_SAC);
            ATT(*vid, "coverage_content_type", "modelResult");
            REGIA_NC(nc_put_att_double(ncid, *vid, "interval", NC_DOUBLE, 1, &w->levels[l]));
            ATT(*vid, "comment", "nominal coverage in attribute interval (percent); ETS: the Gaussian interval of "
                                 "the kernel clipped at 0 (the quantiles of the forecast distribution censored at "
                                 "0); Croston family: the kernel's intervals, the same at every step");
        }
    {
        const int dims[3] = {d_s, d_a, d_c};
        REGIA_TRY(wl_def_rev(ncid, "demand_method", NC_BYTE, 3, dims, 0, NULL, &v[V_METHOD]));
        ATT(v[V_METHOD], "long_name", "forecast method of the demand series");
        const signed char fv[8] = {-1, 0, 1, 2, 3, 4, 5, 6}, fill = -2;
        REGIA_NC(nc_put_att_schar(ncid, v[V_METHOD], "_FillValue", NC_BYTE, 1, &fill));
        REGIA_NC(nc_put_att_schar(ncid, v[V_METHOD], "flag_values", NC_BYTE, 8, fv));
        ATT(v[V_METHOD], "flag_meanings", DEM_FLAG_MEANINGS);
        ATT(v[V_METHOD], "coordinates", WL_COORDS_SAC);
        ATT(v[V_METHOD], "coverage_content_type", "auxiliaryInformation");
        ATT(v[V_METHOD], "comment", w->dem_period == 52
                                        ? "ETS with a 52-week season (at least two years of history)"
                                        : "ETS without a season (less than two years of history)");
        REGIA_TRY(wl_def_rev(ncid, "demand_adi", NC_DOUBLE, 3, dims, 0, NULL, &v[V_ADI]));
        ATT(v[V_ADI], "long_name", "average inter-demand interval of the demand history (Syntetos-Boylan)");
        ATT(v[V_ADI], "units", "week");
        ATT(v[V_ADI], "coordinates", WL_COORDS_SAC);
        ATT(v[V_ADI], "coverage_content_type", "auxiliaryInformation");
        REGIA_TRY(wl_def_rev(ncid, "demand_cv2", NC_DOUBLE, 3, dims, 0, NULL, &v[V_CV2]));
        ATT(v[V_CV2], "long_name", "squared coefficient of variation of the non-zero weekly demands (Syntetos-Boylan)");
        ATT(v[V_CV2], "units", "1");
        ATT(v[V_CV2], "coordinates", WL_COORDS_SAC);
        ATT(v[V_CV2], "coverage_content_type", "auxiliaryInformation");
    }
    {
        const char *ms = regia_im_method_name(w->intermittent_method >= 0 ? w->intermittent_method : REGIA_IM_SBA);
        char buf[256];
        snprintf(buf, sizeof buf, "SBC classification: smooth and erratic series on ETS (%s), intermittent and lumpy "
                 "on %s%s", w->dem_period == 52 ? "52-week season" : "no season", ms ? ms : "?",
                 w->intermittent_method >= 0 ? " (job)" : " (Syntetos-Boylan-Croston rule)");
        ATT(NC_GLOBAL, "demand_method_rule", buf);
    }
err:
    return st;
}

regia_status_t wl_demand_write(regia_run_t *run, wl_t *w, int ncid)
{
    regia_status_t st = REGIA_OK;
    const int64_t ni = run->ni;
    const int NA = w->areas.n_area, ND = w->areas.n_district, H = w->horizon, L = w->n_levels, C = WL_CLASS_DIM;
    const int S = ND * NCLS, W = w->n_weeks, f0 = wl_forecast_week0(w);
    const size_t cells = (size_t)(ni > 0 ? ni : 1) * (size_t)NA * C;
    double *f = malloc(sizeof(double) * cells * (size_t)W);
    signed char *b = malloc(cells);
    if (!f || !b) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the demand forecasts");
    if ((st = regia_run_agree(run, st))) goto err;
    /* [k][area][class][week]: districts and classes U..P from the series on the forecast
     * weeks (step h of a series at src[(k*S + s)*stride + off + h]), NaN elsewhere */
#define FILL(src, stride, off)                                                                                   \
    do {                                                                                                         \
        for (size_t j = 0; j < cells * (size_t)W; j++) f[j] = NAN;                                               \
        for (int64_t k = 0; k < ni; k++)                                                                         \
            for (int s = 0; s < S; s++)                                                                          \
                for (int h = 0; h < H && f0 + h < W; h++)                                                        \
                    f[(((size_t)k * NA + s / NCLS) * C + s % NCLS) * (size_t)W + (size_t)(f0 + h)] =             \
                        (src)[((size_t)k * S + s) * (size_t)(stride) + (size_t)(off) + (size_t)h];               \
    } while (0)
    {
        const size_t in[3] = {(size_t)NA, (size_t)C, (size_t)W};
        FILL(w->dem_mean, H, 0);
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_demand[V_FC], 4, in, NC_DOUBLE, f, run->i0, ni));
        for (int l = 0; l < L; l++) {
            FILL(w->dem_lower, L * H, l * H);
            REGIA_TRY(wl_put_rev(run, ncid, w->vid_demand[V_LO + l], 4, in, NC_DOUBLE, f, run->i0, ni));
            FILL(w->dem_upper, L * H, l * H);
            REGIA_TRY(wl_put_rev(run, ncid, w->vid_demand[V_LO + L + l], 4, in, NC_DOUBLE, f, run->i0, ni));
        }
    }
#undef FILL
    {
        const size_t in[2] = {(size_t)NA, (size_t)C};
        const double *src[2] = {w->dem_adi, w->dem_cv2};
        for (int x = 0; x < 2; x++) {
            for (size_t j = 0; j < cells; j++) f[j] = NAN;
            for (int64_t k = 0; k < ni; k++)
                for (int s = 0; s < S; s++) f[((size_t)k * NA + s / NCLS) * C + s % NCLS] = src[x][k * S + s];
            REGIA_TRY(wl_put_rev(run, ncid, w->vid_demand[x ? V_CV2 : V_ADI], 3, in, NC_DOUBLE, f, run->i0, ni));
        }
        memset(b, -2, cells);
        for (int64_t k = 0; k < ni; k++)
            for (int s = 0; s < S; s++) b[((size_t)k * NA + s / NCLS) * C + s % NCLS] = w->dem_method[k * S + s];
        REGIA_TRY(wl_put_rev(run, ncid, w->vid_demand[V_METHOD], 3, in, NC_BYTE, b, run->i0, ni));
    }
err:
    free(f);
    free(b);
    return st;
}

void wl_demand_free(wl_t *w)
{
    free(w->dem_mean); free(w->dem_lower); free(w->dem_upper); free(w->dem_var); free(w->dem_method);
    free(w->dem_adi); free(w->dem_cv2); free(w->dem_sim_mean); free(w->dem_persons);
    w->dem_mean = w->dem_lower = w->dem_upper = w->dem_var = w->dem_adi = w->dem_cv2 = w->dem_sim_mean = NULL;
    w->dem_method = NULL;
    w->dem_persons = NULL;
}
