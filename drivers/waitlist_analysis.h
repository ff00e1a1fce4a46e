/* waitlist_analysis.h - `regia waitlist JOBFILE`: the analysis domain's state and the
 * modules that fill it (internal to drivers/).  docs/waitlist.md documents the job keys
 * and the output.
 *
 * Items are the services (a service's districts, ASLs and weeks are linked by the sums
 * that disclosure control must respect, so one service is computed whole on one rank);
 * the cost of a service is its bookings.  Per shard service k (0 <= k < run->ni):
 *   waitlist_compliance.c  ex ante / ex post counts, shares, median and p90 waits, lights
 *   waitlist_sdc.c         primary + secondary suppression of the counts (regia/sdc.h),
 *                          then the statistics of suppressed or small cells are blanked
 *   waitlist_demand.c      weekly first-access demand forecasts per district x class
 *                          (ETS kernels for dense series, the Croston family otherwise)
 *   waitlist_risk.c        queue risk per guarantee area (the slot simulation op)
 *   waitlist_alloc.c       extra slots, reserved slots, moves between districts, and the
 *                          closed-form queue indicators (NHSRwaitinglist's)
 * cmd_waitlist.c holds the domain table, the job schema, index / read / define / write.
 * Each module defines and writes its own variables (wl_X_define, wl_X_write), after the
 * dimensions cmd_waitlist.c has defined (w->dim).  Ownership: each section below is
 * edited only by its module's author.
 */
#ifndef REGIA_WAITLIST_ANALYSIS_H
#define REGIA_WAITLIST_ANALYSIS_H

#include <stdint.h>

#include "domain.h"
#include "regia/queue.h"
#include "waitlist_impl.h"

/* Count measures of the compliance cube: three partitions of one population (the
 * first-access SSN requests whose clock starts in the period). */
enum {
    WL_M_REQUESTS = 0,       /* = within + beyond + excluded = delivered_* + not_delivered */
    WL_M_WITHIN,             /* ex ante: in guarantee, assigned date within the limit      */
    WL_M_BEYOND,             /* ex ante: in guarantee, beyond the limit                    */
    WL_M_EXCLUDED,           /* ex ante: left the guarantee (first offer refused by choice) */
    WL_M_DELIV_WITHIN,       /* ex post: delivered within the limit of the booking          */
    WL_M_DELIV_BEYOND,       /* ex post: delivered beyond it                                */
    WL_M_NOT_DELIVERED,      /* ex post: cancelled, no-show, withdrawn or pending           */
    WL_MEASURES
};
extern const char *const WL_MEASURE_NAMES[WL_MEASURES];

/* Areas: the districts (0 .. n_district-1), then the ASLs, then the region. */
typedef struct {
    int n_area, n_district, n_asl;
    int *level;              /* n_area: 0 district, 1 ASL, 2 region                        */
    int *parent;             /* n_area: the area it sums into (-1 for the region)          */
} wl_areas_t;

typedef struct wl wl_t;

