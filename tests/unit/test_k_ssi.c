/* test_k_ssi.c - covariance-driven SSI on oracles: the exact covariances R_k = C A^(k-1) G
 * of a known discrete state-space model (poles to 1e-8, extra orders fail the criteria),
 * pyOMA2's tiny Hankel case (Y = Y_ref = 1..5, i = 1: H = [[10]]), both Hankel windows
 * against their definitions written out, and the shape indicators. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "regia/ssi.h"

#define NCH 4
#define NM 3

static const double f_true[NM] = {1.3, 3.7, 6.1}, xi_true[NM] = {0.01, 0.02, 0.03};
static const double fs = 20.0;

/* A (6 x 6, row-major) = blocks [[a, -b], [b, a]] with a + ib = exp(lambda_c dt). */
static void model(double A[36], double C[NCH * 6], double G[6 * NCH])
{
    memset(A, 0, 36 * sizeof *A);
    for (int j = 0; j < NM; j++) {
        double w = 2 * M_PI * f_true[j], re = -xi_true[j] * w, im = w * sqrt(1 - xi_true[j] * xi_true[j]);
        double a = exp(re / fs) * cos(im / fs), b = exp(re / fs) * sin(im / fs);
        A[(2 * j) * 6 + 2 * j] = a;
        A[(2 * j) * 6 + 2 * j + 1] = -b;
        A[(2 * j + 1) * 6 + 2 * j] = b;
        A[(2 * j + 1) * 6 + 2 * j + 1] = a;
    }
    for (int c = 0; c < NCH; c++)
        for (int s = 0; s < 6; s++) {
            /* nearly real shapes (MPC near 1): the odd state of each pair is barely seen */
            C[c * 6 + s] = s % 2 ? 0.02 * sin(2.0 + c + s) : sin(1.0 + 0.7 * c + 1.3 * s);
            G[s * NCH + c] = cos(0.4 + 1.1 * c - 0.9 * s);
        }
}

