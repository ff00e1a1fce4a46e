/* test_k_ssi_fft.c - the block Hankel matrix of long records, where regia_ssi_hankel sums
 * the lag products by blocked FFT (kernels/ssi_hankel.c: n >= 2048 samples and >= 16 lags),
 * against the definitions written out (pyOMA2's fixed window, KOMA's unbiased one): both
 * windows, all channels or a reordered subset as references, a record length that is not a
 * multiple of the FFT block, and many lags (a larger block).  Agreement to 1e-13 of the
 * largest entry (rounding of sums of some 10^4 products). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/ssi.h"

enum { L = 3 };

/* A deterministic record: two decaying resonances and a little pseudo-noise per channel. */
static void record(double *y, int n)
{
    uint32_t s = 12345u;
    for (int c = 0; c < L; c++)
        for (int t = 0; t < n; t++) {
            s = s * 1664525u + 1013904223u;
            double noise = ((double)(s >> 8) / 16777216.0 - 0.5) * 0.3;
            y[c * n + t] = sin(0.21 * t + c) * (1.0 + 0.3 * c) + 0.5 * cos(0.047 * t * (c + 1)) +
                           noise + 2.0 + c; /* a mean, removed by detrend */
        }
}

/* The Hankel matrix by its definition (layout of regia_ssi_hankel), mean removed. */
static void hankel_def(const double *y, int n, const int32_t *ref, int nref, int i, int window,
                       double *W)
{
    double *yc = malloc(sizeof(double) * (size_t)L * n);
    for (int c = 0; c < L; c++) {
        double m = 0;
        for (int t = 0; t < n; t++) m += y[c * n + t];
        for (int t = 0; t < n; t++) yc[c * n + t] = y[c * n + t] - m / n;
    }
    int Nw = n - 2 * i + 1;
    for (int a = 0; a < i; a++)
        for (int c = 0; c < L; c++)
            for (int b = 0; b < i; b++)
                for (int d = 0; d < nref; d++) {
                    const double *yr = yc + ref[d] * n;
                    double s = 0;
                    if (window == REGIA_SSI_FIXED) { /* Yf rows y(i + a + t), Yp yref(i - 1 - b + t) */
                        for (int t = 0; t < Nw; t++) s += yc[c * n + i + a + t] * yr[i - 1 - b + t];
                        s /= Nw;
                    } else { /* R_k, k = a + b + 1, over n - k samples */
                        int k = a + b + 1;
                        for (int t = 0; t + k < n; t++) s += yc[c * n + t + k] * yr[t];
                        s /= n - k;
                    }
                    W[(a * L + c) * (i * nref) + b * nref + d] = s;
                }
    free(yc);
}

static void check_case(int n, int i, int window, const int32_t *ref, int nref)
{
    double *y = malloc(sizeof(double) * (size_t)L * n);
    size_t sz = (size_t)i * L * i * nref;
    double *H = malloc(sizeof(double) * sz), *W = malloc(sizeof(double) * sz);
    record(y, n);
    regia_ssi_cfg_t cfg;
    regia_ssi_defaults(&cfg);
    cfg.block_rows = i;
    cfg.window = window;
    CHECK_OK(regia_ssi_hankel(y, n, L, ref, nref, &cfg, H));
    hankel_def(y, n, ref, nref, i, window, W);
    double hmax = 0, dmax = 0;
    for (size_t k = 0; k < sz; k++) {
        hmax = fmax(hmax, fabs(W[k]));
        dmax = fmax(dmax, fabs(H[k] - W[k]));
    }
    CHECK(hmax > 0.1);
    CHECK_MSG(dmax <= 1e-13 * hmax, "n %d i %d window %d nref %d: max |H - def| %.3g of %.3g", n,
              i, window, nref, dmax, hmax);
    free(y);
    free(H);
    free(W);
}

int main(void)
{
    const int32_t all[L] = {0, 1, 2}, sub[2] = {2, 0};
    for (int w = 0; w < 2; w++) {
        check_case(5003, 20, w, all, L);   /* 39 lags: 512-point blocks, last one partial */
        check_case(5003, 20, w, sub, 2);   /* references a reordered subset */
        check_case(4099, 100, w, all, L);  /* 199 lags: 1024-point blocks */
    }
    return check_done();
}