/* ---- section: cmd_waitlist.c (job, index, shard, axes, dims) --------------------------- */
struct wl {
    /* job */
    const char *input, *agendas_path, *districts_path;
    wl_clock_t clock;
    double limit_days[2][WL_CLASSES];   /* [kind: 0 visit, 1 diagnostic][class]           */
    double target[WL_CLASSES];          /* fractions (0.9)                                 */
    double light_green, light_yellow;   /* percent: >= green green, >= yellow yellow      */
    double k, protection;               /* disclosure control                              */
    int64_t as_of;                      /* UTC seconds of the as-of date (Rome midnight)   */
    int horizon;                        /* demand forecast weeks                           */
    int risk_weeks;                     /* queue-risk weeks                                */
    int n_paths;
    uint64_t seed;
    int n_levels; double levels[4];     /* forecast interval levels (80, 95)               */
    int n_q; double q[8];            /* quantiles of the risk share                 */
    double alloc_level;                 /* max P(missing a target) after allocation        */
    int alloc_max_extra;                /* largest extra weekly slots tried                */
    double weeks_to_target;             /* NHSR relief capacity                            */
    int intermittent_method;            /* regia_im_method_t, or -1: by the SBC rule       */
    /* tables */
    wl_services_t services;             /* from the bookings file                          */
    wl_districts_t districts;
    wl_agendas_t agendas;
    wl_areas_t areas;
    /* axes: weeks start on Mondays (Rome); months group the ISO weeks whose Thursday
     * falls in them, so a month is exactly the sum of its weeks */
    int64_t week0;                      /* UTC seconds of the first Monday                 */
    int n_weeks, n_months, n_periods;   /* periods: the weeks, then the months             */
    int *week_month;                    /* n_weeks                                         */
    int hist_weeks;                     /* weeks before as_of (demand history)             */
    int64_t week0_day;                  /* Rome day number (days since 1970-01-01) of week0 */
    int64_t as_of_day;                  /* Rome day number of as_of                        */
    int month0;                         /* year * 12 + month - 1 of month 0                */
    /* per global service (n_services): limits in days (U too: hours / 24) and targets
     * (fractions) after the [limits] / [targets] per-group overrides; the compliance
     * rules use these, limit_days / target are the defaults they start from */
    double (*svc_limit)[WL_CLASSES], (*svc_target)[WL_CLASSES];
    /* index and shard */
    int n_services;
    int64_t *service_first, *service_count;
    wl_booking_t *bk;                   /* the shard's bookings, service after service     */
    int64_t *bk_off;                    /* run->ni + 1 offsets into bk                     */
    /* output dims (define) */
    struct { int service, area, cls, week, month, horizon, level, quantile, risk_week,
             move, nv, strlen_, measure, move_to; } dim;  /* move: from_district, move_to:
                                           to_district (CF: no dimension twice in a variable) */

    /* ---- section: waitlist_compliance.c ---- per shard service, sizes per service:
     * cube: n_area * 5 * n_periods * WL_MEASURES; stats: n_area * 5 * n_periods */
    double *count;                      /* the cube (after SDC: NaN where suppressed)      */
    double *share_ex_ante, *share_ex_post, *wait_median, *wait_p90; /* percent, days      */
    int8_t *light;                      /* 0 green 1 yellow 2 red, -1 none                  */
    int64_t n_no_clock;                 /* first-access SSN bookings without a clock start
                                           time (left out of the cube; logged)            */
    int vid_compliance[2 * 16];

    /* ---- section: waitlist_sdc.c ---- */
    int8_t *sdc_status;                 /* per cube cell (regia_sdc_status_t)              */
    double *persons;                    /* distinct patients per cube cell                 */
    int64_t sdc_primary, sdc_secondary, sdc_lps;
    int vid_sdc[2 * WL_MEASURES + 2];
    int8_t *sdc_done;                   /* per shard service: 1 once disclosure control ran
                                           on it (checkpointed with sdc_status, count and
                                           the statistics when a domain restores items)   */
    double sdc_seconds;

    /* ---- section: waitlist_demand.c ---- per shard service: n_district * 4 series */
    double *dem_mean;                   /* [(d*4 + c)*horizon + h]                         */
    double *dem_lower, *dem_upper;      /* [((d*4 + c)*n_levels + l)*horizon + h]          */
    double *dem_var;                    /* predictive variance (risk arrivals)             */
    int8_t *dem_method;                 /* per series: 0 ets, 1.. croston family + 1, -1 suppressed */
    double *dem_adi, *dem_cv2;
    int vid_demand[12];
    /* every series, suppressed ones too (the queue risk's arrivals), over the
     * dem_sim_weeks = max(horizon, risk_weeks + wl_sim_week_offset) weeks after the history:
     * dem_sim_mean and dem_var [(d*4 + c)*dem_sim_weeks + h] */
    double *dem_sim_mean;
    int dem_sim_weeks;
    int dem_period;                     /* ETS season: 52 with >= 104 weeks of history, else 1 */
    int32_t *dem_persons;               /* per series: distinct patients in its history   */
    double tsb_alpha_d, tsb_alpha_p;    /* [demand] intermittent = tsb: its two alphas (job) */

