/* regia submit JOBFILE | regia submit [options] -- COMMAND ARGS...: batch scripts for SLURM.
 * regia stage JOBFILE (copy a finished job's outputs to [slurm] stage_to) is in cmd_stage.c.
 *
 * submit fills slurm/templates/regia.sbatch.in from the job file's [slurm] section (or the
 * options) for Leonardo's Booster or DCGP partitions or a local cluster, writes the
 * script(s) into [slurm] log_dir and runs sbatch (or, with --dry-run, prints them and the
 * sbatch commands it would run).  A job whose domain has a pre-step (env: an [ingest]
 * section) becomes a chain: the pre-step first (on a CPU partition when it needs no GPU),
 * then the run with --dependency=afterok.  [slurm] array makes a job array.  A job with
 * [publish] catalog = DIR gets a last step, regia publish of the run's output(s) into DIR
 * (one task of one core on a CPU partition, never --exclusive, afterok on the run: on an
 * array, after every task).
 * Every job-file value that reaches a script is checked against a strict character set
 * (account, partition, qos, time, mpi, mem) or shell-quoted (paths, command words).
 * Both commands run on one process (a login node); under mpirun only rank 0 works.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "driver_impl.h"
#include "products_impl.h"
#include "regia/options.h"
#include "regia/io.h"
#include "regia/job.h"

/* Paths here are bounded by PATH_MAX; a longer one is cut and then fails to open, with a
 * message naming it, so gcc's truncation warnings are not useful in this file. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

enum { MAXCMD = 16384, MAX_ARRAY_TASKS = 10000 };

/* ---- Leonardo's partitions and their QOS ------------------------------------------------
 * From Cineca's LEONARDO user guide: "Booster Section" (last modified 2025-03-20) and
 * "DCGP Section" (2025-03-11) of the SCAI user support wiki (wiki.u-gov.it/confluence/
 * display/SCAIUS), also at docs.hpc.cineca.it/hpc/leonardo.html; read 2026-12-01.  Check
 * them again (and `sacctmgr show qos` on a login node) before relying on a limit: a
 * request outside these is refused here, before sbatch.  Node memory: 494000 MB usable of
 * 512 GB, on both partitions (the guide's batch examples). */
typedef struct {
    const char *profile, *partition;
    int cores, gpus;          /* per node */
    long mem_mb;              /* usable memory per node */
} node_kind_t;

static const node_kind_t LEONARDO_NODES[] = {
    {"booster", "boost_usr_prod", 32, 4, 494000},  /* 1 x Xeon 8358 (32 cores), 4 x A100 64 GB */
    {"dcgp", "dcgp_usr_prod", 112, 0, 494000},     /* 2 x Xeon 8480+ (56 cores each) */
};

typedef struct {
    const char *partition, *qos;
    int min_nodes, max_nodes;
    long max_minutes;
} qos_limit_t;

static const qos_limit_t LEONARDO_QOS[] = {
    {"boost_usr_prod", "normal", 1, 64, 24 * 60},
    {"boost_usr_prod", "boost_qos_dbg", 1, 2, 30},
    {"boost_usr_prod", "boost_qos_bprod", 65, 256, 24 * 60},   /* min 65 full nodes */
    {"boost_usr_prod", "boost_qos_lprod", 1, 3, 4 * 24 * 60},
    {"dcgp_usr_prod", "normal", 1, 16, 24 * 60},
    {"dcgp_usr_prod", "dcgp_qos_dbg", 1, 2, 30},
    {"dcgp_usr_prod", "dcgp_qos_bprod", 17, 128, 24 * 60},     /* min 17 full nodes */
    {"dcgp_usr_prod", "dcgp_qos_lprod", 1, 3, 4 * 24 * 60},
};
enum { N_QOS = sizeof LEONARDO_QOS / sizeof LEONARDO_QOS[0] };

static const node_kind_t *node_kind(const char *profile)
{
    for (size_t i = 0; i < sizeof LEONARDO_NODES / sizeof *LEONARDO_NODES; i++)
        if (!strcmp(LEONARDO_NODES[i].profile, profile)) return &LEONARDO_NODES[i];
    return NULL;
}

/* ---- the job's domain --------------------------------------------------------------------
 * What submit and stage need of the domain a job file is for (drivers/domains.c, the
 * registry): the name of the command that runs it, its schema, and its optional pre-step
 * (env: [ingest] -> regia ingest env ...), and whether that pre-step needs a GPU. */
typedef struct {
    const char *name;                 /* regia NAME JOBFILE runs the job */
    const regia_job_key_t *schema;
    int (*prestep)(const regia_job_t *job, void (*add)(void *arg, const char *word), void *arg);
    int prestep_cpu_only;
} submit_domain_t;

/* 0, or -1 with the error set (the file, the [job] domain line and the known names). */
static int submit_domain_of(const char *path, submit_domain_t *d)
{
    const regia_domain_t *dom = regia_domain_of_jobfile(path);
    if (!dom) return -1;
    *d = (submit_domain_t){dom->name, regia_domain_schema(dom), dom->prestep, dom->prestep_cpu_only};
    return 0;
}

/* ---- one batch step ---------------------------------------------------------------------- */
typedef struct {
    const char *profile, *account, *partition, *qos, *time, *mpi, *env_file, *after, *mem;
    int nodes, ranks_per_node, cpus_per_task, dry_run, max_idle, gpus;
    char log_dir[PATH_MAX], name[256], job_file[PATH_MAX], regia[PATH_MAX], root[PATH_MAX];
    char mem_buf[32];
    int n_array;
    int shared;                       /* 1: never --exclusive (a small serial step: publish) */
    /* where each value came from, for messages: an option, or the job file's line */
    const regia_job_t *job;
    const char *opts_given;           /* " account qos ..." set by options */
} submit_t;

