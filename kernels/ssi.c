/* ssi.c - covariance-driven SSI: configuration, SVD of the block Hankel matrix, the fast
 * multi-order state matrices from one QR (Doehler & Mevel 2012) and the poles of every
 * order.  The Hankel matrix itself (pyOMA2's fixed window and KOMA's unbiased one) is in
 * ssi_hankel.c, pole selection (hard criteria, stability, modes) in ssi_cluster.c, shape
 * indicators in ssi_shape.c. */
#include <cblas.h>
#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmsg_impl.h"
#include "regia/ssi.h"
#include "ssi_impl.h"

void regia_ssi_defaults(regia_ssi_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->block_rows = 20;
    cfg->ord_min = 1;
    cfg->ord_max = 0;
    cfg->ord_step = 1;
    cfg->window = REGIA_SSI_FIXED;
    cfg->detrend = 1;
    cfg->f_min = 0.0;
    cfg->f_max = 0.0;
    cfg->xi_min = 0.0;
    cfg->xi_max = 0.2;
    cfg->mpc_min = 0.5;
    cfg->mpd_max = 0.5;
    cfg->stab_df = 0.05;
    cfg->stab_dxi = 0.1;
    cfg->stab_dmac = 0.05;
    cfg->stab_orders = 1;
    cfg->clus_df = 0.01;
    cfg->clus_dmac = 0.05;
    cfg->clus_min_poles = 3;
    cfg->clus_min_frac = 0.3;
}

/* The highest order a configuration asks for with nref references. */
static int32_t ord_max_of(const regia_ssi_cfg_t *cfg, int32_t nch, int32_t nref)
{
    if (cfg->ord_max > 0) return cfg->ord_max;
    int64_t cap = (int64_t)cfg->block_rows * nref;
    return cap < 60 ? (int32_t)cap : 60;
}

#define bad(msg, cap, ...) regia_kernel_invalid(msg, cap, "", __VA_ARGS__)

regia_status_t regia_ssi_check(const regia_ssi_cfg_t *cfg, int64_t n, int32_t nch,
                               int32_t nref, char *msg, int cap)
{
    int32_t i = cfg->block_rows;
    if (nch < 1) return bad(msg, cap, "SSI: %d channels (need >= 1)", nch);
    if (nref < 1 || nref > nch)
        return bad(msg, cap, "SSI: %d reference channels (need 1..%d)", nref, nch);
    if (i < 1) return bad(msg, cap, "SSI: block_rows = %d (need >= 1)", i);
    if (cfg->ord_step < 1) return bad(msg, cap, "SSI: ord_step = %d (need >= 1)", cfg->ord_step);
    if (cfg->ord_min < 1) return bad(msg, cap, "SSI: ord_min = %d (need >= 1)", cfg->ord_min);
    int32_t omax = ord_max_of(cfg, nch, nref);
    if (omax < cfg->ord_min)
        return bad(msg, cap, "SSI: ord_max = %d below ord_min = %d", omax, cfg->ord_min);
    if ((int64_t)omax > (int64_t)i * nref)
        return bad(msg, cap,
                   "SSI: ord_max = %d exceeds block_rows x references = %d x %d (the rank "
                   "of the Hankel matrix)", omax, i, nref);
    if ((int64_t)omax > (int64_t)(i - 1) * nch)
        return bad(msg, cap,
                   "SSI: ord_max = %d exceeds (block_rows - 1) x channels = %d x %d (the "
                   "rows of the shifted observability matrix)", omax, i - 1, nch);
    if (n > 0 && n < 3 * (int64_t)i)
        return bad(msg, cap, "SSI: %lld samples for block_rows = %d (need >= 3 x block_rows)",
                   (long long)n, i);
    if (cfg->window != REGIA_SSI_FIXED && cfg->window != REGIA_SSI_UNBIASED)
        return bad(msg, cap, "SSI: window = %d (fixed 0 or unbiased 1)", cfg->window);
    if (!(cfg->xi_min < cfg->xi_max) || !isfinite(cfg->xi_min) || !isfinite(cfg->xi_max))
        return bad(msg, cap, "SSI: damping range xi_min = %g, xi_max = %g (need xi_min < xi_max)",
                   cfg->xi_min, cfg->xi_max);
    if (!(cfg->f_min >= 0.0) || !(cfg->f_max >= 0.0) ||
        (cfg->f_max > 0.0 && cfg->f_max <= cfg->f_min))
        return bad(msg, cap, "SSI: frequency range f_min = %g, f_max = %g Hz", cfg->f_min,
                   cfg->f_max);
    if (!(cfg->mpc_min >= 0.0 && cfg->mpc_min <= 1.0))
        return bad(msg, cap, "SSI: mpc_min = %g (need 0..1)", cfg->mpc_min);
    if (!isfinite(cfg->mpd_max)) return bad(msg, cap, "SSI: mpd_max = %g", cfg->mpd_max);
    if (!(cfg->stab_df > 0.0) || !(cfg->stab_dxi > 0.0) || !(cfg->stab_dmac > 0.0))
        return bad(msg, cap, "SSI: stability limits df = %g, dxi = %g, dmac = %g (need > 0)",
                   cfg->stab_df, cfg->stab_dxi, cfg->stab_dmac);
    if (cfg->stab_orders < 1)
        return bad(msg, cap, "SSI: stab_orders = %d (need >= 1)", cfg->stab_orders);
    if (!(cfg->clus_df > 0.0) || !(cfg->clus_dmac > 0.0) || cfg->clus_min_poles < 1 ||
        !(cfg->clus_min_frac >= 0.0 && cfg->clus_min_frac <= 1.0))
        return bad(msg, cap,
                   "SSI: grouping clus_df = %g, clus_dmac = %g, clus_min_poles = %d, "
                   "clus_min_frac = %g", cfg->clus_df, cfg->clus_dmac, cfg->clus_min_poles,
                   cfg->clus_min_frac);
    return REGIA_OK;
}

