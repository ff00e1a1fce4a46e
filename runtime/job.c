/* Job files: INI text checked against a schema (see regia/job.h).
 *
 * The text is split into lines here rather than by libinih: inih reads into a line buffer
 * whose size is fixed when the library is built (200 bytes in Debian's and upstream's
 * default builds, and only a build option makes it grow), and job files need lines of any
 * length and values continued over several lines. */
#include "regia/job.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regia/fileutil.h"

enum { MAX_JOB_BYTES = 1 << 20 };

typedef struct {
    char *section, *key, *value;
    int line;                 /* the key's line (the first of a continued value) */
    const regia_job_key_t *spec;
    char *resolved;           /* PATH: value resolved against the job's directory */
    int n_items;              /* LIST */
    char **items;
} entry_t;

struct regia_job {
    char *text, *path, *dir;
    char sha[65];
    char values_sha[65];      /* of every key's value after ${VAR} and {array} expansion */
    entry_t *e;
    int n, cap;
    const regia_job_key_t *schema;
    int array_index;          /* array task this job was expanded for, -1 if none */
    /* parse state */
    const char *cursor;
    int lineno;
};

static const regia_job_key_t *find_spec(const regia_job_key_t *schema,
                                        const char *section, const char *key)
{
    for (const regia_job_key_t *k = schema; k->key; k++)
        if (strcasecmp(k->section, section) == 0 && strcasecmp(k->key, key) == 0) return k;
    return NULL;
}

static int section_known(const regia_job_key_t *schema, const char *section)
{
    for (const regia_job_key_t *k = schema; k->key; k++)
        if (strcasecmp(k->section, section) == 0) return 1;
    return 0;
}

static entry_t *find_entry(const regia_job_t *job, const char *section, const char *key)
{
    for (int i = 0; i < job->n; i++)
        if (strcasecmp(job->e[i].section, section) == 0 && strcasecmp(job->e[i].key, key) == 0)
            return &job->e[i];
    return NULL;
}

/* Keys that were renamed: an old job file names the key it now has instead of only
 * "unknown key".  Said only when the job's schema has the new key, so a domain with a
 * section of the same name is not told about another domain's key. */
static const struct {
    const char *section, *old, *now, *why;
} renamed[] = {
    {"qc", "clock_min_corr", "clock_min_agreement",
     "since 2026-12-03 the clock offset is estimated from the cross-spectrum's phase, and the threshold is the "
     "phase agreement, 0 to 1, default 0.7 (docs/sensors-methods.md, 'Clock offsets')"},
};

static regia_status_t unknown_key(const regia_job_t *job, const char *section, const char *name, int line)
{
    if (!section_known(job->schema, section))
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: unknown section [%s] (key '%s')", job->path, line, section, name);
    for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
        if (!strcasecmp(renamed[i].section, section) && !strcasecmp(renamed[i].old, name) &&
            find_spec(job->schema, section, renamed[i].now))
            return REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: key '%s' in section [%s] was renamed to '%s': %s", job->path,
                              line, name, section, renamed[i].now, renamed[i].why);
    return REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: unknown key '%s' in section [%s]", job->path, line, name, section);
}

/* Record `key = value` of `section`, set on `line` (0 for a fallback). */
static regia_status_t add_entry(regia_job_t *job, const char *section, const char *name, const char *value,
                                int line)
{
    const regia_job_key_t *spec = find_spec(job->schema, section, name);
    if (!spec) return unknown_key(job, section, name, line);
    entry_t *old = find_entry(job, section, name);
    if (old)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: key '%s' repeated (first set on line %d)", job->path, line,
                          name, old->line);
    if (job->n == job->cap) {
        int cap = job->cap ? 2 * job->cap : 32;
        entry_t *e = realloc(job->e, (size_t)cap * sizeof *e);
        if (!e) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory reading %s", job->path);
        job->e = e;
        job->cap = cap;
    }
    entry_t *e = &job->e[job->n++];
    memset(e, 0, sizeof *e);
    e->section = strdup(section);
    e->key = strdup(name);
    e->value = strdup(value);
    e->line = line;
    e->spec = spec;
    if (!e->section || !e->key || !e->value) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory reading %s", job->path);
    return REGIA_OK;
}

/* ---- reading: lines of any length, values continued with a final backslash ----------- */

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* The next line of the text, without its line end (LF or CRLF) and, on line 1, without a
 * UTF-8 byte-order mark.  0 at the end of the text. */
