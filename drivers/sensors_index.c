/* sensors_index.c - the index of `regia sensors`: the structures of the sensor store,
 * their acceleration and temperature channels, and the records (items of the run
 * protocol): the windows [k L, (k + 1) L) (L = [records] length, aligned to 1970-01-01
 * UTC, so a day holds whole records when L divides a day) in which any acceleration
 * trace of the structure has samples.  Every rank opens the store on its own (reading is
 * host-only and independent, regia/sensor_store.h) and builds the same index; samples
 * are read per block in compute (sensors_record.c), so the read phase reads nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/fileutil.h"
#include "regia/sensor_store.h"
#include "regia/timeutil.h"
#include "sensors_impl.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int listed(const sn_t *s, const char *name)
{
    int n = regia_job_list_len(s->job, "input", "structures");
    if (n == 0) return 1;
    for (int i = 0; i < n; i++)
        if (!strcmp(regia_job_list_item(s->job, "input", "structures", i), name)) return 1;
    return 0;
}

/* Channels of one structure into s->ch (grown), acceleration first (sensor, channel
 * order), then temperature; checks that the acceleration channels share one rate. */
static regia_status_t index_channels(sn_t *s, regia_sensor_store_t *h, int si, int *cap)
{
    sn_struct_t *S = &s->st[si];
    const char *sname = S->name;
    S->ch0 = s->n_chan;
    S->nch = 0;
    S->temp_ch = -1;
    S->fs = 0;
    for (int pass = 0; pass < 2; pass++) {
        int nsens = regia_ss_nsensors(h, sname);
        for (int j = 0; j < nsens; j++) {
            const char *sens = regia_ss_sensor(h, sname, j);
            int nc = regia_ss_nchannels(h, sname, sens);
            for (int k = 0; k < nc; k++) {
                const char *cn = regia_ss_channel(h, sname, sens, k);
                size_t idx = 0;
                size_t nt = regia_ss_find(h, sname, sens, cn, INT64_MIN, INT64_MAX, &idx, 1);
                if (nt == 0) continue;
                const regia_trace_meta_t *m = regia_ss_trace(h, idx);
                int want = pass == 0 ? m->kind == REGIA_SENSOR_ACCEL : m->kind == REGIA_SENSOR_TEMPERATURE;
                if (!want) continue;
                if (s->n_chan == *cap) {
                    int nc2 = *cap ? 2 * *cap : 64;
                    sn_chan_t *t = realloc(s->ch, sizeof *t * (size_t)nc2);
                    if (!t) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the channel index");
                    s->ch = t;
                    *cap = nc2;
                }
                sn_chan_t *c = &s->ch[s->n_chan++];
                memset(c, 0, sizeof *c);
                snprintf(c->sensor, sizeof c->sensor, "%s", sens);
                snprintf(c->channel, sizeof c->channel, "%s", cn);
                snprintf(c->units, sizeof c->units, "%s", m->units);
                c->structure = si;
                c->kind = m->kind;
                c->fs = m->fs;
                c->first_trace = (int)idx;
                c->n_trace = (int)nt;
                if (pass == 0) {
                    if (S->nch == 0) S->fs = m->fs;
                    else if (fabs(m->fs - S->fs) > 1e-9 * S->fs)
                        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: structure %s: channel %s/%s is sampled at %g Hz, "
                                          "%s/%s at %g Hz: a record needs one rate for all its acceleration channels",
                                          s->store, sname, sens, cn, m->fs, s->ch[S->ch0].sensor,
                                          s->ch[S->ch0].channel, S->fs);
                    S->nch++;
                } else if (S->temp_ch < 0) {
                    S->temp_ch = s->n_chan - 1;
                }
            }
        }
    }
    if (S->nch > SN_MAX_CH)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: structure %s has %d acceleration channels; at most %d", s->store,
                          sname, S->nch, SN_MAX_CH);
    return REGIA_OK;
}

