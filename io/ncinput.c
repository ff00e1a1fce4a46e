/* Checks of NetCDF inputs before use (see regia/ncinput.h). */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/io.h"
#include "regia/ncinput.h"
#include "regia/timeutil.h"

enum { LIST_CAP = 1024, CHUNK = 4096, MAX_ATT_LEN = 65536 };

/* ---- descriptions for messages ----------------------------------------------------- */

static void type_name(int ncid, nc_type t, char *buf, size_t cap)
{
    char nm[NC_MAX_NAME + 1];
    size_t size;
    if (nc_inq_type(ncid, t, nm, &size) == NC_NOERR) snprintf(buf, cap, "%s", nm);
    else snprintf(buf, cap, "type %d", (int)t);
}

/* "float or double", "byte, short or int", "a numeric type" ... */
static void types_text(int ncid, unsigned types, char *buf, size_t cap)
{
    if (types == REGIA_NCIN_NUMERIC) { snprintf(buf, cap, "a numeric type"); return; }
    if (types == REGIA_NCIN_INTEGER) { snprintf(buf, cap, "an integer type"); return; }
    int n = 0, total = 0;
    for (int t = 1; t < 32; t++) total += (types >> t) & 1u;
    buf[0] = 0;
    for (int t = 1; t < 32; t++) {
        if (!((types >> t) & 1u)) continue;
        char nm[NC_MAX_NAME + 1];
        type_name(ncid, (nc_type)t, nm, sizeof nm);
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s%s", n == 0 ? "" : n == total - 1 ? " or " : ", ", nm);
        n++;
    }
}

/* Copy `s` [0, n) with blanks at either end removed. */
static void trimmed(const char *s, size_t n, char *out, size_t cap)
{
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
}

