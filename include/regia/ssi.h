/* regia/ssi.h - covariance-driven stochastic subspace identification (SSI-cov/ref) with
 * automatic mode selection: poles per model order, hard criteria, stability between
 * orders, grouping of stable poles into modes with their mean and spread.  Kernel layer:
 * no MPI, no I/O, no globals, host pointers; every function is thread-safe (each call
 * allocates its own workspace) and may use OpenBLAS threads inside LAPACK calls.
 *
 * Method (Peeters & De Roeck 1999; Doehler & Mevel 2012; as pyOMA-2 1.4.3 and
 * koma-python 1.3.6 implement it):
 *   1. Remove each channel's mean (cfg.detrend).
 *   2. Output covariances R_k = E[y(t+k) y_ref(t)^T] (l outputs, r references) and the
 *      block Hankel matrix H (i l x i r) with block (a, b) = R_{a+b+1}, a, b = 0..i-1.
 *      REGIA_SSI_FIXED: pyOMA2's build_hank(method="cov"): H = Yf Yp^T / N with
 *        N = Ndat - 2i + 1 samples for every block (the same H to rounding).
 *      REGIA_SSI_UNBIASED: KOMA's xcorr_lag: R_k = sum_t y(t+k) y_ref(t)^T / (Ndat - k)
 *        (KOMA stacks the transpose; the poles are the same).
 *      The lag sums: one dgemm per lag, or for records of >= 2048 samples and >= 16 lags
 *      (2i - 1) blocked FFT cross-correlations (kernels/ssi_hankel.c), equal to rounding.
 *   3. SVD H = U S V^T: for a square H whose nmax-th singular value is >= 1e-5 of the
 *      largest (a record's noise floor), from the eigenpairs of H H^T (dsyrk, dsytrd, all
 *      eigenvalues by dsterf, the nmax leading eigenvectors by inverse iteration dstein,
 *      dormtr: singular values below about 1e-7 of the largest are then at rounding
 *      level), else directly (dgebrd, dbdsdc, dormbr); only U[:, :nmax] is formed.
 *      O = U[:, :nmax] S^(1/2); C_n = first l rows of
 *      O[:, :n]; one QR of O without its last block row, Oup = Q R, and T = Q^T Odown give
 *      A_n = R[:n, :n]^-1 T[:n, :n] for every order n (Doehler & Mevel 2012: exactly
 *      pinv(Oup_n) Odown_n).  Computed as the similar B_n = (T R^-1)[:n, :n] = R_n A_n
 *      R_n^-1 from one triangular solve for all orders, with phi = (C_n R_n^-1) w for
 *      B_n's eigenvectors w.
 *   4. eig(A_n) = lambda_d, psi (dgeev's steps: dgehrd, a Francis double-shift QR,
 *      dtrevc; kernels/ssi_hqr.c); lambda_c = ln(lambda_d) / dt;
 *      f = |lambda_c| / 2 pi (Hz); xi = -Re(lambda_c) / |lambda_c|; phi = C_n psi,
 *      normalised so that its component of largest modulus is 1 + 0i (pyOMA2).  psi and
 *      phi, MPC and MPD only for the poles that can pass the hard criteria on frequency
 *      and damping (f_min <= f <= f_max, xi_min < xi < xi_max, Im lambda_d > 0) and their
 *      conjugates; the other poles' shapes, MPC and MPD are NaN.
 *      MPC (Pappa et al. 1993) = ((e1 - e2) / (e1 + e2))^2, e = eigenvalues of
 *      [[Re.Re, Re.Im], [Re.Im, Im.Im]]; MPD (pyOMA2) = sum_k |phi_k| acos(|cos angle
 *      between phi_k and the principal line|) / sum_k |phi_k|, radians.
 *      MAC(a, b) = |a^H b|^2 / ((a^H a)(b^H b)).
 *   5. Hard criteria: one pole of each conjugate pair (Im lambda_d > 0), real poles out,
 *      xi_min < xi < xi_max, MPC >= mpc_min, MPD <= mpd_max, f_min <= f <= f_max.
 *   6. Stability (pyOMA2's SC_apply, KOMA's find_stable_poles with s levels): a pole that
 *      passes the hard criteria is stable when, for each of the stab_orders next lower
 *      orders, the hard-criteria pole nearest in frequency has |df|/f < stab_df,
 *      |dxi|/xi < stab_dxi and 1 - MAC < stab_dmac.
 *   7. Modes: stable poles grouped by single linkage (two poles link when |df|/f <=
 *      clus_df and 1 - MAC <= clus_dmac), at most one pole per order in a group (the one
 *      nearest the group's median frequency), groups smaller than
 *      max(clus_min_poles, ceil(clus_min_frac * n_orders)) dropped; per mode the mean and
 *      sample standard deviation of f and xi, the mean shape (members phase-aligned to the
 *      pole nearest the median frequency), and the MAC of the members with the mean shape.
 * Every pole carries the reason it was kept or dropped (regia_pole_reason_t).
 */
