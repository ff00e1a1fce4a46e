/* regia/csv.h - the CSV pieces every ingest path shares: a line reader (line numbers, BOM,
 * CRLF, maximum line length), a field splitter (RFC 4180 subset, separator ',' ';' or TAB),
 * a header map (trimmed, case-insensitive names, duplicates and wrong separators reported),
 * field-count checks, a number parser that takes the file's decimal mark, and a rejects
 * collector (line, reason, raw text) written out as a rejects CSV.
 *
 * Host only, not collective, no global state: thread-safe on distinct objects.  Errors are
 * returned as a regia_status_t with a message naming the file and the line ("NAME: line N:
 * ...", N counted from 1 at the first line of the file).
 *
 * A typical reader (whole file, or one rank's byte range starting at a line start):
 *
 *     regia_csv_lines_t L;  regia_csv_header_t H;  regia_csv_fields_t F;
 *     regia_csv_lines_init(&L, "in.csv", buf, len, 1, 1, 0);
 *     REGIA_TRY(regia_csv_lines_next(&L, &got));              // line 1: the header
 *     REGIA_TRY(regia_csv_header_parse(&H, "in.csv", L.text, L.n, 0));   // detect separator
 *     int c_id = regia_csv_header_col(&H, "series_id");
 *     REGIA_TRY(regia_csv_fields_init(&F, 0, 0));
 *     for (;;) {
 *         REGIA_TRY(regia_csv_lines_next(&L, &got));
 *         if (!got) break;
 *         if (L.n == 0) continue;                             // blank line
 *         int nf = regia_csv_fields_split(&F, L.text, L.n, H.sep);
 *         if (regia_csv_check_fields(&H, "in.csv", L.line, nf) != REGIA_OK) ...reject or fail
 *         double v;  int k = regia_csv_number(F.field[c_v], H.decimal, &v);
 *     }
 */
#ifndef REGIA_CSV_H
#define REGIA_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "regia/status.h"
#include "regia/log.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default longest line accepted (bytes, without the newline). */
#define REGIA_CSV_MAX_LINE (64 * 1024)
/* Default most fields per line. */
#define REGIA_CSV_MAX_FIELDS 256
/* Raw text kept per rejected line (bytes; longer lines are cut at a UTF-8 boundary and
 * end with "..."). */
#define REGIA_CSV_REJECT_TEXT 512

/* Check that buf[0..len) is text: no NUL byte, valid UTF-8.  On failure *bad_line (1-based)
 * is the offending line and REGIA_ERR_PARSE is returned with "not a text CSV" in the
 * message, naming `name`. */
regia_status_t regia_csv_check_text(const char *buf, size_t len, const char *name, long *bad_line);

/* The same for one rank's byte range: checks the characters that start in buf[from..to)
 * (a character may continue up to buf[len)), skipping at buf[from] the continuation bytes
 * of a character that starts in the up to 3 bytes before `from` (checked by the range
 * before).  Line numbers count from first_line at buf[from].  Ranges that tile a file give
 * together the same first error as regia_csv_check_text on the whole file. */
regia_status_t regia_csv_check_text_range(const char *buf, size_t len, size_t from, size_t to, const char *name,
                                          int64_t first_line, int64_t *bad_line);

/* Split one line (without its newline; a trailing CR is dropped) into at most maxf fields
 * separated by ','.  Fields are written, unquoted ("" -> "), NUL-terminated, into `work`
 * (>= len + maxf bytes); field[i] points into work.  Returns the number of fields, or -1
 * on an unterminated quote, -2 when the line has more than maxf fields. */
int regia_csv_split(const char *line, size_t len, char *work, char **field, int maxf);

/* The same with the separator `sep` (',', ';', '\t' or any byte other than '"'). */
int regia_csv_split_sep(const char *line, size_t len, char sep, char *work, char **field, int maxf);

/* ---- line reader --------------------------------------------------------------------
 * Iterates the lines of buf[0..len): a whole file, or a byte range that starts at the
 * start of a line.  Lines end at '\n'; a '\r' before it is dropped; the last line may
 * lack its newline.  A UTF-8 byte-order mark is skipped on the first line when the buffer
 * starts at the start of the file.  The buffer is not copied: keep it alive while reading.
 * Fields are public and read-only for callers. */
typedef struct {
    const char *name;   /* file name used in messages                                     */
    const char *buf;
    size_t len, pos;    /* pos: offset of the next line in buf                             */
    size_t max_line;    /* longest line accepted (bytes, without newline/CR)              */
    int at_file_start;  /* buf[0] is the first byte of the file (BOM check on line 1)     */
    int64_t line;       /* number of the current line (first_line for the first one)      */
    /* the current line, set by regia_csv_lines_next */
    const char *text;   /* points into buf: no newline, no trailing CR, no BOM             */
    size_t n;           /* its length; 0 for a blank line                                  */
    size_t off;         /* offset of the line's first byte in buf (before a BOM)           */
    size_t raw_n;       /* bytes of the line in buf, without the newline                   */
} regia_csv_lines_t;

