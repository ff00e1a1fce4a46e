/* Mode tracking across records (kernels/modal_track.c): hand sequences with new, matched
 * (reordered, drifting, phase-rotated), lost, found and split modes; the reference
 * frequency; a mode at a track's frequency with another shape; the optimal assignment
 * where a greedy one would fail; bad input leaves the tracker unchanged; the damping gate. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "regia/modal_track.h"
#include "regia/rng.h"
#include "regia/ssi.h"

#define NCH 3

static const double SA[NCH] = {1.0, 0.5, 0.2}, SB[NCH] = {0.3, -1.0, 0.6}, SC[NCH] = {0.5, 0.4, -1.0};

/* Mode m of a record: real shape s perturbed by eps on channel 1, rotated by phase ph. */
static void put(double *shape, int m, const double *s, double eps, double ph)
{
    for (int c = 0; c < NCH; c++) {
        double complex v = (s[c] + (c == 1 ? eps : 0.0)) * cexp(I * ph);
        shape[(m * NCH + c) * 2] = creal(v);
        shape[(m * NCH + c) * 2 + 1] = cimag(v);
    }
}

static int count_events(const regia_tracker_t *tr, int kind)
{
    int n = 0;
    for (int i = 0; i < tr->n_events; i++) n += tr->events[i].kind == kind;
    return n;
}

