/* Persistent modal tracks across records (contract and matching rule:
 * include/regia/modal_track.h).
 *
 * The assignment is the Hungarian algorithm (Kuhn 1955; Munkres 1957) in its O(n^3)
 * shortest-augmenting-path form with potentials, on the square matrix padded to
 * max(modes, tracks); inadmissible and padding cells cost BIG, more than any set of
 * admissible cells, so the optimum first maximises the number of admissible matches and
 * then minimises their total cost; cells of cost BIG in the optimum are dropped. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regia/modal_track.h"
#include "regia/ssi.h"

#define BIG 1e9

void regia_track_defaults(regia_track_cfg_t *cfg)
{
    cfg->df_tol = 0.05;
    cfg->mac_min = 0.8;
    cfg->lost_after = 6;
    cfg->ref_hits = 3;
    cfg->xi_ratio = 3;
}

int regia_track_xi_ok(const regia_track_cfg_t *cfg, double xi, double xi_ref)
{
    const double r = cfg->xi_ratio;
    if (!(r > 0) || isnan(xi) || isnan(xi_ref)) return 1;
    return xi <= r * xi_ref + REGIA_TRACK_XI_SLACK && xi >= xi_ref / r - REGIA_TRACK_XI_SLACK;
}

const char *regia_track_event_name(int32_t kind)
{
    static const char *const names[] = {"new", "lost", "split", "found"};
    return kind >= 0 && kind < 4 ? names[kind] : "?";
}

/* Unit norm, largest component real and positive. */
static void normalise_shape(const double *in, double *out, int32_t nch)
{
    double nrm = 0, best = -1;
    int32_t ib = 0;
    for (int32_t c = 0; c < nch; c++) {
        double m2 = in[2 * c] * in[2 * c] + in[2 * c + 1] * in[2 * c + 1];
        nrm += m2;
        if (m2 > best) best = m2, ib = c;
    }
    double complex rot = conj(in[2 * ib] + I * in[2 * ib + 1]) / sqrt(best) / sqrt(nrm);
    for (int32_t c = 0; c < nch; c++) {
        double complex v = (in[2 * c] + I * in[2 * c + 1]) * rot;
        out[2 * c] = creal(v), out[2 * c + 1] = cimag(v);
    }
}

double regia_track_mac(const double *a, const double *b, int32_t nch)
{
    double complex ab = 0;
    double aa = 0, bb = 0;
    int32_t na = 0, nb = 0, nc = 0;
    for (int32_t c = 0; c < nch; c++) {
        double a2 = a[2 * c] * a[2 * c] + a[2 * c + 1] * a[2 * c + 1];
        double b2 = b[2 * c] * b[2 * c] + b[2 * c + 1] * b[2 * c + 1];
        na += a2 > 0, nb += b2 > 0;
        if (!(a2 > 0 && b2 > 0)) continue;
        nc++;
        ab += conj(a[2 * c] + I * a[2 * c + 1]) * (b[2 * c] + I * b[2 * c + 1]);
        aa += a2, bb += b2;
    }
    int32_t big = na > nb ? na : nb;
    if (nc < 2 || 2 * nc < big) return 0.0;
    double m = creal(ab * conj(ab)) / (aa * bb);
    return m > 1.0 ? 1.0 : m;
}

