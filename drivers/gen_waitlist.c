/* gen_waitlist.c - `regia gen waitlist`: a synthetic region's outpatient bookings, with the
 * districts and the agendas they were booked against.
 *
 * The data are made up (no agency is their source) but behave as a region's CUP extract:
 *   - districts with populations, grouped into ASLs; providers (a district clinic in every
 *     district, accredited private centres in some, one or two hospitals per ASL) and their
 *     agendas per monitored service, with a weekly capacity (less in August);
 *   - demand per service x district from the population (first visits, diagnostics,
 *     follow-ups, intramoenia), with a yearly trend, an August dip, the Christmas weeks,
 *     no CUP contacts on Sundays and national holidays and few on Saturdays;
 *   - each request is booked by a real simulation against the agendas' slots, in the order
 *     of the CUP contacts: the first available slot in the guarantee area (the district,
 *     the ASL for CT and MRI), a share of each day's slots held for U and B requests until
 *     three days before, so that waits grow where demand exceeds capacity and the lower
 *     classes breach first;
 *   - the patient accepts the first offer or refuses it (personal reasons: a later date in
 *     the area; choice: another provider or district), then the booking is delivered,
 *     cancelled, withdrawn, missed (no-show) or still pending at the end date (the
 *     current list); a few deliveries are postponed by the provider;
 *   - repeat patients (the same id on several bookings), prescriptions with several lines,
 *     missing classes, 1996 codes before 30/12/2024 and 2024 codes from then on.
 * Deterministic by seed: every random number is a Philox draw keyed by (seed, what, where,
 * day); the simulation runs in a fixed order.  Memory: about 8 bytes per agenda per day of
 * the period (plus the future the current list reaches); bookings are streamed to disk.
 * Rank 0 generates and writes; each file is written atomically.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_impl.h"
#include "waitlist_impl.h"
#include "regia/io.h"
#include "regia/options.h"
#include "regia/rng.h"
#include "regia/timeutil.h"
#include "textbuf.h"

#ifndef REGIA_VERSION
#define REGIA_VERSION "unknown"
#endif

/* ---- parameters of the model (documented in docs/waitlist-data.md) ------------------------ */
#define WARMUP_DAYS 182          /* simulated before the period so that the lists are full  */
#define RESERVED_SHARE 0.30      /* of a day's slots held for U and B requests (rounded)     */
#define RELEASE_DAYS 1           /* ... until the day before: then anyone may take them       */
#define AUGUST_CAPACITY 0.65     /* agendas' capacity in August                               */
#define TREND 0.02               /* yearly growth of demand (and of the planned capacity)     */
#define P_INTRAMOENIA 0.05
#define P_NOCLASS 0.08           /* first-access SSN requests without a class (count as P)   */
#define P_CANCEL 0.06
#define P_WITHDRAW 0.03
#define P_NOSHOW 0.06
#define P_POSTPONE 0.03          /* delivered later than booked (the provider moved it)      */
#define P_COMPANION 0.10         /* a second line on the prescription (some diagnostics)     */

static const double CLASS_MIX[WL_CLASSES] = {0.03, 0.17, 0.32, 0.40}; /* + P_NOCLASS        */
static const double ACCEPT_FIRST[WL_CLASSES + 1] = {0.80, 0.50, 0.37, 0.31, 0.31}; /* + none */
static const double P_PERSONAL = 0.40;      /* of the refusals; the others are by choice    */
static const double MONTH_F[12] = {1.05, 1.06, 1.08, 1.00, 1.05, 1.00, 0.92, 0.52, 1.02, 1.08, 1.06, 0.88};
static const double WEEKDAY_F[7] = {1.25, 1.10, 1.05, 1.00, 0.95, 0.30, 0.0};

/* Yearly requests per 1000 residents of each monitored service (first access and
 * follow-ups together), by 1996 code (+ discipline for visits); others get DEFAULT_RATE. */
#define DEFAULT_RATE 3.0
static const struct { const char *code, *disc; double rate; } RATES[] = {
    {"89.7", "08", 22}, {"89.7", "14", 6}, {"89.7", "19", 10}, {"89.13", "32", 10}, {"95.02", "34", 25},
    {"89.7", "36", 22}, {"89.26", "37", 12}, {"89.7", "38", 14}, {"89.7", "43", 10}, {"89.7", "52", 20},
    {"89.7", "56", 12}, {"89.7", "58", 8}, {"89.7", "64", 5}, {"89.7", "68", 7},
    {"87.37.1", "", 15}, {"87.37.2", "", 2}, {"87.41", "", 4}, {"87.41.1", "", 3}, {"88.01.1", "", 1},
    {"88.01.2", "", 1.5}, {"88.01.3", "", 0.8}, {"88.01.4", "", 1.2}, {"88.01.5", "", 1.5}, {"88.01.6", "", 3},
    {"87.03", "", 3}, {"87.03.1", "", 1}, {"88.38.1", "", 2}, {"88.38.2", "", 0.8}, {"88.38.5", "", 0.5},
    {"88.91.1", "", 4}, {"88.91.2", "", 3}, {"88.95.4", "", 1.5}, {"88.95.5", "", 1.5}, {"88.93", "", 3},
    {"88.93.1", "", 1}, {"88.71.4", "", 10}, {"88.72.3", "", 12}, {"88.73.5", "", 10}, {"88.74.1", "", 8},
    {"88.75.1", "", 5}, {"88.76.1", "", 20}, {"88.73.1", "", 10}, {"88.73.2", "", 1.5}, {"88.78", "", 4},
    {"88.78.2", "", 5}, {"88.77.2", "", 9}, {"45.23", "", 5}, {"45.42", "", 1}, {"45.24", "", 1},
    {"45.13", "", 5}, {"45.16", "", 2}, {"89.52", "", 30}, {"89.50", "", 7}, {"89.41", "", 3},
    {"89.44", "", 1}, {"95.41.1", "", 6}, {"89.37.1", "", 5}, {"89.37.2", "", 3}, {"95.11", "", 3},
    {"93.08.1", "", 6},
    /* PNGLA line 58 (exercise test, cycle ergometer or treadmill) has two 1996 codes, 89.41
     * and 89.43, one row each; the 2024 nomenclator has 89.41 alone.  Nothing read gives
     * the split between them, so 89.43 is taken as the less used code, half of 89.41: the
     * line's demand is 4.5 per 1000, between the Holter ECG (7) and the other exercise
     * tests (89.44, 1), instead of the DEFAULT_RATE that would make it twice 89.41's. */
    {"89.43", "", 1.5},
};

/* Slot length in minutes by service group. */
static int slot_minutes(const wl_service_t *s)
{
    if (s->kind == 0) return 20;
    if (!strcmp(s->group, "endoscopy")) return 30;
    if (!strcmp(s->group, "cardio_test") || !strcmp(s->group, "mammography")) return 15;
    return 20;
}

/* ---- random draws --------------------------------------------------------------------- */
typedef struct {
    uint64_t seed, stream;
    uint32_t path, ctr;
    double u[4];
    int k;
} draw_t;

enum { ST_GEO = 1, ST_AGENDA, ST_DEMAND, ST_REQ, ST_CAP, ST_CODE };

static void draw_init(draw_t *r, uint64_t seed, int what, uint64_t where, uint32_t day)
{
    r->seed = seed;
    r->stream = ((uint64_t)what << 56) ^ where;
    r->path = day;
    r->ctr = 0;
    r->k = 4;
}

