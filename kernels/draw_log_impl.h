/* draw_log_impl.h - the logarithm of the queue simulation's exponential draws, the same
 * bits on the host and on CUDA devices (internal to kernels/).
 *
 * regia_draw_log(u) is log(u) for a uniform of the stream (u = (x + 0.5) / 2^32, x a 32-bit integer: u has at
 * most 33 significant bits and lies in [2^-33, 1 - 2^-33]), the same bits on the host and
 * on CUDA devices: plain IEEE double additions and multiplications, none fused (C17 mode
 * does not contract, and nvcc runs with -fmad=false), no library call.  Within 0.51 ulp
 * of the exact logarithm (glibc's log is within 0.52; the two differ in the last bit for
 * about 0.08 % of the uniforms; tests/unit/test_k_queue.c checks 10^6 of them against
 * logl).  The method is that of glibc's log (ARM optimized-routines): u = 2^k z with z in
 * [0x1.6p-1, 0x1.6p0), one of 128 subintervals of z picked by its leading mantissa bits,
 * log(u) = k ln2 + log(1/invc) + log1p(z invc - 1).  Here invc, 1/c for the
 * subinterval's centre c, is rounded to 20 significant bits, so that z invc is exact (33 +
 * 20 bits) and r = z invc - 1 is exact without a fused multiply-add; the two
 * subintervals next to 1 use invc = 1, so that u near 1 keeps its relative accuracy.
 * log(1/invc) is tabulated as hi + lo with hi a multiple of 2^-42 (k ln2hi + hi is
 * exact); log1p(r), |r| < 2^-7, is the Taylor polynomial to r^8, and the sum k ln2hi + hi
 * + r is formed with its rounding error kept (Fast2Sum).  The table is made by
 * scripts/gen_draw_log_table.py.  The argument reduction and ln 2 are log_impl.h's
 * (regia_log_split), whose comment says why the two logarithms are not one. */
#ifndef REGIA_DRAW_LOG_IMPL_H
#define REGIA_DRAW_LOG_IMPL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "log_impl.h" /* regia_log_split, REGIA_LN2_HI/LO: the reduction both logarithms share */
#include "regia/rng.h" /* REGIA_HD */

