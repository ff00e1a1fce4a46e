/* gen_sensors.c - `regia gen sensors`: synthetic structural-monitoring records in the
 * sensor store (docs/sensors.md).
 *
 * Bridges and buildings with triaxial accelerometers and an environment station; records
 * of --record-minutes every --interval-minutes (equal: continuous); one file per
 * structure, DIR/B01.h5, DIR/H02.h5, ... (the directory is the store), simulated and
 * written by rank s % size alone (serial NetCDF-4: collective writes of thousands of
 * compressed traces cost more than they share).  The truth (modal parameters per record,
 * damage, faults) is in /truth of each file.  Deterministic by --seed whatever the number
 * of ranks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver_impl.h"
#include "gen_sensors_impl.h"
#include "regia/io.h"
#include "regia/options.h"
#include "regia/sensor_store.h"
#include "regia/timeutil.h"

#ifndef REGIA_VERSION
#define REGIA_VERSION "unknown"
#endif

#define ACC_CAL (8388608.0 / (2 * 9.80665)) /* counts per m/s^2 of a 24-bit +-2 g converter */

static const regia_job_key_t gen_sensors_schema[] = {
    {"gen", "structures", REGIA_KEY_INT, 0, "4", 1, 10000, NULL, "structures (even: bridges, odd: buildings)"},
    {"gen", "days", REGIA_KEY_INT, 0, "5", 1, 3660, NULL, "days of records from --start"},
    {"gen", "rate", REGIA_KEY_DOUBLE, 0, "100", 1, 2000, NULL, "accelerometer sampling rate, Hz"},
    {"gen", "seed", REGIA_KEY_INT, 0, "42", 0, 9.2e18, NULL, "random seed (the same seed gives the same file)"},
    {"gen", "output_dir", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "directory for the store: one file per structure (B01.h5, H02.h5, ...)"},
    {"gen", "start", REGIA_KEY_STRING, 0, "2026-01-12", 0, 0, NULL, "first day (UTC)"},
    {"gen", "record_minutes", REGIA_KEY_DOUBLE, 0, "10", 0.5, 1440, NULL, "length of each record"},
    {"gen", "interval_minutes", REGIA_KEY_DOUBLE, 0, "60", 0.5, 1440, NULL,
     "time from one record's start to the next (= --record-minutes: continuous)"},
    {"gen", "sensors", REGIA_KEY_INT, 0, "4", 1, 32, NULL, "triaxial accelerometers per structure"},
    {"gen", "slow_interval", REGIA_KEY_DOUBLE, 0, "60", 1, 3600, NULL,
     "seconds between samples of the slow channels (temperature, humidity, inclination)"},
    {"gen", "noise", REGIA_KEY_DOUBLE, 0, "25", 0, 100000, NULL, "accelerometer noise density, micro-g/sqrt(Hz)"},
    {"gen", "damaged", REGIA_KEY_STRING, 0, "auto", 0, 0, NULL,
     "damaged structures: auto (index % 4 = 0 or 3), none, all, or indices 0,3,..."},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};
static const regia_opt_meta_t gen_sensors_meta[] = {
    {"structures", "N"}, {"days", "D"}, {"rate", "HZ"}, {"seed", "S"}, {"output_dir", "DIR"},
    {"start", "YYYY-MM-DD"}, {"record_minutes", "MIN"}, {"interval_minutes", "MIN"}, {"sensors", "N"},
    {"slow_interval", "SEC"}, {"noise", "UG"}, {"damaged", "LIST"}, {NULL, NULL},
};

static int usage(regia_ctx_t *ctx)
{
    if (ctx->rank == 0) {
        printf("usage: regia gen sensors --structures N --days D --rate HZ --seed S --output-dir DIR [OPTIONS]\n\n"
               "Writes DIR/B01.h5, DIR/H02.h5, ... (a sensor store): synthetic acceleration records of bridges and buildings under traffic\n"
               "and wind, with temperature effects, damage, sensor faults, slow channels and the truth\n"
               "(layout and model: docs/sensors.md).  MPI: structures are shared among the ranks.\n\nOptions:\n");
        regia_opts_print_help(gen_sensors_schema, gen_sensors_meta, stdout);
    }
    return REGIA_EXIT_OK;
}