/* Set up L over buf[0..len).  first_line is the number of the buffer's first line (1 for a
 * whole file; a rank's global first line for a byte range).  at_file_start: 1 when buf[0] is
 * the file's first byte.  max_line 0 means REGIA_CSV_MAX_LINE.  name is kept (not copied). */
void regia_csv_lines_init(regia_csv_lines_t *L, const char *name, const char *buf, size_t len,
                          int64_t first_line, int at_file_start, size_t max_line);

/* Advance to the next line.  *got = 1 and L->text, L->n, L->line set; *got = 0 at the end of
 * the buffer (L unchanged).  A line longer than L->max_line is REGIA_ERR_PARSE ("NAME: line
 * N is longer than M bytes ..."); L->line then names that line and L->pos is past it, so a
 * caller that collects rejects may go on. */
regia_status_t regia_csv_lines_next(regia_csv_lines_t *L, int *got);

/* ---- byte ranges ------------------------------------------------------------------------
 * A callback gets each line of a range: text (no newline, CR or BOM; not NUL-terminated),
 * its length, its number (0 = the range's first line) and its file offset; it sets *stop
 * to end the range early.  A status other than REGIA_OK ends the range with that status. */
typedef regia_status_t (*regia_csv_line_fn)(void *arg, const char *text, size_t n, int64_t line, int64_t off,
                                            int *stop);

/* Not collective.  Read the lines of [a, b) of the open file fd (a and b at line starts)
 * in blocks of `block` bytes and pass each to fn.  prog (may be NULL) counts the bytes
 * read; wipe = 1 clears the buffer before it is freed (raw identifiers).  *nlines: the
 * lines handled before the end or the stop; *long_line: the number of a line longer than
 * max_line bytes, which ended the range (-1 when none). */
regia_status_t regia_csv_range(int fd, const char *path, int64_t a, int64_t b, size_t block, size_t max_line,
                               regia_progress_t *prog, int wipe, regia_csv_line_fn fn, void *arg,
                               int64_t *nlines, int64_t *long_line);

/* ---- fields ---------------------------------------------------------------------------
 * Scratch space for splitting lines of up to max_line bytes into up to maxf fields. */
typedef struct {
    char **field;       /* field[0..nf) after a split: NUL-terminated, unquoted, untrimmed */
    int nf;             /* result of the last split (as regia_csv_split_sep)               */
    int maxf;
    size_t max_line;
    char *work;
} regia_csv_fields_t;

/* Allocate F for lines up to max_line bytes (0: REGIA_CSV_MAX_LINE) and maxf fields
 * (0: REGIA_CSV_MAX_FIELDS).  REGIA_ERR_NOMEM on failure. */
regia_status_t regia_csv_fields_init(regia_csv_fields_t *F, int maxf, size_t max_line);
/* Split text[0..n) (n <= F->max_line) with sep.  Returns F->nf: the field count, -1 on an
 * unterminated quote, -2 when there are more than F->maxf fields. */
int regia_csv_fields_split(regia_csv_fields_t *F, const char *text, size_t n, char sep);
void regia_csv_fields_free(regia_csv_fields_t *F);

/* Trim blanks (' ', '\t') at both ends of a NUL-terminated field in place; returns s moved
 * past the leading blanks. */
char *regia_csv_trim(char *s);

/* Split a header field "NAME [UNITS]" (not modified; blanks are ' ' and '\t').  Returns
 *    1  the field ends in one bracket pair: *name, *name_len the text before '[' and *units,
 *       *units_len the text inside the brackets, both trimmed of blanks; units non-empty, the
 *       name may be empty ("[m]": the caller says that it lacks a name);
 *    0  no bracket at all: *name the whole field trimmed, *units_len 0;
 *   -1  malformed: an unclosed '[', a ']' before any '[', text after the ']' (a second pair
 *       too), empty units, or a second '[' or a '"' inside the brackets; *name, *name_len then
 *       the trimmed text before the first bracket (to name the column in a message), *units_len 0.
 * Every caller's own rules (units required or optional, which units, lengths) stay its own. */
int regia_csv_name_units(const char *field, const char **name, size_t *name_len, const char **units,
                         size_t *units_len);

/* ---- separators and the header --------------------------------------------------------- */

/* The separator of a header line: the one of ',', ';', '\t' that occurs most often outside
 * quotes (ties: ',' before ';' before '\t'); ',' when none occurs (one column). */
char regia_csv_detect_sep(const char *text, size_t n);

/* The header map: column names trimmed (blanks and a BOM removed), looked up without case. */
typedef struct {
    int n;              /* columns                                                       */
    char **name;        /* n names (trimmed; "" for an unnamed column)                    */
    char sep;           /* the separator of the file                                      */
    char decimal;       /* decimal mark of numbers: ',' when sep is ';', else '.'          */
    char *pool;
} regia_csv_header_t;

