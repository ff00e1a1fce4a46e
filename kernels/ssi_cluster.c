/* ssi_cluster.c - automatic pole selection of SSI (steps 5-7 of regia/ssi.h): hard
 * criteria, stability between orders, single-linkage grouping of the stable poles into
 * modes with their mean and spread, and the reason every other pole was dropped. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regia/ssi.h"
#include "ssi_impl.h"

static const char *const reason_names[REGIA_POLE_N] = {
    "mode", "conjugate", "real", "freq_range", "xi_low", "xi_high", "mpc", "mpd",
    "no_lower_order", "unstable_f", "unstable_xi", "unstable_mac", "small_group", "duplicate",
};

const char *regia_pole_reason_name(int reason)
{
    return reason >= 0 && reason < REGIA_POLE_N ? reason_names[reason] : "?";
}

/* Hard criteria of one pole (not a conjugate or real one): the reason, MODE when it passes. */
static int hard_reason(const regia_ssi_cfg_t *cfg, const regia_ssi_pole_t *p)
{
    int band = regia_ssi_band_reason(cfg, p->f, p->xi);
    if (band != REGIA_POLE_MODE) return band;
    if (!(p->mpc >= cfg->mpc_min)) return REGIA_POLE_MPC;
    if (cfg->mpd_max > 0.0 && !(p->mpd <= cfg->mpd_max)) return REGIA_POLE_MPD;
    return REGIA_POLE_MODE;
}

/* Stability of pole k against the hard-criteria poles of order index o (range [lo, hi)):
 * 0 when stable, else the reason; the three single tests in *bits (REGIA_POLE_STABLE_*). */
static int stab_reason(const regia_ssi_cfg_t *cfg, const regia_ssi_result_t *res, int64_t k,
                       int64_t lo, int64_t hi, uint32_t *bits)
{
    const regia_ssi_pole_t *p = res->poles + k;
    int64_t best = -1;
    double dbest = INFINITY;
    for (int64_t q = lo; q < hi; q++) {
        if (!(res->poles[q].flags & REGIA_POLE_HC)) continue;
        double d = fabs(res->poles[q].f - p->f);
        if (d < dbest) {
            dbest = d;
            best = q;
        }
    }
    *bits = 0;
    if (best < 0) return REGIA_POLE_UNSTABLE_F;
    const regia_ssi_pole_t *b = res->poles + best;
    int32_t nch = res->nch;
    if (fabs(p->f - b->f) / p->f < cfg->stab_df) *bits |= REGIA_POLE_STABLE_F;
    if (fabs(p->xi - b->xi) / p->xi < cfg->stab_dxi) *bits |= REGIA_POLE_STABLE_XI;
    if (1.0 - regia_ssi_mac(res->pole_shapes + k * nch * 2, res->pole_shapes + best * nch * 2, nch) <
        cfg->stab_dmac)
        *bits |= REGIA_POLE_STABLE_MAC;
    if (!(*bits & REGIA_POLE_STABLE_F)) return REGIA_POLE_UNSTABLE_F;
    if (!(*bits & REGIA_POLE_STABLE_XI)) return REGIA_POLE_UNSTABLE_XI;
    if (!(*bits & REGIA_POLE_STABLE_MAC)) return REGIA_POLE_UNSTABLE_MAC;
    return 0;
}

