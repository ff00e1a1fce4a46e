/* ETS forecast variances at long horizons (kernels/ets_fit_impl.h, regia_ets_forecast_var).
 *
 *  1. Against R's forecast::ets intervals (tests/reference/ets_horizon_reference.csv, made by
 *     ets_horizon_reference.R): R's fitted parameters, sigma2 and final state are the
 *     inputs, R's variances (from its 95 % intervals) the expected values, at steps up to
 *     1500 (classes 1, 2 and 3, the ones R computes in closed form).
 *  2. Against an independent simulation written here (its own recursions and normal
 *     generator, 10^5 paths): the class 3 closed form (also damped, where R 8.20 differs)
 *     and the simulated classes 4 and 5 (regia's 4000 paths), with tolerances from the
 *     Monte Carlo error of both estimates.
 *  3. No flat tail: for every class the variance keeps growing after steps 64 and 1024
 *     (where it used to stop), up to the longest horizon regia forecast accepts.
 *  4. The same through regia_ets() on the CPU backend (fit, then forecast 1500 steps). */
#include "../../kernels/ets_fit_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "regia/kernels.h"

#define MAXM 24
#define MAXSTEPS 32

/* ---- a model with fixed parameters ------------------------------------------------- */

typedef struct {
    regia_ets_model_t mod;
    int m;
    double alpha, beta, gamma, phi, sigma2;
    double st[2 + MAXM];           /* regia's order: level, trend, season of step 1, 2, ... */
} fixed_t;

typedef struct {
    regia_ets_problem_t p;
    regia_ets_ws_t ws;
    double *wsmem, par[REGIA_ETS_MAX_NPAR], y[4];
} prob_t;

static void prob_init(prob_t *q, const fixed_t *f)
{
    q->wsmem = calloc((size_t)regia_ets_ws_doubles(f->m, 1), sizeof(double));
    regia_ets_ws_init(&q->ws, q->wsmem, 1, f->m, 1);
    regia_ets_problem_init(&q->p, q->y, 4, 4, f->m, f->mod, &q->ws);
    regia_ets_layout(&q->p);
    q->par[q->p.ia] = f->alpha;
    if (q->p.ib >= 0) q->par[q->p.ib] = f->beta;
    if (q->p.ig >= 0) q->par[q->p.ig] = f->gamma;
    if (q->p.ip >= 0) q->par[q->p.ip] = f->phi;
}

/* point forecasts and variances of f, h steps */
static void forecast_fixed(const fixed_t *f, int h, double *mean, double *var)
{
    prob_t q;
    prob_init(&q, f);
    regia_ets_point_forecast(&q.p, q.par, f->st, h, mean);
    regia_ets_forecast_var(&q.p, q.par, f->st, f->sigma2, h, mean, var);
    free(q.wsmem);
}

static int comp_of(char c) { return c == 'A' ? REGIA_ETS_ADD : c == 'M' ? REGIA_ETS_MULT : REGIA_ETS_NONE; }

static regia_ets_model_t model_of(const char *code)
{
    regia_ets_model_t m = {0, 0, 0, 0};
    m.error = (int8_t)comp_of(code[0]);
    m.trend = (int8_t)comp_of(code[1]);
    m.damped = code[2] == 'd';
    m.season = (int8_t)comp_of(code[m.damped ? 3 : 2]);
    return m;
}

/* ---- 1. R's intervals ----------------------------------------------------------------- */

static int parse_list(char *s, double *v, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save)) v[n++] = strtod(t, NULL);
    return n;
}

static double field_num(const char *s)
{
    return strcmp(s, "NA") ? strtod(s, NULL) : NAN;
}

static double z975(void) { return regia_ets_qnorm(0.975); }

