/* test_timeutil.c - calendar arithmetic and date parsing (runtime/timeutil.c).
 *
 * Expected values come from an independent day-by-day walk of the Gregorian calendar
 * written here (month lengths and the leap rule spelled out), and from anchors worked
 * out by hand: 1900-01-01 is 25567 days before 1970-01-01 (70 years, 17 leap days), etc. */
#include <string.h>

#include "check.h"
#include "regia/timeutil.h"

static int64_t parse_ok(const char *s)
{
    int64_t t = INT64_MIN;
    regia_status_t st = regia_parse_datetime(s, &t);
    CHECK_MSG(st == REGIA_OK, "'%s' refused: %s", s, regia_error_msg());
    return t;
}

/* The text must be refused with a message that quotes it and contains `why`. */
static void parse_bad(const char *s, const char *why)
{
    int64_t t = 12345;
    regia_status_t st = regia_parse_datetime(s, &t);
    CHECK_MSG(st == REGIA_ERR_PARSE, "'%s' accepted (t = %lld)", s, (long long)t);
    if (st == REGIA_OK) return;
    const char *msg = regia_error_msg();
    char quoted[80];
    snprintf(quoted, sizeof quoted, "'%.40s'", s);
    CHECK_MSG(strstr(msg, quoted) != NULL, "message for '%s' does not quote it: %s", s, msg);
    CHECK_MSG(strstr(msg, why) != NULL, "message for '%s' lacks '%s': %s", s, why, msg);
    CHECK_MSG(t == 12345, "'%s': output written on error", s);
}

#define DAY 86400LL
#define HOUR 3600LL

