/* test_sensor_store.c - the sensor store (io/sensor_store*.c, regia/sensor_store.h):
 * a round trip through a serial and a parallel (one-rank) writer, listing and windows,
 * a channel assembled across a gap, the truth group, a directory store, and errors that
 * name the file: a truncated file, a float32 sampling_rate, a missing starttime, the same
 * structure in two files, bad writer requests. */
#include <math.h>
#include <mpi.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "regia/sensor_store.h"
#include "regia/status.h"

static char dir[256];

static regia_trace_meta_t meta(const char *st, const char *se, const char *ch, regia_sensor_kind_t k, double fs,
                               int64_t t0, int64_t n)
{
    regia_trace_meta_t m;
    memset(&m, 0, sizeof m);
    snprintf(m.structure, sizeof m.structure, "%s", st);
    snprintf(m.sensor, sizeof m.sensor, "%s", se);
    snprintf(m.channel, sizeof m.channel, "%s", ch);
    snprintf(m.tag, sizeof m.tag, "raw_recording");
    snprintf(m.units, sizeof m.units, "%s", k == REGIA_SENSOR_ACCEL ? "m s-2" : "degC");
    m.kind = k;
    m.fs = fs;
    m.start_ns = t0;
    m.n = n;
    m.calibration = 2.5e5;
    m.position[0] = 12.5;
    m.position[2] = 3;
    m.orientation[2] = 1;
    return m;
}

static double sig(int i, int64_t k) { return sin(0.01 * (double)k + i) + 0.001 * (double)(k % 7); }

#define T0 1772323200000000000LL /* 2026-03-01T00:00:00Z */

/* Structure `st`: sensor A01 with x (one trace) and z (two traces around a 1 s gap),
 * sensor T01 with a temperature trace; a truth with two faults. */
static void write_store(const char *path, const char *st, MPI_Comm comm)
{
    regia_ss_writer_t *w;
    regia_ss_file_info_t info = {"Test records", "test_sensor_store (synthetic)", "test", 1};
    CHECK_OK(regia_ss_create(path, comm, &info, &w));
    CHECK_OK(regia_ss_def_structure(w, st, "bridge", "a test bridge"));
    regia_trace_meta_t m[4] = {
        meta(st, "A01", "x", REGIA_SENSOR_ACCEL, 100, T0, 70000),
        meta(st, "A01", "z", REGIA_SENSOR_ACCEL, 100, T0, 3000),
        meta(st, "A01", "z", REGIA_SENSOR_ACCEL, 100, T0 + 31000000000LL, 4000),
        meta(st, "T01", "temperature", REGIA_SENSOR_TEMPERATURE, 1.0 / 60, T0, 30),
    };
    int id[4], tid;
    for (int i = 0; i < 4; i++) CHECK_OK(regia_ss_def_trace(w, &m[i], &id[i]));
    /* a second definition of the same trace is refused */
    int dup;
    CHECK(regia_ss_def_trace(w, &m[0], &dup) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), "defined twice") != NULL);
    CHECK_OK(regia_ss_def_truth(w, st, 2, 3, 2, 2, T0 + 86400000000000LL, 0.04, &tid));
    CHECK_OK(regia_ss_enddef(w));
    int me = 0, np = 1;
    if (comm != MPI_COMM_NULL) {
        MPI_Comm_rank(comm, &me);
        MPI_Comm_size(comm, &np);
    }
    for (int i = 0; i < 4; i++) {
        double *x = malloc((size_t)m[i].n * sizeof *x);
        for (int64_t k = 0; k < m[i].n; k++) x[k] = sig(i, k);
        /* in two pieces; with several ranks trace i is rank i % size's, the others write
         * nothing (and still take part) */
        int own = i % np == me;
        CHECK_OK(regia_ss_write(w, id[i], 0, own ? m[i].n / 2 : 0, own ? x : NULL));
        CHECK_OK(regia_ss_write(w, id[i], m[i].n / 2, own ? m[i].n - m[i].n / 2 : 0, own ? x + m[i].n / 2 : NULL));
        free(x);
    }
    regia_ss_truth_t t;
    CHECK_OK(regia_ss_truth_alloc(&t, 2, 3, 2, 2));
    for (int r = 0; r < 2; r++) {
        t.time_ns[r] = T0 + r * 3600000000000LL;
        t.temperature[r] = 5 - r;
        for (int j = 0; j < 3; j++) {
            t.freq[r * 3 + j] = 1.5 * (j + 1) + 0.01 * r;
            t.damping[r * 3 + j] = 0.01 + 0.001 * j;
        }
    }
    snprintf(t.chan[0], sizeof t.chan[0], "A01/x");
    snprintf(t.chan[1], sizeof t.chan[1], "A01/z");
    for (int i = 0; i < 6; i++) t.shape[i] = 0.1 * i;
    t.faults[0] = (regia_ss_fault_t){"A01", "z", REGIA_FAULT_GAP, T0 + 30000000000LL, T0 + 31000000000LL, 0};
    t.faults[1] = (regia_ss_fault_t){"A01", "", REGIA_FAULT_CLOCK, T0, T0 + 86400000000000LL, 0.003};
    CHECK_OK(regia_ss_put_truth(w, tid, me == 0 ? &t : NULL));
    regia_ss_truth_free(&t);
    CHECK_OK(regia_ss_writer_close(w, 0));
}