/* "(station, time) or (station, day)" from "station,time|station,day". */
static void layouts_text(const char *layouts, char *buf, size_t cap)
{
    int total = 1, k = 0;
    for (const char *p = layouts; *p; p++) total += *p == '|';
    buf[0] = 0;
    const char *a = layouts;
    for (;;) {
        const char *end = strchr(a, '|');
        size_t n = end ? (size_t)(end - a) : strlen(a);
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s(", k == 0 ? "" : k == total - 1 ? " or " : ", ");
        const char *d = a;
        int first = 1;
        while (d < a + n) {
            const char *c = memchr(d, ',', (size_t)(a + n - d));
            size_t dn = c ? (size_t)(c - d) : (size_t)(a + n - d);
            char nm[NC_MAX_NAME + 1];
            trimmed(d, dn, nm, sizeof nm);
            used = strlen(buf);
            snprintf(buf + used, cap - used, "%s%s", first ? "" : ", ", nm);
            first = 0;
            d += dn + (c ? 1 : 0);
        }
        used = strlen(buf);
        snprintf(buf + used, cap - used, ")");
        k++;
        if (!end) break;
        a = end + 1;
    }
}

/* Does the alternative a[0, n) list exactly the names `names` (nd of them)? */
static int layout_matches(const char *a, size_t n, char (*names)[NC_MAX_NAME + 1], int nd)
{
    char nm[NC_MAX_NAME + 1];
    trimmed(a, n, nm, sizeof nm);
    if (nm[0] == 0) return nd == 0; /* "" is a scalar */
    int i = 0;
    const char *d = a;
    while (d <= a + n) {
        const char *c = memchr(d, ',', (size_t)(a + n - d));
        size_t dn = c ? (size_t)(c - d) : (size_t)(a + n - d);
        trimmed(d, dn, nm, sizeof nm);
        if (i >= nd || strcmp(nm, names[i]) != 0) return 0;
        i++;
        if (!c) break;
        d = c + 1;
    }
    return i == nd;
}

/* ---- variables and dimensions --------------------------------------------------------- */

int regia_ncin_has_var(int ncid, const char *name, int *vid)
{
    int id;
    if (nc_inq_varid(ncid, name, &id) != NC_NOERR) return 0;
    if (vid) *vid = id;
    return 1;
}

regia_status_t regia_ncin_dim(int ncid, const char *path, const char *name, int required, size_t *len,
                              int *present)
{
    regia_status_t st = REGIA_OK;
    int id;
    *len = 0;
    if (present) *present = 0;
    if (nc_inq_dimid(ncid, name, &id) != NC_NOERR) {
        if (required) return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no dimension '%s'", path, name);
        return REGIA_OK;
    }
    REGIA_NC(nc_inq_dimlen(ncid, id, len));
    if (present) *present = 1;
err:
    return st;
}

regia_status_t regia_ncin_check_var(int ncid, const char *path, const char *name, unsigned types,
                                    const char *layouts, regia_ncin_var_t *v)
{
    regia_status_t st = REGIA_OK;
    char want_dims[LIST_CAP], want_types[LIST_CAP], found[LIST_CAP];
    enum { NAMES = 16 };
    char names[NAMES][NC_MAX_NAME + 1];
    int dimids[NC_MAX_VAR_DIMS];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    v->vid = -1;
    v->layout = -1;
    layouts_text(layouts, want_dims, sizeof want_dims);
    types_text(ncid, types, want_types, sizeof want_types);
    int vid, nd;
    if (nc_inq_varid(ncid, name, &vid) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no variable '%s' (expected: %s, dimensions %s)", path,
                          name, want_types, want_dims);
    nc_type t;
    REGIA_NC(nc_inq_var(ncid, vid, NULL, &t, &nd, NULL, NULL));
    if (nd > NAMES)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has %d dimensions; expected %s", path, name, nd,
                          want_dims);
    REGIA_NC(nc_inq_vardimid(ncid, vid, dimids));
    found[0] = 0;
    for (int i = 0; i < nd; i++) {
        REGIA_NC(nc_inq_dimname(ncid, dimids[i], names[i]));
        size_t used = strlen(found);
        snprintf(found + used, sizeof found - used, "%s%s", i ? ", " : "", names[i]);
    }
    /* which alternative matches */
    int k = 0, match = -1;
    for (const char *a = layouts;; k++) {
        const char *end = strchr(a, '|');
        size_t n = end ? (size_t)(end - a) : strlen(a);
        if (layout_matches(a, n, names, nd)) { match = k; break; }
        if (!end) break;
        a = end + 1;
    }
    if (match < 0 || nd > REGIA_NCIN_MAX_DIMS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has dimensions (%s); expected %s", path, name, found,
                          want_dims);
    if ((unsigned)t >= 32 || !((types >> (unsigned)t) & 1u)) {
        char tn[NC_MAX_NAME + 16];
        type_name(ncid, t, tn, sizeof tn);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has type %s; expected %s", path, name, tn,
                          want_types);
    }
    v->vid = vid;
    v->type = t;
    v->layout = match;
    v->ndims = nd;
    for (int i = 0; i < nd; i++) {
        v->dimids[i] = dimids[i];
        REGIA_NC(nc_inq_dimlen(ncid, dimids[i], &v->len[i]));
    }
err:
    return st;
}

regia_status_t regia_ncin_check_text(int ncid, const char *path, const char *name, const char *layouts,
                                     size_t want_len, regia_ncin_var_t *v)
{
    regia_status_t st = REGIA_OK;
    REGIA_TRY(regia_ncin_check_var(ncid, path, name, REGIA_NCIN_CHAR, layouts, v));
    if (v->ndims < 1)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' is a single character; expected strings", path,
                          name);
    size_t L = v->len[v->ndims - 1];
    char dn[NC_MAX_NAME + 1];
    REGIA_NC(nc_inq_dimname(ncid, v->dimids[v->ndims - 1], dn));
    if (want_len ? L != want_len : L == 0) {
        char want[64];
        if (want_len) snprintf(want, sizeof want, "%zu", want_len);
        else snprintf(want, sizeof want, "at least 1");
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "%s: variable '%s' has strings of %zu characters (dimension '%s'); expected %s", path, name,
                          L, dn, want);
    }
err:
    return st;
}

/* ---- values --------------------------------------------------------------------------- */

/* The date of time value x ("2023-01-01T05:00:00Z", or "2023-01-01" for days) in buf;
 * "" when the rule has no time unit or x is not a plausible date. */
