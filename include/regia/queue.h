/* regia/queue.h - Monte Carlo queue simulation: a continuous-time multi-server queue with
 * priority classes (regia queue, the oracles of Erlang C and Cobham) and the weekly
 * booking-slot model of outpatient waiting lists (regia waitlist's queue risk and
 * adaptive allocation).  Kernel layer: no MPI, no I/O, host pointers.  Both models draw
 * from counter-based Philox streams (regia/rng.h) keyed by (seed, key, path), so a result
 * depends only on its own key and path: not on ranks, threads, batch size or backend.
 * Both are ops of the backend table (regia/kernels.h): regia_queue_sim, regia_slot_sim.
 */
#ifndef REGIA_QUEUE_H
#define REGIA_QUEUE_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { REGIA_QUEUE_MAX_CLASSES = 8, REGIA_QUEUE_MAX_T = 16 };

typedef enum { REGIA_SVC_EXP = 0, REGIA_SVC_DET, REGIA_SVC_LOGNORMAL, REGIA_SVC_GAMMA } regia_svc_dist_t;
typedef enum { REGIA_DISC_PRIORITY = 0, /* non-preemptive priority, FIFO within a class */
               REGIA_DISC_FCFS } regia_disc_t;

/* --- 1. Continuous-time queue: classes 0 (highest priority) .. n_classes-1 ---------------
 * Poisson arrivals per class (rate per unit time) or a trace of arrival times; c servers,
 * constant or following a cyclic schedule (servers[j] during [end[j-1], end[j]) of each
 * period; a server busy when its shift ends finishes its customer: non-preemptive); service
 * times i.i.d. of one distribution per class (mean, cv).  A replication simulates until
 * `horizon` time units or `n_customers` arrivals (whichever is set; both: the first
 * reached); customers arriving before `warmup` are not counted.  Replication r of a batch
 * uses stream (seed, r).
 * Refinements (kernels/queue_sim_impl.h): the horizon and n_customers end the arrivals;
 * the customers present are then served to the end, so no counted wait is censored
 * (`unserved` counts those who had not started service when the arrivals ended).  A
 * schedule must cover its period (shift_end[n_shifts-1] == period) and have a shift with
 * a server; shift j of cycle m is on duty during [m period + shift_end[j-1],
 * m period + shift_end[j]).  Events at one instant: departures, shift changes, arrivals.
 * Poisson classes are simulated as one stream of the total rate whose arrivals draw their
 * class; draws are consumed at arrivals only (class, service time, next interarrival), so
 * the same replication keeps its customers when servers, schedule or discipline change.
 * Every backend checks the batch first (REGIA_ERR_INVALID naming the field); the CPU
 * grows its pool of waiting customers, the CUDA backend fails when a replication has
 * more waiting at once than its device workspace holds (the message says how many). */
typedef struct {
    int32_t n_classes;
    const double *arrival_rate;    /* n_classes, or NULL with a trace                       */
    const double *trace_time;      /* n_trace ascending arrival times (trace mode)          */
    const int32_t *trace_class;    /* n_trace classes                                        */
    int64_t n_trace;
    int32_t servers;               /* c >= 1 (without a schedule)                            */
    int32_t n_shifts;              /* 0: constant c; else a cyclic schedule                  */
    const double *shift_end;       /* n_shifts ascending ends within [0, period]             */
    const int32_t *shift_servers;  /* n_shifts servers on duty                               */
    double period;
    int32_t service_dist;          /* regia_svc_dist_t                                       */
    const double *service_mean;    /* n_classes                                              */
    const double *service_cv;      /* n_classes (ignored for EXP, DET)                       */
    int32_t discipline;            /* regia_disc_t                                           */
    double horizon;                /* 0: none                                                */
    int64_t n_customers;           /* 0: none                                                */
    double warmup;
    int32_t n_t;                   /* P(W > t) at these t (<= REGIA_QUEUE_MAX_T)             */
    const double *t;
    int32_t n_bins;                /* waiting-time histogram for quantiles: bins of width    */
    double bin_width;              /* bin_width; the last bin holds everything beyond       */
    int64_t rep0;                  /* first replication index (global: keys the stream)     */
    int32_t n_reps;                /* replications in this call                              */
    uint64_t seed;
} regia_queue_batch_t;

/* Per replication and class, sums the caller combines (over replications and ranks)
 * into means, standard errors and quantiles.  Index [r * n_classes + k]. */
typedef struct {
    int64_t *n;                    /* customers counted (arrived after warmup, served)      */
    double *sum_w, *sum_w2;        /* waiting time in queue (to service start)             */
    int64_t *n_wait_gt;            /* [(r * n_classes + k) * n_t + j]: W > t[j]              */
    int64_t *hist;                 /* [(r * n_classes + k) * n_bins + b]                     */
    int64_t *unserved;             /* not yet in service when the arrivals ended             */
} regia_queue_out_t;

/* Closed forms for the tests and for planners (kernels/queue_formulas.c). */
double regia_erlang_c(int c, double a);                       /* C(c, a), a = lambda/mu < c   */
/* Cobham (1954) non-preemptive priority M/M/c class means Wq_k (k = 0 highest). */
void regia_cobham_wq(int c, double mu, int n_classes, const double *lambda, double *wq);

