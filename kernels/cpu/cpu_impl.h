/* cpu_impl.h - the CPU backend's operations (internal to kernels/). */
#ifndef REGIA_CPU_IMPL_H
#define REGIA_CPU_IMPL_H

#include "regia/kernels.h"

regia_status_t regia_cpu_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out);
regia_status_t regia_cpu_exceed(regia_backend_t *be, const regia_exceed_batch_t *in, double *prob);
regia_status_t regia_cpu_breach(regia_backend_t *be, const regia_breach_batch_t *in,
                                regia_breach_out_t *out);
regia_status_t regia_cpu_queue_sim(regia_backend_t *be, const regia_queue_batch_t *in, regia_queue_out_t *out);
regia_status_t regia_cpu_slot_sim(regia_backend_t *be, const regia_slot_batch_t *in, regia_slot_out_t *out);
regia_status_t regia_cpu_welch(regia_backend_t *be, const regia_welch_batch_t *in, regia_welch_out_t *out);
/* LAPACK; be may be NULL (it uses nothing of the handle): regia_novelty_fit's reference. */
regia_status_t regia_cpu_novelty_la(regia_backend_t *be, const regia_nla_in_t *in, regia_nla_out_t *out);

#endif
