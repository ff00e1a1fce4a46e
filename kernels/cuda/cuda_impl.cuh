/* cuda_impl.cuh - the CUDA backend's operations (internal to kernels/cuda). */
#ifndef REGIA_CUDA_IMPL_CUH
#define REGIA_CUDA_IMPL_CUH

#include "regia/kernels.h"

extern "C" {
regia_status_t regia_cuda_exceed(regia_backend_t *be, const regia_exceed_batch_t *in, double *prob);
regia_status_t regia_cuda_breach(regia_backend_t *be, const regia_breach_batch_t *in, regia_breach_out_t *out);
regia_status_t regia_cuda_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out);

/* Per-handle state (be->impl, kernels/cuda/ets.cu): measurements of the last op and the
 * ETS buffers kept between calls. */
regia_status_t regia_cuda_state_open(regia_backend_t *be);
void regia_cuda_state_close(regia_backend_t *be);
/* Reset the measurements for a new op; NULL when the handle has no state. */
regia_backend_stats_t *regia_cuda_stats_begin(regia_backend_t *be, const char *op);
void regia_cuda_stats(const regia_backend_t *be, regia_backend_stats_t *out);
}

#endif
