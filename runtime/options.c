/* Command-line options from a job-file schema (see regia/options.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regia/options.h"

static int option_key(const regia_job_key_t *k)
{
    return strcasecmp(k->section, "slurm") != 0 && strcasecmp(k->section, "ingest") != 0 &&
           strcasecmp(k->section, "publish") != 0;
}

static int key_ambiguous(const regia_job_key_t *schema, const regia_job_key_t *k)
{
    for (const regia_job_key_t *o = schema; o->key; o++)
        if (o != k && option_key(o) && !strcasecmp(o->key, k->key)) return 1;
    return 0;
}

void regia_opts_name(const regia_job_key_t *schema, const char *section, const char *key, char *buf, size_t cap)
{
    const regia_job_key_t *k = schema;
    while (k->key && (strcasecmp(k->section, section) || strcasecmp(k->key, key))) k++;
    size_t n = (size_t)snprintf(buf, cap, "--");
    if (k->key && key_ambiguous(schema, k)) n += (size_t)snprintf(buf + n, cap > n ? cap - n : 0, "%s.", section);
    snprintf(buf + n, cap > n ? cap - n : 0, "%s", key);
    for (char *c = buf + 2; *c; c++)
        if (*c == '_') *c = '-';
}

/* The key an option name (without "--") sets, or NULL. */
static const regia_job_key_t *find_key(const regia_job_key_t *schema, const char *name, int *ambiguous)
{
    char want[160];
    snprintf(want, sizeof want, "%s", name);
    for (char *c = want; *c; c++)
        if (*c == '-') *c = '_';
    const char *dot = strchr(want, '.');
    const regia_job_key_t *hit = NULL;
    int n = 0;
    for (const regia_job_key_t *k = schema; k->key; k++) {
        if (!option_key(k)) continue;
        if (dot ? (!strncasecmp(k->section, want, (size_t)(dot - want)) && k->section[dot - want] == '\0' &&
                   !strcasecmp(k->key, dot + 1))
                : !strcasecmp(k->key, want)) {
            hit = k;
            n++;
        }
    }
    *ambiguous = n > 1;
    return n == 1 ? hit : NULL;
}

static const char *metavar(const regia_opt_meta_t *meta, const regia_job_key_t *k)
{
    for (const regia_opt_meta_t *m = meta; m && m->key; m++)
        if (!strcasecmp(m->key, k->key)) return m->metavar;
    switch (k->type) {
    case REGIA_KEY_PATH: return "FILE";
    case REGIA_KEY_INT: return "N";
    case REGIA_KEY_DOUBLE: return "X";
    case REGIA_KEY_BOOL: return "[=yes|no]";
    case REGIA_KEY_ENUM: return k->choices;
    case REGIA_KEY_LIST: return "A,B,...";
    case REGIA_KEY_DOUBLE_LIST: return "X,Y,...";
    case REGIA_KEY_FILE_LIST: return "FILE";
    default: return "VALUE";
    }
}

/* "a|b|c" -> "a, b or c" */
static void choices_text(const char *choices, char *buf, size_t cap)
{
    size_t n = 0, len = strlen(choices);
    int bars = 0;
    for (size_t i = 0; i < len; i++) bars += choices[i] == '|';
    int seen = 0;
    for (size_t i = 0; i < len && n + 6 < cap; i++) {
        if (choices[i] == '|') {
            seen++;
            n += (size_t)snprintf(buf + n, cap - n, "%s", seen == bars ? " or " : ", ");
        } else {
            buf[n++] = choices[i];
        }
    }
    buf[n < cap ? n : cap - 1] = '\0';
}

static int in_choices(const char *choices, const char *v, size_t len)
{
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t n = bar ? (size_t)(bar - c) : strlen(c);
        if (n == len && !strncasecmp(c, v, n)) return 1;
        c += n + (bar ? 1 : 0);
        if (!bar) break;
    }
    return 0;
}

static int num_ok(const regia_job_key_t *k, const char *s, size_t len, int integer)
{
    char buf[64];
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *e;
    errno = 0;
    double v = integer ? (double)strtoll(buf, &e, 10) : strtod(buf, &e);
    if (*e || errno || !isfinite(v)) return 0;
    return !(k->min < k->max) || (v >= k->min && v <= k->max);
}

