/* TEMPORARY scaffold, replaced in this issue. */
#include "cpu_impl.h"
regia_status_t regia_cpu_breach(regia_backend_t *be, const regia_breach_batch_t *in, regia_breach_out_t *out)
{ return REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "breach not built yet"); }
