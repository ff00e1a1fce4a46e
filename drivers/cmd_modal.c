/* cmd_modal.c - `regia modal`: automatic operational modal analysis of one record from a
 * researcher's own file (NumPy .npy, CSV, a sensor-store trace window, miniSEED):
 * covariance-driven SSI with automatic modes (regia/ssi.h), FDD peaks (regia/fdd.h), one
 * NetCDF-4 / HDF5 output with the modes and their spreads, the stabilisation diagram (every
 * pole of every order with its flags and the reason it was kept or dropped) and the FDD
 * spectrum.  A plain command, not a domain of the run protocol: one record is one item,
 * with nothing to shard, checkpoint or gather; rank 0 does the work and every rank ends
 * with its status.  User guide: docs/modal.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_impl.h"
#include "modal_impl.h"
#include "regia/io.h"
#include "regia/job.h"
#include "regia/log.h"
#include "regia/options.h"
#include "regia/ssi.h"

static const regia_job_key_t modal_schema[] = {
    {"modal", "input", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "the record: .npy (2-D float64 or float32, samples x channels), .csv/.txt (channel columns, optional header; or a "
     "sensor export with a time column), .h5/.nc (a sensor store), .mseed (miniSEED)"},
    {"modal", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "output NetCDF-4/HDF5 file (.nc or .h5)"},
    {"modal", "fs", REGIA_KEY_DOUBLE, 0, "0", 0, 1e9, NULL,
     "sampling rate, Hz (required for .npy and plain CSV; checked against the file otherwise)"},
    {"modal", "channels", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL,
     "channels to use, by name or 0-based index [default: all; a store: every acceleration channel]"},
    {"modal", "references", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL,
     "reference channels of SSI-cov/ref, among the channels used [default: all]"},
    {"modal", "date_format", REGIA_KEY_ENUM, 0, "dmy", 0, 0, "dmy|mdy|iso",
     "sensor export CSV: order of slash dates, dd/mm/yyyy (dmy) or mm/dd/yyyy (mdy), or iso (yyyy-mm-dd only); "
     "dates that contradict it are an error, never guessed"},
    {"modal", "structure", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "sensor store: the structure [default: the only one]"},
    {"modal", "sensor", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "sensor store: only this sensor's channels"},
    {"modal", "start", REGIA_KEY_DOUBLE, 0, "0", 0, 1e12, NULL, "start of the record, seconds after the first sample"},
    {"modal", "duration", REGIA_KEY_DOUBLE, 0, "0", 0, 1e12, NULL, "length of the record, seconds (0: to the end)"},
    {"modal", "orders", REGIA_KEY_STRING, 0, "2:60:2", 0, 0, NULL,
     "model orders MIN:MAX:STEP (MAX is capped at block_rows x references and (block_rows - 1) x channels)"},
    {"modal", "block_rows", REGIA_KEY_INT, 0, "20", 1, 100000, NULL, "block rows i of the Hankel matrix (pyOMA2: 20)"},
    {"modal", "window", REGIA_KEY_ENUM, 0, "fixed", 0, 0, "fixed|unbiased",
     "covariance estimate: fixed (pyOMA2, N - 2i + 1 samples per block) or unbiased (KOMA, 1/(N - k) per lag)"},
    {"modal", "detrend", REGIA_KEY_BOOL, 0, "yes", 0, 0, NULL, "remove each channel's mean first"},
    {"modal", "f_min", REGIA_KEY_DOUBLE, 0, "0", 0, 1e9, NULL, "hard criterion: lowest frequency, Hz"},
    {"modal", "f_max", REGIA_KEY_DOUBLE, 0, "0", 0, 1e9, NULL, "hard criterion: highest frequency, Hz (0: Nyquist)"},
    {"modal", "xi_max", REGIA_KEY_DOUBLE, 0, "0.2", 0, 1, NULL, "hard criterion: damping ratio below this (and above 0)"},
    {"modal", "mpc_min", REGIA_KEY_DOUBLE, 0, "0.5", 0, 1, NULL, "hard criterion: MPC at least this"},
    {"modal", "mpd_max", REGIA_KEY_DOUBLE, 0, "0.5", 0, 4, NULL, "hard criterion: MPD at most this, rad (0: off)"},
    {"modal", "stab_df", REGIA_KEY_DOUBLE, 0, "0.05", 0, 1, NULL, "stability: relative frequency change below this"},
    {"modal", "stab_dxi", REGIA_KEY_DOUBLE, 0, "0.1", 0, 10, NULL, "stability: relative damping change below this"},
    {"modal", "stab_dmac", REGIA_KEY_DOUBLE, 0, "0.05", 0, 1, NULL, "stability: 1 - MAC below this"},
    {"modal", "stab_orders", REGIA_KEY_INT, 0, "1", 1, 100, NULL, "stability: lower orders that must agree"},
    {"modal", "group_df", REGIA_KEY_DOUBLE, 0, "0.01", 0, 1, NULL, "grouping: relative frequency distance of a link"},
    {"modal", "group_dmac", REGIA_KEY_DOUBLE, 0, "0.05", 0, 1, NULL, "grouping: 1 - MAC of a link"},
    {"modal", "min_poles", REGIA_KEY_INT, 0, "3", 1, 100000, NULL, "grouping: fewest poles of a mode"},
    {"modal", "min_fraction", REGIA_KEY_DOUBLE, 0, "0.3", 0, 1, NULL,
     "grouping: a mode has poles in at least this fraction of the orders"},
    {"modal", "fdd", REGIA_KEY_BOOL, 0, "yes", 0, 0, NULL, "also frequency-domain decomposition (FDD) peaks"},
    {"modal", "nperseg", REGIA_KEY_INT, 0, "0", 0, 1 << 24, NULL,
     "FDD: Welch segment length (0: the power of 2 nearest fs x 20 s, at most a quarter of the record)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static const regia_opt_meta_t modal_meta[] = {
    {"input", "FILE"}, {"output", "OUT.h5"}, {"fs", "HZ"}, {"channels", "a,b,..."}, {"references", "a,b,..."},
    {"orders", "MIN:MAX:STEP"}, {"block_rows", "N"}, {"start", "S"}, {"duration", "S"}, {"date_format", "dmy|mdy|iso"},
    {NULL, NULL},
};

static int usage(regia_ctx_t *ctx)
{
    if (ctx->rank == 0) {
        printf("usage: regia modal --input FILE --output OUT.h5|OUT.nc [--fs HZ] [--channels a,b,...]\n"
               "                   [--orders 2:60:2] [--block-rows N] [OPTIONS]\n\n"
               "Identifies the modes of one record without hand-picking: covariance-driven SSI over the\n"
               "model orders, hard criteria, stability between orders, automatic grouping of the stable\n"
               "poles into modes with their spread, and FDD peaks.  docs/modal.md.\n\nOptions:\n");
        regia_opts_print_help(modal_schema, modal_meta, stdout);
    }
    return REGIA_EXIT_OK;
}

static regia_status_t parse_orders(const char *s, regia_ssi_cfg_t *cfg)
{
    int a, b, c = 1, used = 0;
    int k = sscanf(s, "%d:%d%n", &a, &b, &used);
    if (k == 2 && s[used] == ':') {
        int u2 = 0;
        if (sscanf(s + used + 1, "%d%n", &c, &u2) != 1) used = -1;
        else used += 1 + u2;
    }
    if (k != 2 || used < 0 || s[used] != 0 || a < 1 || b < a || c < 1)
        return REGIA_FAIL(REGIA_ERR_INVALID, "--orders '%s': expected MIN:MAX[:STEP] with 1 <= MIN <= MAX, STEP >= 1", s);
    cfg->ord_min = a;
    cfg->ord_max = b;
    cfg->ord_step = c;
    return REGIA_OK;
}

/* Cap ord_max at what the Hankel matrix of nch channels and nref references can give; an
 * error when even ord_min is beyond it, or when the orders left are too few for any mode
 * (a mode has at most one pole per order, and the lowest stab_orders orders have no stable
 * pole), which would give a "successful" run that cannot find a mode. */
