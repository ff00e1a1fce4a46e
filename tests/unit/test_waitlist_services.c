/* test_waitlist_services.c - the waiting-list data foundations (drivers/waitlist_services.c):
 * the shipped services table, loader errors naming file, line and column, look-up by the
 * 1996 and the 2024 code (several 2024 codes a row: malformed lists and codes naming two
 * rows refused; the sorted code index gives the row scan's answer for every code of the
 * shipped table, unknown and ambiguous codes), districts and agendas, Europe/Rome time around both summer-time
 * switches, and the national holidays.
 *
 * Expected instants are worked out by hand from the EU rule (summer time from 01:00 UTC of
 * the last Sunday of March to 01:00 UTC of the last Sunday of October): in 2024 the
 * switches were on 31 March and 27 October, in 2025 on 30 March and 26 October.  Easter
 * Sunday was 31 March 2024 and 20 April 2025 (Easter Monday 1 April 2024, 21 April 2025). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../drivers/waitlist_impl.h"
#include "regia/timeutil.h"

static char dir[256];

static const char *write_tmp(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return path;
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loading `text` as a services table must fail with a message containing every needle. */
static void services_bad(const char *text, const char *n1, const char *n2)
{
    wl_services_t t;
    const char *p = write_tmp("bad_services.csv", text);
    regia_status_t st = wl_services_load(p, &t);
    CHECK_MSG(st != REGIA_OK, "accepted: %s", text);
    if (st == REGIA_OK) { wl_services_free(&t); return; }
    const char *m = regia_error_msg();
    CHECK_MSG(strstr(m, "bad_services.csv") != NULL, "no file name in: %s", m);
    CHECK_MSG(!n1 || strstr(m, n1) != NULL, "'%s' not in: %s", n1, m);
    CHECK_MSG(!n2 || strstr(m, n2) != NULL, "'%s' not in: %s", n2, m);
    CHECK(t.n == 0 && t.s == NULL);
}

static int64_t utc(int y, int mo, int d, int h, int mi) { return regia_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60; }

static void rome_is(int64_t t, int y, int mo, int d, int h, int mi)
{
    int Y, M, D, H, MI, S;
    wl_utc_to_rome(t, &Y, &M, &D, &H, &MI, &S);
    CHECK_MSG(Y == y && M == mo && D == d && H == h && MI == mi && S == 0,
              "t=%lld: got %04d-%02d-%02d %02d:%02d:%02d, expected %04d-%02d-%02d %02d:%02d", (long long)t, Y, M, D,
              H, MI, S, y, mo, d, h, mi);
}

/* The code index of `t` gives the row scan's answer for every code of the table, with and
 * without a discipline (each row's, as a number, others', unknown, empty), in the
 * "code/disc" form, in other cases, with blanks, as prefixes and extensions, and for odd
 * codes the table does not have; and so does a copy of `t` without the index (scanned). */
