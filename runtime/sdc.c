/* sdc.c - statistical disclosure control of linked count tables (regia/sdc.h), with the
 * linear programs solved by GLPK's simplex.
 *
 * Two linear programs per connected block of constraints (cells linked through sums are
 * solved together; blocks that share no cell are independent and stay small):
 *
 *   the attacker   x >= 0, every constraint total = sum of parts, every published cell
 *                  fixed at its value; min and max of one suppressed cell x_i.  This is
 *                  the audit of sdcTable's attack.R, and what the tests redo with scipy.
 *   the defender   a perturbation d of the table that keeps every sum (A d = 0) and every
 *                  cell non-negative (d_j >= -v_j), moves the cell being protected by a
 *                  given amount, and moves published cells as little as possible:
 *                  min sum_j cost_j |d_j| over published j (suppressed cells move
 *                  almost free: SDC_HIDDEN_COST per unit).
 *                  The published cells it moves are suppressed next: afterwards v + d is
 *                  a solution the attacker cannot exclude, so the cell's interval reaches
 *                  the moved value.  This is the LP of the classic cell-suppression
 *                  models (Kelly, Golden and Assad 1992; Fischetti and Salazar-Gonzalez
 *                  2000), solved for one cell at a time: a greedy heuristic, not the
 *                  optimal pattern, but every cell it returns is proved safe.
 *
 * First pattern: no sum may hold exactly one suppressed cell (that cell would be given
 * back exactly), so the cheapest published member of such a sum is hidden too, until none
 * does (close_singletons).  Small blocks are also solved from the primaries by the LPs
 * alone, and the cheaper of the two patterns is kept.
 *
 * Every suppressed cell (primary or secondary) is processed from a queue: the attacker's
 * interval is computed; while it is narrower than the protection, the defender's LP adds
 * cells; cells it adds join the queue.  Suppressing more cells only widens intervals, so a
 * cell that passed stays safe.  One GLPK problem object per block and per role is reused:
 * only an objective coefficient or a bound changes between solves; the attacker's simplex
 * starts from the previous basis, the defender's from the slack basis (d = 0: see defend).
 *
 * Blocks are protected in parallel (OpenMP threads, when GLPK keeps its state per
 * thread); each block's pattern depends on its own cells only, and the results are merged
 * in block order, so the output is the serial one at any thread count (protect_blocks).
 */
#include "regia/sdc.h"

#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define SDC_TOL 1e-6          /* counts are integers; LP round-off is far below this     */
#define SDC_BOTH_MAX 600       /* blocks up to this many cells are solved both ways      */
#define SDC_MOVE_EPS 1e-7     /* a defender move smaller than this is no move            */
#define SDC_HIDDEN_COST 0.01  /* the defender's cost of moving a suppressed cell by 1: next
                                 to nothing (a published cell costs >= 1), but not free, so
                                 that its move stays compact rather than spreading through
                                 every suppressed cell (a degenerate optimum the dual simplex
                                 takes thousands of pivots to reach)                       */

typedef struct {
    const regia_sdc_problem_t *p;
    int64_t n, nc;
    int64_t *inc_off, *inc;           /* cell -> the constraints it is in (CSR)          */
    int64_t *comp;                    /* cell -> block, -1 when in no constraint         */
    int64_t *loc;                     /* cell -> column in its block (1-based)           */
    int64_t ncomp;
    int64_t *cell_off, *cells;        /* block -> its cells                              */
    int64_t *con_off, *cons;          /* block -> its constraints                        */
    double protection;
    int64_t lps, max_lps;
    int it_lim;
    int hit_limit;                    /* lp_solve refused an LP: max_lps reached         */
    /* the local attacker's scratch (n cells, n constraints) */
    int64_t *stamp, *cstamp, stamp_now, *vars, *rows, *col_of;
    /* witnesses: the least and greatest value of each cell over the attacker's solutions
     * found so far (every LP solution, and v + d of every defender move, is one).  Hiding
     * more cells only adds solutions, so these stay valid; a cell whose witnesses are
     * `protection` apart needs no LP of its own. */
    double *wmin, *wmax;
} sdc_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int64_t uf_find(int64_t *par, int64_t x)
{
    while (par[x] != x) {
        par[x] = par[par[x]];
        x = par[x];
    }
    return x;
}

static void sdc_free(sdc_t *s)
{
    free(s->inc_off); free(s->inc); free(s->comp); free(s->loc);
    free(s->cell_off); free(s->cells); free(s->con_off); free(s->cons);
    free(s->stamp); free(s->cstamp); free(s->vars); free(s->rows); free(s->col_of);
    free(s->wmin); free(s->wmax);
    memset(s, 0, sizeof *s);
}

/* Check the problem: sizes, indices, no cell twice in one constraint, non-negative finite
 * counts, and every sum holding on the values (else the attacker's LP is infeasible). */
