/* Closed forms of queue theory (contract in regia/queue.h): Erlang C for M/M/c and
 * Cobham's (1954) class means for non-preemptive priority M/M/c with one service rate.
 * The tests check the simulation against them; planners use them as first estimates. */
#include <math.h>

#include "regia/queue.h"

/* C(c, a) through Erlang B's recursion B(k) = a B(k-1) / (k + a B(k-1)), which never
 * forms a^c or c! (stable for thousands of servers); C = c B / (c - a (1 - B)).
 * NaN outside 0 <= a < c. */
double regia_erlang_c(int c, double a)
{
    if (c < 1 || !(a >= 0) || !(a < c)) return NAN;
    double b = 1.0;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    return c * b / (c - a * (1.0 - b));
}

/* sigma_k = sum_{i<=k} lambda_i / (c mu), W0 = C(c, lambda/mu) / (c mu),
 * Wq_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k)).  NaN for every class when the total
 * load is not below c or an input is bad. */
void regia_cobham_wq(int c, double mu, int n_classes, const double *lambda, double *wq)
{
    double total = 0;
    int bad = c < 1 || !(mu > 0) || n_classes < 1;
    for (int k = 0; k < n_classes && !bad; k++) {
        bad = !(lambda[k] >= 0);
        total += lambda[k];
    }
    double w0 = bad ? NAN : regia_erlang_c(c, total / mu) / (c * mu);
    double sigma_prev = 0;
    for (int k = 0; k < n_classes; k++) {
        double sigma = sigma_prev + (bad ? 0 : lambda[k] / (c * mu));
        wq[k] = w0 / ((1 - sigma_prev) * (1 - sigma));
        sigma_prev = sigma;
    }
}
