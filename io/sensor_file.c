/* sensor_file.c - what the sensor readers share: the trace and reject lists of a file
 * (regia/sensor_read.h, sensor_read_impl.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor_read_impl.h"

void regia_sensor_file_free(regia_sensor_file_t *F)
{
    if (!F) return;
    for (size_t i = 0; i < F->n; i++) free(F->t[i].x);
    free(F->t);
    free(F->rej);
    memset(F, 0, sizeof *F);
}

regia_status_t sensor_add_trace(regia_sensor_file_t *F, regia_sensor_trace_t **out)
{
    if (F->n == F->cap) {
        size_t cap = F->cap ? 2 * F->cap : 8;
        void *p = realloc(F->t, cap * sizeof *F->t);
        if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%zu traces)", cap);
        F->t = p;
        F->cap = cap;
    }
    *out = &F->t[F->n++];
    memset(*out, 0, sizeof **out);
    return REGIA_OK;
}

regia_status_t sensor_add_reject(regia_sensor_file_t *F, int64_t where, int64_t offset, const char *fmt, ...)
{
    if (F->nrej == F->caprej) {
        size_t cap = F->caprej ? 2 * F->caprej : 16;
        void *p = realloc(F->rej, cap * sizeof *F->rej);
        if (!p) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory (%zu rejects)", cap);
        F->rej = p;
        F->caprej = cap;
    }
    regia_sensor_reject_t *r = &F->rej[F->nrej++];
    r->where = where;
    r->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    return REGIA_OK;
}
