/* sensors_record.c - one record of `regia sensors`: read its channels from the store,
 * quality flags per channel (regia_qc_channel; spikes replaced by the window median when
 * few), clock offsets between sensors (cross-correlation), then on the channels that are
 * fit for modal identification: the Welch cross-spectral matrix (backend op), FDD of it,
 * and covariance-driven SSI with automatic modes.  Records are taken in batches of
 * [welch] batch_records: each is read and checked, then the consecutive records of one
 * structure with the same number of usable channels go to the Welch op in one call, then
 * each is identified, the records of a batch in parallel over the rank's threads (one
 * record per thread, OpenBLAS single-threaded inside).  The per-record results are the checkpointed arrays
 * (sn_result_arrays); a record depends only on its own samples, not on its batch (the
 * Welch op's results do not depend on the records beside them: regia/welch.h). */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/io.h"
#include "regia/kernels.h"
#include "regia/sensor_store.h"
#include "regia/timeutil.h"
#include "sensors_impl.h"

#include <omp.h>

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

/* The CF flag attributes of the quality-flag bits (regia/sensor_qc.h). */
regia_status_t sn_qc_flag_atts(int ncid, int vid)
{
    regia_status_t st = REGIA_OK;
    int masks[REGIA_QC_NFLAGS];
    char meanings[512] = "";
    size_t n = 0;
    for (int b = 0; b < REGIA_QC_NFLAGS; b++) {
        masks[b] = 1 << b;
        char name[64];
        regia_qc_flags_str((uint32_t)masks[b], name, sizeof name);
        for (char *c = name; *c; c++)
            if (*c == ' ' || *c == ',') *c = '_';
        n += (size_t)snprintf(meanings + n, sizeof meanings - n, "%s%s", b ? " " : "", name);
    }
    REGIA_NC(nc_put_att_int(ncid, vid, "flag_masks", NC_INT, REGIA_QC_NFLAGS, masks));
    ATT(vid, "flag_meanings", meanings);
err:
    return st;
}

int sn_result_arrays(void *self, regia_item_array_t *a)
{
    sn_t *s = self;
    const size_t C = (size_t)s->C, NF = (size_t)s->NF, K = (size_t)s->K, P = (size_t)s->P;
    regia_item_array_t r[13] = {
        {(void **)&s->rec, sizeof(sn_rec_t)},
        {(void **)&s->ch_flags, sizeof(int32_t) * C},
        {(void **)&s->ch_rms, sizeof(float) * C},
        {(void **)&s->ch_peak, sizeof(float) * C},
        {(void **)&s->ch_lag, sizeof(float) * C},
        {(void **)&s->psd, sizeof(float) * C * NF},
        {(void **)&s->s1, sizeof(float) * NF},
        {(void **)&s->mode, sizeof(double) * K * 6},
        {(void **)&s->shape, sizeof(double) * K * C * 2},
        {(void **)&s->fdd_f, sizeof(double) * K},
        {(void **)&s->pole, sizeof(float) * P * 5},
        {(void **)&s->pole_i, sizeof(int32_t) * P * 3},
        {(void **)&s->ch_off, sizeof(double) * C},
    };
    memcpy(a, r, sizeof r);
    return 13;
}

regia_status_t sn_prepare(regia_run_t *run, void *self)
{
    sn_t *s = self;
    s->r0 = run->i0;
    s->nr = run->ni;
    s->be = &run->be;
    regia_item_array_t a[REGIA_MAX_ITEM_ARRAYS];
    int na = sn_result_arrays(s, a);
    for (int i = 0; i < na; i++) {
        *a[i].p = calloc((size_t)s->nr + 1, a[i].item_bytes);
        if (!*a[i].p) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the results of %lld records", (long long)s->nr);
    }
    return REGIA_OK;
}

/* Work arrays of a batch of records (the largest structure's sizes). */
typedef struct {
    double *x;      /* C x ns samples of one record as read                               */
    double *y;      /* batch: per record nok x ns, the channels fit for modal identification,
                     * packed record after record (the Welch op's layout)                 */
    double *csd;    /* batch: per record NF x nok x nok complex, packed                   */
    double *tbuf;   /* temperature samples                                                */
    int64_t tcap;
    int64_t batch;  /* records per batch                                                  */
} sn_work_t;