static regia_status_t sdc_validate(const regia_sdc_problem_t *p, int need_status_in)
{
    if (!p || p->n_cells < 0 || p->n_cons < 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: negative problem size");
    if (p->n_cells > 0 && (!p->value || !p->status))
        return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: value and status arrays are required");
    if (p->n_cons > 0 && (!p->cons_total || !p->cons_off || !p->cons_part))
        return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: constraint arrays are required");
    if (!(p->k >= 3.0) || !isfinite(p->k))
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "disclosure control: threshold k = %g; it must be at least 3 (the ISTAT/SISTAN minimum)",
                          p->k);
    if (!(p->protection >= 0.0) || !isfinite(p->protection))
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "disclosure control: protection level %g; it must be a positive number (0: k)",
                          p->protection);
    for (int64_t i = 0; i < p->n_cells; i++) {
        if (!isfinite(p->value[i]) || p->value[i] < 0.0)
            return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: cell %lld has value %g; counts are finite and >= 0",
                              (long long)i, p->value[i]);
        if (p->persons && (!isfinite(p->persons[i]) || p->persons[i] < 0.0))
            return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: cell %lld has %g persons; counts are finite and >= 0",
                              (long long)i, p->persons[i]);
        if (p->cost && (!isfinite(p->cost[i]) || p->cost[i] < 0.0))
            return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: cell %lld has cost %g; costs are finite and >= 0",
                              (long long)i, p->cost[i]);
        if (need_status_in && (p->status[i] < REGIA_SDC_PUBLISHED || p->status[i] > REGIA_SDC_SECONDARY))
            return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: cell %lld has status %d (0, 1 or 2 expected)",
                              (long long)i, (int)p->status[i]);
    }
    if (p->n_cons > 0 && p->cons_off[0] != 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: cons_off[0] = %lld, expected 0", (long long)p->cons_off[0]);
    int64_t *mark = p->n_cells ? calloc((size_t)p->n_cells, sizeof *mark) : NULL;
    if (p->n_cells && !mark) return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory");
    regia_status_t st = REGIA_OK;
    for (int64_t c = 0; c < p->n_cons && st == REGIA_OK; c++) {
        int64_t t = p->cons_total[c], a = p->cons_off[c], b = p->cons_off[c + 1];
        if (b <= a) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: constraint %lld has no parts", (long long)c);
            break;
        }
        if (t < 0 || t >= p->n_cells) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: constraint %lld: total cell %lld out of range [0, %lld)",
                            (long long)c, (long long)t, (long long)p->n_cells);
            break;
        }
        mark[t] = c + 1;
        double sum = 0.0;
        for (int64_t q = a; q < b; q++) {
            int64_t j = p->cons_part[q];
            if (j < 0 || j >= p->n_cells) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: constraint %lld: part cell %lld out of range [0, %lld)",
                                (long long)c, (long long)j, (long long)p->n_cells);
                break;
            }
            if (mark[j] == c + 1) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: constraint %lld names cell %lld twice",
                                (long long)c, (long long)j);
                break;
            }
            mark[j] = c + 1;
            sum += p->value[j];
        }
        if (st == REGIA_OK && fabs(sum - p->value[t]) > 1e-9 * fmax(1.0, fabs(p->value[t])))
            st = REGIA_FAIL(REGIA_ERR_INVALID,
                            "disclosure control: constraint %lld: total cell %lld = %.17g but its %lld parts sum to %.17g",
                            (long long)c, (long long)t, p->value[t], (long long)(b - a), sum);
    }
    free(mark);
    return st;
}

/* Incidence, blocks (union-find over the constraints) and each cell's column. */
static regia_status_t sdc_build(sdc_t *s, const regia_sdc_problem_t *p)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->n = p->n_cells;
    s->nc = p->n_cons;
    s->protection = p->protection > 0.0 ? p->protection : p->k;
    int64_t nnz = p->n_cons ? p->cons_off[p->n_cons] + p->n_cons : 0;
    s->max_lps = p->max_lps > 0 ? p->max_lps : 1000 + 40 * s->n;
    size_t n1 = (size_t)s->n + 1;
    s->inc_off = calloc(n1, sizeof *s->inc_off);
    s->inc = malloc((size_t)(nnz ? nnz : 1) * sizeof *s->inc);
    s->comp = malloc(n1 * sizeof *s->comp);
    s->loc = malloc(n1 * sizeof *s->loc);
    int64_t *par = malloc(n1 * sizeof *par);
    if (!s->inc_off || !s->inc || !s->comp || !s->loc || !par) {
        free(par);
        sdc_free(s);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory (%lld cells)", (long long)s->n);
    }
    for (int64_t c = 0; c < s->nc; c++) {
        s->inc_off[p->cons_total[c] + 1]++;
        for (int64_t q = p->cons_off[c]; q < p->cons_off[c + 1]; q++) s->inc_off[p->cons_part[q] + 1]++;
    }
    for (int64_t i = 0; i < s->n; i++) s->inc_off[i + 1] += s->inc_off[i];
    int64_t *fill = s->loc; /* scratch until the columns are numbered */
    for (int64_t i = 0; i < s->n; i++) fill[i] = s->inc_off[i];
    for (int64_t i = 0; i < s->n; i++) par[i] = i;
    for (int64_t c = 0; c < s->nc; c++) {
        int64_t t = p->cons_total[c];
        s->inc[fill[t]++] = c;
        for (int64_t q = p->cons_off[c]; q < p->cons_off[c + 1]; q++) {
            int64_t j = p->cons_part[q];
            s->inc[fill[j]++] = c;
            int64_t a = uf_find(par, t), b = uf_find(par, j);
            if (a != b) par[a < b ? b : a] = a < b ? a : b;
        }
    }
    /* Blocks in order of their first cell; cells in no constraint form none. */
    int64_t *root_comp = s->loc; /* scratch again */
    for (int64_t i = 0; i < s->n; i++) root_comp[i] = -1;
    s->ncomp = 0;
    for (int64_t i = 0; i < s->n; i++) {
        if (s->inc_off[i + 1] == s->inc_off[i]) {
            s->comp[i] = -1;
            continue;
        }
        int64_t r = uf_find(par, i);
        if (root_comp[r] < 0) root_comp[r] = s->ncomp++;
        s->comp[i] = root_comp[r];
    }
    free(par);
    s->cell_off = calloc((size_t)s->ncomp + 1, sizeof *s->cell_off);
    s->con_off = calloc((size_t)s->ncomp + 1, sizeof *s->con_off);
    s->cells = malloc((size_t)(s->n ? s->n : 1) * sizeof *s->cells);
    s->cons = malloc((size_t)(s->nc ? s->nc : 1) * sizeof *s->cons);
    if (!s->cell_off || !s->con_off || !s->cells || !s->cons) {
        sdc_free(s);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory (%lld cells)", (long long)s->n);
    }
    for (int64_t i = 0; i < s->n; i++)
        if (s->comp[i] >= 0) s->cell_off[s->comp[i] + 1]++;
    for (int64_t c = 0; c < s->nc; c++) s->con_off[s->comp[p->cons_total[c]] + 1]++;
    for (int64_t q = 0; q < s->ncomp; q++) {
        s->cell_off[q + 1] += s->cell_off[q];
        s->con_off[q + 1] += s->con_off[q];
    }
    for (int64_t q = 0; q < s->ncomp; q++) {
        int64_t nq = s->cell_off[q + 1] - s->cell_off[q], mq = s->con_off[q + 1] - s->con_off[q];
        if (2 * nq >= INT_MAX / 2 || mq >= INT_MAX / 2) {
            sdc_free(s);
            return REGIA_FAIL(REGIA_ERR_INVALID,
                              "disclosure control: a block of linked cells has %lld cells and %lld sums, more than one "
                              "linear program can hold", (long long)nq, (long long)mq);
        }
    }
    int64_t *cfill = malloc(((size_t)s->ncomp + 1) * sizeof *cfill);
    if (!cfill) {
        sdc_free(s);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory");
    }
    for (int64_t q = 0; q < s->ncomp; q++) cfill[q] = s->cell_off[q];
    for (int64_t i = 0; i < s->n; i++) {
        s->loc[i] = 0;
        if (s->comp[i] < 0) continue;
        int64_t q = s->comp[i];
        s->loc[i] = cfill[q] - s->cell_off[q] + 1;
        s->cells[cfill[q]++] = i;
    }
    for (int64_t q = 0; q < s->ncomp; q++) cfill[q] = s->con_off[q];
    for (int64_t c = 0; c < s->nc; c++) s->cons[cfill[s->comp[p->cons_total[c]]]++] = c;
    free(cfill);
    s->it_lim = 0;
    s->stamp = calloc(n1, sizeof *s->stamp);
    s->col_of = calloc(n1, sizeof *s->col_of);
    s->vars = malloc(n1 * sizeof *s->vars);
    s->cstamp = calloc((size_t)s->nc + 1, sizeof *s->cstamp);
    s->rows = malloc(((size_t)s->nc + 1) * sizeof *s->rows);
    s->wmin = malloc(n1 * sizeof *s->wmin);
    s->wmax = malloc(n1 * sizeof *s->wmax);
    if (!s->stamp || !s->col_of || !s->vars || !s->cstamp || !s->rows || !s->wmin || !s->wmax) {
        sdc_free(s);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory (%lld cells)", (long long)s->n);
    }
    for (int64_t i = 0; i < s->n; i++) s->wmin[i] = s->wmax[i] = p->value[i];
    return REGIA_OK;
}

