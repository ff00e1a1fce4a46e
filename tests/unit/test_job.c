/* test_job.c - job files checked against a schema (runtime/job.c).
 *
 * Every error must name the file and the line (or, for a missing key, the key and its
 * section); the messages are compared in full.  The SHA-256 values were computed with
 * sha256sum(1) on the same bytes. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "regia/io.h"
#include "regia/job.h"

static const regia_job_key_t SCHEMA[] = {
    {"job", "name", REGIA_KEY_STRING, 0, "unnamed", 0, 0, NULL, "run name"},
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "output file"},
    {"job", "seed", REGIA_KEY_INT, 0, "42", 0, 1e9, NULL, "seed"},
    {"job", "backend", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|cpu|cuda", "backend"},
    {"job", "verbose", REGIA_KEY_BOOL, 0, "false", 0, 0, NULL, "chatty"},
    {"input", "file", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "input file"},
    {"input", "notes", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "optional, no fallback"},
    {"analysis", "pollutants", REGIA_KEY_LIST, 1, NULL, 0, 0, "pm10|pm2p5|no2|o3", "pollutants"},
    {"analysis", "tags", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL, "free list"},
    {"analysis", "horizon", REGIA_KEY_INT, 0, "14", 1, 60, NULL, "days"},
    {"analysis", "alpha", REGIA_KEY_DOUBLE, 0, "0.5", 0, 1, NULL, "a fraction"},
    {"analysis", "scale", REGIA_KEY_DOUBLE, 0, NULL, 0, 0, NULL, "unbounded"},
    {"analysis", "levels", REGIA_KEY_DOUBLE_LIST, 0, "80, 95", 1, 99.9, NULL, "coverages"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

#define PATH "/no-such-dir-regia/jobs/run1.ini" /* a directory that does not exist */

/* A valid file; the line numbers below are relied on. */
static const char *GOOD =
    "# a comment\n"                        /* 1 */
    "; another comment\n"                  /* 2 */
    "[job]\n"                              /* 3 */
    "name = lombardia test\n"              /* 4 */
    "output = ../out/forecast.nc\n"        /* 5 */
    "seed = 20240930\n"                    /* 6 */
    "backend = CPU\n"                      /* 7 */
    "verbose = yes\n"                      /* 8 */
    "\n"                                   /* 9 */
    "[input]\n"                            /* 10 */
    "file = /abs/lombardia.nc\n"           /* 11 */
    "[analysis]\n"                         /* 12 */
    "pollutants = pm10, no2 ,o3\n"         /* 13 */
    "horizon = 7\n"                        /* 14 */
    "scale = -2.5e3\n"                     /* 15 */
    "levels = 50, 99.5\n";                 /* 16 */

/* The [job]..[analysis] skeleton with one line replaced or added. */
static char *with(const char *extra_job, const char *extra_analysis)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "[job]\n"                     /* 1 */
             "output = out.nc\n"           /* 2 */
             "%s"                          /* 3 (when extra_job is one line) */
             "[input]\n"
             "file = in.nc\n"
             "[analysis]\n"
             "pollutants = pm10\n"
             "%s",
             extra_job, extra_analysis);
    return buf;
}

/* Parsing must fail with status `want` and exactly message `msg`. */
static void expect_error(const char *text, regia_status_t want, const char *msg)
{
    regia_job_t *job = (regia_job_t *)1;
    regia_status_t st = regia_job_parse(text, PATH, SCHEMA, &job);
    CHECK_MSG(st == want, "status %d (%s), want %d, for message '%s'", st, regia_error_msg(), want, msg);
    CHECK_MSG(job == NULL, "job not NULL after an error ('%s')", msg);
    CHECK_MSG(!strcmp(regia_error_msg(), msg), "\n  got  '%s'\n  want '%s'", regia_error_msg(), msg);
    if (st == REGIA_OK) regia_job_free(job);
}