#define REGIA_DRAW_LOG_TAB_VALUES \
    { \
    {0x1.734f000000000p+0, -0x1.7cc7d5db46000p-2, -0x1.059ebed21a2d6p-46}, \
    {0x1.7137800000000p+0, -0x1.76fed9b947000p-2, 0x1.5d446c5602afbp-46}, \
    {0x1.6f26000000000p+0, -0x1.713e2fa46a000p-2, -0x1.5b9b260293f1bp-46}, \
    {0x1.6d1a600000000p+0, -0x1.6b85ae0ffa000p-2, -0x1.d0d750a0304ffp-45}, \
    {0x1.6b14a00000000p+0, -0x1.65d58414cd000p-2, -0x1.6d82e7ee26335p-46}, \
    {0x1.6914800000000p+0, -0x1.602d2baf09000p-2, 0x1.e985ac2f98b36p-44}, \
    {0x1.671a000000000p+0, -0x1.5a8cd1bbed000p-2, -0x1.6038742507ac8p-44}, \
    {0x1.6525000000000p+0, -0x1.54f447b7be000p-2, 0x1.0fb5530ccd276p-45}, \
    {0x1.6335600000000p+0, -0x1.4f635d7ba9000p-2, 0x1.26ecc553375c1p-47}, \
    {0x1.614b400000000p+0, -0x1.49da9abbcc000p-2, 0x1.c9b3117fe2fa9p-46}, \
    {0x1.5f66400000000p+0, -0x1.445914853a000p-2, 0x1.6bcac5b25c98ep-46}, \
    {0x1.5d86800000000p+0, -0x1.3edf513c16000p-2, -0x1.d3183dd6f7e5dp-44}, \
    {0x1.5babc00000000p+0, -0x1.396cbed9bb000p-2, -0x1.3ad8b77ef61c8p-44}, \
    {0x1.59d6200000000p+0, -0x1.3401e3eaed000p-2, 0x1.1b8f355526e72p-44}, \
    {0x1.5805600000000p+0, -0x1.2e9e2b8e12000p-2, -0x1.42f0c128d1317p-45}, \
    {0x1.5639800000000p+0, -0x1.2941bcb187000p-2, 0x1.758c2abbf8d51p-44}, \
    {0x1.5472600000000p+0, -0x1.23ec5e51ec000p-2, 0x1.790644813ffcdp-44}, \
    {0x1.52b0000000000p+0, -0x1.1e9e367889000p-2, -0x1.f45475b87c132p-46}, \
    {0x1.50f2200000000p+0, -0x1.1956a8f9bb000p-2, -0x1.2ccfa067db84cp-44}, \
    {0x1.4f39000000000p+0, -0x1.14169cf367000p-2, -0x1.ec080eeda7de4p-48}, \
    {0x1.4d84400000000p+0, -0x1.0edd128b78000p-2, 0x1.6f64a811a7574p-47}, \
    {0x1.4bd3e00000000p+0, -0x1.09aa2c6e6c000p-2, 0x1.dcbdfb577d97bp-44}, \
    {0x1.4a28000000000p+0, -0x1.047e70cde8000p-2, -0x1.b7be26fc852cep-46}, \
    {0x1.4880600000000p+0, -0x1.feb279be9e000p-3, -0x1.5258e145d5717p-44}, \
    {0x1.46dce00000000p+0, -0x1.f4749cb4e0000p-3, 0x1.ef6c9f77b5613p-44}, \
    {0x1.453da00000000p+0, -0x1.ea4455704a000p-3, -0x1.4e0966470a4e0p-44}, \
    {0x1.43a2800000000p+0, -0x1.e0211e6234000p-3, -0x1.c50220342ba25p-49}, \
    {0x1.420b600000000p+0, -0x1.d60a6e7902000p-3, 0x1.04b5eca64ffe7p-44}, \
    {0x1.4078200000000p+0, -0x1.cbffb91db2000p-3, -0x1.161436d1c6e01p-47}, \
    {0x1.3ee9000000000p+0, -0x1.c202d6b17e000p-3, -0x1.923e6ac71954ep-46}, \
    {0x1.3d5da00000000p+0, -0x1.b8119f8b82000p-3, 0x1.f5196dee7c1abp-46}, \
    {0x1.3bd6000000000p+0, -0x1.ae2c4ef670000p-3, -0x1.b28d3f2aa3c59p-44}, \
    {0x1.3a52400000000p+0, -0x1.a453f12e6a000p-3, -0x1.1e877c0339c0ap-44}, \
    {0x1.38d2200000000p+0, -0x1.9a87225eb8000p-3, -0x1.9fc7899a19b8cp-44}, \
    {0x1.3755c00000000p+0, -0x1.90c6ee9fcc000p-3, 0x1.23efab29e16a0p-45}, \
    {0x1.35dce00000000p+0, -0x1.8711ebf50e000p-3, -0x1.be1ac6b68262dp-46}, \
    {0x1.3467a00000000p+0, -0x1.7d69264af6000p-3, 0x1.3acb571259142p-44}, \
    {0x1.32f5c00000000p+0, -0x1.73cb2d74fa000p-3, -0x1.607547b4b6373p-44}, \
    {0x1.3187800000000p+0, -0x1.6a39e3abbc000p-3, -0x1.7d97f1c91e95bp-49}, \
    {0x1.301c800000000p+0, -0x1.60b2fe0b0a000p-3, 0x1.99c56cd54f81ap-44}, \
    {0x1.2eb4e00000000p+0, -0x1.5737881018000p-3, 0x1.5dbb25512afe9p-45}, \
    {0x1.2d50a00000000p+0, -0x1.4dc7b817bc000p-3, -0x1.c75b60ae1d464p-47}, \
    {0x1.2befa00000000p+0, -0x1.4462ea5c9a000p-3, -0x1.55727a33453a2p-44}, \
    {0x1.2a91c00000000p+0, -0x1.3b0877757e000p-3, -0x1.94059aa896d0fp-46}, \
    {0x1.2937200000000p+0, -0x1.31b96d53a4000p-3, -0x1.2d90ebb856226p-44}, \
    {0x1.27dfa00000000p+0, -0x1.287523411a000p-3, -0x1.298ce2bfffd7bp-44}, \
    {0x1.268b400000000p+0, -0x1.1f3bcb5f26000p-3, 0x1.edfd32e309011p-44}, \
    {0x1.2539e00000000p+0, -0x1.160cb8a4b2000p-3, 0x1.31e2c6c26b149p-45}, \
    {0x1.23eb800000000p+0, -0x1.0ce81adccc000p-3, 0x1.6dd68ab4302aap-45}, \
    {0x1.22a0200000000p+0, -0x1.03ce22251c000p-3, -0x1.bac3e99aceda0p-45}, \
    {0x1.2157a00000000p+0, -0x1.f57c38d900000p-4, 0x1.315e462e97bb0p-44}, \
    {0x1.2012000000000p+0, -0x1.e3706ee304000p-4, -0x1.fed09cb978024p-46}, \
    {0x1.1ecf400000000p+0, -0x1.d179428218000p-4, -0x1.b6467523e7d9ap-45}, \
    {0x1.1d8f600000000p+0, -0x1.bf971069fc000p-4, 0x1.a97b8e7fd0954p-44}, \
    {0x1.1c52200000000p+0, -0x1.adc69be5a8000p-4, -0x1.79f28f94e1300p-46}, \
    {0x1.1b17c00000000p+0, -0x1.9c0bd4d4d0000p-4, -0x1.4063f1de4a319p-44}, \
    {0x1.19e0200000000p+0, -0x1.8a6548a918000p-4, -0x1.b610e5a38546ep-46}, \
    {0x1.18ab000000000p+0, -0x1.78cfaa63d8000p-4, 0x1.94c959a092f20p-44}, \
    {0x1.1778a00000000p+0, -0x1.674ef19364000p-4, -0x1.971194b9fb856p-44}, \
    {0x1.1648e00000000p+0, -0x1.55e1a150dc000p-4, -0x1.0e32fd529c98dp-44}, \
    {0x1.151ba00000000p+0, -0x1.4486353dbc000p-4, -0x1.190c71accaf45p-44}, \
    {0x1.13f0e00000000p+0, -0x1.333cfc8180000p-4, -0x1.dc6e993cbe4b0p-44}, \
    {0x1.12c8c00000000p+0, -0x1.220823c784000p-4, 0x1.82394bcf07e29p-47}, \
    {0x1.11a3000000000p+0, -0x1.10e4433cb0000p-4, 0x1.8ef69296a3466p-44}, \
    {0x1.107fc00000000p+0, -0x1.ffa70d1ab8000p-5, -0x1.fe465f8137b9fp-48}, \
    {0x1.0f5ee00000000p+0, -0x1.dda8b7c680000p-5, 0x1.1caac64d4aed9p-45}, \
    {0x1.0e40600000000p+0, -0x1.bbce1dc690000p-5, 0x1.2c061ce4c0fafp-44}, \
    {0x1.0d24400000000p+0, -0x1.9a17d75740000p-5, 0x1.de42e7ba3af0fp-44}, \
    {0x1.0c0a800000000p+0, -0x1.78867da358000p-5, 0x1.e6ac2c308269bp-44}, \
    {0x1.0af3000000000p+0, -0x1.5716d4c038000p-5, -0x1.abb976786d0a2p-47}, \
    {0x1.09ddc00000000p+0, -0x1.35c96baa10000p-5, -0x1.386fb257a2a1fp-45}, \
    {0x1.08cac00000000p+0, -0x1.149ed24008000p-5, 0x1.d6b8a79473ec5p-44}, \
    {0x1.07ba000000000p+0, -0x1.e72f328120000p-6, -0x1.f145a379992cep-44}, \
    {0x1.06ab600000000p+0, -0x1.a560d88c50000p-6, -0x1.eaf47faaf821fp-44}, \
    {0x1.059ee00000000p+0, -0x1.63d3a38680000p-6, -0x1.2d0fd363c5e45p-44}, \
    {0x1.0494a00000000p+0, -0x1.22907dfea0000p-6, -0x1.9d5c67bc16395p-46}, \
    {0x1.038c600000000p+0, -0x1.c311904c60000p-7, 0x1.41bb5df800f51p-44}, \
    {0x1.0286400000000p+0, -0x1.418acf9640000p-7, -0x1.897d9bbc5ea9fp-45}, \
    {0x1.0182400000000p+0, -0x1.811dc14580000p-8, -0x1.0340d3d54fa95p-48}, \
    {0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0}, \
    {0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0}, \
    {0x1.fa11c00000000p-1, 0x1.7dc725f820000p-7, -0x1.03f24279a767ap-44}, \
    {0x1.f631000000000p-1, 0x1.3ceba43470000p-6, -0x1.e0b0fed853743p-46}, \
    {0x1.f25f600000000p-1, 0x1.b9fc8e7b00000p-6, -0x1.9358107695779p-44}, \
    {0x1.ee9c800000000p-1, 0x1.1b0d909240000p-5, -0x1.3381e9ae9df10p-44}, \
    {0x1.eae8000000000p-1, 0x1.58a63afc90000p-5, -0x1.656e6d58c041cp-46}, \
    {0x1.e741a00000000p-1, 0x1.95c8deec90000p-5, 0x1.7c7dd367a2fd4p-49}, \
    {0x1.e3a9200000000p-1, 0x1.d2762aadb0000p-5, 0x1.f0311a9843dc5p-45}, \
    {0x1.e01e000000000p-1, 0x1.0759935990000p-4, -0x1.b0ecfe4604432p-44}, \
    {0x1.dca0200000000p-1, 0x1.253f4ff0a0000p-4, 0x1.4cb78fadac1acp-44}, \
    {0x1.d92f200000000p-1, 0x1.42eddeea64000p-4, 0x1.e92eeecb83024p-46}, \
    {0x1.d5cac00000000p-1, 0x1.6065d09374000p-4, 0x1.a55b1fad39aa8p-44}, \
    {0x1.d272c00000000p-1, 0x1.7da7c0d7b4000p-4, -0x1.d617b802bb66bp-44}, \
    {0x1.cf26e00000000p-1, 0x1.9ab4576204000p-4, -0x1.cfa9021c2a05bp-46}, \
    {0x1.cbe6e00000000p-1, 0x1.b78c47bb10000p-4, -0x1.724ef99e084c6p-45}, \
    {0x1.c8b2600000000p-1, 0x1.d4317066cc000p-4, -0x1.e3886c6f86dc0p-46}, \
    {0x1.c589400000000p-1, 0x1.f0a3820118000p-4, -0x1.13cefec05b2c1p-47}, \
    {0x1.c26b600000000p-1, 0x1.067118aca6000p-3, 0x1.799a7784b454ap-45}, \
    {0x1.bf58400000000p-1, 0x1.1478534674000p-3, 0x1.62b450fd471fbp-46}, \
    {0x1.bc4fe00000000p-1, 0x1.2266c510a6000p-3, 0x1.43de9aa02c927p-46}, \
    {0x1.b951e00000000p-1, 0x1.303d7e0e48000p-3, 0x1.bcfa541914558p-49}, \
    {0x1.b65e200000000p-1, 0x1.3dfc6d8ece000p-3, -0x1.11fea0f2e5561p-44}, \
    {0x1.b374800000000p-1, 0x1.4ba38539a6000p-3, -0x1.06d4bad036f2cp-44}, \
    {0x1.b094c00000000p-1, 0x1.5933509982000p-3, 0x1.e1da5f7af2e77p-44}, \
    {0x1.adbe800000000p-1, 0x1.66acfa272c000p-3, -0x1.a16421c7fe2a6p-44}, \
    {0x1.aaf1e00000000p-1, 0x1.740f50d404000p-3, 0x1.b9c259018bcafp-45}, \
    {0x1.a82e600000000p-1, 0x1.815c229436000p-3, -0x1.6f3a5df1a2efap-45}, \
    {0x1.a574200000000p-1, 0x1.8e92426888000p-3, 0x1.c274e643554fbp-46}, \
    {0x1.a2c2a00000000p-1, 0x1.9bb38c67e0000p-3, 0x1.1ecaf7684cd87p-46}, \
    {0x1.a01a000000000p-1, 0x1.a8bed7c882000p-3, 0x1.eb185cf770f25p-44}, \
    {0x1.9d7a000000000p-1, 0x1.b5b4d1e8fc000p-3, 0x1.3c8dc20fee737p-44}, \
    {0x1.9ae2400000000p-1, 0x1.c296ce58c2000p-3, 0x1.b23470dd26c50p-44}, \
    {0x1.9853000000000p-1, 0x1.cf6308e09e000p-3, -0x1.c9dbd431ae023p-46}, \
    {0x1.95cbc00000000p-1, 0x1.dc1b7d0ac0000p-3, 0x1.d3301f3bfff48p-46}, \
    {0x1.934c600000000p-1, 0x1.e8c04daaa6000p-3, 0x1.90526acb3d24ap-48}, \
    {0x1.90d5000000000p-1, 0x1.f5505964ba000p-3, -0x1.c71f2ee13a436p-44}, \
    {0x1.8e65200000000p-1, 0x1.00e6d81ad5000p-2, 0x1.94734bad64c64p-45}, \
    {0x1.8bfce00000000p-1, 0x1.071b9abcd6000p-2, -0x1.cae16eaafbd62p-45}, \
    {0x1.899c000000000p-1, 0x1.0d46dd79ac000p-2, 0x1.e5906872c81ffp-45}, \
    {0x1.8742800000000p-1, 0x1.136865293b000p-2, -0x1.97684a0c51bbfp-44}, \
    {0x1.84f0000000000p-1, 0x1.1980f2dd43000p-2, -0x1.24262183a4308p-44}, \
    {0x1.82a4a00000000p-1, 0x1.1f8ffa248a000p-2, 0x1.7956c040cc921p-45}, \
    {0x1.8060200000000p-1, 0x1.2595ebcdf8000p-2, -0x1.8fbc40faba0acp-44}, \
    {0x1.7e22600000000p-1, 0x1.2b92e66b8a000p-2, 0x1.e9dec249274f0p-45}, \
    {0x1.7beb400000000p-1, 0x1.31870a1544000p-2, 0x1.0c5eac43989bep-44}, \
    {0x1.79baa00000000p-1, 0x1.3772786bfe000p-2, -0x1.42bb68cab2a61p-44}, \
    {0x1.7790800000000p-1, 0x1.3d54fd5c1f000p-2, 0x1.c861cd9c795e3p-44}, \
    {0x1.756ca00000000p-1, 0x1.432f13e04f000p-2, 0x1.6dab962f1a293p-47}, \
    }
