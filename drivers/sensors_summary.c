/* sensors_summary.c - the main output of `regia sensors`: a CF-1.10/ACDD-1.3 NetCDF-4
 * summary per structure and day (layout in docs/sensors-run.md, "Summary").  Laid out as
 * CDO 2.1 reads it (`cdo sinfo` prints no warning): `day` is the file's one time axis and
 * the first dimension of every variable over days, `structure` the last dimension of every
 * data variable.  Besides the structure coordinates the one char variable is
 * alert_reason, the sentence of each day's alert (the detail file has the same,
 * sensors_detail.c): CDO 2.1 reads no char or string data variable and warns that it skips
 * one, unless it has the attribute cdi = "ignore"; it is fixed-length char, since parallel
 * HDF5 writes no variable-length (NC_STRING) data.
 * The per-structure analysis is the same on every rank (sensors_post.c), so rank 0 writes
 * every row and the other ranks take part in each collective write with none. */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/acdd.h"
#include "regia/alerts.h"
#include "regia/io.h"
#include "regia/ncio.h"
#include "regia/timeutil.h"
#include "sensors_impl.h"

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

/* Output variable slots in sn_t.v. */
enum {
    V_NAME, V_LAT, V_LON, V_ALT, V_DAY, V_DAY_BNDS, V_MODE, V_RP, V_RMS, V_PEAK, V_TEMP, V_FREQ, V_DAMP, V_TRACKF,
    V_NOV, V_THR, V_CHART, V_NREC, V_NSCORED, V_NLEFT, V_FLAGS, V_ALERT, V_COND, V_MU, V_SIGMA, V_XI, V_MU_SE, V_SIGMA_SE,
    V_XI_SE, V_GEV_N, V_GEV_STATUS, V_RL, V_RL_LO, V_RL_HI, V_NFEAT, V_KIND, V_REASON, V_COUNT
};

/* A data variable and its `coordinates`, as CDO 2.1 assigns them (tried on its sinfo):
 * one on structure names every structure coordinate; one on (day, structure) names
 * structure_kind too only beside lat and lon (two character coordinates alone on a time
 * series "could not be assigned"); one with another dimension (mode, return_period)
 * before structure names structure_name only (with more, CDO takes that dimension for a
 * y axis and skips the variable). */
static regia_status_t def(sn_t *s, int ncid, int slot, const char *name, nc_type t, int nd, const int *dims,
                          const char *long_name, const char *units, const char *cct)
{
    regia_status_t st = REGIA_OK;
    int vid;
    char d0[NC_MAX_NAME + 1] = "";
    if (nd == 2) REGIA_NC(nc_inq_dimname(ncid, dims[0], d0));
    const int plain = nd == 1 || (nd == 2 && !strcmp(d0, "day"));
    REGIA_TRY(regia_nc_def_data(ncid, name, t, nd, dims, NULL, &vid));
    s->v[slot] = vid;
    ATT(vid, "long_name", long_name);
    if (units) ATT(vid, "units", units);
    ATT(vid, "coverage_content_type", cct);
    ATT(vid, "coordinates", s->has_position && plain ? "lat lon structure_name structure_kind"
                            : nd == 1                ? "structure_name structure_kind"
                                                     : "structure_name");
err:
    return st;
}

/* The length of the longest alert reason (at least 1), the same on every rank
 * (collective: the reasons are computed alike on every rank, the maximum makes sure). */
static size_t reason_len(regia_run_t *run, const sn_t *s)
{
    long long n = 1;
    for (int64_t k = 0; k < (int64_t)s->n_struct * s->n_day; k++) {
        const size_t len = strnlen(s->d_reason + k * SN_REASON, SN_REASON);
        if ((long long)len > n) n = (long long)len;
    }
    regia_run_max(run, &n, 1);
    return (size_t)n;
}