static void index_same_as_scan(const wl_services_t *t)
{
    enum { MAXC = 2048, MAXD = 256 };
    static char codes[MAXC][80], discs[MAXD][12];
    int nc = 0, nd = 0;
    CHECK(t->ix_new && t->ix_old);
    for (int i = 0; i < t->n; i++) {
        const wl_service_t *s = &t->s[i];
        int nk = wl_service_code_new_count(s);
        if (nc + 4 + 4 * nk > MAXC) break;
        snprintf(codes[nc++], 80, "%s", s->code);
        snprintf(codes[nc++], 80, " %s\t", s->code);
        snprintf(codes[nc++], 80, "%s.1", s->code); /* unknown, longer */
        snprintf(codes[nc++], 80, "%s/%s", s->code, s->discipline);
        for (int k = 0; k < nk; k++) {
            char c[16];
            wl_service_code_new_at(s, k, c, sizeof c);
            snprintf(codes[nc++], 80, "%s", c);
            for (char *q = c; *q; q++) *q = (char)tolower((unsigned char)*q);
            snprintf(codes[nc++], 80, "  %s", c);
            snprintf(codes[nc++], 80, "%s/%s", c, s->discipline[0] ? s->discipline : "99");
            c[strlen(c) - 1] = '\0'; /* a prefix */
            snprintf(codes[nc++], 80, "%s", c);
        }
    }
    const char *odd[] = {"", " ", "/", "89.7/", "89.7/8", "89.7/008", "89.7/0", "89.7//08", "89.7 /08", "12.34",
                         "ZZZ", "88.38.A|88.38.B", "89.7A.3.", "89.52 89.52", "89.7A.30000000000",
                         "0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.01234"};
    const int nodd = (int)(sizeof odd / sizeof *odd);
    CHECK_MSG(nc + nodd <= MAXC, "the table has more codes than this test holds (%d)", MAXC);
    for (int k = 0; k < nodd && nc < MAXC; k++) snprintf(codes[nc++], 80, "%s", odd[k]);
    snprintf(discs[nd++], 12, "%s", "");
    snprintf(discs[nd++], 12, "%s", "99");
    snprintf(discs[nd++], 12, "%s", "0");
    for (int i = 0; i < t->n && nd + 2 <= MAXD; i++)
        if (t->s[i].discipline[0]) {
            snprintf(discs[nd++], 12, "%s", t->s[i].discipline);
            snprintf(discs[nd++], 12, "0%s", t->s[i].discipline);
        }
    long found = 0;
    for (int i = 0; i < nc; i++) {
        int a = wl_services_find(t, codes[i], NULL), b = wl_services_find_scan(t, codes[i], NULL);
        CHECK_MSG(a == b, "'%s': index %d, scan %d", codes[i], a, b);
        found += a >= 0;
        for (int d = 0; d < nd; d++) {
            a = wl_services_find(t, codes[i], discs[d]);
            b = wl_services_find_scan(t, codes[i], discs[d]);
            CHECK_MSG(a == b, "'%s' discipline '%s': index %d, scan %d", codes[i], discs[d], a, b);
        }
    }
    /* every row by its 1996 code with its discipline, every 2024 code in either case */
    CHECK_MSG(found >= t->n + 2L * t->n_new, "only %ld of %d codes found", found, nc);
    wl_services_t h = *t; /* without the index: scanned */
    h.ix_new = h.ix_old = NULL;
    for (int i = 0; i < nc; i++)
        CHECK_MSG(wl_services_find(&h, codes[i], "08") == wl_services_find(t, codes[i], "08"), "'%s'", codes[i]);
}

