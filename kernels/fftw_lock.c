/* The FFTW planner lock and the plan-pair cache (see fftw_lock_impl.h).  The mutex and the
 * cache are the library's only process-wide state, and they exist because FFTW's planner
 * is process-wide state. */
/* complex.h before fftw3.h, as in the kernels that call regia_fftw_plan_pair: fftw_complex
 * is then double complex in all of them */
#include <complex.h>
#include <pthread.h>

#include "fftw_lock_impl.h"

static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

/* Plan pairs kept for the life of the process, by size, alignment and placement of the
 * arrays they were made with (FFTW's new-array execute needs the same): the kernels call
 * with a handful of sizes per run, and a plan's twiddles cost more than the transforms of
 * a short call (a 4096-point pair about 0.1 ms).  When the table is full, pairs are made
 * and destroyed per call as before. */
enum { CACHE_MAX = 32 };
static struct {
    int n, al_r, al_o, al_i, place;
    fftw_plan fwd, bwd;
} cache[CACHE_MAX];
static int n_cache;

void regia_fftw_planner_lock(void)
{
    pthread_mutex_lock(&planner_lock);
}

void regia_fftw_planner_unlock(void)
{
    pthread_mutex_unlock(&planner_lock);
}

static int cached(fftw_plan p)
{
    for (int i = 0; i < n_cache; i++)
        if (cache[i].fwd == p || cache[i].bwd == p) return 1;
    return 0;
}

int regia_fftw_plan_pair(int n, double *r, fftw_complex *c_out, fftw_complex *c_in,
                         fftw_plan *fwd, fftw_plan *bwd)
{
    int al_r = fftw_alignment_of(r), al_o = fftw_alignment_of((double *)c_out);
    int al_i = fftw_alignment_of((double *)c_in);
    int place = ((void *)r == (void *)c_out) | ((void *)r == (void *)c_in) << 1;
    regia_fftw_planner_lock();
    *fwd = *bwd = NULL;
    for (int i = 0; i < n_cache && !*fwd; i++)
        if (cache[i].n == n && cache[i].al_r == al_r && cache[i].al_o == al_o && cache[i].al_i == al_i &&
            cache[i].place == place)
            *fwd = cache[i].fwd, *bwd = cache[i].bwd;
    if (!*fwd) {
        *fwd = fftw_plan_dft_r2c_1d(n, r, c_out, FFTW_ESTIMATE);
        *bwd = fftw_plan_dft_c2r_1d(n, c_in, r, FFTW_ESTIMATE);
        if (*fwd && *bwd && n_cache < CACHE_MAX)
            cache[n_cache].n = n, cache[n_cache].al_r = al_r, cache[n_cache].al_o = al_o,
            cache[n_cache].al_i = al_i, cache[n_cache].place = place, cache[n_cache].fwd = *fwd,
            cache[n_cache++].bwd = *bwd;
    }
    regia_fftw_planner_unlock();
    return *fwd && *bwd;
}

void regia_fftw_destroy_pair(fftw_plan *fwd, fftw_plan *bwd)
{
    if (!*fwd && !*bwd) return;
    regia_fftw_planner_lock();
    if (*fwd && !cached(*fwd)) fftw_destroy_plan(*fwd);
    if (*bwd && !cached(*bwd)) fftw_destroy_plan(*bwd);
    regia_fftw_planner_unlock();
    *fwd = *bwd = NULL;
}
