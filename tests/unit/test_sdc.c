/* test_sdc.c - disclosure control (regia/sdc.h): the hand case of DOMAIN.md section 3,
 * the defender's choice on it, random hierarchical and linked tables audited after
 * protection, and the errors of bad problems. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/sdc.h"
#include "regia/status.h"

/* A growing problem: cells with values, constraints "total = sum of parts". */
typedef struct {
    int64_t n, nc, np;
    double v[20000];
    int64_t tot[20000], off[20001], part[60000];
    int8_t status[20000];
    double lo[20000], hi[20000];
} tab_t;

static tab_t T;

static void tab_reset(void) { memset(&T, 0, sizeof T); }
static void con_begin(int64_t total) { T.tot[T.nc] = total; T.off[T.nc] = T.np; }
static void con_part(int64_t j) { T.part[T.np++] = j; }
static void con_end(void) { T.off[++T.nc] = T.np; }

static regia_sdc_problem_t tab_problem(double k, double protection)
{
    regia_sdc_problem_t p = {.n_cells = T.n, .value = T.v, .n_cons = T.nc, .cons_total = T.tot,
                             .cons_off = T.off, .cons_part = T.part, .k = k, .protection = protection,
                             .status = T.status};
    return p;
}

/* The hand case: rows (2,7,9|18), (6,8,10|24), (5,12,4|21), totals 13,27,23|63.
 * Cell (r, c) = 4 r + c, row 3 and column 3 the totals. */
static void hand_table(void)
{
    static const double inner[3][3] = {{2, 7, 9}, {6, 8, 10}, {5, 12, 4}};
    tab_reset();
    T.n = 16;
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            T.v[4 * r + c] = inner[r][c];
            T.v[4 * r + 3] += inner[r][c];
            T.v[12 + c] += inner[r][c];
            T.v[15] += inner[r][c];
        }
    for (int r = 0; r < 4; r++) {
        con_begin(4 * r + 3);
        for (int c = 0; c < 3; c++) con_part(4 * r + c);
        con_end();
    }
    for (int c = 0; c < 4; c++) {
        con_begin(12 + c);
        for (int r = 0; r < 3; r++) con_part(4 * r + c);
        con_end();
    }
}

static int64_t count_status(int s)
{
    int64_t n = 0;
    for (int64_t i = 0; i < T.n; i++) n += T.status[i] == s;
    return n;
}

/* After protect: the audit finds every suppressed cell wide enough, and no published
 * count is small. */