void regia_ssi_result_init(regia_ssi_result_t *res) { memset(res, 0, sizeof *res); }

void regia_ssi_result_free(regia_ssi_result_t *res)
{
    if (!res) return;
    free(res->orders);
    free(res->sv);
    free(res->poles);
    free(res->pole_shapes);
    free(res->modes);
    free(res->mode_shapes);
    regia_ssi_result_init(res);
}

regia_status_t regia_ssi_cov(const double *y, int64_t n, int32_t nch, const int32_t *ref,
                             int32_t nref, double fs, const regia_ssi_cfg_t *cfg,
                             regia_ssi_result_t *res)
{
    regia_status_t st = REGIA_OK;
    double *H = NULL;
    regia_ssi_result_init(res);
    if (!ref) nref = nch;
    REGIA_TRY(regia_ssi_check(cfg, n, nch, nref, NULL, 0));
    int64_t i = cfg->block_rows;
    H = malloc((size_t)(i * nch) * (size_t)(i * nref) * sizeof *H);
    if (!H) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "SSI: no memory for a %lld x %lld Hankel matrix",
                        (long long)(i * nch), (long long)(i * nref));
        goto err;
    }
    REGIA_TRY(regia_ssi_hankel(y, n, nch, ref, nref, cfg, H));
    REGIA_TRY(regia_ssi_from_hankel(H, nch, nref, fs, cfg, res));
err:
    free(H);
    return st;
}

/* A pole's frequency, damping and kind from an eigenvalue wr + i wi of the discrete state
 * matrix; shape, MPC and MPD not yet known (NaN until pole_shape). */
static void pole_value(double wr, double wi, int32_t nch, double fs, int32_t order,
                       regia_ssi_pole_t *p, double *shape)
{
    double complex lc = clog(CMPLX(wr, wi)) * fs;
    double mag = cabs(lc);
    memset(p, 0, sizeof *p);
    p->order = order;
    p->mode = -1;
    p->lambda_re = creal(lc);
    p->lambda_im = cimag(lc);
    p->f = mag / (2.0 * M_PI);
    p->xi = mag > 0.0 ? -creal(lc) / mag : NAN;
    p->reason = wi > 0.0 ? REGIA_POLE_MODE : wi < 0.0 ? REGIA_POLE_CONJUGATE : REGIA_POLE_REAL;
    p->mpc = p->mpd = NAN;
    for (int32_t c = 0; c < 2 * nch; c++) shape[c] = NAN;
}

