/* regia/welch.h - Welch power and cross spectral densities of batches of records.
 *
 * Definitions, defaults and scaling are those of scipy.signal.welch and scipy.signal.csd
 * (SciPy 1.14.1), the reference the tests compare with (relative 1e-10 in double):
 *   - a record of n samples is cut into K = (n - noverlap) / (nperseg - noverlap)
 *     segments of nperseg samples starting at k (nperseg - noverlap); the tail that does
 *     not fill a segment is dropped;
 *   - each segment is detrended (none, its mean, or its least-squares line), multiplied
 *     by the window w (periodic, "DFT-even" windows: Hann by default) and transformed
 *     with a real FFT of length nfft >= nperseg (zero padded after the window);
 *   - density scaling: P = |X|^2 / (fs sum w^2); spectrum scaling: |X|^2 / (sum w)^2;
 *     one-sided: every line but DC and (even nfft) Nyquist is doubled;
 *   - the estimate is the mean over the K segments;
 *   - the cross spectrum of channels i and j is mean(conj(X_i) X_j), scaled and doubled
 *     as above: scipy.signal.csd(x_i, x_j).
 * Lines are at f_k = k fs / nfft, k = 0 .. nfft/2 (regia_welch_nfreq lines).
 *
 * Kernel layer: no MPI, no I/O, host pointers.  The computation is an op of the backend
 * table (regia/kernels.h): regia_welch(be, batch, out) runs on FFTW (CPU backend) or
 * cuFFT (CUDA backend); a result depends only on its record, not on the thread count or
 * the batch it came in.
 */
#ifndef REGIA_WELCH_H
#define REGIA_WELCH_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    REGIA_WIN_HANN = 0,  /* 0.5 - 0.5 cos(2 pi k / nperseg): scipy get_window('hann')    */
    REGIA_WIN_BOXCAR,    /* 1                                                             */
    REGIA_WIN_HAMMING    /* 0.54 - 0.46 cos(2 pi k / nperseg): get_window('hamming')     */
} regia_window_t;

typedef enum {
    REGIA_DETREND_NONE = 0,
    REGIA_DETREND_CONSTANT, /* subtract the segment's mean (scipy's default)              */
    REGIA_DETREND_LINEAR    /* subtract the segment's least-squares line                  */
} regia_detrend_t;

typedef enum {
    REGIA_SCALING_DENSITY = 0, /* units^2 / Hz                                            */
    REGIA_SCALING_SPECTRUM     /* units^2                                                 */
} regia_scaling_t;

typedef struct {
    double fs;             /* sampling rate, Hz (> 0)                                     */
    int32_t nperseg;       /* samples per segment (>= 1)                                  */
    int32_t noverlap;      /* overlap in samples, 0 <= noverlap < nperseg; < 0: nperseg/2 */
    int32_t nfft;          /* FFT length >= nperseg; <= 0: nperseg                        */
    int32_t window;        /* regia_window_t                                              */
    int32_t detrend;       /* regia_detrend_t                                             */
    int32_t scaling;       /* regia_scaling_t                                             */
} regia_welch_cfg_t;

/* scipy.signal.welch's defaults at rate fs: Hann, nperseg 256, noverlap -1 (= nperseg/2),
 * nfft 0 (= nperseg), detrend constant, density.  Unlike scipy, a record shorter than
 * nperseg is an error (regia_welch_check), not a silently shortened segment. */
void regia_welch_defaults(regia_welch_cfg_t *cfg, double fs);

/* The configuration with noverlap and nfft resolved (noverlap < 0 -> nperseg/2,
 * nfft <= 0 -> nperseg).  Every other function accepts the unresolved form. */
regia_welch_cfg_t regia_welch_resolved(const regia_welch_cfg_t *cfg);

/* Frequency lines of the one-sided estimate: nfft/2 + 1. */
int32_t regia_welch_nfreq(const regia_welch_cfg_t *cfg);

/* Segments K of a record of n samples (0 when n < nperseg). */
int64_t regia_welch_nseg(const regia_welch_cfg_t *cfg, int64_t n);

/* Frequencies of the lines, Hz: f[k] = k fs / nfft (caller's array of nfreq doubles). */
void regia_welch_freqs(const regia_welch_cfg_t *cfg, double *f);

/* Is cfg usable on records of n samples?  REGIA_OK, or REGIA_ERR_INVALID with a message
 * naming the field and its value in msg (NUL-terminated, at most cap bytes; msg may be
 * NULL) and in the thread's error message. */
regia_status_t regia_welch_check(const regia_welch_cfg_t *cfg, int64_t n, char *msg, int cap);

/* Window w[0..nperseg-1] of cfg (caller's array). */
void regia_welch_window(const regia_welch_cfg_t *cfg, double *w);

typedef enum {
    REGIA_WELCH_PSD = 0, /* auto spectra per channel                                     */
    REGIA_WELCH_CSD      /* the full cross-spectral matrix per record                    */
} regia_welch_kind_t;

/* A batch: n_rec records of nch channels of n samples each, record-major, then channel,
 * then time: x[(r nch + c) n + t] (host memory, caller-owned, not modified). */
typedef struct {
    const double *x;
    int32_t n_rec;         /* >= 1                                                        */
    int32_t nch;           /* >= 1                                                        */
    int64_t n;             /* samples per channel, >= nperseg                             */
    regia_welch_cfg_t cfg;
    int32_t kind;          /* regia_welch_kind_t                                          */
} regia_welch_batch_t;

/* Outputs (host memory, caller-owned, nf = regia_welch_nfreq(&cfg)):
 *   PSD: psd[(r nch + c) nf + f] (n_rec nch nf doubles); csd unused (may be NULL);
 *   CSD: csd[(((r nf + f) nch + i) nch + j) 2 + {0: re, 1: im}] = csd(x_i, x_j) at line f
 *        (n_rec nf nch nch complex values, interleaved); psd unused (may be NULL).  The
 *        matrix is Hermitian; its diagonal is the PSD (imaginary part exactly 0). */
typedef struct {
    double *psd;
    double *csd;
} regia_welch_out_t;

/* Check a batch (cfg, sizes, pointers) before running it: REGIA_ERR_INVALID naming what
 * is wrong.  Every backend calls it first. */
regia_status_t regia_welch_batch_check(const regia_welch_batch_t *in, const regia_welch_out_t *out);

#ifdef __cplusplus
}
#endif
#endif