static void check_r_reference(void)
{
    FILE *fp = fopen("tests/reference/ets_horizon_reference.csv", "r");
    CHECK_MSG(fp != NULL, "tests/reference/ets_horizon_reference.csv missing (run from the repository root)");
    if (!fp) return;
    static char line[1 << 16];
    int rows = 0, header = 0;
    const double z = z975();
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#') { fprintf(stderr, "reference: %s", line + 2); continue; }
        if (!header) { header = 1; continue; }
        char *fld[16], *save = NULL;
        int nf = 0;
        line[strcspn(line, "\r\n")] = 0;
        for (char *t = strtok_r(line, ",", &save); t && nf < 16; t = strtok_r(NULL, ",", &save)) fld[nf++] = t;
        CHECK_MSG(nf == 15, "bad reference line (%d fields)", nf);
        if (nf != 15) continue;
        fixed_t f = {0};
        const char *cs = fld[0], *code = fld[1], *src = fld[14];
        f.mod = model_of(code);
        f.m = atoi(fld[2]);
        const int h = atoi(fld[3]);
        f.alpha = field_num(fld[4]);
        f.beta = field_num(fld[5]);
        f.gamma = field_num(fld[6]);
        f.phi = field_num(fld[7]);
        f.sigma2 = field_num(fld[8]);
        double rst[2 + MAXM], steps[MAXSTEPS], rmean[MAXSTEPS], rlo[MAXSTEPS], rup[MAXSTEPS];
        int ns = parse_list(fld[9], rst, 2 + MAXM), nk = parse_list(fld[10], steps, MAXSTEPS);
        CHECK(parse_list(fld[11], rmean, MAXSTEPS) == nk && parse_list(fld[12], rlo, MAXSTEPS) == nk &&
              parse_list(fld[13], rup, MAXSTEPS) == nk);
        /* R's state: level, [trend], s1 .. sm with sm the season of step 1 */
        const int tr = f.mod.trend != REGIA_ETS_NONE, se = f.mod.season != REGIA_ETS_NONE;
        CHECK(ns == 1 + tr + (se ? f.m : 0));
        f.st[0] = rst[0];
        f.st[1] = tr ? rst[1] : 0;
        for (int j = 0; se && j < f.m; j++) f.st[2 + j] = rst[ns - 1 - j];
        double *mean = malloc(sizeof(double) * (size_t)h), *var = malloc(sizeof(double) * (size_t)h);
        forecast_fixed(&f, h, mean, var);
        const int cls = regia_ets_var_class(f.mod.error, f.mod.trend, f.mod.season);
        /* where R 8.20 itself is off (see ets_horizon_reference.R): class 3 with a damped
         * trend (l + b for l + phi b: every step), classes 1 and 2 with a season and no
         * trend (gamma one step early: from step m on).  There the rows marked
         * class3_phi / class1_gamma, R's code with that corrected, are the reference. */
        const int r_src = !strcmp(src, "R");
        const int r_off_all = r_src && cls == REGIA_ETS_VAR_CLASS3 && f.mod.damped;
        const int r_off_from_m = r_src && cls != REGIA_ETS_VAR_CLASS3 && se && !tr;
        double worst_var = 0, worst_mean = 0, worst_int = 0, r_off = 0;
        int compared = 0;
        for (int k = 0; k < nk; k++) {
            const int i = (int)steps[k] - 1;
            const double rv = pow((rup[k] - rlo[k]) / (2 * z), 2), sd = sqrt(var[i]);
            const double dv = fabs(var[i] - rv) / rv, dm = fabs(mean[i] - rmean[k]) / fabs(rmean[k]);
            const double di = fmax(fabs(mean[i] - z * sd - rlo[k]), fabs(mean[i] + z * sd - rup[k])) / (rup[k] - rlo[k]);
            if (r_off_all || (r_off_from_m && i + 1 >= f.m)) {
                if (dv > r_off) r_off = dv;
                continue;
            }
            compared++;
            if (dv > worst_var) worst_var = dv;
            if (dm > worst_mean) worst_mean = dm;
            if (di > worst_int) worst_int = di;
            /* R's arithmetic differs (matrix products, shifted seasons, a convolution for
             * class 2, Kronecker products for class 3): relative 1e-9 leaves room for its
             * rounding over 1500 steps (seen: below 1e-12) */
            CHECK_MSG(dv <= 1e-9, "%s %s step %d: var %.12g, R %.12g (%s)", cs, code, i + 1, var[i], rv, src);
            CHECK_MSG(dm <= 1e-9, "%s %s step %d: mean %.12g, R %.12g (%s)", cs, code, i + 1, mean[i], rmean[k], src);
            CHECK_MSG(di <= 1e-9, "%s %s step %d: interval off R's by %.3g of its width (%s)", cs, code, i + 1, di, src);
        }
        if (r_off_all || r_off_from_m)
            CHECK_MSG(r_off > 1e-3, "%s %s: R 8.20's variances were expected to differ here", cs, code);
        fprintf(stderr, "%-9s %-4s h=%-4d %-12s class %d: %2d steps, max rel. diff. var %.2g, mean %.2g, bounds %.2g"
                        " of width", cs, code, h, src, cls, compared, worst_var, worst_mean, worst_int);
        if (r_off_all || r_off_from_m)
            fprintf(stderr, "; R's own %s differ by up to %.2g (R 8.20's %s)", r_off_all ? "variances" : "variances from step m",
                    r_off, r_off_all ? "damped class3" : "class1 gamma index");
        fputc('\n', stderr);
        free(mean);
        free(var);
        rows++;
    }
    fclose(fp);
    CHECK_MSG(rows >= 10, "only %d reference rows", rows);
}