static void test_sequence(void)
{
    regia_track_cfg_t cfg;
    regia_track_defaults(&cfg);
    cfg.lost_after = 3;
    regia_tracker_t tr;
    CHECK_OK(regia_track_init(&tr, NCH, &cfg));
    double f[4], xi[4], sh[4 * NCH * 2];
    int32_t tk[4];

    /* record 0: A and B are new */
    f[0] = 1.20, xi[0] = 0.010, put(sh, 0, SA, 0, 0);
    f[1] = 3.40, xi[1] = 0.020, put(sh, 1, SB, 0, 0);
    CHECK_OK(regia_track_update(&tr, 0, 2, f, xi, sh, tk));
    CHECK(tr.n_tracks == 2 && tk[0] == 0 && tk[1] == 1);
    CHECK(tr.n_events == 2 && count_events(&tr, REGIA_TRACK_EV_NEW) == 2);
    CHECK(tr.events[0].mode == 0 && tr.events[0].track == 0 && tr.events[1].track == 1);
    /* stored shape: unit norm, largest component real positive */
    double nrm = 0;
    for (int c = 0; c < 2 * NCH; c++) nrm += tr.tracks[1].shape_ref[c] * tr.tracks[1].shape_ref[c];
    CHECK_CLOSE(nrm, 1.0, 1e-14, 0);
    CHECK(tr.tracks[1].shape_ref[2] > 0 && tr.tracks[1].shape_ref[3] == 0); /* channel 1 is the largest of B */

    /* record 1: reordered, 1 % drift, rotated phase, slightly changed shape */
    f[0] = 3.366, xi[0] = 0.022, put(sh, 0, SB, 0.05, 2.0);
    f[1] = 1.212, xi[1] = 0.011, put(sh, 1, SA, -0.03, -1.0);
    CHECK_OK(regia_track_update(&tr, 1, 2, f, xi, sh, tk));
    CHECK(tk[0] == 1 && tk[1] == 0 && tr.n_events == 0 && tr.n_tracks == 2);
    CHECK_CLOSE(tr.tracks[0].f_last, 1.212, 1e-15, 0);

    /* record 2: only A; record 3: A and a new C; record 4: A and C -> B lost */
    f[0] = 1.205, put(sh, 0, SA, 0, 0);
    CHECK_OK(regia_track_update(&tr, 2, 1, f, NULL, sh, tk));
    CHECK(tk[0] == 0 && tr.n_events == 0 && tr.tracks[1].missed == 1);
    CHECK(tr.tracks[0].hits == 3);
    CHECK_CLOSE(tr.tracks[0].f_ref, (1.20 + 1.212 + 1.205) / 3, 1e-14, 0);
    f[1] = 6.10, put(sh, 1, SC, 0, 0.5);
    CHECK_OK(regia_track_update(&tr, 3, 2, f, NULL, sh, tk));
    CHECK(tk[0] == 0 && tk[1] == 2 && tr.n_events == 1 && tr.events[0].kind == REGIA_TRACK_EV_NEW);
    CHECK_OK(regia_track_update(&tr, 4, 2, f, NULL, sh, tk));
    CHECK(tr.n_events == 1 && tr.events[0].kind == REGIA_TRACK_EV_LOST && tr.events[0].track == 1);
    CHECK_CLOSE(tr.events[0].f, 3.366, 1e-15, 0);
    CHECK(tr.tracks[1].state == REGIA_TRACK_LOST);
    /* the reference stops moving after ref_hits (3) matches */
    CHECK_CLOSE(tr.tracks[0].f_ref, (1.20 + 1.212 + 1.205) / 3, 1e-14, 0);
    CHECK(tr.tracks[0].hits == 5);

    /* record 5: an empty record (left out by QC) counts as missed; LOST is reported once */
    CHECK_OK(regia_track_update(&tr, 5, 0, NULL, NULL, NULL, NULL));
    CHECK(tr.n_events == 0 && tr.tracks[1].missed == 4 && tr.tracks[0].missed == 1);

    /* record 6: B is back -> FOUND */
    f[0] = 1.20, put(sh, 0, SA, 0, 0);
    f[1] = 6.12, put(sh, 1, SC, 0, 0);
    f[2] = 3.35, put(sh, 2, SB, 0, 0);
    CHECK_OK(regia_track_update(&tr, 6, 3, f, NULL, sh, tk));
    CHECK(tk[0] == 0 && tk[1] == 2 && tk[2] == 1);
    CHECK(tr.n_events == 1 && tr.events[0].kind == REGIA_TRACK_EV_FOUND && tr.events[0].track == 1 &&
          tr.events[0].mode == 2);
    CHECK(tr.tracks[1].state == REGIA_TRACK_ACTIVE && tr.tracks[1].missed == 0);

    /* record 7: A splits in two close modes (2.5 % apart, same shape); the closer keeps it */
    f[0] = 1.23, put(sh, 0, SA, 0.02, 0);
    f[1] = 1.201, put(sh, 1, SA, 0, 0);
    f[2] = 3.35, put(sh, 2, SB, 0, 0);
    f[3] = 6.12, put(sh, 3, SC, 0, 0);
    CHECK_OK(regia_track_update(&tr, 7, 4, f, NULL, sh, tk));
    CHECK(tk[1] == 0 && tk[2] == 1 && tk[3] == 2 && tk[0] == 3);
    CHECK(tr.n_events == 1 && tr.events[0].kind == REGIA_TRACK_EV_SPLIT && tr.events[0].track == 3 &&
          tr.events[0].other == 0 && tr.events[0].mode == 0);
    CHECK(tr.tracks[3].parent == 0 && tr.tracks[0].parent == -1 && tr.n_tracks == 4);

    /* record 8: a mode at B's frequency with C's shape is not B (MAC too low): NEW, not SPLIT */
    f[0] = 3.36, put(sh, 0, SC, 0, 0);
    f[1] = 3.35, put(sh, 1, SB, 0, 0);
    CHECK_OK(regia_track_update(&tr, 8, 2, f, NULL, sh, tk));
    CHECK(tk[1] == 1 && tk[0] == 4);
    CHECK(tr.n_events == 1 && tr.events[0].kind == REGIA_TRACK_EV_NEW);

    /* bad input: nothing changes */
    int32_t nt = tr.n_tracks;
    int64_t hits0 = tr.tracks[0].hits;
    CHECK(regia_track_update(&tr, 8, 1, f, NULL, sh, tk) == REGIA_ERR_INVALID); /* record not increasing */
    f[0] = -1;
    CHECK(regia_track_update(&tr, 9, 1, f, NULL, sh, tk) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "frequency") != NULL);
    f[0] = 1.2;
    memset(sh, 0, sizeof sh);
    CHECK(regia_track_update(&tr, 9, 1, f, NULL, sh, tk) == REGIA_ERR_INVALID);
    CHECK(tr.n_tracks == nt && tr.tracks[0].hits == hits0 && tr.last_record == 8);
    regia_track_free(&tr);
    CHECK(tr.tracks == NULL);
}

