/* The FFTW planner lock (see fftw_lock_impl.h).  The mutex is the library's only piece of
 * process-wide state, and it exists because FFTW's planner is process-wide state. */
/* complex.h before fftw3.h, as in the kernels that call regia_fftw_plan_pair: fftw_complex
 * is then double complex in all of them */
#include <complex.h>
#include <pthread.h>

#include "fftw_lock_impl.h"

static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

void regia_fftw_planner_lock(void)
{
    pthread_mutex_lock(&planner_lock);
}

void regia_fftw_planner_unlock(void)
{
    pthread_mutex_unlock(&planner_lock);
}

int regia_fftw_plan_pair(int n, double *r, fftw_complex *c_out, fftw_complex *c_in,
                         fftw_plan *fwd, fftw_plan *bwd)
{
    regia_fftw_planner_lock();
    *fwd = fftw_plan_dft_r2c_1d(n, r, c_out, FFTW_ESTIMATE);
    *bwd = fftw_plan_dft_c2r_1d(n, c_in, r, FFTW_ESTIMATE);
    regia_fftw_planner_unlock();
    return *fwd && *bwd;
}

void regia_fftw_destroy_pair(fftw_plan *fwd, fftw_plan *bwd)
{
    if (!*fwd && !*bwd) return;
    regia_fftw_planner_lock();
    if (*fwd) fftw_destroy_plan(*fwd);
    if (*bwd) fftw_destroy_plan(*bwd);
    regia_fftw_planner_unlock();
    *fwd = *bwd = NULL;
}
