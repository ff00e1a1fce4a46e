/* test_ingest_wl_dates.c - the dates and times of booking exports (drivers/ingest_wl_parse.c:
 * wli_parse_time) and the code sets of the ingest.
 *
 * Expected instants are worked out by hand from the EU summer-time rule: Europe/Rome is
 * UTC+1 in winter and UTC+2 from 01:00 UTC of the last Sunday of March (2024-03-31) to
 * 01:00 UTC of the last Sunday of October (2024-10-27); timegm-style seconds are computed
 * with days_from_civil below, written out here, not with the code under test. */
#include <string.h>

#include "check.h"
#include "../../drivers/ingest_wl_impl.h"

/* days from 1970-01-01 (Howard Hinnant's algorithm, written out for the test) */
static long long days(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400, doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}
static long long utc(int y, int mo, int d, int h, int mi, int s)
{
    return days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void ok(const char *s, int order, long long want)
{
    int64_t t = 0;
    int k = wli_parse_time(s, order, &t);
    CHECK_MSG(k == 0 && t == want, "'%s' (order %d): status %d, t = %lld, expected %lld", s, order, k, (long long)t,
              want);
}

static void bad(const char *s, int order, int want)
{
    int64_t t = 12345;
    int k = wli_parse_time(s, order, &t);
    CHECK_MSG(k == want, "'%s' (order %d): status %d, expected %d", s, order, k, want);
}

int main(void)
{
    /* dd/mm/yyyy (default), winter: UTC+1 */
    ok("04/03/2024 09:15", WLI_DMY, utc(2024, 3, 4, 8, 15, 0));
    ok("4/3/2024 09:15", WLI_DMY, utc(2024, 3, 4, 8, 15, 0));
    ok("04-03-2024 09:15:30", WLI_DMY, utc(2024, 3, 4, 8, 15, 30));
    ok("04.03.2024", WLI_DMY, utc(2024, 3, 3, 23, 0, 0)); /* a date: 00:00 in Rome */
    ok("  04/03/2024  ", WLI_DMY, utc(2024, 3, 3, 23, 0, 0));
    /* summer: UTC+2; the switch days */
    ok("09/08/2024 09:07", WLI_DMY, utc(2024, 8, 9, 7, 7, 0));
    ok("31/03/2024 01:59", WLI_DMY, utc(2024, 3, 31, 0, 59, 0));
    ok("31/03/2024 03:00", WLI_DMY, utc(2024, 3, 31, 1, 0, 0));
    ok("27/10/2024 03:00", WLI_DMY, utc(2024, 10, 27, 2, 0, 0));
    ok("27/10/2024 01:30", WLI_DMY, utc(2024, 10, 26, 23, 30, 0));
    /* mm/dd/yyyy only when stated */
    ok("03/04/2024 09:15", WLI_MDY, utc(2024, 3, 4, 8, 15, 0));
    ok("12/31/2024", WLI_MDY, utc(2024, 12, 30, 23, 0, 0));
    /* ISO is unambiguous: accepted under every order; a zone is taken as given */
    for (int o = WLI_DMY; o <= WLI_ISO; o++) {
        ok("2024-03-04 09:15", o, utc(2024, 3, 4, 8, 15, 0));
        ok("2024-03-04T09:15:30", o, utc(2024, 3, 4, 8, 15, 30));
        ok("2024-08-09", o, utc(2024, 8, 8, 22, 0, 0));
        ok("2024-03-04T09:15Z", o, utc(2024, 3, 4, 9, 15, 0));
        ok("2024-03-04T09:15:00+01:00", o, utc(2024, 3, 4, 8, 15, 0));
        ok("2024-03-04T09:15:00-0500", o, utc(2024, 3, 4, 14, 15, 0));
        ok("2024-03-04T09:15:00.250Z", o, utc(2024, 3, 4, 9, 15, 0));
    }
    ok("29/02/2024", WLI_DMY, utc(2024, 2, 28, 23, 0, 0));
    /* dates that contradict the order: never guessed (2) */
    bad("01/13/2024 09:00", WLI_DMY, 2); /* month 13: an mm/dd export read as dd/mm */
    bad("13/01/2024", WLI_MDY, 2);
    bad("04/03/2024", WLI_ISO, 2);
    /* not dates (1) */
    bad("32/01/2024", WLI_DMY, 1);
    bad("13/13/2024", WLI_DMY, 1);
    bad("29/02/2023", WLI_DMY, 1);
    bad("04/03/24", WLI_DMY, 1);
    bad("04/03-2024", WLI_DMY, 1);
    bad("2024-3-4", WLI_DMY, 1);
    bad("2024-03-04 25:00", WLI_DMY, 1);
    bad("2024-03-04 09:60", WLI_DMY, 1);
    bad("04/03/2024 9", WLI_DMY, 1);
    bad("04/03/2024 09:15 x", WLI_DMY, 1);
    bad("2024-03-04T09:15+15:00", WLI_DMY, 1);
    bad("yesterday", WLI_DMY, 1);
    /* empty (3) */
    bad("", WLI_DMY, 3);
    bad("   ", WLI_DMY, 3);

    /* code sets: interning, look-up, growth past the first table */
    wli_codes_t c;
    memset(&c, 0, sizeof c);
    char s[32];
    int okall = 1;
    for (int i = 0; i < 5000; i++) {
        snprintf(s, sizeof s, "AG%05d", i);
        okall &= wli_codes_add(&c, s) == i;
    }
    CHECK(okall && c.n == 5000);
    CHECK(wli_codes_add(&c, "AG00042") == 42 && c.n == 5000);
    CHECK(wli_codes_find(&c, "AG04999") == 4999 && wli_codes_find(&c, "AG5000") == -1);
    wli_codes_free(&c);
    CHECK(wli_codes_find(&c, "AG00001") == -1);

    /* the owner of a prescription: from its pseudonym's first 8 bytes, in range */
    uint8_t rx[32] = {0};
    rx[7] = 5;
    CHECK(wli_rx_owner(rx, 3) == 2 && wli_rx_owner(rx, 1) == 0);
    return check_done();
}