/* "auto", "none", "all" or indices within [0, n). */
static int check_damaged(const char *s, int n, char *msg, size_t cap)
{
    if (!strcmp(s, "auto") || !strcmp(s, "none") || !strcmp(s, "all")) return 1;
    const char *p = s;
    while (*p) {
        char *e;
        long v = strtol(p, &e, 10);
        if (e == p || (*e && *e != ',') || v < 0 || v >= n) {
            snprintf(msg, cap, "--damaged '%s': expected auto, none, all or structure indices 0..%d separated by commas",
                     s, n - 1);
            return 0;
        }
        p = *e ? e + 1 : e;
    }
    return 1;
}

static int64_t t_ns(const gs_cfg_t *c, int r, int64_t k)
{
    return c->start_ns + (int64_t)llround((r * c->interval_s) * 1e9) + (int64_t)llround((double)k * 1e9 / c->fs);
}

static const char *AXES[3] = {"x", "y", "z"};
static const char *SLOW_CH[4] = {"temperature", "humidity", "inclination_x", "inclination_y"};
static const regia_sensor_kind_t SLOW_KIND[4] = {REGIA_SENSOR_TEMPERATURE, REGIA_SENSOR_HUMIDITY,
                                                 REGIA_SENSOR_INCLINATION, REGIA_SENSOR_INCLINATION};
static const char *SLOW_UNITS[4] = {"degC", "percent", "mrad", "mrad"};

static void sensor_name(int i, char *out, size_t cap) { snprintf(out, cap, "A%02d", i + 1); }

static regia_trace_meta_t acc_meta(const gs_cfg_t *c, const gs_struct_t *g, int r, int ch, int64_t k0, int64_t k1)
{
    regia_trace_meta_t m;
    memset(&m, 0, sizeof m);
    snprintf(m.structure, sizeof m.structure, "%s", g->name);
    sensor_name(ch / 3, m.sensor, sizeof m.sensor);
    snprintf(m.channel, sizeof m.channel, "%s", AXES[ch % 3]);
    snprintf(m.tag, sizeof m.tag, "raw_recording");
    snprintf(m.units, sizeof m.units, "m s-2");
    m.kind = REGIA_SENSOR_ACCEL;
    m.fs = c->fs;
    m.start_ns = t_ns(c, r, k0);
    m.n = k1 - k0;
    m.calibration = ACC_CAL;
    memcpy(m.position, g->pos[ch / 3], sizeof m.position);
    m.orientation[ch % 3] = 1;
    return m;
}

static regia_trace_meta_t slow_meta(const gs_cfg_t *c, const gs_struct_t *g, int k, int64_t n_slow)
{
    regia_trace_meta_t m;
    memset(&m, 0, sizeof m);
    snprintf(m.structure, sizeof m.structure, "%s", g->name);
    snprintf(m.sensor, sizeof m.sensor, "E01");
    snprintf(m.channel, sizeof m.channel, "%s", SLOW_CH[k]);
    snprintf(m.tag, sizeof m.tag, "raw_recording");
    snprintf(m.units, sizeof m.units, "%s", SLOW_UNITS[k]);
    m.kind = SLOW_KIND[k];
    m.fs = 1.0 / c->slow_dt;
    m.start_ns = c->start_ns;
    m.n = n_slow;
    m.calibration = 1;
    m.position[0] = g->bridge ? 0.5 * g->span : 0;
    m.position[2] = g->bridge ? 1.5 : g->storeys * g->storey_h + 1.5;
    if (k == 2) m.orientation[0] = 1;
    if (k == 3) m.orientation[1] = 1;
    return m;
}

/* The truth's fault rows from the plan (values as known now). */
static void fault_rows(const gs_cfg_t *c, const gs_struct_t *g, regia_ss_truth_t *t)
{
    for (int i = 0; i < g->nfaults; i++) {
        const gs_fault_t *f = &g->faults[i];
        regia_ss_fault_t *o = &t->faults[i];
        sensor_name(f->sensor, o->sensor, sizeof o->sensor);
        snprintf(o->channel, sizeof o->channel, "%s", f->ch >= 0 ? AXES[f->ch % 3] : "");
        o->kind = f->kind;
        o->start_ns = t_ns(c, f->rec0, f->k0);
        o->end_ns = f->kind == REGIA_FAULT_SPIKE ? o->start_ns : t_ns(c, f->rec1, f->k1);
        o->value = f->value;
    }
}

