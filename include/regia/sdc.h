/* regia/sdc.h - statistical disclosure control of linked count tables: primary
 * suppression (a frequency rule), secondary suppression chosen so that no suppressed
 * cell can be recomputed from the published cells and the tables' sum constraints, and
 * the attacker's audit (linear programs, GLPK) that proves it.  Runtime layer: no MPI.
 *
 * A problem is a set of cells (one index space over every linked table) and additive
 * constraints "total = sum of parts" (a margin, an ASL = sum of its districts, a month =
 * sum of its weeks, a count = sum of its categories).  Every value is a non-negative
 * count.  A primary cell (0 < value < k, or 0 < persons < k) must end with an attacker
 * interval [min, max] of width >= protection, where min and max are the extremes of the
 * cell over all non-negative solutions of the constraints with every published cell
 * fixed at its value.  Zeros are published.  Secondary cells are held to the same width
 * (so that no suppressed cell, primary or secondary, can be recomputed).  A cell in no
 * constraint is protected by its suppression alone ([0, inf)).
 */
#ifndef REGIA_SDC_H
#define REGIA_SDC_H

#include <stdint.h>

#include "regia/status.h"

typedef enum { REGIA_SDC_PUBLISHED = 0, REGIA_SDC_PRIMARY = 1, REGIA_SDC_SECONDARY = 2 } regia_sdc_status_t;

typedef struct {
    int64_t n_cells;
    const double *value;        /* n_cells counts (>= 0)                                   */
    const double *persons;      /* n_cells distinct persons behind each count, or NULL     */
    int64_t n_cons;
    const int64_t *cons_total;  /* n_cons: the total cell of each constraint               */
    const int64_t *cons_off;    /* n_cons + 1: parts of constraint c are                   */
    const int64_t *cons_part;   /*   cons_part[cons_off[c] .. cons_off[c+1])               */
    double k;                   /* frequency threshold (>= 3)                              */
    double protection;          /* required interval width (0: k)                          */
    const double *cost;         /* n_cells cost of suppressing a cell (NULL: value + 1)   */
    int8_t *status;             /* out: n_cells regia_sdc_status_t (audit: in)             */
    int64_t max_lps;            /* bound on the linear programs solved (0: 1000 + 40 n_cells);
                                   protect fails with REGIA_ERR_NUMERIC when it is reached */
} regia_sdc_problem_t;

typedef struct {
    int64_t primary, secondary, lps;
    double seconds;
} regia_sdc_report_t;

/* Primary and secondary suppression; afterwards every primary cell passes the audit.
 * The blocks (cells linked through sums) are solved on OpenMP threads when GLPK is built
 * with thread-local storage (glp_config("TLS")), serially otherwise or when called inside
 * a parallel region; status, report and errors do not depend on the thread count. */
regia_status_t regia_sdc_protect(regia_sdc_problem_t *p, regia_sdc_report_t *rep);
/* The attacker: for every suppressed cell (status as given), lo[i] and hi[i] (NaN for
 * published cells, hi = INFINITY when unbounded).  *unsafe = the number of suppressed
 * cells (primary or secondary) whose width is below the protection (0 = safe). */
regia_status_t regia_sdc_audit(const regia_sdc_problem_t *p, double *lo, double *hi, int64_t *unsafe);

#endif
