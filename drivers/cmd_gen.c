/* cmd_gen.c - `regia gen env`: synthetic ARPA Lombardia open-data CSV files.
 *
 * Writes DIR/sensors.csv (registry) and DIR/measurements.csv (Socrata date format, or
 * ISO 8601 with --iso).  Deterministic by --seed (Philox streams keyed by sensor id).
 * Rank 0 generates and writes; each file is written atomically.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_impl.h"
#include "regia/options.h"
#include "regia/io.h"
#include "regia/rng.h"
#include "regia/timeutil.h"
#include "textbuf.h"

static const struct { const char *comune, *prov; double lat, lon, alt; int urban; } SITES[] = {
    {"Milano", "MI", 45.4642, 9.1900, 122, 1},     {"Bergamo", "BG", 45.6983, 9.6773, 249, 1},
    {"Brescia", "BS", 45.5416, 10.2118, 149, 1},   {"Como", "CO", 45.8081, 9.0852, 201, 1},
    {"Cremona", "CR", 45.1332, 10.0227, 45, 1},    {"Lecco", "LC", 45.8566, 9.3977, 214, 1},
    {"Lodi", "LO", 45.3097, 9.5037, 87, 1},        {"Mantova", "MN", 45.1564, 10.7914, 19, 1},
    {"Monza", "MB", 45.5845, 9.2744, 162, 1},      {"Pavia", "PV", 45.1847, 9.1582, 77, 1},
    {"Sondrio", "SO", 46.1699, 9.8715, 307, 0},    {"Varese", "VA", 45.8206, 8.8251, 382, 1},
    {"Sesto San Giovanni", "MI", 45.5333, 9.2333, 140, 1},
    {"Chiavenna", "SO", 46.3210, 9.3980, 333, 0},  {"Darfo Boario Terme", "BS", 45.8800, 10.1800, 221, 0},
    {"Moggio", "LC", 45.9300, 9.4850, 890, 0},     {"Schivenoglia", "MN", 44.9950, 11.0700, 16, 0},
    {"Motta Visconti", "MI", 45.2870, 8.9930, 101, 0},
};
#define NSITES ((int)(sizeof SITES / sizeof SITES[0]))

static const struct { const char *name; int daily; double base; } TYPES[] = {
    {"PM10 (SM2005)", 1, 32}, {"Particelle sospese PM2.5", 1, 22},
    {"Biossido di Azoto", 0, 35}, {"Ozono", 0, 45},
};

static void fmt_time(int64_t t, int iso, char *out, size_t n)
{
    int64_t d = regia_floordiv(t, 86400);
    int y, m, dd;
    regia_civil_from_days(d, &y, &m, &dd);
    int s = (int)(t - d * 86400), hh = s / 3600, mi = (s / 60) % 60, ss = s % 60;
    if (iso) {
        snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, dd, hh, mi, ss);
    } else {
        int h12 = hh % 12 == 0 ? 12 : hh % 12;
        snprintf(out, n, "%02d/%02d/%04d %02d:%02d:%02d %s", m, dd, y, h12, mi, ss, hh < 12 ? "AM" : "PM");
    }
}

/* One value for sensor type k at time t (local solar time seconds). */
static double synth(int k, int urban, double alt, uint64_t seed, uint64_t sid, int64_t t, double *ar)
{
    double day = (double)regia_floordiv(t, 86400);
    int64_t dd = regia_floordiv(t, 86400);
    int y, m, d;
    regia_civil_from_days(dd, &y, &m, &d);
    double doy = day - (double)regia_days_from_civil(y, 1, 1);
    double winter = cos(2 * M_PI * (doy - 15) / 365.25); /* +1 mid-January, -1 mid-July */
    int dow = (int)(((dd + 3) % 7 + 7) % 7);             /* 0 = Monday */
    double hour = (double)((t - dd * 86400) / 3600);
    double z[4];
    regia_rng_normal4(seed, sid, 0, (uint32_t)(t / 3600), z);
    double altf = exp(-alt / 900.0);
    double v;
    switch (k) {
    case 0: case 1: { /* daily PM: AR(1) episodes, strong winter */
        *ar = 0.75 * *ar + 0.55 * z[0];
        double base = TYPES[k].base * (urban ? 1.0 : 0.7) * altf * 1.25;
        v = base * (1.0 + 0.65 * winter) * exp(0.45 * *ar) * (dow >= 5 ? 0.88 : 1.0);
        break;
    }
    case 2: { /* NO2: rush hours, weekday, winter */
        *ar = 0.9 * *ar + 0.3 * z[0];
        double rush = exp(-0.5 * pow((hour - 8) / 1.5, 2)) + 0.9 * exp(-0.5 * pow((hour - 19) / 2.0, 2));
        double base = TYPES[k].base * (urban ? 1.0 : 0.5) * altf * 1.15;
        v = base * (0.55 + 0.9 * rush) * (1.0 + 0.35 * winter) * (dow >= 5 ? 0.75 : 1.0) * exp(0.35 * *ar);
        break;
    }
    default: { /* O3: summer afternoons */
        *ar = 0.9 * *ar + 0.25 * z[0];
        double aft = exp(-0.5 * pow((hour - 15) / 3.0, 2));
        double summer = 0.5 * (1 - winter);
        v = (12 + 35 * summer + 95 * summer * aft + 10 * aft) * (urban ? 0.9 : 1.1) * exp(0.3 * *ar);
        break;
    }
    }
    return v < 0.5 ? 0.5 : v;
}