/* --- 2. Weekly booking slots (waiting lists) --------------------------------------------
 * One item = one service in one guarantee area.  Time in days from the start of the
 * simulation (day 0 = the Monday after the as-of date).  Each item has slots per day
 * (weekly capacity spread over the agenda's days), in a general pool and in pools
 * reserved per class (reserve[k] slots a week, released to the general pool
 * `release_days[k]` days before their date when still free).  Requests arrive each day
 * of the horizon: the weekly count of class k in week w is drawn from its predictive
 * distribution (mean, variance: Poisson when var <= mean, else negative binomial), and
 * spread over the working days by the weekday profile.  Each day the day's new requests
 * are booked in priority order (U, B, D, P; within a class in arrival order), each into
 * the first free slot after its request day that it may use (its class's reserved pool,
 * else the general pool); if none is free within `book_ahead` days it waits unbooked and
 * is booked first on later days (it counts as beyond the limit when its wait exceeds it).
 * A booked request is cancelled (its slot freed the day of the cancellation, uniform
 * between booking and slot) with probability p_cancel, and its slot wasted with
 * probability p_noshow.  The current list starts the simulation: entries already booked
 * occupy their slot (day >= 0), entries not yet booked (day < 0) are booked on day 0
 * before the new requests, oldest first within a class.
 * Outputs per item, class and week w (requests arriving in week w): the share booked
 * within the class limit (days from request to slot <= limit), its distribution over
 * paths, and the probability that the share is below the class target.
 * Refinements (kernels/slot_sim_impl.h has the details and the stream layout):
 *  - arr_var < 0: deterministic arrivals, exactly round(mean) requests a week spread over
 *    the weekdays like the slots; var <= mean (var >= 0): Poisson; var > mean: negative
 *    binomial (a gamma intensity per week, Poisson counts per day);
 *  - a week's slots of a pool are spread over its days by cumulative rounding of the
 *    weekday shares; extra_week adds to the general pool; weeks after the horizon repeat
 *    the last week's capacity; release_days NULL: reserved slots are never released;
 *  - day d books slots on days d+1 .. d+book_ahead; each day, class by class (U first),
 *    the class's waiting requests oldest first (the current list's unbooked entries, most
 *    days waited first, then by request day, re-bookings before new requests of a day);
 *    a class stops for the day at its first request without a free slot; among equally
 *    early slots its own pool first, then the general pool, then released pools;
 *  - cancellation: the slot is freed on a day uniform in [booking day, slot day - 1];
 *    no-show: the slot is used and the patient asks again on the slot day (a re-booking,
 *    not counted in the outputs); list entries have the same fates;
 *  - the share is ex ante (the date assigned counts, whatever happens later); booking
 *    goes on after the horizon for floor(max limit) days, so a request still unbooked
 *    then is beyond its limit; wait_mean counts such requests with their wait up to then
 *    (a lower bound); unbooked_end is taken at the end of the horizon's last day. */
enum { REGIA_SLOT_CLASSES = 4, REGIA_SLOT_MAX_Q = 8 };

typedef struct {
    int32_t n_items;
    int32_t weeks;                 /* horizon in weeks (requests arrive during it)           */
    int32_t book_ahead;            /* days ahead an agenda is open (>= max limit + 7)        */
    const int32_t *slots_week;     /* n_items * weeks general+reserved slots a week          */
    const int32_t *extra_week;     /* n_items extra slots a week (candidates), or NULL       */
    const int32_t *reserve;        /* n_items * 4 reserved slots a week per class, or NULL   */
    const int32_t *release_days;   /* 4 days before the slot date a reserved slot opens      */
    const double *weekday;         /* 7 shares of slots (and requests) per weekday, sum 1    */
    const double *arr_mean;        /* n_items * 4 * weeks predicted requests                 */
    const double *arr_var;         /* n_items * 4 * weeks predictive variances               */
    const double *p_cancel, *p_noshow; /* n_items                                           */
    const double *limit_days;      /* n_items * 4                                            */
    const double *target;          /* n_items * 4 (fractions, e.g. 0.9)                      */
    /* current list: entries [list_off[i], list_off[i+1]) of item i */
    const int64_t *list_off;       /* n_items + 1                                            */
    const int8_t *list_class;      /* 0..3                                                   */
    const int32_t *list_waited;    /* days already waited at day 0                           */
    const int32_t *list_day;       /* booked slot day (>= 0), or -1 when not booked yet      */
    const uint64_t *key;           /* n_items stable ids (streams)                           */
    int32_t n_paths;
    int32_t n_q;                   /* quantiles of the share (<= REGIA_SLOT_MAX_Q)           */
    const double *q;               /* e.g. 0.05, 0.5, 0.95                                   */
    uint64_t seed;
} regia_slot_batch_t;

/* Index [(i * 4 + k) * weeks + w]; share NaN where a week has no request of the class on
 * every path (quantiles and p_miss then NaN too). */
typedef struct {
    double *share_mean;            /* mean over paths of the share within the limit         */
    double *share_q;               /* [((i*4 + k)*weeks + w)*n_q + j]                        */
    double *p_miss;                /* P(share < target) over the paths with requests        */
    double *requests_mean;         /* mean requests arriving                                 */
    double *wait_mean;             /* mean days from request to slot                          */
    double *unbooked_end;          /* n_items * 4: mean requests still unbooked at the end   */
} regia_slot_out_t;

#ifdef __cplusplus
}
#endif
#endif
