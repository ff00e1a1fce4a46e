/* The novelty_la op on the CUDA backend with cuSOLVER and cuBLAS (contract in
 * regia/novelty.h; the CPU reference is kernels/cpu/novelty_la.c):
 *   least squares: the rank from the singular values of X (cusolverDnDgesvd, the criterion
 *     of the CPU's dgelsd: s <= rcond s_max is zero), then X = QR (cusolverDnDgeqrf),
 *     Q^T Y (cusolverDnDormqr) and R c = Q^T Y (cublasDtrsm); (X^T X)^-1 = R^-1 R^-T
 *     (cublasDtrsm on the identity, cublasDgemm);
 *   PCA: cusolverDnDgesvd of Z (jobvt 'A'), rows of V^T signed as on the CPU;
 *   covariance: cublasDsyrk of the centred features and cusolverDnDpotrf.
 * The row-major host arrays are transposed on the host into the column-major layout the
 * libraries use.  The cuSOLVER and cuBLAS handles live in the backend handle's op state
 * (made on first use, destroyed at close). */
#include <cublas_v2.h>
#include <cusolverDn.h>

#include <cstdlib>
#include <cstring>

#include "../novelty_la_impl.h"
#include "cuda_check.cuh"
#include "cuda_impl.cuh"

#define REGIA_CUSOLVER(expr)                                                                 \
    do {                                                                                     \
        cusolverStatus_t cs_rc_ = (expr);                                                    \
        if (cs_rc_ != CUSOLVER_STATUS_SUCCESS) {                                             \
            st = regia_error_set(REGIA_ERR_CUDA, __FILE__, __LINE__, "%s: cuSOLVER status %d", #expr, \
                                 (int)cs_rc_);                                               \
            goto err;                                                                        \
        }                                                                                    \
    } while (0)

#define REGIA_CUBLAS(expr)                                                                   \
    do {                                                                                     \
        cublasStatus_t cb_rc_ = (expr);                                                      \
        if (cb_rc_ != CUBLAS_STATUS_SUCCESS) {                                               \
            st = regia_error_set(REGIA_ERR_CUDA, __FILE__, __LINE__, "%s: cuBLAS status %d", #expr, \
                                 (int)cb_rc_);                                               \
            goto err;                                                                        \
        }                                                                                    \
    } while (0)

namespace {

struct nla_state {
    cusolverDnHandle_t solver;
    cublasHandle_t blas;
    int have_solver, have_blas;
};

void nla_release(void *p)
{
    nla_state *s = (nla_state *)p;
    if (s->have_solver) cusolverDnDestroy(s->solver);
    if (s->have_blas) cublasDestroy(s->blas);
    free(s);
}

/* Device buffers of one call, freed together. */
struct nla_bufs {
    double *a, *a2, *b, *s, *tau, *work, *eye, *g;
    int *info;
};

void bufs_free(nla_bufs *d)
{
    cudaFree(d->a);
    cudaFree(d->a2);
    cudaFree(d->b);
    cudaFree(d->s);
    cudaFree(d->tau);
    cudaFree(d->work);
    cudaFree(d->eye);
    cudaFree(d->g);
    cudaFree(d->info);
}

/* Row-major rows x cols -> column-major (leading dimension rows), or back. */
void to_colmajor(const double *rm, int64_t rows, int64_t cols, double *cm)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) cm[j * rows + i] = rm[i * cols + j];
}

/* A work area of at least `need` doubles on the device (grown, never shrunk, per call). */
regia_status_t work_area(nla_bufs *d, int *have, int need)
{
    regia_status_t st = REGIA_OK;
    if (need <= *have) return REGIA_OK;
    cudaFree(d->work);
    d->work = NULL;
    *have = 0;
    REGIA_CUDA(cudaMalloc(&d->work, sizeof(double) * (size_t)(need > 1 ? need : 1)));
    *have = need;
err:
    return st;
}

int dev_info(const int *d_info, regia_status_t *st)
{
    int h = 0;
    cudaError_t rc = cudaMemcpy(&h, d_info, sizeof h, cudaMemcpyDeviceToHost);
    if (rc != cudaSuccess)
        *st = regia_error_set(REGIA_ERR_CUDA, __FILE__, __LINE__, "cudaMemcpy of cuSOLVER's info: %s",
                              cudaGetErrorString(rc));
    return h;
}

