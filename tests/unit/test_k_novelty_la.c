/* The novelty_la backend op on the CPU (kernels/cpu/novelty_la.c, regia/novelty.h):
 *  - regia_novelty_fit_on(cpu backend) is bit-identical to regia_novelty_fit for the
 *    linear, lagged, bilinear (with a freezing jump) and PCA models;
 *  - least squares against a second algorithm (LAPACKE_dgels, Householder QR: what the
 *    CUDA op does) to a relative 1e-10, (X^T X)^-1 (X^T X) = I, a rank-deficient design
 *    reported in rank;
 *  - the SVD: Z^T Z v = s^2 v, V orthonormal, the sign convention, descending values;
 *  - the covariance: L L^T = E^T E / divisor, zero above the diagonal, a singular one in
 *    info (a constant feature);
 *  - bad problems refused (REGIA_ERR_INVALID). */
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/kernels.h"
#include "regia/novelty.h"

static uint64_t seed = 20261201;
static double u01(void)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(seed >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(u01())) * cos(2 * M_PI * u01()); }

static double rel(double a, double b, double scale) { return fabs(a - b) / fmax(fabs(b), scale); }

/* A structure's records: 4 frequencies on temperature (and its lag, and freezing). */
enum { R = 900, P = 4 };
static double F[R * P], T[R];
static uint8_t USE[R];

static void make_data(void)
{
    for (int r = 0; r < R; r++) {
        T[r] = 5 + 12 * sin(2 * M_PI * r / 144.0) + 6 * sin(2 * M_PI * r / 700.0) + gauss();
        USE[r] = r < 600;
        for (int j = 0; j < P; j++) {
            double f0 = (j + 1) * 1.7, tl = r > 0 ? T[r - 1] : T[r];
            F[r * P + j] = f0 * (1 - 0.002 * T[r] - 0.001 * tl + (T[r] < 0 ? 0.01 * (1 - exp(T[r] / 3)) : 0)) +
                           0.003 * gauss() + (j == 2 ? 0.004 * gauss() : 0) + (r > 800 && j == 1 ? -0.02 : 0);
        }
        if (r % 97 == 5) F[r * P + 1] = NAN;
        if (r % 131 == 7) T[r] = NAN;
    }
}

static void config(int k, regia_comp_cfg_t *c)
{
    regia_comp_defaults(c);
    if (k == 1) c->n_lags = 2;
    if (k == 2) c->model = REGIA_COMP_BILINEAR;
    if (k == 3) c->model = REGIA_COMP_BILINEAR, c->bilinear_step = 1, c->freeze_width = 3, c->n_lags = 1;
    if (k == 4) c->model = REGIA_COMP_PCA;
    if (k == 5) c->model = REGIA_COMP_PCA, c->pca_keep = 2;
}

#define SAME(a, b, n) CHECK(((a) == NULL && (b) == NULL) || ((a) && (b) && !memcmp((a), (b), sizeof(double) * (size_t)(n))))

static void test_fit_bitwise(regia_backend_t *cpu)
{
    static double r1[R * P], r2[R * P], z1[R * P], z2[R * P], d1[R], d2[R];
    for (int k = 0; k < 6; k++) {
        regia_comp_cfg_t c;
        config(k, &c);
        const double *t = c.model == REGIA_COMP_PCA ? NULL : T;
        regia_novelty_model_t a, b;
        CHECK_OK(regia_novelty_fit(F, t, R, P, USE, &c, &a));
        CHECK_OK(regia_novelty_fit_on(cpu, F, t, R, P, USE, &c, &b));
        CHECK(a.ncol == b.ncol && a.dim == b.dim && a.pca_q == b.pca_q && a.n_train == b.n_train && a.dof == b.dof);
        CHECK(!memcmp(&a.threshold, &b.threshold, sizeof a.threshold));
        SAME(a.coef, b.coef, a.ncol * P);
        SAME(a.xtx_inv, b.xtx_inv, a.ncol * a.ncol);
        SAME(a.pca_v, b.pca_v, a.pca_v ? P * P : 0);
        SAME(a.pca_var, b.pca_var, a.pca_var ? P : 0);
        SAME(a.feat_mean, b.feat_mean, a.dim);
        SAME(a.feat_chol, b.feat_chol, a.dim * a.dim);
        SAME(a.resid_std, b.resid_std, P);
        CHECK_OK(regia_novelty_score(&a, F, T, R, r1, z1, d1));
        CHECK_OK(regia_novelty_score(&b, F, T, R, r2, z2, d2));
        CHECK(!memcmp(r1, r2, sizeof r1) && !memcmp(z1, z2, sizeof z1) && !memcmp(d1, d2, sizeof d1));
        if (a.pca_v) /* the sign convention: each component's largest loading is positive */
            for (int q = 0; q < P; q++) {
                double big = 0, at = 0;
                for (int j = 0; j < P; j++)
                    if (fabs(a.pca_v[j * P + q]) > big) big = fabs(a.pca_v[j * P + q]), at = a.pca_v[j * P + q];
                CHECK(at > 0);
            }
        regia_novelty_free(&a);
        regia_novelty_free(&b);
    }
}

