/* Checkpoints of completed items (see regia/checkpoint.h).
 *
 * File layout (little-endian, as written by the host):
 *   "REGIACK2" | fingerprint (64 bytes, NUL padded) | int64 i0 | int64 i1 | int64 n_records |
 *   n x { int64 first | int64 n_items | uint64 len | len bytes } | SHA-256 hex of all the above
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "regia/checkpoint.h"
#include "regia/io.h"
#include "regia/signals.h"

enum { FP_LEN = 64, MAGIC_LEN = 8, HEAD_LEN = MAGIC_LEN + FP_LEN + 24, SUM_LEN = 64 };
static const char MAGIC[MAGIC_LEN + 1] = "REGIACK2";

typedef struct {
    int64_t first, n;
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
    int64_t i0, i1;
    double last_save;         /* monotonic seconds of the last save (or of the open)   */
    char save_path[8192];     /* where this rank's set goes (chosen at open)           */
    recset_t loaded, mine;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Add a record, taking ownership of data; `replace`: a record with the same first item
 * is replaced. */
static regia_status_t set_put(recset_t *s, int64_t first, int64_t n, unsigned char *data, size_t len, int replace)
{
    for (int64_t i = 0; replace && i < s->n; i++)
        if (s->r[i].first == first) {
            free(s->r[i].data);
            s->r[i] = (record_t){first, n, len, data};
            return REGIA_OK;
        }
    if (s->n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 64;
        record_t *nr = realloc(s->r, sizeof *nr * (size_t)cap);
        if (!nr) { free(data); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for checkpoint records"); }
        s->r = nr;
        s->cap = cap;
    }
    s->r[s->n++] = (record_t){first, n, len, data};
    return REGIA_OK;
}

static void set_free(recset_t *s)
{
    for (int64_t i = 0; i < s->n; i++) free(s->r[i].data);
    free(s->r);
    memset(s, 0, sizeof *s);
}

/* The header of a checkpoint file: 1 = intact REGIACK2 file (fingerprint and range
 * filled), 0 = not one (damaged, truncated, other format). */
static int read_header(const char *path, char fp[FP_LEN + 1], int64_t *i0, int64_t *i1)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    unsigned char h[HEAD_LEN];
    int ok = fread(h, 1, HEAD_LEN, f) == HEAD_LEN && !memcmp(h, MAGIC, MAGIC_LEN);
    fclose(f);
    if (!ok) return 0;
    memcpy(fp, h + MAGIC_LEN, FP_LEN);
    fp[FP_LEN] = '\0';
    memcpy(i0, h + MAGIC_LEN + FP_LEN, 8);
    memcpy(i1, h + MAGIC_LEN + FP_LEN + 8, 8);
    return 1;
}

/* Load the records of one file of our fingerprint; a damaged file loads nothing. */
static void load_file(regia_ckpt_t *c, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    if (regia_read_file(path, (size_t)1 << 40, &buf, &len) != REGIA_OK) { regia_error_clear(); return; }
    char sum[65];
    int64_t n = 0;
    if (len < HEAD_LEN + SUM_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0) goto out;
    regia_sha256_buf(buf, len - SUM_LEN, sum);
    if (memcmp(sum, buf + len - SUM_LEN, SUM_LEN) != 0 || strncmp(buf + MAGIC_LEN, c->fp, FP_LEN) != 0) goto out;
    size_t off = HEAD_LEN - 8, end = len - SUM_LEN;
    memcpy(&n, buf + off, 8);
    off += 8;
    int64_t first_new = c->loaded.n;
    for (int64_t i = 0; i < n; i++) {
        int64_t first, cnt;
        uint64_t rl;
        if (off + 24 > end) goto bad;
        memcpy(&first, buf + off, 8);
        memcpy(&cnt, buf + off + 8, 8);
        memcpy(&rl, buf + off + 16, 8);
        off += 24;
        if (rl > end - off || cnt <= 0) goto bad;
        /* only what overlaps this rank's items is kept */
        if (first < c->i1 && first + cnt > c->i0) {
            unsigned char *copy = malloc(rl ? rl : 1);
            if (!copy) goto bad;
            memcpy(copy, buf + off, rl);
            if (set_put(&c->loaded, first, cnt, copy, (size_t)rl, 0) != REGIA_OK) { regia_error_clear(); goto bad; }
        }
        off += rl;
    }
    goto out;
bad: /* a file whose records do not parse is ignored as a whole */
    for (int64_t i = first_new; i < c->loaded.n; i++) free(c->loaded.r[i].data);
    c->loaded.n = first_new;
out:
    free(buf);
}

