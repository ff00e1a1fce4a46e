/* Block maxima for `regia evt` (contract: evt_impl.h).  Blocks are calendar years or
 * months in UTC (proleptic Gregorian, regia/timeutil.h), or each row its own block. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "evt_impl.h"
#include "regia/timeutil.h"

static const char *const names[] = {"year", "month", "none"};

int evt_block_parse(const char *name)
{
    for (int b = 0; name && b < 3; b++)
        if (!strcasecmp(name, names[b])) return b;
    return -1;
}

const char *evt_block_name(int block)
{
    return block >= 0 && block < 3 ? names[block] : "unknown";
}

/* Start of the block holding time t. */
static int64_t block_start(int64_t t, int block)
{
    if (block == EVT_BLOCK_NONE) return t;
    int y, m, d;
    regia_civil_from_days(regia_floordiv(t, 86400), &y, &m, &d);
    return 86400 * regia_days_from_civil(y, block == EVT_BLOCK_YEAR ? 1 : m, 1);
}

int64_t evt_block_end(int64_t start, int block)
{
    if (block == EVT_BLOCK_NONE) return start;
    int y, m, d;
    regia_civil_from_days(regia_floordiv(start, 86400), &y, &m, &d);
    if (block == EVT_BLOCK_YEAR) return 86400 * regia_days_from_civil(y + 1, 1, 1);
    return 86400 * (m == 12 ? regia_days_from_civil(y + 1, 1, 1) : regia_days_from_civil(y, m + 1, 1));
}

void evt_block_maxima(const regia_series_row_t *r, int64_t n, int block, evt_block_max_t *out, int64_t *nb,
                      int64_t *n_missing)
{
    int64_t k = -1, miss = 0, cur = 0;
    int open = 0;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(r[i].v)) {
            miss++;
            continue;
        }
        const int64_t s = block_start(r[i].t, block);
        if (!open || s != cur) { /* rows are in time order: a new block begins */
            k++;
            out[k] = (evt_block_max_t){.start = s, .max = r[i].v, .line = r[i].line, .count = 0};
            cur = s;
            open = 1;
        } else if (r[i].v > out[k].max) {
            out[k].max = r[i].v;
            out[k].line = r[i].line;
        }
        out[k].count++;
    }
    *nb = k + 1;
    *n_missing = miss;
}