static void test_good(void)
{
    regia_job_t *job = NULL;
    CHECK_OK(regia_job_parse(GOOD, PATH, SCHEMA, &job));
    if (!job) return;
    CHECK(!strcmp(regia_job_str(job, "job", "name"), "lombardia test"));
    CHECK(regia_job_int(job, "job", "seed") == 20240930);
    CHECK(!strcmp(regia_job_str(job, "job", "backend"), "CPU")); /* choices are case-blind */
    CHECK(regia_job_bool(job, "job", "verbose") == 1);
    CHECK(regia_job_list_len(job, "analysis", "pollutants") == 3);
    CHECK(!strcmp(regia_job_list_item(job, "analysis", "pollutants", 0), "pm10"));
    CHECK(!strcmp(regia_job_list_item(job, "analysis", "pollutants", 1), "no2")); /* trimmed */
    CHECK(!strcmp(regia_job_list_item(job, "analysis", "pollutants", 2), "o3"));
    CHECK(regia_job_list_item(job, "analysis", "pollutants", 3) == NULL);
    CHECK(regia_job_int(job, "analysis", "horizon") == 7);
    CHECK(regia_job_double(job, "analysis", "scale") == -2500.0);
    CHECK(regia_job_list_len(job, "analysis", "levels") == 2);
    CHECK(regia_job_list_double(job, "analysis", "levels", 0) == 50.0);
    CHECK(regia_job_list_double(job, "analysis", "levels", 1) == 99.5);
    /* fallbacks: present, line 0 */
    CHECK(regia_job_double(job, "analysis", "alpha") == 0.5 && regia_job_line(job, "analysis", "alpha") == 0);
    CHECK(regia_job_has(job, "analysis", "alpha"));
    /* optional keys without a fallback are absent */
    CHECK(!regia_job_has(job, "input", "notes") && regia_job_str(job, "input", "notes") == NULL);
    CHECK(!regia_job_has(job, "analysis", "tags") && regia_job_list_len(job, "analysis", "tags") == 0);
    /* line numbers */
    CHECK(regia_job_line(job, "job", "name") == 4);
    CHECK(regia_job_line(job, "job", "output") == 5);
    CHECK(regia_job_line(job, "input", "file") == 11);
    CHECK(regia_job_line(job, "analysis", "levels") == 16);
    /* paths: relative ones against the job file's directory (canonical only where that
     * directory exists: see test_load), absolute ones unchanged; the raw value stays */
    CHECK_MSG(!strcmp(regia_job_path(job, "job", "output"), "/no-such-dir-regia/jobs/../out/forecast.nc"), "%s",
              regia_job_path(job, "job", "output"));
    CHECK(!strcmp(regia_job_str(job, "job", "output"), "../out/forecast.nc"));
    CHECK(!strcmp(regia_job_path(job, "input", "file"), "/abs/lombardia.nc"));
    /* provenance */
    CHECK(!strcmp(regia_job_text(job), GOOD));
    CHECK(!strcmp(regia_job_file(job), PATH));
    regia_job_free(job);

    /* fallbacks when the optional keys are absent */
    CHECK_OK(regia_job_parse(with("", ""), PATH, SCHEMA, &job));
    if (job) {
        CHECK(!strcmp(regia_job_str(job, "job", "name"), "unnamed"));
        CHECK(regia_job_int(job, "job", "seed") == 42 && regia_job_line(job, "job", "seed") == 0);
        CHECK(!strcmp(regia_job_str(job, "job", "backend"), "auto"));
        CHECK(regia_job_bool(job, "job", "verbose") == 0);
        CHECK(regia_job_int(job, "analysis", "horizon") == 14);
        CHECK(regia_job_list_len(job, "analysis", "levels") == 2 &&
              regia_job_list_double(job, "analysis", "levels", 1) == 95.0);
        regia_job_free(job);
    }
    /* booleans */
    const char *yes[] = {"true", "Yes", "on", "1"}, *no[] = {"false", "NO", "off", "0"};
    char line[64];
    for (int i = 0; i < 4; i++) {
        snprintf(line, sizeof line, "verbose = %s\n", yes[i]);
        CHECK_OK(regia_job_parse(with(line, ""), PATH, SCHEMA, &job));
        CHECK_MSG(job && regia_job_bool(job, "job", "verbose") == 1, "%s", yes[i]);
        regia_job_free(job);
        snprintf(line, sizeof line, "verbose = %s\n", no[i]);
        CHECK_OK(regia_job_parse(with(line, ""), PATH, SCHEMA, &job));
        CHECK_MSG(job && regia_job_bool(job, "job", "verbose") == 0, "%s", no[i]);
        regia_job_free(job);
    }
    /* bounds are inclusive */
    CHECK_OK(regia_job_parse(with("", "horizon = 60\nalpha = 0\n"), PATH, SCHEMA, &job));
    CHECK(job && regia_job_int(job, "analysis", "horizon") == 60 && regia_job_double(job, "analysis", "alpha") == 0);
    regia_job_free(job);

    /* relative paths with a relative job path, and with no directory at all */
    CHECK_OK(regia_job_parse(with("", ""), "no-such-dir-regia/j.ini", SCHEMA, &job));
    CHECK(job && !strcmp(regia_job_path(job, "job", "output"), "no-such-dir-regia/out.nc"));
    CHECK(job && !strcmp(regia_job_path(job, "input", "file"), "no-such-dir-regia/in.nc"));
    regia_job_free(job);
    CHECK_OK(regia_job_parse(with("", ""), "j.ini", SCHEMA, &job));
    CHECK(job && !strcmp(regia_job_path(job, "job", "output"), "out.nc"));
    regia_job_free(job);
}

