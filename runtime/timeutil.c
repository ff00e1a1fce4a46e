/* Calendar arithmetic (H. Hinnant's days_from_civil) and date parsing. */
#include "regia/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int64_t regia_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t regia_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void regia_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

int regia_is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int regia_days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && regia_is_leap(y) ? 29 : dm[m - 1];
}

/* Read exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return 0;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

static regia_status_t bad(const char *s, const char *why)
{
    return REGIA_FAIL(REGIA_ERR_PARSE, "bad date '%.40s': %s", s, why);
}

regia_status_t regia_parse_datetime(const char *s, int64_t *seconds)
{
    const char *p = s;
    while (*p == ' ' || *p == '\t') p++;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == '/') {
        /* Socrata: MM/DD/YYYY hh:mm:ss AM|PM */
        if (!digits(&p, 2, &mo) || *p++ != '/' || !digits(&p, 2, &d) || *p++ != '/' || !digits(&p, 4, &y))
            return bad(s, "expected MM/DD/YYYY");
        if (*p == ' ') {
            p++;
            if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' || !digits(&p, 2, &se))
                return bad(s, "expected hh:mm:ss after the date");
            while (*p == ' ') p++;
            int pm;
            if (strncmp(p, "AM", 2) == 0) pm = 0;
            else if (strncmp(p, "PM", 2) == 0) pm = 1;
            else return bad(s, "expected AM or PM");
            p += 2;
            if (h < 1 || h > 12) return bad(s, "hour out of range for a 12-hour clock");
            h = (h % 12) + (pm ? 12 : 0);
        }
    } else {
        if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d))
            return bad(s, "expected YYYY-MM-DD or MM/DD/YYYY hh:mm:ss AM");
        if (*p == 'T' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
            p++;
            if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi)) return bad(s, "expected hh:mm");
            if (*p == ':' && !(p++, digits(&p, 2, &se))) return bad(s, "expected hh:mm:ss");
            if (*p == '.') { p++; while (isdigit((unsigned char)*p)) p++; }
            if (*p == 'Z') p++;
            else if (*p == '+' || *p == '-') return bad(s, "time-zone offsets are not supported; give UTC");
        }
        if (h == 24 && mi == 0 && se == 0) { /* 24:00 is the end of the day */ }
        else if (h > 23) return bad(s, "hour out of range");
    }
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (*p) return bad(s, "unexpected characters after the date");
    if (mo < 1 || mo > 12) return bad(s, "month out of range");
    if (d < 1 || d > regia_days_in_month(y, mo)) return bad(s, "day out of range for the month");
    if (mi > 59 || se > 59) return bad(s, "minutes or seconds out of range");
    *seconds = regia_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return REGIA_OK;
}

void regia_format_datetime(int64_t t, char *buf, int len)
{
    int64_t days = regia_floordiv(t, 86400), sod = t - days * 86400;
    int y, m, d;
    regia_civil_from_days(days, &y, &m, &d);
    snprintf(buf, (size_t)len, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60));
}

void regia_format_date(int64_t days, char *buf, int len)
{
    int y, m, d;
    regia_civil_from_days(days, &y, &m, &d);
    snprintf(buf, (size_t)len, "%04d-%02d-%02d", y, m, d);
}
