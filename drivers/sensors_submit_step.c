/* sensors_submit_step.c - the pre-step of a sensors job for `regia submit`: the job's
 * `[sensors] ingest_job` (a job file of `regia ingest sensors`) becomes
 * `regia ingest sensors INGEST_JOB`, chained before the analysis with afterok; the ingest
 * job must write [input] store (drivers/ingest_job_step.c).  No MPI. */
#include "sensors_impl.h"

int sn_prestep(const regia_job_t *job, void (*add)(void *arg, const char *word), void *arg)
{
    return regia_ingest_job_prestep(job, "sensors", "input", "store", "ingest sensors", add, arg);
}
