/* run_extra_nc.c - the collective write of an extra NetCDF output (run->extra[i]) that a
 * domain's write_extra makes (env's and forecast's OUT_STEM.model.nc ...): create for
 * parallel access, define, end define mode, rows, close, every step agreed on every rank.
 * Declared in domain.h (regia_run_write_extra_nc).
 */
#include <netcdf.h>
#include <netcdf_par.h>

#include "domain.h"

regia_status_t regia_run_write_extra_nc(regia_run_t *run, int i, const char *tmp_path, regia_extra_nc_fn define,
                                        regia_extra_nc_fn rows, void *self)
{
    const char *role = run->extra[i].role ? run->extra[i].role : "extra";
    regia_status_t st = regia_run_fault(run, role); /* REGIA_FAULT=ROLE:R (tests) */
    int ncid = -1;
    if (!st) {
        int rc = nc_create_par(tmp_path, NC_NETCDF4 | NC_CLOBBER, run->ctx->comm, MPI_INFO_NULL, &ncid);
        if (rc != NC_NOERR) {
            ncid = -1;
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: cannot create the %s file: %s", tmp_path, role, nc_strerror(rc));
        }
    }
    if ((st = regia_run_agree_io(run, st))) goto out;
    if ((st = regia_run_agree_io(run, define(run, self, ncid)))) goto out;
    {
        int rc = nc_enddef(ncid);
        st = rc == NC_NOERR ? REGIA_OK
                            : REGIA_FAIL(REGIA_ERR_IO, "%s: end of define mode of the %s file: %s", tmp_path, role,
                                         nc_strerror(rc));
    }
    if ((st = regia_run_agree_io(run, st))) goto out;
    st = regia_run_agree_io(run, rows(run, self, ncid));
out:
    if (ncid >= 0) {
        int rc = nc_close(ncid);
        if (rc != NC_NOERR && !st)
            st = REGIA_FAIL(REGIA_ERR_IO, "%s: closing the %s file: %s", tmp_path, role, nc_strerror(rc));
    }
    /* a failed close is this rank's alone: the skeleton agrees on write_extra's status */
    return st;
}
