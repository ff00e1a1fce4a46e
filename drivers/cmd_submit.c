/* regia submit JOBFILE | regia submit [options] -- COMMAND ARGS...: batch scripts for SLURM.
 * regia stage JOBFILE: copy a finished job's outputs to [slurm] stage_to.
 *
 * submit fills slurm/templates/regia.sbatch.in from the job file's [slurm] section (or the
 * options) for Leonardo's Booster or DCGP partitions or a local cluster, writes the
 * script(s) into [slurm] log_dir and runs sbatch (or, with --dry-run, prints them and the
 * sbatch commands).  A job file with an [ingest] section becomes a chain: the ingest step
 * first, then the analysis with --dependency=afterok.  [slurm] array makes a job array.
 * Both commands run on one process (a login node); under mpirun only rank 0 works.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driver_impl.h"
#include "regia/io.h"
#include "regia/job.h"

/* Paths here are bounded by PATH_MAX; a longer one is cut and then fails to open, with a
 * message naming it, so gcc's truncation warnings are not useful in this file. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

enum { MAXCMD = 16384 };

typedef struct {
    const char *profile, *account, *partition, *qos, *time, *mpi, *env_file, *after;
    int nodes, ranks_per_node, cpus_per_task, dry_run;
    char log_dir[PATH_MAX], name[256], job_file[PATH_MAX], regia[PATH_MAX], root[PATH_MAX];
    int n_array;
} submit_t;

static void submit_usage(FILE *f)
{
    fprintf(f,
            "usage: regia submit [OPTIONS] JOBFILE\n"
            "       regia submit [OPTIONS] -- COMMAND [ARGS...]     (any regia command, e.g. forecast)\n\n"
            "Writes the sbatch script(s) for a job into its [slurm] log_dir and submits them with sbatch.\n"
            "A job file with an [ingest] section is submitted as two jobs, ingest then analysis\n"
            "(--dependency=afterok); a [slurm] array list makes a job array (%%A_%%a logs).\n"
            "Options override the job file's [slurm] keys:\n"
            "  --profile booster|dcgp|local   Leonardo Booster (4 ranks x 8 cores, --gres=gpu:4 per node),\n"
            "                                 DCGP (8 ranks x 14 cores per node) or a local cluster\n"
            "  --account A       project account (sbatch -A); required on Leonardo\n"
            "  --partition P     partition [boost_usr_prod | dcgp_usr_prod | the cluster's default]\n"
            "  --qos Q           normal | boost_qos_dbg | boost_qos_bprod | boost_qos_lprod (dcgp_qos_*)\n"
            "  --nodes N         nodes (default 1)\n"
            "  --ranks-per-node R, --cpus-per-task C\n"
            "  --time T          wall time [D-]HH:MM:SS (default 00:30:00)\n"
            "  --after JOBID     start after job JOBID succeeded (afterok)\n"
            "  --log-dir DIR     where scripts and logs go (default: [slurm] log_dir, or ./slurm-logs)\n"
            "  --dry-run         print the scripts and sbatch commands; submit nothing\n\n"
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

/* Minutes of a SLURM time string ([D-]HH:MM:SS, HH:MM:SS, MM:SS or MM); -1 if malformed. */
static long minutes_of(const char *t)
{
    long d = 0, h = 0, m = 0, s = 0;
    int n;
    char tail;
    if (sscanf(t, "%ld-%ld:%ld:%ld%c", &d, &h, &m, &s, &tail) == 4) return d * 1440 + h * 60 + m + (s > 0);
    d = 0;
    n = sscanf(t, "%ld:%ld:%ld%c", &h, &m, &s, &tail);
    if (n == 3) return h * 60 + m + (s > 0);
    if (n == 2) return h + (m > 0); /* MM:SS */
    if (n == 1 && sscanf(t, "%ld%c", &m, &tail) == 1) return m;
    return -1;
}

