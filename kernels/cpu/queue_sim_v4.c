/* queue_sim_v4.c - regia_queue_rep (kernels/queue_sim_impl.h) compiled for x86-64-v4
 * (AVX-512), for the CPU backend on hosts that have it (kernels/cpu/queue_sim.c checks at
 * run time and calls regia_cpu_queue_rep_v4).  A file of its own because the target must
 * hold for the whole header: __AVX512F__ is defined here, so the departures' sorted array
 * takes its two 8-lane form and the arrivals' draws their AVX-512 form.  The same C, none
 * of it fused (C17 mode does not contract), so the same bits as the baseline build
 * (tests/unit/test_k_queue.c compares the op with the test's baseline copy). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("arch=x86-64-v4")
#include "../queue_sim_impl.h"

int regia_cpu_queue_rep_v4(const regia_queue_batch_t *in, int r, regia_queue_ws_t ws, const regia_queue_out_t *out);

/* One replication as regia_queue_rep; call only where __builtin_cpu_supports("x86-64-v4"). */
int regia_cpu_queue_rep_v4(const regia_queue_batch_t *in, int r, regia_queue_ws_t ws, const regia_queue_out_t *out)
{
    return regia_queue_rep(in, r, ws, out);
}
#else
typedef int regia_queue_sim_v4_unused_t; /* no x86-64-v4 build with this compiler */
#endif
