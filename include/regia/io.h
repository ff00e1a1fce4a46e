/* regia/io.h - files: atomic outputs, manifests, NetCDF checks (whole-file reads and
 * SHA-256 are the runtime's, regia/fileutil.h, included here).
 * Host-only; none of these functions is collective unless it says so. */
#ifndef REGIA_IO_H
#define REGIA_IO_H

#include <stddef.h>
#include <stdint.h>

#include "regia/fileutil.h"
#include "regia/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Create a directory and its missing parents (like mkdir -p).  Not collective: call it
 * from one rank. */
regia_status_t regia_mkdir_p(const char *path);

/* The name of a file that goes with an output: OUTPUT with a trailing ".nc" replaced by
 * `suffix` (".manifest.json", ".ckpt", ".rejects.csv"), or OUTPUT + suffix otherwise. */
void regia_sibling_path(const char *output, const char *suffix, char *buf, size_t cap);

/* ---- byte ranges of text files (the parallel CSV readers) ---------------------------
 * Read up to n bytes at offset off (pread, retried on EINTR); *got < n only at the end of
 * the file.  Errors name the file and the byte. */
regia_status_t regia_read_at(int fd, const char *path, char *buf, size_t n, int64_t off, size_t *got);
/* The first line start at or after pos (> 0): one past the first '\n' at or after
 * pos - 1, or size when there is none.  Splitting a file at the line starts of P equal
 * byte offsets gives each rank whole lines, and every line to exactly one rank. */
regia_status_t regia_align_line(int fd, const char *path, int64_t size, int64_t pos, int64_t *out);

/* ---- atomic outputs ----------------------------------------------------------------
 * An output is written as "<final>.tmp" in the same directory, then fsync'ed, renamed
 * over the final name and the directory fsync'ed.  An aborted output leaves nothing under
 * either name, and an existing file under the final name is untouched until commit. */
typedef struct {
    char final_path[4096];
    char tmp_path[4096 + 48];
    int existed;                     /* a file was under the final name at begin        */
    unsigned long long final_id[3];  /* its device, inode and mtime                     */
    int replaced_other;              /* set by commit: the final name held a file that
                                        appeared or changed after begin (another run's) */
} regia_atomic_t;

/* Fills the names; checks that the directory exists and is writable. */
regia_status_t regia_atomic_begin(regia_atomic_t *a, const char *final_path);
/* The same with a temporary name of its own, "<final>.<token>.tmp", so that two runs
 * writing the same output never share a temporary file (token: e.g. host and pid). */
regia_status_t regia_atomic_begin_as(regia_atomic_t *a, const char *final_path, const char *token);
/* fsync the temporary file, rename it to the final name, fsync the directory.  Sets
 * replaced_other when the final name was written by someone else since begin (the caller
 * says so: the other run's output is replaced). */
regia_status_t regia_atomic_commit(regia_atomic_t *a);
/* Remove the temporary file (no error if absent). */
void regia_atomic_abort(regia_atomic_t *a);
/* Write a whole buffer atomically. */
regia_status_t regia_atomic_write(const char *path, const void *data, size_t len);

/* The last component of `path` (a pointer into it; `path` itself when it has no '/'): what
 * provenance (manifests, NetCDF attributes, history) names a file by. */
const char *regia_file_name(const char *path);

/* 1 when a and b name the same existing file (the same device and inode: "x.nc", "./x.nc",
 * "../d/x.nc" and a hard link are one file), 0 otherwise (also when either is NULL or does
 * not exist: an output not yet written replaces nothing).  Used so that an output never
 * replaces an input. */
int regia_same_file(const char *a, const char *b);
/* 1 when `path` names an entry directly inside the existing directory `dir` (its parent
 * directory, "." for a bare name, is `dir` by device and inode), 0 otherwise; the entry
 * itself need not exist. */
int regia_in_dir(const char *path, const char *dir);

/* ---- JSON manifest ------------------------------------------------------------------
 * Built in memory, written atomically.  Values are copied. */
typedef struct regia_manifest regia_manifest_t;
regia_manifest_t *regia_manifest_new(const char *tool);
void regia_manifest_free(regia_manifest_t *m);
/* Top-level "key": "value" / number pairs (insertion order kept). */
void regia_manifest_str(regia_manifest_t *m, const char *key, const char *value);
void regia_manifest_num(regia_manifest_t *m, const char *key, double value);
/* Entries of the "inputs" and "outputs" arrays: role, the file's name (key "path": the last
 * component of `path`, no directories, so that a published manifest names no machine path)
 * and SHA-256 (computed now; an unreadable file is an error). */
regia_status_t regia_manifest_file(regia_manifest_t *m, const char *list, const char *role,
                                   const char *path);
/* The same for a file still under its temporary name: the entry says `path`, the SHA-256
 * is that of `hash_path` (an output written before its commit). */
regia_status_t regia_manifest_file_as(regia_manifest_t *m, const char *list, const char *role, const char *path,
                                      const char *hash_path);
/* The same with a SHA-256 already computed (hex), e.g. by a reader that hashed the file. */
regia_status_t regia_manifest_file_sha(regia_manifest_t *m, const char *list, const char *role, const char *path,
                                       const char *sha);
/* An "outputs" entry of a run's product (issue 12): `relpath` is the file's path relative to
 * the manifest's directory ("env_forecast.products/summary.csv"; relative, no ".."), the
 * SHA-256 that of `hash_path` (its temporary name), and a one-line `title` (catalogs). */
regia_status_t regia_manifest_product(regia_manifest_t *m, const char *role, const char *relpath,
                                      const char *hash_path, const char *title);
/* Entry of "timings": stage name and seconds. */
void regia_manifest_timing(regia_manifest_t *m, const char *stage, double seconds);
regia_status_t regia_manifest_write(const regia_manifest_t *m, const char *path);

/* ---- NetCDF call checks --------------------------------------------------------------
 * REGIA_NC(expr): evaluate a NetCDF-C call; on failure record the expression, the source
 * location and nc_strerror(), set st = REGIA_ERR_NETCDF and jump to err. */
const char *regia_nc_strerror(int ncerr);
#define REGIA_NC(expr)                                                                     \
    do {                                                                                   \
        int nc_rc_ = (expr);                                                               \
        if (nc_rc_ != 0) {                                                                 \
            st = regia_error_set(REGIA_ERR_NETCDF, __FILE__, __LINE__, "%s: %s", #expr,    \
                                 regia_nc_strerror(nc_rc_));                               \
            goto err;                                                                      \
        }                                                                                  \
    } while (0)

/* REGIA_MPI(expr): the same for MPI calls (MPI_Error_string). */
const char *regia_mpi_strerror(int mpierr);
#define REGIA_MPI(expr)                                                                    \
    do {                                                                                   \
        int mpi_rc_ = (expr);                                                              \
        if (mpi_rc_ != 0) {                                                                \
            st = regia_error_set(REGIA_ERR_MPI, __FILE__, __LINE__, "%s: %s", #expr,       \
                                 regia_mpi_strerror(mpi_rc_));                             \
            goto err;                                                                      \
        }                                                                                  \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif
