/* The job-file keys every batch domain shares, merged into each domain's schema (see
 * regia_domain_schema in domain.h).  One list, so that no domain copies them. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"

/* [job] keys of a domain with a products hook (options: --no-products, --quicklook-max N). */
static const regia_job_key_t products_keys[] = {
    {"job", "products", REGIA_KEY_BOOL, 0, "yes", 0, 0, NULL,
     "make the products beside the output: summary CSV, quicklook figures (OUTPUT_STEM.products/)"},
    {"job", "quicklook_max", REGIA_KEY_INT, 0, "24", 0, 100000, NULL,
     "at most this many per-item quicklook figures (the most interesting items first)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

/* [publish] keys of every domain (job-file only): regia submit chains regia publish. */
static const regia_job_key_t publish_keys[] = {
    {"publish", "catalog", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "regia submit: publish the output into this catalog directory after the run (regia publish)"},
    {"publish", "title", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "the catalog's title (regia publish --title)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

enum { MAX_DOMAINS = 64 };

static struct {
    const regia_domain_t *dom;
    regia_job_key_t *schema;
} merged[MAX_DOMAINS];

static int declared(const regia_job_key_t *schema, const regia_job_key_t *k)
{
    for (const regia_job_key_t *s = schema; s->key; s++)
        if (!strcasecmp(s->section, k->section) && !strcasecmp(s->key, k->key)) return 1;
    return 0;
}

const regia_job_key_t *regia_domain_schema(const regia_domain_t *dom)
{
    int slot = -1;
    for (int i = 0; i < MAX_DOMAINS; i++) {
        if (merged[i].dom == dom) return merged[i].schema;
        if (!merged[i].dom && slot < 0) slot = i;
    }
    if (slot < 0) return dom->schema;
    size_t n = 0;
    while (dom->schema[n].key) n++;
    regia_job_key_t *s = malloc((n + 5) * sizeof *s);
    if (!s) return dom->schema;
    memcpy(s, dom->schema, n * sizeof *s);
    if (dom->products)
        for (const regia_job_key_t *k = products_keys; k->key; k++)
            if (!declared(dom->schema, k)) s[n++] = *k;
    for (const regia_job_key_t *k = publish_keys; k->key; k++)
        if (!declared(dom->schema, k)) s[n++] = *k;
    memset(&s[n], 0, sizeof s[n]);
    merged[slot].dom = dom;
    merged[slot].schema = s;
    return s;
}
