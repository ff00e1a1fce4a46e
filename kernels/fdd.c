/* Frequency-domain decomposition of a cross-spectral matrix: SVD per line (LAPACKE
 * zgesvd; or its first singular pair as the largest eigenpair, zheevr), peaks of the first singular value (scipy.signal.find_peaks' definitions),
 * shapes (pyOMA2 1.4.3's FDD_mpe convention) and EFDD damping (Brincker, Ventura &
 * Andersen 2001; the steps of pyOMA2's EFDD_mpe).  Contract in regia/fdd.h. */
#include <complex.h>
#include <fftw3.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fftw_lock_impl.h"
#include "regia/fdd.h"
#include "welch_impl.h"

void regia_fdd_defaults(regia_fdd_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->fmin_hz = 0;
    cfg->fmax_hz = 0;
    cfg->min_prominence_db = 6;
    cfg->n_samples = 0;
    cfg->noise_sigmas = 6.5;
    cfg->min_spacing_hz = 0;
    cfg->max_modes = 0;
    cfg->efdd = 1;
    cfg->efdd_mac = 0.85;
    cfg->efdd_band_hz = 1.0;
    cfg->efdd_skip = 3;
    cfg->efdd_extrema = 20;
    cfg->efdd_pad = 5;
    cfg->efdd_min_halfpower = 4;
}

regia_status_t regia_fdd_svd(const double *csd, int32_t nf, int32_t nch, double *sv, double *u1)
{
    regia_status_t st = REGIA_OK;
    const size_t mm = (size_t)nch * nch;
    double complex *a = malloc(sizeof(double complex) * mm), *u = malloc(sizeof(double complex) * mm);
    double *superb = malloc(sizeof(double) * (size_t)(nch > 1 ? nch : 2));
    double complex vt[1];
    if (!a || !u || !superb) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "fdd: out of memory for a %d x %d matrix", (int)nch, (int)nch);
        goto err;
    }
    for (int32_t f = 0; f < nf; f++) {
        memcpy(a, csd + (size_t)f * mm * 2, sizeof(double complex) * mm);
        lapack_int info = LAPACKE_zgesvd(LAPACK_ROW_MAJOR, u1 ? 'S' : 'N', 'N', nch, nch, a, nch, sv + (size_t)f * nch,
                                         u, nch, vt, 1, superb);
        if (info != 0) {
            st = REGIA_FAIL(REGIA_ERR_NUMERIC, "fdd: zgesvd failed at line %d (info %d)%s", (int)f, (int)info,
                            info < 0 ? ": an argument is invalid" : ": no convergence (NaN or Inf in the matrix?)");
            goto err;
        }
        if (u1)
            for (int32_t i = 0; i < nch; i++) {
                u1[((size_t)f * nch + i) * 2] = creal(u[(size_t)i * nch]);
                u1[((size_t)f * nch + i) * 2 + 1] = cimag(u[(size_t)i * nch]);
            }
    }
err:
    free(a);
    free(u);
    free(superb);
    return st;
}

