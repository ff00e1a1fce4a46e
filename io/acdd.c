/* The global attributes every regia NetCDF output shares: CF-1.10 and ACDD-1.3 discovery
 * metadata (see regia/acdd.h). */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regia/acdd.h"

/* Site defaults: what a file says when the site has not set the variable.  The contact
 * fields say how to set them rather than invent an address. */
#define DEFAULT_CREATOR_NAME "regia batch analytics"
#define DEFAULT_CREATOR_TYPE "group"
#define DEFAULT_CREATOR_EMAIL "not configured (set REGIA_CREATOR_EMAIL)"
#define DEFAULT_CREATOR_URL "not configured (set REGIA_CREATOR_URL)"
#define DEFAULT_INSTITUTION "regia batch analytics (Leonardo AI hubs)"
#define DEFAULT_PROJECT "Leonardo AI hubs"
#define DEFAULT_NAMING_AUTHORITY "regia"

const char *regia_acdd_setting(const char *env, const char *dflt)
{
    const char *v = getenv(env);
    return v && *v ? v : dflt;
}

int regia_acdd_range(const void *first, size_t stride, int64_t n, double *min, double *max)
{
    double lo = INFINITY, hi = -INFINITY;
    int any = 0;
    for (int64_t i = 0; i < n; i++) {
        double v;
        memcpy(&v, (const char *)first + (size_t)i * stride, sizeof v);
        if (isnan(v)) continue;
        any = 1;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    *min = any ? lo : NAN;
    *max = any ? hi : NAN;
    return any;
}

void regia_acdd_duration(int64_t seconds, char *buf, size_t len)
{
    int64_t d = seconds / 86400, r = seconds % 86400;
    int h = (int)(r / 3600), m = (int)(r % 3600 / 60), s = (int)(r % 60);
    size_t n = (size_t)snprintf(buf, len, "P");
#define ADD(...) \
    do { if (n < len) n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); } while (0)
    if (d) ADD("%lldD", (long long)d);
    if (r || !d) {
        ADD("T");
        if (h) ADD("%dH", h);
        if (m) ADD("%dM", m);
        if (s || !r) ADD("%dS", s);
    }
#undef ADD
}

static regia_status_t put_text(int ncid, const char *name, const char *value)
{
    int rc = nc_put_att_text(ncid, NC_GLOBAL, name, strlen(value), value);
    if (rc) return REGIA_FAIL(REGIA_ERR_NETCDF, "writing the global attribute %s: %s", name, nc_strerror(rc));
    return REGIA_OK;
}

static regia_status_t put_double(int ncid, const char *name, double value)
{
    int rc = nc_put_att_double(ncid, NC_GLOBAL, name, NC_DOUBLE, 1, &value);
    if (rc) return REGIA_FAIL(REGIA_ERR_NETCDF, "writing the global attribute %s: %s", name, nc_strerror(rc));
    return REGIA_OK;
}