static double unif(draw_t *r)
{
    if (r->k == 4) {
        regia_rng_uniform4(r->seed, r->stream, r->path, r->ctr++, r->u);
        r->k = 0;
    }
    return r->u[r->k++];
}

static int poisson(draw_t *r, double lambda)
{
    if (lambda <= 0) return 0;
    if (lambda < 30) {
        double L = exp(-lambda), p = 1;
        int k = 0;
        do {
            k++;
            p *= unif(r);
        } while (p > L && k < 1000);
        return k - 1;
    }
    double z = sqrt(-2 * log(unif(r))) * cos(6.283185307179586 * unif(r));
    double x = floor(lambda + sqrt(lambda) * z + 0.5);
    return x < 0 ? 0 : (int)x;
}

/* exponential with mean m, rounded down to whole days, cut at 5 m */
static int exp_days(draw_t *r, double m)
{
    double x = -m * log(unif(r));
    return (int)(x < 5 * m ? x : 5 * m);
}

/* ---- the region ----------------------------------------------------------------------- */
typedef struct {
    char code[32], name[96];
    int district;
} provider_t;

typedef struct {
    int provider, service, district;
    double weight;
    int nseg;
    int *slots;                  /* per capacity segment: weekly slots                    */
    uint16_t *used_res, *used_open, *nf_any, *nf_open; /* per day                        */
    uint8_t weekdays;
} agenda_t;

typedef struct {
    /* input */
    wl_services_t svc;
    int n_dist, n_asl;
    uint64_t seed;
    int64_t day_first, day_end;  /* epoch days: first day of the period, last day (incl.) */
    int64_t day0;                /* epoch day of simulation day 0 (warm-up start)         */
    int H;                       /* simulated days (warm-up + period + future)            */
    double bookings_per_year;    /* 0: from the population                                */
    /* geography */
    int *dist_asl, *asl_first, *asl_n;
    double *pop;
    provider_t *prov;
    int nprov;
    int *pol, *prv, *hos1, *hos2; /* provider index per district (pol, prv) / ASL (hos); -1 */
    /* agendas */
    agenda_t *ag;
    int nag;
    int *area_first, *area_n, *area_ag; /* per (service, area) list of agendas           */
    int *svc_ag_first, *svc_ag_n;       /* agendas of each service (contiguous)          */
    /* capacity segments: boundaries (simulation days) where capacity changes */
    int nseg, *seg_start;        /* seg_start[nseg] = H                                   */
    uint8_t *seg_of_day, *month_of_day, *wd_of_day, *hol_of_day;
    /* demand */
    double *rate;                /* [s * n_dist + d] yearly requests                        */
    double *year_norm;           /* per calendar year offset from the period's first year  */
    int year0;
    /* patients of recent first-access bookings per (service, district), for follow-ups */
    int32_t *recent;             /* [s * n_dist + d][RECENT]                                */
    int *recent_n;
    uint64_t rx_seq;
} gen_t;

#define RECENT 64

static int area_of(const gen_t *g, int s, int d)
{
    return g->svc.s[s].area_level == 1 ? g->n_dist + g->dist_asl[d] : d;
}
static int area_index(const gen_t *g, int s, int area) { return s * (g->n_dist + g->n_asl) + area; }

/* Slots of agenda a on simulation day i (total, and those held for U/B). */
static int day_cap(const gen_t *g, const agenda_t *a, int i, int *res)
{
    int wd = g->wd_of_day[i];
    *res = 0;
    if (g->hol_of_day[i] || !(a->weekdays & (1u << wd))) return 0;
    int nwd = 0, pos = 0;
    for (int k = 0; k < 7; k++)
        if (a->weekdays & (1u << k)) {
            if (k < wd) pos++;
            nwd++;
        }
    int S = a->slots[g->seg_of_day[i]];
    int c = S / nwd + (pos < S % nwd);
    /* held slots rounded, at least one a day from two slots up, one day in three with one */
    *res = (int)floor(c * RESERVED_SHARE + 0.5);
    if (*res == 0 && c >= 2) *res = 1;
    if (c == 1 && i % 3 == 0) *res = 1;
    return c;
}

/* union-find "next day that may have a free slot" (path halving); H = none */
static int nf_find(uint16_t *nf, int H, int i)
{
    if (i >= H) return H;
    while (nf[i] != i) {
        int n = nf[i];
        if (n >= H) return H;
        nf[i] = nf[n] < H ? nf[n] : (uint16_t)H;
        i = n;
    }
    return i;
}

/* Earliest day >= s0 with a slot for a request of class c (0..3 U B D P, 4 none, 5
 * follow-up, 6 any slot for a choice), -1 when none in the horizon.  *pool: 1 reserved. */
static int agenda_first(const gen_t *g, agenda_t *a, int c, int s0, int *pool)
{
    const int H = g->H;
    int d, res;
    *pool = 0;
    if (s0 >= H) return -1;
    if (c == WL_U || c == WL_B) {
        d = nf_find(a->nf_any, H, s0);
        if (d >= H) return -1;
        day_cap(g, a, d, &res);
        *pool = a->used_res[d] < res;
        return d;
    }
    if (c != 5) { /* D, P, none, choice: the held slots are released RELEASE_DAYS before */
        d = nf_find(a->nf_any, H, s0);
        if (d < s0 + RELEASE_DAYS && d < H) {
            int cap = day_cap(g, a, d, &res);
            *pool = a->used_open[d] >= cap - res;
            return d;
        }
        d = nf_find(a->nf_open, H, s0 + RELEASE_DAYS > H ? H : s0 + RELEASE_DAYS);
    } else
        d = nf_find(a->nf_open, H, s0);
    return d >= H ? -1 : d;
}

/* Take a slot of agenda a on day d from pool; the slot's minute of the day. */
static int agenda_take(const gen_t *g, agenda_t *a, int d, int pool)
{
    int res, cap = day_cap(g, a, d, &res);
    int k = a->used_res[d] + a->used_open[d];
    if (pool) a->used_res[d]++;
    else a->used_open[d]++;
    if (a->used_open[d] >= cap - res) a->nf_open[d] = (uint16_t)(d + 1);
    if (a->used_res[d] + a->used_open[d] >= cap) a->nf_any[d] = (uint16_t)(d + 1);
    const int dur = slot_minutes(&g->svc.s[a->service]), per_room = 360 / dur;
    return 8 * 60 + (k % per_room) * dur; /* beyond 6 hours of slots: rooms in parallel */
}

/* Minute of the day the k-th free slot of day d would start (for a first offer). */
static int agenda_peek_minute(const gen_t *g, const agenda_t *a, int d)
{
    int k = a->used_res[d] + a->used_open[d];
    const int dur = slot_minutes(&g->svc.s[a->service]), per_room = 360 / dur;
    return 8 * 60 + (k % per_room) * dur;
}

/* The earliest slot among the agendas of (service s, area); *ag_out the agenda. */
static int area_first(const gen_t *g, int s, int area, int c, int s0, int *ag_out, int *pool)
{
    int ai = area_index(g, s, area), best = -1, bd = INT32_MAX;
    for (int j = 0; j < g->area_n[ai]; j++) {
        int a = g->area_ag[g->area_first[ai] + j], p;
        int d = agenda_first(g, &g->ag[a], c, s0, &p);
        if (d >= 0 && d < bd) {
            bd = d;
            best = a;
            *pool = p;
        }
    }
    *ag_out = best;
    return best < 0 ? -1 : bd;
}

/* ---- building the region -------------------------------------------------------------- */
static regia_status_t nomem(void) { return REGIA_FAIL(REGIA_ERR_NOMEM, "gen waitlist: out of memory"); }