regia_status_t lsq(nla_state *S, const regia_nla_in_t *in, regia_nla_out_t *out, double *host)
{
    regia_status_t st = REGIA_OK;
    const int n = (int)in->n, nc = in->cols, p = in->nrhs;
    const double one = 1.0, zero = 0.0;
    nla_bufs d;
    memset(&d, 0, sizeof d);
    int lw = 0, have = 0, h = 0;
    double *hs = host, *hb = host + (size_t)n * (size_t)(nc > p ? nc : p);
    REGIA_CUDA(cudaMalloc(&d.a, sizeof(double) * (size_t)n * nc));
    REGIA_CUDA(cudaMalloc(&d.a2, sizeof(double) * (size_t)n * nc));
    REGIA_CUDA(cudaMalloc(&d.b, sizeof(double) * (size_t)n * p));
    REGIA_CUDA(cudaMalloc(&d.s, sizeof(double) * (size_t)nc));
    REGIA_CUDA(cudaMalloc(&d.tau, sizeof(double) * (size_t)nc));
    REGIA_CUDA(cudaMalloc(&d.eye, sizeof(double) * (size_t)nc * nc));
    REGIA_CUDA(cudaMalloc(&d.g, sizeof(double) * (size_t)nc * nc));
    REGIA_CUDA(cudaMalloc(&d.info, sizeof(int)));
    to_colmajor(in->a, n, nc, hs);
    REGIA_CUDA(cudaMemcpy(d.a, hs, sizeof(double) * (size_t)n * nc, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemcpy(d.a2, d.a, sizeof(double) * (size_t)n * nc, cudaMemcpyDeviceToDevice));
    to_colmajor(in->b, n, p, hb);
    REGIA_CUDA(cudaMemcpy(d.b, hb, sizeof(double) * (size_t)n * p, cudaMemcpyHostToDevice));
    /* the rank: singular values of X (gesvd overwrites its copy a2) */
    REGIA_CUSOLVER(cusolverDnDgesvd_bufferSize(S->solver, n, nc, &lw));
    REGIA_TRY(work_area(&d, &have, lw + nc));
    REGIA_CUSOLVER(cusolverDnDgesvd(S->solver, 'N', 'N', n, nc, d.a2, n, d.s, NULL, 1, NULL, 1, d.work, lw,
                                    d.work + lw, d.info));
    h = dev_info(d.info, &st);
    if (st) goto err;
    if (h > 0) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NUMERIC, "novelty_la: cusolverDnDgesvd did not converge (info %d)", h));
    {
        double sv[1024];
        double *s = nc <= 1024 ? sv : hs;
        REGIA_CUDA(cudaMemcpy(s, d.s, sizeof(double) * (size_t)nc, cudaMemcpyDeviceToHost));
        const double tol = (in->rcond > 0 ? in->rcond : 1e-10) * s[0];
        out->rank = 0;
        for (int c = 0; c < nc; c++) out->rank += s[c] > tol;
        if (out->sv) memcpy(out->sv, s, sizeof(double) * (size_t)nc);
    }
    if (out->rank < nc) goto err;
    /* X = QR; Q^T Y; R c = (Q^T Y)[0..nc) */
    REGIA_CUSOLVER(cusolverDnDgeqrf_bufferSize(S->solver, n, nc, d.a, n, &lw));
    REGIA_TRY(work_area(&d, &have, lw));
    REGIA_CUSOLVER(cusolverDnDgeqrf(S->solver, n, nc, d.a, n, d.tau, d.work, lw, d.info));
    REGIA_CUSOLVER(cusolverDnDormqr_bufferSize(S->solver, CUBLAS_SIDE_LEFT, CUBLAS_OP_T, n, p, nc, d.a, n, d.tau,
                                               d.b, n, &lw));
    REGIA_TRY(work_area(&d, &have, lw));
    REGIA_CUSOLVER(cusolverDnDormqr(S->solver, CUBLAS_SIDE_LEFT, CUBLAS_OP_T, n, p, nc, d.a, n, d.tau, d.b, n,
                                    d.work, lw, d.info));
    h = dev_info(d.info, &st);
    if (st) goto err;
    if (h < 0) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NUMERIC, "novelty_la: cusolverDnDgeqrf/ormqr: argument %d", -h));
    /* R's diagonal: a zero is a singular X^T X */
    REGIA_CUDA(cudaMemcpy2D(hs, sizeof(double) * (size_t)nc, d.a, sizeof(double) * (size_t)n,
                            sizeof(double) * (size_t)nc, (size_t)nc, cudaMemcpyDeviceToHost));
    out->info = 0;
    for (int c = 0; c < nc && !out->info; c++)
        if (!(hs[(size_t)c * nc + c] != 0)) out->info = c + 1;
    if (out->info) goto err;
    REGIA_CUBLAS(cublasDtrsm(S->blas, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT, nc,
                             p, &one, d.a, n, d.b, n));
    REGIA_CUDA(cudaMemcpy2D(hb, sizeof(double) * (size_t)nc, d.b, sizeof(double) * (size_t)n,
                            sizeof(double) * (size_t)nc, (size_t)p, cudaMemcpyDeviceToHost));
    for (int c = 0; c < nc; c++)
        for (int j = 0; j < p; j++) out->x[c * p + j] = hb[(size_t)j * nc + c];
    /* (X^T X)^-1 = R^-1 R^-T */
    memset(hs, 0, sizeof(double) * (size_t)nc * nc);
    for (int c = 0; c < nc; c++) hs[(size_t)c * nc + c] = 1.0;
    REGIA_CUDA(cudaMemcpy(d.eye, hs, sizeof(double) * (size_t)nc * nc, cudaMemcpyHostToDevice));
    REGIA_CUBLAS(cublasDtrsm(S->blas, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT, nc,
                             nc, &one, d.a, n, d.eye, nc));
    REGIA_CUBLAS(cublasDgemm(S->blas, CUBLAS_OP_N, CUBLAS_OP_T, nc, nc, nc, &one, d.eye, nc, d.eye, nc, &zero, d.g,
                             nc));
    REGIA_CUDA(cudaMemcpy(hs, d.g, sizeof(double) * (size_t)nc * nc, cudaMemcpyDeviceToHost));
    /* symmetric: the lower triangle (column-major) mirrored, as the CPU's dpotri result */
    for (int a = 0; a < nc; a++)
        for (int b = 0; b <= a; b++)
            out->xtx_inv[a * nc + b] = out->xtx_inv[b * nc + a] = hs[(size_t)b * nc + a];