static void check_store(const char *path, const char *st)
{
    regia_sensor_store_t *s;
    CHECK_OK(regia_ss_open(path, &s));
    if (!s) return;
    CHECK(regia_ss_synthetic(s) == 1);
    CHECK(regia_ss_ntraces(s) == 4);
    CHECK(regia_ss_nstructures(s) == 1);
    CHECK(!strcmp(regia_ss_structure(s, 0), st));
    CHECK(!strcmp(regia_ss_structure_kind(s, 0), "bridge"));
    CHECK(regia_ss_nsensors(s, st) == 2);
    CHECK(!strcmp(regia_ss_sensor(s, st, 1), "T01"));
    CHECK(regia_ss_nchannels(s, st, "A01") == 2);
    CHECK(!strcmp(regia_ss_channel(s, st, "A01", 1), "z"));
    const regia_trace_meta_t *m = regia_ss_trace(s, 0);
    CHECK(!strcmp(m->channel, "x") && m->n == 70000 && m->fs == 100 && m->start_ns == T0);
    CHECK(m->kind == REGIA_SENSOR_ACCEL && !strcmp(m->units, "m s-2") && m->calibration == 2.5e5);
    CHECK(m->position[0] == 12.5 && m->position[2] == 3 && m->orientation[2] == 1);
    CHECK(!strcmp(m->tag, "raw_recording"));
    char want[REGIA_SS_VARNAME];
    snprintf(want, sizeof want, "%s.A01..x__2026-03-01T00:00:00.000000__2026-03-01T00:11:39.990000__raw_recording", st);
    CHECK_MSG(!strcmp(m->name, want), "name %s", m->name);
    const regia_trace_meta_t *tt = regia_ss_trace(s, 3);
    CHECK(tt->kind == REGIA_SENSOR_TEMPERATURE && fabs(tt->fs - 1.0 / 60) < 1e-15 && tt->n == 30);

    /* samples: float32 of the written values */
    double *x = malloc(70000 * sizeof *x);
    CHECK_OK(regia_ss_read(s, 0, 0, 70000, x));
    double err = 0;
    for (int k = 0; k < 70000; k++) err = fmax(err, fabs(x[k] - (double)(float)sig(0, k)));
    CHECK(err == 0);
    CHECK(regia_ss_read(s, 0, 69999, 2, x) == REGIA_ERR_INVALID);
    CHECK(strstr(regia_error_msg(), path) != NULL);

    /* a window: [10 s, 20 s) = samples 1000..1999 */
    int64_t k0, n;
    CHECK_OK(regia_ss_read_window(s, 0, T0 + 10000000000LL, T0 + 20000000000LL, x, 70000, &k0, &n));
    CHECK(k0 == 1000 && n == 1000);
    CHECK(x[0] == (double)(float)sig(0, 1000));
    CHECK(regia_ss_read_window(s, 0, T0, T0 + 20000000000LL, x, 10, &k0, &n) == REGIA_ERR_INVALID && n == 2000);

    /* find: the z traces overlapping [29 s, 32 s) are both */
    size_t idx[4];
    CHECK(regia_ss_find(s, st, "A01", "z", T0 + 29000000000LL, T0 + 32000000000LL, idx, 4) == 2);
    CHECK(regia_ss_find(s, st, NULL, NULL, T0 + 100000000000LL, T0 + 200000000000LL, idx, 4) == 2); /* x, temp */

    /* the channel across the gap: 40 s from 25 s; 30..31 s missing */
    CHECK_OK(regia_ss_read_channel(s, st, "A01", "z", T0 + 25000000000LL, 100, 4000, x, &n));
    CHECK(n == 3900);
    CHECK(x[0] == (double)(float)sig(1, 2500) && isnan(x[500]) && isnan(x[599]));
    CHECK(x[600] == (double)(float)sig(2, 0) && x[3999] == (double)(float)sig(2, 3399));
    CHECK(regia_ss_read_channel(s, st, "A01", "z", T0, 200, 10, x, &n) == REGIA_ERR_INVALID);
    free(x);

    regia_ss_truth_t t;
    int present;
    CHECK_OK(regia_ss_truth_read(s, st, &t, &present));
    CHECK(present == 1);
    if (present) {
        CHECK(t.nrec == 2 && t.nmodes == 3 && t.nch == 2 && t.nfaults == 2);
        CHECK(t.time_ns[1] == T0 + 3600000000000LL && t.temperature[1] == 4);
        CHECK(t.freq[5] == 4.51 && t.damping[2] == 0.012);
        CHECK(!strcmp(t.chan[1], "A01/z") && t.shape[5] == 0.5);
        CHECK(t.damage_ns == T0 + 86400000000000LL && t.damage_loss == 0.04);
        CHECK(t.faults[0].kind == REGIA_FAULT_GAP && !strcmp(t.faults[0].sensor, "A01") &&
              !strcmp(t.faults[0].channel, "z") && t.faults[0].end_ns == T0 + 31000000000LL);
        CHECK(t.faults[1].kind == REGIA_FAULT_CLOCK && t.faults[1].channel[0] == 0 && t.faults[1].value == 0.003);
    }
    regia_ss_truth_free(&t);
    CHECK_OK(regia_ss_truth_read(s, "nope", &t, &present));
    CHECK(present == 0);
    regia_ss_close(s);
}