/* Define structure g's file (its traces in the order write_structure writes them). */
static regia_status_t define(regia_ss_writer_t *w, const gs_cfg_t *c, const gs_struct_t *g, int64_t n_slow,
                             int *tid)
{
    regia_status_t st = REGIA_OK;
    int id;
    char desc[256];
    if (g->bridge)
        snprintf(desc, sizeof desc, "synthetic beam-like bridge, span %.1f m, width %.1f m, %d triaxial "
                 "accelerometers on the deck and an environment station E01", g->span, g->width, g->nsens);
    else
        snprintf(desc, sizeof desc, "synthetic %d-storey shear-frame building, %d triaxial accelerometers on "
                 "the floors and an environment station E01 on the roof", g->storeys, g->nsens);
    REGIA_TRY(regia_ss_def_structure(w, g->name, g->bridge ? "bridge" : "building", desc));
    /* continuous: one trace per gap-free piece of the run, chunks of one record */
    if (c->continuous) regia_ss_set_chunk(w, c->rec_n);
    for (int r = c->continuous ? -1 : 0; r < (c->continuous ? 0 : c->nrec); r++)
        for (int ch = 0; ch < g->nch; ch++) {
            int64_t k0[GS_MAX_PIECES], k1[GS_MAX_PIECES];
            int np = gs_pieces(c, g, r, ch, k0, k1);
            for (int p = 0; p < np; p++) {
                regia_trace_meta_t m = acc_meta(c, g, r < 0 ? 0 : r, ch, k0[p], k1[p]);
                REGIA_TRY(regia_ss_def_trace(w, &m, &id));
            }
        }
    for (int k = 0; k < 4; k++) {
        regia_trace_meta_t m = slow_meta(c, g, k, n_slow);
        REGIA_TRY(regia_ss_def_trace(w, &m, &id));
    }
    REGIA_TRY(regia_ss_def_truth(w, g->name, c->nrec, g->nmodes, g->nch, g->nfaults,
                                 g->damaged ? t_ns(c, g->damage_rec, 0) : INT64_MIN, g->damage_loss, tid));
    REGIA_TRY(regia_ss_enddef(w));
err:
    return st;
}

/* Simulate structure g and write its records, slow channels and truth. */
static regia_status_t write_structure(regia_ss_writer_t *w, const gs_cfg_t *c, gs_struct_t *g, int64_t n_slow,
                                      int tid)
{
    regia_status_t st = REGIA_OK;
    regia_ss_truth_t tr;
    gs_state_t state;
    memset(&state, 0, sizeof state);
    memset(&tr, 0, sizeof tr);
    double *work = malloc((size_t)gs_work_len(c, g) * sizeof *work);
    double *x = malloc((size_t)g->nch * (size_t)c->rec_n * sizeof *x);
    double *slow = malloc((size_t)(6 * n_slow) * sizeof *slow);
    if (!work || !x || !slow) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "gen sensors: out of memory");
        goto err;
    }
    double *t_air = slow + 4 * n_slow, *t_eff = t_air + n_slow;
    REGIA_TRY(regia_ss_truth_alloc(&tr, c->nrec, g->nmodes, g->nch, g->nfaults));
    snprintf(tr.structure, sizeof tr.structure, "%s", g->name);
    gs_temperature(c, g, n_slow, t_air, t_eff, tr.temperature);
    for (int r = 0; r < c->nrec; r++) tr.time_ns[r] = t_ns(c, r, 0);
    for (int ch = 0; ch < g->nch; ch++) {
        char sn[REGIA_SS_NAME];
        sensor_name(ch / 3, sn, sizeof sn);
        snprintf(tr.chan[ch], sizeof tr.chan[ch], "%s/%s", sn, AXES[ch % 3]);
        for (int m = 0; m < g->nmodes; m++) tr.shape[m * g->nch + ch] = g->shape[m][ch];
    }
    tr.damage_ns = g->damaged ? t_ns(c, g->damage_rec, 0) : INT64_MIN;
    tr.damage_loss = g->damage_loss;
    int id = 0;
    for (int r = 0; r < c->nrec; r++) {
        gs_record(c, g, r, tr.temperature[r], &state, work, x, tr.freq + (size_t)r * g->nmodes,
                  tr.damping + (size_t)r * g->nmodes);
        if (c->continuous) id = 0; /* the same traces for every record */
        for (int ch = 0; ch < g->nch; ch++) {
            int64_t k0[GS_MAX_PIECES], k1[GS_MAX_PIECES], n = c->rec_n, o = c->continuous ? r * n : 0;
            int np = gs_pieces(c, g, c->continuous ? -1 : r, ch, k0, k1);
            for (int p = 0; p < np; p++, id++) { /* the part of piece p in this record */
                int64_t a = k0[p] > o ? k0[p] : o, b = k1[p] < o + n ? k1[p] : o + n;
                if (b > a) REGIA_TRY(regia_ss_write(w, id, a - k0[p], b - a, x + (size_t)ch * n + (a - o)));
            }
        }
    }
    gs_slow(c, g, t_air, t_eff, n_slow, slow);
    for (int k = 0; k < 4; k++) REGIA_TRY(regia_ss_write(w, id++, 0, n_slow, slow + (size_t)k * n_slow));
    fault_rows(c, g, &tr);
    REGIA_TRY(regia_ss_put_truth(w, tid, &tr));
