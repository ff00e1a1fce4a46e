/* ingest_env_exchange.c - `regia ingest env`: rows to their station's owner at any count,
 * and the rejects file written by every rank with MPI-IO (see ingest_env_impl.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_env_impl.h"
#include "regia/io.h"

static size_t msg_bytes(void)
{
    const char *s = getenv("REGIA_INGEST_MSG_BYTES");
    long long v = s ? atoll(s) : 0;
    return v > 0 ? (size_t)v : INGEST_MSG_BYTES;
}

regia_status_t ingest_exchange(regia_run_t *run, size_t size, void *const *send, const int64_t *count, void **recv,
                               int64_t *nrecv)
{
    regia_ctx_t *ctx = run->ctx;
    regia_status_t st = REGIA_OK;
    int P = ctx->size, me = ctx->rank;
    MPI_Request *req = NULL;
    MPI_Datatype T = MPI_DATATYPE_NULL;
    for (int p = 0; p < P; p++) recv[p] = NULL;
    REGIA_MPI(MPI_Alltoall(count, 1, MPI_INT64_T, nrecv, 1, MPI_INT64_T, ctx->comm));
    /* elements per message: counts stay far below 2^31 whatever the totals */
    int64_t per = (int64_t)(msg_bytes() / size);
    if (per < 1) per = 1;
    if (per > INT_MAX / 2) per = INT_MAX / 2;
    size_t nreq = 0;
    for (int p = 0; p < P; p++) {
        if (p == me) continue;
        nreq += (size_t)((count[p] + per - 1) / per) + (size_t)((nrecv[p] + per - 1) / per);
        if (nrecv[p] > 0 && !(recv[p] = malloc((size_t)nrecv[p] * size)))
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory: %lld rows of %zu bytes from rank %d", (long long)nrecv[p],
                            size, p);
    }
    recv[me] = send[me];
    if (!st && nreq && !(req = malloc(nreq * sizeof *req))) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if (!st) st = regia_run_fault(run, "exchange");
    st = regia_run_agree(run, st);
    if (st) goto err;
    REGIA_MPI(MPI_Type_contiguous((int)size, MPI_BYTE, &T));
    REGIA_MPI(MPI_Type_commit(&T));
    size_t k = 0;
    for (int p = 0; p < P; p++) {
        if (p == me) continue;
        for (int64_t i = 0; i < nrecv[p]; i += per) {
            int n = (int)(nrecv[p] - i < per ? nrecv[p] - i : per);
            REGIA_MPI(MPI_Irecv((char *)recv[p] + (size_t)i * size, n, T, p, 7, ctx->comm, &req[k++]));
        }
    }
    for (int p = 0; p < P; p++) {
        if (p == me) continue;
        for (int64_t i = 0; i < count[p]; i += per) {
            int n = (int)(count[p] - i < per ? count[p] - i : per);
            REGIA_MPI(MPI_Isend((char *)send[p] + (size_t)i * size, n, T, p, 7, ctx->comm, &req[k++]));
        }
    }
    REGIA_MPI(MPI_Waitall((int)k, req, MPI_STATUSES_IGNORE));
err:
    if (T != MPI_DATATYPE_NULL) MPI_Type_free(&T);
    free(req);
    if (st)
        for (int p = 0; p < P; p++)
            if (p != me) { free(recv[p]); recv[p] = NULL; }
    return st;
}

/* Append `s` as a CSV field, quoted when it must be (always when `quote`). */
static size_t put_field(char *b, const char *s, int quote)
{
    size_t n = 0;
    if (!quote) quote = strpbrk(s, ",\";\n\r") != NULL;
    if (quote) b[n++] = '"';
    for (; *s; s++) {
        if (*s == '"') b[n++] = '"';
        b[n++] = *s;
    }
    if (quote) b[n++] = '"';
    return n;
}

static regia_status_t mpiio(int rc, const char *path, const char *what)
{
    if (rc == MPI_SUCCESS) return REGIA_OK;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return REGIA_FAIL(REGIA_ERR_IO, "%s: cannot %s the rejects file: %s", path, what, msg);
}

regia_status_t ingest_write_rejects(regia_run_t *run, const ingest_opts_t *o, const ingest_rejects_t *R,
                                    const char *tmp_path)
{
    regia_ctx_t *ctx = run->ctx;
    regia_status_t st = REGIA_OK;
    int P = ctx->size, nd = o->ndata;
    char *buf = NULL;
    int64_t *sz = calloc((size_t)nd, sizeof *sz), *all = calloc((size_t)nd * (size_t)P, sizeof *all);
    size_t cap = 1, len = 0;
    for (size_t i = 0; i < R->n; i++)
        cap += 2 * (strlen(o->data[R->v[i].file]) + strlen(R->v[i].text) + strlen(R->v[i].reason)) + 40;
    buf = malloc(cap);
    if (!sz || !all || !buf) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (rejects: %zu rows)", R->n);
    for (size_t i = 0; !st && i < R->n; i++) {
        const ingest_reject_t *r = &R->v[i];
        size_t l0 = len;
        len += put_field(buf + len, o->data[r->file], 1);
        len += (size_t)sprintf(buf + len, ",%lld,", (long long)r->line);
        len += put_field(buf + len, r->reason, 0);
        buf[len++] = ',';
        len += put_field(buf + len, r->text, 1);
        buf[len++] = '\n';
        sz[r->file] += (int64_t)(len - l0);
    }
    st = regia_run_agree(run, st);
    if (st) goto err;
    REGIA_MPI(MPI_Allgather(sz, nd, MPI_INT64_T, all, nd, MPI_INT64_T, ctx->comm));
    static const char hdr[] = "file,line,reason,text\n";
    MPI_File fh = MPI_FILE_NULL;
    st = mpiio(MPI_File_open(ctx->comm, tmp_path, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh), tmp_path,
               "create");
    st = regia_run_agree(run, st);
    if (st) goto err;
    st = mpiio(MPI_File_set_size(fh, 0), tmp_path, "truncate");
    /* rank r's part of file k follows every rank's part of files < k and lower ranks' of k */
    int64_t off = (int64_t)sizeof hdr - 1;
    size_t mine = 0;
    if (!st && ctx->rank == 0) st = mpiio(MPI_File_write_at(fh, 0, hdr, (int)sizeof hdr - 1, MPI_CHAR, MPI_STATUS_IGNORE),
                                          tmp_path, "write");
    for (int k = 0; k < nd && !st; k++) {
        int64_t at = off;
        for (int p = 0; p < ctx->rank; p++) at += all[(size_t)p * nd + k];
        for (int64_t w = 0; w < sz[k] && !st;) {
            int n = (int)(sz[k] - w < (1 << 30) ? sz[k] - w : (1 << 30));
            st = mpiio(MPI_File_write_at(fh, at + w, buf + mine + w, n, MPI_CHAR, MPI_STATUS_IGNORE), tmp_path, "write");
            w += n;
        }
        mine += (size_t)sz[k];
        for (int p = 0; p < P; p++) off += all[(size_t)p * nd + k];
    }
    if (!st) st = regia_run_fault(run, "rejects");
    st = regia_run_agree(run, st);
    {
        regia_status_t s2 = mpiio(MPI_File_close(&fh), tmp_path, "close");
        s2 = regia_run_agree(run, s2);
        if (!st) st = s2;
    }
err:
    free(sz);
    free(all);
    free(buf);
    return st;
}