regia_status_t sn_define(regia_run_t *run, void *self, int ncid)
{
    sn_t *s = self;
    regia_status_t st = REGIA_OK;
    const int M = s->n_track_max > 0 ? s->n_track_max : 1, R = s->n_periods > 0 ? s->n_periods : 1;
    const size_t RL = reason_len(run, s);
    int d_s, d_d, d_m, d_r, d_n, d_nv, d_rl;
    REGIA_NC(nc_def_dim(ncid, "day", (size_t)s->n_day, &d_d));
    REGIA_NC(nc_def_dim(ncid, "structure", (size_t)s->n_struct, &d_s));
    REGIA_NC(nc_def_dim(ncid, "mode", (size_t)M, &d_m));
    REGIA_NC(nc_def_dim(ncid, "return_period", (size_t)R, &d_r));
    REGIA_NC(nc_def_dim(ncid, "nv", 2, &d_nv));
    REGIA_NC(nc_def_dim(ncid, "name_strlen", SN_NAME, &d_n));
    REGIA_NC(nc_def_dim(ncid, "reason_strlen", RL, &d_rl));
    /* time first, structure last (CDO 2.1: time, then at most z, y, x) */
    int sn[2] = {d_s, d_n}, sd[2] = {d_d, d_s}, sdm[3] = {d_d, d_m, d_s}, sm[2] = {d_m, d_s}, sr[2] = {d_r, d_s};
    int dnv[2] = {d_d, d_nv};
    int *v = s->v;
    REGIA_NC(nc_def_var(ncid, "structure_name", NC_CHAR, 2, sn, &v[V_NAME]));
    ATT(v[V_NAME], "long_name", "structure name (group of the sensor store)");
    ATT(v[V_NAME], "coverage_content_type", "referenceInformation");
    ATT(v[V_NAME], "_Encoding", "utf-8");
    REGIA_NC(nc_def_var(ncid, "structure_kind", NC_CHAR, 2, sn, &v[V_KIND]));
    ATT(v[V_KIND], "long_name", "kind of structure (the sensor store's structure_kind: bridge, building)");
    ATT(v[V_KIND], "coverage_content_type", "referenceInformation");
    ATT(v[V_KIND], "_Encoding", "utf-8");
    if (s->has_position) {
        ATT(v[V_NAME], "cf_role", "timeseries_id");
        const char *nm[3] = {"lat", "lon", "alt"}, *sn_[3] = {"latitude", "longitude", "height_above_mean_sea_level"};
        const char *un[3] = {"degrees_north", "degrees_east", "m"};
        for (int i = 0; i < 3; i++) {
            REGIA_TRY(regia_nc_def_data(ncid, nm[i], NC_DOUBLE, 1, &d_s, NULL, &v[V_LAT + i]));
            ATT(v[V_LAT + i], "standard_name", sn_[i]);
            ATT(v[V_LAT + i], "long_name", sn_[i]);
            ATT(v[V_LAT + i], "units", un[i]);
            ATT(v[V_LAT + i], "coverage_content_type", "coordinate");
        }
        /* no axis on lat/lon, no axis or positive on alt: CDO 2.1 would take the structure
         * dimension for a vertical axis; alt is in no `coordinates` (CDO cannot assign it),
         * CF finds it by its dimension */
        ATT(v[V_ALT], "comment", "altitude of the structure above mean sea level (positive up); not a vertical "
                                 "axis of the data");
    }
    REGIA_NC(nc_def_var(ncid, "day", NC_DOUBLE, 1, &d_d, &v[V_DAY]));
    ATT(v[V_DAY], "standard_name", "time");
    ATT(v[V_DAY], "long_name", "start of the UTC calendar day");
    ATT(v[V_DAY], "units", "days since 1970-01-01 00:00:00");
    ATT(v[V_DAY], "calendar", "standard");
    ATT(v[V_DAY], "axis", "T");
    ATT(v[V_DAY], "bounds", "day_bnds");
    ATT(v[V_DAY], "coverage_content_type", "coordinate");
    REGIA_NC(nc_def_var(ncid, "day_bnds", NC_DOUBLE, 2, dnv, &v[V_DAY_BNDS]));
    REGIA_NC(nc_def_var(ncid, "mode", NC_INT, 1, &d_m, &v[V_MODE]));
    ATT(v[V_MODE], "long_name", "tracked mode of the structure, by ascending mean frequency (1 = lowest)");
    ATT(v[V_MODE], "units", "1");
    ATT(v[V_MODE], "coverage_content_type", "coordinate");
    REGIA_NC(nc_def_var(ncid, "return_period", NC_DOUBLE, 1, &d_r, &v[V_RP]));
    ATT(v[V_RP], "long_name", "return period of the peak acceleration");
    ATT(v[V_RP], "units", "days");
    ATT(v[V_RP], "coverage_content_type", "coordinate");

    REGIA_TRY(def(s, ncid, V_RMS, "rms_acceleration", NC_FLOAT, 2, sd,
                  "root mean square acceleration over the day's analysed records and channels", "m s-2",
                  "physicalMeasurement"));
    ATT(v[V_RMS], "cell_methods", "day: root_mean_square");
    REGIA_TRY(def(s, ncid, V_PEAK, "peak_acceleration", NC_FLOAT, 2, sd,
                  "largest absolute acceleration of the day's analysed records and channels", "m s-2",
                  "physicalMeasurement"));
    ATT(v[V_PEAK], "cell_methods", "day: maximum");
    REGIA_TRY(def(s, ncid, V_TEMP, "air_temperature", NC_FLOAT, 2, sd,
                  "mean temperature of the structure's temperature channel over the day's records", "degC",
                  "physicalMeasurement"));
    ATT(v[V_TEMP], "standard_name", "air_temperature");
    ATT(v[V_TEMP], "cell_methods", "day: mean");
    REGIA_TRY(def(s, ncid, V_FREQ, "modal_frequency", NC_FLOAT, 3, sdm,
                  "natural frequency of the tracked mode (median of the day's records; covariance SSI)", "Hz",
                  "modelResult"));
    ATT(v[V_FREQ], "cell_methods", "day: median");
    REGIA_TRY(def(s, ncid, V_DAMP, "damping_ratio", NC_FLOAT, 3, sdm,
                  "modal damping ratio of the tracked mode (median of the day's records)", "1", "modelResult"));
    ATT(v[V_DAMP], "cell_methods", "day: median");
    REGIA_TRY(def(s, ncid, V_TRACKF, "track_frequency", NC_DOUBLE, 2, sm,
                  "mean natural frequency of the tracked mode over all records", "Hz", "modelResult"));
    REGIA_TRY(def(s, ncid, V_NOV, "novelty_score", NC_FLOAT, 2, sd,
                  "largest Mahalanobis squared distance of the day's records from the training period "
                  "(residuals of the environmental model of the tracked frequencies)", "1", "modelResult"));
    ATT(v[V_NOV], "cell_methods", "day: maximum");
    REGIA_TRY(def(s, ncid, V_THR, "novelty_threshold", NC_DOUBLE, 1, &d_s,
                  "threshold of novelty_score: the Mahalanobis squared distance an undamaged record exceeds with "
                  "probability false_alarm_rate (the T^2 law of the training fit)", "1",
                  "modelResult"));
    {
        double far = s->comp.alpha;
        REGIA_NC(nc_put_att_double(ncid, v[V_THR], "false_alarm_rate", NC_DOUBLE, 1, &far));
    }
    REGIA_TRY(def(s, ncid, V_NFEAT, "novelty_features", NC_INT, 1, &d_s,
                  "tracked modes used as features of the novelty score", "1", "auxiliaryInformation"));
    REGIA_TRY(def(s, ncid, V_CHART, "control_chart", NC_FLOAT, 2, sd,
                  "control-chart statistic of the novelty score at the day's last scored record", "1", "modelResult"));
    ATT(v[V_CHART], "chart", s->chart == 1 ? "ewma" : s->chart == 2 ? "cusum" : "none");
    REGIA_TRY(def(s, ncid, V_NREC, "records_analysed", NC_INT, 2, sd,
                  "records of the day analysed (passed the quality flags; with or without a stable mode)", "1",
                  "auxiliaryInformation"));
    REGIA_TRY(def(s, ncid, V_NSCORED, "records_scored", NC_INT, 2, sd,
                  "records of the day with a novelty score (of records_analysed; the others had no novelty model, "
                  "too few tracked modes, or came before the thermal lag settled)", "1", "auxiliaryInformation"));
    REGIA_TRY(def(s, ncid, V_NLEFT, "records_left_out", NC_INT, 2, sd,
                  "records of the day left out (no data, or too few channels passed the quality flags)", "1",
                  "qualityInformation"));
    REGIA_TRY(def(s, ncid, V_FLAGS, "quality_flags", NC_INT, 2, sd,
                  "quality flags raised on any channel of the day's records", NULL, "qualityInformation"));
    REGIA_TRY(sn_qc_flag_atts(ncid, v[V_FLAGS]));
    REGIA_TRY(def(s, ncid, V_ALERT, "alert_level", NC_BYTE, 2, sd, "alert level of the structure on the day", NULL,
                  "qualityInformation"));
    {
        signed char fv[3] = {0, 1, 2}, fill = -1;
        REGIA_NC(nc_put_att_schar(ncid, v[V_ALERT], "_FillValue", NC_BYTE, 1, &fill));
        REGIA_NC(nc_put_att_schar(ncid, v[V_ALERT], "flag_values", NC_BYTE, 3, fv));
        ATT(v[V_ALERT], "flag_meanings", "green yellow red");
        ATT(v[V_ALERT], "ancillary_variables", "alert_reason alert_condition");
        ATT(v[V_ALERT], "comment", "rule in docs/sensors-run.md (Alerts); the reason is the sentence "
                                    "alert_reason, its conditions the flags alert_condition; _FillValue: no "
                                    "record of the day could be scored (alert_reason says why)");
    }
    REGIA_TRY(def(s, ncid, V_COND, "alert_condition", NC_INT, 2, sd,
                  "conditions of the alert rule that held on the day (the reason of alert_level)", NULL,
                  "qualityInformation"));
    {
        int fm[8] = {REGIA_ALERT_C_NODATA, REGIA_ALERT_C_EXCEED,  REGIA_ALERT_C_EWMA,    REGIA_ALERT_C_CUSUM,
                     REGIA_ALERT_C_PERSIST, REGIA_ALERT_C_MODES, SN_ALERT_C_STIFFENING, SN_ALERT_C_NOT_SCORED};
        REGIA_NC(nc_put_att_int(ncid, v[V_COND], "flag_masks", NC_INT, 8, fm));
        ATT(v[V_COND], "flag_meanings",
            "too_few_valid_records records_above_threshold ewma_signal cusum_signal persistent_exceedances "
            "modes_agree frequencies_above_model no_novelty_model");
        ATT(v[V_COND], "comment", "rule in docs/sensors-run.md (Alerts); frequencies_above_model: a red day "
                                  "lowered to yellow (stiffening, not damage); the reason as a sentence with "
                                  "the counts is alert_reason");
    }
    {
        int rd[3] = {d_d, d_s, d_rl};
        REGIA_NC(nc_def_var(ncid, "alert_reason", NC_CHAR, 3, rd, &v[V_REASON]));
        ATT(v[V_REASON], "long_name", "reason of the alert level of the structure on the day, in words");
        ATT(v[V_REASON], "coverage_content_type", "qualityInformation");
        ATT(v[V_REASON], "_Encoding", "utf-8");
        ATT(v[V_REASON], "coordinates", s->has_position ? "lat lon structure_name structure_kind"
                                                        : "structure_name structure_kind");
        ATT(v[V_REASON], "comment", "one sentence per structure and day with the counts of the alert rule "
                                    "(docs/sensors-run.md, Alerts), e.g. 'red: 12 of 12 valid records above D2 "
                                    "threshold ...' (D2: novelty_score, the threshold: novelty_threshold); "
                                    "'none: ...' when too few of the day's records were valid, 'not scored: ...' "
                                    "when the structure has no novelty model");
        ATT(v[V_REASON], "cdi", "ignore"); /* CDO: text, not a field; skipped without a warning */
    }
    const char *gn[3] = {"gev_location", "gev_scale", "gev_shape"};
    const char *gl[3] = {"GEV location mu of the block maxima of the peak acceleration",
                         "GEV scale sigma of the block maxima of the peak acceleration",
                         "GEV shape xi of the block maxima of the peak acceleration (Coles' sign: xi > 0 heavy tail)"};
    for (int i = 0; i < 3; i++) {
        char nm[64], ln[256];
        REGIA_TRY(def(s, ncid, V_MU + i, gn[i], NC_DOUBLE, 1, &d_s, gl[i], i < 2 ? "m s-2" : "1", "modelResult"));
        snprintf(nm, sizeof nm, "%s_se", gn[i]);
        snprintf(ln, sizeof ln, "standard error of %s (observed information)", gn[i]);
        REGIA_TRY(def(s, ncid, V_MU_SE + i, nm, NC_DOUBLE, 1, &d_s, ln, i < 2 ? "m s-2" : "1", "modelResult"));
    }
    REGIA_TRY(def(s, ncid, V_GEV_N, "gev_blocks", NC_INT, 1, &d_s, "block maxima the GEV was fitted on", "1",
                  "auxiliaryInformation"));
    {
        int bd = s->block_days;
        REGIA_NC(nc_put_att_int(ncid, v[V_GEV_N], "block_days", NC_INT, 1, &bd));
    }
    REGIA_TRY(def(s, ncid, V_GEV_STATUS, "gev_status", NC_BYTE, 1, &d_s, "outcome of the GEV fit", NULL,
                  "qualityInformation"));
    {
        signed char fv[7] = {0, 1, 2, 3, 4, 5, 6};
        REGIA_NC(nc_put_att_schar(ncid, v[V_GEV_STATUS], "flag_values", NC_BYTE, 7, fv));
        ATT(v[V_GEV_STATUS], "flag_meanings",
            "ok too_few_values constant_series no_convergence singular_information shape_below_minus_one "
            "non_finite_value");
    }
    REGIA_TRY(def(s, ncid, V_RL, "return_level", NC_DOUBLE, 2, sr,
                  "peak acceleration exceeded on average once per return period (GEV of the block maxima)", "m s-2",
                  "modelResult"));
    REGIA_TRY(def(s, ncid, V_RL_LO, "return_level_lower", NC_DOUBLE, 2, sr,
                  "lower bound of the delta-method confidence interval of return_level", "m s-2", "modelResult"));
    REGIA_TRY(def(s, ncid, V_RL_HI, "return_level_upper", NC_DOUBLE, 2, sr,
                  "upper bound of the delta-method confidence interval of return_level", "m s-2", "modelResult"));
    {
        double lv = s->level;
        REGIA_NC(nc_put_att_double(ncid, v[V_RL_LO], "confidence_level", NC_DOUBLE, 1, &lv));
        REGIA_NC(nc_put_att_double(ncid, v[V_RL_HI], "confidence_level", NC_DOUBLE, 1, &lv));
    }
    {
        double rec = s->rec_s;
        REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "record_length_s", NC_DOUBLE, 1, &rec));
        ATT(NC_GLOBAL, "novelty_model", s->comp_model);
        int td = s->training_days;
        REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "training_days", NC_INT, 1, &td));
        ATT(NC_GLOBAL, "detail_file", regia_file_name(s->detail));
        ATT(NC_GLOBAL, "synthetic", s->synthetic ? "yes" : "no");
    }