static void submit_usage(FILE *f)
{
    fprintf(f,
            "usage: regia submit [OPTIONS] JOBFILE\n"
            "       regia submit [OPTIONS] -- COMMAND [ARGS...]     (any regia command, e.g. forecast)\n\n"
            "Writes the sbatch script(s) for a job into its [slurm] log_dir and submits them with sbatch.\n"
            "A job file with a pre-step (env: an [ingest] section) is submitted as two jobs, pre-step then\n"
            "run (--dependency=afterok); a pre-step that needs no GPU goes to a CPU partition (DCGP).\n"
            "A [slurm] array list makes a job array (%%A_%%a logs).  A [publish] catalog = DIR adds a last\n"
            "step, regia publish of the output(s) into DIR (one task of one core on a CPU partition, the node\n"
            "shared, afterok on the run).\n"
            "Options override the job file's [slurm] keys:\n"
            "  --profile booster|dcgp|local   Leonardo Booster (4 ranks x 8 cores, --gres=gpu:4 per node),\n"
            "                                 DCGP (8 ranks x 14 cores per node) or a local cluster\n"
            "  --account A       project account (sbatch -A); required on Leonardo\n"
            "  --partition P     partition [boost_usr_prod | dcgp_usr_prod | the cluster's default]\n"
            "  --qos Q           normal | boost_qos_dbg | boost_qos_bprod | boost_qos_lprod (dcgp_qos_*)\n"
            "  --nodes N         nodes (default 1)\n"
            "  --ranks-per-node R, --cpus-per-task C\n"
            "  --time T          wall time [D-]HH:MM:SS (default 00:30:00)\n"
            "  --mem M           memory per node (sbatch --mem, e.g. 200G) [default: the cores' share]\n"
            "  --max-idle-restarts N   stop requeueing after N runs in a row saved no new block (0: never)\n"
            "  --after JOBID     start after job JOBID succeeded (afterok)\n"
            "  --log-dir DIR     where scripts and logs go (default: [slurm] log_dir, or ./slurm-logs)\n"
            "  --dry-run         write and print the scripts and the sbatch commands it would run;\n"
            "                    submit nothing\n\n"
            "Leonardo's limits per partition and QOS (nodes, wall time) are checked before sbatch.\n"
            "Job-file keys ([slurm] and [ingest] sections): see 'regia env --help' and docs/slurm.md.\n");
}

static int fail_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "regia submit: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return REGIA_EXIT_FAIL;
}

/* Where [slurm] KEY's value came from: "--key" or "FILE:LINE: [slurm] key". */
static void origin(const submit_t *s, const char *key, char *buf, size_t cap)
{
    char word[64];
    snprintf(word, sizeof word, " %s ", key);
    if (s->opts_given && strstr(s->opts_given, word)) {
        snprintf(buf, cap, "--%s", key);
        for (char *c = buf; *c; c++)
            if (*c == '_') *c = '-';
    } else if (s->job && regia_job_line(s->job, "slurm", key) > 0) {
        snprintf(buf, cap, "%s:%d: [slurm] %s", s->job_file, regia_job_line(s->job, "slurm", key), key);
    } else {
        snprintf(buf, cap, "[slurm] %s", key);
    }
}

/* Minutes of a SLURM time string ([D-]HH:MM:SS, HH:MM:SS, MM:SS or MM); -1 if malformed. */
static long minutes_of(const char *t)
{
    long d = 0, h = 0, m = 0, sec = 0;
    int n;
    char tail;
    if (!*t || strspn(t, "0123456789-:") != strlen(t) || !isdigit((unsigned char)t[0])) return -1;
    if (sscanf(t, "%ld-%ld:%ld:%ld%c", &d, &h, &m, &sec, &tail) == 4) return d * 1440 + h * 60 + m + (sec > 0);
    if (strchr(t, '-')) return -1;
    n = sscanf(t, "%ld:%ld:%ld%c", &h, &m, &sec, &tail);
    if (n == 3) return h * 60 + m + (sec > 0);
    if (n == 2) return h + (m > 0); /* MM:SS */
    if (n == 1 && sscanf(t, "%ld%c", &m, &tail) == 1) return m;
    return -1;
}

static void format_minutes(long min, char *buf, size_t cap)
{
    if (min % (24 * 60) == 0) snprintf(buf, cap, "%ld day%s", min / (24 * 60), min == 24 * 60 ? "" : "s");
    else if (min % 60 == 0) snprintf(buf, cap, "%ld h", min / 60);
    else snprintf(buf, cap, "%ld min", min);
}

/* A value made only of letters, digits and the characters of `extra` (no blank, quote,
 * $, `, ;, line break ...), so that it cannot add an sbatch option or a shell command. */
static int plain_word(const char *v, const char *extra)
{
    if (!v || !*v) return 0;
    for (const char *c = v; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr(extra, *c)) return 0;
    return 1;
}

/* v with line breaks and other control characters written as \n, \r, \t or ?, so that a
 * message quoting it stays on one line. */
static const char *printable(const char *v, char *buf, size_t cap)
{
    size_t n = 0;
    for (const char *c = v; *c && n + 3 < cap; c++) {
        if (*c == '\n' || *c == '\r' || *c == '\t') {
            buf[n++] = '\\';
            buf[n++] = *c == '\n' ? 'n' : *c == '\r' ? 'r' : 't';
        } else {
            buf[n++] = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
        }
    }
    buf[n] = '\0';
    return buf;
}

/* Refuse values that would change the batch script; every one is checked, whatever the
 * profile (also those that only reach a local cluster). */
static int check_values(const submit_t *s)
{
    struct { const char *key, *val, *extra, *what; } w[] = {
        {"account", s->account, "_.-", "letters, digits, '_', '.' and '-'"},
        {"partition", s->partition, "_.-,", "letters, digits, '_', '.', '-' and ','"},
        {"qos", s->qos, "_.-", "letters, digits, '_', '.' and '-'"},
        {"mpi", s->mpi, "_", "letters, digits and '_' (an srun --mpi plugin: pmix, pmix_v3, pmi2, none)"},
        {"prestep_partition", s->job ? regia_job_str(s->job, "slurm", "prestep_partition") : NULL, "_.-,",
         "letters, digits, '_', '.', '-' and ','"},
    };
    char where[PATH_MAX + 64], pv[512];
    for (size_t i = 0; i < sizeof w / sizeof *w; i++) {
        if (!w[i].val) continue;
        if (!plain_word(w[i].val, w[i].extra)) {
            origin(s, w[i].key, where, sizeof where);
            return fail_msg("%s = '%s': may hold only %s (the value goes into the batch script)", where,
                            printable(w[i].val, pv, sizeof pv), w[i].what);
        }
    }
    if (minutes_of(s->time) <= 0) {
        origin(s, "time", where, sizeof where);
        return fail_msg("%s: bad wall time '%s' (expected [D-]HH:MM:SS, HH:MM:SS, MM:SS or MM)", where,
                        printable(s->time, pv, sizeof pv));
    }
    if (s->mem) {
        size_t d = strspn(s->mem, "0123456789");
        if (d == 0 || (s->mem[d] && (!strchr("KMGTkmgt", s->mem[d]) || s->mem[d + 1]))) {
            origin(s, "mem", where, sizeof where);
            return fail_msg("%s = '%s': expected a whole number with an optional unit K, M, G or T (sbatch --mem)",
                            where, printable(s->mem, pv, sizeof pv));
        }
    }
    if (s->after && !plain_word(s->after, "_:"))
        return fail_msg("--after '%s': expected a job id (digits, '_' and ':' only)", printable(s->after, pv, sizeof pv));
    return 0;
}