/* Two tracks 4 % apart with the same shape; new modes drifted so that the cheapest single
 * pair (mode 0 with track 1) would leave mode 1 inadmissible to track 0: the optimal
 * assignment keeps both. */
static void test_optimal_assignment(void)
{
    regia_track_cfg_t cfg;
    regia_track_defaults(&cfg);
    regia_tracker_t tr;
    CHECK_OK(regia_track_init(&tr, NCH, &cfg));
    double f[2] = {5.0, 5.2}, sh[2 * NCH * 2];
    int32_t tk[2];
    put(sh, 0, SA, 0, 0);
    put(sh, 1, SA, 0, 0);
    CHECK_OK(regia_track_update(&tr, 0, 2, f, NULL, sh, tk));
    CHECK(tk[0] == 0 && tk[1] == 1);
    /* mode 0 at 5.19: cost to track 1 (0.01/5.2)/0.05 = 0.04, to track 0 (0.19/5.0)/0.05 = 0.76;
     * mode 1 at 5.43: to track 1 (0.23/5.2)/0.05 = 0.88, to track 0 0.086 > 0.05: inadmissible;
     * greedy would take (0, 1) first and leave mode 1 without a track; optimal: (0,0), (1,1) */
    f[0] = 5.19, f[1] = 5.43;
    CHECK_OK(regia_track_update(&tr, 1, 2, f, NULL, sh, tk));
    CHECK_MSG(tk[0] == 0 && tk[1] == 1, "assigned %d %d", tk[0], tk[1]);
    CHECK(tr.n_tracks == 2 && tr.n_events == 0);
    regia_track_free(&tr);

    /* bad settings */
    cfg.mac_min = 1.0;
    CHECK(regia_track_init(&tr, NCH, &cfg) == REGIA_ERR_INVALID);
    regia_track_defaults(&cfg);
    CHECK(regia_track_init(&tr, 0, &cfg) == REGIA_ERR_INVALID);
    CHECK(!strcmp(regia_track_event_name(REGIA_TRACK_EV_SPLIT), "split"));
}

/* Random cases against brute force: every permutation of the padded cost matrix (as the
 * header defines the cost; inadmissible pairs cost BIG), the cheapest one's admissible
 * pairs are the matches. */
static int perm_next(int *a, int n)
{
    int i = n - 2;
    while (i >= 0 && a[i] >= a[i + 1]) i--;
    if (i < 0) return 0;
    int j = n - 1;
    while (a[j] <= a[i]) j--;
    int t = a[i];
    a[i] = a[j], a[j] = t;
    for (int l = i + 1, r = n - 1; l < r; l++, r--) t = a[l], a[l] = a[r], a[r] = t;
    return 1;
}

