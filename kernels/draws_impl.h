/* draws_impl.h - sequential draws from one Philox stream, for the simulations whose number
 * of draws is not known in advance (queue and slot models; internal to kernels/).
 *
 * A regia_draws_t walks the counters of one (seed, stream, path) of regia/rng.h: four
 * uniforms per counter, used in order.  The distributions below consume a number of
 * uniforms that depends only on the values drawn (rejection samplers), so a simulation
 * that draws in an order fixed by its inputs gets the same numbers on every backend.
 * Host and device code share these functions.  regia_draws_fill computes whole counters
 * on the host 8 at a time in vector registers (SSE4.1, or AVX2 where the CPU has it, 16 at
 * a time as two interleaved groups): the same integer arithmetic, so the same numbers.  Exponential draws use regia_draw_log
 * (draw_log_impl.h), which rounds the same on the host and the device.
 */
#ifndef REGIA_DRAWS_IMPL_H
#define REGIA_DRAWS_IMPL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "draw_log_impl.h"
#include "regia/rng.h"

typedef struct {
    uint64_t seed, stream;
    uint32_t path, ctr;
    int idx;
    double u[4];
} regia_draws_t;

REGIA_HD static inline void regia_draws_init(regia_draws_t *d, uint64_t seed, uint64_t stream, uint32_t path)
{
    d->seed = seed;
    d->stream = stream;
    d->path = path;
    d->ctr = 0;
    d->idx = 4;
}

/* A uniform in the open interval (0, 1). */
REGIA_HD static inline double regia_draw_u(regia_draws_t *d)
{
    if (d->idx == 4) {
        regia_rng_uniform4(d->seed, d->stream, d->path, d->ctr++, d->u);
        d->idx = 0;
    }
    return d->u[d->idx++];
}

#if defined(__SSE4_1__) && !defined(__CUDACC__)
#include <smmintrin.h>
/* The uniforms of 8 consecutive counters ctr .. ctr + 7 of the stream into out (4 per
 * counter, in counter order) on the host's SSE4.1 vector unit: Philox4x32-10 as
 * Random123's philox4x32 computes it (the same rounds, multipliers and key schedule, in
 * exact integer arithmetic), so the same bits as 8 calls of regia_rng_uniform4.  The 32 x
 * 32 -> 64-bit products are pmuludq's, two vectors of 4 counters interleaved. */
enum { REGIA_DRAWS_LANES = 8 };
static inline void regia_draws_mulhilo4(__m128i x, __m128i m, __m128i *hi, __m128i *lo)
{
    const __m128i p02 = _mm_mul_epu32(x, m), p13 = _mm_mul_epu32(_mm_srli_epi64(x, 32), m);
    *lo = _mm_blend_epi16(p02, _mm_slli_epi64(p13, 32), 0xCC);
    *hi = _mm_blend_epi16(_mm_srli_epi64(p02, 32), p13, 0xCC);
}