#ifndef REGIA_SSI_H
#define REGIA_SSI_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    REGIA_SSI_FIXED = 0,     /* pyOMA2: the same N = Ndat - 2i + 1 samples for every block */
    REGIA_SSI_UNBIASED = 1   /* KOMA: 1 / (Ndat - k) per lag                                */
} regia_ssi_window_t;

typedef struct {
    int32_t block_rows;      /* i (pyOMA2 default 20)                                        */
    int32_t ord_min;         /* lowest model order (>= 1; pyOMA2: 0, which has no poles)     */
    int32_t ord_max;         /* highest order; 0: min(60, i nref, (i - 1) nch)               */
    int32_t ord_step;        /* order step (>= 1)                                            */
    int32_t window;          /* regia_ssi_window_t                                           */
    int32_t detrend;         /* 1: remove each channel's mean first (default), 0: as given   */
    /* hard criteria */
    double f_min, f_max;     /* Hz; f_max 0: up to Nyquist                                   */
    double xi_min, xi_max;   /* open interval (pyOMA2: 0, 0.2)                               */
    double mpc_min;          /* MPC >= mpc_min (pyOMA2: 0.5; 0 disables)                     */
    double mpd_max;          /* MPD <= mpd_max radians (pyOMA2: 0.5; <= 0 disables)          */
    /* stability between orders (pyOMA2: 0.05, 0.1, 0.05, 1 level) */
    double stab_df, stab_dxi, stab_dmac;
    int32_t stab_orders;     /* s: number of lower orders that must agree (>= 1)            */
    /* grouping of stable poles into modes */
    double clus_df;          /* relative frequency distance for a link (default 0.01)      */
    double clus_dmac;        /* 1 - MAC for a link (default 0.05)                           */
    int32_t clus_min_poles;  /* smallest group that makes a mode (default 3)                */
    double clus_min_frac;    /* ... and at least this fraction of the orders (default 0.3)  */
} regia_ssi_cfg_t;

/* pyOMA2 1.4.3's SSIcov defaults (br 20, step 1, hard criteria xi < 0.2, MPC >= 0.5,
 * MPD <= 0.5, stability 0.05 / 0.1 / 0.05) with ord_min 1, ord_max 0 (see above) and the
 * grouping defaults above; window FIXED, detrend on. */
void regia_ssi_defaults(regia_ssi_cfg_t *cfg);

/* Check a configuration for a record of n samples, nch channels, nref references (n = 0:
 * covariances given, n_lags instead).  Returns REGIA_OK or REGIA_ERR_INVALID with the
 * field and value named (also in `msg` when msg != NULL). */
regia_status_t regia_ssi_check(const regia_ssi_cfg_t *cfg, int64_t n, int32_t nch,
                               int32_t nref, char *msg, int cap);

/* Why a pole was kept or dropped (first failing test, in this order). */
typedef enum {
    REGIA_POLE_MODE = 0,         /* kept: member of mode `mode`                              */
    REGIA_POLE_CONJUGATE,        /* the conjugate (Im lambda_d < 0) of a kept pole           */
    REGIA_POLE_REAL,             /* real lambda_d (no oscillation, or at Nyquist)            */
    REGIA_POLE_FREQ_RANGE,       /* f outside [f_min, f_max]                                 */
    REGIA_POLE_XI_LOW,           /* xi <= xi_min (negative damping: unstable system)        */
    REGIA_POLE_XI_HIGH,          /* xi >= xi_max                                             */
    REGIA_POLE_MPC,              /* MPC < mpc_min                                            */
    REGIA_POLE_MPD,              /* MPD > mpd_max                                            */
    REGIA_POLE_NO_LOWER,         /* no stab_orders lower orders to compare with             */
    REGIA_POLE_UNSTABLE_F,       /* nearest lower-order pole: |df|/f >= stab_df              */
    REGIA_POLE_UNSTABLE_XI,      /* ... frequency agrees, |dxi|/xi >= stab_dxi               */
    REGIA_POLE_UNSTABLE_MAC,     /* ... frequency and damping agree, 1 - MAC >= stab_dmac    */
    REGIA_POLE_SMALL_GROUP,      /* stable, but its group has too few poles for a mode       */
    REGIA_POLE_DUPLICATE,        /* stable, a second pole of the same order in its group     */
    REGIA_POLE_N
} regia_pole_reason_t;

/* Short stable name ("mode", "conjugate", "real", ..., "duplicate"); "?" when unknown. */
const char *regia_pole_reason_name(int reason);

/* Pole flags (bits). */
enum {
    REGIA_POLE_HC = 1u << 0,          /* passes the hard criteria                            */
    REGIA_POLE_STABLE_F = 1u << 1,    /* frequency stable against the next lower order       */
    REGIA_POLE_STABLE_XI = 1u << 2,   /* damping stable against it                           */
    REGIA_POLE_STABLE_MAC = 1u << 3,  /* shape stable against it                             */
    REGIA_POLE_STABLE = 1u << 4,      /* stable over all stab_orders levels (f, xi and MAC)  */
    REGIA_POLE_IN_MODE = 1u << 5      /* member of a mode                                    */
};