static void check_safe(const regia_sdc_problem_t *p, const char *what)
{
    int64_t unsafe = -1;
    CHECK_OK(regia_sdc_audit(p, T.lo, T.hi, &unsafe));
    CHECK_MSG(unsafe == 0, "%s: %lld unsafe cells", what, (long long)unsafe);
    double prot = p->protection > 0 ? p->protection : p->k;
    for (int64_t i = 0; i < T.n; i++) {
        if (T.status[i] == REGIA_SDC_PUBLISHED) {
            CHECK_MSG(!(T.v[i] > 0 && T.v[i] < p->k), "%s: cell %lld = %g published", what, (long long)i, T.v[i]);
            CHECK(isnan(T.lo[i]) && isnan(T.hi[i]));
        } else {
            CHECK_MSG(T.hi[i] - T.lo[i] >= prot - 1e-6, "%s: cell %lld in [%g, %g]", what, (long long)i, T.lo[i],
                      T.hi[i]);
            CHECK(T.lo[i] <= T.v[i] + 1e-6 && T.hi[i] >= T.v[i] - 1e-6);
        }
        if (T.v[i] > 0 && T.v[i] < p->k) CHECK(T.status[i] == REGIA_SDC_PRIMARY);
    }
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_u64(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
/* Counts with many small cells: 40 % zero-to-four, the rest 5..60. */
static double small_count(void)
{
    uint64_t u = next_u64();
    return (u % 100) < 40 ? (double)((u >> 8) % 5) : (double)(5 + (u >> 8) % 56);
}

/* A 3-level area hierarchy (districts -> ASLs -> region) x classes U B D P all x 4 weeks
 * and their month: the layout of the waiting-list cube. */
static void hier_table(int n_asl, const int *districts_per_asl)
{
    enum { NCLS = 5, NPER = 5 };
    tab_reset();
    int n_district = 0;
    for (int a = 0; a < n_asl; a++) n_district += districts_per_asl[a];
    int n_area = n_district + n_asl + 1, region = n_area - 1;
    int parent[64];
    for (int a = 0, d = 0; a < n_asl; a++)
        for (int j = 0; j < districts_per_asl[a]; j++) parent[d++] = n_district + a;
    for (int a = 0; a < n_asl; a++) parent[n_district + a] = region;
    T.n = (int64_t)n_area * NCLS * NPER;
#define CELL(ar, c, w) (((int64_t)(ar) * NCLS + (c)) * NPER + (w))
    for (int d = 0; d < n_district; d++)
        for (int c = 0; c < 4; c++)
            for (int w = 0; w < 4; w++) {
                double x = small_count();
                for (int ar = d; ar >= 0; ar = ar == region ? -1 : parent[ar]) {
                    T.v[CELL(ar, c, w)] += x;
                    T.v[CELL(ar, 4, w)] += x;
                    T.v[CELL(ar, c, 4)] += x;
                    T.v[CELL(ar, 4, 4)] += x;
                }
            }
    for (int ar = 0; ar < n_area; ar++)
        for (int w = 0; w < NPER; w++) {
            con_begin(CELL(ar, 4, w));
            for (int c = 0; c < 4; c++) con_part(CELL(ar, c, w));
            con_end();
        }
    for (int ar = 0; ar < n_area; ar++)
        for (int c = 0; c < NCLS; c++) {
            con_begin(CELL(ar, c, 4));
            for (int w = 0; w < 4; w++) con_part(CELL(ar, c, w));
            con_end();
        }
    for (int top = n_district; top < n_area; top++)
        for (int c = 0; c < NCLS; c++)
            for (int w = 0; w < NPER; w++) {
                con_begin(CELL(top, c, w));
                for (int ar = 0; ar < top; ar++)
                    if (parent[ar] == top) con_part(CELL(ar, c, w));
                con_end();
            }
#undef CELL
}

/* Two tables of one population sharing their margins: area x class and area x outcome
 * (three outcomes), where the "all" column of one is the total column of the other. */
static void linked_tables(int n_district)
{
    tab_reset();
    int n_area = n_district + 1;                 /* districts and their region */
    /* cells: class table [area][5] (U B D P all), outcome table [area][3] parts; the
     * outcome table's total is the class table's "all" cell. */
    int64_t cls0 = 0, out0 = (int64_t)n_area * 5;
    T.n = out0 + (int64_t)n_area * 3;
    for (int d = 0; d < n_district; d++)
        for (int c = 0; c < 4; c++)
            for (int o = 0; o < 3; o++) {
                double x = (double)(next_u64() % 7);
                for (int ar = d; ar >= 0; ar = ar == n_district ? -1 : n_district) {
                    T.v[cls0 + ar * 5 + c] += x;
                    T.v[cls0 + ar * 5 + 4] += x;
                    T.v[out0 + ar * 3 + o] += x;
                }
            }
    for (int ar = 0; ar < n_area; ar++) {
        con_begin(cls0 + ar * 5 + 4);
        for (int c = 0; c < 4; c++) con_part(cls0 + ar * 5 + c);
        con_end();
        con_begin(cls0 + ar * 5 + 4);
        for (int o = 0; o < 3; o++) con_part(out0 + ar * 3 + o);
        con_end();
    }
    for (int c = 0; c < 5; c++) {
        con_begin(cls0 + n_district * 5 + c);
        for (int d = 0; d < n_district; d++) con_part(cls0 + d * 5 + c);
        con_end();
    }
    for (int o = 0; o < 3; o++) {
        con_begin(out0 + n_district * 3 + o);
        for (int d = 0; d < n_district; d++) con_part(out0 + d * 3 + o);
        con_end();
    }
}

int main(void)
{
    regia_sdc_report_t rep;
    int64_t unsafe;

    /* --- the hand case, attacked --- */
    hand_table();
    regia_sdc_problem_t p = tab_problem(3, 3);
    CHECK_CLOSE(T.v[15], 63, 0, 0);
    T.status[0] = T.status[1] = REGIA_SDC_PRIMARY; /* r1A, r1B only */
    CHECK_OK(regia_sdc_audit(&p, T.lo, T.hi, &unsafe));
    CHECK_CLOSE(T.lo[0], 2, 0, 1e-9);   /* r1A = 13 - 6 - 5 */
    CHECK_CLOSE(T.hi[0], 2, 0, 1e-9);
    CHECK_CLOSE(T.lo[1], 7, 0, 1e-9);
    CHECK(unsafe == 2);
    CHECK(isnan(T.lo[2]) && isnan(T.hi[2]));
    T.status[4] = T.status[5] = REGIA_SDC_SECONDARY; /* the rectangle r1A r1B r2A r2B */
    CHECK_OK(regia_sdc_audit(&p, T.lo, T.hi, &unsafe));
    CHECK_CLOSE(T.lo[0], 0, 0, 1e-9);
    CHECK_CLOSE(T.hi[0], 8, 0, 1e-9);
    CHECK(unsafe == 0);

    /* --- the hand case, protected: r1A is the only cell <= 2; the cheapest rectangle
     * through it is r1A r1C r3A r3C (9 + 5 + 4 hidden); r1A then lies in [0, 7]. --- */
    hand_table();
    p = tab_problem(3, 0);
    CHECK_OK(regia_sdc_protect(&p, &rep));
    CHECK(rep.primary == 1 && rep.secondary == 3);
    CHECK(T.status[0] == REGIA_SDC_PRIMARY);
    CHECK(T.status[2] == REGIA_SDC_SECONDARY && T.status[8] == REGIA_SDC_SECONDARY &&
          T.status[10] == REGIA_SDC_SECONDARY);
    CHECK(count_status(REGIA_SDC_PUBLISHED) == 12);
    CHECK(rep.lps > 0 && rep.seconds >= 0);
    check_safe(&p, "hand case");
    CHECK_CLOSE(T.lo[0], 0, 0, 1e-9);
    CHECK_CLOSE(T.hi[0], 7, 0, 1e-9);

    /* A cost array steers the choice: r1C made dear, the next rectangle is r1A r1B r2A r2B. */
    hand_table();
    double cost[16];
    for (int i = 0; i < 16; i++) cost[i] = T.v[i];
    cost[2] = 1000;
    p = tab_problem(3, 3);
    p.cost = cost;
    CHECK_OK(regia_sdc_protect(&p, &rep));
    CHECK(T.status[2] == REGIA_SDC_PUBLISHED);
    CHECK(T.status[1] == REGIA_SDC_SECONDARY && T.status[4] == REGIA_SDC_SECONDARY &&
          T.status[5] == REGIA_SDC_SECONDARY);
    CHECK(rep.secondary == 3);
    check_safe(&p, "hand case with costs");

    /* A wider protection needs more: r1A must move by 10, beyond every cell of row 3. */
    hand_table();
    p = tab_problem(3, 10);
    CHECK_OK(regia_sdc_protect(&p, &rep));
    CHECK(rep.secondary >= 3);
    check_safe(&p, "hand case, protection 10");

    /* --- trivial cases: nothing sensitive, nothing hidden; zeros are published --- */
    hand_table();
    T.v[0] = 0; T.v[3] = 16; T.v[12] = 11; T.v[15] = 61;
    p = tab_problem(3, 3);
    CHECK_OK(regia_sdc_protect(&p, &rep));
    CHECK(rep.primary == 0 && rep.secondary == 0 && count_status(REGIA_SDC_PUBLISHED) == 16);
    /* a 2 x 2 table with one small cell: its four inner cells, no total */
    tab_reset();
    T.n = 9;
    {
        static const double v[9] = {1, 20, 21, 30, 40, 70, 31, 60, 91};
        memcpy(T.v, v, sizeof v);
        for (int r = 0; r < 3; r++) { con_begin(3 * r + 2); con_part(3 * r); con_part(3 * r + 1); con_end(); }
        for (int c = 0; c < 3; c++) { con_begin(6 + c); con_part(c); con_part(3 + c); con_end(); }
    }
    p = tab_problem(5, 5);
    CHECK_OK(regia_sdc_protect(&p, &rep));
    CHECK(rep.primary == 1 && rep.secondary == 3);
    CHECK(T.status[0] && T.status[1] && T.status[3] && T.status[4]);
    CHECK(!T.status[2] && !T.status[5] && !T.status[6] && !T.status[7] && !T.status[8]);
    check_safe(&p, "2 x 2");
    /* persons: 20 bookings of 2 patients are as sensitive as 2 bookings */
    double persons[9] = {20, 20, 21, 30, 2, 70, 31, 60, 91};
    T.v[0] = 20; T.v[2] = 40; T.v[6] = 50; T.v[8] = 110;
    p = tab_problem(5, 5);
    p.persons = persons;
    CHECK_OK(regia_sdc_protect(&p, &rep));
    CHECK(rep.primary == 1 && T.status[4] == REGIA_SDC_PRIMARY && T.status[0] != REGIA_SDC_PRIMARY);
    CHECK(rep.secondary == 3);
    /* a cell in no sum: suppressed alone, unbounded */
    tab_reset();
    T.n = 1;
    T.v[0] = 2;
    p = tab_problem(3, 3);
    CHECK_OK(regia_sdc_protect(&p, &rep));
    CHECK(T.status[0] == REGIA_SDC_PRIMARY && rep.secondary == 0);
    CHECK_OK(regia_sdc_audit(&p, T.lo, T.hi, &unsafe));
    CHECK(unsafe == 0 && T.lo[0] == 0 && isinf(T.hi[0]));

    /* --- random 3-level hierarchies (the cube's layout) --- */
    for (int rep_i = 0; rep_i < 4; rep_i++) {
        int dpa[3] = {1 + (int)(next_u64() % 3), 1 + (int)(next_u64() % 3), 1 + (int)(next_u64() % 3)};
        hier_table(3, dpa);
        p = tab_problem(5, 0);
        CHECK_OK(regia_sdc_protect(&p, &rep));
        CHECK(rep.primary > 0);
        check_safe(&p, "hierarchy");
    }
    /* a single district per ASL: district = ASL, so the ASL must go too */
    {
        int dpa[2] = {1, 3};
        hier_table(2, dpa);
        p = tab_problem(10, 10);
        CHECK_OK(regia_sdc_protect(&p, &rep));
        check_safe(&p, "hierarchy k 10");
    }
    /* --- linked tables sharing margins, protected together --- */
    for (int rep_i = 0; rep_i < 3; rep_i++) {
        linked_tables(4 + rep_i);
        p = tab_problem(4, 4);
        CHECK_OK(regia_sdc_protect(&p, &rep));
        check_safe(&p, "linked tables");
    }

    /* --- bad problems --- */
    hand_table();
    p = tab_problem(2, 2);
    CHECK(regia_sdc_protect(&p, &rep) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "at least 3") != NULL);
    T.v[3] = 19; /* row 1 no longer sums */
    p = tab_problem(3, 3);
    CHECK(regia_sdc_protect(&p, &rep) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "constraint 0: total cell 3 = 19") != NULL);
    hand_table();
    T.part[1] = 0; /* r1A twice in row 1 */
    CHECK(regia_sdc_protect(&p, &rep) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "twice") != NULL);
    hand_table();
    T.v[5] = -1;
    CHECK(regia_sdc_protect(&p, &rep) == REGIA_ERR_INVALID);
    hand_table();
    p = tab_problem(3, 3);
    p.max_lps = 1;
    CHECK(regia_sdc_protect(&p, &rep) == REGIA_ERR_NUMERIC);
    CHECK(strstr(regia_error_msg(), "linear programs") != NULL);
    return check_done();
}
