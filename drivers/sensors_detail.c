/* sensors_detail.c - the extra output of `regia sensors`: the HDF5 detail per record
 * (NetCDF-4 written collectively with netcdf-c, so h5py, h5dump and ncdump read it):
 * quality flags, spectra, the first singular value of the CSD matrix, the poles of the
 * stabilisation diagram with their flags and reasons, the modes with their spreads and
 * shapes, the FDD peaks, the track of each mode and the novelty score.  Each rank writes
 * its own records' rows; the per-structure tables (and the daily alert reasons, the
 * sentences the summary has as alert_condition flags) are written by rank 0.  Its global
 * attributes are the summary's provenance (regia_run_provenance) with a title, summary
 * and id of its own.  Layout: docs/sensors-run.md, "Detail". */
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/io.h"
#include "regia/ncio.h"
#include "sensors_impl.h"

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

enum {
    D_SNAME, D_SFS, D_SNCH, D_CHNAME, D_FREQ, D_STRACK, D_NTRACK, D_EVENTS, D_THR,
    D_RSTRUCT, D_RTIME, D_RSTATUS, D_RFLAGS, D_RRMS, D_RPEAK, D_RTEMP, D_RTMODEL, D_RCOV, D_RNOK,
    D_CFLAGS, D_CRMS, D_CPEAK, D_CLAG, D_PSD, D_S1,
    D_MF, D_MFSD, D_MXI, D_MXISD, D_MMAC, D_MNP, D_MSHAPE, D_MTRACK, D_MNUM, D_FDD,
    D_PORD, D_PF, D_PXI, D_PMPC, D_PMPD, D_PFLAGS, D_PMODE, D_PREASON, D_NOV, D_CHART, D_DAYC, D_AREASON, D_N
};

typedef struct {
    const char *name, *long_name, *units;
    nc_type type;
    int nd, dims[4];         /* indices into the dimension table below */
    int chunked;
    int cct; /* ACDD coverage_content_type: CCT_* */
} dvar_t;

/* ACDD coverage_content_type: names, times and the spectrum's frequencies are coordinates or
 * reference information; flags, statuses, reasons, coverage and clock offsets quality
 * information; a channel's RMS, peak and the temperature measurements (about their means);
 * the rest (spectra, poles, modes, tracks, novelty) model results. */
enum { CCT_COORD, CCT_REF, CCT_MEAS, CCT_QUAL, CCT_MODEL };
static const char *const CCT_NAME[] = {[CCT_COORD] = "coordinate", [CCT_REF] = "referenceInformation",
                                       [CCT_MEAS] = "physicalMeasurement", [CCT_QUAL] = "qualityInformation",
                                       [CCT_MODEL] = "modelResult"};

enum { DM_S, DM_R, DM_C, DM_F, DM_K, DM_P, DM_NAME, DM_EV, DM_CPLX, DM_DAY, DM_REASON, DM_N };