/* Leonardo's QOS rules (the table above): refuse a request the scheduler would refuse,
 * naming a QOS that fits when there is one. */
static int check_limits(const submit_t *s, const char *step)
{
    long min = minutes_of(s->time);
    if (!strcmp(s->profile, "local")) return 0;
    const qos_limit_t *q = NULL;
    int partition_known = 0;
    for (int i = 0; i < N_QOS; i++) {
        if (strcmp(LEONARDO_QOS[i].partition, s->partition)) continue;
        partition_known = 1;
        if (!strcmp(LEONARDO_QOS[i].qos, s->qos)) q = &LEONARDO_QOS[i];
    }
    if (!partition_known) {
        fprintf(stderr, "regia submit: warning: partition '%s' (%s step) is not one whose limits regia knows "
                "(boost_usr_prod, dcgp_usr_prod): nodes and time are not checked\n", s->partition, step);
        return 0;
    }
    char where[PATH_MAX + 64], known[256] = "";
    if (!q) {
        size_t n = 0;
        for (int i = 0; i < N_QOS; i++)
            if (!strcmp(LEONARDO_QOS[i].partition, s->partition))
                n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", n ? ", " : "", LEONARDO_QOS[i].qos);
        origin(s, "qos", where, sizeof where);
        return fail_msg("%s: unknown qos '%s' for partition %s (%s)", where, s->qos, s->partition, known);
    }
    int nodes_ok = s->nodes >= q->min_nodes && s->nodes <= q->max_nodes, time_ok = min <= q->max_minutes;
    if (nodes_ok && time_ok) return 0;
    const char *fits = NULL;
    for (int i = 0; i < N_QOS && !fits; i++) {
        const qos_limit_t *o = &LEONARDO_QOS[i];
        if (!strcmp(o->partition, s->partition) && s->nodes >= o->min_nodes && s->nodes <= o->max_nodes &&
            min <= o->max_minutes)
            fits = o->qos;
    }
    char lim[32], hint[128] = "";
    format_minutes(q->max_minutes, lim, sizeof lim);
    if (fits) snprintf(hint, sizeof hint, ": use qos %s", fits);
    else snprintf(hint, sizeof hint, ": no QOS of %s allows both", s->partition);
    if (!nodes_ok && q->min_nodes > 1)
        return fail_msg("qos %s of %s is for %d-%d nodes and up to %s (the %s step asks %d nodes, %s)%s", q->qos,
                        q->partition, q->min_nodes, q->max_nodes, lim, step, s->nodes, s->time, hint);
    return fail_msg("qos %s of %s allows up to %d node%s and %s (the %s step asks %d nodes, %s)%s", q->qos,
                    q->partition, q->max_nodes, q->max_nodes > 1 ? "s" : "", lim, step, s->nodes, s->time, hint);
}

/* Single-quote a word for bash. */
static void shq(char *out, size_t cap, const char *w)
{
    size_t n = 0;
    out[n++] = '\'';
    for (const char *p = w; *p && n + 5 < cap; p++) {
        if (*p == '\'') { memcpy(out + n, "'\\''", 4); n += 4; }
        else out[n++] = *p;
    }
    out[n++] = '\'';
    out[n] = '\0';
}

static void append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

/* A command line being built; `overflow` is set when a word did not fit (add_word then
 * leaves it out, and the command must not be used). */
typedef struct {
    char text[MAXCMD];
    int overflow;
} cmd_t;

static void add_word(cmd_t *c, const char *w)
{
    char q[PATH_MAX * 2];
    size_t need = 2;
    for (const char *p = w; *p; p++) need += *p == '\'' ? 4 : 1;
    if (need >= sizeof q || strlen(c->text) + 1 + need >= sizeof c->text) { c->overflow = 1; return; }
    shq(q, sizeof q, w);
    append(c->text, sizeof c->text, "%s%s", c->text[0] ? " " : "", q);
}

static void add_word_cb(void *arg, const char *w) { add_word(arg, w); }

/* Replace every @KEY@ of the template with its value. */
static char *fill(const char *tpl, const char *const *kv)
{
    size_t cap = strlen(tpl) + 1;
    for (int i = 0; kv[i]; i += 2) cap += strlen(kv[i + 1]) * 4 + 16;
    char *out = malloc(cap);
    if (!out) return NULL;
    size_t n = 0;
    for (const char *p = tpl; *p;) {
        int done = 0;
        if (*p == '@')
            for (int i = 0; kv[i] && !done; i += 2) {
                size_t kl = strlen(kv[i]);
                if (!strncmp(p + 1, kv[i], kl) && p[1 + kl] == '@') {
                    size_t vl = strlen(kv[i + 1]);
                    memcpy(out + n, kv[i + 1], vl);
                    n += vl;
                    p += kl + 2;
                    done = 1;
                }
            }
        if (!done) out[n++] = *p++;
    }
    out[n] = '\0';
    return out;
}

/* A value for an #SBATCH line.  sbatch splits these lines at blank space, takes ' and " as
 * quotes, \\ as an escape and an unescaped # as the start of a comment, so a value with any
 * of those goes in double quotes, with \\ before each " and \\.  In a file name (pct) a %
 * is doubled, or SLURM would read it as a pattern such as %j. */