/* The pole's shape from C psi = pr + i pim (pim NULL: real), normalised so that its
 * component of largest modulus is 1 + 0i, with its MPC and MPD. */
static void pole_shape(const double *pr, const double *pim, int32_t nch, regia_ssi_pole_t *p,
                       double *shape)
{
    int32_t kmax = 0;
    double amax = -1.0;
    for (int32_t c = 0; c < nch; c++) {
        double a = hypot(pr[c], pim ? pim[c] : 0.0);
        if (a > amax) {
            amax = a;
            kmax = c;
        }
    }
    double complex den = CMPLX(pr[kmax], pim ? pim[kmax] : 0.0);
    if (cabs(den) == 0.0) den = 1.0;
    for (int32_t c = 0; c < nch; c++) {
        double complex v = CMPLX(pr[c], pim ? pim[c] : 0.0) / den;
        shape[2 * c] = creal(v);
        shape[2 * c + 1] = cimag(v);
    }
    p->mpc = regia_mpc(shape, nch);
    p->mpd = regia_mpd(shape, nch);
}

/* The first k left singular vectors of the m x nc matrix H (row-major, the layout of
 * regia_ssi_hankel) into U (m x k, column-major, ld m) and all min(m, nc) singular values,
 * decreasing, into sv: the steps of dgesdd (bidiagonal reduction dgebrd, divide and
 * conquer dbdsdc on the bidiagonal: no squared condition number) with the
 * back-transformation (dormbr) of the first k left vectors only and no right vectors.
 * Host memory; returns the failing routine's info (-1000 when out of memory). */
static lapack_int hankel_svd_top(const double *H, int32_t m, int32_t nc, int32_t k, double *sv,
                                 double *U)
{
    int32_t mn = m < nc ? m : nc;
    lapack_int info = -1000, iq[1];
    double q[1];
    double *A = malloc((size_t)m * nc * sizeof *A);
    double *e = malloc((size_t)mn * sizeof *e), *tq = malloc((size_t)mn * sizeof *tq);
    double *tp = malloc((size_t)mn * sizeof *tp);
    double *UB = malloc((size_t)mn * mn * sizeof *UB), *VB = malloc((size_t)mn * mn * sizeof *VB);
    if (!A || !e || !tq || !tp || !UB || !VB) goto done;
    for (int32_t r = 0; r < m; r++) /* column-major for LAPACK */
        for (int32_t c = 0; c < nc; c++) A[r + (int64_t)c * m] = H[(int64_t)r * nc + c];
    info = LAPACKE_dgebrd(LAPACK_COL_MAJOR, m, nc, A, m, sv, e, tq, tp);
    if (info == 0)
        info = LAPACKE_dbdsdc(LAPACK_COL_MAJOR, m >= nc ? 'U' : 'L', 'I', mn, sv, e, UB, mn, VB,
                              mn, q, iq);
    if (info != 0) goto done;
    for (int32_t j = 0; j < k; j++) {
        memcpy(U + (int64_t)j * m, UB + (int64_t)j * mn, (size_t)mn * sizeof *U);
        for (int32_t r = mn; r < m; r++) U[r + (int64_t)j * m] = 0.0;
    }
    info = LAPACKE_dormbr(LAPACK_COL_MAJOR, 'Q', 'L', 'N', m, k, nc, A, m, tq, U, m);
done:
    free(A);
    free(e);
    free(tq);
    free(tp);
    free(UB);
    free(VB);
    return info;
}

/* The k leading eigenvectors of the symmetric tridiagonal (d, e) of order m (eigenvalues
 * w[0..m) increasing, dsterf's) into Z (m x k, ld m; column j: eigenvalue m-1-j): inverse
 * iteration (dstein) when no off-diagonal entry is zero, else (or should dstein not
 * converge) all eigenpairs by divide and conquer (dstedc).  Returns 0, the failing
 * routine's info, or -1000 when out of memory. */
