/* Backend registry and the thin wrappers callers use (see regia/kernels.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/kernels.h"

const regia_backend_ops_t *const regia_backends[] = {
    &regia_cpu_backend,
#ifdef REGIA_USE_CUDA
    &regia_cuda_backend,
#endif
    NULL,
};

static const regia_backend_ops_t *find_backend(const char *name)
{
    for (int i = 0; regia_backends[i]; i++)
        if (strcmp(regia_backends[i]->name, name) == 0) return regia_backends[i];
    return NULL;
}

/* The op table as data: each backend declares an op by filling its pointer (NULL: the
 * backend lacks it). */
static int has_op(const regia_backend_ops_t *ops, int op)
{
    switch (op) {
    case 0: return ops->ets != NULL;
    case 1: return ops->exceed != NULL;
    case 2: return ops->breach != NULL;
    case 3: return ops->queue_sim != NULL;
    case 4: return ops->slot_sim != NULL;
    case 5: return ops->welch != NULL;
    default: return ops->novelty_la != NULL;
    }
}
static const char *const OP_NAMES[] = {"ets", "exceed", "breach", "queue_sim", "slot_sim", "welch", "novelty_la"};
enum { N_OPS = 7 };

/* Name of the first operation a backend lacks, or NULL when it has them all. */
static const char *missing_op(const regia_backend_ops_t *ops)
{
    for (int i = 0; i < N_OPS; i++)
        if (!has_op(ops, i)) return OP_NAMES[i];
    return NULL;
}

/* The CPU reference handle that runs the ops a device backend lacks (auto only). */
static regia_backend_t *fallback_of(const regia_backend_t *be) { return be->fallback; }

regia_status_t regia_backend_open(regia_backend_t *be, const char *name, int device, int threads)
{
    memset(be, 0, sizeof *be);
    regia_blas_single_thread();
    const regia_backend_ops_t *ops = NULL;
    int automatic = strcmp(name, "auto") == 0;
    if (automatic) {
        /* The first usable device backend, else the CPU; ops the device lacks run on the
         * CPU reference (a second handle, opened below). */
        ops = &regia_cpu_backend;
        for (int i = 0; regia_backends[i]; i++) {
            const regia_backend_ops_t *o = regia_backends[i];
            if (o != &regia_cpu_backend && o->available()) { ops = o; break; }
        }
    } else {
        ops = find_backend(name);
        if (!ops) {
            if (strcmp(name, "cuda") == 0)
                return REGIA_FAIL(REGIA_ERR_UNSUPPORTED,
                                  "backend 'cuda' was requested but this regia was built without CUDA "
                                  "(rebuild where nvcc is on PATH, without CUDA=0, or use backend = cpu)");
            return REGIA_FAIL(REGIA_ERR_INVALID, "unknown backend '%s' (expected auto, cpu or cuda)", name);
        }
        const char *lack = missing_op(ops);
        if (lack)
            return REGIA_FAIL(REGIA_ERR_UNSUPPORTED,
                              "backend '%s' does not implement the '%s' operation in this version "
                              "(use backend = cpu or auto)", name, lack);
        if (!ops->available())
            return REGIA_FAIL(REGIA_ERR_UNSUPPORTED,
                              "backend '%s' was requested but no device is usable on this node "
                              "(check CUDA_VISIBLE_DEVICES and --gres, or use backend = cpu or auto)", name);
    }
    be->ops = ops;
    regia_status_t st = ops->open(be, device, threads);
    if (st || !automatic || !missing_op(ops)) return st;
    be->fallback = calloc(1, sizeof *be->fallback);
    if (!be->fallback) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    else {
        be->fallback->ops = &regia_cpu_backend;
        st = regia_cpu_backend.open(be->fallback, -1, threads);
    }
    if (st) {
        free(be->fallback);
        be->fallback = NULL;
        if (ops->close) ops->close(be);
        memset(be, 0, sizeof *be);
    }
    return st;
}

void regia_backend_close(regia_backend_t *be)
{
    if (be->fallback) {
        regia_backend_close(be->fallback);
        free(be->fallback);
    }
    if (be->ops && be->ops->close) be->ops->close(be);
    memset(be, 0, sizeof *be);
}

int64_t regia_backend_batch(const regia_backend_t *be)
{
    if (!be->ops) return 64;
    /* CPU: the 16 ETS lanes on every thread, four rounds each; devices: a batch large
     * enough to fill them (at least 10^5 series per call where the shard has them). */
    if (!strcmp(be->ops->name, "cpu")) return 16 * 4 * (int64_t)(be->threads > 0 ? be->threads : 1);
    return 131072;
}

const char *regia_backend_name(const regia_backend_t *be) { return be->ops ? be->ops->name : "none"; }

void regia_backend_describe(const regia_backend_t *be, char *buf, int len)
{
    if (!be->ops) { snprintf(buf, (size_t)len, "none"); return; }
    be->ops->describe(be, buf, len);
    if (!be->fallback) return;
    size_t n = strlen(buf);
    n += (size_t)snprintf(buf + n, (size_t)len > n ? (size_t)len - n : 0, "; on the cpu reference:");
    for (int i = 0; i < N_OPS; i++)
        if (!has_op(be->ops, i))
            n += (size_t)snprintf(buf + n, (size_t)len > n ? (size_t)len - n : 0, " %s", OP_NAMES[i]);
}

#define OP_CALL(op, ...)                                                                  \
    do {                                                                                  \
        if (be->ops && !be->ops->op && fallback_of(be)) be = fallback_of(be);             \
        if (!be->ops || !be->ops->op)                                                     \
            return REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "backend '%s' has no '" #op "' operation", \
                              regia_backend_name(be));                                    \
        return be->ops->op(be, __VA_ARGS__);                                              \
    } while (0)

regia_status_t regia_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out)
{
    OP_CALL(ets, in, out);
}

regia_status_t regia_exceed(regia_backend_t *be, const regia_exceed_batch_t *in, double *prob)
{
    OP_CALL(exceed, in, prob);
}

regia_status_t regia_breach(regia_backend_t *be, const regia_breach_batch_t *in, regia_breach_out_t *out)
{
    OP_CALL(breach, in, out);
}

regia_status_t regia_queue_sim(regia_backend_t *be, const regia_queue_batch_t *in, regia_queue_out_t *out)
{
    OP_CALL(queue_sim, in, out);
}

regia_status_t regia_slot_sim(regia_backend_t *be, const regia_slot_batch_t *in, regia_slot_out_t *out)
{
    OP_CALL(slot_sim, in, out);
}

regia_status_t regia_welch(regia_backend_t *be, const regia_welch_batch_t *in, regia_welch_out_t *out)
{
    OP_CALL(welch, in, out);
}

regia_status_t regia_novelty_la(regia_backend_t *be, const regia_nla_in_t *in, regia_nla_out_t *out)
{
    OP_CALL(novelty_la, in, out);
}

void regia_backend_stats(const regia_backend_t *be, regia_backend_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (be->ops && be->ops->stats) be->ops->stats(be, out);
}
