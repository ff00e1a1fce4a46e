/* ingest_job_step.c - the pre-step of a job for `regia submit` given as another job file:
 * `[SECTION] ingest_job = FILE` (a job file of the ingest domain that writes this job's
 * input) becomes `regia <ingest domain> FILE`, chained before the analysis with afterok.
 * The ingest job must write the file the analysis reads, so a submission cannot chain an
 * ingest that feeds another run.  Used by the waitlist and sensors domains.  No MPI. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

int regia_ingest_job_prestep(const regia_job_t *job, const char *section, const char *input_section,
                             const char *input_key, const char *ingest_domain,
                             void (*add)(void *arg, const char *word), void *arg)
{
    const char *ij = regia_job_path(job, section, "ingest_job");
    if (!ij) return 0;
    const regia_domain_t *dom = regia_domain_of_jobfile(ij);
    if (!dom) {
        regia_error_prefix("%s:%d: [%s] ingest_job: ", regia_job_file(job), regia_job_line(job, section, "ingest_job"),
                           section);
        return -1;
    }
    if (strcmp(dom->name, ingest_domain) != 0) {
        REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [%s] ingest_job %s is a job file of '%s', not of '%s'",
                   regia_job_file(job), regia_job_line(job, section, "ingest_job"), section, ij, dom->name,
                   ingest_domain);
        return -1;
    }
    regia_job_t *ing = NULL;
    if (regia_job_load(ij, regia_domain_schema(dom), MPI_COMM_SELF, &ing) != REGIA_OK) return -1;
    const char *made = regia_job_path(ing, "job", "output"), *input = regia_job_path(job, input_section, input_key);
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
        REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [%s] ingest_job %s writes %s, but the analysis reads [%s] %s = %s: make "
                   "them the same file", regia_job_file(job), regia_job_line(job, section, "ingest_job"), section, ij,
                   made ? made : "(nothing)", input_section, input_key, input ? input : "?");
        regia_job_free(ing);
        return -1;
    }
    regia_job_free(ing);
    /* "ingest waitlist" -> the words "ingest", "waitlist" */
    char words[128];
    snprintf(words, sizeof words, "%s", ingest_domain);
    for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) add(arg, w);
    add(arg, ij);
    return 1;
}