regia_status_t regia_acdd_put(int ncid, const regia_acdd_t *a)
{
    regia_status_t st = REGIA_OK;
    char buf[512];
#define TEXT(k, v) REGIA_TRY(put_text(ncid, k, v))
#define OPT(k, v) do { if (v) TEXT(k, v); } while (0)
    TEXT("Conventions", REGIA_CONVENTIONS);
    if (!a->feature_type || a->feature_type[0]) /* "": not a discrete sampling geometry (no featureType) */
        TEXT("featureType", a->feature_type ? a->feature_type : "timeSeries");
    if (!a->cdm_data_type || a->cdm_data_type[0]) /* "": none of THREDDS' types fits (no cdm_data_type) */
        TEXT("cdm_data_type", a->cdm_data_type ? a->cdm_data_type : "Station");
    TEXT("title", a->title);
    TEXT("summary", a->summary);
    TEXT("keywords", a->keywords);
    OPT("keywords_vocabulary", a->keywords_vocabulary);
    {
        size_t n = strlen(a->id);
        char *id = malloc(n + 1);
        if (!id) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i <= n; i++) id[i] = (a->id[i] == ' ' || a->id[i] == '\t') ? '_' : a->id[i];
        st = put_text(ncid, "id", n ? id : "regia");
        free(id);
        if (st != REGIA_OK) goto err;
    }
    TEXT("naming_authority", regia_acdd_setting("REGIA_NAMING_AUTHORITY", DEFAULT_NAMING_AUTHORITY));
    TEXT("standard_name_vocabulary", REGIA_STANDARD_NAME_VOCABULARY);
    TEXT("source", a->source);
    TEXT("processing_level", a->processing_level);
    TEXT("comment", a->comment);
    OPT("references", a->references);
    OPT("platform", a->platform);
    OPT("instrument", a->instrument);
    TEXT("license", regia_acdd_setting("REGIA_LICENSE", a->license));
    TEXT("acknowledgement", regia_acdd_setting("REGIA_ACKNOWLEDGEMENT", a->acknowledgement));
    /* who: publisher values default to the creator's */
    const char *inst = regia_acdd_setting("REGIA_INSTITUTION", DEFAULT_INSTITUTION);
    const char *cname = regia_acdd_setting("REGIA_CREATOR_NAME", DEFAULT_CREATOR_NAME);
    const char *ctype = regia_acdd_setting("REGIA_CREATOR_TYPE", DEFAULT_CREATOR_TYPE);
    const char *cmail = regia_acdd_setting("REGIA_CREATOR_EMAIL", DEFAULT_CREATOR_EMAIL);
    const char *curl = regia_acdd_setting("REGIA_CREATOR_URL", DEFAULT_CREATOR_URL);
    TEXT("project", regia_acdd_setting("REGIA_PROJECT", DEFAULT_PROJECT));
    TEXT("institution", inst);
    TEXT("creator_name", cname);
    TEXT("creator_type", ctype);
    TEXT("creator_email", cmail);
    TEXT("creator_url", curl);
    TEXT("creator_institution", inst);
    TEXT("publisher_name", regia_acdd_setting("REGIA_PUBLISHER_NAME", cname));
    TEXT("publisher_type", regia_acdd_setting("REGIA_PUBLISHER_TYPE", ctype));
    TEXT("publisher_email", regia_acdd_setting("REGIA_PUBLISHER_EMAIL", cmail));
    TEXT("publisher_url", regia_acdd_setting("REGIA_PUBLISHER_URL", curl));
    TEXT("publisher_institution", inst);
    TEXT("product_version", REGIA_VERSION);
    /* when */
    TEXT("date_created", a->date_created);
    TEXT("date_modified", a->date_created);
    TEXT("date_issued", a->date_created);
    TEXT("date_metadata_modified", a->date_created);
    TEXT("history", a->history);
    OPT("time_coverage_start", a->time_start); /* NULL: no calendar time (a simulation's model time) */
    OPT("time_coverage_end", a->time_end);
    if (a->duration_s >= 0) {
        regia_acdd_duration(a->duration_s, buf, sizeof buf);
        TEXT("time_coverage_duration", buf);
    }
    OPT("time_coverage_resolution", a->time_resolution);
    /* where: WKT in EPSG:4326 axis order (latitude longitude), as ACDD's default */
    if (a->has_latlon) {
        double la0 = a->lat_min, la1 = a->lat_max, lo0 = a->lon_min, lo1 = a->lon_max;
        if (la0 == la1 && lo0 == lo1)
            snprintf(buf, sizeof buf, "POINT (%.10g %.10g)", la0, lo0);
        else if (la0 == la1 || lo0 == lo1)
            snprintf(buf, sizeof buf, "LINESTRING (%.10g %.10g, %.10g %.10g)", la0, lo0, la1, lo1);
        else
            snprintf(buf, sizeof buf, "POLYGON ((%.10g %.10g, %.10g %.10g, %.10g %.10g, %.10g %.10g, %.10g %.10g))",
                     la0, lo0, la1, lo0, la1, lo1, la0, lo1, la0, lo0);
        TEXT("geospatial_bounds", buf);
        TEXT("geospatial_bounds_crs", "EPSG:4326");
        REGIA_TRY(put_double(ncid, "geospatial_lat_min", la0));
        REGIA_TRY(put_double(ncid, "geospatial_lat_max", la1));
        TEXT("geospatial_lat_units", "degrees_north");
        REGIA_TRY(put_double(ncid, "geospatial_lon_min", lo0));
        REGIA_TRY(put_double(ncid, "geospatial_lon_max", lo1));
        TEXT("geospatial_lon_units", "degrees_east");
    }
    if (a->has_alt) {
        TEXT("geospatial_bounds_vertical_crs", "EPSG:5714"); /* MSL height */
        REGIA_TRY(put_double(ncid, "geospatial_vertical_min", a->alt_min));
        REGIA_TRY(put_double(ncid, "geospatial_vertical_max", a->alt_max));
        TEXT("geospatial_vertical_units", "m");
        TEXT("geospatial_vertical_positive", "up");
    }
#undef TEXT
#undef OPT
err:
    return st;
}
