/* regia/csv.h - a robust CSV line splitter (RFC 4180 subset) and text checks.
 * Host only, not collective, thread-safe. */
#ifndef REGIA_CSV_H
#define REGIA_CSV_H

#include <stddef.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define REGIA_CSV_MAX_LINE (64 * 1024)

/* Check that buf[0..len) is text: no NUL byte, valid UTF-8.  On failure *bad_line (1-based)
 * is the offending line and REGIA_ERR_PARSE is returned with "not a text CSV" in the
 * message, naming `name`. */
regia_status_t regia_csv_check_text(const char *buf, size_t len, const char *name, long *bad_line);

/* Split one line (without its newline; a trailing CR is dropped) into at most maxf fields.
 * Fields are written, unquoted ("" -> "), NUL-terminated, into `work` (>= len + maxf bytes);
 * field[i] points into work.  Returns the number of fields, or -1 on an unterminated quote,
 * -2 when the line has more than maxf fields. */
int regia_csv_split(const char *line, size_t len, char *work, char **field, int maxf);

#ifdef __cplusplus
}
#endif
#endif
