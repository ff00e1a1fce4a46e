/* test_csv.c - the shared CSV pieces (io/csv.c): splitter, text checks, line reader (BOM,
 * CRLF, long lines, numbering), separators, header map, field counts, numbers with either
 * decimal mark, rejects. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/csv.h"

static int split(const char *s, char **f, char *work)
{
    return regia_csv_split(s, strlen(s), work, f, 8);
}

static void test_lines(void)
{
    regia_csv_lines_t L;
    int got;
    /* BOM, CRLF, blank line, last line without newline, line numbers from 1 */
    const char *t = "\xEF\xBB\xBF" "a,b\r\n1,2\r\n\r\n3,4";
    regia_csv_lines_init(&L, "f.csv", t, strlen(t), 1, 1, 0);
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(got && L.line == 1 && L.n == 3 && !memcmp(L.text, "a,b", 3) && L.off == 0);
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(got && L.line == 2 && L.n == 3 && !memcmp(L.text, "1,2", 3) && L.off == 8);
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(got && L.line == 3 && L.n == 0);
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(got && L.line == 4 && L.n == 3 && !memcmp(L.text, "3,4", 3));
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(!got && L.line == 4);
    /* a byte range: first line number given, a BOM-like prefix not at the file start is kept */
    const char *r = "\xEF\xBB\xBFx\ny\n";
    regia_csv_lines_init(&L, "f.csv", r, strlen(r), 41, 0, 0);
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(got && L.line == 41 && L.n == 4);
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(got && L.line == 42 && L.n == 1 && L.text[0] == 'y');
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(!got);
    /* empty buffer */
    regia_csv_lines_init(&L, "f.csv", "", 0, 1, 1, 0);
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(!got);
    /* maximum line length: error names file and line, reading can go on */
    const char *m = "ab\n0123456789\ncd\n";
    regia_csv_lines_init(&L, "long.csv", m, strlen(m), 1, 1, 5);
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(regia_csv_lines_next(&L, &got) == REGIA_ERR_PARSE && !got && L.line == 2);
    CHECK_MSG(strstr(regia_error_msg(), "long.csv: line 2 is longer than 5 bytes") != NULL, "%s", regia_error_msg());
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(got && L.line == 3 && L.n == 2);
    /* exactly the maximum, with a CR that does not count */
    const char *x = "12345\r\n";
    regia_csv_lines_init(&L, "x.csv", x, strlen(x), 1, 1, 5);
    CHECK_OK(regia_csv_lines_next(&L, &got));
    CHECK(got && L.n == 5);
}