static lapack_int tridiag_top(int32_t m, int32_t k, const double *d, const double *e,
                              const double *w, double *Z)
{
    lapack_int info = -1000, *iw = malloc((size_t)(3 * m + k) * sizeof *iw);
    double *ws = malloc(((size_t)m * k + 5 * (size_t)m) * sizeof *ws);
    double *full = NULL, *d2 = NULL;
    if (!iw || !ws) goto done;
    int split = 0;
    for (int32_t j = 0; j + 1 < m; j++) split |= e[j] == 0.0;
    info = 1;
    if (!split) {
        lapack_int *iblock = iw, *isplit = iw + m, *iwork = iw + 2 * m, *ifail = iw + 3 * m;
        for (int32_t j = 0; j < k; j++) iblock[j] = 1;
        isplit[0] = m;
        /* _work: LAPACKE_dstein would scan m entries of w + m - k for NaNs */
        info = LAPACKE_dstein_work(LAPACK_COL_MAJOR, m, d, e, k, w + m - k, iblock, isplit, ws,
                                   m, ws + (size_t)m * k, iwork, ifail);
        if (info == 0)
            for (int32_t j = 0; j < k; j++)
                memcpy(Z + (int64_t)j * m, ws + (int64_t)(k - 1 - j) * m, (size_t)m * sizeof *Z);
    }
    if (info > 0) { /* a split or no convergence: all eigenpairs */
        full = malloc((size_t)m * m * sizeof *full);
        d2 = malloc(2 * (size_t)m * sizeof *d2);
        info = -1000;
        if (!full || !d2) goto done;
        memcpy(d2, d, (size_t)m * sizeof *d2);
        memcpy(d2 + m, e, (size_t)(m - 1) * sizeof *d2);
        info = LAPACKE_dstedc(LAPACK_COL_MAJOR, 'I', m, d2, d2 + m, full, m);
        if (info == 0)
            for (int32_t j = 0; j < k; j++)
                memcpy(Z + (int64_t)j * m, full + (int64_t)(m - 1 - j) * m, (size_t)m * sizeof *Z);
    }
done:
    free(iw);
    free(ws);
    free(full);
    free(d2);
    return info;
}

/* The same from the symmetric eigenproblem of G = H H^T (square H only, m = nc): dsyrk,
 * tridiagonal reduction dsytrd, all eigenvalues of the tridiagonal (dsterf), the k leading
 * eigenvectors (tridiag_top) back-transformed (dormtr); sv_j = sqrt(lambda_j).  Squaring
 * costs accuracy where singular values are small: an eigenvalue of G is accurate to about
 * eps lambda_1, so sv_j to a relative eps (sv_1 / sv_j)^2 / 2, and the leading subspaces to
 * about eps sv_1^2 / (sv_n^2 - sv_n+1^2).  So this route is taken only when the k-th
 * singular value is at least 1e-5 sv_1 (a record's noise floor; then sv_k is good to
 * 1e-6 relative or better and the poles of every order to rounding of the subspace);
 * otherwise (exact or noise-free covariances, a rank below k) it returns 1 and the caller
 * computes the SVD directly.  sv: all m values (those below about 1e-7 sv_1 at rounding
 * level).  H is not modified.  Returns 0, 1 (not taken) or the failing routine's info
 * (-1000 when out of memory). */
static lapack_int hankel_svd_gram(const double *H, int32_t m, int32_t k, double *sv, double *U)
{
    lapack_int info = -1000, lwork = 64 * k + 65 * 64;
    double *G = malloc((size_t)m * m * sizeof *G), *d = malloc(4 * (size_t)m * sizeof *d);
    double *work = malloc((size_t)lwork * sizeof *work);
    if (!G || !d || !work) goto done;
    double *e = d + m, *tau = e + m, *w = tau + m;
    /* H row-major is H^T column-major: G = (H^T)^T H^T */
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, m, m, 1.0, H, m, 0.0, G, m);
    info = LAPACKE_dsytrd(LAPACK_COL_MAJOR, 'L', m, G, m, d, e, tau);
    if (info != 0) goto done;
    memcpy(w, d, (size_t)m * sizeof *w);
    memcpy(sv, e, (size_t)(m - 1) * sizeof *sv); /* scratch: dsterf destroys it */
    info = LAPACKE_dsterf(m, w, sv);
    if (info != 0) goto done;
    /* w: eigenvalues increasing */
    if (!(w[m - 1] > 0.0) || !(w[m - k] >= 1e-10 * w[m - 1])) {
        info = 1;
        goto done;
    }
    info = tridiag_top(m, k, d, e, w, U);
    if (info != 0) goto done;
    for (int32_t j = 0; j < m; j++) sv[j] = w[m - 1 - j] > 0.0 ? sqrt(w[m - 1 - j]) : 0.0;
    /* _work with room for dormqr's blocked code (dormtr's workspace query leaves out the
     * block reflector's T, and dormqr then falls back to dorm2r: 0.85 instead of 0.48 ms) */
    info = LAPACKE_dormtr_work(LAPACK_COL_MAJOR, 'L', 'L', 'N', m, k, G, m, tau, U, m, work,
                               lwork);
