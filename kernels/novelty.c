/* Environmental compensation of tracked frequencies and the Mahalanobis novelty score
 * (contract and formulas: include/regia/novelty.h).
 *
 * The fit's linear algebra goes through the backend op novelty_la (regia/kernels.h; the
 * CPU reference kernels/cpu/novelty_la.c when no backend is given): regression models by
 * least squares with a rank check (LAPACKE dgelsd on the CPU, so a degenerate design is an
 * error rather than noise); PCA: the SVD of the standardised training matrix; the feature
 * covariance and its Cholesky factor.  Scoring stays here: D^2 is the squared norm of
 * L^-1 (e - m) (cblas_dtrsv), divided for the regression models by 1 + h, h the leverage
 * x^T (X^T X)^-1 x of the record's design row (the variance of a prediction residual is
 * Sigma (1 + h)), so that a new record's D^2 follows exactly the T^2 law of the threshold. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu/cpu_impl.h"
#include "regia/kernels.h"
#include "regia/novelty.h"

/* The op on `be`, or the CPU reference when be is NULL. */
static regia_status_t run_la(regia_backend_t *be, const regia_nla_in_t *in, regia_nla_out_t *out)
{
    return be ? regia_novelty_la(be, in, out) : regia_cpu_novelty_la(NULL, in, out);
}

static const char *const model_names[] = {"linear", "bilinear", "pca"};

void regia_comp_defaults(regia_comp_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->model = REGIA_COMP_LINEAR;
    cfg->n_lags = 0;
    cfg->t_break = 0.0;
    cfg->bilinear_step = 0;
    cfg->freeze_width = 0.0;
    cfg->pca_keep = 0;
    cfg->pca_var_frac = 0.9;
    cfg->alpha = 0.01;
}

int regia_comp_model_parse(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < 3; i++)
        if (!strcasecmp(name, model_names[i])) return i;
    return -1;
}

const char *regia_comp_model_name(int32_t model)
{
    return model >= 0 && model < 3 ? model_names[model] : "unknown";
}

void regia_novelty_free(regia_novelty_model_t *m)
{
    if (!m) return;
    free(m->coef);
    free(m->col_mean);
    free(m->col_std);
    free(m->pca_v);
    free(m->pca_var);
    free(m->feat_mean);
    free(m->feat_chol);
    free(m->resid_std);
    free(m->xtx_inv);
    memset(m, 0, sizeof *m);
}

static int basis_size(const regia_comp_cfg_t *cfg)
{
    return cfg->model == REGIA_COMP_LINEAR ? 1 : (cfg->bilinear_step ? 3 : 2);
}

/* Design row of record r into row[ncol]; 0 when a temperature it needs is missing. */
static int design_row(const regia_comp_cfg_t *cfg, const double *temp, int64_t r, double *row)
{
    int nb = basis_size(cfg), c = 0;
    if (r < cfg->n_lags) return 0;
    row[c++] = 1.0;
    for (int l = 0; l <= cfg->n_lags; l++) {
        double T = temp[r - l];
        if (!isfinite(T)) return 0;
        if (cfg->model == REGIA_COMP_LINEAR) {
            row[c++] = T;
        } else {
            double d = T - cfg->t_break;
            row[c++] = d < 0 ? d : 0.0;
            row[c++] = d > 0 ? d : 0.0;
            if (nb == 3) row[c++] = d >= 0 ? 0.0 : cfg->freeze_width > 0 ? -expm1(d / cfg->freeze_width) : 1.0;
        }
    }
    return 1;
}

static int all_finite(const double *v, int32_t p)
{
    for (int32_t j = 0; j < p; j++)
        if (!isfinite(v[j])) return 0;
    return 1;
}

/* Feature and residual (Hz) of one record; 0 when the record lacks what the model needs.
 * With partial (regression only) a missing frequency leaves NaN in its residual and
 * feature instead.  work: max(ncol, p) doubles. */