static int add_provider(gen_t *g, const char *code, const char *name, int district)
{
    provider_t *p = &g->prov[g->nprov];
    snprintf(p->code, sizeof p->code, "%s", code);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->district = district;
    return g->nprov++;
}

/* Services whose prescriptions often carry a second line of the same group. */
static int companion_group(const wl_service_t *s)
{
    return s->kind == 1 && (!strcmp(s->group, "ultrasound") || !strcmp(s->group, "cardio_test") ||
                            !strcmp(s->group, "endoscopy") || !strcmp(s->group, "ct"));
}

static double service_rate(const wl_service_t *s)
{
    for (size_t i = 0; i < sizeof RATES / sizeof RATES[0]; i++)
        if (!strcmp(RATES[i].code, s->code) && !strcmp(RATES[i].disc, s->discipline)) return RATES[i].rate;
    return DEFAULT_RATE;
}

static regia_status_t build(gen_t *g)
{
    const int N = g->n_dist, A = g->n_asl, S = g->svc.n, NA = N + A;
    g->dist_asl = calloc((size_t)N, sizeof(int));
    g->pop = calloc((size_t)N, sizeof(double));
    g->asl_first = calloc((size_t)A, sizeof(int));
    g->asl_n = calloc((size_t)A, sizeof(int));
    g->prov = calloc((size_t)(2 * N + 2 * A), sizeof(provider_t));
    g->pol = calloc((size_t)N, sizeof(int));
    g->prv = calloc((size_t)N, sizeof(int));
    g->hos1 = calloc((size_t)A, sizeof(int));
    g->hos2 = calloc((size_t)A, sizeof(int));
    if (!g->dist_asl || !g->pop || !g->asl_first || !g->asl_n || !g->prov || !g->pol || !g->prv || !g->hos1 || !g->hos2)
        return nomem();
    /* districts in contiguous blocks per ASL; populations lognormal around 70,000 */
    for (int a = 0; a < A; a++) {
        g->asl_first[a] = (int)((int64_t)a * N / A);
        g->asl_n[a] = (int)((int64_t)(a + 1) * N / A) - g->asl_first[a];
        for (int j = 0; j < g->asl_n[a]; j++) g->dist_asl[g->asl_first[a] + j] = a;
    }
    char code[32], name[96];
    for (int d = 0; d < N; d++) {
        draw_t r;
        draw_init(&r, g->seed, ST_GEO, (uint64_t)d, 0);
        double z = sqrt(-2 * log(unif(&r))) * cos(6.283185307179586 * unif(&r));
        double p = 70000 * exp(0.45 * z);
        g->pop[d] = floor((p < 15000 ? 15000 : p > 400000 ? 400000 : p) / 10) * 10;
        snprintf(code, sizeof code, "PD%03d", d + 1);
        snprintf(name, sizeof name, "Poliambulatorio del distretto %03d (sintetico)", d + 1);
        g->pol[d] = add_provider(g, code, name, d);
        g->prv[d] = -1;
        if (unif(&r) < 0.5) {
            snprintf(code, sizeof code, "PA%03d", d + 1);
            snprintf(name, sizeof name, "Centro privato accreditato %03d (sintetico)", d + 1);
            g->prv[d] = add_provider(g, code, name, d);
        }
    }
    for (int a = 0; a < A; a++) {
        snprintf(code, sizeof code, "OS%02d", a + 1);
        snprintf(name, sizeof name, "Ospedale dell'ASL %02d (sintetico)", a + 1);
        g->hos1[a] = add_provider(g, code, name, g->asl_first[a]);
        g->hos2[a] = -1;
        if (g->asl_n[a] >= 3) {
            snprintf(code, sizeof code, "OT%02d", a + 1);
            snprintf(name, sizeof name, "Secondo ospedale dell'ASL %02d (sintetico)", a + 1);
            g->hos2[a] = add_provider(g, code, name, g->asl_first[a] + g->asl_n[a] / 2);
        }
    }
    /* demand: yearly requests per (service, district) */
    double total_pop = 0, total = 0;
    for (int d = 0; d < N; d++) total_pop += g->pop[d];
    g->rate = calloc((size_t)S * N, sizeof(double));
    if (!g->rate) return nomem();
    for (int s = 0; s < S; s++)
        for (int d = 0; d < N; d++) {
            draw_t r;
            draw_init(&r, g->seed, ST_DEMAND, (uint64_t)s << 20 | (uint64_t)d, 0);
            double jitter = exp(0.25 * (sqrt(-2 * log(unif(&r))) * cos(6.283185307179586 * unif(&r))));
            g->rate[s * N + d] = service_rate(&g->svc.s[s]) / 1000.0 * g->pop[d] * jitter;
            total += g->rate[s * N + d];
        }
    if (g->bookings_per_year > 0 && total > 0) {
        /* the rows asked for include the further lines of prescriptions */
        double rows = 0;
        for (int s = 0; s < S; s++) {
            const wl_service_t *sv = &g->svc.s[s];
            double extra = companion_group(sv) ? (1 - P_INTRAMOENIA - 0.12) * P_COMPANION * 1.25 : 0;
            for (int d = 0; d < N; d++) rows += g->rate[s * N + d] * (1 + extra);
        }
        for (int i = 0; i < S * N; i++) g->rate[i] *= g->bookings_per_year / rows;
    }
    /* agendas: per service, the providers of each area */
    int cap_ag = S * (3 * N + 3 * A) + 16;
    g->ag = calloc((size_t)cap_ag, sizeof(agenda_t));
    g->area_first = calloc((size_t)S * NA, sizeof(int));
    g->area_n = calloc((size_t)S * NA, sizeof(int));
    g->area_ag = calloc((size_t)cap_ag, sizeof(int));
    g->svc_ag_first = calloc((size_t)S, sizeof(int));
    g->svc_ag_n = calloc((size_t)S, sizeof(int));
    if (!g->ag || !g->area_first || !g->area_n || !g->area_ag || !g->svc_ag_first || !g->svc_ag_n) return nomem();
    int nlist = 0;
    for (int s = 0; s < S; s++) {
        const wl_service_t *sv = &g->svc.s[s];
        g->svc_ag_first[s] = g->nag;
        int diag_common = sv->kind == 1 && sv->area_level == 0;
        for (int area = 0; area < NA; area++) {
            int ai = area_index(g, s, area);
            g->area_first[ai] = nlist;
            if ((sv->area_level == 0) != (area < N)) continue;
            draw_t r;
            draw_init(&r, g->seed, ST_AGENDA, (uint64_t)s << 20 | (uint64_t)area, 0);
            double weekly = 0; /* expected requests a week: a small area has one agenda */
            for (int d = 0; d < N; d++)
                if (area_of(g, s, d) == area) weekly += g->rate[s * N + d] / 52.18;
            const int most = weekly < 12 ? 1 : weekly < 30 ? 2 : 4;
            int cand[4], nc = 0;
            double w[4];
            if (area < N) {
                int d = area, a = g->dist_asl[d];
                cand[nc] = g->pol[d], w[nc++] = 1.0;
                if (g->prv[d] >= 0 && (diag_common || unif(&r) < 0.4)) cand[nc] = g->prv[d], w[nc++] = 0.6;
                if (diag_common && g->asl_first[a] == d) cand[nc] = g->hos1[a], w[nc++] = 0.8;
                if (diag_common && g->hos2[a] >= 0 && g->prov[g->hos2[a]].district == d) cand[nc] = g->hos2[a], w[nc++] = 0.6;
            } else {
                int a = area - N;
                cand[nc] = g->hos1[a], w[nc++] = 1.0;
                if (g->hos2[a] >= 0) cand[nc] = g->hos2[a], w[nc++] = 0.7;
                for (int j = 0; j < g->asl_n[a]; j++)
                    if (g->prv[g->asl_first[a] + j] >= 0 && unif(&r) < 0.5) {
                        cand[nc] = g->prv[g->asl_first[a] + j], w[nc++] = 0.5;
                        break;
                    }
            }
            if (nc > most) nc = most;
            for (int j = 0; j < nc; j++) {
                agenda_t *ag = &g->ag[g->nag];
                ag->provider = cand[j];
                ag->service = s;
                ag->district = g->prov[cand[j]].district;
                ag->weight = w[j];
                /* clinics Monday-Friday; hospital imaging and private centres often Saturday too */
                ag->weekdays = (uint8_t)((cand[j] != g->pol[ag->district] && sv->kind == 1 && unif(&r) < 0.6) ? 0x3f : 0x1f);
                g->area_ag[nlist++] = g->nag++;
                g->area_n[ai]++;
            }
        }
        g->svc_ag_n[s] = g->nag - g->svc_ag_first[s];
    }
    return REGIA_OK;
}

