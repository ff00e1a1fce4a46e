/* Whole-file reads, atomic outputs and SHA-256 (see regia/io.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regia/io.h"

regia_status_t regia_read_file(const char *path, size_t max_bytes, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) return REGIA_FAIL(REGIA_ERR_IO, "%s: is a directory, not a file", path);
    if ((size_t)sb.st_size > max_bytes)
        return REGIA_FAIL(REGIA_ERR_IO, "%s: too large (%lld bytes, at most %zu)", path,
                          (long long)sb.st_size, max_bytes);
    FILE *f = fopen(path, "rb");
    if (!f) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc((size_t)sb.st_size + 1);
    if (!buf) { fclose(f); return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path); }
    size_t n = fread(buf, 1, (size_t)sb.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); return REGIA_FAIL(REGIA_ERR_IO, "%s: read error", path); }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return REGIA_OK;
}

regia_status_t regia_mkdir_p(const char *path)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf) return REGIA_FAIL(REGIA_ERR_INVALID, "directory name too long: %.80s...", path);
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return REGIA_FAIL(REGIA_ERR_IO, "cannot create directory '%s': %s", buf, strerror(errno));
        *p = c;
        if (c == '\0') break;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return REGIA_FAIL(REGIA_ERR_IO, "'%s' exists and is not a directory", path);
    return REGIA_OK;
}

regia_status_t regia_atomic_begin(regia_atomic_t *a, const char *final_path)
{
    if (strlen(final_path) >= sizeof a->final_path)
        return REGIA_FAIL(REGIA_ERR_INVALID, "output path too long: %.80s...", final_path);
    snprintf(a->final_path, sizeof a->final_path, "%s", final_path);
    snprintf(a->tmp_path, sizeof a->tmp_path, "%s.tmp", final_path);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", final_path);
    const char *d = dirname(dir);
    if (access(d, W_OK) != 0)
        return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot write in directory '%s': %s", final_path, d,
                          strerror(errno));
    return REGIA_OK;
}

static regia_status_t fsync_path(const char *path, int dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open for fsync: %s", path, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    /* Some file systems refuse fsync on directories (EINVAL): that is not a failure. */
    if (rc != 0 && !(dir && (e == EINVAL || e == EBADF)))
        return REGIA_FAIL(REGIA_ERR_IO, "%s: fsync failed: %s", path, strerror(e));
    return REGIA_OK;
}

regia_status_t regia_atomic_commit(regia_atomic_t *a)
{
    regia_status_t st = fsync_path(a->tmp_path, 0);
    if (st) return st;
    if (rename(a->tmp_path, a->final_path) != 0)
        return REGIA_FAIL(REGIA_ERR_IO, "cannot rename %s to %s: %s", a->tmp_path, a->final_path,
                          strerror(errno));
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", a->final_path);
    return fsync_path(dirname(dir), 1);
}

void regia_atomic_abort(regia_atomic_t *a)
{
    if (a->tmp_path[0]) unlink(a->tmp_path);
}

regia_status_t regia_atomic_write(const char *path, const void *data, size_t len)
{
    regia_atomic_t a;
    regia_status_t st = regia_atomic_begin(&a, path);
    if (st) return st;
    FILE *f = fopen(a.tmp_path, "wb");
    if (!f) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create: %s", a.tmp_path, strerror(errno));
    size_t n = fwrite(data, 1, len, f);
    int bad = (n != len) | (fclose(f) != 0);
    if (bad) {
        regia_atomic_abort(&a);
        return REGIA_FAIL(REGIA_ERR_IO, "%s: write failed: %s", a.tmp_path, strerror(errno));
    }
    st = regia_atomic_commit(&a);
    if (st) regia_atomic_abort(&a);
    return st;
}

static void to_hex(const unsigned char *md, char hex[65])
{
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
}

void regia_sha256_buf(const void *data, size_t len, char hex[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    to_hex(md, hex);
}

regia_status_t regia_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open for hashing: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    static _Thread_local unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(ctx, buf, n);
    int bad = ferror(f);
    fclose(f);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (bad) return REGIA_FAIL(REGIA_ERR_IO, "%s: read error while hashing", path);
    to_hex(md, hex);
    return REGIA_OK;
}

void regia_sibling_path(const char *output, const char *suffix, char *buf, size_t cap)
{
    size_t n = strlen(output);
    if (n > 3 && !strcmp(output + n - 3, ".nc")) n -= 3;
    snprintf(buf, cap, "%.*s%s", (int)n, output, suffix);
}
