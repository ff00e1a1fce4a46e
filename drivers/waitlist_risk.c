/* waitlist_risk.c - queue risk per service x guarantee area (the slot simulation op).
 * Declared in drivers/waitlist_analysis.h (section "waitlist_risk.c"). */
#include "waitlist_analysis.h"

regia_status_t wl_risk_alloc(regia_run_t *run, wl_t *w) { return REGIA_OK; }

regia_status_t wl_risk_compute(regia_run_t *run, wl_t *w, int64_t k)
{
    return REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "waitlist_risk: not implemented yet");
}

regia_status_t wl_risk_define(regia_run_t *run, wl_t *w, int ncid) { return REGIA_OK; }

regia_status_t wl_risk_write(regia_run_t *run, wl_t *w, int ncid) { return REGIA_OK; }

void wl_risk_free(wl_t *w) { (void)w; }
