/* mkmseed.c - miniSEED fixtures for the tests (libmseed's msr_pack through
 * regia_mseed_write), and damaged copies of them.
 *
 *   mkmseed write OUT --source NET.STA.LOC.CHA --start 2024-03-01T00:00:00 --rate HZ
 *           --samples N [--reclen 512] [--encoding steim2|steim1|int32] [--seed S]
 *           [--append]
 *     writes N samples of a deterministic test signal (two sines and LCG noise, counts);
 *     prints the number of records written.
 *   mkmseed corrupt FILE --record K --how header|steim|xn|truncate [--reclen 512]
 *     damages record K (1-based) in place: header = the fixed header's first 20 bytes
 *     overwritten; steim = the record's second Steim frame filled with 0xFF (invalid
 *     Steim-2 codes); xn = the reverse integration constant changed (fails libmseed's
 *     integrity check); truncate = the file cut in the middle of record K.
 * Exit status 0 on success, 2 on bad usage, 1 on error (message on stderr). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regia/sensor_read.h"
#include "regia/timeutil.h"

static int usage(void)
{
    fprintf(stderr, "usage: mkmseed write OUT --source N.S.L.C --start ISO --rate HZ --samples N [--reclen B] "
                    "[--encoding steim2|steim1|int32] [--seed S] [--append]\n"
                    "       mkmseed corrupt FILE --record K --how header|steim|xn|truncate [--reclen B]\n");
    return 2;
}

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 3; i < argc - 1; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return def;
}
static int flag(int argc, char **argv, const char *name)
{
    for (int i = 3; i < argc; i++)
        if (!strcmp(argv[i], name)) return 1;
    return 0;
}

static int do_write(int argc, char **argv)
{
    const char *out = argv[2], *src = opt(argc, argv, "--source", NULL), *start = opt(argc, argv, "--start", NULL);
    const char *enc = opt(argc, argv, "--encoding", "steim2");
    double fs = atof(opt(argc, argv, "--rate", "0"));
    long long n = atoll(opt(argc, argv, "--samples", "0"));
    int reclen = atoi(opt(argc, argv, "--reclen", "512"));
    unsigned long long seed = strtoull(opt(argc, argv, "--seed", "1"), NULL, 10);
    if (!src || !start || !(fs > 0) || n < 1) return usage();
    char net[16] = "", sta[16] = "", loc[16] = "", cha[16] = "";
    if (sscanf(src, "%15[^.].%15[^.].%15[^.].%15s", net, sta, loc, cha) != 4 &&
        sscanf(src, "%15[^.].%15[^.]..%15s", net, sta, cha) != 3)
        return usage();
    /* start: ISO date-time with optional fraction of a second */
    char whole[40];
    snprintf(whole, sizeof whole, "%s", start);
    char *dot = strchr(whole, '.');
    double frac = 0;
    if (dot) {
        frac = atof(dot);
        *dot = 0;
    }
    int64_t s;
    if (regia_parse_datetime(whole, &s)) {
        fprintf(stderr, "mkmseed: %s\n", regia_error_msg());
        return 1;
    }
    int64_t start_ns = s * 1000000000LL + (int64_t)llround(frac * 1e9);
    int32_t *x = malloc((size_t)n * sizeof *x);
    if (!x) return 1;
    unsigned long long r = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (long long k = 0; k < n; k++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        double t = (double)k / fs, noise = (double)(r >> 40) / (double)(1ULL << 24) - 0.5;
        x[k] = (int32_t)lround(2000 * sin(2 * M_PI * 3.1 * t) + 700 * sin(2 * M_PI * 7.3 * t) + 100 * noise);
    }
    int e = !strcmp(enc, "steim1") ? 10 : !strcmp(enc, "int32") ? 3 : 11;
    int64_t nrec = 0;
    regia_status_t st = regia_mseed_write(out, flag(argc, argv, "--append"), net, sta, loc, cha, start_ns, fs, x, n,
                                          reclen, e, &nrec);
    free(x);
    if (st) {
        fprintf(stderr, "mkmseed: %s\n", regia_error_msg());
        return 1;
    }
    printf("%lld\n", (long long)nrec);
    return 0;
}

static int do_corrupt(int argc, char **argv)
{
    const char *path = argv[2], *how = opt(argc, argv, "--how", NULL);
    long k = atol(opt(argc, argv, "--record", "0"));
    long reclen = atol(opt(argc, argv, "--reclen", "512"));
    if (!how || k < 1 || reclen < 256) return usage();
    FILE *fp = fopen(path, "r+b");
    if (!fp) { perror(path); return 1; }
    long off = (k - 1) * reclen;
    unsigned char rec[8192];
    if (fseek(fp, off, SEEK_SET) || fread(rec, 1, (size_t)reclen, fp) != (size_t)reclen) {
        fprintf(stderr, "mkmseed: %s has no record %ld\n", path, k);
        fclose(fp);
        return 1;
    }
    int data_off = rec[44] << 8 | rec[45];
    if (!strcmp(how, "header")) memset(rec, 'X', 20);
    else if (!strcmp(how, "steim")) memset(rec + data_off + 64, 0xFF, 64);
    else if (!strcmp(how, "xn")) rec[data_off + 11] ^= 0x5A;
    else if (!strcmp(how, "truncate")) {
        fclose(fp);
        if (truncate(path, off + reclen / 2)) { perror(path); return 1; }
        return 0;
    } else {
        fclose(fp);
        return usage();
    }
    fseek(fp, off, SEEK_SET);
    int bad = fwrite(rec, 1, (size_t)reclen, fp) != (size_t)reclen;
    if (fclose(fp) || bad) { perror(path); return 1; }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) return usage();
    if (!strcmp(argv[1], "write")) return do_write(argc, argv);
    if (!strcmp(argv[1], "corrupt")) return do_corrupt(argc, argv);
    return usage();
}
