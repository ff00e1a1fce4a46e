/* ssi_hqr.c - eigenvalues and real Schur form of the small upper Hessenberg state matrices
 * of SSI (kernels/ssi.c): the Francis double-shift QR iteration (Golub & Van Loan 2013,
 * algorithm 7.5.2) with the deflation test of Ahues & Tisseur (LAWN 122), exceptional
 * shifts after 6 and 12 sweeps without deflation, and the 2 x 2 blocks put into standard
 * form by LAPACK's dlanv2, the same steps as LAPACK's dlahqr (which dhseqr and dgeev use for
 * n < 75).  Here the 3-element reflectors are made and applied inline: dlahqr calls dlarfg,
 * and through it dnrm2, dlapy2 and dlamch, for every bulge step, which on the 30 state
 * matrices of orders 2..60 costs more than the arithmetic. */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "ssi_impl.h"

extern void dlanv2_(double *a, double *b, double *c, double *d, double *rt1r, double *rt1i,
                    double *rt2r, double *rt2i, double *cs, double *sn);
extern void dlarfg_(const int *n, double *alpha, double *x, const int *incx, double *tau);

/* max and min of two numbers that are not NaN, inline (fmax and fmin are library calls
 * under the build's flags, two per bulge step) */
static inline double dmax(double a, double b) { return a > b ? a : b; }
static inline double dmin(double a, double b) { return a < b ? a : b; }

/* A reflector I - tau (1, u)(1, u)^T that maps (alpha, x[0..nr-2]) to (beta, 0, ...):
 * beta into *alpha, u into x, tau returned (LAPACK's dlarfg for nr = 2 or 3; it is called
 * itself where beta would be tiny enough for dlarfg to rescale). */
static double reflector(int nr, double *alpha, double *x)
{
    double a = *alpha, x1 = x[0], x2 = nr == 3 ? x[1] : 0.0;
    if (x1 == 0.0 && x2 == 0.0) return 0.0;
    double sc = dmax(fabs(a), dmax(fabs(x1), fabs(x2))), norm;
    if (sc > 1e-150 && sc < 1e150) { /* squares neither overflow nor underflow */
        norm = sqrt(a * a + x1 * x1 + x2 * x2);
    } else {
        double an = a / sc, y1 = x1 / sc, y2 = x2 / sc;
        norm = sc * sqrt(an * an + y1 * y1 + y2 * y2);
    }
    double beta = -copysign(norm, a);
    if (fabs(beta) < DBL_MIN / DBL_EPSILON) {
        double tau;
        int n = nr, one = 1;
        dlarfg_(&n, alpha, x, &one, &tau);
        return tau;
    }
    double s = 1.0 / (a - beta);
    x[0] = x1 * s;
    if (nr == 3) x[1] = x2 * s;
    *alpha = beta;
    return (beta - a) / beta;
}

