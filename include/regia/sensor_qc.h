/* regia/sensor_qc.h - quality flags of structural-sensor records (kernels/sensor_qc.c,
 * kernels/sensor_clock.c).
 *
 * Kernel layer: no MPI, no file I/O, no globals; host pointers; every function is
 * thread-safe (scratch is allocated per call) and may be called from OpenMP threads.
 *
 * One call of regia_qc_channel() checks one channel of one record (x[0..n-1], uniform
 * sampling at cfg->fs unless a time vector says otherwise) and fills a regia_qc_result_t:
 * bit flags (regia_qc_flag_t), counts, positions of spikes, RMS and peak.  The detectors
 * (all configurable, defaults from regia_qc_defaults()):
 *   NaN     any non-finite sample; count and the longest run.  The other detectors then
 *           work on the finite samples only (compacted; positions are reported in the
 *           original indexing).
 *   gap     a time step > 1.5/fs (gap_factor) in the time vector t (seconds), or between
 *           consecutive trace boundaries (regia_qc_gaps_traces); a step <= 0 is an overlap.
 *   spike   Hampel filter: window of 2*hampel_half+1 samples centred on each sample
 *           (truncated at the ends), spike when |x - median| > hampel_k * 1.4826 * MAD
 *           (MAD = median |x_i - median| of the window; where the MAD is 0 the scale is
 *           unknown and a sample is a spike only when spike_min_abs > 0 and
 *           |x - median| > spike_min_abs).  Optional replacement of each
 *           spike by its window median (in place, cfg->hampel_replace).
 *   flat    windows of flat_win samples at steps of flat_win/2 whose standard deviation
 *           is < flat_eps; consecutive flat windows form a run; flagged when a run covers
 *           >= flat_min samples.
 *   clip    runs of >= clip_min_run consecutive samples within clip_tol of the record's
 *           maximum or minimum (or, with full_scale > 0, with |x| >= full_scale - clip_tol);
 *           flagged when such runs cover >= clip_min_samples samples.
 *   drift   the record is cut in drift_segments equal segments; their medians m_s at the
 *           segment centres t_s; slope = Theil-Sen (median of pairwise slopes) of (t_s, m_s);
 *           drift = slope * record duration; flagged when |drift| > max(drift_abs,
 *           drift_rel * 1.4826 * MAD of the whole record).
 *   dead    RMS about the mean below dead_rms (the sensor's noise floor, channel units).
 * Flat, clip, drift, dead, RMS, peak and mean use the samples after spike replacement
 * (whether or not the caller's array is modified): rms = standard deviation about the
 * mean, peak = max |x - mean|; peak_raw = max |x - mean| of the finite samples before
 * replacement.  Cost: O(n * hampel_half) at worst (signals where most windows have MAD 0
 * or their spikes cluster), about 35 M samples/s per core with the defaults (120,000-sample
 * channels, CPU time, benchmarks/results/welch_2026-12-02.md).
 *
 *   offset  (across records, regia_qc_offset_drift) the record's median against the median
 *           of the channel's first records; beyond a limit it is DRIFT too.
 * Records: OR the flags of a record's channels (plus REGIA_QC_CLOCK from
 * regia_qc_clock_offset when the offset exceeds what the caller tolerates) and ask
 * regia_qc_fit_modal() / regia_qc_fit_spectra().
 */
#ifndef REGIA_SENSOR_QC_H
#define REGIA_SENSOR_QC_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    REGIA_QC_NAN         = 1u << 0,  /* non-finite samples                                */
    REGIA_QC_GAP         = 1u << 1,  /* time step > gap_factor / fs                      */
    REGIA_QC_OVERLAP     = 1u << 2,  /* time step <= 0 (overlapping or unsorted samples) */
    REGIA_QC_SPIKE       = 1u << 3,  /* more than spike_tolerance Hampel spikes           */
    REGIA_QC_SPIKE_FIXED = 1u << 4,  /* with SPIKE: all were replaced and they are at most
                                      * spike_max_frac of the samples (repairable)        */
    REGIA_QC_FLAT        = 1u << 5,  /* flat line (stuck sensor)                          */
    REGIA_QC_CLIP        = 1u << 6,  /* clipping                                          */
    REGIA_QC_DRIFT       = 1u << 7,  /* drift beyond the limit                            */
    REGIA_QC_DEAD        = 1u << 8,  /* RMS below the noise floor                         */
    REGIA_QC_CLOCK       = 1u << 9,  /* clock offset to a neighbour (set by the caller)   */
    REGIA_QC_SHORT       = 1u << 10  /* fewer finite samples than min_samples             */
} regia_qc_flag_t;

#define REGIA_QC_NFLAGS 11

/* Flags that make a record unusable for modal identification (SSI, FDD): everything
 * except DRIFT (SSI and Welch remove the mean and slow drift lies below the modes) and
 * except SPIKE when SPIKE_FIXED is also set.  Spectra (Welch PSD of a channel): the same
 * without CLOCK (a PSD has no phase). */