    /* ---- section: waitlist_risk.c ---- per shard service: n_area * 4 * risk_weeks */
    double *risk_share_mean, *risk_share_q, *risk_p_miss, *risk_requests;
    int vid_risk[3 + 8];
    double *risk_worst;                 /* n_area: the baseline's worst P(miss) over classes
                                           and weeks (the allocation's 0 extra), NaN elsewhere */

    /* ---- section: waitlist_alloc.c ---- per shard service */
    int32_t *extra_slots;               /* n_area (guarantee areas; -1 elsewhere)          */
    int32_t *reserve_slots;             /* n_area * 4                                      */
    double *nhsr;                       /* n_area * 4 * 6: demand, capacity, target queue,
                                           target capacity, relief capacity, pressure     */
    int32_t *move_slots;                /* n_district * n_district: slots a week moved from
                                           district i to j of the same ASL (visits)       */
    int vid_alloc[12];
    int32_t *alloc_added;               /* n_area: extra_slots less the slots moved in     */
    int32_t *alloc_spare;               /* n_area: slots a week an area could give up      */
    int8_t *alloc_met;                  /* n_area: 1 extra_slots reaches alloc_level, 0 not
                                           even alloc_max_extra does, -1 no guarantee area  */
    long long *alloc_agenda_res;        /* agendas.n * 4, whole table on every rank: the
                                           area's reservation split over its agenda rows,
                                           made in define from reserve_slots (value + 1 on
                                           the rank of the service, 0 elsewhere; summed over
                                           ranks, then -1 = none)                         */
    int vid_alloc2[8];
};


/* ---- output layout (waitlist_nc.c) --------------------------------------------------
 * CDO 2.1 reads a variable as time first and at most three other dimensions, with one
 * character coordinate per dimension: every variable's dimensions in the files are the
 * reverse of the modules' array order (service first in memory, last in the file), the
 * measures and the interval levels and quantiles are separate variables, and the data
 * variables name one label per dimension in `coordinates` (the other labels ride on a
 * 1-D variable of their dimension, so xarray has them all as coordinates). */
#define WL_COORDS_SAC "service_code area_name class_name"
#define WL_COORDS_SA "service_code area_name"
/* Define mode: variable `name` with the reverse of mem_dims (nd of them, service first);
 * chunked one service per chunk (deflated) when chunk_service and mem_len are given. */
regia_status_t wl_def_rev(int ncid, const char *name, nc_type t, int nd, const int *mem_dims, int chunk_service,
                          const size_t *mem_len, int *vid);
/* Collective, data mode: write services [s0, s0 + ns) of variable vid (dims reversed) from
 * rows (ns x inner[0] x .. x inner[nd-2], service first: the modules' order); a rank with
 * nothing to write passes ns = 0 and takes part.  t: NC_DOUBLE, NC_INT, NC_BYTE, NC_CHAR.
 * The status is agreed over the ranks. */
regia_status_t wl_put_rev(regia_run_t *run, int ncid, int vid, int nd, const size_t *inner, nc_type t,
                          const void *rows, int64_t s0, int64_t ns);
/* The week index (on the output's week axis) of demand forecast step 1 (the week of
 * as_of) and of risk week 1 (the first Monday on or after as_of). */
int wl_forecast_week0(const wl_t *w);
int wl_risk_week0(const wl_t *w);
/* A level or quantile as a name part: 80 -> "80", 97.5 -> "97p5". */
void wl_level_tag(double v, char *buf, size_t cap);

static inline int64_t wl_cell(const wl_t *w, int area, int cls, int period, int m)
{
    return (((int64_t)area * WL_CLASS_DIM + cls) * w->n_periods + period) * WL_MEASURES + m;
}
static inline int64_t wl_stat(const wl_t *w, int area, int cls, int period)
{
    return ((int64_t)area * WL_CLASS_DIM + cls) * w->n_periods + period;
}
/* Cells per shard service of the cube (w->count, w->sdc_status) and of the statistics
 * (w->share_ex_ante .. w->light). */
