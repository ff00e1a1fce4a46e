/* domains.c - the registry of batch domains (domain.h): what `regia --help`,
 * `regia NAME JOBFILE`, `regia submit` and `regia stage` look up.  A new domain adds one
 * line here and its own files; nothing else names it. */
#include "domain.h"

extern const regia_domain_t regia_domain_env;
extern const regia_domain_t regia_domain_forecast;
extern const regia_domain_t regia_domain_queue;
extern const regia_domain_t regia_domain_evt;
extern const regia_domain_t regia_domain_waitlist;
extern const regia_domain_t regia_domain_sensors;
extern const regia_domain_t regia_domain_ingest_env;
extern const regia_domain_t regia_domain_ingest_waitlist;
extern const regia_domain_t regia_domain_ingest_sensors;

const regia_domain_t *const regia_domains[] = {
    &regia_domain_env,
    &regia_domain_forecast,
    &regia_domain_queue,
    &regia_domain_evt,
    &regia_domain_waitlist,
    &regia_domain_sensors,
    &regia_domain_ingest_env, /* `regia ingest env`: reached through the ingest command */
    &regia_domain_ingest_waitlist, /* `regia ingest waitlist`: through the ingest command */
    &regia_domain_ingest_sensors, /* `regia ingest sensors`: through the ingest command */
    NULL,
};