static const dvar_t VARS[D_N] = {
    [D_SNAME] = {"structure_name", "structure name", NULL, NC_CHAR, 2, {DM_S, DM_NAME}, 0, CCT_REF},
    [D_SFS] = {"structure_sampling_rate", "sampling rate of the acceleration channels", "Hz",
               NC_DOUBLE, 1, {DM_S}, 0, CCT_REF},
    [D_SNCH] = {"structure_channels", "acceleration channels of the structure", "1", NC_INT, 1, {DM_S}, 0, CCT_REF},
    [D_CHNAME] = {"channel_name", "SENSOR/CHANNEL of each acceleration channel slot", NULL, NC_CHAR, 3,
                  {DM_S, DM_C, DM_NAME}, 0, CCT_REF},
    [D_FREQ] = {"spectrum_frequency", "frequency of the spectral lines of psd and csd_s1", "Hz",
                NC_DOUBLE, 2, {DM_S, DM_F}, 0, CCT_COORD},
    [D_STRACK] = {"summary_track", "tracker id of each summary mode (-1: none)", "1",
                  NC_INT, 2, {DM_S, DM_K}, 0, CCT_MODEL},
    [D_NTRACK] = {"tracks", "tracks the tracker started", "1", NC_INT, 1, {DM_S}, 0, CCT_MODEL},
    [D_EVENTS] = {"track_events", "track events: new, lost, split, found", "1", NC_INT, 2, {DM_S, DM_EV}, 0, CCT_MODEL},
    [D_THR] = {"novelty_threshold", "D^2 (novelty) threshold an undamaged record exceeds with probability "
               "false_alarm_rate", "1", NC_DOUBLE, 1, {DM_S}, 0, CCT_MODEL},
    [D_RSTRUCT] = {"record_structure", "structure of the record (index into structure)", "1",
                   NC_INT, 1, {DM_R}, 0, CCT_REF},
    [D_RTIME] = {"record_time", "start of the record", "seconds since 1970-01-01 00:00:00",
                 NC_DOUBLE, 1, {DM_R}, 0, CCT_COORD},
    [D_RSTATUS] = {"record_status", "outcome of the record", NULL, NC_BYTE, 1, {DM_R}, 0, CCT_QUAL},
    [D_RFLAGS] = {"record_flags", "quality flags of any channel of the record", NULL, NC_INT, 1, {DM_R}, 0, CCT_QUAL},
    [D_RRMS] = {"record_rms", "RMS acceleration over the channels fit for spectra", "m s-2",
                NC_DOUBLE, 1, {DM_R}, 0, CCT_MEAS},
    [D_RPEAK] = {"record_peak", "largest absolute acceleration (about the mean)", "m s-2",
                 NC_DOUBLE, 1, {DM_R}, 0, CCT_MEAS},
    [D_RTEMP] = {"record_temperature", "mean of the structure's temperature channel over the record", "degC",
                 NC_DOUBLE, 1, {DM_R}, 0, CCT_MEAS},
    [D_RTMODEL] = {"model_temperature", "temperature of the environmental model: record_temperature, or with "
                   "thermal_lag_hours > 0 the structure's temperature as a first-order lag of the measured one",
                   "degC", NC_DOUBLE, 1, {DM_R}, 0, CCT_MODEL},
    [D_RCOV] = {"record_coverage", "share of the record's acceleration samples present", "1",
                NC_DOUBLE, 1, {DM_R}, 0, CCT_QUAL},
    [D_RNOK] = {"record_channels_used", "channels fit for modal identification", "1", NC_INT, 1, {DM_R}, 0, CCT_QUAL},
    [D_CFLAGS] = {"channel_flags", "quality flags of the channel in the record", NULL,
                  NC_INT, 2, {DM_R, DM_C}, 1, CCT_QUAL},
    [D_CRMS] = {"channel_rms", "RMS of the channel about its mean", "m s-2", NC_FLOAT, 2, {DM_R, DM_C}, 1, CCT_MEAS},
    [D_CPEAK] = {"channel_peak", "largest absolute value of the channel about its mean", "m s-2", NC_FLOAT, 2,
                 {DM_R, DM_C}, 1, CCT_MEAS},
    [D_CLAG] = {"clock_offset", "clock offset of the channel's sensor: its delay behind the median of the sensors it "
                "correlates with (the first of two)", "s", NC_FLOAT,
                2, {DM_R, DM_C}, 1, CCT_QUAL},
    [D_PSD] = {"psd", "Welch power spectral density (scipy.signal.welch)", NULL,
               NC_FLOAT, 3, {DM_R, DM_C, DM_F}, 1, CCT_MODEL},
    [D_S1] = {"csd_s1", "first singular value of the cross-spectral matrix (FDD)", NULL,
              NC_FLOAT, 2, {DM_R, DM_F}, 1, CCT_MODEL},
    [D_MF] = {"mode_frequency", "natural frequency of the mode (mean over its poles)", "Hz", NC_DOUBLE, 2,
              {DM_R, DM_K}, 1, CCT_MODEL},
    [D_MFSD] = {"mode_frequency_std", "standard deviation of the frequency over the mode's poles", "Hz", NC_DOUBLE, 2,
                {DM_R, DM_K}, 1, CCT_MODEL},
    [D_MXI] = {"mode_damping", "damping ratio of the mode (mean over its poles)", "1",
               NC_DOUBLE, 2, {DM_R, DM_K}, 1, CCT_MODEL},
    [D_MXISD] = {"mode_damping_std", "standard deviation of the damping ratio over the mode's poles", "1", NC_DOUBLE,
                 2, {DM_R, DM_K}, 1, CCT_MODEL},
    [D_MMAC] = {"mode_mac_spread", "1 - the smallest MAC of a member pole with the mean shape", "1", NC_DOUBLE, 2,
                {DM_R, DM_K}, 1, CCT_MODEL},
    [D_MNP] = {"mode_poles", "stable poles grouped into the mode", "1", NC_DOUBLE, 2, {DM_R, DM_K}, 1, CCT_MODEL},
    [D_MSHAPE] = {"mode_shape", "mean mode shape (re, im) per channel slot, largest component 1", "1", NC_DOUBLE, 4,
                  {DM_R, DM_K, DM_C, DM_CPLX}, 1, CCT_MODEL},
    [D_MTRACK] = {"mode_track", "tracker id of the mode (-1: no mode in the slot)", "1",
                  NC_INT, 2, {DM_R, DM_K}, 1, CCT_MODEL},
    [D_MNUM] = {"mode_number", "summary mode of the mode (1 ..; 0: not a summary mode)", "1", NC_INT, 2,
                {DM_R, DM_K}, 1, CCT_MODEL},
    [D_FDD] = {"fdd_frequency", "frequency of the FDD peaks of the first singular value", "Hz", NC_DOUBLE, 2,
               {DM_R, DM_K}, 1, CCT_MODEL},
    [D_PORD] = {"pole_order", "model order of the pole (stabilisation diagram)", "1",
                NC_FLOAT, 2, {DM_R, DM_P}, 1, CCT_MODEL},
    [D_PF] = {"pole_frequency", "frequency of the pole", "Hz", NC_FLOAT, 2, {DM_R, DM_P}, 1, CCT_MODEL},
    [D_PXI] = {"pole_damping", "damping ratio of the pole", "1", NC_FLOAT, 2, {DM_R, DM_P}, 1, CCT_MODEL},
    [D_PMPC] = {"pole_mpc", "modal phase collinearity of the pole's shape (NaN: shape not computed, the pole is "
                "outside the frequency or damping range)", "1", NC_FLOAT, 2, {DM_R, DM_P}, 1, CCT_MODEL},
    [D_PMPD] = {"pole_mpd", "mean phase deviation of the pole's shape (NaN: shape not computed)", "rad",
                NC_FLOAT, 2, {DM_R, DM_P}, 1, CCT_MODEL},
    [D_PFLAGS] = {"pole_flags", "what the pole passed (bits, flag_meanings: hard criteria, frequency, damping and "
                  "shape stable against the next lower order, stable over every level, member of a mode)", NULL,
                  NC_INT, 2, {DM_R, DM_P}, 1, CCT_QUAL},
    [D_PMODE] = {"pole_mode", "mode slot the pole belongs to (-1: none)", "1", NC_INT, 2, {DM_R, DM_P}, 1, CCT_MODEL},
    [D_PREASON] = {"pole_reason", "why the pole was kept or dropped", NULL, NC_INT, 2, {DM_R, DM_P}, 1, CCT_QUAL},
    [D_NOV] = {"novelty", "Mahalanobis squared distance of the record's residuals", "1",
               NC_DOUBLE, 1, {DM_R}, 0, CCT_MODEL},
    [D_CHART] = {"control_chart", "control-chart statistic after the record", "1", NC_DOUBLE, 1, {DM_R}, 0, CCT_MODEL},
    [D_DAYC] = {"day", "start of the UTC calendar day", "days since 1970-01-01 00:00:00", NC_DOUBLE, 1, {DM_DAY}, 0,
                CCT_COORD},
    [D_AREASON] = {"alert_reason", "reason of the alert level of the structure on the day, in words (the "
                   "summary's alert_level and alert_reason; day i = the summary's day i)", NULL, NC_CHAR, 3,
                   {DM_S, DM_DAY, DM_REASON}, 0, CCT_QUAL},
};

