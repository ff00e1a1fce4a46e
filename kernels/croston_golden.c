/* The golden-section search for the SES parameter (statsforecast 2.1.1 src/ses.cpp
 * golden_section_ses), alone or many searches side by side.
 *
 * One search asks for one sum of squares at a time, and one sum is a recursion over the
 * series whose steps depend on each other: a core waits on the latency of every step.
 * Optimized, ADIDA and IMAPA spend almost all their time there (about 55 sums per
 * search).  So the batch (regia_croston) runs each chunk of series twice: a recording
 * pass that stores the data of every search the methods ask for, then all the chunk's
 * searches in REGIA_IM_LANES lanes at once (longest first, so lanes hold similar
 * lengths; each round evaluates the pending point of every lane in one interleaved pass
 * over time), then a replaying pass in which each search returns its recorded answer.
 * Each lane performs exactly the operations of the scalar search in the same order (a
 * lane past its end adds (e * 0)^2 = +0 to its sum, which changes nothing), so every
 * answer is bit-identical to regia_croston1()'s (test_k_croston checks it). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "croston_impl.h"

enum { LANES = REGIA_IM_LANES };

static const double LO = 0.1, HI = 0.3, TOL = 1e-12;

/* In-sample sum of squared one-step SES errors (0 under two values). */
static double ses_sse(double alpha, const double *x, int64_t n)
{
    if (n < 2) return 0.0;
    double c = 1.0 - alpha, f = x[0], sse = 0.0;
    for (int64_t i = 1; i < n; i++) {
        f = alpha * x[i - 1] + c * f;
        double e = x[i] - f;
        sse += e * e;
    }
    return sse;
}

/* Until |b - a| < 1e-12, or at once when the two inner points tie (a flat objective,
 * e.g. fewer than 2 values, ends at the middle). */
static double golden_scalar(const double *x, int64_t n)
{
    const double gr = (sqrt(5.0) + 1.0) / 2.0;
    double a = LO, b = HI;
    double c = b - (b - a) / gr, d = a + (b - a) / gr;
    double fc = ses_sse(c, x, n), fd = ses_sse(d, x, n);
    while (fabs(b - a) >= TOL) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - (b - a) / gr;
            fc = ses_sse(c, x, n);
        } else if (fd < fc) {
            a = c;
            c = d;
            fc = fd;
            d = a + (b - a) / gr;
            fd = ses_sse(d, x, n);
        } else {
            break;
        }
    }
    return (b + a) / 2.0;
}

void regia_im_gs_reset(regia_im_gs_t *g, int mode)
{
    g->mode = mode;
    if (mode == REGIA_IM_GS_RECORD) {
        g->used = 0;
        g->n_task = 0;
    }
    g->next = 0;
}

void regia_im_gs_free(regia_im_gs_t *g)
{
    free(g->data);
    free(g->task);
    free(g->order);
    free(g->xl);
    free(g->ml);
    memset(g, 0, sizeof *g);
}

double regia_im_golden(regia_im_gs_t *g, const double *x, int64_t n)
{
    if (!g || g->mode == REGIA_IM_GS_DIRECT) return golden_scalar(x, n);
    if (g->mode == REGIA_IM_GS_REPLAY) return g->task[g->next++].alpha;
    /* record */
    if (g->n_task == g->cap_task) {
        int32_t cap = g->cap_task ? 2 * g->cap_task : 256;
        regia_im_task_t *t = realloc(g->task, sizeof *t * (size_t)cap);
        if (!t) { /* no room to record: this run falls back to direct searches */
            g->mode = REGIA_IM_GS_DIRECT;
            return golden_scalar(x, n);
        }
        g->task = t;
        g->cap_task = cap;
    }
    regia_im_task_t *t = &g->task[g->n_task];
    t->n = n;
    t->off = 0;
    t->alpha = NAN;
    if (n < 2) {
        t->alpha = golden_scalar(x, n); /* flat: no sums to compute */
    } else {
        if (g->used + (size_t)n > g->cap) {
            size_t cap = g->cap ? 2 * g->cap : 4096;
            while (cap < g->used + (size_t)n) cap *= 2;
            double *d = realloc(g->data, sizeof(double) * cap);
            if (!d) {
                t->alpha = golden_scalar(x, n);
                goto recorded;
            }
            g->data = d;
            g->cap = cap;
        }
        t->off = g->used;
        memcpy(g->data + g->used, x, sizeof(double) * (size_t)n);
        g->used += (size_t)n;
    }
recorded:
    g->n_task++;
    return 0.2; /* placeholder: the recording pass's forecasts are discarded */
}

static int by_length_desc(const void *pa, const void *pb, void *arg)
{
    const regia_im_task_t *t = arg;
    int64_t a = t[*(const int32_t *)pa].n, b = t[*(const int32_t *)pb].n;
    return (a < b) - (a > b);
}

enum { INIT_C, INIT_D, ITER_C, ITER_D };