/* ---- 2. an independent simulation ------------------------------------------------------ */

static uint64_t xs_state;
static double unif(void)
{
    xs_state ^= xs_state >> 12;
    xs_state ^= xs_state << 25;
    xs_state ^= xs_state >> 27;
    return ((double)((xs_state * 2685821657736338717ull) >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void)
{
    static int have = 0;
    static double keep;
    if (have) { have = 0; return keep; }
    double u = unif(), v = unif(), r = sqrt(-2 * log(u));
    keep = r * sin(2 * M_PI * v);
    have = 1;
    return r * cos(2 * M_PI * v);
}

/* Monte Carlo mean and variance of y_h for the steps wanted, and the standard error of the
 * variance estimate, sqrt((m4 - v^2) / n).  The model's equations in the textbook's
 * error-correction form (Hyndman et al. 2008, Table 2.3), written out here on their own. */
static void simulate(const fixed_t *f, int h, long npaths, uint64_t seed, const int *want, int nw, double *mu_out,
                     double *v, double *se)
{
    const int E = f->mod.error, T = f->mod.trend, S = f->mod.season, m = S ? f->m : 1;
    const double phi = f->mod.damped ? f->phi : 1.0, sig = sqrt(f->sigma2);
    double s1[MAXSTEPS] = {0}, s2[MAXSTEPS] = {0}, s3[MAXSTEPS] = {0}, s4[MAXSTEPS] = {0}, shift[MAXSTEPS];
    xs_state = seed;
    /* sums of powers of (y - shift), shift = a first path's value, for accuracy */
    for (long path = 0; path < npaths; path++) {
        double l = f->st[0], b = f->st[1], s[MAXM];
        for (int j = 0; j < m; j++) s[j] = S ? f->st[2 + j] : 0;
        for (int i = 0, w = 0; i < h && w < nw; i++) {
            const int c = i % m;
            double bt = T == REGIA_ETS_NONE ? 0 : T == REGIA_ETS_ADD ? phi * b : pow(b, phi);
            double lev = T == REGIA_ETS_MULT ? l * bt : l + bt; /* level and trend part */
            double sc = S ? s[c] : 0;
            double mu = S == REGIA_ETS_MULT ? lev * sc : lev + sc;
            double e = sig * gauss();
            double eps = E == REGIA_ETS_MULT ? mu * e : e; /* y = mu + eps */
            double y = mu + eps;
            if (i == want[w]) {
                if (path == 0) shift[w] = y;
                double d = y - shift[w], d2 = d * d;
                s1[w] += d; s2[w] += d2; s3[w] += d2 * d; s4[w] += d2 * d2;
                w++;
            }
            /* level, trend, season updates (Table 2.3) */
            double nl, nb;
            const double div_s = S == REGIA_ETS_MULT ? sc : 1.0;
            if (E == REGIA_ETS_ADD) {
                nl = lev + f->alpha * eps / div_s;
                if (T == REGIA_ETS_ADD) nb = bt + f->beta * eps / div_s;
                else if (T == REGIA_ETS_MULT) nb = bt + f->beta * eps / (div_s * l);
                else nb = 0;
                if (S == REGIA_ETS_ADD) s[c] = sc + f->gamma * eps;
                else if (S == REGIA_ETS_MULT) s[c] = sc + f->gamma * eps / lev;
            } else { /* the level's and trend's error term: mu e with an additive season */
                const double base = S == REGIA_ETS_ADD ? mu : lev;
                nl = lev + f->alpha * base * e;
                if (T == REGIA_ETS_ADD) nb = bt + f->beta * base * e;
                else if (T == REGIA_ETS_MULT) nb = bt * (1 + f->beta * base / lev * e);
                else nb = 0;
                if (S == REGIA_ETS_ADD) s[c] = sc + f->gamma * mu * e;
                else if (S == REGIA_ETS_MULT) s[c] = sc * (1 + f->gamma * e);
            }
            l = nl;
            b = nb;
        }
    }
    for (int w = 0; w < nw; w++) {
        double n = (double)npaths, a = s1[w] / n, q = s2[w] / n;
        double var = q - a * a;
        double m4 = s4[w] / n - 4 * a * s3[w] / n + 6 * a * a * q - 3 * a * a * a * a;
        mu_out[w] = shift[w] + a;
        v[w] = var;
        se[w] = sqrt(fmax(m4 - var * var, 0) / n);
    }
}

static void check_against_simulation(const char *what, const fixed_t *f, int regia_paths)
{
    const int h = 1030;
    const int want[] = {0, 11, 63, 64, 1023, 1024, 1029}, nw = 7;
    const long npaths = 100000;
    double *mean = malloc(sizeof(double) * h), *var = malloc(sizeof(double) * h), mu[8], v[8], se[8];
    forecast_fixed(f, h, mean, var);
    simulate(f, h, npaths, 0x9e3779b97f4a7c15ull, want, nw, mu, v, se);
    double worst = 0;
    for (int w = 0; w < nw; w++) {
        /* the reference's error, and regia's own for its simulated classes (its m4 taken
         * from the reference sample); 5 standard errors */
        double tol = regia_paths ? se[w] * sqrt(1.0 + (double)npaths / regia_paths) : se[w];
        double zs = fabs(var[want[w]] - v[w]) / tol;
        if (zs > worst) worst = zs;
        CHECK_MSG(zs <= 5, "%s step %d: regia var %.10g, simulation %.10g +- %.3g", what, want[w] + 1,
                  var[want[w]], v[w], tol);
        if (!regia_paths) { /* the closed forms' mean is E[y_h] (point forecasts of the simulated: not) */
            double zm = fabs(mean[want[w]] - mu[w]) / sqrt(v[w] / npaths);
            if (zm > worst) worst = zm;
            CHECK_MSG(zm <= 5, "%s step %d: regia mean %.10g, simulation %.10g +- %.3g", what, want[w] + 1,
                      mean[want[w]], mu[w], sqrt(v[w] / npaths));
        }
    }
    fprintf(stderr, "%-30s vs 10^5 simulated paths: within %.2f standard errors at steps 1 .. %d\n", what, worst, h);
    free(mean);
    free(var);
}

/* parameters roughly those R fits (reference file) */
static fixed_t fixed_model(const char *code, double sigma2)
{
    fixed_t f = {0};
    f.mod = model_of(code);
    f.m = f.mod.season ? 12 : 1;
    f.alpha = 0.4; f.beta = 0.01; f.gamma = 0.3; f.phi = 0.97;
    f.sigma2 = sigma2;
    const int mt = f.mod.trend == REGIA_ETS_MULT;
    f.st[0] = 480;
    f.st[1] = f.mod.trend ? (mt ? 1.003 : 2.0) : 0;
    static const double sm[12] = {0.91, 0.81, 0.95, 1.08, 1.31, 1.34, 1.18, 1.04, 0.93, 0.88, 0.76, 0.81};
    for (int j = 0; j < 12; j++)
        f.st[2 + j] = f.mod.season == REGIA_ETS_MULT ? sm[j] : f.mod.season ? 480 * (sm[j] - 1) : 0;
    return f;
}

/* ---- 3. no flat tail -------------------------------------------------------------------- */

static void check_growth(const char *code, double sigma2, int h, const int *at, int nat)
{
    fixed_t f = fixed_model(code, sigma2);
    double *mean = malloc(sizeof(double) * (size_t)h), *var = malloc(sizeof(double) * (size_t)h);
    clock_t t0 = clock();
    forecast_fixed(&f, h, mean, var);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    const int cls = regia_ets_var_class(f.mod.error, f.mod.trend, f.mod.season);
    /* the same season one cycle apart (the next step for m = 1); for the simulated classes
     * 48 steps apart at least, beyond the noise of neighbouring estimates */
    int lag = f.mod.season ? f.m : 1;
    if (cls == REGIA_ETS_VAR_SIMULATED && lag < 48) lag = 48;
    int first_inf = 0, bad = 0;
    for (int i = 0; i < h; i++) {
        if (!first_inf && isinf(var[i])) first_inf = i + 1;
        /* every step above the one a cycle before (the closed forms), or +inf: the true
         * variance is then beyond DBL_MAX (the multiplicative classes grow exponentially;
         * a seasonal slot with a smaller factor stays finite longer).  Never NaN. */
        if (cls == REGIA_ETS_VAR_SIMULATED || i < lag) continue;
        int ok = !isnan(var[i]) && (var[i] > var[i - lag] || isinf(var[i]));
        if (!ok && bad++ < 3)
            CHECK_MSG(0, "%s: var at step %d (%.10g) not above step %d (%.10g)", code, i + 1, var[i], i + 1 - lag,
                      var[i - lag]);
    }
    CHECK_MSG(!bad, "%s: %d steps without growth", code, bad);
    for (int k = 0; k < nat; k++) {
        int i = at[k] - 1;
        if (i >= h) continue;
        int ok = (isfinite(var[i]) && var[i] > var[i - lag]) || (isinf(var[i]) && var[i] > 0);
        CHECK_MSG(ok, "%s: var at step %d (%.10g) not above step %d (%.10g)", code, i + 1, var[i], i + 1 - lag,
                  var[i - lag]);
    }
    char inf_note[64] = "";
    if (first_inf) snprintf(inf_note, sizeof inf_note, ", +inf (> DBL_MAX) from step %d", first_inf);
    fprintf(stderr, "%-5s class %d: variance grows through steps 65 .. %d (var[%d] = %.4g%s), %.3f s\n", code, cls, h,
            h, var[h - 1], inf_note, secs);
    free(mean);
    free(var);
}

/* ---- 4. through regia_ets() -------------------------------------------------------------- */

static const double airpass[144] = {
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133,
    114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181, 183, 218, 230, 242,
    209, 191, 172, 194, 196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201, 204, 188, 235, 227, 234, 264,
    302, 293, 259, 229, 203, 229, 242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278, 284, 277, 317, 313,
    318, 374, 413, 405, 355, 306, 271, 306, 315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336, 340, 318,
    362, 348, 363, 435, 491, 505, 404, 359, 310, 337, 360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405,
    417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432};

static void check_backend(void)
{
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 1));
    const int H = 1500, n = 144;
    const char *codes[] = {"ANA", "MAN", "MAM", "MMN"};
    for (int c = 0; c < 4; c++) {
        regia_ets_spec_t spec = regia_ets_default_spec(12);
        CHECK_OK(regia_ets_parse_model(codes[c], &spec));
        double lv = 95, *mean = malloc(sizeof(double) * H), *var = malloc(sizeof(double) * H);
        double *lo = malloc(sizeof(double) * H), *up = malloc(sizeof(double) * H), st[14];
        regia_ets_fit_t fit;
        int len = n;
        regia_ets_batch_t in = {.n_series = 1, .stride = n, .y = airpass, .len = &len, .horizon = H, .n_levels = 1,
                                .levels = &lv, .spec = spec};
        regia_ets_out_t out = {&fit, mean, var, lo, up, st, 14};
        CHECK_OK(regia_ets(&be, &in, &out));
        CHECK(fit.ok);
        int m = fit.model.season ? 12 : 1; /* one cycle apart; 48 steps or more when simulated */
        if (regia_ets_var_class(fit.model.error, fit.model.trend, fit.model.season) == REGIA_ETS_VAR_SIMULATED && m < 48)
            m = 48;
        const int at[] = {65, 66, 100, 1025, 1026, 1500};
        for (int k = 0; k < 6; k++) {
            int i = at[k] - 1;
            CHECK_MSG(isfinite(var[i]) && var[i] > var[i - m], "regia_ets %s: var at step %d %.10g, step %d %.10g",
                      codes[c], i + 1, var[i], i + 1 - m, var[i - m]);
            CHECK(up[i] - lo[i] > up[i - m] - lo[i - m]);
        }
        free(mean); free(var); free(lo); free(up);
    }
    regia_backend_close(&be);
}