static int cmp_first(const void *a, const void *b)
{
    int64_t x = ((const record_t *)a)->first, y = ((const record_t *)b)->first;
    return (x > y) - (x < y);
}

static int is_ckpt_name(const char *name)
{
    size_t n = strlen(name);
    return !strncmp(name, "rank-", 5) && n > 10 && !strcmp(name + n - 5, ".ckpt");
}

regia_status_t regia_ckpt_open(regia_ckpt_t **out, const char *dir, const char *fingerprint, int rank, int64_t i0,
                               int64_t i1, int *stale)
{
    regia_ckpt_t *c = calloc(1, sizeof *c);
    if (!c) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    snprintf(c->fp, sizeof c->fp, "%s", fingerprint);
    c->rank = rank;
    c->i0 = i0;
    c->i1 = i1;
    c->last_save = now_s();
    *stale = 0;
    snprintf(c->save_path, sizeof c->save_path, "%s/rank-%d.ckpt", dir, rank);
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!is_ckpt_name(de->d_name)) continue;
            char path[8192], fp[FP_LEN + 1];
            int64_t a, b;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            int mine_name = !strcmp(path, c->save_path);
            if (!read_header(path, fp, &a, &b)) continue; /* damaged or old format: ignored */
            if (strcmp(fp, c->fp) != 0) {
                (*stale)++;
                /* rank-R.ckpt belongs to another run: never overwrite it */
                if (mine_name) snprintf(c->save_path, sizeof c->save_path, "%s/rank-%d.%.16s.ckpt", dir, rank, c->fp);
                continue;
            }
            if (a < i1 && b > i0) load_file(c, path);
        }
        closedir(d);
        qsort(c->loaded.r, (size_t)c->loaded.n, sizeof(record_t), cmp_first);
    } else if (errno != ENOENT) {
        regia_status_t st = REGIA_FAIL(REGIA_ERR_IO, "checkpoint directory %s: %s", dir, strerror(errno));
        free(c);
        return st;
    }
    *out = c;
    return REGIA_OK;
}

/* The loaded record holding item g with records of `item_bytes` per item, or NULL. */
static const record_t *find_item(const regia_ckpt_t *c, int64_t g, size_t item_bytes)
{
    /* last record with first <= g, then earlier ones (records may overlap) */
    int64_t lo = 0, hi = c->loaded.n;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (c->loaded.r[mid].first <= g) lo = mid + 1;
        else hi = mid;
    }
    for (int64_t i = lo - 1; i >= 0; i--) {
        const record_t *r = &c->loaded.r[i];
        if (g < r->first + r->n && r->len == (size_t)r->n * item_bytes) return r;
        if (lo - 1 - i > 64) break; /* overlapping records are few: stop searching far back */
    }
    return NULL;
}

int64_t regia_ckpt_covered(const regia_ckpt_t *c, int64_t g0, int64_t n, size_t item_bytes)
{
    if (!c) return 0;
    int64_t k = 0;
    while (k < n) {
        const record_t *r = find_item(c, g0 + k, item_bytes);
        if (!r) break;
        k = r->first + r->n - g0;
    }
    return k < n ? k : n;
}

