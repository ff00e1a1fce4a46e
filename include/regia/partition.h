/* regia/partition.h - contiguous, cost-balanced blocks of a series index. */
#ifndef REGIA_PARTITION_H
#define REGIA_PARTITION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Split items 0..n-1 with non-negative costs into `parts` contiguous blocks of about equal
 * total cost: block p is [start[p], start[p+1]).  start has parts + 1 entries.
 * Depends only on (cost, n, parts), so every rank computes the same split.
 * Not collective; host pointers; cost may be NULL (unit costs). */
void regia_partition(const double *cost, int64_t n, int parts, int64_t *start);

#ifdef __cplusplus
}
#endif
#endif
