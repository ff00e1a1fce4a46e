/* cmd_waitlist.c - `regia waitlist JOBFILE`: outpatient waiting lists by the national rules
 * (PNGLA compliance), weekly demand forecasts, queue risk and the capacity each district
 * needs, from the bookings NetCDF of `regia ingest waitlist`; a domain of the run protocol
 * (domain.h, run.c).
 *
 *   bookings .nc (sorted by service) -> index: its tables, service_first/count (items =
 *   services, cost = bookings), areas (districts, ASLs, region) -> [skeleton: cost-balanced
 *   contiguous blocks of services] -> read: each rank its services' bookings (one
 *   contiguous range) -> week and month axes -> per service: compliance, disclosure
 *   control, demand, risk, allocation (waitlist_*.c) -> the output variables.
 *
 * A service is computed whole on one rank: its districts, ASLs, weeks and months are tied
 * by the sums disclosure control must respect.  Its results depend on its own bookings and
 * the job only, so the data variables are identical at any rank count.  The job keys and
 * the output schema: docs/waitlist.md.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "regia/acdd.h"
#include "regia/croston.h"
#include "regia/ncio.h"
#include "regia/timeutil.h"
#include "waitlist_analysis.h"

enum {
    MAX_SERVICES = 100000,
    MAX_DISTRICTS = 100000,
    MAX_WEEKS = 1100,          /* about 21 years of weekly cells                            */
    READ_PIECE = 1 << 20,      /* bookings read per nc_get_vara call                         */
    MAX_GROUP_ITEMS = 256,
    NAME_LEN = 96,             /* the output's strlen (longest code or name + 1)             */
    SHOW_MISSES = 8
};

/* Return a failure at once (for functions with nothing to clean up). */
#define REGIA_TRY_RET(expr)                             \
    do {                                                \
        regia_status_t st_ = (expr);                    \
        if (st_ != REGIA_OK) return st_;                \
    } while (0)

/* A [limits] / [targets] per-group override: GROUP:CLASS:VALUE. */
typedef struct {
    char group[24];
    int klass;
    double value;
} wl_override_t;

typedef struct {
    wl_t w;                    /* first: the modules see this */
    const char *output, *as_of_text;
    int n_lim_over, n_tgt_over;
    wl_override_t lim_over[MAX_GROUP_ITEMS], tgt_over[MAX_GROUP_ITEMS];
    char lim_where[512], tgt_where[512];
    int64_t n_booking;
    char (*label)[48];         /* per service: the output's service_code (see service_labels) */
    int synthetic;             /* the input says its data are synthetic                     */
    char input_title[512], input_version[64];
    char t0[32], t1[32];       /* time coverage: the first week's Monday, as_of + horizon    */
    int64_t t_first_clock, t_last_contact;
    /* report */
    long long n_pop, n_red, n_cells_month, n_suppressed, n_cells;
    /* output variable ids of the coordinates */
    int v_scode, v_scode_new, v_sname, v_skind, v_sgroup, v_sarea, v_acode, v_aname, v_alevel, v_aparent;
    int v_dist_to, v_class, v_week, v_week_bnds, v_week_month, v_month, v_month_bnds, v_fstep, v_rstep, v_limit,
        v_target, v_dist;
    char monthly_path[4200];   /* OUT_STEM.monthly.nc: the month tables (run->extra[0])     */
} wls_t;

static void monthly_path(const char *output, char *buf, size_t cap);

/* ---- schema ---------------------------------------------------------------------------- */

