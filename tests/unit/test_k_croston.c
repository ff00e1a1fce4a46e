/* Croston family kernel (kernels/croston.c, kernels/croston_intervals.c): the worked
 * example of DOMAIN.md section 3, the Syntetos-Boylan classes, edge cases as
 * statsforecast 2.1.1 treats them, the predictive distribution (non-negative integer
 * bounds, nested levels, exact variance, coverage on series simulated from the stated
 * model), batch = single series, thread invariance and bad requests.
 *
 * `test_k_croston --csv IN OUT` instead writes every method's forecast (through the batch
 * entry point) for the series of IN (lines "id,y0,y1,..."; an id alone is an empty
 * series) to OUT, for tests/cli/test_croston_statsforecast.sh to compare with
 * statsforecast. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/croston.h"

static const double S[16] = {0, 0, 3, 0, 0, 1, 0, 0, 0, 4, 0, 2, 0, 0, 5, 0};

/* --- CSV mode -------------------------------------------------------------------------- */

/* The TSB parameter pairs the statsforecast comparison uses (tests/reference/croston_statsforecast.py). */
static const double TSB_PAIRS[2][2] = {{0.2, 0.1}, {0.5, 0.05}};

/* Every method through the batch entry point (regia_croston, 2 threads: the path the
 * domains use, lanes included), series padded to the longest. */
static int csv_mode(const char *in_path, const char *out_path)
{
    FILE *in = fopen(in_path, "r");
    if (!in) {
        fprintf(stderr, "test_k_croston: cannot open %s\n", in_path);
        return 2;
    }
    enum { MAX_SERIES = 1 << 16, MAX_LEN = 4096 };
    static char line[1 << 20];
    static char *ids[MAX_SERIES];
    static int32_t len[MAX_SERIES];
    size_t cap = (size_t)1 << 20; /* values; grown below */
    double *y = malloc(cap * sizeof(double));
    int ns = 0, lineno = 0, stride = 0;
    static double row[MAX_LEN];
    while (fgets(line, sizeof line, in)) {
        lineno++;
        char *p = strchr(line, ','), *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        int n = 0;
        if (p) {
            *p++ = '\0';
            while (*p) {
                char *end;
                double v = strtod(p, &end);
                if (end == p || (*end && *end != ',') || n == MAX_LEN) {
                    fprintf(stderr, "%s:%d: field %d: not a number (or over %d values): %.20s\n", in_path, lineno,
                            n + 2, MAX_LEN, p);
                    fclose(in);
                    return 2;
                }
                row[n++] = v;
                p = *end ? end + 1 : end;
            }
        }
        if (ns == MAX_SERIES || !y) {
            fprintf(stderr, "%s:%d: more than %d series\n", in_path, lineno, MAX_SERIES);
            fclose(in);
            return 2;
        }
        while ((size_t)(ns + 1) * MAX_LEN > cap) {
            cap *= 2;
            y = realloc(y, cap * sizeof(double));
            if (!y) {
                fprintf(stderr, "test_k_croston: out of memory\n");
                return 2;
            }
        }
        memcpy(y + (size_t)ns * MAX_LEN, row, sizeof(double) * (size_t)n);
        len[ns] = n;
        ids[ns] = strdup(line);
        if (n > stride) stride = n;
        ns++;
    }
    fclose(in);
    /* repack at the longest length */
    for (int s = 0; s < ns; s++) memmove(y + (size_t)s * stride, y + (size_t)s * MAX_LEN, sizeof(double) * len[s]);
    static const int method[7] = {REGIA_IM_CLASSIC, REGIA_IM_SBA,   REGIA_IM_OPTIMIZED, REGIA_IM_TSB,
                                  REGIA_IM_TSB,     REGIA_IM_ADIDA, REGIA_IM_IMAPA};
    double *f = calloc((size_t)ns * 7 + 1, sizeof(double)), *adi = calloc((size_t)ns + 1, sizeof(double)),
           *cv2 = calloc((size_t)ns + 1, sizeof(double)), *mean = calloc((size_t)ns + 1, sizeof(double));
    int32_t *cls = calloc((size_t)ns + 1, sizeof(int32_t));
    if (!f || !adi || !cv2 || !mean || !cls) {
        fprintf(stderr, "test_k_croston: out of memory\n");
        return 2;
    }
    for (int k = 0; k < 7; k++) {
        double ad = k == 4 ? TSB_PAIRS[1][0] : TSB_PAIRS[0][0], ap = k == 4 ? TSB_PAIRS[1][1] : TSB_PAIRS[0][1];
        regia_croston_batch_t bin = {.n_series = ns, .stride = stride, .y = y, .len = len, .method = method[k],
                                     .alpha_d = ad, .alpha_p = ap, .horizon = 1};
        regia_croston_out_t bout = {.mean = mean, .adi = adi, .cv2 = cv2, .demand_class = cls};
        if (regia_croston(&bin, &bout, 2)) {
            fprintf(stderr, "%s: %s\n", in_path, regia_error_msg());
            return 2;
        }
        for (int s = 0; s < ns; s++) f[(size_t)s * 7 + k] = mean[s];
    }
    FILE *out = fopen(out_path, "w");
    if (!out) {
        fprintf(stderr, "test_k_croston: cannot create %s\n", out_path);
        return 2;
    }
    fprintf(out, "id,classic,sba,optimized,tsb_0.2_0.1,tsb_0.5_0.05,adida,imapa,adi,cv2,class\n");
    for (int s = 0; s < ns; s++) {
        fprintf(out, "%s", ids[s]);
        for (int k = 0; k < 7; k++) fprintf(out, ",%.17g", f[(size_t)s * 7 + k]);
        fprintf(out, ",%.17g,%.17g,%s\n", adi[s], cv2[s], regia_demand_class_name(cls[s]));
    }
    int rc = 0;
    if (fclose(out)) {
        fprintf(stderr, "test_k_croston: writing %s failed\n", out_path);
        rc = 2;
    }
    for (int s = 0; s < ns; s++) free(ids[s]);
    free(y);
    free(f);
    free(adi);
    free(cv2);
    free(mean);
    free(cls);
    return rc;
}

