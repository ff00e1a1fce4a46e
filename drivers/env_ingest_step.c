/* env_ingest_step.c - the pre-step of an env job for `regia submit`: the job file's
 * [ingest] section becomes `regia ingest env ...`, which writes the job's [input] file
 * before the analysis runs (chained with afterok).  No MPI. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "driver_impl.h"

int regia_env_prestep(const regia_job_t *job, void (*add)(void *arg, const char *word), void *arg)
{
    int has_registry = regia_job_has(job, "ingest", "registry");
    int n_data = regia_job_list_len(job, "ingest", "data");
    if (!has_registry && n_data == 0) return 0;
    if (!has_registry || n_data == 0) {
        REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [ingest] needs both 'registry' and 'data'", regia_job_file(job),
                   regia_job_line(job, "ingest", has_registry ? "registry" : "data"));
        return -1;
    }
    const char *input = regia_job_path(job, "input", "file");
    if (!input) {
        REGIA_FAIL(REGIA_ERR_INVALID, "%s: [ingest] makes the [input] file, but the job has no [input] file",
                   regia_job_file(job));
        return -1;
    }
    /* [ingest] data is a list, not a PATH key: resolve its items against the job's directory */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", regia_job_file(job));
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    add(arg, "ingest");
    add(arg, "env");
    add(arg, "--registry");
    add(arg, regia_job_path(job, "ingest", "registry"));
    for (int i = 0; i < n_data; i++) {
        const char *d = regia_job_list_item(job, "ingest", "data", i);
        char full[PATH_MAX * 2];
        if (d[0] == '/') snprintf(full, sizeof full, "%s", d);
        else snprintf(full, sizeof full, "%s/%s", dir, d);
        add(arg, "--data");
        add(arg, full);
    }
    add(arg, "--output");
    add(arg, input);
    char off[16];
    snprintf(off, sizeof off, "%d", (int)regia_job_int(job, "ingest", "utc_offset"));
    add(arg, "--utc-offset");
    add(arg, off);
    return 1;
}