/* Check a value as the job-file parser will; the message names the option. */
static regia_status_t check_value(const regia_job_key_t *k, const char *opt, const char *v)
{
    char what[512];
    int ok = 1;
    switch (k->type) {
    case REGIA_KEY_INT:
        ok = num_ok(k, v, strlen(v), 1);
        if (k->min < k->max) snprintf(what, sizeof what, "an integer in %.0f..%.0f", k->min, k->max);
        else snprintf(what, sizeof what, "an integer");
        break;
    case REGIA_KEY_DOUBLE:
        ok = num_ok(k, v, strlen(v), 0);
        if (k->min < k->max) snprintf(what, sizeof what, "a number in [%g, %g]", k->min, k->max);
        else snprintf(what, sizeof what, "a number");
        break;
    case REGIA_KEY_BOOL:
        ok = in_choices("true|false|yes|no|on|off|1|0", v, strlen(v));
        snprintf(what, sizeof what, "yes or no");
        break;
    case REGIA_KEY_ENUM:
        ok = in_choices(k->choices, v, strlen(v));
        choices_text(k->choices, what, sizeof what);
        break;
    case REGIA_KEY_LIST:
    case REGIA_KEY_FILE_LIST:
    case REGIA_KEY_DOUBLE_LIST: {
        const char *c = v;
        for (;;) {
            const char *comma = strchr(c, ',');
            size_t n = comma ? (size_t)(comma - c) : strlen(c);
            const char *s = c;
            size_t m = n;
            while (m && isspace((unsigned char)*s)) s++, m--;
            while (m && isspace((unsigned char)s[m - 1])) m--;
            if (m == 0) ok = 0;
            else if (k->type == REGIA_KEY_DOUBLE_LIST) ok &= num_ok(k, s, m, 0);
            else if (k->choices) ok &= in_choices(k->choices, s, m);
            if (!comma) break;
            c = comma + 1;
        }
        if (k->type == REGIA_KEY_DOUBLE_LIST && k->min < k->max)
            snprintf(what, sizeof what, "comma-separated numbers, each in [%g, %g]", k->min, k->max);
        else if (k->choices) {
            char ch[400];
            choices_text(k->choices, ch, sizeof ch);
            snprintf(what, sizeof what, "a comma-separated list of %s", ch);
        } else
            snprintf(what, sizeof what, "a comma-separated list");
        break;
    }
    default:
        ok = *v != '\0';
        snprintf(what, sizeof what, "a value");
    }
    if (strpbrk(v, "\n\r")) ok = 0;
    if (ok) return REGIA_OK;
    return REGIA_FAIL(REGIA_ERR_INVALID, "%s '%s': expected %s", opt, v, what);
}