int regia_im_gs_solve(regia_im_gs_t *g)
{
    if (g->mode != REGIA_IM_GS_RECORD) return 0; /* a direct run has nothing to solve */
    int32_t n_open = 0;
    int32_t *order = realloc(g->order, sizeof(int32_t) * (size_t)(g->n_task ? g->n_task : 1));
    if (!order) return -1;
    g->order = order;
    for (int32_t i = 0; i < g->n_task; i++)
        if (isnan(g->task[i].alpha)) order[n_open++] = i;
    if (n_open == 0) return 0;
    qsort_r(order, (size_t)n_open, sizeof(int32_t), by_length_desc, g->task);
    int64_t rows = g->task[order[0]].n;
    if (rows > g->lane_rows) {
        free(g->xl);
        free(g->ml);
        g->xl = calloc((size_t)rows * LANES, sizeof(double));
        g->ml = calloc((size_t)rows * LANES, sizeof(double));
        if (!g->xl || !g->ml) {
            free(g->xl);
            free(g->ml);
            g->xl = g->ml = NULL;
            g->lane_rows = 0;
            return -1;
        }
        g->lane_rows = rows;
        memset(g->lane_fill, 0, sizeof g->lane_fill);
    }
    double *xl = g->xl, *ml = g->ml;
    const double gr = (sqrt(5.0) + 1.0) / 2.0;
    int32_t task[LANES];
    int64_t n[LANES];
    int phase[LANES];
    double a[LANES], b[LANES], c[LANES], d[LANES], fc[LANES], fd[LANES], pend[LANES];
    int32_t next = 0, active = 0;

    /* Put the next open search into lane l (or leave it idle). */
#define LOAD(l)                                                                            \
    do {                                                                                   \
        if (next < n_open) {                                                               \
            int32_t t_ = order[next++];                                                    \
            const double *x_ = g->data + g->task[t_].off;                                  \
            int64_t n_ = g->task[t_].n;                                                    \
            for (int64_t i_ = 0; i_ < n_; i_++) {                                          \
                xl[i_ * LANES + (l)] = x_[i_];                                             \
                ml[i_ * LANES + (l)] = i_ > 0 ? 1.0 : 0.0;                                 \
            }                                                                              \
            for (int64_t i_ = n_; i_ < g->lane_fill[l]; i_++)                              \
                xl[i_ * LANES + (l)] = ml[i_ * LANES + (l)] = 0.0;                         \
            if (n_ > g->lane_fill[l]) g->lane_fill[l] = n_;                                \
            task[l] = t_;                                                                  \
            n[l] = n_;                                                                     \
            a[l] = LO;                                                                     \
            b[l] = HI;                                                                     \
            c[l] = b[l] - (b[l] - a[l]) / gr;                                              \
            d[l] = a[l] + (b[l] - a[l]) / gr;                                              \
            phase[l] = INIT_C;                                                             \
            pend[l] = c[l];                                                                \
            active++;                                                                      \
        } else {                                                                           \
            task[l] = -1;                                                                  \
            n[l] = 0;                                                                      \
            pend[l] = 0.2;                                                                 \
        }                                                                                  \
    } while (0)

    for (int l = 0; l < LANES; l++) LOAD(l);
    while (active > 0) {
        /* one sum of squares per lane, the lanes' recursions interleaved */
        int64_t nmax = 0;
        for (int l = 0; l < LANES; l++)
            if (n[l] > nmax) nmax = n[l];
        double al[LANES], cl[LANES], f[LANES], s[LANES];
        for (int l = 0; l < LANES; l++) {
            al[l] = pend[l];
            cl[l] = 1.0 - al[l];
            f[l] = xl[l];
            s[l] = 0.0;
        }
        for (int64_t i = 1; i < nmax; i++) {
            const double *xp = xl + (i - 1) * LANES, *xi = xl + i * LANES, *mi = ml + i * LANES;
            for (int l = 0; l < LANES; l++) {
                f[l] = al[l] * xp[l] + cl[l] * f[l];
                double e = (xi[l] - f[l]) * mi[l];
                s[l] += e * e;
            }
        }
        /* each lane's search takes its value and proposes its next point */
        for (int l = 0; l < LANES; l++) {
            if (task[l] < 0) continue;
            switch (phase[l]) {
            case INIT_C:
                fc[l] = s[l];
                phase[l] = INIT_D;
                pend[l] = d[l];
                continue;
            case INIT_D:
            case ITER_D: fd[l] = s[l]; break;
            default: fc[l] = s[l]; break;
            }
            if (fabs(b[l] - a[l]) >= TOL) {
                if (fc[l] < fd[l]) {
                    b[l] = d[l];
                    d[l] = c[l];
                    fd[l] = fc[l];
                    c[l] = b[l] - (b[l] - a[l]) / gr;
                    pend[l] = c[l];
                    phase[l] = ITER_C;
                    continue;
                }
                if (fd[l] < fc[l]) {
                    a[l] = c[l];
                    c[l] = d[l];
                    fc[l] = fd[l];
                    d[l] = a[l] + (b[l] - a[l]) / gr;
                    pend[l] = d[l];
                    phase[l] = ITER_D;
                    continue;
                }
            }
            g->task[task[l]].alpha = (b[l] + a[l]) / 2.0;
            active--;
            LOAD(l);
        }
    }
#undef LOAD
    return 0;
}