static const double regia_draw_log_tab_host[128][3] = REGIA_DRAW_LOG_TAB_VALUES;
#ifdef __CUDACC__
__device__ static const double regia_draw_log_tab_dev[128][3] = REGIA_DRAW_LOG_TAB_VALUES;
#endif

REGIA_HD static inline double regia_draw_log(double u)
{
    const double ln2hi = REGIA_LN2_HI, ln2lo = REGIA_LN2_LO;
    int i;
    double kd, z;
    regia_log_split(regia_log_bits(u), &i, &kd, &z);
#ifdef __CUDA_ARCH__
    const double *c = regia_draw_log_tab_dev[i];
#else
    const double *c = regia_draw_log_tab_host[i];
#endif
    const double r = z * c[0] - 1.0;
    const double w = kd * ln2hi + c[1];
    const double hi = w + r;
    const double lo = ((w - hi) + r) + (kd * ln2lo + c[2]);
    const double r2 = r * r;
    const double p = r2 * ((-0.5 + r * 0x1.5555555555555p-2) + r2 * (-0.25 + r * 0.2) +
                           (r2 * r2) * ((-0x1.5555555555555p-3 + r * 0x1.2492492492492p-3) + r2 * -0.125));
    return hi + (lo + p);
}


#if defined(__x86_64__) && defined(__GNUC__) && !defined(__CUDACC__)
#include <immintrin.h>
/* The table in rows of four (the fourth 0), aligned, for the AVX2 form: one load a row
 * and a transpose are quicker than three gathers. */
