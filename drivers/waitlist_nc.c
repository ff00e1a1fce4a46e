/* waitlist_nc.c - the output layout's write helper of `regia waitlist` (waitlist_analysis.h):
 * every variable of the output and of its monthly file has its dimensions in the reverse of
 * the order the modules keep their arrays in (service first in memory, service last in the
 * file), so that the time axis (week, month) comes first and CDO 2.1 reads each variable
 * as time x (class, area, service).  docs/waitlist.md documents the layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netcdf.h>
#include <netcdf_par.h>

#include "regia/ncio.h"
#include "waitlist_analysis.h"

static size_t type_size(nc_type t)
{
    switch (t) {
    case NC_BYTE: case NC_CHAR: return 1;
    case NC_INT: return 4;
    default: return 8;
    }
}

regia_status_t wl_put_rev(regia_run_t *run, int ncid, int vid, int nd, const size_t *inner, nc_type t,
                          const void *rows, int64_t s0, int64_t ns)
{
    regia_status_t st = REGIA_OK;
    const size_t es = type_size(t);
    size_t P = 1, fstride[NC_MAX_VAR_DIMS], start[NC_MAX_VAR_DIMS], count[NC_MAX_VAR_DIMS];
    const int m = nd - 1; /* the inner dimensions */
    for (int d = 0; d < m; d++) fstride[d] = P, P *= inner[d];
    unsigned char *buf = malloc(es * P * (size_t)(ns > 0 ? ns : 1));
    if (!buf) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output");
    if ((st = regia_run_agree(run, st))) goto err;
    /* memory (k, i0 .. i_{m-1}) -> file (i_{m-1} .. i0, k): file offset of inner index j is
     * sum_d i_d * fstride[d] (i0 varies fastest in the file), times ns, plus k */
    for (size_t j = 0; j < P; j++) {
        size_t r = j, off = 0;
        for (int d = m - 1; d >= 0; d--) {
            off += (r % inner[d]) * fstride[d];
            r /= inner[d];
        }
        for (int64_t k = 0; k < ns; k++)
            memcpy(buf + (off * (size_t)ns + (size_t)k) * es, (const unsigned char *)rows + ((size_t)k * P + j) * es,
                   es);
    }
    for (int d = 0; d < m; d++) start[d] = 0, count[d] = inner[m - 1 - d];
    start[m] = (size_t)s0;
    count[m] = (size_t)ns;
    if (ns <= 0)
        for (int d = 0; d <= m; d++) start[d] = count[d] = 0;
    int rc = nc_var_par_access(ncid, vid, NC_COLLECTIVE);
    if (rc == NC_NOERR) switch (t) {
        case NC_BYTE: rc = nc_put_vara_schar(ncid, vid, start, count, (const signed char *)buf); break;
        case NC_CHAR: rc = nc_put_vara_text(ncid, vid, start, count, (const char *)buf); break;
        case NC_INT: rc = nc_put_vara_int(ncid, vid, start, count, (const int *)buf); break;
        default: rc = nc_put_vara_double(ncid, vid, start, count, (const double *)buf);
        }
    char name[NC_MAX_NAME + 1] = "?";
    if (rc != NC_NOERR) nc_inq_varname(ncid, vid, name);
    st = regia_run_agree_io(run, rc == NC_NOERR ? REGIA_OK
                                 : REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable '%s': %s", name, nc_strerror(rc)));
err:
    free(buf);
    return st;
}

regia_status_t wl_put_period(regia_run_t *run, const wl_t *w, int ncid, int vid, int p, int m, nc_type t,
                             const void *src, void *buf)
{
    const int64_t ns = run->ni, size = m < 0 ? wl_stat_size(w) : wl_cube_size(w);
    const int A = w->areas.n_area, P0 = p ? w->n_weeks : 0, NP = p ? w->n_months : w->n_weeks;
    int64_t n = 0;
    for (int64_t k = 0; k < ns; k++)
        for (int a = 0; a < A; a++)
            for (int q = 0; q < WL_CLASS_DIM; q++)
                for (int i = 0; i < NP; i++, n++) {
                    const int64_t j = k * size + (m < 0 ? wl_stat(w, a, q, P0 + i) : wl_cell(w, a, q, P0 + i, m));
                    if (t == NC_BYTE) ((int8_t *)buf)[n] = ((const int8_t *)src)[j];
                    else ((double *)buf)[n] = ((const double *)src)[j];
                }
    const size_t inner[3] = {(size_t)A, WL_CLASS_DIM, (size_t)NP};
    return wl_put_rev(run, ncid, vid, 4, inner, t, buf, run->i0, ns);
}

regia_status_t wl_def_rev(int ncid, const char *name, nc_type t, int nd, const int *mem_dims, int chunk_service,
                          const size_t *mem_len, int *vid)
{
    int dims[NC_MAX_VAR_DIMS];
    size_t chunk[NC_MAX_VAR_DIMS];
    for (int d = 0; d < nd; d++) {
        dims[d] = mem_dims[nd - 1 - d];
        if (mem_len) chunk[d] = d == nd - 1 ? 1 : mem_len[nd - 1 - d];
    }
    return regia_nc_def_data(ncid, name, t, nd, dims, chunk_service && mem_len ? chunk : NULL, vid);
}

void wl_level_tag(double v, char *buf, size_t cap)
{
    snprintf(buf, cap, "%g", v);
    for (char *p = buf; *p; p++)
        if (*p == '.') *p = 'p';
}

int wl_forecast_week0(const wl_t *w) { return wl_demand_weeks(w); }

int wl_risk_week0(const wl_t *w) { return (int)((wl_sim_day0(w) - w->week0_day) / 7); }
