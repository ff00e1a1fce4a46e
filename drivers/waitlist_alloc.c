/* waitlist_alloc.c - extra slots, reserved slots, moves between districts and NHSRwaitinglist's closed-form queue indicators.
 * Declared in drivers/waitlist_analysis.h (section "waitlist_alloc.c"). */
#include "waitlist_analysis.h"

regia_status_t wl_alloc_alloc(regia_run_t *run, wl_t *w) { return REGIA_OK; }

regia_status_t wl_alloc_compute(regia_run_t *run, wl_t *w, int64_t k)
{
    return REGIA_FAIL(REGIA_ERR_UNSUPPORTED, "waitlist_alloc: not implemented yet");
}

regia_status_t wl_alloc_define(regia_run_t *run, wl_t *w, int ncid) { return REGIA_OK; }

regia_status_t wl_alloc_write(regia_run_t *run, wl_t *w, int ncid) { return REGIA_OK; }

void wl_alloc_free(wl_t *w) { (void)w; }