#define HDR "table_version,code_1996,code_2024,name,kind,discipline,group,area_level\n"

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_waitlist_services.%d", (int)getpid());
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (system(cmd) != 0) return 1;

    /* --- the table shipped with regia ---------------------------------------------------- */
    const char *root = getenv("REGIA_ROOT");
    char shipped[512];
    snprintf(shipped, sizeof shipped, "%s/data/waitlist/pngla_services.csv", root ? root : ".");
    wl_services_t t;
    CHECK_OK(wl_services_load(shipped, &t));
    CHECK_MSG(t.n == 61, "%d rows", t.n); /* data/waitlist/README.md: 14 visits, 47 diagnostics */
    CHECK(!strcmp(t.version, "pngla-2019-2021.3"));
    CHECK(strlen(t.sha) == 64);
    int nvis = 0, nasl = 0;
    for (int i = 0; i < t.n; i++) {
        nvis += t.s[i].kind == 0;
        nasl += t.s[i].area_level == 1;
    }
    CHECK_MSG(nvis == 14, "%d visits", nvis);
    CHECK(nasl > 0);
    int card = wl_services_find(&t, "89.7", "08");
    CHECK(card >= 0 && strstr(t.s[card].name, "cardiologica"));
    CHECK(wl_services_find(&t, "89.7", "8") == card);           /* discipline as a number */
    CHECK(wl_services_find(&t, "89.7/08", NULL) == card);       /* code/discipline form   */
    CHECK(wl_services_find(&t, "89.7A.3", NULL) == card);       /* 2024 code               */
    CHECK(wl_services_find(&t, "89.7", NULL) == -1);            /* ambiguous without discipline */
    CHECK(wl_services_find(&t, "89.7", "99") == -1);
    int neuro = wl_services_find(&t, "89.13", NULL);
    CHECK(neuro >= 0 && strstr(t.s[neuro].name, "neurologica"));
    int ct = wl_services_find(&t, "87.41", NULL);
    CHECK(ct >= 0 && t.s[ct].kind == 1 && t.s[ct].area_level == 1);
    int ecg = wl_services_find(&t, " 89.52 ", NULL);
    CHECK(ecg >= 0 && t.s[ecg].area_level == 0);
    CHECK(wl_services_find(&t, "12.34", NULL) == -1);
    /* 2024 codes of the diagnostics (data/waitlist/README.md: the sources per row) */
    CHECK(ct >= 0 && !strcmp(t.s[ct].code_new, "87.41"));                 /* same code in both */
    int spine = wl_services_find(&t, "88.93", NULL);                        /* RM colonna in toto */
    CHECK(spine >= 0 && !strcmp(t.s[spine].code_new, "88.93.6") && wl_services_find(&t, "88.93.6", NULL) == spine);
    int egds = wl_services_find(&t, "45.16.1", NULL);                       /* 2024 code, 1996 45.16 */
    CHECK(egds >= 0 && !strcmp(t.s[egds].code, "45.16") && t.s[egds].kind == 1);
    int stress = wl_services_find(&t, "89.43", NULL); /* PNGLA line 58 has two 1996 codes */
    CHECK(stress >= 0 && t.s[stress].kind == 1 && !t.s[stress].code_new[0] && stress != wl_services_find(&t, "89.41", NULL));
    CHECK(wl_service_code_new_count(&t.s[stress]) == 0);
    /* rows holding several PNGLA lines, and tests the 2024 nomenclator splits in two, list
     * their 2024 codes; every code of a list finds its row (case as written or not) */
    static const struct { const char *code, *list; int n; } multi[] = {
        {"88.38.1", "88.38.A|88.38.B|88.38.C", 3},
        {"88.38.2", "88.38.D|88.38.E|88.38.F", 3},
        {"93.08.1", "93.08.A|93.08.B|93.08.C|93.08.D|93.08.E|93.08.F", 6},
        {"88.72.3", "88.72.2|88.72.3", 2},
        {"88.77.2", "88.77.4|88.77.5", 2},
    };
    for (size_t k = 0; k < sizeof multi / sizeof *multi; k++) {
        int i = wl_services_find(&t, multi[k].code, NULL);
        CHECK_MSG(i >= 0 && !strcmp(t.s[i].code_new, multi[k].list), "%s: '%s'", multi[k].code, i >= 0 ? t.s[i].code_new : "");
        if (i < 0) continue;
        CHECK_MSG(wl_service_code_new_count(&t.s[i]) == multi[k].n, "%s", multi[k].code);
        for (int j = 0; j < multi[k].n; j++) {
            char c[16], lower[16];
            wl_service_code_new_at(&t.s[i], j, c, sizeof c);
            CHECK_MSG(strlen(c) == 7 && strstr(multi[k].list, c) != NULL, "%s: code %d '%s'", multi[k].code, j, c);
            CHECK_MSG(wl_services_find(&t, c, NULL) == i, "%s does not find %s", c, multi[k].code);
            CHECK(wl_service_has_code_new(&t.s[i], c));
            for (size_t q = 0; q <= strlen(c); q++) lower[q] = (char)(c[q] >= 'A' && c[q] <= 'Z' ? c[q] + 32 : c[q]);
            CHECK_MSG(wl_services_find(&t, lower, NULL) == i, "%s", lower);
        }
        char c[16];
        CHECK(!wl_service_code_new_at(&t.s[i], multi[k].n, c, sizeof c)[0]); /* past the end */
    }
    /* a code of a list is found whole, not as a prefix or a piece of the list */
    CHECK(wl_services_find(&t, "88.38.A|88.38.B", NULL) == -1);
    CHECK(wl_services_find(&t, "88.38", NULL) == -1);
    CHECK(wl_services_find(&t, "88.38.G", NULL) == -1);
    /* every 2024 code of the table names one row, and no row's 1996 code is another's 2024 code */
    for (int i = 0; i < t.n; i++)
        for (int k = 0, nk = wl_service_code_new_count(&t.s[i]); k < nk; k++) {
            char c[16];
            wl_service_code_new_at(&t.s[i], k, c, sizeof c);
            CHECK_MSG(wl_services_find(&t, c, NULL) == i, "row %d code %s", i, c);
        }

    /* the code index: the scan's answer for every code of the shipped table (and others) */
    CHECK(t.n_new > 0);
    index_same_as_scan(&t);
    CHECK(wl_services_find(&t, NULL, NULL) == -1 && wl_services_find_scan(&t, NULL, NULL) == -1);
    CHECK(wl_services_find(NULL, "89.7", "08") == -1);
    /* the ambiguous 1996 visit code: one row per discipline, none without */
    CHECK(wl_services_find(&t, "89.7", NULL) == -1 && wl_services_find_scan(&t, "89.7", NULL) == -1);
    CHECK(wl_services_find(&t, "89.7/08", NULL) == card && wl_services_find(&t, "89.7/", NULL) == -1);

    /* --- loader errors: file, line and column ---------------------------------------------- */
    services_bad(HDR "v1,89.7,89.7A.3,Prima visita cardiologica,visit,08,visit,district\n"
                     "v1,89.52,,Elettrocardiogramma,test,,cardio,district\n",
                 "line 3, column 'kind'", "'test'");
    services_bad(HDR "v1,89.7,89.7A.3,Prima visita cardiologica,visit,08,visit,district\n"
                     "v2,89.52,,Elettrocardiogramma,diagnostic,,cardio,district\n",
                 "line 3, column 'table_version'", "one version a file");
    services_bad(HDR "v1,89.7,,Prima visita,visit,,visit,district\n", "line 2, column 'discipline'", "branca");
    services_bad(HDR "v1,89.7,,Prima visita cardiologica,visit,08,visit,district\n"
                     "v1,89.7,,Altra cardiologica,visit,8,visit,district\n",
                 "line 3, column 'code_1996'", "repeats");
    services_bad(HDR "v1,89.52,,ECG,diagnostic,,cardio,region\n", "line 2, column 'area_level'", "'region'");
    services_bad(HDR "v1,89.52,,ECG,diagnostic,,cardio\n", "line 2", "fields");
    services_bad("table_version,code_1996,name,kind,discipline,group,area_level\n", "line 1", "'code_2024'");
    services_bad(HDR, "no services", NULL);
    services_bad(HDR "v1,89-52,,ECG,diagnostic,,cardio,district\n", "line 2, column 'code_1996'", "not a nomenclator code");
    /* lists of 2024 codes: malformed lists, and a code that would name two rows */