/* The members of constraint c with their coefficients (+1 total, -1 parts) as GLPK wants
 * them (1-based arrays), columns mapped by col(cell) = stride * loc + shift. */
static int con_row(const sdc_t *s, int64_t c, int *ind, double *val, int stride, int shift, int pair)
{
    const regia_sdc_problem_t *p = s->p;
    int len = 0;
    int64_t t = p->cons_total[c];
    ind[++len] = (int)(stride * s->loc[t] + shift);
    val[len] = 1.0;
    if (pair) {
        ind[++len] = (int)(stride * s->loc[t] + shift + 1);
        val[len] = -1.0;
    }
    for (int64_t q = p->cons_off[c]; q < p->cons_off[c + 1]; q++) {
        int64_t j = p->cons_part[q];
        ind[++len] = (int)(stride * s->loc[j] + shift);
        val[len] = -1.0;
        if (pair) {
            ind[++len] = (int)(stride * s->loc[j] + shift + 1);
            val[len] = 1.0;
        }
    }
    return len;
}

static int64_t max_con_len(const sdc_t *s, int64_t q)
{
    int64_t m = 0;
    for (int64_t r = s->con_off[q]; r < s->con_off[q + 1]; r++) {
        int64_t c = s->cons[r], len = s->p->cons_off[c + 1] - s->p->cons_off[c] + 1;
        if (len > m) m = len;
    }
    return m;
}

/* The attacker's LP of block q: column loc(i) = x_i; published cells fixed. */
static regia_status_t build_attacker(const sdc_t *s, int64_t q, glp_prob **out)
{
    int64_t nq = s->cell_off[q + 1] - s->cell_off[q], mq = s->con_off[q + 1] - s->con_off[q];
    int64_t ml = max_con_len(s, q);
    int *ind = malloc((size_t)(ml + 1) * sizeof *ind);
    double *val = malloc((size_t)(ml + 1) * sizeof *val);
    if (!ind || !val) {
        free(ind); free(val);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory");
    }
    glp_prob *lp = glp_create_prob();
    glp_add_cols(lp, (int)nq);
    glp_add_rows(lp, (int)mq);
    for (int64_t a = 0; a < nq; a++) {
        int64_t i = s->cells[s->cell_off[q] + a];
        if (s->p->status[i] == REGIA_SDC_PUBLISHED) glp_set_col_bnds(lp, (int)a + 1, GLP_FX, s->p->value[i], s->p->value[i]);
        else glp_set_col_bnds(lp, (int)a + 1, GLP_LO, 0.0, 0.0);
    }
    for (int64_t r = 0; r < mq; r++) {
        int len = con_row(s, s->cons[s->con_off[q] + r], ind, val, 1, 0, 0);
        glp_set_mat_row(lp, (int)r + 1, len, ind, val);
        glp_set_row_bnds(lp, (int)r + 1, GLP_FX, 0.0, 0.0);
    }
    free(ind); free(val);
    glp_adv_basis(lp, 0);
    *out = lp;
    return REGIA_OK;
}

static double cell_cost(const regia_sdc_problem_t *p, int64_t i)
{
    /* +1: a published zero is not free to hide (it adds an unknown and hides a fact). */
    return p->cost ? p->cost[i] : p->value[i] + 1.0;
}

static void set_move_bounds(glp_prob *lp, int64_t l, double v)
{
    glp_set_col_bnds(lp, (int)(2 * l - 1), GLP_LO, 0.0, 0.0);                 /* up   */
    if (v > 0.0) glp_set_col_bnds(lp, (int)(2 * l), GLP_DB, 0.0, v);          /* down */
    else glp_set_col_bnds(lp, (int)(2 * l), GLP_FX, 0.0, 0.0);
}

/* The defender's LP of block q: columns 2 loc - 1 = up move, 2 loc = down move. */
static regia_status_t build_defender(const sdc_t *s, int64_t q, glp_prob **out)
{
    int64_t nq = s->cell_off[q + 1] - s->cell_off[q], mq = s->con_off[q + 1] - s->con_off[q];
    int64_t ml = 2 * max_con_len(s, q);
    int *ind = malloc((size_t)(ml + 1) * sizeof *ind);
    double *val = malloc((size_t)(ml + 1) * sizeof *val);
    if (!ind || !val) {
        free(ind); free(val);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory");
    }
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_cols(lp, (int)(2 * nq));
    glp_add_rows(lp, (int)mq);
    for (int64_t a = 0; a < nq; a++) {
        int64_t i = s->cells[s->cell_off[q] + a];
        set_move_bounds(lp, a + 1, s->p->value[i]);
        double c = s->p->status[i] == REGIA_SDC_PUBLISHED ? cell_cost(s->p, i) : SDC_HIDDEN_COST;
        glp_set_obj_coef(lp, (int)(2 * a + 1), c);
        glp_set_obj_coef(lp, (int)(2 * a + 2), c);
    }
    for (int64_t r = 0; r < mq; r++) {
        int len = con_row(s, s->cons[s->con_off[q] + r], ind, val, 2, -1, 1);
        glp_set_mat_row(lp, (int)r + 1, len, ind, val);
        glp_set_row_bnds(lp, (int)r + 1, GLP_FX, 0.0, 0.0);
    }
    free(ind); free(val);
    glp_std_basis(lp);
    *out = lp;
    return REGIA_OK;
}

