/* welch_impl.h - what every backend's Welch op shares (internal to kernels/): the plan of
 * a batch (resolved configuration, window, per-line factors) and the preparation of one
 * segment.  Contract in regia/welch.h. */
#ifndef REGIA_WELCH_IMPL_H
#define REGIA_WELCH_IMPL_H

#include "regia/welch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    regia_welch_cfg_t c;   /* resolved (noverlap, nfft explicit)                          */
    int32_t nf;            /* lines                                                       */
    int64_t nseg;          /* K segments per record                                       */
    int32_t step;          /* nperseg - noverlap                                          */
    double *w;             /* window, nperseg                                             */
    double *fac;           /* nf: scale x one-sided doubling / K, applied to the sums     */
} regia_welch_plan_t;

/* Check the batch (regia_welch_batch_check) and build its plan; free with
 * regia_welch_plan_free (also after a failure). */
regia_status_t regia_welch_plan(const regia_welch_batch_t *in, const regia_welch_out_t *out,
                                regia_welch_plan_t *p);
void regia_welch_plan_free(regia_welch_plan_t *p);

/* Segment s of the series x (n samples): detrended, windowed and zero padded into
 * out[0..nfft-1]. */
void regia_welch_segment(const regia_welch_plan_t *p, const double *x, int64_t s, double *out);

#ifdef __cplusplus
}
#endif
#endif