static int next_line(regia_job_t *job, const char **line, size_t *len)
{
    const char *p = job->cursor;
    if (*p == '\0') return 0;
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    job->cursor = p + n + (nl != NULL);
    if (n && p[n - 1] == '\r') n--;
    if (++job->lineno == 1 && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) { p += 3; n -= 3; }
    *line = p;
    *len = n;
    return 1;
}

/* Length of the line without an inline comment (';' after a blank, as libinih reads
 * them) and without trailing blanks. */
static size_t content_len(const char *line, size_t len)
{
    for (size_t i = 1; i < len; i++)
        if (line[i] == ';' && is_blank(line[i - 1])) { len = i; break; }
    while (len && is_blank(line[len - 1])) len--;
    return len;
}

typedef struct { char *p; size_t n, cap; } buf_t;

static int buf_add(buf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = 2 * (b->n + n + 1);
        char *grown = realloc(b->p, cap);
        if (!grown) return 0;
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 1;
}

/* Split the text into [section] headers and key = value entries (regia/job.h). */
static regia_status_t parse_lines(regia_job_t *job)
{
    regia_status_t st = REGIA_OK;
    buf_t section = {0}, name = {0}, value = {0};
    const char *line;
    size_t len;
    if (!buf_add(&section, "", 0)) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    while (st == REGIA_OK && next_line(job, &line, &len)) {
        while (len && is_blank(*line)) { line++; len--; }
        if (len == 0 || *line == '#' || *line == ';') continue;
        len = content_len(line, len);
        if (*line == '[') {
            if (line[len - 1] != ']' || len < 2 || memchr(line + 1, ']', len - 2)) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: a section header is '[name]' alone on its line",
                                job->path, job->lineno);
                break;
            }
            const char *s = line + 1;
            size_t n = len - 2;
            while (n && is_blank(*s)) { s++; n--; }
            while (n && is_blank(s[n - 1])) n--;
            section.n = 0;
            if (!buf_add(&section, s, n)) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
            continue;
        }
        size_t k = 0;
        while (k < len && line[k] != '=' && line[k] != ':') k++;
        size_t kn = k;
        while (kn && is_blank(line[kn - 1])) kn--;
        if (k == len || kn == 0) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: not a 'key = value' line or a '[section]' header", job->path,
                            job->lineno);
            break;
        }
        name.n = value.n = 0;
        const char *v = line + k + 1;
        size_t vn = len - k - 1;
        while (vn && is_blank(*v)) { v++; vn--; }
        int first = job->lineno, ok = buf_add(&name, line, kn) && buf_add(&value, v, vn);
        /* a value whose line ends in '\' goes on on the next line, without that line's
         * leading blanks */
        while (ok && value.n && value.p[value.n - 1] == '\\') {
            value.p[--value.n] = '\0';
            int prev = job->lineno;
            if (!next_line(job, &line, &len)) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: key '%s': line %d ends with '\\' (continued) but the file "
                                "ends there", job->path, first, name.p, prev);
                break;
            }
            while (len && is_blank(*line)) { line++; len--; }
            if (len == 0 || *line == '#' || *line == ';' || *line == '[') {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: key '%s': line %d ends with '\\' (continued) but line %d is "
                                "%s; remove the '\\' or continue the value there", job->path, first, name.p, prev,
                                job->lineno, len == 0 ? "blank" : *line == '[' ? "a section header" : "a comment");
                break;
            }
            ok = buf_add(&value, line, content_len(line, len));
        }
        if (st) break;
        if (!ok) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory reading %s", job->path);
        else st = add_entry(job, section.p, name.p, value.p, first);
    }
    free(section.p);
    free(name.p);
    free(value.p);
    return st;
}

/* ---- validation ------------------------------------------------------------------ */
static int in_choices(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncasecmp(c, v, n) == 0) return 1;
        if (!bar) break;
        c = bar + 1;
    }
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) *--end = '\0';
    return s;
}

static int parse_bool(const char *v, int *out)
{
    static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) { *out = 1; return 1; }
        if (strcasecmp(v, no[i]) == 0) { *out = 0; return 1; }
    }
    return 0;
}

/* Replace "dir/../x" by the canonical form when dir exists (realpath of the parent;
 * the file itself may not exist yet).  Left as it is otherwise. */