static void sbq(char *out, size_t cap, const char *w, int pct)
{
    size_t n = 0;
    int quote = strpbrk(w, " \t'\"\\#") != NULL;
    if (quote) out[n++] = '"';
    for (const char *p = w; *p && n + 4 < cap; p++) {
        if (*p == '"' || *p == '\\') out[n++] = '\\';
        else if (pct && *p == '%') out[n++] = '%';
        out[n++] = *p;
    }
    if (quote) out[n++] = '"';
    out[n] = '\0';
}

/* The #SBATCH header of one step. */
static void sbatch_lines(const submit_t *s, const char *step, char *out, size_t cap)
{
    int array = s->n_array > 0;
    char jname[1024], logq[PATH_MAX * 2 + 1], nm[512];
    snprintf(nm, sizeof nm, "%s-%s", s->name, step);
    sbq(jname, sizeof jname, nm, 0);
    sbq(logq, sizeof logq, s->log_dir, 1);
    out[0] = '\0';
    append(out, cap, "#SBATCH --job-name=%s\n", jname);
    if (s->account) append(out, cap, "#SBATCH --account=%s\n", s->account);
    else if (strcmp(s->profile, "local") != 0) append(out, cap, "#SBATCH --account=YOUR_ACCOUNT   # <- set [slurm] account or --account\n");
    if (s->partition) append(out, cap, "#SBATCH --partition=%s\n", s->partition);
    if (strcmp(s->profile, "local") != 0) append(out, cap, "#SBATCH --qos=%s\n", s->qos);
    append(out, cap, "#SBATCH --nodes=%d\n#SBATCH --ntasks-per-node=%d\n#SBATCH --cpus-per-task=%d\n", s->nodes,
           s->ranks_per_node, s->cpus_per_task);
    append(out, cap, "#SBATCH --mem=%s\n", s->mem);
    if (s->gpus) append(out, cap, "#SBATCH --gres=gpu:4                # one GPU per rank (a GPU bills as 8 cores)\n");
    if (!strcmp(s->profile, "dcgp") && !s->shared) append(out, cap, "#SBATCH --exclusive\n");
    append(out, cap, "#SBATCH --time=%s\n", s->time);
    if (array) append(out, cap, "#SBATCH --array=0-%d\n", s->n_array - 1);
    append(out, cap, "#SBATCH --output=%s/%%x_%s.log\n", logq, array ? "%A_%a" : "%j");
    append(out, cap, "#SBATCH --open-mode=append\n#SBATCH --requeue\n#SBATCH --signal=B:USR1@120");
}

/* ckpt_dirs: the bash words of the template's ckpt_dirs=(...) array. */
static int write_script(const submit_t *s, const char *step, const char *title, const char *command,
                        const char *ckpt_dirs, const char *stage, char *path, size_t path_cap)
{
    char tpl_path[PATH_MAX], *tpl = NULL;
    size_t tl;
    snprintf(tpl_path, sizeof tpl_path, "%s/slurm/templates/regia.sbatch.in", s->root);
    if (regia_read_file(tpl_path, 1 << 20, &tpl, &tl) != REGIA_OK)
        return fail_msg("cannot read the batch template: %s", regia_error_msg());
    char header[PATH_MAX * 2 + 4096], env_setup[PATH_MAX * 2 + 512], date[32], max_idle[16];
    sbatch_lines(s, step, header, sizeof header);
    env_setup[0] = '\0';
    if (strcmp(s->profile, "local") != 0)
        append(env_setup, sizeof env_setup, "export REGIA_PARTITION=%s   # the module set of this partition "
               "(slurm/leonardo.env)\n", s->profile);
    if (s->env_file) {
        char q[PATH_MAX * 2];
        shq(q, sizeof q, s->env_file);
        append(env_setup, sizeof env_setup, "source %s || exit 1   # module purge, then the modules (prints what "
               "is missing)", q);
    } else {
        append(env_setup, sizeof env_setup, "# (no environment file: profile %s)", s->profile);
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char regia_q[PATH_MAX * 2], idle[PATH_MAX + 300], idle_q[PATH_MAX * 2 + 600];
    shq(regia_q, sizeof regia_q, s->regia);
    snprintf(idle, sizeof idle, "%s/.%s-%s", s->log_dir, s->name, step);
    shq(idle_q, sizeof idle_q, idle);
    snprintf(max_idle, sizeof max_idle, "%d", s->max_idle);
    const char *kv[] = {"SBATCH", header, "TITLE", title, "JOBFILE", s->job_file, "DATE", date,
                        "ENV_SETUP", env_setup, "MPI", s->mpi, "REGIA", regia_q, "COMMAND", command,
                        "STAGE", stage, "CKPT_DIRS", ckpt_dirs, "IDLE_FILE", idle_q, "MAX_IDLE", max_idle,
                        NULL};
    char *text = fill(tpl, kv);
    free(tpl);
    if (!text) return fail_msg("out of memory");
    snprintf(path, path_cap, "%s/%s-%s.sbatch", s->log_dir, s->name, step);
    regia_status_t st = regia_atomic_write(path, text, strlen(text));
    if (st == REGIA_OK) chmod(path, 0755);
    if (s->dry_run) printf("---- %s\n%s", path, text);
    free(text);
    return st ? fail_msg("%s", regia_error_msg()) : 0;
}

/* Run sbatch --parsable [--dependency] SCRIPT; the job id goes to id.  With --dry-run,
 * print the command that would be run instead. */
static int run_sbatch(const submit_t *s, const char *script, const char *after, char *id, size_t idcap)
{
    cmd_t cmd = {"", 0};
    add_word(&cmd, "sbatch");
    add_word(&cmd, "--parsable");
    if (after) {
        char dep[128];
        snprintf(dep, sizeof dep, "--dependency=afterok:%s", after);
        add_word(&cmd, dep);
    }
    add_word(&cmd, script);
    if (s->dry_run) {
        printf("would submit: %s\n", cmd.text);
        static int n_dry = 0; /* the steps' placeholders in order: <ID1>, <ID2>, <ID3> */
        snprintf(id, idcap, "<ID%d>", ++n_dry);
        return 0;
    }
    fflush(stdout);
    FILE *p = popen(cmd.text, "r");
    if (!p) return fail_msg("cannot run sbatch: %s", strerror(errno));
    char line[256] = "";
    if (!fgets(line, sizeof line, p)) line[0] = '\0';
    int rc = pclose(p);
    line[strcspn(line, ";\r\n")] = '\0';
    if (rc != 0 || !line[0])
        return fail_msg("sbatch failed (exit %d) for %s: is SLURM reachable (sinfo), and are the account, "
                        "partition and QOS right?", WIFEXITED(rc) ? WEXITSTATUS(rc) : rc, script);
    snprintf(id, idcap, "%s", line);
    return 0;
}

/* The directory this regia's source/installation lives in (for templates and leonardo.env):
 * $REGIA_ROOT, else BUILD/.. for BUILD/regia in a source tree, else PREFIX/share/regia for
 * PREFIX/bin/regia (make install). */
static void find_root(submit_t *s)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    snprintf(s->regia, sizeof s->regia, "%s", n > 0 ? exe : "regia");
    const char *env = getenv("REGIA_ROOT");
    char cand[3][PATH_MAX];
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(cand[0], PATH_MAX, "%s", env ? env : "");
    snprintf(cand[1], PATH_MAX, "%s/..", exe);                /* build/regia in a source tree */
    snprintf(cand[2], PATH_MAX, "%s/../share/regia", exe);    /* PREFIX/bin/regia, make install */
    for (int i = 0; i < 3; i++) {
        char t[PATH_MAX + 64];
        snprintf(t, sizeof t, "%s/slurm/templates/regia.sbatch.in", cand[i]);
        if (cand[i][0] && access(t, R_OK) == 0) {
            char *r = realpath(cand[i], NULL);
            snprintf(s->root, sizeof s->root, "%s", r ? r : cand[i]);
            free(r);
            return;
        }
    }
    snprintf(s->root, sizeof s->root, "%s/..", exe);
}