/* The ACDD and provenance attributes of the summary (regia_run_provenance: regia version and
 * git revision, history, job file and SHA-256, store SHA-256, date_created, ranks, backend),
 * then what differs: title, summary, comment, processing_level, an id of its own, and no
 * featureType or cdm_data_type (the detail is no discrete sampling geometry) nor
 * time_coverage_resolution (its rows are records, not the summary's days). */
static regia_status_t provenance(regia_run_t *run, sn_t *s, int ncid)
{
    regia_status_t st = REGIA_OK;
    char text[2048], *id = NULL;
    size_t n = 0;
    REGIA_TRY(regia_run_provenance(run, s, ncid));
    ATT(NC_GLOBAL, "title", s->synthetic ? "regia sensors: per-record detail (spectra, stabilisation diagrams, modes, "
                                           "tracks), from synthetic data (regia gen sensors; not measurements)"
                                         : "regia sensors: per-record detail (spectra, stabilisation diagrams, modes, "
                                           "tracks)");
    snprintf(text, sizeof text,
             "Per record of %g s and structure: quality flags, Welch spectra, the first singular value of the "
             "cross-spectral matrix, the poles of the covariance-SSI stabilisation diagram with their criteria, the "
             "modes with their spreads and shapes, the FDD peaks, the mode tracks and the novelty score; the daily "
             "alert reasons. The per-day summary of the same run is %s.",
             s->rec_s, regia_file_name(s->output));
    ATT(NC_GLOBAL, "summary", text);
    snprintf(text, sizeof text,
             "Sensor store '%s'%s. Written by the same run as the summary %s (same history, date_created, "
             "job_sha256 and input_sha256). Novelty model '%s' fitted on each structure's first %d days.",
             regia_file_name(s->store), s->synthetic ? " (synthetic data of regia gen sensors)" : "",
             regia_file_name(s->output), s->comp_model, s->training_days);
    ATT(NC_GLOBAL, "comment", text);
    ATT(NC_GLOBAL, "processing_level", "model internals: spectra, poles, modes and tracks of each record of the "
                                        "input store, from which the summary is derived");
    /* the summary's id (the job name) + "_detail": ACDD ids are unique per dataset */
    REGIA_NC(nc_inq_attlen(ncid, NC_GLOBAL, "id", &n));
    if (!(id = malloc(n + sizeof "_detail"))) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory defining the detail");
        goto err;
    }
    REGIA_NC(nc_get_att_text(ncid, NC_GLOBAL, "id", id));
    memcpy(id + n, "_detail", sizeof "_detail");
    ATT(NC_GLOBAL, "id", id);
    (void)nc_del_att(ncid, NC_GLOBAL, "featureType");
    (void)nc_del_att(ncid, NC_GLOBAL, "cdm_data_type");
    (void)nc_del_att(ncid, NC_GLOBAL, "time_coverage_resolution");