done:
    free(G);
    free(d);
    free(work);
    return info;
}

/* Eigenvalues (wr, wi: a complex pair consecutive, positive imaginary part first) of the
 * n x n state matrix An = R_n A_n R_n^-1 (R: the upper triangle of the QR, leading
 * dimension ldr), and into Cn (nch x n) the output matrix C = O[:nch, :n]
 * (O[:nch, j] = U[:nch, j] sqrt(sv_j)) times R_n^-1 and the Hessenberg and Schur bases.
 * Returns 1 when An holds its real Schur form T (dgehrd, then the Francis QR of
 * ssi_hqr.c with the rotations applied to the nch rows of C instead of an n x n basis), so
 * that C psi = Cn x for an eigenvector x of T; 0 when An had a non-finite entry (a
 * near-singular R): then dgeev, which copes with the overflow as it always did, has put
 * all eigenvectors psi of An into VR (n x n) and Cn = C R_n^-1; < 0: the failing
 * routine's info (negated when positive).  tau: n - 1 scratch, work: 64 nch scratch.  Host
 * memory. */
static lapack_int ssi_eig_out(double *An, int32_t n, const double *U, int32_t m,
                              const double *sv, int32_t nch, const double *R, int32_t ldr,
                              double *tau, double *work, double *wr, double *wi, double *VR,
                              double *Cn)
{
    for (int32_t j = 0; j < n; j++) {
        double s = sqrt(sv[j]);
        for (int32_t c = 0; c < nch; c++) Cn[c + (int64_t)j * nch] = U[c + (int64_t)j * m] * s;
    }
    /* An is R_n A_n R_n^-1: its eigenvectors w = R_n psi, so C psi = (C R_n^-1) w */
    cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, nch, n, 1.0,
                R, ldr, Cn, nch);
    int finite = 1;
    for (int64_t k = 0; k < (int64_t)n * n; k++) finite &= isfinite(An[k]) != 0;
    if (!finite) {
        lapack_int info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'V', n, An, n, wr, wi, NULL, 1,
                                        VR, n);
        return info == 0 ? 0 : info > 0 ? -info : info;
    }
    lapack_int info = n > 1 ? LAPACKE_dgehrd(LAPACK_COL_MAJOR, n, 1, n, An, n, tau) : 0;
    if (info == 0 && n > 1) /* _work: no NaN scan of the inputs per order */
        info = LAPACKE_dormhr_work(LAPACK_COL_MAJOR, 'R', 'N', nch, n, 1, n, An, n, tau, Cn,
                                   nch, work, nch * 64);
    if (info != 0) return info > 0 ? -info : info;
    info = regia_ssi_hqr(n, An, n, wr, wi, 1, Cn, nch, nch);
    return info == 0 ? 1 : -info;
}

/* Shapes, MPC and MPD of the order's poles p[0..n) (eigenvalues wr, wi) that pass the
 * hard criteria on frequency and damping (the conjugate poles get the conjugate shape; the
 * others keep NaN): their eigenvectors only, from the Schur form T in An (schur = 1: dtrevc
 * on the selected eigenvalues, back to C psi through Cn) or from VR (schur = 0: all of An's
 * eigenvectors, with Cn = C R_n^-1).  sel: n flags, P: nch n and work: 3 n scratch.
 * Returns dtrevc's info. */
