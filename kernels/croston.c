/* The Croston family of intermittent-demand forecasts (contract: include/regia/croston.h).
 *
 * Each method is statsforecast 2.1.1's (python/statsforecast/models.py: _croston_classic,
 * _croston_sba, _croston_optimized, _tsb, _adida, _imapa; src/ses.cpp: ses_forecast,
 * ses_sse, golden_section_ses, chunk_forecast), re-derived here operation by operation
 * in the same order, so that a forecast is the same double, not merely close: the
 * golden-section search compares sums of squares with < and stops on a tie, so a
 * different rounding anywhere could end it on another alpha.  Where statsforecast sums
 * with numpy (IMAPA's block sums and its average over aggregation levels), numpy's
 * pairwise summation is reproduced too.  tests/cli/test_croston_statsforecast.sh
 * compares with statsforecast itself on a few hundred series.
 *
 * The batch runs OpenMP threads over series; a series' answer depends only on that
 * series, so the thread count never changes a result. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "croston_impl.h"
#include "regia/croston.h"

/* --- names ----------------------------------------------------------------------------- */

static const char *const method_names[REGIA_IM_N] = {"classic", "sba", "optimized", "tsb", "adida", "imapa"};
static const char *const class_names[] = {"smooth", "erratic", "intermittent", "lumpy", "zero"};

int regia_im_method_parse(const char *name)
{
    if (!name) return -1;
    for (int m = 0; m < REGIA_IM_N; m++)
        if (!strcasecmp(name, method_names[m])) return m;
    return -1;
}

const char *regia_im_method_name(int method)
{
    return method >= 0 && method < REGIA_IM_N ? method_names[method] : "unknown";
}

const char *regia_demand_class_name(int cls)
{
    return cls >= REGIA_DEMAND_SMOOTH && cls <= REGIA_DEMAND_ZERO ? class_names[cls] : "unknown";
}

/* --- classification -------------------------------------------------------------------- */

int regia_demand_classify(const double *y, int32_t n, double *adi, double *cv2)
{
    int64_t nz = 0, last = 0;
    double sum = 0.0;
    for (int32_t t = 0; t < n; t++)
        if (y[t] != 0.0) {
            nz++;
            last = t + 1;
            sum += y[t];
        }
    if (nz == 0) {
        if (adi) *adi = NAN;
        if (cv2) *cv2 = NAN;
        return REGIA_DEMAND_ZERO;
    }
    /* The intervals telescope: their sum is the 1-based position of the last demand. */
    double a = (double)last / (double)nz, mean = sum / (double)nz, ss = 0.0;
    for (int32_t t = 0; t < n; t++)
        if (y[t] != 0.0) ss += (y[t] - mean) * (y[t] - mean);
    double c = ss / (double)nz / (mean * mean);
    if (adi) *adi = a;
    if (cv2) *cv2 = c;
    if (a < 1.32) return c < 0.49 ? REGIA_DEMAND_SMOOTH : REGIA_DEMAND_ERRATIC;
    return c < 0.49 ? REGIA_DEMAND_INTERMITTENT : REGIA_DEMAND_LUMPY;
}

/* --- the pieces statsforecast builds its methods from ---------------------------------- */

/* numpy's pairwise summation of a contiguous float64 array (what np.sum, np.mean and
 * reshape(...).sum(axis=1) do): plain loop under 8 values, 8 accumulators up to 128,
 * halves (rounded down to a multiple of 8) above. */
