/* The FFTW planner lock (see fftw_lock_impl.h).  The mutex is the library's only piece of
 * process-wide state, and it exists because FFTW's planner is process-wide state. */
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