static void test_random_vs_brute_force(void)
{
    const double BIGC = 1e9;
    int bad = 0, matched_total = 0;
    for (uint32_t trial = 0; trial < 300; trial++) {
        double u[4 * 16], g[4 * 16];
        for (uint32_t q = 0; q < 16; q++) {
            regia_rng_uniform4(5, trial, 0, q, u + 4 * q);
            regia_rng_normal4(5, trial, 1, q, g + 4 * q);
        }
        int nt = 1 + (int)(u[0] * 5), nm = 1 + (int)(u[1] * 5), ui = 2, gi = 0;
        regia_track_cfg_t cfg;
        regia_track_defaults(&cfg);
        regia_tracker_t tr;
        CHECK_OK(regia_track_init(&tr, 2, &cfg));
        double f[5], sh[5 * 2 * 2];
        for (int k = 0; k < nt; k++) {
            f[k] = 2.0 + 0.25 * k + 0.05 * u[ui++]; /* close tracks: many admissible pairs */
            for (int c = 0; c < 4; c++) sh[k * 4 + c] = g[gi++];
        }
        CHECK_OK(regia_track_update(&tr, 0, nt, f, NULL, sh, NULL));
        for (int m = 0; m < nm; m++) {
            int k = (int)(u[ui++] * nt);
            f[m] = tr.tracks[k].f_last * (1 + 0.12 * (u[ui++] - 0.5));
            for (int c = 0; c < 4; c++) sh[m * 4 + c] = tr.tracks[k].shape_last[c] + 0.25 * g[gi++];
        }
        int32_t tk[5];
        int N = nt > nm ? nt : nm, perm[5], best_perm[5];
        double cost[5][5];
        for (int m = 0; m < N; m++)
            for (int k = 0; k < N; k++) {
                cost[m][k] = BIGC;
                if (m >= nm || k >= nt) continue;
                double df = fabs(f[m] - tr.tracks[k].f_last) / tr.tracks[k].f_last;
                double nrm = 0;
                double s2[4];
                for (int c = 0; c < 4; c++) nrm += sh[m * 4 + c] * sh[m * 4 + c];
                for (int c = 0; c < 4; c++) s2[c] = sh[m * 4 + c] / sqrt(nrm);
                double mac = regia_ssi_mac(s2, tr.tracks[k].shape_last, 2);
                if (df <= cfg.df_tol && mac >= cfg.mac_min)
                    cost[m][k] = df / cfg.df_tol + (1 - mac) / (1 - cfg.mac_min);
            }
        for (int i = 0; i < N; i++) perm[i] = i;
        double best = INFINITY;
        do {
            double c = 0;
            for (int m = 0; m < N; m++) c += cost[m][perm[m]];
            if (c < best) best = c, memcpy(best_perm, perm, sizeof perm);
        } while (perm_next(perm, N));
        CHECK_OK(regia_track_update(&tr, 1, nm, f, NULL, sh, tk));
        for (int m = 0; m < nm; m++) {
            int want = cost[m][best_perm[m]] < BIGC ? best_perm[m] : -1;
            int got = tk[m] < nt ? tk[m] : -1;
            if (want != got) bad++;
            matched_total += want >= 0;
        }
        regia_track_free(&tr);
    }
    CHECK_MSG(bad == 0, "%d modes assigned unlike the brute-force optimum", bad);
    CHECK(matched_total > 300);
}

/* A channel left out of a record (a zero in its shapes) does not lower the MAC: the MAC
 * over the common channels, equal to regia_ssi_mac with every channel present; too few
 * common channels give 0; a mode seen without one of six channels, whose full-channel MAC
 * with the track is below mac_min, stays on its track. */