/* The windows of structure si with acceleration samples, sorted, into *w (malloc). */
static regia_status_t windows(sn_t *s, regia_sensor_store_t *h, int si, int64_t L, int64_t **w, int64_t *nw)
{
    const sn_struct_t *S = &s->st[si];
    int64_t cap = 1024, n = 0;
    int64_t *a = malloc(sizeof *a * (size_t)cap);
    if (!a) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the record index");
    for (int c = S->ch0; c < S->ch0 + S->nch; c++) {
        size_t cnt = regia_ss_find(h, S->name, s->ch[c].sensor, s->ch[c].channel, INT64_MIN, INT64_MAX, NULL, 0);
        size_t *idx = malloc(sizeof *idx * (cnt + 1));
        if (!idx) { free(a); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the record index"); }
        regia_ss_find(h, S->name, s->ch[c].sensor, s->ch[c].channel, INT64_MIN, INT64_MAX, idx, cnt);
        for (size_t t = 0; t < cnt; t++) {
            const regia_trace_meta_t *m = regia_ss_trace(h, idx[t]);
            int64_t w0 = regia_floordiv(m->start_ns, L), w1 = regia_floordiv(regia_trace_end_ns(m) - 1, L);
            for (int64_t k = w0; k <= w1; k++) {
                if (n > 0 && a[n - 1] == k) continue;
                if (n == cap) {
                    int64_t *b = realloc(a, sizeof *a * (size_t)(cap *= 2));
                    if (!b) { free(a); free(idx); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the record index"); }
                    a = b;
                }
                a[n++] = k;
            }
        }
        free(idx);
    }
    qsort(a, (size_t)n, sizeof *a, cmp_i64);
    int64_t u = 0;
    for (int64_t i = 0; i < n; i++)
        if (u == 0 || a[u - 1] != a[i]) a[u++] = a[i];
    *w = a;
    *nw = u;
    return REGIA_OK;
}

/* Collective: the SHA-256 of every file of the store into s->file_sha and of the store as
 * a whole into run->input_sha (of the lines "NAME SHA\n" of its files, in the store's
 * order; for a one-file store the file's own).  File k is hashed by rank k % P (the store
 * is read in parallel, each file once) and its digest broadcast from there, so every rank
 * holds all of them; rank 0 forms input_sha and broadcasts it.  The result does not
 * depend on P.  A failure on any rank (a file that cannot be read: its message names it)
 * is agreed, so every rank returns it; s->file_sha is freed by sn_index_release. */
static regia_status_t hash_store(regia_run_t *run, sn_t *s, regia_sensor_store_t *h)
{
    regia_status_t st = REGIA_OK;
    const int nf = regia_ss_nfiles(h), P = run->ctx->size, me = run->ctx->rank;
    char *lines = NULL;
    s->n_files = nf;
    s->file_sha = calloc((size_t)nf + 1, sizeof *s->file_sha);
    if (!s->file_sha) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory hashing the store %s", s->store);
    for (int k = me; k < nf && !st; k += P) {
        st = regia_run_fault(run, "sensors_hash");
        if (st) regia_error_prefix("%s: ", regia_ss_file(h, k));
        else st = regia_sha256_file(regia_ss_file(h, k), s->file_sha[k]);
    }
    if ((st = regia_run_agree(run, st))) goto err;
    for (int k = 0; k < nf; k++) regia_run_bcast_from(run, s->file_sha[k], sizeof *s->file_sha, k % P);
    if (me == 0) {
        size_t cap = 1, n = 0;
        for (int k = 0; k < nf; k++) cap += strlen(regia_ss_file(h, k)) + 1 + 64 + 1;
        if (!(lines = malloc(cap))) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory hashing the store %s", s->store);
        for (int k = 0; k < nf && !st; k++)
            n += (size_t)snprintf(lines + n, cap - n, "%s %s\n", regia_ss_file(h, k), s->file_sha[k]);
        if (!st && nf == 1) snprintf(run->input_sha, sizeof run->input_sha, "%s", s->file_sha[0]);
        else if (!st) regia_sha256_buf(lines, n, run->input_sha);
    }
    if ((st = regia_run_agree(run, st))) goto err;
    regia_run_bcast(run, run->input_sha, sizeof run->input_sha);
err:
    free(lines);
    return st;
}

/* Are the Welch and SSI settings usable on this structure's records? */
static regia_status_t check_structure(sn_t *s, const sn_struct_t *S)
{
    regia_welch_cfg_t wc = s->welch;
    wc.fs = S->fs;
    char msg[512];
    const char *path = regia_job_file(s->job);
    if (regia_welch_check(&wc, S->ns, msg, sizeof msg) != REGIA_OK)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [welch]: structure %s (%lld samples per record at %g Hz): %s", path,
                          regia_job_line(s->job, "welch", "nperseg"), S->name, (long long)S->ns, S->fs, msg);
    if (regia_ssi_check(&s->ssi, S->ns, S->nch, S->nch, msg, sizeof msg) != REGIA_OK)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [ssi]: structure %s (%d channels, %lld samples per record): %s",
                          path, regia_job_line(s->job, "ssi", "orders"), S->name, S->nch, (long long)S->ns, msg);
    return REGIA_OK;
}