/* A record of the batch between its checks and its identification. */
typedef struct {
    int go;         /* fit for spectra and SSI                                            */
    int nok, ok[SN_MAX_CH];
    int64_t y_off, c_off; /* its channels in w->y, its CSD in w->csd                      */
} sn_pending_t;

static void work_free(sn_work_t *w)
{
    free(w->x);
    free(w->y);
    free(w->csd);
    free(w->tbuf);
}

/* Host threads of the rank: the backend's (the CPU backend's OpenMP threads; on a device
 * backend the job's `threads`, 1 when 0). */
static int host_threads(const sn_t *s)
{
    return s->be->threads > 1 ? s->be->threads : 1;
}

/* Records per batch: [welch] batch_records, fewer when a batch's samples would pass
 * 512 MiB.  0 (the default): the rank's threads on the CPU backend (each identifies one
 * record of the batch), at least 8 on any other.  On the CPU a larger batch saves nothing
 * measurable (one FFTW plan per call instead of per record) but its buffers stay resident
 * for the whole run: 8 records of 12 channels x 120,000 samples are 92 MB of samples and
 * 19 MB of spectra per rank, more than all the rest of the rank's memory
 * (bench_sensors_day held-out store: 187 MB per rank with 8, 101 with 1). */
static int64_t batch_size(const sn_t *s)
{
    const double rec_bytes = 8.0 * (double)s->C * (double)s->max_samples;
    const int64_t T = host_threads(s);
    int64_t b = s->welch_batch > 0 ? s->welch_batch : strcmp(regia_backend_name(s->be), "cpu") == 0 ? T : T > 8 ? T : 8;
    while (b > 1 && (double)b * rec_bytes > 512.0 * 1024 * 1024) b--;
    return b;
}

static regia_status_t work_alloc(const sn_t *s, sn_work_t *w, int64_t batch)
{
    const size_t C = (size_t)s->C, ns = (size_t)s->max_samples, NF = (size_t)s->NF, B = (size_t)batch;
    memset(w, 0, sizeof *w);
    w->batch = batch;
    w->x = malloc(sizeof(double) * C * ns);
    w->y = malloc(sizeof(double) * C * ns * B);
    w->csd = malloc(sizeof(double) * NF * C * C * 2 * B);
    w->tcap = 4096;
    w->tbuf = malloc(sizeof(double) * (size_t)w->tcap);
    if (!w->x || !w->y || !w->csd || !w->tbuf) {
        work_free(w);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for a batch of %lld records of %d channels x %lld samples",
                          (long long)batch, s->C, (long long)s->max_samples);
    }
    return REGIA_OK;
}

/* n samples of the structure's temperature channel c from time `from` into w->tbuf. */
static regia_status_t read_temperature(sn_t *s, const sn_struct_t *S, const sn_chan_t *c, int64_t from, int64_t n,
                                       sn_work_t *w)
{
    if (n > w->tcap) {
        double *t = realloc(w->tbuf, sizeof(double) * (size_t)n);
        if (!t) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory reading a temperature channel");
        w->tbuf = t;
        w->tcap = n;
    }
    int64_t covered = 0;
    return regia_ss_read_channel(s->store_h, S->name, c->sensor, c->channel, from, c->fs, n, w->tbuf, &covered);
}

/* The record's temperatures from the structure's first temperature channel (NaN when it
 * has none or no sample there): *mean, the mean of the samples over the record, and
 * *model, what the environmental model uses: the same, or with [novelty] thermal_lag
 * tau > 0 hours the structure's own temperature as a first-order lag of the measured one
 * (dT/dt = (T_air - T) / tau, Newton's law of heating), the exponential average of the
 * samples of the 5 tau before the record's middle.  The lag needs 3 tau of samples before
 * the record's middle to forget its unknown starting state (to within e^-3 = 5 % of the
 * initial difference): a record within 3 tau of the channel's first sample (the start of
 * the store) has no model temperature (NaN), so it is neither trained on nor scored. */