err:
    return st;
}

void sn_acdd(regia_run_t *run, void *self, void *acdd)
{
    sn_t *s = self;
    regia_acdd_t *out = acdd;
    static _Thread_local char summary[2048], comment[2048];
    snprintf(summary, sizeof summary,
             "Per structure and UTC day: RMS and peak acceleration, temperature, natural frequencies and damping of "
             "the automatically identified and tracked modes (covariance-driven SSI on %g s records), a "
             "temperature-compensated Mahalanobis novelty score with its threshold at a false-alarm rate of %g per "
             "record, a green/yellow/red alert with its reason, and GEV return levels of the peak acceleration.",
             s->rec_s, s->comp.alpha);
    snprintf(comment, sizeof comment,
             "Sensor store '%s'%s. Per-record spectra, poles (stabilisation diagram), modes and tracks are in the "
             "detail file %s. Novelty model '%s' fitted on each structure's first %d days.",
             regia_file_name(s->store), s->synthetic ? " (synthetic data of regia gen sensors)" : "",
             regia_file_name(s->detail), s->comp_model,
             s->training_days);
    regia_acdd_t a = {
        .title = s->synthetic ? "Structural health monitoring summary: modes, novelty, alerts and extreme-value risk "
                                "per structure, from synthetic data (regia gen sensors; not measurements)"
                              : "Structural health monitoring summary: modes, novelty, alerts and extreme-value risk "
                                "per structure",
        .summary = summary,
        .keywords = "structural health monitoring, operational modal analysis, stochastic subspace identification, "
                    "natural frequency, damping, novelty detection, bridge, building, extreme value, GEV",
        .id = out->id,
        .source = "regia sensors: Welch spectra, covariance-driven stochastic subspace identification (Peeters and "
                  "De Roeck 1999) with automatic pole grouping, frequency-domain decomposition (Brincker et al. "
                  "2001), Mahalanobis novelty (Worden et al. 2000), GEV by maximum likelihood (Coles 2001)",
        .processing_level = "model output: modal parameters identified from the acceleration records of the input "
                            "store and derived health indicators",
        .comment = comment,
        .license = "Same terms as the input data",
        .acknowledgement = "Computed with regia from the records of the input sensor store.",
        .references = "Peeters and De Roeck (1999), Mech. Syst. Signal Process. 13(6); Brincker, Zhang and Andersen "
                      "(2001), Smart Mater. Struct. 10; Worden, Manson and Fieller (2000), J. Sound Vib. 229(3); "
                      "Coles (2001), An Introduction to Statistical Modeling of Extreme Values, Springer",
        .platform = "fixed structures (bridges, buildings) with accelerometers",
        .instrument = "triaxial accelerometers; temperature sensors",
        .feature_type = s->has_position ? "timeSeries" : "",
        .cdm_data_type = s->has_position ? "Station" : "",
        .date_created = out->date_created,
        .history = out->history,
        .time_start = s->t0,
        .time_end = s->t1,
        .duration_s = s->n_day * 86400,
        .time_resolution = "P1D",
    };
    if (s->has_position) {
        a.has_latlon = regia_acdd_range(&s->st[0].lat, sizeof s->st[0], s->n_struct, &a.lat_min, &a.lat_max) &&
                       regia_acdd_range(&s->st[0].lon, sizeof s->st[0], s->n_struct, &a.lon_min, &a.lon_max);
        a.has_alt = regia_acdd_range(&s->st[0].alt, sizeof s->st[0], s->n_struct, &a.alt_min, &a.alt_max);
    }
    *out = a;
}

