/* sensors_job.c - the job-file schema of `regia sensors` and its configure step (every key
 * checked and named with its file and line when out of range or inconsistent). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/io.h"
#include "sensors_impl.h"

const regia_job_key_t regia_sensors_schema[] = {
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "summary NetCDF-4 (CF-1.10/ACDD-1.3) per structure and day; the manifest is OUT.manifest.json"},
    {"job", "detail", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "HDF5 detail per record (spectra, poles, modes, tracks) [default: OUT minus .nc, plus _detail.h5]"},
    {"job", "name", REGIA_KEY_STRING, 0, "regia-sensors", 0, 0, NULL, "name of the run (ACDD id)"},
    {"job", "domain", REGIA_KEY_ENUM, 0, "sensors", 0, 0, "sensors", "the domain this job file is for (regia submit)"},
    {"job", "backend", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|cpu|cuda", "compute backend (Welch spectra)"},
    {"job", "threads", REGIA_KEY_INT, 0, "0", 0, 4096, NULL, "CPU threads per rank (0: OMP_NUM_THREADS)"},
    {"job", "progress_interval", REGIA_KEY_DOUBLE, 0, "10", 0.1, 86400, NULL, "seconds between progress lines"},
    {"job", "checkpoint_dir", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "directory of the restart files [default: OUT minus .nc, plus .ckpt]"},
    {"job", "checkpoint_interval", REGIA_KEY_DOUBLE, 0, "300", 0, 1e9, NULL,
     "seconds between checkpoints of finished records (0: only on SIGUSR1/SIGTERM)"},
    {"job", "chunk", REGIA_KEY_INT, 0, "64", 0, 1 << 24, NULL, "records per checkpoint block"},
    {"input", "store", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "sensor store (HDF5 layout of docs/sensors.md; regia gen sensors or regia ingest sensors)"},
    {"input", "structures", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL, "structures to analyse [default: all in the store]"},
    {"sensors", "ingest_job", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "regia submit: a job file of regia ingest sensors that writes [input] store, run first (afterok)"},
    {"records", "length", REGIA_KEY_DOUBLE, 0, "600", 10, 86400, NULL, "record (window) length in seconds"},
    {"records", "min_coverage", REGIA_KEY_DOUBLE, 0, "0.9", 0.01, 1, NULL,
     "share of a record's samples a channel must have to be analysed"},
    {"records", "min_channels", REGIA_KEY_DOUBLE, 0, "0.5", 0.01, 1, NULL,
     "share of a structure's channels that must pass the quality flags for the record to be identified"},
    {"welch", "nperseg", REGIA_KEY_INT, 0, "1024", 8, 1 << 22, NULL, "samples per Welch segment"},
    {"welch", "noverlap", REGIA_KEY_INT, 0, "-1", -1, 1 << 22, NULL, "overlapping samples (-1: nperseg / 2)"},
    {"welch", "nfft", REGIA_KEY_INT, 0, "0", 0, 1 << 23, NULL, "FFT length, >= nperseg (0: nperseg)"},
    {"welch", "window", REGIA_KEY_ENUM, 0, "hann", 0, 0, "hann|boxcar|hamming", "segment window (periodic)"},
    {"welch", "detrend", REGIA_KEY_ENUM, 0, "constant", 0, 0, "none|constant|linear", "detrending per segment"},
    {"welch", "scaling", REGIA_KEY_ENUM, 0, "density", 0, 0, "density|spectrum",
     "density ((m s-2)^2/Hz) or spectrum ((m s-2)^2), as scipy.signal.welch"},
    {"welch", "batch_records", REGIA_KEY_INT, 0, "0", 0, 4096, NULL,
     "records per Welch op call (consecutive records of one structure with the same usable channels; "
     "0: the rank's threads on the CPU backend, at least 8 on a GPU; the spectra are the same for any value)"},
    {"ssi", "block_rows", REGIA_KEY_INT, 0, "20", 2, 1000, NULL, "block rows i of the block Hankel matrix"},
    {"ssi", "orders", REGIA_KEY_STRING, 0, "2:40:2", 0, 0, NULL, "model orders MIN:MAX:STEP of the stabilisation diagram"},
    {"ssi", "window", REGIA_KEY_ENUM, 0, "fixed", 0, 0, "fixed|unbiased",
     "covariance estimate: fixed (pyOMA2) or unbiased per lag (KOMA)"},
    {"ssi", "fmin", REGIA_KEY_DOUBLE, 0, "0.5", 0, 1e5, NULL, "poles below this frequency (Hz) fail the hard criteria"},
    {"ssi", "fmax", REGIA_KEY_DOUBLE, 0, "0", 0, 1e5, NULL, "poles above this frequency (Hz) fail them (0: Nyquist)"},
    {"ssi", "xi_max", REGIA_KEY_DOUBLE, 0, "0.2", 0.001, 1, NULL, "largest damping ratio of a physical pole"},
    {"ssi", "mpc_min", REGIA_KEY_DOUBLE, 0, "0.5", 0, 1, NULL, "smallest modal phase collinearity"},
    {"ssi", "mpd_max", REGIA_KEY_DOUBLE, 0, "0.5", 0, 3.2, NULL, "largest mean phase deviation (radians)"},
    {"ssi", "min_pole_fraction", REGIA_KEY_DOUBLE, 0, "0.3", 0, 1, NULL,
     "share of the orders a group of stable poles must span to be a mode"},
    {"ssi", "max_modes", REGIA_KEY_INT, 0, "8", 1, 64, NULL, "modes kept per record (the most poles first)"},
    {"fdd", "prominence_db", REGIA_KEY_DOUBLE, 0, "6", 0, 200, NULL, "prominence of a peak of the first singular value (dB)"},
    {"qc", "hampel_k", REGIA_KEY_DOUBLE, 0, "6", 1, 100, NULL, "Hampel spike rule |x - median| > k * 1.4826 * MAD"},
    {"qc", "hampel_half_window", REGIA_KEY_INT, 0, "50", 0, 100000, NULL,
     "half width of the Hampel window, samples (0: no spike detection)"},
    {"qc", "max_spike_fraction", REGIA_KEY_DOUBLE, 0, "0.001", 0, 1, NULL,
     "most spikes (share of the samples) that are replaced by the window median instead of leaving the channel out"},
    {"qc", "flat_eps", REGIA_KEY_DOUBLE, 0, "1e-9", 0, 1e9, NULL, "rolling standard deviation below which a channel is flat"},
    {"qc", "dead_rms", REGIA_KEY_DOUBLE, 0, "1e-5", 0, 1e9, NULL, "RMS below which a channel is dead (m s-2)"},
    {"qc", "full_scale", REGIA_KEY_DOUBLE, 0, "0", 0, 1e9, NULL,
     "full scale of the accelerometers (m s-2) for clipping (0: runs at the record's extremes)"},
    {"qc", "clock_tolerance", REGIA_KEY_DOUBLE, 0, "0.01", 0, 1e3, NULL,
     "clock offset (s) of a sensor from its group's median sensor (cross-spectrum phase) that flags it"},
    {"qc", "clock_min_agreement", REGIA_KEY_DOUBLE, 0, "0.7", 0, 1, NULL,
     "phase agreement J (0-1) of two sensors' cross-spectrum that their delay needs to be trusted"},
    {"qc", "offset_drift", REGIA_KEY_DOUBLE, 0, "0.01", 0, 1e3, NULL,
     "change of a channel's DC offset (record median, m s-2) from its baseline that flags drift (0: no check)"},
    {"qc", "offset_baseline", REGIA_KEY_DOUBLE, 0, "6", 0, 1e6, NULL,
     "hours of a channel's first records whose median offset is the baseline of the offset drift"},
    {"tracking", "df_tol", REGIA_KEY_DOUBLE, 0, "0.15", 0.0001, 1, NULL, "relative frequency tolerance of a match"},
    {"tracking", "mac_min", REGIA_KEY_DOUBLE, 0, "0.8", 0, 0.9999, NULL, "smallest MAC of a match"},
    {"tracking", "xi_ratio", REGIA_KEY_DOUBLE, 0, "3", 0, 100, NULL,
     "damping of a match within this factor of the track's, +-0.01 (0: damping not compared)"},
    {"tracking", "lost_after", REGIA_KEY_INT, 0, "6", 1, 1000000, NULL, "records without a match before a track is lost"},
    {"tracking", "min_share", REGIA_KEY_DOUBLE, 0, "0.5", 0, 1, NULL,
     "share of the training records a track must be seen in to be a novelty feature and a summary mode"},
    {"novelty", "model", REGIA_KEY_ENUM, 0, "bilinear", 0, 0, "linear|bilinear|pca",
     "environmental model of the tracked frequencies: on temperature (linear, or bilinear with a break) or PCA"},
    {"novelty", "t_break", REGIA_KEY_DOUBLE, 0, "0", -50, 50, NULL, "bilinear break temperature (degC)"},
    {"novelty", "freeze_step", REGIA_KEY_BOOL, 0, "true", 0, 0, NULL, "bilinear: a jump of the frequencies below the break"},
    {"novelty", "freeze_width", REGIA_KEY_DOUBLE, 0, "0", 0, 20, NULL,
     "bilinear: degC below the break over which the jump develops, 1 - exp((T - t_break) / width) (0: a step)"},
    {"novelty", "lags", REGIA_KEY_INT, 0, "0", 0, 1000, NULL, "lagged temperatures (in records) besides the current one"},
    {"novelty", "thermal_lag", REGIA_KEY_DOUBLE, 0, "0", 0, 240, NULL,
     "hours of the structure's thermal lag: its temperature is a first-order lag of the measured one (0: the "
     "record's mean temperature)"},
    {"novelty", "min_features", REGIA_KEY_INT, 0, "2", 0, 64, NULL,
     "linear, bilinear: a record lacking summary modes is scored on those it has, when at least this many (0: "
     "every summary mode needed)"},
    {"novelty", "pca_variance", REGIA_KEY_DOUBLE, 0, "0.9", 0.01, 0.9999, NULL,
     "PCA: variance share of the components taken as environmental"},
    {"novelty", "training_days", REGIA_KEY_INT, 0, "14", 1, 36600, NULL,
     "days from the first day of the run the model and the threshold are fitted on"},
    {"novelty", "false_alarm_rate", REGIA_KEY_DOUBLE, 0, "0.001", 1e-9, 0.5, NULL,
     "false-alarm rate per record of the Mahalanobis threshold (F-distribution form)"},
    {"novelty", "chart", REGIA_KEY_ENUM, 0, "ewma", 0, 0, "ewma|cusum|none", "control chart of D^2 for slow drifts"},
    {"novelty", "ewma_lambda", REGIA_KEY_DOUBLE, 0, "0.1", 0.001, 1, NULL, "EWMA weight of the newest record"},
    {"novelty", "ewma_L", REGIA_KEY_DOUBLE, 0, "4", 0.1, 100, NULL, "EWMA limits in standard deviations"},
    {"novelty", "cusum_k", REGIA_KEY_DOUBLE, 0, "0.5", 0, 100, NULL, "CUSUM reference value (standard deviations)"},
    {"novelty", "cusum_h", REGIA_KEY_DOUBLE, 0, "8", 0.01, 1000, NULL, "CUSUM decision limit (standard deviations)"},
    {"alerts", "min_valid", REGIA_KEY_INT, 0, "1", 1, 1000000, NULL, "fewest scored records of a day for a level"},
    {"alerts", "yellow_records", REGIA_KEY_INT, 0, "3", 1, 1000000, NULL, "records above the threshold in a day for yellow"},
    {"alerts", "red_window", REGIA_KEY_INT, 0, "3", 1, 366, NULL, "days looked back for red (today included)"},
    {"alerts", "red_days", REGIA_KEY_INT, 0, "2", 1, 366, NULL, "days of the window with yellow exceedances for red"},
    {"alerts", "red_records", REGIA_KEY_INT, 0, "12", 1, 1000000, NULL, "exceedances over those days for red"},
    {"alerts", "modes_min", REGIA_KEY_INT, 0, "2", 1, 64, NULL, "frequencies that must drop (or rise) together"},
    {"alerts", "z_mode", REGIA_KEY_DOUBLE, 0, "3", 0.1, 100, NULL, "standardised residual of an agreeing frequency"},
    {"alerts", "modes_records", REGIA_KEY_INT, 0, "6", 1, 1000000, NULL,
     "exceedances with agreeing modes in a day for red"},
    {"risk", "block_days", REGIA_KEY_INT, 0, "1", 1, 366, NULL, "GEV block length in days (block maxima of the peak)"},
    {"risk", "return_periods", REGIA_KEY_DOUBLE_LIST, 0, "30, 365", 1.01, 1e7, NULL,
     "return periods in days (each more than one block)"},
    {"risk", "level", REGIA_KEY_DOUBLE, 0, "0.95", 0.5, 0.9999, NULL, "confidence level of the return-level intervals"},
    REGIA_SUBMIT_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

/* 1 when the job file itself sets [novelty] KEY (not its default). */
static int set_in_file(const regia_job_t *j, const char *key) { return regia_job_line(j, "novelty", key) > 0; }

