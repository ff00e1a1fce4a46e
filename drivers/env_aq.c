/* The air-quality indicators of regia env (contract in env_aq.h). */
#include "env_aq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int env_aq_run_ending(const double *y, int n, double limit)
{
    int run = 0;
    if (isnan(limit)) return 0;
    for (int i = n - 1; i >= 0 && !isnan(y[i]) && y[i] > limit; i--) run++;
    return run;
}

double env_aq_mean(const double *y, int64_t n, int *valid)
{
    double acc = 0;
    int k = 0;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(y[i])) { acc += y[i]; k++; }
    *valid = k;
    return k ? acc / k : NAN;
}

int env_aq_hours_over(const float *hours, const signed char *qc, int64_t nhours, int64_t first, int64_t last,
                      double threshold)
{
    int k = 0;
    if (first < 0) first = 0;
    if (last > nhours) last = nhours;
    for (int64_t i = first; i < last; i++)
        if ((!qc || qc[i] == 0) && !isnan(hours[i]) && hours[i] > threshold) k++;
    return k;
}

void env_aq_distinct(const char *names, int64_t n, size_t name_len, char *distinct, int *n_distinct, int *of_item)
{
    int nd = 0;
    for (int64_t i = 0; i < n; i++) {
        const char *a = names + (size_t)i * name_len;
        int g = 0;
        while (g < nd && strncmp(distinct + (size_t)g * name_len, a, name_len) != 0) g++;
        if (g == nd) memcpy(distinct + (size_t)nd++ * name_len, a, name_len);
        of_item[i] = g;
    }
    *n_distinct = nd;
}

void env_aq_group_mean(const double *x, int64_t n, int m, const int *group, int n_groups, double *sum, int *cnt,
                       double *out)
{
    const size_t gm = (size_t)n_groups * (size_t)m;
    memset(sum, 0, sizeof *sum * gm);
    memset(cnt, 0, sizeof *cnt * gm);
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double v = x[(size_t)i * m + j];
            if (isnan(v)) continue;
            sum[(size_t)group[i] * m + j] += v;
            cnt[(size_t)group[i] * m + j]++;
        }
    for (size_t k = 0; k < gm; k++) out[k] = cnt[k] ? sum[k] / cnt[k] : NAN;
}

int64_t env_aq_list_at_risk(const double *p, const char *names, int64_t n, size_t name_len, double threshold,
                            int max_names, int64_t *order, char *buf, size_t cap)
{
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(p[i]) && p[i] >= threshold) order[k++] = i;
    /* insertion sort: highest p first, ties by index (the lists are short) */
    for (int64_t a = 1; a < k; a++) {
        int64_t v = order[a], b = a;
        while (b > 0 && (p[order[b - 1]] < p[v] || (p[order[b - 1]] == p[v] && order[b - 1] > v))) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = v;
    }
    size_t len = 0;
    if (cap) buf[0] = 0;
    for (int64_t j = 0; j < k && j < max_names && len < cap; j++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%.*s (p = %.2f)", j ? ", " : "", (int)name_len,
                                names + (size_t)order[j] * name_len, p[order[j]]);
    if (k > max_names && len < cap) snprintf(buf + len, cap - len, " and %lld more", (long long)(k - max_names));
    return k;
}