static inline void regia_draws_lanes(const regia_draws_t *d, uint32_t ctr, double *out)
{
    const __m128i m0 = _mm_set1_epi32((int)PHILOX_M4x32_0), m1 = _mm_set1_epi32((int)PHILOX_M4x32_1);
    __m128i x[2][4];
    for (int g = 0; g < 2; g++) {
        const uint32_t c = ctr + 4u * (uint32_t)g;
        x[g][0] = _mm_setr_epi32((int)c, (int)(c + 1), (int)(c + 2), (int)(c + 3));
        x[g][1] = _mm_set1_epi32((int)d->path);
        x[g][2] = _mm_set1_epi32((int)(uint32_t)d->stream);
        x[g][3] = _mm_set1_epi32((int)(uint32_t)(d->stream >> 32));
    }
    uint32_t k0 = (uint32_t)d->seed, k1 = (uint32_t)(d->seed >> 32);
    for (int round = 0; round < 10; round++) {
        const __m128i vk0 = _mm_set1_epi32((int)k0), vk1 = _mm_set1_epi32((int)k1);
        for (int g = 0; g < 2; g++) {
            __m128i hi0, lo0, hi1, lo1;
            regia_draws_mulhilo4(x[g][0], m0, &hi0, &lo0);
            regia_draws_mulhilo4(x[g][2], m1, &hi1, &lo1);
            x[g][0] = _mm_xor_si128(_mm_xor_si128(hi1, x[g][1]), vk0);
            x[g][2] = _mm_xor_si128(_mm_xor_si128(hi0, x[g][3]), vk1);
            x[g][1] = lo1;
            x[g][3] = lo0;
        }
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
    }
    /* u = (x + 0.5) / 2^32: x as a signed int + 2^31 + 0.5 (exact), times 2^-32 (exact) */
    const __m128i flip = _mm_set1_epi32((int)0x80000000u);
    const __m128d off = _mm_set1_pd(2147483648.5), scale = _mm_set1_pd(1.0 / 4294967296.0);
    for (int g = 0; g < 2; g++) {
        /* transpose: row j = the four words of counter ctr + 4g + j */
        const __m128i t0 = _mm_unpacklo_epi32(x[g][0], x[g][1]), t1 = _mm_unpacklo_epi32(x[g][2], x[g][3]);
        const __m128i t2 = _mm_unpackhi_epi32(x[g][0], x[g][1]), t3 = _mm_unpackhi_epi32(x[g][2], x[g][3]);
        __m128i row[4] = {_mm_unpacklo_epi64(t0, t1), _mm_unpackhi_epi64(t0, t1), _mm_unpacklo_epi64(t2, t3),
                          _mm_unpackhi_epi64(t2, t3)};
        for (int j = 0; j < 4; j++) {
            const __m128i s = _mm_xor_si128(row[j], flip);
            double *o = out + 16 * g + 4 * j;
            _mm_storeu_pd(o, _mm_mul_pd(_mm_add_pd(_mm_cvtepi32_pd(s), off), scale));
            _mm_storeu_pd(o + 2, _mm_mul_pd(_mm_add_pd(_mm_cvtepi32_pd(_mm_srli_si128(s, 8)), off), scale));
        }
    }
}
#define REGIA_DRAWS_HAVE_LANES 1
#endif

#if defined(REGIA_DRAWS_HAVE_LANES) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* The same 8 counters with AVX2 (256-bit lanes), for hosts that have it (checked at run
 * time with regia_draws_avx2()): the same integer arithmetic, so the same bits. */
__attribute__((target("avx2"))) static inline void regia_draws_lanes_avx2(const regia_draws_t *d, uint32_t ctr,
                                                                          double *out)
{
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M4x32_0), m1 = _mm256_set1_epi32((int)PHILOX_M4x32_1);
    __m256i x0 = _mm256_add_epi32(_mm256_set1_epi32((int)ctr), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256i x1 = _mm256_set1_epi32((int)d->path), x2 = _mm256_set1_epi32((int)(uint32_t)d->stream);
    __m256i x3 = _mm256_set1_epi32((int)(uint32_t)(d->stream >> 32));
    uint32_t k0 = (uint32_t)d->seed, k1 = (uint32_t)(d->seed >> 32);
    for (int round = 0; round < 10; round++) {
        const __m256i p02a = _mm256_mul_epu32(x0, m0), p13a = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), m0);
        const __m256i p02b = _mm256_mul_epu32(x2, m1), p13b = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), m1);
        const __m256i lo0 = _mm256_blend_epi32(p02a, _mm256_slli_epi64(p13a, 32), 0xAA);
        const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(p02a, 32), p13a, 0xAA);
        const __m256i lo1 = _mm256_blend_epi32(p02b, _mm256_slli_epi64(p13b, 32), 0xAA);
        const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(p02b, 32), p13b, 0xAA);
        x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32((int)k0));
        x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32((int)k1));
        x1 = lo1;
        x3 = lo0;
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
    }
    const __m256i flip = _mm256_set1_epi32((int)0x80000000u);
    const __m256d off = _mm256_set1_pd(2147483648.5), scale = _mm256_set1_pd(1.0 / 4294967296.0);
    /* transpose within each 128-bit half: rows = counters (j, j + 4 in the two halves) */
    const __m256i t0 = _mm256_unpacklo_epi32(x0, x1), t1 = _mm256_unpacklo_epi32(x2, x3);
    const __m256i t2 = _mm256_unpackhi_epi32(x0, x1), t3 = _mm256_unpackhi_epi32(x2, x3);
    const __m256i row[4] = {_mm256_unpacklo_epi64(t0, t1), _mm256_unpackhi_epi64(t0, t1),
                            _mm256_unpacklo_epi64(t2, t3), _mm256_unpackhi_epi64(t2, t3)};
    for (int j = 0; j < 4; j++) {
        const __m256i s = _mm256_xor_si256(row[j], flip);
        _mm256_storeu_pd(out + 4 * j,
                         _mm256_mul_pd(_mm256_add_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(s)), off), scale));
        _mm256_storeu_pd(out + 16 + 4 * j,
                         _mm256_mul_pd(_mm256_add_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(s, 1)), off), scale));
    }
}
/* Sixteen counters ctr .. ctr + 15 as two interleaved groups of eight (the rounds of one
 * group are a chain of dependent steps; two chains fill the vector units' idle slots):
 * the same bits as two calls of regia_draws_lanes_avx2. */