/* ---- calendar and capacity ----------------------------------------------------------- */
static regia_status_t calendar(gen_t *g, int years)
{
    const int H = g->H;
    g->seg_of_day = calloc((size_t)H, 1);
    g->month_of_day = calloc((size_t)H, 1);
    g->wd_of_day = calloc((size_t)H, 1);
    g->hol_of_day = calloc((size_t)H, 1);
    g->seg_start = calloc((size_t)(4 * (years + 6) + 4), sizeof(int));
    if (!g->seg_of_day || !g->month_of_day || !g->wd_of_day || !g->hol_of_day || !g->seg_start) return nomem();
    int nseg = 0;
    g->seg_start[nseg++] = 0;
    for (int i = 0; i < H; i++) {
        int y, m, d;
        int64_t e = g->day0 + i;
        regia_civil_from_days(e, &y, &m, &d);
        g->month_of_day[i] = (uint8_t)(m - 1);
        g->wd_of_day[i] = (uint8_t)(((e + 3) % 7 + 7) % 7);
        g->hol_of_day[i] = (uint8_t)wl_is_holiday(y, m, d);
        /* capacity changes on 1 August (summer), 1 September (back) and 1 January (the
         * year's plan); the last segment is open-ended */
        if (i > 0 && d == 1 && (m == 8 || m == 9 || m == 1) && e <= g->day_end) g->seg_start[nseg++] = i;
        g->seg_of_day[i] = (uint8_t)(nseg - 1);
    }
    g->nseg = nseg;
    g->seg_start[nseg] = H;
    /* normalisation of the daily demand factor per calendar year */
    int y0, y1, m, d;
    regia_civil_from_days(g->day0, &y0, &m, &d);
    regia_civil_from_days(g->day0 + H, &y1, &m, &d);
    g->year0 = y0;
    g->year_norm = calloc((size_t)(y1 - y0 + 1), sizeof(double));
    if (!g->year_norm) return nomem();
    for (int y = y0; y <= y1; y++) {
        double f = 0;
        for (int64_t e = regia_days_from_civil(y, 1, 1); e < regia_days_from_civil(y + 1, 1, 1); e++) {
            int yy, mm, dd;
            regia_civil_from_days(e, &yy, &mm, &dd);
            int wd = (int)(((e + 3) % 7 + 7) % 7);
            double x = wl_is_holiday(yy, mm, dd) ? 0 : MONTH_F[mm - 1] * WEEKDAY_F[wd];
            if ((mm == 12 && dd >= 22) || (mm == 1 && dd <= 6)) x *= 0.6;
            f += x;
        }
        g->year_norm[y - y0] = f;
    }
    return REGIA_OK;
}

/* Capacity: per (service, area) the expected weekly SSN requests times a factor (most
 * areas have some slack, about one in six is short of capacity), split over its agendas
 * by weight; August reduced; growing with the trend. */
static regia_status_t capacity(gen_t *g)
{
    const int N = g->n_dist, NA = N + g->n_asl;
    for (int s = 0; s < g->svc.n; s++)
        for (int area = 0; area < NA; area++) {
            int ai = area_index(g, s, area);
            if (!g->area_n[ai]) continue;
            double yearly = 0;
            for (int d = 0; d < N; d++)
                if (area_of(g, s, d) == area) yearly += g->rate[s * N + d];
            const wl_service_t *sv = &g->svc.s[s];
            int companion = companion_group(sv);
            double weekly = yearly * (1 - P_INTRAMOENIA) * (1 + (companion ? 0.6 * P_COMPANION : 0)) / 52.18 / 0.96;
            draw_t r;
            draw_init(&r, g->seed, ST_CAP, (uint64_t)s << 20 | (uint64_t)area, 0);
            double f = unif(&r) < 0.17 ? 0.86 + 0.11 * unif(&r) : 1.04 + 0.26 * unif(&r);
            /* planned capacity covers the variability of small demand (2 standard
             * deviations of a Poisson week), except in the short areas */
            const double safe = weekly > 0 ? 1 + 2 / sqrt(weekly) : 1;
            if (f > 1 && f < safe) f = safe;
            const double target = safe > 1.12 ? safe : 1.12; /* of a recovery plan */
            double wsum = 0;
            for (int j = 0; j < g->area_n[ai]; j++) wsum += g->ag[g->area_ag[g->area_first[ai] + j]].weight;
            for (int j = 0; j < g->area_n[ai]; j++) {
                agenda_t *a = &g->ag[g->area_ag[g->area_first[ai] + j]];
                a->nseg = g->nseg;
                a->slots = calloc((size_t)g->nseg, sizeof(int));
                a->used_res = calloc((size_t)g->H, sizeof(uint16_t));
                a->used_open = calloc((size_t)g->H, sizeof(uint16_t));
                a->nf_any = malloc((size_t)g->H * sizeof(uint16_t));
                a->nf_open = malloc((size_t)g->H * sizeof(uint16_t));
                if (!a->slots || !a->used_res || !a->used_open || !a->nf_any || !a->nf_open) return nomem();
                for (int k = 0; k < g->nseg; k++) {
                    int i0 = g->seg_start[k], y, m, dd;
                    regia_civil_from_days(g->day0 + i0, &y, &m, &dd);
                    double yrs = (double)(i0 - WARMUP_DAYS) / 365.25, grow = pow(1 + TREND, yrs);
                    /* a short area gets a recovery plan: its capacity rises linearly to
                     * `target` x demand over the first two years of the period */
                    double fk = f < 1 && yrs > 0 ? f + (target - f) * (yrs / 2 < 1 ? yrs / 2 : 1) : f;
                    double x = weekly * fk * grow * a->weight / wsum * (m == 8 ? AUGUST_CAPACITY : 1.0);
                    a->slots[k] = x < 1 ? 1 : (int)floor(x + 0.5);
                }
                for (int i = 0; i < g->H; i++) {
                    int res, cap = day_cap(g, a, i, &res);
                    a->nf_any[i] = (uint16_t)(cap > 0 ? i : i + 1);
                    a->nf_open[i] = (uint16_t)(cap - res > 0 ? i : i + 1);
                }
            }
        }
    return REGIA_OK;
}

/* ---- output --------------------------------------------------------------------------- */
typedef struct {
    FILE *f;
    int64_t rows, by_outcome[5], first_ssn, accepted, personal, choice, followup, lp, noclass, multi;
    int64_t contacts_month[12], contacts_sunday;
} out_t;

