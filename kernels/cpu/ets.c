/* ETS on the CPU: the reference implementation for every other backend.
 *
 * The method is that of one series (kernels/ets_fit_impl.h, docs/methods.md): every
 * candidate model fitted by R's Nelder-Mead, the lowest AICc chosen, then forecasts and
 * intervals.  A Nelder-Mead search asks for one objective value at a time, and one
 * value is a recursion over the series whose steps depend on each other: a single
 * search keeps a core waiting on the latency of each step.  So here the searches of
 * REGIA_ETS_LANES series run side by side: each round evaluates the pending point of
 * every lane in one pass over time, the lanes' independent recursions interleaved (and
 * vectorised by the compiler), then each lane's search takes its value and proposes its
 * next point.  All lanes of a round fit the same model to series of the same length;
 * a lane whose search ends takes the next series.  Each lane performs exactly the
 * operations of regia_ets_objective(), so every search, and therefore every answer, is
 * bit-identical to regia_ets_fit_one() (the path of the CUDA backend;
 * tests/unit/test_k_ets_device_paths.c checks it).
 *
 * OpenMP threads take chunks of series; each series' result depends only on that series,
 * so neither the thread count nor the chunking changes an answer. */
#include <stdlib.h>
#include <string.h>

#include "../ets_check_impl.h"
#include "../ets_fit_impl.h"
#include "cpu_impl.h"

enum {
    REGIA_ETS_LANES = 16, /* searches evaluated together                               */
    REGIA_ETS_CHUNK = 256 /* series per OpenMP work item                               */
};

/* One search in progress. */
typedef struct {
    int task;                 /* index into the round's task list; -1 idle           */
    regia_ets_problem_t p;
    regia_ets_ws_t ws;        /* this lane's ring, figures and simplex               */
    regia_ets_nm_t nm;
} lane_t;

/* Per-thread scratch for one chunk of series. */
typedef struct {
    int m, h, nmax;
    lane_t lane[REGIA_ETS_LANES];
    double *yl;               /* y of lane k at time t: yl[t * LANES + k]             */
    double *ring;             /* season j of lane k: ring[j * LANES + k]             */
    double *ws_mem;           /* LANES + 1 workspaces                                */
    regia_ets_ws_t ws1;       /* for the final fit of each series                    */
    /* per series of the chunk */
    int nc[REGIA_ETS_CHUNK], n_obs[REGIA_ETS_CHUNK];
    regia_ets_model_t cand[REGIA_ETS_CHUNK][REGIA_ETS_MAX_CAND];
    double lik[REGIA_ETS_CHUNK][REGIA_ETS_MAX_CAND];
    double par[REGIA_ETS_CHUNK][REGIA_ETS_MAX_CAND][REGIA_ETS_MAX_NPAR];
    /* tasks of one round: (series of the chunk, candidate index) */
    int task_s[REGIA_ETS_CHUNK], task_c[REGIA_ETS_CHUNK], n_tasks, next_task;
} chunk_ws_t;

static void chunk_ws_free(chunk_ws_t *c)
{
    if (!c) return;
    free(c->yl);
    free(c->ring);
    free(c->ws_mem);
    free(c);
}

static chunk_ws_t *chunk_ws_alloc(int m, int h, int nmax)
{
    chunk_ws_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->m = m; c->h = h; c->nmax = nmax;
    const int64_t wsd = regia_ets_ws_doubles(m, h);
    c->yl = malloc(sizeof(double) * (size_t)(nmax > 0 ? nmax : 1) * REGIA_ETS_LANES);
    c->ring = malloc(sizeof(double) * (size_t)m * REGIA_ETS_LANES);
    c->ws_mem = malloc(sizeof(double) * (size_t)wsd * (REGIA_ETS_LANES + 1));
    if (!c->yl || !c->ring || !c->ws_mem) { chunk_ws_free(c); return NULL; }
    for (int k = 0; k < REGIA_ETS_LANES; k++) regia_ets_ws_init(&c->lane[k].ws, c->ws_mem + k * wsd, 1, m, h);
    regia_ets_ws_init(&c->ws1, c->ws_mem + REGIA_ETS_LANES * wsd, 1, m, h);
    return c;
}

/* ---- one round: the pending points of all lanes, evaluated in one pass ------------- */

typedef struct {
    double alpha[REGIA_ETS_LANES], beta[REGIA_ETS_LANES], gamma[REGIA_ETS_LANES], phi[REGIA_ETS_LANES];
    double l[REGIA_ETS_LANES], b[REGIA_ETS_LANES];
    double lik[REGIA_ETS_LANES];
} round_t;

