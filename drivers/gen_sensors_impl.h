/* gen_sensors_impl.h - the model behind `regia gen sensors` (drivers/gen_sensors*.c):
 * structures, their modes and sensors, temperature, damage and the plan of sensor faults.
 * Everything here is a pure function of (seed, structure index) so every rank builds the
 * same plan of every structure; only the owner of a structure simulates its records. */
#ifndef REGIA_GEN_SENSORS_IMPL_H
#define REGIA_GEN_SENSORS_IMPL_H

#include <stdint.h>

#include "regia/sensor_store.h"

enum { GS_MAX_MODES = 6, GS_MAX_SENSORS = 32, GS_MAX_CH = 3 * GS_MAX_SENSORS, GS_MAX_FAULTS = 16,
       GS_MAX_CLOCK_SAMPLES = 4, GS_MAX_PIECES = 4 };

/* What a random stream is for (bits 32..39 of the Philox stream id). */
enum { GS_RNG_PLAN = 1, GS_RNG_WIND, GS_RNG_NOISE, GS_RNG_TRAFFIC, GS_RNG_WEATHER, GS_RNG_LEVEL, GS_RNG_SLOW };

typedef struct {
    uint64_t seed;
    int structures, days, sensors;
    double fs, record_s, interval_s, slow_dt;
    int64_t start_ns;
    int nrec;             /* records per structure                                   */
    int continuous;       /* interval == record length: the state carries over       */
    int64_t rec_n;        /* samples per record                                      */
    double noise_density; /* accelerometer noise, m/s^2/sqrt(Hz)                     */
    const char *damaged;  /* "auto", "none", "all" or a comma list of indices        */
} gs_cfg_t;

typedef struct {
    int kind;             /* regia_fault_kind_t                                      */
    int ch;               /* acceleration channel index, or -1 with sensor >= 0: all  */
    int sensor;
    int rec0, rec1;       /* records affected [rec0, rec1]                            */
    int64_t k0, k1;       /* samples within rec0 / rec1 ([k0 in rec0, k1 in rec1))    */
    double value;         /* as in regia_ss_fault_t; owner fills data-dependent ones  */
} gs_fault_t;

typedef struct {
    int index;
    char name[REGIA_SS_NAME];
    int bridge;                          /* 1 bridge, 0 building (shear frame)        */
    double span, width;                  /* bridge: m                                 */
    int storeys;                         /* building                                  */
    double storey_h;
    int nmodes;
    double f0[GS_MAX_MODES];             /* Hz at 10 degC, undamaged                  */
    double xi[GS_MAX_MODES];
    double alpha[GS_MAX_MODES];          /* relative change per degC above 0          */
    double jump[GS_MAX_MODES];           /* relative stiffening when frozen           */
    double dloss[GS_MAX_MODES];          /* stiffness loss of the mode after damage   */
    int mtype[GS_MAX_MODES];             /* bridge: 0 vertical j, 1 lateral, 2 torsion; building: 0 x, 1 y */
    int morder[GS_MAX_MODES];            /* j of the mode (1, 2, ...)                 */
    int nsens, nch;
    double pos[GS_MAX_SENSORS][3];
    double shape[GS_MAX_MODES][GS_MAX_CH]; /* channel c = 3 * sensor + axis           */
    double offset[GS_MAX_CH];            /* DC offset of each channel, m/s^2          */
    int clock_sensor, clock_samples;     /* the sensor whose clock is late            */
    int damaged;
    int damage_rec;                      /* first damaged record                      */
    double damage_loss;
    double t_mean, t_season, t_day;      /* air temperature model, degC                */
    int nfaults;
    gs_fault_t faults[GS_MAX_FAULTS];
} gs_struct_t;

/* Philox stream id of (structure, purpose, index). */
static inline uint64_t gs_stream(int s, int what, uint32_t index)
{
    return ((uint64_t)(s + 1) << 40) | ((uint64_t)what << 32) | index;
}

/* The plan of structure s (modes, sensors, damage, faults). */
void gs_plan(const gs_cfg_t *c, int s, gs_struct_t *g);

/* Air temperature and the structure's effective temperature (air temperature through a
 * first-order lag) on the slow grid (n_slow samples from start, step slow_dt), and the
 * effective temperature at the middle of each record (t_rec, nrec values). */
void gs_temperature(const gs_cfg_t *c, const gs_struct_t *g, int64_t n_slow, double *t_air, double *t_eff,
                    double *t_rec);

/* The natural frequency of mode m at effective temperature T, with or without damage. */
double gs_frequency(const gs_struct_t *g, int m, double T, int damaged);

/* Simulation state carried between records (continuous recording). */
typedef struct {
    double q[GS_MAX_MODES], v[GS_MAX_MODES], wind[GS_MAX_MODES];
    double tail[GS_MAX_MODES][GS_MAX_CLOCK_SAMPLES]; /* last modal accelerations        */
    int have;
} gs_state_t;

/* Simulate record r: x[c * rec_n + k] for the nch acceleration channels (faults
 * included except gaps, which the writer leaves out), freq/xi of the modes used.
 * temp: the effective temperature of the record.  faults: g->faults values of the
 * data-dependent faults (flat, clip) are set when their first record is simulated.
 * work: scratch of (rec_n + warm-up) * nmodes doubles, see gs_work_len. */
int64_t gs_work_len(const gs_cfg_t *c, const gs_struct_t *g);
void gs_record(const gs_cfg_t *c, gs_struct_t *g, int r, double temp, gs_state_t *state, double *work,
               double *x, double *freq, double *xi);

/* Slow channels of the environment sensor over the whole run: 4 channels (temperature,
 * humidity, inclination_x, inclination_y) of n_slow samples each, y[ch * n_slow + k]. */
void gs_slow(const gs_cfg_t *c, const gs_struct_t *g, const double *t_air, const double *t_eff, int64_t n_slow,
             double *y);

/* The gap-free pieces [k0[i], k1[i]) of acceleration channel ch in record r, or with
 * r = -1 over the whole run (sample indices r * rec_n + k; continuous recording).  At
 * most GS_MAX_PIECES (the plan has two gaps per structure). */
int gs_pieces(const gs_cfg_t *c, const gs_struct_t *g, int r, int ch, int64_t *k0, int64_t *k1);

#endif