/* Ranks, cores, partition and memory of a profile where the job file leaves them at 0. */
static void profile_defaults(submit_t *s)
{
    const node_kind_t *k = node_kind(s->profile);
    if (!s->partition && k) s->partition = k->partition;
    int booster = !strcmp(s->profile, "booster"), dcgp = !strcmp(s->profile, "dcgp");
    if (!s->ranks_per_node) s->ranks_per_node = booster ? 4 : dcgp ? 8 : 2;
    if (!s->cpus_per_task) s->cpus_per_task = booster ? 8 : dcgp ? 14 : 1;
    if (!s->mem) {
        /* the share of the node's memory that the cores asked for (all of it for a full node) */
        long mb = 512L * s->ranks_per_node;
        if (k) {
            long cores = (long)s->ranks_per_node * s->cpus_per_task;
            mb = cores >= k->cores ? k->mem_mb : k->mem_mb * cores / k->cores;
        }
        snprintf(s->mem_buf, sizeof s->mem_buf, "%ldM", mb > 0 ? mb : 512);
        s->mem = s->mem_buf;
    }
}

/* The QOS of the same kind on another partition: *_qos_dbg and *_qos_lprod map to the
 * target's, everything else to normal (a one-node pre-step cannot use *_qos_bprod). */
static const char *qos_on(const char *qos, const char *profile)
{
    static char buf[64];
    const char *p = !strcmp(profile, "booster") ? "boost" : "dcgp";
    const char *kind = strstr(qos, "_qos_dbg") ? "dbg" : strstr(qos, "_qos_lprod") ? "lprod" : NULL;
    if (!kind) return "normal";
    snprintf(buf, sizeof buf, "%s_qos_%s", p, kind);
    return buf;
}

/* The pre-step's batch settings: on a CPU partition when it needs no GPU and the job is on
 * Booster ([slurm] prestep_partition, default dcgp_usr_prod), with that partition's
 * profile, ranks, cores, memory and QOS; its wall time is the job's, cut to the QOS's. */
static void prestep_settings(const submit_t *s, const regia_job_t *job, int cpu_only, submit_t *pre)
{
    *pre = *s;
    pre->n_array = 0; /* one pre-step for the whole array */
    pre->gpus = 0;
    pre->nodes = job ? (int)regia_job_int(job, "slurm", "prestep_nodes") : 1;
    if (pre->nodes < 1) pre->nodes = 1;
    const char *part = job ? regia_job_str(job, "slurm", "prestep_partition") : NULL;
    if (!part && cpu_only && !strcmp(s->profile, "booster")) part = "dcgp_usr_prod";
    if (!part) {
        pre->gpus = !cpu_only && s->gpus;
        return;
    }
    pre->partition = part;
    const char *prof = s->profile;
    for (size_t i = 0; i < sizeof LEONARDO_NODES / sizeof *LEONARDO_NODES; i++)
        if (!strcmp(LEONARDO_NODES[i].partition, part)) prof = LEONARDO_NODES[i].profile;
    if (strcmp(prof, s->profile) != 0) {
        pre->profile = prof;
        pre->qos = qos_on(s->qos, prof);
        pre->ranks_per_node = pre->cpus_per_task = 0;
        pre->mem = NULL;
        profile_defaults(pre);
        static char cut[32];
        long min = minutes_of(s->time);
        for (int i = 0; i < N_QOS; i++)
            if (!strcmp(LEONARDO_QOS[i].partition, part) && !strcmp(LEONARDO_QOS[i].qos, pre->qos) &&
                min > LEONARDO_QOS[i].max_minutes) {
                long m = LEONARDO_QOS[i].max_minutes;
                snprintf(cut, sizeof cut, "%ld-%02ld:%02ld:00", m / 1440, m % 1440 / 60, m % 60);
                pre->time = cut;
            }
    }
    pre->gpus = !cpu_only && !strcmp(pre->profile, "booster");
}

/* The checkpoint directory a job's run uses: [job] checkpoint_dir, else OUTPUT minus .nc
 * plus .ckpt (what the drivers use), or "" when the job names neither. */
static void ckpt_dir_of(const regia_job_t *job, char *buf, size_t cap)
{
    const char *d = regia_job_path(job, "job", "checkpoint_dir"), *out = regia_job_path(job, "job", "output");
    if (d) snprintf(buf, cap, "%s", d);
    else if (out) regia_sibling_path(out, ".ckpt", buf, cap);
    else buf[0] = '\0';
}