#define ROW1 "v1,88.38.1,88.38.A|88.38.B,TC rachide,diagnostic,,ct,asl\n"
    services_bad(HDR "v1,88.38.1,88.38.A||88.38.B,TC rachide,diagnostic,,ct,asl\n", "line 2, column 'code_2024'",
                 "code 2 of the list is empty");
    services_bad(HDR "v1,88.38.1,88.38.A|,TC rachide,diagnostic,,ct,asl\n", "line 2, column 'code_2024'",
                 "code 2 of the list is empty");
    services_bad(HDR "v1,88.38.1,|88.38.A,TC rachide,diagnostic,,ct,asl\n", "line 2, column 'code_2024'",
                 "code 1 of the list is empty");
    services_bad(HDR "v1,88.38.1,88.38.A;88.38.B,TC rachide,diagnostic,,ct,asl\n", "line 2, column 'code_2024'",
                 "'88.38.A;88.38.B' is not a nomenclator code");
    services_bad(HDR "v1,88.38.1,88.38.A|88.38.B|88.38.a,TC rachide,diagnostic,,ct,asl\n", "line 2, column 'code_2024'",
                 "'88.38.a' is listed twice");
    services_bad(HDR "v1,88.38.1,88.38.A|1234567890123456,TC rachide,diagnostic,,ct,asl\n", "line 2, column 'code_2024'",
                 "longer than 15 characters");
    services_bad(HDR ROW1 "v1,89.52,89.52,ECG,diagnostic,,cardio,district\n"
                          "v1,88.38.2,88.38.C|88.38.B,TC rachide MDC,diagnostic,,ct,asl\n",
                 "line 4, column 'code_2024'", "'88.38.B' is also a 2024 code of data line 1");
    services_bad(HDR ROW1 "v1,89.52,89.52,ECG,diagnostic,,cardio,district\n"
                          "v1,89.50,89.52,Holter,diagnostic,,cardio,district\n",
                 "line 4, column 'code_2024'", "'89.52' is also a 2024 code of data line 2");
    services_bad(HDR ROW1 "v1,88.38.2,88.38.D|88.38.1,TC rachide MDC,diagnostic,,ct,asl\n",
                 "line 3, column 'code_2024'", "'88.38.1' is the 1996 code of data line 1");
    services_bad(HDR "v1,88.38.1,88.38.A|89.52,TC rachide,diagnostic,,ct,asl\n"
                     "v1,89.52,,ECG,diagnostic,,cardio,district\n",
                 "line 3, column 'code_1996'", "'89.52' is a 2024 code of data line 1");
    {
        /* a well-formed list with blanks around its codes: kept without them, each code found */
        wl_services_t m;
        const char *p = write_tmp("list_services.csv", HDR "v1,88.38.1, 88.38.A | 88.38.B ,TC rachide,diagnostic,,ct,asl\n"
                                                           "v1,88.72.3,88.72.2|88.72.3,Eco cardiaca,diagnostic,,ultrasound,district\n");
        CHECK_OK(wl_services_load(p, &m));
        CHECK(m.n == 2 && !strcmp(m.s[0].code_new, "88.38.A|88.38.B"));
        CHECK(wl_services_find(&m, "88.38.A", NULL) == 0 && wl_services_find(&m, "88.38.B", NULL) == 0);
        CHECK(wl_services_find(&m, "88.72.3", NULL) == 1 && wl_services_find(&m, "88.72.2", NULL) == 1);
        wl_services_free(&m);
    }
    {
        /* the index on a table with what the shipped one lacks: a 15-character 2024 code, a
         * lower-case one, a 1996 code shared by two visits and a diagnostic, a row whose
         * 2024 list holds its own 1996 code */
        wl_services_t m;
        const char *p = write_tmp("ix_services.csv", HDR "v1,89.7,89.7a.3,Visita A,visit,08,visit,district\n"
                                                         "v1,89.7,,Visita B,visit,10,visit,district\n"
                                                         "v1,89.7,,Esame C,diagnostic,,diag,district\n"
                                                         "v1,88.72.3,88.72.2|88.72.3,Eco,diagnostic,,us,district\n"
                                                         "v1,88.1,ABCDEFGHIJ.1234|88.1.Z,Lungo,diagnostic,,ct,asl\n");
        CHECK_OK(wl_services_load(p, &m));
        CHECK(m.n == 5 && m.n_new == 5);
        index_same_as_scan(&m);
        CHECK(wl_services_find(&m, "abcdefghij.1234", NULL) == 4 && wl_services_find(&m, "89.7A.3", "10") == 0);
        CHECK(wl_services_find(&m, "89.7", NULL) == -1 && wl_services_find(&m, "89.7/", NULL) == 2);
        CHECK(wl_services_find(&m, "89.7/010", NULL) == 1 && wl_services_find(&m, "88.72.3", "99") == 3);
        wl_services_free(&m);
        CHECK(m.ix_new == NULL && m.ix_old == NULL && m.n == 0);
    }
