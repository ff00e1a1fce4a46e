/* regia/acdd.h - the global attributes every regia NetCDF output shares: CF-1.10 and
 * ACDD-1.3 discovery metadata (Conventions, title, creator, publisher, licence, time and
 * space coverage, ...), written by one function so the drivers do not repeat them.
 *
 * Values a site must set come from environment variables, with defaults (docs in README,
 * "Output metadata"):
 *   REGIA_CREATOR_NAME, REGIA_CREATOR_TYPE, REGIA_CREATOR_EMAIL, REGIA_CREATOR_URL,
 *   REGIA_PUBLISHER_NAME, REGIA_PUBLISHER_TYPE, REGIA_PUBLISHER_EMAIL, REGIA_PUBLISHER_URL
 *   (each publisher value defaults to the creator's), REGIA_INSTITUTION, REGIA_LICENSE,
 *   REGIA_PROJECT, REGIA_NAMING_AUTHORITY, REGIA_ACKNOWLEDGEMENT.
 * An empty variable counts as unset.  Every rank must see the same values (mpirun and
 * srun pass the environment on).  Host only; the NetCDF file must be in define mode. */
#ifndef REGIA_ACDD_H
#define REGIA_ACDD_H

#include <stddef.h>
#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CF standard-name table the outputs' standard names come from: the one the pinned
 * compliance-checker bundles, so a check needs no network. */
#define REGIA_STANDARD_NAME_VOCABULARY "CF Standard Name Table v93"
#define REGIA_CONVENTIONS "CF-1.10, ACDD-1.3"

typedef struct {
    /* what the file holds (required) */
    const char *title, *summary, *keywords;
    const char *keywords_vocabulary; /* NULL: free keywords only                         */
    const char *id;                  /* blanks are written as '_'                        */
    const char *source, *processing_level, *comment;
    const char *license;             /* default; REGIA_LICENSE overrides                 */
    const char *acknowledgement;     /* default; REGIA_ACKNOWLEDGEMENT overrides         */
    const char *references;          /* NULL: none                                       */
    const char *platform, *instrument; /* NULL: none                                     */
    /* CF featureType and ACDD/THREDDS cdm_data_type, set by the domain (NULL: timeSeries,
     * Station; a feature_type "" writes no featureType: the file is no discrete sampling
     * geometry, e.g. the waiting-list cube; a cdm_data_type "" writes none) */
    const char *feature_type, *cdm_data_type;
    /* when (same string on every rank) */
    const char *date_created;        /* ISO 8601 UTC; also date_modified, date_issued    */
    const char *history;
    /* time coverage: ISO 8601 start and end (NULL: not written, for outputs in a simulation's
     * model time); duration in seconds (< 0: not written);
     * resolution an ISO 8601 duration (NULL: not written) */
    const char *time_start, *time_end;
    int64_t duration_s;
    const char *time_resolution;
    /* space: bounding box of the stations (has_latlon = 0: the file has no location) and
     * their altitude range (has_alt = 0: none), EPSG:4326 and metres above mean sea level */
    int has_latlon, has_alt;
    double lat_min, lat_max, lon_min, lon_max, alt_min, alt_max;
} regia_acdd_t;

/* Write the shared global attributes (collective in parallel NetCDF: every rank calls it
 * with the same values).  Errors are NetCDF errors naming the attribute. */
regia_status_t regia_acdd_put(int ncid, const regia_acdd_t *a);

/* Range of n doubles `stride` bytes apart starting at `first`, NaNs skipped.  Returns 0
 * (and NaN, NaN) when every value is NaN or n is 0. */
int regia_acdd_range(const void *first, size_t stride, int64_t n, double *min, double *max);

/* ISO 8601 duration of `seconds` (>= 0): "P3DT4H", "PT1H", "P1D", "PT0S". */
void regia_acdd_duration(int64_t seconds, char *buf, size_t len);

/* The value of a site setting: the environment variable when set and non-empty, else
 * `dflt`. */
const char *regia_acdd_setting(const char *env, const char *dflt);

#ifdef __cplusplus
}
#endif
#endif
