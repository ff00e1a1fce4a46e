/* waitlist_demand.c - weekly first-access demand forecasts per service x district x class (ETS kernels for dense series, the Croston family for intermittent ones).
 * Declared in drivers/waitlist_analysis.h (section "waitlist_demand.c"). */
#include "waitlist_analysis.h"

regia_status_t wl_demand_alloc(regia_run_t *run, wl_t *w) { return REGIA_OK; }

regia_status_t wl_demand_compute(regia_run_t *run, wl_t *w, int64_t k)
{
    return REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "waitlist_demand: not implemented yet");
}

regia_status_t wl_demand_define(regia_run_t *run, wl_t *w, int ncid) { return REGIA_OK; }

regia_status_t wl_demand_write(regia_run_t *run, wl_t *w, int ncid) { return REGIA_OK; }