/* dd/mm/yyyy HH:MM of simulation day i, minute m */
static char *put_dt(const gen_t *g, char *p, int i, int m, int with_time)
{
    int y, mo, d;
    regia_civil_from_days(g->day0 + i, &y, &mo, &d);
    p += sprintf(p, "%02d/%02d/%04d", d, mo, y);
    if (with_time) p += sprintf(p, " %02d:%02d", m / 60, m % 60);
    return p;
}

typedef struct {
    int s, d, klass, access, regime, reason, line;
    int32_t patient;
    uint64_t rx;
    int rx_day, c_day, c_min, f_day, f_min, b_day, b_min, o_day, o_min, outcome, agenda, lp;
} booking_t;

/* The 2024 code a booking of row sv carries (from 30/12/2024): the row's code, or, for a row
 * that lists several (one per PNGLA line: 88.38.A|88.38.B|88.38.C), one of them, equally
 * likely, from a stream of its own keyed by the prescription and its line (ST_CODE): the
 * same for the same seed, and no other field's draws change. */
static const char *code_2024(const gen_t *g, const wl_service_t *sv, const booking_t *b, char *buf, size_t cap)
{
    int n = wl_service_code_new_count(sv), k = 0;
    if (n > 1) {
        draw_t r;
        draw_init(&r, g->seed, ST_CODE, b->rx, (uint32_t)b->line);
        k = (int)(unif(&r) * n);
        if (k >= n) k = n - 1;
    }
    return wl_service_code_new_at(sv, k, buf, cap);
}

static void write_row(gen_t *g, out_t *o, const booking_t *b)
{
    char code_new[WL_CODE_NEW_LEN];
    char line[768], *p = line;
    const wl_service_t *sv = &g->svc.s[b->s];
    const agenda_t *ag = &g->ag[b->agenda];
    const provider_t *pv = &g->prov[ag->provider];
    int new_cat = g->day0 + b->c_day >= regia_days_from_civil(2024, 12, 30) && sv->code_new[0];
    p += sprintf(p, "SYN%03d%07d,RX%011llu,%d,", b->d + 1, (int)b->patient, (unsigned long long)b->rx, b->line);
    p = put_dt(g, p, b->rx_day, 0, 0);
    *p++ = ',';
    p = put_dt(g, p, b->c_day, b->c_min, 1);
    *p++ = ',';
    p = put_dt(g, p, b->f_day, b->f_min, 1);
    *p++ = ',';
    p = put_dt(g, p, b->b_day, b->b_min, 1);
    p += sprintf(p, ",%s,", WL_OUTCOME_NAMES[b->outcome]);
    if (b->outcome != WL_OUT_PENDING) p = put_dt(g, p, b->o_day, b->o_min, 1);
    p += sprintf(p, ",%s,%s,", b->klass < WL_CLASSES ? WL_CLASS_NAMES[b->klass] : "",
                 b->access == WL_ACCESS_FIRST ? "first" : "follow_up");
    if (new_cat) p += sprintf(p, "%s,2024,", code_2024(g, sv, b, code_new, sizeof code_new));
    else if (sv->kind == 0) p += sprintf(p, "%s/%s,1996,", sv->code, sv->discipline);
    else p += sprintf(p, "%s,1996,", sv->code);
    p += sprintf(p, "%s,AG%05d%s,", pv->code, b->agenda + 1, b->lp ? "LP" : "");
    p += sprintf(p, "ASL%02d,D%03d,ASL%02d,D%03d,%s,", g->dist_asl[b->d] + 1, b->d + 1, g->dist_asl[ag->district] + 1,
                 ag->district + 1, b->regime == WL_REGIME_SSN ? "SSN" : "intramoenia");
    if (b->access == WL_ACCESS_FIRST && b->regime == WL_REGIME_SSN)
        p += sprintf(p, "%d,", b->reason == WL_REASON_CHOICE ? 0 : 1);
    else
        *p++ = ',';
    p += sprintf(p, "%s\n", WL_REASON_NAMES[b->reason]);
    fwrite(line, 1, (size_t)(p - line), o->f);
    o->rows++;
    o->by_outcome[b->outcome]++;
    if (b->access == WL_ACCESS_FIRST && b->regime == WL_REGIME_SSN) {
        o->first_ssn++;
        o->accepted += b->reason == WL_REASON_NONE;
        o->personal += b->reason == WL_REASON_PERSONAL;
        o->choice += b->reason == WL_REASON_CHOICE;
        o->noclass += b->klass == WL_CLASS_NONE;
    }
    o->followup += b->access == WL_ACCESS_FOLLOWUP;
    o->lp += b->regime == WL_REGIME_INTRAMOENIA;
    o->multi += b->line > 1;
    o->contacts_month[g->month_of_day[b->c_day]]++;
    o->contacts_sunday += g->wd_of_day[b->c_day] == 6;
}

/* Outcome at the end of the period of a booking for day b_day. */
static void outcome(gen_t *g, draw_t *r, booking_t *b)
{
    const int end = (int)(g->day_end - g->day0); /* last simulated day of the period */
    double u = unif(r);
    int span = b->b_day - b->c_day;
    if (u < P_CANCEL + P_WITHDRAW) {
        int od = b->c_day + (span > 0 ? (int)(unif(r) * span) : 0);
        b->outcome = u < P_CANCEL ? WL_OUT_CANCELLED : WL_OUT_WITHDRAWN;
        b->o_day = od;
        b->o_min = 8 * 60 + (int)(unif(r) * 600);
        if (od == b->c_day && b->o_min <= b->c_min) b->o_min = b->c_min + 5 + (int)(unif(r) * 120);
        if (b->o_min >= 24 * 60) b->o_min = 24 * 60 - 1;
        if (od > end) b->outcome = WL_OUT_PENDING;
        return;
    }
    if (b->b_day > end) {
        b->outcome = WL_OUT_PENDING;
        return;
    }
    if (unif(r) < P_NOSHOW) {
        b->outcome = WL_OUT_NOSHOW;
        b->o_day = b->b_day;
        b->o_min = b->b_min;
        return;
    }
    b->outcome = WL_OUT_DELIVERED;
    b->o_day = b->b_day;
    b->o_min = b->b_min + (int)(unif(r) * 45);
    if (unif(r) < P_POSTPONE) { /* the provider moved it: delivered later */
        b->o_day = b->b_day + 7 + (int)(unif(r) * 21);
        if (b->o_day > end) b->outcome = WL_OUT_PENDING;
    }
    if (b->o_min >= 24 * 60) b->o_min = 24 * 60 - 1;
}

/* An agenda of service s chosen in proportion to its weekly slots on `day`, among those of
 * the residence district's guarantee area (scope 0), of its ASL (1) or of the region (2). */
static int pick_agenda(gen_t *g, draw_t *r, int s, int scope, int d, int day)
{
    const int asl = g->dist_asl[d], area = area_of(g, s, d), seg = g->seg_of_day[day];
    double tot = 0;
    for (int pass = 0; pass < 2; pass++) {
        double x = pass ? unif(r) * tot : 0, acc = 0;
        int last = -1;
        for (int j = 0; j < g->svc_ag_n[s]; j++) {
            int a = g->svc_ag_first[s] + j;
            const agenda_t *ag = &g->ag[a];
            int in = scope == 2 || (scope == 1 && g->dist_asl[ag->district] == asl) ||
                     (scope == 0 && area_of(g, s, ag->district) == area &&
                      (area >= g->n_dist || ag->district == d));
            if (!in) continue;
            acc += ag->slots[seg] + 1;
            last = a;
            if (pass && acc > x) return a;
        }
        if (pass) return last;
        tot = acc;
    }
    return g->svc_ag_first[s];
}

