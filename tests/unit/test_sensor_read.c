/* test_sensor_read.c - the sensor readers (io/sensor_csv.c, io/sensor_mseed.c,
 * io/sensor_units.c): units, CSV time stamps, day/month contradictions, resampling and
 * jitter, gaps, rates, missing values, rejects; miniSEED round trip through msr_pack,
 * gaps and overlaps as separate traces, corrupt records rejected with their number.
 *
 * Expected values are worked out here by hand: a 100 Hz grid with stamps displaced by a
 * known +-2 ms pattern has jitter rms 2 ms after the grid's phase is fitted; a ramp
 * x = t sampled anywhere interpolates linearly to the grid times exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "regia/sensor_read.h"

static regia_sensor_csv_opts_t O;

static regia_status_t parse(const char *text, regia_sensor_file_t *F)
{
    memset(F, 0, sizeof *F);
    return regia_sensor_csv_parse("t.csv", text, strlen(text), &O, F);
}

/* text must be refused with a message containing every one of the words */
static void refused(const char *what, const char *text, const char *w1, const char *w2)
{
    regia_sensor_file_t F;
    regia_status_t st = parse(text, &F);
    CHECK_MSG(st != REGIA_OK, "%s: accepted", what);
    const char *m = regia_error_msg();
    CHECK_MSG(strstr(m, w1) && (!w2 || strstr(m, w2)), "%s: message '%s' lacks '%s'/'%s'", what, m, w1,
              w2 ? w2 : "");
    regia_sensor_file_free(&F);
}

static char *csv_ramp(int n, double fs, const char *head, double (*dev)(int), const char *date_fmt)
{
    size_t cap = (size_t)n * 80 + 256, k = 0;
    char *b = malloc(cap);
    k += (size_t)snprintf(b + k, cap - k, "%s\n", head);
    for (int i = 0; i < n; i++) {
        double t = i / fs + (dev ? dev(i) : 0);
        int sec = (int)floor(t), ms = (int)llround((t - sec) * 1e6);
        if (ms == 1000000) sec++, ms = 0;
        int hh = 10 + sec / 3600, mi = sec / 60 % 60, ss = sec % 60;
        if (!strcmp(date_fmt, "iso"))
            k += (size_t)snprintf(b + k, cap - k, "2024-03-05T%02d:%02d:%02d.%06dZ,%.9f,%.3f\n", hh, mi, ss, ms, t,
                                  20.0);
        else
            k += (size_t)snprintf(b + k, cap - k, "%s %02d:%02d:%02d.%06d,%.9f,%.3f\n", date_fmt, hh, mi, ss, ms, t,
                                  20.0);
    }
    return b;
}

static double dev2ms(int i) { return (i % 2 ? -2e-3 : 2e-3); }

static void test_units(void)
{
    regia_unit_t u;
    CHECK(regia_sensor_unit("g", &u) && u.qty == REGIA_QTY_ACCEL && u.scale == 9.80665 && !strcmp(u.si, "m s-2"));
    CHECK(regia_sensor_unit(" mg ", &u) && fabs(u.scale - 9.80665e-3) < 1e-18);
    CHECK(regia_sensor_unit("K", &u) && u.qty == REGIA_QTY_TEMPERATURE && u.offset == -273.15);
    CHECK(regia_sensor_unit("deg", &u) && fabs(u.scale - 1e3 * M_PI / 180) < 1e-15 && !strcmp(u.si, "mrad"));
    CHECK(regia_sensor_unit("%RH", &u) && u.qty == REGIA_QTY_HUMIDITY);
    CHECK(!regia_sensor_unit("Mg", &u) && !regia_sensor_unit("furlong", &u) && !regia_sensor_unit("", &u));
}

