/* regia/job.h - job files: INI text checked against a driver's schema.
 *
 *   # comment                     ; comment
 *   [section]
 *   key = value                   ; an inline comment starts with ';' after a blank
 *   stations = 501, 502, 503, \
 *              504, 505           ; a line ending in '\' goes on on the next line
 *
 * Rank 0 reads the file (at most 1 MiB) and broadcasts its text; every rank parses the
 * same text, so all ranks hold the same job.  Unknown sections or keys, repeated keys,
 * missing required keys and values of the wrong type or out of range are errors naming
 * the file and line.  Relative paths in values read with regia_job_path() are taken
 * relative to the directory that holds the job file.
 *
 * Syntax: lines end with LF or CRLF and may be of any length; a UTF-8 byte-order mark is
 * skipped.  `key = value` or `key: value`; blanks around keys, values and section names
 * are dropped.  A line whose first non-blank character is '#' or ';' is a comment, and
 * so is the rest of a line from a ';' that follows a blank.
 * Continued values: when a value's line ends in a backslash (after any comment and
 * trailing blanks are removed), the backslash is dropped and the next line, without its
 * leading blanks, is appended to the value.  Blanks before the backslash stay, so break a
 * list after a comma ("a, b, \").  The continued line may itself end in '\'; it must
 * not be blank, a comment or a section header (an error naming both lines).  The key's
 * line, the first of a continued value, is the line errors name.  A value cannot end in
 * a backslash.  List values (comma-separated) have no limit on their number of items.
 *
 * Substitutions, applied to every value before it is checked:
 *   ${NAME}   the environment variable NAME, for these names only (regia_job_var_allowed):
 *               HOME USER WORK CINECA_SCRATCH SCRATCH FAST PUBLIC TMPDIR
 *               SLURM_JOB_ID SLURM_ARRAY_JOB_ID SLURM_ARRAY_TASK_ID SLURM_SUBMIT_DIR
 *             and REGIA_ followed by capitals, digits or '_' (REGIA_RUN, REGIA_TEST_ASOF).
 *             Any other ${NAME} is an error naming the line and these names, so a job file
 *             shared with others cannot copy a variable such as a token of the shell that
 *             runs it into an output or a batch script.  An unset variable is an error
 *             naming the line.  E.g. output = ${CINECA_SCRATCH}/regia/lombardia.nc
 *   {array}   the element of the list `[slurm] array` that this SLURM array task runs
 *             (index from REGIA_ARRAY_INDEX, else SLURM_ARRAY_TASK_ID), e.g. with
 *             array = 2022, 2023, 2024  and  as_of = {array}-12-31
 */
#ifndef REGIA_JOB_H
#define REGIA_JOB_H

#include <mpi.h>
#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    REGIA_KEY_STRING,
    REGIA_KEY_PATH,    /* a file name, resolved against the job file's directory */
    REGIA_KEY_INT,
    REGIA_KEY_DOUBLE,
    REGIA_KEY_BOOL,    /* true/false, yes/no, on/off, 1/0 */
    REGIA_KEY_ENUM,    /* one of `choices` ("a|b|c") */
    REGIA_KEY_LIST,    /* comma-separated strings; `choices` restricts items when set */
    REGIA_KEY_DOUBLE_LIST,
    REGIA_KEY_FILE_LIST /* comma-separated file names, a relative one taken relative to the job
                           file's directory; a file may be listed twice (the other lists
                           refuse a repeated item) */
} regia_key_type_t;

typedef struct {
    const char *section;     /* "" for keys before any section header */
    const char *key;
    regia_key_type_t type;
    int required;
    const char *fallback;    /* value when absent and not required (NULL: none)  */
    double min, max;         /* numeric bounds when min < max                    */
    const char *choices;     /* for ENUM and LIST                                */
    const char *help;        /* one line, for `regia CMD --help`                 */
} regia_job_key_t;

typedef struct regia_job regia_job_t;

/* Collective over comm.  Reads `path` on rank 0, broadcasts it and parses it against
 * `schema` (array terminated by an entry with key == NULL).  On error *job is NULL and
 * the message (naming path and line) is in regia_error_msg() on every rank. */
regia_status_t regia_job_load(const char *path, const regia_job_key_t *schema, MPI_Comm comm,
                              regia_job_t **job);
/* Parse text already in memory (tests, --set overrides).  Not collective. */
regia_status_t regia_job_parse(const char *text, const char *path, const regia_job_key_t *schema,
                               regia_job_t **job);
void regia_job_free(regia_job_t *job);

/* Getters for keys declared in the schema (absent optional keys give the fallback;
 * has() tells whether a value exists at all). Strings are owned by the job. */
int regia_job_has(const regia_job_t *job, const char *section, const char *key);
const char *regia_job_str(const regia_job_t *job, const char *section, const char *key);
/* PATH keys: resolved against the job file's directory (absolute paths unchanged). */
const char *regia_job_path(const regia_job_t *job, const char *section, const char *key);
int64_t regia_job_int(const regia_job_t *job, const char *section, const char *key);
double regia_job_double(const regia_job_t *job, const char *section, const char *key);
int regia_job_bool(const regia_job_t *job, const char *section, const char *key);
/* LIST / DOUBLE_LIST: number of items; item i as string / double. */
int regia_job_list_len(const regia_job_t *job, const char *section, const char *key);
const char *regia_job_list_item(const regia_job_t *job, const char *section, const char *key, int i);
double regia_job_list_double(const regia_job_t *job, const char *section, const char *key, int i);
/* Line of a key in the job file (0 when it came from the fallback). */
int regia_job_line(const regia_job_t *job, const char *section, const char *key);

/* The job file's text, its path and its SHA-256 (hex), for provenance. */
const char *regia_job_text(const regia_job_t *job);
const char *regia_job_file(const regia_job_t *job);
const char *regia_job_sha256(const regia_job_t *job);
/* SHA-256 (hex) of every key's value as used, after ${VAR} and {array} expansion: differs
 * between array tasks, or runs under another environment, of the same file (what a
 * checkpoint must match; regia_job_sha256 is the file's, for provenance). */
const char *regia_job_values_sha256(const regia_job_t *job);

/* The array task index the job was expanded for, or -1 (no [slurm] array, or not a task). */
int regia_job_array_index(const regia_job_t *job);

/* 1 when ${name} may be used in a job file (the names above), else 0. */
int regia_job_var_allowed(const char *name);
/* Those names as one line for messages ("HOME, USER, ..., REGIA_*"). */
const char *regia_job_allowed_vars(void);

/* Print the schema as a key reference (for --help and the README). */
void regia_job_print_schema(const regia_job_key_t *schema, void *stream /* FILE* */);

#ifdef __cplusplus
}
#endif
#endif