/* The last day before the horizon agenda a works (where a request that finds no free slot
 * in the whole horizon is put: agendas are never closed). */
static int last_workday(const gen_t *g, const agenda_t *a)
{
    int res;
    for (int i = g->H - 1; i > 0; i--)
        if (day_cap(g, a, i, &res) > 0) return i;
    return g->H - 1;
}

/* Book one request (first access SSN, follow-up or intramoenia), fill and write it. */
static void book(gen_t *g, out_t *o, draw_t *r, booking_t *b, int write)
{
    const int N = g->n_dist;
    const int area = area_of(g, b->s, b->d);
    int pool, a, d;
    b->reason = WL_REASON_NONE;
    b->lp = 0;
    if (b->regime == WL_REGIME_INTRAMOENIA) {
        int ai = area_index(g, b->s, area);
        b->agenda = g->area_ag[g->area_first[ai] + (int)(unif(r) * g->area_n[ai])];
        b->lp = 1;
        b->b_day = b->f_day = b->c_day + 2 + (int)(unif(r) * 12);
        while (b->b_day < g->H - 1 && (g->wd_of_day[b->b_day] == 6 || g->hol_of_day[b->b_day])) b->b_day = ++b->f_day;
        b->b_min = b->f_min = 15 * 60 + 20 * (int)(unif(r) * 12);
    } else if (b->access == WL_ACCESS_FOLLOWUP) {
        int s0 = b->c_day + 20 + exp_days(r, 60);
        d = area_first(g, b->s, area, 5, s0, &a, &pool);
        if (d < 0) {
            a = g->area_ag[g->area_first[area_index(g, b->s, area)]];
            d = last_workday(g, &g->ag[a]);
            b->b_min = 8 * 60;
        } else
            b->b_min = agenda_take(g, &g->ag[a], d, pool);
        b->agenda = a;
        b->b_day = b->f_day = d;
        b->f_min = b->b_min;
    } else {
        const int c = b->klass;
        d = area_first(g, b->s, area, c, b->c_day + 1, &a, &pool);
        if (d < 0) { /* no slot in the whole horizon: its last working day */
            a = g->area_ag[g->area_first[area_index(g, b->s, area)]];
            d = last_workday(g, &g->ag[a]);
            pool = -1;
        }
        b->f_day = d;
        b->f_min = pool >= 0 ? agenda_peek_minute(g, &g->ag[a], d) : 8 * 60;
        if (unif(r) < ACCEPT_FIRST[c]) {
            b->agenda = a;
            b->b_day = d;
            b->b_min = pool >= 0 ? agenda_take(g, &g->ag[a], d, pool) : 8 * 60;
        } else if (unif(r) < P_PERSONAL) { /* a later date in the area */
            b->reason = WL_REASON_PERSONAL;
            int delay = c == WL_U ? 1 : c == WL_B ? 2 + (int)(unif(r) * 5) : 5 + (int)(unif(r) * 35);
            int d2 = area_first(g, b->s, area, c, d + delay, &a, &pool);
            if (d2 < 0) {
                a = g->area_ag[g->area_first[area_index(g, b->s, area)]];
                d2 = last_workday(g, &g->ag[a]);
                pool = -1;
            }
            b->agenda = a;
            b->b_day = d2;
            b->b_min = pool >= 0 ? agenda_take(g, &g->ag[a], d2, pool) : 8 * 60;
        } else { /* by choice: a provider of the patient's choosing */
            b->reason = WL_REASON_CHOICE;
            double v = unif(r);
            /* another agenda of the area (or the same one, later), of the ASL, or of the
             * region; providers are chosen in proportion to their capacity */
            int pick = pick_agenda(g, r, b->s, v < 0.5 ? 0 : v < 0.85 ? 1 : 2, b->d, b->c_day);
            int s0 = b->c_day + 1 + exp_days(r, 10);
            int d2 = agenda_first(g, &g->ag[pick], 6, s0, &pool);
            if (d2 < 0) {
                d2 = last_workday(g, &g->ag[pick]);
                pool = -1;
            }
            b->agenda = pick;
            b->b_day = d2;
            b->b_min = pool >= 0 ? agenda_take(g, &g->ag[pick], d2, pool) : 8 * 60;
        }
        /* remember the patient for a follow-up */
        int key = b->s * N + b->d;
        g->recent[key * RECENT + (g->recent_n[key] % RECENT)] = b->patient;
        g->recent_n[key]++;
    }
    outcome(g, r, b);
    if (write) write_row(g, o, b);
}

/* All the requests of simulation day i. */
static void simulate_day(gen_t *g, out_t *o, int i)
{
    const int N = g->n_dist, S = g->svc.n, write = i >= WARMUP_DAYS;
    const int wd = g->wd_of_day[i];
    int y, m, dd;
    regia_civil_from_days(g->day0 + i, &y, &m, &dd);
    if (wd == 6 || g->hol_of_day[i]) return; /* the CUP is closed */
    double f = MONTH_F[m - 1] * WEEKDAY_F[wd];
    if ((m == 12 && dd >= 22) || (m == 1 && dd <= 6)) f *= 0.6;
    f /= g->year_norm[y - g->year0];
    f *= pow(1 + TREND, (double)(i - WARMUP_DAYS) / 365.25);
    for (int s = 0; s < S; s++) {
        const wl_service_t *sv = &g->svc.s[s];
        int companion_ok = companion_group(sv);
        for (int d = 0; d < N; d++) {
            draw_t r;
            draw_init(&r, g->seed, ST_REQ, (uint64_t)s << 20 | (uint64_t)d, (uint32_t)i);
            int n = poisson(&r, g->rate[s * N + d] * f);
            for (int k = 0; k < n; k++) {
                booking_t b;
                memset(&b, 0, sizeof b);
                b.s = s;
                b.d = d;
                b.c_day = i;
                b.c_min = 8 * 60 + (int)(unif(&r) * (wd == 5 ? 270 : 600));
                b.line = 1;
                b.rx = ++g->rx_seq;
                double u = unif(&r);
                double p_follow = sv->kind == 0 ? 0.25 : 0.12;
                int key = s * N + d;
                b.regime = WL_REGIME_SSN;
                b.access = WL_ACCESS_FIRST;
                if (u < P_INTRAMOENIA) {
                    b.regime = WL_REGIME_INTRAMOENIA;
                    b.klass = WL_CLASS_NONE;
                } else if (u < P_INTRAMOENIA + p_follow) {
                    b.access = WL_ACCESS_FOLLOWUP;
                    b.klass = WL_CLASS_NONE;
                } else {
                    double v = unif(&r), acc = 0;
                    b.klass = WL_CLASS_NONE;
                    for (int c = 0; c < WL_CLASSES; c++) {
                        acc += CLASS_MIX[c];
                        if (v < acc) { b.klass = c; break; }
                    }
                }
                /* patients: skewed towards some (the chronic ones come back); a follow-up
                 * is for a patient seen recently for the same service */
                if (b.access == WL_ACCESS_FOLLOWUP && g->recent_n[key] > 0) {
                    int nrec = g->recent_n[key] < RECENT ? g->recent_n[key] : RECENT;
                    b.patient = g->recent[key * RECENT + (int)(unif(&r) * nrec)];
                } else
                    b.patient = (int32_t)(g->pop[d] * pow(unif(&r), 2.2));
                /* prescription date: urgent ones the same day or the day before */
                int lag = b.klass == WL_U ? (int)(unif(&r) * 2) : b.klass == WL_B ? (int)(unif(&r) * 4)
                                                                                : exp_days(&r, 6);
                b.rx_day = i - lag < 0 ? 0 : i - lag;
                if (g->wd_of_day[b.rx_day] == 6 && b.rx_day > 0) b.rx_day--;
                book(g, o, &r, &b, write);
                /* more lines on the same prescription (some diagnostics go together) */
                if (companion_ok && b.access == WL_ACCESS_FIRST && b.regime == WL_REGIME_SSN && unif(&r) < P_COMPANION) {
                    int nl = unif(&r) < 0.25 ? 2 : 1;
                    for (int l = 0; l < nl; l++) {
                        int s2 = s, tries = 0;
                        do s2 = (int)(unif(&r) * S);
                        while ((s2 == s || strcmp(g->svc.s[s2].group, sv->group) || !g->svc_ag_n[s2]) && ++tries < 20);
                        if (s2 == s || strcmp(g->svc.s[s2].group, sv->group)) break;
                        booking_t c2 = b;
                        c2.s = s2;
                        c2.line = 2 + l;
                        book(g, o, &r, &c2, write);
                    }
                }
            }
        }
    }
}

