/* croston_impl.h - internal interface between the Croston-family point forecasts
 * (kernels/croston.c) and their predictive distribution (kernels/croston_intervals.c).
 * Not part of the public API (contract: include/regia/croston.h). */
#ifndef REGIA_CROSTON_IMPL_H
#define REGIA_CROSTON_IMPL_H

#include <stdint.h>

/* What the predictive distribution of one step's demand needs from a fitted method:
 * demand D = B * scale * Z, B ~ Bernoulli(prob), Z drawn from the observed non-zero
 * sizes with equal weights (docs/intermittent.md).  scale makes E[D] = mean. */
typedef struct {
    double mean;     /* the method's point forecast (statsforecast's value)        */
    double prob;     /* occurrence probability of the predictive model, [0, 1]     */
    double scale;    /* multiplier of the observed sizes (0 when degenerate)       */
    int32_t n_nz;    /* number of non-zero values                                   */
} regia_im_fit_t;

/* Golden-section searches for the SES parameter (kernels/croston_golden.c): direct, or
 * recorded for a chunk of series, solved side by side in lanes, then replayed. */
enum { REGIA_IM_LANES = 8 };
enum { REGIA_IM_GS_DIRECT = 0, REGIA_IM_GS_RECORD, REGIA_IM_GS_REPLAY };

typedef struct {
    size_t off;                /* its values: data[off .. off + n)                          */
    int64_t n;
    double alpha;              /* the answer (NaN until solved)                             */
} regia_im_task_t;

typedef struct {
    int mode;                  /* REGIA_IM_GS_*                                             */
    double *data;              /* recorded values of all searches                           */
    size_t used, cap;
    regia_im_task_t *task;
    int32_t n_task, cap_task, next;
    int32_t *order;            /* open searches, longest first                              */
    double *xl, *ml;           /* lane buffers: value / error mask of lane l at time i:     */
    int64_t lane_rows;         /*   [i * REGIA_IM_LANES + l], lane_rows times               */
    int64_t lane_fill[REGIA_IM_LANES]; /* rows of a lane that may be non-zero               */
} regia_im_gs_t;

/* The search's alpha on [0.1, 0.3] for x[0..n): direct when g is NULL or direct; when
 * recording, the values are stored and a placeholder returned; when replaying, the
 * recorded answers in the order they were asked for. */
double regia_im_golden(regia_im_gs_t *g, const double *x, int64_t n);
/* RECORD starts a new recording (drops the old); REPLAY rewinds to the first answer. */
void regia_im_gs_reset(regia_im_gs_t *g, int mode);
/* Solve every recorded search (0; -1 out of memory).  A recording that ran out of memory
 * has turned itself direct: then there is nothing to solve nor to replay. */
int regia_im_gs_solve(regia_im_gs_t *g);
void regia_im_gs_free(regia_im_gs_t *g);

/* Doubles of workspace regia_im_fit_one() needs for a series of length n. */
#define REGIA_IM_WS(n) (3 * (size_t)(n) + 1)

/* Fit one series with one method; ws holds REGIA_IM_WS(n) doubles; g as for
 * regia_im_golden (NULL: direct searches).  Returns fit->mean.  Arguments are assumed
 * valid (regia_croston checks them). */
double regia_im_fit_one(const double *y, int32_t n, int method, double alpha_d, double alpha_p, double *ws,
                        regia_im_fit_t *fit, regia_im_gs_t *g);

/* The predictive distribution of one fitted series: lower/upper[l] for each level
 * (percent), *var the variance (var may be NULL).  ws holds n doubles (the sorted sizes). */
void regia_im_predictive(const double *y, int32_t n, const regia_im_fit_t *fit, int32_t n_levels,
                         const double *levels, double *ws, double *lower, double *upper, double *var);

#endif
