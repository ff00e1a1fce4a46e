/* regia stage JOBFILE: copy a finished job's outputs to [slurm] stage_to (e.g. $WORK or
 * $PUBLIC: Leonardo purges $CINECA_SCRATCH files after 40 days).
 *
 * What is copied is what the run's manifest (OUTPUT.manifest.json) lists under "outputs":
 * the output, every extra output of the domain (the sensors' detail HDF5, a model file, a
 * rejects CSV ...) and the products directory OUTPUT_STEM.products/, then the manifest
 * itself, last, so a staged manifest means that everything it lists is staged.  The
 * manifest names files by name only (no machine path): an extra output is found under the
 * job file's path value with that name (e.g. [job] detail), else beside the output.
 * Every file is streamed through SHA-256 into a temporary name in stage_to, renamed over
 * the final name (regia_atomic_*), and must have the SHA-256 the manifest records: a file
 * changed since the run is refused, naming both digests.  A manifest written by another
 * job file (its job_sha256) is refused.  Rank 0 only; no MPI. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "driver_impl.h"
#include "products_impl.h"
#include "regia/io.h"
#include "regia/job.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

static int fail_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "regia stage: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return REGIA_EXIT_FAIL;
}

/* Copy src to dir/NAME (NAME: src's file name) through a temporary file, hashing the bytes
 * as they pass; the copy is committed only when that digest equals `expect` (the manifest's;
 * NULL: any) and the written file hashes the same. */
static int copy_checked(const char *src, const char *dir, const char *expect)
{
    char dst[PATH_MAX * 2], a[65], b[65];
    snprintf(dst, sizeof dst, "%s/%s", dir, regia_file_name(src));
    regia_atomic_t at;
    if (regia_atomic_begin(&at, dst) != REGIA_OK) return fail_msg("%s", regia_error_msg());
    FILE *in = fopen(src, "rb"), *out = in ? fopen(at.tmp_path, "wb") : NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char *buf = malloc((size_t)1 << 20);
    int rc = 0;
    if (!in) rc = fail_msg("cannot read %s: %s", src, strerror(errno));
    else if (!out) rc = fail_msg("cannot write %s: %s", at.tmp_path, strerror(errno));
    else if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) rc = fail_msg("out of memory");
    size_t n;
    while (!rc && (n = fread(buf, 1, (size_t)1 << 20, in)) > 0) {
        if (!EVP_DigestUpdate(md, buf, n)) rc = fail_msg("SHA-256 of %s failed", src);
        else if (fwrite(buf, 1, n, out) != n) rc = fail_msg("cannot write %s: %s", at.tmp_path, strerror(errno));
    }
    if (!rc && ferror(in)) rc = fail_msg("cannot read %s: %s", src, strerror(errno));
    if (out && fclose(out) != 0 && !rc) rc = fail_msg("cannot write %s: %s", at.tmp_path, strerror(errno));
    if (in) fclose(in);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (!rc && !EVP_DigestFinal_ex(md, d, &dl)) rc = fail_msg("SHA-256 of %s failed", src);
    for (unsigned int k = 0; !rc && k < dl && k < 32; k++) snprintf(a + 2 * k, 3, "%02x", d[k]);
    if (!rc && expect && strcmp(a, expect) != 0)
        rc = fail_msg("%s has sha256 %.16s..., but the run's manifest records %.16s...: the file changed "
                      "after the run (not staged; rerun the job or restore the file)", src, a, expect);
    if (!rc && (regia_sha256_file(at.tmp_path, b) != REGIA_OK || strcmp(a, b) != 0))
        rc = fail_msg("%s: checksum differs after the copy", at.tmp_path);
    if (!rc && regia_atomic_commit(&at) != REGIA_OK) rc = fail_msg("%s", regia_error_msg());
    if (rc) regia_atomic_abort(&at);
    else printf("regia stage: %s -> %s (sha256 %.16s...)\n", src, dst, a);
    EVP_MD_CTX_free(md);
    free(buf);
    return rc;
}