static void date_of(const regia_ncin_values_t *r, double x, char *buf, size_t cap)
{
    buf[0] = 0;
    if (!(r->per_day > 0) || !isfinite(x)) return;
    double days = x / r->per_day;
    if (fabs(days) > 3e6) return; /* beyond year 10000: the number says it */
    if (r->per_day == 1) regia_format_date((int64_t)floor(days), buf, (int)cap);
    else regia_format_datetime((int64_t)floor(days * 86400.0), buf, (int)cap);
}

/* " (DATE)" or "" */
static void when(const regia_ncin_values_t *r, double x, char *buf, size_t cap)
{
    char d[48];
    date_of(r, x, d, sizeof d);
    if (d[0]) snprintf(buf, cap, " (%s)", d);
    else buf[0] = 0;
}

static regia_status_t check_one(const char *path, const regia_ncin_var_t *v, const regia_ncin_values_t *r, size_t i,
                                double x)
{
    char w[64];
    if (isnan(x)) {
        if (r->allow_missing && !r->increasing && !(r->step > 0)) return REGIA_OK;
        return REGIA_FAIL(REGIA_ERR_INVALID,
                          "%s: variable '%s' has a missing (NaN) value at index %zu; every value must be given", path,
                          v->name, i);
    }
    if (isinf(x))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has an infinite value at index %zu", path, v->name, i);
    if (r->min < r->max && (x < r->min || x > r->max)) {
        char a[48], b[48], dates[112] = "";
        when(r, x, w, sizeof w);
        date_of(r, r->min, a, sizeof a);
        date_of(r, r->max, b, sizeof b);
        if (a[0] && b[0]) snprintf(dates, sizeof dates, " (%s to %s)", a, b);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' value %.15g%s at index %zu is outside [%.15g, %.15g]%s",
                          path, v->name, x, w, i, r->min, r->max, dates);
    }
    if (r->whole && x != floor(x))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' value %.15g at index %zu is not a whole number", path,
                          v->name, x, i);
    return REGIA_OK;
}

regia_status_t regia_ncin_check_values(int ncid, const char *path, const regia_ncin_var_t *v,
                                       const regia_ncin_values_t *r, double *first, double *last)
{
    regia_status_t st = REGIA_OK;
    double *buf = NULL;
    if (first) *first = NAN;
    if (last) *last = NAN;
    if (v->ndims != 1 || v->vid < 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s': regia_ncin_check_values needs a checked 1-D variable",
                          path, v->name);
    if ((unsigned)v->type >= 32 || !((REGIA_NCIN_NUMERIC >> (unsigned)v->type) & 1u))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' is not numeric", path, v->name);
    const size_t n = v->len[0];
    if (r->max_len && n > r->max_len)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' has %zu values; at most %zu", path, v->name, n,
                          r->max_len);
    if (n == 0) return REGIA_OK;
    /* the two ends first: a span that no bound allows is refused before the scan */
    double a, b;
    size_t i0 = 0, i1 = n - 1;
    REGIA_NC(nc_get_var1_double(ncid, v->vid, &i0, &a));
    REGIA_NC(nc_get_var1_double(ncid, v->vid, &i1, &b));
    REGIA_TRY(check_one(path, v, r, 0, a));
    REGIA_TRY(check_one(path, v, r, n - 1, b));
    if (r->max_span > 0 && b - a > r->max_span) {
        char wa[64], wb[64], yrs[64] = "";
        when(r, a, wa, sizeof wa);
        when(r, b, wb, sizeof wb);
        if (r->per_day > 0)
            snprintf(yrs, sizeof yrs, " (%.1f years; at most %.1f)", (b - a) / r->per_day / 365.25,
                     r->max_span / r->per_day / 365.25);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: variable '%s' spans %.15g, from %.15g%s to %.15g%s; at most %.15g%s",
                          path, v->name, b - a, a, wa, b, wb, r->max_span, yrs);
    }
    /* every value, in pieces */
    buf = malloc(sizeof(double) * CHUNK);
    if (!buf) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory checking %s in %s", v->name, path);
    double prev = NAN;
    for (size_t s = 0; s < n; s += CHUNK) {
        size_t cnt = n - s < CHUNK ? n - s : CHUNK;
        REGIA_NC(nc_get_vara_double(ncid, v->vid, &s, &cnt, buf));
        for (size_t k = 0; k < cnt; k++) {
            size_t i = s + k;
            double x = buf[k];
            REGIA_TRY(check_one(path, v, r, i, x));
            if (i > 0 && (r->increasing || r->step > 0) && !(x > prev)) {
                char wp[64], wx[64];
                when(r, prev, wp, sizeof wp);
                when(r, x, wx, sizeof wx);
                st = REGIA_FAIL(REGIA_ERR_INVALID,
                                "%s: variable '%s' is not strictly increasing: value %.15g%s at index %zu follows "
                                "%.15g%s at index %zu",
                                path, v->name, x, wx, i, prev, wp, i - 1);
                goto err;
            }
            if (i > 0 && r->step > 0 && x != prev + r->step) {
                char wp[64], wx[64];
                when(r, prev, wp, sizeof wp);
                when(r, x, wx, sizeof wx);
                st = REGIA_FAIL(REGIA_ERR_INVALID,
                                "%s: variable '%s' is not a regular axis of step %.15g: value %.15g%s at index %zu "
                                "follows %.15g%s at index %zu (expected %.15g)",
                                path, v->name, r->step, x, wx, i, prev, wp, i - 1, prev + r->step);
                goto err;
            }
            prev = x;
        }
    }
    if (first) *first = a;
    if (last) *last = b;
