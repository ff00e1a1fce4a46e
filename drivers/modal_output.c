/* modal_output.c - the output file of `regia modal`: NetCDF-4 (HDF5), written under a
 * temporary name and renamed when complete.  Layout in docs/modal.md ("Output"). */
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modal_impl.h"
#include "regia/acdd.h"
#include "regia/fileutil.h"
#include "regia/io.h"
#include "regia/version.h"

#define NC(call)                                                                                   \
    do {                                                                                           \
        int e_ = (call);                                                                           \
        if (e_ != NC_NOERR) {                                                                      \
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: %s: %s", tmp, #call, nc_strerror(e_));          \
            goto err;                                                                              \
        }                                                                                          \
    } while (0)

typedef struct {
    int ncid;
    const char *tmp;
} out_t;

static regia_status_t def(out_t *o, const char *name, nc_type t, int nd, const int *dims, const char *long_name,
                          const char *units, int *vid)
{
    regia_status_t st = REGIA_OK;
    const char *tmp = o->tmp;
    NC(nc_def_var(o->ncid, name, t, nd, dims, vid));
    if (nd > 0 && dims) NC(nc_def_var_deflate(o->ncid, *vid, 1, 1, 4));
    NC(nc_put_att_text(o->ncid, *vid, "long_name", strlen(long_name), long_name));
    if (units) NC(nc_put_att_text(o->ncid, *vid, "units", strlen(units), units));
    /* ACDD: the kind of content (labels and indices say otherwise after def) */
    NC(nc_put_att_text(o->ncid, *vid, "coverage_content_type", strlen("modelResult"), "modelResult"));
err:
    return st;
}

static regia_status_t att_text(out_t *o, int vid, const char *name, const char *v)
{
    regia_status_t st = REGIA_OK;
    const char *tmp = o->tmp;
    NC(nc_put_att_text(o->ncid, vid, name, strlen(v), v));
err:
    return st;
}

static regia_status_t att_double(out_t *o, const char *name, double v)
{
    regia_status_t st = REGIA_OK;
    const char *tmp = o->tmp;
    NC(nc_put_att_double(o->ncid, NC_GLOBAL, name, NC_DOUBLE, 1, &v));
err:
    return st;
}

static regia_status_t att_int(out_t *o, const char *name, int v)
{
    regia_status_t st = REGIA_OK;
    const char *tmp = o->tmp;
    NC(nc_put_att_int(o->ncid, NC_GLOBAL, name, NC_INT, 1, &v));
err:
    return st;
}

/* ISO 8601 UTC with microseconds of a time in ns since 1970. */
static void iso_us(int64_t ns, char *buf, size_t len)
{
    struct tm tm;
    time_t s = (time_t)(ns / 1000000000);
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%06lldZ", (long long)((ns % 1000000000) / 1000));
}

regia_status_t modal_write(const char *path, const modal_record_t *rec, const int32_t *ref, int32_t nref,
                           const regia_ssi_cfg_t *cfg, const regia_ssi_result_t *res, const modal_fdd_t *fdd,
                           const char *input, const char *cmdline)
{
    regia_status_t st = REGIA_OK;
    regia_atomic_t at;
    out_t o = {-1, NULL};
    const char *tmp = path;
    int open = 0, begun = 0;
    int64_t np = res->n_poles;
    int32_t nm = res->n_modes, nch = rec->nch;
    void *scratch = NULL;
    REGIA_TRY(regia_atomic_begin(&at, path));
    begun = 1;
    tmp = o.tmp = at.tmp_path;
    NC(nc_create(tmp, NC_NETCDF4 | NC_CLOBBER, &o.ncid));
    open = 1;
    /* No unlimited dimension (CDO 2.1 takes one for the time axis) and no empty one: a record
     * without modes, poles or FDD peaks has no such dimension and no variables on it (the
     * global attributes mode_count, pole_count and fdd_peak_count say how many). */
    int d_ch, d_str, d_cx, d_mode = -1, d_pole = -1, d_order, d_sv, d_ref, d_line = -1, d_peak = -1;
    int have_peaks = fdd && fdd->have && fdd->n_peaks > 0;
    NC(nc_def_dim(o.ncid, "channel", (size_t)nch, &d_ch));
    NC(nc_def_dim(o.ncid, "name_strlen", MODAL_NAME, &d_str));
    NC(nc_def_dim(o.ncid, "complex", 2, &d_cx));
    NC(nc_def_dim(o.ncid, "reference", (size_t)nref, &d_ref));
    if (nm > 0) NC(nc_def_dim(o.ncid, "mode", (size_t)nm, &d_mode));
    if (np > 0) NC(nc_def_dim(o.ncid, "pole", (size_t)np, &d_pole));
    NC(nc_def_dim(o.ncid, "order", (size_t)res->n_orders, &d_order));
    NC(nc_def_dim(o.ncid, "hankel_sv", (size_t)res->n_sv, &d_sv));
    if (fdd && fdd->have) {
        NC(nc_def_dim(o.ncid, "fdd_line", (size_t)fdd->nf, &d_line));
        if (have_peaks) NC(nc_def_dim(o.ncid, "fdd_peak", (size_t)fdd->n_peaks, &d_peak));
    }
    enum {
        V_CH, V_CHNAME, V_CHUNITS, V_CHREF, V_REF, V_ORDER, V_SV,
        V_MF, V_MFS, V_MX, V_MXS, V_MMACMIN, V_MMACMEAN, V_MMPC, V_MMPD, V_MN, V_MOMIN, V_MOMAX, V_MSHAPE,
        V_PO, V_PF, V_PX, V_PL, V_PMPC, V_PMPD, V_PFLAGS, V_PREASON, V_PMODE, V_PSHAPE,
        V_FF, V_FSV, V_KF, V_KS1, V_KX, V_KSHAPE, V_N
    };
    int v[V_N];
    for (int i = 0; i < V_N; i++) v[i] = -1;
    int d2[3];
    /* the channels: an index coordinate, the names and units as auxiliary coordinates
     * (CDO 2.1 reads char variables only as coordinates of a variable whose last dimension
     * is theirs, and on 1-D variables only: channel_reference) */
    REGIA_TRY(def(&o, "channel", NC_INT, 1, &d_ch, "0-based index of the channel in the output", "1", &v[V_CH]));
    REGIA_TRY(att_text(&o, v[V_CH], "coverage_content_type", "coordinate"));
    d2[0] = d_ch, d2[1] = d_str;
    REGIA_TRY(def(&o, "channel_name", NC_CHAR, 2, d2, "channel name in the input", NULL, &v[V_CHNAME]));
    REGIA_TRY(def(&o, "channel_units", NC_CHAR, 2, d2,
                  "units of the channel's samples (the input's, in SI where converted)", NULL, &v[V_CHUNITS]));
    for (int i = V_CHNAME; i <= V_CHUNITS; i++) {
        REGIA_TRY(att_text(&o, v[i], "_Encoding", "utf-8"));
        REGIA_TRY(att_text(&o, v[i], "coverage_content_type", "auxiliaryInformation"));
    }
    REGIA_TRY(def(&o, "channel_reference", NC_BYTE, 1, &d_ch, "whether the channel is a reference channel of the SSI",
                  NULL, &v[V_CHREF]));
    {
        signed char fv[2] = {0, 1};
        NC(nc_put_att_schar(o.ncid, v[V_CHREF], "flag_values", NC_BYTE, 2, fv));
        REGIA_TRY(att_text(&o, v[V_CHREF], "flag_meanings", "output_only reference"));
        REGIA_TRY(att_text(&o, v[V_CHREF], "coordinates", "channel_name channel_units"));
        REGIA_TRY(att_text(&o, v[V_CHREF], "coverage_content_type", "auxiliaryInformation"));
    }
    REGIA_TRY(def(&o, "reference_channel", NC_INT, 1, &d_ref, "0-based index of a reference channel", "1",
                  &v[V_REF]));
    REGIA_TRY(att_text(&o, v[V_REF], "coverage_content_type", "auxiliaryInformation"));
    REGIA_TRY(def(&o, "model_order", NC_INT, 1, &d_order, "model orders of the stabilisation diagram", "1",
                  &v[V_ORDER]));
    REGIA_TRY(att_text(&o, v[V_ORDER], "coverage_content_type", "auxiliaryInformation"));
    REGIA_TRY(def(&o, "hankel_singular_value", NC_DOUBLE, 1, &d_sv,
                  "singular values of the block Hankel matrix of output covariances", NULL, &v[V_SV]));
    if (nm > 0) {
    REGIA_TRY(def(&o, "mode_frequency", NC_DOUBLE, 1, &d_mode, "natural frequency: mean over the mode's poles",
                  "Hz", &v[V_MF]));
    REGIA_TRY(def(&o, "mode_frequency_std", NC_DOUBLE, 1, &d_mode,
                  "sample standard deviation of the frequency over the mode's poles", "Hz", &v[V_MFS]));
    REGIA_TRY(def(&o, "mode_damping", NC_DOUBLE, 1, &d_mode, "damping ratio: mean over the mode's poles", "1",
                  &v[V_MX]));
    REGIA_TRY(def(&o, "mode_damping_std", NC_DOUBLE, 1, &d_mode,
                  "sample standard deviation of the damping ratio over the mode's poles", "1", &v[V_MXS]));
    REGIA_TRY(def(&o, "mode_mac_min", NC_DOUBLE, 1, &d_mode, "smallest MAC of a pole's shape with the mean shape",
                  "1", &v[V_MMACMIN]));
    REGIA_TRY(def(&o, "mode_mac_mean", NC_DOUBLE, 1, &d_mode, "mean MAC of the poles' shapes with the mean shape",
                  "1", &v[V_MMACMEAN]));
    REGIA_TRY(def(&o, "mode_mpc", NC_DOUBLE, 1, &d_mode, "modal phase collinearity of the mean shape", "1",
                  &v[V_MMPC]));
    REGIA_TRY(def(&o, "mode_mpd", NC_DOUBLE, 1, &d_mode, "mean phase deviation of the mean shape", "rad",
                  &v[V_MMPD]));
    REGIA_TRY(def(&o, "mode_n_poles", NC_INT, 1, &d_mode, "poles grouped into the mode (one per order)", "1",
                  &v[V_MN]));
    REGIA_TRY(def(&o, "mode_order_min", NC_INT, 1, &d_mode, "lowest model order with a pole of the mode", "1",
                  &v[V_MOMIN]));
    REGIA_TRY(def(&o, "mode_order_max", NC_INT, 1, &d_mode, "highest model order with a pole of the mode", "1",
                  &v[V_MOMAX]));
    d2[0] = d_mode, d2[1] = d_ch, d2[2] = d_cx;
    REGIA_TRY(def(&o, "mode_shape", NC_DOUBLE, 3, d2,
                  "mean mode shape (real, imaginary), largest component 1 + 0i", "1", &v[V_MSHAPE]));
    }
    if (np > 0) {
    REGIA_TRY(def(&o, "pole_order", NC_INT, 1, &d_pole, "model order of the pole", "1", &v[V_PO]));
    REGIA_TRY(def(&o, "pole_frequency", NC_DOUBLE, 1, &d_pole, "frequency |lambda_c| / 2 pi", "Hz", &v[V_PF]));
    REGIA_TRY(def(&o, "pole_damping", NC_DOUBLE, 1, &d_pole, "damping ratio -Re(lambda_c) / |lambda_c|", "1",
                  &v[V_PX]));
    d2[0] = d_pole, d2[1] = d_cx;
    REGIA_TRY(def(&o, "pole_lambda", NC_DOUBLE, 2, d2, "continuous-time pole ln(lambda_d) fs (real, imaginary)",
                  "rad s-1", &v[V_PL]));
    REGIA_TRY(def(&o, "pole_mpc", NC_DOUBLE, 1, &d_pole, "modal phase collinearity of the pole's shape (NaN: a pole outside the frequency or damping range, whose shape is not computed)", "1",
                  &v[V_PMPC]));
    REGIA_TRY(def(&o, "pole_mpd", NC_DOUBLE, 1, &d_pole, "mean phase deviation of the pole's shape (NaN: shape not computed)", "rad",
                  &v[V_PMPD]));
    REGIA_TRY(def(&o, "pole_flags", NC_INT, 1, &d_pole, "tests the pole passed", NULL, &v[V_PFLAGS]));
    {
        int masks[6] = {REGIA_POLE_HC, REGIA_POLE_STABLE_F, REGIA_POLE_STABLE_XI, REGIA_POLE_STABLE_MAC,
                        REGIA_POLE_STABLE, REGIA_POLE_IN_MODE};
        NC(nc_put_att_int(o.ncid, v[V_PFLAGS], "flag_masks", NC_INT, 6, masks));
        REGIA_TRY(att_text(&o, v[V_PFLAGS], "flag_meanings",
                           "hard_criteria stable_frequency stable_damping stable_shape stable in_mode"));
    }
    REGIA_TRY(def(&o, "pole_reason", NC_BYTE, 1, &d_pole, "why the pole was kept (mode) or dropped", NULL,
                  &v[V_PREASON]));
    {
        signed char vals[REGIA_POLE_N];
        char meanings[512] = "";
        for (int k = 0; k < REGIA_POLE_N; k++) {
            vals[k] = (signed char)k;
            snprintf(meanings + strlen(meanings), sizeof meanings - strlen(meanings), "%s%s", k ? " " : "",
                     regia_pole_reason_name(k));
        }
        NC(nc_put_att_schar(o.ncid, v[V_PREASON], "flag_values", NC_BYTE, REGIA_POLE_N, vals));
        REGIA_TRY(att_text(&o, v[V_PREASON], "flag_meanings", meanings));
    }
    REGIA_TRY(def(&o, "pole_mode", NC_INT, 1, &d_pole, "index of the pole's mode, -1 when none", "1", &v[V_PMODE]));
    d2[0] = d_pole, d2[1] = d_ch, d2[2] = d_cx;
    REGIA_TRY(def(&o, "pole_shape", NC_DOUBLE, 3, d2, "mode shape C psi of the pole, largest component 1 + 0i (NaN: a pole outside the frequency or damping range)",
                  "1", &v[V_PSHAPE]));
    }
    if (fdd && fdd->have) {
        REGIA_TRY(def(&o, "fdd_frequency", NC_DOUBLE, 1, &d_line, "frequency of the spectral line", "Hz", &v[V_FF]));
        d2[0] = d_line, d2[1] = d_ch;
        REGIA_TRY(def(&o, "fdd_singular_value", NC_DOUBLE, 2, d2,
                      "singular values of the cross-spectral density matrix per line, decreasing", NULL, &v[V_FSV]));
    }
    if (have_peaks) {
        REGIA_TRY(def(&o, "fdd_peak_frequency", NC_DOUBLE, 1, &d_peak, "FDD peak of the first singular value",
                      "Hz", &v[V_KF]));
        REGIA_TRY(def(&o, "fdd_peak_s1", NC_DOUBLE, 1, &d_peak, "first singular value at the peak", NULL, &v[V_KS1]));
        REGIA_TRY(def(&o, "fdd_peak_damping", NC_DOUBLE, 1, &d_peak, "EFDD damping ratio (NaN where it failed)", "1",
                      &v[V_KX]));
        d2[0] = d_peak, d2[1] = d_ch, d2[2] = d_cx;
        REGIA_TRY(def(&o, "fdd_peak_shape", NC_DOUBLE, 3, d2, "FDD mode shape, largest component 1 + 0i", "1",
                      &v[V_KSHAPE]));
    }
    /* global attributes: the ACDD-1.3 set every regia output has (regia/acdd.h), the
     * provenance (file names and checksums, no machine paths), then the method's */
    char created[32], t0s[40], t1s[40], id[256], hist[4608], summary[1024];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    {
        const char *b = regia_file_name(path);
        size_t n = strlen(b);
        if (n > 3 && (!strcmp(b + n - 3, ".nc") || !strcmp(b + n - 3, ".h5"))) n -= 3;
        snprintf(id, sizeof id, "%.*s", (int)n, b);
    }
    snprintf(hist, sizeof hist, "%s: %.4000s (regia %s, git %s)", created, cmdline, REGIA_VERSION, regia_git_rev);
    snprintf(summary, sizeof summary,
             "Operational modal analysis of one vibration record (%s, %d channels, %lld samples at %g Hz): "
             "covariance-driven stochastic subspace identification over model orders %d..%d, the poles of the "
             "stabilisation diagram with their tests, %d mode%s grouped automatically from stable poles (natural "
             "frequency, damping ratio, mode shape and their spread)%s.",
             regia_file_name(input), nch, (long long)rec->n, rec->fs, res->n_orders ? res->orders[0] : 0, res->n_orders ? res->orders[res->n_orders - 1] : 0, nm,
             nm == 1 ? "" : "s",
             fdd && fdd->have ? ", and the singular values and peaks of frequency domain decomposition (FDD)" : "");
    regia_acdd_t a = {
        .title = "Operational modal analysis of one vibration record (regia modal)",
        .summary = summary,
        .keywords = "operational modal analysis, stochastic subspace identification, SSI, frequency domain "
                    "decomposition, natural frequency, damping ratio, mode shape, structural health monitoring",
        .id = id,
        .source = "regia modal: covariance-driven SSI and FDD of a vibration record",
        .processing_level = "modal parameters identified from one record of measured (or simulated) vibrations",
        .comment = "Frequencies in Hz; damping ratios as fractions of critical; mode shapes complex (real, "
                   "imaginary on the complex dimension), normalised to largest component 1 + 0i.  Modes are "
                   "absent (mode_count = 0, no mode dimension) when no group of stable poles passed the tests.  "
                   "Channel units (channel_units) are those the input states, in SI where the sensor unit "
                   "table knows them (samples in g or mg converted to m s-2), empty where it states none.",
        .license = "Same terms as the input record",
        .acknowledgement = "Computed with regia.",
        .references = "Peeters, B. and De Roeck, G. (1999) Reference-based stochastic subspace identification for "
                      "output-only modal analysis, Mech. Syst. Signal Process. 13(6), 855-878; Doehler, M. and "
                      "Mevel, L. (2012) Fast multi-order computation of system matrices in subspace-based system "
                      "identification, Control Eng. Pract. 20(9), 882-894; Brincker, R., Zhang, L. and Andersen, P. "
                      "(2001) Modal identification of output-only systems using frequency domain decomposition, "
                      "Smart Mater. Struct. 10(3), 441-445",
        .feature_type = "",
        .cdm_data_type = "",
        .date_created = created,
        .history = hist,
        .time_start = NULL,
        .time_end = NULL,
        .duration_s = -1,
    };
    if (rec->start_ns) { /* the record's calendar time, when the input gives it */
        int64_t end_ns = rec->start_ns + (int64_t)((double)rec->n / rec->fs * 1e9);
        iso_us(rec->start_ns, t0s, sizeof t0s);
        iso_us(end_ns, t1s, sizeof t1s);
        a.time_start = t0s;
        a.time_end = t1s;
        a.duration_s = (end_ns - rec->start_ns) / 1000000000;
    }
    REGIA_TRY(regia_acdd_put(o.ncid, &a));
    REGIA_TRY(att_text(&o, NC_GLOBAL, "regia_version", REGIA_VERSION));
    REGIA_TRY(att_text(&o, NC_GLOBAL, "regia_git_rev", regia_git_rev));
    REGIA_TRY(att_text(&o, NC_GLOBAL, "regia_domain", "modal"));
    REGIA_TRY(att_text(&o, NC_GLOBAL, "command_line", cmdline));
    REGIA_TRY(att_text(&o, NC_GLOBAL, "input", regia_file_name(input)));
    REGIA_TRY(att_text(&o, NC_GLOBAL, "input_file", regia_file_name(input)));
    REGIA_TRY(att_text(&o, NC_GLOBAL, "input_format", rec->format));
    {
        char sha[65];
        if (regia_sha256_file(input, sha) == REGIA_OK) REGIA_TRY(att_text(&o, NC_GLOBAL, "input_sha256", sha));
        else regia_error_clear(); /* a store directory has no single checksum */
    }
    REGIA_TRY(att_int(&o, "mode_count", nm));
    REGIA_TRY(att_int(&o, "pole_count", (int)np));
    if (fdd && fdd->have) {
        REGIA_TRY(att_int(&o, "fdd_peak_count", fdd->n_peaks));
        REGIA_TRY(att_double(&o, "fdd_min_prominence_db", fdd->min_prominence_db));
        REGIA_TRY(att_double(&o, "fdd_noise_sd_db", fdd->noise_sd_db));
    }
    if (rec->start_ns) REGIA_TRY(att_text(&o, NC_GLOBAL, "record_start", t0s));
    REGIA_TRY(att_double(&o, "sampling_rate", rec->fs));
    REGIA_TRY(att_double(&o, "record_samples", (double)rec->n));
    REGIA_TRY(att_text(&o, NC_GLOBAL, "method",
                       "covariance-driven SSI (Peeters and De Roeck 1999), all orders from one QR (Doehler and "
                       "Mevel 2012), automatic grouping of stable poles; docs/modal.md"));
    REGIA_TRY(att_text(&o, NC_GLOBAL, "ssi_window", cfg->window == REGIA_SSI_FIXED ? "fixed" : "unbiased"));
    REGIA_TRY(att_int(&o, "ssi_block_rows", cfg->block_rows));
    REGIA_TRY(att_int(&o, "ssi_detrend", cfg->detrend));
    REGIA_TRY(att_double(&o, "ssi_f_min", cfg->f_min));
    REGIA_TRY(att_double(&o, "ssi_f_max", cfg->f_max));
    REGIA_TRY(att_double(&o, "ssi_xi_min", cfg->xi_min));
    REGIA_TRY(att_double(&o, "ssi_xi_max", cfg->xi_max));
    REGIA_TRY(att_double(&o, "ssi_mpc_min", cfg->mpc_min));
    REGIA_TRY(att_double(&o, "ssi_mpd_max", cfg->mpd_max));
    REGIA_TRY(att_double(&o, "ssi_stab_df", cfg->stab_df));
    REGIA_TRY(att_double(&o, "ssi_stab_dxi", cfg->stab_dxi));
    REGIA_TRY(att_double(&o, "ssi_stab_dmac", cfg->stab_dmac));
    REGIA_TRY(att_int(&o, "ssi_stab_orders", cfg->stab_orders));
    REGIA_TRY(att_double(&o, "ssi_group_df", cfg->clus_df));
    REGIA_TRY(att_double(&o, "ssi_group_dmac", cfg->clus_dmac));
    REGIA_TRY(att_int(&o, "ssi_group_min_poles", cfg->clus_min_poles));
    REGIA_TRY(att_double(&o, "ssi_group_min_fraction", cfg->clus_min_frac));
    if (fdd && fdd->have) REGIA_TRY(att_int(&o, "fdd_nperseg", fdd->nperseg));
    NC(nc_enddef(o.ncid));
    /* data */
    size_t cnt = (size_t)(np > nm ? np : nm) * (size_t)nch * 2 + (size_t)nch * MODAL_NAME + 16;
    if (fdd && fdd->have && (size_t)fdd->nf * nch > cnt) cnt = (size_t)fdd->nf * nch;
    scratch = malloc(cnt * sizeof(double));
    if (!scratch) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: no memory", path);
        goto err;
    }
    double *dv = scratch;
    int *iv = scratch;
    signed char *bv = scratch;
    for (int32_t c = 0; c < nch; c++) iv[c] = c;
    NC(nc_put_var_int(o.ncid, v[V_CH], iv));
    for (int32_t c = 0; c < nch; c++) bv[c] = 0;
    for (int32_t r = 0; r < nref; r++) bv[ref[r]] = 1;
    NC(nc_put_var_schar(o.ncid, v[V_CHREF], bv));
    NC(nc_put_var_text(o.ncid, v[V_CHNAME], &rec->name[0][0]));
    NC(nc_put_var_text(o.ncid, v[V_CHUNITS], &rec->units[0][0]));
    NC(nc_put_var_int(o.ncid, v[V_REF], ref));
    NC(nc_put_var_int(o.ncid, v[V_ORDER], res->orders));
    NC(nc_put_var_double(o.ncid, v[V_SV], res->sv));
    if (nm > 0) {
        size_t s0[3] = {0, 0, 0}, c1[3] = {(size_t)nm, (size_t)nch, 2};
#define MODE_D(var, field)                                                                         \
    for (int32_t j = 0; j < nm; j++) dv[j] = res->modes[j].field;                                  \
    NC(nc_put_vara_double(o.ncid, v[var], s0, c1, dv))
#define MODE_I(var, field)                                                                         \
    for (int32_t j = 0; j < nm; j++) iv[j] = res->modes[j].field;                                  \
    NC(nc_put_vara_int(o.ncid, v[var], s0, c1, iv))
        MODE_D(V_MF, f);
        MODE_D(V_MFS, f_std);
        MODE_D(V_MX, xi);
        MODE_D(V_MXS, xi_std);
        MODE_D(V_MMACMIN, mac_min);
        MODE_D(V_MMACMEAN, mac_mean);
        MODE_D(V_MMPC, mpc);
        MODE_D(V_MMPD, mpd);
        MODE_I(V_MN, n_poles);
        MODE_I(V_MOMIN, order_min);
        MODE_I(V_MOMAX, order_max);
        NC(nc_put_vara_double(o.ncid, v[V_MSHAPE], s0, c1, res->mode_shapes));
    }
    if (np > 0) {
#define POLE_D(var, expr)                                                                          \
    for (int64_t k = 0; k < np; k++) dv[k] = (expr);                                               \
    NC(nc_put_var_double(o.ncid, v[var], dv))
#define POLE_I(var, expr)                                                                          \
    for (int64_t k = 0; k < np; k++) iv[k] = (expr);                                               \
    NC(nc_put_var_int(o.ncid, v[var], iv))
        POLE_I(V_PO, res->poles[k].order);
        POLE_D(V_PF, res->poles[k].f);
        POLE_D(V_PX, res->poles[k].xi);
        POLE_D(V_PMPC, res->poles[k].mpc);
        POLE_D(V_PMPD, res->poles[k].mpd);
        POLE_I(V_PFLAGS, (int)res->poles[k].flags);
        POLE_I(V_PMODE, res->poles[k].mode);
        for (int64_t k = 0; k < np; k++) bv[k] = (signed char)res->poles[k].reason;
        NC(nc_put_var_schar(o.ncid, v[V_PREASON], bv));
        for (int64_t k = 0; k < np; k++) {
            dv[2 * k] = res->poles[k].lambda_re;
            dv[2 * k + 1] = res->poles[k].lambda_im;
        }
        NC(nc_put_var_double(o.ncid, v[V_PL], dv));
        NC(nc_put_var_double(o.ncid, v[V_PSHAPE], res->pole_shapes));
    }
    if (fdd && fdd->have) {
        NC(nc_put_var_double(o.ncid, v[V_FF], fdd->freq));
        NC(nc_put_var_double(o.ncid, v[V_FSV], fdd->sv));
        if (fdd->n_peaks > 0) {
            size_t s0[3] = {0, 0, 0}, c1[3] = {(size_t)fdd->n_peaks, (size_t)nch, 2};
            NC(nc_put_vara_double(o.ncid, v[V_KF], s0, c1, fdd->peak_f));
            NC(nc_put_vara_double(o.ncid, v[V_KS1], s0, c1, fdd->peak_s1));
            NC(nc_put_vara_double(o.ncid, v[V_KX], s0, c1, fdd->peak_xi));
            NC(nc_put_vara_double(o.ncid, v[V_KSHAPE], s0, c1, fdd->peak_shape));
        }
    }
    open = 0;
    NC(nc_close(o.ncid));
    REGIA_TRY(regia_atomic_commit(&at));
    begun = 0;
err:
    if (open) nc_close(o.ncid);
    if (begun) regia_atomic_abort(&at);
    free(scratch);
    return st;
}