__attribute__((target("avx2"))) static inline void regia_draws_lanes2_avx2(const regia_draws_t *d, uint32_t ctr,
                                                                           double *out)
{
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M4x32_0), m1 = _mm256_set1_epi32((int)PHILOX_M4x32_1);
    __m256i x[2][4];
    for (int g = 0; g < 2; g++) {
        x[g][0] = _mm256_add_epi32(_mm256_set1_epi32((int)(ctr + 8u * (uint32_t)g)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        x[g][1] = _mm256_set1_epi32((int)d->path);
        x[g][2] = _mm256_set1_epi32((int)(uint32_t)d->stream);
        x[g][3] = _mm256_set1_epi32((int)(uint32_t)(d->stream >> 32));
    }
    uint32_t k0 = (uint32_t)d->seed, k1 = (uint32_t)(d->seed >> 32);
    for (int round = 0; round < 10; round++) {
        const __m256i vk0 = _mm256_set1_epi32((int)k0), vk1 = _mm256_set1_epi32((int)k1);
        for (int g = 0; g < 2; g++) {
            const __m256i p02a = _mm256_mul_epu32(x[g][0], m0), p13a = _mm256_mul_epu32(_mm256_srli_epi64(x[g][0], 32), m0);
            const __m256i p02b = _mm256_mul_epu32(x[g][2], m1), p13b = _mm256_mul_epu32(_mm256_srli_epi64(x[g][2], 32), m1);
            const __m256i lo0 = _mm256_blend_epi32(p02a, _mm256_slli_epi64(p13a, 32), 0xAA);
            const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(p02a, 32), p13a, 0xAA);
            const __m256i lo1 = _mm256_blend_epi32(p02b, _mm256_slli_epi64(p13b, 32), 0xAA);
            const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(p02b, 32), p13b, 0xAA);
            x[g][0] = _mm256_xor_si256(_mm256_xor_si256(hi1, x[g][1]), vk0);
            x[g][2] = _mm256_xor_si256(_mm256_xor_si256(hi0, x[g][3]), vk1);
            x[g][1] = lo1;
            x[g][3] = lo0;
        }
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
    }
    const __m256i flip = _mm256_set1_epi32((int)0x80000000u);
    const __m256d off = _mm256_set1_pd(2147483648.5), scale = _mm256_set1_pd(1.0 / 4294967296.0);
    for (int g = 0; g < 2; g++) {
        const __m256i t0 = _mm256_unpacklo_epi32(x[g][0], x[g][1]), t1 = _mm256_unpacklo_epi32(x[g][2], x[g][3]);
        const __m256i t2 = _mm256_unpackhi_epi32(x[g][0], x[g][1]), t3 = _mm256_unpackhi_epi32(x[g][2], x[g][3]);
        const __m256i row[4] = {_mm256_unpacklo_epi64(t0, t1), _mm256_unpackhi_epi64(t0, t1),
                                _mm256_unpacklo_epi64(t2, t3), _mm256_unpackhi_epi64(t2, t3)};
        double *o = out + 32 * g;
        for (int j = 0; j < 4; j++) {
            const __m256i sv = _mm256_xor_si256(row[j], flip);
            _mm256_storeu_pd(o + 4 * j, _mm256_mul_pd(_mm256_add_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(sv)), off), scale));
            _mm256_storeu_pd(o + 16 + 4 * j,
                             _mm256_mul_pd(_mm256_add_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(sv, 1)), off), scale));
        }
    }
}
#define REGIA_DRAWS_HAVE_AVX2 1
#endif