static inline int64_t wl_cube_size(const wl_t *w)
{
    return (int64_t)w->areas.n_area * WL_CLASS_DIM * w->n_periods * WL_MEASURES;
}
static inline int64_t wl_stat_size(const wl_t *w)
{
    return (int64_t)w->areas.n_area * WL_CLASS_DIM * w->n_periods;
}
/* Collective, data mode: write period p (0 the weeks, 1 the months) of the shard's rows of
 * a cube array (m >= 0: measure m of src, laid out as w->count) or of a statistics array
 * (m < 0: src laid out as w->share_ex_ante) to variable vid, whose dimensions are
 * (week|month, class, area, service) (wl_put_rev).  t: NC_DOUBLE (src double) or NC_BYTE
 * (src int8_t); buf: the caller's, room for run->ni * n_area * WL_CLASS_DIM * (n_weeks or
 * n_months) values of type t.  The status is agreed over the ranks. */
regia_status_t wl_put_period(regia_run_t *run, const wl_t *w, int ncid, int vid, int p, int m, nc_type t,
                             const void *src, void *buf);

/* Module entry points: k = shard service index (0 .. run->ni-1), global run->i0 + k. */
/* The cells one booking counts in, by the compliance rules (waitlist_compliance.c): its
 * district, ASL and region x its class and "all" x its week and month, each for REQUESTS,
 * its ex ante and its ex post measure (WL_BOOKING_CELLS cube cells, in that order), and the
 * statistics cells (WL_BOOKING_STATS).  Returns 1 when the booking is measured, 0 when it
 * is not (follow-up, intramoenia, clock starting outside the history), -1 when it lacks a
 * clock start or a booked date.  The disclosure-control module counts with the same rules. */
enum { WL_BOOKING_CELLS = 3 * 2 * 2 * 3, WL_BOOKING_STATS = 3 * 2 * 2 };
typedef struct {
    int64_t cell[WL_BOOKING_CELLS], stat[WL_BOOKING_STATS];
    int in_g, delivered;      /* in guarantee (ex ante); delivered (ex post)               */
    double days;              /* days from the clock start to the booked slot               */
} wl_booking_cells_t;
int wl_booking_cells(const wl_t *w, const double *limit, const wl_booking_t *b, wl_booking_cells_t *bc);

regia_status_t wl_compliance_alloc(regia_run_t *run, wl_t *w);
regia_status_t wl_compliance_compute(regia_run_t *run, wl_t *w, int64_t k);
/* p = 0: the weekly tables (the output), 1: the monthly ones (the monthly file) */
regia_status_t wl_compliance_define(regia_run_t *run, wl_t *w, int ncid, int p);
regia_status_t wl_compliance_write(regia_run_t *run, wl_t *w, int ncid, int p);
/* After wl_sdc_compute: the traffic lights again from the shares disclosure control left
 * (a blanked share has no light). */
void wl_compliance_lights(wl_t *w, int64_t k);
void wl_compliance_free(wl_t *w);

regia_status_t wl_sdc_alloc(regia_run_t *run, wl_t *w);
regia_status_t wl_sdc_compute(regia_run_t *run, wl_t *w, int64_t k);  /* after compliance */
/* p = 0: the weekly tables (the output), 1: the monthly ones (the monthly file) */
regia_status_t wl_sdc_define(regia_run_t *run, wl_t *w, int ncid, int p);
regia_status_t wl_sdc_write(regia_run_t *run, wl_t *w, int ncid, int p);
/* The guard of every writer of counts or statistics built from them (local, then agree):
 * REGIA_OK only when disclosure control ran on every shard service and no published count
 * of the cube is below k (0 < n < k); else an error that names the service and cell. */
regia_status_t wl_sdc_require(const regia_run_t *run, const wl_t *w);
void wl_sdc_free(wl_t *w);