static void tidy_path(char **path)
{
    /* "store/" -> "store": the last component is then the name outputs record (issue 12) */
    for (size_t n = strlen(*path); n > 1 && (*path)[n - 1] == '/'; n--) (*path)[n - 1] = '\0';
    char *slash = strrchr(*path, '/');
    if (!slash || slash == *path) return;
    *slash = '\0';
    char *dir = realpath(*path, NULL);
    *slash = '/';
    if (!dir) return;
    size_t len = strlen(dir) + strlen(slash) + 1;
    char *full = malloc(len);
    if (full) {
        snprintf(full, len, "%s%s", dir, slash);
        free(*path);
        *path = full;
    }
    free(dir);
}

static regia_status_t check_number(const regia_job_t *job, const entry_t *e, const char *v, double *out)
{
    const regia_job_key_t *k = e->spec;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *trim(end) != '\0' || errno == ERANGE || !isfinite(d))
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: key '%s': '%s' is not a number", job->path, e->line,
                          k->key, v);
    if (k->type == REGIA_KEY_INT && d != floor(d))
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: key '%s': '%s' is not a whole number", job->path, e->line,
                          k->key, v);
    if (k->min < k->max && (d < k->min || d > k->max))
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key '%s': %s is outside [%g, %g]", job->path, e->line,
                          k->key, v, k->min, k->max);
    *out = d;
    return REGIA_OK;
}

static regia_status_t split_list(regia_job_t *job, entry_t *e)
{
    if (e->items) return REGIA_OK; /* already split */
    size_t cap = 1;
    for (const char *c = e->value; *c; c++) cap += *c == ',';
    char *copy = strdup(e->value), *save = NULL;
    e->items = calloc(cap, sizeof *e->items);
    if (!copy || !e->items) { free(copy); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); }
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *t = trim(tok);
        if (!*t) continue;
        if (!(e->items[e->n_items] = strdup(t))) { free(copy); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); }
        e->n_items++;
    }
    free(copy);
    if (e->n_items == 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key '%s': empty list", job->path, e->line, e->key);
    return REGIA_OK;
}

static regia_status_t validate_entry(regia_job_t *job, entry_t *e)
{
    const regia_job_key_t *k = e->spec;
    double d;
    int b;
    if (k->type != REGIA_KEY_STRING && k->type != REGIA_KEY_LIST && k->type != REGIA_KEY_FILE_LIST &&
        e->value[0] == '\0')
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: key '%s' has no value", job->path, e->line, k->key);
    switch (k->type) {
    case REGIA_KEY_STRING: return REGIA_OK;
    case REGIA_KEY_PATH: {
        const char *v = e->value;
        if (v[0] == '/' || !job->dir[0]) {
            e->resolved = strdup(v);
        } else {
            size_t len = strlen(job->dir) + strlen(v) + 2;
            e->resolved = malloc(len);
            if (e->resolved) snprintf(e->resolved, len, "%s/%s", job->dir, v);
        }
        if (!e->resolved) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        tidy_path(&e->resolved);
        return REGIA_OK;
    }
    case REGIA_KEY_INT:
    case REGIA_KEY_DOUBLE: return check_number(job, e, e->value, &d);
    case REGIA_KEY_BOOL:
        if (!parse_bool(e->value, &b))
            return REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: key '%s': '%s' is not true or false", job->path,
                              e->line, k->key, e->value);
        return REGIA_OK;
    case REGIA_KEY_ENUM:
        if (!in_choices(k->choices, e->value))
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key '%s': '%s' is not one of %s", job->path,
                              e->line, k->key, e->value, k->choices);
        return REGIA_OK;
    case REGIA_KEY_FILE_LIST: {
        regia_status_t st = split_list(job, e);
        /* relative names: relative to the job file's directory (as given otherwise) */
        for (int i = 0; i < e->n_items && !st; i++) {
            char *v = e->items[i];
            if (v[0] != '/' && job->dir[0]) {
                size_t len = strlen(job->dir) + strlen(v) + 2;
                char *r = malloc(len);
                if (!r) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
                snprintf(r, len, "%s/%s", job->dir, v);
                free(v);
                e->items[i] = r;
            }
        }
        return st;
    }
    case REGIA_KEY_LIST:
    case REGIA_KEY_DOUBLE_LIST: {
        regia_status_t st = split_list(job, e);
        if (st) return st;
        for (int i = 0; i < e->n_items; i++) {
            if (k->type == REGIA_KEY_DOUBLE_LIST) {
                st = check_number(job, e, e->items[i], &d);
                if (st) return st;
            } else if (k->choices && !in_choices(k->choices, e->items[i])) {
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key '%s': '%s' is not one of %s", job->path,
                                  e->line, k->key, e->items[i], k->choices);
            }
            for (int j = 0; j < i; j++)
                if (strcasecmp(e->items[i], e->items[j]) == 0)
                    return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key '%s': '%s' listed twice", job->path,
                                      e->line, k->key, e->items[i]);
        }
        return REGIA_OK;
    }
    }
    return REGIA_OK;
}