err:
    free(id);
    return st;
}

static regia_status_t define(regia_run_t *run, sn_t *s, int ncid, int *vid)
{
    regia_status_t st = REGIA_OK;
    const size_t len[DM_N] = {(size_t)s->n_struct, (size_t)s->n_rec, (size_t)s->C, (size_t)s->NF, (size_t)s->K,
                              (size_t)(s->P > 0 ? s->P : 1), SN_NAME, 4, 2, (size_t)s->n_day, SN_REASON};
    const char *dn[DM_N] = {"structure", "record", "channel", "frequency", "mode_slot", "pole", "name_strlen",
                            "event", "complex", "day", "reason_strlen"};
    int dim[DM_N];
    for (int d = 0; d < DM_N; d++) REGIA_NC(nc_def_dim(ncid, dn[d], len[d], &dim[d]));
    for (int v = 0; v < D_N; v++) {
        const dvar_t *x = &VARS[v];
        int dims[4];
        size_t chunk[4];
        for (int k = 0; k < x->nd; k++) {
            dims[k] = dim[x->dims[k]];
            chunk[k] = k == 0 ? 1 : len[x->dims[k]];
        }
        REGIA_TRY(regia_nc_def_data(ncid, x->name, x->type, x->nd, dims, x->chunked ? chunk : NULL, &vid[v]));
        ATT(vid[v], "long_name", x->long_name);
        if (x->units) ATT(vid[v], "units", x->units);
        ATT(vid[v], "coverage_content_type", CCT_NAME[x->cct]);
    }
    ATT(vid[D_PSD], "units", s->welch.scaling == REGIA_SCALING_DENSITY ? "m2 s-4 Hz-1" : "m2 s-4");
    ATT(vid[D_S1], "units", s->welch.scaling == REGIA_SCALING_DENSITY ? "m2 s-4 Hz-1" : "m2 s-4");
    ATT(vid[D_RTIME], "calendar", "standard");
    REGIA_NC(nc_del_att(ncid, vid[D_DAYC], "_FillValue")); /* a coordinate has no missing values */
    ATT(vid[D_DAYC], "calendar", "standard");
    ATT(vid[D_DAYC], "standard_name", "time");
    ATT(vid[D_DAYC], "axis", "T");
    REGIA_NC(nc_put_att_double(ncid, vid[D_RTMODEL], "thermal_lag_hours", NC_DOUBLE, 1, &s->thermal_lag_h));
    {
        const int none = -1; /* the pole slots of records not analysed, and beyond a record's poles */
        REGIA_NC(nc_def_var_fill(ncid, vid[D_PREASON], 0, &none));
    }
    ATT(vid[D_RTIME], "standard_name", "time");
    ATT(vid[D_AREASON], "_Encoding", "utf-8");
    ATT(vid[D_SNAME], "_Encoding", "utf-8"); /* netCDF4 and xarray: strings, not bytes */
    ATT(vid[D_CHNAME], "_Encoding", "utf-8");
    {
        signed char fv[4] = {SN_REC_OK, SN_REC_NO_MODES, SN_REC_QC, SN_REC_NO_DATA};
        REGIA_NC(nc_put_att_schar(ncid, vid[D_RSTATUS], "flag_values", NC_BYTE, 4, fv));
        ATT(vid[D_RSTATUS], "flag_meanings", "identified no_stable_mode left_out_by_quality_flags no_data");
    }
    REGIA_TRY(sn_qc_flag_atts(ncid, vid[D_RFLAGS]));
    {
        int fm[6] = {REGIA_POLE_HC, REGIA_POLE_STABLE_F, REGIA_POLE_STABLE_XI, REGIA_POLE_STABLE_MAC, REGIA_POLE_STABLE,
                     REGIA_POLE_IN_MODE};
        REGIA_NC(nc_put_att_int(ncid, vid[D_PFLAGS], "flag_masks", NC_INT, 6, fm));
        ATT(vid[D_PFLAGS], "flag_meanings", "hard_criteria stable_frequency stable_damping stable_shape stable in_mode");
        double far = s->comp.alpha;
        REGIA_NC(nc_put_att_double(ncid, vid[D_THR], "false_alarm_rate", NC_DOUBLE, 1, &far));
    }
    REGIA_TRY(sn_qc_flag_atts(ncid, vid[D_CFLAGS]));
    {
        int fv[REGIA_POLE_N];
        char m[1024] = "";
        size_t n = 0;
        for (int r = 0; r < REGIA_POLE_N; r++) {
            fv[r] = r;
            n += (size_t)snprintf(m + n, sizeof m - n, "%s%s", r ? " " : "", regia_pole_reason_name(r));
        }
        REGIA_NC(nc_put_att_int(ncid, vid[D_PREASON], "flag_values", NC_INT, REGIA_POLE_N, fv));
        ATT(vid[D_PREASON], "flag_meanings", m);
    }
    REGIA_TRY(provenance(run, s, ncid));
    ATT(NC_GLOBAL, "summary_file", regia_file_name(s->output));
    ATT(NC_GLOBAL, "sensor_store", regia_file_name(s->store));
    ATT(NC_GLOBAL, "synthetic", s->synthetic ? "yes" : "no");
    {
        double v[4] = {s->rec_s, (double)s->welch.nperseg, (double)s->welch.noverlap, (double)s->welch.nfft};
        REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "record_length_s", NC_DOUBLE, 1, &v[0]));
        REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "welch_nperseg_noverlap_nfft", NC_DOUBLE, 3, &v[1]));
        int o[4] = {s->ssi.block_rows, s->ssi.ord_min, s->ssi.ord_max, s->ssi.ord_step};
        REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "ssi_block_rows_orders", NC_INT, 4, o));
    }