regia_status_t wl_demand_alloc(regia_run_t *run, wl_t *w);
regia_status_t wl_demand_compute(regia_run_t *run, wl_t *w, int64_t k);
regia_status_t wl_demand_define(regia_run_t *run, wl_t *w, int ncid);
regia_status_t wl_demand_write(regia_run_t *run, wl_t *w, int ncid);

regia_status_t wl_risk_alloc(regia_run_t *run, wl_t *w);
regia_status_t wl_risk_compute(regia_run_t *run, wl_t *w, int64_t k); /* after demand */
regia_status_t wl_risk_define(regia_run_t *run, wl_t *w, int ncid);
regia_status_t wl_risk_write(regia_run_t *run, wl_t *w, int ncid);

regia_status_t wl_alloc_alloc(regia_run_t *run, wl_t *w);
regia_status_t wl_alloc_compute(regia_run_t *run, wl_t *w, int64_t k); /* after risk */
regia_status_t wl_alloc_define(regia_run_t *run, wl_t *w, int ncid);
regia_status_t wl_alloc_write(regia_run_t *run, wl_t *w, int ncid);

/* waitlist_demand.c helpers (tests): */
enum { WL_DEM_SUPPRESSED = -1, WL_DEM_ETS = 0, WL_DEM_CROSTON = 1 /* + regia_im_method_t */ };
int64_t wl_rome_day(int64_t t);                 /* Rome civil day (days since 1970-01-01) */
int wl_demand_counts(const wl_booking_t *b);    /* a first-access SSN request with a contact */
int wl_demand_class(const wl_booking_t *b);     /* 0..3 (no class = P)                       */
/* Weeks of demand history: the complete weeks before the week of as_of (hist_weeks less
 * a partial last week); forecast step 1 is the week of as_of. */
int wl_demand_weeks(const wl_t *w);
/* History of one service: y[(d*4 + c)*wl_demand_weeks + t] = requests whose CUP contact
 * lies in week t, persons[d*4 + c] = their distinct patients. */
regia_status_t wl_demand_series(const wl_t *w, const wl_booking_t *bk, int64_t n, double *y, int32_t *persons);
int wl_demand_period(const wl_t *w);            /* 52 or 1                                  */
int wl_demand_route(const wl_t *w, int demand_class); /* WL_DEM_ETS or WL_DEM_CROSTON + method */
/* Day 0 of the queue simulation: the first Monday on or after as_of (Rome day number), and
 * the forecast step (0-based) of its week: arrivals of simulated week j are forecast step
 * wl_sim_week_offset + j; dem_sim_weeks >= risk_weeks + that offset. */
int64_t wl_sim_day0(const wl_t *w);
int wl_sim_week_offset(const wl_t *w);

/* Each module's arrays (wl_modules_free calls them; safe on a zeroed or freed state). */
void wl_demand_free(wl_t *w);
void wl_risk_free(wl_t *w);
void wl_alloc_free(wl_t *w);

/* waitlist_risk.c: one simulation item (a service in one guarantee area), shared with
 * waitlist_alloc.c, which reruns it with other capacities on the same streams. */
typedef struct {
    int area, weeks;
    int32_t *slots_week;                /* weeks: the agendas' slots in each week, times
                                           first_share                                    */
    double first_share;                 /* share of the area's slots first-access SSN
                                           bookings took in the history's last 8 weeks   */
    int32_t book_ahead, release_days[WL_CLASSES];
    double weekday[7];                  /* the agendas' share of slots per weekday          */
    double *arr_mean, *arr_var;         /* [c*weeks + j] forecast arrivals                  */
    double p_cancel, p_noshow;
    double limit[WL_CLASSES], target[WL_CLASSES];
    int64_t n_list;                     /* the current list                                 */
    int8_t *list_class;
    int32_t *list_waited, *list_day;
    int64_t list_n[WL_CLASSES];         /* its entries per class                            */
    double list_wait_sum[WL_CLASSES];   /* and their days waited at day 0, summed           */
    uint64_t key;
} wl_slot_item_t;
/* Guarantee areas of global service gs (indices into w->areas); returns their count. */
int wl_guarantee_areas(const wl_t *w, int gs, int *areas);
int wl_area_has_district(const wl_t *w, int area, int district);
/* Slots agenda row j offers on Rome day `day` (its weekly slots over its working days;
 * none outside its validity or on a public holiday). */
