/* Welch spectra: configuration, checks, window, per-line factors and segment preparation,
 * shared by every backend (contract in regia/welch.h; the FFTs are in kernels/cpu/welch.c
 * and kernels/cuda/welch.cu).  Definitions follow scipy.signal.welch / csd (SciPy 1.14.1,
 * scipy/signal/_spectral_py.py: _spectral_helper and _fft_helper). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmsg_impl.h"
#include "welch_impl.h"

void regia_welch_defaults(regia_welch_cfg_t *cfg, double fs)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->fs = fs;
    cfg->nperseg = 256;
    cfg->noverlap = -1;
    cfg->nfft = 0;
    cfg->window = REGIA_WIN_HANN;
    cfg->detrend = REGIA_DETREND_CONSTANT;
    cfg->scaling = REGIA_SCALING_DENSITY;
}

regia_welch_cfg_t regia_welch_resolved(const regia_welch_cfg_t *cfg)
{
    regia_welch_cfg_t c = *cfg;
    if (c.noverlap < 0) c.noverlap = c.nperseg / 2;
    if (c.nfft <= 0) c.nfft = c.nperseg;
    return c;
}

int32_t regia_welch_nfreq(const regia_welch_cfg_t *cfg)
{
    regia_welch_cfg_t c = regia_welch_resolved(cfg);
    return c.nfft / 2 + 1;
}

int64_t regia_welch_nseg(const regia_welch_cfg_t *cfg, int64_t n)
{
    regia_welch_cfg_t c = regia_welch_resolved(cfg);
    if (c.nperseg < 1 || n < c.nperseg || c.noverlap >= c.nperseg) return 0;
    return (n - c.noverlap) / (c.nperseg - c.noverlap);
}

void regia_welch_freqs(const regia_welch_cfg_t *cfg, double *f)
{
    regia_welch_cfg_t c = regia_welch_resolved(cfg);
    const int32_t nf = c.nfft / 2 + 1;
    for (int32_t k = 0; k < nf; k++) f[k] = (double)k * c.fs / c.nfft;
}

/* The windows as scipy.signal.get_window builds them (fftbins=True: periodic): a
 * general cosine a0 - a1 cos(2 pi k / M) with M = nperseg. */
void regia_welch_window(const regia_welch_cfg_t *cfg, double *w)
{
    const int32_t m = cfg->nperseg;
    double a0 = 1, a1 = 0;
    if (cfg->window == REGIA_WIN_HANN) a0 = 0.5, a1 = 0.5;
    else if (cfg->window == REGIA_WIN_HAMMING) a0 = 0.54, a1 = 0.46;
    for (int32_t k = 0; k < m; k++) w[k] = a1 == 0 ? 1.0 : a0 - a1 * cos(2.0 * M_PI * k / m);
}

#define bad(msg, cap, ...) regia_kernel_invalid(msg, cap, "welch: ", __VA_ARGS__)

regia_status_t regia_welch_check(const regia_welch_cfg_t *cfg, int64_t n, char *msg, int cap)
{
    if (msg && cap > 0) msg[0] = 0;
    regia_welch_cfg_t c = regia_welch_resolved(cfg);
    if (!(cfg->fs > 0) || !isfinite(cfg->fs)) return bad(msg, cap, "fs = %g Hz is not a positive rate", cfg->fs);
    if (c.nperseg < 1) return bad(msg, cap, "nperseg = %d is not >= 1", (int)c.nperseg);
    if (c.noverlap >= c.nperseg)
        return bad(msg, cap, "noverlap = %d is not below nperseg = %d", (int)c.noverlap, (int)c.nperseg);
    if (c.nfft < c.nperseg) return bad(msg, cap, "nfft = %d is below nperseg = %d", (int)c.nfft, (int)c.nperseg);
    if (cfg->window < REGIA_WIN_HANN || cfg->window > REGIA_WIN_HAMMING)
        return bad(msg, cap, "window = %d is not hann (0), boxcar (1) or hamming (2)", (int)cfg->window);
    if (cfg->detrend < REGIA_DETREND_NONE || cfg->detrend > REGIA_DETREND_LINEAR)
        return bad(msg, cap, "detrend = %d is not none (0), constant (1) or linear (2)", (int)cfg->detrend);
    if (cfg->scaling < REGIA_SCALING_DENSITY || cfg->scaling > REGIA_SCALING_SPECTRUM)
        return bad(msg, cap, "scaling = %d is not density (0) or spectrum (1)", (int)cfg->scaling);
    if (n < c.nperseg)
        return bad(msg, cap, "a record of %lld samples is shorter than nperseg = %d", (long long)n, (int)c.nperseg);
    return REGIA_OK;
}