static const regia_job_key_t waitlist_schema[] = {
    {"job", "output", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "output NetCDF-4 file; written under a temporary name and renamed when complete; the manifest is OUT.manifest.json"},
    {"job", "name", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "name of the run (ACDD id) [default: the output's name]"},
    {"job", "domain", REGIA_KEY_ENUM, 0, "waitlist", 0, 0, "waitlist", "the domain this job file is for (regia submit)"},
    {"job", "backend", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|cpu|cuda", "compute backend (demand ETS, queue risk)"},
    {"job", "threads", REGIA_KEY_INT, 0, "0", 0, 4096, NULL, "CPU threads per rank (0: OMP_NUM_THREADS or all)"},
    {"job", "progress_interval", REGIA_KEY_DOUBLE, 0, "10", 0.1, 86400, NULL, "seconds between progress lines"},
    {"job", "checkpoint_interval", REGIA_KEY_DOUBLE, 0, "300", 0, 1e9, NULL,
     "seconds between checkpoints of completed services (0: only on SIGUSR1/SIGTERM, which stop the run with exit "
     "status 3; run the same job again to resume)"},
    {"job", "checkpoint_dir", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL, "restart files [default: OUT minus .nc, plus .ckpt]"},
    {"job", "chunk", REGIA_KEY_INT, 0, "0", 0, 1 << 24, NULL, "services per checkpoint block (0: what the backend takes per call)"},
    {"waitlist", "input", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "bookings NetCDF written by regia ingest waitlist (pseudonymised; sorted by service)"},
    {"waitlist", "agendas", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL,
     "agendas CSV: provider, provider_name, agenda, service, district, slots_per_week, weekdays, valid_from, valid_to "
     "(the weekly capacity queue risk and allocation start from)"},
    {"waitlist", "districts", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "districts CSV (asl_code, asl_name, district_code, district_name, population): the population per district "
     "[default: the districts of the bookings file, no population]"},
    {"waitlist", "as_of", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL,
     "date of the analysis, YYYY-MM-DD (Europe/Rome): requests whose clock starts before it are measured, forecasts "
     "start at its week [default: the day after the last CUP contact]"},
    {"waitlist", "ingest_job", REGIA_KEY_PATH, 0, NULL, 0, 0, NULL,
     "regia submit: a job file of regia ingest waitlist that writes [waitlist] input, run first (afterok) on a CPU partition"},
    {"waitlist", "clock_start", REGIA_KEY_ENUM, 0, "contact", 0, 0, "prescription|contact|first_available",
     "when a wait starts: the prescription date, the CUP contact (PNGLA ex ante, the default) or the first available "
     "slot offered; named in the output and the log"},
    {"limits", "U", REGIA_KEY_DOUBLE, 0, "72", 1, 8760, NULL, "maximum wait of class U (urgente), in hours"},
    {"limits", "B", REGIA_KEY_DOUBLE, 0, "10", 1, 3650, NULL, "maximum wait of class B (breve), in days"},
    {"limits", "D_visit", REGIA_KEY_DOUBLE, 0, "30", 1, 3650, NULL, "maximum wait of class D (differibile) for visits, in days"},
    {"limits", "D_diagnostic", REGIA_KEY_DOUBLE, 0, "60", 1, 3650, NULL,
     "maximum wait of class D for diagnostic tests, in days"},
    {"limits", "P", REGIA_KEY_DOUBLE, 0, "120", 1, 3650, NULL,
     "maximum wait of class P (programmabile; also requests without a class), in days"},
    {"limits", "groups", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL,
     "per service group: GROUP:CLASS:LIMIT items (U in hours, others in days), e.g. mri:D:40 (groups of "
     "data/waitlist/pngla_services.csv)"},
    {"targets", "U", REGIA_KEY_DOUBLE, 0, "90", 1, 100, NULL, "percent of class U requests to be seen within the limit"},
    {"targets", "B", REGIA_KEY_DOUBLE, 0, "90", 1, 100, NULL, "percent of class B requests within the limit (FVG: 95)"},
    {"targets", "D", REGIA_KEY_DOUBLE, 0, "90", 1, 100, NULL, "percent of class D requests within the limit (FVG: 90)"},
    {"targets", "P", REGIA_KEY_DOUBLE, 0, "90", 1, 100, NULL, "percent of class P requests within the limit (FVG: 85)"},
    {"targets", "groups", REGIA_KEY_LIST, 0, NULL, 0, 0, NULL, "per service group: GROUP:CLASS:PERCENT items, e.g. mammography:B:95"},
    {"lights", "green", REGIA_KEY_DOUBLE, 0, "90", 0, 100, NULL, "ex ante share (percent) at or above which a cell is green"},
    {"lights", "yellow", REGIA_KEY_DOUBLE, 0, "60", 0, 100, NULL,
     "share at or above which a cell is yellow (below: red); at most green"},
    {"privacy", "k", REGIA_KEY_INT, 0, "10", 1, 1000000, NULL,
     "minimum frequency: counts (or distinct patients) of 1 .. k-1 are suppressed, with secondary suppression; at "
     "least 3 (ISTAT/SISTAN)"},
    {"privacy", "protection", REGIA_KEY_DOUBLE, 0, "0", 0, 1e9, NULL,
     "width an attacker's interval for a suppressed cell must reach (0: k)"},
    {"demand", "horizon", REGIA_KEY_INT, 0, "12", 1, 104, NULL, "weeks of demand forecast after as_of"},
    {"demand", "levels", REGIA_KEY_DOUBLE_LIST, 0, "80, 95", 1, 99.9, NULL,
     "prediction-interval levels in percent, at most 4"},
    {"demand", "intermittent", REGIA_KEY_ENUM, 0, "auto", 0, 0, "auto|classic|sba|optimized|tsb|adida|imapa",
     "method for intermittent series: auto = the Syntetos-Boylan ADI/CV2 rule, or one Croston-family method for all"},
    {"demand", "tsb_alpha_d", REGIA_KEY_DOUBLE, 0, NULL, 0.0001, 1, NULL,
     "TSB smoothing of the demand sizes (required with intermittent = tsb)"},
    {"demand", "tsb_alpha_p", REGIA_KEY_DOUBLE, 0, NULL, 0.0001, 1, NULL,
     "TSB smoothing of the demand probability (required with intermittent = tsb)"},
    {"risk", "weeks", REGIA_KEY_INT, 0, "8", 1, 52, NULL, "weeks of queue risk after as_of"},
    {"risk", "paths", REGIA_KEY_INT, 0, "1000", 10, 1000000, NULL, "Monte Carlo paths per service and area"},
    {"risk", "seed", REGIA_KEY_INT, 0, "20190221", 0, 9.0e15, NULL,
     "seed of the counter-based random streams (keyed by service, area and path)"},
    {"risk", "quantiles", REGIA_KEY_DOUBLE_LIST, 0, "0.1, 0.5, 0.9", 0, 1, NULL,
     "quantiles of the share served within the limit, fractions in [0, 1], at most 8"},
    {"allocation", "level", REGIA_KEY_DOUBLE, 0, "0.1", 0.001, 0.5, NULL,
     "largest acceptable probability of missing a class target after the extra slots"},
    {"allocation", "max_extra", REGIA_KEY_INT, 0, "50", 0, 100000, NULL, "largest extra weekly slots tried per area"},
    {"allocation", "weeks_to_target", REGIA_KEY_DOUBLE, 0, "26", 1, 520, NULL,
     "weeks to bring the list down to its target size (relief capacity)"},
    REGIA_SUBMIT_SCHEMA,
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static int class_index(const char *s)
{
    for (int c = 0; c < WL_CLASSES; c++)
        if (!strcmp(s, WL_CLASS_NAMES[c])) return c;
    return -1;
}

/* GROUP:CLASS:VALUE items of a list key. */
static regia_status_t parse_overrides(regia_run_t *run, const char *sec, wl_override_t *o, int *n, char *where,
                                      size_t wcap, double lo, double hi)
{
    regia_job_t *j = run->job;
    const int len = regia_job_list_len(j, sec, "groups");
    regia_run_where(run, sec, "groups", where, wcap);
    if (len > MAX_GROUP_ITEMS)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %d items, at most %d", where, len, MAX_GROUP_ITEMS);
    for (int i = 0; i < len; i++) {
        const char *it = regia_job_list_item(j, sec, "groups", i);
        char g[64], c[8], *end;
        const char *a = strchr(it, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!a || !b || a == it || (size_t)(a - it) >= sizeof o[i].group || (size_t)(b - a - 1) >= sizeof c)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: item '%s' is not GROUP:CLASS:VALUE (e.g. imaging:D:40)", where, it);
        snprintf(g, sizeof g, "%.*s", (int)(a - it), it);
        snprintf(c, sizeof c, "%.*s", (int)(b - a - 1), a + 1);
        errno = 0;
        double v = strtod(b + 1, &end);
        int k = class_index(c);
        if (k < 0)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: item '%s': class '%s' is not U, B, D or P", where, it, c);
        if (errno || end == b + 1 || *end || !(v >= lo && v <= hi))
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: item '%s': value '%s' is not a number in %g..%g", where, it,
                              b + 1, lo, hi);
        memcpy(o[i].group, g, strlen(g) + 1); /* shorter than the field: checked above */
        o[i].klass = k;
        o[i].value = v;
    }
    *n = len;
    return REGIA_OK;
}

static regia_status_t wl_configure(regia_run_t *run, void *self)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    regia_job_t *j = run->job;
    char where[512];
    S->output = regia_job_path(j, "job", "output");
    w->input = regia_job_path(j, "waitlist", "input");
    w->agendas_path = regia_job_path(j, "waitlist", "agendas");
    w->districts_path = regia_job_has(j, "waitlist", "districts") ? regia_job_path(j, "waitlist", "districts") : NULL;
    {
        const char *c = regia_job_str(j, "waitlist", "clock_start");
        w->clock = !strcmp(c, "prescription") ? WL_CLOCK_PRESCRIPTION
                   : !strcmp(c, "first_available") ? WL_CLOCK_FIRST_AVAILABLE : WL_CLOCK_CONTACT;
    }
    S->as_of_text = regia_job_has(j, "waitlist", "as_of") ? regia_job_str(j, "waitlist", "as_of") : NULL;
    w->as_of = WL_NOTIME;
    if (S->as_of_text) {
        int y, m, d, n = 0;
        regia_run_where(run, "waitlist", "as_of", where, sizeof where);
        if (sscanf(S->as_of_text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || S->as_of_text[n] || m < 1 || m > 12 ||
            d < 1 || d > regia_days_in_month(y, m) || y < 1990 || y > 2200)
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: '%s' is not a date YYYY-MM-DD (e.g. 2025-06-30)", where,
                              S->as_of_text);
        w->as_of = wl_rome_to_utc(y, m, d, 0, 0, 0);
        w->as_of_day = regia_days_from_civil(y, m, d);
    }
    const double U = regia_job_double(j, "limits", "U") / 24.0, B = regia_job_double(j, "limits", "B");
    const double P = regia_job_double(j, "limits", "P");
    for (int kind = 0; kind < 2; kind++) {
        w->limit_days[kind][WL_U] = U;
        w->limit_days[kind][WL_B] = B;
        w->limit_days[kind][WL_P] = P;
    }
    w->limit_days[0][WL_D] = regia_job_double(j, "limits", "D_visit");
    w->limit_days[1][WL_D] = regia_job_double(j, "limits", "D_diagnostic");
    for (int c = 0; c < WL_CLASSES; c++) w->target[c] = regia_job_double(j, "targets", WL_CLASS_NAMES[c]) / 100.0;
    REGIA_TRY_RET(parse_overrides(run, "limits", S->lim_over, &S->n_lim_over, S->lim_where, sizeof S->lim_where, 1, 8760));
    REGIA_TRY_RET(parse_overrides(run, "targets", S->tgt_over, &S->n_tgt_over, S->tgt_where, sizeof S->tgt_where, 1, 100));
    w->light_green = regia_job_double(j, "lights", "green");
    w->light_yellow = regia_job_double(j, "lights", "yellow");
    if (w->light_yellow > w->light_green) {
        regia_run_where(run, "lights", "yellow", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %g is above green (%g): yellow must be at most green", where,
                          w->light_yellow, w->light_green);
    }
    w->k = (double)regia_job_int(j, "privacy", "k");
    if (w->k < 3) {
        regia_run_where(run, "privacy", "k", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %g is below 3, the minimum frequency ISTAT/SISTAN rules allow for "
                          "published counts of patients (Regole deontologiche 2019, art. 5); use k = 3 or more "
                          "(default 10)", where, w->k);
    }
    w->protection = regia_job_double(j, "privacy", "protection");
    if (w->protection == 0) w->protection = w->k;
    w->horizon = (int)regia_job_int(j, "demand", "horizon");
    w->n_levels = regia_job_list_len(j, "demand", "levels");
    if (w->n_levels > 4) {
        regia_run_where(run, "demand", "levels", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %d levels, at most 4", where, w->n_levels);
    }
    for (int i = 0; i < w->n_levels; i++) {
        w->levels[i] = regia_job_list_double(j, "demand", "levels", i);
        for (int q = 0; q < i; q++)
            if (w->levels[q] == w->levels[i]) {
                regia_run_where(run, "demand", "levels", where, sizeof where);
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s: level %g given twice", where, w->levels[i]);
            }
    }
    {
        static const char *const im[REGIA_IM_N] = {"classic", "sba", "optimized", "tsb", "adida", "imapa"};
        const char *m = regia_job_str(j, "demand", "intermittent");
        w->intermittent_method = -1;
        for (int i = 0; i < REGIA_IM_N; i++)
            if (!strcmp(m, im[i])) w->intermittent_method = i;
        w->tsb_alpha_d = regia_job_has(j, "demand", "tsb_alpha_d") ? regia_job_double(j, "demand", "tsb_alpha_d") : NAN;
        w->tsb_alpha_p = regia_job_has(j, "demand", "tsb_alpha_p") ? regia_job_double(j, "demand", "tsb_alpha_p") : NAN;
        if (w->intermittent_method == REGIA_IM_TSB && (isnan(w->tsb_alpha_d) || isnan(w->tsb_alpha_p))) {
            regia_run_where(run, "demand", "intermittent", where, sizeof where);
            return REGIA_FAIL(REGIA_ERR_INVALID, "%s: tsb needs tsb_alpha_d and tsb_alpha_p in [demand] (TSB has no "
                              "default smoothing, as in statsforecast)", where);
        }
    }
    w->risk_weeks = (int)regia_job_int(j, "risk", "weeks");
    w->n_paths = (int)regia_job_int(j, "risk", "paths");
    w->seed = (uint64_t)regia_job_int(j, "risk", "seed");
    w->n_q = regia_job_list_len(j, "risk", "quantiles");
    if (w->n_q > 8) {
        regia_run_where(run, "risk", "quantiles", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %d quantiles, at most 8", where, w->n_q);
    }
    for (int i = 0; i < w->n_q; i++) w->q[i] = regia_job_list_double(j, "risk", "quantiles", i);
    w->alloc_level = regia_job_double(j, "allocation", "level");
    w->alloc_max_extra = (int)regia_job_int(j, "allocation", "max_extra");
    w->weeks_to_target = regia_job_double(j, "allocation", "weeks_to_target");
    run->output = S->output;
    monthly_path(S->output, S->monthly_path, sizeof S->monthly_path);
    run->n_extra = 1;
    run->extra[0].path = S->monthly_path;
    run->extra[0].role = "monthly";
    run->input = w->input;
    run->input_role = "bookings";
    return REGIA_OK;
}

/* ---- index: the bookings file's tables --------------------------------------------------- */

/* Strings of a (n) variable: NC_STRING, or NC_CHAR (n, len). */
static regia_status_t get_strings(int ncid, const char *path, const char *name, size_t n, char *out, size_t cap,
                                  int required)
{
    int vid, nd, dims[NC_MAX_VAR_DIMS];
    nc_type t;
    memset(out, 0, n * cap);
    if (nc_inq_varid(ncid, name, &vid) != NC_NOERR) {
        if (!required) return REGIA_OK;
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: no variable '%s': not a bookings file of regia ingest waitlist", path, name);
    }
    nc_inq_vartype(ncid, vid, &t);
    nc_inq_varndims(ncid, vid, &nd);
    nc_inq_vardimid(ncid, vid, dims);
    if (n == 0) return REGIA_OK;
    if (t == NC_STRING && nd == 1) {
        char **s = calloc(n, sizeof *s);
        if (!s) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        int rc = nc_get_var_string(ncid, vid, s);
        if (rc == NC_NOERR)
            for (size_t i = 0; i < n; i++) snprintf(out + i * cap, cap, "%s", s[i] ? s[i] : "");
        if (rc == NC_NOERR) nc_free_string(n, s);
        free(s);
        if (rc) return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading '%s': %s", path, name, nc_strerror(rc));
        return REGIA_OK;
    }
    if (t == NC_CHAR && nd == 2) {
        size_t len;
        nc_inq_dimlen(ncid, dims[1], &len);
        if (len > 4096) return REGIA_FAIL(REGIA_ERR_PARSE, "%s: '%s' has strings of %zu bytes", path, name, len);
        char *buf = malloc(n * len + 1);
        if (!buf) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        int rc = nc_get_var_text(ncid, vid, buf);
        if (rc == NC_NOERR)
            for (size_t i = 0; i < n; i++) {
                size_t m = len < cap - 1 ? len : cap - 1;
                memcpy(out + i * cap, buf + i * len, m);
                out[i * cap + m] = '\0';
            }
        free(buf);
        if (rc) return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading '%s': %s", path, name, nc_strerror(rc));
        return REGIA_OK;
    }
    return REGIA_FAIL(REGIA_ERR_PARSE, "%s: '%s' is not a string variable", path, name);
}

/* An integer (n) variable; or, for a string one, the index of each value in `names`. */
static regia_status_t get_ints(int ncid, const char *path, const char *name, size_t n, int *out,
                               const char *const *names, int n_names)
{
    int vid, rc;
    nc_type t;
    if (nc_inq_varid(ncid, name, &vid) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: no variable '%s': not a bookings file of regia ingest waitlist", path, name);
    nc_inq_vartype(ncid, vid, &t);
    if (n == 0) return REGIA_OK;
    if ((t == NC_STRING || t == NC_CHAR) && names) {
        char *s = malloc(n * 32);
        if (!s) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        regia_status_t st = get_strings(ncid, path, name, n, s, 32, 1);
        for (size_t i = 0; i < n && !st; i++) {
            out[i] = -1;
            for (int k = 0; k < n_names; k++)
                if (!strcmp(s + i * 32, names[k])) out[i] = k;
            if (out[i] < 0)
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: %s[%zu] = '%s' is not one of %s, %s", path, name, i, s + i * 32,
                                names[0], names[1]);
        }
        free(s);
        return st;
    }
    if ((rc = nc_get_var_int(ncid, vid, out)) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading '%s': %s", path, name, nc_strerror(rc));
    return REGIA_OK;
}

static regia_status_t get_dim(int ncid, const char *path, const char *name, size_t *len)
{
    int d;
    if (nc_inq_dimid(ncid, name, &d) != NC_NOERR || nc_inq_dimlen(ncid, d, len) != NC_NOERR)
        return REGIA_FAIL(REGIA_ERR_PARSE, "%s: no dimension '%s': not a bookings file of regia ingest waitlist", path, name);
    return REGIA_OK;
}

static void get_att(int ncid, const char *name, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    if (nc_inq_attlen(ncid, NC_GLOBAL, name, &len) != NC_NOERR || len == 0 || len >= cap) return;
    nc_type t;
    if (nc_inq_atttype(ncid, NC_GLOBAL, name, &t) != NC_NOERR || t != NC_CHAR) return;
    if (nc_get_att_text(ncid, NC_GLOBAL, name, buf) == NC_NOERR) buf[len] = '\0';
    else buf[0] = '\0';
}

static regia_status_t read_tables(regia_run_t *run, wls_t *S, int ncid)
{
    wl_t *w = &S->w;
    const char *path = w->input;
    regia_status_t st = REGIA_OK;
    size_t nb, ns, nd, na;
    REGIA_TRY(get_dim(ncid, path, "booking", &nb));
    REGIA_TRY(get_dim(ncid, path, "service", &ns));
    REGIA_TRY(get_dim(ncid, path, "district", &nd));
    REGIA_TRY(get_dim(ncid, path, "asl", &na));
    if (ns < 1 || ns > MAX_SERVICES || nd < 1 || nd > MAX_DISTRICTS || na < 1 || na > nd) {
        st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: %zu services, %zu districts, %zu ASLs: expected 1..%d services, 1..%d "
                        "districts and 1..districts ASLs", path, ns, nd, na, MAX_SERVICES, MAX_DISTRICTS);
        goto err;
    }
    S->n_booking = (int64_t)nb;
    w->n_services = (int)ns;
    /* services */
    wl_services_t *sv = &w->services;
    sv->n = (int)ns;
    sv->s = calloc(ns, sizeof *sv->s);
    w->service_first = malloc(sizeof(int64_t) * ns);
    w->service_count = malloc(sizeof(int64_t) * ns);
    int *ibuf = malloc(sizeof(int) * (ns > nd ? ns : nd));
    char *sbuf = malloc((ns > nd ? ns : nd) * NAME_LEN);
    if (!sv->s || !w->service_first || !w->service_count || !ibuf || !sbuf) {
        free(ibuf);
        free(sbuf);
        return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    }
#define STRS(var, field, req)                                                                            \
    do {                                                                                                 \
        if ((st = get_strings(ncid, path, var, ns, sbuf, NAME_LEN, req))) goto done;                     \
        for (size_t i = 0; i < ns; i++)                                                                  \
            snprintf(sv->s[i].field, sizeof sv->s[i].field, "%s", sbuf + i * NAME_LEN);                  \
    } while (0)
    STRS("service_code", code, 1);
    STRS("service_code_new", code_new, 0);
    STRS("service_name", name, 1);
    STRS("service_group", group, 0);
    STRS("service_discipline", discipline, 0);
#undef STRS
    {
        static const char *const kinds[2] = {"visit", "diagnostic"}, *const levels[2] = {"district", "asl"};
        if ((st = get_ints(ncid, path, "service_kind", ns, ibuf, kinds, 2))) goto done;
        for (size_t i = 0; i < ns; i++) sv->s[i].kind = ibuf[i];
        if ((st = get_ints(ncid, path, "service_area_level", ns, ibuf, levels, 2))) goto done;
        for (size_t i = 0; i < ns; i++) sv->s[i].area_level = ibuf[i];
        for (size_t i = 0; i < ns; i++)
            if ((unsigned)sv->s[i].kind > 1 || (unsigned)sv->s[i].area_level > 1) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: service %zu ('%s'): kind %d or area level %d is not 0 or 1", path,
                                i, sv->s[i].code, sv->s[i].kind, sv->s[i].area_level);
                goto done;
            }
    }
    {
        int v1, v2, rc;
        if (nc_inq_varid(ncid, "service_first", &v1) || nc_inq_varid(ncid, "service_count", &v2)) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no service_first / service_count: not a bookings file of regia "
                            "ingest waitlist", path);
            goto done;
        }
        if ((rc = nc_get_var_longlong(ncid, v1, (long long *)w->service_first)) ||
            (rc = nc_get_var_longlong(ncid, v2, (long long *)w->service_count))) {
            st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading service_first / service_count: %s", path, nc_strerror(rc));
            goto done;
        }
        int64_t next = 0;
        for (size_t i = 0; i < ns; i++) {
            if (w->service_first[i] != next || w->service_count[i] < 0 ||
                w->service_count[i] > (int64_t)nb - next) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: service %zu ('%s'): service_first %lld, service_count %lld do not "
                                "continue the bookings of the services before it (at booking %lld of %zu): the file "
                                "is not sorted by service", path, i, sv->s[i].code, (long long)w->service_first[i],
                                (long long)w->service_count[i], (long long)next, nb);
                goto done;
            }
            next += w->service_count[i];
        }
        if (next != (int64_t)nb) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: the services hold %lld bookings, the booking dimension %zu", path,
                            (long long)next, nb);
            goto done;
        }
    }
    /* the discipline of visits sharing a 1996 code (89.7/08), which the agendas file may name:
     * from the file when it has it, else from the services table shipped with regia (same
     * 2024 codes) */
    /* The output's service_code: the 1996 code, with "/discipline" for a visit whose code
     * other visits share, in this file or in the shipped table (89.7/08 cardiology, the form
     * agendas files and the ingest accept), so the label does not change with a subset. */
    {
        wl_services_t tab;
        memset(&tab, 0, sizeof tab);
        int have_tab = wl_services_load(wl_services_default_path(), &tab) == REGIA_OK, vid;
        regia_error_clear(); /* without the shipped table: the file's own disciplines and codes */
        if (nc_inq_varid(ncid, "service_discipline", &vid) != NC_NOERR && have_tab)
            for (size_t i = 0; i < ns; i++)
                for (int k = 0; k < tab.n && !sv->s[i].discipline[0]; k++)
                    if (sv->s[i].code_new[0] && !strcmp(tab.s[k].code_new, sv->s[i].code_new))
                        memcpy(sv->s[i].discipline, tab.s[k].discipline, sizeof sv->s[i].discipline);
        S->label = calloc(ns, sizeof *S->label);
        if (!S->label) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < ns && !st; i++) {
            const wl_service_t *v = &sv->s[i];
            int shared = 0;
            for (size_t j = 0; j < ns && !shared; j++) shared = j != i && !strcmp(sv->s[j].code, v->code);
            for (int k = 0; have_tab && k < tab.n && !shared; k++)
                shared = !strcmp(tab.s[k].code, v->code) && strcmp(tab.s[k].code_new, v->code_new);
            if (shared && v->discipline[0]) snprintf(S->label[i], sizeof S->label[i], "%s/%s", v->code, v->discipline);
            else snprintf(S->label[i], sizeof S->label[i], "%s", v->code);
        }
        wl_services_free(&tab);
        if (st) goto done;
    }
    get_att(ncid, "services_table_version", sv->version, sizeof sv->version);
    get_att(ncid, "services_table_sha256", sv->sha, sizeof sv->sha);
    snprintf(sv->path, sizeof sv->path, "%s", path);
    /* districts and ASLs */
    wl_districts_t *D = &w->districts;
    D->n_district = (int)nd;
    D->n_asl = (int)na;
    D->district_code = calloc(nd, sizeof *D->district_code);
    D->district_name = calloc(nd, sizeof *D->district_name);
    D->asl_code = calloc(na, sizeof *D->asl_code);
    D->asl_name = calloc(na, sizeof *D->asl_name);
    D->district_asl = calloc(nd, sizeof *D->district_asl);
    D->population = calloc(nd, sizeof *D->population);
    if (!D->district_code || !D->district_name || !D->asl_code || !D->asl_name || !D->district_asl || !D->population) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        goto done;
    }