/* The recursion of regia_ets_run_series() for every lane, step by step: the same
 * operations per lane, with the early exits replaced by a flag (a lane that would have
 * returned +inf keeps running on meaningless values and returns +inf at the end), and
 * the missing-value branch by selects that add 0 and multiply by 1. */
static inline __attribute__((always_inline)) void lanes_run(chunk_ws_t *c, round_t *r, int n, const int E,
                                                            const int T, const int S)
{
    enum { K = REGIA_ETS_LANES };
    const int m = S ? c->m : 1;
    const int needs_pos = T == REGIA_ETS_MULT || S == REGIA_ETS_MULT;
    double l[K], b[K], sse[K], fprod[K], bad[K];
    int fexp[K];
    for (int k = 0; k < K; k++) {
        l[k] = r->l[k]; b[k] = r->b[k];
        sse[k] = 0; fprod[k] = 1.0; bad[k] = 0; fexp[k] = 0;
    }
    const double *yl = c->yl;
    double *ring = c->ring;
    int pos = 0;
    for (int t = 0; t < n; t++) {
        if (E == REGIA_ETS_MULT && (t & 7) == 7)
            for (int k = 0; k < K; k++) { int e; fprod[k] = frexp(fprod[k], &e); fexp[k] += e; }
        double *s = &ring[pos * K];
        for (int k = 0; k < K; k++) {
            double sc = S ? s[k] : 0.0, q, phib;
            double f = regia_ets_onestep(T, S, r->phi[k], l[k], b[k], sc, &q, &phib);
            /* no short-circuit operators: the loop over lanes stays free of branches */
            if (needs_pos) bad[k] = ((f > 0) & (q > 0)) ? bad[k] : 1.0;
            const double af = fabs(f);
            if (E == REGIA_ETS_MULT) bad[k] = ((af > 0) & (af < INFINITY)) ? bad[k] : 1.0;
            double yt = yl[t * K + k];
            const int miss = isnan(yt);
            yt = miss ? f : yt;
            double e = E == REGIA_ETS_MULT ? (yt - f) / f : yt - f;
            sse[k] += miss ? 0.0 : e * e;
            if (E == REGIA_ETS_MULT) fprod[k] *= miss ? 1.0 : fabs(f);
            regia_ets_update(T, S, r->alpha[k], r->beta[k], r->gamma[k], q, phib, yt, &l[k], &b[k], &sc);
            if (S) s[k] = sc;
        }
        if (S && ++pos == m) pos = 0;
    }
    for (int k = 0; k < K; k++) {
        const lane_t *ln = &c->lane[k];
        double slog = 0;
        if (E == REGIA_ETS_MULT) slog = regia_ets_log(fprod[k]) + fexp[k] * 0.69314718055994530942;
        if (bad[k] != 0 || !(sse[k] > 0) || !isfinite(sse[k]) || !isfinite(slog)) r->lik[k] = INFINITY;
        else r->lik[k] = ln->p.n_obs * regia_ets_log(sse[k]) + 2 * slog;
    }
}

/* Built for AVX2 too, picked at run time where the CPU has it (Leonardo's nodes do);
 * the same operations either way, so the same bits. */
__attribute__((target_clones("avx2", "default"))) static void lanes_run_model(chunk_ws_t *c, round_t *r, int n,
                                                                               int E, int T, int S)
{
#define RUN(E_, T_, S_) lanes_run(c, r, n, E_, T_, S_); return
#define BY_SEASON(E_, T_)               \
    switch (S) {                        \
    case 0: RUN(E_, T_, 0);             \
    case 1: RUN(E_, T_, 1);             \
    default: RUN(E_, T_, 2);            \
    }
#define BY_TREND(E_)                    \
    switch (T) {                        \
    case 0: BY_SEASON(E_, 0);           \
    case 1: BY_SEASON(E_, 1);           \
    default: BY_SEASON(E_, 2);          \
    }
    if (E == REGIA_ETS_ADD) { BY_TREND(1); }
    BY_TREND(2);
#undef RUN
#undef BY_SEASON
#undef BY_TREND
}

/* ---- lanes --------------------------------------------------------------------------- */

/* Give lane k the next task of the round (0: none left, the lane idles). */
static int lane_take(chunk_ws_t *c, int k, const double *y_chunk, int64_t stride, const int *len, int m)
{
    lane_t *ln = &c->lane[k];
    if (c->next_task >= c->n_tasks) { ln->task = -1; return 0; }
    const int t = c->next_task++, s = c->task_s[t], ci = c->task_c[t];
    const double *y = y_chunk + (size_t)s * (size_t)stride;
    ln->task = t;
    ln->ws.fig_done = 0;
    regia_ets_problem_init(&ln->p, y, len[s], c->n_obs[s], m, c->cand[s][ci], &ln->ws);
    double x[REGIA_ETS_MAX_NPAR];
    regia_ets_start_point(&ln->p, x);
    regia_ets_nm_start(&ln->nm, &ln->ws, x, ln->p.npar);
    for (int i = 0; i < len[s]; i++) c->yl[i * REGIA_ETS_LANES + k] = y[i];
    return 1;
}