static regia_status_t record_temperature(sn_t *s, const sn_struct_t *S, int64_t t0, sn_work_t *w, double *mean,
                                         double *model)
{
    regia_status_t st = REGIA_OK;
    *mean = *model = NAN;
    if (S->temp_ch < 0) return REGIA_OK;
    const sn_chan_t *c = &s->ch[S->temp_ch];
    int64_t n = llround(s->rec_s * c->fs);
    if (n < 1) n = 1;
    REGIA_TRY(read_temperature(s, S, c, t0, n, w));
    double sum = 0;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(w->tbuf[i])) sum += w->tbuf[i], k++;
    if (k > 0) *mean = sum / (double)k;
    const double tau = s->thermal_lag_h * 3600.0;
    if (!(tau > 0)) {
        *model = *mean;
        return REGIA_OK;
    }
    const int64_t from = t0 + llround(0.5 * s->rec_s * 1e9) - llround(5 * tau * 1e9);
    n = llround(5 * tau * c->fs);
    if (n < 1) n = 1;
    REGIA_TRY(read_temperature(s, S, c, from, n, w));
    const double a = exp(-1.0 / (c->fs * tau));
    double te = NAN;
    int64_t first = -1;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(w->tbuf[i])) continue; /* a gap: the state carries over */
        if (first < 0) first = i;
        te = isfinite(te) ? a * te + (1 - a) * w->tbuf[i] : w->tbuf[i];
    }
    if (first >= 0 && (double)(n - first) >= 3.0 * tau * c->fs) *model = te;
err:
    return st;
}

/* 1 when all n samples of x are finite. */
static int sn_all_finite(const double *x, int64_t n)
{
    for (int64_t t = 0; t < n; t++)
        if (!isfinite(x[t])) return 0;
    return 1;
}

/* The delay of sensor q behind sensor p from their channels of the same name (both fit for
 * modal identification, all samples finite), polarity ignored: the phase of the
 * cross-spectrum pooled over those channel pairs (regia_qc_clock_offset_phase: each
 * coherent bin fixes the delay modulo half its period whatever the signs of the mode
 * shapes, bins of different modes together fix it; narrowband bridge modes do not move it
 * as they move the correlation peak).  Decided when the phase agreement J is at least
 * [qc] clock_min_agreement (0.7) and the best other candidate delay (more than half a
 * sample away) is SN_CLOCK_MARGIN below it: coherent bins in one mode alone leave the delay
 * ambiguous and the pair undecided.  *w: the agreement J (0: undecided). */
#define SN_CLOCK_MARGIN 0.15
static regia_status_t pair_delay(const sn_t *s, const sn_struct_t *S, const double *x, const int32_t *flags,
                                 int p0, int p1, int q0, int q1, double *d, double *w)
{
    const sn_chan_t *ch = s->ch + S->ch0;
    const double *pa[SN_MAX_CH], *pb[SN_MAX_CH];
    int n = 0;
    *d = NAN;
    *w = 0;
    for (int a = p0; a < p1; a++) {
        if (!regia_qc_fit_modal((uint32_t)flags[a])) continue;
        const double *xa = x + (int64_t)a * S->ns;
        if (!sn_all_finite(xa, S->ns)) continue;
        for (int b = q0; b < q1; b++) {
            if (strcmp(ch[a].channel, ch[b].channel) || !regia_qc_fit_modal((uint32_t)flags[b])) continue;
            const double *xb = x + (int64_t)b * S->ns;
            if (!sn_all_finite(xb, S->ns)) continue;
            pa[n] = xa, pb[n++] = xb;
        }
    }
    if (n == 0) return REGIA_OK;
    double l = NAN, J = 0, J2 = 0;
    regia_status_t st = regia_qc_clock_offset_phase(pa, pb, n, S->ns, S->fs, &l, &J, &J2);
    if (st == REGIA_ERR_INVALID) { regia_error_clear(); return REGIA_OK; } /* a record too short */
    if (st) return st;
    if (!(J >= s->clock_agree) || !(J - J2 >= SN_CLOCK_MARGIN)) return REGIA_OK;
    *d = l / S->fs, *w = J;
    return REGIA_OK;
}

/* Clock offsets between the sensors of a structure (channels grouped by sensor).  Each
 * sensor is compared with the next SN_CLOCK_NEAR sensors (all pairs for the usual 2-4;
 * pair_delay), not with one reference only: a sensor at a node of a mode, or one whose
 * motion the noise swamps, shares no clean correlation with the others, and a pair whose
 * modes have opposite signs on the two sensors mixes them.  The decided pairs, strongest
 * correlation first, join the sensors into groups (a maximum spanning forest, Kruskal); in
 * each group the offsets follow the tree's pairs from the group's first sensor and are
 * then taken relative to the group's median offset when it has three sensors or more (the
 * majority keeps time: when half the group or more would be off the median, a pair's delay
 * is wrong, typically a narrowband mode's side lobe, and the group decides nothing), else
 * to its first sensor.  An offset beyond [qc] clock_tolerance flags every channel of the
 * sensor (CLOCK).  lag[c]: the offset of channel c's sensor
 * (s), NaN when none of its pairs was decided. */