static void copy_truncated(const char *from, const char *to, double frac)
{
    FILE *f = fopen(from, "rb"), *g = fopen(to, "wb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) CHECK(0);
    fwrite(b, 1, (size_t)(n * frac), g);
    free(b);
    fclose(f);
    fclose(g);
}

/* A trace written with the NetCDF-C API and one defect. */
static void write_bad(const char *path, int defect)
{
    int nc, g, s, d, v;
    float x[4] = {1, 2, 3, 4};
    nc_create(path, NC_NETCDF4 | NC_CLOBBER, &nc);
    nc_def_grp(nc, "B09", &g);
    nc_def_grp(g, "A01", &s);
    nc_def_dim(s, "t1", 4, &d);
    nc_def_var(s, "t1", NC_FLOAT, 1, &d, &v);
    float fs32 = 100;
    double fs = 100;
    long long t0 = T0;
    if (defect == 1) nc_put_att_float(s, v, "sampling_rate", NC_FLOAT, 1, &fs32);
    else nc_put_att_double(s, v, "sampling_rate", NC_DOUBLE, 1, &fs);
    if (defect != 2) nc_put_att_longlong(s, v, "starttime", NC_INT64, 1, &t0);
    nc_put_att_text(s, v, "units", 5, "m s-2");
    nc_put_att_text(s, v, "channel", 1, "x");
    if (defect == 3) nc_put_att_text(s, v, "kind", 5, "sound");
    else nc_put_att_text(s, v, "kind", 5, "accel");
    nc_enddef(nc);
    nc_put_var_float(s, v, x);
    nc_close(nc);
}

static void expect_open_error(const char *path, const char *what)
{
    regia_sensor_store_t *s = NULL;
    regia_status_t st = regia_ss_open(path, &s);
    CHECK_MSG(st != REGIA_OK && s == NULL, "%s opened", path);
    CHECK_MSG(strstr(regia_error_msg(), path) != NULL, "message '%s' lacks the file", regia_error_msg());
    CHECK_MSG(strstr(regia_error_msg(), what) != NULL, "message '%s' lacks '%s'", regia_error_msg(), what);
    regia_ss_close(s);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    char p1[300], p2[300], p3[400], sub[300];
    int size, rank;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (size > 1) { /* under mpirun (tests/cli/test_sensor_store_mpi.sh): the collective writer */
        if (argc < 2) SKIP("give the directory for the parallel file");
        snprintf(p2, sizeof p2, "%s/par.nc", argv[1]);
        write_store(p2, "B02", MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == 0) check_store(p2, "B02");
        int bad = check_failures_, any;
        MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Finalize();
        if (rank == 0) fprintf(stderr, "%d ranks: %d failed checks\n", size, any);
        return any ? 1 : 0;
    }
    snprintf(dir, sizeof dir, "/tmp/test_sensor_store.%d", (int)getpid());
    mkdir(dir, 0700);
    snprintf(p1, sizeof p1, "%s/serial.h5", dir);
    snprintf(p2, sizeof p2, "%s/par.nc", dir);
    write_store(p1, "B01", MPI_COMM_NULL);
    check_store(p1, "B01");
    write_store(p2, "B02", MPI_COMM_WORLD);
    check_store(p2, "B02");

    /* a directory of two files: both structures */
    snprintf(sub, sizeof sub, "%s/dir", dir);
    mkdir(sub, 0700);
    snprintf(p3, sizeof p3, "%s/a.h5", sub);
    write_store(p3, "B01", MPI_COMM_NULL);
    snprintf(p3, sizeof p3, "%s/b.h5", sub);
    write_store(p3, "B02", MPI_COMM_NULL);
    regia_sensor_store_t *s;
    CHECK_OK(regia_ss_open(sub, &s));
    if (s) {
        CHECK(regia_ss_nfiles(s) == 2 && regia_ss_nstructures(s) == 2 && regia_ss_ntraces(s) == 8);
        CHECK(!strcmp(regia_ss_trace(s, 4)->structure, "B02") && regia_ss_trace(s, 4)->file == 1);
        regia_ss_close(s);
    }
    /* the same structure twice */
    snprintf(p3, sizeof p3, "%s/c.h5", sub);
    write_store(p3, "B02", MPI_COMM_NULL);
    expect_open_error(sub, "also in");

    /* truncated copies: the open or the read fails, naming the file */
    snprintf(p3, sizeof p3, "%s/trunc.h5", dir);
    copy_truncated(p1, p3, 0.5);
    expect_open_error(p3, "truncated");
    copy_truncated(p1, p3, 0.999);
    {
        regia_sensor_store_t *t = NULL;
        regia_status_t st = regia_ss_open(p3, &t);
        CHECK(st != REGIA_OK);
        CHECK_MSG(strstr(regia_error_msg(), p3) != NULL, "message '%s' lacks the file", regia_error_msg());
        regia_ss_close(t);
    }
    /* not a file at all, an empty directory */
    snprintf(p3, sizeof p3, "%s/none.h5", dir);
    expect_open_error(p3, "no such");
    snprintf(p3, sizeof p3, "%s/empty", dir);
    mkdir(p3, 0700);
    expect_open_error(p3, "no *.h5");

    /* bad attributes */
    snprintf(p3, sizeof p3, "%s/bad.h5", dir);
    write_bad(p3, 1);
    expect_open_error(p3, "'sampling_rate' must be a 64-bit float");
    write_bad(p3, 2);
    expect_open_error(p3, "no attribute 'starttime'");
    write_bad(p3, 3);
    expect_open_error(p3, "unknown kind 'sound'");
    write_bad(p3, 0);
    CHECK_OK(regia_ss_open(p3, &s));
    if (s) {
        CHECK(regia_ss_ntraces(s) == 1 && regia_ss_synthetic(s) == 0);
        regia_ss_close(s);
    }

    /* writer refusals */
    regia_ss_writer_t *w;
    snprintf(p3, sizeof p3, "%s/w.h5", dir);
    CHECK_OK(regia_ss_create(p3, MPI_COMM_NULL, NULL, &w));
    if (w) {
        CHECK(regia_ss_def_structure(w, "truth", "bridge", NULL) == REGIA_ERR_INVALID);
        CHECK(regia_ss_def_structure(w, "a/b", "bridge", NULL) == REGIA_ERR_INVALID);
        regia_trace_meta_t m = meta("B05", "A01", "x", REGIA_SENSOR_ACCEL, 100, T0, 10);
        int id;
        CHECK(regia_ss_def_trace(w, &m, &id) == REGIA_ERR_INVALID);
        CHECK(strstr(regia_error_msg(), "not defined") != NULL);
        CHECK_OK(regia_ss_def_structure(w, "B05", "building", NULL));
        m.fs = 0;
        CHECK(regia_ss_def_trace(w, &m, &id) == REGIA_ERR_INVALID);
        regia_ss_writer_close(w, 1);
        CHECK(access(p3, F_OK) != 0);
    }
    if (check_failures_ == 0) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    MPI_Finalize();
    return check_done();
}
