/* ssi_impl.h - internals shared by the SSI kernels (kernels/ssi*.c). */
#ifndef REGIA_SSI_IMPL_H
#define REGIA_SSI_IMPL_H

#include "regia/ssi.h"

/* The hard criteria on a pole's frequency f and damping xi alone (step 5 of regia/ssi.h,
 * in its order): REGIA_POLE_FREQ_RANGE, _XI_LOW, _XI_HIGH, or REGIA_POLE_MODE when both
 * pass.  Poles that fail them get no shape (kernels/ssi.c). */
static inline int regia_ssi_band_reason(const regia_ssi_cfg_t *cfg, double f, double xi)
{
    if (!(f >= cfg->f_min) || (cfg->f_max > 0.0 && !(f <= cfg->f_max)))
        return REGIA_POLE_FREQ_RANGE;
    if (!(xi > cfg->xi_min)) return REGIA_POLE_XI_LOW;
    if (!(xi < cfg->xi_max)) return REGIA_POLE_XI_HIGH;
    return REGIA_POLE_MODE;
}

/* Eigenvalues of the n x n upper Hessenberg matrix h (column-major, leading dimension ldh;
 * entries below the subdiagonal ignored) into wr, wi (LAPACK's dlahqr convention: a complex
 * pair consecutive, positive imaginary part first).  wantt: h is overwritten by its real
 * Schur form T = Q^T h Q (2 x 2 blocks in dlanv2's standard form, as dtrevc needs); else h
 * is destroyed.  z (nz x n, leading dimension ldz; NULL: none) is multiplied from the right
 * by Q.  Host memory, no allocation, thread-safe (kernels/ssi_hqr.c).  Returns 0, or i > 0
 * when eigenvalues i..n-1 converged and the others did not within 30 max(10, n) sweeps. */
int regia_ssi_hqr(int n, double *h, int ldh, double *wr, double *wi, int wantt, double *z,
                  int ldz, int nz);

#endif
