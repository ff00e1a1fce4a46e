/* test_csv.c - the CSV line splitter and text checks (io/csv.c). */
#include <string.h>

#include "check.h"
#include "regia/csv.h"

static int split(const char *s, char **f, char *work)
{
    return regia_csv_split(s, strlen(s), work, f, 8);
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
    return check_done();
}
