/* ingest_wl_exchange.c - `regia ingest waitlist`: the collective pieces besides the parse
 * (see ingest_wl_impl.h): the provider and agenda code tables every rank agrees on, and
 * attributes of those codes agreed over the ranks.  Rows themselves travel with
 * ingest_exchange (ingest_env_exchange.c), in bounded messages. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_wl_impl.h"

static int cmp_code(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

regia_status_t wli_codes_global(regia_run_t *run, const wli_codes_t *c, wli_codes_t *all, int32_t **map)
{
    regia_ctx_t *ctx = run->ctx;
    const int P = ctx->size;
    regia_status_t st = REGIA_OK;
    int *cnt = calloc((size_t)P, sizeof *cnt), *disp = calloc((size_t)P, sizeof *disp);
    char (*recv)[WLI_CODELEN] = NULL;
    *map = malloc(((size_t)c->n + 1) * sizeof **map);
    memset(all, 0, sizeof *all);
    if (!cnt || !disp || !*map) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    if ((st = regia_run_agree(run, st))) goto err;
    int mine = c->n * WLI_CODELEN;
    REGIA_MPI(MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, ctx->comm));
    long long total = 0;
    for (int p = 0; p < P; p++) disp[p] = (int)total, total += cnt[p];
    if (total > INT_MAX)
        st = REGIA_FAIL(REGIA_ERR_INVALID, "more than %d distinct provider or agenda codes over the ranks",
                        INT_MAX / WLI_CODELEN);
    else if (!(recv = malloc((size_t)total + WLI_CODELEN)))
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%lld bytes of codes)", total);
    if ((st = regia_run_agree(run, st))) goto err;
    REGIA_MPI(MPI_Allgatherv(c->code, mine, MPI_CHAR, recv, cnt, disp, MPI_CHAR, ctx->comm));
    /* sorted and without repeats: the same table on every rank, whatever the rank count */
    size_t n = (size_t)(total / WLI_CODELEN), m = 0;
    qsort(recv, n, WLI_CODELEN, cmp_code);
    for (size_t i = 0; i < n; i++)
        if (m == 0 || strcmp(recv[m - 1], recv[i])) memmove(recv[m++], recv[i], WLI_CODELEN);
    for (size_t i = 0; i < m && !st; i++)
        if (wli_codes_add(all, recv[i]) != (int32_t)i) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int32_t i = 0; i < c->n && !st; i++) (*map)[i] = wli_codes_find(all, c->code[i]);
    st = regia_run_agree(run, st);
err:
    free(cnt);
    free(disp);
    free(recv);
    if (st) {
        free(*map);
        *map = NULL;
        wli_codes_free(all);
    }
    return st;
}

void wli_agree_attr(regia_run_t *run, int32_t *val, int32_t n)
{
    /* the maximum and the minimum (as the maximum of the negation) of the values seen */
    long long *v = malloc(2 * ((size_t)n + 1) * sizeof *v);
    long long bad = v == NULL;
    regia_run_max(run, &bad, 1);
    if (bad) { /* no room: every attribute unknown, the same on every rank */
        for (int32_t i = 0; i < n; i++) val[i] = -1;
        free(v);
        return;
    }
    for (int32_t i = 0; i < n; i++) {
        int seen = val[i] != -2;
        v[2 * i] = seen ? val[i] : LLONG_MIN;
        v[2 * i + 1] = seen ? -(long long)val[i] : LLONG_MIN;
    }
    regia_run_max(run, v, 2 * n);
    for (int32_t i = 0; i < n; i++) {
        if (v[2 * i] == LLONG_MIN) val[i] = -2;
        else if (v[2 * i] == -v[2 * i + 1]) val[i] = (int32_t)v[2 * i];
        else val[i] = -1;
    }
    free(v);
}