#define DSTRS(var, arr, n, req)                                                                          \
    do {                                                                                                 \
        if ((st = get_strings(ncid, path, var, n, sbuf, NAME_LEN, req))) goto done;                      \
        for (size_t i = 0; i < n; i++) snprintf(arr[i], sizeof arr[i], "%s", sbuf + i * NAME_LEN);       \
    } while (0)
    DSTRS("district_code", D->district_code, nd, 1);
    DSTRS("district_name", D->district_name, nd, 1);
    DSTRS("asl_code", D->asl_code, na, 1);
    DSTRS("asl_name", D->asl_name, na, 1);
#undef DSTRS
    if ((st = get_ints(ncid, path, "district_asl", nd, D->district_asl, NULL, 0))) goto done;
    for (size_t i = 0; i < nd; i++) {
        D->population[i] = NAN;
        if (D->district_asl[i] < 0 || D->district_asl[i] >= (int)na) {
            st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: district_asl[%zu] = %d is not an ASL index (0..%zu)", path, i,
                            D->district_asl[i], na - 1);
            goto done;
        }
    }
    /* provenance of the input */
    {
        char buf[512];
        get_att(ncid, "title", S->input_title, sizeof S->input_title);
        get_att(ncid, "synthetic", buf, sizeof buf);
        S->synthetic = !strcmp(buf, "yes") || !strcmp(buf, "true") || !strcmp(buf, "1");
        if (!S->synthetic) {
            get_att(ncid, "source", buf, sizeof buf);
            for (char *p = buf; *p; p++) *p = (char)tolower((unsigned char)*p);
            char t[512];
            snprintf(t, sizeof t, "%s", S->input_title);
            for (char *p = t; *p; p++) *p = (char)tolower((unsigned char)*p);
            S->synthetic = strstr(buf, "synthetic") || strstr(t, "synthetic");
        }
    }
done:
    free(ibuf);
    free(sbuf);
err:
    return st;
}

/* The areas (districts, ASLs, region), the per-service limits and targets, the districts'
 * population and the agendas. */
static regia_status_t build_tables(regia_run_t *run, wls_t *S)
{
    wl_t *w = &S->w;
    wl_areas_t *A = &w->areas;
    const wl_districts_t *D = &w->districts;
    A->n_district = D->n_district;
    A->n_asl = D->n_asl;
    A->n_area = D->n_district + D->n_asl + 1;
    A->level = malloc(sizeof(int) * (size_t)A->n_area);
    A->parent = malloc(sizeof(int) * (size_t)A->n_area);
    w->svc_limit = malloc(sizeof *w->svc_limit * (size_t)w->n_services);
    w->svc_target = malloc(sizeof *w->svc_target * (size_t)w->n_services);
    if (!A->level || !A->parent || !w->svc_limit || !w->svc_target) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int d = 0; d < D->n_district; d++) A->level[d] = 0, A->parent[d] = D->n_district + D->district_asl[d];
    for (int a = 0; a < D->n_asl; a++) A->level[D->n_district + a] = 1, A->parent[D->n_district + a] = A->n_area - 1;
    A->level[A->n_area - 1] = 2;
    A->parent[A->n_area - 1] = -1;
    for (int s = 0; s < w->n_services; s++) {
        const int kind = w->services.s[s].kind;
        for (int c = 0; c < WL_CLASSES; c++) {
            w->svc_limit[s][c] = w->limit_days[kind][c];
            w->svc_target[s][c] = w->target[c];
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        const wl_override_t *o = pass ? S->tgt_over : S->lim_over;
        const int n = pass ? S->n_tgt_over : S->n_lim_over;
        for (int i = 0; i < n; i++) {
            int hit = 0;
            for (int s = 0; s < w->n_services; s++) {
                if (strcmp(w->services.s[s].group, o[i].group)) continue;
                hit = 1;
                if (pass) w->svc_target[s][o[i].klass] = o[i].value / 100.0;
                else w->svc_limit[s][o[i].klass] = o[i].klass == WL_U ? o[i].value / 24.0 : o[i].value;
            }
            if (!hit)
                return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no service of %s has the group '%s' (column group of the "
                                  "services table, version %s)", pass ? S->tgt_where : S->lim_where, w->input,
                                  o[i].group, w->services.version[0] ? w->services.version : "?");
        }
    }
    if (w->districts_path) {
        wl_districts_t f;
        memset(&f, 0, sizeof f);
        regia_status_t st = wl_districts_load(w->districts_path, &f);
        for (int d = 0; d < D->n_district && !st; d++) {
            int i = wl_district_find(&f, D->district_code[d]);
            if (i < 0)
                st = REGIA_FAIL(REGIA_ERR_INVALID, "%s: no district '%s' (%s), which the bookings file %s has",
                                w->districts_path, D->district_code[d], D->district_name[d], w->input);
            else
                D->population[d] = f.population[i];
        }
        wl_districts_free(&f);
        if (st) return st;
    }
    return wl_agendas_load(w->agendas_path, &w->services, &w->districts, &w->agendas);
}