static void test_exact_covariances(void)
{
    double A[36], C[NCH * 6], G[6 * NCH], M[6 * NCH], T[6 * NCH];
    model(A, C, G);
    enum { I = 8, LAGS = 2 * I };
    static double R[LAGS * NCH * NCH];
    memcpy(M, G, sizeof M); /* M = A^(k-1) G */
    for (int k = 1; k < LAGS; k++) {
        for (int c = 0; c < NCH; c++)
            for (int d = 0; d < NCH; d++) {
                double s = 0;
                for (int q = 0; q < 6; q++) s += C[c * 6 + q] * M[q * NCH + d];
                R[(k * NCH + c) * NCH + d] = s;
            }
        for (int q = 0; q < 6; q++)
            for (int d = 0; d < NCH; d++) {
                double s = 0;
                for (int z = 0; z < 6; z++) s += A[q * 6 + z] * M[z * NCH + d];
                T[q * NCH + d] = s;
            }
        memcpy(M, T, sizeof M);
    }
    regia_ssi_cfg_t cfg;
    regia_ssi_defaults(&cfg);
    cfg.block_rows = I;
    cfg.ord_min = 2;
    cfg.ord_max = 16;
    cfg.ord_step = 2;
    regia_ssi_result_t res;
    CHECK_OK(regia_ssi_from_cov(R, LAGS, NCH, NCH, fs, &cfg, &res));
    CHECK(res.n_orders == 8);
    CHECK(res.n_poles == 2 + 4 + 6 + 8 + 10 + 12 + 14 + 16);
    /* singular values: 6 of the model, the rest at rounding level */
    CHECK(res.sv[5] > 1e-3 * res.sv[0]);
    CHECK(res.sv[6] < 1e-12 * res.sv[0]);
    int found_at_true = 0, extra_bad = 0, true_high = 0;
    for (int64_t k = 0; k < res.n_poles; k++) {
        const regia_ssi_pole_t *p = res.poles + k;
        if (p->order < 6 || p->reason == REGIA_POLE_CONJUGATE) continue;
        int match = -1;
        for (int j = 0; j < NM; j++)
            if (fabs(p->f - f_true[j]) <= 1e-8 * f_true[j] && fabs(p->xi - xi_true[j]) <= 1e-8)
                match = j;
        if (match >= 0) {
            /* shape: C (e_2j - i e_2j+1) */
            double ph[2 * NCH];
            for (int c = 0; c < NCH; c++) {
                ph[2 * c] = C[c * 6 + 2 * match];
                ph[2 * c + 1] = -C[c * 6 + 2 * match + 1];
            }
            CHECK_CLOSE(regia_ssi_mac(ph, res.pole_shapes + k * NCH * 2, NCH), 1.0, 0, 1e-10);
            if (p->order == 6) found_at_true++;
            else true_high++;
        } else if (p->order >= 6) {
            /* poles of the extra orders must not make modes */
            if (p->reason == REGIA_POLE_MODE) extra_bad++;
            CHECK(p->order > 6);
            CHECK(p->mode == -1);
        }
    }
    CHECK_MSG(found_at_true == NM, "%d poles of the model at order 6", found_at_true);
    CHECK_MSG(true_high == NM * 5, "%d poles of the model at orders 8..16", true_high);
    CHECK(extra_bad == 0);
    CHECK_MSG(res.n_modes == NM, "%d modes", res.n_modes);
    for (int j = 0; j < res.n_modes && j < NM; j++) {
        CHECK_CLOSE(res.modes[j].f, f_true[j], 1e-8, 0);
        CHECK_CLOSE(res.modes[j].xi, xi_true[j], 0, 1e-8);
        CHECK(res.modes[j].f_std < 1e-8 * f_true[j]);
        CHECK(res.modes[j].mac_min > 1 - 1e-10);
        CHECK(res.modes[j].n_poles >= 5);
        CHECK(res.modes[j].order_max == 16);
    }
    /* every pole has a reason; kept poles are in a mode and flagged */
    for (int64_t k = 0; k < res.n_poles; k++) {
        const regia_ssi_pole_t *p = res.poles + k;
        CHECK(p->reason >= 0 && p->reason < REGIA_POLE_N);
        CHECK((p->reason == REGIA_POLE_MODE) == (p->mode >= 0));
        CHECK((p->reason == REGIA_POLE_MODE) == !!(p->flags & REGIA_POLE_IN_MODE));
        if (p->reason >= REGIA_POLE_NO_LOWER) CHECK(p->flags & REGIA_POLE_HC);
        /* shapes only for the poles that can pass the frequency and damping criteria, and
         * for their conjugates (the conjugate shape); NaN for the others */
        const double *sh = res.pole_shapes + k * NCH * 2;
        int out = p->reason == REGIA_POLE_REAL || p->reason == REGIA_POLE_FREQ_RANGE ||
                  p->reason == REGIA_POLE_XI_LOW || p->reason == REGIA_POLE_XI_HIGH;
        if (out) CHECK(isnan(p->mpc) && isnan(p->mpd) && isnan(sh[0]));
        else if (p->reason != REGIA_POLE_CONJUGATE)
            CHECK(isfinite(p->mpc) && isfinite(p->mpd) && isfinite(sh[0]) && isfinite(sh[1]));
        if (p->reason == REGIA_POLE_CONJUGATE && k > 0 && isfinite(res.poles[k - 1].mpc))
            for (int c = 0; c < 2 * NCH; c++)
                CHECK(sh[c] == (c % 2 ? -1.0 : 1.0) * res.pole_shapes[(k - 1) * NCH * 2 + c]);
    }
    /* stricter criteria re-select: damping below 0.015 leaves only the first mode */
    cfg.xi_max = 0.015;
    CHECK_OK(regia_ssi_select(&cfg, &res));
    CHECK(res.n_modes == 1);
    int xi_high = 0;
    for (int64_t k = 0; k < res.n_poles; k++) xi_high += res.poles[k].reason == REGIA_POLE_XI_HIGH;
    CHECK(xi_high >= 2 * 6);
    regia_ssi_result_free(&res);
    CHECK(res.n_poles == 0 && res.poles == NULL);
    regia_ssi_result_free(&res); /* safe twice */
}

static void test_tiny_hankel(void)
{
    const double y[5] = {1, 2, 3, 4, 5};
    regia_ssi_cfg_t cfg;
    regia_ssi_defaults(&cfg);
    cfg.block_rows = 1;
    cfg.detrend = 0;
    double H = 0;
    CHECK_OK(regia_ssi_hankel(y, 5, 1, NULL, 1, &cfg, &H));
    CHECK_CLOSE(H, 10.0, 1e-15, 0);
    cfg.window = REGIA_SSI_UNBIASED; /* (2 + 6 + 12 + 20) / 4 */
    CHECK_OK(regia_ssi_hankel(y, 5, 1, NULL, 1, &cfg, &H));
    CHECK_CLOSE(H, 10.0, 1e-15, 0);
}

