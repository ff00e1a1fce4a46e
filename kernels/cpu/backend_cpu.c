/* The CPU backend: always built, the reference for every other backend.  Series are
 * spread over the rank's cores with OpenMP; each series' result depends only on that
 * series, so the thread count never changes an answer. */
#include <omp.h>
#include <stdio.h>

#include "cpu_impl.h"

static int cpu_available(void) { return 1; }

static regia_status_t cpu_open(regia_backend_t *be, int device, int threads)
{
    be->device = -1;
    be->threads = threads > 0 ? threads : omp_get_max_threads();
    return REGIA_OK;
}

static void cpu_close(regia_backend_t *be) { (void)be; }

static void cpu_describe(const regia_backend_t *be, char *buf, int len)
{
    snprintf(buf, (size_t)len, "cpu (%d OpenMP thread%s)", be->threads, be->threads == 1 ? "" : "s");
}

const regia_backend_ops_t regia_cpu_backend = {
    .name = "cpu",
    .available = cpu_available,
    .open = cpu_open,
    .close = cpu_close,
    .describe = cpu_describe,
    .ets = regia_cpu_ets,
    .exceed = regia_cpu_exceed,
    .breach = regia_cpu_breach,
    .queue_sim = regia_cpu_queue_sim,
    .slot_sim = regia_cpu_slot_sim,
    .welch = regia_cpu_welch,
    .novelty_la = regia_cpu_novelty_la,
};
