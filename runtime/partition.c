/* Contiguous cost-balanced partition (see regia/partition.h). */
#include "regia/partition.h"

void regia_partition(const double *cost, int64_t n, int parts, int64_t *start)
{
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) total += cost ? cost[i] : 1.0;
    start[0] = 0;
    int64_t i = 0;
    double acc = 0.0;
    for (int p = 1; p < parts; p++) {
        /* Block p starts at the first item whose cost midpoint lies past p/parts. */
        double target = total * (double)p / (double)parts;
        while (i < n) {
            double c = cost ? cost[i] : 1.0;
            if (acc + 0.5 * c > target) break;
            acc += c;
            i++;
        }
        start[p] = i;
    }
    start[parts] = n;
}