int regia_ssi_hqr(int n, double *h, int ldh, double *wr, double *wi, int wantt, double *z,
                  int ldz, int nz)
{
#define H(r, c) h[(r) + (int64_t)(c) * ldh]
    if (n <= 0) return 0;
    if (n == 1) {
        wr[0] = H(0, 0);
        wi[0] = 0.0;
        return 0;
    }
    for (int j = 0; j + 3 < n; j++) H(j + 2, j) = H(j + 3, j) = 0.0;
    if (n >= 3) H(n - 1, n - 3) = 0.0;
    const double ulp = DBL_EPSILON, smlnum = DBL_MIN * ((double)n / ulp);
    const int exsh = 6, itmax = 30 * (n > 10 ? n : 10);
    int i1 = 0, i2 = n - 1, kdefl = 0;
    for (int i = n - 1; i >= 0;) {
        int l = 0, its;
        for (its = 0; its <= itmax; its++) {
            /* a negligible subdiagonal entry splits the active block [l, i] */
            int k;
            for (k = i; k > l; k--) {
                double sub = fabs(H(k, k - 1));
                if (sub <= smlnum) break;
                double tst = fabs(H(k - 1, k - 1)) + fabs(H(k, k));
                if (tst == 0.0) {
                    if (k >= 2) tst += fabs(H(k - 1, k - 2));
                    if (k + 1 < n) tst += fabs(H(k + 1, k));
                }
                if (sub <= ulp * tst) {
                    double sup = fabs(H(k - 1, k)), dd = fabs(H(k - 1, k - 1) - H(k, k));
                    double ab = dmax(sub, sup), ba = dmin(sub, sup);
                    double aa = dmax(fabs(H(k, k)), dd), bb = dmin(fabs(H(k, k)), dd);
                    double s = aa + ab;
                    if (ba * (ab / s) <= dmax(smlnum, ulp * (bb * (aa / s)))) break;
                }
            }
            l = k;
            if (l > 0) H(l, l - 1) = 0.0;
            if (l >= i - 1) break; /* a 1 x 1 or 2 x 2 block has converged */
            kdefl++;
            if (!wantt) {
                i1 = l;
                i2 = i;
            }
            /* shifts: the eigenvalues of the trailing 2 x 2 block, or an exceptional pair */
            double h11, h12, h21, h22;
            if (kdefl % (2 * exsh) == 0 || kdefl % exsh == 0) {
                int at = kdefl % (2 * exsh) == 0 ? i : l;
                double s = at == i ? fabs(H(i, i - 1)) + fabs(H(i - 1, i - 2))
                                   : fabs(H(l + 1, l)) + fabs(H(l + 2, l + 1));
                h11 = 0.75 * s + H(at, at);
                h12 = -0.4375 * s;
                h21 = s;
                h22 = h11;
            } else {
                h11 = H(i - 1, i - 1);
                h21 = H(i, i - 1);
                h12 = H(i - 1, i);
                h22 = H(i, i);
            }
            double rt1r = 0.0, rt1i = 0.0, rt2r = 0.0, rt2i = 0.0;
            double s = fabs(h11) + fabs(h12) + fabs(h21) + fabs(h22);
            if (s != 0.0) {
                h11 /= s;
                h21 /= s;
                h12 /= s;
                h22 /= s;
                double tr = 0.5 * (h11 + h22), det = (h11 - tr) * (h22 - tr) - h12 * h21;
                double rtdisc = sqrt(fabs(det));
                if (det >= 0.0) { /* a complex conjugate pair */
                    rt1r = rt2r = tr * s;
                    rt1i = rtdisc * s;
                    rt2i = -rt1i;
                } else { /* real: the one nearer h22, twice */
                    double a = tr + rtdisc, b = tr - rtdisc;
                    rt1r = rt2r = (fabs(a - h22) <= fabs(b - h22) ? a : b) * s;
                }
            }
            /* start the bulge at m where two consecutive small subdiagonals allow it */
            double v[3];
            int m;
            for (m = i - 2; m >= l; m--) {
                double h21s = H(m + 1, m);
                double sm = fabs(H(m, m) - rt2r) + fabs(rt2i) + fabs(h21s);
                h21s = H(m + 1, m) / sm;
                v[0] = h21s * H(m, m + 1) + (H(m, m) - rt1r) * ((H(m, m) - rt2r) / sm) -
                       rt1i * (rt2i / sm);
                v[1] = h21s * (H(m, m) + H(m + 1, m + 1) - rt1r - rt2r);
                v[2] = h21s * H(m + 2, m + 1);
                sm = fabs(v[0]) + fabs(v[1]) + fabs(v[2]);
                v[0] /= sm;
                v[1] /= sm;
                v[2] /= sm;
                if (m == l) break;
                if (fabs(H(m, m - 1)) * (fabs(v[1]) + fabs(v[2])) <=
                    ulp * fabs(v[0]) *
                        (fabs(H(m - 1, m - 1)) + fabs(H(m, m)) + fabs(H(m + 1, m + 1))))
                    break;
            }
            /* the double-shift sweep: chase the bulge from m down to i */
            for (int kb = m; kb <= i - 1; kb++) {
                int nr = i - kb + 1 < 3 ? i - kb + 1 : 3;
                if (kb > m) {
                    v[0] = H(kb, kb - 1);
                    v[1] = H(kb + 1, kb - 1);
                    if (nr == 3) v[2] = H(kb + 2, kb - 1);
                }
                double t1 = reflector(nr, v, v + 1);
                if (kb > m) {
                    H(kb, kb - 1) = v[0];
                    H(kb + 1, kb - 1) = 0.0;
                    if (kb < i - 1) H(kb + 2, kb - 1) = 0.0;
                } else if (m > l) {
                    H(kb, kb - 1) *= 1.0 - t1;
                }
                double v2 = v[1], t2 = t1 * v2;
                if (nr == 3) {
                    double v3 = v[2], t3 = t1 * v3;
                    for (int j = kb; j <= i2; j++) {
                        double *c = &H(kb, j);
                        double sum = c[0] + v2 * c[1] + v3 * c[2];
                        c[0] -= sum * t1;
                        c[1] -= sum * t2;
                        c[2] -= sum * t3;
                    }
                    int jmax = kb + 3 < i ? kb + 3 : i;
                    double *c0 = &H(0, kb), *c1 = &H(0, kb + 1), *c2 = &H(0, kb + 2);
                    for (int j = i1; j <= jmax; j++) {
                        double sum = c0[j] + v2 * c1[j] + v3 * c2[j];
                        c0[j] -= sum * t1;
                        c1[j] -= sum * t2;
                        c2[j] -= sum * t3;
                    }
                    if (z) {
                        double *z0 = z + (int64_t)kb * ldz, *z1 = z0 + ldz, *z2 = z1 + ldz;
                        for (int j = 0; j < nz; j++) {
                            double sum = z0[j] + v2 * z1[j] + v3 * z2[j];
                            z0[j] -= sum * t1;
                            z1[j] -= sum * t2;
                            z2[j] -= sum * t3;
                        }
                    }
                } else if (nr == 2) {
                    for (int j = kb; j <= i2; j++) {
                        double *c = &H(kb, j);
                        double sum = c[0] + v2 * c[1];
                        c[0] -= sum * t1;
                        c[1] -= sum * t2;
                    }
                    double *c0 = &H(0, kb), *c1 = &H(0, kb + 1);
                    for (int j = i1; j <= i; j++) {
                        double sum = c0[j] + v2 * c1[j];
                        c0[j] -= sum * t1;
                        c1[j] -= sum * t2;
                    }
                    if (z) {
                        double *z0 = z + (int64_t)kb * ldz, *z1 = z0 + ldz;
                        for (int j = 0; j < nz; j++) {
                            double sum = z0[j] + v2 * z1[j];
                            z0[j] -= sum * t1;
                            z1[j] -= sum * t2;
                        }
                    }
                }
            }
        }
        if (its > itmax) return i + 1; /* no convergence */
        if (l == i) {
            wr[i] = H(i, i);
            wi[i] = 0.0;
        } else { /* a 2 x 2 block: standard Schur form, its eigenvalue pair */
            double cs, sn;
            dlanv2_(&H(i - 1, i - 1), &H(i - 1, i), &H(i, i - 1), &H(i, i), &wr[i - 1],
                    &wi[i - 1], &wr[i], &wi[i], &cs, &sn);
            if (wantt) {
                for (int j = i + 1; j <= i2; j++) { /* rows i-1, i right of the block */
                    double a = H(i - 1, j), b = H(i, j);
                    H(i - 1, j) = cs * a + sn * b;
                    H(i, j) = cs * b - sn * a;
                }
                for (int j = i1; j <= i - 2; j++) { /* columns i-1, i above it */
                    double a = H(j, i - 1), b = H(j, i);
                    H(j, i - 1) = cs * a + sn * b;
                    H(j, i) = cs * b - sn * a;
                }
            }
            if (z)
                for (int j = 0; j < nz; j++) {
                    double *za = z + (int64_t)(i - 1) * ldz + j, *zb = za + ldz;
                    double a = *za, b = *zb;
                    *za = cs * a + sn * b;
                    *zb = cs * b - sn * a;
                }
        }
        kdefl = 0;
        i = l - 1;
    }
    return 0;
#undef H
}