err:
    bufs_free(&d);
    return st;
}

regia_status_t svd(nla_state *S, const regia_nla_in_t *in, regia_nla_out_t *out, double *host)
{
    regia_status_t st = REGIA_OK;
    const int n = (int)in->n, p = in->cols;
    nla_bufs d;
    memset(&d, 0, sizeof d);
    int lw = 0, have = 0, h = 0;
    REGIA_CUDA(cudaMalloc(&d.a, sizeof(double) * (size_t)n * p));
    REGIA_CUDA(cudaMalloc(&d.s, sizeof(double) * (size_t)p));
    REGIA_CUDA(cudaMalloc(&d.g, sizeof(double) * (size_t)p * p));
    REGIA_CUDA(cudaMalloc(&d.info, sizeof(int)));
    to_colmajor(in->a, n, p, host);
    REGIA_CUDA(cudaMemcpy(d.a, host, sizeof(double) * (size_t)n * p, cudaMemcpyHostToDevice));
    REGIA_CUSOLVER(cusolverDnDgesvd_bufferSize(S->solver, n, p, &lw));
    REGIA_TRY(work_area(&d, &have, lw + p));
    REGIA_CUSOLVER(cusolverDnDgesvd(S->solver, 'N', 'A', n, p, d.a, n, d.s, NULL, 1, d.g, p, d.work, lw, d.work + lw,
                                    d.info));
    h = dev_info(d.info, &st);
    if (st) goto err;
    if (h != 0) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NUMERIC, "novelty_la: cusolverDnDgesvd failed (info %d)", h));
    REGIA_CUDA(cudaMemcpy(out->sv, d.s, sizeof(double) * (size_t)p, cudaMemcpyDeviceToHost));
    REGIA_CUDA(cudaMemcpy(host, d.g, sizeof(double) * (size_t)p * p, cudaMemcpyDeviceToHost));
    /* V^T column-major (k, j) at [j p + k] -> row-major vt[k p + j] */
    for (int k = 0; k < p; k++)
        for (int j = 0; j < p; j++) out->vt[k * p + j] = host[(size_t)j * p + k];
    regia_nla_sign_rows(out->vt, p);
