/* waitlist_products_impl.h - what the waiting-list products read from a closed `regia
 * waitlist` output (internal to drivers/): waitlist_products.c reads it and writes the
 * summary table, waitlist_quicklooks.c draws the figures from it.  docs/waitlist-products.md.
 *
 * Every value is the output's own, read as double, with the variable's _FillValue (and
 * NaN) as NaN: a count, share or statistic that disclosure control suppressed is NaN here
 * and stays an empty cell in the table and a gap in the figures.  Nothing is recomputed
 * from counts, so no suppressed cell can be recovered from the products.
 */
#ifndef REGIA_WAITLIST_PRODUCTS_IMPL_H
#define REGIA_WAITLIST_PRODUCTS_IMPL_H

#include <stddef.h>

#include "domain.h"

enum { WLP_STR = 96, WLP_CLASSES = 4 /* U B D P: the classes with limits, targets, risk */ };

typedef struct {
    const char *path;          /* the output, as given (messages)                          */
    size_t ns, na, nc, nw, nm, nh, ni, nq, nr;
    /* coordinates */
    char (*s_code)[WLP_STR], (*s_name)[WLP_STR], (*s_group)[WLP_STR];
    double *s_kind, *s_alevel;            /* 0 visit / 1 diagnostic; guarantee area 0 district / 1 ASL */
    char (*a_code)[WLP_STR], (*a_name)[WLP_STR];
    double *a_level;                      /* 0 district, 1 ASL, 2 region                     */
    char (*c_name)[WLP_STR], (*m_name)[WLP_STR];
    double *w_start, *w_end;              /* days since 1970-01-01 (Rome midnights in UTC)   */
    double *w_month;                      /* month index of each week                        */
    double *interval, *quantile;          /* percent; probability                            */
    double *limit, *target;               /* (service, class): days; percent                 */
    /* compliance (week and month), the "requests" measure of the count cubes */
    double *req_w, *sdc_w, *share_w, *light_w;                 /* (s, a, c, w)             */
    double *req_m, *sdc_m, *share_m, *post_m, *wmed_m, *wp90_m, *light_m; /* (s, a, c, m)  */
    /* demand */
    double *fc;                           /* (s, a, c, h)                                    */
    double *fc_lo, *fc_hi;                /* (s, a, c, i, h)                                 */
    double *method;                       /* (s, a, c): flag value (-1 suppressed, 0 ets ...) */
    /* risk */
    double *r_mean, *r_pmiss, *r_req;     /* (s, a, c, r)                                    */
    double *r_q;                          /* (s, a, c, r, q)                                 */
    /* allocation */
    double *x_extra, *x_added, *x_spare, *x_met; /* (s, a)                                   */
    double *x_reserve, *nhsr_demand;      /* (s, a, c)                                       */
    /* global attributes */
    char as_of[16], clock_start[32];
    double k;                             /* disclosure_k (NaN when absent)                  */
    double as_of_day;                     /* as_of's Rome midnight, days since 1970-01-01    */
    double risk_day0;                     /* risk week 1's Monday (first Monday >= as_of)    */
    long w_last;                          /* last complete week before as_of (-1: none)      */
    long m_last;                          /* last complete month up to w_last (-1: none)     */
} wlp_t;

/* Index helpers over the output's dimension order. */
static inline size_t wlp_sac(const wlp_t *d, size_t s, size_t a, size_t c) { return (s * d->na + a) * d->nc + c; }
static inline size_t wlp_sa(const wlp_t *d, size_t s, size_t a) { return s * d->na + a; }

/* Worst (largest) P(miss) of service s in area a over the classes U..P and the risk
 * weeks; NaN when the area is not a guarantee area of the service. */
double wlp_worst_pmiss(const wlp_t *d, size_t s, size_t a);

/* Local, no MPI.  The figures (overview ones always, per-item ones up to p->max_figures,
 * highest risk first), each saved as STEM.png + STEM.svg in p->dir and registered with
 * p->add.  waitlist_quicklooks.c. */
regia_status_t wlp_figures(const wlp_t *d, regia_products_t *p);

#endif