/* out[(a * B + b) * S + i] = in[(i * A + a) * B + b]: a structure-major array (as sn_t
 * holds them) in the file's order, structure last. */
static void structure_last(const double *in, int64_t S, int64_t A, int64_t B, double *out)
{
    for (int64_t i = 0; i < S; i++)
        for (int64_t a = 0; a < A; a++)
            for (int64_t b = 0; b < B; b++) out[(a * B + b) * S + i] = in[(i * A + a) * B + b];
}

/* Collective: rank 0 writes every row (rows along the first dimension: days, modes or
 * return periods), the other ranks none. */
regia_status_t sn_write(regia_run_t *run, void *self, int ncid)
{
    sn_t *s = self;
    regia_status_t st = REGIA_OK;
    const int64_t S = s->n_struct, D = s->n_day;
    const int M = s->n_track_max > 0 ? s->n_track_max : 1, R = s->n_periods > 0 ? s->n_periods : 1;
    const int root = run->ctx->rank == 0;
    const int64_t ns = root ? S : 0, nd = root ? D : 0;
    const int *v = s->v;
    size_t in_n[1] = {SN_NAME}, in_s[1] = {(size_t)S}, in_ms[2] = {(size_t)M, (size_t)S}, in_2[1] = {2};
    size_t big = (size_t)(S * D * M + S * D * 2 + S * 6 + S * R + D * 2 + 16);
    float *f = malloc(sizeof(float) * big);
    double *g = malloc(sizeof(double) * big), *t = malloc(sizeof(double) * big);
    int *iv = malloc(sizeof(int) * big);
    char *names = calloc((size_t)S + 1, SN_NAME), *why = NULL;
    size_t RL = 1;
    {
        int dims[3];
        if (nc_inq_vardimid(ncid, v[V_REASON], dims) != NC_NOERR || nc_inq_dimlen(ncid, dims[2], &RL) != NC_NOERR)
            st = REGIA_FAIL(REGIA_ERR_IO, "summary: cannot read the dimensions of alert_reason");
    }
    if (!st) why = calloc((size_t)(S * D) + 1, RL);
    if (!st && (!f || !g || !t || !iv || !names || !why))
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the summary");
    if ((st = regia_run_agree(run, st))) goto err;
    for (int64_t i = 0; i < S; i++) snprintf(names + i * SN_NAME, SN_NAME, "%s", s->st[i].name);
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_NAME], 2, 0, ns, in_n, NC_CHAR, names));
    memset(names, 0, (size_t)S * SN_NAME);
    for (int64_t i = 0; i < S; i++) snprintf(names + i * SN_NAME, SN_NAME, "%s", s->st[i].kind);
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_KIND], 2, 0, ns, in_n, NC_CHAR, names));
    if (s->has_position) {
        for (int k = 0; k < 3; k++) {
            for (int64_t i = 0; i < S; i++) g[i] = k == 0 ? s->st[i].lat : k == 1 ? s->st[i].lon : s->st[i].alt;
            REGIA_TRY(regia_run_put_rows(run, ncid, v[V_LAT + k], 1, 0, ns, NULL, NC_DOUBLE, g));
        }
    }
    for (int64_t d = 0; d < D; d++) {
        g[d] = (double)(s->day0 + d);
        g[D + 2 * d] = g[d];
        g[D + 2 * d + 1] = g[d] + 1;
    }
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_DAY], 1, 0, nd, NULL, NC_DOUBLE, g));
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_DAY_BNDS], 2, 0, nd, in_2, NC_DOUBLE, g + D));
    for (int m = 0; m < M; m++) iv[m] = m + 1;
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_MODE], 1, 0, root ? M : 0, NULL, NC_INT, iv));
    for (int r = 0; r < R; r++) g[r] = s->n_periods > 0 ? s->periods[r] : NAN;
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_RP], 1, 0, root ? R : 0, NULL, NC_DOUBLE, g));
    /* day x structure */
    const double *sd[5] = {s->d_rms, s->d_peak, s->d_temp, s->d_nov, s->d_chart};
    const int sd_v[5] = {V_RMS, V_PEAK, V_TEMP, V_NOV, V_CHART};
    for (int k = 0; k < 5; k++) {
        structure_last(sd[k], S, D, 1, t);
        for (int64_t i = 0; i < S * D; i++) f[i] = (float)t[i];
        REGIA_TRY(regia_run_put_rows(run, ncid, v[sd_v[k]], 2, 0, nd, in_s, NC_FLOAT, f));
    }
    const int32_t *si[5] = {s->d_nrec, s->d_nleft, s->d_flags, s->d_code, NULL};
    const int si_v[5] = {V_NREC, V_NLEFT, V_FLAGS, V_COND, V_ALERT};
    for (int k = 0; k < 5; k++) {
        for (int64_t i = 0; i < S * D; i++) g[i] = si[k] ? (double)si[k][i] : (double)s->d_alert[i];
        structure_last(g, S, D, 1, t);
        if (si[k]) {
            for (int64_t i = 0; i < S * D; i++) iv[i] = (int)t[i];
            REGIA_TRY(regia_run_put_rows(run, ncid, v[si_v[k]], 2, 0, nd, in_s, NC_INT, iv));
        } else {
            signed char *b = (signed char *)f;
            for (int64_t i = 0; i < S * D; i++) b[i] = (signed char)t[i];
            REGIA_TRY(regia_run_put_rows(run, ncid, v[si_v[k]], 2, 0, nd, in_s, NC_BYTE, b));
        }
    }
    /* records_scored: the records of each structure and day with a finite novelty score
     * (the detail's `novelty`; s->novelty holds every record on every rank) */
    {
        for (int64_t k = 0; k < S * D; k++) iv[k] = 0;
        for (int64_t i = 0; i < S; i++)
            for (int64_t r = s->st[i].rec0; r < s->st[i].rec0 + s->st[i].nrec; r++) {
                const int64_t d = sn_day_of(s->all_rec[r].start_ns) - s->day0;
                if (isfinite(s->novelty[r]) && d >= 0 && d < D) iv[d * S + i]++;
            }
        REGIA_TRY(regia_run_put_rows(run, ncid, v[V_NSCORED], 2, 0, nd, in_s, NC_INT, iv));
    }
    /* day x structure x reason_strlen: the sentences (no NUL where one fills the length) */
    for (int64_t d = 0; d < D; d++)
        for (int64_t i = 0; i < S; i++)
            memcpy(why + (d * S + i) * RL, s->d_reason + (i * D + d) * SN_REASON,
                   strnlen(s->d_reason + (i * D + d) * SN_REASON, RL));
    {
        size_t in_sr[2] = {(size_t)S, RL};
        REGIA_TRY(regia_run_put_rows(run, ncid, v[V_REASON], 3, 0, nd, in_sr, NC_CHAR, why));
    }
    /* day x mode x structure */
    const double *sdm[2] = {s->d_freq, s->d_damp};
    const int sdm_v[2] = {V_FREQ, V_DAMP};
    for (int k = 0; k < 2; k++) {
        structure_last(sdm[k], S, D, M, t);
        for (int64_t i = 0; i < S * D * M; i++) f[i] = (float)t[i];
        REGIA_TRY(regia_run_put_rows(run, ncid, v[sdm_v[k]], 3, 0, nd, in_ms, NC_FLOAT, f));
    }
    /* mode x structure */
    structure_last(s->track_f, S, M, 1, t);
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_TRACKF], 2, 0, root ? M : 0, in_s, NC_DOUBLE, t));
    /* structure */
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_THR], 1, 0, ns, NULL, NC_DOUBLE, s->threshold));
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_NFEAT], 1, 0, ns, NULL, NC_INT, s->n_features));
    for (int k = 0; k < 6; k++) {
        for (int64_t i = 0; i < S; i++) g[i] = s->gev[i * 6 + k];
        REGIA_TRY(regia_run_put_rows(run, ncid, v[V_MU + k], 1, 0, ns, NULL, NC_DOUBLE, g));
    }
    REGIA_TRY(regia_run_put_rows(run, ncid, v[V_GEV_N], 1, 0, ns, NULL, NC_INT, s->gev_n));
    {
        signed char *b = (signed char *)f;
        for (int64_t i = 0; i < S; i++) b[i] = (signed char)s->gev_status[i];
        REGIA_TRY(regia_run_put_rows(run, ncid, v[V_GEV_STATUS], 1, 0, ns, NULL, NC_BYTE, b));
    }
    /* return_period x structure */
    const double *rl[3] = {s->rl, s->rl_lo, s->rl_hi};
    const int rl_v[3] = {V_RL, V_RL_LO, V_RL_HI};
    for (int k = 0; k < 3; k++) {
        structure_last(rl[k], S, R, 1, t);
        REGIA_TRY(regia_run_put_rows(run, ncid, v[rl_v[k]], 2, 0, root ? R : 0, in_s, NC_DOUBLE, t));
    }
err:
    free(f);
    free(g);
    free(t);
    free(iv);
    free(names);
    free(why);
    return st;
}
