/* evt_impl.h - block maxima for `regia evt` (drivers/cmd_evt.c, drivers/evt_blocks.c).
 * Internal to drivers/; host only, no MPI. */
#ifndef REGIA_EVT_IMPL_H
#define REGIA_EVT_IMPL_H

#include <stdint.h>

#include "regia/series_csv.h"
#include "regia/status.h"

typedef enum { EVT_BLOCK_YEAR = 0, EVT_BLOCK_MONTH, EVT_BLOCK_NONE } evt_block_t;

/* "year", "month", "none" -> evt_block_t (-1 when unknown). */
int evt_block_parse(const char *name);
const char *evt_block_name(int block);

/* End of the block that starts at `start` (the next block's start; none: start itself). */
int64_t evt_block_end(int64_t start, int block);

/* One block of one series. */
typedef struct {
    int64_t start;  /* block start, seconds since 1970 UTC (year: 1 January 00:00; month: the
                       1st 00:00; none: the row's own time)                                  */
    double max;     /* largest value of the block                                            */
    int64_t line;   /* input line of that value (the first such line when tied)              */
    int32_t count;  /* values in the block                                                   */
    int32_t pad;
} evt_block_max_t;

/* The block maxima of one series: rows r[0..n) sorted by time (the reader's order) into
 * out[0..*nb) in time order, blocks without a value (only missing values) left out;
 * *n_missing counts the rows with a missing value.  out holds at least n entries.
 * Never fails. */
void evt_block_maxima(const regia_series_row_t *r, int64_t n, int block, evt_block_max_t *out, int64_t *nb,
                      int64_t *n_missing);

#endif