regia_status_t regia_welch_batch_check(const regia_welch_batch_t *in, const regia_welch_out_t *out)
{
    regia_status_t st = regia_welch_check(&in->cfg, in->n, NULL, 0);
    if (st) return st;
    if (in->n_rec < 1) return bad(NULL, 0, "n_rec = %d is not >= 1", (int)in->n_rec);
    if (in->nch < 1) return bad(NULL, 0, "nch = %d is not >= 1", (int)in->nch);
    if (in->kind != REGIA_WELCH_PSD && in->kind != REGIA_WELCH_CSD)
        return bad(NULL, 0, "kind = %d is not psd (0) or csd (1)", (int)in->kind);
    if (!in->x) return bad(NULL, 0, "the samples x are NULL");
    if (in->kind == REGIA_WELCH_PSD && !out->psd) return bad(NULL, 0, "kind psd but out->psd is NULL");
    if (in->kind == REGIA_WELCH_CSD && !out->csd) return bad(NULL, 0, "kind csd but out->csd is NULL");
    return REGIA_OK;
}

regia_status_t regia_welch_plan(const regia_welch_batch_t *in, const regia_welch_out_t *out,
                                regia_welch_plan_t *p)
{
    memset(p, 0, sizeof *p);
    regia_status_t st = regia_welch_batch_check(in, out);
    if (st) return st;
    p->c = regia_welch_resolved(&in->cfg);
    p->nf = p->c.nfft / 2 + 1;
    p->step = p->c.nperseg - p->c.noverlap;
    p->nseg = regia_welch_nseg(&p->c, in->n);
    p->w = malloc(sizeof(double) * (size_t)p->c.nperseg);
    p->fac = malloc(sizeof(double) * (size_t)p->nf);
    if (!p->w || !p->fac) {
        regia_welch_plan_free(p);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "welch: out of memory for a window of %d samples", (int)p->c.nperseg);
    }
    regia_welch_window(&p->c, p->w);
    double s1 = 0, s2 = 0;
    for (int32_t k = 0; k < p->c.nperseg; k++) s1 += p->w[k], s2 += p->w[k] * p->w[k];
    const double scale = p->c.scaling == REGIA_SCALING_DENSITY ? 1.0 / (p->c.fs * s2) : 1.0 / (s1 * s1);
    /* One-sided: double every line but DC and, for even nfft, Nyquist. */
    const int32_t last = p->c.nfft % 2 ? p->nf : p->nf - 1;
    for (int32_t f = 0; f < p->nf; f++)
        p->fac[f] = scale * (f >= 1 && f < last ? 2.0 : 1.0) / (double)p->nseg;
    return REGIA_OK;
}

void regia_welch_plan_free(regia_welch_plan_t *p)
{
    free(p->w);
    free(p->fac);
    memset(p, 0, sizeof *p);
}

void regia_welch_segment(const regia_welch_plan_t *p, const double *x, int64_t s, double *out)
{
    const int32_t m = p->c.nperseg;
    const double *seg = x + s * p->step;
    double a = 0, b = 0; /* seg[t] ~ a + b (t - tc) */
    if (p->c.detrend != REGIA_DETREND_NONE) {
        for (int32_t t = 0; t < m; t++) a += seg[t];
        a /= m;
    }
    const double tc = 0.5 * (m - 1);
    if (p->c.detrend == REGIA_DETREND_LINEAR && m > 1) {
        double sxy = 0, sxx = 0;
        for (int32_t t = 0; t < m; t++) {
            const double u = t - tc;
            sxy += u * (seg[t] - a);
            sxx += u * u;
        }
        b = sxy / sxx;
    }
    for (int32_t t = 0; t < m; t++) out[t] = p->w[t] * (seg[t] - a - b * (t - tc));
    for (int32_t t = m; t < p->c.nfft; t++) out[t] = 0;
}