static const double regia_draw_log_tab4_host[128][4] __attribute__((aligned(32))) = REGIA_DRAW_LOG_TAB_VALUES;

/* regia_draw_log of four uniforms with AVX2, for hosts that have it (the caller checks
 * with __builtin_cpu_supports("avx2")): the same operations in the same order, none
 * fused, so the same bits as four calls. */
__attribute__((target("avx2"))) static inline __m256d regia_draw_log4_avx2(__m256d u)
{
    const __m256i ix = _mm256_castpd_si256(u);
    const __m256i tmp = _mm256_sub_epi64(ix, _mm256_set1_epi64x(0x3fe6000000000000ll));
    const __m128i hi32 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(tmp, _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7)));
    const __m256d kd = _mm256_cvtepi32_pd(_mm_srai_epi32(hi32, 20));
    const __m256i iz = _mm256_sub_epi64(ix, _mm256_and_si256(tmp, _mm256_set1_epi64x((long long)(0xfffull << 52))));
    const __m256d z = _mm256_castsi256_pd(iz);
    /* the subintervals (bits 45..51 of tmp: bits 13..19 of its high words), their rows */
    const __m128i i32 = _mm_and_si128(_mm_srli_epi32(hi32, 13), _mm_set1_epi32(127));
    const __m256d r0 = _mm256_load_pd(regia_draw_log_tab4_host[_mm_cvtsi128_si32(i32)]);
    const __m256d r1 = _mm256_load_pd(regia_draw_log_tab4_host[_mm_extract_epi32(i32, 1)]);
    const __m256d r2_ = _mm256_load_pd(regia_draw_log_tab4_host[_mm_extract_epi32(i32, 2)]);
    const __m256d r3 = _mm256_load_pd(regia_draw_log_tab4_host[_mm_extract_epi32(i32, 3)]);
    const __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);   /* a0 a1 c0 c1, b0 b1 0 0 */
    const __m256d t2 = _mm256_unpacklo_pd(r2_, r3), t3 = _mm256_unpackhi_pd(r2_, r3); /* a2 a3 c2 c3, b2 b3 0 0 */
    const __m256d invc = _mm256_permute2f128_pd(t0, t2, 0x20), logclo = _mm256_permute2f128_pd(t0, t2, 0x31);
    const __m256d logc = _mm256_permute2f128_pd(t1, t3, 0x20);
    const __m256d r = _mm256_sub_pd(_mm256_mul_pd(z, invc), _mm256_set1_pd(1.0));
    const __m256d w = _mm256_add_pd(_mm256_mul_pd(kd, _mm256_set1_pd(REGIA_LN2_HI)), logc);
    const __m256d hi = _mm256_add_pd(w, r);
    const __m256d lo = _mm256_add_pd(_mm256_add_pd(_mm256_sub_pd(w, hi), r),
                                     _mm256_add_pd(_mm256_mul_pd(kd, _mm256_set1_pd(REGIA_LN2_LO)), logclo));
    const __m256d r2 = _mm256_mul_pd(r, r);