static void test_header(void)
{
    regia_csv_header_t H;
    CHECK(regia_csv_detect_sep("a,b,c", 5) == ',');
    CHECK(regia_csv_detect_sep("a;b;c", 5) == ';');
    CHECK(regia_csv_detect_sep("a\tb", 3) == '\t');
    CHECK(regia_csv_detect_sep("\"x,y\";b;c", 9) == ';'); /* commas inside quotes do not count */
    CHECK(regia_csv_detect_sep("abc", 3) == ',');
    /* trimmed, case-insensitive, BOM and CR removed, detected separator, decimal mark */
    const char *h = "\xEF\xBB\xBF Series_ID ; time;VALUE \r";
    CHECK_OK(regia_csv_header_parse(&H, "h.csv", h, strlen(h), 0));
    CHECK(H.n == 3 && H.sep == ';' && H.decimal == ',');
    CHECK(regia_csv_header_col(&H, "series_id") == 0 && regia_csv_header_col(&H, " value") == 2);
    CHECK(regia_csv_header_col(&H, "Time") == 1 && regia_csv_header_col(&H, "ds") == -1);
    CHECK(!strcmp(H.name[0], "Series_ID"));
    char j[64];
    regia_csv_header_join(&H, j, sizeof j);
    CHECK(!strcmp(j, "Series_ID;time;VALUE"));
    regia_csv_header_free(&H);
    CHECK_OK(regia_csv_header_parse(&H, "h.csv", "unique_id,ds,y", 14, 0));
    CHECK(H.n == 3 && H.sep == ',' && H.decimal == '.' && regia_csv_header_col(&H, "y") == 2);
    regia_csv_header_free(&H);
    CHECK_OK(regia_csv_header_parse(&H, "h.csv", "a\tb", 3, '\t'));
    CHECK(H.n == 2 && H.sep == '\t' && regia_csv_header_col(&H, "b") == 1);
    regia_csv_header_free(&H);
    /* wrong separator named */
    CHECK(regia_csv_header_parse(&H, "h.csv", "a;b;c", 5, ',') == REGIA_ERR_PARSE && H.n == 0);
    CHECK_MSG(strstr(regia_error_msg(), "h.csv: line 1: the header has one column but contains ';'") != NULL &&
                  strstr(regia_error_msg(), "not ','") != NULL, "%s", regia_error_msg());
    CHECK(regia_csv_header_parse(&H, "h.csv", "a\tb", 3, ';') == REGIA_ERR_PARSE);
    CHECK_MSG(strstr(regia_error_msg(), "contains TAB") != NULL, "%s", regia_error_msg());
    /* a one-column header without another separator is fine */
    CHECK_OK(regia_csv_header_parse(&H, "h.csv", "value", 5, ','));
    CHECK(H.n == 1);
    regia_csv_header_free(&H);
    /* duplicates (case-insensitive, after trimming); empty names are not duplicates */
    CHECK(regia_csv_header_parse(&H, "d.csv", "a,b, A", 6, 0) == REGIA_ERR_PARSE);
    CHECK_MSG(strstr(regia_error_msg(), "d.csv: line 1: column 'A' appears twice (columns 1 and 3)") != NULL, "%s",
              regia_error_msg());
    CHECK_OK(regia_csv_header_parse(&H, "d.csv", "a,,b,", 5, 0));
    CHECK(H.n == 4 && regia_csv_header_col(&H, "b") == 2);
    /* field counts */
    CHECK_OK(regia_csv_check_fields(&H, "d.csv", 7, 4));
    CHECK(regia_csv_check_fields(&H, "d.csv", 7, 3) == REGIA_ERR_PARSE);
    CHECK_MSG(strstr(regia_error_msg(), "d.csv: line 7: 3 fields, expected 4 as in the header (a,,b,)") != NULL,
              "%s", regia_error_msg());
    CHECK(regia_csv_check_fields(&H, "d.csv", 8, -1) == REGIA_ERR_PARSE);
    CHECK(strstr(regia_error_msg(), "d.csv: line 8: unterminated quote") != NULL);
    regia_csv_header_free(&H);
    CHECK(regia_csv_header_parse(&H, "q.csv", "\"a,b", 4, 0) == REGIA_ERR_PARSE);
    /* fields with ';' and decimal commas */
    regia_csv_fields_t F;
    CHECK_OK(regia_csv_fields_init(&F, 4, 64));
    CHECK(regia_csv_fields_split(&F, "a;2023-01-01;62,6\r", 18, ';') == 3 && !strcmp(F.field[2], "62,6"));
    CHECK(regia_csv_fields_split(&F, "\"x;y\";2;3", 9, ';') == 3 && !strcmp(F.field[0], "x;y"));
    CHECK(regia_csv_fields_split(&F, "1\t2", 3, '\t') == 2 && !strcmp(F.field[1], "2"));
    CHECK(regia_csv_fields_split(&F, "1,2,3,4,5", 9, ',') == -2 && F.nf == -2);
    char tr[] = "  ab c \t";
    CHECK(!strcmp(regia_csv_trim(tr), "ab c"));
    regia_csv_fields_free(&F);
}

static void test_numbers(void)
{
    double v;
    CHECK(regia_csv_number("62.6", '.', &v) == 1 && v == 62.6);
    CHECK(regia_csv_number(" -1.5e3 ", '.', &v) == 1 && v == -1500);
    CHECK(regia_csv_number("62,6", '.', &v) == -1 && isnan(v));
    CHECK(regia_csv_number("62,6", ',', &v) == 1 && v == 62.6);
    CHECK(regia_csv_number("62.6", ',', &v) == 1 && v == 62.6);
    CHECK(regia_csv_number("1.234,5", ',', &v) == -1);
    CHECK(regia_csv_number(",5", ',', &v) == 1 && v == 0.5);
    CHECK(regia_csv_number("5.", '.', &v) == 1 && v == 5);
    CHECK(regia_csv_number("+7", '.', &v) == 1 && v == 7);
    CHECK(regia_csv_number("", '.', &v) == 0 && isnan(v));
    CHECK(regia_csv_number("  ", '.', &v) == 0);
    CHECK(regia_csv_number("NA", '.', &v) == 0 && regia_csv_number("nan", ',', &v) == 0);
    CHECK(regia_csv_number("NaN", '.', &v) == 0 && isnan(v));
    CHECK(regia_csv_number("inf", '.', &v) == -1 && regia_csv_number("-inf", '.', &v) == -1);
    CHECK(regia_csv_number("0x10", '.', &v) == -1 && regia_csv_number("1e", '.', &v) == -1);
    CHECK(regia_csv_number("1e999", '.', &v) == -1 && regia_csv_number("abc", '.', &v) == -1);
    CHECK(regia_csv_number(".", '.', &v) == -1 && regia_csv_number("-", '.', &v) == -1);
    CHECK(regia_csv_number("1 2", '.', &v) == -1 && regia_csv_number("12abc", '.', &v) == -1);
}