/* One simplex solve from the current basis; a lost basis is rebuilt once. */
static regia_status_t lp_solve(sdc_t *s, glp_prob *lp, int meth, int *status)
{
    if (s->lps >= s->max_lps) {
        s->hit_limit = 1;
        return REGIA_FAIL(REGIA_ERR_NUMERIC,
                          "disclosure control: stopped after %lld linear programs (the limit for %lld cells) before every "
                          "suppressed cell was protected; nothing may be published from these tables",
                          (long long)s->lps, (long long)s->n);
    }
    s->lps++;
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.meth = meth;
    parm.presolve = GLP_OFF;
    parm.it_lim = 100000 + 20 * glp_get_num_cols(lp);
    int rc = glp_simplex(lp, &parm);
    if (rc == GLP_EBADB || rc == GLP_ESING || rc == GLP_ECOND || rc == GLP_EFAIL) {
        glp_adv_basis(lp, 0);
        rc = glp_simplex(lp, &parm);
    }
    if (rc != 0)
        return REGIA_FAIL(REGIA_ERR_NUMERIC,
                          "disclosure control: GLPK's simplex failed on a %d x %d linear program (code %d%s)",
                          glp_get_num_rows(lp), glp_get_num_cols(lp), rc,
                          rc == GLP_EITLIM ? ": iteration limit" : "");
    *status = glp_get_status(lp);
    return REGIA_OK;
}

/* Record the attacker's solution in lp (columns 1..ncols are the cells colcell[]).  The
 * primal simplex keeps its point feasible, so an unbounded stop gives a witness too. */
static void witness(sdc_t *s, glp_prob *lp, const int64_t *colcell, int64_t ncols)
{
    for (int64_t a = 0; a < ncols; a++) {
        int64_t j = colcell[a];
        double x = glp_get_col_prim(lp, (int)a + 1);
        if (x < s->wmin[j]) s->wmin[j] = x;
        if (x > s->wmax[j]) s->wmax[j] = x;
    }
}

static void witness_move(sdc_t *s, int64_t j, double d)
{
    double x = s->p->value[j] + d;
    if (x < s->wmin[j]) s->wmin[j] = x;
    if (x > s->wmax[j]) s->wmax[j] = x;
}

static int wide(const sdc_t *s, int64_t i) { return s->wmax[i] - s->wmin[i] >= s->protection - SDC_TOL; }

/* The attacker's interval of the cell in column l (value v; columns are the cells
 * colcell[0 .. ncols)).  With `full` = 0 the minimum is skipped when the maximum and the
 * witnesses already prove the width (lo is then NaN). */
static regia_status_t attack(sdc_t *s, glp_prob *lp, int l, double v, int full, double *lo, double *hi,
                             const int64_t *colcell, int64_t ncols)
{
    regia_status_t st = REGIA_OK;
    int stat;
    *lo = NAN;
    *hi = NAN;
    glp_set_obj_coef(lp, l, 1.0);
    glp_set_obj_dir(lp, GLP_MAX);
    REGIA_TRY(lp_solve(s, lp, GLP_PRIMAL, &stat));
    if (stat == GLP_UNBND) *hi = INFINITY;
    else if (stat == GLP_OPT) *hi = glp_get_col_prim(lp, l);
    else goto infeasible;
    if (!full) witness(s, lp, colcell, ncols);
    if (full || (*hi - v < s->protection - SDC_TOL && !wide(s, colcell[l - 1]))) {
        glp_set_obj_dir(lp, GLP_MIN);
        REGIA_TRY(lp_solve(s, lp, GLP_PRIMAL, &stat));
        if (stat != GLP_OPT) goto infeasible;
        *lo = glp_get_col_prim(lp, l);
        if (!full) witness(s, lp, colcell, ncols);
    }
    glp_set_obj_coef(lp, l, 0.0);
    return REGIA_OK;
infeasible:
    st = REGIA_FAIL(REGIA_ERR_NUMERIC, "disclosure control: the attacker's linear program has no solution (GLPK status %d)",
                    stat);
err:
    glp_set_obj_coef(lp, l, 0.0);
    return st;
}

/* The attacker on the suppressed cells within `depth` sums of cell i (linked through
 * suppressed cells only: published ones are constants), every other cell held at its
 * value.  Its feasible set is a subset of the full attacker's, so its interval is never
 * wider: a width it proves is a width the full attacker concedes.  With depth large
 * enough to hold i's whole suppressed component it is the full attacker, exactly.
 * *complete = 1 when it was (nothing reachable was left out). */
