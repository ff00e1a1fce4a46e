/* regia/timeutil.h - proleptic Gregorian calendar arithmetic and date parsing.
 * Times are seconds since 1970-01-01 00:00:00 (no leap seconds); days are days since
 * 1970-01-01.  Pure functions, thread-safe, host only. */
#ifndef REGIA_TIMEUTIL_H
#define REGIA_TIMEUTIL_H

#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

int64_t regia_days_from_civil(int y, int m, int d);

/* The times a sensor trace may hold, in seconds since 1970: 1900-01-01 to 2262-01-01
 * (exclusive).  Traces count int64 nanoseconds, which end at 2262-04-11; a date beyond
 * these years in an export is an error, not a wrapped time. */
#define REGIA_TRACE_TIME_MIN_S (-2208988800LL)
#define REGIA_TRACE_TIME_MAX_S 9214646400LL
void regia_civil_from_days(int64_t days, int *y, int *m, int *d);
int regia_days_in_month(int y, int m);
int regia_is_leap(int y);
/* floor division that rounds towards minus infinity (for negative times) */
int64_t regia_floordiv(int64_t a, int64_t b);

/* Parse a date or date-time, accepting
 *   ISO 8601: 2023-01-31, 2023-01-31T13:00, 2023-01-31T13:00:00, 2023-01-31 13:00:00
 *             (a trailing Z is accepted; other offsets are refused),
 *   Socrata exports (Open Data Lombardia): 01/31/2023 01:00:00 PM  (month/day/year, 12 h).
 * Leading/trailing blanks are ignored.  On error the message quotes the text. */
regia_status_t regia_parse_datetime(const char *s, int64_t *seconds);
/* Format as ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" (buf >= 21 bytes) or "YYYY-MM-DD" (>= 11). */
void regia_format_datetime(int64_t seconds, char *buf, int len);
void regia_format_date(int64_t days, char *buf, int len);

#ifdef __cplusplus
}
#endif
#endif