static void test_rejects(void)
{
    regia_csv_rejects_t R, S;
    regia_csv_rejects_init(&R);
    regia_csv_rejects_init(&S);
    CHECK_OK(regia_csv_reject(&R, 1, 9, "bad date", "x,\"y\",z\r", 8));
    CHECK_OK(regia_csv_reject(&R, 0, 5, "unparseable number", "a,b", 3));
    CHECK_OK(regia_csv_reject(&R, 0, 3, "bad date", "q", 1));
    char big[2000];
    memset(big, 'a', sizeof big);
    memcpy(big + REGIA_CSV_REJECT_TEXT - 1, "\xc3\xa8", 2); /* a 2-byte character across the cut */
    CHECK_OK(regia_csv_reject(&R, 0, 4, "wrong field count", big, sizeof big));
    CHECK(R.n == 4 && R.nreason == 3);
    CHECK(regia_csv_rejects_count(&R, "bad date") == 2 && regia_csv_rejects_count(&R, "nope") == 0);
    CHECK(strlen(R.r[3].text) == REGIA_CSV_REJECT_TEXT - 1 + 3);
    CHECK(!strcmp(R.r[0].text, "x,\"y\",z"));
    /* pack, unpack, merge */
    char *pb;
    size_t pl;
    CHECK_OK(regia_csv_rejects_pack(&R, &pb, &pl));
    CHECK_OK(regia_csv_reject(&S, 0, 1, "unknown sensor", "s", 1));
    CHECK_OK(regia_csv_rejects_unpack(&S, pb, pl));
    CHECK(S.n == 5 && S.nreason == 4 && regia_csv_rejects_count(&S, "bad date") == 2);
    CHECK(regia_csv_rejects_unpack(&S, pb, pl - 1) == REGIA_ERR_INVALID);
    free(pb);
    regia_csv_rejects_free(&S);
    regia_csv_rejects_init(&S);
    CHECK_OK(regia_csv_rejects_merge(&S, &R));
    CHECK(S.n == 4 && regia_csv_rejects_count(&S, "wrong field count") == 1);
    regia_csv_rejects_free(&S);
    /* sorted by (file, line), formatted as CSV */
    regia_csv_rejects_sort(&R);
    CHECK(R.r[0].file == 0 && R.r[0].line == 3 && R.r[2].line == 5 && R.r[3].file == 1);
    const char *files[] = {"a.csv", "b,c.csv"};
    char *out;
    size_t len;
    CHECK_OK(regia_csv_rejects_format(&R, files, &out, &len));
    CHECK(len == strlen(out));
    const char *want = "file,line,reason,text\n\"a.csv\",3,bad date,\"q\"\n";
    CHECK_MSG(!strncmp(out, want, strlen(want)), "%s", out);
    CHECK_MSG(strstr(out, "\n\"b,c.csv\",9,bad date,\"x,\"\"y\"\",z\"\n") != NULL, "%s", out);
    free(out);
    regia_csv_rejects_free(&R);
    CHECK(R.n == 0 && R.r == NULL);
}

/* split f with regia_csv_name_units; 1 when it returns rc with the name and units given */
static int nu_is(const char *f, int rc, const char *name, const char *units)
{
    const char *n = (const char *)0x1, *u = (const char *)0x1;
    size_t nl = 999, ul = 999;
    int k = regia_csv_name_units(f, &n, &nl, &u, &ul);
    return k == rc && nl == strlen(name) && !memcmp(n, name, nl) && ul == strlen(units) && !memcmp(u, units, ul);
}

