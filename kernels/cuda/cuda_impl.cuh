/* cuda_impl.cuh - the CUDA backend's operations (internal to kernels/cuda). */
#ifndef REGIA_CUDA_IMPL_CUH
#define REGIA_CUDA_IMPL_CUH

#include "regia/kernels.h"

extern "C" {
regia_status_t regia_cuda_exceed(regia_backend_t *be, const regia_exceed_batch_t *in, double *prob);
regia_status_t regia_cuda_breach(regia_backend_t *be, const regia_breach_batch_t *in, regia_breach_out_t *out);
regia_status_t regia_cuda_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out);
regia_status_t regia_cuda_queue_sim(regia_backend_t *be, const regia_queue_batch_t *in, regia_queue_out_t *out);
regia_status_t regia_cuda_slot_sim(regia_backend_t *be, const regia_slot_batch_t *in, regia_slot_out_t *out);
regia_status_t regia_cuda_welch(regia_backend_t *be, const regia_welch_batch_t *in, regia_welch_out_t *out);
regia_status_t regia_cuda_novelty_la(regia_backend_t *be, const regia_nla_in_t *in, regia_nla_out_t *out);

/* Per-handle state (be->impl, kernels/cuda/backend_cuda.cu): the measurements of the last
 * op, and each op's own state (buffers kept between calls), owned by the op's file and
 * released by the backend's close. */
enum { REGIA_CUDA_OP_ETS, REGIA_CUDA_OP_BREACH, REGIA_CUDA_OP_NLA, REGIA_CUDA_N_OPS };
regia_status_t regia_cuda_state_open(regia_backend_t *be);
void regia_cuda_state_close(regia_backend_t *be);
/* The state of op `op`: zeroed `bytes` made on first use, freed with `release` at close;
 * NULL when the handle is not open or memory is short. */
void *regia_cuda_op_state(regia_backend_t *be, int op, size_t bytes, void (*release)(void *));
/* Reset the measurements for a new op; NULL when the handle has no state. */
regia_backend_stats_t *regia_cuda_stats_begin(regia_backend_t *be, const char *op);
regia_backend_stats_t *regia_cuda_stats_ptr(regia_backend_t *be);
void regia_cuda_stats(const regia_backend_t *be, regia_backend_stats_t *out);
}

#endif