err:
    free(buf);
    return st;
}

/* ---- attributes ----------------------------------------------------------------------- */

regia_status_t regia_ncin_check_att_text(int ncid, const char *path, int vid, const char *var, const char *att,
                                         const char *accepted)
{
    regia_status_t st = REGIA_OK;
    char *text = NULL, where[NC_MAX_NAME + 32], want[LIST_CAP];
    if (var) snprintf(where, sizeof where, "variable '%s'", var);
    else snprintf(where, sizeof where, "the file");
    /* "'a' or 'b'" */
    {
        int total = 1, k = 0;
        for (const char *p = accepted; *p; p++) total += *p == '|';
        want[0] = 0;
        for (const char *a = accepted;; k++) {
            const char *end = strchr(a, '|');
            size_t n = end ? (size_t)(end - a) : strlen(a), used = strlen(want);
            snprintf(want + used, sizeof want - used, "%s'%.*s'", k == 0 ? "" : k == total - 1 ? " or " : ", ",
                     (int)n, a);
            if (!end) break;
            a = end + 1;
        }
    }
    nc_type t;
    size_t len;
    if (nc_inq_att(ncid, vid, att, &t, &len) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s has no attribute '%s'; expected %s", path, where, att, want);
    if (t == NC_CHAR) {
        if (len > MAX_ATT_LEN)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s attribute '%s' has %zu characters; expected %s", path, where,
                              att, len, want);
        text = calloc(len + 1, 1);
        if (!text) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        REGIA_NC(nc_get_att_text(ncid, vid, att, text));
    } else if (t == NC_STRING && len == 1) {
        char *s = NULL;
        REGIA_NC(nc_get_att_string(ncid, vid, att, &s));
        text = strdup(s ? s : "");
        nc_free_string(1, &s);
        if (!text) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    } else {
        char tn[NC_MAX_NAME + 16];
        type_name(ncid, t, tn, sizeof tn);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s attribute '%s' is of type %s (%zu values); expected the text %s",
                          path, where, att, tn, len, want);
    }
    char got[LIST_CAP], one[LIST_CAP];
    trimmed(text, strlen(text), got, sizeof got);
    for (const char *a = accepted;;) {
        const char *end = strchr(a, '|');
        size_t n = end ? (size_t)(end - a) : strlen(a);
        trimmed(a, n, one, sizeof one);
        if (!strcmp(got, one)) goto err; /* found: st is REGIA_OK */
        if (!end) break;
        a = end + 1;
    }
    st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s attribute '%s' is '%s'; expected %s", path, where, att, got, want);
err:
    free(text);
    return st;
}
