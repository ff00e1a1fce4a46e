/* The weekly booking-slot kernel (regia/queue.h) on the CPU backend.  Hand-worked cases
 * with deterministic arrivals (arr_var < 0) and Monday-only agendas: priority order,
 * reserved pools and their release, the current list (booked entries occupying slots,
 * unbooked ones booked first), no-shows re-booking; ample and no capacity; cancellations
 * freeing slots; the arrival distributions (Poisson and negative binomial means and
 * variances, through the shared per-path function as a device thread runs it); batch and
 * thread invariance; bad input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernels/slot_sim_impl.h"
#include "check.h"
#include "regia/kernels.h"

enum { U, B, D, P };
enum { MAXI = 4, MAXW = 8, MAXL = 64 };

/* One batch with its arrays (items x classes x weeks), filled by the cases. */
typedef struct {
    int32_t slots[MAXI * MAXW], reserve[MAXI * 4], release[4], extra[MAXI];
    double weekday[7], mean[MAXI * 4 * MAXW], var[MAXI * 4 * MAXW], pc[MAXI], pn[MAXI], lim[MAXI * 4], tg[MAXI * 4];
    int64_t off[MAXI + 1];
    int8_t lclass[MAXL];
    int32_t lwaited[MAXL], lday[MAXL];
    uint64_t key[MAXI];
    double q[3];
    regia_slot_batch_t in;
    double share[MAXI * 4 * MAXW], share_q[MAXI * 4 * MAXW * 3], pmiss[MAXI * 4 * MAXW], req[MAXI * 4 * MAXW],
        wait[MAXI * 4 * MAXW], unb[MAXI * 4];
    regia_slot_out_t out;
} case_t;

/* n items, W weeks, `slots` a week on Mondays only, deterministic arrivals of nothing,
 * limits U 7, B 10, D 30, P 7 days (short, so that a week's delay shows), targets 0.9. */
static void setup(case_t *c, int n, int W, int slots)
{
    memset(c, 0, sizeof *c);
    c->weekday[0] = 1;
    for (int i = 0; i < n; i++) {
        for (int w = 0; w < W; w++) c->slots[i * W + w] = slots;
        const double lim[4] = {7, 10, 30, 7};
        for (int k = 0; k < 4; k++) {
            c->lim[i * 4 + k] = lim[k];
            c->tg[i * 4 + k] = 0.9;
            for (int w = 0; w < W; w++) c->var[(i * 4 + k) * W + w] = -1;
        }
        c->key[i] = 1000 + (uint64_t)i * 7;
    }
    c->q[0] = 0.05, c->q[1] = 0.5, c->q[2] = 0.95;
    c->in = (regia_slot_batch_t){.n_items = n, .weeks = W, .book_ahead = 60, .slots_week = c->slots, .reserve = c->reserve,
                                 .weekday = c->weekday, .arr_mean = c->mean, .arr_var = c->var, .p_cancel = c->pc,
                                 .p_noshow = c->pn, .limit_days = c->lim, .target = c->tg, .list_off = c->off,
                                 .list_class = c->lclass, .list_waited = c->lwaited, .list_day = c->lday,
                                 .key = c->key, .n_paths = 1, .n_q = 3, .q = c->q, .seed = 99};
    c->out = (regia_slot_out_t){c->share, c->share_q, c->pmiss, c->req, c->wait, c->unb};
}

static void demand(case_t *c, int i, int k, double mean, double var)
{
    const int W = c->in.weeks;
    for (int w = 0; w < W; w++) c->mean[(i * 4 + k) * W + w] = mean, c->var[(i * 4 + k) * W + w] = var;
}

static void add_list(case_t *c, int i, int k, int waited, int day)
{
    int64_t e = c->off[i + 1]++;
    for (int j = i + 2; j <= c->in.n_items; j++) c->off[j]++;
    c->lclass[e] = (int8_t)k, c->lwaited[e] = waited, c->lday[e] = day;
}

static regia_status_t run(regia_backend_t *be, case_t *c) { return regia_slot_sim(be, &c->in, &c->out); }

#define AT(c, a, i, k, w) ((c)->a[((i) * 4 + (k)) * (c)->in.weeks + (w)])