static int record_feature(const regia_novelty_model_t *m, const double *fr, const double *temp, int64_t r,
                          double *feat, double *res, double *work, int partial)
{
    int32_t p = m->p;
    if (m->cfg.model == REGIA_COMP_PCA) partial = 0;
    if (!partial && !all_finite(fr, p)) return 0;
    if (m->cfg.model == REGIA_COMP_PCA) {
        for (int32_t j = 0; j < p; j++) work[j] = (fr[j] - m->col_mean[j]) / m->col_std[j];
        for (int32_t j = 0; j < p; j++) res[j] = work[j];
        for (int32_t k = 0; k < p; k++) {
            double s = 0;
            for (int32_t j = 0; j < p; j++) s += work[j] * m->pca_v[j * p + k];
            if (k < m->pca_q)
                for (int32_t j = 0; j < p; j++) res[j] -= s * m->pca_v[j * p + k];
            else
                feat[k - m->pca_q] = s;
        }
        for (int32_t j = 0; j < p; j++) res[j] *= m->col_std[j];
        return 1;
    }
    if (!temp || !design_row(&m->cfg, temp, r, work)) return 0;
    for (int32_t j = 0; j < p; j++) {
        double fh = 0;
        for (int32_t c = 0; c < m->ncol; c++) fh += m->coef[j * m->ncol + c] * work[c];
        res[j] = isfinite(fr[j]) ? fr[j] - fh : NAN;
        feat[j] = res[j];
    }
    return 1;
}

static regia_status_t check_cfg(const regia_comp_cfg_t *cfg, int32_t p)
{
    if (cfg->model < 0 || cfg->model > 2)
        return REGIA_FAIL(REGIA_ERR_INVALID, "compensation: unknown model %d", (int)cfg->model);
    if (cfg->n_lags < 0 || cfg->n_lags > 1000)
        return REGIA_FAIL(REGIA_ERR_INVALID, "compensation: n_lags = %d outside 0..1000", (int)cfg->n_lags);
    if (!isfinite(cfg->t_break)) return REGIA_FAIL(REGIA_ERR_INVALID, "compensation: break temperature not finite");
    if (!(cfg->freeze_width >= 0 && cfg->freeze_width < INFINITY))
        return REGIA_FAIL(REGIA_ERR_INVALID, "compensation: freeze width %g degC not finite and >= 0", cfg->freeze_width);
    if (!(cfg->alpha > 0 && cfg->alpha < 1))
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty: false-alarm rate %g outside (0, 1)", cfg->alpha);
    if (cfg->min_features < 0)
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty: min_features = %d must be >= 0", (int)cfg->min_features);
    if (cfg->model == REGIA_COMP_PCA) {
        if (p < 2) return REGIA_FAIL(REGIA_ERR_INVALID, "PCA compensation needs >= 2 frequencies (got %d)", (int)p);
        if (cfg->pca_keep < 0 || cfg->pca_keep >= p)
            return REGIA_FAIL(REGIA_ERR_INVALID, "PCA: pca_keep = %d outside 0..%d", (int)cfg->pca_keep, (int)p - 1);
        if (cfg->pca_keep == 0 && !(cfg->pca_var_frac > 0 && cfg->pca_var_frac <= 1))
            return REGIA_FAIL(REGIA_ERR_INVALID, "PCA: pca_var_frac = %g outside (0, 1]", cfg->pca_var_frac);
    }
    return REGIA_OK;
}

