/* sensors_paths.h - file identity checks for the sensors, modal and evt commands, so that
 * an output never replaces an input: "x.nc", "./x.nc", "../d/x.nc" and a hard link name one
 * file.  Internal to drivers/. */
#ifndef REGIA_SENSORS_PATHS_H
#define REGIA_SENSORS_PATHS_H

/* 1 when a and b name the same existing file (the same device and inode), 0 otherwise
 * (also when either is NULL or does not exist: an output not yet written replaces
 * nothing).  Not collective. */
int regia_sn_same_file(const char *a, const char *b);

/* 1 when `path` names an entry directly inside the existing directory `dir` (its parent
 * directory, "." for a bare name, is `dir` by device and inode), 0 otherwise.  The
 * entry itself need not exist.  Not collective. */
int regia_sn_in_dir(const char *path, const char *dir);

#endif