static void priority(regia_backend_t *be)
{
    /* 10 slots each Monday; U 5 and P 10 requests each Monday.  Day 0: U takes 5 of day 7,
     * P the other 5 and 5 of day 14.  Day 7: U the rest of day 14, P all of day 21.
     * Day 14: U day 28 (21 is full): too late; P the rest of 28 and 5 of 35. */
    case_t c;
    setup(&c, 1, 3, 10);
    demand(&c, 0, U, 5, -1);
    demand(&c, 0, P, 10, -1);
    CHECK_OK(run(be, &c));
    const double su[3] = {1, 1, 0}, sp[3] = {0.5, 0, 0}, wu[3] = {7, 7, 14}, wp[3] = {10.5, 14, 17.5};
    for (int w = 0; w < 3; w++) {
        CHECK_CLOSE(AT(&c, share, 0, U, w), su[w], 0, 1e-12);
        CHECK_CLOSE(AT(&c, share, 0, P, w), sp[w], 0, 1e-12);
        CHECK_CLOSE(AT(&c, wait, 0, U, w), wu[w], 0, 1e-12);
        CHECK_CLOSE(AT(&c, wait, 0, P, w), wp[w], 0, 1e-12);
        CHECK(AT(&c, req, 0, U, w) == 5 && AT(&c, req, 0, P, w) == 10 && AT(&c, req, 0, B, w) == 0);
        CHECK(isnan(AT(&c, share, 0, B, w)) && isnan(AT(&c, pmiss, 0, B, w)) && isnan(AT(&c, wait, 0, B, w)));
        CHECK(AT(&c, pmiss, 0, U, w) == (su[w] < 0.9) && AT(&c, pmiss, 0, P, w) == 1);
        CHECK(c.share_q[((0 * 4 + P) * 3 + w) * 3 + 1] == sp[w]);
    }
    CHECK(c.unb[U] == 0 && c.unb[P] == 0);
}

static void capacity_extremes(regia_backend_t *be)
{
    /* no slots: nothing is booked; every request is unbooked at the end, waits counted to
     * the end of the simulation (day 21 + 30, the longest limit) */
    case_t c;
    setup(&c, 1, 3, 0);
    demand(&c, 0, P, 10, -1);
    demand(&c, 0, U, 2, -1);
    CHECK_OK(run(be, &c));
    for (int w = 0; w < 3; w++) {
        CHECK(AT(&c, share, 0, P, w) == 0 && AT(&c, share, 0, U, w) == 0 && AT(&c, pmiss, 0, P, w) == 1);
        CHECK_CLOSE(AT(&c, wait, 0, P, w), 51 - 7 * w, 0, 1e-12);
    }
    CHECK(c.unb[P] == 30 && c.unb[U] == 6);

    /* ample capacity, Poisson and negative binomial arrivals on weekdays, 200 paths: every
     * request is within its limit (U's 3 days cover a Friday request booked on Monday) */
    setup(&c, 1, 4, 1000);
    for (int j = 0; j < 5; j++) c.weekday[j] = 0.2;
    c.lim[U] = 3;
    demand(&c, 0, U, 20, 20);
    demand(&c, 0, B, 30, 90);
    demand(&c, 0, D, 10, 0);
    demand(&c, 0, P, 40, 40);
    c.pc[0] = 0.1, c.pn[0] = 0.1;
    c.in.n_paths = 200;
    CHECK_OK(run(be, &c));
    for (int k = 0; k < 4; k++)
        for (int w = 0; w < 4; w++) {
            CHECK(AT(&c, share, 0, k, w) == 1 && AT(&c, pmiss, 0, k, w) == 0);
            CHECK(c.share_q[((k * 4) + w) * 3] == 1 && c.share_q[((k * 4) + w) * 3 + 2] == 1);
            CHECK(AT(&c, wait, 0, k, w) >= 1 && AT(&c, wait, 0, k, w) <= 3);
        }
}