#if defined(REGIA_DRAWS_HAVE_AVX2)
/* AVX-512 (F, DQ, BW, VL), for hosts that have it (checked at run time with
 * regia_draws_avx512()): sixteen counters in one vector, two interleaved groups of
 * sixteen, the same integer arithmetic, so the same bits as regia_rng_uniform4.  Lane p
 * of a group holds counter 4 (p % 4) + p / 4, so that after the 4 x 4 transposes within
 * each 128-bit lane, row r holds counters 4r .. 4r + 3 in order: two conversions and two
 * stores a row.  u = (x + 0.5) 2^-32 with x converted unsigned (exact), as the other
 * forms compute it (their signed conversion plus 2^31 + 0.5 is the same exact sum). */
#define REGIA_DRAWS_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,bmi2")))
static inline int regia_draws_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

/* G groups of 16 counters ctr + 16 g .. (G = 1 or 2) into out (64 G uniforms). */
REGIA_DRAWS_AVX512 static inline void regia_draws_lanes_avx512(const regia_draws_t *d, uint32_t ctr, double *out,
                                                               const int G)
{
    const __m512i m0 = _mm512_set1_epi32((int)PHILOX_M4x32_0), m1 = _mm512_set1_epi32((int)PHILOX_M4x32_1);
    const __m512i perm = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    __m512i x[2][4];
    for (int g = 0; g < G; g++) {
        x[g][0] = _mm512_add_epi32(_mm512_set1_epi32((int)(ctr + 16u * (uint32_t)g)), perm);
        x[g][1] = _mm512_set1_epi32((int)d->path);
        x[g][2] = _mm512_set1_epi32((int)(uint32_t)d->stream);
        x[g][3] = _mm512_set1_epi32((int)(uint32_t)(d->stream >> 32));
    }
    uint32_t k0 = (uint32_t)d->seed, k1 = (uint32_t)(d->seed >> 32);
    for (int round = 0; round < 10; round++) {
        const __m512i vk0 = _mm512_set1_epi32((int)k0), vk1 = _mm512_set1_epi32((int)k1);
        for (int g = 0; g < G; g++) {
            /* 32 x 32 -> 64-bit products of the even and the odd lanes; then the low and
             * the high words of each lane's product gathered by one masked shuffle each */
            const __m512i p02a = _mm512_mul_epu32(x[g][0], m0), p13a = _mm512_mul_epu32(_mm512_srli_epi64(x[g][0], 32), m0);
            const __m512i p02b = _mm512_mul_epu32(x[g][2], m1), p13b = _mm512_mul_epu32(_mm512_srli_epi64(x[g][2], 32), m1);
            const __m512i lo0 = _mm512_mask_shuffle_epi32(p02a, 0xAAAA, p13a, _MM_PERM_CDAB);
            const __m512i hi0 = _mm512_mask_shuffle_epi32(p13a, 0x5555, p02a, _MM_PERM_CDAB);
            const __m512i lo1 = _mm512_mask_shuffle_epi32(p02b, 0xAAAA, p13b, _MM_PERM_CDAB);
            const __m512i hi1 = _mm512_mask_shuffle_epi32(p13b, 0x5555, p02b, _MM_PERM_CDAB);
            x[g][0] = _mm512_ternarylogic_epi32(hi1, x[g][1], vk0, 0x96); /* hi1 ^ x1 ^ k0 */
            x[g][2] = _mm512_ternarylogic_epi32(hi0, x[g][3], vk1, 0x96);
            x[g][1] = lo1;
            x[g][3] = lo0;
        }
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
    }
    const __m512d half = _mm512_set1_pd(0.5), scale = _mm512_set1_pd(1.0 / 4294967296.0);
    for (int g = 0; g < G; g++) {
        const __m512i t0 = _mm512_unpacklo_epi32(x[g][0], x[g][1]), t1 = _mm512_unpacklo_epi32(x[g][2], x[g][3]);
        const __m512i t2 = _mm512_unpackhi_epi32(x[g][0], x[g][1]), t3 = _mm512_unpackhi_epi32(x[g][2], x[g][3]);
        const __m512i row[4] = {_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1),
                                _mm512_unpacklo_epi64(t2, t3), _mm512_unpackhi_epi64(t2, t3)};
        double *o = out + 64 * g;
        for (int r = 0; r < 4; r++) {
            const __m512d lo = _mm512_cvtepu32_pd(_mm512_castsi512_si256(row[r]));
            const __m512d hi = _mm512_cvtepu32_pd(_mm512_extracti64x4_epi64(row[r], 1));
            _mm512_storeu_pd(o + 16 * r, _mm512_mul_pd(_mm512_add_pd(lo, half), scale));
            _mm512_storeu_pd(o + 16 * r + 8, _mm512_mul_pd(_mm512_add_pd(hi, half), scale));
        }
    }
}