static regia_status_t attack_local(sdc_t *s, int64_t i, int depth, double *lo, double *hi, int *complete)
{
    const regia_sdc_problem_t *p = s->p;
    regia_status_t st = REGIA_OK;
    int64_t stamp = ++s->stamp_now, nv = 0, nr = 0, frontier = 0;
    s->vars[nv++] = i;
    s->stamp[i] = stamp;
    *complete = 1;
    for (int d = 0; d < depth && frontier < nv; d++) {
        int64_t end = nv;
        for (; frontier < end; frontier++) {
            int64_t u = s->vars[frontier];
            for (int64_t r = s->inc_off[u]; r < s->inc_off[u + 1]; r++) {
                int64_t c = s->inc[r];
                for (int64_t q = p->cons_off[c] - 1; q < p->cons_off[c + 1]; q++) {
                    int64_t j = q < p->cons_off[c] ? p->cons_total[c] : p->cons_part[q];
                    if (s->stamp[j] == stamp || p->status[j] == REGIA_SDC_PUBLISHED) continue;
                    s->stamp[j] = stamp;
                    s->vars[nv++] = j;
                }
            }
        }
    }
    /* cells reached at the last depth may link to more: the result is then a bound */
    for (int64_t a = frontier; a < nv && *complete; a++) {
        int64_t u = s->vars[a];
        for (int64_t r = s->inc_off[u]; r < s->inc_off[u + 1] && *complete; r++) {
            int64_t c = s->inc[r];
            for (int64_t q = p->cons_off[c] - 1; q < p->cons_off[c + 1]; q++) {
                int64_t j = q < p->cons_off[c] ? p->cons_total[c] : p->cons_part[q];
                if (s->stamp[j] != stamp && p->status[j] != REGIA_SDC_PUBLISHED) {
                    *complete = 0;
                    break;
                }
            }
        }
    }
    for (int64_t a = 0; a < nv; a++) {
        int64_t u = s->vars[a];
        s->col_of[u] = a + 1;
        for (int64_t r = s->inc_off[u]; r < s->inc_off[u + 1]; r++) {
            int64_t c = s->inc[r];
            if (s->cstamp[c] == stamp) continue;
            s->cstamp[c] = stamp;
            s->rows[nr++] = c;
        }
    }
    if (nv >= INT_MAX / 4 || nr >= INT_MAX / 4)
        return REGIA_FAIL(REGIA_ERR_INVALID, "disclosure control: %lld linked suppressed cells, too many for one linear program",
                          (long long)nv);
    int64_t ml = 1;
    for (int64_t r = 0; r < nr; r++) {
        int64_t c = s->rows[r], len = p->cons_off[c + 1] - p->cons_off[c] + 1;
        if (len > ml) ml = len;
    }
    int *ind = malloc((size_t)(ml + 1) * sizeof *ind);
    double *val = malloc((size_t)(ml + 1) * sizeof *val);
    if (!ind || !val) {
        free(ind); free(val);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory");
    }
    glp_prob *lp = glp_create_prob();
    glp_add_cols(lp, (int)nv);
    glp_add_rows(lp, (int)nr);
    for (int64_t a = 0; a < nv; a++) glp_set_col_bnds(lp, (int)a + 1, GLP_LO, 0.0, 0.0);
    for (int64_t r = 0; r < nr; r++) {
        int64_t c = s->rows[r];
        int len = 0;
        double rhs = 0.0;
        for (int64_t q = p->cons_off[c] - 1; q < p->cons_off[c + 1]; q++) {
            int64_t j = q < p->cons_off[c] ? p->cons_total[c] : p->cons_part[q];
            double a = q < p->cons_off[c] ? 1.0 : -1.0;
            if (s->stamp[j] == stamp) {
                ind[++len] = (int)s->col_of[j];
                val[len] = a;
            } else rhs -= a * p->value[j];
        }
        glp_set_mat_row(lp, (int)r + 1, len, ind, val);
        glp_set_row_bnds(lp, (int)r + 1, GLP_FX, rhs, rhs);
    }
    free(ind); free(val);
    glp_adv_basis(lp, 0);
    /* a local solution, with every other cell at its value, is a solution of the whole */
    st = attack(s, lp, 1, p->value[i], 0, lo, hi, s->vars, nv);
    glp_delete_prob(lp);
    return st;
}

/* 1 when some sum the cell is in has no other suppressed cell: the cell is recomputed
 * exactly, and the two attacker LPs can be skipped. */
static int determined(const sdc_t *s, int64_t i)
{
    const regia_sdc_problem_t *p = s->p;
    for (int64_t r = s->inc_off[i]; r < s->inc_off[i + 1]; r++) {
        int64_t c = s->inc[r], hidden = p->status[p->cons_total[c]] != REGIA_SDC_PUBLISHED;
        for (int64_t q = p->cons_off[c]; q < p->cons_off[c + 1] && hidden < 2; q++)
            hidden += p->status[p->cons_part[q]] != REGIA_SDC_PUBLISHED;
        if (hidden < 2) return 1;
    }
    return 0;
}

/* The defender's cheapest move of the cell in column l by `amount` (> 0 up, < 0 down);
 * *cost = INFINITY when no such move exists. */
static regia_status_t defend(sdc_t *s, glp_prob *lp, int64_t l, double v, double amount, double *cost)
{
    int up = (int)(2 * l - 1), dn = (int)(2 * l), stat;
    if (amount > 0.0) {
        glp_set_col_bnds(lp, up, GLP_FX, amount, amount);
        glp_set_col_bnds(lp, dn, GLP_FX, 0.0, 0.0);
    } else {
        glp_set_col_bnds(lp, up, GLP_FX, 0.0, 0.0);
        glp_set_col_bnds(lp, dn, GLP_FX, -amount, -amount);
    }
    /* from the slack basis (every move 0), which is dual feasible (costs >= 0): the dual
     * simplex then reaches the cell's move in a few hundred pivots, where the previous
     * cell's optimal basis takes thousands (its move must be undone first) */
    glp_std_basis(lp);
    regia_status_t st = lp_solve(s, lp, GLP_DUALP, &stat);
    if (st == REGIA_OK) *cost = stat == GLP_OPT ? glp_get_obj_val(lp) : INFINITY;
    return st;
}

static void defend_reset(glp_prob *lp, int64_t l, double v) { set_move_bounds(lp, l, v); }

/* Two attacker solutions that pull the suppressed cells apart (random signs, maximised
 * and minimised): in a dense pattern most cells then need no LP of their own. */
static regia_status_t seed_witnesses(sdc_t *s, glp_prob *att, const int64_t *cells, int64_t nq)
{
    regia_status_t st = REGIA_OK;
    int stat;
    uint64_t h = 0x2545f4914f6cdd1dull;
    for (int64_t a = 0; a < nq; a++) {
        h ^= h << 13; h ^= h >> 7; h ^= h << 17;    /* xorshift: deterministic signs */
        if (s->p->status[cells[a]] != REGIA_SDC_PUBLISHED) glp_set_obj_coef(att, (int)a + 1, (h & 1) ? 1.0 : -1.0);
    }
    for (int dir = 0; dir < 2; dir++) {
        glp_set_obj_dir(att, dir ? GLP_MIN : GLP_MAX);
        REGIA_TRY(lp_solve(s, att, GLP_PRIMAL, &stat));
        if (stat == GLP_OPT || stat == GLP_UNBND) witness(s, att, cells, nq);
    }
err:
    for (int64_t a = 0; a < nq; a++) glp_set_obj_coef(att, (int)a + 1, 0.0);
    return st;
}

/* No sum of block q may hold exactly one suppressed cell (it would give that cell back
 * exactly): until none does, the cheapest published member of such a sum is suppressed
 * too, preferring a part that can absorb a move of the protection (value >= protection).
 * A cheap first pattern that closes most cycles; the LPs then check every cell and add
 * what it still lacks. */
