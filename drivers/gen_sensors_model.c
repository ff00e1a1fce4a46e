/* gen_sensors_model.c - structures, modes, temperature, damage, faults and the simulation
 * of one record for `regia gen sensors` (the model: docs/sensors.md, "The generator").
 *
 * Each mode is a single-degree-of-freedom oscillator q'' + 2 xi w q' + w^2 q = F(t) under
 * a force held constant over each sample (zero-order hold); its exact discrete-time
 * solution x[k+1] = Phi x[k] + Gamma F[k] with Phi = expm(A dt), Gamma = A^-1 (Phi - I) B
 * (closed form below) is what the recursion applies, so the simulated frequencies and
 * damping are the true ones at any rate.  Channels are modal superpositions plus MEMS
 * noise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_sensors_impl.h"
#include "regia/rng.h"

#define G_ACC 9.80665
#define T_REF 10.0
/* corner (Hz) of the second-order low-pass of the traffic excitation's random part: the
 * road-roughness part of a vehicle's axle load (body bounce of a suspended vehicle, 1-3 Hz)
 * and a building's ground-borne pulses; docs/sensors.md "The model" */
#define GS_TRAFFIC_FC 2.0
/* wheelbases (m) over which a light / heavy vehicle's weight is spread on a bridge, and the
 * rise time (s) of a building's ground-borne pulse */
#define GS_WHEELBASE_LIGHT 3.0
#define GS_WHEELBASE_HEAVY 12.0
#define GS_PULSE_RISE 0.1

/* Sequential uniforms of one plan stream. */
typedef struct {
    uint64_t seed, stream;
    uint32_t i;
} draw_t;

static double U(draw_t *d)
{
    double u[4];
    regia_rng_uniform4(d->seed, d->stream, 0, d->i / 4, u);
    return u[d->i++ % 4];
}

static int damaged_by_option(const char *opt, int s)
{
    if (!opt || !strcmp(opt, "auto")) return s % 4 == 0 || s % 4 == 3;
    if (!strcmp(opt, "none")) return 0;
    if (!strcmp(opt, "all")) return 1;
    const char *p = opt;
    while (*p) {
        char *e;
        long v = strtol(p, &e, 10);
        if (e == p) return 0;
        if (v == s) return 1;
        p = *e == ',' ? e + 1 : e;
        if (*e && *e != ',') return 0;
    }
    return 0;
}

static void sort_modes(gs_struct_t *g)
{
    for (int a = 1; a < g->nmodes; a++)
        for (int b = a; b > 0 && g->f0[b] < g->f0[b - 1]; b--) {
#define SWAP(f) do { __typeof__(g->f[0]) t_ = g->f[b]; g->f[b] = g->f[b - 1]; g->f[b - 1] = t_; } while (0)
            SWAP(f0); SWAP(xi); SWAP(alpha); SWAP(jump); SWAP(dloss); SWAP(mtype); SWAP(morder);
#undef SWAP
        }
}

/* Mode shape value of mode m at sensor i, axis a (before normalisation). */
static double shape_at(const gs_struct_t *g, int m, int i, int a)
{
    const double *p = g->pos[i];
    int j = g->morder[m];
    if (g->bridge) {
        double s1 = sin(M_PI * p[0] / g->span), sj = sin(j * M_PI * p[0] / g->span);
        switch (g->mtype[m]) {
        case 0: return a == 2 ? sj : a == 0 ? 0.05 * cos(j * M_PI * p[0] / g->span) : 0;
        case 1: return a == 1 ? s1 : 0;
        default: return a == 2 ? s1 * p[1] / (0.5 * g->width) : a == 1 ? 0.15 * s1 : 0;
        }
    }
    double r = p[2] / g->storey_h;
    double v = sin((2 * j - 1) * M_PI * r / (2 * g->storeys + 1));
    return (g->mtype[m] == 0 && a == 0) || (g->mtype[m] == 1 && a == 1) ? v : 0;
}

