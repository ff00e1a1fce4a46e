/* ets_check_impl.h - validation of an ETS request, shared by the backends' host code
 * (internal to kernels/; see the contract in regia/ets.h). */
#ifndef REGIA_ETS_CHECK_IMPL_H
#define REGIA_ETS_CHECK_IMPL_H

#include "regia/ets.h"

static inline regia_status_t regia_ets_check_batch(const regia_ets_batch_t *in, const regia_ets_out_t *out)
{
    const regia_ets_spec_t *sp = &in->spec;
    if (sp->period < 1 || sp->period > REGIA_ETS_MAX_PERIOD)
        return REGIA_FAIL(REGIA_ERR_INVALID, "seasonal period %d outside 1..%d", sp->period, REGIA_ETS_MAX_PERIOD);
    if (out->state_stride < 2 + sp->period)
        return REGIA_FAIL(REGIA_ERR_INVALID, "state_stride %d < 2 + period %d", out->state_stride, sp->period);
    if (in->horizon < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "forecast horizon %d < 1", in->horizon);
    if (in->n_levels < 0 || in->n_levels > REGIA_ETS_MAX_LEVELS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%d interval levels (at most %d)", in->n_levels, REGIA_ETS_MAX_LEVELS);
    for (int i = 0; i < in->n_levels; i++)
        if (!(in->levels[i] > 0 && in->levels[i] < 100))
            return REGIA_FAIL(REGIA_ERR_INVALID, "interval level %g outside (0, 100)", in->levels[i]);
    for (int s = 0; s < in->n_series; s++)
        if (in->len[s] < 0 || in->len[s] > in->stride)
            return REGIA_FAIL(REGIA_ERR_INVALID, "series %d: length %d outside 0..stride %d", s, in->len[s], in->stride);
    return REGIA_OK;
}

#endif