static void test_csv_basic(void)
{
    regia_sensor_file_t F;
    const char *t = "# structure: bridge_a\n# sensor: s01\n# sampling_rate: 4 Hz\n"
                    "time,acc_x [g],temp [K]\n"
                    "2024-03-01T00:00:00Z,0.5,273.15\n"
                    "2024-03-01T00:00:00.25Z,1.0,274.15\n"
                    "2024-03-01T00:00:00.5Z,abc,275.15\n"      /* reject: not a number */
                    "2024-03-01T00:00:00.5Z,1.5,275.15\n"
                    "2024-03-01T00:00:00.5Z,1.5,275.15\n"      /* reject: not after the one before */
                    "2024-03-01T00:00:00.75Z,2.0\n"            /* reject: field count */
                    "2024-03-01T00:00:00.75Z,2.0,276.15\n";
    regia_status_t st = parse(t, &F);
    CHECK_MSG(st == REGIA_OK, "%s", regia_error_msg());
    CHECK(!strcmp(F.structure, "bridge_a") && !strcmp(F.sensor, "s01") && F.stated_fs == 4);
    CHECK(F.units_read == 7 && F.units_kept == 4 && F.nrej == 3);
    CHECK(F.units_read == F.units_kept + (int64_t)F.nrej);
    CHECK(F.nrej == 3 && F.rej[0].where == 7 && strstr(F.rej[0].reason, "acc_x") && strstr(F.rej[0].reason, "abc"));
    CHECK(F.nrej == 3 && F.rej[2].where == 10 && strstr(F.rej[2].reason, "2 fields"));
    CHECK(F.nrej == 3 && F.rej[1].where == 9 && strstr(F.rej[1].reason, "not after line 8") == NULL && strstr(F.rej[1].reason, "of line 8"));
    CHECK(F.n == 2);
    if (F.n == 2) {
        CHECK(!strcmp(F.t[0].channel, "acc_x") && !strcmp(F.t[0].units, "m s-2") && F.t[0].fs == 4);
        CHECK(F.t[0].n == 4 && F.t[0].start_ns == 1709251200000000000LL);
        CHECK_CLOSE(F.t[0].x[3], 2.0 * 9.80665, 1e-12, 0);
        CHECK(!strcmp(F.t[1].units, "degC") && F.t[1].qty == REGIA_QTY_TEMPERATURE);
        CHECK_CLOSE(F.t[1].x[0], 0.0, 0, 1e-9);
        CHECK_CLOSE(F.t[1].x[3], 3.0, 0, 1e-9);
        CHECK(F.t[0].jitter_max_s < 1e-9);
    }
    regia_sensor_file_free(&F);
}

static void test_csv_dates(void)
{
    regia_sensor_file_t F;
    /* dd/mm (the default) with a day > 12: fine */
    char *b = csv_ramp(50, 10, "time,a [m/s2],b [degC]", NULL, "13/03/2024");
    CHECK_MSG(parse(b, &F) == REGIA_OK, "%s", regia_error_msg());
    CHECK(F.n == 2 && F.t[0].start_ns == (1710324000LL) * 1000000000LL); /* 2024-03-13T10:00:00Z */
    regia_sensor_file_free(&F);
    /* the same file stated mm/dd: month 13 contradicts it */
    O.date_order = REGIA_DATE_MDY;
    refused("mdy with a day > 12", b, "line 2", "contradict");
    O.date_order = REGIA_DATE_DMY;
    free(b);
    /* a day that changes at midnight: 29/02 -> 01/03 under dd/mm; mm/dd reads it as
     * 2024-02-29 -> 2024-01-03, which goes back */
    const char *mid = "time,a [m/s2]\n29/02/2024 23:59:59.5,1\n01/03/2024 00:00:00.0,2\n01/03/2024 00:00:00.5,3\n";
    CHECK_MSG(parse(mid, &F) == REGIA_OK, "%s", regia_error_msg());
    CHECK(F.n == 1 && F.t[0].n == 3);
    regia_sensor_file_free(&F);
    /* stamps that go back under dd/mm but step steadily at 2 Hz under mm/dd:
     * 01/02 23:59:59.5 -> 02/02 ... read dd/mm: Feb 1 -> Feb 2 (+1 day), so mm/dd
     * (Jan 2 -> Feb 2?) no: build the mm/dd file 02/01 .. 02/02 crossing midnight */
    const char *sw = "time,a [m/s2]\n02/01/2024 23:59:59.0,1\n02/01/2024 23:59:59.5,2\n02/02/2024 00:00:00.0,3\n"
                     "02/02/2024 00:00:00.5,4\n02/02/2024 00:00:01.0,5\n";
    refused("mm/dd file read as dd/mm", sw, "line 4", "mm/dd/yyyy every time stamp follows");
    O.date_order = REGIA_DATE_MDY;
    CHECK_MSG(parse(sw, &F) == REGIA_OK, "%s", regia_error_msg());
    CHECK(F.n == 1 && F.t[0].n == 5 && F.t[0].start_ns == 1706831999LL * 1000000000LL); /* 2024-02-01T23:59:59Z */
    regia_sensor_file_free(&F);
    O.date_order = REGIA_DATE_ISO;
    CHECK(parse(sw, &F) != REGIA_OK); /* every line rejected: too few lines */
    regia_sensor_file_free(&F);
    O.date_order = REGIA_DATE_DMY;
}