static void test_errors(void)
{
    /* unknown keys and sections name the line */
    expect_error(with("bogus = 1\n", ""), REGIA_ERR_PARSE,
                 PATH ":3: unknown key 'bogus' in section [job]");
    expect_error(with("", "colour = red\n"), REGIA_ERR_PARSE,
                 PATH ":7: unknown key 'colour' in section [analysis]");
    expect_error(with("[extra]\nfoo = 1\n", ""), REGIA_ERR_PARSE,
                 PATH ":4: unknown section [extra] (key 'foo')");
    expect_error("top = 1\n[job]\noutput = x\n", REGIA_ERR_PARSE,
                 PATH ":1: unknown section [] (key 'top')");
    /* repeated key: the second line, naming the first */
    expect_error(with("seed = 1\n", "pollutants = no2\n"), REGIA_ERR_PARSE,
                 PATH ":8: key 'pollutants' repeated (first set on line 7)");
    expect_error(with("output = other.nc\n", ""), REGIA_ERR_PARSE,
                 PATH ":3: key 'output' repeated (first set on line 2)");
    /* integers */
    expect_error(with("seed = 1.5\n", ""), REGIA_ERR_PARSE, PATH ":3: key 'seed': '1.5' is not a whole number");
    expect_error(with("seed = twelve\n", ""), REGIA_ERR_PARSE, PATH ":3: key 'seed': 'twelve' is not a number");
    expect_error(with("seed = 12abc\n", ""), REGIA_ERR_PARSE, PATH ":3: key 'seed': '12abc' is not a number");
    expect_error(with("seed = -1\n", ""), REGIA_ERR_INVALID, PATH ":3: key 'seed': -1 is outside [0, 1e+09]");
    expect_error(with("", "horizon = 0\n"), REGIA_ERR_INVALID, PATH ":7: key 'horizon': 0 is outside [1, 60]");
    expect_error(with("", "horizon = 61\n"), REGIA_ERR_INVALID, PATH ":7: key 'horizon': 61 is outside [1, 60]");
    expect_error(with("seed =\n", ""), REGIA_ERR_PARSE, PATH ":3: key 'seed' has no value");
    /* doubles */
    expect_error(with("", "alpha = 1.01\n"), REGIA_ERR_INVALID, PATH ":7: key 'alpha': 1.01 is outside [0, 1]");
    expect_error(with("", "scale = nan\n"), REGIA_ERR_PARSE, PATH ":7: key 'scale': 'nan' is not a number");
    expect_error(with("", "scale = 1e999\n"), REGIA_ERR_PARSE, PATH ":7: key 'scale': '1e999' is not a number");
    /* booleans and enums */
    expect_error(with("verbose = maybe\n", ""), REGIA_ERR_PARSE, PATH ":3: key 'verbose': 'maybe' is not true or false");
    expect_error(with("backend = gpu\n", ""), REGIA_ERR_INVALID,
                 PATH ":3: key 'backend': 'gpu' is not one of auto|cpu|cuda");
    expect_error(with("backend = cp\n", ""), REGIA_ERR_INVALID,
                 PATH ":3: key 'backend': 'cp' is not one of auto|cpu|cuda");
    /* lists */
    expect_error("[job]\noutput = o\n[input]\nfile = i\n[analysis]\npollutants = pm10, co\n", REGIA_ERR_INVALID,
                 PATH ":6: key 'pollutants': 'co' is not one of pm10|pm2p5|no2|o3");
    expect_error("[job]\noutput = o\n[input]\nfile = i\n[analysis]\npollutants = pm10, no2, PM10\n",
                 REGIA_ERR_INVALID, PATH ":6: key 'pollutants': 'PM10' listed twice");
    expect_error("[job]\noutput = o\n[input]\nfile = i\n[analysis]\npollutants = , ,\n", REGIA_ERR_INVALID,
                 PATH ":6: key 'pollutants': empty list");
    expect_error(with("", "levels = 80, 100\n"), REGIA_ERR_INVALID,
                 PATH ":7: key 'levels': 100 is outside [1, 99.9]");
    expect_error(with("", "levels = 80, high\n"), REGIA_ERR_PARSE,
                 PATH ":7: key 'levels': 'high' is not a number");
    /* missing required keys: named with their section */
    expect_error("[job]\noutput = o\n[analysis]\npollutants = o3\n", REGIA_ERR_INVALID,
                 PATH ": required key 'file' missing from section [input]");
    expect_error("[job]\nseed = 3\n[input]\nfile = i\n[analysis]\npollutants = o3\n", REGIA_ERR_INVALID,
                 PATH ": required key 'output' missing from section [job]");
    expect_error("[job]\noutput = o\n[input]\nfile = i\n[analysis]\n", REGIA_ERR_INVALID,
                 PATH ": required key 'pollutants' missing from section [analysis]");
    /* syntax */
    expect_error(with("this line has no equals sign\n", ""), REGIA_ERR_PARSE,
                 PATH ":3: not a 'key = value' line or a '[section]' header");
    expect_error(" \n\t\n", REGIA_ERR_PARSE, PATH ": the job file is empty");
    expect_error("", REGIA_ERR_PARSE, PATH ": the job file is empty");
}