typedef struct {
    int32_t order;           /* model order n                                               */
    int32_t mode;            /* index into modes, -1 when none                              */
    int32_t reason;          /* regia_pole_reason_t                                         */
    uint32_t flags;          /* REGIA_POLE_* bits                                           */
    double f;                /* Hz, |lambda_c| / 2 pi (also for real poles)                 */
    double xi;               /* damping ratio                                               */
    double lambda_re, lambda_im; /* continuous-time pole, rad/s                             */
    double mpc, mpd;         /* of the shape (mpd radians)                                  */
} regia_ssi_pole_t;

typedef struct {
    double f, f_std;         /* Hz: mean and sample standard deviation over the members     */
    double xi, xi_std;
    double mac_min, mac_mean;/* MAC of the members' shapes with the mean shape              */
    double mpc, mpd;         /* of the mean shape                                           */
    int32_t n_poles;         /* members (one per order)                                     */
    int32_t order_min, order_max;
    int32_t pole_ref;        /* index of the member nearest the median frequency            */
} regia_ssi_mode_t;

/* Result of one identification.  All arrays are owned by the result (malloc) and freed by
 * regia_ssi_result_free.  Complex values interleaved (re, im). */
typedef struct {
    int32_t nch;             /* shape length l                                              */
    int32_t nref;
    int32_t n_orders;
    int32_t *orders;         /* [n_orders] model orders computed, increasing                */
    int32_t n_sv;
    double *sv;              /* [n_sv] singular values of H, decreasing (see step 3)        */
    int64_t n_poles;         /* all eigenvalues of all orders (sum of orders)              */
    regia_ssi_pole_t *poles; /* [n_poles], by order then eigenvalue                         */
    double *pole_shapes;     /* [n_poles][nch][2]: phi normalised (largest component 1);    */
                             /* NaN (and mpc, mpd NaN) outside the frequency and damping    */
                             /* criteria (step 4)                                           */
    int32_t n_modes;
    regia_ssi_mode_t *modes; /* [n_modes] by increasing frequency                           */
    double *mode_shapes;     /* [n_modes][nch][2]: mean shape, largest component 1 + 0i     */
} regia_ssi_result_t;

void regia_ssi_result_init(regia_ssi_result_t *res);
/* Free what a result owns and reset it to empty (safe on an empty result). */
void regia_ssi_result_free(regia_ssi_result_t *res);

/* SSI on one record.  y[c*n + t]: channel-major, n samples of nch channels (finite values,
 * not modified); ref[nref]: indices of the reference channels (NULL: all channels,
 * nref = nch); fs: sampling rate, Hz.  res: initialised or freed result, filled on success
 * (on failure it is left empty).  Errors: REGIA_ERR_INVALID (configuration or sizes,
 * named), REGIA_ERR_NOMEM, REGIA_ERR_NUMERIC (SVD or eig failed). */
regia_status_t regia_ssi_cov(const double *y, int64_t n, int32_t nch, const int32_t *ref,
                             int32_t nref, double fs, const regia_ssi_cfg_t *cfg,
                             regia_ssi_result_t *res);

/* SSI on given output covariances: R[(k*nch + a)*nref + b] = R_k[a][b] for lags
 * k = 0..n_lags-1 (n_lags >= 2 i; R_0 unused).  cfg.window and cfg.detrend are ignored. */
regia_status_t regia_ssi_from_cov(const double *R, int32_t n_lags, int32_t nch,
                                  int32_t nref, double fs, const regia_ssi_cfg_t *cfg,
                                  regia_ssi_result_t *res);

/* The block Hankel matrix of step 2: H[(a*nch + c)*(i*nref) + b*nref + d] (row-major,
 * i nch x i nref) from y as regia_ssi_cov (mean removed when cfg.detrend).  H: caller's
 * buffer of i*nch*i*nref doubles. */
regia_status_t regia_ssi_hankel(const double *y, int64_t n, int32_t nch, const int32_t *ref,
                                int32_t nref, const regia_ssi_cfg_t *cfg, double *H);

/* SSI from a given block Hankel matrix (layout as regia_ssi_hankel): steps 3-7. */
regia_status_t regia_ssi_from_hankel(const double *H, int32_t nch, int32_t nref, double fs,
                                     const regia_ssi_cfg_t *cfg, regia_ssi_result_t *res);

/* Steps 5-7 again on a result's poles (e.g. with other criteria): flags, reasons, modes
 * and mode shapes are recomputed; poles, shapes and orders are kept.  Poles outside the
 * first run's frequency and damping criteria have no shape (step 4): a wider band or
 * damping range here drops them as REGIA_POLE_MPC. */
regia_status_t regia_ssi_select(const regia_ssi_cfg_t *cfg, regia_ssi_result_t *res);

/* MAC of two complex shapes a, b (interleaved, n components); 0 when either is zero.
 * (regia_mac is the HMAC of regia/pseudonym.h.) */
double regia_ssi_mac(const double *a, const double *b, int32_t n);
/* MPC and MPD (radians) of a complex shape (interleaved, n components). */
double regia_mpc(const double *phi, int32_t n);
double regia_mpd(const double *phi, int32_t n);

#ifdef __cplusplus
}
#endif
#endif