enum { SN_CLOCK_NEAR = 3 };
static int sn_root(int *par, int k)
{
    while (par[k] != k) k = par[k] = par[par[k]];
    return k;
}
static regia_status_t clock_offsets(sn_t *s, const sn_struct_t *S, const double *x, int32_t *flags,
                                    float *lag)
{
    regia_status_t st = REGIA_OK;
    const int nch = S->nch;
    const sn_chan_t *ch = s->ch + S->ch0;
    int first[SN_MAX_CH + 1], ns = 0; /* sensor k: channels first[k] .. first[k+1]-1 */
    for (int c = 0; c < nch; c++) {
        lag[c] = NAN;
        if (c == 0 || strcmp(ch[c].sensor, ch[c - 1].sensor)) first[ns++] = c;
    }
    first[ns] = nch;
    typedef struct { int p, q, tree; double d, w; } edge_t;
    edge_t e[SN_MAX_CH * SN_CLOCK_NEAR];
    int ne = 0, par[SN_MAX_CH];
    double off[SN_MAX_CH], v[SN_MAX_CH];
    for (int p = 0; p < ns; p++)
        for (int q = p + 1; q < ns && q <= p + SN_CLOCK_NEAR; q++) {
            double d, w;
            REGIA_TRY(pair_delay(s, S, x, flags, first[p], first[p + 1], first[q], first[q + 1], &d, &w));
            if (w > 0) e[ne++] = (edge_t){p, q, 0, d, w};
        }
    for (int i = 1; i < ne; i++) /* strongest first (stable: ties keep sensor order) */
        for (int j = i; j > 0 && e[j].w > e[j - 1].w; j--) { edge_t t = e[j]; e[j] = e[j - 1]; e[j - 1] = t; }
    for (int k = 0; k < ns; k++) par[k] = k, off[k] = NAN;
    for (int i = 0; i < ne; i++) {
        int a = sn_root(par, e[i].p), b = sn_root(par, e[i].q);
        if (a == b) continue;
        par[a > b ? a : b] = a < b ? a : b; /* the root is the group's first sensor */
        e[i].tree = 1;
    }
    for (int r = 0; r < ns; r++) {
        if (sn_root(par, r) != r) continue;
        off[r] = 0; /* offsets along the tree from the group's first sensor */
        for (int grown = 1; grown;) {
            grown = 0;
            for (int i = 0; i < ne; i++) {
                if (!e[i].tree || sn_root(par, e[i].p) != r) continue;
                if (isfinite(off[e[i].p]) && !isfinite(off[e[i].q])) off[e[i].q] = off[e[i].p] + e[i].d, grown = 1;
                else if (isfinite(off[e[i].q]) && !isfinite(off[e[i].p])) off[e[i].p] = off[e[i].q] - e[i].d, grown = 1;
            }
        }
        int m = 0;
        for (int k = r; k < ns; k++)
            if (sn_root(par, k) == r) v[m++] = off[k];
        if (m < 2) continue; /* no decided pair */
        double ref = 0;
        if (m >= 3) {
            for (int i = 1; i < m; i++)
                for (int j = i; j > 0 && v[j] < v[j - 1]; j--) { double t = v[j]; v[j] = v[j - 1]; v[j - 1] = t; }
            ref = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
            int late = 0;
            for (int i = 0; i < m; i++) late += fabs(v[i] - ref) > s->clock_tol;
            if (2 * late >= m) continue; /* no majority keeps time: a pair's delay is a side lobe */
        }
        for (int k = r; k < ns; k++) {
            if (sn_root(par, k) != r) continue;
            double o = off[k] - ref;
            for (int c = first[k]; c < first[k + 1]; c++) {
                lag[c] = (float)o;
                if (fabs(o) > s->clock_tol) flags[c] |= REGIA_QC_CLOCK;
            }
        }
    }
err:
    return st;
}

