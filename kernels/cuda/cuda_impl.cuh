/* cuda_impl.cuh - the CUDA backend's operations (internal to kernels/cuda). */
#ifndef REGIA_CUDA_IMPL_CUH
#define REGIA_CUDA_IMPL_CUH

#include "regia/kernels.h"

extern "C" {
regia_status_t regia_cuda_exceed(regia_backend_t *be, const regia_exceed_batch_t *in, double *prob);
regia_status_t regia_cuda_breach(regia_backend_t *be, const regia_breach_batch_t *in, regia_breach_out_t *out);
}

#endif