#define REGIA_DL_MA(a, x, b) _mm256_add_pd(_mm256_set1_pd(a), _mm256_mul_pd(x, _mm256_set1_pd(b)))
    const __m256d q1 = REGIA_DL_MA(-0.5, r, 0x1.5555555555555p-2);
    const __m256d q2 = _mm256_mul_pd(r2, REGIA_DL_MA(-0.25, r, 0.2));
    const __m256d q3 = _mm256_add_pd(REGIA_DL_MA(-0x1.5555555555555p-3, r, 0x1.2492492492492p-3),
                                     _mm256_mul_pd(r2, _mm256_set1_pd(-0.125)));
#undef REGIA_DL_MA
    const __m256d p = _mm256_mul_pd(r2, _mm256_add_pd(_mm256_add_pd(q1, q2), _mm256_mul_pd(_mm256_mul_pd(r2, r2), q3)));
    return _mm256_add_pd(hi, _mm256_add_pd(lo, p));
}

/* lg[2i], lg[2i + 1] = regia_draw_log(u[3i + 1]), regia_draw_log(u[3i + 2]) for i < n (n even) */
__attribute__((target("avx2"))) static inline void regia_draw_log_pairs_avx2(const double *u, int n, double *lg)
{
    for (int i = 0; i < n; i += 2) {
        const __m256d v = _mm256_set_m128d(_mm_loadu_pd(u + 3 * i + 4), _mm_loadu_pd(u + 3 * i + 1));
        _mm256_storeu_pd(lg + 2 * i, regia_draw_log4_avx2(v));
    }
}
#define REGIA_DRAW_LOG_HAVE_AVX2 1