#undef ROW1
    {
        wl_services_t m;
        CHECK(wl_services_load("/nonexistent/x.csv", &m) != REGIA_OK);
        CHECK(strstr(regia_error_msg(), "/nonexistent/x.csv") != NULL);
    }

    /* --- districts and agendas ------------------------------------------------------------- */
    const char *dp = write_tmp("districts.csv", "asl_code,asl_name,district_code,district_name,population\n"
                                                "A1,ASL Uno,D01,Centro,120000\n"
                                                "A1,ASL Uno,D02,Valle,\n"
                                                "A2,ASL Due,D03,Costa,45000\n");
    wl_districts_t d;
    CHECK_OK(wl_districts_load(dp, &d));
    CHECK(d.n_asl == 2 && d.n_district == 3);
    CHECK(d.district_asl[1] == 0 && d.district_asl[2] == 1);
    CHECK(d.population[0] == 120000 && isnan(d.population[1]));
    CHECK(wl_district_find(&d, "D03") == 2 && wl_district_find(&d, "D09") == -1);
    {
        wl_districts_t e;
        const char *bp = write_tmp("bad_districts.csv", "asl_code,asl_name,district_code,district_name,population\n"
                                                        "A1,ASL Uno,D01,Centro,100\nA1,ASL Una,D02,Valle,5\n");
        CHECK(wl_districts_load(bp, &e) != REGIA_OK);
        CHECK_MSG(strstr(regia_error_msg(), "bad_districts.csv: line 3, column 'asl_name'"), "%s", regia_error_msg());
        bp = write_tmp("bad_districts.csv", "asl_code,asl_name,district_code,district_name,population\n"
                                            "A1,ASL Uno,D01,Centro,many\n");
        CHECK(wl_districts_load(bp, &e) != REGIA_OK);
        CHECK_MSG(strstr(regia_error_msg(), "line 2, column 'population'"), "%s", regia_error_msg());
    }
    const char *ap = write_tmp("agendas.csv",
                               "provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to\n"
                               "P1,Ospedale,AG1,89.7/08,D01,40,12345,2024-01-01,\n"
                               "P1,Ospedale,AG2,87.41,D02,25,123456,01/01/2024,31/12/2024\n"
                               "P1,Ospedale,AG2,87.41,D02,30,123456,2025-01-01,\n");
    wl_agendas_t a;
    CHECK_OK(wl_agendas_load(ap, &t, &d, &a));
    CHECK(a.n == 3);
    CHECK(a.service[0] == card && a.service[1] == ct && a.district[1] == 1);
    CHECK(a.slots_week[1] == 25 && a.weekdays[0] == 0x1f && a.weekdays[1] == 0x3f);
    CHECK(a.valid_from[1] == regia_days_from_civil(2024, 1, 1) * 86400);
    CHECK(a.valid_to[1] == regia_days_from_civil(2025, 1, 1) * 86400); /* last day inclusive in the file */
    CHECK(a.valid_to[0] == INT64_MAX);
    wl_agendas_free(&a);
    {
        const char *H = "provider,provider_name,agenda,service,district,slots_per_week,weekdays,valid_from,valid_to\n";
        char buf[512];
        struct { const char *row, *want; } bad[] = {
            {"P1,O,AG1,89.7,D01,40,12345,2024-01-01,\n", "line 2, column 'service'"},
            {"P1,O,AG1,87.41,D09,40,12345,2024-01-01,\n", "line 2, column 'district'"},
            {"P1,O,AG1,87.41,D01,-4,12345,2024-01-01,\n", "line 2, column 'slots_per_week'"},
            {"P1,O,AG1,87.41,D01,4,1238,2024-01-01,\n", "line 2, column 'weekdays'"},
            {"P1,O,AG1,87.41,D01,4,12345,2024-02-30,\n", "line 2, column 'valid_from'"},
            {"P1,O,AG1,87.41,D01,4,12345,2024-02-03,2024-01-01\n", "line 2, column 'valid_to'"},
            {"P1,O,AG1,87.41,D01,4,12345,2024-01-01,\nP1,O,AG1,87.41,D01,4,12345,2024-06-01,\n", "line 3, column 'valid_from'"},
            {"P1,O,AG1,87.41,D01,4,12345,2024-01-01,2024-03-01\nP2,O,AG1,87.41,D01,4,12345,2024-06-01,\n", "line 3, column 'agenda'"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            snprintf(buf, sizeof buf, "%s%s", H, bad[i].row);
            const char *bp = write_tmp("bad_agendas.csv", buf);
            wl_agendas_t b;
            CHECK_MSG(wl_agendas_load(bp, &t, &d, &b) != REGIA_OK, "accepted: %s", bad[i].row);
            CHECK_MSG(strstr(regia_error_msg(), "bad_agendas.csv") && strstr(regia_error_msg(), bad[i].want),
                      "'%s' not in: %s", bad[i].want, regia_error_msg());
        }
    }
    wl_districts_free(&d);

    /* --- Europe/Rome time ------------------------------------------------------------------- */
    /* winter: UTC+1; summer: UTC+2 */
    CHECK(wl_rome_to_utc(2024, 1, 15, 10, 30, 0) == utc(2024, 1, 15, 9, 30));
    CHECK(wl_rome_to_utc(2024, 7, 15, 10, 30, 0) == utc(2024, 7, 15, 8, 30));
    /* spring 2024: 31 March, 02:00 CET -> 03:00 CEST at 01:00 UTC */
    CHECK(wl_rome_to_utc(2024, 3, 31, 1, 59, 0) == utc(2024, 3, 31, 0, 59));
    CHECK(wl_rome_to_utc(2024, 3, 31, 3, 0, 0) == utc(2024, 3, 31, 1, 0));
    CHECK(wl_rome_to_utc(2024, 3, 31, 2, 30, 0) == utc(2024, 3, 31, 1, 30)); /* gap: read as standard time */
    rome_is(utc(2024, 3, 31, 0, 59), 2024, 3, 31, 1, 59);
    rome_is(utc(2024, 3, 31, 1, 0), 2024, 3, 31, 3, 0);
    rome_is(utc(2024, 3, 30, 23, 30), 2024, 3, 31, 0, 30);
    /* autumn 2024: 27 October, 03:00 CEST -> 02:00 CET at 01:00 UTC; 02:30 happens twice */
    CHECK(wl_rome_to_utc(2024, 10, 27, 2, 30, 0) == utc(2024, 10, 27, 0, 30)); /* the first, summer one */
    CHECK(wl_rome_to_utc(2024, 10, 27, 3, 0, 0) == utc(2024, 10, 27, 2, 0));
    CHECK(wl_rome_to_utc(2024, 10, 27, 1, 59, 0) == utc(2024, 10, 26, 23, 59));
    rome_is(utc(2024, 10, 27, 0, 59), 2024, 10, 27, 2, 59);
    rome_is(utc(2024, 10, 27, 1, 0), 2024, 10, 27, 2, 0);
    rome_is(utc(2024, 10, 27, 1, 59), 2024, 10, 27, 2, 59);
    rome_is(utc(2024, 10, 27, 2, 0), 2024, 10, 27, 3, 0);
    /* 2025: 30 March and 26 October */
    rome_is(utc(2025, 3, 30, 0, 59), 2025, 3, 30, 1, 59);
    rome_is(utc(2025, 3, 30, 1, 0), 2025, 3, 30, 3, 0);
    rome_is(utc(2025, 3, 29, 12, 0), 2025, 3, 29, 13, 0);
    rome_is(utc(2025, 10, 26, 0, 30), 2025, 10, 26, 2, 30);
    rome_is(utc(2025, 10, 26, 1, 30), 2025, 10, 26, 2, 30);
    rome_is(utc(2025, 10, 26, 2, 30), 2025, 10, 26, 3, 30);
    /* midnight crossing: 23:30 UTC on 31 Dec is 00:30 on 1 Jan */
    rome_is(utc(2024, 12, 31, 23, 30), 2025, 1, 1, 0, 30);
    CHECK(wl_rome_to_utc(2025, 1, 1, 0, 30, 0) == utc(2024, 12, 31, 23, 30));
    /* round trip over every hour of 2024 and 2025 (outside the repeated autumn hour) */
    int bad_rt = 0;
    for (int64_t s = utc(2024, 1, 1, 0, 0); s < utc(2026, 1, 1, 0, 0); s += 3600 + 60) {
        int Y, M, D, H, MI, S;
        wl_utc_to_rome(s, &Y, &M, &D, &H, &MI, &S);
        int64_t back = wl_rome_to_utc(Y, M, D, H, MI, S);
        if (back != s && !(M == 10 && H == 2 && back == s - 3600)) bad_rt++;
    }
    CHECK_MSG(bad_rt == 0, "%d round trips failed", bad_rt);
    CHECK(wl_rome_to_utc(2024, 2, 30, 0, 0, 0) == WL_NOTIME);
    CHECK(wl_rome_to_utc(2024, 1, 1, 24, 0, 0) == WL_NOTIME);

    /* --- holidays --------------------------------------------------------------------------- */
    CHECK(wl_is_holiday(2024, 4, 1));   /* Easter Monday 2024 */
    CHECK(wl_is_holiday(2025, 4, 21));  /* Easter Monday 2025 */
    CHECK(wl_is_holiday(2025, 4, 20));  /* Easter Sunday 2025 */
    CHECK(wl_is_holiday(2026, 4, 6));   /* Easter Monday 2026 (Easter 5 April) */
    CHECK(!wl_is_holiday(2024, 4, 2) && !wl_is_holiday(2025, 4, 22) && !wl_is_holiday(2025, 4, 1));
    CHECK(wl_is_holiday(2024, 1, 1) && wl_is_holiday(2024, 1, 6) && wl_is_holiday(2024, 4, 25));
    CHECK(wl_is_holiday(2024, 5, 1) && wl_is_holiday(2024, 6, 2) && wl_is_holiday(2024, 8, 15));
    CHECK(wl_is_holiday(2024, 11, 1) && wl_is_holiday(2024, 12, 8) && wl_is_holiday(2024, 12, 25));
    CHECK(wl_is_holiday(2024, 12, 26));
    CHECK(!wl_is_holiday(2024, 6, 24));  /* St John, Genoa's patron: local, not national */
    CHECK(!wl_is_holiday(2024, 12, 7));  /* St Ambrose, Milan's patron */
    CHECK(!wl_is_holiday(2024, 6, 29));  /* Sts Peter and Paul, Rome's patrons */
    CHECK(!wl_is_holiday(2025, 10, 4) && wl_is_holiday(2026, 10, 4)); /* L. 151/2025, from 2026 */
    CHECK(!wl_is_holiday(2024, 3, 19) && !wl_is_holiday(2024, 11, 4));

    /* --- where the shipped table is found ---------------------------------------------------- */
    {
        char data_dir[400], want[600];
        snprintf(data_dir, sizeof data_dir, "%s/share", dir);
        snprintf(cmd, sizeof cmd, "mkdir -p %s/waitlist && cp %s %s/waitlist/", data_dir, shipped, data_dir);
        CHECK(system(cmd) == 0);
        setenv("REGIA_DATA_DIR", data_dir, 1);
        snprintf(want, sizeof want, "%s/waitlist/pngla_services.csv", data_dir);
        CHECK_MSG(strcmp(wl_services_default_path(), want) == 0, "%s", wl_services_default_path());
        unsetenv("REGIA_DATA_DIR");
        if (root) { /* REGIA_ROOT: the source tree's data/ */
            const char *p = wl_services_default_path();
            CHECK_MSG(strstr(p, "/data/waitlist/pngla_services.csv") != NULL, "%s", p);
            wl_services_t u;
            CHECK_OK(wl_services_load(p, &u));
            CHECK(u.n == t.n && !strcmp(u.sha, t.sha));
            wl_services_free(&u);
        }
        setenv("REGIA_DATA_DIR", "/nonexistent", 1);
        CHECK(strstr(wl_services_default_path(), "pngla_services.csv") != NULL); /* falls through */
        unsetenv("REGIA_DATA_DIR");
    }

    /* --- names ------------------------------------------------------------------------------ */
    CHECK(!strcmp(WL_CLASS_NAMES[WL_P], "P") && !strcmp(WL_CLASS_NAMES[WL_CLASS_ALL], "all"));
    CHECK(!strcmp(WL_OUTCOME_NAMES[WL_OUT_NOSHOW], "no_show"));
    CHECK(!strcmp(WL_REASON_NAMES[WL_REASON_CHOICE], "choice"));
    CHECK(!strcmp(WL_CLOCK_NAMES[WL_CLOCK_FIRST_AVAILABLE], "first_available"));
    CHECK(!strcmp(WL_COLUMN_NAMES[0], "patient_id") && !strcmp(WL_COLUMN_NAMES[WL_NCOL - 1], "guarantee_reason"));
    CHECK(WL_NCOL == 22);

    wl_services_free(&t);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return check_done();
}