/* Regression fit: coef, and the training residuals into feat (n_train x p). */
static regia_status_t fit_regression(regia_backend_t *be, const double *f, const double *temp, int64_t n_rec, int32_t p,
                                     const uint8_t *use, regia_novelty_model_t *m, double **feat_out,
                                     int64_t *n_out)
{
    regia_status_t st = REGIA_OK;
    int32_t ncol = 1 + (m->cfg.n_lags + 1) * basis_size(&m->cfg);
    double *A = NULL, *B = NULL, *feat = NULL, *row = NULL, *sol = NULL;
    int64_t *idx = NULL;
    m->ncol = ncol;
    row = malloc(sizeof(double) * (size_t)ncol);
    idx = malloc(sizeof(int64_t) * (size_t)(n_rec > 0 ? n_rec : 1));
    if (!row || !idx) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "compensation: out of memory"));
    int64_t n = 0, below = 0, above = 0;
    for (int64_t r = 0; r < n_rec; r++) {
        if ((use && !use[r]) || !all_finite(f + r * p, p) || !design_row(&m->cfg, temp, r, row)) continue;
        idx[n++] = r;
        if (temp[r] < m->cfg.t_break) below++; else above++;
    }
    if (n <= ncol || n <= (int64_t)p + 1)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID,
                             "compensation (%s, %d lags): %lld usable training records, need more than %d",
                             regia_comp_model_name(m->cfg.model), (int)m->cfg.n_lags, (long long)n,
                             (int)(ncol > p + 1 ? ncol : p + 1)));
    if (m->cfg.model == REGIA_COMP_BILINEAR && (below < 2 || above < 2))
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID,
                             "bilinear compensation: %lld training records below and %lld above the break %g C;"
                             " need >= 2 on each side (use the linear model or a longer training period)",
                             (long long)below, (long long)above, m->cfg.t_break));
    A = malloc(sizeof(double) * (size_t)n * (size_t)ncol);
    B = malloc(sizeof(double) * (size_t)n * (size_t)p);
    feat = malloc(sizeof(double) * (size_t)n * (size_t)p);
    m->coef = malloc(sizeof(double) * (size_t)ncol * (size_t)p);
    m->xtx_inv = calloc((size_t)ncol * (size_t)ncol, sizeof(double));
    sol = malloc(sizeof(double) * (size_t)ncol * (size_t)p);
    if (!A || !B || !feat || !m->coef || !m->xtx_inv || !sol)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "compensation: out of memory"));
    for (int64_t i = 0; i < n; i++) {
        design_row(&m->cfg, temp, idx[i], A + i * ncol);
        for (int32_t j = 0; j < p; j++) B[i * p + j] = f[idx[i] * p + j];
    }
    /* least squares for all p frequencies at once, rank checked, and (X^T X)^-1 for the
     * leverage of scored records (op); sol[c p + j] -> coef[j ncol + c] */
    regia_nla_in_t li = {.kind = REGIA_NLA_LSQ, .n = n, .cols = ncol, .nrhs = p, .a = A, .b = B, .rcond = 1e-10};
    regia_nla_out_t lo = {.x = sol, .xtx_inv = m->xtx_inv};
    REGIA_TRY(run_la(be, &li, &lo));
    if (lo.rank < ncol)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID,
                             "compensation (%s, %d lags): the temperature design has rank %d < %d columns over the"
                             " %lld training records (constant temperature?)",
                             regia_comp_model_name(m->cfg.model), (int)m->cfg.n_lags, (int)lo.rank, (int)ncol,
                             (long long)n));
    if (lo.info != 0)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID, "compensation: X^T X of the temperature design is singular (info %d)",
                             (int)lo.info));
    for (int32_t j = 0; j < p; j++)
        for (int32_t c = 0; c < ncol; c++) m->coef[j * ncol + c] = sol[c * p + j];
    for (int64_t i = 0; i < n; i++)
        for (int32_t j = 0; j < p; j++) {
            double fh = 0;
            for (int32_t c = 0; c < ncol; c++) fh += m->coef[j * ncol + c] * A[i * ncol + c];
            feat[i * p + j] = f[idx[i] * p + j] - fh;
        }
    *feat_out = feat;
    feat = NULL;
    *n_out = n;
err:
    free(A);
    free(B);
    free(feat);
    free(row);
    free(sol);
    free(idx);
    return st;
}