/* Least squares: the op's dgelsd against Householder QR (dgels), on the fits' own designs
 * (the temperature lags make them the worst-conditioned problems regia solves) and on a
 * random one; (X^T X)^-1 times X^T X is the identity. */
static void test_lsq(regia_backend_t *cpu)
{
    enum { N = 400, NC = 7, NR = 3 };
    static double X[N * NC], Y[N * NR], x[NC * NR], xi[NC * NC], sv[NC], Xq[N * NC], Yq[N * NR];
    double worst = 0, worst_inv = 0;
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < N; i++) {
            X[i * NC] = 1;
            /* k = 1: the bilinear design with lags 0..2, min/max(T - 0, 0) per lag */
            for (int c = 1; c < NC; c++) {
                double t = T[i + 3 - (c - 1) / 2];
                if (!isfinite(t)) t = T[i + 2 - (c - 1) / 2];
                X[i * NC + c] = k == 0 ? gauss() * c : c % 2 ? fmin(t, 0) : fmax(t, 0);
            }
            for (int j = 0; j < NR; j++) {
                double s = 0.3 * gauss();
                for (int c = 0; c < NC; c++) s += X[i * NC + c] * (0.1 * (c + 1) - 0.05 * j);
                Y[i * NR + j] = s;
            }
        }
        regia_nla_in_t in = {.kind = REGIA_NLA_LSQ, .n = N, .cols = NC, .nrhs = NR, .a = X, .b = Y};
        regia_nla_out_t out = {.x = x, .xtx_inv = xi, .sv = sv};
        CHECK_OK(regia_novelty_la(cpu, &in, &out));
        CHECK(out.rank == NC && out.info == 0);
        for (int c = 1; c < NC; c++) CHECK(sv[c] <= sv[c - 1] && sv[c] > 0);
        memcpy(Xq, X, sizeof X);
        memcpy(Yq, Y, sizeof Y);
        CHECK(LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', N, NC, NR, Xq, NC, Yq, NR) == 0);
        for (int c = 0; c < NC; c++)
            for (int j = 0; j < NR; j++) worst = fmax(worst, rel(x[c * NR + j], Yq[c * NR + j], 1e-3));
        /* X^T X, then (X^T X)^-1 (X^T X) - I */
        double G[NC * NC] = {0};
        for (int i = 0; i < N; i++)
            for (int a = 0; a < NC; a++)
                for (int b = 0; b < NC; b++) G[a * NC + b] += X[i * NC + a] * X[i * NC + b];
        for (int a = 0; a < NC; a++)
            for (int b = 0; b < NC; b++) {
                double s = 0;
                for (int c = 0; c < NC; c++) s += xi[a * NC + c] * G[c * NC + b];
                worst_inv = fmax(worst_inv, fabs(s - (a == b)));
                CHECK(xi[a * NC + b] == xi[b * NC + a]);
            }
    }
    fprintf(stderr, "lsq: dgelsd vs QR (dgels) largest relative difference %.3g; |(X^T X)^-1 X^T X - I| %.3g\n", worst,
            worst_inv);
    CHECK(worst <= 1e-10);
    CHECK(worst_inv <= 1e-10);
    /* a collinear column: rank 6 of 7 */
    for (int i = 0; i < N; i++) X[i * NC + 4] = 2 * X[i * NC + 1];
    regia_nla_in_t in = {.kind = REGIA_NLA_LSQ, .n = N, .cols = NC, .nrhs = NR, .a = X, .b = Y};
    regia_nla_out_t out = {.x = x, .xtx_inv = xi};
    CHECK_OK(regia_novelty_la(cpu, &in, &out));
    CHECK(out.rank == NC - 1);
}