static regia_status_t close_singletons(sdc_t *s, int64_t q, regia_sdc_problem_t *p)
{
    int64_t m = s->con_off[q + 1] - s->con_off[q], head = 0, tail = 0;
    int64_t *work = malloc(sizeof *work * (size_t)(m + 1));
    int8_t *queued = calloc((size_t)s->nc + 1, 1);
    if (!work || !queued) {
        free(work); free(queued);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory");
    }
    for (int64_t r = s->con_off[q]; r < s->con_off[q + 1]; r++) {
        work[tail++] = s->cons[r];
        queued[s->cons[r]] = 1;
    }
    while (head != tail) {
        int64_t c = work[head];
        head = (head + 1) % (m + 1);
        queued[c] = 0;
        int hidden = 0;
        int64_t best = -1;
        double best_cost = INFINITY;
        for (int64_t x = p->cons_off[c] - 1; x < p->cons_off[c + 1]; x++) {
            int64_t j = x < p->cons_off[c] ? p->cons_total[c] : p->cons_part[x];
            if (p->status[j] != REGIA_SDC_PUBLISHED) {
                hidden++;
                continue;
            }
            /* a part that can move by the protection first, then any non-zero, then any */
            double tier = p->value[j] >= s->protection ? 0.0 : p->value[j] > 0 ? 1.0 : 2.0;
            if (x < p->cons_off[c]) tier += 0.5;   /* the total after a part of the same tier */
            double cost = tier * 1e15 + cell_cost(p, j);
            if (cost < best_cost) {
                best_cost = cost;
                best = j;
            }
        }
        if (hidden != 1 || best < 0) continue;
        p->status[best] = REGIA_SDC_SECONDARY;
        for (int64_t r = s->inc_off[best]; r < s->inc_off[best + 1]; r++) {
            int64_t c2 = s->inc[r];
            if (queued[c2]) continue;
            queued[c2] = 1;
            work[tail] = c2;
            tail = (tail + 1) % (m + 1);
        }
    }
    free(work);
    free(queued);
    return REGIA_OK;
}

/* Protect every suppressed cell of block q. */
static regia_status_t protect_block(sdc_t *s, int64_t q, regia_sdc_problem_t *p, int singletons)
{
    regia_status_t st = REGIA_OK;
    int64_t nq = s->cell_off[q + 1] - s->cell_off[q];
    const int64_t *cells = s->cells + s->cell_off[q];
    glp_prob *att = NULL, *def = NULL;
    int64_t *queue = malloc((size_t)nq * sizeof *queue), head = 0, tail = 0;
    double *move = malloc((size_t)nq * sizeof *move);
    if (!queue || !move) {
        free(queue); free(move);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory");
    }
    int any = 0;
    for (int64_t a = 0; a < nq && !any; a++) any = p->status[cells[a]] != REGIA_SDC_PUBLISHED;
    if (!any) goto done;
    if (singletons) REGIA_TRY(close_singletons(s, q, p));
    for (int64_t a = 0; a < nq; a++)
        if (p->status[cells[a]] != REGIA_SDC_PUBLISHED) queue[tail++] = a + 1;
    REGIA_TRY(build_attacker(s, q, &att));
    REGIA_TRY(build_defender(s, q, &def));
    REGIA_TRY(seed_witnesses(s, att, cells, nq));
    while (head < tail) {
        int64_t l = queue[head++], i = cells[l - 1];
        double v = p->value[i];
        double lo, hi;
        if (wide(s, i)) continue;
        if (determined(s, i)) lo = hi = v;
        else {
            /* the suppressed cells two sums away first (a rectangle's corners are): small
             * and usually enough; the whole block only when it is not */
            int complete;
            REGIA_TRY(attack_local(s, i, 2, &lo, &hi, &complete));
            if (isnan(lo) || hi - lo >= s->protection - SDC_TOL || wide(s, i)) continue;
            if (!complete) {
                REGIA_TRY(attack(s, att, (int)l, v, 0, &lo, &hi, cells, nq));
                if (isnan(lo) || hi - lo >= s->protection - SDC_TOL || wide(s, i)) continue;
            }
        }
        /* [lo, hi] is the exact interval here.  Move the cell up to lo + protection, or
         * down to hi - protection (when that stays >= 0), whichever hides less; after
         * hiding the cells the move changes, v + d is a solution the attacker cannot
         * exclude, so the interval spans the protection without another check. */
        double up = lo + s->protection - v, cost_up = INFINITY, cost_dn = INFINITY;
        REGIA_TRY(defend(s, def, l, v, up, &cost_up));
        for (int64_t a = 0; a < nq; a++)
            move[a] = glp_get_col_prim(def, (int)(2 * a + 1)) - glp_get_col_prim(def, (int)(2 * a + 2));
        defend_reset(def, l, v);
        if (hi - s->protection >= 0.0) {
            REGIA_TRY(defend(s, def, l, v, -(v - (hi - s->protection)), &cost_dn));
            if (cost_dn < cost_up)
                for (int64_t a = 0; a < nq; a++)
                    move[a] = glp_get_col_prim(def, (int)(2 * a + 1)) - glp_get_col_prim(def, (int)(2 * a + 2));
            defend_reset(def, l, v);
        }
        if (!isfinite(cost_up) && !isfinite(cost_dn)) {
            st = REGIA_FAIL(REGIA_ERR_NUMERIC,
                            "disclosure control: cell %lld (value %g) cannot be protected: no change of the table that "
                            "keeps its sums moves it by the protection %g",
                            (long long)i, v, s->protection);
            goto err;
        }
        int64_t added = 0;
        for (int64_t a = 0; a < nq; a++) {
            int64_t j = cells[a];
            if (p->status[j] != REGIA_SDC_PUBLISHED) continue;
            double d = move[a];
            if (fabs(d) <= SDC_MOVE_EPS) continue;
            p->status[j] = REGIA_SDC_SECONDARY;
            glp_set_col_bnds(att, (int)a + 1, GLP_LO, 0.0, 0.0);
            glp_set_obj_coef(def, (int)(2 * a + 1), SDC_HIDDEN_COST);
            glp_set_obj_coef(def, (int)(2 * a + 2), SDC_HIDDEN_COST);
            queue[tail++] = a + 1;
            added++;
        }
        for (int64_t a = 0; a < nq; a++) {   /* v + d: a solution once the moved cells are hidden */
            int64_t j = cells[a];
            if (p->status[j] != REGIA_SDC_PUBLISHED) witness_move(s, j, move[a]);
        }
        if (added == 0) {
            st = REGIA_FAIL(REGIA_ERR_NUMERIC,
                            "disclosure control: cell %lld (value %g) lies in [%g, %g], narrower than the protection %g, "
                            "but the defender's move hid no further cell (numerical trouble)",
                            (long long)i, v, lo, hi, s->protection);
            goto err;
        }
    }
done:
err:
    if (att) glp_delete_prob(att);
    if (def) glp_delete_prob(def);
    free(queue);
    free(move);
    return st;
}