/* Keep at most K modes: the ones with the most poles, then by frequency. */
static int pick_modes(const regia_ssi_result_t *res, int K, int *pick)
{
    int n = 0;
    char used[4096] = {0};
    int nm = res->n_modes < 4096 ? res->n_modes : 4096;
    while (n < K) {
        int best = -1;
        for (int m = 0; m < nm; m++) {
            if (used[m]) continue;
            if (best < 0 || res->modes[m].n_poles > res->modes[best].n_poles) best = m;
        }
        if (best < 0) break;
        used[best] = 1;
        pick[n++] = best;
    }
    /* ascending frequency */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && res->modes[pick[j]].f < res->modes[pick[j - 1]].f; j--) {
            int t = pick[j];
            pick[j] = pick[j - 1];
            pick[j - 1] = t;
        }
    return n;
}

/* Prefix the pending error with the structure and the record's start in UTC
 * ("structure B01, record 2026-01-21T04:00:00Z: "), the time a user finds in the store's
 * trace names. */
static void record_error_prefix(const char *structure, int64_t t0_ns)
{
    char when[32];
    int64_t sec = t0_ns >= 0 ? t0_ns / 1000000000 : -((-t0_ns + 999999999) / 1000000000);
    regia_format_datetime(sec, when, sizeof when);
    regia_error_prefix("structure %s, record %s: ", structure, when);
}

/* The first part of a record (shard position k): read, quality flags, clock offsets, the
 * channels fit for modal identification copied to y; pd->go when spectra and SSI follow. */