/* PCA fit: standardisation, loadings, q, and the training features (n_train x (p - q)). */
static regia_status_t fit_pca(regia_backend_t *be, const double *f, int64_t n_rec, int32_t p, const uint8_t *use,
                              regia_novelty_model_t *m, double **feat_out, int64_t *n_out)
{
    regia_status_t st = REGIA_OK;
    double *Z = NULL, *s = NULL, *vt = NULL, *feat = NULL, *res = NULL;
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)(n_rec > 0 ? n_rec : 1));
    m->col_mean = calloc((size_t)p, sizeof(double));
    m->col_std = calloc((size_t)p, sizeof(double));
    m->pca_v = malloc(sizeof(double) * (size_t)p * (size_t)p);
    m->pca_var = malloc(sizeof(double) * (size_t)p);
    if (!idx || !m->col_mean || !m->col_std || !m->pca_v || !m->pca_var)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "PCA: out of memory"));
    int64_t n = 0;
    for (int64_t r = 0; r < n_rec; r++)
        if ((!use || use[r]) && all_finite(f + r * p, p)) idx[n++] = r;
    if (n <= (int64_t)p + 1)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID, "PCA compensation: %lld usable training records, need more than %d",
                             (long long)n, (int)p + 1));
    for (int64_t i = 0; i < n; i++)
        for (int32_t j = 0; j < p; j++) m->col_mean[j] += f[idx[i] * p + j];
    for (int32_t j = 0; j < p; j++) m->col_mean[j] /= (double)n;
    for (int64_t i = 0; i < n; i++)
        for (int32_t j = 0; j < p; j++) {
            double d = f[idx[i] * p + j] - m->col_mean[j];
            m->col_std[j] += d * d;
        }
    for (int32_t j = 0; j < p; j++) {
        m->col_std[j] = sqrt(m->col_std[j] / (double)(n - 1));
        if (!(m->col_std[j] > 0))
            REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID, "PCA compensation: frequency %d is constant over training",
                                 (int)j));
    }
    Z = malloc(sizeof(double) * (size_t)n * (size_t)p);
    s = malloc(sizeof(double) * (size_t)p);
    vt = malloc(sizeof(double) * (size_t)p * (size_t)p);
    if (!Z || !s || !vt) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "PCA: out of memory"));
    for (int64_t i = 0; i < n; i++)
        for (int32_t j = 0; j < p; j++) Z[i * p + j] = (f[idx[i] * p + j] - m->col_mean[j]) / m->col_std[j];
    regia_nla_in_t si = {.kind = REGIA_NLA_SVD, .n = n, .cols = p, .a = Z};
    regia_nla_out_t so = {.sv = s, .vt = vt};
    REGIA_TRY(run_la(be, &si, &so));
    double total = 0;
    for (int32_t k = 0; k < p; k++) {
        m->pca_var[k] = s[k] * s[k] / (double)(n - 1);
        total += m->pca_var[k];
        for (int32_t j = 0; j < p; j++) m->pca_v[j * p + k] = vt[k * p + j];
    }
    int32_t q = m->cfg.pca_keep;
    if (q == 0) {
        double cum = 0;
        for (q = 0; q < p - 1;) {
            cum += m->pca_var[q++];
            if (cum >= m->cfg.pca_var_frac * total) break;
        }
    }
    m->pca_q = q;
    m->dim = p - q;
    feat = malloc(sizeof(double) * (size_t)n * (size_t)m->dim);
    res = malloc(sizeof(double) * (size_t)p * 2);
    if (!feat || !res) REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "PCA: out of memory"));
    for (int64_t i = 0; i < n; i++) record_feature(m, f + idx[i] * p, NULL, idx[i], feat + i * m->dim, res, res + p, 0);
    *feat_out = feat;
    feat = NULL;
    *n_out = n;
err:
    free(idx);
    free(Z);
    free(s);
    free(vt);
    free(feat);
    free(res);
    return st;
}

regia_status_t regia_novelty_fit(const double *f, const double *temp, int64_t n_rec, int32_t p,
                                 const uint8_t *use, const regia_comp_cfg_t *cfg, regia_novelty_model_t *m)
{
    return regia_novelty_fit_on(NULL, f, temp, n_rec, p, use, cfg, m);
}