double wl_agenda_day_slots(const wl_agendas_t *ag, int j, int64_t day);
/* Build the item of shard service k (global gs) in `area` (after wl_demand_compute). */
regia_status_t wl_risk_item(const wl_t *w, int64_t k, int gs, int area, wl_slot_item_t *it);
void wl_risk_item_free(wl_slot_item_t *it);
/* Simulate one item with slots_week (NULL: its own), `extra` slots more every week and
 * `reserve` (4 per class, or NULL); out as wl_slot_out_alloc makes it. */
regia_status_t wl_risk_sim(regia_run_t *run, const wl_t *w, const wl_slot_item_t *it, const int32_t *slots_week,
                           int32_t extra, const int32_t *reserve, regia_slot_out_t *out);
regia_status_t wl_slot_out_alloc(const wl_t *w, regia_slot_out_t *o);
void wl_slot_out_free(regia_slot_out_t *o);

/* waitlist_alloc.c: NHSRwaitinglist's closed forms (calc_target_queue_size,
 * calc_target_capacity, calc_relief_capacity, calc_waiting_list_pressure): demand and
 * capacity per unit time, waits in the same unit (regia: weeks); factor 4 by default. */
double wl_nhsr_target_queue(double demand, double target_wait, double factor);
double wl_nhsr_target_capacity(double demand, double target_wait, double factor, double cv_demand, double cv_capacity);
double wl_nhsr_relief_capacity(double demand, double queue, double target_queue, double weeks_to_target);
double wl_nhsr_pressure(double mean_wait, double target_wait);
/* The worst P(miss) over classes and weeks of one item with those slots (NULL: its own),
 * extra slots a week and reservation (NULL: none). */
regia_status_t wl_alloc_worst(regia_run_t *run, const wl_t *w, const wl_slot_item_t *it, const int32_t *slots,
                              int32_t extra, const int32_t *reserve, regia_slot_out_t *o, double *p);
/* Smallest extra in 0..alloc_max_extra with worst P(miss) <= alloc_level (galloping, then
 * bisection; met = 0 and extra = alloc_max_extra when even that fails).  p0: the worst
 * P(miss) at 0 extra when known (NaN: simulated); *p_at: the worst at *extra. */
regia_status_t wl_alloc_search(regia_run_t *run, const wl_t *w, const wl_slot_item_t *it, regia_slot_out_t *o,
                               double p0, int32_t *extra, int *met, double *p_at);
/* Largest weekly cut an item that meets its targets can take and still meet them. */
regia_status_t wl_alloc_spare(regia_run_t *run, const wl_t *w, const wl_slot_item_t *it, regia_slot_out_t *o,
                              int32_t *spare);
/* Reservation rule: U and B reserve the (1 - alloc_level) quantile of their weekly arrivals. */
void wl_alloc_reserve_rule(const wl_t *w, const wl_slot_item_t *it, int32_t *reserve);
/* Moves of spare slots between the nd districts (asl[d] = their ASL): move[i*nd + j] slots
 * from i to j, only within one ASL, at most spare[i] from i and need[j] to j. */
void wl_alloc_moves(int nd, const int *asl, const int32_t *need, const int32_t *spare, int32_t *move);
/* Split total over n parts in proportion to weight (largest remainder, ties to the lower
 * index; all weights 0: equal parts). */
void wl_alloc_split(int n, const double *weight, int32_t total, int32_t *out);
/* Local: alloc_agenda_res of the shard's services from reserve_slots (define sums it). */
regia_status_t wl_alloc_agenda_split(const regia_run_t *run, wl_t *w);

void wl_modules_free(wl_t *w);

#endif