/* --- the worked example ---------------------------------------------------------------- */

static void test_example(void)
{
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_CLASSIC, 0, 0), 1.0181210298, 0, 1e-9);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_SBA, 0, 0), 0.9672149783, 0, 1e-9);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_TSB, 0.2, 0.1), 0.8510292332, 0, 1e-9);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_ADIDA, 0, 0), 1.0150666667, 0, 1e-9);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_IMAPA, 0, 0), 1.0353415700, 0, 1e-9);
    /* statsforecast 2.1.1 CrostonOptimized on S: 1.0181210297560448 (its alphas end
     * near, not at, 0.1) */
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_OPTIMIZED, 0, 0), 1.0181210297560448, 0, 1e-12);
    /* statsforecast's full-precision values (CrostonClassic().forecast(y=S, h=1)) */
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_CLASSIC, 0, 0), 1.0181210297559347, 0, 1e-15);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_IMAPA, 0, 0), 1.0353415700175959, 0, 1e-15);

    double adi, cv2;
    int cls = regia_demand_classify(S, 16, &adi, &cv2);
    CHECK_CLOSE(adi, 3.0, 0, 1e-15);  /* last demand at position 15, 5 demands */
    CHECK_CLOSE(cv2, 2.0 / 9.0, 0, 1e-15); /* sizes 3,1,4,2,5: var 2, mean 3 */
    CHECK(cls == REGIA_DEMAND_INTERMITTENT);
}

/* --- statsforecast's corners (values from statsforecast 2.1.1, full precision) -------- */

typedef struct {
    const char *name;
    int n;
    double y[16];
    double want[7]; /* classic, sba, optimized, tsb(0.2,0.1), tsb(0.5,0.05), adida, imapa */
} corner_t;