/* Absent optional keys with a fallback become entries with line 0, so getters and
 * validation treat both alike. */
static regia_status_t add_fallbacks(regia_job_t *job)
{
    for (const regia_job_key_t *k = job->schema; k->key; k++) {
        if (find_entry(job, k->section, k->key)) continue;
        if (k->required)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: required key '%s' missing from section [%s]", job->path,
                              k->key, k->section[0] ? k->section : "(top)");
        if (!k->fallback) continue;
        regia_status_t st = add_entry(job, k->section, k->key, k->fallback, 0);
        if (st) return st;
    }
    return REGIA_OK;
}

/* ---- substitutions: ${VAR} from the environment, {array} from [slurm] array ---------- */

/* The element of [slurm] array that this array task runs, or NULL with *n_items = 0 when
 * the job has no array.  The index comes from REGIA_ARRAY_INDEX or SLURM_ARRAY_TASK_ID. */
static regia_status_t array_element(regia_job_t *job, char **elem, int *n_items, int *index)
{
    *elem = NULL;
    *n_items = 0;
    *index = -1;
    entry_t *a = find_entry(job, "slurm", "array");
    if (!a) return REGIA_OK;
    regia_status_t st = split_list(job, a);
    if (st) return st;
    *n_items = a->n_items;
    const char *v = getenv("REGIA_ARRAY_INDEX");
    if (!v || !*v) v = getenv("SLURM_ARRAY_TASK_ID");
    if (!v || !*v) return REGIA_OK;
    char *end;
    long i = strtol(v, &end, 10);
    if (*end || i < 0 || i >= a->n_items)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: array task %s is outside 0..%d of key 'array'", job->path,
                          a->line, v, a->n_items - 1);
    *elem = a->items[i];
    *index = (int)i;
    return REGIA_OK;
}

/* The environment variables ${NAME} may name (regia/job.h): where files go on Leonardo
 * and what SLURM says about the job, plus REGIA_* names.  Any other variable, such as a
 * token in the submitting shell, cannot be copied into a value (and from there into an
 * output's attributes or a batch script). */
static const char *const ALLOWED_VARS[] = {"HOME", "USER", "WORK", "CINECA_SCRATCH", "SCRATCH", "FAST",
                                           "PUBLIC", "TMPDIR", "SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID",
                                           "SLURM_ARRAY_TASK_ID", "SLURM_SUBMIT_DIR", NULL};