static void test_sha256(void)
{
    /* sha256sum of the 37 bytes "[job]\noutput = ../out/forecast.nc\n" */
    static const regia_job_key_t small[] = {
        {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "output"},
        {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *text = "[job]\noutput = ../out/forecast.nc\n";
    const char *want = "832d9510a0acc57f5389bb1845076d1b462559030328dbb7099af8a23f78a48b";
    regia_job_t *job = NULL;
    CHECK_OK(regia_job_parse(text, "x/j.ini", small, &job));
    CHECK_MSG(job && !strcmp(regia_job_sha256(job), want), "%s", job ? regia_job_sha256(job) : "-");
    regia_job_free(job);
    /* one byte more, another hash */
    CHECK_OK(regia_job_parse("[job]\noutput = ../out/forecast.nc\n\n", "x/j.ini", small, &job));
    CHECK(job && strcmp(regia_job_sha256(job), want) != 0 && strlen(regia_job_sha256(job)) == 64);
    regia_job_free(job);

    /* regia_job_load: read from disk on rank 0, broadcast; the hash is the file's */
    char dir[] = "/tmp/regia-test-job.XXXXXX";
    if (!mkdtemp(dir)) { CHECK_MSG(0, "mkdtemp failed"); return; }
    char jobs[256], out[256], path[256], bad[256], nul[256];
    snprintf(jobs, sizeof jobs, "%s/jobs", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(path, sizeof path, "%s/jobs/j.ini", dir);
    snprintf(bad, sizeof bad, "%s/jobs/missing.ini", dir);
    snprintf(nul, sizeof nul, "%s/jobs/nul.ini", dir);
    mkdir(jobs, 0755);
    FILE *f = fopen(path, "w");
    if (!f) { CHECK_MSG(0, "cannot write %s", path); return; }
    fputs(text, f);
    fclose(f);
    f = fopen(nul, "w");
    fwrite("[job]\noutput = a\0b\n", 1, 19, f);
    fclose(f);
    CHECK_OK(regia_job_load(path, small, MPI_COMM_WORLD, &job));
    if (job) {
        char filehash[65] = "";
        CHECK_OK(regia_sha256_file(path, filehash));
        CHECK_MSG(!strcmp(regia_job_sha256(job), want), "%s", regia_job_sha256(job));
        CHECK(!strcmp(regia_job_sha256(job), filehash));
        CHECK(!strcmp(regia_job_text(job), text));
        CHECK(!strcmp(regia_job_file(job), path));
        /* ../out does not exist yet: the path is joined, not canonicalised */
        char resolved[600];
        snprintf(resolved, sizeof resolved, "%s/jobs/../out/forecast.nc", dir);
        CHECK_MSG(!strcmp(regia_job_path(job, "job", "output"), resolved), "%s", regia_job_path(job, "job", "output"));
        regia_job_free(job);
    }
    /* once ../out exists, the result is canonical: <dir>/out/forecast.nc */
    mkdir(out, 0755);
    CHECK_OK(regia_job_load(path, small, MPI_COMM_WORLD, &job));
    if (job) {
        char *real = realpath(dir, NULL), resolved[600];
        snprintf(resolved, sizeof resolved, "%s/out/forecast.nc", real ? real : dir);
        CHECK_MSG(!strcmp(regia_job_path(job, "job", "output"), resolved), "%s, want %s",
                  regia_job_path(job, "job", "output"), resolved);
        free(real);
        regia_job_free(job);
    }
    job = (regia_job_t *)1;
    CHECK(regia_job_load(bad, small, MPI_COMM_WORLD, &job) == REGIA_ERR_IO);
    CHECK_MSG(strstr(regia_error_msg(), "missing.ini") != NULL, "%s", regia_error_msg());
    CHECK_MSG(job == NULL, "job.h: 'On error *job is NULL' (unreadable file)");
    job = (regia_job_t *)1;
    CHECK(regia_job_load(nul, small, MPI_COMM_WORLD, &job) != REGIA_OK);
    CHECK_MSG(strstr(regia_error_msg(), "nul.ini: contains NUL bytes") != NULL, "%s", regia_error_msg());
    CHECK_MSG(job == NULL, "job.h: 'On error *job is NULL' (file with NUL bytes)");
    unlink(path);
    unlink(nul);
    rmdir(out);
    rmdir(jobs);
    rmdir(dir);
}

/* The values' hash follows ${VAR} and {array} expansion; the file's hash does not. */
static void test_values_sha256(void)
{
    static const regia_job_key_t sch[] = {
        {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "output"},
        {"input", "as_of", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "origin"},
        {"slurm", "array", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL, "array"},
        {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
    };
    const char *text = "[job]\noutput = o.nc\n[input]\nas_of = ${REGIA_TEST_ASOF}\n";
    regia_job_t *a = NULL, *b = NULL, *c = NULL;
    setenv("REGIA_TEST_ASOF", "2024-05-31", 1);
    CHECK_OK(regia_job_parse(text, "j.ini", sch, &a));
    CHECK_OK(regia_job_parse(text, "j.ini", sch, &c));
    setenv("REGIA_TEST_ASOF", "2024-03-31", 1);
    CHECK_OK(regia_job_parse(text, "j.ini", sch, &b));
    unsetenv("REGIA_TEST_ASOF");
    if (a && b && c) {
        CHECK(!strcmp(regia_job_sha256(a), regia_job_sha256(b)));
        CHECK(strlen(regia_job_values_sha256(a)) == 64);
        CHECK_MSG(strcmp(regia_job_values_sha256(a), regia_job_values_sha256(b)) != 0, "${VAR} change, same hash");
        CHECK(!strcmp(regia_job_values_sha256(a), regia_job_values_sha256(c)));
    }
    regia_job_free(a);
    regia_job_free(b);
    regia_job_free(c);
    const char *arr = "[job]\noutput = o.nc\n[input]\nas_of = {array}\n[slurm]\narray = 2023-12-31, 2024-12-31\n";
    setenv("REGIA_ARRAY_INDEX", "0", 1);
    CHECK_OK(regia_job_parse(arr, "j.ini", sch, &a));
    setenv("REGIA_ARRAY_INDEX", "1", 1);
    CHECK_OK(regia_job_parse(arr, "j.ini", sch, &b));
    unsetenv("REGIA_ARRAY_INDEX");
    if (a && b) CHECK_MSG(strcmp(regia_job_values_sha256(a), regia_job_values_sha256(b)) != 0, "array tasks, same hash");
    regia_job_free(a);
    regia_job_free(b);
}

/* Lines of any length and values continued with a final backslash (regia/job.h). */
static void test_long_and_continued(void)
{
    regia_job_t *job = NULL;
    /* a 200,000-character line (inih's default buffer is 200 bytes) and a 3,000-item list */
    size_t cap = 300000;
    char *text = malloc(cap), *w = text;
    w += sprintf(w, "[job]\noutput = out.nc\nname = ");
    for (int i = 0; i < 200000; i++) *w++ = (char)('a' + i % 26);
    w += sprintf(w, "\n[input]\nfile = in.nc\n[analysis]\npollutants = pm10\ntags = ");
    for (int i = 0; i < 3000; i++) w += sprintf(w, "t%d, ", i);
    w += sprintf(w, "last\n");
    CHECK_OK(regia_job_parse(text, PATH, SCHEMA, &job));
    if (job) {
        CHECK(strlen(regia_job_str(job, "job", "name")) == 200000);
        CHECK(regia_job_list_len(job, "analysis", "tags") == 3001);
        CHECK(!strcmp(regia_job_list_item(job, "analysis", "tags", 2999), "t2999"));
        CHECK(!strcmp(regia_job_list_item(job, "analysis", "tags", 3000), "last"));
        CHECK(regia_job_line(job, "analysis", "tags") == 8);
        regia_job_free(job);
    }
    free(text);

    /* continued lists: leading blanks of the next line dropped, comments after the '\',
     * CRLF line ends, several continuations, and the line numbers after them */
    const char *cont =
        "[job]\r\n"                                     /* 1 */
        "output = out.nc\r\n"                           /* 2 */
        "name = lombardia \\\r\n"                       /* 3: blank before '\' kept */
        "       test   ; the run's name\r\n"            /* 4 */
        "[input]\n"                                     /* 5 */
        "file = in.nc\n"                                /* 6 */
        "[analysis]\n"                                  /* 7 */
        "pollutants = pm10, \\   ; particles\n"         /* 8 */
        "             no2,\\\n"                         /* 9 */
        "\to3\n"                                        /* 10 */
        "tags = \\\n"                                   /* 11: value starts on the next line */
        "  a, b, c\n"                                   /* 12 */
        "horizon = 9\n";                                /* 13 */
    CHECK_OK(regia_job_parse(cont, PATH, SCHEMA, &job));
    if (job) {
        CHECK_MSG(!strcmp(regia_job_str(job, "job", "name"), "lombardia test"), "'%s'",
                  regia_job_str(job, "job", "name"));
        CHECK(regia_job_list_len(job, "analysis", "pollutants") == 3);
        CHECK(!strcmp(regia_job_list_item(job, "analysis", "pollutants", 2), "o3"));
        CHECK(regia_job_list_len(job, "analysis", "tags") == 3);
        CHECK(regia_job_line(job, "job", "name") == 3);
        CHECK(regia_job_line(job, "analysis", "pollutants") == 8);
        CHECK(regia_job_line(job, "analysis", "tags") == 11);
        CHECK(regia_job_line(job, "analysis", "horizon") == 13);
        CHECK(regia_job_int(job, "analysis", "horizon") == 9);
        regia_job_free(job);
    }
    /* a byte-order mark before the first section */
    CHECK_OK(regia_job_parse("\xEF\xBB\xBF[job]\noutput = o\n[input]\nfile = i\n[analysis]\npollutants = o3\n", PATH,
                             SCHEMA, &job));
    regia_job_free(job);

    /* errors in and after continued values name the key's (first) line */
    expect_error(with("", "pollutants2 = pm10, \\\n  no2\n"), REGIA_ERR_PARSE,
                 PATH ":7: unknown key 'pollutants2' in section [analysis]");
    expect_error(with("", "pollutants = pm10, \\\n  no2\n"), REGIA_ERR_PARSE,
                 PATH ":7: key 'pollutants' repeated (first set on line 6)");
    expect_error(with("", "tags = a, \\\n b, \\\n c\nbogus = 1\n"), REGIA_ERR_PARSE,
                 PATH ":10: unknown key 'bogus' in section [analysis]");
    expect_error(with("", "tags = a, \\\n b, \\\n co\npollutants = no2\n"), REGIA_ERR_PARSE,
                 PATH ":10: key 'pollutants' repeated (first set on line 6)");
    expect_error("[job]\noutput = o\n[input]\nfile = i\n[analysis]\npollutants = pm10, \\\n  co\n", REGIA_ERR_INVALID,
                 PATH ":6: key 'pollutants': 'co' is not one of pm10|pm2p5|no2|o3");
    /* a dangling backslash */
    expect_error(with("", "tags = a, \\\n"), REGIA_ERR_PARSE,
                 PATH ":7: key 'tags': line 7 ends with '\\' (continued) but the file ends there");
    expect_error(with("", "tags = a, \\\n\nhorizon = 3\n"), REGIA_ERR_PARSE,
                 PATH ":7: key 'tags': line 7 ends with '\\' (continued) but line 8 is blank; remove the '\\' or "
                 "continue the value there");
    expect_error(with("", "tags = a, \\\n  # b\n"), REGIA_ERR_PARSE,
                 PATH ":7: key 'tags': line 7 ends with '\\' (continued) but line 8 is a comment; remove the '\\' or "
                 "continue the value there");
    expect_error(with("", "tags = a, \\\n[job]\n"), REGIA_ERR_PARSE,
                 PATH ":7: key 'tags': line 7 ends with '\\' (continued) but line 8 is a section header; remove the "
                 "'\\' or continue the value there");
    /* section headers */
    expect_error(with("[input\n", ""), REGIA_ERR_PARSE, PATH ":3: a section header is '[name]' alone on its line");
    expect_error(with("[input] file = x\n", ""), REGIA_ERR_PARSE,
                 PATH ":3: a section header is '[name]' alone on its line");
    expect_error(with("= 3\n", ""), REGIA_ERR_PARSE, PATH ":3: not a 'key = value' line or a '[section]' header");
}

/* ${NAME} only for the documented names; anything else is an error naming the line. */
static void test_vars(void)
{
    static const regia_job_key_t sch[] = {
        {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "output"},
        {"job", "name", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "name"},
        {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
    };
    regia_job_t *job = NULL;
    setenv("REGIA_TEST_TOKEN_HOLDER", "abc", 1);
    setenv("HOME", "/home/u", 1);
    setenv("CINECA_SCRATCH", "/scratch/u", 1);
    CHECK_OK(regia_job_parse("[job]\noutput = ${CINECA_SCRATCH}/o.nc\nname = ${HOME}-${REGIA_TEST_TOKEN_HOLDER}\n",
                             "/j/j.ini", sch, &job));
    if (job) {
        CHECK(!strcmp(regia_job_path(job, "job", "output"), "/scratch/u/o.nc"));
        CHECK(!strcmp(regia_job_str(job, "job", "name"), "/home/u-abc"));
        regia_job_free(job);
    }
    unsetenv("REGIA_TEST_TOKEN_HOLDER");
    setenv("GITHUB_TOKEN", "secret", 1);
    const char *allowed = "HOME, USER, WORK, CINECA_SCRATCH, SCRATCH, FAST, PUBLIC, TMPDIR, SLURM_JOB_ID, "
                          "SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID, SLURM_SUBMIT_DIR, REGIA_*";
    CHECK(!strcmp(regia_job_allowed_vars(), allowed));
    char want[1024];
    job = (regia_job_t *)1;
    CHECK(regia_job_parse("[job]\noutput = o.nc\nname = x${GITHUB_TOKEN}\n", "j.ini", sch, &job) == REGIA_ERR_INVALID);
    snprintf(want, sizeof want, "j.ini:3: key 'name': ${GITHUB_TOKEN} is not a variable a job file may use (%s; see "
             "regia/job.h)", allowed);
    CHECK_MSG(!strcmp(regia_error_msg(), want), "\n  got  '%s'\n  want '%s'", regia_error_msg(), want);
    CHECK(job == NULL);
    unsetenv("GITHUB_TOKEN");
    /* refused whether set or not, and for names that only look like allowed ones */
    const char *refused[] = {"PATH", "home", "REGIA_", "REGIA_a", "REGIA-X", "WORKX", "SLURM_JOB_ACCOUNT"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char text[128];
        snprintf(text, sizeof text, "[job]\noutput = ${%s}/o.nc\n", refused[i]);
        job = (regia_job_t *)1;
        CHECK_MSG(regia_job_parse(text, "j.ini", sch, &job) == REGIA_ERR_INVALID && job == NULL, "%s", refused[i]);
        CHECK_MSG(strstr(regia_error_msg(), "is not a variable a job file may use"), "%s: %s", refused[i],
                  regia_error_msg());
    }
    CHECK(regia_job_var_allowed("REGIA_RUN_2") && regia_job_var_allowed("SLURM_SUBMIT_DIR"));
    /* an allowed but unset variable: the old message */
    unsetenv("REGIA_TEST_UNSET");
    expect_error("[job]\noutput = o\n[input]\nfile = ${REGIA_TEST_UNSET}\n[analysis]\npollutants = o3\n",
                 REGIA_ERR_INVALID, PATH ":4: key 'file': environment variable REGIA_TEST_UNSET is not set");
}

int main(int argc, char **argv)
{
    /* a singleton MPI run for regia_job_load (the test runner starts this without mpirun) */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
    MPI_Init(&argc, &argv);
    test_good();
    test_errors();
    test_sha256();
    test_values_sha256();
    test_long_and_continued();
    test_vars();
    MPI_Finalize();
    return check_done();
}
