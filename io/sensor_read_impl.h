/* sensor_read_impl.h - internal to the sensor readers (io/sensor_*.c). */
#ifndef REGIA_SENSOR_READ_IMPL_H
#define REGIA_SENSOR_READ_IMPL_H

#include <stdarg.h>

#include "regia/sensor_read.h"

/* Append a zeroed trace to F; *out points at it (valid until the next append). */
regia_status_t sensor_add_trace(regia_sensor_file_t *F, regia_sensor_trace_t **out);
/* Append a reject (CSV line or miniSEED record number `where`, byte `offset`, reason). */
regia_status_t sensor_add_reject(regia_sensor_file_t *F, int64_t where, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
