/* test_partition.c - contiguous cost-balanced blocks (runtime/partition.c).
 *
 * Properties checked for every split: start[0] = 0, start[parts] = n, non-decreasing
 * starts (contiguous blocks that cover 0..n-1 exactly once), and every block's cost within
 * the largest item cost of total/parts.  Small cases are also compared with splits worked
 * out by hand from the rule "block p starts at the first item whose cost midpoint lies
 * past p/parts of the total". */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "regia/partition.h"

enum { MAXP = 64 };

/* Check the properties; returns 1 when all hold. */
static int check_split(const double *cost, int64_t n, int parts, const int64_t *start, const char *what)
{
    int ok = 1;
    if (start[0] != 0 || start[parts] != n) {
        fprintf(stderr, "%s: start[0] = %lld, start[%d] = %lld, n = %lld\n", what, (long long)start[0], parts,
                (long long)start[parts], (long long)n);
        ok = 0;
    }
    for (int p = 0; p < parts; p++)
        if (start[p + 1] < start[p]) {
            fprintf(stderr, "%s: block %d is [%lld, %lld)\n", what, p, (long long)start[p], (long long)start[p + 1]);
            ok = 0;
        }
    double total = 0, cmax = 0;
    for (int64_t i = 0; i < n; i++) {
        double c = cost ? cost[i] : 1.0;
        total += c;
        if (c > cmax) cmax = c;
    }
    for (int p = 0; ok && p < parts; p++) {
        double b = 0;
        for (int64_t i = start[p]; i < start[p + 1]; i++) b += cost ? cost[i] : 1.0;
        if (fabs(b - total / parts) > cmax + 1e-9 * total) {
            fprintf(stderr, "%s: block %d costs %g, ideal %g, largest item %g\n", what, p, b, total / parts, cmax);
            ok = 0;
        }
    }
    CHECK_MSG(ok, "%s", what);
    return ok;
}

static void expect(const double *cost, int64_t n, int parts, const int64_t *want, const char *what)
{
    int64_t start[MAXP + 1];
    memset(start, 0xff, sizeof start);
    regia_partition(cost, n, parts, start);
    check_split(cost, n, parts, start, what);
    int same = 1;
    for (int p = 0; p <= parts; p++) same &= start[p] == want[p];
    CHECK_MSG(same, "%s: got start[1] = %lld, start[2] = %lld, want %lld, %lld", what, (long long)start[1],
              (long long)start[2], (long long)want[1], (long long)want[2]);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static double uniform(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

int main(void)
{
    /* unit costs, 10 items on 3 parts: targets 3.33 and 6.67; item 3's midpoint 3.5 > 3.33,
     * item 6's midpoint 6.5 <= 6.67, item 7's 7.5 > 6.67  ->  3 + 4 + 3 */
    double ones[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    expect(ones, 10, 3, (int64_t[]){0, 3, 7, 10}, "10 unit costs / 3");
    expect(NULL, 10, 3, (int64_t[]){0, 3, 7, 10}, "10 NULL costs / 3");
    expect(NULL, 12, 4, (int64_t[]){0, 3, 6, 9, 12}, "12 NULL costs / 4");
    expect(NULL, 10, 1, (int64_t[]){0, 10}, "one part");

    /* a heavy item: total 15, targets 5 and 10; item 3 (cost 10) has midpoint 8 > 5, so it
     * opens block 1; item 4's midpoint 13.5 > 10 opens block 2  ->  [0,3) [3,4) [4,6) */
    double heavy[6] = {1, 1, 1, 10, 1, 1};
    expect(heavy, 6, 3, (int64_t[]){0, 3, 4, 6}, "heavy item");

    /* uneven costs: total 10, target 5; midpoints 0.5, 2, 4, 6.5, 9 -> block 1 starts at 3 */
    double uneven[5] = {1, 2, 2, 3, 2};
    expect(uneven, 5, 2, (int64_t[]){0, 3, 5}, "uneven costs");

    /* fewer items than parts: targets 0.4 0.8 1.2 1.6 for n = 2; midpoints 0.5 and 1.5 */
    expect(NULL, 2, 5, (int64_t[]){0, 0, 1, 1, 2, 2}, "n = 2 < 5 parts");
    expect(NULL, 0, 4, (int64_t[]){0, 0, 0, 0, 0}, "n = 0");
    expect(NULL, 1, 3, (int64_t[]){0, 0, 1, 1}, "n = 1 < 3 parts");

    /* zero costs among others: total 10, target 5; the zero-cost items 3, 4 stay in block 0
     * (their midpoints are at 5, not past it) and item 5 (midpoint 7.5) opens block 1 */
    double some0[8] = {0, 0, 5, 0, 0, 5, 0, 0};
    expect(some0, 8, 2, (int64_t[]){0, 5, 8}, "some zero costs");
    /* all zero: every block costs 0, so any contiguous cover is balanced; it must not
     * divide by zero or run past n */
    double zeros[7] = {0};
    int64_t st[MAXP + 1];
    regia_partition(zeros, 7, 3, st);
    check_split(zeros, 7, 3, st, "all zero costs");

    /* random costs: the properties for many (n, parts), determinism, NULL == unit costs */
    static double cost[2000];
    int64_t a[MAXP + 1], b[MAXP + 1];
    int bad = 0;
    for (int trial = 0; trial < 400 && !bad; trial++) {
        int64_t n = (int64_t)(uniform() * 2000);
        int parts = 1 + (int)(uniform() * MAXP);
        int kind = trial % 4;
        for (int64_t i = 0; i < n; i++) {
            double u = uniform();
            cost[i] = kind == 0 ? 1.0 : kind == 1 ? u : kind == 2 ? (u < 0.3 ? 0.0 : 100 * u) : pow(10, 4 * u);
        }
        char what[96];
        snprintf(what, sizeof what, "random trial %d: n = %lld, parts = %d, kind %d", trial, (long long)n, parts, kind);
        regia_partition(cost, n, parts, a);
        regia_partition(cost, n, parts, b);
        bad |= !check_split(cost, n, parts, a, what);
        bad |= memcmp(a, b, (size_t)(parts + 1) * sizeof *a) != 0;
        if (kind == 0) {
            regia_partition(NULL, n, parts, b);
            bad |= memcmp(a, b, (size_t)(parts + 1) * sizeof *a) != 0;
        }
        CHECK_MSG(!bad, "%s: not deterministic or NULL differs from unit costs", what);
    }

    /* unit costs: block sizes differ by at most one (the rule's rounding at midpoints) */
    for (int64_t n = 0; n <= 100; n++)
        for (int parts = 1; parts <= 12; parts++) {
            regia_partition(NULL, n, parts, a);
            int64_t lo = INT64_MAX, hi = 0;
            for (int p = 0; p < parts; p++) {
                int64_t s = a[p + 1] - a[p];
                lo = s < lo ? s : lo;
                hi = s > hi ? s : hi;
            }
            if (hi - lo > 1) {
                CHECK_MSG(0, "n = %lld, parts = %d: block sizes from %lld to %lld", (long long)n, parts,
                          (long long)lo, (long long)hi);
                n = 101;
                break;
            }
        }
    return check_done();
}