static int enum_index(const char *v, const char *choices)
{
    int i = 0;
    for (const char *c = choices; *c; i++) {
        size_t n = strcspn(c, "|");
        if (strlen(v) == n && !strncmp(v, c, n)) return i;
        c += n + (c[n] == '|');
    }
    return -1;
}

/* "MIN:MAX:STEP" model orders. */
static regia_status_t parse_orders(sn_t *s, const char *path)
{
    const char *txt = regia_job_str(s->job, "ssi", "orders");
    int a = 0, b = 0, c = 0, n = 0;
    int line = regia_job_line(s->job, "ssi", "orders");
    if (sscanf(txt, "%d:%d:%d%n", &a, &b, &c, &n) != 3 || txt[n] != '\0')
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'orders': '%s' is not MIN:MAX:STEP (e.g. 2:40:2)", path, line, txt);
    if (a < 1 || b < a || c < 1 || b > 400)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'orders': '%s' needs 1 <= MIN <= MAX <= 400 and STEP >= 1",
                          path, line, txt);
    s->ssi.ord_min = a;
    s->ssi.ord_max = b;
    s->ssi.ord_step = c;
    return REGIA_OK;
}

regia_status_t sn_configure(regia_run_t *run, void *self)
{
    sn_t *s = self;
    regia_job_t *j = s->job = run->job;
    const char *path = regia_job_file(j);
    s->output = regia_job_path(j, "job", "output");
    s->store = regia_job_path(j, "input", "store");
    s->detail = regia_job_path(j, "job", "detail");
    if (!s->detail) {
        regia_sibling_path(s->output, "_detail.h5", s->detail_buf, sizeof s->detail_buf);
        s->detail = s->detail_buf;
    }
    {
        const char *dot = strrchr(s->detail, '.');
        if (!dot || (strcmp(dot, ".h5") && strcmp(dot, ".hdf5") && strcmp(dot, ".nc")))
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'detail' '%s': the detail is HDF5; give it a .h5 name",
                              path, regia_job_line(j, "job", "detail"), s->detail);
        if (!strcmp(s->detail, s->output) || regia_same_file(s->detail, s->output)) /* a given detail only */
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'detail' '%s' must differ from the output", path,
                              regia_job_line(j, "job", "detail"), s->detail);
    }
    /* an output must not replace a store file, nor land in the store directory, whose every
     * .h5 / .nc file the next run would read as a store file (by file identity: "./x.nc") */
    {
        const char *key[2] = {"output", "detail"}, *file[2] = {s->output, s->detail};
        for (int k = 0; k < 2; k++) {
            char what[9000];
            if (k == 1 && s->detail == s->detail_buf)
                snprintf(what, sizeof what, "%s: the detail file '%s' (by default the output's name with _detail.h5)",
                         path, file[k]);
            else
                snprintf(what, sizeof what, "%s:%d: key '%s' '%s'", path, regia_job_line(j, "job", key[k]), key[k],
                         file[k]);
            if (!strcmp(file[k], s->store) || regia_same_file(file[k], s->store))
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s is the sensor store '%s' ([input] store): the results would "
                                  "replace the records; give it another name", what, s->store);
            if (regia_in_dir(file[k], s->store))
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s is inside the store directory '%s' ([input] store), whose "
                                  "every .h5 and .nc file is read as store data: write it elsewhere", what, s->store);
        }
    }
    s->rec_s = regia_job_double(j, "records", "length");
    s->min_coverage = regia_job_double(j, "records", "min_coverage");
    s->min_channels_ok = regia_job_double(j, "records", "min_channels");
    /* Welch (fs per structure) */
    regia_welch_defaults(&s->welch, 1.0);
    s->welch.nperseg = (int32_t)regia_job_int(j, "welch", "nperseg");
    s->welch.noverlap = (int32_t)regia_job_int(j, "welch", "noverlap");
    s->welch.nfft = (int32_t)regia_job_int(j, "welch", "nfft");
    s->welch = regia_welch_resolved(&s->welch);
    if (s->welch.noverlap >= s->welch.nperseg)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'noverlap' %d must be less than nperseg %d", path,
                          regia_job_line(j, "welch", "noverlap"), (int)s->welch.noverlap, (int)s->welch.nperseg);
    if (s->welch.nfft < s->welch.nperseg)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'nfft' %d must be at least nperseg %d", path,
                          regia_job_line(j, "welch", "nfft"), (int)s->welch.nfft, (int)s->welch.nperseg);
    s->welch.window = enum_index(regia_job_str(j, "welch", "window"), "hann|boxcar|hamming");
    s->welch.detrend = enum_index(regia_job_str(j, "welch", "detrend"), "none|constant|linear");
    s->welch.scaling = enum_index(regia_job_str(j, "welch", "scaling"), "density|spectrum");
    s->welch_batch = (int)regia_job_int(j, "welch", "batch_records");
    /* SSI */
    regia_ssi_defaults(&s->ssi);
    s->ssi.block_rows = (int32_t)regia_job_int(j, "ssi", "block_rows");
    regia_status_t st = parse_orders(s, path);
    if (st) return st;
    s->ssi.window = enum_index(regia_job_str(j, "ssi", "window"), "fixed|unbiased");
    s->ssi.f_min = regia_job_double(j, "ssi", "fmin");
    s->ssi.f_max = regia_job_double(j, "ssi", "fmax");
    if (s->ssi.f_max > 0 && s->ssi.f_max <= s->ssi.f_min)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'fmax' %g must exceed fmin %g", path,
                          regia_job_line(j, "ssi", "fmax"), s->ssi.f_max, s->ssi.f_min);
    s->ssi.xi_max = regia_job_double(j, "ssi", "xi_max");
    s->ssi.mpc_min = regia_job_double(j, "ssi", "mpc_min");
    s->ssi.mpd_max = regia_job_double(j, "ssi", "mpd_max");
    s->ssi.clus_min_frac = regia_job_double(j, "ssi", "min_pole_fraction");
    s->max_modes = (int)regia_job_int(j, "ssi", "max_modes");
    /* FDD */
    regia_fdd_defaults(&s->fdd);
    s->fdd.fmin_hz = s->ssi.f_min;
    s->fdd.fmax_hz = s->ssi.f_max;
    s->fdd.min_prominence_db = regia_job_double(j, "fdd", "prominence_db");
    s->fdd.max_modes = s->max_modes;
    s->fdd.first_only = 1; /* the detail file keeps s_1 of every line, s_2.. only at the peaks */
    /* quality flags (fs per structure: regia_qc_defaults again there, then these) */
    regia_qc_defaults(&s->qc, 100.0);
    s->qc.hampel_k = regia_job_double(j, "qc", "hampel_k");
    s->qc.hampel_half = (int32_t)regia_job_int(j, "qc", "hampel_half_window");
    s->qc.spike_max_frac = regia_job_double(j, "qc", "max_spike_fraction");
    s->qc.flat_eps = regia_job_double(j, "qc", "flat_eps");
    s->qc.dead_rms = regia_job_double(j, "qc", "dead_rms");
    s->qc.full_scale = regia_job_double(j, "qc", "full_scale");
    s->qc.hampel_replace = 1;
    s->clock_tol = regia_job_double(j, "qc", "clock_tolerance");
    s->clock_agree = regia_job_double(j, "qc", "clock_min_agreement");
    s->offset_limit = regia_job_double(j, "qc", "offset_drift");
    s->offset_baseline_h = regia_job_double(j, "qc", "offset_baseline");
    /* tracking */
    regia_track_defaults(&s->track_cfg);
    s->track_cfg.df_tol = regia_job_double(j, "tracking", "df_tol");
    s->track_cfg.mac_min = regia_job_double(j, "tracking", "mac_min");
    s->track_cfg.xi_ratio = regia_job_double(j, "tracking", "xi_ratio");
    if (s->track_cfg.xi_ratio > 0 && s->track_cfg.xi_ratio < 1)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [tracking] xi_ratio = %g must be 0 (off) or >= 1", path,
                          regia_job_line(j, "tracking", "xi_ratio"), s->track_cfg.xi_ratio);
    s->track_cfg.lost_after = (int32_t)regia_job_int(j, "tracking", "lost_after");
    s->min_share = regia_job_double(j, "tracking", "min_share");
    /* compensation and novelty */
    regia_comp_defaults(&s->comp);
    s->comp_model = regia_job_str(j, "novelty", "model");
    s->comp.model = regia_comp_model_parse(s->comp_model);
    s->comp.t_break = regia_job_double(j, "novelty", "t_break");
    s->comp.bilinear_step = regia_job_bool(j, "novelty", "freeze_step");
    s->comp.freeze_width = regia_job_double(j, "novelty", "freeze_width");
    s->comp.n_lags = (int32_t)regia_job_int(j, "novelty", "lags");
    s->comp.pca_var_frac = regia_job_double(j, "novelty", "pca_variance");
    s->comp.alpha = regia_job_double(j, "novelty", "false_alarm_rate");
    s->comp.min_features = (int32_t)regia_job_int(j, "novelty", "min_features");
    { /* keys the job file sets that the chosen model does not read: say so, they are not silently
       * ignored (a key's line is 0 when its value is the default) */
        static const char *const bilinear_keys[] = {"t_break", "freeze_step", "freeze_width"};
        int pca = !strcmp(s->comp_model, "pca"), bilinear = !strcmp(s->comp_model, "bilinear");
        for (size_t k = 0; k < sizeof bilinear_keys / sizeof *bilinear_keys; k++)
            if (!bilinear && set_in_file(j, bilinear_keys[k]))
                regia_warn(&run->ctx->log, "%s:%d: [novelty] %s is ignored with model = %s (it shapes the bilinear "
                           "model only)", path, regia_job_line(j, "novelty", bilinear_keys[k]), bilinear_keys[k],
                           s->comp_model);
        static const char *const temperature_keys[] = {"thermal_lag", "lags"};
        for (size_t k = 0; pca && k < sizeof temperature_keys / sizeof *temperature_keys; k++)
            if (set_in_file(j, temperature_keys[k]))
                regia_warn(&run->ctx->log, "%s:%d: [novelty] %s is ignored with model = pca (it uses no "
                           "temperature)", path, regia_job_line(j, "novelty", temperature_keys[k]),
                           temperature_keys[k]);
        if (pca && set_in_file(j, "min_features"))
            regia_warn(&run->ctx->log, "%s:%d: [novelty] min_features is ignored with model = pca (its scores need "
                       "every summary mode)", path, regia_job_line(j, "novelty", "min_features"));
        if (!pca && set_in_file(j, "pca_variance"))
            regia_warn(&run->ctx->log, "%s:%d: [novelty] pca_variance is ignored with model = %s", path,
                       regia_job_line(j, "novelty", "pca_variance"), s->comp_model);
    }
    s->training_days = (int)regia_job_int(j, "novelty", "training_days");
    s->thermal_lag_h = regia_job_double(j, "novelty", "thermal_lag");
    s->chart = enum_index(regia_job_str(j, "novelty", "chart"), "none|ewma|cusum");
    s->ewma_lambda = regia_job_double(j, "novelty", "ewma_lambda");
    s->ewma_L = regia_job_double(j, "novelty", "ewma_L");
    s->cusum_k = regia_job_double(j, "novelty", "cusum_k");
    s->cusum_h = regia_job_double(j, "novelty", "cusum_h");
    /* alerts */
    regia_alert_defaults(&s->alert);
    s->alert.min_valid = (int32_t)regia_job_int(j, "alerts", "min_valid");
    s->alert.yellow_records = (int32_t)regia_job_int(j, "alerts", "yellow_records");
    s->alert.red_window = (int32_t)regia_job_int(j, "alerts", "red_window");
    s->alert.red_days = (int32_t)regia_job_int(j, "alerts", "red_days");
    s->alert.red_records = (int32_t)regia_job_int(j, "alerts", "red_records");
    s->alert.modes_min = (int32_t)regia_job_int(j, "alerts", "modes_min");
    s->alert.z_mode = regia_job_double(j, "alerts", "z_mode");
    s->alert.modes_records = (int32_t)regia_job_int(j, "alerts", "modes_records");
    if (s->alert.red_days > s->alert.red_window)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'red_days' %d exceeds red_window %d", path,
                          regia_job_line(j, "alerts", "red_days"), (int)s->alert.red_days, (int)s->alert.red_window);
    if (regia_alert_check_cfg(&s->alert) != REGIA_OK) {
        regia_error_prefix("%s: [alerts]: ", path);
        return REGIA_ERR_INVALID;
    }
    s->block_days = (int)regia_job_int(j, "risk", "block_days");
    s->level = regia_job_double(j, "risk", "level");
    s->n_periods = regia_job_list_len(j, "risk", "return_periods");
    if (s->n_periods > SN_MAX_PERIODS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'return_periods': at most %d periods", path,
                          regia_job_line(j, "risk", "return_periods"), SN_MAX_PERIODS);
    for (int i = 0; i < s->n_periods; i++) {
        s->periods[i] = regia_job_list_double(j, "risk", "return_periods", i);
        if (s->periods[i] <= s->block_days)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'return_periods': %g days is not more than one block "
                              "(block_days = %d)", path, regia_job_line(j, "risk", "return_periods"), s->periods[i],
                              s->block_days);
        if (i && s->periods[i] <= s->periods[i - 1]) /* the summary's return_period coordinate is monotonic (CF) */
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key 'return_periods': give the periods in increasing order "
                              "(%g after %g)", path, regia_job_line(j, "risk", "return_periods"), s->periods[i],
                              s->periods[i - 1]);
    }
    run->output = s->output;
    run->input = s->store;
    run->input_role = "sensor store";
    run->n_extra = 1;
    run->extra[0].path = s->detail;
    run->extra[0].role = "detail";
    return REGIA_OK;
}
