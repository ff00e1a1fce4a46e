/* Checkpoints of completed blocks and stop signals (see regia/checkpoint.h).
 *
 * File layout (little-endian, as written by the host):
 *   "REGIACK1" | fingerprint (64 bytes, NUL padded) | int64 n_records |
 *   n x { int64 key | uint64 len | len bytes } | SHA-256 hex of all the above (64 bytes)
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "regia/checkpoint.h"
#include "regia/io.h"

enum { FP_LEN = 64, MAGIC_LEN = 8 };
static const char MAGIC[MAGIC_LEN + 1] = "REGIACK1";

typedef struct {
    int64_t key;
    size_t len;
    unsigned char *data;
} record_t;

typedef struct {
    record_t *r;
    int64_t n, cap;
} recset_t;

struct regia_ckpt {
    char dir[4096];
    char fp[FP_LEN + 1];
    int rank;
    double last_save;         /* monotonic seconds of the last save (or of the open)   */
    recset_t loaded, mine;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static record_t *set_find(const recset_t *s, int64_t key)
{
    for (int64_t i = 0; i < s->n; i++)
        if (s->r[i].key == key) return &s->r[i];
    return NULL;
}

/* Add a copy of a record; `replace` looks for an existing record of the key first. */
static regia_status_t set_put(recset_t *s, int64_t key, const void *data, size_t len, int replace)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for a checkpoint record of %zu bytes", len);
    memcpy(copy, data, len);
    record_t *r = replace ? set_find(s, key) : NULL;
    if (r) {
        free(r->data);
        r->data = copy;
        r->len = len;
        return REGIA_OK;
    }
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 64;
        record_t *nr = realloc(s->r, sizeof *nr * (size_t)cap);
        if (!nr) { free(copy); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for checkpoint records"); }
        s->r = nr;
        s->cap = cap;
    }
    s->r[s->n++] = (record_t){key, len, copy};
    return REGIA_OK;
}

static void set_free(recset_t *s)
{
    for (int64_t i = 0; i < s->n; i++) free(s->r[i].data);
    free(s->r);
    memset(s, 0, sizeof *s);
}

/* Parse one file; 1 = loaded, 0 = another fingerprint, -1 = damaged (ignored). */
static int load_file(regia_ckpt_t *c, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    if (regia_read_file(path, (size_t)1 << 40, &buf, &len) != REGIA_OK) { regia_error_clear(); return -1; }
    int rc = -1;
    char sum[65];
    if (len < MAGIC_LEN + FP_LEN + 8 + 64 || memcmp(buf, MAGIC, MAGIC_LEN) != 0) goto out;
    regia_sha256_buf(buf, len - 64, sum);
    if (memcmp(sum, buf + len - 64, 64) != 0) goto out;
    if (strncmp(buf + MAGIC_LEN, c->fp, FP_LEN) != 0) { rc = 0; goto out; }
    size_t off = MAGIC_LEN + FP_LEN, end = len - 64;
    int64_t n;
    memcpy(&n, buf + off, 8);
    off += 8;
    for (int64_t i = 0; i < n; i++) {
        int64_t key;
        uint64_t rl;
        if (off + 16 > end) goto out;
        memcpy(&key, buf + off, 8);
        memcpy(&rl, buf + off + 8, 8);
        off += 16;
        if (rl > end - off) goto out;
        if (set_put(&c->loaded, key, buf + off, (size_t)rl, 0) != REGIA_OK) goto out;
        off += rl;
    }
    rc = 1;
out:
    free(buf);
    return rc;
}

static int cmp_key(const void *a, const void *b)
{
    int64_t x = ((const record_t *)a)->key, y = ((const record_t *)b)->key;
    return (x > y) - (x < y);
}

static int is_ckpt_name(const char *name)
{
    size_t n = strlen(name);
    return !strncmp(name, "rank-", 5) && n > 10 && !strcmp(name + n - 5, ".ckpt");
}

regia_status_t regia_ckpt_open(regia_ckpt_t **out, const char *dir, const char *fingerprint, int rank, int *stale)
{
    regia_ckpt_t *c = calloc(1, sizeof *c);
    if (!c) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    snprintf(c->fp, sizeof c->fp, "%s", fingerprint);
    c->rank = rank;
    c->last_save = now_s();
    *stale = 0;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!is_ckpt_name(de->d_name)) continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            if (load_file(c, path) == 0) (*stale)++;
        }
        closedir(d);
        qsort(c->loaded.r, (size_t)c->loaded.n, sizeof(record_t), cmp_key);
    } else if (errno != ENOENT) {
        regia_status_t st = REGIA_FAIL(REGIA_ERR_IO, "checkpoint directory %s: %s", dir, strerror(errno));
        free(c);
        return st;
    }
    *out = c;
    return REGIA_OK;
}