/* ---- files ---------------------------------------------------------------------------- */
static regia_status_t write_small(const char *dir, const char *name, const char *buf, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return regia_atomic_write(path, buf, len);
}

static void fmt_day(int64_t e, char *buf, size_t n)
{
    int y, m, d;
    regia_civil_from_days(e, &y, &m, &d);
    snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

static regia_status_t write_tables(gen_t *g, const char *dir)
{
    tbuf_t D = {0}, A = {0};
    regia_status_t st;
    tbuf_printf(&D, "asl_code,asl_name,district_code,district_name,population\n");
    for (int d = 0; d < g->n_dist; d++)
        tbuf_printf(&D, "ASL%02d,ASL sintetica %02d,D%03d,Distretto sintetico %03d,%.0f\n", g->dist_asl[d] + 1,
                    g->dist_asl[d] + 1, d + 1, d + 1, g->pop[d]);
    tbuf_printf(&A, "provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to\n");
    for (int a = 0; a < g->nag; a++) {
        const agenda_t *ag = &g->ag[a];
        const wl_service_t *sv = &g->svc.s[ag->service];
        char svc[48], wd[8], from[16], to[16];
        if (sv->kind == 0) snprintf(svc, sizeof svc, "%s/%s", sv->code, sv->discipline);
        else snprintf(svc, sizeof svc, "%s", sv->code);
        int nw = 0;
        for (int k = 0; k < 7; k++)
            if (ag->weekdays & (1u << k)) wd[nw++] = (char)('1' + k);
        wd[nw] = '\0';
        for (int k = 0; k < g->nseg; k++) {
            fmt_day(g->day0 + g->seg_start[k], from, sizeof from);
            if (k + 1 < g->nseg) fmt_day(g->day0 + g->seg_start[k + 1] - 1, to, sizeof to);
            else to[0] = '\0';
            tbuf_printf(&A, "%s,%s,AG%05d,%s,D%03d,%d,%s,%s,%s\n", g->prov[ag->provider].code,
                        g->prov[ag->provider].name, a + 1, svc, ag->district + 1, ag->slots[k], wd, from, to);
        }
    }
    if (D.oom || A.oom) st = nomem();
    else if ((st = write_small(dir, "districts.csv", D.buf, D.len)) == REGIA_OK)
        st = write_small(dir, "agendas.csv", A.buf, A.len);
    free(D.buf);
    free(A.buf);
    return st;
}

static void gen_free(gen_t *g)
{
    for (int a = 0; a < g->nag; a++) {
        free(g->ag[a].slots);
        free(g->ag[a].used_res);
        free(g->ag[a].used_open);
        free(g->ag[a].nf_any);
        free(g->ag[a].nf_open);
    }
    free(g->ag);
    free(g->dist_asl); free(g->pop); free(g->asl_first); free(g->asl_n); free(g->prov);
    free(g->pol); free(g->prv); free(g->hos1); free(g->hos2); free(g->rate);
    free(g->area_first); free(g->area_n); free(g->area_ag); free(g->svc_ag_first); free(g->svc_ag_n);
    free(g->seg_start); free(g->seg_of_day); free(g->month_of_day); free(g->wd_of_day); free(g->hol_of_day);
    free(g->year_norm); free(g->recent); free(g->recent_n);
    wl_services_free(&g->svc);
}

/* ---- the command ---------------------------------------------------------------------- */
static const regia_job_key_t gen_wl_schema[] = {
    {"gen", "districts", REGIA_KEY_INT, 0, "8", 1, 2000, NULL, "districts of the region"},
    {"gen", "years", REGIA_KEY_INT, 0, "2", 1, 20, NULL, "years of CUP contacts up to --end-date"},
    {"gen", "seed", REGIA_KEY_INT, 0, "42", 0, 9.2e18, NULL, "random seed (the same seed gives the same files)"},
    {"gen", "output_dir", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "directory for bookings.csv, districts.csv, agendas.csv and README.txt"},
    {"gen", "end_date", REGIA_KEY_STRING, 0, "2025-12-31", 0, 0, NULL,
     "last day of CUP contacts (the current list: bookings after it are pending)"},
    {"gen", "asls", REGIA_KEY_INT, 0, "0", 0, 2000, NULL, "ASLs the districts are grouped into (0: one per 4 districts)"},
    {"gen", "bookings_per_year", REGIA_KEY_INT, 0, "0", 0, 1e9, NULL,
     "requests per year in the region (0: about 0.49 per resident, from the populations)"},
    {"gen", "services", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL, "services table (default: the PNGLA table shipped with regia)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};
static const regia_opt_meta_t gen_wl_meta[] = {
    {"districts", "N"}, {"years", "Y"}, {"seed", "S"}, {"output_dir", "DIR"}, {"end_date", "YYYY-MM-DD"},
    {"asls", "A"}, {"bookings_per_year", "B"}, {"services", "FILE.csv"}, {NULL, NULL},
};

static int gw_usage(regia_ctx_t *ctx)
{
    if (ctx->rank == 0) {
        printf("usage: regia gen waitlist --districts N --years Y --seed S --output-dir DIR [OPTIONS]\n\n"
               "Writes a synthetic region's outpatient bookings in the canonical layout (DIR/bookings.csv),\n"
               "with DIR/districts.csv, DIR/agendas.csv and DIR/README.txt; deterministic by seed.\n\nOptions:\n");
        regia_opts_print_help(gen_wl_schema, gen_wl_meta, stdout);
    }
    return REGIA_EXIT_OK;
}

static regia_status_t generate(regia_ctx_t *ctx, gen_t *g, int years, const char *outdir, const char *svc_path)
{
    regia_status_t st = REGIA_OK;
    out_t o;
    memset(&o, 0, sizeof o);
    regia_atomic_t at;
    char path[4200];
    REGIA_TRY(wl_services_load(svc_path, &g->svc));
    /* the period: `years` years ending on day_end; the simulation also runs a warm-up before
     * it and as far after it as the current list reaches */
    {
        int y, m, d;
        regia_civil_from_days(g->day_end, &y, &m, &d);
        g->day_first = regia_days_from_civil(y - years, m, d) + 1;
        g->day0 = g->day_first - WARMUP_DAYS;
        int64_t h = (g->day_end - g->day0 + 1) + 400 + 120 * years;
        if (h > 65000) h = 65000;
        g->H = (int)h;
        if (g->day_end - g->day0 + 1 + 200 > g->H) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "gen waitlist: period too long");
            goto err;
        }
    }
    if (!g->n_asl) g->n_asl = (g->n_dist + 3) / 4;
    if (g->n_asl > g->n_dist) g->n_asl = g->n_dist;
    REGIA_TRY(build(g));
    REGIA_TRY(calendar(g, years));
    REGIA_TRY(capacity(g));
    g->recent = calloc((size_t)g->svc.n * g->n_dist * RECENT, sizeof(int32_t));
    g->recent_n = calloc((size_t)g->svc.n * g->n_dist, sizeof(int));
    if (!g->recent || !g->recent_n) { st = nomem(); goto err; }
    REGIA_TRY(regia_mkdir_p(outdir));
    REGIA_TRY(write_tables(g, outdir));
    snprintf(path, sizeof path, "%s/bookings.csv", outdir);
    REGIA_TRY(regia_atomic_begin(&at, path));
    o.f = fopen(at.tmp_path, "w");
    if (!o.f) { st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create", at.tmp_path); goto err; }
    setvbuf(o.f, NULL, _IOFBF, 1 << 22);
    for (int c = 0; c < WL_NCOL; c++) fprintf(o.f, "%s%s", c ? "," : "", WL_COLUMN_NAMES[c]);
    fputc('\n', o.f);
    const int last = (int)(g->day_end - g->day0);
    for (int i = 0; i <= last; i++) simulate_day(g, &o, i);
    int werr = ferror(o.f);
    if (fclose(o.f) != 0 || werr) {
        o.f = NULL;
        regia_atomic_abort(&at);
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: write failed (disk full?)", at.tmp_path);
        goto err;
    }
    o.f = NULL;
    REGIA_TRY(regia_atomic_commit(&at));
    {
        tbuf_t R = {0};
        char from[16], to[16];
        fmt_day(g->day_first, from, sizeof from);
        fmt_day(g->day_end, to, sizeof to);
        tbuf_printf(&R, "SYNTHETIC DATA - generated by regia %s (`regia gen waitlist`).\n\n"
                        "These files are synthetic: every patient, prescription, provider, agenda, district and ASL\n"
                        "is made up by a random model. No health agency, CUP or person is their source, and they\n"
                        "describe no real region. Do not use them as facts about any real waiting list.\n\n"
                        "Parameters: seed %llu, districts %d, ASLs %d, years %d, CUP contacts from %s to %s\n"
                        "(the end date; bookings after it are the pending list), bookings per year %s.\n"
                        "Services table: %s (version %s, sha256 %s).\n\n"
                        "Files: bookings.csv (canonical bookings layout, dd/mm/yyyy HH:MM Europe/Rome local time),\n"
                        "districts.csv, agendas.csv (weekly slots per provider and service). docs/waitlist-data.md\n"
                        "describes the layouts and the model.\n\n"
                        "Rows: %lld bookings; first-access SSN %lld (first offer accepted %.1f %%, refused for personal\n"
                        "reasons %.1f %%, by choice %.1f %%, no class %.1f %%); follow-ups %lld; intramoenia %lld;\n"
                        "outcomes: pending %lld, delivered %lld, cancelled %lld, no-show %lld, withdrawn %lld.\n",
                    REGIA_VERSION, (unsigned long long)g->seed, g->n_dist, g->n_asl, years, from, to,
                    g->bookings_per_year > 0 ? "as given" : "from the populations", regia_file_name(g->svc.path),
                    g->svc.version, g->svc.sha,
                    (long long)o.rows, (long long)o.first_ssn, 100.0 * o.accepted / (o.first_ssn ? o.first_ssn : 1),
                    100.0 * o.personal / (o.first_ssn ? o.first_ssn : 1), 100.0 * o.choice / (o.first_ssn ? o.first_ssn : 1),
                    100.0 * o.noclass / (o.first_ssn ? o.first_ssn : 1), (long long)o.followup, (long long)o.lp,
                    (long long)o.by_outcome[0], (long long)o.by_outcome[1], (long long)o.by_outcome[2],
                    (long long)o.by_outcome[3], (long long)o.by_outcome[4]);
        st = R.oom ? nomem() : write_small(outdir, "README.txt", R.buf, R.len);
        free(R.buf);
        if (st) goto err;
    }
    regia_info(&ctx->log, "wrote %s/bookings.csv (%lld bookings, %d districts, %d ASLs, %d agendas), districts.csv, "
                          "agendas.csv, README.txt",
               outdir, (long long)o.rows, g->n_dist, g->n_asl, g->nag);
err:
    if (o.f) {
        fclose(o.f);
        regia_atomic_abort(&at);
    }
    return st;
}

int regia_gen_waitlist(regia_ctx_t *ctx, int argc, char **argv)
{
    regia_opts_t o;
    regia_job_t *job = NULL;
    if (regia_opts_parse(gen_wl_schema, gen_wl_meta, 0, argc, argv, &o) != REGIA_OK)
        return regia_usage_error(ctx, "gen waitlist", "%s", regia_error_msg());
    if (o.help) { regia_opts_free(&o); return gw_usage(ctx); }
    regia_opts_free(&o);
    if (regia_opts_parse(gen_wl_schema, gen_wl_meta, 1, argc, argv, &o) != REGIA_OK)
        return regia_usage_error(ctx, "gen waitlist", "%s", regia_error_msg());
    if (o.quiet) ctx->log.quiet = 1;
    if (o.n_pos) {
        regia_opts_free(&o);
        return regia_usage_error(ctx, "gen waitlist", "unexpected argument '%s'", o.pos[0]);
    }
    regia_status_t pst = regia_job_parse(o.text ? o.text : "", "command line", gen_wl_schema, &job);
    regia_opts_free(&o);
    if (pst) return regia_usage_error(ctx, "gen waitlist", "%s", regia_error_msg());
    gen_t g;
    memset(&g, 0, sizeof g);
    g.n_dist = (int)regia_job_int(job, "gen", "districts");
    g.n_asl = (int)regia_job_int(job, "gen", "asls");
    g.seed = (uint64_t)regia_job_int(job, "gen", "seed");
    g.bookings_per_year = (double)regia_job_int(job, "gen", "bookings_per_year");
    const int years = (int)regia_job_int(job, "gen", "years");
    const char *outdir = regia_job_path(job, "gen", "output_dir"), *end_s = regia_job_str(job, "gen", "end_date");
    const char *svc = regia_job_has(job, "gen", "services") ? regia_job_path(job, "gen", "services")
                                                             : wl_services_default_path();
    int64_t te;
    if (regia_parse_datetime(end_s, &te) != REGIA_OK) {
        int rc = regia_usage_error(ctx, "gen waitlist", "--end-date: %s", regia_error_msg());
        regia_job_free(job);
        return rc;
    }
    g.day_end = regia_floordiv(te, 86400);
    if (g.n_asl > g.n_dist) {
        int rc = regia_usage_error(ctx, "gen waitlist", "--asls %d is more than --districts %d", g.n_asl, g.n_dist);
        regia_job_free(job);
        return rc;
    }
    regia_status_t st = REGIA_OK;
    if (ctx->rank == 0) st = generate(ctx, &g, years, outdir, svc);
    gen_free(&g);
    regia_job_free(job);
    st = regia_agree(ctx, st);
    return st == REGIA_OK ? REGIA_EXIT_OK : REGIA_EXIT_FAIL;
}
