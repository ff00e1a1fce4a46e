/* The truth of synthetic sensor data: /truth/STRUCTURE (see regia/sensor_store.h; layout:
 * docs/sensors.md). */
#include <netcdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/io.h"
#include "regia/sensor_store.h"
#include "sensor_store_impl.h"

regia_status_t regia_ss_truth_alloc(regia_ss_truth_t *t, int nrec, int nmodes, int nch, int nfaults)
{
    memset(t, 0, sizeof *t);
    t->damage_ns = INT64_MIN;
    if (nrec < 0 || nmodes < 0 || nch < 0 || nfaults < 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "truth: negative sizes");
    t->nrec = nrec;
    t->nmodes = nmodes;
    t->nch = nch;
    t->nfaults = nfaults;
    size_t r = (size_t)nrec, m = (size_t)nmodes, c = (size_t)nch;
    t->time_ns = calloc(r + 1, sizeof *t->time_ns);
    t->temperature = calloc(r + 1, sizeof *t->temperature);
    t->freq = calloc(r * m + 1, sizeof *t->freq);
    t->damping = calloc(r * m + 1, sizeof *t->damping);
    t->chan = calloc(c + 1, sizeof *t->chan);
    t->shape = calloc(m * c + 1, sizeof *t->shape);
    t->faults = calloc((size_t)nfaults + 1, sizeof *t->faults);
    if (!t->time_ns || !t->temperature || !t->freq || !t->damping || !t->chan || !t->shape || !t->faults) {
        regia_ss_truth_free(t);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "truth: out of memory (%d records, %d modes, %d channels)", nrec, nmodes,
                          nch);
    }
    return REGIA_OK;
}

void regia_ss_truth_free(regia_ss_truth_t *t)
{
    if (!t) return;
    free(t->time_ns);
    free(t->temperature);
    free(t->freq);
    free(t->damping);
    free(t->chan);
    free(t->shape);
    free(t->faults);
    memset(t, 0, sizeof *t);
    t->damage_ns = INT64_MIN;
}

static regia_status_t dimlen(int g, const char *name, int required, int *len, const char *file, const char *sname)
{
    int d;
    size_t l;
    *len = 0;
    if (nc_inq_dimid(g, name, &d) != NC_NOERR) {
        if (required)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: /truth/%s has no dimension '%s'", file, sname, name);
        return REGIA_OK;
    }
    if (nc_inq_dimlen(g, d, &l) != NC_NOERR || l > 100000000)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: /truth/%s: dimension '%s' unreadable or too long", file, sname, name);
    *len = (int)l;
    return REGIA_OK;
}