static void test_csv_resample(void)
{
    regia_sensor_file_t F;
    /* 100 Hz, stamps alternately 2 ms early and late: jitter rms = max = 2 ms; the ramp
     * a = t (the true time) interpolates to the grid times */
    char *b = csv_ramp(400, 100, "time,a [m/s2],b [degC]", dev2ms, "iso");
    CHECK_MSG(parse(b, &F) == REGIA_OK, "%s", regia_error_msg());
    CHECK(F.n == 2);
    if (F.n == 2) {
        const regia_sensor_trace_t *T = &F.t[0];
        CHECK_MSG(T->fs == 100 && T->n_stamps == 400, "fs %.9g stamps %lld", T->fs, (long long)T->n_stamps);
        CHECK_CLOSE(T->jitter_rms_s, 2e-3, 1e-4, 0);
        CHECK_CLOSE(T->jitter_max_s, 2e-3, 1e-2, 0); /* the fitted line tilts a little towards the ends */
        CHECK_CLOSE(F.jitter_rms_s, 2e-3, 1e-4, 0);
        /* a = stamp time since 10:00; on the grid it equals the grid time */
        double t0 = (double)(T->start_ns - 1709632800000000000LL) * 1e-9; /* 2024-03-05T10:00:00Z */
        int ok = 1;
        for (int64_t k = 1; k + 1 < T->n; k++)
            if (fabs(T->x[k] - (t0 + (double)k / 100)) > 1e-6) ok = 0;
        CHECK_MSG(ok, "the ramp is not linear on the grid (t0 %.6f)", t0);
    }
    regia_sensor_file_free(&F);
    free(b);
    /* the stated rate wrong: 200 Hz for a 100 Hz file */
    O.fs = 200;
    b = csv_ramp(100, 100, "time,acc_x [m/s2],b [degC]", NULL, "iso");
    refused("wrong rate", b, "wrong sampling rate", "acc_x");
    O.fs = 0;
    /* too irregular: 4 ms off a 100 Hz grid with max_jitter 0.25 (2.5 ms) */
    O.max_jitter = 0.1;
    free(b);
    b = csv_ramp(100, 100, "time,a [m/s2],b [degC]", dev2ms, "iso");
    refused("too irregular", b, "too irregular", "line");
    O.max_jitter = 0.25;
    free(b);
    /* a gap of 1 s in a 10 Hz file: two traces per channel */
    const char *g = "time,a [m/s2]\n2024-03-01T00:00:00.0,1\n2024-03-01T00:00:00.1,2\n2024-03-01T00:00:00.2,3\n"
                    "2024-03-01T00:00:01.2,4\n2024-03-01T00:00:01.3,5\n";
    CHECK_MSG(parse(g, &F) == REGIA_OK, "%s", regia_error_msg());
    CHECK(F.n == 2 && F.t[0].n == 3 && F.t[1].n == 2 && F.t[1].start_ns - F.t[0].start_ns == 1200000000LL);
    regia_sensor_file_free(&F);
}

static void test_csv_bad(void)
{
    refused("unknown units", "time,acc_x [furlong/s2]\n2024-03-01T00:00:00,1\n", "unknown units 'furlong/s2'",
            "acc_x");
    refused("no units", "time,acc_x\n2024-03-01T00:00:00,1\n", "has no units", "acc_x");
    refused("no channel", "time\n2024-03-01T00:00:00\n", "no channel column", NULL);
    /* a run of 5 missing values with max_nan_run 3; 3 are fine */
    O.max_nan_run = 3;
    refused("NaN run", "time,a [g]\n2024-03-01T00:00:00,1\n2024-03-01T00:00:01,\n2024-03-01T00:00:02,NaN\n"
                       "2024-03-01T00:00:03,NA\n2024-03-01T00:00:04,\n2024-03-01T00:00:05,\n2024-03-01T00:00:06,1\n",
            "trace 'a': 5 missing values in a row (lines 3-7)", NULL);
    regia_sensor_file_t F;
    CHECK(parse("time,a [g]\n2024-03-01T00:00:00,1\n2024-03-01T00:00:01,\n2024-03-01T00:00:02,NaN\n"
                "2024-03-01T00:00:03,NA\n2024-03-01T00:00:04,2\n", &F) == REGIA_OK);
    CHECK(F.n == 1 && F.t[0].n_nan == 3 && F.t[0].longest_nan == 3 && isnan(F.t[0].x[2]));
    regia_sensor_file_free(&F);
    O.max_nan_run = 100;
}

