/* test_k_ssi_hqr.c - the Francis QR of SSI's state matrices (kernels/ssi_hqr.c): known
 * eigenvalues of normal matrices hidden by an orthogonal similarity and Hessenberg
 * reduction, the Schur form (orthogonal basis, residual, quasi-triangular with dlanv2's
 * standard 2 x 2 blocks), eigenvalues alone equal to those with the Schur form, dgeev's
 * eigenvalues on random Hessenberg matrices, and the degenerate cases. */
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernels/ssi_impl.h"
#include "check.h"

#define NMAX 60

static uint64_t rng = 88172645463325252ull;

static double uniform(void) /* xorshift64: [-0.5, 0.5) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0 - 0.5;
}

typedef struct {
    double re, im;
} cplx_t;

static int cmp_cplx(const void *a, const void *b)
{
    const cplx_t *x = a, *y = b;
    if (x->re != y->re) return x->re < y->re ? -1 : 1;
    return x->im < y->im ? -1 : x->im > y->im;
}

/* Sorted eigenvalues; returns the largest distance between the two sorted lists. */
static double eig_distance(int n, const double *wr1, const double *wi1, const double *wr2,
                           const double *wi2)
{
    cplx_t a[NMAX], b[NMAX];
    for (int j = 0; j < n; j++) {
        a[j] = (cplx_t){wr1[j], wi1[j]};
        b[j] = (cplx_t){wr2[j], wi2[j]};
    }
    qsort(a, (size_t)n, sizeof *a, cmp_cplx);
    qsort(b, (size_t)n, sizeof *b, cmp_cplx);
    double d = 0.0;
    for (int j = 0; j < n; j++) d = fmax(d, hypot(a[j].re - b[j].re, a[j].im - b[j].im));
    return d;
}

/* Upper Hessenberg form of the n x n matrix a (column-major), in place. */
static void to_hessenberg(int n, double *a)
{
    double tau[NMAX];
    if (n > 1) CHECK(LAPACKE_dgehrd(LAPACK_COL_MAJOR, n, 1, n, a, n, tau) == 0);
    for (int c = 0; c < n; c++)
        for (int r = c + 2; r < n; r++) a[r + c * n] = 0.0;
}

/* The Schur form of h0 by regia_ssi_hqr with Z = I: Z orthogonal, h0 Z = Z T, T
 * quasi-triangular in standard form, its blocks' eigenvalues are wr, wi; and the
 * eigenvalues alone equal these. */
static void check_schur(int n, const double *h0, const char *what)
{
    static double t[NMAX * NMAX], z[NMAX * NMAX], e[NMAX * NMAX];
    double wr[NMAX], wi[NMAX], wr2[NMAX], wi2[NMAX];
    memcpy(t, h0, sizeof(double) * n * n);
    memset(z, 0, sizeof(double) * n * n);
    for (int j = 0; j < n; j++) z[j + j * n] = 1.0;
    CHECK_MSG(regia_ssi_hqr(n, t, n, wr, wi, 1, z, n, n) == 0, "%s n = %d", what, n);
    double norm = 0.0, res = 0.0, orth = 0.0;
    for (int k = 0; k < n * n; k++) norm = fmax(norm, fabs(h0[k]));
    for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++) {
            double hz = 0.0, zt = 0.0, ztz = 0.0;
            for (int k = 0; k < n; k++) {
                hz += h0[r + k * n] * z[k + c * n];
                zt += z[r + k * n] * t[k + c * n];
                ztz += z[k + r * n] * z[k + c * n];
            }
            res = fmax(res, fabs(hz - zt));
            orth = fmax(orth, fabs(ztz - (r == c)));
        }
    CHECK_MSG(res <= 1e-13 * n * (norm > 0 ? norm : 1.0), "%s n = %d: |H Z - Z T| = %g", what,
              n, res);
    CHECK_MSG(orth <= 1e-13 * n, "%s n = %d: |Z^T Z - I| = %g", what, n, orth);
    for (int j = 0; j < n; j++) {
        for (int r = j + 2; r < n; r++) CHECK(t[r + j * n] == 0.0);
        if (j + 1 < n && t[j + 1 + j * n] != 0.0) { /* a 2 x 2 block: standard form */
            CHECK(t[j + j * n] == t[j + 1 + (j + 1) * n]);
            CHECK(t[j + 1 + j * n] * t[j + (j + 1) * n] < 0.0);
            CHECK(j + 2 >= n || t[j + 2 + (j + 1) * n] == 0.0);
            CHECK(wi[j] > 0.0 && wi[j + 1] == -wi[j] && wr[j] == wr[j + 1]);
            CHECK_CLOSE(wi[j], sqrt(-t[j + 1 + j * n] * t[j + (j + 1) * n]), 1e-14, 0);
            CHECK(wr[j] == t[j + j * n]);
            j++;
        } else {
            CHECK(wi[j] == 0.0 && wr[j] == t[j + j * n]);
        }
    }
    memcpy(e, h0, sizeof(double) * n * n);
    CHECK(regia_ssi_hqr(n, e, n, wr2, wi2, 0, NULL, 1, 0) == 0);
    CHECK_MSG(eig_distance(n, wr, wi, wr2, wi2) <= 1e-12 * (norm > 0 ? norm : 1.0),
              "%s n = %d: eigenvalues alone differ by %g", what, n,
              eig_distance(n, wr, wi, wr2, wi2));
}

/* Q D Q^T for D block diagonal (2 x 2 blocks a I + b J, then reals) and a random orthogonal
 * Q, reduced to Hessenberg form: eigenvalues known to about eps |D|. */