void regia_ckpt_restore(const regia_ckpt_t *c, int64_t g0, int64_t n, const regia_ckpt_array_t *a, int na, int64_t k0)
{
    size_t S = 0;
    for (int j = 0; j < na; j++) S += a[j].item_bytes;
    for (int64_t g = g0; g < g0 + n;) {
        const record_t *r = find_item(c, g, S);
        if (!r) return; /* callers restore covered items only */
        int64_t m = r->first + r->n - g;
        if (m > g0 + n - g) m = g0 + n - g;
        const unsigned char *src = r->data;
        for (int j = 0; j < na; j++) {
            memcpy((unsigned char *)a[j].base + (size_t)(k0 + g - g0) * a[j].item_bytes,
                   src + (size_t)(g - r->first) * a[j].item_bytes, (size_t)m * a[j].item_bytes);
            src += (size_t)r->n * a[j].item_bytes;
        }
        g += m;
    }
}

regia_status_t regia_ckpt_record(regia_ckpt_t *c, int64_t g0, int64_t n, const regia_ckpt_array_t *a, int na,
                                 int64_t k0)
{
    if (!c || n <= 0) return REGIA_OK;
    size_t len = 0;
    for (int j = 0; j < na; j++) len += (size_t)n * a[j].item_bytes;
    unsigned char *buf = malloc(len ? len : 1), *b = buf;
    if (!buf) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for a checkpoint record of %zu bytes", len);
    for (int j = 0; j < na; j++) {
        memcpy(b, (const unsigned char *)a[j].base + (size_t)k0 * a[j].item_bytes, (size_t)n * a[j].item_bytes);
        b += (size_t)n * a[j].item_bytes;
    }
    return set_put(&c->mine, g0, n, buf, len, 1);
}

int64_t regia_ckpt_count(const regia_ckpt_t *c)
{
    int64_t n = 0;
    for (int64_t i = 0; c && i < c->mine.n; i++) n += c->mine.r[i].n;
    return n;
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
    size_t len = HEAD_LEN + SUM_LEN;
    for (int64_t i = 0; i < c->mine.n; i++) len += 24 + c->mine.r[i].len;
    unsigned char *buf = malloc(len);
    if (!buf) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for a checkpoint of %zu bytes", len);
    size_t off = 0;
    memcpy(buf, MAGIC, MAGIC_LEN);
    off += MAGIC_LEN;
    memset(buf + off, 0, FP_LEN);
    memcpy(buf + off, c->fp, strlen(c->fp));
    off += FP_LEN;
    memcpy(buf + off, &c->i0, 8);
    memcpy(buf + off + 8, &c->i1, 8);
    memcpy(buf + off + 16, &c->mine.n, 8);
    off += 24;
    for (int64_t i = 0; i < c->mine.n; i++) {
        const record_t *r = &c->mine.r[i];
        uint64_t rl = r->len;
        memcpy(buf + off, &r->first, 8);
        memcpy(buf + off + 8, &r->n, 8);
        memcpy(buf + off + 16, &rl, 8);
        memcpy(buf + off + 24, r->data, rl);
        off += 24 + rl;
    }
    char sum[65];
    regia_sha256_buf(buf, off, sum);
    memcpy(buf + off, sum, SUM_LEN);
    regia_status_t st = regia_atomic_write(c->save_path, buf, len);
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

regia_status_t regia_ckpt_remove(const char *dir, const char *fingerprint)
{
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? REGIA_OK : REGIA_FAIL(REGIA_ERR_IO, "checkpoint directory %s: %s", dir, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_ckpt_name(de->d_name)) continue;
        char path[8192], fp[FP_LEN + 1];
        int64_t a, b;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        /* ours, or damaged (unreadable header) files under our own name */
        if (read_header(path, fp, &a, &b) ? !strcmp(fp, fingerprint) : 0) unlink(path);
    }
    closedir(d);
    if (rmdir(dir) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
        return REGIA_FAIL(REGIA_ERR_IO, "cannot remove the checkpoint directory %s: %s", dir, strerror(errno));
    return REGIA_OK;
}