regia_status_t regia_fdd_svd_first(const double *csd, int32_t nf, int32_t nch, double *sv, double *u1)
{
    regia_status_t st = REGIA_OK;
    const size_t mm = (size_t)nch * nch;
    double complex *a = malloc(sizeof(double complex) * mm), *z = malloc(sizeof(double complex) * (size_t)nch);
    double complex *work = NULL, wq;
    double *w = malloc(sizeof(double) * (size_t)nch), *rwork = NULL, rq;
    lapack_int *iwork = NULL, iq, isuppz[2], m = 0, lw = -1, lrw = -1, liw = -1;
    if (!a || !z || !w) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "fdd: out of memory for a %d x %d matrix", (int)nch, (int)nch);
        goto err;
    }
    /* The row-major G read as column-major is G^T = conj(G): the same eigenvalues, the
     * conjugate eigenvectors.  One workspace for all lines. */
    lapack_int info = LAPACKE_zheevr_work(LAPACK_COL_MAJOR, 'V', 'I', 'L', nch, a, nch, 0, 0, nch, nch, 0, &m, w, z,
                                          nch, isuppz, &wq, lw, &rq, lrw, &iq, liw);
    if (info == 0) {
        lw = (lapack_int)creal(wq), lrw = (lapack_int)rq, liw = iq;
        work = malloc(sizeof *work * (size_t)lw);
        rwork = malloc(sizeof *rwork * (size_t)lrw);
        iwork = malloc(sizeof *iwork * (size_t)liw);
    }
    if (info != 0 || !work || !rwork || !iwork) {
        st = REGIA_FAIL(info ? REGIA_ERR_NUMERIC : REGIA_ERR_NOMEM, "fdd: no zheevr workspace for %d channels (info %d)",
                        (int)nch, (int)info);
        goto err;
    }
    for (int32_t f = 0; f < nf; f++) {
        memcpy(a, csd + (size_t)f * mm * 2, sizeof(double complex) * mm);
        info = LAPACKE_zheevr_work(LAPACK_COL_MAJOR, 'V', 'I', 'L', nch, a, nch, 0, 0, nch, nch, 0, &m, w, z, nch,
                                   isuppz, work, lw, rwork, lrw, iwork, liw);
        if (info != 0 || m != 1) {
            st = REGIA_FAIL(REGIA_ERR_NUMERIC, "fdd: zheevr failed at line %d (info %d)%s", (int)f, (int)info,
                            info < 0 ? ": an argument is invalid" : ": no convergence (NaN or Inf in the matrix?)");
            goto err;
        }
        sv[(size_t)f * nch] = w[0] > 0 ? w[0] : 0;
        for (int32_t k = 1; k < nch; k++) sv[(size_t)f * nch + k] = NAN;
        if (u1)
            for (int32_t i = 0; i < nch; i++) {
                u1[((size_t)f * nch + i) * 2] = creal(z[i]);
                u1[((size_t)f * nch + i) * 2 + 1] = -cimag(z[i]);
            }
    }
err:
    free(a);
    free(z);
    free(w);
    free(work);
    free(rwork);
    free(iwork);
    return st;
}

/* psi'(x), x > 0: the recurrence up to x >= 6, then the asymptotic series (error < 1e-10). */
static double trigamma(double x)
{
    double acc = 0;
    while (x < 6) acc += 1 / (x * x), x += 1;
    const double r = 1 / x, r2 = r * r;
    return acc + r + r2 / 2 + r * r2 * (1.0 / 6 - r2 * (1.0 / 30 - r2 * (1.0 / 42 - r2 / 30)));
}

static double window_at(int32_t kind, int32_t k, int32_t n)
{
    const double c = cos(2 * M_PI * k / n);
    return kind == REGIA_WIN_BOXCAR ? 1 : kind == REGIA_WIN_HAMMING ? 0.54 - 0.46 * c : 0.5 - 0.5 * c;
}

double regia_fdd_noise_sd_db(const regia_welch_cfg_t *wcfg, int64_t n)
{
    const regia_welch_cfg_t wc = regia_welch_resolved(wcfg);
    const int64_t K = regia_welch_nseg(&wc, n);
    const int32_t N = wc.nperseg, S = wc.nperseg - wc.noverlap;
    if (K < 1 || N < 1 || S < 1) return 0;
    double den = 0, sum = 0;
    for (int32_t t = 0; t < N; t++) den += window_at(wc.window, t, N) * window_at(wc.window, t, N);
    for (int64_t m = 1; m < K && m * S < N && den > 0; m++) {
        double r = 0;
        for (int32_t t = 0; t + m * S < N; t++)
            r += window_at(wc.window, t, N) * window_at(wc.window, (int32_t)(t + m * S), N);
        r /= den;
        sum += (1 - (double)m / K) * r * r;
    }
    const double nu = 2.0 * K / (1 + 2 * sum);
    return 10 / log(10) * sqrt(trigamma(nu / 2));
}

/* Prominence of the peak p of z[0..m-1] (scipy.signal.peak_prominences, wlen None): the
 * height above the higher of the lowest points between the peak and the nearest higher
 * sample (or the end) on each side. */
static double prominence(const double *z, int32_t m, int32_t p)
{
    double lmin = z[p], rmin = z[p];
    for (int32_t i = p; i >= 0 && z[i] <= z[p]; i--) lmin = fmin(lmin, z[i]);
    for (int32_t i = p; i < m && z[i] <= z[p]; i++) rmin = fmin(rmin, z[i]);
    return z[p] - fmax(lmin, rmin);
}

