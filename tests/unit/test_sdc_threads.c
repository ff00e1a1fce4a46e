/* test_sdc_threads.c - disclosure control with its blocks solved in parallel
 * (runtime/sdc.c): the pattern, the LP count and the LP-limit error are those of one
 * thread, whatever the thread count; every suppressed cell still passes the audit. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>

#include "check.h"
#include "regia/sdc.h"
#include "regia/status.h"

enum { NB = 9, R = 7, C = 6, BLK = (R + 1) * (C + 1), N = NB * BLK + 3 };

static double v[N];
static int64_t tot[NB * (R + C + 2)], off[NB * (R + C + 2) + 1], part[NB * 2 * (R + 1) * (C + 1)];
static int64_t nc, np;
static int8_t status[N], first[N];
static double lo[N], hi[N];

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t next_u64(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* NB independent R x C tables with their margins (cell (r, c) of block b is
 * b * BLK + r * (C + 1) + c; row R and column C are the totals), many small counts; the
 * last 3 cells are in no sum.  Block 4 is all zeros: no primary, nothing to do. */
static void build(void)
{
    nc = np = 0;
    memset(v, 0, sizeof v);
    for (int b = 0; b < NB; b++) {
        double *t = v + b * BLK;
        for (int r = 0; r < R; r++)
            for (int c = 0; c < C; c++) {
                uint64_t u = next_u64();
                double x = b == 4 ? 0.0 : (u % 100) < 35 ? (double)((u >> 8) % 4) : (double)(4 + (u >> 8) % 40);
                t[r * (C + 1) + c] = x;
                t[r * (C + 1) + C] += x;
                t[R * (C + 1) + c] += x;
                t[R * (C + 1) + C] += x;
            }
        for (int r = 0; r <= R; r++) {
            tot[nc] = b * BLK + r * (C + 1) + C;
            off[nc] = np;
            for (int c = 0; c < C; c++) part[np++] = b * BLK + r * (C + 1) + c;
            off[++nc] = np;
        }
        for (int c = 0; c <= C; c++) {
            tot[nc] = b * BLK + R * (C + 1) + c;
            off[nc] = np;
            for (int r = 0; r < R; r++) part[np++] = b * BLK + r * (C + 1) + c;
            off[++nc] = np;
        }
    }
    v[N - 3] = 1; v[N - 2] = 0; v[N - 1] = 50;
}

static regia_sdc_problem_t problem(int64_t max_lps)
{
    regia_sdc_problem_t p = {.n_cells = N, .value = v, .n_cons = nc, .cons_total = tot, .cons_off = off,
                             .cons_part = part, .k = 5, .protection = 0, .status = status, .max_lps = max_lps};
    return p;
}

int main(void)
{
    build();
    regia_sdc_report_t rep1, rep;
    int64_t unsafe = -1;
    if (!glp_config("TLS")) printf("note: GLPK has no thread-local storage; sdc runs serially (checked anyway)\n");

    omp_set_num_threads(1);
    regia_sdc_problem_t p = problem(0);
    CHECK_OK(regia_sdc_protect(&p, &rep1));
    CHECK(rep1.primary > 20 && rep1.secondary > 0 && rep1.lps > NB);
    memcpy(first, status, sizeof status);
    CHECK(status[N - 3] == REGIA_SDC_PRIMARY && status[N - 2] == REGIA_SDC_PUBLISHED);
    for (int i = 4 * BLK; i < 5 * BLK; i++) CHECK(status[i] == REGIA_SDC_PUBLISHED);
    CHECK_OK(regia_sdc_audit(&p, lo, hi, &unsafe));
    CHECK_MSG(unsafe == 0, "1 thread: %lld unsafe cells", (long long)unsafe);

    /* more threads, fewer threads than blocks, more threads than blocks */
    static const int threads[] = {2, 3, 4, 16};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        omp_set_num_threads(threads[t]);
        memset(status, 0x7f, sizeof status);
        p = problem(0);
        CHECK_OK(regia_sdc_protect(&p, &rep));
        CHECK_MSG(memcmp(status, first, sizeof status) == 0, "%d threads: another pattern", threads[t]);
        CHECK_MSG(rep.primary == rep1.primary && rep.secondary == rep1.secondary && rep.lps == rep1.lps,
                  "%d threads: %lld/%lld/%lld LPs, 1 thread %lld/%lld/%lld", threads[t], (long long)rep.primary,
                  (long long)rep.secondary, (long long)rep.lps, (long long)rep1.primary, (long long)rep1.secondary,
                  (long long)rep1.lps);
        CHECK_OK(regia_sdc_audit(&p, lo, hi, &unsafe));
        CHECK(unsafe == 0);
    }

    /* The LP limit: exactly the serial count passes; one less fails with the serial
     * message (the count at which it stopped), at any thread count. */
    char msg1[512] = "";
    for (int t = 1; t <= 3; t++) {
        omp_set_num_threads(t);
        p = problem(rep1.lps);
        CHECK_OK(regia_sdc_protect(&p, &rep));
        CHECK(rep.lps == rep1.lps && memcmp(status, first, sizeof status) == 0);
        p = problem(rep1.lps - 1);
        regia_error_clear();
        regia_status_t st = regia_sdc_protect(&p, &rep);
        CHECK(st == REGIA_ERR_NUMERIC);
        CHECK_MSG(strstr(regia_error_msg(), "stopped after") != NULL, "%d threads: %s", t, regia_error_msg());
        char want[64];
        snprintf(want, sizeof want, "after %lld linear programs", (long long)(rep1.lps - 1));
        CHECK_MSG(strstr(regia_error_msg(), want) != NULL, "%d threads: %s", t, regia_error_msg());
        if (t == 1) snprintf(msg1, sizeof msg1, "%s", regia_error_msg());
        else CHECK_MSG(strcmp(msg1, regia_error_msg()) == 0, "%d threads: '%s', 1 thread '%s'", t, regia_error_msg(), msg1);
    }
    return check_done();
}
