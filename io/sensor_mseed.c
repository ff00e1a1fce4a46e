/* sensor_mseed.c - miniSEED (SEED 2.4 data records) through libmseed 2: records ->
 * traces, corrupt records rejected with their number, offset and reason; and a writer
 * (msr_pack) for fixtures and exports (regia/sensor_read.h). */
#include <libmseed.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/fileutil.h"
#include "regia/timeutil.h"
#include "sensor_read_impl.h"

#define FIXED_HEADER 48

/* libmseed 2 reports decoding problems (a failed Steim integrity check among them) only
 * through its log printers: they are captured here while a record is parsed. */
static char g_log[512];
static size_t g_logn;
static int g_capturing;
static void capture(char *m)
{
    if (!g_capturing) {
        fputs(m, stderr);
        return;
    }
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' ')) n--;
    if (g_logn + n + 3 >= sizeof g_log) return;
    if (g_logn) g_log[g_logn++] = ';', g_log[g_logn++] = ' ';
    memcpy(g_log + g_logn, m, n);
    g_logn += n;
    g_log[g_logn] = 0;
}

typedef struct {
    MSTraceSeg *s;
    const MSTraceID *id;
} seg_ref_t;

static int cmp_seg(const void *a, const void *b)
{
    const seg_ref_t *x = a, *y = b;
    int c = strcmp(x->id->srcname, y->id->srcname);
    if (c) return c;
    return (x->s->starttime > y->s->starttime) - (x->s->starttime < y->s->starttime);
}

/* The next offset after `off` where a record header is detected (steps of 64 bytes, the
 * smallest record length libmseed accepts), or len. */
static size_t resync(const char *buf, size_t len, size_t off)
{
    for (size_t o = off + 64; o + FIXED_HEADER <= len; o += 64)
        if (ms_detect(buf + o, (int)(len - o > 65536 ? 65536 : len - o)) > 0) return o;
    return len;
}

static regia_status_t segs_to_traces(const char *path, MSTraceList *mstl, regia_sensor_file_t *F)
{
    size_t ns = 0, k = 0;
    for (MSTraceID *id = mstl->traces; id; id = id->next)
        for (MSTraceSeg *s = id->first; s; s = s->next) ns++;
    seg_ref_t *v = calloc(ns + 1, sizeof *v);
    if (!v) return REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path);
    for (MSTraceID *id = mstl->traces; id; id = id->next)
        for (MSTraceSeg *s = id->first; s; s = s->next) v[k++] = (seg_ref_t){s, id};
    qsort(v, ns, sizeof *v, cmp_seg);
    regia_status_t st = REGIA_OK;
    for (size_t i = 0; i < ns && !st; i++) {
        const MSTraceSeg *s = v[i].s;
        const MSTraceID *id = v[i].id;
        regia_sensor_trace_t *T;
        if ((st = sensor_add_trace(F, &T))) break;
        snprintf(T->net, sizeof T->net, "%s", id->network);
        snprintf(T->sta, sizeof T->sta, "%s", id->station);
        snprintf(T->loc, sizeof T->loc, "%s", id->location);
        snprintf(T->cha, sizeof T->cha, "%s", id->channel);
        snprintf(T->source, sizeof T->source, "%s.%s.%s.%s", id->network, id->station, id->location, id->channel);
        snprintf(T->channel, sizeof T->channel, "%s", id->channel);
        snprintf(T->units_in, sizeof T->units_in, "counts");
        snprintf(T->units, sizeof T->units, "counts");
        T->qty = REGIA_QTY_COUNTS;
        T->fs = s->samprate;
        {   /* the trace's first and last sample within the years of int64 ns (no wrap) */
            const double t_first = (double)s->starttime / HPTMODULUS, t_last = (double)s->endtime / HPTMODULUS;
            if (!(t_first >= (double)REGIA_TRACE_TIME_MIN_S && t_last < (double)REGIA_TRACE_TIME_MAX_S)) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: trace %s: its samples run from %.0f to %.0f s since 1970, outside "
                                "the years 1900-2261 a trace can hold (a corrupt record time?)", path, T->source,
                                t_first, t_last);
                break;
            }
        }
        T->start_ns = (int64_t)s->starttime * (1000000000LL / HPTMODULUS);
        T->n = s->numsamples;
        if (i > 0 && !strcmp(v[i - 1].id->srcname, id->srcname) && s->starttime <= v[i - 1].s->endtime)
            T->overlap = 1;
        T->x = malloc(((size_t)s->numsamples + 1) * sizeof *T->x);
        if (!T->x) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: trace %s: out of memory", path, T->source); break; }
        for (int64_t j = 0; j < s->numsamples; j++) {
            double x = s->sampletype == 'i'   ? ((const int32_t *)s->datasamples)[j]
                       : s->sampletype == 'f' ? ((const float *)s->datasamples)[j]
                                              : ((const double *)s->datasamples)[j];
            T->x[j] = x;
            if (isnan(x)) T->n_nan++;
        }
    }
    free(v);
    return st;
}

