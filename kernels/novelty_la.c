/* The checks and conventions every backend's novelty_la op shares (contract in
 * regia/novelty.h; the CPU op in kernels/cpu/novelty_la.c, the CUDA op in
 * kernels/cuda/novelty_la.cu). */
#include <math.h>

#include "novelty_la_impl.h"
#include "regia/novelty.h"

regia_status_t regia_nla_check(const regia_nla_in_t *in, const regia_nla_out_t *out)
{
    if (!in || !out) return REGIA_FAIL(REGIA_ERR_INVALID, "novelty_la: no problem or no outputs given");
    if (in->kind < REGIA_NLA_LSQ || in->kind > REGIA_NLA_COV)
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty_la: unknown kind %d (expected 0 lsq, 1 svd, 2 cov)", (int)in->kind);
    if (in->cols < 1 || in->n <= in->cols || in->n > INT32_MAX)
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty_la: %lld rows x %d columns (need cols >= 1, cols < rows < 2^31)",
                          (long long)in->n, (int)in->cols);
    if (!in->a) return REGIA_FAIL(REGIA_ERR_INVALID, "novelty_la: no input matrix");
    switch (in->kind) {
    case REGIA_NLA_LSQ:
        if (in->nrhs < 1 || !in->b)
            return REGIA_FAIL(REGIA_ERR_INVALID, "novelty_la: least squares with %d right-hand sides%s", (int)in->nrhs,
                              in->b ? "" : " and no responses");
        if (!out->x || !out->xtx_inv)
            return REGIA_FAIL(REGIA_ERR_INVALID, "novelty_la: least squares needs the solution and (X^T X)^-1 arrays");
        break;
    case REGIA_NLA_SVD:
        if (!out->sv || !out->vt) return REGIA_FAIL(REGIA_ERR_INVALID, "novelty_la: SVD needs the sv and vt arrays");
        break;
    default:
        if (!(in->divisor > 0) || !isfinite(in->divisor))
            return REGIA_FAIL(REGIA_ERR_INVALID, "novelty_la: covariance divisor %g (expected > 0)", in->divisor);
        if (!out->chol) return REGIA_FAIL(REGIA_ERR_INVALID, "novelty_la: covariance needs the chol array");
        break;
    }
    return REGIA_OK;
}

void regia_nla_sign_rows(double *vt, int32_t cols)
{
    for (int32_t k = 0; k < cols; k++) {
        double *v = vt + (int64_t)k * cols, big = 0;
        int32_t at = 0;
        for (int32_t j = 0; j < cols; j++)
            if (fabs(v[j]) > big) big = fabs(v[j]), at = j;
        if (v[at] < 0)
            for (int32_t j = 0; j < cols; j++) v[j] = -v[j];
    }
}