static void reserved_pools(regia_backend_t *be)
{
    /* 10 Monday slots, 5 reserved for U; P 10 a week.  Without release P has the 5
     * general slots a week: half of week 0 within 7 days.  Released 7 days ahead, the U
     * slots of day 7 are open on day 0: all of week 0 within.  Released 3 days ahead they
     * are not (7 > 3). */
    case_t c;
    setup(&c, 1, 2, 10);
    c.reserve[U] = 5;
    demand(&c, 0, P, 10, -1);
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 0) == 0.5 && AT(&c, share, 0, P, 1) == 0);
    c.in.release_days = c.release;
    c.release[U] = 7;
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 0) == 1 && AT(&c, share, 0, P, 1) == 1);
    c.release[U] = 3;
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 0) == 0.5);
    /* extra slots go to the general pool */
    c.extra[0] = 5;
    c.in.extra_week = c.extra;
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 0) == 1 && AT(&c, share, 0, P, 1) == 1);

    /* the reserve protects U from an earlier flood of P: U 5, P 20 a week.  Without it,
     * P's day-0 bookings fill days 7 and 14, and U of week 1 gets day 21 (14 days) */
    setup(&c, 1, 2, 10);
    demand(&c, 0, U, 5, -1);
    demand(&c, 0, P, 20, -1);
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, U, 0) == 1 && AT(&c, share, 0, U, 1) == 0);
    c.reserve[U] = 5;
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, U, 0) == 1 && AT(&c, share, 0, U, 1) == 1);
    CHECK_CLOSE(AT(&c, wait, 0, U, 1), 7, 0, 1e-12);
}

static void current_list(regia_backend_t *be)
{
    /* 5 P entries already booked on day 7 take half of its slots: new P requests (10)
     * get 5 on day 7, 5 on day 14 */
    case_t c;
    setup(&c, 1, 1, 10);
    demand(&c, 0, P, 10, -1);
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 0) == 1);
    for (int j = 0; j < 5; j++) add_list(&c, 0, P, 20, 7);
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 0) == 0.5);
    /* unbooked U entries are booked on day 0 before any P: the same */
    setup(&c, 1, 1, 10);
    demand(&c, 0, P, 10, -1);
    for (int j = 0; j < 5; j++) add_list(&c, 0, U, 3 + j, -1);
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 0) == 0.5);
    CHECK(c.unb[U] == 0 && c.unb[P] == 0);
    /* unbooked P entries (older) before the new P ones: 12 list entries, 10 a week: the
     * list takes day 7 and 2 of day 14; the new ones the rest of 14 and 2 of 21 */
    setup(&c, 1, 1, 10);
    demand(&c, 0, P, 10, -1);
    for (int j = 0; j < 12; j++) add_list(&c, 0, P, 40 + j, -1);
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 0) == 0);
    CHECK_CLOSE(AT(&c, wait, 0, P, 0), (8 * 14 + 2 * 21) / 10.0, 0, 1e-12);
    /* without capacity the list stays unbooked: it counts at the end */
    c.slots[0] = 0;
    CHECK_OK(run(be, &c));
    CHECK(c.unb[P] == 22);
}

static void agenda_window(regia_backend_t *be)
{
    /* an agenda open 7 days ahead: of 20 P requests on day 0, 10 get day 7 and 10 wait
     * unbooked until day 7 opens day 14 (their wait counts from their request day) */
    case_t c;
    setup(&c, 1, 1, 10);
    demand(&c, 0, P, 20, -1);
    CHECK_OK(run(be, &c));
    CHECK(c.unb[P] == 0);
    CHECK_CLOSE(AT(&c, wait, 0, P, 0), 10.5, 0, 1e-12);
    c.in.book_ahead = 7;
    CHECK_OK(run(be, &c));
    CHECK(c.unb[P] == 10);
    CHECK_CLOSE(AT(&c, wait, 0, P, 0), 10.5, 0, 1e-12);
    CHECK(AT(&c, share, 0, P, 0) == 0.5);
}