static int cmp_desc_height_ix(const void *a, const void *b, void *ctx)
{
    const double *z = ctx;
    const int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    if (z[i] != z[j]) return z[i] > z[j] ? -1 : 1;
    return i < j ? 1 : i > j ? -1 : 0; /* scipy keeps the later of equal heights first */
}

int32_t regia_fdd_peaks(const double *y, int32_t lo, int32_t hi, double min_prominence_db, int32_t min_dist,
                        int32_t *idx, double *prom, int32_t cap)
{
    if (lo < 0) lo = 0;
    const int32_t m = hi - lo;
    if (m < 3) return 0;
    double *z = malloc(sizeof(double) * (size_t)m);
    int32_t *pk = malloc(sizeof(int32_t) * (size_t)m);
    char *keep = malloc((size_t)m);
    int32_t np = 0, found = 0;
    if (!z || !pk || !keep) goto done;
    for (int32_t i = 0; i < m; i++) z[i] = y[lo + i] > 0 ? 10 * log10(y[lo + i]) : -INFINITY;
    /* Local maxima (scipy's _local_maxima_1d): a plateau counts once, at its middle. */
    for (int32_t i = 1; i < m - 1;) {
        if (z[i - 1] < z[i]) {
            int32_t a = i + 1;
            while (a < m - 1 && z[a] == z[i]) a++;
            if (z[a] < z[i]) {
                pk[np++] = (i + a - 1) / 2;
                i = a;
                continue;
            }
        }
        i++;
    }
    /* Distance: from the highest down, a kept peak removes the others closer than min_dist. */
    for (int32_t k = 0; k < np; k++) keep[k] = 1;
    if (min_dist > 1 && np > 1) {
        int32_t *byh = malloc(sizeof(int32_t) * (size_t)np);
        if (!byh) goto done;
        for (int32_t k = 0; k < np; k++) byh[k] = pk[k];
        qsort_r(byh, (size_t)np, sizeof(int32_t), cmp_desc_height_ix, z);
        for (int32_t k = 0; k < np; k++) {
            /* position of byh[k] in pk */
            int32_t a = 0, b = np - 1;
            while (a < b) {
                int32_t c = (a + b) / 2;
                if (pk[c] < byh[k]) a = c + 1;
                else b = c;
            }
            if (!keep[a]) continue;
            for (int32_t j = a - 1; j >= 0 && pk[a] - pk[j] < min_dist; j--) keep[j] = 0;
            for (int32_t j = a + 1; j < np && pk[j] - pk[a] < min_dist; j++) keep[j] = 0;
        }
        free(byh);
    }
    for (int32_t k = 0; k < np; k++) {
        if (!keep[k]) continue;
        const double pr = prominence(z, m, pk[k]);
        if (!(pr >= min_prominence_db)) continue;
        if (found < cap) {
            idx[found] = lo + pk[k];
            if (prom) prom[found] = pr;
        }
        found++;
    }
done:
    free(z);
    free(pk);
    free(keep);
    return found;
}

/* MAC of two complex vectors (interleaved): |a^H b|^2 / ((a^H a)(b^H b)). */
static double mac(const double *a, const double *b, int32_t n)
{
    double re = 0, im = 0, aa = 0, bb = 0;
    for (int32_t i = 0; i < n; i++) {
        re += a[2 * i] * b[2 * i] + a[2 * i + 1] * b[2 * i + 1];
        im += a[2 * i] * b[2 * i + 1] - a[2 * i + 1] * b[2 * i];
        aa += a[2 * i] * a[2 * i] + a[2 * i + 1] * a[2 * i + 1];
        bb += b[2 * i] * b[2 * i] + b[2 * i + 1] * b[2 * i + 1];
    }
    return aa > 0 && bb > 0 ? (re * re + im * im) / (aa * bb) : 0;
}

/* Half-power width of y around its peak at L, in lines: the distance between the points
 * where the straight lines between neighbouring lines cross y(L) / 2 (at the ends of
 * y[lo..hi-1] when it does not fall that far). */