static regia_status_t cap_orders(regia_ssi_cfg_t *cfg, int32_t nch, int32_t nref, const char *orders, int given,
                                 regia_log_t *log)
{
    int64_t cap = (int64_t)cfg->block_rows * nref, cap2 = (int64_t)(cfg->block_rows - 1) * nch;
    if (cap2 < cap) cap = cap2;
    if (cap < cfg->ord_min)
        return REGIA_FAIL(REGIA_ERR_INVALID, "--orders %s: the lowest order %d exceeds the %lld that %d block rows of "
                          "%d channels (%d references) give (block rows x references and (block rows - 1) x "
                          "channels): lower --orders or raise --block-rows", orders, cfg->ord_min, (long long)cap,
                          cfg->block_rows, nch, nref);
    if (cfg->ord_max > cap) {
        int32_t m = cfg->ord_min + (int32_t)((cap - cfg->ord_min) / cfg->ord_step) * cfg->ord_step;
        if (given) /* the user's orders: a warning; the default's: said, not warned of */
            regia_warn(log, "modal: --orders up to %d exceed what %d block rows of %d channels (%d references) "
                       "give; using orders up to %d", cfg->ord_max, cfg->block_rows, nch, nref, m);
        else
            regia_info(log, "modal: orders up to %d (the default 2:60:2 capped at what %d block rows of %d channels, "
                       "%d references, give)", m, cfg->block_rows, nch, nref);
        cfg->ord_max = m;
    }
    const int32_t n_orders = (cfg->ord_max - cfg->ord_min) / cfg->ord_step + 1;
    int32_t need = (int32_t)ceil(cfg->clus_min_frac * n_orders - 1e-9);
    if (need < cfg->clus_min_poles) need = cfg->clus_min_poles;
    if (n_orders - cfg->stab_orders < need)
        return REGIA_FAIL(REGIA_ERR_INVALID, "--orders %s gives %d model order%s (%d..%d step %d): a mode needs %d "
                          "stable poles, at most one per order, and the lowest %d order%s cannot be stable "
                          "(--stab-orders): no mode could be found; give more orders (a wider --orders or a smaller "
                          "step) or lower --min-poles / --min-fraction", orders, n_orders, n_orders == 1 ? "" : "s",
                          cfg->ord_min, cfg->ord_max, cfg->ord_step, need, cfg->stab_orders,
                          cfg->stab_orders == 1 ? "" : "s");
    return REGIA_OK;
}