/* Block q two ways when it is small: the singleton pattern first, then the LPs alone from
 * the primaries; the pattern whose secondary cells cost less is kept (neither way is
 * always better: on the hand case the LPs alone find the cheapest rectangle, on dense
 * cubes the singleton pattern hides fewer cells and needs a third of the LPs).  Large
 * blocks get the singleton pattern only. */
static regia_status_t protect_best(sdc_t *s, int64_t q, regia_sdc_problem_t *p)
{
    regia_status_t st = REGIA_OK;
    const int64_t nq = s->cell_off[q + 1] - s->cell_off[q], *cells = s->cells + s->cell_off[q];
    int any = 0;
    for (int64_t a = 0; a < nq && !any; a++) any = p->status[cells[a]] != REGIA_SDC_PUBLISHED;
    if (!any) return REGIA_OK;
    if (nq > SDC_BOTH_MAX) return protect_block(s, q, p, 1);
    int8_t *first = malloc((size_t)nq);
    if (!first) return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory");
    for (int64_t a = 0; a < nq; a++) first[a] = p->status[cells[a]];
    double cost[2] = {0, 0};
    for (int way = 0; way < 2 && st == REGIA_OK; way++) {
        if (way == 1) {   /* the other way starts again from the primaries and no witnesses */
            for (int64_t a = 0; a < nq; a++) {
                int64_t i = cells[a];
                int8_t keep = p->status[i];
                p->status[i] = first[a] == REGIA_SDC_PRIMARY ? REGIA_SDC_PRIMARY : REGIA_SDC_PUBLISHED;
                first[a] = keep;  /* now: way 0's pattern */
                s->wmin[i] = s->wmax[i] = p->value[i];
            }
        }
        st = protect_block(s, q, p, way == 0);
        for (int64_t a = 0; a < nq && st == REGIA_OK; a++)
            if (p->status[cells[a]] == REGIA_SDC_SECONDARY) cost[way] += cell_cost(p, cells[a]);
    }
    if (st == REGIA_OK && cost[0] <= cost[1])
        for (int64_t a = 0; a < nq; a++) p->status[cells[a]] = first[a];
    free(first);
    return st;
}

/* One thread's copy of the solver state: the shared, read-only structure (incidence,
 * blocks) and the per-cell witnesses (a block owns its cells) by pointer, the local
 * attacker's scratch and the LP count its own. */
static regia_status_t worker_init(sdc_t *w, const sdc_t *s)
{
    *w = *s;
    size_t n1 = (size_t)s->n + 1;
    w->stamp_now = 0;
    w->stamp = calloc(n1, sizeof *w->stamp);
    w->col_of = calloc(n1, sizeof *w->col_of);
    w->vars = malloc(n1 * sizeof *w->vars);
    w->cstamp = calloc((size_t)s->nc + 1, sizeof *w->cstamp);
    w->rows = malloc(((size_t)s->nc + 1) * sizeof *w->rows);
    if (!w->stamp || !w->col_of || !w->vars || !w->cstamp || !w->rows)
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory (%lld cells)", (long long)s->n);
    return REGIA_OK;
}

static void worker_free(sdc_t *w)
{
    free(w->stamp); free(w->col_of); free(w->vars); free(w->cstamp); free(w->rows);
}

typedef struct {
    regia_status_t st;
    int64_t lps;     /* LPs the block solved (its own count, limit = the whole problem's) */
    int limit;       /* it stopped at that limit                                          */
    char *msg;       /* the worker thread's error message (messages are per thread)      */
} block_out_t;

/* Block q alone, as if it were the first: the LP limit and count are the block's own, so
 * the outcome does not depend on which thread ran it or when. */
static void run_block(sdc_t *w, int64_t q, regia_sdc_problem_t *p, block_out_t *out)
{
    w->lps = 0;
    w->hit_limit = 0;
    out->st = protect_best(w, q, p);
    out->lps = w->lps;
    out->limit = w->hit_limit;
    out->msg = NULL;
    if (out->st != REGIA_OK) {
        const char *m = regia_error_msg();
        size_t len = strlen(m) + 1;
        out->msg = malloc(len);
        if (out->msg) memcpy(out->msg, m, len);
    }
}

/* Threads for the blocks: OpenMP's, when GLPK keeps its state per thread (GLPK 5.0 is
 * reentrant only when built with thread-local storage: glp_config("TLS") says so at run
 * time); one otherwise. */
static int block_threads(int64_t busy)
{
#ifdef _OPENMP
    if (busy < 2 || !glp_config("TLS")) return 1;
    int t = omp_get_max_threads();
    if (omp_in_parallel()) return 1;
    return t < 1 ? 1 : (int64_t)t > busy ? (int)busy : t;
#else
    (void)busy;
    return 1;
#endif
}

/* Protect every block.  Blocks share no cell and no constraint, and each is protected from
 * its own primaries with its own state (witnesses, LPs, scratch), so the pattern chosen in
 * one never depends on another: they are solved in parallel and merged in block order,
 * which gives exactly the serial result, error and LP count included (the serial run stops
 * at the first block that fails or that would take the count past the limit). */