typedef struct {
    int ids, k, urban;
    double alt, ar;
} gen_sensor_t;

/* One measurement row of sensor `ids` (type k) at time t. */
static void emit_row(tbuf_t *meas, uint64_t seed, int ids, int k, int urban, double alt, int64_t t, int iso, double *ar)
{
    char b[40];
    double v = synth(k, urban, alt, seed, (uint64_t)ids, t, ar);
    double uu[4];
    regia_rng_uniform4(seed, (uint64_t)ids, 1, (uint32_t)(t / 3600), uu);
    fmt_time(t, iso, b, sizeof b);
    if (uu[0] < 0.03)
        tbuf_printf(meas, "%d,%s,-9999,VA,1\n", ids, b);
    else
        tbuf_printf(meas, "%d,%s,%.1f,%s,1\n", ids, b, v, uu[1] < 0.01 ? "NA" : "VA");
}

/* The options of `regia gen env` (the option model: runtime/options.c). */
static const regia_job_key_t gen_env_schema[] = {
    {"gen", "stations", REGIA_KEY_INT, 0, "12", 1, 100000, NULL, "stations (each with 3 or 4 sensors)"},
    {"gen", "years", REGIA_KEY_INT, 0, "2", 1, 100, NULL, "years of hourly data from --start"},
    {"gen", "seed", REGIA_KEY_INT, 0, "42", 0, 9.2e18, NULL, "random seed (the same seed gives the same files)"},
    {"gen", "output_dir", REGIA_KEY_PATH, 1, NULL, 0, 0, NULL, "directory for sensors.csv and measurements.csv"},
    {"gen", "start", REGIA_KEY_STRING, 0, "2023-01-01", 0, 0, NULL, "first day"},
    {"gen", "end_date", REGIA_KEY_STRING, 0, NULL, 0, 0, NULL, "last day (inclusive; earlier than --years allows)"},
    {"gen", "iso", REGIA_KEY_BOOL, 0, "no", 0, 0, NULL, "ISO 8601 time stamps instead of the portal's dd/mm/yyyy"},
    {"gen", "order", REGIA_KEY_ENUM, 0, "sensor", 0, 0, "sensor|time",
     "rows by sensor, then time, or by time stamp, then sensor (as the portal's exports)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};
static const regia_opt_meta_t gen_env_meta[] = {
    {"stations", "N"}, {"years", "Y"}, {"seed", "S"}, {"output_dir", "DIR"}, {"start", "YYYY-MM-DD"},
    {"end_date", "YYYY-MM-DD"}, {NULL, NULL},
};

static int gen_env(regia_ctx_t *ctx, long stations, long years, unsigned long long seed, const char *outdir,
                   const char *start_s, const char *end_s, int iso, int by_time);

static int usage(regia_ctx_t *ctx)
{
    if (ctx->rank == 0) {
        printf("usage: regia gen env --stations N --years Y --seed S --output-dir DIR [OPTIONS]\n\n"
               "Writes DIR/sensors.csv and DIR/measurements.csv (ARPA Lombardia layout), synthetic and\n"
               "deterministic by seed.  `regia gen waitlist --help`: synthetic outpatient bookings.\n"
               "`regia gen sensors --help`: synthetic structural-monitoring records.\n\nOptions:\n");
        regia_opts_print_help(gen_env_schema, gen_env_meta, stdout);
    }
    return REGIA_EXIT_OK;
}

int regia_gen_waitlist(regia_ctx_t *ctx, int argc, char **argv); /* gen_waitlist.c */
int regia_gen_sensors(regia_ctx_t *ctx, int argc, char **argv);  /* gen_sensors.c */

int regia_cmd_gen(regia_ctx_t *ctx, int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) return usage(ctx);
    if (argc >= 2 && !strcmp(argv[1], "waitlist")) return regia_gen_waitlist(ctx, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "sensors")) return regia_gen_sensors(ctx, argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "env") != 0)
        return regia_usage_error(ctx, "gen", "expected `regia gen env ...`, `regia gen waitlist ...` or `regia gen sensors ...`");
    regia_opts_t o;
    regia_job_t *job = NULL;
    if (regia_opts_parse(gen_env_schema, gen_env_meta, 0, argc - 1, argv + 1, &o) != REGIA_OK)
        return regia_usage_error(ctx, "gen", "%s", regia_error_msg());
    if (o.help) { regia_opts_free(&o); return usage(ctx); }
    regia_opts_free(&o);
    if (regia_opts_parse(gen_env_schema, gen_env_meta, 1, argc - 1, argv + 1, &o) != REGIA_OK)
        return regia_usage_error(ctx, "gen", "%s", regia_error_msg());
    if (o.n_pos) {
        regia_opts_free(&o);
        return regia_usage_error(ctx, "gen", "unexpected argument '%s'", o.pos[0]);
    }
    regia_status_t pst = regia_job_parse(o.text ? o.text : "", "command line", gen_env_schema, &job);
    regia_opts_free(&o);
    if (pst) return regia_usage_error(ctx, "gen", "%s", regia_error_msg());
    const long stations = (long)regia_job_int(job, "gen", "stations"), years = (long)regia_job_int(job, "gen", "years");
    const unsigned long long seed = (unsigned long long)regia_job_int(job, "gen", "seed");
    const char *outdir = regia_job_path(job, "gen", "output_dir"), *start_s = regia_job_str(job, "gen", "start");
    const char *end_s = regia_job_str(job, "gen", "end_date");
    const int iso = regia_job_bool(job, "gen", "iso"), by_time = !strcmp(regia_job_str(job, "gen", "order"), "time");
    int rc = gen_env(ctx, stations, years, seed, outdir, start_s, end_s, iso, by_time);
    regia_job_free(job);
    return rc;
}