static void test_common_channels(void)
{
    enum { N6 = 6 };
    const double u[N6] = {2.0, 0.8, 0.3, -0.2, 0.9, 0.1}, v[N6] = {1.9, 0.85, 0.25, -0.1, 1.0, 0.2};
    double a[2 * N6], b[2 * N6], b0[2 * N6];
    for (int c = 0; c < N6; c++) {
        a[2 * c] = u[c], a[2 * c + 1] = 0.01 * c;
        b[2 * c] = v[c], b[2 * c + 1] = -0.01 * c;
    }
    CHECK_CLOSE(regia_track_mac(a, b, N6), regia_ssi_mac(a, b, N6), 1e-14, 0);
    memcpy(b0, b, sizeof b);
    b0[0] = b0[1] = 0; /* channel 0 left out of b */
    double a5[2 * (N6 - 1)], b5[2 * (N6 - 1)];
    memcpy(a5, a + 2, sizeof a5);
    memcpy(b5, b + 2, sizeof b5);
    CHECK_CLOSE(regia_track_mac(a, b0, N6), regia_ssi_mac(a5, b5, N6 - 1), 1e-14, 0);
    CHECK_MSG(regia_ssi_mac(a, b0, N6) < 0.8 && regia_track_mac(a, b0, N6) > 0.95, "MAC all %g common %g", regia_ssi_mac(a, b0, N6), regia_track_mac(a, b0, N6));
    double c2[2 * N6] = {0};
    c2[0] = 1, c2[2] = 0.5; /* two channels: fewer than half of a's six */
    CHECK(regia_track_mac(a, c2, N6) == 0);
    c2[4] = 0.2;            /* three: half */
    CHECK(regia_track_mac(a, c2, N6) > 0);
    /* the tracker: the same mode with channel 0 left out keeps its track */
    regia_tracker_t tr;
    CHECK_OK(regia_track_init(&tr, N6, NULL));
    double f = 2.0;
    int32_t tk = -1;
    CHECK_OK(regia_track_update(&tr, 0, 1, &f, NULL, a, &tk));
    f = 2.01;
    CHECK_OK(regia_track_update(&tr, 1, 1, &f, NULL, b0, &tk));
    CHECK(tk == 0 && tr.n_tracks == 1);
    regia_track_free(&tr);
}

/* Damping: a mode at a track's frequency with its shape but five times its damping (a
 * spurious pole grouped into a "mode") starts a track of its own; within xi_ratio, or with
 * xi_ratio = 0, it matches.  regia_track_xi_ok's bounds, and a bad xi_ratio. */
static void test_damping_gate(void)
{
    regia_track_cfg_t cfg;
    regia_track_defaults(&cfg);
    CHECK(cfg.xi_ratio == 3);
    CHECK(regia_track_xi_ok(&cfg, 0.0699, 0.02) && !regia_track_xi_ok(&cfg, 0.0701, 0.02)); /* 3 x 2 % + 1 % */
    CHECK(regia_track_xi_ok(&cfg, 0.0001, 0.03) && !regia_track_xi_ok(&cfg, 0.0, 0.0301));   /* 3 % / 3 - 1 % */
    CHECK(regia_track_xi_ok(&cfg, NAN, 0.02) && regia_track_xi_ok(&cfg, 0.5, NAN));
    double f = 3.8, xi = 0.015, sh[NCH * 2];
    int32_t tk = -1;
    put(sh, 0, SA, 0, 0);
    for (int off = 0; off < 2; off++) {
        cfg.xi_ratio = off ? 0 : 3;
        regia_tracker_t tr;
        CHECK_OK(regia_track_init(&tr, NCH, &cfg));
        xi = 0.015;
        CHECK_OK(regia_track_update(&tr, 0, 1, &f, &xi, sh, &tk));
        xi = 0.04; /* within 3 x 1.5 % + 1 % */
        CHECK_OK(regia_track_update(&tr, 1, 1, &f, &xi, sh, &tk));
        CHECK(tk == 0);
        xi = 0.176; /* B01's 4.36 Hz "mode" of the demo, here at the track's frequency */
        CHECK_OK(regia_track_update(&tr, 2, 1, &f, &xi, sh, &tk));
        CHECK_MSG(tk == (off ? 0 : 1), "xi_ratio %g: track %d", cfg.xi_ratio, (int)tk);
        regia_track_free(&tr);
    }
    regia_tracker_t tr;
    cfg.xi_ratio = 0.5;
    CHECK(regia_track_init(&tr, NCH, &cfg) == REGIA_ERR_INVALID);
}

int main(void)
{
    test_sequence();
    test_optimal_assignment();
    test_random_vs_brute_force();
    test_common_channels();
    test_damping_gate();
    return check_done();
}
