/* Error strings of the libraries regia calls (for REGIA_NC and REGIA_MPI). */
#include <mpi.h>
#include <netcdf.h>
#include <stdio.h>

#include "regia/io.h"

const char *regia_nc_strerror(int code) { return nc_strerror(code); }

const char *regia_mpi_strerror(int mpierr)
{
    static _Thread_local char buf[MPI_MAX_ERROR_STRING + 1];
    int len = 0;
    if (MPI_Error_string(mpierr, buf, &len) != MPI_SUCCESS) snprintf(buf, sizeof buf, "MPI error %d", mpierr);
    return buf;
}