static int64_t uf_find(int64_t *parent, int64_t a)
{
    while (parent[a] != a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    return a;
}

typedef struct {
    int64_t root;
    double f;
    int64_t pole;
} member_t;

static int cmp_member(const void *x, const void *y)
{
    const member_t *a = x, *b = y;
    if (a->root != b->root) return a->root < b->root ? -1 : 1;
    if (a->f != b->f) return a->f < b->f ? -1 : 1;
    return a->pole < b->pole ? -1 : a->pole > b->pole;
}

typedef struct {
    double f;
    int32_t id;
} fkey_t;

static int cmp_fkey(const void *x, const void *y)
{
    const fkey_t *a = x, *b = y;
    if (a->f != b->f) return a->f < b->f ? -1 : 1;
    return a->id - b->id;
}

/* Mean and sample standard deviation of the mode's members (m[0..g), kept ones only). */
static void mode_stats(const regia_ssi_result_t *res, const member_t *m, int64_t g,
                       int32_t tmp_id, int64_t ref, regia_ssi_mode_t *md, double *shape)
{
    int32_t nch = res->nch;
    double sf = 0.0, sx = 0.0, sff = 0.0, sxx = 0.0;
    int32_t cnt = 0, omin = INT32_MAX, omax = 0;
    const double *phr = res->pole_shapes + ref * nch * 2;
    memset(shape, 0, (size_t)nch * 2 * sizeof *shape);
    for (int64_t k = 0; k < g; k++) {
        const regia_ssi_pole_t *p = res->poles + m[k].pole;
        if (p->mode != tmp_id) continue;
        cnt++;
        sf += p->f;
        sx += p->xi;
        if (p->order < omin) omin = p->order;
        if (p->order > omax) omax = p->order;
        /* phase-align to the reference member and scale to unit norm */
        const double *ph = res->pole_shapes + m[k].pole * nch * 2;
        double are = 0.0, aim = 0.0, nn = 0.0;
        for (int32_t c = 0; c < nch; c++) {
            are += phr[2 * c] * ph[2 * c] + phr[2 * c + 1] * ph[2 * c + 1];
            aim += phr[2 * c] * ph[2 * c + 1] - phr[2 * c + 1] * ph[2 * c];
            nn += ph[2 * c] * ph[2 * c] + ph[2 * c + 1] * ph[2 * c + 1];
        }
        double am = hypot(are, aim), cr = am > 0 ? are / am : 1.0, ci = am > 0 ? -aim / am : 0.0;
        double sc = nn > 0 ? 1.0 / sqrt(nn) : 0.0;
        for (int32_t c = 0; c < nch; c++) {
            double x = ph[2 * c], y = ph[2 * c + 1];
            shape[2 * c] += sc * (x * cr - y * ci);
            shape[2 * c + 1] += sc * (x * ci + y * cr);
        }
    }
    md->n_poles = cnt;
    md->order_min = omin;
    md->order_max = omax;
    md->pole_ref = (int32_t)ref;
    md->f = sf / cnt;
    md->xi = sx / cnt;
    for (int64_t k = 0; k < g; k++) {
        const regia_ssi_pole_t *p = res->poles + m[k].pole;
        if (p->mode != tmp_id) continue;
        sff += (p->f - md->f) * (p->f - md->f);
        sxx += (p->xi - md->xi) * (p->xi - md->xi);
    }
    md->f_std = cnt > 1 ? sqrt(sff / (cnt - 1)) : 0.0;
    md->xi_std = cnt > 1 ? sqrt(sxx / (cnt - 1)) : 0.0;
    /* normalise the mean shape: largest component 1 + 0i */
    int32_t kmax = 0;
    double amax = -1.0;
    for (int32_t c = 0; c < nch; c++) {
        double a = hypot(shape[2 * c], shape[2 * c + 1]);
        if (a > amax) {
            amax = a;
            kmax = c;
        }
    }
    double dr = shape[2 * kmax], di = shape[2 * kmax + 1], d2 = dr * dr + di * di;
    if (d2 > 0.0)
        for (int32_t c = 0; c < nch; c++) {
            double x = shape[2 * c], y = shape[2 * c + 1];
            shape[2 * c] = (x * dr + y * di) / d2;
            shape[2 * c + 1] = (y * dr - x * di) / d2;
        }
    double mmin = 1.0, msum = 0.0;
    for (int64_t k = 0; k < g; k++) {
        if (res->poles[m[k].pole].mode != tmp_id) continue;
        double mac = regia_ssi_mac(shape, res->pole_shapes + m[k].pole * nch * 2, nch);
        if (mac < mmin) mmin = mac;
        msum += mac;
    }
    md->mac_min = mmin;
    md->mac_mean = msum / cnt;
    md->mpc = regia_mpc(shape, nch);
    md->mpd = regia_mpd(shape, nch);
}

regia_status_t regia_ssi_select(const regia_ssi_cfg_t *cfg, regia_ssi_result_t *res)
{
    regia_status_t st = REGIA_OK;
    int64_t *start = NULL, *parent = NULL, *stable = NULL;
    member_t *mem = NULL;
    regia_ssi_mode_t *tm = NULL;
    double *tshape = NULL;
    fkey_t *keys = NULL;
    int32_t *newid = NULL;
    int32_t nch = res->nch;
    REGIA_TRY(regia_ssi_check(cfg, 0, nch, res->nref, NULL, 0));
    free(res->modes);
    free(res->mode_shapes);
    res->modes = NULL;
    res->mode_shapes = NULL;
    res->n_modes = 0;
    int64_t np = res->n_poles;
    int32_t no = res->n_orders;
    start = malloc((size_t)(no + 1) * sizeof *start);
    parent = malloc((size_t)(np > 0 ? np : 1) * sizeof *parent);
    stable = malloc((size_t)(np > 0 ? np : 1) * sizeof *stable);
    mem = malloc((size_t)(np > 0 ? np : 1) * sizeof *mem);
    if (!start || !parent || !stable || !mem) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "SSI: no memory for %lld poles", (long long)np);
        goto err;
    }
    /* poles are stored by order: the range of each order index */
    int64_t k = 0;
    for (int32_t o = 0; o < no; o++) {
        start[o] = k;
        while (k < np && res->poles[k].order == res->orders[o]) k++;
    }
    start[no] = k;
    /* 5. hard criteria */
    for (k = 0; k < np; k++) {
        regia_ssi_pole_t *p = res->poles + k;
        p->flags = 0;
        p->mode = -1;
        if (p->reason == REGIA_POLE_CONJUGATE || p->reason == REGIA_POLE_REAL) continue;
        p->reason = hard_reason(cfg, p);
        if (p->reason == REGIA_POLE_MODE) p->flags |= REGIA_POLE_HC;
    }
    /* 6. stability against the stab_orders next lower orders */
    int64_t ns = 0;
    for (int32_t o = 0; o < no; o++)
        for (k = start[o]; k < start[o + 1]; k++) {
            regia_ssi_pole_t *p = res->poles + k;
            if (!(p->flags & REGIA_POLE_HC)) continue;
            if (o < cfg->stab_orders) {
                p->reason = REGIA_POLE_NO_LOWER;
                continue;
            }
            int reason = 0;
            for (int32_t lv = 1; lv <= cfg->stab_orders && !reason; lv++) {
                uint32_t bits;
                reason = stab_reason(cfg, res, k, start[o - lv], start[o - lv + 1], &bits);
                if (lv == 1) p->flags |= bits;
            }
            if (reason) {
                p->reason = reason;
                continue;
            }
            p->flags |= REGIA_POLE_STABLE;
            stable[ns++] = k;
        }
    /* 7. single-linkage groups of stable poles (stable[] sorted by frequency) */
    for (int64_t a = 0; a < ns; a++) {
        mem[a].root = 0;
        mem[a].f = res->poles[stable[a]].f;
        mem[a].pole = stable[a];
    }
    qsort(mem, (size_t)ns, sizeof *mem, cmp_member);
    for (int64_t a = 0; a < ns; a++) parent[a] = a;
    for (int64_t a = 0; a < ns; a++)
        for (int64_t b = a + 1; b < ns && mem[b].f - mem[a].f <= cfg->clus_df * mem[b].f; b++) {
            double mac = regia_ssi_mac(res->pole_shapes + mem[a].pole * nch * 2,
                                   res->pole_shapes + mem[b].pole * nch * 2, nch);
            if (1.0 - mac <= cfg->clus_dmac) {
                int64_t ra = uf_find(parent, a), rb = uf_find(parent, b);
                if (ra != rb) parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;
            }
        }
    for (int64_t a = 0; a < ns; a++) mem[a].root = uf_find(parent, a);
    qsort(mem, (size_t)ns, sizeof *mem, cmp_member);
    int32_t need = (int32_t)ceil(cfg->clus_min_frac * no - 1e-9);
    if (need < cfg->clus_min_poles) need = cfg->clus_min_poles;
    int32_t n_groups = 0;
    for (int64_t a = 0; a < ns; a++)
        if (a == 0 || mem[a].root != mem[a - 1].root) n_groups++;
    tm = calloc((size_t)(n_groups > 0 ? n_groups : 1), sizeof *tm);
    tshape = calloc((size_t)(n_groups > 0 ? n_groups : 1) * nch * 2, sizeof *tshape);
    if (!tm || !tshape) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "SSI: no memory for %d groups", n_groups);
        goto err;
    }
    int32_t nm = 0;
    for (int64_t a = 0; a < ns;) {
        int64_t g = 1;
        while (a + g < ns && mem[a + g].root == mem[a].root) g++;
        member_t *m = mem + a;
        double med = g % 2 ? m[g / 2].f : 0.5 * (m[g / 2 - 1].f + m[g / 2].f);
        /* one pole per order: the one nearest the median frequency */
        int32_t kept = 0;
        int64_t ref = -1;
        double dref = INFINITY;
        for (int64_t x = 0; x < g; x++) {
            regia_ssi_pole_t *p = res->poles + m[x].pole;
            int dup = 0;
            for (int64_t z = 0; z < g && !dup; z++) {
                const regia_ssi_pole_t *q = res->poles + m[z].pole;
                if (z == x || q->order != p->order) continue;
                double dz = fabs(q->f - med), dx = fabs(p->f - med);
                dup = dz < dx || (dz == dx && z < x);
            }
            if (dup) {
                p->reason = REGIA_POLE_DUPLICATE;
                continue;
            }
            p->mode = nm; /* provisional: this group's id */
            kept++;
            if (fabs(p->f - med) < dref) {
                dref = fabs(p->f - med);
                ref = m[x].pole;
            }
        }
        if (kept < need) {
            for (int64_t x = 0; x < g; x++) {
                regia_ssi_pole_t *p = res->poles + m[x].pole;
                if (p->mode == nm) {
                    p->mode = -1;
                    p->reason = REGIA_POLE_SMALL_GROUP;
                }
            }
        } else {
            mode_stats(res, m, g, nm, ref, tm + nm, tshape + (int64_t)nm * nch * 2);
            nm++;
        }
        a += g;
    }
    /* modes by increasing frequency */
    keys = malloc((size_t)(nm > 0 ? nm : 1) * sizeof *keys);
    newid = malloc((size_t)(nm > 0 ? nm : 1) * sizeof *newid);
    res->modes = malloc((size_t)(nm > 0 ? nm : 1) * sizeof *res->modes);
    res->mode_shapes = malloc((size_t)(nm > 0 ? nm : 1) * nch * 2 * sizeof *res->mode_shapes);
    if (!keys || !newid || !res->modes || !res->mode_shapes) {
        st = REGIA_FAIL(REGIA_ERR_NOMEM, "SSI: no memory for %d modes", nm);
        goto err;
    }
    for (int32_t j = 0; j < nm; j++) {
        keys[j].f = tm[j].f;
        keys[j].id = j;
    }
    qsort(keys, (size_t)nm, sizeof *keys, cmp_fkey);
    for (int32_t j = 0; j < nm; j++) {
        newid[keys[j].id] = j;
        res->modes[j] = tm[keys[j].id];
        memcpy(res->mode_shapes + (int64_t)j * nch * 2, tshape + (int64_t)keys[j].id * nch * 2,
               (size_t)nch * 2 * sizeof *tshape);
    }
    res->n_modes = nm;
    for (k = 0; k < np; k++) {
        regia_ssi_pole_t *p = res->poles + k;
        if (p->mode >= 0) {
            p->mode = newid[p->mode];
            p->reason = REGIA_POLE_MODE;
            p->flags |= REGIA_POLE_IN_MODE;
        }
    }
err:
    free(start);
    free(parent);
    free(stable);
    free(mem);
    free(tm);
    free(tshape);
    free(keys);
    free(newid);
    return st;
}