/* Collective: every rank reads the tables (they are small); items = services, cost =
 * their bookings (+1, so that empty services spread too). */
static regia_status_t wl_index(regia_run_t *run, void *self)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    int ncid;
    regia_status_t st = regia_run_nc_open(run, w->input, &ncid);
    if (st) return st;
    st = read_tables(run, S, ncid);
    int rc = nc_close(ncid);
    if (!st && rc) st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: closing: %s", w->input, nc_strerror(rc));
    if (st) return st;
    REGIA_TRY_RET(build_tables(run, S));
    run->n_items = w->n_services;
    run->cost = malloc(sizeof(double) * (size_t)(w->n_services + 1));
    if (!run->cost) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int s = 0; s < w->n_services; s++) run->cost[s] = (double)w->service_count[s] + 1;
    return REGIA_OK;
}

/* ---- read: the shard's bookings ------------------------------------------------------ */

typedef struct {
    const char *name;
    nc_type type;
    size_t off;        /* offset in wl_booking_t */
    int required;
} bvar_t;

#define BV(n, t, f, r) {n, t, offsetof(wl_booking_t, f), r}
static const bvar_t BVARS[] = {
    BV("prescription_line", NC_INT, rx_line, 0),
    BV("prescription_time", NC_INT64, t_rx, 1),
    BV("contact_time", NC_INT64, t_contact, 1),
    BV("first_available_time", NC_INT64, t_first, 1),
    BV("booked_time", NC_INT64, t_booked, 1),
    BV("outcome_time", NC_INT64, t_outcome, 1),
    BV("outcome", NC_BYTE, outcome, 1),
    BV("priority", NC_BYTE, klass, 1),
    BV("access", NC_BYTE, access, 1),
    BV("regime", NC_BYTE, regime, 1),
    BV("guarantee", NC_BYTE, guarantee, 0),
    BV("guarantee_reason", NC_BYTE, reason, 1),
    BV("catalogue", NC_SHORT, catalogue, 0),
    BV("service", NC_INT, service, 1),
    BV("provider", NC_INT, provider, 0),
    BV("agenda", NC_INT, agenda, 0),
    BV("residence_district", NC_INT, res_district, 1),
    BV("provider_district", NC_INT, prov_district, 0),
};
#undef BV

static regia_status_t read_bookings(wls_t *S, int ncid, int64_t r0, int64_t n)
{
    wl_t *w = &S->w;
    const char *path = w->input;
    regia_status_t st = REGIA_OK;
    void *tmp = malloc((size_t)32 * READ_PIECE);
    if (!tmp) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (size_t v = 0; v < sizeof BVARS / sizeof *BVARS + 2 && !st; v++) {
        const int pseud = v >= sizeof BVARS / sizeof *BVARS;
        const char *name = pseud ? (v == sizeof BVARS / sizeof *BVARS ? "patient_pseudonym" : "prescription_pseudonym")
                                 : BVARS[v].name;
        int vid;
        if (nc_inq_varid(ncid, name, &vid) != NC_NOERR) {
            if (pseud || BVARS[v].required) {
                st = REGIA_FAIL(REGIA_ERR_PARSE, "%s: no variable '%s': not a bookings file of regia ingest waitlist",
                                path, name);
                break;
            }
            for (int64_t i = 0; i < n; i++) { /* optional: -1 (unknown) */
                char *f = (char *)&w->bk[i] + BVARS[v].off;
                switch (BVARS[v].type) {
                case NC_BYTE: *(int8_t *)f = -1; break;
                case NC_SHORT: *(int16_t *)f = -1; break;
                default: *(int32_t *)f = -1;
                }
            }
            continue;
        }
        for (int64_t p = 0; p < n && !st; p += READ_PIECE) {
            size_t start[2] = {(size_t)(r0 + p), 0}, count[2] = {(size_t)(n - p < READ_PIECE ? n - p : READ_PIECE), 32};
            int rc;
            if (pseud) rc = nc_get_vara_uchar(ncid, vid, start, count, tmp);
            else switch (BVARS[v].type) {
                case NC_INT64: rc = nc_get_vara_longlong(ncid, vid, start, count, tmp); break;
                case NC_INT: rc = nc_get_vara_int(ncid, vid, start, count, tmp); break;
                case NC_SHORT: rc = nc_get_vara_short(ncid, vid, start, count, tmp); break;
                default: rc = nc_get_vara_schar(ncid, vid, start, count, tmp);
                }
            if (rc) {
                st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: reading '%s' (bookings %lld .. %lld): %s", path, name,
                                (long long)(r0 + p), (long long)(r0 + p + (int64_t)count[0] - 1), nc_strerror(rc));
                break;
            }
            for (size_t i = 0; i < count[0]; i++) {
                wl_booking_t *b = &w->bk[p + (int64_t)i];
                if (pseud) {
                    memcpy(v == sizeof BVARS / sizeof *BVARS ? b->patient : b->rx, (uint8_t *)tmp + 32 * i, 32);
                    continue;
                }
                char *f = (char *)b + BVARS[v].off;
                switch (BVARS[v].type) {
                case NC_INT64: *(int64_t *)f = ((long long *)tmp)[i]; break;
                case NC_INT: *(int32_t *)f = ((int *)tmp)[i]; break;
                case NC_SHORT: *(int16_t *)f = ((short *)tmp)[i]; break;
                default: *(int8_t *)f = ((signed char *)tmp)[i];
                }
            }
        }
    }
    free(tmp);
    return st;
}

/* The record's codes, checked before anything indexes with them. */
static regia_status_t check_booking(const wl_t *w, const wl_booking_t *b, int64_t g, int s)
{
    const char *bad = NULL;
    int val = 0;
    if (b->service != s) bad = "service", val = b->service;
    else if (b->klass < 0 || b->klass > WL_CLASS_NONE) bad = "priority", val = b->klass;
    else if (b->access < 0 || b->access > WL_ACCESS_FOLLOWUP) bad = "access", val = b->access;
    else if (b->regime < 0 || b->regime > WL_REGIME_INTRAMOENIA) bad = "regime", val = b->regime;
    else if (b->reason < 0 || b->reason > WL_REASON_CHOICE) bad = "guarantee_reason", val = b->reason;
    else if (b->outcome < 0 || b->outcome > WL_OUT_WITHDRAWN) bad = "outcome", val = b->outcome;
    else if (b->res_district < 0 || b->res_district >= w->districts.n_district) bad = "residence_district", val = b->res_district;
    if (!bad) return REGIA_OK;
    return REGIA_FAIL(REGIA_ERR_PARSE, "%s: booking %lld (service %d, '%s'): %s = %d is out of range; the file is "
                      "damaged or not written by regia ingest waitlist", w->input, (long long)g, s,
                      w->services.s[s].code, bad, val);
}

static int64_t weekday_mon0(int64_t day) { return ((day + 3) % 7 + 7) % 7; } /* 1970-01-01: Thursday */

static int64_t rome_day_of(int64_t t)
{
    int y, mo, d, h, mi, s;
    wl_utc_to_rome(t, &y, &mo, &d, &h, &mi, &s);
    return regia_days_from_civil(y, mo, d);
}

static int64_t clock_of(const wl_booking_t *b, wl_clock_t c)
{
    return c == WL_CLOCK_PRESCRIPTION ? b->t_rx : c == WL_CLOCK_FIRST_AVAILABLE ? b->t_first : b->t_contact;
}

/* The week and month axes, the same on every rank: from the Monday of the week of the first
 * clock start (or CUP contact) to as_of + horizon weeks; a week belongs to the month of its
 * Thursday (ISO 8601), so months are whole weeks. */
static regia_status_t build_axes(regia_run_t *run, wls_t *S)
{
    wl_t *w = &S->w;
    long long mm[2] = {-INT64_MAX, INT64_MIN}; /* -(first clock start), last contact */
    for (int64_t i = 0; i < w->bk_off[run->ni]; i++) {
        const wl_booking_t *b = &w->bk[i];
        if (b->access != WL_ACCESS_FIRST || b->regime != WL_REGIME_SSN) continue;
        int64_t t0 = clock_of(b, w->clock);
        if (b->t_contact != WL_NOTIME) {
            if (t0 == WL_NOTIME || b->t_contact < t0) t0 = b->t_contact;
            if (b->t_contact > mm[1]) mm[1] = b->t_contact;
        }
        if (t0 != WL_NOTIME && -t0 > mm[0]) mm[0] = -t0;
    }
    regia_run_max(run, mm, 2);
    if (mm[1] == INT64_MIN)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: no first-access SSN booking with a CUP contact time: nothing to "
                          "measure", w->input);
    S->t_first_clock = -mm[0];
    S->t_last_contact = mm[1];
    const int64_t first_day = rome_day_of(S->t_first_clock);
    if (w->as_of == WL_NOTIME) {
        w->as_of_day = rome_day_of(S->t_last_contact) + 1;
        int y, m, d;
        regia_civil_from_days(w->as_of_day, &y, &m, &d);
        w->as_of = wl_rome_to_utc(y, m, d, 0, 0, 0);
    }
    if (w->as_of_day <= first_day) {
        char a[16], f[16];
        regia_format_date(w->as_of_day, a, sizeof a);
        regia_format_date(first_day, f, sizeof f);
        char where[512];
        regia_run_where(run, "waitlist", "as_of", where, sizeof where);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: %s is not after the first day of the data (%s, the first %s in %s): "
                          "no request could be measured", where, a, f, WL_CLOCK_NAMES[w->clock], w->input);
    }
    w->week0_day = first_day - weekday_mon0(first_day);
    {
        int y, m, d;
        regia_civil_from_days(w->week0_day, &y, &m, &d);
        w->week0 = wl_rome_to_utc(y, m, d, 0, 0, 0);
    }
    const int64_t hist = regia_floordiv(w->as_of_day - 1 - w->week0_day, 7) + 1;
    /* the week axis holds the history, the forecast weeks and the risk weeks (the output's
     * demand and risk variables are on it: CDO reads one time axis per file) */
    int64_t n_weeks = hist + w->horizon;
    {
        const int64_t dow = ((w->as_of_day + 3) % 7 + 7) % 7, sim0 = w->as_of_day + (7 - dow) % 7;
        const int64_t risk_end = (sim0 - w->week0_day) / 7 + w->risk_weeks;
        if (risk_end > n_weeks) n_weeks = risk_end;
    }
    if (n_weeks > MAX_WEEKS) {
        char f[16];
        regia_format_date(first_day, f, sizeof f);
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: the weeks from the first %s (%s) to the last forecast or risk week are %lld, more "
                          "than %d: check the dates of the data (one far in the past?) or set a later as_of",
                          w->input, WL_CLOCK_NAMES[w->clock], f, (long long)n_weeks, MAX_WEEKS);
    }
    w->hist_weeks = (int)hist;
    w->n_weeks = (int)n_weeks;
    free(w->week_month);
    w->week_month = malloc(sizeof(int) * (size_t)w->n_weeks);
    if (!w->week_month) return REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
    for (int k = 0; k < w->n_weeks; k++) {
        int y, m, d;
        regia_civil_from_days(w->week0_day + 7 * k + 3, &y, &m, &d);
        int id = y * 12 + m - 1;
        if (k == 0) w->month0 = id;
        w->week_month[k] = id - w->month0;
    }
    w->n_months = w->week_month[w->n_weeks - 1] + 1;
    w->n_periods = w->n_weeks + w->n_months;
    regia_format_datetime(w->week0, S->t0, sizeof S->t0);
    {
        int y, m, d;
        regia_civil_from_days(w->week0_day + 7 * (int64_t)w->n_weeks, &y, &m, &d);
        regia_format_datetime(wl_rome_to_utc(y, m, d, 0, 0, 0), S->t1, sizeof S->t1);
    }
    return REGIA_OK;
}

