/* regia/table.h - summary tables people open in a spreadsheet (issue 12): CSV in UTF-8 with a
 * byte-order mark (so that Excel reads accents in station and place names), one header row,
 * comma separators, '.' decimals, RFC 4180 quoting, CRLF line ends, ISO 8601 dates, empty
 * cells for missing values.  pandas, R, GDAL and LibreOffice read it as it is.
 *
 * The table is written under PATH.tmp and renamed to PATH by regia_table_close, so a
 * reader never sees half a table.  Not collective, no MPI; one table per caller.
 */
#ifndef REGIA_TABLE_H
#define REGIA_TABLE_H

#include <stddef.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct regia_table regia_table_t;

/* Create PATH (under PATH.tmp until closed) with the header row `columns` (ncol names).
 * *t is the caller's: end it with regia_table_close (keeps the file) or regia_table_abort. */
regia_status_t regia_table_open(regia_table_t **t, const char *path, const char *const *columns, int ncol);

/* The next cell of the current row.  str: NULL or "" is an empty cell; quoted when it holds
 * a comma, quote, CR or LF.  num: NaN or +-Inf is an empty cell; `decimals` digits after
 * the point (a negative value: up to 6 significant digits, %g).  date: days since
 * 1970-01-01 as YYYY-MM-DD (NaN: empty). */
void regia_table_str(regia_table_t *t, const char *s);
void regia_table_num(regia_table_t *t, double v, int decimals);
void regia_table_int(regia_table_t *t, long long v);
void regia_table_date(regia_table_t *t, double days_since_1970);

/* End the row; an error (naming the table and row) when it does not have ncol cells. */
regia_status_t regia_table_end_row(regia_table_t *t);

/* Flush and rename PATH.tmp to PATH; on any write error the temporary file is removed and
 * the error names the file.  Frees t (also on error). */
regia_status_t regia_table_close(regia_table_t *t);

/* Remove the temporary file and free t (t may be NULL). */
void regia_table_abort(regia_table_t *t);

#ifdef __cplusplus
}
#endif

#endif