static regia_status_t record_begin(sn_t *s, int64_t k, sn_work_t *w, double *y, sn_pending_t *pd)
{
    regia_status_t st = REGIA_OK;
    const int64_t g = s->r0 + k;
    const sn_struct_t *S = &s->st[s->rec_struct[g]];
    const int C = s->C, NF = s->NF, K = s->K, P = s->P, nch = S->nch;
    const int64_t ns = S->ns, t0 = s->rec_start[g];
    sn_rec_t *rec = &s->rec[k];
    int32_t *flags = s->ch_flags + k * C;
    float *rms = s->ch_rms + k * C, *peak = s->ch_peak + k * C, *lag = s->ch_lag + k * C;
    double *off = s->ch_off + k * C;
    float *psd = s->psd + k * C * NF, *s1 = s->s1 + k * NF, *pole = s->pole + k * P * 5;
    int32_t *pole_i = s->pole_i + k * P * 3;
    double *mode = s->mode + k * K * 6, *shape = s->shape + k * K * C * 2, *fdd_f = s->fdd_f + k * K;
    pd->go = 0;
    pd->nok = 0;
    memset(rec, 0, sizeof *rec);
    rec->start_ns = t0;
    rec->structure = s->rec_struct[g];
    rec->n_ch = nch;
    rec->rms = rec->peak = NAN;
    for (int c = 0; c < C; c++) { flags[c] = 0; rms[c] = peak[c] = lag[c] = NAN; off[c] = NAN; }
    for (int i = 0; i < C * NF; i++) psd[i] = NAN;
    for (int i = 0; i < NF; i++) s1[i] = NAN;
    for (int i = 0; i < K * 6; i++) mode[i] = NAN;
    memset(shape, 0, sizeof(double) * (size_t)(K * C * 2));
    for (int i = 0; i < K; i++) fdd_f[i] = NAN;
    for (int i = 0; i < P * 5; i++) pole[i] = NAN;
    for (int i = 0; i < P * 3; i++) pole_i[i] = -1;
    REGIA_TRY(record_temperature(s, S, t0, w, &rec->temperature, &rec->temp_model));
    /* read and check every channel */
    regia_qc_cfg_t qc = s->qc;
    {
        regia_qc_cfg_t d;
        regia_qc_defaults(&d, S->fs); /* the rate-dependent settings for this structure */
        qc.fs = S->fs;
        qc.flat_win = d.flat_win;
        qc.flat_min = d.flat_min;
    }
    /* read every channel (the store is read by one thread), then check them in parallel
     * over the rank's threads (each channel's flags depend on its own samples only) */
    int64_t covered_all = 0, covered[SN_MAX_CH];
    int any = 0;
    for (int c = 0; c < nch; c++) {
        const sn_chan_t *ch = &s->ch[S->ch0 + c];
        covered[c] = 0;
        REGIA_TRY(regia_ss_read_channel(s->store_h, S->name, ch->sensor, ch->channel, t0, S->fs, ns,
                                        w->x + (int64_t)c * ns, &covered[c]));
        covered_all += covered[c];
        if ((double)covered[c] < s->min_coverage * (double)ns)
            flags[c] = REGIA_QC_SHORT | (covered[c] < ns ? REGIA_QC_GAP : 0);
        else
            any = 1;
    }
    regia_status_t qst[SN_MAX_CH] = {REGIA_OK};
    char *qmsg[SN_MAX_CH] = {NULL};
    const int nt = nch < host_threads(s) ? nch : host_threads(s);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
    for (int c = 0; c < nch; c++) {
        if ((double)covered[c] < s->min_coverage * (double)ns) continue;
        regia_qc_result_t qr;
        memset(&qr, 0, sizeof qr);
        if ((qst[c] = regia_qc_channel(w->x + (int64_t)c * ns, NULL, ns, &qc, &qr))) {
            qmsg[c] = strdup(regia_error_msg()); /* messages are per thread */
            continue;
        }
        flags[c] = (int32_t)qr.flags;
        if (covered[c] < ns) flags[c] |= REGIA_QC_GAP;
        rms[c] = (float)qr.rms;
        peak[c] = (float)qr.peak;
        /* the DC offset for the offset drift across records (sensors_post.c); a flat, dead
         * or short channel has none worth judging */
        if (!(qr.flags & (REGIA_QC_FLAT | REGIA_QC_DEAD | REGIA_QC_SHORT))) off[c] = qr.median;
    }
    for (int c = 0; c < nch; c++) { /* the first failing channel's status, with its worker's message */
        if (qst[c] && !st)
            st = regia_error_set(qst[c], __FILE__, __LINE__, "channel %s.%s: quality flags: %s",
                                 s->ch[S->ch0 + c].sensor, s->ch[S->ch0 + c].channel,
                                 qmsg[c] ? qmsg[c] : regia_status_str(qst[c]));
        free(qmsg[c]);
    }
    if (st) goto err;
    rec->coverage = (double)covered_all / (double)(ns * nch);
    if (!any) {
        rec->status = SN_REC_NO_DATA;
        for (int c = 0; c < nch; c++) rec->flags |= flags[c];
        goto err;
    }
    REGIA_TRY(clock_offsets(s, S, w->x, flags, lag));
    /* record scalars over the channels fit for spectra; the modal set */
    int *ok = pd->ok, nok = 0;
    double ss = 0, pk = 0;
    int nspec = 0;
    for (int c = 0; c < nch; c++) {
        rec->flags |= flags[c];
        if (regia_qc_fit_spectra((uint32_t)flags[c])) {
            ss += (double)rms[c] * rms[c];
            if (peak[c] > pk) pk = peak[c];
            nspec++;
        }
        if (regia_qc_fit_modal((uint32_t)flags[c])) ok[nok++] = c;
    }
    if (nspec) {
        rec->rms = sqrt(ss / nspec);
        rec->peak = pk;
    }
    rec->n_ch_ok = nok;
    int need = (int)ceil(s->min_channels_ok * nch - 1e-9);
    if (need < 1) need = 1;
    if (nok < need || regia_ssi_check(&s->ssi, ns, nok, nok, NULL, 0) != REGIA_OK) {
        regia_error_clear();
        rec->status = SN_REC_QC;
        goto err;
    }
    for (int i = 0; i < nok; i++) memcpy(y + (int64_t)i * ns, w->x + (int64_t)ok[i] * ns, sizeof(double) * (size_t)ns);
    pd->nok = nok;
    pd->go = 1;
err:
    if (st) record_error_prefix(S->name, t0);
    return st;
}

/* The rest of a record after its Welch CSD matrix (csd, of the channels in y): the PSD,
 * FDD, SSI with automatic modes, the stabilisation diagram. */