static double halfpower_width(const double *y, int32_t stride, int32_t lo, int32_t hi, int32_t L)
{
    const double h = 0.5 * y[(size_t)L * stride];
    int32_t a = L, b = L;
    while (a - 1 >= lo && y[(size_t)(a - 1) * stride] >= h) a--;
    while (b + 1 < hi && y[(size_t)(b + 1) * stride] >= h) b++;
    double left = a, right = b;
    if (a - 1 >= lo) {
        const double ya = y[(size_t)a * stride], yb = y[(size_t)(a - 1) * stride];
        left = a - (ya - h) / (ya - yb);
    }
    if (b + 1 < hi) {
        const double ya = y[(size_t)b * stride], yb = y[(size_t)(b + 1) * stride];
        right = b + (ya - h) / (ya - yb);
    }
    return right - left;
}

/* EFDD of the mode at line L (not tried when s_1's half-power width spans fewer than
 * efdd_min_halfpower lines): the SDOF bell (s_1 at the contiguous lines around L whose
 * u_1 has MAC > efdd_mac with u_1(L), within +- efdd_band_hz), its inverse FFT (the
 * correlation function of the mode, zero padded efdd_pad times), its extrema (skip the
 * first efdd_skip, use up to efdd_extrema), the log decrement by a least-squares line
 * through the origin, xi = d / sqrt(4 pi^2 + d^2), fn = fd / sqrt(1 - xi^2). */
static regia_status_t efdd(const regia_fdd_result_t *r, const regia_welch_cfg_t *wc, const regia_fdd_cfg_t *cfg,
                           regia_fdd_mode_t *md)
{
    regia_status_t st = REGIA_OK;
    const int32_t nf = r->nf, nch = r->nch, L = md->line;
    const double df = wc->fs / wc->nfft;
    const int32_t band = (int32_t)floor(cfg->efdd_band_hz / df);
    const double *uL = r->u1 + (size_t)L * nch * 2;
    int32_t a = L, b = L;
    while (a - 1 >= 1 && L - (a - 1) <= band && mac(uL, r->u1 + (size_t)(a - 1) * nch * 2, nch) > cfg->efdd_mac) a--;
    while (b + 1 < nf && (b + 1) - L <= band && mac(uL, r->u1 + (size_t)(b + 1) * nch * 2, nch) > cfg->efdd_mac) b++;
    md->efdd_lines = b - a + 1;
    if (md->efdd_lines < 3 || md->halfpower_lines < cfg->efdd_min_halfpower) {
        md->efdd_status = REGIA_EFDD_NARROW_BELL;
        return REGIA_OK;
    }
    const int pad = cfg->efdd_pad > 1 ? cfg->efdd_pad : 1;
    const int32_t nfp = (nf - 1) * pad + 1, M = 2 * (nfp - 1), half = M / 2;
    double complex *spec = fftw_malloc(sizeof(double complex) * (size_t)nfp);
    double *corr = fftw_malloc(sizeof(double) * (size_t)M);
    int32_t *ext = malloc(sizeof(int32_t) * (size_t)half);
    fftw_plan plan = NULL;
    if (!spec || !corr || !ext) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "fdd: out of memory for the EFDD of %d lines", (int)nfp);
        goto err;
    }
    regia_fftw_planner_lock();
    plan = fftw_plan_dft_c2r_1d(M, spec, corr, FFTW_ESTIMATE);
    regia_fftw_planner_unlock();
    if (!plan) {
        st = REGIA_FAIL(REGIA_ERR_NUMERIC, "fdd: FFTW made no plan for an inverse transform of %d", (int)M);
        goto err;
    }
    for (int32_t k = 0; k < nfp; k++) spec[k] = 0;
    for (int32_t k = a; k <= b; k++) spec[k] = r->sv[(size_t)k * nch];
    fftw_execute(plan);
    /* Extrema of the normalised correlation on [0, M/2): maxima and minima, in order. */
    int32_t ne = 0;
    for (int32_t k = 1; k < half - 1; k++)
        if ((corr[k] > corr[k - 1] && corr[k] >= corr[k + 1]) || (corr[k] < corr[k - 1] && corr[k] <= corr[k + 1]))
            ext[ne++] = k;
    const int32_t skip = cfg->efdd_skip > 0 ? cfg->efdd_skip : 0;
    int32_t use = ne - skip;
    if (use > cfg->efdd_extrema) use = cfg->efdd_extrema;
    if (use < 4 || !(corr[0] > 0)) {
        md->efdd_status = REGIA_EFDD_FEW_EXTREMA;
        md->efdd_used = use > 0 ? use : 0;
        goto err;
    }
    md->efdd_used = use;
    const double dt = 1.0 / (M * df); /* time step of the padded inverse transform */
    const double r0 = fabs(corr[ext[skip]]);
    double sxy = 0, sxx = 0;
    for (int32_t k = 0; k < use; k++) {
        const double dlt = log(r0 / fabs(corr[ext[skip + k]]));
        sxy += k * dlt;
        sxx += (double)k * k;
    }
    const double dec = 2 * sxy / sxx; /* extrema are half periods apart */
    const double td = 2 * (ext[skip + use - 1] - ext[skip]) * dt / (use - 1);
    if (!(dec > 0) || !(td > 0)) {
        md->efdd_status = REGIA_EFDD_NOT_DECAYING;
        goto err;
    }
    md->efdd_xi = dec / sqrt(4 * M_PI * M_PI + dec * dec);
    md->efdd_f_hz = (1 / td) / sqrt(1 - md->efdd_xi * md->efdd_xi);
    md->efdd_status = REGIA_EFDD_OK;