err:
    regia_ss_truth_free(&tr);
    free(work);
    free(x);
    free(slow);
    return st;
}

/* Structure g into DIR/NAME.h5 (serial; written as .NAME.h5.partial, then renamed). */
static regia_status_t one_file(const char *outdir, const gs_cfg_t *c, gs_struct_t *g, int64_t n_slow,
                               const regia_ss_file_info_t *info)
{
    regia_status_t st = REGIA_OK;
    char path[4200], tmp[4300];
    regia_ss_writer_t *w = NULL;
    int tid;
    snprintf(path, sizeof path, "%s/%s.h5", outdir, g->name);
    snprintf(tmp, sizeof tmp, "%s/.%s.h5.partial", outdir, g->name);
    REGIA_TRY(regia_ss_create(tmp, MPI_COMM_NULL, info, &w));
    REGIA_TRY(define(w, c, g, n_slow, &tid));
    REGIA_TRY(write_structure(w, c, g, n_slow, tid));
    st = regia_ss_writer_close(w, 0);
    w = NULL;
    if (st == REGIA_OK && rename(tmp, path) != 0)
        st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot rename to %s", tmp, path);
err:
    if (w) regia_ss_writer_close(w, 1);
    if (st != REGIA_OK) unlink(tmp);
    return st;
}

