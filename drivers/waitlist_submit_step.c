/* waitlist_submit_step.c - the pre-step of a waitlist job for `regia submit`: the job's
 * `[waitlist] ingest_job` (a job file of `regia ingest waitlist`) becomes
 * `regia ingest waitlist INGEST_JOB`, chained before the analysis with afterok; the ingest
 * job must write [waitlist] input (drivers/ingest_job_step.c).  No MPI. */
#include "domain.h"

int wl_prestep(const regia_job_t *job, void (*add)(void *arg, const char *word), void *arg)
{
    return regia_ingest_job_prestep(job, "waitlist", "waitlist", "input", "ingest waitlist", add, arg);
}