static void fates(regia_backend_t *be)
{
    /* no-shows re-book on the slot day: P 6 a week, 10 Monday slots.  Day 7 books the 6
     * re-bookings first (day 14), then the 6 new ones: 4 on day 14, 2 on day 21. */
    case_t c;
    setup(&c, 1, 2, 10);
    demand(&c, 0, P, 6, -1);
    c.pn[0] = 1;
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 0) == 1);
    CHECK_CLOSE(AT(&c, share, 0, P, 1), 4.0 / 6, 0, 1e-12);
    c.pn[0] = 0;
    CHECK_OK(run(be, &c));
    CHECK(AT(&c, share, 0, P, 1) == 1);
    /* cancellations free slots before their day: with P 20 a week and 10 slots, half of
     * week 0 is within 7 days without them; with every booking cancelled the freed slots
     * of day 7 go to the waiting requests, and more of them are within */
    setup(&c, 1, 3, 10);
    demand(&c, 0, P, 20, -1);
    c.in.n_paths = 100;
    CHECK_OK(run(be, &c));
    const double base0 = AT(&c, share, 0, P, 0), base1 = AT(&c, share, 0, P, 1), wait0 = AT(&c, wait, 0, P, 0);
    CHECK(base0 == 0.5 && base1 == 0);
    c.pc[0] = 1;
    CHECK_OK(run(be, &c));
    fprintf(stderr, "cancellations: P share week 0 %.3f (none: %.3f), week 1 %.3f (none: %.3f)\n", AT(&c, share, 0, P, 0),
            base0, AT(&c, share, 0, P, 1), base1);
    CHECK(AT(&c, share, 0, P, 0) > base0 && AT(&c, share, 0, P, 1) > base1 && AT(&c, wait, 0, P, 0) < wait0);
    CHECK(c.share_q[(P * 3 + 0) * 3] <= c.share_q[(P * 3 + 0) * 3 + 1] &&
          c.share_q[(P * 3 + 0) * 3 + 1] <= c.share_q[(P * 3 + 0) * 3 + 2]);
}

/* Weekly request counts through the per-path function (as a device thread runs it):
 * mean and variance of Poisson (var <= mean) and negative binomial (var > mean). */
static void arrival_distributions(void)
{
    case_t c;
    setup(&c, 1, 2, 1000);
    for (int j = 0; j < 5; j++) c.weekday[j] = 0.2;
    demand(&c, 0, U, 20, 10);  /* under-dispersed: Poisson */
    demand(&c, 0, B, 20, 60);  /* negative binomial */
    demand(&c, 0, D, 3.3, 3.3);
    demand(&c, 0, P, 150, 900);
    c.mean[(0 * 4 + D) * 2 + 1] = 30.4; /* a second week's mean of its own */
    c.var[(0 * 4 + D) * 2 + 1] = -1;    /* deterministic: 30 */
    enum { NP = 4000 };
    c.in.n_paths = NP;
    regia_slot_plan_t plan;
    CHECK_OK(regia_slot_plan(&c.in, &c.out, &plan));
    int32_t *ws = malloc(sizeof(int32_t) * (size_t)plan.ws_ints);
    double *res = malloc(sizeof(double) * (size_t)plan.res_len);
    double s[4][2] = {{0}}, s2[4][2] = {{0}};
    for (int p = 0; p < NP; p++) {
        CHECK(regia_slot_path(&c.in, &plan, 0, p, ws, res) == 0);
        for (int k = 0; k < 4; k++)
            for (int w = 0; w < 2; w++) s[k][w] += res[k * 2 + w], s2[k][w] += res[k * 2 + w] * res[k * 2 + w];
    }
    const double mean[4] = {20, 20, 3.3, 150}, var[4] = {20, 60, 3.3, 900};
    for (int k = 0; k < 4; k++) {
        double m = s[k][0] / NP, v = s2[k][0] / NP - m * m;
        double z = (m - mean[k]) / sqrt(var[k] / NP);
        fprintf(stderr, "class %d: weekly requests mean %.4f (want %g, z %.3f), variance %.2f (want %g)\n", k, m, mean[k],
                z, v, var[k]);
        CHECK_MSG(fabs(z) < 4, "class %d mean %.3f vs %g", k, m, mean[k]);
        CHECK_MSG(fabs(v - var[k]) < 0.15 * var[k], "class %d variance %.2f vs %g", k, v, var[k]);
    }
    CHECK(s[D][1] == 30.0 * NP && s2[D][1] == 900.0 * NP);
    free(ws);
    free(res);
    regia_slot_plan_free(&plan);
}

/* A three-item batch with everything on: item 1 alone gives the same bits; 1 and 2 threads
 * too. */