err:
    return st;
}

/* Collective: rank 0 writes the per-structure tables, every rank its records. */
static regia_status_t write_rows(regia_run_t *run, sn_t *s, int ncid, const int *vid)
{
    regia_status_t st = REGIA_OK;
    const int64_t S = s->n_struct, r0 = s->r0, nr = s->nr;
    const int C = s->C, NF = s->NF, K = s->K, P = s->P > 0 ? s->P : 1;
    const int64_t ns = run->ctx->rank == 0 ? S : 0;
    size_t big = (size_t)((nr + 1) * (C > K ? C : K) * 2 + S * C * SN_NAME + S * NF + S * 4 * K + s->n_day + 64);
    if ((size_t)(nr + 1) * P > big) big = (size_t)(nr + 1) * P;
    double *g = malloc(sizeof(double) * big);
    int *iv = malloc(sizeof(int) * big);
    char *c = calloc(big, 1);
    if (!g || !iv || !c) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the detail");
    if ((st = regia_run_agree(run, st))) goto err;
    size_t in_n[1] = {SN_NAME}, in_cn[2] = {(size_t)C, SN_NAME}, in_f[1] = {(size_t)NF}, in_k[1] = {(size_t)K};
    size_t in_ev[1] = {4}, in_c[1] = {(size_t)C}, in_cf[2] = {(size_t)C, (size_t)NF}, in_p[1] = {(size_t)P};
    size_t in_kc[3] = {(size_t)K, (size_t)C, 2};
    /* per structure */
    for (int64_t i = 0; i < S; i++) snprintf(c + i * SN_NAME, SN_NAME, "%s", s->st[i].name);
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_SNAME], 2, 0, ns, in_n, NC_CHAR, c));
    for (int64_t i = 0; i < S; i++) g[i] = s->st[i].fs;
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_SFS], 1, 0, ns, NULL, NC_DOUBLE, g));
    for (int64_t i = 0; i < S; i++) iv[i] = s->st[i].nch;
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_SNCH], 1, 0, ns, NULL, NC_INT, iv));
    memset(c, 0, big);
    for (int64_t i = 0; i < S; i++)
        for (int k = 0; k < s->st[i].nch; k++) {
            const sn_chan_t *ch = &s->ch[s->st[i].ch0 + k];
            snprintf(c + (i * C + k) * SN_NAME, SN_NAME, "%.40s/%.40s", ch->sensor, ch->channel);
        }
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_CHNAME], 3, 0, ns, in_cn, NC_CHAR, c));
    for (int64_t i = 0; i < S; i++)
        for (int f = 0; f < NF; f++) g[i * NF + f] = f * s->st[i].fs / s->welch.nfft;
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_FREQ], 2, 0, ns, in_f, NC_DOUBLE, g));
    for (int64_t i = 0; i < S; i++)
        for (int j = 0; j < K; j++) iv[i * K + j] = j < s->n_features[i] ? s->summary_track[i * K + j] : -1;
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_STRACK], 2, 0, ns, in_k, NC_INT, iv));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_NTRACK], 1, 0, ns, NULL, NC_INT, s->n_tracks_all));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_EVENTS], 2, 0, ns, in_ev, NC_INT, s->n_ev));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_THR], 1, 0, ns, NULL, NC_DOUBLE, s->threshold));
    for (int64_t d = 0; d < (ns ? s->n_day : 0); d++) g[d] = (double)(s->day0 + d);
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_DAYC], 1, 0, ns ? s->n_day : 0, NULL, NC_DOUBLE, g));
    {
        size_t in_dr[2] = {(size_t)s->n_day, SN_REASON};
        REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_AREASON], 3, 0, ns, in_dr, NC_CHAR, s->d_reason));
    }
    /* per record: this rank's rows */
    for (int64_t k = 0; k < nr; k++) iv[k] = s->rec[k].structure;
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_RSTRUCT], 1, r0, nr, NULL, NC_INT, iv));
    for (int64_t k = 0; k < nr; k++) g[k] = (double)s->rec[k].start_ns * 1e-9;
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_RTIME], 1, r0, nr, NULL, NC_DOUBLE, g));
    for (int64_t k = 0; k < nr; k++) c[k] = (char)s->rec[k].status;
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_RSTATUS], 1, r0, nr, NULL, NC_BYTE, c));
    for (int64_t k = 0; k < nr; k++) iv[k] = s->rec[k].flags;
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_RFLAGS], 1, r0, nr, NULL, NC_INT, iv));
    for (int64_t k = 0; k < nr; k++) iv[k] = s->rec[k].n_ch_ok;
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_RNOK], 1, r0, nr, NULL, NC_INT, iv));
    for (int q = 0; q < 5; q++) {
        const int vv[5] = {D_RRMS, D_RPEAK, D_RTEMP, D_RTMODEL, D_RCOV};
        for (int64_t k = 0; k < nr; k++) {
            const sn_rec_t *rc = &s->rec[k];
            g[k] = q == 0 ? rc->rms : q == 1 ? rc->peak : q == 2 ? rc->temperature : q == 3 ? rc->temp_model
                                                                                              : rc->coverage;
        }
        REGIA_TRY(regia_run_put_rows(run, ncid, vid[vv[q]], 1, r0, nr, NULL, NC_DOUBLE, g));
    }
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_CFLAGS], 2, r0, nr, in_c, NC_INT, s->ch_flags));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_CRMS], 2, r0, nr, in_c, NC_FLOAT, s->ch_rms));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_CPEAK], 2, r0, nr, in_c, NC_FLOAT, s->ch_peak));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_CLAG], 2, r0, nr, in_c, NC_FLOAT, s->ch_lag));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_PSD], 3, r0, nr, in_cf, NC_FLOAT, s->psd));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_S1], 2, r0, nr, in_f, NC_FLOAT, s->s1));
    for (int q = 0; q < 6; q++) {
        const int vv[6] = {D_MF, D_MFSD, D_MXI, D_MXISD, D_MMAC, D_MNP};
        for (int64_t k = 0; k < nr * K; k++) g[k] = s->mode[k * 6 + q];
        REGIA_TRY(regia_run_put_rows(run, ncid, vid[vv[q]], 2, r0, nr, in_k, NC_DOUBLE, g));
    }
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_MSHAPE], 4, r0, nr, in_kc, NC_DOUBLE, s->shape));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_MTRACK], 2, r0, nr, in_k, NC_INT, s->track + r0 * K));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_MNUM], 2, r0, nr, in_k, NC_INT, s->mode_number + r0 * K));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_FDD], 2, r0, nr, in_k, NC_DOUBLE, s->fdd_f));
    {
        float *f = (float *)g;
        for (int q = 0; q < 5; q++) {
            const int vv[5] = {D_PORD, D_PF, D_PXI, D_PMPC, D_PMPD};
            for (int64_t k = 0; k < nr * P; k++) f[k] = s->P > 0 ? s->pole[k * 5 + q] : NAN;
            REGIA_TRY(regia_run_put_rows(run, ncid, vid[vv[q]], 2, r0, nr, in_p, NC_FLOAT, f));
        }
    }
    for (int q = 0; q < 3; q++) {
        const int vv[3] = {D_PFLAGS, D_PMODE, D_PREASON};
        for (int64_t k = 0; k < nr * P; k++) iv[k] = s->P > 0 ? s->pole_i[k * 3 + q] : -1;
        REGIA_TRY(regia_run_put_rows(run, ncid, vid[vv[q]], 2, r0, nr, in_p, NC_INT, iv));
    }
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_NOV], 1, r0, nr, NULL, NC_DOUBLE, s->novelty + r0));
    REGIA_TRY(regia_run_put_rows(run, ncid, vid[D_CHART], 1, r0, nr, NULL, NC_DOUBLE, s->chart_stat + r0));