/* Write the data set (rank 0; the others wait for its status). */
static int gen_env(regia_ctx_t *ctx, long stations, long years, unsigned long long seed, const char *outdir,
                   const char *start_s, const char *end_s, int iso, int by_time)
{
    int64_t t0, t1;
    if (regia_parse_datetime(start_s, &t0) != REGIA_OK)
        return regia_usage_error(ctx, "gen", "--start: %s", regia_error_msg());
    t0 = regia_floordiv(t0, 86400) * 86400;
    {
        int y, m, d;
        regia_civil_from_days(t0 / 86400, &y, &m, &d);
        t1 = regia_days_from_civil(y + (int)years, m, d) * 86400; /* exclusive */
    }
    if (end_s) {
        int64_t te;
        if (regia_parse_datetime(end_s, &te) != REGIA_OK)
            return regia_usage_error(ctx, "gen", "--end-date: %s", regia_error_msg());
        te = (regia_floordiv(te, 86400) + 1) * 86400; /* inclusive day */
        if (te <= t0) return regia_usage_error(ctx, "gen", "--end-date is before --start");
        if (te < t1) t1 = te;
    }

    regia_status_t st = REGIA_OK;
    if (ctx->rank == 0) {
        tbuf_t sens = {0}, meas = {0};
        gen_sensor_t *sen = NULL;
        int nsen = 0, capsen = 0;
        char path[4200], a[40];
        tbuf_printf(&sens, "IdSensore,NomeTipoSensore,UnitaMisura,Idstazione,NomeStazione,Quota,Provincia,"
                           "Comune,Storico,DataStart,DataStop,Utm_Nord,UTM_Est,lat,lng,Location\n");
        tbuf_printf(&meas, "IdSensore,Data,Valore,Stato,idOperatore\n");
        fmt_time(t0, iso, a, sizeof a);
        for (long s = 0; s < stations; s++) {
            int site = (int)(s % NSITES);
            double u[4];
            regia_rng_uniform4(seed, 1000000 + (uint64_t)s, 0, 0, u);
            double lat = SITES[site].lat + (s >= NSITES ? (u[0] - 0.5) * 0.12 : 0);
            double lon = SITES[site].lon + (s >= NSITES ? (u[1] - 0.5) * 0.16 : 0);
            double alt = SITES[site].alt + (s >= NSITES ? floor(u[2] * 30) : 0);
            int urban = SITES[site].urban;
            int idst = 500 + (int)s * 7;
            char name[128];
            static const char *suffix[] = {"via Senato", "Pascal", "via Garibaldi", "Citta Studi", "centro", "v.Meucci"};
            snprintf(name, sizeof name, "%s %s", SITES[site].comune, suffix[(s / NSITES + site) % 6]);
            /* UTM zone 32 approximation */
            double north = 111132.0 * lat - 0.0;
            double east = 500000.0 + (lon - 9.0) * 111320.0 * cos(lat * M_PI / 180.0);
            int ntypes = urban ? 4 : ((s % 2) ? 3 : 4);
            for (int k = 0; k < 4; k++) {
                if (!urban && k == 1 && ntypes == 3) continue; /* some rural stations lack PM2.5 */
                int ids = 5500 + (int)s * 10 + k;
                tbuf_printf(&sens, "%d,%s,µg/m³,%d,%s,%.0f,%s,%s,N,%s,,%.0f,%.0f,%.6f,%.6f,\"(%.6f, %.6f)\"\n",
                            ids, TYPES[k].name, idst, name, alt, SITES[site].prov, SITES[site].comune,
                            a, north, east, lat, lon, lat, lon);
                if (by_time) { /* rows later, by time */
                    if (nsen == capsen) {
                        capsen = capsen ? 2 * capsen : 64;
                        void *q = realloc(sen, (size_t)capsen * sizeof *sen);
                        if (!q) { meas.oom = 1; break; }
                        sen = q;
                    }
                    sen[nsen++] = (gen_sensor_t){ids, k, urban, alt, 0};
                    continue;
                }
                double ar = 0;
                int step = TYPES[k].daily ? 86400 : 3600;
                for (int64_t t = t0; t < t1; t += step) emit_row(&meas, seed, ids, k, urban, alt, t, iso, &ar);
            }
        }
        /* --order time: the same rows (each sensor's AR state runs over its own times) */
        for (int64_t t = t0; by_time && t < t1; t += 3600)
            for (int j = 0; j < nsen; j++)
                if (!TYPES[sen[j].k].daily || (t - t0) % 86400 == 0)
                    emit_row(&meas, seed, sen[j].ids, sen[j].k, sen[j].urban, sen[j].alt, t, iso, &sen[j].ar);
        free(sen);
        if (sens.oom || meas.oom) st = REGIA_FAIL(REGIA_ERR_NOMEM, "gen: out of memory");
        if (st == REGIA_OK) st = regia_mkdir_p(outdir);
        if (st == REGIA_OK) {
            snprintf(path, sizeof path, "%s/sensors.csv", outdir);
            st = regia_atomic_write(path, sens.buf, sens.len);
        }
        if (st == REGIA_OK) {
            snprintf(path, sizeof path, "%s/measurements.csv", outdir);
            st = regia_atomic_write(path, meas.buf, meas.len);
        }
        if (st == REGIA_OK)
            regia_info(&ctx->log, "wrote %s/sensors.csv and %s/measurements.csv (%zu bytes)", outdir, outdir,
                       meas.len);
        free(sens.buf);
        free(meas.buf);
    }
    st = regia_agree(ctx, st);
    return st == REGIA_OK ? REGIA_EXIT_OK : REGIA_EXIT_FAIL;
}
