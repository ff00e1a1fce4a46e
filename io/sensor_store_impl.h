/* sensor_store_impl.h - names shared by the sensor store's reader and writer
 * (io/sensor_store*.c; layout: docs/sensors.md). */
#ifndef REGIA_SENSOR_STORE_IMPL_H
#define REGIA_SENSOR_STORE_IMPL_H

#define SS_TRUTH_GROUP "truth"
#define SS_CONVENTIONS "regia-sensor-store-1 (after ASDF 1.0.3 waveforms)"
#define SS_LAYOUT_VERSION 1
#define SS_CHUNK 65536
#define SS_FAULT_MEANINGS "spike flat clip gap drift dead clock"


#include "regia/sensor_store.h"

/* The ncid of the file that holds `structure` and that file's path (-1 and NULL when the
 * store has no such structure). */
int regia_ss_structure_file(const regia_sensor_store_t *s, const char *structure, const char **path);

#endif
