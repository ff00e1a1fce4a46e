/* io/nc_text_impl.h - per-item text and numbers of a NetCDF variable along one dimension:
 * the shared reading of io/nc_extract.c (region names) and io/points_csv.c (CSV columns).
 * Not collective, no MPI; the ncid is the caller's (open, in data mode). */
#ifndef REGIA_NC_TEXT_IMPL_H
#define REGIA_NC_TEXT_IMPL_H

#include <stddef.h>

#include "regia/status.h"

/* 1 when variable varid of group ncid is text along dimid: a char array (dimid, STRLEN)
 * or an NC_STRING variable (dimid); 0 otherwise. */
int regia_nc_is_text(int ncid, int varid, int dimid);

/* The n = length(dimid) strings of text variable varid (see regia_nc_is_text): trailing
 * blanks and NULs of char arrays removed, an NC_STRING fill (NULL) read as "".  *out is a
 * malloc'ed array of n malloc'ed strings, the caller's (regia_nc_text_free).  `file` and
 * `name` are for messages; an error when the variable is not text along dimid. */
regia_status_t regia_nc_read_text(int ncid, int varid, int dimid, const char *file, char ***out, size_t *n);
void regia_nc_text_free(char **s, size_t n);

/* The shortest decimal text of x that reads back as the same value (as a float when
 * single: 9.08f is "9.08", not "9.07999992370605"). */
void regia_nc_shortest(double x, int single, char *buf, size_t cap);

/* "a, b, c": the names of the root group's dimensions (what = 'd') or variables ('v') of
 * ncid, for messages that say what the file has. */
void regia_nc_names(int ncid, char what, char *buf, size_t cap);

#endif