/* The search of lane ln has ended: keep its answer, free the lane. */
static void lane_record(chunk_ws_t *c, lane_t *ln)
{
    const int t = ln->task;
    c->lik[c->task_s[t]][c->task_c[t]] = ln->nm.fmin;
    for (int i = 0; i < ln->p.npar; i++) c->par[c->task_s[t]][c->task_c[t]][i] = ln->nm.b[i];
    ln->task = -1;
}

/* Advance lane k until its search has a point that needs the recursion (1), taking new
 * tasks as searches end; 0 when no task is left.  Points outside the parameter space
 * are valued +inf here, as regia_ets_objective() values them. */
static int lane_advance(chunk_ws_t *c, int k, round_t *r, const double *y_chunk, int64_t stride, const int *len,
                        int m)
{
    lane_t *ln = &c->lane[k];
    for (;;) {
        if (ln->task < 0 && !lane_take(c, k, y_chunk, stride, len, m)) return 0;
        regia_ets_problem_t *p = &ln->p;
        const double *par = ln->nm.b;
        double l, b;
        if (regia_ets_usual_ok(p, par) && regia_ets_admissible(p, par)) {
            ln->ws.evals++;
            if (regia_ets_load_states(p, par, &l, &b)) {
                r->alpha[k] = par[p->ia];
                r->beta[k] = p->trend ? par[p->ib] : 0;
                r->gamma[k] = p->season ? par[p->ig] : 0;
                r->phi[k] = p->ip >= 0 ? par[p->ip] : 1.0;
                r->l[k] = l;
                r->b[k] = b;
                if (p->season)
                    for (int j = 0; j < c->m; j++) c->ring[j * REGIA_ETS_LANES + k] = ln->ws.ring[j];
                return 1;
            }
        }
        if (!regia_ets_nm_feed(&ln->nm, INFINITY)) lane_record(c, ln);
    }
}

/* Harmless values for a lane without work: the round still computes it. */
static void lane_idle(chunk_ws_t *c, round_t *r, int k, int n, regia_ets_model_t mod)
{
    r->alpha[k] = 0.5; r->beta[k] = r->gamma[k] = 0; r->phi[k] = 1; r->l[k] = 1; r->b[k] = mod.trend == 2;
    for (int j = 0; j < c->m; j++) c->ring[j * REGIA_ETS_LANES + k] = 1;
    for (int i = 0; i < n; i++) c->yl[i * REGIA_ETS_LANES + k] = 1;
}

/* Fit the tasks of the round (all: the same model, series of length n). */
static void lanes_fit(chunk_ws_t *c, regia_ets_model_t mod, int n, const double *y_chunk, int64_t stride,
                      const int *len, int m)
{
    round_t r;
    int busy[REGIA_ETS_LANES];
    c->next_task = 0;
    for (int k = 0; k < REGIA_ETS_LANES; k++) c->lane[k].task = -1;
    int any = 0;
    for (int k = 0; k < REGIA_ETS_LANES; k++) {
        any |= busy[k] = lane_advance(c, k, &r, y_chunk, stride, len, m);
        if (!busy[k]) lane_idle(c, &r, k, n, mod);
    }
    while (any) {
        lanes_run_model(c, &r, n, mod.error, mod.trend, mod.season);
        any = 0;
        for (int k = 0; k < REGIA_ETS_LANES; k++) {
            if (!busy[k]) continue;
            lane_t *ln = &c->lane[k];
            if (!regia_ets_nm_feed(&ln->nm, r.lik[k])) lane_record(c, ln);
            any |= busy[k] = lane_advance(c, k, &r, y_chunk, stride, len, m);
            if (!busy[k]) lane_idle(c, &r, k, n, mod);
        }
    }
}

static int same_model(regia_ets_model_t a, regia_ets_model_t b)
{
    return a.error == b.error && a.trend == b.trend && a.season == b.season && a.damped == b.damped;
}

/* Tasks of the next round for model mod: the series not yet done that have this
 * candidate and the length of the first such series.  Returns that length (0: none). */
static int gather_round(chunk_ws_t *c, regia_ets_model_t mod, int ns, const int *len, int *done)
{
    int n = 0;
    c->n_tasks = 0;
    for (int s = 0; s < ns; s++) {
        if (done[s]) continue;
        int ci = 0;
        while (ci < c->nc[s] && !same_model(c->cand[s][ci], mod)) ci++;
        if (ci == c->nc[s]) { done[s] = 1; continue; } /* no such candidate */
        if (!n) n = len[s];
        if (len[s] != n) continue;                    /* a later round */
        c->task_s[c->n_tasks] = s;
        c->task_c[c->n_tasks++] = ci;
        done[s] = 1;
    }
    return n;
}

