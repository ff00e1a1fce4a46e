/* fftw_lock_impl.h - the one lock around FFTW's planner for all of the kernels library.
 *
 * FFTW 3's planner (fftw_plan_*, fftw_destroy_plan) keeps global state and is not
 * thread-safe; its executors (fftw_execute_dft_r2c, ...) are.  Every kernel that makes or
 * destroys an FFTW plan does it between regia_fftw_planner_lock() and
 * regia_fftw_planner_unlock(), so plans made by different kernels (Welch spectra, clock
 * offsets) on different threads never overlap.  regia_fftw_plan_pair and
 * regia_fftw_destroy_pair do that for the forward and backward real plans of a
 * cross-correlation (clock offsets, SSI covariances). */
#ifndef REGIA_FFTW_LOCK_IMPL_H
#define REGIA_FFTW_LOCK_IMPL_H

#include <fftw3.h>

void regia_fftw_planner_lock(void);
void regia_fftw_planner_unlock(void);

/* Under the planner lock, FFTW_ESTIMATE plans of n points: *fwd r2c from r into c_out,
 * *bwd c2r from c_in into r (the arrays only fix alignment and placement: the plans are run
 * with fftw_execute_dft_r2c / _c2r on arrays alike).  Returns 1 when both were made, else 0
 * (then what was made stays in *fwd, *bwd for regia_fftw_destroy_pair; the other is NULL).
 * The pair comes from a process-wide cache when one of the same size, alignment and
 * placement was made before (kept to the end of the process; several threads may execute
 * the same plans at once, as FFTW allows).  Thread-safe. */
int regia_fftw_plan_pair(int n, double *r, fftw_complex *c_out, fftw_complex *c_in,
                         fftw_plan *fwd, fftw_plan *bwd);

/* Destroy *fwd and *bwd under the planner lock unless they are cached (NULL ones skipped;
 * none made: no lock taken) and set both to NULL.  Thread-safe. */
void regia_fftw_destroy_pair(fftw_plan *fwd, fftw_plan *bwd);

#endif