/* Collective: each rank reads its services' bookings (one contiguous range of the file),
 * checks their codes, and the axes are agreed. */
static regia_status_t wl_read(regia_run_t *run, void *self)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    regia_status_t st = REGIA_OK;
    int ncid;
    const int64_t i0 = run->i0, ni = run->ni;
    const int64_t r0 = ni ? w->service_first[i0] : 0;
    const int64_t r1 = ni ? w->service_first[i0 + ni - 1] + w->service_count[i0 + ni - 1] : 0;
    w->bk = malloc(sizeof *w->bk * (size_t)(r1 - r0 + 1));
    w->bk_off = malloc(sizeof *w->bk_off * (size_t)(ni + 1));
    if (!w->bk || !w->bk_off)
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory for %lld bookings", (long long)(r1 - r0));
    if ((st = regia_run_agree(run, st))) return st;
    for (int64_t k = 0; k <= ni; k++) w->bk_off[k] = k < ni ? w->service_first[i0 + k] - r0 : r1 - r0;
    if ((st = regia_run_agree(run, regia_run_fault(run, "read-bookings")))) return st; /* before the collective open */
    if ((st = regia_run_nc_open(run, w->input, &ncid))) return st;
    st = read_bookings(S, ncid, r0, r1 - r0);
    int rc = nc_close(ncid);
    if (!st && rc) st = REGIA_FAIL(REGIA_ERR_NETCDF, "%s: closing: %s", w->input, nc_strerror(rc));
    for (int64_t k = 0; k < ni && !st; k++)
        for (int64_t i = w->bk_off[k]; i < w->bk_off[k + 1] && !st; i++)
            st = check_booking(w, &w->bk[i], r0 + i, (int)(i0 + k));
    if ((st = regia_run_agree(run, st))) return st;
    return build_axes(run, S);
}

/* ---- compute --------------------------------------------------------------------------- */

static int64_t cube_cells(const wl_t *w) { return (int64_t)w->areas.n_area * WL_CLASS_DIM * w->n_periods * WL_MEASURES; }

static regia_status_t wl_prepare(regia_run_t *run, void *self)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    const double bytes = (double)cube_cells(w) * 22.0 * (double)(run->ni + 1);
    if (bytes > 64e9)
        return REGIA_FAIL(REGIA_ERR_INVALID, "%s: the compliance cube of this rank's %lld services would take %.0f GB "
                          "(%d areas x 5 classes x %d weeks and months x %d measures each): use more ranks or a later "
                          "first date", w->input, (long long)run->ni, bytes / 1e9, w->areas.n_area, w->n_periods,
                          WL_MEASURES);
    REGIA_TRY_RET(wl_compliance_alloc(run, w));
    REGIA_TRY_RET(wl_sdc_alloc(run, w));
    REGIA_TRY_RET(wl_demand_alloc(run, w));
    REGIA_TRY_RET(wl_risk_alloc(run, w));
    REGIA_TRY_RET(wl_alloc_alloc(run, w));
    char a[16], f[16];
    regia_format_date(w->as_of_day, a, sizeof a);
    regia_format_date(w->week0_day, f, sizeof f);
    regia_info(&run->ctx->log, "input %s: %lld bookings, %d services, %d districts in %d ASLs; weeks from %s, as of %s "
               "(%d weeks of history, %d months); clock start: %s; %d rank%s, backend %s", w->input,
               (long long)S->n_booking, w->n_services, w->districts.n_district, w->districts.n_asl, f, a, w->hist_weeks,
               w->n_months, WL_CLOCK_NAMES[w->clock], run->ctx->size, run->ctx->size == 1 ? "" : "s",
               run->backend_desc);
    return REGIA_OK;
}

/* Local, no MPI: each service whole, module after module. */
static regia_status_t wl_compute(regia_run_t *run, void *self, int64_t k0, int64_t n)
{
    wl_t *w = &((wls_t *)self)->w;
    for (int64_t k = k0; k < k0 + n; k++) {
        REGIA_TRY_RET(wl_compliance_compute(run, w, k));
        REGIA_TRY_RET(wl_sdc_compute(run, w, k));
        wl_compliance_lights(w, k);
        REGIA_TRY_RET(wl_demand_compute(run, w, k));
        REGIA_TRY_RET(wl_risk_compute(run, w, k));
        REGIA_TRY_RET(wl_alloc_compute(run, w, k));
    }
    return REGIA_OK;
}

/* Every per-service result array, so a checkpoint restores a service whole (sizes as
 * waitlist_analysis.h gives them; arrays a module does not allocate are left out). */
static int wl_result_arrays(void *self, regia_item_array_t *a)
{
    wl_t *w = &((wls_t *)self)->w;
    const size_t C = (size_t)cube_cells(w), St = C / WL_MEASURES, A = (size_t)w->areas.n_area;
    const size_t ND = (size_t)w->districts.n_district, NS = ND * 4, H = (size_t)w->horizon, L = (size_t)w->n_levels;
    const size_t SW = (size_t)(w->dem_sim_weeks > 0 ? w->dem_sim_weeks : w->horizon);
    const size_t R = A * 4 * (size_t)w->risk_weeks, d = sizeof(double), i4 = sizeof(int32_t);
    const regia_item_array_t all[] = {
        {(void **)&w->count, d * C},           {(void **)&w->share_ex_ante, d * St}, {(void **)&w->share_ex_post, d * St},
        {(void **)&w->wait_median, d * St},    {(void **)&w->wait_p90, d * St},      {(void **)&w->light, St},
        {(void **)&w->sdc_status, C},          {(void **)&w->persons, d * C},        {(void **)&w->dem_mean, d * NS * H},
        {(void **)&w->dem_lower, d * NS * L * H}, {(void **)&w->dem_upper, d * NS * L * H},
        {(void **)&w->dem_var, d * NS * SW},   {(void **)&w->dem_sim_mean, d * NS * SW},
        {(void **)&w->dem_method, NS},         {(void **)&w->dem_adi, d * NS},       {(void **)&w->dem_cv2, d * NS},
        {(void **)&w->dem_persons, i4 * NS},   {(void **)&w->risk_share_mean, d * R},
        {(void **)&w->risk_share_q, d * R * (size_t)w->n_q}, {(void **)&w->risk_p_miss, d * R},
        {(void **)&w->risk_requests, d * R},   {(void **)&w->extra_slots, i4 * A},   {(void **)&w->reserve_slots, i4 * A * 4},
        {(void **)&w->nhsr, d * A * 4 * 6},    {(void **)&w->move_slots, i4 * ND * ND},
        {(void **)&w->sdc_done, 1},            {(void **)&w->risk_worst, d * A},
        {(void **)&w->alloc_added, i4 * A},    {(void **)&w->alloc_spare, i4 * A},   {(void **)&w->alloc_met, A},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof all / sizeof *all && n < REGIA_MAX_ITEM_ARRAYS; i++)
        if (*all[i].p) a[n++] = all[i];
    return n;
}

/* ---- output ---------------------------------------------------------------------------- */

#define ATT(v, k, s) REGIA_NC(nc_put_att_text(ncid, v, k, strlen(s), s))

static regia_status_t def_coord(int ncid, const char *name, nc_type t, int nd, const int *dims, const char *long_name,
                                const char *units, int *vid)
{
    regia_status_t st = REGIA_OK;
    REGIA_TRY(regia_nc_def_data(ncid, name, t, nd, dims, NULL, vid));
    if (t == NC_DOUBLE) REGIA_NC(nc_del_att(ncid, *vid, "_FillValue"));
    if (t == NC_CHAR) ATT(*vid, "_Encoding", "utf-8"); /* xarray, netCDF4: read as strings */
    ATT(*vid, "long_name", long_name);
    if (units) ATT(*vid, "units", units);
    ATT(*vid, "coverage_content_type", "coordinate");
err:
    return st;
}

/* The time axis NAME (week or month) of one file on dimension dim: a CF time coordinate
 * and its bounds NAME_bounds (dim, nv), which take their units and calendar from it (CF 7.1). */
static regia_status_t def_time_axis(int ncid, const char *name, int dim, int nv, const char *long_name, int *vid,
                                    int *vid_bounds)
{
    regia_status_t st = REGIA_OK;
    char bounds[NC_MAX_NAME + 1];
    const int db[2] = {dim, nv};
    snprintf(bounds, sizeof bounds, "%s_bounds", name);
    REGIA_TRY(def_coord(ncid, name, NC_DOUBLE, 1, &dim, long_name, "seconds since 1970-01-01 00:00:00", vid));
    ATT(*vid, "standard_name", "time");
    ATT(*vid, "calendar", "standard");
    ATT(*vid, "axis", "T");
    ATT(*vid, "bounds", bounds);
    REGIA_TRY(regia_nc_def_data(ncid, bounds, NC_DOUBLE, 2, db, NULL, vid_bounds));
    REGIA_NC(nc_del_att(ncid, *vid_bounds, "_FillValue"));
err:
    return st;
}

/* The labels of the service, area and class dimensions and the time axis of one file
 * (monthly 0: the output, weeks; 1: the monthly file, months).  One label per dimension is
 * named in every data variable's `coordinates` (service_code, area_name, class_name: CDO
 * assigns one character coordinate per dimension); the others ride on a 1-D variable of
 * their dimension (service_kind: service_name, service_area_level: service_code_new,
 * area_level: area_code; limit and target: service_group, in the output only), so xarray
 * has every label as a coordinate and CDO skips none. */