regia_status_t sn_index(regia_run_t *run, void *self)
{
    sn_t *s = self;
    regia_status_t st = REGIA_OK;
    regia_sensor_store_t *h = NULL;
    int64_t **win = NULL, *nwin = NULL;
    int cap = 0, ns_all = 0;
    st = regia_ss_open(s->store, &h);
    if (st) regia_error_prefix("[input] store (%s:%d): ", regia_job_file(s->job), regia_job_line(s->job, "input", "store"));
    if ((st = regia_run_agree(run, st))) goto err;
    s->store_h = h;
    s->synthetic = regia_ss_synthetic(h);
    REGIA_TRY(hash_store(run, s, h));
    ns_all = regia_ss_nstructures(h);
    /* structures named in [input] structures must exist */
    for (int i = 0; i < regia_job_list_len(s->job, "input", "structures"); i++) {
        const char *want = regia_job_list_item(s->job, "input", "structures", i);
        int found = 0;
        for (int k = 0; k < ns_all && !found; k++) found = !strcmp(regia_ss_structure(h, k), want);
        if (!found) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [input] structures: '%s' is not in the store %s",
                            regia_job_file(s->job), regia_job_line(s->job, "input", "structures"), want, s->store);
            goto err;
        }
    }
    s->st = calloc((size_t)ns_all + 1, sizeof *s->st);
    win = calloc((size_t)ns_all + 1, sizeof *win);
    nwin = calloc((size_t)ns_all + 1, sizeof *nwin);
    if (!s->st || !win || !nwin) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for the index"); goto err; }
    const int64_t L = llround(s->rec_s * 1e9);
    s->n_struct = 0;
    s->C = 1;
    s->max_samples = 1;
    int skipped = 0;
    for (int k = 0; k < ns_all; k++) {
        const char *name = regia_ss_structure(h, k);
        if (!listed(s, name)) continue;
        int si = s->n_struct;
        sn_struct_t *S = &s->st[si];
        snprintf(S->name, sizeof S->name, "%s", name);
        {
            const char *kind = regia_ss_structure_kind(h, k);
            snprintf(S->kind, sizeof S->kind, "%s", kind ? kind : "");
        }
        S->lat = S->lon = S->alt = NAN;
        REGIA_TRY(index_channels(s, h, si, &cap));
        if (S->nch == 0) {
            if (regia_job_list_len(s->job, "input", "structures") > 0) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: [input] structures: '%s' has no acceleration channel in %s",
                                regia_job_file(s->job), regia_job_line(s->job, "input", "structures"), name, s->store);
                goto err;
            }
            s->n_chan = S->ch0;
            skipped++;
            continue;
        }
        S->ns = llround(s->rec_s * S->fs);
        REGIA_TRY(check_structure(s, S));
        REGIA_TRY(windows(s, h, si, L, &win[si], &nwin[si]));
        if (S->nch > s->C) s->C = S->nch;
        if (S->ns > s->max_samples) s->max_samples = S->ns;
        s->n_struct++;
    }
    if (s->n_struct == 0) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no structure with acceleration channels%s", s->store,
                        regia_job_list_len(s->job, "input", "structures") ? " among [input] structures" : "");
        goto err;
    }
    if (skipped) regia_warn(&run->ctx->log, "%d structure(s) of %s without acceleration channels left out", skipped, s->store);
    /* the global record table: structures in name order, windows in time order */
    int64_t N = 0;
    for (int i = 0; i < s->n_struct; i++) N += nwin[i];
    if (N == 0) { st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no acceleration samples", s->store); goto err; }
    s->n_rec = N;
    s->rec_start = malloc(sizeof *s->rec_start * (size_t)N);
    s->rec_struct = malloc(sizeof *s->rec_struct * (size_t)N);
    run->cost = malloc(sizeof(double) * (size_t)N);
    if (!s->rec_start || !s->rec_struct || !run->cost) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld records", (long long)N); goto err; }
    int64_t g = 0, dmin = INT64_MAX, dmax = INT64_MIN;
    for (int i = 0; i < s->n_struct; i++) {
        sn_struct_t *S = &s->st[i];
        S->rec0 = g;
        S->nrec = nwin[i];
        S->t0_ns = win[i][0] * L;
        for (int64_t r = 0; r < nwin[i]; r++, g++) {
            s->rec_start[g] = win[i][r] * L;
            s->rec_struct[g] = i;
            run->cost[g] = (double)S->ns * S->nch;
            int64_t d = sn_day_of(s->rec_start[g]);
            if (d < dmin) dmin = d;
            if (d > dmax) dmax = d;
        }
    }
    s->day0 = dmin;
    s->n_day = dmax - dmin + 1;
    regia_format_date(s->day0, s->t0, sizeof s->t0);
    regia_format_date(s->day0 + s->n_day, s->t1, sizeof s->t1);
    s->NF = s->welch.nfft / 2 + 1;
    s->K = s->max_modes;
    s->P = 0;
    for (int o = s->ssi.ord_min; o <= s->ssi.ord_max; o += s->ssi.ord_step) s->P += o;
    run->n_items = N;
    regia_info(&run->ctx->log, "store %s%s: %d structure%s, %lld records of %g s (%s .. %s), up to %d acceleration "
               "channels", s->store, s->synthetic ? " (synthetic)" : "", s->n_struct, s->n_struct == 1 ? "" : "s",
               (long long)N, s->rec_s, s->t0, s->t1, s->C);
    if (s->training_days >= s->n_day)
        regia_warn(&run->ctx->log, "[novelty] training_days = %d covers all %lld day%s of the records (%s .. %s): no "
                   "day is monitored after the training period, so no alert can be raised; give fewer training days "
                   "or more days of records", s->training_days, (long long)s->n_day, s->n_day == 1 ? "" : "s", s->t0, s->t1);
err:
    if (win)
        for (int i = 0; i < ns_all; i++) free(win[i]);
    free(win);
    free(nwin);
    return st;
}

/* Nothing to read up front: each block reads its records' samples (sensors_record.c). */
regia_status_t sn_read(regia_run_t *run, void *self)
{
    (void)run;
    (void)self;
    return REGIA_OK;
}

void sn_index_release(sn_t *s)
{
    if (s->store_h) regia_ss_close(s->store_h);
    s->store_h = NULL;
    free(s->st);
    free(s->ch);
    free(s->rec_start);
    free(s->rec_struct);
    free(s->file_sha);
}