int regia_job_var_allowed(const char *name)
{
    for (int i = 0; ALLOWED_VARS[i]; i++)
        if (!strcmp(name, ALLOWED_VARS[i])) return 1;
    if (strncmp(name, "REGIA_", 6) != 0 || !name[6]) return 0;
    for (const char *c = name + 6; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_')) return 0;
    return 1;
}

const char *regia_job_allowed_vars(void)
{
    static char list[512];
    if (!list[0]) {
        size_t n = 0;
        for (int i = 0; ALLOWED_VARS[i]; i++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s, ", ALLOWED_VARS[i]);
        snprintf(list + n, sizeof list - n, "REGIA_*");
    }
    return list;
}

static regia_status_t expand_value(regia_job_t *job, entry_t *e, const char *elem, int n_items)
{
    const char *v = e->value;
    if (!strchr(v, '$') && !strstr(v, "{array}")) return REGIA_OK;
    size_t cap = strlen(v) + 256, n = 0;
    char *out = malloc(cap);
    if (!out) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (const char *p = v; *p;) {
        const char *add = NULL;
        size_t add_len = 0, skip = 1;
        char name[256];
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');
            size_t len = close ? (size_t)(close - p - 2) : 0;
            if (!close || len == 0 || len >= sizeof name) {
                free(out);
                return REGIA_FAIL(REGIA_ERR_PARSE, "%s:%d: key '%s': unterminated or empty '${' in '%s'", job->path,
                                  e->line, e->key, v);
            }
            memcpy(name, p + 2, len);
            name[len] = '\0';
            if (!regia_job_var_allowed(name)) {
                free(out);
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key '%s': ${%s} is not a variable a job file may use "
                                  "(%s; see regia/job.h)", job->path, e->line, e->key, name,
                                  regia_job_allowed_vars());
            }
            add = getenv(name);
            if (!add) {
                free(out);
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key '%s': environment variable %s is not set", job->path,
                                  e->line, e->key, name);
            }
            add_len = strlen(add);
            skip = len + 3;
        } else if (!strncmp(p, "{array}", 7)) {
            if (!elem) {
                free(out);
                if (!n_items)
                    return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key '%s' uses {array} but [slurm] has no 'array' list",
                                      job->path, e->line, e->key);
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s:%d: key '%s' uses {array}, but this is not an array task "
                                  "(submit with 'regia submit', or set REGIA_ARRAY_INDEX to 0..%d)",
                                  job->path, e->line, e->key, n_items - 1);
            }
            add = elem;
            add_len = strlen(elem);
            skip = 7;
        } else {
            add = p;
            add_len = 1;
        }
        if (n + add_len + 1 > cap) {
            cap = 2 * (n + add_len + 1);
            char *grown = realloc(out, cap);
            if (!grown) { free(out); return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); }
            out = grown;
        }
        memcpy(out + n, add, add_len);
        n += add_len;
        p += skip;
    }
    out[n] = '\0';
    free(e->value);
    e->value = out;
    return REGIA_OK;
}

static regia_status_t expand_all(regia_job_t *job)
{
    char *elem;
    int n_items, index;
    regia_status_t st = array_element(job, &elem, &n_items, &index);
    if (st) return st;
    char *keep = elem ? strdup(elem) : NULL;
    if (elem && !keep) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    job->array_index = index;
    for (int i = 0; i < job->n && st == REGIA_OK; i++) {
        entry_t *e = &job->e[i];
        if (!strcasecmp(e->section, "slurm") && !strcasecmp(e->key, "array")) continue;
        st = expand_value(job, e, keep, n_items);
    }
    free(keep);
    return st;
}

regia_status_t regia_job_parse(const char *text, const char *path, const regia_job_key_t *schema,
                               regia_job_t **out)
{
    regia_status_t st = REGIA_OK;
    *out = NULL;
    regia_job_t *job = calloc(1, sizeof *job);
    if (!job) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    job->text = strdup(text);
    job->path = strdup(path);
    job->dir = strdup(path);
    char *slash = strrchr(job->dir, '/');
    if (slash) *slash = '\0'; else job->dir[0] = '\0';
    job->schema = schema;
    job->cursor = job->text;
    regia_sha256_buf(text, strlen(text), job->sha);
    if (text[strspn(text, " \t\r\n")] == '\0') {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: the job file is empty", path);
        goto err;
    }
    REGIA_TRY(parse_lines(job));
    REGIA_TRY(add_fallbacks(job));
    REGIA_TRY(expand_all(job));
    for (int i = 0; i < job->n; i++) REGIA_TRY(validate_entry(job, &job->e[i]));
    {
        /* section, key and expanded value of every entry: the same file gives another hash
         * when an environment variable or the array task changes a value */
        size_t cap = 1;
        for (int i = 0; i < job->n; i++)
            cap += strlen(job->e[i].section) + strlen(job->e[i].key) + strlen(job->e[i].value) + 3;
        char *all = malloc(cap), *w = all;
        if (!all) { st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory"); goto err; }
        for (int i = 0; i < job->n; i++)
            w += sprintf(w, "%s\x1f%s\x1f%s\x1e", job->e[i].section, job->e[i].key, job->e[i].value);
        regia_sha256_buf(all, (size_t)(w - all), job->values_sha);
        free(all);
    }
    *out = job;
    return REGIA_OK;
err:
    regia_job_free(job);
    return st;
}

regia_status_t regia_job_load(const char *path, const regia_job_key_t *schema, MPI_Comm comm,
                              regia_job_t **job)
{
    *job = NULL;
    int rank;
    MPI_Comm_rank(comm, &rank);
    char *text = NULL;
    long long len = -1; /* -1: error, message broadcast instead */
    char msg[1024] = "";
    if (rank == 0) {
        size_t n = 0;
        regia_status_t st = regia_read_file(path, MAX_JOB_BYTES, &text, &n);
        if (st == REGIA_OK && memchr(text, '\0', n)) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: contains NUL bytes: not a text job file", path);
            free(text);
            text = NULL;
        }
        if (st == REGIA_OK) len = (long long)n;
        else snprintf(msg, sizeof msg, "%s", regia_error_msg());
    }
    MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm);
    if (len < 0) {
        MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm);
        return REGIA_FAIL(REGIA_ERR_IO, "%s", msg);
    }
    if (rank != 0) text = malloc((size_t)len + 1);
    MPI_Bcast(text, (int)len + 1, MPI_CHAR, 0, comm);
    regia_status_t st = regia_job_parse(text, path, schema, job);
    free(text);
    return st;
}

