/* cmd_sensors.c - `regia sensors JOBFILE`: the structural-sensor domain's table on the run
 * protocol (domain.h, run.c); the pieces are in sensors_*.c (see sensors_impl.h). */
#include <stdio.h>
#include <stdlib.h>

#include "regia/sensor_store.h"
#include "regia/timeutil.h"
#include "sensors_impl.h"

static void sn_release(regia_run_t *run, void *self)
{
    (void)run;
    sn_t *s = self;
    regia_item_array_t a[REGIA_MAX_ITEM_ARRAYS];
    int na = sn_result_arrays(s, a);
    for (int i = 0; i < na; i++) {
        free(*a[i].p);
        *a[i].p = NULL;
    }
    void *p[] = {s->all_rec, s->all_mode, s->all_shape, s->track, s->mode_number, s->novelty, s->chart_stat,
                 s->threshold, s->n_features, s->n_tracks_all, s->n_ev, s->summary_track, s->why, s->track_f,
                 s->alert_days, s->model_used, s->d_rms, s->d_peak, s->d_temp, s->d_nov, s->d_chart, s->d_freq, s->d_damp,
                 s->d_nrec, s->d_nleft, s->d_flags, s->d_alert, s->d_reason, s->d_code, s->gev, s->gev_n, s->gev_status,
                 s->rl, s->rl_lo, s->rl_hi};
    for (size_t i = 0; i < sizeof p / sizeof *p; i++) free(p[i]);
    sn_index_release(s);
}

/* Collective: the summary of the run in the log. */
static void sn_report(regia_run_t *run, void *self)
{
    sn_t *s = self;
    long long n[4] = {0, 0, 0, 0};
    for (int64_t k = 0; k < s->nr; k++) {
        int stt = s->rec[k].status;
        n[stt == SN_REC_OK ? 0 : stt == SN_REC_NO_MODES ? 1 : stt == SN_REC_QC ? 2 : 3]++;
    }
    regia_run_sum(run, n, 4);
    regia_info(&run->ctx->log, "%lld records: %lld identified, %lld without a stable mode, %lld left out by the quality "
               "flags, %lld without data", (long long)s->n_rec, n[0], n[1], n[2], n[3]);
    for (int i = 0; i < s->n_struct; i++) {
        int red = 0, yellow = 0, first = -1;
        for (int64_t d = 0; d < s->n_day; d++) {
            int lv = s->d_alert[i * s->n_day + d];
            red += lv == 2;
            yellow += lv == 1;
            if (lv == 2 && first < 0) first = (int)d;
        }
        char fr[16] = "-";
        if (first >= 0) regia_format_date(s->day0 + first, fr, sizeof fr);
        regia_info(&run->ctx->log, "%-12s %d modes tracked (%d tracks), %s model, D2 threshold %.3g; %d yellow and %d "
                   "red days (first red %s)%s%s", s->st[i].name, s->n_features[i], s->n_tracks_all[i],
                   regia_comp_model_name(s->model_used[i]), s->threshold[i], yellow, red, fr, s->why[i][0] ? "; " : "",
                   s->why[i]);
    }
}

static void sn_manifest(regia_run_t *run, void *self, regia_manifest_t *m)
{
    (void)run;
    sn_t *s = self;
    regia_manifest_num(m, "structures", s->n_struct);
    regia_manifest_num(m, "records", (double)s->n_rec);
    regia_manifest_str(m, "novelty_model", s->comp_model);
    if (s->n_files > 1)
        for (int i = 0; i < s->n_files; i++)
            regia_manifest_file_sha(m, "inputs", "sensor store file", regia_ss_file(s->store_h, i), s->file_sha[i]);
}

const regia_domain_t regia_domain_sensors = {
    .name = "sensors",
    .summary = "structural sensors: spectra, automatic modes, tracking, novelty alerts and GEV risk from a job file",
    .about = "Structural-sensor driver: reads a sensor store (regia gen sensors, regia ingest sensors), cuts\n"
             "each structure's acceleration into records, flags bad channels, computes Welch spectra, FDD and\n"
             "covariance-driven SSI with automatic modes, tracks the modes over time, compensates them for\n"
             "temperature, scores novelty against a training period, raises daily green/yellow/red alerts\n"
             "and fits a GEV to the daily peaks.  Writes a CF-1.10/ACDD-1.3 NetCDF summary per structure and\n"
             "day, an HDF5 detail per record and a JSON manifest.  See docs/sensors-run.md.",
    .schema = regia_sensors_schema,
    .state_size = sizeof(sn_t),
    .unit = "records",
    .stage = "modal identification",
    .output_role = "summary",
    .not_in_results = "job.threads job.progress_interval job.checkpoint_dir job.checkpoint_interval job.chunk job.name "
                      "job.detail sensors.ingest_job",
    .configure = sn_configure,
    .index = sn_index,
    .read = sn_read,
    .prepare = sn_prepare,
    .compute = sn_compute,
    .result_arrays = sn_result_arrays,
    .check_result = sn_post,
    .define = sn_define,
    .acdd = sn_acdd,
    .write = sn_write,
    .write_extra = sn_write_detail,
    .report = sn_report,
    .manifest = sn_manifest,
    .release = sn_release,
    .products = sn_products,      /* summary.csv and figures: sensors_products.c */
    .item_dim = "structure",      /* per-structure extracts (regia publish)      */
    .region_var = "structure_name",
    .prestep = sn_prestep,
    .prestep_cpu_only = 1,
};