regia_status_t regia_novelty_fit_on(regia_backend_t *be, const double *f, const double *temp, int64_t n_rec,
                                    int32_t p, const uint8_t *use, const regia_comp_cfg_t *cfg,
                                    regia_novelty_model_t *m)
{
    regia_status_t st = REGIA_OK;
    double *feat = NULL, *res = NULL, *work = NULL;
    int64_t n = 0;
    memset(m, 0, sizeof *m);
    if (cfg) m->cfg = *cfg; else regia_comp_defaults(&m->cfg);
    if (p < 1 || n_rec < 0 || (n_rec > 0 && !f))
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID, "novelty: bad sizes (p = %d, records = %lld)", (int)p,
                             (long long)n_rec));
    REGIA_TRY(check_cfg(&m->cfg, p));
    if (m->cfg.model != REGIA_COMP_PCA && !temp)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID, "compensation (%s): no temperature given",
                             regia_comp_model_name(m->cfg.model)));
    m->p = p;
    if (m->cfg.model == REGIA_COMP_PCA) {
        REGIA_TRY(fit_pca(be, f, n_rec, p, use, m, &feat, &n));
    } else {
        m->dim = p;
        REGIA_TRY(fit_regression(be, f, temp, n_rec, p, use, m, &feat, &n));
    }
    int32_t d = m->dim;
    m->n_train = n;
    /* degrees of freedom of the feature covariance: n - 1 (PCA), n - ncol (regression) */
    m->dof = m->cfg.model == REGIA_COMP_PCA ? n - 1 : n - m->ncol;
    if (m->dof < d)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID,
                             "novelty: %lld training records leave %lld degrees of freedom for %d residual features;"
                             " need at least %d", (long long)n, (long long)m->dof, (int)d, (int)d));
    m->feat_mean = calloc((size_t)d, sizeof(double));
    m->feat_chol = calloc((size_t)d * (size_t)d, sizeof(double));
    m->resid_std = calloc((size_t)p, sizeof(double));
    int32_t wn = (m->ncol > p ? m->ncol : p);
    res = malloc(sizeof(double) * (size_t)p);
    work = malloc(sizeof(double) * (size_t)(wn + d));
    if (!m->feat_mean || !m->feat_chol || !m->resid_std || !res || !work)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "novelty: out of memory"));
    for (int64_t i = 0; i < n; i++)
        for (int32_t a = 0; a < d; a++) m->feat_mean[a] += feat[i * d + a];
    for (int32_t a = 0; a < d; a++) m->feat_mean[a] /= (double)n;
    /* the features centred in place: the covariance and its Cholesky factor (op) */
    for (int64_t i = 0; i < n; i++)
        for (int32_t a = 0; a < d; a++) feat[i * d + a] -= m->feat_mean[a];
    regia_nla_in_t ci = {.kind = REGIA_NLA_COV, .n = n, .cols = d, .a = feat, .divisor = (double)m->dof};
    regia_nla_out_t co = {.chol = m->feat_chol};
    REGIA_TRY(run_la(be, &ci, &co));
    const int info = co.info;
    if (info != 0)
        REGIA_TRY(REGIA_FAIL(REGIA_ERR_INVALID,
                             "novelty: the covariance of the %d residual features over %lld training records is"
                             " singular (dpotrf info %d): identical or collinear frequency tracks?",
                             (int)d, (long long)n, (int)info));
    /* residual std per frequency over the training records, through the scoring path */
    int64_t nres = 0;
    {
        double *acc = calloc((size_t)p * 2, sizeof(double));
        double *ft = malloc(sizeof(double) * (size_t)d);
        if (!acc || !ft) {
            free(acc);
            free(ft);
            REGIA_TRY(REGIA_FAIL(REGIA_ERR_NOMEM, "novelty: out of memory"));
        }
        for (int64_t r = 0; r < n_rec; r++) {
            if (use && !use[r]) continue;
            if (!record_feature(m, f + r * p, temp, r, ft, res, work, 0)) continue;
            nres++;
            for (int32_t j = 0; j < p; j++) acc[j] += res[j], acc[p + j] += res[j] * res[j];
        }
        for (int32_t j = 0; j < p; j++) {
            double mu = acc[j] / (double)nres;
            double var = (acc[p + j] - (double)nres * mu * mu) / (double)(nres - (m->ncol > 1 ? m->ncol : 1));
            m->resid_std[j] = sqrt(var > 0 ? var : 0);
        }
        free(acc);
        free(ft);
    }
    if (m->cfg.model == REGIA_COMP_PCA) {
        m->threshold = regia_mahal_threshold(m->cfg.alpha, d, n);
    } else {
        /* e S^-1 e / (1 + h) = T^2 with nu = n - ncol: p nu / (nu - p + 1) F(p, nu - p + 1) */
        double nu = (double)m->dof, dp = (double)d;
        m->threshold = dp * nu / (nu - dp + 1.0) * regia_f_ppf(1.0 - m->cfg.alpha, dp, nu - dp + 1.0);
    }
err:
    free(feat);
    free(res);
    free(work);
    if (st != REGIA_OK) regia_novelty_free(m);
    return st;
}

/* D^2 of q features on the scale of k features by equal tail probability under the law of a
 * new record of the regression models, G_k = k nu/(nu - k + 1) F(k, nu - k + 1) (novelty.h). */
