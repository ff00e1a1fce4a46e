/* regia/modal_track.h - persistent tracks of identified modes across the records of one
 * structure (kernels/modal_track.c).
 *
 * Kernel layer: no MPI, no file I/O, no globals; host pointers.  A tracker belongs to one
 * structure and is fed its records in time order (one regia_track_update per record, also
 * for records without modes or left out by quality flags: pass n_modes = 0 so that the
 * missing count advances).  Not thread-safe on one tracker; distinct trackers are
 * independent.
 *
 * Matching (per record): mode m and track k are admissible when
 *     |f_m - f_k| / f_k <= df_tol   and   MAC(phi_m, phi_k) >= mac_min
 * where f_k, phi_k are the track's last matched frequency and shape (so a track follows
 * slow temperature drifts) and MAC(a, b) = |a^H b|^2 / ((a^H a)(b^H b)) on complex shapes
 * over the channels both have (regia_track_mac below: a channel left out of a record by
 * its quality flags is a zero in that record's shapes, and must not lower the MAC of the
 * same mode seen without it).
 * Cost of an admissible pair = (|df|/f_k) / df_tol + (1 - MAC) / (1 - mac_min) (each term
 * in [0, 1]); the assignment minimising the total cost over admissible pairs is found by
 * the Hungarian algorithm (Kuhn-Munkres, O(n^3) on the square padded matrix; inadmissible
 * pairs cost more than any admissible assignment and are never kept).  Both active and
 * lost tracks take part (a lost track that is matched again is FOUND).  Then:
 *   - a matched track takes the mode: f_last, xi_last, shape_last updated, hits + 1,
 *     missed = 0; its reference (f_ref, xi_ref: mean of its first ref_hits matches;
 *     shape_ref: its first shape) never changes after ref_hits matches;
 *   - an unmatched mode admissible to a track that was matched in this record is a SPLIT
 *     of that track: it starts a new track whose parent is that track (event SPLIT);
 *   - any other unmatched mode starts a new track (event NEW);
 *   - an active track not matched in lost_after consecutive records becomes LOST
 *     (event LOST, once).
 * Track ids are indices 0..n_tracks-1, stable for the tracker's life.
 * Shapes are complex, interleaved (re, im), nch channels per mode, mode-major:
 * shape[(m*nch + c)*2 + 0/1].  Stored shapes are normalised to unit norm with the largest
 * component real and positive.
 */
#ifndef REGIA_MODAL_TRACK_H
#define REGIA_MODAL_TRACK_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double df_tol;       /* relative frequency tolerance (0.05)                            */
    double mac_min;      /* smallest MAC of a match (0.8); < 1                             */
    int32_t lost_after;  /* consecutive records without a match before LOST (6)            */
    int32_t ref_hits;    /* matches averaged into f_ref / xi_ref (3)                       */
    double xi_ratio;     /* damping of a match within a factor xi_ratio of the track's, give
                          * or take REGIA_TRACK_XI_SLACK (3; 0: damping not compared)       */
} regia_track_cfg_t;

#define REGIA_TRACK_XI_SLACK 0.01

void regia_track_defaults(regia_track_cfg_t *cfg);

/* Is damping ratio xi admissible to a track of reference damping xi_ref: xi_ref / r - slack
 * <= xi <= r xi_ref + slack (r = cfg->xi_ratio, slack = REGIA_TRACK_XI_SLACK)?  1 when
 * r <= 0 or either value is NaN (no damping to compare).  A pole of 15 % damping is not the
 * 1.5 % bending mode at the same frequency, however similar its shape. */
int regia_track_xi_ok(const regia_track_cfg_t *cfg, double xi, double xi_ref);

/* MAC of two complex shapes (nch channels, interleaved re, im) over the channels where both
 * are nonzero (a zero channel: left out of that record), |a_C^H b_C|^2 / (|a_C|^2 |b_C|^2);
 * 0 when they share fewer than 2 channels or fewer than half of the channels of the one
 * with more (too little in common to tell the mode).  With every channel present it is
 * regia_ssi_mac. */
double regia_track_mac(const double *a, const double *b, int32_t nch);

typedef enum { REGIA_TRACK_ACTIVE = 0, REGIA_TRACK_LOST = 1 } regia_track_state_t;

typedef struct {
    int32_t id;
    int32_t state;           /* regia_track_state_t                                        */
    int32_t parent;          /* track it split from, -1 when none                          */
    int64_t first_record, last_record; /* record indices of the first and last match      */
    int64_t hits;            /* records matched                                            */
    int32_t missed;          /* consecutive records unmatched since the last match          */
    double f_ref, xi_ref;    /* reference (see above)                                      */
    double f_last, xi_last;
    double *shape_ref;       /* 2*nch doubles, owned by the tracker                        */
    double *shape_last;      /* 2*nch doubles, owned by the tracker                        */
} regia_track_t;

typedef enum {
    REGIA_TRACK_EV_NEW = 0,
    REGIA_TRACK_EV_LOST,
    REGIA_TRACK_EV_SPLIT,
    REGIA_TRACK_EV_FOUND
} regia_track_event_kind_t;

typedef struct {
    int32_t kind;            /* regia_track_event_kind_t                                   */
    int64_t record;          /* the record (as given to regia_track_update)                */
    int32_t track;           /* NEW/SPLIT: the new track; LOST/FOUND: the track            */
    int32_t other;           /* SPLIT: the parent track; else -1                           */
    int32_t mode;            /* NEW/SPLIT/FOUND: the mode index in the record; LOST: -1    */
    double f;                /* the mode's frequency (LOST: the track's last frequency)    */
} regia_track_event_t;

typedef struct {
    regia_track_cfg_t cfg;
    int32_t nch;
    int32_t n_tracks, cap_tracks;
    regia_track_t *tracks;   /* n_tracks entries                                          */
    int32_t n_events, cap_events;
    regia_track_event_t *events; /* events of the last update only, in the order above:
                                  * FOUND, SPLIT, NEW (by mode index), LOST (by track)   */
    int64_t last_record;     /* last record given (-1 before the first)                   */
} regia_tracker_t;

/* Start a tracker for shapes of nch channels (nch >= 1).  cfg NULL = defaults.
 * REGIA_ERR_INVALID for a bad cfg.  On failure nothing needs freeing. */
regia_status_t regia_track_init(regia_tracker_t *tr, int32_t nch, const regia_track_cfg_t *cfg);

/* Feed one record's modes: n_modes (>= 0), f[m] Hz (> 0, finite), xi[m] (may be NULL),
 * shape as above (2*nch*n_modes doubles).  record: the record's index, strictly greater
 * than the previous one (the count of missed records advances by one per call, not by
 * the index difference).  track_of_mode (NULL or n_modes entries) receives each mode's
 * track id.  The update's events are in tr->events[0..tr->n_events-1] until the next call.
 * REGIA_ERR_INVALID (bad frequency, shape with zero norm, record not increasing),
 * REGIA_ERR_NOMEM.  On error the tracker is unchanged. */
regia_status_t regia_track_update(regia_tracker_t *tr, int64_t record, int32_t n_modes, const double *f,
                                  const double *xi, const double *shape, int32_t *track_of_mode);

/* "new", "lost", "split", "found". */
const char *regia_track_event_name(int32_t kind);

void regia_track_free(regia_tracker_t *tr);

#ifdef __cplusplus
}
#endif
#endif