regia_status_t regia_mseed_read(const char *path, regia_sensor_file_t *F)
{
    char *buf = NULL;
    size_t len = 0;
    MSRecord *msr = NULL;
    MSTraceList *mstl = NULL;
    /* the sample type of each source's first record: libmseed cannot join records of other
     * types (an int32 trace with a float32 record) into its trace */
    enum { N_SRC = 256 };
    struct { char src[64]; char type; } *seen = NULL;
    int n_seen = 0;
    regia_status_t st = regia_read_file(path, (size_t)1 << 34, &buf, &len);
    if (st) return st;
    mstl = mstl_init(NULL);
    if (!mstl) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path); goto err; }
    ms_loginit(capture, NULL, capture, "");
    g_capturing = 1;
    size_t off = 0;
    int reclen = 0; /* the length of the last good record */
    int64_t recno = 0;
    seen = calloc(N_SRC, sizeof *seen);
    if (!seen) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", path); goto err; }
    while (off < len) {
        size_t left = len - off;
        /* trailing padding (zeros or blanks) is not a record */
        size_t z = 0;
        while (z < left && (buf[off + z] == 0 || buf[off + z] == ' ')) z++;
        if (z == left) break;
        recno++;
        F->units_read++;
        if (left < FIXED_HEADER) {
            st = sensor_add_reject(F, recno, (int64_t)off, "truncated: %zu bytes at the end of the file, less than a "
                                   "record header (%d bytes)", left, FIXED_HEADER);
            break;
        }
        int rl = ms_detect(buf + off, (int)(left > 65536 ? 65536 : left));
        if (rl == 0 && reclen > 0) rl = reclen; /* no blockette 1000: the file's record length */
        if (rl <= 0) {
            size_t next = reclen > 0 && off + (size_t)reclen <= len ? off + (size_t)reclen : resync(buf, len, off);
            if ((st = sensor_add_reject(F, recno, (int64_t)off, "bad header: not a miniSEED data record (%s)",
                                        rl < 0 ? "fixed header not recognised" : "record length not found")))
                break;
            off = next;
            continue;
        }
        if ((size_t)rl > left) {
            st = sensor_add_reject(F, recno, (int64_t)off, "truncated: a record of %d bytes, only %zu left in the file",
                                   rl, left);
            break;
        }
        g_logn = 0;
        g_log[0] = 0;
        int rc = msr_parse(buf + off, rl, &msr, rl, 1, 0);
        if (rc != MS_NOERROR) {
            if ((st = sensor_add_reject(F, recno, (int64_t)off, "%s%s%s%s", g_log, g_logn ? " (libmseed: " : "",
                                        rc > 0 ? "incomplete record" : ms_errorstr(rc), g_logn ? ")" : "")))
                break;
        } else if (msr->sampletype == 'a') {
            if ((st = sensor_add_reject(F, recno, (int64_t)off, "a text (ASCII) record, not samples"))) break;
        } else if (msr->numsamples != msr->samplecnt) {
            if ((st = sensor_add_reject(F, recno, (int64_t)off, "decoded %lld samples, the header says %lld%s%s",
                                        (long long)msr->numsamples, (long long)msr->samplecnt, g_logn ? ": " : "",
                                        g_log)))
                break;
        } else if (g_logn) {
            if ((st = sensor_add_reject(F, recno, (int64_t)off, "bad data: %s", g_log))) break;
        } else if (!(msr->samprate > 0) && msr->samplecnt > 0) {
            if ((st = sensor_add_reject(F, recno, (int64_t)off, "sampling rate %g in the header", msr->samprate)))
                break;
        } else if (msr->samplecnt > 0) {
            char src[64] = "";
            msr_srcname(msr, src, 0);
            int k = 0;
            while (k < n_seen && strcmp(seen[k].src, src)) k++;
            if (k == n_seen && n_seen < N_SRC) snprintf(seen[n_seen].src, sizeof seen[n_seen].src, "%s", src),
                                                seen[n_seen++].type = msr->sampletype;
            if (k < n_seen && seen[k].type != msr->sampletype) {
                if ((st = sensor_add_reject(F, recno, (int64_t)off, "samples of type '%c' (%s) in a trace of type '%c' "
                                            "(%s): another encoding than the trace's first record", msr->sampletype,
                                            ms_encodingstr(msr->encoding), seen[k].type,
                                            seen[k].type == 'i' ? "integers" : seen[k].type == 'f' ? "float32"
                                                                                                   : "float64")))
                    break;
                reclen = rl;
                off += (size_t)rl;
                continue;
            }
            if (!mstl_addmsr(mstl, msr, 0, 1, -1.0, -1.0)) {
                st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: record %lld: cannot add to the trace list", path,
                                (long long)recno);
                break;
            }
            F->units_kept++;
        } else {
            F->units_kept++; /* a record without samples (a log or an empty one): read, nothing to keep */
        }
        reclen = rl;
        off += (size_t)rl;
    }
    g_capturing = 0; /* libmseed keeps the printers: later messages go to stderr */
    if (st) goto err;
    if (F->units_kept == 0 || mstl->numtraces == 0) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no readable miniSEED record (%lld read%s%s)", path,
                        (long long)F->units_read, F->nrej ? "; record 1: " : "", F->nrej ? F->rej[0].reason : "");
        goto err;
    }
    st = segs_to_traces(path, mstl, F);