/* Parse header line text[0..n) of file `name` (line 1).  sep: ',', ';', '\t', or 0 to detect
 * it (regia_csv_detect_sep).  Errors (REGIA_ERR_PARSE, H left empty):
 *   - an unterminated quote or more than REGIA_CSV_MAX_FIELDS columns;
 *   - one column that contains another separator: "NAME: line 1: the header has one column
 *     but contains ';': the file is separated by ';', not ','";
 *   - a name given twice: "NAME: line 1: column 'x' appears twice (columns 2 and 5)".
 * Empty names are allowed (a trailing separator) and never duplicates.  REGIA_ERR_NOMEM. */
regia_status_t regia_csv_header_parse(regia_csv_header_t *H, const char *name, const char *text, size_t n,
                                      char sep);
/* Index of the column `col` (case-insensitive, blanks around col ignored), or -1. */
int regia_csv_header_col(const regia_csv_header_t *H, const char *col);
/* The names joined with H->sep ("series_id,time,value"), cut to fit buf (cap >= 1). */
void regia_csv_header_join(const regia_csv_header_t *H, char *buf, size_t cap);
void regia_csv_header_free(regia_csv_header_t *H);

/* Field count check of a data line: OK when nf == H->n; otherwise REGIA_ERR_PARSE with
 * "NAME: line N: K fields, expected M as in the header (a,b,c)", "NAME: line N: unterminated
 * quote" (nf == -1) or "... more than MAXF fields ..." (nf == -2). */
regia_status_t regia_csv_check_fields(const regia_csv_header_t *H, const char *name, int64_t line, int nf);

/* ---- numbers --------------------------------------------------------------------------- */

/* Parse a decimal number: optional sign, digits with one decimal mark, optional exponent,
 * blanks around it ignored.  decimal '.': "62.6".  decimal ',': "62,6" and also "62.6" (one
 * mark of either kind; thousands separators such as "1.234,5" are refused).  Hex, inf and
 * nan spellings are not numbers.  Returns 1 with *v set for a finite number; 0 with *v = NaN
 * for a missing value (empty field, "NA", "NaN" in any case); -1 otherwise (*v = NaN). */
int regia_csv_number(const char *s, char decimal, double *v);

/* ---- rejects ---------------------------------------------------------------------------
 * Rejected lines with their reasons.  Reasons are copied and counted: a collector holds a
 * small table of distinct reasons (count each), and one entry per rejected line. */
typedef struct {
    int32_t file;       /* caller's file index (0 when there is one file)                 */
    int32_t reason;     /* index into the collector's reason table                        */
    int64_t line;       /* line number in that file                                       */
    char *text;         /* raw line, at most REGIA_CSV_REJECT_TEXT bytes + "..."            */
} regia_csv_reject_t;

typedef struct {
    regia_csv_reject_t *r;
    size_t n, cap;
    char **reason;      /* nreason distinct reasons, in order of first use                 */
    int64_t *count;     /* lines rejected for each                                         */
    int nreason, capreason;
} regia_csv_rejects_t;

/* An empty collector (also fine: zero-initialise it). */
void regia_csv_rejects_init(regia_csv_rejects_t *R);
/* Record line `line` of file `file` rejected for `reason` (text copied), with its raw text
 * text[0..n) (a trailing CR dropped, cut to REGIA_CSV_REJECT_TEXT bytes).  REGIA_ERR_NOMEM. */
regia_status_t regia_csv_reject(regia_csv_rejects_t *R, int file, int64_t line, const char *reason,
                                const char *text, size_t n);
/* Lines rejected for `reason` (0 if never used); the total is R->n. */
int64_t regia_csv_rejects_count(const regia_csv_rejects_t *R, const char *reason);
/* Sort the entries by (file, line). */
void regia_csv_rejects_sort(regia_csv_rejects_t *R);
/* Append every entry of src to dst (reasons merged by text).  REGIA_ERR_NOMEM. */
regia_status_t regia_csv_rejects_merge(regia_csv_rejects_t *dst, const regia_csv_rejects_t *src);
/* Serialise R into one malloc'ed byte buffer (for MPI gathers) and back: unpack appends the
 * entries of buf[0..len) to R.  REGIA_ERR_NOMEM; REGIA_ERR_INVALID on a malformed buffer. */
regia_status_t regia_csv_rejects_pack(const regia_csv_rejects_t *R, char **buf, size_t *len);
regia_status_t regia_csv_rejects_unpack(regia_csv_rejects_t *R, const char *buf, size_t len);
/* The rejects as CSV text "file,line,reason,text\n" + one quoted row per entry in the
 * current order; file is files[entry.file] (files may be NULL: the column is then empty).
 * *out is malloc'ed and NUL-terminated, *len its length.  Write it with regia_atomic_write. */
regia_status_t regia_csv_rejects_format(const regia_csv_rejects_t *R, const char *const *files, char **out,
                                        size_t *len);
void regia_csv_rejects_free(regia_csv_rejects_t *R);

#ifdef __cplusplus
}
#endif
#endif