#define REGIA_QC_BAD_MODAL   (REGIA_QC_NAN | REGIA_QC_GAP | REGIA_QC_OVERLAP | REGIA_QC_SPIKE | \
                              REGIA_QC_FLAT | REGIA_QC_CLIP | REGIA_QC_DEAD | REGIA_QC_CLOCK |   \
                              REGIA_QC_SHORT)
#define REGIA_QC_BAD_SPECTRA (REGIA_QC_BAD_MODAL & ~(uint32_t)REGIA_QC_CLOCK)

typedef struct {
    double fs;               /* sampling rate, Hz (> 0)                                   */
    double gap_factor;       /* gap when a step > gap_factor / fs (1.5)                   */
    int32_t hampel_half;     /* Hampel half-width, samples (50); 0 disables spikes        */
    double hampel_k;         /* Hampel threshold in robust sigmas (6)                     */
    double spike_min_abs;    /* deviation needed where the window MAD is 0 (0 = none)     */
    int32_t hampel_replace;  /* 1: replace spikes in x by the window median (1)           */
    int64_t spike_tolerance; /* spikes tolerated without REGIA_QC_SPIKE (0)              */
    double spike_max_frac;   /* most spikes (fraction of n) still SPIKE_FIXED (1e-3)      */
    int32_t flat_win;        /* flat-line window, samples (fs/2 rounded, >= 4)            */
    double flat_eps;         /* flat when the window std < flat_eps, channel units (1e-9) */
    int64_t flat_min;        /* shortest flagged flat run, samples (2 s of samples)       */
    double full_scale;       /* sensor full scale, channel units; 0 = use the extremes   */
    double clip_tol;         /* tolerance at the extreme / full scale (1e-9, units)       */
    int32_t clip_min_run;    /* shortest run at the extreme that counts (3)               */
    int64_t clip_min_samples;/* samples in such runs that flag CLIP (3)                   */
    int32_t drift_segments;  /* segments for the drift estimate (10, >= 3)                */
    double drift_abs;        /* absolute drift limit over the record, units (0)          */
    double drift_rel;        /* limit relative to 1.4826 MAD of the record (0.5)          */
    double dead_rms;         /* noise floor: RMS below it = dead, units (1e-5)            */
    int64_t min_samples;     /* fewer finite samples = SHORT (16)                         */
} regia_qc_cfg_t;

/* Defaults above for sampling rate fs (the fs-dependent ones: flat_win, flat_min). */
void regia_qc_defaults(regia_qc_cfg_t *cfg, double fs);
/* REGIA_ERR_INVALID with a message naming the bad setting. */
regia_status_t regia_qc_check_cfg(const regia_qc_cfg_t *cfg);

typedef struct {
    uint32_t flags;          /* regia_qc_flag_t bits                                      */
    int64_t n;               /* samples given                                             */
    int64_t n_finite;
    int64_t n_nan, nan_longest;
    int32_t n_gaps, n_overlaps;
    double gap_max_s, gap_total_s; /* longest gap and the time missing in gaps, seconds   */
    int64_t n_spikes;        /* all spikes found                                          */
    int64_t *spike_pos;      /* caller's array (may be NULL): the first spike_cap positions
                              * (indices into x, ascending)                              */
    int64_t spike_cap;
    int64_t flat_longest;    /* samples in the longest flat run (0 when none)             */
    int64_t clip_samples, clip_runs;
    double drift, drift_limit; /* estimated drift over the record and the limit used      */
    double median;           /* median of the record (its DC offset; NaN when the record is
                              * shorter than 2 drift_segments samples)                    */
    double mean, rms, peak, peak_raw, xmin, xmax; /* finite samples (see above)          */
} regia_qc_result_t;

/* Quality check of one channel of one record.
 * x: n samples (host; modified in place only when cfg->hampel_replace: spikes get their
 * window median).  t: NULL for uniform sampling, else n time stamps in seconds (any
 * origin) used by the gap detector.  res: filled (its spike_pos/spike_cap are read first:
 * set them, or zero them, before the call).  n = 0 is allowed (SHORT).
 * REGIA_ERR_INVALID for a bad cfg; REGIA_ERR_NOMEM. */
regia_status_t regia_qc_channel(double *x, const double *t, int64_t n, const regia_qc_cfg_t *cfg,
                                regia_qc_result_t *res);

/* Gaps between consecutive traces of one channel: trace k starts at start_ns[k] (int64 ns,
 * UTC) and holds len[k] samples at fs.  Traces must be sorted by start.  The step from the
 * last sample of trace k to the first of k+1 is a gap when > gap_factor/fs, an overlap when
 * <= 0.  Adds to res->n_gaps, n_overlaps, gap_max_s, gap_total_s and sets GAP/OVERLAP in
 * res->flags (so it may be called after regia_qc_channel on the concatenated record). */