void regia_job_free(regia_job_t *job)
{
    if (!job) return;
    for (int i = 0; i < job->n; i++) {
        entry_t *e = &job->e[i];
        free(e->section); free(e->key); free(e->value); free(e->resolved);
        for (int j = 0; j < e->n_items; j++) free(e->items[j]);
        free(e->items);
    }
    free(job->e); free(job->text); free(job->path); free(job->dir);
    free(job);
}

/* ---- getters ------------------------------------------------------------------------ */
int regia_job_has(const regia_job_t *job, const char *s, const char *k) { return find_entry(job, s, k) != NULL; }
const char *regia_job_str(const regia_job_t *job, const char *s, const char *k)
{
    entry_t *e = find_entry(job, s, k);
    return e ? e->value : NULL;
}
const char *regia_job_path(const regia_job_t *job, const char *s, const char *k)
{
    entry_t *e = find_entry(job, s, k);
    return e ? (e->resolved ? e->resolved : e->value) : NULL;
}
int64_t regia_job_int(const regia_job_t *job, const char *s, const char *k)
{
    const char *v = regia_job_str(job, s, k);
    return v ? (int64_t)strtod(v, NULL) : 0;
}
double regia_job_double(const regia_job_t *job, const char *s, const char *k)
{
    const char *v = regia_job_str(job, s, k);
    return v ? strtod(v, NULL) : NAN;
}
int regia_job_bool(const regia_job_t *job, const char *s, const char *k)
{
    const char *v = regia_job_str(job, s, k);
    int b = 0;
    return v && parse_bool(v, &b) ? b : 0;
}
int regia_job_list_len(const regia_job_t *job, const char *s, const char *k)
{
    entry_t *e = find_entry(job, s, k);
    return e ? e->n_items : 0;
}
const char *regia_job_list_item(const regia_job_t *job, const char *s, const char *k, int i)
{
    entry_t *e = find_entry(job, s, k);
    return e && i >= 0 && i < e->n_items ? e->items[i] : NULL;
}
double regia_job_list_double(const regia_job_t *job, const char *s, const char *k, int i)
{
    const char *v = regia_job_list_item(job, s, k, i);
    return v ? strtod(v, NULL) : NAN;
}
int regia_job_line(const regia_job_t *job, const char *s, const char *k)
{
    entry_t *e = find_entry(job, s, k);
    return e ? e->line : 0;
}
const char *regia_job_text(const regia_job_t *job) { return job->text; }
const char *regia_job_file(const regia_job_t *job) { return job->path; }
const char *regia_job_sha256(const regia_job_t *job) { return job->sha; }
const char *regia_job_values_sha256(const regia_job_t *job) { return job->values_sha; }

void regia_job_print_schema(const regia_job_key_t *schema, void *stream)
{
    FILE *f = stream;
    const char *sec = NULL;
    for (const regia_job_key_t *k = schema; k->key; k++) {
        if (!sec || strcmp(sec, k->section) != 0) {
            sec = k->section;
            fprintf(f, "\n  [%s]\n", sec);
        }
        fprintf(f, "    %-18s %s", k->key, k->help ? k->help : "");
        if (k->type == REGIA_KEY_ENUM || (k->type == REGIA_KEY_LIST && k->choices))
            fprintf(f, " (%s)", k->choices);
        if (k->required) fprintf(f, " [required]");
        else if (k->fallback) fprintf(f, " [default: %s]", k->fallback);
        fputc('\n', f);
    }
}

int regia_job_array_index(const regia_job_t *job) { return job->array_index; }