static regia_status_t define_axes(wls_t *S, int ncid, int monthly)
{
    wl_t *w = &S->w;
    regia_status_t st = REGIA_OK;
    REGIA_NC(nc_def_dim(ncid, "service", (size_t)w->n_services, &w->dim.service));
    REGIA_NC(nc_def_dim(ncid, "area", (size_t)w->areas.n_area, &w->dim.area));
    REGIA_NC(nc_def_dim(ncid, "class", WL_CLASS_DIM, &w->dim.cls));
    if (monthly) REGIA_NC(nc_def_dim(ncid, "month", (size_t)w->n_months, &w->dim.month));
    else REGIA_NC(nc_def_dim(ncid, "week", (size_t)w->n_weeks, &w->dim.week));
    REGIA_NC(nc_def_dim(ncid, "nv", 2, &w->dim.nv));
    REGIA_NC(nc_def_dim(ncid, "strlen", NAME_LEN, &w->dim.strlen_));
    const int ds[2] = {w->dim.service, w->dim.strlen_}, da[2] = {w->dim.area, w->dim.strlen_};
    const int dc[2] = {w->dim.cls, w->dim.strlen_};
    REGIA_TRY(def_coord(ncid, "service_code", NC_CHAR, 2, ds, "service code, 1996 outpatient nomenclator (PNGLA list); "
                        "CODE/DISCIPLINE where visits share a code (89.7/08: cardiology)",
                        NULL, &S->v_scode));
    REGIA_TRY(def_coord(ncid, "service_name", NC_CHAR, 2, ds, "service name", NULL, &S->v_sname));
    REGIA_TRY(def_coord(ncid, "service_code_new", NC_CHAR, 2, ds,
                        "service code, LEA nomenclator in force since 30/12/2024", NULL, &S->v_scode_new));
    if (!monthly) /* the label of limit and target */
        REGIA_TRY(def_coord(ncid, "service_group", NC_CHAR, 2, ds,
                            "service group (limits and targets may be set per group)", NULL, &S->v_sgroup));
    REGIA_TRY(regia_nc_def_data(ncid, "service_kind", NC_BYTE, 1, &w->dim.service, NULL, &S->v_skind));
    ATT(S->v_skind, "long_name", "kind of service");
    ATT(S->v_skind, "coverage_content_type", "auxiliaryInformation");
    ATT(S->v_skind, "coordinates", "service_name");
    {
        const signed char fv[2] = {0, 1};
        REGIA_NC(nc_put_att_schar(ncid, S->v_skind, "flag_values", NC_BYTE, 2, fv));
        ATT(S->v_skind, "flag_meanings", "visit diagnostic");
        REGIA_TRY(regia_nc_def_data(ncid, "service_area_level", NC_BYTE, 1, &w->dim.service, NULL, &S->v_sarea));
        ATT(S->v_sarea, "long_name", "guarantee area of the service (area_level of its areas)");
        ATT(S->v_sarea, "coverage_content_type", "auxiliaryInformation");
        ATT(S->v_sarea, "coordinates", "service_code_new");
        REGIA_NC(nc_put_att_schar(ncid, S->v_sarea, "flag_values", NC_BYTE, 2, fv));
        ATT(S->v_sarea, "flag_meanings", "district asl");
    }
    REGIA_TRY(def_coord(ncid, "area_code", NC_CHAR, 2, da, "area code: district, ASL, or REGION", NULL, &S->v_acode));
    REGIA_TRY(def_coord(ncid, "area_name", NC_CHAR, 2, da, "area name: district, ASL (azienda sanitaria locale) or region",
                        NULL, &S->v_aname));
    REGIA_TRY(regia_nc_def_data(ncid, "area_level", NC_BYTE, 1, &w->dim.area, NULL, &S->v_alevel));
    ATT(S->v_alevel, "long_name", "level of the area");
    ATT(S->v_alevel, "coverage_content_type", "auxiliaryInformation");
    ATT(S->v_alevel, "coordinates", "area_code");
    {
        const signed char fv[3] = {0, 1, 2};
        REGIA_NC(nc_put_att_schar(ncid, S->v_alevel, "flag_values", NC_BYTE, 3, fv));
        ATT(S->v_alevel, "flag_meanings", "district asl region");
    }
    REGIA_TRY(regia_nc_def_data(ncid, "area_parent", NC_INT, 1, &w->dim.area, NULL, &S->v_aparent));
    ATT(S->v_aparent, "long_name", "index (from 0) of the area this one sums into; -1 for the region");
    ATT(S->v_aparent, "units", "1");
    ATT(S->v_aparent, "coverage_content_type", "auxiliaryInformation");
    ATT(S->v_aparent, "regia_index_dim", "area");
    ATT(S->v_aparent, "comment", "the counts of an area are the sums of those of the areas whose parent it is; "
                                 "an index along the area dimension (a per-region extract renumbers it)");
    {
        const int m1 = -1;
        REGIA_NC(nc_put_att_int(ncid, S->v_aparent, "_FillValue", NC_INT, 1, &(int){-2}));
        REGIA_NC(nc_put_att_int(ncid, S->v_aparent, "valid_min", NC_INT, 1, &m1));
    }
    REGIA_TRY(def_coord(ncid, "class_name", NC_CHAR, 2, dc, "priority class: U (urgente), B (breve), D (differibile), "
                        "P (programmabile, also requests without a class), all", NULL, &S->v_class));
    if (!monthly) {
        REGIA_TRY(def_time_axis(ncid, "week", w->dim.week, w->dim.nv, "start of the week (Monday 00:00 Europe/Rome)",
                                &S->v_week, &S->v_week_bnds));
        REGIA_TRY(regia_nc_def_data(ncid, "week_month", NC_INT, 1, &w->dim.week, NULL, &S->v_week_month));
        ATT(S->v_week_month, "long_name", "index (from 0) of the month the week belongs to (the month of its "
                                          "Thursday) on the month dimension of the monthly file");
        ATT(S->v_week_month, "units", "1");
        ATT(S->v_week_month, "coverage_content_type", "auxiliaryInformation");
        ATT(S->v_week_month, "regia_index_dim", "month");
        ATT(S->v_week_month, "comment", "the counts of a month (monthly file) are the sums of those of its weeks");
        REGIA_TRY(regia_nc_def_data(ncid, "forecast_step", NC_INT, 1, &w->dim.week, NULL, &S->v_fstep));
        ATT(S->v_fstep, "long_name", "step of the demand forecast in the week (1 = the week of as_of; 0: not a forecast "
                                     "week)");
        ATT(S->v_fstep, "units", "1");
        ATT(S->v_fstep, "coverage_content_type", "auxiliaryInformation");
        REGIA_TRY(regia_nc_def_data(ncid, "risk_step", NC_INT, 1, &w->dim.week, NULL, &S->v_rstep));
        ATT(S->v_rstep, "long_name", "week of the queue-risk simulation (1 = the week of the first Monday on or after "
                                     "as_of; 0: not simulated)");
        ATT(S->v_rstep, "units", "1");
        ATT(S->v_rstep, "coverage_content_type", "auxiliaryInformation");
    } else {
        REGIA_TRY(def_time_axis(ncid, "month", w->dim.month, w->dim.nv,
                                "start of the month's first week (months are the ISO weeks whose Thursday falls in them)",
                                &S->v_month, &S->v_month_bnds));
    }
err:
    return st;
}

/* The output's and the monthly file's name parts: "wl.nc" -> "wl.monthly.nc". */
static void monthly_path(const char *output, char *buf, size_t cap)
{
    size_t n = strlen(output);
    const char *slash = strrchr(output, '/'), *dot = strrchr(output, '.');
    if (dot && (!slash || dot > slash)) n = (size_t)(dot - output);
    snprintf(buf, cap, "%.*s.monthly.nc", (int)n, output);
}

static regia_status_t wl_define(regia_run_t *run, void *self, int ncid)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    regia_status_t st = REGIA_OK;
    REGIA_TRY(define_axes(S, ncid, 0));
    REGIA_NC(nc_def_dim(ncid, "from_district", (size_t)w->districts.n_district, &w->dim.move));
    REGIA_NC(nc_def_dim(ncid, "to_district", (size_t)w->districts.n_district, &w->dim.move_to));
    const int dsc[2] = {w->dim.service, w->dim.cls};
    REGIA_TRY(def_coord(ncid, "district_code", NC_CHAR, 2, (int[2]){w->dim.move, w->dim.strlen_},
                        "district code of the from_district dimension (the first areas are the districts, in this "
                        "order)", NULL, &S->v_dist));
    REGIA_TRY(def_coord(ncid, "to_district_code", NC_CHAR, 2, (int[2]){w->dim.move_to, w->dim.strlen_},
                        "district code of the to_district dimension", NULL, &S->v_dist_to));
    REGIA_TRY(wl_def_rev(ncid, "limit", NC_DOUBLE, 2, dsc, 0, NULL, &S->v_limit));
    ATT(S->v_limit, "long_name", "maximum wait of the class for the service (U: 72 hours = 3 days)");
    ATT(S->v_limit, "units", "day");
    ATT(S->v_limit, "coordinates", "service_group class_name");
    ATT(S->v_limit, "coverage_content_type", "referenceInformation");
    REGIA_TRY(wl_def_rev(ncid, "target", NC_DOUBLE, 2, dsc, 0, NULL, &S->v_target));
    ATT(S->v_target, "long_name", "share of the class's requests to be seen within the limit");
    ATT(S->v_target, "units", "percent");
    ATT(S->v_target, "coordinates", "service_group class_name");
    ATT(S->v_target, "coverage_content_type", "referenceInformation");
    /* the domain's global attributes */
    ATT(NC_GLOBAL, "clock_start", WL_CLOCK_NAMES[w->clock]);
    {
        char a[16];
        regia_format_date(w->as_of_day, a, sizeof a);
        ATT(NC_GLOBAL, "as_of", a);
    }
    ATT(NC_GLOBAL, "services_table_version", w->services.version[0] ? w->services.version : "unknown");
    if (w->services.sha[0]) ATT(NC_GLOBAL, "services_table_sha256", w->services.sha);
    ATT(NC_GLOBAL, "synthetic_data", S->synthetic ? "yes" : "no");
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "disclosure_k", NC_DOUBLE, 1, &w->k));
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "disclosure_protection", NC_DOUBLE, 1, &w->protection));
    {
        const double l[2] = {w->light_green, w->light_yellow};
        REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "light_thresholds", NC_DOUBLE, 2, l));
    }
    REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "demand_horizon_weeks", NC_INT, 1, &w->horizon));
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "demand_interval_levels", NC_DOUBLE, (size_t)w->n_levels, w->levels));
    REGIA_NC(nc_put_att_int(ncid, NC_GLOBAL, "risk_weeks", NC_INT, 1, &w->risk_weeks));
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "risk_share_quantiles", NC_DOUBLE, (size_t)w->n_q, w->q));
    ATT(NC_GLOBAL, "monthly_file", regia_file_name(S->monthly_path));
    REGIA_TRY(wl_compliance_define(run, w, ncid, 0));
    REGIA_TRY(wl_sdc_define(run, w, ncid, 0));
    REGIA_TRY(wl_demand_define(run, w, ncid));
    REGIA_TRY(wl_risk_define(run, w, ncid));
    REGIA_TRY(wl_alloc_define(run, w, ncid));
err:
    return st;
}

/* Define mode of the monthly file (run->extra[0], OUT_STEM.monthly.nc): the month tables
 * of the compliance cube, with month as the file's time axis. */
static regia_status_t wl_monthly_define(regia_run_t *run, void *self, int ncid)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    regia_status_t st = REGIA_OK;
    REGIA_TRY(define_axes(S, ncid, 1));
    REGIA_TRY(regia_run_provenance(run, S, ncid));
    ATT(NC_GLOBAL, "title", S->synthetic ? "Outpatient waiting lists: monthly PNGLA compliance (synthetic data)"
                                          : "Outpatient waiting lists: monthly PNGLA compliance");
    ATT(NC_GLOBAL, "summary", "The month tables of a regia waitlist output: first-access requests by measure, ex ante "
                              "and ex post compliance, median and 90th percentile waits and the traffic light per "
                              "service x area x class x month (months are the ISO weeks whose Thursday falls in "
                              "them, so a month is the sum of its weeks in the output), after the same disclosure "
                              "control as the weekly tables (protected together with them).");
    ATT(NC_GLOBAL, "time_coverage_resolution", "P1M");
    ATT(NC_GLOBAL, "weekly_file", regia_file_name(S->output));
    {
        char a[16];
        regia_format_date(w->as_of_day, a, sizeof a);
        ATT(NC_GLOBAL, "as_of", a);
    }
    ATT(NC_GLOBAL, "clock_start", WL_CLOCK_NAMES[w->clock]);
    ATT(NC_GLOBAL, "synthetic_data", S->synthetic ? "yes" : "no");
    REGIA_NC(nc_put_att_double(ncid, NC_GLOBAL, "disclosure_k", NC_DOUBLE, 1, &w->k));
    REGIA_TRY(wl_compliance_define(run, w, ncid, 1));
    REGIA_TRY(wl_sdc_define(run, w, ncid, 1));