static const corner_t CORNERS[] = {
    /* one demand: every SES sees one value and forecasts it; k = 4 gives two blocks */
    {"single demand", 8, {0, 0, 0, 4, 0, 0, 0, 0},
     {1.0, 0.95, 1.0, 0.26244000000000006, 0.16290124999999997, 0.8, 0.5727766666668843}},
    {"length 1", 1, {4}, {4.0, 3.8, 4.0, 4.0, 4.0, 4.0, 4.0}},
    /* mean interval 2.5 rounds to 2, 3.5 to 4, 4.5 to 4 (half to even) */
    {"tie 2.5", 10, {0, 2, 0, 0, 3, 0, 0, 0, 0, 0},
     {1.0, 0.95, 1.0, 0.2246105862000001, 0.1796501710986328, 0.553992284142775, 0.40861636307152893}},
    {"tie 3.5", 12, {0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0},
     {0.4516129032258064, 0.42903225806451606, 0.5625, 0.17602388802000007, 0.21060455208369128,
      0.3150000000001762, 0.3193230122253318}},
    {"tie 4.5", 9, {1, 0, 0, 0, 0, 0, 0, 0, 1},
     {0.588235294117647, 0.5588235294117646, 0.41666666666666663, 0.5304672100000002, 0.7134204312890623, 0.05,
      0.2027453358332847}},
    /* k = 7 on 8 values: one block, which forecasts itself */
    {"one block", 8, {0, 0, 0, 0, 0, 0, 3, 0},
     {0.42857142857142855, 0.4071428571428571, 0.42857142857142855, 0.27, 0.14250000000000002,
      0.42857142857142855, 0.34979591836745677}},
    {"two blocks", 15, {0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 2},
     {1.050632911392405, 0.9981012658227846, 0.9743589743589743, 1.1235056440000002, 0.4670427564257812, 1.375,
      0.7504129909166364}},
    /* non-integer sizes: IMAPA's numpy sums */
    {"fractional", 16, {0, 0.37, 0, 0, 1.11, 0, 2.96, 0, 0, 0, 0.74, 0.13, 0, 0, 1.85, 0},
     {0.3413161364134054, 0.32425032959273514, 0.45464469287547077, 0.30790404357624923, 0.2706648100207508,
      0.3460949215003832, 0.3613971678096103}},
};

static double run1(const double *y, int n, int k)
{
    static const int method[7] = {REGIA_IM_CLASSIC, REGIA_IM_SBA,   REGIA_IM_OPTIMIZED, REGIA_IM_TSB,
                                  REGIA_IM_TSB,     REGIA_IM_ADIDA, REGIA_IM_IMAPA};
    double ad = k == 4 ? TSB_PAIRS[1][0] : TSB_PAIRS[0][0], ap = k == 4 ? TSB_PAIRS[1][1] : TSB_PAIRS[0][1];
    return regia_croston1(y, n, method[k], ad, ap);
}

static void test_corners(void)
{
    for (size_t c = 0; c < sizeof CORNERS / sizeof CORNERS[0]; c++)
        for (int k = 0; k < 7; k++) {
            double got = run1(CORNERS[c].y, CORNERS[c].n, k), want = CORNERS[c].want[k];
            CHECK_MSG(got == want, "%s, column %d: %.17g, statsforecast %.17g", CORNERS[c].name, k, got, want);
        }
    /* no demand (and no data): 0 from every method */
    double z[13] = {0};
    for (int k = 0; k < 7; k++) {
        CHECK(run1(z, 13, k) == 0.0);
        CHECK(run1(z, 0, k) == 0.0);
    }
    /* bad single-series requests: NaN, not a number that looks like a forecast */
    double neg[3] = {1, -1, 2}, nan3[3] = {1, NAN, 2};
    CHECK(isnan(regia_croston1(neg, 3, REGIA_IM_CLASSIC, 0, 0)));
    CHECK(isnan(regia_croston1(nan3, 3, REGIA_IM_IMAPA, 0, 0)));
    CHECK(isnan(regia_croston1(S, 16, REGIA_IM_TSB, 1.5, 0.1)));
    CHECK(isnan(regia_croston1(S, 16, REGIA_IM_N, 0, 0)));
}

/* --- names and classes ----------------------------------------------------------------- */