const void *regia_ckpt_find(const regia_ckpt_t *c, int64_t key, size_t len)
{
    record_t probe = {key, 0, NULL};
    const record_t *r = c->loaded.n ? bsearch(&probe, c->loaded.r, (size_t)c->loaded.n, sizeof(record_t), cmp_key) : NULL;
    return r && r->len == len ? r->data : NULL;
}

regia_status_t regia_ckpt_add(regia_ckpt_t *c, int64_t key, const void *data, size_t len)
{
    return set_put(&c->mine, key, data, len, 1);
}

int64_t regia_ckpt_count(const regia_ckpt_t *c) { return c->mine.n; }

static size_t parts_len(const regia_ckpt_part_t *parts, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) len += parts[i].len;
    return len;
}

int regia_ckpt_restore(const regia_ckpt_t *c, int64_t key, const regia_ckpt_part_t *parts, int n)
{
    const unsigned char *rec = c ? regia_ckpt_find(c, key, parts_len(parts, n)) : NULL;
    if (!rec) return 0;
    for (int i = 0; i < n; i++) {
        memcpy(parts[i].p, rec, parts[i].len);
        rec += parts[i].len;
    }
    return 1;
}

regia_status_t regia_ckpt_record(regia_ckpt_t *c, int64_t key, const regia_ckpt_part_t *parts, int n)
{
    if (!c) return REGIA_OK;
    size_t len = parts_len(parts, n);
    unsigned char *buf = malloc(len ? len : 1), *b = buf;
    if (!buf) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for a checkpoint record of %zu bytes", len);
    for (int i = 0; i < n; i++) {
        memcpy(b, parts[i].p, parts[i].len);
        b += parts[i].len;
    }
    regia_status_t st = regia_ckpt_add(c, key, buf, len);
    free(buf);
    return st;
}

regia_status_t regia_ckpt_after_block(regia_ckpt_t *c, double interval, int64_t done, int64_t total,
                                      const char *unit)
{
    if (done >= total) return REGIA_OK;
    int sig = regia_signal_pending();
    if (c && (sig || (interval > 0 && now_s() - c->last_save >= interval))) {
        regia_status_t st = regia_ckpt_save(c);
        if (st) return st;
    }
    if (!sig) return REGIA_OK;
    return REGIA_FAIL(REGIA_ERR_INTERRUPTED, "stopped by %s after %lld of this rank's %lld %s",
                      sig == SIGTERM ? "SIGTERM" : "SIGUSR1", (long long)done, (long long)total, unit);
}

regia_status_t regia_ckpt_save(regia_ckpt_t *c)
{
    size_t len = MAGIC_LEN + FP_LEN + 8 + 64;
    for (int64_t i = 0; i < c->mine.n; i++) len += 16 + c->mine.r[i].len;
    unsigned char *buf = malloc(len);
    if (!buf) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for a checkpoint of %zu bytes", len);
    size_t off = 0;
    memcpy(buf, MAGIC, MAGIC_LEN);
    off += MAGIC_LEN;
    memset(buf + off, 0, FP_LEN);
    memcpy(buf + off, c->fp, strlen(c->fp));
    off += FP_LEN;
    memcpy(buf + off, &c->mine.n, 8);
    off += 8;
    for (int64_t i = 0; i < c->mine.n; i++) {
        uint64_t rl = c->mine.r[i].len;
        memcpy(buf + off, &c->mine.r[i].key, 8);
        memcpy(buf + off + 8, &rl, 8);
        memcpy(buf + off + 16, c->mine.r[i].data, rl);
        off += 16 + rl;
    }
    char sum[65];
    regia_sha256_buf(buf, off, sum);
    memcpy(buf + off, sum, 64);
    char path[8192];
    snprintf(path, sizeof path, "%s/rank-%d.ckpt", c->dir, c->rank);
    regia_status_t st = regia_atomic_write(path, buf, len);
    free(buf);
    if (st == REGIA_OK) c->last_save = now_s();
    return st;
}

void regia_ckpt_free(regia_ckpt_t *c)
{
    if (!c) return;
    set_free(&c->loaded);
    set_free(&c->mine);
    free(c);
}

regia_status_t regia_ckpt_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? REGIA_OK : REGIA_FAIL(REGIA_ERR_IO, "checkpoint directory %s: %s", dir, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_ckpt_name(de->d_name)) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    if (rmdir(dir) != 0 && errno != ENOENT)
        return REGIA_FAIL(REGIA_ERR_IO, "cannot remove the checkpoint directory %s: %s", dir, strerror(errno));
    return REGIA_OK;
}

static volatile sig_atomic_t pending_signal = 0;

static void on_signal(int sig) { pending_signal = sig; }

void regia_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int regia_signal_pending(void) { return (int)pending_signal; }