int main(void)
{
    /* --- leap years and month lengths ------------------------------------------------- */
    CHECK(regia_is_leap(2000) && regia_is_leap(2024) && regia_is_leap(1904) && regia_is_leap(2096));
    CHECK(!regia_is_leap(1900) && !regia_is_leap(2100) && !regia_is_leap(2023) && !regia_is_leap(2001));
    CHECK(regia_days_in_month(1900, 2) == 28 && regia_days_in_month(2000, 2) == 29);
    CHECK(regia_days_in_month(2023, 2) == 28 && regia_days_in_month(2024, 2) == 29);
    CHECK(regia_days_in_month(2023, 1) == 31 && regia_days_in_month(2023, 4) == 30);
    CHECK(regia_days_in_month(2023, 12) == 31 && regia_days_in_month(2023, 11) == 30);

    /* --- anchors ------------------------------------------------------------------------ */
    CHECK(regia_days_from_civil(1970, 1, 1) == 0);
    CHECK(regia_days_from_civil(1969, 12, 31) == -1);
    CHECK(regia_days_from_civil(1971, 1, 1) == 365);
    CHECK(regia_days_from_civil(1973, 1, 1) == 365 + 365 + 366); /* 1972 is leap */
    CHECK(regia_days_from_civil(1900, 1, 1) == -25567);          /* 70*365 + 17 leap days */
    CHECK(regia_days_from_civil(1900, 3, 1) == -25567 + 31 + 28); /* 1900 is not leap */
    CHECK(regia_days_from_civil(2000, 2, 29) == 11016);
    CHECK(regia_days_from_civil(2000, 3, 1) == 11017);
    CHECK(regia_days_from_civil(2024, 2, 29) == 19782);
    CHECK(regia_days_from_civil(2023, 1, 31) == 19388);

    /* --- round trip over 1900..2100 against an independent calendar walk ---------------- */
    {
        static const int ml[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y = 1900, m = 1, d = 1, bad = 0, feb29 = 0;
        int64_t n = regia_days_from_civil(1900, 1, 1), count = 0;
        for (;;) {
            int yy = 0, mm = 0, dd = 0;
            regia_civil_from_days(n, &yy, &mm, &dd);
            if (yy != y || mm != m || dd != d || regia_days_from_civil(y, m, d) != n) {
                if (bad++ < 5)
                    fprintf(stderr, "day %lld: walk %04d-%02d-%02d, civil_from_days %04d-%02d-%02d, "
                                    "days_from_civil %lld\n", (long long)n, y, m, d, yy, mm, dd,
                            (long long)regia_days_from_civil(y, m, d));
            }
            if (m == 2 && d == 29) feb29++;
            count++;
            if (y == 2100 && m == 12 && d == 31) break;
            int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            int len = ml[m - 1] + (m == 2 && leap);
            if (++d > len) { d = 1; if (++m > 12) { m = 1; y++; } }
            n++;
        }
        CHECK_MSG(bad == 0, "%d days disagree between the walk and the library", bad);
        CHECK(count == 73414);             /* 201 years: 201*365 + 49 leap days */
        CHECK(feb29 == 49);                /* 1904..2096 every 4 years, 1900 and 2100 not */
        CHECK(n == 47846);                 /* 2100-12-31 */
    }

    /* --- floor division ------------------------------------------------------------------- */
    CHECK(regia_floordiv(23, 24) == 0 && regia_floordiv(24, 24) == 1);
    CHECK(regia_floordiv(-1, 24) == -1 && regia_floordiv(-24, 24) == -1 && regia_floordiv(-25, 24) == -2);
    CHECK(regia_floordiv(0, 7) == 0 && regia_floordiv(-7, 7) == -1 && regia_floordiv(-8, 7) == -2);

    /* --- ISO 8601 ----------------------------------------------------------------------- */
    const int64_t jan31 = 19388 * DAY;
    CHECK(parse_ok("2023-01-31") == jan31);
    CHECK(parse_ok("2023-01-31T13:00") == jan31 + 13 * HOUR);
    CHECK(parse_ok("2023-01-31T13:00:05") == jan31 + 13 * HOUR + 5);
    CHECK(parse_ok("2023-01-31 13:00:00") == jan31 + 13 * HOUR);
    CHECK(parse_ok("2023-01-31T13:00:00Z") == 1675170000LL);
    CHECK(parse_ok("2023-01-31T13:00Z") == jan31 + 13 * HOUR);
    CHECK(parse_ok("2023-01-31T13:00:05.75Z") == jan31 + 13 * HOUR + 5); /* fraction dropped */
    CHECK(parse_ok("  2023-01-31T23:59:59  ") == jan31 + DAY - 1);
    CHECK(parse_ok("2023-01-31T24:00") == jan31 + DAY);                /* end of the day */
    CHECK(parse_ok("2024-02-29") == 19782 * DAY);
    CHECK(parse_ok("1969-12-31T23:00:00Z") == -HOUR);
    CHECK(parse_ok("1900-01-01") == -25567 * DAY);
    parse_bad("2023-01-31T13:00:00+01:00", "time-zone offsets are not supported");
    parse_bad("2023-01-31T13:00-05:00", "time-zone offsets are not supported");
    parse_bad("2023-02-29", "day out of range");
    parse_bad("1900-02-29", "day out of range");
    parse_bad("2023-04-31", "day out of range");
    parse_bad("2023-13-01", "month out of range");
    parse_bad("2023-00-10", "month out of range");
    parse_bad("2023-01-00", "day out of range");
    parse_bad("2023-1-31", "expected YYYY-MM-DD");
    parse_bad("2023-01-31T25:00", "hour out of range");
    parse_bad("2023-01-31T24:01", "hour out of range");
    parse_bad("2023-01-31T12:60", "minutes or seconds out of range");
    parse_bad("2023-01-31T12:00:61", "minutes or seconds out of range");
    parse_bad("2023-01-31T1", "expected hh:mm");
    parse_bad("2023-01-31x", "unexpected characters");
    parse_bad("2023-01-31T12:00:00ZZ", "unexpected characters");
    parse_bad("garbage", "expected YYYY-MM-DD");
    parse_bad("", "expected YYYY-MM-DD");
    parse_bad("31.01.2023", "expected YYYY-MM-DD");

    /* --- Socrata (Open Data Lombardia): MM/DD/YYYY hh:mm:ss AM|PM ------------------------ */
    CHECK(parse_ok("01/31/2023 01:00:00 PM") == jan31 + 13 * HOUR);
    CHECK(parse_ok("01/31/2023 01:00:00 AM") == jan31 + 1 * HOUR);
    CHECK(parse_ok("01/31/2023 12:00:00 AM") == jan31);                 /* midnight */
    CHECK(parse_ok("01/31/2023 12:59:59 AM") == jan31 + 59 * 60 + 59);  /* still hour 0 */
    CHECK(parse_ok("01/31/2023 12:00:00 PM") == jan31 + 12 * HOUR);     /* noon */
    CHECK(parse_ok("01/31/2023 12:30:00 PM") == jan31 + 12 * HOUR + 1800);
    CHECK(parse_ok("01/31/2023 11:00:00 AM") == jan31 + 11 * HOUR);
    CHECK(parse_ok("01/31/2023 11:00:00 PM") == jan31 + 23 * HOUR);
    CHECK(parse_ok("12/31/2022 11:00:00 PM") == jan31 - 31 * DAY + 23 * HOUR);
    CHECK(parse_ok("02/29/2024 06:15:00 AM") == 19782 * DAY + 6 * HOUR + 15 * 60);
    CHECK(parse_ok("01/31/2023") == jan31);
    CHECK(parse_ok("01/31/2023 01:00:00  PM") == jan31 + 13 * HOUR);
    parse_bad("01/31/2023 13:00:00 PM", "hour out of range for a 12-hour clock");
    parse_bad("01/31/2023 00:30:00 AM", "hour out of range for a 12-hour clock");
    parse_bad("01/31/2023 01:00:00", "expected AM or PM");
    parse_bad("01/31/2023 01:00:00 pm", "expected AM or PM");
    parse_bad("01/31/2023 01:00 PM", "expected hh:mm:ss");
    parse_bad("13/45/2023 01:00:00 AM", "month out of range");
    parse_bad("02/29/2023 01:00:00 AM", "day out of range");
    parse_bad("01/32/2023 01:00:00 AM", "day out of range");
    parse_bad("01/31/23 01:00:00 AM", "expected MM/DD/YYYY");
    parse_bad("01/31/2023 01:00:00 PMx", "unexpected characters");
    parse_bad("01/31/2023 01:61:00 PM", "minutes or seconds out of range");

    /* --- formatting ------------------------------------------------------------------------ */
    char buf[32];
    regia_format_datetime(jan31 + 13 * HOUR + 5, buf, sizeof buf);
    CHECK_MSG(!strcmp(buf, "2023-01-31T13:00:05Z"), "%s", buf);
    regia_format_datetime(-HOUR, buf, sizeof buf);
    CHECK_MSG(!strcmp(buf, "1969-12-31T23:00:00Z"), "%s", buf);
    regia_format_datetime(-25567 * DAY, buf, sizeof buf);
    CHECK_MSG(!strcmp(buf, "1900-01-01T00:00:00Z"), "%s", buf);
    regia_format_date(19782, buf, sizeof buf);
    CHECK_MSG(!strcmp(buf, "2024-02-29"), "%s", buf);
    regia_format_date(-1, buf, sizeof buf);
    CHECK_MSG(!strcmp(buf, "1969-12-31"), "%s", buf);
    /* parse(format(t)) == t for a spread of times, negative ones included */
    for (int64_t t = -25567 * DAY; t < 47847 * DAY; t += 7919 * 60 + 13) {
        regia_format_datetime(t, buf, sizeof buf);
        int64_t back = INT64_MIN;
        if (regia_parse_datetime(buf, &back) != REGIA_OK || back != t) {
            CHECK_MSG(0, "round trip of %lld via '%s' gave %lld", (long long)t, buf, (long long)back);
            break;
        }
    }
    return check_done();
}
