/* sensor_units.c - the fixed table of units accepted in sensor exports and their
 * conversion to the stored unit of each quantity (regia/sensor_read.h), the units of the
 * sensor store (regia/sensor_store.h: m s-2, degC, mrad, percent).  Standard gravity
 * g = 9.80665 m s-2 (CGPM 1901); 1 Gal = 0.01 m s-2. */
#include <math.h>
#include <string.h>

#include "regia/sensor_read.h"

#define G0 9.80665
#define PI 3.14159265358979323846

static const regia_unit_t UNITS[] = {
    {"m/s2", "m s-2", 1, 0, REGIA_QTY_ACCEL},
    {"m/s^2", "m s-2", 1, 0, REGIA_QTY_ACCEL},
    {"m s-2", "m s-2", 1, 0, REGIA_QTY_ACCEL},
    {"mm/s2", "m s-2", 1e-3, 0, REGIA_QTY_ACCEL},
    {"cm/s2", "m s-2", 1e-2, 0, REGIA_QTY_ACCEL},
    {"gal", "m s-2", 1e-2, 0, REGIA_QTY_ACCEL},
    {"Gal", "m s-2", 1e-2, 0, REGIA_QTY_ACCEL},
    {"g", "m s-2", G0, 0, REGIA_QTY_ACCEL},
    {"mg", "m s-2", G0 * 1e-3, 0, REGIA_QTY_ACCEL},
    {"ug", "m s-2", G0 * 1e-6, 0, REGIA_QTY_ACCEL},
    {"\xc2\xb5g", "m s-2", G0 * 1e-6, 0, REGIA_QTY_ACCEL}, /* µg */
    {"degC", "degC", 1, 0, REGIA_QTY_TEMPERATURE},
    {"\xc2\xb0" "C", "degC", 1, 0, REGIA_QTY_TEMPERATURE},  /* °C */
    {"C", "degC", 1, 0, REGIA_QTY_TEMPERATURE},
    {"K", "degC", 1, -273.15, REGIA_QTY_TEMPERATURE},
    {"degF", "degC", 5.0 / 9.0, -32.0 * 5.0 / 9.0, REGIA_QTY_TEMPERATURE},
    {"rad", "mrad", 1e3, 0, REGIA_QTY_INCLINATION},
    {"mrad", "mrad", 1, 0, REGIA_QTY_INCLINATION},
    {"urad", "mrad", 1e-3, 0, REGIA_QTY_INCLINATION},
    {"\xc2\xb5rad", "mrad", 1e-3, 0, REGIA_QTY_INCLINATION},
    {"deg", "mrad", 1e3 * PI / 180, 0, REGIA_QTY_INCLINATION},
    {"\xc2\xb0", "mrad", 1e3 * PI / 180, 0, REGIA_QTY_INCLINATION},
    {"%RH", "percent", 1, 0, REGIA_QTY_HUMIDITY},
    {"%", "percent", 1, 0, REGIA_QTY_HUMIDITY},
    {"percent", "percent", 1, 0, REGIA_QTY_HUMIDITY},
    {"m", "m", 1, 0, REGIA_QTY_DISPLACEMENT},
    {"mm", "m", 1e-3, 0, REGIA_QTY_DISPLACEMENT},
    {"um", "m", 1e-6, 0, REGIA_QTY_DISPLACEMENT},
    {"m/s", "m s-1", 1, 0, REGIA_QTY_VELOCITY},
    {"mm/s", "m s-1", 1e-3, 0, REGIA_QTY_VELOCITY},
    {"ue", "1", 1e-6, 0, REGIA_QTY_STRAIN},
    {"microstrain", "1", 1e-6, 0, REGIA_QTY_STRAIN},
    {"counts", "counts", 1, 0, REGIA_QTY_COUNTS},
};

int regia_sensor_unit(const char *name, regia_unit_t *u)
{
    while (*name == ' ' || *name == '\t') name++;
    size_t n = strlen(name);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '\t')) n--;
    for (size_t i = 0; i < sizeof UNITS / sizeof *UNITS; i++)
        if (strlen(UNITS[i].name) == n && !memcmp(UNITS[i].name, name, n)) {
            *u = UNITS[i];
            return 1;
        }
    return 0;
}

const char *regia_sensor_unit_names(void)
{
    return "m/s2, m/s^2, m s-2, mm/s2, cm/s2, gal, g, mg, ug (acceleration); degC, C, K, degF (temperature); "
           "rad, mrad, urad, deg (inclination); %RH, %, percent (humidity); m, mm, um (displacement); m/s, mm/s "
           "(velocity); ue, microstrain (strain); counts";
}

const char *regia_quantity_name(regia_quantity_t q)
{
    static const char *const N[REGIA_QTY_N] = {"acceleration", "temperature", "inclination", "humidity",
                                                "displacement", "velocity",     "strain",      "counts"};
    return (unsigned)q < REGIA_QTY_N ? N[q] : "unknown";
}