static double d2_rescale(double d2q, int32_t q, int32_t k, double nu)
{
    double sq = (double)q * nu / (nu - q + 1.0), sk = (double)k * nu / (nu - k + 1.0);
    double tail = regia_f_sf(d2q / sq, (double)q, nu - q + 1.0);
    if (!(tail > 1e-300)) return d2q * sk / sq; /* beyond double: monotone and far above any threshold */
    return sk * regia_f_isf(tail, (double)k, nu - k + 1.0);
}

regia_status_t regia_novelty_score(const regia_novelty_model_t *m, const double *f, const double *temp,
                                   int64_t n_rec, double *resid, double *zres, double *d2)
{
    regia_status_t st = REGIA_OK;
    if (!m || m->p < 1 || m->dim < 1 || !m->feat_chol)
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty score: the model is not fitted");
    if (n_rec < 0 || (n_rec > 0 && !f))
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty score: bad record count %lld", (long long)n_rec);
    if (m->cfg.model != REGIA_COMP_PCA && !temp)
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty score (%s): no temperature given",
                          regia_comp_model_name(m->cfg.model));
    int32_t p = m->p, d = m->dim, wn = (m->ncol > p ? m->ncol : p);
    /* partial records: regression models with min_features > 0 (at most p) */
    const int32_t minf = m->cfg.model == REGIA_COMP_PCA || m->cfg.min_features <= 0 ? p
                         : m->cfg.min_features < p ? m->cfg.min_features : p;
    const int partial = minf < p;
    double *buf = malloc(sizeof(double) * ((size_t)(wn + d + p) + (partial ? 2 * (size_t)d * (size_t)d : 0)));
    if (!buf) return REGIA_FAIL(REGIA_ERR_NOMEM, "novelty score: out of memory");
    double *work = buf, *feat = buf + wn, *res = buf + wn + d, *S = res + p, *sub = S + (size_t)d * d;
    if (partial) /* S = L L^T, whose Q x Q blocks give the partial records' covariance */
        for (int32_t a = 0; a < d; a++)
            for (int32_t b = 0; b < d; b++) {
                double v = 0;
                for (int32_t k = 0; k <= (a < b ? a : b); k++) v += m->feat_chol[a * d + k] * m->feat_chol[b * d + k];
                S[a * d + b] = v;
            }
    for (int64_t r = 0; r < n_rec; r++) {
        int ok = record_feature(m, f + r * p, temp, r, feat, res, work, partial);
        int32_t q = p;
        if (ok && partial) {
            q = 0;
            for (int32_t j = 0; j < p; j++) q += isfinite(res[j]) != 0;
            ok = q >= minf;
        }
        if (!ok) {
            for (int32_t j = 0; j < p; j++) {
                if (resid) resid[r * p + j] = NAN;
                if (zres) zres[r * p + j] = NAN;
            }
            if (d2) d2[r] = NAN;
            continue;
        }
        for (int32_t j = 0; j < p; j++) {
            if (resid) resid[r * p + j] = res[j];
            if (zres) zres[r * p + j] = m->resid_std[j] > 0 ? res[j] / m->resid_std[j] : NAN;
        }
        if (d2) {
            double s = 0;
            if (q == p) { /* every frequency (PCA always) */
                for (int32_t a = 0; a < d; a++) feat[a] -= m->feat_mean[a];
                cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, d, m->feat_chol, d, feat, 1);
                for (int32_t a = 0; a < d; a++) s += feat[a] * feat[a];
            } else { /* regression, q < p present: feature j = residual j */
                int32_t *qi = (int32_t *)(sub + (size_t)d * d - (size_t)d), nq = 0; /* spare room behind q x q */
                for (int32_t a = 0; a < d; a++)
                    if (isfinite(feat[a])) qi[nq++] = a;
                for (int32_t a = 0; a < q; a++) {
                    for (int32_t b = 0; b < q; b++) sub[a * q + b] = S[qi[a] * d + qi[b]];
                    feat[a] = feat[qi[a]] - m->feat_mean[qi[a]];
                }
                /* a principal block of a positive definite S: dpotrf cannot fail but for NaN */
                if (LAPACKE_dpotrf_work(LAPACK_ROW_MAJOR, 'L', q, sub, q) != 0) {
                    d2[r] = NAN;
                    continue;
                }
                cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, q, sub, q, feat, 1);
                for (int32_t a = 0; a < q; a++) s += feat[a] * feat[a];
            }
            if (m->xtx_inv) { /* regression: divide by 1 + h, h = x^T (X^T X)^-1 x */
                design_row(&m->cfg, temp, r, work);
                double h = 0;
                for (int32_t a = 0; a < m->ncol; a++)
                    for (int32_t b = 0; b < m->ncol; b++) h += work[a] * m->xtx_inv[a * m->ncol + b] * work[b];
                s /= 1.0 + h;
            }
            if (q < p) s = d2_rescale(s, q, d, (double)m->dof);
            d2[r] = s;
        }
    }
    free(buf);
    return st;
}