/* Series s0 .. s0 + ns - 1 of the batch. */
static void ets_chunk(chunk_ws_t *c, const regia_ets_batch_t *in, regia_ets_out_t *out, int s0, int ns)
{
    const int m = in->spec.period, h = in->horizon, nl = in->n_levels;
    const int64_t stride = in->stride;
    const double *y0 = in->y + (size_t)s0 * (size_t)stride;
    const int *len = in->len + s0;
    for (int s = 0; s < ns; s++) {
        c->nc[s] = regia_ets_candidates(&in->spec, y0 + (size_t)s * (size_t)stride, 1, len[s], &c->n_obs[s], c->cand[s]);
        for (int ci = 0; ci < c->nc[s]; ci++) c->lik[s][ci] = INFINITY;
    }
    /* rounds: every model in R's order (error, trend, season, damping), and for each
     * model one round per series length */
    for (int key = 0; key < 2 * 3 * 3 * 2; key++) {
        const regia_ets_model_t mod = {(int8_t)(1 + key / 18), (int8_t)(key / 6 % 3), (int8_t)(key / 2 % 3),
                                       (int8_t)(key % 2)};
        int done[REGIA_ETS_CHUNK] = {0}, n;
        while ((n = gather_round(c, mod, ns, len, done)) > 0) lanes_fit(c, mod, n, y0, stride, len, m);
    }
    /* choose and finish each series as regia_ets_fit_one() does */
    for (int s = 0; s < ns; s++) {
        const size_t so = (size_t)(s0 + s);
        const double *y = y0 + (size_t)s * (size_t)stride;
        regia_ets_fit_t *fit = &out->fit[so];
        double *mean = out->mean + so * (size_t)h, *var = out->var + so * (size_t)h;
        double *lo = out->lower + so * (size_t)nl * (size_t)h, *up = out->upper + so * (size_t)nl * (size_t)h;
        double *st = out->state + so * (size_t)out->state_stride;
        regia_ets_clear_out(fit, c->n_obs[s], mean, var, lo, up, st, h, nl, out->state_stride);
        c->ws1.fig_done = 0;
        int best = -1;
        double best_ic = INFINITY;
        regia_ets_problem_t q;
        for (int ci = 0; ci < c->nc[s]; ci++) {
            if (!isfinite(c->lik[s][ci])) continue;
            regia_ets_problem_init(&q, y, len[s], c->n_obs[s], m, c->cand[s][ci], &c->ws1);
            regia_ets_layout(&q);
            double ic = regia_ets_aicc_of(&q, c->lik[s][ci], m);
            if (best < 0 || ic < best_ic) { best = ci; best_ic = ic; }
        }
        if (best < 0) continue;
        regia_ets_problem_init(&q, y, len[s], c->n_obs[s], m, c->cand[s][best], &c->ws1);
        regia_ets_layout(&q);
        regia_ets_finish(&q, c->par[s][best], c->lik[s][best], h, nl, in->levels, fit, mean, var, lo, up, st);
    }
}

regia_status_t regia_cpu_ets(regia_backend_t *be, const regia_ets_batch_t *in, regia_ets_out_t *out)
{
    regia_status_t st = regia_ets_check_batch(in, out);
    if (st != REGIA_OK) return st;
    const int m = in->spec.period, h = in->horizon;
    int nmax = 1;
    for (int s = 0; s < in->n_series; s++) if (in->len[s] > nmax) nmax = in->len[s];
    /* chunks small enough to give every thread work, large enough to fill the lanes */
    int chunk = (in->n_series + be->threads - 1) / (be->threads > 0 ? be->threads : 1);
    if (chunk > REGIA_ETS_CHUNK) chunk = REGIA_ETS_CHUNK;
    if (chunk < 1) chunk = 1;
    const int n_chunks = (in->n_series + chunk - 1) / chunk;
    int failed = 0;
#pragma omp parallel num_threads(be->threads)
    {
        chunk_ws_t *c = chunk_ws_alloc(m, h, nmax);
        if (!c) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int k = 0; k < n_chunks; k++) {
            if (!c) continue;
            const int s0 = k * chunk, ns = in->n_series - s0 < chunk ? in->n_series - s0 : chunk;
            ets_chunk(c, in, out, s0, ns);
        }
        chunk_ws_free(c);
    }
    return failed ? REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the ETS workspace") : REGIA_OK;
}