static lapack_int order_shapes(const regia_ssi_cfg_t *cfg, int32_t n, int32_t nch, int schur,
                               const double *An, const double *wi, const double *Cn,
                               double *VR, lapack_logical *sel, double *P, double *work,
                               regia_ssi_pole_t *p, double *shapes)
{
    int32_t nsel = 0;
    for (int32_t j = 0; j < n; j++) {
        sel[j] = wi[j] > 0.0 && j + 1 < n &&
                 regia_ssi_band_reason(cfg, p[j].f, p[j].xi) == REGIA_POLE_MODE;
        nsel += sel[j] ? 2 : 0;
    }
    if (nsel == 0) return 0;
    lapack_int info = 0, ncols = n;
    if (schur) /* the selected pairs' vectors (re, im) side by side in VR */
        info = LAPACKE_dtrevc_work(LAPACK_COL_MAJOR, 'R', 'S', sel, n, (double *)An, n, NULL, 1,
                                   VR, n, n, &ncols, work);
    if (info != 0) return info;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, nch, ncols, n, 1.0, Cn, nch, VR, n,
                0.0, P, nch);
    for (int32_t j = 0, col = 0; j < n; j++) {
        if (!(wi[j] > 0.0 && j + 1 < n)) { /* real (dgeev: one column of VR) */
            col += !schur && wi[j] == 0.0;
            continue;
        }
        int c0 = col;
        col += schur && !sel[j] ? 0 : 2;
        if (sel[j]) {
            const double *pr = P + (int64_t)c0 * nch;
            double *sh = shapes + (int64_t)j * nch * 2, *cj = sh + nch * 2;
            pole_shape(pr, pr + nch, nch, p + j, sh);
            for (int32_t c = 0; c < nch; c++) { /* the conjugate pole: the conjugate shape */
                cj[2 * c] = sh[2 * c];
                cj[2 * c + 1] = -sh[2 * c + 1];
            }
            p[j + 1].mpc = p[j].mpc;
            p[j + 1].mpd = p[j].mpd;
        }
        j++;
    }
    return 0;
}

