/* fftw_lock_impl.h - the one lock around FFTW's planner for all of the kernels library.
 *
 * FFTW 3's planner (fftw_plan_*, fftw_destroy_plan) keeps global state and is not
 * thread-safe; its executors (fftw_execute_dft_r2c, ...) are.  Every kernel that makes or
 * destroys an FFTW plan does it between regia_fftw_planner_lock() and
 * regia_fftw_planner_unlock(), so plans made by different kernels (Welch spectra, clock
 * offsets) on different threads never overlap. */
#ifndef REGIA_FFTW_LOCK_IMPL_H
#define REGIA_FFTW_LOCK_IMPL_H

void regia_fftw_planner_lock(void);
void regia_fftw_planner_unlock(void);

#endif