static regia_status_t run_modal(regia_ctx_t *ctx, regia_job_t *job, const char *cmdline)
{
    regia_status_t st = REGIA_OK;
    modal_record_t rec;
    regia_ssi_result_t res;
    modal_fdd_t fdd;
    int32_t *ref = NULL;
    const char **chans = NULL;
    memset(&rec, 0, sizeof rec);
    memset(&fdd, 0, sizeof fdd);
    regia_ssi_result_init(&res);
    const char *input = regia_job_path(job, "modal", "input"), *output = regia_job_path(job, "modal", "output");
    {
        const char *e = strrchr(output, '.');
        if (!e || (strcmp(e, ".nc") && strcmp(e, ".h5") && strcmp(e, ".hdf5"))) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "--output %s: expected a .nc or .h5 file name", output);
            goto err;
        }
        if (regia_same_file(output, input)) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "--output %s is the input file %s: the results would replace the "
                            "record; give the output another name", output, input);
            goto err;
        }
    }
    modal_read_opts_t ro = {0};
    ro.fs = regia_job_double(job, "modal", "fs");
    {
        const char *df = regia_job_str(job, "modal", "date_format");
        ro.date_order = !strcmp(df, "mdy") ? REGIA_DATE_MDY : !strcmp(df, "iso") ? REGIA_DATE_ISO : REGIA_DATE_DMY;
    }
    ro.structure = regia_job_str(job, "modal", "structure");
    ro.sensor = regia_job_str(job, "modal", "sensor");
    ro.start_s = regia_job_double(job, "modal", "start");
    ro.duration_s = regia_job_double(job, "modal", "duration");
    ro.n_channels = regia_job_list_len(job, "modal", "channels");
    if (ro.n_channels > 0) {
        chans = calloc((size_t)ro.n_channels, sizeof *chans);
        if (!chans) {
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "no memory");
            goto err;
        }
        for (int k = 0; k < ro.n_channels; k++) chans[k] = regia_job_list_item(job, "modal", "channels", k);
        ro.channels = chans;
    }
    double t0 = regia_now();
    REGIA_TRY(modal_read(input, &ro, &rec));
    double t_read = regia_now() - t0;
    regia_info(&ctx->log, "modal: %s (%s): %d channels x %lld samples at %g Hz (%.1f s)", input, rec.format,
               rec.nch, (long long)rec.n, rec.fs, (double)rec.n / rec.fs);
    /* references */
    int32_t nref = regia_job_list_len(job, "modal", "references");
    ref = malloc((size_t)(nref > 0 ? nref : rec.nch) * sizeof *ref);
    if (!ref) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "no memory");
        goto err;
    }
    if (nref == 0) {
        nref = rec.nch;
        for (int32_t k = 0; k < nref; k++) ref[k] = k;
    }
    for (int32_t j = 0; j < nref && ref != NULL && regia_job_list_len(job, "modal", "references") > 0; j++) {
        const char *c = regia_job_list_item(job, "modal", "references", j);
        int k = -1;
        for (int32_t q = 0; q < rec.nch && k < 0; q++)
            if (!strcmp(rec.name[q], c)) k = q;
        if (k < 0) {
            char *e;
            long v = strtol(c, &e, 10);
            if (*c && !*e && v >= 0 && v < rec.nch) k = (int)v;
        }
        if (k < 0) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "--references: '%s' is not one of the channels used (a name or a "
                            "0-based index among them)", c);
            goto err;
        }
        for (int32_t q = 0; q < j; q++)
            if (ref[q] == k) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "--references: channel '%s' given twice", c);
                goto err;
            }
        ref[j] = k;
    }
    /* configuration */
    regia_ssi_cfg_t cfg;
    regia_ssi_defaults(&cfg);
    REGIA_TRY(parse_orders(regia_job_str(job, "modal", "orders"), &cfg));
    cfg.block_rows = (int32_t)regia_job_int(job, "modal", "block_rows");
    cfg.window = !strcmp(regia_job_str(job, "modal", "window"), "unbiased") ? REGIA_SSI_UNBIASED : REGIA_SSI_FIXED;
    cfg.detrend = regia_job_bool(job, "modal", "detrend");
    cfg.f_min = regia_job_double(job, "modal", "f_min");
    cfg.f_max = regia_job_double(job, "modal", "f_max");
    cfg.xi_max = regia_job_double(job, "modal", "xi_max");
    cfg.mpc_min = regia_job_double(job, "modal", "mpc_min");
    cfg.mpd_max = regia_job_double(job, "modal", "mpd_max");
    cfg.stab_df = regia_job_double(job, "modal", "stab_df");
    cfg.stab_dxi = regia_job_double(job, "modal", "stab_dxi");
    cfg.stab_dmac = regia_job_double(job, "modal", "stab_dmac");
    cfg.stab_orders = (int32_t)regia_job_int(job, "modal", "stab_orders");
    cfg.clus_df = regia_job_double(job, "modal", "group_df");
    cfg.clus_dmac = regia_job_double(job, "modal", "group_dmac");
    cfg.clus_min_poles = (int32_t)regia_job_int(job, "modal", "min_poles");
    cfg.clus_min_frac = regia_job_double(job, "modal", "min_fraction");
    REGIA_TRY(cap_orders(&cfg, rec.nch, nref, regia_job_str(job, "modal", "orders"),
                         regia_job_line(job, "modal", "orders") > 0, &ctx->log));
    {
        char msg[300];
        if (regia_ssi_check(&cfg, rec.n, rec.nch, nref, msg, sizeof msg) != REGIA_OK) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s", input, msg);
            goto err;
        }
    }
    t0 = regia_now();
    if ((st = regia_ssi_cov(rec.y, rec.n, rec.nch, ref, nref, rec.fs, &cfg, &res))) {
        regia_error_prefix("%s: ", input); /* which record the numbers came from */
        goto err;
    }
    double t_ssi = regia_now() - t0;
    if (regia_job_bool(job, "modal", "fdd") &&
        (st = modal_fdd(&rec, (int32_t)regia_job_int(job, "modal", "nperseg"), &fdd))) {
        regia_error_prefix("%s: ", input);
        goto err;
    }
    REGIA_TRY(modal_write(output, &rec, ref, nref, &cfg, &res, &fdd, input, cmdline));
    regia_info(&ctx->log, "modal: orders %d..%d step %d, %lld poles, %d modes (SSI %.3f s, read %.3f s)%s%s",
               cfg.ord_min, cfg.ord_max, cfg.ord_step, (long long)res.n_poles, res.n_modes, t_ssi, t_read,
               fdd.have ? ", FDD peaks " : "", fdd.have ? "computed" : "");
    for (int32_t j = 0; j < res.n_modes; j++) {
        const regia_ssi_mode_t *m = res.modes + j;
        regia_info(&ctx->log, "  mode %d: f %.5f Hz (sd %.2g), xi %.4f (sd %.2g), %d poles (orders %d..%d), MAC "
                   "min %.4f", j + 1, m->f, m->f_std, m->xi, m->xi_std, m->n_poles, m->order_min, m->order_max,
                   m->mac_min);
    }
    if (fdd.have) { /* the second estimate beside the SSI modes, in the log too */
        char line[1024];
        int len = snprintf(line, sizeof line, "  FDD: %d peak%s of prominence >= %.1f dB (6 dB, or 6.5 x the "
                           "estimate's %.2f dB sd)", fdd.n_peaks, fdd.n_peaks == 1 ? "" : "s", fdd.min_prominence_db,
                           fdd.noise_sd_db);
        for (int32_t j = 0; j < fdd.n_peaks && len > 0 && len < (int)sizeof line - 48; j++)
            len += isnan(fdd.peak_xi[j])
                       ? snprintf(line + len, sizeof line - (size_t)len, "%s %.4g Hz (no EFDD xi)", j ? "," : " at",
                                  fdd.peak_f[j])
                       : snprintf(line + len, sizeof line - (size_t)len, "%s %.4g Hz (EFDD xi %.3f)", j ? "," : " at",
                                  fdd.peak_f[j], fdd.peak_xi[j]);
        regia_info(&ctx->log, "%s", line);
    }
    int64_t n_stable = 0;
    for (int64_t p = 0; p < res.n_poles; p++) n_stable += (res.poles[p].flags & REGIA_POLE_STABLE) != 0;
    if (res.n_modes == 0)
        regia_warn(&ctx->log, "modal: %s: no mode found (%lld poles over orders %d..%d, %lld of them stable, none "
                   "in a group large enough to be a mode): the output holds the stabilisation diagram%s and each "
                   "pole's reason (pole_reason); docs/modal.md, \"No modes\"", input, (long long)res.n_poles,
                   cfg.ord_min, cfg.ord_max, (long long)n_stable, fdd.have ? ", the FDD peaks" : "");
    else if (fdd.have && fdd.n_peaks > res.n_modes)
        /* an FDD peak needs only the first singular value; an SSI mode needs its shape to
         * hold across orders, which a channel delayed by a late clock breaks */
        regia_warn(&ctx->log, "modal: %s: SSI found %d mode%s, FDD %d peaks: if the channels come from several "
                   "sensors, their clocks may disagree, which costs SSI modes; try one sensor's channels (--channels, "
                   "--sensor) (docs/modal.md, \"Channels of several sensors\")", input, res.n_modes,
                   res.n_modes == 1 ? "" : "s", fdd.n_peaks);
    regia_info(&ctx->log, "modal: wrote %s", output);