regia_status_t regia_ssi_from_hankel(const double *H, int32_t nch, int32_t nref, double fs,
                                     const regia_ssi_cfg_t *cfg, regia_ssi_result_t *res)
{
    regia_status_t st = REGIA_OK;
    double *ws = NULL;
    lapack_logical *sel = NULL;
    regia_ssi_result_init(res);
    REGIA_TRY(regia_ssi_check(cfg, 0, nch, nref, NULL, 0));
    if (!(fs > 0.0) || !isfinite(fs)) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "SSI: sampling rate %g Hz (need > 0)", fs);
        goto err;
    }
    int32_t i = cfg->block_rows, omax = ord_max_of(cfg, nch, nref);
    int32_t m = i * nch, nc = i * nref, mn = m < nc ? m : nc, mo = m - nch;
    int32_t n_orders = (omax - cfg->ord_min) / cfg->ord_step + 1;
    int64_t n_poles = 0;
    for (int32_t o = 0; o < n_orders; o++) n_poles += cfg->ord_min + o * cfg->ord_step;
    for (int64_t k = 0; k < (int64_t)m * nc; k++)
        if (!isfinite(H[k])) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "SSI: the Hankel matrix has a non-finite entry "
                            "(row %lld, column %lld)", (long long)(k / nc), (long long)(k % nc));
            goto err;
        }
    /* one workspace: U (m omax), Oq and Td (mo omax each), Bt, An, VR (omax^2 each), P and Cn
     * (nch omax each), tau, wr, wi, work (omax, omax, omax, 64 nch + 3 omax) */
    size_t o2 = (size_t)omax * omax, nws = (size_t)m * omax + 2 * (size_t)mo * omax + 3 * o2 +
                                          2 * (size_t)nch * omax + 6 * (size_t)omax + 64 * (size_t)nch;
    ws = malloc(nws * sizeof *ws);
    sel = malloc((size_t)omax * sizeof *sel);
    res->orders = malloc((size_t)n_orders * sizeof *res->orders);
    res->sv = malloc((size_t)mn * sizeof *res->sv);
    res->poles = malloc((size_t)n_poles * sizeof *res->poles);
    res->pole_shapes = malloc((size_t)n_poles * nch * 2 * sizeof *res->pole_shapes);
    if (!ws || !sel || !res->orders || !res->sv || !res->poles || !res->pole_shapes) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "SSI: no memory for a %d x %d Hankel matrix", m, nc);
        goto err;
    }
    double *U = ws, *Oq = U + (size_t)m * omax, *Td = Oq + (size_t)mo * omax;
    double *Bt = Td + (size_t)mo * omax, *An = Bt + o2, *VR = An + o2, *P = VR + o2;
    double *Cn = P + (size_t)nch * omax, *tau = Cn + (size_t)nch * omax, *wr = tau + omax;
    double *wi = wr + omax, *work = wi + omax;
    res->nch = nch;
    res->nref = nref;
    res->n_sv = mn;
    lapack_int info = m == nc ? hankel_svd_gram(H, m, omax, res->sv, U) : 1;
    if (info == 1) info = hankel_svd_top(H, m, nc, omax, res->sv, U);
    if (info != 0) {
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "SSI: SVD of the %d x %d Hankel matrix failed "
                        "(dsytrd/dstein/dormtr or dgebrd/dbdsdc/dormbr info %d)", m, nc,
                        (int)info);
        goto err;
    }
    /* O = U[:, :omax] S^(1/2): Oup (rows 0..mo-1) into Oq, Odown (rows nch..m-1) into Td */
    for (int32_t j = 0; j < omax; j++) {
        double s = sqrt(res->sv[j]);
        for (int32_t r = 0; r < mo; r++) {
            Oq[r + (int64_t)j * mo] = U[r + (int64_t)j * m] * s;
            Td[r + (int64_t)j * mo] = U[nch + r + (int64_t)j * m] * s;
        }
    }
    info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, mo, omax, Oq, mo, tau);
    if (info == 0)
        info = LAPACKE_dormqr(LAPACK_COL_MAJOR, 'L', 'T', mo, omax, omax, Oq, mo, tau, Td, mo);
    if (info != 0) {
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "SSI: QR of the observability matrix failed "
                        "(info %d)", (int)info);
        goto err;
    }
    /* B = T[:omax, :omax] R^-1 once: its leading n x n block T_n R_n^-1 = R_n A_n R_n^-1 has
     * A_n's eigenvalues for every n (column c of B needs R's first c + 1 columns only, so
     * the columns before R's first zero pivot nz are those of every order n <= nz) */
    int32_t nz = omax;
    for (int32_t j = 0; j < omax && nz == omax; j++)
        if (Oq[j + (int64_t)j * mo] == 0.0) nz = j;
    for (int32_t c = 0; c < omax; c++)
        memcpy(Bt + (int64_t)c * omax, Td + (int64_t)c * mo, (size_t)omax * sizeof *Bt);
    if (nz > 0)
        cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, omax, nz,
                    1.0, Oq, mo, Bt, omax);
    int64_t np = 0;
    for (int32_t o = 0; o < n_orders; o++) {
        int32_t n = cfg->ord_min + o * cfg->ord_step;
        res->orders[o] = n;
        if (n > nz) continue; /* R_n singular: H has rank < n, this order has no poles */
        for (int32_t c = 0; c < n; c++)
            memcpy(An + (int64_t)c * n, Bt + (int64_t)c * omax, (size_t)n * sizeof *An);
        info = ssi_eig_out(An, n, U, m, res->sv, nch, Oq, mo, tau, work, wr, wi, VR, Cn);
        regia_ssi_pole_t *p = res->poles + np;
        double *shapes = res->pole_shapes + np * nch * 2;
        if (info >= 0) {
            for (int32_t j = 0; j < n; j++)
                pole_value(wr[j], wi[j], nch, fs, n, p + j, shapes + (int64_t)j * nch * 2);
            lapack_int ti = order_shapes(cfg, n, nch, (int)info, An, wi, Cn, VR, sel, P,
                                         work + 64 * nch, p, shapes);
            info = ti != 0 ? -1000 - ti : 0;
        }
        if (info != 0) {
            st = REGIA_FAIL(REGIA_ERR_NUMERIC, "SSI: eigenvalues of the order-%d state matrix "
                            "failed (info %d)", n, (int)info);
            goto err;
        }
        np += n;
    }
    res->n_orders = n_orders;
    res->n_poles = np;
    REGIA_TRY(regia_ssi_select(cfg, res));
err:
    if (st != REGIA_OK) regia_ssi_result_free(res);
    free(ws);
    free(sel);
    return st;
}