static regia_status_t protect_blocks(sdc_t *s, regia_sdc_problem_t *p)
{
    regia_status_t st = REGIA_OK;
    int64_t nb = 0, *busy = malloc(sizeof *busy * (size_t)(s->ncomp + 1));
    block_out_t *out = calloc((size_t)s->ncomp + 1, sizeof *out);
    if (!busy || !out) {
        free(busy); free(out);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory (%lld blocks)", (long long)s->ncomp);
    }
    for (int64_t q = 0; q < s->ncomp; q++) {   /* blocks with a primary cell: the others need nothing */
        int64_t hidden = 0;
        for (int64_t a = s->cell_off[q]; a < s->cell_off[q + 1]; a++) hidden += p->status[s->cells[a]] != REGIA_SDC_PUBLISHED;
        if (hidden) {
            busy[nb++] = q;
            out[q].lps = hidden;   /* until the block runs: its primaries, the weight it is dispatched by */
        }
    }
    int nt = block_threads(nb);
    if (nt <= 1) {
        /* serial: the same per-block accounting, stopping at the first failure */
        for (int64_t b = 0; b < nb; b++) {
            int64_t q = busy[b];
            run_block(s, q, p, &out[q]);
            if (out[q].st != REGIA_OK) break;
        }
    } else {
#ifdef _OPENMP
        /* the blocks with the most primaries first, so that no thread is left with a big one
         * at the end (the order a block runs in changes nothing of its result) */
        int64_t *order = malloc(sizeof *order * (size_t)nb);
        if (!order) {
            free(busy); free(out);
            return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory (%lld blocks)", (long long)s->ncomp);
        }
        memcpy(order, busy, sizeof *order * (size_t)nb);
        for (int64_t b = 1; b < nb; b++) {   /* insertion sort, stable: ties in block order */
            int64_t q = order[b], x = b;
            for (; x > 0 && out[order[x - 1]].lps < out[q].lps; x--) order[x] = order[x - 1];
            order[x] = q;
        }
        int64_t next = 0;
        int nomem = 0;
#pragma omp parallel num_threads(nt) default(none) shared(s, p, order, nb, out, next, nomem)
        {
            sdc_t w;
            int ok = worker_init(&w, s) == REGIA_OK;
            if (!ok) {
#pragma omp atomic write
                nomem = 1;
            }
            glp_term_out(GLP_OFF);   /* GLPK's environment is per thread */
            for (;;) {
                int64_t b;
#pragma omp atomic capture
                b = next++;
                if (b >= nb || !ok) break;
                run_block(&w, order[b], p, &out[order[b]]);
            }
            worker_free(&w);
            if (omp_get_thread_num() != 0) glp_free_env();   /* the pool's threads live on */
        }
        free(order);
        if (nomem) {
            for (int64_t q = 0; q < s->ncomp; q++) free(out[q].msg);
            free(busy); free(out);
            return REGIA_FAIL(REGIA_ERR_NOMEM, "disclosure control: out of memory for the threads' scratch");
        }
#endif
    }
    /* merge in block order */
    int64_t total = 0;
    for (int64_t b = 0; b < nb && st == REGIA_OK; b++) {
        const block_out_t *o = &out[busy[b]];
        int over = total + o->lps > s->max_lps || (o->st != REGIA_OK && o->limit);
        if (over) {
            total = s->max_lps;
            st = REGIA_FAIL(REGIA_ERR_NUMERIC,
                            "disclosure control: stopped after %lld linear programs (the limit for %lld cells) before every "
                            "suppressed cell was protected; nothing may be published from these tables",
                            (long long)total, (long long)s->n);
        } else {
            total += o->lps;
            if (o->st != REGIA_OK) st = regia_error_set(o->st, __FILE__, __LINE__, "%s", o->msg ? o->msg : "disclosure control failed");
        }
    }
    s->lps = total;
    for (int64_t q = 0; q < s->ncomp; q++) free(out[q].msg);
    free(busy);
    free(out);
    return st;
}

regia_status_t regia_sdc_protect(regia_sdc_problem_t *p, regia_sdc_report_t *rep)
{
    double t0 = now_s();
    regia_status_t st = sdc_validate(p, 0);
    if (st != REGIA_OK) return st;
    int64_t primary = 0, secondary = 0;
    for (int64_t i = 0; i < p->n_cells; i++) {
        double v = p->value[i], n = p->persons ? p->persons[i] : v;
        int small = (v > 0.0 && v < p->k) || (p->persons && n > 0.0 && n < p->k);
        p->status[i] = small ? REGIA_SDC_PRIMARY : REGIA_SDC_PUBLISHED;
        primary += small;
    }
    sdc_t s;
    REGIA_TRY(sdc_build(&s, p));
    glp_term_out(GLP_OFF);
    st = protect_blocks(&s, p);
    for (int64_t i = 0; i < p->n_cells; i++) secondary += p->status[i] == REGIA_SDC_SECONDARY;
    if (rep) {
        rep->primary = primary;
        rep->secondary = secondary;
        rep->lps = s.lps;
        rep->seconds = now_s() - t0;
    }
    sdc_free(&s);
err:
    return st;
}

regia_status_t regia_sdc_audit(const regia_sdc_problem_t *p, double *lo, double *hi, int64_t *unsafe)
{
    regia_status_t st = sdc_validate(p, 1);
    if (st != REGIA_OK) return st;
    sdc_t s;
    REGIA_TRY(sdc_build(&s, p));
    glp_term_out(GLP_OFF);
    int64_t bad = 0;
    for (int64_t i = 0; i < p->n_cells; i++) {
        lo[i] = hi[i] = NAN;
        if (p->status[i] == REGIA_SDC_PUBLISHED) continue;
        if (s.comp[i] < 0) {   /* in no sum: nothing bounds it but >= 0 */
            lo[i] = 0.0;
            hi[i] = INFINITY;
        }
    }
    for (int64_t q = 0; q < s.ncomp && st == REGIA_OK; q++) {
        glp_prob *att = NULL;
        int any = 0;
        for (int64_t a = s.cell_off[q]; a < s.cell_off[q + 1] && !any; a++)
            any = p->status[s.cells[a]] != REGIA_SDC_PUBLISHED;
        if (!any) continue;
        st = build_attacker(&s, q, &att);
        for (int64_t a = s.cell_off[q]; a < s.cell_off[q + 1] && st == REGIA_OK; a++) {
            int64_t i = s.cells[a];
            if (p->status[i] == REGIA_SDC_PUBLISHED) continue;
            st = attack(&s, att, (int)s.loc[i], p->value[i], 1, &lo[i], &hi[i], NULL, 0);
        }
        if (att) glp_delete_prob(att);
    }
    for (int64_t i = 0; i < p->n_cells && st == REGIA_OK; i++)
        if (p->status[i] != REGIA_SDC_PUBLISHED && !(hi[i] - lo[i] >= s.protection - SDC_TOL)) bad++;
    if (st == REGIA_OK && unsafe) *unsafe = bad;
    sdc_free(&s);
err:
    return st;
}