regia_status_t regia_opts_parse(const regia_job_key_t *schema, const regia_opt_meta_t *meta, int check_required,
                                int argc, char **argv, regia_opts_t *o)
{
    memset(o, 0, sizeof *o);
    int nkeys = 0;
    while (schema[nkeys].key) nkeys++;
    const char **val = calloc((size_t)nkeys + 1, sizeof *val);
    char **joined = calloc((size_t)nkeys + 1, sizeof *joined); /* LIST keys given more than once */
    if (!val || !joined) {
        free(val);
        free(joined);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    }
    regia_status_t st = REGIA_OK;
    char opt[160];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { o->help = 1; continue; }
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) { o->quiet = 1; continue; }
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) { o->verbose = 1; continue; }
        if (a[0] != '-' || !strcmp(a, "-")) {
            if (o->n_pos == (int)(sizeof o->pos / sizeof o->pos[0])) {
                st = REGIA_FAIL(REGIA_ERR_INVALID, "too many arguments ('%s')", a);
                goto err;
            }
            o->pos[o->n_pos++] = argv[i];
            continue;
        }
        if (strncmp(a, "--", 2) != 0) { st = REGIA_FAIL(REGIA_ERR_INVALID, "unknown option '%s'", a); goto err; }
        const char *eq = strchr(a, '=');
        snprintf(opt, sizeof opt, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
        int amb = 0, negated = 0;
        const regia_job_key_t *k = find_key(schema, opt + 2, &amb);
        if (!k && !amb && !eq && !strncmp(opt, "--no-", 5)) { /* --no-products sets products = no */
            k = find_key(schema, opt + 5, &amb);
            if (k && k->type != REGIA_KEY_BOOL) k = NULL;
            negated = k != NULL;
        }
        if (!k) {
            st = amb ? REGIA_FAIL(REGIA_ERR_INVALID, "option '%s' is ambiguous: give it as --SECTION.%s", opt, opt + 2)
                     : REGIA_FAIL(REGIA_ERR_INVALID, "unknown option '%s'", opt);
            goto err;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v && k->type == REGIA_KEY_BOOL) v = negated ? "no" : "yes"; /* a flag: --iso sets iso = yes */
        if (!v) {
            if (i + 1 >= argc) { st = REGIA_FAIL(REGIA_ERR_INVALID, "option %s needs a value", opt); goto err; }
            v = argv[++i];
        }
        int ki = (int)(k - schema);
        int list = k->type == REGIA_KEY_LIST || k->type == REGIA_KEY_FILE_LIST;
        if (val[ki] && !list) {
            st = REGIA_FAIL(REGIA_ERR_INVALID, "option %s given twice", opt);
            goto err;
        }
        if ((st = check_value(k, opt, v))) goto err;
        if (val[ki]) { /* a list option given again appends: --data a --data b is data = a, b */
            size_t n = strlen(val[ki]) + strlen(v) + 3;
            char *j = malloc(n);
            if (!j) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
            snprintf(j, n, "%s, %s", val[ki], v);
            free(joined[ki]);
            val[ki] = joined[ki] = j;
            continue;
        }
        val[ki] = v;
        o->n_set++;
    }
    if (check_required)
        for (int ki = 0; ki < nkeys; ki++)
            if (schema[ki].required && option_key(&schema[ki]) && !val[ki]) {
                regia_opts_name(schema, schema[ki].section, schema[ki].key, opt, sizeof opt);
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s%s %s is required", schema[ki].type == REGIA_KEY_LIST ||
                                schema[ki].type == REGIA_KEY_FILE_LIST ? "at least one " : "", opt, metavar(meta, &schema[ki]));
                goto err;
            }
    if (o->n_set) {
        size_t cap = 64;
        for (int ki = 0; ki < nkeys; ki++)
            if (val[ki]) cap += strlen(schema[ki].section) + strlen(schema[ki].key) + strlen(val[ki]) + 16;
        o->text = malloc(cap);
        if (!o->text) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
        size_t n = 0;
        o->text[0] = '\0';
        /* one block per section, in schema order */
        for (int ki = 0; ki < nkeys; ki++) {
            if (!val[ki]) continue;
            int first = 1;
            for (int kj = 0; kj < ki; kj++)
                if (val[kj] && !strcasecmp(schema[kj].section, schema[ki].section)) first = 0;
            if (!first) continue;
            n += (size_t)snprintf(o->text + n, cap - n, "[%s]\n", schema[ki].section);
            for (int kj = ki; kj < nkeys; kj++)
                if (val[kj] && !strcasecmp(schema[kj].section, schema[ki].section))
                    /* no blank before the value: a value that starts with ';' is not a comment */
                    n += (size_t)snprintf(o->text + n, cap - n, "%s =%s\n", schema[kj].key, val[kj]);
        }
    }
err:
    for (int ki = 0; ki < nkeys; ki++) free(joined[ki]);
    free(joined);
    free(val);
    if (st) regia_opts_free(o);
    return st;
}

void regia_opts_free(regia_opts_t *o)
{
    free(o->text);
    o->text = NULL;
}

void regia_opts_print_help(const regia_job_key_t *schema, const regia_opt_meta_t *meta, FILE *f)
{
    char name[160], left[320];
    for (const regia_job_key_t *k = schema; k->key; k++) {
        if (!option_key(k)) continue;
        regia_opts_name(schema, k->section, k->key, name, sizeof name);
        snprintf(left, sizeof left, "%s %s", name, metavar(meta, k));
        fprintf(f, "  %-30s %s", left, k->help ? k->help : "");
        if (k->required) fprintf(f, " [required]");
        else if (k->fallback) fprintf(f, " [default: %s]", k->fallback);
        fputc('\n', f);
    }
    fprintf(f, "  %-30s %s\n  %-30s %s\n  %-30s %s\n", "-q, --quiet", "warnings and errors only",
            "-v, --verbose", "also the source location of an error", "-h, --help", "this help");
}