regia_status_t regia_novelty_shift(const regia_novelty_model_t *m, const double *f, const double *zres, int64_t n_rec,
                                   double *shift)
{
    if (!m || m->p < 1 || m->dim < 1 || !m->feat_chol)
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty shift: the model is not fitted");
    const int pca = m->cfg.model == REGIA_COMP_PCA;
    if (n_rec < 0 || (n_rec > 0 && (!shift || (pca ? !f : !zres))))
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty shift: bad record count %lld or no %s", (long long)n_rec,
                          pca ? "frequencies" : "standardised residuals");
    const int32_t p = m->p;
    for (int64_t r = 0; r < n_rec; r++) {
        double s = 0;
        int32_t n = 0;
        for (int32_t j = 0; j < p; j++) {
            double v = pca ? (f[r * p + j] - m->col_mean[j]) / m->col_std[j] : zres[r * p + j];
            if (pca && !isfinite(v)) { /* PCA scores need every frequency */
                n = 0;
                break;
            }
            if (isfinite(v)) s += v, n++;
        }
        shift[r] = n > 0 ? s / (double)n : NAN;
    }
    return REGIA_OK;
}

/* Phi^-1(u) for u in (0, 1) from the chi^2_1 quantile (Z^2 ~ chi^2_1), accurate on the
 * smaller tail down to u ~ 1e-15; callers clamp the result. */
static double norm_ppf(double u)
{
    if (u == 0.5) return 0.0;
    double q = regia_chi2_ppf(fabs(2.0 * u - 1.0), 1.0);
    return u < 0.5 ? -sqrt(q) : sqrt(q);
}

regia_status_t regia_novelty_chart_score(const regia_novelty_model_t *m, const double *d2, int64_t n, double *x,
                                         double *mu0, double *sigma)
{
    if (!m || m->dim < 1 || m->n_train < 1)
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty chart score: the model is not fitted");
    const double a = m->cfg.alpha;
    if (!(a > 0 && a < 0.5))
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty chart score: false-alarm rate %g outside (0, 0.5)", a);
    if (n < 0 || (n > 0 && (!d2 || !x)))
        return REGIA_FAIL(REGIA_ERR_INVALID, "novelty chart score: bad record count %lld", (long long)n);
    /* D^2_new = scale F(d1, d2f) */
    double d1 = (double)m->dim, d2f, scale;
    if (m->cfg.model == REGIA_COMP_PCA) {
        double nn = (double)m->n_train;
        d2f = nn - d1;
        scale = (nn + 1.0) / nn * d1 * (nn - 1.0) / (nn - d1);
    } else {
        double nu = (double)m->dof;
        d2f = nu - d1 + 1.0;
        scale = d1 * nu / d2f;
    }
    if (!(d2f > 0)) return REGIA_FAIL(REGIA_ERR_INVALID, "novelty chart score: %g degrees of freedom", d2f);
    const double c = norm_ppf(1.0 - a);
    for (int64_t r = 0; r < n; r++) {
        if (!isfinite(d2[r])) {
            x[r] = NAN;
            continue;
        }
        double u = regia_f_cdf(d2[r] / scale, d1, d2f), z;
        if (u >= 1.0 - a) z = c;
        else if (u <= a) z = -c;
        else z = fmin(c, fmax(-c, norm_ppf(u)));
        x[r] = z;
    }
    const double phi = exp(-0.5 * c * c) / sqrt(2.0 * M_PI);
    if (mu0) *mu0 = 0.0;
    if (sigma) *sigma = sqrt((1.0 - 2.0 * a) - 2.0 * c * phi + 2.0 * c * c * a);
    return REGIA_OK;
}