/* Read variable `name` of group g as type t into out (all of it). */
static regia_status_t getv(int g, const char *name, nc_type t, void *out, const char *file, const char *sname)
{
    int v, rc;
    if (nc_inq_varid(g, name, &v) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: /truth/%s has no variable '%s'", file, sname, name);
    switch (t) {
    case NC_DOUBLE: rc = nc_get_var_double(g, v, out); break;
    case NC_INT64: rc = nc_get_var_longlong(g, v, out); break;
    case NC_CHAR: rc = nc_get_var_text(g, v, out); break;
    default: rc = nc_get_var_int(g, v, out); break;
    }
    if (rc != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: /truth/%s/%s: %s", file, sname, name, nc_strerror(rc));
    return REGIA_OK;
}

regia_status_t regia_ss_truth_read(regia_sensor_store_t *s, const char *structure, regia_ss_truth_t *t,
                                   int *present)
{
    regia_status_t st = REGIA_OK;
    const char *file = NULL;
    char *txt = NULL;
    int *kinds = NULL;
    int64_t *i64 = NULL;
    double *f64 = NULL;
    int ncid = regia_ss_structure_file(s, structure, &file), tg, g, nrec, nm, nch, nf, ls;
    memset(t, 0, sizeof *t);
    t->damage_ns = INT64_MIN;
    *present = 0;
    if (ncid < 0 || nc_inq_grp_ncid(ncid, "truth", &tg) != NC_NOERR || nc_inq_grp_ncid(tg, structure, &g) != NC_NOERR)
        return REGIA_OK;
    REGIA_TRY(dimlen(g, "record", 1, &nrec, file, structure));
    REGIA_TRY(dimlen(g, "mode", 1, &nm, file, structure));
    REGIA_TRY(dimlen(g, "channel", 1, &nch, file, structure));
    REGIA_TRY(dimlen(g, "fault", 0, &nf, file, structure));
    REGIA_TRY(dimlen(g, "name_strlen", 1, &ls, file, structure));
    if (ls != 2 * REGIA_SS_NAME) {
        st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: /truth/%s: name_strlen is %d (expected %d)", file, structure, ls,
                        2 * REGIA_SS_NAME);
        goto err;
    }
    REGIA_TRY(regia_ss_truth_alloc(t, nrec, nm, nch, nf));
    snprintf(t->structure, sizeof t->structure, "%s", structure);
    REGIA_TRY(getv(g, "time", NC_INT64, t->time_ns, file, structure));
    REGIA_TRY(getv(g, "temperature", NC_DOUBLE, t->temperature, file, structure));
    REGIA_TRY(getv(g, "frequency", NC_DOUBLE, t->freq, file, structure));
    REGIA_TRY(getv(g, "damping", NC_DOUBLE, t->damping, file, structure));
    REGIA_TRY(getv(g, "channel_name", NC_CHAR, t->chan, file, structure));
    for (int c = 0; c < nch; c++) t->chan[c][2 * REGIA_SS_NAME - 1] = 0;
    REGIA_TRY(getv(g, "mode_shape", NC_DOUBLE, t->shape, file, structure));
    {
        nc_type at;
        size_t al;
        if (nc_inq_att(g, NC_GLOBAL, "damage_time", &at, &al) == NC_NOERR) {
            long long v;
            if (at != NC_INT64 || al != 1) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: /truth/%s: damage_time must be one int64", file, structure);
                goto err;
            }
            REGIA_NC(nc_get_att_longlong(g, NC_GLOBAL, "damage_time", &v));
            t->damage_ns = v;
        }
        if (nc_inq_att(g, NC_GLOBAL, "damage_stiffness_loss", &at, &al) == NC_NOERR && al == 1)
            REGIA_NC(nc_get_att_double(g, NC_GLOBAL, "damage_stiffness_loss", &t->damage_loss));
    }
    if (nf > 0) {
        size_t n = (size_t)nf, l = (size_t)ls;
        txt = malloc(2 * n * l);
        kinds = malloc(n * sizeof *kinds);
        i64 = malloc(2 * n * sizeof *i64);
        f64 = malloc(n * sizeof *f64);
        if (!txt || !kinds || !i64 || !f64) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "%s: out of memory", file); goto err; }
        REGIA_TRY(getv(g, "fault_sensor", NC_CHAR, txt, file, structure));
        REGIA_TRY(getv(g, "fault_channel", NC_CHAR, txt + n * l, file, structure));
        REGIA_TRY(getv(g, "fault_kind", NC_INT, kinds, file, structure));
        REGIA_TRY(getv(g, "fault_start", NC_INT64, i64, file, structure));
        REGIA_TRY(getv(g, "fault_end", NC_INT64, i64 + n, file, structure));
        REGIA_TRY(getv(g, "fault_value", NC_DOUBLE, f64, file, structure));
        for (size_t i = 0; i < n; i++) {
            regia_ss_fault_t *f = &t->faults[i];
            snprintf(f->sensor, sizeof f->sensor, "%.*s", (int)(sizeof f->sensor - 1), txt + i * l);
            snprintf(f->channel, sizeof f->channel, "%.*s", (int)(sizeof f->channel - 1), txt + (n + i) * l);
            f->kind = kinds[i];
            f->start_ns = i64[i];
            f->end_ns = i64[n + i];
            f->value = f64[i];
        }
    }
    *present = 1;
err:
    if (st != REGIA_OK) regia_ss_truth_free(t);
    free(txt);
    free(kinds);
    free(i64);
    free(f64);
    return st;
}
