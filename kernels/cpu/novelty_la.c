/* The novelty_la op on the CPU with LAPACK (OpenBLAS): least squares by LAPACKE_dgelsd
 * (SVD, so the rank is that of the singular values), (X^T X)^-1 by dsyrk + dpotrf +
 * dpotri, the PCA's SVD by LAPACKE_dgesvd, the feature covariance summed in record order
 * and factored by dpotrf (contract in regia/novelty.h).  It is the reference the CUDA op
 * is compared with, and what regia_novelty_fit uses. */
#include <cblas.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "../novelty_la_impl.h"
#include "cpu_impl.h"

/* min |X c - Y|: the solution, the rank, (X^T X)^-1. */
static regia_status_t lsq(const regia_nla_in_t *in, regia_nla_out_t *out)
{
    regia_status_t st = REGIA_OK;
    const int64_t n = in->n;
    const int32_t ncol = in->cols, p = in->nrhs;
    const size_t ldb = (size_t)(p > ncol ? p : ncol);
    double *A = malloc(sizeof(double) * (size_t)n * (size_t)ncol);
    double *B = calloc((size_t)n * ldb, sizeof(double));
    double *s = malloc(sizeof(double) * (size_t)ncol);
    if (!A || !B || !s) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "novelty_la: out of memory for %lld x %d least squares",
                                             (long long)n, (int)ncol));
    memcpy(A, in->a, sizeof(double) * (size_t)n * (size_t)ncol);
    for (int64_t i = 0; i < n; i++)
        for (int32_t j = 0; j < p; j++) B[(size_t)i * ldb + (size_t)j] = in->b[i * p + j];
    /* n >= ldb rows hold B; the solution overwrites its first ncol rows */
    lapack_int rank = 0;
    lapack_int info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, (lapack_int)n, ncol, p, A, ncol, B, (lapack_int)ldb, s,
                                     in->rcond > 0 ? in->rcond : 1e-10, &rank);
    if (info != 0) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NUMERIC, "novelty_la: LAPACKE_dgelsd failed (info %d)", (int)info));
    out->rank = (int32_t)rank;
    out->info = 0;
    if (out->sv) memcpy(out->sv, s, sizeof(double) * (size_t)ncol);
    if (rank < ncol) goto err;
    for (int32_t c = 0; c < ncol; c++)
        for (int32_t j = 0; j < p; j++) out->x[c * p + j] = B[(size_t)c * ldb + (size_t)j];
    double *X = out->xtx_inv;
    memset(X, 0, sizeof(double) * (size_t)ncol * (size_t)ncol);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, ncol, (int)n, 1.0, in->a, ncol, 0.0, X, ncol);
    info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', ncol, X, ncol);
    if (info == 0) info = LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', ncol, X, ncol);
    if (info < 0) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NUMERIC, "novelty_la: LAPACKE_dpotrf/dpotri: argument %d", (int)-info));
    out->info = (int32_t)info;
    if (info == 0)
        for (int32_t a = 0; a < ncol; a++)
            for (int32_t b = a + 1; b < ncol; b++) X[a * ncol + b] = X[b * ncol + a];
err:
    free(A);
    free(B);
    free(s);
    return st;
}

/* Z = U S V^T: S and V^T, rows signed by the shared convention. */
static regia_status_t svd(const regia_nla_in_t *in, regia_nla_out_t *out)
{
    regia_status_t st = REGIA_OK;
    const int64_t n = in->n;
    const int32_t p = in->cols;
    double *Z = malloc(sizeof(double) * (size_t)n * (size_t)p), *superb = malloc(sizeof(double) * (size_t)p);
    if (!Z || !superb) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "novelty_la: out of memory for a %lld x %d SVD",
                                            (long long)n, (int)p));
    memcpy(Z, in->a, sizeof(double) * (size_t)n * (size_t)p);
    lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'A', (lapack_int)n, p, Z, p, out->sv, NULL, 1, out->vt, p,
                                     superb);
    if (info != 0) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NUMERIC, "novelty_la: LAPACKE_dgesvd failed (info %d)", (int)info));
    regia_nla_sign_rows(out->vt, p);
err:
    free(Z);
    free(superb);
    return st;
}

/* S = E^T E / divisor (lower triangle, summed in row order) and its Cholesky factor. */
static regia_status_t cov(const regia_nla_in_t *in, regia_nla_out_t *out)
{
    const int64_t n = in->n;
    const int32_t d = in->cols;
    const double *E = in->a;
    double *L = out->chol;
    memset(L, 0, sizeof(double) * (size_t)d * (size_t)d);
    for (int64_t i = 0; i < n; i++)
        for (int32_t a = 0; a < d; a++)
            for (int32_t b = 0; b <= a; b++) L[a * d + b] += E[i * d + a] * E[i * d + b];
    for (int32_t a = 0; a < d; a++)
        for (int32_t b = 0; b <= a; b++) L[a * d + b] /= in->divisor;
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', d, L, d);
    if (info < 0) return REGIA_FAIL(REGIA_ERR_NUMERIC, "novelty_la: LAPACKE_dpotrf: argument %d", (int)-info);
    out->info = (int32_t)info;
    return REGIA_OK;
}

regia_status_t regia_cpu_novelty_la(regia_backend_t *be, const regia_nla_in_t *in, regia_nla_out_t *out)
{
    (void)be;
    regia_status_t st = regia_nla_check(in, out);
    if (st) return st;
    out->rank = out->info = 0;
    if (in->kind == REGIA_NLA_LSQ) return lsq(in, out);
    if (in->kind == REGIA_NLA_SVD) return svd(in, out);
    return cov(in, out);
}
