/* modal_fdd.c - the FDD part of `regia modal`: the Welch cross-spectral matrix of the
 * record on the CPU backend (regia_welch, scipy.signal.csd's definitions: Hann, half
 * overlap, constant detrend, density), its singular values per line and the peaks of the
 * first one with their shapes and EFDD damping (regia_fdd). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modal_impl.h"
#include "regia/fdd.h"
#include "regia/kernels.h"
#include "regia/welch.h"

void modal_fdd_free(modal_fdd_t *d)
{
    free(d->freq);
    free(d->sv);
    free(d->peak_f);
    free(d->peak_s1);
    free(d->peak_xi);
    free(d->peak_shape);
    memset(d, 0, sizeof *d);
}

regia_status_t modal_fdd(const modal_record_t *rec, int32_t nperseg, modal_fdd_t *out)
{
    regia_status_t st = REGIA_OK;
    regia_backend_t be;
    int be_open = 0;
    double *csd = NULL;
    regia_fdd_result_t fr;
    memset(&fr, 0, sizeof fr);
    memset(out, 0, sizeof *out);
    if (nperseg <= 0) { /* the power of 2 nearest 20 s, at most a quarter of the record */
        double want = rec->fs * 20.0;
        nperseg = 16;
        while (nperseg * 2 <= rec->n / 4 && fabs(log2(nperseg * 2.0 / want)) < fabs(log2(nperseg / want)))
            nperseg *= 2;
    }
    regia_welch_cfg_t wc;
    regia_welch_defaults(&wc, rec->fs);
    wc.nperseg = nperseg;
    wc = regia_welch_resolved(&wc);
    char msg[256];
    if (regia_welch_check(&wc, rec->n, msg, sizeof msg) != REGIA_OK) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "FDD: %s (--nperseg)", msg);
        goto err;
    }
    int32_t nf = regia_welch_nfreq(&wc), nch = rec->nch;
    csd = malloc((size_t)nf * nch * nch * 2 * sizeof *csd);
    out->freq = malloc((size_t)nf * sizeof *out->freq);
    out->sv = malloc((size_t)nf * nch * sizeof *out->sv);
    if (!csd || !out->freq || !out->sv) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "FDD: no memory for %d lines x %d channels", nf, nch);
        goto err;
    }
    REGIA_TRY(regia_backend_open(&be, "cpu", 0, 1));
    be_open = 1;
    regia_welch_batch_t wb = {.x = rec->y, .n_rec = 1, .nch = nch, .n = rec->n, .cfg = wc, .kind = REGIA_WELCH_CSD};
    regia_welch_out_t wo = {.psd = NULL, .csd = csd};
    REGIA_TRY(regia_welch(&be, &wb, &wo));
    regia_fdd_cfg_t fc;
    regia_fdd_defaults(&fc);
    fc.n_samples = rec->n; /* the noise rule: few segments need more than 6 dB */
    REGIA_TRY(regia_fdd(csd, nch, &wc, &fc, &fr));
    regia_welch_freqs(&wc, out->freq);
    memcpy(out->sv, fr.sv, (size_t)nf * nch * sizeof *out->sv);
    int32_t np = fr.n_modes;
    out->peak_f = malloc((size_t)(np > 0 ? np : 1) * sizeof(double));
    out->peak_s1 = malloc((size_t)(np > 0 ? np : 1) * sizeof(double));
    out->peak_xi = malloc((size_t)(np > 0 ? np : 1) * sizeof(double));
    out->peak_shape = malloc((size_t)(np > 0 ? np : 1) * nch * 2 * sizeof(double));
    if (!out->peak_f || !out->peak_s1 || !out->peak_xi || !out->peak_shape) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "FDD: no memory");
        goto err;
    }
    for (int32_t k = 0; k < np; k++) {
        out->peak_f[k] = fr.modes[k].f_hz;
        out->peak_s1[k] = fr.modes[k].s1;
        out->peak_xi[k] = fr.modes[k].efdd_status == REGIA_EFDD_OK ? fr.modes[k].efdd_xi : NAN;
    }
    if (np > 0) memcpy(out->peak_shape, fr.shapes, (size_t)np * nch * 2 * sizeof(double));
    out->n_peaks = np;
    out->nf = nf;
    out->nch = nch;
    out->nperseg = nperseg;
    out->min_prominence_db = fr.min_prominence_db;
    out->noise_sd_db = fr.noise_sd_db;
    out->have = 1;
err:
    if (be_open) regia_backend_close(&be);
    regia_fdd_result_free(&fr);
    free(csd);
    if (st != REGIA_OK) modal_fdd_free(out);
    return st;
}