static void test_svd(regia_backend_t *cpu)
{
    enum { N = 300, NP = 5 };
    static double Z[N * NP], sv[NP], vt[NP * NP];
    for (int i = 0; i < N; i++) {
        double e = gauss();
        for (int j = 0; j < NP; j++) Z[i * NP + j] = (j + 1) * e + 0.2 * (j + 1) * gauss() - (j == 3 ? 1.5 * e : 0);
    }
    regia_nla_in_t in = {.kind = REGIA_NLA_SVD, .n = N, .cols = NP, .a = Z};
    regia_nla_out_t out = {.sv = sv, .vt = vt};
    CHECK_OK(regia_novelty_la(cpu, &in, &out));
    double G[NP * NP] = {0}, worst = 0, orth = 0;
    for (int i = 0; i < N; i++)
        for (int a = 0; a < NP; a++)
            for (int b = 0; b < NP; b++) G[a * NP + b] += Z[i * NP + a] * Z[i * NP + b];
    for (int k = 0; k < NP; k++) {
        if (k) CHECK(sv[k] <= sv[k - 1]);
        const double *v = vt + k * NP;
        double big = 0, at = 0;
        for (int a = 0; a < NP; a++) {
            double s = 0;
            for (int b = 0; b < NP; b++) s += G[a * NP + b] * v[b];
            worst = fmax(worst, fabs(s - sv[k] * sv[k] * v[a]) / (sv[0] * sv[0]));
            if (fabs(v[a]) > big) big = fabs(v[a]), at = v[a];
        }
        CHECK(at > 0);
        for (int l = 0; l < NP; l++) {
            double s = 0;
            for (int a = 0; a < NP; a++) s += v[a] * vt[l * NP + a];
            orth = fmax(orth, fabs(s - (k == l)));
        }
    }
    fprintf(stderr, "svd: |Z^T Z v - s^2 v| / s_max^2 %.3g, |V V^T - I| %.3g\n", worst, orth);
    CHECK(worst <= 1e-13 && orth <= 1e-13);
}

static void test_cov(regia_backend_t *cpu)
{
    enum { N = 250, D = 4 };
    static double E[N * D], L[D * D];
    for (int i = 0; i < N * D; i++) E[i] = gauss() * (1 + i % D);
    regia_nla_in_t in = {.kind = REGIA_NLA_COV, .n = N, .cols = D, .a = E, .divisor = N - 1};
    regia_nla_out_t out = {.chol = L};
    CHECK_OK(regia_novelty_la(cpu, &in, &out));
    CHECK(out.info == 0);
    double worst = 0;
    for (int a = 0; a < D; a++)
        for (int b = 0; b < D; b++) {
            double s = 0, l = 0;
            for (int i = 0; i < N; i++) s += E[i * D + a] * E[i * D + b];
            for (int c = 0; c < D; c++) l += L[a * D + c] * L[b * D + c];
            worst = fmax(worst, rel(l, s / (N - 1), 1e-3));
            if (b > a) CHECK(L[a * D + b] == 0);
        }
    fprintf(stderr, "cov: |L L^T - S| relative %.3g\n", worst);
    CHECK(worst <= 1e-12);
    for (int i = 0; i < N; i++) E[i * D + 3] = 0; /* a constant feature: S is singular */
    CHECK_OK(regia_novelty_la(cpu, &in, &out));
    CHECK(out.info > 0);
}

static void test_bad(regia_backend_t *cpu)
{
    double a[6] = {1, 2, 3, 4, 5, 6}, x[4], xi[4], sv[2], vt[4];
    regia_nla_in_t in = {.kind = REGIA_NLA_LSQ, .n = 2, .cols = 2, .nrhs = 1, .a = a, .b = a};
    regia_nla_out_t out = {.x = x, .xtx_inv = xi, .sv = sv, .vt = vt};
    CHECK(regia_novelty_la(cpu, &in, &out) == REGIA_ERR_INVALID); /* rows <= cols */
    regia_error_clear();
    in.n = 3;
    in.b = NULL;
    CHECK(regia_novelty_la(cpu, &in, &out) == REGIA_ERR_INVALID); /* no responses */
    regia_error_clear();
    in.kind = 7;
    CHECK(regia_novelty_la(cpu, &in, &out) == REGIA_ERR_INVALID);
    regia_error_clear();
    in.kind = REGIA_NLA_COV;
    CHECK(regia_novelty_la(cpu, &in, &out) == REGIA_ERR_INVALID); /* divisor 0, no chol */
    regia_error_clear();
    in.kind = REGIA_NLA_SVD;
    out.vt = NULL;
    CHECK(regia_novelty_la(cpu, &in, &out) == REGIA_ERR_INVALID);
    regia_error_clear();
}

int main(void)
{
    regia_backend_t cpu;
    CHECK_OK(regia_backend_open(&cpu, "cpu", -1, 2));
    make_data();
    test_fit_bitwise(&cpu);
    test_lsq(&cpu);
    test_svd(&cpu);
    test_cov(&cpu);
    test_bad(&cpu);
    regia_backend_close(&cpu);
    return check_done();
}
