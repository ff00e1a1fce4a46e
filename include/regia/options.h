/* regia/options.h - one option model for every command: options are a schema's job-file
 * keys.  `--key value` and `--key=value` set the key `key` of the schema, with dashes for
 * underscores (--checkpoint-interval sets checkpoint_interval), as `--section.key` when
 * two sections have the key; a yes/no key given alone (--iso) is a flag that sets it to
 * yes; a list key given several times (--data a --data b) is the list of all its values.
 * The values are checked as job-file values are, with messages that name the
 * option, and the result is INI text that regia_job_parse() reads, so a job file and a
 * command line give the same job.  -q/--quiet and -v/--verbose set the log level,
 * -h/--help asks for the help generated from the schema.  --no-KEY sets a yes/no key to no.
 * Keys of the [slurm], [ingest] and [publish] sections are job-file only.
 * Host-only; not collective (every rank parses the same argv).
 */
#ifndef REGIA_OPTIONS_H
#define REGIA_OPTIONS_H

#include <stdio.h>

#include "regia/job.h"
#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The placeholder an option's value is shown with ("FILE.csv" for --input). */
typedef struct {
    const char *key;
    const char *metavar;
} regia_opt_meta_t;

typedef struct {
    int quiet, verbose, help;
    int n_pos;             /* arguments that are not options (a JOBFILE)              */
    char *pos[8];
    int n_set;             /* options that set keys                                   */
    char *text;            /* INI text of those options (malloc'ed), NULL when none    */
} regia_opts_t;

/* Parse argv[1 .. argc).  Errors (REGIA_ERR_INVALID, the message ready for a usage
 * line): "unknown option '--x'", "option --x needs a value", "--season '0': expected an
 * integer in 1..366", "--x given twice" (not a list key), a required key missing
 * ("--input FILE.csv is required", "at least one --data FILE is required" for a list,
 * checked only when `check_required` is set).  `meta` may be NULL. */
regia_status_t regia_opts_parse(const regia_job_key_t *schema, const regia_opt_meta_t *meta, int check_required,
                                int argc, char **argv, regia_opts_t *o);
void regia_opts_free(regia_opts_t *o);

/* The option that sets schema key (section, key), e.g. "--checkpoint-interval". */
void regia_opts_name(const regia_job_key_t *schema, const char *section, const char *key, char *buf, size_t cap);

/* Print the options of a schema, one per key, with metavar, help and default. */
void regia_opts_print_help(const regia_job_key_t *schema, const regia_opt_meta_t *meta, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
