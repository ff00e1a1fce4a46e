/* regia/rng.h - counter-based random streams (Philox4x32-10, Random123).
 *
 * A draw is a pure function of (seed, stream, path, counter): no state to carry, the same
 * numbers on every rank, thread and backend.  By convention `stream` is the global
 * series id, `path` the Monte Carlo path and `counter` the step within the path divided
 * by four (each call yields four numbers).  Header-only; usable in host and CUDA code.
 */
#ifndef REGIA_RNG_H
#define REGIA_RNG_H

#include <math.h>
#include <stdint.h>

#include <Random123/philox.h>

#if defined(__CUDACC__)
#define REGIA_HD __host__ __device__
#else
#define REGIA_HD
#endif

/* Four independent uniforms in the open interval (0, 1). */
REGIA_HD static inline void regia_rng_uniform4(uint64_t seed, uint64_t stream, uint32_t path,
                                               uint32_t counter, double u[4])
{
    philox4x32_ctr_t c = {{counter, path, (uint32_t)stream, (uint32_t)(stream >> 32)}};
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t r = philox4x32(c, k);
    for (int i = 0; i < 4; i++) u[i] = ((double)r.v[i] + 0.5) * (1.0 / 4294967296.0);
}

/* Four independent standard normals (Box-Muller on the four uniforms above). */
REGIA_HD static inline void regia_rng_normal4(uint64_t seed, uint64_t stream, uint32_t path,
                                              uint32_t counter, double z[4])
{
    double u[4];
    regia_rng_uniform4(seed, stream, path, counter, u);
    for (int i = 0; i < 4; i += 2) {
        double r = sqrt(-2.0 * log(u[i]));
        double a = 6.283185307179586476925 * u[i + 1];
        z[i] = r * cos(a);
        z[i + 1] = r * sin(a);
    }
}

#endif