err:
    return st;
}

static void wl_acdd(regia_run_t *run, void *self, void *acdd)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    regia_acdd_t *out = acdd;
    static _Thread_local char summary[4096], comment[2048], id[1024], res[16];
    char a[16];
    regia_format_date(w->as_of_day, a, sizeof a);
    snprintf(summary, sizeof summary,
             "Outpatient waiting lists of %d monitored services in %d districts (%d ASLs) as of %s, by the national "
             "rules (PNGLA 2019-2021): ex ante compliance counted from the %s (first-access SSN requests; follow-ups "
             "and intramoenia excluded; no class counts as P) with the guarantee rules for refused first offers, ex "
             "post compliance to delivery, median and 90th percentile waits and a traffic light (green >= %g %%, "
             "yellow >= %g %%, red below) per service x area (district, ASL, region) x class x week and month; weekly "
             "first-access demand forecasts for %d weeks with prediction intervals; the queue risk of the next %d "
             "weeks by Monte Carlo simulation of the agendas; the extra weekly slots that bring the risk of missing "
             "each class target below %g. Counts of fewer than %g requests or patients are suppressed, with secondary "
             "suppression.%s", w->n_services, w->districts.n_district, w->districts.n_asl, a, WL_CLOCK_NAMES[w->clock],
             w->light_green, w->light_yellow, w->horizon, w->risk_weeks, w->alloc_level, w->k,
             S->synthetic ? " The input bookings are SYNTHETIC (generated by regia gen waitlist): not real patients." : "");
    snprintf(comment, sizeof comment,
             "Clock start: %s. Waits of class U are measured in hours, the others in Europe/Rome calendar days. "
             "Patients appear only as HMAC-SHA-256 pseudonyms in the input and never in this file. Services table "
             "version %s. %s", WL_CLOCK_NAMES[w->clock], w->services.version[0] ? w->services.version : "unknown",
             S->synthetic ? "Synthetic data: for testing and demonstration only." : "");
    {
        const char *b = strrchr(S->output, '/');
        b = b ? b + 1 : S->output;
        size_t n = strlen(b);
        if (n > 3 && !strcmp(b + n - 3, ".nc")) n -= 3;
        snprintf(id, sizeof id, "%.*s", (int)n, b);
    }
    snprintf(res, sizeof res, "P7D");
    regia_acdd_t x = {
        .title = S->synthetic ? "Outpatient waiting lists: PNGLA compliance, demand, queue risk and capacity (synthetic data)"
                              : "Outpatient waiting lists: PNGLA compliance, demand, queue risk and capacity",
        .summary = summary,
        .keywords = "waiting lists, outpatient care, PNGLA, priority classes, compliance, demand forecast, queue, "
                    "capacity planning, disclosure control",
        .id = out->id ? out->id : id,
        .source = S->synthetic ? "regia waitlist on synthetic bookings (regia gen waitlist, regia ingest waitlist)"
                               : "regia waitlist on CUP booking records (regia ingest waitlist)",
        .processing_level = "aggregated statistics of pseudonymised booking records, after statistical disclosure "
                            "control; model output (forecasts, simulation, allocation)",
        .comment = comment,
        .license = "Restricted: aggregated health-service statistics; publish only under the data controller's terms",
        .acknowledgement = "Computed with regia. Rules: Piano Nazionale di Governo delle Liste d'Attesa 2019-2021.",
        .references = "Piano Nazionale di Governo delle Liste d'Attesa 2019-2021 (Intesa Stato-Regioni, 21 February "
                      "2019); DL 73/2024 (L. 107/2024)",
        .feature_type = "",
        .cdm_data_type = "Grid",
        .date_created = out->date_created,
        .history = out->history,
        .time_start = S->t0,
        .time_end = S->t1,
        .duration_s = (int64_t)w->n_weeks * 7 * 86400,
        .time_resolution = res,
    };
    *out = x;
}

/* Collective: rank 0 writes the coordinates (the others take part with empty writes), every
 * rank its services' rows. */
static regia_status_t put_all(regia_run_t *run, int ncid, int vid, const char *name, nc_type t, size_t n, size_t len,
                              const void *data)
{
    size_t start[2] = {0, 0}, count[2] = {run->ctx->rank == 0 ? n : 0, len};
    int rc = nc_var_par_access(ncid, vid, NC_COLLECTIVE);
    if (!rc) switch (t) {
        case NC_CHAR: rc = nc_put_vara_text(ncid, vid, start, count, data); break;
        case NC_BYTE: rc = nc_put_vara_schar(ncid, vid, start, count, data); break;
        case NC_INT: rc = nc_put_vara_int(ncid, vid, start, count, data); break;
        default: rc = nc_put_vara_double(ncid, vid, start, count, data);
        }
    return regia_run_agree_io(run, rc ? REGIA_FAIL(REGIA_ERR_NETCDF, "writing variable '%s': %s", name, nc_strerror(rc))
                                      : REGIA_OK);
}

/* Collective: the labels and the time axis of define_axes (monthly 0: weeks, 1: months). */
static regia_status_t write_axes(regia_run_t *run, wls_t *S, int ncid, int monthly)
{
    wl_t *w = &S->w;
    regia_status_t st = REGIA_OK;
    const int NSV = w->n_services, A = w->areas.n_area, W = w->n_weeks, M = w->n_months;
    size_t big = (size_t)(NSV > A ? NSV : A);
    if ((size_t)W * 2 + 2 > big) big = (size_t)W * 2 + 2;
    if ((size_t)M * 2 + 2 > big) big = (size_t)M * 2 + 2;
    char *txt = calloc(big + WL_CLASS_DIM, NAME_LEN);
    double *f64 = malloc(sizeof(double) * (big + 8));
    int *i32 = malloc(sizeof(int) * (big + 8));
    signed char *i8 = malloc(big + 8);
    if (!txt || !f64 || !i32 || !i8) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output");
    if ((st = regia_run_agree(run, st))) goto err;
#define PUT_TXT(vid, name, n, fill)                                                                      \
    do {                                                                                                 \
        memset(txt, 0, (size_t)(n) * NAME_LEN);                                                          \
        for (size_t i = 0; i < (size_t)(n); i++) snprintf(txt + i * NAME_LEN, NAME_LEN, "%s", fill);     \
        REGIA_TRY(put_all(run, ncid, vid, name, NC_CHAR, (size_t)(n), NAME_LEN, txt));                   \
    } while (0)
    const wl_service_t *sv = w->services.s;
    const wl_districts_t *D = &w->districts;
    PUT_TXT(S->v_scode, "service_code", NSV, S->label[i]);
    PUT_TXT(S->v_sname, "service_name", NSV, sv[i].name);
    for (int s = 0; s < NSV; s++) i8[s] = (signed char)sv[s].kind;
    REGIA_TRY(put_all(run, ncid, S->v_skind, "service_kind", NC_BYTE, (size_t)NSV, 0, i8));
    PUT_TXT(S->v_scode_new, "service_code_new", NSV, sv[i].code_new);
    if (!monthly) PUT_TXT(S->v_sgroup, "service_group", NSV, sv[i].group);
    for (int s = 0; s < NSV; s++) i8[s] = (signed char)sv[s].area_level;
    REGIA_TRY(put_all(run, ncid, S->v_sarea, "service_area_level", NC_BYTE, (size_t)NSV, 0, i8));
    {
        const int nd = D->n_district, na = D->n_asl;
        PUT_TXT(S->v_acode, "area_code", A, (int)i < nd ? D->district_code[i] : (int)i < nd + na ? D->asl_code[i - nd] : "REGION");
        PUT_TXT(S->v_aname, "area_name", A, (int)i < nd ? D->district_name[i] : (int)i < nd + na ? D->asl_name[i - nd] : "region");
        if (!monthly) {
            PUT_TXT(S->v_dist, "district_code", nd, D->district_code[i]);
            PUT_TXT(S->v_dist_to, "to_district_code", nd, D->district_code[i]);
        }
    }
    for (int a = 0; a < A; a++) i8[a] = (signed char)w->areas.level[a], i32[a] = w->areas.parent[a];
    REGIA_TRY(put_all(run, ncid, S->v_alevel, "area_level", NC_BYTE, (size_t)A, 0, i8));
    REGIA_TRY(put_all(run, ncid, S->v_aparent, "area_parent", NC_INT, (size_t)A, 0, i32));
    PUT_TXT(S->v_class, "class_name", WL_CLASS_DIM, WL_CLASS_NAMES[i]);
#undef PUT_TXT
    /* weeks and months: Rome midnights as UTC seconds */
    {
        int y, m, d;
        for (int k = 0; k <= W; k++) {
            regia_civil_from_days(w->week0_day + 7 * (int64_t)k, &y, &m, &d);
            f64[k] = (double)wl_rome_to_utc(y, m, d, 0, 0, 0);
        }
        double *bn = malloc(sizeof(double) * (size_t)(2 * W + 3 * M + 2)); /* week bounds, month starts, month bounds */
        int *first = malloc(sizeof(int) * (size_t)(M + 1)), *last = malloc(sizeof(int) * (size_t)(M + 1));
        int *step = malloc(sizeof(int) * (size_t)(2 * W + 1));
        if (!bn || !first || !last || !step) {
            free(bn); free(first); free(last); free(step);
            st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory");
        }
        if ((st = regia_run_agree(run, st))) goto err;
        for (int k = 0; k < W; k++) bn[2 * k] = f64[k], bn[2 * k + 1] = f64[k + 1];
        for (int q = 0; q < M; q++) first[q] = -1, last[q] = -1;
        for (int k = 0; k < W; k++) {
            if (first[w->week_month[k]] < 0) first[w->week_month[k]] = k;
            last[w->week_month[k]] = k;
        }
        double *ms = bn + 2 * W, *mb = ms + M;
        for (int q = 0; q < M; q++) {
            ms[q] = f64[first[q]];
            mb[2 * q] = f64[first[q]];
            mb[2 * q + 1] = f64[last[q] + 1];
        }
        const int f0 = wl_forecast_week0(w), r0 = wl_risk_week0(w);
        for (int k = 0; k < W; k++) {
            step[k] = k >= f0 && k < f0 + w->horizon ? k - f0 + 1 : 0;
            step[W + k] = k >= r0 && k < r0 + w->risk_weeks ? k - r0 + 1 : 0;
        }
        free(first);
        free(last);
        if (!monthly) {
            st = put_all(run, ncid, S->v_week, "week", NC_DOUBLE, (size_t)W, 0, f64);
            if (!st) st = put_all(run, ncid, S->v_week_bnds, "week_bounds", NC_DOUBLE, (size_t)W, 2, bn);
            if (!st) st = put_all(run, ncid, S->v_week_month, "week_month", NC_INT, (size_t)W, 0, w->week_month);
            if (!st) st = put_all(run, ncid, S->v_fstep, "forecast_step", NC_INT, (size_t)W, 0, step);
            if (!st) st = put_all(run, ncid, S->v_rstep, "risk_step", NC_INT, (size_t)W, 0, step + W);
        } else {
            st = put_all(run, ncid, S->v_month, "month", NC_DOUBLE, (size_t)M, 0, ms);
            if (!st) st = put_all(run, ncid, S->v_month_bnds, "month_bounds", NC_DOUBLE, (size_t)M, 2, mb);
        }
        free(bn);
        free(step);
        if (st) goto err;
    }
err:
    free(txt);
    free(f64);
    free(i32);
    free(i8);
    return st;
}