err:
    bufs_free(&d);
    return st;
}

regia_status_t cov(nla_state *S, const regia_nla_in_t *in, regia_nla_out_t *out, double *host)
{
    regia_status_t st = REGIA_OK;
    const int n = (int)in->n, dd = in->cols;
    const double scale = 1.0 / in->divisor, zero = 0.0;
    nla_bufs d;
    memset(&d, 0, sizeof d);
    int lw = 0, have = 0, h = 0;
    REGIA_CUDA(cudaMalloc(&d.a, sizeof(double) * (size_t)n * dd));
    REGIA_CUDA(cudaMalloc(&d.g, sizeof(double) * (size_t)dd * dd));
    REGIA_CUDA(cudaMalloc(&d.info, sizeof(int)));
    /* row-major E (n x d) is column-major E^T (d x n, leading dimension d): S = E^T E */
    REGIA_CUDA(cudaMemcpy(d.a, in->a, sizeof(double) * (size_t)n * dd, cudaMemcpyHostToDevice));
    REGIA_CUDA(cudaMemset(d.g, 0, sizeof(double) * (size_t)dd * dd));
    REGIA_CUBLAS(cublasDsyrk(S->blas, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, dd, n, &scale, d.a, dd, &zero, d.g, dd));
    REGIA_CUSOLVER(cusolverDnDpotrf_bufferSize(S->solver, CUBLAS_FILL_MODE_LOWER, dd, d.g, dd, &lw));
    REGIA_TRY(work_area(&d, &have, lw));
    REGIA_CUSOLVER(cusolverDnDpotrf(S->solver, CUBLAS_FILL_MODE_LOWER, dd, d.g, dd, d.work, lw, d.info));
    h = dev_info(d.info, &st);
    if (st) goto err;
    if (h < 0) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NUMERIC, "novelty_la: cusolverDnDpotrf: argument %d", -h));
    out->info = h;
    if (h) goto err;
    REGIA_CUDA(cudaMemcpy(host, d.g, sizeof(double) * (size_t)dd * dd, cudaMemcpyDeviceToHost));
    /* column-major lower (a, b), a >= b, at [b d + a] -> row-major chol[a d + b] */
    for (int a = 0; a < dd; a++)
        for (int b = 0; b < dd; b++) out->chol[a * dd + b] = b <= a ? host[(size_t)b * dd + a] : 0.0;
err:
    bufs_free(&d);
    return st;
}

} /* namespace */

extern "C" regia_status_t regia_cuda_novelty_la(regia_backend_t *be, const regia_nla_in_t *in, regia_nla_out_t *out)
{
    regia_status_t st = regia_nla_check(in, out);
    if (st) return st;
    out->rank = out->info = 0;
    double *host = NULL;
    const size_t wide = (size_t)(in->cols > in->nrhs ? in->cols : in->nrhs);
    nla_state *S = (nla_state *)regia_cuda_op_state(be, REGIA_CUDA_OP_NLA, sizeof(nla_state), nla_release);
    regia_cuda_stats_begin(be, "novelty_la");
    if (!S) return REGIA_FAIL(REGIA_ERR_NOMEM, "novelty_la: out of memory for the cuSOLVER state");
    REGIA_CUDA(cudaSetDevice(be->device));
    if (!S->have_solver) {
        REGIA_CUSOLVER(cusolverDnCreate(&S->solver));
        S->have_solver = 1;
    }
    if (!S->have_blas) {
        REGIA_CUBLAS(cublasCreate(&S->blas));
        S->have_blas = 1;
    }
    /* host staging: the transposed input and responses (LSQ), or a cols x cols result */
    host = (double *)malloc(sizeof(double) * ((size_t)in->n * wide * 2 + wide * wide + 1));
    if (!host) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "novelty_la: out of memory staging %lld x %d", (long long)in->n,
                                    (int)in->cols));
    if (in->kind == REGIA_NLA_LSQ) st = lsq(S, in, out, host);
    else if (in->kind == REGIA_NLA_SVD) st = svd(S, in, out, host);
    else st = cov(S, in, out, host);
err:
    free(host);
    return st;
}