static void test_names_and_classes(void)
{
    for (int m = 0; m < REGIA_IM_N; m++) CHECK(regia_im_method_parse(regia_im_method_name(m)) == m);
    CHECK(regia_im_method_parse("TSB") == REGIA_IM_TSB);
    CHECK(regia_im_method_parse("croston") == -1);
    CHECK(regia_im_method_parse(NULL) == -1);
    CHECK(!strcmp(regia_im_method_name(-1), "unknown"));
    CHECK(!strcmp(regia_demand_class_name(REGIA_DEMAND_LUMPY), "lumpy"));
    CHECK(!strcmp(regia_demand_class_name(REGIA_DEMAND_ZERO), "zero"));
    CHECK(!strcmp(regia_demand_class_name(7), "unknown"));

    double adi, cv2;
    double smooth[6] = {5, 5, 5, 5, 5, 5};
    CHECK(regia_demand_classify(smooth, 6, &adi, &cv2) == REGIA_DEMAND_SMOOTH);
    CHECK(adi == 1.0 && cv2 == 0.0);
    double erratic[6] = {1, 10, 1, 10, 1, 10}; /* CV^2 = 4.5^2 / 5.5^2 */
    CHECK(regia_demand_classify(erratic, 6, &adi, &cv2) == REGIA_DEMAND_ERRATIC);
    CHECK_CLOSE(cv2, 20.25 / 30.25, 1e-15, 0);
    double lumpy[8] = {0, 1, 0, 0, 10, 0, 0, 0};
    CHECK(regia_demand_classify(lumpy, 8, &adi, &cv2) == REGIA_DEMAND_LUMPY);
    CHECK(adi == 2.5); /* trailing zeros do not count: last demand at 5, 2 demands */
    double zero[4] = {0, 0, 0, 0};
    CHECK(regia_demand_classify(zero, 4, &adi, &cv2) == REGIA_DEMAND_ZERO);
    CHECK(isnan(adi) && isnan(cv2));
    CHECK(regia_demand_classify(zero, 0, NULL, NULL) == REGIA_DEMAND_ZERO);
    double one[5] = {0, 0, 7, 0, 0};
    CHECK(regia_demand_classify(one, 5, &adi, &cv2) == REGIA_DEMAND_INTERMITTENT);
    CHECK(adi == 3.0 && cv2 == 0.0);
    /* the cut-offs belong to the upper classes: ADI 33/25 = 1.32, CV^2 (14/20)^2 = 0.49 */
    double at[33] = {0};
    for (int i = 0; i < 24; i++) at[i] = 4; /* 25 demands, the last at position 33 */
    at[32] = 4;
    CHECK(regia_demand_classify(at, 33, &adi, &cv2) == REGIA_DEMAND_INTERMITTENT);
    CHECK(adi == 1.32);
    double cv[2] = {17, 3};
    CHECK(regia_demand_classify(cv, 2, &adi, &cv2) == REGIA_DEMAND_ERRATIC);
    CHECK(cv2 == 0.49);
}

/* --- the predictive distribution ------------------------------------------------------- */