err:
    free(g);
    free(iv);
    free(c);
    return st;
}

regia_status_t sn_write_detail(regia_run_t *run, void *self, int i, const char *tmp_path)
{
    (void)i;
    sn_t *s = self;
    regia_status_t st = regia_run_fault(run, "detail"); /* REGIA_FAULT=detail:R (tests) */
    int ncid = -1, vid[D_N];
    if (!st) {
        int rc = nc_create_par(tmp_path, NC_NETCDF4 | NC_CLOBBER, run->ctx->comm, MPI_INFO_NULL, &ncid);
        if (rc != NC_NOERR) {
            ncid = -1;
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create the detail: %s", tmp_path, nc_strerror(rc));
        }
    }
    if ((st = regia_run_agree_io(run, st))) goto out;
    st = regia_run_agree_io(run, define(run, s, ncid, vid));
    if (st) goto out;
    {
        int rc = nc_enddef(ncid);
        st = rc == NC_NOERR ? REGIA_OK : REGIA_FAIL(REGIA_ERR_IO, "%s: end of define mode: %s", tmp_path, nc_strerror(rc));
    }
    if ((st = regia_run_agree_io(run, st))) goto out;
    st = write_rows(run, s, ncid, vid);
out:
    if (ncid >= 0) {
        int rc = nc_close(ncid);
        if (rc != NC_NOERR && !st) st = REGIA_FAIL(REGIA_ERR_IO, "%s: closing the detail: %s", tmp_path, nc_strerror(rc));
    }
    return st;
}