static regia_status_t record_end(sn_t *s, int64_t k, const double *y, const double *csd, const sn_pending_t *pd)
{
    regia_status_t st = REGIA_OK;
    const int64_t g = s->r0 + k;
    const sn_struct_t *S = &s->st[s->rec_struct[g]];
    const int C = s->C, NF = s->NF, K = s->K, P = s->P, nok = pd->nok;
    const int *ok = pd->ok;
    const int64_t ns = S->ns, t0 = s->rec_start[g];
    sn_rec_t *rec = &s->rec[k];
    float *psd = s->psd + k * C * NF, *s1 = s->s1 + k * NF, *pole = s->pole + k * P * 5;
    int32_t *pole_i = s->pole_i + k * P * 3;
    double *mode = s->mode + k * K * 6, *shape = s->shape + k * K * C * 2, *fdd_f = s->fdd_f + k * K;
    regia_fdd_result_t fr;
    regia_ssi_result_t sr;
    memset(&fr, 0, sizeof fr);
    regia_ssi_result_init(&sr);
    regia_welch_cfg_t wc = s->welch;
    wc.fs = S->fs;
    for (int i = 0; i < nok; i++)
        for (int f = 0; f < NF; f++) psd[ok[i] * NF + f] = (float)csd[(((int64_t)f * nok + i) * nok + i) * 2];
    /* FDD: the first singular value and its peaks */
    st = regia_fdd(csd, nok, &wc, &s->fdd, &fr);
    if (st == REGIA_ERR_NUMERIC) {
        regia_error_clear();
        st = REGIA_OK;
    } else if (st) {
        goto err;
    } else {
        for (int f = 0; f < NF && f < fr.nf; f++) s1[f] = (float)fr.sv[(int64_t)f * nok];
        rec->n_fdd = fr.n_modes < K ? fr.n_modes : K;
        for (int m = 0; m < rec->n_fdd; m++) fdd_f[m] = fr.modes[m].f_hz;
    }
    /* SSI with automatic modes */
    st = regia_ssi_cov(y, ns, nok, NULL, nok, S->fs, &s->ssi, &sr);
    if (st == REGIA_ERR_NUMERIC) {
        regia_error_clear();
        st = REGIA_OK;
        rec->status = SN_REC_NO_MODES;
        goto err;
    }
    if (st) goto err;
    int pick[64];
    int nm = pick_modes(&sr, K < 64 ? K : 64, pick);
    for (int i = 0; i < nm; i++) {
        const regia_ssi_mode_t *m = &sr.modes[pick[i]];
        double *o = mode + i * 6;
        o[0] = m->f;
        o[1] = m->f_std;
        o[2] = m->xi;
        o[3] = m->xi_std;
        o[4] = 1 - m->mac_min;
        o[5] = m->n_poles;
        const double *sh = sr.mode_shapes + (int64_t)pick[i] * nok * 2;
        for (int j = 0; j < nok; j++) {
            shape[(i * C + ok[j]) * 2] = sh[2 * j];
            shape[(i * C + ok[j]) * 2 + 1] = sh[2 * j + 1];
        }
    }
    rec->n_modes = nm;
    /* the stabilisation diagram; pole_i mode = the kept mode slot (-1: not kept) */
    int64_t np = sr.n_poles < P ? sr.n_poles : P;
    for (int64_t i = 0; i < np; i++) {
        const regia_ssi_pole_t *p = &sr.poles[i];
        pole[i * 5] = (float)p->order;
        pole[i * 5 + 1] = (float)p->f;
        pole[i * 5 + 2] = (float)p->xi;
        pole[i * 5 + 3] = (float)p->mpc;
        pole[i * 5 + 4] = (float)p->mpd;
        pole_i[i * 3] = (int32_t)p->flags;
        int slot = -1;
        for (int j = 0; j < nm && slot < 0; j++)
            if (pick[j] == p->mode) slot = j;
        pole_i[i * 3 + 1] = slot;
        pole_i[i * 3 + 2] = p->reason;
    }
    rec->n_poles = (int32_t)np;
    rec->status = nm > 0 ? SN_REC_OK : SN_REC_NO_MODES;
err:
    regia_fdd_result_free(&fr);
    regia_ssi_result_free(&sr);
    if (st) record_error_prefix(S->name, t0);
    return st;
}

/* The Welch CSD matrices of batch records [b, e) of one structure and channel count (one
 * op call), packed at w->csd + c_off. */