/* regia_draw_log of eight uniforms with AVX-512 (F, DQ), for hosts that have it (the
 * caller checks): the same operations in the same order, none fused, so the same bits as
 * eight calls.  k from the 64-bit arithmetic shift (the same integer as the high word's). */
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2"))) static inline __m512d regia_draw_log8_avx512(__m512d u)
{
    const __m512i ix = _mm512_castpd_si512(u);
    const __m512i tmp = _mm512_sub_epi64(ix, _mm512_set1_epi64(0x3fe6000000000000ll));
    const __m512d kd = _mm512_cvtepi64_pd(_mm512_srai_epi64(tmp, 52));
    const __m512d z = _mm512_castsi512_pd(_mm512_sub_epi64(ix, _mm512_and_si512(tmp, _mm512_set1_epi64((long long)(0xfffull << 52)))));
    /* the table's rows of four (invc, logc, logclo, 0) for the eight lanes: the indices
     * through memory to scalar registers, each row one 256-bit load, then an 8 x 4
     * transpose by two-source permutes and 256-bit shuffles (quicker than gathers) */
    long long ix8[8] __attribute__((aligned(64)));
    _mm512_store_si512((__m512i *)ix8, _mm512_and_si512(_mm512_srli_epi64(tmp, 45), _mm512_set1_epi64(127)));
#define REGIA_DL_ROWS(j) \
    _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_load_pd(regia_draw_log_tab4_host[ix8[j]])), \
                       _mm256_load_pd(regia_draw_log_tab4_host[ix8[j + 1]]), 1)
    const __m512d z01 = REGIA_DL_ROWS(0), z23 = REGIA_DL_ROWS(2), z45 = REGIA_DL_ROWS(4), z67 = REGIA_DL_ROWS(6);