/* xorshift64*: deterministic test data */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static double urand(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

/* One step of the test's data-generating model: Bernoulli(p) x (1 + Binomial(2m, 1/2)). */
static double draw_demand(double p, int m)
{
    if (urand() >= p) return 0.0;
    int z = 1;
    for (int i = 0; i < 2 * m; i++) z += urand() < 0.5;
    return z;
}

/* The model of croston.h rebuilt from its outputs (mean, prob) and the series: P(lo <= D <= hi),
 * an atom counting as inside when within 1e-9 of the bounds (the rounding slack of the
 * kernel's integer bounds: c * z = 13.000000000000002 is the atom 13). */
static double model_coverage(const double *y, int n, double mean, double p, double lo, double hi)
{
    double zs = 0;
    int nz = 0;
    for (int t = 0; t < n; t++)
        if (y[t] != 0) zs += y[t], nz++;
    if (nz == 0 || p <= 0 || mean <= 0) return lo <= 0 && 0 <= hi;
    double c = mean / (p * zs / nz), cov = lo <= 0 ? 1 - p : 0;
    for (int t = 0; t < n; t++)
        if (y[t] != 0 && c * y[t] >= lo - 1e-9 && c * y[t] <= hi + 1e-9) cov += p / nz;
    return cov;
}

enum { NSER = 300, STRIDE = 120 };

static void make_batch(double *y, int32_t *len)
{
    for (int s = 0; s < NSER; s++) {
        len[s] = s % 17 == 0 ? 0 : 1 + (int)(urand() * STRIDE) % STRIDE;
        double p = s % 13 == 1 ? 0.0 : 0.03 + 0.9 * urand();
        int m = 1 + (int)(urand() * 12);
        for (int t = 0; t < STRIDE; t++) y[(size_t)s * STRIDE + t] = t < len[s] ? draw_demand(p, m) : -1.0;
        if (s % 11 == 5) { /* a single demand */
            for (int t = 0; t < len[s]; t++) y[(size_t)s * STRIDE + t] = 0;
            y[(size_t)s * STRIDE + len[s] / 2] = 3;
        }
        if (s % 7 == 2) /* non-integer sizes */
            for (int t = 0; t < len[s]; t++) y[(size_t)s * STRIDE + t] *= 0.73;
    }
}

typedef struct {
    double mean[NSER], lo[NSER * 2], hi[NSER * 2], var[NSER], prob[NSER], adi[NSER], cv2[NSER];
    int32_t cls[NSER];
} batch_out_t;

static regia_status_t run_batch(const double *y, const int32_t *len, int method, int threads, batch_out_t *o)
{
    static const double levels[2] = {80, 95};
    regia_croston_batch_t in = {.n_series = NSER, .stride = STRIDE, .y = y, .len = len, .method = method,
                                .alpha_d = 0.2, .alpha_p = 0.1, .horizon = 4, .n_levels = 2, .levels = levels};
    regia_croston_out_t out = {.mean = o->mean, .lower = o->lo, .upper = o->hi, .adi = o->adi, .cv2 = o->cv2,
                               .demand_class = o->cls, .var = o->var, .prob = o->prob};
    return regia_croston(&in, &out, threads);
}

static void test_batch(void)
{
    static double y[NSER * STRIDE];
    static int32_t len[NSER];
    static batch_out_t a, b;
    make_batch(y, len);
    for (int m = 0; m < REGIA_IM_N; m++) {
        memset(&a, 0, sizeof a);
        memset(&b, 0xff, sizeof b);
        CHECK_OK(run_batch(y, len, m, 1, &a));
        CHECK_OK(run_batch(y, len, m, 2, &b));
        CHECK_MSG(!memcmp(&a, &b, sizeof a), "%s: 1 and 2 threads differ", regia_im_method_name(m));
        int bad_single = 0, bad_iv = 0, bad_var = 0, bad_cls = 0, bad_cov = 0;
        for (int s = 0; s < NSER; s++) {
            const double *ys = y + (size_t)s * STRIDE;
            double one = regia_croston1(ys, len[s], m, 0.2, 0.1);
            bad_single += !(a.mean[s] == one);
            double adi, cv2;
            int cls = regia_demand_classify(ys, len[s], &adi, &cv2);
            bad_cls += cls != a.cls[s] || !(adi == a.adi[s] || (isnan(adi) && isnan(a.adi[s])));
            /* bounds: integers >= 0, the 80 % interval inside the 95 % one */
            for (int l = 0; l < 2; l++) {
                double lo = a.lo[s * 2 + l], hi = a.hi[s * 2 + l];
                bad_iv += !(lo >= 0 && lo == floor(lo) && hi == floor(hi) && lo <= hi);
                /* each interval holds at least its level under the model */
                bad_cov += model_coverage(ys, len[s], a.mean[s], a.prob[s], lo, hi) < (l ? 0.95 : 0.80) - 1e-9;
            }
            bad_iv += !(a.lo[s * 2 + 1] <= a.lo[s * 2] && a.hi[s * 2] <= a.hi[s * 2 + 1]);
            /* variance and mean of the model, enumerated from the series */
            double zs = 0, z2 = 0;
            int nz = 0;
            for (int t = 0; t < len[s]; t++)
                if (ys[t] != 0) zs += ys[t], z2 += ys[t] * ys[t], nz++;
            if (nz == 0 || a.mean[s] == 0) {
                bad_var += !(a.var[s] == 0 && a.hi[s * 2 + 1] == 0);
            } else {
                double p = a.prob[s], c = a.mean[s] / (p * zs / nz);
                double ed = p * c * zs / nz, ed2 = p * c * c * z2 / nz;
                bad_var += !(p > 0 && p <= 1 && fabs(ed - a.mean[s]) <= 1e-12 * a.mean[s] &&
                             fabs(a.var[s] - (ed2 - ed * ed)) <= 1e-9 * (ed2 + 1e-300));
            }
        }
        CHECK_MSG(!bad_single, "%s: %d series differ between batch and regia_croston1", regia_im_method_name(m),
                  bad_single);
        CHECK_MSG(!bad_cls, "%s: %d classes differ", regia_im_method_name(m), bad_cls);
        CHECK_MSG(!bad_iv, "%s: %d bad or non-nested intervals", regia_im_method_name(m), bad_iv);
        CHECK_MSG(!bad_cov, "%s: %d intervals below their level under the model", regia_im_method_name(m), bad_cov);
        CHECK_MSG(!bad_var, "%s: %d variances or means off the model", regia_im_method_name(m), bad_var);
    }
    /* the occurrence probability each method states */
    double adi, cv2;
    regia_demand_classify(S, 16, &adi, &cv2);
    int32_t n16 = 16;
    double mean, lo[2], hi[2], var, prob;
    const double lv[2] = {80, 95};
    regia_croston_batch_t in = {.n_series = 1, .stride = 16, .y = S, .len = &n16, .method = REGIA_IM_ADIDA,
                                .horizon = 1, .n_levels = 2, .levels = lv};
    regia_croston_out_t out = {.mean = &mean, .lower = lo, .upper = hi, .var = &var, .prob = &prob};
    CHECK_OK(regia_croston(&in, &out, 0));
    CHECK(prob == 5.0 / 16.0); /* ADIDA: the share of non-zero periods */
    /* S: P(D = 0) = 11/16 < 0.9, so the 80 % interval reaches a size; sizes 3,1,4,2,5 x c,
     * c = mean / (p * 3) = 1.083: (0.9 - 11/16) / (5/16) = 0.68 -> 4th size, 4 c = 4.33 -> 5 */
    CHECK(lo[0] == 0 && hi[0] == 5 && lo[1] == 0 && hi[1] == 6);
    in.method = REGIA_IM_CLASSIC;
    CHECK_OK(regia_croston(&in, &out, 1));
    /* Classic: 1 / (SES of the intervals 3,3,4,2,3 at alpha 0.1: 3, 3, 3, 3.1, 2.99, 2.991) */
    CHECK_CLOSE(prob, 1.0 / 2.991, 1e-14, 0);
    CHECK(mean == regia_croston1(S, 16, REGIA_IM_CLASSIC, 0, 0));
}

/* Coverage on series simulated from the stated model: i.i.d. Bernoulli(p) occurrence,
 * sizes 1 + Binomial(2m, 1/2), fitted on 80 steps, the 81st held out.  The bounds are
 * integers around a discrete law with an atom at 0, so the right target is not L itself
 * but what the fitted model says its interval holds (>= L, often well above): the
 * empirical coverage must be within 0.05 of that (the fitted model is optimistic by up
 * to 0.04 here: p and the sizes come from 80 values) and at least L - 0.01.  4000
 * series: Monte Carlo standard error <= 0.0065. */
static void test_coverage(void)
{
    enum { NS = 4000, N = 80 };
    static double y[NS * (N + 1)];
    static int32_t len[NS];
    static double mean[NS], lo[NS * 2], hi[NS * 2], prob[NS], var[NS];
    const double lv[2] = {80, 95};
    const struct { double p; int m; } dgp[] = {{0.25, 3}, {0.6, 8}, {0.95, 10}};
    for (size_t g = 0; g < sizeof dgp / sizeof dgp[0]; g++) {
        for (int s = 0; s < NS; s++) {
            len[s] = N;
            for (int t = 0; t <= N; t++) y[(size_t)s * (N + 1) + t] = draw_demand(dgp[g].p, dgp[g].m);
        }
        const int methods[] = {REGIA_IM_CLASSIC, REGIA_IM_SBA, REGIA_IM_TSB, REGIA_IM_ADIDA, REGIA_IM_IMAPA};
        for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++) {
            regia_croston_batch_t in = {.n_series = NS, .stride = N + 1, .y = y, .len = len, .method = methods[k],
                                        .alpha_d = 0.1, .alpha_p = 0.1, .horizon = 1, .n_levels = 2, .levels = lv};
            regia_croston_out_t out = {.mean = mean, .lower = lo, .upper = hi, .var = var, .prob = prob};
            CHECK_OK(regia_croston(&in, &out, 0));
            for (int l = 0; l < 2; l++) {
                double hit = 0, claim = 0;
                for (int s = 0; s < NS; s++) {
                    const double *ys = y + (size_t)s * (N + 1);
                    double next = ys[N];
                    hit += next >= lo[s * 2 + l] && next <= hi[s * 2 + l];
                    claim += model_coverage(ys, N, mean[s], prob[s], lo[s * 2 + l], hi[s * 2 + l]);
                }
                hit /= NS;
                claim /= NS;
                double L = lv[l] / 100;
                fprintf(stderr, "coverage p %.2f m %2d %-9s %2.0f%%: empirical %.3f, model %.3f\n", dgp[g].p,
                        dgp[g].m, regia_im_method_name(methods[k]), lv[l], hit, claim);
                CHECK_MSG(hit >= L - 0.01, "p %.2f %s %g%%: coverage %.3f", dgp[g].p,
                          regia_im_method_name(methods[k]), lv[l], hit);
                CHECK_MSG(fabs(hit - claim) <= 0.05, "p %.2f %s %g%%: coverage %.3f, the model says %.3f", dgp[g].p,
                          regia_im_method_name(methods[k]), lv[l], hit, claim);
            }
        }
    }
}