static regia_status_t batch_welch(sn_t *s, int64_t k, sn_work_t *w, sn_pending_t *pd, int64_t b, int64_t e,
                                  int64_t c_off)
{
    const int64_t g = s->r0 + k + b;
    const sn_struct_t *S = &s->st[s->rec_struct[g]];
    const int nok = pd[b].nok;
    regia_welch_cfg_t wc = s->welch;
    wc.fs = S->fs;
    regia_welch_batch_t wb = {.x = w->y + pd[b].y_off, .n_rec = (int32_t)(e - b), .nch = nok, .n = S->ns, .cfg = wc,
                              .kind = REGIA_WELCH_CSD};
    regia_welch_out_t wo = {.psd = NULL, .csd = w->csd + c_off};
    regia_status_t st = regia_welch(s->be, &wb, &wo);
    if (st)
        regia_error_prefix("structure %s, %lld records from %lld ns: ", S->name, (long long)(e - b),
                           (long long)s->rec_start[g]);
    for (int64_t i = b; i < e; i++) pd[i].c_off = c_off + (i - b) * (int64_t)s->NF * nok * nok * 2;
    return st;
}

/* FDD, SSI and the modes of the batch's records [0, nb) that are fit for them: in parallel
 * over the rank's threads, one record per thread at a time (a record's results depend on
 * its own samples only, so not on the thread count).  A failure is the first failing
 * record's, in record order, with its message (messages are per thread). */
static regia_status_t batch_end(sn_t *s, int64_t k, const sn_work_t *w, const sn_pending_t *pd, int64_t nb)
{
    const int nt = (int)(nb < host_threads(s) ? nb : host_threads(s));
    if (nt <= 1) {
        regia_status_t st = REGIA_OK;
        for (int64_t b = 0; b < nb && !st; b++)
            if (pd[b].go) st = record_end(s, k + b, w->y + pd[b].y_off, w->csd + pd[b].c_off, &pd[b]);
        return st;
    }
    regia_status_t *sts = calloc((size_t)nb, sizeof *sts);
    char **msg = calloc((size_t)nb, sizeof *msg);
    if (!sts || !msg) {
        free(sts);
        free(msg);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for a batch of %lld records", (long long)nb);
    }
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int64_t b = 0; b < nb; b++) {
        if (!pd[b].go) continue;
        sts[b] = record_end(s, k + b, w->y + pd[b].y_off, w->csd + pd[b].c_off, &pd[b]);
        if (sts[b]) msg[b] = strdup(regia_error_msg());
    }
    regia_status_t st = REGIA_OK;
    for (int64_t b = 0; b < nb && !st; b++)
        if (sts[b]) st = regia_error_set(sts[b], __FILE__, __LINE__, "%s", msg[b] ? msg[b] : "record failed");
    for (int64_t b = 0; b < nb; b++) free(msg[b]);
    free(msg);
    free(sts);
    return st;
}

regia_status_t sn_compute(regia_run_t *run, void *self, int64_t k0, int64_t n)
{
    (void)run;
    sn_t *s = self;
    sn_work_t w;
    sn_pending_t *pd = NULL;
    regia_status_t st = work_alloc(s, &w, batch_size(s));
    if (!st && !(pd = calloc((size_t)w.batch, sizeof *pd)))
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for a batch of %lld records", (long long)w.batch);
    for (int64_t k = k0; k < k0 + n && !st; k += w.batch) {
        const int64_t nb = k0 + n - k < w.batch ? k0 + n - k : w.batch;
        /* read and check every record of the batch, its usable channels packed in w.y */
        int64_t y_off = 0;
        for (int64_t b = 0; b < nb && !st; b++) {
            pd[b].y_off = y_off;
            st = record_begin(s, k + b, &w, w.y + y_off, &pd[b]);
            if (pd[b].go) y_off += (int64_t)pd[b].nok * s->st[s->rec_struct[s->r0 + k + b]].ns;
        }
        /* one Welch call per run of records of one structure with the same channel count */
        int64_t c_off = 0;
        for (int64_t b = 0; b < nb && !st;) {
            if (!pd[b].go) { b++; continue; }
            int64_t e = b + 1;
            while (e < nb && pd[e].go && pd[e].nok == pd[b].nok &&
                   s->rec_struct[s->r0 + k + e] == s->rec_struct[s->r0 + k + b])
                e++;
            st = batch_welch(s, k, &w, pd, b, e, c_off);
            c_off += (e - b) * (int64_t)s->NF * pd[b].nok * pd[b].nok * 2;
            b = e;
        }
        /* FDD, SSI and the modes of each */
        if (!st) st = batch_end(s, k, &w, pd, nb);
    }
    free(pd);
    work_free(&w);
    return st;
}