err:
    free(chans);
    free(ref);
    modal_record_free(&rec);
    modal_fdd_free(&fdd);
    regia_ssi_result_free(&res);
    return st;
}

int regia_cmd_modal(regia_ctx_t *ctx, int argc, char **argv)
{
    regia_opts_t o;
    regia_job_t *job = NULL;
    if (regia_opts_parse(modal_schema, modal_meta, 0, argc, argv, &o) != REGIA_OK)
        return regia_usage_error(ctx, "modal", "%s", regia_error_msg());
    if (o.help) {
        regia_opts_free(&o);
        return usage(ctx);
    }
    regia_opts_free(&o);
    if (regia_opts_parse(modal_schema, modal_meta, 1, argc, argv, &o) != REGIA_OK)
        return regia_usage_error(ctx, "modal", "%s", regia_error_msg());
    if (o.n_pos) {
        int rc = regia_usage_error(ctx, "modal", "unexpected argument '%s'", o.pos[0]);
        regia_opts_free(&o);
        return rc;
    }
    if (o.quiet) ctx->log.quiet = 1; /* -q: warnings and errors only */
    if (o.verbose) ctx->log.verbose = 1;
    regia_status_t pst = regia_job_parse(o.text ? o.text : "", "command line", modal_schema, &job);
    regia_opts_free(&o);
    if (pst) return regia_usage_error(ctx, "modal", "%s", regia_error_msg());
    char cmdline[4096];
    regia_provenance_cmdline(cmdline, sizeof cmdline, "modal", argc, argv);
    regia_status_t st = REGIA_OK;
    if (ctx->rank == 0) st = run_modal(ctx, job, cmdline);
    regia_job_free(job);
    st = regia_agree(ctx, st);
    return st == REGIA_OK ? REGIA_EXIT_OK : REGIA_EXIT_FAIL;
}