regia_status_t regia_qc_gaps_traces(const int64_t *start_ns, const int64_t *len, int32_t ntr, double fs,
                                    double gap_factor, regia_qc_result_t *res);

/* Offset drift of one channel across records (a sensor whose zero wanders: the in-record
 * drift above cannot see a few mm s-2 per day within minutes).  Records r = 0..n-1 in time
 * order: start_s[r] (seconds, any origin, non-decreasing), offset[r] = the record's DC offset
 * (its median, regia_qc_result_t.median; NaN: no value, e.g. a flat, dead or short channel,
 * neither used nor flagged).  baseline = the median of the offsets of the records that start
 * within baseline_s of the first record with an offset; dev[r] = offset[r] - baseline (NaN
 * where offset[r] is); flag[r] = 1 where |dev[r]| > limit, else 0.  baseline, dev and
 * n_flagged may be NULL.  Depends only on the values given (no order of evaluation, no
 * state): the same on every rank.  REGIA_ERR_INVALID for n < 0, limit <= 0, baseline_s < 0
 * or unsorted starts; REGIA_ERR_NOMEM. */
regia_status_t regia_qc_offset_drift(const double *start_s, const double *offset, int64_t n, double baseline_s,
                                     double limit, double *baseline, double *dev, uint8_t *flag, int64_t *n_flagged);

/* Is a record with these (OR-ed) flags fit for modal identification / for spectra?
 * 1 yes, 0 no (see REGIA_QC_BAD_MODAL). */
int regia_qc_fit_modal(uint32_t flags);
int regia_qc_fit_spectra(uint32_t flags);

/* Short names of the set flags, comma-separated ("spike,clip"; "ok" when none), into buf. */
void regia_qc_flags_str(uint32_t flags, char *buf, int cap);

/* Clock offset between two sensors from the cross-correlation of two channels that see the
 * same motion (same record, same fs, n samples each).  Means are removed; the
 * cross-correlation r[k] = sum_t a[t] b[t+k] is computed by FFT (FFTW, in blocks of a few
 * thousand samples, no circular wrap) for |k| <= max_lag (max_lag <= 0: n/4); its peak is refined by
 * a parabola through the three values around it.  Result: *lag = the delay of b behind a
 * in samples (b(t) ~ a(t - lag); positive = b late), *corr = r[peak] / sqrt(sum a^2
 * sum b^2) (normalised, in [-1, 1]; the peak is the largest r, not |r|).  Time offset =
 * lag / fs.  REGIA_ERR_INVALID for n < 4, non-finite samples or a zero-variance channel;
 * REGIA_ERR_NUMERIC when FFTW cannot plan. */
regia_status_t regia_qc_clock_offset(const double *a, const double *b, int64_t n, int64_t max_lag,
                                     double *lag, double *corr);
/* The same, polarity ignored: the peak of the largest |r| (motions in antiphase), with
 * *corr = |r[peak]| normalised.  Equal to calling regia_qc_clock_offset on (a, b) and on
 * (a, -b) and keeping the one with the larger correlation (the first on a tie), at the
 * cost of one call. */
regia_status_t regia_qc_clock_offset_any(const double *a, const double *b, int64_t n, int64_t max_lag,
                                         double *lag, double *corr);

/* Clock offset from the phase of the cross-spectrum, pooled over npair channel pairs
 * (a[p], b[p]: two channels of the same name on the two sensors, n samples each, same fs),
 * robust to narrowband motion and to mode shapes of either sign (kernels/sensor_clock.c):
 * the delay d that maximises the coherence-weighted agreement of the doubled cross-spectrum
 * phase, J(d) = sum_f w Re[exp(2 i (phi(f) + 2 pi f d)))] / sum_f w, over the bins of
 * magnitude-squared coherence >= 0.5 (w = g2 / (1 - g2); Welch, Hann segments of the
 * largest power of 2 <= 2n/25, at most 4096), for |d| <= max_lag samples (max_lag <= 0 or
 * beyond a quarter segment less one sample: that), on a 1/20-sample grid refined by a
 * parabola.
 * Results: *lag = the delay of b behind a in samples (b(t) ~ a(t - lag); positive = b late;
 * NaN when no bin is coherent), *agree = J at *lag (in [-1, 1]; 1: every coherent bin
 * agrees; 0 when no bin is coherent), *second = the largest other local maximum of J more
 * than half a sample away (-1: none): second close to agree means the delay is ambiguous
 * (all coherent bins in one mode fix it only modulo 1 / (2 f)).  REGIA_ERR_INVALID for
 * npair < 1, a NULL pointer, n < 400 or a non-finite sample (naming the pair); REGIA_ERR_NOMEM;
 * REGIA_ERR_NUMERIC when FFTW cannot plan. */
regia_status_t regia_qc_clock_offset_phase(const double *const *a, const double *const *b, int npair, int64_t n,
                                           double max_lag, double *lag, double *agree, double *second);

#ifdef __cplusplus
}
#endif
#endif