static void test_known(void)
{
    static double a[NMAX * NMAX], q[NMAX * NMAX], d[NMAX * NMAX], w[NMAX * NMAX];
    for (int n = 1; n <= NMAX; n += (n < 8 ? 1 : 7)) {
        double wr[NMAX], wi[NMAX], kr[NMAX], ki[NMAX], tau[NMAX];
        memset(d, 0, sizeof(double) * n * n);
        int npair = n / 3;
        for (int p = 0; p < npair; p++) { /* discrete poles near the unit circle, as SSI's */
            double r = 0.9 + 0.1 * (uniform() + 0.5), th = 3.0 * (uniform() + 0.5) + 0.01;
            double re = r * cos(th), im = r * sin(th);
            int j = 2 * p;
            d[j + j * n] = d[j + 1 + (j + 1) * n] = re;
            d[j + (j + 1) * n] = im;
            d[j + 1 + j * n] = -im;
            kr[j] = kr[j + 1] = re;
            ki[j] = im;
            ki[j + 1] = -im;
        }
        for (int j = 2 * npair; j < n; j++) kr[j] = d[j + j * n] = uniform(), ki[j] = 0.0;
        for (int k = 0; k < n * n; k++) q[k] = uniform();
        CHECK(LAPACKE_dgeqrf(LAPACK_COL_MAJOR, n, n, q, n, tau) == 0);
        CHECK(LAPACKE_dorgqr(LAPACK_COL_MAJOR, n, n, n, q, n, tau) == 0);
        for (int r = 0; r < n; r++) /* w = Q D, a = w Q^T */
            for (int c = 0; c < n; c++) {
                double s = 0.0;
                for (int k = 0; k < n; k++) s += q[r + k * n] * d[k + c * n];
                w[r + c * n] = s;
            }
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) {
                double s = 0.0;
                for (int k = 0; k < n; k++) s += w[r + k * n] * q[c + k * n];
                a[r + c * n] = s;
            }
        to_hessenberg(n, a);
        check_schur(n, a, "known");
        memcpy(w, a, sizeof(double) * n * n);
        CHECK(regia_ssi_hqr(n, w, n, wr, wi, 0, NULL, 1, 0) == 0);
        CHECK_MSG(eig_distance(n, wr, wi, kr, ki) <= 1e-13 * n, "n = %d: eigenvalues off by %g",
                  n, eig_distance(n, wr, wi, kr, ki));
    }
}

/* Random Hessenberg matrices: the eigenvalues of dgeev (to their conditioning). */
static void test_random(void)
{
    static double a[NMAX * NMAX], t[NMAX * NMAX];
    for (int rep = 0; rep < 20; rep++)
        for (int n = 2; n <= NMAX; n += 2) {
            double wr[NMAX], wi[NMAX], gr[NMAX], gi[NMAX], vr[1];
            for (int k = 0; k < n * n; k++) a[k] = uniform();
            to_hessenberg(n, a);
            if (rep == 0) check_schur(n, a, "random");
            memcpy(t, a, sizeof(double) * n * n);
            CHECK(regia_ssi_hqr(n, t, n, wr, wi, 0, NULL, 1, 0) == 0);
            memcpy(t, a, sizeof(double) * n * n);
            CHECK(LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', n, t, n, gr, gi, NULL, 1, vr, 1) == 0);
            CHECK_MSG(eig_distance(n, wr, wi, gr, gi) <= 1e-9, "n = %d: %g from dgeev's", n,
                      eig_distance(n, wr, wi, gr, gi));
        }
}

static void test_degenerate(void)
{
    double h[9] = {0}, wr[3], wi[3];
    CHECK(regia_ssi_hqr(0, h, 1, wr, wi, 1, NULL, 1, 0) == 0);
    h[0] = 2.5;
    CHECK(regia_ssi_hqr(1, h, 1, wr, wi, 1, NULL, 1, 0) == 0);
    CHECK(wr[0] == 2.5 && wi[0] == 0.0);
    memset(h, 0, sizeof h); /* zero matrix */
    check_schur(3, h, "zero");
    /* upper triangular already: its diagonal */
    double u[9] = {1, 0, 0, 2, 3, 0, 4, 5, -6};
    CHECK(regia_ssi_hqr(3, u, 3, wr, wi, 1, NULL, 1, 0) == 0);
    double kr[3] = {1, 3, -6}, ki[3] = {0, 0, 0};
    CHECK(eig_distance(3, wr, wi, kr, ki) == 0.0);
    /* a rotation: the pair cos +- i sin, exactly standard already */
    double c = cos(0.3), s = sin(0.3), rot[4] = {c, -s, s, c};
    check_schur(2, rot, "rotation");
    CHECK(regia_ssi_hqr(2, rot, 2, wr, wi, 1, NULL, 1, 0) == 0);
    CHECK_CLOSE(wr[0], c, 1e-15, 0);
    CHECK_CLOSE(wi[0], s, 1e-15, 0);
    /* a Jordan block (defective): all three eigenvalues 1 to about eps^(1/3) */
    double j3[9] = {1, 0, 0, 1, 1, 0, 0, 1, 1}, one[3] = {1, 1, 1}, zero[3] = {0, 0, 0};
    CHECK(regia_ssi_hqr(3, j3, 3, wr, wi, 0, NULL, 1, 0) == 0);
    CHECK(eig_distance(3, wr, wi, one, zero) < 1e-4);
}

int main(void)
{
    test_known();
    test_random();
    test_degenerate();
    return check_done();
}