/* Leonardo's QOS rules (DOMAIN.md section 5): reject a request the scheduler would refuse. */
static int check_qos(const submit_t *s)
{
    long min = minutes_of(s->time);
    if (min <= 0) return fail_msg("bad wall time '%s' (expected [D-]HH:MM:SS)", s->time);
    if (!strcmp(s->profile, "local")) return 0;
    const char *p = !strcmp(s->profile, "booster") ? "boost" : "dcgp";
    char dbg[32], bprod[32], lprod[32];
    snprintf(dbg, sizeof dbg, "%s_qos_dbg", p);
    snprintf(bprod, sizeof bprod, "%s_qos_bprod", p);
    snprintf(lprod, sizeof lprod, "%s_qos_lprod", p);
    if (!strcmp(s->qos, "normal")) {
        if (s->nodes > 64) return fail_msg("qos normal allows up to 64 nodes (asked %d): use %s", s->nodes, bprod);
        if (min > 24 * 60) return fail_msg("qos normal allows up to 24 h (asked %s): use %s", s->time, lprod);
    } else if (!strcmp(s->qos, dbg)) {
        if (s->nodes > 2 || min > 30) return fail_msg("qos %s allows 2 nodes and 30 min (asked %d nodes, %s)", dbg, s->nodes, s->time);
    } else if (!strcmp(s->qos, bprod)) {
        if (s->nodes < 65 || s->nodes > 256) return fail_msg("qos %s is for 65-256 nodes (asked %d)", bprod, s->nodes);
        if (min > 24 * 60) return fail_msg("qos %s allows up to 24 h (asked %s)", bprod, s->time);
    } else if (!strcmp(s->qos, lprod)) {
        if (min > 4 * 24 * 60) return fail_msg("qos %s allows up to 4 days (asked %s)", lprod, s->time);
    } else {
        return fail_msg("unknown qos '%s' for the %s profile (normal, %s, %s, %s)", s->qos, s->profile, dbg, bprod, lprod);
    }
    return 0;
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

/* Set when a word did not fit (add_word leaves it out): the command must not be used. */
static int cmd_overflow;

static void add_word(char *cmd, size_t cap, const char *w)
{
    char q[PATH_MAX * 2];
    size_t need = 2;
    for (const char *p = w; *p; p++) need += *p == '\'' ? 4 : 1;
    if (need >= sizeof q || strlen(cmd) + 1 + need >= cap) { cmd_overflow = 1; return; }
    shq(q, sizeof q, w);
    append(cmd, cap, "%s%s", cmd[0] ? " " : "", q);
}

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
static void sbatch_lines(const submit_t *s, const char *step, int gpus, char *out, size_t cap)
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
    if (gpus) append(out, cap, "#SBATCH --gres=gpu:4                # one GPU per rank (a GPU bills as 8 cores)\n");
    if (!strcmp(s->profile, "dcgp")) append(out, cap, "#SBATCH --exclusive\n");
    append(out, cap, "#SBATCH --time=%s\n", s->time);
    if (array) append(out, cap, "#SBATCH --array=0-%d\n", s->n_array - 1);
    append(out, cap, "#SBATCH --output=%s/%%x_%s.log\n", logq, array ? "%A_%a" : "%j");
    append(out, cap, "#SBATCH --open-mode=append\n#SBATCH --requeue\n#SBATCH --signal=B:USR1@120");
}

