/* TEMPORARY scaffold, replaced in this issue. */
#include "cpu_impl.h"
regia_status_t regia_cpu_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out)
{ return REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "ets not built yet"); }