/* regia_draws_fill on an AVX-512 host: the same numbers, 32 counters at a time. */
REGIA_DRAWS_AVX512 static inline void regia_draws_fill_avx512(regia_draws_t *d, int n, double *out)
{
    int i = 0;
    while (i < n && d->idx < 4) out[i++] = d->u[d->idx++];
    for (; i + 128 <= n; i += 128) {
        regia_draws_lanes_avx512(d, d->ctr, out + i, 2);
        d->ctr += 32;
    }
    for (; i + 64 <= n; i += 64) {
        regia_draws_lanes_avx512(d, d->ctr, out + i, 1);
        d->ctr += 16;
    }
    if (i < n) {
        /* the rest from 16 more counters: those used consumed, the last one's unused
         * uniforms kept for the next draws */
        double tmp[64];
        regia_draws_lanes_avx512(d, d->ctr, tmp, 1);
        const int m = n - i, used = (m + 3) / 4;
        for (int j = 0; j < m; j++) out[i + j] = tmp[j];
        for (int j = 0; j < 4; j++) d->u[j] = tmp[4 * (used - 1) + j];
        d->ctr += (uint32_t)used;
        d->idx = m - 4 * (used - 1);
    }
}
#define REGIA_DRAWS_HAVE_AVX512 1
#endif

/* The next n uniforms of the stream into out: the same numbers as n calls of
 * regia_draw_u, with whole counters written straight to out (no per-draw branch), on a
 * host with SSE4.1 REGIA_DRAWS_LANES counters at a time. */