static void test_mseed(void)
{
    char dir[] = "/tmp/regia-mseed.XXXXXX", path[128];
    if (!mkdtemp(dir)) { CHECK(0); return; }
    snprintf(path, sizeof path, "%s/a.mseed", dir);
    int32_t x[3000];
    for (int i = 0; i < 3000; i++) x[i] = (int32_t)(1000 * sin(i * 0.05) + (i % 7));
    const int64_t t0 = 1709251200000000000LL;
    int64_t nrec = 0;
    CHECK(regia_mseed_write(path, 0, "XX", "BR01", "00", "HNZ", t0, 100, x, 1000, 512, 11, &nrec) == REGIA_OK);
    CHECK(nrec > 1);
    /* a gap: 1000 samples from t0 + 20 s; an overlap: 1000 from t0 + 25 s (before 30 s) */
    CHECK(regia_mseed_write(path, 1, "XX", "BR01", "00", "HNZ", t0 + 20000000000LL, 100, x + 1000, 1000, 512, 11,
                            NULL) == REGIA_OK);
    CHECK(regia_mseed_write(path, 1, "XX", "BR01", "00", "HNZ", t0 + 25000000000LL, 100, x + 2000, 1000, 512, 10,
                            NULL) == REGIA_OK);
    CHECK(regia_mseed_write(path, 1, "XX", "BR01", "00", "HNE", t0, 100, x, 500, 512, 3, NULL) == REGIA_OK);
    regia_sensor_file_t F = {0};
    CHECK_MSG(regia_mseed_read(path, &F) == REGIA_OK, "%s", regia_error_msg());
    CHECK(F.nrej == 0 && F.units_read == F.units_kept);
    CHECK(F.n == 4);
    if (F.n == 4) {
        CHECK(!strcmp(F.t[0].source, "XX.BR01.00.HNE") && F.t[0].n == 500);
        CHECK(!strcmp(F.t[1].source, "XX.BR01.00.HNZ") && F.t[1].n == 1000 && F.t[1].start_ns == t0);
        CHECK(F.t[2].start_ns == t0 + 20000000000LL && !F.t[2].overlap);
        CHECK(F.t[3].start_ns == t0 + 25000000000LL && F.t[3].overlap);
        int same = 1;
        for (int i = 0; i < 1000; i++)
            if (F.t[1].x[i] != x[i] || F.t[2].x[i] != x[1000 + i] || F.t[3].x[i] != x[2000 + i]) same = 0;
        CHECK_MSG(same, "samples differ after the round trip");
        CHECK(F.t[1].fs == 100 && F.t[1].qty == REGIA_QTY_COUNTS);
    }
    regia_sensor_file_free(&F);
    /* record 2 with a scrambled header: rejected, the rest read */
    FILE *fp = fopen(path, "r+b");
    CHECK(fp && fseek(fp, 512, SEEK_SET) == 0 && fwrite("XXXXXXXXXXXXXXXXXXXX", 1, 20, fp) == 20);
    if (fp) fclose(fp);
    CHECK(regia_mseed_read(path, &F) == REGIA_OK);
    CHECK(F.nrej == 1 && F.rej[0].where == 2 && F.rej[0].offset == 512 && strstr(F.rej[0].reason, "bad header"));
    CHECK(F.units_read == F.units_kept + 1);
    regia_sensor_file_free(&F);
    /* not miniSEED at all */
    snprintf(path, sizeof path, "%s/b.mseed", dir);
    fp = fopen(path, "w");
    if (fp) { fputs("this is not a miniSEED file, just text long enough for a header ...............\n", fp); fclose(fp); }
    CHECK(regia_mseed_read(path, &F) != REGIA_OK && strstr(regia_error_msg(), "no readable miniSEED record"));
    regia_sensor_file_free(&F);
    unlink(path);
    snprintf(path, sizeof path, "%s/a.mseed", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    regia_sensor_csv_defaults(&O);
    test_units();
    test_csv_basic();
    test_csv_dates();
    test_csv_resample();
    test_csv_bad();
    test_mseed();
    return check_done();
}