#undef REGIA_DL_ROWS
    /* columns 0 and 1 of rows 0..3 (p01) and 4..7 (q01); column 2 likewise */
    const __m512i c01 = _mm512_setr_epi64(0, 4, 8, 12, 1, 5, 9, 13), c2 = _mm512_setr_epi64(2, 6, 10, 14, 2, 6, 10, 14);
    const __m512d p01 = _mm512_permutex2var_pd(z01, c01, z23), q01 = _mm512_permutex2var_pd(z45, c01, z67);
    const __m512d plo = _mm512_permutex2var_pd(z01, c2, z23), qlo = _mm512_permutex2var_pd(z45, c2, z67);
    const __m512d invc = _mm512_shuffle_f64x2(p01, q01, 0x44), logc = _mm512_shuffle_f64x2(p01, q01, 0xEE);
    const __m512d logclo = _mm512_shuffle_f64x2(plo, qlo, 0x44);
    const __m512d r = _mm512_sub_pd(_mm512_mul_pd(z, invc), _mm512_set1_pd(1.0));
    const __m512d w = _mm512_add_pd(_mm512_mul_pd(kd, _mm512_set1_pd(REGIA_LN2_HI)), logc);
    const __m512d hi = _mm512_add_pd(w, r);
    const __m512d lo = _mm512_add_pd(_mm512_add_pd(_mm512_sub_pd(w, hi), r),
                                     _mm512_add_pd(_mm512_mul_pd(kd, _mm512_set1_pd(REGIA_LN2_LO)), logclo));
    const __m512d r2 = _mm512_mul_pd(r, r);
#define REGIA_DL_MA(a, x, b) _mm512_add_pd(_mm512_set1_pd(a), _mm512_mul_pd(x, _mm512_set1_pd(b)))
    const __m512d q1 = REGIA_DL_MA(-0.5, r, 0x1.5555555555555p-2);
    const __m512d q2 = _mm512_mul_pd(r2, REGIA_DL_MA(-0.25, r, 0.2));
    const __m512d q3 = _mm512_add_pd(REGIA_DL_MA(-0x1.5555555555555p-3, r, 0x1.2492492492492p-3),
                                     _mm512_mul_pd(r2, _mm512_set1_pd(-0.125)));
#undef REGIA_DL_MA
    const __m512d p = _mm512_mul_pd(r2, _mm512_add_pd(_mm512_add_pd(q1, q2), _mm512_mul_pd(_mm512_mul_pd(r2, r2), q3)));
    return _mm512_add_pd(hi, _mm512_add_pd(lo, p));
}
#define REGIA_DRAW_LOG_HAVE_AVX512 1
#endif

#endif
