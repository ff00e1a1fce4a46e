/* Welch spectra on the CPU with FFTW 3 (contract in regia/welch.h).
 *
 * A batch is processed in steps of G records x B segments (about 512 transforms, so that
 * a step's spectra stay in the L2 cache between the FFTs and the sums).  In a step the
 * (record, segment) items are spread over the threads: each prepares its segment of
 * every channel (kernels/welch.c) and transforms them with one FFTW plan of nch
 * real-to-complex transforms, executed on the item's own arrays (fftw_execute_dft_r2c:
 * FFTW's executor is thread-safe, its planner is not, so the plan is made once per call
 * under the library's planner lock, kernels/fftw_lock_impl.h).  Then the (record, block
 * of 16 lines) sums are spread over the threads, each adding its lines' segments in
 * segment order, so a result depends only on its record: not on the thread count, nor
 * on G and B. */
#include <complex.h>
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "../fftw_lock_impl.h"
#include "../welch_impl.h"
#include "cpu_impl.h"

enum { STEP_TRANSFORMS = 512, ALIGN_COMPLEX = 4 /* 64 bytes */, LINE_BLOCK = 16 };

regia_status_t regia_cpu_welch(regia_backend_t *be, const regia_welch_batch_t *in, regia_welch_out_t *out)
{
    regia_welch_plan_t p;
    regia_status_t st = regia_welch_plan(in, out, &p);
    if (st) return st;
    const int32_t nch = in->nch, nf = p.nf, nfft = p.c.nfft;
    const int64_t K = p.nseg, n = in->n;
    const int csd = in->kind == REGIA_WELCH_CSD;
    /* Step shape: B segments of G records. */
    int64_t B = K, G = 1;
    if (K * nch >= STEP_TRANSFORMS) B = (STEP_TRANSFORMS + nch - 1) / nch;
    else G = STEP_TRANSFORMS / (K * nch);
    if (B > K) B = K;
    if (G > in->n_rec) G = in->n_rec;
    if (G < 1) G = 1;
    /* Spectra of a step: item (g, s) at X + (g B + s) istride, channel c at + c nf. */
    const int64_t istride = ((int64_t)nch * nf + ALIGN_COMPLEX - 1) / ALIGN_COMPLEX * ALIGN_COMPLEX;
    fftw_complex *X = fftw_malloc(sizeof(fftw_complex) * (size_t)(G * B * istride));
    double *tmpl = fftw_malloc(sizeof(double) * (size_t)nch * nfft);
    fftw_plan plan = NULL;
    if (!X || !tmpl) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "welch: out of memory for %lld spectra of %d lines",
                        (long long)(G * B * nch), (int)nf);
        goto err;
    }
    regia_fftw_planner_lock();
    plan = fftw_plan_many_dft_r2c(1, &p.c.nfft, nch, tmpl, NULL, 1, nfft, X, NULL, 1, nf,
                                  FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    regia_fftw_planner_unlock();
    if (!plan) {
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "welch: FFTW made no plan for %d transforms of length %d", (int)nch, (int)nfft);
        goto err;
    }
    /* Zero the sums. */
    const int64_t nfb = (nf + LINE_BLOCK - 1) / LINE_BLOCK; /* blocks of lines summed by one thread */
    const int64_t per_rec = csd ? (int64_t)nf * nch * nch * 2 : (int64_t)nch * nf;
    double *acc = csd ? out->csd : out->psd;
    memset(acc, 0, sizeof(double) * (size_t)(per_rec * in->n_rec));
    int failed = 0;
