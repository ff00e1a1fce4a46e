/* The BLAS regia runs on: OpenBLAS's threads set to one unless the environment asks for
 * more, and a description of the library and its kernels for the log and provenance.
 *
 * regia's parallelism is its own: MPI ranks, and OpenMP threads over series, channels and
 * records.  Its matrices are small (the SSI's Hankel Gram matrix is at most a few hundred
 * square), and OpenBLAS's threads on them cost more in start-up and synchronisation than
 * they gain; worse, OpenBLAS starts as many threads as the process may use cores (or
 * OMP_NUM_THREADS of them) and they compete with regia's OpenMP threads, which spin while
 * they wait.  Measured on the sensors demo job, 1 rank with 2 OpenMP threads on 2 cores:
 * 25.0 s wall, 5.7 s system with OpenBLAS's default, 18.9 s and 0.9 s with one OpenBLAS
 * thread.
 *
 * OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels by the CPU model at load
 * time and falls back to the generic Prescott (SSE3) kernels for a model it does not know:
 * Debian 12's 0.3.21 on a virtual "Intel Xeon Processor" with AVX-512 (2026-12-03) chose
 * Prescott, and the SSI of KOMA's shear-frame record took 15.0-16.8 ms against 11.5-12.8
 * with OPENBLAS_CORETYPE=SkylakeX (benchmarks/bench_ssi, 30 records, 3 runs each).  The
 * choice is made before main(), so regia can only say so: regia_blas_generic_kernels().
 *
 * The symbols are weak, so a BLAS other than OpenBLAS (MKL, BLIS, the reference BLAS)
 * links and is left as it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regia/kernels.h"

extern void openblas_set_num_threads(int num_threads) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));
extern char *openblas_get_corename(void) __attribute__((weak));
extern char *openblas_get_config(void) __attribute__((weak));

int regia_blas_single_thread(void)
{
    if (!openblas_set_num_threads) return 0;
    const char *e = getenv("OPENBLAS_NUM_THREADS");
    if (e && *e) return 0;
    e = getenv("GOTO_NUM_THREADS");
    if (e && *e) return 0;
    openblas_set_num_threads(1);
    return 1;
}

/* "0.3.21" from OpenBLAS's configuration string "OpenBLAS 0.3.21 NO_LAPACKE ...". */
static void openblas_version(char *v, size_t cap)
{
    const char *c = openblas_get_config ? openblas_get_config() : NULL;
    v[0] = 0;
    if (c && !strncmp(c, "OpenBLAS ", 9)) snprintf(v, cap, "%.*s", (int)strcspn(c + 9, " "), c + 9);
}

void regia_blas_describe(char *buf, int len)
{
    if (!openblas_get_corename) {
        snprintf(buf, (size_t)len, "a BLAS other than OpenBLAS");
        return;
    }
    char v[32];
    openblas_version(v, sizeof v);
    int nt = openblas_get_num_threads ? openblas_get_num_threads() : 0;
    snprintf(buf, (size_t)len, "OpenBLAS%s%s, %s kernels, %d thread%s", *v ? " " : "", v, openblas_get_corename(), nt,
             nt == 1 ? "" : "s");
}

int regia_blas_generic_kernels(void)
{
    if (!openblas_get_corename) return 0;
    const char *core = openblas_get_corename();
    static const char *const generic[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Katmai",
                                          "Coppermine", "Northwood", "Banias", "Atom"};
    int is_generic = 0;
    for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
        if (core && !strcasecmp(core, generic[i])) is_generic = 1;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    return is_generic && __builtin_cpu_supports("avx2");
#else
    (void)is_generic;
    return 0;
#endif
}