static double np_pairwise_sum(const double *a, int64_t n)
{
    if (n < 8) {
        double r = 0.0;
        for (int64_t i = 0; i < n; i++) r += a[i];
        return r;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = a[j];
        int64_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return np_pairwise_sum(a, n2) + np_pairwise_sum(a + n2, n - n2);
}

/* SES one-step forecast: level_0 = x_0, level <- alpha x_i + (1 - alpha) level for every
 * x_i (x_0 included); one value forecasts itself. */
static double ses_forecast(const double *x, int64_t n, double alpha)
{
    if (n == 1) return x[0];
    double c = 1.0 - alpha, f = x[0];
    for (int64_t i = 0; i < n; i++) f = alpha * x[i] + c * f;
    return f;
}

/* SES with alpha from the golden-section search (kernels/croston_golden.c). */
static double optimized_ses_forecast(const double *x, int64_t n, regia_im_gs_t *g)
{
    return ses_forecast(x, n, regia_im_golden(g, x, n));
}

/* ADIDA's aggregate forecast (src/ses.cpp chunk_forecast): drop the first n mod k values,
 * sum blocks of k (left to right), optimised SES of the sums; a single block forecasts
 * itself. */
static double chunk_forecast(const double *y, int64_t n, int64_t k, double *sums, regia_im_gs_t *g)
{
    int64_t lost = n % k, n_cut = n - lost;
    if (n_cut < k) return y[n - 1]; /* unreachable for k = round(ADI) <= n; as statsforecast */
    int64_t n_chunks = n_cut / k;
    for (int64_t i = 0; i < n_chunks; i++) {
        double s = 0.0;
        for (int64_t j = 0; j < k; j++) s += y[lost + i * k + j];
        sums[i] = s;
    }
    if (n_chunks <= 1) return sums[0];
    return optimized_ses_forecast(sums, n_chunks, g);
}

/* --- the methods ----------------------------------------------------------------------- */

double regia_im_fit_one(const double *y, int32_t n, int method, double alpha_d, double alpha_p, double *ws,
                        regia_im_fit_t *fit, regia_im_gs_t *g)
{
    double *yd = ws, *yi = ws + n, *tmp = ws + 2 * (size_t)n;
    int64_t nz = 0, last = 0;
    for (int32_t t = 0; t < n; t++)
        if (y[t] != 0.0) {
            yd[nz] = y[t];
            yi[nz] = (double)(t + 1 - last);
            last = t + 1;
            nz++;
        }
    fit->n_nz = (int32_t)nz;
    fit->mean = 0.0;
    fit->prob = 0.0;
    fit->scale = 0.0;
    /* No demand: statsforecast's Croston variants forecast the last value (0 here), TSB,
     * ADIDA and IMAPA return zeros; an empty series forecasts 0 as well. */
    if (nz == 0) return 0.0;

    double mean = 0.0, prob;
    switch (method) {
    case REGIA_IM_CLASSIC:
    case REGIA_IM_SBA:
    case REGIA_IM_OPTIMIZED: {
        double zf, pf;
        if (method == REGIA_IM_OPTIMIZED) {
            zf = optimized_ses_forecast(yd, nz, g);
            pf = optimized_ses_forecast(yi, nz, g);
        } else {
            zf = ses_forecast(yd, nz, 0.1);
            pf = ses_forecast(yi, nz, 0.1);
        }
        mean = pf != 0.0 ? zf / pf : zf;
        if (method == REGIA_IM_SBA) mean *= 0.95;
        /* intervals are >= 1, so is their smoothed level: 1/pf is a probability */
        prob = 1.0 / pf;
        break;
    }
    case REGIA_IM_TSB: {
        for (int32_t t = 0; t < n; t++) tmp[t] = y[t] != 0.0 ? 1.0 : 0.0;
        double pf = ses_forecast(tmp, n, alpha_p);
        double zf = ses_forecast(yd, nz, alpha_d);
        mean = pf * zf;
        prob = pf;
        break;
    }
    case REGIA_IM_ADIDA: {
        /* round(mean interval), half to even (numpy/Python round; rint in the default
         * rounding mode); the mean interval is exact: last position / count */
        int64_t k = (int64_t)rint((double)last / (double)nz);
        mean = chunk_forecast(y, n, k, tmp, g) / (double)k;
        prob = (double)nz / (double)n;
        break;
    }
    case REGIA_IM_IMAPA: {
        int64_t kmax = (int64_t)rint((double)last / (double)nz);
        double *fc = yi; /* kmax <= n; the intervals are no longer needed */
        for (int64_t k = 1; k <= kmax; k++) {
            int64_t lost = n % k, n_chunks = (n - lost) / k;
            for (int64_t i = 0; i < n_chunks; i++) tmp[i] = np_pairwise_sum(y + lost + i * k, k);
            fc[k - 1] = optimized_ses_forecast(tmp, n_chunks, g) / (double)k;
        }
        mean = np_pairwise_sum(fc, kmax) / (double)kmax;
        prob = (double)nz / (double)n;
        break;
    }
    default:
        return NAN;
    }
    fit->mean = mean;
    if (prob > 1.0) prob = 1.0;
    /* sizes scaled so that E[B * scale * Z] = mean (docs/intermittent.md) */
    double zmean = 0.0;
    for (int64_t i = 0; i < nz; i++) zmean += yd[i];
    zmean /= (double)nz;
    if (mean > 0.0 && prob > 0.0 && zmean > 0.0 && isfinite(mean)) {
        fit->prob = prob;
        fit->scale = mean / (prob * zmean);
    }
    return mean;
}

/* --- entry points ---------------------------------------------------------------------- */

enum { CHUNK = 32 }; /* series per work item: their searches share the lanes */

static int alpha_ok(double a)
{
    return isfinite(a) && a >= 0.0 && a <= 1.0;
}

double regia_croston1(const double *y, int32_t n, int method, double alpha_d, double alpha_p)
{
    if (n < 0 || method < 0 || method >= REGIA_IM_N) return NAN;
    if (method == REGIA_IM_TSB && (!alpha_ok(alpha_d) || !alpha_ok(alpha_p))) return NAN;
    for (int32_t t = 0; t < n; t++)
        if (!(y[t] >= 0.0) || !isfinite(y[t])) return NAN;
    double *ws = malloc(sizeof(double) * REGIA_IM_WS(n));
    if (!ws) return NAN;
    regia_im_fit_t fit;
    double m = regia_im_fit_one(y, n, method, alpha_d, alpha_p, ws, &fit, NULL);
    free(ws);
    return m;
}

regia_status_t regia_croston(const regia_croston_batch_t *in, regia_croston_out_t *out, int threads)
{
    if (!in || !out || !out->mean) return REGIA_FAIL(REGIA_ERR_INVALID, "croston: no input or no mean output");
    if (in->n_series < 0 || in->stride < 0 || (in->n_series > 0 && (!in->y || !in->len)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "croston: %d series of stride %d without data", in->n_series,
                          in->stride);
    if (in->method < 0 || in->method >= REGIA_IM_N)
        return REGIA_FAIL(REGIA_ERR_INVALID, "croston: unknown method %d", in->method);
    if (in->method == REGIA_IM_TSB && (!alpha_ok(in->alpha_d) || !alpha_ok(in->alpha_p)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "croston: TSB needs alpha_d and alpha_p in [0, 1] (got %g, %g)",
                          in->alpha_d, in->alpha_p);
    if (in->horizon < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "croston: horizon %d < 1", in->horizon);
    if (in->n_levels < 0 || (in->n_levels > 0 && (!in->levels || !out->lower || !out->upper)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "croston: %d levels without levels or interval outputs", in->n_levels);
    for (int32_t l = 0; l < in->n_levels; l++)
        if (!(in->levels[l] > 0.0 && in->levels[l] < 100.0))
            return REGIA_FAIL(REGIA_ERR_INVALID, "croston: level %g outside (0, 100)", in->levels[l]);
    for (int32_t s = 0; s < in->n_series; s++)
        if (in->len[s] < 0 || in->len[s] > in->stride)
            return REGIA_FAIL(REGIA_ERR_INVALID, "croston: series %d has length %d outside [0, %d]", s, in->len[s],
                              in->stride);

    int nt = threads > 0 ? threads : omp_get_max_threads();
    int nomem = 0;
    int64_t bad = INT64_MAX; /* first bad value, as series * stride + t */
    /* Optimized, ADIDA and IMAPA: each chunk's golden-section searches are recorded,
     * solved side by side, then replayed (kernels/croston_golden.c) */
    int searches = in->method == REGIA_IM_OPTIMIZED || in->method == REGIA_IM_ADIDA || in->method == REGIA_IM_IMAPA;
    int32_t n_chunks = (in->n_series + CHUNK - 1) / CHUNK;
#pragma omp parallel num_threads(nt)
    {
        double *ws = malloc(sizeof(double) * REGIA_IM_WS(in->stride));
        regia_im_gs_t gs;
        memset(&gs, 0, sizeof gs);
        unsigned char ok[CHUNK];
        if (!ws) {
#pragma omp atomic write
            nomem = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int32_t ch = 0; ch < n_chunks; ch++) {
            if (!ws) continue;
            int32_t s0 = ch * CHUNK, s1 = s0 + CHUNK < in->n_series ? s0 + CHUNK : in->n_series;
            for (int32_t s = s0; s < s1; s++) {
                const double *y = in->y + (size_t)s * (size_t)in->stride;
                int32_t n = in->len[s], t;
                for (t = 0; t < n; t++)
                    if (!(y[t] >= 0.0) || !isfinite(y[t])) break;
                ok[s - s0] = t == n;
                if (t < n) {
                    int64_t at = (int64_t)s * in->stride + t;
#pragma omp critical(regia_croston_bad)
                    if (at < bad) bad = at;
                }
            }
            regia_im_gs_t *g = NULL;
            if (searches) {
                regia_im_fit_t fit;
                regia_im_gs_reset(&gs, REGIA_IM_GS_RECORD);
                for (int32_t s = s0; s < s1; s++)
                    if (ok[s - s0])
                        regia_im_fit_one(in->y + (size_t)s * (size_t)in->stride, in->len[s], in->method, in->alpha_d,
                                         in->alpha_p, ws, &fit, &gs);
                /* out of memory: direct searches (the same answers, only slower) */
                if (regia_im_gs_solve(&gs)) regia_im_gs_reset(&gs, REGIA_IM_GS_DIRECT);
                else if (gs.mode == REGIA_IM_GS_RECORD) regia_im_gs_reset(&gs, REGIA_IM_GS_REPLAY);
                g = &gs;
            }
            for (int32_t s = s0; s < s1; s++) {
                if (!ok[s - s0]) continue;
                const double *y = in->y + (size_t)s * (size_t)in->stride;
                int32_t n = in->len[s];
                regia_im_fit_t fit;
                out->mean[s] = regia_im_fit_one(y, n, in->method, in->alpha_d, in->alpha_p, ws, &fit, g);
                if (in->n_levels > 0 || out->var) {
                    double v;
                    regia_im_predictive(y, n, &fit, in->n_levels, in->levels, ws,
                                        in->n_levels > 0 ? out->lower + (size_t)s * in->n_levels : NULL,
                                        in->n_levels > 0 ? out->upper + (size_t)s * in->n_levels : NULL, &v);
                    if (out->var) out->var[s] = v;
                }
                if (out->prob) out->prob[s] = fit.prob;
                if (out->adi || out->cv2 || out->demand_class) {
                    double adi, cv2;
                    int cls = regia_demand_classify(y, n, &adi, &cv2);
                    if (out->adi) out->adi[s] = adi;
                    if (out->cv2) out->cv2[s] = cv2;
                    if (out->demand_class) out->demand_class[s] = cls;
                }
            }
        }
        regia_im_gs_free(&gs);
        free(ws);
    }
    if (nomem) return REGIA_FAIL(REGIA_ERR_NOMEM, "croston: no memory for a workspace of %d values", in->stride);
    if (bad != INT64_MAX) {
        int32_t s = (int32_t)(bad / (in->stride ? in->stride : 1)), t = (int32_t)(bad % (in->stride ? in->stride : 1));
        return REGIA_FAIL(REGIA_ERR_INVALID, "croston: series %d, value %d is %g (demand must be finite and >= 0)", s,
                          t, in->y[bad]);
    }
    return REGIA_OK;
}