/* The manifest's "outputs" entry whose path is `path`, or NULL. */
static json_t *manifest_entry(json_t *outputs, const char *path)
{
    size_t k;
    json_t *e;
    json_array_foreach(outputs, k, e) {
        const char *p = json_string_value(json_object_get(e, "path"));
        if (p && !strcmp(p, path)) return e;
    }
    return NULL;
}

/* The products directory beside the output (OUT.products/, issue 12), if any, copied file
 * by file into DIR/OUT.products through a temporary directory renamed over an older one.
 * Files the manifest lists must have its SHA-256, and every listed product must exist. */
static int copy_products(const char *out, const char *dir, json_t *outputs)
{
    char src[PATH_MAX], dst[PATH_MAX + 320], tmp[PATH_MAX + 400], path[PATH_MAX + 300], rel[600];
    struct stat sb;
    regia_sibling_path(out, ".products", src, sizeof src);
    const char *pname = regia_file_name(src);
    size_t plen = strlen(pname);
    size_t k;
    json_t *e;
    json_array_foreach(outputs, k, e) { /* every product the manifest lists must be there */
        const char *p = json_string_value(json_object_get(e, "path"));
        if (!p || strncmp(p, pname, plen) != 0 || p[plen] != '/') continue;
        snprintf(path, sizeof path, "%s/%s", src, p + plen + 1);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            return fail_msg("the manifest lists %s, but %s is missing (not staged)", p, path);
    }
    if (stat(src, &sb) != 0 || !S_ISDIR(sb.st_mode)) return 0;
    snprintf(dst, sizeof dst, "%s/%.255s", dir, pname);
    snprintf(tmp, sizeof tmp, "%s.tmp-stage-%ld", dst, (long)getpid());
    if (regia_products_rmtree(tmp) != REGIA_OK) return fail_msg("%s", regia_error_msg());
    if (mkdir(tmp, 0777) != 0) return fail_msg("cannot create %s: %s", tmp, strerror(errno));
    DIR *d = opendir(src);
    int rc = d ? 0 : fail_msg("cannot read %s: %s", src, strerror(errno));
    struct dirent *de;
    while (!rc && (de = readdir(d))) {
        snprintf(path, sizeof path, "%s/%.255s", src, de->d_name);
        if (de->d_name[0] == '.' || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
        snprintf(rel, sizeof rel, "%s/%.255s", pname, de->d_name);
        json_t *me = manifest_entry(outputs, rel);
        rc = copy_checked(path, tmp, me ? json_string_value(json_object_get(me, "sha256")) : NULL);
    }
    if (d) closedir(d);
    if (!rc && regia_products_rmtree(dst) != REGIA_OK) rc = fail_msg("%s", regia_error_msg());
    if (!rc && rename(tmp, dst) != 0) rc = fail_msg("cannot rename %s to %s: %s", tmp, dst, strerror(errno));
    if (rc && regia_products_rmtree(tmp) != REGIA_OK) regia_error_clear();
    return rc;
}

/* Where the output `name` (a plain file name from the manifest) lies: the output itself,
 * the value of a path key of the job with that file name ([job] detail ...), or beside the
 * output.  0, or a message naming where it was looked for. */
static int find_output(const char *name, const char *out, const regia_job_t *job, const regia_job_key_t *schema,
                       char *buf, size_t cap)
{
    struct stat sb;
    if (!strcmp(name, regia_file_name(out))) {
        snprintf(buf, cap, "%s", out);
        return 0;
    }
    for (const regia_job_key_t *k = schema; k && k->key; k++) {
        if (k->type != REGIA_KEY_PATH || !regia_job_has(job, k->section, k->key)) continue;
        const char *v = regia_job_path(job, k->section, k->key);
        if (v && !strcmp(regia_file_name(v), name) && stat(v, &sb) == 0 && S_ISREG(sb.st_mode)) {
            snprintf(buf, cap, "%s", v);
            return 0;
        }
    }
    const char *base = regia_file_name(out);
    snprintf(buf, cap, "%.*s%s", (int)(base - out), out, name);
    if (stat(buf, &sb) == 0 && S_ISREG(sb.st_mode)) return 0;
    return fail_msg("the run's manifest lists the output %s, but it is neither under a path key of the job file nor "
                    "at %s (not staged)", name, buf);
}

int regia_cmd_stage(regia_ctx_t *ctx, int argc, char **argv)
{
    if (ctx->rank != 0) return REGIA_EXIT_OK;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: regia stage JOBFILE\n\n"
               "Copies what the job's manifest lists as its outputs (the output, extra outputs such as the\n"
               "sensors' detail file, the products directory) and then the manifest into [slurm] stage_to\n"
               "(e.g. $WORK or $PUBLIC; outputs on $CINECA_SCRATCH are purged after 40 days), each file\n"
               "atomically and checked against the SHA-256 the manifest records.  Array tasks copy their own\n"
               "outputs ($SLURM_ARRAY_TASK_ID).  An output whose manifest records another job file (its\n"
               "job_sha256), or a file changed since the run, is refused.\n");
        return REGIA_EXIT_OK;
    }
    if (argc != 2) return regia_usage_error(ctx, "stage", "expected exactly one JOBFILE");
    const regia_domain_t *dom = regia_domain_of_jobfile(argv[1]);
    const regia_job_key_t *schema = dom ? regia_domain_schema(dom) : NULL;
    regia_job_t *job = NULL;
    if (!dom || regia_job_load(argv[1], schema, MPI_COMM_SELF, &job) != REGIA_OK)
        return fail_msg("%s", regia_error_msg());
    int rc = 0;
    json_t *man = NULL;
    const char *dir = regia_job_path(job, "slurm", "stage_to"), *out = regia_job_path(job, "job", "output");
    char manifest[PATH_MAX + 32], src[PATH_MAX * 2];
    regia_sibling_path(out, ".manifest.json", manifest, sizeof manifest);
    json_error_t jerr;
    if (!dir) {
        rc = fail_msg("%s: no [slurm] stage_to", argv[1]);
        goto done;
    }
    if (!(man = json_load_file(manifest, 0, &jerr))) {
        rc = fail_msg("cannot read the run's manifest %s: %s (line %d)", manifest, jerr.text, jerr.line);
        goto done;
    }
    const char *sha = json_string_value(json_object_get(man, "job_sha256"));
    json_t *outputs = json_object_get(man, "outputs");
    if (!sha) {
        rc = fail_msg("%s records no job file (a run from command-line options?): not the output of %s", manifest,
                      argv[1]);
    } else if (strcmp(sha, regia_job_sha256(job)) != 0) {
        const char *name = json_string_value(json_object_get(man, "job_file"));
        rc = fail_msg("%s was written by job file %s (sha256 %.16s...), not by %s (sha256 %.16s...): refusing to "
                      "stage another job's output", manifest, name ? name : "(no name)", sha, argv[1],
                      regia_job_sha256(job));
    } else if (!json_is_array(outputs) || json_array_size(outputs) == 0) {
        rc = fail_msg("%s lists no outputs (a run that failed?): nothing to stage", manifest);
    }
    if (rc) goto done;
    if (regia_mkdir_p(dir) != REGIA_OK) {
        rc = fail_msg("%s", regia_error_msg());
        goto done;
    }
    size_t k;
    json_t *e;
    json_array_foreach(outputs, k, e) { /* the output and the extra outputs: plain names */
        const char *p = json_string_value(json_object_get(e, "path"));
        const char *s = json_string_value(json_object_get(e, "sha256"));
        if (!p || !s) {
            rc = fail_msg("%s: output entry %zu has no path or sha256", manifest, k + 1);
            break;
        }
        if (strchr(p, '/')) continue; /* a product: copy_products */
        if ((rc = find_output(p, out, job, schema, src, sizeof src)) || (rc = copy_checked(src, dir, s))) break;
    }
    if (!rc) rc = copy_products(out, dir, outputs);
    if (!rc) rc = copy_checked(manifest, dir, NULL);
done:
    json_decref(man);
    regia_job_free(job);
    return rc;
}