/* Both windows against their definitions on a small two-channel signal, reference ch 1. */
static void test_hankel_definitions(void)
{
    enum { N = 53, L = 2, I = 4 };
    double y[L * N];
    for (int t = 0; t < N; t++) {
        y[t] = sin(0.37 * t) + 0.1 * cos(2.1 * t * t);
        y[N + t] = cos(0.23 * t + 0.5) + 0.05 * t;
    }
    const int32_t ref[1] = {1};
    regia_ssi_cfg_t cfg;
    regia_ssi_defaults(&cfg);
    cfg.block_rows = I;
    double H[I * L * I], W[I * L * I], yc[L * N];
    for (int c = 0; c < L; c++) {
        double m = 0;
        for (int t = 0; t < N; t++) m += y[c * N + t];
        for (int t = 0; t < N; t++) yc[c * N + t] = y[c * N + t] - m / N;
    }
    /* pyOMA2: Yf rows y(q + a + t), Yp rows yref(q - 1 - b + t), t < Nw = N - 2i + 1 */
    int Nw = N - 2 * I + 1;
    for (int a = 0; a < I; a++)
        for (int c = 0; c < L; c++)
            for (int b = 0; b < I; b++) {
                double s = 0;
                for (int t = 0; t < Nw; t++) s += yc[c * N + I + a + t] * yc[1 * N + I - 1 - b + t];
                W[(a * L + c) * I + b] = s / Nw;
            }
    CHECK_OK(regia_ssi_hankel(y, N, L, ref, 1, &cfg, H));
    for (int k = 0; k < I * L * I; k++) CHECK_CLOSE(H[k], W[k], 1e-12, 1e-14);
    /* KOMA: R_k = sum_t y(t + k) yref(t) / (N - k), block (a, b) = R_{a+b+1} */
    for (int a = 0; a < I; a++)
        for (int c = 0; c < L; c++)
            for (int b = 0; b < I; b++) {
                int k = a + b + 1;
                double s = 0;
                for (int t = 0; t + k < N; t++) s += yc[c * N + t + k] * yc[1 * N + t];
                W[(a * L + c) * I + b] = s / (N - k);
            }
    cfg.window = REGIA_SSI_UNBIASED;
    CHECK_OK(regia_ssi_hankel(y, N, L, ref, 1, &cfg, H));
    for (int k = 0; k < I * L * I; k++) CHECK_CLOSE(H[k], W[k], 1e-12, 1e-14);
    /* bad requests are named */
    const int32_t badref[1] = {2};
    CHECK(regia_ssi_hankel(y, N, L, badref, 1, &cfg, H) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "reference") != NULL);
    CHECK(regia_ssi_hankel(y, 11, L, ref, 1, &cfg, H) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "samples") != NULL);
    char msg[256];
    cfg.ord_max = 100;
    CHECK(regia_ssi_check(&cfg, N, L, 1, msg, sizeof msg) == REGIA_ERR_INVALID);
    CHECK(strstr(msg, "ord_max = 100") != NULL);
    regia_ssi_defaults(&cfg);
    cfg.xi_max = -1;
    CHECK(regia_ssi_check(&cfg, 1000, L, 1, msg, sizeof msg) == REGIA_ERR_INVALID);
    CHECK(strstr(msg, "xi_max") != NULL);
}

static void test_indicators(void)
{
    const double real[6] = {1, 0, -0.5, 0, 0.25, 0};
    const double rot[6] = {0.6, 0.8, -0.3, -0.4, 0.15, 0.2}; /* real x (0.6 + 0.8i) */
    const double circ[4] = {1, 0, 0, 1};                    /* (1, i): no common line */
    CHECK_CLOSE(regia_mpc(real, 3), 1.0, 0, 1e-14);
    CHECK_CLOSE(regia_mpd(real, 3), 0.0, 0, 1e-7);
    CHECK_CLOSE(regia_mpc(rot, 3), 1.0, 0, 1e-14);
    CHECK_CLOSE(regia_mpd(rot, 3), 0.0, 0, 1e-7);
    CHECK_CLOSE(regia_ssi_mac(real, rot, 3), 1.0, 0, 1e-14);
    CHECK_CLOSE(regia_mpc(circ, 2), 0.0, 0, 1e-14);
    CHECK_CLOSE(regia_ssi_mac(circ, circ, 2), 1.0, 0, 1e-14);
    const double e1[4] = {1, 0, 0, 0}, e2[4] = {0, 0, 0, 1};
    CHECK_CLOSE(regia_ssi_mac(e1, e2, 2), 0.0, 0, 0);
    /* one component 45 degrees off a real line of two equal components: MPD = pi/8 */
    const double off[4] = {1, 0, M_SQRT1_2, M_SQRT1_2};
    CHECK(regia_mpd(off, 2) > 0.1 && regia_mpd(off, 2) < 0.5);
    CHECK(strcmp(regia_pole_reason_name(REGIA_POLE_UNSTABLE_MAC), "unstable_mac") == 0);
    CHECK(strcmp(regia_pole_reason_name(99), "?") == 0);
}

int main(void)
{
    test_tiny_hankel();
    test_hankel_definitions();
    test_exact_covariances();
    test_indicators();
    return check_done();
}
