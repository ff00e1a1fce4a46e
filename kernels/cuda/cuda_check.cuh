/* cuda_check.cuh - checks for CUDA runtime and library calls (internal to kernels/cuda). */
#ifndef REGIA_CUDA_CHECK_CUH
#define REGIA_CUDA_CHECK_CUH

#include <cuda_runtime.h>

#include "regia/status.h"

/* Evaluate a CUDA runtime call; on failure record the call, file, line and CUDA's own
 * message, set st = REGIA_ERR_CUDA and jump to err. */
#define REGIA_CUDA(expr)                                                                    \
    do {                                                                                    \
        cudaError_t cu_rc_ = (expr);                                                        \
        if (cu_rc_ != cudaSuccess) {                                                        \
            st = regia_error_set(REGIA_ERR_CUDA, __FILE__, __LINE__, "%s: %s (%s)", #expr,  \
                                 cudaGetErrorString(cu_rc_), cudaGetErrorName(cu_rc_));     \
            goto err;                                                                       \
        }                                                                                   \
    } while (0)

/* After a kernel launch: a launch error (bad configuration, no kernel image for this
 * device) is reported with the kernel's name, file and line. */
#define REGIA_CUDA_LAUNCH(what)                                                             \
    do {                                                                                    \
        cudaError_t cu_rc_ = cudaGetLastError();                                            \
        if (cu_rc_ != cudaSuccess) {                                                        \
            st = regia_error_set(REGIA_ERR_CUDA, __FILE__, __LINE__, "launch of %s: %s (%s)", \
                                 what, cudaGetErrorString(cu_rc_), cudaGetErrorName(cu_rc_)); \
            goto err;                                                                       \
        }                                                                                   \
    } while (0)

#endif