static regia_status_t wl_write(regia_run_t *run, void *self, int ncid)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    regia_status_t st = REGIA_OK;
    const int NSV = w->n_services;
    REGIA_TRY(write_axes(run, S, ncid, 0));
    double *f64 = malloc(sizeof(double) * (size_t)(NSV * WL_CLASS_DIM + 1));
    if (!f64) st = REGIA_FAIL(REGIA_ERR_NOMEM, "out of memory writing the output");
    if ((st = regia_run_agree(run, st))) goto err;
    const size_t in_c[1] = {WL_CLASS_DIM};
    const int root = run->ctx->rank == 0;
    for (int s = 0; s < NSV; s++)
        for (int c = 0; c < WL_CLASS_DIM; c++) f64[s * WL_CLASS_DIM + c] = c < WL_CLASSES ? w->svc_limit[s][c] : NAN;
    st = wl_put_rev(run, ncid, S->v_limit, 2, in_c, NC_DOUBLE, f64, 0, root ? NSV : 0);
    for (int s = 0; s < NSV; s++)
        for (int c = 0; c < WL_CLASS_DIM; c++) f64[s * WL_CLASS_DIM + c] = c < WL_CLASSES ? 100.0 * w->svc_target[s][c] : NAN;
    if (!st) st = wl_put_rev(run, ncid, S->v_target, 2, in_c, NC_DOUBLE, f64, 0, root ? NSV : 0);
    free(f64);
    if (st) goto err;
    REGIA_TRY(wl_compliance_write(run, w, ncid, 0));
    REGIA_TRY(wl_sdc_write(run, w, ncid, 0));
    REGIA_TRY(wl_demand_write(run, w, ncid));
    REGIA_TRY(wl_risk_write(run, w, ncid));
    REGIA_TRY(wl_alloc_write(run, w, ncid));
err:
    return st;
}

/* Data mode of the monthly file: its labels and month axis, then every rank its services'
 * month tables. */
static regia_status_t wl_monthly_rows(regia_run_t *run, void *self, int ncid)
{
    wls_t *S = self;
    regia_status_t st = REGIA_OK;
    REGIA_TRY(write_axes(run, S, ncid, 1));
    REGIA_TRY(wl_compliance_write(run, &S->w, ncid, 1));
    REGIA_TRY(wl_sdc_write(run, &S->w, ncid, 1));
err:
    return st;
}

/* Collective (write_extra): the monthly file, run->extra[0] (OUT_STEM.monthly.nc); the
 * output's global attribute monthly_file names it, its weekly_file names the output. */
static regia_status_t wl_write_extra(regia_run_t *run, void *self, int i, const char *tmp_path)
{
    return regia_run_write_extra_nc(run, i, tmp_path, wl_monthly_define, wl_monthly_rows, self);
}

#undef ATT

/* ---- report ---------------------------------------------------------------------------- */

/* Collective: red district cells of the last complete month, services below their targets
 * (region, whole history), suppressed cells. */
static void wl_report(regia_run_t *run, void *self)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    regia_ctx_t *ctx = run->ctx;
    const int64_t C = cube_cells(w), St = C / WL_MEASURES;
    const int region = w->areas.n_area - 1;
    /* the month of the last complete week before as_of */
    const int last_week = w->hist_weeks - 1 - ((w->as_of_day - w->week0_day) % 7 != 0);
    const int month = last_week >= 0 ? w->week_month[last_week] : 0;
    long long v[6] = {0}; /* red cells, cells with a light, suppressed cube cells, cube cells, population, no clock */
    enum { SHOW = SHOW_MISSES };
    long long miss[SHOW * 3]; /* service, class, share x 100 */
    for (int i = 0; i < SHOW * 3; i++) miss[i] = -1;
    int nmiss = 0;
    long long nmiss_all = 0;
    for (int64_t k = 0; k < run->ni; k++) {
        const int s = (int)(run->i0 + k);
        for (int d = 0; d < w->districts.n_district; d++) {
            const int8_t l = w->light[k * St + wl_stat(w, d, WL_CLASS_ALL, w->n_weeks + month)];
            v[0] += l == 2;
            v[1] += l >= 0;
        }
        for (int64_t i = 0; i < C; i++) v[2] += isnan(w->count[k * C + i]);
        v[3] += C;
        for (int p = 0; p < w->n_weeks; p++) {
            double r = w->count[k * C + wl_cell(w, region, WL_CLASS_ALL, p, WL_M_REQUESTS)];
            if (!isnan(r)) v[4] += (long long)r;
        }
        /* the region's share over the history, per class: the sum of its months */
        for (int c = 0; c < WL_CLASSES; c++) {
            double in = 0, be = 0;
            for (int q = 0; q < w->n_months; q++) {
                const double *x = w->count + k * C + wl_cell(w, region, c, w->n_weeks + q, 0);
                if (!isnan(x[WL_M_WITHIN])) in += x[WL_M_WITHIN];
                if (!isnan(x[WL_M_BEYOND])) be += x[WL_M_BEYOND];
            }
            if (in + be > 0 && in / (in + be) < w->svc_target[s][c]) {
                nmiss_all++;
                if (nmiss < SHOW) {
                    miss[3 * nmiss] = s, miss[3 * nmiss + 1] = c;
                    miss[3 * nmiss + 2] = (long long)llround(1000.0 * in / (in + be));
                    nmiss++;
                }
            }
        }
    }
    v[5] = w->n_no_clock;
    regia_run_sum(run, v, 6);
    regia_run_sum(run, &nmiss_all, 1);
    long long *all = ctx->rank == 0 ? malloc(sizeof *all * (size_t)(SHOW * 3 * ctx->size)) : NULL;
    regia_run_gather(run, miss, sizeof miss, all);
    S->n_red = v[0];
    S->n_cells_month = v[1];
    S->n_suppressed = v[2];
    S->n_cells = v[3];
    S->n_pop = v[4];
    if (ctx->rank != 0) return;
    char mname[16];
    snprintf(mname, sizeof mname, "%04d-%02d", (w->month0 + month) / 12, (w->month0 + month) % 12 + 1);
    regia_info(&ctx->log, "clock start: %s; %lld first-access SSN requests measured%s", WL_CLOCK_NAMES[w->clock],
               v[4], v[5] ? "" : "");
    if (v[5])
        regia_warn(&ctx->log, "%lld first-access SSN bookings have no %s time (or no booked time) and are left out",
                   v[5], WL_CLOCK_NAMES[w->clock]);
    regia_info(&ctx->log, "%s: %lld of %lld service x district cells with a light are red (ex ante share below %g %%, "
               "all classes)", mname, v[0], v[1], w->light_yellow);
    char text[2048];
    size_t n = 0;
    text[0] = '\0';
    int listed = 0;
    for (int p = 0; all && p < ctx->size && listed < SHOW; p++)
        for (int i = 0; i < SHOW && listed < SHOW; i++) {
            const long long *x = all + ((size_t)p * SHOW + (size_t)i) * 3;
            if (x[0] < 0) continue;
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s %s %.1f %%", listed ? ", " : "", S->label[x[0]],
                                  WL_CLASS_NAMES[x[1]], (double)x[2] / 10.0);
            if (n >= sizeof text) n = sizeof text - 1;
            listed++;
        }
    free(all);
    if (nmiss_all)
        regia_info(&ctx->log, "%lld service x class targets missed in the region over the whole history: %s%s",
                   nmiss_all, text, nmiss_all > listed ? ", ..." : "");
    else
        regia_info(&ctx->log, "every service x class meets its target in the region over the whole history");
    regia_info(&ctx->log, "disclosure control (k = %g): %lld of %lld count cells suppressed", w->k, v[2], v[3]);
}

static void wl_manifest(regia_run_t *run, void *self, regia_manifest_t *m)
{
    wls_t *S = self;
    wl_t *w = &S->w;
    char a[16];
    regia_format_date(w->as_of_day, a, sizeof a);
    regia_manifest_str(m, "clock_start", WL_CLOCK_NAMES[w->clock]);
    regia_manifest_str(m, "as_of", a);
    regia_manifest_str(m, "services_table_version", w->services.version[0] ? w->services.version : "unknown");
    regia_manifest_num(m, "services", w->n_services);
    regia_manifest_num(m, "districts", w->districts.n_district);
    regia_manifest_num(m, "bookings", (double)S->n_booking);
    regia_manifest_num(m, "weeks", w->n_weeks);
    regia_manifest_num(m, "disclosure_k", w->k);
    regia_manifest_str(m, "synthetic_data", S->synthetic ? "yes" : "no");
}

/* Every module's arrays (each module frees its own; safe on a zeroed or freed state). */
void wl_modules_free(wl_t *w)
{
    wl_compliance_free(w);
    wl_sdc_free(w);
    wl_demand_free(w);
    wl_risk_free(w);
    wl_alloc_free(w);
}

static void wl_release(regia_run_t *run, void *self)
{
    wl_t *w = &((wls_t *)self)->w;
    free(((wls_t *)self)->label);
    wl_modules_free(w);
    free(w->services.s);
    w->services.s = NULL;
    wl_districts_free(&w->districts);
    wl_agendas_free(&w->agendas);
    free(w->areas.level);
    free(w->areas.parent);
    free(w->svc_limit);
    free(w->svc_target);
    free(w->week_month);
    free(w->service_first);
    free(w->service_count);
    free(w->bk);
    free(w->bk_off);
}

int wl_prestep(const regia_job_t *job, void (*add)(void *arg, const char *word), void *arg);
regia_status_t wl_products(regia_products_t *p); /* waitlist_products.c */

const regia_domain_t regia_domain_waitlist = {
    .name = "waitlist",
    .summary = "outpatient waiting lists: PNGLA compliance, demand, queue risk, capacity",
    .about = "Reads the bookings NetCDF of `regia ingest waitlist` and writes, per monitored service x area\n"
             "(district, ASL, region) x priority class x week and month: ex ante and ex post compliance\n"
             "with the class limits (PNGLA 2019-2021 guarantee rules; clock start configurable and named),\n"
             "median and 90th percentile waits, a traffic light; weekly demand forecasts with intervals;\n"
             "the queue risk of the next weeks; the extra slots each district needs.  Every count goes\n"
             "through disclosure control (k, secondary suppression) before it is written.  Services are\n"
             "split over the MPI ranks; the output is the same for any number of ranks.  docs/waitlist.md.",
    .schema = waitlist_schema,
    .state_size = sizeof(wls_t),
    .unit = "services",
    .stage = "waitlist",
    .output_role = "waitlist analysis",
    .not_in_results = "job.threads job.progress_interval job.checkpoint_dir job.checkpoint_interval job.chunk job.name "
                      "waitlist.ingest_job",
    .configure = wl_configure,
    .index = wl_index,
    .read = wl_read,
    .prepare = wl_prepare,
    .compute = wl_compute,
    .result_arrays = wl_result_arrays,
    .define = wl_define,
    .acdd = wl_acdd,
    .write = wl_write,
    .write_extra = wl_write_extra, /* the monthly file (run->extra[0]) */
    .report = wl_report,
    .manifest = wl_manifest,
    .release = wl_release,
    .prestep = wl_prestep,      /* [waitlist] ingest_job -> regia ingest waitlist (waitlist_submit_step.c) */
    .prestep_cpu_only = 1,
    .products = wl_products,    /* summary.csv and the quicklooks (waitlist_products.c, docs/waitlist-products.md) */
    /* per-area extracts (regia publish): one file per district, ASL and the region, each
     * with its own rows along `area` (a district's office gets its district) */
    .item_dim = "area",
    .region_var = "area_name",
};
