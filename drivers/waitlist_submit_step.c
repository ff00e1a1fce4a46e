/* waitlist_submit_step.c - the pre-step of a waitlist job for `regia submit`: the job's
 * `[waitlist] ingest_job` (a job file of `regia ingest waitlist`) becomes
 * `regia ingest waitlist INGEST_JOB`, chained before the analysis with afterok.  The
 * ingest job must write the file the analysis reads ([waitlist] input), so a submission
 * cannot chain an ingest that feeds another run.  No MPI. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

int wl_prestep(const regia_job_t *job, void (*add)(void *arg, const char *word), void *arg)
{
    const char *ij = regia_job_path(job, "waitlist", "ingest_job");
    if (!ij) return 0;
    const regia_domain_t *dom = regia_domain_of_jobfile(ij);
    if (!dom) {
        regia_error_prefix("%s:%d: [waitlist] ingest_job: ", regia_job_file(job),
                           regia_job_line(job, "waitlist", "ingest_job"));
        return -1;
    }
    if (strcmp(dom->name, "ingest waitlist") != 0) {
        REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [waitlist] ingest_job %s is a job file of '%s', not of 'ingest waitlist'",
                   regia_job_file(job), regia_job_line(job, "waitlist", "ingest_job"), ij, dom->name);
        return -1;
    }
    regia_job_t *ing = NULL;
    if (regia_job_load(ij, dom->schema, MPI_COMM_SELF, &ing) != REGIA_OK) return -1;
    const char *made = regia_job_path(ing, "job", "output"), *input = regia_job_path(job, "waitlist", "input");
    char a[PATH_MAX], b[PATH_MAX];
    /* the same file? compare the resolved directories and names (the output need not exist yet) */
    int same = made && input && !strcmp(made, input);
    if (!same && made && input) {
        snprintf(a, sizeof a, "%s", made);
        snprintf(b, sizeof b, "%s", input);
        char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
        same = ra && rb && !strcmp(ra, rb);
        free(ra);
        free(rb);
    }
    if (!same) {
        REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [waitlist] ingest_job %s writes %s, but the analysis reads [waitlist] "
                   "input = %s: make them the same file", regia_job_file(job),
                   regia_job_line(job, "waitlist", "ingest_job"), ij, made ? made : "(nothing)", input ? input : "?");
        regia_job_free(ing);
        return -1;
    }
    regia_job_free(ing);
    add(arg, "ingest");
    add(arg, "waitlist");
    add(arg, ij);
    return 1;
}
