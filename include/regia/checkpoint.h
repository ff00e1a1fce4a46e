/* regia/checkpoint.h - checkpoints of completed items, item by item.
 *
 * A checkpoint is a directory of files, one per rank of a run (rank-R.ckpt), each holding
 * the fingerprint of the run (job values, input, build, backend), the range of global
 * items the rank owned, and records of completed items: a record covers global items
 * [first, first + n) and holds, for each result array in turn, n items of that array.
 * Files are written atomically (NAME.tmp + rename) and carry a SHA-256 of their content,
 * so a file is either complete and intact or ignored.
 *
 * Restores are item by item and independent of how the items were split: a run stopped
 * at 2 ranks resumes at 3 (or 1), each rank loading only the files of its fingerprint
 * whose item range overlaps its own, and copying whatever items they cover.
 * Runs that share a directory never read, overwrite or delete each other's files: a file
 * of another fingerprint is counted as stale and left alone, and a rank whose name
 * rank-R.ckpt is taken by another run's file writes rank-R.<fingerprint>.ckpt instead.
 * Host-only; not collective.
 */
#ifndef REGIA_CHECKPOINT_H
#define REGIA_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct regia_ckpt regia_ckpt_t;

/* One per-item result array: item k of the shard occupies bytes
 * [k * item_bytes, (k + 1) * item_bytes) from base. */
typedef struct {
    void *base;
    size_t item_bytes;
} regia_ckpt_array_t;

/* Open the checkpoint directory `dir` for `rank`, whose items are [i0, i1), and load the
 * records of every intact file of `fingerprint` whose item range overlaps [i0, i1).
 * Files of other fingerprints are counted in *stale (never read further, overwritten or
 * removed); damaged files are ignored.  A missing directory is an empty checkpoint; the
 * directory is not created here (see regia_mkdir_p). */
regia_status_t regia_ckpt_open(regia_ckpt_t **c, const char *dir, const char *fingerprint, int rank,
                               int64_t i0, int64_t i1, int *stale);
/* Of global items [g0, g0 + n): how many leading items the loaded records cover (0 when
 * item g0 is not covered).  `item_bytes` is the total of the arrays' item sizes: records
 * of another size are not used.  c may be NULL (nothing covered). */
int64_t regia_ckpt_covered(const regia_ckpt_t *c, int64_t g0, int64_t n, size_t item_bytes);
/* Copy loaded items [g0, g0 + n) (all covered, see regia_ckpt_covered) into the arrays at
 * shard position k0 (the shard position of item g0). */
void regia_ckpt_restore(const regia_ckpt_t *c, int64_t g0, int64_t n, const regia_ckpt_array_t *a, int na,
                        int64_t k0);
/* Add items [g0, g0 + n), read from the arrays at shard position k0, to this rank's set
 * (replacing a record that starts at g0).  Nothing when c is NULL. */
regia_status_t regia_ckpt_record(regia_ckpt_t *c, int64_t g0, int64_t n, const regia_ckpt_array_t *a, int na,
                                 int64_t k0);
/* Items in this rank's set. */
int64_t regia_ckpt_count(const regia_ckpt_t *c);
/* Call after each completed block, `done` of this rank's `total` units.  Saves this rank's
 * set when `interval` seconds (> 0) have passed since the last save, or at once when a stop
 * signal is pending; for a signal it then returns REGIA_ERR_INTERRUPTED with a message
 * ("stopped by SIGUSR1 after 6 of this rank's 20 series").  After the last block
 * (done == total) it does nothing: the run is about to complete. */
regia_status_t regia_ckpt_after_block(regia_ckpt_t *c, double interval, int64_t done, int64_t total,
                                      const char *unit);
/* Write this rank's set atomically (see the file names above). */
regia_status_t regia_ckpt_save(regia_ckpt_t *c);
void regia_ckpt_free(regia_ckpt_t *c);
/* Remove the files of `fingerprint` from `dir`, and `dir` itself when nothing else is
 * left in it (after the final output is in place).  Other runs' files are kept. */
regia_status_t regia_ckpt_remove(const char *dir, const char *fingerprint);

#ifdef __cplusplus
}
#endif
#endif