/* The options of regia submit: each overrides its [slurm] key (the option model). */
static const regia_job_key_t submit_schema[] = {
    {"submit", "profile", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "booster, dcgp or local"},
    {"submit", "account", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "project account (sbatch -A)"},
    {"submit", "partition", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "partition"},
    {"submit", "qos", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "QOS"},
    {"submit", "time", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "wall-time limit [D-]HH:MM:SS"},
    {"submit", "after", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "start after this job id succeeds"},
    {"submit", "log_dir", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "batch scripts and job logs"},
    {"submit", "mem", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "memory per node (sbatch --mem)"},
    {"submit", "nodes", REGIA_KEY_INT, 0, NULL, 1, 100000, NULL, "nodes"},
    {"submit", "ranks_per_node", REGIA_KEY_INT, 0, NULL, 1, 100000, NULL, "MPI ranks per node"},
    {"submit", "cpus_per_task", REGIA_KEY_INT, 0, NULL, 1, 100000, NULL, "cores per rank"},
    {"submit", "max_idle_restarts", REGIA_KEY_INT, 0, NULL, 0, 100000, NULL,
     "runs in a row that checkpoint nothing new before requeueing stops (0: no limit)"},
    {"submit", "dry_run", REGIA_KEY_BOOL, 0, "no", 0, 0, NULL, "write the scripts, say what would be submitted"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};
static const regia_opt_meta_t submit_meta[] = {
    {"profile", "P"}, {"account", "A"}, {"partition", "P"}, {"qos", "Q"}, {"time", "T"}, {"after", "JOBID"},
    {"log_dir", "DIR"}, {"mem", "M"}, {"nodes", "N"}, {"ranks_per_node", "N"}, {"cpus_per_task", "N"},
    {"max_idle_restarts", "N"}, {NULL, NULL},
};

int regia_cmd_submit(regia_ctx_t *ctx, int argc, char **argv)
{
    if (ctx->rank != 0) return REGIA_EXIT_OK;
    submit_t s;
    memset(&s, 0, sizeof s);
    const char *o_profile = NULL, *o_account = NULL, *o_partition = NULL, *o_qos = NULL, *o_time = NULL,
               *o_logdir = NULL, *o_mem = NULL;
    int o_nodes = 0, o_rpn = 0, o_cpt = 0, o_idle = -1, cmd_at = 0;
    char given[256] = " ";
    const char *jobfile = NULL;
    /* the options (the option model, runtime/options.c) up to "--", then COMMAND ARGS */
    int n_opt = argc;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--")) { cmd_at = i + 1; n_opt = i; break; }
    regia_opts_t o;
    regia_job_t *oj = NULL;
    if (regia_opts_parse(submit_schema, submit_meta, 0, n_opt, argv, &o) != REGIA_OK)
        return regia_usage_error(ctx, "submit", "%s", regia_error_msg());
    if (o.help) { regia_opts_free(&o); submit_usage(stdout); return REGIA_EXIT_OK; }
    if (o.n_pos > 1) {
        regia_opts_free(&o);
        return regia_usage_error(ctx, "submit", "one JOBFILE only (got '%s' and '%s')", o.pos[0], o.pos[1]);
    }
    if (o.n_pos == 1) jobfile = o.pos[0];
    regia_status_t pst = regia_job_parse(o.text ? o.text : "[submit]\n", "command line", submit_schema, &oj);
    regia_opts_free(&o);
    if (pst) return regia_usage_error(ctx, "submit", "%s", regia_error_msg());
    const char **strs[] = {&o_profile, &o_account, &o_partition, &o_qos, &o_time, &s.after, &o_logdir, &o_mem};
    int *nums[] = {&o_nodes, &o_rpn, &o_cpt, &o_idle};
    int ns = 0, nn = 0;
    for (const regia_job_key_t *k = submit_schema; k->key; k++) {
        if (!strcmp(k->key, "dry_run")) { s.dry_run = regia_job_bool(oj, "submit", "dry_run"); continue; }
        int is_num = k->type == REGIA_KEY_INT;
        if (!regia_job_has(oj, "submit", k->key)) { is_num ? nn++ : ns++; continue; }
        if (strlen(given) + strlen(k->key) + 1 < sizeof given) { strcat(given, k->key); strcat(given, " "); }
        if (is_num) *nums[nn++] = (int)regia_job_int(oj, "submit", k->key);
        else *strs[ns++] = regia_job_str(oj, "submit", k->key);
    }
    if (!jobfile == !cmd_at || (cmd_at && cmd_at >= argc))
        return regia_usage_error(ctx, "submit", "expected a JOBFILE, or -- COMMAND ARGS");
    if (o_profile && strcmp(o_profile, "booster") && strcmp(o_profile, "dcgp") && strcmp(o_profile, "local"))
        return regia_usage_error(ctx, "submit", "--profile must be booster, dcgp or local (got '%s')", o_profile);
    find_root(&s);
    s.opts_given = given;

    regia_job_t *job = NULL;
    submit_domain_t dom = {0};
    int has_prestep = 0, rc = 0;
    cmd_t pre_cmd = {"", 0}, main_cmd = {"", 0}, pub_outs = {"", 0}, pub_cmd = {"", 0};
    char stage[PATH_MAX * 3] = ":", jobreal[PATH_MAX];
    const char *stage_to = NULL;
    /* the bash words of ckpt_dirs=(...): one checkpoint directory per array task */
    size_t ck_cap = 4096, ck_len = 0;
    char *ckpt_words = calloc(1, ck_cap);
    if (!ckpt_words) return fail_msg("out of memory");
    if (jobfile) {
        /* an absolute job path: relative paths in it then resolve to absolute ones, which the
         * batch script (started in another directory) needs */
        char *rp = realpath(jobfile, NULL);
        if (!rp) { free(ckpt_words); return fail_msg("job file %s: %s", jobfile, strerror(errno)); }
        snprintf(jobreal, sizeof jobreal, "%s", rp);
        free(rp);
        jobfile = jobreal;
        if (submit_domain_of(jobfile, &dom) != 0) { free(ckpt_words); return fail_msg("%s", regia_error_msg()); }
        /* Validate the job for array task 0 .. n-1: every {array} value must expand, and a
         * pre-step (one for the whole array) must be the same command for every task. */
        int n_tasks = 1;
        for (int t = 0; t < n_tasks && rc == 0; t++) {
            char idx[16];
            snprintf(idx, sizeof idx, "%d", t);
            setenv("REGIA_ARRAY_INDEX", idx, 1);
            regia_job_t *jt = NULL;
            if (regia_job_load(jobfile, dom.schema, MPI_COMM_SELF, &jt) != REGIA_OK) {
                rc = t ? fail_msg("array task %d: %s", t, regia_error_msg()) : fail_msg("%s", regia_error_msg());
                break;
            }
            if (t == 0) {
                n_tasks = regia_job_list_len(jt, "slurm", "array");
                if (n_tasks > MAX_ARRAY_TASKS) {
                    rc = fail_msg("%s:%d: [slurm] array has %d items; at most %d array tasks", jobfile,
                                  regia_job_line(jt, "slurm", "array"), n_tasks, MAX_ARRAY_TASKS);
                    regia_job_free(jt);
                    break;
                }
                if (n_tasks < 1) n_tasks = 1;
            }
            char dir[PATH_MAX], q[PATH_MAX * 2 + 2];
            const char *task_out = regia_job_path(jt, "job", "output");
            if (task_out && regia_job_path(jt, "publish", "catalog")) add_word(&pub_outs, task_out);
            ckpt_dir_of(jt, dir, sizeof dir);
            shq(q, sizeof q, dir);
            if (ck_len + strlen(q) + 2 > ck_cap) {
                ck_cap = 2 * (ck_len + strlen(q) + 2);
                char *g = realloc(ckpt_words, ck_cap);
                if (!g) { regia_job_free(jt); rc = fail_msg("out of memory"); break; }
                ckpt_words = g;
            }
            ck_len += (size_t)sprintf(ckpt_words + ck_len, "%s%s", ck_len ? " " : "", q);
            if (dom.prestep) {
                cmd_t c = {"", 0};
                int r = dom.prestep(jt, add_word_cb, &c);
                if (r < 0) rc = fail_msg("%s", regia_error_msg());
                else if (t == 0) { has_prestep = r > 0; pre_cmd = c; }
                else if (r > 0 && strcmp(c.text, pre_cmd.text) != 0)
                    rc = fail_msg("%s: the pre-step differs between array tasks 0 and %d (a value it uses, such as "
                                  "[input] file, uses {array} or a variable): one pre-step makes the input of the "
                                  "whole array; make each input separately or drop {array} there\n  task 0: %s\n"
                                  "  task %d: %s", jobfile, t, pre_cmd.text, t, c.text);
            }
            if (t == 0) job = jt;
            else regia_job_free(jt);
        }
        unsetenv("REGIA_ARRAY_INDEX");
        if (rc) goto done;
        snprintf(s.job_file, sizeof s.job_file, "%s", jobfile);
        s.job = job;
        s.profile = regia_job_str(job, "slurm", "profile");
        s.account = regia_job_str(job, "slurm", "account");
        s.partition = regia_job_str(job, "slurm", "partition");
        s.qos = regia_job_str(job, "slurm", "qos");
        s.time = regia_job_str(job, "slurm", "time");
        s.mpi = regia_job_str(job, "slurm", "mpi");
        s.mem = regia_job_str(job, "slurm", "mem");
        s.env_file = regia_job_path(job, "slurm", "env_file");
        s.nodes = (int)regia_job_int(job, "slurm", "nodes");
        s.ranks_per_node = (int)regia_job_int(job, "slurm", "ranks_per_node");
        s.cpus_per_task = (int)regia_job_int(job, "slurm", "cpus_per_task");
        s.max_idle = (int)regia_job_int(job, "slurm", "max_idle_restarts");
        snprintf(s.log_dir, sizeof s.log_dir, "%s", regia_job_path(job, "slurm", "log_dir"));
        stage_to = regia_job_path(job, "slurm", "stage_to");
        const char *base = strrchr(s.job_file, '/');
        snprintf(s.name, sizeof s.name, "%s", base ? base + 1 : s.job_file);
        char *dot = strrchr(s.name, '.');
        if (dot && dot != s.name) *dot = '\0';
        s.n_array = regia_job_list_len(job, "slurm", "array");
    } else {
        s.profile = "booster";
        s.qos = "normal";
        s.time = "00:30:00";
        s.mpi = "pmix";
        s.nodes = 1;
        s.max_idle = 2;
        snprintf(s.log_dir, sizeof s.log_dir, "slurm-logs");
        snprintf(s.name, sizeof s.name, "%s", argv[cmd_at]);
        snprintf(s.job_file, sizeof s.job_file, "(command line)");
        snprintf(ckpt_words, ck_cap, "''");   /* no job file: the checkpoint is not known */
    }
    if (o_profile) s.profile = o_profile;
    if (o_account) s.account = o_account;
    if (o_partition) s.partition = o_partition;
    if (o_qos) s.qos = o_qos;
    if (o_time) s.time = o_time;
    if (o_mem) s.mem = o_mem;
    if (o_nodes) s.nodes = o_nodes;
    if (o_rpn) s.ranks_per_node = o_rpn;
    if (o_cpt) s.cpus_per_task = o_cpt;
    if (o_idle >= 0) s.max_idle = o_idle;
    if (o_logdir) snprintf(s.log_dir, sizeof s.log_dir, "%s", o_logdir);
    if ((rc = check_values(&s))) goto done;
    profile_defaults(&s);
    s.gpus = !strcmp(s.profile, "booster");
    if (!s.env_file && strcmp(s.profile, "local") != 0) {
        static char envf[PATH_MAX + 32];
        snprintf(envf, sizeof envf, "%s/slurm/leonardo.env", s.root);
        s.env_file = envf;
    }
    submit_t pre;
    prestep_settings(&s, job, dom.prestep_cpu_only, &pre);
    if ((rc = check_limits(&s, jobfile ? dom.name : argv[cmd_at]))) goto done;
    if (has_prestep && (rc = check_limits(&pre, "pre-step"))) goto done;
    if (!s.account && strcmp(s.profile, "local") != 0 && !s.dry_run) {
        rc = fail_msg("every Leonardo job needs an account: set [slurm] account or --account (see 'saldo -b')");
        goto done;
    }
    /* a line break cannot be written into an #SBATCH line or the script's comments */
    if (strpbrk(s.job_file, "\r\n") || strpbrk(s.log_dir, "\r\n") || strpbrk(s.name, "\r\n")) {
        rc = fail_msg("the job file or log directory path contains a line break: rename it");
        goto done;
    }
    if (regia_mkdir_p(s.log_dir) != REGIA_OK) { rc = fail_msg("%s", regia_error_msg()); goto done; }
    {
        char *rp = realpath(s.log_dir, NULL);
        if (rp) { snprintf(s.log_dir, sizeof s.log_dir, "%s", rp); free(rp); }
        snprintf(pre.log_dir, sizeof pre.log_dir, "%s", s.log_dir);
    }
    /* the command lines */
    if (jobfile) {
        /* the domain's name is one or more words of the registry ("env", "ingest env"),
         * written as they are; the job file's path is quoted */
        char words[64];
        snprintf(words, sizeof words, "%s", dom.name);
        for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            if (!plain_word(w, "_-")) { rc = fail_msg("domain name '%s' is not plain words", dom.name); goto done; }
            size_t n = strlen(main_cmd.text);
            snprintf(main_cmd.text + n, sizeof main_cmd.text - n, "%s%s", n ? " " : "", w);
        }
        add_word(&main_cmd, s.job_file);
        if (stage_to) {
            char rq[PATH_MAX * 2], q[PATH_MAX * 2];
            shq(rq, sizeof rq, s.regia);
            shq(q, sizeof q, s.job_file);
            snprintf(stage, sizeof stage, "%s stage %s || exit 1   # copy outputs to [slurm] stage_to", rq, q);
        }
    } else {
        for (int i = cmd_at; i < argc; i++) add_word(&main_cmd, argv[i]);
    }
    const char *pub_catalog = job ? regia_job_path(job, "publish", "catalog") : NULL;
    if (pub_catalog) {
        /* regia publish --catalog DIR [--title T] OUTPUT... (every array task's output) */
        const char *pub_title = regia_job_str(job, "publish", "title");
        add_word(&pub_cmd, "publish");
        add_word(&pub_cmd, "--catalog");
        add_word(&pub_cmd, pub_catalog);
        if (pub_title) { add_word(&pub_cmd, "--title"); add_word(&pub_cmd, pub_title); }
        if (!pub_outs.text[0]) {
            rc = fail_msg("%s:%d: [publish] catalog is set, but the job has no [job] output to publish", s.job_file,
                          regia_job_line(job, "publish", "catalog"));
            goto done;
        }
        size_t n = strlen(pub_cmd.text);
        if (n + 1 + strlen(pub_outs.text) >= sizeof pub_cmd.text) pub_cmd.overflow = 1;
        else snprintf(pub_cmd.text + n, sizeof pub_cmd.text - n, " %s", pub_outs.text);
    }
    if (main_cmd.overflow || pre_cmd.overflow || pub_outs.overflow || pub_cmd.overflow) {
        rc = fail_msg("the command line of a step is longer than %d bytes (many or long [ingest] data paths?): "
                      "use fewer, larger files or shorter paths", MAXCMD);
        goto done;
    }
    char script1[PATH_MAX + 64] = "", script2[PATH_MAX + 64], id1[64] = "", id2[64] = "";
    if (has_prestep &&
        (rc = write_script(&pre, "ingest", "regia pre-step (makes the run's input)", pre_cmd.text, "''", ":",
                           script1, sizeof script1)))
        goto done;
    char title[128];
    snprintf(title, sizeof title, "regia %s", jobfile ? dom.name : "command");
    char step[64];
    snprintf(step, sizeof step, "%s", jobfile ? dom.name : argv[cmd_at]);
    for (char *c = step; *c; c++)
        if (*c == ' ') *c = '-'; /* script and log names: "ingest-env" */
    rc = write_script(&s, step, title, main_cmd.text, ckpt_words, stage, script2, sizeof script2);
    if (rc) goto done;
    /* the publish step: serial and small: one task of one core on a CPU partition (as a
     * pre-step that needs no GPU), that core's share of the node's memory, the node shared
     * with other jobs (no --exclusive, also on DCGP) */
    submit_t pub;
    char script3[PATH_MAX + 64] = "", id3[64] = "";
    if (pub_catalog) {
        prestep_settings(&s, job, 1, &pub);
        pub.nodes = 1;
        pub.ranks_per_node = 1;
        pub.cpus_per_task = 1;
        pub.shared = 1;
        pub.mem = NULL;
        profile_defaults(&pub);
        if ((rc = check_limits(&pub, "publish"))) goto done;
        rc = write_script(&pub, "publish", "regia publish (the run's outputs into [publish] catalog)", pub_cmd.text,
                          "''", ":", script3, sizeof script3);
        if (rc) goto done;
    }
    if (has_prestep) {
        if ((rc = run_sbatch(&s, script1, s.after, id1, sizeof id1))) goto done;
        if ((rc = run_sbatch(&s, script2, id1, id2, sizeof id2))) goto done;
        if (s.dry_run)
            printf("dry run: nothing submitted; would submit the pre-step (%s) and the %s job after it (afterok)\n",
                   pre.partition ? pre.partition : "default partition", dom.name);
        else
            printf("submitted ingest job %s and analysis job %s (after %s succeeds)\n", id1, id2, id1);
    } else {
        if ((rc = run_sbatch(&s, script2, s.after, id2, sizeof id2))) goto done;
        if (s.dry_run) printf("dry run: nothing submitted; would submit one job%s\n", s.n_array ? " (array)" : "");
        else printf("submitted job %s%s\n", id2, s.n_array ? " (array)" : "");
    }
    if (pub_catalog) {
        if ((rc = run_sbatch(&s, script3, id2, id3, sizeof id3))) goto done;
        if (s.dry_run) printf("dry run: would submit regia publish into %s after the %s job (afterok)\n", pub_catalog,
                              dom.name);
        else printf("submitted publish job %s (after %s succeeds): into %s\n", id3, id2, pub_catalog);
    }
    if (!s.dry_run)
        printf("logs: %s/%s-*.log; follow with: squeue -j %s; sacct -j %s; tail -f the log\n", s.log_dir, s.name,
               id2, id2);
done:
    regia_job_free(job);
    free(ckpt_words);
    return rc;
}