regia_status_t regia_track_init(regia_tracker_t *tr, int32_t nch, const regia_track_cfg_t *cfg)
{
    memset(tr, 0, sizeof *tr);
    if (cfg) tr->cfg = *cfg; else regia_track_defaults(&tr->cfg);
    const regia_track_cfg_t *c = &tr->cfg;
    if (nch < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: %d channels (need >= 1)", (int)nch);
    if (!(c->df_tol > 0 && c->df_tol < 1))
        return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: df_tol = %g outside (0, 1)", c->df_tol);
    if (!(c->mac_min >= 0 && c->mac_min < 1))
        return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: mac_min = %g outside [0, 1)", c->mac_min);
    if (c->lost_after < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: lost_after = %d must be >= 1", (int)c->lost_after);
    if (c->ref_hits < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: ref_hits = %d must be >= 1", (int)c->ref_hits);
    if (!(c->xi_ratio == 0 || (c->xi_ratio >= 1 && isfinite(c->xi_ratio))))
        return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: xi_ratio = %g must be 0 (off) or >= 1", c->xi_ratio);
    tr->nch = nch;
    tr->last_record = -1;
    return REGIA_OK;
}

void regia_track_free(regia_tracker_t *tr)
{
    if (!tr) return;
    for (int32_t k = 0; k < tr->n_tracks; k++) {
        free(tr->tracks[k].shape_ref);
        free(tr->tracks[k].shape_last);
    }
    free(tr->tracks);
    free(tr->events);
    memset(tr, 0, sizeof *tr);
}

/* Hungarian algorithm on the N x N row-major cost matrix a; col_of_row[i] receives the
 * column of row i.  Scratch: u, v, p, way (N+1 each), minv (N+1), used (N+1). */
static void hungarian(const double *a, int32_t N, int32_t *col_of_row, double *u, double *v, double *minv,
                      int32_t *p, int32_t *way, uint8_t *used)
{
    for (int32_t j = 0; j <= N; j++) u[j] = v[j] = 0, p[j] = 0, way[j] = 0;
    for (int32_t i = 1; i <= N; i++) {
        p[0] = i;
        int32_t j0 = 0;
        for (int32_t j = 0; j <= N; j++) minv[j] = INFINITY, used[j] = 0;
        do {
            used[j0] = 1;
            int32_t i0 = p[j0], j1 = 0;
            double delta = INFINITY;
            for (int32_t j = 1; j <= N; j++) {
                if (used[j]) continue;
                double cur = a[(i0 - 1) * N + (j - 1)] - u[i0] - v[j];
                if (cur < minv[j]) minv[j] = cur, way[j] = j0;
                if (minv[j] < delta) delta = minv[j], j1 = j;
            }
            for (int32_t j = 0; j <= N; j++) {
                if (used[j]) u[p[j]] += delta, v[j] -= delta;
                else minv[j] -= delta;
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int32_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (int32_t j = 1; j <= N; j++)
        if (p[j]) col_of_row[p[j] - 1] = j - 1;
}

static regia_status_t grow(void **buf, int32_t *cap, int32_t need, size_t elem)
{
    if (need <= *cap) return REGIA_OK;
    int32_t nc = *cap ? *cap : 8;
    while (nc < need) nc *= 2;
    void *nb = realloc(*buf, (size_t)nc * elem);
    if (!nb) return REGIA_FAIL(REGIA_ERR_NOMEM, "mode tracking: out of memory");
    *buf = nb, *cap = nc;
    return REGIA_OK;
}

static void push_event(regia_tracker_t *tr, int32_t kind, int64_t record, int32_t track, int32_t other, int32_t mode,
                       double f)
{
    regia_track_event_t *e = &tr->events[tr->n_events++];
    e->kind = kind, e->record = record, e->track = track, e->other = other, e->mode = mode, e->f = f;
}

regia_status_t regia_track_update(regia_tracker_t *tr, int64_t record, int32_t n_modes, const double *f,
                                  const double *xi, const double *shape, int32_t *track_of_mode)
{
    regia_status_t st = REGIA_OK;
    int32_t nch = tr->nch, nt = tr->n_tracks;
    double *cost = NULL, *scr = NULL, *shp = NULL;
    int32_t *iscr = NULL, *match_track = NULL, *assigned = NULL;
    uint8_t *used = NULL, *tmatched = NULL;
    double **pool = NULL; /* shape buffers for the tracks this record may start: 2 per mode */
    /* validate before changing anything */
    if (record <= tr->last_record)
        return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: record %lld after record %lld (must increase)",
                          (long long)record, (long long)tr->last_record);
    if (n_modes < 0 || (n_modes > 0 && (!f || !shape)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: record %lld: bad mode list (%d modes)", (long long)record,
                          (int)n_modes);
    for (int32_t m = 0; m < n_modes; m++) {
        if (!(f[m] > 0) || isinf(f[m]))
            return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: record %lld: mode %d has frequency %g",
                              (long long)record, (int)m, f[m]);
        double nrm = 0;
        for (int32_t c = 0; c < 2 * nch; c++) nrm += shape[(size_t)m * 2 * nch + c] * shape[(size_t)m * 2 * nch + c];
        if (!(nrm > 0) || isinf(nrm))
            return REGIA_FAIL(REGIA_ERR_INVALID, "mode tracking: record %lld: mode %d has a zero or non-finite shape",
                              (long long)record, (int)m);
    }
    REGIA_TRY(grow((void **)&tr->tracks, &tr->cap_tracks, nt + n_modes, sizeof(regia_track_t)));
    REGIA_TRY(grow((void **)&tr->events, &tr->cap_events, n_modes + nt + 1, sizeof(regia_track_event_t)));
    int32_t N = n_modes > nt ? n_modes : nt;
    size_t NN = (size_t)(N > 0 ? N : 1);
    cost = malloc(sizeof(double) * NN * NN);
    scr = malloc(sizeof(double) * 3 * (NN + 1));
    iscr = malloc(sizeof(int32_t) * 3 * (NN + 1));
    used = malloc(NN + 1);
    tmatched = calloc((size_t)(nt > 0 ? nt : 1), 1);
    match_track = malloc(sizeof(int32_t) * NN);
    assigned = malloc(sizeof(int32_t) * NN);
    shp = malloc(sizeof(double) * 2 * (size_t)nch * (size_t)(n_modes > 0 ? n_modes : 1));
    pool = calloc(2 * NN, sizeof(double *));
    if (!cost || !scr || !iscr || !used || !tmatched || !match_track || !assigned || !shp || !pool)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "mode tracking: out of memory"));
    /* shape buffers for every track this record may start, allocated before any change */
    for (int32_t m = 0; m < 2 * n_modes; m++)
        if (!(pool[m] = malloc(sizeof(double) * 2 * (size_t)nch)))
            REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "mode tracking: out of memory"));
    for (int32_t m = 0; m < n_modes; m++) normalise_shape(shape + (size_t)m * 2 * nch, shp + (size_t)m * 2 * nch, nch);
    const regia_track_cfg_t *c = &tr->cfg;
    for (size_t i = 0; i < NN * NN; i++) cost[i] = BIG;
    for (int32_t m = 0; m < n_modes; m++)
        for (int32_t k = 0; k < nt; k++) {
            const regia_track_t *t = &tr->tracks[k];
            double df = fabs(f[m] - t->f_last) / t->f_last;
            double mac = regia_track_mac(shp + (size_t)m * 2 * nch, t->shape_last, nch);
            if (df <= c->df_tol && mac >= c->mac_min && regia_track_xi_ok(c, xi ? xi[m] : NAN, t->xi_ref))
                cost[(size_t)m * N + k] = df / c->df_tol + (1.0 - mac) / (1.0 - c->mac_min);
        }
    for (int32_t m = 0; m < n_modes; m++) match_track[m] = -1;
    if (N > 0) {
        hungarian(cost, N, assigned, scr, scr + (NN + 1), scr + 2 * (NN + 1), iscr, iscr + (NN + 1), used);
        for (int32_t m = 0; m < n_modes; m++) {
            int32_t k = assigned[m];
            if (k < nt && cost[(size_t)m * N + k] < BIG) match_track[m] = k, tmatched[k] = 1;
        }
    }
    /* --- from here on the tracker changes; nothing can fail --- */
    tr->n_events = 0;
    for (int32_t m = 0; m < n_modes; m++) {
        int32_t k = match_track[m];
        if (k < 0) continue;
        regia_track_t *t = &tr->tracks[k];
        if (t->state == REGIA_TRACK_LOST) {
            t->state = REGIA_TRACK_ACTIVE;
            push_event(tr, REGIA_TRACK_EV_FOUND, record, k, -1, m, f[m]);
        }
        t->hits++;
        if (t->hits <= c->ref_hits) {
            t->f_ref += (f[m] - t->f_ref) / (double)t->hits;
            if (xi) t->xi_ref += (xi[m] - t->xi_ref) / (double)t->hits;
        }
        t->f_last = f[m];
        t->xi_last = xi ? xi[m] : NAN;
        memcpy(t->shape_last, shp + (size_t)m * 2 * nch, sizeof(double) * 2 * (size_t)nch);
        t->missed = 0;
        t->last_record = record;
    }
    int32_t n_new = 0;
    int32_t *parent_of = assigned; /* reuse: parent track of each unmatched mode */
    for (int32_t m = 0; m < n_modes; m++) {
        parent_of[m] = -1;
        if (match_track[m] >= 0) continue;
        double bestc = BIG;
        for (int32_t k = 0; k < nt; k++)
            if (tmatched[k] && cost[(size_t)m * N + k] < bestc) bestc = cost[(size_t)m * N + k], parent_of[m] = k;
    }
    for (int pass = 0; pass < 2; pass++) /* SPLIT events first, then NEW */
        for (int32_t m = 0; m < n_modes; m++) {
            if (match_track[m] >= 0 || (pass == 0) != (parent_of[m] >= 0)) continue;
            int32_t id = nt + n_new++;
            regia_track_t *t = &tr->tracks[id];
            double *sr = pool[2 * m], *sl = pool[2 * m + 1];
            pool[2 * m] = pool[2 * m + 1] = NULL;
            memset(t, 0, sizeof *t);
            t->shape_ref = sr, t->shape_last = sl;
            t->id = id;
            t->state = REGIA_TRACK_ACTIVE;
            t->parent = parent_of[m];
            t->first_record = t->last_record = record;
            t->hits = 1;
            t->f_ref = t->f_last = f[m];
            t->xi_ref = t->xi_last = xi ? xi[m] : NAN;
            memcpy(sr, shp + (size_t)m * 2 * nch, sizeof(double) * 2 * (size_t)nch);
            memcpy(sl, sr, sizeof(double) * 2 * (size_t)nch);
            match_track[m] = id;
            push_event(tr, pass == 0 ? REGIA_TRACK_EV_SPLIT : REGIA_TRACK_EV_NEW, record, id, parent_of[m], m, f[m]);
        }
    for (int32_t k = 0; k < nt; k++) {
        if (tmatched[k]) continue;
        regia_track_t *t = &tr->tracks[k];
        t->missed++;
        if (t->state == REGIA_TRACK_ACTIVE && t->missed >= c->lost_after) {
            t->state = REGIA_TRACK_LOST;
            push_event(tr, REGIA_TRACK_EV_LOST, record, k, -1, -1, t->f_last);
        }
    }
    tr->n_tracks = nt + n_new;
    tr->last_record = record;
    if (track_of_mode)
        for (int32_t m = 0; m < n_modes; m++) track_of_mode[m] = match_track[m];
err:
    if (pool)
        for (int32_t m = 0; m < 2 * n_modes; m++) free(pool[m]); /* those no new track took */
    free(pool);
    free(cost);
    free(scr);
    free(iscr);
    free(used);
    free(tmatched);
    free(match_track);
    free(assigned);
    free(shp);
    return st;
}