REGIA_HD static inline void regia_draws_fill(regia_draws_t *d, int n, double *out)
{
    int i = 0;
    while (i < n && d->idx < 4) out[i++] = d->u[d->idx++];
#if defined(REGIA_DRAWS_HAVE_LANES)
#if defined(REGIA_DRAWS_HAVE_AVX2)
    const int avx2 = __builtin_cpu_supports("avx2");
#define REGIA_DRAWS_LANES_CALL(ctr, o) (avx2 ? regia_draws_lanes_avx2(d, ctr, o) : regia_draws_lanes(d, ctr, o))
#else
#define REGIA_DRAWS_LANES_CALL(ctr, o) regia_draws_lanes(d, ctr, o)
#endif
#if defined(REGIA_DRAWS_HAVE_AVX2)
    if (avx2)
        for (; i + 8 * REGIA_DRAWS_LANES <= n; i += 8 * REGIA_DRAWS_LANES) {
            regia_draws_lanes2_avx2(d, d->ctr, out + i);
            d->ctr += 2 * REGIA_DRAWS_LANES;
        }
#endif
    for (; i + 4 * REGIA_DRAWS_LANES <= n; i += 4 * REGIA_DRAWS_LANES) {
        REGIA_DRAWS_LANES_CALL(d->ctr, out + i);
        d->ctr += REGIA_DRAWS_LANES;
    }
    if (i + 4 < n) {
        /* the rest from one more set of lanes: the counters used, the last one's unused
         * uniforms kept for the next draws (counters beyond it are not consumed) */
        double tmp[4 * REGIA_DRAWS_LANES];
        REGIA_DRAWS_LANES_CALL(d->ctr, tmp);
        const int m = n - i, used = (m + 3) / 4;
        for (int j = 0; j < m; j++) out[i + j] = tmp[j];
        for (int j = 0; j < 4; j++) d->u[j] = tmp[4 * (used - 1) + j];
        d->ctr += (uint32_t)used;
        d->idx = m - 4 * (used - 1);
        return;
    }
#undef REGIA_DRAWS_LANES_CALL
#endif
    for (; i + 4 <= n; i += 4) regia_rng_uniform4(d->seed, d->stream, d->path, d->ctr++, out + i);
    while (i < n) out[i++] = regia_draw_u(d);
}

/* An exponential of the given mean: -mean log(u) with the logarithm above. */
REGIA_HD static inline double regia_draw_exp(regia_draws_t *d, double mean)
{
    return -mean * regia_draw_log(regia_draw_u(d));
}

/* A standard normal (Box-Muller on two uniforms; the second normal of the pair is not
 * kept, so that a draw never carries state beyond the stream position). */
REGIA_HD static inline double regia_draw_normal(regia_draws_t *d)
{
    double u1 = regia_draw_u(d), u2 = regia_draw_u(d);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

/* Gamma(shape, 1): Marsaglia and Tsang (2000); shape < 1 by the boost
 * Gamma(a) = Gamma(a + 1) U^(1/a). */
REGIA_HD static inline double regia_draw_gamma(regia_draws_t *d, double shape)
{
    double boost = 1.0;
    if (shape < 1.0) {
        boost = pow(regia_draw_u(d), 1.0 / shape);
        shape += 1.0;
    }
    const double dd = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * dd);
    for (;;) {
        double x = regia_draw_normal(d), v = 1.0 + c * x;
        if (v <= 0) continue;
        v = v * v * v;
        double u = regia_draw_u(d);
        if (log(u) < 0.5 * x * x + dd - dd * v + dd * log(v)) return boost * dd * v;
    }
}

/* Poisson(mean): inversion by sequential search below mean 12, else Hormann's
 * transformed rejection with squeeze (PTRS, 1993), two uniforms per try. */
REGIA_HD static inline int64_t regia_draw_poisson(regia_draws_t *d, double mean)
{
    if (!(mean > 0)) return 0;
    if (mean < 12) {
        double u = regia_draw_u(d), p = exp(-mean), cdf = p;
        int64_t k = 0;
        while (u > cdf && k < 1000) {
            k++;
            p *= mean / (double)k;
            cdf += p;
        }
        return k;
    }
    const double slam = sqrt(mean), loglam = log(mean);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = regia_draw_u(d) - 0.5, v = regia_draw_u(d);
        double us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= vr) return (int64_t)k;
        if (k < 0 || (us < 0.013 && v > us)) continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -mean + k * loglam - lgamma(k + 1)) return (int64_t)k;
    }
}

#endif