static int write_script(const submit_t *s, const char *step, const char *title, const char *command, int gpus,
                        const char *stage, char *path, size_t path_cap)
{
    char tpl_path[PATH_MAX], *tpl = NULL;
    size_t tl;
    snprintf(tpl_path, sizeof tpl_path, "%s/slurm/templates/regia.sbatch.in", s->root);
    if (regia_read_file(tpl_path, 1 << 20, &tpl, &tl) != REGIA_OK)
        return fail_msg("cannot read the batch template: %s", regia_error_msg());
    char header[PATH_MAX * 2 + 4096], env_setup[PATH_MAX + 256], date[32], mpi[64];
    sbatch_lines(s, step, gpus, header, sizeof header);
    if (s->env_file) {
        char q[PATH_MAX * 2];
        shq(q, sizeof q, s->env_file);
        snprintf(env_setup, sizeof env_setup, "source %s || exit 1   # modules (prints what is missing)", q);
    } else {
        snprintf(env_setup, sizeof env_setup, "# (no environment file: profile %s)", s->profile);
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char regia_q[PATH_MAX * 2];
    shq(regia_q, sizeof regia_q, s->regia);
    snprintf(mpi, sizeof mpi, "%s", s->mpi);
    const char *kv[] = {"SBATCH", header, "TITLE", title, "JOBFILE", s->job_file, "DATE", date,
                        "ENV_SETUP", env_setup, "MPI", mpi, "REGIA", regia_q, "COMMAND", command,
                        "STAGE", stage, NULL};
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

/* Run sbatch --parsable [--dependency] SCRIPT; the job id goes to id. */
static int run_sbatch(const submit_t *s, const char *script, const char *after, char *id, size_t idcap)
{
    char cmd[MAXCMD] = "";
    add_word(cmd, sizeof cmd, "sbatch");
    add_word(cmd, sizeof cmd, "--parsable");
    if (after) {
        char dep[128];
        snprintf(dep, sizeof dep, "--dependency=afterok:%s", after);
        add_word(cmd, sizeof cmd, dep);
    }
    add_word(cmd, sizeof cmd, script);
    if (s->dry_run) {
        printf("would run: %s\n", cmd);
        snprintf(id, idcap, "%s", after ? "<ID2>" : "<ID1>");
        return 0;
    }
    fflush(stdout);
    FILE *p = popen(cmd, "r");
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

/* The directory this regia's source/installation lives in (for templates and leonardo.env). */
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

static void profile_defaults(submit_t *s)
{
    int booster = !strcmp(s->profile, "booster"), dcgp = !strcmp(s->profile, "dcgp");
    if (!s->partition && booster) s->partition = "boost_usr_prod";
    if (!s->partition && dcgp) s->partition = "dcgp_usr_prod";
    if (!s->ranks_per_node) s->ranks_per_node = booster ? 4 : dcgp ? 8 : 2;
    if (!s->cpus_per_task) s->cpus_per_task = booster ? 8 : dcgp ? 14 : 1;
}

int regia_cmd_submit(regia_ctx_t *ctx, int argc, char **argv)
{
    if (ctx->rank != 0) return REGIA_EXIT_OK;
    submit_t s;
    memset(&s, 0, sizeof s);
    const char *o_profile = NULL, *o_account = NULL, *o_partition = NULL, *o_qos = NULL, *o_time = NULL,
               *o_logdir = NULL;
    int o_nodes = 0, o_rpn = 0, o_cpt = 0, cmd_at = 0;
    const char *jobfile = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { submit_usage(stdout); return REGIA_EXIT_OK; }
        if (!strcmp(a, "--dry-run")) { s.dry_run = 1; continue; }
        if (!strcmp(a, "--")) { cmd_at = i + 1; break; }
        const char **str = !strcmp(a, "--profile") ? &o_profile : !strcmp(a, "--account") ? &o_account
                         : !strcmp(a, "--partition") ? &o_partition : !strcmp(a, "--qos") ? &o_qos
                         : !strcmp(a, "--time") ? &o_time : !strcmp(a, "--after") ? &s.after
                         : !strcmp(a, "--log-dir") ? &o_logdir : NULL;
        int *num = !strcmp(a, "--nodes") ? &o_nodes : !strcmp(a, "--ranks-per-node") ? &o_rpn
                 : !strcmp(a, "--cpus-per-task") ? &o_cpt : NULL;
        if (str || num) {
            if (i + 1 >= argc) return regia_usage_error(ctx, "submit", "%s needs a value", a);
            const char *v = argv[++i];
            if (str) { *str = v; continue; }
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 100000)
                return regia_usage_error(ctx, "submit", "%s: '%s' is not a positive whole number", a, v);
            *num = (int)n;
            continue;
        }
        if (a[0] == '-') return regia_usage_error(ctx, "submit", "unknown option '%s'", a);
        if (jobfile) return regia_usage_error(ctx, "submit", "one JOBFILE only (got '%s' and '%s')", jobfile, a);
        jobfile = a;
    }
    if (!jobfile == !cmd_at || (cmd_at && cmd_at >= argc))
        return regia_usage_error(ctx, "submit", "expected a JOBFILE, or -- COMMAND ARGS");
    if (o_profile && strcmp(o_profile, "booster") && strcmp(o_profile, "dcgp") && strcmp(o_profile, "local"))
        return regia_usage_error(ctx, "submit", "--profile must be booster, dcgp or local (got '%s')", o_profile);
    find_root(&s);

    regia_job_t *job = NULL;
    int has_ingest = 0;
    char input[PATH_MAX] = "", ingest_cmd[MAXCMD] = "", main_cmd[MAXCMD] = "", stage[PATH_MAX * 3] = ":";
    const char *stage_to = NULL;
    char jobreal[PATH_MAX];
    if (jobfile) {
        /* an absolute job path: relative paths in it then resolve to absolute ones, which the
         * batch script (started in another directory) needs */
        char *rp = realpath(jobfile, NULL);
        if (!rp) return fail_msg("job file %s: %s", jobfile, strerror(errno));
        snprintf(jobreal, sizeof jobreal, "%s", rp);
        free(rp);
        jobfile = jobreal;
        /* Validate the job for array task 0 .. n-1: every {array} value must expand. */
        setenv("REGIA_ARRAY_INDEX", "0", 1);
        if (regia_job_load(jobfile, regia_env_schema, MPI_COMM_SELF, &job) != REGIA_OK)
            return fail_msg("%s", regia_error_msg());
        s.n_array = regia_job_list_len(job, "slurm", "array");
        for (int t = 1; t < s.n_array; t++) {
            char idx[16];
            snprintf(idx, sizeof idx, "%d", t);
            setenv("REGIA_ARRAY_INDEX", idx, 1);
            regia_job_t *jt = NULL;
            if (regia_job_load(jobfile, regia_env_schema, MPI_COMM_SELF, &jt) != REGIA_OK) {
                regia_job_free(job);
                return fail_msg("array task %d: %s", t, regia_error_msg());
            }
            /* one ingest step serves the whole array: its output must not depend on {array} */
            int ingest = regia_job_has(jt, "ingest", "registry") || regia_job_list_len(jt, "ingest", "data") > 0;
            const char *in0 = regia_job_path(job, "input", "file"), *in1 = regia_job_path(jt, "input", "file");
            if (ingest && in0 && in1 && strcmp(in0, in1) != 0) {
                int line = regia_job_line(jt, "input", "file");
                regia_job_free(jt);
                regia_job_free(job);
                return fail_msg("%s:%d: [input] file differs between array tasks (%s); an [ingest] step makes one "
                                "input for the whole array: ingest each input separately or drop {array} there",
                                jobfile, line, "uses {array} or a variable");
            }
            regia_job_free(jt);
        }
        unsetenv("REGIA_ARRAY_INDEX");
        snprintf(s.job_file, sizeof s.job_file, "%s", jobfile);
        s.profile = regia_job_str(job, "slurm", "profile");
        s.account = regia_job_str(job, "slurm", "account");
        s.partition = regia_job_str(job, "slurm", "partition");
        s.qos = regia_job_str(job, "slurm", "qos");
        s.time = regia_job_str(job, "slurm", "time");
        s.mpi = regia_job_str(job, "slurm", "mpi");
        s.env_file = regia_job_path(job, "slurm", "env_file");
        s.nodes = (int)regia_job_int(job, "slurm", "nodes");
        s.ranks_per_node = (int)regia_job_int(job, "slurm", "ranks_per_node");
        s.cpus_per_task = (int)regia_job_int(job, "slurm", "cpus_per_task");
        snprintf(s.log_dir, sizeof s.log_dir, "%s", regia_job_path(job, "slurm", "log_dir"));
        stage_to = regia_job_path(job, "slurm", "stage_to");
        const char *base = strrchr(s.job_file, '/');
        snprintf(s.name, sizeof s.name, "%s", base ? base + 1 : s.job_file);
        char *dot = strrchr(s.name, '.');
        if (dot && dot != s.name) *dot = '\0';
        has_ingest = regia_job_has(job, "ingest", "registry") || regia_job_list_len(job, "ingest", "data") > 0;
        snprintf(input, sizeof input, "%s", regia_job_path(job, "input", "file"));
    } else {
        s.profile = "booster";
        s.qos = "normal";
        s.time = "00:30:00";
        s.mpi = "pmix";
        s.nodes = 1;
        snprintf(s.log_dir, sizeof s.log_dir, "slurm-logs");
        snprintf(s.name, sizeof s.name, "%s", argv[cmd_at]);
        snprintf(s.job_file, sizeof s.job_file, "(command line)");
    }
    if (o_profile) s.profile = o_profile;
    if (o_account) s.account = o_account;
    if (o_partition) s.partition = o_partition;
    if (o_qos) s.qos = o_qos;
    if (o_time) s.time = o_time;
    if (o_nodes) s.nodes = o_nodes;
    if (o_rpn) s.ranks_per_node = o_rpn;
    if (o_cpt) s.cpus_per_task = o_cpt;
    if (o_logdir) snprintf(s.log_dir, sizeof s.log_dir, "%s", o_logdir);
    profile_defaults(&s);
    int rc = 0;
    if (!s.env_file && strcmp(s.profile, "local") != 0) {
        static char envf[PATH_MAX + 32];
        snprintf(envf, sizeof envf, "%s/slurm/leonardo.env", s.root);
        s.env_file = envf;
    }
    if (check_qos(&s)) { rc = REGIA_EXIT_FAIL; goto done; }
    if (!s.account && strcmp(s.profile, "local") != 0 && !s.dry_run) {
        rc = fail_msg("every Leonardo job needs an account: set [slurm] account or --account (see 'saldo -b')");
        goto done;
    }
    if (regia_mkdir_p(s.log_dir) != REGIA_OK) { rc = fail_msg("%s", regia_error_msg()); goto done; }
    {
        char *rp = realpath(s.log_dir, NULL);
        if (rp) { snprintf(s.log_dir, sizeof s.log_dir, "%s", rp); free(rp); }
    }
    /* a line break cannot be written into an #SBATCH line or the script's comments */
    if (strpbrk(s.job_file, "\r\n") || strpbrk(s.log_dir, "\r\n") || strpbrk(s.name, "\r\n")) {
        rc = fail_msg("the job file or log directory path contains a line break: rename it");
        goto done;
    }
    /* the command lines */
    if (jobfile) {
        snprintf(main_cmd, sizeof main_cmd, "env ");
        char q[PATH_MAX * 2];
        shq(q, sizeof q, s.job_file);
        strncat(main_cmd, q, sizeof main_cmd - strlen(main_cmd) - 1);
        if (stage_to) {
            char rq[PATH_MAX * 2];
            shq(rq, sizeof rq, s.regia);
            snprintf(stage, sizeof stage, "%s stage %s || exit 1   # copy outputs to [slurm] stage_to", rq, q);
        }
        if (has_ingest) {
            if (!regia_job_has(job, "ingest", "registry") || regia_job_list_len(job, "ingest", "data") == 0) {
                rc = fail_msg("%s:%d: [ingest] needs both 'registry' and 'data'", s.job_file,
                              regia_job_line(job, "ingest", regia_job_has(job, "ingest", "registry") ? "registry" : "data"));
                goto done;
            }
            add_word(ingest_cmd, sizeof ingest_cmd, "ingest");
            add_word(ingest_cmd, sizeof ingest_cmd, "env");
            add_word(ingest_cmd, sizeof ingest_cmd, "--registry");
            add_word(ingest_cmd, sizeof ingest_cmd, regia_job_path(job, "ingest", "registry"));
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s", s.job_file);
            char *sl = strrchr(dir, '/');
            if (sl) *sl = '\0';
            for (int i = 0; i < regia_job_list_len(job, "ingest", "data"); i++) {
                const char *d = regia_job_list_item(job, "ingest", "data", i);
                char full[PATH_MAX * 2];
                snprintf(full, sizeof full, "%s%s%s", d[0] == '/' ? "" : dir, d[0] == '/' ? "" : "/", d);
                add_word(ingest_cmd, sizeof ingest_cmd, "--data");
                add_word(ingest_cmd, sizeof ingest_cmd, full);
            }
            add_word(ingest_cmd, sizeof ingest_cmd, "--output");
            add_word(ingest_cmd, sizeof ingest_cmd, input);
            char off[16];
            snprintf(off, sizeof off, "%d", (int)regia_job_int(job, "ingest", "utc_offset"));
            add_word(ingest_cmd, sizeof ingest_cmd, "--utc-offset");
            add_word(ingest_cmd, sizeof ingest_cmd, off);
        }
    } else {
        for (int i = cmd_at; i < argc; i++) add_word(main_cmd, sizeof main_cmd, argv[i]);
    }
    if (cmd_overflow) {
        rc = fail_msg("the command line of a step is longer than %d bytes (many or long [ingest] data paths?): "
                      "use fewer, larger files or shorter paths", MAXCMD);
        goto done;
    }
    int gpus = !strcmp(s.profile, "booster");
    char script1[PATH_MAX + 64] = "", script2[PATH_MAX + 64], id1[64] = "", id2[64] = "";
    if (has_ingest) {
        int arr = s.n_array;
        s.n_array = 0; /* one ingest for the whole array */
        rc = write_script(&s, "ingest", "regia ingest step (makes the analysis input)", ingest_cmd, 0, ":", script1,
                          sizeof script1);
        s.n_array = arr;
        if (rc) goto done;
    }
    rc = write_script(&s, jobfile ? "env" : argv[cmd_at], jobfile ? "regia environmental analysis" : "regia command",
                      main_cmd, gpus, stage, script2, sizeof script2);
    if (rc) goto done;
    if (has_ingest) {
        if ((rc = run_sbatch(&s, script1, s.after, id1, sizeof id1))) goto done;
        if ((rc = run_sbatch(&s, script2, id1, id2, sizeof id2))) goto done;
        printf("submitted ingest job %s and analysis job %s (after %s succeeds)\n", id1, id2, id1);
    } else {
        if ((rc = run_sbatch(&s, script2, s.after, id2, sizeof id2))) goto done;
        printf("submitted job %s%s\n", id2, s.n_array ? " (array)" : "");
    }
    printf("logs: %s/%s-*.log; follow with: squeue -j %s; sacct -j %s; tail -f the log\n", s.log_dir, s.name,
           id2, id2);
done:
    regia_job_free(job);
    return rc;
}

/* ---- regia stage JOBFILE --------------------------------------------------------------- */

static int copy_checked(const char *src, const char *dir)
{
    char *data = NULL, dst[PATH_MAX * 2], a[65], b[65];
    size_t len = 0;
    const char *base = strrchr(src, '/');
    base = base ? base + 1 : src;
    snprintf(dst, sizeof dst, "%s/%s", dir, base);
    if (regia_read_file(src, (size_t)1 << 40, &data, &len) != REGIA_OK) return fail_msg("stage: %s", regia_error_msg());
    regia_sha256_buf(data, len, a);
    regia_status_t st = regia_atomic_write(dst, data, len);
    free(data);
    if (st) return fail_msg("stage: %s", regia_error_msg());
    if (regia_sha256_file(dst, b) != REGIA_OK || strcmp(a, b) != 0)
        return fail_msg("stage: %s: checksum differs after the copy", dst);
    printf("regia stage: %s -> %s (sha256 %.16s...)\n", src, dst, a);
    return 0;
}

int regia_cmd_stage(regia_ctx_t *ctx, int argc, char **argv)
{
    if (ctx->rank != 0) return REGIA_EXIT_OK;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: regia stage JOBFILE\n\nCopies the job's output and its manifest into [slurm] stage_to (e.g.\n"
               "$WORK or $PUBLIC; outputs on $CINECA_SCRATCH are purged after 40 days), atomically, and checks\n"
               "the SHA-256 of each copy.  Array tasks copy their own outputs ($SLURM_ARRAY_TASK_ID).\n");
        return REGIA_EXIT_OK;
    }
    if (argc != 2) return regia_usage_error(ctx, "stage", "expected exactly one JOBFILE");
    regia_job_t *job = NULL;
    if (regia_job_load(argv[1], regia_env_schema, MPI_COMM_SELF, &job) != REGIA_OK)
        return fail_msg("%s", regia_error_msg());
    int rc = 0;
    const char *dir = regia_job_path(job, "slurm", "stage_to"), *out = regia_job_path(job, "job", "output");
    if (!dir) { rc = fail_msg("%s: no [slurm] stage_to", argv[1]); goto done; }
    if (regia_mkdir_p(dir) != REGIA_OK) { rc = fail_msg("stage: %s", regia_error_msg()); goto done; }
    char manifest[PATH_MAX + 32];
    regia_sibling_path(out, ".manifest.json", manifest, sizeof manifest);
    rc = copy_checked(out, dir);
    if (!rc) rc = copy_checked(manifest, dir);
done:
    regia_job_free(job);
    return rc;
}
