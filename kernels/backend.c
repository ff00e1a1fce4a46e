/* Backend registry and the thin wrappers callers use (see regia/kernels.h). */
#include <stdio.h>
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

/* Name of the first operation a backend lacks, or NULL when it has them all. */
static const char *missing_op(const regia_backend_ops_t *ops)
{
    if (!ops->ets) return "ets";
    if (!ops->exceed) return "exceed";
    if (!ops->breach) return "breach";
    return NULL;
}

regia_status_t regia_backend_open(regia_backend_t *be, const char *name, int device, int threads)
{
    memset(be, 0, sizeof *be);
    const regia_backend_ops_t *ops = NULL;
    if (strcmp(name, "auto") == 0) {
        /* The first non-CPU backend that is complete and usable, else the CPU. */
        ops = &regia_cpu_backend;
        for (int i = 0; regia_backends[i]; i++) {
            const regia_backend_ops_t *o = regia_backends[i];
            if (o != &regia_cpu_backend && !missing_op(o) && o->available()) { ops = o; break; }
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
    return ops->open(be, device, threads);
}

void regia_backend_close(regia_backend_t *be)
{
    if (be->ops && be->ops->close) be->ops->close(be);
    memset(be, 0, sizeof *be);
}

const char *regia_backend_name(const regia_backend_t *be) { return be->ops ? be->ops->name : "none"; }

void regia_backend_describe(const regia_backend_t *be, char *buf, int len)
{
    if (!be->ops) { snprintf(buf, (size_t)len, "none"); return; }
    be->ops->describe(be, buf, len);
}

#define OP_CALL(op, ...)                                                                  \
    do {                                                                                  \
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

void regia_backend_stats(const regia_backend_t *be, regia_backend_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (be->ops && be->ops->stats) be->ops->stats(be, out);
}
