/* regia/ncinput.h - checks of a NetCDF input before anything is read from it.
 *
 * A reader calls these on a file it did not write, before it trusts any dimension length
 * or coordinate value: that a variable exists, has one of the expected types and exactly
 * one of the expected lists of dimension names (and their lengths), that a text variable
 * has the expected string length, and that a 1-D coordinate is finite, within a plausible
 * range, whole where it must be, strictly increasing or regular, and not longer than a
 * bound (checked before any value is read, so a huge dimension allocates nothing).
 *
 * Every error is REGIA_ERR_INVALID (REGIA_ERR_NETCDF when the library itself fails) with
 * a message that names the file as the caller gave it, the variable, and what was
 * expected against what was found:
 *   "stations.nc: variable 'pm10' has dimensions (station, time, level); expected
 *    (station, time) or (station, day)"
 *
 * Host-only, no MPI.  Only metadata and 1-D coordinate values are read, in a fixed order
 * that depends only on the file, so on a file opened with nc_open_par every rank may call
 * them and gets the same result (the reads use the variable's current access mode; with
 * collective access every rank makes the same calls).  Only the root group is searched.
 */
#ifndef REGIA_NCINPUT_H
#define REGIA_NCINPUT_H

#include <netcdf.h>
#include <stddef.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sets of accepted types, as bit masks of atomic nc_type values (NC_BYTE .. NC_STRING). */
#define REGIA_NCIN_TYPE(t) (1u << (unsigned)(t))
#define REGIA_NCIN_REAL (REGIA_NCIN_TYPE(NC_FLOAT) | REGIA_NCIN_TYPE(NC_DOUBLE))
#define REGIA_NCIN_INTEGER                                                                        \
    (REGIA_NCIN_TYPE(NC_BYTE) | REGIA_NCIN_TYPE(NC_UBYTE) | REGIA_NCIN_TYPE(NC_SHORT) |            \
     REGIA_NCIN_TYPE(NC_USHORT) | REGIA_NCIN_TYPE(NC_INT) | REGIA_NCIN_TYPE(NC_UINT) |             \
     REGIA_NCIN_TYPE(NC_INT64) | REGIA_NCIN_TYPE(NC_UINT64))
#define REGIA_NCIN_NUMERIC (REGIA_NCIN_REAL | REGIA_NCIN_INTEGER)
#define REGIA_NCIN_CHAR REGIA_NCIN_TYPE(NC_CHAR)

enum { REGIA_NCIN_MAX_DIMS = 8 };

/* What a check found out about a variable. */
typedef struct {
    char name[NC_MAX_NAME + 1];
    int vid;
    nc_type type;
    int layout;                          /* which alternative of `layouts` matched (0-based) */
    int ndims;
    int dimids[REGIA_NCIN_MAX_DIMS];
    size_t len[REGIA_NCIN_MAX_DIMS];     /* length of each dimension                         */
} regia_ncin_var_t;

/* 1 when the root group has a variable `name` (its id in *vid when vid is not NULL),
 * 0 otherwise.  Never sets an error. */
int regia_ncin_has_var(int ncid, const char *name, int *vid);

/* Length of dimension `name`.  Absent: with `required` an error ("PATH: no dimension
 * 'time'"), else *len = 0 and *present = 0.  present may be NULL. */
regia_status_t regia_ncin_dim(int ncid, const char *path, const char *name, int required, size_t *len,
                              int *present);

/* Check variable `name`: it exists, its type is one of `types` (a REGIA_NCIN_* mask), and
 * its dimension names are exactly one of the alternatives of `layouts`: comma-separated
 * names, alternatives separated by '|', "" for a scalar ("station,time|station,day").
 * Fills *v (v->layout: the alternative matched).  Errors: missing variable, wrong
 * dimensions (found and expected listed), wrong type (found and expected named). */
regia_status_t regia_ncin_check_var(int ncid, const char *path, const char *name, unsigned types,
                                    const char *layouts, regia_ncin_var_t *v);

/* Check a char variable whose last dimension is the string length: regia_ncin_check_var
 * with REGIA_NCIN_CHAR and `layouts`, then a string length (v->len[v->ndims - 1]) equal
 * to want_len, or, with want_len = 0, of at least 1 (the caller reads that length). */
regia_status_t regia_ncin_check_text(int ncid, const char *path, const char *name, const char *layouts,
                                     size_t want_len, regia_ncin_var_t *v);

/* What every value of a 1-D numeric variable must satisfy (zero fields: no condition). */
typedef struct {
    size_t max_len;      /* > 0: at most this many values; checked before any value is read */
    double min, max;     /* every value within [min, max] (used when min < max)             */
    int whole;           /* every value a whole number                                      */
    int increasing;      /* strictly increasing                                             */
    double step;         /* > 0: each value is the previous plus exactly `step` (regular axis)*/
    double max_span;     /* > 0: last - first at most this (checked on the two ends first)   */
    int allow_missing;   /* NaN allowed (never with increasing or step)                     */
    double per_day;      /* values are time since 1970-01-01 in units of 1/per_day days
                            (24: hours, 1: days): messages add the date; 0: plain numbers   */
} regia_ncin_values_t;

/* Check the values of the 1-D numeric variable v (as filled by regia_ncin_check_var)
 * against `rule`.  Reads them in pieces (no allocation proportional to the length beyond
 * a fixed buffer).  On success *first and *last (either may be NULL) are the first and
 * last values (NaN for an empty variable).  Errors name the index and the value:
 *   "in.nc: variable 'day' value 1e+12 at index 3 is outside [-25567, 84006]
 *    (1900-01-01 to 2200-01-01)". */
regia_status_t regia_ncin_check_values(int ncid, const char *path, const regia_ncin_var_t *v,
                                       const regia_ncin_values_t *rule, double *first, double *last);

/* Check a text attribute of variable vid (NC_GLOBAL for the file): present, of type
 * char, and, blanks at either end aside, equal to one of the '|'-separated `accepted`
 * spellings ("hours since 1970-01-01 00:00:00|hours since 1970-01-01").  `var` names the
 * variable in messages (NULL for a global attribute). */
regia_status_t regia_ncin_check_att_text(int ncid, const char *path, int vid, const char *var, const char *att,
                                         const char *accepted);

#ifdef __cplusplus
}
#endif
#endif