static void test_bad_requests(void)
{
    double y[2 * 4] = {0, 1, 0, 2, 0, 3, -1, 0};
    int32_t len[2] = {4, 4};
    double mean[2], lo[2], hi[2], lv = 90;
    regia_croston_batch_t in = {.n_series = 2, .stride = 4, .y = y, .len = len, .method = REGIA_IM_CLASSIC,
                                .horizon = 1, .n_levels = 1, .levels = &lv};
    regia_croston_out_t out = {.mean = mean, .lower = lo, .upper = hi};
    CHECK(regia_croston(&in, &out, 2) == REGIA_ERR_INVALID);
    CHECK_MSG(strstr(regia_error_msg(), "series 1, value 2") != NULL, "%s", regia_error_msg());
    y[6] = INFINITY;
    CHECK(regia_croston(&in, &out, 1) == REGIA_ERR_INVALID);
    y[6] = 1;
    CHECK_OK(regia_croston(&in, &out, 1));
    len[1] = 5;
    CHECK(regia_croston(&in, &out, 1) == REGIA_ERR_INVALID);
    CHECK_MSG(strstr(regia_error_msg(), "length 5") != NULL, "%s", regia_error_msg());
    len[1] = 4;
    lv = 100;
    CHECK(regia_croston(&in, &out, 1) == REGIA_ERR_INVALID);
    lv = 90;
    in.horizon = 0;
    CHECK(regia_croston(&in, &out, 1) == REGIA_ERR_INVALID);
    in.horizon = 1;
    in.method = REGIA_IM_TSB; /* alphas 0, 0 are allowed; NaN is not */
    CHECK_OK(regia_croston(&in, &out, 1));
    in.alpha_p = NAN;
    CHECK(regia_croston(&in, &out, 1) == REGIA_ERR_INVALID);
    in.method = 17;
    CHECK(regia_croston(&in, &out, 1) == REGIA_ERR_INVALID);
    in.method = REGIA_IM_SBA;
    out.lower = NULL;
    CHECK(regia_croston(&in, &out, 1) == REGIA_ERR_INVALID);
    in.n_levels = 0; /* no intervals asked: none needed */
    CHECK_OK(regia_croston(&in, &out, 1));
    CHECK(mean[0] == regia_croston1(y, 4, REGIA_IM_SBA, 0, 0));
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--csv")) return csv_mode(argv[2], argv[3]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--csv IN OUT]\n", argv[0]);
        return 2;
    }
    test_example();
    test_corners();
    test_names_and_classes();
    test_batch();
    test_coverage();
    test_bad_requests();
    return check_done();
}
