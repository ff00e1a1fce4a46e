/* Atomic outputs, directories and sibling names (see regia/io.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regia/io.h"

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

/* What is under the final name now (to tell, at commit, whether another run replaced it). */
static void note_final(const char *path, int *exists, unsigned long long id[3])
{
    struct stat sb;
    *exists = stat(path, &sb) == 0;
    id[0] = *exists ? (unsigned long long)sb.st_dev : 0;
    id[1] = *exists ? (unsigned long long)sb.st_ino : 0;
    id[2] = *exists ? (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull + (unsigned long long)sb.st_mtim.tv_nsec : 0;
}

regia_status_t regia_atomic_begin(regia_atomic_t *a, const char *final_path)
{
    return regia_atomic_begin_as(a, final_path, NULL);
}

regia_status_t regia_atomic_begin_as(regia_atomic_t *a, const char *final_path, const char *token)
{
    memset(a, 0, sizeof *a);
    if (strlen(final_path) >= sizeof a->final_path)
        return REGIA_FAIL(REGIA_ERR_INVALID, "output path too long: %.80s...", final_path);
    snprintf(a->final_path, sizeof a->final_path, "%s", final_path);
    if (token && *token) snprintf(a->tmp_path, sizeof a->tmp_path, "%s.%.40s.tmp", final_path, token);
    else snprintf(a->tmp_path, sizeof a->tmp_path, "%s.tmp", final_path);
    {   /* replace an earlier output, never a link, FIFO, device or directory of that name */
        struct stat sb;
        if (lstat(final_path, &sb) == 0 && !S_ISREG(sb.st_mode))
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s exists and is not a regular file (%s): regia will not replace it; "
                              "name another output", final_path,
                              S_ISLNK(sb.st_mode) ? "a symbolic link" : S_ISDIR(sb.st_mode) ? "a directory"
                              : S_ISFIFO(sb.st_mode) ? "a FIFO" : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device"
                                                                                                        : "a socket");
    }
    note_final(final_path, &a->existed, a->final_id);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", final_path);
    const char *d = dirname(dir);
    struct stat ds;
    if (stat(d, &ds) == 0 && !S_ISDIR(ds.st_mode))
        return REGIA_FAIL(REGIA_ERR_IO, "%s: '%s' is not a directory", final_path, d);
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
    int now_exists;
    unsigned long long id[3];
    note_final(a->final_path, &now_exists, id);
    a->replaced_other = now_exists && (!a->existed || memcmp(id, a->final_id, sizeof id) != 0);
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

void regia_sibling_path(const char *output, const char *suffix, char *buf, size_t cap)
{
    size_t n = strlen(output);
    if (n > 3 && !strcmp(output + n - 3, ".nc")) n -= 3;
    snprintf(buf, cap, "%.*s%s", (int)n, output, suffix);
}

regia_status_t regia_read_at(int fd, const char *path, char *buf, size_t n, int64_t off, size_t *got)
{
    size_t k = 0;
    while (k < n) {
        ssize_t r = pread(fd, buf + k, n - k, (off_t)(off + (int64_t)k));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0)
            return REGIA_FAIL(REGIA_ERR_IO, "%s: read error at byte %lld: %s", path, (long long)(off + (int64_t)k),
                              strerror(errno));
        if (r == 0) break;
        k += (size_t)r;
    }
    *got = k;
    return REGIA_OK;
}

regia_status_t regia_align_line(int fd, const char *path, int64_t size, int64_t pos, int64_t *out)
{
    char b[1 << 16];
    int64_t p = pos - 1;
    while (p < size) {
        size_t got = 0;
        regia_status_t st = regia_read_at(fd, path, b, sizeof b, p, &got);
        if (st) return st;
        if (!got) break;
        char *e = memchr(b, '\n', got);
        if (e) { *out = p + (e - b) + 1; return REGIA_OK; }
        p += (int64_t)got;
    }
    *out = size;
    return REGIA_OK;
}

int regia_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int regia_in_dir(const char *path, const char *dir)
{
    struct stat sd, sp;
    char parent[4096];
    if (!path || !dir || stat(dir, &sd) != 0 || !S_ISDIR(sd.st_mode)) return 0;
    const char *slash = strrchr(path, '/');
    if (!slash) {
        parent[0] = '.';
        parent[1] = 0;
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0) n = 1; /* "/x": the root */
        if (n >= sizeof parent) return 0;
        memcpy(parent, path, n);
        parent[n] = 0;
    }
    if (stat(parent, &sp) != 0) return 0;
    return sp.st_dev == sd.st_dev && sp.st_ino == sd.st_ino;
}