static void test_name_units(void)
{
    CHECK(nu_is("acc_x", 0, "acc_x", ""));                      /* plain name */
    CHECK(nu_is("  acc x\t", 0, "acc x", ""));                  /* trimmed, inner blank kept */
    CHECK(nu_is("", 0, "", ""));
    CHECK(nu_is("acc_x [m/s2]", 1, "acc_x", "m/s2"));           /* name with units */
    CHECK(nu_is("value[m s-1]", 1, "value", "m s-1"));          /* no blank before '[' */
    CHECK(nu_is(" t \t[ \tdegC ] \t", 1, "t", "degC"));         /* blanks around and inside trimmed */
    CHECK(nu_is("[m/s2]", 1, "", "m/s2"));                      /* empty name: the caller's error */
    CHECK(nu_is("  [ g ]", 1, "", "g"));
    CHECK(nu_is("acc [m/s2", -1, "acc", ""));                   /* unclosed */
    CHECK(nu_is("acc [", -1, "acc", ""));
    CHECK(nu_is("acc [m] x", -1, "acc", ""));                   /* text after ']' */
    CHECK(nu_is("acc [m] [s]", -1, "acc", ""));                 /* a second pair */
    CHECK(nu_is("acc [m]]", -1, "acc", ""));
    CHECK(nu_is("acc []", -1, "acc", ""));                      /* empty units */
    CHECK(nu_is("acc [  ]", -1, "acc", ""));
    CHECK(nu_is("acc [[m]]", -1, "acc", ""));                   /* nested bracket */
    CHECK(nu_is("acc [m [s]]", -1, "acc", ""));
    CHECK(nu_is("acc [m [s]", -1, "acc", ""));                  /* a second '[' inside */
    CHECK(nu_is("acc[1] [m]", -1, "acc", ""));                  /* a bracket in the name */
    CHECK(nu_is("acc ] [m]", -1, "acc", ""));                   /* ']' before '[' */
    CHECK(nu_is("acc]", -1, "acc", ""));
    CHECK(nu_is("acc ]m/s2]", -1, "acc", ""));
    CHECK(nu_is("acc [m\"s]", -1, "acc", ""));                  /* a quote inside */
    /* the field is read only up to its NUL and not modified */
    char buf[] = "ab [m]\0[x";
    CHECK(nu_is(buf, 1, "ab", "m") && !strcmp(buf, "ab [m]"));
}

int main(void)
{
    char work[256], *f[8];
    long bad;
    CHECK(split("a,b,c", f, work) == 3 && !strcmp(f[0], "a") && !strcmp(f[2], "c"));
    CHECK(split("a,,c\r", f, work) == 3 && !strcmp(f[1], "") && !strcmp(f[2], "c"));
    CHECK(split("", f, work) == 1 && !strcmp(f[0], ""));
    CHECK(split("x,", f, work) == 2 && !strcmp(f[1], ""));
    CHECK(split("1,\"(45.1, 9.2)\",z", f, work) == 3 && !strcmp(f[1], "(45.1, 9.2)") && !strcmp(f[2], "z"));
    CHECK(split("\"say \"\"hi\"\"\",2", f, work) == 2 && !strcmp(f[0], "say \"hi\""));
    CHECK(split("\"unterminated,2", f, work) == -1);
    CHECK(split("1,2,3,4,5,6,7,8,9", f, work) == -2);
    CHECK(split("µg/m³,ok", f, work) == 2 && !strcmp(f[0], "µg/m³"));
    CHECK(regia_csv_check_text("a,b\nµg/m³\n", strlen("a,b\nµg/m³\n"), "t", &bad) == REGIA_OK);
    CHECK(regia_csv_check_text("a\nb\xb0\n", 5, "t", &bad) == REGIA_ERR_PARSE && bad == 2);
    CHECK(strstr(regia_error_msg(), "not a text CSV") != NULL);
    CHECK(regia_csv_check_text("a\n\nb\0c", 6, "t", &bad) == REGIA_ERR_PARSE && bad == 3);
    CHECK(regia_csv_check_text("\xc3", 1, "t", &bad) == REGIA_ERR_PARSE);         /* truncated sequence */
    CHECK(regia_csv_check_text("\xc0\x80", 2, "t", &bad) == REGIA_ERR_PARSE);     /* overlong */
    CHECK(regia_csv_check_text("\xf0\x9f\x98\x80", 4, "t", &bad) == REGIA_OK);    /* 4-byte */
    test_lines();
    test_header();
    test_numbers();
    test_rejects();
    test_name_units();
    return check_done();
}