#pragma omp parallel num_threads(be->threads)
    {
        double *buf = fftw_malloc(sizeof(double) * (size_t)nch * nfft);
        if (!buf) {
#pragma omp atomic write
            failed = 1;
        }
        for (int64_t r0 = 0; r0 < in->n_rec; r0 += G) {
            const int64_t g_n = in->n_rec - r0 < G ? in->n_rec - r0 : G;
            for (int64_t s0 = 0; s0 < K; s0 += B) {
                const int64_t s_n = K - s0 < B ? K - s0 : B;
#pragma omp for schedule(static)
                for (int64_t it = 0; it < g_n * s_n; it++) {
                    if (!buf) continue;
                    const int64_t g = it / s_n, s = it % s_n;
                    const double *xr = in->x + (r0 + g) * nch * n;
                    for (int32_t c = 0; c < nch; c++)
                        regia_welch_segment(&p, xr + c * n, s0 + s, buf + (int64_t)c * nfft);
                    fftw_execute_dft_r2c(plan, buf, X + (g * B + s) * istride);
                }
                /* implicit barrier: the step's spectra are complete */
#pragma omp for schedule(static)
                for (int64_t it = 0; it < g_n * nfb; it++) {
                    const int64_t g = it / nfb, f0 = it % nfb * LINE_BLOCK;
                    const int64_t f1 = f0 + LINE_BLOCK < nf ? f0 + LINE_BLOCK : nf;
                    double *a = acc + (r0 + g) * per_rec;
                    for (int64_t s = 0; s < s_n; s++) {
                        const fftw_complex *Xs = X + (g * B + s) * istride;
                        if (!csd) {
                            for (int32_t c = 0; c < nch; c++) {
                                const fftw_complex *z = Xs + (int64_t)c * nf;
                                double *ac = a + (int64_t)c * nf;
                                for (int64_t f = f0; f < f1; f++) {
                                    const double re = creal(z[f]), im = cimag(z[f]);
                                    ac[f] += re * re + im * im;
                                }
                            }
                            continue;
                        }
                        for (int64_t f = f0; f < f1; f++) {
                            double *m = a + f * nch * nch * 2;
                            for (int32_t i = 0; i < nch; i++) {
                                const double ar = creal(Xs[i * nf + f]), ai = cimag(Xs[i * nf + f]);
                                m[(i * nch + i) * 2] += ar * ar + ai * ai;
                                for (int32_t j = i + 1; j < nch; j++) {
                                    const double br = creal(Xs[j * nf + f]), bi = cimag(Xs[j * nf + f]);
                                    /* conj(a) b */
                                    m[(i * nch + j) * 2] += ar * br + ai * bi;
                                    m[(i * nch + j) * 2 + 1] += ar * bi - ai * br;
                                }
                            }
                        }
                    }
                }
                /* implicit barrier: X is free for the next step */
            }
        }
        /* Scale; the CSD's lower triangle is the conjugate of the upper. */
#pragma omp for schedule(static)
        for (int64_t it = 0; it < in->n_rec * nf; it++) {
            const int64_t r = it / nf, f = it % nf;
            double *a = acc + r * per_rec;
            if (!csd) {
                for (int32_t c = 0; c < nch; c++) a[c * nf + f] *= p.fac[f];
                continue;
            }
            double *m = a + f * nch * nch * 2;
            for (int32_t i = 0; i < nch; i++) {
                m[(i * nch + i) * 2] *= p.fac[f];
                m[(i * nch + i) * 2 + 1] = 0;
                for (int32_t j = i + 1; j < nch; j++) {
                    m[(i * nch + j) * 2] *= p.fac[f];
                    m[(i * nch + j) * 2 + 1] *= p.fac[f];
                    m[(j * nch + i) * 2] = m[(i * nch + j) * 2];
                    m[(j * nch + i) * 2 + 1] = -m[(i * nch + j) * 2 + 1];
                }
            }
        }
        fftw_free(buf);
    }
    if (failed) st = REGIA_FAIL(REGIA_ERR_NOMEM, "welch: out of memory for a thread's segment buffer");
err:
    if (plan) {
        regia_fftw_planner_lock();
        fftw_destroy_plan(plan);
        regia_fftw_planner_unlock();
    }
    fftw_free(X);
    fftw_free(tmpl);
    regia_welch_plan_free(&p);
    return st;
}