void gs_plan(const gs_cfg_t *c, int s, gs_struct_t *g)
{
    memset(g, 0, sizeof *g);
    draw_t d = {c->seed, gs_stream(s, GS_RNG_PLAN, 0), 0};
    g->index = s;
    g->bridge = s % 2 == 0;
    snprintf(g->name, sizeof g->name, "%s%02d", g->bridge ? "B" : "H", s + 1);
    if (g->bridge) {
        g->span = 25 + 35 * U(&d);
        g->width = 10 + 4 * U(&d);
        double f1 = 100.0 / g->span * (0.9 + 0.2 * U(&d)); /* f1 ~ 100 / L (Hz, L in m) */
        double fl = f1 * (0.62 + 0.23 * U(&d));
        if (fl < 1.05) fl = 1.05;
        if (fl > 0.88 * f1) fl = 0.88 * f1;
        double ft = f1 * (1.55 + 0.5 * U(&d)), f2 = f1 * (2.9 + 0.7 * U(&d));
        double fs_[4] = {f1, fl, ft, f2};
        int ty[4] = {0, 1, 2, 0}, jo[4] = {1, 1, 1, 2};
        for (int m = 0; m < 4; m++) {
            if (fs_[m] > 15.0) continue;
            int k = g->nmodes++;
            g->f0[k] = fs_[m];
            g->mtype[k] = ty[m];
            g->morder[k] = jo[m];
        }
    } else {
        g->storeys = 4 + (int)(7 * U(&d));
        g->storey_h = 3.2;
        double fx = 10.0 / g->storeys * (0.9 + 0.4 * U(&d)), fy = fx * (1.12 + 0.18 * U(&d));
        double n = g->storeys, r2 = sin(3 * M_PI / (4 * n + 2)) / sin(M_PI / (4 * n + 2));
        double fs_[4] = {fx, fy, fx * r2, fy * r2};
        for (int m = 0; m < 4; m++) {
            if (fs_[m] > 15.0) continue;
            int k = g->nmodes++;
            g->f0[k] = fs_[m];
            g->mtype[k] = m % 2;
            g->morder[k] = 1 + m / 2;
        }
    }
    double J = g->bridge ? 0.08 + 0.07 * U(&d) : 0.05 + 0.03 * U(&d);
    for (int m = 0; m < g->nmodes; m++) {
        g->xi[m] = g->bridge ? 0.006 + 0.018 * U(&d) : 0.01 + 0.025 * U(&d);
        g->alpha[m] = -(0.0005 + 0.0025 * U(&d));
        g->jump[m] = J * (0.8 + 0.4 * U(&d));
    }
    sort_modes(g);

    /* sensors */
    g->nsens = c->sensors;
    g->nch = 3 * g->nsens;
    for (int i = 0; i < g->nsens; i++) {
        if (g->bridge) {
            g->pos[i][0] = g->span * (i + 1) / (g->nsens + 1);
            g->pos[i][1] = (i % 2 ? -0.4 : 0.4) * g->width;
            g->pos[i][2] = 0;
        } else {
            int r = (int)lround((double)g->storeys * (i + 1) / g->nsens);
            if (r < 1) r = 1;
            g->pos[i][0] = i % 2 ? 6.0 : -6.0;
            g->pos[i][1] = 4.0;
            g->pos[i][2] = r * g->storey_h;
        }
    }
    for (int m = 0; m < g->nmodes; m++) {
        double mx = 0;
        for (int i = 0; i < g->nsens; i++)
            for (int a = 0; a < 3; a++) {
                g->shape[m][3 * i + a] = shape_at(g, m, i, a);
                if (fabs(g->shape[m][3 * i + a]) > mx) mx = fabs(g->shape[m][3 * i + a]);
            }
        for (int ch = 0; mx > 0 && ch < g->nch; ch++) g->shape[m][ch] /= mx;
    }
    for (int ch = 0; ch < g->nch; ch++) g->offset[ch] = 0.006 * (U(&d) - 0.5);
    g->clock_sensor = g->nsens > 1 ? 1 + (int)((g->nsens - 1) * U(&d)) : 0;
    g->clock_samples = 1 + (int)(3 * U(&d));

    /* environment and damage */
    g->t_mean = 13.5 + 2 * U(&d);
    g->t_season = 9 + 2 * U(&d);
    g->t_day = 4 + 2 * U(&d);
    int R = c->nrec;
    g->damaged = damaged_by_option(c->damaged, s);
    /* damage from a record in the second half of the run (50-65 %): the first half is
     * undamaged, so a monitoring job may train on up to half the run (docs/sensors.md) */
    g->damage_rec = R < 4 ? R / 2 : (int)ceil(R * (0.5 + 0.15 * U(&d)));
    if (g->damage_rec > R - 1) g->damage_rec = R - 1;
    g->damage_loss = 0.05 + 0.03 * U(&d);
    for (int m = 0; m < g->nmodes; m++) g->dloss[m] = g->damage_loss * (0.6 + 0.8 * U(&d));
    if (!g->damaged) {
        g->damage_loss = 0;
        for (int m = 0; m < g->nmodes; m++) g->dloss[m] = 0;
    }

    /* faults: distinct channels where there are enough */
    int perm[GS_MAX_CH];
    for (int i = 0; i < g->nch; i++) perm[i] = i;
    for (int i = g->nch - 1; i > 0; i--) {
        int j = (int)((i + 1) * U(&d));
        int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    int pc = 0;
    const int64_t n = c->rec_n;
#define NEXT_CH perm[pc++ % g->nch]
#define REC(a) ((int)((a) * R) < R ? (int)((a) * R) : R - 1)
    for (int k = 0; k < 3; k++) { /* spikes */
        gs_fault_t *f = &g->faults[g->nfaults++];
        f->kind = REGIA_FAULT_SPIKE;
        f->ch = NEXT_CH;
        f->sensor = f->ch / 3;
        f->rec0 = f->rec1 = REC(U(&d));
        f->k0 = (int64_t)(n * U(&d));
        f->k1 = f->k0 + 1;
        f->value = (U(&d) < 0.5 ? -1 : 1) * (0.3 + 0.5 * U(&d));
    }
    {
        gs_fault_t *f = &g->faults[g->nfaults++];
        f->kind = REGIA_FAULT_FLAT;
        f->ch = NEXT_CH;
        f->sensor = f->ch / 3;
        f->rec0 = f->rec1 = REC(U(&d));
        f->k0 = (int64_t)(n * 0.5 * U(&d));
        f->k1 = f->k0 + (int64_t)(n * (0.1 + 0.35 * U(&d)));
    }
    {
        gs_fault_t *f = &g->faults[g->nfaults++];
        f->kind = REGIA_FAULT_CLIP;
        f->ch = NEXT_CH;
        f->sensor = f->ch / 3;
        f->rec0 = REC(U(&d) * (R > 2 ? (double)(R - 2) / R : 1));
        f->rec1 = f->rec0 + 2 < R ? f->rec0 + 2 : R - 1;
        f->k0 = 0;
        f->k1 = n;
    }
    for (int k = 0; k < 2; k++) { /* gaps: one channel, then a whole sensor (a link outage) */
        gs_fault_t *f = &g->faults[g->nfaults++];
        f->kind = REGIA_FAULT_GAP;
        f->ch = k == 0 ? NEXT_CH : -1;
        f->sensor = k == 0 ? f->ch / 3 : (int)(g->nsens * U(&d));
        f->rec0 = f->rec1 = REC(U(&d));
        f->k0 = (int64_t)(n * (0.1 + 0.5 * U(&d)));
        f->k1 = f->k0 + 1 + (int64_t)(n * (k == 0 ? 0.01 + 0.09 * U(&d) : 0.02 + 0.18 * U(&d)));
    }
    {
        gs_fault_t *f = &g->faults[g->nfaults++];
        f->kind = REGIA_FAULT_DRIFT;
        f->ch = NEXT_CH;
        f->sensor = f->ch / 3;
        f->rec0 = REC(0.5 * U(&d));
        f->rec1 = R - 1;
        f->k0 = 0;
        f->k1 = n;
        f->value = 0.01 + 0.02 * U(&d);
    }
    if (s == 1 % c->structures) { /* the data set's one dead channel */
        gs_fault_t *f = &g->faults[g->nfaults++];
        f->kind = REGIA_FAULT_DEAD;
        f->ch = NEXT_CH;
        f->sensor = f->ch / 3;
        f->rec0 = REC(0.2 + 0.3 * U(&d));
        f->rec1 = R - 1;
        f->k0 = 0;
        f->k1 = n;
        f->value = 1e-3;
    }
    if (g->nsens > 1) {
        gs_fault_t *f = &g->faults[g->nfaults++];
        f->kind = REGIA_FAULT_CLOCK;
        f->ch = -1;
        f->sensor = g->clock_sensor;
        f->rec0 = 0;
        f->rec1 = R - 1;
        f->k0 = 0;
        f->k1 = n;
        f->value = g->clock_samples / c->fs;
    } else {
        g->clock_samples = 0;
    }
#undef NEXT_CH
#undef REC
}

double gs_frequency(const gs_struct_t *g, int m, double T, int damaged)
{
    double f = g->f0[m] * (1 + g->alpha[m] * ((T > 0 ? T : 0) - T_REF));
    if (T < 0) f *= 1 + g->jump[m] * (1 - exp(T / 1.0)); /* frozen asphalt, ballast or soil */
    if (damaged) f *= sqrt(1 - g->dloss[m]);
    return f;
}

void gs_temperature(const gs_cfg_t *c, const gs_struct_t *g, int64_t n_slow, double *t_air, double *t_eff,
                    double *t_rec)
{
    const double dt = c->slow_dt, tau_w = 2 * 86400.0, sig_w = 3.0;
    const double tau_s = g->bridge ? 2 * 3600.0 : 6 * 3600.0; /* thermal lag of the structure */
    const int64_t spin = (int64_t)ceil(86400.0 / dt);
    const double aw = exp(-dt / tau_w), bw = sig_w * sqrt(1 - aw * aw), as = exp(-dt / tau_s);
    const uint64_t stream = gs_stream(g->index, GS_RNG_WEATHER, 0);
    double w = 0, te = 0;
    int first = 1;
    int64_t nall = spin + n_slow;
    double *eff = t_eff;
    for (int64_t i = 0; i < nall; i++) {
        double z[4];
        regia_rng_normal4(c->seed, stream, 0, (uint32_t)(i / 4), z);
        w = aw * w + bw * z[i % 4];
        double tday = ((double)c->start_ns / 1e9 + (double)(i - spin) * dt) / 86400.0;
        double hour = fmod(tday * 24 + 1 + 240000, 24); /* local solar time ~ UTC+1 */
        double ta = g->t_mean - g->t_season * cos(2 * M_PI * (tday - 14) / 365.2425) +
                    g->t_day * cos(2 * M_PI * (hour - 15) / 24) + w;
        if (first) { te = ta; first = 0; }
        te = as * te + (1 - as) * ta;
        if (i >= spin) {
            if (t_air) t_air[i - spin] = ta;
            if (eff) eff[i - spin] = te;
        }
    }
    if (t_rec && eff)
        for (int r = 0; r < c->nrec; r++) {
            double tm = r * c->interval_s + 0.5 * c->record_s;
            int64_t k = (int64_t)floor(tm / dt);
            if (k >= n_slow - 1) k = n_slow - 2;
            if (k < 0) k = 0;
            double a = tm / dt - (double)k;
            if (a > 1) a = 1;
            t_rec[r] = n_slow > 1 ? (1 - a) * eff[k] + a * eff[k + 1] : eff[0];
        }
}

int gs_pieces(const gs_cfg_t *c, const gs_struct_t *g, int r, int ch, int64_t *k0, int64_t *k1)
{
    int np = 1;
    const int64_t n = c->rec_n;
    k0[0] = 0;
    k1[0] = r < 0 ? (int64_t)c->nrec * n : n;
    for (int i = 0; i < g->nfaults; i++) {
        const gs_fault_t *f = &g->faults[i];
        if (f->kind != REGIA_FAULT_GAP || (r >= 0 && f->rec0 != r) || !(f->ch == ch || (f->ch < 0 && f->sensor == ch / 3)))
            continue;
        int64_t g0 = r < 0 ? f->rec0 * n + f->k0 : f->k0, g1 = r < 0 ? f->rec1 * n + f->k1 : f->k1;
        int64_t a0[GS_MAX_PIECES + 1], a1[GS_MAX_PIECES + 1];
        int nn = 0;
        for (int p = 0; p < np && nn < GS_MAX_PIECES; p++) { /* subtract [g0, g1) from each piece */
            if (g0 > k0[p]) { a0[nn] = k0[p]; a1[nn] = g0 < k1[p] ? g0 : k1[p]; if (a1[nn] > a0[nn]) nn++; }
            if (g1 < k1[p]) { a0[nn] = g1 > k0[p] ? g1 : k0[p]; a1[nn] = k1[p]; if (a1[nn] > a0[nn]) nn++; }
        }
        np = nn < GS_MAX_PIECES ? nn : GS_MAX_PIECES;
        for (int p = 0; p < np; p++) { k0[p] = a0[p]; k1[p] = a1[p]; }
    }
    return np;
}

static int64_t warm_len(const gs_cfg_t *c, const gs_struct_t *g)
{
    double slow = 1e9;
    for (int m = 0; m < g->nmodes; m++) {
        double r = g->xi[m] * 2 * M_PI * g->f0[m] * 0.8; /* decay rate, lowest frequency reached */
        if (r < slow) slow = r;
    }
    double ws = 5.0 / slow;
    if (ws > 300) ws = 300;
    return (int64_t)ceil(ws * c->fs);
}

int64_t gs_work_len(const gs_cfg_t *c, const gs_struct_t *g)
{
    return (int64_t)g->nmodes * 2 * (warm_len(c, g) + GS_MAX_CLOCK_SAMPLES + c->rec_n);
}

/* The mean of sin(k pi s / L) over a vehicle's axles, s in [x - lv, x], 0 off the span
 * [0, L]: its weight spread over its wheelbase lv, so that it enters and leaves the span
 * without a kink in the modal force (a point load entering excites the highest mode with
 * a one-sample jump of the acceleration). */
static double axle_mean_sin(double k, double x, double lv, double L)
{
    double a = fmax(0.0, x - lv), b = fmin(L, x);
    if (b <= a) return 0.0;
    return L / (k * M_PI * lv) * (cos(k * M_PI * a / L) - cos(k * M_PI * b / L));
}

/* Traffic: vehicles (bridges) or ground-borne pulses (buildings) added to the modal
 * forces F[m * T + i] over the T steps starting at time t0s (s since start). */
static void traffic(const gs_cfg_t *c, const gs_struct_t *g, int r, double t0s, int64_t T, double *F)
{
    const double dt = 1.0 / c->fs;
    double tday = ((double)c->start_ns / 1e9 + t0s) / 86400.0, hour = fmod(tday * 24 + 1 + 240000, 24);
    double busy = (hour > 6 && hour < 22 ? 0.5 : 0) + 0.5 * exp(-pow((hour - 8) / 1.5, 2)) +
                  0.5 * exp(-pow((hour - 18) / 2.0, 2));
    double rate = (g->bridge ? 30 + 500 * busy : 10 + 80 * busy) / 3600.0; /* per second */
    draw_t d = {c->seed, gs_stream(g->index, GS_RNG_TRAFFIC, (uint32_t)r), 0};
    const uint64_t rough = gs_stream(g->index, GS_RNG_TRAFFIC, 0x80000000u | (uint32_t)r);
    double t = -log(U(&d)) / rate - (g->bridge ? 4.0 : 2.0); /* vehicles already on the bridge */
    const double modal_mass = g->bridge ? 10.0 * g->span / 2 : 0; /* t (10 t/m deck)      */
    const double ar = exp(-2 * M_PI * GS_TRAFFIC_FC * dt), br = sqrt(1 - ar * ar);
    /* std of the second stage for a unit-variance first: (1-a)^2 (1+a^2) / (1-a^2)^2 */
    const double sd2 = (1 - ar) * sqrt(1 + ar * ar) / (1 - ar * ar);
    while (t < (double)T * dt) {
        double heavy = U(&d) < 0.12, p = heavy ? 15 + 25 * U(&d) : 1.2 + 0.8 * U(&d);
        double v = 14 + 14 * U(&d), lane = (U(&d) < 0.5 ? -0.25 : 0.25) * (g->width > 0 ? g->width : 1);
        double amp = 0.005 + 0.025 * U(&d), dir = 2 * M_PI * U(&d);
        double lv = heavy ? GS_WHEELBASE_HEAVY : GS_WHEELBASE_LIGHT; /* m: axles spread over */
        double dur = g->bridge ? (g->span + lv) / v : 1.5;
        int64_t ia = (int64_t)ceil(t / dt), ib = (int64_t)floor((t + dur) / dt);
        if (ia < 0) ia = 0;
        if (ib > T - 1) ib = T - 1;
        double r1 = NAN, r2 = NAN, rr = 0; /* the dynamic load (bridges) or ground pulse (buildings) */
        for (int64_t i = ia; i <= ib; i++) {
            double z[4];
            regia_rng_normal4(c->seed, rough, d.i, (uint32_t)(i / 4), z);
            /* white noise through two first-order low-passes of corner GS_TRAFFIC_FC (a
             * critically damped second-order one, -40 dB/decade), scaled to unit variance:
             * a suspended vehicle's load and a ground-borne pulse have no white-noise
             * content up to Nyquist, which a modal acceleration would pass straight
             * through as isolated peaks */
            if (isnan(r1)) r1 = z[i % 4], r2 = z[i % 4] * sd2;
            r1 = ar * r1 + br * z[i % 4];
            r2 = ar * r2 + (1 - ar) * r1;
            rr = r2 / sd2;
            double tau = i * dt - t;
            for (int m = 0; m < g->nmodes; m++) {
                double f;
                if (g->bridge) {
                    double x = v * tau, s1 = axle_mean_sin(1, x, lv, g->span);
                    double sh = g->mtype[m] == 0 ? axle_mean_sin(g->morder[m], x, lv, g->span)
                                : g->mtype[m] == 1 ? 0.05 * s1 : s1 * lane / (0.5 * g->width);
                    f = p / modal_mass * G_ACC * sh * (1 + 0.15 * rr);
                } else {
                    int j = g->morder[m];
                    double gam = 1.27 / (2 * j - 1) * (g->mtype[m] == 0 ? cos(dir) : sin(dir));
                    /* a pulse that rises from 0 (no step), peaks at GS_PULSE_RISE s, decays */
                    double u = tau / GS_PULSE_RISE;
                    f = -gam * amp * rr * u * exp(1 - u);
                }
                F[m * T + i] += f;
            }
        }
        t += -log(U(&d)) / rate;
    }
}

void gs_record(const gs_cfg_t *c, gs_struct_t *g, int r, double temp, gs_state_t *state, double *work,
               double *x, double *freq, double *xi)
{
    const double dt = 1.0 / c->fs;
    const int64_t n = c->rec_n, M = GS_MAX_CLOCK_SAMPLES, W = state->have ? 0 : warm_len(c, g) + M;
    const int64_t T = W + n, NA = M + n; /* steps simulated; modal accelerations kept    */
    const int nm = g->nmodes, dmg = g->damaged && r >= g->damage_rec;
    double *F = work, *A = work + (size_t)nm * T;
    double lv[4];
    regia_rng_normal4(c->seed, gs_stream(g->index, GS_RNG_LEVEL, 0), 0, (uint32_t)r, lv);
    const double wind = (g->bridge ? 0.004 : 0.003) * exp(0.5 * lv[0]); /* m/s^2 per mode */
    const double aw = exp(-2 * M_PI * 1.5 * dt);                         /* wind spectrum  */
    memset(F, 0, (size_t)nm * T * sizeof *F);
    for (int m = 0; m < nm; m++) {
        double f = gs_frequency(g, m, temp, dmg), w = 2 * M_PI * f, z = g->xi[m];
        freq[m] = f;
        xi[m] = z;
        /* wind: AR(1)-filtered noise scaled so the mode's response RMS is about `target` */
        double target = wind / sqrt(1 + pow(f / 4, 2));
        double g2 = (1 - aw * aw) / (1 - 2 * aw * cos(w * dt) + aw * aw);
        double sig = target / (sqrt(g2) * sqrt(dt * w / (4 * z))), bw = sqrt(1 - aw * aw);
        const uint64_t ws = gs_stream(g->index, GS_RNG_WIND, (uint32_t)m);
        double u = state->have ? state->wind[m] : 0;
        for (int64_t i = 0; i < T; i += 4) {
            double e[4];
            regia_rng_normal4(c->seed, ws, (uint32_t)r, (uint32_t)(i / 4), e);
            for (int q = 0; q < 4 && i + q < T; q++) {
                u = aw * u + bw * e[q];
                F[m * T + i + q] = sig * u;
            }
        }
        state->wind[m] = u;
    }
    traffic(c, g, r, r * c->interval_s - (double)W * dt, T, F);
    for (int m = 0; m < nm; m++) {
        /* exact ZOH discretisation of the mode */
        double w = 2 * M_PI * freq[m], z = xi[m], wd = w * sqrt(1 - z * z);
        double e = exp(-z * w * dt), cs = cos(wd * dt), sn = sin(wd * dt);
        double p11 = e * (cs + z * w / wd * sn), p12 = e * sn / wd, p21 = -w * w * e * sn / wd,
               p22 = e * (cs - z * w / wd * sn);
        double g1 = (-2 * z * w * p12 - (p22 - 1)) / (w * w), g2 = p12;
        double q = state->have ? state->q[m] : 0, v = state->have ? state->v[m] : 0;
        double *Am = A + (size_t)m * NA;
        if (state->have)
            for (int64_t i = 0; i < M; i++) Am[i] = state->tail[m][i];
        const double *Fm = F + (size_t)m * T;
        for (int64_t i = 0; i < T; i++) {
            double acc = Fm[i] - 2 * z * w * v - w * w * q;
            int64_t o = i - W + M; /* index in Am */
            if (o >= 0) Am[o] = acc;
            double qn = p11 * q + p12 * v + g1 * Fm[i];
            v = p21 * q + p22 * v + g2 * Fm[i];
            q = qn;
        }
        state->q[m] = q;
        state->v[m] = v;
        for (int64_t i = 0; i < M; i++) state->tail[m][i] = Am[n + i];
    }
    state->have = c->continuous;

    /* channels: modal superposition, clock shift, offset, noise */
    const double sn = c->noise_density * sqrt(c->fs / 2);
    for (int ch = 0; ch < g->nch; ch++) {
        int sh = ch / 3 == g->clock_sensor ? g->clock_samples : 0;
        double *xc = x + (size_t)ch * n;
        const uint64_t ns = gs_stream(g->index, GS_RNG_NOISE, (uint32_t)ch);
        for (int64_t k = 0; k < n; k += 4) {
            double e[4];
            regia_rng_normal4(c->seed, ns, (uint32_t)r, (uint32_t)(k / 4), e);
            for (int q = 0; q < 4 && k + q < n; q++) xc[k + q] = g->offset[ch] + sn * e[q];
        }
        for (int m = 0; m < nm; m++) {
            double a = g->shape[m][ch];
            if (a == 0) continue;
            const double *Am = A + (size_t)m * NA + M - sh;
            for (int64_t k = 0; k < n; k++) xc[k] += a * Am[k];
        }
    }

    /* faults active in this record (gaps: left out by the writer; clock: above) */
    static const int order[] = {REGIA_FAULT_DRIFT, REGIA_FAULT_DEAD, REGIA_FAULT_CLIP, REGIA_FAULT_FLAT,
                                REGIA_FAULT_SPIKE};
    for (int o = 0; o < 5; o++)
        for (int i = 0; i < g->nfaults; i++) {
            gs_fault_t *f = &g->faults[i];
            if (f->kind != order[o] || r < f->rec0 || r > f->rec1 || f->ch < 0) continue;
            double *xc = x + (size_t)f->ch * n;
            int64_t a = r == f->rec0 ? f->k0 : 0, b = r == f->rec1 ? f->k1 : n;
            if (b > n) b = n;
            switch (f->kind) {
            case REGIA_FAULT_DRIFT: {
                double t0 = f->rec0 * c->interval_s + (double)f->k0 * dt;
                for (int64_t k = a; k < b; k++)
                    xc[k] += f->value * (r * c->interval_s + (double)k * dt - t0) / 86400.0;
                break;
            }
            case REGIA_FAULT_DEAD:
                for (int64_t k = a; k < b; k++) xc[k] *= f->value;
                break;
            case REGIA_FAULT_CLIP:
                if (f->value == 0) { /* full scale at 40 % of the first record's peak */
                    double mx = 0;
                    for (int64_t k = 0; k < n; k++) mx = fmax(mx, fabs(xc[k]));
                    f->value = (float)(0.4 * mx);
                }
                for (int64_t k = a; k < b; k++) xc[k] = fmin(f->value, fmax(-f->value, xc[k]));
                break;
            case REGIA_FAULT_FLAT:
                if (r == f->rec0) f->value = (float)xc[a];
                for (int64_t k = a; k < b; k++) xc[k] = f->value;
                break;
            default:
                xc[a] += f->value;
                break;
            }
        }
}

void gs_slow(const gs_cfg_t *c, const gs_struct_t *g, const double *t_air, const double *t_eff, int64_t n_slow,
             double *y)
{
    const uint64_t st = gs_stream(g->index, GS_RNG_SLOW, 0);
    const int64_t dmg_k = g->damaged ? (int64_t)floor(g->damage_rec * c->interval_s / c->slow_dt) : n_slow;
    double h = 0;
    const double ah = exp(-c->slow_dt / (6 * 3600.0)), bh = 6 * sqrt(1 - ah * ah);
    for (int64_t k = 0; k < n_slow; k++) {
        double z[4];
        regia_rng_normal4(c->seed, st, 0, (uint32_t)k, z);
        h = ah * h + bh * z[3];
        double rh = 65 - 2.0 * (t_air[k] - g->t_mean) + h;
        y[k] = t_air[k] + 0.1 * z[0];
        y[n_slow + k] = fmin(100, fmax(15, rh));
        /* thermal tilt, and a settlement step of the damaged structure (0.05 mrad) */
        double step = k >= dmg_k ? 0.05 : 0;
        y[2 * n_slow + k] = 0.015 * (t_eff[k] - T_REF) + step + 0.002 * z[1];
        y[3 * n_slow + k] = 0.008 * (t_eff[k] - T_REF) + 0.002 * z[2];
    }
}