err:
    if (plan) {
        regia_fftw_planner_lock();
        fftw_destroy_plan(plan);
        regia_fftw_planner_unlock();
    }
    fftw_free(spec);
    fftw_free(corr);
    free(ext);
    return st;
}

static int cmp_prom_desc(const void *a, const void *b)
{
    const regia_fdd_mode_t *x = a, *y = b;
    if (x->prominence_db != y->prominence_db) return x->prominence_db > y->prominence_db ? -1 : 1;
    return x->line - y->line;
}
static int cmp_line(const void *a, const void *b)
{
    return ((const regia_fdd_mode_t *)a)->line - ((const regia_fdd_mode_t *)b)->line;
}

regia_status_t regia_fdd(const double *csd, int32_t nch, const regia_welch_cfg_t *wcfg, const regia_fdd_cfg_t *cfg,
                         regia_fdd_result_t *res)
{
    regia_status_t st = REGIA_OK;
    memset(res, 0, sizeof *res);
    const regia_welch_cfg_t wc = regia_welch_resolved(wcfg);
    const int32_t nf = regia_welch_nfreq(&wc);
    double *s1 = NULL;
    int32_t *idx = NULL;
    double *prom = NULL;
    if (!csd || nch < 1) return REGIA_FAIL(REGIA_ERR_INVALID, "fdd: %s", csd ? "nch < 1" : "the CSD is NULL");
    if (!(wc.fs > 0) || wc.nfft < 1)
        return REGIA_FAIL(REGIA_ERR_INVALID, "fdd: the Welch configuration has fs = %g, nfft = %d", wc.fs, (int)wc.nfft);
    if (cfg->efdd && (!(cfg->efdd_mac >= 0 && cfg->efdd_mac <= 1) || cfg->efdd_extrema < 4))
        return REGIA_FAIL(REGIA_ERR_INVALID, "fdd: efdd_mac = %g is not in [0, 1] or efdd_extrema = %d < 4",
                          cfg->efdd_mac, (int)cfg->efdd_extrema);
    const double df = wc.fs / wc.nfft;
    res->nf = nf;
    res->nch = nch;
    res->sv = malloc(sizeof(double) * (size_t)nf * nch);
    res->u1 = malloc(sizeof(double) * 2 * (size_t)nf * nch);
    s1 = malloc(sizeof(double) * (size_t)nf);
    idx = malloc(sizeof(int32_t) * (size_t)nf);
    prom = malloc(sizeof(double) * (size_t)nf);
    if (!res->sv || !res->u1 || !s1 || !idx || !prom) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "fdd: out of memory for %d lines x %d channels", (int)nf, (int)nch);
        goto err;
    }
    if (cfg->first_only) REGIA_TRY(regia_fdd_svd_first(csd, nf, nch, res->sv, res->u1));
    else REGIA_TRY(regia_fdd_svd(csd, nf, nch, res->sv, res->u1));
    for (int32_t f = 0; f < nf; f++) s1[f] = res->sv[(size_t)f * nch];
    int32_t lo = (int32_t)ceil(cfg->fmin_hz / df - 1e-9), hi = nf;
    if (lo < 1) lo = 1;
    if (cfg->fmax_hz > 0 && (int32_t)floor(cfg->fmax_hz / df + 1e-9) + 1 < hi) hi = (int32_t)floor(cfg->fmax_hz / df + 1e-9) + 1;
    int32_t dist = cfg->min_spacing_hz > 0 ? (int32_t)ceil(cfg->min_spacing_hz / df - 1e-9) : 2;
    if (dist < 1) dist = 1;
    /* One line of context on each side so that a peak may sit on the band's edge lines. */
    const int32_t clo = lo - 1, chi = hi < nf ? hi + 1 : nf;
    res->noise_sd_db = cfg->n_samples > 0 ? regia_fdd_noise_sd_db(&wc, cfg->n_samples) : 0;
    res->min_prominence_db = cfg->min_prominence_db;
    if (cfg->noise_sigmas > 0 && cfg->noise_sigmas * res->noise_sd_db > res->min_prominence_db)
        res->min_prominence_db = cfg->noise_sigmas * res->noise_sd_db;
    int32_t np = regia_fdd_peaks(s1, clo, chi, res->min_prominence_db, dist, idx, prom, nf);
    int32_t nm = 0;
    for (int32_t k = 0; k < np; k++)
        if (idx[k] >= lo && idx[k] < hi) idx[nm] = idx[k], prom[nm] = prom[k], nm++;
    res->modes = calloc((size_t)(nm > 0 ? nm : 1), sizeof(regia_fdd_mode_t));
    if (!res->modes) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "fdd: out of memory for %d modes", (int)nm);
        goto err;
    }
    for (int32_t k = 0; k < nm; k++) {
        regia_fdd_mode_t *md = &res->modes[k];
        md->line = idx[k];
        md->prominence_db = prom[k];
    }
    if (cfg->max_modes > 0 && nm > cfg->max_modes) {
        qsort(res->modes, (size_t)nm, sizeof *res->modes, cmp_prom_desc);
        nm = cfg->max_modes;
    }
    qsort(res->modes, (size_t)nm, sizeof *res->modes, cmp_line);
    res->n_modes = nm;
    res->shapes = malloc(sizeof(double) * 2 * (size_t)(nm > 0 ? nm : 1) * nch);
    if (!res->shapes) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "fdd: out of memory for %d shapes", (int)nm);
        goto err;
    }
    for (int32_t k = 0; k < nm; k++) {
        regia_fdd_mode_t *md = &res->modes[k];
        const int32_t L = md->line;
        md->f_hz = L * df;
        if (cfg->first_only) /* the peak's line in full: s_2 for s1/s2 */
            REGIA_TRY(regia_fdd_svd(csd + (size_t)L * nch * nch * 2, 1, nch, res->sv + (size_t)L * nch,
                                    res->u1 + (size_t)L * nch * 2));
        md->s1 = res->sv[(size_t)L * nch];
        md->s1_s2 = nch > 1 && res->sv[(size_t)L * nch + 1] > 0 ? md->s1 / res->sv[(size_t)L * nch + 1] : 0;
        md->efdd_f_hz = md->efdd_xi = NAN;
        md->halfpower_lines = halfpower_width(res->sv, nch, 1, nf, L);
        /* shape: conj(u_1) divided by its largest-modulus component */
        const double *u = res->u1 + (size_t)L * nch * 2;
        int32_t big = 0;
        for (int32_t i = 1; i < nch; i++)
            if (hypot(u[2 * i], u[2 * i + 1]) > hypot(u[2 * big], u[2 * big + 1])) big = i;
        const double complex ref = u[2 * big] - I * u[2 * big + 1];
        for (int32_t i = 0; i < nch; i++) {
            double complex v = (u[2 * i] - I * u[2 * i + 1]) / ref;
            if (i == big) v = 1;
            res->shapes[((size_t)k * nch + i) * 2] = creal(v);
            res->shapes[((size_t)k * nch + i) * 2 + 1] = cimag(v);
        }
        if (!cfg->efdd) md->efdd_status = REGIA_EFDD_OFF;
        else REGIA_TRY(efdd(res, &wc, cfg, md));
    }
err:
    free(s1);
    free(idx);
    free(prom);
    return st;
}

void regia_fdd_result_free(regia_fdd_result_t *res)
{
    free(res->sv);
    free(res->u1);
    free(res->modes);
    free(res->shapes);
    memset(res, 0, sizeof *res);
}