int main(void)
{
    /* the workspace no longer grows with the horizon */
    CHECK(regia_ets_ws_doubles(12, 1) == regia_ets_ws_doubles(12, 1000000));
    CHECK(regia_ets_ws_doubles(366, 7) == regia_ets_ws_doubles(366, 1000000));

    check_r_reference();

    /* class 3 in closed form (M,Ad,M is where R 8.20 is not the reference), and the
     * simulated classes 4 (multiplicative trend) and 5 (additive error, mult. season) */
    fixed_t madm = fixed_model("MAdM", 0.0016), mnm = fixed_model("MNM", 0.0025);
    fixed_t ana = fixed_model("ANA", 25.0), mna = fixed_model("MNA", 0.0016);
    check_against_simulation("ANA closed form (class 1)", &ana, 0);
    check_against_simulation("MNA closed form (class 2)", &mna, 0);
    check_against_simulation("MAdM closed form (class 3)", &madm, 0);
    check_against_simulation("MNM closed form (class 3)", &mnm, 0);
    fixed_t mmm = fixed_model("MMdM", 0.0016), amm = fixed_model("AAdM", 25.0);
    check_against_simulation("MMdM simulated (4000 paths)", &mmm, REGIA_ETS_SIM_PATHS);
    check_against_simulation("AAdM simulated (4000 paths)", &amm, REGIA_ETS_SIM_PATHS);

    /* every class keeps growing after steps 64 and 1024, up to regia forecast's longest
     * horizon (10^6) for the closed forms */
    const int at[] = {65, 66, 1025, 1026, 5000, 100000, 1000000};
    check_growth("ANN", 25.0, 1000000, at, 7);
    check_growth("AAdA", 25.0, 1000000, at, 7);
    check_growth("AAN", 25.0, 1000000, at, 7);
    check_growth("MNN", 0.0016, 1000000, at, 7);
    check_growth("MAdA", 0.0016, 1000000, at, 7);
    check_growth("MAdM", 0.0016, 1000000, at, 7);
    check_growth("MNM", 0.0016, 1000000, at, 7);
    check_growth("MAM", 0.0016, 100000, at, 6);
    check_growth("MMdN", 0.0016, 3000, at, 4);
    check_growth("AAdM", 25.0, 3000, at, 4);

    check_backend();
    return check_done();
}
