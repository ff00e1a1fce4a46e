/* regia/checkpoint.h - checkpoints of completed blocks of work, and stop signals.
 *
 * A checkpoint is a directory of files, one per rank (rank-R.ckpt), each holding records
 * (key, bytes) of the blocks that rank completed, plus a fingerprint of the job and its
 * input.  Files are written atomically (NAME.tmp + rename) and carry a SHA-256 of their
 * content, so a file is either complete and intact or ignored.  A restarted run reads every
 * file whose fingerprint matches, whatever rank wrote it, and finds blocks by key (the
 * block's first global series index), so a block done before a restart is never redone
 * and the final output is the same as an uninterrupted run's.
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

/* Open the checkpoint directory `dir` for `rank` and load the records of every intact file
 * in it whose fingerprint equals `fingerprint`.  Files of other fingerprints (another job
 * or input) are counted in *stale and left alone; a missing directory is an empty
 * checkpoint.  The directory is not created here (see regia_mkdir_p). */
regia_status_t regia_ckpt_open(regia_ckpt_t **c, const char *dir, const char *fingerprint, int rank,
                               int *stale);
/* Bytes of the loaded record `key`, or NULL when there is none of exactly `len` bytes. */
const void *regia_ckpt_find(const regia_ckpt_t *c, int64_t key, size_t len);
/* Add (copy) a record to this rank's set; replaces a record with the same key. */
regia_status_t regia_ckpt_add(regia_ckpt_t *c, int64_t key, const void *data, size_t len);
/* Records in this rank's set. */
int64_t regia_ckpt_count(const regia_ckpt_t *c);
/* A record made of several arrays, concatenated in order. */
typedef struct {
    void *p;
    size_t len;
} regia_ckpt_part_t;
/* If a record `key` of exactly the parts' total size was loaded, copy it into the parts and
 * return 1; else 0 (also when c is NULL). */
int regia_ckpt_restore(const regia_ckpt_t *c, int64_t key, const regia_ckpt_part_t *parts, int n);
/* Add the parts, concatenated, as record `key` of this rank's set (nothing when c is NULL). */
regia_status_t regia_ckpt_record(regia_ckpt_t *c, int64_t key, const regia_ckpt_part_t *parts, int n);
/* Call after each completed block, `done` of this rank's `total` units.  Saves this rank's
 * set when `interval` seconds (> 0) have passed since the last save, or at once when a stop
 * signal is pending; for a signal it then returns REGIA_ERR_INTERRUPTED with a message
 * ("stopped by SIGUSR1 after 6 of this rank's 20 series").  After the last block
 * (done == total) it does nothing: the run is about to complete. */
regia_status_t regia_ckpt_after_block(regia_ckpt_t *c, double interval, int64_t done, int64_t total,
                                      const char *unit);
/* Write this rank's set to DIR/rank-R.ckpt atomically. */
regia_status_t regia_ckpt_save(regia_ckpt_t *c);
void regia_ckpt_free(regia_ckpt_t *c);
/* Remove DIR/rank-*.ckpt and DIR itself (after the final output is in place). */
regia_status_t regia_ckpt_remove(const char *dir);

/* Stop requests: SIGUSR1 (SLURM's warning before the time limit, --signal=B:USR1@120,
 * forwarded by the batch script) and SIGTERM (preemption, scancel, the time limit).
 * The handler only records the signal; drivers poll it between blocks. */
void regia_signals_install(void);
/* The signal received (SIGUSR1 or SIGTERM), or 0. */
int regia_signal_pending(void);

#ifdef __cplusplus
}
#endif
#endif