static void invariance(void)
{
    case_t a, b;
    setup(&a, 3, 5, 0);
    for (int i = 0; i < 3; i++) {
        for (int w = 0; w < 5; w++) a.slots[i * 5 + w] = 40 + 10 * i + w;
        a.reserve[i * 4 + U] = 4;
        a.reserve[i * 4 + B] = 2;
        demand(&a, i, U, 4, 6);
        demand(&a, i, B, 8, 8);
        demand(&a, i, D, 12, 30);
        demand(&a, i, P, 20 + 3 * i, 40);
        a.pc[i] = 0.15, a.pn[i] = 0.05;
        a.lim[i * 4 + U] = 3;
    }
    for (int j = 0; j < 5; j++) a.weekday[j] = j == 4 ? 0.12 : 0.22;
    a.in.release_days = a.release;
    a.release[U] = 2, a.release[B] = 5;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 8; j++) add_list(&a, i, (i + j) % 4, 5 * j, j % 3 == 0 ? -1 : j + 1);
    a.in.n_paths = 64;
    regia_backend_t b1, b2;
    CHECK_OK(regia_backend_open(&b1, "cpu", 0, 1));
    CHECK_OK(regia_backend_open(&b2, "cpu", 0, 2));
    memcpy(&b, &a, sizeof a);
    b.out = (regia_slot_out_t){b.share, b.share_q, b.pmiss, b.req, b.wait, b.unb};
    CHECK_OK(regia_slot_sim(&b1, &a.in, &a.out));
    CHECK_OK(regia_slot_sim(&b2, &b.in, &b.out));
    const size_t n = 3 * 4 * 5;
    CHECK(!memcmp(a.share, b.share, n * 8) && !memcmp(a.share_q, b.share_q, 3 * n * 8) && !memcmp(a.pmiss, b.pmiss, n * 8) &&
          !memcmp(a.req, b.req, n * 8) && !memcmp(a.wait, b.wait, n * 8) && !memcmp(a.unb, b.unb, 12 * 8));
    int nontrivial = 0;
    for (size_t j = 0; j < n; j++) nontrivial += a.share[j] > 0 && a.share[j] < 1;
    CHECK_MSG(nontrivial > 5, "only %d item-class-weeks with a share strictly between 0 and 1", nontrivial);
    /* item 1 alone: every per-item pointer moved to it */
    regia_slot_batch_t one = a.in;
    one.n_items = 1;
    one.slots_week = a.slots + 5;
    one.reserve = a.reserve + 4;
    one.arr_mean = a.mean + 20;
    one.arr_var = a.var + 20;
    one.p_cancel = a.pc + 1;
    one.p_noshow = a.pn + 1;
    one.limit_days = a.lim + 4;
    one.target = a.tg + 4;
    one.list_off = a.off + 1;
    one.key = a.key + 1;
    double sh[20], sq[60], pm[20], rq[20], wt[20], ub[4];
    regia_slot_out_t o1 = {sh, sq, pm, rq, wt, ub};
    CHECK_OK(regia_slot_sim(&b2, &one, &o1));
    CHECK(!memcmp(sh, a.share + 20, sizeof sh) && !memcmp(sq, a.share_q + 60, sizeof sq) && !memcmp(pm, a.pmiss + 20, sizeof pm) &&
          !memcmp(rq, a.req + 20, sizeof rq) && !memcmp(wt, a.wait + 20, sizeof wt) && !memcmp(ub, a.unb + 4, sizeof ub));
    /* more paths: the first 64 are the same paths (a different mean, the same draws) */
    regia_backend_close(&b1);
    regia_backend_close(&b2);
}

static void bad_input(regia_backend_t *be)
{
    case_t c;
    setup(&c, 2, 2, 10);
    c.reserve[4 + P] = 11;
    CHECK(run(be, &c) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "item 1, week 0: the reserved slots"));
    c.reserve[4 + P] = 0;
    c.weekday[1] = 0.5;
    CHECK(run(be, &c) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "weekday"));
    c.weekday[1] = 0;
    add_list(&c, 1, 2, 3, -1);
    c.lclass[0] = 5;
    CHECK(run(be, &c) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "item 1, list entry 0: class 5"));
    c.lclass[0] = 1;
    c.mean[3] = NAN;
    CHECK(run(be, &c) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "item 0, class B, week 1"));
    c.mean[3] = 0;
    c.in.n_paths = 0;
    CHECK(run(be, &c) == REGIA_ERR_INVALID && strstr(regia_error_msg(), "n_paths"));
    c.in.n_paths = 1;
    CHECK_OK(run(be, &c));
}

int main(void)
{
    regia_backend_t be;
    CHECK_OK(regia_backend_open(&be, "cpu", 0, 2));
    priority(&be);
    capacity_extremes(&be);
    reserved_pools(&be);
    current_list(&be);
    agenda_window(&be);
    fates(&be);
    arrival_distributions();
    invariance();
    bad_input(&be);
    regia_backend_close(&be);
    return check_done();
}