int regia_gen_sensors(regia_ctx_t *ctx, int argc, char **argv)
{
    regia_opts_t o;
    regia_job_t *job = NULL;
    const char *cmd = "gen sensors";
    if (regia_opts_parse(gen_sensors_schema, gen_sensors_meta, 0, argc, argv, &o) != REGIA_OK)
        return regia_usage_error(ctx, cmd, "%s", regia_error_msg());
    if (o.help) { regia_opts_free(&o); return usage(ctx); }
    regia_opts_free(&o);
    if (regia_opts_parse(gen_sensors_schema, gen_sensors_meta, 1, argc, argv, &o) != REGIA_OK)
        return regia_usage_error(ctx, cmd, "%s", regia_error_msg());
    if (o.quiet) ctx->log.quiet = 1;
    if (o.n_pos) {
        int rc = regia_usage_error(ctx, cmd, "unexpected argument '%s'", o.pos[0]);
        regia_opts_free(&o);
        return rc;
    }
    regia_status_t pst = regia_job_parse(o.text ? o.text : "", "command line", gen_sensors_schema, &job);
    regia_opts_free(&o);
    if (pst) return regia_usage_error(ctx, cmd, "%s", regia_error_msg());

    gs_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    gs_cfg_t *c = &cfg;
    c->structures = (int)regia_job_int(job, "gen", "structures");
    c->days = (int)regia_job_int(job, "gen", "days");
    c->fs = regia_job_double(job, "gen", "rate");
    c->seed = (uint64_t)regia_job_int(job, "gen", "seed");
    c->sensors = (int)regia_job_int(job, "gen", "sensors");
    c->record_s = 60 * regia_job_double(job, "gen", "record_minutes");
    c->interval_s = 60 * regia_job_double(job, "gen", "interval_minutes");
    c->slow_dt = regia_job_double(job, "gen", "slow_interval");
    c->noise_density = regia_job_double(job, "gen", "noise") * 1e-6 * 9.80665;
    c->damaged = regia_job_str(job, "gen", "damaged");
    const char *outdir = regia_job_path(job, "gen", "output_dir");
    char msg[512] = "";
    int64_t t0;
    int rc = REGIA_EXIT_FAIL;
    char hist[1024];
    if (regia_parse_datetime(regia_job_str(job, "gen", "start"), &t0) != REGIA_OK) {
        rc = regia_usage_error(ctx, cmd, "--start: %s", regia_error_msg());
        goto done;
    }
    if (t0 < REGIA_TRACE_TIME_MIN_S || t0 + 86400LL * (c->days + 1) >= REGIA_TRACE_TIME_MAX_S) {
        rc = regia_usage_error(ctx, cmd, "--start %s with --days %d: the records must lie in 1900-2261 (traces count "
                               "int64 nanoseconds)", regia_job_str(job, "gen", "start"), c->days);
        goto done;
    }
    c->start_ns = regia_floordiv(t0, 86400) * 86400 * 1000000000LL;
    c->rec_n = llround(c->record_s * c->fs);
    if (fabs((double)c->rec_n - c->record_s * c->fs) > 1e-6) {
        rc = regia_usage_error(ctx, cmd, "--record-minutes %g at --rate %g Hz is not a whole number of samples",
                               c->record_s / 60, c->fs);
        goto done;
    }
    if (c->interval_s < c->record_s) {
        rc = regia_usage_error(ctx, cmd, "--interval-minutes %g is shorter than --record-minutes %g",
                               c->interval_s / 60, c->record_s / 60);
        goto done;
    }
    c->continuous = c->interval_s == c->record_s;
    c->nrec = (int)floor((double)c->days * 86400 / c->interval_s + 1e-9);
    if (c->nrec < 1 || (double)c->nrec * c->interval_s > (double)c->days * 86400 + 1e-6) {
        rc = regia_usage_error(ctx, cmd, "--days %d hold no record of --interval-minutes %g", c->days,
                               c->interval_s / 60);
        goto done;
    }
    if ((double)c->nrec * c->rec_n > 4e9) {
        rc = regia_usage_error(ctx, cmd, "%d records of %lld samples: more than 4e9 samples per channel", c->nrec,
                               (long long)c->rec_n);
        goto done;
    }
    if (c->fs > 0 && 1.0 / c->fs > c->slow_dt) {
        rc = regia_usage_error(ctx, cmd, "--slow-interval %g s is shorter than a sample at --rate %g Hz", c->slow_dt,
                               c->fs);
        goto done;
    }
    if (!check_damaged(c->damaged, c->structures, msg, sizeof msg)) {
        rc = regia_usage_error(ctx, cmd, "%s", msg);
        goto done;
    }
    const int64_t n_slow = (int64_t)floor((double)c->days * 86400 / c->slow_dt + 1e-9);
    gs_struct_t *g = malloc(sizeof *g);
    regia_status_t st = g ? REGIA_OK : REGIA_FAIL(REGIA_ERR_NOMEM, "gen sensors: out of memory");
    if (st == REGIA_OK && ctx->rank == 0) st = regia_mkdir_p(outdir);
    st = regia_agree(ctx, st);
    if (st != REGIA_OK) { free(g); goto done; }
    regia_provenance_cmdline(hist, sizeof hist, "gen sensors", argc, argv); /* paths as file names */
    regia_ss_file_info_t info = {"Synthetic structural monitoring records (regia gen sensors)",
                                 "regia gen sensors " REGIA_VERSION " (synthetic data, not measurements)", hist, 1};
    double t_start = MPI_Wtime();
    int ndmg = 0;
    for (int s = 0; s < c->structures; s++) {
        gs_plan(c, s, g);
        ndmg += g->damaged;
        if (s % ctx->size == ctx->rank && st == REGIA_OK) st = one_file(outdir, c, g, n_slow, &info);
    }
    free(g);
    st = regia_agree(ctx, st);
    if (st == REGIA_OK) {
        regia_info(&ctx->log,
                   "wrote %s/{B,H}NN.h5: %d structures (%d damaged), %d records of %g min at %g Hz each, %.1f s "
                   "on %d ranks",
                   outdir, c->structures, ndmg, c->nrec, c->record_s / 60, c->fs, MPI_Wtime() - t_start, ctx->size);
        rc = REGIA_EXIT_OK;
    }
done:
    regia_job_free(job);
    return rc;
}