err:
    free(seen);
    if (msr) msr_free(&msr);
    if (mstl) mstl_free(&mstl, 0);
    free(buf);
    return st;
}

/* ---- writer --------------------------------------------------------------------------- */

typedef struct {
    FILE *fp;
    int failed;
} sink_t;

static void put_record(char *rec, int n, void *arg)
{
    sink_t *s = arg;
    if (fwrite(rec, 1, (size_t)n, s->fp) != (size_t)n) s->failed = 1;
}

regia_status_t regia_mseed_write(const char *path, int append, const char *net, const char *sta, const char *loc,
                                 const char *cha, int64_t start_ns, double fs, const int32_t *x, int64_t n,
                                 int reclen, int encoding, int64_t *nrec)
{
    if (reclen < 256 || reclen > 8192 || (reclen & (reclen - 1)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: record length %d: a power of 2 from 256 to 8192", path, reclen);
    if (encoding != DE_STEIM1 && encoding != DE_STEIM2 && encoding != DE_INT32)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: encoding %d: Steim-1 (10), Steim-2 (11) or int32 (3)", path,
                          encoding);
    if (!(fs > 0) || n < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: rate %g Hz, %lld samples", path, fs, (long long)n);
    regia_status_t st = REGIA_OK;
    sink_t sink = {fopen(path, append ? "ab" : "wb"), 0};
    if (!sink.fp) return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot open for writing", path);
    MSRecord *msr = msr_init(NULL);
    int32_t *data = malloc((size_t)n * sizeof *data);
    if (!msr || !data) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
    memcpy(data, x, (size_t)n * sizeof *data);
    snprintf(msr->network, sizeof msr->network, "%s", net);
    snprintf(msr->station, sizeof msr->station, "%s", sta);
    snprintf(msr->location, sizeof msr->location, "%s", loc);
    snprintf(msr->channel, sizeof msr->channel, "%s", cha);
    msr->dataquality = 'D';
    msr->starttime = (hptime_t)(start_ns / (1000000000LL / HPTMODULUS));
    msr->samprate = fs;
    msr->reclen = reclen;
    msr->encoding = (int8_t)encoding;
    msr->byteorder = 1;
    msr->datasamples = data;
    msr->numsamples = n;
    msr->sampletype = 'i';
    data = NULL; /* msr_free frees it */
    int64_t packed = 0;
    int nr = msr_pack(msr, put_record, &sink, &packed, 1, 0);
    if (nr < 0 || packed != n) st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: msr_pack packed %lld of %lld samples", path,
                                               (long long)packed, (long long)n);
    else if (sink.failed) st = REGIA_FAIL(REGIA_ERR_IO, "%s: write failed", path);
    if (nrec) *nrec = nr;
err:
    free(data);
    if (msr) msr_free(&msr);
    if (fclose(sink.fp) != 0 && !st) st = REGIA_FAIL(REGIA_ERR_IO, "%s: write failed", path);
    return st;
}
